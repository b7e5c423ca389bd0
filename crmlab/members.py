"""Member metrics as monthly series: the "persistency" figures a retail CRM reports.

A row of the result describes the calendar month starting on its index date and is
measured at the month's end (the observation end for the last, partial month).
Windows are counted in calendar months: "bought within the last 12 months" at March
2025 means a purchase in April 2024 .. March 2025. A *visit* is a purchase day.

With ``card_holders_only`` (the default when the customers table has ``card_date``) a
*member* is a card holder and only purchases on or after the card date count as
member purchases; otherwise every buying customer is a member. Member metrics follow
the retail-CRM practice described by e.g. Huang (2016) "Membership marketing" and
Reinartz & Kumar (2000) for the rolling activity windows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._arrays import unique_sorted
from ._validate import data_error, is_lazy, require_columns, resolve_observation_end

__all__ = ["member_metrics", "plot_member_metrics"]


def _month_number(dates: pd.Series) -> np.ndarray:
    return dates.dt.year.to_numpy(dtype=np.int64) * 12 + dates.dt.month.to_numpy(dtype=np.int64) - 1


def _unique_pairs(codes: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct (code, value) pairs, sorted by code then value; values must be >= 0."""
    if len(codes) == 0:
        return codes.astype(np.int64), values.astype(np.int64)
    span = int(values.max()) + 1
    key = unique_sorted(codes.astype(np.int64) * span + values.astype(np.int64))
    return key // span, key % span


def _rolling(values: np.ndarray, window: int) -> np.ndarray:
    """Sum over the last ``window`` entries, the current one included."""
    csum = np.concatenate([[0.0], np.cumsum(values, dtype=float)])
    idx = np.arange(1, len(values) + 1)
    return csum[idx] - csum[np.maximum(idx - window, 0)]


def member_metrics(
    transactions: pd.DataFrame,
    customers: pd.DataFrame | None = None,
    observation_end=None,
    effective_months: int = 12,
    churn_months: int = 12,
    card_holders_only: bool | None = None,
) -> pd.DataFrame:
    """Monthly member metrics, indexed by month (the month's first day, named ``month``).

    Windows before the first transaction count as empty: if the log starts after the
    business did, the first ``effective_months`` months undercount effective members.
    A path, an Ibis table or a PySpark DataFrame is computed in its engine
    (:func:`crmlab.engine.member_metrics`): only a few counts per month leave it.

    Parameters
    ----------
    transactions : pandas.DataFrame or a lazy table
        customer_id and date of every purchase (a path, Ibis table or PySpark DataFrame is
        computed in its engine).
    customers : pandas.DataFrame, optional
        customer_id and card_date (membership card opened) for the card metrics.
    observation_end : date-like, optional
        Last day kept (default: the data's last day).
    effective_months : int
        Window (months) of a visit that keeps a member effective.
    churn_months : int
        Horizon (months) of the rolling churn rate.
    card_holders_only : bool, optional
        Count only card holders as members (default: when the customers have card_date).

    Returns
    -------
    pandas.DataFrame
        Indexed by month, with the columns:

        transacting_customers : distinct customers who bought in the month (members or not).
        new_cards : membership cards opened in the month (``customers.card_date``; NaN without it).
        card_opening_rate : new_cards / transacting_customers.
        card_holders : cards opened by the month's end.
        effective_members : members with a member visit in the last ``effective_months`` months
            (12 for most retailers; 6 or 3 for department stores and supermarkets).
        churned : effective members ``churn_months`` months earlier with no visit since.
        churn_rate : churned / effective members ``churn_months`` months earlier (rolling churn);
            NaN for the first ``churn_months`` months.
        repurchase_frequency : member visits in the effective window / effective members
            (visits per effective member per window).
        avg_days_between_purchases : mean days between a member's consecutive visits, over
            the gaps whose later visit falls in the effective window.
    """
    card_holders_only = _card_mode(customers, card_holders_only, effective_months, churn_months)
    if is_lazy(transactions):
        from . import engine  # a path, an Ibis table or a PySpark DataFrame: compute where it lives

        return engine.member_metrics(
            transactions, customers, observation_end, effective_months, churn_months, card_holders_only
        )
    require_columns(transactions, ("customer_id", "date"), "transactions", "member_metrics")
    if len(transactions) == 0:
        raise data_error("transactions", None, "member_metrics got no rows", n_bad=0)
    end = resolve_observation_end(transactions["date"], observation_end)
    tx = transactions.loc[transactions["date"].dt.normalize() <= end, ["customer_id", "date"]]
    if len(tx) == 0:
        raise data_error("transactions", "date", f"no transaction on or before {end.date()}", n_bad=0)
    month0 = int(_month_number(tx["date"]).min())
    n_months = int(end.year * 12 + end.month - 1) - month0 + 1
    codes, uniques = pd.factorize(tx["customer_id"], sort=False)
    _, buyer_month = _unique_pairs(codes, _month_number(tx["date"]) - month0)
    transacting = np.bincount(buyer_month, minlength=n_months)
    card = _card_dates(customers) if customers is not None and "card_date" in customers.columns else None
    # member visits: distinct (customer, day), on or after the card date when card holders only
    member_row = (
        tx["date"].dt.normalize().to_numpy() >= card.reindex(uniques).to_numpy()[codes]  # NaT: False
        if card_holders_only
        else np.ones(len(tx), dtype=bool)
    )
    W, C = int(effective_months), int(churn_months)
    v_cust, v_day, v_month = _member_visits(tx, codes, member_row, end, month0)
    counts = _monthly_counts(v_cust, v_day, v_month, n_months, W, C)
    return _assemble(transacting, counts, card, end, month0, W, C, card_holders_only)


def _card_mode(customers, card_holders_only, effective_months, churn_months) -> bool:
    """Check the windows and whether card holders only count; returns the resolved flag."""
    for name, value in (("effective_months", effective_months), ("churn_months", churn_months)):
        if not isinstance(value, int | np.integer) or value < 1:
            raise ValueError(f"member_metrics: {name} must be a positive integer, not {value!r}")
    has_cards = customers is not None and "card_date" in customers.columns
    if card_holders_only is None:
        card_holders_only = has_cards
    if card_holders_only and not has_cards:
        raise data_error(
            "customers", "card_date", "card_holders_only=True needs a customers table with card_date"
        )
    return bool(card_holders_only)


def _card_dates(customers: pd.DataFrame) -> pd.Series:
    """Each customer's card date (midnight; NaT without a card), first row per customer."""
    card = customers.drop_duplicates("customer_id").set_index("customer_id")["card_date"]
    return pd.to_datetime(card).dt.normalize()


def _assemble(
    transacting, counts: dict, card, end: pd.Timestamp, month0: int, W: int, C: int, card_holders_only: bool
) -> pd.DataFrame:
    """The metrics table from the monthly counts (shared by the pandas and the engine paths).

    ``counts``: per month index 0..n-1, ``visits``, ``gap_sum``, ``gap_n``; and the difference
    arrays (length n + 1) ``effective`` and ``churn_base`` whose running sums give the effective
    members and those of them silent for the next ``C`` months.
    """
    n_months = len(transacting)
    months = pd.date_range(
        pd.Timestamp(year=month0 // 12, month=month0 % 12 + 1, day=1),
        periods=n_months,
        freq="MS",
        name="month",
    )
    out = pd.DataFrame(index=months)
    out["transacting_customers"] = np.asarray(transacting, dtype=np.int64)
    if card is not None:
        _add_cards(out, card, end, month0)
    else:
        out["new_cards"] = np.nan
        out["card_opening_rate"] = np.nan
    effective = np.cumsum(counts["effective"])[:n_months]
    churn_base = np.cumsum(counts["churn_base"])[:n_months]
    out["effective_members"] = effective
    churned = np.full(n_months, np.nan)
    base = np.full(n_months, np.nan)
    if n_months > C:
        churned[C:] = churn_base[: n_months - C]
        base[C:] = effective[: n_months - C]
    out["churned"] = churned
    out["churn_rate"] = churned / np.where(base > 0, base, np.nan)
    out["repurchase_frequency"] = _rolling(counts["visits"], W) / np.where(effective > 0, effective, np.nan)
    roll_n = _rolling(counts["gap_n"], W)
    out["avg_days_between_purchases"] = _rolling(counts["gap_sum"], W) / np.where(roll_n > 0, roll_n, np.nan)
    out.attrs.update(
        effective_months=W,
        churn_months=C,
        card_holders_only=bool(card_holders_only),
        observation_end=str(end.date()),
    )
    return out


def _add_cards(out: pd.DataFrame, card: pd.Series, end: pd.Timestamp, month0: int) -> None:
    """New cards per month, card-opening rate and card holders, from each customer's card date."""
    n_months = len(out)
    opened = card.dropna()
    opened_month = _month_number(opened[opened <= end]) - month0
    before = opened_month < 0
    new_cards = np.bincount(opened_month[~before], minlength=n_months)
    out["new_cards"] = new_cards
    out["card_opening_rate"] = out["new_cards"] / out["transacting_customers"].where(
        out["transacting_customers"] > 0
    )
    out["card_holders"] = np.cumsum(new_cards) + int(before.sum())


def _member_visits(tx: pd.DataFrame, codes, member_row, end: pd.Timestamp, month0: int):
    """Distinct member visits as (customer code, day number, month number), sorted."""
    day = tx["date"].dt.normalize()
    first_day = day.min()
    day_number = ((day.to_numpy()[member_row] - first_day.to_datetime64()) // np.timedelta64(1, "D")).astype(
        np.int64
    )
    month_of_day = _month_number(pd.Series(pd.date_range(first_day, end, freq="D"))) - month0
    v_cust, v_day = _unique_pairs(codes[member_row], day_number)
    return v_cust, v_day, month_of_day[v_day]


def _monthly_counts(v_cust, v_day, v_month, n_months: int, W: int, C: int) -> dict:
    """The monthly counts :func:`_assemble` needs, from the sorted member visits (no loop).

    A member active in month a (a visit) whose next active month is ``next`` is effective at
    months [a, min(a + W, next)); effective and silent through s + C at s in
    [a, min(a + W, next - C)). Both are difference arrays: +1 at the start, -1 at the stop.
    """
    a_cust, a_month = _unique_pairs(v_cust, v_month)
    same_next = np.append(a_cust[1:] == a_cust[:-1], False)[: len(a_cust)]
    nxt = np.where(same_next, np.r_[a_month[1:], 0], np.iinfo(np.int64).max // 4)
    stop = np.minimum(a_month + W, nxt)
    c_stop = np.minimum(a_month + W, nxt - C)
    ok = c_stop > a_month
    gap_mask = np.insert(v_cust[1:] == v_cust[:-1], 0, False)[: len(v_cust)]
    gaps = np.diff(v_day, prepend=0)[gap_mask]
    gap_month = v_month[gap_mask]
    n = n_months + 1
    return {
        "effective": np.bincount(a_month, minlength=n) - np.bincount(np.minimum(stop, n_months), minlength=n),
        "churn_base": np.bincount(a_month[ok], minlength=n)
        - np.bincount(np.minimum(c_stop[ok], n_months), minlength=n),
        "visits": np.bincount(v_month, minlength=n_months).astype(float),
        "gap_sum": np.bincount(gap_month, weights=gaps, minlength=n_months).astype(float),
        "gap_n": np.bincount(gap_month, minlength=n_months).astype(float),
    }


def plot_member_metrics(metrics: pd.DataFrame, axes=None):
    """Four panels: effective members, card-opening rate, rolling churn rate, and the
    repurchase frequency with the average days between purchases.

    Parameters
    ----------
    metrics : pandas.DataFrame
        :func:`member_metrics` output.
    axes : array of matplotlib.axes.Axes, optional
        Four Axes drawn on if given, else a new 2 x 2 figure.

    Returns
    -------
    numpy.ndarray
        The 2 x 2 array of Axes.
    """
    import matplotlib.pyplot as plt

    if axes is None:
        _, axes = plt.subplots(2, 2, figsize=(11, 6), sharex=True)
    axes = np.asarray(axes).ravel()
    W, C = metrics.attrs.get("effective_months", "?"), metrics.attrs.get("churn_months", "?")
    axes[0].plot(metrics.index, metrics["effective_members"], color="C0")
    axes[0].set_title(f"effective members (visit in {W} months)")
    if metrics["card_opening_rate"].notna().any():
        axes[1].plot(metrics.index, metrics["card_opening_rate"], color="C1")
        axes[1].set_title("card-opening rate (new cards / buyers)")
    else:
        axes[1].text(
            0.5, 0.5, "no card_date in the data", ha="center", va="center", transform=axes[1].transAxes
        )
        axes[1].set_title("card-opening rate")
    axes[2].plot(metrics.index, metrics["churn_rate"], color="C3")
    axes[2].set_title(f"rolling churn rate ({C} months)")
    axes[3].plot(metrics.index, metrics["repurchase_frequency"], color="C2")
    axes[3].set_title("repurchase frequency (visits per member per window)")
    twin = axes[3].twinx()
    twin.plot(metrics.index, metrics["avg_days_between_purchases"], color="C4", ls="--")
    twin.set_ylabel("avg days between purchases", color="C4")
    for ax in axes:
        ax.tick_params(axis="x", labelrotation=45)
    return axes
