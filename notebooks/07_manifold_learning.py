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
# # 07 · Manifold learning
#
# **What you will learn**
# - why a linear method such as PCA cannot flatten a curved sheet, and what the three
#   classical nonlinear answers do instead: **kernel PCA** (PCA after a nonlinear feature
#   map, computed through a Gram matrix), **Isomap** (keep *geodesic* distances, measured
#   along a neighbourhood graph) and **Laplacian eigenmaps** (keep neighbours close);
# - the linear algebra they share: double centring, classical multidimensional scaling —
#   with a proof that it recovers a Euclidean configuration up to a rigid motion — and the
#   graph Laplacian with its generalised eigenproblem $Ly=\lambda Dy$;
# - how to verify such code against scikit-learn when eigenvectors are defined only up to
#   sign, and how to compare whole configurations with Procrustes analysis;
# - how to read off the intrinsic dimension from Isomap's residual variance, reproduced on
#   the swiss roll.
#
# **Prerequisites**: [lesson 01](01_pca_svd.ipynb) (PCA, the SVD, the Eckart–Young–Mirsky
# theorem, eigenvectors up to sign). Graph shortest paths (Dijkstra) at the level of an
# algorithms course.
#
# **Papers**.
# - B. Schölkopf, A. Smola, K.-R. Müller, *Nonlinear component analysis as a kernel
#   eigenvalue problem*, Neural Computation 10(5), 1998 — kernel PCA: PCA in a feature space
#   reached only through inner products, so the eigenproblem is of size $n\times n$.
# - J. B. Tenenbaum, V. de Silva, J. C. Langford, *A global geometric framework for
#   nonlinear dimensionality reduction*, Science 290, 2000 — Isomap: approximate geodesic
#   distances by shortest paths in a neighbourhood graph, then apply classical MDS; the
#   residual variance reveals the intrinsic dimension.
# - M. Belkin, P. Niyogi, *Laplacian eigenmaps for dimensionality reduction and data
#   representation*, Neural Computation 15(6), 2003 — embed with the bottom eigenvectors
#   of a graph Laplacian, the discrete analogue of the Laplace–Beltrami operator.
#
# Recent work that builds on these ideas: *Unsupervised Manifold Linearizing and
# Clustering* (Ding et al., ICCV 2023) learns a deep map that sends each of several curved
# data manifolds to its own linear subspace, clustering and linearising at once with the
# rate-reduction objective of lesson 17 — the "unroll the manifold" goal of this lesson,
# learned rather than computed from a graph. *Fréchet Cumulative Covariance Net for Deep
# Nonlinear Sufficient Dimension Reduction with Random Objects* (Yuan, Wang & Yu, 2025)
# looks for nonlinear low-dimensional features of the predictors that carry all the
# information about a response — even a non-Euclidean one such as a distribution or an
# image — with neural networks replacing the kernels of earlier nonlinear methods.

# %%
import lowdim_utils as lu  # first: it sets OMP_WAIT_POLICY before torch loads (steadier threads)
import matplotlib.pyplot as plt
import numpy as np
import torch
from scipy.stats import spearmanr
from sklearn.datasets import make_circles, make_swiss_roll
from sklearn.decomposition import KernelPCA
from sklearn.manifold import Isomap, SpectralEmbedding
from sklearn.model_selection import cross_val_score
from sklearn.neighbors import KNeighborsClassifier

from lowdim_utils import linear
from lowdim_utils import manifold as mf
from lowdim_utils.data import load
from lowdim_utils.neighbors import knn

device, SCALE, _ = lu.setup(seed=0)  # SCALE: "small" on a CPU by default; LOWDIM_SCALE=full for GPU-sized runs

N_ROLL = 1000 if SCALE == "small" else 4000      # swiss-roll points
N_DIGITS = 1000 if SCALE == "small" else 1797    # digits embedded in section 5

# %% [markdown]
# ## 1. Motivation: flat sheets in disguise
#
# The **swiss roll** is a rectangle of paper, $[0, L]\times[0, 21]$, rolled up in
# $\mathbb R^3$: a 2-dimensional manifold in 3 dimensions. scikit-learn samples it from a
# roll parameter $t\in[1.5\pi, 4.5\pi]$ (the angle) and a height $h$,
# $x = (t\cos t,\ h,\ t\sin t)$. Colour encodes $t$. Two points on neighbouring turns are
# close in $\mathbb R^3$ but far apart *along the sheet*; any linear projection, PCA's
# included, puts them on top of each other. Handwritten digits (8×8 pixels, 64 dimensions)
# pose the same question on real data: does a curved low-dimensional structure hide in
# the pixels?

# %%
X_roll, t_roll = make_swiss_roll(N_ROLL, noise=0.05, random_state=0)
h_roll = X_roll[:, 1]
digits = load("digits")
pick = np.random.default_rng(0).permutation(len(digits.X))[:N_DIGITS]
X_dig, y_dig = digits.X[pick].astype(np.float64), digits.y[pick]

Xr = torch.from_numpy(X_roll).to(device)
Z_pca = lu.to_numpy(linear.pca(Xr, 2).transform(Xr))
Xd = torch.from_numpy(X_dig).to(device)
Z_dig_pca = lu.to_numpy(linear.pca(Xd, 2).transform(Xd))

fig = plt.figure(figsize=(12, 3.6))
ax = fig.add_subplot(1, 3, 1, projection="3d")
ax.scatter(X_roll[:, 0], X_roll[:, 1], X_roll[:, 2], c=t_roll, cmap="viridis", s=5)
ax.view_init(12, -80)
ax.set_title(f"swiss roll, n={N_ROLL} (colour: t)")
ax = fig.add_subplot(1, 3, 2)
ax.scatter(Z_pca[:, 0], Z_pca[:, 1], c=t_roll, cmap="viridis", s=5)
ax.set_title("its PCA projection: turns overlap")
ax = fig.add_subplot(1, 3, 3)
sc = ax.scatter(Z_dig_pca[:, 0], Z_dig_pca[:, 1], c=y_dig, cmap="tab10", s=5)
ax.set_title(f"{N_DIGITS} digits, PCA to 2-D")
fig.colorbar(sc, ax=ax, ticks=range(10), label="digit")
plt.tight_layout()
plt.show()

# %% [markdown]
# How far apart are points *along the roll* compared with straight through space? The
# geodesic distances below come from the graph shortest paths of section 2 (computed with
# the course's `geodesic_distances`); the first number says how well PCA's first coordinate
# orders the points along the roll (Spearman rank correlation with $t$; 1 = perfect order).

# %% tags=["nbval-check-output"]
G_roll = mf.geodesic_distances(Xr, n_neighbors=10)
E_roll = torch.cdist(Xr, Xr)
ratio = (G_roll / E_roll.clamp(min=1e-12)).fill_diagonal_(0)
i, j = np.unravel_index(int(ratio.argmax()), ratio.shape)
print(f"Spearman |rho|(PCA coordinate 1, t) = {abs(spearmanr(Z_pca[:, 0], t_roll)[0]):.2f}")
print(f"two points {float(E_roll[i, j]):.1f} apart in R^3 are {float(G_roll[i, j]):.0f} apart along the roll")

# %% [markdown]
# ## 2. Derivation
#
# Throughout, $x_1,\dots,x_n\in\mathbb R^d$ are the data, $\mathbf 1$ the all-ones vector
# and $J = I - \frac1n\mathbf 1\mathbf 1^\top$ the **centring matrix**: $Jv$ subtracts the
# mean of $v$, and $J\mathbf 1 = 0$, $J^2=J$.
#
# ### 2.1 Kernel PCA
#
# Map each point by a feature map $\varphi:\mathbb R^d\to\mathcal H$ into a (possibly
# infinite-dimensional) space where the structure becomes linear, and do PCA there. We
# never compute $\varphi$; we only need inner products, given by a **kernel**
#
# \begin{equation*}k(x, x') = \langle\varphi(x),\varphi(x')\rangle,\qquad\text{e.g. } k(x,x')=e^{-\gamma\|x-x'\|^2}\ \text{(RBF)},
# \quad (\gamma\,x^\top x'+c)^p\ \text{(polynomial)}.\tag{1}\end{equation*}
#
# **Centring in feature space.** PCA needs centred features
# $\tilde\varphi_i=\varphi(x_i)-\frac1n\sum_j\varphi(x_j)$. Their inner products expand into
# kernel values only:
# $\langle\tilde\varphi_i,\tilde\varphi_j\rangle = K_{ij}-\frac1n\sum_l K_{lj}-\frac1n\sum_l K_{il}+\frac1{n^2}\sum_{l,m}K_{lm}$,
# that is, the centred Gram matrix is the **double-centred** kernel matrix
#
# \begin{equation*}\tilde K = JKJ.\tag{3}\end{equation*}
#
# **The eigenproblem.** PCA in feature space diagonalises the feature covariance,
#
# \begin{equation*}Cv=\lambda v,\qquad C=\tfrac1n\textstyle\sum_i\tilde\varphi_i\tilde\varphi_i^\top.\tag{2}\end{equation*}
#
# Any eigenvector $v$ of $C$ with $\lambda>0$ is a combination of the data,
# $v = \frac{1}{n\lambda}\sum_i\tilde\varphi_i(\tilde\varphi_i^\top v) = \sum_i\alpha_i\tilde\varphi_i$.
# Substituting into $Cv=\lambda v$ and taking inner products with every $\tilde\varphi_j$
# gives $\tilde K^2\alpha = n\lambda\tilde K\alpha$, whose relevant solutions solve the
# $n\times n$ problem
#
# \begin{equation*}\tilde K\alpha = \mu\,\alpha,\qquad \mu = n\lambda.\tag{4}\end{equation*}
#
# **Normalisation and scores.** $\|v\|^2=\alpha^\top\tilde K\alpha=\mu\|\alpha\|^2$, so a unit
# $v$ needs $\|\alpha\|=1/\sqrt\mu$. With unit eigenvectors $\alpha^{(j)}$ of $\tilde K$,
# the score of training point $i$ on component $j$ is
# $\langle v_j,\tilde\varphi_i\rangle = (\tilde K\alpha^{(j)})_i/\sqrt{\mu_j}$, i.e.
#
# \begin{equation*}Z_{ij} = \sqrt{\mu_j}\;\alpha^{(j)}_i.\tag{5}\end{equation*}
#
# **New points.** For a new $x$, centre its kernel vector with the *training* means and
# project:
#
# \begin{equation*}\tilde k_i(x)=k(x,x_i)-\tfrac1n\textstyle\sum_l k(x,x_l)-\tfrac1n\sum_l K_{li}+\tfrac1{n^2}\sum_{l,m}K_{lm},
# \qquad z_j(x)=\tilde k(x)^\top\alpha^{(j)}/\sqrt{\mu_j}.\tag{6}\end{equation*}
#
# With the linear kernel $k(x,x')=x^\top x'$, $\tilde K = X_cX_c^\top$ and (5) gives exactly
# the PCA scores of lesson 01 — kernel PCA is PCA through the Gram matrix.
#
# ### 2.2 Classical MDS, the core of Isomap
#
# Suppose we know only the distances $D_{ij}$ between points and want coordinates
# $y_i\in\mathbb R^k$ that reproduce them. Write $D^{(2)}$ for the matrix of *squared*
# distances and define the double-centred matrix
#
# \begin{equation*}B = -\tfrac12\,J D^{(2)} J.\tag{7}\end{equation*}
#
# **Classical (Torgerson) MDS** takes the top-$k$ eigenpairs $B\approx V_k\Lambda_kV_k^\top$ and
# returns $Y=V_k\Lambda_k^{1/2}$. Why this works:
#
# :::{prf:theorem} Classical MDS recovers Euclidean configurations
# :label: thm-mds
# Let $D_{ij}=\|x_i-x_j\|$ for points $x_1,\dots,x_n\in\mathbb R^p$ with centred coordinates
# $X_c = JX$. Then $B = X_cX_c^\top$; in particular $B$ is positive semi-definite with rank
# at most $p$. If $Y = V_p\Lambda_p^{1/2}$ is built from the top-$p$ eigenpairs of $B$, there
# is an orthogonal $Q\in O(p)$ with $x_i = Q\,y_i + \bar x$ for all $i$: classical MDS recovers
# the points up to a rigid motion (translation, rotation, reflection).
# :::
#
# :::{prf:proof}
# Distances do not change under translation, so $D_{ij}^2=\|c_i-c_j\|^2$ with $c_i$ the
# rows of $X_c$. Expanding, $D^{(2)} = g\mathbf 1^\top + \mathbf 1 g^\top - 2X_cX_c^\top$ with
# $g_i=\|c_i\|^2$. Since $J\mathbf 1 = 0$, the first two terms vanish under double centring,
# and since the columns of $X_c$ have mean zero, $JX_c = X_c$. Hence
# $B=-\tfrac12 J(-2X_cX_c^\top)J = X_cX_c^\top$, which is PSD of rank $\le p$.
#
# Then $B = V_p\Lambda_pV_p^\top$ exactly (the other eigenvalues are 0), so $YY^\top = B = X_cX_c^\top$.
# For every $a\in\mathbb R^n$, $\|Y^\top a\|^2 = a^\top YY^\top a = a^\top X_cX_c^\top a = \|X_c^\top a\|^2$,
# so the map $Y^\top a\mapsto X_c^\top a$ is well defined (if $Y^\top a=Y^\top b$ then
# $\|X_c^\top(a-b)\|=0$), linear and length-preserving from the row space of $Y$ onto that of
# $X_c$, two subspaces of $\mathbb R^p$ of equal dimension. A linear isometry between
# subspaces extends to an orthogonal $Q$ of $\mathbb R^p$ (map an orthonormal basis of one
# orthogonal complement to one of the other). Taking $a=e_i$: $c_i = Qy_i$, i.e.
# $x_i = Qy_i+\bar x$.
# :::
#
# When $D$ is *not* Euclidean — geodesic distances on a curved manifold are not exactly
# realisable in $\mathbb R^k$ — $B$ acquires negative eigenvalues, and by Eckart–Young
# (lesson 01) $V_k\Lambda_kV_k^\top$ is still the best rank-$k$ PSD approximation of $B$
# (for $\lambda_k>0$).
#
# **Isomap** feeds classical MDS with approximate geodesic distances:
#
# > **Algorithm 1** (Isomap, $n_\text{neighbors}=m$, dimension $k$).
# > 1. Build the $m$-nearest-neighbour graph; edge $i$–$j$ (if either is among the other's
# >    $m$ nearest) has length $\|x_i-x_j\|$. Cost $O(n^2d)$.
# > 2. $G_{ij}$ = length of the shortest path from $i$ to $j$ — Dijkstra from every source,
# >    $O(n^2\log n)$ on a graph with $O(nm)$ edges, or Floyd–Warshall,
# >
# \begin{equation*}G \leftarrow \min\big(G,\ G_{:,l}+G_{l,:}\big)\quad\text{for } l=1,\dots,n,\tag{8}\end{equation*}
# >    $O(n^3)$ but $n$ fully parallel steps — suited to a GPU.
# > 3. Classical MDS of $G$: top-$k$ eigenpairs of $B=-\frac12JG^{(2)}J$, $O(n^3)$ dense.
#
# Densely sampled, short graph hops follow the sheet, so $G$ approaches the true geodesic
# distance. How many dimensions does the data need? Tenenbaum et al. measure the
# **residual variance**
#
# \begin{equation*}1-R^2\big(G,\ D_Y\big),\tag{9}\end{equation*}
#
# where $R$ is the linear correlation, over all pairs, between $G_{ij}$ and the distances
# $\|y_i-y_j\|$ of the $k$-dimensional embedding. It drops until $k$ reaches the intrinsic
# dimension and then flattens: the **elbow**.
#
# ### 2.3 Laplacian eigenmaps
#
# Instead of preserving all distances, keep *neighbours* close. Weight the neighbourhood
# graph's edges,
#
# \begin{equation*}\begin{aligned}W_{ij} = \tfrac12\,(A_{ij}+A_{ji}),\qquad A_{ij}=\begin{cases}1\ \text{or}\ e^{-\|x_i-x_j\|^2/t}&j\text{ among the }m\text{ nearest neighbours of }i\\0&\text{otherwise,}\end{cases}\end{aligned}\tag{10}\end{equation*}
#
# with degrees $d_i=\sum_jW_{ij}$, $D=\operatorname{diag}(d)$, and the **graph Laplacian**
# $L = D-W$. We look for $Y\in\mathbb R^{n\times k}$ (rows $y_i$) minimising
# $\sum_{ij}W_{ij}\|y_i-y_j\|^2$: heavily connected points must land close together.
#
# :::{prf:proposition} The Laplacian's quadratic form
# :label: prop-laplacian
# For symmetric $W$ and any $Y\in\mathbb R^{n\times k}$,
# \begin{equation*}\sum_{i,j}W_{ij}\,\|y_i-y_j\|^2 = 2\operatorname{tr}(Y^\top LY).\tag{11}\end{equation*}
# Consequently $L$ is positive semi-definite, $L\mathbf 1=0$, and if the graph is connected
# the only vectors with $y^\top Ly=0$ are the constants.
# :::
#
# :::{prf:proof}
# Expand: $\sum_{ij}W_{ij}\|y_i-y_j\|^2=\sum_{ij}W_{ij}\|y_i\|^2+\sum_{ij}W_{ij}\|y_j\|^2-2\sum_{ij}W_{ij}y_i^\top y_j
# = 2\sum_i d_i\|y_i\|^2 - 2\sum_{ij}W_{ij}y_i^\top y_j$ (using symmetry of $W$ for the second sum)
# $=2\operatorname{tr}(Y^\top DY)-2\operatorname{tr}(Y^\top WY)=2\operatorname{tr}(Y^\top LY)$.
# The left side is $\ge0$ for non-negative weights, so $L$ is PSD; the rows of $L$ sum to
# $d_i-\sum_jW_{ij}=0$. If $y^\top Ly=0$, every edge with $W_{ij}>0$ has $y_i=y_j$, so $y$ is
# constant on each connected component — constant everywhere if the graph is connected.
# :::
#
# Minimising (11) alone is solved by collapsing everything to a point, so Belkin and Niyogi
# fix the scale with $Y^\top DY=I$ (the degree weights high-density points more). The
# Lagrange conditions give the **generalised eigenproblem**
#
# \begin{equation*}L\,y = \lambda\,D\,y,\tag{12}\end{equation*}
#
# and the minimisers are its eigenvectors with the smallest eigenvalues. The very smallest,
# $\lambda_0=0$ with $y=\mathbf 1$, is **trivial** (every point at the same place); we drop it
# and keep $y^{(1)},\dots,y^{(k)}$. The proposition also explains why a *disconnected* graph
# breaks the method: $\lambda=0$ then repeats once per component, and the bottom
# eigenvectors just label the components.
#
# **The normalised form.** With $u = D^{1/2}y$, (12) becomes $L_\text{sym}u=\lambda u$ for the
# symmetric normalised Laplacian $L_\text{sym}=I-D^{-1/2}WD^{-1/2}$: same eigenvalues, and
# $y = D^{-1/2}u$. scikit-learn's `SpectralEmbedding` solves this form and returns
# $D^{-1/2}u$ with unit $u$, i.e. the solutions of (12) normalised so that $y^\top Dy=1$ —
# the convention the course's code follows, so the two can be compared entry by entry.

# %% [markdown]
# ## 3. Reference implementations in NumPy
#
# :::{exercise} 07.double_center · Double centring
# :label: ex-07-double-center
# :nonumber:
# Write `double_center_np(D)` that returns $B=-\frac12JD^{(2)}J$ (7) for a distance matrix
# `D` of shape `(n, n)`: square the distances entrywise, then centre rows and columns. Do
# not modify `D`.
# :::

# %%
def double_center_np(D):
    # YOUR CODE HERE
    raise NotImplementedError


# %%
double_center_np = lu.check("07.double_center", double_center_np)

# %% [markdown] tags=["solution"]
# :::{solution} ex-07-double-center
# :class: dropdown
# The course's solution, from `solutions/07_manifold_learning.py` (in JupyterLab, print it with `lu.show_solution("07.double_center")`):
# ```{literalinclude} ../solutions/07_manifold_learning.py
# :pyobject: double_center_np
# ```
# :::

# %% [markdown]
# :::{exercise} 07.mds · Classical MDS
# :label: ex-07-mds
# :nonumber:
# Write `classical_mds_np(D, k)` returning the `(n, k)` embedding $Y=V_k\Lambda_k^{1/2}$ from the
# $k$ **largest** eigenpairs of $B$ (use your `double_center_np` and `np.linalg.eigh`, which
# sorts eigenvalues in *ascending* order), columns by decreasing eigenvalue; clamp negative
# eigenvalues to 0 before the square root.
# :::

# %%
def classical_mds_np(D, k):
    # YOUR CODE HERE
    raise NotImplementedError


# %%
classical_mds_np = lu.check("07.mds", classical_mds_np)

# %% [markdown] tags=["solution"]
# :::{solution} ex-07-mds
# :class: dropdown
# The course's solution, from `solutions/07_manifold_learning.py` (in JupyterLab, print it with `lu.show_solution("07.mds")`):
# ```{literalinclude} ../solutions/07_manifold_learning.py
# :pyobject: classical_mds_np
# ```
# :::

# %% [markdown]
# {prf:ref}`thm-mds` in action: take 200 points in $\mathbb R^3$, keep only their distance
# matrix, and run classical MDS. The Procrustes error (`mf.procrustes_error`: the relative
# residual after the best translation and orthogonal map, no rescaling) should be at
# rounding level — and a 2-dimensional embedding of the same points must lose something.

# %% tags=["nbval-check-output"]
P3 = np.random.default_rng(1).standard_normal((200, 3)) * [3.0, 2.0, 1.0] + 5.0
D3 = np.sqrt(((P3[:, None] - P3[None]) ** 2).sum(-1))
Y3 = classical_mds_np(D3, 3)
err3 = mf.procrustes_error(torch.from_numpy(P3), torch.from_numpy(Y3), scaling=False)
err2 = mf.procrustes_error(torch.from_numpy(P3), torch.from_numpy(classical_mds_np(D3, 2)), scaling=False)
print(f"k=3: recovered up to a rigid motion (Procrustes error < 1e-10): {err3 < 1e-10}")
print(f"k=2: Procrustes error {err2:.2f} (the third axis, std 1, is lost)")

# %% [markdown]
# :::{exercise} 07.laplacian · Laplacian eigenmaps
# :label: ex-07-laplacian
# :nonumber:
# Write `laplacian_eigenmaps_np(W, k)` for a symmetric affinity matrix `W` (n, n) of a
# connected graph: form $D$ and $L=D-W$, solve the generalised problem (12) with
# `scipy.linalg.eigh(L, D)` (ascending eigenvalues), drop the trivial solution and return
# the next `k` eigenvectors as an `(n, k)` array.
# :::

# %%
def laplacian_eigenmaps_np(W, k):
    # YOUR CODE HERE
    raise NotImplementedError


# %%
laplacian_eigenmaps_np = lu.check("07.laplacian", laplacian_eigenmaps_np)

# %% [markdown] tags=["solution"]
# :::{solution} ex-07-laplacian
# :class: dropdown
# The course's solution, from `solutions/07_manifold_learning.py` (in JupyterLab, print it with `lu.show_solution("07.laplacian")`):
# ```{literalinclude} ../solutions/07_manifold_learning.py
# :pyobject: laplacian_eigenmaps_np
# ```
# :::

# %% [markdown]
# ## 4. The course implementation and its oracles
#
# `lowdim_utils.manifold` holds the torch versions the rest of the course reuses (lesson 11
# embeds graphs with the same `spectral_embedding`):
#
# | function | what | equations |
# |---|---|---|
# | `kernel_matrix`, `double_center`, `kernel_pca` (→ `.embedding`, `.transform(X_new)`) | kernel PCA | (1)–(6) |
# | `connected_components`, `shortest_paths`, `geodesic_distances` | graph and shortest paths | Alg. 1 steps 1–2, (8) |
# | `classical_mds`, `isomap` (→ `.embedding`, `.geodesic`), `residual_variance` | MDS and Isomap | (7), (9) |
# | `knn_affinity`, `spectral_embedding`, `laplacian_eigenmaps` | Laplacian eigenmaps | (10)–(12) |
# | `procrustes_error`, `align_signs`, `fix_signs` | comparing embeddings | |
#
# The neighbourhood graph comes from the course's one neighbour search,
# `lowdim_utils.neighbors.knn(X, k)` (shared with lesson 05), which returns the distances to and
# the indices of each point's `k` nearest other points, both `(n, k)`; `shortest_paths` and
# `connected_components` take them as they are. The sign helpers come from `lowdim_utils.signs`
# (re-exported here), and every embedding is returned in its convention: the largest-magnitude
# entry of each column positive, as in scikit-learn.
#
# Everything is torch on the data's device, float32 or float64, with validated inputs.
# Two steps are deliberately left to SciPy on the CPU: connected components (cheap), and by
# default the shortest paths (Dijkstra, `scipy.sparse.csgraph`); `path_method="floyd"` runs
# the min-plus recursion (8) in torch instead, the default on a CUDA GPU. The eigensolver:
# on a GPU the dense, exact `torch.linalg.eigh`; on the CPU, for more than 200 points (the
# rule of scikit-learn's `eigen_solver="auto"`), ARPACK's Lanczos iteration through SciPy
# with a fixed start vector and tolerance 0 (machine precision) — on the sparse Laplacian
# with shift-and-invert, as `SpectralEmbedding` does.
#
# **How we compare.** Each eigenvector's sign is arbitrary, so we flip the columns of one
# embedding to agree with the other (`align_signs`) and report the largest entrywise
# difference relative to the largest entry. All in float64; the eigenvalues involved are
# well separated, so the differences should be near rounding level (we accept $10^{-8}$;
# $10^{-6}$ for scikit-learn's iterative ARPACK solver in `SpectralEmbedding`).

# %%
def rel_diff(A, B):
    """max |A − B| / max |B| after flipping the columns of A to match B's signs."""
    A = torch.as_tensor(np.asarray(A) if not torch.is_tensor(A) else A.cpu(), dtype=torch.float64)
    B = torch.as_tensor(np.asarray(B) if not torch.is_tensor(B) else B.cpu(), dtype=torch.float64)
    return float((mf.align_signs(A, B) - B).abs().max() / B.abs().max())


def verdict(d, tol):
    return f"{'< ' + format(tol, '.0e'):>7s}: {d < tol}"


iso = mf.isomap(Xr, 2, n_neighbors=10)
iso_sk = Isomap(n_neighbors=10, n_components=2, eigen_solver="dense").fit_transform(X_roll)
kp = mf.kernel_pca(Xr, 2, kernel="rbf", gamma=0.02)
kp_sk = KernelPCA(2, kernel="rbf", gamma=0.02, eigen_solver="dense").fit(X_roll)
X_new = X_roll[:50] + 0.3  # points off the sample, for the projection (6)
le = mf.laplacian_eigenmaps(Xr, 2, n_neighbors=10)
le_sk = SpectralEmbedding(2, affinity="nearest_neighbors", n_neighbors=11, random_state=0).fit_transform(X_roll)

# %% tags=["nbval-check-output"]
print("isomap vs sklearn Isomap                    ", verdict(rel_diff(iso.embedding, iso_sk), 1e-8))
print("classical_mds(geodesic) vs classical_mds_np ", verdict(rel_diff(mf.classical_mds(iso.geodesic, 2).embedding,
                                                                       classical_mds_np(iso.geodesic.cpu().numpy(), 2)), 1e-8))
print("kernel_pca vs sklearn KernelPCA             ", verdict(rel_diff(kp.embedding, kp_sk.transform(X_roll)), 1e-8))
print("kernel_pca.transform(new) vs sklearn        ", verdict(rel_diff(kp.transform(torch.from_numpy(X_new).to(device)),
                                                                       kp_sk.transform(X_new)), 1e-8))
print("laplacian_eigenmaps vs SpectralEmbedding    ", verdict(rel_diff(le.embedding, le_sk), 1e-6))

# %% [markdown]
# scikit-learn counts each point as its own nearest neighbour in `SpectralEmbedding` (the
# self-loop is then ignored by the Laplacian), hence `n_neighbors=11` there for our 10.
# Two more consistency checks: the NumPy Laplacian eigenmaps of exercise 3 on the course's
# affinity matrix, and the two shortest-path methods (on a 400-point subsample, since
# Floyd–Warshall is $O(n^3)$).

# %% tags=["nbval-check-output"]
W_roll = mf.knn_affinity(Xr, 10)
print("laplacian_eigenmaps vs laplacian_eigenmaps_np", verdict(rel_diff(le.embedding,
                                                                        laplacian_eigenmaps_np(W_roll.cpu().numpy(), 2)), 1e-8))
G_dij = mf.geodesic_distances(Xr[:400], 10, path_method="dijkstra")
G_fw = mf.geodesic_distances(Xr[:400], 10, path_method="floyd")
print("Floyd-Warshall vs Dijkstra geodesics         ", verdict(float((G_fw - G_dij).abs().max() / G_dij.max()), 1e-12))
Y_le = le.embedding.cpu()
L_roll = (torch.diag(W_roll.sum(1)) - W_roll).cpu()
lhs = float(sum(W_roll[a, b] * ((Y_le[a] - Y_le[b]) ** 2).sum() for a, b in zip(*np.nonzero(W_roll.cpu().numpy()))))
print(f"identity (11): sum w_ij |y_i - y_j|^2 = {lhs:.6f} = 2 tr(Y'LY) = {2 * float(torch.trace(Y_le.T @ L_roll @ Y_le)):.6f}")

# %% [markdown]
# **Kernel PCA separates what no line can.** Two concentric circles: PCA can only rotate
# them, but with an RBF kernel ($\gamma=5$) the first kernel principal component maps the
# inner circle to one side, and the projection (6) places 200 *new* points correctly too.

# %%
Xc_all, yc_all = make_circles(600, factor=0.3, noise=0.05, random_state=0)
Xc_tr, yc_tr, Xc_te, yc_te = Xc_all[:400], yc_all[:400], Xc_all[400:], yc_all[400:]
kc = mf.kernel_pca(torch.from_numpy(Xc_tr).to(device), 2, gamma=5.0)
zc_tr = lu.to_numpy(kc.embedding[:, 0])
zc_te = lu.to_numpy(kc.transform(torch.from_numpy(Xc_te).to(device))[:, 0])
thr = 0.5 * (zc_tr[yc_tr == 0].mean() + zc_tr[yc_tr == 1].mean())  # midpoint of the class means
side = np.sign(zc_tr[yc_tr == 1].mean() - thr)

fig, axes = plt.subplots(1, 2, figsize=(8, 3.2))
axes[0].scatter(*Xc_tr.T, c=yc_tr, cmap="coolwarm", s=6)
axes[0].set_title("two circles (input)")
axes[0].set_aspect("equal")
axes[1].scatter(zc_tr, kc.embedding[:, 1].cpu(), c=yc_tr, cmap="coolwarm", s=6, label="training points")
axes[1].scatter(zc_te, kc.transform(torch.from_numpy(Xc_te).to(device))[:, 1].cpu(), c=yc_te, cmap="coolwarm",
                marker="x", s=14, label="new points, Eq. (6)")
axes[1].axvline(thr, color="gray", ls=":")
axes[1].set_title("kernel PCA (RBF, γ=5)")
axes[1].set_xlabel("component 1")
axes[1].legend(fontsize=7)
plt.tight_layout()
plt.show()

# %% tags=["nbval-check-output"]
acc_tr = np.mean((side * (zc_tr - thr) > 0) == (yc_tr == 1))
acc_te = np.mean((side * (zc_te - thr) > 0) == (yc_te == 1))
print(f"one threshold on kernel component 1 classifies the circles: train {acc_tr:.2f}, new points {acc_te:.2f}")

# %% [markdown]
# **A disconnected graph is an error, not a warning.** Two far-apart clouds with too few
# neighbours give a graph in two pieces: geodesic distances between them are infinite and
# (11) has two zero eigenvalues. The course's functions stop and say what to do
# (scikit-learn's `Isomap` instead adds edges between the pieces with a warning, and
# `SpectralEmbedding` only warns).

# %% tags=["nbval-check-output"]
blobs = np.vstack([np.random.default_rng(2).standard_normal((150, 2)),
                   np.random.default_rng(3).standard_normal((100, 2)) + 30.0])
try:
    mf.isomap(blobs, 2, n_neighbors=5)
except mf.DisconnectedGraphError as err:
    print(f"{type(err).__name__}: {err}")

# %% [markdown]
# ## 5. The headline: unrolling the swiss roll
#
# Four methods, each asked for 2 dimensions, coloured by the roll parameter $t$. The
# "true" flat coordinates are the arc length along the spiral,
# $s(t)=\int\sqrt{1+t^2}\,dt=\tfrac12\big(t\sqrt{1+t^2}+\operatorname{arsinh}t\big)$, and the
# height $h$.

# %%
s_roll = 0.5 * (t_roll * np.sqrt(1 + t_roll**2) + np.arcsinh(t_roll))
flat = np.c_[s_roll, h_roll]
embeddings = {"PCA": Z_pca, "kernel PCA (RBF, γ=0.02)": lu.to_numpy(kp.embedding),
              "Isomap (10 neighbours)": lu.to_numpy(iso.embedding),
              "Laplacian eigenmaps (10)": lu.to_numpy(le.embedding)}
fig, axes = plt.subplots(1, 4, figsize=(13, 3.2))
for ax, (name, Z) in zip(axes, embeddings.items()):
    ax.scatter(Z[:, 0], Z[:, 1], c=t_roll, cmap="viridis", s=4)
    ax.set_title(name)
    ax.set_xticks([]); ax.set_yticks([])
plt.tight_layout()
plt.show()

# %% tags=["nbval-check-output"]
print("Spearman |rho|(first coordinate, t):")
for name, Z in embeddings.items():
    print(f"  {name:28s} {abs(spearmanr(Z[:, 0], t_roll)[0]):.2f}")
iso_err = mf.procrustes_error(torch.from_numpy(flat), iso.embedding.cpu())
print(f"Isomap vs the true flat sheet (s, h): Procrustes error {iso_err:.2f} (< 0.05: {iso_err < 0.05})")

# %% [markdown]
# Only the graph-based methods unroll the sheet. Isomap recovers the rectangle itself —
# up to a rigid motion its embedding *is* $(s, h)$ with a few percent error, as
# {prf:ref}`thm-mds` predicts once geodesic distances are approximately Euclidean in the
# flat coordinates. Laplacian eigenmaps orders the points along the roll just as well but
# does not preserve distances: its second coordinate is not the height but the next
# "harmonic" along the long side of the sheet — on a strip, the Laplacian's eigenvectors
# behave like $\cos(\pi j s/L)$, and $\cos(2\pi s/L)$ is a function of $\cos(\pi s/L)$ — so
# the sheet collapses onto a parabola. Kernel PCA with an RBF kernel only sees local
# Euclidean similarity and folds the roll.
#
# **The intrinsic dimension from the residual variance.** Embed in $k=1,\dots,6$ dimensions
# (the MDS coordinates are nested, so one eigendecomposition serves all $k$) and compute
# (9) against the geodesic distances; for comparison PCA's residual variance against the
# Euclidean distances. The elbow is where the curve stops falling: we take the $k$ with
# the largest relative drop $\mathrm{rv}(k-1)/\mathrm{rv}(k)$.

# %%
K_MAX = 6
iso6 = mf.classical_mds(iso.geodesic, K_MAX).embedding
rv_iso = np.array([mf.residual_variance(iso.geodesic, iso6[:, :k]) for k in range(1, K_MAX + 1)])
Z3 = linear.pca(Xr, 3).transform(Xr)
rv_pca = np.array([mf.residual_variance(E_roll, Z3[:, :k]) for k in range(1, 4)])


def elbow(rv):
    rv = np.maximum(rv, 1e-12)
    return int(np.argmax(rv[:-1] / rv[1:]) + 2)


fig, ax = plt.subplots(figsize=(5.5, 3.6))
ax.semilogy(range(1, K_MAX + 1), rv_iso, "o-", label="Isomap (geodesic distances)")
ax.semilogy(range(1, 4), np.maximum(rv_pca, 1e-6), "^--", label="PCA (Euclidean distances)")
ax.axvline(elbow(rv_iso), color="gray", ls=":")
ax.set_xlabel("embedding dimension k")
ax.set_ylabel("residual variance 1 − R²")
ax.set_title("Swiss roll: the elbow is at the intrinsic dimension")
ax.legend()
plt.show()

# %% tags=["nbval-check-output"]
print("Isomap residual variance, k = 1..6:", np.round(rv_iso, 4))
print("PCA residual variance,    k = 1..3:", np.round(rv_pca, 3))
print(f"elbow: Isomap at k = {elbow(rv_iso)} (the sheet's dimension), PCA at k = {elbow(rv_pca)} (the ambient one)")

# %% [markdown]
# This is the trend of Tenenbaum et al.'s residual-variance figure for the swiss roll:
# Isomap's curve falls to nearly zero at $k=2$ and stays flat, while PCA (and classical MDS on
# Euclidean distances) needs all 3 ambient dimensions. Their figure plots the residual
# variance on a linear scale; ours is logarithmic because our roll is long and thin
# (length ≈ 90 against height 21), so one coordinate already explains most of the
# geodesic distances.
#
# **Digits in two dimensions.** The same methods on real data: 8×8 digits, 64 pixels. There
# is no ground-truth parametrisation here, so we measure how well each 2-D map keeps the
# classes apart: the 5-fold cross-validated accuracy of a 5-nearest-neighbour classifier
# in the embedding.

# %%
dig_emb = {"PCA": Z_dig_pca,
           "kernel PCA (RBF)": lu.to_numpy(mf.kernel_pca(Xd, 2, gamma=1.0 / (64 * X_dig.var())).embedding),
           "Isomap": lu.to_numpy(mf.isomap(Xd, 2, n_neighbors=10).embedding),
           "Laplacian eigenmaps": lu.to_numpy(mf.laplacian_eigenmaps(Xd, 2, n_neighbors=10).embedding)}
fig, axes = plt.subplots(1, 4, figsize=(13, 3.3))
for ax, (name, Z) in zip(axes, dig_emb.items()):
    ax.scatter(Z[:, 0], Z[:, 1], c=y_dig, cmap="tab10", s=4)
    for c in range(10):  # label each class at its median
        mx, my = np.median(Z[y_dig == c], axis=0)
        ax.text(mx, my, str(c), fontsize=11, weight="bold", ha="center", va="center")
    ax.set_title(name)
    ax.set_xticks([]); ax.set_yticks([])
plt.tight_layout()
plt.show()

# %%
acc = {name: cross_val_score(KNeighborsClassifier(5), Z, y_dig, cv=5).mean() for name, Z in dig_emb.items()}
for name, a in acc.items():
    print(f"5-NN accuracy in the 2-D map, {name:20s}: {a:.3f}")

# %% tags=["nbval-check-output"]
print("graph-based 2-D maps separate digits better than PCA (by > 10 points):",
      min(acc["Isomap"], acc["Laplacian eigenmaps"]) > acc["PCA"] + 0.10)

# %% [markdown]
# Laplacian eigenmaps squeezes each class into a tight clump (it only cares about
# neighbours; 0, 4 and 6 end up far out, the others along one arm); Isomap keeps global
# distances and so keeps more overlap; both beat the linear projection. Digits are not a single smooth sheet, and no 2-D map is faithful —
# compare the residual variance of lesson 05's intrinsic-dimension estimates.
#
# ## 6. Scaling up
#
# Isomap and Laplacian eigenmaps against scikit-learn for growing $n$ (swiss rolls, 10
# neighbours, 2 dimensions, float64), and the course's Isomap split into its three steps.
# Both use ARPACK on the CPU here; on a GPU the course switches to dense `eigh` and
# Floyd–Warshall. Timings on a shared 2-core machine are noisy: read the slopes, not single
# points.

# %%
sizes = [250, 500, 1000, 1500] if SCALE == "small" else [1000, 2000, 4000, 8000]
bench = lu.Benchmark("manifold learners, 10 neighbours, k=2", size_label="n (points)")
steps = lu.Benchmark("course Isomap, step by step", size_label="n (points)")
for n in lu.progress_bar(sizes, desc="benchmark sizes"):
    Xb, _ = make_swiss_roll(n, noise=0.05, random_state=1)
    Xbt = torch.from_numpy(Xb)
    kw = dict(repeats=3, warmup=1)
    bench.run("course isomap (CPU)", n, mf.isomap, Xbt, 2, 10, **kw)
    bench.run("sklearn Isomap", n, lambda: Isomap(n_neighbors=10, n_components=2).fit_transform(Xb), **kw)
    bench.run("course laplacian_eigenmaps (CPU)", n, mf.laplacian_eigenmaps, Xbt, 2, 10, **kw)
    bench.run("sklearn SpectralEmbedding", n, lambda: SpectralEmbedding(2, n_neighbors=11, random_state=0).fit_transform(Xb),
              **kw)
    if device.type != "cpu":
        Xg = Xbt.to(device)
        bench.run(f"course isomap ({device.type})", n, mf.isomap, Xg, 2, 10, device=device)
        bench.run(f"course laplacian_eigenmaps ({device.type})", n, mf.laplacian_eigenmaps, Xg, 2, 10, device=device)
    dist, idx = knn(Xbt, 10)
    G = mf.shortest_paths(dist, idx, path_method="dijkstra")
    steps.run("1. k-NN graph  O(n²d)", n, knn, Xbt, 10, **kw)
    steps.run("2. shortest paths  O(n² log n)", n, mf.shortest_paths, dist, idx, path_method="dijkstra", **kw)
    steps.run("3. MDS eigensolver  O(n³)", n, mf.classical_mds, G, 2, **kw)

fig, axes = plt.subplots(1, 2, figsize=(12, 4))
bench.plot(ax=axes[0])
steps.plot(ax=axes[1])
axes[0].legend(fontsize=7); axes[1].legend(fontsize=7)
plt.tight_layout()
plt.show()
bench.report()

# %%
print(f"at n = {sizes[-1]}: course isomap / sklearn Isomap = "
      f"{bench.ratio('course isomap (CPU)', 'sklearn Isomap'):.2f}, course laplacian_eigenmaps / sklearn "
      f"SpectralEmbedding = {bench.ratio('course laplacian_eigenmaps (CPU)', 'sklearn SpectralEmbedding'):.2f}")

# %% [markdown]
# **Where the time goes.** Step 1 compares every pair of points: $O(n^2d)$ flops in one
# matrix product per block, fast in practice. Step 2 runs Dijkstra from each of the $n$
# sources over $O(nm)$ edges: $O(n^2\log n)$, in compiled SciPy code, and soon dominates.
# Step 3 needs the top eigenvectors of the dense $n\times n$ matrix $B$: a dense solver
# costs $O(n^3)$, Lanczos (ARPACK) $O(n^2)$ per matrix–vector product times a few dozen
# iterations. For Laplacian eigenmaps the matrix is sparse ($O(nm)$ non-zeros), and
# shift-and-invert Lanczos on it is nearly linear in $n$. On the CPU the course keeps that
# affinity sparse too (on a GPU it forms a dense $n\times n$ tensor, which is what a GPU
# wants), but it still finds neighbours by brute force, $O(n^2d)$, where scikit-learn uses a
# k-d tree on these 3-D points — most of the remaining gap in the table. On a GPU
# dense `eigh` and the Floyd–Warshall recursion (8) are highly parallel (run with
# `LOWDIM_SCALE=full` to see it). Beyond ~10⁴ points the standard remedies are landmark
# Isomap (MDS on a few hundred landmarks) and approximate nearest neighbours.
#
# ## 7. Explore: how many neighbours?
#
# Isomap lives or dies by the neighbourhood size. On this 800-point roll, 4 neighbours or
# fewer leave the graph in pieces (the error of section 4); from about 12 on, some edges
# jump between neighbouring turns of the roll (*short circuits*, the right panel counts
# them), geodesics cut through space and the embedding folds — a single bad edge is
# enough. Laplacian eigenmaps degrades more gracefully. Move `n_neighbors` and `method`.

# %% tags=["nbval-ignore-output"]
X_ex, t_ex = make_swiss_roll(800, noise=0.05, random_state=0)
X_ex_t = torch.from_numpy(X_ex).to(device)


def draw(n_neighbors, method):
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.3))
    try:
        if method == "isomap":
            r = mf.isomap(X_ex_t, 2, n_neighbors=n_neighbors)
            rv = mf.residual_variance(r.geodesic, r.embedding)
            note = f"residual variance {rv:.3f}"
        else:
            r = mf.laplacian_eigenmaps(X_ex_t, 2, n_neighbors=n_neighbors)
            note = f"λ1, λ2 = {float(r.eigenvalues[0]):.2g}, {float(r.eigenvalues[1]):.2g}"
        Z = lu.to_numpy(r.embedding)
        axes[0].scatter(Z[:, 0], Z[:, 1], c=t_ex, cmap="viridis", s=6)
        rho = abs(spearmanr(Z[:, 0], t_ex)[0])
        axes[0].set_title(f"{method}, n_neighbors={n_neighbors}\n{note}, |ρ(z₁, t)| = {rho:.2f}", fontsize=9)
    except mf.DisconnectedGraphError:
        n_comp = mf.connected_components(knn(X_ex_t, n_neighbors)[1])[0]
        axes[0].text(0.5, 0.5, f"n_neighbors={n_neighbors}: the graph has\n{n_comp} connected components",
                     ha="center", va="center", transform=axes[0].transAxes, fontsize=9)
    _, idx = knn(X_ex_t, n_neighbors)
    dt = (t_ex[lu.to_numpy(idx)] - t_ex[:, None]).ravel()
    dt = np.abs(dt)
    axes[1].hist(dt, bins=50, log=True)
    axes[1].axvline(np.pi, color="C3", ls=":")
    axes[1].set_xlabel("|Δt| along an edge of the k-NN graph")
    axes[1].set_title(f"{int((dt > np.pi).sum())} short-circuit edges (|Δt| > π)", fontsize=9)
    plt.tight_layout()


lu.explore(draw, n_neighbors=(3, 40, 1, 8), method=(["isomap", "laplacian eigenmaps"], "isomap"))

# %% [markdown]
# ## Summary
#
# - **Kernel PCA** is PCA on the double-centred Gram matrix $JKJ$ of a kernel: an $n\times n$
#   eigenproblem (4), scores $\sqrt{\mu_j}\alpha^{(j)}$ (5), and new points projected with
#   the training means (6). Good at untangling classes (the circles); with a local kernel it
#   does not unroll a sheet.
# - **Classical MDS** turns distances into coordinates through $B=-\frac12JD^{(2)}J$; for
#   Euclidean distances it is exact up to a rigid motion ({prf:ref}`thm-mds`). **Isomap**
#   applies it to shortest-path distances in a neighbourhood graph and recovers the flat
#   swiss-roll sheet; its residual variance has its elbow at the intrinsic dimension, 2.
# - **Laplacian eigenmaps** minimises $\sum w_{ij}\|y_i-y_j\|^2=2\operatorname{tr}(Y^\top LY)$
#   under $Y^\top DY=I$: the bottom non-trivial solutions of $Ly=\lambda Dy$. scikit-learn's
#   normalised-Laplacian form is the same problem with $u=D^{1/2}y$.
# - All three are eigen-decompositions of $n\times n$ matrices: dense $O(n^3)$ solvers are
#   simple and exact, but sparse or iterative solvers win at large $n$. Graph methods need a
#   connected graph without short circuits: the neighbourhood size matters.
#
# **Further reading.** Schölkopf, Smola & Müller (1998); Tenenbaum, de Silva & Langford (2000)
# and the discussion of its topological stability by Balasubramanian & Schwartz (Science,
# 2002); Belkin & Niyogi (2003); Coifman & Lafon, *Diffusion maps* (2006), which relates
# Laplacian eigenmaps to random walks; Borg & Groenen, *Modern Multidimensional Scaling*
# (2005), ch. 12 on classical scaling; van der Maaten & Hinton's t-SNE (2008) and McInnes et
# al.'s UMAP (2018) for visualisation-oriented successors. Lesson 11 applies
# `spectral_embedding` to real graphs; lesson 17 learns the linearising map of *Unsupervised
# Manifold Linearizing and Clustering* with the rate-reduction objective.
