"""Baskets as a sparse order x item matrix, and frequent itemsets by a vectorised Apriori.

Apriori (Agrawal & Srikant 1994): an itemset can only be frequent if all its subsets are.
Level 1 counts every item (column sums of the 0/1 basket matrix ``X``); level 2 counts every
pair of frequent items at once as the sparse product ``X'X``; level ``k > 2`` extends each
frequent ``(k-1)``-itemset ``S`` by the items after its last one, counting all extensions at once
as ``v_S' X`` where ``v_S`` is the indicator of the orders holding ``S`` (the element-wise product
of its items' columns), and keeps an extension only when it is frequent and every one of its
``(k-1)``-subsets is (the Apriori prune).

Support of an itemset ``S``: ``s(S) = |{orders holding every item of S}| / |orders|``.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd
from scipy import sparse

from .._validate import bad_rows, check_number, require_columns

__all__ = ["basket_matrix", "frequent_itemsets"]


def basket_matrix(
    lines: pd.DataFrame, item: str = "product", order: str = "order_id", table: str = "order_lines"
) -> tuple[sparse.csc_matrix, pd.Index, pd.Index]:
    """The 0/1 order x item matrix of a table of order lines.

    Parameters
    ----------
    lines : DataFrame
        One row per order line (or per order): an order id and an item (product, category).
        An item repeated in an order counts once.
    item, order : str
        Column names of the item and of the order id.
    table : str
        Table name for error messages.

    Returns
    -------
    (X, orders, items)
        ``X`` a sparse CSC matrix (``int32`` ones, orders x items), the order ids and the items.
    """
    require_columns(lines, [order, item], table, caller="basket_matrix")
    missing = lines[order].isna().to_numpy() | lines[item].isna().to_numpy()
    if missing.any():
        raise bad_rows(lines, missing, table, item, f"have no {order} or no {item}", [order, item])
    o_codes, orders = pd.factorize(lines[order], sort=False)
    i_codes, items = pd.factorize(lines[item], sort=True)
    X = sparse.csr_matrix(
        (np.ones(len(o_codes), np.int32), (o_codes, i_codes)), shape=(len(orders), len(items))
    )
    X.sum_duplicates()
    X.data[:] = 1  # an item twice in an order is one item
    return X.tocsc(), pd.Index(orders, name=order), pd.Index(items, name=item)


def _pairs(X: sparse.csc_matrix, min_count: int) -> tuple[np.ndarray, np.ndarray]:
    """Frequent pairs (i < j) and their counts from the co-occurrence matrix ``X'X``."""
    C = sparse.triu(X.T @ X, k=1).tocoo()
    keep = C.data >= min_count
    return np.column_stack([C.row[keep], C.col[keep]]), C.data[keep].astype(np.int64)


def _extend(X: sparse.csc_matrix, sets: np.ndarray, min_count: int) -> tuple[np.ndarray, np.ndarray]:
    """Frequent (k+1)-itemsets from the frequent k-itemsets ``sets`` (rows of sorted item indices)."""
    k = sets.shape[1]
    V = X[:, sets[:, 0]]
    for col in range(1, k):
        V = V.multiply(X[:, sets[:, col]]).tocsc()  # orders holding every item of each set
    counts = (V.T @ X).tocoo()
    ok = (counts.data >= min_count) & (counts.col > sets[counts.row, -1])
    rows, cols, n = counts.row[ok], counts.col[ok], counts.data[ok].astype(np.int64)
    cand = np.column_stack([sets[rows], cols])
    known = {tuple(s) for s in sets.tolist()}
    keep = np.array(
        [all(sub in known for sub in combinations(c, k)) for c in cand.tolist()], dtype=bool
    ).reshape(-1)
    return cand[keep], n[keep]


def frequent_itemsets(
    lines: pd.DataFrame,
    item: str = "product",
    min_support: float = 0.01,
    max_len: int = 3,
    order: str = "order_id",
) -> pd.DataFrame:
    """Frequent itemsets by the vectorised Apriori of the module docstring.

    Parameters
    ----------
    lines : DataFrame
        Order lines (``order_id`` + ``item``); see :func:`basket_matrix`.
    item : str
        The item column: ``"product"`` or ``"category"`` (or any other).
    min_support : float
        Smallest support kept, in (0, 1].
    max_len : int
        Largest itemset size (1..5).
    order : str
        The order id column.

    Returns
    -------
    DataFrame
        One row per frequent itemset: ``itemset`` (frozenset), ``length``, ``count`` (orders
        holding it) and ``support``; sorted by length, then support (largest first).
        ``attrs["n_orders"]`` holds the number of orders.
    """
    min_support = check_number(
        "min_support", min_support, lo=0, hi=1, lo_open=True, where="frequent_itemsets"
    )
    max_len = check_number("max_len", max_len, lo=1, hi=5, integer=True, where="frequent_itemsets")
    X, orders, items = basket_matrix(lines, item, order)
    n = len(orders)
    min_count = max(1, int(np.ceil(min_support * n - 1e-9)))
    counts = np.asarray(X.sum(axis=0)).ravel()
    frequent = np.flatnonzero(counts >= min_count)
    X = X[:, frequent]
    levels = [(np.arange(len(frequent))[:, None], counts[frequent].astype(np.int64))]
    if max_len >= 2 and len(frequent) >= 2:
        levels.append(_pairs(X, min_count))
    while len(levels) < max_len and len(levels[-1][0]) > 0:
        levels.append(_extend(X, levels[-1][0], min_count))
    names = items.to_numpy(dtype=object)[frequent]
    rows = [
        (frozenset(names[s]), len(s), int(c)) for sets, cnt in levels for s, c in zip(sets, cnt) if len(sets)
    ]
    out = pd.DataFrame(rows, columns=["itemset", "length", "count"])
    out["support"] = out["count"] / n
    out = out.sort_values(["length", "support"], ascending=[True, False], kind="stable").reset_index(
        drop=True
    )
    out.attrs["n_orders"] = n
    out.attrs["item"] = item
    return out
