"""Helpers shared by the data/scripts/make_*.py scripts.

Every script turns a public source (a Debian package, a PyPI archive) into one or more files
in data/ and then compares each file with its entry in data/MANIFEST.json. The writers here
are deterministic: the same source and the same library versions give the same bytes (zip
members carry a fixed 1980-01-01 timestamp, xz streams carry no time at all).

Only the standard library and NumPy are used, so the scripts run in the course's venv.
"""
from __future__ import annotations

import argparse
import hashlib
import io
import json
import lzma
import sys
import zipfile
from pathlib import Path

import numpy as np

#: the repository's data/ folder (the scripts live in data/scripts/).
DATA_DIR = Path(__file__).resolve().parents[1]
MANIFEST = DATA_DIR / "MANIFEST.json"
_FIXED_DATE = (1980, 1, 1, 0, 0, 0)


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


from lowdim_utils.data import sha256_of as sha256_file  # noqa: E402  (one checksum routine for scripts and loaders)


def npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """An ``.npz`` archive (readable by ``np.load``) with deflate level 9 and fixed timestamps.

    ``np.savez_compressed`` stamps each member with the current time; this does not.
    Arrays must not hold Python objects (``np.load(allow_pickle=False)`` must read them).
    """
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name in sorted(arrays):
            arr = np.ascontiguousarray(arrays[name])
            if arr.dtype == object:
                raise TypeError(f"array {name!r} has dtype object; store text as a fixed-width 'U' array.")
            member = io.BytesIO()
            np.lib.format.write_array(member, arr, version=(1, 0), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=_FIXED_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3          # "Unix", whatever machine runs the script
            info.external_attr = 0o644 << 16
            zf.writestr(info, member.getvalue(), compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    return buf.getvalue()


def xz_bytes(text: str) -> bytes:
    """UTF-8 text compressed as a single xz stream (preset 9e, CRC64); no timestamps inside."""
    return lzma.compress(text.encode("utf-8"), format=lzma.FORMAT_XZ, check=lzma.CHECK_CRC64,
                         preset=9 | lzma.PRESET_EXTREME)


def parser(description: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--out", type=Path, default=DATA_DIR,
                   help="data folder to write into (default: this repository's data/)")
    p.add_argument("--update-manifest", action="store_true",
                   help="record the new checksums in data/MANIFEST.json (for maintainers who change a "
                        "file on purpose); without it the script only compares and reports")
    return p


def _load_manifest() -> dict:
    if MANIFEST.exists():
        return json.loads(MANIFEST.read_text(encoding="utf-8"))
    return {"about": "", "files": {}}


def _save_manifest(man: dict) -> None:
    man["files"] = {k: man["files"][k] for k in sorted(man["files"])}
    MANIFEST.write_text(json.dumps(man, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def write_and_check(args, relpath: str, payload: bytes, *, script: str, source: str) -> bool:
    """Write ``payload`` to ``<out>/<relpath>`` and compare it with the manifest.

    Returns True when the bytes equal the manifest's checksum. With ``--update-manifest``
    the entry (sha256, bytes, script, source) is (re)written instead.
    """
    path = Path(args.out) / relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(payload)
    digest = sha256_bytes(payload)
    shown = f"data/{relpath}" if Path(args.out).resolve() == DATA_DIR else str(path)
    man = _load_manifest()
    old = man["files"].get(relpath)
    if args.update_manifest:
        man["files"][relpath] = {"sha256": digest, "bytes": len(payload), "script": script, "source": source}
        _save_manifest(man)
        print(f"wrote {shown}: {len(payload):,} bytes, sha256 {digest} (manifest updated)")
        return True
    if old is None:
        print(f"wrote {shown}: {len(payload):,} bytes, sha256 {digest}; NOT in data/MANIFEST.json "
              "(rerun with --update-manifest to add it)")
        return False
    same = old["sha256"] == digest
    print(f"wrote {shown}: {len(payload):,} bytes, sha256 {digest[:16]}… "
          + ("== manifest: reproduced exactly" if same else f"!= manifest {old['sha256'][:16]}…"))
    if not same and old.get("source") and old["source"] != source:
        print(f"  the source differs from the one recorded:\n    recorded: {old['source']}\n    used:     {source}")
    return same


def finish(ok: bool) -> None:
    if not ok:
        print("some files differ from data/MANIFEST.json (different source or library versions?); "
              "restore the shipped ones with `git checkout -- data/`.", file=sys.stderr)
    sys.exit(0 if ok else 1)
