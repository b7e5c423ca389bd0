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

Loaders read a CSV (also gzip-compressed) or Parquet file (or take a DataFrame), map
the user's column names onto the canonical ones and validate. Anything wrong raises
:class:`CRMDataError` naming the table, the column, how many rows are bad and
an example. Input files and frames are never modified.

What the loaders guarantee:

* **Ids are labels.** Every ``*_id`` column (``customer_id``, ``order_id``,
  ``promotion_id``, ...) is read as text exactly as written (surrounding spaces
  stripped): ``007`` and ``7``, ``10``, ``1e1`` and ``10.0`` stay distinct ids. Integer
  ids from Parquet or a DataFrame become their decimal text. An empty id or one of
  pandas' missing markers (``NA``, ``NULL``, ``N/A``, ``nan``, ...; :data:`NA_TEXT`) is a
  missing id; the error shows it as written.
* **Amounts are real numbers**: booleans and complex numbers are rejected.
* **Time zones**: a date with a UTC offset (``2024-01-02T10:00:00+02:00``), a
  tz-aware Parquet or DataFrame column is converted to UTC -- or to the
  ``timezone=`` the caller names -- and the zone is dropped; dates without an offset
  are taken as they are. A column mixing both is an error. Dates must lie in
  :data:`DATE_RANGE` (what ``datetime64[ns]`` holds).
"""

from __future__ import annotations

import codecs
import csv
import gzip
import hashlib
import hmac
import io
import os
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from . import paths
from ._validate import bad_rows, data_error, require_columns
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
    "id_columns",
    "NA_TEXT",
    "DATE_RANGE",
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

# pandas' default missing-value markers (``read_csv``'s ``na_values``). Id columns are read without
# them, so an id stays exactly as written; an id that is one of these texts counts as missing.
NA_TEXT = frozenset(
    {
        "",
        "#N/A",
        "#N/A N/A",
        "#NA",
        "-1.#IND",
        "-1.#QNAN",
        "-NaN",
        "-nan",
        "1.#IND",
        "1.#QNAN",
        "<NA>",
        "N/A",
        "NA",
        "NULL",
        "NaN",
        "None",
        "n/a",
        "nan",
        "null",
    }
)

# the days a datetime64[ns] column can hold; dates outside are rejected, not wrapped or clipped
DATE_RANGE = (pd.Timestamp("1677-09-22"), pd.Timestamp("2262-04-10"))

# a time of day followed by a UTC offset or zone letter: "10:00+02:00", "10:00:00.5Z", "10:00 UTC"
# (plain [0-9] and spaces, no $: pandas then runs it in pyarrow's RE2, not row by row in Python)
_OFFSET = (
    r"[0-9]:[0-9]{2}(?::[0-9]{2}(?:[.,][0-9]+)?)? *"
    r"(?:[zZ]|[uU][tT][cC]|[gG][mM][tT]|[+-][0-9]{2}(?::?[0-9]{2})?)\Z"
)

_MAGIC = [
    (b"PK\x03\x04", "a ZIP archive"),
    (b"\xd0\xcf\x11\xe0", "an old Excel workbook (.xls) or another OLE2 file"),
    (b"\x89PNG", "a PNG image"),
    (b"%PDF", "a PDF document"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"SQLite format 3", "an SQLite database"),
]
_BOMS = [
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
    (b"\xef\xbb\xbf", "utf-8-sig"),
]


def _is_id(name) -> bool:
    """Identifier columns (``customer_id``, ``order_id``, ``promotion_id``, any ``*_id``) are labels."""
    return str(name).strip().endswith("_id")


def _mapping(columns, table: str) -> dict[str, str]:
    """The column mapping as ``{canonical: user}``; a wrong shape or a shared column is an error."""
    if columns is None:
        return {}
    if not isinstance(columns, Mapping):
        raise TypeError(
            f"{table}: columns must be a mapping {{canonical name: your column name}}, e.g. "
            f"{{'customer_id': 'client'}}; got a {type(columns).__name__}: {columns!r}"
        )
    mapping = {str(canon).strip(): str(user).strip() for canon, user in columns.items()}
    by_user: dict[str, list[str]] = {}
    for canon, user in mapping.items():
        by_user.setdefault(user, []).append(canon)
    shared = {user: canons for user, canons in by_user.items() if len(canons) > 1}
    if shared:
        user, canons = next(iter(shared.items()))
        raise data_error(
            table,
            user,
            f"column mapping {dict(columns)!r} maps {canons} to the one column {user!r}; "
            "each of your columns can fill only one canonical column",
            n_bad=len(canons),
        )
    return mapping


def _frame_copy(frame: pd.DataFrame, table: str, where: str = "") -> pd.DataFrame:
    dup = frame.columns[frame.columns.duplicated()].unique().tolist()
    if dup:
        raise data_error(table, str(dup[0]), f"duplicated column names {dup}{where}", n_bad=len(dup))
    return frame.copy()


def _sniff(path: Path, table: str, read_kwargs: Mapping) -> tuple[str, dict]:
    """What a file is: ``("parquet", {})`` or ``("csv", {encoding, compression})``; else the error."""
    with open(path, "rb") as fh:
        head = fh.read(65536)
    if head[:4] == b"PAR1" or path.suffix.lower() in {".parquet", ".pq"}:
        return "parquet", {}
    opts: dict = {}
    if head[:2] == b"\x1f\x8b":  # gzip: read the CSV inside (pandas decompresses on the fly)
        opts["compression"] = "gzip"
        head = _gunzip_head(path, table)
    bom = next((enc for mark, enc in _BOMS if head.startswith(mark)), None)
    opts["encoding"] = _encoding(read_kwargs.get("encoding"), bom)
    kind = next((name for magic, name in _MAGIC if head.startswith(magic)), None)
    if kind is not None:
        raise _not_text(path, head, table, kind)
    if not head.strip(b"\x00\xff\xfe\xef\xbb\xbf \t\r\n"):
        raise data_error(table, None, f"the file {path} is empty (no header, no rows)", n_bad=0)
    wide = str(opts["encoding"]).lower().replace("_", "-").startswith(("utf-16", "utf-32"))
    if b"\x00" in head and not wide:
        raise _not_text(path, head, table, None)
    return "csv", opts


def _encoding(user: str | None, bom: str | None) -> str:
    """The user's encoding, else the byte-order mark's, else UTF-8 (a UTF-8 BOM is skipped)."""
    if not user:
        return bom or "utf-8"
    try:
        if bom == "utf-8-sig" and codecs.lookup(user).name == "utf-8":
            return "utf-8-sig"
    except LookupError as exc:
        raise ValueError(f"read_kwargs: unknown encoding {user!r}") from exc
    return user


def _gunzip_head(path: Path, table: str) -> bytes:
    try:
        with gzip.open(path, "rb") as fh:
            return fh.read(65536)
    except (OSError, EOFError) as exc:
        raise data_error(
            table, None, f"the file {path} is gzip-compressed but cannot be decompressed: {exc}"
        ) from exc


def _not_text(path: Path, head: bytes, table: str, kind: str | None) -> CRMDataError:
    """Name what a binary file is instead of calling everything 'not a text file'."""
    if kind == "a ZIP archive" and (path.suffix.lower() in {".xlsx", ".xlsm"} or b"xl/" in head):
        return data_error(
            table,
            None,
            f"the file {path} is not a text file: it is an Excel workbook (.xlsx); save it as 'CSV UTF-8', "
            "or read it with pandas.read_excel and pass the DataFrame",
        )
    if kind is not None:
        return data_error(
            table, None, f"the file {path} is not a text file: it is {kind}; give a CSV or a Parquet file"
        )
    sample = head[:4096]
    odd, even = sample[1::2], sample[0::2]
    if odd and (odd.count(0) > 0.8 * len(odd) or even.count(0) > 0.8 * len(even)):
        order = "le" if odd.count(0) > even.count(0) else "be"
        return data_error(
            table,
            None,
            f"the file {path} is not UTF-8: it looks like UTF-16 text without a byte-order mark; pass "
            f"read_kwargs={{'encoding': 'utf-16-{order}'}}, or save it as UTF-8",
        )
    return data_error(
        table,
        None,
        f"the file {path} is not a text file (it contains NUL bytes); give a CSV or a Parquet file",
    )


def _open_text(path: Path, opts: Mapping):
    encoding = opts.get("encoding", "utf-8")
    try:
        if opts.get("compression") == "gzip":
            return gzip.open(path, "rt", encoding=encoding, errors="replace", newline="")
        return open(path, encoding=encoding, errors="replace", newline="")
    except LookupError as exc:
        raise ValueError(f"read_kwargs: unknown encoding {encoding!r}") from exc


def _header_fields(path: Path, sep: str, opts: Mapping) -> list[str]:
    with _open_text(path, opts) as fh:
        first = next((line for line in fh if line.strip()), "")
    return next(csv.reader(io.StringIO(first), delimiter=sep, skipinitialspace=True), [])


def _data_lines(path: Path, opts: Mapping) -> tuple[int, str | None]:
    """Non-blank lines after the header, and the first of them."""
    with _open_text(path, opts) as fh:
        lines = [line.rstrip("\r\n") for line in fh if line.strip()][1:]
    return len(lines), (lines[0] if lines else None)


def _check_header(
    header: list[str], path: Path, table: str, delimiter: str, sep_given: bool, required, opts
) -> None:
    """Duplicated names; a semicolon- or tab-separated file read with commas."""
    seen: dict[str, int] = {}
    for name in header:
        seen[name] = seen.get(name, 0) + 1
    dup = [name for name, count in seen.items() if count > 1]
    if dup:
        raise data_error(
            table,
            dup[0],
            f"duplicated column names {dup} in the header of {path}",
            n_bad=len(dup),
            example=delimiter.join(header),
        )
    if sep_given or len(header) != 1:
        return
    for mark, name in ((";", "semicolon"), ("\t", "tab")):
        if mark in header[0]:
            n_rows, first = _data_lines(path, opts)
            raise data_error(
                table,
                required[0] if required else None,
                f"{n_rows:,} of {n_rows:,} rows are read as one column {header[0]!r}: the file looks "
                f"{name}-separated: pass sep={mark!r}",
                n_bad=n_rows,
                example=None if first is None else f"line 2 of the file: {first}",
            )


def _count_long_rows(path: Path, opts: Mapping, n_fields: int, delimiter: str) -> tuple[int, int, str | None]:
    """Rows after the header, how many have more than ``n_fields`` fields, the first of them."""
    n_rows, n_bad, example = 0, 0, None
    with _open_text(path, opts) as fh:
        reader = csv.reader(fh, delimiter=delimiter, skipinitialspace=True)
        rows = (row for row in reader if any(field.strip() for field in row))
        next(rows, None)  # the header
        for row in rows:
            n_rows += 1
            if len(row) > n_fields:
                n_bad += 1
                example = example or f"line {reader.line_num} of the file: {delimiter.join(row)}"
    return n_rows, n_bad, example


def _extra_fields(path: Path, opts: Mapping, header: list[str], delimiter: str, table: str, detail: str):
    """The error for rows with more fields than the header, counted row by row."""
    n_rows, n_bad, example = _count_long_rows(path, opts, len(header), delimiter)
    detail = f" ({detail.strip()})" if detail else ""
    if not n_bad:
        return data_error(table, None, f"cannot read {path} as CSV{detail}")
    return data_error(
        table,
        None,
        f"rows with extra fields in {path}: {n_bad:,} of {n_rows:,} rows have more fields than the "
        f"header ({len(header)}){detail}; each row must have as many fields as the header",
        n_bad=n_bad,
        example=example,
    )


def _csv_kwargs(header: list[str], delimiter: str, opts: Mapping, mapping: Mapping, read_kwargs) -> dict:
    """read_csv arguments: id columns (``*_id`` after mapping) as text exactly as written."""
    canonical = {user: canon for canon, user in mapping.items()}
    ids = [name for name in header if _is_id(canonical.get(name.strip(), name))]
    kwargs = {"sep": delimiter, "index_col": False, "skipinitialspace": True, **opts}
    if ids:
        kwargs["dtype"] = dict.fromkeys(ids, str)
        kwargs["keep_default_na"] = False
        kwargs["na_values"] = {name: [] if name in ids else sorted(NA_TEXT) for name in header}
    user = dict(read_kwargs)
    if isinstance(user.get("dtype"), Mapping) and "dtype" in kwargs:
        kwargs["dtype"].update(user.pop("dtype"))  # the user's dtypes added to, not replacing, the ids'
    kwargs.update(user)
    kwargs["encoding"] = opts["encoding"]  # the user's, or what the byte-order mark says
    return kwargs


def _read_csv(path: Path, table: str, opts: dict, sep, read_kwargs: Mapping, mapping, required):
    delimiter = sep or ","
    header = _header_fields(path, delimiter, opts)
    _check_header(header, path, table, delimiter, sep is not None, required, opts)
    kwargs = _csv_kwargs(header, delimiter, opts, mapping, read_kwargs)
    try:
        with warnings.catch_warnings():
            # "Length of header or names does not match length of data": pandas drops fields
            warnings.simplefilter("error", pd.errors.ParserWarning)
            frame = pd.read_csv(path, **kwargs)
    except pd.errors.EmptyDataError as exc:
        raise data_error(table, None, f"the file {path} is empty (no header, no rows)", n_bad=0) from exc
    except (pd.errors.ParserError, pd.errors.ParserWarning) as exc:
        # pandas: "Error tokenizing data. C error: Expected 3 fields in line 5, saw 4"
        raise _extra_fields(path, opts, header, delimiter, table, str(exc)) from exc
    except UnicodeDecodeError as exc:
        encoding = kwargs.get("encoding", "utf-8")
        name = "UTF-8" if str(encoding).lower().replace("_", "-").startswith("utf-8") else encoding
        raise data_error(table, None, f"the file {path} is not {name} text: {exc}") from exc
    if frame.shape[1] > len(header):  # python engine pads instead of failing
        raise _extra_fields(path, opts, header, delimiter, table, "")
    return frame


def _read_table(
    source,
    table: str,
    *,
    sep: str | None,
    read_kwargs: Mapping | None,
    mapping: Mapping[str, str] | None = None,
    required: Sequence[str] = (),
) -> pd.DataFrame:
    """Read a CSV (also gzip-compressed) or Parquet file, or copy a DataFrame; structural checks only."""
    if isinstance(source, pd.DataFrame):
        return _frame_copy(source, table)
    path = Path(source)
    if not path.exists():
        raise data_error(table, None, f"no such file: {path}")
    if path.is_dir():
        raise data_error(table, None, f"{path} is a directory, not a file")
    kind, opts = _sniff(path, table, read_kwargs or {})
    if kind == "parquet":
        try:
            frame = pd.read_parquet(path)
        except Exception as exc:  # pyarrow raises several types
            raise data_error(table, None, f"cannot read {path} as Parquet: {exc}") from exc
        return _frame_copy(frame, table)
    return _read_csv(path, table, opts, sep, read_kwargs or {}, mapping or {}, required)


def _rename(frame: pd.DataFrame, mapping: Mapping[str, str], table: str) -> pd.DataFrame:
    """Map user column names onto canonical ones: ``{"customer_id": "cust"}``."""
    frame.columns = [str(c).strip() for c in frame.columns]
    dup = frame.columns[frame.columns.duplicated()].unique().tolist()
    if dup:
        raise data_error(
            table, dup[0], f"duplicated column names {dup} (after stripping spaces)", n_bad=len(dup)
        )
    if not mapping:
        return frame
    missing = [user for user in mapping.values() if user not in frame.columns]
    if missing:
        raise data_error(
            table,
            missing[0],
            f"column mapping names {missing}, not in the table; found {list(frame.columns)}",
            n_bad=len(missing),
        )
    renamed_away = set(mapping.values())
    clash = [c for c, user in mapping.items() if c != user and c in frame.columns and c not in renamed_away]
    if clash:
        canon = clash[0]
        raise data_error(
            table,
            canon,
            f"column mapping {{{canon!r}: {mapping[canon]!r}}} would give two {canon!r} columns: the table "
            f"already has one; map {canon!r} to that column, or drop or rename one of the two",
            n_bad=len(clash),
        )
    return frame.rename(columns={user: canon for canon, user in mapping.items()})


def _require(frame: pd.DataFrame, required: Sequence[str], table: str) -> None:
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
    raise data_error(
        table, missing[0], f"missing required column(s) {missing}; found {found}.{hint}", n_bad=len(missing)
    )


def _no_rows(frame: pd.DataFrame, table: str, source) -> None:
    if len(frame) == 0:
        name = source if not isinstance(source, pd.DataFrame) else "the DataFrame"
        raise data_error(table, None, f"{name} has a header but no rows", n_bad=0)


def _is_text_file(source) -> bool:
    if isinstance(source, pd.DataFrame) or not isinstance(source, (str, os.PathLike)):
        return False
    path = Path(source)
    if not path.is_file() or path.suffix.lower() in {".parquet", ".pq"}:
        return False
    with open(path, "rb") as fh:
        return fh.read(4) != b"PAR1"


def _load_frame(source, columns, table: str, required: Sequence[str], *, sep, read_kwargs) -> pd.DataFrame:
    """Read, map the column names, check the required columns and that there are rows."""
    mapping = _mapping(columns, table)
    frame = _read_table(source, table, sep=sep, read_kwargs=read_kwargs, mapping=mapping, required=required)
    frame = _rename(frame, mapping, table)
    _require(frame, required, table)
    _no_rows(frame, table, source)
    return frame


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


# --------------------------------------------------------------------------- privacy


def _keyed_hashes(values, key: bytes, length: int) -> pd.Series | pd.Index:
    """HMAC-SHA256(key, id as text), hex, first ``length`` characters; missing ids stay missing."""
    codes, uniques = pd.factorize(pd.Series(values).astype(str))
    mapped = np.array(
        [hmac.new(key, str(u).encode(), hashlib.sha256).hexdigest()[:length] for u in uniques], dtype=object
    )
    hashed = np.where(codes >= 0, mapped[np.maximum(codes, 0)] if len(mapped) else None, None)
    return pd.array(hashed, dtype="string").astype(str)


def id_columns(frame: pd.DataFrame) -> list[str]:
    """The identifier columns of a table: every column whose name ends in ``_id``.

    Parameters
    ----------
    frame : DataFrame

    Returns
    -------
    list of str
        ``customer_id``, ``order_id``, ``promotion_id``, ``master_id``, ... in column order.
    """
    return [c for c in frame.columns if _is_id(c)]


def pseudonymize(
    frame: pd.DataFrame,
    key: str | bytes,
    column: str | None = None,
    length: int = 16,
    *,
    columns: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Replace identifiers by a keyed hash: HMAC-SHA256(key, id), hex, first ``length`` chars.

    Stable for a key: the same id maps to the same pseudonym in every column and every table
    (``promotion_id`` in transactions and in promotions, ``customer_id`` everywhere), so joins
    still work; not reversible without the key. Missing ids stay missing.

    Parameters
    ----------
    frame : the table (returned as a copy; the input is untouched).
    key : the secret key (str or bytes, not empty).
    column : one column to pseudonymize (the behaviour before ``columns``).
    length : hex characters kept, 8..64.
    columns : the columns to pseudonymize. Default (neither ``column`` nor ``columns``): every
        identifier column (name ending in ``_id``, see :func:`id_columns`) and an index named
        ``*_id``.

    Returns
    -------
    DataFrame
        A copy with those columns (and index) replaced by pseudonyms (text).
    """
    if not key:
        raise ValueError("pseudonymize: the key must not be empty")
    if not 8 <= length <= 64:
        raise ValueError("pseudonymize: length must be between 8 and 64 hex characters")
    if column is not None and columns is not None:
        raise ValueError("pseudonymize: give column or columns, not both")
    auto = column is None and columns is None
    chosen = id_columns(frame) if auto else ([column] if column is not None else list(columns))
    index_too = auto and isinstance(frame.index.name, str) and _is_id(frame.index.name)
    unknown = [c for c in chosen if c not in frame.columns]
    if unknown or not (chosen or index_too):
        name = unknown[0] if unknown else None
        what = f"no column {name!r}" if unknown else "no identifier column (a name ending in _id)"
        raise data_error("pseudonymize", name, f"{what}; found {list(frame.columns)}")
    key_bytes = key.encode() if isinstance(key, str) else key
    out = frame.copy()
    for col in chosen:
        out[col] = _keyed_hashes(out[col], key_bytes, length)
    if index_too:
        out.index = pd.Index(_keyed_hashes(out.index, key_bytes, length), name=frame.index.name)
    return out
