"""Tests of lowdim_utils.subspace: the maps R^d -> R^D (against scipy's Hadamard matrix and their
dense matrices), training in a random subspace, d_int sweeps, devices and bad input."""
import math

import numpy as np
import pytest
import torch
from torch import nn

from lowdim_utils import subspace as S
from lowdim_utils import training as T

META = torch.device("meta")


def test_fwht_matches_hadamard():
    from scipy.linalg import hadamard
    for L in (1, 2, 8, 64, 2048):
        x = torch.randn(3, L, dtype=torch.float64)
        torch.testing.assert_close(S.fwht(x), x @ torch.from_numpy(hadamard(L)).double())


@pytest.mark.parametrize("kind", ["dense", "sparse", "fastfood"])
def test_projections_shapes_norms_and_gradients(kind):
    P = S.make_subspace_projection(kind, 300, 20, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    M = P.matrix()
    assert M.shape == (300, 20)
    norms = M.norm(dim=0)
    assert float((norms - 1).abs().max()) < (1e-12 if kind != "fastfood" else 0.35)
    assert float(norms.mean()) == pytest.approx(1.0, abs=0.15)
    G = M.T @ M / (norms[:, None] * norms[None])
    assert float((G - torch.eye(20, dtype=G.dtype)).abs().max()) < 0.35  # nearly orthogonal columns
    z = torch.randn(20, dtype=torch.float64, requires_grad=True)
    out = P(z)
    torch.testing.assert_close(out, M @ z.detach())
    out.sum().backward()
    torch.testing.assert_close(z.grad, M.sum(0))


def test_projection_memory():
    D, d = 20000, 500
    dense = S.make_subspace_projection("dense", D, d)
    sparse = S.make_subspace_projection("sparse", D, d)
    ff = S.make_subspace_projection("fastfood", D, d)
    assert dense.nbytes == D * d * 4
    assert sparse.nbytes < dense.nbytes / 20
    assert ff.nbytes == 32768 * (4 + 4 + 8)


# ------------------------------------------------------------------ subspace training

def _tiny_problem(seed=0):
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(200, 6, generator=g)
    y = (X[:, 0] + X[:, 1] > 0).long() + 2 * (X[:, 2] > 0).long()
    return X, y


def _mlp():
    return nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 4))


def test_subspace_model_starts_at_theta0_and_only_trains_z():
    torch.manual_seed(0)
    model = _mlp()
    X, y = _tiny_problem()
    ref = model(X).detach()
    sub = S.SubspaceModel(model, 10, "fastfood")
    assert sub.D == T.count_parameters(_mlp()) == 180
    torch.testing.assert_close(sub(X), ref)
    assert [n for n, p in sub.named_parameters() if p.requires_grad] == ["z"]
    before = [p.clone() for p in model.parameters()]
    losses = T.fit(sub, T.cross_entropy, (X, y), steps=60, lr=0.1, progress=False)["loss"]
    assert losses[-1] < losses[0]
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters()))  # θ0 untouched
    assert float(sub.z.detach().abs().sum()) > 0


def test_full_dimensional_subspace_trains_like_full_model():
    X, y = _tiny_problem()
    torch.manual_seed(0)
    sub = S.SubspaceModel(_mlp(), 180, "dense")
    T.fit(sub, T.cross_entropy, (X, y), steps=200, lr=0.05, progress=False)
    assert T.accuracy(sub, X, y) > 0.9


def test_dint_sweep_small():
    X, y = _tiny_problem()
    r = S.dint_sweep(_mlp, [2, 40, 180], X[:150], y[:150], X[150:], y[150:], steps=150, lr=0.1,
                     baseline_steps=200, progress=False)
    assert r.n_params == 180 and len(r.accuracies) == 3 and len(r.projection_bytes) == 3
    assert r.baseline > 0.7
    assert r.dint in (40, 180) and r.target == pytest.approx(0.9 * r.baseline)
    r2 = S.dint_sweep(_mlp, [40], X[:150], y[:150], X[150:], y[150:], steps=10, baseline=0.5, progress=False)
    assert r2.baseline == 0.5


def test_dint_sweep_is_reproducible_and_shares_theta0():
    X, y = _tiny_problem()
    calls = []

    def make():
        calls.append(1)
        return _mlp()
    kw = dict(steps=40, lr=0.1, baseline_steps=40, progress=False)
    a = S.dint_sweep(make, [5, 20], X[:150], y[:150], X[150:], y[150:], generator=3, **kw)
    assert len(calls) == 1                      # one model; every run starts from a copy of it
    torch.manual_seed(0)
    model = _mlp()
    b1 = S.dint_sweep(lambda: model, [5, 20], X[:150], y[:150], X[150:], y[150:], generator=3, **kw)
    b2 = S.dint_sweep(lambda: model, [5, 20], X[:150], y[:150], X[150:], y[150:], generator=3, **kw)
    assert b1.accuracies == b2.accuracies and b1.baseline == b2.baseline
    assert all(p.requires_grad for p in model.parameters())   # the template itself is never frozen or trained


def test_subspace_on_device(device):
    torch.manual_seed(0)
    model = _mlp().to(device)
    X, y = (t.to(device) for t in _tiny_problem())
    sub = S.SubspaceModel(model, 12, "fastfood", generator=0)
    assert sub.z.device.type == device.type
    hist = T.fit(sub, T.cross_entropy, (X, y), steps=30, lr=0.1, progress=False)
    assert hist["loss"][-1] < hist["loss"][0]

# ------------------------------------------------------------------ bad input: errors name the argument

@pytest.mark.parametrize("call,match", [
    (lambda: S.make_subspace_projection("hadamard", 10, 2), "projection must be one of"),
    (lambda: S.make_subspace_projection("dense", 10, 11), "d must be <= 10"),
    (lambda: S.fwht(torch.zeros(12)), "power-of-2"),
    (lambda: S.SubspaceModel(_mlp(), 0), "d must be >= 1"),
    (lambda: S.SubspaceModel(_mlp(), 181), "d must be <= 180"),
    (lambda: S.SubspaceModel("not a model", 3), "model must be a torch.nn.Module"),
])
def test_bad_input_names_the_argument(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()


def test_mismatched_devices_are_named():
    X, y = _tiny_problem()
    with pytest.raises(ValueError, match="X on cpu, y on meta"):
        T.accuracy(_mlp(), X, y.to(META))
    with pytest.raises(ValueError, match="X_train on cpu, X_test on meta"):
        S.dint_sweep(_mlp, [4], X, y, X.to(META), y.to(META), progress=False)
    with pytest.raises(ValueError, match=r"data\[0\] is on meta but model is on cpu"):
        T.fit(_mlp(), T.cross_entropy, (X.to(META), y.to(META)), progress=False)


def test_bad_labels_and_sweep_arguments():
    X, y = _tiny_problem()
    with pytest.raises(ValueError, match="y must be 1-D with one label per row of X"):
        T.accuracy(_mlp(), X, y[:10])
    with pytest.raises(TypeError, match="y must hold integer class labels"):
        T.accuracy(_mlp(), X, y.float())
    with pytest.raises(ValueError, match="dims must not exceed the model's 180 parameters"):
        S.dint_sweep(_mlp, [200], X, y, X, y, progress=False)
    with pytest.raises(ValueError, match=r"fraction must lie in \(0, 1\]"):
        S.dint_sweep(_mlp, [4], X, y, X, y, fraction=1.5, progress=False)
    with pytest.raises(TypeError, match="make_model must be a function"):
        S.dint_sweep(_mlp(), [4], X, y, X, y, progress=False)
    sub = S.SubspaceModel(_mlp(), 4)
    with pytest.raises(ValueError, match=r"z must be a tensor of shape \(4,\)"):
        sub.projection(torch.zeros(5))
    assert math.isfinite(T.accuracy(sub, X, y))


def test_dint_interpolated_between_grid_points():
    from lowdim_utils.subspace import SweepResult
    r = SweepResult([10, 20, 40], [0.5, 0.7, 0.9], baseline=1.0, n_params=100, fraction=0.8, projection="dense")
    assert r.dint == 40
    # the target 0.8 is half-way from 0.7 to 0.9: half-way between 20 and 40 on a log scale
    assert r.dint_interpolated == pytest.approx(20 * 2 ** 0.5)
    assert SweepResult([10, 20], [0.9, 0.95], 1.0, 100, 0.8, "dense").dint_interpolated == 10.0
    assert SweepResult([10, 20], [0.1, 0.2], 1.0, 100, 0.8, "dense").dint_interpolated is None
    # a dip after the first crossing does not matter: the first crossing counts
    r = SweepResult([10, 20, 40, 80], [0.5, 0.85, 0.75, 0.9], 1.0, 100, 0.8, "dense")
    assert r.dint == 20 and 10 < r.dint_interpolated < 20
