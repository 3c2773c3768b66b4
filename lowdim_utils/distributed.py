"""Distributed representation learning (lesson 24): data parallelism, gathered negatives, merged PCA.

Read top to bottom:

* the pieces a rank runs: :func:`mlp` (a model every process builds identically from a seed),
  :func:`shard` (its contiguous block of a global batch), :func:`all_gather` — a differentiable
  all-gather whose backward sums the gradients of every rank (reduce-scatter), or, to show what goes
  wrong, keeps only the local block — and :func:`gathered_info_nce`, lesson 15's InfoNCE with the
  negatives of every rank (lesson 24, Eqs. (2)–(4));
* distributed PCA: :func:`local_moments` and :func:`moments_pca` (summed moments: exact, Eq. (5)),
  :func:`merge_subspaces` (the weighted projector average of local top-k subspaces, an extrinsic
  Grassmann mean, Eq. (6));
* the ring all-reduce cost model (:func:`ring_allreduce_time`, Eq. (7)), :func:`fit_alpha_beta` and
  :func:`predict_step_time`;
* :func:`launch` — runs worker tasks under ``torchrun`` (``gloo`` on the CPU, ``nccl`` when every
  rank has its own GPU) in a subprocess with a time limit, on a free port of 127.0.0.1; a rank that
  fails or never joins a collective ends the run with a :class:`DistributedRunError` naming it.

The worker side is this module's ``__main__`` (``python -m torch.distributed.run --nproc-per-node 2
-m lowdim_utils.distributed grad --job DIR``): the ``_task_*`` functions at the end, each reading its
inputs from ``DIR/inputs.pt`` and writing ``DIR/<task>.rank<r>.pt``.
"""
from __future__ import annotations

import argparse
import datetime
import math
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn

from .contrastive import info_nce
from .rng import as_generator
from .validate import as_matrix, as_tensor, check_choice, check_int, check_positive

__all__ = ["mlp", "shard", "flat_grad", "all_gather", "info_nce_anchors", "gathered_info_nce", "local_moments",
           "moments_pca", "merge_subspaces", "ring_allreduce_time", "fit_alpha_beta", "predict_step_time",
           "free_port", "backend_for", "launch", "DistributedRunError", "TASKS"]


# ------------------------------------------------------------------ models and shards

def mlp(dims, *, generator=None, dtype=torch.float32) -> nn.Sequential:
    """A ReLU MLP ``dims[0] → … → dims[-1]`` initialised from ``generator`` (PyTorch's uniform
    ``±1/√fan_in`` law), so that every process that builds it with the same seed holds the same weights."""
    dims = [check_int(d, "dims", low=1) for d in dims]
    if len(dims) < 2:
        raise ValueError(f"dims must list at least an input and an output width, got {dims}.")
    g = as_generator(generator)
    layers = []
    for i, (a, b) in enumerate(zip(dims[:-1], dims[1:])):
        lin = nn.Linear(a, b, dtype=dtype)
        with torch.no_grad():
            bound = 1.0 / math.sqrt(a)
            lin.weight.copy_((torch.rand(b, a, generator=g, dtype=torch.float64) * 2 - 1) * bound)
            lin.bias.copy_((torch.rand(b, generator=g, dtype=torch.float64) * 2 - 1) * bound)
        layers += [lin] + ([nn.ReLU()] if i < len(dims) - 2 else [])
    return nn.Sequential(*layers)


def shard(n: int, rank: int, world: int) -> slice:
    """Rank ``rank``'s contiguous block of ``n`` rows split over ``world`` ranks (``n`` divisible by
    ``world``: equal shards make the average of local means the global mean, lesson 24, Eq. (1))."""
    n, world = check_int(n, "n", low=1), check_int(world, "world", low=1)
    rank = check_int(rank, "rank", low=0, high=world - 1)
    if n % world:
        raise ValueError(f"n = {n} rows must split evenly over world = {world} ranks (pad or drop rows).")
    b = n // world
    return slice(rank * b, (rank + 1) * b)


def flat_grad(model: nn.Module) -> torch.Tensor:
    """All parameter gradients of ``model`` as one flat vector (zeros where a gradient is None)."""
    return torch.cat([(p.grad if p.grad is not None else torch.zeros_like(p)).reshape(-1)
                      for p in model.parameters()]).detach()


# ------------------------------------------------------------------ differentiable all-gather

class _AllGather(torch.autograd.Function):
    """Forward: concatenate every rank's ``(b, d)`` block. Backward: with ``reduce``, the sum over ranks
    of the gradient of each rank's loss with respect to *this* rank's block (a reduce-scatter); without
    it, only the local rank's own gradient for its block (the gradients other ranks computed are lost)."""

    @staticmethod
    def forward(ctx, x, reduce, group):
        world, rank = dist.get_world_size(group), dist.get_rank(group)
        parts = [torch.empty_like(x) for _ in range(world)]
        dist.all_gather(parts, x.contiguous(), group=group)
        ctx.reduce, ctx.group, ctx.rank, ctx.world = reduce, group, rank, world
        return torch.cat(parts, 0)

    @staticmethod
    def backward(ctx, grad):
        blocks = list(grad.contiguous().chunk(ctx.world, 0))
        if not ctx.reduce:
            return blocks[ctx.rank].clone(), None, None
        out = torch.empty_like(blocks[ctx.rank])
        dist.reduce_scatter(out, [b.contiguous() for b in blocks], group=ctx.group)   # Σ_s ∂L_s/∂z_rank
        return out, None, None


_BACKWARDS = ("sum", "local", "torch")


def all_gather(x, *, backward: str = "sum", group=None) -> torch.Tensor:
    """``(world·b, d)``: every rank's ``x: (b, d)`` stacked in rank order, differentiable (lesson 24, Eq. (3)).

    ``backward="sum"``: the gradient reaching ``x`` is the sum over ranks of their losses' gradients for
    this block (reduce-scatter; exact). ``"local"``: only this rank's own gradient (what assigning ``x``
    into the output of the non-differentiable ``dist.all_gather`` gives; wrong, kept to show it).
    ``"torch"``: ``torch.distributed.nn.functional.all_gather`` (the oracle; also sums). Every rank must
    pass the same shape. Needs an initialised process group.
    """
    x = as_tensor(x, "x", ndim=2)
    backward = check_choice(backward, "backward", _BACKWARDS)
    if backward == "torch":
        from torch.distributed.nn.functional import all_gather as _torch_all_gather
        return torch.cat(_torch_all_gather(x.contiguous(), group=group), 0)
    return _AllGather.apply(x, backward == "sum", group)


def info_nce_anchors(z1, z2, rows, temperature: float = 0.5) -> torch.Tensor:
    """SimCLR's loss averaged over the anchors ``rows`` only (lesson 24, Eq. (2)), a scalar tensor.

    ``z1, z2: (B, d)`` two views of ``B`` examples; ``rows``: indices (or a slice) of the examples whose
    two views are anchors. Each anchor is scored against all ``2B − 1`` other rows. Averaged over the
    ranks' equal, disjoint blocks of rows it equals lesson 15's :func:`~lowdim_utils.contrastive.info_nce`.
    """
    z1, z2 = as_tensor(z1, "z1", ndim=2, min_rows=2), as_tensor(z2, "z2", ndim=2, min_rows=2)
    if z1.shape != z2.shape:
        raise ValueError(f"z1 and z2 must have the same shape, got {tuple(z1.shape)} and {tuple(z2.shape)}.")
    temperature = check_positive(temperature, "temperature")
    b = z1.shape[0]
    rows = torch.arange(b, device=z1.device)[rows] if isinstance(rows, slice) else \
        torch.as_tensor(rows, dtype=torch.int64, device=z1.device)
    if rows.ndim != 1 or rows.numel() == 0 or int(rows.min()) < 0 or int(rows.max()) >= b:
        raise ValueError(f"rows must be non-empty indices in [0, {b}), got {rows.tolist()[:8]}.")
    z = F.normalize(torch.cat([z1, z2]), dim=1)                      # (2B, d)
    anchors, positives = torch.cat([rows, rows + b]), torch.cat([rows + b, rows])
    logits = z[anchors] @ z.T / temperature                           # (2m, 2B)
    logits = logits.scatter(1, anchors[:, None], float("-inf"))       # an anchor is not its own candidate
    return F.cross_entropy(logits, positives)


_ANCHORS = ("local", "replicated")


def gathered_info_nce(z1, z2, temperature: float = 0.5, *, anchors: str = "local", backward: str = "sum",
                      group=None) -> torch.Tensor:
    """InfoNCE on the global batch, negatives from every rank (lesson 24, Eqs. (2)–(4)).

    ``z1, z2: (b, d)`` this rank's two views. Both are gathered with :func:`all_gather` (``backward``).
    ``anchors="local"``: this rank's loss averages over its own ``2b`` anchors only (``O(b·B)`` work);
    the mean of the ranks' losses is the global loss, so DDP's gradient *averaging* gives the exact
    full-batch gradient when ``backward`` sums. ``"replicated"``: every rank computes the whole global
    loss (``O(B²)``); with ``backward="local"`` the averaged gradient is then ``1/world`` of the true one.
    """
    anchors = check_choice(anchors, "anchors", _ANCHORS)
    z1a, z2a = all_gather(z1, backward=backward, group=group), all_gather(z2, backward=backward, group=group)
    if anchors == "replicated":
        return info_nce(z1a, z2a, temperature)
    b = z1.shape[0]
    return info_nce_anchors(z1a, z2a, shard(z1a.shape[0], dist.get_rank(group), dist.get_world_size(group)),
                            temperature)


# ------------------------------------------------------------------ distributed PCA

def local_moments(X):
    """``(n, s, S)`` of ``X: (n, d)``: the row count, ``s = Σ xᵢ`` (d,) and ``S = Σ xᵢxᵢᵀ`` (d, d).
    Moments add over shards, so summing them (one all-reduce) gives the global ones (lesson 24, Eq. (5))."""
    X = as_matrix(X, "X")
    return torch.tensor(float(X.shape[0]), dtype=X.dtype, device=X.device), X.sum(0), X.T @ X


def moments_pca(n, s, S, k: int):
    """The top-``k`` principal components ``(k, d)`` (rows orthonormal) and variances ``(k,)`` from summed
    moments: ``C = (S − s sᵀ/n)/(n − 1)`` (lesson 24, Eq. (5)), eigenvectors by ``torch.linalg.eigh``."""
    S = as_matrix(S, "S")
    d = S.shape[0]
    if S.shape != (d, d):
        raise ValueError(f"S must be a square (d, d) matrix, got shape {tuple(S.shape)}.")
    s = as_tensor(s, "s", ndim=1, dtype=S.dtype, device=S.device)
    n = float(n)
    if not n > 1:
        raise ValueError(f"n must be more than 1 row, got {n}.")
    k = check_int(k, "k", low=1, high=d)
    C = (S - torch.outer(s, s) / n) / (n - 1)
    w, V = torch.linalg.eigh((C + C.T) / 2)
    return V[:, -k:].flip(1).T.contiguous(), w[-k:].flip(0)


def merge_subspaces(bases, weights=None, k: int | None = None, *, variances=None) -> torch.Tensor:
    """Merge local subspaces into one: the top-``k`` eigenvectors ``(d, k)`` of ``Σ_r w_r V_r D_r V_rᵀ``.

    ``bases``: ``(p, d, k_r)`` or a list of ``(d, k_r)`` matrices with orthonormal columns (one per rank).
    ``weights``: ``(p,)`` non-negative (default equal; normalised to sum 1), e.g. the ranks' row counts.
    Without ``variances`` (``D_r = I``) this is the weighted projector average, the rank-k projector
    closest in Frobenius norm to the ranks' projectors — an extrinsic mean on the Grassmann manifold
    (lesson 24, Eq. (6)); with ``variances`` (a list of ``(k_r,)``) it sums the local rank-k covariance
    approximations instead. ``k`` defaults to the largest ``k_r``. Eigenvectors are sign-free: compare
    with principal angles (:func:`~lowdim_utils.linear.subspace_angles`).
    """
    if isinstance(bases, torch.Tensor) and bases.ndim == 3:
        bases = list(bases.unbind(0))
    if not isinstance(bases, (list, tuple)) or not bases:
        raise ValueError("bases must be a non-empty list of (d, k_r) matrices or a (p, d, k) tensor.")
    Vs = [as_matrix(V, "bases") for V in bases]
    dt, dev, d = Vs[0].dtype, Vs[0].device, Vs[0].shape[0]
    Vs = [V.to(dtype=dt, device=dev) for V in Vs]
    for r, V in enumerate(Vs):
        if V.shape[0] != d or V.shape[1] > d:
            raise ValueError(f"bases[{r}] must be (d={d}, k_r <= d), got shape {tuple(V.shape)}.")
        gram = V.T @ V
        err = float((gram - torch.eye(V.shape[1], dtype=dt, device=dev)).abs().max())
        if err > 1e-4 if dt != torch.float64 else err > 1e-8:
            raise ValueError(f"bases[{r}] must have orthonormal columns (|VᵀV − I| = {err:.2g}): orthonormalise "
                             "it first (e.g. torch.linalg.qr).")
    p = len(Vs)
    w = torch.full((p,), 1.0 / p, dtype=dt, device=dev) if weights is None else \
        as_tensor(weights, "weights", ndim=1, dtype=dt, device=dev)
    if w.shape[0] != p or bool((w < 0).any()) or not float(w.sum()) > 0:
        raise ValueError(f"weights must be {p} non-negative numbers with a positive sum, got {w.tolist()}.")
    w = w / w.sum()
    if variances is not None:
        if len(variances) != p:
            raise ValueError(f"variances must hold one (k_r,) vector per basis ({p}), got {len(variances)}.")
        Ds = [as_tensor(v, "variances", ndim=1, dtype=dt, device=dev) for v in variances]
        if any(D.shape[0] != V.shape[1] for D, V in zip(Ds, Vs)):
            raise ValueError("variances[r] must have one entry per column of bases[r].")
    else:
        Ds = [torch.ones(V.shape[1], dtype=dt, device=dev) for V in Vs]
    k = max(V.shape[1] for V in Vs) if k is None else check_int(k, "k", low=1, high=d)
    M = sum(wr * (V * D) @ V.T for wr, V, D in zip(w, Vs, Ds))
    _, E = torch.linalg.eigh((M + M.T) / 2)
    return E[:, -k:].flip(1)


# ------------------------------------------------------------------ the α-β cost model

def _arr(x, name):
    return as_tensor(x, name, dtype=torch.float64)


def ring_allreduce_time(nbytes, p, alpha, beta) -> torch.Tensor:
    """Seconds for a ring all-reduce of ``nbytes`` over ``p`` workers (lesson 24, Eq. (7)):
    ``2(p − 1)·α + 2(p − 1)/p · nbytes/β`` (reduce-scatter then all-gather, ``p − 1`` steps each, every
    step moving ``nbytes/p``); 0 for ``p = 1``. ``alpha``: seconds per message, ``beta``: bytes per second.
    Broadcasts over array arguments; returns a float64 tensor."""
    nbytes, p = _arr(nbytes, "nbytes"), _arr(p, "p")
    if bool((p < 1).any()) or bool((nbytes < 0).any()):
        raise ValueError("p must be >= 1 worker and nbytes >= 0.")
    alpha, beta = check_positive(alpha, "alpha", allow_zero=True), check_positive(beta, "beta")
    return 2 * (p - 1) * alpha + 2 * (p - 1) / p * nbytes / beta


def fit_alpha_beta(nbytes, seconds, p: int = 2) -> tuple[float, float]:
    """Latency ``α`` (s) and bandwidth ``β`` (bytes/s) of Eq. (7) fitted by least squares to measured
    all-reduce times ``seconds`` of messages ``nbytes`` on ``p >= 2`` workers (α clamped at >= 0)."""
    x, t = _arr(nbytes, "nbytes").reshape(-1), _arr(seconds, "seconds").reshape(-1)
    p = check_int(p, "p", low=2)
    if x.shape != t.shape or x.numel() < 2:
        raise ValueError(f"nbytes and seconds must be matching vectors of >= 2 measurements, got {x.numel()}, {t.numel()}.")
    A = torch.stack([torch.full_like(x, 2.0 * (p - 1)), 2.0 * (p - 1) / p * x], 1)
    coef = torch.linalg.lstsq(A, t[:, None]).solution[:, 0]
    alpha, inv_beta = float(coef[0]), float(coef[1])
    if inv_beta <= 0:
        raise ValueError("the times do not grow with the message size: no bandwidth can be fitted.")
    if alpha < 0:                                   # refit the slope alone through the origin
        alpha = 0.0
        inv_beta = float((A[:, 1] @ t) / (A[:, 1] @ A[:, 1]))
    return alpha, 1.0 / inv_beta


def predict_step_time(compute_s, nbytes, p, alpha, beta, *, overlap: bool = False) -> torch.Tensor:
    """Predicted seconds per data-parallel step with a fixed per-worker batch (weak scaling):
    ``compute + allreduce`` (no overlap) or ``max(compute, allreduce)`` (perfect overlap of the gradient
    all-reduce with the backward pass, DDP's bucketing taken to its limit). A prediction, not a measurement."""
    c = check_positive(compute_s, "compute_s")
    comm = ring_allreduce_time(nbytes, p, alpha, beta)
    return torch.maximum(torch.full_like(comm, c), comm) if overlap else c + comm


# ------------------------------------------------------------------ launching torchrun

class DistributedRunError(RuntimeError):
    """A distributed run failed, hung past its time limit, or a rank never joined a collective."""


def free_port() -> int:
    """A TCP port of 127.0.0.1 that is free now (bind to port 0 and let the OS choose)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def backend_for(nproc: int) -> str:
    """``"nccl"`` when CUDA has at least ``nproc >= 2`` GPUs (one per rank), else ``"gloo"`` (CPU)."""
    nproc = check_int(nproc, "nproc", low=1)
    ok = nproc >= 2 and torch.cuda.is_available() and torch.cuda.device_count() >= nproc and dist.is_nccl_available()
    return "nccl" if ok else "gloo"


def launch(tasks, inputs: dict, *, nproc: int = 2, timeout: float = 120.0, collective_timeout: float = 30.0,
           backend: str | None = None, job_dir=None) -> dict:
    """Run worker ``tasks`` (names in :data:`TASKS`) under ``torchrun`` with ``nproc`` processes.

    ``inputs``: ``{task: dict of tensors/numbers}`` saved to ``job_dir/inputs.pt`` for the workers.
    Each worker uses one thread; the rendezvous is 127.0.0.1 on a free port. The whole run is killed
    after ``timeout`` seconds; a collective that waits more than ``collective_timeout`` seconds (a rank
    that never joins) fails on the ranks that wait. Returns ``{task: [result of rank 0, rank 1, …]}``
    plus ``"_wall_s"``, ``"_backend"``, ``"_log"``; raises :class:`DistributedRunError` with the failing
    rank's message otherwise.
    """
    tasks = [tasks] if isinstance(tasks, str) else list(tasks)
    for t in tasks:
        check_choice(t, "tasks", list(TASKS))
    nproc = check_int(nproc, "nproc", low=1)
    timeout = check_positive(timeout, "timeout")
    collective_timeout = check_positive(collective_timeout, "collective_timeout")
    backend = backend_for(nproc) if backend is None else check_choice(backend, "backend", ("gloo", "nccl"))
    job = Path(job_dir) if job_dir is not None else Path(tempfile.mkdtemp(prefix="lowdim-dist-"))
    job.mkdir(parents=True, exist_ok=True)
    torch.save(inputs, job / "inputs.pt")
    cmd = [sys.executable, "-m", "torch.distributed.run", f"--nproc-per-node={nproc}", "--nnodes=1",
           "--master-addr=127.0.0.1", f"--master-port={free_port()}", "--monitor-interval=0.1",
           "-m", "lowdim_utils.distributed", *tasks, "--job", str(job), "--backend", backend,
           "--timeout", str(collective_timeout)]
    root = str(Path(sys.modules[__package__].__file__).resolve().parent.parent)   # where lowdim_utils came from:
    # the workers import the same copy (site-packages or an editable checkout)
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", MASTER_ADDR="127.0.0.1",
               PYTHONPATH=os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])))
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    try:
        log, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _stop(proc, job)
        try:
            log, _ = proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            log = ""
        raise DistributedRunError(f"the run {tasks} did not finish within {timeout:g} s and was stopped "
                                  f"(torchrun and its {nproc} workers killed)." + _rank_lines(log)) from None
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise DistributedRunError(f"the run {tasks} failed (torchrun exit code {proc.returncode})."
                                  + (_rank_lines(log) or "\n" + log[-2000:]))
    out = {t: [torch.load(job / f"{t}.rank{r}.pt", weights_only=False) for r in range(nproc)] for t in tasks}
    out.update(_wall_s=wall, _backend=backend, _log=log)
    return out


def _stop(proc, job: Path):
    """Stop a run that passed its time limit: SIGTERM to torchrun (it stops its workers), then SIGKILL to
    torchrun's process group and to each worker by the process id it wrote to the job folder (torchrun
    starts every worker in a session of its own)."""
    pids = []
    for f in job.glob("pid.rank*"):
        try:
            pids.append(int(f.read_text()))
        except (OSError, ValueError):
            pass
    proc.terminate()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass
    for kill in ([lambda: os.killpg(proc.pid, signal.SIGKILL)] if hasattr(os, "killpg") else []) + \
            [proc.kill] + [lambda pid=pid: os.kill(pid, signal.SIGKILL) for pid in pids]:
        try:
            kill()
        except (ProcessLookupError, PermissionError, OSError):   # already gone
            pass


def _rank_lines(log: str) -> str:
    lines = [ln for ln in log.splitlines() if ln.startswith("[lowdim rank")]
    return ("\n" + "\n".join(lines)) if lines else ""


# ------------------------------------------------------------------ the worker side (under torchrun)

def _rank_world():
    return dist.get_rank(), dist.get_world_size()


def _ddp(model, device):
    from torch.nn.parallel import DistributedDataParallel
    model = model.to(device)
    return DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None)


def _model(spec, device):
    """The model of a task: ``mlp(spec["dims"])`` loaded with the state the kernel saved (same on every rank)."""
    model = mlp(spec["dims"], dtype=spec.get("dtype", torch.float32))
    model.load_state_dict(spec["state"])
    return model.to(device)


def _task_grad(inp, device, job):
    """One DDP step's gradient of the mean cross-entropy of the global batch ``X, y``, split in blocks."""
    rank, world = _rank_world()
    model = _model(inp["model"], device)
    sl = shard(inp["X"].shape[0], rank, world)
    X, y = inp["X"][sl].to(device), inp["y"][sl].to(device)
    loss_local = F.cross_entropy(model(X), y)                 # without DDP: this rank's own gradient
    local = torch.autograd.grad(loss_local, list(model.parameters()))
    ddp = _ddp(model, device)
    loss = F.cross_entropy(ddp(X), y)                          # Eq. (1): DDP averages the ranks' gradients
    loss.backward()
    return {"grad": flat_grad(model).cpu(), "local_grad": torch.cat([g.reshape(-1) for g in local]).cpu(),
            "loss": float(loss)}


_GATHER_VARIANTS = {"local anchors, summed backward": ("local", "sum"),
                    "local anchors, torch.distributed.nn": ("local", "torch"),
                    "local anchors, local backward": ("local", "local"),
                    "replicated loss, summed backward": ("replicated", "sum"),
                    "replicated loss, local backward": ("replicated", "local")}


def _task_contrastive(inp, device, job):
    """The gradient of InfoNCE with gathered negatives, for each way of gathering (lesson 24, Eq. (4))."""
    rank, world = _rank_world()
    model = _model(inp["model"], device)
    ddp = _ddp(model, device)
    sl = shard(inp["x1"].shape[0], rank, world)
    x = torch.cat([inp["x1"][sl], inp["x2"][sl]]).to(device)
    out = {}
    for name, (anchors, backward) in _GATHER_VARIANTS.items():
        model.zero_grad(set_to_none=True)
        z1, z2 = ddp(x).chunk(2)
        loss = gathered_info_nce(z1, z2, inp["temperature"], anchors=anchors, backward=backward)
        loss.backward()
        out[name] = {"grad": flat_grad(model).cpu(), "loss": float(loss)}
    return out


def _task_pca(inp, device, job):
    """Distributed PCA of ``X`` split as ``inp["splits"][name][rank]``: summed moments (exact, Eq. (5)) and
    merged local top-k subspaces (Eq. (6)), centred with the global mean (one all-reduce of d + 1 numbers)."""
    rank, world = _rank_world()
    k, out = inp["k"], {}
    for name, parts in inp["splits"].items():
        Xr = inp["X"][parts[rank]].to(device)
        n, s, S = local_moments(Xr)
        ns = torch.cat([n[None], s])
        dist.all_reduce(ns)                                        # global n and Σx
        mu = ns[1:] / ns[0]
        S_all = S.clone()
        dist.all_reduce(S_all)                                     # Σ xxᵀ over every rank: d² numbers
        exact, _ = moments_pca(ns[0], ns[1:], S_all, k)
        Xc = Xr - mu
        w, V = torch.linalg.eigh(Xc.T @ Xc / max(Xr.shape[0] - 1, 1))
        Vk, lk = V[:, -k:].flip(1).contiguous(), w[-k:].flip(0).contiguous()
        bases, lams, counts = ([torch.empty_like(t) for _ in range(world)] for t in (Vk, lk, n[None]))
        dist.all_gather(bases, Vk)                                 # d·k numbers per rank
        dist.all_gather(lams, lk)
        dist.all_gather(counts, n[None].contiguous())
        wts = torch.cat(counts)
        out[name] = {"exact": exact.cpu(), "local": Vk.T.cpu(),
                     "projector": merge_subspaces(bases, wts, k).T.cpu(),
                     "covariance": merge_subspaces(bases, wts, k, variances=lams).T.cpu(),
                     "bytes": {"exact": (S.numel() + ns.numel()) * S.element_size(),
                               "projector": (Vk.numel() + 1 + ns.numel()) * S.element_size()}}
    return out


def _timed(fn, repeats, device):
    """Median seconds of ``fn()`` over ``repeats`` calls, the ranks released together by a barrier."""
    times = []
    for _ in range(repeats):
        dist.barrier()
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        t0 = time.perf_counter()
        fn()
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        times.append(time.perf_counter() - t0)
    times.sort()
    return times[len(times) // 2]


def _task_timing(inp, device, job):
    """Per-step compute (forward + backward, no communication), the all-reduce of the gradient, a whole DDP
    step, and all-reduces of growing messages (for the α-β fit of Eq. (7))."""
    rank, world = _rank_world()
    g = torch.Generator().manual_seed(1000 + rank)
    model = mlp(inp["dims"], generator=0).to(device)
    X = torch.randn(inp["batch"], inp["dims"][0], generator=g).to(device)
    y = torch.randint(0, inp["dims"][-1], (inp["batch"],), generator=g).to(device)
    reps = inp["repeats"]

    def compute():
        model.zero_grad(set_to_none=True)
        F.cross_entropy(model(X), y).backward()

    compute()
    grads = flat_grad(model)
    ddp = _ddp(model, device)

    def ddp_step():
        ddp.zero_grad(set_to_none=True)
        F.cross_entropy(ddp(X), y).backward()

    ddp_step()
    res = {"params": grads.numel(), "bytes": grads.numel() * grads.element_size(),
           "compute": _timed(compute, reps, device), "allreduce": _timed(lambda: dist.all_reduce(grads), reps, device),
           "ddp_step": _timed(ddp_step, reps, device), "sweep_bytes": [], "sweep_s": []}
    for nb in inp["sweep_bytes"]:
        buf = torch.zeros(max(nb // 4, 1), dtype=torch.float32, device=device)
        dist.all_reduce(buf)
        res["sweep_bytes"].append(buf.numel() * 4)
        res["sweep_s"].append(_timed(lambda: dist.all_reduce(buf), reps, device))
    return res


def _train(inp, device, job, *, steps, start=None, restore=("model", "optimizer", "rng", "position")):
    """SimCLR with gathered negatives under DDP, from scratch or from the checkpoint ``start``; the
    augmentations draw from a per-rank generator, the batches from a shuffling DistributedSampler."""
    from torch.utils.data import DataLoader, DistributedSampler, TensorDataset
    rank, world = _rank_world()
    model = _model(inp["model"], device)
    ddp = _ddp(model, device)
    opt = torch.optim.Adam(model.parameters(), lr=inp["lr"])
    gen = torch.Generator().manual_seed(inp["seed"] * 1000 + rank)    # this rank's augmentation stream
    data = TensorDataset(inp["X"])
    sampler = DistributedSampler(data, num_replicas=world, rank=rank, shuffle=True, seed=inp["seed"])
    step = epoch = pos = 0
    if start is not None:
        ck = torch.load(job / f"{start}.rank{rank}.pt", weights_only=False)
        step = ck["step"]
        if "model" in restore:
            ddp.module.load_state_dict(ck["model"])
        if "optimizer" in restore:
            opt.load_state_dict(ck["optimizer"])
        if "rng" in restore:
            gen.set_state(ck["rng"])
        if "position" in restore:
            epoch, pos = ck["epoch"], ck["pos"]
    while step < steps:
        sampler.set_epoch(epoch)                                      # the permutation is a function of (seed, epoch)
        loader = DataLoader(data, batch_size=inp["batch"], sampler=sampler, drop_last=True)
        for i, (xb,) in enumerate(loader):
            if i < pos:
                continue                                              # already consumed before the checkpoint
            views = [((xb + inp["noise"] * torch.randn(xb.shape, generator=gen))       # noise and pixel masks
                      * (torch.rand(xb.shape, generator=gen) > inp["mask"])).to(device) for _ in range(2)]
            z1, z2 = ddp(torch.cat(views)).chunk(2)
            loss = gathered_info_nce(z1, z2, inp["temperature"])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            step, pos = step + 1, i + 1
            if step == steps:
                break
        else:
            epoch, pos = epoch + 1, 0
    state = {"model": model.state_dict(), "optimizer": opt.state_dict(), "rng": gen.get_state(),
             "step": step, "epoch": epoch, "pos": pos}
    return state, torch.cat([p.detach().reshape(-1) for p in model.parameters()]).cpu()


def _task_train(inp, device, job):
    """N steps straight, and N/2 steps ending in a checkpoint (written atomically: temp file + rename)."""
    rank, _ = _rank_world()
    _, straight = _train(inp, device, job, steps=inp["steps"])
    state, _ = _train(inp, device, job, steps=inp["steps"] // 2)
    tmp = job / f"ckpt.rank{rank}.pt.tmp"
    torch.save(state, tmp)
    os.replace(tmp, job / f"ckpt.rank{rank}.pt")
    return {"straight": straight, "ckpt_step": state["step"], "ckpt_epoch": state["epoch"], "ckpt_pos": state["pos"]}


_RESUMES = {"everything restored": ("model", "optimizer", "rng", "position"),
            "without the RNG state": ("model", "optimizer", "position"),
            "without the loader position": ("model", "optimizer", "rng"),
            "without the optimizer state": ("model", "rng", "position")}


def _task_resume(inp, device, job):
    """Resume from the checkpoint of :func:`_task_train` (in a new process group) up to N steps,
    restoring everything, or all but one piece of the state."""
    return {name: _train(inp, device, job, steps=inp["steps"], start="ckpt", restore=r)[1]
            for name, r in _RESUMES.items()}


def _task_stuck(inp, device, job):
    """The last rank never joins the all-reduce (it 'hangs' in a sleep); the others wait for it, on a process
    group whose collectives time out after ``inp["timeout"]`` seconds (the default group keeps its own, longer
    timeout, so that a slow start is not mistaken for a hang)."""
    rank, world = _rank_world()
    group = dist.new_group(list(range(world)), timeout=datetime.timedelta(seconds=inp.get("timeout", 2.0)))
    x = torch.ones(4, device=device)
    if rank == world - 1:
        time.sleep(inp.get("sleep", 600))
    dist.all_reduce(x, group=group)
    return {"sum": x.cpu()}


#: the tasks a worker can run: ``python -m lowdim_utils.distributed TASK [TASK ...] --job DIR``
TASKS = {"grad": _task_grad, "contrastive": _task_contrastive, "pca": _task_pca, "timing": _task_timing,
         "train": _task_train, "resume": _task_resume, "stuck": _task_stuck}


def _die_with_parent():
    """On Linux, ask the kernel to kill this worker when its parent (torchrun's agent) dies."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)   # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass


def _worker(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m lowdim_utils.distributed", description=__doc__.split("\n")[0])
    ap.add_argument("tasks", nargs="+", choices=list(TASKS))
    ap.add_argument("--job", required=True)
    ap.add_argument("--backend", default="gloo", choices=["gloo", "nccl"])
    ap.add_argument("--timeout", type=float, default=30.0)
    a = ap.parse_args(argv)
    rank, local = int(os.environ["RANK"]), int(os.environ["LOCAL_RANK"])
    job = Path(a.job)
    (job / f"pid.rank{rank}").write_text(str(os.getpid()))    # so that the launcher can stop this process
    _die_with_parent()
    torch.set_num_threads(1)
    device = torch.device("cpu")
    if a.backend == "nccl":
        device = torch.device("cuda", local)
        torch.cuda.set_device(device)
    task = a.tasks[0]
    try:
        dist.init_process_group(a.backend, timeout=datetime.timedelta(seconds=a.timeout))
        inputs = torch.load(job / "inputs.pt", weights_only=False)
        for task in a.tasks:
            result = TASKS[task](inputs.get(task, {}), device, job)
            torch.save(result, job / f"{task}.rank{rank}.pt")
        dist.barrier()
    except Exception as exc:   # report, then leave at once: torchrun stops the other ranks
        text = str(exc)
        if "timed out" in text.lower() or "timeout" in text.lower():
            found = re.search(r"(\d+)\s*ms|Timeout\(ms\)=(\d+)", text)
            secs = int(next(g for g in found.groups() if g)) / 1000 if found else a.timeout
            text = (f"a collective did not complete within {secs:g} s: another rank never joined it "
                    "(it hung, crashed, or took a different code path).")
        print(f"[lowdim rank {rank}] task {task!r} failed: {type(exc).__name__}: {text}", flush=True)
        sys.stdout.flush()
        os._exit(3)                # a normal exit would wait for gloo's threads
    dist.destroy_process_group()
    return 0


if __name__ == "__main__":
    sys.exit(_worker())
