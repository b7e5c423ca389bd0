"""The teaching kit: per-student exercise notebooks and data, answer keys, auto-grading.

Three commands (the Makefile wraps them as ``make exercises``, ``make solutions`` and
``make grade``)::

    python -m crmlab.teaching exercises --roster roster.csv --out exercises [--course-key KEY]
    python -m crmlab.teaching solutions --roster roster.csv --out solutions [--course-key KEY]
    python -m crmlab.teaching grade --submissions DIR --roster roster.csv --out grades \\
        [--course-key KEY] [--timeout 120]

* The exercise notebooks live in ``notebooks/exercises/`` and are committed **with**
  their solutions: solution code sits between ``### BEGIN SOLUTION`` and
  ``### END SOLUTION`` in code cells tagged ``solution``; every answer is a variable
  named ``answer_*``.
* Each student's seed is ``HMAC-SHA256(course_key, student_id)`` (first 4 bytes, an
  integer below 2**32): answers differ between students, and nobody can derive another
  student's seed without the course key.
* ``exercises`` writes ``<out>/<student_id>/`` with every notebook (solution regions
  replaced by ``# YOUR CODE HERE`` + ``raise NotImplementedError()``, outputs cleared,
  parameters set to the student's id and seed) and ``data/`` (the student's synthetic
  transactions, customers, survey and the task inputs). Each notebook is written to a
  temporary file, read back and scanned; it is moved into place only if no solution
  text remains (:class:`SolutionLeakError` otherwise).
* ``solutions`` writes the expected answers per student (computed by the checkers in
  :mod:`crmlab.checks` from that student's data) and the solved notebooks.
* ``grade`` executes every submitted notebook (:mod:`crmlab.grading`).

This module is imported by the student notebooks (for :func:`load_exercise_data`), so
it never imports the answer key (:mod:`crmlab.checks`) at import time.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import hmac
import json
import os
import re
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import data, paths, synth
from .data import CRMDataError
from .files import atomic_write_text

__all__ = [
    "DEFAULT_COURSE_KEY",
    "EXERCISES_DIR",
    "BEGIN_SOLUTION",
    "END_SOLUTION",
    "STUB",
    "SolutionLeakError",
    "ExerciseData",
    "read_roster",
    "student_seed",
    "exercise_inputs",
    "write_exercise_data",
    "load_exercise_data",
    "data_fingerprint",
    "exercise_templates",
    "strip_solutions",
    "solution_lines",
    "find_solution_leaks",
    "student_notebook",
    "write_student_notebook",
    "make_exercises",
    "make_solutions",
    "main",
]

DEFAULT_COURSE_KEY = "crmlab"
EXERCISES_DIR = paths.NOTEBOOKS_DIR / "exercises"
BEGIN_SOLUTION = "### BEGIN SOLUTION"
END_SOLUTION = "### END SOLUTION"
STUB = "# YOUR CODE HERE\nraise NotImplementedError()"
SOLUTION_TAG = "solution"
PARAMETERS = ("student_id", "seed", "data_dir")

#: the synthetic population behind every student's data (small: notebooks run in seconds)
DATA_VERSION = 1
N_CUSTOMERS = 1500
START, END = "2023-01-01", "2024-12-31"
SURVEY_RESPONSE_RATE = 0.6  # ~800 respondents: enough for the satisfaction-trap curves
TABLES = ("transactions", "customers", "survey")

_SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_MARKER = re.compile(r"#+\s*(BEGIN|END)\s+SOLUTION", re.IGNORECASE)


class SolutionLeakError(RuntimeError):
    """A student notebook would contain solution text; nothing was written."""


# --------------------------------------------------------------------------- roster and seeds


def _roster_error(
    message: str, column: str | None = None, n_bad: int | None = None, example: str | None = None
) -> CRMDataError:
    where = f"roster.{column}" if column else "roster"
    text = f"{where}: {message}" + (f" (example: {example})" if example else "")
    return CRMDataError(text, table="roster", column=column, n_bad=n_bad, example=example)


def read_roster(source) -> pd.DataFrame:
    """Read and validate a class roster: columns ``student_id`` and ``name``, one row per student.

    ``student_id`` must be present, unique (also ignoring case: folders must not clash on
    case-insensitive file systems) and safe as a folder name: 1-64 letters, digits, ``_``,
    ``.`` or ``-``, starting with a letter or digit. Ids are read as text ("007" stays
    "007") and stripped of surrounding spaces; a missing name becomes "". Raises
    :class:`crmlab.data.CRMDataError` naming the column, the count and an example row.
    """
    if isinstance(source, pd.DataFrame):
        frame = source.copy()
        where = "the roster DataFrame"
    else:
        path = Path(source)
        where = str(path)
        if not path.exists():
            raise _roster_error(f"no such file: {path}")
        if path.is_dir():
            raise _roster_error(f"{path} is a directory, not a CSV file")
        try:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
        except pd.errors.EmptyDataError:
            raise _roster_error(
                f"the file {path} is empty; it needs a header 'student_id,name' and one row per student"
            ) from None
        except (pd.errors.ParserError, UnicodeDecodeError) as exc:
            raise _roster_error(f"cannot read {path} as CSV: {exc}") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    missing = [c for c in ("student_id", "name") if c not in frame.columns]
    if missing:
        hint = (
            " (the file looks semicolon-separated)"
            if len(frame.columns) == 1 and ";" in frame.columns[0]
            else ""
        )
        raise _roster_error(
            f"missing column(s) {missing} in {where}; found {list(frame.columns)}{hint}. "
            "A roster has the columns student_id, name",
            column=missing[0],
            n_bad=len(missing),
        )
    if len(frame) == 0:
        raise _roster_error(f"{where} has a header but no students", n_bad=0)
    ids = frame["student_id"].astype("string").fillna("").str.strip().astype(str)
    names = frame["name"].astype("string").fillna("").str.strip().astype(str)

    def line(i):  # a CSV line number (header = line 1), or a row label
        return f"line {i + 2}" if where != "the roster DataFrame" else f"row {frame.index[i]!r}"

    empty = (ids == "").to_numpy()
    if empty.any():
        i = int(np.flatnonzero(empty)[0])
        raise _roster_error(
            f"{int(empty.sum())} row(s) have no student_id",
            column="student_id",
            n_bad=int(empty.sum()),
            example=f"{line(i)}: name={names.iloc[i]!r}",
        )
    unsafe = ~ids.map(lambda s: bool(_SAFE_ID.fullmatch(s))).to_numpy(dtype=bool)
    if unsafe.any():
        i = int(np.flatnonzero(unsafe)[0])
        raise _roster_error(
            f"{int(unsafe.sum())} student_id(s) are unsafe as folder names: use 1-64 "
            "letters, digits, '_', '.' or '-', starting with a letter or digit",
            column="student_id",
            n_bad=int(unsafe.sum()),
            example=f"{line(i)}: student_id={ids.iloc[i]!r}",
        )
    folded = ids.str.lower()
    dup = folded.duplicated(keep=False).to_numpy()
    if dup.any():
        i = int(np.flatnonzero(dup)[0])
        same = ids[folded == folded.iloc[i]].tolist()
        raise _roster_error(
            f"{int(dup.sum())} rows repeat a student_id (ids must be unique, also "
            f"ignoring upper/lower case): {same}",
            column="student_id",
            n_bad=int(dup.sum()),
            example=f"{line(i)}: student_id={ids.iloc[i]!r}",
        )
    return pd.DataFrame({"student_id": ids.to_numpy(), "name": names.to_numpy()})


def student_seed(student_id: str, course_key: str | bytes = DEFAULT_COURSE_KEY) -> int:
    """The student's data seed: HMAC-SHA256(course_key, student_id), first 4 bytes big-endian.

    An integer in [0, 2**32); stable for a (course key, id) pair, different between
    students, and not computable for another student without the course key.
    """
    if not isinstance(student_id, str) or not student_id:
        raise ValueError(f"student_seed: student_id must be a non-empty string, not {student_id!r}")
    if not course_key:
        raise ValueError("student_seed: the course key must not be empty")
    key = course_key.encode() if isinstance(course_key, str) else bytes(course_key)
    digest = hmac.new(key, student_id.encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:4], "big")


# --------------------------------------------------------------------------- the student's data


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
    from .loyalty import ahp_weights

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


# --------------------------------------------------------------------------- notebooks


def exercise_templates(directory=None) -> list[Path]:
    """The exercise notebooks (with solutions), sorted by name."""
    directory = Path(directory) if directory is not None else EXERCISES_DIR
    found = sorted(p for p in directory.glob("*.ipynb") if not p.name.startswith("."))
    if not found:
        raise FileNotFoundError(f"no exercise notebooks in {directory}")
    return found


def _read(path) -> nbformat.NotebookNode:  # noqa: F821
    import nbformat

    return nbformat.read(str(path), as_version=4)


def _regions(source: str, where: str) -> list[tuple[int, int]]:
    """(begin, end) line numbers of each solution region, markers included; checks nesting."""
    lines = source.splitlines()
    regions, begin = [], None
    for k, ln in enumerate(lines):
        mark = _MARKER.search(ln)
        if not mark:
            continue
        if ln.strip() not in (BEGIN_SOLUTION, END_SOLUTION):
            raise ValueError(
                f"{where}: line {k + 1} {ln.strip()!r} looks like a solution marker; "
                f"write exactly {BEGIN_SOLUTION!r} or {END_SOLUTION!r} on a line of its own"
            )
        if mark.group(1).upper() == "BEGIN":
            if begin is not None:
                raise ValueError(f"{where}: nested {BEGIN_SOLUTION} at line {k + 1}")
            begin = k
        else:
            if begin is None:
                raise ValueError(f"{where}: {END_SOLUTION} without {BEGIN_SOLUTION} at line {k + 1}")
            regions.append((begin, k))
            begin = None
    if begin is not None:
        raise ValueError(f"{where}: {BEGIN_SOLUTION} at line {begin + 1} is never closed")
    return regions


def strip_solutions(source: str, where: str = "cell") -> str:
    """Replace each ``### BEGIN SOLUTION`` .. ``### END SOLUTION`` region by the stub.

    The stub (``# YOUR CODE HERE`` + ``raise NotImplementedError()``) keeps the
    indentation of the BEGIN marker; lines outside the regions are kept.
    """
    lines = source.splitlines()
    out, last = [], 0
    for begin, end in _regions(source, where):
        out.extend(lines[last:begin])
        indent = lines[begin][: len(lines[begin]) - len(lines[begin].lstrip())]
        out.extend(indent + s for s in STUB.splitlines())
        last = end + 1
    out.extend(lines[last:])
    return "\n".join(out)


def _solution_cells(nb, where: str):
    """Code cells tagged ``solution`` with their regions; refuses markers anywhere else."""
    cells = []
    for k, cell in enumerate(nb.cells):
        tagged = SOLUTION_TAG in cell.get("metadata", {}).get("tags", [])
        regions = _regions(cell.source, f"{where}, cell {k + 1}")
        if regions and (not tagged or cell.cell_type != "code"):
            raise ValueError(
                f"{where}, cell {k + 1}: holds {BEGIN_SOLUTION} but is not a code cell "
                f"tagged {SOLUTION_TAG!r}"
            )
        if tagged and cell.cell_type == "code":
            if not regions:
                raise ValueError(
                    f"{where}, cell {k + 1}: tagged {SOLUTION_TAG!r} but has no "
                    f"{BEGIN_SOLUTION} .. {END_SOLUTION} region"
                )
            cells.append((k, cell, regions))
    return cells


def _significant(line: str) -> bool:
    """Lines long enough to identify solution text (6+ letters or digits)."""
    return sum(ch.isalnum() for ch in line) >= 6


def solution_lines(nb, where: str = "notebook") -> list[str]:
    """Every significant line inside the solution regions (stripped), in order."""
    found = []
    for _, cell, regions in _solution_cells(nb, where):
        lines = cell.source.splitlines()
        for begin, end in regions:
            found.extend(ln.strip() for ln in lines[begin + 1 : end] if _significant(ln))
    return list(dict.fromkeys(found))


def find_solution_leaks(nb, forbidden: list[str]) -> list[str]:
    """What in ``nb`` still looks like a solution: markers, or lines of ``forbidden``.

    Searches every cell's source, outputs and attachments and the notebook metadata
    (the whole JSON document). Returns readable findings; empty means clean.
    """
    import nbformat

    text = nbformat.writes(nb)
    findings = []
    for k, cell in enumerate(nb.cells):
        if _MARKER.search(cell.source):
            findings.append(f"cell {k + 1} still holds a solution marker")
    if _MARKER.search(text) and not findings:
        findings.append("a solution marker remains in the notebook's metadata or outputs")
    sources = [cell.source for cell in nb.cells]
    for line in forbidden:
        where = [k + 1 for k, src in enumerate(sources) if line in src]
        if where:
            findings.append(f"solution line {line!r} appears in cell(s) {where}")
        elif json.dumps(line)[1:-1] in text:
            findings.append(f"solution line {line!r} appears in the notebook's metadata or outputs")
    return findings


def _parameters_cell(nb, where: str):
    for k, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and "parameters" in cell.get("metadata", {}).get("tags", []):
            return k, cell
    raise ValueError(f"{where}: no code cell tagged 'parameters'")


def _parameters_source(student_id: str, seed: int, data_dir: str) -> str:
    return (
        "# Parameters: set for you by the generator. Do not edit them: the grader checks them.\n"
        f"student_id = {json.dumps(student_id)}\n"
        f"seed = {int(seed)}\n"
        f"data_dir = {json.dumps(data_dir)}  # your data: the folder next to this notebook\n"
    )


def student_notebook(
    template,
    student_id: str,
    seed: int,
    *,
    keep_solutions: bool = False,
    data_dir: str = "data",
    data_sha256: str | None = None,
):
    """A copy of an exercise notebook for one student.

    The parameters cell is rewritten with ``student_id``, ``seed`` and ``data_dir``; with
    ``keep_solutions=False`` every solution region becomes the stub; outputs, execution
    counts and execution metadata are cleared. ``template``: a path or a notebook.
    """
    nb = copy.deepcopy(template) if not isinstance(template, (str, os.PathLike)) else _read(template)
    where = getattr(template, "name", "notebook") if isinstance(template, Path) else "notebook"
    _solution_cells(nb, where)  # validates the markers
    k, cell = _parameters_cell(nb, where)
    import ast

    names = [
        node.targets[0].id
        for node in ast.parse(cell.source).body
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
    ]
    if sorted(names) != sorted(PARAMETERS):
        raise ValueError(
            f"{where}: the parameters cell must assign exactly {list(PARAMETERS)}, found {names}"
        )
    cell.source = _parameters_source(student_id, seed, data_dir)
    for c in nb.cells:
        if c.cell_type == "code":
            c.outputs = []
            c.execution_count = None
            if not keep_solutions and SOLUTION_TAG in c.metadata.get("tags", []):
                c.source = strip_solutions(c.source, where)
        c.metadata.pop("execution", None)
        c.metadata.pop("papermill", None)
    for key in list(nb.metadata):
        if key not in ("kernelspec", "language_info"):
            del nb.metadata[key]
    nb.metadata["crmlab"] = {
        "exercise": Path(where).stem,
        "student_id": student_id,
        "seed": int(seed),
        "data_version": DATA_VERSION,
    }
    if data_sha256:
        nb.metadata["crmlab"]["data_sha256"] = data_sha256
    return nb


def write_student_notebook(
    template: Path, out_path, student_id: str, seed: int, data_sha256: str | None = None
) -> Path:
    """Write the student's notebook, verified: the file on disk is re-read and scanned.

    Raises :class:`SolutionLeakError` (and writes nothing) if any solution marker or
    any significant solution line of ``template`` remains anywhere in the written file.
    """
    import nbformat

    template = Path(template)
    source_nb = _read(template)
    forbidden = solution_lines(source_nb, template.name)
    nb = student_notebook(template, student_id, seed, data_sha256=data_sha256)

    def verify(tmp: Path):
        written = nbformat.read(str(tmp), as_version=4)
        leaks = find_solution_leaks(written, forbidden)
        raw = tmp.read_text(encoding="utf-8")
        if _MARKER.search(raw) and not leaks:
            leaks.append("a solution marker remains in the file")
        if leaks:
            raise SolutionLeakError(
                f"refusing to write {out_path}: solution text would remain "
                f"({template.name}): " + "; ".join(leaks)
            )
        nbformat.validate(written)

    return atomic_write_text(Path(out_path), nbformat.writes(nb), check=verify)


_STUDENT_README = """# CRM exercises for {name} ({student_id})

Open the notebooks in Jupyter (`jupyter lab` in this folder) and replace every

    # YOUR CODE HERE
    raise NotImplementedError()

with your code. Each task says which variable holds your answer (`answer_...`).

* Your data is in `data/` -- it is yours alone (seed {seed}); the answers of other
  students differ. Do not edit the data or the parameters cell: the grader uses a
  fresh copy of your data and checks the parameters.
* Run each notebook from top to bottom (Kernel > Restart and Run All) before you hand
  it in; the grader runs it the same way, with a time limit.
* Hand in the notebooks with the same file names.
"""


def _students(roster) -> pd.DataFrame:
    return (
        roster
        if isinstance(roster, pd.DataFrame) and list(roster.columns) == ["student_id", "name"]
        else read_roster(roster)
    )


def make_exercises(roster, out, course_key: str = DEFAULT_COURSE_KEY, templates=None) -> list[Path]:
    """Write ``<out>/<student_id>/``: the student notebooks, ``data/`` and a README, per student.

    Returns the student folders. Every notebook is verified free of solution text on
    disk before it is moved into place (:func:`write_student_notebook`).
    """
    students = _students(roster)
    templates = [Path(t) for t in templates] if templates is not None else exercise_templates()
    for t in templates:  # fail before writing anything if a template is malformed
        student_notebook(t, "check", 0)
    out = Path(out)
    folders = []
    for row in students.itertuples(index=False):
        seed = student_seed(row.student_id, course_key)
        folder = out / row.student_id
        fingerprint = data_fingerprint(write_exercise_data(seed, folder / "data"))
        for t in templates:
            write_student_notebook(t, folder / t.name, row.student_id, seed, data_sha256=fingerprint)
        atomic_write_text(
            folder / "README.md",
            _STUDENT_README.format(name=row.name or row.student_id, student_id=row.student_id, seed=seed),
        )
        folders.append(folder)
    return folders


def make_solutions(roster, out, course_key: str = DEFAULT_COURSE_KEY, templates=None) -> Path:
    """Write the answer key: ``<out>/<student_id>/answers.json`` and the solved notebooks,
    and ``<out>/answer_key.csv`` (one row per student and item, with the tolerance).

    Expected values are computed by :mod:`crmlab.checks` from each student's data,
    exactly as the grader computes them.
    """
    import nbformat

    from . import checks

    students = _students(roster)
    templates = [Path(t) for t in templates] if templates is not None else exercise_templates()
    out = Path(out)
    rows = []
    for row in students.itertuples(index=False):
        seed = student_seed(row.student_id, course_key)
        with tempfile.TemporaryDirectory(prefix="crmlab-key-") as tmp:
            ex = load_exercise_data(seed, write_exercise_data(seed, Path(tmp) / "data"))
            expected = checks.expected_answers(ex, notebooks=[t.stem for t in templates])
        folder = out / row.student_id
        atomic_write_text(
            folder / "answers.json",
            json.dumps(
                {"student_id": row.student_id, "name": row.name, "seed": seed, "answers": expected},
                indent=2,
                default=str,
            )
            + "\n",
        )
        for t in templates:
            nb = student_notebook(t, row.student_id, seed, keep_solutions=True)
            atomic_write_text(folder / t.name, nbformat.writes(nb))
        for item in checks.items_for([t.stem for t in templates]):
            rows.append(
                {
                    "student_id": row.student_id,
                    "name": row.name,
                    "notebook": item.notebook,
                    "item": item.name,
                    "points": item.points,
                    "expected": json.dumps(expected[item.name], default=str),
                    "tolerance": item.check.describe(),
                }
            )
    key = pd.DataFrame(
        rows, columns=["student_id", "name", "notebook", "item", "points", "expected", "tolerance"]
    )
    atomic_write_text(out / "answer_key.csv", key.to_csv(index=False))
    return out


# --------------------------------------------------------------------------- CLI


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m crmlab.teaching", description="Per-student CRM exercises, answer keys and grading."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    key_help = (
        f"secret that seeds each student's data (default {DEFAULT_COURSE_KEY!r}: anyone can recompute it)"
    )
    e = sub.add_parser("exercises", help="write exercises/<student_id>/ for every student of the roster")
    e.add_argument("--roster", required=True, type=Path, help="CSV with columns student_id, name")
    e.add_argument("--out", required=True, type=Path)
    e.add_argument("--course-key", default=DEFAULT_COURSE_KEY, help=key_help)
    s = sub.add_parser("solutions", help="write the answer key per student")
    s.add_argument("--roster", required=True, type=Path)
    s.add_argument("--out", required=True, type=Path)
    s.add_argument("--course-key", default=DEFAULT_COURSE_KEY, help=key_help)
    g = sub.add_parser("grade", help="execute and grade submitted notebooks")
    g.add_argument(
        "--submissions",
        required=True,
        type=Path,
        help="folder with one sub-folder per student_id holding the notebooks",
    )
    g.add_argument("--roster", required=True, type=Path)
    g.add_argument("--out", required=True, type=Path)
    g.add_argument("--course-key", default=DEFAULT_COURSE_KEY, help=key_help)
    g.add_argument("--timeout", type=int, default=120, help="seconds per notebook (default 120)")
    g.add_argument(
        "--hide-expected",
        action="store_true",
        help="do not show the expected values in the students' feedback pages",
    )
    args = parser.parse_args(argv)
    if args.course_key == DEFAULT_COURSE_KEY:
        print(
            f"crmlab.teaching: note: using the default course key {DEFAULT_COURSE_KEY!r}; pass "
            "--course-key (make ... COURSE_KEY=...) so that students cannot recompute each other's data",
            file=sys.stderr,
        )
    try:
        students = read_roster(args.roster)
        if args.command == "exercises":
            folders = make_exercises(students, args.out, args.course_key)
            print(f"crmlab.teaching: wrote exercises for {len(folders)} student(s) to {args.out}/")
        elif args.command == "solutions":
            make_solutions(students, args.out, args.course_key)
            print(f"crmlab.teaching: wrote the answer key for {len(students)} student(s) to {args.out}/")
        else:
            from . import grading

            if args.timeout < 1:
                parser.error("--timeout must be at least 1 second")
            if not args.submissions.is_dir():
                raise FileNotFoundError(f"no submissions folder {args.submissions}")
            table = grading.grade(
                args.submissions,
                students,
                args.out,
                course_key=args.course_key,
                timeout=args.timeout,
                show_expected=not args.hide_expected,
                log=lambda msg: print(f"crmlab.teaching: {msg}", flush=True),
            )
            print(f"crmlab.teaching: graded {len(table)} student(s): {args.out / 'grades.csv'}")
    except (CRMDataError, SolutionLeakError, FileNotFoundError, ValueError) as exc:
        print(f"crmlab.teaching: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
