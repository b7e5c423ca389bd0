"""Loading the tables a data spec names: :func:`load_spec` and the :class:`SpecDataset` it returns."""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass, fields
from functools import partial
from pathlib import Path

import pandas as pd

from .. import data, engine
from .._validate import resolve_observation_end
from ..datasets import Dataset
from ..exceptions import CRMDataError
from .reader import (
    _ENGINE_KINDS,
    _LOADED,
    _PLAIN,
    DataSpec,
    TableSpec,
    _check_columns,
    _is_parquet,
    _masked,
    _spec_error,
    read_spec,
)

__all__ = ["SpecDataset", "load_spec"]


@dataclass
class SpecDataset(Dataset):
    """A :class:`~crmlab.datasets.Dataset` loaded from a spec; keeps the spec's ``observation_end``."""

    spec: DataSpec | None = None

    @property
    def observation_end(self) -> pd.Timestamp:
        """The spec's ``[dataset] observation_end`` if given, else the last purchase day."""
        given = self.spec.observation_end if self.spec is not None else None
        if given is None:
            return super().observation_end
        return resolve_observation_end(self.transactions["date"], given)

    def pseudonymized(self, key: str | bytes | None = None) -> SpecDataset:
        """As :meth:`Dataset.pseudonymized`, keeping the spec (and so its ``observation_end``).

        Parameters
        ----------
        key : the secret key; default: the environment variable ``CRMLAB_PSEUDONYM_KEY``.

        Returns
        -------
        SpecDataset
            The pseudonymized copy (the original is untouched).
        """
        plain = super().pseudonymized(key)
        return SpecDataset(**{f.name: getattr(plain, f.name) for f in fields(Dataset)}, spec=self.spec)


def _lazy_table(ts: TableSpec):
    """``(backend, Ibis table)`` over a glob of Parquet files, a DuckDB file (read only) or a SQL URL."""
    import ibis

    if ts.kind == "glob":
        backend = engine.connect()
        return backend, backend.read_parquet(ts.path)
    backend = ibis.duckdb.connect(ts.path, read_only=True) if ts.kind == "duckdb" else ibis.connect(ts.path)
    return backend, backend.sql(ts.query) if ts.query else backend.table(ts.table)


def _engine_frame(spec: Path, ts: TableSpec) -> pd.DataFrame:
    """Read a glob / DuckDB / SQL source through the engine into pandas."""
    key = f"{ts.name}.{'query' if ts.query else 'table' if ts.table else 'path'}"
    try:
        backend, t = _lazy_table(ts)
    except Exception as exc:  # each backend raises its own types
        value = ts.query or ts.table or ts.shown
        what = f"cannot read it from {ts.shown}: {_masked(str(exc))}"
        raise _spec_error(spec, key, what, value, table=ts.name) from exc
    try:
        _check_columns(spec, ts, ts.shown, list(t.columns))
        return t.to_pandas()
    finally:
        backend.disconnect()


def _plain(
    source, columns: dict | None = None, *, sep=None, read_kwargs=None, name: str = ""
) -> pd.DataFrame:
    """A table without a crmlab.data loader: read, mapped, key columns checked, ids as text."""
    ids = [user for canon, user in (columns or {}).items() if canon.endswith("_id")]
    if isinstance(source, pd.DataFrame):
        frame = source.copy()
    elif _is_parquet(source):
        frame = pd.read_parquet(source)
    else:
        kwargs = {"sep": sep or ",", **(read_kwargs or {})}
        ids += [c for c in pd.read_csv(source, nrows=0, **kwargs).columns if str(c).endswith("_id")]
        frame = pd.read_csv(source, dtype=dict.fromkeys(ids, str), **kwargs)
    frame = frame.rename(columns={user: canon for canon, user in (columns or {}).items()})
    data.require_columns(frame, _PLAIN[name], name)
    for column in data.id_columns(frame):
        frame[column] = frame[column].astype("string").str.strip()
    return frame


def _loaded(spec: DataSpec, ts: TableSpec, source, columns: dict) -> pd.DataFrame:
    """``source`` through the table's crmlab.data loader; errors name the spec file and the table."""
    loader = getattr(data, f"load_{ts.name}") if ts.name in _LOADED else partial(_plain, name=ts.name)
    where = ts.shown if isinstance(source, pd.DataFrame) else source
    try:
        return loader(source, columns=columns or None, **ts.options)
    except (ValueError, TypeError) as exc:
        raise CRMDataError(
            f"{spec.path}: [{ts.name}] {where}: {exc}",
            table=getattr(exc, "table", ts.name),
            column=getattr(exc, "column", None),
            n_bad=getattr(exc, "n_bad", None),
            example=getattr(exc, "example", None),
        ) from exc


def _load_table(spec: DataSpec, ts: TableSpec) -> pd.DataFrame:
    """One table: a file by its loader; a glob of CSV files file by file, then checked as a whole
    (duplicates across files, one sort); a Parquet glob, a DuckDB file or a SQL URL through the
    engine, then by the loader."""
    files = sorted(glob.glob(ts.path, recursive=True)) if ts.kind == "glob" else []
    if files and not _is_parquet(files[0]):
        parts = [_loaded(spec, ts, file, ts.columns) for file in files]
        return _loaded(spec, ts, pd.concat(parts, ignore_index=True), {})
    source = _engine_frame(spec.path, ts) if ts.kind in _ENGINE_KINDS else ts.path
    return _loaded(spec, ts, source, ts.columns)


def load_spec(path_or_spec: str | os.PathLike | DataSpec) -> SpecDataset:
    """Load the tables a data spec names, each validated by its crmlab.data loader.

    Parameters
    ----------
    path_or_spec : a spec file or a :class:`DataSpec` from :func:`read_spec`.

    Returns
    -------
    SpecDataset
        A :class:`~crmlab.datasets.Dataset` named by ``[dataset] name`` (default: the spec
        file's stem); tables the spec does not name are ``None``.

    Raises
    ------
    CRMDataError
        For a bad spec (see :func:`read_spec`) or bad data, naming the spec file and the table.
    """
    spec = path_or_spec if isinstance(path_or_spec, DataSpec) else read_spec(path_or_spec)
    frames = {name: _load_table(spec, ts) for name, ts in spec.tables.items()}
    return SpecDataset(name=spec.name, description=spec.description, spec=spec, **frames)
