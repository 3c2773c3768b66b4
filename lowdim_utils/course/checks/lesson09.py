"""Checks of lesson 09's exercises (word embeddings).

References: central finite differences of the SGNS log-likelihood (09.grad); point clouds whose
IsoScore is known in closed form (09.isoscore, lesson 09's proposition) and the course's
``sgns.isoscore``; what the shifted-PMI theorem predicts for a synthetic corpus (09.negatives).
"""
import numpy as np

from ..registry import Feedback, exercise, expect, expect_array, part
from ._common import later

LESSON = "09_word_embeddings"


def _log_sigmoid(x):
    return -np.logaddexp(0.0, -x)


def _ell(w, c, C_neg):
    return _log_sigmoid(w @ c) + np.sum(_log_sigmoid(-(C_neg @ w)))


def _num_grad(f, x, h=1e-6):
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = h
        g[i] = (f(x + e) - f(x - e)) / (2 * h)
    return g


# ------------------------------------------------------------------ 09.grad

@exercise("09.grad", lesson=LESSON, function="sgns_grads_np", title="the SGNS gradient",
          parts={"returns three arrays of the right shapes": 1, "∂ℓ/∂w matches finite differences": 1,
                 "∂ℓ/∂c matches finite differences": 1, "∂ℓ/∂C_neg matches finite differences": 1,
                 "a small step along the gradient raises ℓ": 1})
def _test_grad(f):
    rng = np.random.default_rng(0)
    cases = []
    for d, k, scale in [(6, 3, 0.5), (10, 5, 1.0), (4, 1, 2.0)]:
        w, c, C_neg = (rng.standard_normal(d) * scale, rng.standard_normal(d) * scale,
                       rng.standard_normal((k, d)) * scale)
        cases.append((w, c, C_neg, f(w.copy(), c.copy(), C_neg.copy())))

    def arrays(w, c, C_neg, out):
        expect(isinstance(out, tuple) and len(out) == 3,
               "return a tuple (grad_w, grad_c, grad_neg)" + (" (did you forget a `return`?)" if out is None else "")
               + f", got {type(out).__name__}.")
        return (expect_array(out[0], "grad_w", shape=w.shape), expect_array(out[1], "grad_c", shape=c.shape),
                expect_array(out[2], "grad_neg", shape=C_neg.shape))

    with part("returns three arrays of the right shapes"):
        for w, c, C_neg, out in cases:
            arrays(w, c, C_neg, out)

    def compare(name, j, numeric, hint):
        for w, c, C_neg, out in cases:
            got = later(arrays, w, c, C_neg, out)[j]
            ref = numeric(w, c, C_neg)
            if not np.allclose(got, ref, rtol=1e-5, atol=1e-7):
                i = np.unravel_index(np.argmax(np.abs(got - ref)), ref.shape)
                flipped = np.allclose(got, -ref, rtol=1e-5, atol=1e-7)
                raise Feedback(f"{name} differs from the finite-difference gradient (d={w.size}, k={len(C_neg)}): "
                               f"entry {tuple(int(t) for t in i)} is {got[i]:.6g}, expected {ref[i]:.6g}."
                               + (" Yours is its negative: a sign is flipped." if flipped else " " + hint))

    with part("∂ℓ/∂w matches finite differences"):
        compare("grad_w", 0, lambda w, c, C: _num_grad(lambda x: _ell(x, c, C), w),
                "It has one term from the positive pair, (1 − σ(w·c)) c, and one per negative, −σ(w·c_i) c_i.")
    with part("∂ℓ/∂c matches finite differences"):
        compare("grad_c", 1, lambda w, c, C: _num_grad(lambda x: _ell(w, x, C), c),
                "d/dx log σ(x) = 1 − σ(x) = σ(−x); the chain rule gives the factor w.")
    with part("∂ℓ/∂C_neg matches finite differences"):
        compare("grad_neg", 2, lambda w, c, C: _num_grad(lambda x: _ell(w, c, x), C),
                "For log σ(−w·c_i), d/dx log σ(−x) = −σ(x): row i is −σ(w·c_i) w.")
    with part("a small step along the gradient raises ℓ"):
        for w, c, C_neg, out in cases:
            gw, gc, gn = later(arrays, w, c, C_neg, out)
            eta = 1e-3
            before, after = _ell(w, c, C_neg), _ell(w + eta * gw, c + eta * gc, C_neg + eta * gn)
            expect(after > before, f"a step of 1e-3 along your gradient lowered ℓ from {before:.6f} to {after:.6f}: "
                                   "return the gradient of the log-likelihood ℓ (to be maximised), not of −ℓ.")


# ------------------------------------------------------------------ 09.isoscore

def _spread(m, d, n=400, seed=0):
    """n points whose covariance has exactly m equal non-zero eigenvalues, rotated and shifted."""
    rs = np.random.default_rng(seed)
    Z = rs.standard_normal((n, m))
    Z -= Z.mean(0)
    Z = np.linalg.qr(Z)[0] * np.sqrt(n - 1)                   # sample covariance exactly I_m
    Q = np.linalg.qr(rs.standard_normal((d, d)))[0]
    return np.hstack([Z, np.zeros((n, d - m))]) @ Q.T + 3.0


@exercise("09.isoscore", lesson=LESSON, function="isoscore_np", title="IsoScore in NumPy",
          parts={"returns a float in [0, 1]": 1, "m equal principal variances give (m − 1)/(d − 1)": 2,
                 "invariant to shifts, rotations and scale": 1, "Gaussian clouds: isotropic near 1, anisotropic low": 1})
def _test_isoscore(f):
    from ...sgns import isoscore
    rng = np.random.default_rng(1)
    clouds = {f"m={m}, d={d}": (_spread(m, d, seed=m + d), (m - 1) / (d - 1)) for m, d in [(1, 5), (3, 8), (8, 8)]}
    iso = rng.standard_normal((4000, 10))
    aniso = iso * np.logspace(0, -1.5, 10)
    outs = {name: f(X.copy()) for name, (X, _) in clouds.items()}

    def score(out, what):
        expect(np.ndim(out) == 0 and np.isreal(out), f"return one real number for {what}, got {out!r}"
               + (" (did you forget a `return`?)" if out is None else "") + ".")
        v = float(out)
        expect(np.isfinite(v) and -1e-9 <= v <= 1 + 1e-9, f"IsoScore lies in [0, 1], got {v:.4g} for {what}.")
        return v

    with part("returns a float in [0, 1]"):
        for name, out in outs.items():
            score(out, name)
    with part("m equal principal variances give (m − 1)/(d − 1)"):
        for name, (X, want) in clouds.items():
            got = later(score, outs[name], name)
            if abs(got - want) > 1e-6:
                phi_like = abs(got - (want * (X.shape[1] - 1) + 1) / X.shape[1]) < 1e-6
                raise Feedback(f"for {name} (variance spread evenly over m of d principal directions, shifted and "
                               f"rotated) you return {got:.6f}, expected {want:.6f}."
                               + (" That is φ = m/d: finish with (d φ − 1)/(d − 1)." if phi_like else
                                  " Use the variances along the principal axes (eigenvalues of the covariance of the "
                                  "centred data), not the diagonal of the covariance in the original coordinates."))
    with part("invariant to shifts, rotations and scale"):
        Q = np.linalg.qr(rng.standard_normal((10, 10)))[0]
        base = later(score, f(aniso.copy()), "an anisotropic Gaussian")
        for what, Y in [("shifted by 100", aniso + 100.0), ("rotated", aniso @ Q.T), ("scaled by 7", 7 * aniso)]:
            got = score(f(Y), f"the same cloud {what}")
            expect(abs(got - base) < 1e-6, f"IsoScore changed from {base:.6f} to {got:.6f} when the cloud was {what}: "
                                           "centre the data and use the principal variances, normalised by their norm.")
    with part("Gaussian clouds: isotropic near 1, anisotropic low"):
        a, b = score(f(iso.copy()), "an isotropic Gaussian"), score(f(aniso.copy()), "an anisotropic Gaussian")
        ref_a, ref_b = isoscore(iso), isoscore(aniso)
        expect(abs(a - ref_a) < 1e-6 and abs(b - ref_b) < 1e-6,
               f"isotropic Gaussian: yours {a:.4f}, course {ref_a:.4f}; anisotropic (sd 1 to 0.03): yours {b:.4f}, "
               f"course {ref_b:.4f}.")
        expect(a > 0.95 and b < 0.5, f"expected near 1 for the isotropic cloud ({a:.3f}) and low for the "
                                     f"anisotropic one ({b:.3f}).")


# ------------------------------------------------------------------ 09.negatives

def _synthetic_corpus(seed, V=60, P=60000, rank=4):
    """(center, context) pairs drawn from a low-rank-plus-Zipf joint distribution, and word counts."""
    import torch
    rs = np.random.default_rng(seed)
    A, B = rs.standard_normal((V, rank)), rs.standard_normal((V, rank))
    logzipf = -np.log(np.arange(1, V + 1))
    logits = 0.7 * A @ B.T + logzipf[:, None] + logzipf[None, :]
    p = np.exp(logits - logits.max())
    flat = rs.choice(V * V, size=P, p=(p / p.sum()).ravel())
    pairs = np.stack([flat // V, flat % V], 1)
    counts = np.bincount(pairs.ravel(), minlength=V) // 2 + 1
    return torch.from_numpy(pairs), counts


@exercise("09.negatives", lesson=LESSON, function="mean_dot_by_negatives", title="negatives shift the dot products",
          timeout=90, parts={"returns {k: float} for every k": 1, "the mean dot product falls as k grows": 1,
                             "it falls by about log k (slope −1.3 to −0.7)": 2})
def _test_negatives(f):
    ks = (1, 3, 9)
    runs = []
    for seed in (0, 1):
        pairs, counts = _synthetic_corpus(seed)
        runs.append(f(pairs.clone(), counts.copy(), ks))

    def values(out):
        expect(isinstance(out, dict), f"return a dict {{k: mean w·c}}, got {type(out).__name__}"
               + (" (did you forget a `return`?)" if out is None else "") + ".")
        expect(sorted(out) == list(ks), f"the dict's keys should be the ks {list(ks)}, got {sorted(out)}.")
        v = np.array([float(out[k]) for k in ks])
        expect(np.isfinite(v).all(), f"the means should be finite numbers, got {v}.")
        return v

    with part("returns {k: float} for every k"):
        for out in runs:
            values(out)
    with part("the mean dot product falls as k grows"):
        for out in runs:
            v = later(values, out)
            expect(np.all(np.diff(v) < 0), f"for k = {list(ks)} you got mean w·c = {np.round(v, 3).tolist()}: by Eq. (7) "
                                           "each extra factor of k lowers the optimum by log k. Did every model train "
                                           "with negatives=k?")
    with part("it falls by about log k (slope −1.3 to −0.7)"):
        for out in runs:
            v = later(values, out)
            slope = float(np.polyfit(np.log(ks), v, 1)[0])
            expect(-1.3 <= slope <= -0.7, f"the mean w·c against log k has slope {slope:.2f}, expected about −1 "
                                          "(between −1.3 and −0.7). Average the dot products w·c (not cosines) of the "
                                          "frequent pairs, each model trained for the given epochs.")
