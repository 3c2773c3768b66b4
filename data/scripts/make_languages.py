"""Make data/languages/words.tsv.xz: words of eight European languages from Debian's word lists.

Source: the Debian 12 word-list packages (the ``.deb`` archives themselves, fetched with
``apt-get download``; nothing is installed), one per language:

    en  wbritish 2020.12.07-2      (SCOWL British English; public domain)
    de  wngerman 20161207-11       (new German orthography; GPL-2+)
    fr  wfrench 1.2.7-2            (GPL-2+)
    es  wspanish 1.0.30            (public domain)
    it  witalian 1.10              (GPL-3+)
    pt  wportuguese 20220621-1     (European Portuguese; GPL-2+ / LGPL-2.1+ / MPL-1.1)
    nl  wdutch 1:2.20.19-2         (OpenTaal; BSD or CC BY 3.0)
    sv  wswedish 1.4.5-3           (GPL-2+; the list is ISO-8859-1, all others UTF-8)

Each list (``/usr/share/dict/<name>`` inside the archive) is read straight from the ``.deb``
(an ``ar`` archive holding ``data.tar.xz``), so no ``dpkg`` is needed. A word is kept when,
lower-cased, it consists of letters only (no apostrophe, hyphen, digit, space or period:
this drops the English possessives ``dog's`` and the multi-word entries) and has 2 to 24
letters; duplicates after lower-casing are merged. From each language's kept words
``N_PER_LANGUAGE`` are drawn without replacement (NumPy ``default_rng(0)``, per language in the
order above, sorted afterwards), so the file holds a uniform sample of each list.

Format: a ``#`` notice line, then one row ``language<TAB>word`` per word, languages in the
order above and words sorted within a language.

Usage:  apt-get download wbritish wngerman wfrench wspanish witalian wportuguese wdutch wswedish
        python data/scripts/make_languages.py --debs .      # the folder holding the .deb files
"""
from __future__ import annotations

import io
import lzma
import tarfile
from pathlib import Path

import numpy as np

from _common import finish, parser, sha256_file, write_and_check, xz_bytes

SCRIPT = "data/scripts/make_languages.py"
N_PER_LANGUAGE = 12000
#: language code -> (package, version, path inside the package, encoding)
PACKAGES = {
    "en": ("wbritish", "2020.12.07-2", "usr/share/dict/british-english", "utf-8"),
    "de": ("wngerman", "20161207-11", "usr/share/dict/ngerman", "utf-8"),
    "fr": ("wfrench", "1.2.7-2", "usr/share/dict/french", "utf-8"),
    "es": ("wspanish", "1.0.30", "usr/share/dict/spanish", "utf-8"),
    "it": ("witalian", "1.10", "usr/share/dict/italian", "utf-8"),
    "pt": ("wportuguese", "20220621-1", "usr/share/dict/portuguese", "utf-8"),
    "nl": ("wdutch", "1:2.20.19-2", "usr/share/dict/dutch", "utf-8"),
    "sv": ("wswedish", "1.4.5-3", "usr/share/dict/swedish", "latin-1"),
}
NOTICE = ("# Samples of the Debian word lists wbritish, wngerman, wfrench, wspanish, witalian, wportuguese, "
          "wdutch, wswedish; licences per language in data/README.md and data/LICENSES/")


def deb_member(deb: Path, inner: str) -> bytes:
    """The file ``inner`` from the data archive of a Debian package (ar + data.tar.xz)."""
    raw = deb.read_bytes()
    if raw[:8] != b"!<arch>\n":
        raise ValueError(f"{deb} is not a Debian package (ar archive)")
    pos = 8
    while pos < len(raw):
        name = raw[pos:pos + 16].decode().strip().rstrip("/")
        size = int(raw[pos + 48:pos + 58].decode().strip())
        body = raw[pos + 60:pos + 60 + size]
        pos += 60 + size + (size % 2)
        if name.startswith("data.tar"):
            with tarfile.open(fileobj=io.BytesIO(body)) as tar:
                for m in tar.getmembers():
                    if m.name.lstrip("./") == inner:
                        return tar.extractfile(m).read()
            raise KeyError(f"{inner} not in {deb}")
    raise KeyError(f"no data.tar member in {deb}")


def words_of(text: str) -> list[str]:
    kept = set()
    for line in text.splitlines():
        w = line.strip().lower()
        if 2 <= len(w) <= 24 and w.isalpha():
            kept.add(w)
    return sorted(kept)


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--debs", type=Path, default=Path("."), help="folder holding the eight .deb files")
    args = p.parse_args()
    rows, sources = [NOTICE], []
    for lang, (pkg, version, inner, enc) in PACKAGES.items():
        deb = Path(args.debs) / f"{pkg}_{version.replace(':', '%3a')}_all.deb"
        words = words_of(deb_member(deb, inner).decode(enc))
        idx = np.random.default_rng(0).choice(len(words), size=N_PER_LANGUAGE, replace=False)
        rows += [f"{lang}\t{words[i]}" for i in sorted(idx)]
        sources.append(f"{pkg} {version} sha256 {sha256_file(deb)}")
        print(f"{lang}: {pkg} {version}, {len(words):,} words kept, {N_PER_LANGUAGE:,} drawn")
    source = ("Debian 12 word-list packages (.deb): " + ", ".join(sources)
              + f"; {N_PER_LANGUAGE} lower-cased letter-only words per language, seed 0")
    ok = write_and_check(args, "languages/words.tsv.xz", xz_bytes("\n".join(rows) + "\n"),
                         script=SCRIPT, source=source)
    finish(ok)


if __name__ == "__main__":
    main()
