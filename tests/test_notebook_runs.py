"""The data-overview notebook: same parameters -> same numbers; runs on real and user data."""

import nbformat
import papermill as pm
import pytest

from crmlab import paths, synth

NB = paths.NOTEBOOKS_DIR / "00_data_overview.ipynb"


def execute(tmp_path, name, **params):
    out = tmp_path / f"{name}.ipynb"
    pm.execute_notebook(
        str(NB), str(out), parameters=params, kernel_name="python3", cwd=str(NB.parent), progress_bar=False
    )
    return nbformat.read(out, as_version=4)


def text_outputs(nb):
    """Every text output (tables, printed numbers, readings rendered as Markdown), figures left out.

    A cell's printed text is joined into one string: the kernel may deliver it in one or several
    stream messages, depending on timing.
    """
    texts = []
    for cell in nb.cells:
        printed = "".join(  # stdout only: a warning on stderr is not a result
            out["text"] for out in cell.get("outputs", []) if out.get("name") == "stdout"
        )
        if printed:
            texts.append(printed)
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if "text/markdown" in data:
                texts.append(data["text/markdown"])
            elif "text/plain" in data and " at 0x" not in data["text/plain"]:  # object reprs carry addresses
                texts.append(data["text/plain"])
    return texts


def test_two_runs_give_the_same_numbers(tmp_path):
    one = text_outputs(execute(tmp_path, "one", n_customers=1500, seed=4))
    two = text_outputs(execute(tmp_path, "two", n_customers=1500, seed=4))
    assert len(one) > 10
    assert one == two


def test_runs_on_cdnow(tmp_path):
    texts = "\n".join(text_outputs(execute(tmp_path, "cdnow", dataset="cdnow_sample")))
    assert "6,919 transaction rows, 2,357 customers" in texts
    assert "needs a customers table" in texts  # the breakdowns say why they are skipped
    assert "2,357 customers made their first purchase between January 1997 and March 1997" in texts


def test_runs_on_a_users_own_file(tmp_path):
    pop = synth.generate(800, seed=2)
    path = tmp_path / "my_shop.csv"
    pop.transactions[["customer_id", "date", "amount"]].to_csv(path, index=False)
    texts = "\n".join(text_outputs(execute(tmp_path, "own", dataset=str(path))))
    assert f"{len(pop.transactions):,} transaction rows" in texts
    buyers = pop.transactions["customer_id"].nunique()
    assert f"**Reading.** {buyers:,} customers made their first purchase" in texts  # from the user's file


def test_bad_user_file_fails_with_the_data_error(tmp_path):
    path = tmp_path / "broken.csv"
    path.write_text("cust;day;value\n1;2024-01-01;3\n")
    with pytest.raises(pm.PapermillExecutionError, match="semicolon-separated"):
        execute(tmp_path, "broken", dataset=str(path))


def test_a_report_built_with_a_key_shows_no_raw_id(tmp_path, monkeypatch):
    import re

    from crmlab import build

    raw_id = re.compile(r"\bS\d{6}\b")  # the synthetic population's ids: S000001 ...
    plain = build.run(NB, {"n_customers": 1500, "seed": 4}, reports_dir=tmp_path / "plain").read_text()
    assert raw_id.search(plain)  # without a key the ids show
    monkeypatch.setenv("CRMLAB_PSEUDONYM_KEY", "course secret")
    html = build.run(NB, {"n_customers": 1500, "seed": 4}, reports_dir=tmp_path / "reports").read_text()
    assert "course secret" not in html
    assert not raw_id.search(html)
    assert "pseudonymized" in html
