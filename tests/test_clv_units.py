"""CLV that cannot be computed in the wrong unit (issue 13, part 1).

The summary records its time unit, the models record theirs, horizons and discount rates are
stated with their units and converted exactly, and a mix-up is an error naming both units.
"""

import math

import numpy as np
import pandas as pd
import pytest

from crmlab import btyd, prospecting
from crmlab.clv import customer_lifetime_value
from crmlab.data import load_cdnow
from crmlab.rfm import rfm_summary
from crmlab.units import TIME_UNITS, discount_per_unit, model_time_unit, to_days, to_model_units

CAL, OBS = "1997-09-30", "1998-06-30"


@pytest.fixture(scope="module")
def cdnow_tx():
    return load_cdnow("sample")


@pytest.fixture(scope="module")
def by_unit(cdnow_tx):
    """Summaries in days, weeks and months, and a BG/NBD and a Pareto/NBD fitted on each."""
    out = {}
    for unit in "DWM":
        s = rfm_summary(cdnow_tx, observation_end=OBS, calibration_end=CAL, time_unit=unit)
        rfm = [s[c] for c in ("frequency", "recency", "T")]
        out[unit] = (s, btyd.BetaGeo().fit(*rfm), btyd.ParetoNBD().fit(*rfm))
    return out


@pytest.fixture(scope="module")
def spend(by_unit):
    s = by_unit["W"][0]
    rep = s[s["frequency"] > 0]
    return btyd.GammaGamma().fit(rep["frequency"], rep["monetary_value"])


def test_the_summary_and_the_models_record_their_unit(by_unit):
    for unit, (s, bg, pn) in by_unit.items():
        assert s.attrs["time_unit"] == bg.time_unit_ == pn.time_unit_ == unit
        assert s.attrs["calibration_end"] == CAL and s.attrs["observation_end"] == OBS


def test_same_clv_from_day_week_and_month_summaries(by_unit, spend):
    for model in (1, 2):  # BG/NBD, Pareto/NBD
        values = {u: customer_lifetime_value(m[model], spend, m[0]) for u, m in by_unit.items()}
        for unit in "DM":
            np.testing.assert_allclose(values[unit], values["W"], rtol=1e-6)
        assert values["D"].attrs["horizon"] == pytest.approx(365.25)
        assert values["M"].attrs["horizon"] == pytest.approx(12.0)
        # and with the whole residual lifetime (DERT, continuous discounting)
        lifetime = {
            u: customer_lifetime_value(m[model], spend, m[0], horizon=math.inf) for u, m in by_unit.items()
        }
        np.testing.assert_allclose(lifetime["D"], lifetime["W"], rtol=1e-6)


def test_horizon_forms_are_converted_exactly():
    week = 365.25 / 7
    for span in ("12 months", "1 year", "52.17857142857143 weeks", pd.DateOffset(months=12)):
        assert to_model_units(span, "W", "t") == pytest.approx(week, rel=1e-15)
    assert to_model_units(pd.Timedelta(days=365.25), "W", "t") == pytest.approx(week, rel=1e-15)
    assert to_model_units(pd.DateOffset(years=1), "D", "t") == 365.25
    assert to_model_units("90 days", "M", "t") == pytest.approx(90 / 30.4375)
    assert to_model_units(26, "W", "t") == 26.0  # a number is already in the model's unit
    assert to_days("month", "t") == 30.4375  # not 30 (PyMC-Marketing #2749) nor 4.345 weeks
    with pytest.raises(ValueError, match="'twelve months' is not a time span"):
        to_days("twelve months", "t")
    with pytest.raises(ValueError, match="needs its unit"):
        to_days(12, "t")


def test_discount_rates_are_converted_by_hand():
    d_month, delta_month = discount_per_unit(0.10, "M")
    assert d_month == pytest.approx(1.1 ** (1 / 12) - 1, rel=1e-12)  # 0.797 % a month
    assert delta_month == pytest.approx(math.log(1.1) / 12, rel=1e-12)
    d_week, delta_week = discount_per_unit(0.10, "W")
    assert delta_week == pytest.approx(math.log(1.1) / (365.25 / 7), rel=1e-12)  # CLVTools' ln(1+d)/k
    assert d_week == pytest.approx(1.1 ** (7 / 365.25) - 1, rel=1e-12)
    _, cont = discount_per_unit(0.05, "D", period="year", compounding="continuous")
    assert cont == pytest.approx(0.05 / 365.25, rel=1e-12)
    assert discount_per_unit(0.01, "M", period="month")[0] == pytest.approx(0.01, rel=1e-12)
    with pytest.raises(ValueError, match="must be > -1"):
        discount_per_unit(-1.5, "W")


def test_clv_by_hand_with_an_annual_rate(by_unit, spend):
    s, bg, _ = by_unit["W"]
    clv = customer_lifetime_value(bg, spend, s, horizon="12 months", discount_rate=0.10, margin=0.3)
    f, r, T, m = (s[c] for c in ("frequency", "recency", "T", "monetary_value"))
    step = 365.25 / 12 / 7
    e = spend.conditional_expected_average_profit(f, m)
    by_hand = sum(
        e
        * (
            bg.conditional_expected_number_of_purchases_up_to_time(k * step, f, r, T)
            - bg.conditional_expected_number_of_purchases_up_to_time((k - 1) * step, f, r, T)
        )
        / 1.1 ** (k / 12)
        for k in range(1, 13)
    )
    np.testing.assert_allclose(clv, 0.3 * by_hand, rtol=1e-12)
    # a per-customer margin is matched by index
    margin = pd.Series(0.3, index=s.index[::-1])
    np.testing.assert_allclose(customer_lifetime_value(bg, spend, s, margin=margin), clv, rtol=1e-14)
    # infinite horizon: margin x spend x DERT at the continuous weekly rate
    inf = customer_lifetime_value(bg, spend, s, horizon=math.inf, discount_rate=0.10)
    dert = bg.dert(f, r, T, math.log(1.1) / (365.25 / 7))
    np.testing.assert_allclose(inf, e * dert, rtol=1e-12)


def test_a_unit_mix_up_is_an_error_naming_both_units(by_unit, spend):
    days_summary, days_model, _ = by_unit["D"]
    week_summary, week_model, _ = by_unit["W"]
    with pytest.raises(
        ValueError, match=r"BetaGeo.time_unit_ is 'D' but summary.attrs\['time_unit'\] is 'W'"
    ):
        customer_lifetime_value(days_model, spend, week_summary)
    with pytest.raises(ValueError, match="BetaGeo.time_unit_ is 'W' but time_unit= is 'D'"):
        customer_lifetime_value(week_model, spend, week_summary, time_unit="D")
    # lifetimes' Quickstart mistake: a weekly model valued with daily steps
    f, r, T, m = (week_summary[c] for c in ("frequency", "recency", "T", "monetary_value"))
    with pytest.raises(ValueError, match=r"freq_days=1 but the model was fitted in 'W' \(7 days a unit\)"):
        spend.customer_lifetime_value(week_model, f, r, T, m, freq_days=1)
    # nothing says the unit: say how to state it
    bare = btyd.BetaGeo.from_params(**week_model.params_)
    plain = pd.DataFrame(
        {c: week_summary[c].to_numpy() for c in ("frequency", "recency", "T", "monetary_value")}
    )
    with pytest.raises(ValueError, match="time unit of the model is unknown.*time_unit='W'"):
        customer_lifetime_value(bare, spend, plain)
    stated = customer_lifetime_value(bare, spend, plain, time_unit="W")
    np.testing.assert_allclose(stated, customer_lifetime_value(week_model, spend, week_summary), rtol=1e-12)
    with pytest.raises(ValueError, match="unknown"):
        model_time_unit(bare, plain, where="t")


def test_tracking_and_backtest_take_the_models_unit(cdnow_tx, by_unit):
    week = btyd.cumulative_tracking(by_unit["W"][1], cdnow_tx, CAL, OBS)
    day = btyd.cumulative_tracking(by_unit["D"][1], cdnow_tx, CAL, OBS)  # weekly periods by default
    np.testing.assert_allclose(day["expected"], week["expected"], rtol=1e-6)
    assert day["expected"].iloc[-1] == pytest.approx(week["expected"].iloc[-1], rel=1e-6)
    assert week["expected"].iloc[-1] > 4000  # the day model read as weeks gave a quarter of it
    with pytest.raises(ValueError, match="'D' but time_unit= is 'W'"):
        btyd.cumulative_tracking(by_unit["D"][1], cdnow_tx, CAL, OBS, time_unit="W")
    monthly = btyd.cumulative_tracking(by_unit["W"][1], cdnow_tx, CAL, OBS, period="M")
    assert monthly["expected"].iloc[-1] == pytest.approx(week["expected"].iloc[-1], rel=1e-3)
    b_week = prospecting.repeat_backtest(by_unit["W"][1], by_unit["W"][0], cdnow_tx, CAL, OBS)
    b_day = prospecting.repeat_backtest(by_unit["D"][1], by_unit["D"][0], cdnow_tx, CAL, OBS)
    np.testing.assert_allclose(b_day["forecast"], b_week["forecast"], rtol=1e-6)


def test_scoring_states_its_horizon_with_a_unit(by_unit, spend):
    s, bg, _ = by_unit["W"]
    a = btyd.score(bg, s, "12 months", spend)
    b = btyd.score(bg, s, 365.25 / 7, spend)
    pd.testing.assert_frame_equal(a, b)
    np.testing.assert_allclose(a["clv"], customer_lifetime_value(bg, spend, s), rtol=1e-12)
    assert TIME_UNITS["M"] == 30.4375


def test_model_predictions_take_a_horizon_with_its_unit(by_unit):
    s, bg, pn = by_unit["W"]
    f, r, T = (s[c] for c in ("frequency", "recency", "T"))
    for model in (bg, pn):
        np.testing.assert_allclose(
            model.conditional_expected_number_of_purchases_up_to_time("12 months", f, r, T),
            model.conditional_expected_number_of_purchases_up_to_time(365.25 / 7, f, r, T),
            rtol=1e-14,
        )
        assert model.expected_number_of_purchases_up_to_time(pd.DateOffset(years=1)) == pytest.approx(
            model.expected_number_of_purchases_up_to_time(365.25 / 7), rel=1e-14
        )
    # the same horizon means the same purchases whatever the unit of the fit
    day_model = by_unit["D"][1]
    assert day_model.expected_number_of_purchases_up_to_time("1 year") == pytest.approx(
        bg.expected_number_of_purchases_up_to_time("1 year"), rel=1e-6
    )
    bare = btyd.BetaGeo.from_params(**bg.params_)
    with pytest.raises(ValueError, match="has a unit but the model's time unit is unknown"):
        bare.expected_number_of_purchases_up_to_time("1 year")
