"""Checks of lesson 03's exercises (sparse coding: soft thresholding, ISTA, FISTA)."""
import warnings

import numpy as np

from ..registry import Feedback, exercise, expect, expect_array, expect_close

LESSON = "03_sparse_coding"


def _st(v, t):
    return np.sign(v) * np.maximum(np.abs(v) - t, 0.0)


def _problem(seed, d=30, m=60, decay=False):
    """A lasso problem ½‖x − Dz‖² + λ‖z‖₁ whose dictionary has ‖D‖₂ well above 1 (so L = ‖D‖₂² ≠ ‖D‖₂)."""
    rng = np.random.default_rng(seed)
    D = rng.standard_normal((d, m)) / np.sqrt(d) * 2.0
    if decay:  # ill-conditioned: singular values spread over two decades (FISTA's advantage shows)
        U, _, Vt = np.linalg.svd(D, full_matrices=False)
        D = (U * np.logspace(0.5, -1.5, len(_))) @ Vt
    z = np.zeros(m)
    z[rng.choice(m, 5, replace=False)] = rng.standard_normal(5) * 2
    x = D @ z + 0.05 * rng.standard_normal(d)
    lam = 0.1 * np.abs(D.T @ x).max()
    return x, D, lam


def _iterates(x, D, lam, n_iter, momentum):
    L = np.linalg.norm(D, 2) ** 2
    z = np.zeros(D.shape[1])
    y, t = z.copy(), 1.0
    for _ in range(n_iter):
        z_new = _st(y - D.T @ (D @ y - x) / L, lam / L)
        if momentum:
            t_new = (1 + np.sqrt(1 + 4 * t * t)) / 2
            y = z_new + (t - 1) / t_new * (z_new - z)
            t = t_new
        else:
            y = z_new
        z = z_new
    return z


def _lasso_sklearn(x, D, lam):
    from sklearn.linear_model import Lasso
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Lasso(alpha=lam / D.shape[0], fit_intercept=False, tol=1e-12, max_iter=100000).fit(D, x).coef_


def _objective(x, D, z, lam):
    return 0.5 * np.sum((x - D @ z) ** 2) + lam * np.abs(z).sum()


# ------------------------------------------------------------------ 03.soft

@exercise("03.soft", lesson=LESSON, function="soft_threshold_np", title="soft thresholding", timeout=10)
def _test_soft(f):
    v = np.array([-3.0, -1.0, -0.5, 0.0, 0.2, 0.5, 1.5, 4.0])
    v0 = v.copy()
    out = f(v, 0.5)
    expect(np.array_equal(v, v0), "your function modified its input v in place; return a new array instead.")
    out = expect_array(out, "soft_threshold_np(v, 0.5)", shape=v.shape)
    expect_close(out, _st(v, 0.5), "soft_threshold_np(v, 0.5)", atol=1e-12,
                 hint="Entries with |v| <= t become 0; the others move towards 0 by t and keep their sign.")
    expect_close(expect_array(f(v, 0.0), "soft_threshold_np(v, 0)"), v, "soft_threshold_np(v, 0)", atol=1e-12,
                 hint="With t = 0 the operator is the identity.")
    V = np.random.default_rng(0).standard_normal((4, 6)) * 2
    expect_close(expect_array(f(V, 1.0), "soft_threshold_np(V, 1) of a (4, 6) matrix", shape=V.shape), _st(V, 1.0),
                 "soft_threshold_np(V, 1)", atol=1e-12, hint="Work entrywise with NumPy (np.sign, np.abs, np.maximum).")


@_test_soft.wrong
def _soft_hard(v, t):  # hard thresholding keeps the surviving entries unchanged
    return v * (np.abs(v) > t)


@_test_soft.wrong
def _soft_relu_only(v, t):  # forgets the negative side
    return np.maximum(v - t, 0.0)


@_test_soft.wrong
def _soft_no_clip(v, t):  # shrinks but lets small entries cross zero
    return v - t * np.sign(v)


# ------------------------------------------------------------------ 03.ista

def _check_iterative(f, name, momentum, ks, n_conv):
    for seed in (0, 1):
        x, D, lam = _problem(seed, decay=momentum)
        x0, D0 = x.copy(), D.copy()
        for k in ks:
            out = f(x, D, lam, n_iter=k)
            expect(np.array_equal(x, x0) and np.array_equal(D, D0), "your function modified x or D in place.")
            z = expect_array(out, f"{name}(x, D, lam, n_iter={k})", shape=(D.shape[1],))
            ref = _iterates(x, D, lam, k, momentum)
            first = ("the first step from z = 0 should be S_(λ/L)(Dᵀx / L) with L = ‖D‖₂² "
                     "(np.linalg.norm(D, 2) ** 2, the squared largest singular value)." if k == 1 else
                     "the first iterate is right but later ones differ: " +
                     ("check the momentum: t_(k+1) = (1 + √(1 + 4t_k²))/2 and "
                      "y = z_new + (t_k − 1)/t_(k+1) · (z_new − z_old), extrapolating from the previous *z*, not y."
                      if momentum else "each step must start from the previous z."))
            expect_close(z, ref, f"z after n_iter={k} (seed {seed})", rtol=1e-7, atol=1e-9,
                         hint="Start from z = 0, use step 1/L with L = ‖D‖₂² and threshold λ/L; " + first)
        z = expect_array(f(x, D, lam, n_iter=n_conv), f"{name}(x, D, lam, n_iter={n_conv})", shape=(D.shape[1],))
        z_star = _lasso_sklearn(x, D, lam)
        gap = _objective(x, D, z, lam) - _objective(x, D, z_star, lam)
        expect(gap < 1e-6 * _objective(x, D, z_star, lam),
               f"after {n_conv} iterations the objective is {gap:.3g} above the lasso minimum (scikit-learn's Lasso "
               "with alpha = λ/d); it should have converged.")


@exercise("03.ista", lesson=LESSON, function="ista_np", title="ISTA in NumPy", timeout=20)
def _test_ista(f):
    _check_iterative(f, "ista_np", False, (1, 2, 7), 1500)


@_test_ista.wrong
def _ista_threshold_lam(x, D, lam, n_iter=500):  # thresholds at λ instead of λ/L
    L = np.linalg.norm(D, 2) ** 2
    z = np.zeros(D.shape[1])
    for _ in range(n_iter):
        z = _st(z - D.T @ (D @ z - x) / L, lam)
    return z


@_test_ista.wrong
def _ista_unsquared(x, D, lam, n_iter=500):  # L = ‖D‖₂ instead of ‖D‖₂²
    L = np.linalg.norm(D, 2)
    z = np.zeros(D.shape[1])
    for _ in range(n_iter):
        z = _st(z - D.T @ (D @ z - x) / L, lam / L)
    return z


@_test_ista.wrong
def _ista_frobenius(x, D, lam, n_iter=500):  # L = ‖D‖_F²: a valid but too small step, different iterates
    L = np.linalg.norm(D) ** 2
    z = np.zeros(D.shape[1])
    for _ in range(n_iter):
        z = _st(z - D.T @ (D @ z - x) / L, lam / L)
    return z


# ------------------------------------------------------------------ 03.fista

@exercise("03.fista", lesson=LESSON, function="fista_np", title="FISTA's momentum", timeout=20)
def _test_fista(f):
    _check_iterative(f, "fista_np", True, (1, 2, 3, 10), 3000)


@_test_fista.wrong
def _fista_is_ista(x, D, lam, n_iter=200):  # the momentum is forgotten
    L = np.linalg.norm(D, 2) ** 2
    z = np.zeros(D.shape[1])
    for _ in range(n_iter):
        z = _st(z - D.T @ (D @ z - x) / L, lam / L)
    return z


@_test_fista.wrong
def _fista_from_y(x, D, lam, n_iter=200):  # extrapolates from the previous y instead of the previous z
    L = np.linalg.norm(D, 2) ** 2
    y, t = np.zeros(D.shape[1]), 1.0
    z = y
    for _ in range(n_iter):
        z = _st(y - D.T @ (D @ y - x) / L, lam / L)
        t_new = (1 + np.sqrt(1 + 4 * t * t)) / 2
        y = z + (t - 1) / t_new * (z - y)
        t = t_new
    return z


@_test_fista.wrong
def _fista_constant_momentum(x, D, lam, n_iter=200):  # heavy ball with a fixed β = 0.9
    L = np.linalg.norm(D, 2) ** 2
    z = np.zeros(D.shape[1])
    y = z.copy()
    for _ in range(n_iter):
        z_new = _st(y - D.T @ (D @ y - x) / L, lam / L)
        y = z_new + 0.9 * (z_new - z)
        z = z_new
    return z
