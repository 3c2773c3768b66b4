"""Checks of lesson 22's exercises (neural fields).

References: the variance of a sine layer's pre-activation, ``w0² · n · c²/3 · act_var``, checked by the
closed form and a simulation (22.bound); torch's ``grid_sample`` with ``align_corners=True`` (22.bilinear);
a Fourier-feature MLP trained on scikit-image's ``coins()`` and scored on held-out pixels (22.sigma).
"""
import math

import numpy as np

from ..registry import Feedback, exercise, expect, expect_array, part
from ._common import later, positive_number

LESSON = "22_neural_fields"


# ------------------------------------------------------------------ 22.bound

_BD = ("returns one positive number", "SIREN's case: Var z = 1 for act_var = 1/2",
       "Var z = 1 for other act_var, w0 and fan_in")
_BD_CASES = [(256, 30.0, 0.5), (64, 30.0, 0.5), (128, 1.0, 1.0 / 3.0), (32, 10.0, 0.2), (500, 5.0, 2.0)]


def _pre_var(fan_in, w0, act_var, c):
    return w0 ** 2 * fan_in * c ** 2 / 3.0 * act_var


def _simulate(fan_in, w0, act_var, c, seed=0, units=4000):
    g = np.random.default_rng(seed)
    Wm = g.uniform(-c, c, size=(units, fan_in))
    h = g.uniform(-1, 1, size=fan_in) * math.sqrt(3 * act_var)        # entries of variance act_var
    return float(np.var(w0 * Wm @ h))


@exercise("22.bound", lesson=LESSON, function="variance_preserving_bound", title="a variance-preserving initialisation",
          parts=dict(zip(_BD, (1, 1, 2))))
def _test_bound(f):
    outs = [f(*case) for case in _BD_CASES]

    def value(o):
        return positive_number(o, "variance_preserving_bound(fan_in, w0, act_var)", "the half-width c must be positive.")

    with part(_BD[0]):
        for o in outs:
            value(o)
    for title, idx in ((_BD[1], [0, 1]), (_BD[2], [2, 3, 4])):
        with part(title):
            for i in idx:
                n, w0, a = _BD_CASES[i]
                c = later(value, outs[i])
                var = _pre_var(n, w0, a, c)
                if abs(var - 1) > 1e-6:
                    sim = _simulate(n, w0, a, c)
                    hint = ""
                    if abs(var / (a * 2) - 1) < 1e-6 and a != 0.5:
                        hint = " Your c seems to assume act_var = 1/2 (SIREN's arcsine inputs); use the act_var given."
                    elif abs(var / w0 ** 2 - 1) < 1e-6 and w0 != 1:
                        hint = " The factor w0 multiplies z: divide it out of c."
                    elif abs(var - 1 / 3) < 1e-6:
                        hint = " Var U(-c, c) = c²/3, not c²: a half-width is √3 standard deviations."
                    raise Feedback(f"fan_in={n}, w0={w0:g}, act_var={a:.3g}: your c = {c:.5g} gives Var z = "
                                   f"w0² n c²/3 · act_var = {var:.4g} (a simulation of {4000} units: {sim:.3g}); "
                                   f"expected 1.{hint}")


# ------------------------------------------------------------------ 22.bilinear

_BL = ("returns an (n, F) array", "matches bilinear interpolation inside the grid",
       "handles the right and bottom edges (x = 1, y = 1)")


def _reference_bilinear(grid, xy):
    import torch
    t = torch.as_tensor(grid, dtype=torch.float64).permute(2, 0, 1)[None]      # (1, F, R+1, R+1), [F, y, x]
    p = torch.as_tensor(xy * 2 - 1, dtype=torch.float64)[None, None]
    out = torch.nn.functional.grid_sample(t, p, mode="bilinear", align_corners=True)
    return out[0, :, 0].T.numpy()


@exercise("22.bilinear", lesson=LESSON, function="bilinear_np", title="bilinear interpolation of a feature grid",
          parts=dict(zip(_BL, (1, 2, 1))))
def _test_bilinear(f):
    g = np.random.default_rng(22)
    grid = g.standard_normal((9, 9, 3))                     # R = 8, not symmetric in x and y
    inner = g.uniform(0.01, 0.99, size=(200, 2))
    edge = np.array([[1.0, 0.3], [0.45, 1.0], [1.0, 1.0], [0.0, 1.0], [1.0, 0.0], [0.0, 0.0]])
    outs = [f(grid.copy(), inner.copy()), f(grid.copy(), edge.copy())]

    def as_out(o, pts):
        return expect_array(o, "bilinear_np(grid, xy)", shape=(len(pts), grid.shape[2]))

    with part(_BL[0]):
        as_out(outs[0], inner)
    for title, o, pts in ((_BL[1], outs[0], inner), (_BL[2], outs[1], edge)):
        with part(title):
            got = later(as_out, o, pts)
            want = _reference_bilinear(grid, pts)
            err = np.abs(got - want).max(1)
            if err.max() > 1e-8:
                i = int(err.argmax())
                hint = ""
                swapped = _reference_bilinear(grid.transpose(1, 0, 2), pts)
                if np.abs(got - swapped).max() < 1e-8:
                    hint = " Your result is the grid with x and y exchanged: grid[j, i] is the vertex at x = i/R, y = j/R."
                elif title == _BL[2]:
                    hint = " At x = 1 the cell index floor(R·x) = R is past the last cell: clamp it to R − 1 (weight 1 on the right corner)."
                else:
                    hint = " Each corner's weight is the product of (1 − fx or fx) and (1 − fy or fy), fx = R·x − floor(R·x)."
                raise Feedback(f"at xy = {np.round(pts[i], 4).tolist()} you return {np.round(got[i], 5).tolist()}, "
                               f"expected {np.round(want[i], 5).tolist()}.{hint}")


# ------------------------------------------------------------------ 22.sigma

_SG = ("returns (sigma, n_features): sigma > 0, n_features an integer in [1, 64]",
       "held-out PSNR on coins() at least 20 dB")
_THRESHOLD = 20.0


def _coins_task():
    import torch
    from skimage import data
    from skimage.measure import block_reduce

    from ...fields import pixel_grid
    im = data.coins().astype(np.float64) / 255.0
    h, w = im.shape
    c = (min(h, w) // 48) * 48
    y0, x0 = (h - c) // 2, (w - c) // 2
    im = block_reduce(im[y0:y0 + c, x0:x0 + c], (c // 48, c // 48), np.mean)
    X = pixel_grid(48, 48)
    Y = torch.tensor(im, dtype=torch.float32).reshape(-1, 1)
    even = torch.zeros(48, 48, dtype=torch.bool)
    even[::2, ::2] = True
    tr = even.reshape(-1)
    return X, Y, tr


def heldout_psnr(sigma, n_features, seed=0):
    """Held-out PSNR (dB) of the lesson's Fourier-feature MLP (width 32, depth 2, 300 steps, lr 0.01) on
    coins() at 48 × 48, trained on the even-row, even-column pixels."""
    from ...fields import CoordinateMLP, FourierFeatures, fit_field
    X, Y, tr = _coins_task()
    net = CoordinateMLP(width=32, depth=2, encoding=FourierFeatures(2, n_features, sigma, generator=1000 + seed),
                        generator=seed)
    hist = fit_field(net, X[tr], Y[tr], steps=300, lr=1e-2, eval_coords=X[~tr], eval_values=Y[~tr], log_every=300,
                     generator=seed)
    return hist["psnr"][-1]


@exercise("22.sigma", lesson=LESSON, function="choose_fourier_features", title="Fourier features for another image",
          parts=dict(zip(_SG, (1, 2))))
def _test_sigma(f):
    out = f()

    def parse(o):
        expect(isinstance(o, (tuple, list)) and len(o) == 2,
               f"choose_fourier_features() should return a pair (sigma, n_features), got {o!r}.")
        sigma, m = o
        expect(isinstance(sigma, (int, float, np.number)) and not isinstance(sigma, bool) and math.isfinite(sigma)
               and sigma > 0, f"sigma must be a positive number, got {sigma!r}.")
        expect(isinstance(m, (int, np.integer)) and not isinstance(m, bool) and 1 <= int(m) <= 64,
               f"n_features must be an integer between 1 and 64 (the budget), got {m!r}.")
        return float(sigma), int(m)

    with part(_SG[0]):
        parse(out)
    with part(_SG[1]):
        sigma, m = later(parse, out)
        p = heldout_psnr(sigma, m)
        if p < _THRESHOLD:
            hint = (" Training pixels are every other pixel: a large sigma memorises them and fills the gaps with noise; "
                    "try smaller." if sigma > 2 else
                    " Few features give a poor kernel: use more of them (up to 64)." if m < 32 else
                    " Try a few values between the extremes with section 5's code.")
            raise Feedback(f"sigma = {sigma:g}, n_features = {m}: held-out PSNR {p:.2f} dB, expected at least "
                           f"{_THRESHOLD:g} dB.{hint}")
