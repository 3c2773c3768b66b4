"""Checks of lesson 03's exercises (sparse coding: soft thresholding, FISTA, a basis-pursuit certificate,
the measurements basis pursuit needs).

References: the course library — :func:`lowdim_utils.prox.soft_threshold`, :func:`lowdim_utils.sparse.ista`,
:func:`lowdim_utils.sparse.fista`, :func:`lowdim_utils.sparse.lasso_objective`,
:func:`lowdim_utils.sparse.basis_pursuit` (SciPy's HiGHS), each tested against oracles in
``tests/test_sparse.py`` — scikit-learn's ``Lasso`` for the minimum, and properties (the certificate's
equations and its span; recovery itself on fresh problems for 03.edge).
"""
import warnings

import numpy as np
import torch

from ..registry import Feedback, exercise, expect, expect_array, expect_close, part
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


@exercise("03.fista", lesson=LESSON, function="fista_np", title="FISTA's momentum", timeout=20,
          parts={_SHAPE: 1, _FIRST: 1, _LATER: 1, _CONVERGES: 1})
def _test_fista(f):
    _check_iterative(f, "fista_np", True, (2, 3, 10), 3000)


# ------------------------------------------------------------------ 03.cert

_CERT_PARTS = {"returns a vector w of length d": 1,
               "solves D_Sᵀw = sign(z0_S)": 1,
               "has the smallest norm (w lies in the span of D_S)": 1}


@exercise("03.cert", lesson=LESSON, function="l1_certificate", title="a certificate for basis pursuit",
          timeout=10, parts=_CERT_PARTS)
def _test_cert(f):
    titles = list(_CERT_PARTS)
    runs = []
    for seed, d, m, k in [(0, 20, 40, 3), (1, 12, 30, 5), (2, 25, 25, 8)]:
        gen = np.random.default_rng(seed)
        D = gen.standard_normal((d, m)) / np.sqrt(d)
        z0 = np.zeros(m)
        z0[gen.choice(m, k, replace=False)] = gen.standard_normal(k) * 3
        args = (D.copy(), z0.copy())
        out = f(*args)
        runs.append((D, z0, np.array_equal(args[0], D) and np.array_equal(args[1], z0), out))

    def vec(D, out):
        return expect_array(out, f"l1_certificate(D, z0) for D of shape {D.shape}", shape=(D.shape[0],))

    with part(titles[0]):
        expect(all(r[2] for r in runs), "your function modified D or z0 in place; compute new arrays instead.")
        for D, _, _, out in runs:
            vec(D, out)
    with part(titles[1]):
        for D, z0, _, out in runs:
            w = later(vec, D, out)
            on = z0 != 0
            got, want = D[:, on].T @ w, np.sign(z0[on])
            if not np.allclose(got, want, rtol=0, atol=1e-8):
                hint = (" Your w is D_S·sign(z0_S): then D_Sᵀw = (D_SᵀD_S)·sign(z0_S), which is not sign(z0_S) "
                        "unless the atoms of the support are orthonormal." if np.allclose(w, D[:, on] @ want)
                        else " Solve for the signs of z0 on its support, not its values." if
                        np.allclose(got, z0[on], atol=1e-8) else "")
                raise Feedback(f"for D of shape {D.shape} and a {int(on.sum())}-sparse z0, D_Sᵀw = "
                               f"{np.round(got[:4], 4)}… but sign(z0_S) = {want[:4]}… (largest difference "
                               f"{np.abs(got - want).max():.3g})." + hint)
    with part(titles[2]):
        for D, z0, _, out in runs:
            w = later(vec, D, out)
            Q, _ = np.linalg.qr(D[:, z0 != 0])
            off = np.linalg.norm(w - Q @ (Q.T @ w))
            if off > 1e-8 * max(1.0, np.linalg.norm(w)):
                raise Feedback(f"for D of shape {D.shape}, your w has a component of norm {off:.3g} orthogonal to "
                               "the span of D_S. That component lies in the null space of D_Sᵀ, so removing it "
                               "keeps D_Sᵀw = sign(z0_S) and shortens w: the shortest solution is w = D_S c.")


# ------------------------------------------------------------------ 03.edge

def _success(m, k, d, problems=60, seed=12345):
    """The fraction of ``problems`` fresh random (D, z0) with d Gaussian measurements that basis pursuit recovers."""
    from ...sparse import basis_pursuit
    gen = np.random.default_rng([seed, m, k, d])
    hits = 0
    for _ in range(problems):
        A = gen.standard_normal((d, m)) / np.sqrt(d)
        c = np.zeros(m)
        c[gen.choice(m, k, replace=False)] = gen.standard_normal(k)
        c_hat = basis_pursuit(torch.from_numpy(A @ c), torch.from_numpy(A)).numpy()
        hits += np.linalg.norm(c_hat - c) <= 1e-5 * np.linalg.norm(c)
    return hits / problems


_EDGE_PARTS = {"returns a whole number of measurements k < d <= m": 1,
               "basis pursuit recovers at your d (>= 70% of 60 fresh problems)": 1,
               "your d is not much larger than needed (<= 80% at d - 5)": 1}


@exercise("03.edge", lesson=LESSON, function="min_measurements", title="how many measurements does basis "
          "pursuit need?", timeout=120, parts=_EDGE_PARTS)
def _test_edge(f):
    titles = list(_EDGE_PARTS)
    runs = [(m, k, f(m, k, trials=40, seed=7)) for m, k in [(40, 4), (30, 6)]]

    def count(m, k, out):
        if isinstance(out, (np.integer, np.ndarray)) and np.ndim(out) == 0:
            out = out.item()
        expect(isinstance(out, int) and not isinstance(out, bool),
               f"min_measurements({m}, {k}) should return a whole number d, got {type(out).__name__}"
               + (" (did you forget a `return`?)" if out is None else "") + ".")
        expect(k < out <= m, f"min_measurements({m}, {k}) returned d = {out}; expected k < d <= m.")
        return out

    with part(titles[0]):
        for m, k, out in runs:
            count(m, k, out)
    with part(titles[1]):
        for m, k, out in runs:
            d = later(count, m, k, out)
            rate = _success(m, k, d)
            expect(rate >= 0.7, f"with m = {m}, k = {k} and your d = {d}, basis pursuit recovers only "
                                f"{rate:.0%} of 60 fresh problems (needs >= 70%): scan d upwards until at "
                                "least 90% of your trials succeed (d = 2k is enough for l0, not for l1).")
    with part(titles[2]):
        for m, k, out in runs:
            d = later(count, m, k, out)
            if d - 5 > k:
                rate = _success(m, k, d - 5)
                expect(rate <= 0.8, f"with m = {m}, k = {k}: at d - 5 = {d - 5} basis pursuit already recovers "
                                    f"{rate:.0%} of 60 fresh problems, so your d = {d} is larger than needed: "
                                    "return the *smallest* d that reaches 90%.")
