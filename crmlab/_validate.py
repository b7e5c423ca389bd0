"""One validation kit: every module checks its input with these and raises the house errors.

The house message is ``"<table>.<column>: <what is wrong> (example: <one bad row>)"``, carried by
:class:`crmlab.exceptions.CRMDataError` with ``table``, ``column``, ``n_bad`` and ``example``.
Bad *data* raise ``CRMDataError``; bad *arguments* (rates, horizons, options) raise ``ValueError``
or ``TypeError`` naming the argument.
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Real

import numpy as np
import pandas as pd

from .exceptions import CRMDataError

__all__ = [
    "data_error",
    "require_frame",
    "require_columns",
    "bad_rows",
    "check_number",
    "check_choice",
    "resolve_observation_end",
    "is_lazy",
]


def data_error(
    table: str, column: str | None, message: str, *, n_bad: int | None = None, example: str | None = None
) -> CRMDataError:
    """Build the house error: ``"<table>.<column>: <message> (example: <example>)"``."""
    where = f"{table}.{column}" if column else table
    text = f"{where}: {message}"
    if example is not None:
        text += f" (example: {example})"
    return CRMDataError(text, table=table, column=column, n_bad=n_bad, example=example)


def require_frame(frame, table: str = "transactions", caller: str | None = None) -> pd.DataFrame:
    """``frame`` itself if it is a DataFrame; ``None`` -> CRMDataError, anything else -> TypeError."""
    if frame is None:
        who = f"{caller} " if caller else ""
        raise data_error(table, None, f"{who}needs a {table} table")
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"{caller or table}: {table} must be a DataFrame, not {type(frame).__name__}")
    return frame


def require_columns(
    frame, columns: Sequence[str], table: str = "transactions", caller: str | None = None
) -> None:
    """Raise the house error unless ``frame`` is a DataFrame holding every one of ``columns``.

    ``None`` -> CRMDataError ("needs a <table> table"); not a DataFrame -> TypeError;
    missing columns -> CRMDataError naming the first, listing all and what was found.
    """
    require_frame(frame, table, caller)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        who = f"{caller} " if caller else ""
        raise data_error(
            table,
            missing[0],
            f"{who}needs column(s) {missing}; found {list(frame.columns)}",
            n_bad=len(missing),
        )


def _plain(value):
    """np.int64(-9) -> -9, Timestamp at midnight -> '2024-01-01', for readable examples."""
    if isinstance(value, pd.Timestamp):
        return str(value.date()) if value == value.normalize() else str(value)
    return value.item() if isinstance(value, np.generic) else value


def bad_rows(
    frame: pd.DataFrame,
    mask,
    table: str,
    column: str | None,
    what: str,
    cols: Sequence[str] | None = None,
    *,
    line_offset: int | None = None,
) -> CRMDataError:
    """The error for the rows where ``mask`` is true: ``"<n> of <N> rows <what>"`` plus the first one.

    ``cols`` are the columns shown in the example (default: ``column``); ``line_offset`` names
    the example by its line in a file (header + 1-based: ``line_offset=2``) instead of its index.
    """
    mask = np.asarray(mask, dtype=bool)
    n_bad = int(mask.sum())
    example = None
    if n_bad:
        i = int(np.flatnonzero(mask)[0])
        row = frame.iloc[i]
        where = (
            f"line {i + line_offset} of the file" if line_offset is not None else f"row {frame.index[i]!r}"
        )
        shown = [c for c in (cols or ([column] if column else list(frame.columns))) if c in frame.columns]
        example = f"{where}: " + ", ".join(f"{c}={_plain(row[c])!r}" for c in shown)
    return data_error(table, column, f"{n_bad:,} of {len(frame):,} rows {what}", n_bad=n_bad, example=example)


def check_number(
    name: str,
    value,
    *,
    lo: float | None = None,
    hi: float | None = None,
    lo_open: bool = False,
    hi_open: bool = False,
    integer: bool = False,
    where: str = "",
) -> float:
    """A finite real scalar argument within [lo, hi] (open ends on request), else ValueError/TypeError."""
    who = f"{where}: " if where else ""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{who}{name} must be a number, not {type(value).__name__} ({value!r})")
    x = float(value)
    if not np.isfinite(x):
        raise ValueError(f"{who}{name} must be finite, got {value!r}")
    if integer and x != int(x):
        raise ValueError(f"{who}{name} must be a whole number, got {value!r}")
    low_bad = lo is not None and (x <= lo if lo_open else x < lo)
    high_bad = hi is not None and (x >= hi if hi_open else x > hi)
    if low_bad or high_bad:
        left = "(" if lo_open else "["
        right = ")" if hi_open else "]"
        span = f"{left}{'-inf' if lo is None else lo}, {'inf' if hi is None else hi}{right}"
        raise ValueError(f"{who}{name} must lie in {span}, got {value!r}")
    return int(x) if integer else x


def check_choice(name: str, value, choices: Sequence, where: str = ""):
    """``value`` if it is one of ``choices``, else a ValueError listing them."""
    if value not in choices:
        who = f"{where}: " if where else ""
        raise ValueError(f"{who}{name} must be one of {list(choices)}, got {value!r}")
    return value


def resolve_observation_end(dates, observation_end=None, *, normalize: bool = True) -> pd.Timestamp:
    """The end of the observation window: the given date, else the last date in ``dates``.

    One resolver for every per-customer summary. ``dates`` is a date column (Series or array);
    ``observation_end`` anything ``pd.Timestamp`` takes. The result is normalised to midnight
    (a day-level window) unless ``normalize=False``. An unparseable value is a ValueError.
    """
    if observation_end is None:
        dates = pd.Series(dates)
        if dates.empty or dates.isna().all():
            raise ValueError("observation_end: no dates to derive it from; pass observation_end=")
        end = pd.Timestamp(dates.max())
    else:
        try:
            end = pd.Timestamp(observation_end)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"observation_end: not a date: {observation_end!r}") from exc
        if end is pd.NaT:
            raise ValueError(f"observation_end: not a date: {observation_end!r}")
    return end.normalize() if normalize else end


def is_lazy(table) -> bool:
    """Whether ``table`` is computed in an engine rather than in pandas.

    Anything but a pandas DataFrame (or None): a path or glob, an Ibis table, a DuckDB relation,
    a PySpark DataFrame. The per-customer and per-month functions hand such a table to
    :mod:`crmlab.engine`, which checks that it is one it can read.
    """
    return not isinstance(table, pd.DataFrame) and table is not None
