"""k-nearest neighbours: the one implementation every family uses (lessons 05, 07, 11, 20, ...).

:func:`knn` returns, for every row of ``X: (n, d)``, the distances to and the indices of its
``k`` nearest *other* rows, sorted by distance. It works on blocks of rows (memory
``O(chunk · n)``), ranks candidates with one matrix product per block and then recomputes the
chosen neighbours' distances directly, ``‖x_i − x_j‖``, so that small distances carry no
cancellation error. The data are centred first: the product form
``‖a‖² + ‖b‖² − 2aᵀb`` loses about ``2 log10(‖x‖/‖x − y‖)`` digits, so float32 points sitting
far from the origin (coordinates near +1000, say) would otherwise get wrong neighbour sets.

A point is never its own neighbour; an exact duplicate of it is, at distance 0.
"""
from __future__ import annotations

import torch

from .validate import as_matrix, check_int

__all__ = ["knn"]


def knn(X, k: int, *, chunk_size: int | None = None):
    """The ``k`` nearest neighbours of every row of ``X: (n, d)`` (tensor on any device, or array).

    Args:
        X: ``(n, d)`` points; half precision is computed in float32.
        k: neighbours per point, ``1 <= k <= n - 1``.
        chunk_size: rows per block (default: about 16 M numbers of work per block).
    Returns:
        ``(distances, indices)``, both ``(n, k)``: float distances (X's dtype, ascending along
        each row) and int64 row indices, on X's device.
    """
    X = as_matrix(X, "X", min_rows=2).detach()
    n, d = X.shape
    k = check_int(k, "k", low=1, high=n - 1)
    if chunk_size is None:
        chunk_size = max(1, min(n, (1 << 24) // max(n, 1), (1 << 24) // max(k * d, 1)))
    else:
        chunk_size = check_int(chunk_size, "chunk_size", low=1)
    return _knn(X, k, chunk_size)


def _knn(X, k, chunk_size):
    n = X.shape[0]
    Xc = X - X.mean(dim=0)                     # centring keeps the product form accurate
    sq = (Xc * Xc).sum(dim=1)
    dists, idxs = [], []
    for start in range(0, n, chunk_size):
        block = Xc[start:start + chunk_size]
        m = block.shape[0]
        d2 = torch.addmm(sq[None, :], block, Xc.T, alpha=-2.0).add_(sq[start:start + m, None])
        rows = torch.arange(m, device=X.device)
        d2[rows, rows + start] = float("inf")  # not your own neighbour
        _, idx = torch.topk(d2, k, dim=1, largest=False, sorted=False)
        # the chosen neighbours' distances from the original rows: x_i − x_j of nearby points is exact
        exact = torch.linalg.vector_norm(X[start:start + m, None, :] - X[idx], dim=2)   # (m, k)
        exact, order = torch.sort(exact, dim=1, stable=True)
        dists.append(exact)
        idxs.append(torch.gather(idx, 1, order))
    return torch.cat(dists), torch.cat(idxs)
