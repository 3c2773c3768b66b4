"""Instructor-only: plausible wrong answers of lesson 08 (fed to the checks by the test suite)."""
import numpy as np
import torch

from ..registry import wrong


# ----------------------------------------------------------------------------- 08.kl

@wrong("08.kl")
def _kl_no_half(mu_q, logvar_q, mu_p, logvar_p):
    return np.sum(np.exp(logvar_q - logvar_p) + (mu_q - mu_p) ** 2 / np.exp(logvar_p) - 1.0 - logvar_q + logvar_p,
                  axis=1)


@wrong("08.kl")
def _kl_std_not_var(mu_q, logvar_q, mu_p, logvar_p):
    return 0.5 * np.sum(np.exp(0.5 * (logvar_q - logvar_p)) + (mu_q - mu_p) ** 2 / np.exp(0.5 * logvar_p) - 1.0
                        - logvar_q + logvar_p, axis=1)


@wrong("08.kl")
def _kl_mean_over_dims(mu_q, logvar_q, mu_p, logvar_p):
    return 0.5 * np.mean(np.exp(logvar_q - logvar_p) + (mu_q - mu_p) ** 2 / np.exp(logvar_p) - 1.0
                         - logvar_q + logvar_p, axis=1)


@wrong("08.kl")
def _kl_wrong_direction(mu_q, logvar_q, mu_p, logvar_p):  # KL(p ‖ q)
    return 0.5 * np.sum(np.exp(logvar_p - logvar_q) + (mu_q - mu_p) ** 2 / np.exp(logvar_q) - 1.0
                        - logvar_p + logvar_q, axis=1)


@wrong("08.kl")
def _kl_prior_only(mu_q, logvar_q, mu_p, logvar_p):  # Eq. (10), whatever p is
    return 0.5 * np.sum(mu_q ** 2 + np.exp(logvar_q) - 1.0 - logvar_q, axis=1)


@wrong("08.kl")
def _kl_mean_not_scaled(mu_q, logvar_q, mu_p, logvar_p):  # forgets to divide the mean difference by s_p²
    return 0.5 * np.sum(np.exp(logvar_q - logvar_p) + (mu_q - mu_p) ** 2 - 1.0 - logvar_q + logvar_p, axis=1)


# ----------------------------------------------------------------------------- 08.gmm_score

def _sq(x, means):
    return ((x[:, None, :] - means[None, :, :]) ** 2).sum(-1)


@wrong("08.gmm_score")
def _score_naive_exp(x, means, sigma, weights):  # underflows far away: 0/0 = NaN
    with np.errstate(all="ignore"):
        p = weights * np.exp(-_sq(x, means) / (2 * sigma ** 2))
        g = p / p.sum(1, keepdims=True)
    return (g[:, :, None] * (means[None] - x[:, None])).sum(1) / sigma ** 2


@wrong("08.gmm_score")
def _score_prior_weights(x, means, sigma, weights):
    return (weights[None, :, None] * (means[None] - x[:, None])).sum(1) / sigma ** 2


@wrong("08.gmm_score")
def _score_sign_flipped(x, means, sigma, weights):
    a = np.log(weights) - _sq(x, means) / (2 * sigma ** 2)
    g = np.exp(a - a.max(1, keepdims=True))
    g /= g.sum(1, keepdims=True)
    return (g[:, :, None] * (x[:, None] - means[None])).sum(1) / sigma ** 2


@wrong("08.gmm_score")
def _score_forgot_weights(x, means, sigma, weights):
    a = -_sq(x, means) / (2 * sigma ** 2)
    g = np.exp(a - a.max(1, keepdims=True))
    g /= g.sum(1, keepdims=True)
    return (g[:, :, None] * (means[None] - x[:, None])).sum(1) / sigma ** 2


# ----------------------------------------------------------------------------- 08.reparam

@wrong("08.reparam")
def _reparam_var_not_std(mu, logvar, eps):
    return mu + torch.exp(logvar) * eps


@wrong("08.reparam")
def _reparam_resamples(mu, logvar, eps):  # ignores eps and cuts the gradient path
    return torch.normal(mu.detach(), torch.exp(0.5 * logvar.detach()))


@wrong("08.reparam")
def _reparam_logvar_as_std(mu, logvar, eps):
    return mu + logvar * eps


@wrong("08.reparam")
def _reparam_detached(mu, logvar, eps):  # right values, but no gradient reaches the encoder
    return (mu + torch.exp(0.5 * logvar) * eps).detach()


# ----------------------------------------------------------------------------- 08.tilt

def _spectrum_data(variances, n=500, seed=0):
    rng = np.random.default_rng(seed)
    Z = rng.standard_normal((n, len(variances)))
    Q, _ = np.linalg.qr(Z - Z.mean(axis=0))
    return Q * np.sqrt(n * np.asarray(variances))


def _tilted(angle_deg):
    c, s = np.cos(np.radians(angle_deg)), np.sin(np.radians(angle_deg))
    return np.array([[1.0, 0.0], [0.0, c], [0.0, s]])


@wrong("08.tilt")
def _tilt_pca_basis():  # the right subspace: no deception
    return _spectrum_data([10.0, 1.0, 0.99]), np.eye(3)[:, :2]


@wrong("08.tilt")
def _tilt_large_gap():  # a 45° tilt with a large eigengap costs far more than 1 %
    return _spectrum_data([10.0, 5.0, 1.0]), _tilted(45)


@wrong("08.tilt")
def _tilt_tied_variances():  # σ₂ = σ₃: PCA's subspace is not defined
    return _spectrum_data([10.0, 1.0, 1.0]), _tilted(45)


@wrong("08.tilt")
def _tilt_rank_one():
    return _spectrum_data([10.0, 1.0, 0.99]), np.array([[1.0, 2.0], [0.0, 0.0], [1.0, 2.0]])


@wrong("08.tilt")
def _tilt_transposed():  # W given as (2, d)
    return _spectrum_data([10.0, 1.0, 0.99]), _tilted(45).T


@wrong("08.tilt")
def _tilt_too_small():  # cheap, but only 20°
    return _spectrum_data([10.0, 1.0, 0.99]), _tilted(20)
