"""Solutions to the exercises of lesson 14 (embedding tables at scale)."""
import numpy as np


def expected_colliding_keys_np(n, m):
    """Exercise 14.collide: the expected number of n keys, hashed uniformly into m buckets, that share
    their bucket with another key. A key is alone when each of the n − 1 others misses its bucket,
    independently with probability 1 − 1/m; by linearity of expectation, sum over keys."""
    if n == 0:
        return 0.0
    return n * (1 - (1 - 1 / m) ** (n - 1))


def split_rows_np(vocab, traffic, rows):
    """Exercise 14.split: rows per feature minimising Σ q_f (V_f − 1)/m_f subject to Σ m_f ≤ rows.

    Lagrange: q_f V_f / m_f² = λ for every uncapped feature, so m_f ∝ √(q_f V_f); a feature whose share
    exceeds V_f is given V_f rows (a dense table, cost 0) and the rest is shared again (water-filling).
    Rounding down loses at most one row per feature; the leftover rows go where they help most."""
    V = np.asarray(vocab, dtype=float)
    q = np.asarray(traffic, dtype=float)
    capped = np.zeros(len(V), dtype=bool)
    while True:
        w = np.where(capped, 0.0, np.sqrt(q * V))
        m = np.where(capped, V, (rows - V[capped].sum()) * w / w.sum())
        if not ((m > V) & ~capped).any():
            break
        capped |= m > V
    m = np.clip(np.floor(m), 1, V).astype(int)
    cost = lambda f, mf: 0.0 if mf >= V[f] else q[f] * (V[f] - 1) / mf
    while m.sum() < rows:
        gains = [cost(f, m[f]) - cost(f, m[f] + 1) if m[f] < V[f] else -1.0 for f in range(len(V))]
        f = int(np.argmax(gains))
        if gains[f] <= 0:
            break
        m[f] += 1
    return [int(x) for x in m]


def auc_np(scores, labels):
    """Exercise 14.auc: the area under the ROC curve as the Mann–Whitney statistic,
    (sum of the positives' midranks − n₁(n₁+1)/2) / (n₁ n₀); tied scores share their average rank,
    so a tied (positive, negative) pair counts ½."""
    scores, labels = np.asarray(scores, dtype=float), np.asarray(labels)
    order = np.argsort(scores, kind="stable")
    s = scores[order]
    ranks = np.empty(len(s))
    i = 0
    while i < len(s):
        j = i
        while j + 1 < len(s) and s[j + 1] == s[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2 + 1      # the average of ranks i+1 .. j+1
        i = j + 1
    n1 = int((labels == 1).sum())
    n0 = len(labels) - n1
    return float((ranks[labels == 1].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))
