"""Checks of lesson 24's exercises (distributed representation learning).

References: the ring all-gather cost written out step by step (24.gather); the course's
``distributed.merge_subspaces`` (24.merge); the course's merge and lesson 01's PCA and principal angles on
synthetic data (24.split).
"""
import numpy as np

from ..registry import Feedback, exercise, expect, expect_array, part
from ._common import later

LESSON = "24_distributed"

# ------------------------------------------------------------------ 24.gather

_GA = ("returns finite non-negative times", "0 seconds for one worker", "matches the step-by-step ring on 2-64 workers",
       "broadcasts over an array of worker counts")


def _ring_allgather(nbytes, p, alpha, beta):
    """The ring simulated step by step: in each step every worker forwards one block to its neighbour."""
    t = 0.0
    have = [{r} for r in range(p)]
    while any(len(h) < p for h in have):
        have = [h | have[(r - 1) % p] for r, h in enumerate(have)]   # receive the left neighbour's blocks
        t += alpha + nbytes / beta                                   # ...one block of nbytes per link per step
    return t


@exercise("24.gather", lesson=LESSON, function="allgather_time", title="the cost of gathering the negatives",
          parts=dict(zip(_GA, (1, 1, 2, 1))))
def _test_gather(f):
    cases = [(4096.0, 2, 1e-5, 1e9), (1e6, 8, 5e-6, 2e10), (3e5, 64, 2e-5, 1e10), (10.0, 5, 1e-3, 1e8)]
    outs = [f(nb, p, a, b) for nb, p, a, b in cases]

    def one(o, what):
        arr = expect_array(o, what)
        expect(arr.size == 1, f"{what} should be one number (seconds), got shape {arr.shape}.")
        v = float(arr.reshape(()))
        expect(v >= 0, f"{what} = {v:.3g} s is negative.")
        return v

    with part(_GA[0]):
        for o, (nb, p, a, b) in zip(outs, cases):
            one(o, f"allgather_time({nb:g}, {p}, {a:g}, {b:g})")
    with part(_GA[1]):
        v = one(f(1e6, 1, 1e-5, 1e9), "allgather_time(1e6, 1, 1e-5, 1e9)")
        expect(abs(v) < 1e-15, f"with one worker nothing is sent, expected 0 s, got {v:.3g} s.")
    with part(_GA[2]):
        for o, (nb, p, a, b) in zip(outs, cases):
            got, want = later(one, o, "allgather_time"), _ring_allgather(nb, p, a, b)
            if abs(got - want) > 1e-9 * want:
                hint = ""
                if abs(got - 2 * want) < 1e-9 * want:
                    hint = " That is twice the cost: the 2(p − 1) of the all-reduce counts a reduce-scatter *and* an all-gather."
                elif abs(got - p * (a + nb / b)) < 1e-9 * want:
                    hint = " A worker already holds its own block: the ring needs p − 1 steps, not p."
                raise Feedback(f"allgather_time({nb:g}, {p}, {a:g}, {b:g}) = {got:.6g} s, the ring takes {want:.6g} s "
                               f"({p - 1} steps).{hint} In each step every worker sends one block of nbytes.")
    with part(_GA[3]):
        ps = np.array([2, 4, 16])
        arr = expect_array(f(1e5, ps, 1e-5, 1e9), "allgather_time(1e5, np.array([2, 4, 16]), 1e-5, 1e9)", shape=(3,))
        want = np.array([_ring_allgather(1e5, int(p), 1e-5, 1e9) for p in ps])
        expect(np.allclose(arr, want, rtol=1e-9), f"over p = [2, 4, 16] got {arr}, expected {want}.")


# ------------------------------------------------------------------ 24.merge

_ME = ("returns a (d, k) matrix with orthonormal columns", "equal weights: the subspace of the projector average",
       "uses the weights")


def _bases(seed, d=12, ks=(3, 3, 3), spread=0.6):
    g = np.random.default_rng(seed)
    core = np.linalg.qr(g.standard_normal((d, max(ks))))[0]
    out = []
    for k in ks:
        Q = np.linalg.qr(core[:, :k] + spread * g.standard_normal((d, k)))[0]
        out.append(Q * g.choice([-1.0, 1.0], size=k))               # arbitrary signs, as eigensolvers return
    return out


def _course_merge(bases, weights, k):
    from ...distributed import merge_subspaces
    return merge_subspaces([np.asarray(b, float) for b in bases], np.asarray(weights, float), k).numpy()


def _max_angle_deg(A, B):
    from ...linear import subspace_angles
    return float(np.degrees(subspace_angles(np.asarray(A, float), np.asarray(B, float)).max()))


@exercise("24.merge", lesson=LESSON, function="merge_subspaces_np", title="merging local subspaces",
          parts=dict(zip(_ME, (1, 2, 1))))
def _test_merge(f):
    B1, B2 = _bases(0), _bases(1, ks=(2, 4, 3, 3))
    w1, w2 = np.ones(3), np.array([5.0, 1.0, 1.0, 0.5])
    outs = [f([b.copy() for b in B1], w1.copy(), 3), f([b.copy() for b in B2], w2.copy(), 3)]

    def basis(o):
        E = expect_array(o, "merge_subspaces_np(bases, weights, k)", shape=(12, 3))
        err = np.abs(E.T @ E - np.eye(3)).max()
        expect(err < 1e-8, f"the columns are not orthonormal (|EᵀE − I| = {err:.2g}): return eigenvectors.")
        return E

    with part(_ME[0]):
        for o in outs:
            basis(o)
    for (B, w, o), title in zip(((B1, w1, outs[0]), (B2, w2, outs[1])), _ME[1:]):
        with part(title):
            E = later(basis, o)
            ang = _max_angle_deg(E, _course_merge(B, w, 3))
            if ang > 1e-5:
                raise Feedback(f"the largest principal angle between your subspace and the top-3 eigenvectors of "
                               f"Σ w_r V_r V_rᵀ is {ang:.3g}°. Average the *projectors* V_r V_rᵀ (they do not depend on "
                               "the signs or the order of the columns), not the bases, and keep the eigenvectors of the "
                               "k largest eigenvalues" + (", weighting rank r by weights[r] / Σ weights." if title == _ME[2]
                                                          else "."))


# ------------------------------------------------------------------ 24.split

_SP = ("returns a partition of the rows into p shards", "every shard holds at least a quarter of its fair share",
       "the merged subspace is at least 30° from the centralised one on two data sets")
K_SPLIT = 3
ANGLE_MIN = 30.0


def split_data(seed):
    """The data sets of the check: (n, d) Gaussian clouds with geometrically decaying variances."""
    g = np.random.default_rng(seed)
    n, d = (600, 24) if seed == 0 else (500, 16)
    return g.standard_normal((n, d)) * (0.85 ** np.arange(d)) + 2.0


def merged_angle(X, parts, k=K_SPLIT):
    """Largest principal angle (degrees) between the projector average of the shards' top-k subspaces (local
    covariances about the global mean, weights = row counts) and the top-k principal subspace of all of X."""
    from ...linear import pca
    mu = X.mean(0)
    bases, w = [], []
    for idx in parts:
        Xc = X[idx] - mu
        _, V = np.linalg.eigh(Xc.T @ Xc)
        bases.append(V[:, -k:])
        w.append(len(idx))
    M = _course_merge(bases, np.array(w, float), k)
    return _max_angle_deg(M, pca(X, k).components.numpy().T)


@exercise("24.split", lesson=LESSON, function="hard_split", title="a split that fools the projector average",
          parts=dict(zip(_SP, (1, 1, 2))), timeout=30.0)
def _test_split(f):
    cases = [(split_data(0), 2), (split_data(1), 3)]
    outs = [f(X.copy(), p) for X, p in cases]

    def parts_of(o, X, p):
        expect(isinstance(o, (list, tuple)) and len(o) == p,
               f"hard_split(X, {p}) should return a list of {p} index arrays, got {type(o).__name__}"
               + (f" of length {len(o)}" if isinstance(o, (list, tuple)) else "") + ".")
        idx = [np.asarray(a).reshape(-1) for a in o]
        for a in idx:
            expect(a.dtype.kind in "iu", f"shards must hold integer row indices, got dtype {a.dtype}.")
        allidx = np.sort(np.concatenate(idx))
        expect(allidx.shape[0] == X.shape[0] and np.array_equal(allidx, np.arange(X.shape[0])),
               "the shards must hold every row index 0..n-1 exactly once (a partition of the data).")
        return idx

    with part(_SP[0]):
        for o, (X, p) in zip(outs, cases):
            parts_of(o, X, p)
    with part(_SP[1]):
        for o, (X, p) in zip(outs, cases):
            sizes = [len(a) for a in later(parts_of, o, X, p)]
            expect(min(sizes) >= X.shape[0] / (4 * p), f"shard sizes {sizes}: each rank must hold at least "
                   f"n/(4p) = {X.shape[0] / (4 * p):.0f} rows, so every rank's subspace counts.")
    with part(_SP[2]):
        for o, (X, p) in zip(outs, cases):
            ang = merged_angle(X, later(parts_of, o, X, p))
            expect(ang >= ANGLE_MIN, f"on a data set of {X.shape[0]} rows over {p} ranks the merged subspace is only "
                   f"{ang:.1f}° from the centralised one (need at least {ANGLE_MIN:.0f}°). A random split gives each rank "
                   "the same subspace. Think about what the projector average counts: one vote per rank and direction, "
                   "whatever the variance behind it.")
