"""Checks of lesson 02's exercises (random projections)."""
import numpy as np

from ..registry import Feedback, exercise, expect, expect_array

LESSON = "02_random_projections"


def _is_numpy_rng(rng):
    return isinstance(rng, np.random.Generator)


# ----------------------------------------------------------------------------- 02.gaussian

@exercise("02.gaussian", lesson=LESSON, function="gaussian_rp_np", title="Gaussian random projection in NumPy")
def _test_gaussian(f):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((30, 200))
    X0 = X.copy()
    Y = expect_array(f(X, 20, np.random.default_rng(1)), "the output", shape=(30, 20))
    expect(np.array_equal(X, X0), "your function modified its input X; compute a new array instead.")
    Y2 = expect_array(f(X, 20, np.random.default_rng(1)), "the output (second call)", shape=(30, 20))
    expect(np.allclose(Y, Y2), "two calls with generators seeded alike gave different results: draw the "
                               "matrix from the `rng` argument (`rng.standard_normal(...)`), not from np.random.")
    Y3 = expect_array(f(X, 20, np.random.default_rng(2)), "the output (other seed)", shape=(30, 20))
    expect(not np.allclose(Y, Y3), "generators with different seeds gave the same result: the matrix must be "
                                   "drawn from the `rng` argument.")
    # Projecting the identity reveals the matrix itself: its entries should be N(0, 1/k).
    D, k = 400, 50
    Rt = expect_array(f(np.eye(D), k, np.random.default_rng(3)), "the projection of np.eye(D)", shape=(D, k))
    mean_sq_norm = float(np.mean(np.sum(Rt ** 2, axis=1)))
    expect(abs(mean_sq_norm - 1) < 0.05,
           f"squared lengths are not preserved on average: E‖Rx‖²/‖x‖² ≈ {mean_sq_norm:.3g}, expected 1 "
           f"(with k={k}, D={D}). The entries need variance 1/k: divide the standard normals by √k"
           + (" (not by √D)." if abs(mean_sq_norm - k / D) < 0.05 else "."))
    z = Rt.ravel() * np.sqrt(k)
    kurt = float(np.mean(z ** 4) / np.mean(z ** 2) ** 2)
    expect(2.6 < kurt < 3.4, f"the matrix entries do not look Gaussian (kurtosis {kurt:.2f}, expected 3): "
                             "use rng.standard_normal.")
    expect(abs(float(np.mean(z))) < 0.05, f"the matrix entries should have mean 0, got {np.mean(z) / np.sqrt(k):.3g}.")


@_test_gaussian.wrong
def _gauss_unscaled(X, k, rng):
    return X @ rng.standard_normal((X.shape[1], k))


@_test_gaussian.wrong
def _gauss_scaled_by_D(X, k, rng):
    return X @ rng.standard_normal((X.shape[1], k)) / np.sqrt(X.shape[1])


@_test_gaussian.wrong
def _gauss_ignores_rng(X, k, rng):
    return X @ np.random.default_rng(0).standard_normal((X.shape[1], k)) / np.sqrt(k)


@_test_gaussian.wrong
def _gauss_rademacher(X, k, rng):
    return X @ rng.choice([-1.0, 1.0], size=(X.shape[1], k)) / np.sqrt(k)


# ----------------------------------------------------------------------------- 02.sparse

@exercise("02.sparse", lesson=LESSON, function="sparse_rp_matrix_np", title="the very sparse projection matrix")
def _test_sparse(f):
    for D, k, density in [(2500, 80, 1 / 50), (300, 40, 1 / 3)]:
        what = f"the matrix for D={D}, k={k}, density={density:.3g}"
        R = expect_array(f(D, k, density, np.random.default_rng(0)), what, shape=(k, D))
        R2 = expect_array(f(D, k, density, np.random.default_rng(0)), what, shape=(k, D))
        expect(np.array_equal(R, R2), "two calls with generators seeded alike gave different matrices: draw "
                                      "everything from the `rng` argument.")
        a = 1 / np.sqrt(density * k)
        vals = np.unique(np.round(R / a, 9))
        odd = [v for v in vals if v not in (-1.0, 0.0, 1.0)]
        if odd:
            v = odd[0] * a
            hint = ""
            if np.isclose(abs(v), 1 / np.sqrt(k)):
                hint = " It equals 1/√k: the non-zeros must be scaled by 1/√(density·k) so each entry has variance 1/k."
            elif np.isclose(abs(v), 1 / np.sqrt(density)):
                hint = " It equals 1/√density: divide by √k as well."
            raise Feedback(f"{what} holds the value {v:.4g}; the only allowed values are 0 and ±1/√(density·k) "
                           f"= ±{a:.4g}.{hint}")
        frac = float(np.mean(R != 0))
        sd = np.sqrt(density * (1 - density) / R.size)
        expect(abs(frac - density) < 5 * sd,
               f"{what} has {frac:.4f} of its entries non-zero, expected about {density:.4f}"
               + (" — about twice too many: each sign should have probability density/2, not density."
                  if abs(frac - 2 * density) < 5 * sd else "."))
        nz = R[R != 0]
        pos = float(np.mean(nz > 0))
        expect(abs(pos - 0.5) < 5 * 0.5 / np.sqrt(nz.size),
               f"{pos:.1%} of the non-zero entries are positive, expected 50%: choose each sign with "
               "probability 1/2, independently of everything else.")
        col = float(np.mean(np.sum(R ** 2, axis=0)))
        expect(abs(col - 1) < 0.15, f"the columns of {what} have mean squared norm {col:.3g}, expected 1.")


@_test_sparse.wrong
def _sparse_forgets_density(D, k, density, rng):
    nz = rng.random((k, D)) < density
    return nz * np.where(rng.random((k, D)) < 0.5, 1.0, -1.0) / np.sqrt(k)


@_test_sparse.wrong
def _sparse_forgets_k(D, k, density, rng):
    nz = rng.random((k, D)) < density
    return nz * np.where(rng.random((k, D)) < 0.5, 1.0, -1.0) / np.sqrt(density)


@_test_sparse.wrong
def _sparse_double_density(D, k, density, rng):
    u = rng.random((k, D))
    return ((u < density).astype(float) - (u > 1 - density)) / np.sqrt(density * k)


@_test_sparse.wrong
def _sparse_no_signs(D, k, density, rng):
    return (rng.random((k, D)) < density) / np.sqrt(density * k)


# ----------------------------------------------------------------------------- 02.variance

def _var_ref(u, s, k):
    n2 = np.sum(u ** 2)
    return (2 * n2 ** 2 + (s - 3) * np.sum(u ** 4)) / k


def _variance_hint(got, u, s, k):
    n2, q = np.sum(u ** 2), np.sum(u ** 4)
    if np.isclose(got, _var_ref(u, s, k) * k):
        return " You forgot to divide by k: the k rows of R are independent and ‖Ru‖² averages them."
    if np.isclose(got, 2 * n2 / k):
        return " The variance scales with ‖u‖⁴, not ‖u‖²."
    if s != 3 and np.isclose(got, 2 * n2 ** 2 / k):
        return " That is the Gaussian value: add the fourth-moment term, since E r⁴ = s (not 3) adds (s − 3)·Σuᵢ⁴."
    if np.isclose(got, (2 * n2 ** 2 + (s - 1) * q) / k):
        return " Check the coefficient of Σuᵢ⁴: it is E r⁴ − 3 = s − 3 (the 3 comes from the Gaussian part)."
    return " Expand E(rᵀu)⁴ = Σᵢ uᵢ⁴ E rᵢ⁴ + 3 Σ_{i≠j} uᵢ²uⱼ² and subtract (E(rᵀu)²)² = ‖u‖⁴."


@exercise("02.variance", lesson=LESSON, function="sq_norm_variance", title="variance of a projected squared norm")
def _test_variance(f):
    rng = np.random.default_rng(0)
    cases = [(rng.standard_normal(50), 3.0, 10), (np.eye(20)[3] * 2.0, 3.0, 7),   # Gaussian case first
             (rng.standard_normal(40), 1.0, 5), (np.eye(30)[0] + 0.1, 30.0, 12), (rng.random(100), 10.0, 3)]
    for u, s, k in cases:
        got = float(expect_array(f(u.copy(), s, k), "the variance", shape=()))
        want = _var_ref(u, s, k)
        if not np.isclose(got, want, rtol=1e-8):
            case = "s = 3 (the Gaussian case, answer 2‖u‖⁴/k)" if s == 3 else f"s = {s:g}"
            raise Feedback(f"for {case} and k = {k} you return {got:.6g}, expected {want:.6g}."
                           + _variance_hint(got, u, s, k))


@_test_variance.wrong
def _var_gaussian_only(u, s, k):
    return float(2 * np.sum(u ** 2) ** 2 / k)


@_test_variance.wrong
def _var_s_minus_1(u, s, k):
    return float((2 * np.sum(u ** 2) ** 2 + (s - 1) * np.sum(u ** 4)) / k)


@_test_variance.wrong
def _var_no_k(u, s, k):
    return float(2 * np.sum(u ** 2) ** 2 + (s - 3) * np.sum(u ** 4))
