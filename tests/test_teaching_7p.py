"""Exercises 7-9 of the teaching kit (issue 14): promotion lift, market baskets and churn.

The answer key is checked against hand computations on one student's data; a tiny course is
written, solved and graded: the solved notebooks score full marks, and a hand-in whose every
answer is a little wrong loses every item (half of each partial-credit one).
"""

import json
import shutil

import nbformat
import numpy as np
import pandas as pd
import pytest

from crmlab import teaching
from crmlab.teaching import checks, grading, sandbox

KEY = "test-course-key-7p"
STEMS = ["ex07_promotion", "ex08_baskets", "ex09_churn"]
TEMPLATES = [teaching.EXERCISES_DIR / f"{stem}.ipynb" for stem in STEMS]
ITEMS = checks.items_for(STEMS)
UNSAFE = sandbox.find_bwrap() is None  # grade in the bubblewrap sandbox wherever it is installed

# the last cell of a wrong hand-in: every answer moved beyond its tolerance (one key of a dict)
SPOIL = """
import numbers

import numpy as np


def _spoil(value):
    if isinstance(value, (bool, np.bool_)):
        return not value
    if isinstance(value, numbers.Integral):
        return int(value) + 1
    if isinstance(value, numbers.Real):
        return float(value) + 1.0 + 0.1 * abs(float(value))
    if isinstance(value, str):
        return value + "-x"
    if isinstance(value, list):
        return [_spoil(value[0]), *value[1:]]
    key = sorted(value)[0]
    return {**value, key: _spoil(value[key])}


for _name in [n for n in list(globals()) if n.startswith("answer_")]:
    globals()[_name] = _spoil(globals()[_name])
"""


@pytest.fixture(scope="module")
def ex():
    """One student's data, generated in memory as the committed notebooks do."""
    return teaching.load_exercise_data(20_260_314)


@pytest.fixture(scope="module")
def expected(ex):
    return checks.expected_answers(ex, notebooks=STEMS)


# --------------------------------------------------------------------------- data and inputs


def test_student_data_hold_a_campaign_and_order_lines(ex):
    campaign, lines = ex.campaign, ex.order_lines
    assert campaign["customer_id"].is_unique
    assert set(campaign["customer_id"]) <= set(ex.transactions["customer_id"])
    assert not (campaign["control"] & ~campaign["targeted"]).any()
    assert 500 <= campaign["targeted"].sum() <= 1200
    assert 0.1 <= campaign.loc[campaign["targeted"], "control"].mean() <= 0.3  # a fifth held out
    assert set(lines["order_id"]) == set(ex.transactions["order_id"])
    quantity = lines.groupby("order_id")["quantity"].sum()
    ordered = ex.transactions.set_index("order_id")["quantity"].loc[quantity.index]
    assert (quantity.to_numpy() == ordered.to_numpy()).all()  # lines split each order's quantity
    assert 5_000 <= lines["order_id"].nunique() <= 15_000  # small: the notebooks run in seconds


def test_inputs_of_the_new_exercises(ex):
    promo, baskets, churn_ = ex.inputs["promotion"], ex.inputs["baskets"], ex.inputs["churn"]
    assert 0.2 <= promo["margin_rate"] <= 0.45 and 0.3 <= promo["cost_per_contact"] <= 1.2
    assert baskets["min_support"] in (0.0006, 0.0008, 0.001)
    a, b = baskets["pair"]
    assert a < b and a.split("-")[0] == b.split("-")[0]  # two products of one category
    assert len(set(baskets["category_pair"])) == 2
    cal = pd.Timestamp(churn_["calibration_end"])
    assert cal.year == 2024 and 3 <= cal.month <= 9 and cal.is_month_end
    # the antecedents asked about have one most frequent partner, in enough orders to be a rule
    lines = ex.order_lines[["order_id", "product"]].drop_duplicates()
    n_orders = lines["order_id"].nunique()
    for product in baskets["antecedents"]:
        orders = set(lines.loc[lines["product"] == product, "order_id"])
        partners = lines[lines["order_id"].isin(orders) & (lines["product"] != product)]
        counts = partners["product"].value_counts()
        assert counts.iloc[0] > counts.iloc[1] and counts.iloc[0] >= baskets["min_support"] * n_orders


def test_other_students_get_other_inputs_and_old_streams_are_kept():
    one, two = teaching.load_exercise_data(1), teaching.load_exercise_data(2)
    assert [one.inputs[k] for k in ("promotion", "baskets", "churn")] != [
        two.inputs[k] for k in ("promotion", "baskets", "churn")
    ]
    assert not one.campaign["revenue"].equals(two.campaign["revenue"])
    # the inputs of exercises 1-6 do not depend on the order lines
    again = teaching.exercise_inputs(1, one.transactions, one.survey)
    assert "baskets" not in again
    assert {k: v for k, v in one.inputs.items() if k != "baskets"} == again


def test_a_data_folder_from_before_version_2_still_loads(tmp_path):
    folder = teaching.write_exercise_data(3, tmp_path / "data")
    (folder / "order_lines.csv").unlink()
    (folder / "campaign.csv").unlink()
    old = teaching.load_exercise_data(3, folder)
    assert old.order_lines is None and old.campaign is None
    assert len(old.transactions) > 0
    (folder / "survey.csv").unlink()
    with pytest.raises(FileNotFoundError, match="survey.csv"):
        teaching.load_exercise_data(3, folder)


# --------------------------------------------------------------------------- the answer key by hand


def test_promotion_key_against_the_campaign_table(ex, expected):
    c = ex.campaign
    treated = c[c["targeted"] & ~c["control"]]
    control = c[c["control"]]
    assert expected["answer_rate_treated"] == pytest.approx(treated["responded"].mean())
    assert expected["answer_rate_control"] == pytest.approx(control["responded"].mean())
    lift = 100 * (treated["responded"].mean() - control["responded"].mean())
    assert expected["answer_lift_points"] == pytest.approx(lift)
    low, high = expected["answer_lift_interval"]
    assert low < lift < high and high - low < 30
    assert expected["answer_lift_significant"] == (low > 0 or high < 0)
    increment = (treated["revenue"].mean() - control["revenue"].mean()) * len(treated)
    assert expected["answer_incremental_revenue"] == pytest.approx(increment)
    naive = treated.loc[treated["responded"], "revenue"].sum()
    assert expected["answer_naive_revenue"] == pytest.approx(naive)
    assert expected["answer_naive_overstates"] is bool(naive > increment)
    p = ex.inputs["promotion"]
    cost = p["cost_per_contact"] * len(treated)
    assert expected["answer_campaign_roi"] == pytest.approx((p["margin_rate"] * increment - cost) / cost)
    assert 0 < expected["answer_qini"] < 0.2  # the model ranks better than random on its own data
    assert expected["answer_top_decile_uplift"] > expected["answer_lift_points"] / 100


def test_basket_key_against_counted_orders(ex, expected):
    lines = ex.order_lines[["order_id", "product", "category"]]
    baskets = lines.groupby("order_id")["product"].agg(frozenset)
    n = len(baskets)
    assert expected["answer_n_orders"] == n

    def support(*items):
        return sum(set(items) <= b for b in baskets) / n

    a, b = ex.inputs["baskets"]["pair"]
    assert expected["answer_pair_support"] == pytest.approx(support(a, b))
    rule = expected["answer_top_rule"]
    antecedent, consequent = rule.split(" -> ")
    s, confidence, lift, leverage, conviction = expected["answer_top_rule_metrics"]
    s_a, s_c = support(antecedent), support(consequent)
    assert s == pytest.approx(support(antecedent, consequent))
    assert confidence == pytest.approx(s / s_a)
    assert lift == pytest.approx(s / (s_a * s_c)) and lift >= 2
    assert leverage == pytest.approx(s - s_a * s_c)
    assert conviction == pytest.approx((1 - s_c) / (1 - confidence))
    for product, partner in expected["answer_recommended"].items():
        with_it = baskets[baskets.map(lambda b, p=product: p in b)]
        counts = pd.Series([q for b in with_it for q in b if q != product]).value_counts()
        assert partner == counts.index[0]
    categories = lines.groupby("order_id")["category"].agg(frozenset)
    x, y = ex.inputs["baskets"]["category_pair"]
    has_x, has_y = categories.map(lambda c: x in c), categories.map(lambda c: y in c)
    assert expected["answer_category_lift"] == pytest.approx(
        (has_x & has_y).mean() / (has_x.mean() * has_y.mean())
    )
    assert expected["answer_n_frequent_pairs"] >= 2  # at least the planted pairs
    assert 2 <= expected["answer_n_strong_rules"] <= 2 * expected["answer_n_frequent_pairs"]


def test_churn_key_against_the_transactions(ex, expected):
    p = ex.inputs["churn"]
    cal, end = pd.Timestamp(p["calibration_end"]), pd.Timestamp(ex.observation_end)
    tx = ex.transactions
    before = set(tx.loc[tx["date"] <= cal, "customer_id"])
    after = set(tx.loc[(tx["date"] > cal) & (tx["date"] <= end), "customer_id"])
    assert expected["answer_n_calibration_customers"] == len(before)
    assert expected["answer_churn_rate"] == pytest.approx(len(before - after) / len(before))
    threshold = p["contact_cost"] / (p["retained_margin"] * p["success_rate"])
    assert expected["answer_contact_threshold"] == pytest.approx(threshold)
    n_test = int(np.ceil(p["test_share"] * len(before)))
    assert 0 < expected["answer_n_contact"] <= n_test
    assert expected["answer_contact_profit"] > 0
    # the supervised model beats chance and the label-free BG/NBD ranking
    assert 0.7 < expected["answer_auc_model"] < 0.95
    assert 0.5 < expected["answer_auc_btyd"] < expected["answer_auc_model"]
    assert 0.6 < expected["answer_auc_rfm"] < 0.95
    assert 0.1 < expected["answer_brier_model"] < 0.25


# --------------------------------------------------------------------------- a tiny course, graded


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Exercises and solutions for two students; "good" hands in the solved notebooks, "bad" the
    solved notebooks with every answer spoiled by a last cell. Graded in one batch."""
    root = tmp_path_factory.mktemp("course7p")
    roster = root / "roster.csv"
    pd.DataFrame({"student_id": ["good", "bad"], "name": ["Ada", "Bob"]}).to_csv(roster, index=False)
    only = ["--exercises", ",".join(STEMS), "--course-key", KEY]
    for command in ("exercises", "solutions"):
        argv = [command, "--roster", str(roster), "--out", str(root / command), *only]
        assert teaching.main(argv) == 0
    subs = root / "submissions"
    shutil.copytree(root / "solutions" / "good", subs / "good")
    (subs / "good" / "answers.json").unlink()
    (subs / "bad").mkdir(parents=True)
    for template in TEMPLATES:
        nb = nbformat.read(root / "solutions" / "bad" / template.name, as_version=4)
        nb.cells.append(nbformat.v4.new_code_cell(SPOIL))
        nbformat.write(nb, subs / "bad" / template.name)
    table = grading.grade(
        subs,
        roster,
        root / "grades",
        course_key=KEY,
        timeout=90,
        templates=TEMPLATES,
        unsafe_no_sandbox=UNSAFE,
    )
    details = pd.read_csv(root / "grades" / "details.csv", dtype={"student_id": str})
    return root, table.set_index("student_id"), details.set_index(["student_id", "item"])


def test_student_notebooks_of_the_new_exercises_hold_no_solution(graded):
    root, _, _ = graded
    folder = root / "exercises" / "good"
    assert sorted(p.name for p in folder.glob("*.ipynb")) == sorted(t.name for t in TEMPLATES)
    assert {"order_lines.csv", "campaign.csv", "inputs.json"} <= {p.name for p in (folder / "data").iterdir()}
    for template in TEMPLATES:
        forbidden = teaching.solution_lines(nbformat.read(template, as_version=4))
        nb = nbformat.read(folder / template.name, as_version=4)
        assert teaching.find_solution_leaks(nb, forbidden) == []
        stubs = [c for c in nb.cells if "solution" in c.metadata.get("tags", [])]
        assert len(stubs) >= 4 and all("raise NotImplementedError()" in c.source for c in stubs)


def test_the_solved_new_exercises_score_full_marks(graded):
    root, table, details = graded
    good = details.loc["good"]
    assert good["reason"].eq("correct").all(), good.loc[good["reason"] != "correct", "reason"]
    best = sum(item.points for item in ITEMS)
    assert best == 30
    assert table.loc["good", "total"] == best
    key = json.loads((root / "solutions" / "good" / "answers.json").read_text())["answers"]
    assert set(key) == {item.name for item in ITEMS}


def test_a_wrong_answer_costs_each_new_item(graded):
    _, table, details = graded
    bad = details.loc["bad"]
    for item in ITEMS:
        score, reason = bad.loc[item.name, "score"], bad.loc[item.name, "reason"]
        assert score < item.points, (item.name, reason)
        if isinstance(item.check, checks.Mapping):  # one of the two keys spoiled: half the points
            assert score == item.points / 2, (item.name, reason)
        else:
            assert score == 0, (item.name, reason)
        assert reason != "correct" and bad.loc[item.name, "status"] == "graded"
    assert table.loc["bad", "total"] == sum(
        item.points / 2 for item in ITEMS if isinstance(item.check, checks.Mapping)
    )
