"""Checks of lesson 16's exercises (Matryoshka representations).

References: brute-force search in NumPy and the course's :func:`lowdim_utils.matryoshka.adaptive_search`
(itself tested against faiss in ``tests/test_matryoshka.py``) for 16.funnel; the cost model
Eq. (4) evaluated exactly in integers for 16.cost; for 16.shortlist, the recall the learner's
shortlist size reaches on queries the learner does not see, and the smallest sufficient size found
by exhaustive search.
"""
import numpy as np

from ..registry import Feedback, exercise, expect, expect_array, part
from ._common import later

LESSON = "16_matryoshka"


def _embeddings(seed, n=600, q=60, d=32, decay=0.88):
    """Gaussian points whose coordinate scales decay like a Matryoshka embedding's."""
    rng = np.random.default_rng(seed)
    s = decay ** np.arange(d)
    return rng.standard_normal((q, d)) * s, rng.standard_normal((n, d)) * s


def _sq(Q, X):
    return ((Q[:, None, :] - X[None, :, :]) ** 2).sum(2)


def _funnel_ref(Q, X, k, m, L):
    cand = np.argsort(_sq(Q[:, :m], X[:, :m]), axis=1, kind="stable")[:, :L]
    full = np.take_along_axis(_sq(Q, X), cand, 1)
    return np.take_along_axis(cand, np.argsort(full, axis=1, kind="stable")[:, :k], 1)


def _recall(found, truth):
    return float(np.mean([len(set(f) & set(t)) / len(t) for f, t in zip(found, truth)]))


# ------------------------------------------------------------------ 16.funnel

_FUNNEL = ("returns a (q, k) array of database indices", "a full shortlist (L = n) gives the exact neighbours",
           "the shortlist uses only the first m coordinates", "the result is re-ranked by the full distance")


@exercise("16.funnel", lesson=LESSON, function="funnel_search_np", title="funnel search in NumPy",
          parts=dict(zip(_FUNNEL, (1, 1, 2, 2))))
def _test_funnel(f):
    Q, X = _embeddings(0)
    Q0, X0 = Q.copy(), X.copy()
    out = f(Q, X, 5, 4, 30)
    full = f(Q.copy(), X.copy(), 5, 4, X.shape[0])
    truth = np.argsort(_sq(Q0, X0), axis=1, kind="stable")[:, :5]
    ref = _funnel_ref(Q0, X0, 5, 4, 30)

    def idx(o, what):
        a = expect_array(o, what, shape=(Q0.shape[0], 5))
        expect(np.all(a == np.round(a)) and a.min() >= 0 and a.max() < X0.shape[0],
               f"{what} must hold row indices 0..{X0.shape[0] - 1} of the database.")
        return a.astype(np.int64)

    with part(_FUNNEL[0]):
        idx(out, "funnel_search_np(Q, X, k=5, m=4, L=30)")
        expect(np.array_equal(Q, Q0) and np.array_equal(X, X0), "your function modified Q or X in place.")
    with part(_FUNNEL[1]):
        a = later(idx, full, "the result with L = n")
        r = _recall(a, truth)
        expect(r == 1.0, f"with a shortlist of the whole database (L = n) the funnel must return the exact "
                         f"5 nearest neighbours; yours finds {r:.0%} of them. Re-rank with all d coordinates.")
    with part(_FUNNEL[2]):
        a = later(idx, out, "the result")
        same_set = np.mean([set(x) == set(y) for x, y in zip(a, ref)])
        exact_like = _recall(a, truth)
        expect(same_set == 1.0,
               f"on {1 - same_set:.0%} of the queries your 5 neighbours are not the best 5 (by full distance) of "
               "the L = 30 rows nearest in the first m = 4 coordinates"
               + (" — they are the exact neighbours: is your shortlist computed with all coordinates instead "
                  "of X[:, :m]?" if exact_like == 1.0 else ": build the shortlist from Q[:, :m] and X[:, :m], "
                  "and return database row indices (not positions inside the shortlist)."))
    with part(_FUNNEL[3]):
        a = later(idx, out, "the result")
        d_full = np.take_along_axis(_sq(Q0, X0), a, 1)
        expect(bool(np.all(np.diff(d_full, axis=1) >= -1e-12)),
               "each row must be sorted by the full distance (nearest first); yours is not — sort the "
               "re-ranked candidates, not the prefix distances.")


# ------------------------------------------------------------------ 16.cost

_COST = ("returns an integer", "matches Eq. (4) on exactly divisible cases",
         "the strict inequality at the boundary", "no shortlist pays off when m = d")


def _break_even(n, d, m):
    # largest L >= 0 with n*m + L*d < n*d, i.e. L*d < n*(d - m)
    return max(0, -(-n * (d - m) // d) - 1)


@exercise("16.cost", lesson=LESSON, function="break_even_shortlist", title="when does a shortlist pay off?",
          parts=dict(zip(_COST, (1, 2, 1, 1))))
def _test_cost(f):
    cases = [(10000, 128, 8), (5000, 64, 16), (1000, 100, 10), (999, 7, 3), (12, 5, 1)]
    outs = [f(n, d, m) for n, d, m in cases]
    boundary = (1000, 100, 10)   # n(d - m)/d = 900 exactly: L = 900 costs the same as exact search
    equal = f(64, 16, 16)

    with part(_COST[0]):
        for (n, d, m), o in zip(cases, outs):
            expect(isinstance(o, (int, np.integer)) and not isinstance(o, bool),
                   f"break_even_shortlist({n}, {d}, {m}) returned {o!r} ({type(o).__name__}); expected an int "
                   "(a shortlist holds a whole number of candidates).")
    with part(_COST[1]):
        for (n, d, m), o in zip(cases[:2], outs[:2]):
            want = _break_even(n, d, m)
            expect(o == want, f"break_even_shortlist({n}, {d}, {m}) = {o}, expected {want}: the funnel costs "
                              "n·m + L·d multiply-adds per query, exact search n·d; solve for the largest L "
                              "with n·m + L·d < n·d.")
    with part(_COST[2]):
        for (n, d, m), o in zip(cases[2:], outs[2:]):
            want = _break_even(n, d, m)
            expect(o == want, f"break_even_shortlist({n}, {d}, {m}) = {o}, expected {want}"
                              + (": at L = n(d − m)/d = 900 the funnel costs exactly as much as exact search, so "
                                 "it does not pay off (strict <)." if (n, d, m) == boundary else
                                 ": round n(d − m)/d correctly (the largest integer strictly below it)."))
    with part(_COST[3]):
        expect(equal == 0, f"break_even_shortlist(64, 16, 16) = {equal!r}: with m = d the first stage alone "
                           "costs as much as exact search, so no shortlist pays off (return 0).")


# ------------------------------------------------------------------ 16.shortlist

def _smallest_L(Q, X, k, m, target):
    truth = np.argsort(_sq(Q, X), axis=1, kind="stable")[:, :k]
    order = np.argsort(_sq(Q[:, :m], X[:, :m]), axis=1, kind="stable")
    # recall@k of the funnel = coverage of the true top-k by the shortlist (lesson 16, Proposition)
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(X.shape[0])[None, :].repeat(Q.shape[0], 0), 1)
    pos = np.sort(np.take_along_axis(rank, truth, 1), axis=None)     # shortlist positions of the true neighbours
    need = int(np.ceil(target * truth.size))
    return int(pos[need - 1]) + 1


@exercise("16.shortlist", lesson=LESSON, function="choose_shortlist", title="the smallest shortlist for a target recall",
          timeout=60, parts={"returns an integer L with k <= L <= n": 1,
                             "reaches the target recall on new queries": 2, "is not wasteful": 2})
def _test_shortlist(f):
    k, m, target = 10, 6, 0.95
    Q, X = _embeddings(11, n=1500, q=80)
    Q_new, _ = _embeddings(12, n=1, q=200)
    out = f(Q.copy(), X.copy(), k, m, target)
    L_ref = _smallest_L(Q, X, k, m, target)

    def as_L(o):
        expect(isinstance(o, (int, np.integer)) and not isinstance(o, bool),
               f"choose_shortlist returned {o!r} ({type(o).__name__}); expected an int.")
        expect(k <= o <= X.shape[0], f"L = {o} must satisfy k = {k} <= L <= n = {X.shape[0]}.")
        return int(o)

    with part("returns an integer L with k <= L <= n"):
        as_L(out)
    with part("reaches the target recall on new queries"):
        L = later(as_L, out)
        truth = np.argsort(_sq(Q_new, X), axis=1, kind="stable")[:, :k]
        r = _recall(_funnel_ref(Q_new, X, k, m, L), truth)
        expect(r >= target - 0.03, f"with your L = {L} the funnel finds {r:.3f} of the 10 nearest neighbours of 200 "
                                   f"new queries; expected at least {target - 0.03:.2f} (target {target} minus 0.03 "
                                   "for the new queries' sampling noise). Is your recall measured against the exact "
                                   "neighbours, with all coordinates?")
    with part("is not wasteful"):
        L = later(as_L, out)
        expect(L <= 1.25 * L_ref + 5,
               f"your L = {L} is more than needed: L = {L_ref} already reaches recall {target} on the queries you "
               "were given. Search for the *smallest* L (recall grows with L — the lesson's proposition — so "
               "bisection works).")
