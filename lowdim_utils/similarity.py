"""Comparing representations (lesson 20): CCA, SVCCA, linear CKA, Procrustes, relative representations.

Two networks (or two layers) map the same ``n`` inputs to representations ``X: (n, p)`` and
``Y: (n, q)``. The functions here turn the pair into one number, each with its own invariances
(lesson 20, Eqs. (1)–(9)):

* :func:`hsic` — the Hilbert–Schmidt independence criterion of two Gram matrices ``K, L: (n, n)``,
  with the biased estimator ``tr(KHLH)/(n−1)²`` or the unbiased one of Song et al. (2012)
  (lesson 20, Eqs. (1), (2)); :func:`kernel_cka` normalises it (Eq. (3)), in ``O(n²)`` per pair;
* :func:`linear_cka` — the same CKA for linear kernels ``K = XXᵀ`` computed in feature space,
  ``O(n·p·q)``, without ever forming an ``n × n`` matrix (Eqs. (4), (5));
* :func:`cca` — canonical correlations, the cosines of the principal angles between the column
  spaces of the centred ``X`` and ``Y`` (computed by lesson 01's :func:`~lowdim_utils.linear.subspace_angles`);
  :func:`svcca` first keeps the top singular directions of each (Raghu et al. 2017);
* :func:`orthogonal_procrustes` — the rotation ``R`` minimising ``‖AR − B‖_F`` (scipy's convention);
  the Procrustes *distance* is lesson 07's :func:`~lowdim_utils.manifold.procrustes_error`;
* :func:`relative_representation` — cosine similarities to a set of anchors (Moschella et al. 2023, Eq. (8));
* :func:`mutual_knn_alignment` — the mutual nearest-neighbour overlap of Huh et al. (2024, Eq. (9)),
  with lesson 05's :func:`~lowdim_utils.neighbors.knn`;
* :func:`similarity_matrix` and :func:`layer_identification` — every layer of one network against
  every layer of another, and how often the most similar layer is the corresponding one.

Everything is torch, runs on the input's device and keeps float32/float64 (half precision is computed
in float32); the similarities are returned as Python floats.
"""
from __future__ import annotations

import math

import torch

from .linear import subspace_angles
from .manifold import procrustes_error
from .neighbors import knn
from .validate import as_matrix, check_choice, check_int, check_interval, check_same_device

__all__ = ["hsic", "kernel_cka", "linear_cka", "cca", "mean_cca", "svcca", "orthogonal_procrustes",
           "procrustes_similarity", "relative_representation", "mutual_knn_alignment", "similarity_matrix",
           "layer_identification", "MEASURES"]

_ESTIMATORS = ("biased", "unbiased")


def _pair(X, Y, min_rows=2):
    X = as_matrix(X, "X", min_rows=min_rows)
    if isinstance(Y, torch.Tensor):
        check_same_device(X=X, Y=Y)
    Y = as_matrix(Y, "Y", dtype=X.dtype, device=X.device, min_rows=min_rows)
    if Y.shape[0] != X.shape[0]:
        raise ValueError(f"X and Y must have the same number of rows (one per input), got {X.shape[0]} and "
                         f"{Y.shape[0]}.")
    return X.detach(), Y.detach()


def _gram(K, name):
    K = as_matrix(K, name)
    if K.shape[0] != K.shape[1]:
        raise ValueError(f"{name} must be a square (n, n) Gram matrix, got shape {tuple(K.shape)}.")
    return K


# ------------------------------------------------------------------ HSIC and CKA, kernel form O(n²)

def _hsic_biased(K, L):
    n = K.shape[0]
    Kc = K - K.mean(0, keepdim=True) - K.mean(1, keepdim=True) + K.mean()      # HKH
    return (Kc * L).sum() / (n - 1) ** 2                                       # tr(HKH L) = tr(KHLH)


def _hsic_unbiased(K, L):
    n = K.shape[0]
    Kt = K - torch.diag(torch.diagonal(K))
    Lt = L - torch.diag(torch.diagonal(L))
    s_k, s_l = Kt.sum(), Lt.sum()
    return ((Kt * Lt).sum() + s_k * s_l / ((n - 1) * (n - 2))
            - 2.0 / (n - 2) * (Kt.sum(0) @ Lt.sum(1))) / (n * (n - 3))


def _gram_pair(K, L, estimator):
    """Validated (estimator, K, L) for the HSIC and kernel-CKA functions: square, equal shapes, same device."""
    estimator = check_choice(estimator, "estimator", _ESTIMATORS)
    K = _gram(K, "K")
    if isinstance(L, torch.Tensor):
        check_same_device(K=K, L=L)
    L = _gram(L, "L").to(dtype=K.dtype, device=K.device)
    if L.shape != K.shape:
        raise ValueError(f"K and L must have the same shape, got {tuple(K.shape)} and {tuple(L.shape)}.")
    n = K.shape[0]
    need = 4 if estimator == "unbiased" else 2
    if n < need:
        raise ValueError(f"K must be at least {need} x {need} for the {estimator} estimator, got n = {n}.")
    return estimator, K, L


def hsic(K, L, *, estimator: str = "biased") -> float:
    """HSIC of two Gram matrices ``K, L: (n, n)`` (lesson 20, Eqs. (1), (2)).

    ``"biased"``: ``tr(K H L H) / (n − 1)²`` with the centring matrix ``H = I − 11ᵀ/n`` (Gretton et al.
    2005, the form CKA is usually written with; ``n >= 2``). ``"unbiased"``: Song et al.'s (2012)
    U-statistic ``[tr(K̃L̃) + 1ᵀK̃1·1ᵀL̃1/((n−1)(n−2)) − 2/(n−2)·1ᵀK̃L̃1] / (n(n−3))``, where
    ``K̃, L̃`` are ``K, L`` with their diagonals set to zero (``n >= 4``). ``O(n²)``.
    """
    estimator, K, L = _gram_pair(K, L, estimator)
    f = _hsic_unbiased if estimator == "unbiased" else _hsic_biased
    return float(f(K.detach(), L.detach()))


def kernel_cka(K, L, *, estimator: str = "biased") -> float:
    """CKA ``HSIC(K, L) / sqrt(HSIC(K, K)·HSIC(L, L))`` of Gram matrices ``K, L: (n, n)`` (lesson 20, Eq. (3)).

    ``O(n²)`` given the Gram matrices (forming ``K = XXᵀ`` costs ``O(n²p)``): each matrix is centred
    (biased) or has its diagonal zeroed (unbiased) once, then the three HSIC terms are sums of
    elementwise products. Raises ValueError when a representation is constant (``HSIC(K, K) <= 0``).
    """
    estimator, K, L = _gram_pair(K, L, estimator)
    K, L = K.detach(), L.detach()
    if estimator == "biased":
        Kc = K - K.mean(0, keepdim=True) - K.mean(1, keepdim=True) + K.mean()   # HKH; tr(KHLH) = Σ (HKH)∘(HLH)
        Lc = L - L.mean(0, keepdim=True) - L.mean(1, keepdim=True) + L.mean()
        hkl, hkk, hll = (Kc * Lc).sum(), (Kc * Kc).sum(), (Lc * Lc).sum()
    else:
        hkl, hkk, hll = _hsic_unbiased(K, L), _hsic_unbiased(K, K), _hsic_unbiased(L, L)
    for name, h in (("K", hkk), ("L", hll)):
        if not float(h) > 0:
            raise ValueError(f"{name} has HSIC({name}, {name}) = {float(h):.3g} <= 0: the representation is constant.")
    return float(hkl / torch.sqrt(hkk * hll))


# ------------------------------------------------------------------ linear CKA, feature form O(n p q)

def _hsic_linear(X, Y, estimator):
    """HSIC of the linear kernels ``XXᵀ``, ``YYᵀ`` from the features: ``O(n p q)``."""
    n = X.shape[0]
    if estimator == "biased":
        Xc, Yc = X - X.mean(0), Y - Y.mean(0)
        return (Yc.T @ Xc).square().sum() / (n - 1) ** 2                        # Eq. (4)
    a, b = X.square().sum(1), Y.square().sum(1)                                  # diag(K), diag(L)
    tr = (Y.T @ X).square().sum() - (a * b).sum()                                # tr(K̃L̃)
    ka = X @ X.sum(0) - a                                                        # K̃1
    lb = Y @ Y.sum(0) - b                                                        # L̃1
    return (tr + ka.sum() * lb.sum() / ((n - 1) * (n - 2)) - 2.0 / (n - 2) * (ka @ lb)) / (n * (n - 3))


def linear_cka(X, Y, *, estimator: str = "biased") -> float:
    """Linear CKA of ``X: (n, p)`` and ``Y: (n, q)`` (rows: the same inputs), in feature space.

    ``"biased"``: ``‖Ycᵀ Xc‖_F² / (‖Xcᵀ Xc‖_F ‖Ycᵀ Yc‖_F)`` with column-centred ``Xc, Yc`` (lesson 20,
    Eq. (4); Kornblith et al. 2019); ``"unbiased"``: the same ratio of Song et al.'s unbiased HSIC
    (Eq. (5)), expanded so that no ``n × n`` matrix is formed. Both equal :func:`kernel_cka` of
    ``XXᵀ`` and ``YYᵀ``; cost ``O(n(p² + pq + q²))``. Invariant to orthogonal maps and isotropic
    scaling of either argument, not to general invertible linear maps (lesson 20, Theorem).
    """
    estimator = check_choice(estimator, "estimator", _ESTIMATORS)
    X, Y = _pair(X, Y, min_rows=4 if estimator == "unbiased" else 2)
    if X.dtype not in (torch.float32, torch.float64):
        X, Y = X.float(), Y.float()
    hxy = _hsic_linear(X, Y, estimator)
    hxx = _hsic_linear(X, X, estimator)
    hyy = _hsic_linear(Y, Y, estimator)
    for name, h in (("X", hxx), ("Y", hyy)):
        if not float(h) > 0:
            raise ValueError(f"{name} is constant over the inputs (HSIC({name}, {name}) = {float(h):.3g}): "
                             "CKA is undefined.")
    return float(hxy / torch.sqrt(hxx * hyy))


# ------------------------------------------------------------------ CCA and SVCCA

def cca(X, Y):
    """Canonical correlations ``ρ₁ >= ρ₂ >= …`` of ``X: (n, p)`` and ``Y: (n, q)`` (lesson 20, Eq. (6)).

    ``ρ_i = cos θ_i`` for the principal angles ``θ_i`` between the column spaces of the centred
    ``X`` and ``Y`` (Björck & Golub 1973), computed with :func:`lowdim_utils.linear.subspace_angles`;
    there are ``min(rank Xc, rank Yc)`` of them. Equivalent to the singular values of the whitened
    cross-covariance ``Σxx^{-1/2} Σxy Σyy^{-1/2}``. Invariant to any invertible linear map of either
    argument; when ``p + q >= n`` the spaces intersect and correlations equal to 1 appear whatever the data.
    Returns a ``(min(r_X, r_Y),)`` tensor on X's device.
    """
    X, Y = _pair(X, Y)
    return torch.cos(subspace_angles(X - X.mean(0), Y - Y.mean(0)))


def mean_cca(X, Y) -> float:
    """The mean canonical correlation ``ρ̄`` of ``X: (n, p)`` and ``Y: (n, q)`` — Kornblith et al.'s "CCA (ρ̄)"."""
    return float(cca(X, Y).mean())


def _top_directions(X, variance):
    Xc = X - X.mean(0)
    U, S, _ = torch.linalg.svd(Xc, full_matrices=False)
    share = torch.cumsum(S.square(), 0) / S.square().sum()
    k = int((share < variance - 1e-12).sum()) + 1
    return U[:, :k] * S[:k]


def svcca(X, Y, *, variance: float = 0.99) -> float:
    """SVCCA (Raghu et al. 2017): keep the fewest top singular directions of each centred
    representation that explain the fraction ``variance`` of its variance, then the mean
    canonical correlation of the two reduced representations (lesson 20, Eq. (6)).

    ``X: (n, p)``, ``Y: (n, q)``; ``0 < variance <= 1`` (1 keeps everything: plain CCA).
    """
    X, Y = _pair(X, Y)
    variance = check_interval(variance, "variance", 0.0, 1.0, closed="right")
    for name, Z in (("X", X), ("Y", Y)):
        if float((Z - Z.mean(0)).abs().max()) == 0:
            raise ValueError(f"{name} is constant over the inputs: it has no singular directions.")
    return mean_cca(_top_directions(X, variance), _top_directions(Y, variance))


# ------------------------------------------------------------------ Procrustes

def orthogonal_procrustes(A, B):
    """The orthogonal ``R: (p, p)`` minimising ``‖A R − B‖_F`` for ``A, B: (n, p)`` (lesson 20, Eq. (7)).

    ``R = U Vᵀ`` from the SVD ``AᵀB = U Σ Vᵀ``; also returns ``scale = Σ σ_i`` (= ``tr(Rᵀ AᵀB)``),
    as ``scipy.linalg.orthogonal_procrustes`` does — its oracle. No centring and no scaling: centre
    and scale the inputs first for a similarity transform. Returns ``(R, scale)``.
    """
    A = as_matrix(A, "A")
    if isinstance(B, torch.Tensor):
        check_same_device(A=A, B=B)
    B = as_matrix(B, "B", dtype=A.dtype, device=A.device)
    if A.shape != B.shape:
        raise ValueError(f"A and B must have the same shape, got {tuple(A.shape)} and {tuple(B.shape)}.")
    U, S, Vt = torch.linalg.svd(A.detach().T @ B.detach())
    return U @ Vt, float(S.sum())


def procrustes_similarity(X, Y) -> float:
    """``1 −`` lesson 07's relative Procrustes distance of centred, scaled ``X`` and ``Y`` (rotations,
    reflections and one scale allowed; the narrower one padded with zeros), a similarity in ``[0, 1]``."""
    X, Y = _pair(X, Y)
    return 1.0 - procrustes_error(X, Y, scaling=True)


# ------------------------------------------------------------------ relative representations

def relative_representation(X, anchors, *, center: bool = False):
    """Cosine similarities of the rows of ``X: (n, d)`` to ``anchors: (k, d)`` (lesson 20, Eq. (8)).

    Row ``i`` is ``(cos(x_i, a_1), …, cos(x_i, a_k))`` (Moschella et al. 2023). With ``center=True``
    the anchors' mean is subtracted from both first, which adds invariance to translations (one of the
    "bricks" of Cannistraci et al. 2024). Invariant to orthogonal maps and rescaling of the space.
    Returns ``(n, k)``. A zero row (after centring) raises ValueError.
    """
    X = as_matrix(X, "X")
    if isinstance(anchors, torch.Tensor):
        check_same_device(X=X, anchors=anchors)
    A = as_matrix(anchors, "anchors", dtype=X.dtype, device=X.device)
    if A.shape[1] != X.shape[1]:
        raise ValueError(f"anchors must have {X.shape[1]} columns like X, got shape {tuple(A.shape)}.")
    if not isinstance(center, bool):
        raise TypeError(f"center must be True or False, got {center!r}.")
    if center:
        mu = A.mean(0)
        X, A = X - mu, A - mu
    nx, na = X.norm(dim=1, keepdim=True), A.norm(dim=1, keepdim=True)
    for name, nrm in (("X", nx), ("anchors", na)):
        if bool((nrm == 0).any()):
            raise ValueError(f"{name} has a zero row" + (" after centring" if center else "")
                             + ": its cosine similarity is undefined.")
    return (X / nx) @ (A / na).T


# ------------------------------------------------------------------ mutual k-NN

def mutual_knn_alignment(X, Y, k: int = 10) -> float:
    """Mutual k-nearest-neighbour alignment of ``X: (n, p)`` and ``Y: (n, q)`` (lesson 20, Eq. (9)).

    ``(1/n) Σ_i |N_k^X(i) ∩ N_k^Y(i)| / k`` with ``N_k^X(i)`` the ``k`` nearest other rows of row ``i`` in ``X``
    (Euclidean, :func:`lowdim_utils.neighbors.knn`) — Huh et al.'s (2024) measure. 1: the same neighbourhoods;
    about ``k/(n−1)`` for unrelated representations. ``1 <= k <= n − 1``.
    """
    X, Y = _pair(X, Y)
    k = check_int(k, "k", low=1, high=X.shape[0] - 1)
    _, ix = knn(X, k)
    _, iy = knn(Y, k)
    hit = (ix[:, :, None] == iy[:, None, :]).any(2)
    return float(hit.double().mean())


# ------------------------------------------------------------------ layer against layer

MEASURES = {
    "CKA": lambda X, Y: linear_cka(X, Y),
    "CKA (unbiased)": lambda X, Y: linear_cka(X, Y, estimator="unbiased"),
    "CCA (mean ρ)": mean_cca,
    "SVCCA": svcca,
    "Procrustes": procrustes_similarity,
    "mutual 10-NN": lambda X, Y: mutual_knn_alignment(X, Y, 10),
}


def similarity_matrix(reps_a, reps_b, measure="CKA"):
    """``S[i, j] = measure(reps_a[i], reps_b[j])`` for two lists of representations of the same inputs.

    ``reps_a``, ``reps_b``: sequences of ``(n, d_i)`` matrices (e.g. one per layer); ``measure``: a name
    in :data:`MEASURES` or a function ``(X, Y) -> float``, larger meaning more similar. Returns a
    float64 ``(len(reps_a), len(reps_b))`` tensor on the CPU.
    """
    if isinstance(measure, str):
        fn = MEASURES[check_choice(measure, "measure", tuple(MEASURES))]
    elif callable(measure):
        fn = measure
    else:
        raise TypeError(f"measure must be a name in {tuple(MEASURES)} or a function, got {type(measure).__name__}.")
    for name, reps in (("reps_a", reps_a), ("reps_b", reps_b)):
        if isinstance(reps, torch.Tensor) or not hasattr(reps, "__len__") or len(reps) == 0:
            raise TypeError(f"{name} must be a non-empty list of (n, d) matrices, got {type(reps).__name__}.")
    A = [as_matrix(r, f"reps_a[{i}]") for i, r in enumerate(reps_a)]
    B = [as_matrix(r, f"reps_b[{j}]") for j, r in enumerate(reps_b)]
    S = torch.empty(len(A), len(B), dtype=torch.float64)
    for i, X in enumerate(A):
        for j, Y in enumerate(B):
            S[i, j] = float(fn(X, Y))
    return S


def layer_identification(S) -> float:
    """Fraction of rows ``i`` of a square similarity matrix ``S: (L, L)`` whose largest entry is on the
    diagonal: how often the layer of network B most similar to layer ``i`` of network A is layer ``i``
    (Kornblith et al. 2019's test). Ties count as failures."""
    S = as_matrix(S, "S", dtype=torch.float64)
    if S.shape[0] != S.shape[1]:
        raise ValueError(f"S must be square (one row and one column per layer), got shape {tuple(S.shape)}.")
    diag = torch.diagonal(S)
    off = S.clone()
    off.fill_diagonal_(-float("inf"))
    return float((diag > off.max(1).values).double().mean()) if S.shape[0] > 1 else 1.0
