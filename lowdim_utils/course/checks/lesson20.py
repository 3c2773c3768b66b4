"""Checks of lesson 20's exercises (comparing representations).

References: the course's ``similarity.linear_cka`` and ``similarity.cca`` (20.cka, 20.break); synthetic
pairs of spaces related by a known rotation, scale and shift, and the true images of held-out points
(20.translate).
"""
import numpy as np

from ..registry import Feedback, exercise, expect, expect_array, part
from ._common import later

LESSON = "20_comparing_representations"


def _data(seed, n, d, decay=1.0, offset=0.0):
    g = np.random.default_rng(seed)
    return g.standard_normal((n, d)) * decay ** np.arange(d) + offset


def _course_cka(X, Y):
    from ...similarity import linear_cka
    return linear_cka(np.asarray(X, float), np.asarray(Y, float))


# ------------------------------------------------------------------ 20.cka

_CKA = ("returns one finite number", "matches the course's CKA on centred data", "centres the columns",
        "works for different widths p != q")


@exercise("20.cka", lesson=LESSON, function="linear_cka_np", title="linear CKA in NumPy",
          parts=dict(zip(_CKA, (1, 1, 1, 1))))
def _test_cka(f):
    g = np.random.default_rng(0)
    X0 = _data(1, 50, 6, 0.8)
    Y0 = X0 @ g.standard_normal((6, 6)) + 0.5 * _data(2, 50, 6)
    X0, Y0 = X0 - X0.mean(0), Y0 - Y0.mean(0)                       # already centred
    X1, Y1 = X0 + 3.0, Y0 - 5.0 * g.standard_normal(6)              # the same data, shifted
    X2 = _data(3, 40, 7, 0.7)
    Y2 = X2[:, :3] @ g.standard_normal((3, 3)) + 0.3 * _data(4, 40, 3)

    def value(out, what):
        arr = expect_array(out, what)
        expect(arr.size == 1, f"{what} should be one number, got shape {arr.shape}.")
        return float(arr.reshape(()))

    outs = [f(X0.copy(), Y0.copy()), f(X1.copy(), Y1.copy()), f(X2.copy(), Y2.copy())]
    with part(_CKA[0]):
        for o in outs:
            value(o, "linear_cka_np(X, Y)")
    checks = [(X0, Y0, _CKA[1], ""),
              (X1, Y1, _CKA[2], " The columns were shifted by constants: CKA compares centred Gram matrices, "
                                "subtract each column's mean first."),
              (X2, Y2, _CKA[3], " Here X has 7 columns and Y has 3: the cross term is ‖Ycᵀ Xc‖_F² (a 3 × 7 "
                                "matrix), the normalisers ‖Xcᵀ Xc‖_F and ‖Ycᵀ Yc‖_F.")]
    for (X, Y, title, hint), o in zip(checks, outs):
        with part(title):
            got, want = later(value, o, "linear_cka_np(X, Y)"), _course_cka(X, Y)
            if abs(got - want) > 1e-8:
                extra = ""
                if title == _CKA[1]:
                    extra = (" CKA is ‖Yᵀ X‖_F² / (‖Xᵀ X‖_F ‖Yᵀ Y‖_F) for centred X, Y: the numerator is the "
                             "*squared* Frobenius norm, the denominator the product of the two plain norms.")
                raise Feedback(f"linear_cka_np(X, Y) = {got:.8g}, expected {want:.8g}.{hint or extra}")


# ------------------------------------------------------------------ 20.break

_BRK = ("returns a finite (d, d) matrix", "is invertible (condition number at most 1e6)",
        "brings CKA(X, XA) to at most 0.5 on two data sets")


@exercise("20.break", lesson=LESSON, function="cka_breaking_map", title="an invertible map that fools CKA",
          parts=dict(zip(_BRK, (1, 1, 2))))
def _test_break(f):
    Xs = [_data(10, 300, 10, 0.5), _data(11, 200, 6, 0.3, offset=2.0)]
    outs = [f(X.copy()) for X in Xs]

    def as_map(o, X):
        return expect_array(o, "cka_breaking_map(X)", shape=(X.shape[1], X.shape[1]))

    with part(_BRK[0]):
        for o, X in zip(outs, Xs):
            as_map(o, X)
    with part(_BRK[1]):
        for o, X in zip(outs, Xs):
            A = later(as_map, o, X)
            s = np.linalg.svd(A, compute_uv=False)
            cond = s[0] / s[-1] if s[-1] > 0 else np.inf
            expect(cond <= 1e6, f"your A has condition number {cond:.3g} (> 1e6): it is (numerically) not invertible, "
                                "so XA has lost information and CCA would no longer be 1. An invertible map keeps "
                                "every direction, but may stretch some of them much more than others.")
    with part(_BRK[2]):
        for o, X in zip(outs, Xs):
            A = later(as_map, o, X)
            c = _course_cka(X, X @ A)
            expect(c <= 0.5, f"CKA(X, XA) = {c:.3f} on a data set with {X.shape[1]} columns; expected at most 0.5. "
                             "Rotations and isotropic scalings leave CKA at 1 (the lesson's theorem); CKA weighs "
                             "directions by their variance, so change which directions carry the variance.")


# ------------------------------------------------------------------ 20.translate

_TR = ("returns an (m, d) array", "recovers a rotation", "handles a shift and a scale too")


def _spaces(seed, d=16, k=60, m=200, scale=1.0, shift=0.0):
    g = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(g.standard_normal((d, d)))
    A = g.standard_normal((k + m, d)) * (0.8 ** np.arange(d)) + 1.0
    B = scale * A @ Q + shift * g.standard_normal(d)
    B = B + 0.01 * scale * g.standard_normal(B.shape)
    return A[:k], B[:k], A[k:], B[k:]


@exercise("20.translate", lesson=LESSON, function="translate", title="translating between latent spaces",
          parts=dict(zip(_TR, (1, 1, 2))))
def _test_translate(f):
    cases = [_spaces(20), _spaces(21, scale=3.0, shift=4.0)]
    outs = [f(a.copy(), b.copy(), z.copy()) for a, b, z, _ in cases]

    def as_out(o, z):
        return expect_array(o, "translate(anchors_a, anchors_b, Z_a)", shape=z.shape)

    with part(_TR[0]):
        for o, (_, _, z, _) in zip(outs, cases):
            as_out(o, z)
    for title, o, (a, b, z, zb) in zip(_TR[1:], outs, cases):
        with part(title):
            got = later(as_out, o, z)
            err = np.linalg.norm(got - zb) / np.linalg.norm(zb - zb.mean(0))
            expect(err <= 0.05, f"the translated held-out points miss their images in B by {err:.3f} (relative to "
                                "the spread of B's points); expected at most 0.05. B is A rotated"
                                + (", scaled by 3 and shifted: centre the anchors, fit the rotation and one scale, "
                                   "then shift into B's anchor mean." if title == _TR[2] else
                                   ": fit the orthogonal map between the paired anchors (Procrustes)."))
