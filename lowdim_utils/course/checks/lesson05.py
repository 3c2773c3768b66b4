"""Checks of lesson 05's exercises (intrinsic dimension).

References: the course library — :func:`lowdim_utils.intrinsic.twonn`,
:func:`~lowdim_utils.intrinsic.mle_dimension` and :func:`~lowdim_utils.intrinsic.mle_from_distances`,
tested in ``tests/test_intrinsic.py`` — plus data of known dimension, simulated exponential samples
(05.censored: an unbiased estimator must be right on average) and the property asked for (05.scale:
the returned k is within the tolerance and no smaller one is).
"""
import numpy as np

from ..registry import Feedback, exercise, expect, part
from ._common import later

LESSON = "05_intrinsic_dimension"


# ----------------------------------------------------------------------------- data of known dimension

def _embed(Y, D, rng, shift=3.0):
    Q = np.linalg.qr(rng.standard_normal((D, Y.shape[1])))[0]
    return Y @ Q.T + shift


def _sphere(seed, n=500, d=2, D=12):
    rng = np.random.default_rng(seed)
    Z = rng.standard_normal((n, d + 1))
    return _embed(Z / np.linalg.norm(Z, axis=1, keepdims=True), D, rng)


def _cube(seed, n=400, d=4, D=10):
    rng = np.random.default_rng(seed)
    return _embed(rng.uniform(size=(n, d)) * 5.0, D, rng)


def _scalar(out, what):
    if isinstance(out, np.ndarray) and out.size == 1:
        out = out.reshape(())[()]
    if hasattr(out, "item") and getattr(out, "ndim", 0) == 0:
        out = out.item()
    expect(isinstance(out, (int, float, np.integer, np.floating)) and not isinstance(out, bool),
           f"{what} should be a single number, got {type(out).__name__}"
           + (" (did you forget a `return`?)" if out is None else "") + ".")
    out = float(out)
    expect(np.isfinite(out), f"{what} is {out}; expected a finite number.")
    return out


def _call(f, X, *args):
    """Call f on a copy-protected X; return (output, whether X was left unchanged)."""
    X0 = X.copy()
    out = f(X, *args)
    return out, np.array_equal(X, X0)


_INPLACE = ("your function modified its input in place: work on a new array and leave the caller's data as "
            "they were (no in-place subtraction or sorting).")
_SELF = ("Is each point excluded from its own neighbours (its distance to itself, 0, must not count as a "
         "nearest neighbour)?")


# ----------------------------------------------------------------------------- 05.twonn

def _twonn_sets():
    return [(_sphere(0), 2), (_cube(1), 4), (_sphere(2, n=300, d=3, D=8), 3)]


_TWONN = ("returns a finite number and leaves X unchanged", "estimates known dimensions within 20%",
          "matches lowdim_utils.intrinsic.twonn")


@exercise("05.twonn", lesson=LESSON, function="twonn_np", title="TwoNN in NumPy",
          parts=dict(zip(_TWONN, (1, 1, 2))))
def _test_twonn(f):
    from ...intrinsic import twonn
    runs = []
    for X, true_d in _twonn_sets():
        try:
            out, unchanged = _call(f, X)
        except FloatingPointError:
            raise Feedback("your function divided by zero. " + _SELF) from None
        runs.append((X, true_d, out, unchanged))

    def estimate(out):
        if out is not None and not np.all(np.isfinite(np.asarray(out, dtype=float))):
            raise Feedback(f"your estimate is {out}: a ratio r2/r1 with r1 = 0 gives inf. " + _SELF)
        got = _scalar(out, "twonn_np(X)")
        if got < 0:
            raise Feedback(f"your estimate is negative ({got:.3f}): use mu = r2 / r1 >= 1 (second over first "
                           "nearest-neighbour distance), so that log(mu) >= 0.")
        return got

    with part(_TWONN[0]):
        expect(all(r[3] for r in runs), _INPLACE)
        for _, _, out, _ in runs:
            estimate(out)
    with part(_TWONN[1]):
        for _, true_d, out, _ in runs:
            got = later(estimate, out)
            expect(abs(got - true_d) < 0.2 * true_d,
                   f"on a {true_d}-dimensional test set your estimate is {got:.4f}: TwoNN should come within 20% "
                   "of the true dimension there."
                   + (" It looks like the inverse of the slope: regress y = −log(1 − F) on x = log(mu), not x on y."
                      if got < 1 else ""))
    with part(_TWONN[2]):
        for X, true_d, out, _ in runs:
            got, want = later(estimate, out), twonn(X)
            if not np.isclose(got, want, rtol=1e-6):
                hint = ""
                if abs(got * want - 1) < 0.05 * want or got < 1:
                    hint = (" It looks like the inverse slope: regress y = −log(1 − F) on x = log(mu) "
                            "(least squares through the origin), not x on y.")
                elif abs(got - want) < 0.05 * want:
                    hint = (" Close, but not the same fit: sort log(mu), keep the smallest 90% (drop the largest "
                            "discard_fraction), use F_i = i / n with n *all* points, and fit a line through the "
                            "origin (no intercept).")
                raise Feedback(f"on a {true_d}-dimensional test set your estimate is {got:.4f}, expected "
                               f"{want:.4f}." + hint)


# ----------------------------------------------------------------------------- 05.mle

def _mle_sets():
    return [(_sphere(3), 5, 2), (_cube(4), 12, 4), (_sphere(5, n=300, d=3, D=8), 8, 3)]


_MLE = ("returns a finite number and leaves X unchanged", "estimates known dimensions within 25%",
        "matches lowdim_utils.intrinsic.mle_dimension")


@exercise("05.mle", lesson=LESSON, function="mle_np", title="Levina–Bickel MLE",
          parts=dict(zip(_MLE, (1, 1, 2))))
def _test_mle(f):
    from ...intrinsic import mle_dimension
    runs = []
    for X, k, true_d in _mle_sets():
        out, unchanged = _call(f, X, k)
        runs.append((X, k, true_d, out, unchanged))

    def estimate(out, k):
        if out is not None and not np.all(np.isfinite(np.asarray(out, dtype=float))):
            raise Feedback(f"your estimate is {out}: log(T_k / T_j) is infinite when T_j = 0. " + _SELF)
        return _scalar(out, f"mle_np(X, {k})")

    with part(_MLE[0]):
        expect(all(r[4] for r in runs), _INPLACE)
        for _, k, _, out, _ in runs:
            estimate(out, k)
    with part(_MLE[1]):
        for _, k, true_d, out, _ in runs:
            got = later(estimate, out, k)
            expect(abs(got - true_d) < 0.25 * true_d,
                   f"with k={k}, on a {true_d}-dimensional test set your estimate is {got:.4f}: the estimator "
                   "should come within 25% of the true dimension there."
                   + (" A zero estimate means some log(T_k / T_j) was infinite. " + _SELF if got == 0 else ""))
    with part(_MLE[2]):
        for X, k, _, out, _ in runs:
            got, want = later(estimate, out, k), mle_dimension(X, k)
            if np.isclose(got, want, rtol=1e-6):
                continue
            hint = ""
            if got == 0:
                hint = " A zero estimate means some log(T_k / T_j) was infinite. " + _SELF
            elif got < 0:
                hint = " Your estimate is negative: the terms are log(T_k / T_j) >= 0, the farthest over the nearer."
            elif np.isclose(got, mle_dimension(X, k, average="mean"), rtol=1e-4):
                hint = (" You averaged the local estimates m_k(x_i); average their *inverses* and invert the "
                        "result (MacKay & Ghahramani): d = 1 / mean_i(1 / m_k(x_i)).")
            elif np.isclose(got, k / (k - 1) * want, rtol=1e-4):
                hint = " The sum has k − 1 terms (j = 1..k−1), so normalise by k − 1, not k."
            elif np.isclose(got, (k - 2) / (k - 1) * want, rtol=1e-4):
                hint = " Normalise by k − 1 (the estimator of Eq. (6)), not k − 2."
            raise Feedback(f"with k={k} your estimate is {got:.4f}, expected {want:.4f}.{hint}")


# ----------------------------------------------------------------------------- 05.censored

def _exp_censored(d, n, m, reps, seed):
    """``reps`` samples: the m smallest of n Exp(d) variables, sorted ascending (reps, m)."""
    rng = np.random.default_rng(seed)
    return np.sort(rng.exponential(1.0 / d, size=(reps, n)), axis=1)[:, :m]


_CENSORED = ("returns a positive number and leaves log_mu unchanged",
             "is unbiased: its mean over simulated censored samples is within 3% of d",
             "matches lowdim_utils.intrinsic.twonn(X, method='mle') on data")


@exercise("05.censored", lesson=LESSON, function="twonn_censored", title="censored maximum likelihood",
          parts=dict(zip(_CENSORED, (1, 2, 1))), timeout=60)
def _test_censored(f):
    from ...intrinsic import twonn
    from ...neighbors import knn
    sims = []
    for d, n, m, seed in ((2.0, 20, 10, 0), (5.0, 30, 8, 1)):
        samples = _exp_censored(d, n, m, 3000, seed)
        sims.append((d, n, m, samples, [f(x.copy(), n) for x in samples]))
    data = []
    for X, true_d in [(_sphere(6, n=400), 2), (_cube(7), 4)]:
        r = knn(X, 2)[0].double().numpy()
        log_mu = np.sort(np.log(r[:, 1] / r[:, 0]))[: int(0.9 * len(X))]
        out, unchanged = _call(f, log_mu, len(X))
        data.append((X, log_mu, out, unchanged))

    def estimate(out):
        got = _scalar(out, "twonn_censored(log_mu, n)")
        expect(got > 0, f"your estimate is {got:.4g}; a dimension is positive: the log-ratios are >= 0 and so is "
                        "their total.")
        return got

    with part(_CENSORED[0]):
        expect(all(u for *_, u in data), _INPLACE)
        for *_, outs in sims:
            for out in outs[:20]:
                estimate(out)
        for _, _, out, _ in data:
            estimate(out)
    with part(_CENSORED[1]):
        for d, n, m, samples, outs in sims:
            mean = float(np.mean([later(estimate, o) for o in outs]))
            ratio = mean / d
            if abs(ratio - 1) <= 0.03:
                continue
            hint = ""
            if abs(ratio - m / (m - 1)) < 0.03:
                hint = (f" That is the maximum-likelihood estimate m/T: it is biased up by m/(m − 1) = "
                        f"{m / (m - 1):.3f}. Compute E[1/T] from the Gamma law of T and correct the numerator.")
            elif ratio > 1.3:
                hint = (" Much too high: did you leave out the censored values? The n − m unobserved values all "
                        "exceed x_(m), which adds (n − m)·x_(m) to the total T.")
            elif ratio < 1:
                hint = " Too low: check the numerator (the unbiased estimator is not (m − 2)/T nor (n − 1)/T)."
            raise Feedback(f"over {len(outs)} simulated samples (the {m} smallest of {n} Exp({d:g}) values) the mean "
                           f"of your estimates is {mean:.3f}, {ratio:.3f} times the true d = {d:g}; an unbiased "
                           f"estimator is right on average (within 3%).{hint}")
    with part(_CENSORED[2]):
        for X, log_mu, out, _ in data:
            got, want = later(estimate, out), twonn(X, method="mle")
            expect(np.isclose(got, want, rtol=1e-9),
                   f"on {len(X)} points your estimate is {got:.6f}, lowdim_utils.intrinsic.twonn(X, method='mle') "
                   f"gives {want:.6f} (the bias-corrected MLE of Eq. (5) with m = {len(log_mu)} kept of n = {len(X)}).")


# ----------------------------------------------------------------------------- 05.scale

def _scale_sets():
    """(description, X, true d, tol, k_max): noisy and clean manifolds; the last has no good k."""
    from ...intrinsic import manifold_sample
    roll = manifold_sample("swiss_roll", 1200, 2, ambient=10, generator=11).numpy()
    noise = np.random.default_rng(12).standard_normal(roll.shape)
    sphere = manifold_sample("sphere", 1000, 3, ambient=12, generator=13).numpy()
    snoise = np.random.default_rng(14).standard_normal(sphere.shape)
    return [("a swiss roll in R^10 with noise sigma = 0.02", roll + 0.02 * noise, 2, 0.1, 150),
            ("a swiss roll in R^10 with noise sigma = 0.01", roll + 0.01 * noise, 2, 0.05, 150),
            ("the sphere S^3 in R^12 with noise sigma = 0.03", sphere + 0.03 * snoise, 3, 0.1, 120),
            ("the clean sphere S^3 in R^12", sphere, 3, 0.02, 120),
            ("a swiss roll in R^10 with noise sigma = 0.05 (no good k up to 150)", roll + 0.05 * noise, 2, 0.1, 150)]


def _mle_curve_oracle(X, k_max):
    """The estimate (7) for every k = 2..k_max (index k − 2), by the course library."""
    from ...intrinsic import mle_from_distances
    from ...neighbors import knn
    T = knn(X, k_max)[0]
    return np.array([mle_from_distances(T[:, :k]) for k in range(2, k_max + 1)])


_SCALE = ("returns an int k in 2..k_max, or None", "the estimate at your k is within the tolerance",
          "no smaller k is within the tolerance", "returns None when no k is within the tolerance")


@exercise("05.scale", lesson=LESSON, function="smallest_good_k", title="the scale that sees the manifold",
          parts=dict(zip(_SCALE, (1, 1, 1, 1))), timeout=120)
def _test_scale(f):
    cases = []
    for what, X, d, tol, k_max in _scale_sets():
        out, unchanged = _call(f, X, d, tol, k_max)
        good = np.abs(_mle_curve_oracle(X, k_max) - d) <= tol * d
        cases.append((what, d, tol, k_max, good, out, unchanged))

    def value(out, k_max):
        if out is None:
            return None
        if isinstance(out, np.ndarray) and out.size == 1:
            out = out.reshape(())[()]
        expect(isinstance(out, (int, np.integer)) and not isinstance(out, bool),
               f"return an int k (or None), got {type(out).__name__} {out!r}.")
        expect(2 <= int(out) <= k_max, f"k = {int(out)} is outside 2..k_max = {k_max}.")
        return int(out)

    with part(_SCALE[0]):
        expect(all(c[-1] for c in cases), _INPLACE)
        for *_, k_max, _, out, _ in cases:
            value(out, k_max)
    with part(_SCALE[1]):
        for what, d, tol, k_max, good, out, _ in cases:
            k = later(value, out, k_max)
            if k is None:
                if good.any():
                    raise Feedback(f"on {what} you return None, but k = {2 + int(np.argmax(good))} has an estimate "
                                   f"within {tol:g}·d of d = {d}.")
                continue
            if not good[k - 2]:
                raise Feedback(f"on {what} the estimate (7) at your k = {k} is not within {tol:g}·d of d = {d} "
                               f"(|m_k − d| > {tol * d:g}). Is your estimate Eq. (7), the inverse of the mean of the "
                               "inverse local estimates, and is k the number of neighbours (T_1..T_k, the point "
                               "itself excluded)?")
    with part(_SCALE[2]):
        for what, d, tol, k_max, good, out, _ in cases:
            k = later(value, out, k_max)
            if k is not None and good[: k - 2].any():
                first = 2 + int(np.argmax(good))
                raise Feedback(f"on {what} you return k = {k}, but the smaller k = {first} already has an estimate "
                               f"within {tol:g}·d of d = {d}: return the *smallest* such k, not the best one.")
    with part(_SCALE[3]):
        for what, d, tol, k_max, good, out, _ in cases:
            k = later(value, out, k_max)
            if not good.any() and k is not None:
                raise Feedback(f"on {what} no k up to {k_max} has an estimate within {tol:g}·d of d = {d}, but you "
                               f"return {k}: return None then.")
