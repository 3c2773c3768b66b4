"""Tests of lowdim_utils.tables (lesson 14): MurmurHash3 against scikit-learn, collision statistics
against their closed forms, equality with a dense table when nothing collides, the row budget, the
AUC against scikit-learn, lookups against nn.EmbeddingBag, memory accounting, the synthetic click
data, the DIN model, devices and bad input."""
import math

import numpy as np
import pytest
import torch
from torch import nn

from conftest import require_oracle
from lowdim_utils import tables as T
from lowdim_utils import training

torch.set_num_threads(1)


# ------------------------------------------------------------------ hashing

def test_murmur_matches_sklearn():
    require_oracle("sklearn")
    from sklearn.utils import murmurhash3_32
    keys = np.r_[np.arange(-300, 3000), 2**31 - 1, -2**31, 123456789].astype(np.int32)
    for seed in (0, 1, 42, 2**32 - 1):
        ours = T.murmur3_32(torch.from_numpy(keys.astype(np.int64)), seed).numpy()
        ref = murmurhash3_32(keys, seed=seed, positive=True).astype(np.int64)
        np.testing.assert_array_equal(ours, ref)


def test_bucket_range_and_shape():
    ids = torch.arange(1000).reshape(10, 100)
    b = T.bucket(ids, 37, seed=3)
    assert b.shape == ids.shape and b.dtype == torch.int64
    assert int(b.min()) >= 0 and int(b.max()) < 37
    assert not torch.equal(b, T.bucket(ids, 37, seed=4))        # another seed is another function


def test_featurehasher_columns_follow_murmur():
    """scikit-learn's FeatureHasher puts string token t in column |murmurhash3_32(t)| mod m."""
    require_oracle("sklearn")
    from sklearn.feature_extraction import FeatureHasher
    from sklearn.utils import murmurhash3_32
    m, tokens = 64, [f"key{i}" for i in range(200)]
    X = FeatureHasher(n_features=m, input_type="string", alternate_sign=False).transform([[t] for t in tokens])
    cols = X.tocsr().indices
    np.testing.assert_array_equal(cols, [abs(murmurhash3_32(t, seed=0)) % m for t in tokens])


# ------------------------------------------------------------------ collision statistics

def test_closed_forms_small_cases():
    assert T.expected_colliding_keys(1, 10) == 0.0
    assert T.expected_colliding_keys(2, 1) == 2.0
    assert math.isclose(T.expected_colliding_keys(5, 4), 5 * (1 - 0.75**4))
    assert math.isclose(T.expected_occupied(3, 2), 2 * (1 - 0.5**3))
    assert T.pair_collision_prob(10, 1) == 0.1
    # k = 2 by enumeration of all m^4 hash values of two keys
    m = 5
    a = np.array(np.meshgrid(*[np.arange(m)] * 4)).reshape(4, -1)
    same = (np.sort(a[:2], 0) == np.sort(a[2:], 0)).all(0).mean()
    assert math.isclose(T.pair_collision_prob(m, 2), same)


@pytest.mark.parametrize("n,m", [(500, 1000), (2000, 500)])
def test_collision_statistics_match_closed_form(n, m):
    keys = torch.arange(n)
    col = [T.count_colliding_keys(T.bucket(keys, m, seed=s)) for s in range(200)]
    occ = [int(torch.unique(T.bucket(keys, m, seed=s)).numel()) for s in range(200)]
    # mean of 200 draws within 4 standard errors
    assert abs(np.mean(col) - T.expected_colliding_keys(n, m)) < 4 * np.std(col) / np.sqrt(200) + 1e-9
    assert abs(np.mean(occ) - T.expected_occupied(n, m)) < 4 * np.std(occ) / np.sqrt(200) + 1e-9


def test_multihash_pairs_match_closed_form():
    n, m = 3000, 300
    keys = torch.arange(n)
    pairs = [T.count_indistinguishable_pairs(T.HashEmbedding(m, 1, 2, seed=2 * s).rows(keys)) for s in range(50)]
    expected = n * (n - 1) / 2 * T.pair_collision_prob(m, 2)
    assert abs(np.mean(pairs) - expected) < 4 * np.std(pairs) / np.sqrt(50) + 1


def test_count_helpers():
    assert T.count_colliding_keys(torch.tensor([0, 1, 1, 2, 2, 2])) == 5
    assert T.count_indistinguishable_pairs(torch.tensor([[0, 1], [1, 0], [0, 1], [2, 2]])) == 3


# ------------------------------------------------------------------ tables

def _injective_seed(V, m):
    for s in range(100):
        if T.count_colliding_keys(T.bucket(torch.arange(V), m, seed=s)) == 0:
            return s
    raise AssertionError("no injective seed found")


def test_equals_dense_without_collisions():
    """No collisions: a hashed table is a permutation of a dense one, in outputs and through training."""
    V, d, m = 200, 6, 1 << 16
    seed = _injective_seed(V, m)
    dense = nn.Embedding(V, d)
    hashed = T.HashEmbedding(m, d, seed=seed, generator=0)
    rows = T.bucket(torch.arange(V), m, seed=seed)
    with torch.no_grad():
        hashed.weight[rows] = dense.weight
    ids = torch.randint(0, V, (64, 5), generator=torch.Generator().manual_seed(1))
    assert torch.equal(hashed(ids), dense(ids))
    target = torch.randn(64, 5, d, generator=torch.Generator().manual_seed(2))
    opt_d, opt_h = torch.optim.Adam(dense.parameters(), 0.1), torch.optim.Adam(hashed.parameters(), 0.1)
    for _ in range(5):
        for mod, opt in ((dense, opt_d), (hashed, opt_h)):
            opt.zero_grad()
            ((mod(ids) - target) ** 2).mean().backward()
            opt.step()
    torch.testing.assert_close(hashed.weight[rows], dense.weight, rtol=0, atol=1e-6)
    untouched = torch.ones(m, dtype=torch.bool)
    untouched[rows] = False
    assert torch.equal(hashed.weight[untouched], T.HashEmbedding(m, d, seed=seed, generator=0).weight[untouched])


def test_multihash_is_sum_of_rows_and_init_variance():
    emb = T.HashEmbedding(10000, 4, num_hashes=3, seed=5, generator=0, init_std=1.0)
    ids = torch.arange(50)
    r = emb.rows(ids)
    assert r.shape == (50, 3)
    torch.testing.assert_close(emb(ids), emb.weight[r].sum(1))
    v = emb(torch.arange(5000)).var().item()
    assert 0.85 < v < 1.15                      # k rows of variance 1/k sum to variance 1


def test_multiplexed_features_use_different_hashes():
    emb = T.HashEmbedding(1000, 4, num_features=3, seed=0, generator=0)
    ids = torch.arange(100)
    assert not torch.equal(emb.rows(ids, 0), emb.rows(ids, 1))
    torch.testing.assert_close(emb.rows(ids, 2)[:, 0], T.bucket(ids, 1000, seed=2))


def test_feature_tables_kinds_and_budget():
    vocab = {"user": 1000, "item": 3000, "category": 30}
    traffic = {"user": 1, "item": 11, "category": 11}
    dense = T.FeatureTables(vocab, 8, "dense", generator=0)
    assert dense.num_rows == 4030
    for kind in ("hashed", "multihash", "multiplexed"):
        t = T.FeatureTables(vocab, 8, kind, 400, traffic=traffic, generator=0)
        assert t.num_rows <= 400
        assert t("item", torch.arange(7)).shape == (7, 8)
    t = T.FeatureTables(vocab, 8, "hashed", 400, traffic=traffic, generator=0)
    assert t.split["category"] == 30 and isinstance(t.tables["category"], T._Dense)
    assert T.parameter_bytes(t) == t.num_rows * 8 * 4


def test_allocate_rows_is_optimal():
    V, q, M = [1000, 3000, 30], [1, 11, 11], 400
    best = T.allocate_rows(V, q, M)
    assert sum(best) <= M and all(1 <= b <= v for b, v in zip(best, V))

    def cost(m):
        return sum(0 if mi >= v else t * (v - 1) / mi for mi, v, t in zip(m, V, q))
    # brute force over the first two features (the third is capped at its vocabulary)
    brute = min(cost([a, M - 30 - a, 30]) for a in range(1, M - 30))
    brute = min(brute, min(cost([a, b, M - a - b]) for a in range(1, 200) for b in range(150, M - a - 1)))
    assert cost(best) <= brute + 1e-9
    assert best[2] == 30


# ------------------------------------------------------------------ memory

def test_memory_accounting():
    emb = nn.Embedding(1000, 16)
    nbytes = 1000 * 16 * 4
    assert T.parameter_bytes(emb) == nbytes
    for opt_cls, factor in [(torch.optim.Adam, 2), (torch.optim.Adagrad, 1), (torch.optim.SGD, 0)]:
        opt = opt_cls(emb.parameters(), lr=0.1)
        emb.weight.grad = None
        emb(torch.tensor([1, 2, 3])).sum().backward()
        opt.step()
        assert T.optimizer_state_bytes(opt) == factor * nbytes
    sparse = nn.Embedding(1000, 16, sparse=True)
    sparse(torch.tensor([1, 2, 2, 3])).sum().backward()
    assert T.gradient_bytes(sparse) == 3 * 16 * 4 + 3 * 8          # coalesced values + int64 indices


# ------------------------------------------------------------------ lookups and AUC

def test_bag_sum_matches_embedding_bag():
    g = torch.Generator().manual_seed(0)
    W = torch.randn(500, 8, generator=g)
    lengths = torch.randint(0, 6, (40,), generator=g)
    ids = torch.randint(0, 500, (int(lengths.sum()),), generator=g)
    offsets = torch.cat([torch.zeros(1, dtype=torch.long), lengths.cumsum(0)[:-1]])
    ref = nn.functional.embedding_bag(ids, W, offsets, mode="sum")
    torch.testing.assert_close(T.bag_sum(W, ids, offsets), ref)


def test_roc_auc_matches_sklearn():
    require_oracle("sklearn")
    from sklearn.metrics import roc_auc_score
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 1000)
    for s in (rng.standard_normal(1000) + y, np.round(rng.standard_normal(1000) + y, 1), np.zeros(1000)):
        assert math.isclose(T.roc_auc(s, y), roc_auc_score(y, s), abs_tol=1e-12)


# ------------------------------------------------------------------ data and model

def test_synthetic_clicks_reproducible_and_consistent():
    a = T.synthetic_clicks(2000, n_users=100, n_items=500, n_categories=10, generator=3)
    b = T.synthetic_clicks(2000, n_users=100, n_items=500, n_categories=10, generator=3)
    assert torch.equal(a.label, b.label) and torch.equal(a.hist_item, b.hist_item)
    assert a.hist_item.shape == (2000, 10) and int(a.hist_item.max()) < 500 and int(a.user.max()) < 100
    assert float(a.prob.min()) > 0 and float(a.prob.max()) < 1
    # the label is a Bernoulli draw of prob: mean agreement within 4 standard errors
    assert abs(float(a.label.mean() - a.prob.mean())) < 4 * 0.5 / math.sqrt(2000)
    # the category of an item is a function of the item
    pairs = torch.unique(torch.stack([a.hist_item.flatten(), a.hist_cat.flatten()], 1), dim=0)
    assert pairs.shape[0] == torch.unique(a.hist_item).numel()
    tr, te = a.split(1500)
    assert len(tr) == 1500 and len(te) == 500


def test_din_learns_and_beats_chance():
    d = T.synthetic_clicks(6000, n_users=200, n_items=500, n_categories=10, generator=0)
    tr, te = d.split(5000)
    m = T.DIN(T.FeatureTables(d.vocab, 8, "multiplexed", 300, generator=0), 8, generator=0)

    def loss(model, *b):
        return nn.functional.binary_cross_entropy_with_logits(model(*b[:-1]), b[-1])
    training.fit(m, loss, tr.tensors(), epochs=3, batch_size=500, lr=1e-2, generator=0, progress=False)
    with torch.no_grad():
        s = m(*te.tensors()[:-1])
    assert T.roc_auc(s, te.label) > 0.6


def test_device(device):
    ids = torch.arange(300, device=device)
    emb = T.HashEmbedding(64, 4, num_hashes=2, generator=0).to(device)
    out = emb(ids)
    assert out.device.type == device.type
    torch.testing.assert_close(T.murmur3_32(ids, 7).cpu(), T.murmur3_32(ids.cpu(), 7))
    tab = T.FeatureTables({"user": 10, "item": 50, "category": 5}, 4, "hashed", 30, generator=0).to(device)
    m = T.DIN(tab, 4, generator=0).to(device)
    B, L = 6, 3
    x = [torch.zeros(B, dtype=torch.long, device=device), torch.ones(B, L, dtype=torch.long, device=device),
         torch.ones(B, L, dtype=torch.long, device=device), torch.zeros(B, dtype=torch.long, device=device),
         torch.zeros(B, dtype=torch.long, device=device)]
    assert m(*x).shape == (B,)


# ------------------------------------------------------------------ bad input

def test_bad_input_names_the_argument():
    with pytest.raises(TypeError, match="ids"):
        T.murmur3_32(torch.tensor([1.5]))
    with pytest.raises(ValueError, match="ids"):
        T.murmur3_32(torch.tensor([2**40]))
    with pytest.raises(ValueError, match="seed"):
        T.murmur3_32(torch.tensor([1]), seed=-1)
    with pytest.raises(ValueError, match="num_buckets"):
        T.bucket([1, 2], 0)
    with pytest.raises(ValueError, match="m"):
        T.expected_colliding_keys(5, 0)
    with pytest.raises(ValueError, match="num_hashes"):
        T.pair_collision_prob(10, 3)
    with pytest.raises(ValueError, match="kind"):
        T.FeatureTables({"a": 3}, 2, "bloom", 3)
    with pytest.raises(TypeError, match="rows"):
        T.FeatureTables({"a": 3}, 2, "hashed")
    with pytest.raises(TypeError, match="vocab"):
        T.FeatureTables([3], 2)
    with pytest.raises(ValueError, match="traffic"):
        T.allocate_rows([3, 4], [1], 5)
    with pytest.raises(ValueError, match="labels"):
        T.roc_auc([0.1, 0.2], [1, 1])
    with pytest.raises(ValueError, match="labels"):
        T.roc_auc([0.1, 0.2], [0, 2])
    with pytest.raises(ValueError, match="offsets"):
        T.bag_sum(torch.zeros(3, 2), torch.tensor([0, 1]), torch.tensor([1]))
    with pytest.raises(ValueError, match="ids"):
        T.bag_sum(torch.zeros(3, 2), torch.tensor([0, 5]), torch.tensor([0]))
    with pytest.raises(ValueError, match="feature"):
        T.HashEmbedding(10, 2)(torch.tensor([1]), feature=1)
    with pytest.raises(TypeError, match="optimizer"):
        T.optimizer_state_bytes("adam")
    with pytest.raises(ValueError, match="n_categories"):
        T.synthetic_clicks(10, n_items=5, n_categories=6)
