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
# # 03 · Sparse coding and dictionary learning
#
# **What you will learn**
# - why natural signals are *sparse* in a good dictionary, and why choosing a few atoms per
#   signal (a nonlinear approximation) beats keeping the same few directions for all (PCA);
# - the lasso, the proximal operator of the $\ell_1$ norm (soft thresholding, derived), and
#   ISTA as proximal gradient descent;
# - FISTA's momentum and the two convergence theorems of Beck and Teboulle,
#   $O(1/k)$ for ISTA and $O(1/k^2)$ for FISTA, with proofs — and the measured log-log slopes;
# - LISTA: unrolling ISTA into a network and training it to code faster;
# - dictionary learning by alternating minimisation (MOD and block-coordinate updates), checked by
#   recovering a known dictionary, and the edge-like atoms it learns from a photograph;
# - how to check sparse solvers against scikit-learn, whose objectives are scaled differently.
#
# **Prerequisites**: [lesson 01](01_pca_svd.ipynb) (PCA, the SVD, power iteration); convex
# functions and gradients.
#
# **Papers**
# - A. Beck, M. Teboulle, *A fast iterative shrinkage-thresholding algorithm for linear inverse
#   problems*, SIAM J. Imaging Sciences 2(1), 2009 — FISTA: adding a carefully scheduled
#   extrapolation step to proximal gradient improves its worst-case rate from $1/k$ to $1/k^2$
#   at no extra cost per iteration (their Theorems 3.1 and 4.4, proved below).
# - K. Gregor, Y. LeCun, *Learning fast approximations of sparse coding*, ICML 2010 — LISTA:
#   a fixed number of ISTA iterations, written as a recurrent network whose matrices and
#   thresholds are then trained, predicts lasso codes far more accurately than the same
#   number of plain iterations.
# - B. Olshausen, D. Field, *Emergence of simple-cell receptive field properties by learning a
#   sparse code for natural images*, Nature 381, 1996 — asking for a sparse code of image
#   patches is enough to learn localised, oriented, edge-like atoms resembling the receptive
#   fields of simple cells in the visual cortex.
# - J. Mairal, F. Bach, J. Ponce, G. Sapiro, *Online dictionary learning for sparse coding*,
#   ICML 2009 — dictionary learning at scale: sparse-code a mini-batch, accumulate two small
#   sufficient statistics, update the atoms by block-coordinate descent (the update we use).
#
# Recent work that builds on sparse coding: *Beyond Matryoshka: Revisiting Sparse Coding for
# Adaptive Representation* (sparse codes of pretrained embeddings as a cheaper, more flexible
# alternative to Matryoshka embeddings; see lesson 16); *How do neurons operate on sparse
# distributed representations? A mathematical theory of sparsity, neurons and active dendrites*
# (why high-dimensional sparse codes are robust to noise and rarely collide by chance); *White-Box
# Transformers via Sparse Rate Reduction* (CRATE, whose MLP block is one ISTA step — lesson 18
# reuses this lesson's `ista_step`).

# %%
import lowdim_utils as lu  # first: it sets OMP_WAIT_POLICY before torch loads (steadier threads)
import warnings

import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.decomposition import DictionaryLearning, sparse_encode
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Lasso

from lowdim_utils import linear, sparse
from lowdim_utils.bench import fit_loglog_slope
from lowdim_utils.data import load

device, SCALE, gen = lu.setup(seed=0)  # SCALE: "small" on a CPU by default; LOWDIM_SCALE=full for GPU-sized runs
N_PATCHES = 5000 if SCALE == "small" else 50000

# %% [markdown]
# ## 1. Motivation: image patches need few atoms each, but not the same few
#
# Cut 8×8 patches out of scikit-image's *cameraman* photograph, remove each patch's mean grey
# level and scale the collection to unit variance. PCA (lesson 01) gives the best **fixed**
# $k$-dimensional subspace for all patches. A *sparse* code instead lets every patch choose its
# own $k$ basis vectors. Even in the PCA basis itself, keeping the $k$ *largest* coefficients of
# each patch (a different set per patch) beats keeping the first $k$ — the gap is the whole
# point of sparse coding, and learning a better dictionary than the PCA basis widens it.

# %%
camera = load("skimage_image", image="camera").image
P = sparse.image_patches(camera, size=8, n=N_PATCHES, generator=gen)   # float32 tensor (n, 64)
patch_scale = float(P.std())
P = P / patch_scale
Xp = P.double()

pca_p = linear.pca(Xp, 64)
C = pca_p.transform(Xp)                                   # (n, 64) coefficients in the PCA basis
total = float((C**2).sum())
ks = np.arange(1, 33)
err_linear = [float((C[:, k:] ** 2).sum()) / total for k in ks]          # first k directions for all
Csorted = (C**2).sort(dim=1, descending=True).values
err_sparse = [float(Csorted[:, k:].sum()) / total for k in ks]          # k largest per patch

fig, axes = plt.subplots(1, 3, figsize=(11, 3.4), gridspec_kw={"width_ratios": [1.1, 1, 1.4]})
axes[0].imshow(camera)
rng = np.random.default_rng(3)
for r, c in rng.integers(0, 512 - 8, size=(12, 2)):
    axes[0].add_patch(plt.Rectangle((c, r), 16, 16, fill=False, ec="#E69F00", lw=1.2))
axes[0].set_title("cameraman, with 8×8 patches (boxes enlarged)"); axes[0].axis("off")
big = np.ones((6 * 9 - 1, 6 * 9 - 1)) * np.nan
for i in range(6):
    for j in range(6):
        big[i * 9:i * 9 + 8, j * 9:j * 9 + 8] = lu.to_numpy(P[i * 6 + j]).reshape(8, 8)
axes[1].imshow(big, cmap="gray"); axes[1].set_title("36 patches (mean removed)"); axes[1].axis("off")
axes[2].semilogy(ks, err_linear, "o-", ms=3, label="first k PCA directions (linear)")
axes[2].semilogy(ks, err_sparse, "s-", ms=3, label="k largest coefficients per patch (sparse)")
axes[2].set_xlabel("coefficients kept per patch k"); axes[2].set_ylabel("relative squared error")
axes[2].set_title("same basis, same budget k"); axes[2].legend()
plt.tight_layout(); plt.show()

# %% tags=["nbval-check-output"]
for k in (4, 8, 16):
    print(f"k = {k:2d}: relative error  linear {err_linear[k - 1]:.3f}   sparse {err_sparse[k - 1]:.3f}   "
          f"(sparse/linear = {err_sparse[k - 1] / err_linear[k - 1]:.2f})")

# %% [markdown]
# With 8 numbers per patch, the adaptive choice leaves markedly less error. But "keep the largest
# coefficients" only works for an orthonormal basis. With an *overcomplete* dictionary (more atoms
# than pixels, which fits images better), picking the best few atoms is a combinatorial problem.
# The lasso makes it convex.
#
# ## 2. Derivation
#
# ### The lasso
# A dictionary $D\in\mathbb R^{d\times m}$ has $m$ atoms (columns, usually of unit norm, often
# $m>d$). The sparse code of a signal $x\in\mathbb R^d$ is
#
# \begin{equation*}z^\star=\arg\min_{z\in\mathbb R^m} F(z),\qquad F(z)=\underbrace{\tfrac12\|x-Dz\|_2^2}_{f(z)}
# +\underbrace{\lambda\|z\|_1}_{g(z)} .\tag{1}\end{equation*}
#
# For $n$ signals stacked as the rows of $X\in\mathbb R^{n\times d}$ and codes as the rows of
# $Z\in\mathbb R^{n\times m}$, the problems decouple: $\sum_i F(z_i)=\tfrac12\|X-ZD^\top\|_F^2+\lambda\|Z\|_{1,1}$ (2).
# The $\ell_1$ norm is the convex function closest to counting non-zeros; its kink at 0 is what
# makes exact zeros optimal. $F$ is convex, so $z^\star$ is optimal iff $0\in\partial F(z^\star)$:
#
# \begin{equation*}D^\top(x-Dz^\star)\in\lambda\,\partial\|z^\star\|_1,\quad\text{i.e.}\quad
# |d_j^\top(x-Dz^\star)|\le\lambda\ \text{for all }j,\ \text{with equality and the sign of }z^\star_j
# \text{ where } z^\star_j\neq0.\tag{3}\end{equation*}
#
# In particular $z^\star=0$ exactly when $\lambda\ge\lambda_{\max}=\|D^\top x\|_\infty$.
#
# **Scaling conventions.** scikit-learn's `Lasso(fit_intercept=False)` minimises
# $\frac{1}{2n_{\text{samples}}}\|y-Aw\|^2+\alpha\|w\|_1$. Coding one signal is the regression
# with design $A=D$ (so $n_{\text{samples}}=d$, the number of pixels), target $y=x$ and weights $w=z$:
# its objective is $F/d$ with $\alpha=\lambda/d$. `sparse_encode(X, D.T, alpha=λ)` with
# `lasso_cd` or `lasso_lars` divides its `alpha` by $d$ itself, so there $\alpha=\lambda$; and
# `DictionaryLearning(alpha=λ)` uses (2) unscaled. scikit-learn stores atoms as *rows*, so it
# wants $D^\top$.
#
# ### Soft thresholding is the proximal operator of the $\ell_1$ norm
# The proximal operator of a convex $h$ is $\operatorname{prox}_h(v)=\arg\min_z\tfrac12\|z-v\|^2+h(z)$.
# For $h=\tau\|\cdot\|_1$ the problem separates into scalar problems
# $\min_{z_j}\tfrac12(z_j-v_j)^2+\tau|z_j|$, whose optimality condition is
# $0\in z_j-v_j+\tau\,\partial|z_j|$ with $\partial|z|=\{\operatorname{sign}z\}$ for $z\ne0$ and $[-1,1]$ at 0:
# - if $z_j>0$: $z_j=v_j-\tau$, consistent only when $v_j>\tau$;
# - if $z_j<0$: $z_j=v_j+\tau$, consistent only when $v_j<-\tau$;
# - if $z_j=0$: need $v_j\in[-\tau,\tau]$.
#
# The three cases cover every $v_j$ exactly once, so
#
# \begin{equation*}\operatorname{prox}_{\tau\|\cdot\|_1}(v)=S_\tau(v)=\operatorname{sign}(v)\odot\max(|v|-\tau,0).\tag{4}\end{equation*}
#
# Entries smaller than $\tau$ become exactly zero; the others shrink towards zero by $\tau$.
#
# ### ISTA: proximal gradient descent
# $\nabla f(z)=D^\top(Dz-x)$ is Lipschitz with constant $L=\|D^\top D\|_2=\|D\|_2^2$, the squared
# largest singular value of $D$ (computed by an SVD or by lesson 01's power iteration). This gives
# the **descent lemma**, a quadratic upper bound that touches $f$ at $y$:
#
# \begin{equation*}f(z)\le f(y)+\langle\nabla f(y),z-y\rangle+\tfrac L2\|z-y\|^2 .\tag{5}\end{equation*}
#
# Adding $g$ to the right-hand side gives a majoriser $Q_L(z,y)\ge F(z)$ of the whole objective.
# Completing the square, $Q_L(z,y)=\tfrac L2\|z-(y-\tfrac1L\nabla f(y))\|^2+g(z)+\text{const}$, so
# its minimiser is a gradient step followed by the prox:
#
# \begin{equation*}L=\|D\|_2^2,\tag{6}\end{equation*}
# \begin{equation*}z_{k+1}=p_L(z_k),\qquad p_L(y)=S_{\lambda/L}\Big(y-\tfrac1L D^\top(Dy-x)\Big).\tag{7}\end{equation*}
#
# This is ISTA (iterative shrinkage-thresholding). Everything rests on one inequality.
#
# :::{prf:lemma} Key inequality of proximal gradient
# :label: lem-prox
# Let $F=f+g$ with $f$ convex and $L$-smooth, $g$ convex. For any $y$ let $z=p_L(y)$. Then for every $u$,
#
# \begin{equation*}F(u)-F(z)\ \ge\ \tfrac L2\|z-y\|^2+L\langle z-y,\,y-u\rangle
# \ =\ \tfrac L2\big(\|z-u\|^2-\|y-u\|^2\big).\tag{8}\end{equation*}
# :::
#
# :::{prf:proof}
# $z$ minimises $\tfrac L2\|z-(y-\nabla f(y)/L)\|^2+g(z)$, so $\gamma:=-\nabla f(y)-L(z-y)\in\partial g(z)$.
# By convexity, $f(u)\ge f(y)+\langle\nabla f(y),u-y\rangle$ and $g(u)\ge g(z)+\langle\gamma,u-z\rangle$;
# by the descent lemma (5), $F(z)\le f(y)+\langle\nabla f(y),z-y\rangle+\tfrac L2\|z-y\|^2+g(z)$.
# Subtracting,
# $F(u)-F(z)\ge\langle\nabla f(y)+\gamma,u-z\rangle-\tfrac L2\|z-y\|^2=L\langle z-y,z-u\rangle-\tfrac L2\|z-y\|^2$.
# Writing $z-u=(z-y)+(y-u)$ gives the first form; expanding $\|z-u\|^2=\|(z-y)+(y-u)\|^2$ gives the second.
# :::
#
# :::{prf:theorem} ISTA converges at rate $1/k$ (Beck & Teboulle 2009, Thm. 3.1)
# :label: thm-ista
# The ISTA iterates (7) from any $z_0$ satisfy, for every minimiser $z^\star$ and $k\ge1$,
#
# \begin{equation*}F(z_k)-F^\star\ \le\ \frac{L\,\|z_0-z^\star\|^2}{2k}.\end{equation*}
# :::
#
# :::{prf:proof}
# *Monotonicity.* {prf:ref}`lem-prox` with $y=u=z_k$ (so $z=z_{k+1}$) gives
# $F(z_k)-F(z_{k+1})\ge\tfrac L2\|z_{k+1}-z_k\|^2\ge0$.
#
# *Telescoping.* With $y=z_k$, $u=z^\star$: $\tfrac 2L\big(F(z_{k+1})-F^\star\big)\le\|z_k-z^\star\|^2-\|z_{k+1}-z^\star\|^2$.
# Summing over $k=0,\dots,n-1$, the right-hand side telescopes:
# $\tfrac2L\sum_{k=1}^{n}\big(F(z_k)-F^\star\big)\le\|z_0-z^\star\|^2-\|z_n-z^\star\|^2\le\|z_0-z^\star\|^2$.
#
# *Conclusion.* Since $F(z_k)$ does not increase, each of the $n$ terms is at least $F(z_n)-F^\star$,
# so $\tfrac{2n}{L}\big(F(z_n)-F^\star\big)\le\|z_0-z^\star\|^2$.
# :::
#
# ### FISTA: the same step at an extrapolated point
# Beck and Teboulle take the prox-gradient step not at $z_k$ but at a point $y_k$ pushed further
# along the last move, with a specific schedule ($y_1=z_0$, $t_1=1$):
#
# \begin{equation*}z_k=p_L(y_k),\qquad t_{k+1}=\frac{1+\sqrt{1+4t_k^2}}{2},\qquad
# y_{k+1}=z_k+\frac{t_k-1}{t_{k+1}}\,(z_k-z_{k-1}).\tag{9}\end{equation*}
#
# The momentum weight $(t_k-1)/t_{k+1}$ starts at 0 and grows towards 1 like $1-3/k$. The cost per
# iteration is the same as ISTA's; $F(z_k)$ is no longer monotone.
#
# :::{prf:theorem} FISTA converges at rate $1/k^2$ (Beck & Teboulle 2009, Thm. 4.4)
# :label: thm-fista
# The FISTA iterates (9) satisfy, for every minimiser $z^\star$ and $k\ge1$,
#
# \begin{equation*}F(z_k)-F^\star\ \le\ \frac{2L\,\|z_0-z^\star\|^2}{(k+1)^2}.\end{equation*}
# :::
#
# :::{prf:proof}
# (Complete in its steps; the algebra of step 2 is spelled out in Beck & Teboulle's Lemma 4.1.)
# Write $v_k=F(z_k)-F^\star$ and $u_k=t_kz_k-(t_k-1)z_{k-1}-z^\star$.
#
# 1. *Two instances of the key inequality.* Apply (8) at $y=y_{k+1}$, $z=z_{k+1}$, once with
#    $u=z_k$ and once with $u=z^\star$:
#    $\tfrac2L(v_k-v_{k+1})\ge\|z_{k+1}-y_{k+1}\|^2+2\langle z_{k+1}-y_{k+1},y_{k+1}-z_k\rangle$ and
#    $-\tfrac2Lv_{k+1}\ge\|z_{k+1}-y_{k+1}\|^2+2\langle z_{k+1}-y_{k+1},y_{k+1}-z^\star\rangle$.
# 2. *Combine.* Multiply the first by $t_{k+1}-1\ge0$, add the second, multiply by $t_{k+1}$ and use
#    $t_{k+1}^2-t_{k+1}=t_k^2$ (this is exactly what the schedule in (9) solves). With
#    $a=t_{k+1}y_{k+1}$, $b=t_{k+1}z_{k+1}$, $c=(t_{k+1}-1)z_k+z^\star$ the right-hand side is
#    $\|b-a\|^2+2\langle b-a,a-c\rangle=\|b-c\|^2-\|a-c\|^2$, and the definition of $y_{k+1}$ makes
#    $a-c=u_k$, $b-c=u_{k+1}$:
#    \begin{equation*}\tfrac2L\big(t_k^2v_k-t_{k+1}^2v_{k+1}\big)\ \ge\ \|u_{k+1}\|^2-\|u_k\|^2 .\end{equation*}
# 3. *Telescope.* So $\tfrac2Lt_k^2v_k+\|u_k\|^2$ never increases, and at $k=1$ (where $t_1=1$,
#    $y_1=z_0$, $u_1=z_1-z^\star$: one ISTA step) the telescoping inequality in the proof of
#    {prf:ref}`thm-ista` gives $\tfrac2Lv_1+\|u_1\|^2\le\|z_0-z^\star\|^2$. Hence
#    $v_k\le L\|z_0-z^\star\|^2/(2t_k^2)$.
# 4. *Growth of $t_k$.* $t_{k+1}=\tfrac12\big(1+\sqrt{1+4t_k^2}\big)\ge t_k+\tfrac12$, so $t_k\ge\tfrac{k+1}2$,
#    and $v_k\le 2L\|z_0-z^\star\|^2/(k+1)^2$.
# :::
#
# Both bounds are worst cases over all problems with the same $L$ and starting distance. A given
# lasso can do better: once the support of $z^\star$ is identified and $D$ restricted to it is well
# conditioned, both methods converge linearly. The $1/k$ and $1/k^2$ regimes show on
# ill-conditioned problems, such as an overcomplete dictionary (section 5).

# %% [markdown]
# ## 3. A reference implementation in NumPy
#
# Three short exercises build ISTA and FISTA for **one** signal $x$ of shape `(d,)` and a
# dictionary `D` of shape `(d, m)`.
#
# :::{exercise} 03.soft · Soft thresholding
# :label: ex-03-soft
# :nonumber:
# Write `soft_threshold_np(v, t)` returning $S_t(v)$ of Eq. (4) entrywise for an array `v` of any
# shape and a number `t >= 0`, without modifying `v`.
# :::

# %%
def soft_threshold_np(v, t):
    # YOUR CODE HERE
    raise NotImplementedError


# %%
soft_threshold_np = lu.check("03.soft", soft_threshold_np)

# %% [markdown] tags=["solution"]
# :::{solution} ex-03-soft
# :class: dropdown
# The course's solution, from `solutions/03_sparse_coding.py` (in JupyterLab, print it with `lu.show_solution("03.soft")`):
# ```{literalinclude} ../solutions/03_sparse_coding.py
# :pyobject: soft_threshold_np
# ```
# :::

# %% [markdown]
# :::{exercise} 03.ista · ISTA in NumPy
# :label: ex-03-ista
# :nonumber:
# Write `ista_np(x, D, lam, n_iter=500)`: start from $z=0$, compute $L=\|D\|_2^2$
# (`np.linalg.norm(D, 2) ** 2`) and run `n_iter` steps of Eq. (7); return $z$ of shape `(m,)`.
# :::

# %%
def ista_np(x, D, lam, n_iter=500):
    # YOUR CODE HERE
    raise NotImplementedError


# %%
ista_np = lu.check("03.ista", ista_np)

# %% [markdown] tags=["solution"]
# :::{solution} ex-03-ista
# :class: dropdown
# The course's solution, from `solutions/03_sparse_coding.py` (in JupyterLab, print it with `lu.show_solution("03.ista")`):
# ```{literalinclude} ../solutions/03_sparse_coding.py
# :pyobject: ista_np
# ```
# :::

# %% [markdown]
# :::{exercise} 03.fista · FISTA's momentum
# :label: ex-03-fista
# :nonumber:
# Write `fista_np(x, D, lam, n_iter=200)`: the same step as ISTA, taken at the extrapolated point
# $y$ of Eq. (9), starting from $z_0=y_1=0$, $t_1=1$. Keep the previous $z$ to form the momentum.
# :::

# %%
def fista_np(x, D, lam, n_iter=200):
    # YOUR CODE HERE
    raise NotImplementedError


# %%
fista_np = lu.check("03.fista", fista_np)

# %% [markdown] tags=["solution"]
# :::{solution} ex-03-fista
# :class: dropdown
# The course's solution, from `solutions/03_sparse_coding.py` (in JupyterLab, print it with `lu.show_solution("03.fista")`):
# ```{literalinclude} ../solutions/03_sparse_coding.py
# :pyobject: fista_np
# ```
# :::

# %% [markdown]
# A first test on real data. As a fixed overcomplete dictionary we use the **overcomplete DCT**:
# 16 cosines sampled on 8 pixels, their outer products giving $m=256$ atoms of 8×8 pixels
# (four times more atoms than pixels — the classical starting dictionary for image patches). We code
# one patch with both functions for 200 iterations and compare with scikit-learn's `Lasso` with
# $\alpha=\lambda/d$ (Section 2), run to a tight tolerance.

# %%
def overcomplete_dct(p=8, K=16):
    """(p², K²) dictionary: outer products of K sampled cosines, zero-mean (except the constant), unit-norm."""
    D1 = np.cos(np.outer(np.arange(p) + 0.5, np.arange(K)) * np.pi / K)
    D1[:, 1:] -= D1[:, 1:].mean(0)
    D1 /= np.linalg.norm(D1, axis=0)
    return np.kron(D1, D1)


D_dct = overcomplete_dct()
d, m = D_dct.shape
x0 = lu.to_numpy(P[7]).astype(np.float64)
lam0 = 0.05 * np.abs(D_dct.T @ x0).max()          # 5 % of λ_max (Eq. 3)


def F_np(x, D, z, lam):
    return 0.5 * np.sum((x - D @ z) ** 2) + lam * np.abs(z).sum()


with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    z_sk = Lasso(alpha=lam0 / d, fit_intercept=False, tol=1e-12, max_iter=100_000).fit(D_dct, x0).coef_
F_star0 = F_np(x0, D_dct, z_sk, lam0)

# %% tags=["nbval-check-output"]
rel_gap = {name: (F_np(x0, D_dct, fn(x0, D_dct, lam0, n_iter=200), lam0) - F_star0) / F_star0
           for name, fn in [("ISTA", ista_np), ("FISTA", fista_np)]}
print("after 200 iterations, relative objective gap of ISTA above 1e-3 :", rel_gap["ISTA"] > 1e-3)
print("after 200 iterations, relative objective gap of FISTA below 1e-4:", rel_gap["FISTA"] < 1e-4)
print(f"non-zeros in the lasso code: {np.count_nonzero(z_sk)} of {m} atoms")

# %%
print(f"relative gaps: ISTA {rel_gap['ISTA']:.1e}, FISTA {rel_gap['FISTA']:.1e}")

# %% [markdown]
# At the same cost, FISTA is orders of magnitude closer to the optimum. Section 5 measures the rates.
#
# ## 4. The course implementation and its oracles
#
# `lowdim_utils.sparse` holds the torch versions the course reuses: `soft_threshold`,
# `lasso_objective`, `lambda_max`, `lipschitz_constant`, `ista_step`, `ista`, `fista`, `LISTA`,
# `dictionary_learning` and `match_atoms`. They are **batched**: `X` is `(n, d)` with one
# signal per row, `D` is `(d, m)` and the codes `(n, m)`, so one matrix product serves all
# signals; they run on the device of `X` and keep its dtype; `fista` returns the codes and the
# mean objective after every iteration. Inputs are validated with messages that name the
# argument:

# %% tags=["nbval-check-output"]
Xd = P[:200].double()
Dd = torch.from_numpy(D_dct)
for bad in [lambda: sparse.fista(Xd, Dd[:10], 0.1),                 # wrong shape
            lambda: sparse.fista(Xd, Dd, -1.0),                     # negative λ
            lambda: sparse.fista(Xd, Dd.float(), 0.1)]:             # mixed dtypes
    try:
        bad()
    except (ValueError, TypeError) as e:
        print(f"{type(e).__name__}: {e}")

# %% [markdown]
# **Course vs reference.** 50 ISTA and FISTA iterations on 200 patches at once, against the NumPy
# functions applied patch by patch (float64; the iterates are the same sequence, so they must agree
# to rounding error).

# %% tags=["nbval-check-output"]
lam_d = 0.05 * sparse.lambda_max(Xd, Dd)
for name, course, ref in [("ISTA ", sparse.ista, ista_np), ("FISTA", sparse.fista, fista_np)]:
    Zc = course(Xd.to(device), Dd.to(device), lam_d, n_iter=50).codes.cpu().numpy()
    Zr = np.stack([ref(x, D_dct, lam_d, n_iter=50) for x in Xd.numpy()])
    print(f"{name}: max |course − NumPy reference| < 1e-10: {np.abs(Zc - Zr).max() < 1e-10}")

# %% [markdown]
# **Course vs scikit-learn.** On 20 patches, FISTA run to convergence (3000 iterations, float64)
# against `Lasso(alpha=λ/d)` and `sparse_encode(alpha=λ)` with `lasso_cd` and `lasso_lars`. The
# lasso solution is unique here (the dictionary is in general position), so codes are compared
# entrywise as well as by objective.

# %% tags=["nbval-check-output"]
X20 = Xd[:20]
Z_course = sparse.fista(X20.to(device), Dd.to(device), lam_d, n_iter=3000).codes.cpu()
F_course = sparse.lasso_objective(X20, Dd, Z_course, lam_d)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    oracles = {
        "Lasso(alpha=λ/d)": np.stack([Lasso(alpha=lam_d / d, fit_intercept=False, tol=1e-10, max_iter=100_000)
                                      .fit(D_dct, x).coef_ for x in X20.numpy()]),
        "sparse_encode lasso_cd (alpha=λ)": sparse_encode(X20.numpy(), D_dct.T, algorithm="lasso_cd", alpha=lam_d,
                                                          max_iter=100_000),
        "sparse_encode lasso_lars (alpha=λ)": sparse_encode(X20.numpy(), D_dct.T, algorithm="lasso_lars",
                                                            alpha=lam_d),
    }
for name, Zo in oracles.items():
    F_o = sparse.lasso_objective(X20, Dd, torch.from_numpy(Zo), lam_d)
    rel = float(((F_course - F_o).abs() / F_o).max())
    dz = float(np.abs(Z_course.numpy() - Zo).max())
    print(f"{name:36s} objective rel. gap {'< 1e-6' if rel < 1e-6 else f'{rel:.0e}'},  "
          f"max |Δz| {'< 1e-3' if dz < 1e-3 else f'{dz:.0e}'}")

# %% [markdown]
# The objectives agree to better than $10^{-6}$ relative and the codes entrywise to $10^{-3}$
# (coordinate descent stops at its own tolerance; LARS is exact up to rounding). Had we passed
# `alpha=λ` to `Lasso`, the answer would be the lasso with a $d=64$ times larger penalty — shown
# on the patch of the 20 whose code (1) uses the most atoms (with $\lambda$ at 5 % of the largest
# $\lambda_{\max}$ of the 200 patches, the codes of low-contrast patches are all zero):

# %% tags=["nbval-check-output"]
i0 = int((Z_course != 0).sum(1).argmax())
z_wrong = Lasso(alpha=lam_d, fit_intercept=False).fit(D_dct, X20[i0].numpy()).coef_
print("Lasso(alpha=λ) non-zeros:", np.count_nonzero(z_wrong), "  vs the lasso (1):", int((Z_course[i0] != 0).sum()))

# %% [markdown]
# ## 5. The headline: $1/k$ against $1/k^2$
#
# We code 50 patches in the overcomplete DCT dictionary with $\lambda=0.05\,\lambda_{\max}$, in
# float64, for 1000 iterations of ISTA and FISTA, and plot the mean objective gap
# $F(z_k)-F^\star$ on log-log axes. $F^\star$ comes from 5000 further FISTA iterations.
# The dashed lines are the bounds of {prf:ref}`thm-ista` and {prf:ref}`thm-fista` (averaged
# over the patches), with $z_0=0$.

# %%
X50 = Xd[:50].to(device)
D_dev = Dd.to(device)
lam_h = 0.05 * sparse.lambda_max(X50, D_dev)
long = sparse.fista(X50, D_dev, lam_h, n_iter=5000, progress=True)
F_star = float(long.history.min())
R2 = float((long.codes**2).sum(1).mean())          # mean ‖z₀ − z*‖² with z₀ = 0
L_h = sparse.lipschitz_constant(D_dev)
K = 1000
runs = {"ISTA": sparse.ista(X50, D_dev, lam_h, n_iter=K), "FISTA": sparse.fista(X50, D_dev, lam_h, n_iter=K)}
k = np.arange(1, K + 1)
gaps = {name: (r.history[1:].cpu().numpy() - F_star) for name, r in runs.items()}
windows = {"ISTA": (10, 1000), "FISTA": (10, 300)}
slopes = {}
for name, g in gaps.items():
    lo, hi = windows[name]
    sel = (k >= lo) & (k <= hi)
    slopes[name] = fit_loglog_slope(k[sel], g[sel])

fig, ax = plt.subplots(figsize=(6.4, 4.2))
for (name, g), col in zip(gaps.items(), ["C0", "C1"]):
    ax.loglog(k, np.maximum(g, 1e-16), color=col, label=f"{name} (fitted slope {slopes[name]:.2f})")
ax.loglog(k, L_h * R2 / (2 * k), "--", color="C0", alpha=0.7, label=r"ISTA bound $L\|z^\star\|^2/2k$")
ax.loglog(k, 2 * L_h * R2 / (k + 1) ** 2, "--", color="C1", alpha=0.7, label=r"FISTA bound $2L\|z^\star\|^2/(k+1)^2$")
ax.set_ylim(1e-11, None)
ax.set_xlabel("iteration k"); ax.set_ylabel(r"$F(z_k)-F^\star$ (mean over 50 patches)")
ax.set_title("Lasso on 8×8 patches, 4× overcomplete DCT")
ax.legend(fontsize=8)
plt.show()

# %% tags=["nbval-check-output"]
print(f"fitted log-log slope, ISTA  (k = 10..1000): {slopes['ISTA']:.1f}   (theory: -1 or steeper)")
print(f"fitted log-log slope, FISTA (k = 10..300) steeper than -2: {slopes['FISTA'] < -2}")
print("ISTA below its bound at every k :", bool((gaps["ISTA"] <= L_h * R2 / (2 * k)).all()))
print("FISTA below its bound at every k:", bool((gaps["FISTA"] <= 2 * L_h * R2 / (k + 1) ** 2).all()))
print("ISTA objective never increases  :", bool((np.diff(runs["ISTA"].history.cpu().numpy()) <= 1e-12).all()))
print("FISTA's gap after 300 iterations is 100x smaller than ISTA's:", bool(gaps["FISTA"][299] * 100 < gaps["ISTA"][299]))

# %%
local = {(name, lo, hi): fit_loglog_slope(k[(k >= lo) & (k <= hi)], gaps[name][(k >= lo) & (k <= hi)])
         for name, (lo, hi) in [("ISTA", (10, 100)), ("ISTA", (100, 1000)), ("FISTA", (10, 100)), ("FISTA", (100, 300))]}
print("local log-log slopes:", ", ".join(f"{name} k = {lo}..{hi}: {v:.1f}" for (name, lo, hi), v in local.items()))

# %% [markdown]
# ISTA's gap falls slowly for the first hundred iterations (local slope about $-0.7$, well under
# its $1/k$ bound) and then steepens (about $-2$ over $k=100..1000$; $-1.5$ fitted over the whole
# range); FISTA's is steeper than $-2$ from the start, at identical cost per iteration — the
# separation Beck and Teboulle show in their image-deblurring experiments, where FISTA reaches in a
# few hundred iterations what ISTA has not reached after thousands. (Both curves end up steeper than
# their worst-case rates because, as the support of $z^\star$ settles, the problem becomes better
# conditioned than the worst case; FISTA gets there sooner.) Both curves stay under their
# worst-case bounds, and FISTA's objective oscillates (it is not a descent method) while ISTA's
# never rises.
#
# ## 6. Dictionary learning
#
# Instead of a fixed dictionary, learn it from the data (Olshausen & Field's question):
#
# \begin{equation*}\min_{D,\,Z}\ \frac1n\sum_{i=1}^n\Big(\tfrac12\|x_i-Dz_i\|^2+\lambda\|z_i\|_1\Big)
# \quad\text{subject to}\quad \|d_j\|_2\le1 .\tag{10}\end{equation*}
#
# The norm constraint stops the trivial escape of scaling $D$ up and $Z$ down. (10) is not jointly
# convex, but it is convex in $Z$ for fixed $D$ (the lasso, solved by FISTA) and in $D$ for fixed
# $Z$ (a constrained least-squares problem). Alternating the two, with $A=Z^\top Z$ and $B=X^\top Z$:
#
# - **MOD** (method of optimal directions, Engan et al. 1999): the unconstrained least-squares
#   solution followed by renormalising every atom,
#   \begin{equation*}D=X^\top Z\,(Z^\top Z)^{-1}=BA^{-1},\qquad d_j\leftarrow d_j/\|d_j\| ;\tag{11}\end{equation*}
# - **block-coordinate descent** (Mairal et al. 2009): update one atom at a time, exactly minimising
#   over it with the others fixed and projecting on the unit ball,
#   \begin{equation*}d_j\leftarrow\frac{u_j}{\max(\|u_j\|,1)},\qquad u_j=d_j+\frac{b_j-Da_j}{A_{jj}} .\tag{12}\end{equation*}
#
# Mairal et al.'s online algorithm only ever needs $A$ and $B$, which it accumulates over
# mini-batches; `sparse.dictionary_learning` uses the full batch. Atoms that no signal uses are
# restarted at the worst-reconstructed signal. With block-coordinate updates every step decreases
# (10) (the coding step keeps a signal's old code if FISTA, which is not monotone, did not improve
# it), so the objective never increases; MOD's renormalisation can raise it slightly.
#
# ### Recovering a known dictionary
# The classical test (used for K-SVD by Aharon, Elad and Bruckstein, 2006): draw a random
# dictionary of $m=50$ unit atoms in $d=20$ dimensions, make 1500 signals from 3 random atoms each
# with Gaussian weights, add noise (SNR ≈ 30 dB), learn a dictionary from the signals alone, and
# count the true atoms found again, up to sign and order: we pair learned and true atoms by the
# Hungarian algorithm on $|\cos|$ and call an atom recovered when $|\cos|>0.99$.

# %%
rng = np.random.default_rng(0)
d_s, m_s, n_s, s_s = 20, 50, 1500, 3
D_true = rng.standard_normal((d_s, m_s))
D_true /= np.linalg.norm(D_true, axis=0)
Z_true = np.zeros((n_s, m_s))
for i in range(n_s):
    Z_true[i, rng.choice(m_s, s_s, replace=False)] = rng.standard_normal(s_s)
X_syn = Z_true @ D_true.T
X_syn += 0.03 * np.sqrt((X_syn**2).mean()) * rng.standard_normal(X_syn.shape)
Xs_t = torch.from_numpy(X_syn).to(device)
lam_s = 0.1
learned = {}
for method in ("mod", "bcd"):
    learned[method] = sparse.dictionary_learning(Xs_t, m_s, lam_s, n_iter=60, method=method, coding_iter=50,
                                                 generator=torch.Generator().manual_seed(0), progress=True)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    sk_dl = DictionaryLearning(n_components=m_s, alpha=lam_s, max_iter=40, fit_algorithm="cd",
                               transform_algorithm="lasso_cd", random_state=0).fit(X_syn)

# %% tags=["nbval-check-output"]
def recovered(D_est, thr=0.99):
    cos, _, _ = sparse.match_atoms(D_est, D_true)
    return (cos > thr).mean()


rec = {f"course {method.upper()}": recovered(res.dictionary.cpu()) for method, res in learned.items()}
rec["sklearn DictionaryLearning"] = recovered(sk_dl.components_.T)
for name, frac in rec.items():
    print(f"{name:27s} recovers at least 85% of the 50 atoms (|cos| > 0.99): {frac >= 0.85}")
h = np.array(learned["bcd"].history)
print("BCD objective never increases:", bool((np.diff(h) <= 1e-9 * h[0]).all()))
cos_cs, _, _ = sparse.match_atoms(learned["mod"].dictionary.cpu(), sk_dl.components_.T)
print(f"course (MOD) vs sklearn, matched up to sign and permutation: median |cos| > 0.99: {np.median(cos_cs) > 0.99}, "
      f"at least 90% of atoms with |cos| > 0.95: {(cos_cs > 0.95).mean() >= 0.9}")

# %%
print(", ".join(f"{name}: {frac:.0%}" for name, frac in rec.items()), "of the atoms recovered;",
      f"course vs sklearn median |cos| {np.median(cos_cs):.4f}")

# %% [markdown]
# Alternating minimisation finds (nearly) every atom of the generating dictionary from the signals
# alone, and scikit-learn's `DictionaryLearning` with the same $\lambda$ (its `alpha`, unscaled,
# atoms as rows) finds the same atoms, up to sign and order — the only ambiguity (10) has.
#
# ### Atoms of natural images
# Now the real thing: 64 atoms learned from the cameraman patches (float32, block-coordinate
# updates, random initial atoms), sorted by how often they are used.

# %%
Xp32 = P.to(device)
lam_img = 1.0
D0 = torch.randn(64, 64, generator=torch.Generator().manual_seed(0)).to(device)
img_dl = sparse.dictionary_learning(Xp32, 64, lam_img, n_iter=40, method="bcd", coding_iter=30, D0=D0,
                                    progress=True)
D_img = img_dl.dictionary
usage = (img_dl.codes != 0).float().mean(0)
order = torch.argsort(usage, descending=True).cpu()
lu.show_images(D_img.cpu()[:, order].T, shape=(8, 8), ncols=16, size=0.62, symmetric=True,
               suptitle="64 atoms learned from 8×8 cameraman patches (most used first)")
plt.show()

# %% tags=["nbval-check-output"]
Z_img = img_dl.codes
rel_err_img = float(((Xp32 - Z_img @ D_img.T) ** 2).sum() / (Xp32**2).sum())
nnz_img = float((Z_img != 0).float().sum(1).mean())
print(f"learned dictionary: {nnz_img:.0f} non-zeros per patch on average, relative squared error {rel_err_img:.2f}")
print(f"PCA with the same number of coefficients per patch: relative squared error {err_linear[round(nnz_img) - 1]:.2f}")

# %% [markdown]
# Most of the frequently used atoms are **localised, oriented edges and bars** at various positions
# — the qualitative result of Olshausen and Field. (Their atoms look more like Gabor wavelets because
# they whitened the images first and used many photographs; we use one photograph and raw
# mean-removed patches, where smooth gradients also earn a place.) At the same number of coefficients
# per patch, the learned sparse code reconstructs much better than PCA.
#
# ## 7. LISTA: learning to code fast
#
# ISTA with $T$ iterations from $z=0$ is a $T$-layer network:
#
# \begin{equation*}z^{(t+1)}=S_{\theta}\big(W_e x+S\,z^{(t)}\big),\qquad W_e=\tfrac1LD^\top,\quad S=I-\tfrac1LD^\top D,
# \quad\theta=\tfrac\lambda L .\tag{13}\end{equation*}
#
# Gregor and LeCun keep the architecture, *train* $W_e$, $S$ and the thresholds by backpropagation to
# predict the converged lasso codes $z^\star$ (mean squared code error), and get much better codes
# for the same depth. `sparse.LISTA` is initialised at ISTA (before training it reproduces $T$
# ISTA iterations exactly) and uses one threshold vector per layer. We train an 8-layer LISTA on
# 4000 patches coded in the learned dictionary and test it on 1000 others.

# %%
n_tr = 4000 if SCALE == "small" else 40000
X_tr, X_te = Xp32[:n_tr], Xp32[n_tr:n_tr + 1000]
Z_tr = sparse.fista(X_tr, D_img, lam_img, n_iter=300, track_objective=False).codes
Z_te = sparse.fista(X_te, D_img, lam_img, n_iter=300, track_objective=False).codes
T = 8
lista = sparse.LISTA(D_img, lam_img, n_layers=T)
with torch.no_grad():  # before training, LISTA is T ISTA iterations (relative max difference)
    Z_ista_T = sparse.ista(X_te, D_img, lam_img, n_iter=T).codes
    init_err = float((lista(X_te) - Z_ista_T).abs().max() / Z_ista_T.abs().max())
losses = sparse.train_lista(lista, X_tr, Z_tr, n_steps=600 if SCALE == "small" else 3000, batch_size=256,
                            lr=2e-3, generator=torch.Generator().manual_seed(0), progress=True)


def code_error(Z):
    return float(((Z - Z_te) ** 2).sum() / (Z_te**2).sum())


iters = np.unique(np.round(np.logspace(0, np.log10(400), 30)).astype(int))
err_ista = [code_error(sparse.ista(X_te, D_img, lam_img, n_iter=int(t), track_objective=False).codes) for t in iters]
err_fista = [code_error(sparse.fista(X_te, D_img, lam_img, n_iter=int(t), track_objective=False).codes) for t in iters]
with torch.no_grad():
    err_lista = code_error(lista(X_te))

fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
axes[0].loglog(iters, err_ista, label="ISTA")
axes[0].loglog(iters, err_fista, label="FISTA")
axes[0].plot([T], [err_lista], "*", ms=14, color="C3", label=f"LISTA, {T} layers (trained)")
axes[0].axhline(err_lista, color="C3", ls=":", lw=1)
axes[0].set_xlabel("iterations / layers"); axes[0].set_ylabel(r"$\|Z-Z^\star\|_F^2/\|Z^\star\|_F^2$ (test)")
axes[0].set_title("code prediction error on held-out patches"); axes[0].legend()
axes[1].semilogy(np.convolve(losses, np.ones(20) / 20, mode="valid"))
axes[1].set_xlabel("training step"); axes[1].set_ylabel("training loss (moving average)")
axes[1].set_title("training LISTA")
plt.tight_layout(); plt.show()

# %% tags=["nbval-check-output"]
def iterations_to_match(errs):
    hit = [int(t) for t, e in zip(iters, errs) if e <= err_lista]
    return hit[0] if hit else None


print(f"untrained LISTA = {T} ISTA iterations: {init_err < 1e-5}")
e8 = code_error(sparse.ista(X_te, D_img, lam_img, n_iter=T, track_objective=False).codes)
print(f"LISTA error is at least 2x smaller than that of {T} ISTA iterations: {err_lista * 2 < e8}")
n_ista, n_fista = iterations_to_match(err_ista), iterations_to_match(err_fista)
print(f"ISTA needs more than {4 * T} iterations to match it: {n_ista is None or n_ista > 4 * T}")
print(f"FISTA needs more than {2 * T} iterations to match it: {n_fista is None or n_fista > 2 * T}")

# %%
print(f"LISTA ({T} layers) relative code error {err_lista:.3f}; ISTA matches it after {n_ista} iterations, "
      f"FISTA after {n_fista} (None: not within 400)")

# %% [markdown]
# A trained 8-layer LISTA predicts the codes as well as several times more ISTA iterations (and
# more FISTA iterations than its depth) — the effect Gregor and LeCun report on image patches, where
# a few trained layers replace many plain iterations. The exact factor depends on the dictionary,
# $\lambda$ and the training budget (ours is 600 Adam steps). The price: LISTA is only good on
# signals like its training data, and it approximates the codes rather than solving (1).
#
# ## 8. Scaling up: one batched solve against many small ones
#
# Coding $n$ patches is $n$ independent lassos. scikit-learn's `Lasso` solves one at a time;
# `sparse_encode` loops too, but with a shared Gram matrix; the course's `fista` does all $n$ at
# once, so each iteration is one matrix product of cost $O(nm^2)$ (here $m\le2d$; it uses
# $O(ndm)$ otherwise). We time coding $n$ cameraman patches in the learned 64-atom dictionary
# with $\lambda$ as above, in float32, FISTA with a fixed 200 iterations, against the NumPy
# reference (`fista_np`, one patch at a time) and scikit-learn, with `lu.Benchmark`
# (warm-up, device synchronisation, median and interquartile range of repeats). On the CPU every
# method runs on one thread — the timing loop sits inside `with lu.threads(1):`, which sets torch's
# thread count and the BLAS pools behind NumPy and scikit-learn, and the table's header says so — so
# the comparison is of algorithms, not of thread counts. (The matrices here are small: 64 pixels,
# at most 256 atoms; a second thread would gain little and, on a busy machine, make every short
# step wait.)

# %%
D_np = D_img.cpu().double().numpy()
X_all = Xp32.cpu().numpy().astype(np.float64)
FISTA_ITERS = 200


def lasso_loop(Xn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return np.stack([Lasso(alpha=lam_img / d, fit_intercept=False).fit(D_np, x).coef_ for x in Xn])


def fista_course(Xt, Dt):
    return sparse.fista(Xt, Dt, lam_img, n_iter=FISTA_ITERS, track_objective=False).codes


sizes = [10, 30, 100, 300, 1000, 3000] if SCALE == "small" else [10, 100, 1000, 10000, 40000]
bench = lu.Benchmark(f"lasso codes of n 8×8 patches, {D_np.shape[1]} atoms", size_label="n (signals)")
D_cpu32 = D_img.cpu().float()
with lu.threads(1):  # every method on one thread: torch, and the BLAS behind NumPy and scikit-learn
    for n in lu.progress_bar(sizes, desc="benchmark sizes"):
        Xn = X_all[:n]
        if n <= 1000:
            bench.run("sklearn Lasso, loop", n, lasso_loop, Xn, repeats=1 if n >= 300 else 3)
        bench.run("sklearn sparse_encode (lasso_cd)", n, sparse_encode, Xn, D_np.T, algorithm="lasso_cd",
                  alpha=lam_img, repeats=3)
        if n <= 100:
            bench.run("NumPy reference fista_np, loop", n,
                      lambda A: [fista_np(x, D_np, lam_img, FISTA_ITERS) for x in A], Xn, repeats=1)
        bench.run("course fista (cpu, float32)", n, fista_course, torch.from_numpy(Xn).float(), D_cpu32, repeats=3)
        if device.type != "cpu":
            bench.run(f"course fista ({device.type}, float32)", n, fista_course,
                      torch.from_numpy(Xn).float().to(device), D_img.float(), repeats=5, device=device)
ax = bench.plot()
ax.legend(loc="upper left", fontsize=7)
plt.show()
bench.report()

# %% [markdown]
# **The target**: on 1000 signals, batched FISTA must be faster than the loop of scikit-learn
# `Lasso` fits *at equal objective value*. First the objectives (same 1000 patches, float64 for the
# evaluation):

# %% tags=["nbval-check-output"]
X1000 = X_all[:1000]
Z_loop = lasso_loop(X1000)
Z_fista = fista_course(torch.from_numpy(X1000).float(), D_cpu32).double()
X1000_t, D_t = torch.from_numpy(X1000), torch.from_numpy(D_np)
F_loop = float(sparse.lasso_objective(X1000_t, D_t, torch.from_numpy(Z_loop), lam_img).mean())
F_fista = float(sparse.lasso_objective(X1000_t, D_t, Z_fista, lam_img).mean())
gap_obj = abs(F_fista - F_loop) / F_loop
print(f"mean objective: sklearn Lasso loop {F_loop:.3f}, course FISTA ({FISTA_ITERS} it.) {F_fista:.3f}")
print(f"relative gap below 1e-4: {gap_obj < 1e-4}")

# %%
t_loop = bench.table().loc[1000, "sklearn Lasso, loop"]
t_fista = bench.table().loc[1000, "course fista (cpu, float32)"]
t_enc = bench.table().loc[1000, "sklearn sparse_encode (lasso_cd)"]
print(f"n = 1000: sklearn Lasso loop {t_loop * 1e3:.0f} ms, sparse_encode {t_enc * 1e3:.0f} ms, "
      f"course FISTA (CPU) {t_fista * 1e3:.0f} ms")
print(f"course FISTA is {t_loop / t_fista:.1f}x faster than the Lasso loop "
      f"({'target met' if t_fista < t_loop else 'TARGET MISSED'}) and {t_enc / t_fista:.1f}x vs sparse_encode")

# %% [markdown]
# All methods grow linearly in $n$ (slopes near 1 at large $n$), so the differences are constant
# factors: per-call overhead (input validation, Python, fitting one small model at a time) for the
# loops, against one BLAS product per iteration for all signals in the batched FISTA. Coordinate
# descent needs fewer flops per signal for very sparse codes, which is why `sparse_encode` with a
# shared Gram matrix stays competitive on a CPU; on a GPU the batched solver is the only one that
# can use the device at all.
#
# ## 9. Explore: the lasso path of one patch
#
# Move $\lambda$ (as a fraction of this patch's $\lambda_{\max}$): the code gets sparser and the
# reconstruction coarser. The right panel is the whole path — non-zeros and error against $\lambda$ —
# with the current value marked.

# %% tags=["nbval-ignore-output"]
nnz_per_patch = (img_dl.codes != 0).sum(1)
pick = int(torch.argmax(Xp32.norm(dim=1) * (nnz_per_patch <= 3)))   # a strong patch the dictionary codes sparsely
x_e = Xp32[pick:pick + 1]
lmax_e = sparse.lambda_max(x_e, D_img)
fracs = np.logspace(-3, 0, 31)
path_codes = torch.cat([sparse.fista(x_e, D_img, float(f) * lmax_e, n_iter=300, track_objective=False).codes
                        for f in fracs])
path_nnz = (path_codes != 0).sum(1).cpu().numpy()
path_err = (((x_e - path_codes @ D_img.T) ** 2).sum(1) / (x_e**2).sum()).cpu().numpy()


def draw(lam_fraction):
    z = sparse.fista(x_e, D_img, lam_fraction * lmax_e, n_iter=300, track_objective=False).codes[0]
    rec = (z @ D_img.T).cpu().numpy()
    fig, axes = plt.subplots(1, 4, figsize=(12, 2.8), gridspec_kw={"width_ratios": [1, 1, 2, 2]})
    v = float(x_e.abs().max())
    axes[0].imshow(x_e.cpu().numpy().reshape(8, 8), vmin=-v, vmax=v); axes[0].set_title("patch"); axes[0].axis("off")
    axes[1].imshow(rec.reshape(8, 8), vmin=-v, vmax=v); axes[1].set_title(f"{int((z != 0).sum())} atoms")
    axes[1].axis("off")
    axes[2].stem(z.cpu().numpy(), markerfmt=" ", basefmt=" "); axes[2].set_title("code z")
    axes[2].set_xlabel("atom")
    axes[3].semilogx(fracs, path_nnz, color="C0"); axes[3].set_ylabel("non-zeros", color="C0")
    ax2 = axes[3].twinx(); ax2.semilogx(fracs, path_err, color="C1"); ax2.set_ylabel("rel. error", color="C1")
    axes[3].axvline(lam_fraction, color="C3", ls=":"); axes[3].set_xlabel(r"$\lambda/\lambda_{\max}$")
    axes[3].set_title("lasso path")
    plt.tight_layout()


lu.explore(draw, lam_fraction=(0.005, 1.0, 0.005, 0.1))

# %% [markdown]
# ## Summary
#
# - The lasso (1) trades reconstruction against the $\ell_1$ norm; its proximal operator is soft
#   thresholding (4), which sets small entries exactly to zero.
# - ISTA (7) is proximal gradient with step $1/L$, $L=\|D\|_2^2$; it decreases $F$ monotonically at
#   the worst-case rate $L\|z_0-z^\star\|^2/(2k)$. FISTA (9) adds a scheduled extrapolation and improves
#   the rate to $2L\|z_0-z^\star\|^2/(k+1)^2$ for free; we measured slopes of about $-0.7$
#   steepening to $-2$ for ISTA, and below $-2$ for FISTA.
# - LISTA (13) unrolls ISTA and learns its matrices and thresholds: a few trained layers match many
#   plain iterations on data like the training data.
# - Dictionary learning (10) alternates lasso coding with least-squares (MOD, 11) or block-coordinate
#   (12) atom updates; it recovers a planted dictionary up to sign and permutation, and learns
#   edge-like atoms from natural images.
# - Scikit-learn's lasso objectives are scaled by $1/n_{\text{samples}}$: `Lasso(alpha=λ/d)` on one
#   signal, but `sparse_encode(alpha=λ)` and `DictionaryLearning(alpha=λ)`.
#
# **Further reading.** Beck & Teboulle (2009), sections 2–4; N. Parikh, S. Boyd, *Proximal
# Algorithms* (2014); M. Elad, *Sparse and Redundant Representations* (Springer, 2010), chapters
# 5 and 12; M. Aharon, M. Elad, A. Bruckstein, *K-SVD* (IEEE TSP, 2006); J. Mairal, F. Bach,
# J. Ponce, *Sparse Modeling for Image and Vision Processing* (2014). Lesson 04 splits a matrix into
# low-rank plus sparse parts with the same proximal tools; lesson 18 finds an ISTA step inside a
# transformer; lesson 21 trains sparse autoencoders, a learned-encoder cousin of sparse coding.
