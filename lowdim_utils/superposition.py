"""Superposition and sparse autoencoders (lesson 21): toy models of superposition, L1 and TopK SAEs.

* :func:`sparse_features` — the toy data of Elhage et al. (2022): each of ``n`` features is 0 with
  probability ``S`` (the sparsity) and uniform on [0, 1] otherwise (lesson 21, Eq. (1));
* :class:`ToyModel` — ``M`` independent toy models at once, ``x' = ReLU(WᵀW x + b)`` with
  ``W: (m, n)``, ``m < n`` (Eq. (2)); :func:`train_toy_models` fits them all in one loop with
  :func:`lowdim_utils.training.fit`, each with its own sparsity and importances (Eq. (3));
* :func:`feature_norms`, :func:`feature_dimensionality` — which features a model represents and how
  many dimensions each one gets (Eq. (6));
* :class:`SparseAutoencoder` — ``M`` sparse autoencoders at once, ReLU + L1 penalty or TopK, unit-norm
  decoder columns, resampling of dead latents (Gao et al. 2024; Bricken et al. 2023; Eqs. (7), (8));
  :func:`train_sae`, :func:`sae_stats` (normalised MSE, L0, dead latents) and
  :func:`max_cosine_similarity` (how well the decoder recovers known feature directions).

Shapes put the model index second: inputs are ``(B, M, ·)`` so that the training loop's mini-batches
(rows) are shared by all models. Everything runs on the input's device in float32/float64.
"""
from __future__ import annotations

import torch
from torch import nn

from .rng import as_generator
from .training import fit
from .validate import as_tensor, check_choice, check_int, check_interval

__all__ = ["sparse_features", "ToyModel", "toy_loss", "train_toy_models", "feature_norms",
           "feature_dimensionality", "SparseAutoencoder", "train_sae", "sae_stats", "max_cosine_similarity"]


def _per_model(value, name, M, *, low=0.0, high=1.0, closed="left", device=None, dtype=torch.float32):
    """A float or an (M,) sequence in [low, high) -> an (M,) tensor."""
    t = as_tensor(value, name, ndim=(0, 1), dtype=dtype).reshape(-1)
    if t.shape[0] not in (1, M):
        raise ValueError(f"{name} must be one number or one per model ({M}), got shape {tuple(t.shape)}.")
    for v in t.reshape(-1).tolist():
        check_interval(v, name, low, high, closed=closed)
    return t.expand(M).to(device).clone()  # (M,)


def sparse_features(n_samples: int, sparsity, n_features: int, *, generator=None, device=None,
                    dtype=torch.float32) -> torch.Tensor:
    """Toy data ``(n_samples, M, n_features)``: each entry is 0 with probability ``sparsity`` (of its model)
    and uniform on [0, 1] otherwise (lesson 21, Eq. (1)). ``sparsity``: a float or one per model ``(M,)``."""
    n_samples = check_int(n_samples, "n_samples", low=1)
    n_features = check_int(n_features, "n_features", low=1)
    S = as_tensor(sparsity, "sparsity", ndim=(0, 1), dtype=dtype).reshape(-1)
    M = S.shape[0]
    S = _per_model(S, "sparsity", M, dtype=dtype)
    g = as_generator(generator)
    u = torch.rand(n_samples, M, n_features, generator=g, device=g.device, dtype=dtype)
    keep = torch.rand(n_samples, M, n_features, generator=g, device=g.device, dtype=dtype) >= S[:, None]
    return (u * keep).to(device)


class ToyModel(nn.Module):
    """``M`` toy models of superposition, ``x' = ReLU(WᵀW x + b)`` (lesson 21, Eq. (2)).

    ``W: (M, m, n)`` (column ``i`` of each model's ``W`` is feature ``i``'s direction in the ``m``-dim
    hidden space), ``b: (M, n)``. ``forward(x)``: ``x: (B, M, n) -> (B, M, n)``; ``hidden(x)``: ``(B, M, m)``.
    """

    def __init__(self, n_features: int, n_hidden: int, n_models: int = 1, *, generator=None, device=None,
                 dtype=torch.float32):
        super().__init__()
        n, m, M = (check_int(n_features, "n_features", low=1), check_int(n_hidden, "n_hidden", low=1),
                   check_int(n_models, "n_models", low=1))
        g = as_generator(generator)
        W = torch.randn(M, m, n, generator=g, device=g.device, dtype=dtype) * (2.0 / (m + n)) ** 0.5
        self.W = nn.Parameter(W.to(device))
        self.b = nn.Parameter(torch.zeros(M, n, dtype=dtype, device=device))

    def hidden(self, x):
        return torch.einsum("bmn,mhn->bmh", x, self.W)

    def forward(self, x):
        return torch.relu(torch.einsum("bmh,mhn->bmn", self.hidden(x), self.W) + self.b)


def toy_loss(model: ToyModel, x, importance) -> torch.Tensor:
    """Importance-weighted squared error ``Σ_models mean_batch Σ_i I_i (x_i − x'_i)²`` (lesson 21, Eq. (3)).

    ``x: (B, M, n)``, ``importance: (M, n)``. Summing over the models keeps their gradients independent.
    """
    return (importance * (x - model(x)).square()).sum(-1).mean(0).sum()


def train_toy_models(n_features: int, n_hidden: int, sparsity, importance=None, *, n_models: int | None = None,
                     steps: int = 3000, batch_size: int = 1024, lr: float = 1e-2, n_samples: int = 2 ** 14,
                     generator=None, device=None, dtype=torch.float32, progress: bool = False):
    """Train ``M`` toy models at once (lesson 21, Eqs. (1)–(3)); return ``(model, per-model final loss (M,))``.

    ``sparsity``: a float or ``(M,)``; ``importance``: ``(n,)`` or ``(M, n)`` (default all ones).
    Each step draws ``batch_size`` rows (with replacement) of a pool of ``n_samples`` toy inputs per model.
    The per-model loss is evaluated on a fresh sample of the same size.
    """
    n, m = check_int(n_features, "n_features", low=1), check_int(n_hidden, "n_hidden", low=1)
    S = as_tensor(sparsity, "sparsity", ndim=(0, 1), dtype=dtype).reshape(-1)
    I = torch.ones(n, dtype=dtype) if importance is None else as_tensor(importance, "importance", ndim=(1, 2),
                                                                        dtype=dtype)
    if I.shape[-1] != n:
        raise ValueError(f"importance must have {n} entries per model (one per feature), got shape {tuple(I.shape)}.")
    if bool((I < 0).any()):
        raise ValueError("importance must be non-negative.")
    M = max(S.shape[0], 1 if I.dim() == 1 else I.shape[0])
    if n_models is not None:
        M = check_int(n_models, "n_models", low=1) if M == 1 else M
        if M != n_models:
            raise ValueError(f"n_models = {n_models} disagrees with sparsity/importance ({M} models).")
    S = _per_model(S, "sparsity", M, dtype=dtype)
    if I.dim() == 2 and I.shape[0] != M:
        raise ValueError(f"importance must have one row per model ({M}), got shape {tuple(I.shape)}.")
    I = I.expand(M, n).to(device)
    g = as_generator(generator)
    model = ToyModel(n, m, M, generator=g, device=device, dtype=dtype)
    pool = sparse_features(n_samples, S, n, generator=g, device=device, dtype=dtype)
    fit(model, lambda mod, xb: toy_loss(mod, xb, I), (pool,), steps=steps, batch_size=min(batch_size, n_samples),
        sampling="replacement", lr=lr, generator=g, progress=progress, desc=f"{M} toy models")
    with torch.no_grad():
        x = sparse_features(n_samples, S, n, generator=g, device=device, dtype=dtype)
        final = (I * (x - model(x)).square()).sum(-1).mean(0)
    return model, final


def feature_norms(W) -> torch.Tensor:
    """``‖W_i‖`` for every feature: ``W: (..., m, n)`` (e.g. ``(M, m, n)``) -> ``(..., n)``.
    A feature with norm near 1 is represented, near 0 ignored."""
    W = as_tensor(W, "W", ndim=(2, 3, 4))
    return W.detach().norm(dim=-2)


def feature_dimensionality(W) -> torch.Tensor:
    """Elhage et al.'s dimensionality of each feature, ``D_i = ‖W_i‖² / Σ_j (Ŵ_i·W_j)²`` (lesson 21, Eq. (6)).

    ``W: (..., m, n)`` -> ``(..., n)``. 1 for a feature with a dimension of its own, 1/2 for an antipodal
    pair, 2/5 for each vertex of a pentagon in a plane, 0 for a feature that is not represented.
    """
    W = as_tensor(W, "W", ndim=(2, 3, 4)).detach()
    norms = W.norm(dim=-2)
    Wh = W / norms.clamp_min(1e-12).unsqueeze(-2)
    overlap = (Wh.transpose(-1, -2) @ W).square().sum(-1)                   # Σ_j (Ŵ_i·W_j)²
    return torch.where(norms > 1e-6, norms.square() / overlap.clamp_min(1e-24), torch.zeros_like(norms))


# ------------------------------------------------------------------ sparse autoencoders

_KINDS = ("l1", "topk")


class SparseAutoencoder(nn.Module):
    """``M`` sparse autoencoders with ``L`` latents on ``d``-dim inputs (lesson 21, Eqs. (7), (8)).

    ``z = σ(W_enc (x − b_dec) + b_enc)`` with σ = ReLU (``kind="l1"``) or ReLU of the ``k`` largest
    pre-activations (``kind="topk"``; ``k`` may differ per model), ``x̂ = D z + b_dec`` with the decoder
    columns normalised to unit length, so an L1 penalty cannot be dodged by shrinking ``z``.
    ``forward(x)``: ``x: (B, M, d)`` (or ``(B, d)``, shared) -> ``(x̂, z, pre)`` of shapes ``(B, M, d)``,
    ``(B, M, L)``, ``(B, M, L)``. ``tied_init``: the encoder starts as the decoder's transpose (Gao et al.).
    """

    def __init__(self, d: int, n_latents: int, n_models: int = 1, *, kind: str = "topk", k=None,
                 tied_init: bool = True, generator=None, device=None, dtype=torch.float32):
        super().__init__()
        d, L, M = check_int(d, "d", low=1), check_int(n_latents, "n_latents", low=1), check_int(n_models, "n_models",
                                                                                               low=1)
        self.kind = check_choice(kind, "kind", _KINDS)
        if self.kind == "topk":
            if k is None:
                raise ValueError("k is required for kind='topk' (the number of active latents).")
            ks = [k] * M if isinstance(k, int) else list(k)
            if len(ks) != M:
                raise ValueError(f"k must be one int or one per model ({M}), got {len(ks)} values.")
            ks = [check_int(v, "k", low=1, high=L) for v in ks]
            self.register_buffer("k", torch.tensor(ks, device=device))
        g = as_generator(generator)
        D = torch.randn(M, d, L, generator=g, device=g.device, dtype=dtype)
        D = D / D.norm(dim=1, keepdim=True)
        E = D.transpose(1, 2).clone() if tied_init else torch.randn(M, L, d, generator=g, device=g.device,
                                                                    dtype=dtype) / d ** 0.5
        self.W_dec = nn.Parameter(D.to(device))
        self.W_enc = nn.Parameter(E.to(device))
        self.b_enc = nn.Parameter(torch.zeros(M, L, dtype=dtype, device=device))
        self.b_dec = nn.Parameter(torch.zeros(M, d, dtype=dtype, device=device))
        self.register_buffer("since_fired", torch.zeros(M, L, device=device))   # inputs since each latent fired

    def decoder(self) -> torch.Tensor:
        """Unit-norm decoder directions ``(M, d, L)``."""
        return self.W_dec / self.W_dec.norm(dim=1, keepdim=True).clamp_min(1e-12)

    def _activate(self, pre):
        if self.kind == "l1":
            return torch.relu(pre)
        kmax = int(self.k.max())
        vals, idx = pre.topk(kmax, dim=-1)
        keep = torch.arange(kmax, device=pre.device) < self.k[:, None]             # (M, kmax)
        return torch.zeros_like(pre).scatter(-1, idx, torch.relu(vals) * keep)

    def forward(self, x):
        if x.dim() == 2:
            x = x.unsqueeze(1).expand(-1, self.W_dec.shape[0], -1)
        pre = torch.einsum("bmd,mld->bml", x - self.b_dec, self.W_enc) + self.b_enc
        z = self._activate(pre)
        return torch.einsum("bml,mdl->bmd", z, self.decoder()) + self.b_dec, z, pre


def _sae_loss(model, x, l1):
    """Per-model squared error (+ the L1 penalty), summed over the models (lesson 21, Eq. (7))."""
    if x.dim() == 2:
        x = x.unsqueeze(1).expand(-1, model.W_dec.shape[0], -1)
    xh, z, pre = model(x)
    err = x - xh
    mse = err.square().sum(-1).mean(0)                                             # (M,)
    loss = mse.sum()
    if model.kind == "l1":
        loss = loss + (l1 * z.sum(-1).mean(0)).sum()
    with torch.no_grad():
        fired = (z > 0).any(0)
        model.since_fired.add_(x.shape[0]).masked_fill_(fired, 0)
    return {"loss": loss, "mse": mse.sum()}


def train_sae(X, n_latents: int, *, kind: str = "topk", k=None, l1=None, n_models: int | None = None,
              steps: int = 1000, batch_size: int = 256, lr: float = 1e-3, dead_after: int | None = None,
              resample_every: int | None = None,
              tied_init: bool = True, generator=None, progress: bool = False) -> SparseAutoencoder:
    """Train ``M`` sparse autoencoders on ``X: (N, d)`` (shared) or ``(N, M, d)`` (one data set per model).

    ``kind="topk"`` with ``k`` (int or one per model), or ``kind="l1"`` with ``l1`` (float or one per
    model): the penalty ``λ Σ_l z_l`` on top of the squared error (lesson 21, Eq. (7)); TopK's sparsity is
    the constraint itself (Eq. (8)). ``resample_every``: every that many passes over the data, during the
    first 3/4 of training, latents that have not fired for ``dead_after`` inputs (default: two passes) are
    re-initialised towards inputs that are badly reconstructed (the resampling of Bricken et al. 2023).
    ``b_dec`` starts at the data mean.
    """
    X = as_tensor(X, "X", ndim=(2, 3)).detach()
    N, d = X.shape[0], X.shape[-1]
    kind = check_choice(kind, "kind", _KINDS)
    M = X.shape[1] if X.dim() == 3 else None
    if kind == "topk":
        ks = [k] if isinstance(k, int) or k is None else list(k)
        M_k = len(ks)
    else:
        if l1 is None:
            raise ValueError("l1 is required for kind='l1' (the penalty coefficient).")
        lam = as_tensor(l1, "l1", ndim=(0, 1), dtype=X.dtype).reshape(-1)
        M_k = lam.shape[0]
    M = M or n_models or M_k
    if n_models is not None and check_int(n_models, "n_models", low=1) != M:
        raise ValueError(f"n_models = {n_models} disagrees with X / k / l1 ({M} models).")
    if M_k not in (1, M):
        raise ValueError(f"k / l1 must be one value or one per model ({M}), got {M_k}.")
    if kind == "l1":
        lam = _per_model(lam, "l1", M, low=0.0, high=None, closed="left", device=X.device, dtype=X.dtype)
        k_arg = None
    else:
        k_arg = ks * M if len(ks) == 1 else ks
    dead_after = 2 * N if dead_after is None else check_int(dead_after, "dead_after", low=1)
    g = as_generator(generator)
    sae = SparseAutoencoder(d, n_latents, M, kind=kind, k=k_arg, tied_init=tied_init, generator=g,
                            device=X.device, dtype=X.dtype)
    with torch.no_grad():
        sae.b_dec.copy_(X.mean(0).expand(M, d))
    batch_size = min(check_int(batch_size, "batch_size", low=1), N)
    epochs = -(-check_int(steps, "steps", low=1) * batch_size // N)
    callback = None
    if resample_every is not None:
        every = check_int(resample_every, "resample_every", low=1)

        def callback(epoch, mod):
            if epoch % every == 0 and epoch <= 0.75 * epochs:
                _resample(mod, X, dead_after, g)
    fit(sae, lambda mod, xb: _sae_loss(mod, xb, lam if kind == "l1" else None),
        (X,), steps=steps, batch_size=batch_size, lr=lr, generator=g, progress=progress, callback=callback,
        desc=f"{M} sparse autoencoders")
    return sae


@torch.no_grad()
def _resample(sae, X, dead_after, g, n_rows=2048):
    """Point each dead latent's decoder (and encoder) at the residual of an input drawn with probability
    proportional to its squared reconstruction error (one draw per dead latent, per model)."""
    dead = sae.since_fired > dead_after                                              # (M, L)
    if not bool(dead.any()):
        return
    rows = torch.randint(0, X.shape[0], (min(n_rows, X.shape[0]),), generator=g, device=g.device).to(X.device)
    xb = X[rows] if X.dim() == 3 else X[rows].unsqueeze(1).expand(-1, sae.W_dec.shape[0], -1)
    err = xb - sae(xb)[0]                                                            # (B, M, d)
    alive_norm = sae.W_enc.norm(dim=-1)[~dead].mean() if bool((~dead).any()) else torch.tensor(1.0)
    for m in torch.nonzero(dead.any(1)).flatten().tolist():
        idx = torch.nonzero(dead[m]).flatten()
        p = err[:, m].square().sum(-1).cpu()
        pick = torch.multinomial(p / p.sum(), len(idx), replacement=True, generator=g).to(X.device)
        v = err[pick, m]
        v = v / v.norm(dim=-1, keepdim=True).clamp_min(1e-12)                        # (n_dead, d)
        sae.W_dec[m][:, idx] = v.T
        sae.W_enc[m][idx] = alive_norm * v
        sae.b_enc[m][idx] = 0.0
        sae.since_fired[m][idx] = 0.0


@torch.no_grad()
def sae_stats(sae: SparseAutoencoder, X, *, batch_size: int = 4096) -> dict:
    """Normalised MSE ``‖x − x̂‖² / ‖x − x̄‖²``, mean L0 (active latents per input) and the number of dead
    latents (never active on ``X``) of each of the ``M`` autoencoders; ``X: (N, d)`` or ``(N, M, d)``.
    Returns a dict of ``(M,)`` tensors ``"nmse"``, ``"l0"``, ``"dead"``."""
    X = as_tensor(X, "X", ndim=(2, 3), device=sae.W_dec.device, dtype=sae.W_dec.dtype)
    M, L = sae.W_dec.shape[0], sae.W_dec.shape[2]
    if X.dim() == 2:
        X = X.unsqueeze(1).expand(-1, M, -1)
    if X.shape[1] != M or X.shape[2] != sae.W_dec.shape[1]:
        raise ValueError(f"X must be (N, {sae.W_dec.shape[1]}) or (N, {M}, {sae.W_dec.shape[1]}), "
                         f"got shape {tuple(X.shape)}.")
    err = torch.zeros(M, dtype=X.dtype, device=X.device)
    l0 = torch.zeros(M, dtype=X.dtype, device=X.device)
    alive = torch.zeros(M, L, dtype=torch.bool, device=X.device)
    for i in range(0, X.shape[0], batch_size):
        xb = X[i:i + batch_size]
        xh, z, _ = sae(xb)
        err += (xb - xh).square().sum((0, 2))
        l0 += (z > 0).sum((0, 2))
        alive |= (z > 0).any(0)
    var = (X - X.mean(0)).square().sum((0, 2))
    return {"nmse": err / var, "l0": l0 / X.shape[0], "dead": (~alive).sum(1)}


def max_cosine_similarity(directions, features) -> torch.Tensor:
    """Mean max cosine similarity (MMCS): for every true feature (a column of ``features: (d, n)``), the
    largest cosine with any learned direction (a column of ``directions: (d, L)``), averaged over the
    features (lesson 21, Eq. (9)). Batched: ``(M, d, L)`` and ``(M, d, n)`` (or ``(d, n)``) -> ``(M,)``.
    Both signs count as a match only through positive cosines (a decoder direction is a direction)."""
    D = as_tensor(directions, "directions", ndim=(2, 3)).detach()
    F = as_tensor(features, "features", ndim=(2, 3), device=D.device, dtype=D.dtype).detach()
    if D.shape[-2] != F.shape[-2]:
        raise ValueError(f"directions and features must have the same number of rows (the dimension d), got "
                         f"{D.shape[-2]} and {F.shape[-2]}.")
    Dn = D / D.norm(dim=-2, keepdim=True).clamp_min(1e-12)
    Fn = F / F.norm(dim=-2, keepdim=True).clamp_min(1e-12)
    return (Fn.transpose(-1, -2) @ Dn).max(-1).values.mean(-1)
