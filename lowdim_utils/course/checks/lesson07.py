"""Checks of lesson 07's exercises (manifold learning).

References: the course library's :func:`lowdim_utils.manifold.classical_mds`,
:func:`~lowdim_utils.manifold.spectral_embedding` and :func:`~lowdim_utils.manifold.isomap` (tested
against scikit-learn in ``tests/test_manifold.py``); SciPy's graph Laplacian; the rigid motion between a
configuration and its MDS embedding (orthogonal Procrustes); properties (distances reproduced, residuals
of L y = λ D y, the neighbourhood range's end points).
"""
import numpy as np
import torch
from scipy.sparse.csgraph import laplacian
from scipy.spatial.distance import cdist
from scipy.stats import spearmanr

from ..registry import Feedback, exercise, expect, expect_array, expect_close, part
from ._common import later

LESSON = "07_manifold_learning"


def _points(seed, n=30, d=3):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d)) * np.linspace(3.0, 1.0, d) + 2.0


def _dist(P):
    return cdist(P, P)


# ------------------------------------------------------------------ 07.mds

_MDS = ("returns (n, k) points that reproduce the distances of points in k dimensions, D unchanged",
        "the best rank-k Gram matrix (matches lowdim_utils.manifold.classical_mds)",
        "orthogonal columns, by decreasing eigenvalue")


@exercise("07.mds", lesson=LESSON, function="classical_mds_np", title="classical MDS",
          parts=dict(zip(_MDS, (1, 1, 1))))
def _test_mds(f):
    from ...manifold import classical_mds
    exact, unchanged = [], True
    for seed, (n, d) in [(2, (25, 3)), (3, (40, 2))]:   # points that truly live in k dimensions
        D = _dist(_points(seed, n, d))
        D_in = D.copy()
        exact.append((D, d, f(D_in, d)))
        unchanged &= np.array_equal(D_in, D)
    D6 = _dist(_points(4, 30, 6))                       # a 6-D configuration embedded in 2-D
    Y6 = f(D6.copy(), 2)

    def emb(D, k, out):
        return expect_array(out, f"classical_mds_np(D, k={k})", shape=(D.shape[0], k))

    with part(_MDS[0]):
        expect(unchanged, "your function modified D in place; work on a copy (square into a new array).")
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
                    hint += ("Did you square each distance on its own (D∘D, not the matrix product D·D), centre on "
                             "both sides (J on the left and on the right) with the factor −½, take the LARGEST "
                             "eigenvalues (symmetric eigensolvers such as NumPy's return them in ascending order) "
                             "and scale by √λ (not λ)?")
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


# ------------------------------------------------------------------ 07.new_point

def _rigid_frame(P, Y):
    """The orthogonal Q and centre c with Y ≈ (P − c) Q (orthogonal Procrustes): the frame of the embedding."""
    c = P.mean(0)
    U, _, Vt = np.linalg.svd((P - c).T @ Y)
    return U @ Vt, c


_NEW = ("returns an (m, k) array and leaves its inputs unchanged",
        "reproduces the distances of Euclidean points to the n points",
        "the distances of point i give back point i's coordinates")


@exercise("07.new_point", lesson=LESSON, function="mds_new_points_np",
          title="placing a new point in a classical-MDS embedding", parts=dict(zip(_NEW, (1, 2, 1))))
def _test_new_point(f):
    from ...manifold import classical_mds
    euclid = []
    for seed, (n, m, k) in [(7, (30, 6, 2)), (8, (40, 5, 3))]:    # n + m points that live in k dimensions
        P = _points(seed, n + m, k)
        D = _dist(P[:n])
        Y = classical_mds(torch.from_numpy(D), k).embedding.numpy()
        delta = cdist(P[n:], P[:n])
        args = (Y.copy(), D.copy(), delta.copy())
        euclid.append((P, n, Y, D, delta, f(*args), all(np.array_equal(a, b) for a, b in zip(args, (Y, D, delta)))))
    D6 = _dist(_points(9, 30, 6))                                  # not Euclidean in 2 dimensions
    Y6 = classical_mds(torch.from_numpy(D6), 2).embedding.numpy()
    own = f(Y6.copy(), D6.copy(), D6[:4].copy())

    def coords(out, m, k, what="the coordinates of the new points"):
        return expect_array(out, what, shape=(m, k))

    with part(_NEW[0]):
        for P, n, Y, D, delta, out, same in euclid:
            coords(out, delta.shape[0], Y.shape[1])
            expect(same, "your function modified Y, D or delta in place; work on copies.")
        coords(own, 4, 2, "the coordinates of points given their own distances")
    with part(_NEW[1]):
        for P, n, Y, D, delta, out, _ in euclid:
            y = later(coords, out, delta.shape[0], Y.shape[1])
            err = np.abs(cdist(y, Y) - delta).max() / delta.max()
            if err < 1e-8:
                continue
            Q, c = _rigid_frame(P[:n], Y)
            truth = (P[n:] - c) @ Q                       # where the new points sit in the embedding's frame
            if np.allclose(y, 2 * truth, rtol=1e-6, atol=1e-8):
                hint = "Yours is exactly twice the right position: where does a factor ½ come from?"
            elif np.allclose(y, -truth, rtol=1e-6, atol=1e-8):
                hint = "Yours is the mirror image −y of the right position: check the sign of (μ − δ²)."
            elif np.allclose(y * np.sqrt((Y ** 2).sum(0)), truth * (Y ** 2).sum(0), rtol=1e-6, atol=1e-8):
                hint = ("Each coordinate j is off by the factor √λ_j: Yᵀ Y = Λ, so dividing Yᵀ(…) by λ_j (not √λ_j) "
                        "gives the coordinate.")
            else:
                hint = ("Work with SQUARED distances (δ² and D∘D): expand δ_i² = ‖c‖² + ‖c_i‖² − 2c_iᵀc, compare with "
                        "the mean over j of D_ij², and multiply by Yᵀ, which removes everything constant over i.")
            raise Feedback(f"the new points' distances to the {n} points are off by up to {err:.2g} (relative) for "
                           f"points that truly live in {Y.shape[1]} dimensions. {hint}")
    with part(_NEW[2]):
        y = later(coords, own, 4, 2, "the coordinates of points given their own distances")
        expect_close(y, Y6[:4], "the coordinates of a point given exactly the distances of point i (a row of D)",
                     rtol=1e-7, atol=1e-9 * np.abs(Y6).max(),
                     hint="For a row of D your formula must give back the row of Y: the constant you subtract must be "
                          "the mean over the n points of the SQUARED distances, μ_i = mean_j D_ij², not δ's own mean.")


# ------------------------------------------------------------------ 07.neighbors

def _roll(n, seed):
    from sklearn.datasets import make_swiss_roll
    X, t = make_swiss_roll(n, noise=0.05, random_state=seed)
    return X, t


_ROLLS = ((400, 1), (600, 7))      # working ranges 4..7 and 5..9, unlike the lesson's roll
_NB = ("returns two integers 3 <= k_min <= k_max", "Isomap unrolls the roll for every n_neighbors in the range",
       "the range cannot be extended at either end")


@exercise("07.neighbors", lesson=LESSON, function="neighbor_range", title="the working range of n_neighbors",
          parts=dict(zip(_NB, (1, 1, 2))))
def _test_neighbors(f):
    from ...manifold import DisconnectedGraphError, isomap
    cache = {}

    def score(i, k):
        """|Spearman ρ| of Isomap's first coordinate with t on roll i, or None for a disconnected graph."""
        if (i, k) not in cache:
            X, t = rolls[i]
            try:
                first = isomap(torch.from_numpy(X), 2, n_neighbors=k).embedding.numpy()[:, 0]
                cache[i, k] = abs(spearmanr(first, t).correlation)
            except DisconnectedGraphError:
                cache[i, k] = None
        return cache[i, k]

    rolls = [_roll(n, seed) for n, seed in _ROLLS]
    answers = [f(X.copy(), t.copy()) for X, t in rolls]

    def pair(ans, i):
        if not isinstance(ans, (tuple, list)) or len(ans) != 2:
            raise Feedback(f"return a pair (k_min, k_max), got {type(ans).__name__}"
                           + (" (did you forget a `return`?)" if ans is None else f": {ans!r}") + ".")
        lo, hi = ans
        expect(all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in (lo, hi)),
               f"k_min and k_max must be integers, got {ans!r}.")
        expect(3 <= lo <= hi, f"need 3 <= k_min <= k_max, got ({lo}, {hi}) for the roll of {_ROLLS[i][0]} points.")
        return int(lo), int(hi)

    with part(_NB[0]):
        for i, ans in enumerate(answers):
            pair(ans, i)
    with part(_NB[1]):
        for i, ans in enumerate(answers):
            lo, hi = later(pair, ans, i)
            for k in range(lo, hi + 1):
                rho = score(i, k)
                what = "the graph is disconnected" if rho is None else f"|ρ(z₁, t)| = {rho:.3f} < 0.99"
                expect(rho is not None and rho >= 0.99,
                       f"on the roll of {_ROLLS[i][0]} points, n_neighbors = {k} lies in your range ({lo}, {hi}) but "
                       f"Isomap does not unroll it: {what}. Test every value, on the X you are given (no fixed "
                       "answer fits every roll).")
    with part(_NB[2]):
        for i, ans in enumerate(answers):
            lo, hi = later(pair, ans, i)
            n = _ROLLS[i][0]
            for k, end in ((lo - 1, "below k_min"), (hi + 1, "above k_max")):
                if end == "below k_min" and k < 3:
                    continue
                rho = score(i, k)
                if rho is not None and rho >= 0.99:
                    raise Feedback(f"on the roll of {n} points, n_neighbors = {k} ({end}) unrolls it too (|ρ(z₁, t)| = "
                                   f"{rho:.3f}): your range stops too early; return the whole interval of values that "
                                   "work.")
