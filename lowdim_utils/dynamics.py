"""Dynamics in low dimensions (lesson 23): dynamic mode decomposition and Koopman autoencoders.

A trajectory is a tensor ``X: (T, d)`` with time along the rows (the course's "rows are samples";
the lesson writes the math with snapshots as columns, the transpose). The Koopman operator of a
map ``x ↦ F(x)`` acts linearly on observables, ``(K g)(x) = g(F(x))``; dynamic mode decomposition
(DMD) fits the best linear map between consecutive snapshots of a few observables and returns its
eigenvalues and modes (lesson 23, Eqs. (1)–(6)):

* :func:`dmd` — exact DMD of Tu et al. (2014) with an optional rank truncation (Schmid 2010's
  projected DMD operator ``Ã = U*YVΣ⁻¹``, lesson 23, Eqs. (3)–(5)); batched over leading
  dimensions, or fitted from explicit snapshot pairs ``(X, Y)``;
* :func:`dmd_predict` — ``x_k = Φ Λ^k b`` from one or a batch of initial states (Eq. (6));
* :func:`hankel` — delay embedding of a series (Hankel DMD, Eq. (7)) and
  :func:`polynomial_dictionary` — monomial observables (extended DMD, Eq. (8));
* :func:`continuous_eigenvalues` and :func:`periods` — from a discrete-time eigenvalue ``λ`` to
  growth rate and frequency ``log(λ)/Δt`` and to the period ``2π/|Im log λ|·Δt``;
* :class:`KoopmanAutoencoder`, :func:`koopman_loss`, :func:`windows`, :func:`train_koopman` — an
  encoder ``φ``, a linear latent map ``K`` and a decoder ``ψ`` trained with reconstruction,
  prediction and linearity terms (Lusch, Kutz & Brunton 2018; lesson 23, Eq. (9)).

Everything is torch and runs on the input's device, in float32 or float64 (half precision is
computed in float32); eigenvalues and modes are complex tensors of the matching precision.
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import torch
from torch import nn

from .autoencoders import mlp
from .training import fit
from .validate import as_tensor, check_int, check_positive, check_rank, check_same_device

__all__ = ["DMDResult", "dmd", "dmd_predict", "hankel", "polynomial_dictionary", "continuous_eigenvalues",
           "periods", "KoopmanAutoencoder", "koopman_loss", "windows", "train_koopman"]


# ------------------------------------------------------------------ exact DMD

@dataclass
class DMDResult:
    """What :func:`dmd` returns (``r`` = rank, ``d`` = state dimension; leading batch dimensions ``...``).

    Attributes:
        eigenvalues: ``(..., r)`` complex — the eigenvalues ``λ`` of ``Ã`` (discrete time, one step ``dt``).
        modes: ``(..., d, r)`` complex — the DMD modes ``Φ`` (columns; exact or projected).
        amplitudes: ``(..., r)`` complex — ``b = Φ⁺ x_0``, the modes' weights in the first snapshot.
        atilde: ``(..., r, r)`` — the reduced operator ``Ã = U*YVΣ⁻¹`` (lesson 23, Eq. (4)).
        basis: ``(..., d, r)`` — ``U``, the leading left singular vectors of the snapshot matrix.
        singular_values: ``(..., r)`` — ``Σ``.
        dt: the time step between snapshots.
    """

    eigenvalues: torch.Tensor
    modes: torch.Tensor
    amplitudes: torch.Tensor
    atilde: torch.Tensor
    basis: torch.Tensor
    singular_values: torch.Tensor
    dt: float = 1.0

    @property
    def rank(self) -> int:
        return self.eigenvalues.shape[-1]

    def continuous_eigenvalues(self) -> torch.Tensor:
        """``log(λ)/dt`` (growth rate + i·angular frequency), ``(..., r)`` complex."""
        return continuous_eigenvalues(self.eigenvalues, self.dt)

    def periods(self) -> torch.Tensor:
        """``2π·dt/|arg λ|`` per eigenvalue (``inf`` for real ones), ``(..., r)``."""
        return periods(self.eigenvalues, self.dt)


def _as_snapshots(X, name):
    X = as_tensor(X, name, ndim=(2, 3, 4))
    return X.detach()


def dmd(X, rank: int | None = None, *, Y=None, exact: bool = True, dt: float = 1.0) -> DMDResult:
    """Dynamic mode decomposition of a trajectory (lesson 23, Eqs. (3)–(5)).

    Args:
        X: ``(..., T, d)`` — a trajectory, time along the rows (``T >= 2``); the snapshot pairs are
            ``(X[:-1], X[1:])``. With ``Y`` given, ``X`` and ``Y: (..., m, d)`` are the pairs
            themselves (``Y[i]`` one step after ``X[i]``; pairs from many trajectories can be stacked).
        rank: the rank ``r`` of the truncated SVD of the snapshot matrix (default: its numerical rank,
            singular values above ``max(m, d)·eps·σ₁``, at most ``min(m, d)``).
        exact: exact modes ``Φ = YVΣ⁻¹W`` (Tu et al. 2014, Eq. (5)) or projected modes ``Φ = UW``
            (Schmid 2010).
        dt: the time between snapshots (for the continuous-time eigenvalues and periods).

    Returns:
        :class:`DMDResult`. Cost ``O(m d min(m, d))`` for the SVD plus ``O(r³)`` for the eigenproblem.
    """
    X = _as_snapshots(X, "X")
    if Y is None:
        if X.shape[-2] < 2:
            raise ValueError(f"X must have at least 2 snapshots (rows), got shape {tuple(X.shape)}.")
        X, Y = X[..., :-1, :], X[..., 1:, :]
    else:
        if isinstance(Y, torch.Tensor):
            check_same_device(X=X, Y=Y)
        Y = as_tensor(Y, "Y", dtype=X.dtype, device=X.device).detach()
        if Y.shape != X.shape:
            raise ValueError(f"Y must have the shape of X (snapshot pairs), got {tuple(Y.shape)} and {tuple(X.shape)}.")
    m, d = X.shape[-2], X.shape[-1]
    if not isinstance(exact, bool):
        raise TypeError(f"exact must be True or False, got {exact!r}.")
    dt = check_positive(dt, "dt")
    Xc, Yc = X.transpose(-1, -2), Y.transpose(-1, -2)                  # (d, m): snapshots as columns
    U, S, Vh = torch.linalg.svd(Xc, full_matrices=False)
    if rank is None:
        tol = max(m, d) * torch.finfo(S.dtype).eps * S[..., :1]
        rank = max(1, int((S > tol).sum(-1).min()))
    else:
        rank = check_rank(rank, "rank", m, d)
    U, S, V = U[..., :rank], S[..., :rank], Vh[..., :rank, :].transpose(-1, -2)
    if bool((S <= 0).any()):
        raise ValueError(f"rank = {rank} exceeds the rank of the snapshot matrix (a singular value is 0).")
    YVS = Yc @ (V / S.unsqueeze(-2))                                   # Y V Σ⁻¹: (d, r)
    atilde = U.transpose(-1, -2) @ YVS                                  # Eq. (4)
    lam, W = torch.linalg.eig(atilde)
    modes = (YVS.to(lam.dtype) if exact else U.to(lam.dtype)) @ W       # Eq. (5)
    b = torch.linalg.lstsq(modes, Xc[..., :, :1].to(lam.dtype)).solution[..., 0]
    return DMDResult(lam, modes, b, atilde, U, S, dt)


def dmd_predict(result: DMDResult, x0, steps: int) -> torch.Tensor:
    """Roll the DMD model forward: ``x_k = Re Φ Λ^k Φ⁺ x_0`` for ``k = 0 … steps`` (lesson 23, Eq. (6)).

    Args:
        result: a (non-batched) :class:`DMDResult`, modes ``(d, r)``.
        x0: ``(d,)`` or ``(B, d)`` initial states (they are projected on the modes' span).
        steps: how many steps to predict.

    Returns:
        ``(steps + 1, d)`` or ``(B, steps + 1, d)``, real, of the modes' precision.
    """
    if not isinstance(result, DMDResult):
        raise TypeError(f"result must be a DMDResult from dmd(), got {type(result).__name__}.")
    if result.modes.dim() != 2:
        raise ValueError(f"result must be a single (non-batched) DMD, got modes of shape {tuple(result.modes.shape)}.")
    Phi, lam = result.modes, result.eigenvalues
    d = Phi.shape[0]
    real = Phi.real.dtype
    x0 = as_tensor(x0, "x0", ndim=(1, 2), dtype=real, device=Phi.device)
    if x0.shape[-1] != d:
        raise ValueError(f"x0 must have {d} entries per state (the modes' dimension), got shape {tuple(x0.shape)}.")
    steps = check_int(steps, "steps", low=0)
    single = x0.dim() == 1
    x0 = x0.reshape(-1, d)
    b = torch.linalg.lstsq(Phi.unsqueeze(0).expand(len(x0), d, -1), x0.to(Phi.dtype).unsqueeze(-1)).solution[..., 0]
    powers = lam.unsqueeze(0) ** torch.arange(steps + 1, device=Phi.device, dtype=real).unsqueeze(1)   # (steps+1, r)
    out = torch.einsum("dr,kr,br->bkd", Phi, powers.to(Phi.dtype), b).real
    return out[0] if single else out


def continuous_eigenvalues(eigenvalues, dt: float = 1.0) -> torch.Tensor:
    """``log(λ)/dt``: real part the growth rate, imaginary part the angular frequency (principal branch)."""
    lam = eigenvalues if isinstance(eigenvalues, torch.Tensor) else torch.as_tensor(eigenvalues)
    dt = check_positive(dt, "dt")
    if not lam.is_complex():
        lam = lam.to(torch.complex128 if lam.dtype == torch.float64 else torch.complex64)
    return torch.log(lam) / dt


def periods(eigenvalues, dt: float = 1.0) -> torch.Tensor:
    """The period ``2π·dt/|arg λ|`` of each discrete-time eigenvalue (``inf`` for ``arg λ = 0``)."""
    omega = continuous_eigenvalues(eigenvalues, dt).imag.abs()
    return torch.where(omega > 0, 2 * math.pi / omega.clamp_min(torch.finfo(omega.dtype).tiny),
                       torch.full_like(omega, math.inf))


# ------------------------------------------------------------------ dictionaries of observables

def hankel(x, delays: int) -> torch.Tensor:
    """Delay embedding (lesson 23, Eq. (7)): row ``t`` is ``(x_t, x_{t+1}, …, x_{t+delays-1})``.

    Args:
        x: ``(T,)`` or ``(T, d)`` series, time along the rows.
        delays: the number of delays ``q``, ``1 <= q <= T``.

    Returns:
        ``(T - q + 1, q·d)``; the block of columns ``j·d … (j+1)·d - 1`` holds ``x_{t+j}``.
    """
    x = as_tensor(x, "x", ndim=(1, 2))
    if x.dim() == 1:
        x = x.unsqueeze(1)
    delays = check_int(delays, "delays", low=1, high=x.shape[0])
    return x.unfold(0, delays, 1).transpose(1, 2).reshape(x.shape[0] - delays + 1, -1)


def polynomial_dictionary(X, degree: int) -> torch.Tensor:
    """All monomials of the state of degree ``1 … degree`` (extended DMD, lesson 23, Eq. (8)).

    Args:
        X: ``(..., d)`` states.
        degree: the largest total degree, ``>= 1``.

    Returns:
        ``(..., p)`` with ``p = C(d + degree, d) - 1``: first the ``d`` coordinates (so the state is
        read back from the first ``d`` columns), then the monomials of degree 2, 3, … in the order of
        ``itertools.combinations_with_replacement`` (scikit-learn's ``PolynomialFeatures`` order).
    """
    X = as_tensor(X, "X", ndim=(1, 2, 3))
    degree = check_int(degree, "degree", low=1)
    d = X.shape[-1]
    cols = [X[..., list(c)].prod(-1) for k in range(1, degree + 1)
            for c in itertools.combinations_with_replacement(range(d), k)]
    return torch.stack(cols, -1)


# ------------------------------------------------------------------ Koopman autoencoder

class KoopmanAutoencoder(nn.Module):
    """Encoder ``φ: R^d → R^k``, linear latent dynamics ``z_{t+1} = K z_t``, decoder ``ψ: R^k → R^d``.

    Args:
        d: state dimension; latent: ``k``; hidden: widths of the encoder's hidden layers (the decoder
            mirrors them); activation: between layers (``"tanh"``, ``"relu"``, ``"silu"``, ``"gelu"``, ``"elu"``).
        auxiliary: ``None`` for one fixed matrix ``K`` (``k × k``, learned); or the hidden widths of Lusch et
            al.'s auxiliary network (``k`` even): the latent is ``k/2`` complex pairs, each advanced by
            ``e^{μ}·R(ω)`` (a rotation by ``ω`` and a growth ``e^μ``) with ``(μ, ω)`` the output of a small
            network of the pair's squared radius — the eigenvalues may then depend on the amplitude (a
            "continuous spectrum", as a pendulum's frequency does), while each step stays linear in the pair.
        stable: with an auxiliary network, keep every growth factor ``e^μ`` below 1 (``μ = −softplus(−raw)``,
            which is ≈ ``raw`` for ``raw ≪ 0`` and → 0 from below for ``raw ≫ 0``), so a long rollout cannot blow
            up — right for conservative and dissipative systems, wrong for growing ones (then ``stable=False``).

    ``K`` starts at the identity plus a slow rotation, so that long rollouts start stable. The encoder
    gets the state, not a history: the latent must be a function of the state.
    """

    def __init__(self, d: int, latent: int, hidden=(64, 64), activation: str = "tanh", auxiliary=None,
                 stable: bool = True):
        super().__init__()
        if not isinstance(stable, bool):
            raise TypeError(f"stable must be True or False, got {stable!r}.")
        self.stable = stable
        self.d = check_int(d, "d", low=1)
        self.latent = check_int(latent, "latent", low=1)
        hidden = tuple(hidden) if isinstance(hidden, (tuple, list)) else (hidden,)
        self.encoder = mlp((self.d, *hidden, self.latent), activation)
        self.decoder = mlp((self.latent, *hidden[::-1], self.d), activation)
        if auxiliary is None:
            A = torch.zeros(self.latent, self.latent)
            for i in range(0, self.latent - 1, 2):
                A[i, i + 1], A[i + 1, i] = 0.1, -0.1
            self.K = nn.Parameter(torch.eye(self.latent) + A)
            self.auxiliary = None
        else:
            if self.latent % 2:
                raise ValueError(f"latent must be even with an auxiliary network (complex pairs), got {self.latent}.")
            aux = tuple(auxiliary) if isinstance(auxiliary, (tuple, list)) else (auxiliary,)
            self.auxiliary = mlp((1, *aux, 2), activation)            # r² of one pair -> (μ, ω)
            self.K = None

    def encode(self, x):
        return self.encoder(x)

    def decode(self, z):
        return self.decoder(z)

    def step(self, z):
        """One step of the latent dynamics, ``z: (..., k)``: ``z Kᵀ``, or each pair rotated by its own ``ω``."""
        if self.auxiliary is None:
            return z @ self.K.T
        pairs = z.unflatten(-1, (self.latent // 2, 2))                  # (..., k/2, 2)
        mu, omega = self._mu_omega(pairs)
        c, s, a, b = torch.cos(omega), torch.sin(omega), pairs[..., 0], pairs[..., 1]
        return (torch.exp(mu).unsqueeze(-1) * torch.stack([c * a - s * b, s * a + c * b], -1)).flatten(-2)

    def _mu_omega(self, pairs):
        raw_mu, omega = self.auxiliary(pairs.square().sum(-1, keepdim=True)).unbind(-1)
        mu = -nn.functional.softplus(-raw_mu) if self.stable else raw_mu        # stable: μ < 0 smoothly, e^μ < 1
        return mu, omega

    def eigenvalues(self, z=None) -> torch.Tensor:
        """The latent map's eigenvalues: of ``K``; with an auxiliary network ``e^{μ ± iω}`` at the latent
        points ``z: (n, k)`` (``(n, k)`` complex, pairs adjacent)."""
        with torch.no_grad():
            if self.auxiliary is None:
                return torch.linalg.eigvals(self.K)
            pairs = z.unflatten(-1, (self.latent // 2, 2))
            mu, omega = self._mu_omega(pairs)
            lam = torch.exp(torch.complex(mu, omega))
            return torch.stack([lam, lam.conj()], -1).flatten(-2)

    def forward(self, x):
        return self.decode(self.encode(x))

    @torch.no_grad()
    def rollout(self, x0, steps: int) -> torch.Tensor:
        """Predict ``ψ(K^j φ(x_0))`` for ``j = 0 … steps``: ``x0: (B, d)`` → ``(B, steps + 1, d)``."""
        p = next(self.parameters())
        x0 = as_tensor(x0, "x0", ndim=2, dtype=p.dtype, device=p.device)
        if x0.shape[1] != self.d:
            raise ValueError(f"x0 must have {self.d} columns (the state dimension d), got shape {tuple(x0.shape)}.")
        steps = check_int(steps, "steps", low=0)
        z, out = self.encode(x0), []
        for _ in range(steps + 1):
            out.append(self.decode(z))
            z = self.step(z)
        return torch.stack(out, 1)


def koopman_loss(model: KoopmanAutoencoder, W, *, prediction: float = 1.0, linearity: float = 1.0) -> dict:
    """Lusch et al.'s loss on windows ``W: (B, H + 1, d)`` (lesson 23, Eq. (9)).

    ``reconstruction = mean ‖ψ(φ(x_t)) − x_t‖²`` over every snapshot of the windows,
    ``prediction = mean_j ‖ψ(K^j φ(x_0)) − x_j‖²`` and ``linearity = mean_j ‖K^j φ(x_0) − φ(x_j)‖²``
    for ``j = 1 … H``; ``loss = reconstruction + prediction·(…) + linearity·(…)``. Differentiable.
    Returns a dict of scalars (``"loss"`` and the three terms), the form :func:`~lowdim_utils.training.fit` logs.
    """
    Z = model.encode(W)                                                # (B, H+1, k)
    rec = (model.decode(Z) - W).square().sum(-1).mean()
    z, pred, lin = Z[:, 0], 0.0, 0.0
    H = W.shape[1] - 1
    for j in range(1, H + 1):
        z = model.step(z)
        pred = pred + (model.decode(z) - W[:, j]).square().sum(-1).mean() / H
        lin = lin + (z - Z[:, j]).square().sum(-1).mean() / H
    return {"loss": rec + prediction * pred + linearity * lin, "reconstruction": rec.detach(),
            "prediction": pred.detach(), "linearity": lin.detach()}


def windows(trajectories, length: int) -> torch.Tensor:
    """All windows of ``length`` consecutive snapshots: ``(N, T, d)`` → ``(N·(T − length + 1), length, d)``."""
    X = as_tensor(trajectories, "trajectories", ndim=3)
    length = check_int(length, "length", low=2, high=X.shape[1])
    N, T, d = X.shape
    return X.unfold(1, length, 1).permute(0, 1, 3, 2).reshape(N * (T - length + 1), length, d)


def train_koopman(model: KoopmanAutoencoder, trajectories, *, horizon: int = 10, steps: int = 1000,
                  batch_size: int = 256, lr: float = 1e-3, prediction: float = 1.0, linearity: float = 1.0,
                  generator=None, progress: bool = False) -> dict:
    """Train a :class:`KoopmanAutoencoder` on windows of ``horizon + 1`` snapshots of
    ``trajectories: (N, T, d)`` with :func:`koopman_loss`, via the course's :func:`~lowdim_utils.training.fit`
    (Adam, ``steps`` mini-batches of ``batch_size`` windows drawn with replacement). Returns ``fit``'s history.
    """
    if not isinstance(model, KoopmanAutoencoder):
        raise TypeError(f"model must be a KoopmanAutoencoder, got {type(model).__name__}.")
    p = next(model.parameters())
    X = as_tensor(trajectories, "trajectories", ndim=3, dtype=p.dtype)
    if X.device != p.device:
        raise ValueError(f"trajectories are on {X.device} but model is on {p.device}; move them with .to(device).")
    if X.shape[2] != model.d:
        raise ValueError(f"trajectories must have {model.d} columns per snapshot, got shape {tuple(X.shape)}.")
    horizon = check_int(horizon, "horizon", low=1, high=X.shape[1] - 1)
    W = windows(X, horizon + 1)
    check_positive(prediction, "prediction", allow_zero=True)
    check_positive(linearity, "linearity", allow_zero=True)

    def loss(m, w):
        return koopman_loss(m, w, prediction=prediction, linearity=linearity)

    return fit(model, loss, W, steps=steps, batch_size=min(batch_size, len(W)), sampling="replacement", lr=lr,
               generator=generator, progress=progress, desc="training the Koopman autoencoder")
