"""Shared helpers of the loyalty package: transaction checks and day numbers."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from .._validate import data_error, require_columns
from ..rfm import CustomersLeftOutWarning, rfm_summary

WEEKS_PER_YEAR = 365.25 / 7.0

# --------------------------------------------------------------------------- helpers

_fail = data_error  # the house error message: table.column: message (example: ...)


def _check_transactions(transactions: pd.DataFrame, need=("customer_id", "date", "amount")) -> None:
    require_columns(transactions, need, "transactions")
    if len(transactions) == 0:
        raise _fail("transactions", None, "no rows", n_bad=0)
    if not pd.api.types.is_datetime64_any_dtype(transactions["date"]):
        raise _fail(
            "transactions",
            "date",
            "is not a datetime column; load the table with crmlab.data.load_transactions",
            example=repr(transactions["date"].iloc[0]),
        )
    if transactions["date"].isna().any():
        bad = transactions["date"].isna().to_numpy()
        raise _fail(
            "transactions",
            "date",
            f"{int(bad.sum()):,} rows have no date",
            n_bad=int(bad.sum()),
            example=repr(transactions.loc[bad].iloc[0].to_dict()),
        )
    amount = pd.to_numeric(transactions["amount"], errors="coerce")
    bad = (amount.isna() | ~np.isfinite(amount.fillna(0)) | (amount < 0)).to_numpy()
    if bad.any():
        raise _fail(
            "transactions",
            "amount",
            f"{int(bad.sum()):,} rows are missing, not finite or negative",
            n_bad=int(bad.sum()),
            example=repr(transactions["amount"].to_numpy()[bad][0]),
        )


def _day_numbers(dates) -> np.ndarray:
    return np.asarray(dates, dtype="datetime64[ns]").astype("datetime64[D]").astype(np.int64)


def _to_day(value) -> int:
    return int(np.datetime64(pd.Timestamp(value).date(), "D").astype(np.int64))


def _summary(transactions, **kwargs):
    """rfm_summary at a chosen end: customers who start later are left out on purpose, unwarned."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CustomersLeftOutWarning)
        return rfm_summary(transactions, **kwargs)
