"""Tests of lowdim_utils.autoencoders (lesson 08): oracles, properties, bad input."""
import math

import numpy as np
import pytest
import torch
from torch.distributions import Categorical, Independent, MixtureSameFamily, MultivariateNormal, Normal, kl_divergence

from lowdim_utils import linear
from lowdim_utils.autoencoders import (VAE, DenoisingAE, LinearAutoencoder, gaussian_kl, gmm_log_density,
                                       gmm_sample, gmm_score, iwae_bound, linear_gaussian_log_likelihood,
                                       log_importance_weights, mlp, reconstruction_error, train_autoencoder)

torch.set_num_threads(1)  # tiny problems: threads only add overhead


def _mixture(seed=0, m=4, d=3, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    means = 2 * torch.randn(m, d, generator=g, dtype=dtype)
    sigma = 0.3 + torch.rand(m, generator=g, dtype=dtype)
    w = torch.rand(m, generator=g, dtype=dtype) + 0.2
    return means, sigma, w / w.sum(), g


# ----------------------------------------------------------------------------- closed forms vs oracles

@pytest.mark.parametrize("shape", [(5,), (7, 3), (2, 4, 6)])
def test_gaussian_kl_matches_torch_distributions(shape):
    g = torch.Generator().manual_seed(1)
    mu = torch.randn(shape, generator=g, dtype=torch.float64)
    logvar = 3 * torch.rand(shape, generator=g, dtype=torch.float64) - 2
    ref = kl_divergence(Normal(mu, torch.exp(0.5 * logvar)), Normal(0.0, 1.0)).sum(-1)
    out = gaussian_kl(mu, logvar)
    assert out.shape == shape[:-1]
    torch.testing.assert_close(out, ref, rtol=1e-12, atol=1e-12)


def test_gaussian_kl_properties():
    z = torch.zeros(4, 3)
    assert torch.equal(gaussian_kl(z, z), torch.zeros(4))
    g = torch.Generator().manual_seed(2)
    mu, lv = torch.randn(200, 5, generator=g), 4 * torch.randn(200, 5, generator=g)
    assert (gaussian_kl(mu, lv) >= 0).all()
    # additive over dimensions
    torch.testing.assert_close(gaussian_kl(mu, lv), gaussian_kl(mu[:, :2], lv[:, :2]) + gaussian_kl(mu[:, 2:], lv[:, 2:]))


def test_gmm_log_density_matches_torch_mixture():
    means, sigma, w, g = _mixture()
    x = 3 * torch.randn(50, 3, generator=g, dtype=torch.float64)
    for noise in (0.0, 0.4):
        scale = torch.sqrt(sigma**2 + noise**2)[:, None].expand_as(means)
        ref = MixtureSameFamily(Categorical(probs=w), Independent(Normal(means, scale), 1)).log_prob(x)
        torch.testing.assert_close(gmm_log_density(x, means, sigma, w, noise=noise), ref, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("noise", [0.0, 0.5])
def test_gmm_score_is_gradient_of_log_density(noise):
    means, sigma, w, g = _mixture(seed=3)
    x = (3 * torch.randn(60, 3, generator=g, dtype=torch.float64)).requires_grad_()
    (grad,) = torch.autograd.grad(gmm_log_density(x, means, sigma, w, noise=noise).sum(), x)
    torch.testing.assert_close(gmm_score(x.detach(), means, sigma, w, noise=noise), grad, rtol=1e-10, atol=1e-12)


def test_gmm_score_scalar_sigma_single_component_and_far_points():
    mu = torch.tensor([[1.0, -2.0]], dtype=torch.float64)
    x = torch.tensor([[0.0, 0.0], [3.0, 1.0]], dtype=torch.float64)
    torch.testing.assert_close(gmm_score(x, mu, 0.5), (mu - x) / 0.25)
    far = torch.tensor([[1e3, -1e3]], dtype=torch.float64)
    means = torch.tensor([[0.0, 0.0], [5.0, 0.0]], dtype=torch.float64)
    s = gmm_score(far, means, 0.1)
    assert torch.isfinite(s).all()
    torch.testing.assert_close(s, (means[1:] - far) / 0.01)  # the nearer component takes all responsibility


def test_gmm_sample_moments():
    means = torch.tensor([[0.0, 0.0], [4.0, 1.0]], dtype=torch.float64)
    X, lab = gmm_sample(20000, means, torch.tensor([0.5, 1.0]), torch.tensor([0.25, 0.75]),
                        generator=torch.Generator().manual_seed(0))
    assert X.shape == (20000, 2) and lab.shape == (20000,)
    assert abs(float((lab == 1).double().mean()) - 0.75) < 0.02
    torch.testing.assert_close(X[lab == 1].std(0), torch.tensor([1.0, 1.0], dtype=torch.float64), atol=0.03, rtol=0)
    torch.testing.assert_close(X[lab == 0].mean(0), means[0], atol=0.03, rtol=0)


# ----------------------------------------------------------------------------- models

def _low_rank_data(n=400, d=12, k=3, seed=0):
    g = torch.Generator().manual_seed(seed)
    basis, _ = torch.linalg.qr(torch.randn(d, k, generator=g))
    Z = torch.randn(n, k, generator=g) * torch.tensor([3.0, 2.0, 1.5])
    return Z @ basis.T + 0.05 * torch.randn(n, d, generator=g) + 1.0


@pytest.mark.parametrize("bias", [False, True])
def test_linear_autoencoder_finds_principal_subspace(bias):
    X = _low_rank_data()
    p = linear.pca(X, 3)
    Xc = X - p.mean
    data = X if bias else Xc  # the bias-free model of the theorem needs centred data
    ae = LinearAutoencoder(12, 3, bias=bias, generator=torch.Generator().manual_seed(0))
    B0 = ae.decoder_basis()
    torch.testing.assert_close(B0.T @ B0, torch.eye(3), atol=1e-5, rtol=0)
    hist = train_autoencoder(ae, data, epochs=400, lr=3e-2 if bias else 1e-2, progress=False)
    angle = float(torch.rad2deg(linear.subspace_angles(ae.decoder_basis(), p.components.T).max()))
    assert angle < 0.5
    pca_err = float(((Xc - Xc @ p.components.T @ p.components) ** 2).sum(1).mean())
    assert reconstruction_error(ae, data) < 1.02 * pca_err
    assert hist["loss"][-1] < hist["loss"][0] and hist["epochs"] == 400


def test_train_autoencoder_is_deterministic_and_stops_early():
    X = _low_rank_data(n=100)
    runs = []
    for _ in range(2):
        torch.manual_seed(5)
        vae = VAE(12, 2, (8,), likelihood="gaussian")
        runs.append(train_autoencoder(vae, X, epochs=3, batch_size=32, generator=7, progress=False))
    assert runs[0]["loss"] == runs[1]["loss"] and set(runs[0]) >= {"loss", "recon", "kl", "elbo", "epochs"}
    seen = []
    ae = LinearAutoencoder(12, 3, generator=torch.Generator().manual_seed(0))
    h = train_autoencoder(ae, X, epochs=500, lr=1e-2, stop_below=1e9, progress=False,
                          callback=lambda e, m: seen.append(e))
    assert h["epochs"] == 1 and seen == [1]


def test_denoising_ae_learns_linear_shrinkage_of_a_gaussian():
    # data N(0, s² I): the optimal denoiser is x s²/(s² + σ²), so r(x) − x = σ² ∇log p_σ(x)
    g = torch.Generator().manual_seed(0)
    s, sigma = 1.0, 0.5
    X = s * torch.randn(2000, 2, generator=g)
    torch.manual_seed(0)
    dae = DenoisingAE(2, (32,), sigma=sigma)
    train_autoencoder(dae, X, epochs=300, lr=1e-2, progress=False)
    grid = torch.linspace(-1.5, 1.5, 7)
    pts = torch.cartesian_prod(grid, grid)
    with torch.no_grad():
        disp = dae.displacement(pts)
    ref = sigma**2 * gmm_score(pts, torch.zeros(1, 2), s, noise=sigma)
    assert float((disp - ref).norm() / ref.norm()) < 0.15


def test_vae_elbo_terms_and_shapes():
    torch.manual_seed(0)
    vae = VAE(6, 3, (10, 8))
    x = torch.rand(5, 6)
    t = vae.elbo_terms(x, generator=torch.Generator().manual_seed(0))
    mu, logvar = vae.encode(x)
    torch.testing.assert_close(t["kl"], gaussian_kl(mu, logvar).mean())
    torch.testing.assert_close(t["elbo"], -(t["recon"] + t["kl"]))
    assert mu.shape == (5, 3) and vae(x).shape == (5, 6) and vae.sample(4).shape == (4, 6)
    assert ((vae.sample(4) >= 0) & (vae.sample(4) <= 1)).all()
    # reparameterisation is differentiable in both mu and logvar
    mu = torch.zeros(2, 3, requires_grad=True)
    lv = torch.zeros(2, 3, requires_grad=True)
    VAE.reparameterize(mu, lv, torch.Generator().manual_seed(0)).sum().backward()
    assert torch.equal(mu.grad, torch.ones(2, 3)) and lv.grad.abs().sum() > 0
    assert len(mlp((4, 5, 6, 7))) == 5


# ----------------------------------------------------------------------------- the ELBO's gap: IWAE vs closed form

def _linear_gaussian_vae(seed=0, d=8, k=3, sigma=0.4, exact_posterior=True):
    """A VAE with linear encoder and decoder and Gaussian noise (probabilistic PCA), float64. The decoder's
    W has orthogonal columns, so the true posterior N(M⁻¹Wᵀ(x − b), σ²M⁻¹), M = WᵀW + σ²I, is diagonal and
    a linear encoder can represent it exactly; exact_posterior=False perturbs the encoder."""
    g = torch.Generator().manual_seed(seed)
    Q, _ = torch.linalg.qr(torch.randn(d, k, generator=g, dtype=torch.float64))
    s = torch.linspace(2.0, 0.5, k, dtype=torch.float64)
    W, b = Q * s, torch.randn(d, generator=g, dtype=torch.float64)
    vae = VAE(d, k, hidden=(), likelihood="gaussian", obs_sigma=sigma).double()
    m_inv = 1.0 / (s ** 2 + sigma ** 2)
    A = m_inv[:, None] * W.T
    with torch.no_grad():
        vae.decoder[0].weight.copy_(W)
        vae.decoder[0].bias.copy_(b)
        vae.encoder[0].weight.zero_()
        vae.encoder[0].weight[:k] = A if exact_posterior else 0.6 * A
        vae.encoder[0].bias[:k] = -A @ b
        vae.encoder[0].bias[k:] = torch.log(sigma ** 2 * m_inv) + (0.0 if exact_posterior else 1.5)
    X = torch.randn(60, k, generator=g, dtype=torch.float64) @ W.T + b + sigma * torch.randn(60, d, generator=g,
                                                                                            dtype=torch.float64)
    return vae, X, W, b, sigma


def test_linear_gaussian_log_likelihood_matches_torch_distributions():
    _, X, W, b, sigma = _linear_gaussian_vae()
    ref = MultivariateNormal(b, W @ W.T + sigma ** 2 * torch.eye(W.shape[0], dtype=torch.float64)).log_prob(X)
    torch.testing.assert_close(linear_gaussian_log_likelihood(X, W, b, sigma), ref, rtol=1e-12, atol=1e-10)


def test_iwae_is_exact_when_the_encoder_is_the_true_posterior():
    # every importance weight equals p(x), so L_k = ELBO = log p(x) for any k, whatever the samples
    vae, X, W, b, sigma = _linear_gaussian_vae()
    exact = linear_gaussian_log_likelihood(X, W, b, sigma)
    for k in (1, 5, 50):
        torch.testing.assert_close(iwae_bound(vae, X, k, generator=k), exact, rtol=0, atol=1e-10)
    # elbo_terms (analytic KL, sampled reconstruction) agrees on average over many samples
    t = vae.elbo_terms(X.repeat(500, 1), generator=0)
    assert abs(float(t["elbo"].detach()) - float(exact.mean())) < 0.05


def test_iwae_increases_with_k_towards_log_p_and_l1_is_the_elbo():
    vae, X, W, b, sigma = _linear_gaussian_vae(exact_posterior=False)
    exact = float(linear_gaussian_log_likelihood(X, W, b, sigma).mean())
    logw = log_importance_weights(vae, X, 4000, generator=0)
    assert logw.shape == (4000, 60)
    bounds = [float((torch.logsumexp(logw[:k], 0) - math.log(k)).mean()) for k in (1, 10, 100, 4000)]
    assert all(a < b for a, b in zip(bounds, bounds[1:])), bounds
    assert bounds[0] < exact - 1.0                    # a visibly loose ELBO ...
    assert abs(bounds[-1] - exact) < 0.05             # ... that importance sampling closes
    # L_1 is an unbiased estimate of the ELBO: mean of log w vs the analytic-KL ELBO (many samples)
    elbo = float(vae.elbo_terms(X.repeat(200, 1), generator=1)["elbo"].detach())
    assert abs(float(logw.mean()) - elbo) < 0.05
    # the same int seed gives the same draw; decoding in chunks estimates the same bound
    torch.testing.assert_close(iwae_bound(vae, X, 30, generator=3, chunk_size=7),
                               iwae_bound(vae, X, 30, generator=3, chunk_size=7))
    chunked = float(iwae_bound(vae, X, 100, generator=4, chunk_size=7).mean())
    assert abs(chunked - bounds[2]) < 0.1


def test_iwae_on_binary_data_and_bad_input():
    torch.manual_seed(0)
    vae = VAE(6, 2, (5,))
    x = torch.bernoulli(torch.full((4, 6), 0.3), generator=torch.Generator().manual_seed(0))
    lw = log_importance_weights(vae, x, 3, generator=0)
    assert lw.shape == (3, 4) and torch.isfinite(lw).all() and (lw < 0).all()
    with pytest.raises(TypeError, match="model must be a lowdim_utils.autoencoders.VAE"):
        iwae_bound(LinearAutoencoder(6, 2), x)
    with pytest.raises(ValueError, match="k must be >= 1"):
        iwae_bound(vae, x, 0)
    with pytest.raises(ValueError, match=r"x must lie in \[0, 1\]"):
        iwae_bound(vae, x + 1.5)
    with pytest.raises(ValueError, match="W must be"):
        linear_gaussian_log_likelihood(torch.zeros(3, 4), torch.zeros(5, 2), torch.zeros(4), 1.0)
    with pytest.raises(ValueError, match="sigma must be finite and > 0"):
        linear_gaussian_log_likelihood(torch.zeros(3, 4), torch.zeros(4, 2), torch.zeros(4), 0.0)


def test_models_run_on_device(device):
    X = torch.rand(64, 6)
    for model in (LinearAutoencoder(6, 2, generator=0), DenoisingAE(6, (8,)), VAE(6, 2, (8,))):
        model.to(device)
        h = train_autoencoder(model, X, epochs=2, batch_size=16, generator=0, progress=False)
        assert math.isfinite(h["loss"][-1])
        assert next(model.parameters()).device.type == device.type
    x = torch.randn(5, 2, device=device)
    assert gmm_score(x, torch.zeros(3, 2, device=device), 1.0).device.type == device.type
    s, lab = gmm_sample(20, torch.zeros(3, 2, device=device), 1.0, generator=0)
    assert s.device.type == lab.device.type == device.type
    vae = VAE(6, 2, (8,)).to(device)
    b = iwae_bound(vae, (X > 0.5).float().to(device), 4, generator=0)
    assert b.shape == (64,) and b.device.type == device.type
    W = torch.randn(6, 2, device=device)
    assert linear_gaussian_log_likelihood(X.to(device), W, torch.zeros(6, device=device), 0.5).device.type == device.type


# ----------------------------------------------------------------------------- bad input

def test_bad_inputs_name_the_argument():
    with pytest.raises(ValueError, match="mu and logvar"):
        gaussian_kl(torch.zeros(3, 2), torch.zeros(3, 3))
    with pytest.raises(ValueError, match="logvar contains NaN"):
        gaussian_kl(torch.zeros(2), torch.tensor([0.0, float("nan")]))
    means = torch.zeros(2, 2)
    with pytest.raises(ValueError, match="weights must be non-negative and sum to 1"):
        gmm_score(torch.zeros(3, 2), means, 1.0, torch.tensor([0.5, 0.6]))
    with pytest.raises(ValueError, match="sigma must be finite and > 0"):
        gmm_score(torch.zeros(3, 2), means, -1.0)
    with pytest.raises(ValueError, match="sigma must be a positive number or 2"):
        gmm_score(torch.zeros(3, 2), means, torch.tensor([1.0, 1.0, 1.0]))
    with pytest.raises(ValueError, match="x and means must have the same number of columns"):
        gmm_score(torch.zeros(3, 3), means, 1.0)
    with pytest.raises(ValueError, match="noise must be finite"):
        gmm_log_density(torch.zeros(3, 2), means, 1.0, noise=-0.1)
    with pytest.raises(ValueError, match="k must be <= 4"):
        LinearAutoencoder(4, 5)
    with pytest.raises(ValueError, match="init must be one of"):
        LinearAutoencoder(4, 2, init="xavier")
    with pytest.raises(ValueError, match="likelihood must be one of"):
        VAE(4, 2, likelihood="poisson")
    with pytest.raises(TypeError, match=r"hidden\[1\] must be an integer"):
        DenoisingAE(4, (8, 2.5))
    with pytest.raises(ValueError, match="sigma must be finite and > 0"):
        DenoisingAE(4, sigma=0.0)
    with pytest.raises(ValueError, match=r"x must lie in \[0, 1\]"):
        VAE(4, 2).elbo_terms(torch.full((3, 4), 2.0))
    ae = LinearAutoencoder(4, 2)
    with pytest.raises(ValueError, match="x must have 4 columns"):
        ae.encode(torch.zeros(3, 5))
    with pytest.raises(ValueError, match="X must have 4 columns"):
        train_autoencoder(ae, torch.zeros(10, 3), progress=False)
    with pytest.raises(ValueError, match="batch_size must be <= 10"):
        train_autoencoder(ae, torch.zeros(10, 4), batch_size=11, progress=False)
    with pytest.raises(ValueError, match="X contains NaN"):
        train_autoencoder(ae, torch.full((10, 4), float("inf")), progress=False)
    with pytest.raises(TypeError, match="model must be an nn.Module with a loss"):
        train_autoencoder(torch.nn.Linear(4, 4), torch.zeros(10, 4), progress=False)
    with pytest.raises(TypeError, match="callback must be a function"):
        train_autoencoder(ae, torch.zeros(10, 4), callback=3, progress=False)
    class Diverging(torch.nn.Module):
        d = 4

        def __init__(self):
            super().__init__()
            self.w = torch.nn.Parameter(torch.ones(1))

        def loss(self, x, generator=None):
            return {"loss": self.w.sum() * float("inf")}

    with pytest.raises(FloatingPointError, match="lower lr"):
        train_autoencoder(Diverging(), torch.zeros(10, 4), epochs=3, progress=False)
    with pytest.raises(ValueError, match="n must be >= 1"):
        gmm_sample(0, means, 1.0)
