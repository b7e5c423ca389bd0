"""BG/NBD model of repeat purchasing (Fader, Hardie & Lee 2005a) and its simulator."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import special

from ..exceptions import ConvergenceWarning
from ._base import LikelihoodModel
from ._checks import (
    ArrayLike,
    Predicted,
    _broadcast,
    _check_rfm,
    _check_t,
    _report_boundary,
    _rfm_hint,
    _wrap,
)
from ._numerics import _auto, _check_discount_rate, _exp_sinh_rule

__all__ = ["BetaGeo", "simulate_beta_geo"]


def _bgnbd_loglik(r, alpha, a, b, x, tx, T):
    """Per-customer BG/NBD log-likelihood (FHL 2005a eq. 6), broadcasting parameters and data."""
    with np.errstate(invalid="ignore", divide="ignore"):
        A1 = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
        bab = special.betaln(a, b)
        A2 = special.betaln(a, b + x) - bab - (r + x) * np.log(alpha + T)
        A3 = np.where(x > 0, special.betaln(a + 1, b + x - 1) - bab - (r + x) * np.log(alpha + tx), -np.inf)
        return A1 + np.logaddexp(A2, A3)


def _bgnbd_value_and_grad(theta, ux, inv, tx, T, w):
    """Total weighted BG/NBD log-likelihood and its gradient in (r, alpha, a, b).

    The special functions depend on the frequency only, so they are evaluated once per
    distinct frequency ``ux`` (``x = ux[inv]``); per customer only logs and exps remain.
    """
    r, alpha, a, b = theta
    psi = special.digamma
    with np.errstate(invalid="ignore", divide="ignore"):
        bab = special.betaln(a, b)
        rep = ux > 0
        uxb = np.where(rep, ux, 1.0)
        g_A1 = special.gammaln(r + ux) - special.gammaln(r)
        g_B2 = special.betaln(a, b + ux) - bab
        g_B3 = np.where(rep, special.betaln(a + 1, b + uxb - 1) - bab, -np.inf)
        d_r1 = psi(r + ux) - psi(r)
        d_ab = psi(a + b) - psi(a + b + ux)
        d_b2 = psi(b + ux)
        d_b3 = psi(b + uxb - 1)
        x = ux[inv]
        lT, ltx = np.log(alpha + T), np.log(alpha + tx)
        A2 = g_B2[inv] - (r + x) * lT
        A3 = g_B3[inv] - (r + x) * ltx
        lse = np.logaddexp(A2, A3)
        ll = g_A1[inv] + r * np.log(alpha) + lse
        w2, w3 = np.exp(A2 - lse), np.exp(A3 - lse)
        grad = (
            np.array(
                [
                    d_r1[inv] + np.log(alpha) - w2 * lT - w3 * ltx,
                    r / alpha - (r + x) * (w2 / (alpha + T) + w3 / (alpha + tx)),
                    d_ab[inv] + w3 * (psi(a + 1) - psi(a)),
                    d_ab[inv] - psi(b) + w2 * d_b2[inv] + w3 * d_b3[inv],
                ]
            )
            @ w
        )
    return float(w @ ll), grad


def _bgnbd_dert_integral(r, a, b, x, z, chunk: int = 20_000) -> np.ndarray:
    """int_0^inf e^{-v} (1 + v/z)^(-a) 2F1(a, a+b-r-1; a+b+x; v/(v+z)) dv for arrays x, z (see BetaGeo.dert).

    One exp-sinh rule for every (x, z) (step 1/16, v in [1e-17, 100]: ~95 nodes), its nodes
    stretched by min(1, z/max(a, 1)) (the scale of (1 + v/z)^(-a)); rows are taken ``chunk`` at
    a time so memory stays O(chunk x nodes). Relative error against adaptive quadrature: about
    5e-8 at z = delta (alpha + T) = 1e-3, 1e-8 at 4e-3, 1e-10 at 0.1, 1e-14 at 4.
    """
    out = np.empty(x.size)
    with np.errstate(all="ignore"):
        for lo in range(0, x.size, chunk):
            xs, zs = x[lo : lo + chunk, None], z[lo : lo + chunk, None]
            v, w = _exp_sinh_rule(h=1 / 16, lo=1e-17, hi=100.0, scale=np.minimum(1.0, zs / max(a, 1.0)))
            f = np.exp(-v - a * np.log1p(v / zs)) * special.hyp2f1(a, a + b - r - 1, a + b + xs, v / (v + zs))
            out[lo : lo + chunk] = np.sum(f * w, axis=1)
    return out


class BetaGeo(LikelihoodModel):
    """BG/NBD model of repeat purchasing (Fader, Hardie & Lee 2005a).

    While alive a customer buys as a Poisson process with rate lambda ~ Gamma(r, alpha);
    after each repeat purchase she drops out for good with probability p ~ Beta(a, b).
    ``r``, ``a``, ``b`` are unitless; ``alpha`` is in the time unit of recency / T.

    ``BetaGeo(penalizer=0.0).fit(frequency, recency, T)`` maximises
    LL = sum_i log L(r, alpha, a, b | x_i, t_x_i, T_i), minus ``penalizer`` * n * sum(theta^2)
    if a penalizer is set (as lifetimes' ``penalizer_coef``). Fitted: ``params_`` (dict r, alpha,
    a, b), ``loglik_`` (total, unpenalised), ``standard_errors_``, ``n_customers_``.
    On the CDNOW sample in weeks: r = 0.243, alpha = 4.414, a = 0.793, b = 2.426, LL = -9582.4.
    """

    _names = ("r", "alpha", "a", "b")

    _roles = {"r": "purchase rates", "alpha": "purchase rates", "a": "dropout", "b": "dropout"}

    def fit(
        self,
        frequency: ArrayLike,
        recency: ArrayLike,
        T: ArrayLike,
        weights: ArrayLike | None = None,
        *,
        initial_params=None,
        progress: bool | None = None,
        time_unit: str | None = None,
    ) -> BetaGeo:
        """Maximum-likelihood fit on one row per customer.

        Parameters
        ----------
        frequency, recency, T : array-like or scalar
            Repeat purchase days x, time t_x from the first to the last purchase, and time T
            from the first purchase to the end of observation (one value per customer, as
            :func:`crmlab.rfm.rfm_summary` gives them; a scalar is one value for everyone).
        weights : array-like, optional
            Customers per row (a non-negative count, as lifetimes' ``weights``; default 1): fit on
            :func:`crmlab.btyd.scoring.rfm_patterns` with ``weights=n_customers`` for the same
            optimum at the cost of the distinct patterns. AIC/BIC count sum(weights) customers.
        initial_params : dict or list of dict, optional
            r, alpha, a, b to start from instead of the model's own starts.
        progress : bool, optional
            A tqdm progress bar over the starts; default only for big inputs (> 100,000 patterns).
        time_unit : str, optional
            "D", "W", "M" or "Y": the unit of recency and T, recorded in ``time_unit_``. Read from
            the summary (``rfm_summary`` records it) when not given; stating another is an error.

        Returns
        -------
        BetaGeo
            ``self``, fitted. Warns with :class:`crmlab.exceptions.ConvergenceWarning` if the
            optimum is not trustworthy (see ``converged_`` and ``convergence_``).
        """
        self._check_hyper_parameters()
        self._record_time_unit(time_unit, frequency, recency, T, where="BetaGeo.fit")
        x, tx, TT, _ = _check_rfm(frequency, recency, T, "BetaGeo.fit")
        hint = _rfm_hint(x, tx, TT)
        (x, tx, TT), w = self._patterns([x, tx, TT], weights, "BetaGeo.fit")
        n = w.sum()
        pen = self.penalizer
        ux, inv = np.unique(x, return_inverse=True)

        def objective(lt):
            th = np.exp(lt)
            ll, grad = _bgnbd_value_and_grad(th, ux, inv, tx, TT, w)
            val = -ll / n + pen * np.sum(th**2)
            if not np.isfinite(val):
                return np.inf, np.zeros_like(th)
            return val, (-grad / n + 2 * pen * th) * th

        rate = max(x.mean() / max(TT.mean(), 1e-12), 1e-6)
        grid = [
            np.log([r0, r0 / rate, a0, b0])
            for r0, a0, b0 in [(1.0, 1.0, 1.0), (0.3, 0.8, 2.5), (2.0, 2.0, 6.0)]
        ]

        def nll_points(P):  # one parameter point at a time: memory O(patterns), not O(points x patterns)
            return -np.array([_bgnbd_loglik(*th, x, tx, TT) @ w for th in P])

        starts = self._starts(grid, initial_params)
        self._fit_likelihood(
            objective, starts, nll_points, n, hint, jac=True, progress=_auto(progress, x.size)
        )
        self._warn_on_boundary()
        return self

    def conditional_probability_alive(
        self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> Predicted:
        """P(alive at T | x, t_x, T) = 1 / (1 + [x > 0] a/(b + x - 1) ((alpha + T)/(alpha + t_x))^(r + x)).

        FHL (2005a) eq. 11 as corrected in Fader, Hardie & Lee (2008) "Computing P(alive)
        using the BG/NBD model"; it is 1 for customers with no repeat purchase.

        Parameters
        ----------
        frequency, recency, T : array-like or scalar
            Repeat purchase days x, time t_x from the first to the last purchase, and time T
            from the first purchase to the end of observation (one value per customer, as
            :func:`crmlab.rfm.rfm_summary` gives them; a scalar is one value for everyone).

        Returns
        -------
        pandas.Series, numpy.ndarray or float
            P(alive) per customer (a Series named ``p_alive`` on the inputs' index for Series
            inputs, a float for scalars).
        """
        r, alpha, a, b = self._p()
        x, tx, TT, index = _check_rfm(frequency, recency, T, "BetaGeo.conditional_probability_alive")
        return _wrap(self._p_alive(x, tx, TT), index, "p_alive")

    def _p_alive(self, x, tx, TT):
        r, alpha, a, b = self._p()
        with np.errstate(invalid="ignore", divide="ignore"):
            log_ratio = (
                np.log(a)
                - np.log(np.where(x > 0, b + x - 1, 1.0))
                + (r + x) * (np.log(alpha + TT) - np.log(alpha + tx))
            )
        return np.where(x > 0, special.expit(-log_ratio), 1.0)

    def _conditional_expected(self, t, x, tx, TT):
        r, alpha, a, b = self._p()
        z = t / (alpha + TT + t)
        log_1mz = np.log(alpha + TT) - np.log(alpha + TT + t)
        # (1 - z)^(r+x) 2F1(r+x, b+x; a+b+x-1; z) = (1 - z)^(a-1) 2F1(a+b-1-r, a-1; a+b+x-1; z)
        # (Euler's transformation; Fader & Hardie 2013, note 027), which does not overflow.
        hyp = special.hyp2f1(a + b - 1 - r, a - 1, a + b + x - 1, z)
        bracket = 1.0 - np.exp((a - 1) * log_1mz) * hyp
        return (a + b + x - 1) / (a - 1) * bracket * self._p_alive(x, tx, TT)

    def conditional_expected_number_of_purchases_up_to_time(
        self, t: ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> Predicted:
        """E[Y(t) | x, t_x, T]: expected repeat purchases in (T, T + t] (FHL 2005a eq. 10).

        E = (a+b+x-1)/(a-1) * [1 - ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x; a+b+x-1; t/(alpha+T+t))]
            * P(alive), with the 2F1 Euler-transformed as in Fader & Hardie (2013, note 027).

        Parameters
        ----------
        t : array-like or scalar
            Horizon(s) >= 0 in the time unit of the fit; broadcasts with the customers.
        frequency, recency, T : array-like or scalar
            Repeat purchase days x, time t_x from the first to the last purchase, and time T
            from the first purchase to the end of observation (one value per customer, as
            :func:`crmlab.rfm.rfm_summary` gives them; a scalar is one value for everyone).

        Returns
        -------
        pandas.Series, numpy.ndarray or float
            Expected repeat purchases (a Series named ``expected_purchases`` for Series inputs).
        """
        self._check_fitted()
        where = "BetaGeo.conditional_expected_number_of_purchases_up_to_time"
        t = _check_t(t, where, getattr(self, "time_unit_", None))
        x, tx, TT, index = _check_rfm(frequency, recency, T, where)
        t, x, tx, TT = _broadcast(where, t=t, frequency=x, recency=tx, T=TT)
        return _wrap(self._conditional_expected(t, x, tx, TT), index, "expected_purchases")

    def expected_number_of_purchases_up_to_time(self, t: ArrayLike) -> np.ndarray | float:
        """E[X(t)] for a new customer: (a+b-1)/(a-1) [1 - (alpha/(alpha+t))^r 2F1(r, b; a+b-1; t/(alpha+t))].

        FHL (2005a) eq. 9.

        Parameters
        ----------
        t : array-like or scalar
            Time(s) >= 0 since the first purchase, in the time unit of the fit.

        Returns
        -------
        numpy.ndarray or float
            Expected repeat purchases by t, in the shape of ``t``.
        """
        self._check_fitted()
        t = _check_t(t, "BetaGeo.expected_number_of_purchases_up_to_time", getattr(self, "time_unit_", None))
        zero = np.zeros_like(t)
        return _wrap(self._conditional_expected(t, zero, zero, zero), None, "expected_purchases")

    def _convergence_message(self, hint: str) -> str:
        """The base class's message with a boundary solution said first, in words."""
        return _report_boundary(self, super()._convergence_message(hint))

    def _warn_on_boundary(self) -> None:
        """Warn (ConvergenceWarning) about a boundary solution of an otherwise converged fit."""
        message = _report_boundary(self)
        if message is not None:
            warnings.warn(message, ConvergenceWarning, stacklevel=3)

    def dert(self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike, discount_rate: float) -> Predicted:
        """Discounted expected residual transactions: int_0^inf e^{-delta t} d/dt E[Y(t) | x, t_x, T] dt.

        Given alive at T, lambda ~ Gamma(r+x, alpha+T) and p ~ Beta(a, b+x) a posteriori, and a
        customer alive buys at rate lambda e^{-lambda p t} at T + t, so (Euler's integral, then
        Pfaff's transformation)

            d/dt E[Y(t)] = P(alive) (r+x)/c (1 + t/c)^(-a) 2F1(a, a+b-r-1; a+b+x; t/(c+t)),

        c = alpha + T, and with v = delta t, z = delta c,

            DERT = P(alive) (r+x)/z int_0^inf e^{-v} (1 + v/z)^(-a) 2F1(a, a+b-r-1; a+b+x; v/(v+z)) dv.

        No closed form is published (FHL 2005a give E[Y(t)], eq. 10; CLVTools has no BG/NBD
        DERT); the integral is taken by a fixed exp-sinh rule
        (:func:`crmlab.btyd._numerics._exp_sinh_rule`, ~95 nodes, vectorised over the distinct
        (x, T); about 0.25 s per 1,000 distinct (x, T)). Accuracy, against scipy.integrate.quad
        of the definition (e^{-delta t} times the derivative of eq. 10) on CDNOW customers at
        the published estimates (tests/test_btyd_dert.py): < 1e-8 relative at delta = 0.0001 a
        week, < 1e-11 at 15 % a year (0.0027 a week), < 1e-13 at 0.1 a week; the error grows
        as z = delta (alpha + T) falls (5e-8 at z = 1e-3).

        Parameters
        ----------
        frequency, recency, T : array-like or scalar
            Repeat purchase days x, time t_x from the first to the last purchase, and time T
            from the first purchase to the end of observation (one value per customer, as
            :func:`crmlab.rfm.rfm_summary` gives them; a scalar is one value for everyone).
        discount_rate : float
            Continuous discount rate delta > 0 per model time unit: delta = ln(1 + d) / k for an
            annual rate d and k model time units a year (15 % a year in weeks: ln(1.15) / 52).

        Returns
        -------
        pandas.Series, numpy.ndarray or float
            DERT per customer, in transactions (a Series named ``dert`` for Series inputs).
        """
        self._check_fitted()
        where = "BetaGeo.dert"
        delta = _check_discount_rate(discount_rate, where)
        x, tx, TT, index = _check_rfm(frequency, recency, T, where)
        r, alpha, a, b = self._p()
        xb, Tb = np.broadcast_arrays(x, TT)
        uniq, inv = np.unique(np.column_stack([xb.ravel(), Tb.ravel()]), axis=0, return_inverse=True)
        ux, z = uniq[:, 0], delta * (alpha + uniq[:, 1])
        per_pair = (r + ux) / z * _bgnbd_dert_integral(r, a, b, ux, z)
        value = self._p_alive(x, tx, TT) * per_pair[np.ravel(inv)].reshape(xb.shape)
        return _wrap(value, index, "dert")


def simulate_beta_geo(
    r: float, alpha: float, a: float, b: float, T: ArrayLike, seed: int = 0
) -> pd.DataFrame:
    """Simulate the BG/NBD for customers observed for T each (FHL 2005a's story), vectorised.

    lambda ~ Gamma(r, rate alpha), p ~ Beta(a, b); repeat purchases come at Poisson(lambda)
    times; after each, the customer drops out with probability p. With K ~ Poisson(lambda T)
    purchases by T and N ~ Geometric(p) purchases before dropout, x = min(K, N) and t_x is the
    x-th of K uniform times on (0, T] (t_x / T ~ Beta(x, K - x + 1)).

    Parameters
    ----------
    r, alpha, a, b : float
        The BG/NBD parameters (alpha in the time unit of T).
    T : array-like
        Each customer's observation time.
    seed : int
        Seed of numpy's default generator.

    Returns
    -------
    pandas.DataFrame
        frequency, recency, T and the truth: lambda, p, alive (still alive at T).
    """
    return _simulate_geometric_dropout(r, alpha, a, b, T, seed, chances_at_start=0)


def _simulate_geometric_dropout(r, alpha, a, b, T, seed: int, chances_at_start: int) -> pd.DataFrame:
    """BG/NBD-type simulation: Poisson(lambda) purchases, a dropout chance p after each repeat
    purchase and ``chances_at_start`` more at time 0 (0: BG/NBD, 1: MBG/NBD), vectorised."""
    rng = np.random.default_rng(seed)
    T = np.asarray(T, dtype=np.float64).ravel()
    n = T.size
    lam = rng.gamma(r, 1.0 / alpha, n)
    p = rng.beta(a, b, n)
    K = rng.poisson(lam * T)
    N = rng.geometric(p) - chances_at_start
    x = np.minimum(K, N)
    frac = rng.beta(np.maximum(x, 1), K - x + 1)
    tx = np.where(x > 0, T * frac, 0.0)
    return pd.DataFrame({"frequency": x, "recency": tx, "T": T, "lambda": lam, "p": p, "alive": K < N})
