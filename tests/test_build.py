"""crmlab.reports.build: reports are written atomically; a failing notebook keeps the last good report."""

import json

import nbformat
import pytest

from crmlab.reports import build


def make_notebook(path, body="x = value * 2\nprint(x)", value=1):
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell(
                "# Tiny report\n\nA notebook for the build tests. Second sentence."
            ),
            nbformat.v4.new_code_cell(f"value = {value}"),
            nbformat.v4.new_code_cell(body),
        ]
    )
    nb.cells[1].metadata["tags"] = ["parameters"]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    nbformat.write(nb, path)
    return path


def test_parse_params_types_values_like_papermill():
    assert build.parse_params(
        [["seed", "7"], ["rate", "0.15"], ["dataset", "cdnow"], ["flag", "True"], ["none", "None"]]
    ) == {"seed": 7, "rate": 0.15, "dataset": "cdnow", "flag": True, "none": None}


def test_build_writes_reports_meta_and_index(tmp_path):
    nb = make_notebook(tmp_path / "tiny.ipynb")
    reports = tmp_path / "reports"
    html = build.run(nb, {"value": 21}, reports_dir=reports)
    text = html.read_text()
    code = '<span class="n">value</span>'  # the highlighted source of the code cell
    assert "<pre>42\n</pre>" in text and code in text
    management = (reports / "management" / "tiny.html").read_text()
    assert "<pre>42\n</pre>" in management and code not in management
    meta = json.loads((reports / ".meta" / "tiny.json").read_text())
    assert meta["title"] == "Tiny report"
    assert meta["summary"] == "A notebook for the build tests."
    assert meta["parameters"] == {"value": 21} and meta["overrides"] == {"value": 21}
    index = (reports / "index.html").read_text()
    assert "Tiny report" in index and 'href="tiny.html"' in index and "value=21" in index
    assert (reports / "executed" / "tiny.ipynb").exists()
    tagged = build.run(nb, {"value": 5}, tag="v5", reports_dir=reports)
    assert tagged.name == "tiny-v5.html" and "10" in tagged.read_text()
    assert 'href="tiny-v5.html"' in (reports / "index.html").read_text()


def test_failing_notebook_keeps_previous_report_and_names_the_cell(tmp_path):
    reports = tmp_path / "reports"
    nb = make_notebook(tmp_path / "tiny.ipynb")
    good = build.run(nb, {}, reports_dir=reports).read_text()
    make_notebook(nb, body="raise RuntimeError('boom in cell')")
    with pytest.raises(build.NotebookFailed) as info:
        build.run(nb, {}, reports_dir=reports)
    message = str(info.value)
    assert "tiny.ipynb failed at cell 3 (\"raise RuntimeError('boom in cell')\")" in message
    assert "RuntimeError: boom in cell" in message
    assert (reports / "tiny.html").read_text() == good
    assert (reports / "executed" / "tiny.failed.ipynb").exists()
    assert not list(reports.rglob("*.tmp")) and not list(reports.rglob(".*.running.ipynb"))


def test_cli_exits_non_zero_on_failure(tmp_path, capsys):
    nb = make_notebook(tmp_path / "bad.ipynb", body="1 / 0")
    code = build.main(["run", str(nb), "--reports-dir", str(tmp_path / "r")])
    assert code == 1
    err = capsys.readouterr().err
    assert "bad.ipynb failed at cell" in err and "ZeroDivisionError" in err


def test_notebook_parameters_reads_the_literal_defaults(tmp_path):
    nb = nbformat.read(make_notebook(tmp_path / "p.ipynb", value=3), as_version=4)
    assert build.notebook_parameters(nb) == {"value": 3}


def test_summary_joins_wrapped_lines_and_prefers_the_metadata():
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell(
                "# Title\n\nA **long** first sentence\nwrapped over lines. A second one.\n\nNext paragraph."
            )
        ]
    )
    assert build._title_and_summary(nb) == ("Title", "A long first sentence wrapped over lines.")
    nb.metadata["crmlab"] = {"summary": "Set by the author."}
    assert build._title_and_summary(nb) == ("Title", "Set by the author.")
