"""Moved to ``crmlab.reports.build``; this path (and ``python -m crmlab.build``) keeps old scripts working."""

from crmlab.reports.build import *  # noqa: F403
from crmlab.reports.build import __all__, main  # noqa: F401

if __name__ == "__main__":
    raise SystemExit(main())
