"""Plots of a credit scorecard: score distribution by band, factor profile of the bands."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .._style import NEUTRAL, PALETTE, get_ax
from .._validate import require_columns

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["plot_score_distribution", "plot_factor_profile"]


def _scores(result) -> pd.DataFrame:
    scores = getattr(result, "scores_", result)
    require_columns(scores, ["score", "band"], "scores", caller="credit plot")
    return scores


def plot_score_distribution(result, ax=None, bins: int = 30) -> Axes:
    """Histogram of credit scores, stacked by rating band, with the band cut-offs.

    Parameters
    ----------
    result : CreditScorecard or DataFrame
        A fitted scorecard, or its ``scores_`` (``score`` and ``band``).
    ax : matplotlib Axes, optional
    bins : int
        Number of bins over 0..100.

    Returns
    -------
    Axes
    """
    scores = _scores(result)
    ax = get_ax(ax)
    bands = (
        list(scores["band"].cat.categories)
        if hasattr(scores["band"], "cat")
        else sorted(scores["band"].dropna().unique())
    )
    data = [scores.loc[scores["band"] == b, "score"].dropna().to_numpy() for b in bands]
    colors = [PALETTE[i % len(PALETTE)] for i in range(len(bands))]
    ax.hist(
        data, bins=np.linspace(0, 100, bins + 1), stacked=True, color=colors, label=[str(b) for b in bands]
    )
    lows = scores.groupby("band", observed=True)["score"].min()
    for b in bands[:-1]:
        if b in lows.index:
            ax.axvline(lows[b], color=NEUTRAL, lw=0.8, ls="--")
    ax.set(xlabel="credit score (0-100)", ylabel="accounts", title="Credit scores by rating band")
    ax.legend(title="band")
    return ax


def plot_factor_profile(result, ax=None) -> Axes:
    """Mean factor score (0..100) of each rating band: which factors separate the bands.

    Parameters
    ----------
    result : CreditScorecard or DataFrame
        A fitted scorecard, or its ``scores_`` (factor columns, ``score``, ``band``).
    ax : matplotlib Axes, optional

    Returns
    -------
    Axes
    """
    scores = _scores(result)
    factors = [c for c in scores.columns if c not in ("score", "band")]
    profile = scores.groupby("band", observed=True)[factors].mean()
    ax = get_ax(ax)
    x = np.arange(len(factors))
    width = 0.8 / max(len(profile), 1)
    for i, (band, row) in enumerate(profile.iterrows()):
        ax.bar(
            x + (i - (len(profile) - 1) / 2) * width,
            row.to_numpy(),
            width,
            label=str(band),
            color=PALETTE[i % len(PALETTE)],
        )
    ax.set_xticks(x, factors)
    ax.set(ylabel="mean factor score (0-100)", ylim=(0, 100), title="Factor profile of the rating bands")
    ax.axhline(50, color=NEUTRAL, lw=0.8, ls="--")
    ax.legend(title="band", ncols=min(len(profile), 5))
    return ax
