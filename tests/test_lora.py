"""lowdim_utils.lora (lesson 06): exact algebraic properties, bad inputs, and the peft oracle."""
import copy

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from conftest import require_oracle
from lowdim_utils import lora


def _mlp(seed=0, dtype=torch.float64, d_in=12, hidden=9, n_out=4):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(d_in, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
                         nn.Linear(hidden, n_out)).to(dtype)


def _trained(layer, seed=1):
    """Give B non-zero values, as if trained."""
    with torch.no_grad():
        layer.lora_B.normal_(generator=torch.Generator().manual_seed(seed))
    return layer


# ------------------------------------------------------------------ LoRALinear algebra
@settings(max_examples=25, deadline=None)
@given(d_in=st.integers(1, 12), d_out=st.integers(1, 12), data=st.data())
def test_zero_init_equals_base_and_merge_is_exact(d_in, d_out, data):
    r = data.draw(st.integers(1, min(d_in, d_out)))
    alpha = data.draw(st.floats(0.1, 64.0))
    torch.manual_seed(d_in * 100 + d_out)
    base = nn.Linear(d_in, d_out).double()
    layer = lora.LoRALinear(copy.deepcopy(base), r, alpha)
    x = torch.randn(5, d_in, dtype=torch.float64)
    assert torch.equal(layer(x), base(x))                      # Proposition 1: exactly the pretrained layer
    _trained(layer)
    y = layer(x)
    expected = x @ base.weight.T + base.bias + (alpha / r) * (x @ layer.lora_A.T) @ layer.lora_B.T
    assert torch.allclose(y, expected, rtol=1e-12, atol=1e-12)
    assert torch.linalg.matrix_rank(layer.delta_weight()) <= r
    layer.merge()
    assert torch.allclose(layer(x), y, rtol=0, atol=1e-12)     # merged = unmerged (Eq. (3))
    layer.unmerge()
    assert torch.allclose(layer.base.weight, base.weight, rtol=0, atol=1e-12)
    assert torch.allclose(layer(x), y, rtol=0, atol=1e-12)


def test_merge_state_errors_and_effective_weight():
    layer = _trained(lora.LoRALinear(nn.Linear(6, 5).double(), 2, 4.0))
    W = layer.effective_weight()
    assert torch.allclose(W, layer.base.weight + 2.0 * layer.lora_B @ layer.lora_A)
    with pytest.raises(RuntimeError, match="not merged"):
        layer.unmerge()
    layer.merge()
    assert torch.allclose(layer.effective_weight(), W, atol=1e-14)
    with pytest.raises(RuntimeError, match="already merged"):
        layer.merge()
    with pytest.raises(RuntimeError, match="unmerge"):
        lora.svd_init(layer)


def test_merged_vs_unmerged_float32_tolerance():
    torch.manual_seed(0)
    layer = _trained(lora.LoRALinear(nn.Linear(64, 32), 8, 16.0))
    x = torch.randn(10, 64)
    y = layer(x)
    layer.merge()
    assert torch.allclose(layer(x), y, rtol=1e-5, atol=1e-5)


def test_only_adapters_get_gradients_and_they_match_proposition_2():
    torch.manual_seed(0)
    base = nn.Linear(7, 5).double()
    layer = _trained(lora.LoRALinear(copy.deepcopy(base), 3, 6.0))
    x = torch.randn(11, 7, dtype=torch.float64)
    t = torch.randn(11, 5, dtype=torch.float64)
    ((layer(x) - t) ** 2).sum().backward()
    assert layer.base.weight.grad is None and layer.base.bias.grad is None
    # the full-weight gradient G at W0 + ΔW
    W = (base.weight + layer.delta_weight()).detach().requires_grad_(True)
    ((x @ W.T + base.bias - t) ** 2).sum().backward()
    G, s = W.grad, layer.scaling
    assert torch.allclose(layer.lora_A.grad, s * layer.lora_B.detach().T @ G, atol=1e-10)
    assert torch.allclose(layer.lora_B.grad, s * G @ layer.lora_A.detach().T, atol=1e-10)


def test_zero_init_gradient_of_A_vanishes():
    layer = lora.LoRALinear(nn.Linear(6, 4).double(), 2, 2.0)
    layer(torch.randn(3, 6, dtype=torch.float64)).sum().backward()
    assert torch.count_nonzero(layer.lora_A.grad) == 0
    assert torch.count_nonzero(layer.lora_B.grad) > 0


def test_dtype_device_and_seeded_init():
    for dtype in (torch.float32, torch.float64):
        layer = lora.LoRALinear(nn.Linear(5, 3).to(dtype), 2)
        assert layer.lora_A.dtype == dtype and layer.lora_B.dtype == dtype
        assert layer.scaling == 1.0                          # default alpha = r
    a = lora.LoRALinear(nn.Linear(5, 3), 2, generator=torch.Generator().manual_seed(3)).lora_A
    b = lora.LoRALinear(nn.Linear(5, 3), 2, generator=torch.Generator().manual_seed(3)).lora_A
    assert torch.equal(a, b) and a.abs().max() <= 1 / 5 ** 0.5


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_on_cuda():
    layer = _trained(lora.LoRALinear(nn.Linear(8, 6).cuda(), 2, 4.0))
    assert layer.lora_A.device.type == "cuda"
    x = torch.randn(4, 8, device="cuda")
    y = layer(x)
    layer.merge()
    assert torch.allclose(layer(x), y, atol=1e-5)


def test_dropout_acts_on_the_adapter_path_only():
    torch.manual_seed(0)
    base = nn.Linear(10, 4)
    layer = lora.LoRALinear(copy.deepcopy(base), 2, 2.0, dropout=0.5)
    x = torch.randn(6, 10)
    assert torch.equal(layer.train()(x), base(x))             # B = 0: dropout cannot matter
    _trained(layer)
    layer.eval()
    assert torch.allclose(layer(x), base(x) + layer.scaling * (x @ layer.lora_A.T) @ layer.lora_B.T, atol=1e-6)


# ------------------------------------------------------------------ apply_lora and counting
def test_apply_lora_counts_and_freezing():
    model = _mlp()
    x = torch.randn(5, 12, dtype=torch.float64)
    y0 = model(x)
    lora.apply_lora(model, 3, 6.0, target=["0", "2"], trainable=["4"])
    assert set(lora.lora_layers(model)) == {"0", "2"}
    assert torch.equal(model(x), y0)
    expected = 3 * (12 + 9) + 3 * (9 + 9) + (9 * 4 + 4)
    assert lora.count_parameters(model) == expected
    assert lora.lora_parameter_count(12, 9, 3) == 3 * 21
    total = lora.count_parameters(model, trainable_only=False)
    assert total == expected - (9 * 4 + 4) + sum(p.numel() for p in _mlp().parameters())
    model(x).sum().backward()
    got = {n for n, p in model.named_parameters() if p.grad is not None}
    assert got == {"0.lora_A", "0.lora_B", "2.lora_A", "2.lora_B", "4.weight", "4.bias"}


def test_apply_lora_targets_all_and_callable():
    m = lora.apply_lora(_mlp(), 1)
    assert set(lora.lora_layers(m)) == {"0", "2", "4"}
    m = lora.apply_lora(_mlp(), 2, target=lambda name, mod: isinstance(mod, nn.Linear) and mod.out_features == 9)
    assert set(lora.lora_layers(m)) == {"0", "2"}
    x = torch.randn(3, 12, dtype=torch.float64)
    for layer in lora.lora_layers(m).values():
        _trained(layer)
    y = m(x)
    lora.merge_all(m)
    assert all(layer.merged for layer in lora.lora_layers(m).values())
    assert torch.allclose(m(x), y, atol=1e-12)
    lora.unmerge_all(m)
    assert torch.allclose(m(x), y, atol=1e-12)


@pytest.mark.parametrize("kwargs, exc, words", [
    (dict(r=0), ValueError, "r must satisfy"),
    (dict(r=10), ValueError, "r must satisfy"),          # layer '2' is 9x9
    (dict(r=2.5), TypeError, "r must be an integer"),
    (dict(r=True), TypeError, "r must be an integer"),
    (dict(r=2, alpha=0.0), ValueError, "alpha"),
    (dict(r=2, alpha=-1.0), ValueError, "alpha"),
    (dict(r=2, dropout=1.0), ValueError, "dropout"),
    (dict(r=2, target=["1"]), TypeError, "target layer '1' must be an nn.Linear"),
    (dict(r=2, target=["nope"]), ValueError, "target names a layer 'nope'"),
    (dict(r=2, target=[]), ValueError, "target must name at least one"),
    (dict(r=2, target=3), TypeError, "target must be"),
    (dict(r=2, target=lambda n, m: False), ValueError, "chose no layer"),
    (dict(r=2, trainable=["nope"]), ValueError, "trainable names a module 'nope'"),
    (dict(r=2, target=["0"], trainable=["0"]), ValueError, "also a LoRA target"),
])
def test_apply_lora_bad_inputs_name_the_argument_and_change_nothing(kwargs, exc, words):
    model = _mlp()
    before = copy.deepcopy(model.state_dict())
    with pytest.raises(exc, match=words):
        lora.apply_lora(model, **kwargs)
    assert not lora.lora_layers(model)
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert all(p.requires_grad for p in model.parameters())


def test_bad_inputs_of_the_layer_and_helpers():
    with pytest.raises(TypeError, match="base must be a torch.nn.Linear"):
        lora.LoRALinear(nn.Conv1d(2, 2, 1), 1)
    with pytest.raises(ValueError, match="r must satisfy 1 <= r <= min"):
        lora.LoRALinear(nn.Linear(4, 3), 4)
    with pytest.raises(ValueError, match="alpha must be finite and > 0"):
        lora.LoRALinear(nn.Linear(4, 3), 1, alpha=float("inf"))
    with pytest.raises(TypeError, match="dropout must be a real number"):
        lora.LoRALinear(nn.Linear(4, 3), 1, dropout="0.1")
    with pytest.raises(ValueError, match=r"dropout must lie in \[0, 1\)"):
        lora.LoRALinear(nn.Linear(4, 3), 1, dropout=1.0)
    with pytest.raises(TypeError, match="model must be a torch.nn.Module"):
        lora.apply_lora("model", 1)
    with pytest.raises(TypeError, match="model must be"):
        lora.count_parameters([1, 2])
    with pytest.raises(ValueError, match="r must be <= 3"):
        lora.lora_parameter_count(3, 5, 4)
    m = lora.apply_lora(_mlp(), 1, target=["0"])
    with pytest.raises(ValueError, match="already carries a LoRA adapter"):
        lora.apply_lora(m, 1, target=["0"])
    with pytest.raises(ValueError, match="no nn.Linear"):
        lora.apply_lora(nn.Sequential(nn.ReLU()), 1)


# ------------------------------------------------------------------ SVD initialisation
def test_svd_init_from_the_weight_keeps_the_output_and_holds_the_top_part():
    torch.manual_seed(0)
    base = nn.Linear(10, 7).double()
    layer = lora.LoRALinear(copy.deepcopy(base), 3, 6.0)
    x = torch.randn(4, 10, dtype=torch.float64)
    lora.svd_init(layer)
    assert torch.allclose(layer(x), base(x), atol=1e-12)
    U, S, Vh = torch.linalg.svd(base.weight.detach())
    assert torch.allclose(layer.delta_weight(), (U[:, :3] * S[:3]) @ Vh[:3], atol=1e-12)
    assert torch.allclose(layer.effective_weight(), base.weight, atol=1e-12)
    # balanced factors: B^T B = A A^T = diag(S_r / s)
    assert torch.allclose(layer.lora_B.T @ layer.lora_B, torch.diag(S[:3] / layer.scaling), atol=1e-12)
    assert torch.allclose(layer.lora_A @ layer.lora_A.T, torch.diag(S[:3] / layer.scaling), atol=1e-12)


def test_svd_init_from_an_update():
    torch.manual_seed(1)
    base = nn.Linear(9, 6).double()
    M = torch.randn(6, 9, dtype=torch.float64)
    U, S, Vh = torch.linalg.svd(M)
    best = (U[:, :2] * S[:2]) @ Vh[:2]
    layer = lora.svd_init(lora.LoRALinear(copy.deepcopy(base), 2, 1.0), M, keep_output=False)
    assert torch.allclose(layer.effective_weight(), base.weight + best, atol=1e-12)
    layer = lora.svd_init(lora.LoRALinear(copy.deepcopy(base), 2, 1.0), M, keep_output=True)
    assert torch.allclose(layer.effective_weight(), base.weight, atol=1e-12)
    assert torch.allclose(layer.delta_weight(), best, atol=1e-12)


def test_svd_init_bad_inputs():
    layer = lora.LoRALinear(nn.Linear(5, 4), 2)
    with pytest.raises(ValueError, match="source must have the layer's weight shape"):
        lora.svd_init(layer, torch.zeros(5, 4))
    with pytest.raises(ValueError, match="source must be 'weight'"):
        lora.svd_init(layer, "bias")
    with pytest.raises(ValueError, match="source contains NaN"):
        lora.svd_init(layer, torch.full((4, 5), float("nan")))
    with pytest.raises(TypeError, match="layer must be a LoRALinear"):
        lora.svd_init(nn.Linear(5, 4))
    with pytest.raises(TypeError, match="keep_output"):
        lora.svd_init(layer, torch.zeros(4, 5), keep_output="yes")


# ------------------------------------------------------------------ the oracle: Hugging Face peft
def test_equal_to_peft_for_equal_factors():
    peft = require_oracle("peft")
    base = _mlp(3)
    ours = lora.apply_lora(copy.deepcopy(base), 3, 12.0, target=["0", "2"], trainable=["4"])
    for layer in lora.lora_layers(ours).values():
        _trained(layer)
    theirs = peft.get_peft_model(copy.deepcopy(base), peft.LoraConfig(
        r=3, lora_alpha=12.0, target_modules=["0", "2"], lora_dropout=0.0, modules_to_save=["4"]))
    with torch.no_grad():
        for name in ("0", "2"):
            t = theirs.base_model.model.get_submodule(name)
            assert t.scaling["default"] == getattr(ours, name).scaling
            t.lora_A["default"].weight.copy_(getattr(ours, name).lora_A)
            t.lora_B["default"].weight.copy_(getattr(ours, name).lora_B)
        x = torch.randn(8, 12, dtype=torch.float64)
        assert torch.allclose(ours(x), theirs(x), rtol=0, atol=1e-12)
        assert lora.count_parameters(ours) == sum(p.numel() for p in theirs.parameters() if p.requires_grad)
        merged = theirs.merge_and_unload()
        assert torch.allclose(lora.merge_all(ours)(x), merged(x), rtol=0, atol=1e-12)


def test_parent_that_reads_weight_directly_multihead_attention():
    # nn.MultiheadAttention does not call out_proj: it passes out_proj.weight / .bias to its
    # functional kernel. The adapter must still act (and train) there, not be silently skipped.
    torch.manual_seed(0)
    mha = nn.MultiheadAttention(8, 2, batch_first=True, dtype=torch.float64)
    x = torch.randn(3, 5, 8, dtype=torch.float64)
    y0, _ = mha(x, x, x)
    lora.apply_lora(mha, 2, target="out_proj", generator=0)
    layer = mha.out_proj
    y1, _ = mha(x, x, x)
    torch.testing.assert_close(y1, y0)                       # B = 0: the adapted module starts equal
    with torch.no_grad():
        layer.lora_B.normal_(generator=torch.Generator().manual_seed(1))
    y2, _ = mha(x, x, x)
    # the oracle: the same attention with the effective weight W0 + ΔW written into a plain copy
    ref = nn.MultiheadAttention(8, 2, batch_first=True, dtype=torch.float64)
    ref.load_state_dict({k.replace("out_proj.base.", "out_proj."): v for k, v in mha.state_dict().items()
                         if "lora_" not in k})
    with torch.no_grad():
        ref.out_proj.weight.copy_(layer.base.weight + layer.delta_weight())
    torch.testing.assert_close(y2, ref(x, x, x)[0])
    assert not torch.allclose(y2, y0)
    y2.sum().backward()
    assert layer.lora_A.grad is not None and float(layer.lora_B.grad.abs().sum()) > 0
    assert layer.base.weight.grad is None                    # the base stays frozen
    layer.merge()
    torch.testing.assert_close(mha(x, x, x)[0], y2.detach())   # merged: weight is W0 + ΔW itself


def test_on_device(device):
    torch.manual_seed(0)
    model = _mlp().to(device)
    lora.apply_lora(model, 2, target=["0"], generator=0)
    x = torch.randn(4, 12, dtype=torch.float64, device=device)
    out = model(x)
    assert out.device.type == device.type
    lora.merge_all(model)
    torch.testing.assert_close(model(x), out)


# ------------------------------------------------------------------ analysis: subspace similarity, amplification

def test_subspace_similarity_closed_forms():
    g = torch.Generator().manual_seed(0)
    Q = torch.linalg.qr(torch.randn(40, 40, generator=g, dtype=torch.float64))[0]
    A1 = torch.diag(torch.tensor([3.0, 2.0, 1.0], dtype=torch.float64)) @ Q[:, :3].T        # rows span Q[:, :3]
    A2 = torch.diag(torch.tensor([5.0, 4.0, 3.0, 2.0, 1.0], dtype=torch.float64)) @ Q[:, [0, 1, 2, 7, 8]].T
    assert lora.subspace_similarity(A1, A1) == pytest.approx(1.0)
    assert lora.subspace_similarity(A1, A2, 3, 5) == pytest.approx(1.0)         # span(A1) inside span(A2)
    assert lora.subspace_similarity(A1, A2, 1, 1) == pytest.approx(1.0)         # the top directions coincide
    A3 = Q[:, 20:24].T
    assert lora.subspace_similarity(A1, A3) == pytest.approx(0.0, abs=1e-12)    # orthogonal spans
    # left singular vectors: B (d_out, r) compared on the output side
    B1, B2 = A1.T, A2.T
    assert lora.subspace_similarity(B1, B2, 3, 5, side="left") == pytest.approx(1.0)
    # random directions: about j / dim on average
    sims = [lora.subspace_similarity(torch.randn(2, 200, generator=g), torch.randn(10, 200, generator=g), 2, 10)
            for _ in range(50)]
    assert 0.02 < sum(sims) / len(sims) < 0.09


def test_amplification_closed_form():
    g = torch.Generator().manual_seed(1)
    U = torch.linalg.qr(torch.randn(30, 30, generator=g, dtype=torch.float64))[0]
    V = torch.linalg.qr(torch.randn(20, 20, generator=g, dtype=torch.float64))[0]
    S = torch.linspace(10.0, 1.0, 20, dtype=torch.float64)
    W = (U[:, :20] * S) @ V.T
    # an update along W's 19th and 20th singular pairs (singular values 1.47 and 1.0), of norm 5
    delta = 5.0 * torch.outer(U[:, 19], V[:, 19]) + 3.0 * torch.outer(U[:, 18], V[:, 18])
    out = lora.amplification(W, delta, 2, generator=0)
    assert out["delta"] == pytest.approx((25 + 9) ** 0.5)
    assert out["W on delta"] == pytest.approx(float(torch.linalg.vector_norm(S[18:])))
    assert out["W on W's top r"] == pytest.approx(float(torch.linalg.vector_norm(S[:2])))
    assert out["amplification"] == pytest.approx(out["delta"] / out["W on delta"])
    assert 0 < out["W on random"] < out["W on W's top r"]
    assert out["W"] == pytest.approx(float(torch.linalg.vector_norm(S)))


def test_analysis_bad_inputs():
    with pytest.raises(ValueError, match="same space"):
        lora.subspace_similarity(torch.randn(2, 5), torch.randn(2, 6))
    with pytest.raises(ValueError, match="side must be one of"):
        lora.subspace_similarity(torch.randn(2, 5), torch.randn(2, 5), side="top")
    with pytest.raises(ValueError, match="i must"):
        lora.subspace_similarity(torch.randn(2, 5), torch.randn(2, 5), 3, 1)
    with pytest.raises(ValueError, match="delta must have W's shape"):
        lora.amplification(torch.randn(4, 5), torch.randn(5, 4), 1)
    with pytest.raises(ValueError, match="r must"):
        lora.amplification(torch.randn(4, 5), torch.randn(4, 5), 5)


# ------------------------------------------------------------------ memory

def test_training_state_bytes_counts_parameters_gradients_and_adam_state():
    net = nn.Sequential(nn.Linear(30, 20), nn.ReLU(), nn.Linear(20, 10))      # float32
    lora.apply_lora(net, 3, 6, target=["0"], trainable=["2"])
    opt = torch.optim.Adam([p for p in net.parameters() if p.requires_grad], lr=1e-3)
    assert lora.training_state_bytes(net, opt)["optimizer"] == 0               # no step yet
    net(torch.randn(8, 30)).sum().backward()
    opt.step()
    out = lora.training_state_bytes(net, opt)
    n_all = 30 * 20 + 20 + 3 * (30 + 20) + 20 * 10 + 10
    n_train = 3 * (30 + 20) + 20 * 10 + 10
    assert out["parameters"] == 4 * n_all
    assert out["gradients"] == 4 * n_train
    n_tensors = 4                                                              # lora_A, lora_B, head weight, head bias
    assert out["optimizer"] == 4 * 2 * n_train + 4 * n_tensors                 # two moments + a float32 step each
    assert out["total"] == out["parameters"] + out["gradients"] + out["optimizer"]
    assert lora.training_state_bytes(net)["optimizer"] == 0
    with pytest.raises(TypeError, match="optimizer must be"):
        lora.training_state_bytes(net, "adam")


def test_step_peak_bytes_sees_the_activations(capfd):
    torch.manual_seed(0)
    x = torch.randn(512, 256)
    layer = nn.Linear(256, 256)
    opt = torch.optim.SGD(layer.parameters(), lr=0.1)

    def step():
        opt.zero_grad(set_to_none=True)
        (layer(x) ** 2).mean().backward()
        opt.step()

    step()
    peak = lora.step_peak_bytes(step)
    # at least the (512, 256) float32 output and its square (0.5 MiB each) exist at one time
    assert 2 * 512 * 256 * 4 <= peak < 64 * 2**20
    assert lora.step_peak_bytes(lambda: None) == 0
    assert "Memory block of unknown size" not in capfd.readouterr().err
    with pytest.raises(TypeError, match="step must be"):
        lora.step_peak_bytes(3)
