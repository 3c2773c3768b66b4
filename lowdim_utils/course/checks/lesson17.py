"""Checks of lesson 17's exercises (rate reduction, MCR²).

References: the course's ``ratereduction.coding_rate`` (17.rate); the course's ``rate_reduction`` on
features built on exactly orthogonal subspaces, isotropic within each (17.orth); for the open
experiment (17.linear), the principal angle between the two classes' directions after the learner's
linear map, on held-out points, and the rate reduction it reaches.
"""
import math

import numpy as np

from ..registry import Feedback, exercise, expect, expect_array, part
from ._common import later

LESSON = "17_rate_reduction"


def _value(out, what):
    expect(out is not None, f"{what}: nothing was returned (did you forget a `return`?).")
    arr = expect_array(out, what)
    expect(arr.size == 1, f"{what} should be one number, got shape {arr.shape}.")
    return float(arr.reshape(()))


# ------------------------------------------------------------------ 17.rate

_RATE = ("returns a finite number", "matches R(Z) when n ≥ d", "matches R(Z) when n < d (wide Z)",
         "stays finite for a large matrix (no overflow)")


@exercise("17.rate", lesson=LESSON, function="coding_rate_np", title="the coding rate in NumPy",
          parts=dict(zip(_RATE, (1, 1, 1, 1))))
def _test_rate(f):
    import torch

    from ...ratereduction import coding_rate
    g = np.random.default_rng(0)
    tall = [(g.standard_normal((40, 5)), 0.5), (g.standard_normal((100, 3)) * 3.0, 0.1), (g.standard_normal((7, 7)), 1.0)]
    wide = [(g.standard_normal((4, 30)), 0.5), (g.standard_normal((2, 9)), 0.2)]
    big = (g.standard_normal((600, 400)) * 10.0, 0.05)

    def ref(Z, eps):
        return float(coding_rate(torch.from_numpy(Z), eps))

    outs_tall = [f(Z.copy(), eps) for Z, eps in tall]
    outs_wide = [f(Z.copy(), eps) for Z, eps in wide]
    with part(_RATE[0]):
        for out in outs_tall + outs_wide:
            _value(out, "R(Z)")
    with part(_RATE[1]):
        for (Z, eps), out in zip(tall, outs_tall):
            got, want = later(_value, out, "R(Z)"), ref(Z, eps)
            if not math.isclose(got, want, rel_tol=1e-8, abs_tol=1e-10):
                hint = ""
                n, d = Z.shape
                if math.isclose(got, 2 * want, rel_tol=1e-6):
                    hint = " You return twice the rate: R has a factor ½ in front of the log-determinant."
                elif math.isclose(got, 0.5 * float(np.linalg.slogdet(np.eye(d) + n / (d * eps ** 2) * Z.T @ Z)[1]),
                                  rel_tol=1e-6):
                    hint = " The scale is d/(n ε²) (dimension over samples), not n/(d ε²)."
                raise Feedback(f"Z of shape {Z.shape}, ε = {eps}: your R(Z) is {got:.8g}, expected {want:.8g}.{hint}")
    with part(_RATE[2]):
        for (Z, eps), out in zip(wide, outs_wide):
            got, want = later(_value, out, "R(Z)"), ref(Z, eps)
            expect(math.isclose(got, want, rel_tol=1e-8, abs_tol=1e-10),
                   f"Z of shape {Z.shape} (fewer samples than dimensions), ε = {eps}: your R(Z) is {got:.8g}, "
                   f"expected {want:.8g}. The d × d matrix I + a ZᵀZ is fine here too; if you switch to the n × n "
                   "Gram ZZᵀ (Sylvester), keep a = d/(n ε²).")
    with part(_RATE[3]):
        Z, eps = big
        got = _value(f(Z.copy(), eps), "R(Z) of a 600 × 400 matrix")
        want = ref(Z, eps)
        expect(math.isclose(got, want, rel_tol=1e-8),
               f"for Z of shape {Z.shape} with entries of size 10 and ε = {eps}: your R(Z) is {got:.8g}, expected "
               f"{want:.8g}. The determinant itself is about e^{2 * want:.0f} and overflows: sum the logs of the "
               "eigenvalues (np.linalg.eigvalsh) or use np.linalg.slogdet.")


# ------------------------------------------------------------------ 17.orth

_ORTH = ("returns a finite number", "equals ΔR on orthogonal subspaces (equal classes)",
         "equals ΔR with unequal counts and dimensions")


@exercise("17.orth", lesson=LESSON, function="orthogonal_delta_r", title="ΔR of orthogonal classes in closed form",
          parts=dict(zip(_ORTH, (1, 1, 1))))
def _test_orth(f):
    import torch

    from ...ratereduction import orthogonal_classes, rate_reduction
    cases_equal = [((50, 50), (2, 2), 6, 0.5), ((40, 40, 40), (3, 3, 3), 12, 0.8)]
    cases_unequal = [((30, 90, 60), (1, 4, 2), 10, 0.5), ((200, 20), (5, 1), 8, 0.3)]

    def truth(counts, dims, d, eps):
        Z, y = orthogonal_classes(counts, dims, d, generator=0)
        return float(rate_reduction(Z, y, eps))

    outs = [f(list(c), list(m), d, eps) for c, m, d, eps in cases_equal + cases_unequal]
    with part(_ORTH[0]):
        for out in outs:
            _value(out, "ΔR")
    for title, cases, res in ((_ORTH[1], cases_equal, outs[:2]), (_ORTH[2], cases_unequal, outs[2:])):
        with part(title):
            for (c, m, d, eps), out in zip(cases, res):
                got, want = later(_value, out, "ΔR"), truth(c, m, d, eps)
                expect(math.isclose(got, want, rel_tol=1e-6, abs_tol=1e-9),
                       f"counts {c}, dimensions {m}, d = {d}, ε = {eps}: your ΔR is {got:.8g}, the rate reduction of "
                       f"such features is {want:.8g}. Class j's Gram Z_jᵀZ_j has d_j eigenvalues m_j/d_j; in R(Z) they "
                       "are scaled by d/(n ε²), in class j's own rate by d/(m_j ε²), and that rate is weighted by m_j/n.")


# ------------------------------------------------------------------ 17.linear

def two_lines(n, angle_deg, d=4, noise=0.05, seed=0, points=0):
    """Two classes of n/2 points each on two lines through the origin at ``angle_deg`` in R^d: the lines
    come from ``seed``, the points (random signs and lengths along each line, plus Gaussian noise of
    standard deviation ``noise``) from ``points``. Returns (X (n, d), y (n,)) as NumPy arrays."""
    Q, _ = np.linalg.qr(np.random.default_rng(seed).standard_normal((d, d)))
    t = math.radians(angle_deg)
    u = [Q[:, 0], math.cos(t) * Q[:, 0] + math.sin(t) * Q[:, 1]]
    g = np.random.default_rng(1000 + points)
    m = n // 2
    X = np.concatenate([g.standard_normal((m, 1)) * u[j][None] for j in range(2)])
    return X + noise * g.standard_normal(X.shape), np.repeat([0, 1], m)


def class_angle(F, y):
    """The angle (degrees) between the top right singular vectors of the two classes' rows of F."""
    v = [np.linalg.svd(F[y == j], full_matrices=False)[2][0] for j in (0, 1)]
    return math.degrees(math.acos(min(1.0, abs(float(v[0] @ v[1])))))


_LIN = ("returns a matrix W with 4 columns", "is deterministic given the generator",
        "the classes end at least 80° apart (held-out points)", "the rate reduction grows")
MIN_ANGLE = 80.0


@exercise("17.linear", lesson=LESSON, function="train_linear_mcr2", title="a linear map trained with MCR²",
          timeout=60, parts=dict(zip(_LIN, (1, 1, 2, 1))))
def _test_linear(f):
    import torch

    from ...ratereduction import rate_reduction
    X, y = two_lines(200, 20.0, seed=1, points=0)
    Xh, yh = two_lines(200, 20.0, seed=1, points=1)          # the same two lines, other points
    outs = [f(torch.from_numpy(X.copy()), torch.from_numpy(y.copy()), torch.Generator().manual_seed(0))
            for _ in range(2)]

    def matrix(out):
        expect(out is not None, "nothing was returned (did you forget a `return`?).")
        W = expect_array(out, "W")
        expect(W.ndim == 2 and W.shape[1] == 4 and W.shape[0] >= 2,
               f"W should be a (d_out, 4) matrix with d_out ≥ 2 (features are X Wᵀ), got shape {W.shape}.")
        return W

    with part(_LIN[0]):
        matrix(outs[0])
    with part(_LIN[1]):
        W0, W1 = later(matrix, outs[0]), later(matrix, outs[1])
        expect(W0.shape == W1.shape and np.allclose(W0, W1, atol=1e-6),
               "two calls with generators seeded alike gave different W: draw every random number from `generator`.")
    with part(_LIN[2]):
        W = later(matrix, outs[0])
        F = Xh @ W.T
        F = F / np.maximum(np.linalg.norm(F, axis=1, keepdims=True), 1e-12)
        ang, before = class_angle(F, yh), class_angle(Xh, yh)
        expect(ang >= MIN_ANGLE,
               f"on held-out points the two classes' directions are {ang:.1f}° apart after your map (need ≥ "
               f"{MIN_ANGLE:.0f}°; the data start {before:.1f}° apart). A rotation or a rescaling keeps the angle: "
               "train W by gradient ascent on ΔR of the normalised features X Wᵀ.")
    with part(_LIN[3]):
        W = later(matrix, outs[0])
        F = Xh @ W.T
        F = F / np.maximum(np.linalg.norm(F, axis=1, keepdims=True), 1e-12)
        raw = Xh / np.linalg.norm(Xh, axis=1, keepdims=True)
        dr_before = float(rate_reduction(torch.from_numpy(raw), torch.from_numpy(yh), 0.5))
        dr_after = float(rate_reduction(torch.from_numpy(F), torch.from_numpy(yh), 0.5))
        expect(dr_after > dr_before + 0.1,
               f"ΔR (ε = 0.5) of the held-out features is {dr_after:.3f}, of the normalised raw points {dr_before:.3f}: "
               "training should raise it by more than 0.1.")
