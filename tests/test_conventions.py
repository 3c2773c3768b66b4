"""One convention per concern, checked across every family: the randomness policy, half
precision, inputs that require grad, big-endian NumPy arrays (lowdim_utils.validate and
lowdim_utils.rng state the policies)."""
import numpy as np
import pytest
import torch
from torch import nn

from lowdim_utils import autoencoders as ae
from lowdim_utils import intrinsic, linear, lora, manifold, neighbors, projections, robust, sparse, subspace, training

X = torch.randn(40, 10, dtype=torch.float64, generator=torch.Generator().manual_seed(0))


def _out(r):
    """A tensor summarising a result, whatever its type."""
    if isinstance(r, torch.Tensor):
        return r.detach().double()
    if isinstance(r, projections.SparseProjection):
        return r.to_dense().double()
    if isinstance(r, nn.Module):
        return torch.cat([p.detach().reshape(-1).double() for p in r.parameters()])
    if isinstance(r, dict):
        return torch.tensor(r["loss"], dtype=torch.float64)
    if isinstance(r, (tuple, list)):
        return torch.cat([_out(v).reshape(-1) for v in r])
    for attr in ("codes", "dictionary", "components", "L"):
        if hasattr(r, attr):
            return _out(getattr(r, attr))
    return torch.tensor(float(r), dtype=torch.float64)


def _fit_once(generator):
    m = nn.Linear(10, 2).double()
    with torch.no_grad():
        m.weight.copy_(torch.linspace(-1, 1, 20, dtype=torch.float64).reshape(2, 10))
        m.bias.zero_()
    return training.fit(m, lambda mod, x: (mod(x) ** 2).mean(), X, epochs=2, batch_size=8,
                        generator=generator, progress=False)


#: every public function that draws random numbers, as f(generator) -> result
RANDOM = {
    "linear.power_iteration": lambda g: linear.power_iteration(X, 2, n_iter=1, generator=g)[1],
    "linear.randomized_range_finder": lambda g: linear.randomized_range_finder(X, 3, n_iter=0, generator=g),
    "linear.randomized_svd": lambda g: linear.randomized_svd(X, 2, n_iter=0, oversample=0, generator=g),
    "linear.pca(randomized)": lambda g: linear.pca(X, 2, method="randomized", n_iter=0, oversample=0, generator=g),
    "projections.gaussian_matrix": lambda g: projections.gaussian_matrix(50, 5, generator=g),
    "projections.sparse_matrix": lambda g: projections.sparse_matrix(50, 5, generator=g),
    "projections.random_projection": lambda g: projections.random_projection(X, 3, generator=g)[0],
    "projections.fastrp": lambda g: projections.fastrp(torch.ones(6, 6) - torch.eye(6), 4, generator=g),
    "sparse.lipschitz_constant(power)": lambda g: sparse.lipschitz_constant(X[:10, :6], method="power", n_iter=1,
                                                                          generator=g),
    "sparse.dictionary_learning": lambda g: sparse.dictionary_learning(X, 5, 0.1, n_iter=1, coding_iter=2, generator=g),
    "sparse.image_patches": lambda g: sparse.image_patches(X, 4, 6, generator=g),
    "robust.low_rank_plus_sparse": lambda g: robust.low_rank_plus_sparse(8, 2, 0.1, generator=g)[0],
    "intrinsic.manifold_sample": lambda g: intrinsic.manifold_sample("sphere", 20, 2, ambient=5, generator=g),
    "subspace.make_subspace_projection": lambda g: subspace.make_subspace_projection("dense", 30, 3, generator=g).P,
    "lora.LoRALinear": lambda g: lora.LoRALinear(nn.Linear(6, 4), 2, generator=g).lora_A,
    "autoencoders.LinearAutoencoder": lambda g: ae.LinearAutoencoder(6, 2, generator=g),
    "autoencoders.gmm_sample": lambda g: ae.gmm_sample(5, torch.zeros(2, 3), 1.0, generator=g)[0],
    "training.fit": _fit_once,
}


@pytest.mark.parametrize("name", sorted(RANDOM))
def test_randomness_policy(name):
    f = RANDOM[name]
    # an int seed: the same numbers at every call, whatever the global state
    torch.manual_seed(1)
    a = _out(f(123))
    torch.manual_seed(2)
    assert torch.equal(_out(f(123)), a), f"{name}: an int seed must give the same numbers every call"
    # a Generator: used as it is (same seed, same numbers), and its stream advances
    g1, g2 = torch.Generator().manual_seed(5), torch.Generator().manual_seed(5)
    assert torch.equal(_out(f(g1)), _out(f(g2)))
    if name != "sparse.lipschitz_constant(power)":       # one power step from any start: nearly the same number
        assert not torch.equal(_out(f(g1)), _out(f(torch.Generator().manual_seed(5)))), \
            f"{name}: a generator's stream must advance"
    # None: torch's global generator, which torch.manual_seed (and lu.setup) seed
    torch.manual_seed(7)
    b = _out(f(None))
    torch.manual_seed(7)
    assert torch.equal(_out(f(None)), b), f"{name}: generator=None must follow torch.manual_seed"
    torch.manual_seed(8)
    if name != "sparse.lipschitz_constant(power)":
        assert not torch.equal(_out(f(None)), b), f"{name}: generator=None must use the global generator"


@pytest.mark.parametrize("name", sorted(RANDOM))
def test_bad_generator_names_the_argument(name):
    with pytest.raises(TypeError, match="generator must be None, an int seed or a torch.Generator"):
        RANDOM[name]("seed")


#: public functions on data, as f(X) with X: (n, d)
ON_DATA = {
    "linear.pca": lambda Z: linear.pca(Z, 2).components,
    "linear.svd": lambda Z: linear.svd(Z, 2)[1],
    "linear.subspace_angles": lambda Z: linear.subspace_angles(Z[:, :3], Z[:, 3:6]),
    "projections.project": lambda Z: projections.project(Z, projections.gaussian_matrix(Z.shape[1], 3, generator=0)),
    "projections.distance_ratios": lambda Z: projections.distance_ratios(Z, Z[:, :5]),
    "sparse.fista": lambda Z: sparse.fista(Z, np.eye(Z.shape[1]), 0.1, n_iter=5).codes,
    "sparse.soft_threshold": lambda Z: sparse.soft_threshold(Z, 0.5),
    "robust.robust_pca": lambda Z: robust.robust_pca(Z, max_iter=5).L,
    "robust.svt": lambda Z: robust.svt(Z, 0.5),
    "neighbors.knn": lambda Z: neighbors.knn(Z, 3)[0],
    "intrinsic.twonn": lambda Z: intrinsic.twonn(Z),
    "intrinsic.mle_dimension": lambda Z: intrinsic.mle_dimension(Z, 5),
    "intrinsic.pca_dimension": lambda Z: intrinsic.pca_dimension(Z, 0.9),
    "manifold.kernel_pca": lambda Z: manifold.kernel_pca(Z, 2).embedding,
    "manifold.isomap": lambda Z: manifold.isomap(Z, 2, 8).embedding,
    "manifold.laplacian_eigenmaps": lambda Z: manifold.laplacian_eigenmaps(Z, 2, 8).embedding,
    "manifold.procrustes_error": lambda Z: manifold.procrustes_error(Z, Z),
    "autoencoders.gmm_score": lambda Z: ae.gmm_score(Z, Z[:3], 1.0),
}


@pytest.mark.parametrize("name", sorted(ON_DATA))
def test_half_precision_is_computed_in_float32(name):
    out = ON_DATA[name](X.half())
    if isinstance(out, torch.Tensor):
        # float32, or float64 where a function documents float64 results (distance_ratios)
        want = torch.float64 if name == "projections.distance_ratios" else torch.float32
        assert out.dtype == want, f"{name} returned {out.dtype} for float16 input"
        assert torch.isfinite(out).all()
        ref = ON_DATA[name](X.half().float())
        torch.testing.assert_close(out, ref)


@pytest.mark.parametrize("name", sorted(ON_DATA))
def test_inputs_that_require_grad_are_accepted(name):
    Z = X.clone().requires_grad_(True)
    out = ON_DATA[name](Z)
    ref = ON_DATA[name](X)
    if isinstance(out, torch.Tensor):
        torch.testing.assert_close(out.detach(), ref)
    else:
        assert out == pytest.approx(ref)


@pytest.mark.parametrize("name", sorted(ON_DATA))
def test_big_endian_numpy_arrays_are_accepted(name):
    be = X.numpy().astype(">f8")
    out = ON_DATA[name](be)
    ref = ON_DATA[name](X.numpy())
    if isinstance(out, torch.Tensor):
        torch.testing.assert_close(out, ref)
    else:
        assert out == pytest.approx(ref)


def test_differentiable_functions_keep_the_graph():
    Z = X.clone().requires_grad_(True)
    for f in (lambda: projections.project(Z, projections.gaussian_matrix(10, 3, generator=0)),
              lambda: sparse.soft_threshold(Z, 0.1), lambda: sparse.lasso_objective(Z, torch.eye(10, dtype=Z.dtype), Z, 0.1),
              lambda: ae.gmm_log_density(Z, torch.zeros(2, 10), 1.0)):
        out = f()
        out.sum().backward()
        assert Z.grad is not None and torch.isfinite(Z.grad).all()
        Z.grad = None
