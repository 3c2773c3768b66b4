"""Low-rank adaptation (LoRA) of linear layers (lesson 06).

A pretrained linear layer ``y = x W0ᵀ + b`` with ``W0: (d_out, d_in)`` is frozen, and a
trainable low-rank update is added beside it (lesson 06, Eq. (1))::

    y = x W0ᵀ + b + s · (x Aᵀ) Bᵀ,      A: (r, d_in),  B: (d_out, r),  s = alpha / r

so the effective weight is ``W0 + ΔW`` with ``ΔW = s·B A`` of rank at most ``r``.
``B`` starts at zero, so an adapted model computes exactly what the pretrained one
did (lesson 06, Proposition 1); only ``r·(d_in + d_out)`` numbers per layer are trained
(Eq. (2)). After training, :meth:`LoRALinear.merge` folds ``ΔW`` into the base weight
(inference then costs nothing extra) and :meth:`LoRALinear.unmerge` takes it out again.

:func:`apply_lora` swaps chosen ``nn.Linear`` layers of a model for :class:`LoRALinear`
and freezes everything else; :func:`lowdim_utils.training.count_parameters` counts what an
optimiser will update; :func:`svd_init` starts ``A, B`` from the top singular vectors of the pretrained
weight (PiSSA-style) or of any update direction (e.g. a full fine-tuning update).
Everything works on any device and in float32 or float64: the adapter takes the base
layer's dtype and device.

Analysis (Hu et al. 2021, section 7; lesson 06, Eqs. (8)–(9)): :func:`subspace_similarity`
compares the top singular directions of two adapters, :func:`amplification` measures how much
an update ``ΔW`` amplifies directions of the pretrained ``W``. Memory (lesson 06, Eq. (7)):
:func:`training_state_bytes` counts the bytes of the parameters, gradients and optimiser state a
training step keeps, :func:`step_peak_bytes` measures the extra memory one step allocates.

Some modules do not call their linear sub-layers but read their ``.weight`` directly —
``nn.MultiheadAttention`` passes ``out_proj.weight`` to its functional kernel. So that an
adapter is never silently ignored, :class:`LoRALinear` has ``weight`` and ``bias`` properties:
``weight`` is the effective, differentiable ``W0 + ΔW`` (gradients reach ``A`` and ``B``).
"""
from __future__ import annotations

import math
import numbers
from typing import Callable, Iterable

import torch
from torch import nn

from .rng import as_generator
from .training import count_parameters
from .validate import as_matrix, check_bool, check_int, check_interval, check_positive

__all__ = ["LoRALinear", "apply_lora", "lora_layers", "merge_all", "unmerge_all", "svd_init",
           "lora_parameter_count", "count_parameters", "subspace_similarity", "amplification",
           "training_state_bytes", "step_peak_bytes"]


def _check_dropout(p) -> float:
    return check_interval(p, "dropout", 0.0, 1.0, closed="left")


def lora_parameter_count(d_in: int, d_out: int, r: int) -> int:
    """Trainable numbers of one rank-``r`` adapter on a ``d_out × d_in`` layer: ``r (d_in + d_out)`` (Eq. (2))."""
    d_in = check_int(d_in, "d_in", low=1)
    d_out = check_int(d_out, "d_out", low=1)
    r = check_int(r, "r", low=1, high=min(d_in, d_out))
    return r * (d_in + d_out)


class LoRALinear(nn.Module):
    """A frozen ``nn.Linear`` plus a trainable rank-``r`` update ``ΔW = (alpha/r)·B A`` (lesson 06, Eq. (1)).

    Args:
        base: the pretrained layer, ``weight: (d_out, d_in)``; its parameters are frozen
            (``requires_grad=False``) and kept as ``self.base``.
        r: the rank, ``1 <= r <= min(d_in, d_out)``.
        alpha: the scale numerator; the update is multiplied by ``scaling = alpha / r``
            (default ``alpha = r``, i.e. ``scaling = 1``).
        dropout: dropout probability applied to the adapter's input only (0 = none).
        generator: the random init of ``A`` (None, an int seed or a ``torch.Generator``;
            :mod:`lowdim_utils.rng`).

    ``A: (r, d_in)`` starts like an ``nn.Linear`` weight (uniform, Kaiming-style bound
    ``1/sqrt(d_in)``), ``B: (d_out, r)`` starts at zero, so the layer starts equal to ``base``.
    Input ``x: (..., d_in)`` → output ``(..., d_out)``.
    """

    def __init__(self, base: nn.Linear, r: int, alpha: float | None = None, dropout: float = 0.0, *,
                 generator=None):
        super().__init__()
        if not isinstance(base, nn.Linear):
            raise TypeError(f"base must be a torch.nn.Linear layer, got {type(base).__name__}.")
        d_out, d_in = base.weight.shape
        if isinstance(r, bool) or not isinstance(r, numbers.Integral):
            raise TypeError(f"r must be an integer rank, got {r!r} ({type(r).__name__}).")
        if not 1 <= int(r) <= min(d_in, d_out):
            raise ValueError(f"r must satisfy 1 <= r <= min(d_in, d_out) = {min(d_in, d_out)} for a layer "
                             f"with d_in={d_in}, d_out={d_out}, got {int(r)}.")
        r = int(r)
        alpha = float(r) if alpha is None else check_positive(alpha, "alpha")
        self.base = base
        for p in self.base.parameters():
            p.requires_grad_(False)
        self.r, self.alpha, self.scaling = r, alpha, alpha / r
        self.dropout_p = _check_dropout(dropout)
        self.dropout = nn.Dropout(self.dropout_p) if self.dropout_p > 0 else nn.Identity()
        w = base.weight
        bound = 1.0 / math.sqrt(d_in)
        gen = as_generator(generator)
        A = torch.empty(r, d_in, dtype=w.dtype, device=gen.device)
        A.uniform_(-bound, bound, generator=gen)
        self.lora_A = nn.Parameter(A.to(w.device))
        self.lora_B = nn.Parameter(torch.zeros(d_out, r, dtype=w.dtype, device=w.device))
        self.merged = False

    @property
    def in_features(self) -> int:
        return self.base.in_features

    @property
    def out_features(self) -> int:
        return self.base.out_features

    @property
    def weight(self) -> torch.Tensor:
        """The effective weight ``W0 + ΔW`` (``W0`` alone once merged), differentiable in ``A`` and ``B``:
        what a parent module that reads ``.weight`` directly (e.g. ``nn.MultiheadAttention``) applies."""
        return self.base.weight if self.merged else self.base.weight + self.delta_weight()

    @property
    def bias(self):
        """The frozen base layer's bias (or None)."""
        return self.base.bias

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x: (..., d_in)`` → ``x W0ᵀ + b + s·(x Aᵀ) Bᵀ``; the two thin products cost ``O(r (d_in + d_out))`` per row."""
        y = self.base(x)
        if self.merged:
            return y
        return y + self.scaling * ((self.dropout(x) @ self.lora_A.t()) @ self.lora_B.t())

    def delta_weight(self) -> torch.Tensor:
        """``ΔW = (alpha/r)·B A: (d_out, d_in)``, rank at most ``r`` (differentiable)."""
        return self.scaling * (self.lora_B @ self.lora_A)

    def effective_weight(self) -> torch.Tensor:
        """The weight the layer currently applies, ``W0 + ΔW`` (merged or not), detached."""
        with torch.no_grad():
            w = self.base.weight.detach().clone()
            return w if self.merged else w + self.delta_weight()

    @torch.no_grad()
    def merge(self) -> "LoRALinear":
        """Fold ``ΔW`` into the base weight (lesson 06, Eq. (3)): afterwards one matrix product per call."""
        if self.merged:
            raise RuntimeError("this LoRALinear is already merged; call unmerge() first.")
        self.base.weight += self.delta_weight()
        self.merged = True
        return self

    @torch.no_grad()
    def unmerge(self) -> "LoRALinear":
        """Take ``ΔW`` out of the base weight again (exact up to rounding: ``(W0 + ΔW) − ΔW``)."""
        if not self.merged:
            raise RuntimeError("this LoRALinear is not merged; call merge() first.")
        self.base.weight -= self.delta_weight()
        self.merged = False
        return self

    def extra_repr(self) -> str:
        return (f"d_in={self.in_features}, d_out={self.out_features}, r={self.r}, alpha={self.alpha:g}, "
                f"scaling={self.scaling:g}, dropout={self.dropout_p:g}, merged={self.merged}")


def _resolve_targets(model: nn.Module, target) -> list[str]:
    named = dict(model.named_modules())
    if target is None:
        names = [n for n, m in named.items() if isinstance(m, nn.Linear) and n]
        if not names:
            raise ValueError("target: the model has no nn.Linear layers to adapt.")
        return names
    if callable(target) and not isinstance(target, (str, nn.Module)):
        names = [n for n, m in named.items() if n and target(n, m)]
        if not names:
            raise ValueError("target: the selection function chose no layer.")
    else:
        if isinstance(target, str):
            target = [target]
        if not isinstance(target, Iterable):
            raise TypeError(f"target must be None, a layer name, a list of names or a function (name, module) -> "
                            f"bool, got {type(target).__name__}.")
        names = list(target)
        if not names:
            raise ValueError("target must name at least one layer, got an empty list.")
        for n in names:
            if not isinstance(n, str):
                raise TypeError(f"target must hold layer names (str), got {n!r}.")
            if n not in named or not n:
                linear = [k for k, m in named.items() if isinstance(m, nn.Linear)]
                raise ValueError(f"target names a layer {n!r} the model does not have; its Linear layers are {linear}.")
    for n in names:
        m = named[n]
        if isinstance(m, LoRALinear):
            raise ValueError(f"target layer {n!r} already carries a LoRA adapter.")
        if not isinstance(m, nn.Linear):
            raise TypeError(f"target layer {n!r} must be an nn.Linear, got {type(m).__name__}.")
    return names


def _set_submodule(model: nn.Module, name: str, new: nn.Module) -> None:
    parent_name, _, child = name.rpartition(".")
    parent = model.get_submodule(parent_name) if parent_name else model
    setattr(parent, child, new)


def apply_lora(model: nn.Module, r: int, alpha: float | None = None, *, target=None, dropout: float = 0.0,
               trainable: Iterable[str] = (), generator=None) -> nn.Module:
    """Replace the ``target`` Linear layers of ``model`` by :class:`LoRALinear` adapters, in place.

    Args:
        model: any ``nn.Module``.
        r: the rank of every adapter (checked against each layer's ``min(d_in, d_out)``).
        alpha: the scale numerator (``scaling = alpha / r``; default ``alpha = r``).
        target: which layers: ``None`` (every ``nn.Linear``), a name or list of names from
            ``model.named_modules()``, or a function ``(name, module) -> bool``.
        dropout: adapter-input dropout probability.
        trainable: names of submodules that stay fully trainable (e.g. a new classifier
            head); every other parameter outside the adapters is frozen.
        generator: the random init of every ``A`` (None, an int seed or a ``torch.Generator``);
            an int seed is turned into one generator shared by the layers, in order.
    Returns:
        ``model`` itself, now holding the adapters.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}.")
    if isinstance(r, bool) or not isinstance(r, numbers.Integral):
        raise TypeError(f"r must be an integer rank, got {r!r} ({type(r).__name__}).")
    if alpha is not None:
        check_positive(alpha, "alpha")
    _check_dropout(dropout)
    names = _resolve_targets(model, target)
    if isinstance(trainable, str):
        trainable = [trainable]
    keep = list(trainable)
    named = dict(model.named_modules())
    for k in keep:
        if k not in named:
            raise ValueError(f"trainable names a module {k!r} the model does not have.")
        if k in names:
            raise ValueError(f"trainable module {k!r} is also a LoRA target; choose one.")
    for n in names:  # validate every layer before changing anything
        d_out, d_in = named[n].weight.shape
        if int(r) < 1 or int(r) > min(d_in, d_out):
            raise ValueError(f"r must satisfy 1 <= r <= min(d_in, d_out) = {min(d_in, d_out)} for layer {n!r} "
                             f"(d_in={d_in}, d_out={d_out}), got {int(r)}.")
    for p in model.parameters():
        p.requires_grad_(False)
    gen = as_generator(generator)
    for n in names:
        _set_submodule(model, n, LoRALinear(named[n], r, alpha, dropout, generator=gen))
    for k in keep:
        for p in model.get_submodule(k).parameters():
            p.requires_grad_(True)
    return model


def lora_layers(model: nn.Module) -> dict[str, LoRALinear]:
    """The :class:`LoRALinear` layers of ``model`` by name."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}.")
    return {n: m for n, m in model.named_modules() if isinstance(m, LoRALinear)}


def merge_all(model: nn.Module) -> nn.Module:
    """Merge every adapter of ``model`` (see :meth:`LoRALinear.merge`)."""
    for m in lora_layers(model).values():
        if not m.merged:
            m.merge()
    return model


def unmerge_all(model: nn.Module) -> nn.Module:
    """Unmerge every adapter of ``model`` (see :meth:`LoRALinear.unmerge`)."""
    for m in lora_layers(model).values():
        if m.merged:
            m.unmerge()
    return model


@torch.no_grad()
def svd_init(layer: LoRALinear, source="weight", *, keep_output: bool = True) -> LoRALinear:
    """Start ``A, B`` from the top-``r`` singular triplets of a matrix ``M: (d_out, d_in)`` (lesson 06, Eq. (6)).

    With ``M = U diag(S) Vᵀ`` the adapter is set to ``B = U_r diag(sqrt(S_r/s))`` and
    ``A = diag(sqrt(S_r/s)) V_rᵀ`` (``s = alpha/r``), so that ``ΔW = s·B A`` is the best
    rank-``r`` approximation of ``M`` (lesson 01, Eckart–Young) with balanced factors.

    Args:
        layer: an unmerged :class:`LoRALinear`.
        source: ``"weight"`` — ``M`` is the pretrained weight (PiSSA-style: the adapter
            holds the principal part, the frozen base keeps the residual); or a tensor
            ``M: (d_out, d_in)``, e.g. a full fine-tuning update or a negative gradient.
        keep_output: subtract the adapter's initial ``ΔW`` from the base weight so that the
            layer's output is unchanged (always the case for ``"weight"``). With ``False``
            and a tensor source the layer starts at ``W0 + (rank-r part of M)``.
    Returns:
        ``layer``, modified in place.
    """
    if not isinstance(layer, LoRALinear):
        raise TypeError(f"layer must be a LoRALinear, got {type(layer).__name__}.")
    if layer.merged:
        raise RuntimeError("layer is merged; call unmerge() before svd_init.")
    W = layer.base.weight
    if isinstance(source, str):
        if source != "weight":
            raise ValueError(f"source must be 'weight' or a tensor (d_out, d_in), got {source!r}.")
        M = W.detach()
        keep_output = True
    else:
        M = as_matrix(source, "source", dtype=W.dtype, device=W.device)
        if tuple(M.shape) != tuple(W.shape):
            raise ValueError(f"source must have the layer's weight shape {tuple(W.shape)}, got {tuple(M.shape)}.")
    keep_output = check_bool(keep_output, "keep_output")
    work = torch.float32 if M.device.type == "mps" else torch.float64  # MPS has no float64
    U, S, Vh = torch.linalg.svd(M.to(work), full_matrices=False)
    r = layer.r
    root = torch.sqrt(S[:r] / layer.scaling)
    layer.lora_B.copy_((U[:, :r] * root).to(W.dtype))
    layer.lora_A.copy_((root[:, None] * Vh[:r]).to(W.dtype))
    if keep_output:
        W -= layer.delta_weight()
    return layer


# ----------------------------------------------------------------------------- analysis (Hu et al., section 7)

def _basis(M: torch.Tensor, side: str) -> torch.Tensor:
    """Orthonormal singular vectors of ``M`` as columns, in decreasing order of the singular values:
    the right ones (the row space, ``side="right"``) or the left ones (``side="left"``)."""
    work = torch.float32 if M.device.type == "mps" else torch.float64
    U, _, Vh = torch.linalg.svd(M.detach().to(work), full_matrices=False)
    return Vh.T if side == "right" else U


def subspace_similarity(M1, M2, i: int | None = None, j: int | None = None, *, side: str = "right") -> float:
    """Normalised overlap of the top singular directions of two matrices (lesson 06, Eq. (8)):

    ``φ(M1, M2, i, j) = ‖U1[:, :i]ᵀ U2[:, :j]‖_F² / min(i, j)``,

    with ``U1, U2`` the right (``side="right"``; for LoRA's ``A: (r, d_in)`` the input directions) or
    left (``side="left"``) singular vectors of ``M1`` and ``M2`` (Hu et al. 2021, section 7.2). It lies in
    ``[0, 1]``: 1 when one span contains the other, about ``max(i, j) / dim`` for random directions in a
    space of dimension ``dim``. ``i`` and ``j`` default to the ranks available (the smaller matrix side).
    """
    from .validate import check_choice
    check_choice(side, "side", ("right", "left"))
    M1 = as_matrix(M1, "M1")
    M2 = as_matrix(M2, "M2", device=M1.device)
    axis = 1 if side == "right" else 0
    if M1.shape[axis] != M2.shape[axis]:
        raise ValueError(f"M1 and M2 must act on the same space: their {side} dimensions are "
                         f"{M1.shape[axis]} and {M2.shape[axis]}.")
    U1, U2 = _basis(M1, side), _basis(M2, side)
    i = U1.shape[1] if i is None else check_int(i, "i", low=1, high=U1.shape[1])
    j = U2.shape[1] if j is None else check_int(j, "j", low=1, high=U2.shape[1])
    return float((U1[:, :i].T @ U2[:, :j]).square().sum() / min(i, j))


def amplification(W, delta, r: int, *, generator=None) -> dict:
    """How an update ``delta: (d_out, d_in)`` relates to the pretrained weight ``W`` (lesson 06, Eq. (9)).

    With ``U, V`` the top-``r`` left and right singular vectors of ``delta``, ``W`` is projected onto
    that ``r``-dimensional subspace, ``‖Uᵀ W V‖_F``, and compared with the same projection onto
    ``W``'s own top-``r`` singular vectors and onto a random ``r``-dimensional subspace (Hu et al.
    2021, section 7.3, Table 7). Returns a dict of floats:

    * ``"delta"``: ``‖delta‖_F``; ``"W"``: ``‖W‖_F``;
    * ``"W on delta"``, ``"W on W's top r"``, ``"W on random"``: the three projections of ``W``;
    * ``"amplification"``: ``‖delta‖_F / ‖Uᵀ W V‖_F``, large when ``delta`` strongly amplifies
      directions that ``W`` holds only weakly.

    The random subspace is drawn from ``generator`` (None, an int seed or a ``torch.Generator``).
    """
    W = as_matrix(W, "W")
    delta = as_matrix(delta, "delta", device=W.device)
    if tuple(delta.shape) != tuple(W.shape):
        raise ValueError(f"delta must have W's shape {tuple(W.shape)}, got {tuple(delta.shape)}.")
    r = check_int(r, "r", low=1, high=min(W.shape))
    work = torch.float32 if W.device.type == "mps" else torch.float64
    W, delta = W.detach().to(work), delta.detach().to(work)
    U, _, Vh = torch.linalg.svd(delta, full_matrices=False)
    Uw, Sw, Vwh = torch.linalg.svd(W, full_matrices=False)
    gen = as_generator(generator)
    Qu = torch.linalg.qr(torch.randn(W.shape[0], r, generator=gen, dtype=torch.float64, device=gen.device))[0]
    Qv = torch.linalg.qr(torch.randn(W.shape[1], r, generator=gen, dtype=torch.float64, device=gen.device))[0]
    Qu, Qv = Qu.to(W.device, work), Qv.to(W.device, work)
    on_delta = float(torch.linalg.matrix_norm(U[:, :r].T @ W @ Vh[:r].T))
    out = {"delta": float(torch.linalg.matrix_norm(delta)), "W": float(torch.linalg.matrix_norm(W)),
           "W on delta": on_delta, "W on W's top r": float(torch.linalg.vector_norm(Sw[:r])),
           "W on random": float(torch.linalg.matrix_norm(Qu.T @ W @ Qv))}
    out["amplification"] = out["delta"] / on_delta if on_delta > 0 else float("inf")
    return out


# ----------------------------------------------------------------------------- memory (lesson 06, Eq. (7))

def training_state_bytes(model: nn.Module, optimizer: torch.optim.Optimizer | None = None) -> dict:
    """Bytes a training step keeps between steps (lesson 06, Eq. (7)), counted from the tensors:

    * ``"parameters"``: every parameter of ``model``, frozen or not;
    * ``"gradients"``: the ``.grad`` tensors that exist (trainable parameters after a backward pass);
    * ``"optimizer"``: every tensor in ``optimizer.state`` (Adam: two moment estimates per trained
      parameter, plus a scalar step counter per parameter tensor); 0 without an optimizer;
    * ``"total"``: their sum.

    Shared tensors are counted once. The activations a step saves for its backward pass are not
    kept between steps; :func:`step_peak_bytes` measures them with everything else a step allocates.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}.")
    if optimizer is not None and not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(f"optimizer must be a torch.optim.Optimizer or None, got {type(optimizer).__name__}.")

    def nbytes(tensors):
        seen, total = set(), 0
        for t in tensors:
            key = (t.untyped_storage().data_ptr(), t.storage_offset(), t.numel(), t.dtype)
            if key not in seen:
                seen.add(key)
                total += t.numel() * t.element_size()
        return total

    params = list(model.parameters())
    out = {"parameters": nbytes(params), "gradients": nbytes([p.grad for p in params if p.grad is not None])}
    state = [] if optimizer is None else [v for st in optimizer.state.values() for v in st.values()
                                           if isinstance(v, torch.Tensor)]
    out["optimizer"] = nbytes(state)
    out["total"] = out["parameters"] + out["gradients"] + out["optimizer"]
    return out


def step_peak_bytes(step: Callable[[], object]) -> int:
    """The most memory that one call of ``step()`` (e.g. a training step: forward, backward, optimiser
    update) allocates at one time *above what was allocated before the call*, in bytes.

    Measured with ``torch.profiler`` (``profile_memory=True``) on the CPU: the profiler records every
    allocation and release of the CPU allocator with its running total. ``step()`` is called twice
    under the profiler — the first call makes sure that every tensor the second one releases was
    allocated under the profiler, so that its release is counted — and the result is the peak of the
    running total during the second call minus its value when that call starts. This counts the
    activations saved for the backward pass, the gradients, the optimiser's temporaries and every
    intermediate tensor, not memory held outside torch's allocator. On a CUDA device use
    ``torch.cuda.max_memory_allocated`` instead; this function measures CPU tensors only.
    """
    import json
    import os
    import sys
    import tempfile
    import warnings

    from torch.profiler import ProfilerActivity, profile, record_function

    if not callable(step):
        raise TypeError(f"step must be a function step() -> anything, got {type(step).__name__}.")
    with _quiet_native_stderr(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
            step()
            with record_function("step_peak_bytes: measured call"):
                step()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "trace.json")
        prof.export_chrome_trace(path)
        with open(path) as fh:
            events = json.load(fh)["traceEvents"]
    marks = [e for e in events if e.get("name") == "step_peak_bytes: measured call" and "dur" in e]
    if not marks:                     # pragma: no cover - the profiler always records the range
        print("step_peak_bytes: the profiler recorded no range; returning 0", file=sys.stderr)
        return 0
    t0, t1 = marks[0]["ts"], marks[0]["ts"] + marks[0]["dur"]
    mem = sorted((e for e in events if e.get("name") == "[memory]" and "Total Allocated" in e.get("args", {})),
                 key=lambda e: e["ts"])
    inside = [e for e in mem if t0 <= e["ts"] <= t1]
    if not inside:
        return 0
    before = [e for e in mem if e["ts"] < t0]
    start = before[-1]["args"]["Total Allocated"] if before else inside[0]["args"]["Total Allocated"] - inside[0]["args"]["Bytes"]
    return int(max(0, max(e["args"]["Total Allocated"] for e in inside) - start))


class _quiet_native_stderr:
    """Drop the profiler's native notices ("Memory block of unknown size ...", "profiler_start") that
    torch writes straight to file descriptors 1 and 2; every other line written there is passed on."""

    NOTICES = ("Memory block of unknown size", "profiler_start", "profiler_stop")

    def __enter__(self):
        import os
        import tempfile
        self._saved = []
        for fd in (1, 2):
            try:
                tmp = tempfile.TemporaryFile(mode="w+b")
                self._saved.append((fd, os.dup(fd), tmp))
                os.dup2(tmp.fileno(), fd)
            except OSError:           # pragma: no cover - no such descriptor (embedded interpreters)
                pass
        return self

    def __exit__(self, *exc):
        import os
        import sys
        for fd, saved, tmp in self._saved:
            try:
                (sys.stdout if fd == 1 else sys.stderr).flush()
            except Exception:         # pragma: no cover
                pass
            os.dup2(saved, fd)
            os.close(saved)
            tmp.seek(0)
            text = tmp.read().decode(errors="replace")
            tmp.close()
            kept = [ln for ln in text.splitlines() if ln and not any(n in ln for n in self.NOTICES)]
            if kept:
                print("\n".join(kept), file=sys.stdout if fd == 1 else sys.stderr)
        return False
