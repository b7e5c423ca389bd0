"""Where the lab's folders are, wherever a notebook or script runs from.

papermill resolves relative paths from the directory it is called in
(papermill #418), so code asks this module instead of guessing.
Set ``CRMLAB_ROOT`` to point crmlab at another checkout's data.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["PROJECT_ROOT", "DATA_DIR", "RAW_DIR", "SYNTHETIC_DIR", "REPORTS_DIR", "NOTEBOOKS_DIR"]

PROJECT_ROOT = Path(os.environ.get("CRMLAB_ROOT", Path(__file__).resolve().parent.parent))
DATA_DIR = PROJECT_ROOT / "data"
RAW_DIR = DATA_DIR / "raw"
SYNTHETIC_DIR = DATA_DIR / "synthetic"
REPORTS_DIR = PROJECT_ROOT / "reports"
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
