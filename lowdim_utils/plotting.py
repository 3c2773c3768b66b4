"""One plotting style for every lesson, and small figure helpers."""
from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np

__all__ = ["set_style", "show_images", "PALETTE"]

#: colour-blind-safe palette (Okabe & Ito) used across lessons, in this order.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]


def set_style() -> None:
    """Apply the course's matplotlib style, and show pandas tables whole (no "…" in long cells,
    such as the licences and citations of the Datasets page). ``lu.setup`` calls it."""
    try:
        import pandas as pd
        pd.set_option("display.max_colwidth", None)
        pd.set_option("display.max_columns", 60)
    except ImportError:  # pragma: no cover - pandas is a dependency
        pass
    mpl.rcParams.update({
        "figure.figsize": (6.4, 4.0),
        "figure.dpi": 90,
        "savefig.dpi": 110,
        "savefig.bbox": "tight",
        "axes.grid": True,
        "grid.alpha": 0.3,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.prop_cycle": mpl.cycler(color=PALETTE),
        "axes.titlesize": 11,
        "axes.labelsize": 10,
        "legend.fontsize": 9,
        "legend.frameon": False,
        "image.cmap": "gray",
        "font.family": "DejaVu Sans",
    })


def show_images(images, *, shape=None, ncols: int = 8, titles=None, cmap="gray", size: float = 1.2,
                suptitle: str | None = None, symmetric: bool = False):
    """Show a grid of images.

    Args:
        images: ``(m, h, w)`` array, or ``(m, h*w)`` with ``shape=(h, w)``.
        ncols: images per row.
        titles: optional list of ``m`` titles.
        symmetric: centre the colour map at 0 (for eigen-images, atoms, ...).
    Returns:
        The matplotlib figure.
    """
    imgs = np.asarray(images.detach().cpu() if hasattr(images, "detach") else images)
    if imgs.ndim == 2:
        if shape is None:
            raise ValueError("shape must be given when images is 2-D (m, h*w), e.g. shape=(8, 8).")
        imgs = imgs.reshape(len(imgs), *shape)
    if imgs.ndim not in (3, 4):
        raise ValueError(f"images must have shape (m, h, w) or (m, h*w), got {imgs.shape}.")
    m = len(imgs)
    ncols = max(1, min(ncols, m))
    nrows = int(np.ceil(m / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows + (0.3 if suptitle else 0)),
                             squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < m:
            kw = {}
            if symmetric:
                v = float(np.abs(imgs[i]).max()) or 1.0
                kw = dict(vmin=-v, vmax=v)
            ax.imshow(imgs[i], cmap=cmap if imgs.ndim == 3 else None, **kw)
            if titles is not None:
                ax.set_title(str(titles[i]), fontsize=8)
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return fig
