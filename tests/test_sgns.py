"""lowdim_utils.sgns (lesson 09) against its oracles — gensim's Word2Vec and KeyedVectors evaluation,
scipy's Spearman, dense NumPy computations — and the properties its derivation predicts."""
import math

import numpy as np
import pytest
import torch

from conftest import require_oracle
from lowdim_utils import sgns

SENTENCES = [["the", "cat", "sat", "on", "the", "mat"], ["the", "dog", "sat"], ["a", "cat", "and", "a", "dog"],
             ["the", "end"]]


def synthetic_pairs(seed=0, V=30, P=40000, rank=3):
    """(center, context) pairs from a low-rank-plus-Zipf joint distribution, and unigram counts."""
    rng = np.random.default_rng(seed)
    A, B = rng.standard_normal((V, rank)), rng.standard_normal((V, rank))
    logz = -np.log(np.arange(1, V + 1))
    logits = 0.7 * A @ B.T + logz[:, None] + logz[None, :]
    p = np.exp(logits - logits.max())
    flat = rng.choice(V * V, size=P, p=(p / p.sum()).ravel())
    pairs = torch.from_numpy(np.stack([flat // V, flat % V], 1))
    return pairs, torch.bincount(pairs.reshape(-1), minlength=V)


# ------------------------------------------------------------------ vocabulary and pairs
def test_vocab_counts_order_and_encoding():
    v = sgns.build_vocab(SENTENCES, min_count=2)
    assert v.words[0] == "the" and v.counts.tolist()[0] == 4
    assert set(v.words) == {"the", "cat", "sat", "dog", "a"} and "mat" not in v
    assert (v.counts[:-1] >= v.counts[1:]).all()
    st = v.encode(SENTENCES)
    assert len(st) == sum(w in v for s in SENTENCES for w in s)
    assert st.seq.tolist() == sorted(st.seq.tolist())
    assert v.lookup(["cat", "zebra"]).tolist() == [v.index["cat"], -1]
    assert len(sgns.build_vocab(SENTENCES, min_count=1, max_size=3)) == 3


def test_token_stream_from_walks():
    walks = torch.tensor([[0, 1, 2], [2, 1, 0]])
    st = sgns.token_stream(walks)
    assert st.ids.tolist() == [0, 1, 2, 2, 1, 0] and st.seq.tolist() == [0, 0, 0, 1, 1, 1]


def test_fixed_windows_count_every_pair_within_sentences():
    lengths, L = [7, 1, 4, 12], 3
    ids = torch.arange(sum(lengths))
    seq = torch.arange(len(lengths)).repeat_interleave(torch.tensor(lengths))
    p = sgns.window_pairs(sgns.TokenStream(ids, seq), L, dynamic=False)
    expected = sum(2 * sum(max(n - o, 0) for o in range(1, L + 1)) for n in lengths)
    assert p.shape == (expected, 2)
    assert (seq[p[:, 0]] == seq[p[:, 1]]).all(), "a pair crosses a sentence boundary"
    dist = (p[:, 0] - p[:, 1]).abs()
    assert int(dist.min()) == 1 and int(dist.max()) == L


def test_dynamic_window_uses_distance_o_with_probability_L_minus_o_plus_1_over_L():
    n, L = 100_000, 5
    p = sgns.window_pairs(sgns.TokenStream(torch.arange(n), torch.zeros(n, dtype=torch.long)), L, generator=0)
    freq = torch.bincount((p[:, 0] - p[:, 1]).abs(), minlength=L + 1)[1:].double() / (2 * n)
    theory = torch.tensor([(L - o + 1) / L for o in range(1, L + 1)], dtype=torch.float64)
    assert torch.allclose(freq, theory, atol=0.01)     # a fixed window would give all ones


def test_subsampling_keeps_the_expected_share():
    counts = torch.tensor([500_000, 50_000, 5_000, 500])
    keep = sgns.keep_probability(counts, 1e-3)
    assert keep[-1] == 1 and (keep[:-1] < 1).all() and (keep.diff() >= 0).all()
    ids = torch.repeat_interleave(torch.arange(4), counts)
    kept = sgns.subsample(sgns.TokenStream(ids, torch.zeros_like(ids)), keep, generator=0)
    share = torch.bincount(kept.ids, minlength=4).double() / counts
    assert torch.allclose(share, keep, atol=0.02)


def test_keep_probability_matches_gensim():
    gensim = require_oracle("gensim")
    from lowdim_utils.data import load
    sents = load("corpus", which="austen").sentences[:3000]
    m = gensim.models.Word2Vec(vector_size=10, min_count=5, sample=1e-3, workers=1)
    m.build_vocab(sents)
    v = sgns.build_vocab(sents, min_count=5)
    assert sorted(v.words) == sorted(m.wv.index_to_key)
    ref = torch.tensor([m.wv.get_vecattr(w, "sample_int") / 2**32 for w in v.words], dtype=torch.float64)
    assert torch.allclose(sgns.keep_probability(v.counts, 1e-3), ref, atol=1e-9)


# ------------------------------------------------------------------ negatives
def test_negative_distribution_is_the_three_quarter_power():
    p = sgns.negative_distribution(torch.tensor([16, 1, 0]))
    assert torch.allclose(p, torch.tensor([8.0, 1.0, 0.0], dtype=torch.float64) / 9)


def test_alias_sampler_draws_from_P_n_like_multinomial_and_searchsorted():
    counts = torch.tensor([1000, 300, 50, 7, 1, 1, 0, 20])
    s = sgns.NegativeSampler(counts)
    n = 400_000
    g = torch.Generator().manual_seed(0)
    alias = torch.bincount(s.sample(n, generator=g), minlength=8).double() / n
    multi = torch.bincount(torch.multinomial(s.probs, n, replacement=True, generator=g), minlength=8).double() / n
    cdf = torch.searchsorted(s.probs.cumsum(0), torch.rand(n, generator=g, dtype=torch.float64))
    search = torch.bincount(cdf.clamp(max=7), minlength=8).double() / n
    for freq in (alias, multi, search):
        assert (freq - s.probs).abs().max() < 4e-3
    assert alias[6] == 0, "a word of count 0 must never be drawn"
    assert s.sample((3, 4), generator=1).shape == (3, 4)


# ------------------------------------------------------------------ the model and its update
def test_init_is_word2vecs():
    m = sgns.SGNS(500, 400, 20, generator=0)
    assert m.center.shape == (500, 20) and m.context.shape == (400, 20)
    assert float(m.center.abs().max()) <= 0.5 / 20 and float(m.center.std()) > 0.2 / 20
    assert float(m.context.abs().max()) == 0


def test_sgns_step_is_an_sgd_step_on_the_summed_loss_by_autograd():
    g = torch.Generator().manual_seed(0)
    V, d, B, k = 7, 4, 50, 3                     # a tiny vocabulary: every row repeats within the batch
    m = sgns.SGNS(V, V, d, generator=0, dtype=torch.float64)
    m.context.data.normal_(0, 0.5, generator=g)
    c, x, negs = torch.randint(0, V, (B,), generator=g), torch.randint(0, V, (B,), generator=g), \
        torch.randint(0, V, (B, k), generator=g)
    W, C = m.center.detach().clone().requires_grad_(), m.context.detach().clone().requires_grad_()
    loss = m.loss(c, x, negs, center_table=W, context_table=C)
    loss.backward()
    before = sgns.sgns_step(m, c, x, negs, 0.05)
    assert math.isclose(before, float(loss.detach()), rel_tol=1e-12)
    assert torch.allclose(m.center, W.detach() - 0.05 * W.grad, atol=1e-13)
    assert torch.allclose(m.context, C.detach() - 0.05 * C.grad, atol=1e-13)


def test_training_reaches_the_shifted_pmi_at_full_rank():
    """Lesson 09, Eq. (7): with d >= V the dot products are free and approach PMI_{P_n} - log k."""
    pairs, counts = synthetic_pairs(0, V=30)
    sampler = sgns.NegativeSampler(counts)
    m = sgns.SGNS(30, 30, 30, generator=0)
    hist = sgns.train_sgns(m, pairs, sampler, negatives=5, epochs=25, generator=0, progress=False)
    assert hist["loss"][-1] < hist["loss"][0]
    fit = sgns.shifted_pmi_fit(m.center, m.context, sgns.cooccurrence(pairs, 30, 30), sampler.probs, 5, min_count=50)
    assert fit["pearson"] > 0.97 and 0.85 < fit["slope"] < 1.1 and abs(fit["mean_gap"]) < 0.25, fit


def test_auto_batch_size_keeps_tiny_vocabularies_stable():
    pairs, counts = synthetic_pairs(1, V=12, P=20000)
    sampler = sgns.NegativeSampler(counts)
    b = sgns.auto_batch_size(pairs, sampler, 5)
    assert 16 <= b < 100
    m = sgns.SGNS(12, 12, 8, generator=0)
    hist = sgns.train_sgns(m, pairs, sampler, epochs=3, generator=0, progress=False)
    assert hist["batch_size"] == b and all(math.isfinite(x) for x in hist["loss"])
    with pytest.raises(FloatingPointError, match="batch_size"):
        sgns.train_sgns(sgns.SGNS(12, 12, 8, generator=0), pairs, sampler, epochs=3, batch_size=8192, lr=1.0,
                        generator=0, progress=False)


def test_separate_center_and_context_vocabularies():
    """Lesson 10's (document, word) pairs: 5 documents, 40 words."""
    g = torch.Generator().manual_seed(0)
    pairs = torch.stack([torch.randint(0, 5, (5000,), generator=g), torch.randint(0, 40, (5000,), generator=g)], 1)
    m = sgns.SGNS(5, 40, 6, generator=0)
    sgns.train_sgns(m, pairs, sgns.NegativeSampler(torch.bincount(pairs[:, 1], minlength=40)), epochs=2,
                    generator=0, progress=False)
    assert m.center.shape == (5, 6) and float(m.context.abs().sum()) > 0
    with pytest.raises(ValueError, match="pairs must index 5 centers"):
        sgns.train_sgns(m, pairs.flip(1), sgns.NegativeSampler(torch.ones(40)), generator=0, progress=False)


def test_int_seed_reproducible_and_generator_advances():
    pairs, counts = synthetic_pairs(2, V=20, P=5000)
    s = sgns.NegativeSampler(counts)

    def run(gen):
        m = sgns.SGNS(20, 20, 4, generator=0)
        sgns.train_sgns(m, pairs, s, epochs=1, generator=gen, progress=False)
        return m.center.clone()
    assert torch.equal(run(3), run(3))
    g = torch.Generator().manual_seed(3)
    assert torch.equal(run(g), run(3)) and not torch.equal(run(g), run(3))


def test_runs_on_device(device):
    from lowdim_utils.data import load
    sents = load("corpus", which="austen").sentences[:800]
    v = sgns.build_vocab(sents, min_count=3)
    gen = torch.Generator(device).manual_seed(0)
    model, hist = sgns.word2vec(v.encode(sents, device=device), v.counts, dim=16, epochs=2, generator=gen,
                                progress=False)
    assert model.center.device.type == device.type and hist["loss"][1] < hist["loss"][0]
    assert sgns.NegativeSampler(v.counts, device=device).sample(10, generator=gen).device.type == device.type
    E = model.center
    assert sgns.whiten(E).device.type == device.type and 0 <= sgns.isoscore(E) <= 1


def test_course_and_gensim_learn_the_same_neighbourhoods():
    gensim = require_oracle("gensim")
    from lowdim_utils.data import load
    sents = load("corpus", which="austen").sentences[:4000]
    sents = [sents[i] for i in np.random.default_rng(0).permutation(len(sents))]
    v = sgns.build_vocab(sents, min_count=5)
    model, _ = sgns.word2vec(v.encode(sents), v.counts, dim=30, epochs=3, generator=0, progress=False)
    g = gensim.models.Word2Vec(sents, vector_size=30, min_count=5, sg=1, negative=5, workers=1, seed=0, epochs=3)
    top = 150                                             # the frequent words, whose vectors are well trained

    def cosines(E):
        E = torch.nn.functional.normalize(torch.as_tensor(E, dtype=torch.float64), dim=1)
        S = E @ E.T
        return S[torch.triu_indices(top, top, 1).unbind()]
    ours = cosines(model.center[:top])
    theirs = cosines(np.stack([g.wv[w] for w in v.words[:top]]))
    g2 = gensim.models.Word2Vec(sents, vector_size=30, min_count=5, sg=1, negative=5, workers=1, seed=1, epochs=3)
    theirs2 = cosines(np.stack([g2.wv[w] for w in v.words[:top]]))
    between, within = sgns.spearman(ours, theirs), sgns.spearman(theirs, theirs2)
    assert between > 0.7 and between > within - 0.1, (between, within)


# ------------------------------------------------------------------ counts, PMI, SVD
def dense_counts(pairs, V):
    M = np.zeros((V, V))
    np.add.at(M, (pairs[:, 0].numpy(), pairs[:, 1].numpy()), 1)
    return M


def test_pmi_and_ppmi_match_a_dense_computation():
    pairs, counts = synthetic_pairs(3, V=15, P=3000)
    M = dense_counts(pairs, 15)
    N = sgns.cooccurrence(pairs, 15, 15)
    assert np.array_equal(N.to_dense().numpy(), M)
    pn = sgns.negative_distribution(counts).numpy()
    with np.errstate(divide="ignore"):
        pmi = np.log(M) - np.log(M.sum(1, keepdims=True)) - np.log(pn)[None, :] - np.log(5)
    spmi = sgns.pmi_matrix(N, context_probs=torch.from_numpy(pn), shift=5, positive=False).to_dense().numpy()
    np.testing.assert_allclose(spmi[M > 0], pmi[M > 0], rtol=1e-12)
    with np.errstate(divide="ignore"):
        classic = np.log(M * M.sum() / (M.sum(1, keepdims=True) * M.sum(0, keepdims=True)))
    ppmi = sgns.pmi_matrix(N).to_dense().numpy()
    np.testing.assert_allclose(ppmi, np.where(M > 0, np.maximum(classic, 0), 0), atol=1e-12)


def test_ppmi_svd_is_the_truncated_svd():
    pairs, _ = synthetic_pairs(4, V=40, P=20000)
    ppmi = sgns.pmi_matrix(sgns.cooccurrence(pairs, 40, 40))
    E = sgns.ppmi_svd(ppmi, 5, n_iter=10, generator=0).double()
    U, S, _ = np.linalg.svd(ppmi.to_dense().numpy())
    ref = U[:, :5] * np.sqrt(S[:5])
    np.testing.assert_allclose(np.abs(E.numpy().T @ ref) .diagonal(), (ref ** 2).sum(0), rtol=1e-3)


def test_information_gain_matches_dense_kl():
    pairs, _ = synthetic_pairs(5, V=12, P=2000)
    M = dense_counts(pairs, 12)
    pc = M.sum(0) / M.sum()
    P = M / M.sum(1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        kl = np.nansum(np.where(P > 0, P * np.log(P / pc), 0), axis=1)
    np.testing.assert_allclose(sgns.information_gain(sgns.cooccurrence(pairs, 12, 12)).numpy(), kl, rtol=1e-12)


# ------------------------------------------------------------------ evaluation
def test_spearman_matches_scipy_with_ties():
    stats = require_oracle("scipy.stats")
    rng = np.random.default_rng(0)
    x, y = rng.integers(0, 5, 60).astype(float), rng.standard_normal(60)
    assert math.isclose(sgns.spearman(x, y), stats.spearmanr(x, y).statistic, rel_tol=1e-12)


def test_similarity_and_analogies_match_gensims_evaluation():
    gensim = require_oracle("gensim")
    require_oracle("scipy.stats")
    from lowdim_utils.data import _gensim_test_file, load
    sents = load("corpus", which="austen").sentences[:3000]
    g = gensim.models.Word2Vec(sents, vector_size=20, min_count=5, sg=1, workers=1, seed=0, epochs=1)
    v = sgns.build_vocab(sents, min_count=5)
    E = torch.from_numpy(np.stack([g.wv[w] for w in v.words]))
    ws = load("wordsim353")
    rho, cov = sgns.similarity_correlation(E, v, ws.pairs, ws.scores)
    _, spear, oov = g.wv.evaluate_word_pairs(str(_gensim_test_file("wordsim353.tsv")))
    assert math.isclose(rho, spear.statistic, abs_tol=1e-6) and math.isclose(cov, 1 - oov / 100, abs_tol=1e-9)
    an = load("analogies")
    acc, _ = sgns.analogy_accuracy(E, v, an.questions)
    score, _ = g.wv.evaluate_word_analogies(str(_gensim_test_file("questions-words.txt")))
    assert math.isclose(acc, score, abs_tol=1e-9)


# ------------------------------------------------------------------ geometry
def test_whitening_gives_identity_covariance_under_its_weights():
    g = torch.Generator().manual_seed(0)
    E = torch.randn(300, 6, generator=g, dtype=torch.float64) @ torch.randn(6, 6, generator=g, dtype=torch.float64) + 2
    p = torch.rand(300, generator=g, dtype=torch.float64) ** 3
    for weights in (None, p):
        w = torch.full((300,), 1 / 300, dtype=torch.float64) if weights is None else p / p.sum()
        Z = sgns.whiten(E, weights)
        assert torch.allclose((w[:, None] * Z).sum(0), torch.zeros(6, dtype=torch.float64), atol=1e-10)
        assert torch.allclose(Z.T @ (w[:, None] * Z), torch.eye(6, dtype=torch.float64), atol=1e-9)
    assert torch.allclose((p[:, None] * sgns.center(E, p)).sum(0), torch.zeros(6, dtype=torch.float64), atol=1e-10)


def test_isoscore_on_isotropic_and_anisotropic_gaussians():
    g = torch.Generator().manual_seed(0)
    X = torch.randn(20000, 10, generator=g, dtype=torch.float64)
    assert sgns.isoscore(X) > 0.99                              # isotropic
    assert sgns.isoscore(X * torch.logspace(0, -2, 10, dtype=torch.float64)) < 0.3   # anisotropic
    Q = torch.linalg.qr(torch.randn(10, 10, generator=g, dtype=torch.float64))[0]
    aniso = X * torch.linspace(1, 3, 10, dtype=torch.float64)
    assert math.isclose(sgns.isoscore(aniso), sgns.isoscore(5 * aniso @ Q.T + 7), abs_tol=1e-9)


@pytest.mark.parametrize("m", [1, 2, 5, 8])
def test_isoscore_of_m_equal_directions_is_m_minus_1_over_d_minus_1(m):
    d, n = 8, 200
    g = torch.Generator().manual_seed(m)
    Z = torch.randn(n, m, generator=g, dtype=torch.float64)
    Z = torch.linalg.qr(Z - Z.mean(0))[0]                      # exactly equal variances along m axes
    X = torch.cat([Z, torch.zeros(n, d - m, dtype=torch.float64)], 1)
    assert math.isclose(sgns.isoscore(X), (m - 1) / (d - 1), abs_tol=1e-9)


# ------------------------------------------------------------------ bad input
def test_errors_name_the_argument():
    with pytest.raises(ValueError, match="min_count"):
        sgns.build_vocab(SENTENCES, min_count=0)
    with pytest.raises(TypeError, match="sentences"):
        sgns.build_vocab(["not tokenised"])
    with pytest.raises(ValueError, match="window"):
        sgns.window_pairs(sgns.token_stream([[0, 1]]), 0)
    with pytest.raises(ValueError, match="sample"):
        sgns.keep_probability(torch.ones(3), -1)
    with pytest.raises(ValueError, match="counts"):
        sgns.NegativeSampler(torch.tensor([-1.0, 2.0]))
    with pytest.raises(ValueError, match="n_centers"):
        sgns.SGNS(0, 3, 2)
    with pytest.raises(TypeError, match="pairs"):
        sgns.cooccurrence(torch.rand(4, 2), 3, 3)
    m = sgns.SGNS(3, 3, 2, generator=0)
    s = sgns.NegativeSampler(torch.ones(3))
    with pytest.raises(ValueError, match="negatives"):
        sgns.train_sgns(m, torch.zeros(4, 2, dtype=torch.long), s, negatives=0, progress=False)
    with pytest.raises(ValueError, match="min_lr"):
        sgns.train_sgns(m, torch.zeros(4, 2, dtype=torch.long), s, lr=0.01, min_lr=0.1, progress=False)
    with pytest.raises(ValueError, match="sampler draws from 4"):
        sgns.train_sgns(m, torch.zeros(4, 2, dtype=torch.long), sgns.NegativeSampler(torch.ones(4)), progress=False)
    with pytest.raises(ValueError, match="X must have at least 2 columns"):
        sgns.isoscore(torch.rand(10, 1))
    with pytest.raises(ValueError, match="p must be"):
        sgns.whiten(torch.rand(10, 3), torch.ones(4))
    with pytest.raises(ValueError, match="E must have one row per vocabulary word"):
        sgns.similarity_correlation(torch.rand(2, 3), sgns.build_vocab(SENTENCES, min_count=1), [("a", "b")], [1.0])
