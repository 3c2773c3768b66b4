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
# # 11 · Graph embeddings: random walks, skip-gram, spectral embedding and FastRP
#
# **What you will learn**
# - how DeepWalk and node2vec turn a graph into sentences — random walks — and learn node vectors
#   from them with lesson 09's skip-gram with negative sampling (SGNS); node2vec's biased
#   second-order walk, its exact transition law (proved), and how to draw it for thousands of walks
#   at once by rejection sampling (proved exact);
# - how to *test* a sampler: Pearson's χ² test of the observed transitions against the exact law, at
#   a stated level, and proof that the test catches a wrong sampler;
# - why a random-walk embedding is a matrix factorisation in disguise: the window pairs of a stationary
#   walk follow $DP^r/\operatorname{vol}$ (proved, then measured), which is why FastRP (lesson 02),
#   which multiplies by $P$ directly, can compete without any training;
# - node classification (macro-F1 of a logistic-regression probe) and link prediction (AUC on held-out
#   edges against sampled non-edges) on three real graphs — Zachary's karate club, the larval
#   *Drosophila* mushroom-body connectome, a WordNet noun graph — with FastRP's speed claim measured
#   side by side;
# - that the graph you build from the data can matter more than the method (an open exercise on the
#   connectome).
#
# **Prerequisites**: [lesson 02](02_random_projections.ipynb) (FastRP, §6),
# [lesson 07](07_manifold_learning.ipynb) (Laplacian eigenmaps, which on a graph is *spectral
# embedding*), [lesson 09](09_word_embeddings.ipynb) (SGNS and its shifted-PMI optimum); Markov chains
# (a transition matrix, a stationary distribution).
#
# **Papers**
# - B. Perozzi, R. Al-Rfou, S. Skiena, *DeepWalk: Online Learning of Social Representations*, KDD 2014.
# - A. Grover, J. Leskovec, *node2vec: Scalable Feature Learning for Networks*, KDD 2016 — the biased
#   walk, and the link-prediction protocol we follow (held-out edges, the rest kept connected;
#   Hadamard edge features).
# - H. Chen, S. F. Sultan, Y. Tian, M. Chen, S. Skiena, *Fast and Accurate Network Embeddings via Very
#   Sparse Random Projection*, CIKM 2019 — FastRP, and the claim section 5 measures.
# - J. Qiu, Y. Dong, H. Ma, J. Li, K. Wang, J. Tang, *Network Embedding as Matrix Factorization:
#   Unifying DeepWalk, LINE, PTE, and node2vec*, WSDM 2018 — the matrix DeepWalk factorises
#   ({prf:ref}`thm-pairs` and Eq. (5)).
# - T. W. Anderson, L. A. Goodman, *Statistical Inference about Markov Chains*, Annals of Mathematical
#   Statistics 28(1), 1957 — the χ² test of transition counts.
# - Data: W. W. Zachary, *An information flow model for conflict and fission in small groups*, 1977;
#   K. Eichler et al., *The complete connectome of a learning and memory centre in an insect brain*,
#   Nature 548, 2017; G. A. Miller, *WordNet: a lexical database for English*, CACM 38(11), 1995.

# %%
import lowdim_utils as lu  # first: it sets OMP_WAIT_POLICY before torch loads (steadier threads)
import time

import matplotlib.pyplot as plt
import networkx as nx
import numpy as np
import torch
from sklearn.manifold import SpectralEmbedding

from lowdim_utils import graphs, manifold, projections, sgns
from lowdim_utils.data import load

device, SCALE, gen = lu.setup(seed=0)  # SCALE: "small" on a CPU by default; LOWDIM_SCALE=full for GPU-sized runs

# %% [markdown]
# ## 1. Motivation: the cell types are written in the wiring
#
# Eichler et al. reconstructed every neuron and synapse of the mushroom body — the insect brain's
# centre of associative learning — of one first-instar *Drosophila* larva from electron micrographs.
# The left hemisphere has 209 neurons of four types: **projection neurons** (P) bring odour
# information, **Kenyon cells** (K) recode it sparsely, **output neurons** (O) read the Kenyon cells out,
# and modulatory **input neurons** (I) signal reward and punishment. `A[i, j]` counts the synapses from
# neuron `i` onto neuron `j`. Can a method that sees only the wiring recover the types? Below: the
# synapse counts between the types, and the matrix itself, sorted by type.

# %%
mb = load("mushroom_body")
A_mb = mb.A.astype(np.float64)
y_mb = mb.y
order = np.argsort(y_mb, kind="stable")
codes = mb.label_codes                             # K, I, O, P

# %% tags=["nbval-check-output"]
print(f"{A_mb.shape[0]} neurons: " + ", ".join(f"{np.sum(y_mb == c)} {name}s" for c, name in enumerate(mb.label_names)))
print(f"{int(A_mb.sum())} synapses on {int((A_mb > 0).sum())} ordered pairs; "
      f"{int(((A_mb + A_mb.T) > 0).sum() // 2)} pairs of neurons linked in either direction")
block = np.array([[A_mb[np.ix_(y_mb == a, y_mb == b)].sum() for b in range(4)] for a in range(4)])
print("synapses from (rows) onto (columns), as % of all synapses:")
print("      " + "".join(f"{c:>7s}" for c in codes))
for a in range(4):
    print(f"  {codes[a]:>3s} " + "".join(f"{100 * block[a, b] / block.sum():7.1f}" for b in range(4)))

# %%
fig, axes = plt.subplots(1, 2, figsize=(10, 4.3))
axes[0].imshow(np.log1p(A_mb[np.ix_(order, order)]), cmap="Greys")
edges_at = np.cumsum(np.bincount(y_mb))[:-1] - 0.5
for e in edges_at:
    axes[0].axhline(e, color="C3", lw=0.6); axes[0].axvline(e, color="C3", lw=0.6)
ticks = np.cumsum(np.bincount(y_mb)) - np.bincount(y_mb) / 2
axes[0].set_xticks(ticks, codes); axes[0].set_yticks(ticks, codes)
axes[0].set_xlabel("onto (postsynaptic)"); axes[0].set_ylabel("from (presynaptic)")
axes[0].set_title("log(1 + synapses), sorted by cell type")
G_mb = graphs.csr_graph(A_mb + A_mb.T)           # synaptic partners, either direction, weighted by synapses
E_mb = projections.fastrp(G_mb.to_torch_sparse(), 32, generator=0)
Z = np.linalg.svd(lu.to_numpy(E_mb) - lu.to_numpy(E_mb).mean(0), full_matrices=False)[0][:, :2]
for c, name in enumerate(mb.label_names):
    axes[1].scatter(*Z[y_mb == c].T, s=14, color=f"C{c}", label=name)
axes[1].set_title("FastRP of A + Aᵀ (dim 32), first two principal axes")
axes[1].legend(fontsize=8)
plt.tight_layout()
plt.show()

# %% [markdown]
# The wiring is a cascade and the blocks show it: projection neurons synapse onto Kenyon cells (P → K,
# 9.5% of all synapses), Kenyon cells onto output neurons (K → O, 36%) and onto each other (31%), and
# input neurons and Kenyon cells onto each other (I → K 9.1%, K → I 11.7%). An embedding of the synaptic partners
# (A + Aᵀ, direction forgotten), computed without training and without any label, already separates the
# Kenyon cells from the rest; the three smaller types overlap, because each of them has Kenyon cells
# as its partners — only the *direction* tells P from O. How far such embeddings go, how to build them
# from random walks, how to check them, and what they cost is the lesson; exercise 11.graph
# (section 6) returns to the direction.
#
# ## 2. Derivation
#
# ### 2.1 Random walks and the pairs they produce
#
# A graph on $n$ nodes with symmetric non-negative weights $W$ (no self-loops) has degrees
# $d_v=\sum_x w_{vx}$, $D=\operatorname{diag}(d)$ and volume $\operatorname{vol}=\sum_v d_v$. The
# (first-order) random walk moves from $v$ to a neighbour $x$ with probability proportional to the
# edge weight,
#
# \begin{equation*}\Pr(w_{i+1}=x\mid w_i=v)=P_{vx},\qquad P=D^{-1}W .\tag{1}\end{equation*}
#
# Its stationary distribution is proportional to the degree:
#
# \begin{equation*}\pi_v=\frac{d_v}{\operatorname{vol}},\qquad \pi^\top P=\pi^\top,\tag{2}\end{equation*}
#
# since $(\pi^\top P)_x=\sum_v\frac{d_v}{\operatorname{vol}}\frac{w_{vx}}{d_v}=\frac{d_x}{\operatorname{vol}}$.
# **DeepWalk** runs walks of length $L$ from every node and hands them, as sentences, to skip-gram:
# every node at position $i$ is a *center* paired with the *contexts* at positions $i\pm r$,
# $1\le r\le T$ (the window). Which pairs does skip-gram then see?
#
# :::{prf:theorem} The window pairs of a stationary walk
# :label: thm-pairs
# Let $w_1,w_2,\dots$ be a random walk (1) started in its stationary distribution (2). For every
# position $i$ and offset $r\ge1$,
#
# \begin{equation*}\Pr(w_i=v,\ w_{i+r}=u)=\frac{(DP^r)_{vu}}{\operatorname{vol}},\tag{3}\end{equation*}
#
# and $DP^r$ is symmetric, so the pair comes up in either order equally often. Hence the (center,
# context) pairs of a long walk with a fixed window $T$ are distributed as
#
# \begin{equation*}M=\frac{1}{T\operatorname{vol}}\sum_{r=1}^{T}DP^r .\tag{4}\end{equation*}
# :::
#
# :::{prf:proof}
# By (2) $\Pr(w_i=v)=\pi_v$ for every $i$, and by the Markov property
# $\Pr(w_{i+r}=u\mid w_i=v)=(P^r)_{vu}$; their product is (3). Symmetry:
# $DP^r=W(D^{-1}W)^{r-1}=WD^{-1}WD^{-1}\cdots W$ is a product of symmetric matrices that reads the same
# backwards, so it equals its transpose. In a walk of length $L\to\infty$ each offset $1,\dots,T$
# occurs at $L-r\approx L$ positions, in both directions (center before or after its context), so a pair
# drawn at random from all of them is an equal mixture over $r$ of the laws (3) and of their
# transposes — which are the same — giving (4).
# :::
#
# Lesson 09 proved that SGNS with $k$ negatives drawn from $P_n$ is optimal when
# $w_v\cdot c_u=\operatorname{PMI}(v,u)-\log k$, the PMI taken under the pair law and $P_n$. With the
# pair law (4) and $P_n=\pi$ (node visit counts to the power 1; word2vec's power $3/4$ changes $P_n$ only),
# $M_{v\cdot}=\pi_v$ and the optimum is
#
# \begin{equation*}w_v\cdot c_u=\log\Big(\frac{\operatorname{vol}}{kT}\sum_{r=1}^{T}\big(P^rD^{-1}\big)_{vu}\Big),\tag{5}\end{equation*}
#
# Qiu et al.'s matrix: **DeepWalk factorises the (entrywise) logarithm of a sum of powers of $P$**.
# FastRP (lesson 02, Eq. (9)) projects a weighted sum of the same powers, $\sum_i\alpha_iP^iL$, with a
# very sparse random matrix — no walks, no training, $q$ sparse products. The paper's thesis is that
# this choice of matrix, not the dimension reduction, is what makes an embedding good; section 5 tests
# its speed claim, section 6 its thesis.
#
# ### 2.2 node2vec's biased walk
#
# node2vec makes the step depend on where the walk came from. Having just moved $t\to v$, it weighs each
# neighbour $x$ of $v$ by its distance $d_{tx}\in\{0,1,2\}$ from $t$:
#
# \begin{equation*}\alpha_{pq}(t,x)=\begin{cases}1/p & x=t\ \ (d_{tx}=0:\ \text{go back}),\\ 1 & x\sim t\ \ (d_{tx}=1:\ \text{a common neighbour of } t \text{ and } v),\\ 1/q & \text{otherwise}\ \ (d_{tx}=2:\ \text{move away}).\end{cases}\tag{6}\end{equation*}
#
# A large *return* parameter $p$ discourages going back; the *in-out* parameter $q<1$ pushes the walk
# outward (depth-first-like), $q>1$ keeps it near $t$ (breadth-first-like); $p=q=1$ is DeepWalk.
#
# :::{prf:theorem} node2vec's transition law
# :label: thm-node2vec
# Given $w_{i-1}=t$ and $w_i=v$ (so $t\sim v$), the next node is $x$ with probability
#
# \begin{equation*}\Pr(w_{i+1}=x\mid t,v)=\frac{\alpha_{pq}(t,x)\,w_{vx}}{Z(t,v)},\qquad
# Z(t,v)=\frac{w_{vt}}{p}+\tau_{tv}+\frac{d_v-w_{vt}-\tau_{tv}}{q},\quad \tau_{tv}=\sum_{x\sim t,\ x\sim v}w_{vx}.\tag{7}\end{equation*}
#
# The walk is a first-order Markov chain on the directed edges $(t,v)$, and the three kinds of step have
# probabilities $w_{vt}/(pZ)$ (back), $\tau_{tv}/Z$ (to a common neighbour) and
# $(d_v-w_{vt}-\tau_{tv})/(qZ)$ (away).
# :::
#
# :::{prf:proof}
# node2vec defines the unnormalised transition weight $\alpha_{pq}(t,x)w_{vx}$ for each neighbour $x$
# of $v$ (and 0 for the other nodes); dividing by the sum over $x$ gives the law. The neighbours of $v$
# split into three disjoint sets by (6): $\{t\}$, with weight $w_{vt}$; the common neighbours of $t$ and
# $v$ (no self-loops, so $t$ is not one of them), with total weight $\tau_{tv}$; the rest, with total
# weight $d_v-w_{vt}-\tau_{tv}$. Weighing them by $1/p$, $1$, $1/q$ and adding gives $Z(t,v)$, and the
# three class probabilities follow. The law depends on the past only through $(t,v)$, so the pair
# $(w_{i-1},w_i)$ is a Markov chain; with $p=q=1$, $Z=d_v$ and (7) is (1).
# :::
#
# Drawing from (7) for a batch of walks at once is the computational question. **Exact normalisation**
# computes $\alpha_{pq}(t,x)w_{vx}$ for every neighbour of every walk's current node and inverts the
# cumulative sums: $\deg(v)$ work per walk and step, and under the stationary law the walk sits at a
# node of degree $\deg(v)$ with probability $\propto\deg(v)$, so the mean work per step is
# $\sum_v\deg(v)^2/\sum_v\deg(v)$ — large on graphs with hubs (52 on the WordNet graph below, whose
# mean degree is 2.1). node2vec's reference code instead precomputes an alias table for every directed
# edge: $\sum_v\deg(v)^2$ entries of memory. **Rejection sampling** needs neither:
#
# :::{prf:theorem} Rejection sampling draws node2vec's step exactly
# :label: thm-rejection
# Let $\alpha_{\max}=\max(1/p,1,1/q)$. Repeat: propose $x$ by a first-order step (1) from $v$; accept it
# with probability $\alpha_{pq}(t,x)/\alpha_{\max}$. The accepted $x$ has the law (7), and the number of
# proposals $N$ is geometric with
#
# \begin{equation*}\mathbb E\,N=\frac{\alpha_{\max}\,d_v}{Z(t,v)}\ \le\ \frac{\alpha_{\max}}{\alpha_{\min}},\qquad \alpha_{\min}=\min(1/p,1,1/q).\tag{8}\end{equation*}
# :::
#
# :::{prf:proof}
# One round proposes $x$ with probability $w_{vx}/d_v$ and accepts it with probability
# $\alpha_{pq}(t,x)/\alpha_{\max}\le1$, so it *ends with* $x$ with probability
# $a_x=\alpha_{pq}(t,x)w_{vx}/(\alpha_{\max}d_v)$ and ends at all with probability
# $a=\sum_xa_x=Z(t,v)/(\alpha_{\max}d_v)$. Rounds are independent, so $N$ is geometric with mean $1/a$,
# and $\Pr(\text{result}=x)=\sum_{j\ge1}(1-a)^{j-1}a_x=a_x/a=\alpha_{pq}(t,x)w_{vx}/Z(t,v)$, which is (7).
# The bound: $Z(t,v)\ge\alpha_{\min}d_v$.
# :::
#
# A round costs one first-order step (a binary search in the cumulative weights of $v$'s row) and one
# edge test $x\sim t$ (a binary search in the sorted edge list), whatever the degree; with $p=1$,
# $q=1/2$ (used below) $\mathbb E N\le2$. The course draws node2vec's steps this way
# (`method="rejection"`, the default of `graphs.random_walks`); `method="exact"` is there to compare.
#
# ### 2.3 Testing a sampler
#
# A sampler is right if its transitions follow (7). Given the state $s$ of a transition ($s=(t,v)$ for
# node2vec, $s=v$ for DeepWalk), let $N_s$ be the number of transitions out of $s$ in the walks and
# $N_{sx}$ those to $x$. Pearson's statistic
#
# \begin{equation*}X^2=\sum_s\sum_{x}\frac{(N_{sx}-N_sP_{sx})^2}{N_sP_{sx}}\tag{9}\end{equation*}
#
# is, for a Markov chain whose transition law is $P_{s\cdot}$, approximately $\chi^2$ with
# $\sum_s(k_s-1)$ degrees of freedom ($k_s$ the possible next nodes) once the expected counts
# $N_sP_{sx}$ are not too small — Anderson and Goodman's theorem, which we use without proof (it rests on
# the Markov property: given the state, each transition is a fresh draw). We test at level $0.01$:
# a correct sampler is rejected 1% of the time, and the walks are seeded, so each verdict below is
# reproducible. States whose smallest expected count is below 5 are left out, and for high-degree
# nodes we pool the next nodes into the three classes of {prf:ref}`thm-node2vec` (back / common
# neighbour / away), whose exact probabilities (7) gives.

# %% [markdown]
# ## 3. A reference implementation in NumPy
#
# A graph in **compressed sparse row** (CSR) form lists the neighbours of node $v$ as
# `indices[indptr[v]:indptr[v + 1]]`, with the edge weights alongside in `weights` (each undirected edge
# is stored twice, once per direction) — `scipy.sparse.csr_matrix(W)` gives exactly these three arrays.
#
# :::{exercise} 11.walk · DeepWalk's walk in NumPy
# :label: ex-11-walk
# :nonumber:
# Write `deepwalk_np(indptr, indices, weights, starts, length, rng)` returning a `(len(starts), length)`
# int64 array of first-order walks (1): walk `i` begins at `starts[i]`, and from node `v` the next node is
# a neighbour `x` drawn with probability $w_{vx}/d_v$. Advance all walks together, one step at a time
# (no Python loop over the walks), and draw every random number from the NumPy generator `rng`. Hint:
# the cumulative sum of `weights` lays the rows end to end.
# :::

# %%
def deepwalk_np(indptr, indices, weights, starts, length, rng):
    # YOUR CODE HERE
    raise NotImplementedError


# %%
deepwalk_np = lu.check("11.walk", deepwalk_np)

# %% [markdown] tags=["solution"]
# :::{solution} ex-11-walk
# :class: dropdown
# The course's solution, from `solutions/11_graph_embeddings.py` (in JupyterLab, print it with `lu.show_solution("11.walk")`):
# ```{literalinclude} ../solutions/11_graph_embeddings.py
# :pyobject: deepwalk_np
# ```
# :::

# %% [markdown]
# Your walks on the mushroom body (weights: synapses in either direction), tested with (9) against
# the exact law (1) at level 0.01 — every node a state, 50 walks of 80 nodes from each neuron.

# %%
import scipy.sparse as sp

C_mb = sp.csr_matrix(A_mb + A_mb.T)
walks_np = deepwalk_np(C_mb.indptr.astype(np.int64), C_mb.indices.astype(np.int64), C_mb.data,
                       np.arange(G_mb.n).repeat(50), 80, np.random.default_rng(0))
LEVEL = 0.01


def verdict(r, level=LEVEL):
    """One line about a walk_chi2 result: X², df, p-value against the level, how much of the walks it covers."""
    ok = r["pvalue"] >= level and r["impossible"] == 0
    return (f"X² = {r['statistic']:8.1f} on {r['df']:5d} df, p = {r['pvalue']:.3f} "
            f"({'consistent with' if ok else 'REJECTS'} the exact law at level {level}; "
            f"{100 * r['tested']:.0f}% of {r['n_transitions']} transitions in the states tested)")

# %% tags=["nbval-check-output"]
print("deepwalk_np, first-order:", verdict(graphs.walk_chi2(G_mb, torch.from_numpy(walks_np), order=1)))

# %% [markdown]
# ## 4. The course implementation and its oracles
#
# `lowdim_utils.graphs` holds the torch version the rest of the lesson uses:
#
# | function | what | equations |
# |---|---|---|
# | `csr_graph(W)` → `CSRGraph` (`.indptr`, `.indices`, `.weights`, `.degree`, `.has_edge`, `.edges()`, `.to_dense()`, `.to_torch_sparse()`) | an undirected weighted graph, validated (symmetric, non-negative, no self-loops, no isolated nodes) | |
# | `random_walks(G, length, p=, q=, method=)` | all walks advance one step at a time, as one batch; node2vec by rejection | (1), (6)–(8) |
# | `transition_probabilities`, `walk_chi2` | the exact law and the χ² test | (7), (9) |
# | `embed_walks`, `deepwalk`, `node2vec` | SGNS on the walks: lesson 09's `window_pairs` (windows stop at the end of a walk), `NegativeSampler`, `train_sgns` | |
# | `window_pair_matrix` | the pair law of a long stationary walk | (4) |
# | `split_edges`, `negative_edges`, `edge_features`, `link_auc`, `auc`, `classification_f1` | evaluation | (10) |
#
# Spectral embedding is lesson 07's `manifold.spectral_embedding` and FastRP lesson 02's
# `projections.fastrp`, imported, not copied. Node2vec's edge test $x\sim t$ is a binary search of
# the key $tn+x$ in the sorted keys $vn+u$ of the CSR entries; a first-order step is a binary search of
# a uniform number in the cumulative weights of $v$'s row (or an index computation when all weights are
# equal). Everything runs on the graph's device.
#
# **The walks against the exact law.** DeepWalk's walks on the mushroom body as for the reference; then
# node2vec's on the (weighted) karate club — every one of its 156 directed edges a state, all next
# nodes separate cells — with both samplers, and on the mushroom body with the three pooled classes
# (rejection only: exact normalisation is slow at its hubs, section 7), for two settings of $(p,q)$.
# Last, the test's *power*: node2vec's walks tested against DeepWalk's law.

# %%
karate = load("karate")
G_k = graphs.csr_graph(karate.W)                 # weighted by the number of contexts two members shared
settings = [(0.25, 4.0), (4.0, 0.25)]
tests = {"DeepWalk, mushroom body, first-order": graphs.walk_chi2(
    G_mb, graphs.random_walks(G_mb, 80, walks_per_node=50, generator=1), order=1)}
for p, q in settings:
    for method in ("rejection", "exact"):
        Wk = graphs.random_walks(G_k, 80, walks_per_node=100, p=p, q=q, method=method, generator=2)
        tests[f"node2vec p={p}, q={q}, {method:9s}, karate"] = graphs.walk_chi2(G_k, Wk, p=p, q=q)
    Wm = graphs.random_walks(G_mb, 80, walks_per_node=30, p=p, q=q, generator=3)
    tests[f"node2vec p={p}, q={q}, rejection, mushroom body (3 classes)"] = graphs.walk_chi2(G_mb, Wm, p=p, q=q,
                                                                                          cells="distance")
power = graphs.walk_chi2(G_k, Wk, p=1.0, q=1.0)   # the last karate walks (p=4, q=0.25) against p = q = 1

# %% tags=["nbval-check-output"]
for name, r in tests.items():
    print(f"{name:58s} {verdict(r)}")
print(f"{'the test can fail: node2vec (4, 0.25) walks vs DeepWalk law':58s} {verdict(power)}")

# %% [markdown]
# Every sampler passes at level 0.01, both node2vec samplers alike, and the test is far from
# toothless: the walks of $p=4$, $q=1/4$ against DeepWalk's law get a p-value of 0. On the mushroom
# body each of its 11 118 directed edges is a state of its own, visited a few dozen times, so even the
# pooled classes leave many states untested (the share tested is printed); what is tested is what $p$
# and $q$ change — the split between back, common neighbour and away.
#
# **The cost of rejection, against (8).** Each step's number of proposals is recorded; its mean over
# all steps should equal the mean of $\alpha_{\max}d_v/Z(t,v)$ over the states the walks visit.

# %%
def predicted_proposals(W, walks, p, q):
    """Mean of α_max d_v / Z(t, v) over the second-order steps of the walks, with Z from the closed form (7)
    computed in NumPy from the weights W (n, n): τ_tv = Σ_x [x ~ t] w_vx is the (t, v) entry of (W > 0) Wᵀ."""
    W = np.asarray(W, dtype=np.float64)
    w = lu.to_numpy(walks)
    t, v = w[:, :-2].ravel(), w[:, 1:-1].ravel()
    d, tau = W.sum(1), (W > 0).astype(np.float64) @ W.T
    Z = W[v, t] / p + tau[t, v] + (d[v] - W[v, t] - tau[t, v]) / q
    return float(np.mean(max(1 / p, 1.0, 1 / q) * d[v] / Z))


rows = []
for name, G, wpn in [("karate", G_k, 200), ("mushroom body", G_mb, 20)]:
    for p, q in [(1.0, 0.5), (0.25, 4.0), (4.0, 0.25)]:
        Wr, tries = graphs.random_walks(G, 80, walks_per_node=wpn, p=p, q=q, generator=4, return_proposals=True)
        rows.append((name, p, q, float(tries[:, 1:].double().mean()), predicted_proposals(G.to_dense(), Wr, p, q),
                     max(1 / p, 1, 1 / q) / min(1 / p, 1, 1 / q)))

# %% tags=["nbval-check-output"]
for name, p, q, measured, predicted, bound in rows:
    print(f"{name:14s} p={p:<4} q={q:<4}: {measured:.3f} proposals per step, Eq. (8) predicts {predicted:.3f} "
          f"(relative difference {abs(measured / predicted - 1):.3f}, must be < 0.02); bound α_max/α_min = {bound:g}")

# %% [markdown]
# The measured cost matches (8) and stays far below the worst case $\alpha_{\max}/\alpha_{\min}$: with
# $p=1/4$ the walk wants to go back, which rejection can only reach by proposing $t$ among all of
# $v$'s neighbours — on the mushroom body's hubs that takes several rounds.
#
# **Spectral embedding** is lesson 07's `manifold.spectral_embedding`, verified there against
# scikit-learn's `SpectralEmbedding` (to $10^{-6}$, on $k$-NN graphs). On a graph we pass the weights
# as a precomputed affinity; one more comparison, on the mushroom body, up to the sign of each column:

# %%
se_ours = manifold.spectral_embedding(G_mb.to_dense(), 8).embedding
se_sk = SpectralEmbedding(8, affinity="precomputed", eigen_solver="arpack", random_state=0).fit_transform(
    lu.to_numpy(G_mb.to_dense()))
se_sk = se_sk * np.sign((se_sk * lu.to_numpy(se_ours)).sum(0))
se_diff = np.abs(lu.to_numpy(se_ours) - se_sk).max() / np.abs(se_sk).max()

# %% tags=["nbval-check-output"]
print(f"spectral_embedding vs sklearn SpectralEmbedding (8 dims, mushroom body): relative difference "
      f"{'< 1e-08' if se_diff < 1e-8 else f'{se_diff:.1e}'} (must be < 1e-6)")

# %% [markdown]
# **{prf:ref}`thm-pairs`, measured.** Walks of 200 nodes on the karate club, started from the
# stationary distribution (starting nodes drawn with probability $\propto d_v$), fixed windows of
# $T=3$ (`window_pairs(..., dynamic=False)`): the frequencies of the (center, context) pairs against
# (4), as a total variation distance $\frac12\sum_{vu}|F_{vu}-M_{vu}|$. Started uniformly, as DeepWalk
# starts them, the law is slightly off — by how much?

# %%
def pair_frequencies(G, walks, window, dynamic):
    pairs = sgns.window_pairs(sgns.token_stream(walks), window, dynamic=dynamic, generator=5)
    F = torch.bincount(pairs[:, 0] * G.n + pairs[:, 1], minlength=G.n * G.n).reshape(G.n, G.n).double()
    return F / F.sum()


pi_k = G_k.degree / G_k.degree.sum()
starts_pi = torch.multinomial(pi_k, 20_000, replacement=True, generator=torch.Generator().manual_seed(6))
walks_pi = graphs.random_walks(G_k, 200, starts=starts_pi, generator=7)
walks_uniform = graphs.random_walks(G_k, 200, walks_per_node=600, generator=8)
M3 = graphs.window_pair_matrix(G_k.to_dense(), 3)
tv = {what: 0.5 * float((pair_frequencies(G_k, w, 3, False) - M3).abs().sum())
      for what, w in [("stationary starts", walks_pi), ("uniform starts", walks_uniform)]}
short = graphs.random_walks(G_k, 5, starts=starts_pi.repeat(3), generator=9)

# %% tags=["nbval-check-output"]
for what, d in tv.items():
    print(f"walks of 200 nodes, {what:17s}: total variation to (4) {d:.4f}")
print(f"(measurement noise for ~{4_000_000 // 1_000_000} million pairs on {34 * 34} cells: about 0.005; "
      f"must be < 0.01 for stationary starts: {'ok' if tv['stationary starts'] < 0.01 else 'FAILED'})")
print(f"walks of 5 nodes, stationary starts, dynamic windows: total variation to (4) "
      f"{0.5 * float((pair_frequencies(G_k, short, 3, True) - M3).abs().sum()):.4f}")

# %% [markdown]
# Long stationary walks match (4) to the noise of the measurement, and uniform starts are barely
# different, because the karate walk forgets where it started within a few steps. Short walks with
# word2vec's *dynamic* windows are another matter: the offsets are not used equally often.
#
# :::{exercise} 11.pairs · The law of a window pair (a derivation)
# :label: ex-11-pairs
# :nonumber:
# word2vec — and so DeepWalk, and `sgns.window_pairs` — uses a *dynamic* window: each center draws
# $b$ uniformly from $1,\dots,T$ and pairs with the contexts at distance at most $b$ on both sides.
# Derive the law of a (center, context) pair from walks of $L$ nodes started in the stationary
# distribution (2), and write `pair_law_np(W, window, length)` returning it as an `(n, n)` array (the
# expected number of times each pair occurs, divided by the expected number of pairs). Start from (3):
# which offsets $r$ appear, how often does a dynamic window reach $r$, and at how many positions of a walk
# of $L$ nodes does offset $r$ fit? The check compares your law with pair frequencies it measures on
# 200 000 walks.
# :::

# %%
def pair_law_np(W, window, length):
    # YOUR CODE HERE
    raise NotImplementedError


# %%
pair_law_np = lu.check("11.pairs", pair_law_np)

# %% [markdown] tags=["solution"]
# :::{solution} ex-11-pairs
# :class: dropdown
# The course's solution, from `solutions/11_graph_embeddings.py` (in JupyterLab, print it with `lu.show_solution("11.pairs")`):
# ```{literalinclude} ../solutions/11_graph_embeddings.py
# :pyobject: pair_law_np
# ```
# :::

# %% [markdown]
# **SGNS on the walks lands on (5).** With your law, lesson 09's theorem predicts the trained dot
# products: $w_v\cdot c_u=\log\frac{M_{vu}}{M_{v\cdot}P_n(u)}-\log k$, where $P_n$ is the negative
# sampler's distribution (visit counts to the power 3/4). We train SGNS (`graphs.embed_walks`, dimension
# 34 — enough to represent any 34 × 34 matrix — 5 negatives, 3 epochs) on the short stationary walks above
# and compare, over the pairs seen at least 100 times (lesson 09's `sgns.shifted_pmi_fit` does the
# bookkeeping; we pass it the exact law instead of the counts).

# %%
K_NEG = 5
M_dyn = torch.from_numpy(pair_law_np(lu.to_numpy(G_k.to_dense()), 3, 5))
model = graphs.embed_walks(short, G_k.n, 34, window=3, negatives=K_NEG, epochs=2, generator=10, return_model=True)
p_neg = sgns.negative_distribution(torch.bincount(short.reshape(-1), minlength=G_k.n))   # the sampler's P_n
n_pairs = sgns.window_pairs(sgns.token_stream(short), 3, generator=11).shape[0]
idx = M_dyn.nonzero().T                            # the pairs within 3 steps; expected counts = law × pairs
expected = torch.sparse_coo_tensor(idx, M_dyn[idx[0], idx[1]] * n_pairs, M_dyn.shape, check_invariants=False).coalesce()
fit = sgns.shifted_pmi_fit(model.center.data, model.context.data, expected, p_neg, K_NEG, min_count=100)

# %% tags=["nbval-check-output"]
print(f"SGNS on {short.shape[0]} walks of 5 nodes (karate): w·c against log(M / (M_v P_n)) − log {K_NEG} over "
      f"{fit['n_pairs']} pairs: Pearson {fit['pearson']:.3f} (must be > 0.9), slope {fit['slope']:.2f}, "
      f"mean gap {fit['mean_gap']:+.2f}")

# %% [markdown]
# The dot products follow the shifted PMI of the pair law with slope 1 and no offset, over the pairs
# seen often enough to be learned — DeepWalk is, to this accuracy, the factorisation (5) of a matrix
# built from powers of $P$ (here with word2vec's dynamic window, your law, in place of (4)).
#
# ## 5. The headline: accuracy and time, side by side
#
# Chen et al. claim that FastRP reaches the accuracy of DeepWalk and node2vec at a tiny fraction of their
# time. We measure it on three graphs, with four methods, three seeds each:
#
# - **karate club**: 34 members, 78 friendships (unweighted), label = the club each joined after the split;
# - **mushroom body**: the graph of synaptic partners, $W=A+A^\top$ (synapses in either direction,
#   weighted by their number) — the direction is lost (section 6 comes back to it); label = cell type;
# - **WordNet**: the noun synsets at most 4 hypernym links below `entity.n.01` with all five relations
#   (hypernym, instance, member/part/substance holonym) as undirected edges: 2274 nodes, 2382 edges;
#   label = the synset's supersense (lexicographer file), the 18 supersenses with at least 10 synsets
#   (the other 25 synsets stay in the graph and out of the probe).
#
# **Methods**, at one dimension per graph (16, 32, 64): DeepWalk (`graphs.deepwalk`: 10 walks of 40
# nodes per node on karate and the mushroom body, 4 walks of 20 on WordNet to keep the CPU run short;
# window 5, 5 negatives, one epoch), node2vec with $p=1$, $q=1/2$ (outward-exploring; fixed in advance,
# not tuned) and the same walks budget, spectral embedding (lesson 07) and FastRP (lesson 02's defaults:
# $\alpha=(0,1,1,1)$, $\beta=-0.5$, untuned).
#
# **Protocol.** For each seed: hold out edges for link prediction, keeping the rest connected
# (`graphs.split_edges`: a random spanning tree is kept, held-out edges are drawn from the others) — 20%
# on karate and the mushroom body, 4% on WordNet, which is nearly a tree: only 109 of its 2382 edges lie
# on a cycle, so the task there is to recover the extra links (second hypernyms, part and member links)
# from the taxonomy around them. Every method embeds the remaining graph, once; both tasks use that one
# embedding. *Node classification*: a logistic regression on the standardised embedding, trained on a
# stratified half of the nodes, scored by the **macro-F1** on the other half (the mean of the per-class F1
# scores: a small class counts as much as a big one), averaged over 5 splits. *Link prediction*
# (node2vec's protocol): a logistic regression on the Hadamard products $E_u\circ E_v$ of the training
# edges against as many **non-edges drawn uniformly** from the node pairs that are not edges of the *full*
# graph; its scores on the held-out edges against as many other uniform non-edges give the **AUC**,
#
# \begin{equation*}\operatorname{AUC}=\Pr(s^+>s^-)+\tfrac12\Pr(s^+=s^-),\tag{10}\end{equation*}
#
# for a random held-out edge's score $s^+$ and a random non-edge's $s^-$ (0.5 is chance). The wall time of
# each method is that of computing the embedding (walks and SGNS, the eigensolver, the projections),
# single-threaded for all, median over the seeds.

# %%
wn = load("wordnet_nouns", max_depth=4)
y_wn = wn.y.copy()
y_wn[np.bincount(y_wn)[y_wn] < 10] = -1
big = SCALE != "small"
walk_budget = {"karate": dict(walks_per_node=10, length=40), "mushroom body": dict(walks_per_node=10, length=40),
               "WordNet": dict(walks_per_node=10 if big else 4, length=40 if big else 20)}
datasets = {"karate": (graphs.csr_graph(karate.A), karate.y, 16, 0.2),
            "mushroom body": (G_mb, y_mb, 32, 0.2),
            "WordNet": (graphs.csr_graph(wn.adjacency), y_wn, 64, 0.04)}
methods = {
    "DeepWalk": lambda G, dim, s, wk: graphs.deepwalk(G, dim, generator=s, **wk),
    "node2vec (p=1, q=0.5)": lambda G, dim, s, wk: graphs.node2vec(G, dim, p=1.0, q=0.5, generator=s, **wk),
    "spectral": lambda G, dim, s, wk: manifold.spectral_embedding(G.to_dense(), dim).embedding,
    "FastRP": lambda G, dim, s, wk: projections.fastrp(G.to_torch_sparse(), dim, generator=s),
}
SEEDS = [0, 1, 2]
results = {}                                        # (graph, method) -> list of (macro-F1, AUC, seconds)
for name, seed in lu.progress_bar([(d, s) for d in datasets for s in SEEDS], desc="headline runs"):
    G, y, dim, frac = datasets[name]
    G_train, held_out = graphs.split_edges(G, frac, generator=seed)
    non_edges = graphs.negative_edges(G, G_train.n_edges + held_out.shape[0], generator=100 + seed)
    neg_train, neg_test = non_edges[:G_train.n_edges], non_edges[G_train.n_edges:]
    for method, embed in methods.items():
        with lu.threads(1):
            t0 = time.perf_counter()
            E = embed(G_train, dim, seed, walk_budget[name])
            seconds = time.perf_counter() - t0
        f1 = graphs.classification_f1(E, y, seed=seed)
        auc = graphs.link_auc(E, G_train.edges(), neg_train, held_out, neg_test)
        results.setdefault((name, method), []).append((f1, auc, seconds))

# %% tags=["nbval-check-output"]
print(f"{'graph':14s} {'method':22s} {'macro-F1 (mean ± std, 3 seeds)':>31s} {'link AUC (mean ± std)':>23s}")
for (name, method), r in results.items():
    r = np.array(r)
    print(f"{name:14s} {method:22s} {r[:, 0].mean():22.3f} ± {r[:, 0].std():.3f} {r[:, 1].mean():15.3f} ± {r[:, 1].std():.3f}")
print("FastRP against the better walk method (DeepWalk or node2vec) on each graph and task:")
gaps = {}
for name in datasets:
    for k, what in [(0, "macro-F1"), (1, "link AUC")]:
        fr = np.array(results[(name, "FastRP")])[:, k]
        best = max(["DeepWalk", "node2vec (p=1, q=0.5)"], key=lambda m: np.mean(np.array(results[(name, m)])[:, k]))
        bw = np.array(results[(name, best)])[:, k]
        gaps[(name, what)] = fr.mean() - bw.mean()
        spread = fr.std() + bw.std()
        print(f"  {name:14s} {what:8s}: {gaps[(name, what)]:+.3f} against {best:22s} (the two stds add to {spread:.3f}: "
              f"{'separated' if abs(gaps[(name, what)]) > spread else 'within the spread'})")
spec2 = [graphs.classification_f1(manifold.spectral_embedding(datasets["karate"][0].to_dense(), 2).embedding,
                                  karate.y, seed=s) for s in SEEDS]
print(f"spectral embedding of the (whole) karate club in 2 dimensions: macro-F1 {np.mean(spec2):.3f} ± {np.std(spec2):.3f}")

# %% [markdown]
# The same table's wall times (machine-dependent, so printed by an untagged cell), and the ratio the
# paper's claim is about:

# %%
print(f"{'graph':14s} " + "".join(f"{m:>24s}" for m in methods) + "   (median seconds, 1 thread)")
speedup, medians = {}, {}
for name in datasets:
    med = medians[name] = {m: float(np.median(np.array(results[(name, m)])[:, 2])) for m in methods}
    speedup[name] = (med["DeepWalk"] / med["FastRP"], med["node2vec (p=1, q=0.5)"] / med["FastRP"])
    print(f"{name:14s} " + "".join(f"{med[m]:24.4f}" for m in methods))
lo = min(min(v) for v in speedup.values())
hi = max(max(v) for v in speedup.values())
print(f"FastRP is {lo:,.0f}–{hi:,.0f} times faster than DeepWalk and node2vec on these graphs "
      f"(per graph, against DeepWalk / node2vec: " + "; ".join(f"{n} {a:,.0f}× / {b:,.0f}×" for n, (a, b) in speedup.items()) + ")")

# %% [markdown]
# What the run shows (accuracies from the tagged table above; they do not depend on the machine):
#
# - **Node classification: FastRP is comparable.** It is ahead of the better walk method on karate
#   (+0.020) and on the mushroom body (+0.014), both within the seeds' spread, and 0.011 behind DeepWalk on
#   WordNet (separated, but a hundredth of macro-F1, with spectral embedding and node2vec level with FastRP).
# - **Link prediction has no single winner**: FastRP is best on the mushroom body (0.918 against 0.866,
#   separated) and on karate (within the large spread of 17 held-out edges), and clearly worst on
#   WordNet (0.743 against 0.842 for node2vec and 0.864 for spectral embedding), where the held-out links
#   are the few that close cycles in a tree.
# - **Spectral embedding** is poor for classification on karate and the mushroom body at these dimensions:
#   its later eigenvectors are ever more oscillating functions on the graph, which the standardised probe
#   weighs as much as the first — with 2 dimensions instead of 16 it classifies the karate club as well as
#   the others (printed below the table); on the tree-like WordNet it is competitive.
# - **Time**: the walk methods spend it sampling walks and running SGD over every window pair; FastRP does
#   four sparse products. The ratio printed above is the paper's claim measured here.

# %%
f1_gap = max(abs(gaps[(n, "macro-F1")]) for n in datasets)
print(f"Paper vs. ours. Chen et al. report FastRP over 4,000 times faster than DeepWalk and node2vec with "
      f"comparable or better accuracy on several real-world networks (their abstract; the per-dataset scores "
      f"and timings are not checked here); we get, on three graphs of 34 to 2274 nodes, node classification within "
      f"{f1_gap:.3f} macro-F1 of the better walk method on every graph, link prediction better on two graphs and "
      f"worse on one, at {lo:,.0f}–{hi:,.0f} times less time; the difference in speed comes from scale — our walk "
      f"budgets are small (4–10 walks of 20–40 nodes per node, one epoch) and our graphs tiny, so DeepWalk took "
      f"{medians['WordNet']['DeepWalk']:.2f} s on WordNet here, not the hours the paper's graphs with millions of "
      f"edges need, while FastRP's {1e3 * medians['WordNet']['FastRP']:.1f} ms are largely fixed overheads.")

# %% [markdown]
# ## 6. The graph matters: direction in the connectome
#
# In the headline the mushroom body is the weak spot of every method (macro-F1 around 0.6): with
# $W=A+A^\top$ the projection, input and output neurons all look like "partners of Kenyon cells".
# Chen et al.'s thesis is that the similarity matrix, not the dimension reduction, makes the embedding.
# Test it: keep FastRP as it is and change the graph.
#
# :::{exercise} 11.graph · From synapses to a graph (an open experiment)
# :label: ex-11-graph
# :nonumber:
# Write `connectome_graph(A)` that turns the directed synapse counts `A` (n, n) into a symmetric,
# non-negative `(n, n)` weight matrix with a zero diagonal and no isolated neuron, such that FastRP
# (dimension 32, default settings) followed by the lesson's probe reaches a macro-F1 of at least 0.80 on
# the cell types — on the left hemisphere *and* on the right one, which the lesson never shows you
# (`load("mushroom_body", hemisphere="right")`, 213 neurons). Think about what two neurons of one type
# have in common; try a few constructions with the cell below the check (binary or counted synapses,
# logarithms, products of `A` with its transpose, sums of these).
# :::

# %%
def connectome_graph(A):
    # YOUR CODE HERE
    raise NotImplementedError


# %%
connectome_graph = lu.check("11.graph", connectome_graph)

# %% [markdown] tags=["solution"]
# :::{solution} ex-11-graph
# :class: dropdown
# The course's solution, from `solutions/11_graph_embeddings.py` (in JupyterLab, print it with `lu.show_solution("11.graph")`):
# ```{literalinclude} ../solutions/11_graph_embeddings.py
# :pyobject: connectome_graph
# ```
# :::

# %% [markdown]
# Your graph against the synaptic partners, with every method, three seeds each, the whole (left)
# connectome (no edges held out: classification only). DeepWalk appears twice: with the headline's 10
# walks of 40 nodes per neuron, and with 50.

# %%
W_yours = connectome_graph(mb.A.copy())
G_yours = graphs.csr_graph(W_yours)
density = G_yours.n_edges / (G_yours.n * (G_yours.n - 1) / 2)
compare = {}
graph_methods = {
    "DeepWalk, 10 walks per node": lambda G, s: graphs.deepwalk(G, 32, generator=s),
    "DeepWalk, 50 walks per node": lambda G, s: graphs.deepwalk(G, 32, walks_per_node=50, generator=s),
    "spectral": lambda G, s: manifold.spectral_embedding(G.to_dense(), 32).embedding,
    "FastRP": lambda G, s: projections.fastrp(G.to_torch_sparse(), 32, generator=s),
}
for gname, G in lu.progress_bar([("A + Aᵀ", G_mb), ("yours", G_yours)], desc="graphs"):
    for mname, f in graph_methods.items():
        compare[(gname, mname)] = [graphs.classification_f1(f(G, s), y_mb, seed=s) for s in SEEDS]

lam2 = {g: 1 - float(manifold.spectral_embedding(G.to_dense(), 1).eigenvalues[0]) for g, G in [("A + Aᵀ", G_mb), ("yours", G_yours)]}
pairs_per = sgns.window_pairs(sgns.token_stream(graphs.random_walks(G_yours, 40, walks_per_node=10, generator=0)),
                              5, generator=0).shape[0] / G_yours.n ** 2

# %% tags=["nbval-check-output"]
print(f"your graph: {G_yours.n_edges} edges ({100 * density:.0f}% of all pairs); A + Aᵀ: {G_mb.n_edges} edges")
print(f"second eigenvalue of P = D⁻¹W: {lam2['yours']:.2f} for your graph, {lam2['A + Aᵀ']:.2f} for A + Aᵀ; "
      f"10 walks of 40 nodes per neuron give {pairs_per:.0f} window pairs per (ordered) pair of neurons")
print(f"{'macro-F1, mean ± std over 3 seeds':34s} {'A + Aᵀ':>14s} {'your graph':>14s}")
for mname in graph_methods:
    a, b = np.array(compare[("A + Aᵀ", mname)]), np.array(compare[("yours", mname)])
    print(f"{mname:34s} {a.mean():8.3f} ± {a.std():.3f} {b.mean():8.3f} ± {b.std():.3f}")

# %% [markdown]
# With the course's solution — the co-connectivity $AA^\top+A^\top A$, which links neurons that synapse
# onto the same targets or receive from the same inputs — FastRP goes from 0.621 to 0.893 and spectral
# embedding from 0.333 to 0.842: the graph decided, the methods followed, as Chen et al. argue. DeepWalk
# gains only with more walks (0.623 with 10 per neuron, 0.821 with 50), while more walks on $A+A^\top$ do
# not help it. The co-connectivity graph is dense (73% of all pairs linked) and its walks forget their start
# faster (the second eigenvalue of $P$ printed above), so the types show only in small differences between
# transition probabilities, which a dozen window pairs per pair of neurons estimate too noisily; FastRP
# multiplies by $P$ exactly. Sampling noise is the price a walk method pays for never forming the matrix.
#
# ## 7. Scaling up
#
# Time per call over growing WordNet graphs (maximum depth 3 to 6: 254 to 20 790 nodes): the walks —
# the NumPy reference, the course's DeepWalk walk, node2vec by rejection and by exact normalisation —
# one walk of 20 nodes from every node; and the embeddings without walks: FastRP, and spectral embedding
# (the course's and scikit-learn's, up to 2274 nodes: they work on a dense $n\times n$ matrix here).

# %%
depths = [3, 4, 5, 6] if SCALE == "small" else [3, 4, 5, 6, 7]
bench = lu.Benchmark("WordNet noun graphs of growing depth", size_label="n (nodes)")
graph_stats = {}
for depth in lu.progress_bar(depths, desc="benchmark sizes"):
    Gd = graphs.csr_graph(load("wordnet_nouns", max_depth=depth).adjacency)
    n = Gd.n
    deg = (Gd.indptr[1:] - Gd.indptr[:-1]).double()
    _, tries_d = graphs.random_walks(Gd, 20, walks_per_node=1, p=1.0, q=0.5, generator=0, return_proposals=True)
    graph_stats[n] = (float(deg.mean()), float((deg ** 2).sum() / deg.sum()), float(tries_d[:, 1:].double().mean()))
    ip, ix, ww = (lu.to_numpy(t) for t in (Gd.indptr, Gd.indices, Gd.weights))
    bench.run("NumPy reference walk", n, deepwalk_np, ip, ix, ww, np.arange(n), 20, np.random.default_rng(0))
    bench.run("course DeepWalk walk", n, graphs.random_walks, Gd, 20, walks_per_node=1, generator=0)
    bench.run("node2vec walk, rejection", n, graphs.random_walks, Gd, 20, walks_per_node=1, p=1.0, q=0.5, generator=0)
    bench.run("node2vec walk, exact", n, graphs.random_walks, Gd, 20, walks_per_node=1, p=1.0, q=0.5,
              method="exact", generator=0)
    bench.run("FastRP (dim 64)", n, projections.fastrp, Gd.to_torch_sparse(), 64, generator=0)
    if n <= 2500:
        Wd = Gd.to_dense()
        bench.run("spectral (course, 16 dims)", n, manifold.spectral_embedding, Wd, 16, repeats=2)
        bench.run("sklearn SpectralEmbedding", n, lambda: SpectralEmbedding(
            16, affinity="precomputed", eigen_solver="arpack", random_state=0).fit_transform(lu.to_numpy(Wd)), repeats=2)
    if device.type != "cpu":
        Gg = Gd.to(device)
        bench.run(f"node2vec walk, rejection ({device.type})", n, graphs.random_walks, Gg, 20, walks_per_node=1,
                  p=1.0, q=0.5, generator=torch.Generator(device).manual_seed(0), device=device)
bench.plot()
plt.show()
bench.report()

# %% tags=["nbval-check-output"]
for n, (mean_deg, seen_deg, prop) in graph_stats.items():
    print(f"n = {n:6d}: mean degree {mean_deg:.2f}, degree a stationary walk sees Σd²/Σd = {seen_deg:5.1f}, "
          f"node2vec (p=1, q=0.5) proposals per step {prop:.2f}")

# %%
n_big = max(bench.table().index)
t = bench.table().loc[n_big]
print(f"at n = {n_big}: node2vec by rejection takes {t['node2vec walk, rejection'] * 1e3:.0f} ms, "
      f"{t['node2vec walk, exact'] / t['node2vec walk, rejection']:.1f}x less than exact normalisation; "
      f"the course's DeepWalk walk is {t['NumPy reference walk'] / t['course DeepWalk walk']:.1f}x "
      f"{'faster' if t['NumPy reference walk'] > t['course DeepWalk walk'] else 'slower'} than the NumPy reference; "
      f"FastRP takes {t['FastRP (dim 64)'] * 1e3:.1f} ms")
n_sp = max(n for n in bench.table().index if n <= 2500)
print(f"at n = {n_sp}: the course's spectral embedding / scikit-learn's = "
      f"{bench.ratio('spectral (course, 16 dims)', 'sklearn SpectralEmbedding', size=n_sp):.2f}")
for m in ["course DeepWalk walk", "node2vec walk, rejection", "node2vec walk, exact", "FastRP (dim 64)"]:
    print(f"{m:26s} log-log slope {bench.slope(m):.2f} (linear in n: 1)")

# %% [markdown]
# A walk step costs the same for every walk, so walking from every node costs $O(n\cdot L)$ binary
# searches, and FastRP $O(q\cdot\text{nnz}\cdot\text{dim})$: both linear in $n$ for these sparse graphs.
# The slopes printed above are this run's; below 1 means that at the smaller sizes the fixed cost of the
# 19 steps (a handful of tensor operations each) still dominates. Exact normalisation pays for the hubs
# at every step — the degree a stationary walk sees, $\sum_v\deg(v)^2/\sum_v\deg(v)$, is 5 to 25 times
# the mean degree on these graphs (printed above, with the proposals rejection needs);
# the ratio of the two samplers' times at the largest size is printed above too. The NumPy reference does the same binary searches as the course's walk;
# the course's runs unchanged on a GPU, where all walks step in parallel.
#
# ## 8. Explore: what p and q do to a walk
#
# On the karate club, a walk that just moved from member 0 to member 2. Left: the exact probabilities
# (7) of its next step (node size; green: where it came from, red: where it is), with the back /
# common-neighbour / away split. Right: how far 4000
# node2vec walks from member 0 get — the mean shortest-path distance from the start after each step —
# against DeepWalk's. Move $\log_2 q$: outward-exploring walks ($q<1$) travel further, inward ones stay.

# %% tags=["nbval-ignore-output"]
G_karate = graphs.csr_graph(karate.A)
pos = nx.spring_layout(karate.graph, seed=0)
hops = torch.from_numpy(np.array(nx.floyd_warshall_numpy(karate.graph, weight=None)))
t0_, v0_ = 0, 2


def mean_distance(p, q, seed=0):
    w = graphs.random_walks(G_karate, 12, starts=torch.zeros(4000, dtype=torch.long), p=p, q=q, generator=seed)
    return lu.to_numpy(hops[0][w].mean(0))


dw_dist = mean_distance(1.0, 1.0)


def draw(log2_q, log2_p):
    p, q = 2.0 ** log2_p, 2.0 ** log2_q
    _, nodes, probs = graphs.transition_probabilities(G_karate, [v0_], [t0_], p=p, q=q)
    size = np.full(G_karate.n, 30.0)
    size[lu.to_numpy(nodes)] = 30 + 1500 * lu.to_numpy(probs)
    kind = {int(x): ("back" if x == t0_ else "common" if karate.A[t0_, x] else "away") for x in lu.to_numpy(nodes)}
    share = {k: float(sum(pr for x, pr in zip(lu.to_numpy(nodes), lu.to_numpy(probs)) if kind[int(x)] == k))
             for k in ("back", "common", "away")}
    colors = ["C3" if i == v0_ else "C2" if i == t0_ else "C0" if i in kind else "0.8" for i in range(G_karate.n)]
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    nx.draw_networkx(karate.graph, pos, ax=axes[0], node_size=size, node_color=colors, font_size=6, edge_color="0.8")
    axes[0].set_title(f"next step from {v0_} (came from {t0_}): back {share['back']:.2f}, "
                      f"common {share['common']:.2f}, away {share['away']:.2f}", fontsize=9)
    axes[0].axis("off")
    axes[1].plot(dw_dist, "o-", color="0.5", label="DeepWalk (p = q = 1)")
    axes[1].plot(mean_distance(p, q), "o-", color="C3", label=f"node2vec p = {p:g}, q = {q:g}")
    axes[1].set_xlabel("step"); axes[1].set_ylabel("mean distance from the start (hops)")
    axes[1].set_ylim(0, 3); axes[1].legend(fontsize=8); axes[1].set_title("how far 4000 walks from member 0 get")
    plt.tight_layout()


lu.explore(draw, log2_q=(-3.0, 3.0, 0.5, -1.0), log2_p=(-2.0, 2.0, 0.5, 0.0))

# %% [markdown]
# ## Summary
#
# - DeepWalk is skip-gram on random walks; the window pairs of a stationary walk follow
#   $DP^r/\operatorname{vol}$ ({prf:ref}`thm-pairs`, measured to the sampling noise), so with lesson 09's
#   theorem DeepWalk factorises the shifted logarithm (5) of a sum of powers of $P$ — and the trained dot
#   products did follow it.
# - node2vec's biased walk is a Markov chain on directed edges with the exact law (7); rejection
#   sampling draws it exactly at a mean cost (8) of a few binary searches per step, independent of the
#   degree (section 7 times it against exact normalisation on WordNet's hubs). Pearson's χ² test of the
#   transitions (9) confirmed every sampler at level 0.01 and rejected a wrong law outright.
# - On the karate club, the mushroom body and WordNet, FastRP's node classification was within two
#   hundredths of macro-F1 of the better walk method, at a small fraction of its time (section 5 prints the
#   ratio; the paper reports over 4,000 at its scale); link prediction showed no single winner.
# - The graph built from the data mattered more than the method: linking neurons by shared inputs and
#   targets instead of by synapses lifted FastRP from about 0.6 to about 0.9 macro-F1 and
#   spectral embedding from about 0.3 to about 0.85; DeepWalk needed many more walks to follow,
#   because it estimates by sampling what FastRP computes.
#
# **Further reading.** Qiu et al. (2018) for the matrices behind DeepWalk, LINE and node2vec and their
# NetMF factorisation; Grover & Leskovec (2016), §3–4, for the $p$, $q$ experiments; Chen et al. (2019),
# §4–5, for FastRP's weights and degree normalisation; Yang, Shi et al., *KnightKing* (SOSP 2019), for
# rejection sampling of walks at scale. Lesson 12 embeds a hierarchy (WordNet's mammals) where Euclidean
# space runs out of room: in hyperbolic space.
