"""Tests of lowdim_utils.superposition (lesson 21): toy data, batched toy models against a loop and the
closed forms of lesson 21's proposition, feature dimensionality, sparse autoencoders (TopK exactness,
recovery of known features, resampling), bad input."""
import numpy as np
import pytest
import torch

from lowdim_utils import superposition as sp


def test_sparse_features_density_and_range():
    x = sp.sparse_features(20000, [0.9, 0.5], 3, generator=0)
    assert x.shape == (20000, 2, 3)
    assert x.min() >= 0 and x.max() <= 1
    dens = (x > 0).float().mean((0, 2))
    np.testing.assert_allclose(dens.numpy(), [0.1, 0.5], atol=0.01)


def test_batched_toy_model_equals_separate_models():
    m = sp.ToyModel(6, 2, 3, generator=0)
    x = sp.sparse_features(64, [0.5, 0.7, 0.9], 6, generator=1)
    out = m(x)
    for i in range(3):
        W = m.W[i].detach()
        ref = torch.relu(x[:, i] @ W.T @ W + m.b[i].detach())
        torch.testing.assert_close(out[:, i].detach(), ref)


def test_closed_form_configurations_match_monte_carlo():
    """Lesson 21, Eq. (4): the losses of A and C with W, b set by hand."""
    p, r = 0.3, 2.0
    m = sp.ToyModel(2, 1, 2, dtype=torch.float64)
    with torch.no_grad():
        m.W[0] = torch.tensor([[1.0, 0.0]]); m.b[0] = torch.tensor([0.0, p / 2])
        m.W[1] = torch.tensor([[1.0, -1.0]]); m.b[1] = 0.0
    x = sp.sparse_features(400000, [1 - p, 1 - p], 2, generator=2, dtype=torch.float64)
    I = torch.tensor([1.0, r], dtype=torch.float64)
    loss = (I * (x - m(x)).square()).sum(-1).mean(0).detach().numpy()
    np.testing.assert_allclose(loss, [r * (p / 3 - p * p / 4), (1 + r) * p * p / 6], rtol=0.02)


def test_training_finds_superposition_only_when_sparse():
    model, _ = sp.train_toy_models(2, 1, [0.0, 0.97], steps=800, batch_size=256, generator=0)
    rep = (sp.feature_norms(model.W) > 0.5).sum(-1).tolist()
    assert rep == [1, 2]


def test_feature_dimensionality_closed_forms():
    ang = 2 * np.pi * np.arange(5) / 5
    pent = torch.tensor(np.stack([np.cos(ang), np.sin(ang)]))
    np.testing.assert_allclose(sp.feature_dimensionality(pent).numpy(), 0.4, atol=1e-12)
    pair = torch.tensor([[1.0, -1.0, 0.0], [0.0, 0.0, 1.0]], dtype=torch.float64)
    np.testing.assert_allclose(sp.feature_dimensionality(pair).numpy(), [0.5, 0.5, 1.0], atol=1e-12)
    dropped = torch.tensor([[1.0, 0.0]], dtype=torch.float64)
    np.testing.assert_allclose(sp.feature_dimensionality(dropped).numpy(), [1.0, 0.0])


def test_topk_sae_has_exact_l0_and_unit_decoder():
    X = torch.randn(500, 8, generator=torch.Generator().manual_seed(0))
    sae = sp.SparseAutoencoder(8, 32, 2, kind="topk", k=[2, 5], generator=0)
    _, z, _ = sae(X)
    assert ((z > 0).sum(-1) <= torch.tensor([2, 5])).all()
    torch.testing.assert_close(sae.decoder().norm(dim=1), torch.ones(2, 32))


def test_sae_recovers_known_sparse_features():
    g = torch.Generator().manual_seed(0)
    F = torch.linalg.qr(torch.randn(16, 16, generator=g))[0][:, :12]          # 12 true directions in 16 dims
    codes = sp.sparse_features(4000, 0.9, 12, generator=1)[:, 0]
    X = codes @ F.T
    sae = sp.train_sae(X, 24, kind="topk", k=2, steps=1500, lr=3e-3, generator=0)
    assert float(sp.max_cosine_similarity(sae.decoder()[0], F)) > 0.95
    st = sp.sae_stats(sae, X)
    assert float(st["nmse"][0]) < 0.2


def test_max_cosine_similarity_is_one_on_a_superset_and_permutation_invariant():
    F = torch.randn(5, 4, generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    D = torch.cat([F[:, [2, 0, 3, 1]] * 3.0, torch.randn(5, 3, dtype=torch.float64)], 1)
    assert float(sp.max_cosine_similarity(D, F)) == pytest.approx(1.0, abs=1e-12)


def test_resampling_reduces_dead_latents():
    X = sp.sparse_features(3000, 0.8, 12, generator=0)[:, 0] @ torch.randn(12, 8, generator=torch.Generator().manual_seed(1))
    base = sp.train_sae(X, 64, kind="topk", k=1, steps=300, generator=0)
    fixed = sp.train_sae(X, 64, kind="topk", k=1, steps=300, generator=0, resample_every=1, dead_after=1000)
    assert int(sp.sae_stats(fixed, X)["dead"][0]) < int(sp.sae_stats(base, X)["dead"][0])


def test_l1_sae_sparser_with_larger_penalty():
    X = sp.sparse_features(2000, 0.7, 10, generator=0)[:, 0]
    sae = sp.train_sae(X, 20, kind="l1", l1=[0.01, 1.0], steps=400, generator=0)
    l0 = sp.sae_stats(sae, X)["l0"]
    assert float(l0[1]) < float(l0[0])


def test_device(device):
    model, loss = sp.train_toy_models(5, 2, [0.9, 0.5], steps=50, batch_size=64, n_samples=512, generator=0,
                                      device=device)
    assert model.W.device.type == device.type and loss.shape == (2,)
    X = torch.rand(256, 5, device=device)
    sae = sp.train_sae(X, 10, kind="topk", k=2, steps=20, generator=0)
    st = sp.sae_stats(sae, X)
    assert st["nmse"].device.type == device.type


@pytest.mark.parametrize("call, name", [
    (lambda: sp.sparse_features(10, 1.5, 3), "sparsity"),
    (lambda: sp.train_toy_models(3, 2, 0.5, importance=[1.0, 1.0]), "importance"),
    (lambda: sp.SparseAutoencoder(4, 8, kind="topk"), "k"),
    (lambda: sp.SparseAutoencoder(4, 8, kind="relu", k=2), "kind"),
    (lambda: sp.train_sae(torch.rand(10, 4), 8, kind="l1"), "l1"),
    (lambda: sp.max_cosine_similarity(torch.rand(3, 4), torch.rand(5, 2)), "directions"),
    (lambda: sp.feature_norms(torch.rand(3)), "W"),
])
def test_bad_input_names_the_argument(call, name):
    with pytest.raises((ValueError, TypeError), match=name):
        call()
