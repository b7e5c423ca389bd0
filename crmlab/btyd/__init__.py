"""Probabilistic "buy 'til you die" models: BG/NBD, Pareto/NBD and Gamma-Gamma spend.

Every model starts from the per-customer summary of :func:`crmlab.rfm.rfm_summary`:

* ``frequency`` x  -- number of repeat purchase days (an integer >= 0);
* ``recency``   t_x -- time from the first to the last purchase;
* ``T``              -- time from the first purchase to the end of observation;
* ``monetary_value`` m -- mean value of the repeat purchases (Gamma-Gamma only).

Times are in whatever unit the summary used (``time_unit="W"``: weeks); the rate
parameters (``alpha``, ``beta``) come out in that unit and every horizon ``t``
passed to a prediction must be in it too.

Estimation is maximum likelihood with :func:`scipy.optimize.minimize` on the
log-parameters, from several starting points (the best is kept). The
likelihoods are computed in log space with ``gammaln`` / ``betaln``; the
Pareto/NBD's Gauss hypergeometric function is Euler-transformed to
2F1(1, b'; c'; z) with 0 <= z < 1, which is bounded, so it cannot overflow.
Standard errors come from a central-difference Hessian of the negative
log-likelihood at the optimum, on the natural parameter scale.

Sources: Fader, Hardie & Lee (2005a) "Counting your customers the easy way: an
alternative to the Pareto/NBD model", Marketing Science 24(2) -- BG/NBD;
Schmittlein, Morrison & Colombo (1987) and Fader & Hardie (2005) "A note on
deriving the Pareto/NBD model and related expressions" -- Pareto/NBD;
Fader, Hardie & Lee (2005b) "RFM and CLV: using iso-value curves for customer
base analysis", JMR 42(4), and Fader & Hardie (2013) "The Gamma-Gamma model of
monetary value" -- Gamma-Gamma; Fader & Hardie (2013) "Overcoming the BG/NBD
model's #NUM! error problem" -- the stable BG/NBD conditional expectation.
The API follows the ``lifetimes`` package (Davidson-Pilon, 2014-).

Layout: ``bgnbd`` (BetaGeo), ``pareto_nbd`` (ParetoNBD), ``gamma_gamma`` (GammaGamma), each
with its simulator; ``evaluation`` (holdout checks and their plots); ``_base``
(LikelihoodModel: the estimator contract, fitted attributes, convergence warning);
``_numerics`` (multistart, Hessian, convergence assessment); ``_checks`` (input checks);
``mbgnbd`` (ModifiedBetaGeo), ``bgbb`` (BetaGeoBetaBinom, discrete opportunities), ``sbg``
(ShiftedBetaGeometric, contractual retention); ``covariates`` (BG/NBD, Pareto/NBD and Gamma-Gamma
with time-invariant covariates, Fader & Hardie 2007) with ``covariate_simulation``; ``comparison``
(choosing a model: calibration criteria and holdout error); ``intervals`` (delta method,
parametric draws and customer bootstrap for every prediction); ``scoring`` (patterns, chunked and Spark
scoring).
"""

from __future__ import annotations

from ._base import LikelihoodModel
from .bgbb import BetaGeoBetaBinom, simulate_beta_geo_beta_binom
from .bgnbd import BetaGeo, simulate_beta_geo
from .comparison import compare_models, plot_model_comparison
from .covariate_simulation import (
    COVARIATE_TRUTH,
    CovariatePopulation,
    make_covariates,
    simulate_with_covariates,
)
from .covariates import BetaGeoCovariates, GammaGammaCovariates, ParetoNBDCovariates
from .evaluation import (
    cumulative_tracking,
    expected_vs_actual_by_frequency,
    plot_expected_vs_actual,
    plot_frequency_fit,
    plot_retention_projection,
    plot_tracking,
)
from .gamma_gamma import DAYS_PER_MONTH, GammaGamma, simulate_gamma_gamma
from .intervals import (
    clv_interval,
    dert_interval,
    expected_purchases_interval,
    parameter_intervals,
    prediction_interval,
    probability_alive_interval,
)
from .mbgnbd import ModifiedBetaGeo, simulate_modified_beta_geo
from .pareto_nbd import ParetoNBD, simulate_pareto_nbd
from .sbg import ShiftedBetaGeometric, simulate_shifted_beta_geometric
from .scoring import rfm_patterns, score

__all__ = [
    "ShiftedBetaGeometric",
    "BetaGeoBetaBinom",
    "ModifiedBetaGeo",
    "BetaGeo",
    "ParetoNBD",
    "GammaGamma",
    "LikelihoodModel",
    "expected_vs_actual_by_frequency",
    "cumulative_tracking",
    "plot_tracking",
    "plot_expected_vs_actual",
    "plot_frequency_fit",
    "plot_retention_projection",
    "simulate_beta_geo",
    "simulate_pareto_nbd",
    "simulate_modified_beta_geo",
    "simulate_beta_geo_beta_binom",
    "simulate_shifted_beta_geometric",
    "simulate_gamma_gamma",
    "DAYS_PER_MONTH",
    "rfm_patterns",
    "score",
    "compare_models",
    "plot_model_comparison",
    "BetaGeoCovariates",
    "ParetoNBDCovariates",
    "GammaGammaCovariates",
    "simulate_with_covariates",
    "make_covariates",
    "CovariatePopulation",
    "COVARIATE_TRUTH",
    "prediction_interval",
    "parameter_intervals",
    "probability_alive_interval",
    "expected_purchases_interval",
    "dert_interval",
    "clv_interval",
]
