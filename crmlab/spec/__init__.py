"""Data specs: point crmlab at your own files, database or cluster with a small TOML file.

A spec names, for each canonical table of :mod:`crmlab.data` (``transactions``, ``customers``,
``survey``, ``promotions``), where its rows live and what its columns are called::

    [dataset]                                    # optional
    name = "shop"                                # default: the spec file's name
    observation_end = 2024-06-30                 # default: the last purchase day

    [transactions]
    path = "exports/transactions.csv"            # relative to this file's folder
    columns = { customer_id = "household_id", date = "transaction_timestamp", amount = "sales_value" }
    date_format = "%Y-%m-%d %H:%M:%S"             # any read option of crmlab.data.load_transactions

    [customers]
    path = "exports/demographics.csv"
    columns = { customer_id = "household_id" }

``path`` is a CSV (also ``.csv.gz``) or Parquet file, read by the table's loader
(``crmlab.data.load_transactions`` ...); a glob of CSV files (``"monthly/*.csv"``, read file by
file by the loader); or a glob of Parquet files (``"parts/*.parquet"``), a DuckDB database file
(``.duckdb``, ``.ddb``, ``.db``) or a SQL URL (``postgresql://user@host/db``) with ``table`` or
``query``, read through DuckDB / the database with Ibis (:mod:`crmlab.engine`) and then validated
by the same loader. ``columns`` maps canonical names to yours. The other keys
are the loader's options (``sep``, ``date_format``, ``timezone``, ``read_kwargs``; ``items`` and
``scale`` for a survey) and the ``pandas.read_csv`` shortcuts ``encoding``, ``decimal``,
``thousands``, ``quotechar``, ``comment``. Tables without a loader (``order_lines``,
``campaign``, ``statements``, ``business_accounts``, where :class:`~crmlab.datasets.Dataset`
has them) take ``path``, ``columns``, ``sep`` and the read options; their key columns are
checked and their ids read as text.
Passwords in a URL are masked in every message (better: leave them out, libpq reads
``PGPASSWORD`` or ``~/.pgpass``).

Layout: ``reader`` (:func:`read_spec` with every check), ``loading`` (:func:`load_spec`), ``starter``
(:func:`init_spec`), ``cli`` (:func:`main`; ``python -m crmlab.spec init|check``).

A bad spec raises :class:`~crmlab.exceptions.CRMDataError` naming the spec file, the key and the
value found. ``python -m crmlab.spec init exports/transactions.csv > shop.toml`` writes a starter
spec, guessing the columns and saying why.
"""

from .cli import main
from .loading import SpecDataset, load_spec
from .reader import TABLES, DataSpec, TableSpec, read_spec
from .starter import init_spec

__all__ = ["TABLES", "TableSpec", "DataSpec", "SpecDataset", "read_spec", "load_spec", "init_spec", "main"]
