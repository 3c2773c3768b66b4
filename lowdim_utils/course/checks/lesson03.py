"""Checks of lesson 03's exercises (sparse coding: soft thresholding, ISTA, FISTA).

References: the course library — :func:`lowdim_utils.prox.soft_threshold`, :func:`lowdim_utils.sparse.ista`,
:func:`lowdim_utils.sparse.fista`, :func:`lowdim_utils.sparse.lasso_objective`, each tested against
oracles in ``tests/test_sparse.py`` — and scikit-learn's ``Lasso`` for the minimum.
"""
import warnings

import numpy as np
import torch

from ..registry import exercise, expect, expect_array, expect_close, part
from ._common import later

LESSON = "03_sparse_coding"


def _soft(v, t):
    from ...prox import soft_threshold
    return soft_threshold(torch.as_tensor(np.asarray(v, dtype=np.float64)), float(t)).numpy()


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
    """The course library's ISTA/FISTA iterate after n_iter steps from z = 0 (step 1/L, L = ‖D‖₂²)."""
    from ...sparse import fista, ista
    solver = fista if momentum else ista
    return solver(torch.from_numpy(x), torch.from_numpy(D), lam, n_iter=n_iter,
                  track_objective=False).codes.numpy()


def _lasso_sklearn(x, D, lam):
    from sklearn.linear_model import Lasso
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Lasso(alpha=lam / D.shape[0], fit_intercept=False, tol=1e-12, max_iter=100000).fit(D, x).coef_


def _objective(x, D, z, lam):
    from ...sparse import lasso_objective
    return float(lasso_objective(torch.from_numpy(x), torch.from_numpy(D), torch.from_numpy(z), lam))


# ------------------------------------------------------------------ 03.soft

@exercise("03.soft", lesson=LESSON, function="soft_threshold_np", title="soft thresholding", timeout=10,
          parts={"returns a new array of v's shape": 1, "t = 0 is the identity": 1,
                 "matches the soft-thresholding operator": 2})
def _test_soft(f):
    v = np.array([-3.0, -1.0, -0.5, 0.0, 0.2, 0.5, 1.5, 4.0])
    v0 = v.copy()
    out = f(v, 0.5)
    unchanged = np.array_equal(v, v0)
    out0 = f(v0.copy(), 0.0)
    V = np.random.default_rng(0).standard_normal((4, 6)) * 2
    outV = f(V.copy(), 1.0)
    results = [(out, v0, "soft_threshold_np(v, 0.5)"), (out0, v0, "soft_threshold_np(v, 0)"),
               (outV, V, "soft_threshold_np(V, 1) of a (4, 6) matrix")]
    with part("returns a new array of v's shape"):
        expect(unchanged, "your function modified its input v in place; return a new array instead.")
        for o, arg, what in results:
            expect_array(o, what, shape=arg.shape)
    w05, w0, wV = (what for _, _, what in results)
    with part("t = 0 is the identity"):
        expect_close(later(expect_array, out0, w0, shape=v0.shape), v0, w0, atol=1e-12,
                     hint="With t = 0 nothing is shrunk: every entry keeps its value.")
    with part("matches the soft-thresholding operator"):
        expect_close(later(expect_array, out, w05, shape=v0.shape), _soft(v0, 0.5), w05, atol=1e-12,
                     hint="Entries with |v| <= t become 0; the others move towards 0 by t and keep their sign.")
        expect_close(later(expect_array, outV, wV, shape=V.shape), _soft(V, 1.0), wV, atol=1e-12,
                     hint="The operator acts on each entry separately, whatever the shape of the array.")


# ------------------------------------------------------------------ 03.ista, 03.fista

_SHAPE, _FIRST, _LATER, _CONVERGES = ("returns a code of length m, x and D unchanged", "the first step from z = 0",
                                      "later iterates", "converges to the lasso minimum")


def _check_iterative(f, name, momentum, ks, n_conv):
    runs = []
    for seed in (0, 1):
        x, D, lam = _problem(seed, decay=momentum)
        x0, D0 = x.copy(), D.copy()
        outs = {k: f(x, D, lam, n_iter=k) for k in (1,) + ks + (n_conv,)}
        runs.append((seed, x0, D0, lam, np.array_equal(x, x0) and np.array_equal(D, D0), outs))

    def code(D, k, out):
        return expect_array(out, f"{name}(x, D, lam, n_iter={k})", shape=(D.shape[1],))

    with part(_SHAPE):
        expect(all(r[4] for r in runs), "your function modified x or D in place; compute new arrays instead.")
        for _, _, D, _, _, outs in runs:
            for k, out in outs.items():
                code(D, k, out)
    with part(_FIRST):
        for seed, x, D, lam, _, outs in runs:
            expect_close(later(code, D, 1, outs[1]), _iterates(x, D, lam, 1, momentum),
                         f"z after n_iter=1 (seed {seed})", rtol=1e-7, atol=1e-9,
                         hint="Start from z = 0 and take a gradient step of size 1/L, then soft-threshold at "
                              "λ/L (not λ), with L = ‖D‖₂², the *squared* largest singular value of D (the "
                              "spectral norm, not the Frobenius norm).")
    with part(_LATER):
        for seed, x, D, lam, _, outs in runs:
            for k in ks:
                expect_close(later(code, D, k, outs[k]), _iterates(x, D, lam, k, momentum),
                             f"z after n_iter={k} (seed {seed})", rtol=1e-7, atol=1e-9,
                             hint="The first iterate is right but later ones differ: " +
                             ("check the momentum of Eq. (9): the sequence t_k, and an extrapolation from the "
                              "previous *z* (not the previous y), evaluated at every step."
                              if momentum else "each step must start from the previous z, with the same step 1/L "
                                               "and threshold λ/L."))
    with part(_CONVERGES):
        for seed, x, D, lam, _, outs in runs:
            z = later(code, D, n_conv, outs[n_conv])
            z_star = _lasso_sklearn(x, D, lam)
            best = _objective(x, D, z_star, lam)
            gap = _objective(x, D, z, lam) - best
            expect(gap < 1e-6 * best,
                   f"after {n_conv} iterations (seed {seed}) the objective is {gap:.3g} above the lasso minimum "
                   "(scikit-learn's Lasso with alpha = λ/d); it should have converged.")


@exercise("03.ista", lesson=LESSON, function="ista_np", title="ISTA in NumPy", timeout=20,
          parts={_SHAPE: 1, _FIRST: 1, _LATER: 1, _CONVERGES: 1})
def _test_ista(f):
    _check_iterative(f, "ista_np", False, (2, 7), 1500)


@exercise("03.fista", lesson=LESSON, function="fista_np", title="FISTA's momentum", timeout=20,
          parts={_SHAPE: 1, _FIRST: 1, _LATER: 1, _CONVERGES: 1})
def _test_fista(f):
    _check_iterative(f, "fista_np", True, (2, 3, 10), 3000)
