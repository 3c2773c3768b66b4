"""Instructor-only: plausible wrong answers of lesson 09 (fed to the checks by the test suite)."""
import numpy as np

from ..registry import wrong


# ------------------------------------------------------------------ 09.grad

@wrong("09.grad")
def _grad_sigma_instead_of_one_minus(w, c, C_neg):
    s = 1.0 / (1.0 + np.exp(-(w @ c)))           # σ(w·c) where 1 − σ(w·c) belongs
    b = 1.0 / (1.0 + np.exp(-(C_neg @ w)))
    return s * c - b @ C_neg, s * w, -b[:, None] * w[None, :]


@wrong("09.grad")
def _grad_of_the_loss(w, c, C_neg):
    a = 1.0 / (1.0 + np.exp(w @ c))
    b = 1.0 / (1.0 + np.exp(-(C_neg @ w)))
    return -(a * c - b @ C_neg), -a * w, b[:, None] * w[None, :]   # gradient of −ℓ


@wrong("09.grad")
def _grad_negatives_with_plus_sign(w, c, C_neg):
    a = 1.0 / (1.0 + np.exp(w @ c))
    b = 1.0 / (1.0 + np.exp(-(C_neg @ w)))
    return a * c + b @ C_neg, a * w, b[:, None] * w[None, :]


# ------------------------------------------------------------------ 09.isoscore

@wrong("09.isoscore")
def _iso_no_rotation(X):
    d = X.shape[1]
    lam = np.var(X, axis=0, ddof=1)              # diagonal of the covariance: not rotation invariant
    lam_hat = np.sqrt(d) * lam / np.linalg.norm(lam)
    delta2 = np.sum((lam_hat - 1) ** 2) / (2 * (d - np.sqrt(d)))
    phi = (d - delta2 * (d - np.sqrt(d))) ** 2 / d ** 2
    return float((d * phi - 1) / (d - 1))


@wrong("09.isoscore")
def _iso_returns_phi(X):
    d = X.shape[1]
    lam = np.clip(np.linalg.eigvalsh(np.cov(X, rowvar=False)), 0, None)
    lam_hat = np.sqrt(d) * lam / np.linalg.norm(lam)
    delta2 = np.sum((lam_hat - 1) ** 2) / (2 * (d - np.sqrt(d)))
    return float((d - delta2 * (d - np.sqrt(d))) ** 2 / d ** 2)


@wrong("09.isoscore")
def _iso_uncentred(X):
    d = X.shape[1]
    lam = np.clip(np.linalg.eigvalsh(X.T @ X / (len(X) - 1)), 0, None)   # second moments, not variances
    lam_hat = np.sqrt(d) * lam / np.linalg.norm(lam)
    delta2 = np.sum((lam_hat - 1) ** 2) / (2 * (d - np.sqrt(d)))
    phi = (d - delta2 * (d - np.sqrt(d))) ** 2 / d ** 2
    return float((d * phi - 1) / (d - 1))


# ------------------------------------------------------------------ 09.negatives

def _frequent(pairs, V, min_count):
    from lowdim_utils import sgns
    N = sgns.cooccurrence(pairs, V, V)
    return N.indices()[:, N.values() >= min_count]


@wrong("09.negatives")
def _negatives_ignores_k(pairs, counts, ks, *, dim=25, epochs=5, min_count=20, generator=0):
    from lowdim_utils import sgns
    V = len(counts)
    fr = _frequent(pairs, V, min_count)
    out = {}
    for k in ks:
        m = sgns.SGNS(V, V, dim, generator=generator)
        sgns.train_sgns(m, pairs, sgns.NegativeSampler(counts), epochs=epochs, generator=generator, progress=False)
        out[k] = float((m.center[fr[0]] * m.context[fr[1]]).sum(1).mean())   # always 5 negatives
    return out


@wrong("09.negatives")
def _negatives_cosines(pairs, counts, ks, *, dim=25, epochs=5, min_count=20, generator=0):
    import torch
    from lowdim_utils import sgns
    V = len(counts)
    fr = _frequent(pairs, V, min_count)
    out = {}
    for k in ks:
        m = sgns.SGNS(V, V, dim, generator=generator)
        sgns.train_sgns(m, pairs, sgns.NegativeSampler(counts), negatives=k, epochs=epochs, generator=generator,
                        progress=False)
        out[k] = float(torch.nn.functional.cosine_similarity(m.center[fr[0]], m.context[fr[1]]).mean())
    return out
