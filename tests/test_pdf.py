"""The book as a PDF (`make pdf`): every lesson is in it, with math, figures and exercises, and
LaTeX reports no error and no missing character. Needs TeX Live; CI installs it and sets
LOWDIM_REQUIRE_PDF=1, so that there a missing TeX is a failure, not a skip."""
import os
import re
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import build_pdf  # noqa: E402

pytestmark = pytest.mark.pdf


@pytest.fixture(scope="module")
def pdf(tmp_path_factory):
    if build_pdf.missing_tex():
        if os.environ.get("LOWDIM_REQUIRE_PDF") == "1":
            pytest.fail(f"TeX Live is missing ({build_pdf.missing_tex()}) but LOWDIM_REQUIRE_PDF=1")
        pytest.skip("no TeX Live here (xelatex, latexmk): `apt-get install texlive-xetex texlive-latex-extra "
                    "latexmk`; .ci/run installs them")
    out = tmp_path_factory.mktemp("pdf")
    path, log, seconds = build_pdf.build(out)
    return path, log


def test_pdf_has_every_lesson_and_no_latex_errors(pdf):
    from pypdf import PdfReader
    path, log = pdf
    text = log.read_text(errors="replace")
    errors = [ln for ln in text.splitlines() if ln.startswith("!")]
    assert not errors, f"LaTeX errors: {errors[:5]}"
    missing = sorted(set(re.findall(r"Missing character: There is no (\S+)", text)))
    assert not missing, f"characters the PDF's fonts lack: {missing}"
    reader = PdfReader(str(path))
    assert len(reader.pages) >= 100
    outline = " ".join(str(o.title) if hasattr(o, "title") else "" for o in reader.outline
                       if not isinstance(o, list))
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    words = " ".join(page.extract_text() or "" for page in reader.pages)
    for part in toc["parts"]:
        for ch in part["chapters"]:
            stem = ch["file"].split("/")[-1]
            if stem[:2].isdigit():
                title = (ROOT / f"{ch['file']}.py").read_text().split("\n# # ", 1)[1].split("\n")[0].strip()
                key = title.split(":")[0].strip()[:30]
                assert key in words or key in outline, f"lesson {stem} ({key!r}) is not in the PDF"
    assert "Exercise" in words and "Proof" in words
    assert words.count("Theorem") >= 5


def test_pdf_has_figures(pdf):
    from pypdf import PdfReader
    path, _ = pdf
    images = sum(len(page.images) for page in PdfReader(str(path)).pages[:200])
    assert images >= 30
