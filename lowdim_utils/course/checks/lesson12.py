"""Checks of lesson 12's exercises (hyperbolic embeddings).

References: the course library — :func:`lowdim_utils.hyperbolic.poincare_distance` (12.distance; its
gradient by autograd for 12.grad), tested against geoopt in ``tests/test_hyperbolic.py`` — and, for
12.embed, properties of the learner's embedding measured with :func:`~lowdim_utils.hyperbolic.distortion`
on trees the learner does not see (a wide one, a deep one, a random one).
"""
import numpy as np
import torch

from ..registry import Feedback, exercise, expect, expect_array, part
from ._common import later

LESSON = "12_hyperbolic_embeddings"


def _ball(rng, n, d, rmax=0.95):
    """n points of the d-ball with norms spread up to rmax."""
    X = rng.standard_normal((n, d))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    return X * rng.uniform(0.0, rmax, (n, 1))


def _dist_ref(U, V):
    from ...hyperbolic import poincare_distance
    return poincare_distance(torch.from_numpy(U), torch.from_numpy(V)).numpy()


def _rel(a, b):
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300)))


# ----------------------------------------------------------------------------- 12.distance

_DIST = ("one distance per row, inputs unchanged", "matches the distance on random points",
         "symmetric, and zero from a point to itself", "accurate for nearby points (‖u − v‖ ≈ 1e-9)")


@exercise("12.distance", lesson=LESSON, function="poincare_distance_np", title="the Poincaré distance in NumPy",
          parts=dict(zip(_DIST, (1, 2, 1, 2))))
def _test_distance(f):
    rng = np.random.default_rng(0)
    U, V = _ball(rng, 50, 3), _ball(rng, 50, 3)
    U7, V7 = _ball(rng, 20, 7, 0.999), _ball(rng, 20, 7, 0.999)
    U0, V0 = U.copy(), V.copy()
    out = f(U, V)
    unchanged = np.array_equal(U, U0) and np.array_equal(V, V0)
    out7 = f(U7, V7)
    back = f(V.copy(), U.copy())
    same = f(U.copy(), U.copy())
    W = _ball(rng, 20, 4, 0.9)
    step = rng.standard_normal((20, 4))
    W2 = W + 1e-9 * step / np.linalg.norm(step, axis=1, keepdims=True)
    near = f(W.copy(), W2.copy())

    def dist(o, n, what):
        return expect_array(o, what, shape=(n,))

    with part(_DIST[0]):
        dist(out, 50, "the distances of 50 pairs of rows in 3-D")
        dist(out7, 20, "the distances of 20 pairs of rows in 7-D")
        expect(unchanged, "your function modified U or V in place; compute on new arrays instead.")
    with part(_DIST[1]):
        for o, A, B in ((out, U0, V0), (out7, U7, V7)):
            got, want = later(dist, o, len(A), "distances"), _dist_ref(A, B)
            if np.allclose(got, want, rtol=1e-9, atol=1e-12):
                continue
            if np.allclose(got, np.arccosh(1 + np.linalg.norm(A - B, axis=1) ** 2
                                           / ((1 - (A * A).sum(1)) * (1 - (B * B).sum(1)))), rtol=1e-9):
                hint = "the argument of arcosh is 1 + 2‖u − v‖²/((1 − ‖u‖²)(1 − ‖v‖²)): the factor 2 is missing."
            elif np.allclose(got, np.linalg.norm(A - B, axis=1), rtol=1e-9) or \
                    np.allclose(got, 2 * np.linalg.norm(A - B, axis=1), rtol=1e-9):
                hint = "that is a Euclidean distance: the conformal factors 1 − ‖u‖², 1 − ‖v‖² are missing."
            else:
                hint = ("use Eq. (1) or (2) with α = 1 − ‖u‖² and β = 1 − ‖v‖² (squared norms), one value per "
                        "row (sum over axis 1).")
            i = int(np.argmax(np.abs(got - want)))
            raise Feedback(f"distance {i} (rows of dimension {A.shape[1]}) is {got[i]:.10g}, expected "
                           f"{want[i]:.10g}: {hint}")
    with part(_DIST[2]):
        a, b = later(dist, out, 50, "d(u, v)"), later(dist, back, 50, "d(v, u)")
        expect(np.allclose(a, b, rtol=1e-12, atol=1e-15), "d(u, v) and d(v, u) differ: the distance is "
                                                          "symmetric in u and v.")
        z = later(dist, same, 50, "d(u, u)")
        expect(np.abs(z).max() < 1e-12, f"d(u, u) should be 0, got {np.abs(z).max():.3g}.")
    with part(_DIST[3]):
        got, want = later(dist, near, 20, "distances of nearby points"), _dist_ref(W, W2)
        err = _rel(got, want)
        expect(err < 1e-6, f"for points 1e-9 apart your distances are off by a relative {err:.2g} (expected below "
                           "1e-6): arcosh(1 + t) of a tiny t loses every digit of t to the rounding of 1 + t. Use the "
                           "equivalent 2·asinh(‖u − v‖/√((1 − ‖u‖²)(1 − ‖v‖²))) of Eq. (2), with ‖u − v‖ from the "
                           "difference itself.")


# ----------------------------------------------------------------------------- 12.grad

def _grad_ref(T, X):
    from ...hyperbolic import poincare_distance
    t = torch.from_numpy(T).requires_grad_(True)
    poincare_distance(t, torch.from_numpy(X)).sum().backward()
    return t.grad.numpy()


_GRAD = ("one gradient per row, inputs unchanged", "matches autograd at random points",
         "matches autograd near the boundary (‖θ‖ = 0.999)")


@exercise("12.grad", lesson=LESSON, function="distance_grad_np", title="the gradient of the Poincaré distance",
          parts=dict(zip(_GRAD, (1, 2, 1))))
def _test_grad(f):
    rng = np.random.default_rng(1)
    T, X = _ball(rng, 30, 3, 0.9), _ball(rng, 30, 3, 0.9)
    T0, X0 = T.copy(), X.copy()
    out = f(T, X)
    unchanged = np.array_equal(T, T0) and np.array_equal(X, X0)
    Tb = _ball(rng, 10, 5, 0.5)
    Tb = 0.999 * Tb / np.linalg.norm(Tb, axis=1, keepdims=True)
    Xb = _ball(rng, 10, 5, 0.8)
    outb = f(Tb.copy(), Xb.copy())

    def grad(o, shape, what):
        return expect_array(o, what, shape=shape)

    with part(_GRAD[0]):
        grad(out, T.shape, "the gradients of 30 rows in 3-D")
        grad(outb, Tb.shape, "the gradients of 10 rows in 5-D")
        expect(unchanged, "your function modified theta or x in place; compute on new arrays instead.")
    for title, o, A, B in ((_GRAD[1], out, T0, X0), (_GRAD[2], outb, Tb, Xb)):
        with part(title):
            got, want = later(grad, o, A.shape, "gradients"), _grad_ref(A, B)
            if np.allclose(got, want, rtol=1e-7, atol=1e-9):
                continue
            conf = ((1 - (A * A).sum(1, keepdims=True)) ** 2 / 4)
            if np.allclose(got, conf * want, rtol=1e-6):
                hint = ("yours is the Riemannian gradient (the Euclidean one times (1 − ‖θ‖²)²/4); the exercise asks "
                        "for the Euclidean gradient ∂d/∂θ, which Eq. (5) then rescales.")
            elif np.allclose(got, -want, rtol=1e-6):
                hint = "yours has the wrong sign: d grows when θ moves away from x."
            else:
                hint = ("differentiate d = 2 asinh(δ) with δ = ‖θ − x‖/√(αβ), α = 1 − ‖θ‖², β = 1 − ‖x‖²: the chain "
                        "rule gives ∂d/∂θ = 2/√(1 + δ²) · ∂δ/∂θ, and ∂δ/∂θ has two terms — one from ‖θ − x‖, one from "
                        "α, which depends on θ too (∂α/∂θ = −2θ).")
            i = int(np.argmax(np.abs(got - want).max(1)))
            raise Feedback(f"gradient row {i} is {np.round(got[i], 6).tolist()}, expected "
                           f"{np.round(want[i], 6).tolist()}: {hint}")


# ----------------------------------------------------------------------------- 12.embed

def _kary(depth, k):
    from ...hyperbolic import kary_tree
    edges, n = kary_tree(depth, k)
    return edges.numpy(), n


def _caterpillar(length):
    edges = [(i + 1, i) for i in range(length)]                           # a path 0 - 1 - ... - length
    edges += [(length + 1 + i, i) for i in range(length + 1)]              # one leaf on every node
    return np.array(edges, dtype=np.int64), 2 * length + 2


def _random_tree(seed, n, max_children):
    rng = np.random.default_rng(seed)
    kids, edges = [0], []
    for i in range(1, n):
        while True:
            p = int(rng.integers(0, i))
            if kids[p] < max_children:
                break
        edges.append((i, p))
        kids[p] += 1
        kids.append(0)
    return np.array(edges, dtype=np.int64), n


_TREES = {"a wide tree (12 children per node, 2 levels)": _kary(2, 12),
          "a deep tree (a 20-link path with a leaf on every node)": _caterpillar(20),
          "a random tree (100 nodes, up to 6 children)": _random_tree(1, 100, 6)}
_EMBED = ("returns (n, 2) points strictly inside the disk", "every node keeps 1 − ‖x‖ ≥ 1e-12") + tuple(
    f"worst-case distortion ≤ 2 on {name}" for name in _TREES)
WORST, MARGIN = 2.0, 1e-12


@exercise("12.embed", lesson=LESSON, function="embed_tree", title="embed a tree: choose the scale", timeout=60,
          parts=dict(zip(_EMBED, (1, 1, 1, 1, 1))))
def _test_embed(f):
    from ...hyperbolic import distortion, pairwise_distances, tree_distances
    outs = {}
    for name, (edges, n) in _TREES.items():
        try:
            outs[name] = (f(edges.copy(), n, 0), None)
        except NotImplementedError:
            raise
        except Exception as exc:                      # reported in the parts below
            from ..registry import describe_error
            outs[name] = (None, describe_error(exc))

    def points(name):
        out, err = outs[name]
        if err:
            raise Feedback(f"on {name}: {err}")
        n = _TREES[name][1]
        X = expect_array(out, f"the embedding of {name}", shape=(n, 2))
        norm = np.linalg.norm(X, axis=1)
        expect(norm.max() < 1, f"on {name} a point has norm {norm.max():.17g}: every point must lie strictly inside "
                               "the unit disk (in double precision).")
        return X, norm

    with part(_EMBED[0]):
        for name in _TREES:
            points(name)
    with part(_EMBED[1]):
        for name in _TREES:
            _, norm = later(points, name)
            gap = float((1 - norm).min())
            expect(gap >= MARGIN, f"on {name} a node has 1 − ‖x‖ = {gap:.2g}, below {MARGIN:g}: so close to the "
                                  "circle, double precision keeps few digits of its distances. The scale pushes nodes "
                                  "outwards link by link — a deep tree needs a smaller scale.")
    for title, name in zip(_EMBED[2:], _TREES):
        with part(title):
            X, _ = later(points, name)
            edges, n = _TREES[name]
            d = distortion(pairwise_distances(torch.from_numpy(X)), tree_distances(edges, n))
            expect(d.worst <= WORST, f"on {name} the worst-case distortion is {d.worst:.3g}, above {WORST:g} (average "
                                     f"{d.average:.3f}). Nodes of different subtrees come too close: a larger scale "
                                     "separates them (most needed where nodes have many children).")
