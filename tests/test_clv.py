"""Tests of crmlab.clv on small hand-computed tables."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from crmlab._style import LOSS, TOTAL  # noqa: E402
from crmlab.clv import (  # noqa: E402
    COMPONENTS,
    REICHHELD_PROFILES,
    clv_components,
    clv_schedule,
    clv_sensitivity,
    cohort_clv,
    customer_delivered_value,
    customer_profitability,
    discounted_clv,
    holdout_calibration,
    kotler_retention,
    margin_multiples,
    plot_cohort_clv,
    plot_cohort_retention,
    plot_holdout_calibration,
    plot_tornado,
    plot_waterfall,
    plot_whale_curve,
    reichheld_simulation,
    relationship_costs,
    share_of_wallet,
    whale_curve,
)
from crmlab.data import CRMDataError  # noqa: E402

# --------------------------------------------------------------------------- discounted_clv


def test_infinite_horizon_closed_forms_by_hand():
    # m r / (1 + d - r) = 100 * 0.8 / 0.3
    assert discounted_clv(100, 0.8, 0.1) == pytest.approx(266.6667, abs=1e-4)
    # m (1 + d) / (1 + d - r) = 100 * 1.1 / 0.3
    assert discounted_clv(100, 0.8, 0.1, timing="begin") == pytest.approx(366.6667, abs=1e-4)
    assert discounted_clv(100, 0.8, 0.1, acquisition_cost=50) == pytest.approx(216.6667, abs=1e-4)


def test_finite_horizon_by_hand():
    # end: 100 (0.8/1.1 + 0.64/1.21 + 0.512/1.331) = 72.7273 + 52.8926 + 38.4673
    assert discounted_clv(100, 0.8, 0.1, horizon=3) == pytest.approx(164.0872, abs=1e-4)
    # begin: 100 (1 + 0.8/1.1 + 0.64/1.21)
    assert discounted_clv(100, 0.8, 0.1, horizon=3, timing="begin") == pytest.approx(225.6198, abs=1e-4)
    # per-period margins and retention, no discounting:
    # end   100*.9 + 200*.72 + 300*.36 = 342 ; begin 100 + 200*.9 + 300*.72 = 496
    assert discounted_clv([100, 200, 300], [0.9, 0.8, 0.5], 0.0) == pytest.approx(342.0)
    assert discounted_clv([100, 200, 300], [0.9, 0.8, 0.5], 0.0, timing="begin") == pytest.approx(496.0)
    # r = 1, d = 0: every margin counts once
    assert discounted_clv(7, 1.0, 0.0, horizon=5) == pytest.approx(35.0)
    assert discounted_clv(7, 1.0, 0.0, horizon=5, timing="begin") == pytest.approx(35.0)


@pytest.mark.parametrize("timing", ["end", "begin"])
@pytest.mark.parametrize("r,d", [(0.5, 0.1), (0.8, 0.1), (0.95, 0.05), (0.9, 0.0), (1.0, 0.12)])
@pytest.mark.parametrize("horizon", [1, 4, 25, None])
def test_closed_forms_equal_the_general_sum(timing, r, d, horizon):
    closed = discounted_clv(80.0, r, d, horizon=horizon, timing=timing, method="closed")
    summed = discounted_clv(80.0, r, d, horizon=horizon, timing=timing, method="sum")
    assert closed == pytest.approx(summed, rel=1e-10)
    if horizon is not None:  # the per-period input goes through the sum
        assert discounted_clv([80.0] * horizon, [r] * horizon, d, timing=timing) == pytest.approx(
            closed, rel=1e-12
        )


def test_begin_is_first_margin_plus_end_one_period_shorter():
    end = discounted_clv(50, 0.7, 0.08, horizon=9)
    begin = discounted_clv(50, 0.7, 0.08, horizon=10, timing="begin")
    assert begin == pytest.approx(50 + end)
    # infinite horizon: begin = end * (1 + d) / r
    assert discounted_clv(50, 0.7, 0.08, timing="begin") == pytest.approx(
        discounted_clv(50, 0.7, 0.08) * 1.08 / 0.7
    )


def test_per_customer_inputs_keep_the_index():
    margins = pd.Series([100.0, 50.0], index=pd.Index(["a", "b"], name="customer_id"))
    retention = pd.Series([0.8, 0.5], index=margins.index)
    acq = pd.Series([10.0, 0.0], index=margins.index)
    out = discounted_clv(margins, retention, 0.1, acquisition_cost=acq)
    assert isinstance(out, pd.Series) and out.name == "clv"
    assert list(out.index) == ["a", "b"]
    # b: 50 * 0.5 / 0.6 = 41.667
    assert out.to_numpy() == pytest.approx([266.6667 - 10, 41.6667], abs=1e-4)
    # scalar retention broadcast over a customer table (rows customers, columns periods)
    table = pd.DataFrame([[100.0, 100.0, 100.0], [10.0, 20.0, 30.0]], index=["a", "b"])
    out = discounted_clv(table, 0.8, 0.1)
    assert out["a"] == pytest.approx(164.0872, abs=1e-4)
    assert out["b"] == pytest.approx(10 * 0.8 / 1.1 + 20 * 0.64 / 1.21 + 30 * 0.512 / 1.331)
    arr = discounted_clv(np.array([[100.0] * 3, [10.0, 20.0, 30.0]]), [0.8, 0.8, 0.8], 0.1)
    assert isinstance(arr, np.ndarray) and arr == pytest.approx(out.to_numpy())


def test_clv_schedule_is_the_four_steps():
    s = clv_schedule(100, 0.8, 0.1, horizon=3)
    assert list(s.index) == [1, 2, 3]
    assert s["survival"].to_numpy() == pytest.approx([0.8, 0.64, 0.512])
    assert s["discount_factor"].to_numpy() == pytest.approx([1 / 1.1, 1 / 1.21, 1 / 1.331])
    assert s["present_value"].to_numpy() == pytest.approx([72.7273, 52.8926, 38.4673], abs=1e-4)
    assert s["cumulative_clv"].iloc[-1] == pytest.approx(discounted_clv(100, 0.8, 0.1, horizon=3))
    b = clv_schedule([100, 200, 300], [0.9, 0.8, 0.5], 0.0, timing="begin")
    assert list(b.index) == [0, 1, 2]
    assert b["survival"].to_numpy() == pytest.approx([1.0, 0.9, 0.72])
    assert b["cumulative_clv"].iloc[-1] == pytest.approx(496.0)


def test_margin_multiples():
    mm = margin_multiples([0.6, 0.8], [0.1, 0.2])
    assert mm.loc[0.8, 0.1] == pytest.approx(0.8 / 0.3)
    assert mm.loc[0.6, 0.2] == pytest.approx(0.6 / 0.6)
    assert margin_multiples(0.8, 0.1, timing="begin").iloc[0, 0] == pytest.approx(1.1 / 0.3)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        (dict(margins=100, retention=1.2, discount_rate=0.1), "within"),
        (dict(margins=100, retention=1.0, discount_rate=0.0), "diverges"),
        (dict(margins=[1, 2, 3], retention=0.8, discount_rate=0.1, horizon=4), "horizon=4"),
        (dict(margins=[1, 2, 3], retention=[0.8, 0.7], discount_rate=0.1), "periods"),
        (dict(margins=[1, 2], retention=0.8, discount_rate=0.1, method="closed"), "no closed form"),
        (dict(margins=100, retention=0.8, discount_rate=0.1, timing="middle"), "timing"),
        (dict(margins=100, retention=0.8, discount_rate=-1.0), "discount_rate"),
        (dict(margins=100, retention=0.8, discount_rate=0.1, horizon=0), "horizon"),
        (dict(margins=100, retention=0.8, discount_rate=0.1, horizon=2.5), "horizon"),
        (dict(margins=[1.0, np.nan], retention=0.8, discount_rate=0.1), "missing"),
        (
            dict(
                margins=pd.Series([1.0], index=["a"]),
                retention=pd.Series([0.5], index=["b"]),
                discount_rate=0.1,
            ),
            "indexes",
        ),
    ],
)
def test_discounted_clv_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        discounted_clv(**kwargs)


# --------------------------------------------------------------------------- components

HAND = dict(
    horizon=2,
    discount_rate=0.1,
    retention=0.5,
    first_purchase_margin=40.0,
    acquisition_cost=60.0,
    revenue=100.0,
    gross_margin=0.5,
    revenue_growth=0.1,
    cross_sell_rate=0.5,
    cross_sell_margin=20.0,
    serving_cost=10.0,
    cost_decline=0.5,
    marketing_cost=5.0,
    referral_rate=0.1,
    referral_value=50.0,
    price_premium=0.1,
)


def test_components_by_hand():
    res = clv_components(**HAND)
    w1, w2 = 0.5 / 1.1, 0.25 / 1.21
    flows = res.cash_flows
    # year 1: revenue 100; year 2: 110
    assert flows["revenue"].iloc[1:].to_numpy() == pytest.approx([100.0, 110.0])
    assert flows.loc[0, "CLV1"] == pytest.approx(-20.0)  # 40 - 60
    assert flows["CLV2"].iloc[1:].to_numpy() == pytest.approx([35.0, 40.0])  # .5 R - 10 - 5
    assert flows["CLV3"].iloc[1:].to_numpy() == pytest.approx([0.0, 10.0])  # 20 (1 - .5)
    assert flows["CLV4"].iloc[1:].to_numpy() == pytest.approx([0.0, 5.0])  # 10 (1 - .5)
    assert flows["CLV5"].iloc[1:].to_numpy() == pytest.approx([5.0, 5.0])  # .1 * 50
    assert flows["CLV6"].iloc[1:].to_numpy() == pytest.approx([0.0, 11.0])  # .1 * 110
    s = res.summary()
    expected = {
        "CLV1": -20.0,
        "CLV2": 35 * w1 + 40 * w2,
        "CLV3": 10 * w2,
        "CLV4": 5 * w2,
        "CLV5": 5 * w1 + 5 * w2,
        "CLV6": 11 * w2,
    }
    for comp, value in expected.items():
        assert s.loc[comp, "present_value"] == pytest.approx(value)
    assert res.total == pytest.approx(12.8512, abs=1e-4)
    assert s.loc["CLV", "present_value"] == pytest.approx(res.total)
    assert s.loc[list(COMPONENTS), "present_value"].sum() == pytest.approx(res.total)
    assert s.loc[list(COMPONENTS), "share_of_clv"].sum() == pytest.approx(1.0)
    assert res.by_year["cumulative"].iloc[-1] == pytest.approx(res.total)


def test_components_sum_to_total_on_defaults_and_match_discounted_clv():
    res = clv_components()
    assert res.by_year[list(COMPONENTS)].to_numpy().sum() == pytest.approx(res.total)
    # only repeat purchases: the component model is discounted_clv plus the first purchase
    plain = clv_components(
        horizon=7,
        discount_rate=0.12,
        retention=0.75,
        first_purchase_margin=30,
        acquisition_cost=50,
        revenue=200,
        gross_margin=0.4,
        revenue_growth=0.0,
        cross_sell_rate=0,
        cross_sell_margin=0,
        serving_cost=15,
        cost_decline=0,
        marketing_cost=5,
        referral_rate=0,
        referral_value=0,
        price_premium=0,
    )
    assert plain.total == pytest.approx(30 - 50 + discounted_clv(200 * 0.4 - 15 - 5, 0.75, 0.12, horizon=7))
    # per-year retention path
    path = clv_components(horizon=3, retention=[0.9, 0.8, 0.7])
    assert path.by_year["survival"].to_numpy() == pytest.approx([1.0, 0.9, 0.72, 0.504])


def test_share_of_wallet_model():
    base = dict(HAND, revenue_growth=0.0)
    res = clv_components(**base, wallet=200.0, share_of_wallet_max=0.9, share_of_wallet_speed=0.5)
    flows = res.cash_flows
    # s1 = 100/200 = .5, s2 = .9 - (.9 - .5) * .5 = .7, revenue = 200 * s
    assert flows["share_of_wallet"].iloc[1:].to_numpy() == pytest.approx([0.5, 0.7])
    assert flows["revenue"].iloc[1:].to_numpy() == pytest.approx([100.0, 140.0])
    without = clv_components(**base)
    assert np.isnan(without.cash_flows["share_of_wallet"]).all()
    assert res.total > without.total
    # a share that does not rise gives the model without share of wallet
    flat = clv_components(**base, wallet=200.0, share_of_wallet_max=0.5)
    assert flat.total == pytest.approx(without.total)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        (dict(wallet=100.0, revenue=300.0), "exceed the wallet"),
        (dict(gross_margin=1.5), "gross_margin"),
        (dict(horizon=0), "horizon"),
        (dict(horizon=3, retention=[0.9, 0.8]), "retention"),
        (dict(retention=1.1), "retention"),
        (dict(wallet=1000.0, share_of_wallet_max=0.1), "share_of_wallet_max"),
    ],
)
def test_components_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        clv_components(**kwargs)


def test_waterfall_draws_seven_bars():
    ax = clv_components().plot_waterfall()
    assert len(ax.patches) == 7
    plt.close("all")


# --------------------------------------------------------------------------- tornado

SIMPLE = dict(
    horizon=1,
    discount_rate=0.25,
    retention=0.8,
    first_purchase_margin=0.0,
    acquisition_cost=0.0,
    revenue=100.0,
    gross_margin=0.5,
    revenue_growth=0.0,
    cross_sell_rate=0.0,
    cross_sell_margin=0.0,
    serving_cost=10.0,
    cost_decline=0.0,
    marketing_cost=0.0,
    referral_rate=0.0,
    referral_value=0.0,
    price_premium=0.0,
)


def test_tornado_ranks_by_hand():
    # base (50 - 10) 0.8 / 1.25 = 25.6
    sens = clv_sensitivity(change=0.1, **SIMPLE)
    assert sens["base_clv"].iloc[0] == pytest.approx(25.6)
    assert list(sens.index) == [
        "revenue",
        "gross_margin",
        "retention",
        "serving_cost",
        "discount_rate",
        "horizon",
    ]
    assert sens.loc["revenue", ["clv_low", "clv_high"]].to_numpy() == pytest.approx([22.4, 28.8])
    assert sens.loc["retention", ["clv_low", "clv_high"]].to_numpy() == pytest.approx([23.04, 28.16])
    assert sens.loc["serving_cost", "swing"] == pytest.approx(1.28)
    assert sens.loc["discount_rate", "swing"] == pytest.approx(32 / 1.225 - 32 / 1.275)
    assert sens.loc["horizon", ["low_value", "high_value", "swing"]].to_numpy() == pytest.approx([1, 1, 0])


def test_tornado_clips_and_validates():
    sens = clv_sensitivity(change=0.1, factors=["retention", "marketing_cost"], retention=0.95)
    assert sens.loc["retention", "high_value"] == pytest.approx(1.0)  # 1.045 clipped
    assert sens.loc["retention", "low_value"] == pytest.approx(0.855)
    assert list(sens.index) == ["retention", "marketing_cost"]
    defaults = clv_sensitivity()
    for factor in (
        "horizon",
        "discount_rate",
        "retention",
        "referral_rate",
        "revenue_growth",
        "serving_cost",
        "marketing_cost",
    ):
        assert factor in defaults.index
    assert (np.diff(defaults["swing"].to_numpy()) <= 0).all()
    with pytest.raises(ValueError, match="unknown factor"):
        clv_sensitivity(factors=["churn"])
    with pytest.raises(ValueError, match="change"):
        clv_sensitivity(change=0.0)
    ax = plot_tornado(sens)
    assert len(ax.patches) == 4
    plt.close("all")


# --------------------------------------------------------------------------- profitability


def _profit_tables():
    tx = pd.DataFrame(
        {
            "order_id": ["o1", "o1", "o2", "o3", "o4", "o5"],
            "customer_id": ["A", "A", "B", "C", "D", "E"],
            "date": pd.to_datetime(["2024-01-01"] * 6),
            "amount": [100.0, 50.0, 80.0, 40.0, 30.0, 10.0],
            "cost": [60.0, 30.0, 50.0, 20.0, 40.0, 20.0],
        }
    )
    costs = pd.DataFrame({"customer_id": ["A", "E"], "serving": [6.0, 20.0], "marketing": [4.0, 10.0]})
    return tx, costs


def test_profitability_and_whale_curve_by_hand():
    tx, costs = _profit_tables()
    p = customer_profitability(tx, costs)
    assert list(p.index) == ["A", "B", "C", "D", "E"]
    assert p.loc["A", ["orders", "revenue", "direct_cost", "contribution"]].tolist() == [1, 150, 90, 60]
    assert p.loc["A", "contribution_margin"] == pytest.approx(0.4)
    assert p["indirect_cost"].tolist() == [10, 0, 0, 0, 30]
    assert p["profit"].tolist() == [50, 30, 20, -10, -40]
    w = whale_curve(p)
    assert list(w.curve.index) == ["A", "B", "C", "D", "E"]
    assert w.curve["cumulative_profit"].tolist() == [50, 80, 100, 90, 50]
    assert w.curve["cumulative_pct"].tolist() == pytest.approx([100, 160, 200, 180, 100])
    s = w.summary()["value"]
    assert s["total_profit"] == 50
    assert s["peak_profit"] == 100
    assert s["peak_pct_of_total"] == pytest.approx(200.0)
    assert s["customers_at_peak_pct"] == pytest.approx(60.0)
    assert s["unprofitable_pct"] == pytest.approx(40.0)
    assert s["loss_from_unprofitable"] == -50
    ax = plot_whale_curve(w)
    assert ax.get_lines()[-1].get_ydata()[0] == pytest.approx(200.0)  # the peak marker
    plt.close("all")


def test_profitability_keeps_costly_customers_without_purchases():
    tx, costs = _profit_tables()
    costs = pd.concat([costs, pd.DataFrame({"customer_id": ["F"], "serving": [5.0], "marketing": [0.0]})])
    p = customer_profitability(tx, costs)
    assert p.loc["F", ["orders", "revenue", "profit"]].tolist() == [0, 0, -5]
    assert np.isnan(p.loc["F", "contribution_margin"])
    no_costs = customer_profitability(tx.drop(columns="order_id"))
    assert no_costs.loc["A", "orders"] == 2  # rows without order ids
    assert (no_costs["profit"] == no_costs["contribution"]).all()


def test_whale_curve_with_losses_overall():
    w = whale_curve(pd.Series([10.0, -30.0], index=["a", "b"]))
    s = w.summary()["value"]
    assert s["total_profit"] == -20 and np.isnan(s["peak_pct_of_total"])
    assert w.curve["cumulative_pct"].isna().all()


def test_profitability_errors():
    tx, costs = _profit_tables()
    with pytest.raises(CRMDataError) as err:
        customer_profitability(tx.drop(columns="cost"))
    assert err.value.table == "transactions" and err.value.column == "cost"
    bad = tx.copy()
    bad.loc[3, "cost"] = np.nan
    with pytest.raises(CRMDataError) as err:
        customer_profitability(bad)
    assert err.value.n_bad == 1 and "C" in err.value.example
    with pytest.raises(CRMDataError) as err:
        customer_profitability(tx, pd.concat([costs, costs]))
    assert err.value.table == "customer_costs" and err.value.column == "customer_id"
    with pytest.raises(CRMDataError) as err:
        whale_curve(pd.DataFrame({"margin": [1.0]}))
    assert err.value.column == "profit"


def test_relationship_costs():
    customers = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c"],
            "signup_date": pd.to_datetime(["2024-01-01", "2025-01-01", "2026-02-01"]),
            "acquisition_channel": ["web", "store", "web"],
        }
    )
    rc = relationship_costs(
        customers, "2025-12-31", maintenance_per_year=36.525, acquisition_cost={"web": 10.0, "store": 30.0}
    )
    # 730 and 364 days x 0.1 a day; a sign-up after the end costs no maintenance
    assert rc["maintenance_cost"].to_numpy() == pytest.approx([73.0, 36.4, 0.0])
    assert rc["acquisition_cost"].tolist() == [10.0, 30.0, 10.0]
    assert relationship_costs(customers, "2025-12-31", acquisition_cost=5)["acquisition_cost"].tolist() == [
        5,
        5,
        5,
    ]
    with pytest.raises(CRMDataError) as err:
        relationship_costs(customers, "2025-12-31", acquisition_cost={"web": 10.0})
    assert err.value.column == "acquisition_channel" and err.value.n_bad == 1
    # with transactions, maintenance stops lapse_days after the last purchase:
    # a last bought 2024-03-01 -> maintained to 2024-05-30 (150 days); b never bought ->
    # maintained 90 days from sign-up; c signed up after the end -> 0
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "a"],
            "date": pd.to_datetime(["2024-01-10", "2024-03-01"]),
            "amount": [5.0, 5.0],
        }
    )
    lapsed = relationship_costs(
        customers, "2025-12-31", maintenance_per_year=36.525, transactions=tx, lapse_days=90
    )
    assert lapsed["maintenance_cost"].to_numpy() == pytest.approx([15.0, 9.0, 0.0])
    with pytest.raises(ValueError, match="lapse_days must be >= 0"):
        relationship_costs(customers, "2025-12-31", transactions=tx, lapse_days=-1)


def test_share_of_wallet_by_hand():
    tx = pd.DataFrame(
        {
            "customer_id": ["A", "A", "B"],
            "date": pd.to_datetime(["2024-01-01", "2024-06-01", "2024-12-01"]),
            "amount": [200.0, 100.0, 50.0],
        }
    )
    survey = pd.DataFrame({"customer_id": ["A", "B", "C"], "outside_spend": [0.0, 200.0, 100.0]})
    sw = share_of_wallet(tx, survey, observation_end="2025-01-01")
    a_years = 366 / 365.25
    assert sw.loc["A", "annual_spend"] == pytest.approx(300 / a_years)
    assert sw.loc["A", "share_of_wallet"] == pytest.approx(1.0)
    # B: 31 days < min_years = 0.25 -> 50 / 0.25 = 200 a year, wallet 400
    assert sw.loc["B", ["annual_spend", "wallet", "share_of_wallet"]].tolist() == pytest.approx(
        [200, 400, 0.5]
    )
    assert sw.loc["C", ["annual_spend", "share_of_wallet"]].tolist() == [0.0, 0.0]
    with pytest.raises(CRMDataError) as err:
        share_of_wallet(tx, survey.drop(columns="outside_spend"))
    assert err.value.table == "survey" and err.value.column == "outside_spend"


# --------------------------------------------------------------------------- cohorts


def _cohort_tx():
    return pd.DataFrame(
        {
            "customer_id": ["c1", "c1", "c2", "c3", "c3", "c3"],
            "date": pd.to_datetime(
                ["2024-01-15", "2024-04-10", "2024-02-01", "2024-05-01", "2024-08-01", "2024-10-05"]
            ),
            "amount": [100.0, 50.0, 100.0, 80.0, 60.0, 999.0],
            "cost": [60.0, 30.0, 70.0, 40.0, 30.0, 0.0],
        }
    )


def test_cohort_clv_by_hand():
    d = 1.1**4 - 1  # 10 % a quarter
    res = cohort_clv(_cohort_tx(), discount_rate=d, freq="Q", observation_end="2024-09-30")
    assert res.period_discount_rate == pytest.approx(0.1)
    assert list(res.retention.index) == ["2024Q1", "2024Q2"]
    assert res.sizes.tolist() == [2, 1]
    r = res.retention.to_numpy()
    assert r[0] == pytest.approx([1.0, 0.5, 0.0])
    assert r[1, :2] == pytest.approx([1.0, 1.0]) and np.isnan(r[1, 2])
    m = res.margin.to_numpy()
    assert m[0, :2] == pytest.approx([35.0, 20.0]) and np.isnan(m[0, 2])
    assert m[1, :2] == pytest.approx([40.0, 30.0])
    s = res.summary()
    assert s["periods_observed"].tolist() == [3, 2]
    assert s["clv_observed"].to_numpy() == pytest.approx([35 + 10 / 1.1, 40 + 30 / 1.1])
    pooled = res.pooled
    assert pooled["customers"].tolist() == [3, 3, 2]
    assert pooled["active_share"].to_numpy() == pytest.approx([1.0, 2 / 3, 0.0])
    assert pooled["margin_per_active"].to_numpy() == pytest.approx([110 / 3, 25.0, 0.0])
    assert pooled["retention_rate"].to_numpy()[1:] == pytest.approx([2 / 3, 0.0])
    assert pooled["cumulative_clv"].iloc[-1] == pytest.approx(110 / 3 + (2 / 3 * 25) / 1.1)
    assert s["clv_pooled_same_periods"].to_numpy() == pytest.approx(
        [pooled["cumulative_clv"].iloc[2], pooled["cumulative_clv"].iloc[1]]
    )


def test_cohort_clv_incomplete_period_and_gross_margin():
    # 2024-09-15 ends inside Q3: only Q1 and Q2 are complete
    res = cohort_clv(
        _cohort_tx(), discount_rate=0.0, freq="Q", observation_end="2024-09-15", gross_margin=0.5
    )
    assert res.summary()["periods_observed"].tolist() == [2, 1]
    assert res.margin.iloc[0, :2].tolist() == pytest.approx([50.0, 25.0])
    monthly = cohort_clv(_cohort_tx(), discount_rate=0.0, freq="M", observation_end="2024-09-30")
    assert list(monthly.retention.index) == ["2024-01", "2024-02", "2024-05"]


def test_cohort_clv_errors():
    with pytest.raises(CRMDataError) as err:
        cohort_clv(_cohort_tx().drop(columns="cost"))
    assert err.value.column == "cost"
    with pytest.raises(ValueError, match="freq"):
        cohort_clv(_cohort_tx(), freq="W")


def test_holdout_calibration_by_hand():
    pred = pd.Series([5.0, 1.0, 4.0, 2.0, 3.0], index=list("abcde"))
    act = pd.Series([6.0, 0.0, 2.0, 1.0, 5.0], index=list("abcde"))
    tab = holdout_calibration(pred, act, n_groups=2)
    # ranked b(1) d(2) e(3) | c(4) a(5): groups of 3 and 2 (rank * 2 // 5)
    assert tab["customers"].tolist() == [3, 2, 5]
    assert tab["predicted_mean"].tolist() == pytest.approx([2.0, 4.5, 3.0])
    assert tab["actual_mean"].tolist() == pytest.approx([2.0, 4.0, 2.8])
    assert tab["actual_total"].tolist() == pytest.approx([6.0, 8.0, 14.0])
    with pytest.raises(ValueError, match="n_groups"):
        holdout_calibration(pred, act, n_groups=6)
    with pytest.raises(ValueError, match="indexes"):
        holdout_calibration(pred, act.set_axis(list("vwxyz")))


# --------------------------------------------------------------------------- retention economics


def _reasons():
    return pd.DataFrame(
        {
            "reason": ["price", "service", "moved away"],
            "share": [0.40, 0.35, 0.25],
            "preventable": [0.25, 0.60, 0.0],
            "cost_to_fix": [30_000.0, 50_000.0, 0.0],
        }
    )


def test_kotler_retention_by_hand():
    res = kotler_retention(_reasons(), customers=10_000, retention_rate=0.8, clv=200.0)
    t = res.table
    assert t["defectors"].tolist() == pytest.approx([800, 700, 500])
    assert t["lost_profit"].tolist() == pytest.approx([160_000, 140_000, 100_000])
    assert t["recoverable_profit"].tolist() == pytest.approx([40_000, 84_000, 0])
    assert t["net_gain"].tolist() == pytest.approx([10_000, 34_000, 0])
    assert t["fix"].tolist() == [True, True, False]
    s = res.summary()["value"]
    assert s["lost_profit"] == pytest.approx(400_000)
    assert s["break_even_spend"] == pytest.approx(124_000)
    assert s["recommended_spend"] == pytest.approx(80_000)
    assert s["net_gain"] == pytest.approx(44_000)
    assert s["retention_rate_after"] == pytest.approx(0.862)  # (8000 + 200 + 420) / 10000
    # a reason-specific CLV replaces the common one
    per = kotler_retention(_reasons().assign(clv=[100.0, 200.0, 300.0]), 10_000, 0.8)
    assert per.table.loc["price", "fix"] == np.False_  # 200 x 100 = 20,000 < 30,000


def test_kotler_retention_errors():
    with pytest.raises(CRMDataError) as err:
        kotler_retention(_reasons().drop(columns="preventable"), 100, 0.8, clv=1.0)
    assert err.value.table == "churn_reasons" and err.value.column == "preventable"
    bad = _reasons()
    bad.loc[1, "share"] = 0.9
    with pytest.raises(CRMDataError, match="sum to"):
        kotler_retention(bad, 100, 0.8, clv=1.0)
    bad = _reasons()
    bad.loc[2, "preventable"] = 1.5
    with pytest.raises(CRMDataError) as err:
        kotler_retention(bad, 100, 0.8, clv=1.0)
    assert err.value.n_bad == 1 and "moved away" in err.value.example
    with pytest.raises(ValueError, match="clv"):
        kotler_retention(_reasons(), 100, 0.8)
    with pytest.raises(ValueError, match="retention_rate"):
        kotler_retention(_reasons(), 100, 1.2, clv=1.0)


def test_reichheld_simulation_by_hand():
    profiles = pd.DataFrame(
        {
            "retention": [0.5, 0.5],
            "first_year_profit": [10.0, 10.0],
            "profit_growth": [0.0, 1.0],
            "acquisition_cost": [5.0, 20.0],
        },
        index=["flat", "growing"],
    )
    out = reichheld_simulation(profiles, retention_lift=0.05, discount_rate=0.0, horizon=3)
    # flat: 10 (1 + .5 + .25) - 5 = 12.5 -> 10 (1 + .55 + .3025) - 5 = 13.525
    # growing: 10 + 20 x .5 + 40 x .25 - 20 = 10 -> 10 + 11 + 12.1 - 20 = 13.1
    assert out["npv"].tolist() == pytest.approx([12.5, 10.0])
    assert out["npv_lifted"].tolist() == pytest.approx([13.525, 13.1])
    assert out["npv_increase_pct"].tolist() == pytest.approx([8.2, 31.0])
    assert out["in_reichheld_range"].tolist() == [False, True]
    assert out["expected_tenure"].tolist() == pytest.approx([2.0, 2.0])


def test_reichheld_default_profiles_show_both_sides():
    out = reichheld_simulation()
    assert list(out.index) == list(REICHHELD_PROFILES.index)
    assert out["in_reichheld_range"].any() and not out["in_reichheld_range"].all()
    pct = out["npv_increase_pct"]
    # costly acquisition and profit growing with tenure: a large gain; cheap, flat: a small one
    assert pct["credit card"] > 50 > 25 > pct["discount retail"]


def test_reichheld_errors():
    with pytest.raises(CRMDataError) as err:
        reichheld_simulation(REICHHELD_PROFILES.drop(columns="profit_growth"))
    assert err.value.column == "profit_growth"
    with pytest.raises(ValueError, match="exceeds 1"):
        reichheld_simulation(REICHHELD_PROFILES.assign(retention=0.99))


def test_customer_delivered_value_by_hand():
    offers = pd.DataFrame(
        {
            "product": [60, 50],
            "service": [20, 10],
            "personnel": [10, 10],
            "image": [10, 5],
            "money": [50, 40],
            "time": [10, 5],
            "energy": [5, 5],
            "psychic": [5, 0],
        },
        index=["ours", "rival"],
    )
    out = customer_delivered_value(offers)
    assert out["total_customer_value"].tolist() == [100, 75]
    assert out["total_customer_cost"].tolist() == [70, 50]
    assert out["delivered_value"].tolist() == [30, 25]
    assert out["value_ratio"].to_numpy() == pytest.approx([100 / 70, 1.5])
    with pytest.raises(CRMDataError) as err:
        customer_delivered_value(offers.drop(columns="psychic"))
    assert err.value.column == "psychic"
    with pytest.raises(CRMDataError) as err:
        customer_delivered_value(offers.assign(time=[-1, 5]))
    assert err.value.column == "time" and err.value.n_bad == 1


# --------------------------------------------------------------------------- one home per concept


def test_cohort_clv_monthly_active_matrix_is_cohort_counts_on_complete_months():
    from crmlab.cohorts import cohort_counts

    rng = np.random.default_rng(3)
    n = 400
    tx = pd.DataFrame(
        {
            "customer_id": rng.integers(0, 60, n).astype(str),
            "date": pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 600, n), unit="D"),
            "amount": rng.uniform(5, 50, n),
            "cost": 0.0,
        }
    )
    # 2024-08-20 lies inside August: July 2024 is the last complete month
    res = cohort_clv(tx, freq="M", observation_end="2024-08-20")
    counts = cohort_counts(tx, observation_end="2024-07-31")
    assert list(res.active.index) == [f"{c:%Y-%m}" for c in counts.index]
    assert res.active.shape == counts.shape
    np.testing.assert_array_equal(res.active.to_numpy(), counts.to_numpy())
    assert res.sizes.tolist() == counts[0].astype(int).tolist()


def test_observation_end_is_a_day_normalised_to_midnight():
    tx = _cohort_tx()
    # a purchase on the last day, in the afternoon, counts for that day
    late = pd.DataFrame(
        {"customer_id": ["c2"], "date": [pd.Timestamp("2024-09-30 15:00")], "amount": [10.0], "cost": [0.0]}
    )
    res = cohort_clv(
        pd.concat([tx, late], ignore_index=True), discount_rate=0.0, observation_end="2024-09-30"
    )
    assert res.retention.iloc[0].tolist() == pytest.approx([1.0, 0.5, 0.5])  # c2 bought in its cohort's Q3
    sw_tx = pd.DataFrame(
        {
            "customer_id": ["A", "B"],
            "date": pd.to_datetime(["2024-01-01", "2024-12-01"]),
            "amount": [200.0, 50.0],
        }
    )
    survey = pd.DataFrame({"customer_id": ["A", "B"], "outside_spend": [100.0, 0.0]})
    at_noon = share_of_wallet(sw_tx, survey, observation_end="2025-01-01 12:00")
    at_midnight = share_of_wallet(sw_tx, survey, observation_end="2025-01-01")
    pd.testing.assert_frame_equal(at_noon, at_midnight)
    assert at_noon.loc["A", "annual_spend"] == pytest.approx(200 / (366 / 365.25))


# --------------------------------------------------------------------------- error policy


def test_bad_arguments_are_value_or_type_errors_naming_them():
    with pytest.raises(TypeError, match="margins"):
        discounted_clv("100", 0.8, 0.1)
    with pytest.raises(TypeError, match="discount_rate"):
        discounted_clv(100, 0.8, "10%")
    with pytest.raises(TypeError, match="customers"):
        kotler_retention(_reasons(), "many", 0.8, clv=1.0)
    with pytest.raises(ValueError, match="n_groups"):
        holdout_calibration([1.0, 2.0, 3.0], [1.0, 2.0, 3.0], n_groups=2.5)
    with pytest.raises(ValueError, match="method"):
        discounted_clv(100, 0.8, 0.1, method="exact")
    with pytest.raises(TypeError, match="customer_costs"):
        customer_profitability(_profit_tables()[0], [1.0, 2.0])
    with pytest.raises(TypeError, match="DataFrame"):
        customer_profitability([1, 2, 3])


def test_bad_data_are_crm_data_errors_naming_table_column_and_row():
    margins = pd.Series([100.0, np.nan], index=pd.Index(["a", "b"], name="customer_id"))
    with pytest.raises(CRMDataError) as err:
        discounted_clv(margins, 0.8, 0.1)
    assert err.value.table == "margins" and err.value.n_bad == 1 and "'b'" in err.value.example
    tx, _ = _profit_tables()
    with pytest.raises(CRMDataError) as err:
        share_of_wallet(
            tx.assign(date=tx["date"].astype(str)),
            pd.DataFrame({"customer_id": ["A"], "outside_spend": [1.0]}),
        )
    assert err.value.column == "date"
    with pytest.raises(CRMDataError) as err:
        whale_curve(pd.Series([1.0, np.inf, 2.0], index=["a", "b", "c"]))
    assert err.value.column == "profit" and err.value.n_bad == 1 and "'b'" in err.value.example
    survey = pd.DataFrame({"customer_id": ["A", "A", "B"], "outside_spend": [1.0, 2.0, 3.0]})
    with pytest.raises(CRMDataError) as err:
        share_of_wallet(tx, survey)
    assert err.value.table == "survey" and err.value.column == "customer_id" and err.value.n_bad == 1
    customers = pd.DataFrame({"customer_id": ["A"], "signup_date": pd.to_datetime(["2024-01-01"])})
    with pytest.raises(CRMDataError) as err:
        relationship_costs(customers, "2025-01-01", transactions=tx.drop(columns="date"))
    assert err.value.table == "transactions" and err.value.column == "date"
    with pytest.raises(CRMDataError) as err:
        cohort_clv(_cohort_tx(), observation_end="2023-01-01")
    assert err.value.column == "date"


# --------------------------------------------------------------------------- plots


def test_plot_waterfall_bars_are_the_components():
    res = clv_components(**HAND)
    ax = plot_waterfall(res)
    heights = [p.get_height() for p in ax.patches]
    expected = res.summary()["present_value"].to_numpy()  # CLV1..CLV6, then the CLV
    assert heights == pytest.approx(expected)
    assert ax.patches[0].get_facecolor()[:3] == pytest.approx(matplotlib.colors.to_rgb(LOSS))  # CLV1 = -20
    assert ax.patches[6].get_facecolor()[:3] == pytest.approx(matplotlib.colors.to_rgb(TOTAL))
    _, given = plt.subplots()
    assert res.plot_waterfall(ax=given) is given
    plt.close("all")


def test_cohort_plots_draw_the_tables():
    res = cohort_clv(_cohort_tx(), discount_rate=1.1**4 - 1, freq="Q", observation_end="2024-09-30")
    ax = plot_cohort_retention(res)
    cells = ax.collections[0].get_array()
    shown = np.ma.masked_invalid(res.retention.to_numpy()).ravel()
    assert cells.compressed().tolist() == pytest.approx(shown.compressed().tolist())  # 1, .5, 0, 1, 1
    ax = plot_cohort_clv(res)
    assert ax.get_lines()[0].get_ydata() == pytest.approx(res.pooled["cumulative_clv"].to_numpy())
    points = ax.collections[0].get_offsets()
    assert points[:, 0].tolist() == [2, 1]  # last observed period of each cohort
    assert points[:, 1].tolist() == pytest.approx([35 + 10 / 1.1, 40 + 30 / 1.1])
    with pytest.raises(TypeError, match="cohort_clv"):
        plot_cohort_clv(res.pooled)
    plt.close("all")


def test_plot_holdout_calibration_draws_both_means():
    pred = pd.Series([5.0, 1.0, 4.0, 2.0, 3.0], index=list("abcde"))
    act = pd.Series([6.0, 0.0, 2.0, 1.0, 5.0], index=list("abcde"))
    ax = plot_holdout_calibration(holdout_calibration(pred, act, n_groups=2))
    predicted, actual = ax.get_lines()
    assert predicted.get_ydata() == pytest.approx([2.0, 4.5])
    assert actual.get_ydata() == pytest.approx([2.0, 4.0])
    with pytest.raises(TypeError, match="whale_curve"):
        plot_whale_curve(pd.DataFrame({"profit": [1.0]}))
    plt.close("all")
