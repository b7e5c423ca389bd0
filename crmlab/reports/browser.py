"""Open built reports in headless Chromium: do they render, with their figures, without errors?

Uses Debian's ``chromium`` (``apt-get install chromium``; ``.ci/run`` installs it). Nothing
here is needed to build reports; it checks them and takes the screenshot of the index.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

__all__ = ["find_chromium", "render_check", "screenshot"]

_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
]


def find_chromium() -> str | None:
    """Path of a Chromium/Chrome binary (``CRMLAB_CHROMIUM`` overrides), or None.

    Returns
    -------
    str or None
        The binary found on the PATH, or None.
    """
    candidates = [os.environ.get("CRMLAB_CHROMIUM"), "chromium", "chromium-browser", "google-chrome"]
    for name in filter(None, candidates):
        path = shutil.which(name)
        if path:
            return path
    return None


def _run(args: list[str], timeout: int) -> subprocess.CompletedProcess:
    binary = find_chromium()
    if binary is None:
        raise FileNotFoundError(
            "no chromium found: install Debian's chromium package "
            "(apt-get install chromium) or set CRMLAB_CHROMIUM"
        )
    with tempfile.TemporaryDirectory(prefix="crmlab-chromium-") as profile:
        return subprocess.run(
            [binary, *_FLAGS, f"--user-data-dir={profile}", *args],
            capture_output=True,
            text=True,
            timeout=timeout,
        )


def render_check(html_path, timeout: int = 90) -> dict:
    """Load a report in headless Chromium and report what rendered.

    Returns ``{"title", "images", "images_loaded", "tables", "text_chars", "console"}``:
    images counts ``<img>`` elements, images_loaded those decoded with a non-zero width,
    console lists every console message (errors, failed resources) the page produced.
    The report is loaded in an iframe of a probe page that reads its DOM after load.

    Parameters
    ----------
    html_path : str or path
        The report.
    timeout : int
        Seconds Chromium may take.

    Returns
    -------
    dict
        title, images, images_loaded, tables, text_chars, console.
    """
    target = Path(html_path).resolve()
    with tempfile.TemporaryDirectory(prefix="crmlab-probe-") as tmp:
        probe = Path(tmp) / "probe.html"
        probe.write_text(
            "<!DOCTYPE html><html><body><iframe id='f' style='width:1280px;height:900px' src='"
            + target.as_uri()
            + "'></iframe><script>"
            "document.getElementById('f').addEventListener('load', function () {"
            " var d = document.getElementById('f').contentDocument;"
            " var imgs = Array.prototype.slice.call(d.images);"
            " var r = {title: d.title, images: imgs.length,"
            "  images_loaded: imgs.filter(function (i) { return i.complete && i.naturalWidth > 0; }).length,"
            "  tables: d.getElementsByTagName('table').length, text_chars: d.body.innerText.length};"
            " var out = document.createElement('pre'); out.id = 'crmlab-result';"
            " out.textContent = JSON.stringify(r); document.body.appendChild(out); });"
            "</script></body></html>"
        )
        done = _run(
            [
                "--allow-file-access-from-files",
                "--enable-logging=stderr",
                "--v=0",
                "--virtual-time-budget=15000",
                "--dump-dom",
                probe.as_uri(),
            ],
            timeout,
        )
    found = re.search(r'<pre id="crmlab-result">(.*?)</pre>', done.stdout, re.S)
    if not found:
        raise RuntimeError(f"chromium did not load {target} (exit {done.returncode}): {done.stderr[-800:]}")
    result = json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    result["console"] = [
        line for line in done.stderr.splitlines() if ":CONSOLE" in line and "probe.html" not in line
    ]
    return result


def screenshot(html_path, png_path, width: int = 1280, height: int = 1000, timeout: int = 90) -> Path:
    """Save a PNG screenshot of a page (written to a unique temporary name, then moved).

    Parameters
    ----------
    html_path : str or path
        The page.
    png_path : str or path
        Where the PNG goes.
    width, height : int
        Window size in pixels.
    timeout : int
        Seconds Chromium may take.

    Returns
    -------
    Path
        ``png_path``.
    """
    target, png = Path(html_path).resolve(), Path(png_path).resolve()
    png.parent.mkdir(parents=True, exist_ok=True)
    # a unique temporary name: two builds may take the screenshot at once
    tmp = png.with_name(f".{png.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp.png")
    try:
        done = _run(
            [
                f"--window-size={width},{height}",
                "--virtual-time-budget=5000",
                f"--screenshot={tmp}",
                target.as_uri(),
            ],
            timeout,
        )
        if not tmp.exists():
            raise RuntimeError(
                f"chromium took no screenshot of {target} (exit {done.returncode}): {done.stderr[-800:]}"
            )
        os.replace(tmp, png)
    finally:
        tmp.unlink(missing_ok=True)
    return png
