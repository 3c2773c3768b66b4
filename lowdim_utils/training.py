"""One small training loop for every model of the course, and parameter counting.

:func:`fit` runs a torch optimiser over mini-batches of a dataset and logs every term of the
loss. It replaces the hand-written loops of lessons 03 (LISTA), 05 (training in a random
subspace), 06 (fine-tuning) and 08 (autoencoders); later training-heavy lessons use it too.
A loss is a function ``loss(model, *batch)`` returning a scalar tensor or a dict of scalars
with a ``"loss"`` entry (the one minimised; the others are logged)::

    hist = fit(model, cross_entropy, (X, y), epochs=20, batch_size=256, lr=1e-3, generator=0)
    hist["loss"]       # mean training loss of each epoch

Randomness (the order of the mini-batches) follows the package's policy
(:mod:`lowdim_utils.rng`); on the CPU the loop runs single-threaded when one step is small
(:func:`lowdim_utils.device.threads_for`), which keeps small models fast on a busy machine.
"""
from __future__ import annotations

import math
import time

import torch
from torch import nn

from .device import threads, threads_for
from .progress import progress_bar
from .rng import as_generator
from .validate import as_tensor, check_bool, check_choice, check_int, check_positive, check_same_device

__all__ = ["fit", "cross_entropy", "accuracy", "count_parameters", "model_device"]

_OPTIMIZERS = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW, "sgd": torch.optim.SGD}


def count_parameters(model: nn.Module, *, trainable_only: bool = True) -> int:
    """Number of scalar parameters of ``model``: those with ``requires_grad`` (what an optimiser
    updates; the default), or all of them with ``trainable_only=False``."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}.")
    trainable_only = check_bool(trainable_only, "trainable_only")
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)


def model_device(model: nn.Module) -> torch.device:
    """The device of ``model``'s first parameter (or buffer); the CPU for a model without either."""
    p = next(iter(model.parameters()), None)
    if p is None:
        p = next(iter(model.buffers()), None)
    return p.device if p is not None else torch.device("cpu")


def _labels(y, X, name="y"):
    if not isinstance(y, torch.Tensor):
        import numpy as np
        y = torch.as_tensor(np.asarray(y))
    if y.dim() != 1 or y.shape[0] != X.shape[0]:
        raise ValueError(f"{name} must be 1-D with one label per row of X ({X.shape[0]}), got shape {tuple(y.shape)}.")
    if y.dtype.is_floating_point or y.dtype == torch.bool or y.is_complex():
        raise TypeError(f"{name} must hold integer class labels, got dtype {y.dtype}.")
    check_same_device(X=X, **{name: y})
    return y.long()


def cross_entropy(model: nn.Module, X, y) -> torch.Tensor:
    """The classification loss ``mean_i −log softmax(model(X))[i, y_i]`` (a loss for :func:`fit`)."""
    return nn.functional.cross_entropy(model(X), y)


@torch.no_grad()
def accuracy(model: nn.Module, X, y) -> float:
    """Fraction of rows of ``X`` whose arg-max prediction equals ``y`` (evaluated in eval mode;
    the model's mode is restored afterwards)."""
    X = as_tensor(X, "X")
    y = _labels(y, X)
    was_training = model.training
    model.eval()
    try:
        return float((model(X).argmax(dim=1) == y).double().mean())
    finally:
        model.train(was_training)


def _as_data(data):
    items = data if isinstance(data, (tuple, list)) else (data,)
    if not items:
        raise ValueError("data must hold at least one tensor, e.g. X or (X, y).")
    out = []
    for i, t in enumerate(items):
        if not isinstance(t, torch.Tensor):
            raise TypeError(f"data[{i}] must be a torch tensor (convert arrays with torch.from_numpy), "
                            f"got {type(t).__name__}.")
        out.append(t)
    n = out[0].shape[0] if out[0].dim() else 0
    for i, t in enumerate(out):
        if t.dim() == 0 or t.shape[0] != n:
            raise ValueError(f"data[{i}] must have {n} rows like data[0], got shape {tuple(t.shape)}.")
    if n == 0:
        raise ValueError("data must not be empty.")
    return out, n


def fit(model: nn.Module, loss, data, *, epochs: int | None = None, steps: int | None = None,
        batch_size: int | None = None, sampling: str = "shuffle", lr: float = 1e-3, weight_decay: float = 0.0,
        optimizer="adam", params=None, generator=None, stop_below: float | None = None, callback=None,
        progress: bool = True, desc: str | None = None, threads_policy: str = "auto") -> dict:
    """Train ``model`` by minimising ``loss(model, *batch)`` over mini-batches of ``data``.

    Args:
        model: a ``torch.nn.Module``; ``data`` must be on its device.
        loss: ``loss(model, *batch) -> scalar tensor`` or a dict of scalars with ``"loss"``.
        data: a tensor ``X`` or a tuple ``(X, y, ...)`` of tensors with the same number of rows.
        epochs: passes over the data (default 1); or give ``steps``, the number of optimiser steps.
        batch_size: rows per step (default: the whole dataset, one step per epoch).
        sampling: ``"shuffle"`` (each epoch walks a random permutation) or ``"replacement"``
            (each step draws ``batch_size`` random rows, as LISTA's training does).
        lr, weight_decay: of the optimiser.
        optimizer: ``"adam"`` (default), ``"adamw"``, ``"sgd"``, or a ready ``torch.optim.Optimizer``.
        params: the parameters to train (default: every parameter with ``requires_grad``).
        generator: the order of the batches (None, int seed or ``torch.Generator``; see
            :mod:`lowdim_utils.rng`).
        stop_below: stop after the first epoch whose mean loss is at most this value.
        callback: ``callback(epoch, model)`` after every epoch, run in eval mode under ``no_grad``.
        progress: show a progress bar (:func:`lowdim_utils.progress.progress_bar`).
        desc: the bar's label.
        threads_policy: ``"auto"`` (one thread on the CPU when a step is small, see
            :func:`lowdim_utils.device.threads_for`) or ``"keep"`` (leave torch's setting alone).

    Returns:
        A dict: one list per logged term with its mean over each epoch (``"loss"``, ...),
        ``"step_loss"`` (the loss of every step), ``"epochs"``, ``"steps"`` and ``"seconds"``.
        A loss that becomes NaN or infinite raises ``FloatingPointError``.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}.")
    if not callable(loss):
        raise TypeError(f"loss must be a function loss(model, *batch), got {type(loss).__name__}.")
    tensors, n = _as_data(data)
    dev = model_device(model)
    for i, t in enumerate(tensors):
        if t.device != dev:
            raise ValueError(f"data[{i}] is on {t.device} but model is on {dev}; move them with .to(device).")
    if epochs is not None and steps is not None:
        raise ValueError("give epochs or steps, not both.")
    batch_size = n if batch_size is None else check_int(batch_size, "batch_size", low=1, high=n)
    per_epoch = math.ceil(n / batch_size)
    count_steps = steps is not None         # the progress bar counts what the caller asked for
    if steps is not None:
        steps = check_int(steps, "steps", low=1)
        epochs = math.ceil(steps / per_epoch)
    else:
        epochs = 1 if epochs is None else check_int(epochs, "epochs", low=1)
        steps = epochs * per_epoch
    sampling = check_choice(sampling, "sampling", ("shuffle", "replacement"))
    lr = check_positive(lr, "lr")
    weight_decay = check_positive(weight_decay, "weight_decay", allow_zero=True)
    if stop_below is not None:
        stop_below = check_positive(stop_below, "stop_below", allow_zero=True)
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be a function callback(epoch, model), got {type(callback).__name__}.")
    threads_policy = check_choice(threads_policy, "threads_policy", ("auto", "keep"))
    gen = as_generator(generator)
    params = [p for p in model.parameters() if p.requires_grad] if params is None else list(params)
    if not params:
        raise ValueError("model has no parameter that requires a gradient (nothing to train).")
    if isinstance(optimizer, torch.optim.Optimizer):
        opt = optimizer
    else:
        opt = _OPTIMIZERS[check_choice(optimizer, "optimizer", sorted(_OPTIMIZERS))](
            params, lr=lr, weight_decay=weight_decay)

    n_params = sum(p.numel() for p in model.parameters())
    n_threads = threads_for(6.0 * batch_size * n_params, dev) if threads_policy == "auto" else None
    history: dict = {"step_loss": []}
    done_steps, ran = 0, 0
    t0 = time.perf_counter()
    model.train()
    with threads(n_threads):
        bar = progress_bar(total=steps if count_steps else epochs, desc=desc or f"training {type(model).__name__}",
                           disable=not progress)
        for epoch in range(epochs):
            if sampling == "shuffle":
                order = torch.randperm(n, generator=gen, device=gen.device).to(dev)
                batches = [order[i:i + batch_size] for i in range(0, n, batch_size)]
            else:
                batches = [torch.randint(0, n, (batch_size,), generator=gen, device=gen.device).to(dev)
                           for _ in range(per_epoch)]
            if batch_size == n and sampling == "shuffle":
                batches = [None]                     # full batch: no indexing
            sums: dict = {}
            seen = 0
            for idx in batches:
                if done_steps >= steps:
                    break
                batch = tensors if idx is None else [t[idx] for t in tensors]
                terms = loss(model, *batch)
                if not isinstance(terms, dict):
                    terms = {"loss": terms}
                if "loss" not in terms:
                    raise ValueError(f"loss returned a dict without a 'loss' entry: {sorted(terms)}.")
                opt.zero_grad(set_to_none=True)
                terms["loss"].backward()
                opt.step()
                done_steps += 1
                if count_steps:
                    bar.update(1)
                m = batch[0].shape[0]
                seen += m
                value = float(terms["loss"].detach())
                history["step_loss"].append(value)
                if not math.isfinite(value):
                    bar.close()
                    raise FloatingPointError(f"the loss became {value} at step {done_steps} (epoch {epoch + 1}): "
                                             f"lower lr (got {lr:g}).")
                for key, val in terms.items():
                    sums[key] = sums.get(key, 0.0) + float(val.detach()) * m
            ran += 1
            if not count_steps:
                bar.update(1)
            for key, val in sums.items():
                history.setdefault(key, []).append(val / max(seen, 1))
            if hasattr(bar, "set_postfix") and progress:
                bar.set_postfix(loss=f"{history['loss'][-1]:.4g}", refresh=False)
            if callback is not None:
                model.eval()
                with torch.no_grad():
                    callback(ran, model)
                model.train()
            if (stop_below is not None and history["loss"][-1] <= stop_below) or done_steps >= steps:
                break
        bar.close()
    model.eval()
    history["epochs"] = ran
    history["steps"] = done_steps
    history["seconds"] = time.perf_counter() - t0
    return history
