"""Tests of lowdim_utils.neighbors.knn, the one k-NN of the package: scikit-learn as the oracle,
exact small distances, chunking, data far from the origin, duplicates, devices, bad input."""
import numpy as np
import pytest
import torch

from lowdim_utils.neighbors import knn


METHODS = ["brute", "tree"]


@pytest.mark.parametrize("method", METHODS)
def test_matches_sklearn(method):
    from sklearn.neighbors import NearestNeighbors
    X = np.random.default_rng(0).standard_normal((300, 7))
    dist, idx = knn(X, 5, chunk_size=37, method=method)          # several blocks
    ref_d, ref_i = NearestNeighbors(n_neighbors=5).fit(X).kneighbors()
    np.testing.assert_allclose(dist.numpy(), ref_d, rtol=1e-12)
    np.testing.assert_array_equal(idx.numpy(), ref_i)
    assert dist.dtype == torch.float64 and idx.dtype == torch.int64


@pytest.mark.parametrize("method", METHODS)
def test_small_distances_are_exact(method):
    # pairs of points 1e-3 apart in a cloud of size 100: in float32 the matrix-product form
    # (|a|^2 + |b|^2 - 2ab) has errors ~1e-3 in the squared distance; recomputing the chosen
    # neighbours' distances directly keeps them to float32 round-off
    rng = np.random.default_rng(1)
    A = 100 * rng.standard_normal((100, 3))
    X = torch.from_numpy(np.concatenate([A, A + 1e-3 * rng.standard_normal(A.shape)])).float()
    d = knn(X, 1, method=method)[0][:, 0].double().numpy()
    Xd = X.double().numpy()
    ref = np.linalg.norm(Xd[:100] - Xd[100:], axis=1)
    np.testing.assert_allclose(d, np.r_[ref, ref], rtol=1e-5)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("offset", [100.0, 1000.0, 1e4])
def test_float32_far_from_the_origin_finds_the_same_neighbours(offset, method):
    # without centring, the neighbour *sets* drift in float32 once |x| >> distances
    from sklearn.neighbors import NearestNeighbors
    X = np.random.default_rng(2).uniform(size=(400, 3))
    _, ref = NearestNeighbors(n_neighbors=6).fit(X).kneighbors()
    d32, i32 = knn(torch.from_numpy(X + offset).float(), 6, method=method)
    agree = np.mean([len(set(a) & set(b)) / 6 for a, b in zip(i32.numpy(), ref)])
    assert agree > 0.99, agree


def test_chunking_does_not_change_the_result():
    X = torch.randn(257, 5, dtype=torch.float64)
    a = knn(X, 4, method="brute")
    for c in (1, 10, 256, 1000):
        b = knn(X, 4, chunk_size=c, method="brute")
        torch.testing.assert_close(b[0], a[0])
        assert torch.equal(b[1], a[1])


@pytest.mark.parametrize("method", METHODS)
def test_self_excluded_duplicates_count_at_distance_zero(method):
    X = np.array([[0.0, 0.0], [0.0, 0.0], [1.0, 0.0], [3.0, 0.0]])
    d, i = knn(X, 1, method=method)
    assert i[:, 0].tolist() == [1, 0, 0, 2] or i[:, 0].tolist() == [1, 0, 1, 2]
    assert d[:2, 0].tolist() == [0.0, 0.0]
    assert (i != torch.arange(4)[:, None]).all()


@pytest.mark.parametrize("method", METHODS)
def test_half_precision_is_computed_in_float32(method):
    X = torch.randn(50, 3).half()
    d, _ = knn(X, 3, method=method)
    assert d.dtype == torch.float32


def test_on_device(device):
    X = torch.randn(300, 6, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    d, i = knn(X.to(device), 4)
    assert d.device.type == device.type
    dc, ic = knn(X, 4)
    torch.testing.assert_close(d.cpu(), dc)
    assert torch.equal(i.cpu(), ic)


@pytest.mark.parametrize("d", [1, 2, 3, 8, 16])
def test_tree_and_brute_force_agree(d):
    # random data: the same neighbours and distances; the k-d tree is the CPU default up to d = 16
    X = torch.randn(1500, d, dtype=torch.float64, generator=torch.Generator().manual_seed(d))
    bd, bi = knn(X, 7, method="brute")
    td, ti = knn(X, 7, method="tree")
    ad, ai = knn(X, 7)
    torch.testing.assert_close(td, bd, rtol=1e-12, atol=0)
    assert torch.equal(ti, bi)
    assert torch.equal(ai, ti) and torch.equal(ad, td)


def test_tree_with_many_ties_and_duplicates():
    # points of a small integer grid, each present twice: every distance ties with others; the
    # tree must still exclude each point itself, keep its duplicate at 0 and agree on distances
    g = torch.stack(torch.meshgrid(torch.arange(6.0), torch.arange(6.0), indexing="ij"), -1).reshape(-1, 2)
    X = torch.cat([g, g]).double()
    bd, _ = knn(X, 5, method="brute")
    td, ti = knn(X, 5, method="tree")
    torch.testing.assert_close(td, bd)
    n = X.shape[0]
    assert (ti != torch.arange(n)[:, None]).all()
    assert (ti[:, 0] == (torch.arange(n) + n // 2) % n).all() and (td[:, 0] == 0).all()


def test_the_tree_route_is_for_the_cpu(device):
    X = torch.randn(40, 3, device=device)
    if device.type == "cpu":
        assert knn(X, 2, method="tree")[0].shape == (40, 2)
    else:
        with pytest.raises(ValueError, match="method='tree' runs on the CPU"):
            knn(X, 2, method="tree")


@pytest.mark.parametrize("call,exc,match", [
    (lambda: knn(np.random.rand(20, 3), 3, method="ball"), ValueError, "method must be one of"),
    (lambda: knn(np.random.rand(20, 3), 0), ValueError, "k must be >= 1"),
    (lambda: knn(np.random.rand(20, 3), 20), ValueError, "k must be <= 19"),
    (lambda: knn(np.random.rand(20, 3), 2.5), TypeError, "k must be an integer"),
    (lambda: knn(np.random.rand(20, 3), 3, chunk_size=0), ValueError, "chunk_size must be >= 1"),
    (lambda: knn(np.random.rand(20), 3), ValueError, "X must have 2 dimensions"),
    (lambda: knn(np.random.rand(1, 3), 1), ValueError, "X must have at least 2 rows"),
])
def test_bad_input_names_the_argument(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


@pytest.mark.parametrize("n, k, group", [(1000, 10, 16), (1003, 10, 16), (100, 7, 16), (50, 5, 16), (64, 8, 1),
                                         (2000, 30, 4)])
def test_the_two_step_selection_finds_the_k_smallest(n, k, group):
    # the group minima route must return the same set as a full selection, also when n is not a multiple
    # of the group (the remainder columns), when few groups exist (< k: plain topk) and with many ties
    from lowdim_utils.neighbors import _smallest_k
    g = torch.Generator().manual_seed(n + k)
    for d2 in (torch.randn(37, n, generator=g, dtype=torch.float64),
               torch.randint(0, 5, (37, n), generator=g).double()):          # heavy ties: compare values
        got = torch.gather(d2, 1, _smallest_k(d2, k, group)).sort(1).values
        ref = torch.topk(d2, k, dim=1, largest=False).values.sort(1).values
        assert torch.equal(got, ref)
        idx = _smallest_k(d2, k, group)
        assert all(len(set(r.tolist())) == k for r in idx)                   # k distinct columns per row


def test_the_brute_force_route_matches_sklearn_in_64_dimensions():
    # the route Appendix A times (d > TREE_MAX_DIM): groups of GROUP entries, n not a multiple of it
    from sklearn.neighbors import NearestNeighbors
    X = np.random.default_rng(3).standard_normal((1001, 64))
    dist, idx = knn(X, 10)
    ref_d, ref_i = NearestNeighbors(n_neighbors=10).fit(X).kneighbors()
    np.testing.assert_allclose(dist.numpy(), ref_d, rtol=1e-12)
    np.testing.assert_array_equal(idx.numpy(), ref_i)
