"""crmlab.satisfaction: hand-computed tables, and the trap recovered from synthetic truth.

Ground truth (crmlab.synth): with ``satisfaction_trap=True`` loyalty is
``1 + A (1 - exp(-k (B - 1))) + C ((Lt - 1)/8.5) ** gamma + e`` (basic concave and
saturating, latent convex); with ``False`` both effects are linear. Tolerance for the
saturation point (stated): 2.0 points on the 1..10 scale for each seed, 1.0 for the mean
of three seeds. Measured over seeds 0..19 (n_customers=10,000, ~2,750 respondents, item
lists with reliability="alpha"): estimate - truth has mean +0.18, SD 0.88, max 2.03.
"""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from crmlab import satisfaction as S
from crmlab import synth
from crmlab.data import CRMDataError

BASIC = ["basic_1", "basic_2", "basic_3", "basic_4"]
LATENT = ["latent_1", "latent_2", "latent_3"]
SEEDS = (0, 1, 2)
FRACTION = 0.2


# --------------------------------------------------------------------------- ground truth


@pytest.fixture(scope="module")
def trap_runs():
    runs = []
    for seed in SEEDS:
        pop = synth.generate(10_000, seed=seed)
        res = S.trap_analysis(
            pop.survey,
            "loyalty_intention",
            BASIC,
            LATENT,
            n_boot=30,
            seed=seed,
            saturation_fraction=FRACTION,
            scale=(1, 10),
            reliability="alpha",
        )
        runs.append((pop, res))
    return runs


@pytest.fixture(scope="module")
def no_trap_runs():
    runs = []
    for seed in SEEDS:
        pop = synth.generate(10_000, seed=seed, satisfaction_trap=False)
        res = S.trap_analysis(
            pop.survey,
            "loyalty_intention",
            BASIC,
            LATENT,
            n_boot=0,
            seed=seed,
            saturation_fraction=FRACTION,
            scale=(1, 10),
            reliability="alpha",
        )
        runs.append((pop, res))
    return runs


def test_trap_population_basic_concave_latent_not(trap_runs):
    for _pop, res in trap_runs:
        assert res.basic_shape == "concave"
        assert res.latent_shape in ("linear", "convex")
        assert res.latent_shape == "convex"  # gamma = 1.6 in the generator
        assert res.trap is True
        tests = res.shape_tests
        assert tests.loc["basic", "quadratic_coef"] < 0 < tests.loc["latent", "quadratic_coef"]
        # the second, bootstrap check agrees: slope falls for basic, rises for latent
        assert tests.loc["basic", "slope_difference_high"] < 0
        assert tests.loc["latent", "slope_difference_low"] > 0


def test_trap_saturation_point_matches_truth(trap_runs):
    errors = []
    for pop, res in trap_runs:
        truth = pop.truth.basic_saturation_point(FRACTION)
        assert truth == pytest.approx(1 + np.log(5) / 0.35)
        assert abs(res.saturation_point - truth) <= 2.0
        errors.append(res.saturation_point - truth)
        s = res.saturation
        assert s["ci_low"] < res.saturation_point < s["ci_high"]
        assert 0.85 < s["reliability"] < 0.97  # Cronbach's alpha of four items with noise sd 0.8
        # loyalty has saturated near the average level (within ~0.6 SD of loyalty)
        assert abs(s["loyalty_at_point"] - res.average_loyalty) < 0.75
        # the share of respondents past the point is the true share past the truth, give or take
        true_share = (pop.truth.customers["basic_satisfaction_true"] > truth).mean()
        assert abs(s["share_beyond"] - true_share) < 0.35
    assert abs(np.mean(errors)) <= 1.0


def test_trap_marginal_effects_fall_for_basic_and_rise_for_latent(trap_runs):
    for _, res in trap_runs:
        c = res.curves
        for role, sign in (("basic", -1), ("latent", 1)):
            me = c[c["driver"] == role]
            q = len(me) // 4
            low, high = (
                me["marginal_effect"].iloc[q : 2 * q].mean(),
                me["marginal_effect"].iloc[-2 * q : -q].mean(),
            )
            assert sign * (high - low) > 0
            assert (me["marginal_effect_low"] <= me["marginal_effect_high"]).all()
        # basic: the straight line is the worst form out of sample
        basic_forms = res.forms.loc["basic"]
        assert basic_forms["cv_rmse"].idxmax() == "linear"
        assert basic_forms.loc["saturating", "bic"] < basic_forms.loc["linear", "bic"]


def test_no_trap_population_reports_no_trap(no_trap_runs):
    for pop, res in no_trap_runs:
        assert np.isnan(pop.truth.basic_saturation_point(FRACTION))
        assert res.basic_shape == "linear"
        assert res.latent_shape == "linear"
        assert res.trap is False
        assert np.isnan(res.saturation_point)
        assert "linear" in res.saturation["reason"]
        assert res.forms.loc["basic"]["bic"].idxmin() == "linear"


# --------------------------------------------------------------------------- trap: known curves


def _curve_frame(shape: str, n: int = 800, seed: int = 3, noise: float = 0.3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.uniform(1, 10, n)
    w = rng.uniform(1, 10, n)
    f = {"saturating": 4 * (1 - np.exp(-0.5 * (x - 1))), "linear": 0.4 * x, "convex": 0.05 * (x - 1) ** 2}[
        shape
    ]
    return pd.DataFrame({"loyalty": 1 + f + 0.3 * w + rng.normal(0, noise, n), "basic": x, "latent": w})


def test_saturating_curve_recovers_k_and_saturation_point():
    df = _curve_frame("saturating", noise=0.1)
    res = S.trap_analysis(df, "loyalty", "basic", "latent", n_boot=20, seed=1, scale=(1, 10))
    assert res.basic_shape == "concave"
    assert res.latent_shape == "linear"
    assert res.shape_tests.loc["basic", "curvature_k"] == pytest.approx(0.5, abs=0.03)
    assert res.saturation_point == pytest.approx(1 + np.log(5) / 0.5, abs=0.15)
    assert res.forms.loc["basic"]["bic"].idxmin() == "saturating"
    # the latent control is linear with slope 0.3: its marginal effect is flat at 0.3
    me = res.curves.loc[res.curves["driver"] == "latent", "marginal_effect"]
    assert me.to_numpy() == pytest.approx(0.3, abs=0.06)


def test_reliability_calibration_rescales_the_curvature_not_the_shape():
    df = _curve_frame("saturating", noise=0.1)
    raw = S.trap_analysis(df, "loyalty", "basic", "latent", n_boot=0, scale=(1, 10))
    half = S.trap_analysis(df, "loyalty", "basic", "latent", n_boot=0, scale=(1, 10), reliability=0.5)
    # x -> mean + 0.5 (x - mean): same test statistic, curvature doubled, range halved
    assert half.shape_tests.loc["basic", "z"] == pytest.approx(raw.shape_tests.loc["basic", "z"], rel=1e-6)
    assert half.shape_tests.loc["basic", "curvature_k"] == pytest.approx(
        2 * raw.shape_tests.loc["basic", "curvature_k"], rel=1e-3
    )
    assert half.reliability == {"basic": 0.5, "latent": 0.5}
    x_raw = raw.curves.loc[raw.curves["driver"] == "basic", "x"]
    x_half = half.curves.loc[half.curves["driver"] == "basic", "x"]
    assert np.ptp(x_half) == pytest.approx(0.5 * np.ptp(x_raw))
    assert half.saturation_point == pytest.approx(1 + np.log(5) / (2 * 0.5), abs=0.1)


def test_linear_and_convex_curves_are_not_called_concave():
    lin = S.trap_analysis(_curve_frame("linear"), "loyalty", "basic", "latent", n_boot=0)
    assert lin.basic_shape == "linear" and lin.trap is False
    assert np.isnan(lin.saturation_point)
    convex = S.trap_analysis(_curve_frame("convex"), "loyalty", "basic", "latent", n_boot=0)
    assert convex.basic_shape == "convex" and convex.trap is False
    assert convex.shape_tests.loc["basic", "curvature_k"] < 0


def test_single_driver_and_no_saturation_within_scale():
    df = _curve_frame("saturating")
    one = S.trap_analysis(df, "loyalty", "basic", None, n_boot=0)
    assert list(one.drivers) == ["basic"] and one.latent_shape is None
    assert one.basic_shape == "concave" and one.trap is True
    # phi so small that the marginal effect never falls below it on 1..10: NaN with a reason
    tiny = S.trap_analysis(
        df, "loyalty", "basic", "latent", n_boot=0, saturation_fraction=0.001, scale=(1, 10)
    )
    assert np.isnan(tiny.saturation_point)
    assert "top of the scale" in tiny.saturation["reason"]


def test_trap_bootstrap_is_seeded():
    df = _curve_frame("saturating")
    a = S.trap_analysis(df, "loyalty", "basic", "latent", n_boot=20, seed=5)
    b = S.trap_analysis(df, "loyalty", "basic", "latent", n_boot=20, seed=5)
    c = S.trap_analysis(df, "loyalty", "basic", "latent", n_boot=20, seed=6)
    pd.testing.assert_frame_equal(a.curves, b.curves)
    assert not np.allclose(a.curves["marginal_effect_low"], c.curves["marginal_effect_low"])
    np.testing.assert_allclose(a.curves["loyalty"], c.curves["loyalty"])  # the estimate itself


def test_item_lists_are_averaged_and_summary_has_one_row_per_driver(population):
    s = population.survey
    by_items = S.trap_analysis(s, ["repurchase_intention", "recommend"], BASIC, LATENT, n_boot=0)
    assert by_items.drivers["basic"] == "mean(basic_1, basic_2, basic_3, basic_4)"
    composite = S.trap_analysis(s, "loyalty_intention", "basic_satisfaction", "latent_satisfaction", n_boot=0)
    listed = S.trap_analysis(s, "loyalty_intention", BASIC, LATENT, n_boot=0)
    pd.testing.assert_frame_equal(composite.forms, listed.forms)
    table = listed.summary()
    assert list(table.index) == ["basic", "latent"]
    assert {"shape", "saturation_point", "average_loyalty", "best_form_bic"} <= set(table.columns)
    assert table.loc["basic", "average_loyalty"] == pytest.approx(s["loyalty_intention"].mean())


def test_cronbach_alpha_hand_computed():
    items = pd.DataFrame({"a": [1, 2, 3, 4], "b": [2, 3, 3, 5]})
    # var a = 5/3, var b = 4.75/3, var(a+b) = 18.75/3: alpha = 2 (1 - (5 + 4.75)/18.75) = 0.96
    assert S.cronbach_alpha(items) == pytest.approx(0.96)


def test_trap_bad_input():
    df = _curve_frame("linear", n=200)
    with pytest.raises(CRMDataError) as err:
        S.trap_analysis(df, "loyalty", "basic", "latnet")
    assert err.value.column == "latnet" and err.value.table == "survey"
    bad = df.astype({"basic": object})
    bad.loc[7, "basic"] = "n/a"
    with pytest.raises(CRMDataError, match="not numbers") as err:
        S.trap_analysis(bad, "loyalty", "basic", "latent", n_boot=0)
    assert err.value.n_bad == 1 and "'n/a'" in err.value.example
    with pytest.raises(CRMDataError, match="at least 30"):
        S.trap_analysis(df.head(20), "loyalty", "basic", "latent", n_boot=0)
    with pytest.raises(CRMDataError, match="outside the scale"):
        S.trap_analysis(df, "loyalty", "basic", "latent", n_boot=0, scale=(2, 10))
    for kwargs, match in [
        ({"n_boot": 5}, "at least 20"),
        ({"saturation_fraction": 1.5}, "saturation_fraction"),
        ({"reliability": "alpha"}, "list of at least two"),
        ({"curve_form": "cubic"}, "curve_form"),
        ({"scale": (10, 1)}, "scale"),
    ]:
        with pytest.raises(ValueError, match=match):
            S.trap_analysis(df, "loyalty", "basic", "latent", **kwargs)


def test_plot_trap_draws_the_curves():
    res = S.trap_analysis(_curve_frame("saturating"), "loyalty", "basic", "latent", n_boot=20, scale=(1, 10))
    axes = res.plot()
    ax = axes[0]
    basic = res.curves[res.curves["driver"] == "basic"]
    np.testing.assert_allclose(ax.lines[0].get_ydata(), basic["loyalty"])
    assert any(np.allclose(line.get_xdata(), res.saturation_point) for line in ax.lines)
    plt.close(ax.figure)


# --------------------------------------------------------------------------- penalty-reward


def test_penalty_reward_hand_computed_one_attribute():
    # 10 answers in each box; overall means 3 (low), 5 (middle), 6 (high), +-0.1 noise
    x = np.repeat([2, 6, 9], 10)
    noise = np.tile([0.1, -0.1], 15)
    overall = np.repeat([3.0, 5.0, 6.0], 10) + noise
    res = S.penalty_reward(pd.DataFrame({"q": x, "overall": overall}), ["q"], "overall")
    row = res.summary().loc["q"]
    assert row["penalty"] == pytest.approx(-2.0)
    assert row["reward"] == pytest.approx(1.0)
    assert row["impact_asymmetry"] == pytest.approx((1 - 2) / (1 + 2))
    assert row["category"] == "dissatisfier"
    assert (row["n_low"], row["n_high"]) == (10, 10)
    assert row["asymmetry_p"] < 1e-6  # reward + penalty = -1, far from 0


def test_penalty_reward_recovers_known_asymmetries():
    rng = np.random.default_rng(4)
    n = 3000
    q = {a: rng.integers(1, 11, n) for a in ("must", "delight", "perf")}
    overall = (
        6
        - 2.0 * (q["must"] <= 4)
        + 2.0 * (q["delight"] >= 9)
        - 1.0 * (q["perf"] <= 4)
        + 1.0 * (q["perf"] >= 9)
        + rng.normal(0, 0.5, n)
    )
    df = pd.DataFrame({**q, "overall": overall})
    t = S.penalty_reward(df, ["must", "delight", "perf"], "overall").summary()
    truth = {"must": (-2, 0, "dissatisfier"), "delight": (0, 2, "satisfier"), "perf": (-1, 1, "hybrid")}
    for a, (pen, rew, cat) in truth.items():
        assert t.loc[a, "penalty_low"] < pen < t.loc[a, "penalty_high"]
        assert t.loc[a, "reward_low"] < rew < t.loc[a, "reward_high"]
        assert t.loc[a, "category"] == cat
    assert t.loc["perf", "asymmetry_p"] > 0.01
    ax = S.plot_penalty_reward(S.penalty_reward(df, ["must", "delight", "perf"], "overall"))
    plt.close(ax.figure)


def test_penalty_reward_too_few_answers_and_errors():
    x = np.r_[np.repeat(5, 40), np.repeat(9, 12), [1, 2]]  # only two answers in the bottom box
    df = pd.DataFrame({"q": x, "overall": np.linspace(1, 10, len(x))})
    row = S.penalty_reward(df, ["q"], "overall").summary().loc["q"]
    assert row["category"] == "too few answers" and np.isnan(row["penalty"]) and np.isfinite(row["reward"])
    flipped = pd.DataFrame(
        {"q": np.repeat([2, 6, 9], 10), "overall": np.repeat([6.0, 5.0, 4.0], 10) + np.tile([0.1, -0.1], 15)}
    )
    row = S.penalty_reward(flipped, ["q"], "overall").summary().loc["q"]
    assert row["penalty"] == pytest.approx(1.0) and row["category"] == "wrong sign"
    assert np.isnan(row["impact_asymmetry"])
    with pytest.raises(ValueError, match="low must be below high"):
        S.penalty_reward(df, ["q"], "overall", low=9, high=4)
    with pytest.raises(CRMDataError) as err:
        S.penalty_reward(df, ["q", "r"], "overall")
    assert err.value.column == "r"


# --------------------------------------------------------------------------- Kano


def test_kano_classify_evaluation_table():
    f, d = np.meshgrid(np.arange(1, 6), np.arange(1, 6), indexing="ij")
    cats = S.kano_classify(f.ravel(), d.ravel()).reshape(5, 5)
    assert (cats == S.KANO_TABLE).all()
    assert list(S.kano_classify([1, 2, 1, 3, 5, 1], [5, 5, 3, 3, 1, 1])) == ["O", "M", "A", "I", "R", "Q"]
    assert (cats == "A").sum() == 3 and (cats == "M").sum() == 3 and (cats == "O").sum() == 1
    assert (cats == "I").sum() == 9 and (cats == "R").sum() == 7 and (cats == "Q").sum() == 2
    assert S.kano_classify([1, np.nan], [5, 2])[1] is None
    with pytest.raises(ValueError, match="1..5"):
        S.kano_classify([1, 6], [5, 2])


def test_kano_analysis_hand_computed():
    df = pd.DataFrame(
        {
            "kano_functional_x": [1, 1, 2, 1, 3, 5],
            "kano_dysfunctional_x": [5, 5, 5, 3, 3, 1],
            "kano_functional_y": [2, 1, 1, 3, 1, 1],
            "kano_dysfunctional_y": [5, 5, 3, 3, 1, 1],
        }
    )
    t = S.kano_analysis(df).summary()
    # x: O O M A I R -> modal O; Better = (A+O)/(A+O+M+I) = 3/5, Worse = -(O+M)/5 = -3/5
    assert t.loc["x", ["A", "O", "M", "I", "R", "Q"]].tolist() == [1, 2, 1, 1, 1, 0]
    assert t.loc["x", "category"] == "O" and t.loc["x", "category_name"] == "one-dimensional"
    assert t.loc["x", "better"] == pytest.approx(0.6) and t.loc["x", "worse"] == pytest.approx(-0.6)
    # y: M O A I Q Q -> Q is most frequent (2) and wins; among A, O, M, I ties go M > O > A > I
    assert t.loc["y", "category"] == "Q"
    y2 = S.kano_analysis(df.iloc[:4], ["y"]).summary().loc["y"]
    assert y2["category"] == "M"
    assert y2["better"] == pytest.approx(2 / 4) and y2["worse"] == pytest.approx(-2 / 4)


def test_kano_analysis_recovers_synthetic_truth(population):
    t = S.kano_analysis(population.survey).summary()
    truth = population.truth.params["kano"]
    assert set(t.index) == set(truth)
    assert t["category"].to_dict() == truth
    # expected Better / Worse: 70 % of pairs in the true category's cells, 30 % uniform over 25 cells
    for attr, cat in truth.items():
        share = {k: 0.3 * (S.KANO_TABLE == k).sum() / 25 for k in S.KANO_CATEGORIES}
        share[cat] += 0.7
        base = share["A"] + share["O"] + share["M"] + share["I"]
        assert t.loc[attr, "better"] == pytest.approx((share["A"] + share["O"]) / base, abs=0.04)
        assert t.loc[attr, "worse"] == pytest.approx(-(share["O"] + share["M"]) / base, abs=0.04)
    ax = S.plot_kano(S.kano_analysis(population.survey))
    plt.close(ax.figure)


def test_kano_bad_answers():
    df = pd.DataFrame({"kano_functional_x": [1, 7], "kano_dysfunctional_x": [5, 5]})
    with pytest.raises(CRMDataError, match="1..5") as err:
        S.kano_analysis(df)
    assert err.value.n_bad == 1 and err.value.column == "kano_functional_x"
    with pytest.raises(CRMDataError, match="no Kano answer columns"):
        S.kano_analysis(pd.DataFrame({"q": [1]}))


# --------------------------------------------------------------------------- the paradox


def test_holdout_repurchase_hand_computed():
    tx = pd.DataFrame(
        {
            "customer_id": ["A", "A", "B", "C"],
            "date": pd.to_datetime(["2024-01-01", "2024-07-01", "2024-01-01", "2024-08-01"]),
            "amount": [10.0, 20.0, 5.0, 7.0],
        }
    )
    rep = S.holdout_repurchase(tx, "2024-06-30", "2024-12-31")
    assert rep.to_dict() == {"A": True, "B": False}


def _paradox_frame():
    # dissatisfied (5): 10, 3 buy again; satisfied (7, 8): 10, 6 buy again; very satisfied (9, 10): 5, 4
    sat = [5] * 10 + [7] * 5 + [8] * 5 + [9] * 3 + [10] * 2
    rep = [1] * 3 + [0] * 7 + [1, 1, 1, 0, 0] + [1, 1, 1, 0, 0] + [1, 1, 1] + [1, 0]
    ids = [f"c{i}" for i in range(len(sat))]
    return pd.DataFrame({"customer_id": ids, "overall_satisfaction": sat}), pd.Series(
        np.array(rep, bool), index=pd.Index(ids, name="customer_id")
    )


def test_satisfaction_paradox_hand_computed():
    survey, rep = _paradox_frame()
    p = S.satisfaction_paradox(survey, rep)
    lv = p.levels
    assert lv["n"].tolist() == [10, 10, 5]
    assert lv["repurchase_rate"].tolist() == pytest.approx([0.3, 0.6, 0.8])
    # 12 defectors, 4 + 1 of them at least satisfied
    assert p.satisfied_defector_share == pytest.approx(5 / 12)
    assert p.very_vs_satisfied_ratio == pytest.approx(0.8 / 0.6)
    se = np.sqrt(1 / 4 - 1 / 5 + 1 / 6 - 1 / 10)
    assert p.very_vs_satisfied_ci == pytest.approx(
        (0.8 / 0.6 * np.exp(-1.959964 * se), 0.8 / 0.6 * np.exp(1.959964 * se)), rel=1e-5
    )
    assert p.defection_ratio == pytest.approx(0.4 / 0.2)
    lo, hi = p.satisfied_defector_ci
    assert lo < 5 / 12 < hi
    assert p.summary().loc["repurchase ratio very satisfied / satisfied", "value"] == pytest.approx(4 / 3)
    assert len(p.by_score) == 5
    ax = p.plot()
    plt.close(ax.figure)


def test_paradox_logit_odds_ratio_equals_two_by_two_table():
    # two scores only: the logit slope is the log odds ratio of the 2 x 2 table
    sat = [6] * 10 + [7] * 10
    rep = [1] * 4 + [0] * 6 + [1] * 8 + [0] * 2
    survey = pd.DataFrame({"s": sat, "r": rep})
    p = S.satisfaction_paradox(survey, "r", "s")
    assert p.odds_ratio_per_point == pytest.approx((8 / 2) / (4 / 6), rel=1e-6)
    z = stats.norm.ppf(0.975)
    se = np.sqrt(1 / 8 + 1 / 2 + 1 / 4 + 1 / 6)
    assert p.odds_ratio_ci == pytest.approx((6 * np.exp(-z * se), 6 * np.exp(z * se)), rel=1e-4)


def test_paradox_errors():
    survey, rep = _paradox_frame()
    with pytest.raises(ValueError, match="below very_satisfied"):
        S.satisfaction_paradox(survey, rep, satisfied=9, very_satisfied=7)
    with pytest.raises(CRMDataError, match="only one outcome"):
        S.satisfaction_paradox(survey, rep | True)
    with pytest.raises(CRMDataError, match="customer_id"):
        S.satisfaction_paradox(survey.drop(columns="customer_id"), rep)


def test_paradox_on_synthetic_population(population):
    end = pd.Timestamp(population.truth.params["end"])
    rep = S.holdout_repurchase(population.transactions, end - pd.Timedelta(weeks=52), end)
    p = S.satisfaction_paradox(population.survey, rep)
    # satisfaction raises loyalty and loyalty lengthens lifetimes in the generator
    assert p.odds_ratio_ci[0] > 1.0
    assert p.levels.loc["very satisfied", "repurchase_rate"] > p.levels.loc["dissatisfied", "repurchase_rate"]
    assert p.n + p.n_unmatched == len(population.survey)


# --------------------------------------------------------------------------- four types


def test_types_hand_computed():
    survey = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c", "d", "e"],
            "sat": [9, 8, 3, 2, 7],
            "loy": [9, 2, 8, 1, 5],
            "price": [1, 8, 3, 5, 3],
        }
    )
    t = S.satisfaction_loyalty_types(
        survey, "sat", "loy", satisfaction_cut=7, loyalty_cut=5, profile=["price"]
    )
    assert t.types["type"].to_dict() == {
        "a": "loyal",
        "b": "mercenary",
        "c": "hostage",
        "d": "defector",
        "e": "loyal",
    }
    table = t.summary()
    assert table["n"].tolist() == [2, 1, 1, 1]
    assert table.loc["loyal", "mean_satisfaction"] == pytest.approx(8.0)
    assert table["mean_price"].tolist() == pytest.approx([2.0, 8.0, 3.0, 5.0])
    assert table["strategy"].str.len().min() > 20
    median = S.satisfaction_loyalty_types(survey, "sat", "loy")
    assert median.loyalty_cut == 5.0
    ax = median.plot()
    plt.close(ax.figure)


def test_types_use_the_one_definition_in_loyalty(population):
    from crmlab import loyalty as L

    # one strategy table: the survey view lists crmlab.loyalty's types in the same order
    assert S.TYPE_STRATEGIES == L.CUSTOMER_TYPES["strategy"].to_dict()
    t = S.satisfaction_loyalty_types(population.survey, satisfaction_cut=7)
    both = t.types
    m = L.satisfaction_loyalty_matrix(both["satisfaction"], both["loyalty"], 7, None)
    assert (m["customer_type"] == both["type"]).all()
    assert t.loyalty_cut == both["loyalty"].median() == m.attrs["cuts"]["loyalty"]
    # a score on the cut is high: satisfaction 7 with loyalty at the median is loyal
    on_cut = both[(both["satisfaction"] == 7) & (both["loyalty"] >= t.loyalty_cut)]
    assert len(on_cut) > 0 and (on_cut["type"] == "loyal").all()


def test_holdout_repurchase_is_loyalty_holdout_outcomes(population):
    from crmlab import loyalty as L

    end = pd.Timestamp(population.truth.params["end"])
    cal = end - pd.Timedelta(weeks=26)
    rep = S.holdout_repurchase(population.transactions, cal, end)
    out = L.holdout_outcomes(population.transactions, cal, end)
    assert rep.name == "repurchased" and rep.dtype == bool
    pd.testing.assert_series_equal(rep, out["repurchase"], check_names=False)
    # True exactly when the customer bought after the calibration end
    tx = population.transactions
    late = set(tx.loc[(tx["date"] > cal) & (tx["date"] <= end), "customer_id"])
    assert rep.to_dict() == {c: c in late for c in rep.index}


def test_plots_return_their_axes():
    survey, rep = _paradox_frame()
    p = S.satisfaction_paradox(survey, rep)
    ax = S.plot_paradox(p)
    logit_line = [line for line in ax.lines if line.get_label() == "logistic model"][0]
    np.testing.assert_allclose(logit_line.get_ydata(), p.by_score["logit_p"])
    plt.close(ax.figure)
    fig, axes = plt.subplots(1, 2)
    res = S.trap_analysis(_curve_frame("linear"), "loyalty", "basic", "latent", n_boot=0)
    drawn = res.plot(axes=axes)
    assert drawn[0] is axes[0] and drawn[1] is axes[1]
    latent = res.curves[res.curves["driver"] == "latent"]
    np.testing.assert_allclose(axes[1].lines[1].get_ydata(), latent["marginal_effect"])
    plt.close(fig)


def test_bad_tables_and_arguments_name_what_is_wrong():
    df = _curve_frame("linear", n=200)
    with pytest.raises(TypeError, match="survey must be a DataFrame"):
        S.trap_analysis(df.to_dict(), "loyalty", "basic", "latent")
    with pytest.raises(CRMDataError, match="has no rows"):
        S.penalty_reward(df.head(0), ["basic"], "loyalty")
    with pytest.raises(TypeError, match="n_boot"):
        S.trap_analysis(df, "loyalty", "basic", "latent", n_boot=True)
    with pytest.raises(ValueError, match="level"):
        S.satisfaction_paradox(*_paradox_frame(), level=1.5)
    bad = df.assign(basic=df["basic"].where(df.index != 3, np.inf))
    with pytest.raises(CRMDataError, match="1 of 200 rows are infinite") as err:
        S.trap_analysis(bad, "loyalty", "basic", "latent", n_boot=0)
    assert err.value.column == "basic" and "row 3" in err.value.example
