"""Paragraph vectors — PV-DBOW and PV-DM — inference for unseen documents, document retrieval,
TF-IDF + LSA, and topic vectors by clustering document embeddings (lesson 10).

Documents come as lesson 09's :class:`~lowdim_utils.sgns.TokenStream`: ``ids: (N,)`` word rows and
``seq: (N,)`` the document of each token (``vocab.encode(documents)``), plus ``n_docs`` (a document may
have no token left). The pieces::

    vocab = sgns.build_vocab(docs, min_count=2)
    stream = vocab.encode(docs)
    pv = pv_dbow(stream, vocab.counts, len(docs), dim=50, epochs=40, generator=0)   # SGNS on (doc, word)
    pv = pv_dm(stream, vocab.counts, len(docs), dim=50, window=5, epochs=40, generator=0)
    new = infer_vectors(pv, vocab.encode(new_docs), len(new_docs), generator=0)      # words frozen

**PV-DBOW is lesson 09's SGNS** with the document as the center and each of its words as the context
(lesson 10, Eq. (1)): :func:`pv_dbow` builds ``(document, word)`` pairs (:func:`dbow_pairs`) and calls
:func:`lowdim_utils.sgns.train_sgns`. With ``train_words=True`` it interleaves skip-gram word pairs, so
that document and word vectors share one space (Top2Vec; :func:`topic_vectors`).
**PV-DM** averages (or concatenates) the document vector with the context word vectors to predict
the center word with negative sampling (lesson 10, Eq. (2)); :func:`dm_step` is its update, word2vec's
CBOW update (lesson 10, Eq. (3)). **Inference** trains only the new document vectors, the word and
output vectors frozen (lesson 10, Eq. (5)); the expected objective is concave in the document vector
(lesson 10, the theorem *Inference is a concave problem*).

Randomness follows :mod:`lowdim_utils.rng`; pass a CUDA ``torch.Generator`` to draw on the GPU.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import torch
from torch import nn

from . import sgns
from .device import threads, threads_for
from .progress import progress_bar
from .rng import as_generator
from .validate import as_matrix, as_tensor, check_bool, check_choice, check_int, check_positive

__all__ = ["dbow_pairs", "joint_pairs", "dm_examples", "ParagraphVectors", "pv_dbow", "pv_dm", "dm_step",
           "infer_vectors", "expected_counts", "infer_exact", "cosine_matrix", "self_retrieval", "judgement_correlation", "pearson",
           "doc_term_counts", "tfidf", "lsa", "spherical_kmeans", "KMeansResult", "topic_vectors"]

MODES = ("dbow", "dm_mean", "dm_sum", "dm_concat")


def _stream(stream, n_docs, V=None, name="stream"):
    """Validate a document token stream: ids in [0, V), documents in [0, n_docs)."""
    if not isinstance(stream, sgns.TokenStream):
        raise TypeError(f"{name} must be a TokenStream (vocab.encode(documents)), got {type(stream).__name__}.")
    n_docs = check_int(n_docs, "n_docs", low=1)
    if len(stream) == 0:
        raise ValueError(f"{name} holds no token: no document has a word in the vocabulary.")
    if int(stream.seq.min()) < 0 or int(stream.seq.max()) >= n_docs:
        raise ValueError(f"{name}.seq must hold document indices in [0, {n_docs}) (n_docs={n_docs}), got values in "
                         f"[{int(stream.seq.min())}, {int(stream.seq.max())}].")
    if V is not None and (int(stream.ids.min()) < 0 or int(stream.ids.max()) >= V):
        raise ValueError(f"{name}.ids must hold word indices in [0, {V}) (the vocabulary), got maximum "
                         f"{int(stream.ids.max())}.")
    return n_docs


def _keep(stream, counts, sample, gen):
    return stream if sample == 0 else sgns.subsample(stream, sgns.keep_probability(counts, sample).to(stream.ids.device),
                                                     generator=gen)


# ----------------------------------------------------------------------------- training examples

def dbow_pairs(stream: sgns.TokenStream) -> torch.Tensor:
    """PV-DBOW's pairs ``(document, word)`` for every token of ``stream`` (lesson 10, Eq. (1)): ``(N, 2)``
    int64 — lesson 09's (center, context) pairs with the document as the center."""
    if not isinstance(stream, sgns.TokenStream):
        raise TypeError(f"stream must be a TokenStream, got {type(stream).__name__}.")
    return torch.stack([stream.seq, stream.ids], dim=1)


def joint_pairs(stream: sgns.TokenStream, n_docs: int, window: int = 5, *, generator=None) -> torch.Tensor:
    """PV-DBOW with word training (gensim's ``dbow_words=1``, Top2Vec): the ``(document, word)`` pairs of
    :func:`dbow_pairs` and lesson 09's skip-gram pairs ``(n_docs + word, context word)`` in one ``(P, 2)``
    tensor, for an SGNS whose center table holds the documents in rows ``0..n_docs-1`` and the words
    after them, so that both predict words through the same output vectors."""
    n_docs = _stream(stream, n_docs)
    words = sgns.window_pairs(stream, window, generator=generator)
    return torch.cat([dbow_pairs(stream), torch.stack([words[:, 0] + n_docs, words[:, 1]], 1)])


def dm_examples(stream: sgns.TokenStream, window: int = 5, *, concat: bool = False, null: int | None = None,
                generator=None):
    """PV-DM's examples, one per token ``i`` of ``stream`` (lesson 10, Eq. (2)): ``doc: (N,)``,
    ``target: (N,)`` (the center word) and ``ctx: (N, 2·window)`` the context words at offsets
    ``−window..−1, 1..window`` within the same document, with ``mask: (N, 2·window)`` bool.

    Windows are word2vec's dynamic ones (lesson 09, Eq. (4)): token ``i`` draws ``b_i`` uniformly from
    ``1..window`` and uses offsets ``|o| <= b_i``. With ``concat`` (gensim's ``dm_concat``) the window is
    fixed and slots outside the document hold the padding word ``null`` (mask all True). Masked-out
    slots hold index 0 otherwise.
    """
    if not isinstance(stream, sgns.TokenStream):
        raise TypeError(f"stream must be a TokenStream, got {type(stream).__name__}.")
    window = check_int(window, "window", low=1)
    concat = check_bool(concat, "concat")
    ids, seq = stream.ids, stream.seq
    n = ids.numel()
    if concat:
        null = check_int(null, "null", low=0)
        b = torch.full((n,), window, device=ids.device)
    else:
        gen = as_generator(generator)
        b = window - torch.randint(0, window, (n,), generator=gen, device=gen.device).to(ids.device)
    offsets = torch.cat([torch.arange(-window, 0), torch.arange(1, window + 1)]).to(ids.device)
    j = torch.arange(n, device=ids.device)[:, None] + offsets[None, :]               # (N, 2L) positions
    inside = (j >= 0) & (j < n)
    jc = j.clamp(0, max(n - 1, 0))
    same = inside & (seq[jc] == seq[:, None])
    ctx = torch.where(same, ids[jc], torch.full_like(jc, null if concat else 0))
    mask = torch.ones_like(same) if concat else same & (offsets.abs()[None, :] <= b[:, None])
    if not concat:
        ctx = torch.where(mask, ctx, torch.zeros_like(ctx))
    return seq, ids, ctx, mask


# ----------------------------------------------------------------------------- the model

@dataclass
class ParagraphVectors:
    """A trained paragraph-vector model.

    ``docs: (n_docs, d)`` the document vectors; ``words: (V, d)`` the input word vectors (PV-DM, and
    PV-DBOW with ``train_words``; ``None`` for plain PV-DBOW, whose word vectors are never trained;
    ``(V + 1, d)`` for ``dm_concat``, the last row the padding word); ``output: (V, d_out)`` the output
    (context) vectors, ``d_out = d`` or ``(1 + 2·window)·d`` for ``dm_concat``. ``mode`` is one of
    ``"dbow"``, ``"dm_mean"``, ``"dm_sum"``, ``"dm_concat"``; ``counts: (V,)`` the vocabulary counts
    (negatives and subsampling at inference use them); ``history`` the trainer's record.
    """

    docs: torch.Tensor
    words: torch.Tensor | None
    output: torch.Tensor
    mode: str
    counts: torch.Tensor
    window: int = 5
    negatives: int = 5
    sample: float = 1e-3
    lr: float = 0.025
    min_lr: float = 1e-4
    epochs: int = 10
    history: dict = field(default_factory=dict)

    @property
    def dim(self) -> int:
        return self.docs.shape[1]


def _common(stream, counts, n_docs, dim, negatives, sample, epochs, lr, min_lr, device):
    counts = as_tensor(counts, "counts", ndim=1, dtype=torch.float64)
    V = counts.numel()
    n_docs = _stream(stream, n_docs, V)
    dim = check_int(dim, "dim", low=1)
    negatives = check_int(negatives, "negatives", low=1)
    sample = check_positive(sample, "sample", allow_zero=True)
    epochs = check_int(epochs, "epochs", low=1)
    lr = check_positive(lr, "lr")
    min_lr = check_positive(min_lr, "min_lr", allow_zero=True)
    if min_lr > lr:
        raise ValueError(f"min_lr must be <= lr, got min_lr={min_lr} and lr={lr}.")
    dev = stream.ids.device if device is None else torch.device(device)
    return counts, V, n_docs, dev


def pv_dbow(stream: sgns.TokenStream, counts, n_docs: int, *, dim: int = 100, negatives: int = 5,
            sample: float = 1e-3, epochs: int = 10, train_words: bool = False, window: int = 5, lr: float = 0.025,
            min_lr: float = 1e-4, batch_size: int | None = None, generator=None, device=None,
            progress: bool = True) -> ParagraphVectors:
    """PV-DBOW (lesson 10, Eq. (1)): lesson 09's :class:`~lowdim_utils.sgns.SGNS` trained by
    :func:`~lowdim_utils.sgns.train_sgns` on ``(document, word)`` pairs, subsampled anew every epoch
    (lesson 09, Eq. (3)); with ``train_words`` also on skip-gram word pairs (:func:`joint_pairs`).

    ``stream``: the documents' tokens; ``counts: (V,)`` the vocabulary counts. Returns a
    :class:`ParagraphVectors` (mode ``"dbow"``); ``docs`` are the SGNS center rows of the documents.
    """
    counts, V, n_docs, dev = _common(stream, counts, n_docs, dim, negatives, sample, epochs, lr, min_lr, device)
    train_words = check_bool(train_words, "train_words")
    window = check_int(window, "window", low=1)
    stream = stream.to(dev)
    gen = as_generator(generator)
    model = sgns.SGNS(n_docs + (V if train_words else 0), V, dim, generator=gen, device=dev)

    def pairs(epoch):
        kept = _keep(stream, counts, sample, gen)
        return joint_pairs(kept, n_docs, window, generator=gen) if train_words else dbow_pairs(kept)

    hist = sgns.train_sgns(model, pairs, sgns.NegativeSampler(counts, device=dev), negatives=negatives,
                           epochs=epochs, batch_size=batch_size, lr=lr, min_lr=min_lr, generator=gen,
                           progress=progress, desc="PV-DBOW")
    W = model.center.data
    return ParagraphVectors(W[:n_docs].clone(), W[n_docs:].clone() if train_words else None, model.context.data,
                            "dbow", counts, window, negatives, sample, lr, min_lr, epochs, hist)


def dm_step(docs, words, output, doc, target, negatives, ctx, mask, lr: float, *, mode: str = "dm_mean",
            learn_docs: bool = True, learn_words: bool = True, learn_output: bool = True) -> float:
    """One SGD step (in place) of PV-DM on a batch (lesson 10, Eqs. (2) and (3)); returns its summed loss.

    ``docs: (n_docs, d)``, ``words: (V', d)``, ``output: (V, d_out)`` tables; ``doc, target: (B,)``,
    ``negatives: (B, k)``, ``ctx, mask: (B, 2L)`` (from :func:`dm_examples`; ``ctx=None`` for no context
    words: then the step is PV-DBOW's, lesson 09, Eq. (5)). The input ``h`` is the mean (``"dm_mean"``),
    the sum (``"dm_sum"``) or the concatenation (``"dm_concat"``) of the document vector and the context
    word vectors. The update is word2vec's and gensim's: every input vector receives the whole error
    ``e = Σ (label − σ(h·u)) u`` of ``h`` (times ``lr``), divided by the number of inputs only in
    ``"dm_sum"`` mode — in ``"dm_mean"`` mode that is ``n`` times the exact gradient of each input.
    """
    check_choice(mode, "mode", MODES[1:])
    B = doc.shape[0]
    ctx_all = torch.cat([target.reshape(B, 1), negatives.reshape(B, -1)], dim=1)
    labels = torch.zeros(1, ctx_all.shape[1], dtype=docs.dtype, device=docs.device)
    labels[0, 0] = 1
    with torch.no_grad():
        return float(_dm_step(docs, words, output, doc, ctx_all, ctx, mask, check_positive(lr, "lr"), labels, mode,
                              learn_docs, learn_words, learn_output))


def _dm_step(D, Wd, C, doc, ctx_all, ctx, mask, lr, labels, mode, learn_docs, learn_words, learn_output):
    B, d = doc.shape[0], D.shape[1]
    if ctx is None:                                                      # PV-DBOW: h is the document vector
        h, n = D.index_select(0, doc), None
    elif mode == "dm_concat":
        h = torch.cat([D.index_select(0, doc), Wd.index_select(0, ctx.reshape(-1)).view(B, -1)], dim=1)
        n = None
    else:
        rows = torch.arange(B, device=doc.device).unsqueeze(1).expand_as(ctx)[mask]   # the used slots only
        words = ctx[mask]
        h = D.index_select(0, doc).index_add_(0, rows, Wd.index_select(0, words))
        n = 1 + mask.sum(1, keepdim=True).to(D.dtype)                    # (B, 1) inputs per example
        if mode == "dm_mean":
            h = h / n
    dh = h.shape[1]
    u = C.index_select(0, ctx_all.reshape(-1)).view(B, ctx_all.shape[1], dh)     # (B, 1+k, dh)
    s = torch.bmm(h.unsqueeze(1), u.transpose(1, 2)).squeeze(1)                  # (B, 1+k)
    g = (labels - torch.sigmoid(s)) * lr
    e = torch.bmm(g.unsqueeze(1), u).squeeze(1)                                  # (B, dh): the error of h
    if learn_output:
        C.index_add_(0, ctx_all.reshape(-1), (g.unsqueeze(2) * h.unsqueeze(1)).view(-1, dh))
    if mode == "dm_sum" and n is not None:
        e = e / n
    if learn_docs:
        D.index_add_(0, doc, e[:, :d])
    if learn_words and ctx is not None:
        if mode == "dm_concat":
            Wd.index_add_(0, ctx.reshape(-1), e[:, d:].reshape(-1, d))
        else:
            Wd.index_add_(0, words, e.index_select(0, rows))
    return -nn.functional.logsigmoid(s.mul_(2 * labels - 1)).sum()


def _batch_size(doc, target, ctx, mask, sampler, negatives, max_repeats=128, largest=4096):
    """Largest batch in which no table row is expected more than ``max_repeats`` times (documents,
    output rows via :func:`lowdim_utils.sgns.auto_batch_size`, and context words)."""
    b = sgns.auto_batch_size(torch.stack([doc, target], 1), sampler, negatives, max_repeats=max_repeats,
                             largest=largest)
    if ctx is not None and bool(mask.any()):
        share = float(torch.bincount(ctx[mask]).max()) / doc.numel()
        b = min(b, max(16, int(max_repeats / share)))
    return b


def _train_loop(D, Wd, C, examples, sampler, *, mode, negatives, epochs, lr, min_lr, batch_size, gen, learn_words,
                learn_output, progress, desc, max_repeats=128):
    """SGD over fresh examples each epoch with word2vec's linear step decay (lesson 09, Eq. (6))."""
    dev = D.device
    labels = torch.zeros(1, 1 + negatives, dtype=D.dtype, device=dev)
    labels[0, 0] = 1
    first = examples(0)
    if batch_size is None:
        batch_size = _batch_size(*first, sampler, negatives, max_repeats=max_repeats)
    total = epochs * math.ceil(first[0].numel() / batch_size)
    done, hist, t0 = 0, {"loss": [], "examples": []}, time.perf_counter()
    with threads(threads_for(1e9, dev)), torch.no_grad():
        bar = progress_bar(total=epochs, desc=desc, disable=not progress)
        for epoch in range(epochs):
            doc, target, ctx, mask = first if epoch == 0 else examples(epoch)
            N = doc.numel()
            perm = torch.randperm(N, generator=gen, device=gen.device).to(dev)
            doc, target = doc[perm], target[perm]
            ctx, mask = (None, None) if ctx is None else (ctx[perm], mask[perm])
            negs = sampler.sample((N, negatives), generator=gen)
            loss = torch.zeros((), dtype=torch.float64, device=dev)
            for lo in range(0, N, batch_size):
                sl = slice(lo, lo + batch_size)
                alpha = max(min_lr, lr - (lr - min_lr) * done / total)
                ctx_all = torch.cat([target[sl, None], negs[sl]], 1)
                loss += _dm_step(D, Wd, C, doc[sl], ctx_all, None if ctx is None else ctx[sl],
                                 None if ctx is None else mask[sl], alpha, labels, mode, True, learn_words, learn_output)
                done += 1
            hist["loss"].append(float(loss) / max(N, 1))
            hist["examples"].append(N)
            if not math.isfinite(hist["loss"][-1]):
                bar.close()
                raise FloatingPointError(f"the loss became {hist['loss'][-1]} in epoch {epoch + 1}: lower lr (got "
                                         f"{lr:g}) or batch_size (got {batch_size}).")
            bar.update(1)
        bar.close()
    hist["batch_size"], hist["seconds"] = batch_size, time.perf_counter() - t0
    return hist


def pv_dm(stream: sgns.TokenStream, counts, n_docs: int, *, dim: int = 100, window: int = 5, mode: str = "dm_mean",
          negatives: int = 5, sample: float = 1e-3, epochs: int = 10, lr: float = 0.025, min_lr: float = 1e-4,
          batch_size: int | None = None, generator=None, device=None, progress: bool = True) -> ParagraphVectors:
    """PV-DM (lesson 10, Eqs. (2)–(3)): the mean (``mode="dm_mean"``, gensim's ``dm_mean=1``), sum
    (``"dm_sum"``) or concatenation (``"dm_concat"``) of the document vector and its context word
    vectors predicts the center word with negative sampling; every epoch subsamples the tokens and
    draws the dynamic windows anew. Initialisation as word2vec's: documents and words uniform in
    ``±0.5/dim``, output vectors zero. Returns a :class:`ParagraphVectors`."""
    counts, V, n_docs, dev = _common(stream, counts, n_docs, dim, negatives, sample, epochs, lr, min_lr, device)
    check_choice(mode, "mode", MODES[1:])
    window = check_int(window, "window", low=1)
    if batch_size is not None:
        batch_size = check_int(batch_size, "batch_size", low=1)
    stream = stream.to(dev)
    gen = as_generator(generator)
    concat = mode == "dm_concat"
    init = sgns.SGNS(n_docs + V + int(concat), V, dim, generator=gen, device=dev).center.data
    D, Wd = init[:n_docs].clone(), init[n_docs:].clone()
    C = torch.zeros(V, dim * (1 + 2 * window if concat else 1), device=dev)
    sampler = sgns.NegativeSampler(counts, device=dev)

    def examples(epoch):
        return dm_examples(_keep(stream, counts, sample, gen), window, concat=concat, null=V if concat else None,
                           generator=gen)

    hist = _train_loop(D, Wd, C, examples, sampler, mode=mode, negatives=negatives, epochs=epochs, lr=lr,
                       min_lr=min_lr, batch_size=batch_size, gen=gen, learn_words=True, learn_output=True,
                       progress=progress, desc=f"PV-DM ({mode[3:]})")
    return ParagraphVectors(D, Wd, C, mode, counts, window, negatives, sample, lr, min_lr, epochs, hist)


# ----------------------------------------------------------------------------- inference

def infer_vectors(pv: ParagraphVectors, stream: sgns.TokenStream, n_docs: int, *, epochs: int | None = None,
                  lr: float | None = None, min_lr: float | None = None, max_repeats: int = 8, generator=None,
                  progress: bool = False) -> torch.Tensor:
    """Vectors ``(n_docs, d)`` for new documents (lesson 10, Eq. (5)): fresh document vectors, uniform in
    ``±0.5/d``, trained by SGD on the model's objective with the word and output vectors **frozen**
    (Le & Mikolov's inference step; gensim's ``infer_vector``), for ``epochs`` passes (default: the
    model's) with the step decaying from ``lr`` to ``min_lr``. Tokens are subsampled as in training.

    Batches hold at most about ``max_repeats`` tokens of one document (the summed updates of one
    document vector within a batch are computed at the same parameters; few keep them close to
    word2vec's one-token-at-a-time SGD). Every document is inferred independently of the others.
    """
    if not isinstance(pv, ParagraphVectors):
        raise TypeError(f"pv must be a ParagraphVectors, got {type(pv).__name__}.")
    V = pv.counts.numel()
    n_docs = _stream(stream, n_docs, V)
    epochs = pv.epochs if epochs is None else check_int(epochs, "epochs", low=1)
    lr = pv.lr if lr is None else check_positive(lr, "lr")
    min_lr = pv.min_lr if min_lr is None else check_positive(min_lr, "min_lr", allow_zero=True)
    max_repeats = check_int(max_repeats, "max_repeats", low=1)
    dev = pv.docs.device
    stream = stream.to(dev)
    gen = as_generator(generator)
    D = ((torch.rand(n_docs, pv.dim, generator=gen, dtype=torch.float64, device=gen.device) - 0.5) / pv.dim).to(
        dtype=pv.docs.dtype, device=dev)
    sampler = sgns.NegativeSampler(pv.counts, device=dev)
    dbow = pv.mode == "dbow"
    concat = pv.mode == "dm_concat"

    def examples(epoch):
        kept = _keep(stream, pv.counts, pv.sample, gen)
        if dbow:
            return kept.seq, kept.ids, None, None
        return dm_examples(kept, pv.window, concat=concat, null=V if concat else None, generator=gen)

    first = examples(0)
    share = float(torch.bincount(first[0]).max()) / first[0].numel()
    batch = max(1, int(max_repeats / share))
    _train_loop(D, pv.words, pv.output, lambda e: first if e == 0 else examples(e), sampler,
                mode="dm_mean" if dbow else pv.mode, negatives=pv.negatives, epochs=epochs, lr=lr, min_lr=min_lr,
                batch_size=batch, gen=gen, learn_words=False, learn_output=False, progress=progress, desc="inference")
    return D


def expected_counts(pv: ParagraphVectors, stream: sgns.TokenStream, n_docs: int) -> torch.Tensor:
    """The word counts ``(n_docs, V)`` float64 that PV-DBOW's inference sees on average: each document's
    counts times the keep probabilities of subsampling (lesson 09, Eq. (3)); ``n_w`` of lesson 10, Eq. (5)."""
    if not isinstance(pv, ParagraphVectors):
        raise TypeError(f"pv must be a ParagraphVectors, got {type(pv).__name__}.")
    counts = doc_term_counts(stream.to(pv.docs.device), n_docs, pv.counts.numel())
    return counts if pv.sample == 0 else counts * sgns.keep_probability(pv.counts, pv.sample).to(counts.device)


def infer_exact(pv: ParagraphVectors, counts, *, l2: float = 0.0, init=None, n_iter: int = 50,
                tol: float = 1e-8) -> torch.Tensor:
    """The maximiser ``(n_docs, d)`` of PV-DBOW's expected inference objective (lesson 10, Eq. (5)) minus
    ``l2/2 ‖v‖²``, one per row of ``counts: (n_docs, V)`` (e.g. :func:`expected_counts`), by damped
    Newton steps batched over the documents: gradient lesson 10, Eq. (6), Hessian Eq. (7). The
    objective is concave (lesson 10's theorem), so the steps converge to its unique maximiser (when it
    exists) from any start: 0, or ``init: (n_docs, d)`` (e.g. the answer for a larger ``l2``).
    Computed in float64; a document stops when its gradient norm is below ``tol · (1 + N)`` (N: its count)."""
    if not isinstance(pv, ParagraphVectors) or pv.mode != "dbow":
        raise TypeError("pv must be a PV-DBOW ParagraphVectors (mode 'dbow'): the exact inference is PV-DBOW's.")
    C = pv.output.double()
    counts = as_matrix(counts, "counts", dtype=torch.float64, device=C.device)
    if counts.shape[1] != C.shape[0] or bool((counts < 0).any()):
        raise ValueError(f"counts must be non-negative with {C.shape[0]} columns (one per word), got shape "
                         f"{tuple(counts.shape)}.")
    l2 = check_positive(l2, "l2", allow_zero=True)
    n_iter = check_int(n_iter, "n_iter", low=1)
    tol = check_positive(tol, "tol")
    M, d = counts.shape[0], C.shape[1]
    if init is None:
        v = torch.zeros(M, d, dtype=torch.float64, device=C.device)
    else:
        v = as_matrix(init, "init", dtype=torch.float64, device=C.device).clone()
        if v.shape != (M, d):
            raise ValueError(f"init must have shape ({M}, {d}), got {tuple(v.shape)}.")
    P = sgns.negative_distribution(pv.counts).to(C.device)
    kN = pv.negatives * counts.sum(1, keepdim=True)                      # (M, 1)
    stop = tol * (1 + counts.sum(1))
    eye = torch.eye(d, dtype=torch.float64, device=C.device)

    def objective(v, n, kn):
        s = v @ C.T
        return (n * nn.functional.logsigmoid(s)).sum(1) + kn[:, 0] * (P * nn.functional.logsigmoid(-s)).sum(1) \
            - 0.5 * l2 * (v * v).sum(1)

    with threads(threads_for(2.0 * M * C.shape[0] * d * d, C.device)):
        for _ in range(n_iter):
            sig = torch.sigmoid(v @ C.T)
            grad = (counts * (1 - sig) - kN * P * sig) @ C - l2 * v                     # Eq. (6)
            todo = grad.norm(dim=1) > stop
            if not bool(todo.any()):
                break
            idx = todo.nonzero().squeeze(1)
            n, kn, g, vt = counts[idx], kN[idx], grad[idx], v[idx]
            w = (n + kn * P) * sig[idx] * (1 - sig[idx])                                 # (m, V)
            A = C.unsqueeze(0) * w.sqrt().unsqueeze(2)                                   # (m, V, d)
            H = A.transpose(1, 2) @ A + l2 * eye                                         # −Hessian, Eq. (7)
            step = torch.linalg.solve(H, g.unsqueeze(2)).squeeze(2)                      # Newton's ascent step
            f0, slope = objective(vt, n, kn), (g * step).sum(1)
            t = torch.ones(idx.numel(), 1, dtype=torch.float64, device=C.device)
            for _ in range(30):                                                          # backtracking (Armijo)
                ok = objective(vt + t * step, n, kn) >= f0 + 1e-4 * t[:, 0] * slope
                if bool(ok.all()):
                    break
                t = torch.where(ok.unsqueeze(1), t, t / 2)
            v[idx] = vt + t * step
    return v


# ----------------------------------------------------------------------------- retrieval and evaluation

def cosine_matrix(A, B=None) -> torch.Tensor:
    """Cosine similarities ``(n, m)`` between the rows of ``A: (n, d)`` and ``B: (m, d)`` (default ``A``)."""
    A = as_matrix(A, "A")
    B = A if B is None else as_matrix(B, "B", dtype=A.dtype, device=A.device)
    if A.shape[1] != B.shape[1]:
        raise ValueError(f"A and B must have the same number of columns, got {A.shape[1]} and {B.shape[1]}.")
    return nn.functional.normalize(A, dim=1) @ nn.functional.normalize(B, dim=1).T


def self_retrieval(inferred, trained) -> tuple[float, torch.Tensor]:
    """The sanity check of paragraph vectors (lesson 10, Eq. (9)): re-infer each training document and
    rank the training vectors by cosine. ``inferred, trained: (n, d)``, row ``i`` of both the same
    document. Returns ``(fraction ranked first, ranks: (n,) int64)`` with rank 0 = itself first."""
    inferred, trained = as_matrix(inferred, "inferred"), as_matrix(trained, "trained")
    if inferred.shape != trained.shape:
        raise ValueError(f"inferred and trained must have the same shape, got {tuple(inferred.shape)} and "
                         f"{tuple(trained.shape)}.")
    S = cosine_matrix(inferred, trained.to(inferred))
    own = S.diagonal()
    ranks = (S > own[:, None]).sum(1)
    return float((ranks == 0).double().mean()), ranks


def pearson(x, y) -> float:
    """Pearson's correlation of ``x: (n,)`` and ``y: (n,)``."""
    x, y = as_tensor(x, "x", ndim=1, dtype=torch.float64), as_tensor(y, "y", ndim=1, dtype=torch.float64)
    if x.shape != y.shape or x.numel() < 2:
        raise ValueError(f"x and y must have the same length >= 2, got {x.numel()} and {y.numel()}.")
    x, y = x.cpu() - x.cpu().mean(), y.cpu() - y.cpu().mean()
    return float((x * y).sum() / (x.norm() * y.norm()))


def judgement_correlation(E, human) -> tuple[float, float]:
    """Pearson and Spearman correlation between the cosine similarities of the documents ``E: (n, d)`` and
    the human judgements ``human: (n, n)``, over the pairs ``i < j`` (the upper triangle, as the Lee corpus
    stores them)."""
    E = as_matrix(E, "E", min_rows=3)
    human = as_matrix(human, "human", dtype=torch.float64)
    n = E.shape[0]
    if human.shape != (n, n):
        raise ValueError(f"human must be ({n}, {n}) for {n} documents, got {tuple(human.shape)}.")
    i, j = torch.triu_indices(n, n, 1)
    cos = cosine_matrix(E.double()).cpu()[i, j]
    h = human.cpu()[i, j]
    return pearson(cos, h), sgns.spearman(cos, h)


# ----------------------------------------------------------------------------- the bag-of-words baseline

def doc_term_counts(stream: sgns.TokenStream, n_docs: int, V: int) -> torch.Tensor:
    """The dense document–term count matrix ``(n_docs, V)`` float64 of ``stream``."""
    n_docs = _stream(stream, n_docs, check_int(V, "V", low=1))
    out = torch.zeros(n_docs * V, dtype=torch.float64, device=stream.ids.device)
    out.index_add_(0, stream.seq * V + stream.ids, torch.ones(len(stream), dtype=torch.float64, device=out.device))
    return out.view(n_docs, V)


def tfidf(counts, idf=None):
    """TF-IDF rows of a document–term count matrix ``counts: (n, V)`` (lesson 10, Eq. (8)), scikit-learn's
    ``TfidfVectorizer`` defaults: ``tf · idf`` with ``idf = ln((1 + n) / (1 + df)) + 1``, rows
    normalised to unit length. Pass the training ``idf: (V,)`` for held-out documents.
    Returns ``(X: (n, V), idf: (V,))``."""
    counts = as_matrix(counts, "counts", dtype=torch.float64)
    if idf is None:
        df = (counts > 0).sum(0).double()
        idf = torch.log((1 + counts.shape[0]) / (1 + df)) + 1
    else:
        idf = as_tensor(idf, "idf", ndim=1, dtype=torch.float64, device=counts.device)
        if idf.numel() != counts.shape[1]:
            raise ValueError(f"idf must have one entry per column of counts ({counts.shape[1]}), got {idf.numel()}.")
    return nn.functional.normalize(counts * idf, dim=1), idf


def lsa(X, k: int, *, method: str = "exact", n_iter: int = 4, oversample: int = 10, generator=None):
    """Latent semantic analysis: the rank-``k`` truncated SVD of the TF-IDF matrix ``X: (n, V)``, by
    lesson 01's exact :func:`lowdim_utils.linear.svd` (``method="exact"``) or its randomized SVD
    :func:`lowdim_utils.linear.randomized_svd` (``method="randomized"``, with ``n_iter`` power iterations,
    ``oversample`` extra columns and ``generator``), signs fixed. Returns ``(Z: (n, k), Vt: (k, V))`` with
    ``Z = X Vtᵀ = U_k Σ_k``; a held-out document ``x`` maps to ``x Vtᵀ`` ("folding in")."""
    from .linear import randomized_svd, svd
    X = as_matrix(X, "X")
    check_choice(method, "method", ("exact", "randomized"))
    if method == "exact":
        _, S, Vt = svd(X, k)
    else:
        _, S, Vt = randomized_svd(X, k, oversample=oversample, n_iter=n_iter, generator=generator)
    return X @ Vt.T, Vt


# ----------------------------------------------------------------------------- topic vectors

@dataclass
class KMeansResult:
    """``labels: (n,)`` int64, ``centroids: (k, d)`` unit rows, ``objective``: mean cosine of each point
    to its centroid (lesson 10, Eq. (10)), ``n_iter`` of the best run."""

    labels: torch.Tensor
    centroids: torch.Tensor
    objective: float
    n_iter: int


def spherical_kmeans(X, k: int, *, n_init: int = 8, n_iter: int = 100, generator=None) -> KMeansResult:
    """Spherical k-means of the rows of ``X: (n, d)`` (lesson 10, Eq. (10)): assign each unit row to the
    centroid of largest cosine, set each centroid to its cluster's normalised mean, until no label
    changes. Seeded by k-means++ (each new seed a row drawn with probability proportional to its squared
    distance ``‖x − μ‖² = 2(1 − cos)`` from the nearest seed so far); the best of ``n_init`` runs by the
    objective (one k-means++ draw lands two seeds in one cluster now and then)."""
    X = as_matrix(X, "X")
    n = X.shape[0]
    k = check_int(k, "k", low=1, high=n)
    n_init = check_int(n_init, "n_init", low=1)
    n_iter = check_int(n_iter, "n_iter", low=1)
    gen = as_generator(generator)
    Xn = nn.functional.normalize(X, dim=1)
    best = None
    for _ in range(n_init):
        first = int(torch.randint(0, n, (1,), generator=gen, device=gen.device))
        seeds = [first]
        dist = (1 - Xn @ Xn[first]).clamp(min=0)
        for _ in range(1, k):
            u = float(torch.rand((), generator=gen, dtype=torch.float64, device=gen.device)) * float(dist.sum())
            nxt = int(torch.searchsorted(dist.double().cumsum(0), torch.tensor([u], dtype=torch.float64,
                                                                            device=dist.device)).clamp(max=n - 1))
            seeds.append(nxt)
            dist = torch.minimum(dist, (1 - Xn @ Xn[nxt]).clamp(min=0))
        M = Xn[seeds].clone()
        labels = torch.full((n,), -1, dtype=torch.long, device=X.device)
        for it in range(1, n_iter + 1):
            new = (Xn @ M.T).argmax(1)
            if torch.equal(new, labels):
                break
            labels = new
            S = torch.zeros_like(M).index_add_(0, labels, Xn)
            empty = S.norm(dim=1) == 0
            if bool(empty.any()):           # an empty cluster takes the point farthest from its centroid
                far = (Xn * M[labels]).sum(1).argsort()[:int(empty.sum())]
                S[empty] = Xn[far]
            M = nn.functional.normalize(S, dim=1)
        obj = float((Xn * M[labels]).sum(1).mean())
        if best is None or obj > best.objective:
            best = KMeansResult(labels, M, obj, it)
    return best


def topic_vectors(doc_vectors, word_vectors, k: int, *, topn: int = 10, candidates=None, n_init: int = 8,
                  generator=None):
    """Top2Vec-style topics: spherical k-means of the document vectors ``(n, d)``; each topic vector is a
    cluster centroid and its words are the ``topn`` word vectors ``(V, d)`` of largest cosine with it
    (meaningful when documents and words share one space: :func:`pv_dbow` with ``train_words=True``),
    among the word rows where ``candidates: (V,)`` bool is True (default all; rare words have noisy
    vectors). Returns ``(KMeansResult, top_words: (k, topn) int64 word rows)``."""
    doc_vectors = as_matrix(doc_vectors, "doc_vectors")
    word_vectors = as_matrix(word_vectors, "word_vectors", dtype=doc_vectors.dtype, device=doc_vectors.device)
    if word_vectors.shape[1] != doc_vectors.shape[1]:
        raise ValueError(f"word_vectors must have {doc_vectors.shape[1]} columns like doc_vectors, got "
                         f"{word_vectors.shape[1]}.")
    V = word_vectors.shape[0]
    if candidates is None:
        candidates = torch.ones(V, dtype=torch.bool, device=word_vectors.device)
    else:
        candidates = torch.as_tensor(candidates, device=word_vectors.device)
        if candidates.dtype != torch.bool or candidates.shape != (V,):
            raise ValueError(f"candidates must be a bool tensor of shape ({V},), got {candidates.dtype} "
                             f"{tuple(candidates.shape)}.")
    topn = check_int(topn, "topn", low=1, high=int(candidates.sum()))
    km = spherical_kmeans(doc_vectors, k, n_init=n_init, generator=generator)
    sims = cosine_matrix(km.centroids, word_vectors).masked_fill(~candidates, -math.inf)
    return km, sims.topk(topn, dim=1).indices
