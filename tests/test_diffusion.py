"""Tests of lowdim_utils.diffusion (lesson 19): the optimal denoiser of a mixture of low-rank Gaussians against
1-D quadrature, importance sampling and Tweedie's formula (autograd of the log density); the empirical denoiser;
K-subspaces; the trainable subspace denoiser; the noise schedule and the DDIM/DDPM steps against diffusers."""
import math

import numpy as np
import pytest
import torch
from conftest import require_oracle

from lowdim_utils import diffusion as df


def _lines_2d():
    a, b = 0.3, 1.9                                   # two lines through 0 in R², angles a and b
    return torch.tensor([[[math.cos(a)], [math.sin(a)]], [[math.cos(b)], [math.sin(b)]]], dtype=torch.float64)


def test_optimal_denoiser_matches_quadrature():
    """Two lines in R² (d = 1): E[x0|y] = Σ_k π_k ∫ t u_k N(t;0,1) N(y; t u_k, σ²I) dt / p(y), by 1-D quadrature."""
    integrate = require_oracle("scipy.integrate")
    U = _lines_2d()
    w = torch.tensor([0.3, 0.7], dtype=torch.float64)
    ys = torch.tensor([[1.0, 0.2], [-0.5, 1.5], [0.1, -0.1], [3.0, 3.0]], dtype=torch.float64)
    for sigma in (0.2, 0.7, 2.0):
        ours = df.optimal_denoiser(ys, sigma, U, w)
        for y, o in zip(ys.numpy(), ours.numpy()):
            num, den = np.zeros(2), 0.0
            for k in range(2):
                u = U[k, :, 0].numpy()

                def lik(t):
                    return (math.exp(-t * t / 2) / math.sqrt(2 * math.pi)
                            * math.exp(-((y - t * u) ** 2).sum() / (2 * sigma ** 2)) / (2 * math.pi * sigma ** 2))
                z = integrate.quad(lik, -12, 12, epsabs=0, epsrel=1e-12, limit=200)[0]
                m = integrate.quad(lambda t: t * lik(t), -12, 12, epsabs=0, epsrel=1e-12, limit=200)[0]
                num += float(w[k]) * m * u
                den += float(w[k]) * z
            np.testing.assert_allclose(o, num / den, rtol=1e-7, atol=1e-10)


def test_tweedie_formula_and_log_density():
    """E[x0|y] = y + σ² ∇ log p_σ(y) (Eq. (2)); log p_σ is a normalised density (checked in D = 2 on a grid)."""
    g = torch.Generator().manual_seed(0)
    U = df.random_subspaces(3, 7, 2, generator=1, dtype=torch.float64)
    y = torch.randn(20, 7, generator=g, dtype=torch.float64, requires_grad=True)
    for sigma in (0.1, 0.8, 3.0):
        score, = torch.autograd.grad(df.mixture_log_density(y, sigma, U).sum(), y)
        torch.testing.assert_close(y.detach() + sigma ** 2 * score, df.optimal_denoiser(y.detach(), sigma, U),
                                   rtol=1e-10, atol=1e-10)
    h = 0.02
    t = torch.arange(-8, 8, h, dtype=torch.float64)
    grid = torch.stack(torch.meshgrid(t, t, indexing="ij"), -1).reshape(-1, 2)
    mass = float(df.mixture_log_density(grid, 0.5, _lines_2d()).exp().sum() * h * h)
    assert mass == pytest.approx(1.0, abs=1e-6)


def test_optimal_denoiser_matches_importance_sampling():
    U = df.random_subspaces(2, 6, 2, generator=3, dtype=torch.float64)
    X, _ = df.sample_mixture(200_000, U, generator=4)
    y = torch.randn(4, 6, generator=torch.Generator().manual_seed(5), dtype=torch.float64)
    sigma = 0.8
    wts = torch.softmax(-((y[:, None] - X[None]) ** 2).sum(-1) / (2 * sigma ** 2), dim=1)
    mc = wts @ X
    ex = df.optimal_denoiser(y, sigma, U)
    assert float(((mc - ex).norm(dim=1) / ex.norm(dim=1)).max()) < 0.03


def test_posterior_properties_and_limits():
    U = df.random_subspaces(3, 10, 3, generator=0, dtype=torch.float64)
    X, labels = df.sample_mixture(50, U, generator=1)
    gam = df.posterior_weights(X, 1e-3, U)
    torch.testing.assert_close(gam.sum(1), torch.ones(50, dtype=torch.float64))
    assert torch.equal(gam.argmax(1), labels)                         # small noise: the right component
    torch.testing.assert_close(df.optimal_denoiser(X, 1e-4, U), X, atol=1e-6, rtol=0)   # points on a subspace stay
    big = df.optimal_denoiser(X, 1e3, U)
    assert float(big.norm(dim=1).max()) < 1e-4 * float(X.norm(dim=1).max()) + 1e-12       # huge noise: shrink to 0
    # one subspace: the linear shrinkage U Uᵀ y / (1 + σ²)
    y = torch.randn(8, 10, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    torch.testing.assert_close(df.optimal_denoiser(y, 0.7, U[:1]), y @ U[0] @ U[0].T / 1.49)
    # a list of bases with different dimensions equals the zero-padded tensor; padding changes nothing
    B = [U[0][:, :1], U[1]]
    pad = torch.zeros(2, 10, 3, dtype=torch.float64)
    pad[0, :, :1], pad[1] = U[0][:, :1], U[1]
    a = df.optimal_denoiser(y, 0.5, B)
    torch.testing.assert_close(df.mixture_log_density(y, 0.5, B).exp().sum() > 0, torch.tensor(True))
    assert not torch.allclose(a, df.optimal_denoiser(y, 0.5, pad))    # the padded tensor claims d = 3 for both
    # per-row noise levels
    s = torch.tensor([0.3, 1.0] * 4, dtype=torch.float64)
    rows = torch.cat([df.optimal_denoiser(y[i:i + 1], float(s[i]), U) for i in range(8)])
    torch.testing.assert_close(df.optimal_denoiser(y, s, U), rows)
    # distances to the union of subspaces
    assert float(df.distance_to_subspaces(X, U).max()) < 1e-10
    off = torch.randn(5, 10, generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    want = torch.stack([(off - off @ U[k] @ U[k].T).norm(dim=1) for k in range(3)]).min(0).values
    torch.testing.assert_close(df.distance_to_subspaces(off, U), want)


def test_empirical_denoiser():
    g = torch.Generator().manual_seed(0)
    X = torch.randn(30, 5, generator=g, dtype=torch.float64)
    y = torch.randn(12, 5, generator=g, dtype=torch.float64)
    naive = torch.stack([sum(math.exp(-float(((yy - x) ** 2).sum()) / (2 * 0.9 ** 2)) * x for x in X)
                         / sum(math.exp(-float(((yy - x) ** 2).sum()) / (2 * 0.9 ** 2)) for x in X) for yy in y])
    torch.testing.assert_close(df.empirical_denoiser(y, 0.9, X, chunk_size=5), naive)
    nearest = X[torch.cdist(y, X).argmin(1)]
    torch.testing.assert_close(df.empirical_denoiser(y, 1e-3, X), nearest)          # memorises: the nearest point
    torch.testing.assert_close(df.empirical_denoiser(y, 1e4, X), X.mean(0).expand(12, 5), atol=1e-6, rtol=0)
    d = df.nearest_distances(y, X, 3)
    torch.testing.assert_close(d, torch.cdist(y, X).sort(1).values[:, :3])


def test_subspace_clustering_recovers_the_subspaces():
    U = df.random_subspaces(3, 20, 4, generator=0, dtype=torch.float64)
    X, labels = df.sample_mixture(90, U, generator=1)
    B, lab, obj = df.subspace_clustering(X, 3, 4, generator=2)
    assert obj == pytest.approx(1.0, abs=1e-10)
    P, Q = U @ U.transpose(1, 2), B @ B.transpose(1, 2)
    err = torch.stack([torch.stack([(P[i] - Q[j]).norm() for j in range(3)]) for i in range(3)]).min(1).values
    assert float(err.max()) < 1e-8
    # too few points for one subspace: the captured energy is still 1 but the subspace is not determined
    Xs = X[labels == 0][:3]
    B1, _, obj1 = df.subspace_clustering(Xs, 1, 4, generator=0)
    assert obj1 == pytest.approx(1.0) and float((B1[0] @ B1[0].T - P[0]).norm()) > 0.5


def test_subspace_denoiser_and_training():
    U = df.random_subspaces(2, 8, 2, generator=0)
    m = df.SubspaceDenoiser.from_bases(U)
    y = torch.randn(10, 8, generator=torch.Generator().manual_seed(1))
    torch.testing.assert_close(m(y, 0.5), df.optimal_denoiser(y, 0.5, U), atol=1e-5, rtol=1e-5)
    X, _ = df.sample_mixture(200, U, generator=2)
    model = df.SubspaceDenoiser(2, 8, 2, generator=3)
    before = df.denoising_mse(model, X, 0.5, generator=4)
    hist = df.train_denoiser(model, X, steps=150, batch_size=64, lr=3e-2, sigma_min=0.3, sigma_max=3.0, generator=5)
    assert hist["steps"] == 150 and df.denoising_mse(model, X, 0.5, generator=4) < before
    assert df.denoising_mse(lambda yy, s: df.optimal_denoiser(yy, s, U), X, 0.5, generator=4) <= \
        df.denoising_mse(model, X, 0.5, generator=4) + 1e-6
    # a tiny training set is repeated to fill the batch
    df.train_denoiser(df.SubspaceDenoiser(2, 8, 2, generator=3), X[:5], steps=3, batch_size=64, generator=0)


def test_schedule_and_steps_match_diffusers():
    diffusers = require_oracle("diffusers")
    from diffusers import DDIMScheduler, DDPMScheduler
    abar = df.linear_schedule()
    ddpm = DDPMScheduler(num_train_timesteps=1000, beta_schedule="linear", clip_sample=False)
    torch.testing.assert_close(abar.float(), ddpm.alphas_cumprod, rtol=2e-6, atol=1e-7)
    g = torch.Generator().manual_seed(0)
    x = torch.randn(6, 5, generator=g)
    eps = torch.randn(6, 5, generator=g)
    ddim = DDIMScheduler(num_train_timesteps=1000, beta_schedule="linear", clip_sample=False, set_alpha_to_one=True)
    ddim.set_timesteps(50)
    assert torch.equal(ddim.timesteps, df.ddim_timesteps(1000, 50))
    for t in (980, 500, 20, 0):
        a_t = float(abar[t])
        a_prev = float(abar[t - 20]) if t >= 20 else 1.0
        x0 = (x - math.sqrt(1 - a_t) * eps) / math.sqrt(a_t)             # the x0 that the ε-prediction implies
        theirs = ddim.step(eps, t, x, eta=0.0).prev_sample
        torch.testing.assert_close(df.ddim_step(x.double(), x0.double(), a_t, a_prev).float(), theirs,
                                   rtol=1e-4, atol=1e-4)
    for t in (999, 400, 1):
        a_t, a_prev = float(abar[t]), float(abar[t - 1])
        x0 = (x - math.sqrt(1 - a_t) * eps) / math.sqrt(a_t)
        noise = torch.randn(6, 5, generator=torch.Generator().manual_seed(t))
        theirs = ddpm.step(eps, t, x, generator=torch.Generator().manual_seed(t)).prev_sample
        ours = df.ddim_step(x.double(), x0.double(), a_t, a_prev, eta=1.0, noise=noise.double())
        torch.testing.assert_close(ours.float(), theirs, rtol=1e-4, atol=1e-4)
    assert diffusers.__version__


def test_schedule_closed_form_and_ddim_limits():
    abar = df.linear_schedule(10, 0.1, 0.5)
    betas = np.linspace(0.1, 0.5, 10)
    np.testing.assert_allclose(abar.numpy(), np.cumprod(1 - betas), rtol=1e-14)
    x0 = torch.randn(4, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    xt = 0.6 * x0 + 0.8 * torch.randn(4, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    torch.testing.assert_close(df.ddim_step(xt, x0, 0.36, 1.0), x0)           # to ᾱ = 1: the estimate itself
    torch.testing.assert_close(df.ddim_step(xt, x0, 0.36, 0.36), xt)          # no move: x_t itself
    assert df.ddim_timesteps(1000, 4).tolist() == [750, 500, 250, 0]


def test_sampler_with_the_optimal_denoiser_samples_the_distribution():
    """DDIM on the exact denoiser of one subspace: samples on the subspace with covariance ≈ U Uᵀ."""
    U = df.random_subspaces(1, 6, 2, generator=0, dtype=torch.float64)
    z = torch.randn(4000, 6, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    out = df.sample(lambda y, s: df.optimal_denoiser(y, s, U), z, df.linear_schedule(), steps=50)
    assert float(df.distance_to_subspaces(out, U).max()) < 1e-3
    cov = out.T @ out / out.shape[0]
    assert float((cov - U[0] @ U[0].T).abs().max()) < 0.1
    # the empirical denoiser's samples are training points
    X, _ = df.sample_mixture(10, U, generator=2)
    emp = df.sample(lambda y, s: df.empirical_denoiser(y, s, X), z[:50], df.linear_schedule(), steps=30)
    assert float(df.nearest_distances(emp, X, 1).max()) < 1e-3
    # stochastic sampling draws from the generator: the same seed gives the same samples
    a = df.sample(lambda y, s: df.optimal_denoiser(y, s, U), z[:20], df.linear_schedule(), steps=20, eta=1.0, generator=3)
    b = df.sample(lambda y, s: df.optimal_denoiser(y, s, U), z[:20], df.linear_schedule(), steps=20, eta=1.0, generator=3)
    assert torch.equal(a, b)


def test_randomness_policy():
    a = df.random_subspaces(2, 5, 2, generator=7)
    assert torch.equal(a, df.random_subspaces(2, 5, 2, generator=7))
    assert not torch.equal(a, df.random_subspaces(2, 5, 2, generator=8))
    torch.manual_seed(0)
    b = df.sample_mixture(5, a)[0]
    torch.manual_seed(0)
    assert torch.equal(b, df.sample_mixture(5, a)[0])
    eye = torch.eye(5, 2)[None]
    torch.testing.assert_close(a[0].T @ a[0], torch.eye(2), atol=1e-6, rtol=0)
    assert df.optimal_denoiser(torch.ones(3, 5).half(), 0.5, eye.half()).dtype == torch.float32


def test_device(device):
    U = df.random_subspaces(2, 6, 2, generator=0).to(device)
    X, lab = df.sample_mixture(40, U, generator=1)
    assert X.device.type == device.type and lab.device.type == device.type
    y = X + 0.3
    assert df.optimal_denoiser(y, 0.3, U).device.type == device.type
    assert df.empirical_denoiser(y, 0.3, X).device.type == device.type
    m = df.SubspaceDenoiser.from_bases(U)
    assert m(y, 0.3).device.type == device.type
    B, _, _ = df.subspace_clustering(X, 2, 2, generator=0)
    assert B.device.type == device.type
    out = df.sample(m, torch.randn(5, 6).to(device), df.linear_schedule(), steps=5, eta=1.0, generator=0)
    assert out.device.type == device.type and torch.isfinite(out).all()


U0 = torch.eye(4)[None, :, :2]


@pytest.mark.parametrize("call,match", [
    (lambda: df.random_subspaces(2, 3, 4), "d"),
    (lambda: df.random_subspaces(0, 3, 1), "K"),
    (lambda: df.sample_mixture(0, U0), "n"),
    (lambda: df.sample_mixture(3, torch.zeros(4, 2)), "bases"),
    (lambda: df.sample_mixture(3, [torch.zeros(4, 2), torch.zeros(3, 1)]), r"bases\[1\]"),
    (lambda: df.sample_mixture(3, []), "bases"),
    (lambda: df.optimal_denoiser(torch.ones(3, 5), 0.5, U0), "y"),
    (lambda: df.optimal_denoiser(torch.ones(3, 4), 0.0, U0), "sigma"),
    (lambda: df.optimal_denoiser(torch.ones(3, 4), torch.ones(2), U0), "sigma"),
    (lambda: df.optimal_denoiser(torch.ones(3, 4), 0.5, U0, torch.tensor([0.5, 0.5])), "weights"),
    (lambda: df.optimal_denoiser(torch.full((3, 4), float("nan")), 0.5, U0), "y"),
    (lambda: df.empirical_denoiser(torch.ones(3, 4), 0.5, torch.ones(5, 3)), "y"),
    (lambda: df.empirical_denoiser(torch.ones(3, 4), -1.0, torch.ones(5, 4)), "sigma"),
    (lambda: df.nearest_distances(torch.ones(3, 4), torch.ones(2, 4), k=3), "k"),
    (lambda: df.subspace_clustering(torch.ones(5, 4), 2, 5), "d"),
    (lambda: df.subspace_clustering(torch.ones(5, 4), 2, 2, n_init=0), "n_init"),
    (lambda: df.train_denoiser(df.SubspaceDenoiser(1, 4, 2), torch.ones(5, 4), sigma_min=2.0, sigma_max=1.0), "sigma_max"),
    (lambda: df.denoising_mse("f", torch.ones(5, 4), 0.5), "denoiser"),
    (lambda: df.linear_schedule(1), "T"),
    (lambda: df.linear_schedule(beta_start=0.0), "beta_start"),
    (lambda: df.ddim_timesteps(10, 11), "steps"),
    (lambda: df.ddim_step(torch.ones(2, 3), torch.ones(2, 4), 0.5, 0.6), "x0_hat"),
    (lambda: df.ddim_step(torch.ones(2, 3), torch.ones(2, 3), 0.5, 0.4), "abar_prev"),
    (lambda: df.ddim_step(torch.ones(2, 3), torch.ones(2, 3), 0.5, 0.6, eta=1.0), "noise"),
    (lambda: df.sample(lambda y, s: y, torch.ones(2, 3), torch.tensor([0.5, 0.9])), "alphas_cumprod"),
    (lambda: df.sample(lambda y, s: y, torch.ones(2, 3), df.linear_schedule(), steps=0), "steps"),
    (lambda: df.sample(lambda y, s: y, torch.ones(2, 3), df.linear_schedule(), generator="x", eta=1.0), "generator"),
])
def test_bad_input_names_the_argument(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()
