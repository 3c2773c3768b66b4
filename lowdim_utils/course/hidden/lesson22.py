"""Instructor-only: plausible wrong answers of lesson 22 (fed to the checks by the test suite)."""
import math

import numpy as np

from ..registry import wrong

# ------------------------------------------------------------------ 22.bound


@wrong("22.bound")
def _siren_bound_always(fan_in, w0, act_var):
    return math.sqrt(6.0 / fan_in) / w0            # right only for act_var = 1/2


@wrong("22.bound")
def _forgot_w0(fan_in, w0, act_var):
    return math.sqrt(3.0 / (fan_in * act_var))


@wrong("22.bound")
def _std_not_halfwidth(fan_in, w0, act_var):
    return 1.0 / (math.sqrt(fan_in * act_var) * w0)    # the standard deviation, not the half-width


# ------------------------------------------------------------------ 22.bilinear

@wrong("22.bilinear")
def _nearest_vertex(grid, xy):
    R = grid.shape[0] - 1
    ij = np.rint(xy * R).astype(int)
    return grid[ij[:, 1], ij[:, 0]]


@wrong("22.bilinear")
def _swapped_axes(grid, xy):
    R = grid.shape[0] - 1
    p = xy * R
    i0 = np.clip(np.floor(p).astype(int), 0, R - 1)
    fx, fy = (p - i0)[:, :1], (p - i0)[:, 1:]
    x0, y0 = i0[:, 0], i0[:, 1]
    return ((1 - fx) * (1 - fy) * grid[x0, y0] + fx * (1 - fy) * grid[x0 + 1, y0]
            + (1 - fx) * fy * grid[x0, y0 + 1] + fx * fy * grid[x0 + 1, y0 + 1])


@wrong("22.bilinear")
def _no_edge_clamp(grid, xy):
    R = grid.shape[0] - 1
    p = xy * R
    i0 = np.floor(p).astype(int)                   # x = 1 gives the cell R, whose right corner does not exist
    fx, fy = (p - i0)[:, :1], (p - i0)[:, 1:]
    x0, y0 = i0[:, 0], i0[:, 1]
    return ((1 - fx) * (1 - fy) * grid[y0, x0] + fx * (1 - fy) * grid[y0, x0 + 1]
            + (1 - fx) * fy * grid[y0 + 1, x0] + fx * fy * grid[y0 + 1, x0 + 1])


# ------------------------------------------------------------------ 22.sigma

@wrong("22.sigma")
def _sigma_too_large():
    return 8.0, 64


@wrong("22.sigma")
def _too_few_features():
    return 3.0, 16
