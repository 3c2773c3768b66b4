"""Interactive exploration that still reads well as a static page.

``explore(draw, rank=(1, 50, 1, 10))`` shows ipywidgets controls in a live kernel
(JupyterLab) and redraws when they move. When the lesson is executed for the book or
the tests (``LOWDIM_STATIC=1``, set by ``make book``/``make test``), or where ipywidgets
is missing, it draws the figure for the default values once, as an ordinary output, and
says that controls appear when the notebook is run live.
"""
from __future__ import annotations

from .progress import is_static

__all__ = ["explore", "is_static"]


def _parse(name, spec):
    """``(min, max, step, default)`` → slider; ``[options], default`` → dropdown; returns (widget, default)."""
    import ipywidgets as w
    if isinstance(spec, tuple) and len(spec) == 4 and all(isinstance(v, (int, float)) for v in spec):
        lo, hi, step, default = spec
        if not lo <= default <= hi:
            raise ValueError(f"{name}: default {default} must lie in [{lo}, {hi}].")
        cls = w.IntSlider if all(isinstance(v, int) for v in spec) else w.FloatSlider
        return cls(min=lo, max=hi, step=step, value=default, description=name, continuous_update=False), default
    if isinstance(spec, tuple) and len(spec) == 2 and isinstance(spec[0], (list, tuple)):
        options, default = spec
        if default not in options:
            raise ValueError(f"{name}: default {default!r} must be one of {list(options)}.")
        return w.Dropdown(options=list(options), value=default, description=name), default
    raise TypeError(f"{name} must be (min, max, step, default) for a slider or ([options], default) for a "
                    f"dropdown, got {spec!r}.")


def explore(draw, **controls):
    """Call ``draw(**values)`` (which makes a matplotlib figure) under interactive controls.

    Each keyword is a control: ``(min, max, step, default)`` for a slider or
    ``([options], default)`` for a dropdown. Returns the widget (live) or None (static).
    """
    if not callable(draw):
        raise TypeError(f"draw must be a function that makes a figure, got {type(draw).__name__}.")
    if not controls:
        raise ValueError("controls must name at least one parameter, e.g. rank=(1, 50, 1, 10).")
    parsed = {k: _parse(k, v) for k, v in controls.items()}
    defaults = {k: d for k, (_, d) in parsed.items()}
    import matplotlib.pyplot as plt
    try:
        import ipywidgets as w
        from IPython.display import display
    except ImportError:
        w = None
    if is_static() or w is None:
        draw(**defaults)
        plt.show()
        shown = ", ".join(f"{k}={v}" for k, v in defaults.items())
        print(f"(static view for {shown}; run this notebook in JupyterLab to move the controls)")
        return None
    out = w.interactive_output(lambda **kw: (draw(**kw), plt.show()), {k: wid for k, (wid, _) in parsed.items()})
    box = w.VBox([w.HBox([wid for wid, _ in parsed.values()]), out])
    display(box)
    return box
