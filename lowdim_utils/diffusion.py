"""Diffusion on low-dimensional data: denoisers of a mixture of low-rank Gaussians, and samplers (lesson 19).

Read top to bottom: the data model (a mixture of ``K`` low-rank Gaussians ``N(0, U_k U_kᵀ)``, lesson 19,
Eq. (3)), its noise-smoothed log density and the closed-form optimal denoiser (the posterior mean, a
softmax-weighted sum of shrinkages onto the subspaces, Eqs. (4)–(5)), the *empirical* optimal denoiser
(the posterior mean under the training set, which memorises, Eq. (7)), the paper's subspace
parametrisation of a trainable denoiser and its training (Eqs. (8)–(9)), and the DDPM/DDIM machinery:
the linear noise schedule and the DDIM step (Eqs. (11)–(12)) driving any denoiser::

    U = random_subspaces(3, 48, 6, generator=0)                  # (K, D, d) orthonormal bases
    X, labels = sample_mixture(500, U, generator=1)
    x0_hat = optimal_denoiser(X + 0.5 * torch.randn_like(X), 0.5, U)
    abar = linear_schedule()                                   # DDPM's 1000 steps
    out = sample(lambda y, s: optimal_denoiser(y, s, U), torch.randn(200, 48), abar, steps=50)

Denoisers work in "variance-exploding" coordinates: ``denoiser(y, sigma)`` estimates ``x0`` from
``y = x0 + sigma * eps``; the sampler converts DDPM's ``x_t = √ᾱ_t x0 + √(1 − ᾱ_t) eps`` to
``y = x_t / √ᾱ_t`` with ``sigma = √((1 − ᾱ_t) / ᾱ_t)``. Inputs are tensors (any device) or arrays;
half precision is computed in float32; randomness follows :mod:`lowdim_utils.rng`.
"""
from __future__ import annotations

import math
import numbers

import torch
from torch import nn

from .progress import progress_bar
from .rng import as_generator
from .training import fit
from .validate import as_tensor, check_int, check_interval, check_positive, check_same_device

__all__ = ["random_subspaces", "sample_mixture", "mixture_log_density", "optimal_denoiser", "posterior_weights",
           "empirical_denoiser", "distance_to_subspaces", "nearest_distances", "SubspaceDenoiser",
           "subspace_clustering", "train_denoiser", "denoising_mse", "linear_schedule", "ddim_timesteps", "ddim_step", "sample"]


def _work(t):
    return t.float() if t.dtype in (torch.float16, torch.bfloat16) else t


# ------------------------------------------------------------------ the data model

def _bases(bases, name="bases"):
    """``bases``: a ``(K, D, d)`` tensor or a list of ``(D, d_k)`` matrices → ``(K, D, d_max)`` (zero-padded
    columns, which change neither ``U_kᵀy`` nor ``U_kU_kᵀ``) and the dimensions ``(K,)``."""
    if isinstance(bases, (list, tuple)):
        if not bases:
            raise ValueError(f"{name} must hold at least one basis, got an empty list.")
        mats = [as_tensor(b, f"{name}[{i}]", ndim=2) for i, b in enumerate(bases)]
        D = mats[0].shape[0]
        for i, m in enumerate(mats):
            if m.shape[0] != D:
                raise ValueError(f"{name}[{i}] must have {D} rows like {name}[0], got shape {tuple(m.shape)}.")
            if m.shape[1] > D:
                raise ValueError(f"{name}[{i}] must have at most D = {D} columns, got shape {tuple(m.shape)}.")
        check_same_device(**{f"{name}[{i}]": m for i, m in enumerate(mats)})
        dt = mats[0].dtype
        for m in mats[1:]:
            dt = torch.promote_types(dt, m.dtype)
        dmax = max(m.shape[1] for m in mats)
        U = torch.zeros(len(mats), D, dmax, dtype=dt, device=mats[0].device)
        for i, m in enumerate(mats):
            U[i, :, :m.shape[1]] = m.to(dt)
        dims = torch.tensor([m.shape[1] for m in mats], dtype=dt, device=U.device)
        return _work(U), _work(dims)
    U = as_tensor(bases, name, ndim=3)
    if U.shape[2] > U.shape[1]:
        raise ValueError(f"{name} must have shape (K, D, d) with d <= D, got shape {tuple(U.shape)}.")
    U = _work(U)
    return U, torch.full((U.shape[0],), float(U.shape[2]), dtype=U.dtype, device=U.device)


def _weights(weights, K, like):
    if weights is None:
        return torch.full((K,), 1.0 / K, dtype=like.dtype, device=like.device)
    w = as_tensor(weights, "weights", ndim=1, dtype=like.dtype, device=like.device)
    if w.shape[0] != K:
        raise ValueError(f"weights must have one entry per component ({K}), got shape {tuple(w.shape)}.")
    if (w < 0).any() or abs(float(w.sum()) - 1.0) > 1e-5:
        raise ValueError(f"weights must be non-negative and sum to 1, got sum {float(w.sum()):.6g}.")
    return w


def _sigma(sigma, n, like, name="sigma"):
    """A positive number or one positive value per row → ``(n, 1)``."""
    if isinstance(sigma, numbers.Real) and not isinstance(sigma, bool):
        return torch.full((n, 1), check_positive(sigma, name), dtype=like.dtype, device=like.device)
    s = as_tensor(sigma, name, dtype=like.dtype, device=like.device)
    s = s.reshape(-1, 1) if s.dim() <= 1 else s
    if s.shape not in ((1, 1), (n, 1)) or bool((s <= 0).any()):
        raise ValueError(f"{name} must be a positive number or {n} positive values (one per row of y), got "
                         f"shape {tuple(s.shape)}.")
    return s.expand(n, 1)


def _points(y, U, name="y"):
    y = _work(as_tensor(y, name, ndim=2)).to(U.dtype)
    check_same_device(**{name: y, "bases": U})
    if y.shape[1] != U.shape[1]:
        raise ValueError(f"{name} must have D = {U.shape[1]} columns (the bases' rows), got shape {tuple(y.shape)}.")
    return y


def random_subspaces(K: int, D: int, d: int, *, generator=None, dtype=torch.float32) -> torch.Tensor:
    """``K`` random ``d``-dimensional subspaces of ``R^D``: orthonormal bases ``(K, D, d)`` (QR of Gaussian
    matrices, so the subspaces are uniformly distributed)."""
    K, D = check_int(K, "K", low=1), check_int(D, "D", low=1)
    d = check_int(d, "d", low=1, high=D)
    gen = as_generator(generator)
    G = torch.randn(K, D, d, generator=gen, dtype=torch.float64, device=gen.device)
    Q, R = torch.linalg.qr(G)
    Q = Q * torch.sign(torch.diagonal(R, dim1=1, dim2=2))[:, None, :]     # a unique (Haar) choice
    return Q.to(dtype)


def sample_mixture(n: int, bases, weights=None, *, generator=None) -> tuple[torch.Tensor, torch.Tensor]:
    """``n`` samples ``x = U_k a``, ``a ~ N(0, I_{d_k})``, ``k ~ weights`` (lesson 19, Eq. (3)): ``(n, D)`` and
    the component labels ``(n,)``, on the bases' device."""
    n = check_int(n, "n", low=1)
    U, dims = _bases(bases)
    w = _weights(weights, U.shape[0], U)
    gen = as_generator(generator)
    labels = torch.multinomial(w.double().to(gen.device), n, replacement=True, generator=gen)
    a = torch.randn(n, U.shape[2], generator=gen, dtype=U.dtype, device=gen.device)
    labels, a = labels.to(U.device), a.to(U.device)
    a = a * (torch.arange(U.shape[2], device=U.device)[None, :] < dims[labels][:, None])   # padded columns: 0
    return torch.einsum("nDd,nd->nD", U[labels], a), labels


# ------------------------------------------------------------------ the optimal denoiser

def _coefs(y, U):
    """``U_kᵀy`` for every row and component, ``(n, K, d)``: one matrix product with the stacked bases."""
    K, D, d = U.shape
    return (y @ U.permute(1, 0, 2).reshape(D, K * d)).reshape(-1, K, d)


def _logits(y, s2, U, dims, w):
    """``log(π_k N(y; 0, U_kU_kᵀ + σ²I))`` for every row and component, ``(n, K)`` (lesson 19, Eq. (4))."""
    return _logits_from(y, _coefs(y, U), s2, dims, w)


def _logits_from(y, coef, s2, dims, w):
    D = y.shape[1]
    proj = coef.pow(2).sum(-1)                                                 # ‖U_kᵀy‖², (n, K)
    quad = (y * y).sum(1, keepdim=True) / s2 - proj / (s2 * (1 + s2))         # yᵀΣ_k⁻¹y
    logdet = dims[None] * torch.log1p(s2) + (D - dims[None]) * torch.log(s2)
    return torch.log(w)[None] - 0.5 * quad - 0.5 * logdet - 0.5 * D * math.log(2 * math.pi)


def mixture_log_density(y, sigma, bases, weights=None) -> torch.Tensor:
    """``log p_σ(y)``, the mixture (lesson 19, Eq. (3)) smoothed by ``N(0, σ²I)``: ``(n,)``. Differentiable in
    ``y`` (its gradient is the score of Tweedie's formula, Eq. (2))."""
    U, dims = _bases(bases)
    y = _points(y, U)
    s2 = _sigma(sigma, y.shape[0], y) ** 2
    return torch.logsumexp(_logits(y, s2, U, dims, _weights(weights, U.shape[0], U)), dim=1)


def posterior_weights(y, sigma, bases, weights=None) -> torch.Tensor:
    """``p(k | y)`` for every row of ``y: (n, D)`` and component: ``(n, K)``, a softmax (lesson 19, Eq. (4))."""
    U, dims = _bases(bases)
    y = _points(y, U)
    s2 = _sigma(sigma, y.shape[0], y) ** 2
    return torch.softmax(_logits(y, s2, U, dims, _weights(weights, U.shape[0], U)), dim=1)


def _optimal(y, s2, U, dims, w):
    K, D, d = U.shape
    coef = _coefs(y, U)                                                        # U_kᵀy, (n, K, d)
    g = torch.softmax(_logits_from(y, coef, s2, dims, w), dim=1)               # (n, K)
    flat = U.permute(0, 2, 1).reshape(K * d, D)                                # the stacked U_kᵀ
    return ((g[:, :, None] * coef).reshape(-1, K * d) @ flat) / (1 + s2)


def optimal_denoiser(y, sigma, bases, weights=None) -> torch.Tensor:
    """The posterior mean ``E[x0 | x0 + σε = y]`` of the mixture of low-rank Gaussians: ``(n, D)``.

    ``y: (n, D)``; ``sigma``: a number or one per row; ``bases``: ``(K, D, d)`` or a list of ``(D, d_k)``
    orthonormal bases; ``weights: (K,)`` (default uniform). Returns ``Σ_k p(k|y) U_kU_kᵀy / (1 + σ²)``
    (lesson 19, Eq. (5)), the weights computed in the log domain. Cost ``O(n K D d)``.
    """
    U, dims = _bases(bases)
    y = _points(y, U)
    s2 = _sigma(sigma, y.shape[0], y) ** 2
    return _optimal(y, s2, U, dims, _weights(weights, U.shape[0], U))


def empirical_denoiser(y, sigma, X_train, *, chunk_size: int = 4096) -> torch.Tensor:
    """The posterior mean under the *empirical* distribution of ``X_train: (N, D)`` (lesson 19, Eq. (7)):
    ``Σ_i softmax_i(−‖y − x_i‖² / 2σ²) x_i``, ``(n, D)``. It minimises the denoising loss on the training
    set over all functions, and its samples are copies of training points. Cost ``O(n N D)``."""
    X = _work(as_tensor(X_train, "X_train", ndim=2))
    y = _work(as_tensor(y, "y", ndim=2)).to(X.dtype)
    check_same_device(y=y, X_train=X)
    if y.shape[1] != X.shape[1]:
        raise ValueError(f"y must have {X.shape[1]} columns like X_train, got shape {tuple(y.shape)}.")
    chunk_size = check_int(chunk_size, "chunk_size", low=1)
    s2 = _sigma(sigma, y.shape[0], y) ** 2
    xx = (X * X).sum(1)
    out = []
    for i in range(0, y.shape[0], chunk_size):
        yb = y[i:i + chunk_size]
        d2 = (yb * yb).sum(1, keepdim=True) - 2 * yb @ X.T + xx[None]         # ‖y − x_i‖², (b, N)
        out.append(torch.softmax(-d2 / (2 * s2[i:i + chunk_size]), dim=1) @ X)
    return torch.cat(out)


def distance_to_subspaces(X, bases) -> torch.Tensor:
    """``min_k ‖x − U_kU_kᵀx‖`` for every row of ``X: (n, D)``: its distance to the union of subspaces, ``(n,)``."""
    U, _ = _bases(bases)
    X = _points(X, U, "X")
    coef = torch.einsum("nD,KDd->nKd", X, U)                                   # U_kᵀx
    resid = X[:, None, :] - torch.einsum("KDd,nKd->nKD", U, coef)              # x − U_kU_kᵀx (no cancellation)
    return resid.norm(dim=2).min(dim=1).values


def nearest_distances(X, X_train, k: int = 2) -> torch.Tensor:
    """Distances of every row of ``X: (n, D)`` to its ``k`` nearest rows of ``X_train: (N, D)``, ascending: ``(n, k)``."""
    X_train = _work(as_tensor(X_train, "X_train", ndim=2))
    X = _work(as_tensor(X, "X", ndim=2)).to(X_train.dtype)
    check_same_device(X=X, X_train=X_train)
    if X.shape[1] != X_train.shape[1]:
        raise ValueError(f"X must have {X_train.shape[1]} columns like X_train, got shape {tuple(X.shape)}.")
    k = check_int(k, "k", low=1, high=X_train.shape[0])
    return torch.cdist(X, X_train).topk(k, dim=1, largest=False).values


# ------------------------------------------------------------------ a trainable denoiser

class SubspaceDenoiser(nn.Module):
    """The subspace parametrisation of a denoiser (lesson 19, Eq. (9)): Eq. (5) with learnable bases.

    ``V: (K, D, d)`` is unconstrained; the bases are its QR factors ``U_k`` (orthonormal columns, differentiable),
    with equal weights. ``forward(y, sigma)``: ``y: (n, D)``, ``sigma`` a number or ``(n,)`` → ``(n, D)``.
    """

    def __init__(self, K: int, D: int, d: int, *, generator=None, dtype=torch.float32):
        super().__init__()
        self.K, self.D, self.d = check_int(K, "K", low=1), check_int(D, "D", low=1), check_int(d, "d", low=1, high=D)
        self.V = nn.Parameter(random_subspaces(K, D, d, generator=generator, dtype=dtype))

    @classmethod
    def from_bases(cls, bases) -> "SubspaceDenoiser":
        """A denoiser whose bases are ``bases: (K, D, d)`` (e.g. from :func:`subspace_clustering`)."""
        U = _work(as_tensor(bases, "bases", ndim=3))
        m = cls(U.shape[0], U.shape[1], U.shape[2], generator=0, dtype=U.dtype)
        with torch.no_grad():
            m.V.copy_(U)
        return m.to(U.device)

    def bases(self) -> torch.Tensor:
        """The current orthonormal bases ``(K, D, d)``."""
        return torch.linalg.qr(self.V).Q

    def forward(self, y, sigma):
        U = self.bases()
        y = _points(y, U)
        s2 = _sigma(sigma, y.shape[0], y) ** 2
        dims = torch.full((self.K,), float(self.d), dtype=U.dtype, device=U.device)
        return _optimal(y, s2, U, dims, torch.full((self.K,), 1.0 / self.K, dtype=U.dtype, device=U.device))


def _seeded_subspaces(X, K, d, gen):
    """Starting bases: the span of a seed row and its ``d − 1`` most parallel rows (largest ``|cos|``), the first
    seed at random, each next one the row least captured by the subspaces so far (k-means++ in spirit)."""
    Xn = X / X.norm(dim=1, keepdim=True).clamp_min(1e-12)
    cos = (Xn @ Xn.T).abs()
    U = torch.zeros(K, X.shape[1], d, dtype=X.dtype, device=X.device)
    seed = int(torch.randint(0, X.shape[0], (1,), generator=gen, device=gen.device))
    for k in range(K):
        near = cos[seed].topk(min(d, X.shape[0])).indices
        Uk, _, _ = torch.linalg.svd(X[near].T, full_matrices=True)
        U[k] = Uk[:, :d]
        captured = torch.einsum("nD,KDd->nKd", Xn, U[:k + 1]).pow(2).sum(-1).max(1).values
        p = (1 - captured).clamp_min(0) + 1e-12
        seed = int(torch.multinomial(p.double().to(gen.device), 1, generator=gen))
    return U


def subspace_clustering(X, K: int, d: int, *, n_init: int = 10, n_iter: int = 30, generator=None):
    """K-subspaces: maximise ``Σ_i ‖U_{k(i)}ᵀx_i‖²`` over assignments and orthonormal ``U_k: (D, d)`` — the
    training loss (lesson 19, Eq. (8)) of the parametrisation Eq. (9) with hard assignments (Eq. (10)).

    Alternates "assign each row to the subspace capturing most of its energy" and "each ``U_k`` = the top-``d``
    left singular vectors of its rows" (lesson 01's Eckart–Young), from ``n_init`` random starts, keeping the
    best. ``X: (N, D)``. Returns ``(bases (K, D, d), labels (N,), objective)`` with ``objective`` the captured
    energy fraction ``Σ_i ‖U_{k(i)}ᵀx_i‖² / Σ_i ‖x_i‖²``. A cluster with fewer than ``d`` rows gets arbitrary
    extra directions (its rows do not determine them): the source of the sample-size threshold.
    """
    X = _work(as_tensor(X, "X", ndim=2))
    K = check_int(K, "K", low=1, high=X.shape[0])
    d = check_int(d, "d", low=1, high=X.shape[1])
    n_init, n_iter = check_int(n_init, "n_init", low=1), check_int(n_iter, "n_iter", low=1)
    gen = as_generator(generator)
    total = float((X * X).sum())
    best = None
    for _ in range(n_init):
        U = _seeded_subspaces(X, K, d, gen)
        labels = None
        for _ in range(n_iter):
            energy = torch.einsum("nD,KDd->nKd", X, U).pow(2).sum(-1)            # (N, K)
            new = energy.argmax(1)
            if labels is not None and torch.equal(new, labels):
                break
            labels = new
            for k in range(K):
                rows = X[labels == k]
                if rows.shape[0] == 0:
                    continue
                Uk, _, _ = torch.linalg.svd(rows.T, full_matrices=True)
                U[k] = Uk[:, :d]
        energy = torch.einsum("nD,KDd->nKd", X, U).pow(2).sum(-1)
        obj = float(energy.max(1).values.sum()) / total
        if best is None or obj > best[2]:
            best = (U.clone(), energy.argmax(1), obj)
    return best


def _log_uniform(n, lo, hi, gen, like):
    u = torch.rand(n, 1, generator=gen, dtype=like.dtype, device=gen.device).to(like.device)
    return torch.exp(math.log(lo) + u * (math.log(hi) - math.log(lo)))


def train_denoiser(model: nn.Module, X, *, steps: int = 500, batch_size: int = 256, lr: float = 1e-2,
                   sigma_min: float = 0.05, sigma_max: float = 5.0, generator=None, progress: bool = False) -> dict:
    """Minimise the denoising loss (lesson 19, Eq. (8)) of ``model(y, sigma)`` on the training set ``X: (N, D)``.

    Each step draws ``batch_size`` rows (with replacement), a noise level per row, log-uniform in
    ``[sigma_min, sigma_max]``, and the noise; the loss is ``mean ‖model(x0 + σε, σ) − x0‖² / σ²`` (the
    ε-prediction weighting of DDPM). Built on :func:`lowdim_utils.training.fit` (Adam). Returns its history.
    """
    X = _work(as_tensor(X, "X", ndim=2))
    steps, batch_size = check_int(steps, "steps", low=1), check_int(batch_size, "batch_size", low=1)
    sigma_min = check_positive(sigma_min, "sigma_min")
    sigma_max = check_interval(sigma_max, "sigma_max", sigma_min, None)
    gen = as_generator(generator)

    def loss(m, x0):
        s = _log_uniform(x0.shape[0], sigma_min, sigma_max, gen, x0)
        eps = torch.randn(x0.shape, generator=gen, dtype=x0.dtype, device=gen.device).to(x0.device)
        return (((m(x0 + s * eps, s[:, 0]) - x0) ** 2).sum(1) / s[:, 0] ** 2).mean()

    if X.shape[0] < batch_size:                 # a tiny training set: repeat it (same sampling distribution)
        X = X.repeat(math.ceil(batch_size / X.shape[0]), 1)
    return fit(model, loss, X, steps=steps, batch_size=batch_size, sampling="replacement", lr=lr, generator=gen,
               progress=progress, desc="training the denoiser")


@torch.no_grad()
def denoising_mse(denoiser, X, sigma, *, generator=None) -> float:
    """``mean ‖denoiser(x0 + σε, σ) − x0‖²`` over the rows of ``X: (n, D)`` (one noise draw each): the
    quantity the optimal denoiser (lesson 19, Eq. (5)) minimises."""
    if not callable(denoiser):
        raise TypeError(f"denoiser must be a function denoiser(y, sigma), got {type(denoiser).__name__}.")
    X = _work(as_tensor(X, "X", ndim=2))
    sigma = check_positive(sigma, "sigma")
    gen = as_generator(generator)
    eps = torch.randn(X.shape, generator=gen, dtype=X.dtype, device=gen.device).to(X.device)
    return float(((denoiser(X + sigma * eps, sigma) - X) ** 2).sum(1).mean())


# ------------------------------------------------------------------ DDPM / DDIM

def linear_schedule(T: int = 1000, beta_start: float = 1e-4, beta_end: float = 0.02) -> torch.Tensor:
    """DDPM's linear schedule: ``β_t`` evenly from ``beta_start`` to ``beta_end`` and ``ᾱ_t = Π_{s≤t}(1 − β_s)``
    (lesson 19, Eq. (11)), ``(T,)`` float64 (index 0 is the first noising step)."""
    T = check_int(T, "T", low=2)
    beta_start = check_interval(beta_start, "beta_start", 0.0, 1.0, closed="neither")
    beta_end = check_interval(beta_end, "beta_end", beta_start, 1.0, closed="right")
    betas = torch.linspace(beta_start, beta_end, T, dtype=torch.float64)
    return torch.cumprod(1 - betas, dim=0)


def ddim_timesteps(T: int, steps: int) -> torch.Tensor:
    """The ``steps`` timesteps ``(steps−1)·c, …, c, 0`` with ``c = T // steps`` (the "leading" spacing of
    DDIM and of diffusers' schedulers), descending, int64."""
    T = check_int(T, "T", low=2)
    steps = check_int(steps, "steps", low=1, high=T)
    return torch.arange(steps - 1, -1, -1, dtype=torch.int64) * (T // steps)


def ddim_step(x_t, x0_hat, abar_t: float, abar_prev: float, *, eta: float = 0.0, noise=None) -> torch.Tensor:
    """One DDIM update from ``x_t`` (with ``ᾱ_t``) to ``x_prev`` (with ``ᾱ_prev``) given the denoised
    estimate ``x0_hat`` (lesson 19, Eq. (12)): ``(n, D)``. ``eta = 0``: deterministic DDIM; ``eta = 1`` with
    consecutive steps: DDPM's ancestral step (``noise``, standard normal of ``x_t``'s shape, is then needed)."""
    x_t = _work(as_tensor(x_t, "x_t", ndim=2))
    x0_hat = _work(as_tensor(x0_hat, "x0_hat", ndim=2)).to(x_t.dtype)
    if x0_hat.shape != x_t.shape:
        raise ValueError(f"x0_hat must have the shape of x_t {tuple(x_t.shape)}, got {tuple(x0_hat.shape)}.")
    check_same_device(x_t=x_t, x0_hat=x0_hat)
    abar_t = check_interval(abar_t, "abar_t", 0.0, 1.0, closed="right")
    abar_prev = check_interval(abar_prev, "abar_prev", abar_t, 1.0)
    eta = check_positive(eta, "eta", allow_zero=True)
    return _ddim_step(x_t, x0_hat, abar_t, abar_prev, eta, noise)


def _ddim_step(x_t, x0_hat, a_t, a_prev, eta, noise):
    eps = (x_t - math.sqrt(a_t) * x0_hat) / math.sqrt(1 - a_t)
    var = 0.0 if a_t >= 1 else eta ** 2 * (1 - a_prev) / (1 - a_t) * (1 - a_t / a_prev)
    out = math.sqrt(a_prev) * x0_hat + math.sqrt(max(1 - a_prev - var, 0.0)) * eps
    if var > 0:
        if noise is None:
            raise ValueError("noise must be given when eta > 0 (a standard normal tensor of x_t's shape).")
        noise = as_tensor(noise, "noise", ndim=2).to(out.dtype)
        if noise.shape != out.shape:
            raise ValueError(f"noise must have the shape of x_t {tuple(out.shape)}, got {tuple(noise.shape)}.")
        out = out + math.sqrt(var) * noise.to(out.device)
    return out


@torch.no_grad()
def sample(denoiser, x_T, alphas_cumprod, *, steps: int = 50, eta: float = 0.0, generator=None,
           progress: bool = False) -> torch.Tensor:
    """Run DDIM (``eta = 0``) or DDPM-like (``eta = 1``) sampling from ``x_T: (n, D)`` (standard normal) to
    ``x_0``: ``(n, D)``. At each timestep ``t`` (from :func:`ddim_timesteps`) the denoiser estimates
    ``x0 = denoiser(x_t / √ᾱ_t, √((1 − ᾱ_t)/ᾱ_t))`` and :func:`ddim_step` moves to the next timestep
    (``ᾱ = 1`` after the last, so the output is the last denoised estimate). Cost: ``steps`` denoiser calls."""
    if not callable(denoiser):
        raise TypeError(f"denoiser must be a function denoiser(y, sigma), got {type(denoiser).__name__}.")
    x = _work(as_tensor(x_T, "x_T", ndim=2))
    abar = as_tensor(alphas_cumprod, "alphas_cumprod", ndim=1, dtype=torch.float64).cpu()
    if bool((abar <= 0).any()) or bool((abar > 1).any()) or bool((abar[1:] > abar[:-1]).any()):
        raise ValueError("alphas_cumprod must be decreasing values in (0, 1] (ᾱ_t of a noise schedule).")
    steps = check_int(steps, "steps", low=1, high=abar.shape[0])
    eta = check_positive(eta, "eta", allow_zero=True)
    gen = as_generator(generator)
    ts = ddim_timesteps(abar.shape[0], steps).tolist()
    for i in progress_bar(range(len(ts)), desc="sampling", disable=not progress):
        a_t = float(abar[ts[i]])
        a_prev = float(abar[ts[i + 1]]) if i + 1 < len(ts) else 1.0
        x0 = denoiser(x / math.sqrt(a_t), math.sqrt((1 - a_t) / a_t))
        noise = (torch.randn(x.shape, generator=gen, dtype=x.dtype, device=gen.device).to(x.device)
                 if eta > 0 and a_prev < 1 else None)
        x = _ddim_step(x, x0.to(x.dtype), a_t, a_prev, eta, noise)
    return x
