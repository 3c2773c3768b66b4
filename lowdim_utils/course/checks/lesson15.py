"""Checks of lesson 15's exercises (contrastive learning).

References: the course's vectorised ``contrastive.info_nce`` (15.ntxent); the closed-form log density
ratio of a correlated Gaussian pair, compared up to a function of x alone (the InfoNCE loss does not see
one), and the InfoNCE bound it gives against the true mutual information (15.critic); a linear SimCLR
trained on the learner's views of the lesson's content/style toy data, whose encoder must end up reading
the content coordinates (15.views).
"""
import math

import numpy as np

from ..registry import Feedback, exercise, expect, expect_array, part
from ._common import later

LESSON = "15_contrastive_learning"


# ------------------------------------------------------------------ 15.ntxent

def _views(seed, b, d, scale=1.0):
    g = np.random.default_rng(seed)
    z1 = scale * g.standard_normal((b, d))
    return z1, z1 + 0.5 * scale * g.standard_normal((b, d))


_NTX = ("returns a finite number", "matches the vectorised loss on unit-norm rows",
        "normalises the rows (any length)", "stays finite at a small temperature")


@exercise("15.ntxent", lesson=LESSON, function="nt_xent_np", title="NT-Xent in NumPy",
          parts=dict(zip(_NTX, (1, 1, 1, 1))))
def _test_ntxent(f):
    import torch

    from ...contrastive import info_nce

    def ref(z1, z2, tau):
        return float(info_nce(torch.from_numpy(z1), torch.from_numpy(z2), tau))

    def unit(z):
        return z / np.linalg.norm(z, axis=1, keepdims=True)

    cases_unit = [(unit(a), unit(b), tau) for (a, b), tau in
                  [(_views(0, 6, 4), 0.5), (_views(1, 17, 8), 0.2), (_views(2, 2, 3), 1.0)]]
    cases_any = [(*_views(3, 12, 5, scale=4.0), 0.5), (*_views(4, 9, 3, scale=0.1), 0.3)]
    small = (*_views(5, 10, 6), 0.001)

    def value(out, what):
        expect(out is not None, f"{what}: nothing was returned (did you forget a `return`?).")
        arr = expect_array(out, what)
        expect(arr.size == 1, f"{what} should be one number (the mean over all 2B anchors), got shape {arr.shape}.")
        return float(arr.reshape(()))

    outs_unit = [f(a.copy(), b.copy(), tau) for a, b, tau in cases_unit]
    outs_any = [f(a.copy(), b.copy(), tau) for a, b, tau in cases_any]
    with part(_NTX[0]):
        for out in outs_unit + outs_any:
            value(out, "the loss")
    with part(_NTX[1]):
        for (a, b, tau), out in zip(cases_unit, outs_unit):
            got, want = later(value, out, "the loss"), ref(a, b, tau)
            if not math.isclose(got, want, rel_tol=1e-8, abs_tol=1e-10):
                bsz = a.shape[0]
                hint = (" The denominator runs over the 2B − 1 other rows: leave out only the anchor's similarity "
                        "with itself (keep the positive), and average over all 2B anchors (both views).")
                raise Feedback(f"with B = {bsz}, τ = {tau}: your loss is {got:.8g}, expected {want:.8g}.{hint}")
    with part(_NTX[2]):
        for (a, b, tau), out in zip(cases_any, outs_any):
            got, want = later(value, out, "the loss"), ref(a, b, tau)
            expect(math.isclose(got, want, rel_tol=1e-8, abs_tol=1e-10),
                   f"on rows of norm about {np.linalg.norm(a, axis=1).mean():.2g}: your loss is {got:.8g}, expected "
                   f"{want:.8g}. The similarity is the cosine: divide every row by its norm first.")
    with part(_NTX[3]):
        a, b, tau = small
        got = value(f(a.copy(), b.copy(), tau), "the loss at τ = 0.001")
        want = ref(a, b, tau)
        expect(math.isclose(got, want, rel_tol=1e-8, abs_tol=1e-10),
               f"at τ = 0.001 your loss is {got:.8g}, expected {want:.8g}: exp(s/τ) overflows for s/τ ≈ 1000; subtract "
               "each row's largest logit before exponentiating (log-sum-exp).")


# ------------------------------------------------------------------ 15.critic

def _true_critic(x, y, rho):
    d = x.shape[1]
    sq = ((y[None] - rho * x[:, None]) ** 2).sum(-1)
    return -sq / (2 * (1 - rho ** 2)) + (y ** 2).sum(1)[None] / 2 - d / 2 * np.log(1 - rho ** 2)


def _pairs(seed, n, d, rho):
    g = np.random.default_rng(seed)
    x = g.standard_normal((n, d))
    return x, rho * x + math.sqrt(1 - rho ** 2) * g.standard_normal((n, d))


_CRIT = ("returns an (n, m) matrix", "equals log p(y|x) − log p(y) up to a function of x",
         "gives an InfoNCE bound below the true mutual information", "the bound approaches the mutual information")


@exercise("15.critic", lesson=LESSON, function="gaussian_critic", title="the optimal critic of a Gaussian pair",
          parts=dict(zip(_CRIT, (1, 1, 1, 1))))
def _test_critic(f):
    small = [(_pairs(0, 7, 3, 0.6)[0], _pairs(1, 5, 3, 0.6)[1], 0.6), (_pairs(2, 4, 1, -0.8)[0],
                                                                    _pairs(3, 6, 1, -0.8)[1], -0.8)]
    outs = [f(x.copy(), y.copy(), rho) for x, y, rho in small]

    def matrix(out, x, y):
        return expect_array(out, "the critic matrix", shape=(x.shape[0], y.shape[0]))

    with part(_CRIT[0]):
        for (x, y, _), out in zip(small, outs):
            matrix(out, x, y)
    with part(_CRIT[1]):
        for (x, y, rho), out in zip(small, outs):
            F = later(matrix, out, x, y)
            diff = F - _true_critic(x, y, rho)
            spread = np.abs(diff - diff[:, :1]).max()
            if spread > 1e-8:
                i, j = np.unravel_index(np.argmax(np.abs(diff - diff[:, :1])), diff.shape)
                raise Feedback(f"with ρ = {rho}, d = {x.shape[1]}: f(x_{i}, y_{j}) − f(x_{i}, y_0) is off by "
                               f"{spread:.3g} from log[p(y_{j}|x_{i}) p(y_0)] − log[p(y_0|x_{i}) p(y_{j})]. A term that "
                               "depends on y is wrong: the conditional variance is 1 − ρ², and −log p(y) adds ‖y‖²/2.")
    # the numeric consequence: the bound log N − L with this critic, N candidates, column 0 positive
    rho, d, n = 0.9, 2, 3000
    mi = -d / 2 * math.log(1 - rho ** 2)
    x, y = _pairs(7, n, d, rho)
    g = np.random.default_rng(8)

    def bound(N):
        neg = g.integers(0, n, size=(n, N - 1))
        scores = np.empty((n, N))
        for i0 in range(0, n, 500):      # f on the rows of one block against its own candidates
            sl = slice(i0, i0 + 500)
            F = matrix(f(x[sl].copy(), y.copy(), rho), x[sl], y)
            scores[sl, 0] = F[np.arange(F.shape[0]), np.arange(i0, i0 + F.shape[0])]
            scores[sl, 1:] = np.take_along_axis(F, neg[sl], axis=1)
        m = scores.max(axis=1, keepdims=True)
        loss = np.mean(m[:, 0] + np.log(np.exp(scores - m).sum(1)) - scores[:, 0])
        return math.log(N) - loss

    with part(_CRIT[2]):
        res = {N: later(bound, N) for N in (4, 64, 1024)}
        for N, b in res.items():
            expect(b <= min(mi, math.log(N)) + 0.05,
                   f"with N = {N} candidates the bound log N − L is {b:.3f} nats, above min(I, log N) = "
                   f"{min(mi, math.log(N)):.3f} (I = −(d/2) log(1 − ρ²) = {mi:.3f}): a valid critic cannot do that.")
    with part(_CRIT[3]):
        b = res[1024]
        expect(b >= mi - 0.15, f"with N = 1024 ≫ e^I = {math.exp(mi):.1f} the optimal critic's bound should be within "
                               f"0.15 nats of I = {mi:.3f}; yours gives {b:.3f}.")


# ------------------------------------------------------------------ 15.views

_VIEWS = ("returns two views of X's shape", "views are random (drawn from the generator)",
          "the trained encoder reads the content coordinates", "a linear probe on the embedding finds the classes")
CONTENT_FRACTION, PROBE_ACC = 0.9, 0.9


def _train_linear_simclr(make_views, X, seed=0, steps=120):
    import torch

    from ...contrastive import info_nce
    from ...device import threads
    g = torch.Generator().manual_seed(seed)
    W = torch.nn.Linear(X.shape[1], 2, bias=False)
    with torch.no_grad():
        W.weight.copy_(0.1 * torch.randn(2, X.shape[1], generator=g))
    opt = torch.optim.Adam(W.parameters(), lr=0.02)
    with threads(1):
        for _ in range(steps):
            idx = torch.randint(0, X.shape[0], (256,), generator=g)
            a, b = make_views(X[idx].clone(), g)
            loss = info_nce(W(torch.as_tensor(a, dtype=torch.float32)), W(torch.as_tensor(b, dtype=torch.float32)), 0.5)
            opt.zero_grad()
            loss.backward()
            opt.step()
    return W.weight.detach()


@exercise("15.views", lesson=LESSON, function="make_views", title="views that keep the content", timeout=60,
          parts=dict(zip(_VIEWS, (1, 1, 1, 1))))
def _test_views(f):
    import torch

    from ...contrastive import content_style, linear_probe
    from ...device import threads
    X, y = content_style(2000, generator=11)

    def pair(out, n):
        expect(isinstance(out, (tuple, list)) and len(out) == 2,
               f"return a pair (view1, view2), got {type(out).__name__}" + (" (did you forget a `return`?)"
                                                                          if out is None else "") + ".")
        return [expect_array(v, f"view {k + 1}", shape=(n, X.shape[1])) for k, v in enumerate(out)]

    first = f(X[:64].clone(), torch.Generator().manual_seed(1))
    again = f(X[:64].clone(), torch.Generator().manual_seed(1))
    other = f(X[:64].clone(), torch.Generator().manual_seed(2))
    with part(_VIEWS[0]):
        pair(first, 64)
    with part(_VIEWS[1]):
        a1, b1 = later(pair, first, 64)
        a2, b2 = later(pair, again, 64)
        a3, b3 = later(pair, other, 64)
        expect(np.allclose(a1, a2) and np.allclose(b1, b2),
               "two calls with generators seeded alike gave different views: draw every random number from the "
               "`generator` argument (torch.randn(..., generator=generator)).")
        expect(not (np.allclose(a1, a3) and np.allclose(b1, b3)) and not np.allclose(a1, b1),
               "your views do not change with the generator, or the two views are identical: then the loss only "
               "spreads the points (uniformity) and rewards whatever has the most variance — here the style.")
    results = []
    for seed in (0, 1):
        W = _train_linear_simclr(f, X, seed=seed)
        frac = float((W[:, :2] ** 2).sum() / (W ** 2).sum())
        with threads(1):
            Z = X @ W.T
            acc = linear_probe(Z[:1500], y[:1500], Z[1500:], y[1500:])
        results.append((frac, acc))
    with part(_VIEWS[2]):
        for seed, (frac, _) in enumerate(results):
            expect(frac >= CONTENT_FRACTION,
                   f"training seed {seed}: only {frac:.2f} of the encoder's squared weights sit on the 2 content "
                   f"coordinates (need ≥ {CONTENT_FRACTION}). What the two views share is what the encoder learns: "
                   "keep the content identical in both views and make the style differ between them.")
    with part(_VIEWS[3]):
        for seed, (_, acc) in enumerate(results):
            expect(acc >= PROBE_ACC, f"training seed {seed}: a linear probe on the 2-D embedding reaches {acc:.3f} "
                                     f"test accuracy (need ≥ {PROBE_ACC}); the content clusters are separable.")
