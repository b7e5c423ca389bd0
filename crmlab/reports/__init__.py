"""Reports: execute the notebooks and publish them as HTML (``make reports``).

* ``build``    run one notebook with papermill and publish its reports atomically
* ``params``   what a report is built from besides files: parameters, pseudonymization (the stamp)
* ``index``    ``reports/index.html``, marking notebooks whose last build failed
* ``cli``      ``python -m crmlab.reports run|index|stamp``, the command line behind the Makefile
* ``browser``  open built reports in headless Chromium (render check, screenshot of the index)

Importing this package imports nothing heavy: papermill and nbconvert load only when a notebook
runs, so ``make`` can ask ``python -m crmlab.reports stamp`` cheaply for every notebook.
"""

import importlib

__all__ = ["build", "params", "index", "cli", "browser"]


def __getattr__(name: str):
    if name in __all__:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
