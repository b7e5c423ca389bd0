"""``python -m crmlab.reports run|index|stamp ...``: see ``crmlab.reports.cli``."""

import sys

from .cli import main

sys.exit(main())
