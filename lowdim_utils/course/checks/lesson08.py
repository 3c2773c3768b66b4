"""Checks of lesson 08's exercises (autoencoders)."""
import numpy as np
import torch

from ..registry import Feedback, exercise, expect, expect_array, expect_close

LESSON = "08_autoencoders"


# ----------------------------------------------------------------------------- 08.kl

def _kl_ref(mu, logvar):
    return 0.5 * np.sum(mu ** 2 + np.exp(logvar) - 1.0 - logvar, axis=1)


@exercise("08.kl", lesson=LESSON, function="gaussian_kl_np", title="the Gaussian KL in closed form")
def _test_kl(f):
    rng = np.random.default_rng(0)
    # the standard normal itself: KL must be exactly 0
    out = expect_array(f(np.zeros((3, 4)), np.zeros((3, 4))), "gaussian_kl_np(0, 0)", shape=(3,))
    expect(np.abs(out).max() < 1e-12, f"KL(N(0, I) ‖ N(0, I)) should be 0, got {out[0]:.4g}: check the "
                                      "constant −1 and the −logvar term.")
    for n, k in [(5, 2), (7, 6)]:
        mu = rng.standard_normal((n, k))
        logvar = rng.uniform(-3.0, 2.0, (n, k))
        mu0, lv0 = mu.copy(), logvar.copy()
        out = f(mu, logvar)
        expect(np.array_equal(mu, mu0) and np.array_equal(logvar, lv0),
               "your function modified mu or logvar in place; compute on new arrays instead.")
        expect_array(out, "the KL", shape=(n,))
        # a pure variance change: is exp(logvar) the variance (not the standard deviation)?
        expect_close(out, _kl_ref(mu, logvar), "the KL", rtol=1e-7, atol=1e-10,
                     hint="KL = ½ Σ_j (μ_j² + exp(logvar_j) − 1 − logvar_j), summed over the latent "
                          "dimensions (axis 1), one value per row; exp(logvar) is the variance σ².")
    out = f(np.zeros((1, 3)), np.log(np.full((1, 3), 4.0)))
    expect(abs(float(np.ravel(out)[0]) - 1.5 * (4 - 1 - np.log(4))) < 1e-9,
           "for μ = 0 and variance 4 in each of 3 dimensions the KL is 3·½(4 − 1 − log 4) ≈ 2.42; "
           "is exp(logvar) used as the variance?")


@_test_kl.wrong
def _kl_no_half(mu, logvar):
    return np.sum(mu ** 2 + np.exp(logvar) - 1.0 - logvar, axis=1)


@_test_kl.wrong
def _kl_std_not_var(mu, logvar):
    return 0.5 * np.sum(mu ** 2 + np.exp(0.5 * logvar) - 1.0 - logvar, axis=1)


@_test_kl.wrong
def _kl_mean_over_dims(mu, logvar):
    return 0.5 * np.mean(mu ** 2 + np.exp(logvar) - 1.0 - logvar, axis=1)


@_test_kl.wrong
def _kl_wrong_direction(mu, logvar):  # KL(N(0, I) ‖ q) instead of KL(q ‖ N(0, I))
    var = np.exp(logvar)
    return 0.5 * np.sum((1.0 + mu ** 2) / var - 1.0 + logvar, axis=1)


# ----------------------------------------------------------------------------- 08.gmm_score

def _gmm_case(seed, n=40, m=3, d=2):
    rng = np.random.default_rng(seed)
    means = rng.normal(0.0, 2.0, (m, d))
    w = rng.uniform(0.5, 2.0, m)
    return rng.normal(0.0, 3.0, (n, d)), means, w / w.sum()


def _score_ref(x, means, sigma, weights):
    from ...autoencoders import gmm_score
    return gmm_score(torch.from_numpy(x), torch.from_numpy(means), float(sigma),
                     torch.from_numpy(weights)).numpy()


@exercise("08.gmm_score", lesson=LESSON, function="gmm_score_np", title="the score of a Gaussian mixture")
def _test_gmm_score(f):
    for seed, sigma in [(0, 0.7), (1, 1.3)]:
        x, means, w = _gmm_case(seed)
        x0 = x.copy()
        out = f(x, means, sigma, w)
        expect(np.array_equal(x, x0), "your function modified x in place; work on a copy.")
        out = expect_array(out, "the score", shape=x.shape)
        # one component: the score is (mu - x) / sigma^2, whatever the responsibilities
        one = expect_array(f(x, means[:1], sigma, np.ones(1)), "the score of a single Gaussian", shape=x.shape)
        expect_close(one, (means[:1] - x) / sigma ** 2, "the score of a single Gaussian", rtol=1e-7, atol=1e-10,
                     hint="For one component N(μ, σ²I) the score is (μ − x)/σ²: check the sign and the σ².")
        expect_close(out, _score_ref(x, means, sigma, w), "the score", rtol=1e-6, atol=1e-9,
                     hint="Weight each (μ_j − x)/σ² by the posterior responsibility γ_j(x) ∝ w_j N(x; μ_j, σ²I), "
                          "normalised over j for every x: it needs both the prior weight w_j and the likelihood.")
    # far from every component: exp(-||x - mu||^2 / 2 sigma^2) underflows to 0 in float64
    means = np.array([[0.0, 0.0], [3.0, 0.0]])
    x = np.array([[60.0, 5.0], [-45.0, 0.0]])
    out = expect_array(f(x, means, 0.5, np.array([0.5, 0.5])), "the score far from the mixture", shape=x.shape)
    expect_close(out, _score_ref(x, means, 0.5, np.array([0.5, 0.5])), "the score far from the mixture",
                 rtol=1e-6, atol=1e-9,
                 hint="Compute the responsibilities in the log domain (subtract the row maximum before "
                      "exponentiating, i.e. a softmax), so that points far from every component work.")


def _sq(x, means):
    return ((x[:, None, :] - means[None, :, :]) ** 2).sum(-1)


@_test_gmm_score.wrong
def _score_naive_exp(x, means, sigma, weights):  # underflows far away: 0/0 = NaN
    with np.errstate(all="ignore"):
        p = weights * np.exp(-_sq(x, means) / (2 * sigma ** 2))
        g = p / p.sum(1, keepdims=True)
    return (g[:, :, None] * (means[None] - x[:, None])).sum(1) / sigma ** 2


@_test_gmm_score.wrong
def _score_prior_weights(x, means, sigma, weights):
    return (weights[None, :, None] * (means[None] - x[:, None])).sum(1) / sigma ** 2


@_test_gmm_score.wrong
def _score_sign_flipped(x, means, sigma, weights):
    a = np.log(weights) - _sq(x, means) / (2 * sigma ** 2)
    g = np.exp(a - a.max(1, keepdims=True))
    g /= g.sum(1, keepdims=True)
    return (g[:, :, None] * (x[:, None] - means[None])).sum(1) / sigma ** 2


@_test_gmm_score.wrong
def _score_forgot_weights(x, means, sigma, weights):
    a = -_sq(x, means) / (2 * sigma ** 2)
    g = np.exp(a - a.max(1, keepdims=True))
    g /= g.sum(1, keepdims=True)
    return (g[:, :, None] * (means[None] - x[:, None])).sum(1) / sigma ** 2


# ----------------------------------------------------------------------------- 08.reparam

@exercise("08.reparam", lesson=LESSON, function="reparameterize", title="the reparameterisation trick")
def _test_reparam(f):
    g = torch.Generator().manual_seed(0)
    mu = torch.randn(6, 3, generator=g, dtype=torch.float64).requires_grad_()
    logvar = (torch.rand(6, 3, generator=g, dtype=torch.float64) * 4 - 2).requires_grad_()
    eps = torch.randn(6, 3, generator=g, dtype=torch.float64)
    z = f(mu, logvar, eps)
    if not isinstance(z, torch.Tensor):
        raise Feedback(f"return a torch tensor z, got {type(z).__name__}"
                       + (" (did you forget a `return`?)" if z is None else "") + ".")
    expect_close(z.detach(), (mu + torch.exp(0.5 * logvar) * eps).detach(), "z", rtol=1e-10, atol=1e-12,
                 hint="z = μ + σ ⊙ ε with σ = exp(logvar / 2), using the ε you were given.")
    expect(z.requires_grad, "z carries no gradient: build it from mu and logvar with differentiable torch "
                            "operations (no .detach(), no NumPy, no torch.normal).")
    z.sum().backward()
    expect(mu.grad is not None and logvar.grad is not None,
           "the gradient does not reach mu and logvar; build z from them with torch operations.")
    expect_close(mu.grad, torch.ones_like(mu), "∂Σz/∂mu", rtol=1e-10)
    expect_close(logvar.grad, 0.5 * torch.exp(0.5 * logvar.detach()) * eps, "∂Σz/∂logvar", rtol=1e-8, atol=1e-12,
                 hint="With z = μ + exp(logvar/2) ε the derivative in logvar is ½ exp(logvar/2) ε.")


@_test_reparam.wrong
def _reparam_var_not_std(mu, logvar, eps):
    return mu + torch.exp(logvar) * eps


@_test_reparam.wrong
def _reparam_resamples(mu, logvar, eps):  # ignores eps and cuts the gradient path
    return torch.normal(mu.detach(), torch.exp(0.5 * logvar.detach()))


@_test_reparam.wrong
def _reparam_logvar_as_std(mu, logvar, eps):
    return mu + logvar * eps


@_test_reparam.wrong
def _reparam_detached(mu, logvar, eps):  # right values, but no gradient reaches the encoder
    return (mu + torch.exp(0.5 * logvar) * eps).detach()
