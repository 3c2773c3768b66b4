"""Instructor-only: plausible wrong answers of lesson 08 (fed to the checks by the test suite)."""
import numpy as np
import torch

from ..registry import wrong


# ----------------------------------------------------------------------------- 08.kl

@wrong("08.kl")
def _kl_no_half(mu, logvar):
    return np.sum(mu ** 2 + np.exp(logvar) - 1.0 - logvar, axis=1)


@wrong("08.kl")
def _kl_std_not_var(mu, logvar):
    return 0.5 * np.sum(mu ** 2 + np.exp(0.5 * logvar) - 1.0 - logvar, axis=1)


@wrong("08.kl")
def _kl_mean_over_dims(mu, logvar):
    return 0.5 * np.mean(mu ** 2 + np.exp(logvar) - 1.0 - logvar, axis=1)


@wrong("08.kl")
def _kl_wrong_direction(mu, logvar):  # KL(N(0, I) ‖ q) instead of KL(q ‖ N(0, I))
    var = np.exp(logvar)
    return 0.5 * np.sum((1.0 + mu ** 2) / var - 1.0 + logvar, axis=1)


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
