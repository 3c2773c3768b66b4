"""Checks of lesson 07's exercises (manifold learning).

References: the Gram matrix of the centred points behind a distance matrix (Torgerson's theorem,
07.double_center); the course library's :func:`lowdim_utils.manifold.classical_mds` and
:func:`~lowdim_utils.manifold.spectral_embedding` (tested against scikit-learn in
``tests/test_manifold.py``); SciPy's graph Laplacian; properties (distances reproduced, residuals of
L y = λ D y).
"""
import numpy as np
import torch
from scipy.sparse.csgraph import laplacian
from scipy.spatial.distance import cdist

from ..registry import Feedback, exercise, expect, expect_array, expect_close, part
from ._common import later

LESSON = "07_manifold_learning"


def _points(seed, n=30, d=3):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d)) * np.linspace(3.0, 1.0, d) + 2.0


def _dist(P):
    return cdist(P, P)


# ------------------------------------------------------------------ 07.double_center

_DC = ("returns an (n, n) array and leaves D unchanged", "rows and columns sum to 0",
       "equals the Gram matrix of the centred points")


@exercise("07.double_center", lesson=LESSON, function="double_center_np", title="double centring",
          parts=dict(zip(_DC, (1, 1, 2))))
def _test_double_center(f):
    runs = []
    for seed, n in [(0, 5), (1, 30)]:
        P = _points(seed, n)
        D = _dist(P)
        D0 = D.copy()
        out = f(D)
        runs.append((P, D0, n, out, np.array_equal(D, D0)))

    with part(_DC[0]):
        for *_, n, out, _ in runs:
            expect_array(out, "B", shape=(n, n))
        expect(all(r[4] for r in runs), "your function modified D in place; work on a copy.")
    with part(_DC[1]):
        for _, D, n, out, _ in runs:
            B = later(expect_array, out, "B", shape=(n, n))
            rows, cols = np.abs(B.sum(1)).max(), np.abs(B.sum(0)).max()
            scale = np.abs(D).max() ** 2
            expect(rows < 1e-8 * scale and cols < 1e-8 * scale,
                   f"the rows and columns of B should sum to 0 (max |row sum| = {rows:.3g}, max |column sum| = "
                   f"{cols:.3g}): centre on both sides — subtract the row means *and* the column means, i.e. "
                   "multiply by J = I − 11ᵀ/n on the left and on the right.")
    with part(_DC[2]):
        for P, D, n, out, _ in runs:
            B = later(expect_array, out, "B", shape=(n, n))
            scale = np.abs(D).max() ** 2
            G = (P - P.mean(0)) @ (P - P.mean(0)).T
            if np.allclose(B, -2 * G, rtol=1e-6, atol=1e-8 * scale):
                raise Feedback("B is −2 times the Gram matrix of the centred points: did you forget the factor −½?")
            expect(B.diagonal().min() >= -1e-8 * scale,
                   f"B's diagonal should hold squared distances to the centroid (≥ 0), got min "
                   f"{B.diagonal().min():.3g}: check the factor −½, and that each distance is squared on its own.")
            expect_close(B, G, f"B (for {n} points, compared with the Gram matrix XXᵀ of the centred points)",
                         rtol=1e-6, atol=1e-8 * scale,
                         hint="Eq. (3) double-centres the *squared* distances: square each distance on its own "
                              "(D∘D), not the matrix product D·D.")


# ------------------------------------------------------------------ 07.mds

_MDS = ("returns (n, k) points that reproduce the distances of points in k dimensions",
        "the best rank-k Gram matrix (matches lowdim_utils.manifold.classical_mds)",
        "orthogonal columns, by decreasing eigenvalue")


@exercise("07.mds", lesson=LESSON, function="classical_mds_np", title="classical MDS",
          parts=dict(zip(_MDS, (1, 1, 1))))
def _test_mds(f):
    from ...manifold import classical_mds
    exact = []
    for seed, (n, d) in [(2, (25, 3)), (3, (40, 2))]:   # points that truly live in k dimensions
        D = _dist(_points(seed, n, d))
        exact.append((D, d, f(D.copy(), d)))
    D6 = _dist(_points(4, 30, 6))                       # a 6-D configuration embedded in 2-D
    Y6 = f(D6.copy(), 2)

    def emb(D, k, out):
        return expect_array(out, f"classical_mds_np(D, k={k})", shape=(D.shape[0], k))

    with part(_MDS[0]):
        emb(D6, 2, Y6)
        for D, d, out in exact:
            Y = emb(D, d, out)
            err = np.abs(_dist(Y) - D).max() / D.max()
            if err > 1e-6:
                hint = ("The distances between the rows of Y should reproduce D for points that truly live in "
                        f"{d} dimensions, but they are off by up to {err:.2g} (relative). ")
                if np.allclose(np.linalg.norm(Y, axis=0), 1, atol=1e-6):
                    hint += "Your columns have unit norm: scale eigenvector j by √λ_j."
                else:
                    hint += ("Did you take the LARGEST eigenvalues (symmetric eigensolvers such as NumPy's return them "
                             "in ascending order), scale by √λ (not λ), and square D before double centring?")
                raise Feedback(hint)
    ref = classical_mds(torch.from_numpy(D6), 2)
    Yr = ref.embedding.numpy()
    with part(_MDS[1]):
        Y = later(emb, D6, 2, Y6)
        G_ref = Yr @ Yr.T
        expect_close(Y @ Y.T, G_ref, "Y Yᵀ (the Gram matrix of your embedding)", rtol=1e-6,
                     atol=1e-8 * np.abs(G_ref).max(),
                     hint="It should be the best rank-k approximation V_k Λ_k V_kᵀ of B, from its k largest "
                          "eigenvalues.")
    with part(_MDS[2]):
        Y = later(emb, D6, 2, Y6)
        G = Y.T @ Y
        expect(abs(G[0, 1]) < 1e-6 * abs(G).max(), "the columns of Y should be orthogonal (eigenvectors of B).")
        expect(G[0, 0] >= G[1, 1], "order the columns by decreasing eigenvalue (the first column has the largest "
                                   "spread).")


# ------------------------------------------------------------------ 07.laplacian

def _graph(seed, n=60, m=6):
    """A connected heat-kernel k-NN affinity on random 2-D points, with unequal degrees."""
    rng = np.random.default_rng(seed)
    P = rng.standard_normal((n, 2)) * [2.0, 0.7]
    D = _dist(P)
    np.fill_diagonal(D, np.inf)
    nbr = np.argsort(D, axis=1)[:, :m]
    A = np.zeros((n, n))
    rows = np.repeat(np.arange(n), m)
    t = np.mean(D[rows, nbr.ravel()] ** 2)
    A[rows, nbr.ravel()] = np.exp(-D[rows, nbr.ravel()] ** 2 / t)
    return 0.5 * (A + A.T)


_LE = ("returns an (n, k) array and leaves W unchanged", "no constant (trivial) column",
       "every column solves L y = λ D y", "the k smallest non-trivial λ, in increasing order")


@exercise("07.laplacian", lesson=LESSON, function="laplacian_eigenmaps_np", title="Laplacian eigenmaps",
          parts=dict(zip(_LE, (1, 1, 1, 1))))
def _test_laplacian(f):
    from ...manifold import spectral_embedding
    runs = []
    for seed, k in [(5, 2), (6, 3)]:
        W = _graph(seed)
        W0 = W.copy()
        out = f(W, k)
        runs.append((W0, k, out, np.array_equal(W, W0)))

    def emb(W, k, out):
        return expect_array(out, f"laplacian_eigenmaps_np(W, k={k})", shape=(W.shape[0], k))

    def rayleigh(W, y):
        L, d = laplacian(W), W.sum(1)
        return (y @ L @ y) / (y @ (d * y))

    with part(_LE[0]):
        for W, k, out, _ in runs:
            emb(W, k, out)
        expect(all(r[3] for r in runs), "your function modified W in place; work on a copy.")
    with part(_LE[1]):
        for W, k, out, _ in runs:
            Y = later(emb, W, k, out)
            for j in range(k):
                spread = np.std(Y[:, j]) / (np.abs(Y[:, j]).max() or 1.0)
                expect(spread > 1e-6, f"column {j} of Y (k={k}) is constant: that is the trivial solution (λ = 0, "
                                      "y = 1). Drop it and return the next k solutions.")
    with part(_LE[2]):
        for W, k, out, _ in runs:
            Y = later(emb, W, k, out)
            L, d = laplacian(W), W.sum(1)
            for j in range(k):
                y = Y[:, j]
                resid = np.linalg.norm(L @ y - rayleigh(W, y) * d * y) / (np.linalg.norm(d * y) or 1.0)
                expect(resid < 1e-6, f"column {j} of Y (k={k}) does not solve the generalised problem L y = λ D y "
                                     f"(relative residual {resid:.2g}). Did you solve the standard problem L y = λ y "
                                     "instead? SciPy's symmetric eigensolver accepts the degree matrix D as a second "
                                     "matrix.")
    with part(_LE[3]):
        for W, k, out, _ in runs:
            Y = later(emb, W, k, out)
            lam = spectral_embedding(torch.from_numpy(W), k).eigenvalues.numpy()
            rhos = np.array([rayleigh(W, Y[:, j]) for j in range(k)])
            expect_close(rhos, lam, f"the eigenvalues λ of your columns (Rayleigh quotients yᵀLy / yᵀDy, k={k})",
                         rtol=1e-6, atol=1e-10,
                         hint="Return the solutions with the SMALLEST non-zero λ, in increasing order.")
