"""Where the order lines of a data set come from: its ``order_lines`` table, or its transactions.

A retail log often *is* an order-lines log: one row per product bought, with the basket's id
(e.g. dunnhumby's ``basket_id`` + ``product_id``, mapped to ``order_id`` + ``product`` by a data
spec). Such a log needs no separate ``order_lines`` table for the market-basket analysis.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["basket_lines"]

LINE_COLUMNS = ("order_id", "product", "category")


def basket_lines(dataset) -> pd.DataFrame | None:
    """The order lines for the market-basket analysis of a data set, or None when it has none.

    The ``order_lines`` table when present; otherwise the transactions' ``order_id`` and
    ``product`` (and ``category`` where present) columns, one line per distinct (order, product),
    provided some order holds more than one product (a log of one product per order has no
    baskets). The data set's tables are not modified.

    Parameters
    ----------
    dataset : crmlab.datasets.Dataset or any object with ``order_lines`` / ``transactions``
        The data set (``load_dataset(...)``).

    Returns
    -------
    pandas.DataFrame or None
        order_id, product (and category): what :func:`crmlab.basket.frequent_itemsets` takes.
    """
    lines = getattr(dataset, "order_lines", None)
    if lines is not None:
        return lines
    tx = getattr(dataset, "transactions", None)
    if tx is None or not {"order_id", "product"} <= set(tx.columns):
        return None
    cols = [c for c in LINE_COLUMNS if c in tx.columns]
    out = tx.loc[tx["order_id"].notna() & tx["product"].notna(), cols].drop_duplicates(
        ["order_id", "product"]
    )
    if not out["order_id"].duplicated().any():
        return None
    return out.reset_index(drop=True)
