"""Hyperdimensional computing / vector symbolic architectures: MAP, HRR and MBAT (lesson 13).

A hypervector is the last dimension of a tensor, ``x: (..., d)`` with ``d`` in the thousands.
Three architectures ("models") share one interface:

* ``"map"`` — Multiply–Add–Permute (Gayler 2003): bipolar vectors in ``{−1, +1}^d``; binding is
  the element-wise product, its own inverse (lesson 13, Eq. (1));
* ``"hrr"`` — Holographic Reduced Representations (Plate 1995): entries i.i.d. ``N(0, 1/d)``;
  binding is circular convolution, computed with the real FFT in ``O(d log d)`` (Eq. (2)); the
  approximate inverse is the involution ``a†_i = a_{−i mod d}`` (Eq. (3));
* ``"mbat"`` — Matrix Binding of Additive Terms (Gallant & Okaywe 2013) with orthogonal role
  matrices (Gallant 2022): binding is ``bind(M, x) = M x`` for ``M: (..., d, d)`` orthogonal, undone
  exactly by ``Mᵀ`` (Eq. (4)).

Bundling is the sum (:func:`bundle`), permutation the cyclic shift (:func:`permute`), similarity
the cosine (:func:`similarity`). On top: a cleanup memory (:func:`cleanup`), records of
role–filler pairs (:func:`encode_record`, :func:`query_record`), the closed-form retrieval accuracy
of a bundle (:func:`predicted_accuracy`, Eq. (7)), and letter n-gram encodings for language
identification (:func:`ngram_counts`, :func:`ngram_hypervectors`, :func:`ngram_encode`,
:func:`profiles`, :func:`ngram_scores`; Eq. (9)–(10)).

Every function runs on the device of its input, computes half precision in float32 and keeps
float32/float64. Oracle (``tests/test_hdc.py``): torchhd's ``MAPTensor`` and ``HRRTensor``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from .device import threads, threads_for
from .rng import as_generator
from .validate import as_tensor, check_bool, check_choice, check_dtype, check_int, check_same_device

__all__ = ["MODELS", "random_hv", "random_orthogonal", "bind", "inverse", "unbind", "bundle", "normalize",
           "permute", "similarity", "cleanup", "encode_record", "query_record", "predicted_accuracy",
           "NGramCounts", "ngram_counts", "ngram_hypervectors", "ngram_encode", "profiles", "ngram_scores"]

#: the architectures this module implements
MODELS = ("map", "hrr", "mbat")


def _model(model):
    return check_choice(model, "model", MODELS)


def _hv(x, name, *, min_dim=1):
    t = as_tensor(x, name)
    if t.dim() < min_dim or t.shape[-1] < 1:
        raise ValueError(f"{name} must have shape (..., d) with d >= 1, got shape {tuple(t.shape)}.")
    return t


# ----------------------------------------------------------------------------- random vectors

def random_hv(n: int, d: int, model: str = "map", *, generator=None, dtype=torch.float32, device=None) -> torch.Tensor:
    """``n`` random hypervectors of dimension ``d``: ``(n, d)``.

    ``"map"``: i.i.d. uniform signs ±1; ``"hrr"`` and ``"mbat"``: i.i.d. ``N(0, 1/d)`` entries, so
    that ``‖x‖ ≈ 1`` (Plate's convention). Drawn on the CPU from ``generator`` (None, an int seed or
    a ``torch.Generator``), then moved to ``device``: the same seed gives the same vectors everywhere.
    """
    model, n, d = _model(model), check_int(n, "n", low=1), check_int(d, "d", low=1)
    dtype = check_dtype(dtype, allow_half=True)
    g = as_generator(generator)
    if model == "map":
        x = torch.randint(0, 2, (n, d), generator=g, device=g.device).to(torch.float32) * 2 - 1
    else:
        x = torch.randn(n, d, generator=g, device=g.device, dtype=torch.float64) / math.sqrt(d)
    return x.to(dtype=dtype, device=device)


def random_orthogonal(n: int, d: int, *, generator=None, dtype=torch.float32, device=None) -> torch.Tensor:
    """``n`` Haar-random orthogonal ``d × d`` matrices, ``(n, d, d)``: MBAT's role matrices.

    QR of a Gaussian matrix with the signs of ``diag(R)`` moved into ``Q`` (Mezzadri 2007), which
    makes the law exactly Haar; computed in float64 on the CPU from ``generator``.
    """
    n, d = check_int(n, "n", low=1), check_int(d, "d", low=1)
    dtype = check_dtype(dtype, allow_half=True)
    g = as_generator(generator)
    A = torch.randn(n, d, d, generator=g, device=g.device, dtype=torch.float64)
    Q, R = torch.linalg.qr(A)
    Q = Q * torch.sign(torch.diagonal(R, dim1=-2, dim2=-1)).unsqueeze(-2)
    return Q.to(dtype=dtype, device=device)


# ----------------------------------------------------------------------------- the three operations

def _work_dtype(*ts):
    return torch.float64 if any(t.dtype == torch.float64 for t in ts) else torch.float32


def _cconv(a, b):
    """Circular convolution along the last dimension (lesson 13, Eq. (2)) by the real FFT."""
    d = a.shape[-1]
    return torch.fft.irfft(torch.fft.rfft(a, dim=-1) * torch.fft.rfft(b, dim=-1), n=d, dim=-1)


def bind(a, b, model: str = "map") -> torch.Tensor:
    """Bind ``a`` and ``b`` (lesson 13, Eq. (1), (2), (4)); broadcasts over leading dimensions.

    ``"map"``: ``a ⊙ b``; ``"hrr"``: the circular convolution ``(a ⊛ b)_i = Σ_j a_j b_{(i−j) mod d}``;
    ``"mbat"``: ``a: (..., d, d)`` role matrices, ``b: (..., d)`` vectors, the product ``a b``.
    Returns ``(..., d)`` in float32 (float64 if an input is float64).
    """
    model = _model(model)
    A = _hv(a, "a", min_dim=2 if model == "mbat" else 1)
    B = _hv(b, "b")
    check_same_device(a=A, b=B)
    dt = _work_dtype(A, B)
    A, B = A.to(dt), B.to(dt)
    if model == "mbat":
        if A.shape[-1] != A.shape[-2] or A.shape[-1] != B.shape[-1]:
            raise ValueError(f"a must be (..., d, d) matrices and b (..., d) vectors with the same d, got shapes "
                             f"{tuple(A.shape)} and {tuple(B.shape)}.")
        return (A @ B.unsqueeze(-1)).squeeze(-1)
    if A.shape[-1] != B.shape[-1]:
        raise ValueError(f"a and b must have the same dimension d, got shapes {tuple(A.shape)} and {tuple(B.shape)}.")
    return A * B if model == "map" else _cconv(A, B)


def inverse(a, model: str = "map", *, exact: bool = False) -> torch.Tensor:
    """The binding inverse of ``a`` (lesson 13, Eq. (3)).

    ``"map"``: ``a`` itself for bipolar ``a`` (``exact=True``: ``1/a``, for any non-zero entries);
    ``"hrr"``: the involution ``a†_i = a_{−i mod d}`` (``exact=True``: the FFT inverse
    ``F⁻¹(1/F(a))``, exact but unstable where ``|F(a)|`` is small); ``"mbat"``: the transpose ``aᵀ``
    (exact for orthogonal ``a``; ``exact=True``: ``a⁻¹`` for any invertible matrix).
    """
    model, exact = _model(model), check_bool(exact, "exact")
    A = _hv(a, "a", min_dim=2 if model == "mbat" else 1)
    if A.dtype not in (torch.float32, torch.float64):
        A = A.float()
    if model == "map":
        return 1.0 / A if exact else A.clone()
    if model == "hrr":
        if exact:
            return torch.fft.irfft(1.0 / torch.fft.rfft(A, dim=-1), n=A.shape[-1], dim=-1)
        return torch.roll(torch.flip(A, dims=[-1]), 1, dims=-1)
    if A.shape[-1] != A.shape[-2]:
        raise ValueError(f"a must be (..., d, d) matrices for model 'mbat', got shape {tuple(A.shape)}.")
    return torch.linalg.inv(A) if exact else A.transpose(-1, -2).clone()


def unbind(a, c, model: str = "map", *, exact: bool = False) -> torch.Tensor:
    """Recover ``b`` from ``c = bind(a, b)``: ``bind(inverse(a), c)`` (lesson 13, Eq. (3))."""
    return bind(inverse(a, model, exact=exact), c, model)


def bundle(x, dim: int = -2) -> torch.Tensor:
    """Bundle (superpose) hypervectors by summing over ``dim`` (default: the item axis of ``(..., n, d)``).

    The sum is kept un-normalised (as torchhd's ``multibundle``); :func:`normalize` maps it back to
    the model's space. Returns ``(..., d)``.
    """
    X = _hv(x, "x", min_dim=2)
    dim = check_int(dim, "dim", low=-X.dim(), high=X.dim() - 2)
    return X.sum(dim=dim)


def normalize(x, model: str = "map") -> torch.Tensor:
    """Map a bundle back to the model's vectors: ``"map"``: signs, 0 ↦ −1 (torchhd's rule);
    ``"hrr"``/``"mbat"``: unit Euclidean norm."""
    model = _model(model)
    X = _hv(x, "x")
    if model == "map":
        return torch.where(X > 0, 1.0, -1.0).to(X.dtype)
    return X / torch.linalg.vector_norm(X, dim=-1, keepdim=True).clamp_min(torch.finfo(X.dtype).tiny)


def permute(x, shifts: int = 1) -> torch.Tensor:
    """The permutation ρ^shifts: a cyclic shift of the last dimension (``ρ(x)_i = x_{i−1}``)."""
    X = _hv(x, "x")
    return torch.roll(X, shifts=check_int(shifts, "shifts"), dims=-1)


def similarity(x, y) -> torch.Tensor:
    """Cosine similarity of every row of ``x: (..., n, d)`` (or ``(d,)``) with every row of
    ``y: (m, d)`` (or ``(d,)``): ``(..., n, m)``, dimensions of size 1 dropped for 1-D inputs.
    Zero vectors have similarity 0."""
    X, Y = _hv(x, "x"), _hv(y, "y")
    check_same_device(x=X, y=Y)
    if X.shape[-1] != Y.shape[-1]:
        raise ValueError(f"x and y must have the same dimension d, got shapes {tuple(X.shape)} and {tuple(Y.shape)}.")
    dt = _work_dtype(X, Y)
    X, Y = X.to(dt), Y.to(dt)
    tiny = torch.finfo(dt).tiny
    Xn = X / torch.linalg.vector_norm(X, dim=-1, keepdim=True).clamp_min(tiny)
    Yn = Y / torch.linalg.vector_norm(Y, dim=-1, keepdim=True).clamp_min(tiny)
    return Xn @ Yn.transpose(-1, -2) if Y.dim() > 1 else Xn @ Yn


def cleanup(query, codebook) -> tuple[torch.Tensor, torch.Tensor]:
    """Cleanup (item) memory: the index of the most similar codebook row for each query, and that
    cosine. ``query: (..., n, d)`` or ``(d,)``, ``codebook: (m, d)`` → ``(..., n)`` int64 and float."""
    C = _hv(codebook, "codebook", min_dim=2)
    if C.dim() != 2:
        raise ValueError(f"codebook must be a matrix (m, d), got shape {tuple(C.shape)}.")
    S = similarity(query, C)
    best = S.max(dim=-1)
    return best.indices, best.values


# ----------------------------------------------------------------------------- records

def encode_record(roles, fillers, model: str = "map") -> torch.Tensor:
    """A record as one hypervector: ``Σ_k bind(role_k, filler_k)`` (lesson 13, Eq. (5)).

    ``roles: (..., k, d)`` (MBAT: ``(..., k, d, d)`` matrices), ``fillers: (..., k, d)`` → ``(..., d)``.
    """
    return bundle(bind(roles, fillers, model), dim=-2)


def query_record(record, role, codebook, model: str = "map") -> tuple[torch.Tensor, torch.Tensor]:
    """The value of field ``role`` in ``record``: unbind it and clean up against ``codebook: (m, d)``
    (lesson 13, Eq. (6)). ``record: (..., d)``, ``role: (..., d)`` (MBAT ``(..., d, d)``); returns the
    codebook index ``(...)`` and its cosine."""
    idx, sim = cleanup(unbind(role, record, model).unsqueeze(-2), codebook)
    return idx.squeeze(-1), sim.squeeze(-1)


# ----------------------------------------------------------------------------- capacity

def predicted_accuracy(n: int, d: int, m: int, *, nodes: int = 96) -> float:
    """Probability that a query of a MAP bundle of ``n`` bound pairs retrieves the right one of ``m``
    codebook items (lesson 13, Eq. (7)): ``∫ φ(z) Φ((√d + √(n−1) z)/√n)^{m−1} dz`` — the right item
    scores ``d + N(0, (n−1)d)``, each wrong one ``N(0, nd)`` — by Gauss–Hermite quadrature with
    ``nodes`` nodes."""
    n, d, m = check_int(n, "n", low=1), check_int(d, "d", low=1), check_int(m, "m", low=1)
    nodes = check_int(nodes, "nodes", low=8)
    if m == 1:
        return 1.0
    from scipy.special import log_ndtr
    z, w = np.polynomial.hermite_e.hermegauss(nodes)          # weight exp(−z²/2)
    vals = np.exp((m - 1) * log_ndtr((math.sqrt(d) + math.sqrt(n - 1) * z) / math.sqrt(n)))
    return float(np.clip((w * vals).sum() / math.sqrt(2 * math.pi), 0.0, 1.0))


# ----------------------------------------------------------------------------- letter n-grams

@dataclass
class NGramCounts:
    """Letter n-gram counts of a list of texts.

    ``grams: (G, n)`` int64 symbol indices into ``alphabet`` of the distinct n-grams (order of
    first appearance); ``counts: (T, G)`` sparse COO float32, ``counts[t, g]`` = occurrences of
    gram ``g`` in text ``t``; ``alphabet``: the symbols (str), index 0 is the space.
    """
    grams: torch.Tensor
    counts: torch.Tensor
    alphabet: str

    def gram_strings(self) -> list[str]:
        return ["".join(self.alphabet[i] for i in row) for row in self.grams.tolist()]


def ngram_counts(texts, n: int = 3, alphabet: str | None = None, *, vocabulary: NGramCounts | None = None) -> NGramCounts:
    """Count the letter ``n``-grams of each text (texts are strings; a space is added at both ends,
    so a word's first and last letters form n-grams with the space).

    ``alphabet``: the symbols allowed (a space is put first if missing); None: those of the texts.
    ``vocabulary``: an earlier result whose gram indices are reused (new grams are appended), so that
    train and test counts share columns.
    """
    n = check_int(n, "n", low=1)
    if isinstance(texts, str) or not all(isinstance(t, str) for t in texts):
        raise TypeError("texts must be a list of strings.")
    if vocabulary is not None:
        alphabet = vocabulary.alphabet
    elif alphabet is None:
        alphabet = " " + "".join(sorted(set("".join(texts)) - {" "}))
    elif " " not in alphabet:
        alphabet = " " + alphabet
    sym = {c: i for i, c in enumerate(alphabet)}
    index: dict[str, int] = {} if vocabulary is None else {g: i for i, g in enumerate(vocabulary.gram_strings())}
    rows, cols = [], []
    for t, text in enumerate(texts):
        bad = set(text) - sym.keys()
        if bad:
            raise ValueError(f"texts[{t}] holds symbols outside the alphabet: {sorted(bad)[:5]}.")
        s = f" {text} "
        for i in range(len(s) - n + 1):
            g = s[i:i + n]
            j = index.setdefault(g, len(index))
            rows.append(t)
            cols.append(j)
    G = len(index)
    grams = torch.tensor([[sym[c] for c in g] for g in index], dtype=torch.int64).reshape(G, n)
    ij = torch.tensor([rows, cols], dtype=torch.int64).reshape(2, -1)
    counts = torch.sparse_coo_tensor(ij, torch.ones(ij.shape[1]), (len(texts), G), check_invariants=False).coalesce()
    return NGramCounts(grams, counts, alphabet)


def ngram_hypervectors(grams, items, model: str = "map") -> torch.Tensor:
    """The hypervector of each n-gram ``(g_1, ..., g_n)``: ``ρ^{n−1}(x_{g_1}) ∗ ρ^{n−2}(x_{g_2}) ∗ ... ∗ x_{g_n}``
    with ``∗`` the model's binding (lesson 13, Eq. (9)). ``grams: (G, n)`` int64 symbol indices,
    ``items: (A, d)`` the symbols' hypervectors (``"map"`` or ``"hrr"``) → ``(G, d)``."""
    model = check_choice(model, "model", ("map", "hrr"))
    X = _hv(items, "items", min_dim=2)
    if not isinstance(grams, torch.Tensor) or grams.dtype != torch.int64 or grams.dim() != 2:
        raise TypeError("grams must be a (G, n) int64 tensor of symbol indices.")
    if grams.numel() and (int(grams.min()) < 0 or int(grams.max()) >= X.shape[0]):
        raise ValueError(f"grams must index the rows of items (0..{X.shape[0] - 1}).")
    grams = grams.to(X.device)
    n = grams.shape[1]
    out = permute(X, n - 1)[grams[:, 0]]
    for j in range(1, n):
        nxt = permute(X, n - 1 - j)[grams[:, j]]
        out = out * nxt if model == "map" else _cconv(out, nxt)
    return out


def ngram_encode(seq, items, n: int = 3, model: str = "map") -> torch.Tensor:
    """The n-gram profile of one symbol sequence, encoded position by position as the papers do:
    ``Σ_t ρ^{n−1}(x_{s_t}) ∗ ... ∗ x_{s_{t+n−1}}`` (lesson 13, Eq. (9)). ``seq: (L,)`` int64 → ``(d,)``.
    Equal to ``counts @ ngram_hypervectors(grams, items)`` (Eq. (10)), which :func:`profiles` uses."""
    n = check_int(n, "n", low=1)
    if not isinstance(seq, torch.Tensor) or seq.dtype != torch.int64 or seq.dim() != 1:
        raise TypeError("seq must be a (L,) int64 tensor of symbol indices.")
    X = _hv(items, "items", min_dim=2)
    if seq.numel() < n:
        return torch.zeros(X.shape[-1], dtype=X.dtype, device=X.device)
    windows = seq.to(X.device).unfold(0, n, 1)               # (L − n + 1, n)
    return ngram_hypervectors(windows, X, model).sum(0)


def profiles(counts, grams, items, model: str = "map", *, chunk: int = 2048) -> torch.Tensor:
    """Hypervector profiles ``counts @ ngram_hypervectors(grams, items)``: ``(T, G)`` sparse or dense
    counts → ``(T, d)``, computed ``chunk`` grams at a time so that memory stays ``O(chunk · d)``
    (lesson 13, Eq. (10))."""
    chunk = check_int(chunk, "chunk", low=1)
    X = _hv(items, "items", min_dim=2)
    dt = X.dtype if X.dtype in (torch.float32, torch.float64) else torch.float32
    C = counts.to(X.device)
    if C.dim() != 2 or C.shape[1] != grams.shape[0]:
        raise ValueError(f"counts must be (T, G) with G = {grams.shape[0]} grams, got shape {tuple(C.shape)}.")
    if C.is_sparse:
        C = C.coalesce()
        ij, v = C.indices(), C.values().to(dt)
    out = torch.zeros(C.shape[0], X.shape[-1], dtype=dt, device=X.device)
    with threads(threads_for(2.0 * C.shape[0] * C.shape[1] * X.shape[-1], X.device)):
        for s in range(0, grams.shape[0], chunk):
            H = ngram_hypervectors(grams[s:s + chunk], X, model).to(dt)
            if C.is_sparse:
                keep = (ij[1] >= s) & (ij[1] < s + chunk)
                part = torch.sparse_coo_tensor(ij[:, keep] - torch.tensor([[0], [s]], device=ij.device),
                                               v[keep], (C.shape[0], H.shape[0]), check_invariants=False)
                out += torch.sparse.mm(part, H)
            else:
                out += C[:, s:s + chunk].to(dt) @ H
    return out


def ngram_scores(counts, grams, items, prototypes, model: str = "map", *, chunk: int = 2048) -> torch.Tensor:
    """Inner products ``⟨profile_t, prototype_l⟩`` of every text's n-gram profile with every
    prototype ``(L, d)`` without forming the profiles: by linearity (lesson 13, Eq. (10)) they equal
    ``counts @ (H @ prototypesᵀ)`` with ``H = ngram_hypervectors(grams, items)``, computed ``chunk``
    grams at a time. ``counts: (T, G)`` sparse or dense → ``(T, L)``. Dividing by ``‖prototype_l‖``
    gives the cosine ranking of :func:`similarity` (the text's own norm does not change its argmax)."""
    chunk = check_int(chunk, "chunk", low=1)
    X = _hv(items, "items", min_dim=2)
    P = _hv(prototypes, "prototypes", min_dim=2)
    check_same_device(items=X, prototypes=P)
    dt = _work_dtype(X, P)
    C = counts.to(X.device)
    if C.dim() != 2 or C.shape[1] != grams.shape[0]:
        raise ValueError(f"counts must be (T, G) with G = {grams.shape[0]} grams, got shape {tuple(C.shape)}.")
    HP = torch.empty(grams.shape[0], P.shape[0], dtype=dt, device=X.device)
    with threads(threads_for(2.0 * grams.shape[0] * X.shape[-1] * P.shape[0], X.device)):
        for s in range(0, grams.shape[0], chunk):
            HP[s:s + chunk] = ngram_hypervectors(grams[s:s + chunk], X, model).to(dt) @ P.to(dt).T
    if C.is_sparse:
        return torch.sparse.mm(C.coalesce().to(dt), HP)
    return C.to(dt) @ HP
