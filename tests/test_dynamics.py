"""Tests of lowdim_utils.dynamics (lesson 23): DMD against the exact eigenvalues of linear systems and
against PyDMD, the invariant-dictionary property, prediction, delay embedding, polynomial dictionaries
against scikit-learn, the Koopman autoencoder's loss and training, devices and bad input."""
import itertools
import math

import numpy as np
import pytest
import torch
from conftest import require_oracle

from lowdim_utils import dynamics as dy


def rot(r, a):
    return r * torch.tensor([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]], dtype=torch.float64)


def linear_system(seed=0, T=40, blocks=((0.97, 0.4), (0.8, 1.2)), reals=(0.6,)):
    g = torch.Generator().manual_seed(seed)
    B = torch.block_diag(*[rot(r, a) for r, a in blocks], *[torch.tensor([[v]], dtype=torch.float64) for v in reals])
    d = B.shape[0]
    P = torch.randn(d, d, generator=g, dtype=torch.float64) + 2 * torch.eye(d, dtype=torch.float64)
    A = P @ B @ torch.linalg.inv(P)
    x, X = torch.randn(d, generator=g, dtype=torch.float64), []
    for _ in range(T):
        X.append(x)
        x = A @ x
    return torch.stack(X), A


def match(a, b):
    d = (torch.as_tensor(a).reshape(-1, 1) - torch.as_tensor(b).reshape(1, -1)).abs()
    return float(max(d.min(1).values.max(), d.min(0).values.max()))


# ------------------------------------------------------------------ exactness (lesson 23, Theorem)

def test_dmd_of_a_linear_system_gives_its_eigenvalues_and_eigenvectors():
    X, A = linear_system()
    r = dy.dmd(X)
    assert r.rank == 5
    assert match(r.eigenvalues, torch.linalg.eigvals(A)) < 1e-10
    for modes in (r.modes, dy.dmd(X, exact=False).modes):          # exact and projected modes
        res = (A.to(modes.dtype) @ modes - modes * r.eigenvalues).norm(dim=0) / modes.norm(dim=0)
        assert res.max() < 1e-10


def test_truncated_dmd_recovers_low_dimensional_dynamics_in_more_coordinates():
    Z, A = linear_system(1, blocks=((0.99, 0.3), (0.9, 0.9)), reals=())
    X = Z @ torch.randn(4, 9, generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    r = dy.dmd(X, 4)
    assert match(r.eigenvalues, torch.linalg.eigvals(A)) < 1e-9
    assert dy.dmd(X).rank == 4                                      # the numerical rank is found


def test_exact_modes_are_projected_modes_times_lambda_for_full_rank():
    X, _ = linear_system(2)
    ex, pr = dy.dmd(X, exact=True), dy.dmd(X, exact=False)
    torch.testing.assert_close(ex.modes, pr.modes * ex.eigenvalues, rtol=1e-9, atol=1e-9)


def test_prediction_reproduces_the_trajectory():
    X, _ = linear_system(3, T=30)
    r = dy.dmd(X)
    pred = dy.dmd_predict(r, X[0], 29)
    torch.testing.assert_close(pred, X, rtol=1e-8, atol=1e-8)
    batch = dy.dmd_predict(r, X[[0, 5]], 3)
    assert batch.shape == (2, 4, 5)
    torch.testing.assert_close(batch[1], X[5:9], rtol=1e-8, atol=1e-8)


def test_snapshot_pairs_from_several_trajectories_equal_one_long_one():
    X, A = linear_system(4, T=12)
    X2 = (A @ torch.randn(5, generator=torch.Generator().manual_seed(9), dtype=torch.float64)).unsqueeze(0)
    for _ in range(11):
        X2 = torch.cat([X2, (A @ X2[-1]).unsqueeze(0)])
    Xp = torch.cat([X[:-1], X2[:-1]]); Yp = torch.cat([X[1:], X2[1:]])
    assert match(dy.dmd(Xp, Y=Yp).eigenvalues, torch.linalg.eigvals(A)) < 1e-9


def test_batched_dmd_equals_one_by_one():
    X1, _ = linear_system(5)
    X2, _ = linear_system(6)
    rb = dy.dmd(torch.stack([X1, X2]), 5)
    for i, X in enumerate((X1, X2)):
        assert match(rb.eigenvalues[i], dy.dmd(X, 5).eigenvalues) < 1e-10


def test_invariant_dictionary_gives_koopman_eigenvalues_and_state_alone_does_not():
    mu, lam, dt = -0.1, -1.0, 0.1
    g = torch.Generator().manual_seed(0)
    x0 = 4 * torch.rand(15, 2, generator=g, dtype=torch.float64) - 2
    t = torch.arange(31, dtype=torch.float64) * dt
    c = lam / (lam - 2 * mu)
    x1 = x0[:, :1] * torch.exp(mu * t)
    x2 = (x0[:, 1:] - c * x0[:, :1] ** 2) * torch.exp(lam * t) + c * x0[:, :1] ** 2 * torch.exp(2 * mu * t)
    S = torch.stack([x1, x2], -1)
    Xp, Yp = S[:, :-1].reshape(-1, 2), S[:, 1:].reshape(-1, 2)
    true = torch.tensor([math.exp(mu * dt), math.exp(lam * dt), math.exp(2 * mu * dt)], dtype=torch.complex128)
    e2 = dy.dmd(dy.polynomial_dictionary(Xp, 2), Y=dy.polynomial_dictionary(Yp, 2)).eigenvalues
    assert max(float((e2 - v).abs().min()) for v in true) < 1e-9                 # contained (Proposition)
    es = dy.dmd(Xp, Y=Yp).eigenvalues
    assert max(float((es - v).abs().min()) for v in true[:2]) > 1e-3             # the state alone is biased


def test_continuous_eigenvalues_and_periods():
    lam = torch.tensor([0.9 * np.exp(2j * np.pi / 11), 0.5], dtype=torch.complex128)
    ce = dy.continuous_eigenvalues(lam, dt=2.0)
    assert float(ce[0].real) == pytest.approx(math.log(0.9) / 2) and float(ce[0].imag) == pytest.approx(np.pi / 11)
    p = dy.periods(lam, dt=2.0)
    assert float(p[0]) == pytest.approx(22.0) and math.isinf(float(p[1]))


def test_hankel_dmd_of_a_sum_of_sines_finds_the_periods():
    t = torch.arange(300, dtype=torch.float64)
    s = torch.sin(2 * np.pi * t / 11) + 0.5 * torch.cos(2 * np.pi * t / 4.3)
    r = dy.dmd(dy.hankel(s, 10), 4)
    per = sorted(set(round(float(p), 6) for p in r.periods()))
    assert per == pytest.approx([4.3, 11.0], rel=1e-6)
    assert r.eigenvalues.abs().numpy() == pytest.approx(np.ones(4), abs=1e-8)


def test_hankel_layout():
    x = torch.arange(6.0)
    H = dy.hankel(x, 3)
    assert H.tolist() == [[0, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 5]]
    X = torch.arange(12.0).reshape(6, 2)
    H2 = dy.hankel(X, 2)
    assert H2.shape == (5, 4) and H2[1].tolist() == [2, 3, 4, 5]


def test_polynomial_dictionary_order_and_sklearn():
    X = torch.tensor([[2.0, 3.0]], dtype=torch.float64)
    assert dy.polynomial_dictionary(X, 2).tolist() == [[2, 3, 4, 6, 9]]
    sk = require_oracle("sklearn")
    assert sk is not None
    from sklearn.preprocessing import PolynomialFeatures
    Z = np.random.default_rng(0).standard_normal((7, 3))
    ref = PolynomialFeatures(3, include_bias=False).fit_transform(Z)
    np.testing.assert_allclose(dy.polynomial_dictionary(Z, 3).numpy(), ref, rtol=1e-12)
    assert dy.polynomial_dictionary(Z, 3).shape[1] == math.comb(3 + 3, 3) - 1


# ------------------------------------------------------------------ oracle: PyDMD

@pytest.mark.parametrize("rank,exact", [(5, True), (3, True), (3, False)])
def test_matches_pydmd(rank, exact):
    require_oracle("pydmd")
    from pydmd import DMD
    X, _ = linear_system(7, T=25)
    X = X + 0.01 * torch.randn(X.shape, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    ours = dy.dmd(X, rank, exact=exact)
    ref = DMD(svd_rank=rank, exact=exact).fit(X.numpy().T)
    assert match(ours.eigenvalues, torch.from_numpy(ref.eigs)) < 1e-10
    lam, Phi = ours.eigenvalues.numpy(), ours.modes.numpy()
    for i, l in enumerate(lam):
        j = int(np.argmin(np.abs(ref.eigs - l)))
        cos = abs(np.vdot(Phi[:, i], ref.modes[:, j])) / (np.linalg.norm(Phi[:, i]) * np.linalg.norm(ref.modes[:, j]))
        assert cos == pytest.approx(1.0, abs=1e-10)


# ------------------------------------------------------------------ Koopman autoencoder

def test_koopman_loss_terms_by_hand():
    torch.manual_seed(0)
    m = dy.KoopmanAutoencoder(3, 4, hidden=(8,)).double()
    W = torch.randn(5, 4, 3, dtype=torch.float64)
    out = dy.koopman_loss(m, W, prediction=2.0, linearity=0.5)
    Z = m.encode(W)
    rec = (m.decode(Z) - W).square().sum(-1).mean()
    pred = sum((m.decode(Z[:, 0] @ torch.linalg.matrix_power(m.K, j).T) - W[:, j]).square().sum(-1).mean()
               for j in range(1, 4)) / 3
    lin = sum((Z[:, 0] @ torch.linalg.matrix_power(m.K, j).T - Z[:, j]).square().sum(-1).mean() for j in range(1, 4)) / 3
    assert float(out["loss"].detach()) == pytest.approx(float((rec + 2 * pred + 0.5 * lin).detach()), rel=1e-10)
    out["loss"].backward()
    assert m.K.grad is not None and m.K.grad.abs().sum() > 0


def test_auxiliary_step_is_a_rotation_per_pair_and_stable():
    torch.manual_seed(1)
    m = dy.KoopmanAutoencoder(2, 4, hidden=(8,), auxiliary=(8,)).double()
    z = torch.randn(10, 4, dtype=torch.float64)
    z1 = m.step(z)
    r0, r1 = z.reshape(10, 2, 2).norm(dim=-1), z1.reshape(10, 2, 2).norm(dim=-1)
    lam = m.eigenvalues(z)
    assert lam.shape == (10, 4) and (lam.abs() < 1).all()
    torch.testing.assert_close(r1 / r0, lam.abs()[:, ::2], rtol=1e-10, atol=1e-12)


def test_koopman_autoencoder_learns_a_linear_system():
    """On x_{t+1} = A x_t, training must bring the rollout error far below the untrained model's."""
    X, A = linear_system(8, T=30, blocks=((0.98, 0.3),), reals=())
    X = (X / X.abs().max()).float()
    traj = torch.stack([X, -X, 0.5 * X])
    torch.manual_seed(0)
    m = dy.KoopmanAutoencoder(2, 2, hidden=(16,))
    before = float((m.rollout(traj[:, 0], 29) - traj).square().mean())
    hist = dy.train_koopman(m, traj, horizon=8, steps=400, lr=1e-2, generator=0)
    after = float((m.rollout(traj[:, 0], 29) - traj).square().mean())
    assert after < 0.05 * before and hist["loss"][-1] < hist["loss"][0]


def test_windows():
    X = torch.arange(2 * 5 * 1.0).reshape(2, 5, 1)
    W = dy.windows(X, 3)
    assert W.shape == (6, 3, 1) and W[0, :, 0].tolist() == [0, 1, 2] and W[3, :, 0].tolist() == [5, 6, 7]


# ------------------------------------------------------------------ devices, dtypes, bad input

def test_on_device(device):
    X, A = linear_system(9)
    Xd = X.float().to(device)
    r = dy.dmd(Xd, 5)
    assert r.eigenvalues.device.type == device.type and r.eigenvalues.dtype == torch.complex64
    assert match(r.eigenvalues.cpu().to(torch.complex128), torch.linalg.eigvals(A)) < 1e-3
    pred = dy.dmd_predict(r, Xd[0], 5)
    assert pred.device.type == device.type and pred.dtype == torch.float32
    m = dy.KoopmanAutoencoder(5, 2, hidden=(8,), auxiliary=(4,)).to(device)
    dy.train_koopman(m, Xd.unsqueeze(0), horizon=3, steps=3, generator=0)
    assert m.rollout(Xd[:2], 4).shape == (2, 5, 5)
    assert dy.hankel(Xd[:, 0], 4).device.type == device.type


def test_half_precision_is_computed_in_float32():
    X, _ = linear_system(10)
    r = dy.dmd(X.half(), 5)
    assert r.modes.dtype == torch.complex64


def test_bad_input_names_the_argument():
    X, _ = linear_system()
    with pytest.raises(ValueError, match="rank"):
        dy.dmd(X, 9)
    with pytest.raises(ValueError, match="X must have at least 2 snapshots"):
        dy.dmd(X[:1])
    with pytest.raises(ValueError, match="Y must have the shape of X"):
        dy.dmd(X, Y=X[:-1])
    with pytest.raises(ValueError, match="X contains NaN"):
        dy.dmd(torch.full((4, 2), float("nan")))
    with pytest.raises(ValueError, match="dt"):
        dy.dmd(X, dt=0.0)
    with pytest.raises(TypeError, match="exact must be True or False"):
        dy.dmd(X, exact="yes")
    r = dy.dmd(X)
    with pytest.raises(ValueError, match="x0 must have 5 entries"):
        dy.dmd_predict(r, X[0, :3], 4)
    with pytest.raises(TypeError, match="result must be a DMDResult"):
        dy.dmd_predict(X, X[0], 4)
    with pytest.raises(ValueError, match="delays must be <="):
        dy.hankel(X[:, 0], 100)
    with pytest.raises(ValueError, match="degree must be >= 1"):
        dy.polynomial_dictionary(X, 0)
    with pytest.raises(ValueError, match="latent must be even"):
        dy.KoopmanAutoencoder(2, 3, auxiliary=(4,))
    with pytest.raises(ValueError, match="horizon must be <="):
        dy.train_koopman(dy.KoopmanAutoencoder(5, 2), X.float().unsqueeze(0), horizon=100)
    with pytest.raises(ValueError, match="trajectories must have 3 columns"):
        dy.train_koopman(dy.KoopmanAutoencoder(3, 2), X.float().unsqueeze(0))
