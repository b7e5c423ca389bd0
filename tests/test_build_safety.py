"""`make reports` is safe: privacy is a build input, concurrent and interrupted builds lose nothing,
and the index marks a notebook whose last build failed.

The make-level tests run the real Makefile on tiny notebooks in temporary folders
(NOTEBOOK_DIR / REPORT_DIR), as tests/test_incremental.py does.
"""

import hashlib
import hmac
import json
import os
import re
import shutil
import signal
import subprocess
import time

import nbformat
import pytest
from test_build import make_notebook  # tests/ is on sys.path (no __init__.py)

from crmlab import datasets, paths
from crmlab.reports import build, index, params

needs_make = pytest.mark.skipif(shutil.which("make") is None, reason="needs GNU make")

KEY = "Kq7-course-secret-19"  # distinctive, so a leak anywhere is found
BASE_ENV = {k: v for k, v in os.environ.items() if k != build.PSEUDONYM_KEY_ENV}
BASE_ENV["CRMLAB_SCREENSHOT"] = "0"  # the browser tests cover the screenshot
RAW_IDS = re.compile(r"CUSTQ\d{2}|ORDZ\d{3}")


def make(*args, env=None):
    """Run make on the project's Makefile; returns the CompletedProcess (not checked)."""
    return subprocess.run(
        ["make", "--no-print-directory", "-C", str(paths.PROJECT_ROOT), *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=env or BASE_ENV,
    )


def where(tmp_path):
    notebooks, reports = tmp_path / "nb", tmp_path / "rep"
    notebooks.mkdir(exist_ok=True)
    # CRMLAB_SOURCES empty: whether an edit of crmlab/ rebuilds is test_incremental's matter, and a
    # developer editing crmlab/ while these tests run must not make them flaky
    return notebooks, reports, [f"NOTEBOOK_DIR={notebooks}", f"REPORT_DIR={reports}", "CRMLAB_SOURCES="]


def leftovers(reports):
    """Temporary files a build left behind."""
    return sorted(str(p) for p in reports.rglob("*") if ".running" in p.name or p.name.endswith(".tmp"))


# ----------------------------------------------------------------------------- privacy


def test_the_stamp_changes_with_the_key_and_never_holds_it(monkeypatch):
    monkeypatch.delenv(build.PSEUDONYM_KEY_ENV, raising=False)
    plain = build.params_stamp({"seed": 7})
    assert plain == 'params: {"seed": 7}\nids: raw\n'
    monkeypatch.setenv(build.PSEUDONYM_KEY_ENV, KEY)
    keyed = build.params_stamp({"seed": 7})
    fingerprint = hmac.new(KEY.encode(), params._FINGERPRINT_LABEL, hashlib.sha256).hexdigest()[:12]
    assert keyed == f'params: {{"seed": 7}}\nids: pseudonymized {fingerprint}\n'
    assert KEY not in keyed and build.params_stamp({"seed": 7}) == keyed  # stable for a key
    monkeypatch.setenv(build.PSEUDONYM_KEY_ENV, KEY + "x")
    assert build.params_stamp({"seed": 7}) not in (plain, keyed)  # another key: out of date
    assert build.PSEUDONYM_KEY_ENV == datasets.PSEUDONYM_KEY_ENV  # the variable load_dataset reads


def test_the_stamp_is_rewritten_only_when_it_changes(tmp_path, monkeypatch):
    monkeypatch.delenv(build.PSEUDONYM_KEY_ENV, raising=False)
    stamp = tmp_path / ".params" / "x"
    assert build.write_params_stamp(stamp, {"seed": 1}) is True
    assert build.write_params_stamp(stamp, {"seed": 1}) is False
    monkeypatch.setenv(build.PSEUDONYM_KEY_ENV, KEY)
    assert build.write_params_stamp(stamp, {"seed": 1}) is True
    assert "pseudonymized" in stamp.read_text() and KEY not in stamp.read_text()


def ids_notebook(path, csv):
    """A notebook showing a transactions file's customer and order ids (table and print)."""
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("# Ids\n\nShows every id of a small shop."),
            nbformat.v4.new_code_cell(f"dataset = {str(csv)!r}"),
            nbformat.v4.new_code_cell(
                "from crmlab.datasets import load_dataset\n"
                "ds = load_dataset(dataset)\n"
                "print(ds.transactions.to_string())\n"
                "ds.transactions"
            ),
        ]
    )
    nb.cells[1].metadata["tags"] = ["parameters"]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)


@needs_make
def test_a_key_on_a_built_tree_rebuilds_every_report_pseudonymized(tmp_path):
    notebooks, reports, dirs = where(tmp_path)
    csv = tmp_path / "shop.csv"
    rows = [f"CUSTQ{10 + i % 3},ORDZ{100 + i},2024-01-{1 + i:02d},{5 + i}.50" for i in range(6)]
    csv.write_text("customer_id,order_id,date,amount\n" + "\n".join(rows) + "\n")
    ids_notebook(notebooks / "30_ids.ipynb", csv)
    make_notebook(notebooks / "31_other.ipynb")

    done = make("reports", *dirs)  # a tree built without the key shows the raw ids
    assert done.returncode == 0, done.stdout + done.stderr
    plain = (reports / "30_ids.html").read_text()
    assert "CUSTQ10" in plain and "ORDZ100" in plain

    keyed = {**BASE_ENV, build.PSEUDONYM_KEY_ENV: KEY}
    done = make("reports", *dirs, env=keyed)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("crmlab.reports run") == 2  # every report rebuilt, not only the one with ids
    for page in ("30_ids.html", "management/30_ids.html"):
        text = (reports / page).read_text()
        for raw in ("CUSTQ10", "ORDZ100"):  # the pseudonyms are HMAC-SHA256(key, id)[:16]
            assert hmac.new(KEY.encode(), raw.encode(), hashlib.sha256).hexdigest()[:16] in text
    files = [p for p in reports.rglob("*") if p.is_file()]
    assert {"30_ids.ipynb", "index.html", "30_ids.json"} <= {p.name for p in files}
    for path in files:  # HTML, management HTML, executed notebooks, index, metadata, stamps
        text = path.read_text(errors="replace")
        assert not RAW_IDS.search(text), f"raw id in {path}"
        assert KEY not in text, f"the key in {path}"
    assert KEY not in done.stdout + done.stderr
    assert (reports / "index.html").read_text().count("ids pseudonymized") == 2

    done = make("reports", *dirs, env=keyed)  # same key again: nothing to do
    assert done.returncode == 0 and "crmlab.reports run" not in done.stdout


# ----------------------------------------------------------------------------- concurrency


@needs_make
def test_two_concurrent_builds_both_succeed_and_leave_every_report(tmp_path):
    notebooks, reports, dirs = where(tmp_path)
    make_notebook(notebooks / "40_a.ipynb", body="import time\ntime.sleep(1)\nprint(value * 2)", value=3)
    make_notebook(notebooks / "41_b.ipynb", value=4)
    command = ["make", "--no-print-directory", "-C", str(paths.PROJECT_ROOT), "reports", *dirs]
    builds = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=BASE_ENV)
        for _ in range(2)
    ]
    outputs = [b.communicate(timeout=300) for b in builds]
    for b, (out, err) in zip(builds, outputs):
        assert b.returncode == 0, out + err
    assert "<pre>6\n</pre>" in (reports / "40_a.html").read_text()
    assert "<pre>8\n</pre>" in (reports / "41_b.html").read_text()
    for name in ("40_a", "41_b"):
        assert (reports / "management" / f"{name}.html").exists()
        assert (reports / "executed" / f"{name}.ipynb").exists()
        assert f'href="{name}.html"' in (reports / "index.html").read_text()
    assert leftovers(reports) == []


# ----------------------------------------------------------------------------- interrupts


def _wait_until_the_cell_runs(reports, build_process, deadline=120):
    """Until papermill marks the notebook's last cell as running (the kernel is in the cell)."""
    start = time.monotonic()
    while time.monotonic() - start < deadline:
        assert build_process.poll() is None, build_process.communicate()
        for running in (reports / "executed").glob(".*.running.ipynb"):
            try:
                cells = json.loads(running.read_text())["cells"]
            except (OSError, ValueError):  # papermill is rewriting it
                continue
            if cells[-1]["metadata"].get("papermill", {}).get("status") == "running":
                return
        time.sleep(0.1)
    raise AssertionError("the notebook never started its last cell")


@needs_make
def test_an_interrupted_build_cleans_up_and_keeps_the_previous_report(tmp_path):
    notebooks, reports, dirs = where(tmp_path)
    slow = make_notebook(
        notebooks / "50_slow.ipynb", body="import time\ntime.sleep(value)\nprint('slept')", value=0
    )
    build.run(slow, reports_dir=reports)  # the previous good report (in-process: faster)
    previous = {p: (reports / p).read_bytes() for p in ("50_slow.html", "executed/50_slow.ipynb")}

    make_notebook(slow, body="import time\ntime.sleep(value)\nprint('slept')", value=300)
    command = ["make", "--no-print-directory", "-C", str(paths.PROJECT_ROOT), "reports", *dirs]
    scratch = tmp_path / "tmp"  # the build's TMPDIR: the kernel's sockets and connection file
    scratch.mkdir()
    for signum in (signal.SIGTERM, signal.SIGINT):
        running = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**BASE_ENV, "TMPDIR": str(scratch)},
            start_new_session=True,
        )
        _wait_until_the_cell_runs(reports, running)
        os.killpg(running.pid, signum)  # as Ctrl-C or a stopping CI job does: the whole process group
        out, err = running.communicate(timeout=120)
        assert running.returncode != 0
        assert f"crmlab.reports: interrupted ({signum.name}): temporary files removed" in err
        assert "Traceback" not in out + err and "KeyboardInterrupt" not in out + err
        assert leftovers(reports) == [] and list(scratch.iterdir()) == []
        assert {p: (reports / p).read_bytes() for p in previous} == previous


# ----------------------------------------------------------------------------- failures


@needs_make
def test_a_failed_build_is_marked_in_the_index_and_deletes_no_report(tmp_path):
    notebooks, reports, dirs = where(tmp_path)
    nb = make_notebook(notebooks / "60_flaky.ipynb")
    report = build.run(nb, reports_dir=reports)  # the previous good report (in-process: faster)
    previous = report.read_text()
    built = json.loads((reports / ".meta" / "60_flaky.json").read_text())["built"]

    # this build rewrites the report as a concurrent build would, then fails: make's
    # .DELETE_ON_ERROR would delete that report (its mtime changed during the recipe)
    touch = f"import pathlib\np = pathlib.Path({str(report)!r})\np.write_text(p.read_text())"
    make_notebook(nb, body=touch + "\nraise ValueError('broken on purpose')")
    done = make("reports", *dirs)
    assert done.returncode != 0
    assert "60_flaky.ipynb failed at cell 3" in done.stderr
    assert report.read_text() == previous  # still there, still the last good one

    failure = json.loads((reports / ".meta" / "failed" / "60_flaky.json").read_text())
    assert failure["cell"] == 3 and failure["error"] == "ValueError: broken on purpose"
    page = (reports / "index.html").read_text()
    assert f"<strong>Last build failed</strong> {failure['failed']} at cell 3" in page
    assert "ValueError: broken on purpose" in page
    assert f"The report shown is the previous good one, built {built}." in page
    assert (
        'href="executed/60_flaky.failed.ipynb"' in page
        and (reports / "executed/60_flaky.failed.ipynb").exists()
    )
    assert leftovers(reports) == []

    make_notebook(nb, value=5)  # fixed: the mark goes
    build.run(nb, reports_dir=reports)
    assert "Last build failed" not in (reports / "index.html").read_text()
    assert not (reports / ".meta" / "failed" / "60_flaky.json").exists()
    assert not (reports / "executed/60_flaky.failed.ipynb").exists()


def test_the_index_marks_a_notebook_that_never_built(tmp_path):
    (tmp_path / ".meta" / "failed").mkdir(parents=True)
    record = {
        "name": "70_new",
        "notebook": "notebooks/70_new.ipynb",
        "title": "New analysis",
        "summary": "Not yet working.",
        "failed": "2026-01-02T03:04:05+00:00",
        "cell": None,
        "source": "",
        "error": "DeadKernelError: Kernel died",
        "executed": None,
    }
    (tmp_path / ".meta" / "failed" / "70_new.json").write_text(json.dumps(record))
    page = index.write_index(tmp_path).read_text()
    assert "<h2>New analysis</h2>" in page
    assert (
        "<strong>Last build failed</strong> 2026-01-02T03:04:05+00:00 before the first cell ran: "
        "DeadKernelError: Kernel died. There is no good report of this notebook yet." in page
    )
    assert "No reports built yet" not in page


def test_a_kernel_that_dies_is_named_with_its_cell(tmp_path):
    reports = tmp_path / "rep"
    nb = make_notebook(tmp_path / "80_dies.ipynb", body="import os\nos._exit(3)")
    with pytest.raises(
        build.NotebookFailed, match=r"80_dies.ipynb failed at cell 3 \('import os'\): DeadKernelError"
    ):
        build.run(nb, reports_dir=reports)
    failure = json.loads((reports / ".meta" / "failed" / "80_dies.json").read_text())
    assert (failure["cell"], failure["source"]) == (3, "import os")
    page = (reports / "index.html").read_text()
    assert "at cell 3 (<code>import os</code>): DeadKernelError" in page
    assert "There is no good report of this notebook yet." in page
    assert leftovers(reports) == []
