"""Figures: the satisfaction x loyalty matrix and the lift chart; each returns its Axes."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .._style import ACTUAL, NEUTRAL, PALETTE, get_ax
from .typologies import CUSTOMER_TYPES
from .validity import ValidityResult

if TYPE_CHECKING:
    from matplotlib.axes import Axes

# --------------------------------------------------------------------------- figures


__all__ = ["plot_satisfaction_loyalty", "plot_lift"]


def _as_matrix(result) -> tuple[pd.DataFrame, dict, tuple[str, str]]:
    """The scores, cuts and axis names of a matrix DataFrame or a ``LoyaltyTypes`` result."""
    if isinstance(result, pd.DataFrame):
        cuts = result.attrs.get(
            "cuts", {"satisfaction": result["satisfaction"].median(), "loyalty": result["loyalty"].median()}
        )
        return result, cuts, ("satisfaction", "loyalty")
    frame = result.types.rename(columns={"type": "customer_type"})  # crmlab.satisfaction.LoyaltyTypes
    whole = bool((frame["satisfaction"] % 1 == 0).all())  # answer scale: cut between two answers
    cuts = {"satisfaction": result.satisfaction_cut - 0.5 * whole, "loyalty": result.loyalty_cut}
    return frame, cuts, (f"satisfaction ({result.satisfaction})", f"loyalty ({result.loyalty})")


def _label_quadrants(ax, counts: pd.Series) -> None:
    for name, (fx, fy) in {
        "loyal": (0.97, 0.97),
        "mercenary": (0.97, 0.03),
        "hostage": (0.03, 0.97),
        "defector": (0.03, 0.03),
    }.items():
        ax.text(
            fx,
            fy,
            f"{name}: {counts.get(name, 0):,}",
            transform=ax.transAxes,
            ha="right" if fx > 0.5 else "left",
            va="top" if fy > 0.5 else "bottom",
            fontsize=10,
            weight="bold",
            color=ACTUAL,
            alpha=0.8,
        )


def plot_satisfaction_loyalty(
    result, ax: Axes | None = None, sample: int | None = 3000, seed: int = 0
) -> Axes:
    """Satisfaction x loyalty scatter with the quadrant cuts and the four types (Jones & Sasser 1995).

    The one plot of the satisfaction x loyalty types, for both of their constructions: the matrix
    of :func:`satisfaction_loyalty_matrix` (index scores) and the survey types of
    :func:`crmlab.satisfaction.satisfaction_loyalty_types` (answers on a scale: points are
    jittered horizontally, seeded, and the cut is drawn between two answers; the loyalty cut stays
    exact). Each corner names its type and how many customers it holds.

    Parameters
    ----------
    result : pandas.DataFrame or LoyaltyTypes
        :func:`satisfaction_loyalty_matrix` output, or a ``LoyaltyTypes`` result.
    ax : matplotlib Axes, optional
        Axes to draw on (default: a new figure).
    sample : int or None
        Largest number of customers drawn (``None``: all); the counts are of everyone.
    seed : int
        Seed of the sample and of the jitter.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import seaborn as sns

    frame, cuts, (xlabel, ylabel) = _as_matrix(result)
    ax = get_ax(ax, figsize=(7.0, 5.5))
    data = frame if sample is None or len(frame) <= sample else frame.sample(sample, random_state=seed)
    x = data["satisfaction"]
    if (frame["satisfaction"] % 1 == 0).all():  # answers on a scale overlap: jitter, seeded
        x = x + np.random.default_rng(seed).uniform(-0.25, 0.25, size=len(data))
    sns.scatterplot(
        x=x.to_numpy(),
        y=data["loyalty"].to_numpy(),
        hue=data["customer_type"].astype(str).to_numpy(),
        hue_order=list(CUSTOMER_TYPES.index),
        palette=PALETTE[: len(CUSTOMER_TYPES)],
        s=10,
        alpha=0.55,
        linewidth=0,
        ax=ax,
    )
    ax.axvline(cuts["satisfaction"], color=NEUTRAL, lw=1, ls="--")
    ax.axhline(cuts["loyalty"], color=NEUTRAL, lw=1, ls="--")
    _label_quadrants(ax, frame["customer_type"].astype(str).value_counts())
    ax.set(xlabel=xlabel, ylabel=ylabel, title="Satisfaction x loyalty types (Jones & Sasser 1995)")
    ax.legend(fontsize=8, loc="center left")
    return ax


def plot_lift(validity: ValidityResult, ax: Axes | None = None) -> Axes:
    """Repurchase lift by score decile, one line per score, each bin at its mean rank.

    Bins are placed at their position (mean rank, % of customers) and sized by their
    customers, so a large tie (e.g. everyone with frequency 0) shows as one wide bin.

    Parameters
    ----------
    validity : ValidityResult
        :func:`predictive_validity` output.
    ax : matplotlib Axes, optional
        Axes to draw on (default: a new figure).

    Returns
    -------
    matplotlib.axes.Axes
    """
    import seaborn as sns

    ax = get_ax(ax, figsize=(7.5, 4.0))
    data = validity.lift.assign(position=100.0 * validity.lift["position"])
    n_scores = data["score"].nunique()
    palette = PALETTE[:n_scores] if n_scores <= len(PALETTE) else None
    sns.lineplot(data=data, x="position", y="lift", hue="score", palette=palette, ax=ax, legend=False)
    sns.scatterplot(
        data=data,
        x="position",
        y="lift",
        hue="score",
        palette=palette,
        size="customers",
        sizes=(10, 200),
        ax=ax,
    )
    ax.axhline(1.0, color=NEUTRAL, lw=1, ls="--")
    ax.set_xlabel("customers ranked above the bin's middle, % (0 = top of the score)")
    ax.set_ylabel("holdout repurchase rate / overall")
    ax.set_title("Lift by score decile")
    ax.legend(fontsize=8, loc="lower left")
    return ax
