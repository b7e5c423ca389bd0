"""Customer profitability: revenue, costs and profit per customer, and the whale curve.

Profit per customer = all revenue - all costs, contribution = revenue - direct costs (Kaplan &
Narayanan 2001, "Measuring and managing customer profitability", J. Cost Management 15(5));
customer-level costs from acquisition and relationship maintenance; share of wallet from a
survey's stated outside spend; and the whale curve of cumulative profit by customer rank.
:func:`crmlab.clv.plot_whale_curve` draws it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .._validate import bad_rows, check_number, data_error, require_columns, resolve_observation_end
from ._checks import check_transactions

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "customer_profitability",
    "relationship_costs",
    "share_of_wallet",
    "WhaleCurve",
    "whale_curve",
]

_DAYS_PER_YEAR = 365.25


def customer_profitability(transactions: pd.DataFrame, customer_costs=None) -> pd.DataFrame:
    """Revenue, direct cost, contribution and profit per customer.

    ``contribution = revenue - direct costs`` (the ``cost`` column of the transactions:
    cost of goods and cost to serve each order); ``profit = contribution - customer-level
    costs``. Customers in ``customer_costs`` without a transaction are kept with zero
    revenue: they cost without buying. Source: Kaplan & Narayanan (2001) "Measuring and
    managing customer profitability", J. Cost Management 15(5).

    Parameters
    ----------
    transactions : pd.DataFrame
        ``customer_id``, ``amount``, ``cost`` (and optionally ``order_id``).
    customer_costs : pd.DataFrame or pd.Series, optional
        Serving, marketing or other costs not tied to an order: a DataFrame indexed by
        customer_id, or with a ``customer_id`` column, whose numeric columns are summed
        (e.g. :func:`relationship_costs`), or a Series.

    Returns
    -------
    pd.DataFrame
        Index customer_id; columns ``orders`` (distinct ``order_id`` if present, else rows),
        ``revenue``, ``direct_cost``, ``contribution``, ``contribution_margin``
        (contribution / revenue, NaN without revenue), ``indirect_cost``, ``profit``. Money
        in the unit of ``amount``.
    """
    check_transactions(transactions, ["customer_id", "amount", "cost"], "customer_profitability")
    grouped = transactions.groupby(transactions["customer_id"], sort=True, observed=True)
    orders = grouped["order_id"].nunique() if "order_id" in transactions.columns else grouped.size()
    out = pd.DataFrame(
        {"orders": orders, "revenue": grouped["amount"].sum(), "direct_cost": grouped["cost"].sum()}
    )
    out.index.name = "customer_id"
    indirect = pd.Series(0.0, index=out.index)
    if customer_costs is not None:
        costs = _customer_costs(customer_costs)
        out = out.reindex(out.index.union(costs.index))
        out[["revenue", "direct_cost"]] = out[["revenue", "direct_cost"]].fillna(0.0)
        out["orders"] = out["orders"].fillna(0)
        indirect = costs.reindex(out.index, fill_value=0.0)
    out["orders"] = out["orders"].astype(np.int64)
    out["contribution"] = out["revenue"] - out["direct_cost"]
    revenue = out["revenue"].to_numpy()
    out["contribution_margin"] = np.divide(
        out["contribution"].to_numpy(), revenue, out=np.full(len(out), np.nan), where=revenue != 0
    )
    out["indirect_cost"] = indirect.to_numpy(dtype=np.float64)
    out["profit"] = out["contribution"] - out["indirect_cost"]
    return out


def _customer_costs(costs) -> pd.Series:
    """Customer-level costs summed over their numeric columns, one per customer_id."""
    table = "customer_costs"
    if isinstance(costs, pd.Series):
        frame = costs.to_frame()
    elif isinstance(costs, pd.DataFrame):
        frame = costs.set_index("customer_id") if "customer_id" in costs.columns else costs
    else:
        raise TypeError(
            f"customer_profitability: {table} must be a DataFrame or Series indexed by customer_id, "
            f"not {type(costs).__name__}"
        )
    frame = frame.copy()
    frame.index = frame.index.astype(str)
    dup = frame.index.duplicated(keep=False)
    if dup.any():
        raise bad_rows(frame, dup, table, "customer_id", "repeat a customer id", list(frame.columns))
    numeric = [
        c
        for c in frame.columns
        if pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])
    ]
    if not numeric:
        raise data_error(table, None, f"no numeric cost column; found {list(frame.columns)}")
    values = frame[numeric].to_numpy(dtype=np.float64, na_value=np.nan)
    bad = ~np.isfinite(values)
    if bad.any():
        column = numeric[int(np.nonzero(bad)[1][0])]
        raise bad_rows(frame, bad.any(axis=1), table, column, "have missing or infinite costs", numeric)
    return pd.Series(values.sum(axis=1), index=frame.index, name="indirect_cost")


def _acquisition_costs(customers: pd.DataFrame, acquisition_cost, where: str) -> np.ndarray:
    """One acquisition cost per customer: a number, or a price per acquisition channel."""
    if not isinstance(acquisition_cost, dict):
        cost = check_number("acquisition_cost", acquisition_cost, lo=0.0, where=where)
        return np.full(len(customers), cost)
    channel = customers["acquisition_channel"]
    unpriced = channel.map(acquisition_cost).isna().to_numpy()
    if unpriced.any():
        missing = sorted(map(str, channel[unpriced].unique()))
        raise data_error(
            "customers",
            "acquisition_channel",
            f"{int(unpriced.sum())} customers come from channels without a cost {missing}",
            n_bad=int(unpriced.sum()),
            example=missing[0],
        )
    acq = channel.map(acquisition_cost).to_numpy(dtype=np.float64)
    if np.any(~np.isfinite(acq) | (acq < 0)):
        raise ValueError(f"{where}: acquisition costs must be finite and >= 0")
    return acq


def _relationship_end(customers, start, end, transactions, lapse_days, where: str) -> pd.Series:
    """When each relationship ends: ``lapse_days`` after the last purchase (or the start), capped at end."""
    if transactions is None:
        return pd.Series(end, index=customers.index)
    lapse = check_number("lapse_days", lapse_days, integer=True, where=where)
    if lapse < 0:
        raise ValueError(f"{where}: lapse_days must be >= 0, not {lapse_days}")
    check_transactions(transactions, ["customer_id", "date"], where)
    last = transactions.groupby("customer_id")["date"].max()
    last_or_start = pd.to_datetime(customers["customer_id"].map(last)).fillna(start)
    return (last_or_start + pd.Timedelta(days=lapse)).clip(upper=end)


def relationship_costs(
    customers: pd.DataFrame,
    observation_end,
    maintenance_per_year: float = 0.0,
    acquisition_cost=0.0,
    since: str = "signup_date",
    transactions: pd.DataFrame | None = None,
    lapse_days: int = 365,
) -> pd.DataFrame:
    """Customer-level costs not tied to an order: acquisition and relationship maintenance.

    ``maintenance_cost = maintenance_per_year x years`` from ``since`` to the end of the
    relationship (years of 365.25 days; 0 for later dates). Without ``transactions`` the
    relationship lasts to ``observation_end``; with them it ends ``lapse_days`` after the
    customer's last purchase (or after ``since`` for a customer who never bought), capped at
    ``observation_end``: a firm stops maintaining customers who have left.

    Parameters
    ----------
    customers : pd.DataFrame
        ``customer_id``, the ``since`` date column, and ``acquisition_channel`` when
        ``acquisition_cost`` is a mapping.
    observation_end : date-like
        End of the observation window (normalised to midnight).
    maintenance_per_year : float
        Relationship-maintenance cost per customer and year (>= 0).
    acquisition_cost : float or dict
        A number, or a mapping ``{acquisition_channel: cost}`` (every channel in the table
        must be priced).
    since : str
        The customers' column the relationship starts from (default ``signup_date``).
    transactions : pd.DataFrame, optional
        ``customer_id`` and ``date``: the relationship ends ``lapse_days`` after the last one.
    lapse_days : int
        Days after the last purchase a customer counts as gone (>= 0).

    Returns
    -------
    pd.DataFrame
        Index customer_id; ``acquisition_cost`` and ``maintenance_cost``, ready for
        ``customer_profitability(..., customer_costs=...)``. Money in the unit given.
    """
    table = "customers"
    where = "relationship_costs"
    m = check_number("maintenance_per_year", maintenance_per_year, lo=0.0, where=where)
    need = ["customer_id", since] + (["acquisition_channel"] if isinstance(acquisition_cost, dict) else [])
    require_columns(customers, need, table, where)
    start = pd.to_datetime(customers[since], errors="coerce")
    bad = start.isna().to_numpy()
    if bad.any():
        raise bad_rows(
            customers, bad, table, since, "have a missing or unreadable date", ["customer_id", since]
        )
    end = resolve_observation_end(start, observation_end)
    until = _relationship_end(customers, start, end, transactions, lapse_days, where)
    years = np.maximum((until - start).dt.days.to_numpy(dtype=np.float64), 0.0) / _DAYS_PER_YEAR
    acq = _acquisition_costs(customers, acquisition_cost, where)
    return pd.DataFrame(
        {"acquisition_cost": acq, "maintenance_cost": m * years},
        index=pd.Index(customers["customer_id"].astype(str).to_numpy(), name="customer_id"),
    )


def _outside_spend(survey, where: str) -> tuple[pd.Series, np.ndarray]:
    """The survey's ids (text, unique) and stated yearly outside spend (finite, >= 0)."""
    table = "survey"
    require_columns(survey, ("customer_id", "outside_spend"), table, where)
    outside = pd.to_numeric(survey["outside_spend"], errors="coerce").to_numpy(dtype=np.float64)
    bad = ~np.isfinite(outside) | (outside < 0)
    if bad.any():
        cols = ["customer_id", "outside_spend"]
        raise bad_rows(survey, bad, table, "outside_spend", "are missing or negative", cols)
    ids = survey["customer_id"].astype(str)
    dup = ids.duplicated().to_numpy()
    if dup.any():
        raise bad_rows(survey, dup, table, "customer_id", "repeat a customer id")
    return ids, outside


def share_of_wallet(
    transactions: pd.DataFrame, survey: pd.DataFrame, observation_end=None, min_years: float = 0.25
) -> pd.DataFrame:
    """Share of wallet per surveyed customer: our yearly spend / (ours + spend elsewhere).

    ``annual_spend = revenue / max(years since first purchase, min_years)`` (years of
    365.25 days to ``observation_end``); ``wallet = annual_spend + outside_spend`` (the
    survey's stated yearly spend with other firms in the category); ``share_of_wallet =
    annual_spend / wallet``. Customers surveyed without a purchase have share 0. Source:
    Keiningham, Aksoy, Perkins-Munn & Vavra (2005) "The brand-customer connection",
    Marketing Management 14(4); Du, Kamakura & Mela (2007), J. Marketing 71(2).

    Parameters
    ----------
    transactions : pd.DataFrame
        ``customer_id``, ``date``, ``amount``.
    survey : pd.DataFrame
        ``customer_id`` (one row each) and ``outside_spend`` (>= 0, money per year).
    observation_end : date-like, optional
        End of the window; default the last transaction date (normalised to midnight).
    min_years : float
        Shortest tenure a yearly spend is computed over (> 0).

    Returns
    -------
    pd.DataFrame
        Index customer_id (the survey's); ``annual_spend``, ``outside_spend``, ``wallet``,
        ``share_of_wallet``; money per year.
    """
    where = "share_of_wallet"
    my = check_number("min_years", min_years, lo=0.0, lo_open=True, where=where)
    check_transactions(transactions, ["customer_id", "date", "amount"], where)
    ids, outside = _outside_spend(survey, where)
    end = resolve_observation_end(transactions["date"], observation_end)
    tx = transactions.loc[(transactions["date"].dt.normalize() <= end).to_numpy()]
    g = tx.groupby(tx["customer_id"].astype(str))
    revenue = g["amount"].sum().reindex(ids, fill_value=0.0).to_numpy(dtype=np.float64)
    first = g["date"].min().reindex(ids)
    years = (end - first).dt.days.to_numpy(dtype=np.float64, na_value=np.nan) / _DAYS_PER_YEAR
    years = np.maximum(np.nan_to_num(years, nan=my), my)
    annual = revenue / years
    wallet = annual + outside
    return pd.DataFrame(
        {
            "annual_spend": annual,
            "outside_spend": outside,
            "wallet": wallet,
            "share_of_wallet": np.divide(annual, wallet, out=np.zeros(len(ids)), where=wallet > 0),
        },
        index=pd.Index(ids.to_numpy(), name="customer_id"),
    )


@dataclass
class WhaleCurve:
    """Cumulative profit by customer rank (most profitable first).

    ``curve``: one row per customer in rank order: ``rank``, ``customer_share`` (share of
    customers up to this one), ``profit``, ``cumulative_profit``, ``cumulative_pct``
    (% of total profit; NaN when the total is not positive).
    """

    curve: pd.DataFrame
    column: str = "profit"

    def summary(self) -> pd.DataFrame:
        """Total profit, peak of the curve (value, % of total, share of customers at the
        peak), share and loss of the value-destroying customers (profit < 0).

        Returns
        -------
        pandas.DataFrame
            One column of figures (value), one row per statistic.
        """
        c = self.curve
        profit = c["profit"].to_numpy()
        cum = c["cumulative_profit"].to_numpy()
        total = float(cum[-1])
        k = int(np.argmax(cum))
        peak = float(cum[k])
        losers = profit < 0
        rows = {
            "customers": len(c),
            "total_profit": total,
            "peak_profit": peak,
            "peak_pct_of_total": 100.0 * peak / total if total > 0 else np.nan,
            "customers_at_peak_pct": 100.0 * (k + 1) / len(c),
            "unprofitable_pct": 100.0 * losers.mean(),
            "loss_from_unprofitable": float(profit[losers].sum()),
            "profitable_pct": 100.0 * (profit > 0).mean(),
        }
        return pd.DataFrame({"value": pd.Series(rows, dtype=np.float64)}).rename_axis("measure")

    def plot(self, ax: Axes | None = None, title: str | None = None) -> Axes:
        """:func:`crmlab.clv.plot_whale_curve` of this curve.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Drawn on if given, else on a new figure.
        title : str, optional
            The plot title.

        Returns
        -------
        matplotlib.axes.Axes
            The Axes drawn on.
        """
        from .plots import plot_whale_curve

        return plot_whale_curve(self, ax=ax, title=title)


def _profit_values(profitability, column: str) -> pd.Series:
    """The profit column (or Series) to rank: finite, at least one customer."""
    table = "profitability"
    if isinstance(profitability, pd.Series):
        values = profitability
    else:
        require_columns(profitability, [column], table, "whale_curve")
        values = profitability[column]
    if len(values) == 0:
        raise data_error(table, column, "no customers", n_bad=0)
    bad = ~np.isfinite(values.to_numpy(dtype=np.float64, na_value=np.nan))
    if bad.any():
        raise bad_rows(values.to_frame(name=column), bad, table, column, "are missing or infinite")
    return values


def whale_curve(profitability, column: str = "profit") -> WhaleCurve:
    """Whale curve: cumulative profit, customers ranked from most to least profitable.

    ``cumulative_profit_k = sum of the k largest profits``; the peak over k is where
    the unprofitable customers start to pull the total down. Kaplan & Narayanan
    (2001): the most profitable 20 % often earn 150-300 % of total profit, and the
    least profitable 10-20 % lose 50-200 % of it.

    Parameters
    ----------
    profitability : pd.DataFrame or pd.Series
        The output of :func:`customer_profitability` (or any DataFrame with ``column``, or
        a Series) indexed by customer_id.
    column : str
        The profit column.

    Returns
    -------
    WhaleCurve
        ``curve`` (ranked customers; ties keep the input order) and ``summary()``; money in
        the unit of the profits.
    """
    values = _profit_values(profitability, column)
    arr = values.to_numpy(dtype=np.float64)
    order = np.argsort(-arr, kind="stable")
    prof = arr[order]
    cum = np.cumsum(prof)
    total = cum[-1]
    n = len(prof)
    curve = pd.DataFrame(
        {
            "rank": np.arange(1, n + 1),
            "customer_share": np.arange(1, n + 1) / n,
            "profit": prof,
            "cumulative_profit": cum,
            "cumulative_pct": 100.0 * cum / total if total > 0 else np.full(n, np.nan),
        },
        index=pd.Index(values.index.to_numpy()[order], name="customer_id"),
    )
    return WhaleCurve(curve=curve, column=column)
