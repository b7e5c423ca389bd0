"""Behavioural features per customer: the input of clusters and VIP charts."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._common import _end, _visits

__all__ = ["customer_features"]

# --------------------------------------------------------------------------- features


def customer_features(transactions: pd.DataFrame, observation_end=None) -> pd.DataFrame:
    """Behavioural features per customer who bought by ``observation_end``.

    Columns: ``recency_days`` (days since the last visit), ``frequency`` (visits),
    ``monetary`` (total spend), ``avg_order_value`` = monetary / frequency (spend per
    visit), ``tenure_days`` (days since the first visit), ``visits_per_year`` =
    frequency / max(tenure_days + 1, 30) * 365.25 (customers younger than a month are
    annualised over 30 days), ``promo_share`` (share of orders with a ``promotion_id``,
    where the column exists) and ``margin`` (amount - cost, where ``cost`` exists).
    Amounts in the currency of ``amount``.

    Parameters
    ----------
    transactions : pandas.DataFrame
        customer_id, date, amount of every order.
    observation_end : date-like, optional
        Last day kept (default: the data's last day).

    Returns
    -------
    pandas.DataFrame
        One row per customer (index customer_id) with the columns above.
    """
    visits = _visits(transactions, observation_end)
    end = _end(transactions, observation_end)
    g = visits.groupby("customer_id", sort=True, observed=True)
    out = pd.DataFrame(
        {
            "recency_days": (end - g["day"].max()).dt.days.astype(float),
            "frequency": g.size().astype(float),
            "monetary": g["amount"].sum(),
        }
    )
    out["avg_order_value"] = out["monetary"] / out["frequency"]
    out["tenure_days"] = (end - g["day"].min()).dt.days.astype(float)
    out["visits_per_year"] = out["frequency"] / np.maximum(out["tenure_days"] + 1, 30) * 365.25
    if "promotion_id" in transactions.columns:
        kept = transactions[transactions["date"].dt.normalize() <= end]
        promo = kept["promotion_id"].notna().groupby(kept["customer_id"], observed=True).mean()
        out["promo_share"] = promo.reindex(out.index).to_numpy()
    if "margin" in visits.columns:
        out["margin"] = g["margin"].sum()
    out.index.name = "customer_id"
    return out
