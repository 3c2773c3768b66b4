"""Checks of lesson 13's exercises (hyperdimensional computing).

References: the course library — :func:`lowdim_utils.hdc.bind` (13.hrr; tested against torchhd and a
naive O(d²) loop in ``tests/test_hdc.py``), :func:`~lowdim_utils.hdc.predicted_accuracy` (13.capacity;
tested against a Monte-Carlo simulation of its model) — and, for 13.dimension, the retrieval accuracy
of real MAP records measured by the check at the learner's dimension and at a smaller one.
"""
import math

import numpy as np
import torch

from ..registry import Feedback, exercise, expect, expect_array, part
from ._common import later

LESSON = "13_hyperdimensional_computing"


# ----------------------------------------------------------------------------- 13.hrr

_HRR = ("one (n, d) real array, inputs unchanged", "equals the circular convolution",
        "works for odd d and a single pair")


@exercise("13.hrr", lesson=LESSON, function="hrr_bind_np", title="HRR binding by the FFT",
          parts=dict(zip(_HRR, (1, 2, 1))))
def _test_hrr(f):
    from ...hdc import bind
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((8, 64)) / 8, rng.standard_normal((8, 64)) / 8
    a0, b0 = a.copy(), b.copy()
    out = f(a, b)
    unchanged = np.array_equal(a, a0) and np.array_equal(b, b0)
    a7, b7 = rng.standard_normal((3, 7)), rng.standard_normal((3, 7))
    out7 = f(a7, b7)

    def arr(o, shape, what):
        if isinstance(o, np.ndarray) and np.iscomplexobj(o):
            raise Feedback(f"{what} is complex: the circular convolution of real vectors is real — take the real "
                           "part of the inverse FFT, or use np.fft.rfft / np.fft.irfft(…, n=d).")
        return expect_array(o, what, shape=shape)

    with part(_HRR[0]):
        arr(out, (8, 64), "a ⊛ b for 8 pairs of 64-dimensional rows")
        expect(unchanged, "your function modified a or b in place; compute on new arrays instead.")
    with part(_HRR[1]):
        got = later(arr, out, (8, 64), "a ⊛ b")
        want = bind(torch.from_numpy(a0), torch.from_numpy(b0), "hrr").numpy()
        if not np.allclose(got, want, atol=1e-12):
            corr = np.fft.irfft(np.conj(np.fft.rfft(a0)) * np.fft.rfft(b0), n=64)
            if np.allclose(got, corr, atol=1e-12):
                hint = "that is the circular correlation (a conjugated transform): binding multiplies F(a)·F(b)."
            elif np.allclose(got, np.fft.irfft(np.fft.rfft(a0, axis=0) * np.fft.rfft(b0, axis=0), n=8, axis=0),
                             atol=1e-12):
                hint = "the transform ran over the rows (axis 0): transform each row, along axis=-1."
            else:
                hint = "use Eq. (2): (a ⊛ b)_i = Σ_j a_j b_((i−j) mod d), i.e. F⁻¹(F(a)·F(b)) along each row."
            raise Feedback(f"a ⊛ b differs from the circular convolution by up to {np.abs(got - want).max():.3g}: {hint}")
    with part(_HRR[2]):
        got = later(arr, out7, (3, 7), "a ⊛ b for d = 7")
        want = bind(torch.from_numpy(a7), torch.from_numpy(b7), "hrr").numpy()
        expect(np.allclose(got, want, atol=1e-12),
               "for odd d = 7 the result is wrong: np.fft.irfft needs n=d, or it returns d − 1 entries.")


# ----------------------------------------------------------------------------- 13.capacity

_CASES = [(2, 100, 2), (10, 500, 50), (30, 1000, 50), (100, 2000, 1000), (60, 300, 8), (1, 50, 10)]
_CAP = ("returns one probability per call", "matches Eq. (7) to 1e-4 on six settings",
        "behaves at the edges (n = 1, huge d)")


@exercise("13.capacity", lesson=LESSON, function="predicted_accuracy_np", title="The capacity of a bundle",
          parts=dict(zip(_CAP, (1, 2, 1))))
def _test_capacity(f):
    from ...hdc import predicted_accuracy
    outs = [f(n, d, m) for n, d, m in _CASES]

    def val(o, what):
        v = float(expect_array(o, what, shape=()))
        expect(0.0 <= v <= 1.0, f"{what} = {v:.4g} is not a probability in [0, 1].")
        return v

    with part(_CAP[0]):
        for (n, d, m), o in zip(_CASES, outs):
            val(o, f"predicted_accuracy_np({n}, {d}, {m})")
    with part(_CAP[1]):
        for (n, d, m), o in zip(_CASES, outs):
            got, want = later(val, o, "the accuracy"), predicted_accuracy(n, d, m)
            if abs(got - want) > 1e-4:
                raise Feedback(f"for n = {n}, d = {d}, m = {m} you predict {got:.4f}, Eq. (7) gives {want:.4f}. The "
                               "right item's score is d + N(0, (n−1)d) — only the other n − 1 pairs add noise — and it "
                               "must beat each of the m − 1 wrong items, whose scores are N(0, nd) (a wrong item meets "
                               "v_j too); average over the right item's noise z (the integral), do not plug in its mean.")
    with part(_CAP[2]):
        expect(abs(float(f(1, 64, 1000)) - 1.0) < 1e-9, "with n = 1 there is no crosstalk: the accuracy is 1.")
        expect(float(f(10, 10 ** 6, 100)) > 0.999999, "with d = 10⁶ and n = 10 the accuracy should be 1 to 6 digits.")


# ----------------------------------------------------------------------------- 13.dimension

_DIM = ("returns a positive integer", "reaches the target accuracy (measured)", "is not wastefully large")
_TARGETS = [(20, 100, 0.9), (40, 1000, 0.99)]


def _measured_accuracy(n, d, m, reps, seed):
    """Retrieval accuracy of MAP records of n (key, value) pairs, values from m, measured on reps records."""
    from ...hdc import cleanup, encode_record, random_hv, unbind
    g = torch.Generator().manual_seed(seed)
    codebook = random_hv(m, d, "map", generator=g)
    keys = random_hv(reps * n, d, "map", generator=g).reshape(reps, n, d)
    vals = torch.randint(0, m, (reps, n), generator=g)
    rec = encode_record(keys, codebook[vals])
    idx, _ = cleanup(unbind(keys, rec.unsqueeze(1)), codebook)
    return float((idx == vals).double().mean())


@exercise("13.dimension", lesson=LESSON, function="dimension_for", title="Choose the dimension",
          parts=dict(zip(_DIM, (1, 2, 1))))
def _test_dimension(f):
    outs = [f(n, m, t) for n, m, t in _TARGETS]

    def dim(o, what):
        if isinstance(o, (int, np.integer)) and not isinstance(o, bool) and o >= 1:
            return int(o)
        raise Feedback(f"{what} should be a positive integer, got {o!r}.")

    with part(_DIM[0]):
        for (n, m, t), o in zip(_TARGETS, outs):
            dim(o, f"dimension_for({n}, {m}, {t})")
    with part(_DIM[1]):
        for (n, m, t), o in zip(_TARGETS, outs):
            d = later(dim, o, "d")
            reps = max(10, min(700, int(4e6 / (n * d))))
            acc = _measured_accuracy(n, min(d, 20000), m, reps, seed=1)
            expect(acc >= t - 0.015, f"at d = {d}, records of {n} pairs over {m} values were read back with accuracy "
                                     f"{acc:.3f} ({reps * n} queries), below the target {t}: d is too small (the "
                                     "m − 1 wrong values each get a chance to beat the right one).")
    with part(_DIM[2]):
        for (n, m, t), o in zip(_TARGETS, outs):
            d = later(dim, o, "d")
            small = int(0.7 * d)
            acc = _measured_accuracy(n, small, m, 60, seed=2)
            expect(acc < t, f"already at 0.7·d = {small} the measured accuracy is {acc:.3f} ≥ {t}: your d = {d} for "
                            f"n = {n}, m = {m} is larger than needed; find the smallest one.")
