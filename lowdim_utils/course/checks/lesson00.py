"""Checks of lesson 00's exercise (introduction).

The reference is the course library: :func:`lowdim_utils.intrinsic.explained_variance_ratio` of a
centred matrix built to have the given singular values (and two cases worked out by hand).
"""
import numpy as np

from ..registry import exercise, expect, expect_array, expect_close, part
from ._common import later

LESSON = "00_introduction"


def _with_singular_values(s, seed=0, extra_rows=4):
    """A column-centred matrix (n, r) whose singular values are exactly ``s`` (r = len(s))."""
    rng = np.random.default_rng(seed)
    r = len(s)
    A = rng.standard_normal((r + extra_rows, r))
    U = np.linalg.qr(A - A.mean(axis=0))[0]          # orthonormal columns orthogonal to the ones vector
    V = np.linalg.qr(rng.standard_normal((r, r)))[0]
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
