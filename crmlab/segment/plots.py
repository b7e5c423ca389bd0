"""Plots of segment summaries: share of customers against share of revenue, one basis."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._validate import require_columns

__all__ = ["plot_share_vs_revenue", "plot_basis"]

# --------------------------------------------------------------------------- plots of summaries


def plot_share_vs_revenue(summary: pd.DataFrame, ax=None, title: str = ""):
    """Paired bars: each group's share of customers against its share of revenue.

    Takes any summary with ``share`` and ``revenue_share`` columns (RFM segments, value
    tiers, VIP quadrants, clusters): the Pareto picture of who carries the revenue.

    Parameters
    ----------
    summary : pandas.DataFrame
        One row per group with ``share`` and ``revenue_share`` (and an optional ``label``).
    ax : matplotlib.axes.Axes, optional
        Drawn on if given, else on a new figure.
    title : str
        The plot title.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.
    """
    import matplotlib.pyplot as plt

    require_columns(summary, ["share", "revenue_share"], "summary", "plot_share_vs_revenue")
    if ax is None:
        _, ax = plt.subplots(figsize=(max(6, 0.9 * len(summary) + 2), 3.8))
    x = np.arange(len(summary))
    ax.bar(x - 0.2, summary["share"], 0.4, label="share of customers", color="C0")
    ax.bar(x + 0.2, summary["revenue_share"].fillna(0), 0.4, label="share of revenue", color="C1")
    labels = summary["label"] if "label" in summary.columns else summary.index
    ax.set_xticks(x, [str(v) for v in labels], rotation=20, ha="right")
    ax.yaxis.set_major_formatter(plt.matplotlib.ticker.PercentFormatter(1.0))
    ax.set_title(title)
    ax.legend()
    return ax


def plot_basis(table: pd.DataFrame, column: str = "revenue_per_customer", ax=None, title: str = ""):
    """Horizontal bars of one measure per level, one block per variable of a basis table.

    Parameters
    ----------
    table : pandas.DataFrame
        One table of :func:`crmlab.segment.segmentation_bases` (index: variable, level).
    column : str
        The measure drawn.
    ax : matplotlib.axes.Axes, optional
        Drawn on if given, else on a new figure.
    title : str
        The plot title.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.
    """
    import matplotlib.pyplot as plt

    require_columns(table, [column], "basis table", "plot_basis")
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 0.28 * len(table) + 1.2))
    labels = [f"{var}: {level}" for var, level in table.index]
    variables = table.index.get_level_values(0)
    colours = {v: f"C{i}" for i, v in enumerate(dict.fromkeys(variables))}
    y = np.arange(len(table))[::-1]
    ax.barh(y, table[column].fillna(0), color=[colours[v] for v in variables])
    ax.set_yticks(y, labels)
    ax.set_xlabel(column.replace("_", " "))
    ax.set_title(title)
    return ax
