"""Association rules from frequent itemsets, and the item affinity matrix.

For a rule ``A -> C`` (antecedent ``A``, consequent ``C``, disjoint itemsets) with supports
``s(.)`` over the orders (Agrawal, Imielinski & Swami 1993):

* support ``s(A u C)``: the share of orders holding both;
* confidence ``s(A u C) / s(A)``: the share of orders holding ``A`` that also hold ``C``;
* lift ``confidence / s(C)``: how many times more often ``C`` comes with ``A`` than by chance
  (1 = independent; Brin, Motwani, Ullman & Tsur 1997);
* leverage ``s(A u C) - s(A) s(C)``: the excess share of orders over independence
  (Piatetsky-Shapiro 1991);
* conviction ``(1 - s(C)) / (1 - confidence)``: how much more often ``A`` would come without
  ``C`` if they were independent (Brin et al. 1997; infinite for a rule that never fails).
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd

from .._validate import check_choice, check_number, require_columns
from .itemsets import basket_matrix

__all__ = ["association_rules", "item_affinity", "RULE_METRICS"]

RULE_METRICS = ("support", "confidence", "lift", "leverage", "conviction")


def _text(items) -> str:
    return ", ".join(sorted(map(str, items)))


def _candidate_rules(itemsets: pd.DataFrame, max_consequent: int) -> pd.DataFrame:
    """Every split of each itemset into antecedent and consequent, with the three supports."""
    support = dict(zip(itemsets["itemset"], itemsets["support"]))
    count = dict(zip(itemsets["itemset"], itemsets["count"]))
    rows = []
    for items in itemsets.loc[itemsets["length"] >= 2, "itemset"]:
        for size in range(1, min(max_consequent, len(items) - 1) + 1):
            for cons in combinations(sorted(items, key=str), size):
                c = frozenset(cons)
                a = items - c
                rows.append((a, c, support[a], support[c], support[items], count[items]))
    return pd.DataFrame(
        rows,
        columns=["antecedent", "consequent", "antecedent_support", "consequent_support", "support", "count"],
    )


def association_rules(
    itemsets: pd.DataFrame,
    min_confidence: float = 0.0,
    min_lift: float = 0.0,
    min_count: int = 1,
    max_consequent: int = 1,
    sort_by: str = "lift",
) -> pd.DataFrame:
    """Association rules with their support, confidence, lift, leverage and conviction.

    Parameters
    ----------
    itemsets : DataFrame
        :func:`crmlab.basket.frequent_itemsets`' output (every subset of a frequent itemset is
        in it, so every support a rule needs is known).
    min_confidence, min_lift : float
        Rules below either are dropped.
    min_count : int
        Fewest orders holding the whole rule (guards against lifts from a handful of orders).
    max_consequent : int
        Largest consequent (1 = one item, what cross-selling recommends).
    sort_by : str
        One of ``RULE_METRICS``; ties are broken by support.

    Returns
    -------
    DataFrame
        ``rule`` ("a, b -> c"), ``antecedent`` and ``consequent`` (frozensets), their supports,
        ``support``, ``count``, ``confidence``, ``lift``, ``leverage``, ``conviction``; ranked by
        ``sort_by`` (largest first), formulas in the module docstring.
    """
    require_columns(
        itemsets, ["itemset", "length", "count", "support"], "itemsets", caller="association_rules"
    )
    check_number("min_confidence", min_confidence, lo=0, hi=1, where="association_rules")
    check_number("min_lift", min_lift, lo=0, where="association_rules")
    min_count = check_number("min_count", min_count, lo=1, integer=True, where="association_rules")
    check_number("max_consequent", max_consequent, lo=1, integer=True, where="association_rules")
    check_choice("sort_by", sort_by, RULE_METRICS, where="association_rules")
    r = _candidate_rules(itemsets, int(max_consequent))
    r["confidence"] = r["support"] / r["antecedent_support"]
    r["lift"] = r["confidence"] / r["consequent_support"]
    r["leverage"] = r["support"] - r["antecedent_support"] * r["consequent_support"]
    with np.errstate(divide="ignore"):
        r["conviction"] = np.where(
            r["confidence"] < 1, (1 - r["consequent_support"]) / (1 - r["confidence"]), np.inf
        )
    keep = (r["confidence"] >= min_confidence) & (r["lift"] >= min_lift) & (r["count"] >= min_count)
    r = r[keep].sort_values([sort_by, "support"], ascending=False, kind="stable").reset_index(drop=True)
    r.insert(0, "rule", [f"{_text(a)} -> {_text(c)}" for a, c in zip(r["antecedent"], r["consequent"])])
    r.attrs.update(itemsets.attrs)
    return r


def item_affinity(
    lines: pd.DataFrame, item: str = "category", measure: str = "lift", order: str = "order_id"
) -> pd.DataFrame:
    """Pairwise affinity of all items (e.g. categories): the matrix behind the heat map.

    Parameters
    ----------
    lines : DataFrame
        Order lines (``order_id`` + ``item``).
    item : str
        The item column, usually ``"category"``.
    measure : str
        ``"lift"`` (``s(i, j) / (s(i) s(j))``, diagonal NaN), ``"confidence"`` (row ``i``,
        column ``j``: ``s(i, j) / s(i)``, the share of orders with ``i`` that also hold ``j``;
        diagonal 1), ``"support"`` (``s(i, j)``; diagonal ``s(i)``) or ``"count"``.
    order : str
        The order id column.

    Returns
    -------
    DataFrame
        Items x items; ``attrs["n_orders"]`` the number of orders.
    """
    check_choice("measure", measure, ("lift", "confidence", "support", "count"), where="item_affinity")
    X, orders, items = basket_matrix(lines, item, order)
    C = (X.T @ X).toarray().astype(float)
    n, single = len(orders), np.diag(C).copy()
    if measure == "support":
        M = C / n
    elif measure == "confidence":
        M = C / single[:, None]
    elif measure == "lift":
        M = C * n / np.outer(single, single)
        np.fill_diagonal(M, np.nan)
    else:
        M = C
    out = pd.DataFrame(M, index=items, columns=items.rename(None))
    out.attrs.update({"n_orders": n, "measure": measure, "item": item})
    return out
