"""Cohort retention and performance tables: the "persistency" and "performance" views.

A cohort is the set of customers whose first purchase fell in one calendar month
(the acquisition month). Its retention in month k is the share of the cohort that
bought in the k-th calendar month after acquisition (k = 0 is the acquisition month,
always 100 %). Cells not yet observed at ``observation_end`` are NaN; the last
observed month may be partial. Source: the cohort table of Fader & Hardie (2009,
"Probability models for customer-base analysis") and every retention dashboard since.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._style import get_axes
from ._validate import data_error, is_lazy, require_columns, resolve_observation_end

__all__ = [
    "cohort_counts",
    "cohort_retention",
    "plot_retention_heatmap",
    "PERFORMANCE_DIMENSIONS",
    "performance_table",
    "performance_tables",
    "plot_performance",
]

PERFORMANCE_DIMENSIONS = ("category", "channel", "region")


def _check(transactions, caller, columns=("customer_id", "date", "amount")) -> None:
    require_columns(transactions, columns, "transactions", caller)


def _kept(transactions: pd.DataFrame, observation_end) -> tuple[pd.DataFrame, pd.Timestamp]:
    end = resolve_observation_end(transactions["date"], observation_end)
    kept = transactions[transactions["date"].dt.normalize() <= end]
    if len(kept) == 0:
        raise data_error("transactions", "date", f"no transaction on or before {end.date()}", n_bad=0)
    return kept, end


def cohort_counts(transactions: pd.DataFrame, observation_end=None) -> pd.DataFrame:
    """Customers of each acquisition-month cohort (rows) buying k months later (columns).

    Index ``cohort`` (first day of the acquisition month), columns ``0..K`` months since
    acquisition; NaN where the month lies after ``observation_end``. Column 0 is the
    cohort size. A path, an Ibis table or a PySpark DataFrame is computed in its engine
    (:func:`crmlab.engine.cohort_counts`).

    Parameters
    ----------
    transactions : pandas.DataFrame or a lazy table
        customer_id and date of every purchase.
    observation_end : date-like, optional
        Last day kept (default: the data's last day; resolved to midnight).

    Returns
    -------
    pandas.DataFrame
        Customers per cohort (rows) and month since acquisition (columns).
    """
    if is_lazy(transactions):
        from . import engine  # a path, an Ibis table or a PySpark DataFrame: compute where it lives

        return engine.cohort_counts(transactions, observation_end)
    _check(transactions, "cohort_counts", ("customer_id", "date"))
    kept, end = _kept(transactions, observation_end)
    month = kept["date"].dt.year.to_numpy() * 12 + kept["date"].dt.month.to_numpy() - 1
    active = pd.DataFrame({"customer_id": kept["customer_id"].to_numpy(), "month": month}).drop_duplicates()
    first = active.groupby("customer_id", observed=True)["month"].transform("min")
    long = pd.DataFrame({"cohort": first.to_numpy(), "since": (active["month"] - first).to_numpy()})
    return _cohort_layout(long.groupby(["cohort", "since"]).size(), end.year * 12 + end.month - 1)


def _cohort_layout(counts: pd.Series, end_month: int) -> pd.DataFrame:
    """Cohort x months-since matrix from customer counts indexed by (cohort, since) month numbers
    (year * 12 + month - 1): missing cells 0, cells after ``end_month`` NaN, cohorts as dates."""
    counts = counts.unstack("since", fill_value=0)
    counts = counts.reindex(columns=range(int(end_month - counts.index.min()) + 1), fill_value=0).astype(
        float
    )
    horizon = end_month - counts.index.to_numpy()[:, None]
    counts = counts.where(counts.columns.to_numpy()[None, :] <= horizon)
    counts.index = pd.to_datetime({"year": counts.index // 12, "month": counts.index % 12 + 1, "day": 1})
    counts.index.name = "cohort"
    counts.columns.name = "months_since"
    return counts


def cohort_retention(transactions: pd.DataFrame, observation_end=None) -> pd.DataFrame:
    """Share of each acquisition-month cohort buying k months after acquisition.

    retention[c, k] = customers of cohort c active in month c + k / customers of cohort c.
    Same layout as :func:`cohort_counts`; the cohort sizes are in ``.attrs["cohort_size"]``.

    Parameters
    ----------
    transactions : pandas.DataFrame or a lazy table
        customer_id and date of every purchase.
    observation_end : date-like, optional
        Last day kept (default: the data's last day; resolved to midnight).

    Returns
    -------
    pandas.DataFrame
        Retention shares per cohort and month since acquisition (column 0 is 1).
    """
    counts = cohort_counts(transactions, observation_end)
    size = counts[0]
    out = counts.div(size, axis=0)
    out.attrs["cohort_size"] = size.astype(int).to_dict()
    return out


def plot_retention_heatmap(
    retention: pd.DataFrame, ax=None, max_months: int | None = 24, annotate: bool | None = None
):
    """Heatmap of the retention matrix (cohorts down, months since acquisition across).

    Parameters
    ----------
    retention : pandas.DataFrame
        :func:`cohort_retention` output (its ``attrs["cohort_size"]`` labels the rows).
    ax : matplotlib.axes.Axes, optional
        Drawn on if given, else on a new figure sized to the matrix.
    max_months : int or None
        Months since acquisition shown (None: all); month 0 (100 %) is left out.
    annotate : bool, optional
        Percentages in the cells (default: when the matrix is at most 15 x 15).

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.
    """
    import matplotlib.pyplot as plt
    import seaborn as sns

    shown = retention if max_months is None else retention.loc[:, retention.columns <= max_months]
    shown = shown.loc[:, shown.columns >= 1]  # month 0 is 100 % by definition
    if ax is None:
        _, ax = plt.subplots(figsize=(min(2 + 0.45 * shown.shape[1], 16), min(2 + 0.3 * len(shown), 14)))
    annotate = len(shown) <= 15 and shown.shape[1] <= 15 if annotate is None else annotate
    sizes = retention.attrs.get("cohort_size", {})
    labels = [f"{c:%Y-%m} (n={sizes.get(c, 0):,})" for c in shown.index]
    sns.heatmap(
        shown.set_axis(labels, axis=0),
        cmap="viridis",
        vmin=0,
        vmax=float(np.nanmax(shown.to_numpy())) if shown.notna().any().any() else 1,
        annot=annotate,
        fmt=".0%",
        ax=ax,
        cbar_kws={"label": "share of the cohort buying"},
    )
    ax.set_xlabel("months since acquisition")
    ax.set_ylabel("acquisition month")
    ax.set_title("cohort retention")
    return ax


def performance_table(transactions: pd.DataFrame, by: str, observation_end=None) -> pd.DataFrame:
    """Sales and margin by one dimension (e.g. category, channel, region).

    Per level: orders (rows), customers, revenue (sum of amount), revenue_share,
    avg_order_value = revenue / orders, and where ``cost`` exists: cost, margin =
    revenue - cost, margin_rate = margin / revenue, margin_share. Sorted by revenue.

    Parameters
    ----------
    transactions : pandas.DataFrame
        customer_id, date, amount (and cost) and the column ``by``.
    by : str
        The dimension (a column of the transactions); missing values count as "unknown".
    observation_end : date-like, optional
        Last day kept (default: the data's last day; resolved to midnight).

    Returns
    -------
    pandas.DataFrame
        One row per level of ``by``.
    """
    _check(transactions, "performance_table", ("customer_id", "date", "amount", by))
    kept, _ = _kept(transactions, observation_end)
    key = kept[by].astype(object).where(kept[by].notna(), "unknown").astype(str)
    g = kept.groupby(key, observed=True)
    out = pd.DataFrame(
        {
            "orders": g.size(),
            "customers": g["customer_id"].nunique(),
            "revenue": g["amount"].sum(),
        }
    )
    out["revenue_share"] = out["revenue"] / out["revenue"].sum()
    out["avg_order_value"] = out["revenue"] / out["orders"]
    if "cost" in kept.columns:
        out["cost"] = g["cost"].sum()
        out["margin"] = out["revenue"] - out["cost"]
        out["margin_rate"] = out["margin"] / out["revenue"].where(out["revenue"] != 0)
        out["margin_share"] = out["margin"] / out["margin"].sum()
    out.index.name = by
    return out.sort_values("revenue", ascending=False)


def performance_tables(
    transactions: pd.DataFrame, observation_end=None, dimensions=PERFORMANCE_DIMENSIONS
) -> dict[str, pd.DataFrame]:
    """:func:`performance_table` for each of ``dimensions`` present in the transactions.

    Parameters
    ----------
    transactions : pandas.DataFrame
        customer_id, date, amount (and cost) and the dimension columns.
    observation_end : date-like, optional
        Last day kept (default: the data's last day; resolved to midnight).
    dimensions : sequence of str
        Candidate dimensions (default :data:`PERFORMANCE_DIMENSIONS`); absent ones are skipped.

    Returns
    -------
    dict of str to pandas.DataFrame
        One performance table per present dimension.
    """
    return {
        dim: performance_table(transactions, dim, observation_end)
        for dim in dimensions
        if dim in transactions.columns
    }


def plot_performance(tables: dict[str, pd.DataFrame], axes=None) -> np.ndarray:
    """One bar chart per dimension: margin rate by level (revenue share where there is no cost).

    Parameters
    ----------
    tables : dict of str to pandas.DataFrame
        :func:`performance_tables` output.
    axes : array of matplotlib.axes.Axes, optional
        Drawn on if given (one per table), else on a new figure.

    Returns
    -------
    numpy.ndarray
        The array of Axes, one per table.
    """
    import seaborn as sns

    if not tables:
        raise ValueError("plot_performance: no performance tables to plot")
    axes = get_axes(axes, len(tables), ncols=len(tables), figsize=(4.6 * len(tables), 3.6))
    for ax, (dim, table) in zip(axes, tables.items()):
        y = "margin_rate" if "margin_rate" in table.columns else "revenue_share"
        sns.barplot(x=table.index, y=table[y], ax=ax, color="C0")
        ax.set_title(f"{y.replace('_', ' ')} by {dim}")
        ax.tick_params(axis="x", labelrotation=30)
    axes[0].figure.tight_layout()
    return axes
