"""White-box transformers: CRATE's two blocks, derived from the sparse rate reduction (lesson 18).

Rows are tokens, as everywhere in the course: one image's tokens are ``Z: (N, d)`` (``N`` tokens of
dimension ``d``); a batch is ``(B, N, d)``. ``K`` subspaces of dimension ``p`` are the columns of
``U: (K, d, p)``. With ``β = p / (N ε²)`` and the projected tokens ``A_k = Z U_k: (N, p)``:

* the compression term is ``R^c(Z; U) = Σ_k R(Z U_k)`` (lesson 18, Eq. (2)), with lesson 17's
  coding rate ``R`` (imported from :mod:`lowdim_utils.ratereduction`, never copied);
* its exact gradient is ``Σ_k β (I_N + β A_k A_kᵀ)⁻¹ A_k U_kᵀ`` (lesson 18, Eq. (3)) and the first-order
  expansion of the inverse gives ``Σ_k β (A_k − β A_k A_kᵀ A_k) U_kᵀ`` (lesson 18, Eq. (4));
* multi-head subspace self-attention replaces the token Gram ``A_k A_kᵀ`` by its row-wise softmax,
  ``MSSA(Z) = β Σ_k softmax(A_k A_kᵀ) A_k U_kᵀ`` (lesson 18, Eq. (5)), and a layer takes the step
  ``Z + κβ (MSSA(Z) − Z)`` (lesson 18, Eq. (6));
* the ISTA block is one non-negative proximal-gradient step of the lasso with a square dictionary
  ``D: (d, d)``, started at the input: ``ReLU(Z + η (Z − Z Dᵀ) D − ηλ)`` (lesson 18, Eq. (7)), which equals
  lesson 03's ``sparse.ista_step(Z, Z, D, λ, step=η, nonnegative=True)``.

The models (:class:`CRATE`, and a standard :class:`ViT` baseline) share one tokenizer: non-overlapping
square patches of a grey image, a linear embedding, learned positions and a class token (or mean
pooling). Everything is plain torch, device-agnostic, float32/float64.
"""
from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

from .ratereduction import coding_rate
from .rng import as_generator
from .validate import as_tensor, assume_valid, check_choice, check_int, check_positive, check_same_device

__all__ = ["compression_rate", "compression_gradient", "compression_gradient_first_order", "compression_gradient_series", "mssa", "mssa_step",
           "ista_block", "nonzero_fraction", "patchify", "orthogonal_subspaces", "MSSABlock", "ISTABlock", "CRATE",
           "ViT", "layer_statistics", "vit_width_for"]


# ------------------------------------------------------------------ validation helpers

def _tokens(Z, name="Z", batched=False):
    Z = as_tensor(Z, name, ndim=(2, 3) if batched else 2)
    if Z.dtype in (torch.float16, torch.bfloat16):
        Z = Z.float()
    return Z


def _subspaces(U, Z, name="U"):
    was_tensor = isinstance(U, torch.Tensor)
    if was_tensor:
        check_same_device(Z=Z, **{name: U})
    U = as_tensor(U, name, ndim=3, dtype=Z.dtype, device=None if was_tensor else Z.device)
    if U.shape[1] != Z.shape[-1]:
        raise ValueError(f"{name} must have shape (K, d, p) with d = {Z.shape[-1]} (the token dimension), "
                         f"got shape {tuple(U.shape)}.")
    return U


def _beta(N, p, eps):
    return p / (N * eps ** 2)


# ------------------------------------------------------------------ the compression term and its gradient

def compression_rate(Z, U, eps: float = 0.5) -> torch.Tensor:
    """``R^c(Z; U) = Σ_k R(Z U_k)`` (lesson 18, Eq. (2)), a scalar tensor in nats; differentiable.

    ``Z: (N, d)`` tokens (rows), ``U: (K, d, p)`` subspace bases; ``R`` is lesson 17's
    :func:`~lowdim_utils.ratereduction.coding_rate` of the ``N`` projected tokens ``Z U_k: (N, p)``.
    A batch ``Z: (B, N, d)`` gives the mean over its ``B`` token sets.
    """
    Z = _tokens(Z, batched=True)
    U = _subspaces(U, Z)
    eps = check_positive(eps, "eps")
    if Z.dim() == 2:
        A = Z @ U                                       # (K, N, p)
        with assume_valid():
            return sum(coding_rate(A[k], eps) for k in range(A.shape[0]))
    return _batched_rates(torch.einsum("bnd,kdp->bknp", Z, U), eps).sum(1).mean()


def _batched_rates(A, eps):
    """``R(A[b, k])`` of Eq. (1) for every token set and head at once, ``A: (B, K, N, p) -> (B, K)``.

    lesson 17's ``coding_rate`` takes one matrix at a time; this is its batched form (same formula, the
    ``p × p`` Gram, a batched Cholesky), tested equal to it in ``tests/test_crate.py``.
    """
    N, p = A.shape[-2], A.shape[-1]
    M = torch.eye(p, dtype=A.dtype, device=A.device) + _beta(N, p, eps) * A.transpose(-1, -2) @ A
    return torch.log(torch.diagonal(torch.linalg.cholesky(M), dim1=-2, dim2=-1)).sum(-1)


def compression_gradient(Z, U, eps: float = 0.5) -> torch.Tensor:
    """The exact gradient of ``R^c(Z; U)`` in ``Z`` (lesson 18, Eq. (3)): ``(N, d)``.

    ``Σ_k β (I_N + β A_k A_kᵀ)⁻¹ A_k U_kᵀ`` with ``A_k = Z U_k``, ``β = p / (N ε²)``; equals autograd's
    gradient of :func:`compression_rate` (to rounding).
    """
    Z = _tokens(Z)
    U = _subspaces(U, Z)
    eps = check_positive(eps, "eps")
    N, p = Z.shape[0], U.shape[2]
    b = _beta(N, p, eps)
    A = torch.einsum("nd,kdp->knp", Z, U)
    M = torch.eye(N, dtype=Z.dtype, device=Z.device) + b * A @ A.transpose(1, 2)
    return b * torch.einsum("knp,kdp->nd", torch.linalg.solve(M, A), U)


def compression_gradient_first_order(Z, U, eps: float = 0.5) -> torch.Tensor:
    """The first-order approximation of the gradient (lesson 18, Eq. (4)): ``(N, d)``.

    ``(I + βG)⁻¹ ≈ I − βG`` with the token Gram ``G_k = A_k A_kᵀ``: ``Σ_k β (A_k − β G_k A_k) U_kᵀ``.
    """
    Z = _tokens(Z)
    U = _subspaces(U, Z)
    eps = check_positive(eps, "eps")
    b = _beta(Z.shape[0], U.shape[2], eps)
    A = torch.einsum("nd,kdp->knp", Z, U)
    G = A @ A.transpose(1, 2)
    return b * torch.einsum("knp,kdp->nd", A - b * G @ A, U)


def compression_gradient_series(Z, U, eps: float = 0.5, *, order: int = 1) -> torch.Tensor:
    """The gradient with ``(I + βG)⁻¹`` replaced by its Neumann series up to ``(−βG)^order``: ``(N, d)``.

    ``Σ_k β Σ_{j=0}^{order} (−βG_k)^j A_k U_kᵀ``; ``order=1`` is Eq. (4)
    (:func:`compression_gradient_first_order`), and the series tends to Eq. (3) when ``β‖G_k‖ < 1``.
    The error of truncating after ``(−βG)^order`` is of order ``(β‖G‖)^(order+1)`` relative to the gradient.
    """
    Z = _tokens(Z)
    U = _subspaces(U, Z)
    eps = check_positive(eps, "eps")
    order = check_int(order, "order", low=0)
    b = _beta(Z.shape[0], U.shape[2], eps)
    A = torch.einsum("nd,kdp->knp", Z, U)
    G = A @ A.transpose(1, 2)
    term, total = A, A.clone()
    for _ in range(order):
        term = -b * G @ term
        total = total + term
    return b * torch.einsum("knp,kdp->nd", total, U)


def _mssa(A, U, b, attention, scale):
    """Unvalidated MSSA for projected tokens ``A: (..., K, N, p)``: ``β Σ_k S_k A_k U_kᵀ``."""
    G = A @ A.transpose(-1, -2)
    S = torch.softmax(scale * G, dim=-1) if attention == "softmax" else G
    return b * torch.einsum("...knp,kdp->...nd", S @ A, U)


def mssa(Z, U, eps: float = 0.5, *, attention: str = "softmax", scale: float = 1.0) -> torch.Tensor:
    """Multi-head subspace self-attention (lesson 18, Eq. (5)): ``β Σ_k S_k A_k U_kᵀ``, ``(N, d)``.

    ``A_k = Z U_k``; ``S_k = softmax(scale · A_k A_kᵀ)`` row-wise (``attention="softmax"``, the paper's
    operator; ``scale = 1`` in the derivation, ``1/√p`` in the trained network) or ``S_k = A_k A_kᵀ``
    (``attention="gram"``, the term the first-order gradient (4) contains). ``Z: (N, d)`` or ``(B, N, d)``.
    """
    Z = _tokens(Z, batched=True)
    U = _subspaces(U, Z)
    eps = check_positive(eps, "eps")
    attention = check_choice(attention, "attention", ("softmax", "gram"))
    scale = check_positive(scale, "scale")
    b = _beta(Z.shape[-2], U.shape[2], eps)
    A = torch.einsum("...nd,kdp->...knp", Z, U)
    return _mssa(A, U, b, attention, scale)


def mssa_step(Z, U, eps: float = 0.5, kappa: float = 0.1, *, attention: str = "softmax",
              scale: float = 1.0) -> torch.Tensor:
    """The compression step of a CRATE layer (lesson 18, Eq. (6)): ``(1 − κβ) Z + κβ MSSA(Z)``.

    With ``attention="gram"`` and orthonormal, complete subspaces (``Σ_k U_k U_kᵀ = I``) this is exactly
    ``Z − κ ∇R^c`` with the first-order gradient (4). ``kappa > 0`` is the step size.
    """
    Z = _tokens(Z, batched=True)
    kappa = check_positive(kappa, "kappa")
    eps = check_positive(eps, "eps")
    U = _subspaces(U, Z)
    b = _beta(Z.shape[-2], U.shape[2], eps)
    return (1 - kappa * b) * Z + kappa * b * mssa(Z, U, eps, attention=attention, scale=scale)


def orthogonal_subspaces(d: int, K: int, *, dtype=torch.float64, device=None, generator=None) -> torch.Tensor:
    """``U: (K, d, d // K)``: ``K`` random, mutually orthogonal subspaces that together span ``R^d``
    (the columns of one random orthogonal matrix, split in ``K`` blocks; ``K`` must divide ``d``)."""
    d = check_int(d, "d", low=1)
    K = check_int(K, "K", low=1, high=d)
    if d % K:
        raise ValueError(f"K must divide d = {d} (K subspaces of dimension d / K), got K = {K}.")
    g = as_generator(generator)
    Q, _ = torch.linalg.qr(torch.randn(d, d, generator=g, dtype=torch.float64))
    return Q.reshape(d, K, d // K).permute(1, 0, 2).contiguous().to(dtype=dtype, device=device)


# ------------------------------------------------------------------ the ISTA block

def _ista_block(Z, D, eta, lam):
    """Unvalidated Eq. (7) of lesson 18: ``ReLU(Z + η (Z − Z Dᵀ) D − ηλ)``."""
    return torch.relu(Z + eta * (Z - Z @ D.T) @ D - eta * lam)


def ista_block(Z, D, eta: float = 0.1, lam: float = 0.1) -> torch.Tensor:
    """CRATE's ISTA block (lesson 18, Eq. (7)): one non-negative ISTA step of the lasso
    ``min_{X ≥ 0} λ‖X‖₁ + ½‖Z − X Dᵀ‖²`` started at ``X = Z``: ``ReLU(Z + η (Z − Z Dᵀ) D − ηλ)``.

    ``Z: (N, d)`` or ``(B, N, d)`` tokens, ``D: (d, d)`` the dictionary (atoms as columns, lesson 03's
    convention), ``eta > 0`` the step, ``lam >= 0`` the sparsity weight. Same shape as ``Z``.
    """
    Z = _tokens(Z, batched=True)
    was_tensor = isinstance(D, torch.Tensor)
    if was_tensor:
        check_same_device(Z=Z, D=D)
    D = as_tensor(D, "D", ndim=2, dtype=Z.dtype, device=None if was_tensor else Z.device)
    if tuple(D.shape) != (Z.shape[-1], Z.shape[-1]):
        raise ValueError(f"D must have shape (d, d) = ({Z.shape[-1]}, {Z.shape[-1]}), got shape {tuple(D.shape)}.")
    eta = check_positive(eta, "eta")
    lam = check_positive(lam, "lam", allow_zero=True)
    return _ista_block(Z, D, eta, lam)


def nonzero_fraction(Z, tol: float = 0.0) -> float:
    """``‖Z‖₀ / numel``: the fraction of entries with ``|z| > tol`` (the paper's sparsity measure;
    lower is sparser)."""
    Z = as_tensor(Z, "Z")
    tol = check_positive(tol, "tol", allow_zero=True)
    return float((Z.detach().abs() > tol).double().mean())


# ------------------------------------------------------------------ tokens

def patchify(X, patch: int = 7, image_size: int = 28) -> torch.Tensor:
    """Images ``(B, image_size²)`` or ``(B, image_size, image_size)`` → tokens ``(B, N, patch²)``,
    ``N = (image_size / patch)²`` non-overlapping patches in row-major order."""
    X = as_tensor(X, "X", ndim=(2, 3))
    patch = check_int(patch, "patch", low=1)
    image_size = check_int(image_size, "image_size", low=1)
    if image_size % patch:
        raise ValueError(f"patch must divide image_size = {image_size}, got patch = {patch}.")
    if X.dim() == 2:
        if X.shape[1] != image_size ** 2:
            raise ValueError(f"X must have image_size² = {image_size ** 2} columns, got shape {tuple(X.shape)}.")
        X = X.reshape(-1, image_size, image_size)
    elif tuple(X.shape[1:]) != (image_size, image_size):
        raise ValueError(f"X must have shape (B, {image_size}, {image_size}), got {tuple(X.shape)}.")
    return _patchify(X, patch)


def _patchify(X, patch):
    B, H, W = X.shape
    h, w = H // patch, W // patch
    return X.reshape(B, h, patch, w, patch).permute(0, 1, 3, 2, 4).reshape(B, h * w, patch * patch)


# ------------------------------------------------------------------ the layers

def _uniform(shape, bound, g):
    return (torch.rand(*shape, generator=g) * 2 - 1) * bound


class MSSABlock(nn.Module):
    """Multi-head subspace self-attention, Eq. (5) of lesson 18, as a layer: ``U: (K, d, p)`` is the only
    weight (queries = keys = values = ``Z U_k``, output through ``U_kᵀ``), softmax scale ``1/√p``.
    ``forward(Z: (B, N, d)) -> (B, N, d)``; the learned scale of the output absorbs ``κβ``."""

    def __init__(self, dim: int, heads: int, *, generator=None):
        super().__init__()
        dim, heads = check_int(dim, "dim", low=1), check_int(heads, "heads", low=1)
        if dim % heads:
            raise ValueError(f"heads must divide dim = {dim}, got heads = {heads}.")
        g = as_generator(generator)
        p = dim // heads
        self.heads, self.p = heads, p
        self.U = nn.Parameter(_uniform((heads, dim, p), 1 / math.sqrt(dim), g))
        self.step = nn.Parameter(torch.ones(()))          # κβ, learned

    def attention(self, Z):
        """The attention maps ``softmax(A_k A_kᵀ / √p): (B, K, N, N)``."""
        A = torch.einsum("bnd,kdp->bknp", Z, self.U)
        return torch.softmax(A @ A.transpose(-1, -2) / math.sqrt(self.p), dim=-1)

    def forward(self, Z):
        A = torch.einsum("bnd,kdp->bknp", Z, self.U)
        return self.step * _mssa(A, self.U, 1.0, "softmax", 1 / math.sqrt(self.p))


class ISTABlock(nn.Module):
    """The ISTA block, Eq. (7) of lesson 18, as a layer: dictionary ``D: (d, d)``, step ``eta``, weight ``lam``
    (fixed numbers, 0.1 and 0.1 as in the paper's code). ``forward(Z: (B, N, d)) -> (B, N, d)``, non-negative."""

    def __init__(self, dim: int, eta: float = 0.1, lam: float = 0.1, *, generator=None):
        super().__init__()
        dim = check_int(dim, "dim", low=1)
        self.eta, self.lam = check_positive(eta, "eta"), check_positive(lam, "lam", allow_zero=True)
        g = as_generator(generator)
        self.D = nn.Parameter(_uniform((dim, dim), math.sqrt(6 / dim), g))    # Kaiming-uniform, as in the code

    def forward(self, Z):
        return _ista_block(Z, self.D, self.eta, self.lam)


class _Tokenizer(nn.Module):
    def __init__(self, dim, patch, image_size, pool, g):
        super().__init__()
        self.patch, self.image_size, self.pool = patch, image_size, pool
        n, pd = (image_size // patch) ** 2, patch * patch
        self.embed = nn.Linear(pd, dim)
        with torch.no_grad():
            self.embed.weight.copy_(_uniform((dim, pd), 1 / math.sqrt(pd), g))
            self.embed.bias.zero_()
        self.pos = nn.Parameter(0.02 * torch.randn(1, n + (pool == "cls"), dim, generator=g))
        self.cls = nn.Parameter(0.02 * torch.randn(1, 1, dim, generator=g)) if pool == "cls" else None

    def forward(self, X):
        if X.dim() == 2:
            X = X.reshape(-1, self.image_size, self.image_size)
        T = self.embed(_patchify(X, self.patch))
        if self.cls is not None:
            T = torch.cat([self.cls.expand(T.shape[0], -1, -1), T], dim=1)
        return T + self.pos

    def readout(self, Z):
        return Z[:, 0] if self.pool == "cls" else Z.mean(1)


def _head(dim, n_classes, g):
    lin = nn.Linear(dim, n_classes)
    with torch.no_grad():
        lin.weight.copy_(_uniform((n_classes, dim), 1 / math.sqrt(dim), g))
        lin.bias.zero_()
    return lin


def _check_model_args(dim, depth, heads, n_classes, patch, image_size, pool):
    dim, depth, heads = check_int(dim, "dim", low=1), check_int(depth, "depth", low=1), check_int(heads, "heads", low=1)
    n_classes, patch = check_int(n_classes, "n_classes", low=2), check_int(patch, "patch", low=1)
    image_size = check_int(image_size, "image_size", low=1)
    if image_size % patch:
        raise ValueError(f"patch must divide image_size = {image_size}, got patch = {patch}.")
    if dim % heads:
        raise ValueError(f"heads must divide dim = {dim}, got heads = {heads}.")
    pool = check_choice(pool, "pool", ("cls", "mean"))
    return dim, depth, heads, n_classes, patch, image_size, pool


class CRATE(nn.Module):
    """A tiny CRATE classifier for grey images (lesson 18): ``depth`` layers of
    ``Z ← ISTA(LN(Z + MSSA(LN(Z))))`` (Eqs. (5)–(7)), as in the paper's code (pre-norm, a residual around
    MSSA only). ``forward(X: (B, image_size²)) -> logits (B, n_classes)``; :meth:`layers_out` gives the
    tokens after each block."""

    def __init__(self, dim: int = 48, depth: int = 4, heads: int = 4, n_classes: int = 10, *, patch: int = 7,
                 image_size: int = 28, pool: str = "cls", eta: float = 0.1, lam: float = 0.1, generator=None):
        super().__init__()
        dim, depth, heads, n_classes, patch, image_size, pool = _check_model_args(
            dim, depth, heads, n_classes, patch, image_size, pool)
        g = as_generator(generator)
        self.tokens = _Tokenizer(dim, patch, image_size, pool, g)
        self.norm1 = nn.ModuleList(nn.LayerNorm(dim) for _ in range(depth))
        self.norm2 = nn.ModuleList(nn.LayerNorm(dim) for _ in range(depth))
        self.mssa = nn.ModuleList(MSSABlock(dim, heads, generator=g) for _ in range(depth))
        self.ista = nn.ModuleList(ISTABlock(dim, eta, lam, generator=g) for _ in range(depth))
        self.norm = nn.LayerNorm(dim)
        self.head = _head(dim, n_classes, g)

    def layers_out(self, X):
        """``[(Z^{l+1/2}, Z^{l+1}) for each layer]``: the tokens after MSSA (with the residual) and after ISTA,
        each ``(B, N, d)``."""
        Z = self.tokens(X)
        out = []
        for n1, n2, att, ista in zip(self.norm1, self.norm2, self.mssa, self.ista):
            half = Z + att(n1(Z))
            Z = ista(n2(half))
            out.append((half, Z))
        return out

    def forward(self, X):
        Z = self.tokens(X)
        for n1, n2, att, ista in zip(self.norm1, self.norm2, self.mssa, self.ista):
            Z = ista(n2(Z + att(n1(Z))))
        return self.head(self.tokens.readout(self.norm(Z)))


class _ViTLayer(nn.Module):
    def __init__(self, dim, heads, mlp_ratio, g):
        super().__init__()
        self.heads = heads
        self.n1, self.n2 = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.qkv, self.out = nn.Linear(dim, 3 * dim), nn.Linear(dim, dim)
        self.fc1, self.fc2 = nn.Linear(dim, mlp_ratio * dim), nn.Linear(mlp_ratio * dim, dim)
        with torch.no_grad():
            for lin in (self.qkv, self.out, self.fc1, self.fc2):
                lin.weight.copy_(_uniform(lin.weight.shape, 1 / math.sqrt(lin.weight.shape[1]), g))
                lin.bias.zero_()

    def forward(self, Z):
        B, N, d = Z.shape
        q, k, v = self.qkv(self.n1(Z)).reshape(B, N, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(d // self.heads), dim=-1)
        Z = Z + self.out((att @ v).transpose(1, 2).reshape(B, N, d))
        return Z + self.fc2(F.gelu(self.fc1(self.n2(Z))))


class ViT(nn.Module):
    """A standard pre-norm vision transformer (Dosovitskiy et al. 2021) with the same tokenizer and head as
    :class:`CRATE`: ``depth`` layers of ``Z ← Z + MHSA(LN(Z)); Z ← Z + MLP(LN(Z))`` (separate queries, keys,
    values; MLP ``d → mlp_ratio·d → d`` with GELU). ``forward(X: (B, image_size²)) -> logits``."""

    def __init__(self, dim: int = 24, depth: int = 4, heads: int = 4, n_classes: int = 10, *, patch: int = 7,
                 image_size: int = 28, pool: str = "cls", mlp_ratio: int = 4, generator=None):
        super().__init__()
        dim, depth, heads, n_classes, patch, image_size, pool = _check_model_args(
            dim, depth, heads, n_classes, patch, image_size, pool)
        mlp_ratio = check_int(mlp_ratio, "mlp_ratio", low=1)
        g = as_generator(generator)
        self.tokens = _Tokenizer(dim, patch, image_size, pool, g)
        self.layers = nn.ModuleList(_ViTLayer(dim, heads, mlp_ratio, g) for _ in range(depth))
        self.norm = nn.LayerNorm(dim)
        self.head = _head(dim, n_classes, g)

    def forward(self, X):
        Z = self.tokens(X)
        for layer in self.layers:
            Z = layer(Z)
        return self.head(self.tokens.readout(self.norm(Z)))


def vit_width_for(n_params: int, *, depth: int = 4, heads: int = 4, **kwargs) -> int:
    """The width (a multiple of ``heads``) at which :class:`ViT` has the parameter count closest to ``n_params``."""
    from .training import count_parameters
    n_params = check_int(n_params, "n_params", low=1)
    depth, heads = check_int(depth, "depth", low=1), check_int(heads, "heads", low=1)
    best, best_gap = heads, None
    for w in range(heads, 64 * heads + 1, heads):
        gap = abs(count_parameters(ViT(w, depth, heads, generator=0, **kwargs)) - n_params)
        if best_gap is None or gap < best_gap:
            best, best_gap = w, gap
        elif gap > best_gap:
            break
    return best


@torch.no_grad()
def layer_statistics(model: CRATE, X, eps: float = 0.5) -> dict:
    """Per layer of a :class:`CRATE`: the compression term ``R^c`` (Eq. (2), mean over images) of the
    tokens after MSSA, each token standardised (zero mean, unit variance over its ``d`` coordinates, so
    layers are compared at one scale), against that layer's subspaces ``U``; and the fraction of non-zero
    entries of the ISTA output. Returns ``{"compression": [...], "nonzero": [...]}``, one float per layer."""
    if not isinstance(model, CRATE):
        raise TypeError(f"model must be a CRATE, got {type(model).__name__}.")
    eps = check_positive(eps, "eps")
    X = as_tensor(X, "X", ndim=(2, 3))
    was = model.training
    model.eval()
    try:
        comp, nz = [], []
        for (half, Z), att in zip(model.layers_out(X), model.mssa):
            Hs = F.layer_norm(half, half.shape[-1:])
            comp.append(float(compression_rate(Hs, att.U.detach().to(Hs.dtype), eps)))
            nz.append(nonzero_fraction(Z))
        return {"compression": comp, "nonzero": nz}
    finally:
        model.train(was)
