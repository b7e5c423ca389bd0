"""Tests for crmlab.loyalty: hand-computed factor tables, textbook AHP and entropy cases,
the index arithmetic, typologies, and the synthetic population's truth."""

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from crmlab import loyalty as L
from crmlab import synth
from crmlab.data import CRMDataError

WPY = 365.25 / 7.0
END = "2024-12-30"  # 364 days after 2024-01-01: customer a has T = 52 weeks


# --------------------------------------------------------------------------- fixtures


@pytest.fixture
def tx():
    rows = [
        # customer a: purchase days Jan 1 (two orders), Feb 12, Jun 10, Sep 30 -> 4 days
        ("a", "2024-01-01", 10.0, "x", None),
        ("a", "2024-01-01", 20.0, "y", None),
        ("a", "2024-02-12", 30.0, "x", "P1"),
        ("a", "2024-06-10", 40.0, "x", None),
        ("a", "2024-09-30", 50.0, "z", None),
        # customer b: one purchase four weeks before the end
        ("b", "2024-12-02", 80.0, "x", "P2"),
        # customer c: Jul 1 and Oct 28, plus one after the end (ignored)
        ("c", "2024-07-01", 60.0, "y", None),
        ("c", "2024-10-28", 60.0, "y", None),
        ("c", "2025-01-05", 999.0, "z", None),
        # customer d: first purchase after the end: not a customer yet
        ("d", "2025-02-01", 5.0, "x", None),
    ]
    out = pd.DataFrame(rows, columns=["customer_id", "date", "amount", "category", "promotion_id"])
    out["date"] = pd.to_datetime(out["date"])
    return out


@pytest.fixture
def survey():
    return pd.DataFrame(
        {
            "customer_id": ["a", "c", "zz"],  # zz never bought: ignored
            "outside_spend": [350.0, 0.0, 10.0],
            "recommend": [5, 9, 1],
            "price_sensitivity": [8, 2, 5],
            "voluntariness": [4, 8, 5],
            "satisfaction": [5.0, 7.0, 3.0],
        }
    )


CRITERIA = [[1, 2, 1 / 2], [1 / 2, 1, 1 / 3], [2, 3, 1]]
SUBSYSTEMS = {
    "A1": [[1, 1 / 2, 2], [2, 1, 3], [1 / 2, 1 / 3, 1]],
    "A2": [[1, 2], [1 / 2, 1]],
    "A3": [[1, 3, 2, 1], [1 / 3, 1, 1 / 2, 1 / 3], [1 / 2, 2, 1, 1 / 2], [1, 3, 2, 1]],
}


# --------------------------------------------------------------------------- factors


def test_factors_hand_computed(tx, survey):
    f = L.loyalty_factors(tx, survey, observation_end=END)
    assert list(f.columns) == list(L.FACTORS.index)
    assert sorted(f.index) == ["a", "b", "c"]
    a, b, c = f.loc["a"], f.loc["b"], f.loc["c"]
    # A11 duration, weeks first -> last purchase day
    assert a["A11"] == pytest.approx(273 / 7)
    assert b["A11"] == 0.0
    assert c["A11"] == pytest.approx(17.0)
    # A12 repeat purchase days per year of tenure (tenure floored at 13 weeks)
    assert a["A12"] == pytest.approx(3 / 52 * WPY)
    assert b["A12"] == 0.0
    assert c["A12"] == pytest.approx(1 / 26 * WPY)
    # A13 trend: a bought 3 days in the first half of its window, 1 in the second
    assert a["A13"] == pytest.approx(-0.5)
    assert np.isnan(b["A13"])  # tenure 4 weeks < 13
    assert c["A13"] == pytest.approx(0.0)
    # A21 share of wallet: annual firm spend / (that + outside spend)
    annual_a = 150.0 / 52 * WPY
    assert a["A21"] == pytest.approx(annual_a / (annual_a + 350.0))
    assert c["A21"] == pytest.approx(1.0)
    assert np.isnan(b["A21"])  # no survey: not estimated
    # A22 distinct categories
    assert (a["A22"], b["A22"], c["A22"]) == (3.0, 1.0, 1.0)
    # emotion factors straight from the survey, NaN for the non-respondent
    assert (a["A31"], a["A32"], a["A33"], a["A34"]) == (5.0, 8.0, 4.0, 5.0)
    assert (c["A31"], c["A32"], c["A33"], c["A34"]) == (9.0, 2.0, 8.0, 7.0)
    assert f.loc["b", ["A31", "A32", "A33", "A34"]].isna().all()
    assert f.attrs["sources"]["A32"] == "survey price_sensitivity"


def test_factors_survey_item_names_and_fallback(tx, survey):
    renamed = survey.rename(columns={"satisfaction": "overall_satisfaction", "recommend": "nps"})
    renamed["referrals"] = [0, 3, 1]
    f = L.loyalty_factors(tx, renamed, observation_end=END, items={"A31": "referrals"})
    assert f.loc["c", "A31"] == 3.0  # referrals count instead of the recommend item
    assert f.loc["c", "A34"] == 7.0  # satisfaction falls back to overall_satisfaction
    assert f.attrs["sources"]["A34"] == "survey overall_satisfaction"
    with pytest.raises(ValueError, match="no survey item for factor"):
        L.loyalty_factors(tx, survey, items={"A11": "x"})


def test_factors_integer_ids(tx, survey):
    ids = {"a": 1, "b": 2, "c": 3, "d": 4, "zz": 99}
    f = L.loyalty_factors(
        tx.assign(customer_id=tx["customer_id"].map(ids)),
        survey.assign(customer_id=survey["customer_id"].map(ids)),
        observation_end=END,
    )
    assert f.loc[3, "A31"] == 9.0 and np.isnan(f.loc[2, "A31"])


def test_factors_without_survey_use_deal_proneness_and_leave_emotion_nan(tx):
    f = L.loyalty_factors(tx, observation_end=END)
    assert f["A21"].isna().all()
    assert f[["A31", "A33", "A34"]].isna().all().all()
    # a: 1 of 4 purchase days on a promotion; b: its one day; c: none
    assert f.loc["a", "A32"] == pytest.approx(0.25)
    assert f.loc["b", "A32"] == pytest.approx(1.0)
    assert f.loc["c", "A32"] == pytest.approx(0.0)
    cat = L.factor_catalog(f)
    assert cat.loc["A32", "source"].startswith("deal proneness")
    assert cat.loc["A31", "available"] == 0 and cat.loc["A11", "available"] == 3


def test_factors_promotion_windows_when_no_promotion_id(tx):
    promotions = pd.DataFrame(
        {
            "promotion_id": ["P1"],
            "type": ["coupon"],
            "medium": ["email"],
            "start": pd.to_datetime(["2024-02-10"]),
            "end": pd.to_datetime(["2024-02-15"]),
            "cost": [1.0],
        }
    )
    f = L.loyalty_factors(tx.drop(columns="promotion_id"), promotions=promotions, observation_end=END)
    assert f.loc["a", "A32"] == pytest.approx(0.25)
    assert f.loc["b", "A32"] == 0.0


def test_factors_transactions_only_like_cdnow(tx):
    f = L.loyalty_factors(tx[["customer_id", "date", "amount"]], observation_end=END)
    assert f[["A11", "A12"]].notna().all().all()
    assert f[["A21", "A22", "A31", "A32", "A33", "A34"]].isna().all().all()


def test_factors_bad_input(tx, survey):
    with pytest.raises(CRMDataError) as err:
        L.loyalty_factors(tx.drop(columns="amount"))
    assert err.value.table == "transactions" and err.value.column == "amount"
    dup = pd.concat([survey, survey.iloc[[0]]])
    with pytest.raises(CRMDataError) as err:
        L.loyalty_factors(tx, dup, observation_end=END)
    assert err.value.table == "survey" and err.value.n_bad == 2 and "'a'" in str(err.value)
    neg = tx.copy()
    neg.loc[3, "amount"] = -5.0
    with pytest.raises(CRMDataError, match="negative"):
        L.loyalty_factors(neg)
    with pytest.raises(ValueError, match="min_tenure_weeks"):
        L.loyalty_factors(tx, min_tenure_weeks=0)


def test_a21_share_of_wallet_has_its_home_in_clv(tx, survey):
    """A21 is crmlab.clv.share_of_wallet with the index's tenure floor (13 weeks = 91 days)."""
    from crmlab.clv import share_of_wallet

    f = L.loyalty_factors(tx, survey, observation_end=END)
    sow = share_of_wallet(tx, survey.iloc[:2], observation_end=END, min_years=13 / WPY)
    assert f.loc[["a", "c"], "A21"].tolist() == pytest.approx(sow["share_of_wallet"].tolist())
    # c: tenure 26 weeks, spend 120 -> 240 a year with the firm, nothing elsewhere
    assert sow.loc["c", "annual_spend"] == pytest.approx(120.0 / 26 * WPY)
    # a tenure below the floor counts as 13 weeks: b's 80 over 4 weeks -> 80 / 13 x 52.18 a year
    late = pd.DataFrame({"customer_id": ["b"], "outside_spend": [100.0]})
    b = L.loyalty_factors(tx, late, observation_end=END).loc["b", "A21"]
    annual_b = 80.0 / 13 * WPY
    assert b == pytest.approx(annual_b / (annual_b + 100.0))
    # a respondent who left outside_spend blank: not estimated
    blank = survey.assign(outside_spend=[np.nan, 0.0, 10.0])
    g = L.loyalty_factors(tx, blank, observation_end=END)
    assert np.isnan(g.loc["a", "A21"]) and g.loc["c", "A21"] == pytest.approx(1.0)


def test_survey_errors_name_rows_and_values(tx, survey):
    bad = survey.assign(recommend=["5", "lots", 1])
    with pytest.raises(CRMDataError, match="1 of 3 rows hold answers that are not numbers") as err:
        L.loyalty_factors(tx, bad, observation_end=END)
    assert err.value.column == "recommend" and "recommend='lots'" in str(err.value)
    neg = survey.assign(outside_spend=[350.0, -1.0, 10.0])
    with pytest.raises(CRMDataError, match="negative outside spend") as err:
        L.loyalty_factors(tx, neg, observation_end=END)
    assert err.value.n_bad == 1 and "customer_id='c'" in str(err.value)
    no_date = tx.copy()
    no_date.loc[4, "date"] = pd.NaT
    with pytest.raises(CRMDataError, match="1 of 10 rows have no date") as err:
        L.loyalty_factors(no_date)
    assert err.value.column == "date" and "row 4" in str(err.value)


def test_plots_draw_on_the_given_axes(tx, survey):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    m = L.satisfaction_loyalty_matrix(
        pd.Series([1.0, 2.0, 3.0, 4.0], index=list("abcd")),
        pd.Series([4.0, 1.0, 3.0, 2.0], index=list("abcd")),
    )
    fig, axes = plt.subplots(1, 2)
    assert L.plot_satisfaction_loyalty(m, ax=axes[0]) is axes[0]
    # each corner names its type and its count (one customer each here)
    assert {t.get_text() for t in axes[0].texts} == {"loyal: 1", "mercenary: 1", "hostage: 1", "defector: 1"}
    outcomes = pd.DataFrame(
        {
            "repurchase": [True, False, True, False],
            "holdout_spend": [5.0, 0, 2.0, 0],
            "holdout_purchases": [2, 0, 1, 0],
        },
        index=list("abcd"),
    )
    v = L.predictive_validity(
        pd.DataFrame({"score": [4.0, 1.0, 3.0, 2.0]}, index=list("abcd")), outcomes, n_bins=2
    )
    assert v.metrics.loc["score", "auc_repurchase"] == pytest.approx(1.0)
    assert L.plot_lift(v, ax=axes[1]) is axes[1]
    plt.close(fig)


def test_normalize_direction_and_constant(tx, survey):
    f = L.loyalty_factors(tx, survey, observation_end=END)
    z = L.normalize_factors(f)
    assert z.loc[["a", "b", "c"], "A11"].tolist() == pytest.approx([1.0, 0.0, 17 / 39])
    # price sensitivity counts against loyalty: the less sensitive customer scores 1
    assert z.loc["a", "A32"] == 0.0 and z.loc["c", "A32"] == 1.0
    assert np.isnan(z.loc["b", "A32"])
    # A22 is 3, 1, 1 -> 1, 0, 0
    assert z["A22"].tolist() == [1.0, 0.0, 0.0]
    const = L.normalize_factors(pd.DataFrame({"A22": [2.0, 2.0, 2.0]}))
    assert const["A22"].isna().all()
    r = L.normalize_factors(pd.DataFrame({"A12": [1.0, 100.0, 2.0, 3.0], "A32": [1, 2, 3, 4]}), "rank")
    assert r["A12"].tolist() == pytest.approx([0.0, 1.0, 1 / 3, 2 / 3])
    assert r["A32"].tolist() == pytest.approx([1.0, 2 / 3, 1 / 3, 0.0])
    w = L.normalize_factors(pd.DataFrame({"A12": np.arange(101.0)}), winsorize=0.1)
    assert w["A12"].iloc[0] == 0.0 and w["A12"].iloc[5] == 0.0 and w["A12"].iloc[50] == pytest.approx(0.5)
    with pytest.raises(ValueError, match="unknown factor"):
        L.normalize_factors(pd.DataFrame({"loyalty": [1, 2]}))


# --------------------------------------------------------------------------- AHP


def test_ahp_lecture_check():
    r = L.ahp_weights([[1, 3, 5], [1 / 3, 1, 3], [1 / 5, 1 / 3, 1]])
    assert r.weights.to_numpy() == pytest.approx([0.6370, 0.2583, 0.1047], abs=5e-5)
    assert r.lambda_max == pytest.approx(3.0385, abs=5e-5)
    assert r.ci == pytest.approx(0.0193, abs=5e-5)
    assert r.cr == pytest.approx(0.033, abs=5e-4)
    assert r.ri == 0.58


def test_ahp_saaty_house_is_inconsistent_and_refused():
    # Saaty (1990) EJOR 48:9-26, "How to make a decision", criteria for buying a house
    house = [
        [1, 5, 3, 7, 6, 6, 1 / 3, 1 / 4],
        [1 / 5, 1, 1 / 3, 5, 3, 3, 1 / 5, 1 / 7],
        [1 / 3, 3, 1, 6, 3, 4, 6, 1 / 5],
        [1 / 7, 1 / 5, 1 / 6, 1, 1 / 3, 1 / 4, 1 / 7, 1 / 8],
        [1 / 6, 1 / 3, 1 / 3, 3, 1, 1 / 2, 1 / 5, 1 / 6],
        [1 / 6, 1 / 3, 1 / 4, 4, 2, 1, 1 / 5, 1 / 6],
        [3, 5, 1 / 6, 7, 5, 5, 1, 1 / 2],
        [4, 7, 5, 8, 6, 6, 2, 1],
    ]
    with pytest.raises(ValueError, match=r"house criteria.*CR = 0\.169"):
        L.ahp_weights(house, name="house criteria")
    r = L.ahp_weights(house, max_cr=None)
    assert r.weights.to_numpy() == pytest.approx(
        [0.173, 0.054, 0.188, 0.018, 0.031, 0.036, 0.167, 0.333], abs=6e-4
    )
    assert r.lambda_max == pytest.approx(9.669, abs=1e-3)
    assert r.cr == pytest.approx(0.169, abs=1e-3)


def test_ahp_saaty_wealth_of_nations():
    # Saaty (1980) The Analytic Hierarchy Process: relative wealth of seven nations (lambda_max 7.61)
    wealth = [
        [1, 4, 9, 6, 6, 5, 5],
        [1 / 4, 1, 7, 5, 5, 3, 4],
        [1 / 9, 1 / 7, 1, 1 / 5, 1 / 5, 1 / 7, 1 / 5],
        [1 / 6, 1 / 5, 5, 1, 1, 1 / 3, 1 / 3],
        [1 / 6, 1 / 5, 5, 1, 1, 1 / 3, 1 / 3],
        [1 / 5, 1 / 3, 7, 3, 3, 1, 2],
        [1 / 5, 1 / 4, 5, 3, 3, 1 / 2, 1],
    ]
    r = L.ahp_weights(wealth, labels=["US", "USSR", "China", "France", "UK", "Japan", "W. Germany"])
    assert r.weights.to_numpy() == pytest.approx([0.427, 0.230, 0.021, 0.052, 0.052, 0.123, 0.094], abs=6e-4)
    assert r.lambda_max == pytest.approx(7.61, abs=5e-3)
    assert r.weights.index[0] == "US"


def test_ahp_saaty_chairs_brightness():
    # Saaty (1977, 1980): relative brightness of four chairs (optics experiment), lambda_max = 4.39
    chairs = [[1, 5, 6, 7], [1 / 5, 1, 4, 6], [1 / 6, 1 / 4, 1, 4], [1 / 7, 1 / 6, 1 / 4, 1]]
    r = L.ahp_weights(chairs, max_cr=None)
    assert r.weights.to_numpy() == pytest.approx([0.61, 0.24, 0.10, 0.05], abs=0.01)
    assert r.lambda_max == pytest.approx(4.39, abs=5e-3)
    assert r.cr > 0.10
    with pytest.raises(ValueError, match="CR = 0.145"):
        L.ahp_weights(chairs)


def test_ahp_consistent_matrix_recovers_vector():
    w = np.array([0.5, 0.2, 0.15, 0.1, 0.05])
    r = L.ahp_weights(L.consistent_matrix(w))
    assert r.weights.to_numpy() == pytest.approx(w, abs=1e-12)
    assert r.lambda_max == pytest.approx(5.0, abs=1e-10)
    assert r.cr == pytest.approx(0.0, abs=1e-10)


def test_ahp_small_n():
    one = L.ahp_weights([[1]])
    assert one.weights.tolist() == [1.0] and one.cr == 0.0 and one.lambda_max == 1.0
    two = L.ahp_weights([[1, 3], [1 / 3, 1]])
    assert two.weights.to_numpy() == pytest.approx([0.75, 0.25])
    assert two.cr == 0.0 and two.lambda_max == pytest.approx(2.0)


def test_ahp_bad_matrices():
    with pytest.raises(ValueError, match="square"):
        L.ahp_weights([[1, 2, 3], [1 / 2, 1, 2]])
    with pytest.raises(ValueError, match="positive"):
        L.ahp_weights([[1, -2], [-0.5, 1]])
    with pytest.raises(ValueError, match=r"not reciprocal: a\[0\]\[1\] = 3 but a\[1\]\[0\] = 2"):
        L.ahp_weights([[1, 3], [2, 1]])
    with pytest.raises(ValueError, match="diagonal"):
        L.ahp_weights([[2, 3], [1 / 3, 1]])
    with pytest.raises(ValueError, match="n <= 10"):
        L.ahp_weights(np.ones((11, 11)))
    # 0.33 for 1/3 is accepted as a reciprocal
    assert L.ahp_weights([[1, 3], [0.33, 1]]).weights.iloc[0] == pytest.approx(0.75, abs=2e-3)


# --------------------------------------------------------------------------- entropy


def test_entropy_check():
    frame = pd.DataFrame([[2, 3, 4], [4, 3, 1], [6, 3, 2], [8, 3, 3]], columns=["x", "c", "y"])
    r = L.entropy_weights(frame)
    assert r.weights.to_numpy() == pytest.approx([0.5, 0.0, 0.5])
    p = np.array([0.1, 0.2, 0.3, 0.4])
    assert r.entropy["x"] == pytest.approx(-(p * np.log(p)).sum() / np.log(4))
    assert r.entropy["c"] == pytest.approx(1.0)


def test_entropy_hand_two_columns_and_nan():
    # column u: p = (0, 1) -> e = 0; column v: p = (.5, .5) -> e = 1 -> all weight on u
    r = L.entropy_weights(pd.DataFrame({"u": [0.0, 5.0], "v": [1.0, 1.0]}))
    assert r.weights.tolist() == [1.0, 0.0]
    # NaN rows are skipped: u on (1, 3) vs w on (1, 1, 2): hand formula
    r = L.entropy_weights(pd.DataFrame({"u": [1.0, 3.0, np.nan], "w": [1.0, 1.0, 2.0]}))
    eu = -(0.25 * np.log(0.25) + 0.75 * np.log(0.75)) / np.log(2)
    ew = -(2 * 0.25 * np.log(0.25) + 0.5 * np.log(0.5)) / np.log(3)
    assert r.weights["u"] == pytest.approx((1 - eu) / ((1 - eu) + (1 - ew)))
    with pytest.raises(ValueError, match="negative"):
        L.entropy_weights(pd.DataFrame({"u": [1.0, -1.0]}))
    with pytest.raises(ValueError, match="no column varies"):
        L.entropy_weights(pd.DataFrame({"u": [1.0, 1.0]}))


# --------------------------------------------------------------------------- weights and index


def test_index_weights_equal_and_ahp():
    eq = L.index_weights("equal")
    assert eq["global"].sum() == pytest.approx(1.0)
    assert eq.loc["A11", "global"] == pytest.approx(1 / 9)
    assert eq.loc["A21", "global"] == pytest.approx(1 / 6)
    assert eq.loc["A34", "global"] == pytest.approx(1 / 12)
    top = [0.5, 0.3, 0.2]
    subs = {
        "A1": L.consistent_matrix([0.6, 0.3, 0.1]),
        "A2": L.consistent_matrix([0.25, 0.75]),
        "A3": L.consistent_matrix([0.4, 0.3, 0.2, 0.1]),
    }
    w = L.index_weights("ahp", criteria=L.consistent_matrix(top), subsystems=subs)
    assert w.loc["A12", "global"] == pytest.approx(0.5 * 0.3)
    assert w.loc["A22", "global"] == pytest.approx(0.3 * 0.75)
    assert w.loc["A34", "global"] == pytest.approx(0.2 * 0.1)
    assert w["global"].sum() == pytest.approx(1.0)
    assert w.attrs["ahp"]["A"].cr == pytest.approx(0.0, abs=1e-10)
    bad = dict(subs, A3=[[1, 9, 9, 1 / 9], [1 / 9, 1, 9, 9], [1 / 9, 1 / 9, 1, 9], [9, 1 / 9, 1 / 9, 1]])
    with pytest.raises(ValueError, match=r"A3 \(emotion\): consistency ratio CR ="):
        L.index_weights("ahp", criteria=CRITERIA, subsystems=bad)
    with pytest.raises(ValueError, match="must be 2 x 2"):
        L.index_weights("ahp", criteria=CRITERIA, subsystems=dict(SUBSYSTEMS, A2=[[1]]))
    with pytest.raises(ValueError, match="scheme"):
        L.index_weights("delphi")


def test_index_weights_entropy_is_global_entropy():
    z = pd.DataFrame({"A11": [0.0, 0.5, 1.0, 1.0], "A12": [0.0, 0.0, 0.0, 1.0], "A22": [1.0, 0.0, 1.0, 0.0]})
    w = L.index_weights("entropy", factors=z)
    expected = L.entropy_weights(z).weights
    assert w.loc[["A11", "A12", "A22"], "global"].to_numpy() == pytest.approx(expected.to_numpy())
    assert w.loc["A31", "global"] == 0.0
    assert w.loc["A11", "parent"] == pytest.approx(expected["A11"] + expected["A12"])
    assert (w["local"] * w["parent"]).to_numpy() == pytest.approx(w["global"].to_numpy())


def test_loyalty_index_reweights_over_available():
    z = pd.DataFrame(
        {"A11": [1.0, 0.0, np.nan], "A12": [0.5, np.nan, np.nan], "A31": [0.0, 1.0, np.nan]},
        index=pd.Index(["a", "b", "c"], name="customer_id"),
    )
    w = pd.Series({"A11": 0.2, "A12": 0.6, "A31": 0.2})
    out = L.loyalty_index(z, w)
    assert out.loc["a", "loyalty_index"] == pytest.approx(100 * (0.2 * 1 + 0.6 * 0.5 + 0.2 * 0) / 1.0)
    assert out.loc["b", "loyalty_index"] == pytest.approx(100 * (0.2 * 0 + 0.2 * 1) / 0.4)
    assert np.isnan(out.loc["c", "loyalty_index"])
    assert out.loc["b", "weight_available"] == pytest.approx(0.4)
    assert out.loc["a", "A1"] == pytest.approx(100 * (0.2 + 0.3) / 0.8)
    assert out.loc["b", "A3"] == pytest.approx(100.0)
    assert np.isnan(out.loc["a", "A2"])
    with pytest.raises(ValueError, match="outside 0..1"):
        L.loyalty_index(pd.DataFrame({"A11": [3.0]}), w)
    with pytest.raises(ValueError, match="no weight"):
        L.loyalty_index(pd.DataFrame({"A22": [0.3]}), w)


def test_loyalty_index_end_to_end_small(tx, survey):
    z = L.normalize_factors(L.loyalty_factors(tx, survey, observation_end=END))
    out = L.loyalty_index(z, L.index_weights("equal"))
    assert out["loyalty_index"].between(0, 100).all()
    # b: A11 = A12 = A22 = 0 and nothing else known -> 0
    assert out.loc["b", "loyalty_index"] == 0.0
    assert out.loc["b", "weight_available"] == pytest.approx(1 / 9 + 1 / 9 + 1 / 6)


# --------------------------------------------------------------------------- robustness


def test_scheme_agreement_kendall():
    frame = pd.DataFrame({"x": [1, 2, 3, 4], "y": [1, 2, 4, 3], "z": [4, 3, 2, 1]})
    tau = L.scheme_agreement(frame)
    assert tau.loc["x", "y"] == pytest.approx(4 / 6)
    assert tau.loc["x", "z"] == pytest.approx(-1.0)
    assert tau.loc["y", "y"] == 1.0


def test_top_decile_stability():
    rng = np.random.default_rng(5)
    one = pd.DataFrame({"A11": rng.random(200)})
    r = L.top_decile_stability(one, pd.Series({"A11": 1.0}), n_draws=20, seed=1)
    assert r.n_top == 20 and (r.retention == 1.0).all()  # one factor: weights cannot reorder
    two = pd.DataFrame({"A11": rng.random(500), "A12": rng.random(500)})
    w = pd.Series({"A11": 0.5, "A12": 0.5})
    r1 = L.top_decile_stability(two, w, n_draws=50, seed=3)
    r2 = L.top_decile_stability(two, w, n_draws=50, seed=3)
    assert np.array_equal(r1.retention, r2.retention)
    assert 0.5 < r1.retention.mean() < 1.0
    wide = L.top_decile_stability(two, w, n_draws=50, seed=3, perturbation=0.9)
    assert wide.retention.mean() < r1.retention.mean()
    assert r1.summary().loc["mean", "customers_staying"] == pytest.approx(r1.retention.mean() * 50)
    with pytest.raises(ValueError, match="perturbation"):
        L.top_decile_stability(two, w, perturbation=1.5)


# --------------------------------------------------------------------------- validity


def test_holdout_outcomes(tx):
    out = L.holdout_outcomes(tx, calibration_end="2024-06-30", observation_end=END)
    assert list(out.index) == ["a"]  # b and c first bought after the calibration end
    assert out.loc["a", "frequency"] == 2  # Feb 12, Jun 10 after Jan 1
    assert out.loc["a", "holdout_purchases"] == 1 and out.loc["a", "holdout_spend"] == 50.0
    assert bool(out.loc["a", "repurchase"])


def test_predictive_validity_perfect_and_useless_scores():
    n = 40
    y = np.r_[np.ones(10, bool), np.zeros(30, bool)]
    outcomes = pd.DataFrame(
        {"repurchase": y, "holdout_purchases": y.astype(int) * 2, "holdout_spend": y * 10.0},
        index=[f"c{i}" for i in range(n)],
    )
    scores = pd.DataFrame(
        {"perfect": y + np.linspace(0, 0.1, n), "reversed": -y.astype(float)}, index=outcomes.index
    )
    v = L.predictive_validity(scores, outcomes)
    m = v.summary()
    assert m.loc["perfect", "auc_repurchase"] == 1.0
    assert m.loc["reversed", "auc_repurchase"] == 0.0
    assert m.loc["perfect", "top_decile_lift"] == pytest.approx(1.0 / 0.25)
    assert m.loc["perfect", "top_decile_spend_share"] == pytest.approx(4 / 10)
    lift = v.lift[v.lift["score"] == "perfect"]
    assert lift["customers"].tolist() == [4] * 10
    assert lift["repurchase_rate"].tolist()[:3] == [1.0, 1.0, 0.5]
    # ties share a decile: 30 customers tied at the top (average rank 15.5 -> decile 4),
    # 10 tied at the bottom (average rank 35.5 -> decile 9)
    rev = v.lift[v.lift["score"] == "reversed"].set_index("decile")
    assert rev["customers"].to_dict() == {4: 30, 9: 10}
    assert rev.loc[9, "repurchase_rate"] == 1.0
    assert m.loc["reversed", "top_decile_lift"] == 0.0


# --------------------------------------------------------------------------- typologies


def test_dick_basu_types_hand():
    z = pd.DataFrame(
        {
            "A31": [1.0, 0.9, 0.1, 0.0, np.nan],
            "A34": [1.0, 0.9, 0.1, 0.0, 0.5],
            "A12": [1.0, 0.0, 1.0, 0.0, 1.0],
        },
        index=list("abcde"),
    )
    db = L.dick_basu_types(z)
    assert db["dick_basu"].tolist()[:4] == ["true", "latent", "spurious", "none"]
    assert db.loc["e", "relative_attitude"] == 0.5  # mean of what is there
    z.loc["e", ["A31", "A34"]] = np.nan
    assert pd.isna(L.dick_basu_types(z).loc["e", "dick_basu"])


def test_loyalty_types_rules():
    db = pd.DataFrame(
        {
            "dick_basu": [
                "true",
                "spurious",
                "spurious",
                "spurious",
                "spurious",
                "none",
                "latent",
                "none",
                None,
            ]
        },
        index=list("abcdefghi"),
    )
    raw = pd.DataFrame(
        {
            "A32": [1, 1, 1, 10, 1, 10, 10, 1, 10],  # position 0 or 1
            "A33": [1, 1, 4, 10, 10, 10, 1, 10, 1],
        },  # position 0, 1/3, 1
        index=db.index,
        dtype=float,
    )
    t = L.loyalty_types(raw, db)["loyalty_type"]
    assert t.tolist()[:8] == [
        "super-value",
        "monopoly",
        "inertia",
        "incentive",
        "none",
        "price",
        "latent",
        "none",
    ]
    assert pd.isna(t["i"])
    # with captivity items in the survey they, not voluntariness, decide monopoly and inertia:
    # b has alternatives (position 1) but high switching cost -> inertia; e has none -> monopoly;
    # c is neither captive nor price-sensitive -> none; d is price-sensitive -> incentive
    survey = pd.DataFrame(
        {
            "customer_id": list("abcdefghi"),
            "alternatives": [5, 10, 10, 10, 1, 5, 5, 5, 5],  # positions: e = 0
            "switching_cost": [5, 10, 1, 1, 1, 5, 5, 5, 1],
        }
    )  # b = 1, c/d/e = 0
    s = L.loyalty_types(raw, db, survey=survey)["loyalty_type"]
    assert s.tolist()[:8] == [
        "super-value",
        "inertia",
        "none",
        "incentive",
        "monopoly",
        "price",
        "latent",
        "none",
    ]


def test_typology_agreement():
    ref = pd.Series(["x", "x", "y", "y"], index=list("abcd"))
    pred = pd.Series(["x", "y", "y", "y", "x"], index=list("abcde"))
    ag = L.typology_agreement(pred, ref)
    assert ag.n == 4 and ag.accuracy == 0.75
    assert ag.confusion.loc["x", "y"] == 1 and ag.confusion.loc["y", "y"] == 2
    assert ag.kappa == pytest.approx((0.75 - 0.5) / (1 - 0.5))
    assert ag.summary().loc["x", "recall"] == 0.5 and ag.summary().loc["y", "precision"] == pytest.approx(
        2 / 3
    )


def test_satisfaction_loyalty_matrix():
    sat = pd.Series([9, 9, 2, 2, np.nan], index=list("abcde"), dtype=float)
    loy = pd.Series([80, 10, 80, 10, 50], index=list("abcde"), dtype=float)
    m = L.satisfaction_loyalty_matrix(sat, loy, satisfaction_cut=5, loyalty_cut=50)
    assert m["customer_type"].tolist() == ["loyal", "mercenary", "hostage", "defector"]
    assert "e" not in m.index
    assert m.loc["c", "strategy"] == L.CUSTOMER_TYPES.loc["hostage", "strategy"]
    assert L.satisfaction_loyalty_matrix(sat, loy).attrs["cuts"] == {"satisfaction": 5.5, "loyalty": 45.0}


def test_relationship_stages(tx):
    st = L.relationship_stages(tx, observation_end=END)
    # a: 52 weeks, 4 days, last 13 weeks ago -> stability; b: one purchase -> exploration;
    # c: 26 weeks, 2 days, last 9 weeks ago -> formation
    assert st.loc["a", "stage"] == "stability"
    assert st.loc["b", "stage"] == "exploration"
    assert st.loc["c", "stage"] == "formation"
    assert st.loc["a", "weeks_since_last"] == pytest.approx(13.0)
    assert st.loc["a", "incentive_program"].startswith("community program")
    lapsed = L.relationship_stages(tx, observation_end=END, lapse_weeks=10)
    assert lapsed.loc["a", "stage"] == "dissolution"


# --------------------------------------------------------------------------- synthetic truth


@pytest.fixture(scope="module")
def population():
    return synth.generate(3000, seed=1)


def test_index_ranks_truly_loyal_customers_higher(population):
    end = pd.Timestamp(population.truth.params["end"])
    f = L.loyalty_factors(population.transactions, population.survey, population.promotions, end)
    z = L.normalize_factors(f, winsorize=0.05)
    idx = L.loyalty_index(z, L.index_weights("ahp", criteria=CRITERIA, subsystems=SUBSYSTEMS))
    loyal = population.truth.customers.loc[f.index, "loyal"]
    assert roc_auc_score(loyal, idx["loyalty_index"]) > 0.70
    db = L.dick_basu_types(z, attitude_quantile=0.6)
    assert L.typology_agreement(db["dick_basu"], population.truth.customers["dick_basu"]).accuracy > 0.5
    types = L.loyalty_types(f, db)["loyalty_type"]
    assert L.typology_agreement(types, population.truth.customers["loyalty_type"]).accuracy > 0.45
    captive = L.loyalty_types(f, db, survey=population.survey)["loyalty_type"]
    truth = population.truth.customers["loyalty_type"]
    with_items = L.typology_agreement(captive, truth).summary()
    without = L.typology_agreement(types, truth).summary()
    assert with_items.loc["monopoly", "recall"] > without.loc["monopoly", "recall"]
    assert with_items.loc["inertia", "recall"] > without.loc["inertia", "recall"]


def test_index_predicts_holdout_repurchase_better_than_frequency(population):
    end = pd.Timestamp(population.truth.params["end"])
    cal = end - pd.Timedelta(weeks=52)
    f = L.loyalty_factors(population.transactions, population.survey, population.promotions, cal)
    z = L.normalize_factors(f, winsorize=0.05)
    out = L.holdout_outcomes(population.transactions, cal, end)
    idx = L.loyalty_index(z, L.index_weights("equal"))["loyalty_index"]
    v = L.predictive_validity(pd.DataFrame({"index": idx, "frequency": out["frequency"]}), out)
    auc = v.summary()["auc_repurchase"]
    assert auc["index"] > auc["frequency"] + 0.03
    assert v.summary().loc["index", "top_decile_lift"] > 1.5
