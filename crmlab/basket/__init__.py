"""Market-basket analysis: frequent itemsets, association rules, cross-selling, affinity.

The "Product" P of analytical CRM: which products (or categories) are bought together, so
that a shop can place, bundle and recommend them (the lecture's "beer and diapers").

* :func:`frequent_itemsets` -- support of every itemset above ``min_support`` (Apriori);
* :func:`association_rules` -- rules ``A -> C`` with support, confidence, lift, leverage and
  conviction, filtered and ranked;
* :func:`cross_sell` -- the next products to offer each customer;
* :func:`item_affinity` + :func:`plot_affinity` -- the category affinity heat map;
  :func:`plot_rules` -- the rules map.

Input: order lines with ``order_id`` and an item column (``product`` or ``category``); a
transactions table with one product per order works the same way.

**Implementation.** Apriori is implemented here, vectorised with ``scipy.sparse`` (pairs as one
sparse product ``X'X``, larger itemsets as sparse products of indicator columns), rather than
taken from ``mlxtend`` (0.25, installable): mlxtend's ``apriori`` / ``fpgrowth`` need the one-hot
order x item table as a pandas DataFrame (dense booleans by default: 1M orders x 10,000 products
would be 10 GB), and on the synthetic population's 1.2M order lines (754,234 orders, 120
products, min support 0.001, itemsets up to 3 items; 2-core machine) this implementation takes
about 1 s against 46 s for mlxtend's FP-growth (31 s of it building the one-hot table) and 330 s
for its Apriori, with the same 122 itemsets and 4 rules. No new dependency either. The tests
check support, confidence, lift, leverage and conviction on a hand-computed six-order table,
every itemset count against brute-force enumeration on random baskets, and that the synthetic
population's planted rules come out at the top.
"""

from __future__ import annotations

from .itemsets import basket_matrix, frequent_itemsets
from .lines import basket_lines
from .plots import plot_affinity, plot_rules
from .recommend import cross_sell
from .rules import RULE_METRICS, association_rules, item_affinity

__all__ = [
    "basket_lines",
    "basket_matrix",
    "frequent_itemsets",
    "association_rules",
    "RULE_METRICS",
    "item_affinity",
    "cross_sell",
    "plot_affinity",
    "plot_rules",
]
