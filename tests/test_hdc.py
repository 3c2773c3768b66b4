"""Tests of lowdim_utils.hdc (lesson 13): torchhd as the oracle for MAP and HRR, the algebra of the
three architectures (inverse, distributivity, similarity preservation), capacity against the
closed form, records, letter n-gram encodings, devices and bad input."""
import math

import numpy as np
import pytest
import torch

from conftest import require_oracle
from lowdim_utils import hdc

torch.set_num_threads(1)  # small problems: threads only add overhead


def _pair(model, n=6, d=512, dtype=torch.float32):
    return hdc.random_hv(n, d, model, generator=1, dtype=dtype), hdc.random_hv(n, d, model, generator=2, dtype=dtype)


# ----------------------------------------------------------------------------- oracle: torchhd

@pytest.mark.parametrize("model,cls", [("map", "MAPTensor"), ("hrr", "HRRTensor")])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_torchhd_bind_bundle_similarity_equal(model, cls, dtype):
    torchhd = require_oracle("torchhd")
    a, b = _pair(model, dtype=dtype)
    A, B = a.as_subclass(getattr(torchhd, cls)), b.as_subclass(getattr(torchhd, cls))
    tol = 1e-6 if dtype == torch.float32 else 1e-13
    plain = lambda t: t.as_subclass(torch.Tensor)  # noqa: E731
    assert torch.allclose(plain(torchhd.bind(A, B)), hdc.bind(a, b, model), atol=tol * (1 if model == "hrr" else 0))
    assert torch.equal(plain(torchhd.multiset(A)), hdc.bundle(a))
    assert torch.equal(plain(torchhd.bundle(A, B)), hdc.bundle(torch.stack([a, b], -2)))
    cos = A.cosine_similarity(B, dtype=dtype) if model == "map" else torchhd.cosine_similarity(A, B)
    assert torch.allclose(plain(cos), hdc.similarity(a, b), atol=tol)
    assert torch.equal(plain(torchhd.permute(A, shifts=3)), hdc.permute(a, 3))
    assert torch.allclose(plain(torchhd.inverse(A)), hdc.inverse(a, model), atol=tol)
    assert torch.equal(plain(torchhd.normalize(torchhd.multiset(A))), hdc.normalize(hdc.bundle(a), model)) \
        if model == "map" else True


def test_torchhd_ngram_matches_course_ngram():
    torchhd = require_oracle("torchhd")
    items = hdc.random_hv(6, 256, "map", generator=0)
    seq = torch.tensor([1, 2, 3, 1, 2, 4, 5, 0])
    ours = hdc.ngram_encode(seq, items, 3)
    theirs = torchhd.ngrams(items[seq].as_subclass(torchhd.MAPTensor), n=3)
    assert torch.equal(theirs.as_subclass(torch.Tensor), ours)


# ----------------------------------------------------------------------------- algebra

def test_map_algebra_exact():
    a, b = _pair("map")
    c = hdc.random_hv(6, 512, "map", generator=3)
    assert torch.equal(hdc.bind(a, a), torch.ones_like(a))                       # self-inverse
    assert torch.equal(hdc.unbind(a, hdc.bind(a, b)), b)
    assert torch.equal(hdc.bind(a, b), hdc.bind(b, a))                           # commutative
    assert torch.equal(hdc.bind(hdc.bind(a, b), c), hdc.bind(a, hdc.bind(b, c)))  # associative
    assert torch.equal(hdc.bind(a, b + c), hdc.bind(a, b) + hdc.bind(a, c))      # distributes over bundling
    assert torch.allclose(torch.diagonal(hdc.similarity(hdc.bind(a, b), hdc.bind(a, c))),
                          torch.diagonal(hdc.similarity(b, c)), atol=1e-6)   # similarity preserved
    assert torch.equal(hdc.permute(hdc.bind(a, b)), hdc.bind(hdc.permute(a), hdc.permute(b)))
    assert torch.equal(hdc.permute(hdc.permute(a, 5), -5), a)


def test_hrr_algebra():
    a, b = _pair("hrr", d=1024, dtype=torch.float64)
    c = hdc.random_hv(6, 1024, "hrr", generator=3, dtype=torch.float64)
    assert torch.allclose(hdc.bind(a, b, "hrr"), hdc.bind(b, a, "hrr"), atol=1e-14)
    assert torch.allclose(hdc.bind(hdc.bind(a, b, "hrr"), c, "hrr"), hdc.bind(a, hdc.bind(b, c, "hrr"), "hrr"), atol=1e-13)
    assert torch.allclose(hdc.bind(a, b + c, "hrr"), hdc.bind(a, b, "hrr") + hdc.bind(a, c, "hrr"), atol=1e-14)
    # the exact inverse recovers b to rounding; the involution only approximately (cosine ~ 1/sqrt(2))
    assert torch.allclose(hdc.unbind(a, hdc.bind(a, b, "hrr"), "hrr", exact=True), b, atol=1e-8)
    cos = torch.diagonal(hdc.similarity(hdc.unbind(a, hdc.bind(a, b, "hrr"), "hrr"), b))
    assert 0.55 < float(cos.mean()) < 0.85
    # the involution is the transpose of the circulant matrix: <a ⊛ x, y> = <x, a† ⊛ y>
    x, y = b, c
    lhs = (hdc.bind(a, x, "hrr") * y).sum(-1)
    rhs = (x * hdc.bind(hdc.inverse(a, "hrr"), y, "hrr")).sum(-1)
    assert torch.allclose(lhs, rhs, atol=1e-14)


def test_hrr_bind_equals_naive_circular_convolution():
    a, b = _pair("hrr", n=2, d=37, dtype=torch.float64)
    d = a.shape[-1]
    naive = torch.stack([sum(a[:, j] * b[:, (i - j) % d] for j in range(d)) for i in range(d)], -1)
    assert torch.allclose(hdc.bind(a, b, "hrr"), naive, atol=1e-14)


def test_mbat_algebra_exact():
    M = hdc.random_orthogonal(4, 64, generator=0, dtype=torch.float64)
    assert torch.allclose(M @ M.transpose(-1, -2), torch.eye(64, dtype=torch.float64).expand(4, 64, 64), atol=1e-12)
    x, y = _pair("mbat", n=4, d=64, dtype=torch.float64)
    assert torch.allclose(hdc.unbind(M, hdc.bind(M, x, "mbat"), "mbat"), x, atol=1e-12)
    assert torch.allclose(hdc.bind(M, x + y, "mbat"), hdc.bind(M, x, "mbat") + hdc.bind(M, y, "mbat"), atol=1e-12)
    assert torch.allclose(torch.diagonal(hdc.similarity(hdc.bind(M, x, "mbat"), hdc.bind(M, y, "mbat"))),
                          torch.diagonal(hdc.similarity(x, y)), atol=1e-12)
    # not commutative: M1 M2 x != M2 M1 x
    assert not torch.allclose(hdc.bind(M[0], hdc.bind(M[1], x[0], "mbat"), "mbat"),
                              hdc.bind(M[1], hdc.bind(M[0], x[0], "mbat"), "mbat"), atol=1e-3)
    # a permutation is an orthogonal matrix: rho is MBAT binding with a permutation matrix
    P = torch.roll(torch.eye(64, dtype=torch.float64), 1, dims=0)
    assert torch.equal(hdc.bind(P, x, "mbat"), hdc.permute(x))


def test_random_orthogonal_is_haar_like():
    M = hdc.random_orthogonal(2000, 3, generator=0, dtype=torch.float64)
    # under Haar measure each entry has mean 0 and variance 1/d, and det is ±1 with equal odds
    assert abs(float(M[:, 0, 0].mean())) < 0.05
    assert abs(float((M[:, 0, 0] ** 2).mean()) - 1 / 3) < 0.03
    det = torch.linalg.det(M)
    assert torch.allclose(det.abs(), torch.ones_like(det), atol=1e-12)
    assert 0.4 < float((det > 0).double().mean()) < 0.6


def test_random_vectors_near_orthogonal_and_seeded():
    for model in hdc.MODELS:
        X = hdc.random_hv(200, 4096, model, generator=0)
        S = hdc.similarity(X, X) - torch.eye(200)
        assert float(S.abs().max()) < 6 / math.sqrt(4096)
        assert torch.equal(X, hdc.random_hv(200, 4096, model, generator=0))
    assert set(hdc.random_hv(3, 100, "map", generator=0).unique().tolist()) == {-1.0, 1.0}


# ----------------------------------------------------------------------------- records and capacity

@pytest.mark.parametrize("model", hdc.MODELS)
def test_record_query_recovers_fields(model):
    d, k, m = 2048, 5, 50
    codebook = hdc.random_hv(m, d, model, generator=0)
    roles = hdc.random_orthogonal(k, d, generator=1) if model == "mbat" else hdc.random_hv(k, d, model, generator=1)
    values = torch.tensor([3, 17, 3, 42, 0])
    rec = hdc.encode_record(roles, codebook[values], model)
    for j in range(k):
        idx, sim = hdc.query_record(rec, roles[j], codebook, model)
        assert int(idx) == int(values[j])
        assert 0.2 < float(sim) < 0.8      # ~ 1/sqrt(k): the crosstalk of the other fields


def test_predicted_accuracy_matches_simulation():
    d, m, trials = 256, 32, 4000
    g = torch.Generator().manual_seed(0)
    for n in (8, 24):
        # the model of Eq. (7): the right item's score d + N(0,(n-1)d), m-1 wrong ones N(0,nd)
        right = d + math.sqrt((n - 1) * d) * torch.randn(trials, generator=g, dtype=torch.float64)
        wrong = math.sqrt(n * d) * torch.randn(trials, m - 1, generator=g, dtype=torch.float64)
        sim = float((right > wrong.max(1).values).double().mean())
        assert abs(sim - hdc.predicted_accuracy(n, d, m)) < 0.03
    assert abs(hdc.predicted_accuracy(1, 64, 1000) - 1.0) < 1e-9
    assert hdc.predicted_accuracy(50, 1000, 2) > hdc.predicted_accuracy(50, 1000, 100)   # more distractors: worse
    assert hdc.predicted_accuracy(50, 4000, 100) > hdc.predicted_accuracy(50, 1000, 100)  # more dimensions: better


def test_predicted_accuracy_against_measured_map_bundles():
    d, m, n, reps = 512, 64, 40, 25
    codebook = hdc.random_hv(m, d, "map", generator=0)
    g = torch.Generator().manual_seed(1)
    keys = hdc.random_hv(reps * n, d, "map", generator=2).reshape(reps, n, d)
    vals = torch.randint(0, m, (reps, n), generator=g)
    rec = hdc.encode_record(keys, codebook[vals])
    idx, _ = hdc.cleanup(hdc.unbind(keys, rec.unsqueeze(1)), codebook)
    acc = float((idx == vals).double().mean())
    assert abs(acc - hdc.predicted_accuracy(n, d, m)) < 0.05


# ----------------------------------------------------------------------------- n-grams

def test_ngram_counts_and_shared_vocabulary():
    tr = hdc.ngram_counts(["abc", "ab"], 3)
    assert tr.gram_strings() == [" ab", "abc", "bc ", "ab "]
    assert tr.counts.to_dense().tolist() == [[1, 1, 1, 0], [1, 0, 0, 1]]
    te = hdc.ngram_counts(["ba"], 3, vocabulary=tr)
    assert te.gram_strings()[:4] == tr.gram_strings() and te.counts.shape == (1, 6)
    with pytest.raises(ValueError, match="texts"):
        hdc.ngram_counts(["xyz"], 3, vocabulary=tr)


@pytest.mark.parametrize("model", ["map", "hrr"])
def test_profiles_scores_and_streaming_encoding_agree(model):
    items = hdc.random_hv(6, 300, model, generator=0, dtype=torch.float64)
    nc = hdc.ngram_counts(["abcab de", "eeddcc", "a"], 3, alphabet=" abcde")
    P = hdc.profiles(nc.counts, nc.grams, items, model, chunk=4)
    Pd = hdc.profiles(nc.counts.to_dense(), nc.grams, items, model, chunk=1000)
    assert torch.allclose(P, Pd, atol=1e-12)
    sym = {c: i for i, c in enumerate(nc.alphabet)}
    for t, text in enumerate(["abcab de", "eeddcc", "a"]):
        seq = torch.tensor([sym[c] for c in f" {text} "])
        assert torch.allclose(hdc.ngram_encode(seq, items, 3, model), P[t], atol=1e-12)
    S = hdc.ngram_scores(nc.counts, nc.grams, items, P[:2], model, chunk=3)
    assert torch.allclose(S, P @ P[:2].T, atol=1e-10)


def test_map_ngram_profile_is_a_random_projection_of_counts():
    # Eq. (10)-(11): <profile_x, profile_y> / d estimates <counts_x, counts_y> without bias
    nc = hdc.ngram_counts(["the cat sat on the mat", "la chatte est sur le tapis"], 3)
    C = nc.counts.to_dense().double()
    exact = float(C[0] @ C[1])
    est = []
    for seed in range(40):
        items = hdc.random_hv(len(nc.alphabet), 1024, "map", generator=seed, dtype=torch.float64)
        P = hdc.profiles(nc.counts, nc.grams, items)
        est.append(float(P[0] @ P[1]) / 1024)
    se = np.std(est) / math.sqrt(len(est))
    assert abs(np.mean(est) - exact) < 4 * se + 1e-9


# ----------------------------------------------------------------------------- devices and dtypes

def test_device(device):
    a = hdc.random_hv(4, 128, "hrr", generator=0, device=device)
    b = hdc.random_hv(4, 128, "hrr", generator=1, device=device)
    c = hdc.bind(a, b, "hrr")
    assert c.device.type == device.type
    back = hdc.unbind(a, c, "hrr", exact=True)
    assert torch.allclose(back.cpu(), b.cpu(), atol=1e-4)
    M = hdc.random_orthogonal(2, 16, generator=0, device=device)
    assert hdc.bind(M, a[:2, :16], "mbat").device.type == device.type
    items = hdc.random_hv(5, 64, "map", generator=0, device=device)
    nc = hdc.ngram_counts(["abcd"], 3, alphabet=" abcd")
    assert hdc.profiles(nc.counts, nc.grams, items).device.type == device.type
    idx, sim = hdc.cleanup(a, a)
    assert idx.tolist() == [0, 1, 2, 3]


def test_half_precision_computed_in_float32():
    a, b = _pair("hrr", d=64)
    out = hdc.bind(a.half(), b.half(), "hrr")
    assert out.dtype == torch.float32
    assert torch.allclose(out, hdc.bind(a.half().float(), b.half().float(), "hrr"), atol=1e-6)
    assert hdc.similarity(a.half(), b.half()).dtype == torch.float32


# ----------------------------------------------------------------------------- bad input

def test_bad_input_names_the_argument():
    a, b = _pair("map", d=16)
    with pytest.raises(ValueError, match="model"):
        hdc.bind(a, b, "fhrr")
    with pytest.raises(ValueError, match="a and b"):
        hdc.bind(a, b[:, :8])
    with pytest.raises(ValueError, match="a must be"):
        hdc.bind(a[:, :4].reshape(6, 2, 2), b, "mbat")
    with pytest.raises(ValueError, match="d"):
        hdc.random_hv(3, 0)
    with pytest.raises(TypeError, match="generator"):
        hdc.random_hv(3, 4, generator="seed")
    with pytest.raises(ValueError, match="x"):
        hdc.similarity([float("nan")] * 16, b)
    with pytest.raises(ValueError, match="codebook"):
        hdc.cleanup(a, a[0])
    with pytest.raises(ValueError, match="m"):
        hdc.predicted_accuracy(3, 10, 0)
    with pytest.raises(TypeError, match="texts"):
        hdc.ngram_counts("abc")
    with pytest.raises(TypeError, match="seq"):
        hdc.ngram_encode([0, 1, 2], a)
    with pytest.raises(ValueError, match="model"):
        hdc.ngram_hypervectors(torch.zeros(1, 3, dtype=torch.int64), a, "mbat")
    with pytest.raises(ValueError, match="grams"):
        hdc.ngram_hypervectors(torch.full((1, 3), 99, dtype=torch.int64), a)
    with pytest.raises(ValueError, match="counts"):
        hdc.profiles(torch.ones(2, 5), torch.zeros(4, 3, dtype=torch.int64), a)
