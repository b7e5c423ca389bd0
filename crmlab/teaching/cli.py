"""``python -m crmlab.teaching exercises|solutions|grade``: the teacher's command line.

The course key is read, in this order, from ``--course-key-file PATH`` (a file readable by
you only, mode 600), ``--course-key KEY`` (kept for old scripts: a command line is visible to
every user of the machine in ``ps`` and ``/proc/<pid>/cmdline``, so it warns), or the
environment variable ``CRMLAB_COURSE_KEY`` (what ``make`` passes). Once read, the key is
removed from this process's environment, so no child process inherits it.
"""

from __future__ import annotations

import argparse
import os
import stat
import sys
from pathlib import Path

from ..data import CRMDataError
from .exercises import SolutionLeakError, exercise_templates, make_exercises
from .roster import DEFAULT_COURSE_KEY, read_roster
from .solutions import make_solutions

__all__ = ["KEY_ENV", "course_key", "main"]

KEY_ENV = "CRMLAB_COURSE_KEY"


def _say(message: str) -> None:
    print(f"crmlab.teaching: {message}", file=sys.stderr, flush=True)


def course_key(args: argparse.Namespace) -> str:
    """The course key from a file, the environment or the command line (see the module doc).

    Parameters
    ----------
    args : argparse.Namespace
        With ``course_key`` and ``course_key_file`` (either may be None).

    Returns
    -------
    str
        The key; :data:`~crmlab.teaching.roster.DEFAULT_COURSE_KEY` (with a note) if none is given.
    """
    from_env = os.environ.pop(KEY_ENV, None)
    if args.course_key_file is not None:
        path = Path(args.course_key_file)
        mode = path.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            _say(f"warning: {path} is readable by other users; chmod 600 {path}")
        key = path.read_text(encoding="utf-8").strip()
        if not key:
            raise ValueError(f"the course key file {path} is empty")
        return key
    if args.course_key is not None:
        _say(
            "warning: --course-key is visible to every user of this machine (ps, /proc/<pid>/cmdline); "
            f"set {KEY_ENV} in the environment or use --course-key-file instead"
        )
        return args.course_key
    if from_env:
        return from_env
    _say(
        f"note: using the default course key {DEFAULT_COURSE_KEY!r}; set {KEY_ENV} (make ... COURSE_KEY=...) "
        "or --course-key-file so that students cannot recompute each other's data"
    )
    return DEFAULT_COURSE_KEY


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m crmlab.teaching", description="Per-student CRM exercises, answer keys and grading."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    helps = {
        "exercises": "write exercises/<student_id>/ for every student of the roster",
        "solutions": "write the answer key per student",
        "grade": "run every submitted notebook in a sandbox and grade it",
    }
    for command, text in helps.items():
        p = sub.add_parser(command, help=text)
        p.add_argument("--roster", required=True, type=Path, help="CSV with columns student_id, name")
        p.add_argument("--out", required=True, type=Path)
        p.add_argument("--course-key-file", type=Path, help="a file holding the course key (mode 600)")
        p.add_argument("--course-key", help=f"the course key (visible to other users: prefer {KEY_ENV})")
        p.add_argument("--exercises", help="only these exercises, comma-separated (e.g. ex01_data_overview)")
        if command == "grade":
            _grade_options(p)
    return parser


def _grade_options(g: argparse.ArgumentParser) -> None:
    g.add_argument("--submissions", required=True, type=Path, help="one folder per student_id")
    g.add_argument("--timeout", type=int, default=120, help="seconds per notebook (default 120)")
    g.add_argument("--hide-expected", action="store_true", help="hide the expected values in the feedback")
    g.add_argument(
        "--unsafe-no-sandbox",
        action="store_true",
        help="run the notebooks without bubblewrap, with your rights (only where bwrap cannot be installed)",
    )
    g.add_argument("--memory-mb", type=int, default=4096, help="address space per process (default 4096)")
    g.add_argument("--file-size-mb", type=int, default=64, help="largest file a run may write (default 64)")
    g.add_argument("--processes", type=int, default=128, help="processes and threads per run (default 128)")


def _templates(spec: str | None) -> list[Path]:
    templates = exercise_templates()
    if not spec:
        return templates
    wanted = [s.strip().removesuffix(".ipynb") for s in spec.split(",") if s.strip()]
    by_stem = {t.stem: t for t in templates}
    unknown = [s for s in wanted if s not in by_stem]
    if unknown:
        raise ValueError(f"--exercises: no exercise {unknown}; there are {sorted(by_stem)}")
    return [by_stem[s] for s in wanted]


def _grade(args, parser, students, key: str, templates: list[Path]) -> None:
    from . import grading, sandbox

    if args.timeout < 1:
        parser.error("--timeout must be at least 1 second")
    if not args.submissions.is_dir():
        raise FileNotFoundError(f"no submissions folder {args.submissions}")
    if args.unsafe_no_sandbox:
        _say("warning: --unsafe-no-sandbox: the students' code runs with your rights, unconfined")
    limits = sandbox.Limits(
        memory_mb=args.memory_mb, file_size_mb=args.file_size_mb, processes=args.processes
    )
    table = grading.grade(
        args.submissions,
        students,
        args.out,
        course_key=key,
        timeout=args.timeout,
        templates=templates,
        show_expected=not args.hide_expected,
        log=lambda msg: print(f"crmlab.teaching: {msg}", flush=True),
        unsafe_no_sandbox=args.unsafe_no_sandbox,
        limits=limits,
    )
    print(f"crmlab.teaching: graded {len(table)} student(s): {args.out / 'grades.csv'}")


def main(argv=None) -> int:
    """The command line; returns the exit code (0 ok, 2 a problem the message explains).

    Parameters
    ----------
    argv : list of str, optional
        The arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit code.
    """
    from .sandbox import SandboxUnavailable

    parser = _parser()
    args = parser.parse_args(argv)
    try:
        key = course_key(args)
        templates = _templates(args.exercises)
        students = read_roster(args.roster)
        if args.command == "exercises":
            folders = make_exercises(students, args.out, key, templates)
            print(f"crmlab.teaching: wrote exercises for {len(folders)} student(s) to {args.out}/")
        elif args.command == "solutions":
            make_solutions(students, args.out, key, templates)
            print(f"crmlab.teaching: wrote the answer key for {len(students)} student(s) to {args.out}/")
        else:
            _grade(args, parser, students, key, templates)
    except (CRMDataError, SolutionLeakError, FileNotFoundError, ValueError, SandboxUnavailable) as exc:
        print(f"crmlab.teaching: error: {exc}", file=sys.stderr)
        return 2
    return 0
