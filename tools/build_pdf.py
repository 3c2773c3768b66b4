"""`make pdf`: the book as one PDF, with Sphinx's LaTeX builder and XeLaTeX, offline.

It builds from the committed, executed notebooks (the test suite verifies their outputs), so
it takes well under a minute, and writes ``_build/lowdim.pdf``. It needs XeLaTeX and latexmk
(on Debian/Ubuntu: ``apt-get install texlive-xetex texlive-latex-extra latexmk fonts-dejavu-core``).

    python tools/build_pdf.py [--out-dir _build]
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
TEX = ("xelatex", "latexmk")


def missing_tex() -> list[str]:
    return [t for t in TEX if shutil.which(t) is None]


def build(out_dir: Path) -> tuple[Path, Path, float]:
    """Build the PDF under ``out_dir``; return (pdf, latex log, seconds)."""
    out_dir = Path(out_dir).resolve()
    work = out_dir / "pdf"
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    cfg = yaml.safe_load((ROOT / "_config.yml").read_text())
    cfg["execute"]["execute_notebooks"] = "off"
    cfg["sphinx"]["local_extensions"] = {k: str(ROOT / v) for k, v in cfg["sphinx"]["local_extensions"].items()}
    (work / "_config.yml").write_text(yaml.safe_dump(cfg))
    jb = Path(sys.executable).with_name("jupyter-book")
    t0 = time.perf_counter()
    r = subprocess.run([str(jb), "build", str(ROOT), "--builder", "pdflatex", "--config", str(work / "_config.yml"),
                        "--path-output", str(work)], capture_output=True, text=True, timeout=1200)
    seconds = time.perf_counter() - t0
    latex = work / "_build" / "latex"
    name = cfg["latex"]["latex_documents"]["targetname"].replace(".tex", "")
    pdf, log = latex / f"{name}.pdf", latex / f"{name}.log"
    if r.returncode != 0 or not pdf.exists():
        tail = (r.stdout + r.stderr)[-3000:]
        errors = [ln for ln in log.read_text(errors="replace").splitlines() if ln.startswith("!")] if log.exists() else []
        raise RuntimeError(f"the PDF build failed (exit {r.returncode}); LaTeX errors: {errors[:5]}\n{tail}")
    final = out_dir / f"{name}.pdf"
    shutil.copy2(pdf, final)
    return final, log, seconds


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out-dir", type=Path, default=ROOT / "_build")
    a = ap.parse_args(argv)
    if missing_tex():
        print(f"make pdf needs {', '.join(missing_tex())}: install TeX Live, e.g. `apt-get install texlive-xetex "
              "texlive-latex-extra latexmk fonts-dejavu-core`.", file=sys.stderr)
        return 2
    pdf, _, seconds = build(a.out_dir)
    try:
        from pypdf import PdfReader
        pages = len(PdfReader(str(pdf)).pages)
    except ImportError:
        pages = "?"
    print(f"make pdf: {pdf} ({pages} pages) in {seconds:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
