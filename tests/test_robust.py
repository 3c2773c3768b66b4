"""Tests of lowdim_utils.robust (lesson 04): proximal operators, the inexact ALM solver,
the KKT oracle, a convex-solver oracle, and input validation."""
import math

import numpy as np
import pytest
import torch

from conftest import require_oracle

from lowdim_utils import robust


def _rand(m, n, seed=0, dtype=torch.float64):
    return torch.randn(m, n, generator=torch.Generator().manual_seed(seed), dtype=dtype)


def _nuc(X):
    return float(torch.linalg.matrix_norm(X, "nuc"))


# ------------------------------------------------------------------ proximal operators

@pytest.mark.parametrize("tau", [0.0, 0.3, 1.0, 5.0])
def test_shrink_is_the_prox_of_l1(tau):
    X = _rand(7, 5, 1)
    Z = robust.shrink(X, tau)
    # closed form, entry by entry
    ref = np.sign(X.numpy()) * np.maximum(np.abs(X.numpy()) - tau, 0)
    np.testing.assert_allclose(Z.numpy(), ref, atol=1e-15)
    # and it minimises 1/2||Z - X||^2 + tau ||Z||_1: no perturbation does better
    f = lambda Z: 0.5 * float(((Z - X) ** 2).sum()) + tau * float(Z.abs().sum())  # noqa: E731
    g = torch.Generator().manual_seed(2)
    for eps in (1e-6, 1e-3, 1e-1):
        for _ in range(20):
            assert f(Z + eps * torch.randn(Z.shape, generator=g, dtype=Z.dtype)) >= f(Z) - 1e-12


@pytest.mark.parametrize("shape,tau", [((8, 8), 0.5), ((12, 5), 1.5), ((4, 9), 0.1)])
def test_svt_is_the_prox_of_the_nuclear_norm(shape, tau):
    X = _rand(*shape, seed=3) + _rand(shape[0], 2, 4) @ _rand(2, shape[1], 5) * 3
    D, rank = robust.svt(X, tau, return_rank=True)
    s = torch.linalg.svdvals(X)
    # singular values are shrunk by tau
    np.testing.assert_allclose(torch.linalg.svdvals(D).numpy(), np.maximum(s.numpy() - tau, 0), atol=1e-12)
    assert int(rank) == int((s > tau).sum())
    # optimality: (X - D)/tau is a subgradient of the nuclear norm at D (Thm. 1's proof)
    U, sD, Vh = torch.linalg.svd(D, full_matrices=False)
    r = int(rank)
    G = (X - D) / tau
    P = robust.project_nuclear_subdifferential(G, U[:, :r], Vh[:r].T)
    assert float(torch.linalg.matrix_norm(G - P)) < 1e-10
    # and no perturbation does better
    f = lambda Z: 0.5 * float(((Z - X) ** 2).sum()) + tau * _nuc(Z)  # noqa: E731
    g = torch.Generator().manual_seed(6)
    for eps in (1e-5, 1e-2, 1e-1):
        for _ in range(10):
            assert f(D + eps * torch.randn(D.shape, generator=g, dtype=D.dtype)) >= f(D) - 1e-10


def test_svt_edge_cases_batches_and_dtypes():
    X = _rand(6, 4, 7)
    torch.testing.assert_close(robust.svt(X, 0.0), X)
    assert float(robust.svt(X, float(torch.linalg.svdvals(X)[0]) + 1).abs().max()) == 0
    Xb = torch.stack([_rand(6, 4, s) for s in range(3)])
    taus = torch.tensor([0.1, 0.5, 1.0], dtype=torch.float64)
    out = robust.svt(Xb, taus)
    for i in range(3):
        torch.testing.assert_close(out[i], robust.svt(Xb[i], float(taus[i])))
    assert robust.svt(X.float(), 0.3).dtype == torch.float32
    assert robust.shrink(Xb, taus).shape == Xb.shape
    # NumPy input works and becomes a tensor
    assert isinstance(robust.svt(X.numpy(), 0.3), torch.Tensor)


# ------------------------------------------------------------------ the solver

def _alm_reference(M, lam, tol=1e-7, rho=1.5, max_iter=500):
    """Inexact ALM written out in NumPy (lesson 04, Eqs. (6)-(8))."""
    norm2 = np.linalg.norm(M, 2)
    Y = M / max(norm2, np.abs(M).max() / lam)
    mu, mu_max = 1.25 / norm2, 1.25e7 / norm2
    L, S = np.zeros_like(M), np.zeros_like(M)
    for k in range(1, max_iter + 1):
        U, s, Vt = np.linalg.svd(M - S + Y / mu, full_matrices=False)
        L = (U * np.maximum(s - 1 / mu, 0)) @ Vt
        R = M - L + Y / mu
        S = np.sign(R) * np.maximum(np.abs(R) - lam / mu, 0)
        Y = Y + mu * (M - L - S)
        if np.linalg.norm(M - L - S) <= tol * np.linalg.norm(M):
            break
        mu = min(rho * mu, mu_max)
    return L, S, k


def test_robust_pca_recovers_and_matches_the_reference():
    M, L0, S0 = robust.low_rank_plus_sparse(60, 3, 0.05, generator=torch.Generator().manual_seed(0))
    res = robust.robust_pca(M, rho=1.5, tol_dual=None)      # the reference's schedule and stopping rule
    assert res.converged is True
    assert float(torch.linalg.norm(res.L - L0) / torch.linalg.norm(L0)) < 1e-5
    assert bool(((res.S != 0) == (S0 != 0)).all())
    assert math.isclose(res.lam, 1 / math.sqrt(60))
    L_ref, S_ref, k = _alm_reference(M.numpy(), res.lam)
    assert k == res.n_iter
    np.testing.assert_allclose(res.L.numpy(), L_ref, atol=1e-9)
    np.testing.assert_allclose(res.S.numpy(), S_ref, atol=1e-9)
    h = res.history
    assert set(h) == {"primal", "dual", "rank", "nnz", "mu"}
    assert all(v.shape == (res.n_iter,) for v in h.values())
    assert float(h["primal"][-1]) <= 1e-7 and int(h["rank"][-1]) == 3
    assert bool((h["mu"][1:] >= h["mu"][:-1]).all())


def _optimum(M):
    """A long, slow, tightly stopped run: the reference optimum of PCP."""
    return robust.robust_pca(M, rho=1.02, tol=1e-12, tol_dual=1e-10, max_iter=20000)


def test_default_stopping_rule_is_honest():
    # the measurement behind robust_pca's defaults (its docstring quotes these numbers)
    M, _, _ = robust.low_rank_plus_sparse(100, 10, 0.1, generator=1)
    ref = _optimum(M)
    assert ref.converged

    def dist(r):
        return float(torch.linalg.matrix_norm(r.L - ref.L) / torch.linalg.matrix_norm(ref.L))
    old = robust.robust_pca(M, rho=1.5, tol_dual=None)    # Lin et al.'s rho with the primal test alone
    assert old.converged and old.n_iter < 35 and dist(old) > 1e-3       # "converged", yet 2.7e-3 off
    new = robust.robust_pca(M)                            # rho = 1.1 and the dual test
    assert new.converged and new.n_iter < 60 and dist(new) < 1e-5      # 1.5e-6 after 42 iterations
    # near the recovery boundary the primal test is met while L is still ~3e-3 off: not "converged"
    Mb, _, _ = robust.low_rank_plus_sparse(100, 20, 0.2, generator=1)
    nb = robust.robust_pca(Mb, max_iter=300)
    assert nb.history["primal"][-1] <= 1e-7 and not nb.converged
    assert robust.robust_pca(Mb, max_iter=300, tol_dual=None).converged


def test_multiplier_lies_in_the_l1_subdifferential():
    """The S-step's optimality condition: Y_{k+1} ∈ λ∂‖S_{k+1}‖₁ exactly (lesson 04, Sec. 2)."""
    M, _, _ = robust.low_rank_plus_sparse(30, 2, 0.1, generator=torch.Generator().manual_seed(1))
    for max_iter in (1, 3, 50):
        res = robust.robust_pca(M, max_iter=max_iter)
        P = robust.project_l1_subdifferential(res.Y, res.S, res.lam)
        assert float((res.Y - P).abs().max()) < 1e-8 * res.lam


def test_rectangular_float32_and_batched():
    M, L0, _ = robust.low_rank_plus_sparse(40, 2, 0.05, m=70, generator=torch.Generator().manual_seed(2),
                                          dtype=torch.float32)
    res = robust.robust_pca(M)
    assert res.L.dtype == torch.float32 and res.L.shape == (70, 40)
    assert math.isclose(res.lam, 1 / math.sqrt(70), rel_tol=1e-12)
    assert float(torch.linalg.norm(res.L - L0) / torch.linalg.norm(L0)) < 1e-4
    Mb, _, _ = robust.low_rank_plus_sparse(25, 1, 0.05, batch=3, generator=torch.Generator().manual_seed(3))
    rb = robust.robust_pca(Mb)
    assert rb.L.shape == (3, 25, 25) and rb.converged.shape == (3,) and bool(rb.converged.all())
    assert rb.history["primal"].shape == (rb.n_iter, 3)
    for i in range(3):
        ri = robust.robust_pca(Mb[i])
        torch.testing.assert_close(rb.L[i], ri.L, atol=1e-10, rtol=0)   # frozen after convergence
        torch.testing.assert_close(rb.S[i], ri.S, atol=1e-10, rtol=0)


# ------------------------------------------------------------------ the KKT oracle

def test_kkt_certifies_the_truth_and_rejects_wrong_answers():
    M, L0, S0 = robust.low_rank_plus_sparse(40, 2, 0.05, generator=torch.Generator().manual_seed(4))
    k = robust.kkt_residuals(M, L0, S0)
    assert k["certified"] and k["rank"] == 2 and k["support"] == int((S0 != 0).sum())
    assert k["spectral"] < 1 and k["off_support"] <= 1 + 1e-9
    assert robust.kkt_residuals(M, L0, S0, margin=0.05)["certified"]     # strict: unique optimum
    # feasible but not optimal: move a rank-one piece from L to S
    E = 0.1 * _rand(40, 1, 5) @ _rand(1, 40, 6)
    bad = robust.kkt_residuals(M, L0 + E, S0 - E)
    assert bad["primal"] < 1e-12 and not bad["certified"]
    # infeasible
    assert not robust.kkt_residuals(M, L0, S0 + 1e-3)["certified"]
    # PCA's answer is not optimal for PCP
    U, s, Vh = torch.linalg.svd(M)
    L_pca = (U[:, :2] * s[:2]) @ Vh[:2]
    assert not robust.kkt_residuals(M, L_pca, M - L_pca)["certified"]


def test_kkt_detects_a_solver_stopped_too_early():
    M, _, _ = robust.low_rank_plus_sparse(20, 4, 0.30, generator=torch.Generator().manual_seed(2))
    fast = robust.robust_pca(M, rho=1.5)
    slow = robust.robust_pca(M, rho=1.02, max_iter=1000)
    k_fast, k_slow = robust.kkt_residuals(M, fast.L, fast.S), robust.kkt_residuals(M, slow.L, slow.S)
    assert k_fast["primal"] < 1e-7 and k_fast["gap"] > 0.1
    assert k_slow["gap"] < 1e-3


def test_half_precision_is_computed_in_float32():
    M, L0, _ = robust.low_rank_plus_sparse(30, 2, 0.05, generator=4)
    res = robust.robust_pca(M.half())
    assert res.L.dtype == torch.float32
    assert float(torch.linalg.norm(res.L.double() - L0) / torch.linalg.norm(L0)) < 1e-2


def test_on_device(device):
    M, L0, S0 = robust.low_rank_plus_sparse(40, 2, 0.05, generator=5, device=device)
    assert M.device.type == device.type
    res = robust.robust_pca(M)
    assert res.L.device.type == device.type and res.converged
    ref = robust.robust_pca(M.cpu())
    torch.testing.assert_close(res.L.cpu(), ref.L, atol=1e-8, rtol=0)
    assert float(torch.linalg.norm(res.L - L0) / torch.linalg.norm(L0)) < 1e-5


def test_against_cvxpy():
    cp = require_oracle("cvxpy")
    M, L0, _ = robust.low_rank_plus_sparse(15, 1, 0.05, generator=torch.Generator().manual_seed(3))
    lam = robust.pcp_lambda(15, 15)
    L, S = cp.Variable((15, 15)), cp.Variable((15, 15))
    prob = cp.Problem(cp.Minimize(cp.normNuc(L) + lam * cp.sum(cp.abs(S))), [L + S == M.numpy()])
    prob.solve(solver="CLARABEL")
    res = robust.robust_pca(M)
    obj = _nuc(res.L) + lam * float(res.S.abs().sum())
    assert abs(obj - prob.value) / prob.value < 1e-5
    assert np.linalg.norm(res.L.numpy() - L.value) / np.linalg.norm(L.value) < 1e-5


# ------------------------------------------------------------------ duality gap, ‖P_Ω P_T‖, incoherence

def _brute_support_tangent_norm(L, S, tol=1e-6):
    """‖P_Ω P_T‖ from the explicit (mn × mn) matrix of P_T (row-major vec): X ↦ PuX + XPv − PuXPv."""
    U, s, Vh = np.linalg.svd(L)
    r = int((s > tol * s[0]).sum())
    U, V = U[:, :r], Vh[:r].T
    m, n = L.shape
    Pu, Pv = U @ U.T, V @ V.T
    PT = np.kron(Pu, np.eye(n)) + np.kron(np.eye(m), Pv) - np.kron(Pu, Pv)
    mask = (np.abs(S) > tol * np.abs(S).max()).reshape(-1)
    return np.linalg.norm(PT[mask], 2)


@pytest.mark.parametrize("m,n,r,frac,seed", [(8, 6, 2, 0.3, 0), (10, 10, 1, 0.05, 1), (6, 9, 3, 0.6, 2),
                                             (12, 7, 2, 0.9, 3)])
def test_support_tangent_norm_matches_the_explicit_operator(m, n, r, frac, seed):
    # both branches: |Ω| below dim T = r(m + n − r) (Gram on Ω) and above it (Gram on a basis of T)
    _, L0, S0 = robust.low_rank_plus_sparse(n, r, frac, m=m, generator=seed)
    got = robust.support_tangent_norm(L0, S0)
    assert 0 <= got <= 1
    assert abs(got - _brute_support_tangent_norm(L0.numpy(), S0.numpy())) < 1e-10
    assert abs(robust.support_tangent_norm(L0.float(), S0.float()) - got) < 1e-4       # float32 input


def test_support_tangent_norm_detects_unidentifiable_pairs():
    E = torch.zeros(10, 10, dtype=torch.float64)
    E[0, 0] = 1.0                                        # e₁e₁ᵀ: low-rank *and* sparse
    S = torch.zeros_like(E)
    S[0, 0], S[3, 4] = 1.0, -2.0
    assert robust.support_tangent_norm(E, S) == pytest.approx(1.0, abs=1e-12)
    S[0, 0] = 0.0                                        # (1, 1) off the support: only a part of e₁e₁ᵀ's T meets Ω
    assert robust.support_tangent_norm(E, S) < 1
    # the lesson's problem: random support, incoherent L0, well below 1 (uniqueness applies)
    _, L0, S0 = robust.low_rank_plus_sparse(100, 5, 0.1, generator=torch.Generator().manual_seed(1))
    assert 0.5 < robust.support_tangent_norm(L0, S0) < 0.9
    assert robust.support_tangent_norm(L0, torch.zeros_like(S0)) == 0.0


def test_incoherence_extremes_and_invariance():
    E = torch.zeros(10, 8, dtype=torch.float64)
    E[0, 0] = 3.0
    k = robust.incoherence(E)
    assert k["rank"] == 1 and k["mu_U"] == pytest.approx(10) and k["mu_V"] == pytest.approx(8)
    assert k["mu_UV"] == pytest.approx(80) and k["mu"] == pytest.approx(80)
    flat = torch.ones(10, 8, dtype=torch.float64)          # the most spread-out rank one matrix: μ = 1
    assert robust.incoherence(flat)["mu"] == pytest.approx(1.0)
    _, L0, _ = robust.low_rank_plus_sparse(60, 3, 0.1, m=40, generator=2)
    k0 = robust.incoherence(L0)
    assert k0["rank"] == 3 and 1 <= k0["mu_U"] <= 40 / 3 and 1 <= k0["mu_V"] <= 60 / 3
    assert robust.incoherence(5 * L0)["mu"] == pytest.approx(k0["mu"])      # scale-free
    assert robust.incoherence(torch.zeros(4, 4))["mu"] == 0.0


def test_duality_gap_is_a_certificate():
    M, _, _ = robust.low_rank_plus_sparse(40, 2, 0.1, generator=6)
    res = robust.robust_pca(M)
    g = robust.duality_gap(M, res.L, res.Y)
    assert g["linf"] <= 1 + 1e-12                 # Y ∈ λ∂‖S‖₁: the ℓ∞ constraint holds exactly
    assert 1 <= g["scale"] < 1 + 1e-4 and 0 <= g["relative_gap"] < 1e-5
    assert g["primal"] >= g["dual"]
    # weak duality for anything: random L, random Y (scaled into the dual set) never give a negative gap
    gen = torch.Generator().manual_seed(0)
    for _ in range(20):
        L = torch.randn(40, 40, generator=gen, dtype=torch.float64)
        Y = torch.randn(40, 40, generator=gen, dtype=torch.float64)
        r = robust.duality_gap(M, L, Y)
        assert r["scale"] > 1 and r["gap"] >= -1e-9 * r["primal"]
    # a stopped-too-early solution has a larger gap than a long, slow run
    Mh, _, _ = robust.low_rank_plus_sparse(20, 4, 0.30, generator=torch.Generator().manual_seed(2))
    fast, slow = robust.robust_pca(Mh, rho=1.5, tol_dual=None), robust.robust_pca(Mh, rho=1.02, max_iter=2000)
    assert robust.duality_gap(Mh, fast.L, fast.Y)["relative_gap"] > 1e-3
    assert robust.duality_gap(Mh, slow.L, slow.Y)["relative_gap"] < 1e-5
    # batches: one entry per matrix, equal to the single-matrix values
    Mb, _, _ = robust.low_rank_plus_sparse(25, 1, 0.05, batch=3, generator=3)
    rb = robust.robust_pca(Mb)
    gb = robust.duality_gap(Mb, rb.L, rb.Y)
    assert gb["gap"].shape == (3,)
    for i in range(3):
        assert float(gb["gap"][i]) == pytest.approx(robust.duality_gap(Mb[i], rb.L[i], rb.Y[i])["gap"], abs=1e-9)


def test_duality_gap_against_cvxpy():
    cp = require_oracle("cvxpy")
    M, _, _ = robust.low_rank_plus_sparse(15, 1, 0.05, generator=torch.Generator().manual_seed(3))
    lam = robust.pcp_lambda(15, 15)
    L, S = cp.Variable((15, 15)), cp.Variable((15, 15))
    con = [L + S == M.numpy()]
    prob = cp.Problem(cp.Minimize(cp.normNuc(L) + lam * cp.sum(cp.abs(S))), con)
    prob.solve(solver="CLARABEL")
    res = robust.robust_pca(M)
    g = robust.duality_gap(M, res.L, res.Y)
    # the certified interval [dual, primal] contains the optimum found by the conic solver
    assert g["dual"] <= prob.value * (1 + 1e-7) and g["primal"] >= prob.value * (1 - 1e-7)
    assert g["relative_gap"] < 1e-5
    # cvxpy's own multiplier is dual-feasible and attains the optimum: a certificate of its solution
    Yc = con[0].dual_value
    Yc = Yc if float((Yc * M.numpy()).sum()) > 0 else -Yc
    gc = robust.duality_gap(M, torch.from_numpy(L.value), torch.from_numpy(Yc))
    assert gc["spectral"] <= 1 + 1e-6 and gc["linf"] <= 1 + 1e-6
    assert gc["relative_gap"] < 1e-6 and gc["dual"] == pytest.approx(prob.value, rel=1e-6)


def test_certificates_on_device(device):
    M, L0, S0 = robust.low_rank_plus_sparse(30, 2, 0.05, generator=7, device=device)
    res = robust.robust_pca(M)
    g = robust.duality_gap(M, res.L, res.Y)
    ref = robust.duality_gap(M.cpu(), res.L.cpu(), res.Y.cpu())
    assert g["gap"] == pytest.approx(ref["gap"], abs=1e-6 * ref["primal"])
    assert robust.support_tangent_norm(L0, S0) == pytest.approx(robust.support_tangent_norm(L0.cpu(), S0.cpu()),
                                                                 abs=1e-5)
    assert robust.incoherence(L0)["mu"] == pytest.approx(robust.incoherence(L0.cpu())["mu"], rel=1e-5)


# ------------------------------------------------------------------ bad input

@pytest.mark.parametrize("call,exc,text", [
    (lambda: robust.robust_pca(torch.ones(5)), ValueError, "M must have 2 or 3 dimensions"),
    (lambda: robust.robust_pca(torch.ones(2, 2, 2, 2)), ValueError, "M must have 2 or 3 dimensions"),
    (lambda: robust.robust_pca(torch.ones(4, 4, dtype=torch.complex64)), TypeError, "M must be real"),
    (lambda: robust.robust_pca(torch.tensor([[1.0, float("nan")], [0.0, 1.0]])), ValueError, "M contains NaN"),
    (lambda: robust.robust_pca(torch.zeros(0, 3)), ValueError, "M must"),
    (lambda: robust.robust_pca(torch.zeros(3, 3)), ValueError, "M must not be all zeros"),
    (lambda: robust.robust_pca(torch.ones(3, 3), lam=-0.1), ValueError, "lam must be finite and > 0"),
    (lambda: robust.robust_pca(torch.ones(3, 3), tol=0), ValueError, "tol must"),
    (lambda: robust.robust_pca(torch.ones(3, 3), rho=1.0), ValueError, "rho must be > 1"),
    (lambda: robust.robust_pca(torch.ones(3, 3), max_iter=0), ValueError, "max_iter must be >= 1"),
    (lambda: robust.robust_pca("matrix"), TypeError, "M must be an array"),
    (lambda: robust.svt(torch.ones(3, 3), -1.0), ValueError, "tau must be finite and >= 0"),
    (lambda: robust.svt(torch.ones(2, 3, 3), torch.ones(3)), ValueError, "tau must be a number or have one entry"),
    (lambda: robust.shrink(torch.ones(3, 3), float("inf")), ValueError, "tau must be finite"),
    (lambda: robust.kkt_residuals(torch.ones(3, 3), torch.ones(3, 4), torch.zeros(3, 3)), ValueError,
     "L must have the same shape as M"),
    (lambda: robust.kkt_residuals(torch.ones(3, 3), torch.ones(3, 3), torch.zeros(3, 3), lam=0), ValueError,
     "lam must be finite and > 0"),
    (lambda: robust.kkt_residuals(torch.ones(2, 3, 3), torch.ones(2, 3, 3), torch.zeros(2, 3, 3)), ValueError,
     "M must be a single matrix"),
    (lambda: robust.kkt_residuals(torch.ones(3, 3), torch.ones(3, 3), torch.zeros(3, 3), margin=1.0), ValueError,
     "margin must be in"),
    (lambda: robust.kkt_residuals(torch.ones(3, 3), torch.ones(3, 3), torch.zeros(3, 3, device="meta")), ValueError,
     "same device"),
    (lambda: robust.duality_gap(torch.ones(3, 3), torch.ones(3, 4), torch.ones(3, 3)), ValueError,
     "L must have the same shape as M"),
    (lambda: robust.duality_gap(torch.ones(3, 3), torch.ones(3, 3), torch.ones(3, 3), lam=-1), ValueError,
     "lam must be finite and > 0"),
    (lambda: robust.support_tangent_norm(torch.ones(2, 3, 3), torch.ones(2, 3, 3)), ValueError,
     "L must be a single matrix"),
    (lambda: robust.support_tangent_norm(torch.ones(30, 30), torch.ones(30, 30), max_dim=10), ValueError,
     "above max_dim"),
    (lambda: robust.incoherence(torch.ones(4)), ValueError, "L must have 2 or 3 dimensions"),
    (lambda: robust.low_rank_plus_sparse(10, 2, 1.5), ValueError, r"frac must lie in \[0, 1\]"),
    (lambda: robust.low_rank_plus_sparse(10, 20, 0.1), ValueError, "rank must be <= 10"),
])
def test_bad_input_names_the_argument(call, exc, text):
    with pytest.raises(exc, match=text):
        call()


@pytest.mark.parametrize("n, rank", [(200, 5), (240, 40)])
def test_partial_svd_gives_the_full_svd_iterates(n, rank):
    # rank 40 > the first predicted 10: the partial SVD must grow its subspace, never truncate L
    M, L0, _ = robust.low_rank_plus_sparse(n, rank, 0.05, generator=torch.Generator().manual_seed(1))
    full = robust.robust_pca(M)
    part = robust.robust_pca(M, svd="partial")
    assert part.converged is True and full.converged is True
    assert abs(part.n_iter - full.n_iter) <= 1
    assert float(torch.linalg.norm(part.L - full.L) / torch.linalg.norm(full.L)) < 1e-6
    assert int(part.history["rank"][-1]) == int(full.history["rank"][-1]) == rank
    assert bool(((part.S != 0) == (full.S != 0)).float().mean() > 0.999)


def test_partial_svd_batched_and_bad_choice():
    M = torch.stack([robust.low_rank_plus_sparse(150, r, 0.05, generator=torch.Generator().manual_seed(r))[0]
                     for r in (3, 8)])
    part = robust.robust_pca(M, svd="partial")
    full = robust.robust_pca(M)
    assert bool(part.converged.all())
    assert float(torch.linalg.norm(part.L - full.L) / torch.linalg.norm(full.L)) < 1e-6
    with pytest.raises(ValueError, match="svd must be one of"):
        robust.robust_pca(M[0], svd="magic")
