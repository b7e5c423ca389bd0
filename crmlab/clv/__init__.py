"""Customer lifetime value and the economics of retention.

CLV is the present value of all future net profit from a customer over the relationship:
determine the life cycle (survival ``S_t``), each period's net profit ``m_t``, discount it by
``(1 + d)^t`` and sum (Gupta & Lehmann 2003; Berger & Nasr 1998). One file per topic:

* ``discounted`` -- :func:`discounted_clv` (closed forms and the explicit sum, both timings),
  :func:`clv_schedule` (the four steps per period), :func:`margin_multiples`;
* ``components`` -- the lecture's six sources of value CLV1..CLV6 (:func:`clv_components`);
* ``sensitivity`` -- one-way sensitivity of the components' CLV (:func:`clv_sensitivity`);
* ``profitability`` -- profit per customer (:func:`customer_profitability`,
  :func:`relationship_costs`), :func:`share_of_wallet` and the :func:`whale_curve`
  (Kaplan & Narayanan 2001);
* ``cohort`` -- cohort CLV from observed retention and margins (:func:`cohort_clv`);
* ``retention`` -- Kotler's retention decision, a Reichheld & Sasser (1990) style simulation of
  a 5-point retention lift, Kotler's customer delivered value;
* ``evaluation`` -- predicted vs actual holdout value by group (:func:`holdout_calibration`);
* ``plots`` -- every plot is ``plot_x(result, ax=None) -> Axes``;
* ``probabilistic`` -- CLV from a BTYD transaction model and a Gamma-Gamma spend model.

Every name is importable from ``crmlab.clv``. Arguments out of range raise ``ValueError`` /
``TypeError`` naming them; bad tables raise :class:`crmlab.exceptions.CRMDataError`.
"""

from __future__ import annotations

from .cohort import PERIODS_PER_YEAR, CohortCLV, cohort_clv
from .components import COMPONENTS, CLVComponents, clv_components
from .discounted import clv_schedule, discounted_clv, margin_multiples
from .evaluation import holdout_calibration
from .plots import (
    plot_cohort_clv,
    plot_cohort_retention,
    plot_holdout_calibration,
    plot_tornado,
    plot_waterfall,
    plot_whale_curve,
)
from .probabilistic import customer_lifetime_value
from .profitability import (
    WhaleCurve,
    customer_profitability,
    relationship_costs,
    share_of_wallet,
    whale_curve,
)
from .retention import (
    REICHHELD_PROFILES,
    RetentionDecision,
    customer_delivered_value,
    kotler_retention,
    reichheld_simulation,
)
from .sensitivity import FACTOR_LABELS, clv_sensitivity

__all__ = [
    "COMPONENTS",
    "discounted_clv",
    "clv_schedule",
    "margin_multiples",
    "CLVComponents",
    "clv_components",
    "FACTOR_LABELS",
    "clv_sensitivity",
    "plot_waterfall",
    "plot_tornado",
    "customer_profitability",
    "relationship_costs",
    "share_of_wallet",
    "WhaleCurve",
    "whale_curve",
    "plot_whale_curve",
    "PERIODS_PER_YEAR",
    "CohortCLV",
    "cohort_clv",
    "plot_cohort_retention",
    "plot_cohort_clv",
    "holdout_calibration",
    "plot_holdout_calibration",
    "RetentionDecision",
    "kotler_retention",
    "REICHHELD_PROFILES",
    "reichheld_simulation",
    "customer_delivered_value",
    "customer_lifetime_value",
]
