"""Sign conventions for singular vectors and eigenvectors (lessons 01, 07, 08, 20).

Singular vectors and eigenvectors are defined only up to sign (each column ``u`` can be
``−u``). The course fixes one convention everywhere — scikit-learn's: **the largest-magnitude
entry of each vector is positive** (ties: the first such entry). :func:`fix_signs` applies it to
the columns (``dim=0``) or rows (``dim=1``) of a matrix, :func:`flip_svd` to an SVD's factors so
that ``U diag(S) Vᵀ`` is unchanged, and :func:`align_signs` flips columns to agree with a
reference instead. Comparisons that need no convention use subspace angles
(:func:`lowdim_utils.linear.subspace_angles`) or Procrustes (:func:`lowdim_utils.manifold.procrustes_error`).
"""
from __future__ import annotations

import torch

from .validate import as_matrix, check_choice, check_same_device

__all__ = ["fix_signs", "flip_svd", "align_signs"]


def _signs(Y, dim):
    """+1/−1 per vector (vectors along ``dim``: columns for 0, rows for 1) so that the largest |entry| is positive."""
    idx = Y.abs().argmax(dim=dim, keepdim=True)
    s = torch.sign(torch.gather(Y, dim, idx))
    return torch.where(s == 0, torch.ones_like(s), s)


def fix_signs(Y, dim: int = 0) -> torch.Tensor:
    """Flip the vectors of ``Y`` so that each one's largest-magnitude entry is positive.

    ``dim=0``: the vectors are the columns of ``Y: (n, k)`` (eigenvectors, embeddings);
    ``dim=1``: the rows (e.g. ``Vt: (k, d)`` of an SVD, principal components).
    """
    Y = as_matrix(Y, "Y")
    dim = check_choice(dim, "dim", (0, 1))
    return Y * _signs(Y, dim)


def flip_svd(U, Vt):
    """Fix the sign ambiguity of an SVD ``U diag(S) Vt``: the largest-|entry| of each row of ``Vt``
    becomes positive and the matching column of ``U`` flips with it. ``U: (n, k)``, ``Vt: (k, d)``."""
    U = as_matrix(U, "U")
    Vt = as_matrix(Vt, "Vt")
    check_same_device(U=U, Vt=Vt)
    if U.shape[1] != Vt.shape[0]:
        raise ValueError(f"U and Vt must share the rank dimension, got U {tuple(U.shape)} and Vt {tuple(Vt.shape)}.")
    return _flip_svd(U, Vt)


def _flip_svd(U, Vt):
    s = _signs(Vt, 1)                       # (k, 1)
    return U * s.T, Vt * s


def align_signs(Y, ref) -> torch.Tensor:
    """Flip the columns of ``Y: (n, k)`` to agree in sign with ``ref: (n, k)`` (positive inner products)."""
    check_same_device(Y=Y, ref=ref)
    Y = as_matrix(Y, "Y")
    ref = as_matrix(ref, "ref", dtype=Y.dtype)
    if Y.shape != ref.shape:
        raise ValueError(f"Y and ref must have the same shape, got {tuple(Y.shape)} and {tuple(ref.shape)}.")
    s = torch.sign((Y * ref).sum(0))
    s[s == 0] = 1
    return Y * s
