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
#   patches of a real photograph;
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

from lowdim_utils import linear
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

# %%
digits = load("digits")
camera = load("skimage_image", image="camera").image
rng = np.random.default_rng(0)
r0 = rng.integers(0, camera.shape[0] - 8, 5000)
c0 = rng.integers(0, camera.shape[1] - 8, 5000)
patches = np.stack([camera[r:r + 8, c:c + 8].ravel() for r, c in zip(r0, c0)]).astype(np.float32)


def shuffled(X, rng):
    return np.stack([rng.permutation(col) for col in X.T], axis=1)


def normalised_spectrum(X):
    Xc = torch.from_numpy(X).double()
    s = torch.linalg.svdvals(Xc - Xc.mean(0))
    return (s**2 / (s**2).sum()).numpy()


fig, axes = plt.subplots(1, 3, figsize=(11, 3.2), gridspec_kw={"width_ratios": [1, 1, 1.6]})
axes[0].imshow(np.concatenate([digits.images[i] for i in range(6)], axis=1)); axes[0].set_title("digits"); axes[0].axis("off")
axes[1].imshow(np.concatenate([patches[i].reshape(8, 8) for i in range(6)], axis=1)); axes[1].set_title("photo patches"); axes[1].axis("off")
spectra = {}
for (name, X), color in zip([("digits", digits.X), ("photo patches", patches)], ["C0", "C1"]):
    spectra[name] = normalised_spectrum(X)
    spectra[name + " (shuffled)"] = normalised_spectrum(shuffled(X, rng))
    axes[2].semilogy(np.arange(1, 65), spectra[name], color=color, label=name)
    axes[2].semilogy(np.arange(1, 65), spectra[name + " (shuffled)"], color=color, ls="--", label=name + ", shuffled")
axes[2].set_xlabel("index i"); axes[2].set_ylabel(r"$\sigma_i^2 / \sum_j \sigma_j^2$")
axes[2].set_title("share of variance per direction"); axes[2].legend(fontsize=8)
plt.tight_layout(); plt.show()

# %% tags=["nbval-check-output"]
for name, s in spectra.items():
    print(f"{name:26s}: the top 8 of 64 directions carry {100 * s[:8].sum():5.1f}% of the variance")

# %% [markdown]
# Real digits and real image patches concentrate their variance in a few directions; the
# same values with the structure shuffled away do not. That gap is what the whole course
# exploits. Some of the structure is linear (lessons 01–06), much of it is not (manifolds,
# lessons 07–08), and some objects — words, documents, graph nodes — have no coordinates at
# all until we *learn* an embedding for them (lessons 09–14).
#
# ## Exercises and their checks
#
# Exercises are functions you complete. Right below each one, a check runs your function
# on test cases and tells you what is wrong in terms you can act on: wrong shape, a NaN, the
# first entry that differs, a property that fails. If you have not written it yet, the check
# says so and **the lesson goes on with the course's solution**, so you can read a lesson
# top to bottom first and come back to the exercises. Your errors and endless loops become
# messages, never a dead kernel. The solutions are in the `solutions/` folder and in the
# book (under each exercise, folded).
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
print("share of the first direction on digits:", f"{explained_variance_ratio(s_digits)[0]:.4f}")

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
