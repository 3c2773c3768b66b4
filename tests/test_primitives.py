"""The shared primitives: soft thresholding (prox), sign conventions (signs), the training loop
and parameter counting (training) — against closed forms and scikit-learn, on every device."""
import math

import numpy as np
import pytest
import torch
from torch import nn

from lowdim_utils import prox, signs, training


# ------------------------------------------------------------------ prox
def test_soft_threshold_closed_form_and_prox_property():
    v = torch.linspace(-3, 3, 61, dtype=torch.float64)
    z = prox.soft_threshold(v, 1.0)
    torch.testing.assert_close(z, torch.sign(v) * torch.clamp(v.abs() - 1, min=0))
    # z minimises ½(z − v)² + t|z| entrywise: no point of a fine grid does better
    grid = torch.linspace(-4, 4, 8001, dtype=torch.float64)
    obj = 0.5 * (grid[None] - v[:, None]) ** 2 + grid.abs()[None]
    best = grid[obj.argmin(1)]
    assert float((z - best).abs().max()) <= 1e-3
    nn_ = prox.soft_threshold(v, 1.0, nonnegative=True)
    torch.testing.assert_close(nn_, torch.clamp(v - 1, min=0))


def test_soft_threshold_per_entry_thresholds_and_errors():
    V = torch.tensor([[3.0, -3.0], [0.5, -0.5]])
    out = prox.soft_threshold(V, torch.tensor([1.0, 4.0]))
    assert out.tolist() == [[2.0, 0.0], [0.0, 0.0]]
    with pytest.raises(ValueError, match="does not broadcast"):
        prox.soft_threshold(V, torch.ones(3))
    with pytest.raises(ValueError, match="t must be finite and >= 0"):
        prox.soft_threshold(V, torch.tensor([-1.0, 0.0]))
    with pytest.raises(ValueError, match="t must be finite and >= 0"):
        prox.soft_threshold(V, -1.0)
    with pytest.raises(TypeError, match="nonnegative must be True or False"):
        prox.soft_threshold(V, 1.0, nonnegative="yes")


def test_soft_threshold_on_device_and_differentiable(device):
    V = torch.randn(5, 4, device=device, requires_grad=True)
    out = prox.soft_threshold(V, 0.3)
    out.sum().backward()
    assert out.device.type == device.type
    torch.testing.assert_close(V.grad, (V.detach().abs() > 0.3).float())


# ------------------------------------------------------------------ signs
def test_fix_signs_matches_sklearn_svd_flip():
    from sklearn.utils.extmath import svd_flip
    X = np.random.default_rng(0).standard_normal((30, 6))
    U, S, Vt = np.linalg.svd(X, full_matrices=False)
    U_ref, Vt_ref = svd_flip(U.copy(), Vt.copy(), u_based_decision=False)
    U2, Vt2 = signs.flip_svd(torch.from_numpy(U), torch.from_numpy(Vt))
    np.testing.assert_allclose(U2.numpy(), U_ref)
    np.testing.assert_allclose(Vt2.numpy(), Vt_ref)
    np.testing.assert_allclose((U2 * torch.from_numpy(S)) @ Vt2, X, atol=1e-12)
    cols = signs.fix_signs(torch.from_numpy(U), dim=0)
    idx = cols.abs().argmax(0)
    assert (cols[idx, torch.arange(6)] > 0).all()
    rows = signs.fix_signs(torch.from_numpy(Vt), dim=1)
    np.testing.assert_allclose(rows.numpy(), Vt_ref)


def test_align_signs_and_errors():
    Y = torch.randn(10, 3, dtype=torch.float64)
    flipped = Y * torch.tensor([1.0, -1.0, -1.0], dtype=torch.float64)
    torch.testing.assert_close(signs.align_signs(flipped, Y), Y)
    with pytest.raises(ValueError, match="dim must be one of"):
        signs.fix_signs(Y, dim=2)
    with pytest.raises(ValueError, match="Y and ref must have the same shape"):
        signs.align_signs(Y, Y[:, :2])


# ------------------------------------------------------------------ training
def _problem(n=64):
    g = torch.Generator().manual_seed(0)
    X = torch.randn(n, 5, generator=g)
    y = (X[:, 0] > 0).long()
    return X, y


def _model():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 2))


def test_fit_full_batch_minibatch_and_steps():
    X, y = _problem()
    h = training.fit(_model(), training.cross_entropy, (X, y), epochs=30, lr=0.05, progress=False)
    assert h["epochs"] == 30 and h["steps"] == 30 and len(h["loss"]) == 30 and h["loss"][-1] < h["loss"][0]
    h = training.fit(_model(), training.cross_entropy, (X, y), epochs=3, batch_size=10, lr=0.05, progress=False)
    assert h["steps"] == 3 * 7 and len(h["step_loss"]) == 21 and len(h["loss"]) == 3
    h = training.fit(_model(), training.cross_entropy, (X, y), steps=10, batch_size=16, sampling="replacement",
                     progress=False)
    assert h["steps"] == 10 and len(h["step_loss"]) == 10
    m = _model()
    training.fit(m, training.cross_entropy, (X, y), epochs=200, lr=0.05, progress=False)
    assert training.accuracy(m, X, y) > 0.95


def test_fit_epoch_means_weight_the_batches_by_size():
    X = torch.arange(10.0)[:, None]
    model = nn.Linear(1, 1, bias=False)
    seen = []

    def loss(m, xb):
        seen.append(xb.shape[0])
        return {"loss": (m(xb) * 0).sum() + xb.mean(), "rows": torch.tensor(float(xb.shape[0]))}
    h = training.fit(model, loss, X, epochs=1, batch_size=4, optimizer="sgd", progress=False)
    assert seen == [4, 4, 2]
    assert h["loss"][0] == pytest.approx(4.5)                 # the mean over rows, not over batches
    assert h["rows"][0] == pytest.approx((16 + 16 + 4) / 10)


def test_fit_is_reproducible_with_an_int_seed_and_stops_early():
    X, y = _problem()
    a = training.fit(_model(), training.cross_entropy, (X, y), epochs=4, batch_size=8, generator=3, progress=False)
    b = training.fit(_model(), training.cross_entropy, (X, y), epochs=4, batch_size=8, generator=3, progress=False)
    assert a["step_loss"] == b["step_loss"]
    h = training.fit(_model(), training.cross_entropy, (X, y), epochs=500, lr=0.05, stop_below=0.3, progress=False)
    assert h["epochs"] < 500 and h["loss"][-1] <= 0.3
    calls = []
    training.fit(_model(), training.cross_entropy, (X, y), epochs=3,
                 callback=lambda e, m: calls.append((e, m.training, torch.is_grad_enabled())), progress=False)
    assert calls == [(1, False, False), (2, False, False), (3, False, False)]


def test_fit_runs_small_steps_single_threaded_and_restores():
    X, y = _problem()
    inside = []
    before = torch.get_num_threads()

    def loss(m, xb, yb):
        inside.append(torch.get_num_threads())
        return training.cross_entropy(m, xb, yb)
    training.fit(_model(), loss, (X, y), epochs=2, progress=False)
    assert set(inside) == {1} and torch.get_num_threads() == before
    inside.clear()
    training.fit(_model(), loss, (X, y), epochs=1, threads_policy="keep", progress=False)
    assert inside == [before]


def test_fit_reports_a_diverging_loss_and_bad_arguments():
    X, y = _problem()
    with pytest.raises(FloatingPointError, match="lower lr"):
        training.fit(_model(), lambda m, x: torch.tensor(float("nan"), requires_grad=True) + m[0].weight.sum(),
                     X, progress=False)
    for kwargs, err, match in [
        (dict(epochs=0), ValueError, "epochs must be >= 1"),
        (dict(epochs=1, steps=1), ValueError, "give epochs or steps, not both"),
        (dict(batch_size=1000), ValueError, "batch_size must be <= 64"),
        (dict(sampling="cyclic"), ValueError, "sampling must be one of"),
        (dict(optimizer="lbfgs"), ValueError, "optimizer must be one of"),
        (dict(lr=0), ValueError, "lr must be finite and > 0"),
        (dict(callback=3), TypeError, "callback must be a function"),
    ]:
        with pytest.raises(err, match=match):
            training.fit(_model(), training.cross_entropy, (X, y), progress=False, **kwargs)
    with pytest.raises(ValueError, match=r"data\[1\] must have 64 rows"):
        training.fit(_model(), training.cross_entropy, (X, y[:5]), progress=False)
    with pytest.raises(TypeError, match=r"data\[0\] must be a torch tensor"):
        training.fit(_model(), training.cross_entropy, (X.numpy(), y), progress=False)
    with pytest.raises(TypeError, match="loss must be a function"):
        training.fit(_model(), "ce", (X, y), progress=False)
    frozen = _model().requires_grad_(False)
    with pytest.raises(ValueError, match="nothing to train"):
        training.fit(frozen, training.cross_entropy, (X, y), progress=False)


def test_count_parameters():
    m = _model()
    assert training.count_parameters(m) == 5 * 8 + 8 + 8 * 2 + 2
    m[0].requires_grad_(False)
    assert training.count_parameters(m) == 8 * 2 + 2
    assert training.count_parameters(m, trainable_only=False) == 5 * 8 + 8 + 8 * 2 + 2
    with pytest.raises(TypeError, match="model must be a torch.nn.Module"):
        training.count_parameters([1])


def test_fit_on_device(device):
    X, y = (t.to(device) for t in _problem())
    m = _model().to(device)
    h = training.fit(m, training.cross_entropy, (X, y), epochs=20, batch_size=16, lr=0.05, generator=0, progress=False)
    assert math.isfinite(h["loss"][-1]) and h["loss"][-1] < h["loss"][0]
    assert 0 <= training.accuracy(m, X, y) <= 1


def test_fit_progress_line_counts_every_epoch(monkeypatch, capsys):
    from lowdim_utils import progress
    monkeypatch.setenv("LOWDIM_STATIC", "1")
    clock = iter(10.0 * i for i in range(1000))
    monkeypatch.setattr(progress.time, "perf_counter", lambda: next(clock))
    X, y = _problem()
    training.fit(_model(), training.cross_entropy, (X, y), epochs=5, desc="demo")
    assert capsys.readouterr().out.startswith("demo: 5/5 in ")
    training.fit(_model(), training.cross_entropy, (X, y), epochs=50, stop_below=1e9, desc="stops")
    assert capsys.readouterr().out.startswith("stops: 1/50 in ")
