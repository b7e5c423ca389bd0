"""Column checks of the loaders: ids as text, dates (time-zone rule, range), real numbers.

Each check raises the house :class:`~crmlab.exceptions.CRMDataError` through the kit's
``bad_rows``: table, column, how many rows, and the first bad row as it was written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._validate import bad_rows
from ..exceptions import CRMDataError
from ._read import _is_text_file
from .tables import DATE_RANGE, NA_TEXT, _is_id

# a time of day followed by a UTC offset or zone letter: "10:00+02:00", "10:00:00.5Z", "10:00 UTC"
# (plain [0-9] and spaces, no $: pandas then runs it in pyarrow's RE2, not row by row in Python)
_OFFSET = (
    r"[0-9]:[0-9]{2}(?::[0-9]{2}(?:[.,][0-9]+)?)? *"
    r"(?:[zZ]|[uU][tT][cC]|[gG][mM][tT]|[+-][0-9]{2}(?::?[0-9]{2})?)\Z"
)

# --------------------------------------------------------------------------- validation


@dataclass(frozen=True)
class _Rows:
    """A table being validated: where its rows come from, for the examples in the errors."""

    frame: pd.DataFrame
    table: str
    line_offset: int | None  # 2 for a CSV file (header + 1-based lines), else None
    cols: Sequence[str]

    @classmethod
    def of(cls, frame: pd.DataFrame, table: str, source, cols: Sequence[str]) -> _Rows:
        """Examples name a CSV file's line (header + 1-based), else the row's index label."""
        return cls(frame, table, 2 if _is_text_file(source) else None, list(cols))

    def bad(self, mask, column: str, what: str, cols: Sequence[str] | None = None) -> CRMDataError:
        return bad_rows(
            self.frame, mask, self.table, column, what, cols or self.cols, line_offset=self.line_offset
        )


def _id_text(raw: pd.Series) -> pd.Series:
    """Ids as text: strings as written (stripped), whole floats 7.0 -> '7' (integer ids with gaps)."""
    if pd.api.types.is_float_dtype(raw):
        values = raw.to_numpy(dtype=np.float64, na_value=np.nan)
        whole = np.isfinite(values) & (np.mod(values, 1) == 0) & (np.abs(values) < 2**53)
        as_int = np.where(whole, values, 0).astype(np.int64).astype(str)
        text = np.where(whole, as_int, raw.astype(str).to_numpy(dtype=object))
        return pd.Series(text, index=raw.index, dtype="string").mask(raw.isna())
    return raw.astype("string").str.strip()


def _ids(rows: _Rows, column: str) -> pd.Series:
    """A required id column as text; empty or NA-like ids (NA, NULL, ...) are missing ids."""
    text = _id_text(rows.frame[column])
    missing = (text.isna() | text.isin(NA_TEXT)).to_numpy()
    if missing.any():
        raise rows.bad(missing, column, f"have no {column.replace('_', ' ')}")
    return text.astype(str)


def _optional_ids(rows: _Rows, out: pd.DataFrame, done: Sequence[str]) -> None:
    """Every other ``*_id`` column as text; empty or NA-like values become missing."""
    for column in out.columns:
        if _is_id(column) and column not in done:
            text = _id_text(rows.frame[column])
            out[column] = text.mask(text.isin(NA_TEXT)).astype(str)


def _check_timezone(timezone) -> str:
    if timezone is None:
        return "UTC"
    try:
        pd.Timestamp(0, tz=timezone)
    except Exception as exc:  # pytz / zoneinfo raise several types
        raise ValueError(f"timezone: unknown time zone {timezone!r} (e.g. 'UTC', 'Europe/Berlin')") from exc
    return timezone


def _to_local(values: pd.Series, timezone: str) -> pd.Series:
    """Aware timestamps -> wall-clock time in ``timezone``, zone dropped."""
    return values.dt.tz_convert(timezone).dt.tz_localize(None)


def _yyyymmdd(rows: _Rows, column: str, date_format: str | None) -> pd.Series:
    """Numbers such as 19970101 are YYYYMMDD dates, not nanoseconds since 1970."""
    values = pd.to_numeric(rows.frame[column], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    finite = np.isfinite(values)
    frac = finite & (np.mod(values, 1) != 0)
    if frac.any():
        raise rows.bad(frac, column, "are not whole YYYYMMDD numbers (e.g. 20240103)")
    ok = finite & (np.abs(values) < 2**53)
    text = np.where(ok, np.where(ok, values, 0).astype(np.int64).astype(str), None)
    return pd.to_datetime(pd.Series(text, dtype="string"), format=date_format or "%Y%m%d", errors="coerce")


def _mixed_zones(rows: _Rows, column: str, aware: np.ndarray, naive: np.ndarray, timezone: str):
    n_aware, n_naive = int(aware.sum()), int(naive.sum())
    if n_aware <= n_naive:
        mask, what = aware, f"have a time-zone offset while the other {n_naive:,} rows do not"
    else:
        mask, what = naive, f"have no time-zone offset while the other {n_aware:,} rows do"
    return rows.bad(
        mask,
        column,
        f"{what}: crmlab converts offsets to {timezone} but cannot guess the zone of a date "
        "without one; give every date an offset, or none",
    )


def _text_dates(rows: _Rows, column: str, date_format: str | None, timezone: str) -> pd.Series:
    text = rows.frame[column].astype("string").str.strip()
    present = (text.notna() & (text != "")).to_numpy()
    if date_format:
        aware = present & ("%z" in date_format or "%Z" in date_format)
    else:
        aware = text.str.contains(_OFFSET, regex=True).fillna(False).to_numpy(dtype=bool)
    if aware.any() and not aware[present].all():
        raise _mixed_zones(rows, column, aware, present & ~aware, timezone)
    utc = bool(aware.any())
    try:
        parsed = pd.to_datetime(text, format=date_format or "ISO8601", errors="coerce", utc=utc)
    except (ValueError, TypeError):
        try:
            parsed = pd.to_datetime(text, format="mixed", errors="coerce", utc=utc)
        except (ValueError, TypeError) as exc:
            raise rows.bad(
                present,
                column,
                f"hold dates pandas cannot read together ({exc}); write them as ISO 8601, "
                "e.g. 2024-01-31 or 2024-01-31T10:00:00+02:00",
            ) from exc
    return _to_local(parsed, timezone) if isinstance(parsed.dtype, pd.DatetimeTZDtype) else parsed


def _parse_dates(rows: _Rows, column: str, date_format: str | None, timezone: str) -> pd.Series:
    raw = rows.frame[column]
    if pd.api.types.is_bool_dtype(raw):
        raise rows.bad(raw.notna().to_numpy(), column, "are True/False values, not dates")
    if isinstance(raw.dtype, pd.DatetimeTZDtype):
        return _to_local(raw, timezone)
    if pd.api.types.is_datetime64_dtype(raw):
        return raw
    if pd.api.types.is_numeric_dtype(raw):
        return _yyyymmdd(rows, column, date_format)
    return _text_dates(rows, column, date_format, timezone)


def _dates(
    rows: _Rows,
    column: str,
    *,
    date_format: str | None = None,
    timezone: str = "UTC",
    required: bool = True,
) -> pd.Series:
    """A date column as naive datetime64[ns]: aware timestamps converted to ``timezone``."""
    missing = rows.frame[column].isna().to_numpy()
    if required and missing.any():
        raise rows.bad(missing, column, "have no date")
    parsed = _parse_dates(rows, column, date_format, timezone)
    bad = parsed.isna().to_numpy() & ~missing
    if bad.any():
        how = f" with format {date_format!r}" if date_format else ""
        raise rows.bad(bad, column, f"have dates that cannot be parsed{how}")
    lo, hi = DATE_RANGE
    outside = ((parsed < lo) | (parsed > hi)).fillna(False).to_numpy(dtype=bool)
    if outside.any():
        raise rows.bad(
            outside, column, f"have dates outside the range crmlab handles ({lo.date()} .. {hi.date()})"
        )
    return parsed.astype("datetime64[ns]")


def _real_numbers(rows: _Rows, column: str, cols) -> None:
    """Booleans and complex numbers are not amounts, even though numpy converts them."""
    raw = rows.frame[column]
    if pd.api.types.is_bool_dtype(raw):
        raise rows.bad(raw.notna().to_numpy(), column, "are True/False values, not numbers", cols)
    if pd.api.types.is_complex_dtype(raw):
        raise rows.bad(np.ones(len(raw), dtype=bool), column, "are complex numbers, not real numbers", cols)
    if raw.dtype == object:
        flags = raw.map(lambda v: isinstance(v, (bool, np.bool_))).to_numpy(dtype=bool)
        if flags.any():
            raise rows.bad(flags, column, "are True/False values, not numbers", cols)
        flags = raw.map(lambda v: isinstance(v, (complex, np.complexfloating))).to_numpy(dtype=bool)
        if flags.any():
            raise rows.bad(flags, column, "are complex numbers, not real numbers", cols)


def _numeric(rows: _Rows, column: str, cols=None, *, allow_negative=False, required=True) -> pd.Series:
    _real_numbers(rows, column, cols)
    raw = rows.frame[column]
    values = pd.to_numeric(raw, errors="coerce")
    missing = raw.isna().to_numpy()
    if required and missing.any():
        raise rows.bad(missing, column, "are missing", cols)
    nonnum = values.isna().to_numpy() & ~missing
    if nonnum.any():
        raise rows.bad(nonnum, column, "are not numbers", cols)
    values = values.astype("float64")
    inf = ~np.isfinite(values.fillna(0.0).to_numpy())
    if inf.any():
        raise rows.bad(inf, column, "are infinite", cols)
    if not allow_negative:
        neg = (values < 0).to_numpy()
        if neg.any():
            raise rows.bad(
                neg,
                column,
                "are negative (returns and refunds are not supported: net them out or drop them first)",
                cols,
            )
    return values
