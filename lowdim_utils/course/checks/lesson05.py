"""Checks of lesson 05's exercises (intrinsic dimension)."""
import numpy as np

from ..registry import Feedback, exercise, expect, expect_array

LESSON = "05_intrinsic_dimension"


# ----------------------------------------------------------------------------- data of known dimension

def _embed(Y, D, rng, shift=3.0):
    Q = np.linalg.qr(rng.standard_normal((D, Y.shape[1])))[0]
    return Y @ Q.T + shift


def _sphere(seed, n=500, d=2, D=12):
    rng = np.random.default_rng(seed)
    Z = rng.standard_normal((n, d + 1))
    return _embed(Z / np.linalg.norm(Z, axis=1, keepdims=True), D, rng)


def _cube(seed, n=400, d=4, D=10):
    rng = np.random.default_rng(seed)
    return _embed(rng.uniform(size=(n, d)) * 5.0, D, rng)


def _anisotropic(seed, n=200, D=15):
    rng = np.random.default_rng(seed)
    scales = 2.0 ** -np.arange(D)              # variances 1, 1/4, 1/16, ...: well separated
    return rng.standard_normal((n, D)) * scales @ np.linalg.qr(rng.standard_normal((D, D)))[0] + 4.0


def _scalar(out, what):
    if isinstance(out, np.ndarray) and out.size == 1:
        out = out.reshape(())[()]
    if hasattr(out, "item") and getattr(out, "ndim", 0) == 0:
        out = out.item()
    expect(isinstance(out, (int, float, np.integer, np.floating)) and not isinstance(out, bool),
           f"{what} should be a single number, got {type(out).__name__}"
           + (" (did you forget a `return`?)" if out is None else "") + ".")
    out = float(out)
    expect(np.isfinite(out), f"{what} is {out}; expected a finite number.")
    return out


def _unchanged(f, X, *args):
    X0 = X.copy()
    out = f(X, *args)
    expect(np.array_equal(X, X0), "your function modified its input X in place; work on a copy "
                                  "(e.g. `Xc = X - X.mean(axis=0)`, not `X -= ...`).")
    return out


# ----------------------------------------------------------------------------- 05.pca_dim

def _pca_ref(X, threshold, centre=True, square=True):
    Xc = X - X.mean(axis=0) if centre else X
    s = np.linalg.svd(Xc, compute_uv=False)
    w = s**2 if square else s
    return min(int(np.searchsorted(np.cumsum(w) / np.sum(w), threshold)) + 1, len(s))


@exercise("05.pca_dim", lesson=LESSON, function="pca_dimension_np", title="PCA dimension")
def _test_pca_dim(f):
    for seed in range(3):
        X = _anisotropic(seed)
        for threshold in (0.5, 0.9, 0.99, 0.999):
            out = _unchanged(f, X, threshold)
            got = _scalar(out, f"pca_dimension_np(X, {threshold})")
            expect(got == int(got), f"the dimension should be a whole number of directions, got {got}.")
            want = _pca_ref(X, threshold)
            if int(got) != want:
                hint = ""
                if int(got) == _pca_ref(X, threshold, centre=False):
                    hint = " Did you centre X (subtract the column means) before the SVD?"
                elif int(got) == _pca_ref(X, threshold, square=False):
                    hint = " The variances are the *squared* singular values."
                elif int(got) == want - 1:
                    hint = (" You are one short: k counts directions, so the first index where the cumulative "
                            "ratio reaches the threshold is k - 1 (add 1).")
                raise Feedback(f"for threshold={threshold} you return {int(got)} directions, expected {want}.{hint}")


@_test_pca_dim.wrong
def _pca_dim_uncentred(X, threshold=0.9):
    s = np.linalg.svd(X, compute_uv=False)
    return int(np.searchsorted(np.cumsum(s**2) / np.sum(s**2), threshold)) + 1


@_test_pca_dim.wrong
def _pca_dim_unsquared(X, threshold=0.9):
    s = np.linalg.svd(X - X.mean(axis=0), compute_uv=False)
    return int(np.searchsorted(np.cumsum(s) / np.sum(s), threshold)) + 1


@_test_pca_dim.wrong
def _pca_dim_off_by_one(X, threshold=0.9):
    s = np.linalg.svd(X - X.mean(axis=0), compute_uv=False)
    return int(np.searchsorted(np.cumsum(s**2) / np.sum(s**2), threshold))


# ----------------------------------------------------------------------------- 05.twonn

def _twonn_ref(X):
    from ...intrinsic import twonn
    return twonn(np.asarray(X, dtype=np.float64))


@exercise("05.twonn", lesson=LESSON, function="twonn_np", title="TwoNN in NumPy")
def _test_twonn(f):
    for X, true_d in [(_sphere(0), 2), (_cube(1), 4), (_sphere(2, n=300, d=3, D=8), 3)]:
        try:
            out = _unchanged(f, X)
        except FloatingPointError:
            raise Feedback("your function divided by zero: is each point excluded from its own neighbours "
                           "(set the diagonal of the distance matrix to infinity)?") from None
        if out is not None and not np.all(np.isfinite(np.asarray(out, dtype=float))):
            raise Feedback(f"your estimate is {out}: a ratio r2/r1 with r1 = 0 gives inf. Is each point excluded "
                           "from its own neighbours (set the diagonal of the distance matrix to infinity)?")
        got = _scalar(out, "twonn_np(X)")
        want = _twonn_ref(X)
        if got < 0:
            raise Feedback(f"your estimate is negative ({got:.3f}): use mu = r2 / r1 >= 1 (second over first "
                           "nearest-neighbour distance), so that log(mu) >= 0.")
        if not np.isclose(got, want, rtol=1e-6):
            hint = ""
            if abs(got * want - 1) < 0.05 * want or got < 1:
                hint = (" It looks like the inverse slope: regress y = -log(1 - F) on x = log(mu) "
                        "(slope = sum(x*y) / sum(x*x)), not x on y.")
            elif abs(got - want) < 0.05 * want:
                hint = (" Close, but not the same fit: sort log(mu), keep the smallest 90% (drop the largest "
                        "discard_fraction), use F_i = i / n with n *all* points, and fit a line through the origin "
                        "(no intercept).")
            raise Feedback(f"on a {true_d}-dimensional test set your estimate is {got:.4f}, expected {want:.4f}."
                           + hint)


def _dist2(X):
    sq = np.sum(X**2, axis=1)
    return np.maximum(sq[:, None] + sq[None, :] - 2 * X @ X.T, 0.0)


def _twonn_xy(X, discard_fraction, *, inverted=False, exclude_self=True):
    """The TwoNN regression data x = sorted log(mu), y = -log(1 - i/n), with optional mistakes."""
    D2 = _dist2(X)
    if exclude_self:
        np.fill_diagonal(D2, np.inf)
    r = np.sqrt(np.sort(D2, axis=1)[:, :2])
    n = len(X)
    m = int(n * (1 - discard_fraction))
    with np.errstate(divide="ignore", invalid="ignore"):
        x = np.sort(np.log(r[:, 0] / r[:, 1]) if inverted else np.log(r[:, 1] / r[:, 0]))[:m]
    return x, -np.log(1 - np.arange(1, m + 1) / n)


@_test_twonn.wrong
def _twonn_inverted_ratio(X, discard_fraction=0.1):
    x, y = _twonn_xy(X, discard_fraction, inverted=True)
    return float(x @ y / (x @ x))


@_test_twonn.wrong
def _twonn_swapped_regression(X, discard_fraction=0.1):
    x, y = _twonn_xy(X, discard_fraction)
    return float(x @ y / (y @ y))


@_test_twonn.wrong
def _twonn_self_neighbour(X, discard_fraction=0.1):
    x, y = _twonn_xy(X, discard_fraction, exclude_self=False)   # the point itself is its "first neighbour"
    with np.errstate(invalid="ignore"):
        return float(x @ y / (x @ x))


@_test_twonn.wrong
def _twonn_with_intercept(X, discard_fraction=0.1):
    x, y = _twonn_xy(X, discard_fraction)
    return float(np.polyfit(x, y, 1)[0])


# ----------------------------------------------------------------------------- 05.mle

def _local_sums(X, k):
    D2 = _dist2(np.asarray(X, dtype=np.float64) - np.mean(X, axis=0))
    np.fill_diagonal(D2, np.inf)
    T = np.sqrt(np.sort(D2, axis=1)[:, :k])
    return np.sum(np.log(T[:, -1:] / T[:, :-1]), axis=1)


@exercise("05.mle", lesson=LESSON, function="mle_np", title="Levina–Bickel MLE")
def _test_mle(f):
    from ...intrinsic import mle_dimension
    for X, k in [(_sphere(3), 5), (_cube(4), 12), (_sphere(5, n=300, d=3, D=8), 8)]:
        out = _unchanged(f, X, k)
        if out is not None and not np.all(np.isfinite(np.asarray(out, dtype=float))):
            raise Feedback(f"your estimate is {out}: log(T_k / T_j) is infinite when T_j = 0. Is each point "
                           "excluded from its own neighbours (set the diagonal of the distance matrix to infinity)?")
        got = _scalar(out, f"mle_np(X, {k})")
        want = mle_dimension(X, k)
        if np.isclose(got, want, rtol=1e-6):
            continue
        S = _local_sums(X, k)
        hint = ""
        if got == 0:
            hint = (" A zero estimate means some log(T_k / T_j) was infinite: is each point excluded from its own "
                    "neighbours (set the diagonal of the distance matrix to infinity)?")
        elif got < 0:
            hint = " Your estimate is negative: the terms are log(T_k / T_j) >= 0, the farthest over the nearer."
        elif np.isclose(got, np.mean((k - 1) / S), rtol=1e-4):
            hint = (" You averaged the local estimates m_k(x_i); average their *inverses* and invert the result "
                    "(MacKay & Ghahramani): d = 1 / mean_i(1 / m_k(x_i)).")
        elif np.isclose(got, k / np.mean(S), rtol=1e-4) or np.isclose(got, k / (k - 1) * want, rtol=1e-4):
            hint = " The sum has k - 1 terms (j = 1..k-1), so normalise by k - 1, not k."
        elif np.isclose(got, (k - 2) / np.mean(S), rtol=1e-4):
            hint = " Normalise by k - 1 (the estimator of Eq. (6)), not k - 2."
        raise Feedback(f"with k={k} your estimate is {got:.4f}, expected {want:.4f}.{hint}")


@_test_mle.wrong
def _mle_mean_of_local(X, k):
    S = _local_sums(X, k)
    return float(np.mean((k - 1) / S))


@_test_mle.wrong
def _mle_divide_by_k(X, k):
    S = _local_sums(X, k)
    return float(k / np.mean(S))


@_test_mle.wrong
def _mle_wrong_sign(X, k):
    S = _local_sums(X, k)
    return float(-(k - 1) / np.mean(S))


@_test_mle.wrong
def _mle_self_neighbour(X, k):
    D2 = _dist2(X)                     # the diagonal (distance 0 to itself) was not excluded
    T = np.sqrt(np.sort(D2, axis=1)[:, :k])
    with np.errstate(divide="ignore"):
        S = np.sum(np.log(T[:, -1:] / T[:, :-1]), axis=1)
    return float((k - 1) / np.mean(S))
