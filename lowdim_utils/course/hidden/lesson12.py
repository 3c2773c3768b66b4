"""Instructor-only: plausible wrong answers of lesson 12 (fed to the checks by the test suite)."""
import numpy as np

from ..registry import wrong


def _ab(U, V):
    return 1.0 - np.sum(U * U, axis=-1), 1.0 - np.sum(V * V, axis=-1)


# ------------------------------------------------------------------ 12.distance

@wrong("12.distance")
def _distance_arcosh(U, V):
    """The textbook arcosh form: right in exact arithmetic, wrong digits for nearby points."""
    a, b = _ab(U, V)
    return np.arccosh(1.0 + 2.0 * np.sum((U - V) ** 2, axis=-1) / (a * b))


@wrong("12.distance")
def _distance_no_two(U, V):
    a, b = _ab(U, V)
    return np.arccosh(1.0 + np.sum((U - V) ** 2, axis=-1) / (a * b))


@wrong("12.distance")
def _distance_unsquared_norms(U, V):
    a = 1.0 - np.linalg.norm(U, axis=-1)
    b = 1.0 - np.linalg.norm(V, axis=-1)
    return 2.0 * np.arcsinh(np.linalg.norm(U - V, axis=-1) / np.sqrt(a * b))


@wrong("12.distance")
def _distance_euclidean(U, V):
    return 2.0 * np.linalg.norm(U - V, axis=-1)


# ------------------------------------------------------------------ 12.grad

def _grad_terms(theta, x):
    alpha = 1.0 - np.sum(theta * theta, axis=-1, keepdims=True)
    beta = 1.0 - np.sum(x * x, axis=-1, keepdims=True)
    diff = theta - x
    s = np.linalg.norm(diff, axis=-1, keepdims=True)
    root = np.sqrt(alpha * beta)
    delta = s / root
    return alpha, diff, s, root, delta


@wrong("12.grad")
def _grad_riemannian(theta, x):
    alpha, diff, s, root, delta = _grad_terms(theta, x)
    g = 2.0 / np.sqrt(1.0 + delta ** 2) * (diff / (s * root) + delta * theta / alpha)
    return alpha ** 2 / 4 * g


@wrong("12.grad")
def _grad_constant_conformal_factor(theta, x):
    """Differentiates ‖θ − x‖ only, as if α did not depend on θ."""
    alpha, diff, s, root, delta = _grad_terms(theta, x)
    return 2.0 / np.sqrt(1.0 + delta ** 2) * diff / (s * root)


@wrong("12.grad")
def _grad_wrong_sign(theta, x):
    alpha, diff, s, root, delta = _grad_terms(theta, x)
    return -2.0 / np.sqrt(1.0 + delta ** 2) * (diff / (s * root) + delta * theta / alpha)


# ------------------------------------------------------------------ 12.embed

@wrong("12.embed")
def _embed_small_scale(edges, n_nodes, root):
    from lowdim_utils import hyperbolic
    return hyperbolic.sarkar_embedding(edges, n_nodes, root, tau=1.0)


@wrong("12.embed")
def _embed_fixed_medium_scale(edges, n_nodes, root):
    from lowdim_utils import hyperbolic
    return hyperbolic.sarkar_embedding(edges, n_nodes, root, tau=2.5)


@wrong("12.embed")
def _embed_fixed_large_scale(edges, n_nodes, root):
    from lowdim_utils import hyperbolic
    return hyperbolic.sarkar_embedding(edges, n_nodes, root, tau=4.0)
