"""``python -m crmlab.teaching``: see :mod:`crmlab.teaching.cli`."""

import sys

from .cli import main

sys.exit(main())
