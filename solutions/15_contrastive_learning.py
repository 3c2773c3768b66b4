"""Solutions to the exercises of lesson 15 (contrastive learning)."""
import numpy as np


def nt_xent_np(z1, z2, tau):
    """Exercise 15.ntxent: SimCLR's NT-Xent loss of two views z1, z2 (B, d), Eq. (3), as a float.

    Normalise the 2B rows, form all cosine similarities divided by τ, leave each row's similarity with
    itself out of its softmax, and average −log softmax of the positive (row i ↔ row i ± B) over all 2B
    anchors. The maximum is subtracted before exponentiating (log-sum-exp), so a small τ cannot overflow.
    """
    z = np.concatenate([np.asarray(z1, dtype=np.float64), np.asarray(z2, dtype=np.float64)])
    z = z / np.linalg.norm(z, axis=1, keepdims=True)
    n = z.shape[0]
    b = n // 2
    s = z @ z.T / tau
    np.fill_diagonal(s, -np.inf)                       # k ≠ i in the denominator
    m = s.max(axis=1, keepdims=True)
    log_denom = m[:, 0] + np.log(np.exp(s - m).sum(axis=1))
    pos = s[np.arange(n), (np.arange(n) + b) % n]
    return float(np.mean(log_denom - pos))


def gaussian_critic(x, y, rho):
    """Exercise 15.critic: the optimal InfoNCE critic f(x, y) = log p(y | x) − log p(y) of the Gaussian
    pair y = ρx + √(1 − ρ²) ε (x, ε standard normal in R^d), for every pair of rows: x (n, d), y (m, d) → (n, m).

    log p(y|x) = −‖y − ρx‖² / (2(1 − ρ²)) − (d/2) log(2π(1 − ρ²)) and log p(y) = −‖y‖²/2 − (d/2) log 2π.
    """
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    d = x.shape[1]
    sq = ((y[None, :, :] - rho * x[:, None, :]) ** 2).sum(-1)        # ‖y_j − ρ x_i‖²
    return -sq / (2 * (1 - rho ** 2)) + (y ** 2).sum(1)[None, :] / 2 - d / 2 * np.log(1 - rho ** 2)


def make_views(X, generator):
    """Exercise 15.views: two views of the toy data X (n, 10) — 2 content coordinates, 8 style ones —
    that keep the content and make the style useless for matching: the style coordinates of each view are
    drawn afresh (from the style's own distribution, standard deviation 3), so only the content is shared."""
    import torch
    X = torch.as_tensor(X, dtype=torch.float32)
    a, b = X.clone(), X.clone()
    a[:, 2:] = 3.0 * torch.randn(X.shape[0], X.shape[1] - 2, generator=generator)
    b[:, 2:] = 3.0 * torch.randn(X.shape[0], X.shape[1] - 2, generator=generator)
    return a, b
