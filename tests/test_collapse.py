"""Tests of lowdim_utils.collapse (lesson 21): the simplex ETF against its closed-form Gram matrix, NC1–NC4
on exact and perturbed collapse (NC1 against lesson 21, Eq. (13)), probes against scikit-learn, bad input."""
import numpy as np
import pytest
import torch
from conftest import require_oracle

from lowdim_utils import collapse as nc


@pytest.mark.parametrize("K, d", [(2, None), (5, None), (5, 4), (10, 32)])
def test_simplex_etf_gram(K, d):
    E = nc.simplex_etf(K, d, generator=0)
    assert E.shape == (K if d is None else d, K)
    torch.testing.assert_close(E.T @ E, nc.etf_gram(K), atol=1e-12, rtol=0)
    assert float(E.sum(1).abs().max()) < 1e-12


def test_nc_metrics_zero_on_exact_collapse_and_grow_with_perturbation():
    K = 6
    E = nc.simplex_etf(K, 12, generator=1)
    y = torch.arange(K).repeat(20)
    exact = nc.nc_metrics(E.T[y], y, W=E.T)
    assert max(exact.values()) < 1e-12
    g = torch.Generator().manual_seed(0)
    prev = None
    for eps in (0.05, 0.2, 0.5):
        H = E.T[y] + eps * torch.randn(len(y), 12, generator=g, dtype=torch.float64)
        Wp = E.T + eps * torch.randn(K, 12, generator=g, dtype=torch.float64)
        m = nc.nc_metrics(H, y, W=Wp)
        assert m["nc1"] > 1e-4 and m["nc3"] > 1e-4
        if prev is not None:
            assert m["nc1"] > prev["nc1"] and m["nc3"] > prev["nc3"]
        prev = m


def test_nc1_matches_noisy_etf_closed_form():
    """Lesson 21, Eq. (13): NC1 = σ²(K−1)²/(Kρ²)."""
    K, d, rho, sigma = 4, 16, 2.0, 0.3
    E = rho * nc.simplex_etf(K, d, generator=2)
    y = torch.arange(K).repeat_interleave(20000)
    H = E.T[y] + sigma * torch.randn(len(y), d, generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    assert nc.nc_metrics(H, y)["nc1"] == pytest.approx(sigma ** 2 * (K - 1) ** 2 / (K * rho ** 2), rel=0.02)


def test_nc2_invariant_to_scale_and_rotation():
    E = nc.simplex_etf(5, 5)
    Q = torch.linalg.qr(torch.randn(5, 5, generator=torch.Generator().manual_seed(0), dtype=torch.float64))[0]
    y = torch.arange(5).repeat(3)
    assert nc.nc_metrics(3.0 * (Q @ E).T[y] + 1.0, y)["nc2"] < 1e-12
    orth = torch.eye(5, dtype=torch.float64)          # centred orthonormal means ARE an ETF ...
    assert nc.nc_metrics(orth[y], y)["nc2"] < 1e-12
    uneq = torch.diag(torch.arange(1.0, 6.0, dtype=torch.float64))   # ... means of unequal norms are not
    assert nc.nc_metrics(uneq[y], y)["nc2"] > 0.05


def test_nc4_counts_disagreement_with_nearest_mean():
    H = torch.tensor([[0.0, 0.0], [0.1, 0.0], [1.0, 1.0], [1.1, 1.0]], dtype=torch.float64)
    y = torch.tensor([0, 0, 1, 1])
    W = torch.tensor([[1.0, 1.0], [0.0, 0.0]], dtype=torch.float64)      # logits h1 + h2 for class 0, 0.05 for class 1
    m = nc.nc_metrics(H, y, W=W, b=torch.tensor([0.0, 0.05], dtype=torch.float64))
    assert m["nc4"] == pytest.approx(0.75)      # rows 0, 2, 3 disagree with the nearest class mean


def test_linear_probe_matches_sklearn():
    require_oracle("sklearn")
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler
    g = np.random.default_rng(0)
    X = g.standard_normal((600, 10)); y = (X[:, :3] @ [1.0, -2.0, 0.5] + 0.5 * g.standard_normal(600) > 0).astype(int)
    Xt = g.standard_normal((400, 10)); yt = (Xt[:, :3] @ [1.0, -2.0, 0.5] + 0.5 * g.standard_normal(400) > 0).astype(int)
    ours = nc.linear_probe(X, y, Xt, yt, steps=300)
    sc = StandardScaler().fit(X)
    ref = LogisticRegression(max_iter=1000).fit(sc.transform(X), y).score(sc.transform(Xt), yt)
    assert abs(ours - ref) <= 0.02


def test_sparse_probe_finds_the_informative_neuron():
    g = torch.Generator().manual_seed(0)
    H = torch.randn(800, 30, generator=g)
    y = (H[:, 7] > 0).long()
    assert int(nc.rank_neurons(H, y)[0]) == 7
    acc = nc.sparse_probe(H[:600], y[:600], H[600:], y[600:], 1)
    assert acc > 0.95


def test_device(device):
    E = nc.simplex_etf(4, 6, device=device)
    y = torch.arange(4, device=device).repeat(5)
    m = nc.nc_metrics(E.T[y], y, W=E.T)
    assert E.device.type == device.type and max(m.values()) < 1e-10


@pytest.mark.parametrize("call, name", [
    (lambda: nc.simplex_etf(5, 3), "d"),
    (lambda: nc.etf_gram(1), "K"),
    (lambda: nc.nc_metrics(torch.rand(6, 3), torch.zeros(6, dtype=torch.long)), "y"),
    (lambda: nc.nc_metrics(torch.rand(6, 3), torch.tensor([0, 1, 0, 1, 0, 1]), W=torch.rand(3, 3)), "W"),
    (lambda: nc.rank_neurons(torch.rand(6, 3), torch.tensor([0, 1, 2, 1, 0, 1])), "y_binary"),
    (lambda: nc.sparse_probe(torch.rand(6, 3), torch.tensor([0, 1] * 3), torch.rand(4, 3), torch.tensor([0, 1] * 2), 5), "k"),
])
def test_bad_input_names_the_argument(call, name):
    with pytest.raises((ValueError, TypeError), match=name):
        call()
