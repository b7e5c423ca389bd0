"""Promotion analysis: who responds, what a campaign really adds, and whom to target next.

The "Promotion" P of analytical CRM (advertising and promotion management):

* :func:`promotion_response` -- response rate (Wilson interval), revenue, cost and gross ROI
  (seeded Poisson-bootstrap interval) per promotion, promotion type or medium;
  :func:`promotion_incrementality` -- promotion-driven vs organic purchases (orders over a
  baseline);
* :func:`campaign_effect` -- a campaign's incremental response and revenue against its
  randomised control group (Newcombe and Welch intervals); :func:`naive_attribution` -- the
  "responders x average order" figure it is often confused with; :func:`diff_in_diff` /
  :func:`campaign_diff_in_diff` where there is no control group;
* :class:`UpliftModel` (two-model and class transformation, scikit-learn),
  :func:`qini_curve` / :func:`qini_coefficient` / :func:`uplift_by_decile` with their plots, and
  :func:`target_next`: whom the next campaign should contact.

Interval methods are in :mod:`crmlab.promotion._stats` (Wilson 1927; Newcombe 1998; Welch 1947;
the Poisson bootstrap of Hanley & MacGibbon 2006).
"""

from __future__ import annotations

from ._stats import newcombe_interval, wilson_interval
from .experiment import campaign_diff_in_diff, campaign_effect, diff_in_diff, naive_attribution
from .qini import plot_qini, plot_uplift_by_decile, qini_coefficient, qini_curve, uplift_by_decile
from .response import promotion_incrementality, promotion_response
from .uplift import UPLIFT_METHODS, UpliftModel, target_next, uplift_features

__all__ = [
    "promotion_response",
    "promotion_incrementality",
    "campaign_effect",
    "naive_attribution",
    "diff_in_diff",
    "campaign_diff_in_diff",
    "UpliftModel",
    "UPLIFT_METHODS",
    "uplift_features",
    "target_next",
    "qini_curve",
    "qini_coefficient",
    "uplift_by_decile",
    "plot_qini",
    "plot_uplift_by_decile",
    "wilson_interval",
    "newcombe_interval",
]
