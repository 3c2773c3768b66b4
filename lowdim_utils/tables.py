"""Embedding tables at scale: the hashing trick, multi-hash (Bloom) embeddings, feature
multiplexing, a target-attention click-through-rate model and synthetic click data (lesson 14).

A categorical feature with vocabulary size ``V`` is usually embedded by a dense table of ``V``
rows. The hashing trick maps each id ``x`` to the row ``h(x) mod m`` of a table with ``m < V``
rows; multi-hash (Bloom) embeddings, as in spaCy's ``HashEmbed``, sum the rows chosen by ``k``
hash functions; feature multiplexing (Coleman et al.'s Unified Embedding) lets several features
share one table, each with its own hash functions. The hash is MurmurHash3 (x86, 32 bit) of the
id's four bytes, computed in torch so that it runs batched on any device and agrees bit for bit
with :func:`sklearn.utils.murmurhash3_32`.

Ids are integer tensors (any device) or anything NumPy converts; results are torch tensors on the
ids' device. Randomness (initial tables, synthetic data) follows :mod:`lowdim_utils.rng`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from .rng import as_generator
from .validate import as_tensor, check_bool, check_choice, check_int, check_interval, check_positive

__all__ = ["murmur3_32", "bucket", "expected_occupied", "expected_colliding_keys", "pair_collision_prob",
           "count_colliding_keys", "count_indistinguishable_pairs", "allocate_rows", "HashEmbedding", "FeatureTables",
           "parameter_bytes", "optimizer_state_bytes", "gradient_bytes", "bag_sum", "roc_auc",
           "ClickData", "synthetic_clicks", "DIN"]

_M32 = 0xFFFFFFFF


# ------------------------------------------------------------------ hashing

def _as_ids(ids, name="ids"):
    """An int64 tensor of ids in the int32 range (what MurmurHash3 of 4 bytes takes)."""
    if not isinstance(ids, torch.Tensor):
        a = np.asarray(ids)
        if a.dtype == object or not (np.issubdtype(a.dtype, np.integer) or a.dtype == bool):
            raise TypeError(f"{name} must hold integers, got an array of dtype {a.dtype}.")
        ids = torch.from_numpy(np.ascontiguousarray(a.astype(np.int64)))
    if ids.dtype.is_floating_point or ids.is_complex() or ids.dtype == torch.bool:
        raise TypeError(f"{name} must be an integer tensor, got dtype {ids.dtype}.")
    ids = ids.long()
    if ids.numel() and (int(ids.min()) < -2**31 or int(ids.max()) >= 2**31):
        raise ValueError(f"{name} must lie in the int32 range [-2**31, 2**31), got values in "
                         f"[{int(ids.min())}, {int(ids.max())}].")
    return ids


def _rotl(x, r):
    return ((x << r) | (x >> (32 - r))) & _M32


def _murmur(k, seed):
    """MurmurHash3_x86_32 of one 4-byte block per entry of ``k`` (int64 holding uint32 values)."""
    k = (k * 0xCC9E2D51) & _M32
    k = _rotl(k, 15)
    k = (k * 0x1B873593) & _M32
    h = (k ^ seed) & _M32
    h = _rotl(h, 13)
    h = (h * 5 + 0xE6546B64) & _M32
    h = h ^ 4                      # the length in bytes
    h = h ^ (h >> 16)
    h = (h * 0x85EBCA6B) & _M32
    h = h ^ (h >> 13)
    h = (h * 0xC2B2AE35) & _M32
    return h ^ (h >> 16)


def murmur3_32(ids, seed: int = 0):
    """MurmurHash3 (x86, 32 bit) of each id's four little-endian bytes, as int64 values in [0, 2³²).

    Equal to ``sklearn.utils.murmurhash3_32(ids.astype(np.int32), seed, positive=True)``.
    ``ids``: any shape, integers in the int32 range; ``seed``: an integer in [0, 2³²).
    """
    ids = _as_ids(ids)
    seed = check_int(seed, "seed", low=0, high=_M32)
    return _murmur(ids & _M32, seed)


def bucket(ids, num_buckets: int, seed: int = 0):
    """The hashing trick: row ``h_seed(x) mod m`` of each id (lesson 14, Eq. (1)); same shape as ``ids``."""
    num_buckets = check_int(num_buckets, "num_buckets", low=1)
    return murmur3_32(ids, seed) % num_buckets


# ------------------------------------------------------------------ collision statistics in closed form

def expected_occupied(n: int, m: int) -> float:
    """Expected number of non-empty buckets when ``n`` keys hash uniformly into ``m`` (lesson 14, Eq. (2))."""
    n, m = check_int(n, "n", low=0), check_int(m, "m", low=1)
    return m * -math.expm1(n * math.log1p(-1 / m)) if m > 1 else float(n > 0)


def expected_colliding_keys(n: int, m: int) -> float:
    """Expected number of keys that share their bucket with another key (lesson 14, Eq. (3))."""
    n, m = check_int(n, "n", low=0), check_int(m, "m", low=1)
    if n == 0:
        return 0.0
    return n * -math.expm1((n - 1) * math.log1p(-1 / m)) if m > 1 else float(n if n > 1 else 0)


def pair_collision_prob(m: int, num_hashes: int = 1) -> float:
    """Probability that two distinct keys get the same *multiset* of ``k`` rows out of ``m``, i.e. the
    same summed embedding whatever the table (lesson 14, Eq. (5)); exact for ``k`` = 1 and 2."""
    m = check_int(m, "m", low=1)
    k = check_int(num_hashes, "num_hashes", low=1, high=2)
    return 1 / m if k == 1 else (2 * m - 1) / m**3


def count_colliding_keys(rows):
    """Number of keys whose row is shared with another key. ``rows: (n,)`` (one row per key)."""
    rows = _as_ids(rows, "rows")
    if rows.dim() != 1:
        raise ValueError(f"rows must be 1-D (one row per key), got shape {tuple(rows.shape)}.")
    _, inverse, counts = torch.unique(rows, return_inverse=True, return_counts=True)
    return int((counts[inverse] > 1).sum())


def count_indistinguishable_pairs(rows):
    """Pairs of keys with the same multiset of rows. ``rows: (n, k)``, the ``k`` rows of each key."""
    rows = _as_ids(rows, "rows")
    if rows.dim() != 2:
        raise ValueError(f"rows must be 2-D (n keys, k rows each), got shape {tuple(rows.shape)}.")
    _, counts = torch.unique(rows.sort(dim=1).values, dim=0, return_counts=True)
    return int((counts * (counts - 1) // 2).sum())


def allocate_rows(vocab, traffic, rows: int) -> list[int]:
    """Split ``rows`` among features of vocabularies ``V_f`` with ``q_f`` lookups per example (``traffic``) to
    minimise the expected number of other keys met in a looked-up row, ``Σ_f q_f (V_f − 1)/m_f``
    (lesson 14, Eq. (6)); a feature given ``m_f = V_f`` rows gets a dense table and costs 0.

    The continuous optimum is ``m_f ∝ √(q_f V_f)`` with features whose share exceeds ``V_f`` capped
    there (water-filling, lesson 14, Eq. (8)); it is rounded down and the rows left over go one by
    one where they lower the cost most. Returns ``[m_f]``, each in ``[1, V_f]``, summing to at most ``rows``.
    """
    V = np.array([check_int(v, f"vocab[{i}]", low=1) for i, v in enumerate(vocab)], dtype=np.float64)
    q = np.array([check_positive(t, f"traffic[{i}]", allow_zero=True) for i, t in enumerate(traffic)])
    if q.size != V.size:
        raise ValueError(f"traffic must have one entry per feature ({V.size}), got {q.size}.")
    rows = check_int(rows, "rows", low=V.size)
    m = _water_fill(V, q, float(rows))
    m = np.clip(np.floor(m), 1, V).astype(np.int64)
    if m.sum() > rows:                                  # the floor of 1 row can overshoot a tiny budget
        while m.sum() > rows:
            m[np.argmax(m)] -= 1

    def cost(mf, f):
        return 0.0 if mf >= V[f] else q[f] * (V[f] - 1) / mf

    for _ in range(rows - int(m.sum())):
        gain = [cost(m[f], f) - cost(m[f] + 1, f) if m[f] < V[f] else -1.0 for f in range(V.size)]
        f = int(np.argmax(gain))
        if gain[f] <= 0:
            break
        m[f] += 1
    return [int(x) for x in m]


def _water_fill(V, q, rows):
    """Continuous minimiser of Σ q_f V_f / m_f subject to Σ m_f = rows, m_f ≤ V_f: m_f ∝ √(q_f V_f), capped."""
    capped = np.zeros(V.size, dtype=bool)
    while True:
        w = np.sqrt(q * V) * ~capped
        left = rows - V[capped].sum()
        m = np.where(capped, V, left * w / w.sum() if w.sum() > 0 else 0.0)
        over = (m > V) & ~capped
        if not over.any():
            return m
        capped |= over


# ------------------------------------------------------------------ tables

class HashEmbedding(nn.Module):
    """A hashed embedding table of ``num_buckets`` rows shared by ``num_features`` features.

    Feature ``f``'s id ``x`` is embedded as the sum of the rows ``h_{f,j}(x) mod m``, ``j < k``
    (lesson 14, Eq. (4)), with ``h_{f,j}`` MurmurHash3 with seed ``seed + f·k + j``:
    ``num_hashes=1, num_features=1`` is the hashing trick, ``num_hashes > 1`` a multi-hash (Bloom)
    embedding, ``num_features > 1`` feature multiplexing. Rows start as N(0, init_std²/k), so the sum
    of ``k`` rows has the variance of one dense row.

    ``forward(ids, feature=0)``: ``ids: (...)`` integers → ``(..., dim)``.
    """

    def __init__(self, num_buckets: int, dim: int, num_hashes: int = 1, *, num_features: int = 1, seed: int = 0,
                 init_std: float = 0.1, generator=None, dtype=torch.float32):
        super().__init__()
        self.num_buckets = check_int(num_buckets, "num_buckets", low=1)
        self.dim = check_int(dim, "dim", low=1)
        self.num_hashes = check_int(num_hashes, "num_hashes", low=1)
        self.num_features = check_int(num_features, "num_features", low=1)
        self.seed = check_int(seed, "seed", low=0, high=_M32 - self.num_features * self.num_hashes)
        init_std = check_positive(init_std, "init_std")
        gen = as_generator(generator)
        w = torch.randn(self.num_buckets, self.dim, generator=gen, device=gen.device) * (init_std / self.num_hashes**0.5)
        self.weight = nn.Parameter(w.to(dtype))

    def rows(self, ids, feature: int = 0):
        """The ``k`` rows of each id: ``(..., k)`` int64 on the ids' device."""
        feature = check_int(feature, "feature", low=0, high=self.num_features - 1)
        ids = _as_ids(ids).to(self.weight.device)
        base = self.seed + feature * self.num_hashes
        k = ids & _M32
        return torch.stack([_murmur(k, base + j) % self.num_buckets for j in range(self.num_hashes)], dim=-1)

    def forward(self, ids, feature: int = 0):
        r = self.rows(ids, feature)
        return self.weight[r].sum(dim=-2)

    def extra_repr(self):
        return (f"num_buckets={self.num_buckets}, dim={self.dim}, num_hashes={self.num_hashes}, "
                f"num_features={self.num_features}")


class _Dense(nn.Module):
    def __init__(self, vocab, dim, init_std, gen):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(vocab, dim, generator=gen, device=gen.device) * init_std)

    def forward(self, ids, feature=0):
        return self.weight[ids]


KINDS = ("dense", "hashed", "multihash", "multiplexed")


class FeatureTables(nn.Module):
    """The embedding tables of several categorical features under one memory budget.

    ``vocab``: ``{name: vocabulary size}``. ``kind``:

    * ``"dense"`` — one dense table per feature (``rows`` ignored);
    * ``"hashed"`` — one hashed table per feature, ``rows`` split by :func:`allocate_rows` to minimise the
      expected fraction of colliding lookups given each feature's ``traffic`` (lookups per example;
      default 1 each); a feature granted its whole vocabulary gets a dense table;
    * ``"multihash"`` — the same split, ``num_hashes`` rows summed per id (default 2);
    * ``"multiplexed"`` — one table of ``rows`` rows shared by all features (Unified Embedding),
      ``num_hashes`` per id (default 1).

    ``forward(name, ids)``: ``ids: (...)`` → ``(..., dim)``. ``num_rows`` is the number of rows stored.
    """

    def __init__(self, vocab: dict, dim: int, kind: str = "dense", rows: int | None = None, *,
                 num_hashes: int | None = None, traffic: dict | None = None, init_std: float = 0.1, seed: int = 0,
                 generator=None):
        super().__init__()
        if not isinstance(vocab, dict) or not vocab:
            raise TypeError(f"vocab must be a non-empty dict {{name: size}}, got {vocab!r}.")
        self.vocab = {str(k): check_int(v, f"vocab[{k!r}]", low=1) for k, v in vocab.items()}
        self.kind = check_choice(kind, "kind", KINDS)
        dim = check_int(dim, "dim", low=1)
        gen = as_generator(generator)
        names = list(self.vocab)
        self._index = {n: i for i, n in enumerate(names)}
        k = check_int(num_hashes if num_hashes is not None else (2 if kind == "multihash" else 1), "num_hashes", low=1)
        if kind == "dense":
            self.tables = nn.ModuleDict({n: _Dense(v, dim, init_std, gen) for n, v in self.vocab.items()})
            return
        rows = check_int(rows, "rows", low=len(names))
        if kind == "multiplexed":
            self.shared = HashEmbedding(rows, dim, k, num_features=len(names), seed=seed, init_std=init_std,
                                        generator=gen)
            return
        traffic = [1.0] * len(names) if traffic is None else [check_positive(traffic[n], f"traffic[{n!r}]")
                                                               for n in names]
        split = allocate_rows(list(self.vocab.values()), traffic, rows)
        self.split = dict(zip(names, split))
        self.tables = nn.ModuleDict({
            n: _Dense(v, dim, init_std, gen) if m >= v else
            HashEmbedding(m, dim, k, seed=seed + 97 * i, init_std=init_std, generator=gen)
            for i, (n, v, m) in enumerate(zip(names, self.vocab.values(), split))})

    @property
    def num_rows(self) -> int:
        return sum(p.shape[0] for p in self.parameters())

    def forward(self, name: str, ids):
        name = check_choice(name, "name", list(self.vocab))
        if self.kind == "multiplexed":
            return self.shared(ids, self._index[name])
        return self.tables[name](ids)


# ------------------------------------------------------------------ memory

def _tensor_bytes(t):
    if t.is_sparse:
        t = t.coalesce()
        return _tensor_bytes(t.values()) + _tensor_bytes(t.indices())
    return t.numel() * t.element_size()


def parameter_bytes(module: nn.Module) -> int:
    """Bytes of ``module``'s parameters (what the tables cost to store)."""
    if not isinstance(module, nn.Module):
        raise TypeError(f"module must be a torch.nn.Module, got {type(module).__name__}.")
    return sum(_tensor_bytes(p.detach()) for p in module.parameters())


def optimizer_state_bytes(optimizer) -> int:
    """Bytes of the tensors an optimiser keeps between steps (Adam: two moments; Adagrad: one sum)."""
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(f"optimizer must be a torch.optim.Optimizer, got {type(optimizer).__name__}.")
    return sum(_tensor_bytes(v) for s in optimizer.state.values() for v in s.values()
               if isinstance(v, torch.Tensor) and v.dim() > 0)


def gradient_bytes(module: nn.Module) -> int:
    """Bytes of the gradients held by ``module``'s parameters (a sparse gradient: values + indices)."""
    if not isinstance(module, nn.Module):
        raise TypeError(f"module must be a torch.nn.Module, got {type(module).__name__}.")
    return sum(_tensor_bytes(p.grad) for p in module.parameters() if p.grad is not None)


# ------------------------------------------------------------------ lookups

def bag_sum(weight, ids, offsets):
    """Sum of the rows of each bag by gather + scatter-add (the naive reference of ``nn.EmbeddingBag``).

    ``weight: (V, d)``, ``ids: (nnz,)``, ``offsets: (B,)`` where bag ``b`` is ``ids[offsets[b]:offsets[b+1]]``.
    Returns ``(B, d)``.
    """
    weight = as_tensor(weight, "weight", ndim=2)
    ids, offsets = _as_ids(ids).to(weight.device), _as_ids(offsets, "offsets").to(weight.device)
    if ids.dim() != 1 or offsets.dim() != 1:
        raise ValueError(f"ids and offsets must be 1-D, got shapes {tuple(ids.shape)} and {tuple(offsets.shape)}.")
    if offsets.numel() == 0 or int(offsets[0]) != 0 or bool((offsets.diff() < 0).any()) or int(offsets[-1]) > ids.numel():
        raise ValueError("offsets must start at 0, be non-decreasing and not exceed len(ids).")
    if ids.numel() and (int(ids.min()) < 0 or int(ids.max()) >= weight.shape[0]):
        raise ValueError(f"ids must lie in [0, {weight.shape[0]}) (the rows of weight).")
    return _bag_sum(weight, ids, offsets)


def _bag_sum(weight, ids, offsets):
    lengths = torch.diff(offsets, append=offsets.new_tensor([ids.numel()]))
    bag = torch.repeat_interleave(torch.arange(offsets.numel(), device=ids.device), lengths)
    return torch.zeros(offsets.numel(), weight.shape[1], dtype=weight.dtype, device=weight.device).index_add_(
        0, bag, weight[ids])


# ------------------------------------------------------------------ AUC

def roc_auc(scores, labels) -> float:
    """Area under the ROC curve by the Mann–Whitney rank statistic, ties counted ½ (lesson 14, Eq. (7)).

    ``scores: (n,)`` real, ``labels: (n,)`` in {0, 1} with both classes present.
    """
    s = as_tensor(scores, "scores", ndim=1, dtype=torch.float64)
    y = as_tensor(labels, "labels", ndim=1, dtype=torch.float64).to(s.device)
    if y.shape != s.shape:
        raise ValueError(f"labels must have the shape of scores {tuple(s.shape)}, got {tuple(y.shape)}.")
    if not bool(((y == 0) | (y == 1)).all()):
        raise ValueError("labels must be 0 or 1.")
    n1 = float(y.sum())
    n0 = y.numel() - n1
    if n1 == 0 or n0 == 0:
        raise ValueError("labels must contain both classes (0 and 1) for the AUC to be defined.")
    # midranks: the average rank of each group of tied scores
    uniq, inverse, counts = torch.unique(s, return_inverse=True, return_counts=True)
    ends = torch.cumsum(counts, 0).double()
    midrank = ends - (counts.double() - 1) / 2
    ranks = midrank[inverse]
    return float(((ranks * y).sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


# ------------------------------------------------------------------ synthetic click data with a known truth

@dataclass
class ClickData:
    """Impressions: ``user (n,)``, history ``hist_item, hist_cat (n, L)``, candidate ``cand_item, cand_cat (n,)``,
    click ``label (n,)`` (float 0/1) and the true click probability ``prob (n,)``; ``vocab`` the sizes."""
    user: torch.Tensor
    hist_item: torch.Tensor
    hist_cat: torch.Tensor
    cand_item: torch.Tensor
    cand_cat: torch.Tensor
    label: torch.Tensor
    prob: torch.Tensor
    vocab: dict

    def __len__(self):
        return self.user.shape[0]

    def tensors(self):
        """The model's inputs and the label, in the order :class:`DIN` and :func:`training.fit` take them."""
        return self.user, self.hist_item, self.hist_cat, self.cand_item, self.cand_cat, self.label

    def split(self, n_first: int):
        """Two ClickData: the first ``n_first`` impressions and the rest."""
        n_first = check_int(n_first, "n_first", low=1, high=len(self) - 1)
        f = ("user", "hist_item", "hist_cat", "cand_item", "cand_cat", "label", "prob")
        a = ClickData(*(getattr(self, k)[:n_first] for k in f), vocab=self.vocab)
        b = ClickData(*(getattr(self, k)[n_first:] for k in f), vocab=self.vocab)
        return a, b


def synthetic_clicks(n: int, *, n_users: int = 2000, n_items: int = 5000, n_categories: int = 50, history: int = 10,
                     latent: int = 4, zipf: float = 1.1, interest_weight: float = 2.5, generator=None) -> ClickData:
    """Synthetic impressions whose click probability is known (lesson 14, Eq. (9)).

    The generating process: category centres ``c_k ~ N(0, I_r)``; item ``i`` has a category
    ``κ(i)`` (uniform), a latent vector ``z_i = (c_κ(i) + ε_i)/√r`` (``ε_i ~ N(0, I_r)``) and a bias ``b_i ~ N(0, 1)``; item
    popularity is Zipf(``zipf``) over a random order of the items. User ``u`` has two interest
    categories and a bias ``a_u ~ N(0, ½²)``; each of the ``history`` items it clicked before is drawn
    by popularity from one of its interests. The candidate comes from the user's interests with
    probability ½, else from the whole catalogue by popularity. The click probability is

    ``p = σ(w · max_j ⟨z_cand, z_hist_j⟩ + b_cand + a_u − 1)``, ``w = interest_weight``:

    the *most similar* item of the history decides (the local activation DIN's target attention is
    built to find), and item and user identity matter through the biases. Returns :class:`ClickData`
    on the CPU with ``vocab = {"user": n_users, "item": n_items, "category": n_categories}``.
    """
    n = check_int(n, "n", low=2)
    n_users, n_items = check_int(n_users, "n_users", low=1), check_int(n_items, "n_items", low=2)
    n_categories = check_int(n_categories, "n_categories", low=2, high=n_items)
    L, r = check_int(history, "history", low=1), check_int(latent, "latent", low=1)
    zipf = check_interval(zipf, "zipf", 0.0, 5.0)
    w = check_interval(interest_weight, "interest_weight", 0.0, 100.0)
    g = as_generator(generator)
    dev = g.device

    def randn(*s):
        return torch.randn(*s, generator=g, device=dev)

    centres = randn(n_categories, r)
    cat = torch.cat([torch.arange(n_categories, device=dev),
                     torch.randint(0, n_categories, (n_items - n_categories,), generator=g, device=dev)])
    cat = cat[torch.randperm(n_items, generator=g, device=dev)]
    z = (centres[cat] + randn(n_items, r)) / r**0.5
    b_item = randn(n_items)
    rank = torch.empty(n_items, device=dev)
    rank[torch.randperm(n_items, generator=g, device=dev)] = torch.arange(1, n_items + 1, dtype=torch.float32, device=dev)
    pop = rank.double() ** -zipf
    # items sorted by category; cumulative popularity inside the sorted order, for sampling per category
    order = torch.argsort(cat, stable=True)
    cum = torch.cumsum(pop[order], 0)
    cum0 = torch.cat([cum.new_zeros(1), cum])
    start = torch.searchsorted(cat[order], torch.arange(n_categories, device=dev))
    end = torch.searchsorted(cat[order], torch.arange(n_categories, device=dev), right=True)

    def draw_in(categories):
        u = torch.rand(categories.shape, generator=g, device=dev, dtype=torch.float64)
        lo, hi = cum0[start[categories]], cum0[end[categories]]
        pos = torch.searchsorted(cum, lo + u * (hi - lo), right=True)
        pos = torch.minimum(torch.maximum(pos, start[categories]), end[categories] - 1)
        return order[pos]

    interests = torch.stack([torch.randint(0, n_categories, (n_users,), generator=g, device=dev),
                             torch.randint(0, n_categories, (n_users,), generator=g, device=dev)], 1)
    a_user = 0.5 * randn(n_users)
    user = torch.randint(0, n_users, (n,), generator=g, device=dev)
    pick = torch.randint(0, 2, (n, L), generator=g, device=dev)
    hist = draw_in(interests[user].gather(1, pick))
    from_interest = torch.rand(n, generator=g, device=dev) < 0.5
    own = draw_in(interests[user, torch.randint(0, 2, (n,), generator=g, device=dev)])
    anywhere = torch.multinomial(pop, n, replacement=True, generator=g)
    cand = torch.where(from_interest, own, anywhere)
    sim = (z[hist] @ z[cand].unsqueeze(-1)).squeeze(-1).amax(1)
    prob = torch.sigmoid(w * sim + b_item[cand] + a_user[user] - 1.0)
    label = (torch.rand(n, generator=g, device=dev) < prob).float()
    cpu = torch.device("cpu")
    return ClickData(user.to(cpu), hist.to(cpu), cat[hist].to(cpu), cand.to(cpu), cat[cand].to(cpu), label.to(cpu),
                     prob.to(cpu), {"user": n_users, "item": n_items, "category": n_categories})


# ------------------------------------------------------------------ the CTR model

def _mlp(sizes, gen):
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        lin = nn.Linear(a, b)
        bound = 1 / a**0.5                      # nn.Linear's default init, drawn from the generator
        with torch.no_grad():
            lin.weight.copy_((torch.rand(b, a, generator=gen, device=gen.device) * 2 - 1) * bound)
            lin.bias.copy_((torch.rand(b, generator=gen, device=gen.device) * 2 - 1) * bound)
        layers.append(lin)
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


class DIN(nn.Module):
    """Deep Interest Network (Zhou et al. 2018): a CTR model whose user representation is a sum of the
    history's embeddings weighted by their relevance to the candidate (target attention, lesson 14, Eq. (10)).

    An item is embedded as ``[e_item, e_category]`` (``2d``), from the shared :class:`FeatureTables`. The
    attention unit scores each history item ``h`` against the candidate ``c`` by an MLP of
    ``[h, c, h − c, h ⊙ c]``, without a softmax (DIN keeps the intensity of interest); the weighted sum,
    the candidate and the user's embedding feed an MLP that outputs the click logit. ``attention=False``
    gives the paper's base model (sum pooling of the history).
    ``forward(user (B,), hist_item (B, L), hist_cat (B, L), cand_item (B,), cand_cat (B,))`` → logits ``(B,)``.
    """

    def __init__(self, tables: FeatureTables, dim: int, *, hidden=(32, 16), attention_hidden: int = 16,
                 attention: bool = True, generator=None):
        super().__init__()
        self.use_attention = check_bool(attention, "attention")
        if not isinstance(tables, FeatureTables):
            raise TypeError(f"tables must be a FeatureTables, got {type(tables).__name__}.")
        dim = check_int(dim, "dim", low=1)
        gen = as_generator(generator)
        self.tables = tables
        self.attention = _mlp([8 * dim, check_int(attention_hidden, "attention_hidden", low=1), 1], gen)
        self.head = _mlp([5 * dim, *[check_int(h, "hidden", low=1) for h in hidden], 1], gen)

    def item(self, item, cat):
        return torch.cat([self.tables("item", item), self.tables("category", cat)], dim=-1)

    def forward(self, user, hist_item, hist_cat, cand_item, cand_cat):
        h = self.item(hist_item, hist_cat)                             # (B, L, 2d)
        c = self.item(cand_item, cand_cat)                             # (B, 2d)
        ce = c.unsqueeze(1).expand_as(h)
        if self.use_attention:
            a = self.attention(torch.cat([h, ce, h - ce, h * ce], -1))  # (B, L, 1)
        else:                                                          # DIN's base model: sum pooling
            a = h.new_ones(h.shape[:-1] + (1,))
        interest = (a * h).sum(1)                                      # (B, 2d)
        return self.head(torch.cat([self.tables("user", user), interest, c], -1)).squeeze(-1)
