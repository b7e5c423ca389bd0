"""Descriptive profile of a transactions log: the first look at any CRM data set.

Acquisition over time, purchases per customer, spend and its concentration,
inter-purchase times and breakdowns by demographic or regional attributes.
All functions take canonical tables (``crmlab.data``) and never modify them. The transactions
may also be a lazy table (a Parquet / CSV path or glob, an Ibis table on DuckDB or PostgreSQL,
a PySpark DataFrame): the table is then grouped in that engine (:mod:`crmlab.engine`) and only
the result comes back (one row per period or purchase count; one per customer for the spend).
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import seaborn as sns

from ._style import PALETTE, get_ax, get_axes
from ._validate import is_lazy

__all__ = [
    "acquisitions",
    "monthly_activity",
    "purchases_per_customer",
    "customer_spend",
    "spend_concentration",
    "interpurchase_times",
    "breakdown",
    "BREAKDOWN_COLUMNS",
    "plot_acquisitions",
    "plot_purchases_per_customer",
    "plot_spend",
    "plot_interpurchase_times",
    "plot_breakdowns",
]

BREAKDOWN_COLUMNS = ["age_band", "gender", "income_band", "region", "city_tier", "acquisition_channel"]


def _purchase_days(transactions: pd.DataFrame) -> SimpleNamespace:
    """Distinct (customer, purchase day) pairs, customers in sorted order, with numpy only.

    The customer ids are encoded as :func:`crmlab.rfm.rfm_summary` encodes them (pyarrow's
    dictionary encoding, or neighbour comparisons on sorted rows), recoded to the ids' sorted
    order, and the pairs found by one sort of packed keys (:func:`crmlab.rfm._purchase_days`).

    Returns ``ids`` (sorted customer ids), ``codes`` (each row's position in ``ids``),
    ``pair_customer`` / ``pair_day`` (the distinct pairs, sorted by customer then day; days since
    1970-01-01) and ``amounts`` (float per row).
    """
    from . import rfm

    codes, uniques = rfm._customer_codes(transactions)
    days = rfm._day_numbers(transactions)
    order = uniques.argsort()
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    codes = rank[codes]
    day0 = int(days.min())
    pair_customer, pair_day = rfm._purchase_days(codes, days - day0, len(order), int(days.max()) - day0 + 1)
    return SimpleNamespace(
        ids=uniques[order],
        codes=codes,
        pair_customer=pair_customer.astype(np.int64),
        pair_day=pair_day.astype(np.int64) + day0,
        amounts=transactions["amount"].to_numpy(dtype=np.float64, na_value=np.nan),
    )


def acquisitions(
    transactions: pd.DataFrame, customers: pd.DataFrame | None = None, freq: str = "MS"
) -> pd.DataFrame:
    """New customers per period, by first purchase (and by sign-up when ``customers`` has it).

    Parameters
    ----------
    transactions : pandas.DataFrame or a lazy table
        customer_id, date, amount of every order; a path, an Ibis table or a PySpark
        DataFrame is computed in its engine (:mod:`crmlab.engine`).
    customers : pandas.DataFrame, optional
        customer_id and signup_date (sign-ups per period where present).
    freq : str
        Period of the counts: "MS" (months, default), "QS", "YS", ... (its first letter is used).

    Returns
    -------
    pandas.DataFrame
        Indexed by period start: ``first_purchases`` and, if known, ``signups``, and the
        cumulative ``customers`` (by first purchase).
    """
    if is_lazy(transactions):
        from . import engine

        return engine.acquisitions(transactions, customers, freq)
    first = transactions.groupby("customer_id", observed=True)["date"].min()
    return _acquisition_table(first.value_counts(), customers, freq)


def _acquisition_table(first_purchases: pd.Series, customers: pd.DataFrame | None, freq: str) -> pd.DataFrame:
    """The acquisitions table from the number of customers per first-purchase date."""
    periods = first_purchases.index.to_period(freq[0]).start_time
    out = first_purchases.groupby(periods).sum().sort_index().rename("first_purchases").to_frame()
    if customers is not None and "signup_date" in customers.columns:
        signups = customers["signup_date"].dropna().dt.to_period(freq[0]).dt.start_time.value_counts()
        out = out.join(signups.rename("signups"), how="outer").fillna(0).astype(int)
    full = pd.date_range(out.index.min(), out.index.max(), freq=freq)
    out = out.reindex(full, fill_value=0)
    out.index.name = "period"
    out["customers"] = out["first_purchases"].cumsum()
    return out


def monthly_activity(transactions: pd.DataFrame) -> pd.DataFrame:
    """Revenue, orders and active (purchasing) customers per calendar month.

    Parameters
    ----------
    transactions : pandas.DataFrame or a lazy table
        customer_id, date, amount of every order; a path, an Ibis table or a PySpark
        DataFrame is computed in its engine (:mod:`crmlab.engine`).

    Returns
    -------
    pandas.DataFrame
        Indexed by month start: revenue, orders, active_customers, revenue_per_active_customer.
    """
    if is_lazy(transactions):
        from . import engine

        return engine.monthly_activity(transactions)
    month = transactions["date"].dt.to_period("M").dt.start_time
    g = transactions.assign(month=month).groupby("month", observed=True)
    out = pd.DataFrame(
        {"revenue": g["amount"].sum(), "orders": g.size(), "active_customers": g["customer_id"].nunique()}
    )
    out["revenue_per_active_customer"] = out["revenue"] / out["active_customers"]
    return out


def purchases_per_customer(transactions: pd.DataFrame, cap: int = 10) -> pd.DataFrame:
    """How many customers made 1, 2, ... purchases (purchase days), the last row is ``cap``+.

    Parameters
    ----------
    transactions : pandas.DataFrame or a lazy table
        customer_id, date, amount of every order; a path, an Ibis table or a PySpark
        DataFrame is computed in its engine (:mod:`crmlab.engine`).
    cap : int
        The last row counts customers with ``cap`` or more purchase days.

    Returns
    -------
    pandas.DataFrame
        Indexed "1", "2", ..., "cap+": ``customers`` and their ``share``.
    """
    if is_lazy(transactions):
        from . import engine

        return engine.purchases_per_customer(transactions, cap)
    pairs = _purchase_days(transactions)
    per = np.bincount(pairs.pair_customer, minlength=len(pairs.ids))
    return _purchase_count_table(pd.Series(np.minimum(per, cap)).value_counts(), cap)


def _purchase_count_table(customers_by_count: pd.Series, cap: int) -> pd.DataFrame:
    """The purchases-per-customer table from the customers per (capped) number of purchase days."""
    counts = customers_by_count.reindex(range(1, cap + 1), fill_value=0).astype("int64")
    counts.index = [str(k) for k in range(1, cap)] + [f"{cap}+"]
    out = pd.DataFrame({"customers": counts, "share": counts / counts.sum()})
    out.index.name = "purchases"
    return out


def customer_spend(transactions: pd.DataFrame) -> pd.DataFrame:
    """Per customer: purchases (days), orders (rows), total spend and mean spend per purchase.

    Parameters
    ----------
    transactions : pandas.DataFrame or a lazy table
        customer_id, date, amount of every order; a path, an Ibis table or a PySpark
        DataFrame is computed in its engine (:mod:`crmlab.engine`).

    Returns
    -------
    pandas.DataFrame
        Indexed by customer_id: purchases, orders, total_spend, spend_per_purchase.
    """
    if is_lazy(transactions):
        from . import engine

        return engine.customer_spend(transactions)
    pairs = _purchase_days(transactions)
    n = len(pairs.ids)
    amounts = np.nan_to_num(pairs.amounts, nan=0.0)  # a missing amount adds nothing, as in a groupby sum
    out = pd.DataFrame(
        {
            "purchases": np.bincount(pairs.pair_customer, minlength=n),
            "orders": np.bincount(pairs.codes, minlength=n),
            "total_spend": np.bincount(pairs.codes, weights=amounts, minlength=n),
        },
        index=pairs.ids.rename("customer_id"),
    )
    out["spend_per_purchase"] = out["total_spend"] / out["purchases"]
    return out


def spend_concentration(transactions: pd.DataFrame, shares=(0.01, 0.05, 0.10, 0.20, 0.50)) -> pd.DataFrame:
    """Share of revenue from the top x % of customers (the "80/20" check) and the Gini coefficient.

    Gini = 1 - 2 * area under the Lorenz curve of customer spend (trapezoid rule).

    Parameters
    ----------
    transactions : pandas.DataFrame or a lazy table
        customer_id, date, amount of every order; a path, an Ibis table or a PySpark
        DataFrame is computed in its engine (:mod:`crmlab.engine`).
    shares : sequence of float
        The top shares of customers reported (0.2: the top 20 %).

    Returns
    -------
    pandas.DataFrame
        One row per share: top_customers, customers, revenue_share; ``attrs["gini"]``.
    """
    spend = np.sort(customer_spend(transactions)["total_spend"].to_numpy())[::-1]
    total = spend.sum()
    n = len(spend)
    rows = [
        {
            "top_customers": f"{s:.0%}",
            "customers": max(1, int(np.ceil(s * n))),
            "revenue_share": spend[: max(1, int(np.ceil(s * n)))].sum() / total,
        }
        for s in shares
    ]
    lorenz = np.r_[0.0, np.cumsum(spend[::-1]) / total]
    gini = 1.0 - 2.0 * np.trapezoid(lorenz, dx=1.0 / n)
    out = pd.DataFrame(rows).set_index("top_customers")
    out.attrs["gini"] = float(gini)
    return out


def interpurchase_times(transactions: pd.DataFrame) -> pd.Series:
    """Days between consecutive purchase days of the same customer (repeat purchases only).

    Parameters
    ----------
    transactions : pandas.DataFrame or a lazy table
        customer_id, date, amount of every order; a path, an Ibis table or a PySpark
        DataFrame is computed in its engine (:mod:`crmlab.engine`).

    Returns
    -------
    pandas.Series
        ``days_between_purchases``, one value per repeat purchase day.
    """
    if is_lazy(transactions):
        from . import engine

        return engine.interpurchase_times(transactions)
    pairs = _purchase_days(transactions)
    same = pairs.pair_customer[1:] == pairs.pair_customer[:-1]
    gaps = np.diff(pairs.pair_day)[same]
    return pd.Series(gaps, name="days_between_purchases", dtype="int64")


def breakdown(customers: pd.DataFrame, transactions: pd.DataFrame, by: str) -> pd.DataFrame:
    """Customers, buyers, revenue and revenue per buyer for each level of a customer attribute.

    Parameters
    ----------
    customers : pandas.DataFrame
        customer_id and the attribute ``by``.
    transactions : pandas.DataFrame or a lazy table
        customer_id, date, amount of every order; a path, an Ibis table or a PySpark
        DataFrame is computed in its engine (:mod:`crmlab.engine`).
    by : str
        The customer attribute (e.g. "region", "age_band").

    Returns
    -------
    pandas.DataFrame
        Per level: customers, buyers, revenue, buyer_rate, revenue_per_buyer, revenue_share.
    """
    if by not in customers.columns:
        raise ValueError(f"breakdown: customers have no column {by!r}; found {list(customers.columns)}")
    if is_lazy(transactions):
        spend = customer_spend(transactions)["total_spend"]
    else:
        spend = transactions.groupby("customer_id", observed=True)["amount"].sum()
    frame = customers[["customer_id", by]].assign(revenue=customers["customer_id"].map(spend))
    g = frame.groupby(by, observed=True, dropna=False)
    out = pd.DataFrame({"customers": g.size(), "buyers": g["revenue"].count(), "revenue": g["revenue"].sum()})
    out["buyer_rate"] = out["buyers"] / out["customers"]
    out["revenue_per_buyer"] = out["revenue"] / out["buyers"]
    out["revenue_share"] = out["revenue"] / out["revenue"].sum()
    return out


# --------------------------------------------------------------------------- figures


def plot_acquisitions(acq: pd.DataFrame, ax=None):
    """Bar chart of new customers per period (first purchases; sign-ups as a line).

    Parameters
    ----------
    acq : pandas.DataFrame
        :func:`acquisitions` output.
    ax : matplotlib.axes.Axes, optional
        Drawn on if given, else on a new figure.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.
    """
    ax = get_ax(ax, figsize=(9, 3.5))
    ax.bar(acq.index, acq["first_purchases"], width=20, color=PALETTE[0], label="first purchases")
    if "signups" in acq.columns:
        ax.plot(acq.index, acq["signups"], color=PALETTE[1], marker=".", label="sign-ups")
    ax.set(xlabel="month", ylabel="new customers", title="Customers acquired over time")
    ax.legend(frameon=False)
    return ax


def plot_purchases_per_customer(table: pd.DataFrame, ax=None):
    """Bar chart of the purchases-per-customer distribution.

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`purchases_per_customer` output.
    ax : matplotlib.axes.Axes, optional
        Drawn on if given, else on a new figure.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.
    """
    ax = get_ax(ax, figsize=(7, 3.5))
    sns.barplot(x=table.index, y=table["share"], ax=ax, color=PALETTE[0])
    ax.set(
        xlabel="purchases (days with an order)", ylabel="share of customers", title="Purchases per customer"
    )
    return ax


def plot_spend(spend: pd.DataFrame, ax=None):
    """Histogram of total spend per customer on a log axis.

    Parameters
    ----------
    spend : pandas.DataFrame
        :func:`customer_spend` output.
    ax : matplotlib.axes.Axes, optional
        Drawn on if given, else on a new figure.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.
    """
    ax = get_ax(ax, figsize=(7, 3.5))
    sns.histplot(spend["total_spend"].clip(lower=0.01), log_scale=True, bins=40, ax=ax)
    ax.set(xlabel="total spend per customer (log scale)", ylabel="customers", title="Spend distribution")
    return ax


def plot_interpurchase_times(gaps: pd.Series, ax=None, max_days: int | None = None):
    """Histogram of days between purchases, median marked.

    Parameters
    ----------
    gaps : pandas.Series
        :func:`interpurchase_times` output.
    ax : matplotlib.axes.Axes, optional
        Drawn on if given, else on a new figure.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.
    max_days : int, optional
        Gaps above it are left out of the histogram (not of the median).
    """
    ax = get_ax(ax, figsize=(7, 3.5))
    shown = gaps if max_days is None else gaps[gaps <= max_days]
    sns.histplot(shown, bins=50, ax=ax)
    ax.axvline(gaps.median(), color="k", ls="--", lw=1, label=f"median {gaps.median():.0f} days")
    ax.set(xlabel="days between purchases", ylabel="repeat purchases", title="Inter-purchase times")
    ax.legend(frameon=False)
    return ax


def plot_breakdowns(
    tables: dict[str, pd.DataFrame], value: str = "revenue_per_buyer", axes=None
) -> np.ndarray:
    """One small bar chart per attribute: ``value`` by level.

    Parameters
    ----------
    tables : dict of str to pandas.DataFrame
        :func:`breakdown` output per attribute.
    value : str
        The column plotted (revenue_per_buyer, buyer_rate, revenue_share, ...).
    axes : array of matplotlib.axes.Axes, optional
        Drawn on if given (one per table), else on a new figure.

    Returns
    -------
    numpy.ndarray
        The array of Axes, one per table.
    """
    n = len(tables)
    if n == 0:
        raise ValueError("plot_breakdowns: no breakdown tables to plot")
    cols = min(3, n)
    rows = int(np.ceil(n / cols))
    axes = get_axes(axes, n, ncols=cols, figsize=(4.2 * cols, 3.2 * rows))
    for ax, (name, table) in zip(axes, tables.items()):
        sns.barplot(x=table.index.astype(str), y=table[value], ax=ax, color=PALETTE[2])
        ax.set(xlabel=name, ylabel=value.replace("_", " "))
        ax.tick_params(axis="x", rotation=30)
    for ax in np.ravel(axes[0].figure.axes)[n:]:
        ax.set_visible(False)
    axes[0].figure.tight_layout()
    return axes
