"""Checks of lesson 01's exercises (PCA and the SVD).

References: scikit-learn's ``PCA`` (01.pca); matrices built with a known eigen-decomposition,
including ones whose top eigenvector is orthogonal to the obvious fixed starting vectors (01.power);
the optimal error ``σ_(size+1)`` of a rank-``size`` basis, on a slowly and on a fast decaying
spectrum (01.range).
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
    gen = np.random.default_rng(seed)
    scales = np.linspace(3.0, 0.2, d)
    return gen.standard_normal((n, d)) * scales @ np.linalg.qr(gen.standard_normal((d, d)))[0] + 5.0


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
    gen = np.random.default_rng(seed)
    Q = np.linalg.qr(gen.standard_normal((d, d)))[0]
    lam = np.r_[4.0, 4.0 * gap ** np.arange(1, d)]
    return (Q * lam) @ Q.T, lam[0], Q[:, 0]


def _against_fixed_start(w, d=15, gap=0.7):
    """A PSD matrix whose *second* eigenvector is the unit vector w (so A w = λ₂ w) and whose top
    eigenvector is orthogonal to w: power iteration started at w stays at λ₂."""
    rng = np.random.default_rng(7)
    M = rng.standard_normal((d, d))
    M[:, 0] = w
    Q = np.linalg.qr(M)[0]                      # column 0 = ±w, the others orthogonal to it
    Q = Q[:, [1, 0] + list(range(2, d))]       # top eigenvector ⟂ w, second eigenvector = w
    lam = np.r_[4.0, 4.0 * gap ** np.arange(1, d)]
    return (Q * lam) @ Q.T, lam[0], Q[:, 0]


@exercise("01.power", lesson=LESSON, function="power_iteration_np", title="power iteration", timeout=5,
          parts={"returns (eigenvalue, unit vector)": 1, "the vector is the top eigenvector": 1,
                 "the eigenvalue is the largest one": 1,
                 "works from any matrix (no start orthogonal to the answer)": 1})
def _test_power(f):
    runs = []
    for seed in range(3):
        A, lam, v_true = _psd(seed)
        runs.append((A, lam, v_true, f(A.copy())))
    d = runs[0][0].shape[0]
    traps = []
    for what, w in [("the vector of ones", np.ones(d) / np.sqrt(d)), ("the first basis vector", np.eye(d)[0])]:
        A, lam, v_true = _against_fixed_start(w)
        traps.append((what, A, lam, v_true, f(A.copy())))

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
    with part("works from any matrix (no start orthogonal to the answer)"):
        for what, A, lam, v_true, out in traps:
            lam_hat, v = later(unpack, A, out)
            cos = abs(v @ v_true) / (np.linalg.norm(v) or 1.0)
            expect(cos > 1 - 1e-6 and np.isclose(lam_hat, lam, rtol=1e-6),
                   f"on a matrix whose top eigenvector is orthogonal to {what} (an eigenvector of the second "
                   f"eigenvalue) you return the eigenvalue {lam_hat:.6g} (|cos| with the top eigenvector {cos:.3f}); "
                   f"expected {lam:.6g}. If the start has no component along v₁, Aᵗv never gets one: which start "
                   "has one with probability 1, for every A?")


# ------------------------------------------------------------------ 01.range

def _slow_decay(seed, n=300, d=200):
    gen = np.random.default_rng(seed)
    U = np.linalg.qr(gen.standard_normal((n, d)))[0]
    V = np.linalg.qr(gen.standard_normal((d, d)))[0]
    s = 1.0 / np.sqrt(np.arange(1, d + 1))
    return (U * s) @ V.T, s


def _fast_decay(seed, n=300, d=200, rate=0.7):
    """A matrix with singular values rate**j: (σ_size/σ_1)^(2q+1) is below machine precision for q >= 3."""
    gen = np.random.default_rng(seed)
    s = rate ** np.arange(d)
    return (np.linalg.qr(gen.standard_normal((n, d)))[0] * s) @ np.linalg.qr(gen.standard_normal((d, d)))[0].T, s


@exercise("01.range", lesson=LESSON, function="range_finder_np", title="randomized range finder",
          parts={"Q has shape (n, size) and orthonormal columns": 1, "the sketch is drawn from rng": 1,
                 "without power iterations the range is captured": 1,
                 "power iterations sharpen the range": 1,
                 "many power iterations stay accurate in floating point": 1})
def _test_range(f):
    X, s = _slow_decay(0)
    size = 20
    Qs = {q: f(X.copy(), size, q, np.random.default_rng(1)) for q in (0, 3)}
    Xf, sf = _fast_decay(3)
    Q_many = f(Xf.copy(), size, 6, np.random.default_rng(2))
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
                          "Does each power iteration multiply by Xᵀ and then by X?")
    with part("many power iterations stay accurate in floating point"):
        Q = later(expect_array, Q_many, "Q (n_iter=6, singular values 0.7^j)", shape=(Xf.shape[0], size))
        expect_orthonormal_columns(Q, "Q (n_iter=6, singular values 0.7^j)")
        err = np.linalg.norm(Xf - Q @ (Q.T @ Xf), 2) / sf[size]
        expect(err < 1.1, f"on a matrix with singular values 0.7^j, n_iter=6 gives the error {err:.2f} σ_(size+1); "
                          "expected below 1.1 (6 power iterations should reach the optimum). The columns of "
                          "(XXᵀ)^q XΩ shrink like σ_j^(2q+1): compare (σ_20/σ_1)^13 with machine precision. What "
                          "would keep every direction at unit scale between the products?")
