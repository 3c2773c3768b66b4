"""Autoencoders: linear, denoising and variational (lesson 08).

Three models share one training loop, :func:`train_autoencoder`:

* :class:`LinearAutoencoder` — ``x ↦ W_d (W_e x + b_e) + b_d``; its global minima span the
  principal subspace (Baldi & Hornik 1989; lesson 08, Thm. 1), so its decoder can be
  compared with :func:`lowdim_utils.linear.pca` through
  :func:`lowdim_utils.linear.subspace_angles`.
* :class:`DenoisingAE` — an MLP ``r`` trained to undo Gaussian noise of level ``sigma``; the
  optimal ``r`` is ``E[x₀ | x]`` and ``r(x) − x = σ² ∇log p_σ(x)`` (Tweedie / Alain & Bengio
  2014; lesson 08, Eq. (6)), which :func:`gmm_score` gives in closed form for an isotropic
  Gaussian mixture.
* :class:`VAE` — Gaussian encoder, Bernoulli or Gaussian decoder, reparameterised samples
  (Kingma & Welling 2014); :meth:`VAE.elbo_terms` returns the reconstruction and KL terms
  of the ELBO (lesson 08, Eq. (9)) separately, the KL from :func:`gaussian_kl` (Eq. (10)).
  :func:`iwae_bound` is the importance-weighted bound of Burda, Grosse & Salakhutdinov (2016;
  lesson 08, Eq. (12)), which closes the gap between the ELBO and ``log p(x)`` as its number of
  samples grows; :func:`linear_gaussian_log_likelihood` is ``log p(x)`` in closed form for a
  linear decoder with Gaussian noise (probabilistic PCA; lesson 08, Eq. (13)), the case where
  that gap can be measured exactly.

Every model has a ``loss(x, generator=None)`` method returning a dict of scalars whose
``"loss"`` entry is minimised; the other entries are logged per epoch. Inputs are
``X: (n, d)`` tensors or arrays; models run on whatever device their parameters are on.
"""
from __future__ import annotations

import math
import numbers

import torch
from torch import nn
from torch.nn import functional as F

from .rng import as_generator
from .training import fit
from .validate import as_matrix, as_tensor, check_bool, check_choice, check_int, check_positive, check_same_device

__all__ = ["mlp", "LinearAutoencoder", "DenoisingAE", "VAE", "train_autoencoder", "gaussian_kl",
           "log_importance_weights", "iwae_bound",
           "linear_gaussian_log_likelihood", "gmm_log_density", "gmm_score", "gmm_sample", "reconstruction_error"]

_ACTIVATIONS = {"relu": nn.ReLU, "silu": nn.SiLU, "tanh": nn.Tanh, "gelu": nn.GELU, "elu": nn.ELU}


def _check_hidden(hidden, name="hidden"):
    if isinstance(hidden, numbers.Integral) and not isinstance(hidden, bool):
        hidden = (hidden,)
    if not isinstance(hidden, (tuple, list)):
        raise TypeError(f"{name} must be a tuple of layer widths such as (64, 64), got {hidden!r}.")
    return tuple(check_int(h, f"{name}[{i}]", low=1) for i, h in enumerate(hidden))


def mlp(sizes, activation: str = "relu") -> nn.Sequential:
    """A multilayer perceptron ``sizes[0] → … → sizes[-1]`` with ``activation`` between layers
    (none after the last one)."""
    sizes = _check_hidden(sizes, "sizes")
    if len(sizes) < 2:
        raise ValueError(f"sizes must list at least an input and an output width, got {sizes}.")
    check_choice(activation, "activation", _ACTIVATIONS)
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(_ACTIVATIONS[activation]())
    return nn.Sequential(*layers)


def _model_device_dtype(model):
    p = next(model.parameters())
    return p.device, p.dtype


def _as_input(model, x, name="x"):
    """Validate a batch ``x: (n, d)`` for ``model`` and put it on the model's device and dtype."""
    device, dtype = _model_device_dtype(model)
    x = as_matrix(x, name)
    if x.shape[1] != model.d:
        raise ValueError(f"{name} must have {model.d} columns (the model's input dimension d), "
                         f"got shape {tuple(x.shape)}.")
    return x.to(device=device, dtype=dtype)


def _randn_like(x, generator):
    generator = as_generator(generator)
    if generator.device != x.device:
        # a CPU generator on a GPU model: draw on the CPU, then move (slower, but reproducible)
        return torch.randn(x.shape, generator=generator, dtype=x.dtype).to(x.device)
    return torch.randn(x.shape, generator=generator, dtype=x.dtype, device=x.device)


# ----------------------------------------------------------------------------- linear


class LinearAutoencoder(nn.Module):
    """``x ↦ W_d (W_e x + b_e) + b_d`` with ``W_e: (k, d)``, ``W_d: (d, k)`` (lesson 08, Eq. (1)).

    The loss is the squared reconstruction error ``‖x − x̂‖²`` summed over the ``d``
    coordinates and averaged over the batch. ``bias=False`` gives the purely linear model
    of the theorem (then feed it centred data).

    ``init="orthogonal"`` (default) starts from a random projection: ``W_d = Q``,
    ``W_e = Qᵀ`` for a random orthonormal ``Q: (d, k)`` drawn with ``generator``, biases 0.
    Training then only has to rotate the subspace; PyTorch's default initialisation
    (``init="torch"``) starts with large, unbalanced weights and needs many more steps.
    """

    def __init__(self, d: int, k: int, *, bias: bool = True, init: str = "orthogonal", generator=None):
        super().__init__()
        self.d = check_int(d, "d", low=1)
        self.k = check_int(k, "k", low=1, high=self.d)
        bias = check_bool(bias, "bias")
        check_choice(init, "init", ("orthogonal", "torch"))
        self.encoder = nn.Linear(self.d, self.k, bias=bias)
        self.decoder = nn.Linear(self.k, self.d, bias=bias)
        if init == "orthogonal":
            gen = as_generator(generator)
            g = torch.randn(self.d, self.k, generator=gen, device=gen.device).cpu()
            Q, _ = torch.linalg.qr(g)
            with torch.no_grad():
                self.decoder.weight.copy_(Q)
                self.encoder.weight.copy_(Q.T)
                if bias:
                    self.encoder.bias.zero_()
                    self.decoder.bias.zero_()

    def encode(self, x):
        """Codes ``(n, k)`` of ``x: (n, d)``."""
        return self.encoder(_as_input(self, x))

    def decode(self, z):
        """Reconstructions ``(n, d)`` of codes ``z: (n, k)``."""
        return self.decoder(z)

    def forward(self, x):
        return self.decode(self.encode(x))

    def loss(self, x, generator=None) -> dict:
        x = _as_input(self, x)
        return {"loss": ((self(x) - x) ** 2).sum(dim=1).mean()}

    def decoder_basis(self) -> torch.Tensor:
        """The decoder's columns ``W_d: (d, k)``: their span is the learned subspace."""
        return self.decoder.weight.detach()


# ----------------------------------------------------------------------------- denoising


class DenoisingAE(nn.Module):
    """An MLP reconstruction function ``r: R^d → R^d`` trained on ``x = x₀ + σ ε`` to return ``x₀``.

    With ``residual=True`` (default) ``r(x) = x + g(x)`` and the MLP ``g`` models the
    displacement ``r(x) − x``, which the lesson compares with ``σ² ∇log p_σ(x)`` (Eq. (6)).
    The loss is ``‖r(x₀ + σε) − x₀‖²`` summed over coordinates, averaged over the batch,
    with fresh noise at every call.
    """

    def __init__(self, d: int, hidden=(64, 64), *, sigma: float = 0.1, activation: str = "silu",
                 residual: bool = True):
        super().__init__()
        self.d = check_int(d, "d", low=1)
        self.hidden = _check_hidden(hidden)
        self.sigma = check_positive(sigma, "sigma")
        self.residual = check_bool(residual, "residual")
        self.net = mlp((self.d, *self.hidden, self.d), activation)

    def forward(self, x):
        x = _as_input(self, x)
        out = self.net(x)
        return x + out if self.residual else out

    def displacement(self, x):
        """``r(x) − x``: ``(n, d)``; estimates ``σ² ∇log p_σ(x)``."""
        x = _as_input(self, x)
        return self(x) - x

    def loss(self, x, generator=None) -> dict:
        x0 = _as_input(self, x)
        noisy = x0 + self.sigma * _randn_like(x0, generator)
        return {"loss": ((self(noisy) - x0) ** 2).sum(dim=1).mean()}


# ----------------------------------------------------------------------------- VAE


def gaussian_kl(mu, logvar) -> torch.Tensor:
    """``KL(N(mu, diag(exp(logvar))) ‖ N(0, I))`` in closed form (lesson 08, Eq. (10)).

    ``mu, logvar: (..., k)`` → ``(...)``: ``½ Σ_j (mu_j² + exp(logvar_j) − 1 − logvar_j)``.
    """
    mu = as_tensor(mu, "mu", ndim=(1, 2, 3))
    logvar = as_tensor(logvar, "logvar", ndim=(1, 2, 3), dtype=mu.dtype)
    check_same_device(mu=mu, logvar=logvar)
    if mu.shape != logvar.shape:
        raise ValueError(f"mu and logvar must have the same shape, got mu {tuple(mu.shape)} and "
                         f"logvar {tuple(logvar.shape)}.")
    return 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar).sum(dim=-1)


class VAE(nn.Module):
    """A variational autoencoder with MLP encoder and decoder (Kingma & Welling 2014).

    Encoder ``q(z|x) = N(mu(x), diag exp(logvar(x)))`` with ``z: (latent,)``; prior ``N(0, I)``;
    decoder ``p(x|z)``: independent Bernoulli pixels (``likelihood="bernoulli"``) or
    ``N(mean(z), obs_sigma² I)`` (``"gaussian"``).

    The Bernoulli likelihood is a normalised distribution only for **binary** ``x``: on grey
    values in [0, 1] the cross-entropy still trains, but ``−ELBO`` is then no bound on
    ``−log p(x)`` of any distribution (binarise the data first, as lesson 08 does, or use a
    continuous Bernoulli). ``hidden=()`` makes encoder and decoder single linear layers: with
    ``"gaussian"`` that is the linear-Gaussian model (probabilistic PCA) whose ``log p(x)`` is
    :func:`linear_gaussian_log_likelihood`.
    """

    def __init__(self, d: int, latent: int = 2, hidden=(256,), *, likelihood: str = "bernoulli",
                 obs_sigma: float = 0.1, activation: str = "relu"):
        super().__init__()
        self.d = check_int(d, "d", low=1)
        self.latent = check_int(latent, "latent", low=1)
        self.hidden = _check_hidden(hidden)
        self.likelihood = check_choice(likelihood, "likelihood", ("bernoulli", "gaussian"))
        self.obs_sigma = check_positive(obs_sigma, "obs_sigma")
        self.encoder = mlp((self.d, *self.hidden, 2 * self.latent), activation)
        self.decoder = mlp((self.latent, *self.hidden[::-1], self.d), activation)

    def encode(self, x):
        """``(mu, logvar)``, each ``(n, latent)``, of ``q(z|x)`` for ``x: (n, d)``."""
        h = self.encoder(_as_input(self, x))
        return h[:, :self.latent], h[:, self.latent:]

    @staticmethod
    def reparameterize(mu, logvar, generator=None):
        """``z = mu + exp(logvar / 2) ⊙ ε`` with ``ε ~ N(0, I)`` (lesson 08's reparameterisation trick):
        differentiable in mu and logvar."""
        return mu + torch.exp(0.5 * logvar) * _randn_like(mu, generator)

    def decode(self, z):
        """Decoder output ``(n, d)``: Bernoulli logits, or the Gaussian mean."""
        return self.decoder(z)

    def decode_mean(self, z):
        """The mean of ``p(x|z)``: ``(n, d)`` images (sigmoid of the logits for Bernoulli)."""
        out = self.decode(z)
        return torch.sigmoid(out) if self.likelihood == "bernoulli" else out

    def forward(self, x):
        """The reconstruction ``E[x | z = mu(x)]``: ``(n, d)``."""
        mu, _ = self.encode(x)
        return self.decode_mean(mu)

    def elbo_terms(self, x, generator=None) -> dict:
        """The two terms of the negative ELBO (Eq. (9)), batch means in nats per example.

        Returns ``{"recon": E_q[−log p(x|z)], "kl": KL(q(z|x) ‖ p(z)), "elbo": −(recon + kl)}``,
        with one reparameterised sample ``z`` per example.
        """
        x = _as_input(self, x)
        self._check_range(x)
        mu, logvar = self.encode(x)
        z = self.reparameterize(mu, logvar, generator)
        recon = self._nll(self.decode(z), x).mean()
        kl = gaussian_kl(mu, logvar).mean()
        return {"recon": recon, "kl": kl, "elbo": -(recon + kl)}

    def _check_range(self, x):
        if self.likelihood == "bernoulli" and (x.min() < 0 or x.max() > 1):
            raise ValueError("x must lie in [0, 1] for likelihood='bernoulli', got values in "
                             f"[{float(x.min()):.3g}, {float(x.max()):.3g}]; rescale it or use 'gaussian'.")

    def _nll(self, out, x):
        """``−log p(x | z)`` per row, ``(n,)``, from the decoder output ``out: (n, d)``."""
        if self.likelihood == "bernoulli":
            return F.binary_cross_entropy_with_logits(out, x, reduction="none").sum(dim=-1)
        s2 = self.obs_sigma ** 2
        return 0.5 * ((out - x) ** 2).sum(dim=-1) / s2 + 0.5 * self.d * math.log(2 * math.pi * s2)

    def loss(self, x, generator=None) -> dict:
        t = self.elbo_terms(x, generator)
        return {"loss": t["recon"] + t["kl"], **t}

    @torch.no_grad()
    def sample(self, n: int, generator=None):
        """``n`` images ``(n, d)``: the decoder mean at ``z ~ N(0, I)``."""
        n = check_int(n, "n", low=1)
        device, dtype = _model_device_dtype(self)
        z = _randn_like(torch.empty(n, self.latent, device=device, dtype=dtype), generator)
        return self.decode_mean(z)


_LOG_2PI = math.log(2 * math.pi)


@torch.no_grad()
def log_importance_weights(model: VAE, X, k: int = 64, *, generator=None, chunk_size: int | None = None) -> torch.Tensor:
    """``log w_j(x) = log p(x | z_j) + log p(z_j) − log q(z_j | x)`` for ``k`` samples ``z_j ~ q(z | x)`` of a
    :class:`VAE`'s encoder, for each row of ``X: (n, d)`` → ``(k, n)`` (lesson 08, Eq. (12)).

    Every term is a full log-density (constants included), in nats. Their mean over ``j`` estimates
    the ELBO; :func:`iwae_bound` is their log-mean-exp. The samples are drawn from ``generator``
    (see :mod:`lowdim_utils.rng`) and decoded ``chunk_size`` at a time (default: a chunk of about
    4·10⁶ decoder outputs).
    """
    if not isinstance(model, VAE):
        raise TypeError(f"model must be a lowdim_utils.autoencoders.VAE, got {type(model).__name__}.")
    x = _as_input(model, X, "X")
    k = check_int(k, "k", low=1)
    model._check_range(x)
    n = x.shape[0]
    if chunk_size is None:
        chunk_size = max(1, min(k, 4_000_000 // max(1, n * model.d)))
    chunk_size = check_int(chunk_size, "chunk_size", low=1)
    gen = as_generator(generator)             # once: an int seed must not restart in every chunk
    mu, logvar = model.encode(x)
    std = torch.exp(0.5 * logvar)
    log_q_const = -0.5 * (logvar + _LOG_2PI).sum(dim=1)                      # (n,)
    logw = []
    for start in range(0, k, chunk_size):
        m = min(chunk_size, k - start)
        eps = _randn_like(mu.expand(m, *mu.shape), gen)                      # (m, n, latent)
        z = mu + std * eps
        log_q = log_q_const - 0.5 * (eps ** 2).sum(dim=2)                   # log q(z | x)
        log_prior = -0.5 * (z ** 2 + _LOG_2PI).sum(dim=2)                    # log p(z)
        out = model.decode(z.reshape(m * n, model.latent)).reshape(m, n, model.d)
        logw.append(log_prior - model._nll(out, x.expand_as(out)) - log_q)   # (m, n)
    return torch.cat(logw)


def iwae_bound(model: VAE, X, k: int = 64, *, generator=None, chunk_size: int | None = None) -> torch.Tensor:
    """The importance-weighted bound ``L_k(x)`` of a :class:`VAE` for each row of ``X: (n, d)`` → ``(n,)``
    (Burda, Grosse & Salakhutdinov 2016; lesson 08, Eq. (12)).

    ``L_k(x) = log (1/k) Σ_j w_j(x)`` with the weights of :func:`log_importance_weights`. In
    expectation ``ELBO = L_1 ≤ L_k ≤ L_{k+1} ≤ log p(x)``, and ``L_k → log p(x)`` as ``k`` grows, so
    ``L_k − ELBO`` is a lower estimate of the ELBO's gap ``log p(x) − ELBO``.
    """
    logw = log_importance_weights(model, X, k, generator=generator, chunk_size=chunk_size)
    return torch.logsumexp(logw, dim=0) - math.log(logw.shape[0])


def linear_gaussian_log_likelihood(X, W, b, sigma) -> torch.Tensor:
    """``log p(x)`` of the linear-Gaussian model ``x = W z + b + σ ε``, ``z ~ N(0, I_k)``, ``ε ~ N(0, I_d)``,
    for each row of ``X: (n, d)`` → ``(n,)``: ``log N(x; b, W Wᵀ + σ² I)`` (probabilistic PCA; lesson 08,
    Eq. (13)). ``W: (d, k)``, ``b: (d,)``, ``sigma > 0``. Computed in float64 from the Cholesky factor of
    the ``(d, d)`` covariance; returned in ``X``'s dtype on its device.
    """
    X = as_matrix(X, "X")
    W = as_matrix(W, "W")
    b = as_tensor(b, "b", ndim=1)
    check_same_device(X=X, W=W, b=b)
    d = X.shape[1]
    if W.shape[0] != d or b.shape[0] != d:
        raise ValueError(f"W must be ({d}, k) and b ({d},) for X with {d} columns, got W {tuple(W.shape)} "
                         f"and b {tuple(b.shape)}.")
    sigma = check_positive(sigma, "sigma")
    W64, r = W.double(), X.double() - b.double()
    C = W64 @ W64.T + sigma ** 2 * torch.eye(d, dtype=torch.float64, device=X.device)
    L = torch.linalg.cholesky(C)
    y = torch.linalg.solve_triangular(L, r.T, upper=False)                   # (d, n): L⁻¹ (x − b)
    logdet = 2.0 * torch.log(torch.diagonal(L)).sum()
    return (-0.5 * ((y ** 2).sum(dim=0) + logdet + d * _LOG_2PI)).to(X.dtype)


# ----------------------------------------------------------------------------- training


def train_autoencoder(model: nn.Module, X, *, epochs: int = 10, batch_size: int | None = None, lr: float = 1e-3,
                      weight_decay: float = 0.0, generator=None, stop_below: float | None = None,
                      callback=None, progress: bool = True, desc: str | None = None) -> dict:
    """Train ``model`` (anything with a ``loss(x, generator)`` method) on ``X: (n, d)`` with Adam,
    through the shared loop :func:`lowdim_utils.training.fit`.

    ``batch_size=None`` takes full-batch steps (one per epoch); otherwise each epoch walks
    through a random permutation in mini-batches. ``generator`` (None, an int seed or a
    ``torch.Generator``; :mod:`lowdim_utils.rng`) drives the batch order and seeds the noise of
    denoising and variational models (drawn on the model's device), so a run with an int seed
    is reproducible. ``stop_below`` stops after the first epoch whose mean loss is at most that
    value. ``callback(epoch, model)``, if given, runs after every epoch (e.g. to log a
    subspace angle) under ``torch.no_grad()``. ``X`` is moved to the model's device.

    Returns the history of :func:`~lowdim_utils.training.fit`: one list per logged term (epoch
    means, e.g. ``"loss"``, ``"recon"``, ``"kl"``), ``"epochs"`` (how many ran) and ``"seconds"``.
    """
    if not isinstance(model, nn.Module) or not callable(getattr(model, "loss", None)):
        raise TypeError(f"model must be an nn.Module with a loss(x, generator) method, got {type(model).__name__}.")
    device, dtype = _model_device_dtype(model)
    X = as_matrix(X, "X").detach().to(device=device, dtype=dtype)
    if X.shape[1] != getattr(model, "d", X.shape[1]):
        raise ValueError(f"X must have {model.d} columns (the model's input dimension), got shape {tuple(X.shape)}.")
    gen = as_generator(generator)
    seed = int(torch.randint(0, 2**62, (1,), generator=gen, device=gen.device))
    try:
        noise_gen = torch.Generator(device=device).manual_seed(seed)
    except RuntimeError:  # devices without their own generators
        noise_gen = torch.Generator().manual_seed(seed)
    return fit(model, lambda m, xb: m.loss(xb, generator=noise_gen), X, epochs=epochs, batch_size=batch_size,
               lr=lr, weight_decay=weight_decay, generator=gen, stop_below=stop_below, callback=callback,
               progress=progress, desc=desc or f"training {type(model).__name__}")


@torch.no_grad()
def reconstruction_error(model: nn.Module, X) -> float:
    """Mean over rows of ``‖x − model(x)‖²`` for ``X: (n, d)`` (no noise, no sampling)."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be an nn.Module, got {type(model).__name__}.")
    X = _as_input(model, X, "X")
    return float(((model(X) - X) ** 2).sum(dim=1).mean())


# ----------------------------------------------------------------------------- Gaussian mixtures


def _gmm_args(x, means, sigma, weights, noise):
    means = as_matrix(means, "means")
    x = as_matrix(x, "x", dtype=means.dtype)
    check_same_device(x=x, means=means)
    if x.shape[1] != means.shape[1]:
        raise ValueError(f"x and means must have the same number of columns, got x {tuple(x.shape)} "
                         f"and means {tuple(means.shape)}.")
    m = means.shape[0]
    if isinstance(sigma, numbers.Real) and not isinstance(sigma, bool):
        sigma = torch.full((m,), check_positive(sigma, "sigma"), dtype=means.dtype, device=means.device)
    else:
        sigma = as_tensor(sigma, "sigma", ndim=1, dtype=means.dtype, device=means.device)
        if sigma.shape[0] != m or (sigma <= 0).any():
            raise ValueError(f"sigma must be a positive number or {m} positive standard deviations "
                             f"(one per component), got shape {tuple(sigma.shape)}.")
    if weights is None:
        weights = torch.full((m,), 1.0 / m, dtype=means.dtype, device=means.device)
    else:
        weights = as_tensor(weights, "weights", ndim=1, dtype=means.dtype, device=means.device)
        if weights.shape[0] != m:
            raise ValueError(f"weights must have one entry per component ({m}), got shape {tuple(weights.shape)}.")
        if (weights < 0).any() or abs(float(weights.sum()) - 1.0) > 1e-5:
            raise ValueError(f"weights must be non-negative and sum to 1, got sum {float(weights.sum()):.6g}.")
    noise = check_positive(noise, "noise", allow_zero=True)
    var = sigma ** 2 + noise ** 2          # a Gaussian smoothed by N(0, noise² I) stays Gaussian
    return x, means, var, weights


def _gmm_log_terms(x, means, var, weights):
    """log(w_j N(x; mu_j, var_j I)) for every row and component: (n, m)."""
    d = x.shape[1]
    sq = ((x[:, None, :] - means[None, :, :]) ** 2).sum(dim=2)       # (n, m); exact, differentiable at 0
    return torch.log(weights) - 0.5 * sq / var - 0.5 * d * torch.log(2 * math.pi * var)


def gmm_log_density(x, means, sigma, weights=None, *, noise: float = 0.0) -> torch.Tensor:
    """``log p(x)`` of the isotropic mixture ``Σ_j w_j N(mu_j, (sigma_j² + noise²) I)``: ``(n,)``.

    ``x: (n, d)``, ``means: (m, d)``, ``sigma``: a number or ``(m,)``, ``weights: (m,)`` (default
    uniform). ``noise > 0`` gives the density smoothed by Gaussian noise, ``p_σ`` (lesson 08, Eq. (4)).
    """
    x, means, var, weights = _gmm_args(x, means, sigma, weights, noise)
    return torch.logsumexp(_gmm_log_terms(x, means, var, weights), dim=1)


def gmm_score(x, means, sigma, weights=None, *, noise: float = 0.0) -> torch.Tensor:
    """The score ``∇_x log p(x)`` of the isotropic Gaussian mixture of :func:`gmm_log_density`: ``(n, d)``.

    ``∇log p(x) = Σ_j γ_j(x) (mu_j − x) / (sigma_j² + noise²)`` with the posterior
    responsibilities ``γ_j(x) ∝ w_j N(x; mu_j, …)`` computed in the log domain (lesson 08,
    Eq. (7)), so points far from every component get a finite score.
    """
    x, means, var, weights = _gmm_args(x, means, sigma, weights, noise)
    gamma = torch.softmax(_gmm_log_terms(x, means, var, weights), dim=1)          # (n, m)
    return (gamma / var) @ means - x * (gamma / var).sum(dim=1, keepdim=True)


def gmm_sample(n: int, means, sigma, weights=None, *, generator=None) -> tuple[torch.Tensor, torch.Tensor]:
    """``n`` samples ``(n, d)`` of the isotropic mixture and their component labels ``(n,)``, on the
    device of ``means`` (randomness per :mod:`lowdim_utils.rng`)."""
    n = check_int(n, "n", low=1)
    means = as_matrix(means, "means")
    _, means, var, weights = _gmm_args(means[:1], means, sigma, weights, 0.0)
    gen = as_generator(generator)
    labels = torch.multinomial(weights.double().to(gen.device), n, replacement=True, generator=gen)
    eps = torch.randn(n, means.shape[1], generator=gen, dtype=means.dtype, device=gen.device)
    labels = labels.to(means.device)
    return means[labels] + var.sqrt()[labels, None] * eps.to(means.device), labels
