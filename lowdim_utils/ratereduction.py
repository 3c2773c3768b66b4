"""Coding rate and maximal coding rate reduction, MCR² (lesson 17; reused by lesson 18).

Rows are samples, as everywhere in the course: ``Z: (n, d)`` holds ``n`` features of dimension
``d``. The coding rate of ``Z`` at distortion ``eps`` (lesson 17, Eq. (1)) is

    R(Z) = ½ logdet(I_d + d / (n eps²) · Zᵀ Z),

the number of nats needed to code the rows up to a mean squared error ``eps²`` per coordinate
when they are treated as Gaussian. Given a partition of the rows into classes — hard labels
``(n,)`` or soft memberships ``Π: (n, k)`` whose rows sum to one — the rate of coding each class
separately (Eq. (2)) is

    R_c(Z | Π) = Σ_j tr(Π_j) / (2n) · logdet(I_d + d / (tr(Π_j) eps²) · Zᵀ Π_j Z),

and the rate reduction is ``ΔR = R(Z) − R_c(Z | Π)`` (Eq. (3)). Every function is differentiable
(autograd) and batched over classes; the log-determinant of the smaller of the two Gram matrices
(``d × d`` or ``n × n``, equal by Sylvester's identity) is taken with a Cholesky factorisation.

Beyond the three quantities: the closed-form gradient of ``R`` (Eq. (4)); a small network whose
features lie on the unit sphere and the MCR² loss ``−ΔR`` for :func:`lowdim_utils.training.fit`;
symmetric label noise; class subspaces and the nearest-subspace classifier; and clustering by rate
reduction — soft memberships ``Π`` learned by maximising ``ΔR`` on fixed features (Eq. (6)) — with
the clustering accuracy under the best matching of clusters to classes.
"""
from __future__ import annotations

import math

import torch
from torch import nn

from .progress import progress_bar
from .rng import as_generator
from .validate import as_tensor, check_bool, check_int, check_interval, check_positive, check_same_device

__all__ = ["coding_rate", "class_coding_rate", "rate_reduction", "memberships", "coding_rate_grad",
           "SphereMLP", "mcr2_loss", "corrupt_labels", "class_subspaces", "nearest_subspace",
           "cluster_rate_reduction", "clustering_accuracy", "orthogonal_classes"]


def _logdet_spd(M: torch.Tensor) -> torch.Tensor:
    """log det of symmetric positive-definite matrices ``(..., m, m)`` via Cholesky."""
    L = torch.linalg.cholesky(M)
    return 2.0 * torch.log(torch.diagonal(L, dim1=-2, dim2=-1)).sum(-1)


def _features(Z, name="Z"):
    Z = as_tensor(Z, name, ndim=2, min_rows=1)
    if Z.dtype in (torch.float16, torch.bfloat16):
        Z = Z.float()
    return Z


def _rate(Z, eps, weight=None):
    """½ logdet(I + d/(m eps²) Zᵀ W Z) with m = tr(W) (all rows when ``weight`` is None)."""
    n, d = Z.shape
    if weight is None:
        m = float(n)
        a = d / (m * eps ** 2)
        if d <= n:
            G = Z.T @ Z
        else:
            G = Z @ Z.T
    else:
        m = weight.sum()
        a = d / (m * eps ** 2)
        if d <= n:
            G = (Z * weight[:, None]).T @ Z
        else:
            s = weight.sqrt()
            G = (Z * s[:, None]) @ (Z * s[:, None]).T
    eye = torch.eye(G.shape[0], dtype=Z.dtype, device=Z.device)
    return 0.5 * _logdet_spd(eye + a * G)


def coding_rate(Z, eps: float = 0.5) -> torch.Tensor:
    """The coding rate ``R(Z)`` of lesson 17, Eq. (1), in nats: a scalar tensor.

    ``Z: (n, d)`` (rows are samples); ``eps > 0`` is the allowed distortion. Differentiable.
    """
    Z = _features(Z)
    eps = check_positive(eps, "eps")
    return _rate(Z, eps)


def memberships(labels, n: int | None = None, n_classes: int | None = None, *, dtype=torch.float32,
                device=None) -> torch.Tensor:
    """Soft memberships ``Π: (n, k)`` from hard labels ``(n,)`` (one-hot), or checked if already ``(n, k)``.

    Rows of a soft ``Π`` must be non-negative and sum to one (tolerance 1e-4).
    """
    if isinstance(labels, torch.Tensor):
        t = labels
    else:
        import numpy as np
        t = torch.as_tensor(np.asarray(labels))
    if t.dim() == 1:
        if t.dtype.is_floating_point:
            if not bool((t == t.round()).all()):
                raise ValueError("labels of shape (n,) must be integer class indices; pass soft memberships "
                                 "as an (n, k) matrix.")
            t = t.long()
        if t.dtype == torch.bool or not (t.dtype in (torch.int8, torch.int16, torch.int32, torch.int64, torch.uint8)):
            raise TypeError(f"labels must be integer class indices or an (n, k) membership matrix, got dtype {t.dtype}.")
        if t.numel() == 0:
            raise ValueError("labels must not be empty.")
        if int(t.min()) < 0:
            raise ValueError(f"labels must be non-negative class indices, got minimum {int(t.min())}.")
        k = int(t.max()) + 1 if n_classes is None else int(n_classes)
        if int(t.max()) >= k:
            raise ValueError(f"labels has class {int(t.max())} but n_classes is {k}.")
        P = torch.nn.functional.one_hot(t.long(), k).to(dtype)
    elif t.dim() == 2:
        P = as_tensor(t, "labels", ndim=2)
        if bool((P < 0).any()) or not torch.allclose(P.sum(1), torch.ones((), dtype=P.dtype, device=P.device), atol=1e-4):
            raise ValueError("labels given as an (n, k) membership matrix must be non-negative with rows summing to 1.")
        if n_classes is not None and P.shape[1] != int(n_classes):
            raise ValueError(f"labels has {P.shape[1]} membership columns but n_classes is {int(n_classes)}.")
        P = P.to(dtype)
    else:
        raise ValueError(f"labels must have shape (n,) or (n, k), got shape {tuple(t.shape)}.")
    if n is not None and P.shape[0] != n:
        raise ValueError(f"labels must have one entry per row of Z ({n}), got {P.shape[0]}.")
    return P.to(device) if device is not None else P


def _is_hard(labels) -> bool:
    """Whether ``labels`` are class indices ``(n,)`` (rather than memberships ``(n, k)``)."""
    if isinstance(labels, torch.Tensor):
        return labels.dim() == 1
    import numpy as np
    return np.asarray(labels).ndim == 1


def _hard_grams(Z, labels, P):
    """``Z_jᵀ Z_j`` of every class ``(k, d, d)`` for hard labels, in ``O(n d²)``: the rows are sorted
    by class into a zero-padded ``(k, max_j m_j, d)`` block and multiplied in one batched product
    (the soft-membership formula ``Zᵀ Π_j Z`` would cost ``O(k n d²)``)."""
    y = P.argmax(1)
    k, (n, d) = P.shape[1], Z.shape
    counts = torch.bincount(y, minlength=k)
    order = torch.argsort(y, stable=True)
    ys = y[order]
    starts = torch.cumsum(counts, 0) - counts
    pos = torch.arange(n, device=Z.device) - starts[ys]
    Zp = Z.new_zeros(k, int(counts.max()), d)
    Zp = Zp.index_put((ys, pos), Z[order])
    return Zp.transpose(1, 2) @ Zp


def class_coding_rate(Z, labels, eps: float = 0.5, *, n_classes: int | None = None) -> torch.Tensor:
    """The rate of coding each class separately, ``R_c(Z | Π)`` of lesson 17, Eq. (2): a scalar tensor.

    ``Z: (n, d)``; ``labels``: hard class indices ``(n,)`` or soft memberships ``(n, k)`` (rows sum
    to one; differentiable in them too). Empty classes contribute nothing.
    """
    Z = _features(Z)
    eps = check_positive(eps, "eps")
    P = memberships(labels, Z.shape[0], n_classes, dtype=Z.dtype, device=None)
    if isinstance(labels, torch.Tensor):
        check_same_device(Z=Z, labels=P)
    P = P.to(Z.device)
    n, d = Z.shape
    if d <= n:
        # all k classes at once: G_j = Zᵀ Π_j Z (k, d, d), one batched Cholesky; an empty class has
        # G_j = 0 and weight 0, so it adds nothing (and no host-device synchronisation is needed)
        m = P.sum(0)                                                        # (k,) tr(Π_j)
        G = _hard_grams(Z, labels, P) if _is_hard(labels) else torch.einsum("nk,nd,ne->kde", P, Z, Z)
        a = d / (torch.where(m > 1e-12, m, torch.ones_like(m)) * eps ** 2)
        eye = torch.eye(d, dtype=Z.dtype, device=Z.device)
        logdets = _logdet_spd(eye + a[:, None, None] * G)
        return (m / (2 * n) * logdets).sum()
    total = Z.new_zeros(())
    for j in range(P.shape[1]):
        w = P[:, j]
        m = w.sum()
        if float(m.detach()) <= 1e-12:
            continue
        total = total + m / (2 * n) * 2 * _rate(Z, eps, w)
    return total


def rate_reduction(Z, labels, eps: float = 0.5, *, n_classes: int | None = None) -> torch.Tensor:
    """ΔR = R(Z) − R_c(Z | Π), lesson 17, Eq. (3): a scalar tensor (MCR² maximises it)."""
    Z = _features(Z)
    return coding_rate(Z, eps) - class_coding_rate(Z, labels, eps, n_classes=n_classes)


# --------------------------------------------------------------------------------------
# the gradient of the coding rate
# --------------------------------------------------------------------------------------

def coding_rate_grad(Z, eps: float = 0.5) -> torch.Tensor:
    """The closed-form gradient ``∂R/∂Z = a Z (I + a ZᵀZ)⁻¹`` with ``a = d/(n eps²)``, lesson 17, Eq. (4).

    ``Z: (n, d)`` → ``(n, d)`` (rows are samples). Solved as a linear system with the Cholesky
    factor of ``I + a ZᵀZ`` (no explicit inverse); equals autograd's gradient of :func:`coding_rate`.
    """
    Z = _features(Z).detach()
    eps = check_positive(eps, "eps")
    n, d = Z.shape
    a = d / (n * eps ** 2)
    M = torch.eye(d, dtype=Z.dtype, device=Z.device) + a * (Z.T @ Z)
    L = torch.linalg.cholesky(M)
    # Z M⁻¹ = (M⁻¹ Zᵀ)ᵀ since M is symmetric
    return a * torch.cholesky_solve(Z.T, L).T


# --------------------------------------------------------------------------------------
# training with MCR²
# --------------------------------------------------------------------------------------

class SphereMLP(nn.Module):
    """A small MLP ``(n, in_dim) → (n, out_dim)`` whose output rows lie on the unit sphere.

    Flatten, (Linear–BatchNorm–ReLU) × ``depth``, Linear, then ``z / ‖z‖`` when ``normalize``
    (MCR²'s constraint: each class's Frobenius norm is then its number of samples). With
    ``normalize=False`` it is the same trunk for a cross-entropy baseline.
    """

    def __init__(self, in_dim: int = 784, width: int = 256, out_dim: int = 64, *, depth: int = 1,
                 normalize: bool = True):
        super().__init__()
        in_dim, width, out_dim = (check_int(in_dim, "in_dim", low=1), check_int(width, "width", low=1),
                                  check_int(out_dim, "out_dim", low=1))
        depth = check_int(depth, "depth", low=1)
        self.normalize = check_bool(normalize, "normalize")
        layers, d = [nn.Flatten()], in_dim
        for _ in range(depth):
            layers += [nn.Linear(d, width), nn.BatchNorm1d(width), nn.ReLU()]
            d = width
        layers.append(nn.Linear(d, out_dim))
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        z = self.net(x)
        return nn.functional.normalize(z, dim=1) if self.normalize else z


def mcr2_loss(eps: float = 0.5, n_classes: int | None = None, *, gamma: float = 1.0):
    """The MCR² loss for :func:`lowdim_utils.training.fit`: ``loss(model, X, y) = −(γ R(Z) − R_c(Z | Π))``.

    ``Z = model(X): (n, d)``; ``γ = 1`` is ΔR of lesson 17, Eq. (3). The returned dict also logs
    ``R`` and ``Rc`` (detached).
    """
    eps = check_positive(eps, "eps")
    gamma = check_positive(gamma, "gamma")
    if n_classes is not None:
        n_classes = check_int(n_classes, "n_classes", low=1)

    def loss(model, X, y):
        Z = model(X)
        R = coding_rate(Z, eps)
        Rc = class_coding_rate(Z, y, eps, n_classes=n_classes)
        return {"loss": Rc - gamma * R, "R": R.detach(), "Rc": Rc.detach()}

    return loss


def corrupt_labels(y, ratio: float, n_classes: int | None = None, *, generator=None) -> torch.Tensor:
    """Symmetric label noise: a random ``ratio`` of the labels ``y: (n,)`` (exactly ``round(ratio·n)``
    of them) is replaced by a label drawn uniformly from the *other* ``n_classes − 1`` classes.

    Returns a new ``(n,)`` int64 tensor on ``y``'s device; ``generator`` (None, int seed or
    ``torch.Generator``) draws which labels and their new values.
    """
    if not isinstance(y, torch.Tensor):
        import numpy as np
        y = torch.as_tensor(np.asarray(y))
    if y.dim() != 1:
        raise ValueError(f"y must be a vector of class indices of shape (n,), got shape {tuple(y.shape)}.")
    P = memberships(y, n_classes=n_classes)               # validates y (integer, non-negative)
    k = P.shape[1]
    ratio = check_interval(ratio, "ratio", 0.0, 1.0)
    if k < 2 and ratio > 0:
        raise ValueError("n_classes must be at least 2 to corrupt labels.")
    g = as_generator(generator)
    y = y.long()
    n = y.shape[0]
    m = int(round(ratio * n))
    idx = torch.randperm(n, generator=g, device=g.device)[:m].to(y.device)
    shift = torch.randint(1, max(k, 2), (m,), generator=g, device=g.device).to(y.device)
    out = y.clone()
    out[idx] = (y[idx] + shift) % k
    return out


# --------------------------------------------------------------------------------------
# class subspaces and the nearest-subspace classifier
# --------------------------------------------------------------------------------------

def class_subspaces(Z, labels, dim: int, *, n_classes: int | None = None) -> torch.Tensor:
    """Orthonormal bases ``(k, d, dim)`` of each class's principal subspace: the top ``dim`` right
    singular vectors of the class's rows of ``Z: (n, d)`` (not centred: MCR²'s subspaces pass
    through the origin). A class with fewer than ``dim`` samples raises ValueError.
    """
    Z = _features(Z).detach()
    P = memberships(labels, Z.shape[0], n_classes)
    y = P.argmax(1).to(Z.device)
    dim = check_int(dim, "dim", low=1, high=Z.shape[1])
    bases = []
    for j in range(P.shape[1]):
        Zj = Z[y == j]
        if Zj.shape[0] < dim:
            raise ValueError(f"class {j} has {Zj.shape[0]} samples, fewer than dim = {dim}.")
        _, _, Vt = torch.linalg.svd(Zj, full_matrices=False)
        bases.append(Vt[:dim].T)
    return torch.stack(bases)


def nearest_subspace(Z_train, y_train, Z_test, dim: int, *, n_classes: int | None = None) -> torch.Tensor:
    """The nearest-subspace classifier of lesson 17, Eq. (5): class ``argmin_j ‖z − U_j U_jᵀ z‖`` for each row of
    ``Z_test: (m, d)``, with ``U_j`` from :func:`class_subspaces` of ``Z_train: (n, d)``. Returns ``(m,)`` int64."""
    Z_train = _features(Z_train, "Z_train")
    Z_test = _features(Z_test, "Z_test").detach()
    if Z_test.shape[1] != Z_train.shape[1]:
        raise ValueError(f"Z_test must have {Z_train.shape[1]} columns like Z_train, got shape {tuple(Z_test.shape)}.")
    check_same_device(Z_train=Z_train, Z_test=Z_test)
    U = class_subspaces(Z_train, y_train, dim, n_classes=n_classes).to(Z_test.dtype)   # (k, d, r)
    proj = torch.einsum("md,kdr->kmr", Z_test, U)                                       # coordinates in each U_j
    resid = (Z_test ** 2).sum(1)[None] - (proj ** 2).sum(2)                             # (k, m)
    return resid.argmin(0)


# --------------------------------------------------------------------------------------
# clustering by rate reduction
# --------------------------------------------------------------------------------------

def cluster_rate_reduction(Z, k: int, eps: float = 0.5, *, steps: int = 200, lr: float = 0.1,
                           restarts: int = 5, temperature: float = 1.0, generator=None,
                           progress: bool = False) -> dict:
    """Cluster the rows of ``Z: (n, d)`` by maximising ``ΔR(Z, Π)`` over soft memberships (lesson 17, Eq. (6)).

    ``Π = softmax(logits / temperature)``, ``logits: (n, k)`` drawn at random (standard normal)
    and improved by Adam for ``steps`` steps, ``restarts`` times; the run with the largest final ΔR
    wins (a criterion that uses no labels). ``Z`` is fixed (no network). Returns a dict with
    ``labels`` (``(n,)`` int64, the arg-max of Π), ``memberships`` (``(n, k)``), ``rate_reduction``
    (float, of the hard labels) and ``history`` (the soft ΔR of every step of the winning run).
    """
    Z = _features(Z).detach()
    k = check_int(k, "k", low=1, high=Z.shape[0])
    eps = check_positive(eps, "eps")
    steps, restarts = check_int(steps, "steps", low=1), check_int(restarts, "restarts", low=1)
    lr, temperature = check_positive(lr, "lr"), check_positive(temperature, "temperature")
    g = as_generator(generator)
    best = None
    R = coding_rate(Z, eps)
    for _ in progress_bar(range(restarts), desc="rate-reduction clustering", disable=not progress):
        logits = torch.randn(Z.shape[0], k, generator=g, device=g.device, dtype=Z.dtype).to(Z.device)
        logits.requires_grad_(True)
        opt = torch.optim.Adam([logits], lr=lr)
        hist = []
        for _ in range(steps):
            P = torch.softmax(logits / temperature, dim=1)
            dR = R - class_coding_rate(Z, P, eps)
            opt.zero_grad()
            (-dR).backward()
            opt.step()
            hist.append(float(dR.detach()))
        with torch.no_grad():
            P = torch.softmax(logits / temperature, dim=1)
            labels = P.argmax(1)
            hard = float(R - class_coding_rate(Z, labels, eps, n_classes=k))
        if best is None or hard > best["rate_reduction"]:
            best = {"labels": labels, "memberships": P.detach(), "rate_reduction": hard, "history": hist}
    return best


def clustering_accuracy(y_true, y_pred) -> float:
    """The fraction of agreements between ``y_pred`` and ``y_true`` (both ``(n,)`` integer) under the
    best one-to-one matching of predicted clusters to classes (the Hungarian algorithm)."""
    import numpy as np
    from scipy.optimize import linear_sum_assignment
    a = memberships(y_true).argmax(1).cpu().numpy()
    b = memberships(y_pred, len(a)).argmax(1).cpu().numpy()
    C = np.zeros((b.max() + 1, a.max() + 1))
    np.add.at(C, (b, a), 1)
    r, c = linear_sum_assignment(-C)
    return float(C[r, c].sum() / len(a))


# --------------------------------------------------------------------------------------
# synthetic features: orthogonal classes, the optimum of MCR²
# --------------------------------------------------------------------------------------

def orthogonal_classes(counts, dims, d: int, *, generator=None, dtype=torch.float64):
    """Unit-norm features of ``k`` classes on mutually orthogonal subspaces of ``R^d``, each class
    spread *isotropically* over its own: ``Z_jᵀ Z_j = (m_j/d_j) U_j U_jᵀ`` (the configuration of
    lesson 17's closed form and of the optimum of its theorem).

    Class ``j`` has ``counts[j] = m_j > d_j = dims[j]`` rows forming a harmonic frame — coordinates
    ``√(2/d_j)·(cos, sin)(2π i f / m_j)`` for the frequencies ``f = 1 … ⌊d_j/2⌋`` and ``1/√d_j`` if ``d_j``
    is odd: every row has norm 1 and the rows' Gram is ``(m_j/d_j) I`` — placed on its own block of
    coordinates, then one random rotation of ``R^d`` (``generator``). Needs ``Σ d_j ≤ d``.
    Returns ``(Z (n, d), labels (n,) int64)``.
    """
    counts = [check_int(m, "counts", low=1) for m in counts]
    dims = [check_int(v, "dims", low=1) for v in dims]
    d = check_int(d, "d", low=1)
    if len(counts) != len(dims) or not counts:
        raise ValueError(f"counts and dims must have the same (non-zero) length, got {len(counts)} and {len(dims)}.")
    if sum(dims) > d:
        raise ValueError(f"dims must fit in d: their sum {sum(dims)} exceeds d = {d}.")
    for m, dj in zip(counts, dims):
        if m <= dj:
            raise ValueError(f"counts must exceed dims (a class of {m} rows cannot fill {dj} dimensions evenly).")
    g = as_generator(generator)
    Q, _ = torch.linalg.qr(torch.randn(d, d, generator=g, device=g.device, dtype=torch.float64).cpu())
    blocks, labels, start = [], [], 0
    for j, (m, dj) in enumerate(zip(counts, dims)):
        i = torch.arange(m, dtype=torch.float64)[:, None]
        f = torch.arange(1, dj // 2 + 1, dtype=torch.float64)[None]
        cols = [math.sqrt(2 / dj) * torch.cos(2 * math.pi * i * f / m), math.sqrt(2 / dj) * torch.sin(2 * math.pi * i * f / m)]
        if dj % 2:
            cols.append(torch.full((m, 1), 1 / math.sqrt(dj), dtype=torch.float64))
        F = torch.zeros(m, d, dtype=torch.float64)
        F[:, start:start + dj] = torch.cat(cols, dim=1)
        blocks.append(F)
        labels += [j] * m
        start += dj
    return (torch.cat(blocks) @ Q.T).to(dtype), torch.tensor(labels)
