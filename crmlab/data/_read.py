"""Reading a table: CSV (also gzip), Parquet or a DataFrame, column mapping, structural checks.

Files are only read. What a file is comes from its first bytes, so an Excel workbook, a ZIP
archive, an image or UTF-16 text is named for what it is. Id columns (``*_id`` after the
mapping) are read as text exactly as written.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import os
import warnings
from collections.abc import Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from .._options import options
from .._validate import data_error
from ..exceptions import CRMDataError
from .tables import NA_TEXT, _is_id

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
    n_lines, first = -1, None  # the header is the first non-blank line
    with _open_text(path, opts) as fh:
        for line in fh:
            if line.strip():
                n_lines += 1
                first = line.rstrip("\r\n") if n_lines == 1 else first
    return max(n_lines, 0), first


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


@contextmanager
def _with_progress(path: Path, table: str):
    """The file to hand to ``read_csv``: a big one is wrapped so that each read moves a tqdm bar."""
    size = path.stat().st_size
    plain = path.suffix.lower() not in {".bz2", ".zip", ".xz", ".zst", ".tar"}  # pandas infers these
    threshold = options.read_progress_bytes  # crmlab.options
    if threshold is None or size < threshold or not plain:
        yield path
        return
    from tqdm.auto import tqdm
    from tqdm.utils import CallbackIOWrapper

    bar = tqdm(total=size, desc=f"reading {table}", unit="B", unit_scale=True, unit_divisor=1024)
    with open(path, "rb") as handle, bar:
        yield CallbackIOWrapper(bar.update, handle, "read")


def _read_csv(path: Path, table: str, opts: dict, sep, read_kwargs: Mapping, mapping, required):
    delimiter = sep or ","
    header = _header_fields(path, delimiter, opts)
    _check_header(header, path, table, delimiter, sep is not None, required, opts)
    kwargs = _csv_kwargs(header, delimiter, opts, mapping, read_kwargs)
    try:
        with warnings.catch_warnings():
            # "Length of header or names does not match length of data": pandas drops fields
            warnings.simplefilter("error", pd.errors.ParserWarning)
            with _with_progress(path, table) as source:
                frame = pd.read_csv(source, **kwargs)
    except pd.errors.EmptyDataError as exc:
        raise data_error(table, None, f"the file {path} is empty (no header, no rows)", n_bad=0) from exc
    except (pd.errors.ParserError, pd.errors.ParserWarning) as exc:
        # pandas: "Error tokenizing data. C error: Expected 3 fields in line 5, saw 4"
        raise _extra_fields(path, opts, header, delimiter, table, str(exc)) from exc
    except UnicodeDecodeError as exc:
        encoding = kwargs.get("encoding", "utf-8")
        name = "UTF-8" if str(encoding).lower().replace("_", "-").startswith("utf-8") else encoding
        raise data_error(table, None, f"the file {path} is not {name} text: {exc}") from exc
    except (EOFError, OSError) as exc:  # a gzip file cut short, a disk error
        raise data_error(table, None, f"cannot read {path}: {exc}") from exc
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
