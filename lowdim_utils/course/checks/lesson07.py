"""Checks of lesson 07's exercises (manifold learning)."""
import numpy as np
import scipy.linalg

from ..registry import Feedback, exercise, expect, expect_array, expect_close

LESSON = "07_manifold_learning"


def _points(seed, n=30, d=3):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d)) * np.linspace(3.0, 1.0, d) + 2.0


def _dist(P):
    diff = P[:, None, :] - P[None, :, :]
    return np.sqrt((diff**2).sum(-1))


def _ref_b(D):
    n = D.shape[0]
    J = np.eye(n) - 1.0 / n
    return -0.5 * J @ (D**2) @ J


@exercise("07.double_center", lesson=LESSON, function="double_center_np", title="double centring")
def _test_double_center(f):
    for seed, n in [(0, 5), (1, 30)]:
        P = _points(seed, n)
        D = _dist(P)
        D0 = D.copy()
        B = expect_array(f(D), "B", shape=(n, n))
        expect(np.array_equal(D, D0), "your function modified D in place; work on a copy.")
        rows, cols = np.abs(B.sum(1)).max(), np.abs(B.sum(0)).max()
        scale = np.abs(D).max() ** 2
        expect(rows < 1e-8 * scale and cols < 1e-8 * scale,
               f"the rows and columns of B should sum to 0 (max |row sum| = {rows:.3g}, max |column sum| = "
               f"{cols:.3g}): centre on both sides, J @ M @ J with J = I − 11ᵀ/n.")
        expect(B.diagonal().min() >= -1e-8 * scale,
               f"B's diagonal should hold squared distances to the centroid (≥ 0), got min {B.diagonal().min():.3g}: "
               "did you forget the factor −½?")
        expect_close(B, _ref_b(D), "B", rtol=1e-7, atol=1e-9 * scale,
                     hint="B = −½ J (D∘D) J: square the distances entrywise (D**2), not as a matrix product.")
        expect_close(B, (P - P.mean(0)) @ (P - P.mean(0)).T, "B (compared with the centred Gram matrix XXᵀ)",
                     rtol=1e-6, atol=1e-8 * scale)


@_test_double_center.wrong
def _dc_not_squared(D):
    n = D.shape[0]
    J = np.eye(n) - np.ones((n, n)) / n
    return -0.5 * J @ D @ J


@_test_double_center.wrong
def _dc_one_side(D):
    n = D.shape[0]
    J = np.eye(n) - np.ones((n, n)) / n
    return -0.5 * J @ D**2


@_test_double_center.wrong
def _dc_no_half(D):
    n = D.shape[0]
    J = np.eye(n) - np.ones((n, n)) / n
    return J @ D**2 @ J


@_test_double_center.wrong
def _dc_matrix_square(D):
    n = D.shape[0]
    J = np.eye(n) - np.ones((n, n)) / n
    return -0.5 * J @ (D @ D) @ J


@exercise("07.mds", lesson=LESSON, function="classical_mds_np", title="classical MDS")
def _test_mds(f):
    # 1. points that truly live in k dimensions: distances must be reproduced exactly
    for seed, (n, d) in [(2, (25, 3)), (3, (40, 2))]:
        P = _points(seed, n, d)
        D = _dist(P)
        Y = expect_array(f(D.copy(), d), f"classical_mds_np(D, k={d})", shape=(n, d))
        scale = D.max()
        err = np.abs(_dist(Y) - D).max() / scale
        if err > 1e-6:
            hint = ("The distances between the rows of Y should reproduce D for points that truly live in "
                    f"{d} dimensions, but they are off by up to {err:.2g} (relative). ")
            norms = np.linalg.norm(Y, axis=0)
            if np.allclose(norms, 1, atol=1e-6):
                hint += "Your columns have unit norm: scale eigenvector j by √λ_j."
            else:
                hint += ("Did you take the LARGEST eigenvalues (np.linalg.eigh returns them in ascending order), "
                         "scale by √λ (not λ), and square D before double centring?")
            raise Feedback(hint)
    # 2. a configuration in 6-D embedded in 2-D: the best rank-2 Gram matrix, columns by decreasing λ
    P = _points(4, 30, 6)
    D = _dist(P)
    Y = expect_array(f(D.copy(), 2), "classical_mds_np(D, k=2)", shape=(30, 2))
    lam, V = np.linalg.eigh(_ref_b(D))
    ref = (V[:, -2:] * lam[-2:]) @ V[:, -2:].T
    expect_close(Y @ Y.T, ref, "Y Yᵀ (the Gram matrix of your embedding)", rtol=1e-6, atol=1e-8 * np.abs(ref).max(),
                 hint="It should be the best rank-k approximation V_k Λ_k V_kᵀ of B.")
    G = Y.T @ Y
    expect(abs(G[0, 1]) < 1e-6 * abs(G).max(), "the columns of Y should be orthogonal (eigenvectors of B).")
    expect(G[0, 0] >= G[1, 1], "order the columns by decreasing eigenvalue (the first column has the largest spread).")


@_test_mds.wrong
def _mds_unscaled(D, k):
    B = _ref_b(D)
    lam, V = np.linalg.eigh(B)
    return V[:, ::-1][:, :k]


@_test_mds.wrong
def _mds_smallest(D, k):
    lam, V = np.linalg.eigh(_ref_b(D))
    return V[:, :k] * np.sqrt(np.abs(lam[:k]))


@_test_mds.wrong
def _mds_lambda_not_sqrt(D, k):
    lam, V = np.linalg.eigh(_ref_b(D))
    return V[:, ::-1][:, :k] * lam[::-1][:k]


@_test_mds.wrong
def _mds_not_squared(D, k):
    n = D.shape[0]
    J = np.eye(n) - 1.0 / n
    lam, V = np.linalg.eigh(-0.5 * J @ D @ J)
    return V[:, ::-1][:, :k] * np.sqrt(np.maximum(lam[::-1][:k], 0))


def _graph(seed, n=60, m=6):
    """A connected heat-kernel k-NN affinity on random 2-D points, with unequal degrees."""
    rng = np.random.default_rng(seed)
    P = rng.standard_normal((n, 2)) * [2.0, 0.7]
    D = _dist(P)
    np.fill_diagonal(D, np.inf)
    nbr = np.argsort(D, axis=1)[:, :m]
    A = np.zeros((n, n))
    rows = np.repeat(np.arange(n), m)
    t = np.mean(D[rows, nbr.ravel()] ** 2)
    A[rows, nbr.ravel()] = np.exp(-D[rows, nbr.ravel()] ** 2 / t)
    return 0.5 * (A + A.T)


@exercise("07.laplacian", lesson=LESSON, function="laplacian_eigenmaps_np", title="Laplacian eigenmaps")
def _test_laplacian(f):
    for seed, k in [(5, 2), (6, 3)]:
        W = _graph(seed)
        n = W.shape[0]
        W0 = W.copy()
        Y = expect_array(f(W, k), f"laplacian_eigenmaps_np(W, k={k})", shape=(n, k))
        expect(np.array_equal(W, W0), "your function modified W in place; work on a copy.")
        d = W.sum(1)
        L = np.diag(d) - W
        lam = scipy.linalg.eigh(L, np.diag(d), eigvals_only=True)
        for j in range(k):
            y = Y[:, j]
            spread = np.std(y) / (np.abs(y).max() or 1.0)
            expect(spread > 1e-6, f"column {j} of Y is constant: that is the trivial solution (λ = 0, y = 1). "
                                  "Drop it and return the next k eigenvectors.")
            rho = (y @ L @ y) / (y @ (d * y))
            resid = np.linalg.norm(L @ y - rho * d * y) / np.linalg.norm(d * y)
            expect(resid < 1e-6, f"column {j} of Y does not solve the generalised problem L y = λ D y (relative "
                                 f"residual {resid:.2g}). Did you solve the standard problem L y = λ y instead? "
                                 "Use scipy.linalg.eigh(L, D).")
        rhos = np.array([(Y[:, j] @ L @ Y[:, j]) / (Y[:, j] @ (d * Y[:, j])) for j in range(k)])
        expect_close(rhos, lam[1:k + 1], "the eigenvalues λ of your columns (Rayleigh quotients yᵀLy / yᵀDy)",
                     rtol=1e-6, atol=1e-10,
                     hint="Return the solutions with the SMALLEST non-zero λ, in increasing order.")


@_test_laplacian.wrong
def _le_keeps_trivial(W, k):
    d = W.sum(1)
    _, Y = scipy.linalg.eigh(np.diag(d) - W, np.diag(d))
    return Y[:, :k]


@_test_laplacian.wrong
def _le_standard_problem(W, k):
    d = W.sum(1)
    _, Y = np.linalg.eigh(np.diag(d) - W)
    return Y[:, 1:k + 1]


@_test_laplacian.wrong
def _le_largest(W, k):
    d = W.sum(1)
    _, Y = scipy.linalg.eigh(np.diag(d) - W, np.diag(d))
    return Y[:, ::-1][:, :k]
