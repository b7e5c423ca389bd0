"""One palette and one way to get an Axes, for every crmlab plot.

Every plot is ``plot_x(result, ax=None, ...) -> matplotlib.axes.Axes``: it draws on ``ax`` when
given, else on a new figure of a sensible size, and returns the Axes it drew on. Plots that need
several panels take ``axes=None`` (a sequence) and return the array of Axes.
"""

from __future__ import annotations

import numpy as np

__all__ = ["PALETTE", "GAIN", "LOSS", "TOTAL", "NEUTRAL", "ACTUAL", "MODEL", "get_ax", "get_axes"]

# colour-blind-safe base palette (Okabe & Ito 2008), then named roles used across topics
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
GAIN = "#4c956c"  # value created, "+" bars
LOSS = "#d1495b"  # value destroyed, "-" bars
TOTAL = "#2f6690"  # totals and the main curve
NEUTRAL = "grey"  # reference lines
ACTUAL = "black"  # observed series
MODEL = "#0072B2"  # model predictions


def get_ax(ax=None, figsize: tuple[float, float] = (7.0, 4.5)):
    """``ax`` itself, or the Axes of a new figure of ``figsize``."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt  # lazy: importing crmlab does not load matplotlib

    _, ax = plt.subplots(figsize=figsize)
    return ax


def get_axes(axes=None, n: int = 2, ncols: int | None = None, figsize: tuple[float, float] | None = None):
    """``axes`` as a flat array, or the Axes of a new figure with ``n`` panels."""
    if axes is not None:
        return np.ravel(axes)
    import matplotlib.pyplot as plt

    ncols = ncols or min(n, 2)
    nrows = -(-n // ncols)
    figsize = figsize or (5.5 * ncols, 3.8 * nrows)
    _, axes = plt.subplots(nrows, ncols, figsize=figsize, squeeze=False)
    return np.ravel(axes)[:n]
