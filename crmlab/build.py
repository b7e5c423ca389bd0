"""Moved to ``crmlab.reports.build``; this path stays so that old scripts keep working."""

from crmlab.reports.build import *  # noqa: F403
from crmlab.reports.build import __all__  # noqa: F401
