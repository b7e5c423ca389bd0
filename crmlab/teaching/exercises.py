"""The exercise notebooks: solution regions, student copies without solutions, the answer key.

* The exercise notebooks live in ``notebooks/exercises/`` and are committed **with**
  their solutions: solution code sits between ``### BEGIN SOLUTION`` and
  ``### END SOLUTION`` in code cells tagged ``solution``; every answer is a variable
  named ``answer_*``.
* :func:`make_exercises` writes ``<out>/<student_id>/`` with every notebook (solution
  regions replaced by ``# YOUR CODE HERE`` + ``raise NotImplementedError()``, outputs
  cleared, parameters set to the student's id and seed) and ``data/`` (the student's
  synthetic tables and task inputs, :mod:`crmlab.teaching.inputs`). Each notebook is
  written to a temporary file, read back and scanned; it is moved into place only if no
  solution text remains (:class:`SolutionLeakError` otherwise).
* the answer key files are written by :mod:`crmlab.teaching.solutions` (this module enters
  the grading sandbox, the answer key does not).
"""

from __future__ import annotations

import ast
import copy
import json
import os
import re
from pathlib import Path

from .. import paths
from ..files import atomic_write_text
from .inputs import DATA_VERSION, data_fingerprint, write_exercise_data
from .roster import DEFAULT_COURSE_KEY, as_roster, student_seed

__all__ = [
    "EXERCISES_DIR",
    "BEGIN_SOLUTION",
    "END_SOLUTION",
    "STUB",
    "SOLUTION_TAG",
    "SolutionLeakError",
    "exercise_templates",
    "strip_solutions",
    "solution_lines",
    "find_solution_leaks",
    "student_notebook",
    "write_student_notebook",
    "make_exercises",
]

EXERCISES_DIR = paths.NOTEBOOKS_DIR / "exercises"
BEGIN_SOLUTION = "### BEGIN SOLUTION"
END_SOLUTION = "### END SOLUTION"
STUB = "# YOUR CODE HERE\nraise NotImplementedError()"
SOLUTION_TAG = "solution"
PARAMETERS = ("student_id", "seed", "data_dir")

_MARKER = re.compile(r"#+\s*(BEGIN|END)\s+SOLUTION", re.IGNORECASE)


class SolutionLeakError(RuntimeError):
    """A student notebook would contain solution text; nothing was written."""


# --------------------------------------------------------------------------- notebooks


def exercise_templates(directory=None) -> list[Path]:
    """The exercise notebooks (with solutions), sorted by name.

    Parameters
    ----------
    directory : str or path, optional
        Folder of the templates (default: notebooks/exercises).

    Returns
    -------
    list of pathlib.Path
        The template notebooks.
    """
    directory = Path(directory) if directory is not None else EXERCISES_DIR
    found = sorted(p for p in directory.glob("*.ipynb") if not p.name.startswith("."))
    if not found:
        raise FileNotFoundError(f"no exercise notebooks in {directory}")
    return found


def _read(path):
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

    Parameters
    ----------
    source : str
        A cell's source.
    where : str
        The cell, for error messages (unbalanced markers).

    Returns
    -------
    str
        The source with each solution region replaced by the stub.
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
    """Every significant line inside the solution regions (stripped), in order.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        An exercise template.
    where : str
        Name of the notebook, for error messages.

    Returns
    -------
    list of str
        The lines, stripped.
    """
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

    Parameters
    ----------
    nb : nbformat.NotebookNode
        A student notebook.
    forbidden : list of str
        Solution lines that must not appear.

    Returns
    -------
    list of str
        One note per leak found (empty: clean).
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

    Parameters
    ----------
    template : str or path
        The exercise template.
    student_id : str
        The student.
    seed : int
        The student's data seed.
    keep_solutions : bool
        Keep the solutions (the teacher's answer copy).
    data_dir : str
        Data folder parameter written into the notebook.
    data_sha256 : str, optional
        Fingerprint of the student's data, written into the parameters.

    Returns
    -------
    nbformat.NotebookNode
        The student's notebook.
    """
    nb = copy.deepcopy(template) if not isinstance(template, (str, os.PathLike)) else _read(template)
    where = getattr(template, "name", "notebook") if isinstance(template, Path) else "notebook"
    _solution_cells(nb, where)  # validates the markers
    k, cell = _parameters_cell(nb, where)

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

    Parameters
    ----------
    template : pathlib.Path
        The exercise template.
    out_path : str or path
        Where the notebook goes.
    student_id : str
        The student.
    seed : int
        The student's data seed.
    data_sha256 : str, optional
        Fingerprint of the student's data.

    Returns
    -------
    pathlib.Path
        ``out_path``.
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


def make_exercises(roster, out, course_key: str = DEFAULT_COURSE_KEY, templates=None) -> list[Path]:
    """Write ``<out>/<student_id>/``: the student notebooks, ``data/`` and a README, per student.

    Returns the student folders. Every notebook is verified free of solution text on
    disk before it is moved into place (:func:`write_student_notebook`).

    Parameters
    ----------
    roster : str, path or pandas.DataFrame
        The students (student_id, name).
    out : str or path
        Output folder.
    course_key : str
        Secret key that derives each student's seed.
    templates : list of path, optional
        Exercise templates (default: all).

    Returns
    -------
    list of pathlib.Path
        The student folders written.
    """
    students = as_roster(roster)
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
