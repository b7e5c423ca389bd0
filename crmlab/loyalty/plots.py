"""Figures: the satisfaction x loyalty matrix and the lift chart; each returns its Axes."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from .._style import ACTUAL, NEUTRAL, PALETTE, get_ax
from .typologies import CUSTOMER_TYPES
from .validity import ValidityResult

if TYPE_CHECKING:
    from matplotlib.axes import Axes

# --------------------------------------------------------------------------- figures


__all__ = ["plot_satisfaction_loyalty", "plot_lift"]


def plot_satisfaction_loyalty(
    matrix: pd.DataFrame, ax: Axes | None = None, sample: int | None = 3000, seed: int = 0
) -> Axes:
    """Scatter of satisfaction x loyalty with the quadrant cuts and the four type labels.

    Parameters
    ----------
    matrix : pd.DataFrame
        :func:`satisfaction_loyalty_matrix` output.
    ax : matplotlib Axes, optional
        Axes to draw on (default: a new figure).
    sample : int or None
        Largest number of customers drawn (``None``: all).
    seed : int
        Seed of the sample.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import seaborn as sns

    ax = get_ax(ax, figsize=(7.0, 5.5))
    data = matrix if sample is None or len(matrix) <= sample else matrix.sample(sample, random_state=seed)
    sns.scatterplot(
        data=data,
        x="satisfaction",
        y="loyalty",
        hue="customer_type",
        hue_order=list(CUSTOMER_TYPES.index),
        palette=PALETTE[: len(CUSTOMER_TYPES)],
        s=12,
        alpha=0.6,
        ax=ax,
    )
    cuts = matrix.attrs.get(
        "cuts", {"satisfaction": matrix["satisfaction"].median(), "loyalty": matrix["loyalty"].median()}
    )
    ax.axvline(cuts["satisfaction"], color=NEUTRAL, lw=1, ls="--")
    ax.axhline(cuts["loyalty"], color=NEUTRAL, lw=1, ls="--")
    xlo, xhi = ax.get_xlim()
    ylo, yhi = ax.get_ylim()
    for name, (x, y) in {
        "loyal": (xhi, yhi),
        "mercenary": (xhi, ylo),
        "hostage": (xlo, yhi),
        "defector": (xlo, ylo),
    }.items():
        ax.text(
            x,
            y,
            name,
            ha="right" if x == xhi else "left",
            va="top" if y == yhi else "bottom",
            fontsize=11,
            weight="bold",
            color=ACTUAL,
            alpha=0.7,
        )
    ax.set_title("Satisfaction x loyalty (Jones & Sasser 1995)")
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
