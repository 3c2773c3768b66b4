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
# # 02 · Random projections
#
# **What you will learn**
# - why multiplying data by a *random* matrix — chosen without looking at the data —
#   preserves all pairwise distances up to a factor $1\pm\varepsilon$, as soon as the target
#   dimension is about $\log n/\varepsilon^2$ (the Johnson–Lindenstrauss lemma, proved below
#   from a chi-square tail bound and a union bound);
# - three families of random matrices: Gaussian, Achlioptas' $\{0,\pm1\}$ matrix, and the
#   *very sparse* matrices of Li, Hastie and Church, which touch only $1/\sqrt D$ of the
#   entries — and the one situation where they fail (spiky data);
# - how large $k$ has to be *in practice*: measured over many random draws, the $k$ that keeps all
#   distances at a fixed $\varepsilon$ grows like $\log n$ and not at all with $D$ — the lemma's
#   claim, tested;
# - how to apply a sparse projection fast in torch, and how to verify random code against
#   an oracle whose random numbers differ from ours: compare *distributions*, not matrices;
# - FastRP, a graph embedding built from powers of the adjacency matrix and a very sparse
#   projection, tried on Zachary's karate club (34 members: enough to see the construction
#   work, too few to rank methods).
#
# **Prerequisites**: [lesson 01](01_pca_svd.ipynb) (PCA, and the Gaussian sketch inside the
# randomized SVD); basic probability (expectation, variance, Markov's inequality).
#
# **Papers**. W. B. Johnson and J. Lindenstrauss (1984), *Extensions of Lipschitz mappings
# into a Hilbert space* — the lemma; S. Dasgupta and A. Gupta (2003), *An elementary proof of
# a theorem of Johnson and Lindenstrauss* — the proof we follow. D. Achlioptas (2003),
# *Database-friendly random projections: Johnson–Lindenstrauss with binary coins* — entries
# in $\{0,\pm1\}$, two thirds of them zero, with the same guarantee. P. Li, T. Hastie and
# K. Church (2006), *Very sparse random projections* — density $1/\sqrt D$, a $\sqrt D$-fold
# saving at almost no loss of accuracy when the data are not too spiky. H. Chen, S. F.
# Sultan, Y. Tian, M. Chen and S. Skiena (2019), *Fast and Accurate Network Embeddings via
# Very Sparse Random Projection* (FastRP) — node embeddings from a normalised similarity
# matrix and a very sparse projection, reported thousands of times faster than DeepWalk and
# node2vec at comparable quality. K. G. Larsen and J. Nelson (2017), *Optimality of the
# Johnson–Lindenstrauss lemma* — the matching lower bound.

# %%
import lowdim_utils as lu  # first: it sets OMP_WAIT_POLICY before torch loads (steadier threads)
import math

import matplotlib.pyplot as plt
import networkx as nx
import numpy as np
import torch
from scipy import stats
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import LeaveOneOut, cross_val_predict
from sklearn.random_projection import (GaussianRandomProjection, SparseRandomProjection,
                                       johnson_lindenstrauss_min_dim)

from lowdim_utils import projections as rp
from lowdim_utils.data import load

device, SCALE, _ = lu.setup(seed=0)  # SCALE: "small" on a CPU by default; LOWDIM_SCALE=full for GPU-sized runs

# %% [markdown]
# ## 1. Motivation: distances survive a random projection
#
# Take 500 Fashion-MNIST images, each a point in $\mathbb R^{784}$. Multiply them by a
# random $k\times784$ matrix with independent $\mathcal N(0,1/k)$ entries: no training, no
# look at the data. The figure compares every one of the $\binom{500}{2}=124\,750$
# pairwise distances before and after, for $k=20$ and $k=200$.

# %%
fm = load("fashion_mnist", split="test", normalize=True)
idx = np.random.default_rng(0).choice(len(fm.X), 500, replace=False)
X_np = fm.X[idx].astype(np.float64)                 # (500, 784)
X = torch.from_numpy(X_np).to(device)
n, D = X.shape
dX = torch.pdist(X) ** 2                            # squared distances of all pairs i < j

fig, axes = plt.subplots(1, 2, figsize=(10, 4))
motivation = {}
for ax, k in zip(axes, (20, 200)):
    Y = rp.project(X, rp.gaussian_matrix(D, k, generator=k, dtype=X.dtype, device=device))
    ratio = (torch.pdist(Y) ** 2 / dX).cpu().numpy()
    motivation[k] = ratio
    sel = np.random.default_rng(1).choice(len(ratio), 4000, replace=False)
    d0 = dX.sqrt().cpu().numpy()[sel]
    ax.scatter(d0, d0 * np.sqrt(ratio[sel]), s=3, alpha=0.3, color="C0")
    lim = np.array([0, d0.max() * 1.05])
    ax.plot(lim, lim, color="k", lw=1, label="distance preserved")
    for f in (0.9, 1.1):
        ax.plot(lim, f * lim, color="C3", ls="--", lw=1, label="±10%" if f == 0.9 else None)
    ax.set_xlabel("distance in 784-D pixel space")
    ax.set_ylabel(f"distance after projecting to k={k}")
    ax.set_title(f"k = {k}: {np.mean(np.abs(np.sqrt(ratio) - 1) < 0.1):.0%} of pairs within ±10%")
    ax.legend(loc="upper left")
plt.suptitle("500 Fashion-MNIST images, a Gaussian random projection (4000 random pairs shown)")
plt.tight_layout()
plt.show()

# %% tags=["nbval-check-output"]
for k, ratio in motivation.items():
    dist = np.sqrt(ratio)
    print(f"k={k:3d}: distances within ±10%: {np.mean(np.abs(dist - 1) < 0.1):.0%} of pairs; "
          f"within ±25%: {np.mean(np.abs(dist - 1) < 0.25):.0%}")

# %% [markdown]
# At $k=200$ — a quarter of the original dimension — almost every distance is kept to within
# 10%, and nothing about Fashion-MNIST was used to get there: the same recipe works for any
# 500 points in any dimension. How large must $k$ be, and why does it not depend on $D$?
#
# ## 2. Derivation
#
# We want a map $f:\mathbb R^D\to\mathbb R^k$ with $k\ll D$ that keeps every squared
# pairwise distance of $n$ given points to within a factor $1\pm\varepsilon$:
#
# \begin{equation*}(1-\varepsilon)\,\|x_i-x_j\|^2\ \le\ \|f(x_i)-f(x_j)\|^2\ \le\ (1+\varepsilon)\,\|x_i-x_j\|^2
# \quad\text{for all } i<j.\tag{1}\end{equation*}
#
# We take $f$ linear and random: with the points as rows of $X\in\mathbb R^{n\times D}$ and a
# random $R\in\mathbb R^{k\times D}$,
#
# \begin{equation*}Y = XR^\top,\qquad y_i = Rx_i.\tag{2}\end{equation*}
#
# Because $f$ is linear, $f(x_i)-f(x_j)=R(x_i-x_j)$: it suffices to understand $\|Ru\|^2$ for
# one fixed vector $u$, and then to ask that this works for all $\binom n2$ differences at once.
#
# **One vector.** Let the entries of $R$ be independent $\mathcal N(0,1/k)$:
#
# \begin{equation*}R_{ji}\sim\mathcal N(0,\tfrac1k)\quad\text{i.i.d.}\tag{3}\end{equation*}
#
# Each coordinate $(Ru)_j=\sum_i R_{ji}u_i$ is then $\mathcal N(0,\|u\|^2/k)$ and the $k$
# coordinates are independent, so
#
# \begin{equation*}Z=\frac{k\,\|Ru\|^2}{\|u\|^2}\sim\chi^2_k,\qquad \mathbb E\|Ru\|^2=\|u\|^2,\qquad
# \operatorname{Var}\|Ru\|^2=\frac{2\|u\|^4}{k}.\tag{4}\end{equation*}
#
# Lengths are right on average, and the relative fluctuation is $\sqrt{2/k}$ — independent of
# $D$. What we need is that large deviations are *exponentially* unlikely.
#
# :::{prf:lemma} Chi-square concentration
# :label: lem-chi2
# Let $Z\sim\chi^2_k$ and $0<\varepsilon<1$. Then
#
# \begin{equation*}\Pr\big[Z\ge(1+\varepsilon)k\big]\le e^{-\frac k2\left(\frac{\varepsilon^2}{2}-\frac{\varepsilon^3}{3}\right)},
# \qquad
# \Pr\big[Z\le(1-\varepsilon)k\big]\le e^{-\frac k2\left(\frac{\varepsilon^2}{2}-\frac{\varepsilon^3}{3}\right)}.\tag{5}\end{equation*}
# :::
#
# :::{prf:proof}
# The moment generating function of $\chi^2_k$ is $\mathbb E\,e^{\lambda Z}=(1-2\lambda)^{-k/2}$ for
# $\lambda<\tfrac12$. *Upper tail:* for $0<\lambda<\tfrac12$, Markov's inequality applied to
# $e^{\lambda Z}$ gives $\Pr[Z\ge(1+\varepsilon)k]\le e^{-\lambda(1+\varepsilon)k}(1-2\lambda)^{-k/2}$.
# The choice $\lambda=\frac{\varepsilon}{2(1+\varepsilon)}$ makes this
# $\big((1+\varepsilon)e^{-\varepsilon}\big)^{k/2}=e^{-\frac k2(\varepsilon-\ln(1+\varepsilon))}$.
# The alternating series $\ln(1+\varepsilon)=\varepsilon-\frac{\varepsilon^2}2+\frac{\varepsilon^3}3-\dots$
# has decreasing terms, so $\ln(1+\varepsilon)\le\varepsilon-\frac{\varepsilon^2}2+\frac{\varepsilon^3}3$,
# i.e. $\varepsilon-\ln(1+\varepsilon)\ge\frac{\varepsilon^2}2-\frac{\varepsilon^3}3$.
# *Lower tail:* likewise with $e^{-\lambda Z}$, $\Pr[Z\le(1-\varepsilon)k]\le e^{\lambda(1-\varepsilon)k}(1+2\lambda)^{-k/2}$,
# and $\lambda=\frac{\varepsilon}{2(1-\varepsilon)}$ gives $e^{-\frac k2(-\varepsilon-\ln(1-\varepsilon))}$, where
# $-\varepsilon-\ln(1-\varepsilon)=\frac{\varepsilon^2}2+\frac{\varepsilon^3}3+\dots\ge\frac{\varepsilon^2}2\ge\frac{\varepsilon^2}2-\frac{\varepsilon^3}3$.
# :::
#
# **All pairs at once.** A fixed difference $u=x_i-x_j$ violates (1) with probability at most
# $2e^{-\frac k2(\varepsilon^2/2-\varepsilon^3/3)}$ by (4)–(5). There are $\binom n2<n^2/2$ pairs, and the
# probability that *some* pair fails is at most the sum over pairs (the union bound):
#
# \begin{equation*}\Pr[\text{some pair violates (1)}]\ \le\ n(n-1)\,e^{-\frac k2\left(\frac{\varepsilon^2}{2}-\frac{\varepsilon^3}{3}\right)}.\tag{6}\end{equation*}
#
# This is below 1 as soon as $\frac k2(\frac{\varepsilon^2}2-\frac{\varepsilon^3}3)\ge 2\ln n$:
#
# :::{prf:theorem} Johnson–Lindenstrauss
# :label: thm-jl
# Let $0<\varepsilon<1$, let $x_1,\dots,x_n\in\mathbb R^D$ and
#
# \begin{equation*}k\ \ge\ \frac{4\ln n}{\varepsilon^2/2-\varepsilon^3/3}.\tag{7}\end{equation*}
#
# Then a random $R\in\mathbb R^{k\times D}$ with i.i.d. $\mathcal N(0,1/k)$ entries satisfies (1)
# for all pairs with probability at least $1/n$; in particular such a linear map exists.
# :::
#
# :::{prf:proof}
# By (7), $\frac k2(\frac{\varepsilon^2}2-\frac{\varepsilon^3}3)\ge2\ln n$, so the right side of (6) is at
# most $n(n-1)\,n^{-2}=1-\frac1n$. Each term of (6) is the bound of {prf:ref}`lem-chi2` applied to
# $Z=k\|R(x_i-x_j)\|^2/\|x_i-x_j\|^2\sim\chi^2_k$ (from (4)), once per tail. Hence all pairs satisfy
# (1) with probability at least $\frac1n$. Repeating the draw until (1) holds takes at most $n$
# attempts on average, and increasing $k$ by $\frac{2\ln(1/\delta)}{\varepsilon^2/2-\varepsilon^3/3}$
# pushes the failure probability below $\delta$.
# :::
#
# Three remarks. The bound depends on $n$ and $\varepsilon$ but **not on $D$**. It is
# essentially tight: Larsen and Nelson (2017) showed that for every $n,D\ge2$ and every
# $\varepsilon$ with $1/\min(n,D)^{0.4999}<\varepsilon<1$ there are $n$ points in $\mathbb R^D$ that
# no map, linear or not, embeds with distortion $\varepsilon$ in fewer than
# $k=\Omega(\varepsilon^{-2}\log n)$ dimensions. The range of $\varepsilon$ matters: for smaller
# $\varepsilon$ the bound would exceed $\min(n,D)$, and the identity (or the projection onto the
# span of the points) already embeds them exactly in $\min(n,D)$ dimensions. And (7) is exactly
# scikit-learn's `johnson_lindenstrauss_min_dim`; for $n=1000$, $\varepsilon=0.1$ it asks for
# $k=5920$ — a worst-case guarantee that section 5 compares with what happens on real data.
#
# **Sparse matrices.** The Gaussian entries are not essential. With $\rho\in(0,1]$, let
#
# \begin{equation*}\begin{aligned}R_{ji}=\frac{1}{\sqrt{\rho k}}\times\begin{cases}+1&\text{with probability }\rho/2\\
# 0&\text{with probability }1-\rho\\ -1&\text{with probability }\rho/2\end{cases}
# \qquad(\text{i.i.d.};\ s=1/\rho).\end{aligned}\tag{8}\end{equation*}
#
# Every entry still has mean 0 and variance $1/k$, so (4)'s mean is unchanged. Achlioptas
# proved that $\rho=1$ (random signs) and $\rho=1/3$ satisfy the same bound (7) — his entries'
# moments are dominated by the Gaussian's. Li, Hastie and Church pushed to $\rho=1/\sqrt D$:
# a row of $R$ then has only about $\sqrt D$ non-zeros, so computing $Rx$ costs $k\sqrt D$
# instead of $kD$ operations. The price is in the fourth moment of the unscaled entries
# $r=\sqrt k\,R_{ji}$: $\mathbb E\,r^4=s=1/\rho$, against 3 for the Gaussian. Exercise 02.variance
# (section 5) derives how it enters $\operatorname{Var}\|Ru\|^2$; the answer, Eq. (10), shows
# that very sparse projections are as accurate as Gaussian ones when the mass of $u$ is spread
# over many coordinates, and much worse when $u$ is *spiky* (a few large coordinates).
#
# **FastRP.** For a graph with adjacency $A\in\mathbb R^{n\times n}$, degrees $d_v$ and
# $2m=\sum_v d_v$, Chen et al. build node embeddings from the transition matrix $P=D^{-1}A$,
# the degree weighting $L=\operatorname{diag}\big((d_v/2m)^\beta\big)$ and a very sparse
# $R\in\mathbb R^{n\times\text{dim}}$ as in (8):
#
# \begin{equation*}N_1=PLR,\qquad N_i=P\,N_{i-1}\ (i=2,\dots,q),\qquad
# E=\sum_{i=1}^q\alpha_i\,\frac{N_i}{\|N_i\|_{\text{rows}}}.\tag{9}\end{equation*}
#
# $N_i$ is a random projection of the rows of $P^iL$ — the $i$-step random-walk
# similarities — so by (4) inner products between embedded nodes approximate those between
# rows of $P^iL$. The weights $\alpha_i$ mix neighbourhoods of different radii; $\beta<0$
# damps the influence of high-degree hubs. Every step is a sparse matrix product:
# the whole embedding costs $O(q\cdot|E|\cdot\text{dim})$, with no training at all.

# %% [markdown]
# ## 3. A reference implementation in NumPy
#
# :::{exercise} 02.gaussian · Gaussian random projection in NumPy
# :label: ex-02-gaussian
# :nonumber:
# Write `gaussian_rp_np(X, k, rng)` that draws a matrix with i.i.d. $\mathcal N(0,1/k)$
# entries from the NumPy generator `rng` (`rng.standard_normal`) and returns the projected
# points $XR^\top$, an `(n, k)` array, as in (2)–(3). Do not modify `X`.
# :::

# %%
def gaussian_rp_np(X, k, rng):
    # YOUR CODE HERE
    raise NotImplementedError


# %%
gaussian_rp_np = lu.check("02.gaussian", gaussian_rp_np)

# %% [markdown] tags=["solution"]
# :::{solution} ex-02-gaussian
# :class: dropdown
# The course's solution, from `solutions/02_random_projections.py` (in JupyterLab, print it with `lu.show_solution("02.gaussian")`):
# ```{literalinclude} ../solutions/02_random_projections.py
# :pyobject: gaussian_rp_np
# ```
# :::

# %% [markdown]
# By (4), the ratios $\|y_i-y_j\|^2/\|x_i-x_j\|^2$ should have mean 1 and standard
# deviation $\sqrt{2/k}$. On the 500 images, with $k=200$:

# %% tags=["nbval-check-output"]
k = 200
Y_np = gaussian_rp_np(X_np, k, np.random.default_rng(0))
r_np = rp.distance_ratios(X_np, Y_np).numpy()
print(f"mean ratio {r_np.mean():.2f} (expected 1), std {r_np.std():.3f} (expected √(2/k) = {math.sqrt(2 / k):.3f})")
print(f"worst pair: distortion {np.abs(r_np - 1).max():.2f}")

# %% [markdown]
# The spread matches (4), the mean is off by a few percent: all 124 750 ratios share *one*
# matrix $R$, so they are not independent. Differences of images concentrate in a few
# principal directions (lesson 01), and how much $R$ happens to stretch those few directions
# moves all ratios together. Every new draw of $R$ moves them differently; on average over
# draws the mean is exactly 1.

# %% [markdown]
# :::{exercise} 02.sparse · The very sparse projection matrix
# :label: ex-02-sparse
# :nonumber:
# Write `sparse_rp_matrix_np(D, k, density, rng)` returning a dense `(k, D)` NumPy array
# drawn from (8): each entry independently $+1/\sqrt{\rho k}$ or $-1/\sqrt{\rho k}$ with
# probability $\rho/2$ each and $0$ otherwise, with $\rho$ = `density`. Use only `rng`.
# :::

# %%
def sparse_rp_matrix_np(D, k, density, rng):
    # YOUR CODE HERE
    raise NotImplementedError


# %%
sparse_rp_matrix_np = lu.check("02.sparse", sparse_rp_matrix_np)

# %% [markdown] tags=["solution"]
# :::{solution} ex-02-sparse
# :class: dropdown
# The course's solution, from `solutions/02_random_projections.py` (in JupyterLab, print it with `lu.show_solution("02.sparse")`):
# ```{literalinclude} ../solutions/02_random_projections.py
# :pyobject: sparse_rp_matrix_np
# ```
# :::

# %% tags=["nbval-check-output"]
rho = 1 / math.sqrt(D)
Rs_np = sparse_rp_matrix_np(D, 200, rho, np.random.default_rng(0))
r_sp = rp.distance_ratios(X_np, X_np @ Rs_np.T).numpy()
print(f"density 1/√D = 1/{round(1 / rho)}: {np.mean(Rs_np != 0):.4f} of the entries are non-zero "
      f"(about {np.mean(np.count_nonzero(Rs_np, axis=1)):.0f} per row instead of {D})")
print(f"distance ratios: mean {r_sp.mean():.2f}, std {r_sp.std():.3f} — as for the Gaussian matrix")

# %% [markdown]
# ## 4. The course implementation and its oracles
#
# `lowdim_utils.projections` holds the torch versions the rest of the course uses:
# `gaussian_matrix` (3), `sparse_matrix` (8) with `density="auto"` $=1/\sqrt D$,
# `achlioptas_matrix` ($\rho=1/3$), `project` (2) for dense or sparse matrices on any device,
# `jl_min_dim` (7) and its inverse `jl_eps`, `distance_ratios` / `distortion` (1), and
# `empirical_min_dim` (the measured counterpart of (7), section 5) and `fastrp` (9). Two
# implementation details:
#
# - **Drawing** a sparse matrix never creates a dense $k\times D$ mask: the gaps between
#   consecutive non-zeros of an i.i.d. Bernoulli($\rho$) sequence are geometric, so the
#   positions are a cumulative sum of $\approx\rho kD$ geometric numbers (for $\rho>0.1$ a
#   uniform mask is cheaper and is used instead).
# - **Applying** it: the matrix is stored row-compressed (`indptr`, `indices`, `values`), and
#   output coordinate $j$ of every point is a signed sum of the input columns listed in row
#   $j$ — exactly what `torch.nn.functional.embedding_bag` computes (sum of selected rows of a
#   table, with weights) when the table is $X^\top$. On a CPU the rows of $X$ are processed in
#   cache-sized blocks, each transposed once.
#
# **How we compare with scikit-learn.** Its `GaussianRandomProjection` and
# `SparseRandomProjection` draw the same distributions as (3) and (8), with their own random
# numbers — so no entry of our matrices equals theirs. We compare what must agree: the JL
# dimension exactly, the set of values and the law of the entries, and the distribution of
# the distance ratios they produce.

# %% tags=["nbval-check-output"]
print("jl_min_dim(1000, eps=0.1) =", rp.jl_min_dim(1000, 0.1),
      "| sklearn:", int(johnson_lindenstrauss_min_dim(1000, eps=0.1)))
grid = [(m, e) for m in (2, 10, 500, 1000, 10**5, 10**9) for e in (0.01, 0.05, 0.1, 0.3, 0.5, 0.9)]
same = sum(rp.jl_min_dim(m, e) == int(johnson_lindenstrauss_min_dim(m, eps=e)) for m, e in grid)
print(f"identical to sklearn on {same} of the {len(grid)} (n, eps) pairs of the grid (must be all)")
print(f"for our 500 images: eps=0.1 needs k >= {rp.jl_min_dim(500, 0.1)}, eps=0.5 needs k >= {rp.jl_min_dim(500, 0.5)}")

# %% [markdown]
# The law of the entries (tolerances: a two-sample Kolmogorov–Smirnov test at level 1% for
# the Gaussian entries; the non-zero fraction within 5 binomial standard deviations of
# $\rho$; the non-zero values equal to $10^{-12}$):

# %% tags=["nbval-check-output"]
Dm, km = 3000, 300
G_ours = rp.gaussian_matrix(Dm, km, generator=1, dtype=torch.float64).numpy().ravel()
G_sk = GaussianRandomProjection(km, random_state=1).fit(np.zeros((2, Dm))).components_.ravel()
p_ks = stats.ks_2samp(G_ours, G_sk).pvalue
print(f"Gaussian: variance·k ours {G_ours.var() * km:.3f}, sklearn {G_sk.var() * km:.3f}; "
      f"two-sample KS test p = {p_ks:.2f} (must be > 0.01)")
for name, dens in [("Achlioptas, ρ=1/3", 1 / 3), ("very sparse, ρ=1/√D", "auto")]:
    S_ours = rp.sparse_matrix(Dm, km, density=dens, generator=1, dtype=torch.float64)
    S_sk = SparseRandomProjection(km, density=dens, random_state=1).fit(np.zeros((2, Dm))).components_
    S_sk = S_sk.toarray() if hasattr(S_sk, "toarray") else np.asarray(S_sk)
    r_ = S_ours.density
    sd = math.sqrt(r_ * (1 - r_) / (km * Dm))
    same_vals = np.allclose(np.unique(S_ours.values.numpy()), np.unique(S_sk[S_sk != 0]), rtol=1e-12)
    z_ours, z_sk = (S_ours.nnz / (km * Dm) - r_) / sd, (np.mean(S_sk != 0) - r_) / sd
    print(f"{name}: values ±{1 / math.sqrt(r_ * km):.4f} in both: {same_vals}; non-zero fraction ρ + z·sd with "
          f"z = {z_ours:+.1f} (ours), {z_sk:+.1f} (sklearn) (must be within ±5)")

# %% [markdown]
# The distance ratios, $k=200$: as we just saw, one draw of $R$ shifts all ratios of these
# images together by a few percent, so comparing one draw of ours with one of scikit-learn's
# would mostly compare two shifts. We pool the ratios of 200 images over 12 independent draws
# per library and compare quantiles (tolerance 0.04, less than half of one standard deviation
# $\sqrt{2/k}=0.1$). Then the sparse `project` against a dense product with the same matrix,
# in float32 (tolerance $10^{-5}$).

# %% tags=["nbval-check-output"]
q = [0.01, 0.1, 0.5, 0.9, 0.99]
X200, X200_np = X[:200].float(), X_np[:200].astype(np.float32)
rows = {}
for name, make_c, make_sk in [
    ("Gaussian", lambda s: rp.gaussian_matrix(D, 200, generator=s, device=device),
     lambda s: GaussianRandomProjection(200, random_state=s)),
    ("very sparse", lambda s: rp.sparse_matrix(D, 200, generator=s, device=device),
     lambda s: SparseRandomProjection(200, random_state=s, dense_output=True)),
]:
    r_c = torch.cat([rp.distance_ratios(X200, rp.project(X200, make_c(s))).cpu() for s in range(12)])
    r_s = torch.cat([rp.distance_ratios(X200_np, make_sk(s).fit_transform(X200_np)) for s in range(12)])
    rows[name] = (np.quantile(r_c.numpy(), q), np.quantile(r_s.numpy(), q))
    print(f"{name:11s} quantiles {q}:\n   course  {np.round(rows[name][0], 2)}\n   sklearn {np.round(rows[name][1], 2)}")
gap_q = max(np.abs(a - b).max() for a, b in rows.values())
print(f"largest gap between matching quantiles: {gap_q:.2f} (must be < 0.04)")
Xf32 = X.float()
R_c = rp.sparse_matrix(D, 200, generator=2, dtype=torch.float32, device=device)
err = (rp.project(Xf32, R_c) - Xf32 @ R_c.to_dense().T).abs().max()
print("sparse project vs dense product with the same matrix, max |Δ| < 1e-5:", bool(err < 1e-5))

# %% [markdown]
# ## 5. The headline: distortion against the Johnson–Lindenstrauss bound
#
# For each target dimension $k$ we project the 500 images with each kind of matrix (two
# independent draws each) and record the **worst** pair's distortion
# $\max_{i<j}\big|\|y_i-y_j\|^2/\|x_i-x_j\|^2-1\big|$ and the 99th percentile. The black curve
# is the guarantee of {prf:ref}`thm-jl`: the $\varepsilon$ at which (7) holds with equality
# for $n=500$ (it exists only for $k\ge24\ln n\approx149$). The squared distances of the
# originals are computed once (`torch.pdist`), which is what `distance_ratios` does inside.

# %%
ks = [25, 50, 100, 200, 400, 700]
kinds = {"Gaussian": lambda kk, s: rp.gaussian_matrix(D, kk, generator=s, dtype=X.dtype, device=device),
         "Achlioptas ρ=1/3": lambda kk, s: rp.achlioptas_matrix(D, kk, generator=s, dtype=X.dtype, device=device),
         "very sparse ρ=1/√D": lambda kk, s: rp.sparse_matrix(D, kk, generator=s, dtype=X.dtype, device=device)}
draws = 2
worst = {name: np.zeros((len(ks), draws)) for name in kinds}
p99 = {name: np.zeros((len(ks), draws)) for name in kinds}
for name, make in lu.progress_bar(kinds.items(), desc="matrix kinds"):
    for a, kk in enumerate(ks):
        for s in range(draws):
            dev = (torch.pdist(rp.project(X, make(kk, 1000 * s + kk))) ** 2 / dX - 1).abs()
            worst[name][a, s] = float(dev.max())
            p99[name][a, s] = float(torch.quantile(dev.float(), 0.99))
jl = np.array([rp.jl_eps(n, kk) for kk in ks])

fig, ax = plt.subplots(figsize=(9, 4.2))
for c, name in enumerate(kinds):
    ax.plot(ks, worst[name].mean(1), "o-", color=f"C{c}", label=f"{name}: worst pair")
    ax.plot(ks, p99[name].mean(1), "s:", color=f"C{c}", alpha=0.7, label=f"{name}: 99th percentile")
kk_fine = np.arange(150, 801)
ax.plot(kk_fine, [rp.jl_eps(n, int(v)) for v in kk_fine], color="k", lw=2, label="JL guarantee (7), n=500")
ax.plot(ks, np.sqrt(2 / np.array(ks)), color="gray", ls="--", lw=1, label=r"one std $\sqrt{2/k}$ (4)")
ax.set_xscale("log"); ax.set_yscale("log")
ax.set_xticks(ks, [str(v) for v in ks]); ax.minorticks_off()
ax.set_xlabel("target dimension k"); ax.set_ylabel(r"distortion $|\,$ratio $-\ 1\,|$")
ax.set_title("500 Fashion-MNIST images (D=784): distortion vs k")
ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1))
plt.tight_layout()
plt.show()

# %% tags=["nbval-check-output"]
ok = ~np.isnan(jl)
gap = {name: worst[name].max(1)[ok] / jl[ok] for name in kinds}
print("k with a JL guarantee:", [kk for kk, o in zip(ks, ok) if o])
for name in kinds:
    print(f"{name:20s}: worst pair below the JL bound at every such k: {bool((gap[name] < 1).all())}; "
          f"worst/bound in [{gap[name].min():.1f}, {gap[name].max():.1f}]")
slope = {name: np.polyfit(np.log(ks), np.log(worst[name].mean(1)), 1)[0] for name in kinds}
print("log-log slope of the worst-pair distortion, per kind:", ", ".join(f"{v:.2f}" for v in slope.values()),
      "(theory -0.5; must lie in [-0.7, -0.4]:", f"{all(-0.7 < v < -0.4 for v in slope.values())})")
spread_ratio = np.array([[worst[name][a].mean() / p99[name][a].mean() for name in kinds] for a in range(len(ks))])
print("worst pair / 99th percentile, mean over the three kinds (per k):",
      ", ".join(f"k={kk}: {r:.1f}x" for kk, r in zip(ks, spread_ratio.mean(1))))

# %% [markdown]
# All three kinds of matrix behave the same, the distortion falls roughly like $1/\sqrt k$ as (4)
# predicts (fitted log-log slopes $-0.55$ to $-0.61$: a little steeper, since at small $k$ the
# $\chi^2_k$ tail is heavier than a Gaussian one), and the worst of the 124 750 pairs stays below the JL guarantee — but not by
# much: 70–100% of it. The guarantee is nearly tight, and for a simple reason: for small
# $\varepsilon$, (7) reads $\varepsilon\approx\sqrt{8\ln n/k}$, while the largest of $m$
# independent deviations of standard deviation $\sqrt{2/k}$ is about
# $\sqrt{2/k}\cdot\sqrt{2\ln m}$ $=\sqrt{8\ln n/k}$ for $m\approx n^2/2$ pairs. The union bound loses
# little when the pairs behave almost independently. The 99th percentile is about half the
# worst pair's distortion for $k\le200$ and 1.7 times smaller at $k=400$–$700$ (the last line
# above): most pairs are far better than the worst one, and the gap narrows slowly as $k$ grows
# because the $\chi^2_k$ tail becomes more Gaussian. This reproduces the
# qualitative claims of Achlioptas and of Li et al.: sparse $\{0,\pm1\}$ matrices, even with
# density $1/\sqrt D = 1/28$, lose nothing measurable against Gaussian ones on real images.
#
# ### How large must $k$ be? The lemma's claim, measured
#
# Theorem {prf:ref}`thm-jl` makes a claim about *how $k$ scales*: at a fixed distortion
# $\varepsilon$ and failure probability $\delta$, a $k$ of order $\varepsilon^{-2}\log n$ suffices,
# whatever $D$. A worst-case bound cannot show how much $k$ real data need; an experiment can.
# For a given data set, $\varepsilon$ and $\delta$, call $k^\ast$ the smallest $k$ for which a
# random projection keeps *every* pair within $1\pm\varepsilon$ in at least a fraction $1-\delta$
# of the draws.
#
# :::{exercise} 02.kmin · The smallest k that works (an open experiment)
# :label: ex-02-kmin
# :nonumber:
# Write `smallest_k(X, eps, delta, rng)` that finds $k^\ast$ for the rows of `X` and Gaussian
# projections drawn with the NumPy generator `rng`, by experiment: estimate the probability of
# success at candidate values of $k$ over enough draws and search for the smallest $k$ where it
# reaches $1-\delta$. How you search and how many draws you spend is up to you (the guarantee (7)
# with $\delta$, $k\le(4\ln n+2\ln(1/\delta))/(\varepsilon^2/2-\varepsilon^3/3)$, is a safe upper end). The check
# draws 100 fresh projections of its own at your $k$ and at $0.8k$: at your $k$ at least
# $1-\delta-0.12$ of them must succeed (it is an estimate, so a little noise is allowed), at
# $0.8k$ fewer than $1-\delta$ (your $k$ is not much larger than needed). Do not use
# `rp.empirical_min_dim`, which does the same, below.
# :::

# %%
def smallest_k(X, eps, delta, rng):
    # YOUR CODE HERE
    raise NotImplementedError


# %%
smallest_k = lu.check("02.kmin", smallest_k)

# %% [markdown] tags=["solution"]
# :::{solution} ex-02-kmin
# :class: dropdown
# One draw of a matrix with many rows gives a projection for every smaller $k$ at once: its first
# $k$ rows, divided by $\sqrt k$, are exactly a $k$-row Gaussian projection. The solution draws 100
# such matrices once and bisects on $k$. The course's solution, from
# `solutions/02_random_projections.py` (in JupyterLab, print it with `lu.show_solution("02.kmin")`):
# ```{literalinclude} ../solutions/02_random_projections.py
# :pyobject: smallest_k
# ```
# :::

# %% tags=["nbval-check-output"]
eps_k, delta_k = 0.5, 0.2
k_yours = smallest_k(X_np[:150], eps_k, delta_k, np.random.default_rng(0))
k_lib = rp.empirical_min_dim(X_np[:150], eps_k, delta=delta_k, trials=100, generator=0)
print(f"150 images, eps={eps_k}, delta={delta_k}: your k* = {k_yours}, rp.empirical_min_dim = {k_lib} "
      f"(agree within 10%: {abs(k_yours - k_lib) <= 0.1 * k_lib}); the guarantee (7) asks for {rp.jl_min_dim(150, eps_k)}")

# %% [markdown]
# `rp.empirical_min_dim(X, eps, delta=..., trials=...)` does the same search faster: it keeps the
# Gram matrix of the projected points and walks down a grid of $k$ (4% steps) removing a block of
# coordinates at a time, so each draw costs one $n\times n$ product. With it we measure $k^\ast$ at
# $\varepsilon=0.3$, $\delta=0.1$ (40 draws per point) in two sweeps:
#
# - **over $n$**: the first $n$ of the 2000 Fashion-MNIST test images in a random order,
#   $n=30,100,300,1000$ (so $\ln n$ doubles), $D=784$ fixed;
# - **over $D$**: 200 points with i.i.d. Gaussian coordinates in $D=256,1024,4096$ dimensions,
#   with Gaussian and with very sparse ($\rho=1/\sqrt D$) matrices, $n$ fixed. (Gaussian points,
#   because real data of growing $D$ would change the geometry of the points as well.)
#
# The bars show the spread of the per-draw $k_t$ (10th–90th percentile; $k^\ast$ is their
# 90th percentile, one per draw being the smallest grid $k$ from which that draw succeeds).
# `LOWDIM_SCALE=full` adds $n=2000$ and $D=16384$ and uses 100 draws per point; no conclusion
# needs it.

# %%
eps_e, delta_e = 0.3, 0.1
trials_e = 40 if SCALE == "small" else 100
fm_all = load("fashion_mnist", split="test", normalize=True).X.astype(np.float64)
order = np.random.default_rng(3).permutation(len(fm_all))
ns = [30, 100, 300, 1000] if SCALE == "small" else [30, 100, 300, 1000, 2000]
Ds = [256, 1024, 4096] if SCALE == "small" else [256, 1024, 4096, 16384]
by_n, by_D = {}, {}
with lu.progress_bar(total=len(ns) + 2 * len(Ds), desc="empirical k*") as bar:
    for nn in ns:
        by_n[nn] = rp.empirical_min_dim(torch.from_numpy(fm_all[order[:nn]]).to(device), eps_e, delta=delta_e,
                                        trials=trials_e, generator=nn, return_trials=True)
        bar.update()
    for Dd in Ds:
        Xg = torch.randn(200, Dd, generator=torch.Generator().manual_seed(Dd), dtype=torch.float64).to(device)
        for kind in ("gaussian", "sparse"):
            by_D[kind, Dd] = rp.empirical_min_dim(Xg, eps_e, delta=delta_e, trials=trials_e, kind=kind,
                                                  generator=Dd + 1, return_trials=True)
            bar.update()

k_n = np.array([by_n[nn][0] for nn in ns])
fit_slope, fit_icpt = np.polyfit(np.log(ns), k_n, 1)
c_e = eps_e ** 2 / 2 - eps_e ** 3 / 3


def band(kt):
    kt = kt[np.isfinite(kt)]
    return np.percentile(kt, [10, 90])


fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
for nn in ns:
    axes[0].plot([nn, nn], band(by_n[nn][1].numpy()), color="C0", lw=6, alpha=0.25)
axes[0].plot(ns, k_n, "o-", color="C0", label=rf"measured $k^\ast$ ($\varepsilon$={eps_e}, $\delta$={delta_e})")
n_fine = np.geomspace(ns[0], ns[-1], 50)
axes[0].plot(n_fine, fit_icpt + fit_slope * np.log(n_fine), ":", color="C0",
             label=f"fit {fit_icpt:.0f} + {fit_slope:.0f} ln n")
axes[0].plot(n_fine, 4 * np.log(n_fine) / c_e, color="k", label="guarantee (7)")
axes[0].plot(n_fine, (4 * np.log(n_fine) + 2 * np.log(1 / delta_e)) / c_e, color="k", ls="--",
             label=r"(7) with $\delta$")
axes[0].set_xscale("log"); axes[0].set_xlabel("n (Fashion-MNIST images, D = 784)"); axes[0].set_ylabel("k")
axes[0].set_title("k grows like log n"); axes[0].legend(fontsize=7)
for c, kind in enumerate(("gaussian", "sparse")):
    x = np.array(Ds) * (1 + 0.06 * c)
    for xx, Dd in zip(x, Ds):
        axes[1].plot([xx, xx], band(by_D[kind, Dd][1].numpy()), color=f"C{c}", lw=6, alpha=0.25)
    axes[1].plot(x, [by_D[kind, Dd][0] for Dd in Ds], "o-", color=f"C{c}",
                 label=r"measured $k^\ast$, " + ("Gaussian" if kind == "gaussian" else "very sparse") + " matrix")
axes[1].axhline(4 * math.log(200) / c_e, color="k", label="guarantee (7), n = 200")
axes[1].set_xscale("log"); axes[1].set_xticks(Ds, [str(v) for v in Ds]); axes[1].minorticks_off()
axes[1].set_ylim(0, None); axes[1].set_xlabel("D (200 Gaussian points)"); axes[1].set_title("k does not grow with D")
axes[1].legend(fontsize=7, loc="lower right")
plt.tight_layout(); plt.show()

# %% tags=["nbval-check-output"]
print(f"k* at eps={eps_e}, delta={delta_e}, {trials_e} draws per point:")
for nn, kk in zip(ns, k_n):
    print(f"  n={nn:5d} (ln n = {math.log(nn):.1f}): k* = {kk:4d}; the guarantee (7) asks for {rp.jl_min_dim(nn, eps_e)}")
below = bool(all(kk <= rp.jl_min_dim(nn, eps_e) for nn, kk in zip(ns, k_n)))
print(f"  fitted slope {fit_slope:.0f} per unit of ln n (the union-bound estimate 8/eps² = {8 / eps_e ** 2:.0f}, "
      f"(7)'s 4/(eps²/2 - eps³/3) = {4 / c_e:.0f}); k* below (7) at every n: {below}")
for kind in ("gaussian", "sparse"):
    k_D = np.array([by_D[kind, Dd][0] for Dd in Ds])
    print(f"  {kind:8s} matrix, n=200: " + ", ".join(f"D={Dd}: {kk}" for Dd, kk in zip(Ds, k_D))
          + f"; largest D / smallest D {k_D[-1] / k_D[0]:.2f} (no growth with D, must be <= 1.1: {k_D[-1] <= 1.1 * k_D[0]})")

# %% [markdown]
# Over a factor of 33 in $n$, $k^\ast$ grows along a straight line in $\ln n$ (from 316 to 655),
# with a fitted slope of 95 — close to the union-bound estimate $8/\varepsilon^2=89$ (the largest of
# $m\approx n^2/2$ nearly independent deviations, as above) and below the 111 of (7); at every $n$ it
# is 15–19% below (7), although $k^\ast$ asks for success with probability 0.9 and (7) only for
# $1/n$. Over a factor of 16 in $D$ it does not grow: 484–545 for both kinds of matrix, differences
# of one to three grid steps (4% each), the size of the draw-to-draw noise with 40 draws. For the very
# sparse matrix this is not automatic — its density $1/\sqrt D$ changes with $D$ — but by (10) below
# its extra variance on spread-out vectors is $(\sqrt D-3)\sum_iu_i^4/\|u\|^4\approx3/\sqrt D$ of the Gaussian
# one, which only shrinks as $D$ grows. The per-draw spread (the bars) is wide: a single draw can
# succeed at half of $k^\ast$ or need all of it, which is why $k^\ast$ is defined by a probability.
#
# **Paper vs. ours.** Dasgupta and Gupta's theorem (and scikit-learn's
# `johnson_lindenstrauss_min_dim`) gives $k\ge4\ln n/(\varepsilon^2/2-\varepsilon^3/3)$: growing like
# $\ln n$ with slope 111 at $\varepsilon=0.3$, independent of $D$, for success with probability at
# least $1/n$ (the formula checked against scikit-learn's documentation, not against the paper);
# we measure, on 30–1000 Fashion-MNIST images and on 200 Gaussian points in 256–4096 dimensions,
# success with probability 0.9 at a $k^\ast$ 15–19% below it, growing like $\ln n$ with slope 95 and
# flat in $D$; the difference comes from the union bound, which adds up the failure probabilities
# of all pairs as if they never failed together, and from the tail bound (5), which is not tight
# at $\varepsilon=0.3$ — neither changes how $k$ scales.
#
# ### When very sparse projections fail
#
# Section 2 left open how the fourth moment $s=\mathbb E\,r^4$ of the unscaled entries enters the
# variance of a projected squared length. Deriving it tells when very sparse matrices fail.
#
# :::{exercise} 02.variance · Derive the variance of a projected squared norm
# :label: ex-02-variance
# :nonumber:
# Let $R\in\mathbb R^{k\times D}$ have i.i.d. entries $R_{ji}=r_{ji}/\sqrt k$ with $\mathbb E\,r=0$,
# $\mathbb E\,r^2=1$, $\mathbb E\,r^3=0$ and $\mathbb E\,r^4=s$ ($s=3$ for Gaussian entries, $s=1/\rho$
# for (8)). Derive $\operatorname{Var}\|Ru\|^2$ for a fixed $u\in\mathbb R^D$: write
# $\|Ru\|^2=\frac1k\sum_j(r_j^\top u)^2$ over the independent rows $r_j$, and expand
# $\mathbb E(r^\top u)^4=\sum_{i,l,m,o}u_iu_lu_mu_o\,\mathbb E[r_ir_lr_mr_o]$: which index patterns survive?
# Then write `sq_norm_variance(u, s, k)` returning your formula for a 1-D array `u`. The check
# compares it with the exact variance of the sum, computed numerically from the moments of its
# terms, and with SciPy's $\chi^2_k$ in the Gaussian case (where (4) already gives $2\|u\|^4/k$);
# the Monte Carlo experiment below tests it on real images.
# :::

# %%
def sq_norm_variance(u, s, k):
    # YOUR CODE HERE
    raise NotImplementedError


# %%
sq_norm_variance = lu.check("02.variance", sq_norm_variance)

# %% [markdown] tags=["solution"]
# :::{solution} ex-02-variance
# :class: dropdown
# Only the patterns with every index paired survive: $i=l=m=o$ gives $s\sum_iu_i^4$, and the three
# pairings of two different indices give $3\sum_{i\ne l}u_i^2u_l^2=3(\|u\|^4-\sum_iu_i^4)$. So
# $\mathbb E(r^\top u)^4=3\|u\|^4+(s-3)\sum_iu_i^4$, subtract $(\mathbb E(r^\top u)^2)^2=\|u\|^4$ and
# divide by $k$ for the $k$ independent rows. The course's solution, from
# `solutions/02_random_projections.py` (in JupyterLab, print it with `lu.show_solution("02.variance")`):
# ```{literalinclude} ../solutions/02_random_projections.py
# :pyobject: sq_norm_variance
# ```
# :::

# %% [markdown]
# The result of the derivation:
#
# \begin{equation*}\operatorname{Var}\|Ru\|^2=\frac{1}{k}\Big(2\|u\|^4+(s-3)\sum_i u_i^4\Big).\tag{10}\end{equation*}
#
# When the mass of $u$ is spread over many coordinates, $\sum_iu_i^4/\|u\|^4$ is of order $1/D$,
# and with $s=\sqrt D$ the extra term is $O(1/\sqrt D)$ of the Gaussian one: very sparse
# projections are as accurate as Gaussian ones. When $u$ is *spiky* (a few large coordinates),
# $\sum_iu_i^4/\|u\|^4$ is of order 1 and the extra term dominates.
#
# Monte Carlo check of (10) for $k=50$. The $k$ rows of $R$ are independent, so
# $\operatorname{Var}\|Ru\|^2=\operatorname{Var}\big((r^\top u)^2\big)/k$ for one unscaled row $r$; we estimate
# the right side from 40 matrices of $D$ rows each (31 360 rows per case). Two unit vectors: the
# normalised difference of two Fashion-MNIST images (spread out) and a vector with 90% of its
# squared norm in a single coordinate (spiky); four matrices: Gaussian ($s=3$), Achlioptas
# ($s=3$), very sparse ($s=\sqrt D=28$) and an extreme $s=D$.

# %% tags=["nbval-check-output"]
k_mc, draws_mc = 50, 40
spread = X_np[0] - X_np[1]
spiky = np.full(D, math.sqrt(0.1 / (D - 1))); spiky[0] = math.sqrt(0.9)
U = torch.from_numpy(np.stack([spread / np.linalg.norm(spread), spiky]))      # two unit vectors (2, D)
print(f"Σu⁴ (unit vectors): spread {float((U[0] ** 4).sum()):.4f}, spiky {float((U[1] ** 4).sum()):.2f}")
print(f"{'':13s}{'s':>5s} | {'spread: MC':>11s} {'(10)':>7s} | {'spiky: MC':>10s} {'(10)':>7s}")
mc_dev = []
for name, dens in [("Gaussian", None), ("Achlioptas", 1 / 3), ("very sparse", 1 / 28), ("ρ = 1/D", 1 / D)]:
    s_val = 3.0 if dens is None else 1 / dens
    z = []
    for t in range(draws_mc):
        R_t = (rp.gaussian_matrix(D, D, generator=t, dtype=torch.float64) if dens is None
               else rp.sparse_matrix(D, D, density=dens, generator=t, dtype=torch.float64))
        z.append(D * rp.project(U, R_t) ** 2)          # (r·u)² for each of the D unscaled rows r = √D R_j
    mc = (torch.cat(z, dim=1).var(dim=1) / k_mc).numpy()
    pred = [sq_norm_variance(u, s_val, k_mc) for u in U.numpy()]
    mc_dev.append(np.max(np.abs(mc / np.array(pred) - 1)))
    print(f"{name:13s}{s_val:5.0f} | {mc[0]:11.3f} {pred[0]:7.3f} | {mc[1]:10.3f} {pred[1]:7.3f}")
print(f"largest relative gap between Monte Carlo and (10): {100 * max(mc_dev):.0f}% (must be < 25%): "
      f"{'ok' if max(mc_dev) < 0.25 else 'FAILED'}")

# %% [markdown]
# For the spread-out image difference all four matrices have variance close to the Gaussian
# $2/k=0.04$, even $\rho=1/D$ — so a single non-zero per row on average would do! For the
# spiky vector the very sparse matrix is about ten times noisier and $\rho=1/D$ is useless:
# a row of $R$ mostly misses the one coordinate that carries the vector. Li et al. make the
# same point: very sparse projections need data whose fourth moments are not too heavy —
# true for images and dense features, not for one-hot or extremely sparse inputs.
#
# ## 6. FastRP: embedding a graph with a very sparse projection
#
# Zachary's karate club: 34 members, 78 friendships, and a split into two clubs (Mr. Hi's
# and the Officer's). We embed the nodes with (9) in 32 dimensions ($\beta=-0.5$,
# weights $\alpha=(0,1,1,1)$ for $P^1..P^4$) and ask a logistic regression, by leave-one-out
# cross-validation, to predict each member's club from its embedding. As a contrast, the
# same with only the one-step neighbourhood ($\alpha=(1,0,0,0)$). Both use the same 20 random
# matrices $R$ (seeds 0–19), so their accuracies can be compared seed by seed.

# %%
karate = load("karate")
A_k = torch.from_numpy(karate.A)
y_k = karate.y


def loo_predict(E):
    """Leave-one-out predictions of a logistic regression on the embeddings E: (34, dim)."""
    return cross_val_predict(LogisticRegression(solver="liblinear"), E, y_k, cv=LeaveOneOut())


seeds_k = range(20)
acc, wrong = {}, {}
for label, w in [("α=(0,1,1,1): powers 2-4", (0, 1, 1, 1)), ("α=(1,0,0,0): neighbours only", (1, 0, 0, 0))]:
    preds = [loo_predict(rp.fastrp(A_k, 32, weights=w, beta=-0.5, generator=s).numpy()) for s in seeds_k]
    acc[label] = np.array([np.mean(p == y_k) for p in preds])
    wrong[label] = sorted(set.intersection(*[set(np.flatnonzero(p != y_k).tolist()) for p in preds]))


def wilson(p_hat, m, z=1.96):
    """95% Wilson interval of a proportion p_hat measured on m items."""
    centre = (p_hat + z * z / (2 * m)) / (1 + z * z / m)
    half = z * math.sqrt(p_hat * (1 - p_hat) / m + z * z / (4 * m * m)) / (1 + z * z / m)
    return centre - half, centre + half
E_k = rp.fastrp(A_k, 32, weights=(0, 1, 1, 1), beta=-0.5, generator=0)

Z = np.linalg.svd(E_k.numpy() - E_k.numpy().mean(0), full_matrices=False)[0][:, :2]
fig, axes = plt.subplots(1, 2, figsize=(10, 4))
pos = nx.spring_layout(karate.graph, seed=0)
colors = np.array(["C0", "C1"])[y_k]
nx.draw_networkx(karate.graph, pos, ax=axes[0], node_color=colors, node_size=180, font_size=7, edge_color="0.7")
axes[0].set_title("karate club (colour = club after the split)"); axes[0].axis("off")
for c, lab in enumerate(karate.label_names):
    axes[1].scatter(*Z[y_k == c].T, color=f"C{c}", label=lab, s=40)
for v in range(len(Z)):
    axes[1].annotate(str(v), Z[v], fontsize=6, xytext=(2, 2), textcoords="offset points")
axes[1].set_title("FastRP embedding (dim 32), first two principal axes")
axes[1].legend()
plt.tight_layout()
plt.show()

# %% tags=["nbval-check-output"]
m_k = len(y_k)
for label, a in acc.items():
    lo, hi = wilson(a.mean(), m_k)
    print(f"{label:30s}: leave-one-out accuracy {a.mean():.3f} ± {a.std():.3f} (mean ± std over {len(a)} matrices; "
          f"min–max {a.min():.3f}–{a.max():.3f}, i.e. {round(a.min() * m_k)}–{round(a.max() * m_k)} of {m_k} members); "
          f"95% interval for {m_k} members {lo:.2f}–{hi:.2f}; misclassified with every matrix: {wrong[label]}")
a1, a0 = acc.values()
diff = a1 - a0
print(f"difference (same matrix): {diff.mean() * m_k:+.1f} members on average, {diff.min() * m_k:+.0f} to "
      f"{diff.max() * m_k:+.0f}; the powers 2-4 are better with {int((diff > 0).sum())} of {len(diff)} matrices, "
      f"worse with {int((diff < 0).sum())}")
v8 = list(karate.graph[8])
print(f"member 8 joined {karate.label_names[y_k[8]]}'s club; its friends in the Officer's club: "
      f"{int(np.sum(y_k[v8] == 1))} of {len(v8)}")

# %% [markdown]
# With 2–4-step neighbourhoods ($\alpha=(0,1,1,1)$) the embedding gets
# 33 of the 34 members right with every one of the 20 matrices; the one it gets wrong, 8, has 3 of
# its 5 friends in the Officer's club but joined Mr. Hi's, so an embedding built from friendships
# alone puts it with the Officer's side. With only direct neighbours the accuracy is lower on
# average (0.918 against 0.971) and depends on the matrix (29–33 members). Over the random matrices
# the difference is consistent — never worse, better with 17 of 20, by 1.8 members on average — but
# it is a difference on *this* graph: with 34 members the 95% intervals of the two accuracies
# (0.85–0.99 and 0.78–0.97) overlap widely, so the karate club illustrates the construction
# rather than showing that higher powers are better in general.
#
# **Paper vs. ours.** Chen et al. report FastRP over 4,000 times faster than DeepWalk and node2vec
# while achieving comparable or better quality on several real networks and downstream tasks
# (their abstract; the per-dataset scores are not checked against the paper); we get, on the
# 34-node karate club, a leave-one-out accuracy of 0.971 (33 of 34, the same for all 20 random
# matrices) with $\alpha=(0,1,1,1)$, $\beta=-0.5$, untuned, and no speed comparison; the difference
# is one of scale — a two-community graph of 34 nodes can neither time nor rank embedding methods.
# What it does show is the paper's central observation: the quality comes from *building the right
# similarity matrix* (higher powers, degree normalisation), and the very sparse projection then
# compresses it almost for free. Lesson 11 reuses `rp.fastrp` on larger graphs.
#
# ## 7. Scaling up
#
# Applying a projection to $n$ points costs $O(nkD)$ for a dense matrix and $O(nk\rho D)$
# for a sparse one — with $\rho=1/\sqrt D$, a factor $\sqrt D$ fewer operations. We time the
# four ways of projecting $n=500$ random float32 points to $k=512$ dimensions as $D$ grows:
# the course's `project` with a very sparse matrix and with a Gaussian one (a dense BLAS
# product), and scikit-learn's `transform` of both (fitted beforehand; the matrices are not
# part of the timing).

# %%
n_b, k_b = (500, 512) if SCALE == "small" else (20000, 1024)
Ds = [1000, 2000, 4000, 8000, 16000] if SCALE == "small" else [4000, 16000, 64000]
bench = lu.Benchmark(f"projecting n={n_b} float32 points to k={k_b}", size_label="D (input dimension)")
for Dd in lu.progress_bar(Ds, desc="benchmark sizes"):
    Xb = torch.randn(n_b, Dd, generator=torch.Generator().manual_seed(Dd))
    Xb_np = Xb.numpy()
    Rs = rp.sparse_matrix(Dd, k_b, generator=1)
    Rg = rp.gaussian_matrix(Dd, k_b, generator=1)
    srp_b = SparseRandomProjection(k_b, random_state=1).fit(Xb_np)
    grp_b = GaussianRandomProjection(k_b, random_state=1).fit(Xb_np)
    bench.run("course very sparse (CPU)", Dd, rp.project, Xb, Rs, repeats=5)
    bench.run("sklearn SparseRandomProjection", Dd, srp_b.transform, Xb_np, repeats=5)
    bench.run("course Gaussian (CPU)", Dd, rp.project, Xb, Rg, repeats=5)
    bench.run("sklearn GaussianRandomProjection", Dd, grp_b.transform, Xb_np, repeats=5)
    if device.type != "cpu":
        Xg = Xb.to(device)
        bench.run(f"course very sparse ({device.type})", Dd, rp.project, Xg, Rs.to(device), device=device)
        bench.run(f"course Gaussian ({device.type})", Dd, rp.project, Xg, Rg.to(device), device=device)
bench.plot()
plt.show()
bench.report()

# %%
t = bench.table()
print(f"speed-up of the very sparse over the Gaussian projection (course code, CPU):")
speedups = {Dd: t.loc[Dd, 'course Gaussian (CPU)'] / t.loc[Dd, 'course very sparse (CPU)'] for Dd in Ds}
for Dd, sp_ in speedups.items():
    print(f"  D={Dd:6d}: {sp_:5.1f}x (operation count ratio √D = {math.sqrt(Dd):.0f})")
best = max(speedups, key=speedups.get)
print(f"in this run: at most {speedups[best]:.1f}x (at D={best}), {speedups[best] / math.sqrt(best):.0%} of the "
      f"operation-count ratio there")

# %% [markdown]
# Compare the printed speed-ups of the sparse projection with $\sqrt D$: on a CPU they stay far
# below the operation-count ratio (the last line above says by how much in this run). Two
# reasons. First, a dense
# input must be *read* in full: whatever $R$ is, every one of the $nD$ input numbers is
# touched once (here: transposed block by block), so the sparse method costs
# $O(nD + nk\sqrt D)$, not $O(nk\sqrt D)$ — and once $X$ no longer fits in the CPU cache,
# that read runs at memory speed. Second, a dense product runs at the full speed of the BLAS
# library (vectorised, cache-blocked, compute-bound), while the sparse one is limited by
# memory traffic for its scattered reads. Li et al. count operations, not seconds; on real
# hardware the sparse matrix also wins on memory — $k\sqrt D$ instead of $kD$ numbers to draw
# and store. (Timings of a few milliseconds are noisy on a shared 2-core machine, so the
# slopes in the legend are rough.)
#
# **The standard benchmark size** of this lesson: $n=2000$ dense float32 points with
# $D=10\,000$, $k=1000$, density $1/\sqrt D=1/100$, CPU. The course's sparse projection must
# be no slower than scikit-learn's `SparseRandomProjection.transform` (a single-threaded
# SciPy sparse product) at the same density.

# %%
Xs = torch.randn(2000, 10000, generator=torch.Generator().manual_seed(7))
Rs = rp.sparse_matrix(10000, 1000, generator=7)
srp_s = SparseRandomProjection(1000, random_state=7).fit(Xs[:2].numpy())
t_course = lu.time_it(rp.project, Xs, Rs, repeats=5)
t_sk = lu.time_it(srp_s.transform, Xs.numpy(), repeats=5)
threads = torch.get_num_threads()
with lu.threads(1):             # the same resources as SciPy's single-threaded product
    t_course_1 = lu.time_it(rp.project, Xs, Rs, repeats=5)
print(f"density: course {Rs.density:.4f}, sklearn {srp_s.density_:.4f}")
print(f"course project (very sparse), {threads} threads : {t_course * 1e3:7.1f} ms")
print(f"course project (very sparse), 1 thread  : {t_course_1 * 1e3:7.1f} ms")
print(f"sklearn SparseRandomProjection.transform: {t_sk * 1e3:7.1f} ms")
print(f"ratio course / sklearn: {t_course / t_sk:.2f} ({threads} threads), {t_course_1 / t_sk:.2f} (1 thread)  "
      f"({'no slower' if min(t_course, t_course_1) <= t_sk else 'SLOWER'})")

# %% [markdown]
# Both perform the same $2000\times10^5$ multiply-adds. The course's version processes the
# points in cache-sized blocks with torch's `embedding_bag`, so each block of $X^\top$ is
# still in cache when it is summed; scikit-learn transposes the whole input once and runs
# SciPy's single-threaded sparse product over it; the single-thread line, timed inside
# `with lu.threads(1):` (one thread for torch and for the NumPy/SciPy pools, restored
# afterwards), compares equal resources. On a GPU, `project` sends the whole batch to
# `embedding_bag` at once. A caveat for shared machines: when other programs keep the cores
# busy, every multi-threaded torch operation can stall for milliseconds waiting for its second
# thread, which dominates small timings (the flat course curves at small $D$ above, when it
# happens); running such code inside `with lu.threads(1):` removes the effect (the library's
# iterative methods already use one thread for small operations by themselves).
#
# ## 8. Explore: target dimension, density, and the shape of the distortion
#
# Move $k$ and the density: the histogram shows the squared-distance ratios of all 124 750
# pairs of the 500 images, with the Gaussian prediction $\chi^2_k/k$ from (4) in black and the
# JL guarantee $1\pm\varepsilon$ (when $k\ge149$) in red. Even density $1/D$ — about one
# non-zero per row of $R$ — keeps the histogram close to $\chi^2_k/k$ on these images;
# section 5 showed why, and when it would not.

# %% tags=["nbval-ignore-output"]
densities = {"1 (random signs)": 1.0, "1/3 (Achlioptas)": 1 / 3, "1/√D (Li et al.)": 1 / math.sqrt(D),
             "1/D (extreme)": 1 / D}


def draw(k, density):
    R_e = rp.sparse_matrix(D, k, density=densities[density], generator=0, dtype=X.dtype, device=device)
    ratio = (torch.pdist(rp.project(X, R_e)) ** 2 / dX).cpu().numpy()
    fig, ax = plt.subplots(figsize=(7, 3.6))
    ax.hist(ratio, bins=120, density=True, color="C0", alpha=0.6, label=f"{len(ratio)} pairs")
    grid_r = np.linspace(max(1e-3, ratio.min()), ratio.max(), 400)
    ax.plot(grid_r, stats.chi2.pdf(grid_r * k, k) * k, color="k", lw=1.5, label=r"$\chi^2_k/k$ (Gaussian, (4))")
    e = rp.jl_eps(n, k)
    if e == e:
        for v in (1 - e, 1 + e):
            ax.axvline(v, color="C3", ls="--", lw=1)
        ax.plot([], [], color="C3", ls="--", label=f"JL guarantee, ε={e:.2f}")
    ax.set_xlabel(r"$\|y_i-y_j\|^2 / \|x_i-x_j\|^2$")
    ax.set_ylabel("density")
    ax.set_title(f"k={k}, density {density}: worst distortion {np.abs(ratio - 1).max():.2f}, "
                 f"{R_e.nnz} non-zeros")
    ax.legend(fontsize=8)
    plt.tight_layout()


lu.explore(draw, k=(10, 700, 10, 200), density=(list(densities), "1/√D (Li et al.)"))

# %% [markdown]
# ## Summary
#
# - A random linear map $R\in\mathbb R^{k\times D}$ with variance-$1/k$ entries keeps every
#   squared length in expectation, with relative fluctuation $\sqrt{2/k}$ (4); the chi-square
#   tail bound (5) and a union bound over the $\binom n2$ pairs give the Johnson–Lindenstrauss
#   lemma: $k\ge4\ln n/(\varepsilon^2/2-\varepsilon^3/3)$ suffices, whatever $D$ is (7).
# - The entries can be random signs, Achlioptas' $\{0,\pm1\}$, or very sparse with density
#   $1/\sqrt D$: the variance (10) only pays a price $(s-3)\sum_iu_i^4$ for spiky vectors.
#   On real images all three are indistinguishable, and the worst pair reaches 70–100% of the
#   JL guarantee: for nearly independent pairs the union bound is almost tight.
# - Measured over many draws, the $k$ that keeps every pair within $1\pm\varepsilon$ with
#   probability 0.9 grows like $\ln n$ (slope close to $8/\varepsilon^2$), does not grow with $D$,
#   and sits 15–19% below the guarantee (7).
# - Random code is verified against an oracle with different random numbers by comparing
#   distributions (values, densities, KS tests, quantiles of the distance ratios) and
#   closed forms (`jl_min_dim` equals scikit-learn's exactly).
# - Sparse projections cost $O(nk\sqrt D)$ and memory $O(k\sqrt D)$; in practice the speed-up
#   over dense BLAS is real but smaller than $\sqrt D$. FastRP turns a graph's random-walk
#   similarities into node embeddings with nothing but sparse products.
#
# **Further reading.** Dasgupta & Gupta (2003) for the proof; Achlioptas (2003) and Li,
# Hastie & Church (2006) for the sparse matrices; E. Bingham and H. Mannila, *Random
# projection in dimensionality reduction: applications to image and text data* (KDD 2001);
# K. G. Larsen and J. Nelson, *Optimality of the Johnson–Lindenstrauss lemma* (FOCS 2017);
# N. Ailon and B. Chazelle's *fast JL transform* (2009) and D. Kane and J. Nelson's *sparser
# JL transforms* (2014) for structured and sparser constructions; Chen et al. (2019) for
# FastRP. Lesson 01's randomized SVD is a random projection followed by an orthogonalisation;
# lesson 05 trains networks inside a random subspace; lesson 11 compares FastRP with
# DeepWalk and node2vec.
