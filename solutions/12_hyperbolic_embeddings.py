"""Solutions to the exercises of lesson 12 (hyperbolic embeddings)."""
import numpy as np


def poincare_distance_np(U, V):
    """Exercise 12.distance: the Poincaré distance between the rows of U and V (n, d) → (n,), Eq. (2)."""
    U, V = np.asarray(U, dtype=np.float64), np.asarray(V, dtype=np.float64)
    alpha = 1.0 - np.sum(U * U, axis=-1)                      # 1 − ‖u‖²
    beta = 1.0 - np.sum(V * V, axis=-1)                       # 1 − ‖v‖²
    diff = np.linalg.norm(U - V, axis=-1)                     # ‖u − v‖, no cancellation
    return 2.0 * np.arcsinh(diff / np.sqrt(alpha * beta))     # = arcosh(1 + 2‖u − v‖²/(αβ)), stably


def distance_grad_np(theta, x):
    """Exercise 12.grad: the Euclidean gradient ∂d(θ, x)/∂θ of the Poincaré distance, rows (n, d) → (n, d).

    With α = 1 − ‖θ‖², β = 1 − ‖x‖², s = ‖θ − x‖ and δ = s/√(αβ), d = 2 asinh(δ), so
    ∂d/∂θ = 2/√(1 + δ²) · ∂δ/∂θ and ∂δ/∂θ = (θ − x)/(s√(αβ)) + δ θ/α (as ∂α/∂θ = −2θ).
    """
    theta, x = np.asarray(theta, dtype=np.float64), np.asarray(x, dtype=np.float64)
    alpha = 1.0 - np.sum(theta * theta, axis=-1, keepdims=True)
    beta = 1.0 - np.sum(x * x, axis=-1, keepdims=True)
    diff = theta - x
    s = np.linalg.norm(diff, axis=-1, keepdims=True)
    root = np.sqrt(alpha * beta)
    delta = s / root
    return 2.0 / np.sqrt(1.0 + delta ** 2) * (diff / (s * root) + delta * theta / alpha)


def embed_tree(edges, n_nodes, root):
    """Exercise 12.embed: Sarkar's construction with the largest scale τ that the tree's depth allows in
    double precision (every node keeps 1 − ‖x‖ ≥ 1e-11): a larger τ separates the subtrees better
    (lower distortion), but each link pushes the nodes further towards the circle."""
    from lowdim_utils import hyperbolic
    for tau in np.arange(10.0, 0.49, -0.25):                  # from large to small scales
        try:
            X = hyperbolic.sarkar_embedding(edges, n_nodes, root, tau=float(tau))
        except ValueError:                                    # some node rounded onto the circle
            continue
        if float((1 - np.linalg.norm(X.numpy(), axis=1)).min()) >= 1e-11:
            return X
    return hyperbolic.sarkar_embedding(edges, n_nodes, root, tau=0.5)
