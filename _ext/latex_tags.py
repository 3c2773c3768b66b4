"""Sphinx extension: display equations numbered by hand (``\\tag{n}``) in the LaTeX/PDF build.

The lessons number their display equations explicitly with ``\\tag{n}`` (the same numbers the
docstrings of lowdim_utils cite as "Eq. (n)"); MathJax renders them in the HTML book and in
JupyterLab. Sphinx's LaTeX writer wraps display math in ``split``, where amsmath forbids
``\\tag``. For the LaTeX builders this turns such a block into
``\\begin{equation*}\\begin{aligned}...\\end{aligned}\\tag{n}\\end{equation*}``.
"""
import re

from docutils import nodes

_TAG = re.compile(r"\\tag\{([^}]*)\}")


def _latex(body: str) -> str:
    tags = _TAG.findall(body)
    body = _TAG.sub("", body).strip()
    tag = f"\\tag{{{tags[-1]}}}" if tags else ""
    return f"\\begin{{equation*}}\\begin{{aligned}}{body}\\end{{aligned}}{tag}\\end{{equation*}}\n"


def _convert(app, doctree, docname):
    if app.builder.format != "latex":
        return
    for node in list(doctree.findall(nodes.math_block)):
        text = node.astext()
        if "\\tag{" in text:
            node.replace_self(nodes.raw("", _latex(text), format="latex"))
    for node in list(doctree.findall(nodes.math)):    # a tag in inline math: written as "(n)" after it
        text = node.astext()
        if "\\tag{" in text:
            node.replace_self(nodes.math(text=_TAG.sub(lambda m: "\\qquad\\text{(" + m.group(1) + ")}", text)))


def setup(app):
    app.connect("doctree-resolved", _convert)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
