"""Checks of lesson 14's exercises (embedding tables at scale).

References: the exact expectation n(1 − (1 − 1/m)^(n−1)) and a Monte-Carlo estimate with uniform
random buckets (14.collide); the row budget's optimal cost, computed by water-filling in
:func:`lowdim_utils.tables.allocate_rows` (14.split); scikit-learn's ``roc_auc_score``, with ties (14.auc).
"""
import numpy as np

from ..registry import Feedback, exercise, expect, expect_array, part
from ._common import later

LESSON = "14_embedding_tables"


# ------------------------------------------------------------------ 14.collide

def _exact_colliding(n, m):
    return 0.0 if n == 0 else n * (1 - (1 - 1 / m) ** (n - 1))


_CASES = [(1, 1), (2, 1), (5, 4), (10, 8), (3, 100), (50, 20), (1000, 1000), (200, 5000), (7, 2)]


@exercise("14.collide", lesson=LESSON, function="expected_colliding_keys_np", title="colliding keys",
          parts={"returns a number": 1, "edge cases (one key, one bucket)": 1,
                 "matches a simulation": 1, "is the exact expectation (not an approximation)": 1})
def _test_collide(f):
    outs = {(n, m): f(n, m) for n, m in _CASES}

    def value(n, m):
        return float(expect_array(outs[(n, m)], f"expected_colliding_keys_np({n}, {m})", shape=()))

    with part("returns a number"):
        for c in _CASES:
            value(*c)
    with part("edge cases (one key, one bucket)"):
        v1, v2 = later(value, 1, 1), later(value, 2, 1)
        expect(abs(v1) < 1e-12, f"a single key collides with nobody: expected 0 for n=1, got {v1:.6g}.")
        expect(abs(v2 - 2) < 1e-12, f"two keys in one bucket both collide: expected 2 for n=2, m=1, got {v2:.6g}.")
    with part("matches a simulation"):
        rng = np.random.default_rng(0)
        for n, m in [(50, 20), (10, 8)]:
            rows = rng.integers(0, m, (20000, n))
            counts = np.stack([np.bincount(r, minlength=m) for r in rows[:4000]])
            sim = float((np.take_along_axis(counts, rows[:4000], 1) > 1).sum(1).mean())
            v = later(value, n, m)
            se = 0.05 * n ** 0.5 + 0.05
            expect(abs(v - sim) < 4 * se + 0.02 * sim,
                   f"for n={n} keys in m={m} buckets a simulation gives {sim:.3f} colliding keys on average, you "
                   f"return {v:.3f}. Count keys (not pairs): a key collides when at least one of the n − 1 others "
                   "lands in its bucket.")
    with part("is the exact expectation (not an approximation)"):
        for n, m in _CASES:
            v, ref = later(value, n, m), _exact_colliding(n, m)
            if not np.isclose(v, ref, rtol=1e-9, atol=1e-12):
                raise Feedback(f"for n={n}, m={m} you return {v:.6g}, the exact expectation is {ref:.6g}. "
                               "e^(−n/m) is only the large-m approximation of (1 − 1/m)^(n−1): use the exact "
                               "probability that none of the other n − 1 keys hits the bucket.")


# ------------------------------------------------------------------ 14.split

_SPLITS = [([1000, 3000, 30], [1, 11, 11], 400), ([5000, 500], [1, 4], 300), ([200, 200, 200, 50000], [1, 1, 1, 1], 2000),
           ([1000, 3000, 30], [1, 11, 11], 100)]


def _cost(m, V, q):
    m, V, q = (np.asarray(a, dtype=np.float64) for a in (m, V, q))
    return float(np.sum(np.where(m >= V, 0.0, q * (V - 1) / m)))


@exercise("14.split", lesson=LESSON, function="split_rows_np", title="splitting a row budget", timeout=20,
          parts={"returns one integer per feature": 1, "respects the budget and the vocabularies": 1,
                 "is within 1% of the best cost": 2})
def _test_split(f):
    from ...tables import allocate_rows
    outs = [(V, q, M, f(list(V), list(q), M)) for V, q, M in _SPLITS]

    def rows(V, out):
        arr = expect_array(np.asarray(out) if isinstance(out, (list, tuple)) else out, "the split", shape=(len(V),))
        expect(np.all(arr == np.round(arr)), f"the numbers of rows must be integers, got {arr}.")
        return arr.astype(np.int64)

    with part("returns one integer per feature"):
        for V, _, _, out in outs:
            rows(V, out)
    with part("respects the budget and the vocabularies"):
        for V, q, M, out in outs:
            m = later(rows, V, out)
            expect(m.sum() <= M, f"vocab {V}, budget {M}: your split {m.tolist()} uses {int(m.sum())} rows.")
            expect(np.all(m >= 1) and np.all(m <= np.asarray(V)),
                   f"vocab {V}: every feature needs between 1 row and its vocabulary size (a dense table), got "
                   f"{m.tolist()}.")
    with part("is within 1% of the best cost"):
        for V, q, M, out in outs:
            m = later(rows, V, out)
            best = allocate_rows(V, q, M)
            c, cb = _cost(m, V, q), _cost(best, V, q)
            expect(c <= 1.01 * cb + 1e-9,
                   f"vocab {V}, traffic {q}, budget {M}: your split {m.tolist()} costs {c:.2f} expected "
                   f"co-tenants per example, the best split costs {cb:.2f}. Minimise Σ q_f (V_f − 1)/m_f with a "
                   "Lagrange multiplier: how should m_f grow with q_f and V_f? And a feature that would get more "
                   "rows than its vocabulary needs only V_f (a dense table).")


# ------------------------------------------------------------------ 14.auc

def _auc_cases():
    rng = np.random.default_rng(3)
    y1 = rng.integers(0, 2, 300)
    s1 = rng.standard_normal(300) + y1
    y2 = rng.integers(0, 2, 500)
    s2 = np.round(rng.standard_normal(500) + 0.5 * y2, 1)          # many ties
    y3 = np.array([0, 1, 0, 1, 1, 0])
    s3 = np.array([0.5, 0.5, 0.5, 0.5, 0.5, 0.5])                  # all tied: 1/2
    return [(s1, y1), (s2, y2), (s3, y3), (-s1, y1)]


@exercise("14.auc", lesson=LESSON, function="auc_np", title="AUC from ranks",
          parts={"returns a number in [0, 1]": 1, "matches scikit-learn without ties": 1,
                 "counts ties as one half": 1})
def _test_auc(f):
    from sklearn.metrics import roc_auc_score
    cases = _auc_cases()
    outs = [f(s.copy(), y.copy()) for s, y in cases]

    def value(i):
        v = float(expect_array(outs[i], "the AUC", shape=()))
        expect(0 <= v <= 1, f"an AUC lies in [0, 1], got {v:.4g}.")
        return v

    with part("returns a number in [0, 1]"):
        for i in range(len(cases)):
            value(i)
    with part("matches scikit-learn without ties"):
        for i in (0, 3):
            v, ref = later(value, i), roc_auc_score(cases[i][1], cases[i][0])
            expect(abs(v - ref) < 1e-9, f"on scores without ties you return {v:.6f}, scikit-learn's roc_auc_score "
                                        f"gives {ref:.6f}. The AUC is P(score of a positive > score of a negative): "
                                        "rank all scores, sum the ranks of the positives, subtract n₁(n₁+1)/2.")
    with part("counts ties as one half"):
        for i in (1, 2):
            v, ref = later(value, i), roc_auc_score(cases[i][1], cases[i][0])
            expect(abs(v - ref) < 1e-9, f"on scores with ties you return {v:.6f}, scikit-learn gives {ref:.6f}: a "
                                        "tied (positive, negative) pair counts ½ — give tied scores their average "
                                        "rank (scipy.stats.rankdata does).")
