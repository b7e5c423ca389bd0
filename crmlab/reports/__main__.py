"""``python -m crmlab.reports run|index ...``: see ``crmlab.reports.build.main``."""

import sys

from .build import main

sys.exit(main())
