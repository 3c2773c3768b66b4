"""Checks of lesson 10's exercises (document embeddings).

References: the course's batched Newton solver ``docvec.infer_exact`` and the first-order optimality
condition of lesson 10, Eq. (6) (10.infer); clouds of unit vectors around known directions, whose
clusters are known (10.kmeans, 10.ntopics), and the course's ``docvec.spherical_kmeans``.
"""
import numpy as np

from ..registry import Feedback, exercise, expect, expect_array, part
from ._common import later

LESSON = "10_document_embeddings"


# ------------------------------------------------------------------ 10.infer

def _problem(seed, V=40, d=5, scale=1.0, doc_scale=1.0):
    """Output vectors C (V, d), a document's counts (V,), the negative distribution (V,) of Zipfian
    vocabulary counts, and a PV-DBOW model object holding them for docvec.infer_exact."""
    import torch

    from ...docvec import ParagraphVectors
    rng = np.random.default_rng(seed)
    C = rng.standard_normal((V, d)) * scale
    vocab_counts = np.floor(1000.0 / np.arange(1, V + 1)) + 1
    doc = rng.poisson(doc_scale * 3.0 * rng.random(V) ** 2).astype(np.float64)
    doc[rng.integers(V)] += 5.0 * doc_scale                    # one word much more frequent than its background
    pv = ParagraphVectors(docs=torch.zeros(1, d, dtype=torch.float64), words=None,
                          output=torch.from_numpy(C), mode="dbow", counts=torch.from_numpy(vocab_counts),
                          negatives=5, sample=0.0)
    probs = vocab_counts ** 0.75 / np.sum(vocab_counts ** 0.75)
    return C, doc, probs, pv


def _gradient(C, counts, probs, k, l2, v):
    s = C @ v
    positive = counts / (1.0 + np.exp(s))                     # n_w σ(−s_w)
    negative = k * counts.sum() * probs / (1.0 + np.exp(-s))  # kN P_n(c) σ(s_c)
    return (positive - negative) @ C - l2 * v


@exercise("10.infer", lesson=LESSON, function="infer_dbow_np", title="exact inference by Newton's method",
          parts={"returns a vector of shape (d,)": 1, "the gradient vanishes there (no penalty)": 1,
                 "it is the maximiser of F (no penalty)": 1, "with a ridge penalty l2": 1,
                 "a long document, far from the origin": 1})
def _test_infer(f):
    import torch

    from ...docvec import infer_exact
    cases = []
    for seed, l2, scale, doc_scale in [(0, 0.0, 1.0, 1.0), (1, 0.0, 0.7, 2.0), (2, 0.5, 1.0, 1.0), (3, 3.0, 1.5, 1.0),
                                       (4, 0.0, 0.3, 20.0)]:
        C, doc, probs, pv = _problem(seed, scale=scale, doc_scale=doc_scale)
        want = infer_exact(pv, torch.from_numpy(doc)[None], l2=l2, tol=1e-10)[0].numpy()
        cases.append((seed, l2, C, doc, probs, want, f(C.copy(), doc.copy(), probs.copy(), 5, l2=l2)))

    def vector(case):
        seed, l2, C, *_, out = case
        v = expect_array(out, f"the vector (problem {seed}, l2={l2})", shape=(C.shape[1],))
        expect(np.isfinite(v).all(), f"the vector (problem {seed}, l2={l2}) has NaN or infinite entries: a Newton "
                                     "step overshot? Halve the step until the objective increases.")
        return v

    def compare(case, hint):
        seed, l2, C, doc, probs, want, out = case
        v = later(vector, case)
        err = np.linalg.norm(v - want) / max(np.linalg.norm(want), 1e-12)
        if err > 1e-6:
            raise Feedback(f"problem {seed} (l2={l2}): your vector differs from the maximiser by {err:.2e} (relative; "
                           f"‖yours‖ = {np.linalg.norm(v):.4g}, ‖maximiser‖ = {np.linalg.norm(want):.4g}). {hint}")

    with part("returns a vector of shape (d,)"):
        for case in cases:
            vector(case)
    with part("the gradient vanishes there (no penalty)"):
        for case in cases[:2]:
            seed, l2, C, doc, probs, want, out = case
            g = _gradient(C, doc, probs, 5, l2, later(vector, case))
            rel = np.linalg.norm(g) / (1.0 + doc.sum())
            expect(rel < 1e-6, f"problem {seed}: the gradient of F at your vector has norm {np.linalg.norm(g):.3g} "
                               f"({rel:.1e} relative to the document's length): not a maximiser. Did you iterate until "
                               "the gradient is negligible, and is the negative term weighted by k·N (N: the "
                               "document's total count), summed over the whole vocabulary?")
    with part("it is the maximiser of F (no penalty)"):
        for case in cases[:2]:
            compare(case, "Check the gradient (Eq. 6) and the Hessian (Eq. 7): both sums run over every word, the "
                          "negative one with weight k·N·P_n(c).")
    with part("with a ridge penalty l2"):
        for case in cases[2:4]:
            compare(case, "The penalty −l2/2 ‖v‖² adds −l2·v to the gradient and −l2·I to the Hessian.")
    with part("a long document, far from the origin"):
        compare(cases[4], "Here the document is long and the optimum far from 0: iterate until the gradient is "
                          "negligible (relative to the document's length), halving a step that does not increase "
                          "the objective.")


# ------------------------------------------------------------------ 10.kmeans and 10.ntopics

def _clusters(seed, sizes, d=10, spread=0.25, sort=True, lengths=False):
    """Rows around len(sizes) random unit directions (well apart), the labels, optionally sorted by cluster
    and with lengths spread over two decades."""
    rng = np.random.default_rng(seed)
    k = len(sizes)
    centers = np.linalg.qr(rng.standard_normal((d, k)))[0].T            # orthonormal: well separated
    labels = np.repeat(np.arange(k), sizes)
    X = centers[labels] + spread * rng.standard_normal((labels.size, d)) / np.sqrt(d)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    if not sort:
        order = rng.permutation(labels.size)
        X, labels = X[order], labels[order]
    if lengths:
        X *= 10.0 ** rng.uniform(-1, 1, size=(labels.size, 1))
    return X, labels


def _agreement(a, b, k):
    """Share of points on which two labelings agree under the best matching of their labels."""
    from scipy.optimize import linear_sum_assignment
    table = np.zeros((k, k))
    np.add.at(table, (a, b), 1)
    r, c = linear_sum_assignment(-table)
    return table[r, c].sum() / a.size


@exercise("10.kmeans", lesson=LESSON, function="spherical_kmeans_np", title="spherical k-means",
          parts={"returns labels (n,) and unit centroids (k, d)": 1,
                 "each centroid is the normalised mean of its cluster": 1,
                 "recovers well-separated clusters": 1, "recovers them when the rows come sorted by cluster": 1,
                 "clusters by direction, not by length": 1})
def _test_kmeans(f):
    k = 4
    data = {"shuffled": _clusters(0, [60, 60, 60, 60], sort=False),
            "sorted by cluster": _clusters(1, [120, 40, 40, 40], spread=0.5, sort=True),
            "rows of lengths 0.1 to 10": _clusters(2, [60, 60, 60, 60], sort=False, lengths=True)}
    outs = {name: f(X.copy(), k, np.random.default_rng(3)) for name, (X, _) in data.items()}

    def unpack(name):
        out, X = outs[name], data[name][0]
        expect(isinstance(out, tuple) and len(out) == 2, "return a pair (labels, centroids)"
               + (" (did you forget a `return`?)" if out is None else "") + f", got {type(out).__name__}.")
        labels = np.asarray(out[0])
        expect(labels.shape == (X.shape[0],) and np.issubdtype(labels.dtype, np.integer)
               and labels.min() >= 0 and labels.max() < k,
               f"labels should be {X.shape[0]} integers in 0..{k - 1}, got shape {labels.shape}, dtype {labels.dtype}.")
        M = expect_array(out[1], "centroids", shape=(k, X.shape[1]))
        return labels, M

    with part("returns labels (n,) and unit centroids (k, d)"):
        for name in data:
            _, M = unpack(name)
            norms = np.linalg.norm(M, axis=1)
            expect(np.allclose(norms, 1, atol=1e-8), f"the centroids should be unit vectors (data {name}), got norms "
                                                      f"{np.round(norms, 4).tolist()}: normalise the cluster sums.")
    with part("each centroid is the normalised mean of its cluster"):
        for name, (X, _) in data.items():
            labels, M = later(unpack, name)
            unit = X / np.sqrt(np.einsum("ij,ij->i", X, X))[:, None]    # the rows as directions
            for j in range(k):
                if not np.any(labels == j):
                    raise Feedback(f"cluster {j} is empty (data {name}): every centroid should keep some points.")
                s = unit[labels == j].sum(0)
                gap = np.abs(M[j] - s / np.linalg.norm(s)).max()
                expect(gap < 1e-6, f"centroid {j} (data {name}) is {gap:.2e} away from the normalised sum of the unit "
                                   "rows labelled j. Did you stop right after an assignment step, and normalise the "
                                   "rows before averaging (the best unit centroid of Eq. 10 is the normalised sum)?")
    for title, name in [("recovers well-separated clusters", "shuffled"),
                        ("recovers them when the rows come sorted by cluster", "sorted by cluster"),
                        ("clusters by direction, not by length", "rows of lengths 0.1 to 10")]:
        with part(title):
            labels, _ = later(unpack, name)
            share = _agreement(labels, data[name][1], k)
            hint = {"shuffled": "Is each point assigned to the centroid of largest cosine, and do you iterate until "
                                "the labels stop changing?",
                    "sorted by cluster": "Here the first rows all lie in one cluster: how do you choose the starting "
                                         "centroids so that they are likely to lie in different clusters?",
                    "rows of lengths 0.1 to 10": "The clusters are directions; the lengths are noise. Compare rows "
                                                 "by cosine (normalise them), not by Euclidean distance."}[name]
            expect(share >= 0.95, f"on 4 well-separated clusters ({name}) your labels agree with the true ones on "
                                  f"{share:.0%} of the points (best matching of labels); expected at least 95%. {hint}")


@exercise("10.ntopics", lesson=LESSON, function="choose_k", title="how many topics", timeout=60,
          parts={"returns one of the ks": 1, "finds 3 clusters of unequal sizes": 1, "finds 6 clusters": 1,
                 "finds 2 clusters": 1})
def _test_ntopics(f):
    ks = list(range(2, 10))
    cases = {3: _clusters(10, [150, 80, 40], d=12, spread=0.35, sort=False, lengths=True),
             6: _clusters(11, [50, 50, 40, 40, 30, 30], d=12, spread=0.3, sort=False, lengths=True),
             2: _clusters(12, [100, 60], d=12, spread=0.4, sort=False, lengths=True)}
    outs = {true: f(X.copy(), iter(ks), np.random.default_rng(true)) for true, (X, _) in cases.items()}

    def value(true):
        out = outs[true]
        expect(out is not None and np.ndim(out) == 0 and float(out) == int(out),
               f"return one integer, got {out!r}" + (" (did you forget a `return`?)" if out is None else "") + ".")
        expect(int(out) in ks, f"return one of the ks {ks}, got {int(out)} (note: ks may be any iterable, e.g. a "
                               "range or an iterator: turn it into a list once).")
        return int(out)

    with part("returns one of the ks"):
        for true in cases:
            value(true)
    for true, title in [(3, "finds 3 clusters of unequal sizes"), (6, "finds 6 clusters"), (2, "finds 2 clusters")]:
        with part(title):
            got = later(value, true)
            expect(got == true, f"on unit vectors around {true} directions (clusters of sizes "
                                f"{np.bincount(cases[true][1]).tolist()}) you chose k = {got}, expected {true}."
                                + (" The largest k always fits best by the k-means objective: compare clusterings "
                                   "with a criterion that penalises splitting a cluster (e.g. the silhouette)."
                                   if got == max(ks) else ""))
