# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 19 · Diffusion on low-dimensional data: denoisers, subspaces and memorisation
#
# **What you will learn**
# - why the best denoiser is the posterior mean, and Tweedie's formula $\mathbb E[x_0\mid y]=y+\sigma^2\nabla\log p_\sigma(y)$
#   (proved), which turns a denoiser into the score a diffusion model needs;
# - the optimal denoiser of a *mixture of low-rank Gaussians* — data on a union of subspaces — in closed
#   form: a softmax-weighted sum of linear shrinkages onto the subspaces (derived, and checked against
#   1-D quadrature, importance sampling and the autograd score);
# - that training a denoiser with the subspace parametrisation *is* subspace clustering (proved for hard
#   assignments), so $n_k\ge d$ samples per subspace suffice — a sample size linear in the intrinsic dimension;
# - DDPM's noise schedule and the DDIM sampler, checked step by step against `diffusers`;
# - the memorisation → generalisation transition as the number of training samples grows relative to the
#   intrinsic dimension, measured over three seeds: distance of generated samples to the true subspaces,
#   the fraction of copies of training points, and whether two models trained on disjoint data generate
#   the same samples — with the *empirical* optimal denoiser, which memorises exactly, as the reference.
#
# **Prerequisites**: [lesson 01](01_pca_svd.ipynb) (PCA, projections onto subspaces, Eckart–Young);
# [lesson 05](05_intrinsic_dimension.ipynb) (intrinsic dimension); [lesson 08](08_autoencoders.ipynb)
# (denoising autoencoders learn the score, the score of a Gaussian mixture).
#
# **Papers**
# - P. Wang, H. Zhang, Z. Zhang, S. Chen, Y. Ma, Q. Qu, *Diffusion Models Learn Low-Dimensional
#   Distributions via Subspace Clustering*, 2024 (arXiv:2409.02426; later versions retitled *Breaking the
#   Curse of Dimensionality: Diffusion Models Efficiently Learn Low-Dimensional Distributions*) — the
#   mixture of low-rank Gaussians, the subspace parametrisation, training ≡ subspace clustering, samples
#   linear in the intrinsic dimension.
# - Z. Kadkhodaie, F. Guth, E. P. Simoncelli, S. Mallat, *Generalization in diffusion models arises from
#   geometry-adaptive harmonic representations*, ICLR 2024 — two denoisers trained on disjoint data
#   converge to the same function when the data set is large enough, and memorise when it is small.
# - M. Chen, K. Huang, T. Zhao, M. Wang, *Score Approximation, Estimation and Distribution Recovery of
#   Diffusion Models on Low-Dimensional Data*, ICML 2023 — data on one unknown linear subspace: score
#   estimation and distribution recovery at rates that depend on the subspace dimension, not the ambient one.
# - K. Kim, J. C. Ye, *Noise2Score: Tweedie's Approach to Self-Supervised Image Denoising without Clean
#   Images*, NeurIPS 2021 — denoising through Tweedie's formula and a learned score.
# - B. Efron, *Tweedie's Formula and Selection Bias*, JASA 2011 — the formula, its empirical-Bayes reading.
# - J. Ho, A. Jain, P. Abbeel, *Denoising Diffusion Probabilistic Models*, NeurIPS 2020 — the linear
#   schedule, ε-prediction, ancestral sampling.
# - J. Song, C. Meng, S. Ermon, *Denoising Diffusion Implicit Models*, ICLR 2021 — the deterministic
#   DDIM sampler and its step skipping.

# %%
import lowdim_utils as lu  # first: it sets OMP_WAIT_POLICY before torch loads (steadier threads)
import math
import warnings

import matplotlib.pyplot as plt
import numpy as np
import torch
from scipy import integrate

from lowdim_utils import diffusion as df

device, SCALE, gen = lu.setup(seed=0)  # SCALE: "small" on a CPU by default; LOWDIM_SCALE=full for GPU-sized runs
FULL = SCALE == "full"

try:  # the oracle of section 5 (optional: pip install diffusers); without it that comparison is skipped
    from diffusers import DDIMScheduler, DDPMScheduler
except ImportError:
    DDIMScheduler = DDPMScheduler = None
    print("diffusers is not installed (pip install diffusers): the comparison of the noise schedule and the "
          "sampler steps with it is skipped.")

# %% [markdown]
# ## 1. Motivation: denoising onto two planes
#
# Images of one kind vary along few directions (lesson 05): locally, a union of low-dimensional pieces.
# The simplest such data set is a *union of subspaces*. Take two random planes through the origin of
# $\mathbb R^3$, draw points on them, add Gaussian noise of standard deviation $\sigma=0.4$, and ask for
# the best estimate of each clean point from its noisy version. The answer (derived in section 2) pulls
# every noisy point back *onto the plane it most likely came from*, and shrinks it a little towards the
# origin.

# %%
U3 = df.random_subspaces(2, 3, 2, generator=3, dtype=torch.float64)          # two planes in R^3
X3, lab3 = df.sample_mixture(300, U3, generator=4)
SIG3 = 0.4
Y3 = X3 + SIG3 * torch.randn(X3.shape, generator=gen, dtype=torch.float64)
D3 = df.optimal_denoiser(Y3, SIG3, U3)


def plane_mesh(ax, U, color):
    s = np.linspace(-2.2, 2.2, 2)
    a, b = np.meshgrid(s, s)
    P = a[..., None] * lu.to_numpy(U[:, 0]) + b[..., None] * lu.to_numpy(U[:, 1])
    ax.plot_surface(P[..., 0], P[..., 1], P[..., 2], color=color, alpha=0.12, linewidth=0)


fig = plt.figure(figsize=(12, 3.8))
for i, (pts, title) in enumerate([(X3, "clean points on two planes"), (Y3, f"noisy, σ = {SIG3}"),
                                  (D3, "optimal denoiser E[x0 | y]")]):
    ax = fig.add_subplot(1, 3, i + 1, projection="3d")
    for k, c in enumerate(("C0", "C1")):
        plane_mesh(ax, U3[k], c)
        p = lu.to_numpy(pts[lab3 == k])
        ax.scatter(p[:, 0], p[:, 1], p[:, 2], s=4, color=c)
    ax.set_title(title); ax.view_init(elev=18, azim=35)
    ax.set_xlim(-2.5, 2.5); ax.set_ylim(-2.5, 2.5); ax.set_zlim(-2.5, 2.5)
plt.tight_layout(); plt.show()

# %% tags=["nbval-check-output"]
mse_noisy = float(((Y3 - X3) ** 2).sum(1).mean())
mse_den = float(((D3 - X3) ** 2).sum(1).mean())
dist3 = df.distance_to_subspaces(D3, U3)
worst = int(dist3.argmax())
w_worst = float(df.posterior_weights(Y3[worst:worst + 1], SIG3, U3).max())
print(f"mean squared error of the noisy points {mse_noisy:.2f} (expected 3σ² = {3 * SIG3**2:.2f}); "
      f"after the optimal denoiser {mse_den:.2f}")
print(f"distance of the denoised points to the nearer plane: median {'below 0.05' if float(dist3.median()) < 0.05 else 'ABOVE 0.05'}, "
      f"largest {float(dist3.max()):.2f}, for a point whose more likely plane has posterior weight {w_worst:.2f}")

# %% [markdown]
# The noise in the direction normal to a plane is removed entirely, and most of the error left is the noise
# *within* the plane, which no denoiser can tell apart from signal. A noisy point that could have come from either
# plane is ambiguous, and its estimate is a blend of the two projections, off both planes (the printed worst case
# has posterior weight near one half). A diffusion model is a machine that needs exactly
# this function — for every noise level — and learns it from samples; this lesson computes it in closed
# form, learns it, and asks when the learned version reproduces its training data instead of the distribution.
#
# ## 2. Derivation
#
# **Denoising.** Observe $y=x_0+\sigma\varepsilon$ with $x_0\sim p$ and $\varepsilon\sim\mathcal N(0,I_D)$ independent.
# Among all functions $f$, the mean squared error
#
# \begin{equation*}\mathcal E(f)=\mathbb E\,\|f(y)-x_0\|^2\quad\text{is minimised by}\quad f^\star(y)=\mathbb E[x_0\mid y],\tag{1}\end{equation*}
#
# because $\mathcal E(f)=\mathbb E\|f(y)-\mathbb E[x_0|y]\|^2+\mathbb E\|\mathbb E[x_0|y]-x_0\|^2$ (the cross term has zero
# conditional mean given $y$). Lesson 08 showed that a denoising autoencoder learns this function.
#
# :::{prf:theorem} Tweedie's formula
# :label: thm-19-tweedie
# Let $p_\sigma=p*\mathcal N(0,\sigma^2I)$ be the density of $y$. Then
#
# \begin{equation*}\mathbb E[x_0\mid y]=y+\sigma^2\,\nabla_y\log p_\sigma(y).\tag{2}\end{equation*}
#
# :::
#
# :::{prf:proof}
# Write $\varphi(u)=(2\pi\sigma^2)^{-D/2}e^{-\|u\|^2/2\sigma^2}$, so $p_\sigma(y)=\int\varphi(y-x)\,p(x)\,dx$ and
# $\nabla_y\varphi(y-x)=-\frac{y-x}{\sigma^2}\varphi(y-x)$. Differentiating under the integral,
# $\sigma^2\nabla p_\sigma(y)=\int(x-y)\varphi(y-x)p(x)\,dx=p_\sigma(y)\big(\mathbb E[x_0\mid y]-y\big)$, since
# $\varphi(y-x)p(x)/p_\sigma(y)$ is the posterior density of $x_0$ given $y$. Divide by $p_\sigma(y)$.
# :::
#
# Nothing about $p$ is assumed: the formula holds for data on subspaces (no density in $\mathbb R^D$) as well.
# Efron reads it as an empirical-Bayes correction; Noise2Score uses it to denoise with a learned score;
# diffusion models use it the other way round, to get the score from a learned denoiser.
#
# **Data on a union of subspaces.** The *mixture of low-rank Gaussians* draws a component $k$ with
# probability $\pi_k$ and then a Gaussian on the subspace spanned by an orthonormal $U_k\in\mathbb R^{D\times d_k}$:
#
# \begin{equation*}x_0=U_ka,\quad a\sim\mathcal N(0,I_{d_k}),\qquad\text{i.e.}\quad p=\sum_{k=1}^K\pi_k\,\mathcal N(0,U_kU_k^\top).\tag{3}\end{equation*}
#
# :::{prf:theorem} The optimal denoiser of a mixture of low-rank Gaussians
# :label: thm-19-optimal
# Under (3), $p(k\mid y)=\operatorname{softmax}_k(\ell_k(y))$ with
#
# \begin{equation*}\ell_k(y)=\log\pi_k+\frac{\|U_k^\top y\|^2}{2\sigma^2(1+\sigma^2)}-\frac{d_k}2\log(1+\sigma^2)-\frac{D-d_k}2\log\sigma^2,\tag{4}\end{equation*}
#
# and the posterior mean is a softmax-weighted sum of shrunk projections onto the subspaces,
#
# \begin{equation*}\mathbb E[x_0\mid y]=\sum_{k=1}^K p(k\mid y)\,\frac{1}{1+\sigma^2}\,U_kU_k^\top y .\tag{5}\end{equation*}
#
# :::
#
# :::{prf:proof}
# Given $k$, $(x_0,y)$ is jointly Gaussian with $\operatorname{Cov}(y)=\Sigma_k=U_kU_k^\top+\sigma^2I$ and
# $\operatorname{Cov}(x_0,y)=U_kU_k^\top$. With $P_k=U_kU_k^\top$ (a projector), $\Sigma_k=(1+\sigma^2)P_k+\sigma^2(I-P_k)$, so
# $\Sigma_k^{-1}=\frac{1}{1+\sigma^2}P_k+\frac1{\sigma^2}(I-P_k)$ and $\det\Sigma_k=(1+\sigma^2)^{d_k}(\sigma^2)^{D-d_k}$.
# Hence $\mathbb E[x_0\mid y,k]=P_k\Sigma_k^{-1}y=\frac{1}{1+\sigma^2}P_ky$, and
# $\log\big(\pi_k\mathcal N(y;0,\Sigma_k)\big)=\log\pi_k-\frac12y^\top\Sigma_k^{-1}y-\frac12\log\det\Sigma_k-\frac D2\log2\pi$, where
# $y^\top\Sigma_k^{-1}y=\frac{\|y\|^2}{\sigma^2}-\|U_k^\top y\|^2\big(\frac1{\sigma^2}-\frac1{1+\sigma^2}\big)$. Dropping the terms that
# do not depend on $k$ gives (4), and $p(k|y)\propto\pi_k\mathcal N(y;0,\Sigma_k)$ is its softmax. Finally
# $\mathbb E[x_0|y]=\sum_kp(k|y)\,\mathbb E[x_0|y,k]$.
# :::
#
# Read (5) as a function of $\sigma$: for small $\sigma$ the softmax has temperature $\approx\sigma^2$ and picks the
# subspace that captures most of $y$ — the denoiser is then the projection onto the nearest subspace; for
# large $\sigma$ every component is nearly equally likely and the factor $1/(1+\sigma^2)$ shrinks everything towards
# the origin. In between it is a *soft* subspace clustering of the noisy point. The log-determinant terms
# matter only when the $d_k$ differ: a noisy point is more likely to come from a bigger subspace.
#
# **The empirical optimal denoiser.** A diffusion model is trained on $n$ samples $x_1,\dots,x_n$, and the
# training loss is (1) with $p$ replaced by the empirical distribution $\frac1n\sum_i\delta_{x_i}$. Its exact
# minimiser over all functions is the posterior mean under that distribution,
#
# \begin{equation*}\hat f_n(y)=\sum_{i=1}^n\operatorname{softmax}_i\!\Big(-\frac{\|y-x_i\|^2}{2\sigma^2}\Big)\,x_i,\tag{7}\end{equation*}
#
# a kernel-weighted average of training points, which as $\sigma\to0$ returns the *nearest training point*. A
# sampler driven by (7) can only end on training points: it memorises, whatever $n$ is. A network that
# generalises must therefore *not* minimise its training loss over all functions — its architecture has to
# restrict it, and the question is which restriction and how much data. (Equation (6) comes with the
# exercise of section 3.)

# %% [markdown]
# ## 3. A reference implementation in NumPy
#
# :::{exercise} 19.denoiser · The optimal denoiser of a mixture of subspaces
# :label: ex-19-denoiser
# :nonumber:
# Write `optimal_denoiser_np(y, sigma, bases, weights)`: `y` is `(n, D)`, `sigma` a float, `bases` a list of
# `(D, d_k)` orthonormal matrices (the dimensions may differ), `weights` the $\pi_k$. Return the `(n, D)`
# posterior means (5) with the responsibilities (4). Keep it finite for small $\sigma$ and large $\|y\|$.
# :::

# %%
def optimal_denoiser_np(y, sigma, bases, weights):
    # YOUR CODE HERE
    raise NotImplementedError


# %%
optimal_denoiser_np = lu.check("19.denoiser", optimal_denoiser_np)

# %% [markdown] tags=["solution"]
# :::{solution} ex-19-denoiser
# :class: dropdown
# The course's solution, from `solutions/19_diffusion.py` (in JupyterLab, print it with `lu.show_solution("19.denoiser")`):
# ```{literalinclude} ../solutions/19_diffusion.py
# :pyobject: optimal_denoiser_np
# ```
# :::

# %% [markdown]
# ## 4. The course implementation and its oracles
#
# `df.optimal_denoiser(y, sigma, bases, weights)` is (5) in torch, batched, for a `(K, D, d)` tensor of bases or
# a list of bases of different dimensions (zero-padded inside: padding changes neither $U_k^\top y$ nor $U_kU_k^\top$).
# Three independent checks, in float64:
#
# 1. **1-D quadrature.** With two *lines* in $\mathbb R^2$ ($d_k=1$), the posterior mean is a ratio of one-dimensional
#    integrals along the lines, $\sum_k\pi_k\int t\,u_k\,\mathcal N(t;0,1)\,\mathcal N(y;tu_k,\sigma^2I)\,dt\,/\,p_\sigma(y)$, which
#    `scipy.integrate.quad` computes to about twelve digits.
# 2. **Importance sampling.** Draw $2\cdot10^5$ samples of the prior and weight each by the likelihood $\mathcal N(y;x,\sigma^2I)$
#    (a Monte-Carlo version of (7) with the whole distribution as its "training set").
# 3. **Tweedie.** `df.mixture_log_density` is $\log p_\sigma$; autograd gives its gradient, and (2) must give (5).

# %%
ang = (0.3, 1.9)
U_lines = torch.tensor([[[math.cos(a)], [math.sin(a)]] for a in ang], dtype=torch.float64)   # (2, 2, 1)
W_lines = torch.tensor([0.3, 0.7], dtype=torch.float64)
Yq = torch.tensor([[1.0, 0.2], [-0.5, 1.5], [0.1, -0.1], [3.0, 3.0], [0.0, 0.0]], dtype=torch.float64)


def quadrature_denoiser(y, sigma):
    """E[x0|y] for the two lines by quadrature along each line; the exponents are shifted by a common
    constant (their largest maximum over the lines) so that nothing underflows."""
    us = [lu.to_numpy(U_lines[k, :, 0]) for k in range(2)]
    expo = [lambda t, u=u: -t * t / 2 - ((y - t * u) ** 2).sum() / (2 * sigma**2) for u in us]
    peaks = [(u @ y / sigma**2) / (1 + 1 / sigma**2) for u in us]           # the maximiser of each exponent
    c = max(e(t0) for e, t0 in zip(expo, peaks))
    num, den = np.zeros(2), 0.0
    for k in range(2):
        def lik(t, k=k):
            return math.exp(expo[k](t) - c)
        kw = dict(epsabs=1e-14, epsrel=1e-12, limit=200, points=[peaks[k]])
        z = integrate.quad(lik, -12, 12, **kw)[0]
        m = integrate.quad(lambda t: t * lik(t), -12, 12, **kw)[0]
        num, den = num + float(W_lines[k]) * m * us[k], den + float(W_lines[k]) * z
    return num / den


err_quad = 0.0
with warnings.catch_warnings():  # at y = 0 the mean integral is exactly 0, where quad's relative tolerance cannot be met
    warnings.simplefilter("ignore", integrate.IntegrationWarning)
    for s in (0.2, 0.7, 2.0):
        ours = lu.to_numpy(df.optimal_denoiser(Yq, s, U_lines, W_lines))
        ref = np.stack([quadrature_denoiser(y, s) for y in lu.to_numpy(Yq)])
        err_quad = max(err_quad, np.abs(ours - ref).max())

U8 = df.random_subspaces(3, 8, 2, generator=5, dtype=torch.float64)
prior, _ = df.sample_mixture(200_000, U8, generator=6)
Yis = torch.randn(6, 8, generator=gen, dtype=torch.float64)
w_is = torch.softmax(-((Yis[:, None] - prior[None]) ** 2).sum(-1) / (2 * 0.8**2), dim=1)
err_is = float(((w_is @ prior - df.optimal_denoiser(Yis, 0.8, U8)).norm(dim=1) / df.optimal_denoiser(Yis, 0.8, U8).norm(dim=1)).max())
ess = float((1 / (w_is**2).sum(1)).min())

yt = Yis.clone().requires_grad_(True)
score, = torch.autograd.grad(df.mixture_log_density(yt, 0.8, U8).sum(), yt)
err_tw = float((Yis + 0.8**2 * score - df.optimal_denoiser(Yis, 0.8, U8)).abs().max())

B_mixed = [U8[0][:, :1], U8[1]]                                       # dimensions 1 and 2
W_mixed = np.array([0.4, 0.6])
err_np = max(np.abs(optimal_denoiser_np(lu.to_numpy(Yis), s, [lu.to_numpy(b) for b in B_mixed], W_mixed)
                    - lu.to_numpy(df.optimal_denoiser(Yis, s, B_mixed, torch.from_numpy(W_mixed)))).max()
             for s in (0.1, 1.0))

# %% tags=["nbval-check-output"]
def below(err, bound):
    return f"{'below' if err < bound else 'ABOVE'} {bound:.0e}"


print(f"course vs 1-D quadrature (two lines in R^2, three noise levels): max abs. error {below(err_quad, 1e-9)}")
print(f"course vs importance sampling (2e5 prior samples, effective sample size >= {1000 * int(ess // 1000)}): "
      f"max rel. error {below(err_is, 0.05)}")
print(f"course vs Tweedie's formula (2) with the autograd score: max abs. error {below(err_tw, 1e-10)}")
print(f"NumPy reference (exercise) vs course, subspaces of dimensions 1 and 2: max abs. error {below(err_np, 1e-10)}")

# %% [markdown]
# Quadrature and autograd agree to rounding error; importance sampling agrees within its Monte-Carlo error, which
# shrinks like one over the square root of the effective sample size.
#
# **How good is the optimal denoiser?** If the component were known, the problem would split into $d$ scalar
# Gaussian problems along the subspace and nothing off it.
#
# :::{exercise} 19.mmse · The error of the optimal denoiser on one subspace
# :label: ex-19-mmse
# :nonumber:
# For $x_0=s\,Ua$ with $U\in\mathbb R^{D\times d}$ orthonormal, $a\sim\mathcal N(0,I_d)$, and $y=x_0+\sigma\varepsilon$, derive the
# minimum mean squared error $\mathbb E\|\mathbb E[x_0|y]-x_0\|^2$ and write it as `mmse_subspace(d, s, sigma)`. (Hint:
# rotate so that $U$ spans the first $d$ coordinates; what is the posterior of one coordinate?) The check compares
# your formula with a Monte-Carlo estimate and with its small- and large-noise limits.
# :::

# %%
def mmse_subspace(d, s, sigma):
    # YOUR CODE HERE
    raise NotImplementedError


# %%
mmse_subspace = lu.check("19.mmse", mmse_subspace)

# %% [markdown] tags=["solution"]
# :::{solution} ex-19-mmse
# :class: dropdown
# The course's solution, from `solutions/19_diffusion.py` (in JupyterLab, print it with `lu.show_solution("19.mmse")`):
# ```{literalinclude} ../solutions/19_diffusion.py
# :pyobject: mmse_subspace
# ```
# :::

# %% [markdown]
# With $s=1$ the answer is
#
# \begin{equation*}\mathrm{MMSE}_{\text{one subspace}}(\sigma)=\frac{d\,\sigma^2}{1+\sigma^2},\tag{6}\end{equation*}
#
# which depends on the intrinsic dimension $d$ and not on $D$: of the $D\sigma^2$ noise energy, everything off the
# subspace is removed. For the mixture, (6) is the error of an oracle that knows the component; the optimal
# denoiser pays extra only when the noise makes the component ambiguous. Lesson 08's denoising autoencoder
# learned this function for one noise level; a diffusion model needs it for all of them.
#
# ## 5. Training a denoiser is subspace clustering
#
# A diffusion model is trained by minimising the denoising loss over many noise levels at once. With DDPM's
# ε-prediction weighting (the loss on the noise, $\|\hat\varepsilon-\varepsilon\|^2=\|\hat x_0-x_0\|^2/\sigma^2$) and
# noise levels drawn from a distribution $\rho$, the training loss on samples $x_1,\dots,x_n$ is
#
# \begin{equation*}\mathcal L(f)=\frac1n\sum_{i=1}^n\ \mathbb E_{\sigma\sim\rho,\ \varepsilon}\ \frac{1}{\sigma^2}\,\big\|f(x_i+\sigma\varepsilon,\sigma)-x_i\big\|^2 .\tag{8}\end{equation*}
#
# Wang et al. parametrise $f$ the way (5) suggests — the optimal denoiser's formula with unknown bases:
#
# \begin{equation*}f_{\theta}(y,\sigma)=\sum_{k=1}^K\operatorname{softmax}_k\!\Big(\frac{\|V_k^\top y\|^2}{2\sigma^2(1+\sigma^2)}\Big)\frac{1}{1+\sigma^2}V_kV_k^\top y,
# \qquad \theta=(V_1,\dots,V_K),\ V_k^\top V_k=I_d .\tag{9}\end{equation*}
#
# `df.SubspaceDenoiser` is (9), with $V_k$ the Q factor of an unconstrained matrix. Replace the softmax by its
# hard version (the best subspace for each *clean* training point — the small-noise limit, as the training
# points lie on the subspaces):
#
# :::{prf:proposition} The denoising loss is the K-subspaces objective
# :label: prop-19-clustering
# With the weights of (9) replaced by a fixed assignment $k(i)$ of each training point and $c_\sigma=1/(1+\sigma^2)$,
#
# \begin{equation*}\mathcal L=\frac1n\sum_i\mathbb E_\sigma\frac{\|x_i\|^2+c_\sigma^2\sigma^2d}{\sigma^2}
# \;-\;\frac1n\sum_i\mathbb E_\sigma\frac{c_\sigma(2-c_\sigma)}{\sigma^2}\,\big\|V_{k(i)}^\top x_i\big\|^2 .\tag{10}\end{equation*}
#
# The first term does not depend on $\theta$ and the weight of the second is positive, so minimising (8) over
# $\theta$ and the assignments is exactly the subspace-clustering (K-subspaces) problem
# $\max\sum_i\|V_{k(i)}^\top x_i\|^2$. Each $V_k$ is then a top-$d$ principal subspace (lesson 01) of the points
# assigned to it.
# :::
#
# :::{prf:proof}
# With $P=V_kV_k^\top$, $\|cP(x+\sigma\varepsilon)-x\|^2=\|cPx-x\|^2+2c\sigma(cPx-x)^\top P\varepsilon+c^2\sigma^2\|P\varepsilon\|^2$.
# The middle term has mean zero, $\mathbb E\|P\varepsilon\|^2=d$, and $\|cPx-x\|^2=\|x\|^2-(2c-c^2)\|Px\|^2$ because
# $P$ is an orthogonal projector. Divide by $\sigma^2$ and average. For fixed assignments each $V_k$ maximises
# $\sum_{i:k(i)=k}\|V_k^\top x_i\|^2$, the Eckart–Young problem of lesson 01.
# :::
#
# **Why the sample size is linear in $d$.** If the points assigned to subspace $k$ are correct and in general
# position, $n_k\ge d$ of them span it, and the principal subspace *is* the true one. With $n_k<d$ they span only an
# $n_k$-dimensional part, the loss is indifferent to the other $d-n_k$ directions of $V_k$, and the model generates
# points off the true subspace along them. (Getting the assignment right needs a little more: $n_k\le d$ points fit
# *some* $d$-dimensional subspace whatever their origin, so with $n_k\le d$ every grouping captures all the energy;
# identification needs $n_k>d$.) The paper proves its statement for the soft weights of (9) under separation
# conditions; we rely on the hard-assignment version above.
#
# We minimise (8) two ways on $n=300$ training points from $K=3$ random 4-dimensional subspaces of
# $\mathbb R^{32}$, three seeds each: **Adam** on the parametrisation (9) from a random start (`df.train_denoiser`,
# noise levels log-uniform in $[0.3,3]$, 1 500 steps), and **K-subspaces** (`df.subspace_clustering`: assign, then
# an SVD per cluster, from ten starts) — the equivalent problem of the proposition. Then we compare each trained
# denoiser's error on 2 000 *held-out* points with the optimum (5), across noise levels, and with the empirical
# denoiser (7) of the same 300 points.

# %%
D_T, K_T, d_T, N_T = (32, 3, 4, 300) if not FULL else (128, 4, 8, 2000)
SEEDS = [0, 1, 2] if not FULL else [0, 1, 2, 3, 4]
STEPS = 1500 if not FULL else 4000
SIGMAS = [0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 4.0]


def projector_error(U_true, B):
    """max over true subspaces of min over learned ones of ‖P − Q‖_F / √(2d) (0: equal, 1: orthogonal)."""
    P, Q = U_true @ U_true.transpose(1, 2), B @ B.transpose(1, 2)
    e = torch.stack([torch.stack([(P[i] - Q[j]).norm() for j in range(B.shape[0])]) for i in range(U_true.shape[0])])
    return float(e.min(1).values.max() / math.sqrt(2 * U_true.shape[2]))


def mse_curve(denoiser, X):
    return np.array([df.denoising_mse(denoiser, X, s, generator=100) for s in SIGMAS])


U_T = df.random_subspaces(K_T, D_T, d_T, generator=10).to(device)
X_T, _ = df.sample_mixture(N_T, U_T, generator=11)
X_test, _ = df.sample_mixture(2000, U_T, generator=12)
mse_opt = mse_curve(lambda y, s: df.optimal_denoiser(y, s, U_T), X_test)
mse_emp = mse_curve(lambda y, s: df.empirical_denoiser(y, s, X_T), X_test)
res = {"Adam on (9)": [], "K-subspaces": []}
for seed in lu.progress_bar(SEEDS, desc="training per seed"):
    m = df.SubspaceDenoiser(K_T, D_T, d_T, generator=20 + seed).to(device)
    df.train_denoiser(m, X_T, steps=STEPS, batch_size=128, lr=5e-2, sigma_min=0.3, sigma_max=3.0, generator=seed)
    B, _, _ = df.subspace_clustering(X_T, K_T, d_T, generator=seed)
    for name, model in (("Adam on (9)", m), ("K-subspaces", df.SubspaceDenoiser.from_bases(B))):
        with torch.no_grad():
            res[name].append((projector_error(U_T, model.bases()), mse_curve(model, X_test)))

fig, axes = plt.subplots(1, 2, figsize=(10.5, 3.6))
axes[0].loglog(SIGMAS, mse_opt, "k-", lw=2, label="optimal (5)")
axes[0].loglog(SIGMAS, [d_T * s**2 / (1 + s**2) for s in SIGMAS], "k:", label="known component (6)")
axes[0].loglog(SIGMAS, mse_emp, "C3s--", label=f"empirical (7), n = {N_T}")
for c, name in zip(("C0", "C2"), res):
    curves = np.array([r[1] for r in res[name]])
    axes[0].loglog(SIGMAS, curves.mean(0), "o-", color=c, ms=4, label=name)
    gap = curves / mse_opt - 1
    axes[1].errorbar(SIGMAS, gap.mean(0), yerr=[gap.mean(0) - gap.min(0), gap.max(0) - gap.mean(0)], fmt="o-",
                     color=c, capsize=3, label=name)
axes[1].plot(SIGMAS, mse_emp / mse_opt - 1, "C3s--", label="empirical (7)")
axes[1].set_xscale("log"); axes[1].set_yscale("symlog", linthresh=1e-3); axes[1].set_ylim(bottom=-2e-4)
axes[0].set_xlabel("noise level σ"); axes[0].set_ylabel("MSE on held-out points"); axes[0].legend(fontsize=8)
axes[1].set_xlabel("noise level σ"); axes[1].set_ylabel("relative excess MSE over the optimum")
axes[1].set_title(f"{len(SEEDS)} seeds (bars: min to max)"); axes[1].legend(fontsize=8)
plt.tight_layout(); plt.show()

# %%
# per seed (not compared by nbval: whether Adam stalls in a poor local minimum depends on the CPU's rounding)
for name in res:
    print(f"{name:12s}: subspace error per seed " + ", ".join(f"{r[0]:.2f}" for r in res[name]))
print("Adam on (9) : excess MSE at σ = 0.05 per seed "
      + ", ".join(f"{v:.1f}" for v in (np.array([r[1] for r in res["Adam on (9)"]]) / mse_opt - 1)[:, 0]))

# %% tags=["nbval-check-output"]
for name in res:
    pe = np.array([r[0] for r in res[name]])
    gap = np.array([r[1] for r in res[name]]) / mse_opt - 1
    print(f"{name:12s}: subspace error {pe.mean():.2f} ± {pe.std(ddof=1):.2f}; excess MSE at σ = {SIGMAS[0]}: "
          f"{gap[:, 0].mean():.1f} ± {gap[:, 0].std(ddof=1):.1f}, at σ = 1: {gap[:, 4].mean():.3f} ± {gap[:, 4].std(ddof=1):.3f}")
gap_adam = np.array([r[1] for r in res["Adam on (9)"]]) / mse_opt - 1
print(f"Adam on (9) : smallest excess MSE over seeds at σ = {SIGMAS[0]}: {gap_adam[:, 0].min():.0f} "
      f"(above 0.5: {'yes' if gap_adam[:, 0].min() > 0.5 else 'NO'})")
print(f"empirical denoiser (7): excess MSE at σ = {SIGMAS[0]}: {mse_emp[0] / mse_opt[0] - 1:.0f}; at σ = 4: "
      f"{mse_emp[-1] / mse_opt[-1] - 1:.3f}")
ks_ok = max(r[0] for r in res["K-subspaces"]) < 1e-4
print(f"K-subspaces recovers every subspace (error < 1e-4) in all seeds: {'yes' if ks_ok else 'NO'}")

# %% [markdown]
# Two regimes show. At large noise every denoiser — even the empirical one — is close to the optimum: the
# answer is "shrink towards the origin", and the details of the data do not matter. At small noise the optimum's
# error falls like $d\sigma^2$ (6), and only a denoiser with the *exact* subspaces keeps up: K-subspaces solves
# the clustering problem exactly here (equal to the optimum to three decimals, every seed). Adam from a random
# start is less reliable on this non-convex loss: in two seeds it finds subspaces close to the true ones but not
# equal (a subspace error of a few hundredths), which costs little at $\sigma=1$ but more than the optimum's whole
# error at $\sigma=0.05$ (it was also trained only on $\sigma\ge0.3$); in the third it stalls in a poor local
# minimum (one true subspace is left without a learned basis near it), hence the wide spread. The spread does not hide the
# conclusion: even Adam's best seed is well above the optimum at small noise (the per-seed excess is printed),
# K-subspaces is on it. The empirical denoiser (7) is far worse at small noise on held-out points — at $\sigma=0.05$
# its error is tens of times the optimum's: it moves every new point to a training point. It is the *best* possible denoiser of the training
# points themselves, so a training loss alone cannot tell memorisation from learning.
#
# ## 6. Sampling: DDPM's schedule and DDIM
#
# DDPM noises data in $T=1000$ steps with a variance-preserving chain, $\beta_t$ linear from $10^{-4}$ to $0.02$:
#
# \begin{equation*}x_t=\sqrt{\bar\alpha_t}\,x_0+\sqrt{1-\bar\alpha_t}\,\varepsilon,\qquad \bar\alpha_t=\prod_{s\le t}(1-\beta_s),\qquad
# \text{so}\quad \frac{x_t}{\sqrt{\bar\alpha_t}}=x_0+\sigma_t\varepsilon,\ \ \sigma_t=\sqrt{\frac{1-\bar\alpha_t}{\bar\alpha_t}} .\tag{11}\end{equation*}
#
# A denoiser of $y=x_0+\sigma\varepsilon$ therefore serves every step: $\hat x_0=f(x_t/\sqrt{\bar\alpha_t},\sigma_t)$, and the
# implied noise is $\hat\varepsilon=(x_t-\sqrt{\bar\alpha_t}\hat x_0)/\sqrt{1-\bar\alpha_t}$ (by (2), $-\hat\varepsilon/\sqrt{1-\bar\alpha_t}$ is the score of $x_t$).
# DDIM moves from $t$ to an earlier $t'$ by
#
# \begin{equation*}x_{t'}=\sqrt{\bar\alpha_{t'}}\,\hat x_0+\sqrt{1-\bar\alpha_{t'}-\eta^2s_t^2}\ \hat\varepsilon+\eta s_t z,\qquad
# s_t^2=\frac{1-\bar\alpha_{t'}}{1-\bar\alpha_t}\Big(1-\frac{\bar\alpha_t}{\bar\alpha_{t'}}\Big),\ z\sim\mathcal N(0,I),\tag{12}\end{equation*}
#
# deterministic for $\eta=0$ (DDIM) and equal to DDPM's ancestral step for $\eta=1$ and $t'=t-1$. `df.sample` runs (12)
# over 50 of the 1 000 timesteps (DDIM's "leading" spacing $980,960,\dots,0$), and after the last one returns
# $\hat x_0$ itself ($\bar\alpha=1$). The oracle: `diffusers`' `DDPMScheduler` and `DDIMScheduler`, whose schedule
# and single steps must equal ours.

# %%
abar = df.linear_schedule()
if DDPMScheduler is not None:
    ddpm = DDPMScheduler(num_train_timesteps=1000, beta_schedule="linear", clip_sample=False)
    ddim = DDIMScheduler(num_train_timesteps=1000, beta_schedule="linear", clip_sample=False, set_alpha_to_one=True)
    ddim.set_timesteps(50)
    e_sched = float((abar.float() - ddpm.alphas_cumprod).abs().max())
    same_steps = torch.equal(ddim.timesteps, df.ddim_timesteps(1000, 50))
    xt = torch.randn(8, 5, generator=gen)
    eps = torch.randn(8, 5, generator=gen)
    e_ddim = e_ddpm = 0.0
    for t in (980, 500, 20):
        a_t, a_p = float(abar[t]), float(abar[t - 20])
        x0 = (xt - math.sqrt(1 - a_t) * eps) / math.sqrt(a_t)
        theirs = ddim.step(eps, t, xt, eta=0.0).prev_sample
        e_ddim = max(e_ddim, float((df.ddim_step(xt, x0, a_t, a_p) - theirs).abs().max()))
        a_p1 = float(abar[t - 1])
        z = torch.randn(8, 5, generator=torch.Generator().manual_seed(t))
        theirs = ddpm.step(eps, t, xt, generator=torch.Generator().manual_seed(t)).prev_sample
        e_ddpm = max(e_ddpm, float((df.ddim_step(xt, x0, a_t, a_p1, eta=1.0, noise=z) - theirs).abs().max()))

# %% tags=["nbval-check-output"]
if DDPMScheduler is not None:
    print(f"ᾱ_t, course vs diffusers DDPMScheduler (float32): max abs. difference {below(e_sched, 1e-6)}")
    print(f"DDIM timesteps for 50 steps identical to DDIMScheduler's: {'yes' if same_steps else 'NO'}")
    print(f"one DDIM step (η = 0), course vs DDIMScheduler.step: max abs. difference {below(e_ddim, 1e-5)}")
    print(f"one DDPM step (η = 1, same noise), course vs DDPMScheduler.step: max abs. difference {below(e_ddpm, 1e-5)}")
else:
    print("diffusers not installed; the closed-form checks: ᾱ_1 = 1 − β_1 "
          f"{'holds' if abs(float(abar[0]) - (1 - 1e-4)) < 1e-15 else 'FAILS'}; ᾱ_T = {float(abar[-1]):.1e}")

# %% [markdown]
# **Samples on the planes.** Back to the two planes of section 1. Twelve training points (six per plane on
# average, more than $d=2$) are enough for K-subspaces to find both planes; the learned denoiser (9) then drives
# DDIM to new points spread over the planes. The empirical denoiser (7) of the same twelve points drives it to
# the twelve points themselves.

# %%
X12, _ = df.sample_mixture(12, U3, generator=7)
B12, _, _ = df.subspace_clustering(X12, 2, 2, generator=0)
model12 = df.SubspaceDenoiser.from_bases(B12)
z3 = torch.randn(400, 3, generator=gen, dtype=torch.float64)
gen_learned = df.sample(model12, z3, abar, steps=50)
gen_emp = df.sample(lambda y, s: df.empirical_denoiser(y, s, X12), z3, abar, steps=50)
gen_true = df.sample(lambda y, s: df.optimal_denoiser(y, s, U3), z3, abar, steps=50)

fig = plt.figure(figsize=(12, 3.8))
for i, (pts, title) in enumerate([(gen_true, "DDIM, exact denoiser (5)"), (gen_learned, "DDIM, learned from 12 points (9)"),
                                  (gen_emp, "DDIM, empirical denoiser (7) of 12 points")]):
    ax = fig.add_subplot(1, 3, i + 1, projection="3d")
    for k, c in enumerate(("C0", "C1")):
        plane_mesh(ax, U3[k], c)
    p = lu.to_numpy(pts)
    ax.scatter(p[:, 0], p[:, 1], p[:, 2], s=3, color="C2")
    t12 = lu.to_numpy(X12)
    ax.scatter(t12[:, 0], t12[:, 1], t12[:, 2], s=40, facecolors="none", edgecolors="k", label="training points")
    ax.set_title(title, fontsize=10); ax.view_init(elev=18, azim=35)
    ax.set_xlim(-2.5, 2.5); ax.set_ylim(-2.5, 2.5); ax.set_zlim(-2.5, 2.5)
ax.legend(loc="upper left", fontsize=8)
plt.tight_layout(); plt.show()

# %% tags=["nbval-check-output"]
for name, pts in (("exact", gen_true), ("learned", gen_learned), ("empirical", gen_emp)):
    dist = float(df.distance_to_subspaces(pts, U3).median())
    nn = float(df.nearest_distances(pts, X12, 1).median())
    print(f"{name:9s}: median distance to the planes {below(dist, 1e-3)}; median distance to the nearest "
          f"training point {'below 1e-3 (copies)' if nn < 1e-3 else 'above 0.1 (new points)' if nn > 0.1 else 'in between'}")

# %% [markdown]
# All three samplers end on the planes, but only two of them generate anything new. How do we tell, without a
# picture, that a sample is a copy? Distance to the nearest training point alone depends on the units and on the
# density of the training set.
#
# :::{exercise} 19.memorised · A memorisation test (a design decision)
# :label: ex-19-memorised
# :nonumber:
# Write `is_memorised(samples, train)` returning one boolean per row of `samples: (n, D)`: True when the sample is
# a copy (or a near-copy) of a row of `train: (N, D)`. The check feeds it the empirical denoiser's samples, training
# points moved by $10^{-3}$, new samples of the distribution (at most 10% may be flagged), and all of these in other
# units (×1000 and ×0.001). Choose a criterion that needs no absolute threshold.
# :::

# %%
def is_memorised(samples, train):
    # YOUR CODE HERE
    raise NotImplementedError


# %%
is_memorised = lu.check("19.memorised", is_memorised)

# %% [markdown] tags=["solution"]
# :::{solution} ex-19-memorised
# :class: dropdown
# The course's solution, from `solutions/19_diffusion.py` (in JupyterLab, print it with `lu.show_solution("19.memorised")`):
# ```{literalinclude} ../solutions/19_diffusion.py
# :pyobject: is_memorised
# ```
# :::

# %% [markdown]
# ## 7. The headline: memorisation → generalisation as $n$ grows relative to $d$
#
# Now the transition, measured. Data: $K=3$ random $d$-dimensional subspaces of $\mathbb R^{32}$, $d\in\{4,8\}$; training
# sets of $n=K\,r\,d$ points for ratios $r=n_k/d$ (training points per subspace, on average, per intrinsic dimension)
# from $0.5$ to $4$. For each seed and size we draw *two disjoint* training sets A and B, fit a subspace denoiser (9)
# to each by K-subspaces, and run deterministic DDIM (50 steps) from the same 200 starting noises with four
# denoisers: learned-A, learned-B, empirical-A, empirical-B. Three measurements per denoiser:
#
# - **off-subspace distance**: the mean of $\operatorname{dist}(x,\cup_k\operatorname{span}U_k)/\|x\|$ over generated samples —
#   0 when samples lie on the true subspaces;
# - **copies**: the fraction of samples that `is_memorised` flags against the denoiser's own training set;
# - **A vs B**: the mean of $\|x_A-x_B\|/\|x_A\|$ over samples generated from the same noise by the A and B denoisers
#   (Kadkhodaie et al.'s test: 0 when the two learned the same function).

# %%
D_H = 32 if not FULL else 128
DIMS = (4, 8) if not FULL else (4, 8, 16)
RATIOS = (0.5, 1.0, 1.5, 2.0, 4.0) if not FULL else (0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 3.0, 4.0)
N_GEN = 200 if not FULL else 1000
K_H = 3


def transition_run(d, r, seed):
    U = df.random_subspaces(K_H, D_H, d, generator=1000 * d + seed).to(device)
    n = int(round(K_H * r * d))
    both, _ = df.sample_mixture(2 * n, U, generator=1000 * d + seed + 500)
    XA, XB = both[:n], both[n:]
    z = torch.randn(N_GEN, D_H, generator=torch.Generator().manual_seed(seed)).to(device)
    out = {}
    for kind in ("learned", "empirical"):
        samples = []
        for Xs in (XA, XB):
            if kind == "learned":
                den = df.SubspaceDenoiser.from_bases(df.subspace_clustering(Xs, K_H, d, generator=seed)[0])
            else:
                den = (lambda Xs_: (lambda y, s: df.empirical_denoiser(y, s, Xs_)))(Xs)
            samples.append(df.sample(den, z, abar, steps=50))
        sA, sB = samples
        out[kind] = (float((df.distance_to_subspaces(sA, U) / sA.norm(dim=1)).mean()),
                     float(np.mean(np.asarray(is_memorised(lu.to_numpy(sA), lu.to_numpy(XA)), dtype=float))),
                     float(((sA - sB).norm(dim=1) / sA.norm(dim=1)).mean()))
    return out


grid = {}
for d in DIMS:
    for r in lu.progress_bar(RATIOS, desc=f"d = {d}: training-set sizes"):
        grid[d, r] = [transition_run(d, r, s) for s in SEEDS]


def stat(d, r, kind, j):
    v = np.array([g[kind][j] for g in grid[d, r]])
    return v.mean(), v.min(), v.max()


titles = ("off-subspace distance of samples", "fraction of copies of training points",
          "A vs B: same noise, disjoint training sets")
fig, axes = plt.subplots(1, 3, figsize=(13, 3.6))
for j, ax in enumerate(axes):
    for d, c in zip(DIMS, ("C0", "C1", "C2")):
        for kind, fmt in (("learned", "o-"), ("empirical", "s--")):
            m_, lo, hi = map(np.array, zip(*[stat(d, r, kind, j) for r in RATIOS]))
            ax.errorbar(RATIOS, m_, yerr=[m_ - lo, hi - m_], fmt=fmt, color=c, capsize=3, ms=4,
                        label=f"{kind}, d = {d}", alpha=1 if kind == "learned" else 0.6)
    ax.axvline(1.0, color="grey", lw=0.8, ls=":")
    ax.set_xscale("log"); ax.set_xticks(RATIOS, [f"{r:g}" for r in RATIOS]); ax.minorticks_off()
    ax.set_xlabel("training points per subspace / d"); ax.set_title(titles[j], fontsize=10)
axes[0].legend(fontsize=7)
plt.tight_layout(); plt.show()

# %% tags=["nbval-check-output"]
print(f"mean (min–max) over {len(SEEDS)} seeds; D = {D_H}, K = {K_H}, {N_GEN} samples each")
print("  d   n_k/d    n  | learned: off-subspace  copies  A-vs-B  | empirical: copies  A-vs-B")
for d in DIMS:
    for r in RATIOS:
        L = [stat(d, r, "learned", j) for j in range(3)]
        E = [stat(d, r, "empirical", j) for j in range(3)]
        # one decimal for the learned model: near the threshold its fits differ between CPUs in the second
        print(f" {d:2d}   {r:4.1f}  {int(round(K_H * r * d)):4d}  |   {L[0][0]:.1f} ({L[0][1]:.1f}–{L[0][2]:.1f})"
              f"      {L[1][0]:.2f}   {L[2][0]:.1f} ({L[2][1]:.1f}–{L[2][2]:.1f})   |     {E[1][0]:.2f}     {E[2][0]:.2f}")

# %% [markdown]
# **What the table says.** The empirical denoiser copies its training set at every size (essentially every sample
# is flagged), so the A and B samplers, fed the same noise, end on *different* training points: its A-vs-B distance
# stays of order one, and generated samples lie on the subspaces only because the training points do. The learned
# subspace denoiser almost never copies (at most 1% of its samples flagged). Below the threshold ($n_k/d\le1$) it puts its samples off the true subspaces, and
# A and B disagree — it has "learned" its particular training points' span plus arbitrary directions. From
# $n_k/d=2$ on, in every seed and for both $d=4$ and $d=8$, its samples lie on the true subspaces and the A and B models
# produce the same sample from the same noise: the two models are the same function. At $n_k/d=1.5$ the runs are
# mixed (the spread over seeds is wide), probably because some clusters get at most $d$ points by chance. The threshold sits at
# the same *ratio* for $d=4$ and $d=8$, i.e. at a number of samples proportional to $d$.
#
# **Against the papers.** Wang et al. state (abstract, checked) that under their data and model assumptions the
# minimal number of samples needed to learn the distribution scales linearly with the intrinsic dimension, and
# that training their parametrisation is equivalent to subspace clustering, with a phase transition from failure
# to success in learning; the details of their synthetic experiments (sizes, the generalisation measure) we have
# not checked. We get a transition at 1–2 training points per subspace per intrinsic dimension, at the same ratio
# for $d=4$ and $d=8$; the difference in form — a sharp step here — comes from our exact, noise-free subspaces and
# an exact K-subspaces solver instead of gradient training of the soft model (section 5 shows that Adam gets the
# subspaces only approximately, and not in every seed, in our budget). Kadkhodaie et al. report (abstract, checked) that two networks trained
# on non-overlapping subsets of a data set learn nearly the same score function when the training set is large
# enough, and memorise it when it is small (the training-set sizes of their transition, on face images, we have
# not checked against their figures). We get the same qualitative picture with
# a model whose capacity is $K\,D\,d$ numbers: A-vs-B distance near 1 below the threshold, 0 above; the difference is
# that our small-$n$ regime does not memorise — the parametrisation (9) cannot represent a copy of its training
# set — and the memorising reference is the empirical denoiser (7), which a large enough network would approach.
#
# ## 8. Scaling: the cost of the optimal denoisers
#
# One call of (5) on $m$ noisy points costs $O(mKDd)$ (a batched product with all bases); one call of the empirical
# denoiser (7) costs $O(mnD)$, linear in the training-set size — a sampler pays it at every step, which is why
# nobody generates with (7) at scale. Timings of a NumPy reference (loops over components, a dense distance
# matrix) and the course's torch version, in $\mathbb R^{64}$ with $d=8$ ($m=2048$ points for (5), $m=256$ for (7)), one thread:

# %%
def optimal_numpy(y, sigma, bases):
    return optimal_denoiser_np(y, sigma, list(bases), np.full(len(bases), 1 / len(bases)))


def empirical_numpy(y, sigma, X):
    d2 = ((y[:, None, :] - X[None]) ** 2).sum(-1)
    w = np.exp(-(d2 - d2.min(1, keepdims=True)) / (2 * sigma**2))
    return (w / w.sum(1, keepdims=True)) @ X


m_b, D_b, d_b = 256, 64, 8
Yb = torch.randn(m_b, D_b, generator=gen)
Yb_K = torch.randn(8 * m_b, D_b, generator=gen)
bench_K = lu.Benchmark(f"optimal denoiser (5): {8 * m_b} points in R^{D_b}, d = {d_b}", size_label="components K")
for K in lu.progress_bar((2, 4, 8, 16, 32) if not FULL else (2, 4, 8, 16, 32, 64, 128), desc="K"):
    Ub = df.random_subspaces(K, D_b, d_b, generator=K)
    bench_K.run("NumPy reference", K, optimal_numpy, lu.to_numpy(Yb_K), 0.5, lu.to_numpy(Ub))
    bench_K.run("course optimal_denoiser", K, df.optimal_denoiser, Yb_K, 0.5, Ub)
bench_n = lu.Benchmark(f"empirical denoiser (7): {m_b} points in R^{D_b}", size_label="training points n")
for n in lu.progress_bar((500, 1000, 2000, 4000) if not FULL else (1000, 4000, 16000, 64000), desc="n"):
    Xb = torch.randn(n, D_b, generator=gen)
    if n <= 4000:
        bench_n.run("NumPy reference", n, empirical_numpy, lu.to_numpy(Yb), 0.5, lu.to_numpy(Xb))
    bench_n.run("course empirical_denoiser", n, df.empirical_denoiser, Yb, 0.5, Xb)
    if device.type != "cpu":
        bench_n.run(f"course empirical_denoiser ({device.type})", n, df.empirical_denoiser, Yb.to(device), 0.5,
                    Xb.to(device), device=device)
fig, axes = plt.subplots(1, 2, figsize=(11, 3.6))
bench_K.plot(ax=axes[0]); bench_n.plot(ax=axes[1])
plt.tight_layout(); plt.show()
display(bench_K.report())
display(bench_n.report())

# %%
for b, names in ((bench_K, ("NumPy reference", "course optimal_denoiser")),
                 (bench_n, ("NumPy reference", "course empirical_denoiser"))):
    for name in names:
        print(f"{b.title.split(':')[0]}, {name}: log-log slope {b.slope(name):.2f}")
print(f"at K = 32 the course's optimal denoiser is {bench_K.ratio('NumPy reference', 'course optimal_denoiser'):.1f}x "
      f"faster than the NumPy loop; at n = 4000 the course's empirical denoiser is "
      f"{bench_n.ratio('NumPy reference', 'course empirical_denoiser', 4000):.1f}x faster than the dense NumPy version")

# %% [markdown]
# Both costs are linear in the operation count — in $K$ for (5), in $n$ for (7) — but a measured slope reaches 1
# only once the fixed per-call overhead (Python, the softmax over a few columns) is amortised; the slopes printed
# above show how far that holds at these sizes. The NumPy version of (7) builds an $m\times n\times D$ array of
# differences; the course's uses $\|y\|^2-2y^\top x+\|x\|^2$, one matrix product, which is where its advantage comes
# from. The learned model is as cheap as (5) whatever the training-set size — another face of generalisation: the
# model stores $KDd$ numbers, not the data.
#
# ## 9. Explore: noise level against shrinkage and memorisation
#
# Two lines through the origin of $\mathbb R^2$ and six training points on them. Each arrow goes from a noisy point
# $y$ to a denoised one; left the optimal denoiser (5) (colour: the posterior weight of the flatter line, red near 1,
# blue near 0), right the
# empirical denoiser (7) of the six points. Move $\sigma$: at small noise the optimum projects onto the nearer line
# while the empirical one snaps to the nearest training point; at large noise both shrink towards the origin (the
# mean), and the factor $1/(1+\sigma^2)$ printed in the title is the optimum's shrinkage along a line.

# %%
X6, _ = df.sample_mixture(6, U_lines, generator=8)
tt = torch.linspace(-2.5, 2.5, 11, dtype=torch.float64)
G2 = torch.stack(torch.meshgrid(tt, tt, indexing="ij"), -1).reshape(-1, 2)


def draw(sigma):
    fig, axes = plt.subplots(1, 2, figsize=(9, 4.2))
    opt = lu.to_numpy(df.optimal_denoiser(G2, sigma, U_lines, W_lines))
    gam = lu.to_numpy(df.posterior_weights(G2, sigma, U_lines, W_lines))[:, 0]
    emp = lu.to_numpy(df.empirical_denoiser(G2, sigma, X6))
    g = lu.to_numpy(G2)
    for ax, out, title in ((axes[0], opt, f"optimal (5): shrinkage 1/(1+σ²) = {1 / (1 + sigma**2):.2f}"),
                           (axes[1], emp, "empirical (7) of the 6 points")):
        for k in range(2):
            u = lu.to_numpy(U_lines[k, :, 0])
            ax.plot([-3 * u[0], 3 * u[0]], [-3 * u[1], 3 * u[1]], color="grey", lw=1)
        col = plt.cm.coolwarm(gam) if ax is axes[0] else "C2"
        ax.quiver(g[:, 0], g[:, 1], out[:, 0] - g[:, 0], out[:, 1] - g[:, 1], angles="xy", scale_units="xy", scale=1,
                  color=col, width=0.004)
        x6 = lu.to_numpy(X6)
        ax.scatter(x6[:, 0], x6[:, 1], s=40, facecolors="none", edgecolors="k")
        ax.set_xlim(-3, 3); ax.set_ylim(-3, 3); ax.set_aspect("equal"); ax.set_title(f"σ = {sigma:.2f}: {title}", fontsize=9)
    plt.tight_layout()


# %% tags=["nbval-ignore-output"]
lu.explore(draw, sigma=(0.05, 2.0, 0.05, 0.3))

# %% [markdown]
# The static figure for the default $\sigma=0.3$:

# %%
draw(0.3)
plt.show()

# %% [markdown]
# ## Summary
#
# - The best denoiser is the posterior mean, and by Tweedie's formula (2) it is the score in disguise: learning
#   to denoise at every noise level is learning what a diffusion sampler needs.
# - For data on a union of subspaces (a mixture of low-rank Gaussians) the posterior mean is explicit (5): a
#   softmax over subspaces — soft subspace clustering of the noisy point — times a linear shrinkage onto each.
#   Its error (6) depends on the intrinsic dimension $d$, not on $D$. Quadrature, importance sampling and the
#   autograd score confirm it.
# - Minimising the denoising loss with the matching parametrisation (9) is the K-subspaces problem (10); with more
#   than $d$ points per subspace it recovers the subspaces exactly, and the learned denoiser equals the optimum.
#   Adam on the same loss gets close in two of three seeds and stalls in a poor local minimum in the third.
# - The empirical optimal denoiser (7) — what minimising the training loss over *all* functions gives — copies
#   its training set at every size. The subspace model generates new samples on the true subspaces once the
#   training set has a couple of points per subspace per dimension, and two such models trained on disjoint
#   data then generate the same samples (measured over three seeds; the threshold scales with $d$).
# - DDPM's schedule and the DDIM/DDPM steps (11)–(12) match `diffusers` to float32 precision.
#
# **Further reading.** Wang et al. (2024) for the soft-assignment theory and the experiments on images and the
# semantic meaning of the learned subspaces; Kadkhodaie et al. (2024) for the geometry-adaptive harmonic bases
# that real denoisers shrink in; Chen et al. (2023) for score-estimation rates on low-dimensional data; Song,
# Meng & Ermon (2021) for why DDIM can skip steps; lesson 08 for denoising autoencoders and lesson 17 for
# rate reduction, another route from subspaces to representations.
