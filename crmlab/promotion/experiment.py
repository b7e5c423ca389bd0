"""What a campaign really adds: treated against a randomised control group, the naive
attribution it is often confused with, and difference-in-differences without a control group.

**Against a control group** (a randomised holdout of the targeted customers): the effect on the
response rate is ``p_T - p_C`` with Newcombe's hybrid score interval, the effect on revenue per
customer ``mean_T - mean_C`` with Welch's interval (:mod:`crmlab.promotion._stats`). Multiplied
by the number of treated customers they give the incremental responders and revenue the
campaign caused among those it contacted (the average treatment effect on the treated, which a
random holdout estimates without bias; Gerber & Green 2012, ch. 3).

**Naive attribution**: every treated responder x the average revenue of a treated responder,
i.e. all the revenue of the responders, as if none of them would have bought without the
campaign.

**Difference-in-differences** (Card & Krueger 1994; Angrist & Pischke 2009, ch. 5) where no
one was held out: with each customer's outcome before (``pre``) and after (``post``),
``DiD = mean_T(post - pre) - mean_U(post - pre)`` over treated ``T`` and untreated ``U``,
with Welch's interval of that difference of mean changes. It is unbiased when the two groups
would have changed alike without the campaign (parallel trends).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats

from .._validate import bad_rows, check_number, data_error, require_columns
from ._stats import newcombe_interval, welch_interval

__all__ = ["campaign_effect", "naive_attribution", "diff_in_diff", "campaign_diff_in_diff"]

CAMPAIGN_COLUMNS = ["customer_id", "targeted", "control", "responded", "revenue"]


def _arms(campaign: pd.DataFrame, caller: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The treated (targeted, not held out) and control (held out) rows."""
    require_columns(campaign, CAMPAIGN_COLUMNS, "campaign", caller=caller)
    odd = campaign["control"].astype(bool) & ~campaign["targeted"].astype(bool)
    if odd.any():
        raise bad_rows(campaign, odd, "campaign", "control", "are in the control group but not targeted")
    treated = campaign[campaign["targeted"].astype(bool) & ~campaign["control"].astype(bool)]
    control = campaign[campaign["control"].astype(bool)]
    if len(treated) < 2 or len(control) < 2:
        raise data_error(
            "campaign",
            "control",
            f"needs at least 2 treated and 2 control customers, has {len(treated)} / {len(control)}",
        )
    return treated, control


def campaign_effect(
    campaign: pd.DataFrame,
    confidence: float = 0.95,
    cost_per_contact: float = 0.0,
    margin_rate: float | None = None,
) -> pd.DataFrame:
    """Incremental response and revenue of a campaign against its randomised control group.

    Parameters
    ----------
    campaign : DataFrame
        One row per customer: ``targeted``, ``control`` (held out at random among the targeted),
        ``responded`` (bought in the window), ``revenue`` (in the window).
    confidence : float
        Level of the intervals.
    cost_per_contact : float
        Cost of contacting one customer (for the campaign's net effect).
    margin_rate : float, optional
        Margin per unit of revenue; with it the table adds the incremental margin and the ROI
        ``(margin_rate x incremental revenue - contact cost) / contact cost``.

    Returns
    -------
    DataFrame
        Rows ``response_rate`` and ``revenue_per_customer`` (and ``margin`` when
        ``margin_rate``): ``treated``, ``control``, ``difference`` with ``low`` / ``high`` (per
        customer), ``p_value``, and ``incremental`` / ``incremental_low`` / ``incremental_high``
        (times the number of treated customers). ``attrs``: ``n_treated``, ``n_control``,
        ``contact_cost``, ``roi`` (with ``roi_low`` / ``roi_high``) when a margin is given.
    """
    check_number("confidence", confidence, lo=0, hi=1, lo_open=True, hi_open=True, where="campaign_effect")
    check_number("cost_per_contact", cost_per_contact, lo=0, where="campaign_effect")
    treated, control = _arms(campaign, "campaign_effect")
    n_t, n_c = len(treated), len(control)
    x_t, x_c = int(treated["responded"].sum()), int(control["responded"].sum())
    lo, hi = newcombe_interval(x_t, n_t, x_c, n_c, confidence)
    z = (x_t / n_t - x_c / n_c) / np.sqrt(
        (x_t + x_c) / (n_t + n_c) * (1 - (x_t + x_c) / (n_t + n_c)) * (1 / n_t + 1 / n_c)
    )
    rows = {
        "response_rate": (
            x_t / n_t,
            x_c / n_c,
            x_t / n_t - x_c / n_c,
            lo,
            hi,
            float(2 * stats.norm.sf(abs(z))),
        ),
    }
    d, rlo, rhi, p = welch_interval(treated["revenue"], control["revenue"], confidence)
    rows["revenue_per_customer"] = (treated["revenue"].mean(), control["revenue"].mean(), d, rlo, rhi, p)
    if margin_rate is not None:
        m = check_number("margin_rate", margin_rate, lo=0, hi=1, where="campaign_effect")
        rows["margin"] = tuple(v * m for v in rows["revenue_per_customer"][:5]) + (p,)
    out = pd.DataFrame.from_dict(
        rows, orient="index", columns=["treated", "control", "difference", "low", "high", "p_value"]
    )
    for col in ("difference", "low", "high"):
        out["incremental" if col == "difference" else f"incremental_{col}"] = out[col] * n_t
    contact_cost = cost_per_contact * n_t
    out.attrs.update(
        {"n_treated": n_t, "n_control": n_c, "contact_cost": contact_cost, "confidence": confidence}
    )
    if margin_rate is not None and contact_cost > 0:
        for key, col in (
            ("roi", "incremental"),
            ("roi_low", "incremental_low"),
            ("roi_high", "incremental_high"),
        ):
            out.attrs[key] = (out.loc["margin", col] - contact_cost) / contact_cost
    return out


def naive_attribution(campaign: pd.DataFrame) -> dict:
    """The naive "responders x average order" estimate of a campaign's revenue.

    Parameters
    ----------
    campaign : DataFrame
        As for :func:`campaign_effect`.

    Returns
    -------
    dict
        ``responders`` (treated customers who bought), ``average_revenue`` (per treated
        responder) and ``revenue`` = their product (all revenue of the treated responders).
    """
    treated, _ = _arms(campaign, "naive_attribution")
    resp = treated[treated["responded"].astype(bool)]
    avg = float(resp["revenue"].mean()) if len(resp) else 0.0
    return {"responders": len(resp), "average_revenue": avg, "revenue": len(resp) * avg}


def diff_in_diff(pre: ArrayLike, post: ArrayLike, treated: ArrayLike, confidence: float = 0.95) -> pd.Series:
    """Difference-in-differences of a per-unit outcome observed before and after.

    Parameters
    ----------
    pre, post : array-like
        Each unit's outcome before and after (e.g. bought in the 28 days before / after).
    treated : array-like of bool
        Whether the unit was treated.
    confidence : float
        Level of the Welch interval.

    Returns
    -------
    Series
        ``treated_change``, ``untreated_change``, ``did``, ``low``, ``high``, ``p_value``,
        ``n_treated``, ``n_untreated``.
    """
    pre, post = np.asarray(pre, float), np.asarray(post, float)
    treated = np.asarray(treated, bool)
    if not (len(pre) == len(post) == len(treated)):
        raise ValueError("diff_in_diff: pre, post and treated must have the same length")
    if treated.sum() < 2 or (~treated).sum() < 2:
        raise ValueError("diff_in_diff: needs at least 2 treated and 2 untreated units")
    change = post - pre
    d, lo, hi, p = welch_interval(change[treated], change[~treated], confidence)
    return pd.Series(
        {
            "treated_change": change[treated].mean(),
            "untreated_change": change[~treated].mean(),
            "did": d,
            "low": lo,
            "high": hi,
            "p_value": p,
            "n_treated": int(treated.sum()),
            "n_untreated": int((~treated).sum()),
        }
    )


def campaign_diff_in_diff(
    campaign: pd.DataFrame,
    transactions: pd.DataFrame,
    campaign_date,
    window_days: int,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """DiD of a campaign as if it had no control group: contacted vs not targeted.

    The "before" outcome is each customer's purchase (and revenue) in the ``window_days`` up to
    the day before ``campaign_date``, from the transactions; the "after" outcome is the
    campaign's ``responded`` / ``revenue``. The held-out control group is left out, so the
    comparison group is the customers who were not targeted.

    Parameters
    ----------
    campaign : DataFrame
        As for :func:`campaign_effect`, with non-targeted customers.
    transactions : DataFrame
        ``customer_id``, ``date``, ``amount``.
    campaign_date : date-like
        First day of the campaign window.
    window_days : int
        Length of the before and after windows.
    confidence : float
        Level of the intervals.

    Returns
    -------
    DataFrame
        Rows ``response_rate`` and ``revenue_per_customer``, columns as :func:`diff_in_diff`.
    """
    require_columns(campaign, CAMPAIGN_COLUMNS, "campaign", caller="campaign_diff_in_diff")
    require_columns(transactions, ["customer_id", "date", "amount"], caller="campaign_diff_in_diff")
    window_days = check_number("window_days", window_days, lo=1, integer=True, where="campaign_diff_in_diff")
    start = pd.Timestamp(campaign_date).normalize()
    keep = campaign[~campaign["control"].astype(bool)]
    dates = pd.to_datetime(transactions["date"])
    before = transactions[(dates >= start - pd.Timedelta(days=window_days)) & (dates < start)]
    spend = (
        before.groupby("customer_id", observed=True)["amount"]
        .sum()
        .reindex(keep["customer_id"], fill_value=0.0)
    )
    treated = keep["targeted"].astype(bool).to_numpy()
    rows = {
        "response_rate": diff_in_diff(
            (spend > 0).to_numpy(), keep["responded"].astype(float), treated, confidence
        ),
        "revenue_per_customer": diff_in_diff(spend.to_numpy(), keep["revenue"], treated, confidence),
    }
    return pd.DataFrame(rows).T
