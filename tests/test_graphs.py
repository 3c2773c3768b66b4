"""lowdim_utils.graphs (lesson 11) against its oracles — the exact transition laws (Theorem 2 of the lesson,
computed independently in NumPy), Pearson's χ² test of walk frequencies, scikit-learn's roc_auc_score and
SpectralEmbedding — and the properties the derivations predict (stationary pair law, rejection cost)."""
import numpy as np
import pytest
import scipy.sparse as sp
import torch
from scipy.sparse.csgraph import connected_components

from conftest import require_oracle
from lowdim_utils import graphs, manifold


def weighted_graph(seed=0, n=9, density=0.45):
    """A small connected weighted graph (dense NumPy), weights spanning a factor of 20."""
    rng = np.random.default_rng(seed)
    W = np.triu(rng.choice([0.3, 1.0, 6.0], (n, n)) * (rng.random((n, n)) < density), 1)
    for i in range(n - 1):
        W[i, i + 1] = W[i, i + 1] or 1.0
    return W + W.T


def alpha_row(W, t, p, q):
    """node2vec's bias α_pq(t, x) (Eq. (6)) for every node x, from the definition."""
    return np.array([1 / p if x == t else (1.0 if W[t, x] > 0 else 1 / q) for x in range(W.shape[0])])


def exact_law(W, t, v, p, q):
    """Theorem 2 by brute force: P(x | t, v) for every node x (n,), straight from the definition (6)."""
    u = alpha_row(W, t, p, q) * W[v]
    return u / u.sum()


W9 = weighted_graph()
G9 = graphs.csr_graph(W9)


# ------------------------------------------------------------------ the graph
def test_csr_graph_from_every_input_kind_agrees():
    for W in (W9, torch.from_numpy(W9), sp.csr_matrix(W9), sp.coo_matrix(W9), torch.from_numpy(W9).to_sparse(),
              W9.astype(">f8"), W9.astype(np.float16)):
        G = graphs.csr_graph(W)
        assert torch.equal(G.indptr, G9.indptr) and torch.equal(G.indices, G9.indices)
        torch.testing.assert_close(G.weights, G9.weights, rtol=1e-3, atol=0)
    assert G9.n == 9 and G9.n_edges == int((W9 > 0).sum()) // 2
    torch.testing.assert_close(G9.degree, torch.from_numpy(W9.sum(1)))
    torch.testing.assert_close(G9.to_dense(), torch.from_numpy(W9))
    torch.testing.assert_close(G9.to_torch_sparse().to_dense(), torch.from_numpy(W9))
    E = G9.edges()
    assert E.shape == (G9.n_edges, 2) and bool((E[:, 0] < E[:, 1]).all()) and bool((W9[E[:, 0], E[:, 1]] > 0).all())


def test_has_edge_matches_the_matrix():
    a, b = torch.meshgrid(torch.arange(9), torch.arange(9), indexing="ij")
    assert torch.equal(G9.has_edge(a.reshape(-1), b.reshape(-1)).reshape(9, 9), torch.from_numpy(W9 > 0))


@pytest.mark.parametrize("W,match", [
    (np.ones((3, 4)), "W must be a square"),
    (np.array([[0, 1.0], [2.0, 0]]), "W must be symmetric"),
    (np.array([[0, -1.0], [-1.0, 0]]), "W must hold non-negative"),
    (np.array([[1.0, 1.0], [1.0, 0]]), "W must have a zero diagonal"),
    (np.array([[0, 1.0, 0], [1.0, 0, 0], [0, 0, 0]]), "W has 1 isolated nodes"),
    (np.array([[0, np.nan], [np.nan, 0]]), "W contains NaN"),
])
def test_csr_graph_rejects_bad_input_naming_W(W, match):
    with pytest.raises(ValueError, match=match):
        graphs.csr_graph(W)


# ------------------------------------------------------------------ the exact law
@pytest.mark.parametrize("p,q", [(1.0, 1.0), (0.25, 4.0), (4.0, 0.25), (2.0, 0.5)])
def test_transition_probabilities_equal_the_definition(p, q):
    E = G9.edges()
    t = torch.cat([E[:, 0], E[:, 1]])
    v = torch.cat([E[:, 1], E[:, 0]])
    state, nodes, probs = graphs.transition_probabilities(G9, v, t, p=p, q=q)
    P = torch.zeros(len(v), 9, dtype=torch.float64).index_put_((state, nodes), probs)
    ref = np.stack([exact_law(W9, int(a), int(b), p, q) for a, b in zip(t, v)])
    np.testing.assert_allclose(P.numpy(), ref, rtol=1e-12, atol=1e-15)
    # the closed-form normaliser of Theorem 2: Z = w_vt/p + τ + (d_v − w_vt − τ)/q
    Z = [W9[b, a] / p + (W9[b] * (W9[a] > 0)).sum() + (W9[b].sum() - W9[b, a] - (W9[b] * (W9[a] > 0)).sum()) / q
         for a, b in zip(t.tolist(), v.tolist())]
    back = P[torch.arange(len(v)), t].numpy()
    np.testing.assert_allclose(back, W9[v, t] / p / np.array(Z), rtol=1e-12)


def test_first_order_law_is_w_over_d():
    state, nodes, probs = graphs.transition_probabilities(G9, torch.arange(9))
    P = torch.zeros(9, 9, dtype=torch.float64).index_put_((state, nodes), probs)
    np.testing.assert_allclose(P.numpy(), W9 / W9.sum(1, keepdims=True), rtol=1e-12)


def test_transition_probabilities_reject_a_non_edge_state():
    a, b = next((a, b) for a in range(9) for b in range(9) if a != b and W9[a, b] == 0)
    with pytest.raises(ValueError, match="must be an edge"):
        graphs.transition_probabilities(G9, [b], [a], p=2.0)


# ------------------------------------------------------------------ walks and the χ² test
def test_walks_start_at_starts_and_follow_edges():
    for p, q, method in [(1, 1, "rejection"), (0.5, 2.0, "rejection"), (0.5, 2.0, "exact")]:
        W = graphs.random_walks(G9, 25, walks_per_node=20, p=p, q=q, method=method, generator=0)
        assert W.shape == (180, 25) and W.dtype == torch.long
        assert torch.equal(W[:, 0], torch.arange(9).repeat(20))
        assert bool((torch.from_numpy(W9)[W[:, :-1], W[:, 1:]] > 0).all())
    starts = torch.tensor([3, 3, 0])
    assert torch.equal(graphs.random_walks(G9, 4, starts=starts, generator=0)[:, 0], starts)


@pytest.mark.parametrize("p,q,method", [(1.0, 1.0, "rejection"), (0.25, 4.0, "rejection"), (4.0, 0.25, "rejection"),
                                        (0.25, 4.0, "exact"), (4.0, 0.25, "exact")])
def test_walk_frequencies_pass_the_chi2_test(p, q, method):
    W = graphs.random_walks(G9, 60, walks_per_node=300, p=p, q=q, method=method, generator=1)
    r = graphs.walk_chi2(G9, W, p=p, q=q)
    assert r["tested"] > 0.95 and r["impossible"] == 0
    assert r["pvalue"] > 1e-3, r          # a correct sampler fails this with probability 0.001 (fixed seed)
    r3 = graphs.walk_chi2(G9, W, p=p, q=q, cells="distance")
    assert r3["pvalue"] > 1e-3 and r3["df"] < r["df"]


def test_the_chi2_test_rejects_the_wrong_law_and_impossible_steps():
    W = graphs.random_walks(G9, 60, walks_per_node=300, p=4.0, q=0.25, generator=2)
    assert graphs.walk_chi2(G9, W, p=1.0, q=1.0)["pvalue"] < 1e-10
    assert graphs.walk_chi2(G9, W, p=0.25, q=4.0, cells="distance")["pvalue"] < 1e-10
    D = graphs.random_walks(G9, 60, walks_per_node=300, generator=3)
    assert graphs.walk_chi2(G9, D, order=1)["pvalue"] > 1e-3
    bad = D.clone()
    non = [(a, b) for a in range(9) for b in range(9) if a != b and W9[a, b] == 0][0]
    bad[0, :2] = torch.tensor(non)
    r = graphs.walk_chi2(G9, bad, order=1)
    assert r["impossible"] == 1 and r["pvalue"] == 0.0


def test_chi2_statistic_matches_a_dense_computation():
    W = graphs.random_walks(G9, 30, walks_per_node=100, generator=4)
    r = graphs.walk_chi2(G9, W, order=1, min_expected=0.0)
    a, b = W[:, :-1].reshape(-1).numpy(), W[:, 1:].reshape(-1).numpy()
    N = np.zeros((9, 9))
    np.add.at(N, (a, b), 1)
    Ex = N.sum(1, keepdims=True) * W9 / W9.sum(1, keepdims=True)
    m = W9 > 0
    assert r["statistic"] == pytest.approx(float(((N - Ex)[m] ** 2 / Ex[m]).sum()), rel=1e-10)
    assert r["df"] == int(m.sum() - 9)


def test_rejection_cost_matches_eq_8():
    p, q = 0.25, 4.0
    W, tries = graphs.random_walks(G9, 60, walks_per_node=200, p=p, q=q, generator=5, return_proposals=True)
    t, v = W[:, :-2].reshape(-1).numpy(), W[:, 1:-1].reshape(-1).numpy()
    amax = max(1 / p, 1, 1 / q)
    Z = np.array([(alpha_row(W9, a, p, q) * W9[b]).sum() for a, b in zip(t[:3000], v[:3000])])
    predicted = np.mean(amax * W9[v[:3000]].sum(1) / Z)
    measured = float(tries[:, 1:].reshape(-1)[:3000].double().mean())
    assert measured == pytest.approx(predicted, rel=0.05)
    assert bool((tries[:, 0] == 1).all())               # the first step is first-order


def test_p_q_one_is_deepwalk_and_methods_agree_on_deepwalk():
    a = graphs.random_walks(G9, 20, p=1.0, q=1.0, generator=6)
    b = graphs.random_walks(G9, 20, method="exact", generator=6)
    assert torch.equal(a, b)


# ------------------------------------------------------------------ the pair law (Theorem 1)
def test_window_pair_matrix_is_a_symmetric_law_matching_stationary_walks():
    M = graphs.window_pair_matrix(W9, 3)
    assert torch.allclose(M, M.T) and float(M.sum()) == pytest.approx(1.0) and bool((M >= 0).all())
    from lowdim_utils import sgns
    d = torch.from_numpy(W9.sum(1))
    g = torch.Generator().manual_seed(7)
    starts = torch.multinomial(d / d.sum(), 4000, replacement=True, generator=g)
    walks = graphs.random_walks(G9, 200, starts=starts, generator=g)
    pairs = sgns.window_pairs(sgns.token_stream(walks), 3, dynamic=False)
    F = torch.bincount(pairs[:, 0] * 9 + pairs[:, 1], minlength=81).reshape(9, 9).double()
    assert 0.5 * float((F / F.sum() - M).abs().sum()) < 0.01
    # window 1: M = W / vol
    torch.testing.assert_close(graphs.window_pair_matrix(W9, 1), torch.from_numpy(W9 / W9.sum()))


def test_window_pair_matrix_rejects_bad_input():
    with pytest.raises(ValueError, match="symmetric"):
        graphs.window_pair_matrix(np.array([[0, 1.0], [2.0, 0]]), 2)
    with pytest.raises(ValueError, match="window must be >= 1"):
        graphs.window_pair_matrix(W9, 0)


# ------------------------------------------------------------------ SGNS on walks
def test_embed_walks_shapes_determinism_and_the_model():
    walks = graphs.random_walks(G9, 20, walks_per_node=10, generator=0)
    E1 = graphs.embed_walks(walks, 9, 8, generator=3)
    E2 = graphs.embed_walks(walks, 9, 8, generator=3)
    assert E1.shape == (9, 8) and E1.dtype == torch.float32 and torch.equal(E1, E2)
    model = graphs.embed_walks(walks, 9, 8, generator=3, return_model=True)
    assert torch.equal(model.center.data, E1) and model.context.shape == (9, 8)
    assert graphs.deepwalk(G9, 8, walks_per_node=5, length=10, generator=1).shape == (9, 8)
    with pytest.raises(TypeError, match="deepwalk takes no p or q"):
        graphs.deepwalk(G9, 8, p=2.0)
    with pytest.raises(ValueError, match="walks hold node 9 but n = 9"):
        graphs.embed_walks(torch.tensor([[0, 9]]), 9, 4)


def test_deepwalk_separates_two_cliques():
    n = 10
    W = np.zeros((2 * n, 2 * n))
    W[:n, :n] = W[n:, n:] = 1.0
    np.fill_diagonal(W, 0)
    W[0, n] = W[n, 0] = 1.0                               # one bridge
    E = graphs.deepwalk(graphs.csr_graph(W), 8, generator=0)
    y = np.r_[np.zeros(n, int), np.ones(n, int)]
    assert graphs.classification_f1(E, y, seed=0) > 0.95


# ------------------------------------------------------------------ link prediction
def test_split_edges_keeps_the_rest_connected():
    W = weighted_graph(3, n=30, density=0.3)
    G = graphs.csr_graph(W)
    G_train, held = graphs.split_edges(G, 0.3, generator=0)
    assert held.shape == (round(0.3 * G.n_edges), 2)
    assert bool(G.has_edge(held[:, 0], held[:, 1]).all()) and not bool(G_train.has_edge(held[:, 0], held[:, 1]).any())
    assert G_train.n_edges + held.shape[0] == G.n_edges
    assert connected_components(sp.csr_matrix(G_train.to_dense().numpy()), directed=False)[0] == 1
    kept = G_train.edges()
    torch.testing.assert_close(G_train.weights, graphs.csr_graph(G_train.to_dense()).weights)
    assert bool((torch.from_numpy(W)[kept[:, 0], kept[:, 1]] > 0).all())
    with pytest.raises(ValueError, match="fraction=0.99 asks for"):
        graphs.split_edges(G, 0.99, generator=0)
    with pytest.raises(ValueError, match="fraction must lie in"):
        graphs.split_edges(G, 1.5)


def test_negative_edges_are_distinct_uniform_non_edges():
    k = 10
    free = [(a, b) for a in range(9) for b in range(a + 1, 9) if W9[a, b] == 0]
    counts = dict.fromkeys(free, 0)
    for s in range(300):
        neg = graphs.negative_edges(G9, k, generator=s)
        assert neg.shape == (k, 2) and bool((neg[:, 0] < neg[:, 1]).all())
        assert not bool(G9.has_edge(neg[:, 0], neg[:, 1]).any())
        assert len({tuple(e) for e in neg.tolist()}) == k
        for e in neg.tolist():
            counts[tuple(e)] += 1
    from scipy.stats import chisquare
    assert chisquare(list(counts.values())).pvalue > 1e-3
    with pytest.raises(ValueError, match="k=100 negative pairs requested"):
        graphs.negative_edges(G9, 100)


def test_auc_matches_sklearn_with_ties():
    metrics = require_oracle("sklearn.metrics")
    rng = np.random.default_rng(0)
    pos, neg = rng.integers(0, 5, 40).astype(float), rng.integers(0, 4, 60).astype(float)   # many ties
    ref = metrics.roc_auc_score(np.r_[np.ones(40), np.zeros(60)], np.r_[pos, neg])
    assert graphs.auc(pos, neg) == pytest.approx(ref, abs=1e-12)
    assert graphs.auc([1.0, 2.0], [0.0]) == 1.0 and graphs.auc([0.0], [1.0]) == 0.0
    with pytest.raises(ValueError, match="pos must have at least 1 rows"):
        graphs.auc([], [1.0])


def test_edge_features_and_link_auc():
    E = torch.randn(9, 4, generator=torch.Generator().manual_seed(0))
    f = graphs.edge_features(E, torch.tensor([[0, 1], [2, 3]]))
    torch.testing.assert_close(f, torch.stack([E[0] * E[1], E[2] * E[3]]))
    assert graphs.edge_features(E.half(), [[0, 1]]).dtype == torch.float32
    with pytest.raises(ValueError, match="pairs must be"):
        graphs.edge_features(E, torch.tensor([0, 1]))
    with pytest.raises(ValueError, match=r"pairs must hold node indices in \[0, 9\)"):
        graphs.edge_features(E, torch.tensor([[0, 9]]))
    # an embedding that encodes the two cliques: same-clique pairs (edges) score above cross pairs
    n = 8
    W = np.zeros((2 * n, 2 * n))
    W[:n, :n] = W[n:, n:] = 1.0
    np.fill_diagonal(W, 0)
    W[0, n] = W[n, 0] = 1.0
    G = graphs.csr_graph(W)
    Gt, held = graphs.split_edges(G, 0.2, generator=0)
    negs = graphs.negative_edges(G, Gt.n_edges + held.shape[0], generator=1)
    Ecl = torch.tensor(np.r_[np.tile([1.0, -1.0], (n, 1)), np.tile([-1.0, 1.0], (n, 1))])
    assert graphs.link_auc(Ecl, Gt.edges(), negs[:Gt.n_edges], held, negs[Gt.n_edges:]) > 0.9


def test_classification_f1_validates_y():
    E = torch.randn(10, 3, generator=torch.Generator().manual_seed(0))
    with pytest.raises(ValueError, match="y must be"):
        graphs.classification_f1(E, np.zeros(9, int))
    with pytest.raises(ValueError, match="every class of y needs at least 2"):
        graphs.classification_f1(E, np.r_[np.zeros(9, int), 1])
    y = np.r_[np.zeros(5, int), np.ones(5, int)]
    assert graphs.classification_f1(torch.tensor(y[:, None] * 1.0), y) == 1.0


# ------------------------------------------------------------------ spectral embedding of a CSRGraph (oracle)
def test_spectral_embedding_of_a_graph_matches_sklearn():
    manifold_sk = require_oracle("sklearn.manifold")
    W = weighted_graph(4, n=40, density=0.2)
    ours = manifold.spectral_embedding(graphs.csr_graph(W).to_dense(), 4).embedding.numpy()
    sk = manifold_sk.SpectralEmbedding(4, affinity="precomputed", eigen_solver="arpack", random_state=0).fit_transform(W)
    sk = sk * np.sign((sk * ours).sum(0))
    assert np.abs(ours - sk).max() / np.abs(sk).max() < 1e-6


# ------------------------------------------------------------------ conventions
RANDOM = {
    "random_walks": lambda g: graphs.random_walks(G9, 10, walks_per_node=2, generator=g),
    "random_walks(node2vec)": lambda g: graphs.random_walks(G9, 10, walks_per_node=2, p=0.5, q=2.0, generator=g),
    "split_edges": lambda g: graphs.split_edges(graphs.csr_graph(weighted_graph(3, n=30, density=0.3)), 0.2,
                                                generator=g)[1],
    "negative_edges": lambda g: graphs.negative_edges(G9, 5, generator=g),
    "embed_walks": lambda g: graphs.embed_walks(torch.tensor([[0, 1, 2, 1, 0, 3]] * 20), 9, 4, generator=g),
}


@pytest.mark.parametrize("name", sorted(RANDOM))
def test_randomness_policy(name):
    f = RANDOM[name]
    torch.manual_seed(1)
    a = f(123)
    torch.manual_seed(2)
    assert torch.equal(f(123), a)
    g1, g2 = torch.Generator().manual_seed(5), torch.Generator().manual_seed(5)
    assert torch.equal(f(g1), f(g2))
    assert not torch.equal(f(g1), f(torch.Generator().manual_seed(5)))
    torch.manual_seed(7)
    b = f(None)
    torch.manual_seed(7)
    assert torch.equal(f(None), b)
    with pytest.raises(TypeError, match="generator must be None, an int seed or a torch.Generator"):
        f("seed")


@pytest.mark.parametrize("bad,match", [
    (dict(length=0), "length must be >= 1"),
    (dict(length=5, p=0.0), "p must be finite and > 0"),
    (dict(length=5, q=-1.0), "q must be finite and > 0"),
    (dict(length=5, method="alias"), "method must be one of"),
    (dict(length=5, starts=[0, 9]), r"starts must hold node indices in \[0, 9\)"),
    (dict(length=5, starts=[0.5]), "starts must hold integer node indices"),
    (dict(length=5, walks_per_node=0), "walks_per_node must be >= 1"),
])
def test_random_walks_bad_input_names_the_argument(bad, match):
    with pytest.raises((ValueError, TypeError), match=match):
        graphs.random_walks(G9, **bad)


def test_walk_chi2_bad_input_names_the_argument():
    W = graphs.random_walks(G9, 5, generator=0)
    with pytest.raises(ValueError, match="order=1 tests a first-order walk"):
        graphs.walk_chi2(G9, W, p=2.0, order=1)
    with pytest.raises(ValueError, match="cells='distance' needs order=2"):
        graphs.walk_chi2(G9, W, order=1, cells="distance")
    with pytest.raises(ValueError, match="walks must be a 2-D integer tensor"):
        graphs.walk_chi2(G9, W.double())
    with pytest.raises(TypeError, match="G must be a CSRGraph"):
        graphs.walk_chi2(W9, W)


def test_on_every_device(device):
    G = G9.to(device)
    gen = torch.Generator(device).manual_seed(0)
    for p, q in [(1.0, 1.0), (0.25, 4.0)]:
        W = graphs.random_walks(G, 40, walks_per_node=200, p=p, q=q, generator=gen)
        assert W.device.type == device.type
        assert graphs.walk_chi2(G, W, p=p, q=q)["pvalue"] > 1e-3
    E = graphs.embed_walks(W, 9, 4, generator=gen)
    assert E.device.type == device.type and bool(torch.isfinite(E).all())
    state, nodes, probs = graphs.transition_probabilities(G, torch.tensor([1], device=device),
                                                          torch.tensor([0], device=device), p=2.0, q=0.5)
    np.testing.assert_allclose(probs.cpu().numpy(), exact_law(W9, 0, 1, 2.0, 0.5)[nodes.cpu().numpy()], rtol=1e-12)
    Gt, held = graphs.split_edges(G, 0.2, generator=gen)
    assert Gt.device.type == device.type and held.device.type == device.type
    assert graphs.negative_edges(G, 3, generator=gen).device.type == device.type
