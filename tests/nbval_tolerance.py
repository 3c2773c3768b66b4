"""Numbers in check-tagged outputs are compared with a tolerance, text exactly.

Why: a lesson's committed outputs come from one machine. Another x86 CPU (AMD instead of Intel,
AVX2 instead of AVX-512) runs other BLAS and ATen kernels, whose float rounding differs in the last
bits; a training run amplifies that into a different third decimal of an accuracy (measured on
2026-12-02: lessons 06, 08, 15, 16 re-run on an AMD EPYC differ from their committed outputs in
the second or third decimal of trained results, never in a claim). nbval compares text exactly,
so such a run fails although every claim of the lesson holds.

The rule, applied only to the cells nbval compares (tagged ``nbval-check-output``), after the
sanitizers of ``tests/sanitize.cfg``:

- the text with every number taken out must be identical (words, verdicts such as ``ok`` or
  ``separated``, units, order, number of values);
- each pair of numbers ``a`` (committed) and ``b`` (this run) must be equal as written, or
  ``|a − b| <= max(REL · max(|a|, |b|), UNITS · u)``, where ``u`` is the unit of the last digit
  written (``0.919`` → 0.001; ``42`` → 1). Numbers in scientific notation (``3e-07``, ``1.2e+03``)
  get the relative tolerance only.

So a third decimal that moves by a few units passes, a claim that changes its verdict or a value
that moves by more than REL fails. Pure-text outputs and exact results (checksums, counts from
closed forms, seeds) are unaffected: they agree exactly or differ beyond the tolerance.
"""
from __future__ import annotations

import re

#: relative tolerance on numbers
REL = 0.05
#: absolute tolerance, in units of the last written digit
UNITS = 3

_NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?(?![\w.])")


def _split(text: str):
    """(skeleton, numbers): the text with each number replaced by a marker, and the numbers as written."""
    numbers = _NUMBER.findall(text)
    skeleton = _NUMBER.sub("\x00", text)
    return skeleton, numbers


def _unit(token: str) -> float | None:
    """The unit of the last written digit of ``token``, or None in scientific notation."""
    t = token.lstrip("+-")
    if "e" in t.lower():
        return None
    if "." in t:
        decimals = len(t.split(".", 1)[1])
        return 10.0 ** -decimals
    return 1.0


def numbers_agree(a: str, b: str, *, rel: float = REL, units: int = UNITS) -> bool:
    """Whether two written numbers agree under the rule of this module."""
    if a == b:
        return True
    x, y = float(a), float(b)
    tol = rel * max(abs(x), abs(y))
    ua, ub = _unit(a), _unit(b)
    if ua is not None and ub is not None:
        tol = max(tol, units * max(ua, ub))
    return abs(x - y) <= tol


def first_difference(ref: str, test: str) -> str | None:
    """None if ``test`` agrees with ``ref``; otherwise a sentence saying where they differ."""
    if ref == test:
        return None
    sk_r, num_r = _split(ref)
    sk_t, num_t = _split(test)
    if sk_r != sk_t or len(num_r) != len(num_t):
        return "the text differs (not only its numbers)"
    for i, (a, b) in enumerate(zip(num_r, num_t)):
        if not numbers_agree(a, b):
            return f"number {i + 1} differs beyond the tolerance: {a} (committed) vs {b} (this run)"
    return None


class TolerantText(str):
    """A string whose (in)equality with another TolerantText follows :func:`first_difference`."""

    def __eq__(self, other):
        if isinstance(other, str):
            return first_difference(str(self), str(other)) is None
        return NotImplemented

    def __ne__(self, other):
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    __hash__ = str.__hash__


def install() -> None:
    """Make nbval compare sanitized outputs with :class:`TolerantText` (called from conftest.py)."""
    try:
        from nbval.plugin import IPyNbCell
    except ImportError:  # nbval not installed: nothing to patch
        return
    if getattr(IPyNbCell, "_lowdim_tolerant", False):
        return
    original = IPyNbCell.sanitize

    def sanitize(self, s):
        out = original(self, s)
        return TolerantText(out) if isinstance(out, str) else out

    IPyNbCell.sanitize = sanitize
    IPyNbCell._lowdim_tolerant = True
