"""Checks of lesson 00's exercises (introduction).

00.evr: the course library (:func:`lowdim_utils.intrinsic.explained_variance_ratio` of a centred matrix
built to have the given singular values) and two cases worked out by hand. 00.dc: the variance along
1/√d computed by projecting. 00.curve: properties of the learner's points (PCA's count of directions,
TwoNN's dimension from :func:`lowdim_utils.intrinsic.twonn`).
"""
import numpy as np

from ..registry import Feedback, exercise, expect, expect_array, expect_close, part
from ._common import later

LESSON = "00_introduction"


def _with_singular_values(s, seed=0, extra_rows=4):
    """A column-centred matrix (n, r) whose singular values are exactly ``s`` (r = len(s))."""
    gen = np.random.default_rng(seed)
    r = len(s)
    A = gen.standard_normal((r + extra_rows, r))
    U = np.linalg.qr(A - A.mean(axis=0))[0]          # orthonormal columns orthogonal to the ones vector
    V = np.linalg.qr(gen.standard_normal((r, r)))[0]
    return (U * s) @ V.T


def _pca_shares(s):
    """The variance shares PCA reports for data whose singular values are ``s`` (descending)."""
    from ...intrinsic import explained_variance_ratio
    return explained_variance_ratio(_with_singular_values(np.asarray(s, dtype=float))).numpy()[:len(s)]


_CASES = [  # singular values and the expected shares (two by hand, one from PCA)
    (np.array([3.0, 2.0, 1.0]), np.array([9.0, 4.0, 1.0]) / 14.0),
    (np.array([5.0]), np.array([1.0])),
    (np.linspace(4, 0.5, 10), None),
]


@exercise("00.evr", lesson=LESSON, function="explained_variance_ratio", title="explained variance",
          parts={"one ratio per singular value": 1, "the ratios sum to 1": 1,
                 "the shares of the variance (as PCA reports them)": 2})
def _test_evr(f):
    outs = [(s, want, f(s.copy())) for s, want in _CASES]
    with part("one ratio per singular value"):
        for s, _, out in outs:
            expect_array(out, f"the returned ratios for s of shape {s.shape}", shape=s.shape)
    with part("the ratios sum to 1"):
        for s, _, out in outs:
            out = later(expect_array, out, "the returned ratios", shape=s.shape)
            expect(abs(out.sum() - 1) < 1e-9, f"for s = {np.round(s, 3)} the ratios sum to {out.sum():.6g}, "
                                              "expected 1: each should be a share of the total.")
    with part("the shares of the variance (as PCA reports them)"):
        for s, want, out in outs:
            want = _pca_shares(s) if want is None else want
            out = later(expect_array, out, "the returned ratios", shape=s.shape)
            expect_close(out, want, f"the result for s = {np.round(s, 3)}", rtol=1e-9, atol=1e-12,
                         hint="Variance is proportional to the *squared* singular values, and each ratio is "
                              "the share of one direction alone (not a running total).")


# ------------------------------------------------------------------ 00.dc

def _dc_cases():
    """Data sets (n, d) with a weak, a strong and no DC component, and one that is all DC."""
    rng = np.random.default_rng(3)
    base = rng.standard_normal((50, 16)) @ rng.standard_normal((16, 16))
    offsets = rng.standard_normal((50, 1))
    return [("a weak DC component", base + 0.5 * offsets), ("a strong DC component", base + 20.0 * offsets),
            ("no DC component (row means removed)", base - base.mean(axis=1, keepdims=True)),
            ("only a DC component (constant rows)", np.repeat(offsets, 9, axis=1))]


def _variance_along(X, u):
    """Share of the total variance of X along the unit vector u, by projecting."""
    centred = X - X.mean(axis=0)
    return float(np.sum((centred @ u) ** 2) / np.sum(centred ** 2))


@exercise("00.dc", lesson=LESSON, function="dc_share", title="the share of the mean brightness",
          parts={"returns one number in [0, 1]": 1, "the share of the variance along 1/√d": 2})
def _test_dc(f):
    runs = [(what, X, f(X.copy())) for what, X in _dc_cases()]

    def number(what, out):
        ok = out is not None and np.ndim(out) == 0 and np.isfinite(np.asarray(out, dtype=float))
        expect(bool(ok), f"for data with {what} you returned {type(out).__name__}"
                         + (f" of shape {np.shape(out)}" if out is not None and np.ndim(out) else "")
                         + "; expected one finite number" + (" (did you forget a `return`?)." if out is None else "."))
        return float(out)

    with part("returns one number in [0, 1]"):
        for what, _, out in runs:
            v = number(what, out)
            expect(-1e-12 <= v <= 1 + 1e-12, f"for data with {what} the share is {v:.4g}, outside [0, 1]: a share "
                                             "of the total variance cannot be negative or exceed 1.")
    with part("the share of the variance along 1/√d"):
        for what, X, out in runs:
            v = later(number, what, out)
            want = _variance_along(X, np.ones(X.shape[1]) / np.sqrt(X.shape[1]))
            if not np.isclose(v, want, rtol=1e-9, atol=1e-12):
                ratio = v / want if want else float("nan")
                hint = ""
                if np.isclose(ratio * X.shape[1], 1, rtol=1e-6):
                    hint = " Yours is d times too small: the projection on 1/√d is √d times the row mean."
                elif np.isclose(ratio, (X.shape[0] - 1) / X.shape[0], rtol=1e-9) or \
                        np.isclose(ratio, X.shape[0] / (X.shape[0] - 1), rtol=1e-9):
                    hint = " Yours is off by n/(n−1): use the same normalisation for the row means and the columns."
                elif v > want:
                    hint = " Did you centre the row means (subtract their average) before taking their variance?"
                raise Feedback(f"for data with {what} you return {v:.6g}, expected {want:.6g} (the variance along "
                               f"1/√d over the sum of the column variances).{hint}")


# ------------------------------------------------------------------ 00.curve

def _k90(X):
    from ...intrinsic import explained_variance_ratio
    return int(np.searchsorted(np.cumsum(explained_variance_ratio(X).numpy()), 0.9) + 1)


@exercise("00.curve", lesson=LESSON, function="curve_fooling_pca", title="a curve that fools PCA", timeout=60,
          parts={"an (n, D) array drawn from rng, D <= 256": 1, "PCA needs at least 20 directions for 90%": 1,
                 "the points lie on a curve (TwoNN below 1.5)": 1})
def _test_curve(f):
    from ...intrinsic import twonn
    n = 2000
    X = f(n, np.random.default_rng(0))
    again = f(n, np.random.default_rng(0))
    other = f(n, np.random.default_rng(1))

    def points(out, what="your points"):
        out = expect_array(out, what)
        expect(out.ndim == 2 and out.shape[0] == n and 2 <= out.shape[1] <= 256,
               f"{what} have shape {out.shape}; expected (n, D) = ({n}, D) with 2 <= D <= 256.")
        return out.astype(np.float64)

    with part("an (n, D) array drawn from rng, D <= 256"):
        A, B, C = points(X), points(again, "the points of a second call"), points(other, "the points for another seed")
        expect(np.allclose(A, B), "two calls with generators seeded alike gave different points: draw them from "
                                  "the `rng` argument.")
        expect(not np.allclose(A, C), "generators with different seeds gave the same points: the positions along the "
                                      "curve should be drawn from `rng`.")
    A = later(points, X)
    with part("PCA needs at least 20 directions for 90%"):
        k = _k90(A)
        expect(k >= 20, f"PCA reaches 90% of your points' variance with {k} directions; it should need at least 20. "
                        "Which coordinates carry the most variance, and how could the curve spread it evenly?")
    with part("the points lie on a curve (TwoNN below 1.5)"):
        d = float(twonn(A))
        expect(np.isfinite(d) and d < 1.5,
               f"TwoNN estimates the intrinsic dimension of your points as {d:.2f}; a smooth curve gives about 1. "
               "Are all coordinates smooth functions of one parameter (no independent noise)?"
               + (" (Duplicate points make the estimate undefined.)" if not np.isfinite(d) else ""))
