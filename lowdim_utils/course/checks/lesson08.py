"""Checks of lesson 08's exercises (autoencoders).

References: the course library — :func:`lowdim_utils.autoencoders.gaussian_kl` and
:func:`~lowdim_utils.autoencoders.gmm_score`, tested in ``tests/test_autoencoders.py`` — closed forms
(KL(q ‖ q) = 0, the score of one Gaussian), ``torch.distributions`` (``kl_divergence`` of two ``Normal``;
the reparameterised sample: z is the point of q = N(μ, σ²) with the same quantile as ε under N(0, 1)),
and for 08.tilt the SVD of the learner's data and SciPy's principal angles.
"""
import numpy as np
import torch

from ..registry import Feedback, exercise, expect, expect_array, expect_close, part
from ._common import later

LESSON = "08_autoencoders"


# ----------------------------------------------------------------------------- 08.kl

def _kl_oracle(mu_q, logvar_q, mu_p, logvar_p):
    """KL(q ‖ p) of diagonal Gaussians, summed over the last axis, from torch.distributions."""
    from torch.distributions import Normal, kl_divergence
    t = [torch.from_numpy(a) for a in (mu_q, logvar_q, mu_p, logvar_p)]
    return kl_divergence(Normal(t[0], (0.5 * t[1]).exp()), Normal(t[2], (0.5 * t[3]).exp())).sum(-1).numpy()


def _prior_ref(mu, logvar):
    from ...autoencoders import gaussian_kl
    return gaussian_kl(torch.from_numpy(mu), torch.from_numpy(logvar)).numpy()


_KL = ("one value per row, inputs unchanged", "KL(q ‖ q) = 0",
       "for p = N(0, I) it is Eq. (10)", "matches torch.distributions for a general p")


@exercise("08.kl", lesson=LESSON, function="gaussian_kl_np", title="the KL between two diagonal Gaussians",
          parts=dict(zip(_KL, (1, 1, 1, 2))))
def _test_kl(f):
    rng = np.random.default_rng(0)
    general, unchanged = [], True
    for n, k in [(5, 2), (7, 6)]:
        args = (rng.standard_normal((n, k)), rng.uniform(-3.0, 2.0, (n, k)),
                rng.standard_normal((n, k)), rng.uniform(-2.0, 1.5, (n, k)))
        copies = tuple(a.copy() for a in args)
        general.append((args, f(*copies)))
        unchanged &= all(np.array_equal(a, c) for a, c in zip(args, copies))
    mu, lv = rng.standard_normal((4, 3)), rng.uniform(-2.0, 2.0, (4, 3))
    same = f(mu.copy(), lv.copy(), mu.copy(), lv.copy())
    zeros = np.zeros((4, 3))
    prior = f(mu.copy(), lv.copy(), zeros.copy(), zeros.copy())
    mu4, lv4 = np.zeros((1, 3)), np.log(np.full((1, 3), 4.0))       # a pure variance change
    var_only = f(mu4.copy(), lv4.copy(), np.zeros((1, 3)), np.zeros((1, 3)))

    def kl(n, out, what="the KL"):
        return expect_array(out, f"{what} for {n} rows", shape=(n,))

    with part(_KL[0]):
        for args, out in general:
            kl(args[0].shape[0], out)
        kl(4, same); kl(4, prior); kl(1, var_only)
        expect(unchanged, "your function modified one of its inputs in place; compute on new arrays instead.")
    with part(_KL[1]):
        got = later(kl, 4, same, "KL(q ‖ q)")
        expect(np.abs(got).max() < 1e-12, f"KL(q ‖ q) should be 0, got up to {np.abs(got).max():.4g}: with p = q the "
                                           "variance ratio is 1, the mean difference 0 and the log-variance difference "
                                           "0; check the constant term.")
    with part(_KL[2]):
        for m, l, out in [(mu, lv, prior), (mu4, lv4, var_only)]:
            got, want = later(kl, m.shape[0], out), _prior_ref(m, l)
            if np.allclose(got, want, rtol=1e-7, atol=1e-10):
                continue
            ratio = got / want
            if np.allclose(ratio, 2.0, rtol=1e-7):
                hint = "Yours is exactly twice the KL: mind the factor ½ of the Gaussian closed form."
            elif np.allclose(ratio, 1.0 / m.shape[1], rtol=1e-7):
                hint = ("Yours is the mean over the latent dimensions: the KL of independent coordinates is the *sum* "
                        "of their KLs.")
            elif not m.any():
                hint = (f"With μ = 0 and variance exp(logvar) = 4 in each of {m.shape[1]} dimensions the KL from N(0, I) "
                        f"is {want[0]:.4f}: is exp(logvar) used as the variance σ² (not the standard deviation)?")
            else:
                hint = "With μ_p = 0 and logvar_p = 0 your formula should reduce to Eq. (10)."
            expect_close(got, want, "the KL from the standard normal prior", rtol=1e-7, atol=1e-10, hint=hint)
    with part(_KL[3]):
        for args, out in general:
            got, want = later(kl, args[0].shape[0], out), _kl_oracle(*args)
            if np.allclose(got, want, rtol=1e-7, atol=1e-10):
                continue
            if np.allclose(got, _kl_oracle(args[2], args[3], args[0], args[1]), rtol=1e-7, atol=1e-10):
                hint = "Yours is KL(p ‖ q): the expectation is over q, KL(q ‖ p) = E_q[log q − log p]."
            elif np.allclose(got, _prior_ref(args[0], args[1]), rtol=1e-7, atol=1e-10):
                hint = "Yours ignores mu_p and logvar_p: it is the KL from N(0, I), Eq. (10), whatever p is."
            else:
                hint = ("Redo the one-coordinate derivation with p = N(μ_p, s_p²): E_q[(z − μ_p)²] = s_q² + (μ_q − μ_p)², "
                        "and log p brings in log s_p² and a division by s_p² — of the variance term *and* of the mean "
                        "difference.")
            expect_close(got, want, f"KL(q ‖ p) for {args[0].shape} arrays (oracle: torch.distributions)",
                         rtol=1e-7, atol=1e-10, hint=hint)


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


# ----------------------------------------------------------------------------- 08.tilt

_TILT = ("returns X (n, d), n >= 20, d >= 3, and a basis W (d, 2) of rank 2",
         "PCA's 2-D subspace is well defined (σ₂² − σ₃² >= 1e-3 σ₂²)",
         "span W reconstructs the centred data within 1% of PCA's k = 2 error",
         "span W is at least 30° from PCA's subspace")


@exercise("08.tilt", lesson=LESSON, function="deceptive_subspace", title="a loss that hides a wrong subspace",
          parts=dict(zip(_TILT, (1, 1, 1, 1))))
def _test_tilt(f):
    from scipy.linalg import subspace_angles
    out = f()

    def unpack(out):
        if not isinstance(out, (tuple, list)) or len(out) != 2:
            raise Feedback(f"return a pair (X, W), got {type(out).__name__}"
                           + (" (did you forget a `return`?)" if out is None else "") + ".")
        X = expect_array(np.asarray(out[0], dtype=float), "X")
        expect(X.ndim == 2 and X.shape[0] >= 20 and X.shape[1] >= 3,
               f"X must be an (n, d) array with n >= 20 rows and d >= 3 columns, got shape {X.shape}.")
        W = expect_array(np.asarray(out[1], dtype=float), "W", shape=(X.shape[1], 2))
        sw = np.linalg.svd(W, compute_uv=False)
        expect(sw[-1] > 1e-8 * sw[0], "the two columns of W are (nearly) parallel: W must span a 2-dimensional "
                                      "subspace.")
        return X - X.mean(axis=0), W

    with part(_TILT[0]):
        unpack(out)
    Xc, W = later(unpack, out)
    _, sv, Vt = np.linalg.svd(Xc, full_matrices=False)
    var = sv ** 2
    with part(_TILT[1]):
        expect(var[1] - var[2] >= 1e-3 * var[1],
               f"σ₂² − σ₃² = {var[1] - var[2]:.3g} is below 1e-3 σ₂² = {1e-3 * var[1]:.3g}: with (nearly) tied "
               "variances PCA's 2-D subspace is not unique, and no subspace can be 'wrong'. Keep a small but real gap.")
    Q, _ = np.linalg.qr(W)
    err_w = float(((Xc - Xc @ Q @ Q.T) ** 2).sum())
    err_pca = float(var[2:].sum())
    angle = float(np.degrees(subspace_angles(Q, Vt[:2].T).max()))
    with part(_TILT[2]):
        expect(err_pca > 0, "PCA reconstructs your data exactly with k = 2 (rank-2 data): then every other subspace "
                            "is worse by a positive amount, however small — give the data a third direction.")
        excess = err_w / err_pca - 1
        expect(excess <= 0.01 + 1e-9,
               f"projecting onto span W costs {100 * excess:.2f}% more than PCA's error (must be <= 1%). Tilting PCA's "
               "plane by θ from v₂ towards v₃ costs (σ₂² − σ₃²) sin²θ: make that small compared with PCA's own error "
               "Σ_{i>2} σ_i², i.e. σ₃² close to σ₂² relative to what PCA leaves out.")
    with part(_TILT[3]):
        expect(angle >= 30.0 - 1e-9,
               f"the largest principal angle between span W and PCA's subspace is {angle:.2f}° (must be >= 30°): "
               "tilt the plane further from PCA's, towards the direction whose variance nearly ties with σ₂².")
