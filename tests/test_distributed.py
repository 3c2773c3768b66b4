"""Tests of lowdim_utils.distributed (lesson 24): single-process pieces, then real torchrun runs.

The torchrun tests launch 2 gloo processes on 127.0.0.1 with a time limit per launch and a short collective
timeout, and each test has a pytest-timeout: nothing here can hang the suite.
"""
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from conftest import require_oracle

from lowdim_utils import contrastive, linear
from lowdim_utils import distributed as dd


def _rand(*shape, seed=0, dtype=torch.float64):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=dtype)


def _max_angle(A, B):
    return float(linear.subspace_angles(A, B).max())


# ------------------------------------------------------------------ single process

def test_mlp_is_reproducible_from_its_seed_and_dtype():
    a, b = dd.mlp([5, 4, 3], generator=7, dtype=torch.float64), dd.mlp([5, 4, 3], generator=7, dtype=torch.float64)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    assert next(a.parameters()).dtype == torch.float64
    c = dd.mlp([5, 4, 3], generator=8, dtype=torch.float64)
    assert not torch.equal(next(a.parameters()), next(c.parameters()))


def test_shards_tile_the_batch():
    blocks = [dd.shard(12, r, 3) for r in range(3)]
    assert torch.equal(torch.cat([torch.arange(12)[s] for s in blocks]), torch.arange(12))


def test_info_nce_anchors_averaged_over_blocks_is_info_nce_with_its_gradient():
    """Eq. (2): the mean over ranks of the local-anchor losses is lesson 15's loss, gradient included."""
    z1, z2 = _rand(12, 5, seed=1).requires_grad_(), _rand(12, 5, seed=2).requires_grad_()
    full = contrastive.info_nce(z1, z2, 0.3)
    g_full = torch.autograd.grad(full, [z1, z2])
    for p in (1, 2, 3, 4):
        parts = sum(dd.info_nce_anchors(z1, z2, dd.shard(12, r, p), 0.3) for r in range(p)) / p
        assert abs(float((parts - full).detach())) < 1e-12
        g = torch.autograd.grad(parts, [z1, z2])
        assert all(torch.allclose(a, b, atol=1e-12) for a, b in zip(g, g_full))
    one = dd.info_nce_anchors(z1, z2, dd.shard(12, 0, 2), 0.3)       # a single block is not the loss
    assert abs(float((one - full).detach())) > 1e-3


def test_moments_pca_is_pca_and_moments_add_over_shards():
    X = _rand(300, 8, seed=3) * torch.linspace(3, 0.2, 8, dtype=torch.float64) + 1.5
    parts = [dd.local_moments(X[s]) for s in (slice(0, 90), slice(90, 250), slice(250, 300))]
    n, s, S = (sum(t) for t in zip(*parts))
    comps, var = dd.moments_pca(n, s, S, 3)
    ref = linear.pca(X, 3)
    assert _max_angle(comps.T, ref.components.T) < 1e-10
    assert torch.allclose(var, ref.explained_variance, rtol=1e-10)


def test_moments_pca_against_sklearn():
    PCA = require_oracle("sklearn.decomposition").PCA
    X = _rand(200, 10, seed=4) * torch.linspace(2, 0.1, 10, dtype=torch.float64)
    comps, var = dd.moments_pca(*dd.local_moments(X), 4)
    sk = PCA(4).fit(X.numpy())
    assert _max_angle(comps.T, torch.tensor(sk.components_.T)) < 1e-9
    np.testing.assert_allclose(var.numpy(), sk.explained_variance_, rtol=1e-9)


def test_merge_subspaces_properties():
    d, k = 10, 3
    V = torch.linalg.qr(_rand(d, k, seed=5))[0]
    same = dd.merge_subspaces([V, -V, V[:, [2, 0, 1]]])                # signs and order do not matter
    assert _max_angle(same, V) < 1e-10
    # the merged projector is at least as close (weighted Frobenius, Eq. (6)) as any of the inputs
    bases = [torch.linalg.qr(V + 0.5 * _rand(d, k, seed=10 + r))[0] for r in range(4)]
    w = torch.tensor([4.0, 1.0, 1.0, 2.0], dtype=torch.float64)
    M = dd.merge_subspaces(bases, w, k)

    def cost(U):
        P = U @ U.T
        return float(sum(wr * ((P - B @ B.T) ** 2).sum() for wr, B in zip(w / w.sum(), bases)))
    assert all(cost(M) <= cost(B) + 1e-12 for B in bases)
    for seed in range(5):                                           # and than random subspaces
        assert cost(M) <= cost(torch.linalg.qr(_rand(d, k, seed=50 + seed))[0])
    # weights matter: all weight on one rank returns its subspace
    assert _max_angle(dd.merge_subspaces(bases, torch.tensor([1.0, 0, 0, 0]), k), bases[0]) < 1e-10
    # variance weights: full local eigenbases with their eigenvalues sum the covariances exactly
    X = _rand(400, d, seed=6) * torch.linspace(3, 0.1, d, dtype=torch.float64)
    halves = [X[:200] - X.mean(0), X[200:] - X.mean(0)]
    eig = [torch.linalg.eigh(H.T @ H) for H in halves]
    merged = dd.merge_subspaces([e.eigenvectors for e in eig], None, k, variances=[e.eigenvalues for e in eig])
    assert _max_angle(merged, linear.pca(X, k).components.T) < 1e-9


def test_ring_allreduce_cost_model():
    assert float(dd.ring_allreduce_time(1e6, 1, 1e-5, 1e9)) == 0.0
    t = dd.ring_allreduce_time(8e6, torch.tensor([2.0, 4.0, 1024.0]), 2e-6, 1e10)
    want = [2 * (p - 1) * 2e-6 + 2 * (p - 1) / p * 8e6 / 1e10 for p in (2, 4, 1024)]
    assert torch.allclose(t, torch.tensor(want, dtype=torch.float64), rtol=1e-12)
    sizes = torch.tensor([1e3, 1e4, 1e5, 1e6, 1e7], dtype=torch.float64)
    alpha, beta = dd.fit_alpha_beta(sizes, dd.ring_allreduce_time(sizes, 2, 3e-5, 2e9), p=2)
    assert math.isclose(alpha, 3e-5, rel_tol=1e-6) and math.isclose(beta, 2e9, rel_tol=1e-6)
    step = dd.predict_step_time(0.01, 4e6, torch.tensor([8.0]), 1e-6, 1e9, overlap=True)
    assert float(step) == pytest.approx(max(0.01, float(dd.ring_allreduce_time(4e6, 8, 1e-6, 1e9))))


def test_free_port_and_backend():
    port = dd.free_port()
    assert 1024 <= port < 65536
    assert dd.backend_for(1) == "gloo"


def test_bad_inputs_name_the_argument():
    V = torch.linalg.qr(_rand(6, 2, seed=7))[0]
    with pytest.raises(ValueError, match="bases"):
        dd.merge_subspaces([V, 2 * V])
    with pytest.raises(ValueError, match="weights"):
        dd.merge_subspaces([V, V], torch.tensor([1.0, -1.0]))
    with pytest.raises(ValueError, match="variances"):
        dd.merge_subspaces([V, V], variances=[torch.ones(2)])
    with pytest.raises(ValueError, match="n"):
        dd.shard(10, 0, 3)
    with pytest.raises(ValueError, match="rows"):
        dd.info_nce_anchors(_rand(4, 3), _rand(4, 3), torch.tensor([5]))
    with pytest.raises(ValueError, match="tasks"):
        dd.launch("nonsense", {})
    with pytest.raises(ValueError, match="timeout"):
        dd.launch("grad", {}, timeout=-1)
    with pytest.raises(ValueError, match="p must"):
        dd.ring_allreduce_time(1e6, 0, 1e-6, 1e9)
    with pytest.raises(ValueError, match="beta"):
        dd.ring_allreduce_time(1e6, 2, 1e-6, 0.0)
    with pytest.raises(ValueError, match="dims"):
        dd.mlp([5])
    with pytest.raises(ValueError, match="k"):
        dd.moments_pca(*dd.local_moments(_rand(10, 3)), 4)


def test_merge_and_losses_on_device(device):
    V = torch.linalg.qr(_rand(8, 3, seed=8))[0].to(device)
    out = dd.merge_subspaces([V, V], torch.tensor([1.0, 2.0]), 3)
    assert out.device.type == device.type and out.shape == (8, 3)
    assert _max_angle(out.cpu(), V.cpu()) < 1e-6
    z1, z2 = _rand(6, 4, seed=9, dtype=torch.float32).to(device), _rand(6, 4, seed=10, dtype=torch.float32).to(device)
    loss = (dd.info_nce_anchors(z1, z2, slice(0, 3)) + dd.info_nce_anchors(z1, z2, slice(3, 6))) / 2
    assert loss.device.type == device.type
    assert abs(float(loss) - float(contrastive.info_nce(z1, z2))) < 1e-5
    X = _rand(50, 5, seed=11, dtype=torch.float32).to(device)
    comps, _ = dd.moments_pca(*dd.local_moments(X), 2)
    assert comps.device.type == device.type


# ------------------------------------------------------------------ torchrun, 2 processes


def _contrastive_inputs(dtype, B=16, d=12):
    g = torch.Generator().manual_seed(0)
    X = torch.randn(B, d, generator=g, dtype=dtype)
    y = torch.randint(0, 3, (B,), generator=g)
    clf, enc = dd.mlp([d, 8, 3], generator=1, dtype=dtype), dd.mlp([d, 8, 5], generator=2, dtype=dtype)
    x1 = X + 0.1 * torch.randn(B, d, generator=g, dtype=dtype)
    x2 = X + 0.1 * torch.randn(B, d, generator=g, dtype=dtype)
    Xp = torch.randn(200, d, generator=g, dtype=torch.float64) * torch.linspace(3, 0.2, d, dtype=torch.float64)
    perm = torch.randperm(200, generator=g)
    inputs = {"grad": {"model": {"dims": [d, 8, 3], "dtype": dtype, "state": clf.state_dict()}, "X": X, "y": y},
              "contrastive": {"model": {"dims": [d, 8, 5], "dtype": dtype, "state": enc.state_dict()},
                              "x1": x1, "x2": x2, "temperature": 0.5},
              "pca": {"X": Xp, "k": 3, "splits": {"iid": [perm[:100], perm[100:]]}}}
    return inputs, clf, enc, Xp


@pytest.mark.timeout(120)
@pytest.mark.parametrize("dtype, tol", [(torch.float64, 1e-12), (torch.float32, 1e-5)])
def test_ddp_gradients_equal_the_single_process_full_batch_gradient(dtype, tol):
    inputs, clf, enc, Xp = _contrastive_inputs(dtype)
    run = dd.launch(["grad", "contrastive", "pca"] if dtype == torch.float64 else ["grad", "contrastive"],
                    inputs, nproc=2, timeout=90, collective_timeout=30)
    g = inputs["grad"]
    F.cross_entropy(clf(g["X"]), g["y"]).backward()
    ref = dd.flat_grad(clf)
    for r in run["grad"]:                                          # Eq. (1)
        assert float((r["grad"] - ref).abs().max() / ref.abs().max()) < tol
        assert float((r["local_grad"] - ref).abs().max() / ref.abs().max()) > 1e-3
    c = inputs["contrastive"]
    z1, z2 = enc(torch.cat([c["x1"], c["x2"]])).chunk(2)
    contrastive.info_nce(z1, z2, 0.5).backward()
    cref = dd.flat_grad(enc)
    res = run["contrastive"][0]
    rel = {k: float((v["grad"] - cref).norm() / cref.norm()) for k, v in res.items()}
    assert rel["local anchors, summed backward"] < tol                 # Proposition (4)
    assert rel["local anchors, torch.distributed.nn"] < tol
    assert rel["replicated loss, summed backward"] < tol
    half = res["replicated loss, local backward"]["grad"]
    assert float((2 * half - cref).norm() / cref.norm()) < tol       # exactly 1/p of the gradient
    assert rel["local anchors, local backward"] > 0.05                # the cross-rank terms are missing
    if dtype == torch.float64:
        central = linear.pca(Xp, 3).components.T
        out = run["pca"][0]["iid"]
        assert _max_angle(out["exact"].T, central) < 1e-8
        assert _max_angle(out["projector"].T, central) < 0.5
        assert torch.equal(run["pca"][0]["iid"]["projector"], run["pca"][1]["iid"]["projector"])


@pytest.mark.timeout(120)
def test_checkpoint_resume_is_bit_identical(tmp_path):
    g = torch.Generator().manual_seed(0)
    inp = {"model": {"dims": [20, 16, 8], "state": dd.mlp([20, 16, 8], generator=3).state_dict()},
           "X": torch.rand(64, 20, generator=g), "lr": 1e-2, "seed": 0, "batch": 8, "steps": 10,
           "noise": 0.1, "mask": 0.2, "temperature": 0.5}
    first = dd.launch("train", {"train": inp}, nproc=2, timeout=90, job_dir=tmp_path)
    assert first["train"][0]["ckpt_epoch"] == 1 and first["train"][0]["ckpt_pos"] == 1   # mid-epoch
    again = dd.launch("resume", {"resume": inp}, nproc=2, timeout=90, job_dir=tmp_path)
    for r in range(2):
        straight = first["train"][r]["straight"]
        assert torch.equal(again["resume"][r]["everything restored"], straight)
        for name in ("without the RNG state", "without the loader position", "without the optimizer state"):
            assert not torch.equal(again["resume"][r][name], straight), name


@pytest.mark.timeout(60)
def test_a_rank_that_never_joins_ends_the_run_with_a_message():
    with pytest.raises(dd.DistributedRunError, match="never joined"):
        dd.launch("stuck", {"stuck": {"sleep": 120, "timeout": 2}}, nproc=2, timeout=45)


@pytest.mark.timeout(60)
def test_the_launch_time_limit_kills_a_hung_run(tmp_path):
    import os
    import time
    with pytest.raises(dd.DistributedRunError, match="did not finish within"):
        dd.launch("stuck", {"stuck": {"sleep": 120, "timeout": 100}}, nproc=2, timeout=8, job_dir=tmp_path)
    pids = [int(f.read_text()) for f in tmp_path.glob("pid.rank*")]
    assert len(pids) == 2
    deadline = time.monotonic() + 10
    alive = pids
    while alive and time.monotonic() < deadline:
        alive = []
        for pid in pids:
            try:
                os.kill(pid, 0)
                alive.append(pid)
            except ProcessLookupError:
                pass
        time.sleep(0.2)
    assert not alive, f"workers {alive} survived the time limit"
