"""Profiling and segmentation: behavioural features, clusters, value tiers, the VIP
four-quadrant chart and one profiling table per segmentation basis.

The analytical-CRM "7P" starts with *profiling*: dividing customers by demographics,
geography, purchase behaviour, satisfaction and loyalty (Kotler & Keller 2016, ch. 9;
Wedel & Kamakura 2000 for the bases). Every function here takes canonical tables (see
``crmlab.data``) and returns a DataFrame indexed by ``customer_id`` or a summary table.

Conventions shared by the functions:

* ``observation_end`` is the last day observed (inclusive); ``None`` = the last
  transaction date. Later transactions are ignored.
* A *visit* is a purchase day: several orders of one customer on one day count once.
* ``window_months`` windows are ``(observation_end - window_months months, observation_end]``.
"""

from .bases import SEGMENTATION_BASES, segmentation_bases
from .clusters import CustomerClusters, adjusted_rand, plot_cluster_profile, plot_cluster_selection
from .features import customer_features
from .plots import plot_basis, plot_share_vs_revenue
from .tiers import (
    QUADRANT_LABELS,
    VALUE_TIER_STRATEGIES,
    plot_vip_quadrants,
    quadrant_summary,
    value_tier_summary,
    value_tiers,
    vip_quadrants,
)

__all__ = [
    "customer_features",
    "CustomerClusters",
    "adjusted_rand",
    "plot_cluster_profile",
    "plot_cluster_selection",
    "VALUE_TIER_STRATEGIES",
    "value_tiers",
    "value_tier_summary",
    "QUADRANT_LABELS",
    "vip_quadrants",
    "quadrant_summary",
    "plot_vip_quadrants",
    "SEGMENTATION_BASES",
    "segmentation_bases",
    "plot_share_vs_revenue",
    "plot_basis",
]
