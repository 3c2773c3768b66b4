"""Sphinx extension: typeset math offline with the MathJax 3 copy from PyPI.

The book's pages load MathJax from ``mathjax/tex-chtml.js`` inside the built site instead
of a CDN. The files come from the ``django-static-mathjax`` package (import name
``mathjax``), copied into the output folder when the build finishes; only what
``tex-chtml.js`` loads is copied (its fonts, TeX extensions, menu and accessibility parts).
"""
from __future__ import annotations

import shutil
from pathlib import Path

_PARTS = ["tex-chtml.js", "output/chtml", "input/tex/extensions", "ui", "a11y", "adaptors"]


def _source() -> Path:
    import mathjax  # django-static-mathjax
    src = Path(mathjax.__file__).parent / "static" / "mathjax" / "es5"
    if not (src / "tex-chtml.js").exists():
        raise RuntimeError(f"MathJax files not found under {src}; install django-static-mathjax.")
    return src


def _config_inited(app, config):
    _source()  # fail early and clearly
    # Relative paths are taken relative to _static/; this one points beside it.
    config.mathjax_path = "../mathjax/tex-chtml.js"


def _build_finished(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    src, dst = _source(), Path(app.outdir) / "mathjax"
    for part in _PARTS:
        s, d = src / part, dst / part
        if s.is_dir():
            shutil.copytree(s, d, dirs_exist_ok=True)
        else:
            d.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(s, d)


def setup(app):
    app.connect("config-inited", _config_inited)
    app.connect("build-finished", _build_finished)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
