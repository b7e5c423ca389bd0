"""The loaders: transactions, customers, promotions, surveys, and the shipped CDNOW log."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from .. import paths
from .._validate import data_error
from ._columns import _check_timezone, _dates, _ids, _numeric, _optional_ids, _Rows
from ._read import _load_frame, _no_rows
from .tables import CUSTOMER_COLUMNS, PROMOTION_COLUMNS, SURVEYS, TRANSACTION_COLUMNS, _is_id

__all__ = [
    "load_transactions",
    "load_customers",
    "load_promotions",
    "load_cdnow",
    "survey_blocks",
    "load_survey",
]

# --------------------------------------------------------------------------- loaders


def load_transactions(
    source,
    columns: Mapping[str, str] | None = None,
    *,
    sep: str | None = None,
    date_format: str | None = None,
    timezone: str | None = None,
    read_kwargs: Mapping | None = None,
    table: str = "transactions",
) -> pd.DataFrame:
    """Load and validate a transactions table.

    Parameters
    ----------
    source : path to a CSV (also ``.csv.gz``) or Parquet file, or a DataFrame (copied, never
        modified). The file is only read.
    columns : mapping canonical name -> user column name, e.g. ``{"customer_id": "cust"}``.
    sep : CSV delimiter (default ``,``).
    date_format : strptime format of the date column; ISO 8601 and ``YYYYMMDD`` integers
        are recognised without it.
    timezone : time zone that dates with a UTC offset (``2024-01-02T10:00+02:00``, tz-aware
        Parquet or DataFrame columns) are converted to before the zone is dropped; default
        ``"UTC"``. Dates without an offset are taken as they are. A column mixing dates with and
        without an offset is an error.
    read_kwargs : extra arguments for ``pandas.read_csv`` (e.g. ``{"encoding": "latin-1"}``).
    table : the table's name in error messages.

    Returns
    -------
    DataFrame
        A new table with ``customer_id`` (str, exactly as written), ``date`` (datetime64[ns],
        naive), ``amount`` (float) and the optional canonical columns present, sorted by
        customer and date. Every ``*_id`` column is text (``007`` and ``7`` stay two ids);
        extra columns are kept.

    Raises
    ------
    CRMDataError
        Naming the table, the column, how many rows are bad and an example.
    """
    timezone = _check_timezone(timezone)
    frame = _load_frame(
        source, columns, table, TRANSACTION_COLUMNS["required"], sep=sep, read_kwargs=read_kwargs
    )
    rows = _Rows.of(frame, table, source, ["customer_id", "date", "amount"])
    out = frame.copy()
    out["customer_id"] = _ids(rows, "customer_id")
    out["date"] = _dates(rows, "date", date_format=date_format, timezone=timezone)
    out["amount"] = _numeric(rows, "amount")
    for col in ("quantity", "cost"):
        if col in out.columns:
            out[col] = _numeric(rows, col, [*rows.cols, col], required=False)
    _optional_ids(rows, out, done=["customer_id"])
    return out.sort_values(["customer_id", "date"], kind="stable").reset_index(drop=True)


def load_customers(
    source,
    columns: Mapping[str, str] | None = None,
    *,
    sep: str | None = None,
    timezone: str | None = None,
    read_kwargs: Mapping | None = None,
) -> pd.DataFrame:
    """Load and validate a customers table (one row per customer_id).

    Parameters
    ----------
    source, columns, sep, timezone, read_kwargs : as for :func:`load_transactions`.

    Returns
    -------
    DataFrame
        ``customer_id`` as text, the date columns (``signup_date``, ``first_purchase_date``,
        ``card_date``) as naive datetime64[ns] (missing allowed), every ``*_id`` column as text.
    """
    table = "customers"
    timezone = _check_timezone(timezone)
    frame = _load_frame(
        source, columns, table, CUSTOMER_COLUMNS["required"], sep=sep, read_kwargs=read_kwargs
    )
    rows = _Rows.of(frame, table, source, ["customer_id"])
    out = frame.copy()
    out["customer_id"] = _ids(rows, "customer_id")
    dup = out["customer_id"].duplicated(keep=False).to_numpy()
    if dup.any():
        raise _Rows.of(out, table, source, ["customer_id"]).bad(
            dup, "customer_id", "repeat a customer id (one row per customer)"
        )
    for col in ("signup_date", "first_purchase_date", "card_date"):
        if col in out.columns:
            show = ["customer_id", col]
            out[col] = _dates(
                _Rows(frame, table, rows.line_offset, show), col, timezone=timezone, required=False
            )
    _optional_ids(rows, out, done=["customer_id"])
    return out


def load_promotions(
    source,
    columns: Mapping[str, str] | None = None,
    *,
    sep: str | None = None,
    timezone: str | None = None,
    read_kwargs: Mapping | None = None,
) -> pd.DataFrame:
    """Load and validate a promotions table (promotion_id, type, medium, start, end, cost).

    Parameters
    ----------
    source, columns, sep, timezone, read_kwargs : as for :func:`load_transactions`.

    Returns
    -------
    DataFrame
        ``promotion_id`` as text, ``start`` and ``end`` as naive datetime64[ns], ``cost`` float.
    """
    table = "promotions"
    timezone = _check_timezone(timezone)
    frame = _load_frame(
        source, columns, table, PROMOTION_COLUMNS["required"], sep=sep, read_kwargs=read_kwargs
    )
    rows = _Rows.of(frame, table, source, ["promotion_id", "start", "end"])
    out = frame.copy()
    out["promotion_id"] = _ids(rows, "promotion_id")
    for col in ("start", "end"):
        out[col] = _dates(rows, col, timezone=timezone)
    backwards = (out["end"] < out["start"]).to_numpy()
    if backwards.any():
        raise _Rows.of(out, table, source, rows.cols).bad(backwards, "end", "end before they start")
    out["cost"] = _numeric(rows, "cost", [*rows.cols, "cost"])
    _optional_ids(rows, out, done=["promotion_id"])
    return out


def load_cdnow(kind: str = "master") -> pd.DataFrame:
    """The CDNOW transactions of Fader & Hardie, as a validated transactions table.

    ``kind="master"``: all 23,570 customers of the 1997-Q1 cohort (69,659 rows).
    ``kind="sample"``: the 1/10 sample of 2,357 customers (6,919 rows) used by
    Fader, Hardie & Lee (2005); ``customer_id`` is the sample id (1..2357) and
    ``master_id`` the id in the master file.

    Parameters
    ----------
    kind : ``"master"`` or ``"sample"``.

    Returns
    -------
    DataFrame
        customer_id (str), date, quantity (number of CDs), amount (US$); ``master_id`` (str)
        in the sample.
    """
    root = paths.RAW_DIR / "cdnow"
    if kind == "master":
        raw = pd.read_csv(root / "CDNOW_master.txt", sep=r"\s+", dtype={"customer_id": str})
        raw = raw.rename(columns={"number_of_cds": "quantity", "dollar_value": "amount"})
    elif kind == "sample":
        raw = pd.read_csv(
            root / "CDNOW_sample.txt",
            sep=r"\s+",
            header=None,
            names=["master_id", "customer_id", "date", "quantity", "amount"],
            dtype={"master_id": str, "customer_id": str},
        )
        raw["customer_id"] = raw["customer_id"].str.lstrip("0")
    else:
        raise ValueError(f"load_cdnow: kind must be 'master' or 'sample', not {kind!r}")
    raw["date"] = raw["date"].astype(str)
    return load_transactions(raw, date_format="%Y%m%d", table=f"cdnow_{kind}")


def survey_blocks(name: str) -> dict[str, list[str]]:
    """Measurement blocks {latent: [items]} of a shipped survey.

    Parameters
    ----------
    name : ``"ecsi_mobi"`` or ``"bank"``.

    Returns
    -------
    dict
        ``{latent variable: [item columns]}`` (a copy).
    """
    if name not in SURVEYS:
        raise ValueError(f"unknown survey {name!r}; shipped: {sorted(SURVEYS)}")
    return {k: list(v) for k, v in SURVEYS[name]["blocks"].items()}


def load_survey(
    source,
    items: Sequence[str] | None = None,
    scale: tuple[float, float] | None = None,
    columns: Mapping[str, str] | None = None,
    *,
    sep: str | None = None,
) -> pd.DataFrame:
    """Load and validate a survey table.

    Parameters
    ----------
    source : a shipped survey name -- ``"ecsi_mobi"`` (250 x 24 items, 1..10) or ``"bank"``
        (250 x 27 items, 0..10, plus gender) -- or a path / DataFrame with a ``customer_id`` column.
    items : item columns (default: every numeric, non-boolean, non-id column); they must be
        numbers within ``scale`` (inclusive); missing answers are kept as NaN.
    scale : ``(low, high)`` of the answer scale (default: the shipped survey's, else unchecked).
    columns, sep : as for :func:`load_transactions`.

    Returns
    -------
    DataFrame
        ``customer_id`` as text (every ``*_id`` column as text) and the items as floats.
    """
    table = "survey"
    if isinstance(source, str) and source in SURVEYS:
        spec = SURVEYS[source]
        frame = pd.read_csv(paths.RAW_DIR / spec["path"], index_col=0)
        frame.index = frame.index.astype(str)
        frame = frame.rename_axis("customer_id").reset_index()
        items = items or [c for block in spec["blocks"].values() for c in block]
        scale = scale or spec["scale"]
        table = f"survey_{source}"
        _no_rows(frame, table, source)
    else:
        frame = _load_frame(source, columns, table, ["customer_id"], sep=sep, read_kwargs=None)
    rows = _Rows.of(frame, table, source, ["customer_id"])
    out = frame.copy()
    out["customer_id"] = _ids(rows, "customer_id")
    _optional_ids(rows, out, done=["customer_id"])
    if items is None:
        items = [c for c in out.columns if _is_item(out[c]) and not _is_id(c)]
    missing = [c for c in items if c not in out.columns]
    if missing:
        raise data_error(
            table,
            missing[0],
            f"missing item column(s) {missing}; found {list(out.columns)}",
            n_bad=len(missing),
        )
    for item in items:
        show = ["customer_id", item]
        out[item] = _numeric(rows, item, show, allow_negative=True, required=False)
        if scale is not None:
            lo, hi = scale
            outside = ((out[item] < lo) | (out[item] > hi)).to_numpy()
            if outside.any():
                raise _Rows.of(out, table, source, show).bad(
                    outside, item, f"are outside the scale {lo}..{hi}"
                )
    return out


def _is_item(column: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)
