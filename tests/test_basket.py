"""crmlab.basket: itemsets and rules on a hand-computed table, brute force, the planted truth."""

from itertools import combinations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from crmlab import basket
from crmlab.exceptions import CRMDataError

# six orders: {a,b,c} {a,b} {a,c} {a,b,d} {b} {c,d}
LINES = pd.DataFrame(
    {
        "order_id": [1, 1, 1, 2, 2, 3, 3, 4, 4, 4, 5, 6, 6],
        "product": list("abcabacabdbcd"),
        "customer_id": ["x", "x", "x", "x", "x", "y", "y", "z", "z", "z", "w", "w", "w"],
    }
)


def _support(itemsets, *items):
    row = itemsets[itemsets["itemset"] == frozenset(items)]
    return row["support"].item() if len(row) else None


def test_itemsets_by_hand():
    fi = basket.frequent_itemsets(LINES, min_support=1 / 6, max_len=3)
    assert fi.attrs["n_orders"] == 6
    expected = {"a": 4, "b": 4, "c": 3, "d": 2, "ab": 3, "ac": 2, "ad": 1, "bc": 1, "bd": 1, "cd": 1}
    expected |= {"abc": 1, "abd": 1}
    assert len(fi) == len(expected)
    for items, count in expected.items():
        assert _support(fi, *items) == pytest.approx(count / 6), items
    # a third of the orders: only a, b, c, d, ab, ac remain
    fi3 = basket.frequent_itemsets(LINES, min_support=1 / 3)
    assert {"".join(sorted(s)) for s in fi3["itemset"]} == {"a", "b", "c", "d", "ab", "ac"}
    assert basket.frequent_itemsets(LINES, min_support=1 / 6, max_len=1)["length"].max() == 1


def test_rules_by_hand():
    rules = basket.association_rules(basket.frequent_itemsets(LINES, min_support=1 / 6)).set_index("rule")
    a_b = rules.loc["a -> b"]  # s(ab) = 3/6, s(a) = s(b) = 4/6
    assert a_b["support"] == pytest.approx(0.5)
    assert a_b["confidence"] == pytest.approx(0.75)
    assert a_b["lift"] == pytest.approx(0.75 / (4 / 6))  # 1.125
    assert a_b["leverage"] == pytest.approx(0.5 - 4 / 9)
    assert a_b["conviction"] == pytest.approx((1 - 4 / 6) / (1 - 0.75))  # 4/3
    c_b = rules.loc["c -> b"]  # s(bc) = 1/6, s(c) = 1/2: confidence 1/3, lift 1/2
    assert (c_b["confidence"], c_b["lift"], c_b["leverage"]) == pytest.approx((1 / 3, 0.5, 1 / 6 - 1 / 3))
    abd = rules.loc["b, d -> a"]  # never fails: confidence 1, conviction infinite
    assert abd["confidence"] == 1 and np.isinf(abd["conviction"])
    assert list(rules.index[:3]) == ["b, d -> a", "a, d -> b", "b, c -> a"]  # lift 1.5, ties by support
    assert rules["lift"].is_monotonic_decreasing
    strong = basket.association_rules(basket.frequent_itemsets(LINES, min_support=1 / 6), min_confidence=0.7)
    assert set(strong["rule"]) == {"a -> b", "b -> a", "b, d -> a", "a, d -> b", "b, c -> a"}
    two = basket.association_rules(basket.frequent_itemsets(LINES, min_support=1 / 6), max_consequent=2)
    assert "a -> b, c" in set(two["rule"])


def test_affinity_by_hand():
    conf = basket.item_affinity(LINES, item="product", measure="confidence")
    assert conf.loc["a", "b"] == pytest.approx(0.75) and conf.loc["c", "b"] == pytest.approx(1 / 3)
    assert np.diag(conf).tolist() == [1.0] * 4
    lift = basket.item_affinity(LINES, item="product", measure="lift")
    assert lift.loc["a", "b"] == pytest.approx(1.125) and np.isnan(lift.loc["a", "a"])
    assert basket.item_affinity(LINES, item="product", measure="count").loc["c", "d"] == 1


def test_cross_sell_by_hand():
    rules = basket.association_rules(basket.frequent_itemsets(LINES, min_support=1 / 6))
    recs = basket.cross_sell(rules, LINES, n=2)
    # y bought {a, c}: a -> b (0.75) and a -> d (0.25); c -> b is 1/3, so b comes first from a -> b
    y = recs[recs["customer_id"] == "y"]
    assert y["product"].tolist() == ["b", "d"] and y["because"].iloc[0] == "a -> b"
    assert y["confidence"].iloc[0] == pytest.approx(0.75)
    assert recs["customer_id"].value_counts().max() <= 2
    # x bought a, b, c: nothing it already has is recommended
    assert not set(recs.loc[recs["customer_id"] == "x", "product"]) & {"a", "b", "c"}
    # through the transactions table when the lines carry no customer
    tx = LINES[["order_id", "customer_id"]].drop_duplicates()
    again = basket.cross_sell(rules, LINES.drop(columns="customer_id"), tx, n=2)
    pd.testing.assert_frame_equal(again, recs)


def test_itemsets_match_brute_force_on_random_baskets():
    rng = np.random.default_rng(4)
    n_orders, items = 400, list("abcdefgh")
    pop = rng.random(len(items)) * 0.5 + 0.1
    rows = [(o, it) for o in range(n_orders) for it, p in zip(items, pop) if rng.random() < p]
    lines = pd.DataFrame(rows, columns=["order_id", "product"])
    baskets = lines.groupby("order_id")["product"].agg(frozenset)
    fi = basket.frequent_itemsets(lines, min_support=0.05, max_len=4)
    n = len(baskets)
    brute = {}
    for k in range(1, 5):
        for combo in combinations(items, k):
            count = sum(frozenset(combo) <= b for b in baskets)
            if count >= 0.05 * n:
                brute[frozenset(combo)] = count
    assert dict(zip(fi["itemset"], fi["count"])) == brute


def test_planted_associations_come_out_on_top(population):
    lines, truth = population.order_lines, population.truth.associations
    rules = basket.association_rules(
        basket.frequent_itemsets(lines, "product", min_support=0.0005, max_len=3), min_count=20
    )
    planted = truth[truth["level"] == "product"]
    expected = {f"{a} -> {b}" for a, b in zip(planted["antecedent"], planted["consequent"])}
    expected |= {f"{b} -> {a}" for a, b in zip(planted["antecedent"], planted["consequent"])}
    assert set(rules["rule"].head(4)) == expected
    top = rules.set_index("rule")
    for row in planted.itertuples():
        found = top.loc[f"{row.antecedent} -> {row.consequent}"]
        assert found["lift"] == pytest.approx(row.lift) and found["confidence"] == pytest.approx(
            row.confidence
        )
        assert found["support"] == pytest.approx(row.support)
    cat_rules = basket.association_rules(basket.frequent_itemsets(lines, "category", min_support=0.01))
    assert set(cat_rules["rule"].head(2)) == {"beauty -> apparel", "apparel -> beauty"}
    conf = basket.item_affinity(lines, "category", "confidence")
    row = truth[truth["level"] == "category"].iloc[0]
    assert conf.loc["beauty", "apparel"] == pytest.approx(row.confidence)


def test_bad_input():
    with pytest.raises(CRMDataError, match="order_lines"):
        basket.frequent_itemsets(LINES.drop(columns="product"))
    with pytest.raises(CRMDataError, match="1 of 13 rows"):
        basket.frequent_itemsets(LINES.assign(product=LINES["product"].where(LINES.index != 3)))
    with pytest.raises(ValueError, match="min_support"):
        basket.frequent_itemsets(LINES, min_support=0)
    with pytest.raises(ValueError, match="sort_by"):
        basket.association_rules(basket.frequent_itemsets(LINES), sort_by="size")
    with pytest.raises(CRMDataError, match="customer_id"):
        basket.cross_sell(
            basket.association_rules(basket.frequent_itemsets(LINES)), LINES.drop(columns="customer_id")
        )


def test_plots_return_axes():
    rules = basket.association_rules(basket.frequent_itemsets(LINES, min_support=1 / 6))
    ax = basket.plot_affinity(basket.item_affinity(LINES, "product", "lift"))
    assert ax.get_title() == "Affinity (lift)"
    fig, axes = plt.subplots(1, 2)
    assert basket.plot_rules(rules, ax=axes[1]) is axes[1]
    assert basket.plot_affinity(basket.item_affinity(LINES, "product", "confidence"), ax=axes[0]) is axes[0]
    plt.close("all")


def test_basket_lines_come_from_the_order_lines_or_a_line_item_log():
    from types import SimpleNamespace

    from crmlab.basket import basket_lines

    tx = pd.DataFrame(
        {
            "order_id": ["o1", "o1", "o1", "o2", "o3", "o3"],
            "customer_id": ["a", "a", "a", "b", "a", "a"],
            "product": ["beer", "diapers", "beer", "beer", "chips", None],
        }
    )
    lines = basket_lines(SimpleNamespace(order_lines=None, transactions=tx))
    # one line per distinct (order, product); rows without a product are left out; tx is untouched
    assert lines[["order_id", "product"]].values.tolist() == [
        ["o1", "beer"],
        ["o1", "diapers"],
        ["o2", "beer"],
        ["o3", "chips"],
    ]
    assert len(tx) == 6 and tx["product"].isna().sum() == 1
    table = pd.DataFrame({"order_id": ["x"], "product": ["y"]})
    assert basket_lines(SimpleNamespace(order_lines=table, transactions=tx)) is table
    one_each = tx.drop_duplicates("order_id")  # one product per order: no baskets
    assert basket_lines(SimpleNamespace(order_lines=None, transactions=one_each)) is None
    assert basket_lines(SimpleNamespace(order_lines=None, transactions=tx.drop(columns="product"))) is None
