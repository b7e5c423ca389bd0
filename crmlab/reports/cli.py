"""``python -m crmlab.reports run|index|stamp``: the command line behind ``make reports``.

* ``run NOTEBOOK... [-p NAME VALUE]... [--tag TAG]`` executes notebooks and publishes their
  reports (``crmlab.reports.build.run``); exits 1 naming every notebook that failed.
* ``index`` rewrites ``reports/index.html`` (and its screenshot where Chromium is installed).
* ``stamp PATH [-p NAME VALUE]...`` rewrites the stamp ``reports/.params/<name>`` when the
  parameters or the pseudonymization (``CRMLAB_PSEUDONYM_KEY``) changed, so make rebuilds.

Ctrl-C or SIGTERM during ``run`` removes the build's temporary files, keeps every previous
report and exits with one line (status 130 or 143), without a traceback.
"""

from __future__ import annotations

import argparse
import re
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from . import build

__all__ = ["main"]

_PROG = "crmlab.reports"


def _add_params(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-p",
        "--parameter",
        nargs=2,
        action="append",
        metavar=("NAME", "VALUE"),
        help="override a parameter (papermill style), repeatable",
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m crmlab.reports", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run", help="execute notebooks and write their reports")
    r.add_argument("notebooks", nargs="+", type=Path)
    _add_params(r)
    r.add_argument("--tag", default=None, help="suffix for the report name, e.g. d15 -> 04_clv-d15.html")
    r.add_argument("--reports-dir", type=Path, default=None)
    r.add_argument("--timeout", type=int, default=1800, help="seconds per cell")
    i = sub.add_parser("index", help="rewrite reports/index.html")
    i.add_argument("--reports-dir", type=Path, default=None)
    s = sub.add_parser("stamp", help="rewrite a report's parameter stamp when what it is built from changed")
    s.add_argument("path", type=Path)
    _add_params(s)
    return parser


@contextmanager
def _interrupts() -> Iterator[list[int]]:
    """SIGINT and SIGTERM raise KeyboardInterrupt once; later ones are ignored while cleaning up.

    Yields the list that receives the signal number, so the caller can name it.
    """
    caught: list[int] = []
    if threading.current_thread() is not threading.main_thread():  # only the main thread may
        yield caught
        return
    held = (signal.SIGINT, signal.SIGTERM)

    def handler(signum, frame):
        for s in held:
            signal.signal(s, signal.SIG_IGN)
        caught.append(signum)
        raise KeyboardInterrupt

    previous = {s: signal.signal(s, handler) for s in held}
    try:
        yield caught
    finally:
        for s, old in previous.items():
            signal.signal(s, old)


def _run_notebooks(args, params: dict) -> list[str]:
    """Run each notebook in turn; returns the names of those that failed."""
    failures = []
    for nb in args.notebooks:
        print(f"{_PROG}: running {nb}" + (f" with {params}" if params else ""), flush=True)
        try:
            out = build.run(nb, params, tag=args.tag, reports_dir=args.reports_dir, timeout=args.timeout)
            print(f"{_PROG}: wrote {out}", flush=True)
        except build.NotebookFailed as exc:
            print(f"{_PROG}: ERROR: {exc}", file=sys.stderr, flush=True)
            failures.append(nb.name)
    return failures


def _run(parser: argparse.ArgumentParser, args) -> int:
    # jsonschema imports rfc3987_syntax where it is installed (JupyterLab's jupyter-events pulls it
    # in), which compiles a grammar for ~2 s of CPU in every build, for IRI formats that no
    # notebook schema uses: this process does without it
    sys.modules.setdefault("rfc3987_syntax", None)
    params = build.parse_params(args.parameter)
    if args.tag and not re.fullmatch(r"[A-Za-z0-9_.-]+", args.tag):
        parser.error(f"--tag may hold letters, digits, '.', '_' and '-' only, not {args.tag!r}")
    for nb in args.notebooks:
        if not nb.exists():
            parser.error(f"no such notebook: {nb}")
    failures = _run_notebooks(args, params)
    build.screenshot_index(args.reports_dir)
    if failures:
        print(f"{_PROG}: {len(failures)} notebook(s) failed: {', '.join(failures)}", file=sys.stderr)
        return 1
    return 0


def _dispatch(parser: argparse.ArgumentParser, args) -> int:
    if args.command == "index":
        print(build.write_index(args.reports_dir))
        build.screenshot_index(args.reports_dir)
        return 0
    if args.command == "stamp":
        build.write_params_stamp(args.path, build.parse_params(args.parameter))
        return 0
    return _run(parser, args)


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run it; Ctrl-C or SIGTERM end it with one line, no traceback.

    Parameters
    ----------
    argv : list of str, optional
        Default ``sys.argv[1:]``.

    Returns
    -------
    int
        0 on success; 1 when a notebook failed; 128 + the signal number when interrupted.
    """
    parser = _parser()
    args = parser.parse_args(argv)
    with _interrupts() as caught:
        try:
            return _dispatch(parser, args)
        except KeyboardInterrupt:  # the build's own cleanup (finally blocks) has run
            signum = caught[0] if caught else signal.SIGINT
            print(
                f"{_PROG}: interrupted ({signal.Signals(signum).name}): temporary files removed, "
                "every previous report is unchanged",
                file=sys.stderr,
                flush=True,
            )
            return 128 + signum
