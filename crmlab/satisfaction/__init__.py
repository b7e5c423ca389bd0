"""The satisfaction trap: why satisfied customers still defect, measured on survey data.

Reichheld & Sasser (1990) showed that a few points more retention raise profit a lot,
so firms chase satisfaction; yet most defectors say they were satisfied, and Jones &
Sasser (1995, Xerox) found "totally satisfied" customers six times more likely to
buy again than merely "satisfied" ones. The explanation taught here: expectations
are *basic* (taken for granted) or *latent* (not yet recognised by the customer).
Satisfying basic expectations raises loyalty with diminishing returns, up to about
the average loyalty of the industry; satisfying latent expectations raises it with
a constant or increasing marginal effect. Pouring effort into basic expectations
after loyalty has saturated is the **satisfaction trap**.

This package tests that story on a survey and a transaction log, one topic per module:

* :mod:`.trap` -- :func:`trap_analysis`: the additive model ``loyalty = a + f(basic) +
  g(latent) + e`` (each driver's curve controls for the other), five curve forms compared
  by AIC, BIC and cross-validated error, bootstrap bands for the curves and marginal
  effects, a stated shape test, and the saturation point of ``f`` (steps in ``_forms``
  and ``_bands``; survey items and :func:`cronbach_alpha` in ``_items``).
* :mod:`.asymmetry` -- :func:`penalty_reward`: penalty-reward contrast analysis (Brandt
  1987) and impact-asymmetry classes (Mikulic & Prebezac 2008); :func:`kano_analysis`:
  Kano et al. (1984) evaluation table, modal category, Better / Worse coefficients of
  Berger et al. (1993).
* :mod:`.paradox` -- :func:`holdout_repurchase`, :func:`satisfaction_paradox`: the paradox
  in numbers: satisfied defectors, very satisfied vs satisfied repurchase, a logistic model.
* :mod:`.loyalty_types` -- :func:`satisfaction_loyalty_types`: loyal / mercenary / hostage /
  defector (Jones & Sasser 1995) from survey scores, over :mod:`crmlab.loyalty`'s matrix.
* :mod:`.plots` -- one ``plot_x(result, ax=None) -> Axes`` per result.

Every random step takes ``seed``; bad tables raise :class:`crmlab.exceptions.CRMDataError`,
bad arguments ``ValueError`` / ``TypeError`` naming the argument.
"""

from ._items import cronbach_alpha
from .asymmetry import (
    KANO_CATEGORIES,
    KANO_TABLE,
    KANO_TIE_ORDER,
    KanoAnalysis,
    PenaltyReward,
    kano_analysis,
    kano_classify,
    penalty_reward,
)
from .loyalty_types import TYPE_STRATEGIES, LoyaltyTypes, satisfaction_loyalty_types
from .paradox import SatisfactionParadox, holdout_repurchase, satisfaction_paradox
from .plots import plot_kano, plot_paradox, plot_penalty_reward, plot_trap, plot_types
from .trap import CURVE_FORMS, TrapAnalysis, trap_analysis

__all__ = [
    "CURVE_FORMS",
    "KANO_TABLE",
    "KANO_CATEGORIES",
    "KANO_TIE_ORDER",
    "TYPE_STRATEGIES",
    "cronbach_alpha",
    "TrapAnalysis",
    "trap_analysis",
    "plot_trap",
    "PenaltyReward",
    "penalty_reward",
    "plot_penalty_reward",
    "kano_classify",
    "KanoAnalysis",
    "kano_analysis",
    "plot_kano",
    "holdout_repurchase",
    "SatisfactionParadox",
    "satisfaction_paradox",
    "plot_paradox",
    "LoyaltyTypes",
    "satisfaction_loyalty_types",
    "plot_types",
]
