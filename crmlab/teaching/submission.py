"""What the grader checks on a submitted notebook before and after running it, outside the sandbox.

* :func:`read_submission`: the file itself -- a regular file (not a link), of bounded size;
* :func:`tamper_findings`: the parameters cell still holds the student's own id and seed, and
  no cell names the grader's answer key;
* :data:`DUMP_SOURCE`: the last cell the grader adds, which writes every ``answer_*`` variable
  to JSON (inside the sandbox; its output is untrusted and only ever scores its own notebook);
* :func:`cell_errors`, :func:`answer_cells`, :func:`edited_given_cells`: what the executed
  notebook says about missing answers.
"""

from __future__ import annotations

import ast
import os
import re
import stat
from pathlib import Path

from .exercises import SOLUTION_TAG

__all__ = [
    "GRADER_TAG",
    "DUMP_SOURCE",
    "MAX_NOTEBOOK_BYTES",
    "read_submission",
    "tamper_findings",
    "answer_cells",
    "cell_errors",
    "edited_given_cells",
]

GRADER_TAG = "crmlab-grader"
MAX_NOTEBOOK_BYTES = 20 * 2**20
_ANSWER_KEY_USE = [
    re.compile(r"crmlab\s*\.\s*(teaching\s*\.\s*)?(checks|grading)\b"),
    re.compile(r"from\s+crmlab(\s*\.\s*teaching)?\s+import\s+[^\n]*\b(checks|grading)\b"),
    re.compile(r"""import_module\(\s*['"]crmlab\.(teaching\.)?(checks|grading)"""),
]

#: the grader's last cell; the runner replaces @ANSWERS_FILE@ by the path inside the run
DUMP_SOURCE = """# added by the crmlab grader: collect the answers
def _crmlab_grader_dump(_path):
    import json as _json, math as _math, sys as _sys

    def _enc(v, depth=0):
        if depth > 3:
            return {"__unsupported__": "nested value"}
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
            return v if _math.isfinite(v) else {"__float__": repr(v)}
        try:
            import pandas as _pd
            if isinstance(v, _pd.Series):
                return {str(k): _enc(x, depth + 1) for k, x in list(v.items())[:1000]}
            if isinstance(v, _pd.Index):
                v = list(v)
            if isinstance(v, _pd.DataFrame):
                return {"__unsupported__": "DataFrame"}
        except ImportError:
            pass
        if isinstance(v, dict):
            return {str(k): _enc(x, depth + 1) for k, x in list(v.items())[:1000]}
        if isinstance(v, (list, tuple)):
            return [_enc(x, depth + 1) for x in list(v)[:1000]]
        return {"__unsupported__": type(v).__name__}

    answers = {}
    for name, value in list(globals().items()):
        if name.startswith("answer_"):
            try:
                answers[name] = _enc(value)
            except Exception as exc:
                answers[name] = {"__unsupported__": type(value).__name__ + " (" + type(exc).__name__ + ")"}
    modules = sorted(m for m in ("crmlab.teaching.checks", "crmlab.teaching.grading") if m in _sys.modules)
    with open(_path, "w") as fh:
        _json.dump({"answers": answers, "modules": modules}, fh)

_crmlab_grader_dump('@ANSWERS_FILE@')
del _crmlab_grader_dump
"""


def read_submission(path: Path, limit: int = MAX_NOTEBOOK_BYTES) -> str:
    """The text of a handed-in notebook: a regular file, not a symbolic link, at most ``limit`` bytes.

    Raises ValueError (why) or OSError (missing, unreadable).

    Parameters
    ----------
    path : pathlib.Path
        The handed-in notebook.
    limit : int
        Largest size accepted, in bytes.

    Returns
    -------
    str
        The notebook's text.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fh.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise ValueError(f"{Path(path).name} is not a regular file")
        if info.st_size > limit:
            raise ValueError(f"{Path(path).name} is larger than {limit // 2**20} MB")
        return fh.read(limit + 1).decode("utf-8")


def _literals(source: str) -> dict:
    """``name = <literal>`` assignments of a cell (SyntaxError / ValueError if not plain values)."""
    assigns = [node for node in ast.parse(source).body if isinstance(node, ast.Assign)]
    simple = [a for a in assigns if len(a.targets) == 1 and isinstance(a.targets[0], ast.Name)]
    return {a.targets[0].id: ast.literal_eval(a.value) for a in simple}


def _parameters(nb) -> tuple[dict | None, str]:
    """Literal values of the first code cell tagged parameters, or (None, why not)."""
    tagged = [
        c for c in nb.cells if c.cell_type == "code" and "parameters" in c.get("metadata", {}).get("tags", [])
    ]
    if not tagged:
        return None, "the parameters cell is missing (or lost its 'parameters' tag)"
    try:
        return _literals(tagged[0].source), ""
    except (SyntaxError, ValueError) as exc:
        return None, f"the parameters cell was edited and no longer holds plain values ({exc})"


def tamper_findings(nb, student_id: str, seed: int) -> list[str]:
    """Reasons to refuse grading a notebook: edited parameters, use of the answer key.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The student's notebook.
    student_id : str
        The student.
    seed : int
        The student's seed.

    Returns
    -------
    list of str
        The reasons (empty: none).
    """
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
            found.append(
                f"cell {k + 1} uses the grader's answer key "
                "(crmlab.teaching.checks / crmlab.teaching.grading)"
            )
            break
    return found


def answer_cells(template) -> dict[str, tuple[str, int]]:
    """answer variable -> (cell id, 1-based position) of the solution cell that sets it.

    Parameters
    ----------
    template : nbformat.NotebookNode
        The exercise template.

    Returns
    -------
    dict
        Answer variable -> (cell id, position).
    """
    out = {}
    for k, cell in enumerate(template.cells):
        if cell.cell_type == "code" and SOLUTION_TAG in cell.get("metadata", {}).get("tags", []):
            for name in re.findall(r"^\s*(answer_\w+)\s*=", cell.source, flags=re.MULTILINE):
                out.setdefault(name, (cell.get("id", ""), k + 1))
    return out


def cell_errors(executed) -> list[tuple[str, int, str]]:
    """(cell id, position, 'ErrorName: message') of every executed cell that raised, in order.

    Positions count the cells of the submission (1-based), not those papermill or the
    grader added.

    Parameters
    ----------
    executed : nbformat.NotebookNode
        An executed notebook.

    Returns
    -------
    list of tuple
        (cell id, position, error) per failing cell.
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


def edited_given_cells(template, submission) -> list[str]:
    """Notes on given (non-solution, non-parameters) code cells that were edited or deleted.

    Parameters
    ----------
    template : nbformat.NotebookNode
        The exercise template.
    submission : nbformat.NotebookNode
        The student's notebook.

    Returns
    -------
    list of str
        One note per edited or deleted given cell.
    """
    sub = {c.get("id"): c for c in submission.cells}
    notes = []
    for k, cell in enumerate(template.cells):
        tags = cell.get("metadata", {}).get("tags", [])
        if cell.cell_type != "code" or SOLUTION_TAG in tags or "parameters" in tags:
            continue
        other = sub.get(cell.get("id"))
        if other is None:
            notes.append(f"given cell {k + 1} was deleted")
        elif other.source.strip() != cell.source.strip():
            notes.append(f"given cell {k + 1} was edited")
    return notes
