"""Checks of lesson 08's exercises (autoencoders).

References: the course library — :func:`lowdim_utils.autoencoders.gaussian_kl` and
:func:`~lowdim_utils.autoencoders.gmm_score`, tested in ``tests/test_autoencoders.py`` — closed forms
(the KL of N(0, I) with itself, the score of one Gaussian) and ``torch.distributions.Normal`` for the
reparameterised sample: z is the point of q = N(μ, σ²) with the same quantile as ε under N(0, 1).
"""
import numpy as np
import torch

from ..registry import Feedback, exercise, expect, expect_array, expect_close, part
from ._common import later

LESSON = "08_autoencoders"


# ----------------------------------------------------------------------------- 08.kl

def _kl_ref(mu, logvar):
    from ...autoencoders import gaussian_kl
    return gaussian_kl(torch.from_numpy(mu), torch.from_numpy(logvar)).numpy()


_KL = ("one value per row, inputs unchanged", "KL(N(0, I) ‖ N(0, I)) = 0", "matches lowdim_utils.autoencoders.gaussian_kl")


@exercise("08.kl", lesson=LESSON, function="gaussian_kl_np", title="the Gaussian KL in closed form",
          parts=dict(zip(_KL, (1, 1, 2))))
def _test_kl(f):
    rng = np.random.default_rng(0)
    zero = f(np.zeros((3, 4)), np.zeros((3, 4)))
    runs, unchanged = [], True
    for n, k in [(5, 2), (7, 6)]:
        mu = rng.standard_normal((n, k))
        logvar = rng.uniform(-3.0, 2.0, (n, k))
        mu0, lv0 = mu.copy(), logvar.copy()
        runs.append((mu0, lv0, f(mu, logvar)))
        unchanged &= np.array_equal(mu, mu0) and np.array_equal(logvar, lv0)
    # a pure variance change: is exp(logvar) the variance (not the standard deviation)?
    mu4, lv4 = np.zeros((1, 3)), np.log(np.full((1, 3), 4.0))
    runs.append((mu4, lv4, f(mu4.copy(), lv4.copy())))

    def kl(mu, out):
        return expect_array(out, f"the KL for mu of shape {mu.shape}", shape=(mu.shape[0],))

    with part(_KL[0]):
        kl(np.zeros((3, 4)), zero)
        for mu, _, out in runs:
            kl(mu, out)
        expect(unchanged, "your function modified mu or logvar in place; compute on new arrays instead.")
    with part(_KL[1]):
        out = later(kl, np.zeros((3, 4)), zero)
        expect(np.abs(out).max() < 1e-12, f"KL(N(0, I) ‖ N(0, I)) should be 0, got {out[0]:.4g}: check the "
                                          "constant term and the logvar term.")
    with part(_KL[2]):
        for mu, logvar, out in runs:
            got, want = later(kl, mu, out), _kl_ref(mu, logvar)
            if np.allclose(got, want, rtol=1e-7, atol=1e-10):
                continue
            ratio = got / want
            if np.allclose(ratio, 2.0, rtol=1e-7):
                hint = " Yours is exactly twice the KL: mind the factor ½ of the Gaussian closed form."
            elif mu.shape[1] > 1 and np.allclose(ratio, 1.0 / mu.shape[1], rtol=1e-7):
                hint = (" Yours is the mean over the latent dimensions: the KL of independent coordinates is the "
                        "*sum* of their KLs.")
            elif not mu.any():
                hint = (f" With μ = 0 and variance exp(logvar) = 4 in each of {mu.shape[1]} dimensions the KL is "
                        f"{want[0]:.4f}: is exp(logvar) used as the variance σ² (not the standard deviation)?")
            else:
                hint = (" Use Eq. (10), one value per row, summed over the latent dimensions (axis 1); exp(logvar) "
                        "is the variance σ², and the KL is KL(q ‖ N(0, I)), not the other direction.")
            expect_close(got, want, f"the KL for mu of shape {mu.shape}", rtol=1e-7, atol=1e-10, hint=hint.strip())


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


_GMM = ("returns an array shaped like x, x unchanged", "one component: the score of a Gaussian",
        "matches lowdim_utils.autoencoders.gmm_score", "finite far from every component")


@exercise("08.gmm_score", lesson=LESSON, function="gmm_score_np", title="the score of a Gaussian mixture",
          parts=dict(zip(_GMM, (1, 1, 1, 1))))
def _test_gmm_score(f):
    runs, unchanged = [], True
    for seed, sigma in [(0, 0.7), (1, 1.3)]:
        x, means, w = _gmm_case(seed)
        x0 = x.copy()
        out = f(x, means, sigma, w)
        unchanged &= np.array_equal(x, x0)
        # one component: the score is (mu - x) / sigma^2, whatever the responsibilities
        one = f(x0.copy(), means[:1].copy(), sigma, np.ones(1))
        runs.append((x0, means, sigma, w, out, one))
    # far from every component: exp(-||x - mu||^2 / 2 sigma^2) underflows to 0 in float64
    far_means, far_x, far_w = np.array([[0.0, 0.0], [3.0, 0.0]]), np.array([[60.0, 5.0], [-45.0, 0.0]]), np.full(2, 0.5)
    far = f(far_x.copy(), far_means, 0.5, far_w)

    def score(x, out, what="the score"):
        return expect_array(out, what, shape=x.shape)

    with part(_GMM[0]):
        for x, *_, out, one in runs:
            score(x, out)
            score(x, one, "the score of a single Gaussian")
        expect(unchanged, "your function modified x in place; work on a copy.")
    with part(_GMM[1]):
        for x, means, sigma, _, _, one in runs:
            expect_close(later(score, x, one), (means[:1] - x) / sigma ** 2, f"the score of a single Gaussian "
                         f"(σ = {sigma})", rtol=1e-7, atol=1e-10,
                         hint="For one component N(μ, σ²I) the score ∇log p points from x towards μ, and scales "
                              "like 1/σ²: check the sign and the power of σ.")
    with part(_GMM[2]):
        for x, means, sigma, w, out, _ in runs:
            expect_close(later(score, x, out), _score_ref(x, means, sigma, w), f"the score (σ = {sigma})",
                         rtol=1e-6, atol=1e-9,
                         hint="Weight each component's score by its posterior responsibility γ_j(x) ∝ w_j N(x; μ_j, "
                              "σ²I), normalised over j for every x: it needs both the prior weight w_j and the "
                              "likelihood.")
    with part(_GMM[3]):
        got = expect_array(far, "the score far from the mixture", shape=far_x.shape)
        expect_close(got, _score_ref(far_x, far_means, 0.5, far_w), "the score far from the mixture",
                     rtol=1e-6, atol=1e-9,
                     hint="Compute the responsibilities in the log domain (subtract each row's maximum before "
                          "exponentiating, as a softmax does), so that points far from every component work.")


# ----------------------------------------------------------------------------- 08.reparam

def _quantile_match(mu, logvar, eps):
    """The point of N(mu, exp(logvar)) at the quantile that eps has under N(0, 1) (differentiable)."""
    from torch.distributions import Normal
    u = Normal(torch.zeros_like(eps), torch.ones_like(eps)).cdf(eps)
    return Normal(mu, logvar.exp().sqrt()).icdf(u)


_REPARAM = ("returns z, the sample of N(μ, exp(logvar)) that ε gives", "gradients reach mu and logvar",
            "the gradients are right")


@exercise("08.reparam", lesson=LESSON, function="reparameterize", title="the reparameterisation trick",
          parts=dict(zip(_REPARAM, (2, 1, 1))))
def _test_reparam(f):
    g = torch.Generator().manual_seed(0)
    mu = torch.randn(6, 3, generator=g, dtype=torch.float64).requires_grad_()
    logvar = (torch.rand(6, 3, generator=g, dtype=torch.float64) * 4 - 2).requires_grad_()
    eps = torch.randn(6, 3, generator=g, dtype=torch.float64)
    z = f(mu, logvar, eps)
    mu_r, lv_r = mu.detach().clone().requires_grad_(), logvar.detach().clone().requires_grad_()
    z_ref = _quantile_match(mu_r, lv_r, eps)
    z_ref.sum().backward()

    def tensor(z):
        if not isinstance(z, torch.Tensor):
            raise Feedback(f"return a torch tensor z, got {type(z).__name__}"
                           + (" (did you forget a `return`?)" if z is None else "") + ".")
        return z

    with part(_REPARAM[0]):
        expect_close(tensor(z).detach(), z_ref.detach(), "z", rtol=1e-10, atol=1e-12,
                     hint="z should be the sample of N(μ, σ²) that the given ε selects: ε shifted by μ and scaled "
                          "by the standard deviation σ (logvar is the log of the *variance* σ²).")
    with part(_REPARAM[1]):
        zt = later(tensor, z)
        expect(zt.requires_grad, "z carries no gradient: build it from mu and logvar with differentiable torch "
                                 "operations (no .detach(), no NumPy, no fresh random sampling).")
        zt.sum().backward()
        expect(mu.grad is not None and logvar.grad is not None,
               "the gradient does not reach mu and logvar; build z from them with torch operations.")
    with part(_REPARAM[2]):
        expect(mu.grad is not None and logvar.grad is not None, "not checked: no gradient reached mu and logvar.")
        expect_close(mu.grad, mu_r.grad, "∂Σz/∂mu", rtol=1e-10, atol=1e-12,
                     hint="z moves one for one with μ.")
        expect_close(logvar.grad, lv_r.grad, "∂Σz/∂logvar", rtol=1e-8, atol=1e-12,
                     hint="logvar acts through the standard deviation σ = √exp(logvar): check how σ, and so "
                          "z, changes with logvar.")
