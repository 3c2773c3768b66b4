"""Tests of lowdim_utils.fields (lesson 22): PSNR against scikit-image, Fourier features, SIREN's
initialisation (stable activations with it, collapse without), the spatial hash and the bilinear blend of
the hash grid against straightforward references and torch's grid_sample, training, the JPEG baseline,
bad input and devices."""
import math

import numpy as np
import pytest
import torch
from conftest import require_oracle

from lowdim_utils import fields, training


def image(seed=0, h=16, w=16):
    g = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w] / max(h, w)
    return np.clip(0.5 + 0.3 * np.sin(6 * x + 3 * y) + 0.05 * g.standard_normal((h, w)), 0, 1)


# ------------------------------------------------------------------ PSNR and the grid

def test_psnr_matches_scikit_image():
    metrics = require_oracle("skimage.metrics")
    a, b = image(0), image(1)
    for data_range in (1.0, 2.0):
        assert fields.psnr(b, a, data_range=data_range) == pytest.approx(
            metrics.peak_signal_noise_ratio(a, b, data_range=data_range), abs=1e-9)


def test_psnr_closed_form_and_identity():
    a = np.zeros((4, 4))
    assert fields.psnr(a + 0.1, a) == pytest.approx(20.0, abs=1e-9)      # MSE 0.01 → 20 dB
    assert fields.psnr(a, a) == math.inf


def test_pixel_grid_is_row_major_centres():
    X = fields.pixel_grid(2, 4)
    assert X.shape == (8, 2)
    assert torch.allclose(X[:4, 1], torch.full((4,), -0.5))               # first row: y = -1/2
    assert torch.allclose(X[:4, 0], torch.tensor([-0.75, -0.25, 0.25, 0.75]))


def test_band_errors_locate_the_residual():
    h = 32
    y, x = np.mgrid[0:h, 0:h]
    t = torch.tensor(np.sin(2 * np.pi * 2 * x / h) + np.sin(2 * np.pi * 14 * x / h))
    low_only = torch.tensor(np.sin(2 * np.pi * 2 * x / h))               # misses the high frequency
    e = fields.band_errors(low_only, t, bands=4)
    assert e[0] == pytest.approx(0.0, abs=1e-12) and e[3] == pytest.approx(1.0, rel=1e-9)
    assert torch.allclose(fields.band_errors(t, t), torch.zeros(4, dtype=t.dtype))


# ------------------------------------------------------------------ Fourier features and SIREN

def test_fourier_features_formula_and_kernel():
    ff = fields.FourierFeatures(2, 5, 3.0, generator=0)
    x = torch.rand(7, 2, generator=torch.Generator().manual_seed(1))
    g = ff(x)
    proj = 2 * math.pi * x @ ff.B.T
    assert g.shape == (7, 10) and torch.allclose(g, torch.cat([proj.cos(), proj.sin()], 1))
    # γ(x)ᵀγ(x') = Σ cos 2π bᵀ(x − x'): shift invariant
    K = g @ g.T
    K_shift = ff(x + 0.3) @ ff(x + 0.3).T
    assert torch.allclose(K, K_shift, atol=1e-5)
    assert ff.B.std().item() == pytest.approx(3.0, rel=0.8)
    assert not any(p is ff.B for p in ff.parameters())                   # fixed, not trained


def test_siren_bound_values():
    assert fields.siren_bound(256, 30.0) == pytest.approx(math.sqrt(6 / 256) / 30)
    assert fields.siren_bound(2, 30.0, first=True) == pytest.approx(0.5)


def test_siren_init_keeps_activations_stable_and_default_collapses():
    x = fields.pixel_grid(32, 32)
    stable = fields.Siren(width=256, depth=8, generator=0)
    with torch.no_grad():
        s = [a.std().item() for a in stable.activations(x)]
    assert all(0.55 < v < 0.75 for v in s), s                            # fixed point ≈ 0.631 (lesson 22)
    collapsed = fields.Siren(width=256, depth=8, init="default", w0=1.0, generator=0)
    with torch.no_grad():
        acts = collapsed.activations(x)
    c = [a.std().item() for a in acts]
    assert c[-1] < 0.1 * c[0]
    assert acts[-1].std(0).mean().item() < 0.01                           # the input's signal is gone


def test_coordinate_mlp_shapes_and_parameter_count():
    m = fields.CoordinateMLP(width=8, depth=2, generator=0)
    assert m(torch.zeros(5, 2)).shape == (5, 1)
    assert training.count_parameters(m) == (2 * 8 + 8) + (8 * 8 + 8) + (8 + 1)
    a, b = fields.CoordinateMLP(generator=3), fields.CoordinateMLP(generator=3)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))


# ------------------------------------------------------------------ hash grid

def test_spatial_hash_matches_python_integers():
    g = torch.Generator().manual_seed(0)
    ix, iy = torch.randint(0, 2**20, (500,), generator=g), torch.randint(0, 2**20, (500,), generator=g)
    T = 2**14
    ref = [(a * 1 ^ (b * 2654435761) % 2**32) % T for a, b in zip(ix.tolist(), iy.tolist())]
    assert fields.spatial_hash(ix, iy, T).tolist() == ref


def test_bilinear_weights_sum_to_one_and_interpolate_linear_functions():
    f = torch.rand(50, 2, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    w = fields.bilinear_weights(f)
    assert torch.allclose(w.sum(1), torch.ones(50, dtype=torch.float64))
    corners = torch.tensor([[0, 0], [1, 0], [0, 1], [1, 1]], dtype=torch.float64)
    assert torch.allclose(w @ corners, f)                                  # reproduces x and y exactly


def _reference_level(grid, level, u):
    """Straightforward loop: the feature of points u in [0, 1]² at one level."""
    res = grid.resolutions[level]
    table = grid.tables[level].detach().double()
    out = []
    for x, y in u.tolist():
        i0, j0 = min(int(math.floor(x * res)), res - 1), min(int(math.floor(y * res)), res - 1)
        fx, fy = x * res - i0, y * res - j0
        acc = torch.zeros(grid.features, dtype=torch.float64)
        for dx in (0, 1):
            for dy in (0, 1):
                i, j = i0 + dx, j0 + dy
                row = i + (res + 1) * j if grid.dense[level] else ((i * 1) ^ (j * 2654435761 % 2**32)) % grid.table_size
                wgt = (fx if dx else 1 - fx) * (fy if dy else 1 - fy)
                acc += wgt * table[row]
        out.append(acc)
    return torch.stack(out)


def test_hash_grid_against_reference_loop():
    grid = fields.HashGrid(levels=3, features=2, log2_table_size=6, min_resolution=4, max_resolution=32, generator=0)
    assert grid.dense == [True, False, False]                              # 5² ≤ 64 < 12², 33²
    with torch.no_grad():
        for t in grid.tables:
            t.normal_(generator=torch.Generator().manual_seed(1))
    x = torch.rand(40, 2, generator=torch.Generator().manual_seed(2)) * 2 - 1
    x[0] = torch.tensor([1.0, 1.0])                                          # the far corner
    with torch.no_grad():
        out = grid(x).double()
    u = ((x + 1) / 2).double()
    for level in range(3):
        ref = _reference_level(grid, level, u)
        assert torch.allclose(out[:, 2 * level:2 * level + 2], ref, atol=1e-5)


def test_dense_level_matches_grid_sample():
    grid = fields.HashGrid(levels=1, features=3, log2_table_size=10, min_resolution=8, max_resolution=8, generator=0)
    with torch.no_grad():
        grid.tables[0].normal_(generator=torch.Generator().manual_seed(0))
    x = torch.rand(100, 2, generator=torch.Generator().manual_seed(1)) * 2 - 1
    t = grid.tables[0].detach().reshape(9, 9, 3).permute(2, 0, 1)[None]
    want = torch.nn.functional.grid_sample(t, x[None, None], mode="bilinear", align_corners=True)[0, :, 0].T
    with torch.no_grad():
        assert torch.allclose(grid(x), want, atol=1e-6)


def test_hash_grid_gradient_reaches_the_tables():
    grid = fields.HashGrid(levels=2, features=2, log2_table_size=4, min_resolution=2, max_resolution=8, generator=0)
    grid(torch.zeros(3, 2)).sum().backward()
    assert all(t.grad is not None and t.grad.abs().sum() > 0 for t in grid.tables)


# ------------------------------------------------------------------ training and JPEG

def test_fit_field_improves_psnr_and_fourier_beats_raw():
    img = torch.tensor(image(3, 24, 24), dtype=torch.float32)
    X, Y = fields.pixel_grid(24, 24), img.reshape(-1, 1)
    raw = fields.fit_field(fields.CoordinateMLP(width=32, depth=2, generator=0), X, Y, steps=150, lr=1e-2, generator=0)
    enc = fields.FourierFeatures(2, 32, 2.0, generator=0)
    ff = fields.fit_field(fields.CoordinateMLP(width=32, depth=2, encoding=enc, generator=0), X, Y, steps=150, lr=1e-2,
                          generator=0)
    assert raw["psnr"][-1] > raw["psnr"][0] and ff["psnr"][-1] > raw["psnr"][-1] + 3
    assert len(raw["step"]) == len(raw["seconds"]) == len(raw["psnr"]) and raw["step"][-1] == 150


def test_jpeg_at_bytes_respects_the_budget():
    require_oracle("PIL")
    img = image(4, 32, 32)
    dec, used, q = fields.jpeg_at_bytes(img, 800)
    assert used <= 800 and dec.shape == img.shape and 1 <= q <= 100
    dec2, used2, _ = fields.jpeg_at_bytes(img, 2000)
    assert used2 >= used and fields.psnr(dec2, img) >= fields.psnr(dec, img)
    none, smallest, _ = fields.jpeg_at_bytes(img, 10)
    assert none is None and smallest > 10


# ------------------------------------------------------------------ bad input and devices

def test_bad_input_names_the_argument():
    with pytest.raises(ValueError, match="pred and target"):
        fields.psnr(np.zeros(3), np.zeros(4))
    with pytest.raises(ValueError, match="data_range"):
        fields.psnr(np.zeros(3), np.zeros(3), data_range=0)
    with pytest.raises(ValueError, match="sigma"):
        fields.FourierFeatures(2, 4, -1.0)
    with pytest.raises(ValueError, match="init"):
        fields.Siren(init="xavier")
    with pytest.raises(TypeError, match="ix and iy"):
        fields.spatial_hash(torch.zeros(3), torch.zeros(3), 16)
    with pytest.raises(ValueError, match="log2_table_size"):
        fields.HashGrid(log2_table_size=0)
    with pytest.raises(ValueError, match="coords and values"):
        fields.fit_field(fields.CoordinateMLP(), torch.zeros(4, 2), torch.zeros(3, 1))
    with pytest.raises(ValueError, match="target contains NaN"):
        fields.psnr(np.zeros(2), np.array([0.0, np.nan]))


def test_fields_on_device(device):
    X = fields.pixel_grid(8, 8, device=device)
    for model in (fields.CoordinateMLP(encoding=fields.FourierFeatures(2, 8, 1.0, generator=0), generator=0),
                  fields.Siren(width=16, generator=0),
                  fields.CoordinateMLP(width=8, depth=1, encoding=fields.HashGrid(levels=2, log2_table_size=6,
                                                                                  max_resolution=8, generator=0))):
        model = model.to(device)
        out = model(X)
        assert out.device.type == device.type and out.shape == (64, 1)
        cpu = model.cpu()(X.cpu())
        assert torch.allclose(out.cpu(), cpu, atol=1e-4)
    hist = fields.fit_field(fields.Siren(width=16, generator=0).to(device), X, torch.zeros(64, 1, device=device), steps=5,
                            log_every=5)
    assert math.isfinite(hist["psnr"][-1])
