"""One entry point for the notebooks' ``dataset`` parameter.

``load_dataset("synthetic" | "synthetic_no_trap" | "cdnow" | "cdnow_sample" | path)``
returns a :class:`Dataset` whose tables are the canonical ones of ``crmlab.data``
(``None`` where the data set has no such table). A path is a transactions file
(CSV or Parquet) or a folder holding ``transactions.csv`` and, optionally,
``customers.csv``, ``survey.csv``, ``promotions.csv``, ``order_lines.csv`` and ``campaign.csv``
(the layout ``make data`` writes), and for business customers' credit ``statements.csv`` and
``business_accounts.csv`` (:mod:`crmlab.credit`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import data, paths, synth
from ._validate import data_error, resolve_observation_end

__all__ = ["Dataset", "load_dataset", "NAMED_DATASETS"]

PSEUDONYM_KEY_ENV = "CRMLAB_PSEUDONYM_KEY"
NAMED_DATASETS = ("synthetic", "synthetic_no_trap", "cdnow", "cdnow_sample")
_TABLES = (
    "transactions",
    "customers",
    "survey",
    "promotions",
    "order_lines",
    "campaign",
    "business_accounts",
    "statements",
)
_CREDIT_TABLES = ("business_accounts", "statements")  # listed by Dataset.tables() only when present


@dataclass
class Dataset:
    """A data set's canonical tables; absent tables are ``None``."""

    name: str
    transactions: pd.DataFrame
    customers: pd.DataFrame | None = None
    survey: pd.DataFrame | None = None
    promotions: pd.DataFrame | None = None
    truth: synth.GroundTruth | None = None
    description: str = ""
    order_lines: pd.DataFrame | None = None
    campaign: pd.DataFrame | None = None
    business_accounts: pd.DataFrame | None = None
    statements: pd.DataFrame | None = None
    credit_truth: pd.DataFrame | None = None

    @property
    def observation_end(self) -> pd.Timestamp:
        """The last day observed (the synthetic period's end, else the last purchase day)."""
        if self.truth is not None:
            return pd.Timestamp(self.truth.params["end"])
        return resolve_observation_end(self.transactions["date"])

    def pseudonymized(self, key: str | bytes | None = None) -> Dataset:
        """A copy with every identifier replaced by its keyed hash (``crmlab.data.pseudonymize``).

        Every ``*_id`` column of every table -- ``customer_id``, ``order_id``, ``promotion_id``
        in transactions and promotions, ids a user mapped -- and the ground truth's customer and
        order ids are hashed with the same key, so an id maps to the same pseudonym in every
        table and joins still work. ``key=None`` reads the environment variable
        ``CRMLAB_PSEUDONYM_KEY``, so that the key never appears in a notebook's parameters or
        in a report.

        Parameters
        ----------
        key : the secret key; default: ``CRMLAB_PSEUDONYM_KEY``.

        Returns
        -------
        Dataset
            The pseudonymized copy (the original is untouched).
        """
        key = key if key is not None else os.environ.get(PSEUDONYM_KEY_ENV)
        if not key:
            raise ValueError(f"pseudonymized: no key given and {PSEUDONYM_KEY_ENV} is not set")

        def swap(frame):
            if frame is None or not (data.id_columns(frame) or _id_index(frame)):
                return frame
            return data.pseudonymize(frame, key)

        truth = None
        if self.truth is not None:
            truth = synth.GroundTruth(
                swap(self.truth.customers),
                swap(self.truth.orders),
                self.truth.params,
                associations=self.truth.associations,
                campaign=swap(self.truth.campaign),
            )
        return Dataset(
            self.name,
            swap(self.transactions),
            swap(self.customers),
            swap(self.survey),
            swap(self.promotions),
            truth,
            self.description + " (pseudonymized)",
            order_lines=swap(self.order_lines),
            campaign=swap(self.campaign),
            business_accounts=swap(self.business_accounts),
            statements=swap(self.statements),
            credit_truth=swap(self.credit_truth),
        )

    def tables(self) -> pd.DataFrame:
        """Which tables are present, with rows and columns.

        Returns
        -------
        DataFrame
            One row per canonical table: ``rows`` and the first 12 ``columns`` (the business
            credit tables, ``business_accounts`` and ``statements``, only when present).
        """
        rows = []
        for name in _TABLES:
            frame = getattr(self, name)
            if frame is None and name in _CREDIT_TABLES:
                continue
            rows.append(
                {
                    "table": name,
                    "rows": 0 if frame is None else len(frame),
                    "columns": ""
                    if frame is None
                    else ", ".join(map(str, frame.columns[:12]))
                    + (" ..." if frame is not None and frame.shape[1] > 12 else ""),
                }
            )
        return pd.DataFrame(rows).set_index("table")


def load_dataset(
    dataset: str = "synthetic",
    seed: int = 0,
    n_customers: int = 10_000,
    start: str = "2023-01-01",
    end: str = "2025-12-31",
    pseudonymize: bool | None = None,
    n_accounts: int = 1000,
) -> Dataset:
    """Load a named data set or the user's own files (see the module docstring).

    Parameters
    ----------
    dataset : ``"synthetic"``, ``"synthetic_no_trap"``, ``"cdnow"``, ``"cdnow_sample"``, a
        transactions file (CSV, ``.csv.gz``, Parquet) or a folder with ``transactions.csv``
        (+ optional ``customers``, ``survey``, ``promotions``, ``order_lines``, ``campaign``;
        ``.csv``, ``.csv.gz`` or ``.parquet``).
    seed, n_customers, start, end : the synthetic population's parameters.
    pseudonymize : replace every identifier (customer, order, promotion and any other ``*_id``
        column, in every table and in the ground truth) by keyed hashes
        (``Dataset.pseudonymized``), with the key from ``CRMLAB_PSEUDONYM_KEY``. ``None``
        (default) does so exactly when that variable is set, so ``CRMLAB_PSEUDONYM_KEY=... make
        reports`` builds every report without a raw id.
    n_accounts : the synthetic data sets' number of business accounts with financial
        statements and a true probability of default (``business_accounts``, ``statements``,
        ``credit_truth``; :func:`crmlab.credit.simulate_business_accounts`, same ``seed``).

    Returns
    -------
    Dataset
        The canonical tables (``None`` where the data set has no such table).
    """
    if pseudonymize is None:
        pseudonymize = bool(os.environ.get(PSEUDONYM_KEY_ENV))
    ds = _load(dataset, seed, n_customers, start, end, n_accounts)
    return ds.pseudonymized() if pseudonymize else ds


def _id_index(frame: pd.DataFrame) -> bool:
    return isinstance(frame.index.name, str) and frame.index.name.endswith("_id")


def _read_optional(found: dict[str, Path], table: str, columns: tuple[str, ...]) -> pd.DataFrame | None:
    """An optional table of a data folder (``order_lines``, ``campaign``) with its key columns,
    ids read as text; ``None`` when the folder has no such file."""
    if table not in found:
        return None
    path = found[table]
    if path.name.lower().endswith(".parquet"):
        frame = pd.read_parquet(path)
    else:
        frame = pd.read_csv(
            path, dtype={"order_id": str, "customer_id": str, "campaign_id": str, "account_id": str}
        )
    data.require_columns(frame, columns, table)
    return frame


def _tables_in(folder: Path) -> dict[str, Path]:
    """``{table: file}`` for the CSV (also ``.csv.gz``) and Parquet files in a folder."""
    found = {}
    for p in sorted(folder.iterdir()):
        name = p.name.lower()
        for suffix in (".csv.gz", ".csv", ".parquet"):
            if name.endswith(suffix):
                found.setdefault(p.name[: -len(suffix)], p)
    return found


def _business_accounts(n_accounts: int, seed: int) -> dict[str, pd.DataFrame]:
    """The synthetic business accounts, their statements and the credit truth (``crmlab.credit``)."""
    from . import credit  # lazy: only the synthetic data sets and credit folders need it

    book = credit.simulate_business_accounts(n_accounts, seed=seed)
    return {"business_accounts": book.accounts, "statements": book.statements, "credit_truth": book.truth}


def _credit_tables(found: dict[str, Path]) -> dict[str, pd.DataFrame]:
    """A folder's ``statements`` and ``business_accounts`` files, validated (``crmlab.credit``)."""
    from . import credit

    out = {}
    for table, check in (
        ("statements", credit.validate_statements),
        ("business_accounts", credit.validate_accounts),
    ):
        frame = _read_optional(found, table, ("account_id",))
        if frame is not None:
            frame["account_id"] = frame["account_id"].astype(str)
            checked = check(frame, table)
            out[table] = checked if table == "statements" else frame
    return out


def _load(dataset: str, seed: int, n_customers: int, start: str, end: str, n_accounts: int = 1000) -> Dataset:
    if str(dataset).lower().endswith(".toml"):
        from . import spec  # lazy: crmlab.spec imports this module

        return spec.load_spec(dataset)
    if dataset in ("synthetic", "synthetic_no_trap"):
        pop = synth.generate(
            n_customers, seed=seed, start=start, end=end, satisfaction_trap=dataset == "synthetic"
        )
        return Dataset(
            dataset,
            pop.transactions,
            pop.customers,
            pop.survey,
            pop.promotions,
            pop.truth,
            description=f"synthetic population, {n_customers:,} sign-ups, seed {seed}, {start}..{end}; "
            f"{n_accounts:,} business accounts",
            order_lines=pop.order_lines,
            campaign=pop.campaign,
            **_business_accounts(n_accounts, seed),
        )
    if dataset in ("cdnow", "cdnow_master"):
        return Dataset(
            "cdnow",
            data.load_cdnow("master"),
            description="CDNOW 1997-Q1 cohort, 23,570 customers (Fader & Hardie)",
        )
    if dataset == "cdnow_sample":
        return Dataset(
            "cdnow_sample",
            data.load_cdnow("sample"),
            description="CDNOW 1/10 sample, 2,357 customers (Fader, Hardie & Lee 2005)",
        )
    path = Path(dataset)
    if not path.is_absolute() and not path.exists() and (paths.PROJECT_ROOT / path).exists():
        path = paths.PROJECT_ROOT / path  # notebooks run in notebooks/; paths are given from the project root
    if path.is_dir():
        found = _tables_in(path)
        if "transactions" not in found:
            raise data_error("transactions", None, f"no transactions.csv (.csv.gz) or .parquet in {path}")
        return Dataset(
            path.name,
            data.load_transactions(found["transactions"]),
            customers=data.load_customers(found["customers"]) if "customers" in found else None,
            survey=data.load_survey(found["survey"]) if "survey" in found else None,
            promotions=data.load_promotions(found["promotions"]) if "promotions" in found else None,
            description=f"files in {path}",
            order_lines=_read_optional(found, "order_lines", ("order_id", "product")),
            campaign=_read_optional(found, "campaign", ("customer_id", "targeted", "control", "responded")),
            **_credit_tables(found),
        )
    if path.exists():
        return Dataset(path.stem, data.load_transactions(path), description=f"transactions from {path}")
    raise ValueError(
        f"unknown dataset {dataset!r}: use one of {NAMED_DATASETS}, a transactions file "
        "(CSV/Parquet) or a folder with transactions.csv"
    )
