"""The teaching kit: per-student exercise notebooks and data, answer keys, sandboxed grading.

Three commands (the Makefile wraps them as ``make exercises``, ``make solutions`` and
``make grade``)::

    python -m crmlab.teaching exercises --roster roster.csv --out exercises
    python -m crmlab.teaching solutions --roster roster.csv --out solutions
    python -m crmlab.teaching grade --submissions DIR --roster roster.csv --out grades [--timeout 120]

The course key comes from the environment (``CRMLAB_COURSE_KEY``) or a file
(``--course-key-file``), never from a command line other users can read.

Modules, in the order data flows:

* :mod:`~crmlab.teaching.roster` -- the roster and each student's seed,
  ``HMAC-SHA256(course_key, student_id)``;
* :mod:`~crmlab.teaching.inputs` -- the student's synthetic data and task inputs
  (:func:`load_exercise_data`, what the student notebooks call);
* :mod:`~crmlab.teaching.exercises` -- student notebooks without solutions;
  :mod:`~crmlab.teaching.solutions` -- the answer key files;
* :mod:`~crmlab.teaching.compare` and :mod:`~crmlab.teaching.checks` -- the comparisons and
  the expected values (the answer key);
* :mod:`~crmlab.teaching.grading`, :mod:`~crmlab.teaching.sandbox` and
  :mod:`~crmlab.teaching.feedback` -- run every submission in its own sandbox, check its answers
  outside it, write the grades;
* :mod:`~crmlab.teaching.cli` -- the command line.

Imports run one way (roster <- inputs <- exercises <- solutions; compare <- checks <- grading
<- cli). Only
roster, inputs and exercises enter the grading sandbox, so importing this package there
must not import the others: :func:`main` and :func:`make_solutions` are loaded on first use.
"""

from __future__ import annotations

from .exercises import (
    BEGIN_SOLUTION,
    END_SOLUTION,
    EXERCISES_DIR,
    STUB,
    SolutionLeakError,
    exercise_templates,
    find_solution_leaks,
    make_exercises,
    solution_lines,
    strip_solutions,
    student_notebook,
    write_student_notebook,
)
from .inputs import (
    ExerciseData,
    data_fingerprint,
    exercise_inputs,
    load_exercise_data,
    write_exercise_data,
)
from .roster import DEFAULT_COURSE_KEY, read_roster, student_seed

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


def __getattr__(name: str):
    # the command line and the answer key files import the answer key: loaded on first use, never
    # inside the sandbox
    if name == "main":
        from .cli import main

        return main
    if name == "make_solutions":
        from .solutions import make_solutions

        return make_solutions
    raise AttributeError(f"module 'crmlab.teaching' has no attribute {name!r}")
