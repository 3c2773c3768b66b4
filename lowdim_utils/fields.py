"""Neural fields (lesson 22): an image as a function of its pixel coordinates, ``f_θ: [-1, 1]² → ℝᶜ``.

A *coordinate network* takes the coordinates ``x: (n, 2)`` of ``n`` pixels and returns their values
``(n, c)``. How the coordinates enter the network decides which frequencies it can learn quickly:

* :class:`CoordinateMLP` — a ReLU MLP on the raw coordinates, or on an encoding of them; its slow
  fitting of high frequencies is the *spectral bias* measured by :func:`band_errors`;
* :class:`FourierFeatures` — the Gaussian random Fourier features ``γ(x) = [cos 2πBx, sin 2πBx]`` of
  Tancik et al. (2020) (lesson 22, Eq. (3));
* :class:`Siren` — sine activations with Sitzmann et al.'s (2020) initialisation (lesson 22, Eqs. (4), (5));
  :func:`siren_bound` is the half-width of its uniform weights;
* :class:`HashGrid` — the multiresolution hash encoding of Müller et al. (2022, Instant-NGP): one
  table of trainable features per resolution, looked up at the four corners of the pixel's cell with
  :func:`spatial_hash` (or a dense index where the grid fits the table) and blended with
  :func:`bilinear_weights` (lesson 22, Eqs. (6), (7));
* :func:`fit_field` trains any of them on pixels with the course's loop :func:`~lowdim_utils.training.fit`,
  logging the PSNR (:func:`psnr`, lesson 22, Eq. (1)) and the training time;
* :func:`jpeg_at_bytes` — the JPEG baseline (Pillow, in memory) at a byte budget.

Everything is torch and runs on the device of the model's parameters.
"""
from __future__ import annotations

import io
import math
import time

import numpy as np
import torch
from torch import nn

from .rng import as_generator
from .training import fit
from .validate import as_tensor, check_choice, check_int, check_positive, check_same_device

__all__ = ["psnr", "pixel_grid", "band_errors", "FourierFeatures", "CoordinateMLP", "Siren", "siren_bound",
           "spatial_hash", "bilinear_weights", "HashGrid", "fit_field", "jpeg_at_bytes", "PRIMES"]

#: Instant-NGP's hash primes for the first two coordinates (Müller et al. 2022)
PRIMES = (1, 2654435761)


# ------------------------------------------------------------------ images and errors

def psnr(pred, target, *, data_range: float = 1.0) -> float:
    """Peak signal-to-noise ratio ``10 log10(data_range² / MSE)`` in dB (lesson 22, Eq. (1)).

    ``pred``, ``target``: tensors or arrays of the same shape (any number of dimensions). Returns
    ``inf`` when they are equal. Same convention as ``skimage.metrics.peak_signal_noise_ratio``."""
    target = as_tensor(target, "target")
    if isinstance(pred, torch.Tensor):
        check_same_device(pred=pred, target=target)
    pred = as_tensor(pred, "pred", dtype=torch.float64, device=target.device)
    if pred.shape != target.shape:
        raise ValueError(f"pred and target must have the same shape, got {tuple(pred.shape)} and "
                         f"{tuple(target.shape)}.")
    data_range = check_positive(data_range, "data_range")
    mse = float(torch.mean((pred.detach() - target.detach().double()) ** 2))
    return math.inf if mse == 0 else 10.0 * math.log10(data_range ** 2 / mse)


def pixel_grid(h: int, w: int, *, device=None, dtype=torch.float32) -> torch.Tensor:
    """The centres of an ``h × w`` image's pixels in ``[-1, 1]²``, row-major: ``(h·w, 2)`` with
    columns ``(x, y)`` = (column, row) coordinates, as ``torch.nn.functional.grid_sample`` orders them."""
    h, w = check_int(h, "h", low=1), check_int(w, "w", low=1)
    ys = (torch.arange(h, dtype=dtype) + 0.5) / h * 2 - 1
    xs = (torch.arange(w, dtype=dtype) + 0.5) / w * 2 - 1
    yy, xx = torch.meshgrid(ys, xs, indexing="ij")
    return torch.stack([xx.reshape(-1), yy.reshape(-1)], 1).to(device)


def band_errors(pred, target, *, bands: int = 4) -> torch.Tensor:
    """Relative error of an image in each radial frequency band: ``(bands,)``.

    ``pred``, ``target``: ``(h, w)`` images. With ``R``, ``T`` the 2-D FFTs of the residual
    ``pred − target`` and of the mean-removed target, band ``b`` holds the frequencies with
    ``|k|/k_max`` in ``[b/bands, (b+1)/bands)`` (``k_max`` the Nyquist radius; the corners beyond it
    go to the last band) and the value is ``Σ_b |R|² / Σ_b |T|²`` — 1 for a constant prediction at
    the mean, 0 for a perfect fit. This is how lesson 22 measures spectral bias over training."""
    target = as_tensor(target, "target", ndim=2)
    pred = as_tensor(pred, "pred", ndim=2, dtype=target.dtype, device=target.device)
    if pred.shape != target.shape:
        raise ValueError(f"pred and target must have the same shape, got {tuple(pred.shape)} and "
                         f"{tuple(target.shape)}.")
    bands = check_int(bands, "bands", low=1)
    h, w = target.shape
    fy = torch.fft.fftfreq(h, device=target.device).abs()[:, None]
    fx = torch.fft.fftfreq(w, device=target.device).abs()[None, :]
    radius = torch.sqrt(fx ** 2 + fy ** 2) / 0.5
    idx = torch.clamp((radius * bands).long(), max=bands - 1)
    R = torch.fft.fft2((pred - target).detach()).abs() ** 2
    T = torch.fft.fft2((target - target.mean()).detach()).abs() ** 2
    num = torch.zeros(bands, dtype=R.dtype, device=R.device).index_add_(0, idx.reshape(-1), R.reshape(-1))
    den = torch.zeros(bands, dtype=R.dtype, device=R.device).index_add_(0, idx.reshape(-1), T.reshape(-1))
    return num / den.clamp_min(1e-30)


# ------------------------------------------------------------------ encodings and networks

class FourierFeatures(nn.Module):
    """Gaussian Fourier features ``γ(x) = [cos 2πBx, sin 2πBx]`` (lesson 22, Eq. (3)).

    ``B: (m, d)`` has i.i.d. ``N(0, σ²)`` entries, drawn once from ``generator`` and fixed (a buffer,
    not a parameter). Input ``x: (n, d)``, output ``(n, 2m)``."""

    def __init__(self, in_features: int, n_features: int, sigma: float, *, generator=None):
        super().__init__()
        self.in_features = check_int(in_features, "in_features", low=1)
        n_features = check_int(n_features, "n_features", low=1)
        self.sigma = check_positive(sigma, "sigma")
        g = as_generator(generator)
        B = torch.randn(n_features, self.in_features, generator=g, device=g.device).cpu() * self.sigma
        self.register_buffer("B", B)
        self.out_features = 2 * n_features

    def forward(self, x):
        proj = 2 * math.pi * x @ self.B.T
        return torch.cat([torch.cos(proj), torch.sin(proj)], -1)


def _init_linear(layer: nn.Linear, g: torch.Generator) -> nn.Linear:
    """PyTorch's default initialisation of ``layer``, drawn from ``g`` (U(±1/√fan_in) for both)."""
    bound = 1.0 / math.sqrt(layer.in_features)
    with torch.no_grad():
        layer.weight.copy_((torch.rand(layer.weight.shape, generator=g, device=g.device) * 2 - 1) * bound)
        layer.bias.copy_((torch.rand(layer.bias.shape, generator=g, device=g.device) * 2 - 1) * bound)
    return layer


class CoordinateMLP(nn.Module):
    """A ReLU MLP ``encoding(x) → hidden → … → out`` for coordinates ``x: (n, in_features)``.

    ``encoding``: None (the raw coordinates), a :class:`FourierFeatures` or a :class:`HashGrid` (any
    module with ``out_features``). ``depth`` hidden layers of ``width`` units; a linear output layer."""

    def __init__(self, in_features: int = 2, out_features: int = 1, *, width: int = 64, depth: int = 3,
                 encoding: nn.Module | None = None, generator=None):
        super().__init__()
        in_features = check_int(in_features, "in_features", low=1)
        out_features = check_int(out_features, "out_features", low=1)
        width, depth = check_int(width, "width", low=1), check_int(depth, "depth", low=0)
        if encoding is not None and not hasattr(encoding, "out_features"):
            raise TypeError("encoding must be a module with an out_features attribute (FourierFeatures, HashGrid).")
        g = as_generator(generator)
        self.encoding = encoding
        d = encoding.out_features if encoding is not None else in_features
        layers = []
        for _ in range(depth):
            layers += [_init_linear(nn.Linear(d, width), g), nn.ReLU()]
            d = width
        layers.append(_init_linear(nn.Linear(d, out_features), g))
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(self.encoding(x) if self.encoding is not None else x)


def siren_bound(fan_in: int, w0: float = 30.0, *, first: bool = False) -> float:
    """Half-width ``c`` of SIREN's uniform weights ``U(−c, c)`` (lesson 22, Eq. (5)): ``1/fan_in`` for the
    first layer, ``√(6/fan_in)/w0`` for the others (the ``w0`` in ``sin(w0·(Wx + b))`` is divided out)."""
    fan_in = check_int(fan_in, "fan_in", low=1)
    w0 = check_positive(w0, "w0")
    return 1.0 / fan_in if first else math.sqrt(6.0 / fan_in) / w0


class Siren(nn.Module):
    """A sine network: ``h ← sin(w0·(W h + b))`` for ``depth`` hidden layers, then a linear layer
    (lesson 22, Eq. (4)). ``init="siren"`` draws the weights from :func:`siren_bound`'s uniform
    distribution; ``init="default"`` keeps PyTorch's ``U(±1/√fan_in)`` (the lesson shows its
    activations collapse). Input ``(n, in_features)``, output ``(n, out_features)``.

    :meth:`activations` returns every hidden layer's output, for the initialisation experiment."""

    def __init__(self, in_features: int = 2, out_features: int = 1, *, width: int = 64, depth: int = 3,
                 w0: float = 30.0, init: str = "siren", generator=None):
        super().__init__()
        in_features = check_int(in_features, "in_features", low=1)
        out_features = check_int(out_features, "out_features", low=1)
        width, depth = check_int(width, "width", low=1), check_int(depth, "depth", low=1)
        self.w0 = check_positive(w0, "w0")
        self.init = check_choice(init, "init", ("siren", "default"))
        g = as_generator(generator)
        dims = [in_features] + [width] * depth
        self.hidden = nn.ModuleList([_init_linear(nn.Linear(a, b), g) for a, b in zip(dims[:-1], dims[1:])])
        self.out = _init_linear(nn.Linear(width, out_features), g)
        if self.init == "siren":
            with torch.no_grad():
                for i, layer in enumerate(list(self.hidden) + [self.out]):   # the output layer too, as the paper's code
                    c = siren_bound(layer.in_features, self.w0, first=i == 0)
                    layer.weight.copy_((torch.rand(layer.weight.shape, generator=g, device=g.device) * 2 - 1) * c)
                    layer.bias.copy_((torch.rand(layer.bias.shape, generator=g, device=g.device) * 2 - 1) * c)

    def activations(self, x) -> list:
        """The output of every hidden sine layer: a list of ``depth`` tensors ``(n, width)``."""
        out, h = [], x
        for layer in self.hidden:
            h = torch.sin(self.w0 * layer(h))
            out.append(h)
        return out

    def forward(self, x):
        h = x
        for layer in self.hidden:
            h = torch.sin(self.w0 * layer(h))
        return self.out(h)


# ------------------------------------------------------------------ multiresolution hash grid

def spatial_hash(ix, iy, table_size: int) -> torch.Tensor:
    """Instant-NGP's spatial hash of integer vertices (lesson 22, Eq. (6)):
    ``(ix·1 ⊕ iy·2654435761) mod T``, computed in uint32 arithmetic (the product wraps at 2³²).

    ``ix``, ``iy``: integer tensors of one shape (non-negative); ``table_size``: ``T >= 1``. Returns int64."""
    if not isinstance(ix, torch.Tensor) or not isinstance(iy, torch.Tensor) or ix.is_floating_point() \
            or iy.is_floating_point():
        raise TypeError("ix and iy must be integer tensors (vertex indices).")
    if ix.shape != iy.shape:
        raise ValueError(f"ix and iy must have the same shape, got {tuple(ix.shape)} and {tuple(iy.shape)}.")
    table_size = check_int(table_size, "table_size", low=1)
    mask = (1 << 32) - 1
    h = ((ix.long() * PRIMES[0]) & mask) ^ ((iy.long() * PRIMES[1]) & mask)
    return h % table_size


def bilinear_weights(frac) -> torch.Tensor:
    """Weights of the four corners of a cell for fractional positions ``frac: (n, 2)`` in ``[0, 1]²``
    (lesson 22, Eq. (7)): ``(n, 4)`` in the corner order (0,0), (1,0), (0,1), (1,1) of (x, y) offsets."""
    fx, fy = frac[:, 0], frac[:, 1]
    return torch.stack([(1 - fx) * (1 - fy), fx * (1 - fy), (1 - fx) * fy, fx * fy], 1)


_CORNERS = ((0, 0), (1, 0), (0, 1), (1, 1))


class HashGrid(nn.Module):
    """Multiresolution hash encoding of 2-D coordinates (Müller et al. 2022; lesson 22, Eqs. (6), (7)).

    Level ``l = 0..levels-1`` has resolution ``N_l = ⌊N_min · b^l⌋`` with ``b = (N_max/N_min)^(1/(levels−1))``
    and a table of ``min(T, (N_l+1)²)`` trainable ``features``-vectors, ``T = 2^log2_table_size``:
    a vertex ``(i, j)`` of the ``N_l × N_l`` grid indexes the table densely (``i + (N_l+1) j``) where the grid
    fits, through :func:`spatial_hash` where it does not. The feature of a point is the bilinear blend
    of its cell's four corners; the levels are concatenated: ``(n, 2) → (n, levels · features)``.
    Input coordinates in ``[-1, 1]²`` (mapped to ``[0, 1]²``). Tables start ``U(±1e-4)`` as in the paper."""

    def __init__(self, *, levels: int = 8, features: int = 2, log2_table_size: int = 12, min_resolution: int = 4,
                 max_resolution: int = 64, generator=None):
        super().__init__()
        self.levels = check_int(levels, "levels", low=1)
        self.features = check_int(features, "features", low=1)
        self.table_size = 2 ** check_int(log2_table_size, "log2_table_size", low=1, high=30)
        n_min = check_int(min_resolution, "min_resolution", low=1)
        n_max = check_int(max_resolution, "max_resolution", low=n_min)
        b = math.exp((math.log(n_max) - math.log(n_min)) / (self.levels - 1)) if self.levels > 1 else 1.0
        self.resolutions = [int(math.floor(n_min * b ** l + 1e-9)) for l in range(self.levels)]
        self.dense = [(r + 1) ** 2 <= self.table_size for r in self.resolutions]
        g = as_generator(generator)
        self.tables = nn.ParameterList([
            nn.Parameter(((torch.rand((r + 1) ** 2 if d else self.table_size, self.features, generator=g,
                                      device=g.device) * 2 - 1) * 1e-4).cpu())
            for r, d in zip(self.resolutions, self.dense)])
        self.out_features = self.levels * self.features

    def level_index(self, level: int, ix, iy) -> torch.Tensor:
        """The table rows of vertices ``(ix, iy)`` at ``level``: dense or hashed."""
        if self.dense[level]:
            return ix + (self.resolutions[level] + 1) * iy
        return spatial_hash(ix, iy, self.table_size)

    def forward(self, x):
        u = ((x + 1) / 2).clamp(0, 1)                              # [-1, 1]² → [0, 1]²
        out = []
        for l, (res, table) in enumerate(zip(self.resolutions, self.tables)):
            p = u * res
            i0 = torch.clamp(p.floor().long(), max=res - 1)        # the cell; x = 1 falls in the last one
            w = bilinear_weights(p - i0)
            f = 0
            for c, (dx, dy) in enumerate(_CORNERS):
                rows = self.level_index(l, i0[:, 0] + dx, i0[:, 1] + dy)
                f = f + w[:, c:c + 1] * table[rows]
            out.append(f)
        return torch.cat(out, 1)


# ------------------------------------------------------------------ training and the JPEG baseline

def fit_field(model: nn.Module, coords, values, *, steps: int = 300, lr: float = 1e-3, eval_coords=None,
              eval_values=None, log_every: int = 25, callback=None, generator=None, progress: bool = False) -> dict:
    """Fit ``model`` to pixels by full-batch Adam on the mean squared error (``training.fit``).

    ``coords: (n, 2)``, ``values: (n, c)`` on the model's device; ``eval_coords``/``eval_values`` (default:
    the training pixels) are evaluated every ``log_every`` steps. ``callback(step, model)`` runs at each
    logged step (eval mode, no grad). Returns a dict with ``"step"``, ``"seconds"`` (training time so
    far, excluding evaluation), ``"psnr"`` (on the evaluation pixels, values in ``[0, 1]``), and
    ``"train_psnr"`` (last, on the training pixels)."""
    coords = as_tensor(coords, "coords", ndim=2)
    values = as_tensor(values, "values", ndim=2, dtype=coords.dtype, device=coords.device)
    if values.shape[0] != coords.shape[0]:
        raise ValueError(f"coords and values must have the same number of rows, got {coords.shape[0]} and "
                         f"{values.shape[0]}.")
    if (eval_coords is None) != (eval_values is None):
        raise ValueError("give both eval_coords and eval_values, or neither.")
    ec = coords if eval_coords is None else as_tensor(eval_coords, "eval_coords", ndim=2, device=coords.device)
    ev = values if eval_values is None else as_tensor(eval_values, "eval_values", ndim=2, device=coords.device)
    steps, log_every = check_int(steps, "steps", low=1), check_int(log_every, "log_every", low=1)
    hist = {"step": [], "seconds": [], "psnr": []}
    clock = {"t0": time.perf_counter(), "eval": 0.0}

    def log(step, m):
        if step % log_every and step != steps:
            return
        t = time.perf_counter()
        hist["step"].append(step)
        hist["seconds"].append(t - clock["t0"] - clock["eval"])
        hist["psnr"].append(psnr(m(ec).clamp(0, 1), ev))
        if callback is not None:
            callback(step, m)
        clock["eval"] += time.perf_counter() - t

    fit(model, lambda m, x, y: torch.mean((m(x) - y) ** 2), (coords, values), steps=steps, lr=lr,
        generator=generator, callback=log, progress=progress, desc=f"fitting {type(model).__name__}")
    with torch.no_grad():
        hist["train_psnr"] = psnr(model(coords).clamp(0, 1), values)
    return hist


def jpeg_at_bytes(image, n_bytes: int):
    """The best JPEG (Pillow, in memory, optimised Huffman tables) of a grayscale ``image: (h, w)`` in
    ``[0, 1]`` that fits in ``n_bytes`` bytes (whole file, headers included).

    Returns ``(decoded (h, w) float array in [0, 1], bytes used, quality)``, or ``(None, smallest size,
    1)`` when even quality 1 does not fit."""
    from PIL import Image
    img = as_tensor(image, "image", ndim=2, dtype=torch.float64)
    n_bytes = check_int(n_bytes, "n_bytes", low=1)
    u8 = np.clip(np.round(img.cpu().numpy() * 255), 0, 255).astype(np.uint8)
    pil = Image.fromarray(u8, mode="L")

    def encode(q):
        buf = io.BytesIO()
        pil.save(buf, format="JPEG", quality=int(q), optimize=True)
        return buf.getvalue()

    lo, hi, best = 1, 100, None
    if len(encode(1)) > n_bytes:
        return None, len(encode(1)), 1
    while lo <= hi:                                   # file size grows with quality: bisect
        q = (lo + hi) // 2
        data = encode(q)
        if len(data) <= n_bytes:
            best, lo = (data, q), q + 1
        else:
            hi = q - 1
    data, q = best
    dec = np.asarray(Image.open(io.BytesIO(data)), dtype=np.float64) / 255.0
    return dec, len(data), q
