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
# # 00 · Introduction: the low-dimensional hypothesis
#
# **What you will learn**
# - what "data lies near a low-dimensional set" means, measured on real digits and on
#   patches of a real photograph — and why a patch's mean brightness has to be set aside first;
# - why a linear spectrum can overstate the dimension (a curve that PCA needs 8 directions for),
#   which is what the nonlinear methods of Part II are for;
# - how every lesson of this course works: the device it computes on, its seeds and scale
#   knob, the shared package `lowdim_utils`, exercises with automatic checks, solutions,
#   and the rendered book.
#
# **Prerequisites**: Python, NumPy, and linear algebra at the level of eigenvectors and
# orthonormal bases. Each later lesson lists its own.

# %% [markdown]
# ## How a lesson starts
#
# Every lesson begins with the same call, `device, SCALE, gen = lu.setup(seed=0)` (with `_`
# for `gen` where a lesson needs no generator of its own, as this one). It applies
# the course's plotting style; seeds Python's, NumPy's and torch's global generators, so that
# every number printed in the lessons comes out the same on every run; picks the device — a
# CUDA GPU, else an Apple-silicon GPU (`mps`), else the CPU — and says in one line what it
# picked (set the environment variable `LOWDIM_DEVICE=cpu`, or `cuda`, `mps`, to choose
# yourself); and reads the scale knob `LOWDIM_SCALE`: `small` (the default) keeps each lesson
# near a minute on a laptop CPU, `full` grows the experiments for a GPU. The third value,
# `gen`, is a CPU `torch.Generator` seeded with the same seed, for lessons that want a random
# stream of their own.
#
# Every function of `lowdim_utils` that draws random numbers takes a `generator=` argument:
# `None` (the default) uses torch's global generator, which `setup` has just seeded; an int
# gives the same numbers at every call; a `torch.Generator` advances its stream from call to
# call. Long loops show `lu.progress_bar`, and the library picks thread counts for its small
# iterative operations by itself (`with lu.threads(1): ...` fixes one for a block, where a
# lesson compares at a given thread count). This lesson draws its few random numbers with
# NumPy.

# %%
import lowdim_utils as lu  # first: it sets OMP_WAIT_POLICY before torch loads (steadier threads)
import matplotlib.pyplot as plt
import numpy as np
import torch

from lowdim_utils import intrinsic, linear
from lowdim_utils.data import list_datasets, load

device, SCALE, _ = lu.setup(seed=0)
print("scale:", SCALE)

# %% [markdown]
# ## The hypothesis, measured
#
# A set of points in $\mathbb R^d$ is *low-dimensional* when a few coordinates — found by
# the right method — describe it almost fully. The simplest test is linear: the singular
# values $\sigma_1\ge\sigma_2\ge\dots$ of the centred data matrix. If they drop quickly,
# a few directions carry most of the data (lesson 01 makes this precise).
#
# Two kinds of real data, each against a control with the same values but no structure
# (every column shuffled independently, which keeps each pixel's distribution and destroys
# the relations between pixels):
# - 1797 handwritten **digits**, 8×8 pixels ($d=64$);
# - 5000 **patches** of 8×8 pixels cut at random from a real photograph ($d=64$).
#
# One direction of the patches needs care before we count. The mean grey level of a patch —
# its *DC component*, the direction $\mathbf 1/\sqrt{64}$ — says *where* in the photograph the
# patch was cut (bright sky or dark coat), not what the patch looks like, and it varies so much
# across the photo that it swamps everything else. Lesson 03 removes it, as sparse coding of
# natural images usually does; here we measure it separately and then remove it (subtract each
# patch's mean from its 64 pixels, which leaves 63 directions).

# %%
digits = load("digits")
camera = load("skimage_image", image="camera").image
rng = np.random.default_rng(0)
r0 = rng.integers(0, camera.shape[0] - 8, 5000)
c0 = rng.integers(0, camera.shape[1] - 8, 5000)
patches_raw = np.stack([camera[r:r + 8, c:c + 8].ravel() for r, c in zip(r0, c0)]).astype(np.float64)
patches = patches_raw - patches_raw.mean(axis=1, keepdims=True)      # each patch's mean (DC) removed


def shuffled(X, rng):
    return np.stack([rng.permutation(col) for col in X.T], axis=1)


def normalised_spectrum(X):
    Xc = torch.from_numpy(X).double()
    s = torch.linalg.svdvals(Xc - Xc.mean(0))
    return (s**2 / (s**2).sum()).numpy()


fig, axes = plt.subplots(1, 3, figsize=(11, 3.2), gridspec_kw={"width_ratios": [1, 1, 1.6]})
axes[0].imshow(np.concatenate([digits.images[i] for i in range(6)], axis=1)); axes[0].set_title("digits"); axes[0].axis("off")
axes[1].imshow(np.concatenate([patches_raw[i].reshape(8, 8) for i in range(6)], axis=1))
axes[1].set_title("photo patches"); axes[1].axis("off")
spectra = {}
sources = [("digits", digits.X.astype(np.float64)), ("photo patches (DC removed)", patches),
           ("photo patches (raw)", patches_raw)]
for (name, X), color in zip(sources, ["C0", "C1", "C2"]):
    spectra[name] = normalised_spectrum(X)
    control = shuffled(X, rng)
    if "removed" in name:                  # the control lives in the same 63 directions
        control = control - control.mean(axis=1, keepdims=True)
    spectra[name + ", shuffled"] = normalised_spectrum(control)
    axes[2].semilogy(np.arange(1, 65), spectra[name], color=color, label=name)
    axes[2].semilogy(np.arange(1, 65), spectra[name + ", shuffled"], color=color, ls="--", label=name + ", shuffled")
axes[2].set_xlabel("index i"); axes[2].set_ylabel(r"$\sigma_i^2 / \sum_j \sigma_j^2$"); axes[2].set_ylim(1e-5, 1.5)
axes[2].set_title("share of variance per direction"); axes[2].legend(fontsize=7)
plt.tight_layout(); plt.show()

# %% tags=["nbval-check-output"]
Pc = patches_raw - patches_raw.mean(axis=0)
dc = float(((Pc @ (np.ones(64) / 8)) ** 2).sum() / (Pc ** 2).sum())      # variance along 1/√64, over the total
print(f"raw patches: the DC direction 1/√64 alone carries {100 * dc:.1f}% of the variance; the first principal "
      f"direction {100 * spectra['photo patches (raw)'][0]:.1f}% (it is almost the DC direction)")
for name, _ in sources:
    real, ctrl = 100 * spectra[name][:8].sum(), 100 * spectra[name + ", shuffled"][:8].sum()
    print(f"{name:27s}: top 8 directions carry {real:5.1f}% of the variance, shuffled {ctrl:5.1f}%: "
          f"{'more' if real > ctrl + 10 else 'NOT more'} than the control by at least 10 points")

# %% [markdown]
# Real digits and real image patches concentrate their variance in a few directions; the
# same values with the structure shuffled away do not. On the raw patches the top 8 of 64
# directions carry 98.3% of the variance — but the DC direction alone carries 93.1%, a single known
# direction that says nothing about the patches' content (shuffling the columns spreads it
# evenly over all 64 directions, which is most of the raw gap to the control). With the patch
# means removed the honest figure is 77.4% in the top 8 of the 63 remaining directions, against
# 18.6% for the shuffled control: smaller, and still a large gap. That gap is what the whole
# course exploits.
#
# ## When the linear spectrum misleads
#
# A spectrum counts the *directions* a data set spreads into, not its *dimension*. Take 2000
# points on a closed curve — one number, the position along the curve, describes each point —
# that winds through 20 coordinates of $\mathbb R^{64}$ (`lowdim_utils.intrinsic.manifold_sample("curve", ...)`,
# the coordinates $\cos(ft)/f$, $\sin(ft)/f$ for $f=1,\dots,10$, rotated at random). PCA needs
# several directions to describe it; an estimator that looks at *neighbouring points* only —
# TwoNN, from the ratio of each point's second to first nearest-neighbour distance (lesson 05) —
# sees one.

# %%
curve = intrinsic.manifold_sample("curve", 2000, 1, ambient=64, generator=0)
ev_curve = lu.to_numpy(intrinsic.explained_variance_ratio(curve))
k90_curve = int(np.searchsorted(np.cumsum(ev_curve), 0.9) + 1)
d_twonn = float(intrinsic.twonn(curve))
Z_curve = lu.to_numpy(linear.pca(curve, 3).transform(curve))
order = np.argsort(np.arctan2(Z_curve[:, 1], Z_curve[:, 0]))   # the first two axes are the f = 1 circle: angle ≈ t

fig = plt.figure(figsize=(10, 3.4))
ax = fig.add_subplot(1, 2, 1, projection="3d")
ax.plot(*Z_curve[order].T, lw=0.8, color="C0")
ax.set_title("the curve, first three principal coordinates", fontsize=9)
ax.set_xticks([]); ax.set_yticks([]); ax.set_zticks([])
ax = fig.add_subplot(1, 2, 2)
ax.bar(np.arange(1, 25), ev_curve[:24], color="C0")
ax.set_xlabel("principal direction i"); ax.set_ylabel("share of variance")
ax.set_title(f"PCA: {k90_curve} directions for 90%; TwoNN: dimension {d_twonn:.1f}", fontsize=9)
plt.tight_layout(); plt.show()

# %% tags=["nbval-check-output"]
print(f"curve: PCA needs {k90_curve} of 64 directions for 90% of the variance (more than 1: {k90_curve > 1}); "
      f"TwoNN estimates dimension {d_twonn:.1f} (within 0.2 of the true 1: {abs(d_twonn - 1) < 0.2})")

# %% [markdown]
# Linear methods (Part I: PCA, random projections, sparse coding, robust PCA, LoRA) can only
# find the smallest *subspace* that holds the data; a curve, a sphere or a rolled-up sheet
# fills many directions of its subspace while being one- or two-dimensional. Part II (manifold
# learning, autoencoders) learns such curved low-dimensional sets, and lesson 05 measures their
# dimension without assuming they are flat. Some objects — words, documents, graph nodes — have
# no coordinates at all until we *learn* an embedding for them (Part III).
#
# ## Exercises and their checks
#
# Exercises are functions you complete. Right below each one, a check runs your function
# on test cases and tells you what is wrong in terms you can act on: wrong shape, a NaN, the
# first entry that differs, a property that fails. If you have not written it yet, the check
# says so and **the lesson goes on with the course's solution**, so you can read a lesson
# top to bottom first and come back to the exercises. Your errors and endless loops become
# messages, never a dead kernel. The solutions are in the `solutions/` folder and in the
# book (under each exercise, folded). Some exercises ask you to implement a formula, some to
# derive one, some to design an experiment whose result the check verifies.
#
# :::{exercise} 00.evr · Explained variance
# :label: ex-00-evr
# :nonumber:
# Write `explained_variance_ratio(s)` that takes singular values `s` (a 1-D NumPy array,
# descending) of a centred data matrix and returns the share of the total variance carried
# by each direction, $\sigma_i^2/\sum_j\sigma_j^2$ — the quantity plotted above.
# :::

# %%
def explained_variance_ratio(s):
    # YOUR CODE HERE
    raise NotImplementedError


# %%
explained_variance_ratio = lu.check("00.evr", explained_variance_ratio)

# %% [markdown] tags=["solution"]
# :::{solution} ex-00-evr
# :class: dropdown
# The course's solution, from `solutions/00_introduction.py` (in JupyterLab, print it with `lu.show_solution("00.evr")`):
# ```{literalinclude} ../solutions/00_introduction.py
# :pyobject: explained_variance_ratio
# ```
# :::

# %% tags=["nbval-check-output"]
s_digits = lu.to_numpy(linear.svd(linear.center(torch.from_numpy(digits.X).double())[0])[1])
print("share of the first direction on digits:", f"{explained_variance_ratio(s_digits)[0]:.4f}",
      "(PCA's explained_variance_ratio_: " f"{spectra['digits'][0]:.4f})")

# %% [markdown]
# :::{exercise} 00.dc · The share of the mean brightness (a derivation)
# :label: ex-00-dc
# :nonumber:
# For data $X\in\mathbb R^{n\times d}$ (rows = patches), let $m_i=\frac1d\sum_j X_{ij}$ be the mean
# of row $i$. Show that the variance of the data along the unit vector $\mathbf 1/\sqrt d$ is
# $d$ times the variance of the row means, $d\cdot\frac1n\sum_i(m_i-\bar m)^2$. Then write
# `dc_share(X)` that returns the share of the total variance (the sum of the $d$ column variances)
# carried by the direction $\mathbf 1/\sqrt d$, computed from the row means and the column variances
# only, without projecting. On the raw photo patches it must give the 93.1% printed above.
# :::

# %%
def dc_share(X):
    # YOUR CODE HERE
    raise NotImplementedError


# %%
dc_share = lu.check("00.dc", dc_share)

# %% [markdown] tags=["solution"]
# :::{solution} ex-00-dc
# :class: dropdown
# The projection of row $x_i$ on $\mathbf 1/\sqrt d$ is $\sum_jX_{ij}/\sqrt d=\sqrt d\,m_i$, so its
# variance over the rows is $d\operatorname{Var}(m)$. The course's solution, from `solutions/00_introduction.py`
# (in JupyterLab, print it with `lu.show_solution("00.dc")`):
# ```{literalinclude} ../solutions/00_introduction.py
# :pyobject: dc_share
# ```
# :::

# %% tags=["nbval-check-output"]
print(f"dc_share of the raw patches: {dc_share(patches_raw):.4f} (by projection above: {dc:.4f}; "
      f"agree to 1e-9: {abs(dc_share(patches_raw) - dc) < 1e-9}); of the patches with means removed: "
      f"below 1e-12: {abs(dc_share(patches)) < 1e-12}")

# %% [markdown]
# :::{exercise} 00.curve · A curve that fools PCA (an open experiment)
# :label: ex-00-curve
# :nonumber:
# Design a one-dimensional data set that PCA thinks is high-dimensional: write
# `curve_fooling_pca(n, rng)` returning an `(n, D)` array ($D\le256$) of `n` points on one smooth
# curve, drawn with the NumPy generator `rng`, such that PCA needs **at least 20** directions to
# reach 90% of the variance. The check verifies both properties on your points: PCA's count of
# directions, and TwoNN's intrinsic dimension, which must stay below 1.5. (The curve above needs
# only 8 directions: what makes its spectrum fall off?)
# :::

# %%
def curve_fooling_pca(n, rng):
    # YOUR CODE HERE
    raise NotImplementedError


# %%
curve_fooling_pca = lu.check("00.curve", curve_fooling_pca)

# %% [markdown] tags=["solution"]
# :::{solution} ex-00-curve
# :class: dropdown
# The curve above gives the frequency-$f$ pair of coordinates the amplitude $1/f$, so the
# variance falls like $1/f^2$. Equal amplitudes give every pair the same variance: with 15
# frequencies, 30 directions share the variance equally and 27 are needed for 90%, while the
# points still lie on one closed curve. The course's solution, from `solutions/00_introduction.py`
# (in JupyterLab, print it with `lu.show_solution("00.curve")`):
# ```{literalinclude} ../solutions/00_introduction.py
# :pyobject: curve_fooling_pca
# ```
# :::

# %% tags=["nbval-check-output"]
mine = curve_fooling_pca(2000, np.random.default_rng(1))
ev_mine = lu.to_numpy(intrinsic.explained_variance_ratio(mine))
k90_mine = int(np.searchsorted(np.cumsum(ev_mine), 0.9) + 1)
print(f"your curve: PCA needs {k90_mine} directions for 90% (must be >= 20); TwoNN {float(intrinsic.twonn(mine)):.1f} "
      "(must be < 1.5)")

# %% [markdown]
# ## The data
#
# Nothing in the course downloads anything: every dataset ships in the repository's
# `data/` folder (with checksums, its source and its licence) or inside an installed
# package. One call loads each one.

# %%
list_datasets()[["description", "licence"]]

# %% [markdown]
# ## Running the course
#
# - **In JupyterLab**: `make lab` (it creates the virtual environment on first use).
#   Each lesson is a pair: `notebooks/NN_name.py` (the source, readable in any editor) and
#   the executed `notebooks/NN_name.ipynb`. Interactive controls appear when you run a
#   lesson live; the book shows the figure for their default values.
# - **On a GPU**: nothing to change; `lu.setup()` finds it. Set `LOWDIM_SCALE=full`
#   for experiments sized for it.
# - **The book**: `make book` executes every lesson and builds the HTML into
#   `_build/html`; it works offline, math included.
# - **Tests**: `make test` runs the whole suite: the package's unit and oracle tests, every
#   exercise check against its solution and against wrong answers, and every lesson, whose
#   tagged outputs must match the committed ones.
#
# ## Map of the course
#
# | part | lessons |
# |---|---|
# | I · Linear structure | 01 PCA and the SVD · 02 random projections · 03 sparse coding · 04 robust PCA · 05 intrinsic dimension · 06 LoRA |
# | II · Nonlinear structure | 07 manifold learning · 08 autoencoders |
# | III · Embedding discrete objects | 09 words · 10 documents · 11 graphs · 12 hyperbolic · 13 hyperdimensional computing · 14 embedding tables |
# | IV · Learning representations | 15 contrastive · 16 Matryoshka · 17 rate reduction · 18 CRATE · 19 diffusion on low-dimensional data |
# | V · Analysing representations | 20 comparing representations · 21 superposition and SAEs · 22 neural fields · 23 Koopman / DMD |
# | VI · Scaling out | 24 distributed representation learning |
#
# Lessons appear in the book as they are written. Next: [lesson 01, PCA and the SVD](01_pca_svd.ipynb).
