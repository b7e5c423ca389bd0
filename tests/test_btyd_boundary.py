"""Boundary fits said in words: no dropout, no heterogeneity (issue 13 section 5).

Populations simulated with known truth: Pareto/NBD buyers whose dropout rate is ~1e-9 (no
dropout), and Poisson buyers who all buy at the same rate (no heterogeneity). The fits must warn
with a ConvergenceWarning that names the finding and the remedy, and no raw numpy / scipy
RuntimeWarning may escape; the CDNOW fits must not warn.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from crmlab import btyd
from crmlab.btyd._checks import _boundary
from crmlab.data import load_cdnow
from crmlab.exceptions import ConvergenceWarning
from crmlab.rfm import rfm_summary

MODELS = [btyd.BetaGeo, btyd.ParetoNBD]


def fit_catching(cls, data, **kwargs):
    """Fit with every RuntimeWarning an error; return the model and the warnings raised."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.simplefilter("error", RuntimeWarning)
        model = cls(**kwargs).fit(data["frequency"], data["recency"], data["T"])
    return model, caught


@pytest.fixture(scope="module")
def no_dropout():
    # Pareto/NBD truth r = 0.8, alpha = 4 and mean lifetime beta/s = 1e9 weeks: nobody leaves
    T = np.random.default_rng(1).uniform(20, 60, 1500)
    sim = btyd.simulate_pareto_nbd(0.8, 4.0, 1.0, 1e9, T, seed=2)
    assert sim["alive"].all()
    return sim


def no_heterogeneity(cls):
    """Every customer buys at 0.3 a week (lambda's CV 0.1 %); dropout as the model says it."""
    T = np.random.default_rng(3).uniform(20, 60, 1500)
    if cls is btyd.BetaGeo:
        return btyd.simulate_beta_geo(1e6, 1e6 / 0.3, 0.8, 2.5, T, seed=4)
    return btyd.simulate_pareto_nbd(1e6, 1e6 / 0.3, 0.6, 12.0, T, seed=4)


@pytest.mark.parametrize("cls", MODELS)
def test_no_dropout_is_said_in_words(cls, no_dropout):
    model, caught = fit_catching(cls, no_dropout)
    assert [w.category for w in caught] == [ConvergenceWarning]
    message = str(caught[0].message)
    assert "no evidence of dropout in these data" in message
    assert "penalizer=0.01" in message and "simpler model" in message
    assert not model.converged_ and model.convergence_["boundary"]
    assert any("no evidence of dropout" in f for f in model.convergence_["boundary"])
    # the purchase process is still estimated: r, alpha near the truth 0.8, 4
    assert model.params_["r"] == pytest.approx(0.8, rel=0.2)
    assert model.params_["r"] / model.params_["alpha"] == pytest.approx(0.2, rel=0.1)


@pytest.mark.parametrize("cls", MODELS)
def test_no_heterogeneity_in_purchase_rates_is_said_in_words(cls):
    model, caught = fit_catching(cls, no_heterogeneity(cls))
    assert [w.category for w in caught] == [ConvergenceWarning]
    message = str(caught[0].message)
    assert "no heterogeneity in purchase rates" in message and "Poisson" in message
    assert not model.converged_ and model.convergence_["boundary"]
    # what is estimated is the common rate, 0.3 a week
    assert model.params_["r"] / model.params_["alpha"] == pytest.approx(0.3, rel=0.05)


def test_a_penalizer_keeps_the_no_dropout_fit_off_the_boundary(no_dropout):
    model, caught = fit_catching(btyd.BetaGeo, no_dropout, penalizer=0.01)
    assert not any(issubclass(w.category, RuntimeWarning) for w in caught)
    assert model.convergence_["boundary"] == ()


@pytest.mark.parametrize("cls", MODELS)
def test_cdnow_fits_do_not_warn(cls):
    s = rfm_summary(load_cdnow("sample"), observation_end="1998-06-30", calibration_end="1997-09-30")
    model, caught = fit_catching(cls, s)
    assert caught == [] and model.converged_
    assert model.convergence_["boundary"] == ()


def test_boundary_rules_at_published_and_edge_values():
    # the published CDNOW estimates are inside; each edge is named once
    assert _boundary({"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}) == ()
    assert _boundary({"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}) == ()
    (one,) = _boundary({"r": 0.5, "alpha": 4.0, "a": 1e-9, "b": 3.0})
    assert one.startswith("no evidence of dropout")
    (one,) = _boundary({"r": 0.5, "alpha": 4.0, "s": 0.6, "beta": 1e9})
    assert one.startswith("no evidence of dropout")
    (one,) = _boundary({"r": 0.5, "alpha": 4.0, "a": 400.0, "b": 4000.0})
    assert one.startswith("no heterogeneity in dropout")
    (one,) = _boundary({"r": 0.5, "alpha": 4.0, "s": 500.0, "beta": 5000.0})
    assert one.startswith("no heterogeneity in dropout")
    (one,) = _boundary({"r": 43_983.0, "alpha": 146_610.0, "a": 0.8, "b": 2.4})
    assert "no heterogeneity in purchase rates" in one and "0.3 per time unit" in one
    assert _boundary({"p": 6.25, "q": 3.74, "v": 15.44}) == ()  # other models' names are not read
