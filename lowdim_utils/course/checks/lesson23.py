"""Checks of lesson 23's exercises (dynamics in low dimensions).

References: the exact eigenvalues and eigenvectors of random linear maps (23.dmd); the exactness of a
least-squares linear fit in the learner's observables for random maps of the family
``(x1, x2) ↦ (a x1, b x2 + c x1³)`` (23.observables); series with known periods, and the sunspot
series with its ~11-year cycle (23.period).
"""
import numpy as np

from ..registry import Feedback, exercise, expect, expect_array, part
from ._common import later, positive_number

LESSON = "23_dynamics"


def _linear_system(seed, d=5, T=40, radii=(0.97, 0.85), angles=(0.4, 1.3), real=(0.6,)):
    """A trajectory (T, d) of x_{k+1} = A x_k with known eigenvalues, and A."""
    g = np.random.default_rng(seed)
    blocks = []
    for r, t in zip(radii, angles):
        blocks.append(r * np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]]))
    blocks += [np.array([[v]]) for v in real]
    B = np.zeros((d, d))
    i = 0
    for b in blocks:
        B[i:i + len(b), i:i + len(b)] = b
        i += len(b)
    P = g.standard_normal((d, d)) + 2 * np.eye(d)
    A = P @ B @ np.linalg.inv(P)
    x = g.standard_normal(d)
    X = [x]
    for _ in range(T - 1):
        x = A @ x
        X.append(x)
    return np.array(X), A


def _complex_array(out, what, shape):
    try:
        arr = np.asarray(out.detach().cpu().numpy() if hasattr(out, "detach") else out)
    except Exception:
        raise Feedback(f"{what} should be an array, got {type(out).__name__}.") from None
    expect(np.issubdtype(arr.dtype, np.number), f"{what} should hold numbers, got dtype {arr.dtype}.")
    expect(arr.shape == shape, f"{what} has shape {arr.shape}, expected {shape}.")
    arr = arr.astype(np.complex128)
    expect(np.isfinite(arr).all(), f"{what} contains NaN or inf entries.")
    return arr


# ------------------------------------------------------------------ 23.dmd

_DMD = ("returns eigenvalues (r,) and modes (d, r)", "eigenvalues equal the linear map's",
        "modes are eigenvectors of the map", "works with a rank truncation r < d")


@exercise("23.dmd", lesson=LESSON, function="dmd_np", title="exact DMD in NumPy",
          parts=dict(zip(_DMD, (1, 1, 1, 1))))
def _test_dmd(f):
    X, A = _linear_system(0)
    Z2, A2 = _linear_system(1, d=4, T=60, radii=(0.99, 0.9), angles=(0.3, 0.9), real=())
    X2 = Z2 @ np.random.default_rng(2).standard_normal((4, 8))     # 4-dimensional dynamics seen in 8 coordinates
    out = f(X.copy(), 5)
    out2 = f(X2.copy(), 4)

    def unpack(o, d, r):
        expect(isinstance(o, (tuple, list)) and len(o) == 2, "dmd_np(X, r) should return a pair (eigenvalues, modes).")
        return _complex_array(o[0], "eigenvalues", (r,)), _complex_array(o[1], "modes", (d, r))

    with part(_DMD[0]):
        unpack(out, 5, 5)
        unpack(out2, 8, 4)
    lam, Phi = later(unpack, out, 5, 5)
    true = np.linalg.eigvals(A)
    with part(_DMD[1]):
        err = max(np.abs(true - l).min() for l in lam)
        miss = max(np.abs(lam - t).min() for t in true)
        hint = ""
        if np.allclose(np.abs(lam), 1, atol=1e-6):
            hint = (" All your eigenvalues have modulus 1: Ã must map the snapshots X to the *next* ones Y, "
                    "Ã = U* Y V Σ⁻¹, not U* X V Σ⁻¹.")
        expect(max(err, miss) < 1e-8, f"your eigenvalues are {np.round(np.sort_complex(lam), 4)}; the map's are "
                                      f"{np.round(np.sort_complex(true), 4)} (largest mismatch {max(err, miss):.2e})."
                                      + (hint or " Check Ã = U* Y V Σ⁻¹ with Σ⁻¹ (divide, don't multiply)."))
    with part(_DMD[2]):
        res = np.linalg.norm(A @ Phi - Phi * lam, axis=0) / np.linalg.norm(Phi, axis=0)
        expect(res.max() < 1e-8, f"‖A φ − λ φ‖/‖φ‖ is up to {res.max():.2e} for your modes: each mode φ_j must be an "
                                 "eigenvector of the map with your eigenvalue λ_j (same order). Exact modes are "
                                 "Y V Σ⁻¹ W, with W the eigenvectors of Ã.")
    with part(_DMD[3]):
        lam2, Phi2 = later(unpack, out2, 8, 4)
        true2 = np.linalg.eigvals(A2)
        err = max(max(np.abs(true2 - l).min() for l in lam2), max(np.abs(lam2 - t).min() for t in true2))
        expect(err < 1e-8, f"the states are 8-dimensional but the dynamics 4-dimensional (the snapshot matrix has rank "
                           f"4); at r = 4 your eigenvalues {np.round(np.sort_complex(lam2), 3)} differ from the map's "
                           f"{np.round(np.sort_complex(true2), 3)} by {err:.2e} (held to 1e-8). Keep the r leading "
                           "singular triplets (U[:, :r], s[:r], V[:, :r]) before dividing by Σ.")


# ------------------------------------------------------------------ 23.observables

_OBS = ("returns an (n, p) array with 3 <= p <= 10", "its first two columns are x1 and x2",
        "the map is exactly linear in your observables")


def _cubic_map(seed, n=400):
    g = np.random.default_rng(seed)
    a, b, c = g.uniform(0.5, 0.95), g.uniform(-0.9, 0.9), g.uniform(0.5, 2.0)
    X = g.uniform(-1.5, 1.5, size=(n, 2))
    Y = np.stack([a * X[:, 0], b * X[:, 1] + c * X[:, 0] ** 3], 1)
    return X, Y


@exercise("23.observables", lesson=LESSON, function="cubic_observables",
          title="observables that make a nonlinear map linear", parts=dict(zip(_OBS, (1, 1, 2))))
def _test_observables(f):
    cases = [_cubic_map(s) for s in (0, 1, 2)]
    outs = [(f(X.copy()), f(Y.copy())) for X, Y in cases]

    def as_obs(o, n):
        arr = expect_array(o, "cubic_observables(X)")
        expect(arr.ndim == 2 and arr.shape[0] == n, f"cubic_observables(X) has shape {arr.shape}, expected (n, p) "
                                                    f"with n = {n} rows (one per state).")
        expect(3 <= arr.shape[1] <= 10, f"you return p = {arr.shape[1]} observables; expected 3 to 10 (x1 and x2 "
                                        "alone cannot make the map linear, and a handful suffice).")
        return arr

    with part(_OBS[0]):
        for (ox, oy), (X, _) in zip(outs, cases):
            as_obs(ox, len(X))
            as_obs(oy, len(X))
    with part(_OBS[1]):
        for (ox, _), (X, _) in zip(outs, cases):
            arr = later(as_obs, ox, len(X))
            expect(np.allclose(arr[:, :2], X, atol=1e-12), "the first two columns must be the state itself (x1, x2), "
                                                           "so that predictions can be read back.")
    with part(_OBS[2]):
        for (ox, oy), (X, Y) in zip(outs, cases):
            PX, PY = later(as_obs, ox, len(X)), later(as_obs, oy, len(X))
            K, *_ = np.linalg.lstsq(PX, PY, rcond=None)
            res = np.linalg.norm(PX @ K - PY) / np.linalg.norm(PY)
            expect(res < 1e-8, f"the best linear map between your observables now and one step later leaves a "
                               f"relative residual {res:.2e} (held to 1e-8): the span is not invariant. The new x2 "
                               "contains c·x1³, and every observable you add must again be mapped into the span.")


# ------------------------------------------------------------------ 23.period

_PER = ("returns one positive number", "finds the period of a noisy two-tone series",
        "uses the sampling interval dt", "finds the sunspot cycle")


def _two_tones(seed, T=300, dt=1.0, p_strong=9.0, p_weak=40.0, noise=0.3):
    g = np.random.default_rng(seed)
    t = np.arange(T) * dt
    x = (3.0 * np.exp(-0.002 * t) * np.sin(2 * np.pi * t / p_strong + g.uniform(0, 6))
         + 1.0 * np.sin(2 * np.pi * t / p_weak + g.uniform(0, 6)))
    return x + noise * g.standard_normal(T)


@exercise("23.period", lesson=LESSON, function="dominant_period", title="the dominant period with Hankel DMD",
          parts=dict(zip(_PER, (1, 1, 1, 1))))
def _test_period(f):
    from ...data import load
    s = load("sunspots").sunspots
    cases = [(_two_tones(0), 1.0, 9.0), (_two_tones(1, dt=0.5, p_strong=6.5, p_weak=30.0), 0.5, 6.5)]
    outs = [f(x.copy(), dt) for x, dt, _ in cases]
    out_s = f(s.copy(), 1.0)

    def value(o):
        return positive_number(o, "dominant_period(x, dt)", "a period is positive.")

    with part(_PER[0]):
        for o in outs + [out_s]:
            value(o)
    with part(_PER[1]):
        p = later(value, outs[0])
        expect(abs(p - 9.0) / 9.0 < 0.05, f"on a series with a strong period 9 and a weak, slower period 40 you found "
                                          f"{p:.2f} (held to 5 %). Rank the modes by amplitude (|b_j|·‖φ_j‖), not by "
                                          "|λ_j|: the weak slow tone decays less but carries less of the signal.")
    with part(_PER[2]):
        p = later(value, outs[1])
        expect(abs(p - 6.5) / 6.5 < 0.05, f"with dt = 0.5 the strong period is 6.5 time units; you found {p:.2f}. "
                                          "A discrete-time eigenvalue λ turns one step, dt, by arg λ: the period is "
                                          "2π·dt/|arg λ|.")
    with part(_PER[3]):
        p = later(value, out_s)
        expect(10.0 <= p <= 12.0, f"on the yearly sunspot numbers you found {p:.2f} years; expected 10 to 12 (the "
                                  "solar cycle averages about 11 years). Centre the series, and use enough delays to "
                                  "hold a full cycle.")
