"""``reports/index.html``: one card per report, with the mark of a failed last build.

The index lists every report that has a good build (title, summary, parameters, whether ids
are pseudonymized, build time, links to the research and management reports and the executed
notebook). When the last build of a notebook failed, its card says so -- when, at which cell,
with which error -- and that the report shown is the previous good one; a notebook that never
built gets a card with the failure only.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import os
import subprocess
from pathlib import Path

from .. import paths
from ..files import atomic_write_text

__all__ = ["write_index", "screenshot_index"]

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;
background:#f6f7f9;color:#1d2430}
header{background:#1f3a5f;color:#fff;padding:1.6rem 2rem}header h1{margin:0;font-size:1.7rem}
header p{margin:.3rem 0 0;opacity:.85}main{max-width:1100px;margin:1.5rem auto;padding:0 1rem}
.card{background:#fff;border:1px solid #dde2ea;border-radius:8px;padding:1rem 1.3rem;margin-bottom:1rem}
.card h2{margin:0 0 .3rem;font-size:1.15rem}.card h2 a{color:#1f3a5f;text-decoration:none}
.card h2 a:hover{text-decoration:underline}.summary{margin:.2rem 0 .6rem}
.meta{font-size:.85rem;color:#5a6577;line-height:1.9}.links a{margin-right:1rem;font-size:.9rem}
code{background:#eef1f5;border-radius:4px;padding:0 .3rem;font-size:.85rem;
display:inline-block;line-height:1.4}
code.override{background:#ffe9b3}
.failed{background:#fdecea;border-left:4px solid #b3261e;border-radius:4px;
padding:.5rem .8rem;margin:.4rem 0 .6rem;font-size:.9rem}
footer{text-align:center;color:#7a8494;font-size:.8rem;padding:2rem}
"""


def _read_records(folder: Path) -> dict[str, dict]:
    return {
        (record := json.loads(path.read_text()))["name"]: record for path in sorted(folder.glob("*.json"))
    }


def _parameters(meta: dict) -> str:
    overrides = meta.get("overrides", {})
    cells = [
        ('<code class="override">' if k in overrides else "<code>")
        + f"{html.escape(str(k))}={html.escape(repr(v))}</code>"
        for k, v in meta.get("parameters", {}).items()
    ]
    return ", ".join(cells) or "none"


def _failure_mark(failure: dict, meta: dict | None) -> str:
    """'Last build failed <when> at cell <n> (<code>): <error>.' and what the card shows instead."""
    cell = failure.get("cell")
    where = (
        f"at cell {cell} (<code>{html.escape(failure.get('source', ''))}</code>)"
        if cell is not None
        else "before the first cell ran"
    )
    shown = (
        f"The report shown is the previous good one, built {html.escape(meta['built'])}."
        if meta is not None
        else "There is no good report of this notebook yet."
    )
    executed = failure.get("executed")
    link = f' <a href="{html.escape(executed)}">failed executed notebook</a>' if executed else ""
    return (
        f'<p class="failed"><strong>Last build failed</strong> {html.escape(failure["failed"])} {where}: '
        f"{html.escape(failure.get('error', ''))}. {shown}{link}</p>"
    )


def _card(meta: dict | None, failure: dict | None) -> str:
    """One report's card; ``meta`` is None for a notebook whose every build failed."""
    mark = _failure_mark(failure, meta) if failure is not None else ""
    if meta is None:
        return (
            f'<div class="card"><h2>{html.escape(failure["title"])}</h2>'
            f'<p class="summary">{html.escape(failure.get("summary", ""))}</p>{mark}'
            f'<p class="meta">From <code>{html.escape(failure["notebook"])}</code></p></div>'
        )
    name = html.escape(meta["name"])
    ids = {"pseudonymized": " · ids pseudonymized", "raw": " · ids as in the data"}.get(meta.get("ids"), "")
    return (
        f'<div class="card"><h2><a href="{name}.html">{html.escape(meta["title"])}</a></h2>'
        f'<p class="summary">{html.escape(meta.get("summary", ""))}</p>{mark}'
        f'<p class="meta">Parameters: {_parameters(meta)}{ids}</p>'
        f'<p class="meta">Built {html.escape(meta["built"])} in {meta.get("seconds", "?")} s from '
        f"<code>{html.escape(meta['notebook'])}</code></p>"
        f'<p class="links"><a href="{name}.html">research report (with code)</a>'
        f'<a href="management/{name}.html">management report (no code)</a>'
        f'<a href="executed/{name}.ipynb">executed notebook</a></p></div>'
    )


def write_index(reports_dir=None) -> Path:
    """Write ``reports/index.html`` listing every built report and every failed last build.

    Parameters
    ----------
    reports_dir : path, optional
        Default ``reports/`` of the project; reads ``.meta/*.json`` and ``.meta/failed/*.json``.

    Returns
    -------
    Path
        The index, written atomically (concurrent builds may both write it).
    """
    reports = Path(reports_dir or paths.REPORTS_DIR)
    metas = {
        name: meta
        for name, meta in _read_records(reports / ".meta").items()
        if (reports / f"{name}.html").exists()
    }
    failures = _read_records(reports / ".meta" / "failed")
    cards = [_card(metas.get(name), failures.get(name)) for name in sorted(set(metas) | set(failures))]
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

    Parameters
    ----------
    reports_dir : str or path, optional
        The reports folder (default: the project's ``reports/``).

    Returns
    -------
    Path or None
        The PNG, or None when there is no Chromium, it is turned off, or Chromium failed.
    """
    from . import browser

    reports = Path(reports_dir or paths.REPORTS_DIR)
    if os.environ.get("CRMLAB_SCREENSHOT", "1") == "0":
        return None
    if browser.find_chromium() is None:
        print(
            "crmlab.reports: no chromium installed, so no screenshot of the index (apt-get install chromium)"
        )
        return None
    try:
        return browser.screenshot(reports / "index.html", reports / "index.png")
    except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
        print(f"crmlab.reports: the index screenshot failed ({exc}); the reports are fine")
        return None
