"""Every analysis notebook runs on every kind of named data set with only `dataset` changed.

Each notebook is executed with papermill on the synthetic population with a non-default seed and on
the CDNOW master file (transactions only: no customers, survey, promotions or costs). A run must
complete, its dates must come from the data, the sections whose tables are absent must say so in one
sentence, and the readings must be computed from the data it ran on (they quote its customer count,
not the default run's). Other parameters are only made smaller (population size, bootstrap
resamples, cluster range) to keep the runs short; the runs go two at a time.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat
import papermill as pm
import pytest

from crmlab import paths
from crmlab.datasets import load_dataset
from crmlab.narrative import holdout_split

NOTEBOOKS = [
    "00_data_overview",
    "01_segmentation",
    "02_loyalty_index",
    "03_satisfaction_trap",
    "04_clv",
    "05_promotion_and_product",
    "06_prospecting_and_churn",
    "07_customer_credit",
    "08_customer_base",
]
SYNTHETIC = {"seed": 7, "n_customers": 1500}
SMALLER = {  # only sizes change, never dates or the data set
    "01_segmentation": {"k_max": 5},
    "03_satisfaction_trap": {"n_boot": 40, "n_customers": 3000},  # enough respondents for the survey sections
    "08_customer_base": {"n_draws": 50},
}
SKIPPED = "Not in this data set"


def _params(notebook: str, dataset: str) -> dict:
    params = {"dataset": dataset, **SMALLER.get(notebook, {})}
    if dataset == "synthetic":
        params = {**SYNTHETIC, **params, **SMALLER.get(notebook, {})}
    else:
        params.pop("n_customers", None)
    return params


def _execute(job: tuple[str, str, str]) -> str:
    notebook, dataset, out_dir = job
    out = Path(out_dir) / f"{notebook}.{Path(dataset).stem}.ipynb"
    pm.execute_notebook(
        str(paths.NOTEBOOKS_DIR / f"{notebook}.ipynb"),
        str(out),
        parameters=_params(notebook, dataset),
        kernel_name="python3",
        cwd=str(paths.NOTEBOOKS_DIR),
        progress_bar=False,
    )
    return str(out)


MAPPED = {"customer_id": "household_id", "date": "transaction_timestamp", "amount": "sales_value"}


def _write_shop_spec(folder: Path) -> Path:
    """A user's export with its own column names (no customers, survey or costs) and its data spec."""
    tx = load_dataset("synthetic", seed=3, n_customers=1200).transactions
    export = tx[["customer_id", "date", "amount", "order_id", "product"]].rename(
        columns={**MAPPED, "order_id": "basket_id", "product": "product_id"}
    )
    export.to_csv(folder / "transactions_export.csv", index=False)
    spec = folder / "shop.toml"
    spec.write_text(
        '[dataset]\nname = "shop"\n\n[transactions]\npath = "transactions_export.csv"\n'
        'columns = { customer_id = "household_id", date = "transaction_timestamp", '
        'amount = "sales_value", order_id = "basket_id", product = "product_id" }\n'
    )
    return spec


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict:
    """Execute every notebook on cdnow, synthetic and a user's spec once, two at a time; a failed
    run is kept as its exception (keyed by "spec" for the spec file)."""
    out_dir = tmp_path_factory.mktemp("notebooks_on_datasets")
    spec = str(_write_shop_spec(out_dir))
    names = {"cdnow": "cdnow", "synthetic": "synthetic", "spec": spec}
    jobs = [(nb, key, names[key], str(out_dir)) for key in names for nb in NOTEBOOKS]
    results = {}
    with ProcessPoolExecutor(max_workers=2) as pool:
        futures = {(nb, key): pool.submit(_execute, (nb, ds, d)) for nb, key, ds, d in jobs}
        for key, future in futures.items():
            try:
                results[key] = nbformat.read(future.result(), as_version=4)
            except Exception as exc:  # noqa: BLE001 - reported by the test of that run
                results[key] = exc
    return results


def _texts(nb) -> tuple[str, list[str]]:
    """All printed text and the Markdown the notebook rendered from its results."""
    printed, rendered = [], []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                printed.append(out["text"])
            data = out.get("data", {})
            if "text/markdown" in data:
                rendered.append(data["text/markdown"])
            elif "text/plain" in data:
                printed.append(data["text/plain"])
    return "\n".join(printed), rendered


def _run(runs, notebook, dataset):
    result = runs[(notebook, dataset)]
    if isinstance(result, Exception):
        pytest.fail(f"{notebook} on {dataset} failed: {result}")
    return _texts(result)


@pytest.fixture(scope="module")
def customers() -> dict:
    """Customer counts of the data sets the notebooks ran on."""
    count = {"cdnow": load_dataset("cdnow").transactions["customer_id"].nunique()}
    for n in (SYNTHETIC["n_customers"], SMALLER["03_satisfaction_trap"]["n_customers"]):
        pop = load_dataset("synthetic", seed=SYNTHETIC["seed"], n_customers=n)
        count[n] = pop.transactions["customer_id"].nunique()
    return count


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_runs_on_cdnow_and_says_what_is_missing(runs, customers, notebook):
    printed, rendered = _run(runs, notebook, "cdnow")
    readings = [r for r in rendered if r.startswith("**Reading.**")]
    skipped = [r for r in rendered if r.startswith(f"**{SKIPPED}, skipped:**")]
    assert skipped, f"{notebook}: CDNOW lacks tables, but no section said so"
    assert all(". " not in r.rstrip(".") for r in skipped), "each missing-data note is one sentence"
    assert readings, f"{notebook}: no reading computed on CDNOW"
    n = f"{customers['cdnow']:,}"
    if notebook == "03_satisfaction_trap":  # no survey: only the real-data section reads
        assert any("ecsi_mobi" in r and "bank" in r for r in readings)
        assert "needs a survey table" in skipped[0]
    else:
        assert n in printed + "\n".join(readings), f"{notebook}: the CDNOW customer count {n} is not shown"
    assert "2025" not in "\n".join(readings)  # nothing read from the synthetic default run


def test_cdnow_readings_quote_cdnow(runs, customers):
    n = f"{customers['cdnow']:,}"
    _, overview = _run(runs, "00_data_overview", "cdnow")
    assert any(
        r.startswith(f"**Reading.** {n} customers made their first purchase between January 1997")
        for r in overview
    )
    printed, clv = _run(runs, "04_clv", "cdnow")
    assert "calibration to 1997-09-30, holdout to 1998-06-30" in printed  # the published split, from the data
    btyd = [r for r in clv if "BG/NBD fits the calibration data" in r]
    assert len(btyd) == 1 and f"On {n} customers (cdnow)" in btyd[0] and "39-week holdout" in btyd[0]
    assert any("two complete years" in r for r in clv)  # 18 months: Kotler's yearly retention is skipped


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_runs_on_synthetic_with_another_seed(runs, customers, notebook):
    printed, rendered = _run(runs, notebook, "synthetic")
    readings = [r for r in rendered if r.startswith("**Reading.**")]
    assert not [r for r in rendered if SKIPPED in r], f"{notebook}: the synthetic population has every table"
    assert len(readings) >= 4, f"{notebook}: only {len(readings)} readings"
    if notebook == "07_customer_credit":  # about the business accounts, not the consumers
        assert "1,000 business accounts" in "\n".join(readings)
        return
    n = customers[_params(notebook, "synthetic")["n_customers"]]
    assert f"{n:,}" in printed + "\n".join(readings), f"{notebook}: the customer count {n:,} is not shown"


def test_synthetic_readings_follow_the_data(runs, customers):
    n = customers[SYNTHETIC["n_customers"]]
    _, overview = _run(runs, "00_data_overview", "synthetic")
    assert any(r.startswith(f"**Reading.** {n:,} customers made their first purchase") for r in overview)
    _, clv = _run(runs, "04_clv", "synthetic")
    btyd = next(r for r in clv if "BG/NBD fits the calibration data" in r)
    tx = load_dataset("synthetic", **SYNTHETIC).transactions
    calibration_end, _ = holdout_split(tx["date"])  # three years of data: the last 39 weeks are the holdout
    fitted = int((tx.groupby("customer_id")["date"].min() <= calibration_end).sum())
    assert f"On {fitted:,} customers (synthetic)" in btyd and "39-week holdout" in btyd


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_runs_on_a_users_spec_with_its_own_column_names(runs, notebook):
    """A TOML data spec mapping household_id / transaction_timestamp / sales_value: every notebook
    builds, says what the export lacks, and its readings quote the export's own customer count."""
    printed, rendered = _run(runs, notebook, "spec")
    readings = [r for r in rendered if r.startswith("**Reading.**")]
    assert [r for r in rendered if r.startswith(f"**{SKIPPED}, skipped:**")], (
        f"{notebook}: nothing said missing"
    )
    assert readings, f"{notebook}: no reading computed on the user's data"
    if notebook == "04_clv":  # its BTYD reading counts the customers of the calibration period
        assert any("BG/NBD fits the calibration data" in r and "(shop)" in r for r in readings)
    elif notebook != "03_satisfaction_trap":  # no survey: only the real-data section reads
        n = load_dataset("synthetic", seed=3, n_customers=1200).transactions["customer_id"].nunique()
        assert f"{n:,}" in printed + "\n".join(readings), (
            f"{notebook}: the export's {n:,} customers not shown"
        )
