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
DATA_VERSION = 1
N_CUSTOMERS = 1500
START, END = "2023-01-01", "2024-12-31"
SURVEY_RESPONSE_RATE = 0.6  # ~800 respondents: enough for the satisfaction-trap curves
TABLES = ("transactions", "customers", "survey")


@dataclass
class ExerciseData:
    """One student's tables and task inputs, as the exercise notebooks see them."""

    seed: int
    transactions: pd.DataFrame
    customers: pd.DataFrame
    survey: pd.DataFrame
    inputs: dict = field(default_factory=dict)

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


def exercise_inputs(seed: int, transactions: pd.DataFrame, survey: pd.DataFrame) -> dict:
    """The per-student task inputs: which customers to ask about, a judgement matrix, CLV terms.

    Every exercise draws from its own stream ``default_rng([seed, k])`` so that adding an
    exercise never changes the inputs of another. Written to ``data/inputs.json``.
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
    }


def write_exercise_data(seed: int, directory) -> Path:
    """Write the student's data: transactions.csv, customers.csv, survey.csv and inputs.json.

    A synthetic population (:func:`crmlab.synth.generate`, ``N_CUSTOMERS`` sign-ups,
    2023-2024, ``SURVEY_RESPONSE_RATE`` of the buyers answer the survey) from ``seed``;
    the ground truth is not written. Returns the folder.
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
    # the inputs come from the tables as the students will load them
    tables = _load_tables(out)
    inputs = exercise_inputs(seed, tables["transactions"], tables["survey"])
    (out / "inputs.json").write_text(json.dumps(inputs, indent=2) + "\n")
    return out


def data_fingerprint(directory) -> str:
    """SHA-256 over the student's data files (tables and inputs.json, in a fixed order).

    Stored in each student notebook's metadata when the exercises are written; the grader
    compares it with the data it regenerates, which catches a crmlab upgrade between
    ``make exercises`` and ``make grade`` (the same seed would then give other data).
    """
    digest = hashlib.sha256()
    for name in (*[f"{t}.csv" for t in TABLES], "inputs.json"):
        digest.update(name.encode() + b"\0" + (Path(directory) / name).read_bytes() + b"\0")
    return digest.hexdigest()


def _check_seed(seed) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= int(seed) < 2**32:
        raise ValueError(f"seed must be an integer in [0, 2**32), not {seed!r}")
    return int(seed)


def _load_tables(directory: Path) -> dict:
    return {
        "transactions": data.load_transactions(directory / "transactions.csv"),
        "customers": data.load_customers(directory / "customers.csv"),
        "survey": data.load_survey(directory / "survey.csv"),
    }


def load_exercise_data(seed: int, data_dir: str | os.PathLike = "") -> ExerciseData:
    """The student's tables and task inputs, loaded and validated with :mod:`crmlab.data`.

    ``data_dir``: the folder written by :func:`write_exercise_data` (the student's
    ``data/``); its ``inputs.json`` must carry the same ``seed``. ``data_dir=""``
    writes the data for ``seed`` to a temporary folder first (the committed example
    notebooks run this way), so both paths give identical tables.
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
    missing = [f for f in (*[f"{t}.csv" for t in TABLES], "inputs.json") if not (directory / f).exists()]
    if missing:
        raise FileNotFoundError(f"load_exercise_data: {directory} lacks {missing}")
    inputs = json.loads((directory / "inputs.json").read_text())
    if inputs.get("seed") != seed:
        raise ValueError(
            f"load_exercise_data: the data in {directory} was made for seed "
            f"{inputs.get('seed')}, not {seed}; do not edit the parameters cell"
        )
    return ExerciseData(seed=seed, inputs=inputs, **_load_tables(directory))
