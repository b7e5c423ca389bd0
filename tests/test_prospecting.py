"""Prospecting: the repeat-purchase backtest on CDNOW and the synthetic population, the forecasts."""

import numpy as np
import pandas as pd
import pytest

from crmlab import btyd
from crmlab import prospecting as P
from crmlab.data import load_cdnow
from crmlab.narrative import holdout_split
from crmlab.rfm import rfm_summary
from crmlab.synth import generate


@pytest.fixture(scope="module")
def cdnow():
    tx = load_cdnow("sample")
    summary = rfm_summary(tx, calibration_end="1997-09-30", observation_end="1998-06-30")
    model = btyd.BetaGeo().fit(summary["frequency"], summary["recency"], summary["T"])
    return tx, summary, model


def test_cdnow_backtest_reproduces_the_known_under_prediction(cdnow):
    """Fader, Hardie & Lee (2005a): BG/NBD expects 1,653 of the 1,882 holdout repeat purchase days
    (-12.1 %). The weekly sum must give exactly that (to 1 purchase), so the tolerance is the
    published figure's rounding, not a loose band."""
    tx, summary, model = cdnow
    bt = P.repeat_backtest(model, summary, tx, "1997-09-30", "1998-06-30")
    assert len(bt) == 39
    assert bt.attrs["total_actual"] == 1882
    assert bt.attrs["total_forecast"] == pytest.approx(1653, abs=1.0)
    assert bt.attrs["total_error"] == pytest.approx(-0.1215, abs=0.001)
    assert bt.attrs["mae"] == pytest.approx(9.90, abs=0.05)
    assert bt.attrs["mape"] == pytest.approx(0.195, abs=0.005)
    assert np.all(np.diff(bt["forecast"].to_numpy()) < 0)  # a closed cohort thins out


def test_existing_forecast_matches_conditional_expectation_and_interval_covers(cdnow):
    _, summary, model = cdnow
    f = P.existing_customer_forecast(model, summary, periods=39, n_draws=50)
    total = np.sum(
        model.conditional_expected_number_of_purchases_up_to_time(
            39, *[summary[c] for c in ("frequency", "recency", "T")]
        )
    )
    assert f["expected"].sum() == pytest.approx(total, rel=1e-9)
    assert (f["lower"] <= f["expected"]).all() and (f["expected"] <= f["upper"]).all()
    assert f.attrs["active_now"] == pytest.approx(
        np.sum(model.conditional_probability_alive(summary["frequency"], summary["recency"], summary["T"]))
    )


def test_acquisition_forecast_hand_series_and_closed_cohort():
    # constant 10 new customers a week for 30 weeks: the GLM forecasts 10 a week
    dates = np.repeat(pd.date_range("2024-01-01", periods=30, freq="W-MON"), 10)
    f = P.acquisition_forecast(dates, periods=4, freq="W")
    assert f["expected"].to_numpy() == pytest.approx(10.0, rel=1e-6)
    assert not f.attrs["seasonal"]
    # nobody acquired for the last 50 weeks: the forecast is about zero
    g = P.acquisition_forecast(dates, periods=4, freq="W", observation_end="2025-07-01")
    assert g["expected"].max() < 1.0


def test_synthetic_backtest_and_seasonal_acquisition():
    """Synthetic population (10,000 customers, seed 0, holdout 39 weeks from holdout_split): the
    BG/NBD under-predicts the weekly repeat purchase days by 14.2 % (21,137 vs 24,632; the
    generator's customers keep acquiring activity the calibration cannot see); MAPE 14.5 %.
    Tolerance 0.5 points: the fit is deterministic up to the optimiser's 1e-6."""
    ds = generate(n_customers=10_000, seed=0)
    tx = ds.transactions
    cal, end = holdout_split(tx["date"])
    summary = rfm_summary(tx, calibration_end=cal, observation_end=end)
    model = btyd.BetaGeo().fit(summary["frequency"], summary["recency"], summary["T"])
    bt = P.repeat_backtest(model, summary, tx, cal, end)
    assert bt.attrs["total_actual"] == 24632
    assert bt.attrs["total_error"] == pytest.approx(-0.142, abs=0.005)
    assert bt.attrs["mape"] == pytest.approx(0.145, abs=0.005)
    first = tx.groupby("customer_id")["date"].min()
    acq = P.acquisition_forecast(first, periods=12, freq="M", observation_end=tx["date"].max())
    assert acq.attrs["seasonal"]  # three years of history
    assert (acq["lower"] <= acq["upper"]).all()


def test_revenue_with_per_customer_spend(cdnow):
    """Revenue over the horizon = sum_i E[X_i(t)] * spend_i (Gamma-Gamma's conditional spend)."""
    _, summary, model = cdnow
    repeat = summary[summary["frequency"] > 0]
    gg = btyd.GammaGamma().fit(repeat["frequency"], repeat["monetary_value"])
    spend = pd.Series(
        np.asarray(gg.conditional_expected_average_profit(summary["frequency"], summary["monetary_value"])),
        index=summary.index,
    )
    f = P.existing_customer_forecast(model, summary, periods=3, spend=spend, n_draws=10)
    cols = [summary[c] for c in ("frequency", "recency", "T")]
    purchases = np.asarray(model.conditional_expected_number_of_purchases_up_to_time(3, *cols))
    assert f["revenue"].sum() == pytest.approx(float(np.sum(purchases * spend.to_numpy())), rel=1e-9)
    assert f.attrs["spend_per_purchase"] == pytest.approx(36.30, abs=0.01)
