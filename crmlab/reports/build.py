"""Build HTML reports from the notebooks: papermill to execute, nbconvert to render.

``python -m crmlab.reports run notebooks/00_data_overview.ipynb -p seed 7 [--tag s7]``
executes a notebook with papermill (cwd ``notebooks/``, kernel ``python3``), keeps the
executed copy in ``reports/executed/``, writes the research report (with code) to
``reports/<name>.html`` and the management report (no code) to
``reports/management/<name>.html``, records title, summary, parameters, build time and
whether ids were pseudonymized in ``reports/.meta/<name>.json`` and rewrites
``reports/index.html``.

What a build guarantees:

* **atomic**: every file is written under a temporary name and moved into place only when
  the whole build of that notebook succeeded, so a failing or interrupted build leaves the
  last good report intact;
* **concurrent-safe**: temporary names carry the process id and a random suffix, and the
  files of one report are moved into place under a lock, so two builds at once both succeed
  and each report's HTML, management HTML, executed notebook and metadata come from one build;
* **failures are marked**: the failed executed notebook is kept as
  ``reports/executed/<name>.failed.ipynb``, the failure (when, which cell, which error) is
  recorded in ``reports/.meta/failed/<name>.json`` and shown in the index beside the previous
  good report, and the command exits non-zero naming the notebook and the failing cell;
* **privacy is a build input**: ``crmlab.reports.params.params_stamp`` records the parameters and
  whether ids are pseudonymized (a fingerprint of ``CRMLAB_PSEUDONYM_KEY``, never the key), so
  that ``make reports`` rebuilds every report when either changes; the index says, per report,
  whether its ids are pseudonymized.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import re
import signal
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .. import paths
from ..files import atomic_write_text
from .index import screenshot_index, write_index
from .params import (
    PSEUDONYM_KEY_ENV,
    notebook_parameters,
    params_stamp,
    parse_params,
    pseudonymization,
    write_params_stamp,
)

__all__ = [
    "run",
    "write_index",
    "screenshot_index",
    "parse_params",
    "notebook_parameters",
    "pseudonymization",
    "params_stamp",
    "write_params_stamp",
    "NotebookFailed",
    "main",
]

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"


class NotebookFailed(RuntimeError):
    """A notebook raised while executing; names the notebook and the cell."""


def _title_and_summary(nb) -> tuple[str, str]:
    """The first ``# heading`` and a one-line summary.

    The summary is ``metadata.crmlab.summary`` when the notebook sets it, else the first
    sentence of the first paragraph under the heading (markdown emphasis removed).
    """
    explicit = nb.metadata.get("crmlab", {}).get("summary", "")
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        lines = [ln.strip() for ln in cell.source.splitlines()]
        heading = next((ln.lstrip("#").strip() for ln in lines if ln.startswith("# ")), None)
        if heading:
            body = "\n".join(ln for ln in lines if not ln.startswith("#")).strip()
            paragraph = " ".join(body.split("\n\n")[0].split()) if body else ""
            paragraph = re.sub(r"[*_`]", "", paragraph)
            sentence = re.split(r"(?<=[.!?])\s", paragraph, maxsplit=1)[0]
            return heading, explicit or sentence
    return "", explicit


def _failing_cell(nb) -> tuple[int | None, str]:
    """Position (1-based, as in the source notebook) and first line of the cell that raised.

    Cells papermill adds (error banners, injected parameters) are not counted. Without an error
    output (the kernel died), it is the last cell papermill started; None before the first cell.
    """
    added = {"papermill-error-cell-tag", "injected-parameters"}
    cells = [c for c in nb.cells if not added & set(c.metadata.get("tags", []))]
    raised = [
        i for i, c in enumerate(cells) if any(o.get("output_type") == "error" for o in c.get("outputs", []))
    ]
    started = [
        i
        for i, c in enumerate(cells)
        if c.metadata.get("papermill", {}).get("status") in ("running", "completed")
    ]
    found = raised[0] if raised else (started[-1] if started else None)
    if found is None:
        return None, ""
    source = cells[found].source.strip()
    return found + 1, source.splitlines()[0] if source else ""


def _now() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


@contextmanager
def _report_lock(reports: Path, name: str) -> Iterator[None]:
    """Hold ``reports/.meta/.<name>.lock`` while the files of one report are replaced."""
    with open(reports / ".meta" / f".{name}.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGINT/SIGTERM for the few renames that publish a report, then deliver them."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pending: list[int] = []
    held = (signal.SIGINT, signal.SIGTERM)
    previous = {s: signal.signal(s, lambda signum, frame: pending.append(signum)) for s in held}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        if pending:
            signal.raise_signal(pending[0])


def _execute(notebook: Path, out: Path, params: dict, timeout: int | None) -> None:
    import papermill as pm
    from traitlets.config import Config

    with tempfile.TemporaryDirectory(prefix="crmlab-kernel-") as sockets:
        # the kernel talks over Unix sockets in a private folder, not TCP: no port that a concurrent
        # build could take between its choice and its bind, nothing reachable from the network
        config = Config({"KernelManager": {"transport": "ipc", "ip": os.path.join(sockets, "kernel")}})
        pm.execute_notebook(
            str(notebook),
            str(out),
            parameters=params,
            kernel_name="python3",
            cwd=str(notebook.parent),
            progress_bar=False,
            execution_timeout=timeout,
            log_output=False,
            # stop the kernel at once when the run ends: an interrupted build then leaves no kernel
            # behind and no shutdown noise from a kernel still busy in a cell
            shutdown_kernel="immediate",
            config=config,
        )


def _record_failure(notebook: Path, name: str, reports: Path, tmp_exec: Path, exc: Exception) -> str:
    """Keep the failed executed copy, record when and where it failed; returns the message."""
    import nbformat

    failed = reports / "executed" / f"{name}.failed.ipynb"
    cell, first_line, kept = None, "", tmp_exec.exists()
    if kept:
        cell, first_line = _failing_cell(nbformat.read(tmp_exec, as_version=4))
    title, summary = _title_and_summary(nbformat.read(notebook, as_version=4))
    where = f"cell {cell} ({first_line!r})" if cell is not None else "setup"
    reason = f"{getattr(exc, 'ename', type(exc).__name__)}: {getattr(exc, 'evalue', exc)}"
    record = {
        "name": name,
        "notebook": f"notebooks/{notebook.name}",
        "title": title or name,
        "summary": summary,
        "failed": _now(),
        "cell": cell,
        "source": first_line,
        "error": reason,
        "executed": f"executed/{failed.name}" if kept else None,
    }
    with _report_lock(reports, name):  # not between the moves of a concurrent good build
        if kept:
            os.replace(tmp_exec, failed)
        atomic_write_text(reports / ".meta" / "failed" / f"{name}.json", json.dumps(record, indent=2))
    return (
        f"{notebook.name} failed at {where}: {reason}\n"
        f"  executed copy: {failed if kept else 'none (the kernel did not start)'}\n"
        f"  the previous report, if any, is unchanged: {reports / (name + '.html')}"
    )


def _render(executed: Path, name: str) -> tuple[str, str, str, str]:
    """Research HTML (with code), management HTML (no code), title and summary."""
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(executed, as_version=4)
    title, summary = _title_and_summary(nb)
    template = {"template_name": "crmlab", "extra_template_basedirs": [str(TEMPLATES_DIR)]}
    full_html, _ = HTMLExporter(**template).from_notebook_node(
        nb, resources={"metadata": {"name": title or name}}
    )
    manager = HTMLExporter(
        **template, exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True
    )
    manager_html, _ = manager.from_notebook_node(nb, resources={"metadata": {"name": title or name}})
    return full_html, manager_html, title or name, summary


def _meta(notebook: Path, name: str, tag, params: dict, heading: tuple[str, str], started: float) -> dict:
    """What the index shows of a report: title, summary, parameters, ids, build time."""
    import nbformat

    return {
        "name": name,
        "notebook": f"notebooks/{notebook.name}",
        "title": heading[0],
        "summary": heading[1],
        "parameters": {**notebook_parameters(nbformat.read(notebook, as_version=4)), **params},
        "overrides": params,
        "tag": tag,
        "ids": "pseudonymized" if os.environ.get(PSEUDONYM_KEY_ENV) else "raw",
        "built": _now(),
        "seconds": round(time.time() - started, 1),
    }


def _publish(reports: Path, name: str, tmp_exec: Path, pages: tuple[str, str], meta: dict) -> None:
    """Move a successful build into place, the main HTML last; clear an earlier failure mark."""
    full_html, manager_html = pages
    with _report_lock(reports, name), _signals_held():
        os.replace(tmp_exec, reports / "executed" / f"{name}.ipynb")
        (reports / "executed" / f"{name}.failed.ipynb").unlink(missing_ok=True)
        (reports / ".meta" / "failed" / f"{name}.json").unlink(missing_ok=True)
        atomic_write_text(reports / ".meta" / f"{name}.json", json.dumps(meta, indent=2, default=str))
        atomic_write_text(reports / "management" / f"{name}.html", manager_html)
        atomic_write_text(reports / f"{name}.html", full_html)


def run(
    notebook,
    params: dict | None = None,
    tag: str | None = None,
    reports_dir=None,
    timeout: int | None = 1800,
    write_index_page: bool = True,
) -> Path:
    """Execute one notebook and write its reports atomically.

    Parameters
    ----------
    notebook : path
        The ``.ipynb`` to execute (with papermill, in its own folder).
    params : dict, optional
        Parameter overrides injected by papermill.
    tag : str, optional
        Suffix of the report name: ``04_clv`` with tag ``d15`` -> ``04_clv-d15.html``.
    reports_dir : path, optional
        Default ``reports/`` of the project.
    timeout : int, optional
        Seconds per cell.
    write_index_page : bool
        Rewrite ``index.html`` afterwards (also after a failure, which it then marks).

    Returns
    -------
    Path
        The research report ``<reports_dir>/<name>.html``.

    Raises
    ------
    NotebookFailed
        The notebook raised (or its kernel died); the previous report is unchanged.
    """
    notebook = Path(notebook).resolve()
    reports = Path(reports_dir or paths.REPORTS_DIR).resolve()
    name = notebook.stem + (f"-{tag}" if tag else "")
    for d in (reports / "executed", reports / ".meta", reports / "management"):
        d.mkdir(parents=True, exist_ok=True)
    tmp_exec = reports / "executed" / f".{name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.running.ipynb"
    params, started = dict(params or {}), time.time()
    try:
        try:
            _execute(notebook, tmp_exec, params, timeout)
        except Exception as exc:  # PapermillExecutionError, timeouts, dead kernels
            message = _record_failure(notebook, name, reports, tmp_exec, exc)
            if write_index_page:
                write_index(reports)
            raise NotebookFailed(message) from exc
        full_html, manager_html, title, summary = _render(tmp_exec, name)
        meta = _meta(notebook, name, tag, params, (title, summary), started)
        _publish(reports, name, tmp_exec, (full_html, manager_html), meta)
    finally:
        tmp_exec.unlink(missing_ok=True)  # interrupted, or failed before papermill wrote it
    if write_index_page:
        write_index(reports)
    return reports / f"{name}.html"


def main(argv=None) -> int:
    """The command line ``python -m crmlab.reports``: see ``crmlab.reports.cli.main``.

    Parameters
    ----------
    argv : list of str, optional
        Command-line arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit status.
    """
    from .cli import main as cli_main

    return cli_main(argv)
