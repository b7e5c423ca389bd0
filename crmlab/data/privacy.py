"""Pseudonymization: every identifier replaced by a keyed hash, the same in every table."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence

import numpy as np
import pandas as pd

from .._validate import data_error
from .tables import _is_id

__all__ = ["id_columns", "pseudonymize"]

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
