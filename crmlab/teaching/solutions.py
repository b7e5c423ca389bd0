"""The answer key files: ``solutions/<student_id>/answers.json``, the solved notebooks, answer_key.csv.

Teacher-side only: it imports the answer key (:mod:`crmlab.teaching.checks`), so it never
enters the grading sandbox.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pandas as pd

from ..files import atomic_write_text
from . import checks
from .exercises import exercise_templates, student_notebook
from .inputs import load_exercise_data, write_exercise_data
from .roster import DEFAULT_COURSE_KEY, as_roster, student_seed

__all__ = ["make_solutions"]

_KEY_COLUMNS = ["student_id", "name", "notebook", "item", "points", "expected", "tolerance"]


def _solve_one(folder: Path, student_id: str, name: str, seed: int, templates: list[Path]) -> list[dict]:
    """Write one student's answers.json and solved notebooks; return their rows of answer_key.csv."""
    import nbformat

    stems = [t.stem for t in templates]
    with tempfile.TemporaryDirectory(prefix="crmlab-key-") as tmp:
        ex = load_exercise_data(seed, write_exercise_data(seed, Path(tmp) / "data"))
        expected = checks.expected_answers(ex, notebooks=stems)
    record = {"student_id": student_id, "name": name, "seed": seed, "answers": expected}
    atomic_write_text(folder / "answers.json", json.dumps(record, indent=2, default=str) + "\n")
    for t in templates:
        nb = student_notebook(t, student_id, seed, keep_solutions=True)
        atomic_write_text(folder / t.name, nbformat.writes(nb))
    return [
        {
            "student_id": student_id,
            "name": name,
            "notebook": item.notebook,
            "item": item.name,
            "points": item.points,
            "expected": json.dumps(expected[item.name], default=str),
            "tolerance": item.check.describe(),
        }
        for item in checks.items_for(stems)
    ]


def make_solutions(roster, out, course_key: str = DEFAULT_COURSE_KEY, templates=None) -> Path:
    """Write the answer key: ``<out>/<student_id>/answers.json`` and the solved notebooks,
    and ``<out>/answer_key.csv`` (one row per student and item, with the tolerance).

    Parameters
    ----------
    roster : path or DataFrame
        The class roster (:func:`crmlab.teaching.read_roster`).
    out : path
        The folder to write (``solutions/``).
    course_key : str
        The secret that seeds each student's data.
    templates : list of paths, optional
        The exercise notebooks (default: every one in ``notebooks/exercises/``).

    Returns
    -------
    Path
        ``out``. Expected values are computed by :mod:`crmlab.teaching.checks` from each
        student's data, exactly as the grader computes them.
    """
    students = as_roster(roster)
    templates = [Path(t) for t in templates] if templates is not None else exercise_templates()
    out = Path(out)
    rows = []
    for row in students.itertuples(index=False):
        seed = student_seed(row.student_id, course_key)
        rows += _solve_one(out / row.student_id, row.student_id, row.name, seed, templates)
    key = pd.DataFrame(rows, columns=_KEY_COLUMNS)
    atomic_write_text(out / "answer_key.csv", key.to_csv(index=False))
    return out
