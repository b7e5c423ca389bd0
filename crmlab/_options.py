"""crmlab's run-time options: when progress bars show (one home for them).

``crmlab.options.progress_delay``
    Seconds a DuckDB query of :mod:`crmlab.engine` runs before its tqdm bar appears (default 2;
    ``None``: never show one).
``crmlab.options.read_progress_bytes``
    CSV files at least this large are read with a tqdm bar over their bytes (default 64 MiB;
    ``None``: never).

The models' own ``progress=`` arguments (fits from several starts, bootstraps, scoring) decide for
those steps. tqdm's environment variable ``TQDM_DISABLE=1`` turns every bar off.
"""

from __future__ import annotations

from types import SimpleNamespace

options = SimpleNamespace(progress_delay=2.0, read_progress_bytes=64 * 2**20)
