"""BTYD at scale: weighted fits on patterns equal per-customer fits; chunked, Parquet and Spark scoring."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab import btyd, engine
from crmlab.btyd.scoring import rfm_patterns, score
from crmlab.data import CRMDataError, load_cdnow
from crmlab.rfm import rfm_summary

CAL_END, OBS_END = "1997-09-30", "1998-06-30"
RFM = ["frequency", "recency", "T"]


@pytest.fixture(scope="module")
def cdnow_tx():
    return load_cdnow("sample")


@pytest.fixture(scope="module")
def cdnow(cdnow_tx):
    return rfm_summary(cdnow_tx, observation_end=OBS_END, calibration_end=CAL_END)


@pytest.fixture(scope="module")
def fitted(cdnow):
    bgf = btyd.BetaGeo().fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    ggf = btyd.GammaGamma().fit(cdnow["frequency"], cdnow["monetary_value"])
    return bgf, ggf


def test_rfm_patterns_collapses_identical_rows_exactly(cdnow):
    p = rfm_patterns(cdnow)
    assert p["n_customers"].sum() == len(cdnow) == 2357
    assert len(p) == len(cdnow[RFM].drop_duplicates())
    assert len(p) < len(cdnow)  # 1,411 customers without a repeat purchase share few T values
    assert p.attrs["max_rounding_error"] == 0.0
    zero = p[p["frequency"] == 0]
    assert zero["n_customers"].sum() == 1411


def test_rfm_patterns_coarser_grid_states_its_error(cdnow):
    p = rfm_patterns(cdnow, round_to=1.0)  # whole weeks
    # nearest week (error <= 3/7), but a repeat buyer's recency of 1 day stays >= one step: 6/7
    assert p.attrs["max_rounding_error"] == pytest.approx(6 / 7, abs=1e-12)
    assert len(p) < len(rfm_patterns(cdnow))
    assert p["n_customers"].sum() == 2357
    assert ((p["recency"] <= p["T"]) & ((p["frequency"] == 0) == (p["recency"] == 0))).all()


@pytest.mark.parametrize("cls", [btyd.BetaGeo, btyd.ParetoNBD])
def test_weighted_fit_on_patterns_equals_fit_on_customers(cdnow, cls):
    full = cls().fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    p = rfm_patterns(cdnow)
    weighted = cls().fit(p["frequency"], p["recency"], p["T"], weights=p["n_customers"])
    for k, v in full.params_.items():
        assert weighted.params_[k] == pytest.approx(v, rel=1e-6), k
    assert weighted.loglik_ == pytest.approx(full.loglik_, abs=1e-6)
    assert weighted.n_customers_ == 2357
    assert weighted.bic_ == pytest.approx(full.bic_, abs=1e-5)


def test_weighted_gamma_gamma_equals_unweighted(cdnow):
    full = btyd.GammaGamma().fit(cdnow["frequency"], cdnow["monetary_value"])
    p = rfm_patterns(cdnow, columns=("frequency", "monetary_value"))
    weighted = btyd.GammaGamma().fit(p["frequency"], p["monetary_value"], weights=p["n_customers"])
    for k, v in full.params_.items():
        assert weighted.params_[k] == pytest.approx(v, rel=1e-6), k
    assert weighted.loglik_ == pytest.approx(full.loglik_, abs=1e-6)


def test_integer_weights_equal_repeated_rows(cdnow):
    """A weight of 2 is the same row twice (and weight 0 drops it)."""
    sub = cdnow.iloc[:400]
    w = np.where(np.arange(len(sub)) % 3 == 0, 2.0, 1.0)
    w[5] = 0.0
    rep = np.repeat(np.arange(len(sub)), w.astype(int))
    a = btyd.BetaGeo().fit(sub["frequency"], sub["recency"], sub["T"], weights=w)
    b = btyd.BetaGeo().fit(*(sub[c].to_numpy()[rep] for c in RFM))
    for k, v in b.params_.items():
        assert a.params_[k] == pytest.approx(v, rel=1e-6), k
    assert a.n_customers_ == len(rep)


@pytest.mark.parametrize(
    "weights, message",
    [(-1.0, "is negative"), (np.nan, "missing or infinite"), ("short", "one weight per row")],
)
def test_bad_weights_are_data_errors(cdnow, weights, message):
    n = len(cdnow)
    w = np.ones(n - 1) if isinstance(weights, str) else np.r_[np.ones(n - 1), weights]
    for fit in (
        lambda: btyd.BetaGeo().fit(cdnow["frequency"], cdnow["recency"], cdnow["T"], weights=w),
        lambda: btyd.ParetoNBD().fit(cdnow["frequency"], cdnow["recency"], cdnow["T"], weights=w),
        lambda: btyd.GammaGamma().fit(cdnow["frequency"], cdnow["monetary_value"], weights=w),
    ):
        with pytest.raises(CRMDataError, match=message):
            fit()


def test_chunked_scoring_equals_the_models_own_predictions(cdnow, fitted):
    from crmlab.clv import customer_lifetime_value

    bgf, ggf = fitted
    whole = score(bgf, cdnow, 52, ggf, chunk_size=10_000_000)
    chunked = score(bgf, cdnow, 52, ggf, chunk_size=100, progress=False)
    pd.testing.assert_frame_equal(whole, chunked, rtol=0, atol=1e-12)
    f, r, T, m = (cdnow[c] for c in ["frequency", "recency", "T", "monetary_value"])
    np.testing.assert_allclose(whole["p_alive"], bgf.conditional_probability_alive(f, r, T), rtol=1e-12)
    expected = bgf.conditional_expected_number_of_purchases_up_to_time(52, f, r, T)
    np.testing.assert_allclose(whole["expected_purchases"], expected, rtol=1e-12)
    clv = customer_lifetime_value(bgf, ggf, cdnow, horizon="12 months", discount_rate=0.10)
    np.testing.assert_allclose(whole["clv"], clv, rtol=1e-12)
    assert list(whole.index) == list(cdnow.index)


def test_parquet_scoring_equals_pandas(cdnow, fitted, tmp_path):
    bgf, ggf = fitted
    src = tmp_path / "summary.parquet"
    cdnow.reset_index().to_parquet(src, row_group_size=500)
    out = score(bgf, str(src), 52, ggf, chunk_size=300, output=tmp_path / "scores.parquet")
    got = pd.read_parquet(out).set_index("customer_id")
    expected = score(bgf, cdnow, 52, ggf)
    got.index = got.index.astype(expected.index.dtype)
    pd.testing.assert_frame_equal(got, expected, rtol=0, atol=1e-12, check_names=False)


def test_engine_patterns_equal_pandas_patterns(cdnow_tx, cdnow):
    expr = engine.rfm_summary(cdnow_tx, observation_end=OBS_END, calibration_end=CAL_END, collect=False)
    for round_to in (None, 1.0):
        got = engine.rfm_patterns(expr, round_to=round_to)
        expected = rfm_patterns(cdnow, round_to=round_to)
        assert len(got) == len(expected)
        np.testing.assert_allclose(got[RFM + ["n_customers"]], expected[RFM + ["n_customers"]], atol=1e-12)
        assert got.attrs["max_rounding_error"] == pytest.approx(
            expected.attrs["max_rounding_error"], abs=1e-12
        )


def test_spark_fit_collects_only_patterns_and_scores_like_pandas(spark, cdnow, fitted):
    bgf, ggf = fitted
    frame = spark.createDataFrame(cdnow.reset_index())
    p = rfm_patterns(frame)  # grouped by Spark: only the patterns are collected
    assert len(p) == len(cdnow[RFM].drop_duplicates()) == p.attrs["n_patterns"]
    assert p["n_customers"].sum() == 2357
    model = btyd.BetaGeo().fit(p["frequency"], p["recency"], p["T"], weights=p["n_customers"])
    for k, v in bgf.params_.items():
        assert model.params_[k] == pytest.approx(v, rel=1e-6), k
    scored = score(model, frame, 52, ggf)
    assert type(scored).__module__.startswith("pyspark.sql")
    got = scored.toPandas().set_index("customer_id").sort_index()
    expected = score(bgf, cdnow, 52, ggf).sort_index()
    got.index = got.index.astype(expected.index.dtype)
    pd.testing.assert_frame_equal(got, expected, rtol=1e-6, atol=1e-9, check_names=False)
