"""Canonical tables, loaders and validation.

Every analysis in crmlab starts from one of four canonical tables
(documented in ``data/README.md``):

* **transactions** -- required ``customer_id``, ``date``, ``amount``; optional
  ``order_id``, ``quantity``, ``product``, ``category``, ``channel``, ``region``,
  ``promotion_id``, ``cost``.
* **customers** -- ``customer_id``; optional ``signup_date``,
  ``first_purchase_date``, ``card_date``, ``age_band``, ``gender``,
  ``income_band``, ``region``, ``city_tier``, ``acquisition_channel``.
* **survey** -- ``customer_id`` and item responses on stated scales.
* **promotions** -- ``promotion_id``, ``type``, ``medium``, ``start``, ``end``, ``cost``.

Loaders read a CSV or Parquet file (or take a DataFrame), map the user's column
names onto the canonical ones and validate. Anything wrong raises
:class:`CRMDataError` naming the table, the column, how many rows are bad and
an example. Input files and frames are never modified.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from . import paths
from ._validate import data_error, require_columns
from .exceptions import CRMDataError

__all__ = [
    "CRMDataError",
    "data_error",
    "require_columns",
    "TRANSACTION_COLUMNS",
    "CUSTOMER_COLUMNS",
    "PROMOTION_COLUMNS",
    "SURVEYS",
    "load_transactions",
    "load_customers",
    "load_promotions",
    "load_survey",
    "load_cdnow",
    "survey_blocks",
    "pseudonymize",
]


TRANSACTION_COLUMNS = {
    "required": ["customer_id", "date", "amount"],
    "optional": ["order_id", "quantity", "product", "category", "channel", "region", "promotion_id", "cost"],
}
CUSTOMER_COLUMNS = {
    "required": ["customer_id"],
    "optional": [
        "signup_date",
        "first_purchase_date",
        "card_date",
        "age_band",
        "gender",
        "income_band",
        "region",
        "city_tier",
        "acquisition_channel",
    ],
}
PROMOTION_COLUMNS = {
    "required": ["promotion_id", "type", "medium", "start", "end", "cost"],
    "optional": [],
}

# The shipped surveys: file, scale and the measurement blocks of their PLS models.
SURVEYS = {
    "ecsi_mobi": {
        "path": Path("ecsi_mobi") / "mobi.csv",
        "scale": (1, 10),
        "blocks": {
            "image": ["IMAG1", "IMAG2", "IMAG3", "IMAG4", "IMAG5"],
            "expectation": ["CUEX1", "CUEX2", "CUEX3"],
            "quality": ["PERQ1", "PERQ2", "PERQ3", "PERQ4", "PERQ5", "PERQ6", "PERQ7"],
            "value": ["PERV1", "PERV2"],
            "satisfaction": ["CUSA1", "CUSA2", "CUSA3"],
            "complaints": ["CUSCO"],
            "loyalty": ["CUSL1", "CUSL2", "CUSL3"],
        },
        "source": "ECSI mobile phone survey; Tenenhaus et al. (2005), CSDA 48:159-205.",
    },
    "bank": {
        "path": Path("bank_satisfaction") / "satisfaction.csv",
        "scale": (0, 10),
        "blocks": {
            "image": ["imag1", "imag2", "imag3", "imag4", "imag5"],
            "expectation": ["expe1", "expe2", "expe3", "expe4", "expe5"],
            "quality": ["qual1", "qual2", "qual3", "qual4", "qual5"],
            "value": ["val1", "val2", "val3", "val4"],
            "satisfaction": ["sat1", "sat2", "sat3", "sat4"],
            "loyalty": ["loy1", "loy2", "loy3", "loy4"],
        },
        "source": "Bank satisfaction survey as shipped by the R package plspm (Sanchez 2013).",
    },
}


# --------------------------------------------------------------------------- reading


_fail = data_error


def _check_text_file(path: Path, table: str) -> None:
    with open(path, "rb") as fh:
        head = fh.read(65536)
    if not head.strip():
        raise _fail(table, None, f"the file {path} is empty (no header, no rows)", n_bad=0)
    if b"\x00" in head:
        raise _fail(
            table,
            None,
            f"the file {path} is not a text file (it contains NUL bytes); give a CSV or a Parquet file",
        )


def _header_fields(path: Path, sep: str) -> list[str]:
    with open(path, newline="", encoding="utf-8", errors="replace") as fh:
        first = fh.readline()
    return next(csv.reader(io.StringIO(first), delimiter=sep), [])


def _read_table(source, table: str, *, sep: str | None, read_kwargs: Mapping | None) -> pd.DataFrame:
    """Read a CSV or Parquet file, or copy a DataFrame; structural checks only."""
    if isinstance(source, pd.DataFrame):
        frame = source.copy()
        dup = frame.columns[frame.columns.duplicated()].unique().tolist()
        if dup:
            raise _fail(table, str(dup[0]), f"duplicated column names {dup}", n_bad=len(dup))
        return frame
    path = Path(source)
    if not path.exists():
        raise _fail(table, None, f"no such file: {path}")
    if path.is_dir():
        raise _fail(table, None, f"{path} is a directory, not a file")
    with open(path, "rb") as fh:
        magic = fh.read(4)
    if path.suffix.lower() in {".parquet", ".pq"} or magic == b"PAR1":
        try:
            frame = pd.read_parquet(path)
        except Exception as exc:  # pyarrow raises several types
            raise _fail(table, None, f"cannot read {path} as Parquet: {exc}") from exc
        dup = frame.columns[frame.columns.duplicated()].unique().tolist()
        if dup:
            raise _fail(table, str(dup[0]), f"duplicated column names {dup}", n_bad=len(dup))
        return frame

    _check_text_file(path, table)
    delimiter = sep or ","
    header = _header_fields(path, delimiter)
    seen: dict[str, int] = {}
    for name in header:
        seen[name] = seen.get(name, 0) + 1
    dup = [name for name, count in seen.items() if count > 1]
    if dup:
        raise _fail(
            table,
            dup[0],
            f"duplicated column names {dup} in the header of {path}",
            n_bad=len(dup),
            example=delimiter.join(header),
        )
    kwargs = {"sep": delimiter, "index_col": False, "skipinitialspace": True}
    kwargs.update(read_kwargs or {})
    try:
        frame = pd.read_csv(path, **kwargs)
    except pd.errors.EmptyDataError as exc:
        raise _fail(table, None, f"the file {path} is empty (no header, no rows)", n_bad=0) from exc
    except pd.errors.ParserError as exc:
        # pandas: "Error tokenizing data. C error: Expected 3 fields in line 5, saw 4"
        raise _fail(
            table,
            None,
            f"rows with extra fields in {path}: {exc}; each row must have "
            f"as many fields as the header ({len(header)})",
            n_bad=None,
        ) from exc
    except UnicodeDecodeError as exc:
        raise _fail(table, None, f"the file {path} is not UTF-8 text: {exc}") from exc
    if frame.shape[1] > len(header):  # python engine pads instead of failing
        raise _fail(table, None, f"rows with extra fields in {path}", n_bad=None)
    return frame


def _rename(frame: pd.DataFrame, columns: Mapping[str, str] | None, table: str) -> pd.DataFrame:
    """Map user column names onto canonical ones: ``columns={"customer_id": "cust"}``."""
    frame.columns = [str(c).strip() for c in frame.columns]
    if not columns:
        return frame
    missing = [user for user in columns.values() if user not in frame.columns]
    if missing:
        raise _fail(
            table,
            missing[0],
            f"column mapping names {missing}, not in the table; found {list(frame.columns)}",
            n_bad=len(missing),
        )
    return frame.rename(columns={user: canon for canon, user in columns.items()})


def _require(frame: pd.DataFrame, required: Sequence[str], table: str, source) -> None:
    missing = [c for c in required if c not in frame.columns]
    if not missing:
        return
    found = list(frame.columns)
    hint = ""
    if len(found) == 1 and ";" in found[0]:
        hint = " The file looks semicolon-separated: pass sep=';'."
    elif len(found) == 1 and "\t" in found[0]:
        hint = " The file looks tab-separated: pass sep='\\t'."
    else:
        hint = " Map your names with columns={'customer_id': 'your_name', ...}."
    raise _fail(
        table, missing[0], f"missing required column(s) {missing}; found {found}.{hint}", n_bad=len(missing)
    )


def _example(frame: pd.DataFrame, mask: np.ndarray, cols: Sequence[str], from_file: bool) -> str:
    idx = int(np.flatnonzero(mask)[0])
    row = frame.iloc[idx]
    where = f"line {idx + 2} of the file" if from_file else f"row {frame.index[idx]!r}"

    def plain(value):  # np.int64(-9) -> -9, Timestamp -> '2024-01-01'
        if isinstance(value, pd.Timestamp):
            return str(value.date()) if value == value.normalize() else str(value)
        return value.item() if isinstance(value, np.generic) else value

    values = ", ".join(f"{c}={plain(row[c])!r}" for c in cols if c in frame.columns)
    return f"{where}: {values}"


def _bad(frame, mask, table, column, what, cols, from_file) -> CRMDataError:
    mask = np.asarray(mask, dtype=bool)
    n_bad = int(mask.sum())
    return _fail(
        table,
        column,
        f"{n_bad:,} of {len(frame):,} rows {what}",
        n_bad=n_bad,
        example=_example(frame, mask, cols, from_file),
    )


def _parse_dates(raw: pd.Series, date_format: str | None) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(raw):
        return raw
    if pd.api.types.is_integer_dtype(raw) or pd.api.types.is_float_dtype(raw):
        # integers like 19970101 are YYYYMMDD, not nanoseconds since 1970
        as_text = raw.astype("Int64").astype(str)
        return pd.to_datetime(as_text, format=date_format or "%Y%m%d", errors="coerce")
    text = raw.astype("string").str.strip()
    if date_format:
        return pd.to_datetime(text, format=date_format, errors="coerce")
    try:
        return pd.to_datetime(text, errors="coerce", format="ISO8601")
    except (ValueError, TypeError):
        return pd.to_datetime(text, errors="coerce", format="mixed")


def _ids(frame, column, table, from_file, cols) -> pd.Series:
    raw = frame[column]
    text = raw.astype("string").str.strip()
    missing = text.isna() | (text == "")
    if missing.any():
        raise _bad(frame, missing, table, column, "have no customer id", cols, from_file)
    if pd.api.types.is_float_dtype(raw) and (raw % 1 == 0).all():
        text = raw.astype("int64").astype("string")
    return text.astype(str)


def _numeric(frame, column, table, from_file, cols, *, allow_negative=False, required=True):
    raw = frame[column]
    values = pd.to_numeric(raw, errors="coerce")
    missing = raw.isna()
    if required and missing.any():
        raise _bad(frame, missing, table, column, "are missing", cols, from_file)
    nonnum = values.isna() & ~missing
    if nonnum.any():
        raise _bad(frame, nonnum, table, column, "are not numbers", cols, from_file)
    values = values.astype("float64")
    inf = ~np.isfinite(values.fillna(0.0).to_numpy())
    if inf.any():
        raise _bad(frame, inf, table, column, "are infinite", cols, from_file)
    if not allow_negative:
        neg = (values < 0).to_numpy()
        if neg.any():
            raise _bad(
                frame,
                neg,
                table,
                column,
                "are negative (returns and refunds are not supported: net them out or drop them first)",
                cols,
                from_file,
            )
    return values


def _no_rows(frame: pd.DataFrame, table: str, source) -> None:
    if len(frame) == 0:
        name = source if not isinstance(source, pd.DataFrame) else "the DataFrame"
        raise _fail(table, None, f"{name} has a header but no rows", n_bad=0)


# --------------------------------------------------------------------------- loaders


def load_transactions(
    source,
    columns: Mapping[str, str] | None = None,
    *,
    sep: str | None = None,
    date_format: str | None = None,
    read_kwargs: Mapping | None = None,
    table: str = "transactions",
) -> pd.DataFrame:
    """Load and validate a transactions table.

    Parameters
    ----------
    source : path to a CSV / Parquet file, or a DataFrame (copied, never modified).
    columns : mapping canonical name -> user column name, e.g. ``{"customer_id": "cust"}``.
    sep : CSV delimiter (default ``,``).
    date_format : strptime format of the date column; ISO 8601 and ``YYYYMMDD`` integers
        are recognised without it.

    Returns a new DataFrame with ``customer_id`` (str), ``date`` (datetime64),
    ``amount`` (float) and the optional canonical columns present, sorted by
    customer and date. Extra columns are kept.
    """
    frame = _read_table(source, table, sep=sep, read_kwargs=read_kwargs)
    frame = _rename(frame, columns, table)
    _require(frame, TRANSACTION_COLUMNS["required"], table, source)
    _no_rows(frame, table, source)
    from_file = not isinstance(source, pd.DataFrame)
    show = ["customer_id", "date", "amount"]
    out = frame.copy()
    out["customer_id"] = _ids(frame, "customer_id", table, from_file, show)
    dates = _parse_dates(frame["date"], date_format)
    missing = frame["date"].isna().to_numpy()
    if missing.any():
        raise _bad(frame, missing, table, "date", "have no date", show, from_file)
    bad = dates.isna().to_numpy()
    if bad.any():
        raise _bad(
            frame,
            bad,
            table,
            "date",
            "have dates that cannot be parsed" + (f" with format {date_format!r}" if date_format else ""),
            show,
            from_file,
        )
    out["date"] = dates.astype("datetime64[ns]")
    out["amount"] = _numeric(frame, "amount", table, from_file, show)
    for col in ("quantity", "cost"):
        if col in out.columns:
            out[col] = _numeric(frame, col, table, from_file, show + [col], required=False)
    if "order_id" in out.columns:
        out["order_id"] = out["order_id"].astype("string").astype(str)
    out = out.sort_values(["customer_id", "date"], kind="stable").reset_index(drop=True)
    return out


def load_customers(
    source,
    columns: Mapping[str, str] | None = None,
    *,
    sep: str | None = None,
    read_kwargs: Mapping | None = None,
) -> pd.DataFrame:
    """Load and validate a customers table (one row per customer_id)."""
    table = "customers"
    frame = _rename(_read_table(source, table, sep=sep, read_kwargs=read_kwargs), columns, table)
    _require(frame, CUSTOMER_COLUMNS["required"], table, source)
    _no_rows(frame, table, source)
    from_file = not isinstance(source, pd.DataFrame)
    out = frame.copy()
    out["customer_id"] = _ids(frame, "customer_id", table, from_file, ["customer_id"])
    dup = out["customer_id"].duplicated(keep=False).to_numpy()
    if dup.any():
        raise _bad(
            out,
            dup,
            table,
            "customer_id",
            "repeat a customer id (one row per customer)",
            ["customer_id"],
            from_file,
        )
    for col in ("signup_date", "first_purchase_date", "card_date"):
        if col in out.columns:
            parsed = _parse_dates(frame[col], None)
            bad = (parsed.isna() & frame[col].notna()).to_numpy()
            if bad.any():
                raise _bad(
                    frame,
                    bad,
                    table,
                    col,
                    "have dates that cannot be parsed",
                    ["customer_id", col],
                    from_file,
                )
            out[col] = parsed.astype("datetime64[ns]")
    return out


def load_promotions(
    source,
    columns: Mapping[str, str] | None = None,
    *,
    sep: str | None = None,
    read_kwargs: Mapping | None = None,
) -> pd.DataFrame:
    """Load and validate a promotions table (promotion_id, type, medium, start, end, cost)."""
    table = "promotions"
    frame = _rename(_read_table(source, table, sep=sep, read_kwargs=read_kwargs), columns, table)
    _require(frame, PROMOTION_COLUMNS["required"], table, source)
    _no_rows(frame, table, source)
    from_file = not isinstance(source, pd.DataFrame)
    show = ["promotion_id", "start", "end"]
    out = frame.copy()
    for col in ("start", "end"):
        parsed = _parse_dates(frame[col], None)
        bad = parsed.isna().to_numpy()
        if bad.any():
            raise _bad(
                frame, bad, table, col, "have dates that are missing or cannot be parsed", show, from_file
            )
        out[col] = parsed.astype("datetime64[ns]")
    backwards = (out["end"] < out["start"]).to_numpy()
    if backwards.any():
        raise _bad(out, backwards, table, "end", "end before they start", show, from_file)
    out["cost"] = _numeric(frame, "cost", table, from_file, show + ["cost"])
    return out


def load_cdnow(kind: str = "master") -> pd.DataFrame:
    """The CDNOW transactions of Fader & Hardie, as a validated transactions table.

    ``kind="master"``: all 23,570 customers of the 1997-Q1 cohort (69,659 rows).
    ``kind="sample"``: the 1/10 sample of 2,357 customers (6,919 rows) used by
    Fader, Hardie & Lee (2005); ``customer_id`` is the sample id (1..2357) and
    ``master_id`` the id in the master file.

    Columns: customer_id (str), date, quantity (number of CDs), amount (US$).
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
    """Measurement blocks {latent: [items]} of a shipped survey ("ecsi_mobi" or "bank")."""
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

    ``source`` is a shipped survey name -- ``"ecsi_mobi"`` (250 x 24 items, 1..10)
    or ``"bank"`` (250 x 27 items, 0..10, plus gender) -- or a path / DataFrame
    with a ``customer_id`` column. ``items`` (default: every numeric column) must
    be numbers within ``scale`` (inclusive); missing answers are kept as NaN.
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
    else:
        frame = _rename(_read_table(source, table, sep=sep, read_kwargs=None), columns, table)
        _require(frame, ["customer_id"], table, source)
    _no_rows(frame, table, source)
    from_file = not isinstance(source, pd.DataFrame)
    out = frame.copy()
    out["customer_id"] = _ids(frame, "customer_id", table, from_file, ["customer_id"])
    if items is None:
        items = [c for c in out.columns if c != "customer_id" and pd.api.types.is_numeric_dtype(out[c])]
    missing = [c for c in items if c not in out.columns]
    if missing:
        raise _fail(
            table,
            missing[0],
            f"missing item column(s) {missing}; found {list(out.columns)}",
            n_bad=len(missing),
        )
    for item in items:
        out[item] = _numeric(
            frame, item, table, from_file, ["customer_id", item], allow_negative=True, required=False
        )
        if scale is not None:
            lo, hi = scale
            outside = ((out[item] < lo) | (out[item] > hi)).to_numpy()
            if outside.any():
                raise _bad(
                    out,
                    outside,
                    table,
                    item,
                    f"are outside the scale {lo}..{hi}",
                    ["customer_id", item],
                    from_file,
                )
    return out


# --------------------------------------------------------------------------- privacy


def pseudonymize(
    frame: pd.DataFrame, key: str | bytes, column: str = "customer_id", length: int = 16
) -> pd.DataFrame:
    """Replace customer ids by a keyed hash: HMAC-SHA256(key, id), hex, first ``length`` chars.

    Stable for a key (the same id maps to the same pseudonym in every table), not
    reversible without the key. Returns a copy; the input is untouched.
    """
    if not key:
        raise ValueError("pseudonymize: the key must not be empty")
    if column not in frame.columns:
        raise _fail("pseudonymize", column, f"no column {column!r}; found {list(frame.columns)}")
    if not 8 <= length <= 64:
        raise ValueError("pseudonymize: length must be between 8 and 64 hex characters")
    key_bytes = key.encode() if isinstance(key, str) else key
    out = frame.copy()
    codes, uniques = pd.factorize(out[column].astype(str))
    mapped = np.array(
        [hmac.new(key_bytes, u.encode(), hashlib.sha256).hexdigest()[:length] for u in uniques], dtype=object
    )
    out[column] = np.where(codes >= 0, mapped[np.maximum(codes, 0)], None)
    return out
