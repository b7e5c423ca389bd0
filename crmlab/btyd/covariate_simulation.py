"""Synthetic populations whose customer attributes shift purchase, dropout and spend by known amounts.

The truth (every parameter by the covariate models' names, e.g. ``purchase[age_std]``) is
recorded with the data, so a fit of :mod:`crmlab.btyd.covariates` compares with it directly.
The attributes are made here rather than in :func:`crmlab.synth.generate`: that population's
purchases follow a life-cycle story (stage-shaped rates, segments), not the BG/NBD or Pareto/NBD,
so no coefficient of theirs would be a "true" value of these models; and its outputs stay
identical for existing seeds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._validate import check_choice, check_number
from ._checks import ArrayLike
from .covariates import BetaGeoCovariates, GammaGammaCovariates, ParetoNBDCovariates

__all__ = ["CovariatePopulation", "make_covariates", "simulate_with_covariates", "COVARIATE_TRUTH"]

MODELS = {"bgnbd": BetaGeoCovariates, "pareto_nbd": ParetoNBDCovariates, "gamma_gamma": GammaGammaCovariates}

#: The default truth of :func:`simulate_with_covariates` (weeks; spend in currency units).
COVARIATE_TRUTH = {
    "bgnbd": {
        "r": 0.75,
        "alpha": 6.0,
        "a": 0.8,
        "b": 2.5,
        "purchase[age_std]": 0.3,
        "purchase[channel_web]": -0.4,
        "dropout_a[age_std]": -0.3,
        "dropout_a[channel_web]": 0.5,
        "dropout_b[age_std]": 0.2,
        "dropout_b[channel_web]": 0.0,
    },
    "pareto_nbd": {
        "r": 0.6,
        "alpha": 8.0,
        "s": 0.8,
        "beta": 12.0,
        "purchase[age_std]": 0.3,
        "purchase[channel_web]": -0.4,
        "dropout[age_std]": -0.3,
        "dropout[channel_web]": 0.5,
    },
    "gamma_gamma": {"p": 6.0, "q": 4.0, "gamma": 15.0, "spend[age_std]": 0.2, "spend[channel_web]": -0.3},
}


@dataclass
class CovariatePopulation:
    """A simulated population: per-customer ``summary``, its ``covariates`` and the ``truth``.

    ``truth`` holds every parameter by the fitted models' names (``purchase[age_std]`` ...), so
    ``fit(...).params_[k]`` compares with ``truth[k]`` directly.
    """

    summary: pd.DataFrame
    covariates: pd.DataFrame
    truth: dict


def make_covariates(n_customers: int, seed: int = 0) -> pd.DataFrame:
    """Customer attributes: ``age_std`` ~ Normal(0, 1) (standardised age) and ``channel_web`` ~
    Bernoulli(0.4) (acquired on the web = 1, in store = 0), independent.

    Parameters
    ----------
    n_customers : int
        Number of customers (index ``customer_id`` 0 .. n-1).
    seed : int
        Seed of numpy's default generator.

    Returns
    -------
    pandas.DataFrame
        Columns age_std, channel_web (floats).
    """
    n = check_number("n_customers", n_customers, lo=1, integer=True, where="make_covariates")
    rng = np.random.default_rng(seed)
    index = pd.RangeIndex(n, name="customer_id")
    age = rng.standard_normal(n)
    web = (rng.random(n) < 0.4).astype(np.float64)
    return pd.DataFrame({"age_std": age, "channel_web": web}, index=index)


def simulate_with_covariates(
    model: str = "bgnbd",
    n_customers: int = 5000,
    seed: int = 0,
    params: dict | None = None,
    T: ArrayLike | None = None,
) -> CovariatePopulation:
    """A population whose purchase, dropout (or spend) rates are shifted by known coefficients.

    Covariates from :func:`make_covariates`; behaviour from the covariate model built with
    ``from_params(**params)`` and its ``simulate`` (the plain models' simulators at each
    customer's parameters). Transactions: T ~ Uniform(26, 78) weeks (staggered entry) unless
    given. Spend (``"gamma_gamma"``): frequency ~ 1 + Poisson(3) repeat purchases.
    Three independent seeded streams: covariates, T / frequency, behaviour.

    Parameters
    ----------
    model : {"bgnbd", "pareto_nbd", "gamma_gamma"}
        Which model generates the data.
    n_customers : int
        Population size.
    seed : int
        Seed of every random step.
    params : dict, optional
        The truth by parameter name; default :data:`COVARIATE_TRUTH` [model].
    T : array-like or scalar, optional
        Observation time per customer (transaction models).

    Returns
    -------
    CovariatePopulation
        ``summary`` (frequency, recency, T or monetary_value, and the latent truth per customer),
        ``covariates`` and ``truth``.
    """
    check_choice("model", model, list(MODELS), where="simulate_with_covariates")
    truth = dict(COVARIATE_TRUTH[model] if params is None else params)
    generator = MODELS[model].from_params(**truth)
    streams = np.random.SeedSequence(seed).generate_state(3)
    covs = make_covariates(n_customers, seed=int(streams[0]))[generator.covariate_names_]
    rng = np.random.default_rng(int(streams[1]))
    if model == "gamma_gamma":
        frequency = 1 + rng.poisson(3.0, len(covs))
        summary = generator.simulate(covs, frequency, seed=int(streams[2]))
    else:
        TT = rng.uniform(26.0, 78.0, len(covs)) if T is None else T
        summary = generator.simulate(covs, TT, seed=int(streams[2]))
    return CovariatePopulation(summary=summary, covariates=covs, truth=truth)
