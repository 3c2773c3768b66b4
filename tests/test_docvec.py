"""lowdim_utils.docvec (lesson 10) against its oracles — gensim's Doc2Vec, scikit-learn's TF-IDF, SVD and
k-means, scipy's optimiser and correlations, autograd — and the properties its derivation predicts."""
import numpy as np
import pytest
import torch

from conftest import require_oracle
from lowdim_utils import docvec, sgns


def topic_corpus(seed=0, n_docs=90, topics=3, words_per_topic=20, shared=15, own=4, length=60):
    """Documents of one planted topic each: 70% of the tokens from the topic's own words, 15% from words
    shared by all topics, 15% from a few words of the document's own. Returns (token lists, topic labels)."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n_docs) % topics
    docs = []
    for j, t in enumerate(labels):
        kind = rng.choice(3, length, p=[0.7, 0.15, 0.15])
        docs.append([[f"t{t}w{rng.integers(words_per_topic)}", f"s{rng.integers(shared)}",
                      f"d{j}w{rng.integers(own)}"][c] for c in kind])
    return docs, labels


@pytest.fixture(scope="module")
def corpus():
    docs, labels = topic_corpus()
    vocab = sgns.build_vocab(docs, min_count=1)
    return docs, labels, vocab, vocab.encode(docs)


@pytest.fixture(scope="module")
def dbow(corpus):
    docs, labels, vocab, stream = corpus
    return docvec.pv_dbow(stream, vocab.counts, len(docs), dim=16, epochs=60, lr=0.05, generator=0, progress=False)


@pytest.fixture(scope="module")
def dm(corpus):
    docs, labels, vocab, stream = corpus
    return docvec.pv_dm(stream, vocab.counts, len(docs), dim=16, window=3, epochs=60, lr=0.05, generator=0,
                        progress=False)


def purity(labels, truth, k):
    from scipy.optimize import linear_sum_assignment
    table = np.zeros((k, k))
    np.add.at(table, (np.asarray(labels), np.asarray(truth)), 1)
    r, c = linear_sum_assignment(-table)
    return table[r, c].sum() / len(truth)


# ------------------------------------------------------------------ examples
def test_dbow_pairs_are_document_word_pairs(corpus):
    docs, _, vocab, stream = corpus
    p = docvec.dbow_pairs(stream)
    assert p.shape == (sum(map(len, docs)), 2)
    assert p[:, 0].tolist() == stream.seq.tolist() and p[:, 1].tolist() == stream.ids.tolist()


def test_joint_pairs_offset_the_word_centers_by_n_docs(corpus):
    docs, _, vocab, stream = corpus
    p = docvec.joint_pairs(stream, len(docs), 2, generator=0)
    n_tok = len(stream)
    assert (p[:n_tok, 0] < len(docs)).all() and (p[n_tok:, 0] >= len(docs)).all()
    words = p[n_tok:] - torch.tensor([len(docs), 0])
    assert int(words.max()) < len(vocab)


def test_dm_examples_stay_inside_documents_and_use_dynamic_windows():
    seq = torch.repeat_interleave(torch.arange(3), torch.tensor([50_000, 1, 50_000]))
    ids = torch.arange(seq.numel())                    # ids are positions: the offset is ids[ctx] - ids[center]
    doc, target, ctx, mask = docvec.dm_examples(sgns.TokenStream(ids, seq), 4, generator=0)
    assert torch.equal(doc, seq) and torch.equal(target, ids)
    offsets = torch.cat([torch.arange(-4, 0), torch.arange(1, 5)])
    assert ((ctx - ids[:, None] == offsets) | ~mask).all(), "a used slot holds the wrong neighbour"
    assert (seq[ctx] == seq[:, None])[mask].all(), "a window crosses into another document"
    assert not mask[50_000].any(), "the one-word document has no context"
    use = mask[:50_000].double().mean(0)               # P(offset o used) = (L - |o| + 1) / L
    theory = torch.tensor([(4 - abs(int(o)) + 1) / 4 for o in offsets], dtype=torch.float64)
    assert torch.allclose(use, theory, atol=0.01)


def test_dm_examples_concat_pads_with_the_null_word():
    seq = torch.tensor([0, 0, 0, 1, 1])
    doc, target, ctx, mask = docvec.dm_examples(sgns.TokenStream(torch.tensor([3, 4, 5, 6, 7]), seq), 2,
                                                concat=True, null=99)
    assert mask.all()
    assert ctx[0].tolist() == [99, 99, 4, 5] and ctx[3].tolist() == [99, 99, 7, 99]


# ------------------------------------------------------------------ the update against autograd
def _autograd_grads(D, W, C, doc, target, negs, ctx, mask, mode):
    D, W, C = (t.clone().requires_grad_() for t in (D, W, C))
    B = doc.numel()
    if mode == "dm_concat":
        h = torch.cat([D[doc], W[ctx].reshape(B, -1)], 1)
    else:
        h = D[doc] + (mask.double().unsqueeze(2) * W[ctx]).sum(1)
        if mode == "dm_mean":
            h = h / (1 + mask.sum(1, keepdim=True))
    out = torch.cat([target[:, None], negs], 1)
    s = torch.einsum("bd,bkd->bk", h, C[out])
    sign = torch.ones_like(s); sign[:, 1:] = -1
    loglik = torch.nn.functional.logsigmoid(sign * s).sum()
    loglik.backward()
    return D.grad, W.grad, C.grad, -float(loglik.detach())


@pytest.mark.parametrize("mode", ["dm_mean", "dm_sum", "dm_concat"])
def test_dm_step_is_word2vecs_update(mode):
    g = torch.Generator().manual_seed(0)
    V, n_docs, d, L, B, k = 30, 5, 6, 2, 64, 4
    dout = d * (1 + 2 * L) if mode == "dm_concat" else d
    D = torch.randn(n_docs, d, generator=g, dtype=torch.float64)
    W = torch.randn(V + 1, d, generator=g, dtype=torch.float64)
    C = torch.randn(V, dout, generator=g, dtype=torch.float64) * 0.3
    doc, target = torch.randint(0, n_docs, (B,), generator=g), torch.randint(0, V, (B,), generator=g)
    negs = torch.randint(0, V, (B, k), generator=g)
    ctx = torch.randint(0, V + 1, (B, 2 * L), generator=g)
    mask = torch.ones(B, 2 * L, dtype=torch.bool) if mode == "dm_concat" else torch.rand(B, 2 * L, generator=g) < 0.6
    if mode != "dm_concat":
        ctx = torch.where(mask, ctx, torch.zeros_like(ctx))
    gD, gW, gC, loss_ref = _autograd_grads(D, W, C, doc, target, negs, ctx, mask, mode)
    D1, W1, C1 = D.clone(), W.clone(), C.clone()
    lr = 0.01
    loss = docvec.dm_step(D1, W1, C1, doc, target, negs, ctx, mask, lr, mode=mode)
    assert loss == pytest.approx(loss_ref, rel=1e-12)
    assert torch.allclose(C1 - C, lr * gC, atol=1e-12)                       # output vectors: the exact gradient
    if mode == "dm_concat":                                                   # concatenation: the exact gradient
        assert torch.allclose(D1 - D, lr * gD, atol=1e-12) and torch.allclose(W1 - W, lr * gW, atol=1e-12)
        return
    # mean and sum: every input receives e = lr ∂ℓ/∂h (gensim divides it by n in sum mode), where the
    # exact gradient of an input is ∂ℓ/∂h / n (mean) or ∂ℓ/∂h (sum)
    n = (1 + mask.sum(1, keepdim=True)).double()
    h = D[doc] + (mask.double().unsqueeze(2) * W[ctx]).sum(1)
    h = h / n if mode == "dm_mean" else h
    out = torch.cat([target[:, None], negs], 1)
    labels = torch.zeros(B, 1 + k, dtype=torch.float64); labels[:, 0] = 1
    e = lr * torch.einsum("bk,bkd->bd", labels - torch.sigmoid(torch.einsum("bd,bkd->bk", h, C[out])), C[out])
    applied = e if mode == "dm_mean" else e / n
    exact = e / n if mode == "dm_mean" else e
    rows, slots = mask.nonzero(as_tuple=True)
    assert torch.allclose(torch.zeros_like(D).index_add_(0, doc, exact), lr * gD, atol=1e-12)
    assert torch.allclose(torch.zeros_like(W).index_add_(0, ctx[rows, slots], exact[rows]), lr * gW, atol=1e-12)
    assert torch.allclose(D1 - D, torch.zeros_like(D).index_add_(0, doc, applied), atol=1e-12)
    assert torch.allclose(W1 - W, torch.zeros_like(W).index_add_(0, ctx[rows, slots], applied[rows]), atol=1e-12)


def test_dm_step_without_context_is_the_sgns_step():
    g = torch.Generator().manual_seed(1)
    D, C = torch.randn(7, 5, generator=g, dtype=torch.float64), torch.randn(20, 5, generator=g, dtype=torch.float64)
    doc, target, negs = torch.randint(0, 7, (40,), generator=g), torch.randint(0, 20, (40,), generator=g), \
        torch.randint(0, 20, (40, 3), generator=g)
    model = sgns.SGNS(7, 20, 5, dtype=torch.float64)
    model.center.data.copy_(D); model.context.data.copy_(C)
    ref = sgns.sgns_step(model, doc, target, negs, 0.05)
    D1, C1 = D.clone(), C.clone()
    loss = docvec.dm_step(D1, None, C1, doc, target, negs, None, None, 0.05)
    assert loss == pytest.approx(ref, rel=1e-12)
    assert torch.allclose(D1, model.center.data, atol=1e-13) and torch.allclose(C1, model.context.data, atol=1e-13)


# ------------------------------------------------------------------ training and inference: properties
@pytest.mark.parametrize("which", ["dbow", "dm"])
def test_documents_of_one_topic_cluster_together(which, corpus, dbow, dm):
    _, labels, _, _ = corpus
    pv = dbow if which == "dbow" else dm
    km = docvec.spherical_kmeans(pv.docs, 3, generator=0)
    assert purity(km.labels.numpy(), labels, 3) >= 0.95          # random vectors: about 0.4
    assert pv.history["loss"][-1] < pv.history["loss"][0]


@pytest.mark.parametrize("which", ["dbow", "dm"])
def test_inference_freezes_the_model_and_finds_the_training_documents(which, corpus, dbow, dm):
    docs, _, vocab, stream = corpus
    pv = dbow if which == "dbow" else dm
    before = [t.clone() for t in (pv.docs, pv.output) + ((pv.words,) if pv.words is not None else ())]
    inferred = docvec.infer_vectors(pv, stream, len(docs), generator=5)
    after = (pv.docs, pv.output) + ((pv.words,) if pv.words is not None else ())
    assert all(torch.equal(a, b) for a, b in zip(before, after)), "inference changed the trained model"
    frac, ranks = docvec.self_retrieval(inferred, pv.docs)
    assert frac >= 0.9, f"self-retrieval {frac:.2f}"              # random vectors: 1/90


def test_dbow_inference_is_a_function_of_the_bag_of_words(corpus, dbow):
    docs, _, vocab, stream = corpus
    rng = np.random.default_rng(0)
    shuffled = vocab.encode([list(rng.permutation(d)) for d in docs])
    a = docvec.infer_exact(dbow, docvec.expected_counts(dbow, stream, len(docs)))
    b = docvec.infer_exact(dbow, docvec.expected_counts(dbow, shuffled, len(docs)))
    assert torch.allclose(a, b, atol=1e-10)


def test_infer_exact_maximises_the_objective_like_scipy(dbow, corpus):
    scipy_opt = require_oracle("scipy.optimize")
    docs, _, vocab, stream = corpus
    counts = docvec.expected_counts(dbow, stream, len(docs))[:3]
    C = dbow.output.double().numpy()
    P = sgns.negative_distribution(vocab.counts).numpy()
    for l2 in (0.0, 0.7):
        v = docvec.infer_exact(dbow, counts, l2=l2)
        for j in range(3):
            n = counts[j].numpy()
            kN = dbow.negatives * n.sum()

            def neg_F(x):
                s = C @ x
                sig = 1 / (1 + np.exp(-s))
                f = -(n @ np.logaddexp(0, -s)) - kN * (P @ np.logaddexp(0, s)) - 0.5 * l2 * x @ x
                g = C.T @ (n * (1 - sig) - kN * P * sig) - l2 * x
                return -f, -g

            ref = scipy_opt.minimize(neg_F, np.zeros(C.shape[1]), jac=True, method="L-BFGS-B",
                                     options={"gtol": 1e-10, "ftol": 1e-15, "maxiter": 5000}).x
            assert np.allclose(v[j].numpy(), ref, atol=1e-5 * (1 + np.abs(ref).max()))


def test_infer_exact_penalty_path_shrinks_the_vector(dbow, corpus):
    docs, _, _, stream = corpus
    counts = docvec.expected_counts(dbow, stream, len(docs))[:5]
    norms = [float(docvec.infer_exact(dbow, counts, l2=lam).norm(dim=1).mean()) for lam in (10.0, 1.0, 0.1, 0.0)]
    assert all(a < b for a, b in zip(norms, norms[1:]))


def test_joint_training_puts_topic_words_next_to_their_documents(corpus):
    docs, labels, vocab, stream = corpus
    pv = docvec.pv_dbow(stream, vocab.counts, len(docs), dim=16, epochs=15, train_words=True, window=3, generator=0,
                        progress=False)
    assert pv.words.shape == (len(vocab), 16)
    topical = torch.tensor([w.startswith("t") for w in vocab.words])
    km, top = docvec.topic_vectors(pv.docs, pv.words, 3, topn=5, candidates=topical, generator=0)
    assert top.shape == (3, 5) and topical[top].all()
    for t in range(3):                                  # the words of a topic all come from its documents' topic
        members = labels[km.labels.numpy() == t]
        majority = np.bincount(members, minlength=3).argmax()
        assert all(vocab.words[i].startswith(f"t{majority}w") for i in top[t].tolist())


def test_int_seed_reproducible_and_generator_advances(corpus):
    docs, _, vocab, stream = corpus
    a = docvec.pv_dm(stream, vocab.counts, len(docs), dim=8, epochs=2, generator=3, progress=False)
    b = docvec.pv_dm(stream, vocab.counts, len(docs), dim=8, epochs=2, generator=3, progress=False)
    assert torch.equal(a.docs, b.docs) and torch.equal(a.output, b.output)
    g = torch.Generator().manual_seed(3)
    c = docvec.infer_vectors(a, stream, len(docs), epochs=2, generator=g)
    d = docvec.infer_vectors(a, stream, len(docs), epochs=2, generator=g)
    assert not torch.equal(c, d)


# ------------------------------------------------------------------ against gensim's Doc2Vec
def _lee():
    from lowdim_utils.data import load
    lee = load("lee_corpus")
    vocab = sgns.build_vocab(lee.train_tokens, min_count=2)
    return lee, vocab


@pytest.mark.parametrize("mode", ["dbow", "dm_mean"])
def test_course_and_gensim_agree_on_the_lee_corpus(mode):
    gensim = require_oracle("gensim.models.doc2vec")
    lee, vocab = _lee()
    train, test = vocab.encode(lee.train_tokens), vocab.encode(lee.test_tokens)
    kw = dict(dim=32, epochs=30, generator=0, progress=False)
    pv = docvec.pv_dbow(train, vocab.counts, 300, **kw) if mode == "dbow" else \
        docvec.pv_dm(train, vocab.counts, 300, window=5, **kw)
    ours = docvec.judgement_correlation(docvec.infer_vectors(pv, test, 50, generator=1), lee.similarity)
    tagged = [gensim.TaggedDocument(d, [i]) for i, d in enumerate(lee.train_tokens)]
    d2v = gensim.Doc2Vec(tagged, vector_size=32, min_count=2, epochs=30, dm=int(mode != "dbow"), dm_mean=1,
                         workers=1, seed=0)
    theirs = docvec.judgement_correlation(torch.from_numpy(np.stack([d2v.infer_vector(d) for d in lee.test_tokens])),
                                          lee.similarity)
    assert abs(ours[0] - theirs[0]) < 0.06 and abs(ours[1] - theirs[1]) < 0.06, (ours, theirs)
    assert ours[0] > 0.2                                # untrained vectors: about 0


def test_concat_mode_learns_topics_like_gensims_dm_concat(corpus):
    gensim = require_oracle("gensim.models.doc2vec")
    docs, labels, vocab, stream = corpus
    pv = docvec.pv_dm(stream, vocab.counts, len(docs), dim=12, window=2, mode="dm_concat", epochs=30, generator=0,
                      progress=False)
    assert pv.output.shape == (len(vocab), 12 * 5) and pv.words.shape == (len(vocab) + 1, 12)
    tagged = [gensim.TaggedDocument(d, [i]) for i, d in enumerate(docs)]
    d2v = gensim.Doc2Vec(tagged, vector_size=12, window=2, min_count=1, epochs=30, dm=1, dm_concat=1, workers=1,
                         seed=0)
    ours = purity(docvec.spherical_kmeans(pv.docs, 3, generator=0).labels.numpy(), labels, 3)
    theirs = purity(docvec.spherical_kmeans(d2v.dv.vectors, 3, generator=0).labels.numpy(), labels, 3)
    assert ours >= 0.9 and theirs >= 0.9, (ours, theirs)


# ------------------------------------------------------------------ baselines and evaluation
def test_tfidf_matches_scikit_learn_and_lsa_its_truncated_svd(corpus):
    sk_text = require_oracle("sklearn.feature_extraction.text")
    sk_dec = require_oracle("sklearn.decomposition")
    docs, _, vocab, stream = corpus
    X, idf = docvec.tfidf(docvec.doc_term_counts(stream, len(docs), len(vocab)))
    ref = sk_text.TfidfVectorizer(analyzer=lambda d: d, vocabulary=vocab.index).fit(docs)
    assert np.allclose(X.numpy(), ref.transform(docs).toarray(), atol=1e-12)
    assert np.allclose(idf.numpy(), ref.idf_, atol=1e-12)
    Z, Vt = docvec.lsa(X, 5)
    svd = sk_dec.TruncatedSVD(5, algorithm="arpack").fit(X.numpy())
    from lowdim_utils.linear import subspace_angles
    assert float(subspace_angles(Vt.T, torch.from_numpy(svd.components_.T)).max()) < 1e-8
    assert torch.allclose(Z, X @ Vt.T)


def test_randomized_lsa_recovers_a_low_rank_subspace():
    g = torch.Generator().manual_seed(0)
    L = torch.randn(60, 4, generator=g, dtype=torch.float64) @ torch.randn(4, 200, generator=g, dtype=torch.float64)
    X = L + 1e-6 * torch.randn(60, 200, generator=g, dtype=torch.float64)
    _, Vt = docvec.lsa(X, 4)
    Z, Vt_r = docvec.lsa(X, 4, method="randomized", n_iter=2, generator=0)
    from lowdim_utils.linear import subspace_angles
    assert float(subspace_angles(Vt.T, Vt_r.T).max()) < 1e-6
    assert torch.allclose(Z, X @ Vt_r.T)
    again = docvec.lsa(X, 4, method="randomized", n_iter=2, generator=0)[1]
    assert torch.equal(Vt_r, again), "the same generator seed gives the same factors"


def test_correlations_match_scipy():
    stats = require_oracle("scipy.stats")
    rng = np.random.default_rng(0)
    E = rng.standard_normal((12, 4))
    H = np.triu(rng.random((12, 12)), 1)
    p, s = docvec.judgement_correlation(E, H)
    iu = np.triu_indices(12, 1)
    En = E / np.linalg.norm(E, axis=1, keepdims=True)
    cos = (En @ En.T)[iu]
    assert p == pytest.approx(stats.pearsonr(cos, H[iu])[0], abs=1e-12)
    assert s == pytest.approx(stats.spearmanr(cos, H[iu])[0], abs=1e-12)


def test_self_retrieval_ranks():
    T = torch.eye(4)
    inferred = torch.tensor([[1.0, 0, 0, 0], [0, 0, 1.0, 0.1], [0, 0, 1.0, 0], [0, 0, 0, 1.0]])
    frac, ranks = docvec.self_retrieval(inferred, T)
    assert frac == 0.75 and ranks.tolist() == [0, 2, 0, 0]


def test_spherical_kmeans_is_a_fixed_point_and_beats_euclidean_kmeans_on_its_objective():
    cluster = require_oracle("sklearn.cluster")
    rng = np.random.default_rng(0)
    centers = np.linalg.qr(rng.standard_normal((8, 5)))[0].T
    truth = rng.integers(0, 5, 300)
    X = centers[truth] + 0.15 * rng.standard_normal((300, 8))
    X *= 10 ** rng.uniform(-1, 1, (300, 1))                      # lengths do not matter
    km = docvec.spherical_kmeans(X, 5, generator=0)
    Xn = torch.nn.functional.normalize(torch.from_numpy(X), dim=1)
    for j in range(5):
        s = Xn[km.labels == j].sum(0)
        assert torch.allclose(km.centroids[j], s / s.norm(), atol=1e-10)
    assert purity(km.labels.numpy(), truth, 5) >= 0.95
    sk = cluster.KMeans(5, n_init=8, random_state=0).fit(Xn.numpy())
    M = torch.nn.functional.normalize(torch.from_numpy(sk.cluster_centers_), dim=1)
    sk_obj = float((Xn * M[torch.from_numpy(sk.labels_)]).sum(1).mean())
    assert km.objective >= sk_obj - 1e-9


# ------------------------------------------------------------------ bad input and devices
def test_bad_inputs_name_the_argument(corpus, dbow, dm):
    docs, _, vocab, stream = corpus
    with pytest.raises(TypeError, match="stream"):
        docvec.pv_dbow([[0, 1]], vocab.counts, 3)
    with pytest.raises(ValueError, match="n_docs"):
        docvec.pv_dbow(stream, vocab.counts, 5)                   # documents beyond n_docs
    with pytest.raises(ValueError, match="ids"):
        docvec.pv_dm(stream, vocab.counts[:10], len(docs))          # words beyond the counts
    with pytest.raises(ValueError, match="mode"):
        docvec.pv_dm(stream, vocab.counts, len(docs), mode="average")
    with pytest.raises(ValueError, match="min_lr"):
        docvec.pv_dbow(stream, vocab.counts, len(docs), lr=0.01, min_lr=0.1)
    with pytest.raises(ValueError, match="dim"):
        docvec.pv_dbow(stream, vocab.counts, len(docs), dim=0)
    with pytest.raises(TypeError, match="pv"):
        docvec.infer_vectors(dbow.docs, stream, len(docs))
    with pytest.raises(TypeError, match="PV-DBOW"):
        docvec.infer_exact(dm, torch.zeros(1, len(vocab)))
    with pytest.raises(ValueError, match="counts"):
        docvec.infer_exact(dbow, torch.zeros(1, 3))
    with pytest.raises(ValueError, match="k"):
        docvec.spherical_kmeans(torch.randn(4, 3), 5)
    with pytest.raises(ValueError, match="candidates"):
        docvec.topic_vectors(dbow.docs, dbow.output, 2, candidates=torch.ones(3, dtype=torch.bool))
    with pytest.raises(ValueError, match="human"):
        docvec.judgement_correlation(torch.randn(5, 3), np.zeros((4, 4)))
    with pytest.raises(ValueError, match="inferred"):
        docvec.self_retrieval(torch.randn(3, 2), torch.randn(4, 2))
    with pytest.raises(ValueError, match="method"):
        docvec.lsa(torch.eye(5, dtype=torch.float64), 2, method="arpack")
    with pytest.raises(ValueError, match="idf"):
        docvec.tfidf(torch.ones(2, 3), idf=torch.ones(4))


def test_runs_on_device(device, corpus):
    docs, labels, vocab, stream = corpus
    gen = torch.Generator(device).manual_seed(0)
    st = stream.to(device)
    for pv in (docvec.pv_dbow(st, vocab.counts, len(docs), dim=8, epochs=3, generator=gen, progress=False),
               docvec.pv_dm(st, vocab.counts, len(docs), dim=8, epochs=3, generator=gen, progress=False)):
        assert pv.docs.device.type == device.type and pv.output.device.type == device.type
        assert pv.history["loss"][-1] < pv.history["loss"][0]
        v = docvec.infer_vectors(pv, st, len(docs), epochs=2, generator=gen)
        assert v.device.type == device.type and torch.isfinite(v).all()
    ex = docvec.infer_exact(pv_dbow := docvec.pv_dbow(st, vocab.counts, len(docs), dim=8, epochs=2, generator=gen,
                                                      progress=False),
                            docvec.expected_counts(pv_dbow, st, len(docs)), l2=1.0)
    assert ex.device.type == device.type
    km = docvec.spherical_kmeans(pv.docs, 3, generator=gen)
    assert km.labels.device.type == device.type
