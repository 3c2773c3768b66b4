"""Solutions to the exercises of lesson 09 (word embeddings)."""
import numpy as np
import torch

from lowdim_utils import sgns


def sgns_grads_np(w, c, C_neg):
    """Exercise 09.grad: gradients of ℓ = log σ(w·c) + Σ_i log σ(−w·c_i) with respect to
    w (d,), c (d,) and the negatives' rows C_neg (k, d)."""
    a = 1.0 / (1.0 + np.exp(w @ c))          # 1 − σ(w·c) = σ(−w·c): how wrong the positive score is
    b = 1.0 / (1.0 + np.exp(-(C_neg @ w)))   # σ(w·c_i): how wrong each negative score is
    grad_w = a * c - b @ C_neg
    grad_c = a * w
    grad_neg = -b[:, None] * w[None, :]
    return grad_w, grad_c, grad_neg


def isoscore_np(X):
    """Exercise 09.isoscore: IsoScore of the rows of X (n, d), a float in [0, 1]."""
    d = X.shape[1]
    lam = np.clip(np.linalg.eigvalsh(np.cov(X, rowvar=False)), 0.0, None)   # variances on the principal axes
    lam_hat = np.sqrt(d) * lam / np.linalg.norm(lam)                        # isotropic → all ones
    delta2 = np.sum((lam_hat - 1.0) ** 2) / (2.0 * (d - np.sqrt(d)))         # squared isotropy defect
    phi = (d - delta2 * (d - np.sqrt(d))) ** 2 / d ** 2                     # fraction of dimensions used
    return float((d * phi - 1.0) / (d - 1.0))


def mean_dot_by_negatives(pairs, counts, ks, *, dim=25, epochs=5, min_count=20, generator=0):
    """Exercise 09.negatives: train SGNS on the same (center, context) pairs once per number of negatives
    k in ks and return {k: mean of w·c over the pairs seen at least min_count times}."""
    V = len(counts)
    N = sgns.cooccurrence(pairs, V, V)
    frequent = N.indices()[:, N.values() >= min_count]
    out = {}
    for k in ks:
        model = sgns.SGNS(V, V, dim, generator=generator)
        sgns.train_sgns(model, pairs, sgns.NegativeSampler(counts), negatives=k, epochs=epochs,
                        generator=generator, progress=False)
        dots = (model.center[frequent[0]] * model.context[frequent[1]]).sum(1)
        out[k] = float(dots.mean())
    return out
