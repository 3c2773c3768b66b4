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
# # 01 · PCA and the SVD
#
# **What you will learn**
# - why maximising the variance of a projection and minimising the reconstruction error
#   are the same problem, and why the SVD solves both (the Eckart–Young–Mirsky theorem,
#   proved below);
# - three ways to compute the top singular vectors: the full SVD, power (subspace)
#   iteration, and the randomized SVD of Halko, Martinsson and Tropp;
# - how to *check* such code: singular vectors are defined only up to sign, so we compare
#   subspaces through their principal angles;
# - how the randomized SVD's error depends on oversampling $p$ and power iterations $q$,
#   measured on a real photograph over several random test matrices and compared with the
#   paper's bound (how loose it is, and where);
# - why a power iteration needs a random start, and why the power scheme must re-orthonormalise
#   in floating point (two exercises you check by experiment).
#
# **Prerequisites**: linear algebra (eigenvectors, orthonormal bases, the spectral theorem)
# and [lesson 00](00_introduction.ipynb) for how lessons and exercises work.
#
# **Papers**. N. Halko, P.-G. Martinsson, J. A. Tropp, *Finding structure with randomness:
# probabilistic algorithms for constructing approximate matrix decompositions*, SIAM Review
# 53(2), 2011 — the randomized SVD and its error bounds. Recent work that builds on PCA:
# *Federated PCA on Grassmann Manifold* (merging local subspaces, see lesson 24),
# *EigenTrajectory* (trajectory forecasting in a PCA basis) and *Representations and
# Exploration for Deep RL using Singular Value Decomposition*.

# %%
import lowdim_utils as lu  # first: it sets OMP_WAIT_POLICY before torch loads (steadier threads)
import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.decomposition import PCA
from sklearn.utils.extmath import randomized_svd as sk_randomized_svd

from lowdim_utils import linear
from lowdim_utils.data import load

device, SCALE, _ = lu.setup(seed=0)  # SCALE: "small" on a CPU by default; LOWDIM_SCALE=full for GPU-sized runs

# %% [markdown]
# ## 1. Motivation: real images live near low-dimensional subspaces
#
# Take 100 photographs of faces, each 25×25 = 625 pixels, and 1797 handwritten digits of
# 8×8 = 64 pixels. If the pixels were unrelated, we would need nearly all coordinates to
# describe an image. Instead, a handful of directions carries most of the variation. The
# *cumulative explained variance* below answers: how much of the total variance do the
# best $k$ directions capture? Noise of the same shape is the contrast.

# %%
faces = load("faces")
digits = load("digits")
rng = np.random.default_rng(0)
noise = rng.standard_normal(faces.X.shape).astype(np.float32)

fig, ax = plt.subplots(figsize=(6, 3.6))
need = {}
for name, X in [("faces 25×25", faces.X), ("digits 8×8", digits.X), ("Gaussian noise (faces' shape)", noise)]:
    r = linear.pca(torch.from_numpy(X).double(), min(X.shape))
    cum = torch.cumsum(r.explained_variance_ratio, 0).numpy()
    need[name] = (int(np.searchsorted(cum, 0.9) + 1), X.shape[1])
    ax.plot(np.arange(1, len(cum) + 1) / X.shape[1], cum, label=name)
ax.axhline(0.9, color="gray", ls=":", lw=1)
ax.set_xlabel("fraction of directions kept  k / d")
ax.set_ylabel("cumulative explained variance")
ax.set_title("A few directions carry most of the variance of real images")
ax.legend()
plt.show()

# %% tags=["nbval-check-output"]
for name, (k90, d) in need.items():
    print(f"{name:32s}: {k90:3d} of {d} directions explain 90% of the variance")

# %% [markdown]
# Faces need far fewer directions than noise of the same shape (noise has no preferred
# direction; the only reason it needs fewer than all 625 is that 100 samples span at
# most 99 directions). The rest of the lesson is about finding those directions, fast
# and verifiably.
#
# ## 2. Derivation
#
# Let $x_1,\dots,x_n\in\mathbb R^d$ be data points with mean $\bar x$, and stack the centred
# points as the rows of $X\in\mathbb R^{n\times d}$:
#
# \begin{equation*}X_{i\cdot} = x_i-\bar x.\tag{1}\end{equation*}
#
# The sample covariance is $C = \frac{1}{n-1}X^\top X$. Write the thin SVD
# $X = U\Sigma V^\top$ with $\sigma_1\ge\sigma_2\ge\dots\ge0$; then
# $C = V\,\frac{\Sigma^2}{n-1}\,V^\top$, so the right singular vectors of $X$ are the
# eigenvectors of $C$ and the variances along them are $\sigma_i^2/(n-1)$.
#
# **Variance maximisation.** The variance of the projections onto a unit vector $v$ is
# $v^\top C v$. For $k$ orthonormal directions $V_k\in\mathbb R^{d\times k}$, the captured
# variance is $\operatorname{tr}(V_k^\top C V_k)$. PCA chooses
#
# \begin{equation*}V_k^\star = \arg\max_{V^\top V = I_k}\ \operatorname{tr}(V^\top C V),\tag{2}\end{equation*}
#
# and the maximiser is the top-$k$ eigenvectors of $C$ (Ky Fan's maximum principle). We do not
# prove Ky Fan's theorem separately: it follows from (4) below and the Eckart–Young–Mirsky theorem,
# as the next paragraph shows. The principal components are the scores $Z = XV_k^\star$ (3).
#
# **Reconstruction.** Projecting onto $V$ and back gives $XVV^\top$. By Pythagoras
# (the residual is orthogonal to the projection),
#
# \begin{equation*}\|X - XVV^\top\|_F^2 = \|X\|_F^2 - \|XV\|_F^2 = \|X\|_F^2 - (n-1)\operatorname{tr}(V^\top C V).\tag{4}\end{equation*}
#
# So *minimising the reconstruction error over rank-$k$ projections is the same problem as
# maximising the variance (2)*. A stronger statement holds: no rank-$k$ matrix at all —
# projection or not — approximates $X$ better than the truncated SVD. With it, (2) is solved:
# $XVV^\top$ has rank at most $k$, so by the theorem below $\|X-XVV^\top\|_F^2\ge\sum_{i>k}\sigma_i^2$,
# and $V=V_k$ (the top-$k$ right singular vectors, i.e. eigenvectors of $C$) attains it because
# $XV_kV_k^\top=X_k$; by (4) the same $V_k$ maximises $\operatorname{tr}(V^\top CV)$ — Ky Fan's result.
#
# :::{prf:theorem} Eckart–Young–Mirsky
# :label: thm-eym
# Let $X = \sum_i \sigma_i u_i v_i^\top$ and $X_k = \sum_{i\le k}\sigma_i u_i v_i^\top$.
# For every matrix $B$ with $\operatorname{rank}B\le k$,
#
# \begin{equation*}\|X-B\|_2 \ge \sigma_{k+1} = \|X-X_k\|_2
# \quad\text{and}\quad
# \|X-B\|_F^2 \ge \sum_{i>k}\sigma_i^2 = \|X-X_k\|_F^2 .\tag{5}\end{equation*}
# :::
#
# :::{prf:proof}
# *Spectral norm.* The null space of $B$ has dimension at least $d-k$ and the span of
# $v_1,\dots,v_{k+1}$ has dimension $k+1$, so they share a unit vector $w=\sum_{i\le k+1}c_iv_i$.
# Then $\|(X-B)w\|_2^2=\|Xw\|_2^2=\sum_{i\le k+1}\sigma_i^2c_i^2\ge\sigma_{k+1}^2$, hence
# $\|X-B\|_2\ge\sigma_{k+1}$, and $X_k$ attains it.
#
# *Weyl's inequality*
#
# \begin{equation*}\sigma_{i+j-1}(P+Q)\le\sigma_i(P)+\sigma_j(Q)\tag{6}\end{equation*}
#
# follows: let $P_{i-1}$,
# $Q_{j-1}$ be truncated SVDs; $P_{i-1}+Q_{j-1}$ has rank at most $i+j-2$, so by the spectral
# case $\sigma_{i+j-1}(P+Q)\le\|P+Q-P_{i-1}-Q_{j-1}\|_2\le\sigma_i(P)+\sigma_j(Q)$.
#
# *Frobenius norm.* Apply (6) with $P=X-B$, $Q=B$, $j=k+1$: since $\sigma_{k+1}(B)=0$,
# $\sigma_{i+k}(X)\le\sigma_i(X-B)$ for every $i$. Summing squares,
# $\|X-B\|_F^2=\sum_i\sigma_i(X-B)^2\ge\sum_i\sigma_{i+k}(X)^2=\sum_{i>k}\sigma_i^2$.
# :::
#
# **Power iteration.** Multiplying a random block $V^{(0)}\in\mathbb R^{d\times k}$ by
# $X^\top X$ and re-orthonormalising,
#
# \begin{equation*}V^{(t+1)} = \operatorname{orth}\big(X^\top X\,V^{(t)}\big),\tag{7}\end{equation*}
#
# amplifies the component along $v_i$ by $\sigma_i^2$ per step, so the angle between
# $\operatorname{span}V^{(t)}$ and the top-$k$ subspace shrinks like
# $(\sigma_{k+1}/\sigma_k)^{2t}$: fast with a spectral gap, slow without one.
#
# **Randomized SVD.** Halko, Martinsson and Tropp (HMT) replace the many products of power
# iteration by *one* product with a random *test matrix* $\Omega$, plus a few power steps. In
# their numbering it is a range finder (stage A) followed by a direct SVD (stage B, their
# Algorithm 5.1):
#
# > **Randomized SVD** (rank $k$, oversampling $p$, power iterations $q$; HMT Algorithms 4.4 and 5.1).
# > 1. Draw the test matrix $\Omega\in\mathbb R^{d\times(k+p)}$ with i.i.d. $\mathcal N(0,1)$ entries.
# > 2. $Q=\operatorname{orth}(X\Omega)$; repeat $q$ times: $Q=\operatorname{orth}(X\operatorname{orth}(X^\top Q))$
# >    (*randomized subspace iteration*, HMT Alg. 4.4).
# > 3. SVD of the small matrix $Q^\top X = \tilde U\Sigma V^\top$; return $Q\tilde U_{:k}$, $\Sigma_{:k}$, $V_{:k}^\top$ (HMT Alg. 5.1).
#
# In exact arithmetic step 2 computes an orthonormal basis of $Y=(XX^\top)^qX\Omega$, HMT's
# *power scheme* (their Algorithm 4.3 forms $Y$ and orthonormalises once); the
# re-orthonormalisations only matter in floating point — exercise 01.range finds out why.
# The cost is $O(nd(k+p)(q+1))$ instead of $O(nd\min(n,d))$ for the full SVD. How good is
# $Q$? With $\ell=k+p$ columns and $p\ge2$, their Theorem 10.6 and Corollary 10.10 bound the
# expected error of the range finder by
#
# \begin{equation*}\mathbb E\,\|X-QQ^\top X\|_2 \le \Big[\big(1+\sqrt{\tfrac{k}{p-1}}\big)\sigma_{k+1}^{2q+1}
# + \tfrac{e\sqrt{k+p}}{p}\Big(\sum_{j>k}\sigma_j^{2(2q+1)}\Big)^{1/2}\Big]^{1/(2q+1)}.\tag{8}\end{equation*}
#
# The expectation is over $\Omega$: one run of the algorithm is deterministic once its seed is
# fixed, so comparing with (8) means running several seeds. Power iterations raise the singular
# values to the power $2q+1$, which suppresses the tail sum.
#
# (8) bounds the error of $QQ^\top X$, whose rank is $k+p$, not $k$. What step 3 returns is the
# rank-$k$ matrix $\hat X_k = Q\,[Q^\top X]_k$ ($[\,\cdot\,]_k$: truncated SVD), and by the
# triangle inequality, with $\|QQ^\top X - Q[Q^\top X]_k\|_2 = \sigma_{k+1}(Q^\top X)\le\sigma_{k+1}(X)$
# (the singular values of $Q^\top X$ are at most those of $X$, since $\|Q^\top\|_2 = 1$),
#
# \begin{equation*}\sigma_{k+1}\ \le\ \|X-\hat X_k\|_2\ \le\ \sigma_{k+1} + \|X-QQ^\top X\|_2 .\tag{9}\end{equation*}
#
# The left inequality is Eckart–Young–Mirsky. So the rank-$k$ error is what to compare with the
# optimum $\sigma_{k+1}$; the rank-$(k+p)$ error of (8) can be *below* $\sigma_{k+1}$. Section 5
# measures both on a photograph.

# %% [markdown]
# ## 3. A reference implementation in NumPy
#
# :::{exercise} 01.pca · PCA in NumPy
# :label: ex-01-pca
# :nonumber:
# Write `pca_np(X, k)` that returns the top-`k` principal directions as the **rows** of a
# `(k, d)` array and their variances (a `(k,)` array, with the $1/(n-1)$ of scikit-learn).
# Use `np.linalg.svd` on the centred data; do not modify `X`.
# :::

# %%
def pca_np(X, k):
    # YOUR CODE HERE
    raise NotImplementedError


# %%
pca_np = lu.check("01.pca", pca_np)

# %% [markdown] tags=["solution"]
# :::{solution} ex-01-pca
# :class: dropdown
# The course's solution, from `solutions/01_pca_svd.py` (in JupyterLab, print it with `lu.show_solution("01.pca")`):
# ```{literalinclude} ../solutions/01_pca_svd.py
# :pyobject: pca_np
# ```
# :::

# %% [markdown]
# Against scikit-learn's exact PCA (`svd_solver="full"`) on the faces, in float64. Signs
# are arbitrary, so we compare $|\cos|$ between matching directions and the variances.

# %% tags=["nbval-check-output"]
Xf = faces.X.astype(np.float64)
comps_np, var_np = pca_np(Xf, 10)
sk = PCA(10, svd_solver="full").fit(Xf)
print("min |cos| between directions :", f"{np.abs(np.sum(comps_np * sk.components_, axis=1)).min():.10f}")
print("variances, max relative error:", f"{np.max(np.abs(var_np - sk.explained_variance_) / sk.explained_variance_):.1e}" if
      np.max(np.abs(var_np - sk.explained_variance_) / sk.explained_variance_) > 1e-12 else "< 1e-12")

# %% [markdown]
# ## 4. The course implementation and its oracles
#
# `lowdim_utils.linear` holds the torch versions the rest of the course uses: `pca`,
# `svd`, `power_iteration`, `randomized_svd` and `subspace_angles`. They run on any
# device, keep float32 or float64, and fix the sign ambiguity one way
# (`flip_svd`, from `lowdim_utils.signs` and re-exported by `linear`: the largest-magnitude
# entry of each right singular vector is positive — the convention of scikit-learn's PCA),
# so even raw vectors can be compared with it.
#
# **How we compare.** For exact methods, entrywise after sign fixing. For randomized and
# iterative methods, with **principal angles** between subspaces: if $Q_A,Q_B$ are
# orthonormal bases, the cosines of the angles are the singular values of $Q_A^\top Q_B$.
# They are invariant to sign, order and rotation within the subspace.

# %% tags=["nbval-check-output"]
Xt = torch.from_numpy(Xf).to(device)
res = linear.pca(Xt, 10)
print("course pca vs sklearn PCA, max |Δ component| :", f"{np.abs(lu.to_numpy(res.components) - sk.components_).max():.1e}"
      if np.abs(lu.to_numpy(res.components) - sk.components_).max() > 1e-12 else "< 1e-12")
print("explained variance ratio (first 5)           :", np.round(lu.to_numpy(res.explained_variance_ratio[:5]), 4))

# %% [markdown]
# Now the randomized SVD, against scikit-learn's `randomized_svd` and torch's
# `torch.svd_lowrank` on the centred faces, all with $k=10$, $p=10$, $q=4$; and block power
# iteration. Reference: the exact top-10 right singular subspace.

# %% tags=["nbval-check-output"]
Xc = Xt - Xt.mean(0)
_, _, Vt_exact = linear.svd(Xc, 10)
U_c, S_c, Vt_c = linear.randomized_svd(Xc, 10, oversample=10, n_iter=4, generator=torch.Generator().manual_seed(1))
_, _, Vt_sk = sk_randomized_svd(lu.to_numpy(Xc), 10, n_oversamples=10, n_iter=4, random_state=1)
_, _, V_tl = torch.svd_lowrank(Xc, q=20, niter=4)
S_p, Vt_p, steps = linear.power_iteration(Xc, 10, n_iter=2000, tol=1e-10)


def max_angle_deg(A, B):
    return float(torch.rad2deg(linear.subspace_angles(torch.as_tensor(A).to(Xc), torch.as_tensor(B).to(Xc)).max()))


print(f"largest principal angle to the exact top-10 subspace (degrees):")
print(f"  course randomized_svd      : {max_angle_deg(Vt_c.T, Vt_exact.T):.3f}")
print(f"  sklearn randomized_svd     : {max_angle_deg(Vt_sk.T, Vt_exact.T):.3f}")
print(f"  course vs sklearn          : {max_angle_deg(Vt_c.T, Vt_sk.T):.3f}")
print(f"  torch.svd_lowrank (top 10) : {max_angle_deg(V_tl[:, :10], Vt_exact.T):.3f}")
print(f"  course power_iteration     : {max_angle_deg(Vt_p.T, Vt_exact.T):.6f}")

# %% [markdown]
# The three randomized methods land within about 1.5–2.2 degrees of the exact subspace and
# 2.6 degrees of each other — not closer, because the faces' spectrum decays slowly ($\sigma_{11}/\sigma_{10}$
# is close to 1), which is exactly the case section 5 studies. Power iteration, run to
# convergence (it needed many steps for the same reason), matches it to numerical precision.
#
# :::{exercise} 01.power · Power iteration: choose the start (a design decision)
# :label: ex-01-power
# :nonumber:
# Write `power_iteration_np(A, n_iter=500, tol=1e-10)` for a symmetric positive
# semi-definite matrix `A` with $\lambda_1>\lambda_2$: repeat $v\leftarrow Av/\|Av\|$ until $v$
# changes by less than `tol` (or `n_iter` steps), and return the pair `(eigenvalue, eigenvector)`
# with the eigenvalue as the Rayleigh quotient $v^\top Av$.
#
# The starting vector is your decision. Expand it in the eigenvectors,
# $v^{(0)}=\sum_ic_iv_i$: after $t$ steps $A^tv^{(0)}=\sum_ic_i\lambda_i^tv_i$. Derive what
# happens when $c_1=0$, and choose a start for which that cannot happen for *any* `A` (with
# probability 1) while your function stays deterministic. The check includes matrices built
# against the obvious fixed starts (the vector of ones, the first basis vector).
# :::

# %%
def power_iteration_np(A, n_iter=500, tol=1e-10):
    # YOUR CODE HERE
    raise NotImplementedError


# %%
power_iteration_np = lu.check("01.power", power_iteration_np)

# %% [markdown] tags=["solution"]
# :::{solution} ex-01-power
# :class: dropdown
# The course's solution, from `solutions/01_pca_svd.py` (in JupyterLab, print it with `lu.show_solution("01.power")`):
# ```{literalinclude} ../solutions/01_pca_svd.py
# :pyobject: power_iteration_np
# ```
# :::

# %% tags=["nbval-check-output"]
Cf = np.cov(Xf, rowvar=False)
lam, v = power_iteration_np(Cf, n_iter=5000)
print(f"top eigenvalue: power iteration {lam:.6f}  vs  sklearn's first variance {sk.explained_variance_[0]:.6f}")
print(f"|cos(v, first component)| = {abs(v @ sk.components_[0]):.8f}")

# %% [markdown]
# ## Eigen-images
#
# The principal directions of the faces are themselves images (*eigenfaces*). Red and blue
# show the sign: the first ones encode lighting and overall face shape, later ones finer
# detail. Reconstructing from $k$ components is the rank-$k$ approximation of
# {prf:ref}`thm-eym`.

# %%
pf = linear.pca(torch.from_numpy(Xf), 60)
fig = lu.show_images(torch.cat([pf.mean[None], pf.components[:15]]), shape=(25, 25), ncols=8, cmap="RdBu_r",
                     titles=["mean"] + [f"PC {i + 1}" for i in range(15)], symmetric=False, size=1.1)
for ax, im in zip(fig.axes[1:], pf.components[:15]):
    v = float(im.abs().max())
    ax.images[0].set_clim(-v, v)
plt.show()


def reconstruct(k, which=(0, 1, 2, 3)):
    Z = pf.transform(torch.from_numpy(Xf[list(which)]))
    return (Z[:, :k] @ pf.components[:k] + pf.mean).numpy()


rows = [Xf[:4]] + [reconstruct(k) for k in (5, 20, 60)]
titles = [f"{t}" for t in ["original"] * 4 + ["k=5"] * 4 + ["k=20"] * 4 + ["k=60"] * 4]
lu.show_images(np.concatenate(rows), shape=(25, 25), ncols=4, titles=titles, size=1.0)
plt.show()

# %% [markdown]
# ## 5. The headline: the Halko–Martinsson–Tropp bound on a real photograph
#
# We take a real grey-level photograph (427×640, scikit-learn's `china.jpg`) as the
# matrix $X$, fix the target rank $k=20$, and run the range finder with oversampling
# $p\in\{2,5,10,20,40\}$ and $q\in\{0,1,2\}$ power iterations, each with 8 test matrices
# $\Omega$ (seeds). For every run we measure two errors, relative to the optimal rank-$k$ error
# $\sigma_{k+1}$: the range finder's $\|X-QQ^\top X\|_2$ (rank $k+p$, the quantity (8) bounds) and
# the rank-$k$ error $\|X-\hat X_k\|_2$ of the randomized SVD (what a user of rank $k$ gets; (9)).
# Points are the mean over the 8 seeds, bars their min–max; the dashed lines are the bound (8),
# computed from the photograph's exact spectrum. (`LOWDIM_SCALE=full` uses 32 seeds per point;
# no conclusion below needs it.)

# %%
photo = torch.from_numpy(load("sample_images", gray=True).images[0]).double().to(device)
s_photo = torch.linalg.svdvals(photo)
k_h, ps, qs = 20, [2, 5, 10, 20, 40], [0, 1, 2]
trials = 8 if SCALE == "small" else 32
err_range = np.zeros((len(qs), len(ps), trials))     # ‖X − QQᵀX‖₂ / σ_{k+1}   (rank k + p)
err_rank_k = np.zeros_like(err_range)                 # ‖X − Q [QᵀX]_k‖₂ / σ_{k+1} (rank k)
bound = np.zeros((len(qs), len(ps)))
with lu.progress_bar(total=len(qs) * len(ps) * trials, desc="range finder trials") as bar:
    for a, q in enumerate(qs):
        for b, p in enumerate(ps):
            for t in range(trials):
                Q = linear.randomized_range_finder(photo, k_h + p, n_iter=q,
                                                   generator=torch.Generator().manual_seed(100 * t + p))
                B = Q.T @ photo
                Ub, Sb, Vtb = torch.linalg.svd(B, full_matrices=False)
                X_k = (Q @ Ub[:, :k_h]) * Sb[:k_h] @ Vtb[:k_h]
                err_range[a, b, t] = float(torch.linalg.matrix_norm(photo - Q @ B, ord=2) / s_photo[k_h])
                err_rank_k[a, b, t] = float(torch.linalg.matrix_norm(photo - X_k, ord=2) / s_photo[k_h])
                bar.update()
            bound[a, b] = linear.halko_bound(s_photo.cpu(), k_h, p, q)

fig, axes = plt.subplots(1, 3, figsize=(13, 3.8), gridspec_kw={"width_ratios": [1.2, 1.2, 1]})
for ax, err, title in [(axes[0], err_range, r"rank $k+p$: $\|X-QQ^\top X\|_2\,/\,\sigma_{k+1}$"),
                       (axes[1], err_rank_k, r"rank $k$: $\|X-Q[Q^\top X]_k\|_2\,/\,\sigma_{k+1}$")]:
    for a, q in enumerate(qs):
        mean = err[a].mean(1)
        yerr = [mean - err[a].min(1), err[a].max(1) - mean]
        line = ax.errorbar(ps, mean, yerr=yerr, fmt="o-", capsize=3, label=f"measured, q={q}")[0]
        ax.plot(ps, bound[a] if err is err_range else 1 + bound[a], "--", color=line.get_color(), alpha=0.7,
                label=f"bound {'(8)' if err is err_range else '(9)+(8)'}, q={q}")
    ax.axhline(1, color="k", lw=1, ls=":")
    ax.set_xscale("log"); ax.set_yscale("log")
    ax.set_xticks(ps, [str(p) for p in ps]); ax.minorticks_off()
    ax.set_xlabel("oversampling p"); ax.set_title(title, fontsize=10)
    ax.legend(ncol=2, fontsize=6.5)
axes[0].set_ylabel(r"error / $\sigma_{k+1}$ (1 = optimal rank-$k$ error)")
axes[2].semilogy(np.arange(1, 201), s_photo[:200].cpu(), color="k")
axes[2].axvline(k_h + 1, color="gray", ls=":")
axes[2].set_xlabel("index i"); axes[2].set_ylabel(r"$\sigma_i$"); axes[2].set_title("the photo's singular values (slow decay)")
plt.suptitle(f"Randomized range finder on a 427×640 photo, k={k_h}, {trials} test matrices per point", fontsize=10)
plt.tight_layout(); plt.show()

# %% tags=["nbval-check-output"]
def table(err, name):
    print(f"{name}: mean over {trials} seeds [min–max] (rows q = 0, 1, 2; columns p = {ps})")
    for a, q in enumerate(qs):
        print(f"  q={q}: " + "  ".join(f"{err[a, b].mean():5.2f} [{err[a, b].min():.2f}–{err[a, b].max():.2f}]"
                                       for b in range(len(ps))))


table(err_range, "rank k+p, ‖X − QQᵀX‖₂/σ_{k+1}")
table(err_rank_k, "rank k,   ‖X − Q[QᵀX]_k‖₂/σ_{k+1}")
worst = (err_range.max(2) / bound).max()
print(f"every seed below the bound (8): largest measured/bound {worst:.2f} (must be < 1)")
print(f"how loose (8) is, bound / mean measured (columns p = {ps}):")
for a, q in enumerate(qs):
    print(f"  q={q}: " + "  ".join(f"{bound[a, b] / err_range[a, b].mean():5.1f}x" for b in range(len(ps)))
          + f"   (at p={ps[0]}: bound {bound[a, 0]:.1f} vs measured {err_range[a, 0].mean():.2f})")
tail = float((s_photo[k_h:] ** 2).sum() / s_photo[k_h] ** 2)
print(f"the tail the bound pays for: sum_(j>k) σ_j² = {tail:.0f} σ_(k+1)²")
r2 = err_rank_k[2, ps.index(10)]
print(f"rank-k error at q=2, p=10: {r2.mean():.3f} σ_(k+1) [{r2.min():.3f}–{r2.max():.3f}] "
      f"(within 2% of the optimum: {r2.max() < 1.02})")
r0 = err_rank_k[0, 0]
print(f"rank-k error at q=0, p=2: {r0.mean():.2f} σ_(k+1) [{r0.min():.2f}–{r0.max():.2f}] "
      f"(more than twice the optimum: {r0.min() > 2})")

# %% [markdown]
# What the run shows (numbers from the table above):
#
# - **Without power iterations** ($q=0$) the photograph's slowly decaying spectrum makes even
#   the best seed's rank-$k$ error about twice the optimum at $p=2$ (mean 2.57 $\sigma_{k+1}$,
#   seeds 2.02–3.15), and oversampling helps only slowly: at $p=40$ it is still 1.26.
# - **One or two power iterations** fix that: at $q=2$, $p=10$ the rank-$k$ error is
#   1.007 $\sigma_{k+1}$ (seeds 1.002–1.015), within 2% of the optimum for every seed. The
#   rank-$(k+p)$ error of the same runs is 0.91: below $\sigma_{k+1}$, because $Q$ has
#   $k+p=30$ columns — that number says nothing about how close a rank-20 answer is to the best
#   rank-20 answer, which is why (9) and the middle panel are needed.
# - **The bound (8) holds for every seed and is loose by a factor that depends on $q$**:
#   about 18× at $q=0$, $p=2$ (45.9 against 2.57), still about 4× at $p=40$; at $q=1$ and
#   $q=2$ it is within a factor of about 1.6–2.4. Its second term,
#   $\frac{e\sqrt{k+p}}{p}(\sum_{j>k}\sigma_j^{2(2q+1)})^{1/2}$, charges the whole tail of the
#   spectrum at once: on this photo $\sum_{j>k}\sigma_j^2$ is about 40 times $\sigma_{k+1}^2$, so at
#   $q=0$, $p=2$ the second term is $6.4\times\sqrt{40}\,\sigma_{k+1}\approx40\,\sigma_{k+1}$, most of the
#   bound, while the measured error is 2.6 $\sigma_{k+1}$: the tail's energy is spread over hundreds of
#   directions, and a Gaussian $\Omega$ picks up only a small part of it. The powers $2q+1$ shrink the
#   tail and with it the slack.
#
# **Paper vs. ours.** Halko, Martinsson and Tropp prove (8) for every matrix (their Theorem 10.6
# and Corollary 10.10) and report, in their numerical experiments on matrices with slowly
# decaying spectra (§7), that $q=1$–$2$ power iterations bring the randomized error close to the
# optimum (not checked against the paper's figures); we get, on a 427×640 photograph with
# $k=20$ and 8 Gaussian test matrices per point, a rank-$k$ error within 2% of $\sigma_{k+1}$ at
# $q=2$, $p=10$, and the bound (8) 1.6–18 times above the measured mean; the difference between
# bound and measurement comes from (8) being a worst case over all spectra, which pays for the
# entire tail, while the slack shrinks with $q$ as the powers suppress that tail.
#
# :::{exercise} 01.range · The power scheme in floating point (an open experiment)
# :label: ex-01-range
# :nonumber:
# Write `range_finder_np(X, size, n_iter, rng)` returning an orthonormal `Q` of shape
# `(n, size)` whose range approximates that of $Y=(XX^\top)^{q}X\Omega$, $q$ = `n_iter`, with
# $\Omega$ of shape `(d, size)` drawn by `rng.standard_normal`. Start from the literal version —
# form $Y$ with $q$ products by $XX^\top$, then one `np.linalg.qr` (HMT's Algorithm 4.3) — and run
# the cell after the check: on a matrix whose singular values fall like $0.7^j$, the literal
# version's error *grows* with $q$ beyond a few steps, although in exact arithmetic more steps can
# only help. Find out why (look at the singular values of $Y$ against machine precision,
# $2.2\times10^{-16}$), then change the scheme so that more power iterations never hurt. The check
# measures your $Q$: error at most $4\sigma_{\text{size}+1}$ without power iterations and $1.6\sigma_{\text{size}+1}$
# with 3 on a slowly decaying spectrum, and at most $1.1\sigma_{\text{size}+1}$ with 6 on the $0.7^j$ spectrum.
# :::

# %%
def range_finder_np(X, size, n_iter, rng):
    # YOUR CODE HERE
    raise NotImplementedError


# %%
range_finder_np = lu.check("01.range", range_finder_np)

# %% [markdown] tags=["solution"]
# :::{solution} ex-01-range
# :class: dropdown
# The course's solution, from `solutions/01_pca_svd.py` (in JupyterLab, print it with `lu.show_solution("01.range")`):
# ```{literalinclude} ../solutions/01_pca_svd.py
# :pyobject: range_finder_np
# ```
# :::

# %%
def power_scheme_literal(X, size, n_iter, rng):
    """HMT's Algorithm 4.3 as written: Y = (X Xᵀ)^q X Ω, orthonormalised once."""
    Y = X @ rng.standard_normal((X.shape[1], size))
    for _ in range(n_iter):
        Y = X @ (X.T @ Y)
    return np.linalg.qr(Y)[0]


def range_errors(f, Xm, size, opt, q_list=(0, 2, 4, 6, 8)):
    """‖X − QQᵀX‖₂ / σ_(size+1) of f's basis for each number of power iterations in q_list."""
    return [np.linalg.norm(Xm - (Q := f(Xm, size, q, np.random.default_rng(0))) @ (Q.T @ Xm), 2) / opt
            for q in q_list]


g07 = np.random.default_rng(5)
s07 = 0.7 ** np.arange(200)
X07 = (np.linalg.qr(g07.standard_normal((300, 200)))[0] * s07) @ np.linalg.qr(g07.standard_normal((200, 200)))[0].T
P = lu.to_numpy(photo)
cases = [("0.7^j spectrum, size 20", X07, 20, s07[20]), ("the photo, size 30", P, 30, float(s_photo[30]))]
# The literal scheme's errors come from rounding, so they differ between machines: this cell is not compared.
print("literal power scheme (Alg. 4.3), error / σ_(size+1) for q = 0, 2, 4, 6, 8:")
for what, Xm, size, opt in cases:
    print(f"  {what:24s}: " + " ".join(f"{v:8.2f}" for v in range_errors(power_scheme_literal, Xm, size, opt)))

# %% tags=["nbval-check-output"]
print("your range finder, error / σ_(size+1) for q = 0, 2, 4, 6, 8:")
for what, Xm, size, opt in cases:
    e = range_errors(range_finder_np, Xm, size, opt)
    print(f"  {what:24s}: " + " ".join(f"{v:8.2f}" for v in e)
          + f"   (q=8 within 10% of the optimum: {e[-1] < 1.1})")

# %% [markdown]
# In floating point, $Y=(XX^\top)^qX\Omega$ has singular values $\approx\sigma_j^{2q+1}$ (times
# those of $\Omega$), so once $(\sigma_{\text{size}}/\sigma_1)^{2q+1}$ falls below machine
# precision the columns of $Y$ all point, to working accuracy, along the top few singular
# vectors: the directions the basis needs are lost in rounding before `qr` sees them. On the
# $0.7^j$ spectrum $(0.7^{19})^{2q+1}<10^{-16}$ from $q=3$ on; on the photo
# ($\sigma_{30}/\sigma_1\approx0.02$) from about $q=4$, and the loss shows a few steps later (the
# literal scheme's numbers above are rounding errors, so they vary between machines and that cell
# is not compared by the tests). Re-orthonormalising after every product (HMT's
# Algorithm 4.4, what `linear.randomized_range_finder` does) keeps every direction at unit
# scale; scikit-learn's LU normalisation does the same more cheaply.
#
# %% [markdown]
# ## 6. Scaling up
#
# Time every method on random low-rank-plus-noise matrices of growing height $n$ (width
# $d$ fixed), target rank $k=20$: NumPy's and torch's full SVD, scikit-learn's exact PCA,
# scikit-learn's `randomized_svd`, `torch.svd_lowrank`, and the course's `randomized_svd`
# (same $p=10$, $q=4$ everywhere), in float32, on this machine's CPU (and its GPU when
# present). `lu.Benchmark` warms up, synchronises the device and takes the median.

# %%
def test_matrix(n, d, rank=50, seed=0, device="cpu"):
    g = torch.Generator().manual_seed(seed)
    A = torch.randn(n, rank, generator=g) @ torch.randn(rank, d, generator=g) / rank**0.5
    return (A + 0.1 * torch.randn(n, d, generator=g)).to(device)


sizes = [1000, 2000, 4000, 8000] if SCALE == "small" else [2000, 8000, 32000, 128000]
d_b, k_b = (500, 20) if SCALE == "small" else (2000, 50)
bench = lu.Benchmark(f"rank-{k_b} SVD of an n×{d_b} float32 matrix", size_label="n (rows)")
for n in lu.progress_bar(sizes, desc="benchmark sizes"):
    Xb = test_matrix(n, d_b)
    Xn = Xb.numpy()
    if n <= 4000:  # the full SVDs grow as n d²: keep them to the smaller sizes
        bench.run("NumPy full SVD", n, np.linalg.svd, Xn, full_matrices=False, repeats=2)
        bench.run("sklearn PCA (full)", n, lambda: PCA(k_b, svd_solver="full").fit(Xn), repeats=2)
    bench.run("torch full SVD (CPU)", n, torch.linalg.svd, Xb, full_matrices=False, repeats=2)
    bench.run("sklearn randomized_svd", n, sk_randomized_svd, Xn, k_b, n_oversamples=10, n_iter=4, random_state=0,
              repeats=5)
    bench.run("torch.svd_lowrank", n, torch.svd_lowrank, Xb, q=k_b + 10, niter=4, repeats=5)
    bench.run("course randomized_svd (CPU)", n, linear.randomized_svd, Xb, k_b, oversample=10, n_iter=4, repeats=5)
    if device.type != "cpu":
        Xg = Xb.to(device)
        bench.run(f"course randomized_svd ({device.type})", n, linear.randomized_svd, Xg, k_b,
                  oversample=10, n_iter=4, device=device)
        bench.run(f"torch full SVD ({device.type})", n, torch.linalg.svd, Xg, full_matrices=False, device=device)
bench.plot()
plt.show()
bench.report()

# %% [markdown]
# The full SVD costs $O(nd^2)$ plus an $O(d^3)$ part that does not grow with $n$ (d is fixed),
# so at these sizes its slope in $n$ should stay below 1, with a large constant; the randomized
# methods cost $O(nd(k+p)(q+1))$ — also linear in $n$, with a constant smaller by roughly
# $d/((k+p)(q+1))$. What this run measured (timings on a busy machine can bend the slopes, so the
# cell reads them rather than the text asserting them):

# %%
predicted = {"torch full SVD (CPU)": "below 1 (the O(d³) part does not grow with n)",
             "course randomized_svd (CPU)": "at most 1 (linear in n)", "sklearn randomized_svd": "at most 1 (linear in n)"}
for name, expect in predicted.items():
    s = bench.slope(name)
    agrees = s < 1.15 if "at most" in expect else s < 1.0
    print(f"{name:28s} slope {s:5.2f}; predicted {expect}: {'agrees' if agrees else 'does NOT agree in this run'}")
t_big = bench.table().loc[max(sizes)]
print(f"at n = {max(sizes)}: the course's randomized SVD takes {t_big['course randomized_svd (CPU)'] * 1e3:.0f} ms, "
      f"{t_big['torch full SVD (CPU)'] / t_big['course randomized_svd (CPU)']:.0f}x less than torch's full SVD")

# %% [markdown]
# On a GPU the same code runs unchanged on the device `lu.setup()` picked.
#
# **The standard benchmark size** of the course: $20000\times1000$, $k=50$, $p=10$, $q=4$,
# float32, CPU. The course's implementation must be no slower than scikit-learn's.

# %%
Xs = test_matrix(20000, 1000, rank=100, seed=1)
t_course = lu.time_it(linear.randomized_svd, Xs, 50, oversample=10, n_iter=4, repeats=5)
t_sk = lu.time_it(sk_randomized_svd, Xs.numpy(), 50, n_oversamples=10, n_iter=4, random_state=0, repeats=5)
print(f"course randomized_svd : {t_course * 1e3:7.1f} ms")
print(f"sklearn randomized_svd: {t_sk * 1e3:7.1f} ms")
print(f"ratio course / sklearn: {t_course / t_sk:.2f}  ({'no slower' if t_course <= t_sk else 'SLOWER'})")

# %% [markdown]
# Both do the same arithmetic; the course's version keeps everything in torch (one BLAS
# call per product, QR re-orthonormalisation) while scikit-learn normalises its power
# iterations with LU factorisations and converts between NumPy layouts. The ratio printed above
# is this run's, and it depends on the environment as much as on the code: OpenBLAS (the BLAS of
# NumPy and scikit-learn) keeps its idle threads spinning for a fraction of a second after each
# call, and on a two-core machine those threads slowed the next library's call by up to 2x. The
# course's `make` targets, and `import lowdim_utils` when it comes before NumPy, set
# `OPENBLAS_THREAD_TIMEOUT` so that idle threads sleep; without it scikit-learn's randomized SVD,
# which alternates two copies of OpenBLAS, was measured 1.6–1.8x slower than with it.
# [Appendix A](appendix_a_performance.ipynb) times both at four sizes with the thread pools
# isolated.
#
# ## 7. Explore: how many components does a face need?
#
# Move the rank: the left panel shows a face reconstructed from $k$ components, the right
# one the relative error $\|X-X_k\|_F/\|X\|_F$ of all faces with the current $k$ marked
# (Eckart–Young: no rank-$k$ approximation does better).

# %% tags=["nbval-ignore-output"]
pf_all = linear.pca(torch.from_numpy(Xf), 99)
Zf = pf_all.transform(torch.from_numpy(Xf))
tot = float(((torch.from_numpy(Xf) - pf_all.mean) ** 2).sum())
rel_err = np.sqrt(np.maximum(1 - np.cumsum(pf_all.singular_values.numpy() ** 2) / tot, 0))


def draw(rank, face):
    rec = (Zf[face, :rank] @ pf_all.components[:rank] + pf_all.mean).numpy()
    fig, axes = plt.subplots(1, 3, figsize=(9, 2.8), gridspec_kw={"width_ratios": [1, 1, 2]})
    axes[0].imshow(Xf[face].reshape(25, 25)); axes[0].set_title("original"); axes[0].axis("off")
    axes[1].imshow(rec.reshape(25, 25)); axes[1].set_title(f"rank {rank}"); axes[1].axis("off")
    axes[2].plot(np.arange(1, 100), rel_err); axes[2].plot(rank, rel_err[rank - 1], "o", color="C3")
    axes[2].set_xlabel("rank k"); axes[2].set_ylabel("relative error"); axes[2].set_title("all 100 faces")
    plt.tight_layout()


lu.explore(draw, rank=(1, 99, 1, 10), face=(0, 99, 1, 0))

# %% [markdown]
# ## Summary
#
# - PCA maximises captured variance, which by (4) is the same as minimising reconstruction
#   error; the Eckart–Young–Mirsky theorem says the truncated SVD is the best rank-$k$
#   approximation in both the spectral and the Frobenius norm.
# - Power iteration converges at the rate $(\sigma_{k+1}/\sigma_k)^{2t}$; the randomized SVD
#   needs one sketch plus a few power steps, costs $O(nd(k+p)(q+1))$, and its error obeys the
#   Halko–Martinsson–Tropp bound (8) — which held for every seed on a photograph, loose by a
#   factor of about 18 without power iterations and about 2 with them. Compare the *rank-k*
#   error (9) with the optimum $\sigma_{k+1}$: the rank-$(k+p)$ error of the range finder can
#   sit below it.
# - In floating point the power scheme must re-orthonormalise between products (HMT's
#   Algorithm 4.4), and a power iteration needs a random start.
# - Singular vectors are defined up to sign (and rotation, for repeated singular values):
#   compare subspaces with principal angles, or fix signs deterministically.
#
# **Further reading.** Halko, Martinsson & Tropp (2011), sections 1, 4 and 10;
# Golub & Van Loan, *Matrix Computations*, ch. 8 (power and subspace iteration);
# Martinsson & Tropp, *Randomized numerical linear algebra: foundations and algorithms*,
# Acta Numerica (2020). Lesson 02 replaces the Gaussian sketch by random projections that
# are cheaper still; lesson 24 merges PCA subspaces computed on different machines.
