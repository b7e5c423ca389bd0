"""Value tiers (high / mid / low / no value) and the retail VIP four-quadrant chart."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._validate import data_error, is_lazy, require_columns
from ._common import _end, _signed_up, _visits, _window_start

__all__ = [
    "VALUE_TIER_STRATEGIES",
    "value_tiers",
    "value_tier_summary",
    "QUADRANT_LABELS",
    "vip_quadrants",
    "quadrant_summary",
    "plot_vip_quadrants",
]


# --------------------------------------------------------------------------- value tiers


def _window_activity(transactions, observation_end, window_months: int, where: str):
    """Visits (purchase days) and spend per customer in the ``window_months`` before the end, for
    every customer with a purchase by the end (0 outside the window), sorted by customer_id, and
    the end. A path, an Ibis table or a PySpark DataFrame is aggregated in its engine
    (:func:`crmlab.engine.window_totals`). Spend is rounded to 1e-9 so that engines summing in
    another order give the same ties in the rankings."""
    if is_lazy(transactions):
        from .. import engine  # a lazy table: only one row per customer comes back

        if not isinstance(window_months, (int, np.integer)) or window_months < 1:
            raise ValueError(f"window_months must be a positive integer, not {window_months!r}")
        out = engine.window_totals(transactions, observation_end, window_months)
        end = out.attrs.pop("observation_end")
        return out.assign(spend=out["spend"].round(9)), end
    require_columns(transactions, ["customer_id", "date", "amount"], "transactions", where)
    end = _end(transactions, observation_end)
    visits = _visits(transactions, end, start=_window_start(end, window_months))
    g = visits.groupby("customer_id", observed=True)
    out = pd.DataFrame({"visits": g.size().astype(float), "spend": g["amount"].sum()})
    everyone = pd.Index(transactions.loc[transactions["date"].dt.normalize() <= end, "customer_id"].unique())
    out = out.reindex(everyone.union(out.index)).fillna(0.0)
    out.index.name = "customer_id"
    return out.assign(spend=out["spend"].round(9)), end


VALUE_TIER_STRATEGIES = {
    "high": "personalised service, loyalty points, exclusive coupons",
    "mid": "promotions, similar-product recommendations, cross-selling",
    "low": "improve products and after-sales service; find out what is missing",
    "no value": "phase out, or a low-cost attempt to re-convert",
}


def value_tiers(
    transactions: pd.DataFrame,
    survey: pd.DataFrame | None = None,
    customers: pd.DataFrame | None = None,
    observation_end=None,
    window_months: int = 12,
    shares: tuple[float, float] = (0.2, 0.3),
    satisfaction: str = "satisfaction",
) -> pd.DataFrame:
    """Four value tiers (high / mid / low / no value) by frequency, spend and satisfaction.

    In the window of ``window_months`` before ``observation_end``: ``frequency`` = visits,
    ``amount`` = spend; ``satisfaction`` from the survey column of that name where the
    customer answered. value_index = mean of the percentile ranks (0..1] of frequency,
    amount and satisfaction among active customers (satisfaction left out where missing).
    Tiers: **no value** = no purchase in the window (including customers in ``customers``
    who had signed up by ``observation_end`` but never bought); among the others the top
    ``shares[0]`` of value_index are **high**, the next ``shares[1]`` **mid**, the rest **low**.

    Source: the value pyramid of Curry & Curry (2000), "The Customer Marketing Method";
    Zeithaml, Rust & Lemon (2001) "The customer pyramid".

    Parameters
    ----------
    transactions : pandas.DataFrame
        customer_id, date, amount of every order.
    survey : pandas.DataFrame, optional
        customer_id and the ``satisfaction`` column.
    customers : pandas.DataFrame, optional
        customer_id and signup_date: signed-up customers without a purchase are "no value".
    observation_end : date-like, optional
        Last day kept (default: the data's last day).
    window_months : int
        Months before ``observation_end`` that count.
    shares : tuple of float
        Shares of the active customers in the high and mid tiers.
    satisfaction : str
        The survey column used.

    Returns
    -------
    pandas.DataFrame
        Per customer: frequency, amount, satisfaction, value_index, tier.
    """
    if len(shares) != 2 or min(shares) <= 0 or sum(shares) >= 1:
        raise ValueError(f"value_tiers: shares must be two positive fractions summing below 1, not {shares}")
    activity, end = _window_activity(transactions, observation_end, window_months, "value_tiers")
    out = activity.rename(columns={"visits": "frequency", "spend": "amount"})
    if customers is not None:
        require_columns(customers, ["customer_id"], "customers", "value_tiers")
        signed = pd.Index(_signed_up(customers, end)["customer_id"].unique())
        out = out.reindex(out.index.union(signed)).fillna({"frequency": 0.0, "amount": 0.0})
    out.index.name = "customer_id"
    if survey is not None and satisfaction in survey.columns:
        sat = survey.drop_duplicates("customer_id").set_index("customer_id")[satisfaction]
        out["satisfaction"] = sat.reindex(out.index).to_numpy(dtype=float)
    else:
        out["satisfaction"] = np.nan
    active = out["frequency"] > 0
    ranks = out.loc[active, ["frequency", "amount", "satisfaction"]].rank(pct=True)
    out["value_index"] = ranks.mean(axis=1, skipna=True).reindex(out.index)
    order = out.loc[active, "value_index"].rank(ascending=False, method="first") / active.sum()
    tier = pd.Series("no value", index=out.index, dtype=object)
    tier[order.index] = np.select(
        [order <= shares[0], order <= shares[0] + shares[1]], ["high", "mid"], "low"
    )
    out["tier"] = pd.Categorical(tier, categories=list(VALUE_TIER_STRATEGIES), ordered=True)
    return out


def value_tier_summary(tiers: pd.DataFrame) -> pd.DataFrame:
    """Customers, share, revenue, revenue share, means and the strategy of each value tier.

    Parameters
    ----------
    tiers : pandas.DataFrame
        :func:`value_tiers` output.

    Returns
    -------
    pandas.DataFrame
        One row per tier (high, mid, low, no value) with its strategy.
    """
    require_columns(tiers, ["tier", "frequency", "amount", "satisfaction"], "tiers", "value_tier_summary")
    g = tiers.groupby("tier", observed=False)
    out = pd.DataFrame(
        {
            "customers": g.size(),
            "revenue": g["amount"].sum(),
            "visits_per_customer": g["frequency"].mean(),
            "spend_per_customer": g["amount"].mean(),
            "satisfaction": g["satisfaction"].mean(),
        }
    )
    out.insert(1, "share", out["customers"] / out["customers"].sum())
    total = out["revenue"].sum()
    out.insert(3, "revenue_share", out["revenue"] / total if total > 0 else np.nan)
    out["strategy"] = [VALUE_TIER_STRATEGIES[t] for t in out.index]
    out.index = pd.Index(out.index.astype(str), name="tier")
    return out


# --------------------------------------------------------------------------- VIP quadrants

QUADRANT_LABELS = {
    1: "gold (frequent, high spend)",
    2: "potential: raise frequency",
    3: "maintain only",
    4: "potential: raise spend per visit",
}


def vip_quadrants(transactions: pd.DataFrame, observation_end=None, window_months: int = 12) -> pd.DataFrame:
    """The retail VIP four-quadrant chart: yearly repurchase frequency against spend per visit.

    For customers with a visit in the window of ``window_months`` before
    ``observation_end``: x = ``visits`` (purchase days in the window; with the default 12
    months, the yearly repurchase frequency), y = ``spend_per_visit`` = spend / visits.
    The cross-hair is at the means of x and y (kept in ``.attrs["x_mean"]``,
    ``.attrs["y_mean"]``). Quadrant 1: x >= mean and y >= mean (gold customers);
    2: x < mean, y >= mean and 4: x >= mean, y < mean (potential); 3: both below
    (maintain only).

    Parameters
    ----------
    transactions : pandas.DataFrame
        customer_id, date, amount of every order.
    observation_end : date-like, optional
        Last day kept (default: the data's last day).
    window_months : int
        Months before ``observation_end`` that count.

    Returns
    -------
    pandas.DataFrame
        Per customer: visits, spend, spend_per_visit, quadrant, label.
    """
    activity, end = _window_activity(transactions, observation_end, window_months, "vip_quadrants")
    out = activity[activity["visits"] > 0].copy()
    if out.empty:
        raise data_error(
            "transactions", "date", f"no purchase in the {window_months} months before {end.date()}", n_bad=0
        )
    out["spend_per_visit"] = out["spend"] / out["visits"]
    x_mean, y_mean = out["visits"].mean(), out["spend_per_visit"].mean()
    hi_x, hi_y = out["visits"] >= x_mean, out["spend_per_visit"] >= y_mean
    out["quadrant"] = np.select([hi_x & hi_y, ~hi_x & hi_y, ~hi_x & ~hi_y], [1, 2, 3], 4)
    out["label"] = out["quadrant"].map(QUADRANT_LABELS)
    out.index.name = "customer_id"
    out.attrs.update(
        x_mean=float(x_mean),
        y_mean=float(y_mean),
        window_months=window_months,
        observation_end=str(end.date()),
    )
    return out


def quadrant_summary(quadrants: pd.DataFrame) -> pd.DataFrame:
    """Customers, share, revenue and revenue share, mean visits and spend per visit per quadrant.

    Parameters
    ----------
    quadrants : pandas.DataFrame
        :func:`vip_quadrants` output.

    Returns
    -------
    pandas.DataFrame
        One row per quadrant 1..4 with its label.
    """
    require_columns(
        quadrants, ["quadrant", "visits", "spend", "spend_per_visit"], "quadrants", "quadrant_summary"
    )
    g = quadrants.groupby("quadrant")
    out = pd.DataFrame(
        {
            "customers": g.size(),
            "revenue": g["spend"].sum(),
            "visits": g["visits"].mean(),
            "spend_per_visit": g["spend_per_visit"].mean(),
        }
    ).reindex(list(QUADRANT_LABELS), fill_value=0)
    out.insert(0, "label", [QUADRANT_LABELS[q] for q in out.index])
    out.insert(2, "share", out["customers"] / out["customers"].sum())
    out.insert(4, "revenue_share", out["revenue"] / out["revenue"].sum())
    return out


def plot_vip_quadrants(quadrants: pd.DataFrame, ax=None, max_points: int = 5000, seed: int = 0):
    """Scatter of visits against spend per visit (log axes), cross-hair at the means,
    each quadrant annotated with its customers and revenue share.

    Parameters
    ----------
    quadrants : pandas.DataFrame
        :func:`vip_quadrants` output.
    ax : matplotlib.axes.Axes, optional
        Drawn on if given, else on a new figure.
    max_points : int
        Customers drawn at most (a seeded sample beyond).
    seed : int
        Seed of the sample and the jitter.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.
    """
    import matplotlib.pyplot as plt
    import seaborn as sns

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 5))
    shown = quadrants if len(quadrants) <= max_points else quadrants.sample(max_points, random_state=seed)
    jitter = np.random.default_rng(seed).uniform(-0.2, 0.2, len(shown))
    sns.scatterplot(
        x=shown["visits"] + jitter,
        y=shown["spend_per_visit"],
        hue=shown["label"],
        hue_order=list(QUADRANT_LABELS.values()),
        s=10,
        alpha=0.5,
        ax=ax,
        linewidth=0,
    )
    ax.set_xscale("log")
    ax.set_yscale("log")
    x0, y0 = quadrants.attrs["x_mean"], quadrants.attrs["y_mean"]
    ax.axvline(x0, color="k", lw=1)
    ax.axhline(y0, color="k", lw=1)
    summary = quadrant_summary(quadrants)
    xs = {1: 0.97, 4: 0.97, 2: 0.03, 3: 0.03}
    ys = {1: 0.97, 2: 0.97, 3: 0.03, 4: 0.03}
    for q, row in summary.iterrows():
        ax.text(
            xs[q],
            ys[q],
            f"Q{q}: {row['customers']:,} customers\n{row['revenue_share']:.0%} of revenue",
            transform=ax.transAxes,
            ha="right" if xs[q] > 0.5 else "left",
            va="top" if ys[q] > 0.5 else "bottom",
            fontsize=9,
            bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "none"},
        )
    ax.set_xlabel(f"visits in {quadrants.attrs['window_months']} months (log)")
    ax.set_ylabel("spend per visit (log)")
    ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8, title="quadrant")
    return ax
