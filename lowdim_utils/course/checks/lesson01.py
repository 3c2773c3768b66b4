"""Checks of lesson 01's exercises (PCA and the SVD)."""
import numpy as np

from ..registry import Feedback, exercise, expect, expect_array, expect_close, expect_orthonormal_columns

LESSON = "01_pca_svd"


def _data(seed=0, n=60, d=12):
    rng = np.random.default_rng(seed)
    scales = np.linspace(3.0, 0.2, d)
    return rng.standard_normal((n, d)) * scales @ np.linalg.qr(rng.standard_normal((d, d)))[0] + 5.0


@exercise("01.pca", lesson=LESSON, function="pca_np", title="PCA in NumPy")
def _test_pca(f):
    for seed, k in [(0, 3), (1, 1), (2, 12)]:
        X = _data(seed)
        X0 = X.copy()
        out = f(X, k)
        expect(np.array_equal(X, X0), "your function modified its input X in place; work on a copy "
                                      "(e.g. `Xc = X - X.mean(axis=0)`, not `X -= ...`).")
        expect(isinstance(out, tuple) and len(out) == 2,
               f"return a pair (components, variances), got {type(out).__name__}"
               + (f" of length {len(out)}" if isinstance(out, tuple) else "") + ".")
        comps, var = out
        comps = expect_array(comps, "components", shape=(k, X.shape[1]))
        var = expect_array(var, "variances", shape=(k,))
        expect_orthonormal_columns(comps.T, "components.T (the rows of components)")
        from sklearn.decomposition import PCA
        ref = PCA(k, svd_solver="full").fit(X)
        expect_close(var, ref.explained_variance_, "variances", rtol=1e-6,
                     hint="Did you centre X and divide the squared singular values by n - 1?")
        cos = np.abs(np.sum(comps * ref.components_, axis=1))
        bad = np.flatnonzero(cos < 1 - 1e-6)
        if bad.size:
            raise Feedback(f"component {bad[0]} points in the wrong direction (|cos| with scikit-learn's "
                           f"= {cos[bad[0]]:.4f}, expected 1 up to sign). Did you centre X, and take rows "
                           "of Vt (not columns of U)?")


@_test_pca.wrong
def _pca_uncentred(X, k):
    _, s, Vt = np.linalg.svd(X, full_matrices=False)
    return Vt[:k], s[:k] ** 2 / (X.shape[0] - 1)


@_test_pca.wrong
def _pca_biased(X, k):
    Xc = X - X.mean(axis=0)
    _, s, Vt = np.linalg.svd(Xc, full_matrices=False)
    return Vt[:k], s[:k] ** 2 / X.shape[0]


@_test_pca.wrong
def _pca_columns_of_vt(X, k):
    Xc = X - X.mean(axis=0)
    _, s, Vt = np.linalg.svd(Xc, full_matrices=False)
    return Vt[:, :k].T, s[:k] ** 2 / (X.shape[0] - 1)


@_test_pca.wrong
def _pca_inplace(X, k):
    X -= X.mean(axis=0)
    _, s, Vt = np.linalg.svd(X, full_matrices=False)
    return Vt[:k], s[:k] ** 2 / (X.shape[0] - 1)


def _psd(seed, d=15, gap=0.7):
    rng = np.random.default_rng(seed)
    Q = np.linalg.qr(rng.standard_normal((d, d)))[0]
    lam = np.r_[4.0, 4.0 * gap ** np.arange(1, d)]
    return (Q * lam) @ Q.T, lam[0], Q[:, 0]


@exercise("01.power", lesson=LESSON, function="power_iteration_np", title="power iteration", timeout=5)
def _test_power(f):
    for seed in range(3):
        A, lam, v_true = _psd(seed)
        out = f(A.copy())
        expect(isinstance(out, tuple) and len(out) == 2, "return a pair (eigenvalue, eigenvector).")
        lam_hat, v = out
        expect(np.ndim(lam_hat) == 0, f"the eigenvalue should be a scalar, got shape {np.shape(lam_hat)}.")
        v = expect_array(v, "eigenvector", shape=(A.shape[0],))
        norm = np.linalg.norm(v)
        expect(abs(norm - 1) < 1e-6, f"the eigenvector should have unit norm, got norm {norm:.4g}: "
                                     "normalise after every multiplication (that also prevents overflow).")
        cos = abs(v @ v_true)
        expect(cos > 1 - 1e-6, f"the vector is not the top eigenvector (|cos| with it = {cos:.4f}); "
                               "did you run enough iterations, and multiply by A (not solve with it)?")
        expect_close(float(lam_hat), lam, "eigenvalue", rtol=1e-6,
                     hint="The eigenvalue is the Rayleigh quotient vᵀAv of the unit vector v.")


@_test_power.wrong
def _power_unnormalised(A, n_iter=50, tol=1e-10):
    v = np.ones(A.shape[0])
    for _ in range(n_iter):
        v = A @ v
    return float(v @ A @ v / (v @ v)), v


@_test_power.wrong
def _power_too_few(A, n_iter=3, tol=1e-10):
    v = np.ones(A.shape[0]) / np.sqrt(A.shape[0])
    for _ in range(n_iter):
        v = A @ v
        v /= np.linalg.norm(v)
    return float(v @ A @ v), v


@_test_power.wrong
def _power_never_stops(A, n_iter=500, tol=1e-10):
    v = np.ones(A.shape[0]) / np.sqrt(A.shape[0])
    while True:  # the tolerance test is missing: this loop never ends
        v = A @ v
        v /= np.linalg.norm(v)


def _slow_decay(seed, n=300, d=200):
    rng = np.random.default_rng(seed)
    U = np.linalg.qr(rng.standard_normal((n, d)))[0]
    V = np.linalg.qr(rng.standard_normal((d, d)))[0]
    s = 1.0 / np.sqrt(np.arange(1, d + 1))
    return (U * s) @ V.T, s


@exercise("01.range", lesson=LESSON, function="range_finder_np", title="randomized range finder")
def _test_range(f):
    X, s = _slow_decay(0)
    size = 20
    for q in (0, 3):
        out = f(X.copy(), size, q, np.random.default_rng(1))
        Q = expect_array(out, f"Q (with n_iter={q})", shape=(X.shape[0], size))
        expect_orthonormal_columns(Q, f"Q (with n_iter={q})")
        err = np.linalg.norm(X - Q @ (Q.T @ X), 2) / s[size]
        limit = 4.0 if q == 0 else 1.6
        expect(err < limit, f"with n_iter={q} the error ‖X − QQᵀX‖₂ is {err:.2f} σ_(size+1); expected below "
                            f"{limit}. " + ("Do the power iterations multiply by X.T and X, re-orthonormalising "
                                            "in between?" if q else "Is Q a basis of X @ Ω for a Gaussian Ω?"))


@_test_range.wrong
def _range_no_qr(X, size, n_iter, rng):
    return X @ rng.standard_normal((X.shape[1], size))


@_test_range.wrong
def _range_ignores_q(X, size, n_iter, rng):
    Q, _ = np.linalg.qr(X @ rng.standard_normal((X.shape[1], size)))
    return Q


@_test_range.wrong
def _range_uniform_sketch(X, size, n_iter, rng):
    Q, _ = np.linalg.qr(X[:, :size])   # a fixed column subset, not a random sketch
    return Q
