"""One student's data: the synthetic tables, the task inputs, and their fingerprint.

:func:`load_exercise_data` is what the student notebooks call; it is the only part of the
teaching kit that runs inside the grading sandbox besides the notebook generator.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .. import data, synth

__all__ = [
    "DATA_VERSION",
    "ExerciseData",
    "exercise_inputs",
    "write_exercise_data",
    "load_exercise_data",
    "data_fingerprint",
]

#: the synthetic population behind every student's data (small: notebooks run in seconds)
DATA_VERSION = 2  # 2: order_lines.csv and campaign.csv; promotion, baskets and churn inputs
N_CUSTOMERS = 1500
START, END = "2023-01-01", "2024-12-31"
SURVEY_RESPONSE_RATE = 0.6  # ~800 respondents: enough for the satisfaction-trap curves
TABLES = ("transactions", "customers", "survey", "order_lines", "campaign")
#: tables a data folder written before DATA_VERSION 2 lacks (loaded as None there)
OPTIONAL_TABLES = ("order_lines", "campaign")
_ID_COLUMNS = {"order_id": str, "customer_id": str, "campaign_id": str}


@dataclass
class ExerciseData:
    """One student's tables and task inputs, as the exercise notebooks see them.

    ``order_lines`` (order_id, product, category, quantity, price) and ``campaign``
    (customer_id, campaign_id, targeted, control, responded, revenue) are None only for a
    data folder written before ``DATA_VERSION`` 2.
    """

    seed: int
    transactions: pd.DataFrame
    customers: pd.DataFrame
    survey: pd.DataFrame
    inputs: dict = field(default_factory=dict)
    order_lines: pd.DataFrame | None = None
    campaign: pd.DataFrame | None = None

    @property
    def observation_end(self) -> str:
        """The last day of the data period (ISO date)."""
        return self.inputs["observation_end"]


def _pick(rng: np.random.Generator, ids, k: int) -> list[str]:
    ids = sorted(map(str, ids))
    if len(ids) < k:
        raise ValueError(f"exercise inputs: need {k} customers, the data has {len(ids)}")
    return sorted(rng.choice(ids, size=k, replace=False).tolist())


_SAATY = np.array([1 / 9, 1 / 8, 1 / 7, 1 / 6, 1 / 5, 1 / 4, 1 / 3, 1 / 2, 1, 2, 3, 4, 5, 6, 7, 8, 9])


def _ahp_matrix(rng: np.random.Generator, n: int) -> list[list[float]]:
    """A reciprocal Saaty-scale judgement matrix whose CR is clearly on one side of 0.10.

    Rounded ratios of random weights, with one judgement of the upper triangle moved
    1-3 scale steps; kept only if CR <= 0.08 or 0.12 <= CR <= 0.40 (so that the
    tolerance on CR cannot flip the accept / revise decision).
    """
    from ..loyalty import ahp_weights

    logs = np.log(_SAATY)
    for _ in range(1000):
        w = rng.dirichlet(np.full(n, 1.5))
        a = np.ones((n, n))
        for i in range(n):
            for j in range(i + 1, n):
                a[i, j] = _SAATY[int(np.argmin(np.abs(logs - np.log(w[i] / w[j]))))]
        i, j = sorted(rng.choice(n, size=2, replace=False).tolist())
        k = int(np.argmin(np.abs(logs - np.log(a[i, j]))))
        a[i, j] = _SAATY[int(np.clip(k + rng.choice([-3, -2, -1, 1, 2, 3]), 0, len(_SAATY) - 1))]
        for i in range(n):
            for j in range(i + 1, n):
                a[j, i] = 1.0 / a[i, j]
        cr = ahp_weights(a, max_cr=None).cr
        if cr <= 0.08 or 0.12 <= cr <= 0.40:
            return [[float(v) for v in row] for row in a]
    raise RuntimeError("exercise inputs: no AHP matrix found")  # pragma: no cover - never in practice


def _pick_spread(rng: np.random.Generator, values: pd.Series, k: int) -> list[str]:
    """One customer at random from each of ``k`` equal groups of customers ranked by ``values``.

    Spreads the customers a task asks about over the range (recent and lapsed, small and
    large spenders) without depending on the analysis being taught.
    """
    if len(values) < k:
        raise ValueError(f"exercise inputs: need {k} customers, the data has {len(values)}")
    order = values.sort_values(kind="stable").index.astype(str).to_numpy()
    groups = np.array_split(order, k)
    return sorted(str(rng.choice(np.sort(g))) for g in groups)


def _promotion_inputs(seed: int) -> dict:
    """ex07: the campaign's economics (margin on revenue, cost of one contact)."""
    rng = np.random.default_rng([seed, 7])
    return {
        "margin_rate": float(rng.integers(20, 46)) / 100.0,
        "cost_per_contact": float(rng.integers(3, 13)) / 10.0,
    }


def _pair_counts(order_lines: pd.DataFrame) -> pd.Series:
    """Orders holding each ordered pair of distinct products, indexed by (product, partner)."""
    lines = order_lines[["order_id", "product"]].astype(str).drop_duplicates()
    both = lines.merge(lines, on="order_id", suffixes=("", "_partner"))
    both = both[both["product"] != both["product_partner"]]
    return both.groupby(["product", "product_partner"]).size()


def _clear_antecedents(order_lines: pd.DataFrame, min_count: int) -> list[str]:
    """Products whose most frequent partner is frequent (``min_count`` orders) and unique.

    For these the rule with the highest confidence is unambiguous, whatever the tie-breaking.
    """
    counts = _pair_counts(order_lines).sort_values(ascending=False, kind="stable")
    out = []
    for product, partners in counts.groupby(level=0, sort=True):
        top = partners.to_numpy()
        if top[0] >= min_count and (len(top) == 1 or top[0] > top[1]):
            out.append(str(product))
    return out


def _basket_inputs(seed: int, order_lines: pd.DataFrame) -> dict:
    """ex08: support and rule thresholds, a pair of products, antecedents, two categories."""
    rng = np.random.default_rng([seed, 8])
    min_support = float(rng.choice([0.0006, 0.0008, 0.0010]))
    n_orders = order_lines["order_id"].nunique()
    min_count = max(1, int(np.ceil(min_support * n_orders - 1e-9)))
    products = pd.Series(np.sort(order_lines["product"].astype(str).unique()))
    category = order_lines.drop_duplicates("product").set_index("product")["category"].astype(str)
    chosen = str(rng.choice(np.sort(category.unique())))
    in_category = products[products.map(category) == chosen].to_numpy()
    if len(in_category) < 2:
        in_category = products.to_numpy()
    return {
        "min_support": min_support,
        "min_confidence": float(rng.integers(5, 16)) / 100.0,
        "min_lift": float(rng.integers(2, 6)),
        "pair": sorted(rng.choice(in_category, size=2, replace=False).tolist()),
        "antecedents": _pick(rng, _clear_antecedents(order_lines, min_count), 2),
        "category_pair": sorted(rng.choice(np.sort(category.unique()), size=2, replace=False).tolist()),
    }


def _churn_inputs(seed: int) -> dict:
    """ex09: the calibration end (a month end in 2024), the test share and the contact economics."""
    rng = np.random.default_rng([seed, 9])
    month = int(rng.integers(3, 10))
    return {
        "calibration_end": str((pd.Timestamp(2024, month, 1) + pd.offsets.MonthEnd(0)).date()),
        "test_share": 0.3,
        "retained_margin": float(rng.integers(3, 9) * 10),
        "success_rate": float(rng.integers(2, 5)) / 10.0,
        "contact_cost": float(rng.integers(100, 400)) / 100.0,
    }


def exercise_inputs(
    seed: int, transactions: pd.DataFrame, survey: pd.DataFrame, order_lines: pd.DataFrame | None = None
) -> dict:
    """The per-student task inputs: which customers to ask about, a judgement matrix, CLV terms.

    Every exercise draws from its own stream ``default_rng([seed, k])`` so that adding an
    exercise never changes the inputs of another. Written to ``data/inputs.json``. Without
    ``order_lines`` there are no ``baskets`` inputs.

    Parameters
    ----------
    seed : int
        The student's seed.
    transactions : pandas.DataFrame
        The student's transactions.
    survey : pandas.DataFrame
        The student's survey.
    order_lines : pandas.DataFrame, optional
        The student's order lines (basket exercise).

    Returns
    -------
    dict
        JSON-safe inputs (inputs.json).
    """
    tx = transactions
    by = tx.groupby("customer_id", sort=True)
    last = by["date"].max()
    spend = by["amount"].sum()
    days = by["date"].nunique()
    repeaters = days.index[days >= 3]
    respondents = survey.dropna(subset=["satisfaction", "loyalty_intention"])
    gap = respondents["satisfaction"] - respondents["loyalty_intention"]

    rng = np.random.default_rng([seed, 2])  # segmentation
    recent = last.index[last > pd.Timestamp(END) - pd.DateOffset(months=12)]  # active in the last 12 months
    segmentation = {
        "rfm_customers": _pick_spread(rng, spend + 1e-6 * last.rank(), 5),
        "summary_customer": _pick(rng, repeaters, 1)[0],
        "quadrant_customers": _pick_spread(rng, spend.loc[recent] + 1e-6 * days.loc[recent], 4),
    }
    rng = np.random.default_rng([seed, 3])  # loyalty
    loyalty = {
        "ahp_criteria": ["A31 mention", "A32 price sensitivity", "A33 voluntariness", "A34 satisfaction"],
        "ahp_matrix": _ahp_matrix(rng, 4),
        "type_customers": _pick_spread(rng, pd.Series(gap.to_numpy(), index=respondents["customer_id"]), 5),
        "stage_customers": _pick_spread(rng, last, 4),
    }
    rng = np.random.default_rng([seed, 5])  # clv
    clv = {
        "margin": float(rng.integers(8, 25) * 10),
        "retention": float(rng.integers(60, 91)) / 100.0,
        "discount_rate": float(rng.integers(6, 16)) / 100.0,
        "horizon": int(rng.integers(4, 11)),
        "acquisition_cost": float(rng.integers(4, 21) * 10),
        "alive_customers": _pick_spread(rng, last.loc[repeaters], 4),
    }
    kano_attributes = ["basic_1", "basic_2", "basic_3", "basic_4", "latent_1", "latent_2", "latent_3"]
    rng = np.random.default_rng([seed, 4])  # satisfaction
    satisfaction = {
        "kano_attributes": kano_attributes,
        "better_worse_attribute": str(rng.choice(kano_attributes)),
    }
    pls = {
        "blocks": {
            "basic": ["basic_1", "basic_2", "basic_3", "basic_4"],
            "latent": ["latent_1", "latent_2", "latent_3"],
            "satisfaction": ["overall_satisfaction"],
            "loyalty": ["repurchase_intention", "recommend"],
        },
        "inner": [
            ["basic", "satisfaction"],
            ["latent", "satisfaction"],
            ["basic", "loyalty"],
            ["latent", "loyalty"],
            ["satisfaction", "loyalty"],
        ],
    }
    return {
        "seed": int(seed),
        "data_version": DATA_VERSION,
        "observation_end": END,
        "segmentation": segmentation,
        "loyalty": loyalty,
        "satisfaction": satisfaction,
        "clv": clv,
        "pls": pls,
        "promotion": _promotion_inputs(seed),
        **({"baskets": _basket_inputs(seed, order_lines)} if order_lines is not None else {}),
        "churn": _churn_inputs(seed),
    }


def write_exercise_data(seed: int, directory) -> Path:
    """Write the student's data: transactions.csv, customers.csv, survey.csv, order_lines.csv,
    campaign.csv and inputs.json.

    A synthetic population (:func:`crmlab.synth.generate`, ``N_CUSTOMERS`` sign-ups,
    2023-2024, ``SURVEY_RESPONSE_RATE`` of the buyers answer the survey) from ``seed``, with
    its order lines (about 13,000 lines of 8,500 orders) and the coupon campaign sent the day
    after the period (about 850 targeted buyers, a random fifth held out); the ground truth is
    not written. Returns the folder.

    Parameters
    ----------
    seed : int
        The student's seed.
    directory : str or path
        The data folder (created).

    Returns
    -------
    pathlib.Path
        The folder.
    """
    seed = _check_seed(seed)
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    pop = synth.generate(
        N_CUSTOMERS, seed=seed, start=START, end=END, survey_response_rate=SURVEY_RESPONSE_RATE
    )
    pop.transactions.to_csv(out / "transactions.csv", index=False)
    pop.customers.to_csv(out / "customers.csv", index=False)
    pop.survey.to_csv(out / "survey.csv", index=False)
    pop.order_lines.to_csv(out / "order_lines.csv", index=False)
    pop.campaign.to_csv(out / "campaign.csv", index=False)
    # the inputs come from the tables as the students will load them
    tables = _load_tables(out)
    inputs = exercise_inputs(seed, tables["transactions"], tables["survey"], tables["order_lines"])
    (out / "inputs.json").write_text(json.dumps(inputs, indent=2) + "\n")
    return out


def data_fingerprint(directory) -> str:
    """SHA-256 over the student's data files (tables and inputs.json, in a fixed order).

    Stored in each student notebook's metadata when the exercises are written; the grader
    compares it with the data it regenerates, which catches a crmlab upgrade between
    ``make exercises`` and ``make grade`` (the same seed would then give other data).

    Parameters
    ----------
    directory : str or path
        The student's data folder.

    Returns
    -------
    str
        Hex SHA-256.
    """
    digest = hashlib.sha256()
    for name in (*[f"{t}.csv" for t in TABLES], "inputs.json"):
        digest.update(name.encode() + b"\0" + (Path(directory) / name).read_bytes() + b"\0")
    return digest.hexdigest()


def _check_seed(seed) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= int(seed) < 2**32:
        raise ValueError(f"seed must be an integer in [0, 2**32), not {seed!r}")
    return int(seed)


def _load_plain(directory: Path, table: str, columns: list[str]) -> pd.DataFrame | None:
    """An order_lines or campaign CSV, ids read as text, key columns checked; None if absent."""
    path = directory / f"{table}.csv"
    if not path.exists():
        return None
    frame = pd.read_csv(path, dtype=_ID_COLUMNS)
    data.require_columns(frame, columns, table)
    return frame


def _load_tables(directory: Path) -> dict:
    return {
        "transactions": data.load_transactions(directory / "transactions.csv"),
        "customers": data.load_customers(directory / "customers.csv"),
        "survey": data.load_survey(directory / "survey.csv"),
        "order_lines": _load_plain(directory, "order_lines", ["order_id", "product", "category", "quantity"]),
        "campaign": _load_plain(
            directory, "campaign", ["customer_id", "targeted", "control", "responded", "revenue"]
        ),
    }


def load_exercise_data(seed: int, data_dir: str | os.PathLike = "") -> ExerciseData:
    """The student's tables and task inputs, loaded and validated with :mod:`crmlab.data`.

    ``data_dir``: the folder written by :func:`write_exercise_data` (the student's
    ``data/``); its ``inputs.json`` must carry the same ``seed``. ``data_dir=""``
    writes the data for ``seed`` to a temporary folder first (the committed example
    notebooks run this way), so both paths give identical tables. A folder written before
    ``DATA_VERSION`` 2 has no ``order_lines.csv`` / ``campaign.csv``: those come back as None.

    Parameters
    ----------
    seed : int
        The student's seed (must match the data).
    data_dir : str or path
        The student's data folder.

    Returns
    -------
    ExerciseData
        Tables and inputs.
    """
    seed = _check_seed(seed)
    if not data_dir:
        with tempfile.TemporaryDirectory(prefix="crmlab-exercise-") as tmp:
            return load_exercise_data(seed, write_exercise_data(seed, tmp))
    directory = Path(data_dir)
    if not directory.is_dir():
        raise FileNotFoundError(
            f"load_exercise_data: no data folder {directory.resolve()}; the "
            "exercise data sits in data/ next to your notebook"
        )
    required = [f"{t}.csv" for t in TABLES if t not in OPTIONAL_TABLES]
    missing = [f for f in (*required, "inputs.json") if not (directory / f).exists()]
    if missing:
        raise FileNotFoundError(f"load_exercise_data: {directory} lacks {missing}")
    inputs = json.loads((directory / "inputs.json").read_text())
    if inputs.get("seed") != seed:
        raise ValueError(
            f"load_exercise_data: the data in {directory} was made for seed "
            f"{inputs.get('seed')}, not {seed}; do not edit the parameters cell"
        )
    return ExerciseData(seed=seed, inputs=inputs, **_load_tables(directory))
