"""The satisfaction paradox in numbers: satisfied customers who defect anyway.

:func:`holdout_repurchase` says who bought again after a calibration date (from
:func:`crmlab.loyalty.holdout_outcomes`, the one home of holdout outcomes);
:func:`satisfaction_paradox` sets it against the survey: satisfied defectors, very satisfied
vs satisfied repurchase, and a logistic model of repurchase on satisfaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import statsmodels.api as sm
import statsmodels.formula.api as smf
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from .._validate import bad_rows, check_number, data_error
from ..loyalty import holdout_outcomes
from ._items import check_survey, numeric_items, score

__all__ = ["holdout_repurchase", "SatisfactionParadox", "satisfaction_paradox"]

_LEVELS = ("dissatisfied", "satisfied", "very satisfied")


def holdout_repurchase(transactions: pd.DataFrame, calibration_end, observation_end=None) -> pd.Series:
    """Did each customer buy again after ``calibration_end``? (True/False per customer_id).

    Customers with a purchase on or before ``calibration_end``; True if they bought at
    least once in the holdout ``(calibration_end, observation_end]``. A customer with
    False is a *defector* in the sense of the satisfaction paradox. This is the
    ``repurchase`` column of :func:`crmlab.loyalty.holdout_outcomes`.

    Parameters
    ----------
    transactions : pandas.DataFrame
        ``customer_id``, ``date`` (datetime) and ``amount`` per purchase.
    calibration_end : date-like
        End of the calibration period.
    observation_end : date-like, optional
        End of the holdout (default: the last date in the log).

    Returns
    -------
    pandas.Series
        Boolean ``repurchased`` indexed by customer_id.
    """
    return holdout_outcomes(transactions, calibration_end, observation_end)["repurchase"].rename(
        "repurchased"
    )


def _wilson(k: int, n: int, level: float) -> tuple[float, float]:
    if n == 0:
        return (np.nan, np.nan)
    lo, hi = proportion_confint(k, n, alpha=1.0 - level, method="wilson")
    return float(lo), float(hi)


@dataclass
class SatisfactionParadox:
    """Result of :func:`satisfaction_paradox`."""

    levels: pd.DataFrame
    by_score: pd.DataFrame
    satisfied_defector_share: float
    satisfied_defector_ci: tuple
    very_vs_satisfied_ratio: float
    very_vs_satisfied_ci: tuple
    defection_ratio: float
    odds_ratio_per_point: float
    odds_ratio_ci: tuple
    cutoffs: dict
    n: int
    n_unmatched: int
    logit_: object = field(repr=False, default=None)

    def summary(self) -> pd.DataFrame:
        """The claims of the lecture against these data.

        Returns
        -------
        pandas.DataFrame
            One row per claim: what it says and what these data show.
        """
        c = self.cutoffs
        lv = self.levels

        def rate(name: str, claim: str):
            return (claim, *lv.loc[name, ["repurchase_rate", "ci_low", "ci_high"]], "")

        rows = [
            (
                "share of defectors who said they were satisfied (score >= {:g})".format(c["satisfied"]),
                self.satisfied_defector_share,
                *self.satisfied_defector_ci,
                "65-85 % (Reichheld 1993)",
            ),
            rate("very satisfied", "repurchase rate, very satisfied (>= {:g})".format(c["very_satisfied"])),
            rate(
                "satisfied",
                "repurchase rate, satisfied ({:g} to < {:g})".format(c["satisfied"], c["very_satisfied"]),
            ),
            (
                "repurchase ratio very satisfied / satisfied",
                self.very_vs_satisfied_ratio,
                *self.very_vs_satisfied_ci,
                "about 6 (Jones & Sasser 1995, Xerox)",
            ),
            ("defection ratio satisfied / very satisfied", self.defection_ratio, np.nan, np.nan, ""),
            (
                "odds ratio of repurchase per scale point (logit)",
                self.odds_ratio_per_point,
                *self.odds_ratio_ci,
                "",
            ),
        ]
        columns = ["claim", "value", "ci_low", "ci_high", "lecture"]
        return pd.DataFrame(rows, columns=columns).set_index("claim")

    def plot(self, ax=None):
        """Repurchase by satisfaction score (see :func:`plot_paradox`).

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Drawn on if given, else on a new figure.

        Returns
        -------
        matplotlib.axes.Axes
            The Axes drawn on.
        """
        from .plots import plot_paradox

        return plot_paradox(self, ax=ax)


# --------------------------------------------------------------------------- steps


def _outcome_frame(survey: pd.DataFrame, sat: pd.Series, repurchased, table: str):
    """Satisfaction beside the outcome: a survey column, or a Series matched on customer_id."""
    if isinstance(repurchased, str):
        rep = numeric_items(survey, [repurchased], table)[repurchased]
        return pd.DataFrame({"satisfaction": sat, "repurchased": rep}), 0
    if not isinstance(repurchased, pd.Series):
        raise ValueError("repurchased must be a boolean Series indexed by customer_id or a column name")
    if "customer_id" not in survey.columns:
        raise data_error(table, "customer_id", "is needed to match the repurchase Series", n_bad=len(survey))
    rep = repurchased.copy()
    rep.index = rep.index.astype(str)
    ids = survey["customer_id"].astype(str)
    matched = ids.isin(rep.index)
    frame = pd.DataFrame(
        {"satisfaction": sat[matched.to_numpy()], "repurchased": rep.reindex(ids[matched]).to_numpy()}
    )
    return frame, int((~matched).sum())


def _checked_outcomes(frame: pd.DataFrame, label: str, n_unmatched: int, table: str) -> pd.DataFrame:
    """Complete rows with a 0/1 outcome; at least 20 of them, and both outcomes present."""
    frame = frame.dropna()
    values = pd.to_numeric(frame["repurchased"], errors="coerce")
    bad = ~values.isin([0, 1])
    if bad.any():
        raise bad_rows(frame, bad.to_numpy(), table, "repurchased", "are not True/False or 0/1")
    frame["repurchased"] = values.astype(int)
    n = len(frame)
    if n < 20:
        raise data_error(
            table,
            label,
            f"only {n} respondents with a satisfaction score and a repurchase outcome; need at least 20",
            n_bad=n_unmatched,
        )
    if frame["repurchased"].nunique() < 2:
        raise data_error(
            table, "repurchased", "has only one outcome; need both repurchasers and defectors", n_bad=n
        )
    return frame


def _levels(frame: pd.DataFrame, level: float) -> pd.DataFrame:
    """Repurchase rate (Wilson CI) and share of all defectors per satisfaction level."""
    n_def = int((frame["repurchased"] == 0).sum())
    rows = []
    for lv in _LEVELS:
        g = frame[frame["level"] == lv]
        k, m = int(g["repurchased"].sum()), len(g)
        lo, hi = _wilson(k, m, level)
        rows.append(
            {
                "level": lv,
                "n": m,
                "repurchasers": k,
                "defectors": m - k,
                "repurchase_rate": k / m if m else np.nan,
                "ci_low": lo,
                "ci_high": hi,
                "share_of_defectors": (m - k) / n_def,
            }
        )
    return pd.DataFrame(rows).set_index("level")


def _ratios(levels: pd.DataFrame, level: float):
    """Repurchase ratio very satisfied / satisfied with its Katz log CI, and the defection ratio."""
    a, n1 = levels.loc["very satisfied", "repurchasers"], levels.loc["very satisfied", "n"]
    c, n2 = levels.loc["satisfied", "repurchasers"], levels.loc["satisfied", "n"]
    if a > 0 and c > 0:
        ratio = (a / n1) / (c / n2)
        se = np.sqrt(1 / a - 1 / n1 + 1 / c - 1 / n2)
        zq = stats.norm.ppf(0.5 + level / 2)
        ratio_ci = (float(ratio * np.exp(-zq * se)), float(ratio * np.exp(zq * se)))
    else:
        ratio, ratio_ci = np.nan, (np.nan, np.nan)
    d_very = 1 - a / n1 if n1 else np.nan
    d_sat = 1 - c / n2 if n2 else np.nan
    defection_ratio = d_sat / d_very if d_very and np.isfinite(d_very) and d_very > 0 else np.nan
    return ratio, ratio_ci, defection_ratio


def _by_score(frame: pd.DataFrame, logit, level: float, label: str) -> pd.DataFrame:
    """Observed repurchase rate (Wilson CI) and the logit's prediction (CI) per satisfaction score."""
    scores = np.sort(frame["satisfaction"].unique())
    grouped = frame.groupby("satisfaction")["repurchased"]
    by_score = pd.DataFrame({"n": grouped.size(), "repurchasers": grouped.sum()})
    by_score["repurchase_rate"] = by_score["repurchasers"] / by_score["n"]
    cis = [_wilson(int(k), int(m), level) for k, m in zip(by_score["repurchasers"], by_score["n"])]
    by_score["ci_low"] = [x[0] for x in cis]
    by_score["ci_high"] = [x[1] for x in cis]
    pred = logit.get_prediction(pd.DataFrame({"satisfaction": scores})).summary_frame(alpha=1.0 - level)
    by_score["logit_p"] = pred["mean"].to_numpy()
    by_score["logit_low"] = pred["mean_ci_lower"].to_numpy()
    by_score["logit_high"] = pred["mean_ci_upper"].to_numpy()
    by_score.index.name = label
    return by_score


def satisfaction_paradox(
    survey: pd.DataFrame,
    repurchased,
    satisfaction="overall_satisfaction",
    *,
    satisfied: float = 7,
    very_satisfied: float = 9,
    level: float = 0.95,
    table: str = "survey",
) -> SatisfactionParadox:
    """Satisfied defectors and very-satisfied vs satisfied repurchase, with a logit.

    Levels (stated cut-offs on the satisfaction score): dissatisfied ``< satisfied``,
    satisfied ``[satisfied, very_satisfied)``, very satisfied ``>= very_satisfied``
    (default 7 and 9 on a 1..10 scale: top-four boxes satisfied, top-two very satisfied).
    Defectors are the respondents whose ``repurchased`` is ``False``. Reported: repurchase
    rate per level (Wilson CIs), the share of defectors who were at least satisfied (Wilson
    CI), the repurchase ratio very satisfied / satisfied (Katz log CI) and the defection
    ratio satisfied / very satisfied, and the logistic regression
    ``logit P(repurchase) = b0 + b1 satisfaction`` (statsmodels GLM binomial) with the odds
    ratio per scale point.

    Sources: Reichheld (1993) HBR 71(2); Jones & Sasser (1995) HBR 73(6); Katz et al. (1978)
    for the ratio CI; Wilson (1927).

    Parameters
    ----------
    survey : pandas.DataFrame
        One row per respondent (with ``customer_id`` when ``repurchased`` is a Series).
    repurchased : pandas.Series or str
        A boolean Series indexed by customer_id (e.g. :func:`holdout_repurchase`) or a
        column name of ``survey`` (True/False or 0/1).
    satisfaction : str or list of str
        The satisfaction score: a column, or item columns averaged.
    satisfied, very_satisfied : float
        Cut-offs of the levels (``satisfied < very_satisfied``).
    level : float
        Confidence level, in (0.5, 1).
    table : str
        Name of the table in error messages.

    Returns
    -------
    SatisfactionParadox
        Levels, per-score rates with the logit, the paradox figures with CIs.
    """
    check_survey(survey, table, "satisfaction_paradox")
    if not satisfied < very_satisfied:
        raise ValueError(f"satisfied ({satisfied!r}) must be below very_satisfied ({very_satisfied!r})")
    check_number("level", level, lo=0.5, hi=1, lo_open=True, hi_open=True, where="satisfaction_paradox")
    sat, label, _ = score(survey, satisfaction, "satisfaction", table)
    frame, n_unmatched = _outcome_frame(survey, sat, repurchased, table)
    frame = _checked_outcomes(frame, label, n_unmatched, table)
    s = frame["satisfaction"]
    frame["level"] = np.select(
        [s >= very_satisfied, s >= satisfied], ["very satisfied", "satisfied"], "dissatisfied"
    )
    levels = _levels(frame, level)
    defectors = frame["repurchased"] == 0
    n_def = int(defectors.sum())
    sat_def = int((defectors & (s >= satisfied)).sum())
    ratio, ratio_ci, defection_ratio = _ratios(levels, level)
    logit = smf.glm("repurchased ~ satisfaction", data=frame, family=sm.families.Binomial()).fit()
    or_ci = np.exp(logit.conf_int(alpha=1.0 - level).loc["satisfaction"].to_numpy())
    return SatisfactionParadox(
        levels=levels,
        by_score=_by_score(frame, logit, level, label),
        satisfied_defector_share=sat_def / n_def,
        satisfied_defector_ci=_wilson(sat_def, n_def, level),
        very_vs_satisfied_ratio=float(ratio),
        very_vs_satisfied_ci=ratio_ci,
        defection_ratio=float(defection_ratio),
        odds_ratio_per_point=float(np.exp(logit.params["satisfaction"])),
        odds_ratio_ci=(float(or_ci[0]), float(or_ci[1])),
        cutoffs={"satisfied": satisfied, "very_satisfied": very_satisfied, "score": label},
        n=len(frame),
        n_unmatched=n_unmatched,
        logit_=logit,
    )
