"""Churn: features on a hand table, no look-ahead, the model against P(alive) and RFM, the cost decision."""

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import train_test_split

from crmlab import btyd, churn
from crmlab.exceptions import NotFittedError
from crmlab.narrative import holdout_split
from crmlab.rfm import rfm_summary
from crmlab.synth import generate

HAND = pd.DataFrame(
    {
        "customer_id": ["a", "a", "a", "a", "b", "c", "c"],
        "date": pd.to_datetime(
            ["2024-01-01", "2024-01-11", "2024-01-11", "2024-01-31", "2024-01-21", "2024-01-01", "2024-02-05"]
        ),
        "amount": [10.0, 20.0, 30.0, 40.0, 50.0, 5.0, 7.0],
        "promotion_id": ["p1", None, None, "p2", None, None, "p3"],
    }
)


def test_features_by_hand():
    f = churn.churn_features(HAND, "2024-01-31")
    a, b, c = f.loc["a"], f.loc["b"], f.loc["c"]
    # a: purchase days 1, 11, 31 Jan; gaps 10, 20 -> mean 15, sd 5, CV 1/3; midpoint 16 Jan -> 1 late, 2 early
    assert (a["recency_days"], a["frequency"], a["tenure_days"]) == (0, 3, 30)
    assert a["gap_cv"] == pytest.approx(1 / 3)
    assert a["trend"] == pytest.approx((1 - 2) / 3)
    assert a["rate_per_30d"] == pytest.approx(30 * 3 / 31)
    assert a["monetary"] == pytest.approx(25.0)
    assert a["promo_share"] == pytest.approx(0.5)
    assert (b["recency_days"], b["frequency"], b["gap_cv"], b["few_gaps"]) == (10, 1, 0, 1)
    assert c["frequency"] == 1 and c["promo_share"] == 0  # the 5 Feb purchase is after calibration
    labels = churn.churn_labels(HAND, "2024-01-31", window_days=10)
    assert labels.to_dict() == {"a": 1, "b": 1, "c": 0}


def test_no_look_ahead():
    """Features are unchanged when every post-calibration transaction is removed or shuffled."""
    ds = generate(n_customers=1000, seed=3)
    tx, cal = ds.transactions, "2024-12-31"
    full = churn.churn_features(tx, cal, ds.customers)
    before = tx[tx["date"] <= cal]
    assert churn.churn_features(before, cal, ds.customers).equals(full)
    after = tx[tx["date"] > cal].copy()
    after["customer_id"] = np.random.default_rng(0).permutation(after["customer_id"].to_numpy())
    after["amount"] = after["amount"][::-1].to_numpy()
    assert churn.churn_features(pd.concat([before, after]), cal, ds.customers).equals(full)


def test_estimator_contract():
    model = churn.ChurnModel()
    with pytest.raises(NotFittedError):
        model.predict_proba(pd.DataFrame({"x": [1.0]}))
    with pytest.raises(ValueError, match="one class"):
        model.fit(pd.DataFrame({"x": [1.0, 2.0]}), [1, 1])
    assert model.get_params() == {"method": "logistic", "validation_size": 0.3, "random_state": 0}


@pytest.fixture(scope="module")
def synthetic_scores():
    ds = generate(n_customers=10_000, seed=0)
    tx = ds.transactions
    cal, end = holdout_split(tx["date"])
    X = churn.churn_features(tx, cal, ds.customers)
    y = churn.churn_labels(tx, cal, (end - cal).days, X.index)
    train, test = train_test_split(np.asarray(X.index), test_size=0.3, random_state=0)
    scores = {
        m: churn.ChurnModel(m).fit(X.loc[train], y.loc[train]).predict_proba(X.loc[test])
        for m in ("logistic", "boosting")
    }
    summary = rfm_summary(tx, calibration_end=cal, observation_end=end)
    rfm_cols = [summary[c] for c in ("frequency", "recency", "T")]
    for name, cls in (("bgnbd", btyd.BetaGeo), ("pnbd", btyd.ParetoNBD)):
        model = cls().fit(*rfm_cols)
        scores[name] = 1 - pd.Series(
            np.asarray(model.conditional_probability_alive(*rfm_cols)), index=summary.index
        )
    scores["rfm"] = churn.rfm_churn_score(tx, cal)
    return y.loc[test], scores


def test_synthetic_model_beats_baseline_and_matches_p_alive(synthetic_scores):
    """Synthetic population (10,000 customers, seed 0; 6,345 with a purchase by 2025-04-02; 46 % make
    none in the 39-week holdout; 1,904 test customers). Measured: AUC logistic 0.858, boosting 0.864,
    RFM segments 0.832, BG/NBD 1 - P(alive) 0.642 (one-time buyers all get P(alive) = 1), Pareto/NBD
    0.870. Tolerance 0.01: seeded split and booster; only the optimiser's last digits can move. The
    supervised model is within 0.02 of the Pareto/NBD -- a BTYD model with no labels is as good a
    churn ranking here, which is the honest reading."""
    y, s = synthetic_scores
    table = churn.churn_scores_table(y, s)
    assert table.loc["logistic", "auc"] == pytest.approx(0.858, abs=0.01)
    assert table.loc["boosting", "auc"] == pytest.approx(0.864, abs=0.01)
    assert table.loc["rfm", "auc"] == pytest.approx(0.832, abs=0.01)
    assert table.loc["bgnbd", "auc"] == pytest.approx(0.642, abs=0.01)
    assert table.loc["pnbd", "auc"] == pytest.approx(0.870, abs=0.01)
    assert abs(table.loc["boosting", "auc"] - table.loc["pnbd", "auc"]) < 0.02
    no_skill = y.mean() * (1 - y.mean())  # Brier of predicting the base rate
    assert table.loc["boosting", "brier"] < 0.7 * no_skill
    assert table.loc["boosting", "top_decile_lift"] == pytest.approx(2.17, abs=0.05)
    cal = churn.calibration_table(y, s["boosting"])
    assert cal.attrs["max_gap"] < 0.12 and cal["n"].sum() == len(y)


def test_targeting_by_hand():
    # margin 100, success 0.5, cost 10 -> contact when p > 0.2; E = 50 p - 10
    p = [0.9, 0.5, 0.3, 0.2, 0.1]
    t = churn.targeting_table(p, retained_margin=100, success_rate=0.5, contact_cost=10, bins=5)
    assert t["expected_profit"].tolist() == pytest.approx([35, 15, 5, 0, -5])
    assert t["cumulative_profit"].tolist() == pytest.approx([35, 50, 55, 55, 50])
    assert t["contact"].tolist() == [True, True, True, False, False]
    assert t.attrs == pytest.approx({"threshold": 0.2, "n_contact": 3, "profit_contact": 55.0})
    with pytest.raises(ValueError):
        churn.targeting_table(p, 100, 1.5, 10)


def test_plots_draw_on_the_given_axes():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from crmlab import prospecting

    fig, ax = plt.subplots()
    table = churn.calibration_table([0, 1, 0, 1, 1, 0, 1, 0, 1, 1], np.linspace(0.05, 0.95, 10), bins=5)
    assert churn.plot_calibration(table, ax=ax) is ax
    bt = pd.DataFrame(
        {"forecast": [1.0, 2.0], "actual": [1.5, 2.5]}, index=pd.date_range("2024-01-01", periods=2)
    )
    fig2, ax2 = plt.subplots()
    assert prospecting.plot_backtest(bt, ax=ax2) is ax2
    plt.close("all")


def test_training_set_is_one_window_earlier():
    """Trained where the outcome is known: features as of c - w, labels in (c - w, c]."""
    X, y = churn.training_set(HAND, "2024-02-10", window_days=10)
    assert X.equals(churn.churn_features(HAND, "2024-01-31"))
    assert y.to_dict() == {"a": 1, "b": 1, "c": 0}  # c bought on 5 Feb, inside (31 Jan, 10 Feb]
    with pytest.raises(ValueError, match="not after the first transaction"):
        churn.training_set(HAND, "2024-01-05", window_days=10)


def test_churn_split_backdated_on_synthetic_random_when_too_short():
    """Synthetic (10,000 customers, seed 0): the backdated split trains on 3,789 customers as of
    2024-07-03 and tests on all 6,345 at the calibration end. Measured AUC on the holdout: logistic
    0.873, boosting 0.877 (the random customer split of the same window gave 0.858 / 0.864)."""
    ds = generate(n_customers=10_000, seed=0)
    tx = ds.transactions
    cal, end = holdout_split(tx["date"])
    split = churn.churn_split(tx, cal, (end - cal).days, ds.customers)
    assert split["method"] == "backdated"
    assert (len(split["y_train"]), len(split["y_test"])) == (3789, 6345)
    assert split["X_train"].index.isin(split["X_test"].index).all()
    assert list(split["X_train"].columns) == list(split["X_test"].columns)
    for method, auc in (("logistic", 0.873), ("boosting", 0.877)):
        p = churn.ChurnModel(method).fit(split["X_train"], split["y_train"]).predict_proba(split["X_test"])
        assert churn.churn_scores_table(split["y_test"], {method: p}).loc[method, "auc"] == pytest.approx(
            auc, abs=0.01
        )
    short = churn.churn_split(HAND, "2024-01-31", 40, test_share=0.34)
    assert short["method"] == "random split"
    assert len(short["y_test"]) + len(short["y_train"]) == 3
