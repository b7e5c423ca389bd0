"""Credit limit and payment terms per rating band, from a policy table the user can replace.

limit = min(sales_share x annual revenue, net_worth_share x max(equity, 0)), rounded down to a
multiple of ``round_to``: the lower of a limit sized on the customer's business volume and one
sized on its net worth, the two rules of thumb of trade-credit practice (a share of the
customer's sales or expected purchases; a share of its net worth). The percentages and terms of
:data:`DEFAULT_CREDIT_POLICY` are **crmlab's illustrative defaults**, not a published standard:
pass your firm's policy.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._validate import check_number, require_columns
from .factors import _latest
from .ratios import validate_statements

__all__ = ["POLICY_COLUMNS", "DEFAULT_CREDIT_POLICY", "credit_limits", "limit_summary"]

POLICY_COLUMNS = ("sales_share", "net_worth_share", "terms", "review_months")
DEFAULT_CREDIT_POLICY = pd.DataFrame(
    {
        "sales_share": [0.15, 0.10, 0.06, 0.03, 0.0],
        "net_worth_share": [0.30, 0.20, 0.10, 0.05, 0.0],
        "terms": ["net 60", "net 45", "net 30", "net 15 with a guarantee", "prepayment"],
        "review_months": [12, 12, 6, 3, 3],
    },
    index=pd.Index(["A", "B", "C", "D", "E"], name="band"),
)


def _check_policy(policy: pd.DataFrame | None, bands) -> pd.DataFrame:
    policy = DEFAULT_CREDIT_POLICY if policy is None else policy
    if not isinstance(policy, pd.DataFrame):
        raise TypeError(f"policy must be a DataFrame indexed by band, not {type(policy).__name__}")
    missing = [c for c in POLICY_COLUMNS if c not in policy.columns]
    if missing:
        raise ValueError(f"policy lacks the columns {missing}; needs {list(POLICY_COLUMNS)}")
    absent = sorted(set(map(str, bands)) - set(map(str, policy.index)))
    if absent:
        raise ValueError(f"policy has no row for the bands {absent}; its bands: {list(policy.index)}")
    for col in ("sales_share", "net_worth_share"):
        values = pd.to_numeric(policy[col], errors="coerce")
        if values.isna().any() or (values < 0).any() or (values > 1).any():
            raise ValueError(f"policy.{col} must be shares in [0, 1]; got {policy[col].tolist()}")
    return policy


def credit_limits(
    scores: pd.DataFrame,
    statements: pd.DataFrame,
    policy: pd.DataFrame | None = None,
    fiscal_year: int | None = None,
    round_to: float = 1000.0,
) -> pd.DataFrame:
    """Credit limit and payment terms of every scored account, by its rating band.

    limit_by_sales = sales_share(band) x revenue; limit_by_net_worth = net_worth_share(band) x
    max(equity, 0); credit_limit = min of the two, rounded down to a multiple of ``round_to``
    (currency units of the statements). A negative net worth gives a zero limit.

    Parameters
    ----------
    scores : DataFrame
        Indexed by account_id with a ``band`` column (``CreditScorecard.scores_``).
    statements : DataFrame
        The canonical statements table (revenue and equity of the scored year).
    policy : DataFrame, optional
        Indexed by band: ``sales_share``, ``net_worth_share`` (shares 0..1), ``terms`` (text),
        ``review_months``; default :data:`DEFAULT_CREDIT_POLICY`.
    fiscal_year : int, optional
        The statement year; default each account's latest (as the scorecard's default).
    round_to : float
        Limits are rounded down to a multiple of this (> 0).

    Returns
    -------
    DataFrame
        Indexed by account_id: band, revenue, equity, limit_by_sales, limit_by_net_worth,
        credit_limit, terms, review_months.
    """
    require_columns(scores, ["band"], "scores", caller="credit_limits")
    check_number("round_to", round_to, lo=0, lo_open=True, where="credit_limits")
    bands = scores["band"].dropna().unique()
    pol = _check_policy(policy, bands)
    latest = _latest(validate_statements(statements), fiscal_year)
    out = scores[["band"]].join(latest[["revenue", "equity"]], how="left")
    rows = pol.reindex(out["band"].astype(str).to_numpy())
    sales_share = pd.to_numeric(rows["sales_share"]).to_numpy(dtype=float)
    nw_share = pd.to_numeric(rows["net_worth_share"]).to_numpy(dtype=float)
    out["limit_by_sales"] = sales_share * out["revenue"].to_numpy()
    out["limit_by_net_worth"] = nw_share * np.maximum(out["equity"].to_numpy(), 0)
    limit = np.fmin(out["limit_by_sales"], out["limit_by_net_worth"])
    out["credit_limit"] = np.floor(limit / round_to) * round_to
    out["terms"] = rows["terms"].to_numpy()
    out["review_months"] = rows["review_months"].to_numpy()
    return out


def limit_summary(limits: pd.DataFrame) -> pd.DataFrame:
    """Accounts, terms, total and median credit limit per band.

    Parameters
    ----------
    limits : DataFrame
        The output of :func:`credit_limits`.

    Returns
    -------
    DataFrame
        Indexed by band: ``accounts``, ``terms``, ``total_limit``, ``median_limit``,
        ``limit_to_sales`` (total limit / total revenue).
    """
    require_columns(limits, ["band", "credit_limit", "revenue", "terms"], "limits", caller="limit_summary")
    g = limits.groupby("band", observed=True)
    out = pd.DataFrame(
        {
            "accounts": g.size(),
            "terms": g["terms"].first(),
            "total_limit": g["credit_limit"].sum(),
            "median_limit": g["credit_limit"].median(),
        }
    )
    out["limit_to_sales"] = out["total_limit"] / g["revenue"].sum()
    return out
