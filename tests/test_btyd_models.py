import numpy as np
import pytest

from crmlab.btyd.sbg import ShiftedBetaGeometric

HIGH = [0.869, 0.743, 0.653, 0.593, 0.551, 0.517, 0.491]
REG = [0.631, 0.468, 0.382, 0.326, 0.289, 0.262, 0.241]


@pytest.mark.parametrize("curve,alpha,beta", [(HIGH, 0.668, 3.806), (REG, 0.704, 1.182)])
def test_sbg_fader_hardie_2007_table1(curve, alpha, beta):
    m = ShiftedBetaGeometric().fit_survival(curve)
    assert round(m.params_["alpha"], 3) == alpha
    assert round(m.params_["beta"], 3) == beta
    assert m.retention_rate(1) == pytest.approx(m.survival_function(1))


def test_sbg_derl_matches_sum():
    m = ShiftedBetaGeometric.from_params(alpha=0.668, beta=3.806)
    d, n = 0.1, 3
    t = np.arange(n, 3000)
    direct = np.sum(m.survival_function(t) / m.survival_function(n - 1) / (1 + d) ** (t - n))
    assert m.derl(d, n - 1) == pytest.approx(direct, rel=1e-9)


def test_bgbb_donations_fader_hardie_shang_2010():
    import pandas as pd

    from crmlab.btyd.bgbb import BetaGeoBetaBinom

    d = pd.read_csv("data/raw/donations/donations.csv")
    m = BetaGeoBetaBinom().fit(d["frequency"], d["recency"], d["periods"], d["weights"])
    got = [round(m.params_[k], 3) for k in ("alpha", "beta", "gamma", "delta")]
    assert got == [1.204, 0.750, 0.657, 2.783]
    # Table 6 (as quoted by lifetimes' test): P(alive in 2002) for (0,0), (2,4), (6,6)
    pa = m.conditional_probability_alive([0, 2, 6], [0, 4, 6], [6, 6, 6])
    assert np.round(pa, 2).tolist() == [0.11, 0.59, 0.93]


def test_bgbb_conditional_expectation_cohort_total():
    import pandas as pd

    from crmlab.btyd import BetaGeoBetaBinom

    d = pd.read_csv("data/raw/donations/donations.csv")
    m = BetaGeoBetaBinom().fit(d["frequency"], d["recency"], d["periods"], d["weights"])
    e = m.conditional_expected_number_of_purchases_up_to_time(5, d["frequency"], d["recency"], d["periods"])
    assert round(float(np.sum(e * d["weights"])), 1) == pytest.approx(12884.2, abs=0.5)


def test_mbgnbd_cdnow_sample():
    from crmlab.btyd.mbgnbd import ModifiedBetaGeo
    from crmlab.data import load_cdnow
    from crmlab.rfm import rfm_summary

    s = rfm_summary(load_cdnow("sample"), observation_end="1998-06-30", calibration_end="1997-09-30")
    m = ModifiedBetaGeo().fit(s["frequency"], s["recency"], s["T"])
    got = [round(m.params_[k], 3) for k in ("r", "alpha", "a", "b")]
    assert got == [0.525, 6.183, 0.891, 1.614]
    assert 0 < m.conditional_probability_alive(0, 0, 39) < 1


def test_bgbb_dert_matches_sum_of_definition():
    from scipy import special

    from crmlab.btyd import BetaGeoBetaBinom
    from crmlab.btyd.bgbb import _bgbb_loglik

    al, be, ga, de = 1.204, 0.750, 0.657, 2.783
    m = BetaGeoBetaBinom.from_params(alpha=al, beta=be, gamma=ga, delta=de)
    x, tx, n, d = 3, 5, 6, 0.1
    k = np.arange(1, 4000)
    terms = special.betaln(al + x + 1, be + n - x) - special.betaln(al, be) + special.betaln(ga, de + n + k)
    terms = terms - special.betaln(ga, de) - _bgbb_loglik(al, be, ga, de, x, tx, n)
    direct = np.sum(np.exp(terms) / (1 + d) ** k)
    assert m.dert(d, x, tx, n) == pytest.approx(direct, rel=1e-8)
