"""Plots of market-basket results: the affinity heat map and the rules map."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import LogNorm, Normalize
from matplotlib.ticker import FormatStrFormatter, NullFormatter

from .._style import get_ax

__all__ = ["plot_affinity", "plot_rules"]


def plot_affinity(affinity: pd.DataFrame, ax=None, annotate: bool = True, cmap: str = "RdBu_r") -> Axes:
    """Heat map of :func:`crmlab.basket.item_affinity` (lift centred on 1, else from 0).

    Parameters
    ----------
    affinity : DataFrame
        Items x items, as ``item_affinity`` returns it.
    ax : matplotlib Axes, optional
    annotate : bool
        Write each cell's value.
    cmap : str
        Matplotlib colour map.

    Returns
    -------
    matplotlib.axes.Axes
    """
    k = len(affinity)
    ax = get_ax(ax, figsize=(1.0 + 0.75 * k, 0.6 + 0.6 * k))
    values = affinity.to_numpy(dtype=float)
    measure = affinity.attrs.get("measure", "")
    finite = values[np.isfinite(values) & (values > 0)]
    if measure == "lift" and finite.size:
        spread = max(float(np.exp(np.abs(np.log(finite)).max())), 1.1)
        norm = LogNorm(vmin=1 / spread, vmax=spread)  # 1 = independent in the middle
        image = ax.imshow(np.where(values > 0, values, np.nan), cmap=cmap, norm=norm)
        label = "lift (log scale, 1 = independent)"
    else:
        norm = Normalize(vmin=0, vmax=np.nanmax(values) if np.isfinite(values).any() else 1)
        image = ax.imshow(values, cmap="Blues", norm=norm)
        label = measure or "value"
    bar = ax.figure.colorbar(image, ax=ax, label=label, shrink=0.8)
    bar.ax.yaxis.set_major_formatter(FormatStrFormatter("%.2g"))
    bar.ax.yaxis.set_minor_formatter(FormatStrFormatter("%.2g"))
    ax.set_xticks(range(k), [str(c) for c in affinity.columns], rotation=45, ha="right")
    ax.set_yticks(range(k), [str(i) for i in affinity.index])
    if annotate:
        for (i, j), v in np.ndenumerate(values):
            if np.isfinite(v):
                dark = abs(norm(v) - (0.5 if measure == "lift" else 0.0)) > (
                    0.3 if measure == "lift" else 0.6
                )
                ax.text(
                    j, i, f"{v:.2f}", ha="center", va="center", fontsize=8, color="white" if dark else "black"
                )
    ax.set_title(
        f"Affinity ({measure}); row -> column" if measure == "confidence" else f"Affinity ({measure})"
    )
    ax.grid(False)
    return ax


def plot_rules(rules: pd.DataFrame, ax=None, label_top: int = 5) -> Axes:
    """Rules map: support against confidence, colour = lift, the top rules named.

    Parameters
    ----------
    rules : DataFrame
        :func:`crmlab.basket.association_rules` output (its order decides which are "top").
    ax : matplotlib Axes, optional
    label_top : int
        How many of the first rules to name.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = get_ax(ax)
    lift = rules["lift"].clip(lower=1e-3)
    points = ax.scatter(
        rules["support"],
        rules["confidence"],
        c=lift,
        cmap="viridis",
        s=18,
        norm=LogNorm(lift.min(), lift.max()),
    )
    bar = ax.figure.colorbar(points, ax=ax, label="lift (log scale)")
    bar.ax.yaxis.set_major_formatter(FormatStrFormatter("%g"))
    bar.ax.yaxis.set_minor_formatter(FormatStrFormatter("%g"))
    right = rules["support"].median() if len(rules) else 0
    for row in rules.head(label_top).itertuples():
        left = row.support > right
        ax.annotate(
            row.rule,
            (row.support, row.confidence),
            fontsize=8,
            xytext=(-4 if left else 4, 3),
            textcoords="offset points",
            ha="right" if left else "left",
        )
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(FormatStrFormatter("%g"))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("support (share of orders, log scale)")
    ax.set_ylabel("confidence")
    ax.set_title("Association rules")
    return ax
