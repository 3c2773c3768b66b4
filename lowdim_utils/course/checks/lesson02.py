"""Checks of lesson 02's exercises (random projections).

02.gaussian and 02.sparse test the *distribution* of the matrix a candidate draws (reproducibility,
allowed values, moments); 02.variance compares with SciPy's χ² distribution (the Gaussian case) and
with the exact moments of a sum of independent entries, propagated numerically; 02.kmin measures the
success rate of fresh projections at the learner's k and at 0.8 k.
"""
import numpy as np
from scipy.special import comb
from scipy.stats import chi2

from ..registry import Feedback, exercise, expect, expect_array, part
from ._common import later

LESSON = "02_random_projections"


# ----------------------------------------------------------------------------- 02.gaussian

@exercise("02.gaussian", lesson=LESSON, function="gaussian_rp_np", title="Gaussian random projection in NumPy",
          parts={"returns an (n, k) array and leaves X unchanged": 1, "the matrix is drawn from rng": 1,
                 "the entries have variance 1/k": 1, "the entries are standard Gaussian, mean 0": 1})
def _test_gaussian(f):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((30, 200))
    X0 = X.copy()
    Y = f(X, 20, np.random.default_rng(1))
    unchanged = np.array_equal(X, X0)
    Y2 = f(X0.copy(), 20, np.random.default_rng(1))
    Y3 = f(X0.copy(), 20, np.random.default_rng(2))
    # Projecting the identity reveals the matrix itself: its entries should be N(0, 1/k).
    D, k = 400, 50
    Rt = f(np.eye(D), k, np.random.default_rng(3))
    with part("returns an (n, k) array and leaves X unchanged"):
        expect_array(Y, "the output", shape=(30, 20))
        expect(unchanged, "your function modified its input X; compute a new array instead.")
    with part("the matrix is drawn from rng"):
        Y = later(expect_array, Y, "the output", shape=(30, 20))
        expect(np.allclose(Y, expect_array(Y2, "the output (second call)", shape=(30, 20))),
               "two calls with generators seeded alike gave different results: draw the matrix from the `rng` "
               "argument, not from NumPy's global random state.")
        expect(not np.allclose(Y, expect_array(Y3, "the output (other seed)", shape=(30, 20))),
               "generators with different seeds gave the same result: the matrix must be drawn from the `rng` "
               "argument.")
    with part("the entries have variance 1/k"):
        Rt = expect_array(Rt, "the projection of np.eye(D)", shape=(D, k))
        mean_sq_norm = float(np.mean(np.sum(Rt ** 2, axis=1)))
        expect(abs(mean_sq_norm - 1) < 0.05,
               f"squared lengths are not preserved on average: E‖Rx‖²/‖x‖² ≈ {mean_sq_norm:.3g}, expected 1 "
               f"(with k={k}, D={D}). The entries need variance 1/k: scale the standard normals by 1/√k"
               + (" (not by 1/√D)." if abs(mean_sq_norm - k / D) < 0.05 else "."))
    with part("the entries are standard Gaussian, mean 0"):
        z = later(expect_array, Rt, "the projection of np.eye(D)", shape=(D, k)).ravel()
        kurt = float(np.mean(z ** 4) / np.mean(z ** 2) ** 2)
        expect(2.6 < kurt < 3.4, f"the matrix entries do not look Gaussian (kurtosis {kurt:.2f}, expected 3): "
                                 "draw them from the standard normal distribution.")
        rel_mean = float(np.mean(z) / (np.std(z) or 1.0))
        expect(abs(rel_mean) < 0.05, f"the matrix entries should have mean 0, got {rel_mean:.3g} standard deviations.")


# ----------------------------------------------------------------------------- 02.sparse

_SPARSE_CASES = [(2500, 80, 1 / 50), (300, 40, 1 / 3)]


@exercise("02.sparse", lesson=LESSON, function="sparse_rp_matrix_np", title="the very sparse projection matrix",
          parts={"a (k, D) matrix drawn from rng": 1, "the values are 0 and ±1/√(density·k)": 1,
                 "a fraction `density` of the entries is non-zero": 1, "the signs are balanced": 1})
def _test_sparse(f):
    runs = [(D, k, density, f(D, k, density, np.random.default_rng(0)), f(D, k, density, np.random.default_rng(0)))
            for D, k, density in _SPARSE_CASES]

    def matrix(D, k, density, R):
        return expect_array(R, f"the matrix for D={D}, k={k}, density={density:.3g}", shape=(k, D))

    with part("a (k, D) matrix drawn from rng"):
        for D, k, density, R, R2 in runs:
            expect(np.array_equal(matrix(D, k, density, R), matrix(D, k, density, R2)),
                   "two calls with generators seeded alike gave different matrices: draw everything from the "
                   "`rng` argument.")
    with part("the values are 0 and ±1/√(density·k)"):
        for D, k, density, R, _ in runs:
            what = f"the matrix for D={D}, k={k}, density={density:.3g}"
            R = later(matrix, D, k, density, R)
            a = 1 / np.sqrt(density * k)
            odd = [v for v in np.unique(np.round(R / a, 9)) if v not in (-1.0, 0.0, 1.0)]
            if odd:
                v = odd[0] * a
                hint = ""
                if np.isclose(abs(v), 1 / np.sqrt(k)):
                    hint = (" It equals 1/√k: the non-zeros must be scaled by 1/√(density·k) so each entry has "
                            "variance 1/k.")
                elif np.isclose(abs(v), 1 / np.sqrt(density)):
                    hint = " It equals 1/√density: divide by √k as well."
                raise Feedback(f"{what} holds the value {v:.4g}; the only allowed values are 0 and "
                               f"±1/√(density·k) = ±{a:.4g}.{hint}")
    with part("a fraction `density` of the entries is non-zero"):
        for D, k, density, R, _ in runs:
            R = later(matrix, D, k, density, R)
            frac = float(np.mean(R != 0))
            sd = np.sqrt(density * (1 - density) / R.size)
            expect(abs(frac - density) < 5 * sd,
                   f"the matrix for D={D}, k={k}, density={density:.3g} has {frac:.4f} of its entries non-zero, "
                   f"expected about {density:.4f}"
                   + (" — about twice too many: each sign should have probability density/2, not density."
                      if abs(frac - 2 * density) < 5 * sd else "."))
    with part("the signs are balanced"):
        for D, k, density, R, _ in runs:
            nz = later(matrix, D, k, density, R)
            nz = nz[nz != 0]
            expect(nz.size > 0, f"the matrix for D={D}, k={k} has no non-zero entries.")
            pos = float(np.mean(nz > 0))
            expect(abs(pos - 0.5) < 5 * 0.5 / np.sqrt(nz.size),
                   f"{pos:.1%} of the non-zero entries are positive, expected 50%: choose each sign with "
                   "probability 1/2, independently of everything else.")


# ----------------------------------------------------------------------------- 02.variance

def _gaussian_variance(u, k):
    """Var‖Ru‖² for Gaussian R: ‖Ru‖² = (‖u‖²/k)·χ²_k exactly."""
    return (np.sum(u ** 2) / k) ** 2 * chi2(k).var()


def _exact_variance(u, s, k):
    """Var‖Ru‖² from the moments E r^j of one entry (0, 1/k, 0, s/k² for j = 1..4), propagated exactly
    through the sum rᵀu = Σ uᵢ rᵢ of independent terms; the k rows of R are independent copies."""
    entry = np.array([1.0, 0.0, 1.0 / k, 0.0, s / k ** 2])
    powers = np.arange(5)
    M = np.array([1.0, 0.0, 0.0, 0.0, 0.0])          # moments of the partial sum
    for ui in np.asarray(u, dtype=np.float64):
        t = ui ** powers * entry                       # moments of u_i r_i
        M = np.array([sum(comb(n, j) * M[j] * t[n - j] for j in range(n + 1)) for n in range(5)])
    return k * (M[4] - M[2] ** 2)


def _variance_hint(got, want, u, s, k):
    n2, q = np.sum(u ** 2), np.sum(u ** 4)
    if np.isclose(got, want * k):
        return " You forgot to divide by k: the k rows of R are independent and ‖Ru‖² averages them."
    if np.isclose(got, _gaussian_variance(u, k) / n2):
        return " The variance scales with ‖u‖⁴, not ‖u‖²."
    if s != 3 and np.isclose(got, _gaussian_variance(u, k)):
        return (" That is the Gaussian value: entries with fourth moment s ≠ 3 add a term in Σuᵢ⁴ "
                "(Eq. (10)).")
    c = (got - want) * k / q
    if abs(c) > 1e-6 and abs(c - round(c)) < 1e-6:
        return (f" Your coefficient of Σuᵢ⁴/k is off by {c:+.0f}: it is the fourth moment E r⁴ = s minus the "
                "part already counted with the Gaussian terms.")
    return " Expand E(rᵀu)⁴ = Σᵢ uᵢ⁴ E rᵢ⁴ + 3 Σ_{i≠j} uᵢ²uⱼ² and subtract (E(rᵀu)²)² = ‖u‖⁴."


def _variance_cases():
    rng = np.random.default_rng(0)
    gaussian = [(rng.standard_normal(50), 3.0, 10), (np.eye(20)[3] * 2.0, 3.0, 7)]
    other = [(rng.standard_normal(40), 1.0, 5), (np.eye(30)[0] + 0.1, 30.0, 12), (rng.random(100), 10.0, 3)]
    return gaussian, other


@exercise("02.variance", lesson=LESSON, function="sq_norm_variance", title="variance of a projected squared norm",
          parts={"the Gaussian case s = 3": 1, "entries with another fourth moment s": 1})
def _test_variance(f):
    gaussian, other = _variance_cases()
    runs = [(u, s, k, f(u.copy(), s, k)) for u, s, k in gaussian + other]

    def compare(u, s, k, out, want):
        got = float(expect_array(out, "the variance", shape=()))
        if not np.isclose(got, want, rtol=1e-8):
            case = "s = 3 (the Gaussian case, ‖Ru‖² = (‖u‖²/k)·χ²_k)" if s == 3 else f"s = {s:g}"
            raise Feedback(f"for {case}, ‖u‖ = {np.linalg.norm(u):.4g} and k = {k} you return {got:.6g}, "
                           f"expected {want:.6g}." + _variance_hint(got, want, u, s, k))

    with part("the Gaussian case s = 3"):
        for u, s, k, out in runs[:len(gaussian)]:
            compare(u, s, k, out, _gaussian_variance(u, k))
    with part("entries with another fourth moment s"):
        for u, s, k, out in runs[len(gaussian):]:
            compare(u, s, k, out, _exact_variance(u, s, k))


# ----------------------------------------------------------------------------- 02.kmin

def _kmin_data():
    return np.random.default_rng(0).standard_normal((150, 300)), 0.5, 0.2


def _measured_success(X, k, eps, draws=100, seed=10_000):
    """Fraction of `draws` fresh Gaussian projections to k dimensions with every pair within 1 ± eps."""
    from scipy.spatial.distance import pdist
    rng = np.random.default_rng(seed + k)
    centred = X - X.mean(axis=0)
    base = pdist(centred) ** 2
    hits = 0
    for _ in range(draws):
        proj = centred @ (rng.standard_normal((X.shape[1], k)) / np.sqrt(k))
        hits += float(np.max(np.abs(pdist(proj) ** 2 / base - 1.0))) <= eps
    return hits / draws


@exercise("02.kmin", lesson=LESSON, function="smallest_k", title="the smallest k that works", timeout=120,
          parts={"returns a positive integer k": 1, "enough: the projection succeeds at your k": 1,
                 "not much more than needed: it fails at 0.8 k": 1})
def _test_kmin(f):
    X, eps, delta = _kmin_data()
    out = f(X.copy(), eps, delta, np.random.default_rng(1))

    def integer(v):
        ok = v is not None and np.ndim(v) == 0 and float(v) == int(v) and int(v) >= 1
        expect(bool(ok), f"smallest_k returned {v!r}; expected a positive integer k"
                         + (" (did you forget a `return`?)." if v is None else "."))
        return int(v)

    with part("returns a positive integer k"):
        k = integer(out)
        expect(k <= 10 * X.shape[1], f"k = {k} is far beyond anything needed for {X.shape[0]} points.")
    k = later(integer, out)
    with part("enough: the projection succeeds at your k"):
        p = _measured_success(X, k, eps)
        expect(p >= 1 - delta - 0.12,
               f"at your k = {k}, {p:.0%} of 100 fresh projections keep every pair within 1 ± {eps} (n = {X.shape[0]}); "
               f"at least {1 - delta:.0%} should, up to noise (the check accepts {1 - delta - 0.12:.0%}). Is your test "
               "the *worst* pair of each draw (not an average or a percentile), over enough draws, and do you "
               "require a success rate of 1 − delta?")
    with part("not much more than needed: it fails at 0.8 k"):
        k_less = max(1, int(0.8 * k))
        p = _measured_success(X, k_less, eps)
        expect(p < 1 - delta,
               f"already at 0.8 k = {k_less}, {p:.0%} of 100 fresh projections succeed, at least 1 − delta = "
               f"{1 - delta:.0%}: your k = {k} is more than needed. The guarantee (7) is an upper end, not the "
               "answer: measure the success rate at smaller k.")
