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
    import random
    assert lu.seed_everything(123) is None
    a = (random.random(), np.random.rand(3), torch.rand(3))
    lu.seed_everything(123)
    b = (random.random(), np.random.rand(3), torch.rand(3))
    for x, y in zip(a, b):
        assert np.array_equal(np.asarray(x), np.asarray(y))
    with pytest.raises(ValueError, match="seed must be >= 0"):
        lu.seed_everything(-1)


def test_setup_is_the_one_call_that_starts_a_lesson(monkeypatch, capsys):
    import matplotlib as mpl
    monkeypatch.setenv("LOWDIM_DEVICE", "cpu")
    monkeypatch.delenv("LOWDIM_SCALE", raising=False)
    mpl.rcdefaults()
    dev, scale, gen = lu.setup(seed=5)
    assert dev == torch.device("cpu") and scale == "small" and isinstance(gen, torch.Generator)
    assert mpl.rcParams["axes.spines.top"] is False          # the course style is on
    assert "computing on cpu" in capsys.readouterr().out
    x = torch.rand(2)
    lu.setup(seed=5, verbose=False)
    assert torch.equal(torch.rand(2), x)                     # the global generator was seeded
    assert torch.equal(torch.rand(2, generator=lu.setup(seed=5, verbose=False).generator),
                       torch.rand(2, generator=torch.Generator().manual_seed(5)))
    s = lu.setup(seed=0, device="cpu", style=False, verbose=False)
    assert s.device.type == "cpu" and s._fields == ("device", "scale", "generator")


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
def test_explore_static_is_a_slider_over_precomputed_frames(monkeypatch):
    import base64
    import re
    import matplotlib.pyplot as plt
    from IPython.display import HTML
    monkeypatch.setenv("LOWDIM_STATIC", "1")
    shown, seen = [], []
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj))

    def draw(rank, kind):
        seen.append((rank, kind))
        plt.figure()
        plt.plot([0, rank])
    assert lu.explore(draw, rank=(1, 10, 1, 4), kind=(["a", "b"], "b"), frames=5) is None
    assert {k for _, k in seen} == {"b"} and 4 in [r for r, _ in seen] and len(seen) == 5
    assert [r for r, _ in seen] == sorted(r for r, _ in seen) and seen[0][0] == 1 and seen[-1][0] == 10
    (out,) = shown
    assert isinstance(out, HTML)
    page = out.data
    frames = re.findall(r'"data:image/png;base64,([A-Za-z0-9+/=]+)"', page.split("var f=[", 1)[1].split("]", 1)[0])
    assert len(frames) == 5 and all(base64.b64decode(f)[:8] == b"\x89PNG\r\n\x1a\n" for f in frames)
    assert 'type="range"' in page and 'max="4"' in page and "<script>" in page
    assert "http" not in page                                          # nothing to load from the network
    assert "kind=b" in page                                            # the other controls' values are said
    shown.clear()
    lu.explore(draw, rank=(1, 10, 1, 4), kind=(["a", "b"], "b"), sweep="kind")
    assert shown and shown[0].data.count("data:image/png") == 3        # 2 frames in the script, one shown
    with pytest.raises(ValueError, match="sweep must be one of"):
        lu.explore(draw, rank=(1, 10, 1, 4), sweep="nope")


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


# ------------------------------------------------------------------ threads
def test_threads_sets_torch_and_blas_pools_and_restores_them():
    from threadpoolctl import threadpool_info
    before = torch.get_num_threads()
    with lu.threads(1):
        assert torch.get_num_threads() == 1
        assert all(p["num_threads"] == 1 for p in threadpool_info() if p["user_api"] == "blas")
    assert torch.get_num_threads() == before
    with pytest.raises(RuntimeError):
        with lu.threads(1):
            raise RuntimeError("boom")
    assert torch.get_num_threads() == before
    with lu.threads(None):
        assert torch.get_num_threads() == before
    with pytest.raises(ValueError, match="n must be >= 1"):
        with lu.threads(0):
            pass


def test_threads_for_picks_one_thread_for_small_work():
    assert device.threads_for(1e5) == 1
    assert device.threads_for(10 * device.SMALL_WORK) is None
    assert device.threads_for(1e5, torch.device("meta")) is None       # only the CPU is limited


# ------------------------------------------------------------------ progress
def test_progress_bar_static_prints_one_plain_line(monkeypatch, capsys):
    import time
    from lowdim_utils import progress
    monkeypatch.setenv("LOWDIM_STATIC", "1")
    out = list(lu.progress_bar(range(3), desc="quick"))
    assert out == [0, 1, 2] and capsys.readouterr().out == ""          # under 2 s: silent
    clock = iter([0.0, 5.0])
    monkeypatch.setattr(progress.time, "perf_counter", lambda: next(clock))
    for _ in lu.progress_bar(range(4), desc="slow loop"):
        pass
    assert capsys.readouterr().out == "slow loop: 4/4 in 5.0 s\n"
    clock = iter([0.0, 3.0])
    bar = lu.progress_bar(total=10, desc="manual")
    bar.update(4)
    bar.set_postfix(loss="0.5")
    bar.close()
    bar.close()                                                         # idempotent
    assert capsys.readouterr().out == "manual: 4/10 in 3.0 s (loss=0.5)\n"
    del time


def test_progress_bar_live_is_tqdm(monkeypatch):
    monkeypatch.setenv("LOWDIM_STATIC", "0")
    from tqdm.auto import tqdm
    bar = lu.progress_bar(range(2), desc="live")
    assert isinstance(bar, tqdm)
    bar.close()


# ------------------------------------------------------------------ randomness policy
def test_as_generator_policy():
    from lowdim_utils import rng
    assert rng.as_generator(None) is torch.default_generator
    g = torch.Generator().manual_seed(3)
    assert rng.as_generator(g) is g
    a, b = rng.as_generator(11), rng.as_generator(11)
    assert a is not b and torch.equal(torch.rand(3, generator=a), torch.rand(3, generator=b))
    for bad, err in [(1.5, TypeError), ("1", TypeError), (True, TypeError), (-1, ValueError)]:
        with pytest.raises(err, match="generator"):
            rng.as_generator(bad)
    assert np.array_equal(rng.numpy_rng(4).random(3), rng.numpy_rng(4).random(3))
    g = torch.Generator().manual_seed(0)
    assert not np.array_equal(rng.numpy_rng(g).random(3), rng.numpy_rng(g).random(3))   # the stream advances


# ------------------------------------------------------------------ validation policy
def test_shared_validators():
    assert validate.check_interval(0.5, "p", 0, 1, closed="neither") == 0.5
    with pytest.raises(ValueError, match=r"p must lie in \[0, 1\), got 1.0"):
        validate.check_interval(1.0, "p", 0, 1, closed="left")
    with pytest.raises(ValueError, match=r"p must lie in \(-inf, 2\]"):
        validate.check_interval(float("nan"), "p", None, 2)
    with pytest.raises(TypeError, match="p must be a real number"):
        validate.check_interval("0.5", "p", 0, 1)
    assert validate.check_choice("a", "kind", ["a", "b"]) == "a"
    with pytest.raises(ValueError, match=r"kind must be one of \['a', 'b'\], got 'c'"):
        validate.check_choice("c", "kind", ["a", "b"])
    with pytest.raises(ValueError, match="kind must be one of"):
        validate.check_choice([1], "kind", ["a"])                       # unhashable: still a clear error
    assert validate.check_bool(np.bool_(True), "flag") is True
    with pytest.raises(TypeError, match="flag must be True or False"):
        validate.check_bool(1, "flag")
    with pytest.raises(TypeError, match="dtype must be one of"):
        validate.check_dtype(torch.int32)


def test_half_precision_policy_and_big_endian_and_grad():
    t = validate.as_tensor(torch.ones(2, 2, dtype=torch.float16), "X")
    assert t.dtype == torch.float32
    assert validate.as_tensor(torch.ones(2, dtype=torch.bfloat16), "X").dtype == torch.float32
    assert validate.as_tensor(np.ones(2), "X", dtype=torch.float16).dtype == torch.float32
    be = np.arange(6, dtype=">f8").reshape(2, 3)
    t = validate.as_matrix(be, "X")
    assert t.dtype == torch.float64 and t.tolist() == be.astype("<f8").tolist()
    assert validate.as_matrix(np.arange(4, dtype=">i4").reshape(2, 2), "X").dtype == torch.float32
    g = torch.ones(3, 2, requires_grad=True)
    assert validate.as_matrix(g, "X").requires_grad
    with pytest.raises(ValueError, match="X contains NaN"):
        validate.as_matrix(torch.tensor([[float("nan")]], requires_grad=True), "X")
    assert isinstance(lu.to_numpy(g), np.ndarray) and lu.to_numpy(torch.ones(2).half()).dtype == np.float32


def test_assume_valid_skips_only_the_finiteness_check():
    bad = torch.tensor([[1.0, float("nan")]])
    with validate.assume_valid():
        assert not validate.validation_enabled()
        assert validate.as_matrix(bad, "X").shape == (1, 2)
        with pytest.raises(ValueError, match="X must have 2 dimensions"):
            validate.as_matrix(bad[0], "X")                          # shapes are still checked
    assert validate.validation_enabled()
    with pytest.raises(ValueError, match="X contains NaN"):
        validate.as_matrix(bad, "X")
