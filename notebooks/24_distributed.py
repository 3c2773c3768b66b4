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
# # 24 · Distributed representation learning: data parallelism, gathered negatives, merged PCA
#
# **What you will learn**
# - data parallelism with `torch.distributed`: `DistributedDataParallel` (DDP) launched by `torchrun`
#   from a notebook cell — `gloo` on CPUs, `nccl` when every rank has a GPU — and why the gradient it
#   produces *is* the single-process full-batch gradient (checked in float64);
# - a contrastive loss whose negatives come from every rank: a differentiable all-gather, what its
#   backward pass must do (sum the gradients of every rank: a reduce-scatter), and the factor of the world
#   size you lose, or not, against DDP's gradient *averaging* — five ways of writing it, two of them wrong;
# - distributed PCA: summed moments give the centralised answer exactly; merging the ranks' top-$k$
#   subspaces by averaging their projectors (an extrinsic mean on the Grassmann manifold) is cheap and
#   approximate — close on an i.i.d. split of Fashion-MNIST, far off on a split by class;
# - checkpoint and resume that continues *bit for bit*: model, optimizer, random-number generators and the
#   data loader's position, and what breaks when one of them is forgotten;
# - measured compute and communication per step on 1 and 2 processes, and the α–β cost model of ring
#   all-reduce that extrapolates them to 8–1024 workers (a prediction, not a measurement);
# - runs that cannot hang: every launch has a time limit, every collective a timeout, and a rank that never
#   joins ends the run with a message.
#
# **Prerequisites**: [lesson 01](01_pca_svd.ipynb) (PCA, principal angles `linear.subspace_angles`),
# [lesson 15](15_contrastive_learning.ipynb) (InfoNCE / SimCLR, `contrastive.info_nce`, `contrastive.augment`).
# No GPU is needed: two CPU processes talk over the loopback interface.
#
# **Papers**
# - S. Li, Y. Zhao, R. Varma, O. Salpekar, P. Noordhuis, T. Li, A. Paszke, J. Smith, B. Vaughan, P. Damania,
#   S. Chintala, *PyTorch Distributed: Experiences on Accelerating Data Parallel Training*, VLDB 2020 — DDP's
#   design: gradient bucketing, overlapping the all-reduce with the backward pass, skipping synchronisation.
# - T.-A. Nguyen, L. T. Le, T. D. Nguyen, W. Bao, S. Seneviratne, C. S. Hong, N. H. Tran, *Federated PCA on
#   Grassmann Manifold for IoT Anomaly Detection*, arXiv:2407.07421, 2024 — FedPCA: clients with non-i.i.d.
#   data share subspaces, not data, and reach a consensus by ADMM, in Euclidean space (FedPE) or on the
#   Grassmann manifold (FedPG).
# - X. Lian, S. A. Jacobs, L. Kurilenko, M. Tanaka, S. Bekman, O. Ruwase, M. Zhang, *Universal Checkpointing:
#   A Flexible and Efficient Distributed Checkpointing System for Large-Scale DNN Training with Reconfigurable
#   Parallelism*, arXiv:2406.18820, 2024 — checkpoints that resume under a different parallel layout.
# - T. Chen, S. Kornblith, M. Norouzi, G. Hinton, *A Simple Framework for Contrastive Learning of Visual
#   Representations* (SimCLR), ICML 2020 — large batches, negatives aggregated across accelerators.

# %%
import lowdim_utils as lu  # first: it sets OMP_WAIT_POLICY before torch loads (steadier threads)
import tempfile
import time

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F

from lowdim_utils import contrastive, linear
from lowdim_utils import distributed as dd
from lowdim_utils.data import load

device, SCALE, gen = lu.setup(seed=0)  # SCALE: "small" on a CPU by default; LOWDIM_SCALE=full for GPU-sized runs
NPROC = 2                              # processes per launch (one CPU thread each)
BACKEND = dd.backend_for(NPROC)        # "nccl" with >= 2 CUDA GPUs, else "gloo"
print(f"{NPROC} processes per run, backend {BACKEND}")

fm = load("fashion_mnist", normalize=True)
X_all, y_all = torch.tensor(fm.X, dtype=torch.float64), torch.tensor(fm.y)
print(f"Fashion-MNIST subset: {tuple(X_all.shape)} images, {len(fm.class_names)} classes")

# %% [markdown]
# ## 1. Motivation: one model, several processes, data that is not the same everywhere
#
# A SimCLR batch of 4096 images, a data set spread over hospitals, a model trained for a week: three
# reasons to split the work over processes. Each process (a *rank*) then sees only its shard of the data,
# and every quantity that depends on all of it — the gradient, the negatives of a contrastive loss, a
# covariance matrix — must be assembled by communication. When the shards are alike (an i.i.d. split) the
# ranks' local views agree; when they are not, they can disagree badly. The figure shows the first four
# principal components of the 10 000 Fashion-MNIST images, and those of two ranks that hold five classes
# each (a *non-i.i.d.* split, as in federated learning). Rank 0 (T-shirts, trousers, pullovers, dresses,
# coats) and rank 1 (sandals, shirts, sneakers, bags, ankle boots) find different directions.

# %%
K_FIG = 4
noniid_fig = [torch.where(y_all < 5)[0], torch.where(y_all >= 5)[0]]
comps = {"all 10 000 images": linear.pca(X_all, K_FIG).components}
for r, idx in enumerate(noniid_fig):
    comps[f"rank {r}: classes {'0-4' if r == 0 else '5-9'}"] = linear.pca(X_all[idx], K_FIG).components
fig, axes = plt.subplots(3, K_FIG, figsize=(6.4, 5.0))
for row, (name, C) in enumerate(comps.items()):
    for j in range(K_FIG):
        ax = axes[row, j]
        ax.imshow(C[j].reshape(28, 28).numpy(), cmap="RdBu_r")
        ax.set_xticks([]); ax.set_yticks([])
        if j == 0:
            ax.set_ylabel(name, fontsize=8)
        if row == 0:
            ax.set_title(f"PC {j + 1}", fontsize=9)
fig.suptitle("Principal components: centralised vs. each rank of a split by class", fontsize=10)
plt.tight_layout()
plt.show()

# %% [markdown]
# ## 2. Data parallelism, derived
#
# **The gradient.** A global batch of $B$ examples is cut into $p$ blocks $I_1,\dots,I_p$ of $b=B/p$ rows;
# rank $r$ holds a copy of the parameters $\theta$ and computes the gradient $g_r$ of the *mean* loss over its
# block. DDP all-reduces (sums) the gradients and divides by $p$:
#
# \begin{equation*}
# \frac1p\sum_{r=1}^{p} g_r \;=\; \frac1p\sum_{r=1}^{p}\nabla_\theta\,\frac1b\sum_{i\in I_r}\ell_i(\theta)
# \;=\; \nabla_\theta\,\frac1B\sum_{i=1}^{B}\ell_i(\theta). \tag{1}
# \end{equation*}
#
# Equal blocks matter: with unequal ones the average of means is a weighted mean (`shard` refuses a batch
# that does not split evenly). The replicas stay identical because they start identical (DDP broadcasts
# rank 0's parameters when it wraps the model) and apply the same averaged gradient. In floating point, (1)
# holds up to the rounding of a different summation order — about 1e-15 relative in float64.
#
# **Gathered negatives.** SimCLR's loss (lesson 15, Eq. (3)) scores each of the $2B$ views against the other
# $2B-1$; the more negatives, the better (Chen et al. aggregate them across accelerators). Rank $r$ holds
# the embeddings $z^{(r)}$ of its $2b$ views. It gathers $Z=[z^{(1)};\dots;z^{(p)}]$ from every rank and
# scores only *its own* anchors $A_r$ against all of $Z$:
#
# \begin{equation*}
# L_r = \frac{1}{2b}\sum_{a\in A_r} -\log\frac{\exp(s_{a a^+}/\tau)}{\sum_{c\neq a}\exp(s_{ac}/\tau)},
# \qquad L = \frac1p\sum_{r=1}^p L_r , \tag{2}
# \end{equation*}
#
# with $s_{ac}$ the cosine similarity of rows $a$, $c$ of $Z$ and $a^+$ the other view of $a$'s example; $L$
# is exactly lesson 15's loss on the global batch. But $L_r$ depends on *every* rank's embeddings, so the
# gradient of $L_r$ reaches rank $s$'s block through the gather. A differentiable all-gather therefore has
#
# \begin{equation*}
# \text{forward: } Z = \big[z^{(1)};\dots;z^{(p)}\big], \qquad
# \text{backward: } \frac{\partial}{\partial z^{(r)}} \;\leftarrow\; \sum_{s=1}^{p}
# \frac{\partial L_s}{\partial Z_{[r]}} \quad\text{(a reduce-scatter)}, \tag{3}
# \end{equation*}
#
# where $Z_{[r]}$ is the block of $Z$ that came from rank $r$. `torch.distributed.all_gather` has no
# backward at all; the common patch — put the local $z^{(r)}$ back into its slot so that *its own* gradient
# flows — drops the terms $s\neq r$.
#
# :::{prf:proposition} The gradient scale of gathered negatives under DDP
# :label: prop-24-scale
# Let every rank backpropagate its loss through the gather (3), and let DDP average the parameter
# gradients over the $p$ ranks. Then the averaged gradient is
#
# \begin{equation*}
# \begin{array}{lll}
# \nabla_\theta L & \text{local anchors } L_r \text{ (2)}, & \text{summed backward (3)},\\
# \nabla_\theta L & \text{every rank computes all of } L, & \text{summed backward},\\
# \tfrac1p\nabla_\theta L & \text{every rank computes all of } L, & \text{local backward (own block only)},\\
# \text{not parallel to } \nabla_\theta L \text{ in general} & \text{local anchors}, & \text{local backward}.
# \end{array} \tag{4}
# \end{equation*}
# :::
#
# :::{prf:proof}
# Write $\theta\to z^{(r)}$ for rank $r$'s encoder and $\nabla_\theta^{(r)}$ for the gradient through its own
# block. With the summed backward, rank $r$'s parameter gradient is $\sum_s \nabla^{(r)}_\theta L_s$, so DDP
# returns $\frac1p\sum_r\sum_s\nabla^{(r)}_\theta L_s = \frac1p\sum_s \nabla_\theta L_s = \nabla_\theta L$, since
# $\nabla_\theta = \sum_r \nabla^{(r)}_\theta$ (every example's embedding comes from exactly one rank). If
# every rank computes all of $L$, then $L_s = L$: the summed backward gives
# $\frac1p\sum_r p\,\nabla^{(r)}_\theta L = \nabla_\theta L$, the local backward
# $\frac1p\sum_r\nabla^{(r)}_\theta L = \frac1p\nabla_\theta L$ — right direction, a factor $p$ too small
# (multiply the loss by $p$, or use `sum` instead of `mean` in the all-reduce). With local anchors and a
# local backward, rank $r$ keeps $\nabla^{(r)}_\theta L_r$ only and the terms $\nabla^{(r)}_\theta L_s$,
# $s\ne r$ — how rank $r$'s embeddings act as *negatives* for the others — are lost: a different vector,
# not a rescaled one. $\square$
# :::
#
# Local anchors cost $O(bB)$ similarities per rank instead of $O(B^2)$, which is why large-batch
# contrastive training uses the first line of (4); `torch.distributed.nn.functional.all_gather` implements
# the summed backward too and is our oracle. We write our own `autograd.Function` (`dd.all_gather`) because
# the backward is the lesson: its `backward` is one `reduce_scatter` call (`gloo` and `nccl` both have it).
#
# **Merged PCA.** Moments add over shards: with $n=\sum_r n_r$, $s=\sum_r s_r$ ($s_r=\sum_{i\in r}x_i$) and
# $S=\sum_r S_r$ ($S_r=\sum_{i\in r}x_ix_i^\top$), the covariance is
#
# \begin{equation*}
# C = \frac{1}{n-1}\Big(\sum_{r=1}^{p} S_r - \frac{s\,s^\top}{n}\Big), \tag{5}
# \end{equation*}
#
# one all-reduce of $d^2+d+1$ numbers and the centralised PCA follows *exactly*. When $d^2$ is too much to
# send (or the clients keep their covariances private), each rank sends its top-$k$ basis $V_r$ ($d\times k$)
# and the server averages the projectors, weights $w_r = n_r/n$:
#
# \begin{equation*}
# \bar P = \sum_{r=1}^{p} w_r V_rV_r^\top, \qquad
# \hat V = \text{top-}k\text{ eigenvectors of } \bar P
# = \arg\min_{V^\top V = I_k}\ \sum_{r} w_r \big\|VV^\top - V_rV_r^\top\big\|_F^2 . \tag{6}
# \end{equation*}
#
# The equality is one line: $\|VV^\top - V_rV_r^\top\|_F^2 = 2k - 2\,\mathrm{tr}(VV^\top V_rV_r^\top)$ for
# rank-$k$ projectors, so the sum is minimised by maximising $\mathrm{tr}(V^\top\bar PV)$, whose maximum over
# orthonormal $V$ is reached at the top-$k$ eigenvectors (Ky Fan). $\hat V$ is thus the *extrinsic mean* of
# the ranks' subspaces on the Grassmann manifold; it ignores the variances behind each direction (a
# direction one rank finds strongly and the others not at all gets one rank's vote). Weighting the
# projectors by the local variances, $\sum_r w_r V_r\Lambda_rV_r^\top$, sums rank-$k$ approximations of the
# local covariances instead — still $d\times k$ numbers per rank. The centring uses the global mean (one
# extra all-reduce of $d+1$ numbers), so only the subspaces are approximated.

# %% [markdown]
# ## 3. Launching `torchrun` from a cell, safely
#
# `dd.launch(tasks, inputs, nproc=2)` saves the inputs to a job folder, starts
# `python -m torch.distributed.run --nproc-per-node 2 --master-addr 127.0.0.1 --master-port <free>
# -m lowdim_utils.distributed <tasks> --job <folder>` as a subprocess, and reads each rank's results back.
# The port is found by binding to port 0; each worker uses one thread (two ranks on two cores); the
# subprocess has a time limit (its whole process group is killed when it passes), every collective a
# timeout (`init_process_group(timeout=...)`), and each worker destroys its process group at the end. A
# worker's task is an ordinary function of `lowdim_utils.distributed` (`_task_grad`, ...): read it there.
#
# **The oracle: DDP's gradient is the full-batch gradient.** An MLP $784\to64\to10$ in float64 and a batch
# of Fashion-MNIST images: the kernel computes the full-batch gradient in one process; two ranks compute it
# with DDP, each on half the batch.

# %%
B_GRAD = 256 if SCALE == "small" else 2048
idx_grad = torch.randperm(len(y_all), generator=gen)[:B_GRAD]
clf = dd.mlp([784, 64, 10], generator=1, dtype=torch.float64)
enc = dd.mlp([784, 64, 16], generator=2, dtype=torch.float64)
images = X_all[idx_grad].reshape(-1, 28, 28)
views = [contrastive.augment(images, generator=g).reshape(-1, 784) for g in (10, 11)]
TAU = 0.5
inputs = {"grad": {"model": {"dims": [784, 64, 10], "dtype": torch.float64, "state": clf.state_dict()},
                   "X": X_all[idx_grad], "y": y_all[idx_grad]},
          "contrastive": {"model": {"dims": [784, 64, 16], "dtype": torch.float64, "state": enc.state_dict()},
                          "x1": views[0], "x2": views[1], "temperature": TAU}}
run1 = dd.launch(["grad", "contrastive"], inputs, nproc=NPROC, timeout=120)
print(f"torchrun with {NPROC} ranks ({run1['_backend']}): {run1['_wall_s']:.1f} s including process start-up")

# %%
F.cross_entropy(clf(X_all[idx_grad]), y_all[idx_grad]).backward()        # one process, the whole batch
g_single = dd.flat_grad(clf)
TOL_GRAD = 1e-12
rel = [float((r["grad"] - g_single).abs().max() / g_single.abs().max()) for r in run1["grad"]]
rel_local = [float((r["local_grad"] - g_single).abs().max() / g_single.abs().max()) for r in run1["grad"]]
print("max |g_DDP - g_single| / max |g_single| per rank:", ", ".join(f"{v:.1e}" for v in rel))
print("the same for each rank's own half-batch gradient (before averaging):", ", ".join(f"{v:.2f}" for v in rel_local))

# %% tags=["nbval-check-output"]
print(f"{len(y_all[idx_grad])} examples, {g_single.numel()} parameters, float64")
print(f"DDP gradient equal to the single-process one within {TOL_GRAD:g} (relative): "
      f"{sum(v < TOL_GRAD for v in rel)}/{len(rel)} ranks")
print(f"a rank's own half-batch gradient differs by more than 1 %: {sum(v > 0.01 for v in rel_local)}/{len(rel_local)} ranks")

# %% [markdown]
# The averaged gradient agrees with the full-batch one to rounding (the value per rank is printed above the
# checked cell), while each rank's own half-batch gradient is far from it: the agreement is (1) at work, not
# a tautology. The same comparison, in float32 and for other models, is in `tests/test_distributed.py`.
#
# **Gathered negatives: five ways.** The second task of the same run computed, on each rank, the gradient
# of InfoNCE on the global batch of $B$ examples ($2B$ views) with the negatives of both ranks, in the five
# combinations of (4) plus the oracle `torch.distributed.nn.functional.all_gather`; the kernel computes lesson
# 15's `info_nce` on the whole batch in one process.

# %%
z1, z2 = enc(torch.cat(views)).chunk(2)
loss_single = contrastive.info_nce(z1, z2, TAU)
loss_single.backward()
c_single = dd.flat_grad(enc)
rows = []
for name, res in run1["contrastive"][0].items():
    g = res["grad"]
    rel_err = float((g - c_single).norm() / c_single.norm())
    cos = float(g @ c_single / (g.norm() * c_single.norm()))
    same = float((run1["contrastive"][1][name]["grad"] - g).abs().max())
    rows.append((name, rel_err, cos, float(g.norm() / c_single.norm()), same))

# %% tags=["nbval-check-output"]
print(f"InfoNCE, B = {B_GRAD} examples over {NPROC} ranks, tau = {TAU}, float64")
print(f"{'variant':38s} {'rel. error':>11s} {'cosine':>7s} {'norm ratio':>10s}")
for name, rel_err, cos, ratio, _ in rows:
    shown = f"< {TOL_GRAD:g}" if rel_err < TOL_GRAD else f"{rel_err:.3f}"
    print(f"{name:38s} {shown:>11s} {cos:7.3f} {ratio:10.3f}")
print(f"ranks hold the same gradient (within 1e-12): {sum(r[4] < 1e-12 for r in rows)}/{len(rows)} variants")

# %% [markdown]
# The table is Proposition {prf:ref}`prop-24-scale` measured: local anchors with the summed backward (ours
# and PyTorch's) and the replicated loss with the summed backward give the full-batch gradient to rounding;
# the replicated loss with a local backward gives a vector with cosine 1 and exactly half the norm ($1/p$,
# $p=2$); local anchors with a local backward give a different direction. Every variant leaves the ranks
# with the same gradient — DDP averages whatever it is given — so nothing would warn you in training.

# %% [markdown]
# ## 4. Distributed PCA of Fashion-MNIST
#
# Two ranks, each with half of the 10 000 images: three i.i.d. splits (random halves, seeds 0–2) and three
# non-i.i.d. splits (five random classes per rank, seeds 0–2). Each rank computes its moments and its local
# top-$k$ subspace ($k=10$); the run returns the exact PCA from summed moments (5), the projector average
# (6) and the variance-weighted average. The kernel compares each with lesson 01's centralised `linear.pca`
# by the largest principal angle.

# %%
K_PCA, SEEDS = 10, [0, 1, 2]
splits = {}
for s in SEEDS:
    g = torch.Generator().manual_seed(s)
    perm = torch.randperm(len(y_all), generator=g)
    splits[f"iid/{s}"] = [perm[: len(perm) // 2], perm[len(perm) // 2:]]
    classes = torch.randperm(10, generator=g)[:5]
    mine = torch.isin(y_all, classes)
    splits[f"non-iid/{s}"] = [torch.where(mine)[0], torch.where(~mine)[0]]
run2 = dd.launch("pca", {"pca": {"X": X_all, "k": K_PCA, "splits": splits}}, nproc=NPROC, timeout=180)
central = linear.pca(X_all, K_PCA).components                      # (k, d), the oracle
print(f"torchrun: {run2['_wall_s']:.1f} s")


def max_angle_deg(A, B):
    return float(torch.rad2deg(linear.subspace_angles(A.T, B.T)).max())


METHODS = {"exact": "summed moments (5)", "projector": "projector average (6)",
           "covariance": "variance-weighted average", "local": "rank 0 alone"}
angles = {(kind, m): [] for kind in ("iid", "non-iid") for m in METHODS}
for name, res in run2["pca"][0].items():
    kind = name.split("/")[0]
    for m in METHODS:
        angles[kind, m].append(max_angle_deg(res[m], central))
for (kind, m), v in angles.items():
    print(f"{kind:8s} {METHODS[m]:28s} per seed: " + ", ".join(f"{a:.2e}" if m == "exact" else f"{a:.2f}" for a in v))
nbytes = run2["pca"][0]["iid/0"]["bytes"]

# %% tags=["nbval-check-output"]
TOL_ANGLE = 1e-6
print(f"largest principal angle to the centralised top-{K_PCA} subspace, {len(SEEDS)} seeds (degrees)")
print(f"summed moments (5): below {TOL_ANGLE:g} deg on {sum(a < TOL_ANGLE for k in ('iid', 'non-iid') for a in angles[k, 'exact'])}"
      f"/{2 * len(SEEDS)} splits")
for kind in ("iid", "non-iid"):
    for m in ("projector", "covariance", "local"):
        v = np.array(angles[kind, m])
        print(f"{kind:8s} {METHODS[m]:28s} {v.mean():5.1f} deg (range {v.min():.1f}-{v.max():.1f})")
print(f"numbers sent per rank: moments {nbytes['exact'] // 8}, top-{K_PCA} basis {nbytes['projector'] // 8}")

# %% [markdown]
# **Headline.** Summing moments is the centralised PCA (angles at the level of rounding) for the price of a
# $d\times d$ all-reduce — 615 441 numbers per rank here against 8 626 for a basis (and the mean). Merging
# bases is approximate, and how approximate depends on the split more than on the merge rule: on random
# halves the projector average is within a fraction of a degree of the centralised subspace (a single rank
# alone is within a few degrees: its half of the data has nearly the same covariance), while on a split by
# class the ranks' subspaces disagree, one rank alone is far off, and the projector average stays tens of
# degrees away, the spread over the three seeds far below the gap to the i.i.d. case. Weighting by the local
# variances cuts the class-split error by a factor of about three to four and changes little on random
# halves: the rows above give the numbers. Nguyen et al. report, qualitatively (we quote no number), that
# their federated PCA — an iterative ADMM consensus of non-i.i.d. clients' subspaces, in Euclidean space or
# on the Grassmann manifold — detects anomalies in network traffic (UNSW-NB15, TON-IoT) about as well as
# non-linear baselines while communicating far less; we get a one-shot merge that is within a fraction of a
# degree of the centralised subspace on i.i.d. shards and tens of degrees off on class-wise shards; the
# difference comes from our single round of averaging (no consensus iterations), from measuring the
# subspace itself rather than a downstream detector, and from a deliberately extreme split of images whose
# covariance depends strongly on the class.

# %% [markdown]
# ## 5. Checkpoint and resume, bit for bit
#
# A resumed run should continue *exactly* as if it had never stopped; then a crash costs time, never a
# different model. Training here is SimCLR with gathered negatives (first line of (4)) under DDP, with
# Adam, per-rank random augmentations (noise and pixel masks drawn from a per-rank `torch.Generator`) and a
# shuffling `DistributedSampler`. The state of a rank is therefore: the parameters, Adam's moments and step
# count, the generator's state, and the data loader's position (the epoch, which fixes the sampler's
# permutation, and the number of batches of it already consumed). Run A trains $N$ steps straight; run B
# trains $N/2$ steps and writes one checkpoint per rank (to a temporary file, then renamed, so that a crash
# cannot leave half a checkpoint); run C — a *new* `torchrun`, new processes, new process group — loads it
# and trains to step $N$, restoring everything or all but one piece.

# %%
STEPS = 12
train_in = {"model": {"dims": [784, 128, 32], "state": dd.mlp([784, 128, 32], generator=3).state_dict()},
            "X": X_all[:256].float(), "lr": 1e-3, "seed": 0, "batch": 32, "steps": STEPS,
            "noise": 0.1, "mask": 0.2, "temperature": TAU}
ckpt_dir = tempfile.mkdtemp(prefix="lowdim24-ckpt-")          # run C must find run B's checkpoints here
run_a = dd.launch("train", {"train": train_in}, nproc=NPROC, timeout=120, job_dir=ckpt_dir)   # runs A and B
ck = run_a["train"][0]
print(f"runs A ({STEPS} steps) and B ({STEPS // 2} steps + checkpoint): {run_a['_wall_s']:.1f} s; "
      f"checkpoint at epoch {ck['ckpt_epoch']}, after batch {ck['ckpt_pos']} of {256 // (32 * NPROC)}")
run_c = dd.launch("resume", {"resume": train_in}, nproc=NPROC, timeout=120, job_dir=ckpt_dir)  # a new torchrun
print(f"run C (four resumes of {STEPS // 2} steps): {run_c['_wall_s']:.1f} s")
resumed = {}
for name in run_c["resume"][0]:
    resumed[name] = [(torch.equal(run_c["resume"][r][name], run_a["train"][r]["straight"]),
                      float((run_c["resume"][r][name] - run_a["train"][r]["straight"]).abs().max())) for r in range(NPROC)]
    print(f"{name:30s} max |difference| per rank: " + ", ".join(f"{d:.1e}" for _, d in resumed[name]))

# %% tags=["nbval-check-output"]
print(f"parameters after {STEPS} straight steps vs {STEPS // 2} + resume + {STEPS // 2} (torch.equal, float32):")
for name, per_rank in resumed.items():
    print(f"  {name:30s} bit-identical on {sum(eq for eq, _ in per_rank)}/{len(per_rank)} ranks")

# %% [markdown]
# Restoring everything reproduces the straight run bit for bit on both ranks; forgetting the generator's
# state (the augmentations differ), the loader's position (the first half-epoch is seen twice) or Adam's
# moments (the effective step size jumps) each gives a different model — small differences after six steps,
# printed above, but a different run. Bit-identity also needs the same layout: the same number of ranks,
# the same batch per rank. Universal Checkpointing (Lian et al.) addresses what we avoided: it stores
# parameters and optimizer states in a layout-independent, per-parameter form so that a run can resume on a
# different parallel configuration (other data-, tensor- or pipeline-parallel degrees, ZeRO stages), and the
# paper reports, qualitatively, loss curves that continue consistently after such changes; we get exact
# continuation in a fixed layout of 2 ranks; the difference comes from resharding, which changes the
# summation order (so bit-identity is no longer possible) and which our tiny model never needs.

# %% [markdown]
# ## 6. A rank that never joins
#
# A collective waits for every rank. If one rank hangs (a deadlock, a different code path, a dead GPU),
# the others wait — by default for 30 minutes with `gloo` (10 with `nccl`) — and a notebook cell with them.
# Here the last rank sleeps instead of joining an all-reduce. The all-reduce runs on a process group made
# with `dist.new_group(timeout=2 s)`; the default group keeps the launch's 30 s, so that a slow process
# start on a busy machine is not mistaken for a hang. The waiting rank raises, prints a message and exits;
# `torchrun` stops the sleeping rank; `dd.launch` raises `DistributedRunError` with the message. The outer
# time limit of the launch (60 s here) would end the run even if no collective had a timeout: it stops
# `torchrun` and then every worker by the process id each one wrote to the job folder.

# %%
t0 = time.perf_counter()
try:
    dd.launch("stuck", {"stuck": {"sleep": 300, "timeout": 2}}, nproc=NPROC, timeout=60)
    stuck_msg = "the run finished (unexpected)"
except dd.DistributedRunError as err:
    stuck_msg = str(err)
stuck_s = time.perf_counter() - t0
print(f"the launch returned after {stuck_s:.1f} s (limit 60 s)")

# %% tags=["nbval-check-output"]
print(stuck_msg)

# %% [markdown]
# ## 7. Scaling beyond this machine: measure, then model
#
# **Measured.** An MLP $784\to1024\to1024\to10$ at the default scale (1.86 M parameters, 7.5 MB of float32
# gradients; $784\to4096\to4096\to10$ at full scale), a batch of
# 64 per rank, one thread per rank. Per step: *compute* (forward + backward, no communication), *all-reduce*
# of the gradient vector, and a whole DDP step (compute with the all-reduce of its buckets overlapped);
# then all-reduces of growing messages. Medians over repeated calls, the ranks released together by a
# barrier. With one process the all-reduce has nothing to send.

# %%
DIMS = [784, 1024, 1024, 10] if SCALE == "small" else [784, 4096, 4096, 10]
timing_in = {"dims": DIMS, "batch": 64, "repeats": 15, "sweep_bytes": [2 ** e for e in range(12, 25, 2)]}
timing = {}
for p in lu.progress_bar([1, NPROC], desc="timing runs"):
    timing[p] = dd.launch("timing", {"timing": timing_in}, nproc=p, timeout=180)["timing"][0]
ms = lambda s: f"{1e3 * s:8.2f} ms"  # noqa: E731
print(f"{timing[1]['params']:,} parameters, {timing[1]['bytes'] / 1e6:.1f} MB of gradients, batch 64 per rank")
print(f"{'processes':>9s} {'compute':>11s} {'all-reduce':>11s} {'DDP step':>11s}")
for p, t in timing.items():
    print(f"{p:9d} {ms(t['compute'])} {ms(t['allreduce'])} {ms(t['ddp_step'])}")
alpha, beta = dd.fit_alpha_beta(timing[NPROC]["sweep_bytes"], timing[NPROC]["sweep_s"], p=NPROC)
print(f"fitted on {NPROC} processes (loopback, {BACKEND}): alpha = {alpha * 1e6:.0f} us, beta = {beta / 1e9:.2f} GB/s")

# %% [markdown]
# **The cost model.** A ring all-reduce of $m$ bytes over $p$ workers is a reduce-scatter followed by an
# all-gather, $p-1$ steps each; in every step each worker sends one block of $m/p$ bytes to its neighbour,
# all links at once. With $\alpha$ seconds per message and $\beta$ bytes per second per link,
#
# \begin{equation*}
# T_{\text{all-reduce}}(m, p) = 2(p-1)\,\alpha + \frac{2(p-1)}{p}\,\frac{m}{\beta}. \tag{7}
# \end{equation*}
#
# The bandwidth term tends to $2m/\beta$: it barely grows with $p$ — the reason rings are used — while the
# latency term grows linearly. With a fixed batch per worker (weak scaling) the compute per step stays
# constant, so the step time is predicted as compute + (7) without overlap, and $\max$(compute, (7)) with a
# perfect overlap of the all-reduce with the backward pass (DDP's bucketing, Li et al.). The $\alpha$ and
# $\beta$ fitted above are those of two processes on one machine over the loopback interface, far from a
# cluster's network; below they are used as measured, and the widget lets you set a network's values.

# %%
P_PRED = np.array([1, 2, 8, 32, 128, 512, 1024])
comp, mbytes = timing[1]["compute"], timing[1]["bytes"]
pred_no = dd.predict_step_time(comp, mbytes, P_PRED, alpha, beta).numpy()
pred_ov = dd.predict_step_time(comp, mbytes, P_PRED, alpha, beta, overlap=True).numpy()
print("PREDICTED with the fitted alpha, beta (not measured beyond p = 2):")
print(f"{'workers':>8s} {'all-reduce':>11s} {'step, no overlap':>17s} {'efficiency':>10s} {'step, overlap':>14s}")
for p, a, b in zip(P_PRED, pred_no, pred_ov):
    comm = float(dd.ring_allreduce_time(mbytes, int(p), alpha, beta))
    print(f"{p:8d} {ms(comm)} {ms(a):>17s} {comp / a:10.2f} {ms(b):>14s}")
meas = timing[NPROC]["allreduce"]
pred2 = float(dd.ring_allreduce_time(mbytes, NPROC, alpha, beta))
print(f"check at p = {NPROC}: measured gradient all-reduce {1e3 * meas:.2f} ms, model {1e3 * pred2:.2f} ms")
print(f"on this machine: the {NPROC}-process DDP step took {timing[NPROC]['ddp_step'] / timing[1]['ddp_step']:.1f}x the "
      f"1-process step; the gradient all-reduce alone took {meas / timing[NPROC]['compute']:.1f}x the compute")

# %% tags=["nbval-check-output"]
lim = [float(dd.ring_allreduce_time(1e9, p, 0.0, 1e9)) for p in (2, 8, 1024)]
print("bandwidth term of (7) for 1 GB at 1 GB/s, p = 2, 8, 1024: " + ", ".join(f"{v:.3f}" for v in lim)
      + " (limit 2.000 s)")
print(f"latency term at p = 1024 relative to p = 8: {float(dd.ring_allreduce_time(0, 1024, 1.0, 1.0) / dd.ring_allreduce_time(0, 8, 1.0, 1.0)):.1f}x")

# %% [markdown]
# On one machine the "network" is a memory copy between two processes that also compete for two cores (the
# ratios printed above say what that cost here). Li et al. report near-linear scaling of DDP up to 256 GPUs
# (ResNet-50 and BERT, NCCL on fast interconnects), with bucketing and overlap as the key techniques; our
# two CPU processes cannot test that, and the model, fed with loopback values, predicts the falling
# efficiencies of the table; the difference comes from the network (a cluster's
# $\beta$ is one to two orders of magnitude above our loopback's, its $\alpha$ a few microseconds), the
# compute per step (a GPU makes compute *shorter*, which makes communication relatively *more* expensive)
# and the overlap. Set realistic values in the widget and watch the efficiency.

# %% [markdown]
# ## 8. Explore: compute versus communication at scale
#
# Move the number of workers (as $\log_2 p$, the dashed line), the link bandwidth, the per-message latency and
# the model size. The compute time per step is the one measured on one process, scaled with the number of
# parameters; the left panel shows it beside the predicted all-reduce (7), the right one the weak-scaling
# efficiency compute / step with and without overlap. At a low bandwidth the all-reduce exceeds the compute
# from $p=2$ on; at a high one it hides behind the compute up to a point, and then the latency term
# $2(p-1)\alpha$ takes over (raise the latency to see it earlier). All of this is a prediction of (7), not
# a measurement. The static page sweeps the bandwidth.

# %% tags=["nbval-ignore-output"]
comp_per_param = comp / timing[1]["params"]


def draw(log2_workers, bandwidth_GBps, latency_us, params_M):
    p_all = 2.0 ** np.arange(1, 11)
    nbytes_ = params_M * 1e6 * 4                                     # float32 gradients
    c = comp_per_param * params_M * 1e6
    comm = dd.ring_allreduce_time(nbytes_, p_all, latency_us * 1e-6, bandwidth_GBps * 1e9).numpy()
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(9, 3.4))
    ax.loglog(p_all, np.full(len(p_all), c), "-", label="compute (measured, scaled)")
    ax.loglog(p_all, comm, "o-", label="all-reduce (7), predicted")
    bx.semilogx(p_all, c / (c + comm), "o-", label="no overlap")
    bx.semilogx(p_all, c / np.maximum(c, comm), "s--", label="perfect overlap")
    p_sel = 2.0 ** int(log2_workers)
    for a in (ax, bx):
        a.axvline(p_sel, color="k", ls=":", lw=1)
        a.set_xlabel("workers p")
        a.legend(fontsize=8)
    ax.set_ylabel("seconds per step")
    bx.set_ylabel("efficiency"); bx.set_ylim(0, 1.05)
    i = int(log2_workers) - 1
    fig.suptitle(f"{params_M} M parameters, {bandwidth_GBps} GB/s, {latency_us} us: at p = {int(p_sel)} "
                 f"efficiency {c / (c + comm[i]):.2f} (no overlap), {c / max(c, comm[i]):.2f} (overlap)", fontsize=10)
    plt.tight_layout()


lu.explore(draw, sweep="bandwidth_GBps", log2_workers=(1, 10, 1, 7), bandwidth_GBps=(1, 101, 1, 21),
           latency_us=(1, 100, 1, 5), params_M=([1, 10, 100, 1000], 100))

# %% [markdown]
# ## 9. Exercises
#
# :::{exercise} 24.gather · The cost of gathering the negatives
# :label: ex-24-gather
# :nonumber:
# Derive the α–β cost of a *ring all-gather* in which each of $p$ workers contributes a block of `nbytes`
# (the embeddings of its views) and every worker ends with all $p$ blocks. Count the steps and what each
# link carries per step, as in the derivation of (7). Write `allgather_time(nbytes, p, alpha, beta)`
# returning seconds (0 for $p=1$); it should accept a NumPy array of worker counts `p`.
# :::

# %%
def allgather_time(nbytes, p, alpha, beta):
    # YOUR CODE HERE
    raise NotImplementedError


# %%
allgather_time = lu.check("24.gather", allgather_time)

# %% [markdown] tags=["solution"]
# :::{solution} ex-24-gather
# :class: dropdown
# The course's solution, from `solutions/24_distributed.py` (in JupyterLab, print it with `lu.show_solution("24.gather")`):
# ```{literalinclude} ../solutions/24_distributed.py
# :pyobject: allgather_time
# ```
# :::

# %% [markdown]
# With it: gathering the $2b=256$ embeddings of 16 float64 numbers per rank (this lesson's contrastive run)
# costs little next to the all-reduce of the gradient of the timing model (both at the fitted α, β):

# %%
emb_bytes = 2 * (B_GRAD // NPROC) * 16 * 8
print(f"all-gather of {emb_bytes} B per rank at the fitted alpha, beta, p = {NPROC}: "
      f"{1e6 * float(allgather_time(emb_bytes, NPROC, alpha, beta)):.0f} us; "
      f"gradient all-reduce: {1e6 * pred2:.0f} us")

# %% [markdown]
# :::{exercise} 24.merge · Merging local subspaces
# :label: ex-24-merge
# :nonumber:
# Write `merge_subspaces_np(bases, weights, k)` in NumPy: `bases` is a list of $(d, k_r)$ arrays with
# orthonormal columns (their signs and order are arbitrary), `weights` the ranks' weights; return the
# $(d, k)$ orthonormal basis of the merged subspace of (6).
# :::

# %%
def merge_subspaces_np(bases, weights, k):
    # YOUR CODE HERE
    raise NotImplementedError


# %%
merge_subspaces_np = lu.check("24.merge", merge_subspaces_np)

# %% [markdown] tags=["solution"]
# :::{solution} ex-24-merge
# :class: dropdown
# The course's solution, from `solutions/24_distributed.py` (in JupyterLab, print it with `lu.show_solution("24.merge")`):
# ```{literalinclude} ../solutions/24_distributed.py
# :pyobject: merge_subspaces_np
# ```
# :::

# %% [markdown]
# :::{exercise} 24.split · A split that fools the projector average (open)
# :label: ex-24-split
# :nonumber:
# The projector average worked on random halves of Fashion-MNIST. Design `hard_split(X, p)` returning a
# list of $p$ integer index arrays (a partition of the rows of `X`, each with at least $n/(4p)$ rows) for
# which the merged top-3 subspace (6) — local covariances about the global mean, weights $n_r/n$ — is at
# least 30° from the centralised one. The check uses two Gaussian clouds with decaying variances, $p=2$ and
# $p=3$. Which property of (6) does your split exploit, and does the variance-weighted merge resist it?
# :::

# %%
def hard_split(X, p):
    # YOUR CODE HERE
    raise NotImplementedError


# %%
hard_split = lu.check("24.split", hard_split)

# %% [markdown] tags=["solution"]
# :::{solution} ex-24-split
# :class: dropdown
# The course's solution, from `solutions/24_distributed.py` (in JupyterLab, print it with `lu.show_solution("24.split")`):
# ```{literalinclude} ../solutions/24_distributed.py
# :pyobject: hard_split
# ```
# :::

# %% [markdown]
# ## Summary
#
# - DDP's averaged gradient is the full-batch gradient (1) when the blocks are equal; checked here against
#   one process in float64, to rounding.
# - Gathered negatives need a gather whose backward *sums* every rank's gradient (3); with local anchors (2)
#   that sum and DDP's average combine to the exact gradient, while a local backward loses a factor $p$
#   (replicated loss) or the cross-rank terms (local anchors) — Proposition {prf:ref}`prop-24-scale`, measured.
# - Distributed PCA by summed moments (5) is exact; merging top-$k$ subspaces by the projector average (6),
#   the extrinsic Grassmann mean, is cheap and close on i.i.d. shards, far off on class-wise shards.
# - A checkpoint must hold the model, the optimizer, every generator and the loader's position; then the
#   resumed run is bit-identical in the same layout.
# - Ring all-reduce costs $2(p-1)\alpha + 2\frac{p-1}{p}\frac m\beta$ (7): bandwidth-bound, nearly
#   independent of $p$, until the latency term takes over; our loopback measurements parametrise it, and
#   everything beyond two processes is a prediction.
# - Every launch has a time limit and every collective a timeout: a rank that never joins ends the run with
#   a message, not a hung kernel.
#
# **Further reading**: the PyTorch DDP paper's sections on bucketing and gradient-accumulation without
# synchronisation (`no_sync`); ZeRO and FSDP for sharding optimizer states and parameters; Balcan et al.
# (2014) and Fan et al. (2019) on distributed PCA with guarantees; Goyal et al. (2017) on the learning-rate
# scaling of large batches.
