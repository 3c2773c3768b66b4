"""Solutions to the exercises of lesson 23 (dynamics in low dimensions)."""
import numpy as np


def dmd_np(X, r):
    """Exercise 23.dmd: exact DMD of a trajectory X (T, d), time along the rows, at rank r.

    Snapshots as columns, X₀ = X[:-1]ᵀ and X₁ = X[1:]ᵀ; X₀ ≈ U Σ Vᵀ (rank r); Ã = Uᵀ X₁ V Σ⁻¹;
    Ã W = W Λ; exact modes Φ = X₁ V Σ⁻¹ W (lesson 23, Eqs. (3)–(5)). Returns (λ: (r,), Φ: (d, r))."""
    X0, X1 = X[:-1].T, X[1:].T
    U, s, Vh = np.linalg.svd(X0, full_matrices=False)
    U, s, V = U[:, :r], s[:r], Vh[:r].T
    YVS = X1 @ V / s                      # X₁ V Σ⁻¹: divides column j by s_j
    lam, W = np.linalg.eig(U.T @ YVS)
    return lam, YVS @ W


def cubic_observables(X):
    """Exercise 23.observables: observables of (x1, x2) ↦ (a x1, b x2 + c x1³) whose span is invariant.

    x1 ↦ a x1 and x1³ ↦ a³ x1³ stay in the span, and x2 ↦ b x2 + c x1³ lies in span{x2, x1³}: the three
    observables (x1, x2, x1³) evolve by the 3 × 3 matrix [[a, 0, 0], [0, b, c], [0, 0, a³]], for every a, b, c."""
    return np.column_stack([X[:, 0], X[:, 1], X[:, 0] ** 3])


def dominant_period(x, dt):
    """Exercise 23.period: the period of the strongest oscillation of a scalar series x (T,) sampled every dt.

    Hankel DMD (lesson 23, Eq. (7)): centre, embed with q = 40 delays, DMD at rank 10, rank the oscillatory
    modes by amplitude |b_j|·‖φ_j‖ and return 2π·dt/|arg λ| of the strongest."""
    x = np.asarray(x, float) - np.mean(x)
    q, r = 40, 10
    H = np.lib.stride_tricks.sliding_window_view(x, q)          # (T − q + 1, q): rows are delay vectors
    lam, Phi = dmd_np(H, r)
    b = np.linalg.lstsq(Phi, H[0], rcond=None)[0]
    amp = np.abs(b) * np.linalg.norm(Phi, axis=0)
    osc = np.abs(np.angle(lam)) > 1e-6
    j = np.flatnonzero(osc)[np.argmax(amp[osc])]
    return float(2 * np.pi * dt / abs(np.angle(lam[j])))
