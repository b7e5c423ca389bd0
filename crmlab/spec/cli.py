"""``python -m crmlab.spec init FILE`` and ``python -m crmlab.spec check SPEC``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..exceptions import CRMDataError
from .loading import load_spec
from .starter import init_spec

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    """``init FILE [-o SPEC]``: write a starter spec; ``check SPEC``: load it and list the tables.

    Parameters
    ----------
    argv : the arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        0 on success, 1 on a bad file or spec (the message goes to stderr).
    """
    parser = argparse.ArgumentParser(prog="python -m crmlab.spec", description="crmlab data specs")
    commands = parser.add_subparsers(dest="command", required=True)
    init = commands.add_parser("init", help="write a starter spec for a transactions file")
    init.add_argument("file", help="a CSV or Parquet file of transactions")
    init.add_argument("-o", "--output", help="write the spec to this file (default: print it)")
    check = commands.add_parser("check", help="load a spec and list its tables")
    check.add_argument("spec", help="the spec file (.toml)")
    args = parser.parse_args(argv)
    try:
        if args.command == "check":
            print(load_spec(args.spec).tables().to_string())
            return 0
        if args.output is None:
            sys.stdout.write(init_spec(args.file))
            return 0
        Path(args.output).write_text(init_spec(args.file, relative_to=Path(args.output).resolve().parent))
        print(f"wrote {args.output}", file=sys.stderr)
        return 0
    except (CRMDataError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
