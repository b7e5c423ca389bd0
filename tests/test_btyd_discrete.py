"""BG/BB (discrete opportunities) and sBG (contractual retention) to the estimator contract, and the
sBG retention path of discounted_clv (issue 13, part 2)."""

import numpy as np
import pandas as pd
import pytest
from scipy import special

from crmlab import btyd
from crmlab.btyd.bgbb import simulate_beta_geo_beta_binom
from crmlab.btyd.sbg import simulate_shifted_beta_geometric
from crmlab.clv import discounted_clv

HIGH_END = [0.869, 0.743, 0.653, 0.593, 0.551, 0.517, 0.491]  # Fader & Hardie (2007), Table 1
DONATIONS = {"alpha": 1.204, "beta": 0.750, "gamma": 0.657, "delta": 2.783}  # FHS (2010)


@pytest.fixture(scope="module")
def donations():
    return pd.read_csv("data/raw/donations/donations.csv")


def test_bgbb_distribution_of_transactions_by_two_formulas(donations):
    m = btyd.BetaGeoBetaBinom.from_params(**DONATIONS)
    p = m.probability_of_n_purchases_up_to_time(6, np.arange(7))
    assert p.sum() == pytest.approx(1.0, abs=1e-12)
    # the mean of eq. 7's distribution is eq. 9's closed form
    assert (p * np.arange(7)).sum() == pytest.approx(
        float(m.expected_number_of_purchases_up_to_time(6)), rel=1e-12
    )
    assert float(m.expected_number_of_purchases_up_to_time(6)) == pytest.approx(2.21963, abs=1e-5)
    # a single opportunity by hand: P(X(1) = 1) = E[p] E[1 - theta] = alpha/(alpha+beta) delta/(gamma+delta)
    by_hand = 1.204 / (1.204 + 0.750) * 2.783 / (0.657 + 2.783)
    assert m.probability_of_n_purchases_up_to_time(1, 1) == pytest.approx(by_hand, rel=1e-12)
    # FHS (2010) Figure 3: expected vs actual donors by number of repeat donations in 1996-2001
    expected = m.expected_number_of_transactions_in_first_n_periods(6, n_customers=11_104)
    actual = donations.groupby("frequency")["weights"].sum()
    assert expected.loc[0] == pytest.approx(3455.8, abs=0.05) and actual.loc[0] == 3464
    assert np.max(np.abs(expected / actual - 1)) < 0.06


def test_bgbb_methods_agree_with_their_definitions(donations):
    m = btyd.BetaGeoBetaBinom.from_params(**DONATIONS)
    # the unconditional expectation is the conditional one of a customer with no history
    assert m.conditional_expected_number_of_purchases_up_to_time(4, 0, 0, 0) == pytest.approx(
        m.expected_number_of_purchases_up_to_time(4), rel=1e-12
    )
    # P(alive one opportunity ahead) falls with the opportunities passed without a transaction
    pa = m.conditional_probability_alive([3, 3, 3], [3, 3, 3], [3, 4, 6])
    assert np.all(np.diff(pa) < 0) and pa[0] < 1


def test_bgbb_simulation_recovers_its_truth_on_weighted_patterns():
    truth = {"alpha": 1.2, "beta": 0.8, "gamma": 0.7, "delta": 2.5}
    sim = simulate_beta_geo_beta_binom(20_000, **truth, n_periods=6, seed=4)
    assert sim.equals(simulate_beta_geo_beta_binom(20_000, **truth, n_periods=6, seed=4))
    patterns = sim.groupby(["frequency", "recency", "n_periods"]).size().rename("n").reset_index()
    m = btyd.BetaGeoBetaBinom().fit(
        patterns["frequency"], patterns["recency"], patterns["n_periods"], patterns["n"]
    )
    z = {k: (m.params_[k] - v) / m.standard_errors_[k] for k, v in truth.items()}
    assert all(abs(v) < 3 for v in z.values()), z
    pa = m.conditional_probability_alive(sim["frequency"], sim["recency"], sim["n_periods"], periods_ahead=0)
    assert abs(pa.mean() - sim["alive"].mean()) < 0.02  # P(alive at n) is calibrated


def test_sbg_multi_cohort_fit_and_simulation():
    single = btyd.ShiftedBetaGeometric().fit_survival(HIGH_END)
    also = btyd.ShiftedBetaGeometric().fit_survival([HIGH_END], n_customers=[1000])
    assert also.params_ == pytest.approx(single.params_, rel=1e-8)
    truth = {"alpha": 0.7, "beta": 1.2}
    older = simulate_shifted_beta_geometric(4000, **truth, n_periods=7, seed=1)
    newer = simulate_shifted_beta_geometric(3000, **truth, n_periods=3, seed=2)

    def survival(sim, periods):
        return [float(np.mean(~(sim["churned"] & (sim["tenure"] <= t)))) for t in range(1, periods + 1)]

    curves = [survival(older, 7), survival(newer, 3)]
    pooled = btyd.ShiftedBetaGeometric().fit_survival(curves, n_customers=[4000, 3000])
    per_customer = btyd.ShiftedBetaGeometric().fit(
        np.concatenate([older["tenure"], newer["tenure"]]),
        np.concatenate([older["churned"], newer["churned"]]),
    )
    assert pooled.params_ == pytest.approx(per_customer.params_, rel=1e-5)
    for k, v in truth.items():
        assert abs(per_customer.params_[k] - v) < 3 * per_customer.standard_errors_[k]


def test_sbg_retention_rate_by_hand():
    m = btyd.ShiftedBetaGeometric.from_params(alpha=0.668, beta=3.806)
    # r(t) = (beta + t - 1) / (alpha + beta + t - 1): 3.806/4.474, 4.806/5.474, ...
    assert m.retention_rate([1, 2, 3]) == pytest.approx([3.806 / 4.474, 4.806 / 5.474, 5.806 / 6.474])
    assert m.survival_function(2) == pytest.approx(3.806 / 4.474 * 4.806 / 5.474, rel=1e-12)


def test_discounted_clv_with_sbg_retention():
    m = btyd.ShiftedBetaGeometric().fit_survival(HIGH_END)
    d = 0.10
    closed = discounted_clv(100.0, m, d)
    long_sum = discounted_clv(100.0, m, d, horizon=3000)
    by_hand = 100.0 * np.sum(m.survival_function(np.arange(1, 3001)) / (1 + d) ** np.arange(1, 3001))
    assert closed == pytest.approx(by_hand, rel=1e-9) and long_sum == pytest.approx(by_hand, rel=1e-9)
    assert closed == pytest.approx(100.0 * float(m.derl(d, 0)) / (1 + d), rel=1e-12)
    assert discounted_clv(100.0, m, d, timing="begin") == pytest.approx(100.0 + closed, rel=1e-12)
    # a constant rate equal to the first year's retention under-values the cohort: 341.2 vs 492.2
    constant = discounted_clv(100.0, float(m.retention_rate(1)), d)
    assert constant == pytest.approx(341.2, abs=0.1) and closed == pytest.approx(492.2, abs=0.1)
    # per-customer margins keep their index
    margins = pd.Series([50.0, 100.0], index=pd.Index(["a", "b"], name="customer_id"))
    per = discounted_clv(margins, m, d)
    assert list(per.index) == ["a", "b"] and per["b"] == pytest.approx(closed)
    # a finite horizon sums the sBG's retention curve
    five = discounted_clv(100.0, m, d, horizon=5)
    assert five == pytest.approx(100 * np.sum(m.survival_function(np.arange(1, 6)) / 1.1 ** np.arange(1, 6)))
    assert special.betaln(1, 1) == 0.0


def test_frequency_fit_and_retention_projection_tables_and_plots(donations):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    m = btyd.BetaGeoBetaBinom.from_params(**DONATIONS)
    table = m.frequency_fit(donations["frequency"], 6, donations["weights"])
    assert table["actual"].tolist() == [3464, 1823, 1430, 1085, 1036, 1063, 1203]
    assert table["expected"].sum() == pytest.approx(11_104)
    assert table.loc[0, "expected"] == pytest.approx(3455.8, abs=0.05)
    ax = btyd.plot_frequency_fit(table)
    heights = [p.get_height() for p in ax.patches]
    assert heights[:7] == table["actual"].tolist() and heights[7:] == pytest.approx(
        table["expected"].tolist()
    )
    plt.close("all")

    sbg = btyd.ShiftedBetaGeometric().fit_survival(HIGH_END)
    proj = sbg.projection(10, observed=HIGH_END)
    assert proj.loc[7, "observed survival"] == 0.491 and np.isnan(proj.loc[8, "observed survival"])
    assert proj.attrs["constant_rate"] == pytest.approx(float(sbg.retention_rate(1)))
    assert proj.loc[10, "constant-rate survival"] == pytest.approx(proj.attrs["constant_rate"] ** 10)
    assert proj.loc[10, "sBG survival"] == pytest.approx(float(sbg.survival_function(10)))
    ax = btyd.plot_retention_projection(proj)
    assert [line.get_label() for line in ax.get_lines()] == ["sBG projection", "constant retention 0.85"]
    plt.close("all")
