"""The CLV package's own input steps, built on the validation kit (:mod:`crmlab._validate`).

Scalars go through :func:`crmlab._validate.check_number` / ``check_choice``; tables through
``require_columns`` and ``bad_rows``. What is CLV-specific lives here: an input that may be a
number, one value per period, one per customer or a customer x period table (:func:`values`),
the horizon (a whole number of periods, or ``None`` for an infinite one), and the checks of a
transactions table used for money (ids, dates, finite amounts and costs).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from .._validate import bad_rows, check_choice, check_number, data_error, require_columns

__all__: list[str] = []

TIMINGS = ("end", "begin")


class Values(NamedTuple):
    """An input classified by shape: ``kind`` is scalar, customer, period or table."""

    name: str
    kind: str
    arr: np.ndarray
    index: pd.Index | None


def timing_arg(timing: str, where: str) -> str:
    """``timing`` if it is "end" or "begin", else ValueError naming it."""
    return check_choice("timing", timing, TIMINGS, where=where)


def horizon_arg(horizon, where: str, *, allow_none: bool) -> int | None:
    """A whole number of periods >= 1; ``None`` (an infinite horizon) where allowed."""
    if horizon is None:
        if allow_none:
            return None
        raise ValueError(f"{where}: horizon must be a whole number of periods >= 1, not None")
    return check_number("horizon", horizon, lo=1, integer=True, where=where)


def _pandas_values(name: str, x, where: str) -> Values:
    kind = "table" if isinstance(x, pd.DataFrame) else "customer"
    arr = x.to_numpy(dtype=np.float64, na_value=np.nan)
    if arr.size == 0:
        raise ValueError(f"{where}: {name} is empty")
    bad = ~np.isfinite(arr)
    if bad.any():
        frame = x if kind == "table" else x.to_frame(name=name)
        rows = bad if bad.ndim == 1 else bad.any(axis=1)
        raise bad_rows(frame, rows, name, None, "are missing or infinite")
    return Values(name, kind, arr, x.index)


def values(name: str, x, where: str) -> Values:
    """Classify an input: scalar, per-customer Series, per-period 1-D, customer x period 2-D.

    Pandas inputs with missing or infinite values are a CRMDataError naming the first bad
    customer; other inputs a ValueError (TypeError when not numeric).
    """
    if isinstance(x, (pd.DataFrame, pd.Series)):
        return _pandas_values(name, x, where)
    if np.ndim(x) == 0:
        return Values(name, "scalar", np.float64(check_number(name, x, where=where)), None)
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{where}: {name} must be numeric") from None
    if arr.ndim not in (1, 2):
        raise ValueError(
            f"{where}: {name} must be a scalar, 1-D (per period) or 2-D (customer x period), not {arr.ndim}-D"
        )
    if arr.size == 0:
        raise ValueError(f"{where}: {name} is empty")
    bad = ~np.isfinite(arr)
    if np.any(bad):
        raise ValueError(f"{where}: {name}: {int(np.sum(bad))} value(s) are missing or infinite")
    return Values(name, "period" if arr.ndim == 1 else "table", arr, None)


def as_2d(v: Values) -> np.ndarray:
    """The input as a (customers, periods) array: a scalar is 1 x 1, a Series n x 1, per period 1 x H."""
    arr = np.asarray(v.arr, dtype=np.float64)
    if v.kind == "scalar":
        return arr.reshape(1, 1)
    if v.kind == "customer":
        return arr.reshape(-1, 1)
    if v.kind == "period":
        return arr.reshape(1, -1)
    return arr


def check_rates(name: str, arr, where: str) -> None:
    """ValueError unless every rate lies within [0, 1], showing the first one outside."""
    flat = np.asarray(arr, dtype=np.float64).ravel()
    outside = (flat < 0) | (flat > 1)
    if outside.any():
        raise ValueError(f"{where}: {name} rates must be within [0, 1]; found {flat[outside][0]!r}")


def _bad_mask(transactions: pd.DataFrame, col: str, table: str) -> np.ndarray:
    """Rows of ``col`` that cannot be used: missing ids or dates, non-finite numbers."""
    series = transactions[col]
    if col == "customer_id":
        return series.isna().to_numpy()
    if col == "date":
        if not pd.api.types.is_datetime64_any_dtype(series):
            raise data_error(
                table,
                "date",
                "dates must be datetime64 (use crmlab.data.load_transactions)",
                n_bad=len(series),
            )
        return series.isna().to_numpy()
    if not pd.api.types.is_numeric_dtype(series):
        raise data_error(table, col, f"must be numeric (dtype {series.dtype})", n_bad=len(series))
    return ~np.isfinite(series.to_numpy(dtype=np.float64, na_value=np.nan))


def check_transactions(transactions, need, caller: str, table: str = "transactions") -> None:
    """The house errors for a transactions table used for money.

    Missing table or columns, no rows, missing ids or dates, dates that are not datetime64,
    non-numeric or non-finite ``amount`` / ``cost``: CRMDataError naming the column, the
    number of bad rows and the first of them. Not a DataFrame: TypeError.
    """
    require_columns(transactions, need, table, caller)
    if len(transactions) == 0:
        raise data_error(table, None, f"{caller} needs at least one row; the table is empty", n_bad=0)
    for col in need:
        bad = _bad_mask(transactions, col, table)
        if bad.any():
            shown = list(dict.fromkeys(c for c in ("customer_id", "date", col) if c in transactions.columns))
            raise bad_rows(transactions, bad, table, col, "are missing or not finite", shown)
