"""Instructor-only: plausible wrong answers of lesson 14 (fed to the checks by the test suite)."""
import numpy as np

from ..registry import wrong


# ------------------------------------------------------------------ 14.collide

@wrong("14.collide")
def _colliding_pairs(n, m):
    return n * (n - 1) / (2 * m)            # expected colliding pairs, not keys


@wrong("14.collide")
def _colliding_poisson(n, m):
    return n * (1 - np.exp(-(n - 1) / m))   # the large-m approximation


@wrong("14.collide")
def _colliding_counts_itself(n, m):
    return n * (1 - (1 - 1 / m) ** n)       # the key itself counted among the others


# ------------------------------------------------------------------ 14.split

@wrong("14.split")
def _split_proportional(vocab, traffic, rows):
    V = np.asarray(vocab, dtype=float)
    return [int(x) for x in np.clip(np.floor(rows * V / V.sum()), 1, V)]


@wrong("14.split")
def _split_by_traffic_times_vocab(vocab, traffic, rows):
    w = np.asarray(vocab, dtype=float) * np.asarray(traffic, dtype=float)
    return [int(x) for x in np.clip(np.floor(rows * w / w.sum()), 1, vocab)]


@wrong("14.split")
def _split_sqrt_uncapped(vocab, traffic, rows):
    w = np.sqrt(np.asarray(vocab, dtype=float) * np.asarray(traffic, dtype=float))
    return [int(x) for x in np.floor(rows * w / w.sum())]   # no cap at the vocabulary size


# ------------------------------------------------------------------ 14.auc

@wrong("14.auc")
def _auc_strict(scores, labels):
    pos, neg = scores[labels == 1], scores[labels == 0]
    return float((pos[:, None] > neg[None, :]).mean())       # ties count 0


@wrong("14.auc")
def _auc_ordinal_ranks(scores, labels):
    ranks = np.empty(len(scores))
    ranks[np.argsort(scores, kind="stable")] = np.arange(1, len(scores) + 1)
    n1 = labels.sum()
    return float((ranks[labels == 1].sum() - n1 * (n1 + 1) / 2) / (n1 * (len(labels) - n1)))


@wrong("14.auc")
def _auc_flipped(scores, labels):
    pos, neg = scores[labels == 1], scores[labels == 0]
    return float((pos[:, None] < neg[None, :]).mean() + 0.5 * (pos[:, None] == neg[None, :]).mean())
