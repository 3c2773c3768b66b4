"""Sparse coding and dictionary learning (lesson 03).

Conventions, used by every function here (lesson 03, Eq. (1)):

* signals are the **rows** of ``X: (n, d)`` (a single signal ``x: (d,)`` is accepted too);
* a dictionary ``D: (d, m)`` holds ``m`` atoms as its **columns**;
* codes are the rows of ``Z: (n, m)``, so the reconstruction is ``Z @ D.T``;
* each signal's lasso objective is ``F(z) = ½‖x − D z‖² + λ‖z‖₁`` (no ``1/n``, no ``1/d``).

Translating to scikit-learn: ``Lasso(alpha=λ / d, fit_intercept=False).fit(D, x)``
minimises ``F/d``, and ``sparse_encode(X, D.T, alpha=λ, algorithm="lasso_cd")`` minimises
``F`` itself (it divides ``alpha`` by ``d`` before calling ``Lasso``). scikit-learn stores
dictionaries transposed, atoms as rows ``(m, d)``.

All functions are torch, batched over signals, run on the device of ``X`` and keep its
float dtype (float32 or float64; half precision is computed in float32). Soft thresholding is
the shared primitive :func:`lowdim_utils.prox.soft_threshold`; random initialisations follow
the package's policy (:mod:`lowdim_utils.rng`). An all-zero dictionary has ``L = 0``: every
signal's lasso solution is then ``z = 0``, which ISTA, FISTA and one ISTA step return.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from .device import threads, threads_for
from .progress import progress_bar
from .prox import _soft_threshold, soft_threshold
from .rng import as_generator
from .training import fit
from .validate import as_matrix, as_tensor, check_bool, check_choice, check_int, check_positive, check_same_device

__all__ = ["soft_threshold", "lasso_objective", "lipschitz_constant", "ista_step", "ista", "fista", "lasso",
           "SparseCodes", "LISTA", "train_lista", "dictionary_learning", "DictionaryResult",
           "normalize_atoms", "match_atoms", "image_patches", "lambda_max", "basis_pursuit",
           "mutual_coherence"]


# ------------------------------------------------------------------ validation helpers

def _signals(X, name="X"):
    """Validate signals: ``(n, d)`` or a single ``(d,)``; returns the 2-D tensor and whether it was 1-D."""
    t = as_tensor(X, name, ndim=(1, 2))
    if t.dim() == 1:
        return t[None, :], True
    return t, False


def _dictionary(D, X, name="D"):
    """Validate a dictionary ``(d, m)`` against signals ``X: (n, d)`` (same device, dtype and d)."""
    was_tensor = isinstance(D, torch.Tensor)
    if was_tensor:
        check_same_device(X=X, **{name: D})
    D = as_matrix(D, name, dtype=None if was_tensor else X.dtype, device=None if was_tensor else X.device)
    if D.dtype != X.dtype:
        raise TypeError(f"{name} has dtype {D.dtype} but the signals have {X.dtype}; pass both in one dtype, "
                        f"e.g. {name}.to(X.dtype).")
    if D.shape[0] != X.shape[1]:
        raise ValueError(f"{name} must have shape (d, m) with d = {X.shape[1]} rows (one per signal coordinate), "
                         f"got shape {tuple(D.shape)}.")
    return D


def _codes(Z, X, D, name="Z"):
    """Validate codes ``(n, m)`` for signals ``X: (n, d)`` and dictionary ``D: (d, m)``."""
    was_tensor = isinstance(Z, torch.Tensor)
    if was_tensor:
        check_same_device(X=X, **{name: Z})
    Z = as_tensor(Z, name, ndim=(1, 2), dtype=None if was_tensor else X.dtype,
                  device=None if was_tensor else X.device)
    if Z.dim() == 1:
        Z = Z[None, :]
    if Z.dtype != X.dtype:
        raise TypeError(f"{name} has dtype {Z.dtype} but the signals have {X.dtype}; pass both in one dtype.")
    if tuple(Z.shape) != (X.shape[0], D.shape[1]):
        raise ValueError(f"{name} must have shape (n, m) = ({X.shape[0]}, {D.shape[1]}) (one code of length m per "
                         f"signal), got {tuple(Z.shape)}.")
    return Z


def _lam(lam):
    return check_positive(lam, "lam", allow_zero=True)


# ------------------------------------------------------------------ the building blocks

def lasso_objective(X, D, Z, lam):
    """Per-signal lasso objective ``F(z_i) = ½‖x_i − D z_i‖² + λ‖z_i‖₁`` (lesson 03, Eq. (1)).

    ``X: (n, d)``, ``D: (d, m)``, ``Z: (n, m)``; returns ``(n,)`` (a scalar tensor for one signal ``x: (d,)``).
    """
    X, single = _signals(X)
    D = _dictionary(D, X)
    Z = _codes(Z, X, D)
    out = _objective(X, D, Z, _lam(lam))
    return out[0] if single else out


def _objective(X, D, Z, lam):
    R = X - Z @ D.T
    return 0.5 * (R * R).sum(1) + lam * Z.abs().sum(1)


def lambda_max(X, D):
    """The smallest ``λ`` for which every code is zero: ``max_i ‖Dᵀx_i‖_∞`` (lesson 03, Eq. (3)). Returns a float."""
    X, _ = _signals(X)
    D = _dictionary(D, X)
    return float((X @ D).abs().max())


def lipschitz_constant(D, *, method: str = "svd", n_iter: int = 100, generator=None) -> float:
    """``L = ‖D‖₂² = σ_max(D)²``, the Lipschitz constant of the gradient of ``½‖x − Dz‖²`` (lesson 03, Eq. (6)).

    ``method="svd"`` uses ``torch.linalg.svdvals``; ``method="power"`` runs ``n_iter`` steps of power
    iteration on ``DᵀD`` (lesson 01), which slightly underestimates ``L``, so 1 % is added for safety.
    """
    D = as_matrix(D, "D")
    check_choice(method, "method", ("svd", "power"))
    if method == "svd":
        return float(torch.linalg.svdvals(D)[0]) ** 2
    n_iter = check_int(n_iter, "n_iter", low=1)
    gen = as_generator(generator)
    v = torch.randn(D.shape[1], generator=gen, dtype=D.dtype, device=gen.device).to(D.device)
    v = v / v.norm()
    if float(D.abs().max()) == 0:
        return 0.0
    for _ in range(n_iter):
        w = D.T @ (D @ v)
        v = w / w.norm().clamp_min(torch.finfo(D.dtype).tiny)
    return 1.01 * float(v @ (D.T @ (D @ v)))


def ista_step(Z, X, D, lam, step=None, *, nonnegative: bool = False):
    """One proximal-gradient (ISTA) step for the lasso (lesson 03, Eq. (7)):

    ``Z ← S_{step·λ}(Z − step · (Z Dᵀ − X) D)``, i.e. a gradient step on ``½‖X − Z Dᵀ‖²``
    followed by soft thresholding (rows of ``Z`` are codes of the rows of ``X``).

    ``Z: (n, m)``, ``X: (n, d)``, ``D: (d, m)``; ``step`` defaults to ``1/L`` with ``L = ‖D‖₂²``.
    ``nonnegative=True`` uses the prox of ``λ‖z‖₁ + [z ≥ 0]``, i.e. ``ReLU(v − step·λ)``
    (the form used by CRATE's ISTA block, lesson 18). Differentiable in all arguments.
    Returns the new ``Z: (n, m)`` (``(m,)`` for a single signal).
    """
    X, single = _signals(X)
    D = _dictionary(D, X)
    Z = _codes(Z, X, D)
    lam = _lam(lam)
    nonnegative = check_bool(nonnegative, "nonnegative")
    if step is None:
        L = lipschitz_constant(D.detach())
        if L == 0:   # D = 0: the gradient vanishes and the lasso solution is z = 0
            out = torch.zeros_like(Z)
            return out[0] if single else out
        step = 1.0 / L
    else:
        step = check_positive(step, "step")
    out = _soft_threshold(Z - step * ((Z @ D.T - X) @ D), step * lam, nonnegative)
    return out[0] if single else out


@dataclass
class SparseCodes:
    """Result of :func:`ista` / :func:`fista`.

    ``codes: (n, m)`` (or ``(m,)`` for one signal); ``history: (k + 1,)`` the mean objective
    ``(1/n) Σᵢ F(zᵢ)`` at the initial point and after each of the ``k`` iterations run
    (``None`` with ``track_objective=False``); ``n_iter``: iterations run; ``L``: the Lipschitz constant used.
    """

    codes: torch.Tensor
    history: torch.Tensor | None
    n_iter: int
    L: float
    #: for :func:`lasso`: which codes satisfy the optimality condition Eq. (3) to round-off
    exact: torch.Tensor | None = None

    def __iter__(self):  # allows `Z, hist = fista(...)`
        return iter((self.codes, self.history))


def _prepare(X, D, lam, n_iter, Z0, L, tol):
    X, single = _signals(X)
    D = _dictionary(D, X)
    lam = _lam(lam)
    n_iter = check_int(n_iter, "n_iter", low=0)
    tol = check_positive(tol, "tol", allow_zero=True)
    Z = (torch.zeros(X.shape[0], D.shape[1], dtype=X.dtype, device=X.device) if Z0 is None
         else _codes(Z0, X, D, "Z0").clone())
    L = lipschitz_constant(D) if L is None else check_positive(L, "L", allow_zero=True)
    return X, D, lam, n_iter, Z, L, tol, single


def _forward_step_fn(X, D, L):
    """``Y ↦ Y − (1/L)(Y Dᵀ − X) D``, the gradient step of Eq. (7), in as few passes as possible:
    with ``M = I − DᵀD/L`` and ``C = X D/L`` it is one fused ``C + Y M`` when ``m <= 2d``
    (cost ``n m²``), otherwise two products through the residual (cost ``2 n d m``)."""
    n, d = X.shape
    m = D.shape[1]
    if m <= 2 * d:
        M = torch.eye(m, dtype=D.dtype, device=D.device) - (D.T @ D) / L
        C = (X @ D) / L
        return lambda Y: torch.addmm(C, Y, M)
    Dt = D.T.contiguous()
    return lambda Y: torch.addmm(Y, torch.addmm(X, Y, Dt, alpha=-1.0), D, alpha=1.0 / L)


def _loop(X, D, lam, n_iter, Z, L, tol, single, *, momentum, nonnegative, track_objective, progress, desc):
    nonnegative = check_bool(nonnegative, "nonnegative")
    n, d = X.shape
    m = D.shape[1]
    with threads(threads_for(2.0 * n * m * min(m, 2 * d), X.device)):
        return _iterate(X, D, lam, n_iter, Z, L, tol, single, momentum, nonnegative, track_objective,
                        progress, desc)


def _iterate(X, D, lam, n_iter, Z, L, tol, single, momentum, nonnegative, track_objective, progress, desc):
    if L == 0:   # an all-zero dictionary: every code is 0 (the lasso minimiser), in one step
        Z0 = Z
        Z = torch.zeros_like(Z)
        hist = ([_objective(X, D, Z0, lam).mean(), _objective(X, D, Z, lam).mean()] if track_objective else None)
        return SparseCodes(Z[0] if single else Z, torch.stack(hist) if hist else None, min(1, n_iter), 0.0)
    forward = _forward_step_fn(X, D, L)
    thr = lam / L
    hist = [_objective(X, D, Z, lam).mean()] if track_objective else None
    Y, t = Z, 1.0
    bar = progress_bar(total=n_iter, desc=desc) if progress else None
    k = 0
    for k in range(1, n_iter + 1):
        V = forward(Y)
        Z_new = _soft_threshold(V, thr, nonnegative)                 # soft threshold, Eq. (4)
        if momentum:                                   # FISTA, lesson 03 Eq. (9)
            t_new = (1.0 + math.sqrt(1.0 + 4.0 * t * t)) / 2.0
            Y = torch.lerp(Z_new, Z, -(t - 1.0) / t_new)   # Z_new + (t−1)/t_new · (Z_new − Z)
            t = t_new
        else:
            Y = Z_new
        delta = (Z_new - Z).norm() if tol > 0 else None
        Z = Z_new
        if track_objective:
            hist.append(_objective(X, D, Z, lam).mean())
        if bar is not None:
            bar.update(1)
        if tol > 0 and float(delta) <= tol * max(float(Z.norm()), 1e-30):
            break
    if bar is not None:
        bar.close()
    history = torch.stack(hist) if track_objective else None
    return SparseCodes(Z[0] if single else Z, history, k, L)


def ista(X, D, lam, *, n_iter: int = 100, tol: float = 0.0, Z0=None, L: float | None = None,
         nonnegative: bool = False, track_objective: bool = True, progress: bool = False) -> SparseCodes:
    """ISTA (proximal gradient, lesson 03 Eq. (7)) for the lasso of every row of ``X: (n, d)`` at once.

    Step ``1/L`` with ``L = ‖D‖₂²`` (or the given ``L``), start ``Z0`` (zeros by default),
    ``n_iter`` iterations, stopping early when ``‖Z_k − Z_{k−1}‖_F ≤ tol‖Z_k‖_F``.
    Convergence: ``F(z_k) − F* ≤ L‖z₀ − z*‖²/(2k)`` (lesson 03, theorem “ISTA converges at rate 1/k”).
    Returns :class:`SparseCodes` with ``codes: (n, m)`` and the objective ``history``.
    """
    args = _prepare(X, D, lam, n_iter, Z0, L, tol)
    return _loop(*args, momentum=False, nonnegative=nonnegative, track_objective=track_objective,
                 progress=progress, desc="ISTA")


def fista(X, D, lam, *, n_iter: int = 100, tol: float = 0.0, Z0=None, L: float | None = None,
          nonnegative: bool = False, track_objective: bool = True, progress: bool = False) -> SparseCodes:
    """FISTA (Beck & Teboulle 2009; lesson 03 Eq. (9)): ISTA steps taken at an extrapolated point.

    Same arguments and result as :func:`ista`. Convergence:
    ``F(z_k) − F* ≤ 2L‖z₀ − z*‖²/(k + 1)²`` (lesson 03, theorem “FISTA converges at rate 1/k²”); the objective is not monotone.
    """
    args = _prepare(X, D, lam, n_iter, Z0, L, tol)
    return _loop(*args, momentum=True, nonnegative=nonnegative, track_objective=track_objective,
                 progress=progress, desc="FISTA")


def lasso(X, D, lam, *, n_iter: int = 2000, check_every: int = 25, kkt_tol: float = 1e-9,
          chunk_size: int = 256) -> SparseCodes:
    """Exact lasso codes of every row of ``X: (n, d)``: FISTA finds each support, a linear solve finishes.

    The optimality condition (lesson 03, Eq. (3)) says that on the support ``S`` of ``z*`` with
    signs ``s``, ``D_Sᵀ(x − D_S z_S) = λ s``, i.e. ``G_SS z_S = c_S − λ s_S`` with ``G = DᵀD`` and
    ``c = Dᵀx`` — a small linear system once ``S`` and ``s`` are known. So every
    ``check_every`` FISTA iterations, each signal not yet finished takes its current support and
    signs, solves that system (batched, ``chunk_size`` signals at a time), and keeps the result if
    it satisfies Eq. (3) exactly: the signs agree on ``S`` and ``|c_j − (Gz)_j| ≤ λ(1 + kkt_tol)``
    off it. Such a ``z`` *is* a minimiser (the condition is sufficient for a convex problem), to
    round-off — where FISTA alone approaches the optimum at rate ``1/k²``. Signals that have not
    passed after ``n_iter`` iterations keep FISTA's iterate (``exact`` marks which passed).

    Returns :class:`SparseCodes` with ``history=None`` and ``exact: (n,)`` bool.
    """
    X, single = _signals(X)
    D = _dictionary(D, X)
    lam = _lam(lam)
    n_iter = check_int(n_iter, "n_iter", low=1)
    check_every = check_int(check_every, "check_every", low=1)
    kkt_tol = check_positive(kkt_tol, "kkt_tol", allow_zero=True)
    chunk_size = check_int(chunk_size, "chunk_size", low=1)
    n, m = X.shape[0], D.shape[1]
    L = lipschitz_constant(D)
    Z = torch.zeros(n, m, dtype=X.dtype, device=X.device)
    exact = torch.zeros(n, dtype=torch.bool, device=X.device)
    if L == 0:
        return SparseCodes(Z[0] if single else Z, None, 0, 0.0, exact[0] if single else exact.fill_(True))
    G = D.T @ D
    C = X @ D
    eye = torch.eye(m, dtype=X.dtype, device=X.device)
    done_iter = 0
    with threads(threads_for(2.0 * n * m * m, X.device)):
        while done_iter < n_iter:
            todo = (~exact).nonzero().squeeze(1)
            if todo.numel() == 0:
                break
            steps = min(check_every, n_iter - done_iter)
            Z[todo] = _iterate(X[todo], D, lam, steps, Z[todo], L, 0.0, False, True, False, False, False, "").codes
            done_iter += steps
            for part in todo.split(chunk_size):
                Zp = Z[part]
                mask = Zp != 0
                sgn = torch.sign(Zp)
                k = max(1, int(mask.sum(dim=1).max()))
                # each signal's support, padded to the largest one: a batch of k x k systems G_SS
                on, idx = torch.topk(mask.to(X.dtype), k, dim=1)                       # (b, k)
                A = G[idx[:, :, None], idx[:, None, :]] * (on[:, :, None] * on[:, None, :])
                A = A + torch.diag_embed(1.0 - on)                                     # padding: identity
                rhs = torch.gather(C[part] - lam * sgn, 1, idx) * on
                zs = torch.linalg.solve(A, rhs.unsqueeze(-1)).squeeze(-1) * on
                z = torch.zeros_like(Zp).scatter_(1, idx, zs)
                corr = C[part] - z @ G                                   # D^T (x - D z)
                signs_ok = ((torch.sign(z) == sgn) | ~mask).all(dim=1)
                off_ok = ((corr.abs() <= lam * (1 + kkt_tol)) | mask).all(dim=1)
                ok = signs_ok & off_ok & torch.isfinite(z).all(dim=1)
                Z[part[ok]] = z[ok]
                exact[part[ok]] = True
    return SparseCodes(Z[0] if single else Z, None, done_iter, L, exact[0] if single else exact)


# ------------------------------------------------------------------ LISTA

class LISTA(nn.Module):
    """Learned ISTA (Gregor & LeCun 2010; lesson 03 Eq. (17)): ``T`` unrolled layers

    ``Z ← S_θₜ(X W + Z S)``, with ``W: (d, m)`` and ``S: (m, m)`` shared by all layers and a
    threshold vector ``θₜ: (m,)`` per layer. Initialised at ISTA — ``W = D/L``,
    ``S = I − DᵀD/L``, ``θₜ = λ/L`` — so that before training ``LISTA(X)`` equals ``T``
    ISTA iterations from ``Z = 0``. ``forward(X: (n, d)) → Z: (n, m)``.
    """

    def __init__(self, D, lam: float, n_layers: int = 8):
        super().__init__()
        D = as_matrix(D, "D")
        lam = _lam(lam)
        self.n_layers = check_int(n_layers, "n_layers", low=1)
        L = lipschitz_constant(D)
        if L == 0:
            raise ValueError("D must not be all zeros: LISTA starts from ISTA's step 1/L, and L = ‖D‖₂² = 0.")
        m = D.shape[1]
        self.W = nn.Parameter(D.detach().clone() / L)
        self.S = nn.Parameter(torch.eye(m, dtype=D.dtype, device=D.device) - D.detach().T @ D.detach() / L)
        self.theta = nn.Parameter(torch.full((self.n_layers, m), lam / L, dtype=D.dtype, device=D.device))

    def forward(self, X, n_layers: int | None = None):
        """Codes ``(n, m)`` of ``X: (n, d)`` after ``n_layers`` (default: all) layers."""
        X = as_matrix(X, "X")
        check_same_device(X=X, W=self.W)
        if X.dtype != self.W.dtype:
            raise TypeError(f"X has dtype {X.dtype} but the model has {self.W.dtype}; use X.to({self.W.dtype}).")
        if X.shape[1] != self.W.shape[0]:
            raise ValueError(f"X must have {self.W.shape[0]} columns, got shape {tuple(X.shape)}.")
        T = self.n_layers if n_layers is None else check_int(n_layers, "n_layers", low=0, high=self.n_layers)
        B = X @ self.W
        theta = self.theta.abs()  # thresholds stay non-negative
        Z = torch.zeros_like(B)
        for t in range(T):
            Z = _soft_threshold(B + Z @ self.S, theta[t])
        return Z


def train_lista(model: LISTA, X, Z_target, *, n_steps: int = 500, batch_size: int = 256, lr: float = 1e-3,
                generator=None, progress: bool = False) -> list:
    """Train ``model`` to map ``X: (n, d)`` to the lasso codes ``Z_target: (n, m)`` (mean squared code error,
    Gregor & LeCun's loss) with Adam, each of ``n_steps`` steps on ``batch_size`` rows drawn at random
    (with replacement; ``generator`` per :mod:`lowdim_utils.rng`). Uses :func:`lowdim_utils.training.fit`.
    Returns the list of batch losses."""
    if not isinstance(model, LISTA):
        raise TypeError(f"model must be a LISTA, got {type(model).__name__}.")
    X = as_matrix(X, "X")
    Z_target = as_matrix(Z_target, "Z_target", dtype=X.dtype)
    check_same_device(X=X, Z_target=Z_target, model=model.W)
    if Z_target.shape[0] != X.shape[0]:
        raise ValueError(f"Z_target must have one row per signal ({X.shape[0]}), got shape {tuple(Z_target.shape)}.")
    n_steps = check_int(n_steps, "n_steps", low=1)
    batch_size = check_int(batch_size, "batch_size", low=1)

    def code_error(m, xb, zb):
        return ((m(xb) - zb) ** 2).sum(1).mean()
    hist = fit(model, code_error, (X, Z_target), steps=n_steps, batch_size=min(batch_size, X.shape[0]),
               sampling="replacement", lr=lr, generator=generator, progress=progress, desc="training LISTA")
    return hist["step_loss"]


# ------------------------------------------------------------------ dictionary learning

@dataclass
class DictionaryResult:
    """Result of :func:`dictionary_learning`: ``dictionary: (d, m)`` (unit-norm columns),
    ``codes: (n, m)``, ``history``: the mean objective (1/n)Σ F after each outer iteration."""

    dictionary: torch.Tensor
    codes: torch.Tensor
    history: list


def normalize_atoms(D, eps: float = 1e-12):
    """Scale every column of ``D: (d, m)`` to unit Euclidean norm; returns ``(D_unit, norms: (m,))``."""
    D = as_matrix(D, "D")
    norms = D.norm(dim=0).clamp_min(eps)
    return D / norms, norms


def dictionary_learning(X, n_atoms: int, lam: float, *, n_iter: int = 30, method: str = "bcd",
                        coding_iter: int = 50, D0=None, generator=None, progress: bool = False) -> DictionaryResult:
    """Learn ``D: (d, n_atoms)`` and sparse codes of ``X: (n, d)`` by alternating minimisation of

    ``(1/n) Σᵢ ½‖xᵢ − D zᵢ‖² + λ‖zᵢ‖₁`` subject to unit-norm atoms (lesson 03, Eq. (14)).

    Each outer iteration (i) codes all signals with ``coding_iter`` FISTA steps, warm-started from
    the previous codes, and (ii) updates the dictionary:

    * ``method="mod"`` (method of optimal directions): the least-squares solution
      ``D = XᵀZ (ZᵀZ)⁻¹`` (Eq. (15)), then every atom rescaled to unit norm (codes rescaled alike);
    * ``method="bcd"``: one sweep of block-coordinate descent over the atoms with ``A = ZᵀZ``,
      ``B = XᵀZ`` — ``dⱼ ← dⱼ + (bⱼ − D aⱼ)/A_jj`` then projected on the unit ball (Eq. (16),
      the dictionary update of Mairal et al. 2009).

    The coding step keeps, per signal, the better of the old and new codes, and the BCD step
    minimises exactly over each atom, so with ``method="bcd"`` the objective never increases;
    MOD's renormalisation rescales the codes and can increase the ℓ₁ term slightly.
    Atoms no signal uses are replaced by the worst-reconstructed signal (normalised).
    ``D0``: initial dictionary (default: ``n_atoms`` random signals, normalised).
    """
    X = as_matrix(X, "X")
    n, d = X.shape
    n_atoms = check_int(n_atoms, "n_atoms", low=1)
    lam = _lam(lam)
    n_iter = check_int(n_iter, "n_iter", low=1)
    coding_iter = check_int(coding_iter, "coding_iter", low=1)
    check_choice(method, "method", ("mod", "bcd"))
    gen = as_generator(generator)
    if D0 is None:
        idx = torch.randperm(n, generator=gen, device=gen.device)[:n_atoms]
        if n_atoms > n:
            raise ValueError(f"n_atoms must be <= n = {n} when D0 is not given (atoms start as signals), "
                             f"got {n_atoms}.")
        D = X[idx.to(X.device)].T.clone()
        D = D + 1e-3 * torch.randn(D.shape, generator=gen, dtype=X.dtype, device=gen.device).to(X.device)  # split duplicates
    else:
        D = _dictionary(D0, X, "D0").clone()
        if D.shape[1] != n_atoms:
            raise ValueError(f"D0 must have n_atoms = {n_atoms} columns, got shape {tuple(D.shape)}.")
    D, _ = normalize_atoms(D)
    Z = torch.zeros(n, n_atoms, dtype=X.dtype, device=X.device)
    history = []
    for _ in progress_bar(range(n_iter), desc=f"dictionary learning ({method})", disable=not progress):
        Z_new = fista(X, D, lam, n_iter=coding_iter, Z0=Z, track_objective=False).codes
        # FISTA is not monotone: keep, per signal, the better of the old and new codes
        better = _objective(X, D, Z_new, lam) <= _objective(X, D, Z, lam)
        Z = torch.where(better[:, None], Z_new, Z)
        A, B = Z.T @ Z, X.T @ Z
        if method == "mod":
            ridge = 1e-8 * float(A.diagonal().mean().clamp_min(1e-30))
            D_new = torch.linalg.solve(A + ridge * torch.eye(n_atoms, dtype=X.dtype, device=X.device), B.T).T
            D, norms = normalize_atoms(D_new)
            Z = Z * norms                     # same reconstruction Z Dᵀ with unit-norm atoms
        else:
            for j in range(n_atoms):
                if A[j, j] > 1e-10:
                    u = D[:, j] + (B[:, j] - D @ A[:, j]) / A[j, j]
                    D[:, j] = u / max(float(u.norm()), 1.0)
        unused = (Z.abs().sum(0) == 0).nonzero().flatten()
        if len(unused):
            err = ((X - Z @ D.T) ** 2).sum(1)
            worst = err.argsort(descending=True)[: len(unused)]
            D[:, unused] = normalize_atoms(X[worst].T)[0]
            Z[:, unused] = 0
        history.append(float(_objective(X, D, Z, lam).mean()))
    Z = fista(X, D, lam, n_iter=coding_iter, Z0=Z, track_objective=False).codes
    history.append(float(_objective(X, D, Z, lam).mean()))
    return DictionaryResult(D, Z, history)


def match_atoms(D_est, D_true):
    """Match the atoms (columns) of ``D_est: (d, m₁)`` to those of ``D_true: (d, m₂)`` up to sign and
    permutation: the Hungarian algorithm (``scipy.optimize.linear_sum_assignment``) maximises the
    total ``|cos|``. Returns ``(cos: (min(m₁, m₂),), rows, cols)`` — the matched ``|cos|`` and the
    matched column indices of ``D_est`` and ``D_true``."""
    from scipy.optimize import linear_sum_assignment
    A = as_matrix(D_est, "D_est", dtype=torch.float64).cpu()
    B = as_matrix(D_true, "D_true", dtype=torch.float64).cpu()
    if A.shape[0] != B.shape[0]:
        raise ValueError(f"D_est and D_true must have the same number of rows d, got {tuple(A.shape)} and "
                         f"{tuple(B.shape)}.")
    C = (normalize_atoms(A)[0].T @ normalize_atoms(B)[0]).abs().numpy()
    rows, cols = linear_sum_assignment(-C)
    return C[rows, cols], rows, cols


# ------------------------------------------------------------------ exact recovery: basis pursuit, coherence

def basis_pursuit(X, D):
    """Basis pursuit ``min ‖z‖₁ subject to D z = x`` for every row of ``X: (n, d)`` (lesson 03, Eq. (10)).

    The λ → 0 limit of the lasso, solved exactly as a linear program (``z = u − v``, ``u, v ≥ 0``) by
    SciPy's HiGHS solver, one signal at a time, in float64 on the CPU: an oracle for recovery experiments,
    not a fast solver. Returns the codes ``(n, m)`` (or ``(m,)`` for one signal) on the device and in the
    dtype of ``X``. Raises ``ValueError`` if some ``x`` is not in the range of ``D`` (then no ``z`` exists).
    """
    from scipy.optimize import linprog
    X, single = _signals(X)
    D = _dictionary(D, X)
    Xn = X.detach().cpu().double().numpy()
    Dn = D.detach().cpu().double().numpy()
    m = Dn.shape[1]
    A_eq = np.hstack([Dn, -Dn])
    cost = np.ones(2 * m)
    Z = np.zeros((Xn.shape[0], m))
    for i, x in enumerate(Xn):
        res = linprog(cost, A_eq=A_eq, b_eq=x, bounds=(0, None), method="highs")
        if res.status != 0:
            raise ValueError(f"basis pursuit has no solution for signal {i}: {res.message} (is x in the range of D?)")
        Z[i] = res.x[:m] - res.x[m:]
    out = torch.from_numpy(Z).to(dtype=X.dtype, device=X.device)
    return out[0] if single else out


def mutual_coherence(D) -> float:
    """``μ(D) = max_{i≠j} |d_iᵀ d_j| / (‖d_i‖ ‖d_j‖)``, the largest |cosine| between two atoms of ``D: (d, m)``
    (lesson 03, Eq. (11)). Every k-sparse code with ``k < (1 + 1/μ)/2`` is the unique solution of basis pursuit
    (lesson 03, Eq. (12)); the Welch bound ``μ ≥ √((m − d)/(d(m − 1)))`` limits what that can guarantee."""
    D = as_matrix(D, "D")
    if D.shape[1] < 2:
        raise ValueError(f"D must have at least 2 atoms (columns) to have a coherence, got shape {tuple(D.shape)}.")
    norms = torch.linalg.vector_norm(D, dim=0)
    if bool((norms == 0).any()):
        raise ValueError(f"D has {int((norms == 0).sum())} all-zero atoms; their angle to the others is undefined.")
    Dn = D / norms
    G = (Dn.T @ Dn).abs()
    G.fill_diagonal_(0)
    return float(G.max())


def image_patches(image, size: int = 8, n: int = 10000, *, remove_mean: bool = True, generator=None):
    """``n`` random ``size×size`` patches of a grey image ``(h, w)``, flattened: ``(n, size²)``.

    ``image``: a tensor (any device) or array; the patches are a float tensor on its device
    (float32 unless the image is float64). Positions are uniform over the image, drawn with
    ``generator`` (None, an int seed or a ``torch.Generator``; :mod:`lowdim_utils.rng`).
    ``remove_mean`` subtracts each patch's mean grey level (its "DC" component), as is usual
    before sparse coding of natural images (Olshausen & Field 1996).
    """
    img = as_tensor(image, "image", ndim=2).detach()
    size = check_int(size, "size", low=1, high=min(img.shape))
    n = check_int(n, "n", low=1)
    remove_mean = check_bool(remove_mean, "remove_mean")
    g = as_generator(generator)
    r = torch.randint(0, img.shape[0] - size + 1, (n,), generator=g, device=g.device).to(img.device)
    c = torch.randint(0, img.shape[1] - size + 1, (n,), generator=g, device=g.device).to(img.device)
    offs = torch.arange(size, device=img.device)
    P = img[r[:, None, None] + offs[None, :, None], c[:, None, None] + offs[None, None, :]].reshape(n, -1)
    if remove_mean:
        P = P - P.mean(1, keepdim=True)
    return P.contiguous()
