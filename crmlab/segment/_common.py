"""Shared helpers of the segmentation functions: the observation end, visits, sign-ups, windows."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._validate import require_columns, resolve_observation_end

# --------------------------------------------------------------------------- helpers


def _end(transactions: pd.DataFrame, observation_end) -> pd.Timestamp:
    return resolve_observation_end(transactions["date"], observation_end)


def _visits(transactions: pd.DataFrame, observation_end=None, start=None) -> pd.DataFrame:
    """One row per (customer, purchase day) with the day's spend (and margin if ``cost``)."""
    require_columns(transactions, ["customer_id", "date", "amount"], "transactions", "crmlab.segment")
    end = _end(transactions, observation_end)
    day = transactions["date"].dt.normalize()
    keep = day <= end
    if start is not None:
        keep &= day > pd.Timestamp(start).normalize()
    cols = {
        "customer_id": transactions["customer_id"][keep],
        "day": day[keep],
        "amount": transactions["amount"][keep],
    }
    if "cost" in transactions.columns:
        cols["margin"] = (transactions["amount"] - transactions["cost"])[keep]
    frame = pd.DataFrame(cols)
    return frame.groupby(["customer_id", "day"], sort=False, observed=True).sum().reset_index()


def _signed_up(customers: pd.DataFrame, end: pd.Timestamp) -> pd.DataFrame:
    """Customers who had signed up by ``end`` (all of them without a ``signup_date``)."""
    if "signup_date" not in customers.columns:
        return customers
    return customers[~(pd.to_datetime(customers["signup_date"]) > end)]


def _window_start(end: pd.Timestamp, months: int) -> pd.Timestamp:
    if not isinstance(months, (int, np.integer)) or months < 1:
        raise ValueError(f"window_months must be a positive integer, not {months!r}")
    return end - pd.DateOffset(months=int(months))
