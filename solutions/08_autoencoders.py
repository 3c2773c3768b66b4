"""Solutions to the exercises of lesson 08 (autoencoders)."""
import numpy as np
import torch


def gaussian_kl_np(mu, logvar):
    """Exercise 08.kl: KL(N(mu, diag exp(logvar)) ‖ N(0, I)) for each row of mu, logvar (n, k) → (n,)."""
    return 0.5 * np.sum(mu ** 2 + np.exp(logvar) - 1.0 - logvar, axis=1)


def gmm_score_np(x, means, sigma, weights):
    """Exercise 08.gmm_score: ∇log p(x) (n, d) of the mixture Σ_j w_j N(means_j, sigma² I)."""
    sq = ((x[:, None, :] - means[None, :, :]) ** 2).sum(axis=2)          # (n, m) squared distances
    logits = np.log(weights)[None, :] - sq / (2 * sigma ** 2)             # log w_j N(x; mu_j) + const
    gamma = np.exp(logits - logits.max(axis=1, keepdims=True))            # stable softmax over j
    gamma /= gamma.sum(axis=1, keepdims=True)
    return (gamma @ means - x) / sigma ** 2                               # Σ_j γ_j (mu_j − x) / σ²


def reparameterize(mu, logvar, eps):
    """Exercise 08.reparam: z = mu + exp(logvar / 2) ⊙ eps, differentiable in mu and logvar."""
    return mu + torch.exp(0.5 * logvar) * eps
