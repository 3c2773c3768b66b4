"""2-D Gaussian splatting of an image (lesson 22; GaussianImage, Zhang et al. 2024).

An image is a sum of ``N`` anisotropic 2-D Gaussians, each with a centre ``μ_i ∈ ℝ²``, a covariance
``Σ_i = L_i L_iᵀ`` given by its Cholesky factor ``L_i = [[e^{s_i1}, 0], [r_i, e^{s_i2}]]`` (three numbers,
positive definite by construction) and a colour ``c_i ∈ ℝᶜ`` (opacity folded in). A pixel at ``p``
gets the accumulated sum (lesson 22, Eq. (8))

    C(p) = Σ_i c_i exp(−½ (p − μ_i)ᵀ Σ_i⁻¹ (p − μ_i)),

with no sorting and no alpha blending — GaussianImage's "accumulated summation". Every term is
differentiable, so :class:`GaussianImage` is fitted like any neural field, with
:func:`~lowdim_utils.fields.fit_field` (Adam on the squared error). ``N·(5 + c)`` numbers describe the image.
"""
from __future__ import annotations

import math

import torch
from torch import nn

from .rng import as_generator
from .validate import as_tensor, check_int, check_positive, check_same_device

__all__ = ["render_gaussians", "GaussianImage"]

_CHUNK = 2 ** 22          # pixels × Gaussians evaluated at once (memory, not results)


def _conics(means, log_scales, shear):
    """Per-Gaussian coefficients ``(6, N)`` of the quadratic form ``q(p) = (p − μ)ᵀ Σ⁻¹ (p − μ)`` in the
    monomials ``[x², xy, y², x, y, 1]`` of the pixel position, so that all ``q`` are one matrix product."""
    il1, il2 = torch.exp(-log_scales[:, 0]), torch.exp(-log_scales[:, 1])
    a = il1 ** 2 * (1 + (shear * il2) ** 2)          # Σ⁻¹ = L⁻ᵀ L⁻¹ = [[a, b], [b, c]]
    b = -shear * il1 * il2 ** 2
    c = il2 ** 2
    mx, my = means[:, 0], means[:, 1]
    return torch.stack([a, 2 * b, c, -2 * (a * mx + b * my), -2 * (b * mx + c * my),
                        a * mx ** 2 + 2 * b * mx * my + c * my ** 2])


def _render(coords, means, log_scales, shear, colors):
    K = _conics(means, log_scales, shear)
    x, y = coords[:, 0], coords[:, 1]
    mono = torch.stack([x * x, x * y, y * y, x, y, torch.ones_like(x)], 1)     # (P, 6)
    out = []
    step = max(1, _CHUNK // max(1, means.shape[0]))
    for s in range(0, coords.shape[0], step):
        q = (mono[s:s + step] @ K).clamp_min(0)                     # (p, N) Mahalanobis distances²
        out.append(torch.exp(-0.5 * q) @ colors)
    return torch.cat(out, 0)


def render_gaussians(coords, means, log_scales, shear, colors) -> torch.Tensor:
    """Render ``N`` Gaussians at pixel positions by accumulated summation (lesson 22, Eq. (8)).

    Args:
        coords: ``(P, 2)`` pixel positions.
        means: ``(N, 2)`` centres ``μ_i``.
        log_scales: ``(N, 2)`` logs of the diagonal of the Cholesky factor ``L_i``.
        shear: ``(N,)`` its off-diagonal entry ``r_i``.
        colors: ``(N, c)`` colours ``c_i``.

    Returns ``(P, c)``; differentiable in every argument. ``Σ_i = L_i L_iᵀ``, ``L_i = [[e^{s1}, 0], [r, e^{s2}]]``.
    """
    coords = as_tensor(coords, "coords", ndim=2)
    for name, t in (("means", means), ("log_scales", log_scales), ("shear", shear), ("colors", colors)):
        if isinstance(t, torch.Tensor):
            check_same_device(coords=coords, **{name: t})
    means = as_tensor(means, "means", ndim=2, dtype=coords.dtype, device=coords.device)
    n = means.shape[0]
    log_scales = as_tensor(log_scales, "log_scales", ndim=2, dtype=coords.dtype, device=coords.device)
    shear = as_tensor(shear, "shear", ndim=1, dtype=coords.dtype, device=coords.device)
    colors = as_tensor(colors, "colors", ndim=2, dtype=coords.dtype, device=coords.device)
    if coords.shape[1] != 2 or means.shape[1] != 2:
        raise ValueError(f"coords and means must have 2 columns (x, y), got {tuple(coords.shape)} and "
                         f"{tuple(means.shape)}.")
    if log_scales.shape != (n, 2) or shear.shape != (n,) or colors.shape[0] != n:
        raise ValueError(f"log_scales must be ({n}, 2), shear ({n},) and colors ({n}, c) for {n} Gaussians, got "
                         f"{tuple(log_scales.shape)}, {tuple(shear.shape)} and {tuple(colors.shape)}.")
    return _render(coords, means, log_scales, shear, colors)


class GaussianImage(nn.Module):
    """``N`` trainable 2-D Gaussians; ``forward(coords: (P, 2)) → (P, channels)`` by Eq. (8) of lesson 22.

    Initialisation (from ``generator``): centres uniform in ``[-1, 1]²`` (the image), isotropic
    standard deviations equal to the mean spacing ``2/√N`` of ``N`` points on the square, no shear,
    colours ``U(0, 2·init_color)`` so that the initial image is about ``init_color`` times the local coverage.
    Parameters: ``N·(5 + channels)`` (2 centre, 3 Cholesky, ``channels`` colour)."""

    def __init__(self, n_gaussians: int, channels: int = 1, *, init_color: float = 0.1, generator=None):
        super().__init__()
        n = check_int(n_gaussians, "n_gaussians", low=1)
        channels = check_int(channels, "channels", low=1)
        init_color = check_positive(init_color, "init_color")
        g = as_generator(generator)

        def u(*shape):
            return torch.rand(*shape, generator=g, device=g.device).cpu()

        self.means = nn.Parameter(u(n, 2) * 2 - 1)
        self.log_scales = nn.Parameter(torch.full((n, 2), math.log(2.0 / math.sqrt(n))))
        self.shear = nn.Parameter(torch.zeros(n))
        self.colors = nn.Parameter(u(n, channels) * 2 * init_color)

    def forward(self, coords):
        return _render(coords, self.means, self.log_scales, self.shear, self.colors)
