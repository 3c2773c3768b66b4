"""Tests of lowdim_utils.matryoshka (lesson 16): search against brute force and faiss, the nested
loss, the cascade, sparse codes, bad input."""
import numpy as np
import pytest
import torch
from conftest import require_oracle

from lowdim_utils import matryoshka as mr
from lowdim_utils import training


def embeddings(seed=0, n=400, q=50, d=32, dtype=torch.float64):
    """Points whose coordinate variances decay like a Matryoshka embedding's (prefixes carry most)."""
    g = torch.Generator().manual_seed(seed)
    scale = 0.85 ** torch.arange(d, dtype=dtype)
    X = torch.randn(n, d, generator=g, dtype=dtype) * scale
    Q = torch.randn(q, d, generator=g, dtype=dtype) * scale
    return Q, X


def brute_force_np(Q, X, k):
    d2 = ((Q[:, None, :] - X[None, :, :]) ** 2).sum(2)
    idx = np.argsort(d2, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(d2, idx, 1), idx


# ------------------------------------------------------------------ search

def test_exact_search_matches_numpy_brute_force():
    Q, X = embeddings()
    d2, idx = mr.exact_search(Q, X, 7, chunk_size=13)
    ref_d, ref_i = brute_force_np(Q.numpy(), X.numpy(), 7)
    np.testing.assert_allclose(d2.numpy(), ref_d, rtol=1e-9, atol=1e-9)
    assert np.array_equal(idx.numpy(), ref_i)


def test_exact_search_matches_faiss():
    faiss = require_oracle("faiss")
    Q, X = embeddings(1, dtype=torch.float32)
    index = faiss.IndexFlatL2(X.shape[1])
    index.add(X.numpy())
    ref_d, ref_i = index.search(Q.numpy(), 5)
    d2, idx = mr.exact_search(Q, X, 5)
    np.testing.assert_allclose(d2.numpy(), ref_d, rtol=1e-4, atol=1e-4)
    assert (idx.numpy() == ref_i).mean() > 0.99        # float32 near-ties may swap


def test_full_shortlist_is_exact_and_recall_equals_coverage():
    """L = n gives the exact answer; for any L, recall@k = |true top-k ∩ shortlist| / k (Prop. in lesson 16)."""
    Q, X = embeddings(2)
    _, truth = mr.exact_search(Q, X, 10)
    _, full = mr.adaptive_search(Q, X, 10, shortlist_dims=4, shortlist_size=X.shape[0])
    assert torch.equal(full, truth)
    for L in (10, 30, 100):
        _, found = mr.adaptive_search(Q, X, 10, shortlist_dims=4, shortlist_size=L)
        _, cand = mr.exact_search(Q[:, :4], X[:, :4], L)
        cover = mr.recall_at_k(cand, truth)
        assert mr.recall_at_k(found, truth) == pytest.approx(cover)


def test_recall_grows_with_shortlist_and_prefix():
    Q, X = embeddings(3)
    _, truth = mr.exact_search(Q, X, 10)
    rec = [mr.recall_at_k(mr.adaptive_search(Q, X, 10, shortlist_dims=m, shortlist_size=L)[1], truth)
           for m, L in [(2, 20), (2, 80), (8, 80), (32, 80)]]
    assert rec[0] <= rec[1] <= rec[2] <= rec[3] == 1.0
    assert rec[0] < 0.9          # a too-short prefix and shortlist must miss neighbours


def test_adaptive_search_returns_full_distances_sorted():
    Q, X = embeddings(4)
    d2, idx = mr.adaptive_search(Q, X, 5, shortlist_dims=8, shortlist_size=40)
    direct = ((Q[:, None, :] - X[idx]) ** 2).sum(2)
    torch.testing.assert_close(d2, direct)
    assert bool((d2[:, 1:] >= d2[:, :-1]).all())


def test_search_cost():
    assert mr.search_cost(10000, 128, 8, 200) == pytest.approx((10000 * 8 + 200 * 128) / (10000 * 128))
    assert mr.search_cost(100, 10, 10, 100) > 1        # a full shortlist costs more than exact search


def test_recall_at_k():
    truth = torch.tensor([[0, 1], [2, 3]])
    assert mr.recall_at_k(torch.tensor([[1, 0], [2, 9]]), truth) == 0.75
    with pytest.raises(TypeError, match="integer"):
        mr.recall_at_k(truth.double(), truth)


def test_knn_accuracy_on_separated_classes():
    g = torch.Generator().manual_seed(0)
    ytr = torch.arange(60) % 3
    Xtr = 10 * torch.nn.functional.one_hot(ytr, 3).double() + torch.randn(60, 3, generator=g, dtype=torch.float64)
    yte = torch.arange(30) % 3
    Xte = 10 * torch.nn.functional.one_hot(yte, 3).double() + torch.randn(30, 3, generator=g, dtype=torch.float64)
    assert mr.knn_accuracy(Xtr, ytr, Xte, yte) == 1.0
    assert mr.knn_accuracy(Xtr, ytr, Xte, (yte + 1) % 3, k=3) == 0.0


# ------------------------------------------------------------------ model, loss, cascade

def test_default_nesting():
    assert mr.default_nesting(128) == (2, 4, 8, 16, 32, 64, 128)
    assert mr.default_nesting(48, smallest=8) == (8, 16, 32, 48)


def test_matryoshka_loss_is_the_sum_of_the_heads_cross_entropies():
    model = mr.MatryoshkaClassifier(6, 8, 3, nesting=(2, 4, 8), hidden=(5,), generator=0)
    g = torch.Generator().manual_seed(1)
    X, y = torch.randn(20, 6, generator=g), torch.randint(0, 3, (20,), generator=g)
    out = mr.matryoshka_loss(model, X, y)
    z = model(X)
    ce = [torch.nn.functional.cross_entropy(h(z[:, :m]), y) for m, h in zip((2, 4, 8), model.heads)]
    torch.testing.assert_close(out["loss"], sum(ce))
    torch.testing.assert_close(out["ce_4"], ce[1])
    w = mr.matryoshka_loss(model, X, y, weights=[0.0, 0.0, 1.0])["loss"]
    torch.testing.assert_close(w, ce[2])


def test_same_generator_same_model():
    a = mr.MatryoshkaClassifier(5, 4, 2, generator=3)
    b = mr.MatryoshkaClassifier(5, 4, 2, generator=3)
    for p, q in zip(a.parameters(), b.parameters()):
        assert torch.equal(p, q)


def test_training_makes_every_prefix_useful(device):
    g = torch.Generator().manual_seed(0)
    y = torch.randint(0, 4, (400,), generator=g)
    X = torch.nn.functional.one_hot(y, 4).float() @ torch.randn(4, 10, generator=g) \
        + 0.3 * torch.randn(400, 10, generator=g)
    X, y = X.to(device), y.to(device)
    model = mr.MatryoshkaClassifier(10, 8, 4, nesting=(2, 4, 8), hidden=(16,), generator=0).to(device)
    training.fit(model, mr.matryoshka_loss, (X, y), epochs=60, batch_size=100, lr=1e-2, generator=0,
                 progress=False)
    acc = mr.prefix_accuracy(model, X, y)
    assert acc.shape == (3,) and bool((acc > 0.9).all())
    d2, idx = mr.adaptive_search(X[:20], X, 3, shortlist_dims=2, shortlist_size=50)
    assert d2.device.type == device.type and idx.device.type == device.type


def test_adaptive_classify():
    confident = torch.tensor([[5.0, 0.0], [0.0, 0.1]])     # sample 0 sure at stage 1, sample 1 not
    later = torch.tensor([[0.0, 5.0], [0.0, 5.0]])
    pred, dims = mr.adaptive_classify([confident, later], (2, 8), threshold=0.9)
    assert pred.tolist() == [0, 1] and dims.tolist() == [2, 8]
    pred, dims = mr.adaptive_classify([confident, later], (2, 8), threshold=0.0)
    assert dims.tolist() == [2, 2]
    pred, dims = mr.adaptive_classify([confident, later], (2, 8), threshold=1.0)
    assert dims.tolist() == [8, 8]


# ------------------------------------------------------------------ sparse codes

def test_top_k_sparsify():
    Z = torch.tensor([[1.0, -3.0, 2.0], [0.5, 0.1, -0.25]])
    assert mr.top_k_sparsify(Z, 2).tolist() == [[0.0, -3.0, 2.0], [0.5, 0.0, -0.25]]


def test_sparse_embedding_recovers_exactly_sparse_codes():
    g = torch.Generator().manual_seed(0)
    D = torch.randn(30, 60, generator=g, dtype=torch.float64)
    D = D / D.norm(dim=0)
    Z = torch.zeros(25, 60, dtype=torch.float64)
    for i in range(25):
        Z[i, torch.randperm(60, generator=g)[:3]] = 1 + torch.rand(3, generator=g, dtype=torch.float64)
    E = Z @ D.T
    S = mr.sparse_embedding(E, D, 3, lam=0.01, n_iter=500)
    assert int((S != 0).sum(1).max()) <= 3
    torch.testing.assert_close(S @ D.T, E, atol=1e-6, rtol=0)


# ------------------------------------------------------------------ bad input

def test_bad_input_names_the_argument():
    Q, X = embeddings()
    with pytest.raises(ValueError, match="database"):
        mr.exact_search(Q, X[:, :5], 3)
    with pytest.raises(ValueError, match="k"):
        mr.exact_search(Q, X, 0)
    with pytest.raises(ValueError, match="shortlist_size"):
        mr.adaptive_search(Q, X, 10, shortlist_dims=4, shortlist_size=5)
    with pytest.raises(ValueError, match="shortlist_dims"):
        mr.adaptive_search(Q, X, 10, shortlist_dims=99, shortlist_size=50)
    with pytest.raises(ValueError, match="queries"):
        mr.exact_search(Q[0], X, 3)
    with pytest.raises(ValueError, match="queries"):
        mr.exact_search(Q * float("nan"), X, 3)
    with pytest.raises(ValueError, match="nesting"):
        mr.MatryoshkaClassifier(5, 8, 3, nesting=(4, 2, 8))
    with pytest.raises(ValueError, match="nesting"):
        mr.MatryoshkaClassifier(5, 8, 3, nesting=(2, 4))
    with pytest.raises(ValueError, match="threshold"):
        mr.adaptive_classify([torch.zeros(2, 2)], (2,), threshold=1.5)
    with pytest.raises(ValueError, match="dictionary"):
        mr.sparse_embedding(torch.zeros(3, 4), torch.zeros(5, 6), 2, lam=0.1)
    with pytest.raises(TypeError, match="model"):
        mr.matryoshka_loss(torch.nn.Linear(2, 2), torch.zeros(1, 2), torch.zeros(1, dtype=torch.long))
