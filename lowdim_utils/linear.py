"""Linear structure: PCA, the SVD, power iteration and randomized SVD (lesson 01).

All functions take a matrix ``X: (n, d)`` as a torch tensor (any device, float32 or
float64) or anything NumPy can convert, and return torch tensors on the same device.
Singular vectors are only defined up to sign; every SVD here fixes the course's sign
convention with :func:`lowdim_utils.signs.flip_svd` (the largest-magnitude entry of each
right singular vector is positive, as scikit-learn's PCA does), and :func:`subspace_angles`
compares subspaces without any convention at all. Random test matrices follow the package's
randomness policy (:mod:`lowdim_utils.rng`: ``generator`` is None, an int seed or a
``torch.Generator``).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from .rng import as_generator
from .signs import _flip_svd, _signs, flip_svd
from .validate import as_matrix, check_choice, check_int, check_positive, check_rank, check_same_device

__all__ = ["center", "svd", "flip_svd", "pca", "PCAResult", "power_iteration", "randomized_range_finder",
           "randomized_svd", "rank_k_approx", "subspace_angles", "halko_bound"]


def center(X):
    """Subtract the column means (lesson 01, Eq. (1)). Returns ``(Xc: (n, d), mean: (d,))``."""
    X = as_matrix(X, "X")
    mean = X.mean(dim=0)
    return X - mean, mean


def svd(X, k: int | None = None):
    """Thin SVD ``X = U diag(S) Vt``, truncated to rank ``k``, signs fixed by :func:`~lowdim_utils.signs.flip_svd`.

    Returns ``U: (n, k)``, ``S: (k,)`` (descending), ``Vt: (k, d)``.
    """
    X = as_matrix(X, "X")
    n, d = X.shape
    k = min(n, d) if k is None else check_rank(k, "k", n, d)
    return _svd(X, k)


def _svd(X, k):
    U, S, Vt = torch.linalg.svd(X, full_matrices=False)
    U, Vt = _flip_svd(U[:, :k], Vt[:k])
    return U, S[:k], Vt


def rank_k_approx(X, k: int):
    """The best rank-``k`` approximation of ``X`` (Eckart–Young–Mirsky, lesson 01 Thm. 1)."""
    X = as_matrix(X, "X")
    U, S, Vt = _svd(X, check_rank(k, "k", *X.shape))
    return (U * S) @ Vt


def _orthonormalize(Y):
    Q, _ = torch.linalg.qr(Y, mode="reduced")
    return Q


def power_iteration(X, k: int = 1, *, n_iter: int = 100, tol: float = 1e-7, generator=None):
    """Top-``k`` right singular vectors of ``X: (n, d)`` by block power (subspace) iteration on XᵀX.

    Each step multiplies a ``(d, k)`` orthonormal block by ``XᵀX`` and re-orthonormalises it
    (QR); it stops when the block's subspace moves by less than ``tol`` (sine of the largest
    principal angle) or after ``n_iter`` steps. Convergence is geometric with rate
    σ_{k+1}²/σ_k² (lesson 01, Eq. (7)).

    Returns ``(S: (k,), Vt: (k, d), steps)`` with signs fixed by :func:`~lowdim_utils.signs.flip_svd`.
    """
    X = as_matrix(X, "X")
    n, d = X.shape
    k = check_rank(k, "k", n, d)
    n_iter = check_int(n_iter, "n_iter", low=1)
    tol = check_positive(tol, "tol", allow_zero=True)
    gen = as_generator(generator)
    V = _orthonormalize(torch.randn(d, k, generator=gen, dtype=X.dtype, device=gen.device).to(X.device))
    steps = 0
    for steps in range(1, n_iter + 1):
        V_new = _orthonormalize(X.T @ (X @ V))
        # sine of the largest principal angle between old and new subspaces
        moved = torch.linalg.matrix_norm(V_new - V @ (V.T @ V_new), ord=2)
        V = V_new
        if moved < tol:
            break
    # Rayleigh–Ritz: rotate the block onto singular vectors of X V
    _, S, Wt = torch.linalg.svd(X @ V, full_matrices=False)
    Vt = (V @ Wt.T).T
    _, Vt = _flip_svd(torch.zeros(1, k, dtype=X.dtype, device=X.device), Vt)
    return S, Vt, steps


def randomized_range_finder(X, size: int, *, n_iter: int = 2, generator=None):
    """An orthonormal ``Q: (n, size)`` whose range approximates that of ``X`` (Halko et al. Alg. 4.4).

    Draws a Gaussian test matrix ``Ω: (d, size)``, forms ``Y = (X Xᵀ)^q X Ω`` with ``q = n_iter``
    power iterations, re-orthonormalising after every multiplication (QR) for stability.
    """
    X = as_matrix(X, "X")
    n, d = X.shape
    size = check_int(size, "size", low=1, high=min(n, d))
    n_iter = check_int(n_iter, "n_iter", low=0)
    return _range_finder(X, size, n_iter, generator)


def _range_finder(X, size, n_iter, generator):
    gen = as_generator(generator)
    omega = torch.randn(X.shape[1], size, generator=gen, dtype=X.dtype, device=gen.device).to(X.device)
    Q = _orthonormalize(X @ omega)
    for _ in range(n_iter):
        Q = _orthonormalize(X.T @ Q)
        Q = _orthonormalize(X @ Q)
    return Q


def randomized_svd(X, k: int, *, oversample: int = 10, n_iter: int = 2, generator=None):
    """Rank-``k`` randomized SVD (Halko, Martinsson & Tropp 2011, Algorithms 4.4 and 5.1).

    A range finder with ``k + oversample`` columns and ``n_iter`` power iterations, then the
    exact SVD of the small ``(k + oversample, d)`` matrix ``QᵀX``, truncated to rank ``k``; its
    spectral error lies between σ_{k+1} and σ_{k+1} + ‖X − QQᵀX‖₂ (lesson 01, Eq. (9)).

    Returns ``U: (n, k)``, ``S: (k,)``, ``Vt: (k, d)`` with signs fixed by :func:`~lowdim_utils.signs.flip_svd`.
    """
    X = as_matrix(X, "X")
    n, d = X.shape
    k = check_rank(k, "k", n, d)
    oversample = check_int(oversample, "oversample", low=0)
    size = min(k + oversample, n, d)
    n_iter = check_int(n_iter, "n_iter", low=0)
    Q = _range_finder(X, size, n_iter, generator)
    Ub, S, Vt = torch.linalg.svd(Q.T @ X, full_matrices=False)
    U = Q @ Ub[:, :k]
    U, Vt = _flip_svd(U, Vt[:k])
    return U, S[:k], Vt


@dataclass
class PCAResult:
    """Principal components of ``X: (n, d)``: ``components: (k, d)`` (rows orthonormal),
    ``explained_variance: (k,)``, ``explained_variance_ratio: (k,)``, ``mean: (d,)``,
    ``singular_values: (k,)``."""

    components: torch.Tensor
    explained_variance: torch.Tensor
    explained_variance_ratio: torch.Tensor
    mean: torch.Tensor
    singular_values: torch.Tensor

    def transform(self, X):
        """Scores ``(n, k)`` of new data ``X: (n, d)``."""
        X = as_matrix(X, "X", dtype=self.mean.dtype, device=self.mean.device)
        if X.shape[1] != self.mean.shape[0]:
            raise ValueError(f"X must have {self.mean.shape[0]} columns like the fitted data, got {X.shape[1]}.")
        return (X - self.mean) @ self.components.T

    def inverse_transform(self, Z):
        """Reconstruction ``(n, d)`` from scores ``Z: (n, k)``."""
        Z = as_matrix(Z, "Z", dtype=self.mean.dtype, device=self.mean.device)
        if Z.shape[1] != self.components.shape[0]:
            raise ValueError(f"Z must have {self.components.shape[0]} columns (one per component), got {Z.shape[1]}.")
        return Z @ self.components + self.mean


#: ``method="auto"`` takes the covariance route when ``n >= COVARIANCE_ASPECT · d`` and ``d <= COVARIANCE_MAX_DIM``
COVARIANCE_ASPECT = 10
COVARIANCE_MAX_DIM = 1000


def pca(X, k: int, *, method: str = "full", oversample: int = 10, n_iter: int = 4, generator=None) -> PCAResult:
    """Principal component analysis of ``X: (n, d)`` (lesson 01, Eq. (3)).

    ``method``:

    * ``"full"`` (default): the exact thin SVD of the centred data, ``O(n d²)`` with a large
      constant; accurate to round-off for every component.
    * ``"covariance"``: the eigenvectors of the ``d × d`` covariance ``C`` (lesson 01, Eq. (2)),
      one matrix product ``XᵀX`` (BLAS speed) and a small ``eigh``; for tall data (``n ≫ d``)
      several times faster than the SVD. **Accuracy trade-off**: ``C`` squares the singular
      values, so an eigenvalue's absolute error is about ``eps · σ₁²``: a component whose
      variance is below ``eps · σ₁²`` (float32: ``1e-7 σ₁²``; float64: ``2e-16 σ₁²``) is lost
      in round-off, while the leading components agree with the SVD route to round-off
      (``tests/test_linear.py`` measures both in float32 and float64).
    * ``"auto"``: ``"covariance"`` for tall data (``n >= 10 d`` and ``d <= 1000``, scikit-learn's
      rule), else ``"full"``.
    * ``"randomized"``: :func:`randomized_svd` (``oversample``, ``n_iter``, ``generator``).

    Variances use the unbiased ``1/(n-1)`` normalisation, as scikit-learn does.
    """
    X = as_matrix(X, "X", min_rows=2)
    n, d = X.shape
    k = check_rank(k, "k", n, d)
    check_choice(method, "method", ("full", "covariance", "auto", "randomized"))
    if method == "auto":
        method = "covariance" if (n >= COVARIANCE_ASPECT * d and d <= COVARIANCE_MAX_DIM) else "full"
    mean = X.mean(dim=0)
    Xc = X - mean
    if method == "covariance":
        G = Xc.T @ Xc                                   # (n−1)·C, symmetric d × d
        evals, evecs = torch.linalg.eigh(G)             # ascending
        top = evals.flip(0)[:k].clamp_min(0)
        Vt = evecs.flip(1)[:, :k].T.contiguous()
        Vt = Vt * _signs(Vt, 1)                         # the course's sign convention
        S = top.sqrt()
        total = torch.trace(G) / (n - 1)
    elif method == "full":
        U, S_all, Vt = torch.linalg.svd(Xc, full_matrices=False)
        _, Vt = _flip_svd(U[:, :k], Vt[:k])
        S = S_all[:k]
        total = (S_all**2).sum() / (n - 1)
    else:
        oversample = check_int(oversample, "oversample", low=0)
        n_iter = check_int(n_iter, "n_iter", low=0)
        Q = _range_finder(Xc, min(k + oversample, n, d), n_iter, generator)
        Ub, S, Vt = torch.linalg.svd(Q.T @ Xc, full_matrices=False)
        _, Vt = _flip_svd(Q @ Ub[:, :k], Vt[:k])
        S = S[:k]
        total = (Xc**2).sum() / (n - 1)
    var = S**2 / (n - 1)
    return PCAResult(Vt, var, var / total, mean, S)


def _orth(A, rtol=None):
    """An orthonormal basis ``(n, r)`` of the column space of ``A``, with ``r`` its numerical rank:
    left singular vectors whose singular value exceeds ``rtol·σ_max`` (``rtol`` = max(n, p)·eps,
    as ``scipy.linalg.orth`` uses). A QR basis would add arbitrary directions for a rank-deficient A."""
    U, s, _ = torch.linalg.svd(A, full_matrices=False)
    if rtol is None:
        rtol = max(A.shape) * torch.finfo(A.dtype).eps
    sd = s.detach()
    r = int((sd > rtol * sd[0]).sum()) if sd.numel() and float(sd[0]) > 0 else 0
    return U[:, :r]


def subspace_angles(A, B):
    """Principal angles (radians, ascending) between the column spaces of ``A: (n, p)`` and ``B: (n, q)``.

    The spaces have the dimensions of the numerical ranks ``r_A``, ``r_B`` of A and B (linearly
    dependent or zero columns add nothing), and there are ``min(r_A, r_B)`` angles. Computed as
    ``arccos`` of the singular values of ``Q_Aᵀ Q_B`` with an ``arcsin`` of the residual for small
    angles (accurate where ``arccos`` is not) — the algorithm of ``scipy.linalg.subspace_angles``,
    which is its oracle. Invariant to the sign, order and scaling of the columns, hence the right
    way to compare singular vectors. Raises ValueError if A or B has rank 0.
    """
    A = as_matrix(A, "A")
    B = as_matrix(B, "B", dtype=A.dtype)
    check_same_device(A=A, B=B)
    if A.shape[0] != B.shape[0]:
        raise ValueError(f"A and B must have the same number of rows, got A {tuple(A.shape)} and B {tuple(B.shape)}.")
    QA, QB = _orth(A), _orth(B)
    for name, Q in (("A", QA), ("B", QB)):
        if Q.shape[1] == 0:
            raise ValueError(f"{name} has rank 0 (all its columns are zero): its column space has no angles.")
    if QA.shape[1] < QB.shape[1]:
        QA, QB = QB, QA
    cos = torch.linalg.svdvals(QA.T @ QB).clamp(max=1.0)
    resid = QB - QA @ (QA.T @ QB)
    sin = torch.linalg.svdvals(resid).clamp(max=1.0)
    angles = torch.where(cos > 0.7, torch.arcsin(sin.flip(0)), torch.arccos(cos))
    return angles.sort().values


def halko_bound(singular_values, k: int, oversample: int, n_iter: int = 0) -> float:
    """Halko et al. (2011) bound on E‖X − QQᵀX‖₂ / σ_{k+1} for a range finder of ``k + oversample``
    columns and ``n_iter`` power iterations (their Thm. 10.6 and Cor. 10.10; lesson 01, Eq. (8);
    needs ``oversample >= 2``). The expectation is over the Gaussian test matrix; ``QQᵀX`` has rank
    ``k + oversample``, so the ratio can be below 1.

    ``singular_values``: the full spectrum of ``X``, descending.
    """
    s = as_matrix(torch.as_tensor(singular_values).reshape(1, -1), "singular_values", dtype=torch.float64)[0]
    k = check_int(k, "k", low=1, high=len(s) - 1)
    p = check_int(oversample, "oversample", low=2)
    q = check_int(n_iter, "n_iter", low=0)
    e = 2.0 * q + 1.0
    tail = s[k:]
    term1 = (1 + (k / (p - 1)) ** 0.5) * tail[0] ** e
    term2 = torch.e * (k + p) ** 0.5 / p * torch.sqrt((tail ** (2 * e)).sum())
    return float((term1 + term2) ** (1 / e) / tail[0])
