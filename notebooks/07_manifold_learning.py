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
#   the swiss roll;
# - what Isomap guarantees — the flat coordinates, when the manifold is isometric to a *convex*
#   region of the plane — and how it fails when the region is not convex (a swiss roll with a
#   hole), measured;
# - how to place new points in an existing embedding (the out-of-sample formula, derived in an
#   exercise and checked against scikit-learn).
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
# - M. Bernstein, V. de Silva, J. C. Langford, J. B. Tenenbaum, *Graph approximations to
#   geodesics on embedded manifolds*, technical report, Stanford, 2000 — the convergence
#   guarantee behind Isomap: graph distances approach geodesic distances as sampling gets dense.
# - D. L. Donoho, C. Grimes, *Hessian eigenmaps: locally linear embedding techniques for
#   high-dimensional data*, PNAS 100(10), 2003 — Isomap needs a convex parameter domain; the
#   swiss roll with a hole is their counterexample.
# - Y. Bengio et al., *Out-of-sample extensions for LLE, Isomap, MDS, Eigenmaps, and spectral
#   clustering*, NIPS 2003 — one Nyström formula embeds new points for all of these methods.

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
# \begin{equation*}\tilde K = JKJ.\tag{2}\end{equation*}
#
# **The eigenproblem.** PCA in feature space diagonalises the feature covariance,
#
# \begin{equation*}Cv=\lambda v,\qquad C=\tfrac1n\textstyle\sum_i\tilde\varphi_i\tilde\varphi_i^\top.\tag{3}\end{equation*}
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
# realisable in $\mathbb R^k$ — $B$ acquires negative eigenvalues, and the truncation needs
# care. Eckart–Young–Mirsky (lesson 01) applied to the symmetric $B$ keeps the $k$ eigenvalues
# of largest **magnitude**, which may include a large negative one: that matrix is not PSD and
# has no coordinates $Y$. The right statement is about PSD matrices. With the eigenvalues sorted,
# $\lambda_1\ge\dots\ge\lambda_n$, the Frobenius-nearest PSD matrix of rank $\le k$ to $B$ is
# $V_k\operatorname{diag}(\lambda_1^+,\dots,\lambda_k^+)V_k^\top$ with $\lambda^+=\max(\lambda,0)$:
# for symmetric matrices $\|B-M\|_F^2\ge\sum_i(\lambda_i(B)-\lambda_i(M))^2$ (Hoffman–Wielandt,
# both spectra sorted the same way), and when $M$ is PSD of rank $\le k$ — $\lambda_i(M)\ge0$,
# zero for $i>k$ — the right-hand side is smallest for $\lambda_i(M)=\lambda_i^+$, $i\le k$, which
# that $M$ attains. Classical MDS returns exactly its factor $V_k\Lambda_k^{+\,1/2}$ (the clamp to
# 0 in the code); the two truncations agree whenever $\lambda_k$ exceeds the magnitude of the most
# negative eigenvalue, which section 5 measures for the swiss roll.
#
# **Isomap** feeds classical MDS with approximate geodesic distances:
#
# > **Algorithm 1** (Isomap, $n_\text{neighbors}=m$, dimension $k$).
# > 1. Build the $m$-nearest-neighbour graph; edge $i$–$j$ (if either is among the other's
# >    $m$ nearest) has length $\|x_i-x_j\|$. Cost $O(n^2d)$ by brute force; $O(n\log n)$ with a
# >    k-d tree on low-dimensional data.
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
# **What Isomap guarantees, and when.** Two approximations stand between Isomap and the flat
# coordinates, and the theory controls each under its own assumption.
#
# :::{prf:theorem} Isomap's asymptotic guarantee (Tenenbaum et al. 2000; Bernstein et al. 2000)
# :label: thm-isomap
# Let the data lie on a manifold $M=\psi(\Omega)$, where $\psi:\Omega\to\mathbb R^d$ is an
# isometry (it preserves lengths of curves) and $\Omega\subset\mathbb R^k$ is a **convex**
# domain. (i) If the sample is dense enough (every point of $M$ within $\delta$ of a sample) and
# the neighbourhood graph joins points closer than $\varepsilon$, with $\delta$ small against
# $\varepsilon$ and $\varepsilon$ small against the manifold's curvature radius and branch
# separation, then $(1-\lambda_1)\,d_M\le d_G\le(1+\lambda_2)\,d_M$ for all pairs, where $d_M$ is
# the geodesic distance on $M$ and $\lambda_1,\lambda_2\to0$ as $\delta\to0$. (ii) Because $\Omega$
# is convex, the geodesic between $\psi(\theta)$ and $\psi(\theta')$ is the image of the straight
# segment, so $d_M=\|\theta-\theta'\|$: the distances are Euclidean in $\mathbb R^k$, and by
# {prf:ref}`thm-mds` classical MDS of $d_G$ recovers the parameters $\theta_i$ up to a rigid
# motion, in the limit.
# :::
#
# (Stated, not proved here: part (i) is the main theorem of Bernstein et al., for
# $\varepsilon$-graphs; part (ii) is {prf:ref}`thm-mds`.) Both assumptions can fail. Short
# circuits (section 7) break (i). A non-convex $\Omega$ breaks (ii) however dense the sample: if
# the parameter rectangle has a hole, the geodesic between two points on opposite sides must go
# *around* it, $d_M>\|\theta-\theta'\|$, no configuration in $\mathbb R^k$ reproduces $d_M$, and
# MDS distorts the map around the hole — Donoho and Grimes's counterexample, measured in section 5.
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
# :::{exercise} 07.mds · Classical MDS
# :label: ex-07-mds
# :nonumber:
# Write `classical_mds_np(D, k)` for a distance matrix `D` of shape `(n, n)`: form
# $B=-\frac12JD^{(2)}J$ (7) — square the distances entrywise, then centre rows and columns; do not
# modify `D` — and return the `(n, k)` embedding $Y=V_k\Lambda_k^{+\,1/2}$ from the $k$ **largest**
# eigenpairs of $B$ (`np.linalg.eigh` sorts eigenvalues in *ascending* order), columns by
# decreasing eigenvalue, negative eigenvalues clamped to 0 before the square root.
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
# matrix, and run classical MDS. The Procrustes error (`mf.procrustes_error(..., scaling=False)`:
# the relative residual after the best translation and orthogonal map, no rescaling — a rigid
# motion, as in the theorem) should be at rounding level — and a 2-dimensional embedding of the
# same points must lose something. Values at rounding level differ from machine to machine, so
# the cells below print them as "below" the smallest power of ten that holds everywhere.

# %%
def below(err, floor):
    """'< 1e-13'-style bound for a rounding-level error: the next power of ten above err, at least floor."""
    return f"< {max(10.0 ** np.ceil(np.log10(max(err, 1e-300))), floor):.0e}"


# %% tags=["nbval-check-output"]
P3 = np.random.default_rng(1).standard_normal((200, 3)) * [3.0, 2.0, 1.0] + 5.0
D3 = np.sqrt(((P3[:, None] - P3[None]) ** 2).sum(-1))
Y3 = classical_mds_np(D3, 3)
err3 = mf.procrustes_error(torch.from_numpy(P3), torch.from_numpy(Y3), scaling=False)
err2 = mf.procrustes_error(torch.from_numpy(P3), torch.from_numpy(classical_mds_np(D3, 2)), scaling=False)
print(f"k=3: rigid Procrustes error {below(err3, 1e-12)} (must be < 1e-10): {'ok' if err3 < 1e-10 else 'FAILED'}")
print(f"k=2: rigid Procrustes error {err2:.2f} (the third axis is lost: variance 1 of 9 + 4 + 1, "
      f"sqrt(1/14) = {np.sqrt(1 / 14):.2f})")

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
# $10^{-6}$ for scikit-learn's iterative ARPACK solver in `SpectralEmbedding`). Each line prints
# the measured difference as a bound that holds on every machine (`below`, section 3) and the
# tolerance it is held to.

# %%
def rel_diff(A, B):
    """max |A − B| / max |B| after flipping the columns of A to match B's signs."""
    A = torch.as_tensor(np.asarray(A) if not torch.is_tensor(A) else A.cpu(), dtype=torch.float64)
    B = torch.as_tensor(np.asarray(B) if not torch.is_tensor(B) else B.cpu(), dtype=torch.float64)
    return float((mf.align_signs(A, B) - B).abs().max() / B.abs().max())


def verdict(d, tol, floor=1e-12):
    return f"{below(d, floor)} (must be < {tol:.0e}): {'ok' if d < tol else 'FAILED'}"


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
print("Floyd-Warshall vs Dijkstra geodesics         ", verdict(float((G_fw - G_dij).abs().max() / G_dij.max()), 1e-12,
                                                                   floor=1e-13))
Y_le = le.embedding.cpu()
L_roll = (torch.diag(W_roll.sum(1)) - W_roll).cpu()
lhs = float(sum(W_roll[a, b] * ((Y_le[a] - Y_le[b]) ** 2).sum() for a, b in zip(*np.nonzero(W_roll.cpu().numpy()))))
rhs = 2 * float(torch.trace(Y_le.T @ L_roll @ Y_le))
print(f"identity (11): sum w_ij |y_i - y_j|^2 = {lhs:.6f}, 2 tr(Y'LY) = {rhs:.6f}, relative difference "
      f"{verdict(abs(lhs - rhs) / rhs, 1e-10)}")

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
print(f"one threshold on kernel component 1 classifies the circles: train {acc_tr:.2f}, new points {acc_te:.2f} "
      f"(must be >= 0.99): {'ok' if min(acc_tr, acc_te) >= 0.99 else 'FAILED'}")

# %% [markdown]
# **New points in Isomap.** Kernel PCA places a new point with (6). Isomap and classical MDS need
# the same thing — embed a point that was not in the eigenproblem, given only its distances to the
# $n$ points — and no formula for it has been shown yet. Derive one.
#
# :::{exercise} 07.new_point · Placing a new point in a classical-MDS embedding
# :label: ex-07-new-point
# :nonumber:
# Let $Y=V_k\Lambda_k^{1/2}$ be the classical-MDS embedding of a distance matrix $D$ (`(n, n)`), and
# let a new point have distances $\delta\in\mathbb R^n$ to the $n$ points. Derive coordinates
# $y(\delta)\in\mathbb R^k$ such that, whenever the $n+1$ points are Euclidean in $\mathbb R^k$,
# $\|y(\delta)-y_i\|=\delta_i$ for every $i$. *Hints*: follow the proof of {prf:ref}`thm-mds` —
# write $\delta_i^2=\|c-c_i\|^2$ for centred coordinates, average over $i$ to get rid of the terms
# you do not know, and use $Y^\top\mathbf 1=0$ and $Y^\top Y=\Lambda_k$. Then write
# `mds_new_points_np(Y, D, delta)` for `delta` of shape `(m, n)` (one new point per row), returning
# an `(m, k)` array. The check tests the property above and one more consequence of your formula:
# a "new" point with exactly the distances of point $i$ (a row of `D`) must land on $y_i$, for any
# symmetric `D`.
# :::

# %%
def mds_new_points_np(Y, D, delta):
    # YOUR CODE HERE
    raise NotImplementedError


# %%
mds_new_points_np = lu.check("07.new_point", mds_new_points_np)

# %% [markdown] tags=["solution"]
# :::{solution} ex-07-new-point
# :class: dropdown
# The course's solution, from `solutions/07_manifold_learning.py` (in JupyterLab, print it with `lu.show_solution("07.new_point")`):
# ```{literalinclude} ../solutions/07_manifold_learning.py
# :pyobject: mds_new_points_np
# ```
# With $\mu_i=\frac1n\sum_jD_{ij}^2$, the formula is $y(\delta)=\tfrac12\Lambda_k^{-1}Y^\top(\mu-\delta^{(2)})$.
# :::

# %% [markdown]
# Isomap for new points: the geodesic distance from a new point $x$ to point $j$ is the shortest
# way through one of $x$'s neighbours, $\delta_j=\min_{l\in N(x)}\big(\|x-x_l\|+G_{lj}\big)$; then
# the formula places $x$. scikit-learn's `Isomap.transform` does the same through kernel PCA — its
# kernel is $-\frac12G^{(2)}$, and (6) with that kernel is exactly the formula you derived (the
# Nyström extension of Bengio et al. 2003) — so it is our oracle, on 200 fresh points of the roll.

# %% tags=["nbval-check-output"]
X_fresh, t_fresh = make_swiss_roll(200, noise=0.05, random_state=5)
d_fresh = torch.cdist(torch.from_numpy(X_fresh).to(device), Xr)                 # (200, n) to the training points
d_nb, i_nb = d_fresh.topk(10, dim=1, largest=False)                             # the 10 nearest training points
delta_fresh = (d_nb[:, :, None] + iso.geodesic[i_nb]).amin(dim=1)              # (200, n) geodesic distances
Y_fresh = mds_new_points_np(lu.to_numpy(iso.embedding), lu.to_numpy(iso.geodesic), lu.to_numpy(delta_fresh))
iso_fit = Isomap(n_neighbors=10, n_components=2, eigen_solver="dense").fit(X_roll)
print("new points: formula vs sklearn Isomap.transform", verdict(rel_diff(Y_fresh, iso_fit.transform(X_fresh)), 1e-8))

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
flat_t = torch.from_numpy(flat)
iso_rigid = mf.procrustes_error(flat_t, iso.embedding.cpu(), scaling=False)
iso_scaled = mf.procrustes_error(flat_t, iso.embedding.cpu(), scaling=True)
D_flat = torch.cdist(flat_t, flat_t)
iu = torch.triu_indices(N_ROLL, N_ROLL, 1)
stretch = float((iso.geodesic.cpu()[iu[0], iu[1]] / D_flat[iu[0], iu[1]]).median())
print(f"Isomap vs the true flat sheet (s, h), up to a rigid motion: Procrustes error {iso_rigid:.3f} "
      f"(must be < 0.06): {'ok' if iso_rigid < 0.06 else 'FAILED'}")
print(f"  allowing a scale too: {iso_scaled:.3f}; graph distance / true geodesic distance, median over pairs: "
      f"{stretch:.3f}")
Z_le = embeddings["Laplacian eigenmaps (10)"]
print(f"second coordinate vs the height h: |rho| = {abs(spearmanr(iso.embedding[:, 1].cpu(), h_roll)[0]):.2f} "
      f"(Isomap), {abs(spearmanr(Z_le[:, 1], h_roll)[0]):.2f} (Laplacian eigenmaps)")

# %% [markdown]
# Only the graph-based methods unroll the sheet. Isomap recovers the rectangle itself: up to a
# rigid motion — rotation, reflection, translation, as in {prf:ref}`thm-mds`, no rescaling — its
# embedding *is* $(s, h)$ with the few-percent Procrustes error printed above. Part of that error
# is a scale, not a distortion: a shortest path in a $10$-neighbour graph zig-zags, so the graph
# distances exceed the true geodesic distances by the median factor printed (the $(1+\lambda_2)$ of
# {prf:ref}`thm-isomap`); allowing one global scale removes that part. Laplacian eigenmaps orders
# the points along the roll just as well but does not preserve distances: its second coordinate is
# not the height (its rank correlation with $h$ is near 0) but the next "harmonic" along the long
# side of the sheet — on a strip, the Laplacian's eigenvectors behave like $\cos(\pi j s/L)$, and
# $\cos(2\pi s/L)$ is a function of $\cos(\pi s/L)$ — so the sheet collapses onto a parabola.
# Kernel PCA with an RBF kernel only sees local Euclidean similarity and folds the roll.
#
# **The truncation of §2.2, measured.** Classical MDS of the geodesic distances keeps the $k$
# largest eigenvalues of $B$ and drops the negative ones. Here the negative eigenvalues are small
# against the two kept ones, so the best rank-2 approximation (largest $|\lambda|$) and the best
# rank-2 PSD approximation coincide.

# %% tags=["nbval-check-output"]
lam_B = torch.linalg.eigvalsh(-0.5 * mf.double_center(iso.geodesic.cpu() ** 2))
print(f"B's eigenvalues: lambda_1 = {lam_B[-1]:.3g}, lambda_2 = {lam_B[-2]:.3g}, lambda_3 = {lam_B[-3]:.3g}; "
      f"most negative {lam_B[0]:.3g}")
print(f"negative eigenvalues carry {float(lam_B.clamp(max=0).abs().sum() / lam_B.abs().sum()):.1%} of sum |lambda|; "
      f"|lambda_min| / lambda_2 = {float(-lam_B[0] / lam_B[-2]):.2f} (must be < 1 for both truncations to keep "
      f"lambda_1, lambda_2): {'ok' if -lam_B[0] < lam_B[-2] else 'FAILED'}")

# %% [markdown]
# **When the guarantee fails: a swiss roll with a hole.** {prf:ref}`thm-isomap` needs a convex
# parameter domain. scikit-learn's `make_swiss_roll(hole=True)` cuts a rectangular hole out of the
# middle of the sheet (Donoho & Grimes's example): the sheet is still flat, dense and free of short
# circuits, but geodesics between points on opposite sides of the hole must go around it. We measure
# the rigid Procrustes error against $(s,h)$ and how much longer than the straight parameter distance
# the graph distances get (the 99th percentile over pairs of $d_G/\|\theta_i-\theta_j\|$), on three
# rolls of each kind (seeds 0, 1, 2; 1 000 points, 10 neighbours, as above).

# %%
def roll_study(hole, seed):
    X, t = make_swiss_roll(N_ROLL, noise=0.05, random_state=seed, hole=hole)
    fl = torch.from_numpy(np.c_[0.5 * (t * np.sqrt(1 + t**2) + np.arcsinh(t)), X[:, 1]])
    r = mf.isomap(torch.from_numpy(X).to(device), 2, n_neighbors=10)
    Df = torch.cdist(fl, fl)
    q99 = float((r.geodesic.cpu()[iu[0], iu[1]] / Df[iu[0], iu[1]]).quantile(0.99))
    return mf.procrustes_error(fl, r.embedding.cpu(), scaling=False), q99, r.embedding.cpu(), t


study = {hole: [roll_study(hole, seed) for seed in range(3)] for hole in (False, True)}
fig, axes = plt.subplots(1, 2, figsize=(9, 3.2))
for ax, hole in zip(axes, (False, True)):
    err, _, Z, t = study[hole][0]
    ax.scatter(Z[:, 0], Z[:, 1], c=t, cmap="viridis", s=4)
    ax.set_title(f"Isomap, roll {'with' if hole else 'without'} a hole (seed 0)\nrigid Procrustes error {err:.3f}",
                 fontsize=9)
    ax.set_xticks([]); ax.set_yticks([])
plt.tight_layout()
plt.show()

# %% tags=["nbval-check-output"]
for hole in (False, True):
    errs = np.array([r[0] for r in study[hole]]); q99s = np.array([r[1] for r in study[hole]])
    print(f"{'with a hole' if hole else 'no hole    '}: rigid Procrustes error mean {errs.mean():.2f} "
          f"(min-max {errs.min():.2f}-{errs.max():.2f}); 99th percentile of d_G / |theta_i - theta_j|: "
          f"{q99s.mean():.1f}")
worst_plain, best_hole = max(r[0] for r in study[False]), min(r[0] for r in study[True])
print(f"best holed roll {best_hole:.2f} vs worst plain roll {worst_plain:.2f} (the ranges must separate): "
      f"{'ok' if best_hole > worst_plain else 'FAILED'}; mean ratio "
      f"{np.mean([r[0] for r in study[True]]) / np.mean([r[0] for r in study[False]]):.1f}×")

# %% [markdown]
# The hole more than doubles the error, and the ranges over the three rolls do not overlap. The
# cause is visible in the second number: without the hole, 99 % of the pairs have graph distances
# within a fifth of the parameter distance (the zig-zag again); with it, the pairs whose geodesic
# bends around the hole are stretched by almost a factor of two, and MDS, which must represent
# those distances in the plane, bends the embedding around the hole. The cure changes the
# method, not the sampling: Hessian eigenmaps (Donoho & Grimes) and other *local* methods only
# need the manifold to be locally isometric to an open, connected — not necessarily convex —
# subset of $\mathbb R^k$.
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
print(f"elbow: Isomap at k = {elbow(rv_iso)} (the sheet's dimension), PCA at k = {elbow(rv_pca)} (the ambient one); "
      f"Isomap's rv(1) / rv(2) = {rv_iso[0] / rv_iso[1]:.0f}")

# %% [markdown]
# Tenenbaum et al.'s residual-variance figure for the swiss roll (their Fig. 2B, on a linear
# scale) shows Isomap's curve falling to nearly zero at $k=2$ and staying flat while PCA and
# classical MDS of the Euclidean distances need all three ambient dimensions (read off the
# figure; their sample size and neighbourhood are not checked against the paper). We get the same
# elbows with 1 000 points and 10 neighbours, Isomap's residual variance dropping about
# thirtyfold from $k=1$ to $k=2$ and then staying flat (printed above). The one visible difference
# — our plot needs a logarithmic scale — comes from our roll's shape: it is long and thin (length
# ≈ 90 against height 21), so one coordinate already explains most of the geodesic distances and
# the drop at $k=2$ is small in absolute terms.
#
# **Digits in two dimensions.** The same methods on real data: 8×8 digits, 64 pixels. There
# is no ground-truth parametrisation here, so we measure how well each 2-D map keeps the
# classes apart: the 5-fold cross-validated accuracy of a 5-nearest-neighbour classifier
# in the embedding.

# %%
iso_dig = mf.isomap(Xd, K_MAX + 4, n_neighbors=10)   # 10 nested MDS coordinates: the 2-D map and more
dig_emb = {"PCA": Z_dig_pca,
           "kernel PCA (RBF)": lu.to_numpy(mf.kernel_pca(Xd, 2, gamma=1.0 / (64 * X_dig.var())).embedding),
           "Isomap": lu.to_numpy(iso_dig.embedding[:, :2]),
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
gain = min(acc["Isomap"], acc["Laplacian eigenmaps"]) - acc["PCA"]
print(f"graph-based 2-D maps vs PCA: 5-NN accuracy higher by at least {gain:.2f} (must be > 0.10): "
      f"{'ok' if gain > 0.10 else 'FAILED'}")
rv_dig = [mf.residual_variance(iso_dig.geodesic, iso_dig.embedding[:, :k]) for k in (1, 2, 5, 10)]
print("Isomap residual variance of the digits, k = 1, 2, 5, 10:", np.round(rv_dig, 2), "(swiss roll at k = 2:",
      f"{rv_iso[1]:.4f})")

# %% [markdown]
# Laplacian eigenmaps squeezes each class into a tight clump (it only cares about
# neighbours; 0 and 6 end up far out, 4 at the tip of the arm along which the others lie);
# Isomap keeps global distances and so keeps more overlap; both beat the linear projection.
# Digits are not a single smooth sheet, and no 2-D map is faithful: Isomap's residual variance
# of the digits at $k=2$ is hundreds of times the swiss roll's and keeps falling slowly up to
# $k=10$, with no elbow — the geodesic distances need many dimensions (lesson 05 estimates the
# intrinsic dimension of such image data directly).
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
    steps.run("1. k-NN graph  (k-d tree)", n, knn, Xbt, 10, **kw)
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
share = steps.table().loc[sizes[-1]]
share = share / share.sum()
print(f"course Isomap at n = {sizes[-1]}, share of the three steps' time: "
      + ", ".join(f"{name.split('  ')[0]} {frac:.0%}" for name, frac in share.items()))
print("log-log slopes of the steps (time ~ n^slope over these sizes): "
      + ", ".join(f"{name.split('  ')[0]} {steps.slope(name):.1f}" for name in share.index))

# %% [markdown]
# **Where the time goes** (the shares and slopes printed above come from this run; they
# move with the machine). Step 1 finds neighbours: on the CPU, for data of dimension up to 16 such
# as these 3-D rolls, `neighbors.knn` queries a k-d tree, $O(n\log n)$; otherwise (and on a GPU) it
# compares every pair of points by brute force, $O(n^2d)$ flops in one matrix product per block. Step 2 runs Dijkstra from each of the $n$
# sources over $O(nm)$ edges: $O(n^2\log n)$, in compiled SciPy code. Step 3 needs the top
# eigenvectors of the dense $n\times n$ matrix $B$: a dense solver costs $O(n^3)$, Lanczos
# (ARPACK) $O(n^2)$ per matrix–vector product times a few dozen iterations. For Laplacian eigenmaps the matrix is sparse ($O(nm)$ non-zeros), and
# shift-and-invert Lanczos on it is nearly linear in $n$. On the CPU the course keeps that
# affinity sparse too (on a GPU it forms a dense $n\times n$ tensor, which is what a GPU
# wants), and like scikit-learn it finds the neighbours of these 3-D points with a k-d tree.
# Appendix A times both methods against scikit-learn at more sizes, on an idle machine with the
# thread pools isolated ([Appendix A](appendix_a_performance.ipynb)). On a GPU dense `eigh` and
# the Floyd–Warshall recursion (8) are highly parallel (run with `LOWDIM_SCALE=full` to see
# it). Beyond ~10⁴ points the standard remedies are landmark Isomap — MDS on a few hundred
# landmarks, the other points placed with the formula of exercise 07.new_point — and
# approximate nearest neighbours.
#
# **What needs a GPU.** Nothing in this lesson: every figure is at the papers' scale on a CPU
# (1 000-point rolls, the digits). `LOWDIM_SCALE=full` enlarges the samples (a 4 000-point roll,
# all 1 797 digits) and the benchmark (up to 8 000 points), where the GPU paths matter.
#
# ## 7. Explore: how many neighbours?
#
# Isomap lives or dies by the neighbourhood size. Too few neighbours leave the graph in
# pieces (the error of section 4); too many add edges that jump between neighbouring turns of
# the roll (*short circuits*, the right panel counts them), and geodesics then cut through
# space. Move `n_neighbors` and `method` on this 800-point roll, then find the working range in
# the exercise below.

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
# :::{exercise} 07.neighbors · The working range of n_neighbors
# :label: ex-07-neighbors
# :nonumber:
# Write `neighbor_range(X, t)` for a swiss roll `X: (n, 3)` with roll parameters `t: (n,)`,
# returning `(k_min, k_max)`: the interval of `n_neighbors` (integers, starting the search at 3)
# on which Isomap into 2 dimensions *unrolls* the roll — its first coordinate orders the points
# along it, $|\rho_\text{Spearman}(z_1,t)|\ge0.99$ — for every value in between, `k_min − 1`
# failing (a disconnected graph counts as a failure) and `k_max + 1` failing. How you search is
# up to you (`mf.isomap`, `mf.DisconnectedGraphError`, `scipy.stats.spearmanr`). The check runs
# your function on two other rolls of different sizes, whose ranges differ from this one's.
# :::

# %%
def neighbor_range(X, t):
    # YOUR CODE HERE
    raise NotImplementedError


# %%
neighbor_range = lu.check("07.neighbors", neighbor_range)

# %% [markdown] tags=["solution"]
# :::{solution} ex-07-neighbors
# :class: dropdown
# The course's solution, from `solutions/07_manifold_learning.py` (in JupyterLab, print it with `lu.show_solution("07.neighbors")`):
# ```{literalinclude} ../solutions/07_manifold_learning.py
# :pyobject: neighbor_range
# ```
# :::

# %% [markdown]
# Now read the range against the two mechanisms: connectivity at the lower end, the first short
# circuit at the upper end — and whether the residual variance, which needs no ground truth,
# sees the failure too. Laplacian eigenmaps, for comparison, with the same neighbourhoods.

# %% tags=["nbval-check-output"]
k_lo, k_hi = neighbor_range(X_ex_t, t_ex)
print(f"Isomap unrolls this 800-point roll for n_neighbors = {k_lo}..{k_hi}")
for k in (k_lo - 1, k_lo, k_hi, k_hi + 1):
    _, idx = knn(X_ex_t, k)
    n_short = int((np.abs(t_ex[lu.to_numpy(idx)] - t_ex[:, None]) > np.pi).sum())
    try:
        r = mf.isomap(X_ex_t, 2, n_neighbors=k)
        rv = f"residual variance {mf.residual_variance(r.geodesic, r.embedding):.4f}"
    except mf.DisconnectedGraphError:
        rv = "graph disconnected"
    print(f"  n_neighbors = {k:2d}: {n_short:2d} short-circuit edges, {rv}")
rho_le = {k: abs(spearmanr(lu.to_numpy(mf.laplacian_eigenmaps(X_ex_t, 2, n_neighbors=k).embedding[:, 0]), t_ex)[0])
          for k in (k_hi + 1, 15, 20)}
print("Laplacian eigenmaps |rho(z1, t)| at n_neighbors =",
      ", ".join(f"{k}: {rho:.2f}" for k, rho in rho_le.items()))

# %% [markdown]
# The lower end is connectivity; the upper end is the first short circuit — a single edge across
# two turns is enough to fold the embedding — and the residual variance jumps there by two orders
# of magnitude, so it flags the failure without knowing $t$. Laplacian eigenmaps, which only asks
# neighbours to stay close, still orders the roll well past Isomap's upper end: one bad edge moves
# one term of (11), while in Isomap it shortens every geodesic that can use it.

# %% [markdown]
# ## Summary
#
# - **Kernel PCA** is PCA on the double-centred Gram matrix $JKJ$ of a kernel: an $n\times n$
#   eigenproblem (4), scores $\sqrt{\mu_j}\alpha^{(j)}$ (5), and new points projected with
#   the training means (6). Good at untangling classes (the circles); with a local kernel it
#   does not unroll a sheet.
# - **Classical MDS** turns distances into coordinates through $B=-\frac12JD^{(2)}J$; for
#   Euclidean distances it is exact up to a rigid motion ({prf:ref}`thm-mds`), otherwise it
#   returns the nearest PSD matrix of rank $k$ (largest *positive* eigenvalues), and new points
#   are placed with $y=\frac12\Lambda_k^{-1}Y^\top(\mu-\delta^{(2)})$ (exercise 07.new_point).
#   **Isomap** applies it to shortest-path distances in a neighbourhood graph and recovers the
#   flat swiss-roll sheet up to a rigid motion with a few percent error; its residual variance
#   has its elbow at the intrinsic dimension, 2. Its guarantee needs a convex parameter domain
#   ({prf:ref}`thm-isomap`): a hole in the sheet more than doubles the error.
# - **Laplacian eigenmaps** minimises $\sum w_{ij}\|y_i-y_j\|^2=2\operatorname{tr}(Y^\top LY)$
#   under $Y^\top DY=I$: the bottom non-trivial solutions of $Ly=\lambda Dy$. scikit-learn's
#   normalised-Laplacian form is the same problem with $u=D^{1/2}y$.
# - All three are eigen-decompositions of $n\times n$ matrices: dense $O(n^3)$ solvers are
#   simple and exact, but sparse or iterative solvers win at large $n$. Graph methods need a
#   connected graph without short circuits: the neighbourhood size matters (exercise
#   07.neighbors), and the residual variance flags a short circuit without ground truth.
#
# **Further reading.** Schölkopf, Smola & Müller (1998); Tenenbaum, de Silva & Langford (2000)
# and the discussion of its topological stability by Balasubramanian & Schwartz (Science,
# 2002); Bernstein et al. (2000) and Donoho & Grimes (2003) on when Isomap recovers the
# parameters; Bengio et al. (2003) on out-of-sample extensions; Belkin & Niyogi (2003); Coifman & Lafon, *Diffusion maps* (2006), which relates
# Laplacian eigenmaps to random walks; Borg & Groenen, *Modern Multidimensional Scaling*
# (2005), ch. 12 on classical scaling; van der Maaten & Hinton's t-SNE (2008) and McInnes et
# al.'s UMAP (2018) for visualisation-oriented successors. Lesson 11 applies
# `spectral_embedding` to real graphs; lesson 17 learns the linearising map of *Unsupervised
# Manifold Linearizing and Clustering* with the rate-reduction objective.
