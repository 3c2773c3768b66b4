"""The intrinsic dimension of a training problem: training in a random subspace (lesson 05).

Li, Farkhoor, Liu & Yosinski (2018) train a network with ``D`` parameters only inside a
random ``d``-dimensional affine subspace of its parameter space, ``θ = θ₀ + P z`` (lesson 05,
Eq. (8)), and call ``d_int90`` the smallest ``d`` whose test accuracy reaches 90 % of ordinary
training's. :class:`SubspaceModel` wraps any ``torch.nn.Module`` this way, with ``P`` a dense
Gaussian (:class:`DenseSubspaceProjection`), a very sparse (:class:`SparseSubspaceProjection`)
or a Fastfood (:class:`FastfoodSubspaceProjection`) map ``R^d → R^D``; :func:`dint_sweep`
measures ``d_int90`` over a list of dimensions. Training uses the shared loop
:func:`lowdim_utils.training.fit`; randomness follows :mod:`lowdim_utils.rng`.

(These maps go *up*, from the small space of ``z`` to the parameters; the projections of
lesson 02, :mod:`lowdim_utils.projections`, go down from data to a few coordinates.)
"""
from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field

import torch
from torch import nn

from .progress import progress_bar
from .rng import as_generator
from .training import accuracy, count_parameters, cross_entropy, fit
from .validate import check_choice, check_int, check_interval, check_same_device

__all__ = ["fwht", "DenseSubspaceProjection", "SparseSubspaceProjection", "FastfoodSubspaceProjection",
           "make_subspace_projection", "SubspaceModel", "dint_sweep", "SweepResult"]


def _hadamard(size: int, dtype, device) -> torch.Tensor:
    """The ``size × size`` Sylvester–Hadamard matrix (entries ±1), ``size`` a power of 2."""
    H = torch.ones(1, 1, dtype=dtype, device=device)
    H2 = torch.tensor([[1.0, 1.0], [1.0, -1.0]], dtype=dtype, device=device)
    while H.shape[0] < size:
        H = torch.kron(H2, H)
    return H


def fwht(x: torch.Tensor) -> torch.Tensor:
    """Unnormalised fast Walsh–Hadamard transform along the last dimension (length a power of 2).

    Equals ``x @ H`` for the Sylvester–Hadamard matrix ``H`` (entries ±1, ``HᵀH = L I``).
    Since ``H_{ab} = H_a ⊗ H_b``, the length-``L`` vector is viewed as a tensor with axes of
    size at most 32 and a small Hadamard matrix is applied along each axis: ``O(L log L)``
    work in a handful of matrix products, differentiable by autograd.
    """
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"x must be a torch tensor, got {type(x).__name__}.")
    L = x.shape[-1]
    if L < 1 or L & (L - 1):
        raise ValueError(f"x must have a power-of-2 length in its last dimension, got {L}.")
    bits = L.bit_length() - 1
    chunks = [5] * (bits // 5) + ([bits % 5] if bits % 5 else [])
    batch = x.shape[:-1]
    y = x.reshape(-1, *[1 << c for c in chunks])
    for c in chunks:  # contracting axis 1 moves it to the end: after all axes, the order is restored
        y = torch.tensordot(y, _hadamard(1 << c, x.dtype, x.device), dims=([1], [0]))
    return y.reshape(*batch, L)


class _Projection(nn.Module):
    """A fixed linear map ``R^d → R^D`` with (approximately) unit-norm columns."""

    def __init__(self, D: int, d: int):
        super().__init__()
        self.D = check_int(D, "D", low=1)
        self.d = check_int(d, "d", low=1, high=self.D)

    @property
    def nbytes(self) -> int:
        """Bytes needed to store the map (its buffers)."""
        return int(sum(b.numel() * b.element_size() for b in self._stored()))

    def _stored(self):
        return list(self.buffers())

    def matrix(self) -> torch.Tensor:
        """The dense ``(D, d)`` matrix (for tests and small sizes only)."""
        eye = torch.eye(self.d, dtype=self._dtype(), device=self._device())
        return torch.stack([self(e) for e in eye], dim=1)

    def _dtype(self):
        return next(b for b in self.buffers() if b.is_floating_point()).dtype

    def _device(self):
        return next(self.buffers()).device

    def _check_z(self, z):
        if not isinstance(z, torch.Tensor) or z.shape != (self.d,):
            raise ValueError(f"z must be a tensor of shape ({self.d},), got "
                             f"{tuple(z.shape) if isinstance(z, torch.Tensor) else type(z).__name__}.")

    def extra_repr(self):
        return f"D={self.D}, d={self.d}, {self.nbytes / 2**20:.2f} MiB"


class DenseSubspaceProjection(_Projection):
    """``P: (D, d)`` with i.i.d. Gaussian entries, columns scaled to unit norm; stores ``D·d`` numbers."""

    def __init__(self, D: int, d: int, *, generator=None, dtype=torch.float32):
        super().__init__(D, d)
        gen = as_generator(generator)
        P = torch.randn(self.D, self.d, generator=gen, dtype=dtype, device=gen.device).cpu()
        P /= torch.linalg.vector_norm(P, dim=0, keepdim=True)
        self.register_buffer("P", P)

    def forward(self, z):
        self._check_z(z)
        return self.P @ z


class SparseSubspaceProjection(_Projection):
    """Very sparse random projection (Li, Hastie & Church 2006): each column has about ``s = √D``
    non-zeros ``±1/√s`` at random rows (scaled to unit norm); stores about ``d·√D`` values plus
    indices."""

    def __init__(self, D: int, d: int, *, generator=None, dtype=torch.float32):
        super().__init__(D, d)
        gen = as_generator(generator)
        s = max(1, int(round(math.sqrt(self.D))))
        rows = torch.randint(0, self.D, (self.d * s,), generator=gen, device=gen.device).cpu()  # rare repeats are merged below
        cols = torch.arange(self.d).repeat_interleave(s)
        signs = torch.randint(0, 2, (self.d * s,), generator=gen, device=gen.device).cpu().to(torch.float64) * 2 - 1
        P = torch.sparse_coo_tensor(torch.stack([rows, cols]), signs, (self.D, self.d),
                                    check_invariants=True).coalesce()
        vals, col = P.values(), P.indices()[1]
        norms = torch.zeros(self.d, dtype=torch.float64).index_add_(0, col, vals**2).sqrt()
        vals = vals / norms.clamp_min(1e-12)[col]  # exactly unit columns
        P = torch.sparse_coo_tensor(P.indices(), vals, (self.D, self.d), is_coalesced=True,
                                    check_invariants=True).to(dtype)
        self.register_buffer("P", P)
        self.nnz_per_column = s

    def _stored(self):
        return [self.P._indices(), self.P._values()]

    def forward(self, z):
        self._check_z(z)
        return torch.sparse.mm(self.P, z[:, None])[:, 0]


class FastfoodSubspaceProjection(_Projection):
    """Fastfood transform (Le, Sarlós & Smola 2013), as used by Li et al. 2018:
    ``P z = c · (H G Π H B [z; 0])[:D]`` with ``L = 2^⌈log2 D⌉``, ``H`` the Walsh–Hadamard matrix,
    ``B`` random signs, ``Π`` a random permutation, ``G`` Gaussian, and ``c`` making the columns
    unit-norm on average. Stores ``O(L)`` numbers instead of ``D·d``; costs ``O(L log L)``."""

    def __init__(self, D: int, d: int, *, generator=None, dtype=torch.float32):
        super().__init__(D, d)
        gen = as_generator(generator)
        self.L = 1 << max(0, (self.D - 1).bit_length())
        B = torch.randint(0, 2, (self.L,), generator=gen, device=gen.device).cpu().to(torch.float64) * 2 - 1
        perm = torch.randperm(self.L, generator=gen, device=gen.device).cpu()
        G = torch.randn(self.L, generator=gen, dtype=torch.float64, device=gen.device).cpu()
        self.register_buffer("B", B.to(dtype))
        self.register_buffer("perm", perm)
        self.register_buffer("G", G.to(dtype))
        # full L-long columns have norm exactly 1/c; keeping D of the L rows leaves about D/L of it
        self.scale = math.sqrt(self.L / self.D) / (math.sqrt(self.L) * float(torch.linalg.vector_norm(G)))

    def forward(self, z):
        self._check_z(z)
        v = torch.cat([z, z.new_zeros(self.L - self.d)])  # [z; 0]
        v = fwht(v * self.B)
        v = fwht(v[self.perm] * self.G)
        return self.scale * v[:self.D]


_PROJECTIONS = {"dense": DenseSubspaceProjection, "sparse": SparseSubspaceProjection,
               "fastfood": FastfoodSubspaceProjection}


def make_subspace_projection(kind: str, D: int, d: int, *, generator=None, dtype=torch.float32):
    """A map ``R^d → R^D`` by name: ``"dense"``, ``"sparse"`` or ``"fastfood"``."""
    check_choice(kind, "projection", sorted(_PROJECTIONS))
    return _PROJECTIONS[kind](D, d, generator=generator, dtype=dtype)


# ----------------------------------------------------------------------------- subspace training

class SubspaceModel(nn.Module):
    """Train ``model`` only inside the random affine subspace ``θ = θ₀ + P z`` (lesson 05, Eq. (8)).

    ``θ₀`` is ``model``'s current (initial) parameter vector, ``P: (D, d)`` a fixed random
    projection and ``z ∈ R^d`` (initialised to 0) the only trainable parameter. The wrapped
    model's own parameters are frozen; ``forward(x)`` evaluates it at ``θ`` with
    ``torch.func.functional_call``, so gradients reach ``z`` through ``P``.

    Args:
        model: any module (its buffers, e.g. batch-norm statistics, are used as they are).
        d: subspace dimension, ``1 <= d <= D``.
        projection: ``"dense"``, ``"sparse"`` or ``"fastfood"``.
        generator: draws the projection (None, an int seed or a torch.Generator; :mod:`lowdim_utils.rng`).
    """

    def __init__(self, model: nn.Module, d: int, projection: str = "dense", *, generator=None):
        super().__init__()
        if not isinstance(model, nn.Module):
            raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}.")
        named = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
        if not named:
            raise ValueError("model has no trainable parameters.")
        devices = {p.device for _, p in named}
        if len(devices) > 1:
            raise ValueError(f"model's parameters must be on one device, got {sorted(map(str, devices))}.")
        dtype = named[0][1].dtype
        self.names = [n for n, _ in named]
        self.shapes = [p.shape for _, p in named]
        self.sizes = [p.numel() for _, p in named]
        self.D = sum(self.sizes)
        d = check_int(d, "d", low=1, high=self.D)
        self.register_buffer("theta0", torch.cat([p.detach().reshape(-1) for _, p in named]).clone())
        for _, p in named:
            p.requires_grad_(False)
        self.model = model
        device = named[0][1].device
        self.projection = make_subspace_projection(projection, self.D, d, generator=generator, dtype=dtype).to(device)
        self.z = nn.Parameter(torch.zeros(d, dtype=dtype, device=device))
        self.d = d

    def theta(self) -> torch.Tensor:
        """The full parameter vector ``θ₀ + P z``, shape ``(D,)``."""
        return self.theta0 + self.projection(self.z)

    def parameters_dict(self) -> dict:
        """``θ`` split and reshaped into the wrapped model's named parameters."""
        chunks = torch.split(self.theta(), self.sizes)
        return {n: c.reshape(s) for n, c, s in zip(self.names, chunks, self.shapes)}

    def forward(self, *args, **kwargs):
        return torch.func.functional_call(self.model, self.parameters_dict(), args, kwargs)


@dataclass
class SweepResult:
    """Accuracy against subspace dimension (see :func:`dint_sweep`)."""

    dims: list
    accuracies: list
    baseline: float
    n_params: int
    fraction: float
    projection: str
    projection_bytes: list = field(default_factory=list)

    @property
    def target(self) -> float:
        return self.fraction * self.baseline

    @property
    def dint(self):
        """The smallest swept ``d`` whose accuracy reaches ``fraction · baseline`` (None if none does)."""
        for d, a in zip(self.dims, self.accuracies):
            if a >= self.target:
                return d
        return None

    @property
    def dint_interpolated(self):
        """``d_int`` between the grid points (``dims`` ascending): the first swept ``d`` that reaches
        ``fraction · baseline`` and the one before it are joined by a straight line in
        ``(log d, accuracy)``, and the float ``d`` where that line crosses the target is returned.
        The first swept ``d`` itself if it already reaches the target; None if no ``d`` does.
        It removes the grid's rounding (a crossing between 100 and 125 is not reported as 125)
        but not the noise of each run."""
        for i, (d, a) in enumerate(zip(self.dims, self.accuracies)):
            if a >= self.target:
                if i == 0:
                    return float(d)
                d0, a0 = self.dims[i - 1], self.accuracies[i - 1]
                t = (self.target - a0) / (a - a0)      # a0 < target <= a, so 0 < t <= 1
                return float(math.exp(math.log(d0) + t * (math.log(d) - math.log(d0))))
        return None


def dint_sweep(make_model, dims, X_train, y_train, X_test, y_test, *, projection: str = "dense",
               steps: int = 300, lr: float = 0.05, baseline_steps: int | None = None, baseline_lr: float = 1e-2,
               fraction: float = 0.9, generator=None, baseline: float | None = None,
               progress: bool = True) -> SweepResult:
    """Measure ``d_int`` (Li et al. 2018): train ``make_model()`` normally (the baseline), then
    in random subspaces of each dimension in ``dims``, and record test accuracies.

    ``make_model()`` must return a freshly initialised model on the data's device. It is called
    once; every run starts from a copy of that model, so all runs share the same ``θ₀``.
    Training is full-batch Adam on the cross-entropy (:func:`lowdim_utils.training.fit`, ``steps``
    steps at ``lr``; the baseline ``baseline_steps`` at ``baseline_lr``). The projections are drawn
    from ``generator`` (None, an int seed or a ``torch.Generator``; :mod:`lowdim_utils.rng`), one
    after the other. ``fraction=0.9`` gives ``d_int90``: the smallest ``d`` reaching 90 % of the
    baseline accuracy. Pass ``baseline`` (a test accuracy measured before, e.g. by another sweep)
    to skip the baseline training.
    """
    if not callable(make_model) or isinstance(make_model, nn.Module):
        raise TypeError(f"make_model must be a function returning a fresh model, got {type(make_model).__name__}.")
    dims = [check_int(d, "dims", low=1) for d in dims]
    if not dims:
        raise ValueError("dims must name at least one subspace dimension.")
    fraction = check_interval(fraction, "fraction", 0.0, 1.0, closed="right")
    check_choice(projection, "projection", sorted(_PROJECTIONS))
    steps = check_int(steps, "steps", low=1)
    for name, X in (("X_train", X_train), ("X_test", X_test)):
        if not isinstance(X, torch.Tensor):
            raise TypeError(f"{name} must be a torch tensor on the model's device, got {type(X).__name__}.")
    check_same_device(X_train=X_train, X_test=X_test)
    gen = as_generator(generator)

    template = make_model()
    if not isinstance(template, nn.Module):
        raise TypeError(f"make_model must return a torch.nn.Module, got {type(template).__name__}.")
    D = count_parameters(template)
    too_big = [d for d in dims if d > D]
    if too_big:
        raise ValueError(f"dims must not exceed the model's {D} parameters, got {too_big}.")
    if baseline is None:
        base = copy.deepcopy(template)
        fit(base, cross_entropy, (X_train, y_train), steps=baseline_steps or steps, lr=baseline_lr,
            progress=False)
        baseline = accuracy(base, X_test, y_test)
    else:
        baseline = check_interval(baseline, "baseline", 0.0, 1.0, closed="right")
    accs, nbytes = [], []
    for d in progress_bar(dims, desc=f"subspace training ({projection})", disable=not progress):
        sub = SubspaceModel(copy.deepcopy(template), d, projection, generator=gen)
        fit(sub, cross_entropy, (X_train, y_train), steps=steps, lr=lr, progress=False)
        accs.append(accuracy(sub, X_test, y_test))
        nbytes.append(sub.projection.nbytes)
    return SweepResult(dims, accs, baseline, D, fraction, projection, nbytes)
