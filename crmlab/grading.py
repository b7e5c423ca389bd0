"""Grade submitted exercise notebooks: execute with papermill, check every answer, write feedback.

For each student of the roster and each exercise notebook:

1. **Find** ``<submissions>/<student_id>/<notebook>.ipynb``; missing or unreadable ->
   every item of that notebook scores 0 with the reason.
2. **Check for tampering** (nothing the notebook says about itself is trusted):
   the cell tagged ``parameters`` must still hold the student's own ``student_id`` and
   ``seed`` (the seed is recomputed from the roster and the course key), and no cell may
   import the answer key (``crmlab.checks``, ``crmlab.grading``). Either failure ->
   every item of the notebook scores 0 with the reason.
3. **Execute** a copy with papermill in a fresh working folder, in a separate process
   with a time limit for running all its cells (``timeout`` seconds): the parameters are
   injected again (papermill), ``data_dir`` points at a fresh copy of the student's data
   written by the grader (so edited data files change nothing), cells run on after a
   cell fails (so one unanswered task costs only its own items), and a last cell
   added by the grader writes every ``answer_*`` variable to a JSON file. A notebook
   that times out, kills its kernel or cannot start scores 0 on all its items.
4. **Check** each answer with :mod:`crmlab.checks` against the expected value
   recomputed by the grader from the student's data, with the item's stated tolerance.
   A missing answer names the cause: the cell that should set it raised (with the
   error), or was deleted.

Outputs in ``out``: ``grades.csv`` (student_id, name, one column per item, total),
``details.csv`` (one row per student and item: score, points, reason, answer,
expected), ``items.csv`` (the items, points and tolerances) and, per student,
``<student_id>/feedback.html`` and the executed notebooks. One student's failure
never stops the batch: anything unexpected is recorded as that student's reason.
"""

from __future__ import annotations

import copy
import datetime as dt
import html
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from . import checks, teaching
from .files import atomic_write_text

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

GRADER_TAG = "crmlab-grader"
_ANSWER_KEY_USE = [
    re.compile(r"crmlab\s*\.\s*(checks|grading)\b"),
    re.compile(r"from\s+crmlab\s+import\s+[^\n]*\b(checks|grading)\b"),
    re.compile(r"""import_module\(\s*['"]crmlab\.(checks|grading)"""),
]


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
    """One notebook of one student: item results, the run status and notes."""

    notebook: str
    items: list[ItemResult]
    status: str  # graded, missing, unreadable, tampered, timeout, failed
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0


@dataclass
class StudentResult:
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


# --------------------------------------------------------------------------- execution


def _dump_source(path: Path) -> str:
    """The grader's last cell: every ``answer_*`` global to JSON (values it cannot read are marked)."""
    return f"""# added by the crmlab grader: collect the answers
def _crmlab_grader_dump(_path):
    import json as _json, math as _math, sys as _sys

    def _enc(v, depth=0):
        if depth > 3:
            return {{"__unsupported__": "nested value"}}
        try:
            import numpy as _np
            if isinstance(v, _np.generic):
                v = v.item()
            elif isinstance(v, _np.ndarray):
                v = v.tolist()
        except ImportError:
            pass
        if v is None or isinstance(v, (bool, str, int)):
            return v if not isinstance(v, str) else v[:1000]
        if isinstance(v, float):
            return v if _math.isfinite(v) else {{"__float__": repr(v)}}
        try:
            import pandas as _pd
            if isinstance(v, _pd.Series):
                return {{str(k): _enc(x, depth + 1) for k, x in list(v.items())[:1000]}}
            if isinstance(v, _pd.Index):
                v = list(v)
            if isinstance(v, _pd.DataFrame):
                return {{"__unsupported__": "DataFrame"}}
        except ImportError:
            pass
        if isinstance(v, dict):
            return {{str(k): _enc(x, depth + 1) for k, x in list(v.items())[:1000]}}
        if isinstance(v, (list, tuple)):
            return [_enc(x, depth + 1) for x in list(v)[:1000]]
        return {{"__unsupported__": type(v).__name__}}

    answers = {{}}
    for name, value in list(globals().items()):
        if name.startswith("answer_"):
            try:
                answers[name] = _enc(value)
            except Exception as exc:
                answers[name] = {{"__unsupported__": type(value).__name__ + " (" + type(exc).__name__ + ")"}}
    modules = sorted(m for m in ("crmlab.checks", "crmlab.grading") if m in _sys.modules)
    with open(_path, "w") as fh:
        _json.dump({{"answers": answers, "modules": modules}}, fh)

_crmlab_grader_dump({str(path)!r})
del _crmlab_grader_dump
"""


#: the child process: runs a list of notebooks with papermill, one deadline per notebook.
#: It imports only papermill (not crmlab), and writes one status file per notebook.
_RUNNER = r"""
import json, math, sys, time
import papermill as pm
from nbclient.exceptions import CellTimeoutError, DeadKernelError

for job in json.loads(sys.stdin.read()):
    started = time.monotonic()
    deadline = []  # set when the first cell starts: kernel start-up has its own limit (60 s)

    def remaining(cell, deadline=deadline):  # each cell may use what is left of the notebook's budget
        if not deadline:
            deadline.append(time.monotonic() + job["timeout"])
        return max(1, math.ceil(deadline[0] - time.monotonic()))

    status = {"status": "ok", "message": ""}
    try:
        pm.execute_notebook(job["input"], job["output"], parameters=job["parameters"],
                            kernel_name="python3", cwd=job["cwd"], progress_bar=False,
                            log_output=False, allow_errors=True, timeout_func=remaining,
                            start_timeout=60)
    except pm.PapermillExecutionError:
        pass  # some cells raised; allow_errors ran the rest and the grader names the errors
    except (CellTimeoutError, TimeoutError):
        status = {"status": "timeout",
                  "message": "the notebook did not finish within %g s" % job["timeout"]}
    except DeadKernelError as exc:
        status = {"status": "failed", "message": "the kernel died while running the notebook (%s)" % exc}
    except Exception as exc:
        status = {"status": "failed",
                  "message": "could not run the notebook: %s: %s" % (type(exc).__name__, exc)}
    status["seconds"] = round(time.monotonic() - started, 1)
    with open(job["status"], "w") as fh:
        json.dump(status, fh)
"""


@dataclass
class _Job:
    nb: object  # the prepared notebook (NotebookNode)
    workdir: Path
    parameters: dict
    timeout: float
    token: str = field(default_factory=lambda: secrets.token_hex(8))

    def path(self, kind: str) -> Path:
        return self.workdir / (f".{kind}-{self.token}" + (".json" if kind == "status" else ".ipynb"))


def run_notebooks(jobs: list[_Job]) -> list[tuple[dict, object]]:
    """Execute prepared notebooks one after another in one child process.

    Each notebook gets ``job.timeout`` seconds for its cells (papermill / nbclient stop
    it when that budget is used up); the child as a whole gets the sum plus 60 s per
    notebook for kernel start-up, after which it is killed with everything it started.
    Returns (status dict, executed notebook or None) per job, in order.
    """
    import nbformat

    if not jobs:
        return []
    specs = []
    for job in jobs:
        job.workdir.mkdir(parents=True, exist_ok=True)
        nbformat.write(job.nb, str(job.path("submission")))
        specs.append(
            {
                "input": str(job.path("submission")),
                "output": str(job.path("executed")),
                "cwd": str(job.workdir),
                "timeout": job.timeout,
                "parameters": job.parameters,
                "status": str(job.path("status")),
            }
        )
    env = dict(os.environ, PYDEVD_DISABLE_FILE_VALIDATION="1", MPLBACKEND="Agg")
    proc = subprocess.Popen(
        [sys.executable, "-c", _RUNNER],
        cwd=str(jobs[0].workdir),
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    backstop = sum(job.timeout + 60 for job in jobs)
    stopped = ""
    try:
        _, err = proc.communicate(json.dumps(specs).encode(), timeout=backstop)
        if proc.returncode:
            lines = err.decode(errors="replace").strip().splitlines()
            stopped = f"the grader's runner stopped (exit code {proc.returncode})" + (
                f": {lines[-1]}" if lines else ""
            )
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()
        stopped = f"the grader's runner was stopped after {backstop:g} s"
    results = []
    for job in jobs:
        status_path, output_path = job.path("status"), job.path("executed")
        try:
            status = json.loads(status_path.read_text())
        except (OSError, ValueError):
            status = {"status": "failed", "message": stopped or "the grader's runner stopped unexpectedly"}
        executed = None
        if output_path.exists():
            try:
                executed = nbformat.read(str(output_path), as_version=4)
            except Exception:
                executed = None
        for p in (job.path("submission"), output_path, status_path):
            if p.exists():
                p.unlink()
        results.append((status, executed))
    return results


# --------------------------------------------------------------------------- checks on the submission


def _parameters(nb) -> tuple[dict | None, str]:
    """Literal values of the first code cell tagged parameters, or (None, why not)."""
    import ast

    for cell in nb.cells:
        if cell.cell_type == "code" and "parameters" in cell.get("metadata", {}).get("tags", []):
            values = {}
            try:
                for node in ast.parse(cell.source).body:
                    if (
                        isinstance(node, ast.Assign)
                        and len(node.targets) == 1
                        and isinstance(node.targets[0], ast.Name)
                    ):
                        values[node.targets[0].id] = ast.literal_eval(node.value)
            except (SyntaxError, ValueError) as exc:
                return None, f"the parameters cell was edited and no longer holds plain values ({exc})"
            return values, ""
    return None, "the parameters cell is missing (or lost its 'parameters' tag)"


def tamper_findings(nb, student_id: str, seed: int) -> list[str]:
    """Reasons to refuse grading a notebook: edited parameters, use of the answer key."""
    found = []
    values, why = _parameters(nb)
    if values is None:
        found.append(why)
    else:
        if values.get("student_id") != student_id:
            found.append(
                f"the parameters cell was edited: student_id = {values.get('student_id')!r}, "
                f"but this is {student_id!r}'s notebook"
            )
        if values.get("seed") != seed:
            found.append(
                f"the parameters cell was edited: seed = {values.get('seed')!r} is not your seed "
                f"{seed} (answers are checked against your own data only)"
            )
    for k, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and any(p.search(cell.source) for p in _ANSWER_KEY_USE):
            found.append(f"cell {k + 1} uses the grader's answer key (crmlab.checks / crmlab.grading)")
            break
    return found


def _answer_cells(template) -> dict[str, tuple[str, int]]:
    """answer variable -> (cell id, 1-based position) of the solution cell that sets it."""
    out = {}
    for k, cell in enumerate(template.cells):
        if cell.cell_type == "code" and teaching.SOLUTION_TAG in cell.get("metadata", {}).get("tags", []):
            for name in re.findall(r"^\s*(answer_\w+)\s*=", cell.source, flags=re.MULTILINE):
                out.setdefault(name, (cell.get("id", ""), k + 1))
    return out


def _cell_errors(executed) -> list[tuple[str, int, str]]:
    """(cell id, position, 'ErrorName: message') of every executed cell that raised, in order.

    Positions count the cells of the submission (1-based), not those papermill or the
    grader added.
    """
    errors, position = [], 0
    for cell in executed.cells if executed is not None else []:
        tags = cell.get("metadata", {}).get("tags", [])
        if {"injected-parameters", "papermill-error-cell-tag", GRADER_TAG} & set(tags):
            continue
        position += 1
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                message = str(out.get("evalue", "")).strip().splitlines()
                errors.append(
                    (
                        cell.get("id", ""),
                        position,
                        f"{out.get('ename', 'Error')}" + (f": {message[0][:200]}" if message else ""),
                    )
                )
                break
    return errors


def _edited_given_cells(template, submission) -> list[str]:
    """Notes on given (non-solution, non-parameters) code cells that were edited or deleted."""
    sub = {c.get("id"): c for c in submission.cells}
    notes = []
    for k, cell in enumerate(template.cells):
        tags = cell.get("metadata", {}).get("tags", [])
        if cell.cell_type != "code" or teaching.SOLUTION_TAG in tags or "parameters" in tags:
            continue
        other = sub.get(cell.get("id"))
        if other is None:
            notes.append(f"given cell {k + 1} was deleted")
        elif other.source.strip() != cell.source.strip():
            notes.append(f"given cell {k + 1} was edited")
    return notes


def _zero(items, reason: str, expected: dict) -> list[ItemResult]:
    return [ItemResult(item, 0.0, reason, checks.MISSING, expected.get(item.name)) for item in items]


@dataclass
class _Pending:
    """A submission that passed the pre-checks and waits for execution."""

    stem: str
    items: list
    template: object
    submitted: object
    notes: list
    answers_path: Path
    job: _Job
    keep_executed: Path | None


def _prepare(
    submission: Path,
    template_path: Path,
    student_id: str,
    seed: int,
    data_dir: Path,
    expected: dict,
    timeout: float,
    workdir: Path,
    keep_executed: Path | None,
):
    """Pre-checks of one submission: a final NotebookResult (missing, unreadable, tampered)
    or a :class:`_Pending` execution with the grader's answer-dump cell appended."""
    import nbformat

    stem = template_path.stem
    items = checks.items_for([stem])
    if not submission.exists():
        return NotebookResult(
            stem, _zero(items, f"no submission: {submission.name} was not handed in", expected), "missing"
        )
    try:
        nb = nbformat.read(str(submission), as_version=4)
    except Exception as exc:
        return NotebookResult(
            stem,
            _zero(
                items,
                f"{submission.name} is not a readable notebook ({type(exc).__name__}: {str(exc)[:200]})",
                expected,
            ),
            "unreadable",
        )
    tampered = tamper_findings(nb, student_id, seed)
    if tampered:
        return NotebookResult(
            stem, _zero(items, "not graded: " + "; ".join(tampered), expected), "tampered", notes=tampered
        )
    template = nbformat.read(str(template_path), as_version=4)
    notes = _edited_given_cells(template, nb)
    claimed = (
        nb.metadata.get("crmlab", {}).get("data_sha256")
        if isinstance(nb.metadata.get("crmlab"), dict)
        else None
    )
    if claimed and claimed != teaching.data_fingerprint(data_dir):
        notes.append(
            "the data the grader regenerated from your seed differ from the data handed out with this "
            "notebook (crmlab changed between 'make exercises' and 'make grade', or the notebook's "
            "metadata was edited); answers are checked against the grader's data"
        )
    submitted = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    answers_path = workdir / f".answers-{secrets.token_hex(8)}.json"
    nb.cells.append(nbformat.v4.new_code_cell(_dump_source(answers_path), metadata={"tags": [GRADER_TAG]}))
    job = _Job(nb, workdir, {"student_id": student_id, "seed": seed, "data_dir": str(data_dir)}, timeout)
    return _Pending(stem, items, template, submitted, notes, answers_path, job, keep_executed)


def _finish(p: _Pending, status: dict, executed, expected: dict) -> NotebookResult:
    """Read the dumped answers of an executed submission and check each item."""
    import nbformat

    seconds = float(status.get("seconds", 0.0) or 0.0)
    if executed is not None and p.keep_executed is not None:
        executed = copy.deepcopy(executed)
        executed.cells = [
            c for c in executed.cells if GRADER_TAG not in c.get("metadata", {}).get("tags", [])
        ]
        atomic_write_text(p.keep_executed, nbformat.writes(executed))
    dumped = None
    if p.answers_path.exists():
        try:
            dumped = json.loads(p.answers_path.read_text())
        except ValueError:
            dumped = None
        p.answers_path.unlink()
    if status["status"] != "ok" or not isinstance(dumped, dict):
        why = status["message"] or "the notebook did not run to the end, so its answers could not be read"
        return NotebookResult(
            p.stem,
            _zero(p.items, why, expected),
            "timeout" if status["status"] == "timeout" else "failed",
            p.notes,
            seconds,
        )
    if dumped.get("modules"):
        why = f"not graded: the notebook imported the grader's answer key ({', '.join(map(str, dumped['modules']))})"
        return NotebookResult(p.stem, _zero(p.items, why, expected), "tampered", p.notes + [why], seconds)
    answers = dumped.get("answers", {}) if isinstance(dumped.get("answers"), dict) else {}
    where = _answer_cells(p.template)
    errors = _cell_errors(executed)
    by_id = {cell_id: (position, message) for cell_id, position, message in errors}
    present_ids = {c.get("id") for c in p.submitted.cells}
    results = []
    for item in p.items:
        got = answers.get(item.name, checks.MISSING)
        score, reason = checks.score_answer(item, got, expected[item.name])
        if got is checks.MISSING and item.name in where:
            cell_id, position = where[item.name]
            if cell_id not in present_ids:
                reason += f" (its answer cell, cell {position} of the exercise, was deleted)"
            elif cell_id in by_id:
                at, cause = by_id[cell_id]
                hint = " -- not answered yet" if cause.startswith("NotImplementedError") else ""
                reason += f" (its cell {at} raised {cause}{hint}"
                first_id, first_at, first = errors[0]
                real = first_id != cell_id and not first.startswith("NotImplementedError")
                reason += f"; the first error was in cell {first_at}: {first})" if real else ")"
            elif errors:
                reason += f" (cell {errors[0][1]} raised {errors[0][2]})"
        results.append(ItemResult(item, score, reason, got, expected[item.name]))
    return NotebookResult(p.stem, results, "graded", p.notes, seconds)


def grade_student(
    student_id: str,
    name: str,
    submissions: Path,
    out: Path,
    course_key: str,
    timeout: float,
    templates: list[Path],
) -> StudentResult:
    """Grade every notebook of one student; never raises (failures become reasons).

    The grader writes the student's data afresh from the seed, computes the expected
    answers, pre-checks each submission, then runs the runnable ones in one child process.
    """
    stems = [t.stem for t in templates]
    try:
        seed = teaching.student_seed(student_id, course_key)
        folder = submissions / student_id
        with tempfile.TemporaryDirectory(prefix=f"crmlab-grade-{student_id}-") as tmp:
            work = Path(tmp)
            data_dir = teaching.write_exercise_data(seed, work / "data")
            ex = teaching.load_exercise_data(seed, data_dir)
            expected = checks.expected_answers(ex, notebooks=stems)
            slots = []
            for template in templates:
                if not folder.is_dir():
                    slots.append(
                        NotebookResult(
                            template.stem,
                            _zero(
                                checks.items_for([template.stem]),
                                f"no submission: there is no folder {folder}",
                                expected,
                            ),
                            "missing",
                        )
                    )
                    continue
                try:
                    slots.append(
                        _prepare(
                            folder / template.name,
                            template,
                            student_id,
                            seed,
                            data_dir,
                            expected,
                            timeout,
                            work,
                            out / student_id / "executed" / template.name,
                        )
                    )
                except Exception as exc:  # the grader's own failure on one notebook
                    slots.append(
                        NotebookResult(
                            template.stem,
                            _zero(
                                checks.items_for([template.stem]),
                                f"grading failed: {type(exc).__name__}: {exc}",
                                expected,
                            ),
                            "failed",
                        )
                    )
            pending = [s for s in slots if isinstance(s, _Pending)]
            runs = dict(zip(map(id, pending), run_notebooks([p.job for p in pending])))
            results = []
            for slot in slots:
                if isinstance(slot, _Pending):
                    try:
                        slot = _finish(slot, *runs[id(slot)], expected)
                    except Exception as exc:
                        slot = NotebookResult(
                            slot.stem,
                            _zero(slot.items, f"grading failed: {type(exc).__name__}: {exc}", expected),
                            "failed",
                        )
                results.append(slot)
        return StudentResult(student_id, name, results)
    except Exception as exc:
        reason = f"grading failed for this student: {type(exc).__name__}: {exc}"
        return StudentResult(
            student_id,
            name,
            [NotebookResult(stem, _zero(checks.items_for([stem]), reason, {}), "failed") for stem in stems],
            [reason],
        )


# --------------------------------------------------------------------------- reports

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f6f7f9;color:#1d2430}
header{background:#1f3a5f;color:#fff;padding:1.4rem 2rem}header h1{margin:0;font-size:1.5rem}
header p{margin:.3rem 0 0;opacity:.9}main{max-width:1100px;margin:1.5rem auto;padding:0 1rem}
section{background:#fff;border:1px solid #dde2ea;border-radius:8px;padding:1rem 1.3rem;margin-bottom:1rem}
h2{margin:0 0 .5rem;font-size:1.15rem}table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #e6e9ef;vertical-align:top}
th{background:#f0f3f7}td.num{text-align:right;white-space:nowrap}
tr.full td.num{color:#1b7f3b;font-weight:600}tr.zero td.num{color:#b42318;font-weight:600}
tr.part td.num{color:#a15c00;font-weight:600}code{background:#eef1f5;border-radius:4px;padding:0 .25rem}
.status{font-size:.85rem;color:#5a6577}.note{color:#a15c00}footer{text-align:center;color:#7a8494;font-size:.8rem;padding:2rem}
"""


def _rounded(value):
    """Floats to 6 significant digits, inside lists and dicts too (for display only)."""
    if isinstance(value, float):
        return float(f"{value:.6g}")
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    return value


def _value(value, digits: bool = False) -> str:
    if value is checks.MISSING:
        return "—"
    text = json.dumps(_rounded(value) if digits else value, default=str, ensure_ascii=False)
    return text if len(text) <= 160 else text[:157] + "..."


def feedback_html(result: StudentResult, show_expected: bool = True) -> str:
    """The student's feedback page: per notebook, each item's score, answer and reason."""
    esc = html.escape
    sections = []
    for nb in result.notebooks:
        got = sum(r.score for r in nb.items)
        best = sum(r.item.points for r in nb.items)
        rows = []
        for r in nb.items:
            cls = "full" if r.score >= r.item.points else ("zero" if r.score == 0 else "part")
            rows.append(
                f'<tr class="{cls}"><td><code>{esc(r.item.name)}</code><br>{esc(r.item.description)}</td>'
                f'<td class="num">{r.score:g} / {r.item.points:g}</td><td><code>{esc(_value(r.answer, True))}</code></td>'
                + (
                    f'<td><code>{esc(_value(r.expected, True))}</code><br><span class="status">'
                    f"{esc(r.item.check.describe())}</span></td>"
                    if show_expected
                    else ""
                )
                + f"<td>{esc(r.reason)}</td></tr>"
            )
        notes = "".join(f'<p class="note">Note: {esc(n)}</p>' for n in nb.notes)
        sections.append(
            f"<section><h2>{esc(nb.notebook)}.ipynb — {got:g} / {best:g}</h2>"
            f'<p class="status">Status: {esc(nb.status)}'
            + (f", ran in {nb.seconds:g} s" if nb.seconds else "")
            + f"</p>{notes}"
            "<table><tr><th>Item</th><th>Score</th><th>Your answer</th>"
            + ("<th>Expected</th>" if show_expected else "")
            + "<th>Why</th></tr>"
            + "".join(rows)
            + "</table></section>"
        )
    notes = "".join(f'<p class="note">{esc(n)}</p>' for n in result.notes)
    stamp = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Feedback — {esc(result.name or result.student_id)}</title><style>{_CSS}</style></head><body>"
        f"<header><h1>Feedback for {esc(result.name or result.student_id)} ({esc(result.student_id)})</h1>"
        f"<p>Total: {result.total:g} of {result.max_total:g} points</p></header><main>{notes}"
        + "".join(sections)
        + f"</main><footer>Graded {esc(stamp)} by <code>python -m crmlab.teaching grade</code>. Answers are "
        "checked against values recomputed from your own data; the tolerance of each item is stated "
        "under the expected value.</footer></body></html>"
    )


def grade(
    submissions,
    roster,
    out,
    course_key: str = teaching.DEFAULT_COURSE_KEY,
    timeout: float = 120,
    templates=None,
    show_expected: bool = True,
    log=None,
) -> pd.DataFrame:
    """Grade every student of the roster; write grades.csv, details.csv, items.csv and feedback.

    Returns the grades table (student_id, name, one column per item, total).
    """
    students = teaching._students(roster)
    templates = [Path(t) for t in templates] if templates is not None else teaching.exercise_templates()
    stems = [t.stem for t in templates]
    unknown = [s for s in stems if s not in checks.EXPECTED]
    if unknown:
        raise ValueError(
            f"grade: no checks for the exercise notebook(s) {unknown}; add them to crmlab/checks.py"
        )
    items = checks.items_for(stems)
    submissions, out = Path(submissions), Path(out)
    known = set(students["student_id"])
    if log and submissions.is_dir():
        for extra in sorted(p.name for p in submissions.iterdir() if p.is_dir() and p.name not in known):
            log(f"ignoring {submissions / extra}: not in the roster")
    rows, details = [], []
    for row in students.itertuples(index=False):
        if log:
            log(f"grading {row.student_id} ...")
        result = grade_student(row.student_id, row.name, submissions, out, course_key, timeout, templates)
        scores = {r.item.name: r.score for nb in result.notebooks for r in nb.items}
        rows.append(
            {
                "student_id": row.student_id,
                "name": row.name,
                **{item.name: scores.get(item.name, 0.0) for item in items},
                "total": result.total,
            }
        )
        for nb in result.notebooks:
            for r in nb.items:
                details.append(
                    {
                        "student_id": row.student_id,
                        "name": row.name,
                        "notebook": nb.notebook,
                        "status": nb.status,
                        "item": r.item.name,
                        "score": r.score,
                        "points": r.item.points,
                        "reason": r.reason,
                        "answer": _value(r.answer),
                        "expected": _value(r.expected),
                    }
                )
        atomic_write_text(out / row.student_id / "feedback.html", feedback_html(result, show_expected))
        if log:
            log(
                f"  {row.student_id}: {result.total:g} / {result.max_total:g} "
                + ", ".join(f"{nb.notebook} {nb.status}" for nb in result.notebooks)
            )
    table = pd.DataFrame(rows, columns=["student_id", "name", *[i.name for i in items], "total"])
    atomic_write_text(out / "details.csv", pd.DataFrame(details).to_csv(index=False))
    atomic_write_text(
        out / "items.csv",
        pd.DataFrame(
            [
                {
                    "notebook": i.notebook,
                    "item": i.name,
                    "points": i.points,
                    "description": i.description,
                    "accepted": i.check.describe(),
                }
                for i in items
            ]
        ).to_csv(index=False),
    )
    atomic_write_text(out / "grades.csv", table.to_csv(index=False))
    return table
