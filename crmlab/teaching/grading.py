"""Grade submitted exercise notebooks: run each in its own sandbox, check every answer outside it.

For each student of the roster and each exercise notebook:

1. **Find** ``<submissions>/<student_id>/<notebook>.ipynb`` (a regular file, not a link);
   missing or unreadable -> every item of that notebook scores 0 with the reason.
2. **Check for tampering** (nothing the notebook says about itself is trusted): the cell
   tagged ``parameters`` must still hold the student's own ``student_id`` and ``seed`` (the
   seed is recomputed from the roster and the course key), and no cell may name the answer
   key (:func:`crmlab.teaching.submission.tamper_findings`). Failure -> every item of the
   notebook scores 0 with the reason.
3. **Execute** it in a sandbox of its own (:class:`crmlab.teaching.sandbox.Sandbox`): the
   parameters are injected again (papermill), ``data_dir`` points at a read-only copy of the
   student's data written by the grader (so edited data files change nothing), cells run on
   after a cell fails (one unanswered task costs only its own items), and a last cell added
   by the grader writes every ``answer_*`` variable to JSON. A notebook that times out,
   kills its kernel or hits a sandbox limit scores 0 on the affected items, saying which.
   Neither the course key, nor the answer key, nor any other student's material is inside.
4. **Check** each answer, outside the sandbox, against the expected value the grader
   computed itself from the student's data (:mod:`crmlab.teaching.checks`), with the item's
   stated tolerance. A missing answer names the cause: the cell that should set it raised
   (with the error and, for a sandbox limit, which), or was deleted.

Outputs (:func:`crmlab.teaching.feedback.write_grades`), written once every sandbox of the
batch is gone: ``grades.csv``, ``details.csv``, ``items.csv`` and per student
``<student_id>/feedback.html`` and the executed notebooks. One student's failure never stops
the batch: anything unexpected is recorded as that student's reason.
"""

from __future__ import annotations

import copy
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from . import checks
from .exercises import exercise_templates
from .feedback import feedback_html, write_executed, write_grades
from .inputs import data_fingerprint, load_exercise_data, write_exercise_data
from .roster import DEFAULT_COURSE_KEY, as_roster, student_seed
from .sandbox import Limits, RunResult, Sandbox
from .submission import (
    DUMP_SOURCE,
    GRADER_TAG,
    answer_cells,
    cell_errors,
    edited_given_cells,
    read_submission,
    tamper_findings,
)

__all__ = [
    "ItemResult",
    "NotebookResult",
    "StudentResult",
    "run_notebooks",
    "grade_student",
    "grade",
    "feedback_html",
    "tamper_findings",
]

_DATA_CHANGED = (
    "the data the grader regenerated from your seed differ from the data handed out with this "
    "notebook (crmlab changed between 'make exercises' and 'make grade', or the notebook's "
    "metadata was edited); answers are checked against the grader's data"
)


@dataclass
class ItemResult:
    """One answer's score and why."""

    item: checks.Item
    score: float
    reason: str
    answer: object = checks.MISSING
    expected: object = None


@dataclass
class NotebookResult:
    """One notebook of one student: item results, the run status, notes and the executed copy."""

    notebook: str
    items: list[ItemResult]
    status: str  # graded, missing, unreadable, tampered, timeout, failed
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    executed: str | None = None  # the executed notebook (JSON text), without the grader's cell


@dataclass
class StudentResult:
    """Every notebook of one student."""

    student_id: str
    name: str
    notebooks: list[NotebookResult]
    notes: list[str] = field(default_factory=list)

    @property
    def total(self) -> float:
        return round(sum(r.score for nb in self.notebooks for r in nb.items), 4)

    @property
    def max_total(self) -> float:
        return sum(r.item.points for nb in self.notebooks for r in nb.items)


@dataclass
class _Pending:
    """A submission that passed the pre-checks and waits for its run."""

    stem: str
    items: list
    template: object
    submitted: object
    notes: list
    notebook: str  # the notebook to run (JSON text), parameters injected


def _zero(items, reason: str, expected: dict) -> list[ItemResult]:
    return [ItemResult(item, 0.0, reason, checks.MISSING, expected.get(item.name)) for item in items]


def _prepare(submission: Path, template_path: Path, student_id: str, seed: int, data_dir: Path, box):
    """Pre-checks of one submission: a final NotebookResult (missing, unreadable, tampered)
    or a :class:`_Pending` run with the student's parameters injected."""
    import nbformat

    stem = template_path.stem
    items = checks.items_for([stem])
    if not submission.exists() and not submission.is_symlink():
        return NotebookResult(
            stem, _zero(items, f"no submission: {submission.name} was not handed in", {}), "missing"
        )
    try:
        nb = nbformat.reads(read_submission(submission), as_version=4)
    except Exception as exc:
        why = f"{submission.name} is not a readable notebook ({type(exc).__name__}: {str(exc)[:200]})"
        return NotebookResult(stem, _zero(items, why, {}), "unreadable")
    tampered = tamper_findings(nb, student_id, seed)
    if tampered:
        why = "not graded: " + "; ".join(tampered)
        return NotebookResult(stem, _zero(items, why, {}), "tampered", notes=tampered)
    template = nbformat.read(str(template_path), as_version=4)
    notes = edited_given_cells(template, nb)
    meta = nb.metadata.get("crmlab") if isinstance(nb.metadata.get("crmlab"), dict) else {}
    if meta.get("data_sha256") and meta["data_sha256"] != data_fingerprint(data_dir):
        notes.append(_DATA_CHANGED)
    submitted = copy.deepcopy(nb)
    parameters = {"student_id": student_id, "seed": seed, "data_dir": box.data_path(data_dir)}
    _inject(nb, parameters)
    return _Pending(stem, items, template, submitted, notes, nbformat.writes(nb))


def _inject(nb, parameters: dict) -> None:
    """Clear the outputs and add, after the parameters cell, a cell setting the grader's values
    (tagged ``injected-parameters``, as papermill does); an earlier injected cell is dropped."""
    import nbformat

    nb.cells = [c for c in nb.cells if "injected-parameters" not in c.get("metadata", {}).get("tags", [])]
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    source = "# Parameters (set by the grader)\n" + "".join(f"{k} = {v!r}\n" for k, v in parameters.items())
    cell = nbformat.v4.new_code_cell(source, metadata={"tags": ["injected-parameters"]})
    at = next(
        k for k, c in enumerate(nb.cells) if "parameters" in c.get("metadata", {}).get("tags", [])
    )  # tamper_findings made sure there is one
    nb.cells.insert(at + 1, cell)


def _missing_reason(item, where: dict, present_ids: set, errors: list, hint) -> str:
    """Why an answer is not set: its cell raised (which error, the first error), or was deleted."""
    if item.name not in where:
        return f" (cell {errors[0][1]} raised {hint(errors[0][2])})" if errors else ""
    cell_id, position = where[item.name]
    if cell_id not in present_ids:
        return f" (its answer cell, cell {position} of the exercise, was deleted)"
    by_id = {cid: (at, message) for cid, at, message in errors}
    if cell_id not in by_id:
        return f" (cell {errors[0][1]} raised {hint(errors[0][2])})" if errors else ""
    at, cause = by_id[cell_id]
    reason = f" (its cell {at} raised {hint(cause)}"
    reason += " -- not answered yet" if cause.startswith("NotImplementedError") else ""
    first_id, first_at, first = errors[0]
    if first_id != cell_id and not first.startswith("NotImplementedError"):
        return reason + f"; the first error was in cell {first_at}: {hint(first)})"
    return reason + ")"


def _finish(p: _Pending, run: RunResult, expected: dict, hint) -> NotebookResult:
    """Check each item of an executed submission against the grader's expected values."""
    import nbformat

    executed = None
    if run.executed is not None:
        try:
            executed = nbformat.reads(run.executed, as_version=4)
        except Exception:
            executed = None
    kept = None
    if executed is not None:
        kept = copy.deepcopy(executed)
        kept.cells = [c for c in kept.cells if GRADER_TAG not in c.get("metadata", {}).get("tags", [])]
        kept = nbformat.writes(kept)
    dumped = run.answers
    if run.status != "ok" or not isinstance(dumped, dict):
        why = hint(run.message) if run.message else "no answers: the notebook did not run to the end"
        status = "timeout" if run.status == "timeout" else "failed"
        return NotebookResult(p.stem, _zero(p.items, why, expected), status, p.notes, run.seconds, kept)
    if dumped.get("modules"):
        modules = ", ".join(map(str, dumped["modules"]))
        why = f"not graded: the notebook imported the grader's answer key ({modules})"
        return NotebookResult(
            p.stem, _zero(p.items, why, expected), "tampered", p.notes + [why], run.seconds, kept
        )
    answers = dumped.get("answers") if isinstance(dumped.get("answers"), dict) else {}
    where = answer_cells(p.template)
    errors = cell_errors(executed)
    present = {c.get("id") for c in p.submitted.cells}
    results = []
    for item in p.items:
        got = answers.get(item.name, checks.MISSING)
        score, reason = checks.score_answer(item, got, expected[item.name])
        if got is checks.MISSING:
            reason += _missing_reason(item, where, present, errors, hint)
        results.append(ItemResult(item, score, reason, got, expected[item.name]))
    return NotebookResult(p.stem, results, "graded", p.notes, run.seconds, kept)


def run_notebooks(pending: list, box: Sandbox, data_dir: Path, timeout: float) -> list[RunResult]:
    """Run prepared submissions one after another, each in a fresh sandbox of ``box``.

    Parameters
    ----------
    pending : list
        Prepared submissions (notebook text with parameters injected).
    box : Sandbox
        The sandbox.
    data_dir : pathlib.Path
        The student's data copy (read-only inside).
    timeout : float
        Seconds per notebook.

    Returns
    -------
    list of RunResult
        One result per submission, in order.
    """
    return [box.run(p.notebook, data_dir, DUMP_SOURCE, GRADER_TAG, timeout) for p in pending]


def _grade_folder(student_id, folder: Path, templates, seed, expected, data_dir, timeout, box):
    """Every notebook of one student: pre-checks, runs, checks."""
    hint = box.explain
    if folder.is_symlink() or not folder.is_dir():
        why = f"no submission: there is no folder {folder}" + (" (a link)" if folder.is_symlink() else "")
        return [
            NotebookResult(t.stem, _zero(checks.items_for([t.stem]), why, expected), "missing")
            for t in templates
        ]
    slots = []
    for template in templates:
        try:
            slots.append(_prepare(folder / template.name, template, student_id, seed, data_dir, box))
        except Exception as exc:  # the grader's own failure on one notebook
            why = f"grading failed: {type(exc).__name__}: {exc}"
            slots.append(
                NotebookResult(
                    template.stem, _zero(checks.items_for([template.stem]), why, expected), "failed"
                )
            )
    pending = [s for s in slots if isinstance(s, _Pending)]
    runs = dict(zip(map(id, pending), run_notebooks(pending, box, data_dir, timeout)))
    results = []
    for slot in slots:
        if isinstance(slot, _Pending):
            try:
                slot = _finish(slot, runs[id(slot)], expected, hint)
            except Exception as exc:
                why = f"grading failed: {type(exc).__name__}: {exc}"
                slot = NotebookResult(slot.stem, _zero(slot.items, why, expected), "failed")
        for r in slot.items:  # results decided before the expected values were known
            r.expected = expected.get(r.item.name, r.expected)
        results.append(slot)
    return results


def grade_student(
    student_id: str,
    name: str,
    submissions: Path,
    out: Path | None,
    course_key: str,
    timeout: float,
    templates: list[Path],
    sandbox: Sandbox | None = None,
) -> StudentResult:
    """Grade every notebook of one student; never raises (failures become reasons).

    The grader writes the student's data afresh from the seed, computes the expected answers
    (outside any sandbox), pre-checks each submission, then runs each runnable one in a sandbox
    of its own. With ``out``, the executed notebooks are written to ``out/<student_id>/executed``
    after the runs. ``sandbox``: an open :class:`~crmlab.teaching.sandbox.Sandbox` (default: a
    new one, which needs bwrap).

    Parameters
    ----------
    student_id : str
        The student.
    name : str
        The student's name.
    submissions : pathlib.Path
        Folder of the submissions (one folder per student).
    out : pathlib.Path or None
        Where executed notebooks and feedback go (None: nowhere).
    course_key : str
        Secret key that derives the student's seed (never enters the sandbox).
    timeout : float
        Seconds per notebook.
    templates : list of pathlib.Path
        The exercise templates.
    sandbox : Sandbox, optional
        The sandbox (default: bubblewrap with the default limits).

    Returns
    -------
    StudentResult
        Scores and reasons per notebook and item.
    """
    if sandbox is None:
        with Sandbox() as box:
            return grade_student(student_id, name, submissions, out, course_key, timeout, templates, box)
    stems = [t.stem for t in templates]
    try:
        seed = student_seed(student_id, course_key)
        with tempfile.TemporaryDirectory(prefix="crmlab-grade-") as tmp:
            data_dir = write_exercise_data(seed, Path(tmp) / "data")
            expected = checks.expected_answers(load_exercise_data(seed, data_dir), notebooks=stems)
            folder = Path(submissions) / student_id
            notebooks = _grade_folder(
                student_id, folder, templates, seed, expected, data_dir, timeout, sandbox
            )
        result = StudentResult(student_id, name, notebooks)
    except Exception as exc:
        reason = f"grading failed for this student: {type(exc).__name__}: {exc}"
        notebooks = [NotebookResult(s, _zero(checks.items_for([s]), reason, {}), "failed") for s in stems]
        result = StudentResult(student_id, name, notebooks, [reason])
    if out is not None:
        write_executed(Path(out) / student_id, result)
    return result


def grade(
    submissions,
    roster,
    out,
    course_key: str = DEFAULT_COURSE_KEY,
    timeout: float = 120,
    templates=None,
    show_expected: bool = True,
    log=None,
    unsafe_no_sandbox: bool = False,
    limits: Limits | None = None,
) -> pd.DataFrame:
    """Grade every student of the roster, each submission in its own sandbox; write the reports.

    Parameters
    ----------
    submissions : path
        One folder per student id holding the handed-in notebooks.
    roster : path or DataFrame
        The class roster.
    out : path
        The grades folder (grades.csv, details.csv, items.csv, one folder per student).
    course_key : str
        The secret that seeds each student's data; it never enters a sandbox.
    timeout : float
        Seconds for the cells of one notebook.
    templates : list of paths, optional
        The exercise notebooks to grade (default: all).
    show_expected : bool
        Show the expected values on the feedback pages.
    log : callable, optional
        Called with one line of progress at a time.
    unsafe_no_sandbox : bool
        Run the notebooks without bubblewrap, with the teacher's rights.
    limits : Limits, optional
        The sandbox's resource limits.

    Returns
    -------
    DataFrame
        The grades table (student_id, name, one column per item, total), as in grades.csv.
    """
    students = as_roster(roster)
    templates = [Path(t) for t in templates] if templates is not None else exercise_templates()
    stems = [t.stem for t in templates]
    unknown = [s for s in stems if s not in checks.EXPECTED]
    if unknown:
        raise ValueError(f"grade: no checks for the exercise notebook(s) {unknown}; add them to checks.py")
    submissions = Path(submissions)
    known = set(students["student_id"])
    if log and submissions.is_dir():
        for extra in sorted(p.name for p in submissions.iterdir() if p.is_dir() and p.name not in known):
            log(f"ignoring {submissions / extra}: not in the roster")
    results = []
    with Sandbox(unsafe=unsafe_no_sandbox, limits=limits) as box:
        for row in students.itertuples(index=False):
            if log:
                log(f"grading {row.student_id} ...")
            result = grade_student(
                row.student_id, row.name, submissions, None, course_key, timeout, templates, box
            )
            results.append(result)
            if log:
                runs = ", ".join(f"{nb.notebook} {nb.status}" for nb in result.notebooks)
                log(f"  {row.student_id}: {result.total:g} / {result.max_total:g} {runs}")
    # every sandbox is gone: only now are the reports written
    return write_grades(out, results, checks.items_for(stems), show_expected)
