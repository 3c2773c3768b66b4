"""Skip-gram with negative sampling (SGNS), its count-based twin PPMI + SVD, and the tools to judge
word vectors (lesson 09; lessons 10 and 11 reuse the sampler, the model and the trainer).

The pipeline, each step one function (``ids``: a 1-D int64 tensor of token indices)::

    vocab = build_vocab(sentences, min_count=5)        # counts, index, words by falling count
    stream = vocab.encode(sentences)                   # TokenStream: ids (N,), seq (N,)
    kept = subsample(stream, keep_probability(vocab.counts, 1e-3), generator=g)
    pairs = window_pairs(kept, window=5, generator=g)  # (P, 2) (center, context), within sequences
    sampler = NegativeSampler(vocab.counts)             # P_n(c) ∝ count^0.75, alias method
    model = SGNS(len(vocab), len(vocab), dim=100, generator=g)
    train_sgns(model, pairs, sampler, negatives=5, epochs=5, generator=g)

:func:`word2vec` runs the whole recipe with fresh subsampling and windows every epoch, as word2vec
does. :func:`train_sgns` only sees ``(center, context)`` index pairs with their own two vocabulary
sizes, so lesson 10 passes ``(document, word)`` pairs and lesson 11 ``(node, node in a walk window)``.

**The update is word2vec's.** Training is plain SGD with the analytic gradient of the SGNS
log-likelihood (lesson 09, Eq. (5)), scattered into the two tables with ``index_add_``, and word2vec's
linear learning-rate decay (Eq. (6)) — not autograd with an adaptive optimiser: that *is* the
method, and it is what makes it fast. A mini-batch sums the per-pair gradients computed at the
same parameters (word2vec applies them one pair at a time). :class:`SGNS` also has a differentiable
:meth:`~SGNS.loss` for checking the gradient with autograd or for :func:`lowdim_utils.training.fit`.

Randomness follows :mod:`lowdim_utils.rng`; pass a CUDA ``torch.Generator`` to draw on the GPU.
"""
from __future__ import annotations

import math
import time
from collections import Counter
from dataclasses import dataclass

import torch
from torch import nn

from .device import threads, threads_for
from .progress import progress_bar
from .rng import as_generator
from .validate import as_matrix, as_tensor, check_bool, check_int, check_interval, check_positive

__all__ = ["Vocab", "build_vocab", "TokenStream", "token_stream", "keep_probability", "subsample", "window_pairs",
           "negative_distribution", "NegativeSampler", "SGNS", "sgns_step", "auto_batch_size", "train_sgns", "word2vec",
           "cooccurrence", "pmi_matrix", "ppmi_svd", "shifted_pmi_fit", "similarity_correlation",
           "analogy_accuracy", "spearman", "information_gain", "center", "whiten", "isoscore"]


def _index_tensor(x, name, *, ndim=1, high=None, device=None):
    """An int64 tensor of indices in [0, high)."""
    if not isinstance(x, torch.Tensor):
        import numpy as np
        x = torch.as_tensor(np.asarray(x))
    if x.dtype.is_floating_point or x.is_complex() or x.dtype == torch.bool:
        raise TypeError(f"{name} must hold integer indices, got dtype {x.dtype}.")
    if x.dim() != ndim:
        raise ValueError(f"{name} must have {ndim} dimensions, got shape {tuple(x.shape)}.")
    x = x.long() if device is None else x.long().to(device)
    if x.numel() and (int(x.min()) < 0 or (high is not None and int(x.max()) >= high)):
        raise ValueError(f"{name} must hold indices in [0, {high}), got values in [{int(x.min())}, {int(x.max())}].")
    return x


def _counts(counts, name="counts"):
    c = as_tensor(counts, name, ndim=1, dtype=torch.float64)
    if c.numel() == 0 or bool((c < 0).any()) or float(c.sum()) <= 0:
        raise ValueError(f"{name} must be non-negative with a positive sum, one entry per vocabulary item.")
    return c


# ----------------------------------------------------------------------------- vocabulary and tokens

@dataclass
class TokenStream:
    """Token indices ``ids: (N,)`` int64 and the sequence (sentence, document, walk) of each, ``seq: (N,)``
    int64, non-decreasing. Windows never cross from one sequence into the next."""

    ids: torch.Tensor
    seq: torch.Tensor

    def __len__(self):
        return self.ids.numel()

    def to(self, device):
        return TokenStream(self.ids.to(device), self.seq.to(device))


def token_stream(sequences, *, device=None) -> TokenStream:
    """A :class:`TokenStream` from index sequences: a list of int lists (sentences) or a 2-D int tensor
    ``(n_walks, length)`` (random walks, lesson 11)."""
    if isinstance(sequences, torch.Tensor):
        walks = _index_tensor(sequences, "sequences", ndim=2, device=device)
        seq = torch.arange(walks.shape[0], device=walks.device).repeat_interleave(walks.shape[1])
        return TokenStream(walks.reshape(-1), seq)
    sequences = list(sequences)
    lengths = torch.tensor([len(s) for s in sequences], dtype=torch.long)
    flat = [int(i) for s in sequences for i in s]
    ids = _index_tensor(torch.tensor(flat, dtype=torch.long), "sequences")
    seq = torch.arange(len(sequences)).repeat_interleave(lengths)
    return TokenStream(ids, seq) if device is None else TokenStream(ids, seq).to(device)


@dataclass
class Vocab:
    """Words sorted by falling count (ties: first occurrence first): ``words`` (V str), ``counts: (V,)``
    int64, ``index`` (word → row)."""

    words: list
    counts: torch.Tensor
    index: dict

    def __len__(self):
        return len(self.words)

    def __contains__(self, word):
        return word in self.index

    def lookup(self, words) -> torch.Tensor:
        """Rows of ``words`` (int64), −1 for a word outside the vocabulary."""
        return torch.tensor([self.index.get(w, -1) for w in words], dtype=torch.long)

    def encode(self, sentences, *, device=None) -> TokenStream:
        """The token stream of ``sentences`` (token lists); words outside the vocabulary are dropped
        before windows are formed, as word2vec and gensim do."""
        idx = self.index
        return token_stream([[idx[w] for w in s if w in idx] for s in sentences], device=device)


def build_vocab(sentences, *, min_count: int = 5, max_size: int | None = None) -> Vocab:
    """The vocabulary of ``sentences`` (an iterable of token lists): words seen at least ``min_count``
    times, at most ``max_size`` of the most frequent."""
    min_count = check_int(min_count, "min_count", low=1)
    if max_size is not None:
        max_size = check_int(max_size, "max_size", low=1)
    counter = Counter()
    for s in sentences:
        if isinstance(s, str):
            raise TypeError("sentences must be an iterable of token lists, got a str inside it "
                            "(tokenise first, e.g. with lowdim_utils.data.tokenize).")
        counter.update(s)
    items = sorted(((w, n) for w, n in counter.items() if n >= min_count), key=lambda t: -t[1])[:max_size]
    if not items:
        raise ValueError(f"no word occurs min_count={min_count} times: the vocabulary would be empty.")
    words = [w for w, _ in items]
    return Vocab(words, torch.tensor([n for _, n in items], dtype=torch.long), {w: i for i, w in enumerate(words)})


# ----------------------------------------------------------------------------- subsampling, windows, negatives

def keep_probability(counts, sample: float = 1e-3) -> torch.Tensor:
    """word2vec's probability of keeping each occurrence of a word (lesson 09, Eq. (3)):
    ``min(1, (sqrt(f / (s·D)) + 1) · s·D / f)`` for a word of count ``f`` in ``D`` tokens, ``s = sample``.

    ``counts: (V,)``; returns ``(V,)`` float64 on its device. ``sample=0`` keeps everything.
    """
    c = _counts(counts)
    sample = check_positive(sample, "sample", allow_zero=True)
    if sample == 0:
        return torch.ones_like(c)
    t = sample * c.sum()
    return (((c / t).sqrt() + 1) * t / c.clamp(min=1e-300)).clamp(max=1.0)


def subsample(stream: TokenStream, keep, *, generator=None) -> TokenStream:
    """Drop each token ``i`` with probability ``1 − keep[ids[i]]`` (``keep: (V,)``, e.g. from
    :func:`keep_probability`); what remains closes up, so windows reach further (lesson 09, Eq. (3))."""
    if not isinstance(stream, TokenStream):
        raise TypeError(f"stream must be a TokenStream, got {type(stream).__name__}.")
    keep = as_tensor(keep, "keep", ndim=1, device=stream.ids.device)
    if bool(((keep < 0) | (keep > 1)).any()):
        raise ValueError("keep must hold probabilities in [0, 1].")
    gen = as_generator(generator)
    u = torch.rand(len(stream), generator=gen, device=gen.device).to(stream.ids.device)
    mask = u < keep.to(torch.float32)[stream.ids]
    return TokenStream(stream.ids[mask], stream.seq[mask])


def window_pairs(stream: TokenStream, window: int = 5, *, dynamic: bool = True, generator=None) -> torch.Tensor:
    """All (center, context) pairs of ``stream`` within ``window`` positions and the same sequence,
    vectorised over offsets (lesson 09, Eq. (4)): ``(P, 2)`` int64 on the stream's device.

    With ``dynamic`` (word2vec), each center draws its own window ``b`` uniformly from
    ``1..window`` and pairs with the tokens at distance ``≤ b``: a context at distance ``o`` is used
    with probability ``(window − o + 1) / window``. Pairs come grouped by offset: shuffle before SGD.
    """
    if not isinstance(stream, TokenStream):
        raise TypeError(f"stream must be a TokenStream, got {type(stream).__name__}.")
    window = check_int(window, "window", low=1)
    dynamic = check_bool(dynamic, "dynamic")
    ids, seq = stream.ids, stream.seq
    n = ids.numel()
    if dynamic:
        gen = as_generator(generator)
        b = window - torch.randint(0, window, (n,), generator=gen, device=gen.device).to(ids.device)
    else:
        b = torch.full((n,), window, device=ids.device)
    centers, contexts = [], []
    for o in range(1, min(window, max(n - 1, 0)) + 1):
        same = seq[:-o] == seq[o:]
        right = same & (b[:-o] >= o)          # center i, context i + o
        left = same & (b[o:] >= o)            # center i + o, context i
        centers += [ids[:-o][right], ids[o:][left]]
        contexts += [ids[o:][right], ids[:-o][left]]
    if not centers:
        return torch.zeros(0, 2, dtype=torch.long, device=ids.device)
    return torch.stack([torch.cat(centers), torch.cat(contexts)], dim=1)


def negative_distribution(counts, power: float = 0.75) -> torch.Tensor:
    """``P_n(c) ∝ counts[c] ** power`` (lesson 09, Eq. (2)); ``(V,)`` float64 summing to 1."""
    c = _counts(counts)
    power = check_interval(power, "power", 0.0, None)
    p = torch.where(c > 0, c.pow(power), torch.zeros_like(c))
    return p / p.sum()


class NegativeSampler:
    """Draws negatives from ``P_n ∝ counts ** power`` (lesson 09, Eq. (2)) in O(1) per draw with Walker's
    alias method: one uniform column, one coin against its threshold.

    ``probs: (V,)`` float64 is the exact distribution, for callers that prefer
    ``torch.multinomial(sampler.probs, n, replacement=True)`` or a cumulative-sum search
    (``torch.searchsorted(sampler.probs.cumsum(0), u)``); all three draw from the same law.
    """

    def __init__(self, counts, power: float = 0.75, *, device=None):
        self.probs = negative_distribution(counts, power)
        V = self.probs.numel()
        scaled = (self.probs * V).tolist()
        alias = list(range(V))
        threshold = [1.0] * V
        small = [i for i, p in enumerate(scaled) if p < 1.0]
        large = [i for i, p in enumerate(scaled) if p >= 1.0]
        while small and large:
            s, g = small.pop(), large[-1]
            threshold[s], alias[s] = scaled[s], g
            scaled[g] -= 1.0 - scaled[s]
            if scaled[g] < 1.0:
                small.append(large.pop())
        dev = self.probs.device if device is None else torch.device(device)
        self.threshold = torch.tensor(threshold, dtype=torch.float32, device=dev)
        self.alias = torch.tensor(alias, dtype=torch.long, device=dev)
        self.probs = self.probs.to(dev)

    def __len__(self):
        return self.alias.numel()

    def to(self, device):
        out = object.__new__(NegativeSampler)
        out.probs, out.threshold, out.alias = self.probs.to(device), self.threshold.to(device), self.alias.to(device)
        return out

    def sample(self, shape, *, generator=None) -> torch.Tensor:
        """int64 indices of ``shape`` (an int or a tuple) on the sampler's device."""
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        n = math.prod(shape)
        gen = as_generator(generator)
        V = len(self)
        col = torch.randint(0, V, (n,), generator=gen, device=gen.device).to(self.alias.device)
        coin = torch.rand(n, generator=gen, device=gen.device).to(self.alias.device)
        return torch.where(coin < self.threshold[col], col, self.alias[col]).view(shape)


# ----------------------------------------------------------------------------- the model and its training

class SGNS(nn.Module):
    """Two embedding tables: ``center: (n_centers, dim)`` (the word vectors one keeps) and
    ``context: (n_contexts, dim)``. word2vec's initialisation: centers uniform in ``±0.5/dim``,
    contexts zero (lesson 09, Eq. (1) is the objective)."""

    def __init__(self, n_centers: int, n_contexts: int, dim: int = 100, *, generator=None, dtype=torch.float32,
                 device=None):
        super().__init__()
        n_centers = check_int(n_centers, "n_centers", low=1)
        n_contexts = check_int(n_contexts, "n_contexts", low=1)
        dim = check_int(dim, "dim", low=1)
        gen = as_generator(generator)
        w = (torch.rand(n_centers, dim, generator=gen, dtype=torch.float64, device=gen.device) - 0.5) / dim
        self.center = nn.Parameter(w.to(dtype=dtype, device=device), requires_grad=False)
        self.context = nn.Parameter(torch.zeros(n_contexts, dim, dtype=dtype, device=device), requires_grad=False)

    @property
    def dim(self):
        return self.center.shape[1]

    def loss(self, center, context, negatives, *, center_table=None, context_table=None):
        """Negative SGNS log-likelihood (lesson 09, Eq. (1)), summed over the batch: ``center: (B,)``,
        ``context: (B,)``, ``negatives: (B, k)`` index tensors. Differentiable in the tables (pass
        ``center_table``/``context_table`` that require grad, or call ``requires_grad_()`` on the parameters)."""
        W = self.center if center_table is None else center_table
        C = self.context if context_table is None else context_table
        w = W[center]
        pos = (w * C[context]).sum(-1)
        neg = torch.einsum("bkd,bd->bk", C[negatives], w)
        return -(nn.functional.logsigmoid(pos).sum() + nn.functional.logsigmoid(-neg).sum())


def _step(W, C, center, ctx, lr, labels):
    """One SGD step on the summed log-likelihood of a batch (lesson 09, Eq. (5)); ``ctx: (B, 1 + k)``
    holds the positive context first. Returns the batch's summed loss (a 0-d tensor)."""
    d = W.shape[1]
    w = W.index_select(0, center)                                       # (B, d)
    u = C.index_select(0, ctx.reshape(-1)).view(ctx.shape[0], ctx.shape[1], d)   # (B, 1+k, d)
    s = torch.bmm(w.unsqueeze(1), u.transpose(1, 2)).squeeze(1)         # (B, 1+k) scores (this layout: fastest bmm)
    g = (labels - torch.sigmoid(s)) * lr                                # ascent direction × lr
    W.index_add_(0, center, torch.bmm(g.unsqueeze(1), u).squeeze(1))
    C.index_add_(0, ctx.reshape(-1), (g.unsqueeze(2) * w.unsqueeze(1)).view(-1, d))
    return -nn.functional.logsigmoid(s.mul_(2 * labels - 1)).sum()     # −log σ(±s)


def sgns_step(model: SGNS, center, context, negatives, lr: float) -> float:
    """One SGD step of ``lr`` on the summed SGNS log-likelihood of a batch, with the analytic gradient
    (lesson 09, Eq. (5)) and ``index_add_`` (repeated indices add up, as autograd's gradient does).
    Returns the batch's summed loss before the step."""
    B = center.shape[0]
    ctx = torch.cat([context.reshape(B, 1), negatives.reshape(B, -1)], dim=1)
    labels = torch.zeros(1, ctx.shape[1], dtype=model.center.dtype, device=ctx.device)
    labels[0, 0] = 1
    with torch.no_grad():
        return float(_step(model.center.data, model.context.data, center, ctx, check_positive(lr, "lr"), labels))


def auto_batch_size(pairs, sampler: NegativeSampler, negatives: int, *, max_repeats: int = 128,
                    largest: int = 4096) -> int:
    """The largest batch (at most ``largest``, at least 16) in which no table row is expected more than
    ``max_repeats`` times, from the rows' shares among the ``(P, 2)`` pairs and the negatives.

    Why: a mini-batch adds up the gradients of a row's occurrences, all computed at the same
    parameters. When one row occurs hundreds of times in a batch — a tiny vocabulary (a small graph in
    lesson 11) or a word that is drawn as a negative very often — the summed step overshoots and
    training diverges, where word2vec's one-pair-at-a-time updates would have corrected themselves.
    """
    p = _index_tensor(pairs, "pairs", ndim=2)
    P = p.shape[0]
    share_w = torch.bincount(p[:, 0]).max().double() / P
    ctx = torch.zeros(len(sampler), dtype=torch.float64, device=p.device).index_add_(
        0, p[:, 1], torch.ones(P, dtype=torch.float64, device=p.device)) / P
    share_c = (ctx + negatives * sampler.probs.to(p.device)).max()
    return int(min(largest, max(16, max_repeats / float(max(share_w, share_c)))))


def train_sgns(model: SGNS, pairs, sampler: NegativeSampler, *, negatives: int = 5, epochs: int = 5,
               batch_size: int | None = None, lr: float = 0.025, min_lr: float = 1e-4, generator=None,
               progress: bool = True, desc: str = "SGNS") -> dict:
    """Train ``model`` by SGD on (center, context) pairs with ``negatives`` draws each from ``sampler``.

    Args:
        pairs: ``(P, 2)`` int64 (center row, context row), reused (reshuffled) every epoch; or a function
            ``pairs(epoch) -> (P, 2)`` drawing fresh pairs each epoch (what :func:`word2vec` passes).
        sampler: a :class:`NegativeSampler` over the ``n_contexts`` rows of ``model.context``.
        batch_size: pairs per SGD step; default :func:`auto_batch_size` (at most 4096, fewer when some
            row would occur too often in one batch).
        lr, min_lr: word2vec's linear decay from ``lr`` to ``min_lr`` over all batches (lesson 09, Eq. (6)).
        generator: the order of the pairs and the negatives (see :mod:`lowdim_utils.rng`).

    Returns a dict: ``"loss"`` (mean loss per pair of each epoch), ``"pairs"`` (pairs seen per epoch),
    ``"batch_size"``, ``"seconds"``. Runs on the model's device, single-threaded on the CPU for small
    tables. A loss that becomes NaN or infinite raises ``FloatingPointError``.
    """
    if not isinstance(model, SGNS):
        raise TypeError(f"model must be an SGNS, got {type(model).__name__}.")
    if not isinstance(sampler, NegativeSampler):
        raise TypeError(f"sampler must be a NegativeSampler, got {type(sampler).__name__}.")
    n_centers, n_contexts = model.center.shape[0], model.context.shape[0]
    if len(sampler) != n_contexts:
        raise ValueError(f"sampler draws from {len(sampler)} items but model has {n_contexts} context rows.")
    negatives = check_int(negatives, "negatives", low=1)
    epochs = check_int(epochs, "epochs", low=1)
    if batch_size is not None:
        batch_size = check_int(batch_size, "batch_size", low=1)
    lr = check_positive(lr, "lr")
    min_lr = check_positive(min_lr, "min_lr", allow_zero=True)
    if min_lr > lr:
        raise ValueError(f"min_lr must be <= lr, got min_lr={min_lr} and lr={lr}.")
    dev = model.center.device
    sampler = sampler.to(dev)
    gen = as_generator(generator)
    draw = pairs if callable(pairs) else None

    def get_pairs(epoch):
        p = draw(epoch) if draw is not None else pairs
        p = _index_tensor(p, "pairs", ndim=2, device=dev)
        if p.shape[1] != 2 or p.shape[0] == 0:
            raise ValueError(f"pairs must have shape (P, 2) with P >= 1, got {tuple(p.shape)}.")
        if int(p[:, 0].max()) >= n_centers or int(p[:, 1].max()) >= n_contexts:
            raise ValueError(f"pairs must index {n_centers} centers and {n_contexts} contexts, got maxima "
                             f"{int(p[:, 0].max())} and {int(p[:, 1].max())}.")
        return p

    labels = torch.zeros(1, 1 + negatives, dtype=model.center.dtype, device=dev)
    labels[0, 0] = 1
    W, C = model.center.data, model.context.data
    history = {"loss": [], "pairs": []}
    first = get_pairs(0)
    if batch_size is None:
        batch_size = auto_batch_size(first, sampler, negatives)
    total_batches = epochs * math.ceil(first.shape[0] / batch_size)   # fresh draws have about as many pairs
    done, chunk = 0, 64 * batch_size
    t0 = time.perf_counter()
    with threads(threads_for(1e9, dev)), torch.no_grad():
        bar = progress_bar(total=epochs, desc=desc, disable=not progress)
        for epoch in range(epochs):
            p = first if epoch == 0 else get_pairs(epoch)
            P = p.shape[0]
            p = p[torch.randperm(P, generator=gen, device=gen.device).to(dev)]
            loss_sum = torch.zeros((), dtype=torch.float64, device=dev)
            for lo in range(0, P, chunk):
                part = p[lo:lo + chunk]
                negs = sampler.sample((part.shape[0], negatives), generator=gen)
                ctx_all = torch.cat([part[:, 1:2], negs], dim=1)
                for b in range(0, part.shape[0], batch_size):
                    alpha = max(min_lr, lr - (lr - min_lr) * done / total_batches)
                    loss_sum += _step(W, C, part[b:b + batch_size, 0], ctx_all[b:b + batch_size], alpha, labels)
                    done += 1
            history["loss"].append(float(loss_sum) / P)
            if not math.isfinite(history["loss"][-1]):
                bar.close()
                raise FloatingPointError(f"the SGNS loss became {history['loss'][-1]} in epoch {epoch + 1}: lower lr "
                                         f"(got {lr:g}) or batch_size (got {batch_size}).")
            history["pairs"].append(P)
            bar.update(1)
        bar.close()
    history["batch_size"] = batch_size
    history["seconds"] = time.perf_counter() - t0
    return history


def word2vec(stream: TokenStream, counts, *, dim: int = 100, window: int = 5, negatives: int = 5,
             sample: float = 1e-3, epochs: int = 5, batch_size: int | None = None, lr: float = 0.025, min_lr: float = 1e-4,
             generator=None, device=None, progress: bool = True):
    """Skip-gram with negative sampling the word2vec way: every epoch subsamples the tokens anew
    (Eq. (3)) and draws new dynamic windows (Eq. (4)) before :func:`train_sgns` (lesson 09).

    ``stream``: the corpus (:meth:`Vocab.encode`); ``counts: (V,)`` the vocabulary counts (subsampling and
    negatives use them). Returns ``(model, history)``; the word vectors are ``model.center``.
    """
    if not isinstance(stream, TokenStream):
        raise TypeError(f"stream must be a TokenStream, got {type(stream).__name__}.")
    counts = _counts(counts)
    V = counts.numel()
    dev = stream.ids.device if device is None else torch.device(device)
    stream = stream.to(dev)
    if len(stream) and int(stream.ids.max()) >= V:
        raise ValueError(f"stream holds index {int(stream.ids.max())} but counts has only {V} entries.")
    window = check_int(window, "window", low=1)
    gen = as_generator(generator)
    keep = keep_probability(counts, sample).to(dev)
    model = SGNS(V, V, dim, generator=gen, device=dev)

    def pairs(epoch):
        return window_pairs(subsample(stream, keep, generator=gen), window, generator=gen)

    hist = train_sgns(model, pairs, NegativeSampler(counts, device=dev), negatives=negatives, epochs=epochs,
                      batch_size=batch_size, lr=lr, min_lr=min_lr, generator=gen, progress=progress)
    return model, hist


# ----------------------------------------------------------------------------- counts, PMI and the SVD

def cooccurrence(pairs, n_rows: int, n_cols: int) -> torch.Tensor:
    """The count matrix ``#(w, c)`` of ``pairs: (P, 2)``: a coalesced sparse COO ``(n_rows, n_cols)`` float64."""
    n_rows = check_int(n_rows, "n_rows", low=1)
    n_cols = check_int(n_cols, "n_cols", low=1)
    p = _index_tensor(pairs, "pairs", ndim=2)
    if p.shape[1] != 2:
        raise ValueError(f"pairs must have shape (P, 2), got {tuple(p.shape)}.")
    if p.numel() and (int(p[:, 0].max()) >= n_rows or int(p[:, 1].max()) >= n_cols):
        raise ValueError(f"pairs must index {n_rows} rows and {n_cols} columns.")
    key = torch.unique(p[:, 0] * n_cols + p[:, 1], return_counts=True)
    idx = torch.stack([key[0] // n_cols, key[0] % n_cols])
    return torch.sparse_coo_tensor(idx, key[1].double(), (n_rows, n_cols), check_invariants=False).coalesce()


def pmi_matrix(counts, *, context_probs=None, shift: float = 1.0, positive: bool = True) -> torch.Tensor:
    """``max(PMI − log shift, 0)`` (or the plain shifted PMI with ``positive=False``) on the non-zero
    entries of the sparse count matrix ``counts`` (lesson 09, Eqs. (7) and (8)).

    ``PMI(w, c) = log #(w,c) − log #(w) − log P_n(c)`` with ``#(w)`` the row sums and ``P_n``
    ``context_probs: (n_cols,)`` (default: the column sums normalised, the classic PMI; pass the
    negative-sampling distribution for the PMI SGNS factorises). Unobserved pairs stay 0. Sparse COO float64.
    """
    if not (isinstance(counts, torch.Tensor) and counts.layout == torch.sparse_coo):
        raise TypeError("counts must be a sparse COO tensor, e.g. from cooccurrence(pairs, ...).")
    counts = counts.coalesce()
    shift = check_positive(shift, "shift")
    positive = check_bool(positive, "positive")
    (r, c), v = counts.indices(), counts.values().double()
    rows = torch.zeros(counts.shape[0], dtype=torch.float64).index_add_(0, r, v)
    if context_probs is None:
        pc = torch.zeros(counts.shape[1], dtype=torch.float64).index_add_(0, c, v) / v.sum()
    else:
        pc = as_tensor(context_probs, "context_probs", ndim=1, dtype=torch.float64)
        if pc.numel() != counts.shape[1]:
            raise ValueError(f"context_probs must have {counts.shape[1]} entries, got {pc.numel()}.")
    pmi = v.log() - rows[r].log() - pc[c].log() - math.log(shift)
    if positive:
        keep = pmi > 0
        return torch.sparse_coo_tensor(counts.indices()[:, keep], pmi[keep], counts.shape, check_invariants=False).coalesce()
    return torch.sparse_coo_tensor(counts.indices(), pmi, counts.shape, check_invariants=False).coalesce()


def ppmi_svd(ppmi, dim: int, *, power: float = 0.5, n_iter: int = 4, generator=None) -> torch.Tensor:
    """Word vectors ``U_d Σ_d^power: (n_rows, dim)`` from a rank-``dim`` randomized SVD (lesson 01's
    :func:`lowdim_utils.linear.randomized_svd`) of a (sparse) PPMI matrix (lesson 09, Eq. (8));
    ``power=0.5`` splits Σ symmetrically between words and contexts, as Levy & Goldberg do."""
    from .linear import randomized_svd
    power = check_interval(power, "power", 0.0, 1.0)
    U, S, _ = randomized_svd(ppmi, dim, n_iter=n_iter, generator=generator)
    return (U * S.pow(power)).float()


def shifted_pmi_fit(W, C, counts, context_probs, negatives: int, *, min_count: int = 100) -> dict:
    """How close trained dot products ``w·c`` come to ``PMI(w, c) − log k`` (lesson 09, Eq. (7)) on the
    pairs seen at least ``min_count`` times: ``W: (V_w, d)``, ``C: (V_c, d)``, ``counts`` sparse ``#(w, c)``.

    Returns ``dot``, ``target`` (both ``(m,)``), ``pearson``, ``slope`` (least squares of dot on
    target), ``mean_gap`` (mean dot − target) and ``n_pairs``.
    """
    W, C = as_matrix(W, "W", dtype=torch.float64), as_matrix(C, "C", dtype=torch.float64)
    negatives = check_int(negatives, "negatives", low=1)
    spmi = pmi_matrix(counts, context_probs=context_probs, shift=negatives, positive=False)
    (r, c), target = spmi.indices(), spmi.values()
    seen = counts.coalesce().values() >= check_int(min_count, "min_count", low=1)
    r, c, target = r[seen].to(W.device), c[seen].to(W.device), target[seen].to(W.device)
    if target.numel() < 3:
        raise ValueError(f"fewer than 3 pairs are seen min_count={min_count} times: lower min_count.")
    dot = (W[r] * C[c]).sum(1)
    tc, dc = target - target.mean(), dot - dot.mean()
    return {"dot": dot, "target": target, "pearson": float((tc * dc).sum() / (tc.norm() * dc.norm())),
            "slope": float((tc * dc).sum() / (tc * tc).sum()), "mean_gap": float((dot - target).mean()),
            "n_pairs": int(target.numel())}


# ----------------------------------------------------------------------------- evaluation

def _ranks(x):
    """Ranks 1..n with ties averaged (float64)."""
    order = torch.argsort(x)
    xs = x[order]
    _, inv, cnt = torch.unique_consecutive(xs, return_inverse=True, return_counts=True)
    ends = torch.cumsum(cnt, 0).double()
    avg = ends - (cnt.double() - 1) / 2
    r = torch.empty_like(avg[inv])
    r[order] = avg[inv]
    return r


def spearman(x, y) -> float:
    """Spearman's rank correlation of ``x: (n,)`` and ``y: (n,)`` (ties get average ranks)."""
    x, y = as_tensor(x, "x", ndim=1, dtype=torch.float64), as_tensor(y, "y", ndim=1, dtype=torch.float64)
    if x.shape != y.shape or x.numel() < 2:
        raise ValueError(f"x and y must have the same length >= 2, got {x.numel()} and {y.numel()}.")
    rx, ry = _ranks(x.cpu()), _ranks(y.cpu())
    rx, ry = rx - rx.mean(), ry - ry.mean()
    return float((rx * ry).sum() / (rx.norm() * ry.norm()))


def similarity_correlation(E, vocab: Vocab, pairs, scores, *, lowercase: bool = True) -> tuple[float, float]:
    """Spearman correlation between ``cos(E[a], E[b])`` and human ``scores`` over the word ``pairs`` whose
    two words are both in ``vocab``; returns ``(rho, coverage)`` with coverage the fraction of pairs used.
    ``E: (V, d)`` rows in ``vocab`` order; ``lowercase`` looks the words up lower-cased (the corpus loader's
    tokens are; gensim's ``evaluate_word_pairs`` is case-insensitive too)."""
    E = as_matrix(E, "E")
    if E.shape[0] != len(vocab):
        raise ValueError(f"E must have one row per vocabulary word ({len(vocab)}), got {E.shape[0]}.")
    pairs = list(pairs)
    scores = as_tensor(scores, "scores", ndim=1, dtype=torch.float64)
    if len(pairs) != scores.numel():
        raise ValueError(f"pairs and scores must have the same length, got {len(pairs)} and {scores.numel()}.")
    case = str.lower if check_bool(lowercase, "lowercase") else str
    a, b = vocab.lookup([case(p[0]) for p in pairs]), vocab.lookup([case(p[1]) for p in pairs])
    ok = (a >= 0) & (b >= 0)
    if int(ok.sum()) < 3:
        raise ValueError("fewer than 3 pairs have both words in the vocabulary.")
    En = nn.functional.normalize(E.double(), dim=1).cpu()
    cos = (En[a[ok]] * En[b[ok]]).sum(1)
    return spearman(cos, scores[ok]), float(ok.double().mean())


def analogy_accuracy(E, vocab: Vocab, questions, *, batch_size: int = 512) -> tuple[float, float]:
    """3CosAdd accuracy (lesson 09, Eq. (9)) on the questions ``(a, b, c, d)`` whose four words are in
    ``vocab``: the answer is the word nearest (cosine) to ``b − a + c`` among all but a, b and c, on
    unit-normalised rows of ``E: (V, d)`` (gensim's ``most_similar``). Returns ``(accuracy, coverage)``."""
    E = as_matrix(E, "E")
    if E.shape[0] != len(vocab):
        raise ValueError(f"E must have one row per vocabulary word ({len(vocab)}), got {E.shape[0]}.")
    q = torch.stack([vocab.lookup([t[i] for t in questions]) for i in range(4)], 1) if len(questions) else \
        torch.zeros(0, 4, dtype=torch.long)
    ok = (q >= 0).all(1)
    if not bool(ok.any()):
        raise ValueError("no question has all four words in the vocabulary.")
    q = q[ok].to(E.device)
    En = nn.functional.normalize(E.float(), dim=1)
    right = 0
    for lo in range(0, q.shape[0], batch_size):
        a, b, c, d = q[lo:lo + batch_size].T
        sims = (En[b] - En[a] + En[c]) @ En.T
        rows = torch.arange(a.numel(), device=E.device)
        for x in (a, b, c):
            sims[rows, x] = -math.inf
        right += int((sims.argmax(1) == d).sum())
    return right / q.shape[0], float(ok.double().mean())


# ----------------------------------------------------------------------------- geometry: norms, whitening, isotropy

def information_gain(counts) -> torch.Tensor:
    """``KL(p(·|w) ‖ p(·))`` for every row ``w`` of the sparse count matrix ``#(w, c)`` (lesson 09, Eq. (10)),
    with ``p(c)`` the column marginal: ``(n_rows,)`` float64 (0 for an empty row)."""
    if not (isinstance(counts, torch.Tensor) and counts.layout == torch.sparse_coo):
        raise TypeError("counts must be a sparse COO tensor, e.g. from cooccurrence(pairs, ...).")
    counts = counts.coalesce()
    (r, c), v = counts.indices(), counts.values().double()
    rows = torch.zeros(counts.shape[0], dtype=torch.float64).index_add_(0, r, v)
    pc = torch.zeros(counts.shape[1], dtype=torch.float64).index_add_(0, c, v) / v.sum()
    p = v / rows[r]
    return torch.zeros(counts.shape[0], dtype=torch.float64).index_add_(0, r, p * (p / pc[c]).log())


def _weights(p, n, name="p"):
    if p is None:
        return None
    p = as_tensor(p, name, ndim=1, dtype=torch.float64)
    if p.numel() != n or bool((p < 0).any()) or float(p.sum()) <= 0:
        raise ValueError(f"{name} must be {n} non-negative weights with a positive sum, one per row.")
    return p / p.sum()


def center(E, p=None) -> torch.Tensor:
    """``E − μ`` with ``μ`` the plain mean of the rows of ``E: (V, d)`` or, given word probabilities
    ``p: (V,)``, the frequency-weighted ("Zipfian") mean ``Σ p_w E_w`` (lesson 09, Eq. (11))."""
    E = as_matrix(E, "E")
    w = _weights(p, E.shape[0])
    mu = E.mean(0) if w is None else (w.to(E)[:, None] * E).sum(0)
    return E - mu


def whiten(E, p=None, *, eps: float = 1e-8) -> torch.Tensor:
    """Whitened rows ``(E − μ) Σ^{-1/2}`` of ``E: (V, d)`` (lesson 09, Eq. (11)): mean and covariance under
    the uniform distribution over rows, or under ``p: (V,)`` (Zipfian whitening, Yokoi et al. 2024).
    The result has identity covariance under that same distribution."""
    E = as_matrix(E, "E")
    eps = check_positive(eps, "eps")
    n = E.shape[0]
    w = torch.full((n,), 1.0 / n, dtype=torch.float64, device=E.device) if p is None else _weights(p, n).to(E.device)
    X = E.double()
    X = X - (w[:, None] * X).sum(0)
    cov = X.T @ (w[:, None] * X)
    evals, evecs = torch.linalg.eigh(cov)
    return (X @ evecs / evals.clamp(min=eps * float(evals.max())).sqrt() @ evecs.T).to(E.dtype)


def isoscore(X) -> float:
    """IsoScore of the point cloud ``X: (n, d)`` (Rudman et al. 2022; lesson 09, Eq. (12)), in [0, 1]:
    1 when the variance is spread evenly over all d principal directions, ``(k − 1)/(d − 1)`` when it
    is spread evenly over k of them, 0 when it lies on one line.

    Steps: the variances ``λ`` along the principal axes; rescale to ``λ̂ = √d λ/‖λ‖`` (the
    isotropic cloud gives the all-ones vector); the defect ``δ = ‖λ̂ − 1‖ / √(2(d − √d))`` in [0, 1];
    the fraction of dimensions used ``φ = (d − δ²(d − √d))² / d²`` in [1/d, 1]; the score
    ``(d φ − 1)/(d − 1)``.
    """
    X = as_matrix(X, "X", min_rows=2, dtype=torch.float64)
    d = X.shape[1]
    if d < 2:
        raise ValueError(f"X must have at least 2 columns (dimensions), got {d}.")
    Xc = X - X.mean(0)
    lam = torch.linalg.eigvalsh(Xc.T @ Xc / (X.shape[0] - 1)).clamp(min=0)
    if float(lam.sum()) == 0:
        raise ValueError("X has zero variance: all its rows are equal, so its isotropy is undefined.")
    lam_hat = math.sqrt(d) * lam / lam.norm()
    delta2 = float(((lam_hat - 1) ** 2).sum()) / (2 * (d - math.sqrt(d)))
    phi = (d - delta2 * (d - math.sqrt(d))) ** 2 / d ** 2
    return (d * phi - 1) / (d - 1)
