"""Build HTML reports from the notebooks: papermill to execute, nbconvert to render.

``python -m crmlab.reports run notebooks/00_data_overview.ipynb -p seed 7 [--tag s7]``
executes a notebook with papermill (cwd ``notebooks/``, kernel ``python3``), keeps the
executed copy in ``reports/executed/``, writes the research report (with code) to
``reports/<name>.html`` and the management report (no code) to
``reports/management/<name>.html``, records title, summary, parameters and build
time in ``reports/.meta/<name>.json`` and rewrites ``reports/index.html``.

Every file is written to a temporary name and moved into place only when the whole
build of that notebook succeeded, so a failing notebook leaves the last good report
intact; the failed executed notebook is kept as ``reports/executed/<name>.failed.ipynb``
and the command exits non-zero naming the notebook and the failing cell.
"""

from __future__ import annotations

import argparse
import datetime as dt
import html
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from .. import paths
from ..files import atomic_write_text

__all__ = ["run", "write_index", "parse_params", "notebook_parameters", "NotebookFailed", "main"]


TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"


class NotebookFailed(RuntimeError):
    """A notebook raised while executing; names the notebook and the cell."""


def _resolve(value: str):
    """papermill's CLI typing of ``-p name value``: bool, None, int, float, else str."""
    if value in ("True", "true"):
        return True
    if value in ("False", "false"):
        return False
    if value in ("None", "none", "null"):
        return None
    for cast in (int, float):
        try:
            return cast(value)
        except ValueError:
            pass
    return value


def parse_params(pairs: list[list[str]] | None) -> dict:
    """[["seed", "7"], ["dataset", "cdnow"]] -> {"seed": 7, "dataset": "cdnow"}."""
    return {name: _resolve(value) for name, value in (pairs or [])}


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


def notebook_parameters(nb) -> dict:
    """Default parameters: the literal assignments of the cell tagged ``parameters``."""
    import ast

    for cell in nb.cells:
        if cell.cell_type == "code" and "parameters" in cell.metadata.get("tags", []):
            values = {}
            for node in ast.parse(cell.source).body:
                if (
                    isinstance(node, ast.Assign)
                    and len(node.targets) == 1
                    and isinstance(node.targets[0], ast.Name)
                ):
                    values[node.targets[0].id] = ast.literal_eval(node.value)
            return values
    return {}


def _failing_cell(nb) -> tuple[int | None, str]:
    """Position (1-based, as in the source notebook) and first line of the cell that raised.

    Cells papermill adds (error banners, injected parameters) are not counted.
    """
    added = {"papermill-error-cell-tag", "injected-parameters"}
    position = 0
    for cell in nb.cells:
        if added & set(cell.metadata.get("tags", [])):
            continue
        position += 1
        if any(out.get("output_type") == "error" for out in cell.get("outputs", [])):
            first = cell.source.strip().splitlines()[0] if cell.source.strip() else ""
            return position, first
    return None, ""


def run(
    notebook,
    params: dict | None = None,
    tag: str | None = None,
    reports_dir=None,
    timeout: int | None = 1800,
    write_index_page: bool = True,
) -> Path:
    """Execute one notebook and write its reports atomically; returns the HTML path."""
    import nbformat
    import papermill as pm
    from nbconvert import HTMLExporter

    notebook = Path(notebook).resolve()
    reports = Path(reports_dir or paths.REPORTS_DIR).resolve()
    name = notebook.stem + (f"-{tag}" if tag else "")
    executed_dir, meta_dir = reports / "executed", reports / ".meta"
    for d in (executed_dir, meta_dir, reports / "management"):
        d.mkdir(parents=True, exist_ok=True)
    tmp_exec = executed_dir / f".{name}.running.ipynb"
    params = dict(params or {})
    started = time.time()
    try:
        pm.execute_notebook(
            str(notebook),
            str(tmp_exec),
            parameters=params,
            kernel_name="python3",
            cwd=str(notebook.parent),
            progress_bar=False,
            execution_timeout=timeout,
            log_output=False,
        )
    except Exception as exc:  # PapermillExecutionError, timeouts, dead kernels
        failed = executed_dir / f"{name}.failed.ipynb"
        cell, first_line = None, ""
        if tmp_exec.exists():
            os.replace(tmp_exec, failed)
            cell, first_line = _failing_cell(nbformat.read(failed, as_version=4))
        where = f"cell {cell} ({first_line!r})" if cell is not None else "setup"
        reason = f"{getattr(exc, 'ename', type(exc).__name__)}: {getattr(exc, 'evalue', exc)}"
        raise NotebookFailed(
            f"{notebook.name} failed at {where}: {reason}\n"
            f"  executed copy: {failed}\n  the previous report, if any, is unchanged: "
            f"{reports / (name + '.html')}"
        ) from exc

    nb = nbformat.read(tmp_exec, as_version=4)
    title, summary = _title_and_summary(nb)
    defaults = notebook_parameters(nbformat.read(notebook, as_version=4))
    template = {"template_name": "crmlab", "extra_template_basedirs": [str(TEMPLATES_DIR)]}
    full = HTMLExporter(**template)
    full_html, _ = full.from_notebook_node(nb, resources={"metadata": {"name": title or name}})
    manager = HTMLExporter(
        **template, exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True
    )
    manager_html, _ = manager.from_notebook_node(nb, resources={"metadata": {"name": title or name}})
    meta = {
        "name": name,
        "notebook": f"notebooks/{notebook.name}",
        "title": title or name,
        "summary": summary,
        "parameters": {**defaults, **params},
        "overrides": params,
        "tag": tag,
        "built": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "seconds": round(time.time() - started, 1),
    }
    # everything rendered: now move into place, the main HTML last
    os.replace(tmp_exec, executed_dir / f"{name}.ipynb")
    failed = executed_dir / f"{name}.failed.ipynb"
    if failed.exists():
        failed.unlink()
    atomic_write_text(meta_dir / f"{name}.json", json.dumps(meta, indent=2, default=str))
    atomic_write_text(reports / "management" / f"{name}.html", manager_html)
    atomic_write_text(reports / f"{name}.html", full_html)
    if write_index_page:
        write_index(reports)
    return reports / f"{name}.html"


_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f6f7f9;color:#1d2430}
header{background:#1f3a5f;color:#fff;padding:1.6rem 2rem}header h1{margin:0;font-size:1.7rem}
header p{margin:.3rem 0 0;opacity:.85}main{max-width:1100px;margin:1.5rem auto;padding:0 1rem}
.card{background:#fff;border:1px solid #dde2ea;border-radius:8px;padding:1rem 1.3rem;margin-bottom:1rem}
.card h2{margin:0 0 .3rem;font-size:1.15rem}.card h2 a{color:#1f3a5f;text-decoration:none}
.card h2 a:hover{text-decoration:underline}.summary{margin:.2rem 0 .6rem}
.meta{font-size:.85rem;color:#5a6577;line-height:1.9}.links a{margin-right:1rem;font-size:.9rem}
code{background:#eef1f5;border-radius:4px;padding:0 .3rem;font-size:.85rem;display:inline-block;line-height:1.4}
code.override{background:#ffe9b3}
footer{text-align:center;color:#7a8494;font-size:.8rem;padding:2rem}
"""


def write_index(reports_dir=None) -> Path:
    """Write ``reports/index.html`` listing every built report (title, summary, parameters, time)."""
    reports = Path(reports_dir or paths.REPORTS_DIR)
    metas = []
    for path in sorted((reports / ".meta").glob("*.json")):
        meta = json.loads(path.read_text())
        if (reports / f"{meta['name']}.html").exists():
            metas.append(meta)
    cards = []
    for m in metas:
        overrides = m.get("overrides", {})
        params = (
            ", ".join(
                ('<code class="override">' if k in overrides else "<code>")
                + f"{html.escape(str(k))}={html.escape(repr(v))}</code>"
                for k, v in m.get("parameters", {}).items()
            )
            or "none"
        )
        cards.append(
            f'<div class="card"><h2><a href="{html.escape(m["name"])}.html">{html.escape(m["title"])}</a></h2>'
            f'<p class="summary">{html.escape(m.get("summary", ""))}</p>'
            f'<p class="meta">Parameters: {params}</p>'
            f'<p class="meta">Built {html.escape(m["built"])} in {m.get("seconds", "?")} s from '
            f"<code>{html.escape(m['notebook'])}</code></p>"
            f'<p class="links"><a href="{html.escape(m["name"])}.html">research report (with code)</a>'
            f'<a href="management/{html.escape(m["name"])}.html">management report (no code)</a>'
            f'<a href="executed/{html.escape(m["name"])}.ipynb">executed notebook</a></p></div>'
        )
    page = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>crmlab reports</title><style>{_CSS}</style></head><body>"
        "<header><h1>crmlab reports</h1><p>Analytical CRM: profiling, segmentation, loyalty, "
        "the satisfaction trap and customer lifetime value.</p></header><main>"
        + ("".join(cards) or "<p>No reports built yet: run <code>make reports</code>.</p>")
        + f"</main><footer>Index written {dt.datetime.now().astimezone().isoformat(timespec='seconds')}"
        " by <code>python -m crmlab.reports</code></footer></body></html>"
    )
    atomic_write_text(reports / "index.html", page)
    return reports / "index.html"


def screenshot_index(reports_dir=None) -> Path | None:
    """``reports/index.png``, a screenshot of the index, where headless Chromium is installed.

    ``CRMLAB_SCREENSHOT=0`` turns it off (the tests of the Makefile do).
    """
    from . import browser

    reports = Path(reports_dir or paths.REPORTS_DIR)
    if os.environ.get("CRMLAB_SCREENSHOT", "1") == "0":
        return None
    if browser.find_chromium() is None:
        print("crmlab.reports: no chromium installed, so no screenshot of the index (apt-get install chromium)")
        return None
    try:
        return browser.screenshot(reports / "index.html", reports / "index.png")
    except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
        print(f"crmlab.reports: the index screenshot failed ({exc}); the reports are fine")
        return None


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crmlab.reports", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run", help="execute notebooks and write their reports")
    r.add_argument("notebooks", nargs="+", type=Path)
    r.add_argument(
        "-p",
        "--parameter",
        nargs=2,
        action="append",
        metavar=("NAME", "VALUE"),
        help="override a parameter (papermill style), repeatable",
    )
    r.add_argument("--tag", default=None, help="suffix for the report name, e.g. d15 -> 04_clv-d15.html")
    r.add_argument("--reports-dir", type=Path, default=None)
    r.add_argument("--timeout", type=int, default=1800, help="seconds per cell")
    i = sub.add_parser("index", help="rewrite reports/index.html")
    i.add_argument("--reports-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    if args.command == "index":
        print(write_index(args.reports_dir))
        screenshot_index(args.reports_dir)
        return 0
    params = parse_params(args.parameter)
    if args.tag and not re.fullmatch(r"[A-Za-z0-9_.-]+", args.tag):
        parser.error(f"--tag may hold letters, digits, '.', '_' and '-' only, not {args.tag!r}")
    failures = []
    for nb in args.notebooks:
        if not nb.exists():
            parser.error(f"no such notebook: {nb}")
        print(f"crmlab.reports: running {nb}" + (f" with {params}" if params else ""), flush=True)
        try:
            out = run(nb, params, tag=args.tag, reports_dir=args.reports_dir, timeout=args.timeout)
            print(f"crmlab.reports: wrote {out}", flush=True)
        except NotebookFailed as exc:
            print(f"crmlab.reports: ERROR: {exc}", file=sys.stderr, flush=True)
            failures.append(nb.name)
    screenshot_index(args.reports_dir)
    if failures:
        print(f"crmlab.reports: {len(failures)} notebook(s) failed: {', '.join(failures)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
