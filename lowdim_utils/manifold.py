"""Nonlinear structure: kernel PCA, Isomap and Laplacian eigenmaps (lesson 07).

Every method here builds an ``(n, n)`` matrix from the data and reads an embedding off
its extreme eigenvectors:

* :func:`kernel_pca` — top eigenvectors of the double-centred kernel (Gram) matrix;
* :func:`isomap` — :func:`classical_mds` of the graph's :func:`geodesic_distances`;
* :func:`laplacian_eigenmaps` — bottom eigenvectors of the generalised problem
  ``L y = λ D y`` of a k-nearest-neighbour graph (:func:`spectral_embedding` for any affinity).

All functions take ``X: (n, d)`` as a torch tensor (any device; float32 or float64) or
anything NumPy can convert, and return torch tensors on the same device. On a GPU the
eigensolver is the dense, exact ``torch.linalg.eigh`` on that device (O(n³), but highly
parallel); on the CPU it is LAPACK's subset solver for small n and ARPACK (Lanczos, with
shift-and-invert on the sparse Laplacian) for n > ``DENSE_MAX`` — see :func:`_eigh_extreme`. Two steps are graph
algorithms that run on the CPU with SciPy whatever the device: connected components, and
— by default — the shortest paths (Dijkstra, O(n² log n)); ``path_method="floyd"`` runs a
min-plus Floyd–Warshall in torch on the data's device instead (O(n³) work, but n
parallel steps of n² operations each, which suits a GPU for n up to ~10⁴).

Eigenvectors are defined only up to sign: every embedding here follows the course's
convention (:func:`lowdim_utils.signs.fix_signs`: the largest-magnitude entry of each column
is positive, as in scikit-learn), :func:`~lowdim_utils.signs.align_signs` flips columns to
match a reference, and :func:`procrustes_error` compares configurations up to translation,
rotation/reflection and (optionally) scale. Neighbours come from the shared
:func:`lowdim_utils.neighbors.knn`.

Two numerical points hold everywhere: squared distances (hence RBF kernels) are computed
from data centred on a common mean, since the product form ``‖x‖² + ‖y‖² − 2xᵀy`` loses the
digits of the offset (float32 points around +1000 would otherwise get visibly wrong
kernels); and a k-NN graph keeps the zero-length edges between exact duplicates, so that
duplicated points stay connected at distance 0.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .neighbors import knn
from .signs import _signs, align_signs, fix_signs
from .validate import as_matrix, check_choice, check_int, check_interval, check_positive, check_same_device

__all__ = ["pairwise_sq_distances", "kernel_matrix", "double_center", "fix_signs", "align_signs",
           "KernelPCAResult", "kernel_pca", "connected_components", "DisconnectedGraphError",
           "shortest_paths", "geodesic_distances", "SpectralResult", "classical_mds", "IsomapResult", "isomap",
           "residual_variance", "knn_affinity", "spectral_embedding", "laplacian_eigenmaps",
           "procrustes_error"]

KERNELS = ("rbf", "linear", "poly")
PATH_METHODS = ("auto", "dijkstra", "floyd")
AFFINITIES = ("connectivity", "heat")


class DisconnectedGraphError(ValueError):
    """The neighbourhood graph has more than one connected component."""


def _matrix(X, name="X", min_rows=2):
    return as_matrix(X, name, min_rows=min_rows).detach()


def _square(M, name):
    M = as_matrix(M, name).detach()
    if M.shape[0] != M.shape[1]:
        raise ValueError(f"{name} must be a square (n, n) matrix, got shape {tuple(M.shape)}.")
    return M


def _check_symmetric(M, name, what="matrix"):
    scale = float(M.abs().max()) or 1.0
    tol = (1e-10 if M.dtype == torch.float64 else 1e-4) * scale
    asym = float((M - M.T).abs().max())
    if asym > tol:
        raise ValueError(f"{name} must be a symmetric {what}, but max |{name} - {name}.T| = {asym:.3g}.")


# --------------------------------------------------------------------------- kernels

def pairwise_sq_distances(X, Y=None):
    """Squared Euclidean distances ``‖x_i − y_j‖²`` of ``X: (n, d)`` and ``Y: (m, d)`` → ``(n, m)``.

    Uses ``‖x‖² + ‖y‖² − 2xᵀy`` (one matrix product, O(nmd)) on data centred by the mean of ``X``
    (so that an offset far from the origin costs no digits), clamped at 0 against rounding.
    """
    check_same_device(X=X, Y=Y)
    X = _matrix(X, min_rows=1)
    Y = X if Y is None else _matrix(Y, "Y", min_rows=1).to(X.dtype)
    check_same_device(X=X, Y=Y)
    if X.shape[1] != Y.shape[1]:
        raise ValueError(f"Y must have {X.shape[1]} columns like X, got shape {tuple(Y.shape)}.")
    return _sqdist(X, Y)


def _sqdist(X, Y):
    c = X.mean(dim=0)
    Xc, Yc = X - c, (Y - c if Y is not X else None)
    Yc = Xc if Yc is None else Yc
    sx = (Xc * Xc).sum(1)
    sy = sx if Yc is Xc else (Yc * Yc).sum(1)
    D2 = torch.addmm(sy[None, :], Xc, Yc.T, alpha=-2.0)     # one (n, m) buffer, updated in place
    return D2.add_(sx[:, None]).clamp_(min=0.0)


def kernel_matrix(X, Y=None, *, kernel: str = "rbf", gamma: float | None = None, degree: int = 3,
                  coef0: float = 1.0):
    """The kernel matrix ``K_ij = k(x_i, y_j)``, ``(n, m)`` (lesson 07, Eq. (1)).

    ``rbf``: exp(−γ‖x−y‖²); ``linear``: xᵀy; ``poly``: (γ xᵀy + coef0)^degree.
    ``gamma`` defaults to 1/d, as in scikit-learn.
    """
    check_same_device(X=X, Y=Y)
    X = _matrix(X, min_rows=1)
    Y = X if Y is None else _matrix(Y, "Y", min_rows=1).to(X.dtype)
    check_same_device(X=X, Y=Y)
    if X.shape[1] != Y.shape[1]:
        raise ValueError(f"Y must have {X.shape[1]} columns like X, got shape {tuple(Y.shape)}.")
    kernel, gamma, degree, coef0 = _kernel_args(kernel, gamma, degree, coef0, X.shape[1])
    return _kernel(X, Y, kernel, gamma, degree, coef0)


def _kernel_args(kernel, gamma, degree, coef0, d):
    check_choice(kernel, "kernel", KERNELS)
    gamma = 1.0 / d if gamma is None else check_positive(gamma, "gamma")
    degree = check_int(degree, "degree", low=1)
    return kernel, gamma, degree, check_interval(coef0, "coef0")


def _kernel(X, Y, kernel, gamma, degree, coef0):
    if kernel == "rbf":
        return _sqdist(X, Y).mul_(-gamma).exp_()
    if kernel == "linear":
        return X @ Y.T
    return (X @ Y.T).mul_(gamma).add_(coef0).pow_(degree)


def double_center(K):
    """``J K J`` with ``J = I − 11ᵀ/n``: subtract row and column means, add back the grand mean
    (lesson 07, Eq. (2)). ``K: (n, n)`` → ``(n, n)`` whose rows and columns sum to zero."""
    K = _square(K, "K")
    return _double_center(K)


def _double_center(K):
    row = K.mean(dim=1, keepdim=True)
    col = K.mean(dim=0, keepdim=True)
    return K - row - col + K.mean()


def _double_center_symmetric_(K, col):
    """:func:`double_center` of a symmetric ``K`` in place, given its column means ``col: (n,)``
    (equal to its row means): no ``(n, n)`` temporary."""
    return K.sub_(col[None, :]).sub_(col[:, None]).add_(col.mean())


# --------------------------------------------------------------------------- eigenvectors

def _fix_signs(Y):
    return Y * _signs(Y, 0)


#: on the CPU, matrices larger than this use ARPACK (Lanczos) instead of a dense solver (the
#: threshold of scikit-learn's eigen_solver="auto")
DENSE_MAX = 200


def _arpack_v0(n):
    """A fixed start vector: ARPACK's result must not depend on a global random state."""
    return np.random.default_rng(0).uniform(-1, 1, n)


def _eigh_extreme(M, k, largest=True):
    """k extreme eigenpairs of the symmetric ``M: (n, n)``, ordered from the extreme inwards.

    On a GPU: the dense, exact ``torch.linalg.eigh`` (O(n³), highly parallel). On the CPU:
    LAPACK's subset solver for n <= ``DENSE_MAX`` (still O(n³)), else ARPACK's implicitly
    restarted Lanczos method through SciPy (O(n²) per iteration, converged to machine
    precision with ``tol=0``) — the solver scikit-learn uses too.
    """
    n = M.shape[0]
    if M.device.type == "cpu":
        import scipy.linalg
        import scipy.sparse.linalg
        A = M.numpy()
        if n <= DENSE_MAX or k >= n - 1:
            lo, hi = (n - k, n - 1) if largest else (0, k - 1)
            w, V = scipy.linalg.eigh(A, subset_by_index=[lo, hi], driver="evr", check_finite=False)
        else:
            w, V = scipy.sparse.linalg.eigsh(A, k, which="LA" if largest else "SA", tol=0, v0=_arpack_v0(n))
            order = np.argsort(w)
            w, V = w[order], V[:, order]
        evals, evecs = torch.from_numpy(w).to(M.dtype), torch.from_numpy(np.ascontiguousarray(V)).to(M.dtype)
    else:
        evals, evecs = torch.linalg.eigh(M)  # ascending
        evals, evecs = (evals[n - k:], evecs[:, n - k:]) if largest else (evals[:k], evecs[:, :k])
    if largest:
        evals, evecs = evals.flip(0), evecs.flip(1)
    return evals, evecs


@dataclass
class SpectralResult:
    """An embedding ``embedding: (n, k)`` read off eigenvectors, with their ``eigenvalues: (k,)``."""

    embedding: torch.Tensor
    eigenvalues: torch.Tensor


# --------------------------------------------------------------------------- kernel PCA

@dataclass
class KernelPCAResult(SpectralResult):
    """Kernel PCA of ``X_fit: (n, d)``: ``embedding: (n, k)`` = αⱼ √λⱼ, ``eigenvalues: (k,)`` of the centred
    kernel matrix, ``alphas: (n, k)`` its unit eigenvectors; :meth:`transform` projects new points."""

    alphas: torch.Tensor
    X_fit: torch.Tensor
    kernel: str
    gamma: float
    degree: int
    coef0: float
    _row_means: torch.Tensor
    _all_mean: torch.Tensor

    def transform(self, X):
        """Embed new points ``X: (m, d)`` → ``(m, k)`` (lesson 07, Eq. (6)):
        centre ``k(x, x_i)`` with the training means, then project on ``αⱼ / √λⱼ``."""
        X = _matrix(X, min_rows=1).to(dtype=self.X_fit.dtype, device=self.X_fit.device)
        if X.shape[1] != self.X_fit.shape[1]:
            raise ValueError(f"X must have {self.X_fit.shape[1]} columns like the fitted data, got {X.shape[1]}.")
        Kx = _kernel(X, self.X_fit, self.kernel, self.gamma, self.degree, self.coef0)
        Kx = Kx - Kx.mean(dim=1, keepdim=True) - self._row_means[None, :] + self._all_mean
        lam = self.eigenvalues
        inv_sqrt = torch.where(lam > 0, lam.clamp(min=torch.finfo(lam.dtype).tiny).rsqrt(), torch.zeros_like(lam))
        return (Kx @ self.alphas) * inv_sqrt


def kernel_pca(X, k: int = 2, *, kernel: str = "rbf", gamma: float | None = None, degree: int = 3,
               coef0: float = 1.0) -> KernelPCAResult:
    """Kernel PCA (Schölkopf, Smola & Müller 1998; lesson 07, Eqs. (1)–(5)).

    ``X: (n, d)``, ``1 <= k <= n - 1``. Builds ``K`` with :func:`kernel_matrix`, double-centres
    it (centring in feature space), takes its top-``k`` eigenpairs ``(λⱼ, αⱼ)`` and returns the
    scores ``αⱼ √λⱼ`` — the same numbers as scikit-learn's ``KernelPCA.fit_transform`` up to the
    sign of each column (fixed here by :func:`fix_signs`). Negative eigenvalues (rounding) are
    clamped to 0.
    """
    X = _matrix(X)
    n, d = X.shape
    k = check_int(k, "k", low=1, high=n - 1)
    kernel, gamma, degree, coef0 = _kernel_args(kernel, gamma, degree, coef0, d)
    K = _kernel(X, X, kernel, gamma, degree, coef0)
    row_means = K.mean(dim=0)
    all_mean = row_means.mean()
    lam, alphas = _eigh_extreme(_double_center_symmetric_(K, row_means), k, largest=True)
    lam = lam.clamp(min=0)
    alphas = _fix_signs(alphas)
    return KernelPCAResult(alphas * lam.sqrt(), lam, alphas, X, kernel, gamma, degree, coef0, row_means, all_mean)


# --------------------------------------------------------------------------- graphs

def _knn(X, n_neighbors):
    n_neighbors = check_int(n_neighbors, "n_neighbors", low=1, high=X.shape[0] - 1)
    return knn(X, n_neighbors)


def _sparse_graph(distances, indices, n):
    """Symmetric scipy CSR adjacency from a k-NN graph: an edge if either point is a neighbour of
    the other, with its Euclidean length. Zero-length edges (exact duplicates) are kept as
    explicit zeros, which SciPy's graph routines treat as edges of length 0."""
    from scipy.sparse import csr_matrix
    d = distances.detach().cpu().double().numpy().ravel()
    j = indices.detach().cpu().numpy().ravel().astype(np.int64)
    i = np.repeat(np.arange(n, dtype=np.int64), indices.shape[1])
    # both directions, each undirected edge once (its length is the same either way)
    u, v = np.minimum(i, j), np.maximum(i, j)
    key, first = np.unique(u * n + v, return_index=True)
    u, v, w = u[first], v[first], d[first]
    A = csr_matrix((np.r_[w, w], (np.r_[u, v], np.r_[v, u])), shape=(n, n))
    A.sort_indices()
    return A


def connected_components(indices):
    """Connected components of the (symmetrised) k-NN graph given by ``indices: (n, m)``
    from :func:`lowdim_utils.neighbors.knn`. Returns ``(n_components, labels: (n,) int64 NumPy array)``."""
    from scipy.sparse.csgraph import connected_components as cc
    if not isinstance(indices, torch.Tensor) or indices.dim() != 2 or indices.dtype not in (torch.int32, torch.int64):
        raise TypeError("indices must be the (n, n_neighbors) integer tensor returned by lowdim_utils.neighbors.knn.")
    n = indices.shape[0]
    A = _sparse_graph(torch.ones_like(indices, dtype=torch.float64), indices, n)
    n_comp, labels = cc(A, directed=False)
    return int(n_comp), labels.astype(np.int64)


def _require_connected(indices, n_neighbors):
    n_comp, labels = connected_components(indices)
    if n_comp > 1:
        sizes = np.sort(np.bincount(labels))[::-1]
        shown = ", ".join(str(s) for s in sizes[:5]) + (", ..." if n_comp > 5 else "")
        raise DisconnectedGraphError(
            f"n_neighbors={n_neighbors} gives a disconnected neighbourhood graph: it has {n_comp} connected "
            f"components (sizes {shown}), and points in different components have no path between them "
            f"(infinite geodesic distance). Increase n_neighbors (try {2 * n_neighbors}), or embed each "
            "component separately (labels from lowdim_utils.manifold.connected_components("
            "lowdim_utils.neighbors.knn(X, n_neighbors)[1])).")


def _floyd_warshall(W):
    """All-pairs shortest paths of a dense weight matrix (inf = no edge) by min-plus relaxation:
    after step k, D_ij is the shortest path using intermediate vertices < k (lesson 07, Eq. (8))."""
    D = W.clone()
    for k in range(D.shape[0]):
        torch.minimum(D, D[:, k:k + 1] + D[k:k + 1, :], out=D)
    return D


def geodesic_distances(X, n_neighbors: int = 10, *, path_method: str = "auto"):
    """Graph approximation of the geodesic distances on the manifold sampled by ``X: (n, d)`` → ``(n, n)``.

    Shortest paths in the symmetrised k-NN graph with Euclidean edge lengths (Isomap's steps 1–2).
    ``path_method``: ``"dijkstra"`` (SciPy on the CPU, O(n² log n)), ``"floyd"`` (torch min-plus
    Floyd–Warshall on X's device, O(n³)), or ``"auto"`` (floyd on a CUDA device when n <= 16384,
    else dijkstra). Raises :class:`DisconnectedGraphError` if the graph is disconnected.
    """
    X = _matrix(X)
    check_choice(path_method, "path_method", PATH_METHODS)
    dist, idx = _knn(X, n_neighbors)
    _require_connected(idx, n_neighbors)
    return _shortest_paths(dist, idx, X, path_method)


def shortest_paths(distances, indices, *, path_method: str = "auto"):
    """All-pairs shortest-path lengths ``(n, n)`` in the symmetrised k-NN graph ``(distances, indices)``
    returned by :func:`lowdim_utils.neighbors.knn` (Isomap's step 2; lesson 07, Eq. (8)). See :func:`geodesic_distances`
    for ``path_method``. Unreachable pairs get ``inf``."""
    if not isinstance(distances, torch.Tensor) or not isinstance(indices, torch.Tensor) \
            or distances.shape != indices.shape or distances.dim() != 2:
        raise TypeError("distances and indices must be the two (n, n_neighbors) tensors returned by "
                        "lowdim_utils.neighbors.knn.")
    check_same_device(distances=distances, indices=indices)
    check_choice(path_method, "path_method", PATH_METHODS)
    return _shortest_paths(distances, indices, distances, path_method)


def _shortest_paths(dist, idx, X, path_method):
    """X only supplies n, dtype and device."""
    n = X.shape[0]
    if path_method == "auto":
        path_method = "floyd" if (X.device.type == "cuda" and n <= 16384) else "dijkstra"
    if path_method == "dijkstra":
        from scipy.sparse.csgraph import shortest_path
        G = shortest_path(_sparse_graph(dist, idx, n), method="D", directed=False)
        return torch.from_numpy(G).to(dtype=X.dtype, device=X.device)
    W = torch.full((n, n), float("inf"), dtype=X.dtype, device=X.device)
    W.scatter_(1, idx, dist.to(X.dtype))
    W = torch.minimum(W, W.T)
    W.fill_diagonal_(0.0)
    return _floyd_warshall(W)


# --------------------------------------------------------------------------- MDS and Isomap

def classical_mds(D, k: int = 2) -> SpectralResult:
    """Classical (Torgerson) multidimensional scaling of a distance matrix ``D: (n, n)`` (lesson 07, Thm. 1).

    ``B = −½ J (D∘D) J`` (lesson 07, Eq. (7)); the embedding is ``V_k Λ_k^{1/2}`` from the top-``k``
    eigenpairs of ``B``, with negative eigenvalues (which appear when D is not Euclidean) clamped to 0:
    ``Y Yᵀ`` is then the nearest positive semi-definite matrix of rank ≤ k to ``B`` in Frobenius norm. If
    ``D`` holds the distances of points in ℝ^k, this recovers them up to a rigid motion.
    """
    D = _square(D, "D")
    n = D.shape[0]
    k = check_int(k, "k", low=1, high=max(1, n - 1))
    if bool((D < 0).any()):
        raise ValueError("D must hold non-negative distances; it has negative entries.")
    _check_symmetric(D, "D", "distance matrix")
    return _mds(D, k)


def _mds(D, k):
    B = -0.5 * _double_center(D * D)
    lam, V = _eigh_extreme(B, k, largest=True)
    V = _fix_signs(V)
    return SpectralResult(V * lam.clamp(min=0).sqrt(), lam)


@dataclass
class IsomapResult(SpectralResult):
    """Isomap: ``embedding: (n, k)``, ``eigenvalues: (k,)`` of ``B``, ``geodesic: (n, n)`` graph distances."""

    geodesic: torch.Tensor


def isomap(X, k: int = 2, n_neighbors: int = 10, *, path_method: str = "auto") -> IsomapResult:
    """Isomap (Tenenbaum, de Silva & Langford 2000; lesson 07, Alg. 1): :func:`classical_mds` of the
    :func:`geodesic_distances` of ``X: (n, d)``. Same numbers as ``sklearn.manifold.Isomap`` (with a
    dense eigensolver) up to column signs, except that a disconnected graph raises
    :class:`DisconnectedGraphError` where scikit-learn adds edges with a warning."""
    X = _matrix(X)
    n = X.shape[0]
    k = check_int(k, "k", low=1, high=n - 1)
    G = geodesic_distances(X, n_neighbors, path_method=path_method)
    r = _mds(G, k)
    return IsomapResult(r.embedding, r.eigenvalues, G)


def residual_variance(D, Y) -> float:
    """Isomap's residual variance ``1 − R²(D, D_Y)`` (lesson 07, Eq. (9)): ``R`` is the linear correlation,
    over all pairs ``i < j``, of the given distances ``D: (n, n)`` and the Euclidean distances of the
    embedding ``Y: (n, k)``. 0 means the embedding reproduces D up to an affine map of the distances."""
    check_same_device(D=D, Y=Y)
    D = _square(D, "D")
    Y = _matrix(Y, "Y").to(D.dtype)
    if Y.shape[0] != D.shape[0]:
        raise ValueError(f"Y must have one row per row of D ({D.shape[0]}), got shape {tuple(Y.shape)}.")
    iu = torch.triu_indices(D.shape[0], D.shape[0], 1, device=D.device)
    a = D[iu[0], iu[1]]
    b = _sqdist(Y, Y)[iu[0], iu[1]].sqrt()
    a, b = a - a.mean(), b - b.mean()
    denom = float(a.norm() * b.norm())
    if denom == 0:
        return 1.0
    r = float((a * b).sum()) / denom
    return 1.0 - r * r


# --------------------------------------------------------------------------- Laplacian eigenmaps

def knn_affinity(X, n_neighbors: int = 10, *, affinity: str = "connectivity", t: float | None = None):
    """Symmetric affinity ``W: (n, n)`` of the k-NN graph of ``X: (n, d)``, zero diagonal (lesson 07, Eq. (10)).

    ``A_ij`` is 1 (``"connectivity"``) or ``exp(−‖x_i − x_j‖²/t)`` (``"heat"``; ``t`` defaults to the
    mean squared neighbour distance) when j is among i's ``n_neighbors`` nearest neighbours, else 0;
    ``W = (A + Aᵀ)/2``, the symmetrisation scikit-learn's ``SpectralEmbedding`` uses.
    """
    X = _matrix(X)
    check_choice(affinity, "affinity", AFFINITIES)
    dist, idx = _knn(X, n_neighbors)
    _require_connected(idx, n_neighbors)
    return _affinity(dist, idx, X, affinity, t)


def _affinity_values(dist, affinity, t):
    """Edge weights of the k-NN graph: 1, or the heat kernel exp(−d²/t) (lesson 07, Eq. (10))."""
    if affinity == "connectivity":
        return torch.ones_like(dist)
    t = float((dist**2).mean()) if t is None else check_positive(t, "t")
    t = t if t > 0 else 1.0
    return torch.exp(-(dist**2) / t)


def _affinity(dist, idx, X, affinity, t):
    n = X.shape[0]
    vals = _affinity_values(dist, affinity, t)
    A = torch.zeros(n, n, dtype=X.dtype, device=X.device)
    A.scatter_(1, idx, vals.to(X.dtype))
    return 0.5 * (A + A.T)


def spectral_embedding(W, k: int = 2) -> SpectralResult:
    """Laplacian eigenmaps of an affinity matrix ``W: (n, n)`` (Belkin & Niyogi 2003; lesson 07, Eq. (12)).

    Solves ``L y = λ D y`` with ``D = diag(W 1)``, ``L = D − W`` through the symmetric normalised
    Laplacian ``I − D^{-1/2} W D^{-1/2}`` (same eigenvalues, eigenvectors ``u = D^{1/2} y``), drops the
    trivial constant solution (λ = 0) and returns the next ``k`` solutions, normalised so that
    ``yᵀ D y = 1`` — scikit-learn's ``SpectralEmbedding`` convention. The diagonal of W is ignored.
    """
    W = _square(W, "W")
    n = W.shape[0]
    k = check_int(k, "k", low=1, high=n - 1)
    if bool((W < 0).any()):
        raise ValueError("W must hold non-negative affinities; it has negative entries.")
    _check_symmetric(W, "W", "affinity matrix")
    W = W.clone()
    W.fill_diagonal_(0.0)
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components as cc
    n_comp, _ = cc(csr_matrix((W > 0).cpu().numpy()), directed=False)
    if n_comp > 1:
        raise DisconnectedGraphError(
            f"W describes a disconnected graph with {n_comp} connected components; the eigenvalue 0 then "
            f"repeats {n_comp} times and the embedding only says which component a point is in. Connect "
            "the graph (more neighbours) or embed each component separately.")
    return _spectral(W, k)


def _spectral(W, k):
    deg = W.sum(1)
    s = deg.rsqrt()
    n = W.shape[0]
    if W.device.type == "cpu" and n > DENSE_MAX:
        # sparse shift-and-invert Lanczos on L_sym + 1e-5 I (the eigenvalues nearest 0), as scikit-learn does
        import scipy.sparse
        import scipy.sparse.linalg
        S = scipy.sparse.csr_matrix((s[:, None] * W * s[None, :]).numpy())
        L_sym = scipy.sparse.identity(n, format="csr") - S
        lam, U = scipy.sparse.linalg.eigsh(L_sym, k + 1, sigma=-1e-5, which="LM", tol=0, v0=_arpack_v0(n))
        order = np.argsort(lam)
        lam = torch.from_numpy(lam[order]).to(W.dtype)
        U = torch.from_numpy(np.ascontiguousarray(U[:, order])).to(W.dtype)
    else:
        M = s[:, None] * W * s[None, :]          # D^{-1/2} W D^{-1/2} = I − L_sym
        mu, U = _eigh_extreme(M, k + 1, largest=True)
        lam = 1.0 - mu
    Y = _fix_signs(U[:, 1:] * s[:, None])     # y = D^{-1/2} u, drop the trivial u ∝ D^{1/2} 1
    return SpectralResult(Y, lam[1:])


def laplacian_eigenmaps(X, k: int = 2, n_neighbors: int = 10, *, affinity: str = "connectivity",
                        t: float | None = None) -> SpectralResult:
    """Laplacian eigenmaps of ``X: (n, d)``: :func:`spectral_embedding` of :func:`knn_affinity`.

    Matches ``sklearn.manifold.SpectralEmbedding(affinity="nearest_neighbors", n_neighbors=n_neighbors + 1)``
    up to column signs (scikit-learn counts each point as its own neighbour).
    """
    X = _matrix(X)
    n = X.shape[0]
    k = check_int(k, "k", low=1, high=n - 1)
    if X.device.type == "cpu" and n > DENSE_MAX:
        # large graphs on the CPU: keep the k-NN affinity sparse (O(n k) memory) for ARPACK
        check_choice(affinity, "affinity", AFFINITIES)
        dist, idx = _knn(X, n_neighbors)
        _require_connected(idx, n_neighbors)
        return _spectral_sparse(dist, idx, X, affinity, t, k)
    W = knn_affinity(X, n_neighbors, affinity=affinity, t=t)
    return _spectral(W, k)


def _spectral_sparse(dist, idx, X, affinity, t, k):
    """:func:`_spectral` of :func:`_affinity` without forming the dense ``(n, n)`` matrix (CPU)."""
    import scipy.sparse
    import scipy.sparse.linalg
    n = X.shape[0]
    vals = _affinity_values(dist, affinity, t)
    rows = np.repeat(np.arange(n), idx.shape[1])
    A = scipy.sparse.csr_matrix((vals.numpy().ravel(), (rows, idx.numpy().ravel())), shape=(n, n))
    W = 0.5 * (A + A.T)
    s = 1.0 / np.sqrt(np.asarray(W.sum(axis=1)).ravel())
    Dm = scipy.sparse.diags(s)
    L_sym = scipy.sparse.identity(n, format="csr") - Dm @ W @ Dm
    lam, U = scipy.sparse.linalg.eigsh(L_sym.tocsc(), k + 1, sigma=-1e-5, which="LM", tol=0, v0=_arpack_v0(n))
    order = np.argsort(lam)
    lam = torch.from_numpy(lam[order]).to(X.dtype)
    U = torch.from_numpy(np.ascontiguousarray(U[:, order])).to(X.dtype)
    Y = _fix_signs(U[:, 1:] * torch.from_numpy(s).to(X.dtype)[:, None])
    return SpectralResult(Y, lam[1:])


# --------------------------------------------------------------------------- comparing embeddings

def procrustes_error(A, B, *, scaling: bool = True) -> float:
    """Relative Procrustes distance ``min ‖A_c − s B_c R‖_F / ‖A_c‖_F`` of two configurations.

    ``A: (n, p)``, ``B: (n, q)`` (the narrower one is padded with zero columns); ``A_c, B_c`` are
    centred; ``R`` ranges over orthogonal matrices (rotations and reflections, hence any sign
    flips) and ``s > 0`` over scales (``s = 1`` with ``scaling=False``). 0 means B is A up to a
    rigid motion (and scale); 1 means B explains nothing of A.
    """
    check_same_device(A=A, B=B)
    A = _matrix(A, "A")
    B = _matrix(B, "B").to(A.dtype)
    if A.shape[0] != B.shape[0]:
        raise ValueError(f"A and B must have the same number of rows (points), got {A.shape[0]} and {B.shape[0]}.")
    p = max(A.shape[1], B.shape[1])
    A = torch.nn.functional.pad(A, (0, p - A.shape[1]))
    B = torch.nn.functional.pad(B, (0, p - B.shape[1]))
    A = A - A.mean(0)
    B = B - B.mean(0)
    nA = float(A.norm())
    if nA == 0:
        raise ValueError("A must not be a single repeated point (its centred norm is 0).")
    U, S, Vt = torch.linalg.svd(B.T @ A)
    R = U @ Vt
    nB2 = float((B * B).sum())
    s = (float(S.sum()) / nB2 if nB2 > 0 else 0.0) if scaling else 1.0
    return float((A - s * (B @ R)).norm()) / nA
