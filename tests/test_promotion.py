"""crmlab.promotion: hand-computed tables, published intervals, and the synthetic campaign's truth."""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.stats import spearmanr

from crmlab import promotion as pr
from crmlab import synth
from crmlab.exceptions import CRMDataError, NotFittedError

# ---------------------------------------------------------------- intervals (published values)


def test_wilson_and_newcombe_intervals():
    lo, hi = pr.wilson_interval(3, 10)
    assert (lo, hi) == pytest.approx((0.1078, 0.6032), abs=1e-4)
    # Newcombe (1998), example (a): 56/70 - 48/80, method 10 (hybrid score): 0.0524 to 0.3339
    assert pr.newcombe_interval(56, 70, 48, 80) == pytest.approx((0.0524, 0.3339), abs=1e-4)


# ---------------------------------------------------------------- a campaign by hand

HAND = pd.DataFrame(
    {
        "customer_id": list("abcdefghijkl"),
        "targeted": [True] * 10 + [False] * 2,
        "control": [False] * 6 + [True] * 4 + [False] * 2,
        "responded": [1, 0, 1, 0, 1, 0, 1, 0, 0, 0, 1, 0],
        "revenue": [10.0, 0, 20, 0, 30, 0, 10, 0, 0, 0, 5, 0],
    }
)


def test_campaign_effect_by_hand():
    e = pr.campaign_effect(HAND, cost_per_contact=1.0, margin_rate=0.5)
    rate = e.loc["response_rate"]
    assert (rate["treated"], rate["control"], rate["difference"]) == pytest.approx((0.5, 0.25, 0.25))
    assert (rate["low"], rate["high"]) == pr.newcombe_interval(3, 6, 1, 4)
    assert rate["incremental"] == pytest.approx(0.25 * 6)
    rev = e.loc["revenue_per_customer"]
    assert rev["difference"] == pytest.approx(10 - 2.5)
    # Welch by hand: s_T^2 = 800/5 = 160, s_C^2 = 75/3 = 25; SE^2 = 160/6 + 25/4
    se2 = 160 / 6 + 25 / 4
    df = se2**2 / ((160 / 6) ** 2 / 5 + (25 / 4) ** 2 / 3)
    half = stats.t.ppf(0.975, df) * np.sqrt(se2)
    assert (rev["low"], rev["high"]) == pytest.approx((7.5 - half, 7.5 + half))
    assert rev["incremental"] == pytest.approx(45.0)
    assert e.loc["margin", "incremental"] == pytest.approx(22.5)
    assert e.attrs["n_treated"] == 6 and e.attrs["n_control"] == 4 and e.attrs["contact_cost"] == 6
    assert e.attrs["roi"] == pytest.approx((22.5 - 6) / 6)
    naive = pr.naive_attribution(HAND)
    assert naive == {"responders": 3, "average_revenue": 20.0, "revenue": 60.0}


def test_diff_in_diff_by_hand():
    d = pr.diff_in_diff([0, 1, 0, 1, 0, 0], [1, 1, 1, 1, 0, 1], [True, True, True, False, False, False])
    assert (d["treated_change"], d["untreated_change"], d["did"]) == pytest.approx((2 / 3, 1 / 3, 1 / 3))
    assert d["low"] < d["did"] < d["high"]
    with pytest.raises(ValueError, match="same length"):
        pr.diff_in_diff([0, 1], [1], [True, False])


def test_campaign_needs_a_proper_control_group():
    with pytest.raises(CRMDataError, match="campaign.control"):
        pr.campaign_effect(HAND.assign(control=[False] * 11 + [True]))
    with pytest.raises(CRMDataError, match="campaign"):
        pr.campaign_effect(HAND.drop(columns="revenue"))


# ---------------------------------------------------------------- Qini by hand


def test_qini_by_hand():
    # ranked: T responder, C non-responder, T non-responder, C responder
    score, t, y = [4, 3, 2, 1], [True, False, True, False], [1, 0, 0, 1]
    c = pr.qini_curve(score, t, y, n_points=5)
    assert c["fraction"].tolist() == [0, 0.25, 0.5, 0.75, 1]
    assert c["qini"].tolist() == [0, 1, 1, 1, 0]  # last: 1 - 1 * 2/2
    assert c.loc[2, "uplift"] == pytest.approx((1 / 1 - 0 / 1) * 2)
    # area between the curve and the random line (here flat at 0): 0.75; per treated: 0.375
    assert pr.qini_coefficient(score, t, y) == pytest.approx(0.375)
    assert pr.qini_coefficient([1, 2, 3, 4], t, y) < 0  # the reverse ranking is worse than random
    dec = pr.uplift_by_decile(score, t, y, q=2)
    assert dec["observed_uplift"].tolist() == [1.0, -1.0]


def test_target_next_by_hand():
    out = pr.target_next(pd.Series([0.1, -0.05, 0.02], index=["a", "b", "c"]), 20.0, 1.0)
    assert out.index.tolist() == ["a", "c", "b"]
    assert out["expected_profit"].tolist() == pytest.approx([1.0, -0.6, -2.0])
    assert out["action"].tolist() == ["contact", "skip", "do not disturb"]
    assert out.attrs["n_contact"] == 1 and out.attrs["expected_profit"] == pytest.approx(1.0)


# ---------------------------------------------------------------- promotions by hand

PROMOS = pd.DataFrame(
    {
        "promotion_id": ["P1", "P2"],
        "type": ["coupon", "coupon"],
        "medium": ["email", "sms"],
        "start": pd.to_datetime(["2024-02-01", "2024-03-01"]),
        "end": pd.to_datetime(["2024-02-10", "2024-03-10"]),
        "cost": [100.0, 50.0],
    }
)
TX = pd.DataFrame(
    {
        "customer_id": ["a", "b", "c", "a", "d", "b"],
        "date": pd.to_datetime(
            ["2024-01-05", "2024-01-06", "2024-01-07", "2024-02-03", "2024-02-04", "2024-03-02"]
        ),
        "amount": [20.0, 30, 40, 100, 50, 80],
        "cost": [10.0, 15, 20, 60, 30, 40],
        "promotion_id": pd.array([None, None, None, "P1", "P1", "P2"], dtype="string"),
    }
)


def test_promotion_response_by_hand():
    r = pr.promotion_response(TX, PROMOS, n_boot=200)
    # P1: active base a, b, c (d is new); responders a; revenue 100 + 50; margin 40 + 20
    p1 = r.loc["P1"]
    assert (p1["active_base"], p1["responders"], p1["revenue"], p1["value"]) == (3, 1, 150.0, 60.0)
    assert p1["response_rate"] == pytest.approx(1 / 3)
    assert (p1["rate_low"], p1["rate_high"]) == pytest.approx(
        tuple(float(v) for v in pr.wilson_interval(1, 3))
    )
    assert p1["roi"] == pytest.approx((60 - 100) / 100)
    assert p1["roi_low"] <= p1["roi"] <= p1["roi_high"]
    p2 = r.loc["P2"]  # base a, b, c, d; responder b; margin 40
    assert (p2["active_base"], p2["responders"], p2["roi"]) == (4, 1, pytest.approx(-0.2))
    assert r.attrs["roi_basis"] == "margin"
    by_type = pr.promotion_response(TX, PROMOS, by="type", n_boot=200).loc["coupon"]
    assert (by_type["active_base"], by_type["responders"], by_type["cost"]) == (7, 2, 150.0)
    assert by_type["roi"] == pytest.approx((100 - 150) / 150)
    assert pr.promotion_response(TX.drop(columns="cost"), PROMOS, n_boot=200).attrs["roi_basis"] == "revenue"


def test_promotion_incrementality_by_hand():
    days = pd.date_range("2024-01-01", periods=61)
    window = (days >= "2024-01-29") & (days <= "2024-02-02")  # 5 days
    rows = []
    for d, w in zip(days, window):
        rows += [(d, None)] * 2 + ([(d, "P1")] * 3 if w else [])
    tx = pd.DataFrame(rows, columns=["date", "promotion_id"]).astype({"promotion_id": "string"})
    promos = pd.DataFrame({"promotion_id": ["P1"], "start": [days[window][0]], "end": [days[window][-1]]})
    out = pr.promotion_incrementality(tx, promos, baseline_days=28, repeat_only=False).loc["P1"]
    assert (out["orders"], out["baseline"], out["incremental"]) == pytest.approx((25, 10, 15))
    assert out["promoted_orders"] == 15 and out["subsidised"] == pytest.approx(0)
    se = np.sqrt(25 + 25 * 112 / 56**2)  # 56 baseline days (28 before, 28 after), 112 orders
    assert out["incremental_high"] - out["incremental"] == pytest.approx(1.959964 * se, rel=1e-5)


# ---------------------------------------------------------------- the synthetic truth


@pytest.fixture(scope="module")
def shop():
    return synth.generate(10_000, seed=0)


def test_campaign_effect_covers_the_true_incremental_effect(shop):
    e = pr.campaign_effect(shop.campaign)
    truth = shop.truth.params["campaign"]
    rate, rev = e.loc["response_rate"], e.loc["revenue_per_customer"]
    assert rate["low"] <= truth["uplift_treated"] <= rate["high"]
    assert rev["low"] <= truth["uplift_revenue_treated"] <= rev["high"]
    assert rate["incremental_low"] <= truth["incremental_responses"] <= rate["incremental_high"]
    assert rev["incremental_low"] <= truth["incremental_revenue"] <= rev["incremental_high"]
    assert rate["low"] > 0  # the campaign does raise the response rate
    # the naive figure credits the campaign with all the responders' revenue: far outside the interval
    naive = pr.naive_attribution(shop.campaign)
    distance = naive["revenue"] - truth["incremental_revenue"]
    assert naive["revenue"] > 2 * rev["incremental_high"] and distance > 0.9 * naive["revenue"]
    assert naive["responders"] > 4 * truth["incremental_responses"]


def test_campaign_intervals_cover_the_truth_across_seeds():
    hits = np.zeros(2)
    seeds = range(100, 120)
    for seed in seeds:
        pop = synth.generate(1_500, seed=seed)
        e, truth = pr.campaign_effect(pop.campaign), pop.truth.params["campaign"]
        hits += [
            e.loc["response_rate", "low"] <= truth["uplift_treated"] <= e.loc["response_rate", "high"],
            e.loc["revenue_per_customer", "low"]
            <= truth["uplift_revenue_treated"]
            <= e.loc["revenue_per_customer", "high"],
        ]
    assert (hits >= 17).all(), hits  # nominal 95 %: at least 17 of 20


def test_diff_in_diff_without_the_control_group(shop):
    p = shop.truth.params["campaign"]
    did = pr.campaign_diff_in_diff(shop.campaign, shop.transactions, p["date"], p["window_days"])
    assert did.loc["response_rate", "low"] <= p["uplift_treated"] <= did.loc["response_rate", "high"]
    assert did.loc["response_rate", "n_untreated"] == (~shop.campaign["targeted"]).sum()


def test_promotion_driven_orders_match_the_truth(shop):
    inc = pr.promotion_incrementality(shop.transactions, shop.promotions)
    tx = shop.transactions.merge(shop.truth.orders, on="order_id")
    true = int(tx["promo_driven"].sum())
    assert inc["incremental"].sum() == pytest.approx(true, rel=0.05)
    assert inc["promoted_orders"].sum() > 1.5 * true  # most promoted orders would have happened anyway


def test_response_by_medium_follows_reach(shop):
    r = pr.promotion_response(shop.transactions, shop.promotions, by="medium", n_boot=200)
    assert r.loc["email", "rate_low"] > r.loc["sms", "rate_high"]  # reach 1.0 vs 0.6 in the generator
    assert set(r.index) == set(synth.PROMOTION_MEDIA)


def test_uplift_models_find_the_price_sensitive(shop):
    camp = shop.campaign[shop.campaign["targeted"]]
    X = pr.uplift_features(shop.transactions, shop.customers, customer_ids=camp["customer_id"])
    t, y = (~camp["control"]).to_numpy(), camp["responded"].to_numpy()
    train = np.random.default_rng(0).random(len(camp)) < 0.5
    true = shop.truth.campaign.loc[camp["customer_id"], "uplift"].to_numpy()[~train]
    two = pr.UpliftModel("two_model").fit(X[train], t[train], y[train]).predict(X[~train])
    assert spearmanr(two, true)[0] > 0.25
    for method in pr.UPLIFT_METHODS:
        score = pr.UpliftModel(method).fit(X[train], t[train], y[train]).predict(X[~train]).to_numpy()
        top = score >= np.quantile(score, 0.7)
        assert true[top].mean() > 1.2 * true.mean(), method  # the top 30 % gain more than average
    oracle = pr.qini_coefficient(true, t[~train], y[~train])
    assert oracle > pr.qini_coefficient(-true, t[~train], y[~train])


def test_uplift_model_contract():
    model = pr.UpliftModel("class_transformation")
    with pytest.raises(NotFittedError):
        model.predict(np.zeros((2, 1)))
    with pytest.raises(ValueError, match="method"):
        pr.UpliftModel("three_model").fit(np.zeros((4, 1)), [1, 1, 0, 0], [1, 0, 1, 0])
    fitted = model.fit(np.arange(8.0)[:, None], [1, 1, 1, 1, 0, 0, 0, 0], [1, 0, 1, 0, 1, 0, 0, 1])
    assert fitted.summary().loc["method", "value"] == "class_transformation"
    with pytest.raises(CRMDataError, match="0/1"):
        pr.UpliftModel().fit(np.zeros((4, 1)), [1, 1, 0, 0], [2, 0, 1, 0])


def test_plots_return_axes():
    c = pr.qini_curve([4, 3, 2, 1], [True, False, True, False], [1, 0, 0, 1])
    ax = pr.plot_qini({"model": c, "oracle": c})
    assert len(ax.get_lines()) == 3
    fig, axes = plt.subplots(1, 2)
    dec = pr.uplift_by_decile([4, 3, 2, 1], [True, False, True, False], [1, 0, 0, 1], q=2)
    assert pr.plot_uplift_by_decile(dec, ax=axes[0]) is axes[0]
    assert pr.plot_qini(c, ax=axes[1], per_treated=True) is axes[1]
    plt.close("all")
