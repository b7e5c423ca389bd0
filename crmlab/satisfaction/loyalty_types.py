"""Loyal / mercenary / hostage / defector from a survey: a thin layer over :mod:`crmlab.loyalty`.

The Jones & Sasser (1995) types have one home, :func:`crmlab.loyalty.satisfaction_loyalty_matrix`
with its strategies in :data:`crmlab.loyalty.CUSTOMER_TYPES`. This module builds the two scores
from survey columns (or item means), applies that matrix with the survey defaults -- high
satisfaction from the "satisfied" answer 7 up (the cut-off of :func:`satisfaction_paradox`), high
loyalty from the median -- and adds the mean of further profile columns per type.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

from .._validate import data_error
from ..loyalty import CUSTOMER_TYPES, satisfaction_loyalty_matrix
from ._items import as_items, check_survey, numeric_items, score

__all__ = ["TYPE_STRATEGIES", "LoyaltyTypes", "satisfaction_loyalty_types"]

#: The strategy per type: a view of ``crmlab.loyalty.CUSTOMER_TYPES["strategy"]`` (one definition).
TYPE_STRATEGIES = {str(t): str(s) for t, s in CUSTOMER_TYPES["strategy"].items()}


@dataclass
class LoyaltyTypes:
    """Result of :func:`satisfaction_loyalty_types`: ``types`` per respondent, cut-offs used."""

    types: pd.DataFrame
    satisfaction_cut: float
    loyalty_cut: float
    satisfaction: str
    loyalty: str
    profile: list = field(default_factory=list)

    def summary(self) -> pd.DataFrame:
        """Count, share, mean scores, mean of each ``profile`` column and strategy per type.

        Returns
        -------
        pandas.DataFrame
            One row per satisfaction x loyalty type (Jones & Sasser 1995).
        """
        g = self.types.groupby("type")
        out = pd.DataFrame(
            {
                "n": g.size(),
                "mean_satisfaction": g["satisfaction"].mean(),
                "mean_loyalty": g["loyalty"].mean(),
                **{f"mean_{c}": g[c].mean() for c in self.profile},
            }
        ).reindex(list(TYPE_STRATEGIES))
        out["n"] = out["n"].fillna(0).astype(int)
        out["share"] = out["n"] / out["n"].sum()
        out["strategy"] = [TYPE_STRATEGIES[t] for t in out.index]
        return out[
            ["n", "share", "mean_satisfaction", "mean_loyalty"]
            + [f"mean_{c}" for c in self.profile]
            + ["strategy"]
        ]

    def plot(self, ax=None, seed: int = 0):
        """Satisfaction x loyalty scatter with the four quadrants (see :func:`plot_types`).

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Drawn on if given, else on a new figure.
        seed : int
            Seed of the jitter on the answer scales.

        Returns
        -------
        matplotlib.axes.Axes
            The Axes drawn on.
        """
        from .plots import plot_types

        return plot_types(self, ax=ax, seed=seed)


def satisfaction_loyalty_types(
    survey: pd.DataFrame,
    satisfaction="overall_satisfaction",
    loyalty="loyalty_intention",
    *,
    satisfaction_cut: float | None = 7,
    loyalty_cut: float | None = None,
    profile: Sequence[str] = (),
    table: str = "survey",
) -> LoyaltyTypes:
    """Loyal / mercenary / hostage / defector from satisfaction x loyalty.

    High satisfaction: score ``>= satisfaction_cut`` (default 7, the "satisfied" cut-off of
    :func:`satisfaction_paradox`); high loyalty: ``>= loyalty_cut`` (default the median
    loyalty, so the loyalty split is relative). Loyal = high/high, mercenary = high
    satisfaction / low loyalty, hostage = low satisfaction / high loyalty, defector =
    low/low -- the quadrants of :func:`crmlab.loyalty.satisfaction_loyalty_matrix`, which
    this calls. Source: Jones & Sasser (1995) HBR 73(6), "Why satisfied customers defect".

    Parameters
    ----------
    survey : pandas.DataFrame
        One row per respondent (indexed by ``customer_id`` in the result when it has one).
    satisfaction, loyalty : str or list of str
        The two scores: columns, or item columns averaged.
    satisfaction_cut : float, optional
        High satisfaction from this score up (``None``: the median of the respondents typed).
    loyalty_cut : float, optional
        High loyalty from this score up (default: the median of the respondents typed).
    profile : list of str
        Further numeric columns (e.g. price sensitivity, voluntariness) whose mean per type
        the summary shows.
    table : str
        Name of the table in error messages.

    Returns
    -------
    LoyaltyTypes
        ``types``: satisfaction, loyalty, the profile columns and ``type`` per respondent.
    """
    check_survey(survey, table, "satisfaction_loyalty_types")
    s, s_label, _ = score(survey, satisfaction, "satisfaction", table)
    lo, l_label, _ = score(survey, loyalty, "loyalty", table)
    profile = [] if not profile else as_items(profile, "profile")
    clash = [c for c in profile if c in ("satisfaction", "loyalty", "type")]
    if clash:
        raise ValueError(f"profile columns may not be called {clash}")
    extra = numeric_items(survey, profile, table) if profile else pd.DataFrame(index=survey.index)
    frame = pd.concat([pd.DataFrame({"satisfaction": s, "loyalty": lo}), extra], axis=1)
    if "customer_id" in survey.columns:
        frame.index = pd.Index(survey["customer_id"].astype(str), name="customer_id")
    frame = frame.dropna(subset=["satisfaction", "loyalty"])
    if len(frame) == 0:
        raise data_error(
            table, s_label, "no respondent has both a satisfaction and a loyalty score", n_bad=len(survey)
        )
    matrix = satisfaction_loyalty_matrix(
        frame["satisfaction"], frame["loyalty"], satisfaction_cut, loyalty_cut
    )
    frame["type"] = matrix["customer_type"].to_numpy()  # same rows in the same order (none missing)
    return LoyaltyTypes(
        types=frame,
        satisfaction_cut=float(matrix.attrs["cuts"]["satisfaction"]),
        loyalty_cut=float(matrix.attrs["cuts"]["loyalty"]),
        satisfaction=s_label,
        loyalty=l_label,
        profile=profile,
    )
