"""`make bench`: every benchmarked method of the course against its oracle, side by side, in one process.

For each method (a :class:`Case` below) and each of 3–4 growing sizes, the course implementation,
the oracle library (and, where the lesson has one, the NumPy/SciPy reference) run on the same
data with :func:`lowdim_utils.bench.interleaved`: warm-up calls first, then rounds in which every
implementation is timed once, in rotating order, each after a pause that lets the previous
library's thread pool go idle (OpenBLAS spins its workers for ~0.1–0.2 s after a call; on two
cores that slowed whichever pool ran next by up to 2x). torch and the BLAS/OpenMP pools run
with the same thread count (``--threads``, default all of torch's). Every case also measures how
far the course's answer is from the oracle's (``accuracy``), so that a ratio compares equal work.

The run fits log-log slopes (cost growth), writes a JSON (default ``docs/performance.json``:
machine, date, threads, versions, every timing) and prints the ratio table
(ratio = course time / oracle time at the standard size; < 1 means the course is faster).
Appendix A of the book reads the committed JSON. ``--quick`` runs tiny sizes with one repeat:
a smoke test for CI (``tests/test_perf.py``), not a measurement.

    python tools/perf.py [--quick] [--out docs/performance.json] [--only knn pca ...] [--threads 2]
"""
from __future__ import annotations

import argparse
import datetime as _dt
import json
import math
import os
import platform
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from lowdim_utils import bench  # noqa: E402


@dataclass
class Case:
    """One method: ``make(size, dtype) -> (impls, accuracy)`` where ``impls`` maps "course",
    "oracle" (and optionally "reference") to zero-argument callables and ``accuracy()`` returns
    a dict of numbers comparing the course's output with the oracle's."""

    key: str
    method: str
    lesson: str
    oracle: str
    size_label: str
    sizes: list
    quick: list
    make: object
    dtype: str = "float64"
    # a cause stated in the table when the ratio is above 1 (a hypothesis the appendix explains)
    cause: str = ""
    # keyword arguments of make() in quick mode (smaller problems for the smoke test)
    quick_kw: dict = field(default_factory=dict)
    # metric -> (low, high): the precondition of a fair ratio (both compute the same thing);
    # a run whose accuracy falls outside is reported and fails the smoke test
    bounds: dict = field(default_factory=dict)
    # for a method bound by matrix products: flops(size, **make_kwargs) -> the floating-point operations
    # of its products (2 m n k per (m, n) @ (n, k)), so that the run reports its rate against the peak
    flops: object = None


def _rng(seed=0):
    return np.random.default_rng(seed)


def _t(a, dtype):
    return torch.from_numpy(np.ascontiguousarray(a)).to(getattr(torch, dtype))


def _angle(A, B):
    """Largest principal angle (radians) between the row spaces of A and B (k, d)."""
    from lowdim_utils.linear import subspace_angles
    return float(subspace_angles(torch.as_tensor(np.asarray(A, float)).T, torch.as_tensor(np.asarray(B, float)).T).max())


# ----------------------------------------------------------------------------- the cases

def make_rsvd(size, dtype, d=1000, k=50):
    from sklearn.utils.extmath import randomized_svd as sk_rsvd
    from lowdim_utils import linear
    rng = _rng()
    r = min(60, k + 5)                       # within k + oversample: both find the same top-k
    X = (rng.standard_normal((size, r)) @ rng.standard_normal((r, d)) + 0.1 * rng.standard_normal((size, d)))
    X = X.astype(dtype)
    Xt = _t(X, dtype)
    res = {}

    def course():
        res["c"] = linear.randomized_svd(Xt, k, oversample=10, n_iter=2, generator=0)

    def oracle():
        res["o"] = sk_rsvd(X, k, n_oversamples=10, n_iter=2, random_state=0)

    def accuracy():
        s_c, s_o = res["c"][1].double().numpy(), res["o"][1].astype(float)
        return {"max rel. diff. of the k singular values": float(np.max(np.abs(s_c - s_o) / s_o))}
    return {"course": course, "oracle": oracle}, accuracy


def make_pca(method, solver):
    def make(size, dtype, d=1000, k=50):
        from sklearn.decomposition import PCA
        from lowdim_utils import linear
        rng = _rng()
        X = (rng.standard_normal((size, 80)) @ rng.standard_normal((80, d)) + rng.standard_normal((size, d)))
        X = X.astype(dtype)
        Xt = _t(X, dtype)
        res = {}

        def course():
            res["c"] = linear.pca(Xt, k, method=method)

        def oracle():
            res["o"] = PCA(k, svd_solver=solver).fit(X)

        def accuracy():
            ev_c, ev_o = res["c"].explained_variance.double().numpy(), res["o"].explained_variance_.astype(float)
            return {"max rel. diff. of the explained variances": float(np.max(np.abs(ev_c - ev_o) / ev_o)),
                    "principal angle, top 10 [rad]": _angle(res["c"].components[:10].numpy(),
                                                            res["o"].components_[:10])}
        return {"course": course, "oracle": oracle}, accuracy
    return make


def make_knn(d):
    def make(size, dtype, k=10):
        from sklearn.neighbors import NearestNeighbors
        from lowdim_utils.neighbors import knn
        X = _rng().standard_normal((size, d)).astype(dtype)
        Xt = _t(X, dtype)
        res = {}

        def course():
            res["c"] = knn(Xt, k)

        def oracle():
            res["o"] = NearestNeighbors(n_neighbors=k).fit(X).kneighbors()

        def accuracy():
            same = np.mean(np.sort(res["c"][1].numpy(), 1) == np.sort(res["o"][1], 1))
            return {"fraction of equal neighbour indices": float(same)}
        return {"course": course, "oracle": oracle}, accuracy
    return make


def _swiss(size, dtype, ambient=None):
    from sklearn.datasets import make_swiss_roll
    X, _ = make_swiss_roll(size, noise=0.05, random_state=0)
    if ambient:
        Q, _ = np.linalg.qr(_rng(1).standard_normal((ambient, 3)))
        X = X @ Q.T
    return X.astype(dtype)


def make_kpca(size, dtype):
    from sklearn.decomposition import KernelPCA
    from lowdim_utils import manifold
    X = _swiss(size, dtype)
    Xt = _t(X, dtype)
    res = {}

    def course():
        res["c"] = manifold.kernel_pca(Xt, 2, kernel="rbf", gamma=0.01)

    def oracle():
        res["o"] = KernelPCA(2, kernel="rbf", gamma=0.01, eigen_solver="arpack", random_state=0).fit_transform(X)

    def accuracy():
        c, o = res["c"].embedding.numpy(), res["o"]
        c = c * np.sign(np.sum(c * o, 0))
        return {"max abs. diff. of the embedding / max abs.": float(np.abs(c - o).max() / np.abs(o).max())}
    return {"course": course, "oracle": oracle}, accuracy


def _make_embedding(course_fn, oracle_fn):
    """A swiss-roll embedding case: ``course_fn(Xt)`` (a result with ``.embedding``) against
    ``oracle_fn(X)`` (an array), compared by Procrustes error."""
    def make(size, dtype):
        from lowdim_utils import manifold
        X = _swiss(size, dtype)
        Xt = _t(X, dtype)
        res = {}

        def course():
            res["c"] = course_fn(Xt)

        def oracle():
            res["o"] = oracle_fn(X)

        def accuracy():
            return {"Procrustes error vs the oracle": float(manifold.procrustes_error(res["c"].embedding,
                                                                                   torch.from_numpy(res["o"])))}
        return {"course": course, "oracle": oracle}, accuracy
    return make


def _laplacian_course(Xt):
    from lowdim_utils import manifold
    return manifold.laplacian_eigenmaps(Xt, 2, n_neighbors=10)


def _laplacian_oracle(X):
    from sklearn.manifold import SpectralEmbedding
    return SpectralEmbedding(2, affinity="nearest_neighbors", n_neighbors=10, random_state=0,
                             eigen_solver="arpack").fit_transform(X)


def _isomap_course(Xt):
    from lowdim_utils import manifold
    return manifold.isomap(Xt, 2, n_neighbors=10)


def _isomap_oracle(X):
    from sklearn.manifold import Isomap
    return Isomap(n_neighbors=10, n_components=2, eigen_solver="arpack").fit_transform(X)


make_laplacian = _make_embedding(_laplacian_course, _laplacian_oracle)
make_isomap = _make_embedding(_isomap_course, _isomap_oracle)


def _manifold_points(size, dtype):
    from lowdim_utils import intrinsic
    return intrinsic.manifold_sample("sphere", size, 5, ambient=64, generator=0).to(getattr(torch, dtype))


def make_twonn(size, dtype):
    import skdim
    from lowdim_utils import intrinsic
    Xt = _manifold_points(size, dtype)
    X = Xt.numpy()
    res = {}

    def course():
        res["c"] = intrinsic.twonn(Xt)

    def oracle():
        res["o"] = skdim.id.TwoNN().fit(X).dimension_

    def accuracy():
        return {"|d_course - d_oracle|": float(abs(res["c"] - res["o"]))}
    return {"course": course, "oracle": oracle}, accuracy


def make_mle(size, dtype):
    import skdim
    from lowdim_utils import intrinsic
    Xt = _manifold_points(size, dtype)
    X = Xt.numpy()
    res = {}

    def course():
        res["c"] = intrinsic.mle_dimension(Xt, 20)

    def oracle():
        res["o"] = skdim.id.MLE().fit(X, n_neighbors=20).dimension_

    def accuracy():
        return {"|d_course - d_oracle|": float(abs(res["c"] - res["o"]))}
    return {"course": course, "oracle": oracle}, accuracy


def make_rp(kind):
    def make(size, dtype, k=500):
        from sklearn.random_projection import GaussianRandomProjection, SparseRandomProjection
        from lowdim_utils import projections
        X = _rng().standard_normal((size, 10000)).astype(dtype)
        Xt = _t(X, dtype)
        res = {}
        if kind == "gaussian":
            R = projections.gaussian_matrix(10000, k, generator=0, dtype=getattr(torch, dtype))
            sk = GaussianRandomProjection(k, random_state=0).fit(X)

            def course():
                res["c"] = projections.project(Xt, R)

            def oracle():
                res["o"] = sk.transform(X)
        else:
            def course():
                res["c"] = projections.random_projection(Xt, k, method="sparse", generator=0)[0]

            def oracle():
                res["o"] = SparseRandomProjection(k, random_state=0).fit_transform(X)

        def accuracy():   # different random matrices: compare what both must preserve, squared norms
            nc = (res["c"].double() ** 2).sum(1).mean().item()
            no = float((np.asarray(res["o"], float) ** 2).sum(1).mean())
            nx = float((X.astype(float) ** 2).sum(1).mean())
            return {"mean |y|^2 / mean |x|^2, course": nc / nx, "mean |y|^2 / mean |x|^2, oracle": no / nx}
        return {"course": course, "oracle": oracle}, accuracy
    return make


def _graph(size, deg=10):
    import scipy.sparse as sp
    rng = _rng()
    r, c = rng.integers(0, size, size * deg), rng.integers(0, size, size * deg)
    A = sp.coo_matrix((np.ones(size * deg), (r, c)), shape=(size, size)).tocsr()
    A = A + A.T
    A.data[:] = 1.0
    return A


def make_fastrp(size, dtype, dim=128, weights=(0.0, 1.0, 1.0, 1.0), beta=-0.5):
    """The reference: the same recursion written with SciPy sparse products, fed the course's R."""
    import scipy.sparse as sp
    from lowdim_utils import projections
    A = _graph(size).astype(dtype)
    res = {}
    R = projections._sparse(size, dim, 1 / math.sqrt(size), torch.Generator().manual_seed(0),
                            getattr(torch, dtype), None).to_scipy().T.tocsr()          # (n, dim)

    def course():
        res["c"] = projections.fastrp(A, dim, weights=weights, beta=beta, generator=0, dtype=getattr(torch, dtype))

    def reference():
        deg = np.asarray(A.sum(1)).ravel()
        P = sp.diags(1.0 / deg) @ A
        L = sp.diags((deg / deg.sum()) ** beta)
        N = P @ (L @ R)
        emb = np.zeros((size, dim), dtype=dtype)
        for i, a in enumerate(weights):
            if i:
                N = P @ N
            if a:
                Nd = N.toarray() if sp.issparse(N) else N
                emb += a * Nd / np.maximum(np.linalg.norm(Nd, axis=1, keepdims=True), 1e-30)
        res["o"] = emb

    def accuracy():
        return {"max abs. diff. vs the reference": float(np.abs(res["c"].numpy() - res["o"]).max())}
    return {"course": course, "oracle": reference}, accuracy


def make_fista(size, dtype, d=64, m=128, solver="fista"):
    """Exact lasso codes against sparse_encode's coordinate descent on a shared Gram matrix:
    ``solver="fista"`` runs FISTA to a tight tolerance, ``"lasso"`` is ``sparse.lasso`` (FISTA until
    the supports are found, then one linear solve per signal, certified by the optimality condition)."""
    from sklearn.decomposition import sparse_encode
    from lowdim_utils import sparse
    rng = _rng()
    D = rng.standard_normal((d, m))
    D /= np.linalg.norm(D, axis=0)
    Z = np.where(rng.random((size, m)) < 0.05, rng.standard_normal((size, m)), 0.0)
    X = (Z @ D.T + 0.01 * rng.standard_normal((size, d))).astype(dtype)
    D = D.astype(dtype)
    lam = 0.1
    Xt, Dt = _t(X, dtype), _t(D, dtype)
    res = {}

    def course():
        if solver == "lasso":
            res["c"] = sparse.lasso(Xt, Dt, lam).codes
        else:
            res["c"] = sparse.fista(Xt, Dt, lam, n_iter=2000, tol=1e-10, track_objective=False).codes

    def oracle():
        res["o"] = sparse_encode(X, D.T, algorithm="lasso_cd", alpha=lam, max_iter=2000)

    def accuracy():
        fc = float(sparse.lasso_objective(Xt, Dt, res["c"], lam).sum())
        fo = float(sparse.lasso_objective(Xt, Dt, torch.from_numpy(np.asarray(res["o"], dtype)), lam).sum())
        return {"relative objective gap, course - oracle": (fc - fo) / abs(fo)}
    return {"course": course, "oracle": oracle}, accuracy


def _test_module(name):
    """A module of tests/ (where the NumPy references the oracle tests use live), loaded by path."""
    import importlib.util
    if str(ROOT / "tests") not in sys.path:
        sys.path.insert(0, str(ROOT / "tests"))          # the test modules import their conftest
    spec = importlib.util.spec_from_file_location(f"lowdim_tests_{name}", ROOT / "tests" / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def make_rpca(size, dtype, rank_frac=0.025):
    """Inexact ALM with the partial SVD against the NumPy reference of tests/test_robust.py (full SVD),
    on the reference's schedule (ρ = 1.5, primal test only): the same iterations, timed whole."""
    from lowdim_utils import robust
    ref = _test_module("test_robust")._alm_reference
    M, L0, _ = robust.low_rank_plus_sparse(size, max(2, int(rank_frac * size)), 0.05,
                                           generator=torch.Generator().manual_seed(0))
    M = M.to(getattr(torch, dtype))
    Mn = M.numpy()
    res = {}

    def course():
        res["c"] = robust.robust_pca(M, rho=1.5, tol_dual=None, svd="partial")

    def reference():
        res["o"] = ref(Mn, 1 / math.sqrt(size))

    def accuracy():
        L_ref, _, k = res["o"]
        return {"rel. diff. of L vs the reference": float(np.linalg.norm(res["c"].L.numpy() - L_ref)
                                                          / np.linalg.norm(L_ref)),
                "iterations, course - reference": float(res["c"].n_iter - k)}
    return {"course": course, "oracle": reference}, accuracy


def _match_eigenvalues(a, b):
    """Largest |a_i − b_π(i)| over the best one-to-one matching π of two sets of eigenvalues."""
    from scipy.optimize import linear_sum_assignment
    a, b = np.asarray(a, complex), np.asarray(b, complex)
    cost = np.abs(a[:, None] - b[None, :])
    i, j = linear_sum_assignment(cost)
    return float(cost[i, j].max()) if len(a) == len(b) else float("inf")


def make_dmd(size, dtype, d=100, r=20):
    """Exact DMD of ``size`` snapshots of a rank-r linear system plus noise (lesson 23, section 8)."""
    from pydmd import DMD as PyDMD
    from lowdim_utils import dynamics
    rng = _rng()
    A = np.linalg.qr(rng.standard_normal((r, r)))[0] * 0.98        # a stable rank-r propagator
    Z = np.empty((size + 1, r))
    Z[0] = rng.standard_normal(r)
    for t in range(size):
        Z[t + 1] = A @ Z[t] + 0.1 * rng.standard_normal(r)
    X = (Z @ rng.standard_normal((r, d)) + 0.01 * rng.standard_normal((size + 1, d))).astype(dtype)
    Xt, XT = _t(X, dtype), np.ascontiguousarray(X.T)
    res = {}

    def course():
        res["c"] = dynamics.dmd(Xt, r)

    def oracle():
        res["o"] = PyDMD(svd_rank=r, exact=True).fit(XT)

    def accuracy():
        return {"max |λ_course − λ_PyDMD| (matched)": _match_eigenvalues(res["c"].eigenvalues.numpy(),
                                                                            res["o"].eigs)}
    return {"course": course, "oracle": oracle}, accuracy


def make_procrustes(size, dtype, p=256):
    """The orthogonal Procrustes rotation of two (n, p) representations (lesson 20)."""
    from scipy.linalg import orthogonal_procrustes as sp_procrustes
    from lowdim_utils import similarity
    rng = _rng()
    A = rng.standard_normal((size, p))
    Q = np.linalg.qr(rng.standard_normal((p, p)))[0]
    B = A @ Q + 0.5 * rng.standard_normal((size, p))
    A, B = A.astype(dtype), B.astype(dtype)
    At, Bt = _t(A, dtype), _t(B, dtype)
    res = {}

    def course():
        res["c"] = similarity.orthogonal_procrustes(At, Bt)

    def oracle():
        res["o"] = sp_procrustes(A, B)

    def accuracy():
        return {"max |R_course − R_scipy|": float(np.abs(res["c"][0].numpy() - res["o"][0]).max()),
                "rel. diff. of the scale": abs(res["c"][1] - float(res["o"][1])) / float(res["o"][1])}
    return {"course": course, "oracle": oracle}, accuracy


def make_cca(size, dtype, p=64, q=48):
    """Canonical correlations of two (n, p), (n, q) representations sharing 16 directions (lesson 20):
    the cosines of the principal angles between the centred column spaces, against SciPy's angles."""
    from scipy.linalg import subspace_angles as sp_angles
    from lowdim_utils import similarity
    rng = _rng()
    S = rng.standard_normal((size, 16))
    X = np.hstack([S, rng.standard_normal((size, p - 16))]) @ rng.standard_normal((p, p))
    Y = np.hstack([S + 0.5 * rng.standard_normal((size, 16)), rng.standard_normal((size, q - 16))]) \
        @ rng.standard_normal((q, q))
    X, Y = X.astype(dtype), Y.astype(dtype)
    Xt, Yt = _t(X, dtype), _t(Y, dtype)
    res = {}

    def course():
        res["c"] = similarity.cca(Xt, Yt)

    def oracle():
        res["o"] = np.sort(np.cos(sp_angles(X - X.mean(0), Y - Y.mean(0))))[::-1]

    def accuracy():
        return {"max |ρ_course − ρ_scipy|": float(np.abs(res["c"].numpy() - res["o"]).max())}
    return {"course": course, "oracle": oracle}, accuracy


def make_poincare(size, dtype, d=10):
    """All Poincaré distances between ``size`` points of the 10-d ball (lesson 12, Eq. (2))."""
    import geoopt
    from lowdim_utils import hyperbolic
    rng = _rng()
    X = rng.standard_normal((size, d))
    X *= (rng.random((size, 1)) ** (1 / d) * 0.95) / np.linalg.norm(X, axis=1, keepdims=True)
    X = X.astype(dtype)
    Xt = _t(X, dtype)
    ball = geoopt.PoincareBall()
    res = {}

    def course():
        res["c"] = hyperbolic.pairwise_distances(Xt)

    def oracle():
        with torch.no_grad():
            res["o"] = torch.cat([ball.dist(Xt[i:i + 256, None, :], Xt[None, :, :]) for i in range(0, size, 256)])

    def accuracy():
        c, o = res["c"].double(), res["o"].double()
        off = ~torch.eye(size, dtype=torch.bool)
        return {"max rel. diff. of the distances": float(((c - o).abs()[off] / o[off]).max())}
    return {"course": course, "oracle": oracle}, accuracy


def make_sgns(size, dtype, dim=50, window=5, k=5):
    """One SGNS epoch over the first ``size`` in-vocabulary words of the course corpus (lesson 09),
    against gensim's C loop with as many worker threads as the suite's thread count."""
    from gensim.models import Word2Vec
    from lowdim_utils import sgns
    from lowdim_utils.data import load
    sentences = load("corpus").sentences
    n_sent = int(np.searchsorted(np.cumsum([len(s) for s in sentences]), size)) + 1
    sub = sentences[:n_sent]
    vocab = sgns.build_vocab(sub, min_count=5)
    stream = vocab.encode(sub)
    sub_in = [[w for w in s if w in vocab.index] for s in sub]          # the words the course trains on
    threads = torch.get_num_threads()
    res = {}

    def course():
        res["c"] = sgns.word2vec(stream, vocab.counts, dim=dim, window=window, negatives=k, epochs=1,
                                 generator=0, progress=False)[0]
        res["c"] = (res["c"].center.detach(), res["c"].context.detach())

    def oracle():
        w2v = Word2Vec(vector_size=dim, window=window, min_count=1, sg=1, negative=k, sample=1e-3,
                       workers=threads, seed=0)
        w2v.build_vocab(sub_in)
        w2v.train(sub_in, total_examples=len(sub_in), epochs=1)
        rows = [w2v.wv.key_to_index[w] for w in vocab.words]
        res["o"] = (torch.from_numpy(w2v.wv.vectors[rows]), torch.from_numpy(w2v.syn1neg[rows]))

    g = torch.Generator().manual_seed(12345)               # fixed evaluation pairs and negatives
    ev = sgns.window_pairs(stream, window, generator=g)
    ev = ev[torch.randperm(len(ev), generator=g)[:20000]]
    ev_neg = sgns.NegativeSampler(vocab.counts).sample((len(ev), k), generator=g)

    def loss(W, C):
        W, C = W.double(), C.double()
        pos = torch.nn.functional.logsigmoid((W[ev[:, 0]] * C[ev[:, 1]]).sum(1))
        neg = torch.nn.functional.logsigmoid(-(W[ev[:, 0], None, :] * C[ev_neg]).sum(2)).sum(1)
        return float(-(pos + neg).mean())

    def accuracy():
        # both minimise Eq. (1) of lesson 09 over the same words: the loss each reaches after the epoch,
        # on the same 20000 pairs and negatives (k log 2 + log 2 = 4.16 before training, contexts at zero)
        lc = loss(*res["c"])
        lo = loss(*res["o"])
        return {"SGNS loss after the epoch, course": lc, "SGNS loss after the epoch, gensim": lo,
                "rel. diff. of the loss, course - gensim": (lc - lo) / lo}
    return {"course": course, "oracle": oracle}, accuracy


def _rsvd_flops(size, d=1000, k=50, oversample=10, n_iter=2):
    """The products of randomized_svd: X Ω, n_iter × (Xᵀ Q, X Q), Qᵀ X and Q U_b (QRs and the small SVD,
    O(n l²) and O(l² d), not counted)."""
    l = k + oversample
    return 2 * size * d * l * (2 + 2 * n_iter) + 2 * size * l * k


def _rp_flops(size, k=500, D=10000):
    return 2 * size * D * k


CASES = [
    Case("rsvd", "randomized SVD (d=1000, k=50)", "01", "sklearn randomized_svd", "n", [2500, 5000, 10000, 20000],
         [400, 800], make_rsvd, "float32", quick_kw=dict(d=200, k=10), flops=_rsvd_flops,
         cause="the products and QRs are small at d=1000, k=50; measured on 2026-12-02 without OMP_WAIT_POLICY=PASSIVE (which make sets so that idle torch threads sleep on a busy machine) the ratio was 0.74–0.94 at these four sizes: torch's threads then wake for each of the method's many small operations",
         bounds={"max rel. diff. of the k singular values": (0, 1e-3)}),
    Case("rsvd64", "randomized SVD (d=1000, k=50), float64", "01", "sklearn randomized_svd", "n",
         [2500, 5000, 10000, 20000], [400, 800], make_rsvd, "float64", quick_kw=dict(d=200, k=10), flops=_rsvd_flops,
         bounds={"max rel. diff. of the k singular values": (0, 1e-8)}),
    Case("pca_full", "PCA, exact SVD route (d=1000, k=50)", "01", "PCA(svd_solver='full')", "n",
         [2500, 5000, 10000, 20000], [400, 800], make_pca("full", "full"), "float32",
         quick_kw=dict(d=200, k=10),
         cause="one LAPACK divide-and-conquer SVD of the centred matrix on both sides (torch: MKL; NumPy: "
               "OpenBLAS); the ratio moved between 0.66 and 1.22 from one run to the next on the same kind of "
               "machine (Appendix A, run to run)",
         bounds={"max rel. diff. of the explained variances": (0, 1e-4)}),
    Case("pca_auto", "PCA, method='auto' (covariance route for n >= 10 d)", "01", "PCA() (auto: covariance_eigh)", "n",
         [10000, 20000, 40000], [1000, 2000], make_pca("auto", "auto"), "float32",
         quick_kw=dict(d=100, k=10),
         cause="NumPy forms XᵀX with a symmetric rank-k update (half the flops) and scikit-learn subtracts n·μμᵀ instead of centring a copy of X; the course centres a copy and does the full product; measured on 2026-12-02 without OMP_WAIT_POLICY=PASSIVE (which make sets so that idle torch threads sleep on a busy machine) the ratio was 0.75–1.17: torch's threads then wake for each of the method's many small operations",
         bounds={"max rel. diff. of the explained variances": (0, 1e-2)}),
    Case("rp_gauss", "Gaussian random projection transform (D=10000, k=500)", "02", "GaussianRandomProjection",
         "n", [1000, 2000, 4000], [100, 200], make_rp("gaussian"), "float32", flops=_rp_flops,
         cause="torch's matmul below the BLAS NumPy uses for this shape",
         bounds={"mean |y|^2 / mean |x|^2, course": (0.9, 1.1)}),
    Case("rp_sparse", "very sparse random projection, fit + transform (D=10000, k=500)", "02",
         "SparseRandomProjection", "n", [1000, 2000, 4000], [100, 200], make_rp("sparse"), "float32",
         bounds={"mean |y|^2 / mean |x|^2, course": (0.9, 1.1)}),
    Case("fastrp", "FastRP (dim=128, degree 20 random graph)", "02", "SciPy sparse reference", "n",
         [5000, 10000, 20000, 40000], [500, 1000], make_fastrp, "float32",
         bounds={"max abs. diff. vs the reference": (0, 1e-4)}),
    Case("lasso", "exact lasso codes, sparse.lasso (d=64, m=128, λ=0.1)", "03", "sparse_encode(lasso_cd)",
         "signals", [250, 500, 1000, 2000], [50, 100],
         lambda size, dtype, **kw: make_fista(size, dtype, solver="lasso", **kw), "float64",
         bounds={"relative objective gap, course - oracle": (-1e-6, 1e-9)}),
    Case("fista", "batched FISTA to a tight tolerance (d=64, m=128, λ=0.1)", "03", "sparse_encode(lasso_cd)",
         "signals", [250, 500, 1000, 2000], [50, 100], make_fista, "float64",
         cause="FISTA approaches the optimum at rate 1/k²; coordinate descent on a shared Gram matrix reaches "
               "the same objective in far fewer passes on these sparse problems. sparse.lasso (the row above) "
               "stops FISTA once the supports are found and finishes with a linear solve",
         bounds={"relative objective gap, course - oracle": (-1e-6, 1e-6)}),
    Case("rpca", "robust PCA, inexact ALM with partial SVD (rank 2.5 % of n, 5 % corrupted)", "04",
         "NumPy ALM reference (full SVD)", "n", [250, 500, 1000], [60, 120], make_rpca, "float64",
         bounds={"rel. diff. of L vs the reference": (0, 1e-5), "iterations, course - reference": (-1, 1)}),
    Case("twonn", "TwoNN (5-sphere in 64-d)", "05", "skdim.id.TwoNN", "n", [2000, 4000, 8000], [300, 600],
         make_twonn, "float64",
         bounds={"|d_course - d_oracle|": (0, 1e-9)}),
    Case("mle", "Levina–Bickel MLE, k=20 (5-sphere in 64-d)", "05", "skdim.id.MLE", "n", [2000, 4000, 8000],
         [300, 600], make_mle, "float64",
         cause="its k-NN search (the 64-d k-NN row) is most of its time; measured on 2026-12-02 without OMP_WAIT_POLICY=PASSIVE (which make sets so that idle torch threads sleep on a busy machine) the ratio was 0.74–0.90: torch's threads then wake for each of the method's many small operations",
         bounds={"|d_course - d_oracle|": (0, 1e-9)}),
    Case("knn64", "k-NN distances, k=10, 64-d", "05, 07", "NearestNeighbors", "n", [2000, 4000, 8000, 16000],
         [300, 600], make_knn(64), "float64",
         cause="both are one float64 matrix product per block of rows (torch: MKL; scikit-learn: OpenBLAS) and a "
               "selection of each row's k smallest; the course's selection reads each row once (group minima, "
               "since 2026-12-03; before, torch.topk over whole rows cost about as much as the product)",
         bounds={"fraction of equal neighbour indices": (0.999, 1)}),
    Case("knn3", "k-NN distances, k=10, 3-d", "05, 07", "NearestNeighbors", "n", [2000, 4000, 8000, 16000],
         [300, 600], make_knn(3), "float64",
         bounds={"fraction of equal neighbour indices": (0.999, 1)}),
    Case("kpca", "kernel PCA, RBF, k=2 (swiss roll)", "07", "KernelPCA(eigen_solver='arpack')", "n",
         [1000, 2000, 4000], [200, 400], make_kpca, "float64",
         bounds={"max abs. diff. of the embedding / max abs.": (0, 1e-6)}),
    Case("laplacian", "Laplacian eigenmaps, 10-NN (swiss roll)", "07", "SpectralEmbedding", "n",
         [1000, 2000, 4000, 8000], [200, 400], make_laplacian, "float64",
         cause="near parity: the k-d tree neighbours and ARPACK's shift-invert solve are SciPy on both sides; the remaining few per cent have not been profiled; measured on 2026-12-02 without OMP_WAIT_POLICY=PASSIVE (which make sets so that idle torch threads sleep on a busy machine) the ratio was 0.94–1.13: torch's threads then wake for each of the method's many small operations",
         bounds={"Procrustes error vs the oracle": (0, 0.2)}),
    Case("isomap", "Isomap, 10-NN (swiss roll)", "07", "Isomap", "n", [500, 1000, 2000], [150, 300],
         make_isomap, "float64", cause="both are bound by Dijkstra's shortest paths (SciPy)",
         bounds={"Procrustes error vs the oracle": (0, 1e-6)}),
    Case("sgns", "skip-gram with negative sampling, one epoch (d=50, window 5, k=5)", "09",
         "gensim Word2Vec(sg=1), C loop", "words", [80000, 160000, 320000], [80000, 120000], make_sgns,
         "float32",
         cause="the course updates a batch of pairs at once: its epoch is batched (B, 1+k, d) products "
               "(torch.bmm, 36 % of the epoch at 160000 words, profiled on 2026-12-03), the scatter-add of the "
               "gradients into the tables (index_add_, 21 %) and the row gathers (8 %); gensim's C loop updates "
               "one pair's 1+k rows while they are in cache. The batches cost sample efficiency on small "
               "corpora too: after one epoch of 20000 words the course's loss was 18 % above gensim's, "
               "hence the sizes from 80000 words, where the two agree within 2 %",
         bounds={"rel. diff. of the loss, course - gensim": (-0.05, 0.05)}),
    Case("poincare", "all Poincaré distances (10-d ball)", "12", "geoopt PoincareBall.dist", "n",
         [500, 1000, 2000], [100, 200], make_poincare, "float64",
         bounds={"max rel. diff. of the distances": (0, 1e-9)}),
    Case("procrustes", "orthogonal Procrustes rotation (p=256)", "20", "scipy.linalg.orthogonal_procrustes", "n",
         [2000, 4000, 8000, 16000], [300, 600], make_procrustes, "float64", quick_kw=dict(p=32),
         bounds={"max |R_course − R_scipy|": (0, 1e-8), "rel. diff. of the scale": (0, 1e-10)}),
    Case("cca", "canonical correlations (p=64, q=48)", "20", "scipy.linalg.subspace_angles", "n",
         [2000, 4000, 8000, 16000], [300, 600], make_cca, "float64",
         bounds={"max |ρ_course − ρ_scipy|": (0, 1e-8)}),
    Case("dmd", "exact DMD (d=100, rank 20)", "23", "PyDMD DMD(exact=True)", "snapshots",
         [1000, 2000, 4000, 8000], [200, 400], make_dmd, "float64",
         bounds={"max |λ_course − λ_PyDMD| (matched)": (0, 1e-8)}),
]


# ----------------------------------------------------------------------------- running

def _cpu_times():
    """(steal, total) jiffies of all CPUs from /proc/stat (Linux), or None: the time a virtual machine's
    host gave to other guests while this one wanted the CPU."""
    try:
        f = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    except (OSError, ValueError, IndexError):
        return None
    return (f[7] if len(f) > 7 else 0), sum(f[:8])


def matmul_peak(threads: int, quick: bool, repeats: int, pause: float, n: int = 2000) -> dict:
    """GFLOP/s of one square (n × n) @ (n × n) product in torch and in NumPy's BLAS, float32 and float64:
    the measured peak that matmul-bound methods are compared with."""
    n = 256 if quick else n
    rng = _rng()
    out = {"n": n}
    for dtype in ("float32", "float64"):
        A, B = rng.standard_normal((n, n)).astype(dtype), rng.standard_normal((n, n)).astype(dtype)
        At, Bt = _t(A, dtype), _t(B, dtype)
        t = bench.interleaved({"torch": lambda: At @ Bt, "numpy": lambda: A @ B}, repeats=repeats, warmup=1,
                              pause=pause, threads=threads)
        for name, tm in t.items():
            out[f"{name} {dtype}"] = 2 * n ** 3 / tm.median / 1e9
    return out


def _machine(threads):
    import sklearn
    import scipy
    cpu_model, cache, isa = "", "", []
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name") and not cpu_model:
                cpu_model = line.split(":", 1)[1].strip()
            elif line.startswith("cache size") and not cache:
                cache = line.split(":", 1)[1].strip()
            elif line.startswith("flags") and not isa:
                # the vector instruction sets the BLAS kernels choose from (two VMs named alike may differ)
                isa = sorted(f for f in line.split(":", 1)[1].split() if f.startswith(("avx", "amx", "fma")))
    except OSError:
        pass
    cpu = cpu_model or platform.processor() or ""
    return {"cpu": cpu, "cpu cache": cache, "cpu isa": isa, "logical cpus": os.cpu_count(), "threads": threads,
            "python": platform.python_version(),
            "torch": torch.__version__, "numpy": np.__version__, "scipy": scipy.__version__,
            "scikit-learn": sklearn.__version__, "platform": platform.platform(),
            "cuda": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
            "environment": {k: os.environ.get(k) for k in ("OMP_WAIT_POLICY", "OPENBLAS_THREAD_TIMEOUT")}}


def run_case(case: Case, quick: bool, repeats: int, pause: float, threads: int, say=print) -> dict:
    sizes = case.quick if quick else case.sizes
    rows = []
    for size in sizes:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            impls, accuracy = case.make(size, case.dtype, **(case.quick_kw if quick else {}))
            timings = bench.interleaved(impls, repeats=repeats, warmup=1, pause=pause, threads=threads)
            acc = accuracy()
        row = {"size": size, "accuracy": acc}
        for name, t in timings.items():
            row[name] = {"median": t.median, "iqr": t.iqr, "times": list(t.times), "calls": t.calls}
        row["ratio"] = row["course"]["median"] / row["oracle"]["median"]
        if case.flops is not None:
            row["course_gflops"] = case.flops(size, **(case.quick_kw if quick else {})) / row["course"]["median"] / 1e9
        row["out_of_bounds"] = {k: acc.get(k) for k, (lo, hi) in case.bounds.items()
                                if not (k in acc and lo <= acc[k] <= hi)}
        rows.append(row)
        say(f"  {case.key:10s} {case.size_label}={size:<6} course {t_fmt(row['course']['median'])}  "
            f"oracle {t_fmt(row['oracle']['median'])}  ratio {row['ratio']:.2f}  "
            + "  ".join(f"{k}: {v:.3g}" for k, v in acc.items()))
    out = {"key": case.key, "method": case.method, "lesson": case.lesson, "oracle": case.oracle,
           "size_label": case.size_label, "dtype": case.dtype, "rows": rows,
           "standard_size": sizes[-1], "ratio": rows[-1]["ratio"], "cause": case.cause}
    if len(rows) >= 2:
        s = [r["size"] for r in rows]
        out["slope_course"] = bench.fit_loglog_slope(s, [r["course"]["median"] for r in rows])
        out["slope_oracle"] = bench.fit_loglog_slope(s, [r["oracle"]["median"] for r in rows])
    return out


def t_fmt(sec):
    return f"{sec * 1e3:8.1f} ms" if sec < 10 else f"{sec:8.2f} s "


def table(result: dict) -> str:
    lines = [f"{'method':62s} {'size':>7s} {'course':>11s} {'oracle':>11s} {'ratio':>6s} {'slopes c/o':>11s}"]
    for c in result["cases"]:
        r = c["rows"][-1]
        slopes = f"{c['slope_course']:.2f}/{c['slope_oracle']:.2f}" if "slope_course" in c else ""
        mark = " *" if c["ratio"] > 1.0 else ""
        lines.append(f"{c['method'][:62]:62s} {r['size']:>7} {t_fmt(r['course']['median'])} "
                     f"{t_fmt(r['oracle']['median'])} {c['ratio']:6.2f} {slopes:>11s}{mark}")
    above = [c for c in result["cases"] if c["ratio"] > 1.0]
    if above:
        lines.append("* ratio above 1 (the course is slower):")
        for c in above:
            lines.append(f"  {c['method']}: {c['cause'] or 'cause not yet analysed'}")
    return "\n".join(lines)


def keep_previous(out: Path) -> Path | None:
    """Before a full run replaces ``out``, copy the full run it holds into ``performance-history/`` beside
    it (named by that run's date), so that Appendix A can compare runs; quick runs are not kept."""
    try:
        old = json.loads(out.read_text())
    except (OSError, ValueError):
        return None
    if old.get("mode") != "full" or "date" not in old:
        return None
    dest = out.parent / "performance-history" / (old["date"].replace(" UTC", "").replace(" ", "-").replace(":", "") + ".json")
    if not dest.exists():
        dest.parent.mkdir(exist_ok=True)
        dest.write_text(out.read_text())
    return dest


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="tiny sizes, one repeat: a smoke test, not a measurement")
    ap.add_argument("--out", default=str(ROOT / "docs" / "performance.json"))
    ap.add_argument("--only", nargs="*", default=None, help="case keys to run (default: all)")
    ap.add_argument("--threads", type=int, default=None, help="threads for torch and the BLAS (default: torch's)")
    ap.add_argument("--repeats", type=int, default=None)
    ap.add_argument("--pause", type=float, default=None, help="seconds of idle before each timed call")
    args = ap.parse_args(argv)
    threads = args.threads or torch.get_num_threads()
    repeats = args.repeats or (1 if args.quick else 5)
    pause = args.pause if args.pause is not None else (0.0 if args.quick else 0.25)
    keys = {c.key for c in CASES}
    if args.only:
        unknown = sorted(set(args.only) - keys)
        if unknown:
            ap.error(f"unknown case(s) {unknown}; choose from {sorted(keys)}")
    cases = [c for c in CASES if not args.only or c.key in args.only]
    print(f"[bench] {len(cases)} methods, {'quick' if args.quick else 'full'} mode, {threads} threads, "
          f"{repeats} interleaved repeats, {pause:g} s pause before each timed call", flush=True)
    t0 = time.time()
    result = {"date": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
              "mode": "quick" if args.quick else "full", "repeats": repeats, "pause_s": pause,
              "machine": _machine(threads), "cases": []}
    cpu0 = _cpu_times()
    result["matmul_peak_gflops"] = matmul_peak(threads, args.quick, repeats, pause)
    print("[bench] matmul peak (GFLOP/s): " + ", ".join(f"{k} {v:.0f}" for k, v in result["matmul_peak_gflops"].items()
                                                         if k != "n"), flush=True)
    for case in cases:
        result["cases"].append(run_case(case, args.quick, repeats, pause, threads,
                                        say=lambda s: print(s, flush=True)))
    # the peak again at the end, and the CPU time stolen by the host meanwhile: how steady the machine was
    result["matmul_peak_gflops_end"] = matmul_peak(threads, args.quick, repeats, pause)
    cpu1 = _cpu_times()
    if cpu0 and cpu1 and cpu1[1] > cpu0[1]:
        result["steal_fraction"] = (cpu1[0] - cpu0[0]) / (cpu1[1] - cpu0[1])
    print("[bench] matmul peak at the end (GFLOP/s): " + ", ".join(
        f"{k} {v:.0f}" for k, v in result["matmul_peak_gflops_end"].items() if k != "n")
        + (f"; CPU time stolen by the host during the run: {100 * result['steal_fraction']:.1f} %"
           if "steal_fraction" in result else ""), flush=True)
    result["wall_s"] = time.time() - t0
    bad = [(c["key"], r["size"], r["out_of_bounds"]) for c in result["cases"] for r in c["rows"] if r["out_of_bounds"]]
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    keep_previous(out)
    out.write_text(json.dumps(result, indent=1) + "\n")
    print(table(result))
    print(f"[bench] {result['wall_s']:.0f} s; JSON in {args.out}")
    for key, size, what in bad:
        print(f"[bench] {key} at size {size}: the course and the oracle disagree beyond the case's bounds: {what}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
