"""Gamma-Gamma model of spend per transaction (Fader, Hardie & Lee 2005b; Fader & Hardie 2013).

Also its simulator. The customer lifetime value that combines it with a transaction model
(BG/NBD or Pareto/NBD) is :func:`crmlab.clv.customer_lifetime_value` (in
``crmlab/clv/probabilistic.py``); :meth:`GammaGamma.customer_lifetime_value` calls it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

from ..exceptions import CRMDataError
from ._base import LikelihoodModel
from ._checks import (
    ArrayLike,
    Predicted,
    _array,
    _check_weights,
    _fail,
    _index_of,
    _plural,
    _same_length,
    _wrap,
)
from ._numerics import _auto, _compress

__all__ = ["GammaGamma", "simulate_gamma_gamma", "DAYS_PER_MONTH"]

DAYS_PER_MONTH = 365.25 / 12.0


def _gg_loglik(p, q, gamma, x, m):
    """Per-customer Gamma-Gamma log-density of the mean spend m over x transactions.

    f(m | p, q, gamma, x) = Gamma(px+q) / (Gamma(px) Gamma(q)) gamma^q m^(px-1) x^(px)
                            / (gamma + m x)^(px+q)          (Fader & Hardie 2013, eq. 1a)
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        px = p * x
        return (
            special.gammaln(px + q)
            - special.gammaln(px)
            - special.gammaln(q)
            + q * np.log(gamma)
            + (px - 1) * np.log(m)
            + px * np.log(x)
            - (px + q) * np.log(gamma + m * x)
        )


def _check_spend(frequency, monetary_value, where: str):
    index = _index_of(frequency, monetary_value)
    x = _array(frequency, "frequency", where)
    m = _array(monetary_value, "monetary_value", where)
    x, m = _same_length(where, frequency=x, monetary_value=m)
    if x.size == 0:
        raise CRMDataError(f"{where}: no customers (the inputs are empty)", table="rfm summary", n_bad=0)
    if index is not None and len(index) != x.size:
        index = None
    cols = {"frequency": x, "monetary_value": m}
    for name, arr in cols.items():
        bad = ~np.isfinite(arr)
        if bad.any():
            raise _fail(where, name, "is missing or infinite", bad, index, cols)
        if (arr < 0).any():
            raise _fail(where, name, "is negative", arr < 0, index, cols)
    nonint = x != np.round(x)
    if nonint.any():
        raise _fail(
            where, "frequency", "is not a whole number (it counts repeat purchases)", nonint, index, cols
        )
    zero = (x > 0) & (m <= 0)
    if zero.any():
        raise _fail(
            where,
            "monetary_value",
            "is <= 0 although frequency > 0 (the Gamma-Gamma "
            "model needs positive spend: leave such customers out, e.g. "
            "summary[summary['monetary_value'] > 0])",
            zero,
            index,
            cols,
        )
    return x, m, index


def _gg_value_and_grad(theta, ux, inv, m, w, log_m=None, log_x=None):
    """Total weighted Gamma-Gamma log-likelihood and its gradient in (p, q, gamma).

    The gamma and digamma functions depend on the frequency only, so they are
    evaluated once per distinct frequency ``ux`` (``x = ux[inv]``); ``log_m`` and
    ``log_x`` may be passed precomputed.
    """
    p, q, gamma = theta
    psi = special.digamma
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        pux = p * ux
        g_head = special.gammaln(pux + q) - special.gammaln(pux)
        psi_pq, psi_p = psi(pux + q), psi(pux)
        x = ux[inv]
        px = p * x
        log_m = np.log(m) if log_m is None else log_m
        log_x = np.log(x) if log_x is None else log_x
        gm = gamma + m * x
        lg = np.log(gm)
        ll = (
            g_head[inv]
            - special.gammaln(q)
            + q * np.log(gamma)
            + (px - 1) * log_m
            + px * log_x
            - (px + q) * lg
        )
        grad = (
            np.array(
                [
                    x * (psi_pq[inv] - psi_p[inv] + log_m + log_x - lg),
                    psi_pq[inv] - psi(q) + np.log(gamma) - lg,
                    q / gamma - (px + q) / gm,
                ]
            )
            @ w
        )
    return float(w @ ll), grad


class GammaGamma(LikelihoodModel):
    """Gamma-Gamma model of spend per transaction (Fader, Hardie & Lee 2005b; Fader & Hardie 2013).

    A customer's transaction values are Gamma(p, nu) with nu ~ Gamma(q, gamma) across customers,
    so her mean spend z = E[value] = p / nu; spend is assumed independent of the purchase process.
    ``p``, ``q`` are unitless; ``gamma`` is in currency units. ``fit(frequency, monetary_value)``
    uses only customers with frequency > 0 (monetary_value = mean value of their repeat
    purchases, as in rfm_summary). On the CDNOW sample: p = 6.25, q = 3.74, gamma = 15.44.
    """

    _names = ("p", "q", "gamma")

    _roles = {"p": "spend per transaction", "q": "spend heterogeneity", "gamma": "spend heterogeneity"}

    def fit(
        self,
        frequency: ArrayLike,
        monetary_value: ArrayLike,
        weights: ArrayLike | None = None,
        *,
        initial_params=None,
        progress: bool | None = None,
    ) -> GammaGamma:
        """Maximum-likelihood fit on the repeat customers.

        Parameters
        ----------
        frequency : array-like or scalar
            Repeat purchases x per customer (customers with x = 0 are left out of the fit).
        monetary_value : array-like or scalar
            Mean value m of each customer's repeat purchases (> 0 where x > 0).
        weights : array-like, optional
            Customers per row (a non-negative count, as lifetimes' ``weights``; default 1): fit on
            :func:`crmlab.btyd.scoring.rfm_patterns` with ``weights=n_customers`` for the same
            optimum at the cost of the distinct patterns. AIC/BIC count sum(weights) customers.
        initial_params : dict or list of dict, optional
            p, q, gamma to start from instead of the model's own starts.
        progress : bool, optional
            A tqdm progress bar over the starts; default only for big inputs (> 100,000 patterns).

        Returns
        -------
        GammaGamma
            ``self``, fitted. Warns with :class:`crmlab.exceptions.ConvergenceWarning` if the
            optimum is not trustworthy.
        """
        self._check_hyper_parameters()
        x, m, _ = _check_spend(frequency, monetary_value, "GammaGamma.fit")
        w = _check_weights(weights, x.size, "GammaGamma.fit")
        keep = (x > 0) & (w > 0)
        if keep.sum() < 3:
            raise CRMDataError(
                f"GammaGamma.fit: needs at least 3 repeat customers (frequency > 0) to fit; found "
                f"{int(keep.sum()):,} of {_plural(keep.size, 'customer')}",
                table="rfm summary",
                column="frequency",
                n_bad=int((~keep).sum()),
            )
        (x, m), w = _compress(x[keep], m[keep], weights=w[keep])
        n = w.sum()
        pen = self.penalizer

        ux, inv = np.unique(x, return_inverse=True)
        log_m, log_x = np.log(m), np.log(x)

        def objective(lt):
            th = np.exp(lt)
            ll, grad = _gg_value_and_grad(th, ux, inv, m, w, log_m, log_x)
            val = -ll / n + pen * np.sum(th**2)
            if not np.isfinite(val):
                return np.inf, np.zeros_like(th)
            return val, (-grad / n + 2 * pen * th) * th

        mean_spend = float(np.average(m, weights=w))
        grid = [
            np.log([p0, q0, mean_spend * (q0 - 1) / p0]) for p0, q0 in [(1.0, 2.0), (5.0, 4.0), (20.0, 10.0)]
        ]

        def nll_points(P):  # one parameter point at a time: memory O(patterns), not O(points x patterns)
            return -np.array([_gg_loglik(*th, x, m) @ w for th in P])

        hint = (
            f"{_plural(int(round(w.sum())), 'repeat customer')}, mean spend {mean_spend:,.4g} "
            f"(coefficient of variation {np.sqrt(np.cov(m, aweights=w, bias=True)) / mean_spend:.2g})"
        )
        starts = self._starts(grid, initial_params)
        self._fit_likelihood(
            objective, starts, nll_points, n, hint, jac=True, progress=_auto(progress, x.size)
        )
        return self

    def conditional_expected_average_profit(
        self, frequency: ArrayLike, monetary_value: ArrayLike
    ) -> Predicted:
        """E[Z | x, m] = (gamma + m x) p / (p x + q - 1), in currency units.

        A weighted mean of the population mean p gamma / (q - 1) and the customer's own mean m,
        with weight p x / (p x + q - 1) on m (Fader & Hardie 2013, eq. 5). Customers with
        frequency 0 get the population mean. NaN where p x + q - 1 <= 0 (no finite mean).

        Parameters
        ----------
        frequency : array-like or scalar
            Repeat purchases x per customer (customers with x = 0 are left out of the fit).
        monetary_value : array-like or scalar
            Mean value m of each customer's repeat purchases (> 0 where x > 0).

        Returns
        -------
        pandas.Series, numpy.ndarray or float
            Expected spend per purchase (a Series named ``expected_average_profit`` for Series
            inputs).
        """
        p, q, gamma = self._p()
        x, m, index = _check_spend(
            frequency, monetary_value, "GammaGamma.conditional_expected_average_profit"
        )
        m = np.where(x > 0, m, 0.0)
        denom = p * x + q - 1
        with np.errstate(invalid="ignore", divide="ignore"):
            out = np.where(denom > 0, (gamma + m * x) * p / denom, np.nan)
        return _wrap(out, index, "expected_average_profit")

    def customer_lifetime_value(
        self,
        transaction_model,
        frequency: ArrayLike,
        recency: ArrayLike,
        T: ArrayLike,
        monetary_value: ArrayLike,
        time: int = 12,
        discount_rate: float = 0.01,
        freq_days: float | None = None,
        days_per_month: float = DAYS_PER_MONTH,
    ) -> Predicted:
        """lifetimes-style CLV: ``time`` months ahead, a *monthly* ``discount_rate``, on arrays.

        Kept so that code written for lifetimes' ``GammaGammaFitter.customer_lifetime_value``
        keeps working, but unit-safe: the model's unit comes from ``transaction_model.time_unit_``
        (``freq_days`` may only confirm it; a contradiction is a ValueError naming both). The one
        home of CLV is :func:`crmlab.clv.customer_lifetime_value` (a summary, a stated horizon and
        an annual rate); this method runs the same computation with monthly steps:
        CLV = sum_{k=1..time} E[Z] (E[Y(k dt)] - E[Y((k-1) dt)]) / (1 + discount_rate)^k,
        dt = days_per_month / freq_days. Source: Fader, Hardie & Lee (2005b); lifetimes
        (Davidson-Pilon), whose 4.345-week month is ``days_per_month=4.345 * 7``.

        Parameters
        ----------
        transaction_model : BetaGeo, ParetoNBD or ModifiedBetaGeo
            Fitted model of repeat purchasing.
        frequency, recency, T, monetary_value : array-like or scalar
            The per-customer summary, in the transaction model's time unit.
        time : int
            Months ahead (>= 1).
        discount_rate : float
            Monthly discount rate (> -1).
        freq_days : float, optional
            Days per model time unit (7 for weeks); default: from the model's ``time_unit_``.
        days_per_month : float
            Days per month (365.25 / 12).

        Returns
        -------
        pandas.Series, numpy.ndarray or float
            CLV per customer (a Series named ``clv`` for Series inputs).

        Raises
        ------
        ValueError
            For a model of unknown unit without ``freq_days``, or a ``freq_days`` that contradicts
            the model's unit.
        """
        from ..clv.probabilistic import _monthly_clv  # clv imports btyd, not the reverse

        return _monthly_clv(
            transaction_model,
            self,
            frequency,
            recency,
            T,
            monetary_value,
            time,
            discount_rate,
            freq_days,
            days_per_month,
            where="GammaGamma.customer_lifetime_value",
        )


def simulate_gamma_gamma(
    p: float, q: float, gamma: float, frequency: ArrayLike, seed: int = 0
) -> pd.DataFrame:
    """Simulate mean spend for customers with the given numbers of repeat purchases.

    nu ~ Gamma(q, rate gamma); each value ~ Gamma(p, rate nu), so the mean of x values is
    Gamma(p x, rate nu) / x.

    Parameters
    ----------
    p, q, gamma : float
        The Gamma-Gamma parameters (gamma in currency units).
    frequency : array-like
        Repeat purchases x per customer.
    seed : int
        Seed of numpy's default generator.

    Returns
    -------
    pandas.DataFrame
        frequency, monetary_value (0 where frequency is 0) and the true mean spend z = p / nu.
    """
    rng = np.random.default_rng(seed)
    x = np.asarray(frequency, dtype=np.float64).ravel()
    nu = rng.gamma(q, 1.0 / gamma, x.size)
    total = rng.gamma(np.maximum(p * x, 1e-12), 1.0 / nu)
    m = np.where(x > 0, total / np.maximum(x, 1), 0.0)
    return pd.DataFrame({"frequency": x.astype(np.int64), "monetary_value": m, "z": p / nu})
