"""The economics of retention: Kotler's retention decision, Reichheld & Sasser's simulation, and
Kotler's customer delivered value.

Spend on retention while it costs less than the profit it saves (Kotler & Keller, Marketing
Management); a 5-point rise in retention raises profit per customer 25-85 % where acquisition is
costly and profit grows with tenure (Reichheld & Sasser 1990, "Zero defections", HBR 68(5));
a customer buys the offer with the highest delivered value.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._validate import bad_rows, check_number, data_error, require_columns
from ._checks import horizon_arg
from .discounted import discounted_clv

__all__ = [
    "RetentionDecision",
    "kotler_retention",
    "REICHHELD_PROFILES",
    "reichheld_simulation",
    "customer_delivered_value",
]


@dataclass
class RetentionDecision:
    """Kotler's retention decision: per churn reason and in total.

    ``table``: one row per reason with ``share``, ``preventable``, ``cost_to_fix``,
    ``clv``, ``defectors``, ``lost_profit``, ``preventable_defectors``,
    ``recoverable_profit`` (= the break-even spend for that reason), ``net_gain`` and
    ``fix`` (recoverable profit > cost to fix).
    """

    table: pd.DataFrame
    customers: float
    retention_rate: float

    def summary(self) -> pd.DataFrame:
        """Totals: defectors, lost and recoverable profit, break-even and recommended spend,
        net gain and the retention rate after the recommended fixes.

        Returns
        -------
        pandas.DataFrame
            One row per total.
        """
        t = self.table
        fixed = t["fix"].to_numpy()
        saved = float(t.loc[fixed, "preventable_defectors"].sum())
        rows = {
            "customers": self.customers,
            "retention_rate": self.retention_rate,
            "defectors": float(t["defectors"].sum()),
            "lost_profit": float(t["lost_profit"].sum()),
            "recoverable_profit": float(t["recoverable_profit"].sum()),
            "break_even_spend": float(t["recoverable_profit"].sum()),
            "recommended_spend": float(t.loc[fixed, "cost_to_fix"].sum()),
            "net_gain": float(t.loc[fixed, "net_gain"].sum()),
            "retention_rate_after": (self.retention_rate * self.customers + saved) / self.customers,
        }
        return pd.DataFrame({"value": pd.Series(rows, dtype=np.float64)}).rename_axis("measure")


# valid range of each churn-reason column
_REASON_RANGES = {
    "share": (0.0, 1.0),
    "preventable": (0.0, 1.0),
    "cost_to_fix": (0.0, np.inf),
    "clv": (-np.inf, np.inf),
}


def _reason_table(churn_reasons, clv, where: str) -> pd.DataFrame:
    """The churn reasons with numeric, in-range values whose shares sum to at most 1."""
    table = "churn_reasons"
    require_columns(churn_reasons, ["reason", "share", "preventable", "cost_to_fix"], table, where)
    if len(churn_reasons) == 0:
        raise data_error(table, None, "no reasons", n_bad=0)
    frame = churn_reasons.reset_index(drop=True)
    if "clv" not in frame.columns and clv is None:
        raise ValueError(f"{where}: give clv= (CLV of a lost customer) or a 'clv' column")
    for col in [c for c in _REASON_RANGES if c in frame.columns]:
        vals = pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype=np.float64)
        lo, hi = _REASON_RANGES[col]
        bad = ~np.isfinite(vals) | (vals < lo) | (vals > hi)
        if bad.any():
            raise bad_rows(frame, bad, table, col, f"are missing or outside [{lo}, {hi}]", ["reason", col])
        frame[col] = vals
    if frame["share"].sum() > 1 + 1e-9:
        raise data_error(
            table, "share", f"the shares sum to {frame['share'].sum():.4g} > 1", n_bad=len(frame)
        )
    if "clv" not in frame.columns:
        frame["clv"] = check_number("clv", clv, where=where)
    return frame


def kotler_retention(
    churn_reasons: pd.DataFrame, customers: float, retention_rate: float, clv=None
) -> RetentionDecision:
    """Kotler's four steps: retention rate, churn reasons, lost profit, what to spend.

    ``defectors = customers (1 - retention_rate) share``; ``lost_profit = defectors
    clv`` (the lost customers' CLV); ``recoverable_profit = defectors preventable clv``
    -- the break-even retention spend: fixing a reason pays while it costs less;
    ``net_gain = recoverable_profit - cost_to_fix``; ``fix = net_gain > 0``. Source:
    Kotler & Keller, Marketing Management (ch. "Creating long-term loyalty relationships"):
    "spend on retention while it costs less than the lost profit".

    Parameters
    ----------
    churn_reasons : pd.DataFrame
        Columns ``reason``, ``share`` (of the defectors, summing to at most 1; the rest is
        unexplained), ``preventable`` (fraction of those defections a fix prevents),
        ``cost_to_fix`` (money per period) and optionally ``clv`` (CLV of a customer lost
        for that reason).
    customers : float
        Customers at the start of the period (> 0).
    retention_rate : float
        Share of them retained over the period, in [0, 1].
    clv : float, optional
        CLV of a lost customer, when ``churn_reasons`` has no ``clv`` column.

    Returns
    -------
    RetentionDecision
        ``table`` per reason (index ``reason``) and ``summary()``; money per period.
    """
    where = "kotler_retention"
    n = check_number("customers", customers, lo=0.0, lo_open=True, where=where)
    r = check_number("retention_rate", retention_rate, lo=0.0, hi=1.0, where=where)
    frame = _reason_table(churn_reasons, clv, where)
    out = frame[["reason", "share", "preventable", "cost_to_fix", "clv"]].copy()
    out["defectors"] = n * (1.0 - r) * out["share"]
    out["lost_profit"] = out["defectors"] * out["clv"]
    out["preventable_defectors"] = out["defectors"] * out["preventable"]
    out["recoverable_profit"] = out["preventable_defectors"] * out["clv"]
    out["net_gain"] = out["recoverable_profit"] - out["cost_to_fix"]
    out["fix"] = out["net_gain"] > 0
    return RetentionDecision(table=out.set_index("reason"), customers=n, retention_rate=r)


# Stylised industry profiles (assumptions chosen to show the mechanism, not the data of
# Reichheld & Sasser): yearly profit per customer in its first year, how that profit
# grows with tenure (more purchases, lower cost to serve, referrals, price premium),
# the acquisition cost paid up front, and the retention rate.
REICHHELD_PROFILES = pd.DataFrame(
    {
        "industry": [
            "branch bank deposits",
            "credit card",
            "insurance brokerage",
            "industrial distribution",
            "software",
            "auto service",
            "discount retail",
            "prepaid mobile",
        ],
        "retention": [0.90, 0.90, 0.85, 0.85, 0.80, 0.70, 0.50, 0.40],
        "first_year_profit": [25.0, 30.0, 30.0, 60.0, 50.0, 40.0, 12.0, 15.0],
        "profit_growth": [0.10, 0.10, 0.08, 0.04, 0.05, 0.05, 0.00, 0.00],
        "acquisition_cost": [100.0, 105.0, 70.0, 120.0, 80.0, 45.0, 2.0, 0.0],
    }
).set_index("industry")

_PROFILE_COLUMNS = ["retention", "first_year_profit", "profit_growth", "acquisition_cost"]


def _profile_values(prof, where: str) -> dict[str, np.ndarray]:
    """Each profile column as finite floats; retention in [0, 1], profit growth > -1."""
    table = "profiles"
    require_columns(prof, _PROFILE_COLUMNS, table, where)
    vals = {}
    for col in _PROFILE_COLUMNS:
        v = pd.to_numeric(prof[col], errors="coerce").to_numpy(dtype=np.float64)
        bad = ~np.isfinite(v)
        if col == "retention":
            bad |= (v < 0) | (v > 1)
        if col == "profit_growth":
            bad |= v <= -1
        if bad.any():
            raise bad_rows(prof, bad, table, col, "are invalid")
        vals[col] = v
    return vals


def reichheld_simulation(
    profiles: pd.DataFrame | None = None,
    retention_lift: float = 0.05,
    discount_rate: float = 0.10,
    horizon: int = 20,
) -> pd.DataFrame:
    """Profit per customer (NPV) before and after retention rises by ``retention_lift``.

    ``NPV = -AC + sum_{t=0}^{H-1} p (1 + g)^t r^t / (1 + d)^t`` (begin-of-year timing:
    the first year's profit ``p`` is earned by every acquired customer; ``g`` =
    ``profit_growth``, the growth of profit with tenure). Reichheld & Sasser (1990)
    "Zero defections: quality comes to services", HBR 68(5): cutting defections by 5
    points raised profit per customer 25-85 % across industries -- large where
    acquisition is costly and profit grows with tenure, small where it does not.

    Parameters
    ----------
    profiles : pd.DataFrame, optional
        Indexed by industry, with ``retention``, ``first_year_profit``, ``profit_growth``,
        ``acquisition_cost`` (default: :data:`REICHHELD_PROFILES`, stylised assumptions).
    retention_lift : float
        Rise of the yearly retention rate, in [0, 1].
    discount_rate : float
        Yearly discount rate (> -1).
    horizon : int
        Years summed.

    Returns
    -------
    pd.DataFrame
        Per industry: the inputs, ``retention_lifted``, ``expected_tenure`` (years,
        ``1 / (1 - r)``), ``npv``, ``npv_lifted``, ``npv_increase_pct`` (NaN where the base
        NPV is not positive) and ``in_reichheld_range`` (25 <= increase <= 85 %). Money per
        customer.
    """
    where = "reichheld_simulation"
    lift = check_number("retention_lift", retention_lift, lo=0.0, hi=1.0, where=where)
    d = check_number("discount_rate", discount_rate, lo=-1.0, lo_open=True, where=where)
    H = horizon_arg(horizon, where, allow_none=False)
    prof = REICHHELD_PROFILES if profiles is None else profiles
    vals = _profile_values(prof, where)
    r = vals["retention"]
    lifted = r + lift
    if np.any(lifted > 1):
        i = int(np.flatnonzero(lifted > 1)[0])
        raise ValueError(f"{where}: retention {r[i]} + lift {lift} exceeds 1 for {prof.index[i]!r}")
    t = np.arange(H, dtype=np.float64)
    margins = pd.DataFrame(
        vals["first_year_profit"][:, None] * (1 + vals["profit_growth"][:, None]) ** t, index=prof.index
    )
    ac = pd.Series(vals["acquisition_cost"], index=prof.index)
    npv, npv_up = (
        discounted_clv(margins, pd.Series(rate, index=prof.index), d, acquisition_cost=ac, timing="begin")
        for rate in (r, lifted)
    )
    out = prof[_PROFILE_COLUMNS].astype(np.float64).copy()
    out["retention_lifted"] = lifted
    out["expected_tenure"] = np.divide(1.0, 1.0 - r, out=np.full(len(r), np.inf), where=r < 1)
    out["npv"] = npv.to_numpy()
    out["npv_lifted"] = npv_up.to_numpy()
    base = out["npv"].to_numpy()
    out["npv_increase_pct"] = np.divide(
        100.0 * (out["npv_lifted"].to_numpy() - base), base, out=np.full(len(base), np.nan), where=base > 0
    )
    pct = out["npv_increase_pct"]
    out["in_reichheld_range"] = (pct >= 25) & (pct <= 85)
    return out


_CDV_VALUE = ["product", "service", "personnel", "image"]
_CDV_COST = ["money", "time", "energy", "psychic"]


def customer_delivered_value(offers: pd.DataFrame) -> pd.DataFrame:
    """Customer delivered value = total customer value - total customer cost (Kotler).

    ``total_customer_value = product + service + personnel + image``;
    ``total_customer_cost = money + time + energy + psychic``;
    ``delivered_value = total_customer_value - total_customer_cost``;
    ``value_ratio = total_customer_value / total_customer_cost``. A customer buys from
    the offer with the highest delivered value. Source: Kotler & Keller, Marketing
    Management (customer-perceived value).

    Parameters
    ----------
    offers : pd.DataFrame
        One row per offer (or customer), the eight columns (>= 0) in one unit (money or a
        score).

    Returns
    -------
    pd.DataFrame
        The eight values plus ``total_customer_value``, ``total_customer_cost``,
        ``delivered_value`` and ``value_ratio`` (NaN without cost).
    """
    table = "offers"
    need = _CDV_VALUE + _CDV_COST
    require_columns(offers, need, table, "customer_delivered_value")
    values = offers[need].apply(pd.to_numeric, errors="coerce").astype(np.float64)
    bad = ~np.isfinite(values.to_numpy()) | (values.to_numpy() < 0)
    if bad.any():
        j = int(np.nonzero(bad)[1][0])
        raise bad_rows(offers, bad[:, j], table, need[j], "are missing or negative")
    out = values.copy()
    out["total_customer_value"] = values[_CDV_VALUE].sum(axis=1)
    out["total_customer_cost"] = values[_CDV_COST].sum(axis=1)
    out["delivered_value"] = out["total_customer_value"] - out["total_customer_cost"]
    tcc = out["total_customer_cost"].to_numpy()
    out["value_ratio"] = np.divide(
        out["total_customer_value"].to_numpy(), tcc, out=np.full(len(out), np.nan), where=tcc > 0
    )
    return out
