"""Contrastive and non-contrastive self-supervised learning (lesson 15).

Read top to bottom: the losses (InfoNCE / NT-Xent, lesson 15, Eq. (1)–(3); SimSiam's negative
cosine with a stop-gradient, Eq. (6)), the hypersphere metrics of Wang & Isola (alignment and
uniformity, Eq. (4)–(5)), batched image augmentations that run on the images' device, two small
models (:class:`SimCLR`, :class:`SimSiam`), a training function built on
:func:`lowdim_utils.training.fit`, and the diagnostics of collapse: the standard deviation of the
normalised output and the embedding spectrum (Eq. (7)–(8)). A linear probe measures what a
representation is worth::

    model = SimCLR(encoder(784, 256, 256), dim=256, proj_dim=64)
    hist = train_ssl(model, X, steps=300, batch_size=256, generator=0)
    acc = linear_probe(model.embed(X), y, model.embed(X_test), y_test)

Inputs are tensors (any device) or arrays; half precision is computed in float32; randomness
follows :mod:`lowdim_utils.rng` (``generator=`` None, an int seed or a ``torch.Generator``).
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from .rng import as_generator
from .training import fit, model_device
from .validate import as_tensor, check_bool, check_int, check_interval, check_positive, check_same_device

__all__ = ["info_nce", "info_nce_bound", "alignment", "uniformity", "negative_cosine", "augment", "encoder",
           "SimCLR", "SimSiam", "train_ssl", "content_style", "output_std", "embedding_spectrum", "effective_rank", "linear_probe"]


def _pair(z1, z2, name1="z1", name2="z2"):
    z1 = as_tensor(z1, name1, ndim=2, min_rows=2)
    z2 = as_tensor(z2, name2, ndim=2, min_rows=2)
    if z1.shape != z2.shape:
        raise ValueError(f"{name1} and {name2} must have the same shape (two views of the same rows), got "
                         f"{tuple(z1.shape)} and {tuple(z2.shape)}.")
    check_same_device(**{name1: z1, name2: z2})
    dt = torch.promote_types(z1.dtype, z2.dtype)
    return z1.to(dt), z2.to(dt)


# ------------------------------------------------------------------ losses

def _info_nce(z1, z2, temperature):
    z = F.normalize(torch.cat([z1, z2]), dim=1)                # (2B, d) on the sphere
    b = z1.shape[0]
    logits = z @ z.T / temperature                              # (2B, 2B) cosine similarities / τ
    logits = logits.masked_fill(torch.eye(2 * b, dtype=torch.bool, device=z.device), float("-inf"))
    target = torch.cat([torch.arange(b, 2 * b), torch.arange(0, b)]).to(z.device)
    return F.cross_entropy(logits, target)


def info_nce(z1, z2, temperature: float = 0.5) -> torch.Tensor:
    """SimCLR's NT-Xent loss of two views (lesson 15, Eq. (3)), a scalar tensor.

    ``z1, z2: (B, d)``: row ``i`` of each is a view of the same example (the positive pair); the
    other ``2B − 2`` rows of both are its negatives. Rows are normalised to the unit sphere and
    compared by cosine similarity divided by ``temperature``; the loss is the mean over all ``2B``
    anchors of ``−log softmax`` of the positive, i.e. InfoNCE (lesson 15, Eq. (1)) with
    ``N = 2B − 1`` candidates. Differentiable; one ``(2B, 2B)`` matrix product, O(B² d).
    """
    z1, z2 = _pair(z1, z2)
    temperature = check_positive(temperature, "temperature")
    if z1.dtype in (torch.float16, torch.bfloat16):
        z1, z2 = z1.float(), z2.float()
    return _info_nce(z1, z2, temperature)


def info_nce_bound(scores) -> torch.Tensor:
    """The InfoNCE lower bound ``log N − L`` on the mutual information (lesson 15, Eq. (2)), in nats.

    ``scores: (n, N)``: row ``i`` holds the critic's values ``f(x_i, y_1), …, f(x_i, y_N)`` of one
    query against ``N`` candidates of which column 0 is the positive and the others are drawn
    independently of ``x_i``. Returns a scalar tensor; it never exceeds ``log N``.
    """
    scores = as_tensor(scores, "scores", ndim=2)
    if scores.shape[1] < 2:
        raise ValueError(f"scores must have at least 2 columns (the positive and a negative), got shape "
                         f"{tuple(scores.shape)}.")
    if scores.dtype in (torch.float16, torch.bfloat16):
        scores = scores.float()
    loss = -torch.log_softmax(scores, dim=1)[:, 0].mean()
    return math.log(scores.shape[1]) - loss


def alignment(z1, z2, alpha: float = 2.0) -> torch.Tensor:
    """Wang & Isola's alignment ``E ‖f(x) − f(x⁺)‖^α`` of normalised positive pairs (lesson 15,
    Eq. (4)); ``z1, z2: (B, d)``, normalised here. 0 for identical views, at most ``2^α``."""
    z1, z2 = _pair(z1, z2)
    alpha = check_positive(alpha, "alpha")
    z1, z2 = F.normalize(z1.float() if z1.dtype in (torch.float16, torch.bfloat16) else z1, dim=1), \
        F.normalize(z2.float() if z2.dtype in (torch.float16, torch.bfloat16) else z2, dim=1)
    return (z1 - z2).norm(dim=1).pow(alpha).mean()


def uniformity(z, t: float = 2.0) -> torch.Tensor:
    """Wang & Isola's uniformity ``log E exp(−t ‖f(x) − f(y)‖²)`` over distinct pairs of normalised
    rows (lesson 15, Eq. (5)); ``z: (n, d)``. Lower is more uniform; ``−4t`` ... 0 (all rows equal)."""
    z = as_tensor(z, "z", ndim=2, min_rows=2)
    t = check_positive(t, "t")
    z = F.normalize(z.float() if z.dtype in (torch.float16, torch.bfloat16) else z, dim=1)
    sq = torch.pdist(z).pow(2)
    return torch.logsumexp(-t * sq, dim=0) - math.log(sq.numel())


def negative_cosine(p, z, *, stop_gradient: bool = True) -> torch.Tensor:
    """SimSiam's loss ``−mean_i cos(p_i, sg(z_i))`` (lesson 15, Eq. (6)); ``p, z: (B, d)``.

    With ``stop_gradient=False`` the gradient also flows through ``z`` (the ablation that collapses).
    """
    p, z = _pair(p, z, "p", "z")
    stop_gradient = check_bool(stop_gradient, "stop_gradient")
    if stop_gradient:
        z = z.detach()
    return -F.cosine_similarity(p, z, dim=1).mean()


# ------------------------------------------------------------------ augmentations

def augment(images, *, scale=(0.6, 1.0), shift: float = 0.15, flip: float = 0.5, noise: float = 0.1,
            erase: float = 0.0, generator=None) -> torch.Tensor:
    """A random view of every image of a batch, drawn on the images' device.

    ``images: (n, H, W)`` or ``(n, 1, H, W)`` with values in [0, 1]; returns the same shape.
    Each image gets its own random resized crop (side ``s ∈ scale`` of the image, moved by up to
    ``shift`` of the side in each direction), a horizontal flip with probability ``flip``, a
    random erased square of side ``erase`` (0: none) and Gaussian pixel noise of standard
    deviation ``noise``; the result is clipped to [0, 1]. One ``grid_sample`` for the whole batch.
    """
    x = as_tensor(images, "images", ndim=(3, 4))
    if x.dim() == 4 and x.shape[1] != 1:
        raise ValueError(f"images must have one channel, (n, 1, H, W), got shape {tuple(x.shape)}.")
    if not (isinstance(scale, (tuple, list)) and len(scale) == 2):
        raise TypeError(f"scale must be a pair (low, high), got {scale!r}.")
    lo = check_interval(scale[0], "scale[0]", 0.0, 1.0, closed="right")
    hi = check_interval(scale[1], "scale[1]", lo, 1.0)
    shift = check_interval(shift, "shift", 0.0, 1.0)
    flip = check_interval(flip, "flip", 0.0, 1.0)
    noise = check_positive(noise, "noise", allow_zero=True)
    erase = check_interval(erase, "erase", 0.0, 1.0)
    gen = as_generator(generator)
    shape = x.shape
    x4 = (x if x.dim() == 4 else x[:, None]).to(torch.float32 if x.dtype in (torch.float16, torch.bfloat16)
                                                 else x.dtype)
    n, dev, dt = x4.shape[0], x4.device, x4.dtype

    def u(*s):
        return torch.rand(*s, generator=gen, device=gen.device, dtype=dt).to(dev)

    s = lo + (hi - lo) * u(n)                                         # side of the crop (fraction)
    tx, ty = (2 * u(n) - 1) * (1 - s + shift), (2 * u(n) - 1) * (1 - s + shift)
    sign = torch.where(u(n) < flip, -1.0, 1.0).to(dt)
    theta = torch.zeros(n, 2, 3, device=dev, dtype=dt)
    theta[:, 0, 0], theta[:, 1, 1], theta[:, 0, 2], theta[:, 1, 2] = s * sign, s, tx, ty
    grid = F.affine_grid(theta, list(x4.shape), align_corners=False)
    out = F.grid_sample(x4, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    if erase > 0:
        H, W = out.shape[-2:]
        cy, cx = u(n, 1, 1) * H, u(n, 1, 1) * W
        yy = torch.arange(H, device=dev, dtype=dt)[None, :, None]
        xx = torch.arange(W, device=dev, dtype=dt)[None, None, :]
        box = ((yy - cy).abs() < erase * H / 2) & ((xx - cx).abs() < erase * W / 2)
        out = out.masked_fill(box[:, None], 0.0)
    if noise > 0:
        out = out + noise * torch.randn(out.shape, generator=gen, device=gen.device, dtype=dt).to(dev)
    out = out.clamp(0.0, 1.0)
    return out.reshape(shape)


# ------------------------------------------------------------------ models

def encoder(in_dim: int = 784, width: int = 512, out_dim: int = 256) -> nn.Sequential:
    """A small MLP encoder ``(n, H·W) → (n, out_dim)`` (flatten, Linear–BN–ReLU, Linear–BN–ReLU)."""
    in_dim, width, out_dim = (check_int(in_dim, "in_dim", low=1), check_int(width, "width", low=1),
                              check_int(out_dim, "out_dim", low=1))
    return nn.Sequential(nn.Flatten(), nn.Linear(in_dim, width), nn.BatchNorm1d(width), nn.ReLU(),
                         nn.Linear(width, out_dim), nn.BatchNorm1d(out_dim), nn.ReLU())


class SimCLR(nn.Module):
    """SimCLR: ``h = encoder(x)`` (the representation), ``z = projector(h)`` (where the loss is taken).

    ``dim``: the encoder's output size; ``proj_dim``: the projector's (a 2-layer MLP).
    """

    def __init__(self, backbone: nn.Module, dim: int, proj_dim: int = 64, temperature: float = 0.5):
        super().__init__()
        dim, proj_dim = check_int(dim, "dim", low=1), check_int(proj_dim, "proj_dim", low=1)
        self.temperature = check_positive(temperature, "temperature")
        self.encoder = backbone
        self.projector = nn.Sequential(nn.Linear(dim, dim), nn.ReLU(), nn.Linear(dim, proj_dim))

    def forward(self, x):
        return self.projector(self.encoder(x))

    def loss(self, x1, x2) -> torch.Tensor:
        """NT-Xent of the projections of two views (lesson 15, Eq. (3))."""
        return _info_nce(self(x1), self(x2), self.temperature)

    @torch.no_grad()
    def embed(self, x, *, batch_size: int = 2048, projected: bool = False) -> torch.Tensor:
        """The representation ``h`` (or ``z`` with ``projected=True``) of every row of ``x``, in eval mode."""
        return _embed(self, x, batch_size, projected)


class SimSiam(nn.Module):
    """SimSiam: ``z = projector(encoder(x))``, ``p = predictor(z)``; the loss is the symmetrised
    negative cosine of ``p`` of one view against ``z`` of the other (lesson 15, Eq. (6)).

    ``stop_gradient=False`` removes the stop-gradient (the ablation of Chen & He's Fig. 2).
    """

    def __init__(self, backbone: nn.Module, dim: int, proj_dim: int = 64, pred_dim: int = 32,
                 stop_gradient: bool = True):
        super().__init__()
        dim, proj_dim = check_int(dim, "dim", low=1), check_int(proj_dim, "proj_dim", low=1)
        pred_dim = check_int(pred_dim, "pred_dim", low=1)
        self.stop_gradient = check_bool(stop_gradient, "stop_gradient")
        self.encoder = backbone
        self.projector = nn.Sequential(nn.Linear(dim, dim), nn.BatchNorm1d(dim), nn.ReLU(),
                                       nn.Linear(dim, proj_dim))
        self.predictor = nn.Sequential(nn.Linear(proj_dim, pred_dim), nn.BatchNorm1d(pred_dim), nn.ReLU(),
                                       nn.Linear(pred_dim, proj_dim))

    def forward(self, x):
        return self.projector(self.encoder(x))

    def loss(self, x1, x2) -> torch.Tensor:
        z1, z2 = self(x1), self(x2)
        p1, p2 = self.predictor(z1), self.predictor(z2)
        sg = (lambda t: t.detach()) if self.stop_gradient else (lambda t: t)
        return 0.5 * (-F.cosine_similarity(p1, sg(z2), dim=1).mean() - F.cosine_similarity(p2, sg(z1), dim=1).mean())

    @torch.no_grad()
    def embed(self, x, *, batch_size: int = 2048, projected: bool = False) -> torch.Tensor:
        return _embed(self, x, batch_size, projected)


def _embed(model, x, batch_size, projected):
    dev = model_device(model)
    x = as_tensor(x, "x", min_rows=1).to(dev)
    batch_size = check_int(batch_size, "batch_size", low=1)
    was = model.training
    model.eval()
    try:
        f = model if projected else model.encoder
        return torch.cat([f(x[i:i + batch_size]) for i in range(0, x.shape[0], batch_size)])
    finally:
        model.train(was)


def train_ssl(model: nn.Module, images, *, steps: int = 300, batch_size: int = 256, lr: float = 1e-3,
              weight_decay: float = 0.0, views: dict | None = None, generator=None, track=None,
              track_every: int = 20, progress: bool = True, desc: str | None = None) -> dict:
    """Train a :class:`SimCLR` or :class:`SimSiam` model on two random views (:func:`augment`) of
    mini-batches of ``images: (n, H, W)`` with :func:`lowdim_utils.training.fit` (Adam, batches drawn
    with replacement).

    ``views``: keyword arguments of :func:`augment`. ``track(model) -> dict`` is called (in eval mode,
    without gradients) before training and every ``track_every`` steps; its values are returned as
    lists in ``history["track"]`` with the step numbers in ``history["track_steps"]``.
    Returns :func:`~lowdim_utils.training.fit`'s history plus those two entries.
    """
    if not hasattr(model, "loss"):
        raise TypeError(f"model must have a loss(x1, x2) method (SimCLR or SimSiam), got {type(model).__name__}.")
    x = as_tensor(images, "images", ndim=3, min_rows=2).to(model_device(model))
    steps = check_int(steps, "steps", low=1)
    batch_size = check_int(batch_size, "batch_size", low=2, high=x.shape[0])
    track_every = check_int(track_every, "track_every", low=1)
    if track is not None and not callable(track):
        raise TypeError(f"track must be a function track(model) -> dict, got {type(track).__name__}.")
    gen = as_generator(generator)
    views = dict(views or {})

    def loss(m, xb):
        return m.loss(augment(xb, generator=gen, **views), augment(xb, generator=gen, **views))

    history_track: dict = {}
    track_steps: list = []

    def record(step, m):
        was = m.training
        m.eval()
        with torch.no_grad():
            for k, v in track(m).items():
                history_track.setdefault(k, []).append(float(v))
        m.train(was)
        track_steps.append(step)

    if track is not None:
        record(0, model)
    # fit's "epoch" is track_every steps (its callback is the tracker); each step draws its own batch of
    # images with replacement, so the rows fit hands to the loss are only placeholders
    cb = None if track is None else (lambda epoch, m: record(min(epoch * track_every, steps), m))
    n = x.shape[0]

    def loss_batch(m, placeholder):
        idx = torch.randint(0, n, (placeholder.shape[0],), generator=gen, device=gen.device).to(x.device)
        return loss(m, x[idx])

    slots = torch.zeros(track_every * batch_size, device=x.device)
    hist = fit(model, loss_batch, (slots,), steps=steps, batch_size=batch_size, sampling="replacement", lr=lr,
               weight_decay=weight_decay, generator=gen, callback=cb, progress=progress,
               desc=desc or f"training {type(model).__name__}")
    hist["track"], hist["track_steps"] = history_track, track_steps
    return hist


# ------------------------------------------------------------------ a toy problem: content and style

def content_style(n: int, *, content_dim: int = 2, style_dim: int = 8, classes: int = 4, style_scale: float = 3.0,
                  generator=None, dtype=torch.float32):
    """``(X, y)``: ``n`` points whose first ``content_dim`` coordinates carry the class (``classes``
    clusters of standard deviation 0.3 around means evenly spaced on a circle of radius 2)
    and whose other ``style_dim`` coordinates are class-independent Gaussian "style" of standard
    deviation ``style_scale`` (larger than the content's). ``X: (n, content_dim + style_dim)``, ``y: (n,)``."""
    n = check_int(n, "n", low=1)
    content_dim, style_dim = check_int(content_dim, "content_dim", low=1), check_int(style_dim, "style_dim", low=0)
    classes = check_int(classes, "classes", low=2)
    style_scale = check_positive(style_scale, "style_scale", allow_zero=True)
    g = as_generator(generator)
    means = torch.zeros(classes, content_dim, dtype=torch.float64, device=g.device)
    if content_dim == 1:
        means[:, 0] = torch.linspace(-2.0, 2.0, classes, dtype=torch.float64)
    else:                                   # evenly spaced on the circle of radius 2 of the first two coordinates
        angle = 2 * math.pi * torch.arange(classes, dtype=torch.float64) / classes
        means[:, 0], means[:, 1] = 2 * torch.cos(angle), 2 * torch.sin(angle)
    y = torch.randint(0, classes, (n,), generator=g, device=g.device)
    content = means[y] + 0.3 * torch.randn(n, content_dim, generator=g, device=g.device, dtype=torch.float64)
    style = style_scale * torch.randn(n, style_dim, generator=g, device=g.device, dtype=torch.float64)
    return torch.cat([content, style], dim=1).to(dtype).cpu(), y.cpu()


# ------------------------------------------------------------------ diagnostics

def output_std(z) -> float:
    """SimSiam's collapse diagnostic: the mean over dimensions of the standard deviation of the
    ℓ2-normalised outputs ``z / ‖z‖`` (``z: (n, d)``). About ``1/√d`` for outputs spread over the
    sphere, 0 for a collapsed (constant) output."""
    z = as_tensor(z, "z", ndim=2, min_rows=2)
    z = F.normalize(z.double(), dim=1)
    return float(z.std(dim=0).mean())


def embedding_spectrum(z) -> torch.Tensor:
    """Singular values of the embedding covariance, largest first (lesson 15, Eq. (7)):
    the eigenvalues of ``C = (z − z̄)ᵀ(z − z̄)/n`` for ``z: (n, d)`` (float64, on z's device)."""
    z = as_tensor(z, "z", ndim=2, min_rows=2).double()
    zc = z - z.mean(dim=0)
    return torch.linalg.svdvals(zc).pow(2) / z.shape[0]


def effective_rank(z) -> float:
    """Roy & Vetterli's effective rank ``exp(H(p))`` of the spectrum ``p = λ / Σλ`` of the
    embedding covariance (lesson 15, Eq. (8)), between 1 and ``d``."""
    lam = embedding_spectrum(z).clamp_min(0)
    if float(lam.sum()) == 0:
        return 1.0
    p = lam / lam.sum()
    p = p[p > 0]
    return float(torch.exp(-(p * p.log()).sum()))


def linear_probe(train, y_train, test, y_test, *, steps: int = 300, lr: float = 0.05, weight_decay: float = 1e-4,
                 generator=0) -> float:
    """Test accuracy of a linear classifier (softmax regression) trained on frozen features.

    ``train: (n, d)``, ``test: (m, d)``; the features are standardised with the training set's mean
    and standard deviation; full-batch Adam for ``steps`` steps (:func:`lowdim_utils.training.fit`).
    """
    from .training import _labels, accuracy, cross_entropy

    train = as_tensor(train, "train", ndim=2).detach()
    test = as_tensor(test, "test", ndim=2, device=train.device).detach()
    if test.shape[1] != train.shape[1]:
        raise ValueError(f"test must have {train.shape[1]} columns like train, got shape {tuple(test.shape)}.")
    y_train, y_test = _labels(y_train, train, "y_train"), _labels(y_test, test, "y_test")
    steps = check_int(steps, "steps", low=1)
    mu, sd = train.mean(0), train.std(0).clamp_min(1e-6)
    a, b = (train - mu) / sd, (test - mu) / sd
    k = int(max(int(y_train.max()), int(y_test.max()))) + 1
    g = as_generator(generator)
    clf = nn.Linear(a.shape[1], k).to(device=a.device, dtype=a.dtype)
    with torch.no_grad():
        clf.weight.copy_(0.01 * torch.randn(clf.weight.shape, generator=g, device=g.device, dtype=a.dtype))
        clf.bias.zero_()
    fit(clf, cross_entropy, (a, y_train), steps=steps, lr=lr, weight_decay=weight_decay, generator=g,
        progress=False)
    return accuracy(clf, b, y_test)
