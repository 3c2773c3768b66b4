"""Instructor-only: plausible wrong answers of lesson 15 (fed to the checks by the test suite)."""
import numpy as np

from ..registry import wrong


def _logits(z1, z2, tau, normalise=True):
    z = np.concatenate([np.asarray(z1, float), np.asarray(z2, float)])
    if normalise:
        z = z / np.linalg.norm(z, axis=1, keepdims=True)
    return z @ z.T / tau, z.shape[0] // 2


# ------------------------------------------------------------------ 15.ntxent

@wrong("15.ntxent")
def _ntxent_unnormalised(z1, z2, tau):
    s, b = _logits(z1, z2, tau, normalise=False)
    n = 2 * b
    np.fill_diagonal(s, -np.inf)
    m = s.max(1, keepdims=True)
    return float(np.mean(m[:, 0] + np.log(np.exp(s - m).sum(1)) - s[np.arange(n), (np.arange(n) + b) % n]))


@wrong("15.ntxent")
def _ntxent_keeps_self(z1, z2, tau):
    s, b = _logits(z1, z2, tau)
    n = 2 * b
    m = s.max(1, keepdims=True)
    return float(np.mean(m[:, 0] + np.log(np.exp(s - m).sum(1)) - s[np.arange(n), (np.arange(n) + b) % n]))


@wrong("15.ntxent")
def _ntxent_one_direction(z1, z2, tau):
    s, b = _logits(z1, z2, tau)
    n = 2 * b
    np.fill_diagonal(s, -np.inf)
    m = s.max(1, keepdims=True)
    per = m[:, 0] + np.log(np.exp(s - m).sum(1)) - s[np.arange(n), (np.arange(n) + b) % n]
    return float(np.mean(per[:b]))          # the anchors of view 1 only


@wrong("15.ntxent")
def _ntxent_no_logsumexp(z1, z2, tau):
    s, b = _logits(z1, z2, tau)
    n = 2 * b
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        e = np.exp(s)
        np.fill_diagonal(e, 0.0)
        return float(np.mean(-np.log(e[np.arange(n), (np.arange(n) + b) % n] / e.sum(1))))


# ------------------------------------------------------------------ 15.critic

@wrong("15.critic")
def _critic_no_marginal(x, y, rho):
    sq = ((y[None] - rho * x[:, None]) ** 2).sum(-1)
    return -sq / (2 * (1 - rho ** 2))                      # log p(y|x) only


@wrong("15.critic")
def _critic_unit_variance(x, y, rho):
    sq = ((y[None] - rho * x[:, None]) ** 2).sum(-1)
    return -sq / 2 + (y ** 2).sum(1)[None] / 2             # forgot the conditional variance 1 − ρ²


@wrong("15.critic")
def _critic_dot_product(x, y, rho):
    return np.asarray(x, float) @ np.asarray(y, float).T   # a plausible but suboptimal critic


# ------------------------------------------------------------------ 15.views

@wrong("15.views")
def _views_identical(X, generator):
    return X.clone(), X.clone()


@wrong("15.views")
def _views_isotropic_noise(X, generator):
    import torch
    return X + torch.randn(X.shape, generator=generator), X + torch.randn(X.shape, generator=generator)


@wrong("15.views")
def _views_shuffle_content(X, generator):
    import torch
    a, b = X.clone(), X.clone()
    b[:, :2] = X[torch.randperm(X.shape[0], generator=generator), :2]
    return a, b
