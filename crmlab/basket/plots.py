"""Plots of market-basket results: the affinity heat map and the rules map."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._style import get_ax

__all__ = ["plot_affinity", "plot_rules"]


def plot_affinity(affinity: pd.DataFrame, ax=None, annotate: bool = True, cmap: str = "RdBu_r"):
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
    finite = values[np.isfinite(values)]
    if measure == "lift" and finite.size:
        spread = max(abs(np.log(finite[finite > 0])).max(initial=0.1), 0.1)
        shown = np.log(np.where(values > 0, values, np.nan))
        image = ax.imshow(shown, cmap=cmap, vmin=-spread, vmax=spread)
        label = "lift (log scale, 1 = independent)"
    else:
        image = ax.imshow(values, cmap="Blues", vmin=0)
        label = measure or "value"
    ax.figure.colorbar(image, ax=ax, label=label, shrink=0.8)
    ax.set_xticks(range(k), [str(c) for c in affinity.columns], rotation=45, ha="right")
    ax.set_yticks(range(k), [str(i) for i in affinity.index])
    if annotate:
        for (i, j), v in np.ndenumerate(values):
            if np.isfinite(v):
                ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=8)
    ax.set_title(
        f"Affinity ({measure}); row -> column" if measure == "confidence" else f"Affinity ({measure})"
    )
    ax.grid(False)
    return ax


def plot_rules(rules: pd.DataFrame, ax=None, label_top: int = 5):
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
    points = ax.scatter(
        rules["support"],
        rules["confidence"],
        c=np.log10(rules["lift"].clip(lower=1e-3)),
        cmap="viridis",
        s=18,
    )
    ax.figure.colorbar(points, ax=ax, label="log10 lift")
    for row in rules.head(label_top).itertuples():
        ax.annotate(
            row.rule, (row.support, row.confidence), fontsize=8, xytext=(4, 2), textcoords="offset points"
        )
    ax.set_xscale("log")
    ax.set_xlabel("support (share of orders, log scale)")
    ax.set_ylabel("confidence")
    ax.set_title("Association rules")
    return ax
