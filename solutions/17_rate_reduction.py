"""Solutions to the exercises of lesson 17 (rate reduction, MCR²)."""
import numpy as np


def coding_rate_np(Z, eps):
    """Exercise 17.rate: the coding rate R(Z) = ½ logdet(I_d + d/(n ε²) ZᵀZ) of Eq. (1), Z (n, d) rows = samples.

    The log-determinant comes from the eigenvalues of the smaller Gram matrix — ZᵀZ (d × d) or ZZᵀ
    (n × n) have the same non-zero eigenvalues (Sylvester) — summed as logs, never as a product
    (a determinant of a 500 × 500 matrix overflows a float long before its log does).
    """
    Z = np.asarray(Z, dtype=np.float64)
    n, d = Z.shape
    G = Z.T @ Z if d <= n else Z @ Z.T
    lam = np.clip(np.linalg.eigvalsh(G), 0.0, None)
    return float(0.5 * np.sum(np.log1p(d / (n * eps ** 2) * lam)))


def orthogonal_delta_r(counts, dims, d, eps):
    """Exercise 17.orth: ΔR (Eq. (3)) of k classes on mutually orthogonal subspaces, class j with
    m_j = counts[j] unit-norm rows spread isotropically over a subspace of dimension d_j = dims[j],
    i.e. Z_jᵀZ_j = (m_j/d_j) U_jU_jᵀ, in R^d.

    Orthogonality makes ZᵀZ block diagonal, so R(Z) splits over the classes (the theorem's equality
    case): R(Z) = Σ_j (d_j/2) log(1 + d m_j/(n ε² d_j)). Class j's own rate uses its own count:
    R_c = Σ_j (m_j/n)(d_j/2) log(1 + d/(ε² d_j)).
    """
    counts = np.asarray(counts, dtype=np.float64)
    dims = np.asarray(dims, dtype=np.float64)
    n = counts.sum()
    R = np.sum(dims / 2 * np.log1p(d * counts / (n * eps ** 2 * dims)))
    Rc = np.sum(counts / n * dims / 2 * np.log1p(d / (eps ** 2 * dims)))
    return float(R - Rc)


def train_linear_mcr2(X, y, generator):
    """Exercise 17.linear: a linear map W (d, d) trained so that the features normalize(X Wᵀ) maximise ΔR.

    Start near the identity (the classes are then where the data put them) and run Adam on −ΔR of the
    unit-norm features, ε = 0.5; the rate reduction pushes the two lines apart until they are orthogonal.
    """
    import torch

    from lowdim_utils.ratereduction import rate_reduction
    X = torch.as_tensor(X, dtype=torch.float64)
    y = torch.as_tensor(y).long()
    d = X.shape[1]
    W = (torch.eye(d, dtype=torch.float64)
         + 0.01 * torch.randn(d, d, generator=generator, dtype=torch.float64)).requires_grad_(True)
    opt = torch.optim.Adam([W], lr=0.05)
    for _ in range(200):
        Z = torch.nn.functional.normalize(X @ W.T, dim=1)
        loss = -rate_reduction(Z, y, 0.5)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return W.detach()


