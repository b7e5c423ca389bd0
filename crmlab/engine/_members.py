"""Monthly member metrics computed in an engine: only a few counts per month leave it.

The pandas path (:func:`crmlab.members.member_metrics`) reduces the member visits to monthly
counts (visits, gaps, and the starts and stops of each member's effective spells) and builds the
table from them; here the same counts are grouped by DuckDB, PostgreSQL or Spark, with window
functions (LAG / LEAD over each customer's visits) in place of the sorted numpy arrays, and the
same assembly turns them into the table. Source: see :mod:`crmlab.members`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._validate import data_error
from ._core import _collect, _day_number, _days, _month, _observation_end, transactions_table


def _card_days(customers: pd.DataFrame) -> pd.DataFrame:
    """customer_id and card_day (days since 1970-01-01) of the customers with a card."""
    from ..members import _card_dates

    card = _card_dates(customers).dropna()
    days = (card.to_numpy() - np.datetime64("1970-01-01")) // np.timedelta64(1, "D")
    return pd.DataFrame({"customer_id": card.index.to_numpy(), "card_day": days.astype(np.int64)})


def _monthly_long(visits, W: int, C: int):
    """One Ibis table of (kind, month, value) rows: every count the assembly needs, by month."""
    import ibis

    by_customer = ibis.window(group_by=visits.customer_id, order_by=visits.day)
    gaps = visits.mutate(gap=visits.day - visits.day.lag().over(by_customer))
    gaps = gaps.filter(gaps.gap.notnull())
    active = visits.select("customer_id", "month").distinct()
    nxt = active.month.lead().over(ibis.window(group_by=active.customer_id, order_by=active.month))
    spells = active.mutate(
        stop=ibis.least(active.month + W, nxt.fill_null(active.month + W)),
        c_stop=ibis.least(active.month + W, (nxt - C).fill_null(active.month + W)),
    )
    churnable = spells.filter(spells.c_stop > spells.month)

    def counted(table, kind: str, month, value):
        grouped = table.group_by(month.name("month")).aggregate(value=value)
        return grouped.mutate(kind=ibis.literal(kind)).select("kind", "month", "value")

    parts = [
        counted(visits, "visits", visits.month, visits.count().cast("float64")),
        counted(gaps, "gap_sum", gaps.month, gaps.gap.sum().cast("float64")),
        counted(gaps, "gap_n", gaps.month, gaps.count().cast("float64")),
        counted(spells, "effective_start", spells.month, spells.count().cast("float64")),
        counted(spells, "effective_stop", spells.stop, spells.count().cast("float64")),
        counted(churnable, "churn_start", churnable.month, churnable.count().cast("float64")),
        counted(churnable, "churn_stop", churnable.c_stop, churnable.count().cast("float64")),
    ]
    return ibis.union(*parts)


def _by_month(long: pd.DataFrame, kind: str, month0: int, n: int) -> np.ndarray:
    """The ``kind`` rows as an array over month indexes 0..n-1 (later months clipped to n - 1)."""
    rows = long[long["kind"] == kind]
    index = np.minimum(rows["month"].to_numpy(np.int64) - month0, n - 1)
    return np.bincount(index, weights=rows["value"].to_numpy(float), minlength=n)


def member_metrics(
    source,
    customers: pd.DataFrame | None = None,
    observation_end=None,
    effective_months: int = 12,
    churn_months: int = 12,
    card_holders_only: bool | None = None,
    *,
    columns: dict[str, str] | None = None,
    con=None,
    table: str | None = None,
    query: str | None = None,
) -> pd.DataFrame:
    """:func:`crmlab.members.member_metrics` computed in an engine; same table, same numbers.

    The distinct purchase days are found in the engine (joined to the card dates when only card
    holders count); each member's active months, the next active month (LEAD) and the gap to the
    previous visit (LAG) are window functions there; only the counts per month come back.

    Parameters
    ----------
    source : see :func:`crmlab.engine.transactions_table`
        A path, a glob, a SQL URL, an Ibis table, a pandas or PySpark DataFrame.
    customers : pandas.DataFrame, optional
        customer_id and card_date (one row per customer) for the card metrics; handed to the
        engine as a small table when only card holders count.
    observation_end : date-like, optional
        Last day kept (default: the data's last day).
    effective_months, churn_months : int
        As :func:`crmlab.members.member_metrics`.
    card_holders_only : bool, optional
        Count only card holders as members (default: when the customers have card_date).
    columns : dict, optional
        Canonical name -> the source's column name.
    con, table, query : optional
        As :func:`crmlab.engine.transactions_table`.

    Returns
    -------
    pandas.DataFrame
        The member metrics by month, as :func:`crmlab.members.member_metrics`.

    Raises
    ------
    crmlab.exceptions.CRMDataError
        When there are no transactions, or none on or before the observation end.
    """
    import ibis

    from ..members import _assemble, _card_dates, _card_mode

    card_holders_only = _card_mode(customers, card_holders_only, effective_months, churn_months)
    W, C = int(effective_months), int(churn_months)
    t = transactions_table(source, columns, con=con, table=table, query=query)
    end = _observation_end(t, observation_end, "member_metrics got no rows")
    t = t.mutate(day=_days(t), month=_month(t))
    days = t.filter(t.day <= _day_number(end)).select("customer_id", "day", "month").distinct()
    buyers = days.select("customer_id", "month").distinct()
    transacting = _collect(buyers.group_by("month").aggregate(n=buyers.count()), "member_metrics: buyers")
    if transacting.empty:
        raise data_error("transactions", "date", f"no transaction on or before {end.date()}", n_bad=0)
    month0 = int(transacting["month"].min())
    n_months = end.year * 12 + end.month - 1 - month0 + 1
    if card_holders_only:
        cards = ibis.memtable(_card_days(customers))
        days = days.join(cards, days.customer_id == cards.customer_id).filter(lambda j: j.day >= j.card_day)
        days = days.select("customer_id", "day", "month")
    long = _collect(_monthly_long(days, W, C), "member_metrics")
    n = n_months + 1

    def spells(start: str, stop: str) -> np.ndarray:  # +1 where a spell starts, -1 where it stops
        return (_by_month(long, start, month0, n) - _by_month(long, stop, month0, n)).round().astype(np.int64)

    counts = {kind: _by_month(long, kind, month0, n)[:n_months] for kind in ("visits", "gap_sum", "gap_n")}
    counts["effective"] = spells("effective_start", "effective_stop")
    counts["churn_base"] = spells("churn_start", "churn_stop")
    transacting_by_month = np.bincount(
        transacting["month"].to_numpy(np.int64) - month0, weights=transacting["n"], minlength=n_months
    ).astype(np.int64)
    card = _card_dates(customers) if customers is not None and "card_date" in customers.columns else None
    return _assemble(transacting_by_month, counts, card, end, month0, W, C, card_holders_only)
