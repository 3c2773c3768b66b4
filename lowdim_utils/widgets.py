"""Interactive exploration that still works in the static book.

``explore(draw, rank=(1, 50, 1, 10))`` shows ipywidgets controls in a live kernel (JupyterLab)
and redraws when they move. When the lesson is executed headless for the book or the tests
(``LOWDIM_STATIC=1``, set by ``make book``/``make test``/``make sync``), or where ipywidgets is
missing, it precomputes the figure for a few values of one control (the first, or ``sweep=``)
— the others at their defaults — and shows them as a **slider over precomputed frames**: plain
HTML and a few lines of JavaScript with the frames embedded as PNG images, so it works in the
book offline and without a kernel.
"""
from __future__ import annotations

import base64
import html
import io
import itertools

from .progress import is_static

__all__ = ["explore", "is_static", "static_slider_html"]

_COUNTER = itertools.count()


def _parse(name, spec):
    """``(min, max, step, default)`` → slider; ``([options], default)`` → dropdown; returns (kind, spec, default)."""
    if isinstance(spec, tuple) and len(spec) == 4 and all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                                          for v in spec):
        lo, hi, step, default = spec
        if not lo <= default <= hi:
            raise ValueError(f"{name}: default {default} must lie in [{lo}, {hi}].")
        if not step > 0 or lo >= hi:
            raise ValueError(f"{name}: a slider needs min < max and step > 0, got {spec}.")
        return "slider", spec, default
    if isinstance(spec, tuple) and len(spec) == 2 and isinstance(spec[0], (list, tuple)):
        options, default = spec
        if default not in options:
            raise ValueError(f"{name}: default {default!r} must be one of {list(options)}.")
        return "dropdown", spec, default
    raise TypeError(f"{name} must be (min, max, step, default) for a slider or ([options], default) for a "
                    f"dropdown, got {spec!r}.")


def _widget(name, kind, spec):
    import ipywidgets as w
    if kind == "slider":
        lo, hi, step, default = spec
        cls = w.IntSlider if all(isinstance(v, int) for v in spec) else w.FloatSlider
        return cls(min=lo, max=hi, step=step, value=default, description=name, continuous_update=False)
    options, default = spec
    return w.Dropdown(options=list(options), value=default, description=name)


def _frame_values(kind, spec, frames: int):
    """A few values of a control to precompute, its default among them, in order."""
    if kind == "dropdown":
        options, default = spec
        return list(options)[:frames] if default in list(options)[:frames] else [default] + list(options)[:frames - 1]
    lo, hi, step, default = spec
    n_steps = int(round((hi - lo) / step))
    picks = sorted({int(round(i * n_steps / (frames - 1))) for i in range(frames)}) if frames > 1 else [0]
    vals = [lo + i * step for i in picks]
    if isinstance(step, int) and isinstance(lo, int):
        vals = [int(v) for v in vals]
    else:
        digits = max(0, -int(f"{step:e}".split("e")[1]))
        vals = [round(v, digits + 1) for v in vals]
    if default not in vals:
        if len(vals) < frames or len(vals) <= 2:
            vals = sorted(vals + [default])
        else:   # the default replaces the nearest interior value; both ends of the range stay
            i = min(range(1, len(vals) - 1), key=lambda j: abs(vals[j] - default))
            vals = sorted(vals[:i] + [default] + vals[i + 1:])
    return vals


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=72, bbox_inches="tight")
    return base64.b64encode(buf.getvalue()).decode("ascii")


def static_slider_html(name: str, values, images_b64, default_index: int, note: str = "") -> str:
    """A self-contained slider over precomputed frames: an ``<input type=range>`` that swaps the
    ``<img>`` between embedded PNGs. No library, no network. ``#<id>=<i>`` in the page's URL
    selects frame ``i`` (used by the browser test)."""
    uid = f"lowdim-slider-{next(_COUNTER)}"
    labels = [html.escape(f"{v:g}" if isinstance(v, float) else str(v)) for v in values]
    frames = ",".join(f'"data:image/png;base64,{b}"' for b in images_b64)
    names = ",".join(f'"{lab}"' for lab in labels)
    return f"""<div class="lowdim-slider" id="{uid}">
<div><label>{html.escape(name)} = <output>{labels[default_index]}</output>
<input type="range" min="0" max="{len(values) - 1}" step="1" value="{default_index}" style="width:60%;vertical-align:middle"
 aria-label="{html.escape(name)}"></label></div>
<img alt="figure for {html.escape(name)}" data-frame="{default_index}" src="data:image/png;base64,{images_b64[default_index]}">
<div style="font-size:0.85em;color:#555">{html.escape(note)}</div>
<script>(function(){{var root=document.getElementById("{uid}");var f=[{frames}],v=[{names}];
var r=root.querySelector("input"),img=root.querySelector("img"),o=root.querySelector("output");
function show(i){{i=Math.max(0,Math.min(f.length-1,i|0));r.value=i;img.src=f[i];img.setAttribute("data-frame",i);o.textContent=v[i];}}
r.addEventListener("input",function(){{show(r.value);}});
var m=location.hash.match(new RegExp("{uid}=(\\\\d+)"));if(m){{show(parseInt(m[1]));}}}})();</script>
</div>"""


def explore(draw, *, sweep: str | None = None, frames: int = 6, **controls):
    """Call ``draw(**values)`` (which makes a matplotlib figure) under interactive controls.

    Each keyword is a control: ``(min, max, step, default)`` for a slider or
    ``([options], default)`` for a dropdown. Live: ipywidgets controls; returns the widget.
    Static (``LOWDIM_STATIC=1``): a slider over ``frames`` precomputed figures for the control
    ``sweep`` (default: the first), the others at their defaults; returns None.
    """
    if not callable(draw):
        raise TypeError(f"draw must be a function that makes a figure, got {type(draw).__name__}.")
    if not controls:
        raise ValueError("controls must name at least one parameter, e.g. rank=(1, 50, 1, 10).")
    parsed = {k: _parse(k, v) for k, v in controls.items()}
    defaults = {k: d for k, (_, _, d) in parsed.items()}
    import matplotlib.pyplot as plt
    try:
        import ipywidgets as w
        from IPython.display import display
    except ImportError:
        w = None
    if is_static() or w is None:
        from .validate import check_choice, check_int
        sweep = check_choice(sweep, "sweep", list(controls)) if sweep is not None else next(iter(controls))
        frames = check_int(frames, "frames", low=1, high=24)
        kind, spec, default = parsed[sweep]
        values = _frame_values(kind, spec, frames)
        images = []
        for v in values:
            plt.close("all")
            draw(**dict(defaults, **{sweep: v}))
            images.append(_png(plt.gcf()))
            plt.close("all")
        others = ", ".join(f"{k}={v}" for k, v in defaults.items() if k != sweep)
        note = (f"{len(values)} precomputed figures" + (f" ({others})" if others else "")
                + "; run this notebook in JupyterLab to move every control.")
        html_text = static_slider_html(sweep, values, images, values.index(default), note)
        try:
            from IPython.display import HTML
            from IPython.display import display as _display
            _display(HTML(html_text))
        except ImportError:   # pragma: no cover - outside IPython
            print(html_text)
        return None
    controls_w = {k: _widget(k, kind, spec) for k, (kind, spec, _) in parsed.items()}
    out = w.interactive_output(lambda **kw: (draw(**kw), plt.show()), controls_w)
    box = w.VBox([w.HBox(list(controls_w.values())), out])
    display(box)
    return box
