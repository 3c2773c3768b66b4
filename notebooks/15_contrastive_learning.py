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
# # 15 · Contrastive learning: InfoNCE, SimCLR, SimSiam and collapse
#
# **What you will learn**
# - why the InfoNCE loss is a lower bound on a mutual information, $I\ge\log N-\mathcal L_N$ —
#   proved below — and what that bound can never do (exceed $\log N$);
# - SimCLR's NT-Xent loss: a vectorised implementation checked against a naive $O(B^2)$ loop and
#   against `pytorch-metric-learning`'s `NTXentLoss`, and its exact split into an *alignment* and a
#   *uniformity* term (Wang & Isola);
# - SimCLR trained on Fashion-MNIST with augmentations drawn on the device, evaluated by a linear
#   probe against a probe on the raw pixels, over three seeds;
# - SimSiam, which has no negatives: with the stop-gradient it learns, without it the output
#   collapses — seen in the standard deviation of the normalised output;
# - the spectrum of the embeddings and *dimensional collapse*: contrastive embeddings use far fewer
#   dimensions than they have (Jing et al.).
#
# **Prerequisites**: [lesson 01](01_pca_svd.ipynb) (the covariance spectrum); [lesson 08](08_autoencoders.ipynb)
# (training with `training.fit`, representations learned without labels); [lesson 09](09_word_embeddings.ipynb)
# (a softmax over negatives). Mutual information and Jensen's inequality.
#
# **Papers**
# - A. van den Oord, Y. Li, O. Vinyals, *Representation Learning with Contrastive Predictive Coding*,
#   2018 — the InfoNCE loss and the bound $I\ge\log N-\mathcal L_N$.
# - T. Chen, S. Kornblith, M. Norouzi, G. Hinton, *A Simple Framework for Contrastive Learning of
#   Visual Representations* (SimCLR), ICML 2020 — NT-Xent, augmentations, the projection head.
# - T. Wang, P. Isola, *Understanding Contrastive Representation Learning through Alignment and
#   Uniformity on the Hypersphere*, ICML 2020 — Eq. (4)–(5).
# - X. Chen, K. He, *Exploring Simple Siamese Representation Learning* (SimSiam), CVPR 2021 — the
#   stop-gradient and collapse.
# - L. Jing, P. Vincent, Y. LeCun, Y. Tian, *Understanding Dimensional Collapse in Contrastive
#   Self-supervised Learning*, ICLR 2022 — the embedding spectrum.
# - S. Arora, H. Khandeparkar, M. Khodak, O. Plevrakis, N. Saunshi, *A Theoretical Analysis of
#   Contrastive Unsupervised Representation Learning*, ICML 2019 — why a contrastive loss bounds the
#   error of a linear classifier on the representation (the reason we evaluate with a linear probe).
# - B. Poole, S. Ozair, A. van den Oord, A. Alemi, G. Tucker, *On Variational Bounds of Mutual
#   Information*, ICML 2019 — the form of the proof of section 2.

# %%
import lowdim_utils as lu  # first: it sets OMP_WAIT_POLICY before torch loads (steadier threads)
import math

import matplotlib.pyplot as plt
import numpy as np
import torch

from lowdim_utils import contrastive as cl
from lowdim_utils.data import load

try:  # the oracle of section 3 (optional: pip install pytorch-metric-learning); without it that comparison is skipped
    from pytorch_metric_learning.losses import NTXentLoss
except ImportError:
    NTXentLoss = None
    print("pytorch-metric-learning is not installed: the comparison with its NTXentLoss is skipped "
          "(pip install pytorch-metric-learning to run it).")

device, SCALE, gen = lu.setup(seed=0)  # SCALE: "small" on a CPU by default; LOWDIM_SCALE=full for GPU-sized runs

# %% [markdown]
# ## 1. Motivation: can unlabelled images teach which images are alike?
#
# Fashion-MNIST (10 000 training and 2 000 test images of 28×28 pixels, ten kinds of clothing).
# A label costs a person's time; an image costs nothing. Contrastive learning asks a network to
# tell, among many images, which two are *views* of the same one — the same picture cropped,
# shifted, mirrored, partly erased and noised differently. Whatever survives those changes (the
# shape of a sleeve, the outline of a shoe) is what the network must encode; whatever does not (the
# exact position, a few pixels) it learns to ignore.
#
# The views are drawn in one batched `grid_sample` on the images' device (`cl.augment`: a random
# resized crop, a shift, a horizontal flip, an erased square, Gaussian noise). The value of a
# representation is measured with a **linear probe**: a softmax regression trained on the frozen
# features of the training images with their labels, tested on the held-out test images. Two
# baselines: the raw pixels, and the same network with its random initial weights.

# %%
train, test = load("fashion_mnist", split="train"), load("fashion_mnist", split="test")
X = torch.from_numpy(train.images).float().div(255).to(device)         # (10000, 28, 28) in [0, 1]
Xt = torch.from_numpy(test.images).float().div(255).to(device)         # (2000, 28, 28), held out
y, yt = torch.from_numpy(train.y).long().to(device), torch.from_numpy(test.y).long().to(device)
VIEWS = dict(scale=(0.8, 1.0), shift=0.1, flip=0.5, noise=0.1, erase=0.25)   # the augmentations used throughout

SHOW = [0, 3, 8, 17, 30, 42]
show = Xt[torch.tensor(SHOW)]
v1, v2 = cl.augment(show, generator=1, **VIEWS), cl.augment(show, generator=2, **VIEWS)
fig, axes = plt.subplots(3, 6, figsize=(8, 4.3))
for j in range(6):
    for i, (im, name) in enumerate(((show, "image"), (v1, "view 1"), (v2, "view 2"))):
        axes[i, j].imshow(lu.to_numpy(im[j]), cmap="gray_r", vmin=0, vmax=1)
        axes[i, j].set_xticks([]); axes[i, j].set_yticks([])
        if j == 0:
            axes[i, j].set_ylabel(name)
    axes[0, j].set_title(test.class_names[int(yt[SHOW[j]])], fontsize=8)
fig.suptitle("two random views of each test image (cl.augment, drawn on the device)", fontsize=9)
plt.tight_layout(); plt.show()

# %%
acc_raw = cl.linear_probe(X.reshape(len(X), -1), y, Xt.reshape(len(Xt), -1), yt)
WIDTH, DIM = (256, 256) if SCALE == "small" else (1024, 512)
torch.manual_seed(0)
untrained = cl.SimCLR(cl.encoder(784, WIDTH, DIM), DIM, 64).to(device)
acc_init = cl.linear_probe(untrained.embed(X), y, untrained.embed(Xt), yt)

# %% tags=["nbval-check-output"]
print(f"linear probe on the raw pixels (784 features):              test accuracy {acc_raw:.4f}")
print(f"linear probe on a randomly initialised encoder ({DIM} features): test accuracy {acc_init:.4f}")

# %% [markdown]
# The raw pixels are a strong baseline on Fashion-MNIST: a linear classifier on them gets about
# four images in five right. Section 4 asks whether a network trained without a single label gives
# features that a linear classifier uses at least as well.
#
# ## 2. Derivation: InfoNCE bounds a mutual information
#
# Take pairs $(x,y)$ from a joint distribution $p(x,y)$ — two views of one image, or a context and
# the next observation. Draw one *positive* $y_1\sim p(y\mid x)$ and $N-1$ *negatives*
# $y_2,\dots,y_N\sim p(y)$ independently of $x$. A *critic* $f(x,y)$ scores the candidates; the
# InfoNCE loss is the cross-entropy of picking the positive among the $N$:
#
# \begin{equation*}
# \mathcal L_N(f)=-\,\mathbb E\left[\log\frac{e^{f(x,y_1)}}{\sum_{j=1}^N e^{f(x,y_j)}}\right].
# \tag{1}\end{equation*}
#
# :::{prf:theorem} InfoNCE is a lower bound on the mutual information (van den Oord et al.; Poole et al.)
# :label: thm-15-infonce
# For every critic $f$ and every $N\ge2$,
# \begin{equation*}
# I(X;Y)\;\ge\;\log N-\mathcal L_N(f).
# \tag{2}\end{equation*}
# Since $\mathcal L_N\ge0$, the right-hand side never exceeds $\log N$.
# :::
#
# :::{prf:proof}
# Write $g(x,y_{1:N})=e^{f(x,y_1)}\big/\tfrac1N\sum_j e^{f(x,y_j)}$, so that
# $\log N-\mathcal L_N=\mathbb E\log g$. The negatives $y_{2:N}$ are independent of $(x,y_1)$, hence
# $I(X;Y)=I(Y_1;X,Y_{2:N})$. For any conditional density $q(y_1\mid x,y_{2:N})$, the Barber–Agakov
# inequality ($\mathrm{KL}\ge0$) gives
# $I(Y_1;X,Y_{2:N})\ge\mathbb E\log\big[q(y_1\mid x,y_{2:N})/p(y_1)\big]$. Choose
# $q=p(y_1)\,g(x,y_{1:N})/Z(x,y_{2:N})$ with $Z=\mathbb E_{y_1\sim p(y)}\,g(x,y_{1:N})$ (a density in $y_1$).
# Then $I(X;Y)\ge\mathbb E\log g-\mathbb E\log Z\ge\mathbb E\log g-\log\mathbb E Z$ (Jensen). In
# $\mathbb E Z$ all $N$ candidates are drawn from $p(y)$ independently of $x$, so they are
# exchangeable: the $N$ terms $e^{f(x,y_k)}/\tfrac1N\sum_j e^{f(x,y_j)}$ have the same expectation, and
# they sum to $N$; so $\mathbb E Z=1$, $\log\mathbb EZ=0$, and $I(X;Y)\ge\mathbb E\log g=\log N-\mathcal L_N$. Finally
# $\mathcal L_N\ge0$ because each fraction in (1) is at most 1.
# :::
#
# Two consequences. The critic that makes (2) tightest is the log density ratio
# $f^\star(x,y)=\log p(y\mid x)/p(y)$ (plus any function of $x$ alone, which cancels in (1)). And
# however good the critic, the estimate saturates at $\log N$: certifying $I$ nats needs $N\gtrsim e^{I}$
# candidates — one reason contrastive learning wants large batches.
#
# :::{exercise} 15.critic · The optimal critic of a Gaussian pair (a derivation)
# :label: ex-15-critic
# :nonumber:
# Let $x\sim\mathcal N(0,I_d)$ and $y=\rho x+\sqrt{1-\rho^2}\,\varepsilon$ with $\varepsilon\sim\mathcal N(0,I_d)$
# independent, so $I(X;Y)=-\tfrac d2\log(1-\rho^2)$. Derive $f^\star(x,y)=\log p(y\mid x)-\log p(y)$ and write
# `gaussian_critic(x, y, rho)` returning, for `x` of shape `(n, d)` and `y` of shape `(m, d)`, the
# `(n, m)` matrix $f^\star(x_i,y_j)$. The check compares it with the true ratio up to a function of
# $x$ alone, then computes the bound (2) with your critic: it must stay below $\min(I,\log N)$ and
# come close to $I$ when $N\gg e^I$.
# :::

# %%
def gaussian_critic(x, y, rho):
    # YOUR CODE HERE
    raise NotImplementedError


# %%
gaussian_critic = lu.check("15.critic", gaussian_critic)

# %% [markdown] tags=["solution"]
# :::{solution} ex-15-critic
# :class: dropdown
# The course's solution, from `solutions/15_contrastive_learning.py` (in JupyterLab, print it with `lu.show_solution("15.critic")`):
# ```{literalinclude} ../solutions/15_contrastive_learning.py
# :pyobject: gaussian_critic
# ```
# :::

# %% [markdown]
# The bound (2) in numbers: $\rho=0.9$ in $d=4$ dimensions, $I=3.32$ nats, 4000 queries, the critic
# above (`cl.info_nce_bound` computes $\log N-\mathcal L_N$ from the matrix of scores, positive in
# column 0), and a deliberately poor critic, the dot product $x^\top y$.

# %%
rho, d_g, n_g = 0.9, 4, 4000
mi = -d_g / 2 * math.log(1 - rho ** 2)
g_mi = np.random.default_rng(0)
xg = g_mi.standard_normal((n_g, d_g))
yg = rho * xg + math.sqrt(1 - rho ** 2) * g_mi.standard_normal((n_g, d_g))
NS = [2, 4, 16, 64, 256, 1024, 4096]


def bound_for(critic, N):
    neg = g_mi.integers(0, n_g, size=(n_g, N - 1))
    scores = np.empty((n_g, N))
    for i0 in range(0, n_g, 500):
        F = critic(xg[i0:i0 + 500], yg, rho)
        rows = np.arange(F.shape[0])
        scores[i0:i0 + 500, 0] = F[rows, i0 + rows]
        scores[i0:i0 + 500, 1:] = np.take_along_axis(F, neg[i0:i0 + 500], axis=1)
    return float(cl.info_nce_bound(torch.from_numpy(scores)))


bounds = {"optimal critic (exercise)": [bound_for(gaussian_critic, N) for N in NS],
          "dot product x·y": [bound_for(lambda a, b, r: a @ b.T, N) for N in NS]}
fig, ax = plt.subplots(figsize=(5.5, 3.4))
ax.plot(NS, np.log(NS), "k:", label="log N")
ax.axhline(mi, color="C3", ls="--", label=f"I(X;Y) = {mi:.2f} nats")
for name, b in bounds.items():
    ax.plot(NS, b, "o-", ms=3, label=name)
ax.set_xscale("log"); ax.set_xlabel("N (candidates)"); ax.set_ylabel("log N − L_N (nats)")
ax.set_ylim(0, 4); ax.legend(fontsize=7); ax.set_title("the InfoNCE bound (2) never passes min(I, log N)", fontsize=9)
plt.tight_layout(); plt.show()

# %% tags=["nbval-check-output"]
for name, b in bounds.items():
    worst = max(bi - min(mi, math.log(N)) for bi, N in zip(b, NS))
    print(f"{name:26s}: bound at N = {NS[-1]}: {b[-1]:.2f} nats (I = {mi:.2f}); "
          f"max over N of bound − min(I, log N) = {worst:+.2f} (≤ 0.05, Monte-Carlo slack)")

# %% [markdown]
# The optimal critic follows $\log N$ while $\log N<I$, then bends towards $I$; the dot product,
# which has the right *shape* but the wrong scale, stays well below. Contrastive representation
# learning turns this around: it *learns* the critic, as a similarity of two embeddings, and by
# maximising the bound it keeps what the two views share.
#
# ### SimCLR's NT-Xent, and alignment and uniformity
#
# SimCLR applies (1) inside a batch. $B$ images give $2B$ views; $u_i=z_i/\|z_i\|$ are the
# normalised outputs and $s_{ik}=u_i^\top u_k$ their cosine similarities. View $i$'s positive is the
# other view of its image, $i^+$; the other $2B-2$ views are its negatives (so $N=2B-1$ in (1)),
# and the critic is $s/\tau$ with a *temperature* $\tau$:
#
# \begin{equation*}
# \ell_{\text{NT-Xent}}=\frac1{2B}\sum_{i=1}^{2B}-\log\frac{\exp(s_{i,i^+}/\tau)}{\sum_{k\ne i}\exp(s_{ik}/\tau)}.
# \tag{3}\end{equation*}
#
# Wang & Isola measure a representation on the sphere by two numbers: how close positive pairs are,
# and how evenly the points spread,
#
# \begin{equation*}
# \mathcal L_{\text{align}}=\mathbb E_{(x,x^+)}\,\|u-u^+\|_2^{2},
# \tag{4}\end{equation*}
#
# \begin{equation*}
# \mathcal L_{\text{uniform}}=\log\,\mathbb E_{x,y\ \text{i.i.d.}}\,e^{-t\|u_x-u_y\|_2^2},\qquad t=2.
# \tag{5}\end{equation*}
#
# :::{prf:proposition} NT-Xent = alignment + repulsion
# :label: prop-15-split
# For unit vectors, $s_{ik}=1-\tfrac12\|u_i-u_k\|^2$, so every term of (3) splits exactly into
#
# \begin{equation*}-\log\frac{e^{s_{i,i^+}/\tau}}{\sum_{k\ne i}e^{s_{ik}/\tau}}=\frac{\|u_i-u_{i^+}\|^2}{2\tau}+\log\sum_{k\ne i}e^{-\|u_i-u_k\|^2/2\tau}.\end{equation*}
#
# Averaged over $i$, the first part is $\mathcal L_{\text{align}}/2\tau$ on the batch. As $B\to\infty$ the
# second part, minus $\log(2B-1)$, tends to $\mathbb E_x\log\mathbb E_y\,e^{-\|u_x-u_y\|^2/2\tau}$, which by
# Jensen is at most $\mathcal L_{\text{uniform}}$ with $t=1/2\tau$.
# :::
# :::{prf:proof}
# $\|u-v\|^2=2-2u^\top v$ for unit vectors; substitute, and the constants $\pm1/\tau$ cancel between the
# numerator and the denominator. The limit is the law of large numbers inside the logarithm (the
# positive is one term among $2B-1$); Jensen: $\mathbb E_x\log(\cdot)\le\log\mathbb E_x(\cdot)$.
# :::
#
# So minimising NT-Xent pulls views together (alignment) and pushes everything apart (uniformity).
#
# ## 3. A NumPy reference, the course implementation and two oracles
#
# :::{exercise} 15.ntxent · NT-Xent in NumPy
# :label: ex-15-ntxent
# :nonumber:
# Write `nt_xent_np(z1, z2, tau)` returning the loss (3) as a float for two `(B, d)` arrays of views
# (row $i$ of `z1` and row $i$ of `z2` are the positive pair). Normalise the rows, leave each view's
# similarity with itself out of its denominator, average over all $2B$ anchors, and make it stable at
# small $\tau$ (log-sum-exp).
# :::

# %%
def nt_xent_np(z1, z2, tau):
    # YOUR CODE HERE
    raise NotImplementedError


# %%
nt_xent_np = lu.check("15.ntxent", nt_xent_np)

# %% [markdown] tags=["solution"]
# :::{solution} ex-15-ntxent
# :class: dropdown
# The course's solution, from `solutions/15_contrastive_learning.py` (in JupyterLab, print it with `lu.show_solution("15.ntxent")`):
# ```{literalinclude} ../solutions/15_contrastive_learning.py
# :pyobject: nt_xent_np
# ```
# :::

# %% [markdown]
# The course's `cl.info_nce(z1, z2, temperature)` is one $(2B\times2B)$ product of normalised rows,
# the diagonal masked with $-\infty$ and a cross-entropy whose targets are $i\mapsto i\pm B$ — batched,
# differentiable, on any device. Below it is checked against a naive double loop over anchors and
# candidates (the literal reading of (3), $O(B^2)$ Python operations), against the exercise, and
# against `pytorch-metric-learning`'s `NTXentLoss` (which takes the $2B$ embeddings with labels
# $0..B-1$ twice and forms the same positive pairs), in float64, values and gradients. The split of
# Proposition {prf:ref}`prop-15-split` is checked too.

# %%
def naive_nt_xent(z1, z2, tau):
    """Eq. (3) as a double loop over anchors i and candidates k ≠ i (float64)."""
    z = torch.cat([z1, z2]).double()
    z = z / z.norm(dim=1, keepdim=True)
    n, b = z.shape[0], z.shape[0] // 2
    total = 0.0
    for i in range(n):
        denom = sum(math.exp(float(z[i] @ z[k]) / tau) for k in range(n) if k != i)
        total += -math.log(math.exp(float(z[i] @ z[(i + b) % n]) / tau) / denom)
    return total / n


g_t = torch.Generator().manual_seed(0)
errs = {"naive loop": 0.0, "exercise (NumPy)": 0.0, "pytorch-metric-learning": 0.0}
grad_err, split_err = 0.0, 0.0
for b_, d_, tau_ in [(4, 3, 0.5), (16, 32, 0.1), (50, 8, 1.0)]:
    z1 = torch.randn(b_, d_, generator=g_t, dtype=torch.float64, requires_grad=True)
    z2 = torch.randn(b_, d_, generator=g_t, dtype=torch.float64)
    ours = cl.info_nce(z1, z2, tau_)
    rel = lambda v: abs((float(v.detach()) if torch.is_tensor(v) else float(v)) - float(ours.detach())) / float(ours.detach())
    errs["naive loop"] = max(errs["naive loop"], rel(naive_nt_xent(z1.detach(), z2, tau_)))
    errs["exercise (NumPy)"] = max(errs["exercise (NumPy)"], rel(nt_xent_np(z1.detach().numpy(), z2.numpy(), tau_)))
    u = torch.nn.functional.normalize(torch.cat([z1, z2]).detach(), dim=1)
    sq = torch.cdist(u, u) ** 2
    sq.fill_diagonal_(float("inf"))
    split = (float(cl.alignment(z1.detach(), z2)) / (2 * tau_)
             + float(torch.logsumexp(-sq / (2 * tau_), dim=1).mean()))
    split_err = max(split_err, rel(split))
    if NTXentLoss is not None:
        theirs = NTXentLoss(temperature=tau_)(torch.cat([z1, z2]), torch.arange(b_).repeat(2))
        errs["pytorch-metric-learning"] = max(errs["pytorch-metric-learning"], rel(theirs))
        g1, = torch.autograd.grad(ours, z1)
        g2, = torch.autograd.grad(theirs, z1)
        grad_err = max(grad_err, float((g1 - g2).abs().max() / g2.abs().max()))


# %% tags=["nbval-check-output"]
def below(err, floor=1e-15):
    """'< 1e-13'-style bound for a rounding-level error: the next power of ten above err, at least floor."""
    return f"< {max(10.0 ** np.ceil(np.log10(max(err, 1e-300))), floor):.0e}"


for name, e in errs.items():
    if name == "pytorch-metric-learning" and NTXentLoss is None:
        continue
    print(f"cl.info_nce vs {name:24s}: max relative difference {below(e)} (tolerance 1e-10)")
if NTXentLoss is not None:
    print(f"gradient vs pytorch-metric-learning          : max relative difference {below(grad_err)} (tolerance 1e-10)")
print(f"alignment/2τ + log-sum-exp repulsion = NT-Xent : max relative difference {below(split_err)} (tolerance 1e-10)")

# %% [markdown]
# ## 4. SimCLR on Fashion-MNIST
#
# The model (`cl.SimCLR`): an MLP encoder $784\to256\to256$ (Linear–BatchNorm–ReLU twice; its
# output $h$ is the representation) and a projection head $256\to256\to64$ whose output $z$ enters
# the loss (3) with $\tau=0.2$. SimCLR found that the loss is best taken after such a head and the
# representation before it. `cl.train_ssl` draws a batch of 256 training images with replacement,
# two views of each on the device, and runs Adam through `training.fit`. Every 25 steps it records
# the alignment (4) and uniformity (5) of the projections of 1000 held-out test images under two fixed
# views. Three seeds; each run's representation of the training images trains the linear probe,
# which is tested on the test images (the same probe as in section 1).
#
# At the default (CPU) scale a run has 300 steps (7.7 passes over the data); `LOWDIM_SCALE=full`
# (for a GPU) trains a wider encoder ($784\to1024\to512$) for 3000 steps with batches of 512.

# %%
STEPS, BATCH = (300, 256) if SCALE == "small" else (3000, 512)
SEEDS = [0, 1, 2]
held = Xt[:1000]
hv1, hv2 = cl.augment(held, generator=123, **VIEWS), cl.augment(held, generator=456, **VIEWS)


def track(model):
    z1, z2 = model.embed(hv1, projected=True), model.embed(hv2, projected=True)
    return {"align": cl.alignment(z1, z2), "uniform": cl.uniformity(z1)}


runs = {}
for seed in SEEDS:
    torch.manual_seed(seed)                               # the initial weights
    model = cl.SimCLR(cl.encoder(784, WIDTH, DIM), DIM, 64, temperature=0.2).to(device)
    hist = cl.train_ssl(model, X, steps=STEPS, batch_size=BATCH, lr=2e-3, views=VIEWS, generator=seed,
                        track=track, track_every=25, desc=f"SimCLR, seed {seed}")
    acc = cl.linear_probe(model.embed(X), y, model.embed(Xt), yt)
    runs[seed] = dict(model=model, hist=hist, acc=acc)

accs = np.array([r["acc"] for r in runs.values()])

# %%
fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
for seed, r in runs.items():
    h = r["hist"]
    axes[0].plot(np.convolve(h["step_loss"], np.ones(10) / 10, mode="valid"), color=f"C{seed}", lw=1,
                 label=f"seed {seed}")
    tr = h["track"]
    axes[1].plot(tr["uniform"], tr["align"], "-", color=f"C{seed}", lw=1)
    sc = axes[1].scatter(tr["uniform"], tr["align"], c=h["track_steps"], cmap="viridis", s=14, zorder=3)
axes[0].set_xlabel("step"); axes[0].set_ylabel("NT-Xent (3), moving average of 10 steps"); axes[0].legend(fontsize=7)
axes[1].set_xlabel("uniformity (5), held-out views  (lower: more uniform)")
axes[1].set_ylabel("alignment (4)  (lower: views closer)")
fig.colorbar(sc, ax=axes[1], label="step")
axes[1].set_title("training moves down-left: views align, points spread", fontsize=9)
plt.tight_layout(); plt.show()

# %% tags=["nbval-check-output"]
first, last = ({k: np.array([r["hist"]["track"][k][i] for r in runs.values()]) for k in ("align", "uniform")}
               for i in (0, -1))
print(f"held-out alignment  (4): at step 0 {first['align'].mean():.3f}, after training "
      f"{last['align'].mean():.3f} ± {last['align'].std():.3f} (mean ± std over {len(SEEDS)} seeds)")
print(f"held-out uniformity (5): at step 0 {first['uniform'].mean():.3f}, after training "
      f"{last['uniform'].mean():.3f} ± {last['uniform'].std():.3f} (a uniform 64-d sphere: about −3.9)")
# Two decimals: another CPU's rounding moves a trained probe's accuracy by about 0.01 (one binomial standard
# error on these 2000 test images is 0.008), more than the spread over seeds on one machine suggests.
print(f"SimCLR: {accs.mean():.2f} ± {accs.std():.2f} (mean ± std); raw pixels {acc_raw:.2f}; "
      f"random encoder {acc_init:.2f}")
print(f"SimCLR − raw pixels: {accs.mean() - acc_raw:+.2f} ± {accs.std():.2f}; "
      f"{int((accs > acc_raw).sum())} of {len(SEEDS)} seeds above the raw pixels")
print(f"SimCLR − random encoder: {accs.mean() - acc_init:+.2f} ± {accs.std():.2f} (what training added to the architecture)")

# %%
print("linear-probe test accuracy per seed (unchecked: the CPU's digits)", SEEDS, ":", np.round(accs, 4).tolist())

# %% [markdown]
# What the numbers above say (the printed values are this run's): at step 0 the random network maps
# all images into a narrow cap of the sphere — good alignment, poor uniformity; training trades a
# little alignment for much more uniformity. The linear probe on the representation is compared with
# the two baselines, with the seeds' spread stated, in the cells above.
#
# **Against the paper.** SimCLR reports 76.5% top-1 linear-probe accuracy on ImageNet with a
# ResNet-50 (4× wider), trained for 1000 epochs with batches of 4096, matching a supervised ResNet-50
# (checked against the abstract). We get the accuracy printed above on Fashion-MNIST with a two-layer
# MLP, 300 steps of batches of 256 on a CPU — a setting in which the raw pixels are already a strong
# linear baseline (above 80%), unlike ImageNet's pixels. The difference comes from scale (SimCLR's
# gains grow with the batch size, the training length and the network) and from the encoder: an MLP
# has no translation equivariance, so the invariance to crops and shifts a CNN gets from its
# architecture must be learned from the views. `LOWDIM_SCALE=full` runs the longer, wider setting.
#
# ### What the views decide
#
# The representation keeps what the two views share and discards what differs between them. A toy
# problem makes that precise. `cl.content_style(n)` draws points in $\mathbb R^{10}$: two *content*
# coordinates hold four class clusters, eight *style* coordinates hold class-independent Gaussian
# noise with a standard deviation of 3 — larger than the content's. A linear encoder $W:\mathbb R^{10}\to
# \mathbb R^2$ trained with NT-Xent sees only the views you make.
#
# :::{exercise} 15.views · Views that keep the content (an open experiment)
# :label: ex-15-views
# :nonumber:
# Write `make_views(X, generator)` that returns two views `(a, b)` (torch tensors of `X`'s shape
# `(n, 10)`) of a batch of the toy data, drawing every random number from the `torch.Generator`
# `generator`. The check trains a linear 2-D SimCLR (120 steps, two seeds) on your views and requires
# at least 90% of the encoder's squared weights on the two content coordinates and a linear-probe
# accuracy of at least 0.9 on the 2-D embedding. Try first what fails: identical views, or the same
# small noise added to every coordinate — why does the encoder then prefer the style?
# :::

# %%
def make_views(X, generator):
    # YOUR CODE HERE
    raise NotImplementedError


# %%
make_views = lu.check("15.views", make_views)

# %% [markdown] tags=["solution"]
# :::{solution} ex-15-views
# :class: dropdown
# The course's solution, from `solutions/15_contrastive_learning.py` (in JupyterLab, print it with `lu.show_solution("15.views")`):
# ```{literalinclude} ../solutions/15_contrastive_learning.py
# :pyobject: make_views
# ```
# With identical views, NT-Xent only asks for uniformity, and the directions of largest variance (the
# style) spread the points best; with the same noise everywhere, the style still has the larger
# signal-to-noise ratio. Only views that *differ in the style* make it useless for matching.
# :::
#
# ## 5. SimSiam: no negatives, and the stop-gradient
#
# SimSiam drops the negatives. A projector gives $z$, a small *predictor* MLP gives $p$ from $z$,
# and the loss is the negative cosine between the prediction from one view and the projection of
# the other, symmetrised, with a **stop-gradient** $\operatorname{sg}$ on the target:
#
# \begin{equation*}
# \mathcal L_{\text{SimSiam}}=-\tfrac12\cos\big(p_1,\operatorname{sg}(z_2)\big)-\tfrac12\cos\big(p_2,\operatorname{sg}(z_1)\big).
# \tag{6}\end{equation*}
#
# A constant output $z\equiv c$, $p\equiv c$ attains the minimum $-1$ of (6): the loss has a
# *collapsed* solution, and nothing in it rules that solution out. Chen & He's diagnostic is the
# standard deviation (over the images, averaged over the $d$ coordinates) of $z/\|z\|$: about
# $1/\sqrt d$ for outputs spread over the sphere, 0 when they collapse (`cl.output_std`). We train
# SimSiam with and without $\operatorname{sg}$ (`cl.SimSiam(..., stop_gradient=False)`), three seeds
# each, 100 steps (1500 with `LOWDIM_SCALE=full`), and record the diagnostic on the held-out images every 25 steps.

# %%
SS_STEPS = 100 if SCALE == "small" else 1500
ss_runs = {}
for sg in (True, False):
    for seed in SEEDS:
        torch.manual_seed(seed)
        model = cl.SimSiam(cl.encoder(784, WIDTH, DIM), DIM, 64, 32, stop_gradient=sg).to(device)
        hist = cl.train_ssl(model, X, steps=SS_STEPS, batch_size=BATCH, lr=2e-3, views=VIEWS, generator=seed,
                            track=lambda m: {"std": cl.output_std(m.embed(hv1, projected=True))}, track_every=25,
                            desc=f"SimSiam, stop-gradient {sg}, seed {seed}")
        ss_runs[sg, seed] = dict(model=model, hist=hist)

fig, axes = plt.subplots(1, 2, figsize=(10, 3.4))
for (sg, seed), r in ss_runs.items():
    c = "C0" if sg else "C3"
    lab = ("with stop-gradient" if sg else "without stop-gradient") if seed == 0 else None
    axes[0].plot(np.convolve(r["hist"]["step_loss"], np.ones(10) / 10, mode="valid"), c, lw=1, label=lab)
    axes[1].plot(r["hist"]["track_steps"], r["hist"]["track"]["std"], c + "o-", ms=3, lw=1, label=lab)
axes[1].axhline(1 / math.sqrt(64), color="0.5", ls=":", label="1/√d (d = 64)")
axes[0].set_xlabel("step"); axes[0].set_ylabel("SimSiam loss (6)"); axes[0].legend(fontsize=7)
axes[1].set_xlabel("step"); axes[1].set_ylabel("std of z/‖z‖, held-out images"); axes[1].legend(fontsize=7)
axes[1].set_ylim(0, 0.14)
plt.tight_layout(); plt.show()

# %% tags=["nbval-check-output"]
for sg in (True, False):
    std_end = np.array([ss_runs[sg, s]["hist"]["track"]["std"][-1] for s in SEEDS])
    peak = np.array([max(ss_runs[sg, s]["hist"]["track"]["std"]) for s in SEEDS])
    loss_end = np.array([np.mean(ss_runs[sg, s]["hist"]["step_loss"][-10:]) for s in SEEDS])
    print(f"stop-gradient {str(sg):5s}: final loss {loss_end.mean():.3f} ± {loss_end.std():.3f}; output std: peak "
          f"{peak.mean():.3f}, final {std_end.mean():.3f} ± {std_end.std():.3f}  (1/√64 = {1 / math.sqrt(64):.3f})")
ratio = (np.mean([ss_runs[False, s]["hist"]["track"]["std"][-1] for s in SEEDS])
         / np.mean([ss_runs[True, s]["hist"]["track"]["std"][-1] for s in SEEDS]))
print(f"final output std without / with stop-gradient: {ratio:.2f} (below 0.5: the output without it is collapsing)")

# %% [markdown]
# Without the stop-gradient the loss races to $-1$ and the output's spread keeps shrinking — the
# collapse, still under way at the end of our short run; with it, the spread settles near $1/\sqrt d$
# and the loss stays above $-1$. **Against the paper:** Chen & He's Fig. 2 (ImageNet, ResNet-50,
# 100 epochs) shows the same two curves — the standard deviation falls to 0 without the stop-gradient
# and stays near $1/\sqrt d$ with it — and a linear-probe accuracy of 67.7% with it against 0.1%
# without (quoted from memory of that figure; not checked against the text here). Ours stops before the
# collapse is complete (100 steps at the default scale) because of the CPU budget, and our projector has no BatchNorm on its
# output: in our trials with one (not shown), short runs did not collapse at all — BatchNorm forbids a
# constant output within a batch.
#
# ## 6. The embedding spectrum and dimensional collapse
#
# Complete collapse is easy to see. Jing et al. point at a subtler one: the embeddings spread over
# the sphere and yet occupy a low-dimensional subspace. The diagnostic is the spectrum of the
# embedding covariance (lesson 01),
#
# \begin{equation*}
# C=\tfrac1n\sum_{i}(z_i-\bar z)(z_i-\bar z)^\top,\qquad \lambda_1\ge\dots\ge\lambda_d\ \text{its eigenvalues},
# \tag{7}\end{equation*}
#
# summarised by the *effective rank* of Roy & Vetterli,
#
# \begin{equation*}
# \operatorname{erank}(z)=\exp\Big(-\sum_k p_k\log p_k\Big),\qquad p_k=\lambda_k\Big/\sum_j\lambda_j,
# \tag{8}\end{equation*}
#
# between 1 (one direction) and $d$ (all directions equal). (`cl.embedding_spectrum`, `cl.effective_rank`.)

# %%
def spectra(model):
    return {"h (representation)": model.embed(Xt), "z (projection)": model.embed(Xt, projected=True)}


fig, axes = plt.subplots(1, 2, figsize=(10, 3.5))
eranks = {}
for ax, (title, m_) in zip(axes, (("SimCLR, seed 0", runs[0]["model"]),
                                  ("SimSiam with stop-gradient, seed 0", ss_runs[True, 0]["model"]))):
    for name, Z in spectra(m_).items():
        lam = lu.to_numpy(cl.embedding_spectrum(Z))
        ax.semilogy(np.arange(1, len(lam) + 1), lam / lam[0], label=f"{name}, d = {len(lam)}")
    ax.set_xlabel("index k"); ax.set_ylabel("λ_k / λ_1  (7)"); ax.set_ylim(1e-8, 2); ax.legend(fontsize=7)
    ax.set_title(title, fontsize=9)
plt.tight_layout(); plt.show()
raw_erank = cl.effective_rank(Xt.reshape(len(Xt), -1))

# %% tags=["nbval-check-output"]
er = {name: np.array([cl.effective_rank(spectra(runs[s]["model"])[name]) for s in SEEDS])
      for name in ("h (representation)", "z (projection)")}
er_ss = {sg: np.array([cl.effective_rank(ss_runs[sg, s]["model"].embed(Xt, projected=True)) for s in SEEDS])
         for sg in (True, False)}
print(f"effective rank (8) of the raw test pixels (d = 784): {raw_erank:.1f}")
print(f"SimCLR h (d = {DIM}): {er['h (representation)'].mean():.1f} ± {er['h (representation)'].std():.1f};  "
      f"z (d = 64): {er['z (projection)'].mean():.1f} ± {er['z (projection)'].std():.1f}  (mean ± std, 3 seeds)")
print(f"SimSiam z (d = 64): with stop-gradient {er_ss[True].mean():.1f} ± {er_ss[True].std():.1f}, "
      f"without {er_ss[False].mean():.1f} ± {er_ss[False].std():.1f}")
print(f"SimCLR's z uses {er['z (projection)'].mean() / 64:.0%} of its 64 dimensions (effective rank / d; "
      f"below 50%: dimensional collapse)")
for name in ("h (representation)", "z (projection)"):
    lams = [cl.embedding_spectrum(spectra(runs[s]["model"])[name]) for s in SEEDS]
    counts = np.array([int((lam > 1e-3 * lam[0]).sum()) for lam in lams])
    print(f"SimCLR {name}: {counts.mean():.0f} ± {counts.std():.0f} of {len(lams[0])} eigenvalues above "
          "1e-3 λ_1 (mean ± std, 3 seeds)")
h_minus_z = er["h (representation)"] - er["z (projection)"]
print(f"effective rank of h − of z: {h_minus_z.mean():+.0f} ± {h_minus_z.std():.0f} (mean ± std over seeds); "
      f"h above z in {int((h_minus_z > 0).sum())} of {len(SEEDS)} seeds")

# %% [markdown]
# The embeddings have dimensional collapse: the effective rank of the 64-dimensional projection is a
# small fraction of 64, and only part of the spectrum stays within three orders of magnitude of its
# top eigenvalue (the counts above). SimSiam's projection, whose spread looked healthy in section 5,
# has an effective rank of a few units even with the stop-gradient: a spread near $1/\sqrt d$ rules out
# complete collapse, not dimensional collapse. Jing et al. trace it to two mechanisms — strong augmentations, which make the
# contrastive gradient shrink the directions in which views disagree, and the implicit low-rank bias
# of gradient descent through several layers — and observe (ImageNet, SimCLR's 128-d projection) a
# spectrum with a large part of its singular values collapsed to zero; their DirectCLR applies the
# loss to a sub-vector of the representation instead of a projector. (We could not check their
# figure's numbers here: the comparison is qualitative.) Jing et al. locate the collapse in the
# projection $z$, and SimCLR found $h$, before the head, the better input for a linear probe. Our small
# MLP differs on the first point: the last line above compares the effective ranks of $h$ and $z$ in each
# seed — here $h$, a ReLU output of 256 non-negative coordinates, concentrates its variance in *fewer*
# directions than $z$. An effective rank counts directions weighted by variance; it does not by itself
# say which features a linear probe separates best.
#
# ## 7. Scaling: the cost of the loss
#
# The loss costs one $(2B\times2B\times d)$ product: $O(B^2d)$. We time the naive double loop (only
# at small $B$: it runs $4B^2$ Python-level dot products), the NumPy exercise, the course's
# `cl.info_nce` and `pytorch-metric-learning`'s `NTXentLoss` (up to $B=128$), float32, $d=128$,
# forward pass only, single-threaded.

# %%
sizes = [32, 64, 128, 256, 512, 1024] if SCALE == "small" else [256, 1024, 4096, 8192]
bench = lu.Benchmark("NT-Xent forward, d = 128, float32", size_label="B (images; 2B views)")
g_b = torch.Generator().manual_seed(5)
pml = NTXentLoss(temperature=0.5) if NTXentLoss is not None else None
for b_ in lu.progress_bar(sizes, desc="benchmark sizes"):
    z1, z2 = torch.randn(b_, 128, generator=g_b), torch.randn(b_, 128, generator=g_b)
    n1, n2 = z1.numpy(), z2.numpy()
    labels = torch.arange(b_).repeat(2)
    if b_ <= 64:
        bench.run("naive loop", b_, naive_nt_xent, z1, z2, 0.5, repeats=3)
    bench.run("NumPy (exercise)", b_, nt_xent_np, n1, n2, 0.5)
    bench.run("course cl.info_nce", b_, cl.info_nce, z1, z2, 0.5)
    if pml is not None and b_ <= 128:     # its time and memory grow like B³ (see below): 34 GB at B = 1024
        zz = torch.cat([z1, z2])
        bench.run("pytorch-metric-learning", b_, pml, zz, labels)
    if device.type != "cpu":
        g1, g2 = z1.to(device), z2.to(device)
        bench.run(f"course cl.info_nce ({device.type})", b_, cl.info_nce, g1, g2, 0.5, device=device)
bench.plot(); plt.show()
bench.report()

# %%
big = sizes[-1]
print(f"at B = 64: naive loop / course = {bench.ratio('naive loop', 'course cl.info_nce', size=64):.0f}")
print(f"at B = {big}: NumPy (exercise) / course = {bench.ratio('NumPy (exercise)', 'course cl.info_nce', size=big):.2f}")
if pml is not None:
    print(f"at B = 128: pytorch-metric-learning / course = "
          f"{bench.ratio('pytorch-metric-learning', 'course cl.info_nce', size=128):.1f}")
print("fitted log-log slopes (over the sizes each method ran): " +
      ", ".join(f"{m}: {bench.slope(m):.2f}" for m in bench.table().columns))

# %% [markdown]
# The loop, the exercise and the course's loss do $O(B^2d)$ arithmetic, so their slopes tend to 2
# once the sizes are large enough to hide the fixed per-call overhead (a slope below 2 means the
# overhead still dominates over the sizes timed); the printed ratios are this machine's. The naive loop pays Python's cost for every
# pair. `pytorch-metric-learning` is written for general labels (any number of positives per anchor):
# its `NTXentLoss` lists all positive pairs ($2B$) and all negative pairs ($\approx4B^2$) and compares
# them in a (positive pairs × negative pairs) matrix, $\approx8B^3$ entries — cubic time and memory
# (34 GB of float32 at $B=1024$, which is why it stops at $B=128$ above; its fitted slope shows the
# cubic growth). The vectorised loss needs one $2B\times2B$ matrix. In a
# training step the encoder, not the loss, dominates the cost: $B=256$ is far below the sizes at
# which the $B^2$ term matters, which is why SimCLR could scale its batches to 4096 on TPUs.
#
# ## 8. Explore: the temperature and the hard negatives
#
# Move $\tau$: for the held-out views embedded by the trained SimCLR model (seed 0), the left panel
# shows how each anchor's softmax weight in the denominator of (3) is shared among its negatives,
# sorted from the most similar (the hardest) to the least; the right panel the loss (3) and its
# alignment part $\mathcal L_{\text{align}}/2\tau$. A small $\tau$ puts nearly all the weight on a few
# hard negatives; a large one spreads it evenly and the loss stops telling negatives apart (Wang & Liu,
# *Understanding the Behaviour of Contrastive Loss*, CVPR 2021).

# %% tags=["nbval-ignore-output"]
TAUS = [0.05, 0.1, 0.2, 0.5, 1.0, 2.0]
zt1, zt2 = (torch.nn.functional.normalize(runs[0]["model"].embed(v[:500], projected=True), dim=1) for v in (hv1, hv2))
sims = torch.cat([zt1, zt2]) @ torch.cat([zt1, zt2]).T
nb = zt1.shape[0]
neg_mask = ~torch.eye(2 * nb, dtype=torch.bool, device=sims.device)
neg_mask[torch.arange(2 * nb), (torch.arange(2 * nb) + nb) % (2 * nb)] = False
neg = sims[neg_mask].reshape(2 * nb, -1)
curves = {t: lu.to_numpy(torch.softmax(neg / t, dim=1).sort(dim=1, descending=True).values.mean(0)) for t in TAUS}
loss_t = [float(cl.info_nce(zt1, zt2, t)) for t in TAUS]
align_t = [float(cl.alignment(zt1, zt2)) / (2 * t) for t in TAUS]


def draw(tau):
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    w = curves[tau]
    axes[0].loglog(np.arange(1, len(w) + 1), w, "C0")
    axes[0].axhline(1 / len(w), color="0.5", ls=":", label="uniform weight 1/(2B−2)")
    top = w[:10].sum()
    axes[0].set_title(f"τ = {tau}: the 10 hardest negatives carry {top:.0%} of the weight", fontsize=9)
    axes[0].set_xlabel("rank of the negative (1 = most similar)"); axes[0].set_ylabel("mean softmax weight")
    axes[0].set_ylim(1e-8, 1); axes[0].legend(fontsize=7)
    axes[1].semilogx(TAUS, loss_t, "C0o-", label="NT-Xent (3)")
    axes[1].semilogx(TAUS, align_t, "C1o-", label="alignment part L_align / 2τ")
    axes[1].axvline(tau, color="0.5", ls=":")
    axes[1].set_xlabel("τ"); axes[1].legend(fontsize=7); axes[1].set_title("the trained model was trained at τ = 0.2", fontsize=9)
    plt.tight_layout()


lu.explore(draw, tau=(TAUS, 0.2))

# %% [markdown]
# ## Summary
#
# - InfoNCE (1) is the cross-entropy of finding the positive among $N$ candidates, and
#   $\log N-\mathcal L_N$ is a lower bound on $I(X;Y)$ (2) for every critic; it can never certify more
#   than $\log N$ nats. The optimal critic is the log density ratio (exercise 15.critic).
# - SimCLR's NT-Xent (3) is InfoNCE inside a batch with the cosine similarity over a temperature as
#   the critic; it splits exactly into an alignment term and a log-sum-exp repulsion that tends to
#   Wang & Isola's uniformity (Proposition {prf:ref}`prop-15-split`). The course's vectorised loss
#   equals a naive loop and `pytorch-metric-learning` to rounding level.
# - On Fashion-MNIST at CPU scale, SimCLR's representation is compared with the raw pixels by a linear
#   probe over three seeds (numbers in section 4); the views decide what is learned (exercise 15.views).
# - SimSiam has a collapsed minimum; the stop-gradient keeps the output's spread near $1/\sqrt d$, and
#   without it the spread falls towards 0.
# - Even without complete collapse, contrastive embeddings use few of their dimensions: the effective
#   rank (8) of the projection is a fraction of its size (dimensional collapse).
#
# **Further reading.** Tian et al., *What Makes for Good Views for Contrastive Learning?* (NeurIPS
# 2020); Saunshi et al., *Understanding Contrastive Learning Requires Incorporating Inductive Biases*
# (ICML 2022); Grill et al., *Bootstrap Your Own Latent* (BYOL, NeurIPS 2020); Zbontar et al., *Barlow
# Twins* (ICML 2021) and Bardes et al., *VICReg* (ICLR 2022), which fight dimensional collapse with an
# explicit decorrelation term.
