"""k-nearest neighbours: the one implementation every family uses (lessons 05, 07, 11, 20, ...).

:func:`knn` returns, for every row of ``X: (n, d)``, the distances to and the indices of its
``k`` nearest *other* rows, sorted by distance. Two routes give the same neighbours:

* **brute force** (``method="brute"``; every GPU, and the CPU for ``d > 16``): blocks of rows
  (memory ``O(chunk · n)``, one buffer reused for every block) are ranked with one matrix
  product each, ``‖b‖² − 2aᵀb`` (the row's own ``‖a‖²`` does not change its ranking, so it is
  never added; ``‖b‖²`` rides along as one more column of the product, ``[a, 1] · [−2b, ‖b‖²]``,
  so no second pass over the block adds it). On the CPU the ``k`` smallest of each row are found
  in two steps: the minimum of every group of :data:`GROUP` consecutive entries, the ``k``
  groups with the smallest minima, then the ``k`` smallest among those groups' entries. That is
  exact: each of a row's ``k`` smallest entries lies in a group whose minimum is at most the
  ``k``-th smallest group minimum (ties aside), and it reads the row once instead of running a
  selection over all ``n`` entries. Then the chosen neighbours' distances are recomputed directly,
  ``‖x_i − x_j‖``, so that small distances carry no cancellation error. The data are centred
  first: the product form loses about ``2 log10(‖x‖/‖x − y‖)`` digits, so float32 points
  sitting far from the origin (coordinates near +1000, say) would otherwise get wrong
  neighbour sets. Cost ``O(n² d)``: what a GPU does best, one batched kernel per block.
* **k-d tree** (``method="tree"``; the default on the CPU for ``d <= 16``): SciPy's
  ``cKDTree`` (a compiled k-d tree, queried on torch's thread count). On low-dimensional data
  a query visits ``O(log n)`` cells, so the cost grows as ``n log n`` instead of ``n²``
  (Appendix A measures both). In high dimension every cell is near every point and a tree
  degrades to brute force with more overhead, hence the threshold.

A point is never its own neighbour; an exact duplicate of it is, at distance 0. Ties between
equal distances may be ordered differently by the two routes; the distances are the same.
"""
from __future__ import annotations

import numpy as np
import torch

from .validate import as_matrix, check_choice, check_int

__all__ = ["knn", "TREE_MAX_DIM"]

#: the largest dimension for which ``method="auto"`` takes the k-d tree on the CPU
TREE_MAX_DIM = 16
#: entries per group in the CPU's two-step selection of a row's k smallest (module docstring)
GROUP = 16
#: numbers of work per brute-force block (float64: 64 MB; on a 2-core Xeon, n = 16000, d = 64, blocks of
#: 512 rows took 0.97 s against 1.20 s for blocks of 131, the previous 16 MB)
_BLOCK = 1 << 23


def knn(X, k: int, *, chunk_size: int | None = None, method: str = "auto"):
    """The ``k`` nearest neighbours of every row of ``X: (n, d)`` (tensor on any device, or array).

    Args:
        X: ``(n, d)`` points; half precision is computed in float32.
        k: neighbours per point, ``1 <= k <= n - 1``.
        chunk_size: rows per brute-force block (default: about 2 M numbers of work per block).
        method: ``"auto"`` (k-d tree on the CPU when ``d <= TREE_MAX_DIM``, else brute force),
            ``"brute"`` or ``"tree"`` (CPU only).
    Returns:
        ``(distances, indices)``, both ``(n, k)``: float distances (X's dtype, ascending along
        each row) and int64 row indices, on X's device.
    """
    X = as_matrix(X, "X", min_rows=2).detach()
    n, d = X.shape
    k = check_int(k, "k", low=1, high=n - 1)
    method = check_choice(method, "method", ("auto", "brute", "tree"))
    if chunk_size is None:
        chunk_size = max(1, min(n, _BLOCK // max(n, 1), _BLOCK // max(k * d, 1)))
    else:
        chunk_size = check_int(chunk_size, "chunk_size", low=1)
    if method == "tree" and X.device.type != "cpu":
        raise ValueError(f"method='tree' runs on the CPU; X is on {X.device}: use method='brute' or 'auto'.")
    if method == "tree" or (method == "auto" and X.device.type == "cpu" and d <= TREE_MAX_DIM):
        return _knn_tree(X, k)
    return _knn(X, k, chunk_size)


def _sorted_exact(X, rows, idx):
    """Distances from ``X[rows]`` to ``X[idx]`` computed directly, ascending, with ``idx`` in that order."""
    exact = torch.linalg.vector_norm(X[rows, None, :] - X[idx], dim=2)   # (m, k)
    exact, order = torch.sort(exact, dim=1, stable=True)
    return exact, torch.gather(idx, 1, order)


def _smallest_k(d2, k, group):
    """Column indices of the ``k`` smallest entries of each row of ``d2: (m, n)``, in no order: the
    ``k`` groups of ``group`` consecutive columns with the smallest minima, then the ``k`` smallest
    of their entries (and of the last ``n mod group`` columns). The same set as ``torch.topk`` but
    for the order of ties."""
    m, n = d2.shape
    ng = n // group
    if group < 2 or ng < k:
        return torch.topk(d2, k, dim=1, largest=False, sorted=False)[1]
    gmin = d2[:, :ng * group].view(m, ng, group).amin(dim=2)                   # (m, ng)
    gi = torch.topk(gmin, k, dim=1, largest=False, sorted=False)[1]            # (m, k) groups
    cand = (gi[:, :, None] * group + torch.arange(group, device=d2.device)).view(m, k * group)
    if n % group:
        cand = torch.cat([cand, torch.arange(ng * group, n, device=d2.device).expand(m, -1)], dim=1)
    j = torch.topk(torch.gather(d2, 1, cand), k, dim=1, largest=False, sorted=False)[1]
    return torch.gather(cand, 1, j)


def _knn(X, k, chunk_size):
    n = X.shape[0]
    Xc = X - X.mean(dim=0)                     # centring keeps the product form accurate
    sq = (Xc * Xc).sum(dim=1)
    A = torch.cat([Xc, torch.ones(n, 1, dtype=X.dtype, device=X.device)], dim=1)     # rows [a, 1]
    B = torch.cat([-2.0 * Xc, sq[:, None]], dim=1).T.contiguous()                    # columns [−2b, ‖b‖²]
    buf = torch.empty(min(chunk_size, n), n, dtype=X.dtype, device=X.device)
    group = GROUP if X.device.type == "cpu" else 1                                    # the GPU's topk is fast
    dists, idxs = [], []
    for start in range(0, n, chunk_size):
        m = min(chunk_size, n - start)
        d2 = torch.mm(A[start:start + m], B, out=buf[:m])                          # ‖b‖² − 2aᵀb
        rows = torch.arange(m, device=X.device)
        d2[rows, rows + start] = float("inf")  # not your own neighbour
        idx = _smallest_k(d2, k, group)
        # the chosen neighbours' distances from the original rows: x_i − x_j of nearby points is exact
        exact, idx = _sorted_exact(X, slice(start, start + m), idx)
        dists.append(exact)
        idxs.append(idx)
    return torch.cat(dists), torch.cat(idxs)


def _knn_tree(X, k):
    from scipy.spatial import cKDTree
    Xn = X.cpu().numpy() if X.dtype in (torch.float32, torch.float64) else X.float().cpu().numpy()
    _, nb = cKDTree(Xn).query(Xn, k=k + 1, workers=torch.get_num_threads())
    nb = nb.astype(np.int64, copy=False)
    n = nb.shape[0]
    # drop each point itself; where exact duplicates tie with it and it was not returned, drop the last
    own = nb == np.arange(n)[:, None]
    drop = np.where(own.any(axis=1), own.argmax(axis=1), k)
    keep = np.ones_like(own)
    keep[np.arange(n), drop] = False
    idx = torch.from_numpy(nb[keep].reshape(n, k))
    Xw = X if X.dtype in (torch.float32, torch.float64) else X.float()
    return _sorted_exact(Xw, slice(0, n), idx)
