"""Solutions to the exercises of lesson 08 (autoencoders)."""
import numpy as np
import torch


def gaussian_kl_np(mu_q, logvar_q, mu_p, logvar_p):
    """Exercise 08.kl: KL(N(mu_q, diag exp(logvar_q)) ‖ N(mu_p, diag exp(logvar_p))) for each row of the four
    (n, k) arrays → (n,).

    Per coordinate, with q = N(m, s²) and p = N(m', s'²):
    E_q[log q − log p] = −½ log s² − ½ + ½ log s'² + (s² + (m − m')²) / (2 s'²).
    """
    var_ratio = np.exp(logvar_q - logvar_p)                       # s² / s'²
    mean_term = (mu_q - mu_p) ** 2 / np.exp(logvar_p)             # (m − m')² / s'²
    return 0.5 * np.sum(var_ratio + mean_term - 1.0 - (logvar_q - logvar_p), axis=1)


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


def deceptive_subspace():
    """Exercise 08.tilt: data X (n, 3) whose 2nd and 3rd variances nearly tie, and a basis W (3, 2) tilted 45°
    from PCA's plane towards the 3rd axis: the tilt costs (σ₂² − σ₃²) sin²45° = 0.005, half a percent of
    PCA's error σ₃² = 0.99."""
    Z = np.random.default_rng(42).standard_normal((500, 3))
    Q, _ = np.linalg.qr(Z - Z.mean(axis=0))                      # orthonormal, centred columns
    X = Q * np.sqrt(500 * np.array([10.0, 1.0, 0.99]))           # per-row variances 10, 1, 0.99 exactly
    c = np.cos(np.pi / 4)
    W = np.array([[1.0, 0.0], [0.0, c], [0.0, c]])
    return X, W
