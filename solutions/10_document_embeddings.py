"""Solutions to the exercises of lesson 10 (document embeddings)."""
import numpy as np

from lowdim_utils import docvec


def infer_dbow_np(C, counts, probs, k, l2=0.0):
    """Exercise 10.infer: the maximiser of F(v) − l2/2 ‖v‖² (lesson 10, Eq. 5) by damped Newton steps.

    Gradient (Eq. 6) minus l2 v; Hessian (Eq. 7) minus l2 I, negative definite: the Newton step
    −H⁻¹g is an ascent direction, halved until the objective increases (Armijo backtracking)."""
    C, counts, probs = (np.asarray(a, dtype=np.float64) for a in (C, counts, probs))
    kN = k * counts.sum()

    def objective(v):
        s = C @ v
        return -(counts @ np.logaddexp(0.0, -s)) - kN * (probs @ np.logaddexp(0.0, s)) - 0.5 * l2 * (v @ v)

    v = np.zeros(C.shape[1])
    for _ in range(100):
        sig = 1.0 / (1.0 + np.exp(-(C @ v)))                      # σ(v·c) for every word
        grad = C.T @ (counts * (1.0 - sig) - kN * probs * sig) - l2 * v
        if np.linalg.norm(grad) <= 1e-9 * (1.0 + counts.sum()):
            break
        weights = (counts + kN * probs) * sig * (1.0 - sig)
        neg_hessian = (C.T * weights) @ C + l2 * np.eye(C.shape[1])
        step = np.linalg.solve(neg_hessian, grad)
        t, f0 = 1.0, objective(v)
        while objective(v + t * step) < f0 + 1e-4 * t * (grad @ step) and t > 1e-12:
            t /= 2.0
        v = v + t * step
    return v


def spherical_kmeans_np(X, k, rng, n_iter=100):
    """Exercise 10.kmeans: labels (n,) and unit centroids (k, d) of spherical k-means (lesson 10, Eq. 10).

    The start is k-means++ on unit rows: the first centroid a random row, each next one a row drawn with
    probability proportional to its squared distance ‖x − μ‖² = 2(1 − cos) from the nearest centroid so
    far. Rows sorted by cluster do not fool it (a fixed choice such as the first k rows would put every
    start in one cluster), but one draw still lands two starts in one cluster now and then, so we keep
    the best of 8 runs by the objective of Eq. 10. Normalising the rows first makes the clustering
    depend on directions only."""
    Xn = X / np.linalg.norm(X, axis=1, keepdims=True)
    n = Xn.shape[0]
    best = None
    for _ in range(8):                                            # restarts
        chosen = [int(rng.integers(n))]
        dist = 1.0 - Xn @ Xn[chosen[0]]
        for _ in range(1, k):
            p = np.clip(dist, 0.0, None)
            chosen.append(int(rng.choice(n, p=p / p.sum())))
            dist = np.minimum(dist, 1.0 - Xn @ Xn[chosen[-1]])
        centroids = Xn[chosen].copy()
        labels = np.full(n, -1)
        for _ in range(n_iter):
            new = np.argmax(Xn @ centroids.T, axis=1)
            if np.array_equal(new, labels):
                break
            labels = new
            for j in range(k):
                total = Xn[labels == j].sum(axis=0)
                norm = np.linalg.norm(total)
                centroids[j] = total / norm if norm > 0 else Xn[rng.integers(n)]
        labels = np.argmax(Xn @ centroids.T, axis=1)
        objective = np.sum(Xn * centroids[labels])
        if best is None or objective > best[0]:
            best = (objective, labels, centroids)
    return best[1], best[2]


def choose_k(X, ks, rng):
    """Exercise 10.ntopics: the k of ks with the largest mean silhouette (cosine distance) of the
    spherical k-means clustering. The k-means objective itself only grows with k (more centroids can
    only bring every point closer to one), so it cannot choose; the silhouette compares each point's
    distance to its own cluster with that to the nearest other cluster, and falls when a true cluster
    is split or two are merged."""
    from sklearn.metrics import silhouette_score
    seed = int(rng.integers(2**31))
    best_k, best_score = None, -np.inf
    for k in ks:
        labels = docvec.spherical_kmeans(X, k, generator=seed).labels.numpy()
        if len(np.unique(labels)) < 2:
            continue
        score = silhouette_score(X, labels, metric="cosine")
        if score > best_score:
            best_k, best_score = k, score
    return best_k
