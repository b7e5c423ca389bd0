"""Time-invariant covariates in the BG/NBD, Pareto/NBD and Gamma-Gamma models, and a simulator.

Each customer i carries attributes z_i (age, acquisition channel, ...) that shift her purchase
rate, her dropout and her spend. Following Fader & Hardie (2007) "Incorporating time-invariant
covariates into the Pareto/NBD and BG/NBD models" (http://brucehardie.com/notes/019/) and
CLVTools' ``SetStaticCovariates``, the covariates scale the gamma mixing distributions' scale
parameters, so that the mean rates are exp(coef' z) times the base ones:

* Pareto/NBD: alpha_i = alpha_0 exp(-gamma_p' z_i), beta_i = beta_0 exp(-gamma_d' z_i):
  E[lambda_i] = r / alpha_i and E[mu_i] = s / beta_i grow by exp(gamma' z) (coefficients
  ``purchase[col]``, ``dropout[col]``; a positive dropout coefficient shortens lifetimes);
* BG/NBD: alpha_i as above (``purchase[col]``) and the beta dropout distribution's shapes
  a_i = a_0 exp(delta_a' z_i), b_i = b_0 exp(delta_b' z_i) (``dropout_a[col]``, ``dropout_b[col]``):
  a positive dropout_a / negative dropout_b coefficient raises E[p] = a / (a + b). Both are
  free, as in PyMC-Marketing's ``BetaGeoModel``; CLVTools constrains delta_a = delta_b (which
  leaves the mean dropout probability unchanged);
* Gamma-Gamma: gamma_i = gamma_0 exp(theta' z_i) (``spend[col]``): E[Z_i] = p gamma_i / (q - 1),
  so mean spend grows by exp(theta' z).

The per-customer log-likelihood is the plain model's (FHL 2005a eq. 6; Fader & Hardie 2005
eq. 18; Fader & Hardie 2013 eq. 1a) with per-customer parameters; standard errors are from the
numerical Hessian at the optimum. Numeric covariates are best centred and scaled.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

from ..exceptions import CRMDataError
from ._checks import (
    ArrayLike,
    Predicted,
    _broadcast,
    _check_identified,
    _check_rfm,
    _check_t,
    _check_weights,
    _plural,
    _rfm_hint,
    _wrap,
)
from ._covariate_base import _CovariateModel, _design
from ._numerics import _one_minus_pow_over
from .bgnbd import BetaGeo, _bgnbd_loglik, simulate_beta_geo
from .gamma_gamma import GammaGamma, _check_spend, _gg_loglik, simulate_gamma_gamma
from .pareto_nbd import ParetoNBD, _pnbd_loglik, _pnbd_parts, simulate_pareto_nbd

__all__ = [
    "BetaGeoCovariates",
    "ParetoNBDCovariates",
    "GammaGammaCovariates",
]


class _TransactionCovariates(_CovariateModel):
    """Fit and predictions shared by the BG/NBD and Pareto/NBD with covariates."""

    def fit(
        self,
        frequency: ArrayLike,
        recency: ArrayLike,
        T: ArrayLike,
        covariates,
        weights: ArrayLike | None = None,
        *,
        initial_params=None,
        time_unit: str | None = None,
    ):
        """Maximum-likelihood fit on one row per customer with its covariates.

        Parameters
        ----------
        frequency, recency, T : array-like
            Repeat purchases x, time t_x of the last one and time T observed, per customer (as
            :func:`crmlab.rfm.rfm_summary` gives them).
        covariates : pandas.DataFrame or 2-D array
            One row per customer (aligned by index with Series inputs, else by position), numeric
            columns (0/1 dummies for categories); each must vary and none be collinear.
        weights : array-like, optional
            Customers per row (default 1).
        initial_params : dict or list of dict, optional
            Starting values of every parameter by name (``params_``'s keys); default: the plain
            model's optimum with zero coefficients, plus ``n_starts - 1`` seeded jitters of it.
        time_unit : str, optional
            "D", "W", "M" or "Y": the unit of recency and T (``time_unit_``); read from an
            ``rfm_summary``'s columns when not given.

        Returns
        -------
        self
            Fitted: ``params_`` (base parameters and coefficients ``prefix[column]``), ``loglik_``,
            ``standard_errors_``, ``covariance_``, ``covariate_names_``, ``converged_``.
        """
        where = f"{type(self).__name__}.fit"
        self._note_time_unit(time_unit, frequency, recency, T, where=where)
        x, tx, TT, index = _check_rfm(frequency, recency, T, where)
        x, tx, TT = (np.atleast_1d(v) for v in (x, tx, TT))
        Z, covs = _design(covariates, x.size, index, where)
        _check_identified(x, where)
        return self._fit_covariates([x, tx, TT], Z, covs, weights, initial_params, _rfm_hint(x, tx, TT))

    def _inputs(self, frequency, recency, T, covariates, where: str):
        x, tx, TT, index = _check_rfm(frequency, recency, T, where)
        x, tx, TT = (np.atleast_1d(v) for v in (x, tx, TT))
        Z = self._customer_design(covariates, x.size, index, where)
        return self._fitted_arrays(Z), x, tx, TT, index

    def conditional_probability_alive(
        self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike, covariates
    ) -> Predicted:
        """P(alive at T | x, t_x, T, z): the plain model's formula at the customer's parameters.

        BG/NBD: FHL (2005a) eq. 11 (as corrected in 2008); Pareto/NBD: Fader & Hardie (2005)
        eq. 36 -- with alpha_i, a_i, b_i / beta_i from the customer's covariates.

        Parameters
        ----------
        frequency, recency, T : array-like
            The per-customer summary, in the time unit of the fit.
        covariates : pandas.DataFrame or 2-D array
            The customers' covariates (the fitted columns, by name).

        Returns
        -------
        pandas.Series or numpy.ndarray
            P(alive) per customer (a Series named ``p_alive`` for Series inputs).
        """
        where = f"{type(self).__name__}.conditional_probability_alive"
        P, x, tx, TT, index = self._inputs(frequency, recency, T, covariates, where)
        return _wrap(self._p_alive(P, x, tx, TT), index, "p_alive")

    def conditional_expected_number_of_purchases_up_to_time(
        self, t: ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike, covariates
    ) -> Predicted:
        """E[Y(t) | x, t_x, T, z]: expected repeat purchases in (T, T + t] per customer.

        BG/NBD: FHL (2005a) eq. 10, Euler-transformed (Fader & Hardie 2013, note 027);
        Pareto/NBD: Fader & Hardie (2005) eq. 41 -- at the customer's parameters.

        Parameters
        ----------
        t : array-like or scalar
            Horizon(s) >= 0 in the time unit of the fit; broadcasts with the customers.
        frequency, recency, T : array-like
            The per-customer summary, in the time unit of the fit.
        covariates : pandas.DataFrame or 2-D array
            The customers' covariates (the fitted columns, by name).

        Returns
        -------
        pandas.Series or numpy.ndarray
            Expected repeat purchases (a Series named ``expected_purchases`` for Series inputs).
        """
        where = f"{type(self).__name__}.conditional_expected_number_of_purchases_up_to_time"
        t = _check_t(t, where, getattr(self, "time_unit_", None))
        P, x, tx, TT, index = self._inputs(frequency, recency, T, covariates, where)
        t, x, tx, TT = _broadcast(where, t=t, frequency=x, recency=tx, T=TT)
        return _wrap(self._conditional_expected(P, t, x, tx, TT), index, "expected_purchases")

    def expected_number_of_purchases_up_to_time(self, t: ArrayLike, covariates) -> Predicted:
        """E[X(t) | z]: expected repeat purchases by t of a new customer with covariates z.

        BG/NBD: FHL (2005a) eq. 9; Pareto/NBD: Fader & Hardie (2005) eq. 27 -- at alpha_i etc.

        Parameters
        ----------
        t : array-like or scalar
            Time(s) >= 0 since the first purchase; broadcasts with the customers.
        covariates : pandas.DataFrame or 2-D array
            One row per (prospective) customer.

        Returns
        -------
        pandas.Series or numpy.ndarray
            Expected repeat purchases per row (a Series on a DataFrame's index).
        """
        where = f"{type(self).__name__}.expected_number_of_purchases_up_to_time"
        t = _check_t(t, where, getattr(self, "time_unit_", None))
        n = len(covariates) if covariates is not None else np.size(t)
        Z = self._customer_design(covariates, n, None, where)
        zero = np.zeros(n)
        t, zero = _broadcast(where, t=t, covariates=zero)
        out = self._conditional_expected(self._fitted_arrays(Z), t, zero, zero, zero)
        index = covariates.index if isinstance(covariates, pd.DataFrame) else None
        return _wrap(out, index, "expected_purchases")

    def simulate(self, covariates, T: ArrayLike, seed: int = 0) -> pd.DataFrame:
        """Simulate customers with these covariates from the model (its parameters as the truth).

        Each customer's parameters (alpha_i ...) go to the plain model's vectorised simulator
        (:func:`crmlab.btyd.simulate_beta_geo` / :func:`crmlab.btyd.simulate_pareto_nbd`).

        Parameters
        ----------
        covariates : pandas.DataFrame or 2-D array
            One row per customer (the model's columns).
        T : array-like or scalar
            Each customer's observation time.
        seed : int
            Seed of numpy's default generator.

        Returns
        -------
        pandas.DataFrame
            frequency, recency, T and the latent truth, on the covariates' index.
        """
        where = f"{type(self).__name__}.simulate"
        n = len(covariates)
        Z = self._customer_design(covariates, n, None, where)
        TT = np.broadcast_to(np.asarray(T, dtype=np.float64), (n,))
        out = self._simulator(*self._fitted_arrays(Z), TT, seed=seed)
        if isinstance(covariates, pd.DataFrame):
            out.index = covariates.index
        return out


class BetaGeoCovariates(_TransactionCovariates):
    """BG/NBD with time-invariant covariates (Fader & Hardie 2007, note 019; FHL 2005a).

    lambda_i ~ Gamma(r, alpha_i), alpha_i = alpha exp(-purchase' z_i); p_i ~ Beta(a_i, b_i),
    a_i = a exp(dropout_a' z_i), b_i = b exp(dropout_b' z_i). ``params_`` holds r, alpha, a, b
    (the values at z = 0) and the coefficients ``purchase[col]``, ``dropout_a[col]``,
    ``dropout_b[col]``; exp(purchase[col]) is the ratio of mean purchase rates per unit of col.
    ``BetaGeoCovariates().fit(frequency, recency, T, covariates)``.
    """

    _names = ("r", "alpha", "a", "b")
    _roles = {"r": "purchase rates", "alpha": "purchase rates", "a": "dropout", "b": "dropout"}
    _effects = (("purchase", "alpha", -1), ("dropout_a", "a", 1), ("dropout_b", "b", 1))
    _plain = BetaGeo
    _loglik = staticmethod(_bgnbd_loglik)
    _simulator = staticmethod(simulate_beta_geo)

    @staticmethod
    def _p_alive(P, x, tx, TT):
        r, alpha, a, b = P
        with np.errstate(invalid="ignore", divide="ignore"):
            log_ratio = (
                np.log(a)
                - np.log(np.where(x > 0, b + x - 1, 1.0))
                + (r + x) * (np.log(alpha + TT) - np.log(alpha + tx))
            )
        return np.where(x > 0, special.expit(-log_ratio), 1.0)

    def _conditional_expected(self, P, t, x, tx, TT):
        r, alpha, a, b = P
        z = t / (alpha + TT + t)
        log_1mz = np.log(alpha + TT) - np.log(alpha + TT + t)
        hyp = special.hyp2f1(a + b - 1 - r, a - 1, a + b + x - 1, z)  # Euler-transformed, note 027
        bracket = 1.0 - np.exp((a - 1) * log_1mz) * hyp
        return (a + b + x - 1) / (a - 1) * bracket * self._p_alive(P, x, tx, TT)


class ParetoNBDCovariates(_TransactionCovariates):
    """Pareto/NBD with time-invariant covariates (Fader & Hardie 2007, note 019; SMC 1987).

    lambda_i ~ Gamma(r, alpha_i), alpha_i = alpha exp(-purchase' z_i); mu_i ~ Gamma(s, beta_i),
    beta_i = beta exp(-dropout' z_i). ``params_`` holds r, alpha, s, beta (at z = 0) and the
    coefficients ``purchase[col]``, ``dropout[col]``: exp(coef) is the ratio of mean purchase
    (dropout) rates per unit of col, as in CLVTools' ``pnbd`` with static covariates.
    """

    _names = ("r", "alpha", "s", "beta")
    _roles = {"r": "purchase rates", "alpha": "purchase rates", "s": "dropout", "beta": "dropout"}
    _effects = (("purchase", "alpha", -1), ("dropout", "beta", -1))
    _plain = ParetoNBD
    _loglik = staticmethod(_pnbd_loglik)
    _simulator = staticmethod(simulate_pareto_nbd)

    @staticmethod
    def _p_alive(P, x, tx, TT):
        _, alive, died = _pnbd_parts(*P, x, tx, TT)
        return special.expit(alive - died)

    def _conditional_expected(self, P, t, x, tx, TT):
        r, alpha, s, beta = P
        log_y = np.log(beta + TT) - np.log(beta + TT + t)
        level = (r + x) * (beta + TT) / (alpha + TT)
        return level * _one_minus_pow_over(s - 1, log_y) * self._p_alive(P, x, tx, TT)


class GammaGammaCovariates(_CovariateModel):
    """Gamma-Gamma spend model with time-invariant covariates (Fader & Hardie 2013; note 019's idea).

    Transaction values ~ Gamma(p, nu_i), nu_i ~ Gamma(q, gamma_i), gamma_i = gamma exp(spend' z_i):
    the mean spend E[Z_i] = p gamma_i / (q - 1) grows by exp(spend[col]) per unit of col.
    ``GammaGammaCovariates().fit(frequency, monetary_value, covariates)`` on repeat customers.
    """

    _names = ("p", "q", "gamma")
    _roles = {"p": "spend per transaction", "q": "spend heterogeneity", "gamma": "spend heterogeneity"}
    _effects = (("spend", "gamma", 1),)
    _plain = GammaGamma
    _loglik = staticmethod(_gg_loglik)

    def fit(
        self,
        frequency: ArrayLike,
        monetary_value: ArrayLike,
        covariates,
        weights: ArrayLike | None = None,
        *,
        initial_params=None,
        time_unit: str | None = None,
    ) -> GammaGammaCovariates:
        """Maximum-likelihood fit on the repeat customers (frequency > 0) with their covariates.

        Parameters
        ----------
        frequency, monetary_value : array-like
            Repeat purchases x and their mean value m per customer (customers with x = 0 are
            left out, with their covariate rows).
        covariates : pandas.DataFrame or 2-D array
            One row per customer, numeric columns that vary.
        weights : array-like, optional
            Customers per row (default 1).
        initial_params : dict or list of dict, optional
            Starting values of every parameter by name.
        time_unit : str, optional
            The time unit of the summary the spend comes from (recorded in ``time_unit_``).

        Returns
        -------
        GammaGammaCovariates
            ``self``, fitted (``params_`` p, q, gamma and ``spend[col]``).
        """
        where = "GammaGammaCovariates.fit"
        self._note_time_unit(time_unit, frequency, monetary_value, where=where)
        x, m, index = _check_spend(frequency, monetary_value, where)
        x, m = np.atleast_1d(x), np.atleast_1d(m)
        Z, covs = _design(covariates, x.size, index, where)
        w = _check_weights(weights, x.size, where)
        keep = x > 0
        if keep.sum() < 3:
            raise CRMDataError(
                f"{where}: needs at least 3 repeat customers (frequency > 0); found "
                f"{int(keep.sum()):,} of {_plural(keep.size, 'customer')}",
                table="rfm summary",
                column="frequency",
                n_bad=int((~keep).sum()),
            )
        hint = f"{_plural(int(keep.sum()), 'repeat customer')}, mean spend {m[keep].mean():,.4g}"
        return self._fit_covariates([x[keep], m[keep]], Z[keep], covs, w[keep], initial_params, hint)

    def conditional_expected_average_profit(
        self, frequency: ArrayLike, monetary_value: ArrayLike, covariates
    ) -> Predicted:
        """E[Z | x, m, z] = (gamma_i + m x) p / (p x + q - 1), in currency units.

        Fader & Hardie (2013) eq. 5 with the customer's gamma_i; frequency 0 gives her
        covariates' population mean p gamma_i / (q - 1). NaN where p x + q - 1 <= 0.

        Parameters
        ----------
        frequency, monetary_value : array-like
            Repeat purchases and their mean value per customer.
        covariates : pandas.DataFrame or 2-D array
            The customers' covariates (the fitted columns).

        Returns
        -------
        pandas.Series or numpy.ndarray
            Expected spend per purchase (a Series named ``expected_average_profit`` for Series).
        """
        where = "GammaGammaCovariates.conditional_expected_average_profit"
        x, m, index = _check_spend(frequency, monetary_value, where)
        x, m = np.atleast_1d(x), np.atleast_1d(m)
        p, q, gamma = self._fitted_arrays(self._customer_design(covariates, x.size, index, where))
        m = np.where(x > 0, m, 0.0)
        denom = p * x + q - 1
        with np.errstate(invalid="ignore", divide="ignore"):
            out = np.where(denom > 0, (gamma + m * x) * p / denom, np.nan)
        return _wrap(out, index, "expected_average_profit")

    def simulate(self, covariates, frequency: ArrayLike, seed: int = 0) -> pd.DataFrame:
        """Simulate mean spend for customers with these covariates and repeat purchases.

        gamma_i from the covariates, then :func:`crmlab.btyd.simulate_gamma_gamma`.

        Parameters
        ----------
        covariates : pandas.DataFrame or 2-D array
            One row per customer.
        frequency : array-like
            Repeat purchases per customer.
        seed : int
            Seed of numpy's default generator.

        Returns
        -------
        pandas.DataFrame
            frequency, monetary_value and the true mean spend z, on the covariates' index.
        """
        n = len(covariates)
        Z = self._customer_design(covariates, n, None, "GammaGammaCovariates.simulate")
        p, q, gamma = self._fitted_arrays(Z)
        out = simulate_gamma_gamma(p, q, gamma, np.broadcast_to(frequency, (n,)), seed=seed)
        if isinstance(covariates, pd.DataFrame):
            out.index = covariates.index
        return out
