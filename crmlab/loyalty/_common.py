"""Shared helpers of the loyalty package: transaction checks and day numbers."""

from __future__ import annotations

import warnings
from datetime import date

import numpy as np
import pandas as pd

from .._validate import bad_rows, data_error, require_columns, resolve_observation_end
from ..rfm import CustomersLeftOutWarning, rfm_summary

WEEKS_PER_YEAR = 365.25 / 7.0

#: anything ``pd.Timestamp`` reads as a date
DateLike = str | date | pd.Timestamp | np.datetime64

# --------------------------------------------------------------------------- helpers


def _check_transactions(transactions: pd.DataFrame, need=("customer_id", "date", "amount")) -> None:
    """The kit's checks for the loyalty functions: columns, rows, a datetime ``date``, amounts >= 0."""
    require_columns(transactions, need, "transactions")
    if len(transactions) == 0:
        raise data_error("transactions", None, "no rows", n_bad=0)
    if not pd.api.types.is_datetime64_any_dtype(transactions["date"]):
        raise data_error(
            "transactions",
            "date",
            "is not a datetime column; load the table with crmlab.data.load_transactions",
            example=repr(transactions["date"].iloc[0]),
        )
    no_date = transactions["date"].isna().to_numpy()
    if no_date.any():
        raise bad_rows(transactions, no_date, "transactions", "date", "have no date", list(need))
    amount = pd.to_numeric(transactions["amount"], errors="coerce")
    bad = (amount.isna() | ~np.isfinite(amount.fillna(0)) | (amount < 0)).to_numpy()
    if bad.any():
        cols = ["customer_id", "date", "amount"]
        raise bad_rows(
            transactions, bad, "transactions", "amount", "are missing, not finite or negative", cols
        )


def _end_day(transactions: pd.DataFrame, observation_end=None) -> int:
    """Day number of :func:`crmlab._validate.resolve_observation_end` (default: the last date)."""
    return _to_day(resolve_observation_end(transactions["date"], observation_end))


def _day_numbers(dates) -> np.ndarray:
    return np.asarray(dates, dtype="datetime64[ns]").astype("datetime64[D]").astype(np.int64)


def _to_day(value) -> int:
    return int(np.datetime64(pd.Timestamp(value).date(), "D").astype(np.int64))


def _summary(transactions, **kwargs):
    """rfm_summary at a chosen end: customers who start later are left out on purpose, unwarned."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CustomersLeftOutWarning)
        return rfm_summary(transactions, **kwargs)
