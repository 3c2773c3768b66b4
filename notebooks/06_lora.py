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
# # 06 · Low-rank adaptation (LoRA)
#
# **What you will learn**
# - why adapting a pretrained network to a new task can be done by training a *low-rank*
#   update $\Delta W = BA$ beside each frozen weight matrix, and what that saves;
# - the algebra of LoRA: the $\alpha/r$ scale, why $B$ starts at zero (the adapted model
#   starts *equal* to the pretrained one — proved below), merging $\Delta W$ into the weight
#   for free inference and taking it out again, and how the gradients of $A$ and $B$ are
#   the full gradient seen through the low-rank factors;
# - how to verify an implementation exactly: merged = unmerged, zero-init = pretrained,
#   gradients only where they belong, parameter counts in closed form, and equality with
#   Hugging Face `peft` for equal factors;
# - what a rank sweep looks like on real images (rank 1–4 already close most of the gap to
#   full fine-tuning with tens of times fewer trainable numbers), how SVD-based
#   initialisation compares, and why LoRA and full fine-tuning reach *different* weights
#   (singular spectra and *intruder dimensions*).
#
# **Prerequisites**: [lesson 01](01_pca_svd.ipynb) (the SVD and the best rank-$k$
# approximation) and [lesson 05](05_intrinsic_dimension.ipynb) (why fine-tuning is a
# low-dimensional problem); training a small network with PyTorch.
#
# **Papers**. E. J. Hu, Y. Shen, P. Wallis, Z. Allen-Zhu, Y. Li, S. Wang, L. Wang, W. Chen,
# *LoRA: Low-Rank Adaptation of Large Language Models*, ICLR 2022 (arXiv 2021) — the method
# of this lesson: freeze the pretrained weights and train a rank-$r$ product beside them.
# Work that builds on it:
# - *LaMDA: Large Model Fine-Tuning via Spectrally Decomposed Low-Dimensional Adaptation*
#   (Azizi, Kundu, Pedram 2024) freezes the first projection and trains only a small
#   $r\times r$ core (later freezing the second projection too), cutting trainable
#   parameters and memory further; its variant allocates ranks from the pretrained spectra.
# - *FLoRA: Low-Rank Core Space for N-dimension* (Si et al. 2024) extends the idea from
#   matrices to higher-order weight tensors (convolutions) with a Tucker-style core, instead
#   of flattening them into matrices.
# - *SVFit* (Sun et al. 2024) starts from the SVD of the pretrained weight and trains only
#   its top singular values, i.e. it rescales the principal directions.
# - *Sparse Low-rank Adaptation* (SoRA, Ding et al. 2023) puts a gate vector between $A$
#   and $B$ and drives it sparse with a proximal step, so the rank is learned rather than fixed.
# - *LoRA vs Full Fine-tuning: An Illusion of Equivalence* (Shuttleworth, Andreas, Torralba,
#   Sharma 2024) shows that even at equal accuracy the two reach structurally different
#   weights: LoRA creates new high-ranking singular vectors, *intruder dimensions*.
# - *Maestro: Uncovering Low-Rank Structures via Trainable Decomposition* (Horváth et al.
#   2024) trains layers in a factorised, ordered form and prunes the rank per layer.
# - PiSSA (Meng, Wang, Zhang 2024) initialises $A, B$ from the top singular vectors of the
#   pretrained weight — the "SVD initialisation" compared in section 6.

# %%
import lowdim_utils as lu  # first: it sets OMP_WAIT_POLICY before torch loads (steadier threads)
import copy
import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
from torch import nn

from lowdim_utils import lora, training
from lowdim_utils.data import list_datasets, load

device, SCALE, _ = lu.setup(seed=0)  # SCALE: "small" on a CPU by default; LOWDIM_SCALE=full for GPU-sized runs

# %% [markdown]
# ## 1. Motivation: one pretrained network, many tasks
#
# We pretrain a small multilayer perceptron on **five classes of Fashion-MNIST** (T-shirt,
# trouser, pullover, dress, coat) and then want it to recognise **the other five** (sandal,
# shirt, sneaker, bag, ankle boot). The new task needs a new output layer (a *head*); the
# question is what else to train:
#
# - **only the head** (a linear probe on the pretrained features): cheap, but the features
#   were learned for other classes;
# - **everything** (full fine-tuning): best accuracy, but every new task stores a full copy
#   of the network — for a large language model that is billions of numbers per task;
# - **LoRA**: freeze the pretrained weights and train, beside each weight matrix, a
#   low-rank update — a few thousand numbers here.
#
# Fashion-MNIST ships with the course (10 000 training and 2 000 test images, 28×28).

# %%
if "fashion_mnist" in list_datasets().index:
    train_set, test_set = load("fashion_mnist", split="train"), load("fashion_mnist", split="test")
    Xtr_all, ytr_all = train_set.X, train_set.y
    Xte_all, yte_all = test_set.X, test_set.y
    class_names, image_shape = list(train_set.class_names), (28, 28)
else:  # fallback: the 8×8 digits bundled with scikit-learn
    dg = load("digits")
    cut = int(0.8 * len(dg.y))
    Xtr_all, ytr_all, Xte_all, yte_all = dg.X[:cut], dg.y[:cut], dg.X[cut:], dg.y[cut:]
    class_names, image_shape = dg.target_names, (8, 8)

OLD, NEW = [0, 1, 2, 3, 4], [5, 6, 7, 8, 9]
scale_px = float(np.max(Xtr_all))
mean_px = (np.asarray(Xtr_all, np.float32) / scale_px)[np.isin(ytr_all, OLD)].mean(0)
std_px = float((np.asarray(Xtr_all, np.float32) / scale_px)[np.isin(ytr_all, OLD)].std())


def task(X, y, classes):
    """The images of `classes` (standardised with the pretraining statistics), labels 0..4."""
    keep = np.isin(y, classes)
    Xt = (np.asarray(X[keep], np.float32) / scale_px - mean_px) / std_px
    yt = np.searchsorted(classes, np.asarray(y[keep]))
    return torch.from_numpy(Xt).to(device), torch.from_numpy(yt).long().to(device)


XA, yA = task(Xtr_all, ytr_all, OLD)
XA_test, yA_test = task(Xte_all, yte_all, OLD)
XB, yB = task(Xtr_all, ytr_all, NEW)
XB_test, yB_test = task(Xte_all, yte_all, NEW)
print(f"old task: {len(yA)} train / {len(yA_test)} test images;  new task: {len(yB)} train / {len(yB_test)} test")

examples = [np.flatnonzero(ytr_all == c)[0] for c in OLD + NEW]
lu.show_images(np.asarray(Xtr_all)[examples], shape=image_shape, ncols=10, size=1.0,
               titles=[("pretrain: " if c in OLD else "new: ") + class_names[c].split("/")[0] for c in OLD + NEW])
plt.show()

# %% [markdown]
# The network: $784 \to h \to h \to 5$ with ReLUs, $h=128$ (512 with `LOWDIM_SCALE=full`).
# Training is the course's loop `lowdim_utils.training.fit` with the cross-entropy loss: Adam
# on the trainable parameters, mini-batches of 250 in a random order drawn from the seed
# `generator=0` — the same order for every run, so every run is reproducible. `fit` returns a
# history whose `"loss"` entry is the mean training loss of each epoch; `training.accuracy`
# evaluates a model in eval mode.

# %%
HIDDEN = 128 if SCALE == "small" else 512
EPOCHS = 10 if SCALE == "small" else 20
RANKS = [1, 2, 4, 8, 16] if SCALE == "small" else [1, 2, 4, 8, 16, 32, 64]
ALPHAS = [2, 16, 64]          # the scale numerator α; the update is multiplied by α / r
ALPHA = 16                   # the default α of the rank sweep
LR_FULL, LR_LORA = 1e-3, 3e-3
TRAIN = dict(epochs=EPOCHS, batch_size=250, generator=0)  # the same schedule and batch order for every run


class MLP(nn.Module):
    def __init__(self, d_in=XA.shape[1], hidden=HIDDEN, n_out=5):
        super().__init__()
        self.fc1, self.fc2, self.head = nn.Linear(d_in, hidden), nn.Linear(hidden, hidden), nn.Linear(hidden, n_out)

    def forward(self, x):
        return self.head(torch.relu(self.fc2(torch.relu(self.fc1(x)))))


lu.seed_everything(0)
pretrained = MLP().to(device)
training.fit(pretrained, training.cross_entropy, (XA, yA), lr=1e-3, desc="pretraining", **TRAIN)
for p in pretrained.parameters():
    p.requires_grad_(False)
print(f"pretrained network, old task test accuracy: {training.accuracy(pretrained, XA_test, yA_test):.3f}")

# %% tags=["nbval-check-output"]
print("pretrained network, old task test accuracy above 0.85:", training.accuracy(pretrained, XA_test, yA_test) > 0.85)
print(f"parameters: {training.count_parameters(pretrained, trainable_only=False)}")

# %% [markdown]
# ## 2. Derivation
#
# A pretrained linear layer computes $y = W_0x + b$ with $W_0\in\mathbb R^{d\times k}$
# ($d$ outputs, $k$ inputs). Full fine-tuning learns a new $W = W_0+\Delta W$ with all $dk$
# entries free. LoRA restricts the update to rank at most $r\ll\min(d,k)$:
#
# \begin{equation*}y = W_0x + b + \frac{\alpha}{r}\,B A x,\qquad B\in\mathbb R^{d\times r},\ A\in\mathbb R^{r\times k},
# \qquad \Delta W = \frac{\alpha}{r} BA.\tag{1}\end{equation*}
#
# $W_0$ and $b$ are frozen; only $A$ and $B$ are trained. In code, with a batch as the rows
# of $X$, it is `X @ W0.T + b + s * (X @ A.T) @ B.T` with $s=\alpha/r$: two thin products
# that never form the $d\times k$ matrix $BA$.
#
# **Parameter count.** One adapter trains
#
# \begin{equation*}r(d+k)\quad\text{numbers instead of}\quad dk,\tag{2}\end{equation*}
#
# a fraction $r(d+k)/(dk)$ — for a $4096\times4096$ attention matrix and $r=8$, 0.4 %.
# Nothing else changes: optimiser state (Adam keeps two numbers per trained parameter) and
# the stored checkpoint per task shrink by the same factor.
#
# **Initialisation.** $A$ starts random (like an `nn.Linear` weight) and $B$ starts at
# zero. The reason is a guarantee:
#
# :::{prf:proposition} Zero-initialised adapters change nothing
# :label: prop-zero-init
# If $B=0$ in every adapter, the adapted network computes exactly the pretrained network's
# function, for every input and every $A$, $\alpha$, $r$. Moreover, at such a point the
# gradient of the loss with respect to every $A$ is zero, and with respect to $B$ it is
# $\frac{\alpha}{r}\,G A^\top$, where $G$ is the gradient with respect to the full weight.
# :::
#
# :::{prf:proof}
# With $B=0$, $\Delta W = \frac{\alpha}{r}BA = 0$, so each adapted layer computes $W_0x+b$,
# the pretrained layer; composing layers, the whole network is unchanged. The gradient
# formulas are the case $B=0$ of {prf:ref}`prop-lora-grad` below: $\partial L/\partial A =
# \frac{\alpha}{r}B^\top G = 0$.
# :::
#
# So training *starts at the pretrained model* (no initial damage), and the first step moves
# only $B$. Had we set both to zero, both gradients would vanish and nothing would ever
# train; had we set both random, the network would start with a random perturbation.
#
# **Merge and unmerge.** Because (1) is linear in the weight,
#
# \begin{equation*}W_0x + b + \Delta W x = (W_0+\Delta W)\,x + b.\tag{3}\end{equation*}
#
# After training, *merging* replaces $W_0$ by $W_0+\Delta W$ and drops the adapter:
# inference then costs exactly what the pretrained layer cost. *Unmerging* subtracts
# $\Delta W$ again — exact in exact arithmetic; in floating point $(W_0+\Delta W)-\Delta W$
# differs from $W_0$ by a rounding error of about $\varepsilon\,(|W_0|+|\Delta W|)$ per entry
# ($\varepsilon\approx10^{-16}$ in float64, $6\cdot10^{-8}$ in float32). One frozen $W_0$ can
# so serve many tasks, switching adapters by unmerge/merge.
#
# **Gradients.** Let $G=\partial L/\partial W$ be the gradient the loss would give the full
# weight at $W=W_0+\Delta W$ (for a linear layer, $G=\sum_i \delta_i x_i^\top$ with
# $\delta_i = \partial L/\partial y_i$).
#
# :::{prf:proposition} The LoRA gradients are the full gradient seen through the factors
# :label: prop-lora-grad
# With $s=\alpha/r$,
#
# \begin{equation*}\frac{\partial L}{\partial B} = s\,G A^\top\in\mathbb R^{d\times r},\qquad
# \frac{\partial L}{\partial A} = s\,B^\top G\in\mathbb R^{r\times k}.\tag{4}\end{equation*}
#
# One step of gradient descent with step size $\eta$ on $A$ and $B$ changes $\Delta W$, to
# first order in $\eta$, by
#
# \begin{equation*}\delta(\Delta W) = -\eta\, s^2\big(G A^\top A + B B^\top G\big).\tag{5}\end{equation*}
# :::
#
# :::{prf:proof}
# $L$ depends on $A, B$ only through $W = W_0 + sBA$. For perturbations $dA, dB$,
# $dW = s\,(dB\,A + B\,dA)$ and $dL = \langle G, dW\rangle = \operatorname{tr}(G^\top dW)$, so
# $dL = s\operatorname{tr}(G^\top dB\,A) + s\operatorname{tr}(G^\top B\,dA)
# = \langle sGA^\top, dB\rangle + \langle sB^\top G, dA\rangle$ by the cyclic property of
# the trace, which gives (4). The step moves $B$ by $-\eta sGA^\top$ and $A$ by
# $-\eta sB^\top G$; then $\Delta W = sBA$ moves by
# $s(-\eta sGA^\top)A + sB(-\eta sB^\top G) + O(\eta^2)$, which is (5).
# :::
#
# Read (5) as a projection: $A^\top A$ acts on the *input* side (a rank-$r$ operator whose
# range is the row space of $A$), $BB^\top$ on the *output* side. Full fine-tuning would move
# $W$ by $-\eta G$; LoRA moves it by the full gradient *squeezed through two rank-$r$
# subspaces*. At the start ($B=0$) only the first term remains: the full gradient restricted
# to the $r$ random input directions spanned by $A$'s rows. The trained subspaces then
# rotate towards where the gradient lives — which is why a small $r$ can work when the
# useful update is close to low rank ([lesson 05](05_intrinsic_dimension.ipynb): fine-tuning
# has a low intrinsic dimension).
#
# **Why $\alpha/r$?** Hu et al. scale by $\alpha/r$ and keep $\alpha$ fixed when they change
# $r$, so that changing the rank does not require re-tuning the learning rate: with Adam,
# every entry of $A$ and $B$ moves by about the learning rate per step regardless of the
# gradient's size, and the $1/r$ keeps the size of $\Delta W$'s change comparable across
# ranks. Changing $\alpha$ is then roughly like changing the learning rate (section 8 lets
# you try).
#
# **SVD initialisation.** Instead of a random $A$ and a zero $B$ one can start from the SVD
# $W_0=U\Sigma V^\top$ (lesson 01): put the top-$r$ part in the adapter and keep the residual
# frozen,
#
# \begin{equation*}B = U_r\Sigma_r^{1/2}/\sqrt s,\quad A=\Sigma_r^{1/2}V_r^\top/\sqrt s,\quad
# W_{\text{res}} = W_0 - U_r\Sigma_rV_r^\top,\tag{6}\end{equation*}
#
# so that $W_{\text{res}}+sBA=W_0$: the model again starts unchanged, but now training moves
# the *principal* directions of the pretrained weight (PiSSA). The same formula with any
# matrix $M$ in place of $W_0$ (e.g. a full fine-tuning update) puts the best rank-$r$
# approximation of $M$ into the adapter (Eckart–Young, lesson 01).

# %% [markdown]
# ## 3. A reference implementation
#
# :::{exercise} 06.forward · The LoRA forward pass
# :label: ex-06-forward
# :nonumber:
# Write `lora_forward(x, W0, b0, A, B, alpha)` for a batch `x: (n, k)`, the frozen
# `W0: (d, k)` and `b0: (d,)`, and the factors `A: (r, k)`, `B: (d, r)`: return
# $xW_0^\top + b_0 + \frac{\alpha}{r}(xA^\top)B^\top$ of shape `(n, d)`, Eq. (1), without
# forming `B @ A` and without modifying the inputs.
# :::

# %%
def lora_forward(x, W0, b0, A, B, alpha):
    # YOUR CODE HERE
    raise NotImplementedError


# %%
lora_forward = lu.check("06.forward", lora_forward)

# %% [markdown] tags=["solution"]
# :::{solution} ex-06-forward
# :class: dropdown
# The course's solution, from `solutions/06_lora.py` (in JupyterLab, print it with `lu.show_solution("06.forward")`):
# ```{literalinclude} ../solutions/06_lora.py
# :pyobject: lora_forward
# ```
# :::

# %% [markdown]
# :::{exercise} 06.grads · Gradients of the factors
# :label: ex-06-grads
# :nonumber:
# Write `lora_grads(G, A, B, scaling)` that returns the pair `(grad_A, grad_B)` of
# {prf:ref}`prop-lora-grad`, given the full-weight gradient `G: (d, k)`, the factors and
# the scale $s$ = `scaling`.
# :::

# %%
def lora_grads(G, A, B, scaling):
    # YOUR CODE HERE
    raise NotImplementedError


# %%
lora_grads = lu.check("06.grads", lora_grads)

# %% [markdown] tags=["solution"]
# :::{solution} ex-06-grads
# :class: dropdown
# The course's solution, from `solutions/06_lora.py` (in JupyterLab, print it with `lu.show_solution("06.grads")`):
# ```{literalinclude} ../solutions/06_lora.py
# :pyobject: lora_grads
# ```
# :::

# %% [markdown]
# ## 4. The course implementation and its checks
#
# `lowdim_utils.lora` holds what the rest of the course uses:
#
# - `LoRALinear(base, r, alpha, dropout)` wraps a frozen `nn.Linear` with `lora_A: (r, k)`
#   (uniform init, like `nn.Linear`) and `lora_B: (d, r)` (zeros), with `merge()`,
#   `unmerge()`, `delta_weight()` and `effective_weight()`;
# - `apply_lora(model, r, alpha, target=[...], trainable=[...])` swaps the chosen `Linear`
#   layers for adapters, freezes everything else except the modules named in `trainable`
#   (here: the new head), and checks every argument (`r` out of range for a layer,
#   `alpha ≤ 0`, a target that is not a `Linear`, … raise errors that say so);
# - `svd_init(layer, source)` (Eq. (6)), `merge_all`, `unmerge_all`; and
#   `lowdim_utils.training.count_parameters(model)`, which counts the trainable numbers (what an
#   optimiser updates; `trainable_only=False` counts all of them).
#
# First, the reference implementation against the course layer, and the exact checks of
# section 2, all in float64 on one pretrained layer.

# %% tags=["nbval-check-output"]
base64 = copy.deepcopy(pretrained.fc1).cpu().double()   # exact checks: float64 on the CPU
layer = lora.LoRALinear(copy.deepcopy(base64), r=4, alpha=16, generator=torch.Generator().manual_seed(1))
x64 = XB_test[:64].cpu().double()

same_at_init = torch.equal(layer(x64), base64(x64))
with torch.no_grad():
    # pretend it was trained: random B (drawn on the CPU so that the seed means the same everywhere)
    layer.lora_B.copy_(torch.randn(layer.lora_B.shape, generator=torch.Generator().manual_seed(2), dtype=torch.float64))
    out_unmerged = layer(x64)
    ref = lora_forward(x64, base64.weight, base64.bias, layer.lora_A, layer.lora_B, 16)
    layer.merge()
    out_merged = layer(x64)
    layer.unmerge()
print("zero-init B: output equals the pretrained layer's exactly:", same_at_init)
print("reference lora_forward = course LoRALinear (max |Δ| < 1e-12):", float((ref - out_unmerged).abs().max()) < 1e-12)
print("merged = unmerged (max |Δ| < 1e-12)                      :", float((out_merged - out_unmerged).abs().max()) < 1e-12)
print("unmerge restores W0 (max |Δ| < 1e-12)                    :",
      float((layer.base.weight - base64.weight).abs().max()) < 1e-12)
print("rank of ΔW                                               :", int(torch.linalg.matrix_rank(layer.delta_weight())))

# %% [markdown]
# Next, {prf:ref}`prop-lora-grad` against autograd: the full gradient $G$ comes from a plain
# `nn.Linear` holding the merged weight $W_0+\Delta W$, the factor gradients from the
# adapter itself, on the same loss.

# %% tags=["nbval-check-output"]
plain = nn.Linear(base64.in_features, base64.out_features).double()
with torch.no_grad():
    plain.weight.copy_(base64.weight + layer.delta_weight())
    plain.bias.copy_(base64.bias)
target_out = torch.randn(len(x64), base64.out_features, generator=torch.Generator().manual_seed(3),
                         dtype=torch.float64)
((plain(x64) - target_out) ** 2).mean().backward()
layer.zero_grad()
((layer(x64) - target_out) ** 2).mean().backward()
gA, gB = lora_grads(plain.weight.grad, layer.lora_A.detach(), layer.lora_B.detach(), layer.scaling)
print("∂L/∂A = s Bᵀ G matches autograd:", torch.allclose(gA, layer.lora_A.grad, rtol=1e-10, atol=1e-12))
print("∂L/∂B = s G Aᵀ matches autograd:", torch.allclose(gB, layer.lora_B.grad, rtol=1e-10, atol=1e-12))
print("frozen W0 and b received no gradient:", layer.base.weight.grad is None and layer.base.bias.grad is None)

# %% [markdown]
# Now the whole network: `apply_lora` on `fc1` and `fc2`, with the new head trainable.
# The count of trainable numbers must be $r(d+k)$ per adapted layer (Eq. (2)) plus the head,
# the adapted network must compute exactly what the pretrained body computes, and a
# backward pass must reach only the adapters and the head.

# %% tags=["nbval-check-output"]
def new_head_model(seed=1):
    """The pretrained body with a fresh 5-way head for the new task (everything trainable)."""
    m = copy.deepcopy(pretrained)
    m.head = nn.Linear(HIDDEN, 5).to(device)
    with torch.no_grad():
        g = torch.Generator().manual_seed(seed)
        bound = 1 / math.sqrt(HIDDEN)
        m.head.weight.copy_(torch.empty_like(m.head.weight, device="cpu").uniform_(-bound, bound, generator=g))
        m.head.bias.copy_(torch.empty_like(m.head.bias, device="cpu").uniform_(-bound, bound, generator=g))
    for p in m.parameters():
        p.requires_grad_(True)
    return m


def lora_model(r, alpha=ALPHA, init="standard", seed=1):
    m = lora.apply_lora(new_head_model(seed), r, alpha, target=["fc1", "fc2"], trainable=["head"],
                        generator=torch.Generator().manual_seed(100 + seed))
    if init == "svd":
        for layer_ in lora.lora_layers(m).values():
            lora.svd_init(layer_, "weight")
    return m


reference_net = new_head_model()
m4 = lora_model(4)
head_params = sum(p.numel() for p in m4.head.parameters())
expected = 4 * (XA.shape[1] + HIDDEN) + 4 * (HIDDEN + HIDDEN) + head_params
nn.functional.cross_entropy(m4(XB[:100]), yB[:100]).backward()
with_grad = sorted(n for n, p in m4.named_parameters() if p.grad is not None)
print("trainable numbers at r=4:", training.count_parameters(m4), "= r(d+k) per layer + head:",
      training.count_parameters(m4) == expected)
print("full fine-tuning trains  :", training.count_parameters(reference_net))
print("adapted net = pretrained body + new head at init:", torch.equal(m4(XB_test), reference_net(XB_test)))
print("parameters that got a gradient:", with_grad)

# %% [markdown]
# **The oracle: Hugging Face `peft`.** If `peft` is installed, we wrap the same network with
# its `LoraConfig(r, lora_alpha, target_modules)`, copy our $A$ and $B$ into its adapters
# and compare outputs, parameter counts and the merged network (`merge_and_unload`), in
# float64. (`peft` is optional: the cell says so and moves on when it is missing.)

# %%
try:
    import peft
except ImportError:
    peft = None
    print("peft is not installed: skipping the oracle comparison (pip install peft to run it).")

if peft is not None:
    ours = lora_model(4).cpu().double()
    with torch.no_grad():
        for layer_ in lora.lora_layers(ours).values():
            layer_.lora_B.copy_(torch.randn(layer_.lora_B.shape, generator=torch.Generator().manual_seed(5),
                                            dtype=torch.float64))
    theirs = peft.get_peft_model(new_head_model().cpu().double(),
                                 peft.LoraConfig(r=4, lora_alpha=ALPHA, target_modules=["fc1", "fc2"],
                                                 lora_dropout=0.0, modules_to_save=["head"]))
    with torch.no_grad():
        for name in ["fc1", "fc2"]:
            their_layer = theirs.base_model.model.get_submodule(name)
            their_layer.lora_A["default"].weight.copy_(getattr(ours, name).lora_A)
            their_layer.lora_B["default"].weight.copy_(getattr(ours, name).lora_B)
        xb = XB_test.cpu().double()
        diff = float((ours(xb) - theirs(xb)).abs().max())
        n_theirs = sum(p.numel() for p in theirs.parameters() if p.requires_grad)
        merged_theirs = theirs.merge_and_unload()
        diff_merged = float((lora.merge_all(ours)(xb) - merged_theirs(xb)).abs().max())
    print(f"peft {peft.__version__}: max |ours − peft| = {diff:.1e}; merged: {diff_merged:.1e}; "
          f"trainable numbers {training.count_parameters(ours)} (ours) vs {n_theirs} (peft)")

# %% [markdown]
# Both compute Eq. (1) with the same scale $\alpha/r$, so the outputs agree to rounding
# (~1e-15 in float64), and both count the same trainable numbers.
#
# ## 5. The headline: a rank sweep against full fine-tuning
#
# On the new task (5 000 training images) we train, from the same pretrained network and
# the same fresh head:
#
# - **head only** (the linear probe), learning rate $3\cdot10^{-3}$;
# - **full fine-tuning** of all layers, learning rate $10^{-3}$ (Adam's usual value; smaller
#   ones were worse in a quick search);
# - **LoRA** on `fc1` and `fc2` with ranks $r\in\{1,2,4,8,16\}$, $\alpha\in\{2,16,64\}$,
#   learning rate $3\cdot10^{-3}$ (adapters usually want a larger one than full
#   fine-tuning), standard and SVD initialisation (Eq. (6), at $\alpha=16$).
#
# Every run records the test accuracy on the new task, the accuracy on the **old** task with
# the old head put back (how much the body forgot), and the singular values of the weight
# updates.

# %%
def weight_update(model, name):
    """ΔW of layer `name` relative to the pretrained weight (whatever the parameterisation)."""
    mod = getattr(model, name)
    W = mod.effective_weight() if isinstance(mod, lora.LoRALinear) else mod.weight.detach()
    return (W - getattr(pretrained, name).weight).detach().cpu().double()


def old_task_accuracy(model):
    m = copy.deepcopy(model)
    m.head = pretrained.head
    return training.accuracy(m, XA_test, yA_test)


def record(model, losses, **info):
    return dict(info, new_acc=training.accuracy(model, XB_test, yB_test), old_acc=old_task_accuracy(model),
                trainable=training.count_parameters(model), losses=losses,
                sv={n: lu.to_numpy(torch.linalg.svdvals(weight_update(model, n))) for n in ("fc1", "fc2")},
                W={n: getattr(pretrained, n).weight.detach().cpu().double() + weight_update(model, n) for n in ("fc1", "fc2")})


runs = []
grid = [(r, a, "standard") for a in ALPHAS for r in RANKS] + [(r, ALPHA, "svd") for r in RANKS]
lu.seed_everything(0)
m_full = new_head_model()
hist = training.fit(m_full, training.cross_entropy, (XB, yB), lr=LR_FULL, progress=False, **TRAIN)
runs.append(record(m_full, hist["loss"], method="full fine-tuning", r=None, alpha=None))
m_head = new_head_model()
for n_, p in m_head.named_parameters():
    p.requires_grad_(n_.startswith("head"))
hist = training.fit(m_head, training.cross_entropy, (XB, yB), lr=LR_LORA, progress=False, **TRAIN)
runs.append(record(m_head, hist["loss"], method="head only", r=0, alpha=None))
for r, a, init in lu.progress_bar(grid, desc="LoRA runs"):
    m = lora_model(r, a, init)
    hist = training.fit(m, training.cross_entropy, (XB, yB), lr=LR_LORA, progress=False, **TRAIN)
    runs.append(record(m, hist["loss"], method=f"LoRA ({init} init)", r=r, alpha=a))

results = pd.DataFrame([{k: v for k, v in run.items() if k not in ("losses", "sv", "W")} for run in runs])
results = results.astype({"r": "Int64", "alpha": "Int64"})
full_run, head_run = runs[0], runs[1]


def lora_run(r, alpha=ALPHA, init="standard"):
    return next(x for x in runs if x["method"] == f"LoRA ({init} init)" and x["r"] == r and x["alpha"] == alpha)


sweep = results[(results.alpha == ALPHA).fillna(False) | results.alpha.isna()]
sweep.round(3)

# %%
fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
ax = axes[0]
for init, marker in [("standard", "o-"), ("svd", "s--")]:
    rows = [lora_run(r, ALPHA, init) for r in RANKS]
    ax.plot([x["trainable"] for x in rows], [x["new_acc"] for x in rows], marker, label=f"LoRA, {init} init (α={ALPHA})")
    if init == "standard":
        for x in rows:
            ax.annotate(f"r={x['r']}", (x["trainable"], x["new_acc"]), textcoords="offset points", xytext=(-8, 7),
                        fontsize=8)
ax.plot(full_run["trainable"], full_run["new_acc"], "*", ms=13, color="C3", label="full fine-tuning")
ax.plot(head_run["trainable"], head_run["new_acc"], "D", color="gray", label="head only")
ax.axhline(full_run["new_acc"], color="C3", ls=":", lw=1)
ax.set_xscale("log")
ax.set_xlabel("trainable numbers (log scale)")
ax.set_ylabel("test accuracy, new task")
ax.set_title("Accuracy vs trainable parameters")
ax.legend(loc="lower right")
ax = axes[1]
for label, run in [("full fine-tuning", full_run), ("head only", head_run)] + \
        [(f"LoRA r={r}", lora_run(r)) for r in (1, 4, 16)]:
    ax.plot(np.arange(1, EPOCHS + 1), run["losses"], label=label)
ax.set_yscale("log")
ax.set_xlabel("epoch")
ax.set_ylabel("training loss")
ax.set_title("Training curves on the new task")
ax.legend()
plt.tight_layout()
plt.show()
acc_full, acc_head = full_run["new_acc"], head_run["new_acc"]
acc = {r: lora_run(r)["new_acc"] for r in RANKS}
print(f"accuracy, new task: head only {acc_head:.3f}, full fine-tuning {acc_full:.3f}, "
      + ", ".join(f"LoRA r={r} {a:.3f}" for r, a in acc.items()))

# %% tags=["nbval-check-output"]
print("LoRA r=1 closes more than half of the gap head-only → full:", (acc[1] - acc_head) > 0.5 * (acc_full - acc_head))
print("LoRA r=4 within 2 points of full fine-tuning             :", acc[4] > acc_full - 0.02)
print("best LoRA rank within 1 point of full fine-tuning        :", max(acc.values()) > acc_full - 0.01)
print(f"trainable numbers, full / LoRA r=4: {full_run['trainable'] / lora_run(4)['trainable']:.0f}×")

# %% [markdown]
# Rank 1 — a single direction per layer — already recovers most of what full fine-tuning
# gains over the linear probe, and ranks 4–16 come within about a point of it while training
# 6–22 times fewer numbers (in the paper's GPT-3 setting, about ten thousand times fewer).
# Hu et al. report the same shape on language models: on GPT-3 175B LoRA performs on par
# with full fine-tuning, and in their rank study a rank as small as 1–2 is already
# competitive, with little gained from larger $r$. At our scale the curve is noisier (one
# test image is 0.1 point) but the trend is the paper's.
#
# The **SVD initialisation** (dashed) is about as accurate as the standard one here; its
# price shows on the old task below.

# %% [markdown]
# ## 6. Are LoRA and full fine-tuning the same solution?
#
# **Is the full fine-tuning update low-rank?** Take full fine-tuning's $\Delta W$ of both
# layers, keep only its best rank-$r$ approximation (`svd_init` with the update as source:
# Eq. (6) with $M=\Delta W$) and evaluate, without any further training, with full
# fine-tuning's head. Compare with LoRA *trained* at rank $r$.

# %%
def truncated_full_update(r):
    m = lora.apply_lora(copy.deepcopy(pretrained), r, ALPHA, target=["fc1", "fc2"])
    m.head = copy.deepcopy(m_full.head)
    for name, layer_ in lora.lora_layers(m).items():
        lora.svd_init(layer_, weight_update(m_full, name).float(), keep_output=False)
    return training.accuracy(m, XB_test, yB_test)


truncated = {r: truncated_full_update(r) for r in RANKS}
energy = {n: np.cumsum(full_run["sv"][n] ** 2) / np.sum(full_run["sv"][n] ** 2) for n in ("fc1", "fc2")}
print("rank r                          :", RANKS)
print("full update truncated to rank r :", [round(truncated[r], 3) for r in RANKS])
print("LoRA trained at rank r          :", [round(acc[r], 3) for r in RANKS])
print("directions holding 90% of the full update's energy (fc1, fc2):",
      [int(np.searchsorted(energy[n], 0.9) + 1) for n in ("fc1", "fc2")])

# %% tags=["nbval-check-output"]
print("LoRA r=1 beats the rank-1 truncation of full fine-tuning by > 20 points:", acc[1] - truncated[1] > 0.20)
print("the full update of fc1 needs more than 10 directions for 90% of its energy:",
      bool(np.searchsorted(energy["fc1"], 0.9) + 1 > 10))

# %% [markdown]
# Full fine-tuning's update is *not* low-rank: 90 % of its energy (sum of squared singular
# values) needs about 20 directions in `fc1` (about 10 in the smaller `fc2`), and cutting it to
# rank 1 destroys it. Yet a rank-1 update *trained as such*
# does nearly as well. There are many good updates, and LoRA finds a low-rank one that is
# not the top of full fine-tuning's. The spectra show how differently the two spend their
# budget:

# %%
fig, axes = plt.subplots(1, 2, figsize=(11, 3.6))
for ax, name in zip(axes, ("fc1", "fc2")):
    s0 = float(torch.linalg.matrix_norm(pretrained.get_submodule(name).weight.cpu(), 2))
    k_show = 40
    ax.semilogy(np.arange(1, k_show + 1), full_run["sv"][name][:k_show] / s0, "k-", lw=2, label="full fine-tuning")
    for r in (1, 4, 16):
        sv = lora_run(r)["sv"][name][:k_show] / s0
        ax.semilogy(np.arange(1, k_show + 1), np.maximum(sv, 1e-8), "o-", ms=3, label=f"LoRA r={r}")
    ax.axhline(1.0, color="gray", ls=":", lw=1)
    ax.set_ylim(1e-3, 10)
    ax.set_xlabel("index i")
    ax.set_ylabel(r"$\sigma_i(\Delta W)\ /\ \sigma_1(W_0)$")
    ax.set_title(f"Singular values of the update, {name}")
    ax.legend()
plt.tight_layout()
plt.show()

# %% [markdown]
# LoRA's update has exactly $r$ non-zero singular values (the rest are rounding, clipped at
# the bottom), and they are *large*: larger than the pretrained weight's own top singular
# value (dotted line), while full fine-tuning spreads a smaller update over many directions.
# A few big new directions added to $W_0$ become the top singular vectors of the fine-tuned
# weight. Shuttleworth et al. call singular vectors of the fine-tuned weight that resemble
# none of the pretrained ones **intruder dimensions**: among the top-$k$ singular vectors
# $u_j$ of $W$, those with $\max_i |\cos(u_j, u^{(0)}_i)| < \varepsilon$ over *all* left
# singular vectors $u^{(0)}_i$ of $W_0$.
#
# :::{exercise} 06.intruders · Counting intruder dimensions
# :label: ex-06-intruders
# :nonumber:
# Write `intruder_dimensions(W0, W, k=10, eps=0.5)` returning, as an `int`, how many of the
# top-`k` left singular vectors of `W` have $|\cos|$ below `eps` with every left singular
# vector of `W0`. (Both are torch tensors of the same shape; use `torch.linalg.svd`.)
# :::

# %%
def intruder_dimensions(W0, W, k=10, eps=0.5):
    # YOUR CODE HERE
    raise NotImplementedError


# %%
intruder_dimensions = lu.check("06.intruders", intruder_dimensions)

# %% [markdown] tags=["solution"]
# :::{solution} ex-06-intruders
# :class: dropdown
# The course's solution, from `solutions/06_lora.py` (in JupyterLab, print it with `lu.show_solution("06.intruders")`):
# ```{literalinclude} ../solutions/06_lora.py
# :pyobject: intruder_dimensions
# ```
# :::

# %%
rows = []
for label, run in [("full fine-tuning", full_run)] + [(f"LoRA r={r}", lora_run(r)) for r in RANKS] + \
        [(f"LoRA r={r}, SVD init", lora_run(r, ALPHA, "svd")) for r in (1, 4, 16)]:
    row = {"method": label, "new task": run["new_acc"], "old task (forgetting)": run["old_acc"]}
    for name in ("fc1", "fc2"):
        W0 = pretrained.get_submodule(name).weight.cpu().double()
        row[f"σ1(ΔW)/σ1(W0) {name}"] = run["sv"][name][0] / float(torch.linalg.matrix_norm(W0, 2))
        row[f"intruders {name}"] = intruder_dimensions(W0, run["W"][name], 10, 0.5)
    rows.append(row)
spectral = pd.DataFrame(rows).set_index("method")
old_std = np.mean([lora_run(r)["old_acc"] for r in RANKS])
old_svd = np.mean([lora_run(r, ALPHA, "svd")["old_acc"] for r in RANKS])
print(f"old task accuracy of the pretrained network: {training.accuracy(pretrained, XA_test, yA_test):.3f}; after "
      f"adaptation, averaged over ranks: standard init {old_std:.3f}, SVD init {old_svd:.3f}")
spectral.round(2)

# %% tags=["nbval-check-output"]
ratio_full = spectral.loc["full fine-tuning", "σ1(ΔW)/σ1(W0) fc1"]
ratio_lora = {r: spectral.loc[f"LoRA r={r}", "σ1(ΔW)/σ1(W0) fc1"] for r in RANKS}
print("top singular value of the fc1 update, LoRA r≤4 vs full fine-tuning: more than 2× larger:",
      all(ratio_lora[r] > 2 * ratio_full for r in RANKS if r <= 4))
print("every standard LoRA run has at least one intruder dimension in fc1:",
      all(spectral.loc[f"LoRA r={r}", "intruders fc1"] >= 1 for r in RANKS))
print("SVD init forgets the old task more than standard init (by > 10 points):", old_std - old_svd > 0.10)

# %% [markdown]
# What the table says, at this small scale:
#
# - **Update size.** Low-rank LoRA updates have a top singular value several times larger
#   than full fine-tuning's, and larger than $\sigma_1(W_0)$: the adapter concentrates its
#   change into $r$ strong directions. This is the mechanism behind intruder dimensions —
#   every low-rank LoRA run shows at least one.
# - **Intruders in full fine-tuning too.** Unlike in the paper, our full fine-tuning also
#   rotates several top directions: our network was pretrained for only ten epochs and
#   fine-tuned for as long, so its update is as large as the weight itself
#   ($\sigma_1(\Delta W)\approx\sigma_1(W_0)$), whereas fine-tuning a large pretrained model
#   changes its weights only slightly. The paper's clean "none for full fine-tuning" needs
#   that regime; what carries over is the concentration of LoRA's change.
# - **Forgetting.** Standard LoRA loses a few points more of the old task than full
#   fine-tuning here (its update is the larger one), and the SVD (PiSSA-style)
#   initialisation forgets it far more: it trains exactly the principal directions the
#   old task relied on, which is what it is designed to move. Note that at low rank it
#   creates *no* intruders — it moves existing directions rather than adding new ones — so
#   intruders are not the only road to forgetting. Shuttleworth et al. link intruder
#   dimensions to forgetting of the pretraining distribution, and Biderman et al. find that
#   LoRA "forgets less" than full fine-tuning; fair tests of both need the larger models,
#   longer pretraining and smaller relative updates of those papers.

# %% [markdown]
# ## 7. Scaling up: what LoRA saves, and what it does not
#
# A LoRA layer still multiplies by the full $W_0$ on the forward pass and (for the input
# gradient) on the backward pass; what it saves is the weight gradient $G = \delta^\top X$
# (one of the three big products of a training step), the optimiser state, and the stored
# update. We time one forward + backward step of a $d\times d$ layer on a batch of 256 rows,
# full fine-tuning vs LoRA ($r=8$), and inference of the merged vs unmerged layer, for
# growing width $d$.

# %%
widths = [128, 256, 512, 1024] if SCALE == "small" else [512, 1024, 2048, 4096, 8192]
batch_rows = 256
bench = lu.Benchmark(f"one d×d layer, batch {batch_rows}, {device.type}", size_label="width d",
                     threads=1 if device.type == "cpu" else None)  # CPU timings single-threaded (see below)
params = {"full fine-tuning": [], "LoRA r=8": []}


def train_step(layer_, x_):
    layer_.zero_grad(set_to_none=True)
    layer_(x_).square().mean().backward()


for d in lu.progress_bar(widths, desc="benchmark widths"):
    torch.manual_seed(d)
    x_b = torch.randn(batch_rows, d, device=device)
    full_layer = nn.Linear(d, d).to(device)
    lora_layer = lora.LoRALinear(copy.deepcopy(full_layer), r=8, alpha=16)
    with torch.no_grad():
        lora_layer.lora_B.normal_()
    params["full fine-tuning"].append(training.count_parameters(full_layer))
    params["LoRA r=8"].append(training.count_parameters(lora_layer))
    bench.run("train step, full", d, train_step, full_layer, x_b, repeats=7, warmup=2, device=device)
    bench.run("train step, LoRA r=8", d, train_step, lora_layer, x_b, repeats=7, warmup=2, device=device)
    with torch.no_grad():
        bench.run("inference, LoRA unmerged", d, lora_layer, x_b, repeats=7, warmup=2, device=device)
        lora_layer.merge()
        bench.run("inference, LoRA merged", d, lora_layer, x_b, repeats=7, warmup=2, device=device)

fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
bench.plot(ax=axes[0])
for name, counts in params.items():
    axes[1].loglog(widths, counts, "o-", label=name)
axes[1].set_xlabel("width d")
axes[1].set_ylabel("trainable numbers")
axes[1].set_title("Trainable parameters: d² + d vs r(2d)")
axes[1].set_xticks(widths, [str(d) for d in widths])
axes[1].minorticks_off()
axes[1].legend()
plt.tight_layout()
plt.show()
bench.report()

# %%
print(f"at d={widths[-1]}: train step LoRA / full = {bench.ratio('train step, LoRA r=8', 'train step, full'):.2f}, "
      f"inference unmerged / merged = {bench.ratio('inference, LoRA unmerged', 'inference, LoRA merged'):.2f}, "
      f"trainable numbers full / LoRA = {params['full fine-tuning'][-1] / params['LoRA r=8'][-1]:.0f}×")

# %% tags=["nbval-check-output"]
print("trainable numbers, LoRA r=8 = 8·2d at every width:", params["LoRA r=8"] == [16 * d for d in widths])
print("full / LoRA parameter ratio grows linearly in d  :",
      [round(f / l_) for f, l_ in zip(params["full fine-tuning"], params["LoRA r=8"])])

# %% [markdown]
# The parameter ratio grows like $d/(2r)$ — at $d=4096$, $r=8$, 256× fewer trainable numbers —
# but the training step is only modestly faster: both still do the forward product and the
# input gradient with the full $W_0$ ($O(nd^2)$ each), and LoRA skips only the weight
# gradient. (Its real savings on large models are memory: no $d\times d$ gradient, no Adam
# state for $W_0$.) Unmerged inference pays the two thin products, $O(nrd)$, on top of
# $O(nd^2)$: a small overhead that merging removes entirely. On the CPU these timings are
# single-threaded (`lu.Benchmark(..., threads=1)`; the table's header and the plot's title state
# the thread count) and, on a machine shared with other programs, noisy: the table gives each
# median with half its interquartile range; read the trend, not the third digit. With
# `LOWDIM_SCALE=full` on a GPU the same cell runs to $d=8192$.
#
# ## 8. Explore: rank and α
#
# Pick a rank and a scale numerator $\alpha$ (the update is multiplied by $\alpha/r$): the left
# panel shows the accuracy on the new task and what is left of the old task; the right one the
# singular values of the `fc1` update against full fine-tuning's. Every combination was
# trained above, so moving the controls is instant.

# %% tags=["nbval-ignore-output"]
def draw(rank, alpha):
    run = lora_run(rank, alpha)
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.4), gridspec_kw={"width_ratios": [1, 1.6]})
    names = ["head only", f"LoRA r={rank}, α={alpha}", "full FT"]
    new = [head_run["new_acc"], run["new_acc"], full_run["new_acc"]]
    old = [head_run["old_acc"], run["old_acc"], full_run["old_acc"]]
    xs = np.arange(3)
    axes[0].bar(xs - 0.2, new, 0.4, label="new task")
    axes[0].bar(xs + 0.2, old, 0.4, label="old task (forgetting)")
    axes[0].set_xticks(xs, names, fontsize=8)
    axes[0].set_ylim(0, 1.2)
    axes[0].set_yticks([0, 0.2, 0.4, 0.6, 0.8, 1.0])
    axes[0].set_ylabel("test accuracy")
    axes[0].set_title("new task and what is left of the old")
    axes[0].legend(loc="upper center", ncol=2, fontsize=8)
    s0 = float(torch.linalg.matrix_norm(pretrained.fc1.weight.cpu(), 2))
    axes[1].semilogy(np.arange(1, 41), full_run["sv"]["fc1"][:40] / s0, "k-", lw=2, label="full fine-tuning")
    axes[1].semilogy(np.arange(1, 41), np.maximum(run["sv"]["fc1"][:40] / s0, 1e-8), "o-", ms=3,
                     label=f"LoRA r={rank}, α={alpha} (scale α/r = {alpha / rank:g})")
    axes[1].axhline(1.0, color="gray", ls=":", lw=1)
    axes[1].set_ylim(1e-3, 10)
    axes[1].set_xlabel("index i")
    axes[1].set_ylabel(r"$\sigma_i(\Delta W)\ /\ \sigma_1(W_0)$")
    axes[1].set_title("fc1 update spectrum")
    axes[1].legend(fontsize=8)
    plt.tight_layout()


lu.explore(draw, rank=(RANKS, 4), alpha=(ALPHAS, ALPHA))

# %% [markdown]
# Things to notice: at fixed $r$, raising $\alpha$ raises the update's singular values (it
# acts like a larger learning rate) and eats into the old task before it helps the new one;
# at fixed $\alpha$, raising $r$ adds directions but little accuracy beyond $r\approx4$.
#
# ## Summary
#
# - LoRA freezes $W_0$ and trains $\Delta W = \frac{\alpha}{r}BA$ of rank $\le r$: $r(d+k)$
#   numbers per layer instead of $dk$ (Eq. (2)). With $B=0$ at the start the adapted model
#   *is* the pretrained one ({prf:ref}`prop-zero-init`); merging $\Delta W$ into $W_0$ makes
#   inference free, and unmerging restores $W_0$ to rounding.
# - The factor gradients are the full gradient seen through the factors, $sGA^\top$ and
#   $sB^\top G$; a step moves $\Delta W$ by the full gradient projected through two rank-$r$
#   subspaces ({prf:ref}`prop-lora-grad`).
# - On Fashion-MNIST, rank 1 already recovers most of what full fine-tuning gains over a
#   linear probe, ranks 4–16 come within about a point, with 6–22× fewer trainable numbers
#   — the paper's headline at CPU scale. The course's implementation equals `peft`'s output
#   for equal factors.
# - Equal accuracy is not equal weights: full fine-tuning's update is high-rank and cannot
#   be truncated, LoRA's is a few large new directions (intruder dimensions). SVD
#   initialisation trains the principal directions and forgets the old task far more.
#
# **Further reading.** Hu et al. (2021), sections 4 and 7 (the rank and subspace analysis of
# $\Delta W$); Aghajanyan, Zettlemoyer, Gupta, *Intrinsic Dimensionality Explains the
# Effectiveness of Language Model Fine-Tuning* (2020) for the "why" (lesson 05); Shuttleworth
# et al. (2024) on intruder dimensions; Biderman et al., *LoRA Learns Less and Forgets Less*
# (2024); Kalajdzievski, *A Rank Stabilization Scaling Factor for Fine-Tuning with LoRA*
# (2023), which argues for $\alpha/\sqrt r$; Meng et al., *PiSSA* (2024) and the SVD-based
# methods SVFit and LaMDA above; Dettmers et al., *QLoRA* (2023) for adapters on quantised
# models. Lesson 04 meets the same "low-rank plus something" idea in robust PCA, where
# SLTrain adds a sparse part to a low-rank one for pretraining.
