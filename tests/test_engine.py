"""crmlab.engine: the per-customer summary computed in DuckDB / PostgreSQL equals the pandas path."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import crmlab
from crmlab import cohorts, engine, rfm
from crmlab.data import CRMDataError, load_cdnow

COLUMNS = ["frequency", "recency", "T", "monetary_value"]
HOLDOUT = COLUMNS + ["frequency_holdout", "monetary_value_holdout", "duration_holdout"]


def assert_same(pandas_summary: pd.DataFrame, engine_summary: pd.DataFrame, columns=COLUMNS):
    a = pandas_summary.copy()
    a.index = a.index.astype(str)
    b = engine_summary.copy()
    b.index = b.index.astype(str)
    a, b = a.sort_index(), b.sort_index()
    assert list(a.index) == list(b.index)
    for c in columns:
        np.testing.assert_allclose(
            b[c].to_numpy(float), a[c].to_numpy(float), rtol=1e-9, atol=1e-9, err_msg=c
        )


@pytest.fixture(scope="module")
def cdnow():
    return load_cdnow("sample")


def test_engine_equals_pandas_on_cdnow_with_and_without_holdout(cdnow):
    assert_same(rfm.rfm_summary(cdnow), engine.rfm_summary(cdnow))
    kwargs = {"observation_end": "1998-06-30", "calibration_end": "1997-09-30"}
    expected = rfm.rfm_summary(cdnow, **kwargs)
    got = engine.rfm_summary(cdnow, **kwargs)
    assert_same(expected, got, HOLDOUT)
    # the published CDNOW sample figures: 2,357 customers, 1,411 without a repeat purchase
    assert len(got) == 2357 and int((got["frequency"] == 0).sum()) == 1411


@pytest.mark.parametrize("unit", ["D", "W", "M", "Y"])
def test_engine_equals_pandas_on_the_synthetic_population(population, unit):
    tx = population.transactions
    kwargs = {"time_unit": unit, "calibration_end": "2025-03-31"}
    assert_same(rfm.rfm_summary(tx, **kwargs), engine.rfm_summary(tx, **kwargs), HOLDOUT)


def test_engine_reads_parquet_files_globs_and_csv_out_of_core(population, tmp_path):
    tx = population.transactions[["customer_id", "date", "amount"]]
    expected = rfm.rfm_summary(tx)
    one = tmp_path / "tx.parquet"
    tx.to_parquet(one)
    assert_same(expected, engine.rfm_summary(one))
    parts = tmp_path / "parts"
    parts.mkdir()
    for i, chunk in enumerate(np.array_split(np.arange(len(tx)), 4)):
        tx.iloc[chunk].to_parquet(parts / f"part-{i}.parquet")
    assert_same(expected, engine.rfm_summary(str(parts / "*.parquet")))
    csv = tmp_path / "tx.csv"
    tx.to_csv(csv, index=False)
    assert_same(expected, engine.rfm_summary(csv))


def test_column_mapping_and_lazy_result(population, tmp_path):
    tx = population.transactions.rename(
        columns={"customer_id": "household_id", "date": "transaction_timestamp", "amount": "sales_value"}
    )
    mapping = {"customer_id": "household_id", "date": "transaction_timestamp", "amount": "sales_value"}
    lazy = engine.rfm_summary(tx, columns=mapping, collect=False)
    path = tmp_path / "summary.parquet"
    lazy.to_parquet(path)  # the summary never passes through pandas
    got = pd.read_parquet(path).set_index("customer_id")
    assert_same(rfm.rfm_summary(population.transactions), got)


def test_duckdb_database_and_ibis_table(population, tmp_path):
    tx = population.transactions[["customer_id", "date", "amount"]]
    db = tmp_path / "shop.duckdb"
    con = engine.connect(db)
    con.create_table("sales", tx)
    con.disconnect()
    expected = rfm.rfm_summary(tx)
    assert_same(expected, engine.rfm_summary(db, table="sales"))
    assert_same(expected, engine.rfm_summary(db, query="SELECT * FROM sales WHERE amount >= 0"))
    con = engine.connect(db)
    assert_same(expected, engine.rfm_summary(con.table("sales")))


def test_bad_sources_get_crmlab_errors(population, tmp_path):
    with pytest.raises(CRMDataError, match="no such file"):
        engine.rfm_summary(tmp_path / "missing.parquet")
    tx = population.transactions
    with pytest.raises(CRMDataError, match=r"missing required column\(s\) \['amount'\]"):
        engine.rfm_summary(tx.drop(columns="amount"))
    with pytest.raises(CRMDataError, match="maps 'customer_id' to 'client'"):
        engine.rfm_summary(tx, columns={"customer_id": "client"})
    with pytest.raises(CRMDataError, match="no customer has a purchase"):
        engine.rfm_summary(tx, observation_end="2025-12-31", calibration_end="2020-01-01")
    with pytest.raises(ValueError, match="time_unit"):
        engine.rfm_summary(tx, time_unit="fortnight")
    with pytest.raises(ValueError, match="table= or query="):
        engine.rfm_summary("postgresql://nobody@localhost/none")
    with pytest.raises(TypeError, match="cannot summarise a list"):
        engine.rfm_summary([1, 2, 3])


def test_postgresql_table_and_query_equal_pandas(postgres, cdnow):
    """A real PostgreSQL server (initdb in a temp dir): the summary is pushed into the database."""
    import ibis

    con = ibis.postgres.connect(**postgres)
    con.create_table("cdnow", cdnow[["customer_id", "date", "amount"]], overwrite=True)
    url = f"postgresql://{postgres['user']}@/{postgres['database']}?host={postgres['host']}&port={postgres['port']}"
    kwargs = {"observation_end": "1998-06-30", "calibration_end": "1997-09-30"}
    expected = rfm.rfm_summary(cdnow, **kwargs)
    assert_same(expected, engine.rfm_summary(url, table="cdnow", **kwargs), HOLDOUT)
    query = "SELECT customer_id, date, amount FROM cdnow"
    assert_same(expected, engine.rfm_summary(url, query=query, **kwargs), HOLDOUT)
    sql = ibis.to_sql(engine.rfm_summary(con.table("cdnow"), collect=False, **kwargs))
    assert "GROUP BY" in sql  # the aggregation runs in the database; one row per customer comes back
    # the cohort matrix too: only (cohort, months since, customers) leave the database
    pd.testing.assert_frame_equal(
        engine.cohort_counts(url, table="cdnow", observation_end="1998-06-30"),
        cohorts.cohort_counts(cdnow, observation_end="1998-06-30"),
    )


def test_spark_dataframe_summary_equals_pandas(spark, cdnow):
    """The summary of a PySpark DataFrame is computed by Spark (local mode) and equals pandas'."""
    tx = cdnow[["customer_id", "date", "amount"]]
    kwargs = {"observation_end": "1998-06-30", "calibration_end": "1997-09-30"}
    got = engine.rfm_summary(spark.createDataFrame(tx), **kwargs)
    assert_same(rfm.rfm_summary(tx, **kwargs), got, HOLDOUT)
    frame = spark.createDataFrame(tx)
    pd.testing.assert_frame_equal(cohorts.cohort_counts(frame), cohorts.cohort_counts(tx))


def test_cohort_counts_in_duckdb_equal_pandas(population, cdnow, tmp_path):
    """crmlab.cohorts.cohort_counts hands a Parquet path or an Ibis table to the engine: same matrix."""
    for tx in (cdnow, population.transactions[["customer_id", "date", "amount"]]):
        path = tmp_path / "tx.parquet"
        tx.to_parquet(path)
        for end in (None, "1997-12-31" if tx is cdnow else "2024-06-30"):
            expected = cohorts.cohort_counts(tx, observation_end=end)
            pd.testing.assert_frame_equal(cohorts.cohort_counts(str(path), observation_end=end), expected)
            pd.testing.assert_frame_equal(engine.cohort_counts(tx, observation_end=end), expected)
    with pytest.raises(CRMDataError, match="no transaction on or before"):
        engine.cohort_counts(cdnow, observation_end="1990-01-01")


def test_spark_pipeline_never_leaves_spark_but_for_the_patterns(spark, cdnow):
    """Summary in Spark (to_spark), patterns grouped by Spark, a weighted fit on the driver and
    scores computed by Spark: the README's three calls, with the published CDNOW BG/NBD estimates."""
    from crmlab import btyd

    tx = cdnow[["customer_id", "date", "amount"]]
    lazy = engine.rfm_summary(
        spark.createDataFrame(tx), observation_end="1998-06-30", calibration_end="1997-09-30", collect=False
    )
    summary = engine.to_spark(lazy)
    assert type(summary).__module__.startswith("pyspark.sql") and summary.count() == 2357
    p = btyd.rfm_patterns(summary)
    assert p["n_customers"].sum() == 2357
    model = btyd.BetaGeo().fit(p["frequency"], p["recency"], p["T"], weights=p["n_customers"])
    published = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}  # Fader, Hardie & Lee (2005)
    assert {k: round(v, 3) for k, v in model.params_.items()} == published
    scores = btyd.score(model, summary, horizon="12 months")
    assert type(scores).__module__.startswith("pyspark.sql")
    pandas_scores = scores.toPandas().set_index("customer_id")
    got = pandas_scores["p_alive"]
    local = rfm.rfm_summary(tx, observation_end="1998-06-30", calibration_end="1997-09-30")
    expected = model.conditional_probability_alive(local["frequency"], local["recency"], local["T"])
    got.index = got.index.astype(local.index.dtype)
    np.testing.assert_allclose(got.reindex(local.index).to_numpy(), np.asarray(expected), rtol=1e-9)
    year = model.conditional_expected_number_of_purchases_up_to_time(365.25 / 7, *rfm_columns(local))
    pandas_scores.index = pandas_scores.index.astype(local.index.dtype)
    np.testing.assert_allclose(pandas_scores["expected_purchases"].reindex(local.index), year, rtol=1e-9)
    with pytest.raises(ValueError, match="not on Spark"):
        engine.to_spark(engine.rfm_summary(engine.transactions_table(tx), collect=False))


def rfm_columns(summary):
    return [summary[c] for c in ("frequency", "recency", "T")]


def test_rfm_summary_hands_lazy_tables_to_their_engine(population, tmp_path):
    """crmlab.rfm.rfm_summary itself takes a Parquet path or an Ibis table and computes in DuckDB."""
    tx = population.transactions[["customer_id", "date", "amount"]]
    path = tmp_path / "tx.parquet"
    tx.to_parquet(path)
    expected = rfm.rfm_summary(tx, calibration_end="2025-06-30")
    assert_same(expected, rfm.rfm_summary(path, calibration_end="2025-06-30"), HOLDOUT)
    lazy = rfm.rfm_summary(str(path), collect=False)
    assert hasattr(lazy, "to_parquet") and lazy.count().to_pandas() == len(rfm.rfm_summary(tx))


def test_value_tiers_and_vip_quadrants_from_a_lazy_table_equal_pandas(population, cdnow, tmp_path):
    """Visits and spend in the window are aggregated in DuckDB; the tiers and quadrants are the same."""
    from crmlab import segment

    tx = population.transactions[["customer_id", "date", "amount"]]
    path = tmp_path / "tx.parquet"
    tx.to_parquet(path)
    kwargs = {"survey": population.survey, "customers": population.customers, "window_months": 6}
    expected = segment.value_tiers(tx, **kwargs)
    got = segment.value_tiers(str(path), **kwargs)
    pd.testing.assert_frame_equal(got, expected)
    quadrants = segment.vip_quadrants(tx, observation_end="2025-06-30")
    lazy = segment.vip_quadrants(str(path), observation_end="2025-06-30")
    pd.testing.assert_frame_equal(lazy, quadrants)
    assert lazy.attrs == quadrants.attrs
    totals = engine.window_totals(cdnow, observation_end="1997-12-31", window_months=3)
    assert len(totals) == cdnow["customer_id"].nunique() and totals["visits"].max() > 0
    with pytest.raises(ValueError, match="window_months must be a positive integer"):
        segment.value_tiers(str(path), window_months=0)


def test_duckdb_relations_are_read_lazily(population, tmp_path):
    """A DuckDB relation (read_parquet, SQL over a frame, another connection's table) is a source."""
    import duckdb

    tx = population.transactions[["customer_id", "date", "amount"]]
    path = tmp_path / "tx.parquet"
    tx.to_parquet(path)
    expected = rfm.rfm_summary(tx, calibration_end="2025-06-30")
    assert_same(
        expected, rfm.rfm_summary(duckdb.read_parquet(str(path)), calibration_end="2025-06-30"), HOLDOUT
    )
    renamed = tx.rename(columns={"customer_id": "household_id"})  # noqa: F841 - read by duckdb.sql
    relation = duckdb.sql("SELECT household_id, date, amount FROM renamed WHERE amount >= 0")
    got = engine.rfm_summary(relation, columns={"customer_id": "household_id"})
    assert_same(rfm.rfm_summary(tx), got)
    own = duckdb.connect()
    own.execute(f"CREATE TABLE sales AS SELECT * FROM read_parquet('{path}')")
    assert_same(
        expected, engine.rfm_summary(own.table("sales"), calibration_end="2025-06-30", con=own), HOLDOUT
    )
    with pytest.raises(ValueError, match="pass it: con="):
        engine.rfm_summary(own.table("sales"))
    pd.testing.assert_frame_equal(
        cohorts.cohort_counts(duckdb.read_parquet(str(path))), cohorts.cohort_counts(tx)
    )
    # the user's connections keep their settings (Ibis would turn replacement scans off)
    for con in (duckdb.default_connection(), own):
        assert con.sql("SELECT current_setting('python_enable_replacements')").fetchone()[0] is True


def test_duckdb_queries_show_a_progress_bar_and_keep_settings(population, tmp_path, monkeypatch, capsys):
    """A tqdm bar fed by DuckDB's query progress (shown at once here: delay 0); none when turned off."""
    import duckdb

    tx = population.transactions[["customer_id", "date", "amount"]]
    path = tmp_path / "tx.parquet"
    tx.to_parquet(path)
    monkeypatch.setattr(crmlab.options, "progress_delay", 0.0)
    expected = rfm.rfm_summary(tx)
    assert_same(expected, rfm.rfm_summary(str(path)))
    err = capsys.readouterr().err
    assert "rfm_summary: 100%" in err
    own = duckdb.connect()
    own.execute("SET enable_progress_bar_print = true")
    assert_same(expected, engine.rfm_summary(own.read_parquet(str(path)), con=own))
    assert own.sql("SELECT current_setting('enable_progress_bar_print')").fetchone()[0] is True
    assert "rfm_summary: 100%" in capsys.readouterr().err
    monkeypatch.setattr(crmlab.options, "progress_delay", None)
    assert_same(expected, rfm.rfm_summary(str(path)))
    assert "rfm_summary" not in capsys.readouterr().err
