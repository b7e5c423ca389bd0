"""Response to promotions: rate, revenue, cost and ROI by promotion, type and medium; and how
many promoted purchases a promotion actually added.

**Response.** A promotion running from ``start`` to ``end`` reaches the *active base*: customers
whose last purchase before ``start`` lies within ``active_days`` (the data do not say who was
contacted; this is the usual proxy). Its responders are the active customers with an order
carrying its ``promotion_id``; response rate = responders / active base, with a Wilson interval
(:mod:`crmlab.promotion._stats`). Revenue and margin sum every order carrying the promotion
(``margin = amount - cost`` where the transactions have costs, else revenue), and

    ROI = (attributed margin - promotion cost) / promotion cost,

with a seeded Poisson-bootstrap percentile interval over customers. This ROI is *gross*: it
credits the promotion with every order that used it, including those the customer would have
placed anyway; :func:`promotion_incrementality` and a control group
(:func:`crmlab.promotion.campaign_effect`) give the incremental view.

**Promotion-driven vs organic.** Repeat orders in a promotion window are compared with the
baseline daily rate of repeat orders on the ``baseline_days`` before its start and after its end
(days in other promotion windows left out; before and after, so that a trend cancels):
incremental = observed - rate x window days, with a normal interval from the Poisson variances
of both counts, ``SE = sqrt(observed + D² n_base / d_base²)``. On a day when several promotions
run, each gets the share of the day's orders (and baseline) that carried it, so overlapping
promotions do not count the same orders twice (the sums above become weighted sums). The rest
of the promoted orders are organic purchases that took the discount (subsidised).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._validate import check_choice, check_number, require_columns
from ._stats import poisson_bootstrap, wilson_interval, z_value

__all__ = ["promotion_response", "promotion_incrementality"]


def _active_base(tx: pd.DataFrame, promotions: pd.DataFrame, active_days: int) -> pd.Series:
    """Customers in each promotion's active base (Series of sets, index promotion_id)."""
    order = tx.sort_values("date")
    dates, cust = order["date"].to_numpy(), order["customer_id"].to_numpy()
    bases = {}
    for pid, start in zip(promotions["promotion_id"], promotions["start"]):
        lo, hi = np.searchsorted(
            dates, [np.datetime64(start - pd.Timedelta(days=active_days)), np.datetime64(start)]
        )
        bases[pid] = set(cust[lo:hi])
    return pd.Series(bases)


def _value(tx: pd.DataFrame) -> tuple[pd.Series, str]:
    if "cost" in tx.columns and tx["cost"].notna().all():
        return tx["amount"] - tx["cost"], "margin"
    return tx["amount"], "revenue"


def _pairs(tx: pd.DataFrame, promotions: pd.DataFrame, active_days: int) -> tuple[pd.DataFrame, str]:
    """One row per (promotion, customer who used it): revenue, value, in the active base."""
    value, basis = _value(tx)
    used = tx.loc[tx["promotion_id"].notna()].assign(value=value)
    used = used[used["promotion_id"].isin(promotions["promotion_id"])]
    pairs = used.groupby(["promotion_id", "customer_id"], as_index=False, observed=True)[
        ["amount", "value"]
    ].sum()
    base = _active_base(tx, promotions, active_days)
    pairs["active"] = [c in base[p] for p, c in zip(pairs["promotion_id"], pairs["customer_id"])]
    sizes = base.map(len).rename("active_base")
    return pairs, basis, sizes


def promotion_response(
    transactions: pd.DataFrame,
    promotions: pd.DataFrame,
    by: str = "promotion",
    active_days: int = 365,
    confidence: float = 0.95,
    n_boot: int = 1000,
    seed: int = 0,
) -> pd.DataFrame:
    """Response rate, revenue, cost and ROI with intervals, per promotion, type or medium.

    Parameters
    ----------
    transactions : DataFrame
        ``customer_id``, ``date``, ``amount``, ``promotion_id`` (missing = no promotion); ``cost``
        optional (then ROI is on margin).
    promotions : DataFrame
        ``promotion_id``, ``start``; ``cost`` for ROI, ``type`` / ``medium`` for ``by``.
    by : str
        ``"promotion"``, ``"type"`` or ``"medium"``: groups are pooled (active bases add up as
        customer-promotion pairs, costs and revenues add up).
    active_days : int
        Window before a promotion's start that defines its active base.
    confidence : float
        Level of the Wilson (rate) and bootstrap (ROI) intervals.
    n_boot : int
        Poisson-bootstrap resamples for the ROI interval.
    seed : int
        Seed of the bootstrap.

    Returns
    -------
    DataFrame
        Per group: ``promotions``, ``active_base``, ``responders``, ``response_rate``,
        ``rate_low``, ``rate_high``, ``revenue``, ``value`` (margin or revenue, see
        ``attrs["roi_basis"]``), ``cost``, ``roi``, ``roi_low``, ``roi_high``, ``revenue_per_contact``.
    """
    require_columns(
        transactions, ["customer_id", "date", "amount", "promotion_id"], caller="promotion_response"
    )
    require_columns(promotions, ["promotion_id", "start"], "promotions", caller="promotion_response")
    check_choice("by", by, ("promotion", "type", "medium"), where="promotion_response")
    active_days = check_number("active_days", active_days, lo=1, integer=True, where="promotion_response")
    n_boot = check_number("n_boot", n_boot, lo=10, integer=True, where="promotion_response")
    check_number("confidence", confidence, lo=0, hi=1, lo_open=True, hi_open=True, where="promotion_response")
    promos = promotions.assign(start=pd.to_datetime(promotions["start"]))
    if "cost" not in promos.columns:
        promos = promos.assign(cost=np.nan)
    key = "promotion_id" if by == "promotion" else by
    require_columns(promos, [key], "promotions", caller="promotion_response")
    pairs, basis, sizes = _pairs(transactions, promos, active_days)
    group_of = dict(zip(promos["promotion_id"], promos[key]))
    pairs["group"] = pairs["promotion_id"].map(group_of)
    rows = []
    for i, (group, part) in enumerate(promos.groupby(key, sort=True)):
        used = pairs[pairs["group"] == group]
        base, cost = int(sizes.reindex(part["promotion_id"]).sum()), float(part["cost"].sum(min_count=1))
        responders = int(used["active"].sum())
        low, high = poisson_bootstrap(used["value"].to_numpy(), n_boot, [seed, i], confidence)
        rows.append(
            {
                by: group,
                "promotions": len(part),
                "active_base": base,
                "responders": responders,
                "revenue": used["amount"].sum(),
                "value": used["value"].sum(),
                "cost": cost,
                "roi": (used["value"].sum() - cost) / cost,
                "roi_low": (low - cost) / cost,
                "roi_high": (high - cost) / cost,
            }
        )
    out = pd.DataFrame(rows).set_index(by)
    out["response_rate"] = out["responders"] / out["active_base"]
    out["rate_low"], out["rate_high"] = wilson_interval(out["responders"], out["active_base"], confidence)
    out["revenue_per_contact"] = out["revenue"] / out["active_base"]
    order = ["promotions", "active_base", "responders", "response_rate", "rate_low", "rate_high"]
    out = out[order + ["revenue", "value", "cost", "roi", "roi_low", "roi_high", "revenue_per_contact"]]
    out.attrs.update({"roi_basis": basis, "confidence": confidence, "active_days": active_days})
    return out


def _window_days(promotions: pd.DataFrame, first, last) -> np.ndarray:
    """Boolean day grid (first..last): inside any promotion window."""
    days = pd.date_range(first, last, freq="D")
    inside = np.zeros(len(days), dtype=bool)
    for s, e in zip(promotions["start"], promotions["end"]):
        inside |= (days >= s) & (days <= e)
    return days, inside


def _day_shares(transactions: pd.DataFrame, day: pd.Series, promos: pd.DataFrame, days) -> np.ndarray:
    """Days x promotions: each running promotion's share of a day's orders (by the orders
    carrying it that day; equal shares on a day where none carries any; 0 outside its window)."""
    running = np.column_stack([(days >= s) & (days <= e) for s, e in zip(promos["start"], promos["end"])])
    coded = pd.crosstab(day, transactions["promotion_id"]).reindex(
        index=days, columns=promos["promotion_id"], fill_value=0
    )
    weight = np.where(running, coded.to_numpy(dtype=float), 0.0)
    none = weight.sum(axis=1) == 0
    weight[none] = running[none]
    total = weight.sum(axis=1, keepdims=True)
    return np.divide(weight, total, out=np.zeros_like(weight), where=total > 0)


def promotion_incrementality(
    transactions: pd.DataFrame,
    promotions: pd.DataFrame,
    baseline_days: int = 28,
    confidence: float = 0.95,
    repeat_only: bool = True,
    sides: str = "both",
) -> pd.DataFrame:
    """Orders a promotion added over the baseline, against the orders that used it.

    Parameters
    ----------
    transactions : DataFrame
        ``date`` and ``promotion_id``.
    promotions : DataFrame
        ``promotion_id``, ``start``, ``end``.
    baseline_days : int
        Days before each start whose (promotion-free) daily order rate is the baseline.
    confidence : float
        Level of the normal interval of the incremental orders.
    repeat_only : bool
        Count repeat orders only (default): a promotion to the customer base moves repeat
        purchases, while first purchases follow acquisition, whose peaks (e.g. the year end)
        would otherwise pass for promotion effects. Needs ``customer_id``.
    sides : str
        ``"both"`` (default): the baseline days lie before the start and after the end, so a
        linear trend in the order rate (a growing customer base) cancels; ``"before"``: only
        before the start (use it when a promotion pulls purchases forward, which depresses the
        days after it).

    Returns
    -------
    DataFrame
        Per promotion: ``window_days``, ``orders`` (orders in the window; repeat orders only by
        default), ``baseline`` (expected
        without the promotion), ``incremental`` with ``incremental_low`` / ``incremental_high``,
        ``promoted_orders`` (orders carrying it), ``subsidised`` = promoted - incremental (organic
        purchases that took the discount) and ``incremental_share`` = incremental / promoted.
        Promotions with no promotion-free baseline day are left out.
    """
    require_columns(transactions, ["date", "promotion_id"], caller="promotion_incrementality")
    require_columns(
        promotions, ["promotion_id", "start", "end"], "promotions", caller="promotion_incrementality"
    )
    baseline_days = check_number(
        "baseline_days", baseline_days, lo=1, integer=True, where="promotion_incrementality"
    )
    check_choice("sides", sides, ("both", "before"), where="promotion_incrementality")
    promos = promotions.assign(
        start=pd.to_datetime(promotions["start"]), end=pd.to_datetime(promotions["end"])
    )
    day = pd.to_datetime(transactions["date"]).dt.normalize()
    first_day, last_day = day.min(), day.max()
    if repeat_only:
        require_columns(transactions, ["customer_id"], caller="promotion_incrementality")
        first = day.groupby(transactions["customer_id"], observed=True).transform("min")
        repeat = (day > first).to_numpy()
        transactions, day = transactions[repeat], day[repeat]
    days, inside = _window_days(promos, first_day, last_day)
    per_day = day.value_counts().reindex(days, fill_value=0).to_numpy()
    share = _day_shares(transactions, day, promos, days)
    promoted = transactions["promotion_id"].value_counts()
    z, rows = z_value(confidence), []
    for j, p in enumerate(promos.itertuples()):
        in_window = (days >= p.start) & (days <= p.end)
        base = (days >= p.start - pd.Timedelta(days=baseline_days)) & (days < p.start)
        if sides == "both":
            base |= (days > p.end) & (days <= p.end + pd.Timedelta(days=baseline_days))
        base &= ~inside
        if not base.any() or not in_window.any():
            continue
        n_base, d_base, w = per_day[base].sum(), base.sum(), share[in_window, j]
        rate = n_base / d_base
        observed, expected = float(w @ per_day[in_window]), rate * w.sum()
        se = np.sqrt(w**2 @ per_day[in_window] + w.sum() ** 2 * n_base / d_base**2)
        rows.append(
            {
                "promotion_id": p.promotion_id,
                "window_days": int(in_window.sum()),
                "orders": observed,
                "baseline": expected,
                "incremental": observed - expected,
                "incremental_low": observed - expected - z * se,
                "incremental_high": observed - expected + z * se,
                "promoted_orders": int(promoted.get(p.promotion_id, 0)),
            }
        )
    out = pd.DataFrame(rows).set_index("promotion_id")
    out["subsidised"] = out["promoted_orders"] - out["incremental"]
    out["incremental_share"] = out["incremental"] / out["promoted_orders"].where(out["promoted_orders"] > 0)
    return out
