"""Instructor-only: plausible wrong answers of lesson 19 (fed to the checks by the test suite)."""
import numpy as np

from ..registry import wrong


def _parts(y, sigma, bases, weights, logdet=True, shrink=True):
    y = np.asarray(y, float)
    D, s2 = y.shape[1], float(sigma) ** 2
    L, P = [], []
    for U, w in zip(bases, weights):
        c = y @ U
        lg = np.log(w) + (c ** 2).sum(1) / (2 * s2 * (1 + s2))
        if logdet:
            lg = lg - 0.5 * U.shape[1] * np.log1p(s2) - 0.5 * (D - U.shape[1]) * np.log(s2)
        L.append(lg)
        P.append(c @ U.T / ((1 + s2) if shrink else 1.0))
    return np.stack(L, 1), np.stack(P)


def _soft(L):
    L = L - L.max(1, keepdims=True)
    g = np.exp(L)
    return g / g.sum(1, keepdims=True)


# ------------------------------------------------------------------ 19.denoiser

@wrong("19.denoiser")
def _denoiser_no_logdet(y, sigma, bases, weights):
    L, P = _parts(y, sigma, bases, weights, logdet=False)
    return np.einsum("nk,knD->nD", _soft(L), P)


@wrong("19.denoiser")
def _denoiser_no_shrinkage(y, sigma, bases, weights):
    L, P = _parts(y, sigma, bases, weights, shrink=False)
    return np.einsum("nk,knD->nD", _soft(L), P)


@wrong("19.denoiser")
def _denoiser_hard_assignment(y, sigma, bases, weights):
    L, P = _parts(y, sigma, bases, weights)
    g = np.eye(L.shape[1])[L.argmax(1)]
    return np.einsum("nk,knD->nD", g, P)


@wrong("19.denoiser")
def _denoiser_no_logsumexp(y, sigma, bases, weights):
    L, P = _parts(y, sigma, bases, weights)
    with np.errstate(over="ignore", invalid="ignore"):
        g = np.exp(L)
        g = g / g.sum(1, keepdims=True)
    return np.einsum("nk,knD->nD", g, P)


# ------------------------------------------------------------------ 19.mmse

@wrong("19.mmse")
def _mmse_no_shrinkage(d, s, sigma):
    return d * sigma ** 2                       # the error of projecting onto the subspace without shrinking


@wrong("19.mmse")
def _mmse_unit_variance(d, s, sigma):
    return d * sigma ** 2 / (1 + sigma ** 2)    # forgets the signal's variance s²


@wrong("19.mmse")
def _mmse_squared_shrinkage(d, s, sigma):
    return d * s ** 2 * sigma ** 2 / (s ** 2 + sigma ** 2) ** 2 * s ** 2


# ------------------------------------------------------------------ 19.memorised

def _two(samples, train):
    S, T = np.asarray(samples, float), np.asarray(train, float)
    d = np.sqrt(np.maximum((S ** 2).sum(1)[:, None] - 2 * S @ T.T + (T ** 2).sum(1)[None], 0))
    return np.sort(d, 1)[:, :2]


@wrong("19.memorised")
def _memorised_exact_equality(samples, train):
    return _two(samples, train)[:, 0] == 0


@wrong("19.memorised")
def _memorised_absolute_threshold(samples, train):
    return _two(samples, train)[:, 0] < 0.1


@wrong("19.memorised")
def _memorised_always_closer(samples, train):
    t = _two(samples, train)
    return t[:, 0] <= t[:, 1]                    # true for every sample
