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
# # Appendix A — Performance: every method against its oracle
#
# A learner should use a course implementation only if it is as fast as the library they would
# otherwise call. This page reads the measurements of `make bench` (`tools/perf.py`), committed as
# `docs/performance.json`, and shows for each method it benchmarks (from lessons 01–07 of Parts I–II,
# and the word vectors, hyperbolic distances, representation comparisons and DMD of lessons 09, 12,
# 20 and 23):
#
# * the **ratio** of the course's time to the oracle's at the standard size (below 1: the course
#   is faster), with the cause stated wherever the ratio is above 1;
# * the **cost growth**: the slope of log(time) against log(size) over 3–4 growing sizes, for the
#   course and the oracle (a larger slope loses at scale even where the ratio is small);
# * the **accuracy** behind each ratio: how far the course's answer is from the oracle's, since a
#   fast answer to an easier problem proves nothing.
#
# Nothing on this page is measured while the book is built: the numbers are the committed run's,
# with its machine, date, thread count and library versions stated below. Run `make bench` on your
# own machine (about 15 minutes on two cores, best idle) to replace them; the run it replaces is kept
# in `docs/performance-history/`.
#
# **How the suite measures** (see `lowdim_utils.bench.interleaved`):
# * all implementations of a method run in one process on the same data, with one warm-up call
#   each, then in rounds: every round times each implementation once, in an order that rotates
#   from round to round, and the median over rounds is kept;
# * before each timed call the process sleeps a quarter of a second. OpenBLAS keeps its worker
#   threads spinning for a moment after a call; on a two-core machine they slowed whichever
#   thread pool ran next by up to 2x, and a back-to-back comparison then measured the thread pools
#   rather than the algorithms. A learner's default environment, which runs cells back to back,
#   can see that slowdown; the ratios here are the algorithms';
# * torch and the BLAS/OpenMP pools of NumPy, SciPy and scikit-learn run with the same number of
#   threads (`threadpoolctl`), stated with the results.

# %%
import json

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import Markdown, display

import lowdim_utils as lu
from lowdim_utils.course.layout import checkout_root

lu.set_style()
root = checkout_root()
if root is None or not (root / "docs" / "performance.json").is_file():
    raise FileNotFoundError("docs/performance.json is missing: run `make bench` in a checkout of the course.")
perf = json.loads((root / "docs" / "performance.json").read_text())
m = perf["machine"]
display(Markdown(
    f"**The committed run**: {perf['date']}, {perf['mode']} mode, {perf['repeats']} interleaved rounds, "
    f"{perf['pause_s']:g} s pause before each timed call, {m['threads']} threads on {m['cpu']} "
    f"({m['logical cpus']} logical CPUs); Python {m['python']}, torch {m['torch']}, NumPy {m['numpy']}, "
    f"SciPy {m['scipy']}, scikit-learn {m['scikit-learn']}; {perf['wall_s'] / 60:.0f} minutes in all."))

# %% tags=["nbval-check-output"]
rows = []
for c in perf["cases"]:
    r = c["rows"][-1]
    rows.append({"method": c["method"], "lesson": c["lesson"], "oracle": c["oracle"],
                 "size": f"{c['size_label']}={r['size']}", "course [ms]": 1e3 * r["course"]["median"],
                 "oracle [ms]": 1e3 * r["oracle"]["median"], "ratio": c["ratio"],
                 "slope course": c.get("slope_course", np.nan), "slope oracle": c.get("slope_oracle", np.nan)})
table = pd.DataFrame(rows)
n_cases = len(table)
faster = int((table["ratio"] <= 1.0).sum())
in_bounds = sum(not r["out_of_bounds"] for c in perf["cases"] for r in c["rows"])
n_rows = sum(len(c["rows"]) for c in perf["cases"])
print(f"{n_cases} methods; the course is at least as fast as the oracle at the standard size for {faster} of them")
print(f"accuracy preconditions met (course and oracle compute the same thing): {in_bounds} of {n_rows} runs")

# %% [markdown]
# ## The table
# The ratio is the course's median time over the oracle's at the largest size measured; slopes are
# fitted over all sizes. A star marks a ratio above 1.

# %%
show = table.copy()
show["ratio"] = [f"{x:.2f}" + (" *" if x > 1 else "") for x in table["ratio"]]
for col in ("course [ms]", "oracle [ms]"):
    show[col] = [f"{x:.1f}" for x in table[col]]
for col in ("slope course", "slope oracle"):
    show[col] = [f"{x:.2f}" for x in table[col]]
show

# %% [markdown]
# ## Ratios and cost growth
# Left: the ratio per method on a log axis (the dashed line is parity). Right: each method's
# fitted slope for the course against the oracle's; points above the diagonal grow faster than the
# oracle and will lose at a larger size than the one measured.

# %%
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 0.32 * n_cases + 2.2), gridspec_kw={"width_ratios": [1.6, 1]})
order = np.argsort(table["ratio"].to_numpy())
y = np.arange(n_cases)
ratios = table["ratio"].to_numpy()[order]
ax1.barh(y, ratios, color=[lu.PALETTE[3] if r > 1 else lu.PALETTE[0] for r in ratios])
ax1.set_yticks(y, [table["method"][i][:48] for i in order], fontsize=8)
ax1.set_xscale("log")
ax1.axvline(1.0, color="k", ls="--", lw=1)
ax1.set_xlabel("course time / oracle time (log scale; < 1: the course is faster)")
ax1.set_title(f"ratio at the standard size ({m['threads']} threads)")
sc, so = table["slope course"].to_numpy(), table["slope oracle"].to_numpy()
ax2.scatter(so, sc, color=[lu.PALETTE[3] if a > b + 0.1 else lu.PALETTE[0] for a, b in zip(sc, so)])
lim = [min(np.nanmin(sc), np.nanmin(so)) - 0.2, max(np.nanmax(sc), np.nanmax(so)) + 0.2]
ax2.plot(lim, lim, "k--", lw=1)
for i in range(n_cases):
    ax2.annotate(perf["cases"][i]["key"], (so[i], sc[i]), fontsize=7, xytext=(3, 2), textcoords="offset points")
ax2.set_xlabel("slope of the oracle (log time vs log size)")
ax2.set_ylabel("slope of the course")
ax2.set_title("cost growth")
plt.tight_layout()
plt.show()

# %% [markdown]
# ## Every method over its sizes
# Time against size on log-log axes for the course and the oracle (and the reference, where the
# lesson has one).

# %%
cols = 4
rws = int(np.ceil(n_cases / cols))
fig, axes = plt.subplots(rws, cols, figsize=(3.2 * cols, 2.5 * rws), squeeze=False)
for ax, c in zip(axes.flat, perf["cases"]):
    s = [r["size"] for r in c["rows"]]
    for name, col in (("course", lu.PALETTE[0]), ("oracle", lu.PALETTE[1]), ("reference", lu.PALETTE[2])):
        if name in c["rows"][0]:
            ax.loglog(s, [r[name]["median"] for r in c["rows"]], "o-", color=col, label=name, ms=3)
    ax.set_xticks(s, [f"{v:g}" for v in s])
    ax.minorticks_off()
    ax.set_title(c["key"], fontsize=9)
    ax.set_xlabel(c["size_label"], fontsize=8)
    ax.tick_params(labelsize=7)
for ax in list(axes.flat)[n_cases:]:
    ax.axis("off")
axes[0, 0].set_ylabel("median time [s]")
axes[0, 0].legend(fontsize=7)
plt.tight_layout()
plt.show()

# %% [markdown]
# ## Matrix products against the machine's peak
# A method made of large matrix products can be no faster than the products themselves. The suite
# measures the peak first: one square `2000 × 2000` product in torch and in NumPy's BLAS, in float32
# and float64, on the stated threads, at the start of the run and again at its end. For the methods
# whose time is their products it counts those products' floating-point operations (2·m·n·k for an
# `(m, n) @ (n, k)` product; the randomized SVD's QR factorisations and small SVD are not counted) and
# divides by the course's median time. The reference is torch's better square-product rate of the two
# measurements, and the target set for the course is 70 % of it in the same precision.

# %% tags=["nbval-check-output"]
peak = perf["matmul_peak_gflops"]
KINDS = ("torch float32", "numpy float32", "torch float64", "numpy float64")
print(f"measured peak of a {peak['n']} x {peak['n']} product (GFLOP/s) at the start of the run: "
      + ", ".join(f"{k} {peak[k]:.0f}" for k in KINDS))
if "matmul_peak_gflops_end" in perf:
    end = perf["matmul_peak_gflops_end"]
    print("                                          and at its end: " + ", ".join(f"{k} {end[k]:.0f}" for k in KINDS))
if "steal_fraction" in perf:
    print(f"CPU time the virtual machine's host gave to other guests during the run: {100 * perf['steal_fraction']:.1f} %")
best = {k: max(peak[k], perf.get("matmul_peak_gflops_end", peak)[k]) for k in KINDS}
for c in perf["cases"]:
    r = c["rows"][-1]
    if "course_gflops" in r:
        frac = r["course_gflops"] / best[f"torch {c['dtype']}"]
        print(f"- {c['method']} at {c['size_label']}={r['size']}: {r['course_gflops']:.0f} GFLOP/s, "
              f"{100 * frac:.0f} % of torch's best {c['dtype']} square-product rate "
              f"({'meets' if frac >= 0.7 else 'below'} the 70 % target)")

# %% [markdown]
# The Gaussian projection, one product with a 10000-long inner dimension, runs faster than the square
# product did. The randomized SVD misses the target: its six products multiply the tall `20000 × 1000`
# matrix by blocks of only 60 columns (k plus the oversampling), a shape on which the BLAS runs well
# below its square-matrix rate; and the square-product rate itself moved between the start and the
# end of this run (the first two lines), for torch and NumPy alike.

# %% [markdown]
# ## Where the course is slower, and why
# Each method whose ratio is above 1 in the committed run, with the cause found when it was
# analysed (a profile of the course's code and the oracle's algorithm).

# %% tags=["nbval-check-output"]
history_dir = root / "docs" / "performance-history"
history = [json.loads(p.read_text()) for p in sorted(history_dir.glob("*.json"))] if history_dir.is_dir() else []
history = [h for h in history if h["date"] != perf["date"]]
earlier = {c["key"]: [h_c["ratio"] for h in history for h_c in h["cases"] if h_c["key"] == c["key"]]
           for c in perf["cases"]}
slower = [c for c in perf["cases"] if c["ratio"] > 1.0]
print(f"{len(slower)} of {n_cases} methods are slower than their oracle at the standard size")
for c in slower:
    then = earlier[c["key"]]
    was = f"; ratio in the {len(then)} earlier run(s): " + ", ".join(f"{x:.2f}" for x in then) if then else ""
    print(f"- {c['method']} (ratio {c['ratio']:.2f}{was}): {c['cause'] or 'cause not yet analysed'}")

# %% [markdown]
# ## Run to run
# The machines this suite has run on are virtual machines with two cores on a shared host. Two of
# them that report the same CPU model can still differ, and one machine's speed moves while a run
# lasts (the square product's rate at the start and at the end of the run, above). Earlier full runs
# are kept in `docs/performance-history/`; the cell below compares the committed run's ratios with
# theirs for the methods both measured. Read a ratio against that spread: one that moved across 1
# from run to run is a tie on this kind of machine, not a win or a loss. Code changes move ratios
# too: the 64-d k-NN row and the TwoNN and MLE rows built on it changed between the run of
# 2026-12-03 07:54 and the committed one (the k-NN bullet of the last section); the other rows'
# code did not change between these runs.

# %% tags=["nbval-check-output"]
pairs = []
for h in history:
    then = {c["key"]: c["ratio"] for c in h["cases"]}
    keys = [c["key"] for c in perf["cases"] if c["key"] in then]
    now = {c["key"]: c["ratio"] for c in perf["cases"]}
    f = np.array([now[k] / then[k] for k in keys])
    crossed = [k for k in keys if (now[k] > 1) != (then[k] > 1)]
    print(f"run of {h['date']} ({h['machine']['cpu']}, {len(keys)} methods in common): the committed ratio is "
          f"{np.exp(np.median(np.abs(np.log(f)))):.2f}x the earlier one or its inverse in the median, at most "
          f"{np.exp(np.abs(np.log(f)).max()):.2f}x; on opposite sides of 1: {', '.join(crossed) or 'none'}")
    pairs.append((h["date"], keys, np.array([then[k] for k in keys]), np.array([now[k] for k in keys])))
if not history:
    print("no earlier run is kept in docs/performance-history/")

# %%
if pairs:
    fig, ax = plt.subplots(figsize=(5.2, 4.6))
    lo = min(min(x.min(), y.min()) for _, _, x, y in pairs)
    hi = max(max(x.max(), y.max()) for _, _, x, y in pairs)
    lim = np.array([lo / 1.3, hi * 1.3])
    ax.fill_between(lim, lim / 1.5, lim * 1.5, color="0.88", zorder=0, label="within a factor 1.5")
    ax.plot(lim, lim, "k--", lw=1, label="equal ratios")
    for (date, keys, x, y), marker in zip(pairs, "os^vD"):
        ax.scatter(x, y, marker=marker, label=f"vs the run of {date[:10]}", alpha=0.8)
        for k, a, b in zip(keys, x, y):
            ax.annotate(k, (a, b), fontsize=6, xytext=(2, 2), textcoords="offset points")
    ax.axhline(1, color="0.5", lw=0.6)
    ax.axvline(1, color="0.5", lw=0.6)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(lim)
    ax.set_ylim(lim)
    ax.set_xlabel("ratio in the earlier run")
    ax.set_ylabel("ratio in the committed run")
    ax.set_title("the same methods, the committed run against earlier ones")
    ax.legend(fontsize=7)
    plt.tight_layout()
    plt.show()

# %% [markdown]
# ## Accuracy behind each ratio
# What each case compares, and the value in the committed run at the standard size. The suite
# fails (`make bench` exits 1, and its smoke test in the test suite fails) when a course answer
# leaves the bounds stated for its case.

# %%
acc = []
for c in perf["cases"]:
    r = c["rows"][-1]
    for k, v in r["accuracy"].items():
        acc.append({"method": c["key"], "measure": k, "value": f"{v:.3g}"})
pd.DataFrame(acc)

# %% [markdown]
# ## GPU columns
# `make gpu-check` records every lesson's timings on a CUDA GPU (`gpu-check.json`). The course has
# not yet been run on one, so this appendix has no GPU columns; they appear once a GPU run is
# committed.
#
# ## What changed to get here
# The first measurements (on a 2-core machine, before this suite existed) found the course slower
# than its oracle for the k-nearest-neighbour search, Laplacian eigenmaps, the intrinsic-dimension
# MLE, kernel PCA, exact PCA, FastRP, the Gaussian projection, robust PCA and the exact lasso. The
# changes since:
# * **k-NN** (`neighbors.knn`): one reused block buffer instead of fresh `n × n` temporaries, no
#   pass adding a row constant that cannot change a row's ranking, and on the CPU a k-d tree for
#   data of dimension up to 16, whose cost grows as `n log n` rather than `n²`. In higher dimension,
#   `‖b‖²` enters as one more column of the block's product instead of a second pass over the block,
#   and on the CPU each row's `k` smallest come from the minima of groups of 16 entries (the same set
#   as a full selection, with one read of the row; `torch.topk` over whole rows had cost about as
#   much as the product). The methods built on it (TwoNN, MLE, Isomap, Laplacian eigenmaps) inherit it.
# * **PCA** (`linear.pca`): `method="covariance"` and `"auto"` (scikit-learn's rule: the covariance
#   route for `n ≥ 10 d`, `d ≤ 1000`). Its accuracy trade-off is tested: components whose variance
#   is below `eps · σ₁²` are lost, where the SVD route keeps them. The default stays the exact SVD.
# * **Kernel PCA**: the kernel matrix is built and double-centred in place.
# * **FastRP**: products with a compressed-row (CSR) matrix instead of coordinate (COO) form.
# * **Sparse random projection**: one product with `Rᵀ` stored by columns (the matrix's own arrays
#   read as columns, no copy) instead of transposing blocks of `X`.
# * **Robust PCA**: `robust_pca(..., svd="partial")` thresholds singular values from a partial SVD
#   whose rank is predicted from the previous iteration (as Lin, Chen & Ma do), so an iteration
#   costs `O(m n r)`; the default stays the full SVD of lesson 04.
# * **Exact lasso**: `sparse.lasso` runs FISTA only until each signal's support and signs settle,
#   then solves the small linear system of the optimality condition (lesson 03, Eq. (3)) and keeps
#   the result only where that condition holds. FISTA run to a tight tolerance stays in the table
#   as the slow row it is.
# * **Later lessons** joined the table: word2vec's skip-gram epoch against gensim's C loop (lesson 09,
#   compared at equal loss on the same pairs), all Poincaré distances against `geoopt` (lesson 12),
#   orthogonal Procrustes and canonical correlations against SciPy (lesson 20) and exact DMD against
#   PyDMD (lesson 23). The other lessons' methods are trained models without an oracle library to
#   time against, closed forms, or (lesson 24) multi-process runs.
# * **The machine itself** is now recorded: the square-product rate at the start and the end of the
#   run, the CPU time stolen by the host, the vector instruction sets; earlier runs are kept.
# * **Thread pools**: `make`, the test suite and `import lowdim_utils` (before NumPy) set
#   `OPENBLAS_THREAD_TIMEOUT`, so OpenBLAS's idle workers sleep instead of slowing the next library.
#
# **A trade-off this run exposes.** `make` also sets `OMP_WAIT_POLICY=PASSIVE`, so that idle torch
# threads sleep rather than steal a core on a busy laptop. On an idle machine that costs torch every
# time its threads wake: the causes above quote the ratios measured without it, where the
# randomized SVD and the MLE are faster than scikit-learn. Which default serves learners best
# (a short spin, e.g. `GOMP_SPINCOUNT`, may keep both) is open; the lessons' time budgets under
# load are what the setting protects.
