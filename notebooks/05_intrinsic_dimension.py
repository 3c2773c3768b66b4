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
# # 05 · Intrinsic dimension
#
# **What you will learn**
# - three ways to measure how many numbers a data set *really* needs: the PCA count (linear,
#   global), and two nearest-neighbour estimators that see curved manifolds — **TwoNN** and the
#   **Levina–Bickel maximum-likelihood estimator** — derived from one fact about Poisson
#   processes, proved below;
# - why the Levina–Bickel local estimates should be averaged through their inverses
#   (the MacKay–Ghahramani correction);
# - how to check an estimator on data of *known* dimension (flat, curved, with and without
#   boundary) and where all of them are biased;
# - the intrinsic dimension of a *training problem*: train a network inside a random
#   $d$-dimensional subspace of its parameters and find $d_{\text{int}90}$ — tiny next to the
#   number of parameters — with dense and Fastfood random projections.
#
# **Prerequisites**: [lesson 01](01_pca_svd.ipynb) (PCA and explained variance); the
# exponential distribution; training a small network with torch. Random projections are
# treated in depth in lesson 02, but nothing here depends on it.
#
# **Papers**.
# - E. Facco, M. d'Errico, A. Rodriguez, A. Laio, *Estimating the intrinsic dimension of
#   datasets by a minimal neighborhood information*, Scientific Reports 7 (2017) — **TwoNN**:
#   only the ratio of the two nearest-neighbour distances is needed.
# - E. Levina, P. Bickel, *Maximum likelihood estimation of intrinsic dimension*, NeurIPS 2004,
#   with the comment by D. MacKay and Z. Ghahramani (2005) on how to average the local estimates.
# - C. Li, H. Farkhoor, R. Liu, J. Yosinski, *Measuring the Intrinsic Dimension of Objective
#   Landscapes*, ICLR 2018 — train in random subspaces; for a fully connected network on MNIST
#   (about 200 000 parameters) they find $d_{\text{int}90}\approx 750$.
# - A. Aghajanyan, S. Gupta, L. Zettlemoyer, *Intrinsic Dimensionality Explains the Effectiveness
#   of Language Model Fine-Tuning*, ACL 2021 — the same measurement for fine-tuning pre-trained
#   language models: a few hundred random directions suffice (about 200 for RoBERTa-Large to
#   reach 90 % of full fine-tuning on MRPC).
# - H. Huang et al., *LDReg: Local Dimensionality Regularized Self-Supervised Learning*,
#   ICLR 2024 — representations can be high-dimensional globally but collapse *locally*; they
#   regularise each point's local intrinsic dimension, estimated from nearest-neighbour
#   distances as in this lesson.
# - N. Patel, R. Shwartz-Ziv, *Learning to Compress: Local Rank and Information Compression in
#   Deep Neural Networks* (2024) — the *local rank* of a layer's feature map as a measure of the
#   dimension of its feature manifold, which falls late in training.

# %%
import lowdim_utils as lu  # first: it sets OMP_WAIT_POLICY before torch loads (steadier threads)
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
from torch import nn

from lowdim_utils import intrinsic, subspace
from lowdim_utils.data import load
from lowdim_utils.neighbors import knn

device, SCALE, gen = lu.setup(seed=0)  # SCALE: "small" on a CPU by default; LOWDIM_SCALE=full for GPU-sized runs

try:  # the oracle: scikit-dimension
    import skdim
    HAVE_SKDIM = True
except ImportError:  # the lesson then compares with closed-form values only
    HAVE_SKDIM = False
print("scikit-dimension (oracle):", getattr(skdim, "__version__", "installed") if HAVE_SKDIM else "not installed")

# %% [markdown]
# ## 1. Motivation: how many numbers does an image need?
#
# The 8×8 digits have 64 pixels, and PCA (lesson 01) needs about 20 directions to explain
# 90 % of their variance. But PCA measures the dimension of the smallest *flat* subspace
# that holds the data. A swiss roll — a rolled-up sheet of paper — is 2-dimensional, yet no
# plane holds it: PCA counts 3. Real data is rarely flat, so we want an estimator that looks
# only at *small neighbourhoods*, where every smooth manifold is almost flat.
#
# The right panel previews the answer. For every point, take the ratio $\mu=r_2/r_1$ of the
# distances to its second and first nearest neighbours. On a $d$-dimensional manifold,
# $-\log(1-F(\mu))$ plotted against $\log\mu$ is a straight line of slope $d$
# ({prf:ref}`thm-twonn` below). The swiss roll's line has slope 2; the digits' has slope
# about 9 — far fewer than 64 pixels, and fewer than PCA's 21.

# %%
digits = load("digits")
X_dig = digits.X.astype(np.float64) / 16.0
X_roll = lu.to_numpy(intrinsic.manifold_sample("swiss_roll", len(X_dig), 2, ambient=64, generator=1))

fig, axes = plt.subplots(1, 3, figsize=(12, 3.4), gridspec_kw={"width_ratios": [1, 1.3, 1.3]})
axes[0].imshow(np.block([[X_dig[5 * r + c].reshape(8, 8) for c in range(5)] for r in range(2)]), cmap="gray_r")
axes[0].set_title("digits: 64 pixels each")
axes[0].axis("off")
for name, X in [("digits", X_dig), ("swiss roll in 64-D", X_roll)]:
    cum = lu.to_numpy(torch.cumsum(intrinsic.explained_variance_ratio(X), 0))
    axes[1].plot(np.arange(1, 21), cum[:20], "o-", ms=3, label=f"{name}: {intrinsic.pca_dimension(X, 0.9)} for 90%")
    d, x, y = intrinsic.twonn(X, return_fit=True)
    axes[2].plot(x, y, ".", ms=2, alpha=0.5)
    axes[2].plot(x, d * x, color=axes[2].lines[-1].get_color(), label=f"{name}: slope {d:.1f}")
axes[1].axhline(0.9, color="gray", ls=":", lw=1)
axes[1].set_xlabel("number of principal directions k")
axes[1].set_ylabel("explained variance")
axes[1].set_title("PCA: the flat dimension")
axes[1].legend()
axes[2].set_xlabel(r"$\log\mu$,  $\mu=r_2/r_1$")
axes[2].set_ylabel(r"$-\log(1-F(\mu))$")
axes[2].set_title("TwoNN: the local dimension")
axes[2].legend()
plt.tight_layout()
plt.show()

# %% tags=["nbval-check-output"]
for name, X in [("digits (64 pixels)", X_dig), ("swiss roll (true d = 2)", X_roll)]:
    print(f"{name:24s}: PCA 90% = {intrinsic.pca_dimension(X, 0.9):2d}   TwoNN = {intrinsic.twonn(X):4.1f}   "
          f"MLE (k=20) = {intrinsic.mle_dimension(X, 20):4.1f}")

# %% [markdown]
# ## 2. Derivation
#
# ### 2.1 The PCA estimate
#
# With the eigenvalues $\lambda_1\ge\dots\ge\lambda_D$ of the sample covariance (lesson 01),
# the PCA dimension at level $\tau$ is the number of directions needed to explain a fraction
# $\tau$ of the variance,
#
# \begin{equation*}k_\tau = \min\Big\{k:\ \textstyle\sum_{i\le k}\lambda_i \,\big/ \sum_{i\le D}\lambda_i \ \ge\ \tau\Big\}.\tag{1}\end{equation*}
#
# It is exact for data spread over a $d$-dimensional *linear* subspace, cheap, and robust to
# noise (small noise adds small eigenvalues). It fails for curved data: a closed curve that
# winds through many directions is 1-dimensional but can need any number of principal
# directions, and the answer depends on the arbitrary $\tau$.
#
# ### 2.2 TwoNN
#
# Locally, data on a $d$-dimensional manifold with a continuous density looks like a
# homogeneous Poisson process in $\mathbb R^d$: in a small region of volume $v$ the number of
# points is Poisson with mean $\rho v$, independently for disjoint regions. Facco et al.
# noticed that the ratio of the two nearest-neighbour distances then carries the dimension
# and *nothing else* — not the density $\rho$, not the curvature (which matters only at larger
# scales).
#
# :::{prf:theorem} The neighbour-distance ratio is Pareto
# :label: thm-twonn
# Let the points form a homogeneous Poisson process of intensity $\rho$ in $\mathbb R^d$, and
# let $r_1<r_2$ be the distances from a point $x$ to its first and second nearest neighbours.
# Then $\mu=r_2/r_1$ satisfies
#
# \begin{equation*}P(\mu>t)=t^{-d}\quad(t\ge1),\qquad\text{i.e.}\quad F(\mu)=1-\mu^{-d},\quad f(\mu)=d\,\mu^{-d-1},\tag{2}\end{equation*}
#
# whatever $\rho$. Equivalently $\log\mu$ is exponential with rate $d$, and
#
# \begin{equation*}-\log\big(1-F(\mu)\big)=d\,\log\mu .\tag{3}\end{equation*}
# :::
#
# :::{prf:proof}
# Let $\omega_d$ be the volume of the unit ball, $v_1=\omega_d r_1^d$ the volume of the ball
# reaching the first neighbour and $v_2=\omega_d(r_2^d-r_1^d)$ that of the shell between the
# first and the second. The first neighbour lies beyond volume $a$ iff the ball of volume $a$ is
# empty, which has probability $e^{-\rho a}$: so $v_1\sim\operatorname{Exp}(\rho)$. Given $v_1$,
# the shell beyond it is a disjoint region, empty up to volume $b$ with probability $e^{-\rho b}$
# independently of $v_1$: so $v_2\sim\operatorname{Exp}(\rho)$, independent of $v_1$. Since
# $\mu^d=r_2^d/r_1^d=1+v_2/v_1$,
#
# \begin{equation*}P(\mu>t)=P\big(v_2>(t^d-1)\,v_1\big)=\mathbb E\big[e^{-\rho(t^d-1)v_1}\big]
# =\int_0^\infty \rho e^{-\rho a}\,e^{-\rho(t^d-1)a}\,da=\frac{1}{t^d}.\end{equation*}
#
# Then $P(\log\mu>s)=e^{-ds}$ and $1-F(\mu)=\mu^{-d}$, which gives (3).
# :::
#
# **Estimating $d$.** Sort the ratios of all $n$ points, $\mu_{(1)}\le\dots\le\mu_{(n)}$, and use
# the empirical CDF $F(\mu_{(i)})\approx i/n$. By (3), the points
# $(x_i, y_i) = \big(\log\mu_{(i)},\,-\log(1-i/n)\big)$ lie near a line through the origin with
# slope $d$. Facco et al. fit it by least squares over the smallest 90 % of the ratios (the
# largest come from sparse regions and outliers, and $y_i\to\infty$ as $i\to n$):
#
# \begin{equation*}\hat d_{\text{TwoNN}}=\frac{\sum_{i\le m}x_i y_i}{\sum_{i\le m}x_i^2},\qquad m=\lfloor 0.9\,n\rfloor.\tag{4}\end{equation*}
#
# Because $\log\mu_i\sim\operatorname{Exp}(d)$, maximum likelihood works too: $\hat d=n/\sum_i\log\mu_i$
# — or, keeping only the $m$ smallest (a censored sample),
# $\hat d=(m-1)\big/\big(\sum_{i\le m}\log\mu_{(i)}+(n-m)\log\mu_{(m)}\big)$ (5), `method="mle"` in the course code.
#
# ### 2.3 The Levina–Bickel estimator
#
# TwoNN uses two neighbours per point. Levina and Bickel use $k$: with the neighbour distances
# $T_1(x)\le\dots\le T_k(x)$ of a point $x$, what is the distribution of the inner $k-1$?
#
# :::{prf:proposition} Log-distance ratios are exponential
# :label: prop-lb
# Under the Poisson model of {prf:ref}`thm-twonn`, conditionally on $T_k(x)=R$, the numbers
# $E_j=d\log\big(R/T_j(x)\big)$, $j=1,\dots,k-1$, are independent $\operatorname{Exp}(1)$ variables.
# :::
#
# :::{prf:proof}
# Given that the open ball $B(x,R)$ contains exactly $k-1$ points, a Poisson process places
# them independently and uniformly in the ball. For one uniform point $U$,
# $P(\|U-x\|\le s)=\omega_d s^d/(\omega_d R^d)=(s/R)^d$, so
# $P\big(d\log(R/\|U-x\|)>u\big)=P\big(\|U-x\|<Re^{-u/d}\big)=e^{-u}$. Sorting the $k-1$ points by
# distance does not change the (unordered) set of values, so the $E_j$ are $k-1$ independent
# $\operatorname{Exp}(1)$ variables.
# :::
#
# So $S(x)=\sum_{j<k}\log\big(T_k(x)/T_j(x)\big)$ is a sum of $k-1$ exponentials of rate $d$
# (a $\operatorname{Gamma}(k-1,d)$ variable), and the maximum-likelihood estimate of $d$ at $x$ is
#
# \begin{equation*}\hat m_k(x)=\frac{k-1}{S(x)}=\Big[\frac1{k-1}\sum_{j=1}^{k-1}\log\frac{T_k(x)}{T_j(x)}\Big]^{-1}.\tag{6}\end{equation*}
#
# **How to average.** Levina and Bickel average the local estimates,
# $\bar m_k=\frac1n\sum_i\hat m_k(x_i)$. But $\mathbb E[(k-1)/S]=d\,\frac{k-1}{k-2}$: every local
# estimate is biased *upward*, and averaging keeps the bias. What is unbiased is the inverse,
# $\mathbb E[S/(k-1)]=1/d$. MacKay and Ghahramani therefore proposed to average the inverses and
# invert once:
#
# \begin{equation*}\hat m_k=\Big[\frac1n\sum_{i=1}^n\hat m_k(x_i)^{-1}\Big]^{-1}=\frac{(k-1)\,n}{\sum_i S(x_i)}.\tag{7}\end{equation*}
#
# This is the maximum-likelihood estimate if the $N=n(k-1)$ log-ratios of all points are pooled
# as if independent (they are not quite — neighbourhoods overlap); its remaining bias is the
# factor $N/(N-1)$, negligible.
#
# ### 2.4 The intrinsic dimension of a training problem
#
# Li et al. ask the same question of a network's *parameters*. Let $\theta_0\in\mathbb R^D$ be a
# random initialisation and $P\in\mathbb R^{D\times d}$ a fixed random matrix with (nearly)
# orthogonal unit columns. Train only $z\in\mathbb R^d$, starting from $z=0$, in
#
# \begin{equation*}\theta=\theta_0+P\,z .\tag{8}\end{equation*}
#
# If the solutions (parameters with good accuracy) form a set of dimension $D-s$, a random
# $d$-dimensional affine subspace generically meets it only when $d\ge s$ — so the smallest
# $d$ that trains well measures the *codimension* of the solution set, the number of
# constraints the data really imposes. Since "trains well" needs a threshold, they define
# $d_{\text{int}90}$: the smallest $d$ whose test accuracy reaches 90 % of the accuracy of
# ordinary training.
#
# A dense $P$ stores $D\cdot d$ numbers — 0.8 GB for $D=200\,000$, $d=1000$. The **Fastfood**
# transform (Le, Sarlós, Smola 2013) replaces it by a product of structured matrices of size
# $L=2^{\lceil\log_2 D\rceil}$,
#
# \begin{equation*}P z = c\,\big(H\,G\,\Pi\,H\,B\,[z;\,0]\big)_{1:D},\tag{9}\end{equation*}
#
# with $H$ the Walsh–Hadamard matrix (applied in $O(L\log L)$, never stored), $B$ random signs,
# $\Pi$ a random permutation, $G$ Gaussian and $c$ a normalisation: $O(L)$ memory. Aghajanyan
# et al. use it to train RoBERTa in subspaces of a few hundred dimensions.

# %% [markdown]
# ## 3. Reference implementations in NumPy
#
# :::{exercise} 05.pca_dim · The PCA dimension
# :label: ex-05-pca-dim
# :nonumber:
# Write `pca_dimension_np(X, threshold=0.9)` returning the smallest `k` (an `int`) such that the
# top-`k` principal directions of `X` explain at least `threshold` of the variance, Eq. (1).
# Centre `X`, take `np.linalg.svd(..., compute_uv=False)`, and remember that the variances are
# the squared singular values. Do not modify `X`.
# :::

# %%
def pca_dimension_np(X, threshold=0.9):
    # YOUR CODE HERE
    raise NotImplementedError


# %%
pca_dimension_np = lu.check("05.pca_dim", pca_dimension_np)

# %% [markdown] tags=["solution"]
# :::{solution} ex-05-pca-dim
# :class: dropdown
# The course's solution, from `solutions/05_intrinsic_dimension.py` (in JupyterLab, print it with `lu.show_solution("05.pca_dim")`):
# ```{literalinclude} ../solutions/05_intrinsic_dimension.py
# :pyobject: pca_dimension_np
# ```
# :::

# %% [markdown]
# :::{exercise} 05.twonn · TwoNN in NumPy
# :label: ex-05-twonn
# :nonumber:
# Write `twonn_np(X, discard_fraction=0.1)` returning the TwoNN estimate (4) as a float:
# compute all pairwise distances (the Gram trick
# $\|a-b\|^2=\|a\|^2+\|b\|^2-2a^\top b$ is fine in float64), exclude each point from its own
# neighbours, take $\mu=r_2/r_1$, sort $\log\mu$, keep the smallest
# $m=\lfloor(1-\text{discard\_fraction})\,n\rfloor$, set $y_i=-\log(1-i/n)$ with $n$ *all* points,
# and fit a line through the origin.
# :::

# %%
def twonn_np(X, discard_fraction=0.1):
    # YOUR CODE HERE
    raise NotImplementedError


# %%
twonn_np = lu.check("05.twonn", twonn_np)

# %% [markdown] tags=["solution"]
# :::{solution} ex-05-twonn
# :class: dropdown
# The course's solution, from `solutions/05_intrinsic_dimension.py` (in JupyterLab, print it with `lu.show_solution("05.twonn")`):
# ```{literalinclude} ../solutions/05_intrinsic_dimension.py
# :pyobject: twonn_np
# ```
# The solution's helper `_sq_distances` computes the squared distances with the Gram trick and
# puts $+\infty$ on the diagonal.
# :::

# %% [markdown]
# :::{exercise} 05.mle · The Levina–Bickel estimator
# :label: ex-05-mle
# :nonumber:
# Write `mle_np(X, k)` returning the estimate (7): for each point the sorted distances
# $T_1\le\dots\le T_k$ to its $k$ nearest *other* points (`np.partition` avoids a full sort),
# $S=\sum_{j<k}\log(T_k/T_j)$, and $\hat m_k=(k-1)\,n/\sum_i S(x_i)$.
# :::

# %%
def mle_np(X, k):
    # YOUR CODE HERE
    raise NotImplementedError


# %%
mle_np = lu.check("05.mle", mle_np)

# %% [markdown] tags=["solution"]
# :::{solution} ex-05-mle
# :class: dropdown
# The course's solution, from `solutions/05_intrinsic_dimension.py` (in JupyterLab, print it with `lu.show_solution("05.mle")`):
# ```{literalinclude} ../solutions/05_intrinsic_dimension.py
# :pyobject: mle_np
# ```
# :::

# %% [markdown]
# The NumPy references agree with the course's torch implementation (next section) on the
# swiss roll and the digits, in float64:

# %% tags=["nbval-check-output"]
for name, X in [("swiss roll", X_roll), ("digits", X_dig)]:
    diffs = [abs(twonn_np(X) - intrinsic.twonn(X)), abs(mle_np(X, 20) - intrinsic.mle_dimension(X, 20)),
             abs(pca_dimension_np(X, 0.9) - intrinsic.pca_dimension(X, 0.9))]
    print(f"{name:10s}: |NumPy - course| below 1e-8 for TwoNN, MLE and PCA dimension:", max(diffs) < 1e-8)

# %% [markdown]
# ## 4. The course implementation, checked on data of known dimension
#
# `lowdim_utils.intrinsic` holds `pca_dimension(X, threshold)`, `twonn(X)` and
# `mle_dimension(X, k)`. They accept NumPy arrays or torch tensors on any device, float32 or
# float64, and validate their input (the error names the argument). Nearest neighbours come
# from the course's one neighbour search, `lowdim_utils.neighbors.knn(X, k)`, which returns the
# distances to and the indices of every point's `k` nearest other points, both `(n, k)`. It
# works on chunks of rows — so memory is $O(\text{chunk}\cdot n)$, not $O(n^2)$. It centres the
# data, computes each chunk's squared distances with one matrix product,
# $\|a\|^2+\|b\|^2-2a^\top b$ (the fast mode of `torch.cdist`), keeps the `k` smallest with
# `torch.topk`, and then recomputes those `k` distances directly as $\|x_i-x_j\|$: the
# matrix-product form loses precision exactly for the *small* distances these estimators need.
#
# **Test data** (`intrinsic.manifold_sample`), each $n=2000$ points mapped isometrically into
# $\mathbb R^{100}$: uniform in a cube on a random linear subspace ($d=2,5,10$), uniform on the
# spheres $S^2$ and $S^5$, on the flat torus $T^3$, the swiss roll ($d=2$), and a closed curve
# ($d=1$) that winds through 20 directions (`manifold_sample` returns a torch tensor, here on
# the lesson's device; `lu.to_numpy` hands a copy to the NumPy code). The **oracle** is scikit-dimension
# (`skdim.id.TwoNN`, `skdim.id.MLE` with `n_neighbors=k`), which implements the same formulas (4)
# and (6)–(7); where it is not installed, the NumPy references of section 3 stand in.
#
# **Invariances.** All three estimators depend only on distance ratios (TwoNN, MLE) or variance
# fractions (PCA), so they are invariant to translation, rotation and global scaling.

# %%
n_known = 2000
cases = [("linear", 2), ("linear", 5), ("linear", 10), ("sphere", 2), ("sphere", 5), ("torus", 3),
         ("swiss_roll", 2), ("curve", 1)]
rows, data_known = [], {}
for kind, d in lu.progress_bar(cases, desc="known manifolds"):
    Xt = intrinsic.manifold_sample(kind, n_known, d, ambient=100, generator=d, device=device)
    X = lu.to_numpy(Xt)  # for the oracle and the NumPy references
    data_known[kind, d] = X
    row = {"data": f"{kind} (d={d})", "true d": d, "PCA 90%": intrinsic.pca_dimension(Xt, 0.9),
           "TwoNN": intrinsic.twonn(Xt), "MLE k=20": intrinsic.mle_dimension(Xt, 20)}
    if HAVE_SKDIM:
        row["oracle TwoNN"] = skdim.id.TwoNN().fit(X).dimension_
        row["oracle MLE"] = skdim.id.MLE().fit(X, n_neighbors=20).dimension_
    else:  # without scikit-dimension, the NumPy references of section 3 (the same formulas) stand in
        row["oracle TwoNN"], row["oracle MLE"] = twonn_np(X), mle_np(X, 20)
    rows.append(row)
known = pd.DataFrame(rows).set_index("data")
print("oracle columns:", "scikit-dimension" if HAVE_SKDIM else "the NumPy references (scikit-dimension not installed)")
known.round(2)

# %% [markdown]
# Read the table row by row. PCA is right on flat data and wrong on curved data (the sphere
# $S^d$ needs $d+1$ directions, the torus $T^3$ six, the curve eight). The neighbour-based
# estimators find the dimension of every curved example. Both are **biased low at higher
# $d$**: with $n=2000$ points a 10-dimensional cube is mostly boundary, and points near a
# boundary see fewer neighbours on one side — the well-known underestimation that grows with
# $d$ (the flat torus, which has no boundary, does better).
#
# The checks, with their tolerances: within 15 % of the true $d$ for every example with
# $d\le5$; for the 10-dimensional cube, between 7 and 10 (the boundary bias); the course
# implementation against the oracle to $10^{-9}$ relative (the same formulas, so only
# round-off may differ) — except on the curve, where some neighbours are only $1.6\cdot10^{-6}$
# apart and the oracle's neighbour search (scikit-learn's, or the NumPy reference's), which
# computes $\sqrt{\|a\|^2+\|b\|^2-2a^\top b}$, loses most digits of those distances (the course
# code recomputes them directly); and the invariances to $10^{-9}$.

# %% tags=["nbval-check-output"]
small = known[known["true d"] <= 5]
ok = lambda col: bool((abs(small[col] - small["true d"]) <= 0.15 * small["true d"]).all())  # noqa: E731
print("TwoNN within 15% of d for every d <= 5:", ok("TwoNN"))
print("MLE   within 15% of d for every d <= 5:", ok("MLE k=20"))
print("d = 10 cube: both estimates in [7, 10] (biased low):",
      bool(known.loc["linear (d=10)", ["TwoNN", "MLE k=20"]].between(7, 10).all()))
print("PCA exact on flat data, too high on curved data:",
      bool((known.loc[["linear (d=2)", "linear (d=5)"], "PCA 90%"] == [2, 5]).all()
           and (known.loc[["sphere (d=2)", "torus (d=3)", "curve (d=1)"], "PCA 90%"] > [2, 3, 1]).all()))
rel = (abs(known[["TwoNN", "MLE k=20"]].values - known[["oracle TwoNN", "oracle MLE"]].values)
       / known[["oracle TwoNN", "oracle MLE"]].values).max(axis=1)
curve = known.index == "curve (d=1)"
print("course vs oracle, max relative difference below 1e-9 (all but the curve):", bool(rel[~curve].max() < 1e-9))
print("course vs oracle on the curve, below 1e-4:", bool(rel[curve].max() < 1e-4))

# %% tags=["nbval-check-output"]
X = data_known["sphere", 2]
Q = np.linalg.qr(np.random.default_rng(7).standard_normal((100, 100)))[0]
moved = 3.7 * X @ Q + 11.0  # rotate, scale, translate
print("TwoNN invariant to rotation, scaling and translation:", abs(intrinsic.twonn(moved) - intrinsic.twonn(X)) < 1e-9)
print("MLE   invariant to rotation, scaling and translation:",
      abs(intrinsic.mle_dimension(moved, 20) - intrinsic.mle_dimension(X, 20)) < 1e-9)
perm = np.random.default_rng(8).permutation(len(X))
print("both invariant to the order of the points:",
      abs(intrinsic.twonn(X[perm]) - intrinsic.twonn(X)) < 1e-9
      and abs(intrinsic.mle_dimension(X[perm], 20) - intrinsic.mle_dimension(X, 20)) < 1e-9)
print("float32 and float64 agree to 1e-3:", abs(intrinsic.twonn(X.astype(np.float32)) - intrinsic.twonn(X)) < 1e-3)

# %% [markdown]
# ## 5. Real data: digits and Fashion-MNIST
#
# Now the images. Fashion-MNIST (28×28 = 784 pixels; the course ships a class-stratified
# subset) is subsampled to keep the default run short. The Levina–Bickel estimate depends on
# $k$ — the scale at which we look — so we report two values; Facco et al. recommend checking
# that an estimate is stable when the data set is *decimated* (fewer points = coarser scale).

# %%
fashion = load("fashion_mnist", split="train", normalize=True)
n_fm = 2000 if SCALE == "small" else len(fashion.X)
X_fm = fashion.X[np.random.default_rng(0).permutation(len(fashion.X))[:n_fm]]  # float32 in [0, 1]
real = {"digits (8×8)": X_dig, f"Fashion-MNIST (28×28, n={n_fm})": X_fm}
rows = []
for name, X in real.items():
    Xt = torch.from_numpy(X).to(device)
    rows.append({"data": name, "pixels": X.shape[1], "PCA 90%": intrinsic.pca_dimension(Xt, 0.9),
                 "TwoNN": intrinsic.twonn(Xt), "MLE k=10": intrinsic.mle_dimension(Xt, 10),
                 "MLE k=20": intrinsic.mle_dimension(Xt, 20)})
real_table = pd.DataFrame(rows).set_index("data")
real_table.round(1)

# %% tags=["nbval-check-output"]
print(real_table.round(1).to_string())
print("\nneighbour-based estimates far below PCA's count, which is far below the pixel count:",
      bool(((real_table[["TwoNN", "MLE k=20"]].max(axis=1) < real_table["PCA 90%"])
            & (real_table["PCA 90%"] < real_table["pixels"])).all()))

# %% [markdown]
# Decimation: TwoNN on random halves and quarters of the digits, and per digit class. A
# stable estimate across $n$ says the scale is right; the classes differ (a "1" varies in fewer
# ways than a "0" or an "8").

# %% tags=["nbval-check-output"]
rng = np.random.default_rng(1)
for frac in (0.25, 0.5, 1.0):
    est = [intrinsic.twonn(X_dig[rng.permutation(len(X_dig))[: int(frac * len(X_dig))]]) for _ in range(3)]
    print(f"digits, {frac:4.0%} of the points: TwoNN = {np.mean(est):.1f}")
per_class = {c: intrinsic.twonn(X_dig[digits.y == c]) for c in range(10)}
print("per class:", {c: round(v, 1) for c, v in per_class.items()})
print("the '1's are among the three lowest-dimensional classes:", 1 in sorted(per_class, key=per_class.get)[:3])

# %% [markdown]
# ## 6. The headline: training in a random subspace
#
# The subspace training lives in `lowdim_utils.subspace`.
# `subspace.SubspaceModel(model, d, projection, generator=...)` wraps any torch module: it stores
# $\theta_0$ (the module's initial parameters), a fixed projection and a trainable
# $z\in\mathbb R^d$ initialised to 0, and evaluates the module at $\theta_0+Pz$ (8) with
# `torch.func.functional_call`, so autograd carries the gradient back through $P$ to $z$. The
# projections are `"dense"` (Gaussian, unit columns), `"sparse"` (about $\sqrt D$ non-zeros per
# column) and `"fastfood"` (9). `subspace.dint_sweep` builds the model once, trains a copy of it
# normally (the baseline), then trains further copies — all starting from the same $\theta_0$ —
# in subspaces of growing $d$, drawing the projections one after the other from `generator`
# (here the lesson's `gen`), and reports where the accuracy first reaches 90 % of the baseline.
# Training is the course's shared loop `lowdim_utils.training.fit`.
#
# The experiment (CPU scale): a 2-hidden-layer MLP on the 8×8 digits (1200 training, 597 test
# images), full-batch Adam, at two widths — 32 and 128 hidden units per layer. Li et al.
# found that $d_{\text{int}90}$ barely changes when a network is made wider: once a network
# can solve the task, extra parameters only make the solution set bigger.

# %%
if SCALE == "small":
    Xh, yh = X_dig.astype(np.float32), digits.y
    n_train, widths, steps = 1200, (32, 128), 150
    dims = [10, 25, 50, 100, 200, 400]
else:  # GPU scale: Fashion-MNIST, wider networks, a finer sweep
    Xh, yh = fashion.X.astype(np.float32), fashion.y
    n_train, widths, steps = 8000, (128, 256), 500
    dims = [25, 50, 100, 200, 400, 700, 1000, 1500]
perm = np.random.default_rng(0).permutation(len(Xh))
Xtr, ytr = (torch.from_numpy(a[perm[:n_train]]).to(device) for a in (Xh, yh))
Xte, yte = (torch.from_numpy(a[perm[n_train:]]).to(device) for a in (Xh, yh))


def mlp(width):
    def make():
        return nn.Sequential(nn.Linear(Xh.shape[1], width), nn.ReLU(), nn.Linear(width, width), nn.ReLU(),
                             nn.Linear(width, 10)).to(device)
    return make


sweeps = {}
for width in widths:
    sweeps[width, "dense"] = subspace.dint_sweep(mlp(width), dims, Xtr, ytr, Xte, yte, projection="dense",
                                                 steps=steps, lr=0.1, baseline_steps=200, baseline_lr=1e-2,
                                                 generator=gen)
wide = widths[-1]
sweeps[wide, "fastfood"] = subspace.dint_sweep(mlp(wide), dims, Xtr, ytr, Xte, yte, projection="fastfood",
                                               steps=steps, lr=0.1, baseline=sweeps[wide, "dense"].baseline,
                                               generator=gen)

fig, ax = plt.subplots(figsize=(7, 4))
for (width, proj), r in sweeps.items():
    line, = ax.plot(r.dims, r.accuracies, "o-" if proj == "dense" else "s--", ms=4,
                    label=f"width {width}, {proj} P  (D = {r.n_params:,}, $d_{{int90}}$ = {r.dint})")
    ax.axhline(r.baseline, color=line.get_color(), lw=0.8, alpha=0.5)
    ax.axhline(r.target, color=line.get_color(), ls=":", lw=1)
ax.set_xscale("log")
ax.set_xlabel("subspace dimension d")
ax.set_ylabel("test accuracy")
ax.set_title("Training in a random d-dimensional subspace (thin: full training; dotted: 90% of it)")
ax.legend(loc="lower right")
plt.show()

# %%
for (width, proj), r in sweeps.items():
    found = f"d_int90 = {r.dint} ({100 * r.dint / r.n_params:.1f}% of D)" if r.dint else "d_int90 not reached"
    print(f"width {width:3d}, {proj:8s}: D = {r.n_params:6,d} parameters, full-training accuracy {r.baseline:.3f}, {found}")
sub = subspace.SubspaceModel(mlp(wide)(), dims[-1], "sparse", generator=gen)
nb = {"dense": sweeps[wide, "dense"].projection_bytes[-1], "sparse": sub.projection.nbytes,
      "fastfood": sweeps[wide, "fastfood"].projection_bytes[-1]}
print(f"memory of P at d = {dims[-1]} (D = {sweeps[wide, 'dense'].n_params:,}):",
      ", ".join(f"{k} {v / 2**20:.2f} MiB" for k, v in nb.items()))

# %% tags=["nbval-check-output"]
d_narrow, d_wide = sweeps[widths[0], "dense"].dint, sweeps[wide, "dense"].dint
print("d_int90 found for every run:", all(r.dint is not None for r in sweeps.values()))
print("d_int90 below 10% of the parameter count for every run:",
      all(r.dint is not None and r.dint < 0.10 * r.n_params for r in sweeps.values()))
print(f"the wider network ({sweeps[wide, 'dense'].n_params / sweeps[widths[0], 'dense'].n_params:.1f}x the "
      f"parameters) has d_int90 within a factor 2 of the narrow one's:",
      d_narrow is not None and d_wide is not None and 0.5 <= d_wide / d_narrow <= 2)
print("Fastfood reaches 90% of full training, like the dense projection:", sweeps[wide, "fastfood"].dint is not None)
print("Fastfood stores P in at least 50x less memory than dense:", nb["dense"] >= 50 * nb["fastfood"])

# %% [markdown]
# A few hundred random directions — a few percent of the parameters, and well under 1 % for
# the wider network — reach 90 % of what ordinary training achieves, and the wider network's
# $d_{\text{int}90}$ is about the same as the narrow one's although it has more than seven
# times the parameters: the trend Li et al. report. Their number for a fully connected
# network on MNIST, $d_{\text{int}90}\approx750$ of about 200 000 parameters (0.4 %), is the same
# kind of result on a larger problem; ours is smaller in absolute terms because the 8×8 digits
# are an easier task with fewer examples (exact values also depend on the optimiser and the
# number of steps, so compare trends, not digits). The Fastfood projection gives the same curve
# while storing $O(D)$ numbers instead of $D\cdot d$ — what makes the method usable for
# Aghajanyan et al.'s hundreds of millions of parameters.
#
# ## 7. Scaling up
#
# The cost of every neighbour-based estimator is the neighbour search: $O(n^2 D)$ for the
# distances, one matrix product per chunk of rows. The NumPy reference computes the full
# $n\times n$ matrix at once (memory $O(n^2)$) and partitions it; scikit-dimension's TwoNN sorts
# chunks of the distance matrix ($O(n^2\log n)$) and its MLE uses scikit-learn's neighbour
# search plus a Python loop over the points; the course code keeps $O(\text{chunk}\cdot n)$
# memory, selects neighbours with `topk`, recomputes their distances exactly, and runs on a GPU
# unchanged. Data: points on a 5-dimensional torus in $\mathbb R^{64}$, float64 on the CPU,
# float32 on a GPU. (Timings on a shared CPU are noisy; the table and the ratios below are for
# this run's machine only.)

# %%
sizes = [500, 1000, 2000, 4000] if SCALE == "small" else [1000, 4000, 16000, 64000]
bench = lu.Benchmark("TwoNN and MLE (k=10), points on T^5 in R^64", size_label="n (points)")
for n in lu.progress_bar(sizes, desc="benchmark sizes"):
    Xbt = intrinsic.manifold_sample("torus", n, 5, ambient=64, generator=3)  # float64 on the CPU
    Xb = lu.to_numpy(Xbt)
    bench.run("course twonn (torch, CPU)", n, intrinsic.twonn, Xbt, repeats=3)
    bench.run("course mle (torch, CPU)", n, intrinsic.mle_dimension, Xbt, 10, repeats=3)
    if n <= 4000:  # O(n^2) memory and time
        bench.run("NumPy twonn_np", n, twonn_np, Xb, repeats=2)
        if HAVE_SKDIM:
            bench.run("skdim TwoNN", n, lambda: skdim.id.TwoNN().fit(Xb), repeats=2)
            bench.run("skdim MLE", n, lambda: skdim.id.MLE().fit(Xb, n_neighbors=10), repeats=2)
    if device.type != "cpu":
        Xg = Xbt.float().to(device)
        bench.run(f"course twonn ({device.type})", n, intrinsic.twonn, Xg, device=device)
        bench.run(f"course mle ({device.type})", n, intrinsic.mle_dimension, Xg, 10, device=device)
bench.plot()
plt.show()
bench.report()

# %%
n_max = max(n for n in sizes if n <= 4000)
print(f"at n = {n_max}: NumPy reference / course twonn = {bench.ratio('NumPy twonn_np', 'course twonn (torch, CPU)', n_max):.1f}x")
if HAVE_SKDIM:
    print(f"at n = {n_max}: skdim TwoNN / course twonn      = {bench.ratio('skdim TwoNN', 'course twonn (torch, CPU)', n_max):.1f}x")
    print(f"at n = {n_max}: skdim MLE / course mle          = {bench.ratio('skdim MLE', 'course mle (torch, CPU)', n_max):.1f}x")

# %% [markdown]
# At the larger sizes the $n^2$ distance computation dominates every implementation and the
# curves approach slope 2; the CPU implementations differ by constant factors of order one
# (they all spend their time in the same BLAS matrix product). What the course code adds is
# bounded memory, exact small distances, and the GPU: with `LOWDIM_SCALE=full` on a GPU the
# same calls handle $n=64\,000$ in a fraction of a second. Beyond a few hundred thousand points
# an exact search becomes the bottleneck, and approximate neighbour search — or subsampling,
# which the decimation test above shows to be harmless for TwoNN — takes over.
#
# ## 8. Explore: noise and scale
#
# Real data is noisy. Noise of size $\sigma$ fills *all* ambient directions at scales below
# $\sigma$, so an estimator that looks at very small neighbourhoods (small $k$, or TwoNN) sees
# more dimensions than the manifold has; one that looks too far sees its curvature. Move the
# noise and $k$: the left panel shows the MLE (7) against $k$ for 1500 points of a swiss roll
# in $\mathbb R^{10}$ (TwoNN dashed), the right one the distribution of the local estimates
# $\hat m_k(x_i)$ (6) at the chosen $k$.
#
# Without noise every $k$ gives about 2. The default $\sigma=0.02$ is less than half the
# typical nearest-neighbour distance (about 0.05) and already doubles TwoNN's answer; the MLE
# with $k\approx40$–$60$ looks past the noise and comes back to about 2.2; beyond $k\approx100$
# the neighbourhoods start to feel the roll's curvature and the estimate creeps up again. At
# $\sigma=0.1$ no scale is left where the roll looks 2-dimensional. This is why estimates on
# real data are reported with their scale ($k$, or $n$ for TwoNN's decimation).

# %% tags=["nbval-ignore-output"]
roll_clean = lu.to_numpy(intrinsic.manifold_sample("swiss_roll", 1500, 2, ambient=10, generator=5))
k_max = 150


def mle_curve(X):
    """S_k(x_i) = sum_{j<k} log(T_k / T_j) for every point and every k = 2..k_max, from one neighbour search."""
    distances, _ = knn(X, k_max)
    logT = np.log(lu.to_numpy(distances))
    ks = np.arange(2, k_max + 1)
    csum = np.cumsum(logT, axis=1)  # sum_{j<=k} log T_j
    return ks, (ks - 1) * logT[:, ks - 1] - csum[:, ks - 2]


def draw(noise, k):
    X = roll_clean + noise * np.random.default_rng(6).standard_normal(roll_clean.shape)
    ks, S = mle_curve(X)
    est = (ks - 1) / S.mean(axis=0)  # Eq. (7) for every k
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    axes[0].plot(ks, est, color="C0", label="MLE (7)")
    axes[0].axhline(intrinsic.twonn(X), color="C1", ls="--", label="TwoNN")
    axes[0].axhline(2, color="gray", ls=":", label="true d = 2")
    axes[0].plot(k, est[k - 2], "o", color="C3")
    axes[0].set_ylim(0, 10)
    axes[0].set_xscale("log")
    axes[0].set_xlabel("neighbours k")
    axes[0].set_ylabel("estimated dimension")
    axes[0].set_title(f"swiss roll in R^10, noise σ = {noise:.3f}")
    axes[0].legend()
    local = (k - 1) / S[:, k - 2]
    axes[1].hist(np.clip(local, 0, 15), bins=np.linspace(0, 15, 61), color="C0", alpha=0.8)
    axes[1].axvline(2, color="gray", ls=":")
    axes[1].axvline(est[k - 2], color="C3", label=f"combined by (7): {est[k - 2]:.2f}")
    axes[1].set_xlabel(r"local estimate $\hat m_k(x_i)$")
    axes[1].set_ylabel("points")
    axes[1].set_title(f"local estimates at k = {k}")
    axes[1].legend()
    plt.tight_layout()


lu.explore(draw, noise=(0.0, 0.1, 0.005, 0.02), k=(2, k_max, 1, 10))

# %% [markdown]
# ## Summary
#
# - The PCA count (1) is the dimension of the best *flat* fit: exact on subspaces, too high on
#   curved manifolds, and it depends on an arbitrary threshold.
# - Locally, a $d$-dimensional manifold is a Poisson process in $\mathbb R^d$: the ratio of the
#   two nearest-neighbour distances is Pareto with exponent $d$ ({prf:ref}`thm-twonn`), whence
#   TwoNN (4); the log-ratios of $k$ neighbours are exponential ({prf:ref}`prop-lb`), whence the
#   Levina–Bickel estimator (6), best averaged through its inverses (7).
# - Checked on data of known dimension: within 15 % for $d\le5$, biased low at $d=10$ (boundary
#   and finite $n$), invariant to rotation, scaling, translation and order, and equal to
#   scikit-dimension to round-off. The digits are about 7–9-dimensional by these estimates —
#   much less than PCA's 21 or the 64 pixels.
# - Training a network in a random $d$-dimensional subspace (8) reaches 90 % of full training
#   with a few hundred directions — a few percent of the parameters, roughly independent of
#   the width — and the Fastfood transform (9) makes the projection nearly free in memory.
#
# **Further reading.** Facco et al. (2017) for TwoNN and its decimation test; Levina & Bickel
# (2004) and MacKay & Ghahramani's note; Camastra & Staiano, *Intrinsic dimension estimation:
# advances and open problems*, Information Sciences (2016), a survey; Li et al. (2018) and
# Aghajanyan et al. (2021) for subspace training; Le, Sarlós & Smola, *Fastfood* (ICML 2013);
# Pope et al., *The Intrinsic Dimension of Images and Its Impact on Learning* (ICLR 2021), who
# apply the MLE to ImageNet-scale data. Lesson 06 (LoRA) turns the low intrinsic dimension of
# fine-tuning into a practical method; lesson 07 learns the manifold itself.
