"""MBG/NBD (Batislam, Denizel & Filiztekin 2007): predictions against lifetimes 0.11.3, fit on
weighted patterns, recovery of a simulated population's truth, and model comparison on CDNOW."""

import numpy as np
import pandas as pd
import pytest

from crmlab import btyd
from crmlab.btyd.mbgnbd import ModifiedBetaGeo, simulate_modified_beta_geo
from crmlab.btyd.scoring import rfm_patterns
from crmlab.data import load_cdnow
from crmlab.rfm import rfm_summary

PUBLISHED = {"r": 0.525, "alpha": 6.183, "a": 0.891, "b": 1.614}  # CDNOW sample, weeks


@pytest.fixture(scope="module")
def cdnow():
    return rfm_summary(load_cdnow("sample"), observation_end="1998-06-30", calibration_end="1997-09-30")


def test_predictions_equal_lifetimes():
    # lifetimes 0.11.3 ModifiedBetaGeoFitter with params_ set to the published estimates
    m = ModifiedBetaGeo.from_params(**PUBLISHED)
    cases = [(10, 2, 30.43, 38.86), (39, 0, 0.0, 39.0), (5, 5, 20.0, 35.0)]
    expected = [0.3729936344301375, 0.15343944844865084, 0.24367481482497924]
    alive = [0.70620227, 0.38934765, 0.37806792]
    for (t, x, tx, T), e, p in zip(cases, expected, alive, strict=True):
        got = m.conditional_expected_number_of_purchases_up_to_time(t, x, tx, T)
        assert got == pytest.approx(e, rel=1e-12)
        assert m.conditional_probability_alive(x, tx, T) == pytest.approx(p, abs=5e-9)
    assert m.expected_number_of_purchases_up_to_time(39) == pytest.approx(1.1829536655971713, rel=1e-12)
    assert m.expected_number_of_purchases_up_to_time(10) == pytest.approx(0.4334674151565691, rel=1e-12)


def test_no_repeat_purchase_is_not_certainly_alive():
    m = ModifiedBetaGeo.from_params(**PUBLISHED)
    # x = 0: 1 / (1 + a/b ((alpha+T)/alpha)^r), by hand at T = 39
    by_hand = 1 / (1 + 0.891 / 1.614 * ((6.183 + 39) / 6.183) ** 0.525)
    assert m.conditional_probability_alive(0, 0, 39) == pytest.approx(by_hand, rel=1e-12)
    assert by_hand < 0.5
    # the unconditional expectation is the conditional one of a customer just acquired
    assert m.expected_number_of_purchases_up_to_time(20.0) == pytest.approx(
        m.conditional_expected_number_of_purchases_up_to_time(20.0, 0, 0, 0), rel=1e-12
    )


def test_published_estimates_and_weighted_patterns(cdnow):
    rfm = [cdnow[c] for c in ("frequency", "recency", "T")]
    m = ModifiedBetaGeo().fit(*rfm)
    assert [round(m.params_[k], 3) for k in PUBLISHED] == list(PUBLISHED.values())
    assert m.time_unit_ == "W" and m.converged_
    p = rfm_patterns(cdnow[["frequency", "recency", "T"]], time_unit="W")
    w = ModifiedBetaGeo().fit(p["frequency"], p["recency"], p["T"], weights=p["n_customers"])
    assert w.loglik_ == pytest.approx(m.loglik_, abs=1e-6)
    for k in PUBLISHED:
        assert w.params_[k] == pytest.approx(m.params_[k], rel=1e-4)


def test_simulated_truth_is_recovered():
    truth = {"r": 0.5, "alpha": 8.0, "a": 0.8, "b": 2.5}
    T = np.random.default_rng(3).uniform(30, 80, 20_000)
    sim = simulate_modified_beta_geo(**truth, T=T, seed=3)
    assert sim.equals(simulate_modified_beta_geo(**truth, T=T, seed=3))
    m = ModifiedBetaGeo().fit(sim["frequency"], sim["recency"], sim["T"], time_unit="W")
    z = {k: (m.params_[k] - v) / m.standard_errors_[k] for k, v in truth.items()}
    assert all(abs(v) < 3 for v in z.values()), z
    # P(alive) is calibrated: its mean is the share truly alive, to 2 points
    p_alive = m.conditional_probability_alive(sim["frequency"], sim["recency"], sim["T"])
    assert abs(float(np.mean(p_alive)) - sim["alive"].mean()) < 0.02


def test_in_compare_models_and_holdout_checks(cdnow):
    rfm = [cdnow[c] for c in ("frequency", "recency", "T")]
    models = {"BG/NBD": btyd.BetaGeo().fit(*rfm), "MBG/NBD": ModifiedBetaGeo().fit(*rfm)}
    table = btyd.compare_models(models, cdnow)
    mbg = table.loc["MBG/NBD"]
    expected = ModifiedBetaGeo.from_params(**models["MBG/NBD"].params_)._conditional_expected(
        cdnow["duration_holdout"].to_numpy(float), *(v.to_numpy(float) for v in rfm)
    )
    assert mbg["holdout_expected"] == pytest.approx(expected.sum(), rel=1e-12)
    assert mbg["holdout_actual"] == cdnow["frequency_holdout"].sum() == 1882
    assert mbg["aic"] == pytest.approx(2 * 4 - 2 * models["MBG/NBD"].loglik_)
    by_freq = btyd.expected_vs_actual_by_frequency(models["MBG/NBD"], cdnow)
    assert isinstance(by_freq, pd.DataFrame) and by_freq.loc["total", "customers"] == len(cdnow)
