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
# # 18 · White-box transformers (CRATE): attention as compression, the MLP as sparse coding
#
# **What you will learn**
# - how a self-attention layer falls out of *one gradient step* on a coding rate: the compression
#   term $R^c(Z;U_{[K]})=\sum_k R(U_k^\top Z)$ of lesson 17, measured against $K$ subspaces — with the
#   exact gradient proved and checked against autograd, and the two approximations (a first-order
#   expansion of an inverse, then a softmax in place of a Gram matrix) that turn it into
#   multi-head subspace self-attention (MSSA), each gap measured;
# - how the MLP of a transformer is replaced by one non-negative ISTA step of sparse coding with a
#   learned dictionary — shown equal to lesson 03's `sparse.ista_step`;
# - a tiny CRATE trained on Fashion-MNIST patches against a standard ViT of equal parameter count over
#   three seeds, and whether its tokens become more compressed and sparser layer by layer, as the paper
#   reports;
# - the cost of a CRATE layer against a ViT layer as the number of tokens grows.
#
# **Prerequisites**: [lesson 03](03_sparse_coding.ipynb) (the lasso, ISTA, dictionaries),
# [lesson 15](15_contrastive_learning.ipynb) (training representations with `training.fit`),
# [lesson 17](17_rate_reduction.ipynb) (the coding rate $R$ and the rate reduction $\Delta R$); the
# softmax and scaled dot-product attention.
#
# **Papers**
# - Y. Yu, S. Buchanan, D. Pai, T. Chu, Z. Wu, S. Tong, B. D. Haeffele, Y. Ma, *White-Box Transformers
#   via Sparse Rate Reduction*, NeurIPS 2023 — the sparse rate reduction objective, MSSA and the ISTA
#   block, CRATE.
# - Y. Yu, S. Buchanan, D. Pai, T. Chu, Z. Wu, S. Tong, H. Bai, Y. Zhai, B. D. Haeffele, Y. Ma,
#   *White-Box Transformers via Sparse Rate Reduction: Compression Is All There Is?*, JMLR 2024 — the
#   journal version (more tasks, the same two blocks).
# - K. Gregor, Y. LeCun, *Learning Fast Approximations of Sparse Coding* (LISTA), ICML 2010 — unrolling
#   an optimisation algorithm into a network.
# - K. H. R. Chan, Y. Yu, C. You, H. Qi, J. Wright, Y. Ma, *ReduNet: A White-box Deep Network from the
#   Principle of Maximizing Rate Reduction*, JMLR 2022 — layers as gradient steps on the rate reduction.
# - Y. Yu, K. H. R. Chan, C. You, C. Song, Y. Ma, *Learning Diverse and Discriminative Representations
#   via the Principle of Maximal Coding Rate Reduction* (MCR²), NeurIPS 2020 — the coding rate.
# - A. Dosovitskiy et al., *An Image is Worth 16x16 Words: Transformers for Image Recognition at Scale*
#   (ViT), ICLR 2021 — the baseline.

# %%
import lowdim_utils as lu  # first: it sets OMP_WAIT_POLICY before torch loads (steadier threads)
import matplotlib.pyplot as plt
import numpy as np
import torch

from lowdim_utils import crate as cr
from lowdim_utils import sparse, training
from lowdim_utils.data import load
from lowdim_utils.ratereduction import coding_rate

device, SCALE, gen = lu.setup(seed=0)  # SCALE: "small" on a CPU by default; LOWDIM_SCALE=full for GPU-sized runs
FULL = SCALE == "full"

# %% [markdown]
# ## 1. Motivation: an image is a set of tokens near a few subspaces
#
# A vision transformer cuts a $28\times28$ Fashion-MNIST image into $N=16$ patches of $7\times7$
# pixels, embeds each as a vector (a *token*) and lets the tokens interact. Are those patch vectors
# spread over all of $\mathbb R^{49}$? Pool the patches of the 10 000 training images and look at
# their principal components, and at how the coding rate of one image's 16 tokens (lesson 17's $R$,
# in nats) changes when we code them not in $\mathbb R^{49}$ but as projections on a few principal
# directions.

# %%
tr, te = load("fashion_mnist", split="train", normalize=True), load("fashion_mnist", split="test", normalize=True)
Xtr, ytr = torch.from_numpy(tr.X).to(device), torch.from_numpy(tr.y).to(device)
Xte, yte = torch.from_numpy(te.X).to(device), torch.from_numpy(te.y).to(device)
P = cr.patchify(Xtr.cpu().double(), 7)                           # (10000, 16, 49) tokens
flat = P.reshape(-1, 49)
ev = torch.linalg.eigvalsh(torch.cov(flat.T)).flip(0)
share = (ev.cumsum(0) / ev.sum()).numpy()
k90 = int(np.searchsorted(share, 0.90)) + 1

fig, axes = plt.subplots(1, 3, figsize=(12, 3.2), gridspec_kw={"width_ratios": [1, 1.3, 1.6]})
axes[0].imshow(tr.X[0].reshape(28, 28), cmap="gray_r")
for t in range(1, 4):
    axes[0].axhline(7 * t - 0.5, color="C3", lw=0.8); axes[0].axvline(7 * t - 0.5, color="C3", lw=0.8)
axes[0].set_title("one image = 16 tokens"); axes[0].axis("off")
axes[1].plot(np.arange(1, 50), share, "o-", ms=3)
axes[1].axhline(0.9, color="gray", ls=":"); axes[1].set_xlabel("principal components of the patches")
axes[1].set_ylabel("share of the variance"); axes[1].set_title(f"90 % of the variance in {k90} of 49 directions")
rates = [float(coding_rate(P[0] @ torch.linalg.eigh(torch.cov(flat.T))[1][:, -m:], 0.5)) for m in range(1, 50)]
axes[2].plot(np.arange(1, 50), rates, "s-", ms=3)
axes[2].set_xlabel("tokens projected on the top m components"); axes[2].set_ylabel("coding rate R (nats)")
axes[2].set_title("the rate of one image's 16 tokens")
plt.tight_layout(); plt.show()

# %% tags=["nbval-check-output"]
print(f"principal components holding 90 % of the patch variance: {k90} of 49")
print(f"coding rate of image 0's tokens: {rates[-1]:.1f} nats in R^49, {rates[k90 - 1]:.1f} nats on the top {k90} "
      f"components ({rates[k90 - 1] / rates[-1]:.0%})")

# %% [markdown]
# Patches concentrate near a low-dimensional subspace (90 % of the variance in the few directions printed
# above), and about half of the coding rate of an image's tokens already lives in those directions — the
# rate, a log-determinant, also counts the many weak directions that the variance share neglects. CRATE takes this as the design principle: a good representation should
# make the tokens *compressible* against a small set of subspaces (low coding rate on each) and *sparse*
# in a dictionary, and every layer should take one step of an optimiser towards that.
#
# ## 2. Derivation
#
# **Notation.** One image's tokens are the rows of $Z\in\mathbb R^{N\times d}$ (the course's
# convention; the paper stacks them as columns). $K$ subspaces of dimension $p$ have orthonormal bases
# $U_k\in\mathbb R^{d\times p}$; the projected tokens are $A_k=ZU_k\in\mathbb R^{N\times p}$. The coding
# rate of lesson 17 ([Eq. (1)](17_rate_reduction.ipynb)), for rows $A\in\mathbb R^{N\times p}$, is
#
# \begin{equation*}
# R(A)=\tfrac12\log\det\!\Big(I_p+\beta\,A^\top A\Big)=\tfrac12\log\det\!\Big(I_N+\beta\,AA^\top\Big),\qquad \beta=\frac{p}{N\varepsilon^2},
# \tag{1}
# \end{equation*}
#
# (the two determinants agree by Sylvester's identity). **Sparse rate reduction**: CRATE asks each layer
# to increase $R(Z)-R^c(Z;U_{[K]})-\lambda\|Z\|_0$, where the *compression term* is
#
# \begin{equation*}
# R^c(Z;U_{[K]})=\sum_{k=1}^K R(ZU_k)=\sum_{k=1}^K\tfrac12\log\det\!\Big(I_N+\beta\,A_kA_k^\top\Big).
# \tag{2}
# \end{equation*}
#
# A layer alternates: a gradient step that decreases $R^c$ (this becomes attention), then a step that
# makes the tokens sparse in a dictionary while keeping them close (this replaces the MLP).
#
# :::{prf:theorem} The gradient of the compression term
# :label: thm-18-gradient
# With $G_k=A_kA_k^\top\in\mathbb R^{N\times N}$ (the Gram matrix of the projected tokens),
#
# \begin{equation*}
# \nabla_Z R^c(Z;U_{[K]})=\sum_{k=1}^K\beta\,\big(I_N+\beta G_k\big)^{-1}A_kU_k^\top .
# \tag{3}
# \end{equation*}
#
# If $\beta\|G_k\|_2<1$ for all $k$, the Neumann series $(I+\beta G)^{-1}=\sum_{j\ge0}(-\beta G)^j$
# converges; its first-order truncation $g_1$ satisfies, for any scale of the tokens,
#
# \begin{equation*}
# \nabla_Z R^c\approx g_1(Z)=\sum_{k=1}^K\beta\,\big(A_k-\beta\,G_kA_k\big)U_k^\top,\qquad
# \|\nabla_Z R^c-g_1\|_F\le\sum_k \beta^3\|G_k\|_2^2\,\|A_k\|_F .
# \tag{4}
# \end{equation*}
# :::
#
# :::{prf:proof}
# Write $M_k=I_N+\beta ZU_kU_k^\top Z^\top$. With $d\log\det M=\operatorname{tr}(M^{-1}dM)$ and
# $dM_k=\beta(dZ\,U_kU_k^\top Z^\top+ZU_kU_k^\top dZ^\top)$, the symmetry of $M_k$ gives
# $d\,\tfrac12\log\det M_k=\beta\operatorname{tr}(M_k^{-1}ZU_kU_k^\top dZ^\top)=\langle\beta M_k^{-1}A_kU_k^\top,dZ\rangle$;
# sum over $k$ for (3). For (4): $(I-\beta G)(I+\beta G)=I-\beta^2G^2$, so
# $(I+\beta G)^{-1}-(I-\beta G)=\beta^2G^2(I+\beta G)^{-1}$. Since $G\succeq0$, $\|(I+\beta G)^{-1}\|_2\le1$, and this
# difference has norm at most $\beta^2\|G\|_2^2$; multiply by $\beta\|A_k\|_F$ ($U_k$ has orthonormal columns,
# so $\|XU_k^\top\|_F=\|X\|_F$) and sum over $k$.
# :::
#
# For small tokens the gradient itself is about $\beta\sum_k\|A_k\|$, so the error of the first-order gradient,
# relative to the gradient, is of order $(\beta\|G\|)^2$: it shrinks like the *fourth* power of the token
# scale (section 4 measures it) and says nothing useful once $\beta\|G\|\gtrsim1$.
#
# **From the gradient to attention.** A gradient step $Z-\kappa g_1(Z)$ reads, when the subspaces are
# orthogonal and complete ($\sum_kU_kU_k^\top=I_d$, so $\sum_kA_kU_k^\top=Z$),
# $(1-\kappa\beta)Z+\kappa\beta\cdot\beta\sum_kG_kA_kU_k^\top$. The term $G_kA_k$ is *linear attention*:
# every token receives the other tokens' projections weighted by their similarities
# $\langle A_k[i],A_k[j]\rangle$. CRATE replaces those raw similarities by their softmax over each row,
# which makes every output a convex combination of the values. Multi-head subspace self-attention is
#
# \begin{equation*}
# \mathrm{MSSA}(Z)=\beta\sum_{k=1}^K\operatorname{softmax}\!\big(A_kA_k^\top\big)\,A_k\,U_k^\top
# \quad(\text{softmax over each row; }A_kA_k^\top\text{ in place of it: ``gram''}),
# \tag{5}
# \end{equation*}
#
# and the compression half-step of a layer is
#
# \begin{equation*}
# Z^{\ell+1/2}=(1-\kappa\beta)\,Z^\ell+\kappa\beta\,\mathrm{MSSA}(Z^\ell).
# \tag{6}
# \end{equation*}
#
# :::{prf:proposition} Which term equals the gradient
# :label: prop-18-which-term
# If $\sum_kU_kU_k^\top=I_d$, then (6) with the Gram in place of the softmax ("gram" in (5)) is *exactly*
# $Z^\ell-\kappa\,g_1(Z^\ell)$, the gradient step with the first-order gradient (4). The exact gradient
# (3) is what autograd computes; the softmax is a further replacement, not an expansion of anything.
# :::
#
# :::{prf:proof}
# $Z-\kappa g_1=Z-\kappa\beta\sum_kA_kU_k^\top+\kappa\beta^2\sum_kG_kA_kU_k^\top=(1-\kappa\beta)Z+\kappa\beta\cdot
# \beta\sum_kG_kA_kU_k^\top$, using $\sum_kA_kU_k^\top=Z\sum_kU_kU_k^\top=Z$. The last sum is "gram"-MSSA (5).
# :::
#
# Every query equals its key and its value ($A_k$): the heads are projections on subspaces, the output
# goes back through $U_k^\top$. In the trained network the softmax gets the usual $1/\sqrt p$ scale, the
# step $\kappa\beta$ is learned, and a residual plus a LayerNorm stand in for $(1-\kappa\beta)Z$.
#
# **The ISTA block.** The second half-step seeks tokens that are sparse in a dictionary
# $D\in\mathbb R^{d\times d}$ (atoms as columns, lesson 03's convention) and still explain $Z^{\ell+1/2}$:
# $\min_{X\ge0}\lambda\|X\|_1+\tfrac12\|Z^{\ell+1/2}-XD^\top\|_F^2$. One proximal-gradient step from
# $X=Z^{\ell+1/2}$ with step $\eta$ is
#
# \begin{equation*}
# Z^{\ell+1}=\operatorname{ReLU}\!\Big(Z^{\ell+1/2}+\eta\,\big(Z^{\ell+1/2}-Z^{\ell+1/2}D^\top\big)D-\eta\lambda\Big),
# \tag{7}
# \end{equation*}
#
# because the gradient of $\tfrac12\|Z-XD^\top\|^2$ in $X$ is $(XD^\top-Z)D$ and the proximal operator of
# $t\|X\|_1+[X\ge0]$ is $\max(V-t,0)$ (lesson 03, Eq. (7); lesson 03's `ista_step` with `nonnegative=True`).
# The paper's code fixes $\eta=\lambda=0.1$ and learns $D$: the MLP becomes an unrolled sparse-coding
# step, as LISTA unrolled ISTA.

# %% [markdown]
# ## 3. A reference implementation in NumPy
#
# :::{exercise} 18.mssa · Multi-head subspace self-attention in NumPy
# :label: ex-18-mssa
# :nonumber:
# Write `mssa_np(Z, U, eps)` for tokens `Z: (N, d)` (rows) and subspace bases `U: (K, d, p)` returning
# Eq. (5), an `(N, d)` array: for each head the softmax of each row of $A_kA_k^\top$ times $A_k$, mapped
# back with $U_k^\top$, summed over heads and multiplied by $\beta=p/(N\varepsilon^2)$. Keep the softmax
# finite for tokens of large norm.
# :::

# %%
def mssa_np(Z, U, eps):
    # YOUR CODE HERE
    raise NotImplementedError


# %%
mssa_np = lu.check("18.mssa", mssa_np)

# %% [markdown] tags=["solution"]
# :::{solution} ex-18-mssa
# :class: dropdown
# The course's solution, from `solutions/18_crate.py` (in JupyterLab, print it with `lu.show_solution("18.mssa")`):
# ```{literalinclude} ../solutions/18_crate.py
# :pyobject: mssa_np
# ```
# :::

# %% [markdown]
# ## 4. The course implementation and its oracles
#
# `lowdim_utils.crate` holds the compression term (2) (built on lesson 17's `coding_rate`, imported),
# the exact gradient (3), the first-order gradient (4), MSSA (5) and its step (6), the ISTA block (7),
# and the two models. The tokens for the checks are real: the 49 patches of $4\times4$ pixels of a test
# image ($N=49$, $d=16$), with $K=4$ random orthogonal subspaces of dimension $p=4$ and $\varepsilon=0.5$,
# in float64.
#
# **Oracle 1: the exact gradient (3) against autograd**, and the course's MSSA against the NumPy
# reference.

# %%
Z0 = cr.patchify(Xte[:1].cpu().double(), 4)[0]                      # (49, 16)
Z0 = (Z0 - Z0.mean(0)) / (Z0 - Z0.mean(0)).pow(2).mean().sqrt()     # centred, unit mean-square entry
U0 = cr.orthogonal_subspaces(16, 4, generator=0)
EPS = 0.5
Zg = Z0.clone().requires_grad_(True)
g_auto, = torch.autograd.grad(cr.compression_rate(Zg, U0, EPS), Zg)
g_exact = cr.compression_gradient(Z0, U0, EPS)
err_grad = float((g_auto - g_exact).norm() / g_auto.norm())
err_ref = float(np.abs(mssa_np(Z0.numpy(), U0.numpy(), EPS) - lu.to_numpy(cr.mssa(Z0, U0, EPS))).max())


def below(x):
    """A round-off-sized number as the next power of ten above it ("< 1e-15"): its digits are the CPU's."""
    return f"< 1e{int(np.floor(np.log10(max(abs(x), 1e-300)))) + 1}" if x >= 1e-16 else "< 1e-16"

# %% tags=["nbval-check-output"]
print(f"Eq. (3) vs autograd of Eq. (2): relative error {below(err_grad)} (bound 1e-10): "
      f"{'equal' if err_grad < 1e-10 else 'DIFFERENT'}")
print(f"course MSSA (5) vs the NumPy reference: max difference {below(err_ref)} (bound 1e-10): "
      f"{'equal' if err_ref < 1e-10 else 'DIFFERENT'}")

# %% [markdown]
# **Oracle 2: the gap of the first-order expansion.** Scale the tokens by $s$ and compare (4) with the
# exact gradient: the theorem predicts a relative error of order $(\beta\|G\|)^2\propto s^4$, and
# Proposition {prf:ref}`prop-18-which-term` says that the "gram" step (6) equals the first-order
# gradient step to rounding.

# %%
scales = np.logspace(-2.5, 0, 11)
gap1, bG, bound_ok = [], [], True
beta0 = 4 / (49 * EPS ** 2)
for s in scales:
    Zs = s * Z0
    ge = cr.compression_gradient(Zs, U0, EPS)
    diff1 = float((cr.compression_gradient_first_order(Zs, U0, EPS) - ge).norm())
    gap1.append(diff1 / float(ge.norm()))
    A = torch.einsum("nd,kdp->knp", Zs, U0)
    bound = sum(beta0 ** 3 * float(torch.linalg.matrix_norm(a @ a.T, 2)) ** 2 * float(a.norm()) for a in A)
    bound_ok &= diff1 <= bound * (1 + 1e-9)
    bG.append(float(max(torch.linalg.matrix_norm(a @ a.T, 2) for a in A)) * beta0)
small = np.array(bG) < 0.1
slope1 = np.polyfit(np.log(scales[small]), np.log(np.array(gap1)[small]), 1)[0]
KAPPA = 0.05
step_gap = float((cr.mssa_step(Z0, U0, EPS, KAPPA, attention="gram")
                  - (Z0 - KAPPA * cr.compression_gradient_first_order(Z0, U0, EPS))).abs().max())

# %% tags=["nbval-check-output"]
print(f"'gram' step (6) vs Z − κ·g1 (4), κ = {KAPPA}: max difference {below(step_gap)} (bound 1e-12)")
print(f"log-log slope of the first-order gap where β‖G‖ < 0.1: {slope1:.1f} (theory: 4)")
print(f"the bound (4) holds at all {len(scales)} scales: {'yes' if bound_ok else 'NO'}")
for s, e, b in list(zip(scales, gap1, bG))[2::4]:
    print(f"  s = {s:.3f}: β‖G‖ = {b:.3f}, relative gap of (4) = {e:.1e}")

# %% [markdown]
# At the scale our tokens have ($s=1$, every entry of unit mean square) $\beta\|G\|_2$ is far above 1, the
# Neumann series diverges and the first-order gradient is not an approximation at all (the gap above
# exceeds 100 %); only tokens much smaller than $\varepsilon$ per coordinate are in the regime the
# derivation assumes. In the network this is handled by learning the scale (the softmax's temperature and
# the step), not by the expansion.
#
# :::{exercise} 18.neumann · The gradient to second order (a derivation)
# :label: ex-18-neumann
# :nonumber:
# Expand the inverse in (3) to *second* order and write `grad_second_order_np(Z, U, eps)` returning the
# resulting approximation of $\nabla_ZR^c$, an `(N, d)` array (`Z: (N, d)`, `U: (K, d, p)`). How fast should
# its error fall with the scale of the tokens? The check compares with the expansion and measures that
# order.
# :::

# %%
def grad_second_order_np(Z, U, eps):
    # YOUR CODE HERE
    raise NotImplementedError


# %%
grad_second_order_np = lu.check("18.neumann", grad_second_order_np)

# %% [markdown] tags=["solution"]
# :::{solution} ex-18-neumann
# :class: dropdown
# The course's solution, from `solutions/18_crate.py` (in JupyterLab, print it with `lu.show_solution("18.neumann")`):
# ```{literalinclude} ../solutions/18_crate.py
# :pyobject: grad_second_order_np
# ```
# :::

# %% [markdown]
# **The softmax replacement.** The softmax is not a truncation of the series, so there is no order to
# measure; what we can measure is whether the MSSA step still points *downhill* on $R^c$: the cosine
# between the step direction $\mathrm{MSSA}(Z)-Z$ of (6) and the exact descent direction $-\nabla R^c$
# (a positive cosine means a small enough step decreases $R^c$). And we can iterate: 30 steps of exact
# gradient descent on $R^c$ against 30 steps (6) with softmax and with the Gram, from the same tokens
# ($s=1$), $\kappa\beta=0.2$, each step followed by rescaling the tokens to their starting norm — the job
# LayerNorm does in the network. Without it every method would mostly *shrink* the tokens: $R^c$ alone is
# minimised by $Z=0$, which is why CRATE's objective also contains the expansion term $R(Z)$.

# %%
def cosine(a, b):
    return float((a * b).sum() / (a.norm() * b.norm()))


cos_soft, cos_gram = [], []
for s in scales:
    Zs = s * Z0
    down = -cr.compression_gradient(Zs, U0, EPS)
    cos_soft.append(cosine(cr.mssa(Zs, U0, EPS) - Zs, down))
    cos_gram.append(cosine(cr.mssa(Zs, U0, EPS, attention="gram") - Zs, down))

kap = 0.2 / beta0
paths = {}
for name in ("exact gradient", "MSSA, softmax", "MSSA, gram"):
    Zi, rc = Z0.clone(), []
    for it in range(31):
        rc.append(float(cr.compression_rate(Zi, U0, EPS)))
        if name == "exact gradient":
            Zi = Zi - kap * cr.compression_gradient(Zi, U0, EPS)
        else:
            Zi = cr.mssa_step(Zi, U0, EPS, kap, attention="softmax" if "softmax" in name else "gram")
        Zi = Zi * Z0.norm() / Zi.norm()                          # back to the starting norm
    paths[name] = rc

fig, axes = plt.subplots(1, 2, figsize=(10, 3.3))
axes[0].semilogx(scales, cos_soft, "o-", label="MSSA (softmax)")
axes[0].semilogx(scales, cos_gram, "s-", label="gram (= first-order step)")
axes[0].axhline(0, color="gray", lw=0.8); axes[0].set_xlabel("token scale s"); axes[0].set_ylim(-1.05, 1.05)
axes[0].set_ylabel("cosine with −∇R^c"); axes[0].set_title("does the step point downhill?"); axes[0].legend()
for name, rc in paths.items():
    axes[1].plot(rc, label=name)
axes[1].set_xlabel("step"); axes[1].set_ylabel("R^c (nats)"); axes[1].set_title("iterating the step (s = 1, norm fixed)")
axes[1].legend(); plt.tight_layout(); plt.show()

# %% tags=["nbval-check-output"]
for s, cs, cg in list(zip(scales, cos_soft, cos_gram))[2::2]:
    print(f"s = {s:.3f}: cosine with −∇R^c: softmax MSSA {cs:+.2f}, gram {cg:+.2f}")
for name, rc in paths.items():
    print(f"{name:15s}: R^c {rc[0]:.2f} → {rc[-1]:.2f} nats after 30 steps "
          f"({'decreased' if rc[-1] < rc[0] else 'did NOT decrease'})")

# %% [markdown]
# The softmax step points downhill at every scale measured (positive cosines, close to 1 for small
# tokens and smaller, but still positive, at $s=1$), although it is not the gradient; iterated at fixed
# norm it lowers $R^c$ about as much as exact gradient descent over 30 steps. The Gram step — the
# first-order gradient step — is a descent direction only for small tokens; from $s\approx0.3$ on its
# cosine is negative, and iterated at fixed norm it drops $R^c$ within three steps to a value where it
# then stays — a collapse rather than a gradual compression (repeated multiplication by the tokens' own
# Gram matrix, rescaled, resembles a power iteration; we have not analysed it further).
#
# **Oracle 3: the ISTA block (7) is one step of lesson 03's ISTA.** With `X = Z` (the signal is the input)
# and the start `Z` too, `sparse.ista_step(Z, Z, D, λ, step=η, nonnegative=True)` must equal the block.

# %%
Dg = torch.randn(16, 16, generator=gen, dtype=torch.float64) / 4
for eta, lam in [(0.1, 0.1), (0.5, 0.02)]:
    ours = cr.ista_block(Z0, Dg, eta, lam)
    lesson03 = sparse.ista_step(Z0, Z0, Dg, lam, step=eta, nonnegative=True)
    print(f"η = {eta}, λ = {lam}: max |ISTA block − sparse.ista_step| = {below(float((ours - lesson03).abs().max()))} "
          f"(bound 1e-12); non-zeros {cr.nonzero_fraction(ours):.2f}")

# %% tags=["nbval-check-output"]
e_ista = max(float((cr.ista_block(Z0, Dg, e, l) - sparse.ista_step(Z0, Z0, Dg, l, step=e, nonnegative=True)).abs().max())
             for e, l in [(0.1, 0.1), (0.5, 0.02), (1.0, 0.0)])
print(f"ISTA block (7) vs lesson 03's ista_step over three (η, λ): max difference {below(e_ista)} (bound 1e-12): "
      f"{'equal' if e_ista < 1e-12 else 'DIFFERENT'}")

# %% [markdown]
# ## 5. The headline: a tiny CRATE on Fashion-MNIST, against a ViT of equal size
#
# `cr.CRATE` stacks `depth` layers $Z\leftarrow\mathrm{ISTA}\big(\mathrm{LN}(Z+\mathrm{MSSA}(\mathrm{LN}(Z)))\big)$ as in
# the paper's code, with two simplifications: MSSA's output goes back through $U_k^\top$ as in the derivation
# (the code learns a separate output matrix), and the patches are embedded linearly without LayerNorms
# around the embedding. $7\times7$ patches, 16 tokens plus a class token, $d=48$, $K=4$ heads, $\eta=\lambda=0.1$.
# The baseline `cr.ViT` is a standard pre-norm transformer (queries, keys and values separate, an MLP of
# width $4d$) with the same tokenizer and head; its width is chosen with `training.count_parameters` so
# that both have (nearly) the same number of parameters. Both are trained with the same optimiser
# (Adam), learning rate, batch size and number of steps, for three seeds, on the 10 000 training images,
# and tested on the 2 000 held-out ones.

# %%
DIM, DEPTH, HEADS = 48, 4, 4
SEEDS = [0, 1, 2] if not FULL else [0, 1, 2, 3, 4]
STEPS, BATCH, LR = (250, 128, 3e-3) if not FULL else (3000, 128, 1e-3)
n_crate = training.count_parameters(cr.CRATE(DIM, DEPTH, HEADS, generator=0))
VIT_DIM = cr.vit_width_for(n_crate, depth=DEPTH, heads=HEADS)
n_vit = training.count_parameters(cr.ViT(VIT_DIM, DEPTH, HEADS, generator=0))

acc = {"CRATE": [], "ViT": []}
crates, inits = [], []
for seed in lu.progress_bar(SEEDS, desc="seeds (CRATE and ViT)"):
    for name in ("CRATE", "ViT"):
        model = (cr.CRATE(DIM, DEPTH, HEADS, generator=100 + seed) if name == "CRATE"
                 else cr.ViT(VIT_DIM, DEPTH, HEADS, generator=100 + seed)).to(device)
        if name == "CRATE":
            inits.append(cr.layer_statistics(model, Xte[:500], EPS))
        training.fit(model, training.cross_entropy, (Xtr, ytr), steps=STEPS, batch_size=BATCH, lr=LR,
                     generator=seed, progress=False)
        acc[name].append(training.accuracy(model, Xte, yte))
        if name == "CRATE":
            crates.append(model)
acc = {k: np.array(v) for k, v in acc.items()}

# %% tags=["nbval-check-output"]
print(f"parameters: CRATE (d = {DIM}) {n_crate}, ViT (d = {VIT_DIM}) {n_vit} ({n_vit / n_crate - 1:+.0%})")
print(f"test accuracy after {STEPS} steps, mean ± s.d. over {len(SEEDS)} seeds:")
for k, v in acc.items():
    print(f"  {k:5s} {v.mean():.3f} ± {v.std(ddof=1):.3f}")
diff = acc["ViT"] - acc["CRATE"]
sep = abs(diff.mean()) > 2 * np.sqrt(acc["ViT"].var(ddof=1) / len(SEEDS) + acc["CRATE"].var(ddof=1) / len(SEEDS))
print(f"ViT − CRATE: {diff.mean():+.3f} ± {diff.std(ddof=1):.3f} (per-seed differences); ViT ahead in "
      f"{int((diff > 0).sum())} of {len(SEEDS)} seeds; "
      f"{'separated' if sep else 'NOT separated'} by twice the standard error")

# %% [markdown]
# **Compression and sparsity layer by layer.** For each trained CRATE, and for the same network before
# training, measure on 500 test images the compression term (2) of the tokens after each MSSA block
# against that layer's own subspaces $U^\ell$ (tokens standardised, so that every layer is measured at
# the same scale; $\varepsilon=0.5$), and the fraction of non-zero entries of each ISTA block's output
# (the paper's $\|Z^{\ell+1}\|_0/(dN)$).

# %%
trained = [cr.layer_statistics(m, Xte[:500], EPS) for m in crates]
stat = {(w, key): np.array([s[key] for s in src]) for w, src in (("trained", trained), ("init", inits))
        for key in ("compression", "nonzero")}
layers = np.arange(1, DEPTH + 1)
fig, axes = plt.subplots(1, 2, figsize=(10, 3.3))
for ax, key, label in [(axes[0], "compression", "R^c of the MSSA output (nats)"),
                       (axes[1], "nonzero", "non-zero fraction of the ISTA output")]:
    for w, fmt in (("trained", "o-"), ("init", "s--")):
        a = stat[(w, key)]
        ax.errorbar(layers, a.mean(0), yerr=[a.mean(0) - a.min(0), a.max(0) - a.mean(0)], fmt=fmt, capsize=3,
                    label=f"{w} ({len(SEEDS)} seeds, min–max)")
    ax.set_xlabel("layer"); ax.set_ylabel(label); ax.set_xticks(layers); ax.legend()
axes[0].set_title("compression term per layer"); axes[1].set_title("sparsity per layer")
plt.tight_layout(); plt.show()

# %% tags=["nbval-check-output"]
for key, fmt in (("compression", ".1f"), ("nonzero", ".2f")):
    for w in ("trained", "init"):
        a = stat[(w, key)]
        print(f"{key:11s} {w:7s}: " + "  ".join(f"layer {l}: {m:{fmt}} ± {s:{fmt}}" for l, m, s in
                                                zip(layers, a.mean(0), a.std(0, ddof=1))))
a = stat[("trained", "compression")]
mono = int(sum(np.all(np.diff(row) < 0) for row in a))
print(f"compression: first → last layer, trained {a[:, 0].mean():.1f} → {a[:, -1].mean():.1f}; "
      f"strictly decreasing in {mono} of {len(SEEDS)} seeds")
# sparsity: the trained mean's dip in the inner layers and the rise after it (seed by seed the last step is within
# the spread, so whether a seed comes out monotone depends on the CPU's rounding: we print the means' shape)
nz = stat[("trained", "nonzero")].mean(0)
print(f"nonzero: first → last layer, trained {nz[0]:.2f} → {nz[-1]:.2f}; lowest inner-layer mean {nz[1:-1].min():.2f}, "
      f"the last layer {nz[-1] - nz[1:-1].min():+.2f} above it")

# %% [markdown]
# **What we see.** At equal size (the ViT has 5 % fewer parameters) and after the same 250 steps, the
# ViT is about 3 points more accurate than CRATE (0.765 ± 0.004 against 0.730 ± 0.010), on every seed,
# and the gap is larger than twice its standard error. Layer by layer, the compression term of the
# trained CRATE's tokens falls with depth on every seed (43.9 → 30.7 nats from layer 1 to 4), as the
# paper reports — but it falls at least as steeply in the *untrained* network (36.0 → 19.7), and training
# raised it at every layer; so at this scale the trend is a property of the architecture (LayerNorm, the
# ReLU, the $-\eta\lambda$ shift, the contracting softmax average), not something the training produced.
# Sparsity does not follow the paper's trend: the non-zero fraction of the trained network drops from
# layer 1 to 2–3 (0.47 → 0.36) and rises again at layer 4 (0.41) in the mean over seeds — seed by seed
# the rise from layer 3 to 4 is within the spread, so a seed can come out monotone (one of three did on
# this page's CPU, none on another) — while the
# untrained network is monotone (0.50 → 0.31). We report both honestly: compression with depth, yes,
# but not learned; sparsity with depth, no.
#
# The paper reports that in CRATE trained on ImageNet-1K both the compression term and the sparsity of
# the tokens improve layer after layer (its layer-wise plots of $R^c$ and $\|Z\|_0/(dN)$), and gives
# ImageNet-1K accuracies of CRATE-T/S/B/L next to ViTs'; we have not re-checked that table's numbers, so
# we do not quote them. The follow-up *Scaling White-Box Transformers for Vision* (Yang et al., NeurIPS
# 2024; abstract checked) puts CRATE-$\alpha$-B at 83.2 %, 3.7 points above "the prior best CRATE-B". We
# get the numbers above with a 4-layer, $d=48$ network trained for 250 steps (about 3 epochs) on 10 000
# small grey images. The difference comes from scale (12–24 layers, $d$ from 384 to 1024, hundreds of
# epochs on 1.3 M images there) and training length: neither of our models is converged, so the accuracy
# gap measures how fast two equal-size architectures learn in a short run, and a layer-wise trend needs
# the comparison with initialisation that we add here before it can be credited to training.
#
# ## 6. Scaling: a CRATE layer against a ViT layer
#
# One layer of each at the same width $d=64$ and $K=4$ heads, on a batch of 8 token sets, forward only,
# as the number of tokens $N$ grows. Both attentions cost $O(KN^2p)=O(N^2d)$ for the $N\times N$
# similarities; the rest is per token: CRATE has one $d\times d$ projection $U$ (used twice) and the
# $d\times d$ dictionary (used twice), about $4Nd^2$ multiply-adds, against the ViT's queries, keys,
# values, output and an MLP of width $4d$, about $12Nd^2$. So CRATE should be cheaper at small $N$, and
# both should approach slope 2 in $N$ once $N\gg d$.

# %%
class CrateLayer(torch.nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.n1, self.n2 = torch.nn.LayerNorm(d), torch.nn.LayerNorm(d)
        self.att, self.ista = cr.MSSABlock(d, heads, generator=0), cr.ISTABlock(d, generator=1)

    def forward(self, Z):
        return self.ista(self.n2(Z + self.att(self.n1(Z))))


BD, BH = 64, 4
crate_layer = CrateLayer(BD, BH).to(device).eval()
vit_layer = cr.ViT(BD, 1, BH, generator=0).layers[0].to(device).eval()
print(f"parameters of one layer: CRATE {training.count_parameters(crate_layer)}, ViT {training.count_parameters(vit_layer)}")
token_counts = [16, 64, 256, 1024] if not FULL else [16, 64, 256, 1024, 4096]
bench = lu.Benchmark(f"one layer, d = {BD}, {BH} heads, batch of 8, forward", size_label="tokens N")
with torch.no_grad():
    for N in lu.progress_bar(token_counts, desc="token counts"):
        Zb = torch.randn(8, N, BD, generator=gen).to(device)
        bench.run("CRATE layer", N, crate_layer, Zb, device=device)
        bench.run("ViT layer", N, vit_layer, Zb, device=device)
bench.plot(); plt.show()
bench.report()

# %%
for name in ("CRATE layer", "ViT layer"):
    print(f"log-log slope in N of the {name}: {bench.slope(name):.2f}")
for N in (token_counts[0], token_counts[-1]):
    r = bench.ratio("ViT layer", "CRATE layer", N)
    print(f"N = {N}: ViT layer time / CRATE layer time = {r:.2f} ({'CRATE faster' if r > 1 else 'CRATE not faster'})")

# %% [markdown]
# The printed slopes and ratios are this machine's; the operation counts predict a ratio near 3 while the
# per-token work dominates and a ratio drifting towards 1 as the $N^2$ attention takes over. Where the
# measurement departs from that, fixed per-call costs at small $N$ (LayerNorm, softmax, kernel launches
# on a GPU) are the usual reason.
#
# ## 7. Explore: the threshold and the step of the ISTA block
#
# The ISTA block's output is non-zero exactly where $V=Z+\eta(Z-ZD^\top)D$ exceeds $\eta\lambda$. How
# sparse a given $\lambda$ makes the tokens, and how much of them it still explains, depends on the
# dictionary and on the tokens.
#
# :::{exercise} 18.lambda · The threshold for a target sparsity (a design question)
# :label: ex-18-lambda
# :nonumber:
# Write `lambda_for_sparsity(Z, D, eta, target)` returning the smallest $\lambda\ge0$ at which the ISTA
# block (7) with step `eta` and dictionary `D: (d, d)` leaves at most a fraction `target` of the entries
# of `Z: (N, d)` non-zero (a float). Think about what the output's non-zeros are before searching. The
# check tries new tokens and dictionaries, including one where $\lambda=0$ already suffices, and tests
# that $0.99\lambda$ is not enough.
# :::

# %%
def lambda_for_sparsity(Z, D, eta, target):
    # YOUR CODE HERE
    raise NotImplementedError


# %%
lambda_for_sparsity = lu.check("18.lambda", lambda_for_sparsity)

# %% [markdown] tags=["solution"]
# :::{solution} ex-18-lambda
# :class: dropdown
# The course's solution, from `solutions/18_crate.py` (in JupyterLab, print it with `lu.show_solution("18.lambda")`):
# ```{literalinclude} ../solutions/18_crate.py
# :pyobject: lambda_for_sparsity
# ```
# :::

# %% [markdown]
# On the trained CRATE (seed 0), the input of the last ISTA block on 200 test images: which $\lambda$ gives
# 10 % non-zeros at the trained $\eta=0.1$, and what the trained $\lambda=0.1$ gives.

# %%
m0 = crates[0].eval()
with torch.no_grad():
    half_last = m0.layers_out(Xte[:200])[-1][0]
    Zin = m0.norm2[-1](half_last).reshape(-1, DIM).double().cpu()
D_last = m0.ista[-1].D.detach().double().cpu()
lam10 = lambda_for_sparsity(Zin.numpy(), D_last.numpy(), 0.1, 0.10)

# %% tags=["nbval-check-output"]
nz_10 = cr.nonzero_fraction(cr.ista_block(Zin, D_last, 0.1, lam10))
nz_tr = cr.nonzero_fraction(cr.ista_block(Zin, D_last, 0.1, 0.1))
print(f"λ for 10 % non-zeros at η = 0.1: {lam10:.1f} (non-zero fraction there {nz_10:.3f}, held to <= 0.100)")
print(f"the trained block (η = λ = 0.1) leaves {nz_tr:.2f} of the entries non-zero")

# %% [markdown]
# Move $\lambda$ and $\eta$: the left panel shows the histogram of the block's output entries (the spike
# at 0 is the sparsity), the right panel the non-zero fraction and the relative reconstruction error
# $\|Z-XD^\top\|/\|Z\|$ of the output $X$ over a range of $\lambda$, at the chosen $\eta$. One step cannot
# both sparsify and reconstruct: a larger $\lambda$ buys zeros with reconstruction error, and $\eta$
# scales both the descent step and the threshold $\eta\lambda$.

# %% tags=["nbval-ignore-output"]
LAM_GRID = np.linspace(0, 20, 41)


def draw(lam, eta):
    X = cr.ista_block(Zin, D_last, eta, lam)
    nz = [cr.nonzero_fraction(cr.ista_block(Zin, D_last, eta, l)) for l in LAM_GRID]
    rec = [float((Zin - cr.ista_block(Zin, D_last, eta, l) @ D_last.T).norm() / Zin.norm()) for l in LAM_GRID]
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.2))
    axes[0].hist(lu.to_numpy(X).ravel(), bins=60, color="C0")
    axes[0].set_yscale("log"); axes[0].set_xlabel("entry of the ISTA output"); axes[0].set_ylabel("count")
    axes[0].set_title(f"λ = {lam:.2f}, η = {eta:.2f}: non-zero fraction {cr.nonzero_fraction(X):.2f}")
    axes[1].plot(LAM_GRID, nz, label="non-zero fraction")
    axes[1].plot(LAM_GRID, rec, label="relative reconstruction error")
    axes[1].axvline(lam, color="C3", ls=":"); axes[1].set_xlabel("λ"); axes[1].set_ylim(0, 1.5); axes[1].legend()
    axes[1].set_title(f"η = {eta:.2f}")
    plt.tight_layout()


lu.explore(draw, lam=(0.0, 20.0, 0.1, 0.1), eta=(0.05, 1.0, 0.05, 0.1))

# %% [markdown]
# ## Summary
#
# - The compression term $R^c(Z;U_{[K]})=\sum_kR(ZU_k)$ has the exact gradient
#   $\sum_k\beta(I+\beta G_k)^{-1}A_kU_k^\top$ (Theorem {prf:ref}`thm-18-gradient`), which autograd confirms
#   to rounding. Its first-order expansion is accurate only when $\beta\|G\|\ll1$, with an error that falls
#   like the fourth power of the token scale (measured slope printed in section 4); with complete
#   orthogonal subspaces a gradient step with it is *exactly* the attention step (6) with raw similarities.
# - CRATE's MSSA replaces those similarities by a softmax: not an approximation of the gradient but, in
#   our measurements, still a descent direction for $R^c$ across token scales, and stable where the
#   expansion is not.
# - The ISTA block is one non-negative ISTA step with a learned square dictionary, identical to lesson 03's
#   `ista_step`; its threshold for a target sparsity is a quantile, not a search (exercise 18.lambda).
# - On Fashion-MNIST at CPU scale an equal-size ViT beat CRATE by about 3 points after the same short
#   training (three seeds, separated). The compression term of CRATE's tokens falls with depth, as the
#   paper reports, but it does so already at initialisation; the non-zero fraction does not fall
#   monotonically in the trained network. A layer-wise trend needs its untrained baseline.
#
# **Further reading.** Yu et al. (JMLR 2024), sections on the compression and sparsification operators and
# the layer-wise measurements; Pai et al., *Masked Autoencoding via Structured Diffusion with White-Box
# Transformers* (ICLR 2024) for the decoder side; Yang et al., *Scaling White-Box Transformers for Vision*
# (NeurIPS 2024) for CRATE-$\alpha$ (an overcomplete dictionary and a residual in the sparse block). Lesson 17
# (the rate reduction) and lesson 03 (ISTA, LISTA) supply the two objectives this lesson unrolls.
