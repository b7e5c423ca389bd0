"""Plots of the CLV results: every one is ``plot_x(result, ax=None, title=None) -> Axes``.

Each draws on ``ax`` when given, else on a new figure, in the house colours of
:mod:`crmlab._style` (value created: GAIN, destroyed: LOSS, totals and main curves: TOTAL).
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .._style import ACTUAL, GAIN, LOSS, MODEL, NEUTRAL, TOTAL, get_ax
from .cohort import CohortCLV
from .components import COMPONENTS, CLVComponents
from .profitability import WhaleCurve

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "plot_waterfall",
    "plot_tornado",
    "plot_whale_curve",
    "plot_cohort_retention",
    "plot_cohort_clv",
    "plot_holdout_calibration",
]


def _expect(result, kind: type, name: str, producer: str) -> None:
    if not isinstance(result, kind):
        raise TypeError(f"{name}: expected the result of {producer}, not {type(result).__name__}")


def plot_waterfall(components: CLVComponents, ax: Axes | None = None, title: str | None = None) -> Axes:
    """Waterfall of :func:`crmlab.clv.clv_components`: each component stacked from 0 to the CLV.

    Parameters
    ----------
    components : CLVComponents
    ax : matplotlib Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes
        Six component bars (GAIN when positive, LOSS when negative) and the CLV bar (TOTAL).
    """
    _expect(components, CLVComponents, "plot_waterfall", "clv_components()")
    total = components.total
    values = components.summary()["present_value"].iloc[:-1].to_numpy()
    labels = [k + "\n" + textwrap.fill(v, 14) for k, v in COMPONENTS.items()] + ["CLV"]
    starts = np.r_[0.0, np.cumsum(values)[:-1]]
    ax = get_ax(ax, figsize=(9, 4))
    colors = np.where(values >= 0, GAIN, LOSS)
    ax.bar(range(6), values, bottom=starts, color=colors, edgecolor="black", linewidth=0.5)
    ax.bar(6, total, color=TOTAL, edgecolor="black", linewidth=0.5)
    for i, (s, v) in enumerate(zip(starts, values)):
        ax.text(i, s + v + (0.01 * abs(total)), f"{v:,.0f}", ha="center", va="bottom", fontsize=8)
    ax.text(6, total, f"{total:,.0f}", ha="center", va="bottom", fontsize=8)
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xticks(range(7), labels, fontsize=7)
    ax.set_ylabel("present value per acquired customer")
    ax.set_title(title or "CLV by source of value")
    return ax


def plot_tornado(sensitivity: pd.DataFrame, ax: Axes | None = None, title: str | None = None) -> Axes:
    """Tornado chart of :func:`crmlab.clv.clv_sensitivity`: bars from the base CLV to CLV(-x %) and CLV(+x %).

    Parameters
    ----------
    sensitivity : pd.DataFrame
        The table of :func:`crmlab.clv.clv_sensitivity` (largest swing drawn on top).
    ax : matplotlib Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes
        Two bars per factor: factor -x % (LOSS) and +x % (GAIN).
    """
    need = {"factor", "clv_low", "clv_high", "base_clv"}
    if not isinstance(sensitivity, pd.DataFrame) or not need <= set(sensitivity.columns):
        raise ValueError(f"plot_tornado: expected the output of clv_sensitivity (columns {sorted(need)})")
    frame = sensitivity.iloc[::-1]
    base = float(frame["base_clv"].iloc[0])
    ax = get_ax(ax, figsize=(8, 0.35 * len(frame) + 1.2))
    y = np.arange(len(frame))
    ax.barh(y, frame["clv_low"] - base, left=base, color=LOSS, label="factor -x %")
    ax.barh(y, frame["clv_high"] - base, left=base, color=GAIN, label="factor +x %")
    ax.axvline(base, color="black", linewidth=0.8)
    ax.set_yticks(y, frame["factor"])
    ax.set_xlabel(f"CLV (base {base:,.0f})")
    ax.set_title(title or "Sensitivity of CLV to each factor")
    ax.legend(loc="lower right", fontsize=8)
    return ax


def plot_whale_curve(whale: WhaleCurve, ax: Axes | None = None, title: str | None = None) -> Axes:
    """Cumulative profit (% of total) against the share of customers, with the peak marked.

    Parameters
    ----------
    whale : WhaleCurve
        The result of :func:`crmlab.clv.whale_curve`.
    ax : matplotlib Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes
        The curve (TOTAL; in money when the total profit is not positive) and its peak (LOSS).
    """
    _expect(whale, WhaleCurve, "plot_whale_curve", "whale_curve()")
    c = whale.curve
    ax = get_ax(ax, figsize=(7, 4))
    x = np.r_[0.0, 100.0 * c["customer_share"].to_numpy()]
    total = float(c["cumulative_profit"].iloc[-1])
    if total > 0:
        y = np.r_[0.0, c["cumulative_pct"].to_numpy()]
        ax.axhline(100, color=NEUTRAL, linestyle="--", linewidth=0.8)
        ax.set_ylabel("cumulative profit, % of total")
    else:
        y = np.r_[0.0, c["cumulative_profit"].to_numpy()]
        ax.set_ylabel("cumulative profit")
    ax.plot(x, y, color=TOTAL)
    k = int(np.argmax(y))
    ax.plot(x[k], y[k], "o", color=LOSS)
    ax.annotate(
        f"peak {y[k]:,.0f}{'%' if total > 0 else ''} at {x[k]:.0f}% of customers",
        (x[k], y[k]),
        textcoords="offset points",
        xytext=(5, 5),
        fontsize=8,
    )
    ax.set_xlabel("customers ranked by profit, cumulative %")
    ax.set_title(title or "Whale curve of customer profitability")
    return ax


def plot_cohort_retention(
    cohorts: CohortCLV, ax: Axes | None = None, title: str | None = None, annotate: bool | None = None
) -> Axes:
    """Heatmap of :func:`crmlab.clv.cohort_clv`'s retention: cohorts down, periods since acquisition across.

    Parameters
    ----------
    cohorts : CohortCLV
    ax : matplotlib Axes, optional
    title : str, optional
    annotate : bool, optional
        Print each share in its cell (default: when the table is at most 15 x 15).

    Returns
    -------
    matplotlib.axes.Axes
        One cell per cohort and period (blank where not yet observed), shares from 0 to 1.
    """
    import seaborn as sns

    _expect(cohorts, CohortCLV, "plot_cohort_retention", "cohort_clv()")
    table = cohorts.retention
    shape = table.shape
    ax = get_ax(ax, figsize=(min(2 + 0.6 * shape[1], 16), min(1.5 + 0.35 * shape[0], 14)))
    annotate = max(shape) <= 15 if annotate is None else annotate
    sns.heatmap(table, annot=annotate, fmt=".2f", cmap="Blues", vmin=0, vmax=1, cbar=False, ax=ax)
    ax.set(
        xlabel="periods since acquisition",
        ylabel="acquisition cohort",
        title=title or "Share of each cohort buying in the period",
    )
    return ax


def plot_cohort_clv(cohorts: CohortCLV, ax: Axes | None = None, title: str | None = None) -> Axes:
    """Pooled cumulative CLV per acquired customer by period, with each cohort's observed CLV.

    Parameters
    ----------
    cohorts : CohortCLV
    ax : matplotlib Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes
        The pooled curve (TOTAL, line) and one point per cohort (ACTUAL) at its last observed
        period: a point below the curve is a cohort worth less than the pooled one so far.
    """
    _expect(cohorts, CohortCLV, "plot_cohort_clv", "cohort_clv()")
    pooled = cohorts.pooled
    summary = cohorts.summary()
    ax = get_ax(ax, figsize=(7, 4))
    ax.plot(pooled.index, pooled["cumulative_clv"], color=TOTAL, marker="o", label="pooled")
    ax.scatter(
        summary["periods_observed"] - 1,
        summary["clv_observed"],
        color=ACTUAL,
        zorder=3,
        label="cohort, observed",
    )
    ax.axhline(0, color=NEUTRAL, linewidth=0.8)
    ax.set_xlabel(f"periods since acquisition ({cohorts.freq})")
    ax.set_ylabel("discounted margin per acquired customer")
    ax.set_title(title or "Cohort CLV to date")
    ax.legend(fontsize=8)
    return ax


def plot_holdout_calibration(
    calibration: pd.DataFrame, ax: Axes | None = None, title: str | None = None
) -> Axes:
    """Predicted and actual mean holdout value per group of :func:`crmlab.clv.holdout_calibration`.

    Parameters
    ----------
    calibration : pd.DataFrame
        The calibration table (its ``total`` row is left out).
    ax : matplotlib Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes
        Two lines over the groups: predicted (MODEL) and actual (ACTUAL) mean per customer.
    """
    need = {"predicted_mean", "actual_mean"}
    if not isinstance(calibration, pd.DataFrame) or not need <= set(calibration.columns):
        raise ValueError(
            f"plot_holdout_calibration: expected the output of holdout_calibration (columns {sorted(need)})"
        )
    groups = calibration.drop(index="total", errors="ignore")
    x = np.arange(1, len(groups) + 1)
    ax = get_ax(ax, figsize=(7, 3.5))
    ax.plot(x, groups["predicted_mean"], marker="o", color=MODEL, label="predicted")
    ax.plot(x, groups["actual_mean"], marker="o", color=ACTUAL, label="actual")
    ax.set_xticks(x, groups.index)
    ax.set_xlabel("group of predicted value (1 = lowest)")
    ax.set_ylabel("mean holdout value per customer")
    ax.set_title(title or "Holdout: predicted vs actual")
    ax.legend(fontsize=8)
    return ax
