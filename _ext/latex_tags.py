"""Sphinx extension: display equations numbered by hand (``\\tag{n}``) in the LaTeX/PDF build.

The lessons write numbered display equations as ``\\begin{equation*} ... \\tag{n}\\end{equation*}``
(the numbers the docstrings of lowdim_utils cite as "Eq. (n)"): MathJax (the book) and KaTeX
(JupyterLab, whose MyST renderer does not number starred environments) show exactly that one
number, and LaTeX takes the environment as it is. Should a ``$$ ... \\tag{n} $$`` block slip in,
Sphinx's LaTeX writer would wrap it in ``split``, where amsmath forbids ``\\tag``: for the LaTeX
builders this turns such a block into ``equation*`` with ``aligned`` inside.
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
        if "\\tag{" in text and not node.get("nowrap"):     # amsmath environments are written as they are
            node.replace_self(nodes.raw("", _latex(text), format="latex"))
    for node in list(doctree.findall(nodes.math)):    # a tag in inline math: written as "(n)" after it
        text = node.astext()
        if "\\tag{" in text:
            node.replace_self(nodes.math(text=_TAG.sub(lambda m: "\\qquad\\text{(" + m.group(1) + ")}", text)))


def setup(app):
    app.connect("doctree-resolved", _convert)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
