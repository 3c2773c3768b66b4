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
# - which of these estimators is a maximum-likelihood estimate, which is its bias-corrected
#   version, and why the Levina–Bickel local estimates should be averaged through their inverses
#   (the MacKay–Ghahramani correction);
# - how to check an estimator on data of *known* dimension — with a control that has neither
#   boundary nor curvature (the periodic torus) — and what really biases all of them in ten
#   dimensions: the *scale* of the neighbourhoods, which shrinks only like $n^{-1/d}$;
# - the intrinsic dimension of a *training problem*: train a network inside a random
#   $d$-dimensional subspace of its parameters and find $d_{\text{int}90}$ — tiny next to the
#   number of parameters — with dense and Fastfood random projections, over several seeds.
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
#   Landscapes*, ICLR 2018 — train in random subspaces; for the fully connected network
#   784–200–200–10 on MNIST (199 210 parameters) they find $d_{\text{int}90}\approx 750$.
# - A. Aghajanyan, S. Gupta, L. Zettlemoyer, *Intrinsic Dimensionality Explains the Effectiveness
#   of Language Model Fine-Tuning*, ACL 2021 — the same measurement for fine-tuning pre-trained
#   language models: 200 random directions suffice to tune a RoBERTa model to 90 % of full
#   fine-tuning's performance on MRPC.

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
# The 8×8 digits have 64 pixels, and PCA (lesson 01) needs 21 directions to explain
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
# directions, and the answer depends on the arbitrary $\tau$. (`intrinsic.pca_dimension(X, τ)`
# computes it; lesson 01 showed how.)
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
# **Estimating $d$ by a line.** Sort the ratios of all $n$ points, $\mu_{(1)}\le\dots\le\mu_{(n)}$,
# and use the empirical CDF $F(\mu_{(i)})\approx i/n$. By (3), the points
# $(x_i, y_i) = \big(\log\mu_{(i)},\,-\log(1-i/n)\big)$ lie near a line through the origin with
# slope $d$. Facco et al. fit it by least squares over the smallest 90 % of the ratios (the
# largest come from sparse regions and outliers, and $y_i\to\infty$ as $i\to n$):
#
# \begin{equation*}\hat d_{\text{TwoNN}}=\frac{\sum_{i\le m}x_i y_i}{\sum_{i\le m}x_i^2},\qquad m=\lfloor 0.9\,n\rfloor.\tag{4}\end{equation*}
#
# This least-squares slope is *not* a maximum-likelihood estimate. Because the $\log\mu_i$ are
# independent $\operatorname{Exp}(d)$ variables, maximum likelihood works too — but keeping only
# the $m$ smallest of $n$ values makes the sample **censored**, and the likelihood must say that
# the other $n-m$ values are larger than $\log\mu_{(m)}$. That is the next exercise.
#
# :::{exercise} 05.censored · Maximum likelihood from a censored sample
# :label: ex-05-censored
# :nonumber:
# Let $x_{(1)}\le\dots\le x_{(m)}$ be the $m$ smallest of $n$ independent $\operatorname{Exp}(d)$
# variables (here $x=\log\mu$), the other $n-m$ unobserved except that they exceed $x_{(m)}$.
#
# 1. Show that the likelihood is proportional to $d^m e^{-dT}$ with the "total time on test"
#    $T=\sum_{i\le m}x_{(i)}+(n-m)\,x_{(m)}$, and find the maximum-likelihood estimate $\hat d$.
# 2. The spacings $(n-i+1)\,(x_{(i)}-x_{(i-1)})$, $x_{(0)}=0$, are independent $\operatorname{Exp}(d)$
#    (the memorylessness of the exponential), and $T$ is the sum of the first $m$ of them. Use this to
#    compute $\mathbb E[1/T]$ and show that $\hat d$ is biased; correct it so that it is unbiased.
#
# Write `twonn_censored(log_mu, n)` returning the **bias-corrected** estimate as a float, where
# `log_mu` is a NumPy array of the $m$ smallest values, sorted ascending, and `n` the number of
# points. The check tests it on simulated samples (its mean must be within 3 % of $d$) and
# against the course implementation on data.
# :::

# %%
def twonn_censored(log_mu, n):
    # YOUR CODE HERE
    raise NotImplementedError


# %%
twonn_censored = lu.check("05.censored", twonn_censored)

# %% [markdown] tags=["solution"]
# :::{solution} ex-05-censored
# :class: dropdown
# The course's solution, from `solutions/05_intrinsic_dimension.py` (in JupyterLab, print it with `lu.show_solution("05.censored")`):
# ```{literalinclude} ../solutions/05_intrinsic_dimension.py
# :pyobject: twonn_censored
# ```
# The likelihood of the observed values is $\frac{n!}{(n-m)!}\prod_{i\le m}d\,e^{-d x_{(i)}}\cdot
# \big(e^{-d x_{(m)}}\big)^{n-m}\propto d^m e^{-dT}$; its log, $m\log d-dT$, is maximal at
# $\hat d=m/T$. The $m$ spacings are independent $\operatorname{Exp}(d)$, so
# $T\sim\operatorname{Gamma}(m, d)$ and $\mathbb E[1/T]=d/(m-1)$: $\mathbb E[m/T]=d\,m/(m-1)$,
# biased up, and $(m-1)/T$ is unbiased.
# :::

# %% [markdown]
# So the second TwoNN estimator of the course, `intrinsic.twonn(X, method="mle")`, is the
# **bias-corrected** maximum-likelihood estimate
#
# \begin{equation*}\hat d_{\text{TwoNN-ML}}=\frac{m-1}{\sum_{i\le m}\log\mu_{(i)}+(n-m)\log\mu_{(m)}},\tag{5}\end{equation*}
#
# the MLE proper being $m/T$ (too high by the factor $m/(m-1)$, which matters only for small
# samples). Your function and the course's agree on the swiss roll:

# %% tags=["nbval-check-output"]
def below(x):
    """A bound on a round-off-sized number that runs agree on: the next power of ten above |x|
    (at least 1e-15, so that an exact 0 on one CPU and 3e-16 on another read the same)."""
    return "< 1e-15" if abs(x) < 1e-15 else f"< 1e{int(np.floor(np.log10(abs(x)))) + 1}"


r_roll = lu.to_numpy(knn(X_roll, 2)[0])
log_mu_roll = np.sort(np.log(r_roll[:, 1] / r_roll[:, 0]))[: int(0.9 * len(X_roll))]
mine, course = twonn_censored(log_mu_roll, len(X_roll)), intrinsic.twonn(X_roll, method="mle")
print(f"swiss roll: Eq. (5) from your function {mine:.4f}, intrinsic.twonn(method='mle') {course:.4f}, "
      f"relative difference {below(abs(mine - course) / course)} (must be < 1e-10)")

# %% [markdown]
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
# (a $\operatorname{Gamma}(k-1,d)$ variable), and the **maximum-likelihood** estimate of $d$ at
# $x$ (conditionally on $T_k$) is
#
# \begin{equation*}\hat m_k(x)=\frac{k-1}{S(x)}=\Big[\frac1{k-1}\sum_{j=1}^{k-1}\log\frac{T_k(x)}{T_j(x)}\Big]^{-1}.\tag{6}\end{equation*}
#
# **How to average.** Levina and Bickel average the local estimates,
# $\bar m_k=\frac1n\sum_i\hat m_k(x_i)$. But by the Gamma law (the same computation as in
# exercise 05.censored) $\mathbb E[(k-1)/S]=d\,\frac{k-1}{k-2}$: every local estimate (6) is
# biased *upward* (its bias-corrected version would have $k-2$ in the numerator), and averaging
# keeps the bias. What is unbiased is the inverse, $\mathbb E[S/(k-1)]=1/d$. MacKay and
# Ghahramani therefore proposed to average the inverses and invert once:
#
# \begin{equation*}\hat m_k=\Big[\frac1n\sum_{i=1}^n\hat m_k(x_i)^{-1}\Big]^{-1}=\frac{(k-1)\,n}{\sum_i S(x_i)}.\tag{7}\end{equation*}
#
# This is the maximum-likelihood estimate if the $N=n(k-1)$ log-ratios of all points are pooled
# as if independent (they are not quite — neighbourhoods overlap); its remaining bias is the
# factor $N/(N-1)$, negligible. In short: (4) is a least-squares fit, (5) a bias-corrected MLE,
# (6) a local MLE (biased up by $(k-1)/(k-2)$), (7) the pooled MLE; the course's
# `mle_dimension` computes (7).
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
    diff = max(abs(twonn_np(X) - intrinsic.twonn(X)), abs(mle_np(X, 20) - intrinsic.mle_dimension(X, 20)))
    print(f"{name:10s}: max |NumPy - course| over TwoNN and MLE (k=20): {below(diff)} (must be < 1e-8)")

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
# $\|a\|^2+\|b\|^2-2a^\top b$ (the fast mode of `torch.cdist`), keeps the `k` smallest (with
# `torch.topk` on a GPU; on the CPU in two steps that find the same set with one read of each row:
# the minimum of every group of 16 entries, then the `k` smallest entries of the `k` best groups),
# and then recomputes those `k` distances directly as $\|x_i-x_j\|$: the
# matrix-product form loses precision exactly for the *small* distances these estimators need.
#
# **Test data** (`intrinsic.manifold_sample`), each $n=2000$ points mapped isometrically into
# $\mathbb R^{100}$: uniform in a cube on a random linear subspace ($d=2,5,10$), uniform on the
# spheres $S^2$ and $S^5$, on the torus $T^3$, the swiss roll ($d=2$), and a closed curve
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
# estimators find the dimension of every curved example with $d\le5$. Both are **biased low
# on the 10-dimensional cube** (8.95 and 8.10). The usual explanation is the boundary: a point
# near a face of the cube has fewer neighbours on one side. Section 4.1 tests it.
#
# The checks, with their tolerances: within 15 % of the true $d$ for every example with
# $d\le5$; the course implementation against the oracle to $10^{-9}$ relative (the same
# formulas, so only round-off may differ) — except on the curve, where some neighbours are
# only $1.6\cdot10^{-6}$ apart and the oracle's neighbour search (scikit-learn's, or the NumPy
# reference's), which computes $\sqrt{\|a\|^2+\|b\|^2-2a^\top b}$, loses most digits of those
# distances (the course code recomputes them directly); and the invariances to $10^{-9}$.

# %% tags=["nbval-check-output"]
small = known[known["true d"] <= 5]
for col in ("TwoNN", "MLE k=20"):
    worst = float((abs(small[col] - small["true d"]) / small["true d"]).max())
    print(f"{col:8s}: largest relative error over the examples with d <= 5 = {worst:.2f} (must be <= 0.15)")
print("d = 10 cube: TwoNN = {:.1f}, MLE = {:.1f} (both below 10)".format(*known.loc["linear (d=10)", ["TwoNN", "MLE k=20"]]))
print("PCA 90% on the flat cubes d = 2, 5:", list(known.loc[["linear (d=2)", "linear (d=5)"], "PCA 90%"]),
      "(must equal d); on S^2, T^3, the curve:", list(known.loc[["sphere (d=2)", "torus (d=3)", "curve (d=1)"], "PCA 90%"]),
      "(must exceed d = 2, 3, 1)")
rel = (abs(known[["TwoNN", "MLE k=20"]].values - known[["oracle TwoNN", "oracle MLE"]].values)
       / known[["oracle TwoNN", "oracle MLE"]].values).max(axis=1)
curve = known.index == "curve (d=1)"
print(f"course vs oracle, max relative difference, all but the curve: {below(rel[~curve].max())} (must be < 1e-9)")
print(f"course vs oracle on the curve: {below(rel[curve].max())} (must be < 1e-4)")

# %% tags=["nbval-check-output"]
X = data_known["sphere", 2]
Q = np.linalg.qr(np.random.default_rng(7).standard_normal((100, 100)))[0]
moved = 3.7 * X @ Q + 11.0  # rotate, scale, translate
perm = np.random.default_rng(8).permutation(len(X))
changes = {"TwoNN after rotation, scaling and translation": abs(intrinsic.twonn(moved) - intrinsic.twonn(X)),
           "MLE after rotation, scaling and translation": abs(intrinsic.mle_dimension(moved, 20)
                                                              - intrinsic.mle_dimension(X, 20)),
           "TwoNN and MLE after reordering the points": max(abs(intrinsic.twonn(X[perm]) - intrinsic.twonn(X)),
                                                            abs(intrinsic.mle_dimension(X[perm], 20)
                                                                - intrinsic.mle_dimension(X, 20)))}
for what, change in changes.items():
    print(f"change of {what}: {below(change)} (must be < 1e-9)")
print(f"TwoNN, float32 vs float64: {below(abs(intrinsic.twonn(X.astype(np.float32)) - intrinsic.twonn(X)))} "
      "(must be < 1e-3)")

# %% [markdown]
# ### 4.1 Ten dimensions: boundary, curvature, or scale?
#
# To see what biases the $d=10$ estimates, compare four 10-dimensional data sets at several $n$:
#
# - the **cube** $[0,1]^{10}$ of the table (flat, with a boundary);
# - the **torus** $T^{10}$ of `manifold_sample`: ten circles of radius $1/\sqrt{10}$ in
#   $\mathbb R^{20}$, embedded in $\mathbb R^{100}$ — intrinsically flat and without boundary, but
#   the estimators see *chord* distances in the ambient space, which bend;
# - the **sphere** $S^{10}$ (curved, no boundary);
# - the **periodic cube**: $[0,1)^{10}$ with opposite faces glued and the minimum-image distance
#   (`intrinsic.periodic_knn`) — *no boundary and no curvature*. Up to radius $\tfrac12$ its balls
#   are Euclidean balls, so the Poisson model of {prf:ref}`thm-twonn` holds exactly for uniform
#   points, up to their finite number. It is the control: `intrinsic.twonn_from_distances` and
#   `intrinsic.mle_from_distances` apply the estimators (4) and (7) to its neighbour distances.
#
# The last block of columns is the scale the estimators look at: the median nearest-neighbour
# distance, relative to the size of the space (the side of the cube and of the periodic cube;
# for the torus the radius of one circle, $1/\sqrt{10}$; for the sphere its radius, 1).

# %%
def uniform_cube(n, d, seed):
    return np.random.default_rng(seed).uniform(size=(n, d))


controls = []
for n in lu.progress_bar([500, 1000, 2000, 4000], desc="10-dimensional controls"):
    for kind, size in [("linear", 1.0), ("torus", 1 / np.sqrt(10)), ("sphere", 1.0)]:
        Xc = intrinsic.manifold_sample(kind, n, 10, ambient=100, generator=10, device=device)
        r1 = float(torch.median(knn(Xc, 1)[0]))
        controls.append({"n": n, "data": {"linear": "cube (boundary)", "torus": "torus T^10 (chords bend)",
                                          "sphere": "sphere S^10 (curved)"}[kind],
                         "TwoNN": intrinsic.twonn(Xc), "MLE k=20": intrinsic.mle_dimension(Xc, 20),
                         "NN distance / size": r1 / size})
    T, _ = intrinsic.periodic_knn(uniform_cube(n, 10, seed=10), 20)
    controls.append({"n": n, "data": "periodic cube (neither)", "TwoNN": intrinsic.twonn_from_distances(T),
                     "MLE k=20": intrinsic.mle_from_distances(T), "NN distance / size": float(torch.median(T[:, 0]))})
controls = pd.DataFrame(controls)
ctable = controls.pivot(index="data", columns="n", values=["TwoNN", "MLE k=20", "NN distance / size"]).round(2)
ctable

# %% tags=["nbval-check-output"]
per = controls[controls.data == "periodic cube (neither)"]
cube = controls[controls.data == "cube (boundary)"]
tor = controls[controls.data == "torus T^10 (chords bend)"]
print(f"periodic cube, every n: TwoNN in [{per.TwoNN.min():.1f}, {per.TwoNN.max():.1f}], "
      f"MLE in [{per['MLE k=20'].min():.1f}, {per['MLE k=20'].max():.1f}] (must be within 0.5 of 10)")
print(f"cube, every n: both estimates at most {max(cube.TwoNN.max(), cube['MLE k=20'].max()):.1f} (below 9.5); "
      f"torus T^10, every n: at least {min(tor.TwoNN.min(), tor['MLE k=20'].min()):.1f} (above 10.5)")
scale = controls[controls.data == "cube (boundary)"].set_index("n")["NN distance / size"]
print(f"cube: median NN distance {scale[500]:.2f} of the side at n = 500, {scale[4000]:.2f} at n = 4000 "
      f"(ratio {scale[4000] / scale[500]:.2f}; n^(-1/10) predicts {8 ** -0.1:.2f})")

# %% [markdown]
# The control settles it. On the periodic cube — no boundary, no curvature — both estimators
# are within 4 % of 10 at every $n$ from 500 to 4000 (TwoNN 9.7–10.2, MLE 9.7–10.0), although the
# nearest neighbours are 0.38–0.47 of a side away (0.43–0.54 in the cube): a finite $n$ by itself
# is harmless. The boundary
# does bias the cube low (at most 9.0 at any $n$), but it is not the only effect of the same
# size: the torus $T^{10}$, which has no boundary, is biased *high* (11.8–12.7), because its
# nearest neighbours are 2.2–2.7 circle radii away, and at that scale two points far apart on one
# of its small circles are much closer along the chord than along the circle, so distant points
# crowd in faster than in a flat space; and the sphere $S^{10}$,
# also without boundary, is biased low (MLE 8.4–9.1), because a ball on a positively curved
# space holds less volume than a flat ball of the same radius. What dominates is therefore the
# **scale**: the nearest neighbours are not "local" — at $n=2000$ they reach across a large
# part of the space, where the boundary, the curvature and the embedding are all felt. And the
# scale shrinks only like $n^{-1/d}$: eight times more points bring the cube's neighbours only
# 20 % closer (0.54 → 0.43 of the side). In ten dimensions no practical $n$ makes the
# neighbourhoods small, which is why estimates above $d\approx8$ should be read with their scale
# and checked against controls like these.
#
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
gap = float((real_table["PCA 90%"] / real_table[["TwoNN", "MLE k=20"]].max(axis=1)).min())
print(f"\nPCA's count / the larger neighbour-based estimate: at least {gap:.1f} (must be > 1); "
      f"pixels / PCA's count: at least {float((real_table.pixels / real_table['PCA 90%']).min()):.1f} (must be > 1)")

# %% [markdown]
# Decimation: TwoNN on random quarters and halves of the digits (three random subsets each;
# mean ± standard deviation), and per digit class.

# %% tags=["nbval-check-output"]
rng = np.random.default_rng(1)
decimated = {}
for frac in (0.25, 0.5, 1.0):
    est = [intrinsic.twonn(X_dig[rng.permutation(len(X_dig))[: int(frac * len(X_dig))]]) for _ in range(3)]
    decimated[frac] = est
    print(f"digits, {frac:4.0%} of the points (n = {int(frac * len(X_dig))}): "
          f"TwoNN = {np.mean(est):.1f} ± {np.std(est):.1f}")
drift = np.mean(decimated[1.0]) / np.mean(decimated[0.25]) - 1
print(f"change from a quarter to all of the points: {drift:+.0%} (a stable estimate would change by a few %)")
per_class = {c: intrinsic.twonn(X_dig[digits.y == c]) for c in range(10)}
print("per class:", {c: round(v, 1) for c, v in per_class.items()})
print("the three lowest-dimensional classes:", sorted(per_class, key=per_class.get)[:3])

# %% [markdown]
# The digits' estimate is **not** stable under decimation: it grows by about a tenth from
# 449 to 1797 points, well beyond the spread of the random subsets. There is no plateau at
# these sizes, so "the digits are 9-dimensional" is a statement about this scale (about 1800
# points), like the estimates of the 10-dimensional cube above — consistent with a data set
# whose dimension keeps growing as finer details (pixel noise, stroke width) come into view.
# The classes differ: the "1"s and "4"s vary in fewer ways than the "0"s or the "8"s.
#
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
# in subspaces of growing $d$, drawing the projections one after the other from `generator`,
# and reports where the accuracy first reaches 90 % of the baseline (`.dint`, a point of the
# grid) and where the line between the last grid point below and the first above crosses it
# (`.dint_interpolated`, log-linear in $d$), so that the answer is not just the next grid value.
# Training is the course's shared loop `lowdim_utils.training.fit`.
#
# **The experiment.** At the default (CPU) scale: a 2-hidden-layer MLP on the 8×8 digits
# (1200 training, 597 test images), full-batch Adam, at two widths — 32 and 128 hidden units
# per layer —, a grid of 8 subspace dimensions spaced by 25 around the crossing, and **three
# seeds** (the seed sets $\theta_0$, the projections and the baseline run). Li et al. found that
# $d_{\text{int}90}$ barely changes when a network is made wider: once a network can solve the
# task, extra parameters only make the solution set bigger. With `LOWDIM_SCALE=full` (meant
# for a GPU: about a hundred runs of a 200 000-parameter network) the cell runs the paper's
# network, 784–200–200–10, next to a 784–100–100–10 one, on the course's 10 000 Fashion-MNIST
# training images (2 000 test images), with the paper's optimiser (Adam) and a grid up to 3 200.

# %%
SEEDS = (0, 1, 2)
if SCALE == "small":
    Xh, yh = X_dig.astype(np.float32), digits.y
    perm = np.random.default_rng(0).permutation(len(Xh))
    Xtr, ytr = (torch.from_numpy(a[perm[:1200]]).to(device) for a in (Xh, yh))
    Xte, yte = (torch.from_numpy(a[perm[1200:]]).to(device) for a in (Xh, yh))
    widths, steps, lr, base_steps, base_lr = (32, 128), 150, 0.1, 200, 1e-2
    dims = [25, 50, 75, 100, 125, 150, 200, 300]
else:  # the paper's FC network on Fashion-MNIST (GPU scale)
    fashion_test = load("fashion_mnist", split="test", normalize=True)
    Xtr, ytr = torch.from_numpy(fashion.X).to(device), torch.from_numpy(fashion.y).to(device)
    Xte, yte = torch.from_numpy(fashion_test.X).to(device), torch.from_numpy(fashion_test.y).to(device)
    widths, steps, lr, base_steps, base_lr = (100, 200), 500, 0.05, 500, 1e-3
    dims = [100, 200, 300, 400, 500, 600, 750, 900, 1100, 1400, 1800, 2400, 3200]


def mlp(width):
    def make():
        return nn.Sequential(nn.Linear(Xtr.shape[1], width), nn.ReLU(), nn.Linear(width, width), nn.ReLU(),
                             nn.Linear(width, 10)).to(device)
    return make


configs = [(w, "dense") for w in widths] + [(widths[-1], "fastfood")]
sweeps = {}
for (width, proj) in configs:
    for seed in SEEDS:
        lu.seed_everything(seed)                      # θ0 of this seed
        base = sweeps[width, "dense", seed].baseline if proj == "fastfood" else None  # the same θ0 and baseline
        sweeps[width, proj, seed] = subspace.dint_sweep(
            mlp(width), dims, Xtr, ytr, Xte, yte, projection=proj, steps=steps, lr=lr, baseline_steps=base_steps,
            baseline_lr=base_lr, baseline=base, generator=seed, progress=seed == SEEDS[0])

fig, ax = plt.subplots(figsize=(7.5, 4))
summary = []
for i, (width, proj) in enumerate(configs):
    runs = [sweeps[width, proj, s] for s in SEEDS]
    acc = np.array([r.accuracies for r in runs])
    color = f"C{i}"
    ax.plot(dims, acc.mean(0), "o-" if proj == "dense" else "s--", color=color, ms=4,
            label=f"width {width}, {proj} P (D = {runs[0].n_params:,})")
    ax.fill_between(dims, acc.min(0), acc.max(0), color=color, alpha=0.15)
    ax.axhline(np.mean([r.target for r in runs]), color=color, ls=":", lw=1)
    di = np.array([r.dint_interpolated for r in runs], dtype=float)
    summary.append({"network": f"width {width}", "projection": proj, "D": runs[0].n_params,
                    "full training": np.mean([r.baseline for r in runs]),
                    "d_int90 on the grid, per seed": [r.dint for r in runs],
                    "interpolated, per seed": [round(x) for x in di], "mean": di.mean(), "std": di.std(),
                    "min": di.min(), "max": di.max(), "mean / D": di.mean() / runs[0].n_params})
ax.set_xscale("log")
ax.set_xlabel("subspace dimension d")
ax.set_ylabel("test accuracy")
ax.set_title(f"Training in a random d-dimensional subspace: mean and min–max over {len(SEEDS)} seeds\n"
             "(dotted: 90% of full training)")
ax.legend(loc="lower right")
plt.show()
summary = pd.DataFrame(summary).set_index(["network", "projection"])
summary.round({"full training": 3, "mean": 0, "std": 0, "min": 0, "max": 0, "mean / D": 4})

# %%
sub = subspace.SubspaceModel(mlp(widths[-1])(), dims[-1], "sparse", generator=gen)
nb = {"dense": sweeps[widths[-1], "dense", 0].projection_bytes[-1], "sparse": sub.projection.nbytes,
      "fastfood": sweeps[widths[-1], "fastfood", 0].projection_bytes[-1]}
print(f"memory of P at d = {dims[-1]} (D = {sweeps[widths[-1], 'dense', 0].n_params:,}):",
      ", ".join(f"{k} {v / 2**20:.2f} MiB" for k, v in nb.items()))

# %% tags=["nbval-check-output"]
narrow, wide = summary.loc[f"width {widths[0]}", "dense"], summary.loc[f"width {widths[-1]}", "dense"]
ff = summary.loc[f"width {widths[-1]}", "fastfood"]
for (net, proj), row in summary.iterrows():
    print(f"{net}, {proj:8s}: d_int90 = {row['mean']:.0f} ± {row['std']:.0f} (std over {len(SEEDS)} seeds), "
          f"{100 * row['mean / D']:.1f}% of D (must be < 10%)")
overlap = narrow["min"] <= wide["max"] and wide["min"] <= narrow["max"]
print(f"wider / narrower network: {wide.D / narrow.D:.1f}x the parameters, d_int90 ratio "
      f"{wide['mean'] / narrow['mean']:.2f}; the seed ranges [{narrow['min']:.0f}, {narrow['max']:.0f}] and "
      f"[{wide['min']:.0f}, {wide['max']:.0f}] {'overlap' if overlap else 'are separated'}")
print(f"Fastfood vs dense at width {widths[-1]}: d_int90 ratio {ff['mean'] / wide['mean']:.2f} (must be in [0.5, 2])")
print(f"Fastfood stores P in {nb['dense'] / nb['fastfood']:.0f}x less memory than dense (must be > 50x)")

# %% [markdown]
# Over three seeds, $d_{\text{int}90}$ is 119 ± 5 directions for the narrow network (3.4 % of its
# 3 466 parameters) and 113 ± 3 for the wide one (0.4 % of 26 122; standard deviations over the
# seeds): 7.5 times the parameters change $d_{\text{int}90}$ by a factor 0.95, and the seed ranges
# overlap — within the seed-to-seed spread of about 5 % it does not depend on the width, the
# trend Li et al. report. (The grid alone, spaced by 25 around the crossing, could not have
# resolved a difference below about 20 %: that is why the crossing is interpolated and
# repeated over seeds.) The Fastfood projection gives the same answer (107 ± 7) while storing $O(D)$ numbers
# instead of $D\cdot d$ — 60 times less than the dense matrix here, and what makes the method
# usable for Aghajanyan et al.'s hundreds of millions of parameters.
#
# **Against the paper.** Li et al. report $d_{\text{int}90}\approx750$ for the 784–200–200–10
# network on MNIST (199 210 parameters, 0.4 %; Adam at learning rate $10^{-3}$ with an L2 penalty of
# $10^{-5}$ for 100 epochs, per the authors' code); we get 113 ± 3 for a 64–128–128–10 network on the 8×8 digits (26 122
# parameters, also 0.4 %; full-batch Adam, 150 steps, 1 200 training images, 3 seeds). The
# difference in absolute terms comes from the task — 64-pixel images and 1 200 training examples
# impose far fewer constraints than 784-pixel images and 60 000 examples — and from the shorter
# training; we could not run the paper's network at CPU scale. With `LOWDIM_SCALE=full` on a GPU
# the cell above runs that network (and a 784–100–100–10 one) on Fashion-MNIST, the course's
# 784-pixel data set; that run has not been made for this page, so its number is not quoted here.
#
# ## 7. Scaling up
#
# The cost of every neighbour-based estimator is the neighbour search: $O(n^2 D)$ for the
# distances, one matrix product per chunk of rows. The NumPy reference computes the full
# $n\times n$ matrix at once (memory $O(n^2)$) and partitions it; scikit-dimension's TwoNN sorts
# chunks of the distance matrix ($O(n^2\log n)$) and its MLE uses scikit-learn's neighbour
# search plus a Python loop over the points; the course code keeps $O(\text{chunk}\cdot n)$
# memory, selects neighbours without sorting a whole row, recomputes their distances exactly, and runs on a GPU
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
# (they all spend their time in the same BLAS matrix product; the ratios above are this
# machine's). What the course code adds is bounded memory, exact small distances, and the
# GPU, where `LOWDIM_SCALE=full` runs the same calls up to $n=64\,000$. Beyond a few hundred
# thousand points an exact search becomes the bottleneck, and approximate neighbour search —
# or subsampling, which changes the scale (section 5) — takes over.
#
# ## 8. Explore: noise and scale
#
# Real data is noisy. Noise of size $\sigma$ fills *all* ambient directions at scales below
# its size, so an estimator that looks at very small neighbourhoods (small $k$, or TwoNN) sees
# more dimensions than the manifold has; one that looks too far sees its curvature. The data:
# 1500 points of a swiss roll in $\mathbb R^{10}$ with Gaussian noise of standard deviation
# $\sigma$ in every coordinate. How big is the noise, compared with the neighbour distances?

# %% tags=["nbval-check-output"]
roll_clean = lu.to_numpy(intrinsic.manifold_sample("swiss_roll", 1500, 2, ambient=10, generator=5))
D_amb = roll_clean.shape[1]
noise_rng = np.random.default_rng(6)
roll_noise = noise_rng.standard_normal(roll_clean.shape)     # one draw, scaled by σ below
sigma = 0.02
nn_clean = float(np.median(lu.to_numpy(knn(roll_clean, 1)[0])))
roll_noisy = roll_clean + sigma * roll_noise
nn_noisy = float(np.median(lu.to_numpy(knn(roll_noisy, 1)[0])))
print(f"median nearest-neighbour distance, clean roll: {nn_clean:.3f}")
print(f"sigma = {sigma}: each point moves by about sigma*sqrt(D) = {sigma * np.sqrt(D_amb):.3f}; the distance "
      f"between two points changes by about sigma*sqrt(2D) = {sigma * np.sqrt(2 * D_amb):.3f}")
print(f"median nearest-neighbour distance with the noise: {nn_noisy:.3f}")
print(f"TwoNN: clean {intrinsic.twonn(roll_clean):.2f}, noisy {intrinsic.twonn(roll_noisy):.2f}; "
      f"MLE (7) on the noisy roll at k = 10, 50, 150: "
      + ", ".join(f"{intrinsic.mle_dimension(roll_noisy, k):.2f}" for k in (10, 50, 150))
      + f"; on the clean roll at k = 50, 150: {intrinsic.mle_dimension(roll_clean, 50):.2f}, "
        f"{intrinsic.mle_dimension(roll_clean, 150):.2f}")

# %% [markdown]
# The noise moves each point by about $\sigma\sqrt D=0.063$ — more than the clean roll's median
# nearest-neighbour distance, 0.053 — and changes the distance between two points by about
# $\sigma\sqrt{2D}=0.089$. So the noisy nearest neighbours (median 0.093) are set by the noise, not
# by the roll: at that scale the data fill all ten directions, and TwoNN jumps from 1.92 to 4.62.
# The MLE with $k=10$ is still too high (2.82); with $k=50$ the neighbourhoods are large enough for
# the noise to be a small perturbation (2.17); with $k=150$ they start to feel the roll's
# curvature, which pushes even the clean roll's estimate up (1.92 at $k=50$, 2.18 at $k=150$).
#
# Move the noise and $k$: the left panel shows the MLE (7) against $k$ (TwoNN dashed), the right
# one the distribution of the local estimates $\hat m_k(x_i)$ (6) at the chosen $k$.

# %% tags=["nbval-ignore-output"]
k_max = 150


def mle_curve(X):
    """S_k(x_i) = sum_{j<k} log(T_k / T_j) for every point and every k = 2..k_max, from one neighbour search."""
    distances, _ = knn(X, k_max)
    logT = np.log(lu.to_numpy(distances))
    ks = np.arange(2, k_max + 1)
    csum = np.cumsum(logT, axis=1)  # sum_{j<=k} log T_j
    return ks, (ks - 1) * logT[:, ks - 1] - csum[:, ks - 2]


def draw(noise, k):
    X = roll_clean + noise * roll_noise
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
# :::{exercise} 05.scale · The scale that sees the manifold
# :label: ex-05-scale
# :nonumber:
# Choosing $k$ is choosing the scale. Write `smallest_good_k(X, d, tol=0.1, k_max=150)` returning
# the smallest $k$ in $2,\dots,$`k_max` for which the estimate (7) of `X` is within `tol·d` of
# the true dimension `d`, i.e. $|\hat m_k-d|\le$ `tol·d`, as an `int` — or `None` if no such $k$
# exists. (`intrinsic.mle_dimension(X, k)` works; one neighbour search up to `k_max` and the
# cumulative sums of `mle_curve` above are much faster.) The check runs your function on
# noisy and clean manifolds it draws itself and verifies that your $k$ is within the
# tolerance, that no smaller $k$ is, and that you return `None` when the noise leaves no good scale.
# Then use it: which $k$ does the noisy roll above need, and is there one at $\sigma=0.05$?
# :::

# %%
def smallest_good_k(X, d, tol=0.1, k_max=150):
    # YOUR CODE HERE
    raise NotImplementedError


# %%
smallest_good_k = lu.check("05.scale", smallest_good_k)

# %% [markdown] tags=["solution"]
# :::{solution} ex-05-scale
# :class: dropdown
# The course's solution, from `solutions/05_intrinsic_dimension.py` (in JupyterLab, print it with `lu.show_solution("05.scale")`):
# ```{literalinclude} ../solutions/05_intrinsic_dimension.py
# :pyobject: smallest_good_k
# ```
# :::

# %% tags=["nbval-check-output"]
for s in (0.0, 0.01, 0.02, 0.05):
    k_good = smallest_good_k(roll_clean + s * roll_noise, 2, tol=0.1)
    print(f"noisy roll, sigma = {s:.2f}: smallest k with |MLE - 2| <= 0.2: "
          + (f"{k_good}" if k_good is not None else "none up to k = 150"))

# %% [markdown]
# Without noise already $k=2$ is within 10 %; $\sigma=0.01$ needs $k\ge12$ and $\sigma=0.02$ needs
# $k\ge39$; at $\sigma=0.05$ no $k$ up to 150 gets within 10 %: the neighbourhood that looks past the
# noise is then so large that the roll's curvature is felt, and no scale is left where the roll
# looks 2-dimensional. This is why estimates on real data are reported with their scale ($k$, or
# $n$ for TwoNN's decimation).
#
# ## Summary
#
# - The PCA count (1) is the dimension of the best *flat* fit: exact on subspaces, too high on
#   curved manifolds, and it depends on an arbitrary threshold.
# - Locally, a $d$-dimensional manifold is a Poisson process in $\mathbb R^d$: the ratio of the
#   two nearest-neighbour distances is Pareto with exponent $d$ ({prf:ref}`thm-twonn`), whence
#   TwoNN — a least-squares slope (4) or the bias-corrected censored MLE (5); the log-ratios of
#   $k$ neighbours are exponential ({prf:ref}`prop-lb`), whence the Levina–Bickel local MLE (6),
#   best pooled through its inverses (7).
# - Checked on data of known dimension: within 15 % for $d\le5$, invariant to rotation,
#   scaling, translation and order, and equal to scikit-dimension to round-off. At $d=10$ the
#   periodic cube (no boundary, no curvature) is estimated within 4 %, the cube too low, the
#   torus too high: the error comes from the scale of the neighbourhoods, which shrinks only
#   like $n^{-1/d}$, not from $n$ as such. The digits' estimate (about 9) grows by 10 % from a
#   quarter to all of the points: it is a statement about that scale.
# - Training a network in a random $d$-dimensional subspace (8) reaches 90 % of full training
#   with 113 ± 3 directions at width 128 and 119 ± 5 at width 32 (three seeds): 0.4 % and 3.4 %
#   of the parameters, and no measurable change with the width. The Fastfood transform (9)
#   gives the same answer with a projection that is nearly free in memory.
#
# **Further reading.** Facco et al. (2017) for TwoNN and its decimation test; Levina & Bickel
# (2004) and MacKay & Ghahramani's note; Camastra & Staiano, *Intrinsic dimension estimation:
# advances and open problems*, Information Sciences (2016), a survey; Li et al. (2018) and
# Aghajanyan et al. (2021) for subspace training; Le, Sarlós & Smola, *Fastfood* (ICML 2013);
# Pope et al., *The Intrinsic Dimension of Images and Its Impact on Learning* (ICLR 2021), who
# apply the MLE to ImageNet-scale data. Lesson 06 (LoRA) turns the low intrinsic dimension of
# fine-tuning into a practical method; lesson 07 learns the manifold itself.
