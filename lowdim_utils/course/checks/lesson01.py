"""Checks of lesson 01's exercises (PCA and the SVD).

References: scikit-learn's ``PCA`` (01.pca); matrices built with a known eigen-decomposition
(01.power); the optimal error ``σ_(size+1)`` of a rank-``size`` basis (01.range).
"""
import numpy as np

from ..registry import Feedback, exercise, expect, expect_array, expect_orthonormal_columns, part
from ._common import later

LESSON = "01_pca_svd"


def _pair(out, what):
    expect(isinstance(out, tuple) and len(out) == 2,
           f"return a pair {what}, got {type(out).__name__}"
           + (f" of length {len(out)}" if isinstance(out, tuple) else "")
           + (" (did you forget a `return`?)" if out is None else "") + ".")
    return out


# ------------------------------------------------------------------ 01.pca

def _data(seed=0, n=60, d=12):
    rng = np.random.default_rng(seed)
    scales = np.linspace(3.0, 0.2, d)
    return rng.standard_normal((n, d)) * scales @ np.linalg.qr(rng.standard_normal((d, d)))[0] + 5.0


@exercise("01.pca", lesson=LESSON, function="pca_np", title="PCA in NumPy",
          parts={"leaves X unchanged": 1, "returns (components (k, d), variances (k,))": 1,
                 "the components are orthonormal": 1, "the variances match scikit-learn's": 1,
                 "the directions match scikit-learn's": 1})
def _test_pca(f):
    from sklearn.decomposition import PCA
    runs = []
    for seed, k in [(0, 3), (1, 1), (2, 12)]:
        X = _data(seed)
        X0 = X.copy()
        out = f(X, k)
        runs.append((seed, k, X0, np.array_equal(X, X0), out, PCA(k, svd_solver="full").fit(X0)))

    def arrays(k, X0, out):
        comps, var = _pair(out, "(components, variances)")
        return (expect_array(comps, f"components (k={k})", shape=(k, X0.shape[1])),
                expect_array(var, f"variances (k={k})", shape=(k,)))

    with part("leaves X unchanged"):
        expect(all(r[3] for r in runs), "your function modified its input X in place: centre a new array "
                                        "and leave the caller's X as it was (no in-place subtraction on X).")
    with part("returns (components (k, d), variances (k,))"):
        for _, k, X0, _, out, _ in runs:
            arrays(k, X0, out)
    with part("the components are orthonormal"):
        for _, k, X0, _, out, _ in runs:
            comps, _ = later(arrays, k, X0, out)
            expect_orthonormal_columns(comps.T, f"components.T (the rows of components, k={k})")
    with part("the variances match scikit-learn's"):
        for seed, k, X0, _, out, ref in runs:
            _, var = later(arrays, k, X0, out)
            bad = ~np.isclose(var, ref.explained_variance_, rtol=1e-6)
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                ratio = var[i] / ref.explained_variance_[i]
                hint = (f" All of yours are {ratio:.4g} times scikit-learn's: the sample variance divides by n − 1."
                        if np.allclose(var / ref.explained_variance_, ratio, rtol=1e-6) and abs(ratio - 1) < 0.1
                        else " Did you centre X (subtract each column's mean) before the SVD, and use the squared "
                             "singular values divided by n − 1?")
                raise Feedback(f"variance {i} (k={k}, data set {seed}) is {var[i]:.6g}, expected "
                               f"{ref.explained_variance_[i]:.6g} (scikit-learn's explained_variance_).{hint}")
    with part("the directions match scikit-learn's"):
        for seed, k, X0, _, out, ref in runs:
            comps, _ = later(arrays, k, X0, out)
            cos = np.abs(np.sum(comps * ref.components_, axis=1))
            bad = np.flatnonzero(cos < 1 - 1e-6)
            if bad.size:
                raise Feedback(f"component {bad[0]} (k={k}, data set {seed}) points in the wrong direction (|cos| "
                               f"with scikit-learn's = {cos[bad[0]]:.4f}, expected 1 up to sign). Did you centre X, "
                               "and take the right singular vectors (the rows of Vᵀ, not its columns or U's)?")


# ------------------------------------------------------------------ 01.power

def _psd(seed, d=15, gap=0.7):
    rng = np.random.default_rng(seed)
    Q = np.linalg.qr(rng.standard_normal((d, d)))[0]
    lam = np.r_[4.0, 4.0 * gap ** np.arange(1, d)]
    return (Q * lam) @ Q.T, lam[0], Q[:, 0]


@exercise("01.power", lesson=LESSON, function="power_iteration_np", title="power iteration", timeout=5,
          parts={"returns (eigenvalue, unit vector)": 1, "the vector is the top eigenvector": 1,
                 "the eigenvalue is the largest one": 1})
def _test_power(f):
    runs = []
    for seed in range(3):
        A, lam, v_true = _psd(seed)
        runs.append((A, lam, v_true, f(A.copy())))

    def unpack(A, out):
        lam_hat, v = _pair(out, "(eigenvalue, eigenvector)")
        expect(np.ndim(lam_hat) == 0, f"the eigenvalue should be a scalar, got shape {np.shape(lam_hat)}.")
        return float(lam_hat), expect_array(v, "eigenvector", shape=(A.shape[0],))

    with part("returns (eigenvalue, unit vector)"):
        for A, _, _, out in runs:
            _, v = unpack(A, out)
            norm = np.linalg.norm(v)
            expect(abs(norm - 1) < 1e-6, f"the eigenvector should have unit norm, got norm {norm:.4g}: "
                                         "normalise after every multiplication (that also prevents overflow).")
    with part("the vector is the top eigenvector"):
        for A, _, v_true, out in runs:
            _, v = later(unpack, A, out)
            cos = abs(v @ v_true) / (np.linalg.norm(v) or 1.0)
            expect(cos > 1 - 1e-6, f"the vector is not the top eigenvector (|cos| with it = {cos:.4f}); did you "
                                   "run enough iterations, and multiply by A (not solve with it)?")
    with part("the eigenvalue is the largest one"):
        for A, lam, _, out in runs:
            lam_hat, _ = later(unpack, A, out)
            expect(np.isclose(lam_hat, lam, rtol=1e-6),
                   f"the eigenvalue is {lam_hat:.6g}, expected {lam:.6g}: it is the Rayleigh quotient vᵀAv of the "
                   "unit vector v (with v converged).")


# ------------------------------------------------------------------ 01.range

def _slow_decay(seed, n=300, d=200):
    rng = np.random.default_rng(seed)
    U = np.linalg.qr(rng.standard_normal((n, d)))[0]
    V = np.linalg.qr(rng.standard_normal((d, d)))[0]
    s = 1.0 / np.sqrt(np.arange(1, d + 1))
    return (U * s) @ V.T, s


@exercise("01.range", lesson=LESSON, function="range_finder_np", title="randomized range finder",
          parts={"Q has shape (n, size) and orthonormal columns": 1, "the sketch is drawn from rng": 1,
                 "without power iterations the range is captured": 1,
                 "power iterations sharpen the range": 1})
def _test_range(f):
    X, s = _slow_decay(0)
    size = 20
    Qs = {q: f(X.copy(), size, q, np.random.default_rng(1)) for q in (0, 3)}
    same = f(X.copy(), size, 0, np.random.default_rng(1))
    other = f(X.copy(), size, 0, np.random.default_rng(2))

    def basis(out, q):
        return expect_array(out, f"Q (with n_iter={q})", shape=(X.shape[0], size))

    with part("Q has shape (n, size) and orthonormal columns"):
        for q, out in Qs.items():
            expect_orthonormal_columns(basis(out, q), f"Q (with n_iter={q})")
        basis(same, 0), basis(other, 0)
    with part("the sketch is drawn from rng"):
        Q1, Q2 = later(basis, same, 0), later(basis, other, 0)
        expect(np.allclose(later(basis, Qs[0], 0), Q1), "two calls with generators seeded alike gave different bases: "
                                                 "draw the random test matrix Ω from the `rng` argument.")
        expect(np.abs(Q1.T @ Q2 @ Q2.T @ Q1 - np.eye(size)).max() > 1e-6,
               "generators with different seeds gave the same subspace: the basis should come from a random "
               "Gaussian sketch X Ω with Ω drawn from `rng`, not from a fixed choice of columns.")

    def error(q):
        Q = later(basis, Qs[q], q)
        return np.linalg.norm(X - Q @ (Q.T @ X), 2) / s[size]

    with part("without power iterations the range is captured"):
        err = error(0)
        expect(err < 4.0, f"with n_iter=0 the error ‖X − QQᵀX‖₂ is {err:.2f} σ_(size+1); expected below 4. "
                          "Is Q an orthonormal basis of the sketch X Ω for a Gaussian Ω of `size` columns?")
    with part("power iterations sharpen the range"):
        err = error(3)
        expect(err < 1.6, f"with n_iter=3 the error ‖X − QQᵀX‖₂ is {err:.2f} σ_(size+1); expected below 1.6. "
                          "Does each power iteration multiply by Xᵀ and then by X, re-orthonormalising after "
                          "each product?")
