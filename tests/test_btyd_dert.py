"""DERT of the Pareto/NBD (FHL 2005b eq. 2) and the BG/NBD (quadrature) against the definition.

The reference is the definition integrated by scipy.integrate.quad, per customer:
DERT = int_0^inf e^{-delta t} d/dt E[Y(t) | x, t_x, T] dt = delta int_0^inf e^{-delta t} E[Y(t)] dt
(by parts: E[Y(0)] = 0), with E[Y(t)] the models' own conditional expectations (FHL 2005a eq. 10,
Fader & Hardie 2005 eq. 41) -- an evaluation independent of the DERT formulas.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import integrate

from crmlab import btyd
from crmlab.data import load_cdnow
from crmlab.rfm import rfm_summary

WEEKLY_15PC = np.log(1.15) / 52  # FHL (2005b): 15 % a year, continuous, per week
BGNBD_CDNOW = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}  # FHL 2005a, weeks
PNBD_CDNOW = {"r": 0.553, "alpha": 10.58, "s": 0.606, "beta": 11.67}  # FHL 2005a/b, weeks


@pytest.fixture(scope="module")
def customers():
    """Three dozen CDNOW customers: the first 24 and the 12 most frequent (weeks)."""
    s = rfm_summary(load_cdnow("sample"), observation_end="1998-06-30", calibration_end="1997-09-30")
    return pd.concat([s.iloc[:24], s.sort_values("frequency").iloc[-12:]])


def dert_by_quad(model, delta, x, tx, T):
    """delta int_0^inf e^{-delta t} E[Y(t) | x, t_x, T] dt by adaptive quadrature, in three pieces."""

    def f(t):
        return np.exp(-delta * t) * model.conditional_expected_number_of_purchases_up_to_time(t, x, tx, T)

    cuts = [0.0, *np.geomspace(0.1, 1 / delta, 8), 10 / delta, np.inf]  # pieces on every time scale
    opts = {"epsabs": 0.0, "epsrel": 1e-12, "limit": 500}
    return delta * sum(integrate.quad(f, lo, hi, **opts)[0] for lo, hi in zip(cuts[:-1], cuts[1:]))


@pytest.mark.parametrize(
    ("cls", "params"), [(btyd.BetaGeo, BGNBD_CDNOW), (btyd.ParetoNBD, PNBD_CDNOW)], ids=["bgnbd", "pnbd"]
)
@pytest.mark.parametrize("delta", [1e-4, WEEKLY_15PC, 0.1])
def test_dert_matches_the_integrated_definition(customers, cls, params, delta):
    model = cls.from_params(**params)
    c = customers
    ours = model.dert(c["frequency"], c["recency"], c["T"], delta)
    assert isinstance(ours, pd.Series) and ours.name == "dert" and ours.index.equals(c.index)
    ref = [dert_by_quad(model, delta, *row) for row in c[["frequency", "recency", "T"]].to_numpy()]
    # the Pareto/NBD's closed form holds to hyperu's accuracy; the BG/NBD's fixed rule is stated
    # to < 1e-8 at delta = 0.0001 a week and better as delta grows
    rtol = 1e-9 if cls is btyd.ParetoNBD or delta > 1e-3 else 1e-8
    np.testing.assert_allclose(ours.to_numpy(), ref, rtol=rtol)


@pytest.mark.parametrize(
    ("cls", "params"), [(btyd.BetaGeo, BGNBD_CDNOW), (btyd.ParetoNBD, PNBD_CDNOW)], ids=["bgnbd", "pnbd"]
)
def test_dert_is_the_discounted_derivative_of_the_conditional_expectation(cls, params):
    # the definition as written: e^{-delta t} times a central-difference derivative of E[Y(t)]
    model = cls.from_params(**params)
    x, tx, T, delta = 4.0, 30.0, 38.86, WEEKLY_15PC
    h = 1e-4

    def rate(t):
        E = model.conditional_expected_number_of_purchases_up_to_time
        return (E(t + h, x, tx, T) - E(max(t - h, 0.0), x, tx, T)) / (t + h - max(t - h, 0.0))

    ref = sum(
        integrate.quad(lambda t: np.exp(-delta * t) * rate(t), lo, hi, limit=500, epsrel=1e-10)[0]
        for lo, hi in [(0, 1 / delta), (1 / delta, 10 / delta), (10 / delta, np.inf)]
    )
    assert model.dert(x, tx, T, delta) == pytest.approx(ref, rel=1e-6)


def test_pareto_nbd_dert_tends_to_expected_lifetime_purchases():
    # s > 1: E[Y(inf)] = (r+x)(beta+T) / ((alpha+T)(s-1)) P(alive) (Fader & Hardie 2005, eq. 41, t -> inf)
    r, alpha, s, beta = 0.553, 10.58, 2.6, 11.67  # s - 1 > 1: the approach is O(delta)
    model = btyd.ParetoNBD.from_params(r=r, alpha=alpha, s=s, beta=beta)
    x, tx, T = np.array([0.0, 2.0, 7.0]), np.array([0.0, 20.0, 36.0]), np.array([38.0, 38.0, 38.0])
    lifetime = (r + x) * (beta + T) / ((alpha + T) * (s - 1)) * model.conditional_probability_alive(x, tx, T)
    np.testing.assert_allclose(model.dert(x, tx, T, 1e-10), lifetime, rtol=1e-6)
    # and discounting lowers it: DERT falls with delta
    d = [model.dert(x, tx, T, delta) for delta in (1e-4, 1e-3, 1e-2, 1e-1)]
    assert np.all(np.diff(np.array(d), axis=0) < 0)


def test_bgnbd_dert_tends_to_expected_lifetime_purchases():
    # a > 1: E[Y(inf)] = (a+b+x-1)/(a-1) P(alive) (FHL 2005a eq. 10, t -> inf)
    r, alpha, a, b = 3.0, 4.414, 1.8, 2.426  # r well above 0: no long wait for the slowest buyers
    model = btyd.BetaGeo.from_params(r=r, alpha=alpha, a=a, b=b)
    x, tx, T = np.array([0.0, 2.0, 7.0]), np.array([0.0, 20.0, 36.0]), np.array([38.0, 38.0, 38.0])
    lifetime = (a + b + x - 1) / (a - 1) * model.conditional_probability_alive(x, tx, T)
    np.testing.assert_allclose(model.dert(x, tx, T, 1e-9), lifetime, rtol=1e-5)


@pytest.mark.filterwarnings("ignore::scipy.integrate.IntegrationWarning")  # quad's tail pieces, ~1e-300
def test_pareto_nbd_dert_survives_extreme_parameters():
    # large s with a small discount: hyperu overflows, the exp-sinh fallback takes over
    model = btyd.ParetoNBD.from_params(r=0.553, alpha=10.58, s=60.0, beta=1100.0)
    x, tx, T = 3.0, 20.0, 38.0
    ref = dert_by_quad(model, 1e-7, x, tx, T)
    assert model.dert(x, tx, T, 1e-7) == pytest.approx(ref, rel=1e-8)


@pytest.mark.parametrize("cls", [btyd.BetaGeo, btyd.ParetoNBD])
@pytest.mark.parametrize("bad", [0.0, -0.01, np.inf, np.nan])
def test_dert_rejects_a_bad_discount_rate(cls, bad):
    params = BGNBD_CDNOW if cls is btyd.BetaGeo else PNBD_CDNOW
    with pytest.raises(ValueError, match="discount_rate"):
        cls.from_params(**params).dert(1, 10, 38, bad)


def test_bgnbd_dert_with_a_sharp_dropout_prior():
    # a, b large (homogeneous p): (1 + v/z)^(-a) is sharp; the stretched rule must still hold
    model = btyd.BetaGeo.from_params(r=0.9, alpha=4.414, a=12.0, b=36.0)
    for x, tx, T in [(0.0, 0.0, 38.0), (6.0, 30.0, 38.0)]:
        ref = dert_by_quad(model, WEEKLY_15PC, x, tx, T)
        assert model.dert(x, tx, T, WEEKLY_15PC) == pytest.approx(ref, rel=1e-9)
