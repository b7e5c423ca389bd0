"""The profile tables of :mod:`crmlab.profile` computed in an engine.

Each table is grouped by DuckDB, PostgreSQL or Spark; what comes back is the table itself (one row
per period or per purchase count), or one row per customer for :func:`customer_spend` (the input of
the spend concentration and the attribute breakdowns). Same numbers as the pandas path.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._validate import data_error
from ._core import _collect, _days, _month, transactions_table


def _table(source, columns, con, table, query):
    t = transactions_table(source, columns, con=con, table=table, query=query)
    return t.mutate(day=_days(t), amount=t.amount.cast("float64"))


def _daily(t):
    """One row per customer and purchase day: the day's spend and its number of orders (rows)."""
    return t.group_by(["customer_id", "day"]).aggregate(amount=t.amount.sum(), orders=t.count())


def _collect_rows(expr, what: str) -> pd.DataFrame:
    out = _collect(expr, what)
    if out.empty:
        raise data_error("transactions", None, f"{what}: no transactions", n_bad=0)
    return out


def _dates(day_numbers) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(np.asarray(day_numbers, dtype=np.int64).astype("datetime64[D]")).as_unit("ns")


def acquisitions(
    source,
    customers: pd.DataFrame | None = None,
    freq: str = "MS",
    *,
    columns: dict[str, str] | None = None,
    con=None,
    table: str | None = None,
    query: str | None = None,
) -> pd.DataFrame:
    """:func:`crmlab.profile.acquisitions` computed in an engine: first purchases per day come back.

    Parameters
    ----------
    source : see :func:`crmlab.engine.transactions_table`
        A path, a glob, a SQL URL, an Ibis table, a pandas or PySpark DataFrame.
    customers : pandas.DataFrame, optional
        customer_id and signup_date (sign-ups per period where present).
    freq : str
        Period of the counts, as :func:`crmlab.profile.acquisitions`.
    columns : dict, optional
        Canonical name -> the source's column name.
    con, table, query : optional
        As :func:`crmlab.engine.transactions_table`.

    Returns
    -------
    pandas.DataFrame
        As :func:`crmlab.profile.acquisitions`.
    """
    from ..profile import _acquisition_table

    t = _table(source, columns, con, table, query)
    first = t.group_by("customer_id").aggregate(first=t.day.min())
    per_day = _collect_rows(first.group_by("first").aggregate(n=first.count()), "acquisitions")
    counts = pd.Series(per_day["n"].to_numpy(np.int64), index=_dates(per_day["first"]))
    return _acquisition_table(counts, customers, freq)


def monthly_activity(
    source,
    *,
    columns: dict[str, str] | None = None,
    con=None,
    table: str | None = None,
    query: str | None = None,
) -> pd.DataFrame:
    """:func:`crmlab.profile.monthly_activity` computed in an engine: one row per month comes back.

    Parameters
    ----------
    source : see :func:`crmlab.engine.transactions_table`
        A path, a glob, a SQL URL, an Ibis table, a pandas or PySpark DataFrame.
    columns : dict, optional
        Canonical name -> the source's column name.
    con, table, query : optional
        As :func:`crmlab.engine.transactions_table`.

    Returns
    -------
    pandas.DataFrame
        As :func:`crmlab.profile.monthly_activity`.
    """
    t = _table(source, columns, con, table, query)
    t = t.mutate(month=_month(t))
    per = _collect_rows(
        t.group_by("month").aggregate(
            revenue=t.amount.sum(), orders=t.count(), active_customers=t.customer_id.nunique()
        ),
        "monthly_activity",
    ).sort_values("month")
    month = per["month"].to_numpy(np.int64)
    index = pd.DatetimeIndex(
        pd.to_datetime({"year": month // 12, "month": month % 12 + 1, "day": 1}), name="month"
    ).as_unit("ns")
    out = pd.DataFrame(
        {
            "revenue": per["revenue"].to_numpy(float),
            "orders": per["orders"].to_numpy(np.int64),
            "active_customers": per["active_customers"].to_numpy(np.int64),
        },
        index=index,
    )
    out["revenue_per_active_customer"] = out["revenue"] / out["active_customers"]
    return out


def purchases_per_customer(
    source,
    cap: int = 10,
    *,
    columns: dict[str, str] | None = None,
    con=None,
    table: str | None = None,
    query: str | None = None,
) -> pd.DataFrame:
    """:func:`crmlab.profile.purchases_per_customer` computed in an engine: ``cap`` rows come back.

    Parameters
    ----------
    source : see :func:`crmlab.engine.transactions_table`
        A path, a glob, a SQL URL, an Ibis table, a pandas or PySpark DataFrame.
    cap : int
        The last row counts customers with ``cap`` or more purchase days.
    columns : dict, optional
        Canonical name -> the source's column name.
    con, table, query : optional
        As :func:`crmlab.engine.transactions_table`.

    Returns
    -------
    pandas.DataFrame
        As :func:`crmlab.profile.purchases_per_customer`.
    """
    import ibis

    from ..profile import _purchase_count_table

    t = _table(source, columns, con, table, query)
    days = t.select("customer_id", "day").distinct()
    per = days.group_by("customer_id").aggregate(n=days.count())
    per = per.mutate(n=ibis.least(per.n, int(cap)))
    counts = _collect_rows(per.group_by("n").aggregate(customers=per.count()), "purchases_per_customer")
    series = pd.Series(counts["customers"].to_numpy(np.int64), index=counts["n"].to_numpy(np.int64))
    return _purchase_count_table(series, cap)


def customer_spend(
    source,
    *,
    columns: dict[str, str] | None = None,
    con=None,
    table: str | None = None,
    query: str | None = None,
) -> pd.DataFrame:
    """:func:`crmlab.profile.customer_spend` computed in an engine: one row per customer comes back.

    Parameters
    ----------
    source : see :func:`crmlab.engine.transactions_table`
        A path, a glob, a SQL URL, an Ibis table, a pandas or PySpark DataFrame.
    columns : dict, optional
        Canonical name -> the source's column name.
    con, table, query : optional
        As :func:`crmlab.engine.transactions_table`.

    Returns
    -------
    pandas.DataFrame
        Indexed by customer_id (sorted): purchases, orders, total_spend, spend_per_purchase.
    """
    t = _table(source, columns, con, table, query)
    daily = _daily(t)
    per = daily.group_by("customer_id").aggregate(
        purchases=daily.count(), orders=daily.orders.sum(), total_spend=daily.amount.sum()
    )
    out = _collect_rows(per, "customer_spend").set_index("customer_id").sort_index()
    out = out.astype({"purchases": "int64", "orders": "int64", "total_spend": "float64"})
    out["spend_per_purchase"] = out["total_spend"] / out["purchases"]
    return out


def interpurchase_times(
    source,
    *,
    columns: dict[str, str] | None = None,
    con=None,
    table: str | None = None,
    query: str | None = None,
) -> pd.Series:
    """:func:`crmlab.profile.interpurchase_times` computed in an engine: gap counts come back.

    The gaps between a customer's consecutive purchase days (LAG over the customer's days) are
    counted by length in the engine; the Series is rebuilt from the counts, so it is sorted by
    length rather than by customer (its values, and so every statistic of it, are the same).

    Parameters
    ----------
    source : see :func:`crmlab.engine.transactions_table`
        A path, a glob, a SQL URL, an Ibis table, a pandas or PySpark DataFrame.
    columns : dict, optional
        Canonical name -> the source's column name.
    con, table, query : optional
        As :func:`crmlab.engine.transactions_table`.

    Returns
    -------
    pandas.Series
        ``days_between_purchases``, one value per repeat purchase day, in increasing order.
    """
    import ibis

    t = _table(source, columns, con, table, query)
    days = t.select("customer_id", "day").distinct()
    prev = days.day.lag().over(ibis.window(group_by=days.customer_id, order_by=days.day))
    gaps = days.mutate(gap=days.day - prev)
    gaps = gaps.filter(gaps.gap.notnull())
    counts = _collect(gaps.group_by("gap").aggregate(n=gaps.count()), "interpurchase_times").sort_values(
        "gap"
    )
    values = np.repeat(counts["gap"].to_numpy(np.int64), counts["n"].to_numpy(np.int64))
    return pd.Series(values, name="days_between_purchases")
