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
# # 21 · Superposition, sparse autoencoders and neural collapse
#
# **What you will learn**
# - why a network can store more features than it has dimensions — *superposition* — in Elhage et al.'s
#   toy model $x'=\mathrm{ReLU}(W^\top Wx+b)$: the phase diagram of two features in one dimension, derived in
#   closed form and reproduced by training, and the geometry (antipodal pairs, pentagons) of five features
#   in two dimensions as the features get sparser;
# - sparse autoencoders (SAEs) with an L1 penalty or a TopK activation, which take features back out of
#   superposition: on the toy model, where the true features are known, and on the hidden layer of a
#   Fashion-MNIST network (reconstruction against L0, dead latents, and resampling them);
# - linear and $k$-sparse probes ("finding neurons in a haystack");
# - neural collapse: the four measures NC1–NC4 of Papyan, Han and Donoho, the simplex equiangular tight
#   frame (ETF) they converge to, and what a small network trained past zero training error shows.
#
# **Prerequisites**: [lesson 03](03_sparse_coding.ipynb) (sparse codes, dictionaries),
# [lesson 08](08_autoencoders.ipynb) (autoencoders), [lesson 15](15_contrastive_learning.ipynb) (linear
# probes, `contrastive.linear_probe`), [lesson 20](20_comparing_representations.ipynb) (what a
# representation of a trained network looks like).
#
# **Papers**
# - N. Elhage et al., *Toy Models of Superposition*, Transformer Circuits Thread 2022.
# - L. Gao et al., *Scaling and evaluating sparse autoencoders*, 2024 — TopK SAEs, dead latents.
# - T. Bricken et al., *Towards Monosemanticity*, Transformer Circuits Thread 2023 — L1 SAEs, resampling.
# - Y. Li, E. J. Michaud, D. D. Baek, J. Engels, X. Sun, M. Tegmark, *The Geometry of Concepts: Sparse
#   Autoencoder Feature Structure*, 2024.
# - W. Gurnee, N. Nanda, M. Pauly, K. Harvey, D. Troitskii, D. Bertsimas, *Finding Neurons in a Haystack:
#   Case Studies with Sparse Probing*, TMLR 2023.
# - J. Engels, E. J. Michaud, I. Liao, W. Gurnee, M. Tegmark, *Not All Language Model Features Are
#   (One-Dimensionally) Linear*, 2024.
# - V. Papyan, X. Y. Han, D. L. Donoho, *Prevalence of neural collapse during the terminal phase of deep
#   learning training*, PNAS 2020.
# - T. Galanti, A. György, M. Hutter, *On the Role of Neural Collapse in Transfer Learning*, ICLR 2022.
# - T. Tirer, H. Huang, J. Niles-Weed, *Perturbation Analysis of Neural Collapse*, ICML 2023.

# %%
import lowdim_utils as lu  # first: it sets OMP_WAIT_POLICY before torch loads (steadier threads)
import matplotlib.pyplot as plt
import numpy as np
import torch
from torch import nn

from lowdim_utils import collapse as nc
from lowdim_utils import superposition as sp
from lowdim_utils import training
from lowdim_utils.data import load

device, SCALE, gen = lu.setup(seed=0)  # SCALE: "small" on a CPU by default; LOWDIM_SCALE=full for GPU-sized runs
FULL = SCALE == "full"

try:                                    # the oracle of the linear probe; scikit-learn comes with the course
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler
except ImportError:
    LogisticRegression = None
    print("scikit-learn is not installed: the comparison with it is skipped.")

# %% [markdown]
# ## 1. Motivation: one neuron, several classes
#
# Train a small MLP $784\to64\to10$ on 10 000 Fashion-MNIST images (three seeds) and look at its 64 hidden
# ReLU units. If each unit stood for one thing, each would respond to one class. For every unit, take its
# mean activation on each class and count the classes on which it reaches at least half of its largest
# class mean:

# %%
tr, te = load("fashion_mnist", split="train", normalize=True), load("fashion_mnist", split="test", normalize=True)
Xtr, ytr = torch.from_numpy(tr.X).to(device), torch.from_numpy(tr.y).to(device)
Xte, yte = torch.from_numpy(te.X).to(device), torch.from_numpy(te.y).to(device)
SEEDS = [0, 1, 2] if not FULL else [0, 1, 2, 3, 4]
HID = 64


def make_mlp(seed):
    torch.manual_seed(100 + seed)
    return nn.Sequential(nn.Linear(784, HID), nn.ReLU(), nn.Linear(HID, 10)).to(device)


mlps = []
for seed in SEEDS:
    net = make_mlp(seed)
    training.fit(net, training.cross_entropy, (Xtr, ytr), epochs=5, batch_size=128, lr=1e-3, generator=seed,
                 progress=False)
    mlps.append(net)
with torch.no_grad():
    A_tr = torch.stack([m[:2](Xtr) for m in mlps], 1)            # (10000, seeds, 64): hidden activations
    A_te = torch.stack([m[:2](Xte) for m in mlps], 1)
mlp_acc = np.array([training.accuracy(m, Xte, yte) for m in mlps])
profile = torch.stack([A_tr[ytr == c].mean(0) for c in range(10)])   # (10, seeds, 64) class means per unit
n_classes = (profile >= 0.5 * profile.max(0).values).sum(0).float()  # classes per unit, (seeds, 64)
alive = profile.max(0).values > 1e-6

fig, axes = plt.subplots(1, 2, figsize=(10, 3.3))
order = torch.argsort(n_classes[0])
axes[0].imshow(lu.to_numpy(profile[:, 0, order] / profile[:, 0, order].max(0).values.clamp_min(1e-9)), aspect="auto",
               cmap="viridis")
axes[0].set_yticks(range(10), tr.class_names, fontsize=7); axes[0].set_xlabel("hidden unit (seed 0, sorted)")
axes[0].set_title("mean activation per class / the unit's largest")
axes[1].hist([lu.to_numpy(n_classes[s][alive[s]]) for s in range(len(SEEDS))], bins=np.arange(0.5, 11), 
             label=[f"seed {s}" for s in SEEDS])
axes[1].set_xlabel("classes with mean ≥ half the unit's largest"); axes[1].set_ylabel("units"); axes[1].legend()
plt.tight_layout(); plt.show()

# %% tags=["nbval-check-output"]
poly = np.array([float((n_classes[s][alive[s]] >= 2).float().mean()) for s in range(len(SEEDS))])
print(f"test accuracy {mlp_acc.mean():.3f} ± {mlp_acc.std(ddof=1):.3f} ({len(SEEDS)} seeds)")
print(f"units responding to >= 2 classes: {poly.mean():.0%} ± {poly.std(ddof=1):.0%}; "
      f"mean classes per unit {float(n_classes[alive].mean()):.1f} (of 10)")

# %% [markdown]
# Almost every live unit reaches half its peak response on two classes or more (97 % ± 4 % of the units
# over the seeds, 4.6 classes on average): the units are *polysemantic*. This alone does not prove
# superposition — 64 units could hold 10 class directions in a rotated basis — but it shows that the neuron
# basis is not the basis in which the network's features live. The rest of the lesson asks where such
# features come from (toy models), how to find them (sparse autoencoders), how to read them (probes), and what
# the last layer converges to when training goes on (neural collapse).
#
# ## 2. Derivation
#
# **The toy model.** $n$ features $x\in\mathbb R^n$, each absent with probability $S$ (the *sparsity*) and
# otherwise uniform on $[0,1]$, independently:
#
# \begin{equation*}
# x_i=\begin{cases}0&\text{with probability }S,\\ u_i\sim U[0,1]&\text{with probability }1-S,\end{cases}\qquad
# p=1-S\ \text{(the density)}.\tag{1}
# \end{equation*}
#
# They are embedded in $m<n$ dimensions by $W\in\mathbb R^{m\times n}$ (column $W_i$ is feature $i$'s
# direction) and read back with the transpose, a bias and a ReLU:
#
# \begin{equation*}
# h=Wx\in\mathbb R^m,\qquad x'=\mathrm{ReLU}(W^\top h+b)=\mathrm{ReLU}(W^\top Wx+b),\tag{2}
# \end{equation*}
#
# trained to minimise the importance-weighted error
#
# \begin{equation*}
# \mathcal L(W,b)=\mathbb E_x\sum_{i=1}^n I_i\,(x_i-x'_i)^2 .\tag{3}
# \end{equation*}
#
# Without the ReLU the model is linear, and its best $W^\top W$ is a rank-$m$ projection onto the $m$ most
# important features (lesson 01's Eckart–Young): no superposition. The ReLU changes the bargain: a
# negative interference can be cut off. With two features and one dimension, three candidates compete.
#
# :::{prf:proposition} Two features in one dimension
# :label: prop-21-two-features
# Let $n=2$, $m=1$, $I=(1,r)$ and density $p=1-S$. The configurations
# (A) $W=(1,0)$, $b=(0,\tfrac p2)$: feature 2 not represented; (B) $W=(0,1)$, $b=(\tfrac p2,0)$: feature 2
# gets the dimension, feature 1 is dropped; (C) $W=(1,-1)$, $b=0$: both in superposition, as an antipodal
# pair — have the losses
#
# \begin{equation*}
# \mathcal L_A=r\Big(\frac p3-\frac{p^2}4\Big),\qquad \mathcal L_B=\frac p3-\frac{p^2}4,\qquad
# \mathcal L_C=(1+r)\,\frac{p^2}{6}.\tag{4}
# \end{equation*}
#
# Hence superposition (C) beats both others exactly when
#
# \begin{equation*}
# p<\min\Big(\frac{4r}{2+5r},\ \frac{4}{5+2r}\Big),\tag{5}
# \end{equation*}
#
# and otherwise the more important feature keeps the dimension (A if $r<1$, B if $r>1$).
# :::
#
# :::{prf:proof}
# (A) $x'_1=\mathrm{ReLU}(x_1)=x_1$ exactly; $x'_2=\mathrm{ReLU}(b_2)$ is a constant, best at the mean
# $\mathbb E x_2=p/2$, leaving $r\operatorname{Var}x_2=r(\mathbb E x_2^2-(\mathbb E x_2)^2)=r(p/3-p^2/4)$. (B) is (A)
# with the roles swapped. (C) $x'_1=\mathrm{ReLU}(x_1-x_2)$. If only $x_1$ is active, $x'_1=x_1$ and $x'_2=
# \mathrm{ReLU}(-x_1)=0$: no error — the ReLU removes the negative interference. If both are active (probability
# $p^2$) and, say, $x_1>x_2$, then $x'_1=x_1-x_2$ misses by $x_2$ and $x'_2=0$ misses by $x_2$: each feature is
# off by $\min(x_1,x_2)$, and $\mathbb E\min(u_1,u_2)^2=\int_0^1 t^2\cdot2(1-t)\,dt=\tfrac16$. So
# $\mathcal L_C=p^2(1+r)/6$. Comparing, $\mathcal L_C<\mathcal L_A\iff p\big(\tfrac{1+r}6+\tfrac r4\big)<\tfrac r3\iff
# p<\tfrac{4r}{2+5r}$, and likewise against B. $\square$
# :::
#
# Dropping a feature costs order $p$, interference order $p^2$: for sparse enough features superposition
# always wins. (A, B, C are candidates, not proven optima; training may find better ones, which can only
# move the boundary towards superposition.)
#
# **How many dimensions does a feature get?** Elhage et al.'s *feature dimensionality*
#
# \begin{equation*}
# D_i=\frac{\|W_i\|^2}{\sum_{j}(\hat W_i\cdot W_j)^2},\qquad \hat W_i=W_i/\|W_i\|,\tag{6}
# \end{equation*}
#
# is 1 for a feature with a dimension of its own, $\tfrac12$ for each member of an antipodal pair, $\tfrac25$ for
# each vertex of a regular pentagon in a plane ($\sum_j\cos^2(2\pi j/5)=5/2$), 0 for a feature left out.
#
# **Sparse autoencoders.** Given activations $h\in\mathbb R^d$ in which features are superposed, an SAE
# learns an overcomplete dictionary $D\in\mathbb R^{d\times L}$ ($L>d$, unit-norm columns) and sparse codes
# $z\in\mathbb R^L_{\ge0}$. With an L1 penalty (Bricken et al. 2023):
#
# \begin{equation*}
# z=\mathrm{ReLU}\big(W_{\rm enc}(h-b_{\rm dec})+b_{\rm enc}\big),\quad \hat h=Dz+b_{\rm dec},\quad
# \mathcal L=\|h-\hat h\|^2+\lambda\|z\|_1 ;\tag{7}
# \end{equation*}
#
# with TopK (Gao et al. 2024) the sparsity is the activation itself — no penalty, an exact L0 of $k$:
#
# \begin{equation*}
# z=\mathrm{ReLU}\big(\mathrm{TopK}(W_{\rm enc}(h-b_{\rm dec})+b_{\rm enc})\big),\qquad \mathcal L=\|h-\hat h\|^2 .\tag{8}
# \end{equation*}
#
# The L1 penalty also shrinks the active codes (lesson 03's soft thresholding); TopK does not. A latent
# that never fires gets no gradient through the ReLU and stays *dead*. When the true features $f_1,\dots,f_n$
# are known, the *mean max cosine similarity* measures recovery:
#
# \begin{equation*}
# \mathrm{MMCS}=\frac1n\sum_{i=1}^n\max_{l}\frac{f_i^\top D_l}{\|f_i\|\,\|D_l\|}.\tag{9}
# \end{equation*}
#
# **Neural collapse.** Penultimate features $h_{i}$ of $N$ training examples in $K$ balanced classes, class
# means $\mu_k$, their mean $\mu_G$, centred means $M=[\mu_1-\mu_G,\dots,\mu_K-\mu_G]\in\mathbb R^{d\times K}$, and
#
# \begin{equation*}
# \Sigma_W=\frac1N\sum_i(h_i-\mu_{y_i})(h_i-\mu_{y_i})^\top,\qquad \Sigma_B=\frac1K MM^\top,\qquad
# \mathrm{NC1}=\frac1K\operatorname{tr}\big(\Sigma_W\Sigma_B^{+}\big).\tag{10}
# \end{equation*}
#
# Papyan et al. observed that, trained past zero training error, the class means approach a *simplex ETF*:
# $K$ equal-norm vectors with the Gram matrix (after normalisation)
#
# \begin{equation*}
# G_{\rm ETF}=\frac{K}{K-1}\Big(I_K-\frac1K\mathbf 1\mathbf 1^\top\Big):\quad \|v_k\|=1,\quad
# v_k^\top v_l=-\frac1{K-1}\ (k\ne l),\tag{11}
# \end{equation*}
#
# the most spread-out configuration of $K$ unit vectors (their sum is 0, so $\sum_{k\ne l}v_k^\top v_l=-K$ is
# the least possible). The four collapses: NC1 $\to0$ (within-class variability vanishes); NC2, the class
# means form an ETF; NC3, the classifier rows $w_k$ align with the means; NC4, the classifier becomes the
# nearest-class-mean rule. We measure
#
# \begin{equation*}
# \mathrm{NC2}=\Big\|\tfrac{M^\top M}{\|M^\top M\|_F}-\tfrac{G_{\rm ETF}}{\|G_{\rm ETF}\|_F}\Big\|_F,\quad
# \mathrm{NC3}=\Big\|\tfrac{W^\top}{\|W\|_F}-\tfrac{M}{\|M\|_F}\Big\|_F^2,\quad
# \mathrm{NC4}=\frac1N\#\big\{i:\arg\max_k(w_k^\top h_i+b_k)\ne\arg\min_k\|h_i-\mu_k\|\big\}.\tag{12}
# \end{equation*}
#
# :::{prf:proposition} NC1 of a noisy simplex
# :label: prop-21-nc1-noise
# If the class means are a simplex ETF of norm $\rho$ and the within-class scatter is isotropic,
# $\Sigma_W=\sigma^2I_d$, then
#
# \begin{equation*}
# \mathrm{NC1}=\frac{\sigma^2(K-1)^2}{K\rho^2}.\tag{13}
# \end{equation*}
# :::
#
# :::{prf:proof}
# $M=\rho V$ with $V^\top V=G_{\rm ETF}$, whose eigenvalues are $K/(K-1)$ ($K-1$ times, on $\mathbf 1^\perp$) and 0.
# $MM^\top$ has the same non-zero eigenvalues as $M^\top M$, so $\Sigma_B$ has $K-1$ eigenvalues $\rho^2/(K-1)$ and
# $\Sigma_B^+$ has $K-1$ eigenvalues $(K-1)/\rho^2$. Then $\operatorname{tr}(\sigma^2\Sigma_B^+)=\sigma^2(K-1)^2/\rho^2$;
# divide by $K$. $\square$
# :::
#
# So NC1 is a signal-to-noise ratio of the class structure; an exact ETF with no within-class scatter has
# NC1 = NC2 = NC3 = NC4 = 0. Tirer et al. study the perturbed regime — features that cannot collapse
# exactly — and how far from the ETF the optimum then lies; the proposition is its simplest instance.

# %% [markdown]
# ## 3. The phase diagram of two features in one dimension
#
# A grid of relative importances $r$ (feature 2's, feature 1 has 1) and densities $p$, three restarts per
# cell; all models are trained at once, as one batch of independent models (`superposition.train_toy_models`:
# `W` is `(M, m, n)`), and each cell keeps its restart with the lowest loss. A feature is *represented* when
# $\|W_i\|>0.5$. Background: the phase that the proposition's closed forms (4) predict; dots: what training found.

# %%
G_PH, RESTARTS = (7, 3) if not FULL else (15, 4)
dens_ph = np.logspace(-1.5, 0, G_PH)
rel_ph = np.logspace(-1, 1, G_PH)
Dg, Rg = np.meshgrid(dens_ph, rel_ph, indexing="ij")
S_ph = torch.tensor(np.repeat(1 - Dg.ravel(), RESTARTS), dtype=torch.float32)
r_ph = torch.tensor(np.repeat(Rg.ravel(), RESTARTS), dtype=torch.float32)
toy_ph, loss_ph = sp.train_toy_models(2, 1, S_ph, torch.stack([torch.ones_like(r_ph), r_ph], 1), steps=1500,
                                      batch_size=512, lr=1e-2, n_samples=2 ** 15, generator=gen, device=device)
loss_ph = lu.to_numpy(loss_ph).reshape(G_PH, G_PH, RESTARTS)
best = loss_ph.argmin(-1)
norms_ph = lu.to_numpy(sp.feature_norms(toy_ph.W)).reshape(G_PH, G_PH, RESTARTS, 2)
norms_ph = np.take_along_axis(norms_ph, best[..., None, None], 2)[:, :, 0]
rep = norms_ph > 0.5
trained_phase = np.select([rep[..., 0] & rep[..., 1], rep[..., 1], rep[..., 0]], [2, 1, 0], -1)


def closed_form_losses(p, r):
    """Eq. (4): losses of configurations A, B, C."""
    return np.stack([r * (p / 3 - p ** 2 / 4), p / 3 - p ** 2 / 4, (1 + r) * p ** 2 / 6])


L_cf = closed_form_losses(Dg, Rg)
pred_phase = L_cf.argmin(0)
names_ph = ["feature 2 not represented", "feature 2 dedicated", "superposition"]
fig, ax = plt.subplots(figsize=(6.4, 4))
rr, pp = np.meshgrid(np.logspace(-1, 1, 200), np.logspace(-1.5, 0, 200))
ax.contourf(rr, pp, closed_form_losses(pp, rr).argmin(0), levels=[-0.5, 0.5, 1.5, 2.5],
            colors=["#fde0c5", "#c6dbef", "#d9f0d3"])
for ph, c in zip(range(3), ["C1", "C0", "C2"]):
    sel = trained_phase == ph
    ax.scatter(Rg[sel], Dg[sel], color=c, edgecolor="k", s=45, label=f"trained: {names_ph[ph]}")
rline = np.logspace(-1, 1, 200)
ax.plot(rline, np.minimum(4 * rline / (2 + 5 * rline), 4 / (5 + 2 * rline)), "k--", lw=1, label="boundary (5)")
ax.set_xscale("log"); ax.set_yscale("log")
ax.set_xlabel("relative importance r of feature 2"); ax.set_ylabel("feature density p = 1 − S")
ax.set_title("n = 2 features, m = 1 dimension"); ax.legend(fontsize=7, loc="lower right")
plt.tight_layout(); plt.show()

# %% tags=["nbval-check-output"]
agree = int((trained_phase == pred_phase).sum())
ratio = loss_ph.min(-1) / L_cf.min(0)
print(f"cells where training lands in the phase the closed forms predict: {agree}/{G_PH * G_PH}")
print(f"best trained loss / best closed-form loss (4): median {np.median(ratio):.2f}, "
      f"cells above 1.1: {int((ratio > 1.1).sum())}/{G_PH * G_PH}")

# %% [markdown]
# Training lands in the phase the closed forms predict in 45 of the 49 cells; the misses sit next to the
# boundary (5), where two phases' losses differ by less than the training noise. The best trained loss is
# never more than 10 % above the best of the three candidates (median ratio 0.99); below 1 where training found
# a better configuration than A, B or C — for $r\ne1$ an antipodal pair with unequal norms does better
# (exercise 21.antipodal). Elhage et al. show the same three phases for $n=2$, $m=1$ from trained models (a
# figure; we do not quote its boundary); we get them, with the boundary derived in closed form; the remaining
# differences are at the boundary and come from the candidates not being the exact optima and from training
# noise at low density.
#
# ## 4. The geometry: five features in two dimensions
#
# Now $n=5$ features of equal importance in $m=2$ dimensions, at densities from 1 to 0.02, three seeds
# each, one batch of models. The columns of $W$ are drawn as arrows in the plane.

# %%
dens_geo = np.array([1.0, 0.5, 0.3, 0.2, 0.1, 0.05, 0.02])
n_geo = len(dens_geo)
S_geo = torch.tensor(np.tile(1 - dens_geo, len(SEEDS)), dtype=torch.float32)
toy_geo, _ = sp.train_toy_models(5, 2, S_geo, steps=2000, batch_size=512, lr=1e-2, generator=gen, device=device)
W_geo = toy_geo.W.detach().cpu().reshape(len(SEEDS), n_geo, 2, 5)
n_rep = (sp.feature_norms(W_geo) > 0.5).sum(-1).numpy()                       # (seeds, densities)
dims = lu.to_numpy(sp.feature_dimensionality(W_geo))                          # (seeds, densities, 5)
dim_per_feature = 2 / lu.to_numpy(W_geo.square().sum((-1, -2)))              # m / ||W||_F^2


def draw_W(ax, W, title):
    W = lu.to_numpy(W)
    for i in range(W.shape[1]):
        ax.annotate("", xy=W[:, i], xytext=(0, 0), arrowprops=dict(arrowstyle="->", color=f"C{i}", lw=2))
    ax.add_patch(plt.Circle((0, 0), 1, fill=False, ls=":", color="grey"))
    ax.set_xlim(-1.3, 1.3); ax.set_ylim(-1.3, 1.3); ax.set_aspect("equal"); ax.set_xticks([]); ax.set_yticks([])
    ax.set_title(title, fontsize=8)


fig, axes = plt.subplots(1, n_geo, figsize=(13, 2.3))
for j, ax in enumerate(axes):
    draw_W(ax, W_geo[0, j], f"p = {dens_geo[j]:g}: {n_rep[0, j]} features")
plt.suptitle("columns of W (seed 0): five features in two dimensions as the density p falls", fontsize=9)
plt.tight_layout(); plt.show()

# %% tags=["nbval-check-output"]
print("density p:                          " + "  ".join(f"{p:5g}" for p in dens_geo))
print("represented features (mean, 3 seeds):" + "  ".join(f"{v:5.1f}" for v in n_rep.mean(0)))
print("dimensions per feature m/||W||_F^2:  " + "  ".join(f"{v:5.2f}" for v in dim_per_feature.mean(0)))
sparse_end = dims[:, dens_geo <= 0.1]
print(f"p <= 0.1: feature dimensionality (6) {sparse_end.mean():.3f} ± {sparse_end.std():.3f} over "
      f"{sparse_end.size} features; a pentagon gives 2/5 = 0.400")

# %% [markdown]
# With dense features the model keeps three features at partial length ($\|W\|_F^2\approx2$, i.e. the plane's
# two dimensions' worth of norm: $m/\|W\|_F^2=0.99$), not a clean orthogonal pair; as $p$ falls it represents four (two antipodal pairs, dimensionality 1/2) and, from
# $p=0.1$ on, all five, each with dimensionality $0.400\pm0.008$ — the regular pentagon, in every seed. Elhage
# et al. report this sequence for five features in two dimensions (qualitatively: few orthogonal features,
# then antipodal pairs, then a pentagon as sparsity grows; their figure's densities are not re-checked); we get
# the same sequence in three seeds; where exactly the transitions fall depends on the importances and the
# training budget, which differ between their runs and ours.
#
# ## 5. Sparse autoencoders recover the toy model's features
#
# A toy model with $n=32$ features in $m=8$ dimensions at density $p=0.05$ (three seeds) superposes its
# features; its hidden activations $h=Wx$ are what an SAE sees, and the represented columns of $W$ are the
# ground truth. We train SAEs with $L=64$ latents on 8 192 such activations, TopK with $k=2$ and L1 with
# $\lambda=0.3$, and score the decoder by MMCS (9) and the reconstruction on fresh activations.

# %%
N_T, M_T, P_T = 32, 8, 0.05
S_t = torch.full((len(SEEDS),), 1 - P_T)
toy_t, _ = sp.train_toy_models(N_T, M_T, S_t, steps=2000, batch_size=512, lr=1e-2, generator=gen, device=device)
with torch.no_grad():
    H_t = toy_t.hidden(sp.sparse_features(8192, S_t, N_T, generator=gen, device=device))       # (8192, seeds, 8)
    H_t_test = toy_t.hidden(sp.sparse_features(4096, S_t, N_T, generator=gen, device=device))
W_t = toy_t.W.detach()
represented = sp.feature_norms(W_t) > 0.5                                     # (seeds, 32)
sae_toy = {"TopK, k = 2": sp.train_sae(H_t, 64, kind="topk", k=2, steps=1500, lr=3e-3, generator=gen),
           "L1, λ = 0.3": sp.train_sae(H_t, 64, kind="l1", l1=0.3, steps=1500, lr=3e-3, generator=gen)}
toy_rec = {}
for name, sae in sae_toy.items():
    st = sp.sae_stats(sae, H_t_test)
    mm = np.array([float(sp.max_cosine_similarity(sae.decoder()[s], W_t[s][:, represented[s]]))
                   for s in range(len(SEEDS))])
    rnd = np.array([float(sp.max_cosine_similarity(torch.randn(M_T, 64, generator=gen), W_t[s][:, represented[s]].cpu()))
                    for s in range(len(SEEDS))])
    toy_rec[name] = dict(mmcs=mm, random=rnd, nmse=lu.to_numpy(st["nmse"]), l0=lu.to_numpy(st["l0"]))

fig, axes = plt.subplots(1, 2, figsize=(9, 3.2))
C = lu.to_numpy((W_t[0] / W_t[0].norm(dim=0)).T @ sae_toy["TopK, k = 2"].decoder()[0].detach())
best_l = np.argmax(C, 1)
axes[0].imshow(C[:, best_l], cmap="RdBu_r", vmin=-1, vmax=1)
axes[0].set_xlabel("SAE latent (matched to each feature)"); axes[0].set_ylabel("true feature")
axes[0].set_title("cosines, TopK SAE, seed 0")
axes[1].hist(C.max(1), bins=np.linspace(0.5, 1, 26))
axes[1].set_xlabel("max cosine of a true feature with any latent"); axes[1].set_ylabel("features")
plt.tight_layout(); plt.show()

# %% tags=["nbval-check-output"]
print(f"toy model: {int(represented.sum())}/{represented.numel()} features represented (||W_i|| > 0.5) over "
      f"{len(SEEDS)} seeds; true L0 of the data {N_T * P_T:.1f} features per input")
for name, v in toy_rec.items():
    print(f"  {name}: MMCS {v['mmcs'].mean():.3f} ± {v['mmcs'].std(ddof=1):.3f} (random directions "
          f"{v['random'].mean():.2f}); normalised MSE {v['nmse'].mean():.3f}; L0 {v['l0'].mean():.2f}")

# %% [markdown]
# TopK with $k=2$ recovers every one of the 32 features almost exactly (MMCS 0.999 ± 0.000, where random
# directions score 0.74), with an L0 of 1.68 against the data's true 1.6. The L1 SAE recovers less (0.931 ±
# 0.021) at a higher L0 (5.14) and reconstructs worse (normalised MSE 0.158 against 0.094): the penalty that
# makes codes sparse also shrinks the active ones, and small spurious activations are cheap. Gao et al. report
# that TopK gives a better reconstruction–sparsity trade-off than ReLU + L1 SAEs on language-model activations
# (qualitative here; their numbers are not quoted); on the toy model, where the truth is known, we get the same
# ordering at these two settings (one $\lambda$ only — a swept $\lambda$ is section 6's business); the
# difference in setting is that ours are synthetic features with exactly known directions.
#
# ## 6. SAEs on a network's activations: the reconstruction–sparsity frontier and dead latents
#
# Back to the 64-unit hidden layer of section 1. For each seed's MLP we train SAEs with $L=256$ latents
# (4× the width) on its 10 000 training activations: TopK at $k\in\{4,8,16\}$ and L1 at three values of
# $\lambda$, all as one batch of models per kind. We report the normalised MSE
# $\|h-\hat h\|^2/\|h-\bar h\|^2$ and L0 on the 2 000 test images, and count the *dead* latents — never
# active on any of the 10 000 training activations.

# %%
L_SAE = 256 if not FULL else 1024
STEPS_SAE = 600 if not FULL else 3000
K_LIST = [4, 8, 16]
L1_LIST = [0.5, 1.5, 4.0]
ns = len(SEEDS)
cols = [s for _ in K_LIST for s in range(ns)]                     # model j trains on seed cols[j]'s activations
sae_topk = sp.train_sae(A_tr[:, cols], L_SAE, kind="topk", k=[k for k in K_LIST for _ in range(ns)],
                        steps=STEPS_SAE, lr=1e-3, generator=gen, progress=True)
sae_l1 = sp.train_sae(A_tr[:, cols], L_SAE, kind="l1", l1=[v for v in L1_LIST for _ in range(ns)],
                      steps=STEPS_SAE, lr=1e-3, generator=gen, progress=True)
front = {}
for name, sae in (("TopK", sae_topk), ("L1", sae_l1)):
    te_st, tr_st = sp.sae_stats(sae, A_te[:, cols]), sp.sae_stats(sae, A_tr[:, cols])
    front[name] = {key: lu.to_numpy(v).reshape(len(K_LIST), ns) for key, v in
                   (("nmse", te_st["nmse"]), ("l0", te_st["l0"]), ("dead", tr_st["dead"]))}

# %% [markdown]
# Dead latents pile up at small $k$. The classic fix (Bricken et al. 2023) is to *resample* them: every two
# passes over the data during the first three quarters of training, each latent that has not fired for half
# a pass is pointed at an input that the SAE reconstructs badly (drawn with probability proportional to its
# squared error), with an encoder norm like the live latents'. Gao et al. instead add an auxiliary loss
# (AuxK) that makes the dead latents model the residual; we use resampling here.

# %%
sae_fix = sp.train_sae(A_tr, L_SAE, kind="topk", k=K_LIST[0], steps=STEPS_SAE, lr=1e-3, resample_every=2,
                       dead_after=5000, generator=gen, progress=True)
fix_te, fix_tr = sp.sae_stats(sae_fix, A_te), sp.sae_stats(sae_fix, A_tr)
fix = {"nmse": lu.to_numpy(fix_te["nmse"]), "dead": lu.to_numpy(fix_tr["dead"])}

fig, axes = plt.subplots(1, 2, figsize=(10, 3.4))
for name, mk in (("TopK", "o-"), ("L1", "s-")):
    f = front[name]
    axes[0].errorbar(f["l0"].mean(1), f["nmse"].mean(1), yerr=f["nmse"].std(1, ddof=1), fmt=mk, capsize=3, label=name)
axes[0].errorbar([K_LIST[0]], [fix["nmse"].mean()], yerr=[fix["nmse"].std(ddof=1)], fmt="^", color="C2", capsize=3,
                 label=f"TopK k={K_LIST[0]} + resampling")
axes[0].set_xscale("log"); axes[0].set_yscale("log"); axes[0].set_xlabel("L0 (active latents per test input)")
axes[0].set_ylabel("normalised MSE (test)"); axes[0].legend(fontsize=8); axes[0].set_title("reconstruction vs sparsity")
x_pos = np.arange(len(K_LIST))
axes[1].bar(x_pos - 0.2, front["TopK"]["dead"].mean(1), 0.4, yerr=front["TopK"]["dead"].std(1, ddof=1), capsize=3,
            label="TopK")
axes[1].bar([-0.2 + 0.4], [fix["dead"].mean()], 0.4, yerr=[fix["dead"].std(ddof=1)], capsize=3, color="C2",
            label="TopK + resampling")
axes[1].set_xticks(x_pos, [f"k = {k}" for k in K_LIST]); axes[1].set_ylabel(f"dead latents (of {L_SAE})")
axes[1].legend(fontsize=8); axes[1].set_title("latents never active on the training set")
plt.tight_layout(); plt.show()

# %%
print(f"{ns} seeds, mean ± s.d.; L = {L_SAE} latents on {HID}-dim activations (unchecked: dead counts move between CPUs)")
for name, f in front.items():
    for j, lab in enumerate(K_LIST if name == "TopK" else L1_LIST):
        print(f"  {name:4s} {'k' if name == 'TopK' else 'λ'} = {lab:<4g} L0 {f['l0'][j].mean():6.1f}   "
              f"normalised MSE {f['nmse'][j].mean():.4f} ± {f['nmse'][j].std(ddof=1):.4f}   "
              f"dead {f['dead'][j].mean():5.1f} ± {f['dead'][j].std(ddof=1):.1f}")
print(f"  TopK k = {K_LIST[0]} + resampling: normalised MSE {fix['nmse'].mean():.4f} ± {fix['nmse'].std(ddof=1):.4f}   "
      f"dead {fix['dead'].mean():5.1f} ± {fix['dead'].std(ddof=1):.1f}")

# %% tags=["nbval-check-output"]
t8, l4 = front["TopK"]["nmse"][1], front["L1"]["nmse"][2]
t16, l15 = front["TopK"]["nmse"][2], front["L1"]["nmse"][1]
print(f"TopK k = 8 (L0 8) vs L1 λ = 4 (L0 {front['L1']['l0'][2].mean():.0f}): L1's MSE / TopK's {np.mean(l4 / t8):.1f}; "
      f"TopK lower in {int((t8 < l4).sum())}/{ns} seeds")
print(f"TopK k = 16 (L0 16) vs L1 λ = 1.5 (L0 {front['L1']['l0'][1].mean():.0f}): L1's MSE / TopK's {np.mean(l15 / t16):.1f}; "
      f"TopK lower in {int((t16 < l15).sum())}/{ns} seeds")
print(f"dead latents at k = {K_LIST[0]}: {front['TopK']['dead'][0].mean():.0f} of {L_SAE} without resampling, "
      f"{fix['dead'].mean():.0f} with; fewer by more than half in "
      f"{int((fix['dead'] < 0.5 * front['TopK']['dead'][0]).sum())}/{ns} seeds")

# %% [markdown]
# At every L0 we tried, TopK reconstructs better than L1: at L0 ≈ 8–10, normalised MSE 0.024 (TopK, $k=8$)
# against 0.099 (L1, L0 10.2); at L0 ≈ 16–22, 0.0145 against 0.039 — far outside the seeds' spreads. L1 SAEs
# here have almost no dead latents; TopK at $k=4$ leaves 144 ± 15 of 256 latents dead, at $k=16$ only 6.
# Resampling cuts the dead latents at $k=4$ to 12 ± 2, at a small cost in reconstruction (0.0501 against
# 0.0450), because the revived latents had less training. Gao et al. report that TopK improves the MSE–L0
# frontier over ReLU SAEs and that, at their scale, dead latents are a major problem that tied initialisation
# plus AuxK reduce to a small fraction (qualitative; numbers not quoted); we get TopK ahead at every L0 (3
# seeds), many dead latents at small $k$, and a fix by resampling; the differences come from size (256 latents
# on a 64-unit layer, 600 steps, against millions of latents) and from the fix (resampling, not AuxK).
#
# ## 7. Linear and sparse probes
#
# A *probe* asks whether a property can be read from a representation. The dense linear probe (lesson 15's
# `contrastive.linear_probe`: standardised features, softmax regression) is checked against scikit-learn's
# `LogisticRegression` on the same features. Gurnee et al.'s *$k$-sparse probe* asks how few neurons suffice:
# rank the units by the difference of their means between the two classes of a binary task, then train a
# probe on the top $k$. Two tasks of seed 0's hidden layer: *trouser vs dress* (classes 1, 3) and the
# harder *shirt vs T-shirt* (6, 0).

# %%
probe_ours = np.array([nc.linear_probe(A_tr[:, s], ytr, A_te[:, s], yte, steps=300) for s in range(ns)])
probe_sk = np.full(ns, np.nan)
if LogisticRegression is not None:
    for s in range(ns):
        a_tr, a_te = lu.to_numpy(A_tr[:, s]), lu.to_numpy(A_te[:, s])
        sc = StandardScaler().fit(a_tr)
        clf = LogisticRegression(max_iter=2000, C=1.0).fit(sc.transform(a_tr), lu.to_numpy(ytr))
        probe_sk[s] = clf.score(sc.transform(a_te), lu.to_numpy(yte))

K_PROBE = [1, 2, 4, 8, 16, 64]
tasks = {"trouser vs dress": (1, 3), "shirt vs T-shirt": (6, 0)}
sparse_acc = {}
for tname, (c1, c0) in tasks.items():
    acc = np.zeros((ns, len(K_PROBE)))
    for s in range(ns):
        mtr, mte = (ytr == c1) | (ytr == c0), (yte == c1) | (yte == c0)
        for j, k in enumerate(K_PROBE):
            acc[s, j] = nc.sparse_probe(A_tr[mtr, s], (ytr[mtr] == c1).long(), A_te[mte, s], (yte[mte] == c1).long(), k)
    sparse_acc[tname] = acc

fig, ax = plt.subplots(figsize=(5.6, 3.2))
for tname, acc in sparse_acc.items():
    ax.errorbar(K_PROBE, acc.mean(0), yerr=acc.std(0, ddof=1), fmt="o-", capsize=3, label=tname)
ax.set_xscale("log", base=2); ax.set_xlabel("neurons k used by the probe"); ax.set_ylabel("test accuracy")
ax.set_title("k-sparse probes of the 64 hidden units"); ax.legend(fontsize=8)
plt.tight_layout(); plt.show()

# %% tags=["nbval-check-output"]
print(f"10-class linear probe: course {probe_ours.mean():.3f} ± {probe_ours.std(ddof=1):.3f}, scikit-learn "
      f"{np.nanmean(probe_sk):.3f} ± {np.nanstd(probe_sk, ddof=1):.3f}; largest |difference| per seed "
      f"{np.nanmax(np.abs(probe_ours - probe_sk)):.3f} (held to <= 0.02)")
for tname, acc in sparse_acc.items():
    print(f"  {tname:17s} " + "  ".join(f"k={k}: {a:.3f}" for k, a in zip(K_PROBE, acc.mean(0))))

# %% [markdown]
# The course's probe and scikit-learn's agree (0.838 against 0.841, at most 0.005 apart per seed). One
# neuron already separates trousers from dresses 90 % of the time, two reach 0.957 and four the dense probe's
# accuracy (0.97); *shirt vs T-shirt* needs more — 0.77 with one neuron, 0.82 only with 16. Gurnee et al. report
# (on language models) that some features are carried by a few dedicated neurons, while others are spread over
# many — superposition seen through a probe (qualitative; their numbers not quoted); we see the same contrast
# between an easy and a hard pair of classes; the difference is the setting — a 64-unit MLP layer, not a
# language model, and only the mean-difference ranking of their several.
#
# ## 8. Neural collapse
#
# First the closed forms. An exact ETF (11) as class means with no scatter gives 0 for every measure;
# adding isotropic noise $\sigma$ raises NC1 as (13) predicts (5 000 points per class, $K=10$, $d=32$, $\rho=1$).

# %%
K_NC = 10
E = nc.simplex_etf(K_NC, 32, generator=gen)                                   # (32, 10), unit columns
y_etf = torch.arange(K_NC).repeat_interleave(500)
exact = nc.nc_metrics(E.T[y_etf], y_etf, W=E.T)
sig_list = [0.05, 0.1, 0.2, 0.4]
noisy = []
for sig in sig_list:
    yb = torch.arange(K_NC).repeat_interleave(5000)
    Hn = E.T[yb] + sig * torch.randn(len(yb), 32, generator=gen, dtype=torch.float64)
    noisy.append(nc.nc_metrics(Hn, yb, W=E.T)["nc1"])

# %% tags=["nbval-check-output"]
worst = max(exact.values())
gram_err = float((E.T @ E - nc.etf_gram(K_NC)).abs().max())
print(f"exact ETF: the six measures ({', '.join(exact)}) are all {'below' if worst < 1e-12 else 'NOT below'} 1e-12")
print(f"Gram of simplex_etf vs Eq. (11): max |difference| {'below' if gram_err < 1e-12 else 'NOT below'} 1e-12")
for sig, v in zip(sig_list, noisy):
    pred = sig ** 2 * (K_NC - 1) ** 2 / K_NC
    print(f"  sigma = {sig:<4g} NC1 measured {v:.4f}, Eq. (13) {pred:.4f}, ratio {v / pred:.3f}")

# %% [markdown]
# Now a network. Papyan et al. train past zero training error — the *terminal phase* — and watch the four
# measures fall. At CPU scale: an MLP $784\to256\to128\to128\to10$ on 500 training images (50 per class),
# SGD with momentum 0.9, learning rate 0.02, weight decay $5\cdot10^{-4}$, mini-batches of 100, three seeds;
# the measures on the penultimate (post-ReLU, 128-dim) features of the training images, and NC1 also on
# the 2 000 test images.

# %%
EPOCHS_NC = 300 if not FULL else 1000
CHECK_AT = [1, 5, 10, 25, 50, 100, 200, 300] + ([500, 1000] if FULL else [])
sub = torch.cat([torch.nonzero(ytr == c)[:50, 0] for c in range(10)])
Xs, ys = Xtr[sub], ytr[sub]
nc_hist = []                                            # per seed: rows (epoch, train acc, nc1, nc2, nc3, nc4, test nc1)
for seed in lu.progress_bar(SEEDS, desc="neural-collapse runs"):
    torch.manual_seed(seed)
    net = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(),
                        nn.Linear(128, 10)).to(device)
    rows = []

    def record(epoch, m):
        if epoch in CHECK_AT:
            met = nc.nc_metrics(m[:-1](Xs), ys, m[-1].weight, m[-1].bias)
            rows.append([epoch, training.accuracy(m, Xs, ys), met["nc1"], met["nc2"], met["nc3"], met["nc4"],
                         nc.nc_metrics(m[:-1](Xte), yte)["nc1"]])
    opt = torch.optim.SGD(net.parameters(), lr=0.02, momentum=0.9, weight_decay=5e-4)
    training.fit(net, training.cross_entropy, (Xs, ys), epochs=EPOCHS_NC, batch_size=100, optimizer=opt,
                 generator=seed, progress=False, callback=record)
    nc_hist.append(np.array(rows))
nc_hist = np.stack(nc_hist)                             # (seeds, checkpoints, 7)

fig, axes = plt.subplots(1, 5, figsize=(14, 2.8))
labels = ["training accuracy", "NC1 (train)", "NC2", "NC3", "NC4"]
for j, ax in enumerate(axes):
    v = nc_hist[:, :, 1 + j]
    ax.errorbar(CHECK_AT, v.mean(0), yerr=v.std(0, ddof=1), fmt="o-", capsize=2, ms=3)
    if j == 1:
        ax.errorbar(CHECK_AT, nc_hist[:, :, 6].mean(0), yerr=nc_hist[:, :, 6].std(0, ddof=1), fmt="s--", ms=3,
                    capsize=2, label="NC1 (test)")
        ax.legend(fontsize=7)
    ax.set_xscale("log"); ax.set_xlabel("epoch"); ax.set_title(labels[j], fontsize=9)
    if j >= 1:
        ax.set_yscale("log")
plt.tight_layout(); plt.show()

# %% [markdown]
# Per seed, at the first and the last checkpoint (unchecked: individual runs):

# %%
for s, seed in enumerate(SEEDS):
    a, b = nc_hist[s, 0], nc_hist[s, -1]
    print(f"seed {seed}: epoch {int(a[0])} -> {int(b[0])}: train acc {a[1]:.3f} -> {b[1]:.3f}, NC1 {a[2]:.3f} -> {b[2]:.3f}, "
          f"NC2 {a[3]:.3f} -> {b[3]:.3f}, NC3 {a[4]:.3f} -> {b[4]:.3f}, NC4 {a[5]:.3f} -> {b[5]:.3f}")

# %% tags=["nbval-check-output"]
first, last = nc_hist[:, 0], nc_hist[:, -1]
print(f"{ns} seeds; zero training error at epoch {CHECK_AT[-1]} in {int((last[:, 1] == 1.0).sum())}/{ns} seeds")
for j, name in enumerate(["NC1 (train)", "NC2", "NC3", "NC4"]):
    print(f"  {name:11s} epoch 1: {first[:, 2 + j].mean():.3f} ± {first[:, 2 + j].std(ddof=1):.3f}   epoch {CHECK_AT[-1]}: "
          f"{last[:, 2 + j].mean():.3f} ± {last[:, 2 + j].std(ddof=1):.3f}")
print(f"  NC1 (test)  epoch {CHECK_AT[-1]}: {last[:, 6].mean():.2f} ± {last[:, 6].std(ddof=1):.2f}")

# %% [markdown]
# All seeds reach zero training error (by epoch 200 here; other float kernels get there by epoch 100). Over the 300 epochs, NC1 falls from 3.07 ± 0.39 to
# 0.66 ± 0.12, NC3 from 1.87 to 0.40 and NC4 from 0.82 to 0.071: the within-class scatter shrinks, the
# classifier aligns with the class means and agrees with the nearest-mean rule on all but 7 % of the images.
# But the figure shows that NC1, NC3 and NC4 reach their lowest values around epoch 100 — about when the
# training error reaches zero — and stay there or creep back up afterwards: at this scale there is no
# further collapse *in* the terminal phase. NC2 does *not* fall (0.889 to 0.948): the class means are far
# from an ETF. On the test images NC1 falls less (to 3.1 ± 0.5, against 0.66 on the training images) — the
# collapse here is mostly a property of the training set. Papyan et al. report all four measures
# decreasing towards 0 through the terminal phase across several datasets and deep networks (350 epochs, a
# step schedule of the learning rate); we get three of the four decreasing until zero training error, then
# flat, and NC2 not decreasing, at 300 epochs; the
# difference comes from the scale — a small MLP on 50 images per class, constant learning rate, features
# after a ReLU. Galanti et al. argue that collapse measured on training classes carries over to new samples and
# new classes and explains transfer; our test-set NC1 shows how far a network this small is from that regime.
#
# ## 9. Scaling: many toy models in one batch
#
# Every sweep of this lesson trains its models as one batch: `W` is `(M, m, n)` and one `einsum` serves
# all of them. Against a Python loop over $M$ separate models, one optimiser step (forward, backward,
# Adam) of $M$ toy models with $n=20$, $m=5$ and 1 024 inputs each:

# %%
M_LIST = [1, 4, 16, 64] if not FULL else [1, 4, 16, 64, 256, 1024]
bench = lu.Benchmark("one training step of M toy models (n = 20, m = 5, batch 1024)", size_label="models M")


def make_step(models, xs):
    opts = [torch.optim.Adam(m.parameters(), lr=1e-3) for m in models]
    ones = torch.ones(20, device=xs[0].device)

    def step():
        for m, x, o in zip(models, xs, opts):
            o.zero_grad(set_to_none=True)
            sp.toy_loss(m, x, ones).backward()
            o.step()
    return step


for M in lu.progress_bar(M_LIST, desc="benchmark sizes"):
    x_all = sp.sparse_features(1024, torch.full((M,), 0.9), 20, generator=gen)
    batched = make_step([sp.ToyModel(20, 5, M, generator=gen)], [x_all])
    looped = make_step([sp.ToyModel(20, 5, 1, generator=gen) for _ in range(M)], [x_all[:, i:i + 1] for i in range(M)])
    bench.run("batched (one model of M)", M, batched)
    bench.run("Python loop over M models", M, looped)
    if device.type != "cpu":
        xd = x_all.to(device)
        bench.run(f"batched ({device.type})", M, make_step([sp.ToyModel(20, 5, M, generator=gen, device=device)], [xd]),
                  device=device)
bench.plot(); plt.show()
bench.report()

# %%
print(f"at M = {max(M_LIST)}: loop / batched = {bench.ratio('Python loop over M models', 'batched (one model of M)'):.0f}x; "
      f"log-log slopes: batched {bench.slope('batched (one model of M)'):.2f}, loop "
      f"{bench.slope('Python loop over M models'):.2f}")

# %% [markdown]
# The loop pays Python and kernel-launch overhead $M$ times per step, so its time grows linearly in $M$
# (slope near 1); the batched step does the same arithmetic in a few larger kernels, so its time grows more
# slowly (the slope printed above) and the gap widens with $M$. On one CPU thread the arithmetic soon
# dominates, which keeps the gain to a few times at these sizes; on a GPU, where a small kernel is almost all
# overhead, batching matters more (the GPU row appears when the lesson runs on one).
#
# ## 10. Explore: sparsity and the geometry of superposition
#
# Move the density $p$: the plot shows the five columns of $W$ of each seed's model from section 4 (and
# how many features it represents). Dense features: two orthogonal directions, the rest dropped; sparser:
# antipodal pairs appear; sparsest: a pentagon.

# %% tags=["nbval-ignore-output"]
def draw(density_index):
    j = int(density_index)
    fig, axes = plt.subplots(1, len(SEEDS), figsize=(3 * len(SEEDS), 3))
    for s, ax in enumerate(axes):
        draw_W(ax, W_geo[s, j], f"seed {SEEDS[s]}: {n_rep[s, j]} features, D = "
               + " ".join(f"{d:.2f}" for d in dims[s, j]))
    fig.suptitle(f"density p = {dens_geo[j]:g} (sparsity S = {1 - dens_geo[j]:g})", fontsize=9)
    plt.tight_layout()


lu.explore(draw, density_index=(0, n_geo - 1, 1, n_geo - 1), frames=n_geo)

# %% [markdown]
# ## 11. Exercises
#
# :::{exercise} 21.etf · Build a simplex ETF
# :label: ex-21-etf
# :nonumber:
# Write `simplex_etf_np(K)` returning a NumPy array `(d, K)` with $d\le K$ whose columns are unit vectors with
# pairwise inner products $-1/(K-1)$ (Eq. (11)). A design question: which $K$ vectors, and why can't they
# be orthonormal?
# :::

# %%
def simplex_etf_np(K):
    # YOUR CODE HERE
    raise NotImplementedError


# %%
simplex_etf_np = lu.check("21.etf", simplex_etf_np)

# %% [markdown] tags=["solution"]
# :::{solution} ex-21-etf
# :class: dropdown
# The course's solution, from `solutions/21_superposition.py` (in JupyterLab, print it with `lu.show_solution("21.etf")`):
# ```{literalinclude} ../solutions/21_superposition.py
# :pyobject: simplex_etf_np
# ```
# :::

# %% [markdown]
# :::{exercise} 21.antipodal · The cost of an antipodal pair, for any relative scale
# :label: ex-21-antipodal
# :nonumber:
# Generalise configuration (C) of {prf:ref}`prop-21-two-features`: $W=(1,-a)$ with $0<a\le1$, $b=0$, two
# features of importance 1 and $r$, density $p$. Derive its expected loss (3) and write `antipodal_loss(p, r, a)`
# (floats in, a float out). For $a=1$ it must give $\mathcal L_C$ of (4). Hint: split on which features are
# active, and, when both are, on the order of $x_1$ and $a x_2$. Is $a=1$ the best choice when $r\ne1$?
# :::

# %%
def antipodal_loss(p, r, a):
    # YOUR CODE HERE
    raise NotImplementedError


# %%
antipodal_loss = lu.check("21.antipodal", antipodal_loss)

# %% [markdown] tags=["solution"]
# :::{solution} ex-21-antipodal
# :class: dropdown
# ```{literalinclude} ../solutions/21_superposition.py
# :pyobject: antipodal_loss
# ```
# :::

# %% [markdown]
# :::{exercise} 21.pentagon · Where does the pentagon appear? (an open experiment)
# :label: ex-21-pentagon
# :nonumber:
# Section 4 found all five features represented at $p=0.1$ and fewer at $p=0.3$. Locate the transition
# more finely: write `pentagon_density()` returning a density $p$, as *large* as you can, at which a toy model
# with $n=5$ features of equal importance in $m=2$ dimensions represents all five ($\|W_i\|>0.5$). The check
# trains three seeds at once with `sp.train_toy_models(5, 2, torch.full((3,), 1 - p), steps=2000,
# batch_size=512, lr=1e-2, generator=21)` and needs all five features in at least two of them, and
# $p\ge0.08$. What do the models look like just above your $p$ (the widget of section 10 helps)?
# :::

# %%
def pentagon_density():
    # YOUR CODE HERE
    raise NotImplementedError


# %%
pentagon_density = lu.check("21.pentagon", pentagon_density)

# %% [markdown] tags=["solution"]
# :::{solution} ex-21-pentagon
# :class: dropdown
# ```{literalinclude} ../solutions/21_superposition.py
# :pyobject: pentagon_density
# ```
# :::

# %% [markdown]
# ## Summary
#
# - A ReLU lets a model store more features than dimensions: interference costs order $p^2$, dropping a feature
#   order $p$, so sparse features superpose ({prf:ref}`prop-21-two-features`, a phase diagram matched by
#   training in 45/49 cells); five sparse features in two dimensions form a pentagon (dimensionality 2/5).
# - Sparse autoencoders (7)–(8) take features out of superposition: TopK recovers the toy model's features
#   (MMCS 0.999); on a real hidden layer, TopK beats L1 at every L0 we tried, and its dead latents at small $k$
#   are revived by resampling.
# - Probes read properties from representations; $k$-sparse probes tell how many neurons carry them (two for an
#   easy pair of classes, sixteen for a hard one).
# - Neural collapse: NC1–NC4 (10)–(12), the simplex ETF (11) as the closed-form target and NC1 of a noisy ETF
#   (13) checked to 0.5 %; a small network shows NC1, NC3, NC4 falling until zero training error (not beyond)
#   and NC2 not falling.
# - Training many small models as one batch beats a Python loop over them, by a factor that grows with the
#   number of models (section 9).
#
# **Further reading.** Li et al. (*The Geometry of Concepts*) look at the point cloud of an LLM's SAE
# decoder directions at three scales — parallelogram-like "crystals" (analogies), spatially clustered "lobes"
# of co-occurring features, and a large-scale shape with a power-law spectrum; Engels et al. (*Not All Language
# Model Features Are Linear*) find irreducibly multi-dimensional features, such as circles for days of the week,
# which an SAE splits into several latents; Tirer et al. analyse how far the optimum lies from exact collapse
# when features are constrained near given ones, the regime of our small network; Elhage et al. go on to
# superposition in computation and to the link with adversarial examples.
