"""The answer key: what each exercise asks, how it is checked, and the expected values.

Every gradable answer is a variable ``answer_*`` of one exercise notebook
(``notebooks/exercises/<notebook>.ipynb``), registered here as an :class:`Item` with
its points and its :class:`Check` (the comparison and its stated tolerance). The
expected values are recomputed from the student's own data
(:class:`crmlab.teaching.ExerciseData`) with the crmlab functions the exercise is
about -- never read from the student's notebook.

The comparisons and their tolerances are in :mod:`crmlab.teaching.compare` (re-exported
here). This module is the grader's answer key: it never enters the grading sandbox, so a
submission that imports it there gets an ImportError (:mod:`crmlab.teaching.sandbox`).

Adding an exercise: write the notebook, add its inputs (if any) to
:func:`crmlab.teaching.exercise_inputs`, its items to :data:`ITEMS` and a function
``expected_<topic>(ex) -> {answer name: value}`` to :data:`EXPECTED`.
"""

from __future__ import annotations

import math
import warnings

from .compare import (
    MISSING,
    Boolean,
    Check,
    Integer,
    Item,
    Mapping,
    Number,
    Numbers,
    OptionalNumber,
    Text,
    score_answer,
)

__all__ = [
    "Check",
    "Number",
    "OptionalNumber",
    "Integer",
    "Boolean",
    "Text",
    "Numbers",
    "Mapping",
    "Item",
    "ITEMS",
    "EXPECTED",
    "notebooks",
    "items_for",
    "expected_answers",
    "expected_data_overview",
    "expected_segmentation",
    "expected_loyalty",
    "expected_satisfaction_trap",
    "expected_clv",
    "expected_pls",
    "expected_promotion",
    "expected_baskets",
    "expected_churn",
    "score_answer",
    "MISSING",
]

ITEMS: list[Item] = [
    # ex01: the data overview and the seeds' concept questions, computed
    Item("ex01_data_overview", "answer_n_customers", 1, Integer(), "customers who bought"),
    Item("ex01_data_overview", "answer_revenue", 1, Number(abs_tol=0.01, rel_tol=1e-6), "total revenue"),
    Item(
        "ex01_data_overview",
        "answer_top20_share",
        1,
        Number(abs_tol=0.005),
        "share of revenue from the top 20 % of customers (the 80/20 rule)",
    ),
    Item(
        "ex01_data_overview",
        "answer_repeat_share",
        1,
        Number(abs_tol=0.002),
        "share of customers who came back (2+ purchase days)",
    ),
    Item(
        "ex01_data_overview",
        "answer_median_gap_days",
        1,
        Number(abs_tol=0.5),
        "median days between purchase days",
    ),
    # ex02: RFM
    Item(
        "ex02_segmentation",
        "answer_btyd_summary",
        1,
        Numbers(abs_tol=0.01),
        "frequency, recency and T (weeks) of one customer",
    ),
    Item("ex02_segmentation", "answer_rfm_codes", 2, Mapping(Text()), "RFM codes of five customers"),
    Item("ex02_segmentation", "answer_rfm_segments", 2, Mapping(Text()), "RFM segments of five customers"),
    Item(
        "ex02_segmentation",
        "answer_champions_revenue_share",
        1,
        Number(abs_tol=0.002),
        "revenue share of the champions",
    ),
    Item(
        "ex02_segmentation", "answer_vip_quadrants", 2, Mapping(Integer()), "VIP quadrant of four customers"
    ),
    Item(
        "ex02_segmentation",
        "answer_gold_share",
        1,
        Number(abs_tol=0.002),
        "share of active customers in quadrant 1 (gold)",
    ),
    Item(
        "ex02_segmentation",
        "answer_high_tier_revenue_share",
        1,
        Number(abs_tol=0.002),
        "revenue share of the high value tier",
    ),
    # ex03: loyalty
    Item(
        "ex03_loyalty", "answer_ahp_weights", 1, Numbers(abs_tol=0.005), "AHP weights of the judgement matrix"
    ),
    Item("ex03_loyalty", "answer_ahp_cr", 1, Number(abs_tol=0.005), "AHP consistency ratio"),
    Item(
        "ex03_loyalty", "answer_ahp_acceptable", 1, Boolean(), "is the matrix consistent enough (CR <= 0.10)?"
    ),
    Item(
        "ex03_loyalty",
        "answer_customer_types",
        2,
        Mapping(Text()),
        "loyal / mercenary / hostage / defector of five customers",
    ),
    Item("ex03_loyalty", "answer_n_mercenaries", 1, Integer(), "number of mercenaries"),
    Item("ex03_loyalty", "answer_stages", 1, Mapping(Text()), "relationship stage of four customers"),
    # ex04: the satisfaction trap
    Item("ex04_satisfaction_trap", "answer_basic_shape", 1, Text(), "shape of loyalty in basic satisfaction"),
    Item(
        "ex04_satisfaction_trap", "answer_latent_shape", 1, Text(), "shape of loyalty in latent satisfaction"
    ),
    Item("ex04_satisfaction_trap", "answer_best_form_basic", 1, Text(), "best curve form for basic (BIC)"),
    Item(
        "ex04_satisfaction_trap",
        "answer_saturation_point",
        2,
        OptionalNumber(abs_tol=0.05),
        "saturation point of basic satisfaction",
    ),
    Item("ex04_satisfaction_trap", "answer_trap", 1, Boolean(), "is there a satisfaction trap?"),
    Item("ex04_satisfaction_trap", "answer_kano", 2, Mapping(Text()), "Kano category of each attribute"),
    Item(
        "ex04_satisfaction_trap",
        "answer_better_worse",
        1,
        Numbers(abs_tol=0.005),
        "Better and Worse coefficients of one attribute",
    ),
    # ex05: CLV
    Item("ex05_clv", "answer_clv", 1, Number(abs_tol=0.01, rel_tol=1e-4), "four-step discounted CLV"),
    Item("ex05_clv", "answer_survival", 1, Number(abs_tol=1e-4), "survival at the horizon"),
    Item("ex05_clv", "answer_clv_infinite", 1, Number(abs_tol=0.01, rel_tol=1e-4), "CLV, infinite horizon"),
    Item("ex05_clv", "answer_margin_multiple", 1, Number(abs_tol=1e-4), "margin multiple"),
    Item(
        "ex05_clv",
        "answer_retention_lift_pct",
        1,
        Number(abs_tol=0.05),
        "% more CLV from 5 points more retention",
    ),
    Item("ex05_clv", "answer_p_alive", 2, Mapping(Number(abs_tol=0.01)), "BG/NBD P(alive) of four customers"),
    Item(
        "ex05_clv",
        "answer_expected_purchases",
        1,
        Mapping(Number(abs_tol=0.02, rel_tol=0.02)),
        "BG/NBD expected repeat purchases in the next 52 weeks",
    ),
    # ex06: PLS path model of satisfaction and loyalty
    Item("ex06_pls", "answer_path_basic_loyalty", 1, Number(abs_tol=0.005), "path basic -> loyalty"),
    Item("ex06_pls", "answer_path_latent_loyalty", 1, Number(abs_tol=0.005), "path latent -> loyalty"),
    Item(
        "ex06_pls",
        "answer_path_satisfaction_loyalty",
        1,
        Number(abs_tol=0.005),
        "path satisfaction -> loyalty",
    ),
    Item("ex06_pls", "answer_r2_loyalty", 1, Number(abs_tol=0.005), "R² of loyalty"),
    Item("ex06_pls", "answer_alpha_basic", 1, Number(abs_tol=0.005), "Cronbach's alpha of the basic block"),
    Item(
        "ex06_pls",
        "answer_stronger_driver",
        1,
        Text(),
        "which expectation drives loyalty more (total effect)",
    ),
    # ex07: promotion lift against the control group, naive attribution, uplift
    Item("ex07_promotion", "answer_rate_treated", 1, Number(abs_tol=1e-4), "response rate of the treated"),
    Item("ex07_promotion", "answer_rate_control", 1, Number(abs_tol=1e-4), "response rate of the control"),
    Item("ex07_promotion", "answer_lift_points", 1, Number(abs_tol=0.01), "incremental lift in points"),
    Item(
        "ex07_promotion",
        "answer_lift_interval",
        1,
        Numbers(abs_tol=0.01),
        "95 % interval of the lift in points (Newcombe)",
    ),
    Item("ex07_promotion", "answer_lift_significant", 1, Boolean(), "does the interval exclude 0?"),
    Item(
        "ex07_promotion",
        "answer_incremental_revenue",
        1,
        Number(abs_tol=0.01, rel_tol=1e-4),
        "incremental revenue of the treated",
    ),
    Item(
        "ex07_promotion",
        "answer_naive_revenue",
        1,
        Number(abs_tol=0.01, rel_tol=1e-6),
        'naive "responders x average order" revenue',
    ),
    Item("ex07_promotion", "answer_naive_overstates", 1, Boolean(), "does the naive figure overstate?"),
    Item("ex07_promotion", "answer_campaign_roi", 1, Number(abs_tol=0.001, rel_tol=1e-4), "campaign ROI"),
    Item("ex07_promotion", "answer_qini", 1, Number(abs_tol=0.002), "Qini coefficient of the uplift model"),
    Item(
        "ex07_promotion",
        "answer_top_decile_uplift",
        1,
        Number(abs_tol=0.005),
        "observed uplift in the top decile of predicted uplift",
    ),
    # ex08: market baskets
    Item("ex08_baskets", "answer_n_orders", 1, Integer(), "number of orders (baskets)"),
    Item("ex08_baskets", "answer_pair_support", 1, Number(abs_tol=1e-6), "support of a pair of products"),
    Item("ex08_baskets", "answer_n_frequent_pairs", 1, Integer(), "number of frequent pairs"),
    Item("ex08_baskets", "answer_top_rule", 1, Text(), "the rule with the highest confidence (lift >= 2)"),
    Item(
        "ex08_baskets",
        "answer_top_rule_metrics",
        2,
        Numbers(abs_tol=1e-4),
        "support, confidence, lift, leverage and conviction of the top rule",
    ),
    Item(
        "ex08_baskets",
        "answer_recommended",
        2,
        Mapping(Text()),
        "product to recommend with each of two products",
    ),
    Item("ex08_baskets", "answer_n_strong_rules", 1, Integer(), "rules above the confidence and lift"),
    Item("ex08_baskets", "answer_category_lift", 1, Number(abs_tol=1e-4), "lift of two categories"),
    # ex09: churn
    Item("ex09_churn", "answer_n_calibration_customers", 1, Integer(), "customers by the calibration end"),
    Item("ex09_churn", "answer_churn_rate", 1, Number(abs_tol=1e-4), "churn rate in the window"),
    Item("ex09_churn", "answer_auc_model", 1, Number(abs_tol=0.01), "holdout AUC of the churn model"),
    Item("ex09_churn", "answer_brier_model", 1, Number(abs_tol=0.005), "holdout Brier score of the model"),
    Item("ex09_churn", "answer_auc_btyd", 1, Number(abs_tol=0.01), "holdout AUC of BG/NBD 1 - P(alive)"),
    Item("ex09_churn", "answer_auc_rfm", 1, Number(abs_tol=0.005), "holdout AUC of the RFM segments"),
    Item("ex09_churn", "answer_contact_threshold", 1, Number(abs_tol=1e-4), "P(churn) above which to call"),
    Item("ex09_churn", "answer_n_contact", 1, Integer(), "test customers worth a retention contact"),
    Item(
        "ex09_churn",
        "answer_contact_profit",
        1,
        Number(abs_tol=0.5, rel_tol=0.01),
        "expected profit of contacting them",
    ),
]


def notebooks() -> list[str]:
    """The exercise notebooks that have items, in order.

    Returns
    -------
    list of str
        Notebook stems such as "ex01_data_overview".
    """
    return list(dict.fromkeys(item.notebook for item in ITEMS))


def items_for(notebooks_=None) -> list[Item]:
    """The items of the given notebooks (stems), or all.

    Parameters
    ----------
    notebooks_ : list of str, optional
        Exercise notebook stems (default: every notebook).

    Returns
    -------
    list of Item
        The graded items (answer variable, points, check) of those notebooks, in order.
    """
    if notebooks_ is None:
        return list(ITEMS)
    wanted = set(notebooks_)
    return [item for item in ITEMS if item.notebook in wanted]


# --------------------------------------------------------------------------- expected values


def _f(x) -> float:
    return float(x)


def expected_data_overview(ex) -> dict:
    """ex01: customers, revenue, top-20 % revenue share, repeat share, median gap.

    Parameters
    ----------
    ex : ExerciseData
        The student's tables and task inputs (:func:`crmlab.teaching.load_exercise_data`).

    Returns
    -------
    dict
        Answer variable name -> expected value, computed from the student's own data.
    """
    from .. import profile
    from ..rfm import rfm_summary

    tx = ex.transactions
    summary = rfm_summary(tx, observation_end=ex.observation_end, time_unit="D")
    return {
        "answer_n_customers": int(tx["customer_id"].nunique()),
        "answer_revenue": _f(tx["amount"].sum()),
        "answer_top20_share": _f(profile.spend_concentration(tx, shares=(0.2,))["revenue_share"].iloc[0]),
        "answer_repeat_share": _f((summary["frequency"] > 0).mean()),
        "answer_median_gap_days": _f(profile.interpurchase_times(tx).median()),
    }


def expected_segmentation(ex) -> dict:
    """ex02: BTYD summary of one customer; RFM codes and segments; champions' revenue share;
    VIP quadrants and the gold share; the high value tier's revenue share.

    Parameters
    ----------
    ex : ExerciseData
        The student's tables and task inputs (:func:`crmlab.teaching.load_exercise_data`).

    Returns
    -------
    dict
        Answer variable name -> expected value, computed from the student's own data.
    """
    from ..rfm import rfm_scores, rfm_segment_summary, rfm_summary
    from ..segment import value_tier_summary, value_tiers, vip_quadrants

    spec = ex.inputs["segmentation"]
    tx, end = ex.transactions, ex.observation_end
    one = rfm_summary(tx, observation_end=end, time_unit="W").loc[spec["summary_customer"]]
    scores = rfm_scores(tx, observation_end=end)
    ids = spec["rfm_customers"]
    seg = rfm_segment_summary(scores)
    quadrants = vip_quadrants(tx, observation_end=end)
    tiers = value_tier_summary(value_tiers(tx, ex.survey, observation_end=end))
    return {
        "answer_btyd_summary": [_f(one["frequency"]), _f(one["recency"]), _f(one["T"])],
        "answer_rfm_codes": {c: str(scores.loc[c, "RFM"]) for c in ids},
        "answer_rfm_segments": {c: str(scores.loc[c, "segment"]) for c in ids},
        "answer_champions_revenue_share": _f(seg.loc["champions", "revenue_share"])
        if "champions" in seg.index
        else 0.0,
        "answer_vip_quadrants": {c: int(quadrants.loc[c, "quadrant"]) for c in spec["quadrant_customers"]},
        "answer_gold_share": _f((quadrants["quadrant"] == 1).mean()),
        "answer_high_tier_revenue_share": _f(tiers.loc["high", "revenue_share"]),
    }


def expected_loyalty(ex) -> dict:
    """ex03: AHP weights and CR; satisfaction x loyalty types; relationship stages.

    Parameters
    ----------
    ex : ExerciseData
        The student's tables and task inputs (:func:`crmlab.teaching.load_exercise_data`).

    Returns
    -------
    dict
        Answer variable name -> expected value, computed from the student's own data.
    """
    from ..loyalty import ahp_weights, relationship_stages, satisfaction_loyalty_matrix

    spec = ex.inputs["loyalty"]
    ahp = ahp_weights(spec["ahp_matrix"], max_cr=None, labels=spec["ahp_criteria"])
    survey = ex.survey.set_index("customer_id")
    matrix = satisfaction_loyalty_matrix(survey["satisfaction"], survey["loyalty_intention"])
    stages = relationship_stages(ex.transactions, observation_end=ex.observation_end)
    return {
        "answer_ahp_weights": [_f(w) for w in ahp.weights],
        "answer_ahp_cr": _f(ahp.cr),
        "answer_ahp_acceptable": bool(ahp.cr <= 0.10),
        "answer_customer_types": {c: str(matrix.loc[c, "customer_type"]) for c in spec["type_customers"]},
        "answer_n_mercenaries": int((matrix["customer_type"] == "mercenary").sum()),
        "answer_stages": {c: str(stages.loc[c, "stage"]) for c in spec["stage_customers"]},
    }


def expected_satisfaction_trap(ex) -> dict:
    """ex04: trap analysis (shapes, best basic form by BIC, saturation point, trap) and Kano.

    Parameters
    ----------
    ex : ExerciseData
        The student's tables and task inputs (:func:`crmlab.teaching.load_exercise_data`).

    Returns
    -------
    dict
        Answer variable name -> expected value, computed from the student's own data.
    """
    from ..satisfaction import kano_analysis, trap_analysis

    trap = trap_analysis(ex.survey, n_boot=0)
    point = trap.saturation_point
    spec = ex.inputs["satisfaction"]
    kano = kano_analysis(ex.survey, attributes=spec["kano_attributes"])
    one = spec["better_worse_attribute"]
    return {
        "answer_basic_shape": str(trap.basic_shape),
        "answer_latent_shape": str(trap.latent_shape),
        "answer_best_form_basic": str(trap.forms.loc["basic", "bic"].idxmin()),
        "answer_saturation_point": None if point is None or not math.isfinite(point) else _f(point),
        "answer_trap": bool(trap.trap),
        "answer_kano": {a: str(c) for a, c in kano.table["category"].items()},
        "answer_better_worse": [_f(kano.table.loc[one, "better"]), _f(kano.table.loc[one, "worse"])],
    }


def expected_clv(ex) -> dict:
    """ex05: four-step CLV, survival, infinite horizon, margin multiple, retention lift; BG/NBD.

    Parameters
    ----------
    ex : ExerciseData
        The student's tables and task inputs (:func:`crmlab.teaching.load_exercise_data`).

    Returns
    -------
    dict
        Answer variable name -> expected value, computed from the student's own data.
    """
    from ..btyd import BetaGeo
    from ..clv import discounted_clv
    from ..rfm import rfm_summary

    p = ex.inputs["clv"]
    m, r, d, H, ac = p["margin"], p["retention"], p["discount_rate"], p["horizon"], p["acquisition_cost"]
    summary = rfm_summary(ex.transactions, observation_end=ex.observation_end, time_unit="W")
    model = BetaGeo().fit(summary["frequency"], summary["recency"], summary["T"])
    ids = p["alive_customers"]
    some = summary.loc[ids]
    alive = model.conditional_probability_alive(some["frequency"], some["recency"], some["T"])
    expected = model.conditional_expected_number_of_purchases_up_to_time(
        52, some["frequency"], some["recency"], some["T"]
    )
    return {
        "answer_clv": _f(discounted_clv(m, r, d, horizon=H, acquisition_cost=ac)),
        "answer_survival": _f(r**H),
        "answer_clv_infinite": _f(discounted_clv(m, r, d, acquisition_cost=ac)),
        "answer_margin_multiple": _f(r / (1 + d - r)),
        "answer_retention_lift_pct": _f(100 * (discounted_clv(m, r + 0.05, d) / discounted_clv(m, r, d) - 1)),
        "answer_p_alive": {c: _f(alive.loc[c]) for c in ids},
        "answer_expected_purchases": {c: _f(expected.loc[c]) for c in ids},
    }


def expected_pls(ex) -> dict:
    """ex06: the PLS path model basic/latent -> satisfaction -> loyalty (centroid scheme).

    Parameters
    ----------
    ex : ExerciseData
        The student's tables and task inputs (:func:`crmlab.teaching.load_exercise_data`).

    Returns
    -------
    dict
        Answer variable name -> expected value, computed from the student's own data.
    """
    from ..pls import PLSPathModel

    spec = ex.inputs["pls"]
    model = PLSPathModel([tuple(p) for p in spec["inner"]], spec["blocks"]).fit(ex.survey)
    paths = model.path_coefficients_
    total = model.total_effects_
    return {
        "answer_path_basic_loyalty": _f(paths.loc["basic", "loyalty"]),
        "answer_path_latent_loyalty": _f(paths.loc["latent", "loyalty"]),
        "answer_path_satisfaction_loyalty": _f(paths.loc["satisfaction", "loyalty"]),
        "answer_r2_loyalty": _f(model.r_squared_["loyalty"]),
        "answer_alpha_basic": _f(model.cronbach_alpha_["basic"]),
        "answer_stronger_driver": "basic"
        if total.loc["basic", "loyalty"] > total.loc["latent", "loyalty"]
        else "latent",
    }


def expected_promotion(ex) -> dict:
    """ex07: campaign lift against the control group (Newcombe interval), incremental revenue
    and ROI, the naive attribution, and a two-model uplift model's Qini and top decile.

    Parameters
    ----------
    ex : ExerciseData
        The student's tables and task inputs (:func:`crmlab.teaching.load_exercise_data`).

    Returns
    -------
    dict
        Answer variable name -> expected value, computed from the student's own data.
    """
    from .. import promotion

    p = ex.inputs["promotion"]
    campaign = ex.campaign
    effect = promotion.campaign_effect(
        campaign, cost_per_contact=p["cost_per_contact"], margin_rate=p["margin_rate"]
    )
    rate = effect.loc["response_rate"]
    naive = promotion.naive_attribution(campaign)["revenue"]
    incremental = effect.loc["revenue_per_customer", "incremental"]
    targeted = campaign[campaign["targeted"]]
    treated, responded = ~targeted["control"].to_numpy(), targeted["responded"].to_numpy()
    X = promotion.uplift_features(
        ex.transactions,
        ex.customers,
        observation_end=ex.observation_end,
        customer_ids=targeted["customer_id"],
    )
    score = promotion.UpliftModel("two_model", "logistic", seed=ex.seed).fit(X, treated, responded).predict(X)
    deciles = promotion.uplift_by_decile(score, treated, responded)
    return {
        "answer_rate_treated": _f(rate["treated"]),
        "answer_rate_control": _f(rate["control"]),
        "answer_lift_points": _f(100 * rate["difference"]),
        "answer_lift_interval": [_f(100 * rate["low"]), _f(100 * rate["high"])],
        "answer_lift_significant": bool(rate["low"] > 0 or rate["high"] < 0),
        "answer_incremental_revenue": _f(incremental),
        "answer_naive_revenue": _f(naive),
        "answer_naive_overstates": bool(naive > incremental),
        "answer_campaign_roi": _f(effect.attrs["roi"]),
        "answer_qini": _f(promotion.qini_coefficient(score, treated, responded)),
        "answer_top_decile_uplift": _f(deciles.loc[1, "observed_uplift"]),
    }


def expected_baskets(ex) -> dict:
    """ex08: frequent pairs (Apriori), association rules, recommendations, category lift.

    Parameters
    ----------
    ex : ExerciseData
        The student's tables and task inputs (:func:`crmlab.teaching.load_exercise_data`).

    Returns
    -------
    dict
        Answer variable name -> expected value, computed from the student's own data.
    """
    from .. import basket

    p = ex.inputs["baskets"]
    lines = ex.order_lines
    itemsets = basket.frequent_itemsets(lines, min_support=p["min_support"], max_len=2)
    rules = basket.association_rules(itemsets, sort_by="confidence")
    top = basket.association_rules(itemsets, min_lift=2.0, sort_by="confidence").iloc[0]
    support = basket.item_affinity(lines, item="product", measure="support")
    single = rules[rules["antecedent"].map(len) == 1]
    first = {}
    for a, c in zip(single["antecedent"], single["consequent"]):  # ranked: the first is the best
        first.setdefault(next(iter(a)), next(iter(c)))
    a, b = p["pair"]
    x, y = p["category_pair"]
    strong = (rules["confidence"] >= p["min_confidence"]) & (rules["lift"] >= p["min_lift"])
    return {
        "answer_n_orders": int(itemsets.attrs["n_orders"]),
        "answer_pair_support": _f(support.loc[a, b]),
        "answer_n_frequent_pairs": int((itemsets["length"] == 2).sum()),
        "answer_top_rule": str(top["rule"]),
        "answer_top_rule_metrics": [
            _f(top[k]) for k in ("support", "confidence", "lift", "leverage", "conviction")
        ],
        "answer_recommended": {product: str(first[product]) for product in p["antecedents"]},
        "answer_n_strong_rules": int(strong.sum()),
        "answer_category_lift": _f(basket.item_affinity(lines, item="category", measure="lift").loc[x, y]),
    }


def expected_churn(ex) -> dict:
    """ex09: churn labels after the calibration end, a logistic ChurnModel on a seeded split,
    its holdout AUC and Brier score, the AUC of BG/NBD 1 - P(alive) and of RFM, the targeting.

    The top-decile lift is not asked: the calibrated probabilities tie in blocks, and which tied
    customers make up the top tenth depends on the row order a student happens to keep.

    Parameters
    ----------
    ex : ExerciseData
        The student's tables and task inputs (:func:`crmlab.teaching.load_exercise_data`).

    Returns
    -------
    dict
        Answer variable name -> expected value, computed from the student's own data.
    """
    import numpy as np
    import pandas as pd
    from sklearn.model_selection import train_test_split

    from .. import churn
    from ..btyd import BetaGeo
    from ..rfm import rfm_summary

    p = ex.inputs["churn"]
    tx, cal = ex.transactions, pd.Timestamp(p["calibration_end"])
    window = (pd.Timestamp(ex.observation_end) - cal).days
    features = churn.churn_features(tx, cal, ex.customers)
    labels = churn.churn_labels(tx, cal, window, features.index)
    train, test = train_test_split(
        np.asarray(features.index), test_size=p["test_share"], random_state=ex.seed
    )
    model = churn.ChurnModel("logistic", random_state=ex.seed).fit(features.loc[train], labels.loc[train])
    p_churn = model.predict_proba(features.loc[test])
    with warnings.catch_warnings():  # customers who came after the calibration end are left out
        warnings.simplefilter("ignore")
        weeks = rfm_summary(tx, observation_end=cal, time_unit="W")
    bgnbd = BetaGeo().fit(weeks["frequency"], weeks["recency"], weeks["T"])
    alive = bgnbd.conditional_probability_alive(weeks["frequency"], weeks["recency"], weeks["T"])
    scores = {
        "model": p_churn,
        "btyd": 1 - pd.Series(np.asarray(alive), index=weeks.index),
        "rfm": churn.rfm_churn_score(tx, cal),
    }
    table = churn.churn_scores_table(labels.loc[test], scores)
    targeting = churn.targeting_table(p_churn, p["retained_margin"], p["success_rate"], p["contact_cost"])
    return {
        "answer_n_calibration_customers": int(len(features)),
        "answer_churn_rate": _f(labels.mean()),
        "answer_auc_model": _f(table.loc["model", "auc"]),
        "answer_brier_model": _f(table.loc["model", "brier"]),
        "answer_auc_btyd": _f(table.loc["btyd", "auc"]),
        "answer_auc_rfm": _f(table.loc["rfm", "auc"]),
        "answer_contact_threshold": _f(targeting.attrs["threshold"]),
        "answer_n_contact": int(targeting.attrs["n_contact"]),
        "answer_contact_profit": _f(targeting.attrs["profit_contact"]),
    }


#: notebook stem -> function computing its expected answers from the student's data
EXPECTED = {
    "ex01_data_overview": expected_data_overview,
    "ex02_segmentation": expected_segmentation,
    "ex03_loyalty": expected_loyalty,
    "ex04_satisfaction_trap": expected_satisfaction_trap,
    "ex05_clv": expected_clv,
    "ex06_pls": expected_pls,
    "ex07_promotion": expected_promotion,
    "ex08_baskets": expected_baskets,
    "ex09_churn": expected_churn,
}


def expected_answers(ex, notebooks=None) -> dict:
    """Every expected answer (by variable name) for the student's data ``ex``.

    ``notebooks``: restrict to these notebook stems (default: all). Values are plain
    Python (float, int, str, bool, lists, dicts), ready for JSON.

    Parameters
    ----------
    ex : ExerciseData
        The student's tables and task inputs.
    notebooks : list of str, optional
        Exercise notebook stems to compute (default: all).

    Returns
    -------
    dict
        Answer variable name -> expected value, over the chosen notebooks.
    """
    wanted = list(EXPECTED) if notebooks is None else [n for n in notebooks if n in EXPECTED]
    out = {}
    for name in wanted:
        values = EXPECTED[name](ex)
        declared = {item.name for item in ITEMS if item.notebook == name}
        if set(values) != declared:
            raise RuntimeError(f"checks: {name} computes {sorted(values)} but declares {sorted(declared)}")
        out.update(values)
    return out
