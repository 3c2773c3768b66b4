"""Tests of lowdim_utils.splatting (lesson 22): the accumulated-summation renderer against the direct
formula, positive-definite covariances, gradients, fitting, parameter count, bad input and devices."""
import math

import pytest
import torch

from lowdim_utils import fields, splatting, training


def direct(coords, means, log_scales, shear, colors):
    """Eq. (8) of lesson 22 with Σ = L Lᵀ inverted by torch.linalg.inv, one Gaussian at a time."""
    out = torch.zeros(coords.shape[0], colors.shape[1], dtype=coords.dtype)
    for i in range(means.shape[0]):
        L = torch.tensor([[math.exp(log_scales[i, 0]), 0.0], [float(shear[i]), math.exp(log_scales[i, 1])]],
                         dtype=coords.dtype)
        P = torch.linalg.inv(L @ L.T)
        d = coords - means[i]
        out += torch.exp(-0.5 * ((d @ P) * d).sum(1))[:, None] * colors[i]
    return out


def random_gaussians(n=6, c=2, seed=0, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    return (torch.rand(n, 2, generator=g, dtype=dtype) * 2 - 1, torch.randn(n, 2, generator=g, dtype=dtype) * 0.3 - 1.5,
            torch.randn(n, generator=g, dtype=dtype), torch.rand(n, c, generator=g, dtype=dtype))


def test_render_matches_direct_formula():
    coords = fields.pixel_grid(9, 7, dtype=torch.float64)
    params = random_gaussians()
    assert torch.allclose(splatting.render_gaussians(coords, *params), direct(coords, *params), atol=1e-10)


def test_one_gaussian_peaks_at_its_centre_with_its_colour():
    means = torch.tensor([[0.2, -0.3]])
    out = splatting.render_gaussians(means.clone(), means, torch.zeros(1, 2), torch.zeros(1), torch.tensor([[0.7]]))
    assert out.item() == pytest.approx(0.7)
    far = splatting.render_gaussians(torch.tensor([[0.2 + 3.0, -0.3]]), means, torch.zeros(1, 2), torch.zeros(1),
                                     torch.tensor([[0.7]]))
    assert far.item() == pytest.approx(0.7 * math.exp(-4.5), rel=1e-5)   # 3 standard deviations away


def test_chunking_does_not_change_the_image(monkeypatch):
    coords = fields.pixel_grid(16, 16, dtype=torch.float64)
    params = random_gaussians(10, 1, seed=1)
    whole = splatting.render_gaussians(coords, *params)
    monkeypatch.setattr(splatting, "_CHUNK", 37)
    assert torch.allclose(splatting.render_gaussians(coords, *params), whole, atol=1e-12)


def test_gradients_flow_to_every_attribute():
    gi = splatting.GaussianImage(5, channels=3, generator=0)
    gi(fields.pixel_grid(6, 6)).sum().backward()
    for p in (gi.means, gi.log_scales, gi.shear, gi.colors):
        assert p.grad is not None and torch.isfinite(p.grad).all() and p.grad.abs().sum() > 0
    assert training.count_parameters(gi) == 5 * (2 + 3 + 3)


def test_fitting_improves_and_more_gaussians_help():
    h = 20
    y, x = torch.meshgrid(torch.arange(h), torch.arange(h), indexing="ij")
    img = (0.5 + 0.4 * torch.sin(x / 2.5) * torch.cos(y / 3.0)).float()
    X, Y = fields.pixel_grid(h, h), img.reshape(-1, 1)
    few = fields.fit_field(splatting.GaussianImage(8, generator=0), X, Y, steps=150, lr=2e-2, generator=0)
    many = fields.fit_field(splatting.GaussianImage(64, generator=0), X, Y, steps=150, lr=2e-2, generator=0)
    assert few["psnr"][-1] > few["psnr"][0]
    assert many["psnr"][-1] > few["psnr"][-1] + 2


def test_bad_input_names_the_argument():
    coords = torch.zeros(4, 2)
    m, s, r, c = random_gaussians(3, 1, dtype=torch.float32)
    with pytest.raises(ValueError, match="shear"):
        splatting.render_gaussians(coords, m, s, r[:2], c)
    with pytest.raises(ValueError, match="coords and means"):
        splatting.render_gaussians(torch.zeros(4, 3), m, s, r, c)
    with pytest.raises(ValueError, match="colors contains NaN"):
        splatting.render_gaussians(coords, m, s, r, c * float("nan"))
    with pytest.raises(ValueError, match="n_gaussians"):
        splatting.GaussianImage(0)


def test_splatting_on_device(device):
    gi = splatting.GaussianImage(12, generator=0)
    X = fields.pixel_grid(8, 8)
    want = gi(X)
    out = gi.to(device)(X.to(device))
    assert out.device.type == device.type and torch.allclose(out.cpu(), want, atol=1e-5)
