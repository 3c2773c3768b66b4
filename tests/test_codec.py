"""The grader's data-only transfer (lowdim_utils.course._codec): every supported value survives
the round trip; anything that is not plain data is refused; nothing is unpickled."""
import json

import numpy as np
import pytest
import torch

from lowdim_utils.course import _codec


def _roundtrip(obj, tmp_path):
    arrays = []
    tree = _codec.encode(obj, arrays)
    _codec.write_bundle(tmp_path / "b", {"v": tree}, arrays)
    payload, got = _codec.read_bundle(tmp_path / "b")
    return _codec.decode(payload["v"], got)


def test_round_trip_of_every_supported_kind(tmp_path):
    rng = np.random.default_rng(3)
    rng.random(5)                                  # a generator in the middle of its stream
    t = torch.arange(6, dtype=torch.float32).reshape(2, 3).requires_grad_(True)
    obj = {"none": None, "b": True, "i": 7, "f": 2.5, "nan": float("nan"), "inf": float("-inf"), "s": "x",
           "arr": np.arange(6.0).reshape(2, 3), "ints": np.arange(4, dtype=np.int32), "scalar": np.float32(1.5),
           "t": t, "t64": torch.ones(2, dtype=torch.float64), "rng": rng, "tuple": (1, [2, (3,)]), "nested": {"a": [np.ones(2)]}}
    out = _roundtrip(obj, tmp_path)
    assert out["none"] is None and out["b"] is True and out["i"] == 7 and out["f"] == 2.5 and out["s"] == "x"
    assert np.isnan(out["nan"]) and out["inf"] == float("-inf")
    np.testing.assert_array_equal(out["arr"], obj["arr"])
    assert out["ints"].dtype == np.int32 and out["scalar"].dtype == np.float32 and out["scalar"] == 1.5
    assert torch.equal(out["t"].detach(), t.detach()) and out["t"].requires_grad and out["t"].dtype == torch.float32
    assert out["t64"].dtype == torch.float64
    assert isinstance(out["tuple"], tuple) and out["tuple"] == (1, [2, (3,)])
    assert np.array_equal(out["rng"].random(3), rng.random(3))   # the same state: the same next numbers
    np.testing.assert_array_equal(out["nested"]["a"][0], np.ones(2))


@pytest.mark.parametrize("bad", [lambda x: x, object(), np.array([object()], dtype=object), {1: 2}, open])
def test_what_is_not_plain_data_is_refused(bad):
    with pytest.raises(_codec.Unsupported):
        _codec.encode(bad, [])


def test_no_pickle_is_ever_loaded(tmp_path):
    # a bundle whose "array" file is a pickle of an object array: reading it must fail, not unpickle
    arr = np.array([{"x": 1}], dtype=object)
    np.savez(tmp_path / "b.npz", a0=arr)
    (tmp_path / "b.json").write_text(json.dumps({"v": {"t": "ndarray", "i": 0}}))
    payload, arrays = _codec.read_bundle(tmp_path / "b")
    with pytest.raises(ValueError, match="pickle"):
        _codec.decode(payload["v"], arrays)


def test_malformed_trees_are_refused():
    for tree in ([1, 2], {"t": "function"}, {"t": "module", "v": "os"}):
        with pytest.raises(_codec.Unsupported):
            _codec.decode(tree, [])


def test_kernel_call_reports_errors_as_data(tmp_path):
    arrays = []
    payload = {"args": _codec.encode([np.ones(3)], arrays), "kwargs": _codec.encode({}, arrays)}
    _codec.write_bundle(tmp_path / "in", payload, arrays)

    def f(x):
        raise ValueError("learner bug")
    _codec.kernel_call({"f": f}, "f", tmp_path / "in", tmp_path / "out")
    out, _ = _codec.read_bundle(tmp_path / "out")
    assert out["error"]["type"] == "ValueError" and "learner bug" in out["error"]["message"]
    _codec.kernel_call({}, "g", tmp_path / "in", tmp_path / "out2")
    out, _ = _codec.read_bundle(tmp_path / "out2")
    assert out["error"]["type"] == "NameError" and "defines no function `g`" in out["error"]["message"]
    _codec.kernel_call({"f": lambda x: x * 2}, "f", tmp_path / "in", tmp_path / "out3")
    out, arrs = _codec.read_bundle(tmp_path / "out3")
    np.testing.assert_array_equal(_codec.decode(out["result"], arrs), 2 * np.ones(3))
