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
# # 08 · Autoencoders: linear, denoising, variational
#
# **What you will learn**
# - why the global minima of a *linear* autoencoder span exactly the principal subspace of
#   lesson 01 — proved below from the Eckart–Young–Mirsky theorem —, why gradient descent
#   reaches one in practice (Baldi and Hornik: every other critical point is a saddle; quoted,
#   not proved), and why it learns the subspace but not the principal directions;
# - what a *denoising* autoencoder learns: the best reconstruction is the posterior mean
#   $\mathbb E[x_0\mid x]$, and by Tweedie's formula its displacement $r(x)-x$ is
#   $\sigma^2\nabla\log p_\sigma(x)$, the score of the noise-smoothed data density;
# - the *variational* autoencoder: the evidence lower bound (ELBO), the closed-form KL
#   between Gaussians and the reparameterisation trick — on binarised images, where the
#   Bernoulli likelihood is a true distribution and "nats per image" bound $-\log p(x)$;
# - how loose the ELBO is: the importance-weighted bound, checked where $\log p(x)$ has a
#   closed form (a linear-Gaussian decoder, i.e. probabilistic PCA);
# - how to verify each claim against an oracle: PCA subspace angles, the analytic score of
#   a Gaussian mixture, `torch.distributions.kl_divergence`, and the exact likelihood of
#   probabilistic PCA; and to report trained results over several seeds.
#
# **Prerequisites**: [lesson 01](01_pca_svd.ipynb) (PCA, the Eckart–Young–Mirsky theorem,
# principal angles between subspaces); basic probability (conditional expectation, Gaussian
# densities, KL divergence) and training a small network with PyTorch.
#
# **Papers**
# - P. Baldi, K. Hornik, *Neural networks and principal component analysis: learning from
#   examples without local minima*, Neural Networks 2(1), 1989 — a linear autoencoder's
#   error surface has one minimum up to invertible reparameterisation (the principal
#   subspace); every other critical point is a saddle.
# - G. Alain, Y. Bengio, *What Regularized Auto-Encoders Learn from the Data Generating
#   Distribution*, JMLR 15, 2014 — for small noise, the reconstruction of a denoising (or
#   contractive) autoencoder moves a point along the gradient of the log-density.
# - P. Vincent, *A Connection Between Score Matching and Denoising Autoencoders*, Neural
#   Computation 23(7), 2011 — the denoising loss is score matching on the noise-smoothed
#   density ("denoising score matching"), the starting point of diffusion models (lesson 19).
# - D. P. Kingma, M. Welling, *Auto-Encoding Variational Bayes*, ICLR 2014 — the VAE: an
#   amortised Gaussian posterior trained through the reparameterised ELBO.
# - Y. Burda, R. Grosse, R. Salakhutdinov, *Importance Weighted Autoencoders*, ICLR 2016 — the
#   bound $\mathcal L_K$ between the ELBO and $\log p(x)$, used here to measure the ELBO's gap.
# - X. Chen et al., *Variational Lossy Autoencoder*, ICLR 2017 — with a decoder powerful
#   enough to model the data alone, the VAE stops using its latent code; restricting what
#   the decoder sees decides which (global) information the code keeps.
# - K. Pandey et al., *DiffuseVAE: Efficient, Controllable and High-Fidelity Generation
#   from Low-Dimensional Latents*, TMLR 2022 — keep the VAE's low-dimensional latent, and
#   let a diffusion model conditioned on the VAE's blurry output add the detail.

# %%
import lowdim_utils as lu  # first: it sets OMP_WAIT_POLICY before torch loads (steadier threads)
import math

import matplotlib.pyplot as plt
import numpy as np
import torch
from torch.distributions import Normal, kl_divergence

from lowdim_utils import autoencoders as ae
from lowdim_utils import linear
from lowdim_utils.data import load

device, SCALE, _ = lu.setup(seed=0)  # SCALE: "small" on a CPU by default; LOWDIM_SCALE=full for GPU-sized runs

# %% [markdown]
# ## 1. Motivation: a two-number summary of a clothing image
#
# Fashion-MNIST holds 28×28 grey images of ten kinds of clothing ($d=784$). The course
# ships 10 000 training and 2 000 test images. Lesson 01's PCA gives the best *linear*
# $k$-dimensional summary; with $k=2$ it draws the whole data set on a plane (left) and
# reconstructs each image from two numbers (right, second row). Can a *nonlinear* encoder
# and decoder do better with the same two numbers — and what does a network trained to
# reconstruct actually learn about the data? This lesson answers both, in three steps:
# linear, denoising and variational autoencoders.

# %%
train, test = load("fashion_mnist", split="train", normalize=True), load("fashion_mnist", split="test", normalize=True)
SHAPE, NAMES = train.image_shape, list(train.class_names)
X_train = torch.from_numpy(np.asarray(train.X, np.float32)).to(device)
X_test = torch.from_numpy(np.asarray(test.X, np.float32)).to(device)
y_train, y_test = np.asarray(train.y), np.asarray(test.y)
D = X_train.shape[1]
print(f"train {tuple(X_train.shape)}, test {tuple(X_test.shape)}, images {SHAPE}, classes: {', '.join(NAMES)}")

p2 = linear.pca(X_train, 2)
Z2 = lu.to_numpy(p2.transform(X_test))
fig = plt.figure(figsize=(11, 4))
ax = fig.add_subplot(1, 2, 1)
sc = ax.scatter(Z2[:, 0], Z2[:, 1], c=y_test, cmap="tab10", s=4, alpha=0.7)
ax.set_title("PCA, k = 2 (test images)"); ax.set_xlabel("PC 1"); ax.set_ylabel("PC 2")
handles = [plt.Line2D([], [], marker="o", ls="", color=plt.cm.tab10(i / 9), label=n) for i, n in enumerate(NAMES)]
ax.legend(handles=handles, fontsize=7, ncol=2, loc="best", markerscale=0.8)
show = X_test[:8]
rec2 = p2.inverse_transform(p2.transform(show))
for j, (row, lab) in enumerate([(show, "original"), (rec2, "PCA k=2")]):
    for i in range(8):
        a = fig.add_subplot(4, 16, 16 * (j + 1) + 9 + i)
        a.imshow(row[i].reshape(SHAPE).cpu(), vmin=0, vmax=1); a.axis("off")
        if i == 0:
            a.set_title(lab, fontsize=8, loc="left")
plt.tight_layout(); plt.show()

# %% [markdown]
# Two principal components separate trousers from bags from shoes only roughly, and the
# reconstructions are ghosts of the mean image. Keep this picture in mind: section 5
# draws the same plane for a variational autoencoder.
#
# ## 2. The linear autoencoder spans the principal subspace
#
# An autoencoder is an **encoder** $f:\mathbb R^d\to\mathbb R^k$ followed by a **decoder**
# $g:\mathbb R^k\to\mathbb R^d$, trained so that $g(f(x))\approx x$. The linear one, on
# centred data $X\in\mathbb R^{n\times d}$ (rows $x_i^\top$), is
#
# \begin{equation*}f(x) = W_e x,\quad g(z) = W_d z,\qquad
# L(W_e,W_d) = \frac1n\sum_{i=1}^n\|x_i - W_dW_ex_i\|^2 = \frac1n\|X - XW_e^\top W_d^\top\|_F^2,\tag{1}\end{equation*}
#
# with $W_e\in\mathbb R^{k\times d}$ and $W_d\in\mathbb R^{d\times k}$. Let
# $X=\sum_i\sigma_iu_iv_i^\top$ be the SVD (lesson 01) and $V_k=[v_1,\dots,v_k]$.
#
# :::{prf:theorem} Linear autoencoders learn the principal subspace (Baldi & Hornik 1989)
# :label: thm-linear-ae
# Assume $\sigma_k>\sigma_{k+1}$. Then
# 1. $\min L = \frac1n\sum_{i>k}\sigma_i^2$, the PCA reconstruction error, attained by
#    $W_d=V_kG$, $W_e=G^{-1}V_k^\top$ for **every** invertible $G\in\mathbb R^{k\times k}$;
# 2. at every global minimum the decoder's column space is the principal subspace,
#    $\operatorname{range}W_d=\operatorname{span}(v_1,\dots,v_k)$, and $W_dW_ex_i=V_kV_k^\top x_i$
#    for every data point.
# :::
#
# :::{prf:proof}
# *1.* The matrix $XW_e^\top W_d^\top$ has rank at most $k$, so by the Eckart–Young–Mirsky
# theorem of lesson 01 ({prf:ref}`thm-eym`), $\|X-XW_e^\top W_d^\top\|_F^2\ge\sum_{i>k}\sigma_i^2$.
# With $W_d=V_kG$, $W_e=G^{-1}V_k^\top$ we get $W_dW_e=V_kV_k^\top$ and
# $XV_kV_k^\top=\sum_{i\le k}\sigma_iu_iv_i^\top$, which attains the bound.
#
# *2.* Take a global minimum, let $S=\operatorname{range}W_d$, $r=\dim S\le k$, and let $P$ be
# the orthogonal projector onto $S$. Every reconstruction $W_dW_ex_i$ lies in $S$, and the
# point of $S$ closest to $x_i$ is $Px_i$, so
# $\|X-XW_e^\top W_d^\top\|_F^2\ge\|X-XP\|_F^2=\|X\|_F^2-\operatorname{tr}(PX^\top X)$ (Pythagoras).
# Write $\operatorname{tr}(PX^\top X)=\sum_i\sigma_i^2w_i$ with $w_i=\|Pv_i\|^2\in[0,1]$ and
# $\sum_iw_i=\operatorname{tr}P=r\le k$. Then $\sum_{i>k}w_i\le\sum_{i\le k}(1-w_i)$ and
#
# \begin{equation*}\sum_{i\le k}\sigma_i^2-\sum_i\sigma_i^2w_i=\sum_{i\le k}\sigma_i^2(1-w_i)-\sum_{i>k}\sigma_i^2w_i
# \ \ge\ (\sigma_k^2-\sigma_{k+1}^2)\sum_{i\le k}(1-w_i)\ \ge 0 .\end{equation*}
#
# At a global minimum the error equals $\sum_{i>k}\sigma_i^2$ (part 1), so every inequality
# above is an equality: $w_i=1$ for $i\le k$ because $\sigma_k>\sigma_{k+1}$, i.e. $v_i\in S$.
# Hence $\operatorname{span}(v_1,\dots,v_k)\subseteq S$, and as $\dim S\le k$ they are equal;
# equality in the first step means $W_dW_ex_i=Px_i=V_kV_k^\top x_i$.
# :::
#
# Two consequences shape what we verify. The factor $G$ is **not identified**: the
# autoencoder learns the principal *subspace*, not the principal *directions* (its codes are
# any invertible mix of the PCA scores), so we compare subspaces with the principal angles of
# lesson 01 — the largest angle between $\operatorname{range}W_d$ and $\operatorname{span}V_k$.
# The theorem says nothing about *training*: it describes the global minima only. Baldi and
# Hornik proved more — every critical point of $L$ that is not a global minimum is a saddle
# (quoted here, not proved) — so the loss has no bad local minimum for gradient descent to get
# stuck in. That makes convergence to the principal subspace from a generic start plausible, but
# it is not a proof that a given optimiser gets there, or how fast; section 3 measures it. How
# fast depends, as for power iteration, on the gap $\sigma_k^2-\sigma_{k+1}^2$.
#
# ## 3. The course implementation, verified against PCA
#
# `lowdim_utils.autoencoders` has the three models of the lesson and one training loop:
#
# | | |
# |---|---|
# | `LinearAutoencoder(d, k, bias=...)` | Eq. (1); starts from a random orthonormal projection; `decoder_basis()` is $W_d$ |
# | `DenoisingAE(d, hidden, sigma=...)` | an MLP $r(x)=x+g(x)$ trained to undo noise of level $\sigma$ (section 4) |
# | `VAE(d, latent, hidden)` | Gaussian encoder, Bernoulli (binary data) or Gaussian decoder; `elbo_terms` (section 5) |
# | `log_importance_weights`, `iwae_bound`, `linear_gaussian_log_likelihood` | the importance-weighted bound and the exact $\log p(x)$ of a linear-Gaussian decoder (section 5) |
# | `train_autoencoder(model, X, epochs=, batch_size=, lr=, generator=)` | Adam, through the course's training loop `lowdim_utils.training.fit`; full batch or mini-batches in random order; `generator` (an int seed here) draws the batch order and the models' noise; returns per-epoch histories |
#
# We train the bias-free linear autoencoder with $k=10$ on 2 000 centred training images,
# full batch, from three random orthonormal starts (seeds 0, 1, 2: every trained result of this
# lesson is reported over three seeds, with its spread). For seed 0 we follow two numbers along
# the way: the loss relative to PCA's error and the largest principal angle between
# $\operatorname{range}W_d$ and PCA's subspace (`linear.pca` and `linear.subspace_angles`, both
# from lesson 01).

# %%
K = 10
SEEDS = (0, 1, 2)
N_LIN = 2000 if SCALE == "small" else len(X_train)
EPOCHS_LIN = 400 if SCALE == "small" else 1000
X_lin = X_train[:N_LIN]
pca_k = linear.pca(X_lin, K)
X_lin_c = X_lin - pca_k.mean
pca_err = float(((X_lin - pca_k.inverse_transform(pca_k.transform(X_lin))) ** 2).sum(1).mean())


def max_angle(model):
    """Largest principal angle (degrees) between the decoder's span and PCA's k-dimensional subspace."""
    return float(torch.rad2deg(linear.subspace_angles(model.decoder_basis(), pca_k.components.T).max()))


track = {"epoch": [], "angle": []}


def log_angle(epoch, model):
    if epoch % 5 == 0 or epoch == 1:
        track["epoch"].append(epoch)
        track["angle"].append(max_angle(model))


lins, hists_lin = [], []
for seed in SEEDS:
    model = ae.LinearAutoencoder(D, K, bias=False, generator=torch.Generator().manual_seed(seed)).to(device)
    hists_lin.append(ae.train_autoencoder(model, X_lin_c, epochs=EPOCHS_LIN, lr=1e-2, generator=seed,
                                          callback=log_angle if seed == 0 else None,
                                          desc=f"linear autoencoder, seed {seed}"))
    lins.append(model)
lin, hist_lin = lins[0], hists_lin[0]

fig, axes = plt.subplots(1, 2, figsize=(10, 3.4))
axes[0].semilogy(np.arange(1, len(hist_lin["loss"]) + 1), np.array(hist_lin["loss"]) / pca_err - 1)
axes[0].set_xlabel("full-batch step"); axes[0].set_ylabel("loss / PCA error − 1")
axes[0].set_title("the loss reaches PCA's error ...")
axes[1].semilogy(track["epoch"], track["angle"], color="C1")
axes[1].set_xlabel("full-batch step"); axes[1].set_ylabel("largest principal angle [°]")
axes[1].set_title("... before the subspace settles")
plt.tight_layout(); plt.show()

# %%
lin_angle = np.array([max_angle(m) for m in lins])
lin_excess = np.array([ae.reconstruction_error(m, X_lin_c) / pca_err - 1 for m in lins])
lin_orth = np.array([float((m.decoder_basis().T @ m.decoder_basis() - torch.eye(K, device=device)).abs().max())
                     for m in lins])
for seed, a, e, o in zip(SEEDS, lin_angle, lin_excess, lin_orth):
    print(f"seed {seed}: largest principal angle {a:.3f}°, training error / PCA error − 1 = {e:.2e}, "
          f"max |WᵀW − I| = {o:.2f}")
step_1pct = int(np.argmax(np.array(hist_lin["loss"]) <= 1.01 * pca_err)) + 1
angle_then = np.interp(step_1pct, track["epoch"], track["angle"])
step_1deg = track["epoch"][int(np.argmax(np.array(track["angle"]) < 1.0))]
sv = torch.linalg.svdvals(X_lin_c)
print(f"seed 0: the loss is within 1% of PCA's error after {step_1pct} steps, when the largest angle is still "
      f"{angle_then:.0f}°; the angle falls below 1° after {step_1deg} steps")
gap_rel = float((sv[K - 1] ** 2 - sv[K] ** 2) / (sv[K:] ** 2).sum())
print(f"the eigengap that holds the subspace in place, relative to PCA's error: (σ₁₀² − σ₁₁²) / Σ_(i>10) σ_i² = "
      f"{gap_rel:.3f}; a tilt by {angle_then:.0f}° costs at most {gap_rel * np.sin(np.radians(angle_then)) ** 2:.1%} "
      "of PCA's error")

# %% tags=["nbval-check-output"]
print(f"k = {K}, {len(SEEDS)} seeds: largest principal angle to PCA's subspace mean {lin_angle.mean():.1f}° "
      f"(min {lin_angle.min():.1f}°, max {lin_angle.max():.1f}°; must be < 2°): {'ok' if lin_angle.max() < 2 else 'FAILED'}")
print(f"training error above PCA's by at most {100 * lin_excess.max():.1f}% (rounded; must be < 0.5%): "
      f"{'ok' if lin_excess.max() < 0.005 else 'FAILED'}")
print(f"decoder columns far from orthonormal, min over seeds of max |WᵀW − I| = {lin_orth.min():.1f} "
      f"(must be > 0.5), yet they span PCA's subspace: {'ok' if lin_orth.min() > 0.5 else 'FAILED'}")

# %% [markdown]
# The loss reaches PCA's error long before the subspace does (the step counts are printed
# above, for seed 0). Tilting the subspace by an angle $\theta$ from $v_{10}$ towards $v_{11}$
# costs only $(\sigma_{10}^2-\sigma_{11}^2)\sin^2\theta$ of error, and that eigengap is small
# against the error PCA itself leaves (the ratio printed above): a subspace tens of degrees off
# is within a percent of PCA's loss, so the loss barely pushes it back. **A matching loss is not evidence
# of a matching subspace** — that is why we check the angle. After the full run the angle is a
# fraction of a degree for all three starts.
#
# *Paper vs ours.* Baldi and Hornik (1989) prove the landscape result for any data whose
# covariance has distinct eigenvalues; theirs is a theory paper with no experiment to compare
# with. We get a largest angle of a fraction of a degree (mean and min–max over three seeds
# above; 2 000 Fashion-MNIST images, $k=10$, 400 full-batch Adam steps). It is not exactly 0
# because training stops after a finite number of steps in the flat valley the small eigengap
# creates — the saddle result promises no bad minimum, not a fast descent.
#
# :::{exercise} 08.tilt · A loss that hides a wrong subspace
# :label: ex-08-tilt
# :nonumber:
# Design data on which a wrong subspace looks right. Write `deceptive_subspace()` returning
# `(X, W)`: data `X` of shape `(n, d)` (any $n\ge20$, $d\ge3$; the check centres it) and a basis
# `W` of shape `(d, 2)` of a 2-dimensional subspace such that projecting the centred data onto
# $\operatorname{span}W$ — the best any linear autoencoder with that decoder span can do — has a
# reconstruction error within 1 % of PCA's $k=2$ error, while the largest principal angle between
# $\operatorname{span}W$ and PCA's subspace is at least 30°. PCA's subspace must be well defined:
# $\sigma_2^2-\sigma_3^2\ge10^{-3}\,\sigma_2^2$. Use the tilt cost above to decide what the
# spectrum of your data must look like.
# :::

# %%
def deceptive_subspace():
    # YOUR CODE HERE
    raise NotImplementedError


# %%
deceptive_subspace = lu.check("08.tilt", deceptive_subspace)

# %% [markdown] tags=["solution"]
# :::{solution} ex-08-tilt
# :class: dropdown
# The course's solution, from `solutions/08_autoencoders.py` (in JupyterLab, print it with `lu.show_solution("08.tilt")`):
# ```{literalinclude} ../solutions/08_autoencoders.py
# :pyobject: deceptive_subspace
# ```
# :::
#
# The last check line is the non-identified $G$ at work: $W_d$ started with orthonormal columns and
# drifted far from them, yet its span is PCA's subspace. Nothing in the loss prefers one basis
# of the subspace over another (weight decay would; see Further reading).
#
# Now the comparison that matters to a user, on **held-out** test images, at equal $k$:

# %%
def pca_test_error(p):
    return float(((X_test - p.inverse_transform(p.transform(X_test))) ** 2).sum(1).mean())


with torch.no_grad():
    lin_test = np.array([float(((X_test - pca_k.mean - m(X_test - pca_k.mean)) ** 2).sum(1).mean()) for m in lins])
pca_test = pca_test_error(pca_k)
print(f"test reconstruction error (squared, per image), k = {K}:  PCA {pca_test:.2f}   "
      f"linear autoencoder " + ", ".join(f"{v:.2f}" for v in lin_test) + " (seeds 0, 1, 2)")

# %% tags=["nbval-check-output"]
ratio_test = lin_test / pca_test
print(f"k = {K}, held-out images: linear autoencoder / PCA error = {ratio_test.mean():.2f} over {len(SEEDS)} seeds "
      f"(max {ratio_test.max():.2f}; must be < 1.01): {'ok' if ratio_test.max() < 1.01 else 'FAILED'}")

# %% [markdown]
# Equal to within a fraction of a percent, as the theorem predicts: a linear autoencoder is a
# (slow) way to compute PCA's subspace. Its interest lies elsewhere — it trains on mini-batches and streams, and it
# is the starting point for nonlinear encoders. Section 6 times it against the SVD.
#
# ## 4. Denoising autoencoders learn the score
#
# A denoising autoencoder (DAE) sees a corrupted point $x=x_0+\sigma\varepsilon$,
# $\varepsilon\sim\mathcal N(0,I)$, and is trained to return the clean $x_0$:
#
# \begin{equation*}\min_r\ \mathbb E_{x_0\sim p,\ \varepsilon}\ \|r(x_0+\sigma\varepsilon)-x_0\|^2 .\tag{2}\end{equation*}
#
# For a fixed corrupted $x$, the squared error splits as
# $\mathbb E[\|r(x)-x_0\|^2\mid x]=\|r(x)-\mathbb E[x_0\mid x]\|^2+\mathbb E[\|x_0-\mathbb E[x_0\mid x]\|^2\mid x]$,
# and only the first term depends on $r$, so the best reconstruction is the posterior mean
#
# \begin{equation*}r^\star(x)=\mathbb E[x_0\mid x].\tag{3}\end{equation*}
#
# The corrupted points have the *smoothed* density
#
# \begin{equation*}p_\sigma(x)=\int p(x_0)\,\varphi_\sigma(x-x_0)\,dx_0,\qquad
# \varphi_\sigma(u)=(2\pi\sigma^2)^{-d/2}e^{-\|u\|^2/2\sigma^2}.\tag{4}\end{equation*}
#
# :::{prf:theorem} Tweedie's formula for the denoising autoencoder
# :label: thm-tweedie
# For Gaussian corruption of level $\sigma$ and any data density $p$ with $p_\sigma$ as in (4),
#
# \begin{equation*}r^\star(x)-x=\mathbb E[x_0\mid x]-x=\sigma^2\,\nabla_x\log p_\sigma(x).\tag{5}\end{equation*}
# :::
#
# :::{prf:proof}
# The Gaussian kernel satisfies $\nabla_x\varphi_\sigma(x-x_0)=\varphi_\sigma(x-x_0)\,(x_0-x)/\sigma^2$.
# Differentiating (4) under the integral,
# $\nabla p_\sigma(x)=\frac1{\sigma^2}\int p(x_0)\varphi_\sigma(x-x_0)(x_0-x)\,dx_0$.
# By Bayes, $p(x_0\mid x)=p(x_0)\varphi_\sigma(x-x_0)/p_\sigma(x)$, so dividing by $p_\sigma(x)$
# gives $\nabla\log p_\sigma(x)=\frac1{\sigma^2}\big(\mathbb E[x_0\mid x]-x\big)$; multiply by
# $\sigma^2$ and use (3).
# :::
#
# So the displacement a DAE applies, $r(x)-x$, points **up the log-density** of the
# (smoothed) data, with length $\sigma^2$ times the score:
#
# \begin{equation*}r^\star(x)-x=\sigma^2\nabla\log p_\sigma(x)\ \xrightarrow{\ \sigma\to0\ }\ \sigma^2\nabla\log p(x)+o(\sigma^2).\tag{6}\end{equation*}
#
# The small-noise limit is Alain and Bengio's result (they prove it for regularised
# autoencoders in general, where it needs more than the one-line proof above). Vincent
# (2011) read (5) backwards: with $s(x)=(r(x)-x)/\sigma^2$, the DAE loss (2) equals, up to a
# constant that does not depend on $r$, $\sigma^4\,\mathbb E\|s(x)-\nabla\log p_\sigma(x)\|^2$ —
# *denoising score matching*, which diffusion models (lesson 19) apply at many noise levels.
#
# **An oracle.** For an isotropic Gaussian mixture $p=\sum_jw_j\mathcal N(\mu_j,s_j^2I)$,
# smoothing only widens each component, $p_\sigma=\sum_jw_j\mathcal N(\mu_j,(s_j^2+\sigma^2)I)$, and
#
# \begin{equation*}\nabla\log p_\sigma(x)=\sum_j\gamma_j(x)\,\frac{\mu_j-x}{s_j^2+\sigma^2},\qquad
# \gamma_j(x)=\frac{w_j\mathcal N(x;\mu_j,(s_j^2+\sigma^2)I)}{\sum_l w_l\mathcal N(x;\mu_l,(s_l^2+\sigma^2)I)},\tag{7}\end{equation*}
#
# the posterior responsibilities. That is the reference we train a DAE against.
#
# :::{exercise} 08.gmm_score · The score of a Gaussian mixture
# :label: ex-08-gmm-score
# :nonumber:
# Write `gmm_score_np(x, means, sigma, weights)` returning the `(n, d)` score (7) of the
# mixture $\sum_j w_j\mathcal N(\mu_j,\sigma^2I)$ (one `sigma` for every component, no
# smoothing) at the rows of `x: (n, d)`, with `means: (m, d)` and `weights: (m,)`. Compute the
# responsibilities in the log domain — subtract each row's maximum before `np.exp` — or points
# far from every component give `0/0`.
# :::

# %%
def gmm_score_np(x, means, sigma, weights):
    # YOUR CODE HERE
    raise NotImplementedError


# %%
gmm_score_np = lu.check("08.gmm_score", gmm_score_np)

# %% [markdown] tags=["solution"]
# :::{solution} ex-08-gmm-score
# :class: dropdown
# The course's solution, from `solutions/08_autoencoders.py` (in JupyterLab, print it with `lu.show_solution("08.gmm_score")`):
# ```{literalinclude} ../solutions/08_autoencoders.py
# :pyobject: gmm_score_np
# ```
# :::

# %% [markdown]
# The course version `ae.gmm_score(x, means, sigma, weights, noise=σ)` is the same formula
# in torch, batched, with per-component widths and the smoothing of (7). Its oracle is
# automatic differentiation of the log-density `ae.gmm_log_density`. Our 2-D mixture has five
# components of width $s=0.3$ and unequal weights; the DAE will use noise $\sigma=0.5$.

# %% tags=["nbval-check-output"]
def below(err, floor=1e-12):
    """'< 1e-13'-style bound for a rounding-level error (printed alike on every machine): the next power of
    ten above err, at least floor."""
    return f"< {max(10.0 ** np.ceil(np.log10(max(err, 1e-300))), floor):.0e}"


MEANS = torch.tensor([[-2.0, -1.0], [-1.0, 1.5], [1.0, 2.0], [2.0, -0.5], [0.5, -2.0]], dtype=torch.float64)
WEIGHTS = torch.tensor([0.3, 0.15, 0.2, 0.2, 0.15], dtype=torch.float64)
S_COMP, SIGMA = 0.3, 0.5

g_pts = torch.Generator().manual_seed(1)
pts = (3 * torch.randn(500, 2, generator=g_pts, dtype=torch.float64)).requires_grad_()
(auto,) = torch.autograd.grad(ae.gmm_log_density(pts, MEANS, S_COMP, WEIGHTS, noise=SIGMA).sum(), pts)
course = ae.gmm_score(pts.detach(), MEANS, S_COMP, WEIGHTS, noise=SIGMA)
mine = gmm_score_np(pts.detach().numpy(), MEANS.numpy(), (S_COMP**2 + SIGMA**2) ** 0.5, WEIGHTS.numpy())
err_auto = float(((course - auto).norm(dim=1) / auto.norm(dim=1)).max())
err_mine = float(np.abs(mine - course.numpy()).max())
print(f"course gmm_score vs autograd of gmm_log_density, max rel. error {below(err_auto)} (must be < 1e-10): "
      f"{'ok' if err_auto < 1e-10 else 'FAILED'}")
print(f"gmm_score_np (exercise) vs course gmm_score,     max abs. error {below(err_mine)} (must be < 1e-10): "
      f"{'ok' if err_mine < 1e-10 else 'FAILED'}")

# %% [markdown]
# Now the experiment. We draw 2 000 points from the mixture — the DAE never sees the
# formula, only these samples — and train a small residual MLP $r(x)=x+g(x)$ (two hidden
# layers of 64 SiLU units) on (2), full batch, with fresh noise at every step; three times,
# each seed drawing its own training sample, initialisation and noise. Seed 0 is drawn below.

# %%
N_DAE = 2000 if SCALE == "small" else 20000
EPOCHS_DAE = 800 if SCALE == "small" else 3000

# fresh corrupted points from p_sigma: where the DAE is used, and where we compare
g_eval = torch.Generator().manual_seed(100)
X0_eval, _ = ae.gmm_sample(4000, MEANS, S_COMP, WEIGHTS, generator=g_eval)
X_eval = X0_eval + SIGMA * torch.randn(X0_eval.shape, generator=g_eval, dtype=torch.float64)
target = SIGMA**2 * ae.gmm_score(X_eval, MEANS, S_COMP, WEIGHTS, noise=SIGMA)

daes, dae_stats = [], []
for seed in SEEDS:
    X_s, lab_s = ae.gmm_sample(N_DAE, MEANS, S_COMP, WEIGHTS, generator=torch.Generator().manual_seed(seed))
    lu.seed_everything(seed)
    model = ae.DenoisingAE(2, (64, 64), sigma=SIGMA).to(device)
    h = ae.train_autoencoder(model, X_s.float(), epochs=EPOCHS_DAE, lr=3e-3, generator=seed,
                             desc=f"denoising autoencoder, seed {seed}")
    with torch.no_grad():
        disp_s = model.displacement(X_eval.float().to(device)).double().cpu()
    cos_s = torch.nn.functional.cosine_similarity(disp_s, target, dim=1)
    dae_stats.append((float(cos_s.mean()), float(cos_s.median()), float((disp_s - target).norm() / target.norm()),
                      h["loss"][-1]))
    daes.append(model)
    if seed == 0:
        dae, X_mix, lab_mix = model, X_s, lab_s
dae_stats = np.array(dae_stats)       # rows: seeds; columns: mean cosine, median cosine, relative L2 error, loss

# the two fields on a grid, over the smoothed density
gx = torch.linspace(-3.2, 3.2, 15, dtype=torch.float64)
grid = torch.cartesian_prod(gx, gx)
with torch.no_grad():
    f_dae = dae.displacement(grid.float().to(device)).double().cpu()
f_true = SIGMA**2 * ae.gmm_score(grid, MEANS, S_COMP, WEIGHTS, noise=SIGMA)
fx = torch.linspace(-3.8, 3.8, 120, dtype=torch.float64)
fine = torch.cartesian_prod(fx, fx)
dens = ae.gmm_log_density(fine, MEANS, S_COMP, WEIGHTS, noise=SIGMA).exp().reshape(120, 120).T

fig, axes = plt.subplots(1, 2, figsize=(10.5, 4.8))
axes[0].contourf(fx, fx, dens, levels=12, cmap="Greys")
axes[0].scatter(X_mix[:600, 0], X_mix[:600, 1], s=3, c=lab_mix[:600], cmap="tab10", vmax=9)
axes[0].set_title(r"training samples over $p_\sigma$ (σ = %.1f)" % SIGMA)
axes[1].contour(fx, fx, dens, levels=8, cmap="Greys", linewidths=0.7)
axes[1].quiver(grid[:, 0], grid[:, 1], f_true[:, 0], f_true[:, 1], color="k", angles="xy", scale_units="xy",
               scale=2, width=0.005, label=r"$\sigma^2\nabla\log p_\sigma(x)$ (exact, Eq. 7)")
axes[1].quiver(grid[:, 0], grid[:, 1], f_dae[:, 0], f_dae[:, 1], color="C1", angles="xy", scale_units="xy",
               scale=2, width=0.005, alpha=0.85, label=r"$r(x)-x$ (trained DAE)")
axes[1].set_title("the DAE's displacement is the smoothed score\n(arrows drawn at half length)")
axes[1].legend(loc="lower left", fontsize=8, framealpha=0.9, frameon=True)
for a in axes:
    a.set_aspect("equal"); a.set_xlim(-3.8, 3.8); a.set_ylim(-3.8, 3.8)
plt.tight_layout(); plt.show()

# %% tags=["nbval-check-output"]
def spread(v, fmt=".2f"):
    """'mean ± std (min …, max …)' over the seeds (std with ddof = 1)."""
    v = np.asarray(v)
    return f"{v.mean():{fmt}} ± {v.std(ddof=1):{fmt}} (min {v.min():{fmt}}, max {v.max():{fmt}})"


ok = lambda c: "ok" if c else "FAILED"  # noqa: E731
print(f"on 4000 fresh noisy points from p_σ (σ = {SIGMA}), {len(SEEDS)} seeds, mean ± std over seeds:")
print(f"  mean cosine(r(x) − x, σ²∇log p_σ(x)) {spread(dae_stats[:, 0])} (each must be > 0.95): "
      f"{ok(dae_stats[:, 0].min() > 0.95)}")
print(f"  median cosine {spread(dae_stats[:, 1])} (each must be > 0.98): {ok(dae_stats[:, 1].min() > 0.98)}")
print(f"  relative L2 error {spread(dae_stats[:, 2])} (each must be < 0.25): {ok(dae_stats[:, 2].max() < 0.25)}")
print(f"  final DAE loss {spread(dae_stats[:, 3])} (each must be below the no-op loss dσ² = {2 * SIGMA**2:.2f}): "
      f"{ok(dae_stats[:, 3].max() < 2 * SIGMA**2)}")

# %% [markdown]
# The arrows agree where the data are; they differ most where the DAE saw few noisy points
# (far corners, gaps between components) (the comparison weights points by $p_\sigma$, as the training loss
# does). Two more things to notice: the arrows point to the *posterior mean*, which between
# two components is a compromise between them, not to the nearest centre; and the DAE
# learned the score of the smoothed density $p_\sigma$, not of $p$ — with larger $\sigma$
# the field becomes smoother and points towards fewer, broader modes (Eq. (6) recovers $p$
# only as $\sigma\to0$, where in turn the displacement becomes tiny and hard to learn — the
# trade-off diffusion models resolve by training at many noise levels).
#
# *Paper vs ours.* Alain and Bengio (2014) prove that $r(x)-x\approx\sigma^2\nabla\log p(x)$ as
# $\sigma\to0$ for an autoencoder of unlimited capacity and data, and illustrate it with vector
# fields and samples on low-dimensional toy data; they report no agreement number to compare with
# (their figures are not checked against the paper here). We get the agreement in numbers — the
# cosines and relative error above, over three seeds, for 2 000 samples, a finite network and the
# non-small $\sigma=0.5$, compared with the exact smoothed score (5) rather than the small-noise
# limit. What is left, a relative error of about a tenth, comes from the finite sample and
# network, concentrated where the DAE saw few noisy points; the spread over seeds is small
# against it.
#
# ## 5. Variational autoencoders and the ELBO
#
# A VAE is a latent-variable model $p_\theta(x)=\int p(z)\,p_\theta(x\mid z)\,dz$ with prior
# $p(z)=\mathcal N(0,I_k)$ and a decoder network defining $p_\theta(x\mid z)$ — here independent
# Bernoulli pixels with probabilities $\lambda(z)=\operatorname{sigmoid}(\mathrm{dec}_\theta(z))$,
# $p_\theta(x\mid z)=\prod_i\lambda_i^{x_i}(1-\lambda_i)^{1-x_i}$. The integral is intractable; an
# encoder network gives an approximate posterior
# $q_\phi(z\mid x)=\mathcal N(\mu_\phi(x),\operatorname{diag}\sigma^2_\phi(x))$.
#
# **Binary pixels.** That product sums to 1 over binary images $x\in\{0,1\}^d$: it is a
# distribution there, and only there. On grey values $x\in[0,1]^d$ the same formula is still a
# usable training loss (the binary cross-entropy), but it is not a normalised density — its
# integral over $[0,1]^d$ is not 1 — so the "nats" it reports bound nothing. We therefore
# **binarise** Fashion-MNIST for the VAE: each pixel is drawn once as a Bernoulli variable with
# its grey value as probability, with a fixed seed (*static stochastic binarisation*, the protocol
# of the binarised-MNIST benchmark). The alternative keeps the grey images and changes the
# likelihood to the continuous Bernoulli of Loaiza-Ganem and Cunningham (2019,
# `torch.distributions.ContinuousBernoulli`), a normalised density on $[0,1]$; we stay with binary
# data, for which the papers' numbers are reported. A floor comes with it: for any model,
# $\mathbb E[-\log p(x)]\ge H(x)\ge H(x\mid\text{grey image})=\mathbb E\sum_iH_b(\text{grey}_i)$,
# the binarisation noise ($H_b$ the binary entropy, conditioning does not increase entropy).

# %%
g_bin = torch.Generator().manual_seed(0)
B_train = torch.bernoulli(X_train.cpu(), generator=g_bin).to(device)   # static binarisation, seed 0
B_test = torch.bernoulli(X_test.cpu(), generator=g_bin).to(device)
grey = X_test.double().clamp(1e-12, 1 - 1e-12)
floor_nats = float(-(grey * grey.log() + (1 - grey) * (1 - grey).log()).sum(1).mean())
print(f"binarised: {float(B_train.mean()):.1%} of the training pixels are 1; the binarisation noise, a floor for "
      f"E[−log p(x)] on the test images: {floor_nats:.0f} nats per image")

# %% [markdown]
#
# :::{prf:theorem} The evidence lower bound
# :label: thm-elbo
# For every $x$ and every density $q(z\mid x)$,
#
# \begin{equation*}\log p_\theta(x)=\underbrace{\mathbb E_{q}\big[\log p_\theta(x\mid z)\big]-\operatorname{KL}\big(q(z\mid x)\,\|\,p(z)\big)}_{\operatorname{ELBO}(x)}
# +\operatorname{KL}\big(q(z\mid x)\,\|\,p_\theta(z\mid x)\big)\ \ge\ \operatorname{ELBO}(x).\tag{8}\end{equation*}
# :::
#
# :::{prf:proof}
# For every $z$, $\log p_\theta(x)=\log p_\theta(x,z)-\log p_\theta(z\mid x)$. Add and subtract
# $\log q(z\mid x)$ and average over $z\sim q(z\mid x)$:
# $\log p_\theta(x)=\mathbb E_q[\log p_\theta(x,z)-\log q(z\mid x)]+\mathbb E_q[\log q(z\mid x)-\log p_\theta(z\mid x)]$.
# The second term is a KL divergence, hence $\ge0$. In the first, $\log p_\theta(x,z)=\log p_\theta(x\mid z)+\log p(z)$
# splits it into the reconstruction term and $-\operatorname{KL}(q\,\|\,p(z))$.
# :::
#
# Training maximises the ELBO over both networks; equivalently it minimises
#
# \begin{equation*}-\operatorname{ELBO}(x)=\underbrace{\mathbb E_q[-\log p_\theta(x\mid z)]}_{\text{reconstruction (nats)}}+\underbrace{\operatorname{KL}(q(z\mid x)\,\|\,p(z))}_{\text{rate (nats)}}.\tag{9}\end{equation*}
#
# The KL term has a closed form. In one dimension, with $q=\mathcal N(\mu,s^2)$,
# $\operatorname{KL}=\mathbb E_q[\log q(z)-\log p(z)]
# =\mathbb E_q\big[-\tfrac12\log s^2-\tfrac{(z-\mu)^2}{2s^2}+\tfrac{z^2}{2}\big]
# =-\tfrac12\log s^2-\tfrac12+\tfrac12(\mu^2+s^2)$ (the $\log2\pi$ terms cancel). Coordinates are
# independent under both, so with $\ell_j=\log s_j^2$ (the encoder outputs log-variances):
#
# \begin{equation*}\operatorname{KL}\big(\mathcal N(\mu,\operatorname{diag}e^{\ell})\,\|\,\mathcal N(0,I)\big)=\frac12\sum_{j=1}^k\big(\mu_j^2+e^{\ell_j}-1-\ell_j\big).\tag{10}\end{equation*}
#
# The reconstruction term is an expectation over $z$; its gradient in $\phi$ is taken through
# the **reparameterisation** $z=\mu_\phi(x)+\sigma_\phi(x)\odot\varepsilon$,
# $\varepsilon\sim\mathcal N(0,I)$ (11): the randomness moves into $\varepsilon$ and $z$ becomes a
# differentiable function of the encoder's outputs, so one sample gives an unbiased gradient.
#
# :::{exercise} 08.kl · The KL between two diagonal Gaussians
# :label: ex-08-kl
# :nonumber:
# Equation (10) is the KL from the standard normal prior. A VAE with a learned prior, or the
# Gaussian posteriors of a diffusion model (lesson 19), need it between two arbitrary diagonal
# Gaussians. Derive $\operatorname{KL}\big(\mathcal N(\mu_q,\operatorname{diag}e^{\ell_q})\,\|\,
# \mathcal N(\mu_p,\operatorname{diag}e^{\ell_p})\big)$ the way (10) was derived — one coordinate
# at a time, now with $p=\mathcal N(\mu_p,s_p^2)$ — and write `gaussian_kl_np(mu_q, logvar_q, mu_p,
# logvar_p)` returning, for four `(n, k)` NumPy arrays, the `(n,)` divergences, one per row. Your
# formula must reduce to (10) for $\mu_p=0$, $\ell_p=0$.
# :::

# %%
def gaussian_kl_np(mu_q, logvar_q, mu_p, logvar_p):
    # YOUR CODE HERE
    raise NotImplementedError


# %%
gaussian_kl_np = lu.check("08.kl", gaussian_kl_np)

# %% [markdown] tags=["solution"]
# :::{solution} ex-08-kl
# :class: dropdown
# The course's solution, from `solutions/08_autoencoders.py` (in JupyterLab, print it with `lu.show_solution("08.kl")`):
# ```{literalinclude} ../solutions/08_autoencoders.py
# :pyobject: gaussian_kl_np
# ```
# :::

# %% [markdown]
# The oracle is `torch.distributions`: the KL of two `Normal` distributions, summed over the
# latent coordinates. We compare the exercise (for a general $p$) and the course's `ae.gaussian_kl`
# (for the prior, (10)) with it on 1 000 random pairs of Gaussians in float64, and print the
# largest relative difference as a bound that holds on every machine.

# %% tags=["nbval-check-output"]
g_kl = torch.Generator().manual_seed(3)
mu_t, mu_p = (2 * torch.randn(1000, 8, generator=g_kl, dtype=torch.float64) for _ in range(2))
lv_t, lv_p = (6 * torch.rand(1000, 8, generator=g_kl, dtype=torch.float64) - 4 for _ in range(2))
oracle_prior = kl_divergence(Normal(mu_t, torch.exp(0.5 * lv_t)), Normal(0.0, 1.0)).sum(-1)
oracle = kl_divergence(Normal(mu_t, torch.exp(0.5 * lv_t)), Normal(mu_p, torch.exp(0.5 * lv_p))).sum(-1)
err_course = float(((ae.gaussian_kl(mu_t, lv_t) - oracle_prior).abs() / oracle_prior).max())
err_mine = float(np.max(np.abs(gaussian_kl_np(mu_t.numpy(), lv_t.numpy(), mu_p.numpy(), lv_p.numpy())
                               - oracle.numpy()) / oracle.numpy()))
print(f"course gaussian_kl (prior)        vs torch.distributions: relative error {below(err_course)} "
      f"(must be < 1e-10): {'ok' if err_course < 1e-10 else 'FAILED'}")
print(f"exercise gaussian_kl_np (general) vs torch.distributions: relative error {below(err_mine)} "
      f"(must be < 1e-10): {'ok' if err_mine < 1e-10 else 'FAILED'}")
print("KL of N(0, I) from itself:", float(ae.gaussian_kl(torch.zeros(1, 8), torch.zeros(1, 8))[0]))

# %% [markdown]
# :::{exercise} 08.reparam · The reparameterisation trick
# :label: ex-08-reparam
# :nonumber:
# Write `reparameterize(mu, logvar, eps)` returning $z=\mu+e^{\ell/2}\odot\varepsilon$ for torch
# tensors of equal shape, so that gradients reach `mu` and `logvar` (no `.detach()`, no NumPy,
# no fresh random numbers: use the `eps` you are given).
# :::

# %%
def reparameterize(mu, logvar, eps):
    # YOUR CODE HERE
    raise NotImplementedError


# %%
reparameterize = lu.check("08.reparam", reparameterize)

# %% [markdown] tags=["solution"]
# :::{solution} ex-08-reparam
# :class: dropdown
# The course's solution, from `solutions/08_autoencoders.py` (in JupyterLab, print it with `lu.show_solution("08.reparam")`):
# ```{literalinclude} ../solutions/08_autoencoders.py
# :pyobject: reparameterize
# ```
# :::

# %% [markdown]
# A gradient through a sample is an estimate; it is unbiased. For
# $f(z)=\|z\|^2$ with $z\sim\mathcal N(\mu,e^\ell)$ in one dimension, $\mathbb E f=\mu^2+e^\ell$, so
# $\partial_\ell\,\mathbb E f=e^{\ell}$: averaging the reparameterised gradients over many
# $\varepsilon$ must give that number.

# %% tags=["nbval-check-output"]
mu1 = torch.tensor([0.7], dtype=torch.float64, requires_grad=True)
lv1 = torch.tensor([-0.4], dtype=torch.float64, requires_grad=True)
eps1 = torch.randn(200_000, 1, generator=torch.Generator().manual_seed(4), dtype=torch.float64)
(reparameterize(mu1, lv1, eps1) ** 2).mean().backward()
print(f"∂E[z²]/∂logvar: reparameterised estimate {lv1.grad.item():.3f}, exact e^ℓ = {np.exp(-0.4):.3f} "
      f"(must agree within 0.01): {'ok' if abs(lv1.grad.item() - np.exp(-0.4)) < 0.01 else 'FAILED'}")
print(f"∂E[z²]/∂mu    : reparameterised estimate {mu1.grad.item():.3f}, exact 2μ  = {1.4:.3f} "
      f"(must agree within 0.01): {'ok' if abs(mu1.grad.item() - 1.4) < 0.01 else 'FAILED'}")

# %% [markdown]
# ### The headline: a VAE with a two-dimensional latent on Fashion-MNIST
#
# Kingma and Welling's figure of learned two-dimensional manifolds (Frey faces and MNIST)
# is the picture to reproduce: a VAE with $k=2$, encoder and decoder MLPs with one hidden
# layer of 256 ReLU units, Bernoulli decoder, Adam, mini-batches of 128, trained for 12
# epochs on the 10 000 binarised training images, three times (seeds 0, 1, 2). `elbo_terms`
# returns the reconstruction and KL terms of (9) separately, and `train_autoencoder` logs both
# per epoch; for seed 0 we also evaluate them on the binarised test images after every epoch.

# %%
EPOCHS_VAE = 12 if SCALE == "small" else 60
test_terms = {"recon": [], "kl": []}


def log_test(epoch, model):
    t = model.elbo_terms(B_test, generator=torch.Generator(device=B_test.device).manual_seed(0))
    test_terms["recon"].append(float(t["recon"])); test_terms["kl"].append(float(t["kl"]))


vaes, hists_vae = [], []
for seed in SEEDS:
    lu.seed_everything(seed)
    model = ae.VAE(D, latent=2, hidden=(256,)).to(device)
    hists_vae.append(ae.train_autoencoder(model, B_train, epochs=EPOCHS_VAE, batch_size=128, lr=2e-3, generator=seed,
                                          callback=log_test if seed == 0 else None, desc=f"VAE (2-D latent), seed {seed}"))
    vaes.append(model)
vae, hist_vae = vaes[0], hists_vae[0]

ep = np.arange(1, EPOCHS_VAE + 1)
fig, axes = plt.subplots(1, 3, figsize=(12, 3.3))
axes[0].plot(ep, -np.array(hist_vae["elbo"]), "o-", label="train")
axes[0].plot(ep, np.array(test_terms["recon"]) + np.array(test_terms["kl"]), "s--", label="test")
axes[0].set_title("−ELBO (nats per binary image), seed 0")
axes[1].plot(ep, hist_vae["recon"], "o-", label="train"); axes[1].plot(ep, test_terms["recon"], "s--", label="test")
axes[1].set_title(r"reconstruction $\mathbb{E}_q[-\log p(x|z)]$")
axes[2].plot(ep, hist_vae["kl"], "o-", label="train"); axes[2].plot(ep, test_terms["kl"], "s--", label="test")
axes[2].set_title(r"KL$(q(z|x)\,\|\,p(z))$ (nats)")
for a in axes:
    a.set_xlabel("epoch"); a.legend()
plt.tight_layout(); plt.show()

kl_first, kl_second = hist_vae["kl"][0], hist_vae["kl"][1]
print(f"seed 0, training KL per epoch: first {kl_first:.2f}, second {kl_second:.2f}, last {hist_vae['kl'][-1]:.2f} "
      f"nats; test KL last epoch {test_terms['kl'][-1]:.2f}")

# %% [markdown]
# The reconstruction term falls fast. The KL term measures how much the code says about
# each image (in nats; the epoch values are printed above): the first epoch's training average
# includes the untrained start, when the code says almost nothing, and the KL then settles at a
# few nats: the encoder spends information on $z$ only where it buys reconstruction accuracy,
# and the KL is the price it pays. Now the results of seed 0: reconstructions (decoder mean at
# $z=\mu(x)$), samples (decoder mean at $z\sim\mathcal N(0,I)$) and the test images' codes.
# The decoder mean is a grey image — the pixel probabilities — so we show the grey test images
# the binary ones were drawn from.

# %%
with torch.no_grad():
    rec_v = vae(B_test[:8])
    samples = vae.sample(16, generator=torch.Generator(device=device).manual_seed(5))
    mu_test, _ = vae.encode(B_test)
mu_test = lu.to_numpy(mu_test)
lu.show_images(torch.cat([X_test[:8], B_test[:8], rec_v]).cpu(), shape=SHAPE, ncols=8, size=1.0,
               titles=["grey test"] * 8 + ["binarised"] * 8 + ["VAE, k=2"] * 8)
plt.show()
lu.show_images(samples.cpu(), shape=SHAPE, ncols=16, size=0.75, suptitle="samples of the VAE: decoder mean at z ~ N(0, I)")
plt.show()

fig, axes = plt.subplots(1, 2, figsize=(12, 5.6), gridspec_kw={"width_ratios": [1.1, 1]})
axes[0].scatter(mu_test[:, 0], mu_test[:, 1], c=y_test, cmap="tab10", s=4, alpha=0.7)
axes[0].set_title("VAE: posterior means μ(x) of the test images"); axes[0].set_xlabel("$z_1$"); axes[0].set_ylabel("$z_2$")
axes[0].legend(handles=handles, fontsize=7, ncol=2, markerscale=0.8, loc="best")
# the decoded manifold over a grid of prior quantiles (Kingma & Welling, Fig. 4)
from scipy.stats import norm as _norm  # noqa: E402

q = torch.tensor(_norm.ppf(np.linspace(0.05, 0.95, 12)), dtype=torch.float32)
zz = torch.cartesian_prod(q.flip(0), q)[:, [1, 0]].to(device)   # rows: z2 from high to low; columns: z1
with torch.no_grad():
    tiles = vae.decode_mean(zz).reshape(12, 12, *SHAPE).cpu()
axes[1].imshow(tiles.permute(0, 2, 1, 3).reshape(12 * SHAPE[0], 12 * SHAPE[1]), vmin=0, vmax=1)
axes[1].set_title("decoder means on a grid of prior quantiles\n(z₁: left → right, z₂: bottom → top)"); axes[1].axis("off")
plt.tight_layout(); plt.show()

# %% [markdown]
# ### How loose is the ELBO? Importance sampling
#
# The ELBO is a *lower bound*; by (8) its gap to $\log p_\theta(x)$ is
# $\operatorname{KL}(q(z\mid x)\,\|\,p_\theta(z\mid x))$, which we cannot compute. Importance
# sampling estimates $p_\theta(x)=\mathbb E_{z\sim q}\big[p_\theta(x,z)/q(z\mid x)\big]$ itself;
# with $K$ samples $z_1,\dots,z_K\sim q(z\mid x)$ and weights $w_j=p_\theta(x\mid z_j)\,p(z_j)/q(z_j\mid x)$,
#
# \begin{equation*}\mathcal L_K(x)=\mathbb E\Big[\log\frac1K\sum_{j=1}^Kw_j\Big],\qquad
# \operatorname{ELBO}(x)=\mathcal L_1(x)\le\mathcal L_K(x)\le\mathcal L_{K+1}(x)\le\log p_\theta(x).\tag{12}\end{equation*}
#
# :::{prf:theorem} The importance-weighted bound (Burda, Grosse & Salakhutdinov 2016)
# :label: thm-iwae
# The inequalities (12) hold, and $\mathcal L_K(x)\to\log p_\theta(x)$ as $K\to\infty$ when the
# weights are bounded.
# :::
#
# :::{prf:proof}
# $\mathbb E[\frac1K\sum_jw_j]=p_\theta(x)$, so Jensen's inequality for the concave $\log$ gives
# $\mathcal L_K\le\log p_\theta(x)$. For monotonicity, the mean of $K+1$ weights is the average,
# over the $K+1$ subsets $I$ of size $K$, of the subset means: $\frac1{K+1}\sum_jw_j=
# \mathbb E_I\big[\frac1K\sum_{j\in I}w_j\big]$ with $I$ uniform. Jensen again,
# $\log\mathbb E_I[\cdot]\ge\mathbb E_I\log[\cdot]$, and taking expectations over the samples (each
# subset is a sample of $K$ independent weights) gives $\mathcal L_{K+1}\ge\mathcal L_K$. With $K=1$,
# $\mathcal L_1=\mathbb E_q[\log p_\theta(x,z)-\log q(z\mid x)]$, the ELBO of (8). The limit is the
# law of large numbers: $\frac1K\sum_jw_j\to p_\theta(x)$ almost surely, and bounded weights let
# the expectation of its logarithm converge too.
# :::
#
# `ae.log_importance_weights(vae, X, K)` returns the $K\times n$ values $\log w_j$ (full
# log-densities, in nats); their mean estimates the ELBO, their log-mean-exp is
# `ae.iwae_bound`. One draw of $K$ samples gives every $\mathcal L_{K'}$, $K'\le K$, from its first
# $K'$ weights.
#
# **An oracle: a linear-Gaussian decoder.** With no hidden layer and Gaussian noise,
# $x=Wz+b+\sigma\varepsilon$ with $z\sim\mathcal N(0,I_k)$, $\varepsilon\sim\mathcal N(0,I_d)$ — probabilistic
# PCA (Tipping & Bishop 1999) — $x$ is an affine function of independent Gaussians, so
#
# \begin{equation*}\log p_\theta(x)=\log\mathcal N\big(x;\,b,\ WW^\top+\sigma^2I\big)\tag{13}\end{equation*}
#
# in closed form (`ae.linear_gaussian_log_likelihood`). We train such a VAE (`hidden=()`,
# `likelihood="gaussian"`, $\sigma=0.2$ fixed, $k=2$) for 3 epochs on the grey training images —
# continuous data, where a Gaussian is a density — and compare the bounds with the truth on 300
# test images.

# %%
N_IW, K_IW = 300, 1000
lu.seed_everything(0)
ppca = ae.VAE(D, latent=2, hidden=(), likelihood="gaussian", obs_sigma=0.2).to(device)
ae.train_autoencoder(ppca, X_train, epochs=3, batch_size=128, lr=2e-3, generator=0, progress=False)
exact_lg = float(ae.linear_gaussian_log_likelihood(X_test[:N_IW], ppca.decoder[0].weight.detach(),
                                                   ppca.decoder[0].bias.detach(), 0.2).mean())


def bounds(model, X, k_max=K_IW, seed=1):
    """Mean over the rows of X of the ELBO and of L_K for K = 10, 100, k_max, from one draw of k_max samples."""
    lw = ae.log_importance_weights(model, X, k_max, generator=seed).double()
    return {"ELBO": float(lw.mean()), **{f"L_{k}": float((torch.logsumexp(lw[:k], 0) - math.log(k)).mean())
                                          for k in (10, 100, k_max)}}


b_lg = bounds(ppca, X_test[:N_IW])

# %% tags=["nbval-check-output"]
print(f"linear-Gaussian VAE on {N_IW} test images, nats per image (rounded to whole nats):")
print("  " + "   ".join(f"{name} {val:.0f}" for name, val in b_lg.items()) + f"   exact log p(x), Eq. (13): {exact_lg:.0f}")
chain = list(b_lg.values()) + [exact_lg]
print(f"ELBO <= L_10 <= L_100 <= L_1000 <= log p(x): {'ok' if all(a <= b for a, b in zip(chain, chain[1:])) else 'FAILED'}; "
      f"L_1000 closes {(b_lg['L_1000'] - b_lg['ELBO']) / (exact_lg - b_lg['ELBO']):.0%} of the ELBO's gap "
      f"(must be > 50%): {'ok' if b_lg['L_1000'] - b_lg['ELBO'] > 0.5 * (exact_lg - b_lg['ELBO']) else 'FAILED'}")

# %% [markdown]
# The ordering (12) holds against the exact value, and a thousand samples close most — not all —
# of the gap: in 784 dimensions the encoder's diagonal Gaussian is a poor proposal for the narrow
# posterior, and $\mathcal L_K$ approaches $\log p$ slowly. Now the same measurement for the
# Fashion-MNIST VAEs, where no exact value exists: $\mathcal L_{1000}$ is then our best estimate of
# $\log p_\theta(x)$, and $\mathcal L_{1000}-\operatorname{ELBO}$ a lower estimate of the gap.

# %%
b_vae = [bounds(m, B_test[:N_IW]) for m in vaes]
for seed, b in zip(SEEDS, b_vae):
    print(f"seed {seed}: " + "   ".join(f"{name} {val:.2f}" for name, val in b.items()))

# %% tags=["nbval-check-output"]
elbo_v = np.array([b["ELBO"] for b in b_vae]); l_max = np.array([b[f"L_{K_IW}"] for b in b_vae])
kl_v = np.array([float(m.elbo_terms(B_test, generator=0)["kl"].detach()) for m in vaes])
print(f"{len(SEEDS)} VAEs, {N_IW} binarised test images, nats per image (mean ± std over seeds):")
print(f"  ELBO {spread(elbo_v, '.0f')};  L_1000 {spread(l_max, '.0f')}")
print(f"  gap L_1000 − ELBO {spread(l_max - elbo_v, '.1f')} (each must be > 0): {ok((l_max > elbo_v).all())}")
print(f"  L_1000 <= −(binarisation floor) = −{floor_nats:.0f} (must hold): {ok((l_max < -floor_nats).all())}")
print(f"  the code is used: test KL {spread(kl_v, '.1f')} (each must be > 3 nats): {ok(kl_v.min() > 3)}")

# %% [markdown]
# With a two-dimensional latent the ELBO is tight to within a few nats of the importance-sampled
# estimate — a small fraction of the $-\log p$ itself — and the spread over seeds is smaller than
# the gap, so the gap is real, if small: a 2-D posterior is easy for a diagonal Gaussian to cover.
# Both bounds stay below minus the binarisation floor, as they must: most of the $-\log p(x)$ of a
# binarised Fashion-MNIST image is the coin flips of the binarisation, which no model can predict.
#
# *Paper vs ours.* Kingma and Welling report their results as curves of the lower bound against
# the number of training samples (MNIST with 3–200 latent dimensions, Frey Face) and the 2-D
# manifolds we redraw above; we could not read their values off the figures (not checked against
# the paper). The closest tabulated number is Burda et al.'s: a VAE with 50 latent dimensions and
# two hidden layers of 200 units on dynamically binarised MNIST reaches a test $\log p(x)$ of
# −86.76 nats (estimated with 5 000 importance samples; taken from a reproduction's summary of
# their Table 1, not from the paper itself). We get $\mathcal L_{1000}$ printed above — a few
# hundred nats — for 2 latent dimensions, one hidden layer, 12 epochs on 10 000 statically binarised
# Fashion-MNIST images. The difference comes mostly from the data: Fashion-MNIST's grey images
# make the binarisation noise alone cost the floor printed at the start of this section, far more
# than MNIST's nearly black-and-white digits; the 2-D latent and the short training account for
# the rest.
#
# **Reconstruction with two numbers.** The VAE's decoder mean estimates the grey image the binary
# one was drawn from (a binarised pixel is 1 with the grey value's probability), so we measure
# every method's reconstruction from the *binarised* test image against the *grey* one; the coin
# flips, the same for every method, drop out. PCA with $k=2$ and a linear autoencoder with $k=2$
# (with biases) are fitted to the same binarised training images.

# %%
p2b = linear.pca(B_train, 2)
with torch.no_grad():
    pca2_grey = float(((X_test - p2b.inverse_transform(p2b.transform(B_test))) ** 2).sum(1).mean())
    vae_grey = np.array([float(((X_test - m(B_test)) ** 2).sum(1).mean()) for m in vaes])
lin2 = ae.LinearAutoencoder(D, 2, generator=torch.Generator().manual_seed(0)).to(device)
ae.train_autoencoder(lin2, B_train[:N_LIN], epochs=150, lr=1e-2, generator=0, progress=False)
with torch.no_grad():
    lin2_grey = float(((X_test - lin2(B_test)) ** 2).sum(1).mean())
print("squared error to the grey test image, per image, from a 2-D code of the binarised image:")
print(f"  PCA, k=2 {pca2_grey:.2f}   linear AE, k=2 {lin2_grey:.2f}   VAE, k=2 (decoder mean at μ) "
      + ", ".join(f"{v:.2f}" for v in vae_grey) + " (seeds 0, 1, 2)")

# %% tags=["nbval-check-output"]
print(f"linear AE / PCA, k = 2: {lin2_grey / pca2_grey:.2f} (must be within 2% of 1): "
      f"{ok(abs(lin2_grey / pca2_grey - 1) < 0.02)}")
print(f"VAE / PCA, k = 2: {spread(vae_grey / pca2_grey)} over seeds (each must be < 0.9): "
      f"{ok((vae_grey / pca2_grey).max() < 0.9)}")
first, last = test_terms["recon"][0] + test_terms["kl"][0], test_terms["recon"][-1] + test_terms["kl"][-1]
print(f"seed 0, test −ELBO: epoch 1 {first:.0f}, epoch {EPOCHS_VAE} {last:.0f} nats (must fall): {ok(last < first)}")

# %% [markdown]
# The VAE's two numbers per image carry clearly more than PCA's two (the linear autoencoder,
# as the theorem says, only matches PCA), for every seed, the classes form separate regions of the
# latent plane — trousers, bags and footwear apart, tops and coats sharing a broad region, as in
# PCA's plane but far less overlapped — and the decoded grid morphs smoothly from one kind of
# clothing into the next, the Fashion-MNIST analogue of Kingma and Welling's MNIST manifold.
# The samples are blurry: a factorised Bernoulli decoder cannot represent pixel correlations,
# so the decoder mean averages over everything $z$ does not pin down. DiffuseVAE keeps this
# low-dimensional latent and lets a diffusion model add the missing detail. The Variational
# Lossy Autoencoder shows the opposite failure: give the decoder enough power (an
# autoregressive PixelCNN) and it models the images *without* $z$, the KL term drops to zero
# and the code carries nothing — our weak decoder keeps a clearly positive KL, so the code is
# used.
#
# ## 6. Scaling up: linear autoencoder vs the SVD
#
# How long does gradient training take to reach PCA's error? For growing $n$ we time
# `linear.pca` (exact thin SVD, $O(nd\min(n,d))$) and the randomized PCA of lesson 01
# ($O(ndk)$ per pass), and train the linear autoencoder (full batch, Adam, same
# orthonormal start) until its loss is within 1 % of PCA's error on the same images —
# each step costs $O(ndk)$, and the number of steps depends on the spectrum, not on $n$.
# `lu.Benchmark` warms up, synchronises and takes medians (with their interquartile ranges)
# for the PCA timings; the training runs once per size. The table's header states the thread count.

# %%
sizes = [750, 1500, 3000, 6000] if SCALE == "small" else [1250, 2500, 5000, 10000]
bench = lu.Benchmark(f"reach PCA's error, k = {K}, d = {D}", size_label="n (images)")
steps_needed = {}
for n in lu.progress_bar(sizes, desc="benchmark sizes"):
    Xn = X_train[:n] - X_train[:n].mean(0)
    bench.run("PCA, exact SVD", n, linear.pca, Xn, K, device=device)
    bench.run("PCA, randomized", n, linear.pca, Xn, K, method="randomized", device=device)
    p_n = linear.pca(Xn, K)
    err_n = float(((Xn - p_n.inverse_transform(p_n.transform(Xn))) ** 2).sum(1).mean())
    model = ae.LinearAutoencoder(D, K, bias=False, generator=torch.Generator().manual_seed(0)).to(device)
    lu.synchronize(device)
    h = ae.train_autoencoder(model, Xn, epochs=2000, lr=1e-2, stop_below=1.01 * err_n, generator=0, progress=False)
    lu.synchronize(device)
    bench.add("linear AE to 1.01 × PCA error", n, h["seconds"])
    steps_needed[n] = h["epochs"]
bench.plot(); plt.show()
print("full-batch Adam steps needed:", steps_needed)
bench.report()

# %%
t_b = bench.table()
vs_exact = t_b["linear AE to 1.01 × PCA error"] / t_b["PCA, exact SVD"]
vs_rand = t_b["linear AE to 1.01 × PCA error"] / t_b["PCA, randomized"]
print(f"in this run, over n = {sizes[0]}..{sizes[-1]}: the autoencoder takes {vs_exact.min():.1f}-{vs_exact.max():.1f}× "
      f"the time of the exact SVD and {vs_rand.min():.0f}-{vs_rand.max():.0f}× that of the randomized PCA")

# %% [markdown]
# Read the slopes in the legend. The exact SVD costs $O(nd^2+d^3)$: at these sizes the
# $d^3$ part (the $784\times784$ problem) is a large share, so its time grows slower than
# $n$. The randomized PCA and each autoencoder step cost $O(ndk)$, and the autoencoder
# needs about a hundred full-batch steps at every $n$ (printed above), so its time grows
# roughly like $n$, with small sizes dominated by fixed per-step overheads. On a CPU, PCA
# wins: by a small factor for the exact SVD, by more than an order of magnitude for the
# randomized PCA (the factors of this run are printed above; they move with the machine) — a
# few highly tuned LAPACK calls against about a hundred passes over the data. The autoencoder's
# case is elsewhere: it streams mini-batches when $X$ does not fit in memory, runs unchanged on a
# GPU (`LOWDIM_SCALE=full` with a GPU repeats this at larger $n$), and turns nonlinear by changing
# two layers.
#
# **What needs a GPU.** The figures above are at CPU scale: 2 000 images for the linear
# autoencoder, 12 epochs on the 10 000 shipped training images for the VAE, 2 000 mixture samples
# for the DAE. `LOWDIM_SCALE=full` trains on every shipped image for 1 000 linear-autoencoder
# steps and 60 VAE epochs, with 20 000 DAE samples — closer to, but still short of, the papers'
# settings (Kingma and Welling trained on all 60 000 MNIST images for far longer; the course ships
# 10 000 Fashion-MNIST training images).
#
# ## 7. Explore: walk the VAE's latent plane
#
# Move $(z_1,z_2)$: the left panel marks the point among the test images' codes, the right
# one shows the decoder's mean image there. Walk from the trousers' region to the shoes' and
# watch the decoder morph one into the other. Then look for places where no test image's code
# lies: the encoder need not fill the prior $\mathcal N(0,I)$ evenly, and wherever it leaves a
# gap — possibly near the prior's mode $(0,0)$, where the precomputed view below starts — the
# decoder returns a dim, ambiguous blur. Samples drawn from the prior land in such gaps, one
# reason VAE samples look worse than VAE reconstructions. Far beyond the prior's typical set
# ($|z|\gg2$) the images degrade too: the decoder was never trained there.

# %% tags=["nbval-ignore-output"]
def draw(z1, z2):
    with torch.no_grad():
        img = vae.decode_mean(torch.tensor([[z1, z2]], dtype=torch.float32, device=device))[0].reshape(SHAPE).cpu()
    fig, axes = plt.subplots(1, 2, figsize=(8, 3.6), gridspec_kw={"width_ratios": [1.4, 1]})
    axes[0].scatter(mu_test[:, 0], mu_test[:, 1], c=y_test, cmap="tab10", s=3, alpha=0.5)
    axes[0].plot([z1], [z2], "k*", ms=16)
    axes[0].set_xlabel("$z_1$"); axes[0].set_ylabel("$z_2$"); axes[0].set_title("latent plane (test codes)")
    axes[1].imshow(img, vmin=0, vmax=1); axes[1].axis("off"); axes[1].set_title(f"decoded at ({z1:.2f}, {z2:.2f})")
    plt.tight_layout()


lu.explore(draw, z1=(-3.0, 3.0, 0.25, 0.0), z2=(-3.0, 3.0, 0.25, 0.0))

# %% [markdown]
# ## Summary
#
# - A linear autoencoder's global minima reconstruct exactly like PCA and its decoder spans
#   the principal subspace ({prf:ref}`thm-linear-ae`, from Eckart–Young–Mirsky), but the
#   basis inside it is arbitrary: compare subspaces with principal angles — and do not take a
#   converged loss for a converged subspace (exercise 08.tilt builds data where the two part).
#   That gradient descent gets there rests on Baldi and Hornik's saddle result and on
#   measurement (three seeds, a fraction of a degree), not on the theorem.
# - The best denoiser is the posterior mean, and its displacement is
#   $\sigma^2\nabla\log p_\sigma$ ({prf:ref}`thm-tweedie`): a DAE trained on samples of a 2-D
#   mixture reproduces the analytic smoothed score. This is denoising score matching, the
#   engine of diffusion models.
# - A VAE maximises the ELBO (8) = reconstruction − KL; the Gaussian KL has the closed form
#   (10), and the reparameterisation (11) makes the sampled objective differentiable. Its
#   "nats per image" bound $-\log p(x)$ only for a normalised likelihood: binary images under a
#   Bernoulli decoder (or a continuous Bernoulli on grey ones). With two latent dimensions it
#   already beats PCA's two dimensions on (binarised) Fashion-MNIST and lays the classes out on a
#   smooth manifold — with blurry samples, which is what DiffuseVAE fixes and what the
#   Variational Lossy Autoencoder analyses.
# - The importance-weighted bound (12) sits between the ELBO and $\log p(x)$ and closes the gap
#   as $K$ grows; against the exact likelihood (13) of a linear-Gaussian decoder it does, and for
#   the 2-D VAE the ELBO turns out tight to a few nats.
#
# **Further reading.** Baldi & Hornik (1989) for the full critical-point analysis;
# Kunin, Bloom, Goeva & Seed, *Loss Landscapes of Regularized Linear Autoencoders* (ICML 2019),
# on how weight decay recovers the principal *directions* too; Alain & Bengio (2014) and
# Vincent (2011) for the score connection; Kingma & Welling, *An Introduction to Variational
# Autoencoders* (Foundations and Trends in ML, 2019); Burda et al. (2016) for the IWAE bound
# and Tipping & Bishop, *Probabilistic Principal Component Analysis* (JRSS B, 1999) for the
# linear-Gaussian model; Loaiza-Ganem & Cunningham, *The continuous Bernoulli* (NeurIPS 2019);
# Chen et al. (2017) and Pandey et al. (2022) as above. Lesson 19 builds diffusion models on Tweedie's formula; lesson 21 trains
# *sparse* autoencoders on a network's activations.
