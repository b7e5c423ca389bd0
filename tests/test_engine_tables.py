"""Member metrics and profile tables computed in DuckDB / PostgreSQL / Spark equal the pandas path."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab import engine, members, profile
from crmlab.data import CRMDataError, load_cdnow

PROFILE_TABLES = ("monthly_activity", "purchases_per_customer", "customer_spend", "acquisitions")


@pytest.fixture(scope="module")
def cdnow():
    return load_cdnow("sample")[["customer_id", "date", "amount"]]


@pytest.fixture(scope="module")
def synthetic(population):
    return population.transactions[["customer_id", "date", "amount"]], population.customers


def assert_frames_equal(got: pd.DataFrame, expected: pd.DataFrame, rtol=1e-9):
    """Same index, columns and integer counts; float columns to ``rtol`` (sums in another order).

    A date index may differ in resolution only (ns / us: it follows the source's date column)."""
    if isinstance(expected.index, pd.DatetimeIndex):
        got, expected = got.copy(), expected.copy()
        got.index, expected.index = got.index.as_unit("ns"), expected.index.as_unit("ns")
    pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=rtol, atol=1e-9)
    assert got.attrs == expected.attrs


def assert_profile_equal(source, tx: pd.DataFrame, customers=None):
    for name in PROFILE_TABLES:
        args = (customers,) if name == "acquisitions" else ()
        expected = getattr(profile, name)(tx, *args)
        got = getattr(profile, name)(source, *args)
        if name == "customer_spend":
            got.index = got.index.astype(expected.index.dtype)
            expected = expected.sort_index()
        assert_frames_equal(got, expected)
    gaps = profile.interpurchase_times(tx)
    got_gaps = profile.interpurchase_times(source)
    np.testing.assert_array_equal(got_gaps.to_numpy(), np.sort(gaps.to_numpy()))
    assert got_gaps.name == gaps.name and got_gaps.dtype == gaps.dtype
    expected = profile.spend_concentration(tx)
    got = profile.spend_concentration(source)
    assert_frames_equal(got, expected)
    assert got.attrs["gini"] == pytest.approx(expected.attrs["gini"], rel=1e-12)


def test_member_metrics_hand_computed_table_in_duckdb():
    """The hand-computed shop of test_members: same table from DuckDB, with and without cards."""
    from test_members import shop_tables

    tx, customers = shop_tables()
    for only in (True, False):
        kwargs = {"observation_end": "2021-06-30", "effective_months": 2, "churn_months": 2}
        expected = members.member_metrics(tx, customers, card_holders_only=only, **kwargs)
        got = engine.member_metrics(tx, customers, card_holders_only=only, **kwargs)
        assert_frames_equal(got, expected)
    assert got["effective_members"].tolist() == [2, 3, 3, 1, 1, 1]


@pytest.mark.parametrize("windows", [(12, 12), (3, 6), (6, 1)])
def test_member_metrics_from_parquet_equal_pandas(synthetic, tmp_path, windows):
    """Card holders only (the synthetic customers have card dates), from a Parquet file."""
    tx, customers = synthetic
    path = tmp_path / "tx.parquet"
    tx.to_parquet(path)
    W, C = windows
    for end in (None, "2025-03-15"):
        expected = members.member_metrics(tx, customers, end, effective_months=W, churn_months=C)
        assert expected.attrs["card_holders_only"] and expected["churned"].max() > 0
        assert_frames_equal(members.member_metrics(str(path), customers, end, W, C), expected)
    no_cards = members.member_metrics(tx, observation_end="2024-12-31")
    assert_frames_equal(members.member_metrics(str(path), observation_end="2024-12-31"), no_cards)


def test_member_metrics_on_cdnow_in_duckdb(cdnow):
    expected = members.member_metrics(cdnow, effective_months=6, churn_months=3)
    assert_frames_equal(engine.member_metrics(cdnow, effective_months=6, churn_months=3), expected)


def test_engine_member_metrics_errors(cdnow, tmp_path):
    with pytest.raises(CRMDataError, match="no transaction on or before 1990-01-01"):
        engine.member_metrics(cdnow, observation_end="1990-01-01")
    with pytest.raises(CRMDataError, match="card_holders_only=True needs"):
        engine.member_metrics(cdnow, card_holders_only=True)
    with pytest.raises(ValueError, match="churn_months must be a positive integer"):
        members.member_metrics(str(tmp_path / "x.parquet"), churn_months=0)
    with pytest.raises(CRMDataError, match="member_metrics got no rows"):
        engine.member_metrics(cdnow.iloc[:0])


def test_profile_tables_from_parquet_equal_pandas(synthetic, cdnow, tmp_path):
    tx, customers = synthetic
    for frame, cust in ((tx, customers), (cdnow, None)):
        path = tmp_path / "tx.parquet"
        frame.to_parquet(path)
        assert_profile_equal(str(path), frame, cust)
    path = tmp_path / "synthetic.parquet"
    tx.to_parquet(path)
    expected = profile.breakdown(customers, tx, "region")
    assert_frames_equal(profile.breakdown(customers, str(path), "region"), expected)
    with pytest.raises(CRMDataError, match="no transactions"):
        engine.customer_spend(cdnow.iloc[:0])


def test_member_metrics_and_profile_in_postgresql(postgres, synthetic):
    """A real PostgreSQL server: the tables are grouped in the database (the cards are a temp table)."""
    import ibis

    tx, customers = synthetic
    con = ibis.postgres.connect(**postgres)
    con.create_table("synthetic_tx", tx, overwrite=True)
    url = f"postgresql://{postgres['user']}@/{postgres['database']}?host={postgres['host']}&port={postgres['port']}"
    expected = members.member_metrics(tx, customers, effective_months=6, churn_months=6)
    got = engine.member_metrics(url, customers, effective_months=6, churn_months=6, table="synthetic_tx")
    assert_frames_equal(got, expected)
    assert_profile_equal(con.table("synthetic_tx"), tx, customers)


def test_member_metrics_and_profile_in_spark(spark, synthetic, cdnow):
    """Spark local mode: same tables from a PySpark DataFrame."""
    tx, customers = synthetic
    frame = spark.createDataFrame(tx)
    expected = members.member_metrics(tx, customers, effective_months=6, churn_months=6)
    assert_frames_equal(
        members.member_metrics(frame, customers, effective_months=6, churn_months=6), expected
    )
    assert_profile_equal(spark.createDataFrame(cdnow), cdnow)
