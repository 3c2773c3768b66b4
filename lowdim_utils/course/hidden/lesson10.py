"""Instructor-only: plausible wrong answers of lesson 10 (fed to the checks by the test suite)."""
import numpy as np

from ..registry import wrong


def _newton(C, counts, probs, k, l2, *, neg_weight, iters=100):
    v = np.zeros(C.shape[1])

    def F(v):
        s = C @ v
        return -(counts @ np.logaddexp(0, -s)) - neg_weight * (probs @ np.logaddexp(0, s)) - 0.5 * l2 * v @ v

    for _ in range(iters):
        sig = 1 / (1 + np.exp(-(C @ v)))
        g = C.T @ (counts * (1 - sig) - neg_weight * probs * sig) - l2 * v
        H = (C.T * ((counts + neg_weight * probs) * sig * (1 - sig))) @ C + l2 * np.eye(C.shape[1])
        step = np.linalg.solve(H, g)
        t = 1.0
        while F(v + t * step) < F(v) and t > 1e-12:
            t /= 2
        v = v + t * step
    return v


# ------------------------------------------------------------------ 10.infer

@wrong("10.infer")
def _infer_negatives_not_scaled_by_length(C, counts, probs, k, l2=0.0):
    return _newton(np.asarray(C), np.asarray(counts), np.asarray(probs), k, l2, neg_weight=k)   # k, not k·N


@wrong("10.infer")
def _infer_negatives_over_document_words(C, counts, probs, k, l2=0.0):
    counts = np.asarray(counts)
    own = np.asarray(probs) * (counts > 0)                # the negative sum over the document's words only
    return _newton(np.asarray(C), counts, own, k, l2, neg_weight=k * np.sum(counts))


@wrong("10.infer")
def _infer_fixed_step_gradient_ascent(C, counts, probs, k, l2=0.0):
    C, counts, probs = np.asarray(C), np.asarray(counts), np.asarray(probs)
    v = np.zeros(C.shape[1])
    for _ in range(300):                                  # too few steps of a too cautious size
        sig = 1 / (1 + np.exp(-(C @ v)))
        v += 1e-3 * (C.T @ (counts * (1 - sig) - k * counts.sum() * probs * sig) - l2 * v)
    return v


@wrong("10.infer")
def _infer_ignores_penalty(C, counts, probs, k, l2=0.0):
    return _newton(np.asarray(C), np.asarray(counts), np.asarray(probs), k, 0.0, neg_weight=k * np.sum(counts))


# ------------------------------------------------------------------ 10.kmeans

def _lloyd(Xn, M, n_iter, normalise=True):
    labels = None
    for _ in range(n_iter):
        new = np.argmax(Xn @ M.T, axis=1)
        if labels is not None and np.array_equal(new, labels):
            break
        labels = new
        for j in range(len(M)):
            s = Xn[labels == j].sum(0) if np.any(labels == j) else M[j]
            M[j] = s / np.linalg.norm(s) if normalise else Xn[labels == j].mean(0) if np.any(labels == j) else M[j]
    return labels, M


@wrong("10.kmeans")
def _kmeans_first_rows(X, k, rng, n_iter=100):
    Xn = X / np.linalg.norm(X, axis=1, keepdims=True)
    return _lloyd(Xn, Xn[:k].copy(), n_iter)            # the first k rows: one cluster when the rows are sorted


@wrong("10.kmeans")
def _kmeans_euclidean(X, k, rng, n_iter=100):
    from sklearn.cluster import KMeans
    km = KMeans(k, n_init=4, random_state=int(rng.integers(2**31))).fit(X)   # lengths decide, not directions
    M = km.cluster_centers_
    return km.labels_, M / np.linalg.norm(M, axis=1, keepdims=True)


@wrong("10.kmeans")
def _kmeans_mean_not_normalised(X, k, rng, n_iter=100):
    Xn = X / np.linalg.norm(X, axis=1, keepdims=True)
    return _lloyd(Xn, Xn[rng.choice(len(Xn), k, replace=False)].copy(), n_iter, normalise=False)


# ------------------------------------------------------------------ 10.ntopics

@wrong("10.ntopics")
def _ntopics_best_objective(X, ks, rng):
    from lowdim_utils import docvec
    ks = list(ks)
    objective = [docvec.spherical_kmeans(X, k, generator=0).objective for k in ks]
    return ks[int(np.argmax(objective))]                  # more centroids always fit better


@wrong("10.ntopics")
def _ntopics_smallest(X, ks, rng):
    return min(ks)
