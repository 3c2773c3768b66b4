"""Unit tests of lowdim_utils' infrastructure: validation, device, seeding, plotting, widgets."""
import numpy as np
import pytest
import torch

import lowdim_utils as lu
from lowdim_utils import device, validate, widgets


# ------------------------------------------------------------------ validate
def test_as_matrix_converts_and_keeps_float64():
    t = validate.as_matrix(np.ones((3, 2)), "X")
    assert t.dtype == torch.float64 and t.shape == (3, 2)
    assert validate.as_matrix([[1, 2]], "X").dtype == torch.float32  # ints become float32


@pytest.mark.parametrize("bad, err, words", [
    (np.ones(3), ValueError, "X must have 2 dimensions"),
    (np.array([[1.0, np.nan]]), ValueError, "X contains NaN"),
    (np.array([[1.0, np.inf]]), ValueError, "X contains NaN or infinite"),
    (np.array([["a", "b"]]), TypeError, "X must hold numbers"),
    ("abc", TypeError, "X must be an array"),
    (None, TypeError, "X must be an array"),
    (torch.ones(2, 2, dtype=torch.complex64), TypeError, "X must be real"),
    (np.ones((0, 3)), ValueError, "X must have at least 1 rows"),
])
def test_as_matrix_rejects_bad_input_naming_the_argument(bad, err, words):
    with pytest.raises(err, match=words):
        validate.as_matrix(bad, "X")


def test_check_rank_and_int():
    assert validate.check_rank(3, "k", 10, 5) == 3
    with pytest.raises(ValueError, match=r"k must satisfy 1 <= k <= min\(n, d\) = 5"):
        validate.check_rank(6, "k", 10, 5)
    with pytest.raises(ValueError, match="k must satisfy"):
        validate.check_rank(0, "k", 10, 5)
    with pytest.raises(TypeError, match="k must be an integer"):
        validate.check_rank(2.5, "k", 10, 5)
    with pytest.raises(TypeError, match="k must be an integer"):
        validate.check_rank(True, "k", 10, 5)
    with pytest.raises(ValueError, match="repeats must be >= 1"):
        validate.check_int(0, "repeats", low=1)


def test_check_positive():
    assert validate.check_positive(2, "lam") == 2.0
    with pytest.raises(ValueError, match="lam must be finite and > 0"):
        validate.check_positive(0, "lam")
    assert validate.check_positive(0, "lam", allow_zero=True) == 0.0
    with pytest.raises(ValueError, match="lam must be finite"):
        validate.check_positive(float("nan"), "lam")


def test_check_same_device_reports_both_devices():
    a = torch.ones(2)
    b = torch.ones(2, device="meta")
    with pytest.raises(ValueError, match="a on cpu, b on meta"):
        validate.check_same_device(a=a, b=b)
    assert validate.check_same_device(a=a, b=a.clone()) == torch.device("cpu")


# ------------------------------------------------------------------ device and seeding
def test_get_device_reports_and_honours_override(monkeypatch, capsys):
    monkeypatch.delenv("LOWDIM_DEVICE", raising=False)
    d = device.get_device()
    assert d.type in ("cpu", "cuda", "mps")
    out = capsys.readouterr().out
    assert out.startswith("lowdim: computing on") and "override with LOWDIM_DEVICE" in out
    monkeypatch.setenv("LOWDIM_DEVICE", "cpu")
    assert device.get_device(verbose=False) == torch.device("cpu")


def test_get_device_rejects_unknown_or_unavailable(monkeypatch):
    monkeypatch.setenv("LOWDIM_DEVICE", "tpu")
    with pytest.raises(ValueError, match="LOWDIM_DEVICE must name one of"):
        device.get_device(verbose=False)
    if not torch.cuda.is_available():
        with pytest.raises(RuntimeError, match="no cuda device is available"):
            device.get_device("cuda", verbose=False)
    with pytest.raises(TypeError, match="prefer must be a device name"):
        device.get_device(3, verbose=False)


def test_seed_everything_makes_runs_repeatable():
    g1 = lu.seed_everything(123)
    a = (np.random.rand(3), torch.rand(3), torch.rand(3, generator=g1))
    g2 = lu.seed_everything(123)
    b = (np.random.rand(3), torch.rand(3), torch.rand(3, generator=g2))
    for x, y in zip(a, b):
        assert np.array_equal(np.asarray(x), np.asarray(y))
    with pytest.raises(ValueError, match="seed must be >= 0"):
        lu.seed_everything(-1)


def test_scale_knob(monkeypatch):
    monkeypatch.delenv("LOWDIM_SCALE", raising=False)
    assert lu.scale() == "small"
    monkeypatch.setenv("LOWDIM_SCALE", "full")
    assert lu.scale() == "full"
    monkeypatch.setenv("LOWDIM_SCALE", "huge")
    with pytest.raises(ValueError, match="LOWDIM_SCALE must be"):
        lu.scale()


# ------------------------------------------------------------------ plotting
def test_show_images_grid_and_errors():
    import matplotlib.pyplot as plt
    lu.set_style()
    fig = lu.show_images(np.random.rand(5, 16), shape=(4, 4), ncols=3, titles=list("abcde"))
    assert len(fig.axes) == 6 and fig.axes[0].get_title() == "a"
    plt.close(fig)
    with pytest.raises(ValueError, match="shape must be given"):
        lu.show_images(np.random.rand(5, 16))
    with pytest.raises(ValueError, match="images must have shape"):
        lu.show_images(np.random.rand(16))


# ------------------------------------------------------------------ widgets
def test_explore_static_draws_the_default_once(monkeypatch, capsys):
    monkeypatch.setenv("LOWDIM_STATIC", "1")
    seen = []
    assert lu.explore(lambda rank, kind: seen.append((rank, kind)), rank=(1, 10, 1, 4), kind=(["a", "b"], "b")) is None
    assert seen == [(4, "b")]
    assert "static view for rank=4, kind=b" in capsys.readouterr().out


def test_explore_live_builds_controls_that_redraw(monkeypatch):
    import ipywidgets as w
    monkeypatch.setenv("LOWDIM_STATIC", "0")
    seen = []
    box = lu.explore(lambda rank: seen.append(rank), rank=(1, 10, 1, 4))
    slider = box.children[0].children[0]
    assert isinstance(slider, w.IntSlider) and slider.value == 4
    slider.value = 7
    assert seen[-1] == 7


@pytest.mark.parametrize("controls, err, words", [
    ({}, ValueError, "controls must name at least one"),
    ({"rank": (1, 10, 1, 20)}, ValueError, "rank: default 20 must lie in"),
    ({"kind": (["a"], "z")}, ValueError, "kind: default 'z' must be one of"),
    ({"rank": "big"}, TypeError, "rank must be"),
])
def test_explore_rejects_bad_controls(controls, err, words):
    with pytest.raises(err, match=words):
        lu.explore(lambda **kw: None, **controls)


def test_explore_rejects_non_callable():
    with pytest.raises(TypeError, match="draw must be a function"):
        lu.explore(3, rank=(1, 2, 1, 1))


def test_is_static_reads_the_environment(monkeypatch):
    monkeypatch.setenv("LOWDIM_STATIC", "1")
    assert widgets.is_static()
    monkeypatch.delenv("LOWDIM_STATIC")
    assert not widgets.is_static()


def test_describe_device_and_synchronize_on_cpu():
    assert device.describe_device("cpu").startswith("cpu (") and "threads" in device.describe_device("cpu")
    device.synchronize("cpu")   # a no-op that must not fail without a GPU
    device.synchronize(None)
