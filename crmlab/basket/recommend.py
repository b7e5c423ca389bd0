"""Cross-sell recommendations per customer from association rules.

A customer "holds" a rule's antecedent when everything in it appears among the items of the
customer's past orders. Each rule whose antecedent the customer holds and whose (one-item)
consequent the customer has never bought recommends that consequent; an item recommended by
several rules keeps the best score (the rule's confidence, i.e. the estimated chance that an
order holding the antecedent also holds the item, or its lift). This is rule-based
next-product recommendation as in Agrawal & Srikant (1994) and the retail "frequently bought
together" lists.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse

from .._validate import check_choice, check_number, data_error, require_columns

__all__ = ["cross_sell"]


def _customer_items(
    lines: pd.DataFrame, item: str, vocabulary: pd.Index
) -> tuple[sparse.csr_matrix, pd.Index]:
    """Customers x vocabulary 0/1 matrix of what each customer bought (other items ignored)."""
    codes = vocabulary.get_indexer(lines[item])
    known = codes >= 0
    c_codes, customers = pd.factorize(lines["customer_id"])
    B = sparse.csr_matrix(
        (np.ones(int(known.sum()), np.int32), (c_codes[known], codes[known])),
        shape=(len(customers), len(vocabulary)),
    )
    B.sum_duplicates()
    B.data[:] = 1
    return B, pd.Index(customers, name="customer_id")


def _with_customers(lines: pd.DataFrame, transactions: pd.DataFrame | None, item: str) -> pd.DataFrame:
    if "customer_id" in lines.columns:
        return lines[["customer_id", item]]
    if transactions is None:
        raise data_error("order_lines", "customer_id", "has no customer_id; pass the transactions table")
    require_columns(transactions, ["order_id", "customer_id"], "transactions", caller="cross_sell")
    require_columns(lines, ["order_id", item], "order_lines", caller="cross_sell")
    return lines[["order_id", item]].merge(transactions[["order_id", "customer_id"]], on="order_id")


def cross_sell(
    rules: pd.DataFrame,
    lines: pd.DataFrame,
    transactions: pd.DataFrame | None = None,
    n: int = 3,
    item: str = "product",
    score: str = "confidence",
) -> pd.DataFrame:
    """The next ``n`` items to offer each customer, from association rules.

    Parameters
    ----------
    rules : DataFrame
        :func:`crmlab.basket.association_rules` on the same ``item`` level; rules with more than
        one consequent item are ignored.
    lines : DataFrame
        Order lines (``order_id``, ``item``), with ``customer_id`` or joined to it through
        ``transactions``.
    transactions : DataFrame, optional
        ``order_id`` -> ``customer_id`` when ``lines`` has no ``customer_id``.
    n : int
        Recommendations per customer.
    item : str
        The item column the rules were mined on.
    score : str
        ``"confidence"`` or ``"lift"``: what ranks the recommendations.

    Returns
    -------
    DataFrame
        ``customer_id``, ``rank`` (1 = best), ``item``, ``confidence``, ``lift`` and ``because``
        (the rule); customers no rule applies to are absent.
    """
    check_choice("score", score, ("confidence", "lift"), where="cross_sell")
    n = check_number("n", n, lo=1, integer=True, where="cross_sell")
    require_columns(
        rules, ["rule", "antecedent", "consequent", "confidence", "lift"], "rules", caller="cross_sell"
    )
    rules = rules[rules["consequent"].map(len) == 1].reset_index(drop=True)
    columns = ["customer_id", "rank", item, "confidence", "lift", "because"]
    if rules.empty:
        return pd.DataFrame(columns=columns)
    vocabulary = pd.Index(
        sorted(
            {i for s in rules["antecedent"] for i in s} | {next(iter(s)) for s in rules["consequent"]},
            key=str,
        )
    )
    B, customers = _customer_items(_with_customers(lines, transactions, item), item, vocabulary)
    a_rows = [(vocabulary.get_loc(i), r) for r, s in enumerate(rules["antecedent"]) for i in s]
    A = sparse.csr_matrix(
        (np.ones(len(a_rows)), tuple(np.array(a_rows).T)), shape=(len(vocabulary), len(rules))
    )
    held = (B @ A).tocoo()
    ok = held.data >= rules["antecedent"].map(len).to_numpy()[held.col]
    cust, rule = held.row[ok], held.col[ok]
    target = vocabulary.get_indexer([next(iter(s)) for s in rules["consequent"]])[rule]
    owned = np.asarray(B[cust, target]).ravel() > 0
    recs = pd.DataFrame({"c": cust[~owned], "r": rule[~owned], "t": target[~owned]})
    recs["s"] = rules[score].to_numpy()[recs["r"]]
    recs = recs.sort_values(["c", "s"], ascending=[True, False], kind="stable").drop_duplicates(["c", "t"])
    recs = recs[recs.groupby("c").cumcount() < n]
    return pd.DataFrame(
        {
            "customer_id": customers.to_numpy()[recs["c"]],
            "rank": recs.groupby("c").cumcount().to_numpy() + 1,
            item: vocabulary.to_numpy()[recs["t"]],
            "confidence": rules["confidence"].to_numpy()[recs["r"]],
            "lift": rules["lift"].to_numpy()[recs["r"]],
            "because": rules["rule"].to_numpy()[recs["r"]],
        }
    ).reset_index(drop=True)
