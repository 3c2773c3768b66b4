"""Data-only transfer of a function's arguments and results between the grader and a kernel.

The grader never runs a learner's code in its own process: a check calls a stand-in function
that sends the arguments to the learner's kernel, which runs the learner's function and sends
back its result. Both directions carry *data only* — a JSON tree plus NumPy arrays loaded with
``allow_pickle=False`` — so nothing the kernel sends can execute code in the grader.

Supported values: None, bool, int, float, str, tuples, lists, dicts with str keys, NumPy
arrays and scalars, torch tensors (dtype, shape and ``requires_grad`` kept), and NumPy random
generators (by their state). This module is self-contained (the standard library, NumPy, and
torch when present): its source is also executed inside the kernel.
"""
import json
import math

import numpy as np

_KINDS = ("ndarray", "tensor", "np_rng", "tuple", "list", "dict", "npscalar", "float")


class Unsupported(TypeError):
    """A value the grader cannot transfer (a function, a module, an open file, ...)."""


def _torch():
    import sys
    return sys.modules.get("torch")


def encode(obj, arrays: list, _depth: int = 0):
    """A JSON-able tree for ``obj``; arrays are appended to ``arrays`` and referred to by index."""
    if _depth > 20:
        raise Unsupported("the value is nested too deeply")
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, int):
        return obj
    if isinstance(obj, float):
        if math.isfinite(obj):
            return obj
        return {"t": "float", "v": repr(obj)}
    if isinstance(obj, np.ndarray):
        if obj.dtype == object:
            raise Unsupported("an array of Python objects")
        arrays.append(np.ascontiguousarray(obj))
        return {"t": "ndarray", "i": len(arrays) - 1}
    if isinstance(obj, np.generic):
        arrays.append(np.asarray(obj))
        return {"t": "npscalar", "i": len(arrays) - 1}
    if isinstance(obj, np.random.Generator):
        return {"t": "np_rng", "state": obj.bit_generator.state}
    torch = _torch()
    if torch is not None and isinstance(obj, torch.Tensor):
        t = obj.detach()
        dtype = str(t.dtype).replace("torch.", "")
        if t.dtype == torch.bfloat16:
            t = t.float()
        arrays.append(np.ascontiguousarray(t.cpu().numpy()))
        return {"t": "tensor", "i": len(arrays) - 1, "dtype": dtype, "grad": bool(obj.requires_grad)}
    if isinstance(obj, tuple):
        return {"t": "tuple", "v": [encode(v, arrays, _depth + 1) for v in obj]}
    if isinstance(obj, list):
        return {"t": "list", "v": [encode(v, arrays, _depth + 1) for v in obj]}
    if isinstance(obj, dict):
        if not all(isinstance(k, str) for k in obj):
            raise Unsupported("a dict with keys that are not strings")
        return {"t": "dict", "v": {k: encode(v, arrays, _depth + 1) for k, v in obj.items()}}
    raise Unsupported(f"a value of type {type(obj).__name__}")


def decode(tree, arrays):
    """The value a tree from :func:`encode` stands for (``arrays``: the list or npz of arrays)."""
    if tree is None or isinstance(tree, (bool, int, float, str)):
        return tree
    if isinstance(tree, list):   # never produced by encode; reject
        raise Unsupported("malformed transfer")
    kind = tree.get("t")
    if kind not in _KINDS:
        raise Unsupported(f"malformed transfer (kind {kind!r})")
    if kind == "float":
        return float(tree["v"])
    if kind == "ndarray":
        return np.array(arrays[f"a{tree['i']}"] if not isinstance(arrays, list) else arrays[tree["i"]])
    if kind == "npscalar":
        a = arrays[f"a{tree['i']}"] if not isinstance(arrays, list) else arrays[tree["i"]]
        return np.asarray(a)[()]
    if kind == "np_rng":
        state = tree["state"]
        g = np.random.Generator(getattr(np.random, str(state["bit_generator"]))())
        g.bit_generator.state = state
        return g
    if kind == "tensor":
        import torch
        a = np.array(arrays[f"a{tree['i']}"] if not isinstance(arrays, list) else arrays[tree["i"]])
        t = torch.from_numpy(a).to(getattr(torch, tree["dtype"]))
        if tree.get("grad") and t.is_floating_point():
            t.requires_grad_(True)
        return t
    if kind == "tuple":
        return tuple(decode(v, arrays) for v in tree["v"])
    if kind == "list":
        return [decode(v, arrays) for v in tree["v"]]
    return {k: decode(v, arrays) for k, v in tree["v"].items()}


def write_bundle(path, payload: dict, arrays: list) -> None:
    """``payload`` (JSON) and ``arrays`` into ``path + '.json'`` and ``path + '.npz'``."""
    with open(str(path) + ".json", "w") as f:
        json.dump(payload, f)
    np.savez(str(path) + ".npz", **{f"a{i}": a for i, a in enumerate(arrays)})


def read_bundle(path):
    """The payload and the arrays written by :func:`write_bundle` (arrays loaded without pickle)."""
    with open(str(path) + ".json") as f:
        payload = json.load(f)
    arrays = np.load(str(path) + ".npz", allow_pickle=False)
    return payload, arrays


def kernel_call(namespace, fname, path_in, path_out, mode="call"):
    """Run in the learner's kernel: call ``namespace[fname]`` on the arguments in ``path_in`` and
    write its result (``mode="call"``) or the gradients of its tensor outputs with respect to its
    tensor inputs that require grad, for the cotangents sent along (``mode="vjp"``)."""
    import traceback
    arrays_out = []
    try:
        payload, arrays = read_bundle(path_in)
        args, kwargs = decode(payload["args"], arrays), decode(payload["kwargs"], arrays)
        fn = namespace.get(fname)
        if fn is None or not callable(fn):
            raise NameError(f"the notebook defines no function `{fname}`")
        if mode == "call":
            result = fn(*args, **kwargs)
            leaves = []
            _tensor_leaves(result, leaves)
            out = {"result": encode(result, arrays_out), "args_after": encode(list(args), arrays_out),
                   "graded": [bool(getattr(t, "requires_grad", False)) for t in leaves]}
        else:
            import torch
            inputs = []
            _tensor_leaves(list(args), inputs)
            wrt = [t for t in inputs if t.requires_grad]
            result = fn(*args, **kwargs)
            leaves = []
            _tensor_leaves(result, leaves)
            cot = decode(payload["cotangents"], arrays)
            pairs = [(t, c) for t, c in zip(leaves, cot) if c is not None and t.requires_grad]
            grads = torch.autograd.grad([t for t, _ in pairs], wrt, grad_outputs=[c for _, c in pairs],
                                        allow_unused=True) if pairs and wrt else [None] * len(wrt)
            out = {"grads": encode([g if g is not None else None for g in grads], arrays_out)}
    except BaseException as exc:   # the learner's error, as data
        frames = [f for f in traceback.extract_tb(exc.__traceback__)
                  if "site-packages" not in f.filename and "_codec" not in f.filename]
        where = f" (at line {frames[-1].lineno}: `{(frames[-1].line or '').strip()}`)" if frames else ""
        out = {"error": {"type": type(exc).__name__, "message": str(exc)[:2000], "where": where}}
        arrays_out = []
        if isinstance(exc, KeyboardInterrupt):
            out["error"]["interrupted"] = True
    write_bundle(path_out, out, arrays_out)


def _tensor_leaves(obj, out):
    torch = _torch()
    if torch is not None and isinstance(obj, torch.Tensor):
        out.append(obj)
    elif isinstance(obj, (tuple, list)):
        for v in obj:
            _tensor_leaves(v, out)
    elif isinstance(obj, dict):
        for v in obj.values():
            _tensor_leaves(v, out)
