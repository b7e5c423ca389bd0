"""Reading a data spec: :func:`read_spec` and every check it makes, before any data are loaded."""

from __future__ import annotations

import glob
import inspect
import os
import re
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import pandas as pd

from .. import data, paths
from ..datasets import Dataset
from ..exceptions import CRMDataError

__all__ = ["TABLES", "TableSpec", "DataSpec", "read_spec"]

# tables read by a crmlab.data loader, and tables without one (read as they are, key columns checked)
_LOADED = ("transactions", "customers", "survey", "promotions")
_PLAIN = {
    "order_lines": ("order_id", "product"),
    "campaign": ("customer_id", "targeted", "control", "responded"),
    "statements": ("account_id", "fiscal_year"),  # business customers' credit (crmlab.credit)
    "business_accounts": ("account_id",),
}
TABLES = tuple(t for t in (*_LOADED, *_PLAIN) if t in {f.name for f in fields(Dataset)})
_CANONICAL = {
    "transactions": data.TRANSACTION_COLUMNS,
    "customers": data.CUSTOMER_COLUMNS,
    "promotions": data.PROMOTION_COLUMNS,
}
_SOURCE_KEYS = ("path", "columns", "table", "query")
_READ_SHORTCUTS = ("encoding", "decimal", "thousands", "quotechar", "comment")
_DATASET_KEYS = ("name", "description", "observation_end")
_DB_SUFFIXES = (".duckdb", ".ddb", ".db")
_ENGINE_KINDS = ("glob", "duckdb", "sql")
_UNSET = object()


def _is_str_map(v) -> bool:
    return isinstance(v, dict) and all(isinstance(x, str) for x in v.values())


def _is_pair(v) -> bool:
    numbers = all(isinstance(x, int | float) and not isinstance(x, bool) for x in v or [None])
    return isinstance(v, list) and len(v) == 2 and numbers


# key -> (test, what it must be); options a loader gains later are passed on unchecked
_TYPES = {
    **dict.fromkeys(
        ("path", "table", "query", "sep", "date_format", "timezone", "name", "description", *_READ_SHORTCUTS),
        (lambda v: isinstance(v, str), "a string"),
    ),
    "columns": (_is_str_map, 'a table of names, e.g. { customer_id = "household_id" }'),
    "read_kwargs": (
        lambda v: isinstance(v, dict),
        'a table of pandas.read_csv arguments, e.g. { decimal = "," }',
    ),
    "items": (lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v), "a list of column names"),
    "scale": (_is_pair, "a pair of numbers [low, high]"),
}


@dataclass(frozen=True)
class TableSpec:
    """One table of a spec: where it lives and how to read it.

    ``kind`` is ``"file"`` (CSV or Parquet, read by the loader), ``"glob"``, ``"duckdb"`` or
    ``"sql"`` (read through :mod:`crmlab.engine`); ``path`` is absolute (or the URL);
    ``columns`` maps canonical names to the source's; ``options`` are the loader's keyword
    arguments (``encoding`` & co. folded into ``read_kwargs``).
    """

    name: str
    path: str
    kind: str
    columns: dict[str, str] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)
    table: str | None = None
    query: str | None = None

    @property
    def shown(self) -> str:
        """The path as messages show it: a URL's password masked."""
        return _masked(self.path)


def _masked(text: str) -> str:
    """``postgresql://me:secret@host/db`` -> ``postgresql://me:***@host/db``."""
    return re.sub(r"(://[^:/@\s]+:)[^@\s]+@", r"\1***@", text)


@dataclass(frozen=True)
class DataSpec:
    """A parsed spec file: its path, the ``[dataset]`` entries and the tables it names."""

    path: Path
    name: str
    tables: dict[str, TableSpec]
    description: str = ""
    observation_end: pd.Timestamp | None = None


# --------------------------------------------------------------------------- reading a spec


def _spec_error(spec, key: str, what: str, value=_UNSET, *, table: str = "spec", column=None) -> CRMDataError:
    """``"<spec file>: <key> = <value>: <what>"`` as a CRMDataError."""
    shown = "" if value is _UNSET else f" = {value!r}"
    return CRMDataError(f"{spec}: {key}{shown}: {what}", table=table, column=column)


def _allowed_keys(name: str) -> list[str]:
    """The keys a table may have: the source keys and the loader's keyword options."""
    if name in _PLAIN:
        return [*_SOURCE_KEYS, "sep", "read_kwargs", *_READ_SHORTCUTS]
    params = inspect.signature(getattr(data, f"load_{name}")).parameters
    options = [p for p in params if p not in ("source", "columns", "table")]
    shortcuts = list(_READ_SHORTCUTS) if "read_kwargs" in options else []
    return [*_SOURCE_KEYS, *options, *shortcuts]


def _toml_type(value) -> str:
    """What a TOML value is, in TOML's words."""
    names = {bool: "a boolean", int: "an integer", float: "a float", str: "a string", list: "an array"}
    return "a table" if isinstance(value, dict) else names.get(type(value), "a date or time")


def _check_type(spec, key: str, value, table: str) -> None:
    test, what = _TYPES.get(key.rsplit(".", 1)[-1], (None, ""))
    if test is not None and not test(value):
        raise _spec_error(spec, key, f"must be {what}, not {_toml_type(value)}", value, table=table)


def _read_toml(spec: Path) -> dict:
    if not spec.is_file():
        raise _spec_error(spec, "path", "no such spec file", table="spec")
    try:
        with open(spec, "rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:  # the message carries "(at line 3, column 9)"
        raise _spec_error(spec, "TOML", f"syntax error: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise _spec_error(spec, "TOML", f"not UTF-8 text: {exc}") from exc


def _dataset_meta(spec: Path, raw) -> dict:
    """``[dataset]``: name, description, observation_end (a TOML date or a date string)."""
    if not isinstance(raw, dict):
        raise _spec_error(spec, "dataset", f"must be a table, not {_toml_type(raw)}", raw)
    meta = {}
    for key, value in raw.items():
        if key not in _DATASET_KEYS:
            allowed = ", ".join(_DATASET_KEYS)
            raise _spec_error(spec, f"dataset.{key}", f"unknown key; allowed: {allowed}", value)
        if key != "observation_end":
            _check_type(spec, f"dataset.{key}", value, "spec")
        meta[key] = value
    if "observation_end" in meta:
        try:
            end = pd.Timestamp(str(meta["observation_end"]))
            if pd.isna(end):
                raise ValueError("empty date")
            meta["observation_end"] = (end.tz_localize(None) if end.tzinfo else end).normalize()
        except (TypeError, ValueError) as exc:
            value = raw["observation_end"]
            raise _spec_error(spec, "dataset.observation_end", "not a date (e.g. 2024-06-30)", value) from exc
    return meta


def _columns(spec: Path, name: str, value) -> dict[str, str]:
    """The mapping; its keys must be canonical names of the table, its columns distinct."""
    canonical = _CANONICAL.get(name)
    allowed = [] if canonical is None else canonical["required"] + canonical["optional"]
    seen: dict[str, str] = {}
    for canon, user in value.items():
        key = f"{name}.columns.{canon}"
        if allowed and canon not in allowed:
            what = f"{canon!r} is not a canonical column of {name}; allowed: {', '.join(allowed)}"
            raise _spec_error(spec, key, what, user, table=name, column=canon)
        if user in seen:
            what = f"{seen[user]!r} is mapped to the same column: each column fills one canonical name"
            raise _spec_error(spec, key, what, user, table=name, column=canon)
        seen[user] = canon
    return dict(value)


def _source(spec: Path, name: str, text: str) -> tuple[str, str]:
    """``(kind, path)``: relative paths from the spec's folder; files and globs must exist."""
    key = f"{name}.path"
    if "://" in text:
        return "sql", text
    path = Path(text).expanduser()
    path = path if path.is_absolute() else spec.resolve().parent / path
    if any(ch in text for ch in "*?["):
        if not glob.glob(str(path), recursive=True):
            raise _spec_error(spec, key, f"the pattern {path} matches no file", text, table=name)
        return "glob", str(path)
    if not path.exists():
        raise _spec_error(spec, key, f"no such file: {path}", text, table=name)
    if path.is_dir():
        what = f"{path} is a folder; give a file or a glob such as 'parts/*.parquet'"
        raise _spec_error(spec, key, what, text, table=name)
    if path.suffix.lower() in _DB_SUFFIXES:
        with open(path, "rb") as fh:
            if fh.read(12)[8:12] != b"DUCK":
                raise _spec_error(spec, key, f"{path} is not a DuckDB database file", text, table=name)
        return "duckdb", str(path)
    return "file", str(path)


def _options(raw: dict) -> dict:
    """The loader's keyword arguments: read shortcuts folded into ``read_kwargs``."""
    opts = {k: v for k, v in raw.items() if k not in _SOURCE_KEYS and k not in _READ_SHORTCUTS}
    shortcuts = {k: raw[k] for k in _READ_SHORTCUTS if k in raw}
    if shortcuts:
        opts["read_kwargs"] = {**opts.get("read_kwargs", {}), **shortcuts}
    if "scale" in opts:
        opts["scale"] = tuple(opts["scale"])
    return opts


def _check_table_query(spec: Path, ts: TableSpec, raw: dict) -> None:
    given = [k for k in ("table", "query") if k in raw]
    if ts.kind in ("duckdb", "sql") and len(given) != 1:
        what = 'a database needs one of table = "..." or query = "SELECT ..."'
        found = {k: raw[k] for k in given} if given else "neither"
        raise _spec_error(
            spec, f"{ts.name}.{'/'.join(given) or 'table'}", f"{what}; found {found}", table=ts.name
        )
    if ts.kind in ("file", "glob") and given:
        key = f"{ts.name}.{given[0]}"
        what = "applies only to a DuckDB file or a SQL URL, not to a CSV or Parquet path"
        raise _spec_error(spec, key, what, raw[given[0]], table=ts.name)


def _is_parquet(path: str) -> bool:
    if path.lower().endswith((".parquet", ".pq")):
        return True
    with open(path, "rb") as fh:
        return fh.read(4) == b"PAR1"


def _binary(head: bytes) -> bool:
    """Not UTF-8 text (a workbook, an archive, UTF-16 ...): the loader names what it is."""
    return b"\x00" in head or head.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"%PDF", b"\x89PNG"))


def _header(ts: TableSpec) -> tuple[str, list[str]] | None:
    """The first file and its column names (Parquet schema or CSV header only); None if unreadable."""
    first = sorted(glob.glob(ts.path, recursive=True))[0] if ts.kind == "glob" else ts.path
    try:
        if _is_parquet(first):
            import pyarrow.parquet as pq

            return first, list(pq.read_schema(first).names)
        with open(first, "rb") as fh:
            head = fh.read(4096)
        gzipped = head[:2] == b"\x1f\x8b"
        if not gzipped and "encoding" not in ts.options.get("read_kwargs", {}) and _binary(head):
            return None
        kwargs = {"sep": ts.options.get("sep") or ",", "skipinitialspace": True}
        kwargs["compression"] = "gzip" if gzipped else None
        names = pd.read_csv(first, **{**kwargs, **ts.options.get("read_kwargs", {}), "nrows": 0}).columns
    except (ValueError, OSError, LookupError):
        return None  # the loader reports what is wrong with the file itself
    return first, [str(c).strip() for c in names]


def _sep_hint(found: list[str]) -> str:
    """A header read as one column that holds semicolons or tabs: name the separator."""
    if len(found) != 1 or not (";" in found[0] or "\t" in found[0]):
        return ""
    mark, name = (";", "semicolon") if ";" in found[0] else ("\\t", "tab")
    return f'. The file looks {name}-separated: add sep = "{mark}"'


def _check_columns(spec: Path, ts: TableSpec, where: str, found: list[str]) -> None:
    """Every mapped column exists in the source; every required column is mapped or present."""
    for canon, user in ts.columns.items():
        if user not in found:
            what = f"no such column in {where}; found {found}{_sep_hint(found)}"
            raise _spec_error(spec, f"{ts.name}.columns.{canon}", what, user, table=ts.name, column=canon)
    required = _CANONICAL[ts.name]["required"] if ts.name in _CANONICAL else list(_PLAIN.get(ts.name, []))
    missing = [c for c in required if c not in ts.columns and c not in found]
    if missing:
        wanted = ", ".join(f'{c} = "..."' for c in missing)
        what = (
            f"the required column(s) {missing} are neither mapped nor in {where}; map them: "
            f"columns = {{ {wanted} }} (python -m crmlab.spec init FILE guesses them); "
            f"found {found}{_sep_hint(found)}"
        )
        raise _spec_error(spec, f"{ts.name}.columns", what, ts.columns, table=ts.name, column=missing[0])


def _table_spec(spec: Path, name: str, raw) -> TableSpec:
    """Parse and check one ``[table]`` of the spec."""
    if not isinstance(raw, dict):
        what = f'must be a table ([{name}] with path = "..."), not {_toml_type(raw)}'
        raise _spec_error(spec, name, what, raw, table=name)
    allowed = _allowed_keys(name)
    for key, value in raw.items():
        if key not in allowed:
            what = f"unknown option of [{name}]; allowed: {', '.join(allowed)}"
            raise _spec_error(spec, f"{name}.{key}", what, value, table=name)
        _check_type(spec, f"{name}.{key}", value, name)
    if "path" not in raw:
        what = "missing: where the table is (a CSV or Parquet file, a glob, a DuckDB file, a SQL URL)"
        raise _spec_error(spec, f"{name}.path", what, table=name)
    if "timezone" in raw:
        try:
            pd.Timestamp(0, tz=raw["timezone"])
        except Exception as exc:  # zoneinfo / pytz raise several types
            what = "unknown time zone (e.g. 'UTC', 'Europe/Berlin')"
            raise _spec_error(spec, f"{name}.timezone", what, raw["timezone"], table=name) from exc
    kind, path = _source(spec, name, raw["path"])
    columns = _columns(spec, name, raw.get("columns", {}))
    ts = TableSpec(name, path, kind, columns, _options(raw), raw.get("table"), raw.get("query"))
    _check_table_query(spec, ts, raw)
    header = _header(ts) if kind in ("file", "glob") else None
    if header is not None:
        _check_columns(spec, ts, *header)
    return ts


def read_spec(path: str | os.PathLike) -> DataSpec:
    """Read and check a data spec (a TOML file) without loading the data.

    Checks are cheap: paths exist, globs match, mapped columns are in the CSV header or the
    Parquet schema (databases are checked when loaded).

    Parameters
    ----------
    path : the spec file; a relative path not found from the working folder is looked up from the
        project root (the notebooks run in ``notebooks/``).

    Returns
    -------
    DataSpec
        The tables with absolute paths, the loader options and the ``[dataset]`` entries.

    Raises
    ------
    CRMDataError
        Naming the spec file, the key and the value found: a TOML syntax error (with its line),
        an unknown table or option (listing the allowed ones), a wrong type, a path that does not
        exist, a glob matching nothing, a mapped column not in the file.
    """
    spec = Path(path)
    if not spec.is_absolute() and not spec.exists() and (paths.PROJECT_ROOT / spec).is_file():
        spec = paths.PROJECT_ROOT / spec  # notebooks run in notebooks/; paths are given from the project root
    raw = _read_toml(spec)
    for key, value in raw.items():
        if key not in (*TABLES, "dataset"):
            what = f"unknown table [{key}]; allowed: dataset, {', '.join(TABLES)}"
            raise _spec_error(spec, key, what, value)
    if "transactions" not in raw:
        raise _spec_error(
            spec, "transactions", f"missing: every data set needs [transactions]; found {list(raw)}"
        )
    meta = _dataset_meta(spec, raw.get("dataset", {}))
    tables = {name: _table_spec(spec, name, raw[name]) for name in TABLES if name in raw}
    return DataSpec(
        spec,
        meta.get("name", spec.stem),
        tables,
        meta.get("description", f"tables named by the data spec {spec}"),
        meta.get("observation_end"),
    )
