"""The book builds offline and warning-free; a rendered lesson shows typeset math, figures,
exercises and theorems in headless Chromium.

The test suite builds from the committed notebooks, which nbval verifies in the same run
(execution mode "off"); `make book` executes every lesson afresh.
"""
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    out = tmp_path_factory.mktemp("book")
    cfg = yaml.safe_load((ROOT / "_config.yml").read_text())
    cfg["execute"]["execute_notebooks"] = "off"
    cfg["sphinx"]["local_extensions"] = {k: str(ROOT / v) for k, v in cfg["sphinx"]["local_extensions"].items()}
    (out / "_config.yml").write_text(yaml.safe_dump(cfg))
    jb = Path(sys.executable).with_name("jupyter-book")
    r = subprocess.run([str(jb), "build", str(ROOT), "-W", "-n", "--keep-going", "--builder", "html",
                        "--config", str(out / "_config.yml"), "--path-output", str(out)],
                       capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, f"book build failed or warned:\n{r.stdout[-4000:]}\n{r.stderr[-4000:]}"
    return out / "_build" / "html"


def test_book_has_every_toc_page(book):
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    for part in toc["parts"]:
        for ch in part["chapters"]:
            assert (book / f"{ch['file']}.html").exists(), f"{ch['file']} missing from the book"
    assert (book / "index.html").exists()


def test_book_needs_no_cdn(book):
    html = (book / "notebooks" / "01_pca_svd.html").read_text()
    assert "cdn.jsdelivr.net/npm/mathjax" not in html
    assert '_static/../mathjax/tex-chtml.js"' in html
    assert (book / "mathjax" / "tex-chtml.js").exists()
    assert (book / "mathjax" / "output" / "chtml" / "fonts" / "woff-v2").is_dir()


def _references(html: str):
    """Every URL a page makes the browser load: scripts, stylesheets, images, fonts, iframes."""
    import re
    refs = re.findall(r"""<(?:script|img|iframe|source|embed)\b[^>]*\bsrc=["']([^"']+)["']""", html, re.I)
    refs += re.findall(r"""<link\b[^>]*\bhref=["']([^"']+)["'][^>]*>""", html, re.I)
    refs += re.findall(r"""@import\s+(?:url\()?["']?([^"')\s;]+)""", html, re.I)
    refs += re.findall(r"""url\(\s*["']?((?:https?:)?//[^"')\s]+)""", html, re.I)
    return refs


def test_no_page_loads_anything_from_the_network(book):
    # every HTML page of the built book: scripts, stylesheets, fonts and images are local
    pages = sorted(book.rglob("*.html"))
    assert len(pages) >= 10
    remote = {}
    for page in pages:
        bad = [r for r in _references(page.read_text(errors="replace"))
               if r.startswith(("http:", "https:", "//")) and "localhost" not in r]
        if bad:
            remote[str(page.relative_to(book))] = sorted(set(bad))[:5]
    assert not remote, f"pages that load remote resources: {remote}"
    for css in book.rglob("*.css"):
        bad = [r for r in _references(css.read_text(errors="replace")) if r.startswith(("http:", "https:", "//"))]
        assert not bad, f"{css.relative_to(book)} loads {bad[:3]}"


def test_static_pages_carry_no_widget_state_or_tqdm_bars(book):
    for page in sorted((book / "notebooks").glob("*.html")):
        html = page.read_text()
        assert "application/vnd.jupyter.widget-state+json" not in html, f"{page.name} stores widget state"
        assert "application/vnd.jupyter.widget-view+json" not in html, f"{page.name} shows a widget"
        assert "require.min.js" not in html, f"{page.name} loads require.js"


def test_lesson_page_has_theorems_exercises_and_solution_dropdowns(book):
    html = (book / "notebooks" / "01_pca_svd.html").read_text()
    assert "Eckart–Young–Mirsky" in html and "proof" in html
    assert html.count('class="exercise admonition"') == 3
    # one collapsed solution per exercise (sphinx-exercise's class; the theme's own menus say
    # "dropdown" too, so the bare word proves nothing)
    assert html.count('class="solution dropdown admonition') == 3
    # the literalinclude of the written solution (syntax-highlighted)
    assert '<span class="nf">range_finder_np</span>' in html


def test_no_prose_shows_raw_tex(book):
    """Math that MyST failed to parse (an unbalanced ``$``, a display ``$$`` glued into a paragraph)
    reaches the page as text: dollar signs or backslash commands outside the math spans."""
    import re

    from bs4 import BeautifulSoup
    bad = []
    for page in sorted((book / "notebooks").glob("*.html")):
        main = BeautifulSoup(page.read_text(), "html.parser").find("main")
        for t in main.find_all(["pre", "code", "script", "style"]):
            t.decompose()
        for p in main.find_all(["p", "li", "td"]):
            text = re.sub(r"\\\(.*?\\\)|\\\[.*?\\\]", "", p.get_text(), flags=re.S)
            if "$" in text or re.search(r"\\[A-Za-z]{2,}", text):
                bad.append(f"{page.name}: {' '.join(text.split())[:120]}")
    assert not bad, "raw TeX in the rendered prose:\n" + "\n".join(bad)


def _browser():
    for b in BROWSERS:
        if shutil.which(b):
            return shutil.which(b)
    return None


def _chromium(args, url, tmp):
    exe = _browser()
    base = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            f"--user-data-dir={tmp / 'profile'}", "--virtual-time-budget=20000"]
    return subprocess.run(base + args + [url], capture_output=True, text=True, timeout=180)


@pytest.mark.browser
def test_rendered_lesson_shows_typeset_math_and_figures(book, tmp_path):
    if _browser() is None:
        pytest.skip("no Chromium found: install it (apt-get install chromium) to run the browser test; "
                    ".ci/run does this")
    url = (book / "notebooks" / "01_pca_svd.html").as_uri()
    dom = _chromium(["--dump-dom"], url, tmp_path).stdout
    assert dom.count("<mjx-container") >= 50, "MathJax did not typeset the page offline"
    assert "<mjx-merror" not in dom, "MathJax reported a TeX error"
    imgs = [line for line in dom.split("<img")[1:] if "_images/" in line]
    assert len(imgs) >= 5, "lesson figures are missing"
    for tag in imgs:
        src = tag.split('src="')[1].split('"')[0]
        assert (book / "notebooks" / src).resolve().exists(), f"broken image {src}"
    shot = tmp_path / "page.png"
    r = _chromium(["--window-size=1280,2000", f"--screenshot={shot}"], url, tmp_path)
    assert shot.exists(), r.stderr[-2000:]
    import matplotlib.image as mpimg
    pix = mpimg.imread(shot)
    assert pix.shape[0] >= 1000 and pix.std() > 0.05, "the screenshot is blank"


def test_every_exploration_is_a_static_slider(book):
    # each lesson with lu.explore shows its figure as a slider over precomputed frames
    for py in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.py")):
        if "lu.explore(" in py.read_text():
            html = (book / "notebooks" / f"{py.stem}.html").read_text()
            assert 'class="lowdim-slider"' in html and 'type="range"' in html, f"{py.stem}: no static slider"


@pytest.mark.browser
def test_static_slider_moves_in_the_browser(book, tmp_path):
    if _browser() is None:
        pytest.skip("no Chromium found: install it (apt-get install chromium); .ci/run does this")
    page = book / "notebooks" / "03_sparse_coding.html"
    import re
    uid = re.search(r'class="lowdim-slider" id="([^"]+)"', page.read_text()).group(1)
    dom = _chromium(["--dump-dom"], page.as_uri() + f"#{uid}=2", tmp_path).stdout
    tag = re.search(rf'id="{uid}".*?<img[^>]*>', dom, re.S).group(0)
    assert 'data-frame="2"' in tag, "the slider's script did not switch to frame 2"
