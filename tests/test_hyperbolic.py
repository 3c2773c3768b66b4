"""Tests of lowdim_utils.hyperbolic (lesson 12): oracles (geoopt, gensim, scikit-learn), properties,
the training loop, Sarkar's construction, devices and bad input."""
import math

import numpy as np
import pytest
import torch

from conftest import require_oracle
from lowdim_utils import hyperbolic as hy

torch.set_num_threads(1)  # tiny problems: threads only add overhead


def _ball(m, d, rmax=0.99, seed=0, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    Z = torch.randn(m, d, generator=g, dtype=dtype)
    return Z / Z.norm(dim=1, keepdim=True) * rmax * torch.rand(m, 1, generator=g, dtype=dtype) ** 0.5


def _geoopt_ball():
    geoopt = require_oracle("geoopt")
    # c as a float64 tensor: geoopt stores it through a softplus, and c=1.0 would be 0.99999996 in float64
    return geoopt, geoopt.PoincareBall(c=torch.tensor(1.0, dtype=torch.float64))


def test_kary_tree_counts_nodes_and_rejects_bad_sizes():
    edges, n = hy.kary_tree(3, 2)
    assert n == 15 and edges.shape == (14, 2) and edges.dtype == torch.int64
    assert sorted(edges[:, 0].tolist()) == list(range(1, 15))          # every non-root node has one parent
    assert (edges[:, 1] < edges[:, 0]).all()                            # parents come first
    assert hy.kary_tree(0, 3)[1] == 1 and hy.kary_tree(0, 3)[0].shape == (0, 2)
    with pytest.raises(ValueError, match="k"):
        hy.kary_tree(2, 0)
    with pytest.raises(ValueError, match="depth"):
        hy.kary_tree(-1, 2)


def _closure(edges, n):
    """(descendant, ancestor) pairs of a tree given as (child, parent) rows."""
    parent = {int(c): int(p) for c, p in edges}
    out = []
    for u in range(n):
        a = u
        while a in parent:
            a = parent[a]
            out.append((u, a))
    return torch.tensor(out)


# ----------------------------------------------------------------------------- geoopt oracle

def test_geometry_matches_geoopt():
    _, ball = _geoopt_ball()
    P, Q = _ball(500, 6, seed=1), _ball(500, 6, seed=2)
    V = 0.5 * torch.randn(500, 6, generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    torch.testing.assert_close(hy.poincare_distance(P, Q), ball.dist(P, Q), rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(hy.mobius_add(P, Q), ball.mobius_add(P, Q), rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(hy.expmap(P, V), ball.expmap(P, V, project=False), rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(hy.logmap(P, Q), ball.logmap(P, Q), rtol=1e-9, atol=1e-10)
    torch.testing.assert_close(hy.riemannian_grad(P, V), ball.egrad2rgrad(P, V), rtol=1e-12, atol=1e-14)
    big = 1.5 * P
    torch.testing.assert_close(hy.project(big, eps=1e-5), ball.projx(big), rtol=1e-12, atol=1e-14)


def test_pairwise_distances_match_geoopt_and_broadcasting():
    _, ball = _geoopt_ball()
    X, Y = _ball(40, 3, seed=4), _ball(30, 3, seed=5)
    ref = ball.dist(X[:, None, :], Y[None, :, :])
    torch.testing.assert_close(hy.pairwise_distances(X, Y), ref, rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(hy.pairwise_distances(X, Y, chunk_size=7), ref, rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(hy.poincare_distance(X[:, None, :], Y[None, :, :]), ref, rtol=1e-10, atol=1e-12)
    E = hy.pairwise_distances(X, Y, manifold="euclidean")
    torch.testing.assert_close(E, torch.cdist(X, Y) ** 2, rtol=1e-10, atol=1e-12)
    assert hy.pairwise_distances(X).diagonal().abs().max() == 0


def test_riemannian_sgd_matches_geoopt_including_projection():
    geoopt, ball = _geoopt_ball()
    targets = _ball(200, 4, 0.95, seed=6)
    start = _ball(200, 4, 0.95, seed=7)
    ours = torch.nn.Parameter(start.clone())
    theirs = geoopt.ManifoldParameter(start.clone(), manifold=ball)
    # a large step throws many points across the boundary; a few steps only, because geoopt clamps
    # its artanh at 1 − 1e-7 (distances above 16.8), which a long run at this rate would reach
    o1, o2 = hy.RiemannianSGD([ours], lr=2.0), geoopt.optim.RiemannianSGD([theirs], lr=2.0)
    crossed = 0
    for _ in range(5):
        for p, o, dist in ((ours, o1, hy.poincare_distance), (theirs, o2, ball.dist)):
            o.zero_grad()
            dist(p, targets).sum().backward()
            o.step()
        crossed += int((ours.detach().norm(dim=1) > 1 - 2e-5).sum())
    assert crossed > 0, "the test should exercise the projection"
    torch.testing.assert_close(ours.detach(), theirs.detach(), rtol=1e-9, atol=1e-11)


def test_riemannian_sgd_expmap_retraction():
    _, ball = _geoopt_ball()
    start, target = _ball(50, 3, 0.9, seed=8), _ball(50, 3, 0.9, seed=9)
    p = torch.nn.Parameter(start.clone())
    opt = hy.RiemannianSGD([p], lr=0.5, retraction="expmap")
    hy.poincare_distance(p, target).sum().backward()
    grad = p.grad.clone()
    opt.step()
    want = ball.projx(ball.expmap(start, -0.5 * ball.egrad2rgrad(start, grad), project=False))
    torch.testing.assert_close(p.detach(), want, rtol=1e-10, atol=1e-12)


def test_rows_without_gradient_do_not_move():
    p = torch.nn.Parameter(_ball(10, 2, 0.5, seed=10))
    before = p.detach().clone()
    opt = hy.RiemannianSGD([p], lr=1.0)
    hy.poincare_distance(p[:3], torch.zeros(3, 2, dtype=p.dtype)).sum().backward()
    opt.step()
    assert torch.equal(p.detach()[3:], before[3:])
    assert not torch.equal(p.detach()[:3], before[:3])


# ----------------------------------------------------------------------------- properties of the geometry

def test_distance_properties():
    P, Q, R = _ball(300, 5, seed=11), _ball(300, 5, seed=12), _ball(300, 5, seed=13)
    d = hy.poincare_distance
    torch.testing.assert_close(d(P, Q), d(Q, P), rtol=0, atol=1e-13)
    assert d(P, P).abs().max() < 1e-14
    assert bool((d(P, R) <= d(P, Q) + d(Q, R) + 1e-10).all())                     # triangle inequality
    torch.testing.assert_close(d(torch.zeros_like(P), P), 2 * torch.atanh(P.norm(dim=1)), rtol=1e-12, atol=1e-12)
    A = _ball(300, 5, 0.9, seed=14)
    # Möbius translation is an isometry
    torch.testing.assert_close(d(hy.mobius_add(A, P), hy.mobius_add(A, Q)), d(P, Q), rtol=1e-8, atol=1e-9)
    torch.testing.assert_close(hy.mobius_add(-P, P), torch.zeros_like(P), rtol=0, atol=1e-12)


def test_distance_is_accurate_for_nearby_points_where_arcosh_is_not():
    A = _ball(200, 4, 0.9, seed=15)
    step = torch.randn(200, 4, generator=torch.Generator().manual_seed(16), dtype=torch.float64)
    B = A + 1e-9 * step / step.norm(dim=1, keepdim=True)
    alpha, beta = 1 - (A * A).sum(1), 1 - (B * B).sum(1)
    exact = 2 * (B - A).norm(dim=1) / torch.sqrt(alpha * beta)        # asinh(x) = x (1 + O(x²)), x ~ 1e-8
    assert float(((hy.poincare_distance(A, B) - exact).abs() / exact).max()) < 1e-12
    naive = torch.arccosh(1 + 2 * ((A - B) ** 2).sum(1) / (alpha * beta))
    assert float(((naive - exact).abs() / exact).max()) > 0.5           # what a wrong implementation gets


def test_expmap_and_logmap_are_inverse_and_measure_length():
    X = _ball(200, 3, 0.9, seed=17)
    V = 0.05 * torch.randn(200, 3, generator=torch.Generator().manual_seed(18), dtype=torch.float64)
    Y = hy.expmap(X, V)
    torch.testing.assert_close(hy.logmap(X, Y), V, rtol=1e-9, atol=1e-12)
    lam = 2 / (1 - (X * X).sum(1))
    torch.testing.assert_close(hy.poincare_distance(X, Y), lam * V.norm(dim=1), rtol=1e-9, atol=1e-12)
    # first order: exp_x(v) = x + v + O(|v|^2) (the retraction of Riemannian SGD)
    small = 1e-6 * V
    assert float((hy.expmap(X, small) - (X + small)).abs().max()) < 1e-9
    torch.testing.assert_close(hy.expmap(X, torch.zeros_like(X)), X)


def test_distance_gradient_is_finite_at_coincident_points():
    u = torch.tensor([[0.3, -0.2]], dtype=torch.float64, requires_grad=True)
    hy.poincare_distance(u, u.detach().clone()).sum().backward()
    assert torch.isfinite(u.grad).all() and float(u.grad.abs().max()) == 0.0


def test_closed_form_loss_gradients_match_autograd():
    g = torch.Generator().manual_seed(19)
    for manifold in hy.MANIFOLDS:
        U = (torch.rand(2, 5, 3, generator=g, dtype=torch.float64) - 0.5) * 0.9
        C = (torch.rand(2, 5, 7, 3, generator=g, dtype=torch.float64) - 0.5) * 0.9
        invalid = torch.zeros(2, 5, 7, dtype=torch.bool)
        invalid[0, 1, 3] = invalid[1, 4, 6] = True
        loss, dU, dC = hy._softmax_loss_grads(U, C, invalid, manifold)
        U2, C2 = U.clone().requires_grad_(True), C.clone().requires_grad_(True)
        dist = hy._distance_fn(manifold)(U2[..., None, :], C2)
        logp = torch.log_softmax((-dist).masked_fill(invalid, float("-inf")), -1)
        (-logp[..., 0]).sum().backward()
        torch.testing.assert_close(loss, -logp[..., 0].detach(), rtol=1e-12, atol=1e-13)
        torch.testing.assert_close(dU, U2.grad, rtol=1e-10, atol=1e-12)
        torch.testing.assert_close(dC, C2.grad, rtol=1e-10, atol=1e-12)


def test_float32_and_half_precision():
    P, Q = _ball(100, 4, 0.9, seed=20), _ball(100, 4, 0.9, seed=21)
    ref = hy.poincare_distance(P, Q)
    d32 = hy.poincare_distance(P.float(), Q.float())
    assert d32.dtype == torch.float32
    assert float(((d32.double() - ref).abs() / ref).max()) < 1e-5
    d16 = hy.poincare_distance(P.half(), Q.half())
    assert d16.dtype == torch.float32 and torch.isfinite(d16).all()
    assert hy.expmap(P.half(), Q.half()).dtype == torch.float32
    assert hy.pairwise_distances(P.half()).dtype == torch.float32


def test_requires_grad_and_big_endian_inputs():
    P, Q = _ball(20, 3, 0.9, seed=22), _ball(20, 3, 0.9, seed=23)
    ref = hy.poincare_distance(P, Q)
    out = hy.poincare_distance(P.clone().requires_grad_(True), Q)
    assert out.requires_grad
    torch.testing.assert_close(out.detach(), ref)
    torch.testing.assert_close(hy.poincare_distance(P.numpy().astype(">f8"), Q.numpy().astype(">f8")), ref)
    torch.testing.assert_close(hy.pairwise_distances(P.numpy().astype(">f8")), hy.pairwise_distances(P))


# ----------------------------------------------------------------------------- evaluation

def _brute_force_metrics(E, pairs, manifold="poincare"):
    from sklearn.metrics import average_precision_score
    D = hy.pairwise_distances(E, manifold=manifold).numpy()
    n = D.shape[0]
    pos = {}
    for u, v in pairs.tolist():
        pos.setdefault(u, set()).add(v)
    ranks, aps = [], []
    for u, vs in pos.items():
        others = [w for w in range(n) if w != u]
        neg = [w for w in others if w not in vs]
        for v in vs:
            ranks.append(1 + sum(D[u, w] <= D[u, v] for w in neg))
        labels = np.array([w in vs for w in others], dtype=float)
        aps.append(average_precision_score(labels, -D[u, others]))
    return float(np.mean(ranks)), float(np.mean(aps))


def test_reconstruction_metrics_match_scikit_learn_and_brute_force():
    require_oracle("sklearn")
    edges, n = hy.kary_tree(3, 3)
    pairs = _closure(edges, n)
    for manifold in hy.MANIFOLDS:
        E = _ball(n, 3, 0.9, seed=24)
        rec = hy.reconstruction_metrics(E, pairs, manifold=manifold)
        rank, ap = _brute_force_metrics(E, pairs, manifold)
        assert rec.mean_rank == pytest.approx(rank, rel=1e-12)
        assert rec.map == pytest.approx(ap, rel=1e-12)


def test_reconstruction_metrics_of_a_stack_and_of_a_perfect_embedding():
    edges, n = hy.kary_tree(2, 3)
    pairs = _closure(edges, n)
    # children far out, each near its own parent: ancestors are the nearest non-self nodes? use a
    # Sarkar embedding of the tree's links, where every node's neighbours are nearest (tree MAP = 1)
    X = hy.sarkar_embedding(edges, n, 0, tau=3.0)
    links = torch.cat([edges, edges.flip(1)])
    rec = hy.reconstruction_metrics(X, links)
    assert rec.mean_rank == pytest.approx(1.0) and rec.map == pytest.approx(1.0)
    E = torch.stack([_ball(n, 2, 0.9, seed=s) for s in (25, 26)])
    both = hy.reconstruction_metrics(E, pairs)
    for i in range(2):
        one = hy.reconstruction_metrics(E[i], pairs)
        assert float(both.mean_rank[i]) == pytest.approx(one.mean_rank) and float(both.map[i]) == pytest.approx(one.map)


def test_ties_count_against_the_embedding():
    # all points at one place: every negative ties every positive
    E = torch.zeros(4, 2, dtype=torch.float64)
    pairs = torch.tensor([[0, 1], [2, 1]])
    rec = hy.reconstruction_metrics(E, pairs)
    assert rec.mean_rank == 3.0                  # 1 + the two negatives at distance ≤ d(u, v)
    assert rec.map == pytest.approx(1 / 3)       # one positive among the three other nodes


def test_gensim_evaluation_counts_the_node_itself(tmp_path):
    require_oracle("gensim")
    from gensim.models.poincare import PoincareModel, ReconstructionEvaluation
    edges, n = hy.kary_tree(2, 4)
    pairs = _closure(edges, n)
    names = [f"node{i}" for i in range(n)]
    path = tmp_path / "closure.tsv"
    path.write_text("".join(f"{names[u]}\t{names[v]}\n" for u, v in pairs.tolist()))
    model = PoincareModel([(names[u], names[v]) for u, v in pairs.tolist()], size=2, negative=2, seed=0)
    E = _ball(n, 2, 0.9, seed=27)
    model.kv.vectors[:] = E[[int(k[4:]) for k in model.kv.index_to_key]].numpy()
    theirs = ReconstructionEvaluation(str(path), model.kv).evaluate()
    ours = hy.reconstruction_metrics(E, pairs)
    # gensim ranks each positive among all other nodes and u itself (distance 0): one more
    assert theirs["mean_rank"] == pytest.approx(ours.mean_rank + 1, rel=1e-12)


# ----------------------------------------------------------------------------- training

def test_training_reconstructs_a_small_tree_and_beats_euclidean_in_2d():
    edges, n = hy.kary_tree(3, 4)                                      # 85 nodes
    pairs = _closure(edges, n)
    kw = dict(epochs=60, burnin=10, batch_size=64, negatives=10, generator=0)
    poin = hy.train_embedding(pairs, n, 2, lr=0.3, **kw)
    eucl = hy.train_embedding(pairs, n, 2, manifold="euclidean", lr=0.02, **kw)
    mp = hy.reconstruction_metrics(poin.embeddings[0], pairs).map
    me = hy.reconstruction_metrics(eucl.embeddings[0], pairs, manifold="euclidean").map
    assert mp > 0.8, mp
    assert mp > me + 0.1, (mp, me)
    assert poin.loss.shape == (60, 1) and poin.loss[-1, 0] < poin.loss[0, 0]


def test_training_batches_dimensions_seeds_and_learning_rates():
    edges, n = hy.kary_tree(2, 3)
    pairs = _closure(edges, n)
    res = hy.train_embedding(pairs, n, [2, 5, 3], models=3, lr=[0.1, 0.2, 0.3], epochs=3, batch_size=8, generator=1)
    assert res.embeddings.shape == (3, n, 5) and res.dims == [2, 5, 3]
    assert float(res.embeddings[0, :, 2:].abs().max()) == 0.0 and float(res.embeddings[2, :, 3:].abs().max()) == 0.0
    assert res.embedding(0).shape == (n, 2)
    assert float(res.embeddings.norm(dim=-1).max()) < 1


def test_training_follows_the_randomness_policy():
    edges, n = hy.kary_tree(2, 3)
    pairs = _closure(edges, n)
    kw = dict(epochs=2, batch_size=4)
    a = hy.train_embedding(pairs, n, 2, generator=5, **kw).embeddings
    torch.manual_seed(0)
    b = hy.train_embedding(pairs, n, 2, generator=5, **kw).embeddings
    assert torch.equal(a, b)
    g = torch.Generator().manual_seed(5)
    c = hy.train_embedding(pairs, n, 2, generator=g, **kw).embeddings
    d = hy.train_embedding(pairs, n, 2, generator=g, **kw).embeddings
    assert torch.equal(a, c) and not torch.equal(c, d)
    with pytest.raises(TypeError, match="generator must be None, an int seed or a torch.Generator"):
        hy.train_embedding(pairs, n, 2, generator="seed", **kw)


def test_training_keeps_points_inside_the_ball_at_a_huge_learning_rate():
    edges, n = hy.kary_tree(2, 5)
    pairs = _closure(edges, n)
    res = hy.train_embedding(pairs, n, 2, lr=100.0, epochs=5, burnin=0, batch_size=16, generator=2)
    norms = res.embeddings.norm(dim=-1)
    assert torch.isfinite(res.embeddings).all() and float(norms.max()) <= 1 - hy.EPS + 1e-12
    assert float(norms.max()) > 0.99                             # the projection was needed


def test_devices(device):
    P, Q = _ball(50, 3, 0.9, seed=28), _ball(50, 3, 0.9, seed=29)
    ref = hy.poincare_distance(P, Q)
    out = hy.poincare_distance(P.to(device), Q.to(device))
    assert out.device.type == device.type
    torch.testing.assert_close(out.cpu(), ref, rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(hy.expmap(P.to(device), Q.to(device)).cpu(), hy.expmap(P, Q), rtol=1e-10, atol=1e-12)
    p = torch.nn.Parameter(P.to(device))
    opt = hy.RiemannianSGD([p], lr=0.5)
    hy.poincare_distance(p, Q.to(device)).sum().backward()
    opt.step()
    assert p.device.type == device.type and float(p.detach().norm(dim=1).max()) < 1
    edges, n = hy.kary_tree(2, 3)
    pairs = _closure(edges, n)
    res = hy.train_embedding(pairs, n, 2, models=2, epochs=2, batch_size=8, generator=3, device=device)
    cpu = hy.train_embedding(pairs, n, 2, models=2, epochs=2, batch_size=8, generator=3)
    assert res.embeddings.device.type == device.type
    torch.testing.assert_close(res.embeddings.cpu(), cpu.embeddings, rtol=1e-8, atol=1e-10)
    rec = hy.reconstruction_metrics(res.embeddings, pairs)
    torch.testing.assert_close(rec.map, hy.reconstruction_metrics(cpu.embeddings, pairs).map, rtol=1e-6, atol=1e-9)


# ----------------------------------------------------------------------------- Sarkar, distortion, trees

def test_sarkar_links_have_length_tau_and_paths_are_geodesics():
    edges, n = hy.kary_tree(3, 3)
    for tau in (0.5, 2.0):
        X = hy.sarkar_embedding(edges, n, 0, tau=tau)
        assert float(X[0].abs().max()) == 0.0
        torch.testing.assert_close(hy.poincare_distance(X[edges[:, 0]], X[edges[:, 1]]),
                                   torch.full((len(edges),), tau, dtype=torch.float64), rtol=1e-10, atol=1e-10)
    path = torch.tensor([(i + 1, i) for i in range(6)])
    X = hy.sarkar_embedding(path, 7, 0, tau=1.5)
    torch.testing.assert_close(hy.poincare_distance(X[:1], X), 1.5 * torch.arange(7, dtype=torch.float64),
                               rtol=1e-9, atol=1e-9)
    # the precision bound: ‖x‖ = tanh(kτ/2) on a path
    torch.testing.assert_close(X.norm(dim=1), torch.tanh(1.5 * torch.arange(7, dtype=torch.float64) / 2))


def test_sarkar_distortion_falls_with_the_scale():
    edges, n = hy.kary_tree(4, 3)
    D = hy.tree_distances(edges, n)
    worst = [hy.distortion(hy.pairwise_distances(hy.sarkar_embedding(edges, n, 0, tau=t)), D).worst
             for t in (1.5, 3.0, 6.0)]
    assert worst[0] > worst[1] > worst[2] and worst[2] < 1.2, worst


def test_sarkar_refuses_a_scale_beyond_double_precision():
    path = torch.tensor([(i + 1, i) for i in range(30)])
    with pytest.raises(ValueError, match="tau=3 puts nodes .* on the unit circle"):
        hy.sarkar_embedding(path, 31, 0, tau=3.0)
    assert hy.sarkar_embedding(path, 31, 0, tau=1.0).dtype == torch.float64
    assert hy.sarkar_embedding(path, 31, 0, tau=1.0, dtype=torch.float32).dtype == torch.float32


def test_distortion_closed_forms():
    D = torch.tensor([[0.0, 1, 2], [1, 0, 1], [2, 1, 0]], dtype=torch.float64)
    iso = hy.distortion(3 * D, D)
    assert iso.average == pytest.approx(0.0, abs=1e-15) and iso.worst == pytest.approx(1.0) and iso.scale == pytest.approx(1 / 3)
    E = D.clone()
    E[0, 2] = E[2, 0] = 1.0                        # the long pair shrunk by 2
    d = hy.distortion(E, D, scale=1.0)
    assert d.average == pytest.approx(0.5 / 3) and d.worst == pytest.approx(2.0)
    collapsed = D.clone()
    collapsed[0, 1] = collapsed[1, 0] = 0.0
    assert hy.distortion(collapsed, D).worst == math.inf


def test_tree_distances_and_bfs_tree():
    D = hy.tree_distances(torch.tensor([[1, 0], [2, 1], [3, 1]]), 5)
    assert D[0, 3] == 2 and D[2, 3] == 2 and math.isinf(float(D[0, 4]))
    graph = torch.tensor([[1, 0], [2, 0], [3, 1], [3, 2], [4, 3]])     # node 3 has two parents
    tree = hy.bfs_tree(graph, 5, 0)
    assert tree.shape == (4, 2) and tree.tolist() == [[1, 0], [2, 0], [3, 1], [4, 3]]
    with pytest.raises(ValueError, match="unreachable"):
        hy.bfs_tree(torch.tensor([[1, 0]]), 3, 0)


# ----------------------------------------------------------------------------- bad input

def test_bad_input_names_the_argument():
    P = _ball(5, 2, 0.5)
    out = torch.tensor([[1.2, 0.0]] + [[0.0, 0.0]] * 4, dtype=torch.float64)
    with pytest.raises(ValueError, match="u must lie inside the unit ball"):
        hy.poincare_distance(out, P)
    with pytest.raises(ValueError, match="v must lie inside the unit ball"):
        hy.poincare_distance(P, out)
    with pytest.raises(ValueError, match="x and y must have the same number of coordinates"):
        hy.mobius_add(P, _ball(5, 3, 0.5))
    with pytest.raises(ValueError, match="do not broadcast"):
        hy.poincare_distance(P, _ball(4, 2, 0.5))
    with pytest.raises(ValueError, match="u contains NaN"):
        hy.poincare_distance(torch.full((2, 2), float("nan")), P[:2])
    with pytest.raises(TypeError, match="u must be an array"):
        hy.poincare_distance("points", P)
    with pytest.raises(ValueError, match="v must have 2 coordinates"):
        hy.expmap(P, torch.zeros(5, 3))
    with pytest.raises(ValueError, match="egrad must have the shape of x"):
        hy.riemannian_grad(P, torch.zeros(4, 2))
    with pytest.raises(ValueError, match="eps must be < 1"):
        hy.project(P, eps=1.5)
    with pytest.raises(ValueError, match="X must lie inside the unit ball"):
        hy.pairwise_distances(out)
    with pytest.raises(ValueError, match="manifold must be one of"):
        hy.pairwise_distances(P, manifold="sphere")
    with pytest.raises(ValueError, match="lr must be finite and > 0"):
        hy.RiemannianSGD([torch.nn.Parameter(P.clone())], lr=0.0)
    with pytest.raises(ValueError, match="retraction must be one of"):
        hy.RiemannianSGD([torch.nn.Parameter(P.clone())], lr=0.1, retraction="exp")


def test_bad_training_and_evaluation_input():
    pairs = torch.tensor([[1, 0], [2, 0]])
    with pytest.raises(TypeError, match="pairs must hold integer node indices"):
        hy.train_embedding(pairs.float(), 3, 2)
    with pytest.raises(ValueError, match=r"pairs must hold node indices in \[0, 3\)"):
        hy.train_embedding(torch.tensor([[3, 0]]), 3, 2)
    with pytest.raises(ValueError, match="pairs must not relate a node to itself"):
        hy.train_embedding(torch.tensor([[1, 1]]), 3, 2)
    with pytest.raises(ValueError, match=r"pairs must have shape \(P, 2\)"):
        hy.train_embedding(torch.tensor([1, 0]), 3, 2)
    with pytest.raises(ValueError, match="dim must be an int or one int per model"):
        hy.train_embedding(pairs, 3, [2, 3], models=3)
    with pytest.raises(ValueError, match="lr must be a number or one number per model"):
        hy.train_embedding(pairs, 3, 2, models=2, lr=[0.1])
    with pytest.raises(ValueError, match="init_scale must be below"):
        hy.train_embedding(pairs, 3, 4, init_scale=0.6)
    with pytest.raises(ValueError, match="epochs must be >= 1"):
        hy.train_embedding(pairs, 3, 2, epochs=0)
    with pytest.raises(ValueError, match="manifold must be one of"):
        hy.train_embedding(pairs, 3, 2, manifold="lorentz")
    with pytest.raises(TypeError, match="dtype must be one of"):
        hy.train_embedding(pairs, 3, 2, dtype=torch.float16)
    with pytest.raises(ValueError, match="embeddings must lie inside the unit ball"):
        hy.reconstruction_metrics(torch.ones(3, 2), pairs)
    with pytest.raises(ValueError, match="embeddings must have 2 or 3 dimensions"):
        hy.reconstruction_metrics(torch.zeros(3), pairs)
    with pytest.raises(ValueError, match="tau must be finite and > 0"):
        hy.sarkar_embedding(pairs, 3, 0, tau=-1.0)
    with pytest.raises(ValueError, match="root must be <= 2"):
        hy.sarkar_embedding(pairs, 3, 5)
    with pytest.raises(ValueError, match="D_embedding and D_graph must be square of one shape"):
        hy.distortion(torch.zeros(3, 3), torch.zeros(2, 2))
    with pytest.raises(ValueError, match="D_graph must be positive between distinct nodes"):
        hy.distortion(torch.ones(3, 3), torch.zeros(3, 3))
