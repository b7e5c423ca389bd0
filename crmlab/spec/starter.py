"""A starter data spec for a transactions file: the columns guessed from names and values.

``init_spec("exports/transactions.csv")`` reads the header and the first rows and writes the TOML
of a :mod:`crmlab.spec` file, with a comment per guess saying why and ``# could not guess ...``
for a required column it could not find.
"""

from __future__ import annotations

import gzip
import json
import os
import re
from pathlib import Path

import pandas as pd

from .. import data
from .._validate import data_error
from .reader import _is_parquet

__all__ = ["init_spec"]

# canonical name -> (names taken as they are, words that point to it)
_NAMES = {
    "customer_id": (
        {"customer_id", "customerid", "cust_id", "client_id", "household_id", "household_key", "member_id"},
        {"customer", "cust", "client", "household", "member", "user", "account", "shopper", "buyer"},
    ),
    "date": (
        {"date", "transaction_timestamp", "timestamp", "order_date", "invoice_date", "purchase_date",
         "transaction_date", "datetime", "day", "created_at"},
        {"date", "time", "timestamp", "datetime", "day", "created"},
    ),
    "amount": (
        {"amount", "sales_value", "sales", "revenue", "value", "spend", "net_sales", "dollar_value",
         "sales_amount", "total_amount", "turnover"},
        {"amount", "sales", "revenue", "value", "spend", "turnover", "total"},
    ),
    "order_id": (
        {"order_id", "basket_id", "invoice", "invoice_no", "invoice_id", "transaction_id", "receipt_id"},
        {"order", "basket", "invoice", "receipt", "ticket", "transaction", "trans", "bill"},
    ),
    "product": (
        {"product", "product_id", "sku", "item_id", "stock_code", "article", "upc"},
        {"product", "prod", "sku", "item", "article", "stock", "upc", "ean"},
    ),
    "quantity": ({"quantity", "qty", "units", "number_of_cds"}, {"quantity", "qty", "units"}),
    "category": (
        {"category", "department", "commodity", "product_category", "category_name", "dept"},
        {"category", "categ", "department", "dept", "commodity", "family", "class"},
    ),
}  # fmt: skip
_ID_TARGETS = ("customer_id", "order_id", "product")
_ID_WORDS = {"id", "key", "no", "nr", "num", "number", "code"}
_DATE_FORMATS = (
    "%d/%m/%Y %H:%M", "%m/%d/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%m/%d/%Y %H:%M:%S", "%d/%m/%Y",
    "%m/%d/%Y", "%d.%m.%Y %H:%M", "%d.%m.%Y", "%d-%m-%Y", "%Y/%m/%d", "%d %b %Y", "%b %d %Y",
)  # fmt: skip
_SAMPLE_ROWS = 2000


def _tokens(name) -> list[str]:
    """``CustomerID`` -> ``['customer', 'id']``; ``household_key`` -> ``['household', 'key']``."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", str(name).strip())
    return [t for t in re.split(r"[^0-9a-z]+", spaced.lower()) if t]


def _name_score(name, target: str) -> int:
    """3: a known name; 2: a telling word (with an id word for ids); 1: a weaker hint; 0: none."""
    tokens = _tokens(name)
    exact, words = _NAMES[target]
    if "_".join(tokens) in exact:
        return 3
    if any(t in words for t in tokens):
        return 1 if target in _ID_TARGETS and not _ID_WORDS & set(tokens) else 2
    joined = "".join(tokens)
    return 1 if any(len(w) >= 4 and w in joined for w in words) else 0


def _date_values(values: pd.Series) -> tuple[str, str] | None:
    """``(date_format or "", example)`` when every sampled value parses as a date, else None."""
    values = values.dropna()
    if values.empty or pd.api.types.is_bool_dtype(values):
        return None
    if pd.api.types.is_datetime64_any_dtype(values):
        return "", str(values.iloc[0])
    if pd.api.types.is_numeric_dtype(values):  # YYYYMMDD numbers, which the loader reads as dates
        text = values.astype("int64").astype(str) if (values % 1 == 0).all() else None
        ok = text is not None and pd.to_datetime(text, format="%Y%m%d", errors="coerce").notna().all()
        return ("", str(text.iloc[0])) if ok and (text.str.len() == 8).all() else None
    text = values.astype(str).str.strip()
    if not text.str.contains(r"[0-9]{2}").all():
        return None
    for fmt in ("ISO8601", *_DATE_FORMATS):
        try:
            parsed = pd.to_datetime(text, format=fmt, errors="coerce", utc=True)
        except (ValueError, TypeError):
            continue
        if parsed.notna().all():
            return ("" if fmt == "ISO8601" else fmt), str(text.iloc[0])
    return None


def _numbers(values: pd.Series) -> dict | None:
    """``{}`` for numbers, the read options for numbers with a decimal comma, None otherwise."""
    if pd.api.types.is_bool_dtype(values):
        return None
    if pd.api.types.is_numeric_dtype(values):
        return {}
    text = values.dropna().astype(str).str.strip()
    comma = pd.to_numeric(text.str.replace(".", "", regex=False).str.replace(",", ".", regex=False), "coerce")
    if not (len(text) and text.str.contains(",").any() and comma.notna().all()):
        return None
    return {"decimal": ",", **({"thousands": "."} if text.str.contains(".", regex=False).any() else {})}


def _fits(values: pd.Series, target: str) -> tuple[bool, str, dict]:
    """Do the values fit the target? ``(ok, why, spec options)``."""
    if target == "date":
        found = _date_values(values)
        if found is None:
            example = values.dropna().astype(str).iloc[0] if values.notna().any() else "nothing"
            return False, f"its values do not parse as dates (e.g. {example!r})", {}
        fmt, example = found
        return True, f"its values parse as dates (e.g. {example!r})", {"date_format": fmt} if fmt else {}
    if target in ("amount", "quantity"):
        options = _numbers(values)
        if options is None:
            return False, "its values are not numbers", {}
        return True, "", options
    fractional = pd.api.types.is_float_dtype(values) and (values.dropna() % 1 != 0).any()
    return not fractional, "" if not fractional else "its values are fractional numbers", {}


def _guess(frame: pd.DataFrame) -> tuple[dict, dict, dict]:
    """Greedy best-first matching: ``({target: (column, why)}, spec options, {target: note})``."""
    ranked = sorted(
        (-score, rank, i, target, column)
        for rank, target in enumerate(_NAMES)
        for i, column in enumerate(frame.columns)
        if (score := _name_score(column, target))
    )
    guesses: dict[str, tuple[str, str]] = {}
    options: dict[str, tuple[str, str]] = {}
    notes: dict[str, str] = {}
    for _, _, _, target, column in ranked:
        if target in guesses or column in {c for c, _ in guesses.values()}:
            continue
        ok, why, opts = _fits(frame[column], target)
        if not ok:
            notes.setdefault(target, f"{column!r} looks like it by name, but {why}")
            continue
        guesses[target] = (column, f"guessed from the name {column!r}" + (f"; {why}" if why else ""))
        options.update(_explained(opts, frame[column]))
    _guess_from_values(frame, guesses, options)
    return guesses, options, notes


def _explained(options: dict, values: pd.Series) -> dict[str, tuple[str, str]]:
    """``{option: (value, why)}``: an option read off a column's values, with an example."""
    example = values.dropna().astype(str).iloc[0] if values.notna().any() else ""
    why = f"guessed from the values of {values.name!r} (e.g. {example!r})"
    return {key: (value, why) for key, value in options.items()}


def _guess_from_values(frame: pd.DataFrame, guesses: dict, options: dict) -> None:
    """No date by name: the first text column whose values parse as dates; no amount: the only
    column with fractional numbers."""
    free = [c for c in frame.columns if c not in {c for c, _ in guesses.values()}]
    if "date" not in guesses:
        for column in free:
            found = None if pd.api.types.is_numeric_dtype(frame[column]) else _date_values(frame[column])
            if found is not None:
                guesses["date"] = (
                    column,
                    f"guessed from the values: they parse as dates (e.g. {found[1]!r})",
                )
                options.update(_explained({"date_format": found[0]} if found[0] else {}, frame[column]))
                free.remove(column)
                break
    if "amount" not in guesses:
        decimals = [
            c
            for c in free
            if pd.api.types.is_float_dtype(frame[c])
            and (frame[c].dropna() % 1 != 0).any()
            and not (_ID_WORDS | {"price", "cost", "discount", "disc"}) & set(_tokens(c))
        ]
        if len(decimals) == 1:
            guesses["amount"] = (
                decimals[0],
                "guessed from the values: the only column with fractional numbers",
            )


def _sample(path: Path) -> tuple[pd.DataFrame, dict]:
    """The first rows of a CSV or Parquet file, and the read options it needs (sep, encoding)."""
    if _is_parquet(str(path)):
        import pyarrow.parquet as pq

        batch = next(pq.ParquetFile(path).iter_batches(batch_size=_SAMPLE_ROWS), None)
        return (pd.DataFrame() if batch is None else batch.to_pandas()), {}
    with open(path, "rb") as fh:
        compression = "gzip" if fh.read(2) == b"\x1f\x8b" else None
    options: dict[str, tuple[str, str]] = {}
    for encoding in ("utf-8", "latin-1"):
        try:
            with (gzip.open if compression else open)(path, "rt", encoding=encoding) as fh:
                line = fh.readline()
            sep = max([",", ";", "\t", "|"], key=line.count)
            frame = pd.read_csv(
                path,
                sep=sep,
                nrows=_SAMPLE_ROWS,
                encoding=encoding,
                compression=compression,
                skipinitialspace=True,
            )
            break
        except UnicodeDecodeError:
            continue
    options.update({"sep": (sep, "guessed from the header line")} if sep != "," else {})
    options.update({"encoding": (encoding, "the file is not UTF-8 text")} if encoding != "utf-8" else {})
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame, options


def _toml(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a TOML basic string


def _missing_note(target: str, frame: pd.DataFrame, notes: dict) -> str:
    why = notes.get(target, "no column name like " + " / ".join(sorted(_NAMES[target][1])[:5]))
    if target == "amount":
        price = [c for c in frame.columns if "price" in _tokens(c)]
        qty = [c for c in frame.columns if _name_score(c, "quantity")]
        if price and qty:
            why = (
                f"{price[0]!r} x {qty[0]!r} is not computed: add an amount column (price * quantity) "
                "to the file, then map it"
            )
    return f'# could not guess {target}: {why}\n# {target} = "..."'


def _render(path_text: str, frame: pd.DataFrame, guesses: dict, options: dict, notes: dict) -> str:
    out = [
        f"# crmlab data spec, a starter written from {path_text}: check every guess.",
        '# Use it with load_dataset("this_file.toml") or make reports PARAMS="-p dataset this_file.toml".',
        "# Paths are relative to this file's folder.",
        "",
        "[dataset]",
        '# name = "my shop"                # default: this file\'s name',
        "# observation_end = 2024-06-30    # default: the last purchase day",
        "",
        "[transactions]",
        f"path = {_toml(path_text)}",
    ]
    out += [f"{key} = {_toml(value)}  # {why}" for key, (value, why) in options.items()]
    out += ["", "[transactions.columns]"]
    for target in _NAMES:
        if target in guesses:
            column, why = guesses[target]
            out.append(f"{target} = {_toml(column)}  # {why}")
        elif target in data.TRANSACTION_COLUMNS["required"]:
            out.append(_missing_note(target, frame, notes))
    used = {c for c, _ in guesses.values()}
    others = [str(c) for c in frame.columns if c not in used]
    optional = [c for c in _NAMES if c not in guesses and c not in data.TRANSACTION_COLUMNS["required"]]
    out += [
        "",
        f"# not found (optional): {', '.join(optional) or '-'}",
        f"# other columns in the file (kept as they are): {', '.join(others) or '-'}",
        "",
        "# [customers]",
        '# path = "customers.csv"',
        '# columns = { customer_id = "..." }',
        "",
    ]
    return "\n".join(out)


def init_spec(data_file: str | os.PathLike, relative_to: str | os.PathLike | None = None) -> str:
    """A starter spec for a transactions file: the columns guessed, each guess explained.

    Reads the header and the first rows; a column is guessed from its name (``household_id``,
    ``cust``, ``client``, ``member`` -> customer_id; ``transaction_timestamp``, ``order_date``,
    ``day`` -> date; ``sales_value``, ``revenue`` -> amount; ``basket_id``, ``invoice`` ->
    order_id; ...) and must fit by its values (dates that parse, numbers); without a telling
    name, the only text column of dates or the only column of fractional numbers is taken.
    ``price * quantity`` is never computed for you.

    Parameters
    ----------
    data_file : a CSV (also gzip-compressed) or Parquet file of transactions.
    relative_to : the folder the spec will live in; the path is written relative to it.
        Default: the path as given (right for ``... init exports/x.csv > shop.toml``).

    Returns
    -------
    str
        The TOML text, with a comment per guess and ``# could not guess ...`` for a required
        column it could not find.
    """
    path = Path(data_file)
    if not path.is_file():
        raise FileNotFoundError(f"init: no such file: {path}")
    try:
        frame, options = _sample(path)
    except (ValueError, OSError) as exc:  # pandas' parser errors are ValueErrors
        raise data_error("transactions", None, f"init: cannot read {path} as CSV or Parquet: {exc}") from exc
    guesses, found_options, notes = _guess(frame)
    path_text = os.fspath(data_file)
    if relative_to is not None:
        path_text = os.path.relpath(path.resolve(), Path(relative_to).resolve())
    return _render(Path(path_text).as_posix(), frame, guesses, {**options, **found_options}, notes)
