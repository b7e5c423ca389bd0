"""`make reports` re-executes a notebook only when it, crmlab, the data or its PARAMS changed."""

import os
import shutil
import subprocess
import time

import pytest
from test_build import make_notebook  # tests/ is on sys.path (no __init__.py)

from crmlab import paths

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs GNU make")


ENV = {**os.environ, "CRMLAB_SCREENSHOT": "0"}  # the browser tests cover the screenshot


def make(*args):
    done = subprocess.run(
        ["make", "--no-print-directory", "-C", str(paths.PROJECT_ROOT), *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=ENV,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_unchanged_notebooks_are_not_rebuilt(tmp_path):
    notebooks, reports = tmp_path / "nb", tmp_path / "rep"
    notebooks.mkdir()
    first = make_notebook(notebooks / "10_first.ipynb")
    make_notebook(notebooks / "11_second.ipynb", value=2)
    where = [f"NOTEBOOK_DIR={notebooks}", f"REPORT_DIR={reports}"]

    out = make("reports", *where)
    assert out.count("crmlab.reports run") == 2
    built = {p.name: p.stat().st_mtime_ns for p in reports.glob("*.html")}
    assert set(built) == {"10_first.html", "11_second.html", "index.html"}

    assert "crmlab.reports run" not in make("reports", *where)  # nothing changed: nothing runs
    assert {p.name: p.stat().st_mtime_ns for p in reports.glob("*.html")} == built

    time.sleep(1.1)  # a newer mtime than the report
    make_notebook(first, value=5)
    out = make("reports", *where)
    assert "10_first.ipynb" in out and "11_second.ipynb" not in out

    out = make("reports", *where, "PARAMS=-p value 7")  # new parameters: both re-run
    assert out.count("crmlab.reports run") == 2
    assert "14" in (reports / "11_second.html").read_text()
    out = make("reports", *where)  # back to defaults: both re-run
    assert out.count("crmlab.reports run") == 2


def test_a_failing_notebook_fails_make_but_not_the_others(tmp_path):
    notebooks, reports = tmp_path / "nb", tmp_path / "rep"
    notebooks.mkdir()
    bad = make_notebook(notebooks / "20_bad.ipynb")
    make_notebook(notebooks / "21_good.ipynb")
    where = [f"NOTEBOOK_DIR={notebooks}", f"REPORT_DIR={reports}"]
    make("reports", *where)
    previous = (reports / "20_bad.html").read_text()

    time.sleep(1.1)
    make_notebook(bad, body="raise ValueError('broken on purpose')")
    make_notebook(notebooks / "21_good.ipynb", value=4)
    done = subprocess.run(
        ["make", "--no-print-directory", "-C", str(paths.PROJECT_ROOT), "reports", *where],
        capture_output=True,
        text=True,
        timeout=300,
        env=ENV,
    )
    assert done.returncode != 0
    assert "20_bad.ipynb failed at cell 3" in done.stderr and "ValueError: broken on purpose" in done.stderr
    assert (reports / "20_bad.html").read_text() == previous  # the last good report stays
    assert "<pre>8\n</pre>" in (reports / "21_good.html").read_text()  # the other notebook was rebuilt
