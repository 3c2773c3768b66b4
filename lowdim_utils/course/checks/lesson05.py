"""Checks of lesson 05's exercises (intrinsic dimension).

References: the course library — :func:`lowdim_utils.intrinsic.pca_dimension`,
:func:`~lowdim_utils.intrinsic.explained_variance_ratio`, :func:`~lowdim_utils.intrinsic.twonn` and
:func:`~lowdim_utils.intrinsic.mle_dimension`, tested in ``tests/test_intrinsic.py`` — plus data of
known dimension and invariance to translating the data.
"""
import numpy as np

from ..registry import Feedback, exercise, expect, part
from ._common import later

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


def _call(f, X, *args):
    """Call f on a copy-protected X; return (output, whether X was left unchanged)."""
    X0 = X.copy()
    out = f(X, *args)
    return out, np.array_equal(X, X0)


_INPLACE = ("your function modified its input X in place: centre a new array and leave the caller's X as it "
            "was (no in-place subtraction on X).")
_SELF = ("Is each point excluded from its own neighbours (its distance to itself, 0, must not count as a "
         "nearest neighbour)?")


# ----------------------------------------------------------------------------- 05.pca_dim

_PCA_DIM = ("returns a whole number and leaves X unchanged", "does not depend on where the data sit (translation)",
            "matches lowdim_utils.intrinsic.pca_dimension")


@exercise("05.pca_dim", lesson=LESSON, function="pca_dimension_np", title="PCA dimension",
          parts=dict(zip(_PCA_DIM, (1, 1, 2))))
def _test_pca_dim(f):
    from ...intrinsic import explained_variance_ratio, pca_dimension
    runs = []
    for seed in range(3):
        X = _anisotropic(seed)
        for threshold in (0.5, 0.9, 0.99, 0.999):
            out, unchanged = _call(f, X, threshold)
            shifted, _ = _call(f, X + 50.0 * np.linspace(-1, 1, X.shape[1]), threshold)
            runs.append((X, threshold, out, unchanged, shifted))

    def count(out, threshold):
        got = _scalar(out, f"pca_dimension_np(X, {threshold})")
        expect(got == int(got), f"the dimension should be a whole number of directions, got {got}.")
        return int(got)

    with part(_PCA_DIM[0]):
        expect(all(r[3] for r in runs), _INPLACE)
        for _, threshold, out, _, shifted in runs:
            count(out, threshold), count(shifted, threshold)
    with part(_PCA_DIM[1]):
        for _, threshold, out, _, shifted in runs:
            a, b = later(count, out, threshold), later(count, shifted, threshold)
            expect(a == b, f"for threshold={threshold} you return {a} directions, but {b} once every point is "
                           "moved by the same vector: the variance (and the dimension) does not depend on where the "
                           "data sit. Did you centre X (subtract the column means) before the SVD?")
    with part(_PCA_DIM[2]):
        for X, threshold, out, _, _ in runs:
            got, want = later(count, out, threshold), pca_dimension(X, threshold)
            if got != want:
                cum = np.cumsum(explained_variance_ratio(X).numpy())
                hint = (f" The top {want} directions explain {cum[want - 1]:.4f} of the variance, the top "
                        f"{want - 1} only {cum[want - 2]:.4f}." if want > 1 else
                        f" The first direction alone explains {cum[0]:.4f} of the variance.")
                if got == want - 1:
                    hint += (" You are one short: k counts directions, so the first index where the cumulative "
                             "ratio reaches the threshold is k − 1.")
                elif 1 <= got <= len(cum):
                    hint += (f" By PCA's measure your {got} directions explain {cum[got - 1]:.4f}: the variance "
                             "along a direction is its *squared* singular value (of the centred data).")
                raise Feedback(f"for threshold={threshold} you return {got} directions, expected {want}.{hint}")


# ----------------------------------------------------------------------------- 05.twonn

def _twonn_sets():
    return [(_sphere(0), 2), (_cube(1), 4), (_sphere(2, n=300, d=3, D=8), 3)]


_TWONN = ("returns a finite number and leaves X unchanged", "estimates known dimensions within 20%",
          "matches lowdim_utils.intrinsic.twonn")


@exercise("05.twonn", lesson=LESSON, function="twonn_np", title="TwoNN in NumPy",
          parts=dict(zip(_TWONN, (1, 1, 2))))
def _test_twonn(f):
    from ...intrinsic import twonn
    runs = []
    for X, true_d in _twonn_sets():
        try:
            out, unchanged = _call(f, X)
        except FloatingPointError:
            raise Feedback("your function divided by zero. " + _SELF) from None
        runs.append((X, true_d, out, unchanged))

    def estimate(out):
        if out is not None and not np.all(np.isfinite(np.asarray(out, dtype=float))):
            raise Feedback(f"your estimate is {out}: a ratio r2/r1 with r1 = 0 gives inf. " + _SELF)
        got = _scalar(out, "twonn_np(X)")
        if got < 0:
            raise Feedback(f"your estimate is negative ({got:.3f}): use mu = r2 / r1 >= 1 (second over first "
                           "nearest-neighbour distance), so that log(mu) >= 0.")
        return got

    with part(_TWONN[0]):
        expect(all(r[3] for r in runs), _INPLACE)
        for _, _, out, _ in runs:
            estimate(out)
    with part(_TWONN[1]):
        for _, true_d, out, _ in runs:
            got = later(estimate, out)
            expect(abs(got - true_d) < 0.2 * true_d,
                   f"on a {true_d}-dimensional test set your estimate is {got:.4f}: TwoNN should come within 20% "
                   "of the true dimension there."
                   + (" It looks like the inverse of the slope: regress y = −log(1 − F) on x = log(mu), not x on y."
                      if got < 1 else ""))
    with part(_TWONN[2]):
        for X, true_d, out, _ in runs:
            got, want = later(estimate, out), twonn(X)
            if not np.isclose(got, want, rtol=1e-6):
                hint = ""
                if abs(got * want - 1) < 0.05 * want or got < 1:
                    hint = (" It looks like the inverse slope: regress y = −log(1 − F) on x = log(mu) "
                            "(least squares through the origin), not x on y.")
                elif abs(got - want) < 0.05 * want:
                    hint = (" Close, but not the same fit: sort log(mu), keep the smallest 90% (drop the largest "
                            "discard_fraction), use F_i = i / n with n *all* points, and fit a line through the "
                            "origin (no intercept).")
                raise Feedback(f"on a {true_d}-dimensional test set your estimate is {got:.4f}, expected "
                               f"{want:.4f}." + hint)


# ----------------------------------------------------------------------------- 05.mle

def _mle_sets():
    return [(_sphere(3), 5, 2), (_cube(4), 12, 4), (_sphere(5, n=300, d=3, D=8), 8, 3)]


_MLE = ("returns a finite number and leaves X unchanged", "estimates known dimensions within 25%",
        "matches lowdim_utils.intrinsic.mle_dimension")


@exercise("05.mle", lesson=LESSON, function="mle_np", title="Levina–Bickel MLE",
          parts=dict(zip(_MLE, (1, 1, 2))))
def _test_mle(f):
    from ...intrinsic import mle_dimension
    runs = []
    for X, k, true_d in _mle_sets():
        out, unchanged = _call(f, X, k)
        runs.append((X, k, true_d, out, unchanged))

    def estimate(out, k):
        if out is not None and not np.all(np.isfinite(np.asarray(out, dtype=float))):
            raise Feedback(f"your estimate is {out}: log(T_k / T_j) is infinite when T_j = 0. " + _SELF)
        return _scalar(out, f"mle_np(X, {k})")

    with part(_MLE[0]):
        expect(all(r[4] for r in runs), _INPLACE)
        for _, k, _, out, _ in runs:
            estimate(out, k)
    with part(_MLE[1]):
        for _, k, true_d, out, _ in runs:
            got = later(estimate, out, k)
            expect(abs(got - true_d) < 0.25 * true_d,
                   f"with k={k}, on a {true_d}-dimensional test set your estimate is {got:.4f}: the estimator "
                   "should come within 25% of the true dimension there."
                   + (" A zero estimate means some log(T_k / T_j) was infinite. " + _SELF if got == 0 else ""))
    with part(_MLE[2]):
        for X, k, _, out, _ in runs:
            got, want = later(estimate, out, k), mle_dimension(X, k)
            if np.isclose(got, want, rtol=1e-6):
                continue
            hint = ""
            if got == 0:
                hint = " A zero estimate means some log(T_k / T_j) was infinite. " + _SELF
            elif got < 0:
                hint = " Your estimate is negative: the terms are log(T_k / T_j) >= 0, the farthest over the nearer."
            elif np.isclose(got, mle_dimension(X, k, average="mean"), rtol=1e-4):
                hint = (" You averaged the local estimates m_k(x_i); average their *inverses* and invert the "
                        "result (MacKay & Ghahramani): d = 1 / mean_i(1 / m_k(x_i)).")
            elif np.isclose(got, k / (k - 1) * want, rtol=1e-4):
                hint = " The sum has k − 1 terms (j = 1..k−1), so normalise by k − 1, not k."
            elif np.isclose(got, (k - 2) / (k - 1) * want, rtol=1e-4):
                hint = " Normalise by k − 1 (the estimator of Eq. (6)), not k − 2."
            raise Feedback(f"with k={k} your estimate is {got:.4f}, expected {want:.4f}.{hint}")
