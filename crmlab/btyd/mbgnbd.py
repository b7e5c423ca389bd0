"""MBG/NBD model (Batislam, Denizel & Filiztekin 2007): the BG/NBD with a dropout chance at time 0.

While alive a customer buys as a Poisson process with rate lambda ~ Gamma(r, alpha); at time 0
and after each repeat purchase she drops out for good with probability p ~ Beta(a, b). Unlike the
BG/NBD, a customer with no repeat purchase may already be gone, so P(alive) < 1 for x = 0 too.

L = Gamma(r+x)/Gamma(r) alpha^r B(a, b+x+1)/B(a, b) (alpha+T)^-(r+x)
    [1 + a/(b+x) ((alpha+T)/(alpha+t_x))^(r+x)];
P(alive) = 1 / (1 + a/(b+x) ((alpha+T)/(alpha+t_x))^(r+x));
E[Y(t) | x, t_x, T] = (a+b+x)/(a-1) [1 - ((alpha+T)/(alpha+T+t))^(r+x)
                      2F1(r+x, b+x+1; a+b+x; t/(alpha+T+t))] P(alive);
E[X(t)] = b/(a-1) [1 - (alpha/(alpha+t))^r 2F1(r, b+1; a+b; t/(alpha+t))].
Source: Batislam, Denizel & Filiztekin (2007) "Empirical validation and comparison of models
for customer base analysis", Int. J. Research in Marketing 24(3), 201-209; the same expressions
as lifetimes' ``ModifiedBetaGeoFitter`` and BTYDplus' ``mbgnbd`` functions (Platzer).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

from ._base import LikelihoodModel
from ._checks import ArrayLike, Predicted, _broadcast, _check_rfm, _check_t, _rfm_hint, _wrap
from .bgnbd import _simulate_geometric_dropout

__all__ = ["ModifiedBetaGeo", "simulate_modified_beta_geo"]


def _log_odds_dead(r, alpha, a, b, x, tx, T):
    """log of P(dead)/P(alive) = log(a/(b+x)) + (r+x) log((alpha+T)/(alpha+t_x))."""
    return np.log(a) - np.log(b + x) + (r + x) * (np.log(alpha + T) - np.log(alpha + tx))


def _mbgnbd_loglik(r, alpha, a, b, x, tx, T):
    """Per-customer MBG/NBD log-likelihood (Batislam et al. 2007, eq. 5), broadcasting."""
    with np.errstate(invalid="ignore", divide="ignore"):
        head = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
        head = head + special.betaln(a, b + x + 1) - special.betaln(a, b) - (r + x) * np.log(alpha + T)
        return head + np.logaddexp(0.0, _log_odds_dead(r, alpha, a, b, x, tx, T))


class ModifiedBetaGeo(LikelihoodModel):
    """MBG/NBD model of repeat purchasing (Batislam, Denizel & Filiztekin 2007).

    The BG/NBD story with one more dropout opportunity, right after the first purchase, so that a
    customer with no repeat purchase is not certainly alive. ``r``, ``a``, ``b`` are unitless;
    ``alpha`` is in the time unit of recency / T. On the CDNOW sample in weeks (calibration to
    1997-09-30): r = 0.525, alpha = 6.183, a = 0.891, b = 1.614 (the paper's Table 2).

    Parameters
    ----------
    penalizer : float
        L2 penalty on the parameters (0: plain maximum likelihood).
    n_starts : int
        Starting points of the optimiser (the best optimum is kept).
    random_state : int or None
        Seed of the extra random starts.
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
        time_unit: str | None = None,
    ) -> ModifiedBetaGeo:
        """Maximum-likelihood fit on one row per customer or on weighted patterns.

        Parameters
        ----------
        frequency, recency, T : array-like
            Repeat purchase days x, time t_x from the first to the last purchase, and time T
            from the first purchase to the end of observation, as :func:`crmlab.rfm.rfm_summary`
            gives them.
        weights : array-like, optional
            Customers per row (default 1): fit on :func:`crmlab.btyd.scoring.rfm_patterns` with
            ``weights=n_customers`` for the same optimum at the cost of the distinct patterns.
        initial_params : dict or list of dict, optional
            r, alpha, a, b to start from instead of the model's own starts.
        time_unit : str, optional
            The unit of recency and T (``time_unit_``); read from the summary when not given.

        Returns
        -------
        ModifiedBetaGeo
            ``self``, fitted (a :class:`crmlab.exceptions.ConvergenceWarning` if the optimum is
            not trustworthy).
        """
        self._check_hyper_parameters()
        self._record_time_unit(time_unit, frequency, recency, T, where="ModifiedBetaGeo.fit")
        x, tx, TT, _ = _check_rfm(frequency, recency, T, "ModifiedBetaGeo.fit")
        hint = _rfm_hint(x, tx, TT)
        (x, tx, TT), w = self._patterns([x, tx, TT], weights, "ModifiedBetaGeo.fit")
        n = w.sum()

        def nll_points(P):
            return -np.array([_mbgnbd_loglik(*th, x, tx, TT) @ w for th in P])

        def objective(lt):
            val = nll_points(np.exp(lt)[None, :])[0] / n + self.penalizer * np.sum(np.exp(2 * lt))
            return val if np.isfinite(val) else np.inf

        rate = max(x.mean() / max(TT.mean(), 1e-12), 1e-6)
        grid = [
            np.log([r0, r0 / rate, a0, b0])
            for r0, a0, b0 in [(1.0, 1.0, 1.0), (0.3, 0.8, 2.5), (2.0, 2.0, 6.0)]
        ]
        self._fit_likelihood(objective, self._starts(grid, initial_params), nll_points, n, hint)
        return self

    def _p_alive(self, x, tx, TT):
        r, alpha, a, b = self._p()
        with np.errstate(invalid="ignore", divide="ignore"):
            return special.expit(-_log_odds_dead(r, alpha, a, b, x, tx, TT))

    def conditional_probability_alive(
        self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> Predicted:
        """P(alive at T | x, t_x, T) = 1 / (1 + a/(b+x) ((alpha+T)/(alpha+t_x))^(r+x)).

        Batislam, Denizel & Filiztekin (2007), eq. 6; below 1 also for x = 0.

        Parameters
        ----------
        frequency, recency, T : array-like or scalar
            The customers' summary, as :func:`crmlab.rfm.rfm_summary` gives it.

        Returns
        -------
        pandas.Series, numpy.ndarray or float
            P(alive) per customer (a Series named ``p_alive`` for Series inputs).
        """
        self._check_fitted()
        x, tx, TT, index = _check_rfm(frequency, recency, T, "ModifiedBetaGeo.conditional_probability_alive")
        return _wrap(self._p_alive(x, tx, TT), index, "p_alive")

    def _conditional_expected(self, t, x, tx, TT):
        r, alpha, a, b = self._p()
        with np.errstate(invalid="ignore", divide="ignore"):
            z = t / (alpha + TT + t)
            log_1mz = np.log(alpha + TT) - np.log(alpha + TT + t)
            # (1-z)^(r+x) 2F1(r+x, b+x+1; a+b+x; z) = (1-z)^(a-1) 2F1(a+b-r, a-1; a+b+x; z) (Euler)
            hyp = special.hyp2f1(a + b - r, a - 1, a + b + x, z)
            bracket = 1.0 - np.exp((a - 1) * log_1mz) * hyp
            return (a + b + x) / (a - 1) * bracket * self._p_alive(x, tx, TT)

    def conditional_expected_number_of_purchases_up_to_time(
        self, t: ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> Predicted:
        """E[Y(t) | x, t_x, T]: expected repeat purchases in (T, T + t].

        E = (a+b+x)/(a-1) [1 - ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x+1; a+b+x; t/(alpha+T+t))]
            P(alive) (Batislam et al. 2007, eq. 8), with the 2F1 Euler-transformed to
            (1-z)^(a-1) 2F1(a+b-r, a-1; a+b+x; z), which cannot overflow.

        Parameters
        ----------
        t : array-like or scalar
            Horizon(s) >= 0 in the time unit of the fit; broadcasts with the customers.
        frequency, recency, T : array-like or scalar
            The customers' summary, as :func:`crmlab.rfm.rfm_summary` gives it.

        Returns
        -------
        pandas.Series, numpy.ndarray or float
            Expected repeat purchases (a Series named ``expected_purchases`` for Series inputs).
        """
        self._check_fitted()
        where = "ModifiedBetaGeo.conditional_expected_number_of_purchases_up_to_time"
        t = _check_t(t, where, getattr(self, "time_unit_", None))
        x, tx, TT, index = _check_rfm(frequency, recency, T, where)
        t, x, tx, TT = _broadcast(where, t=t, frequency=x, recency=tx, T=TT)
        return _wrap(self._conditional_expected(t, x, tx, TT), index, "expected_purchases")

    def expected_number_of_purchases_up_to_time(self, t: ArrayLike) -> np.ndarray | float:
        """E[X(t)] for a new customer: b/(a-1) [1 - (alpha/(alpha+t))^r 2F1(r, b+1; a+b; t/(alpha+t))].

        Batislam et al. (2007), eq. 7 (the conditional expectation at x = t_x = T = 0).

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
        t = _check_t(
            t, "ModifiedBetaGeo.expected_number_of_purchases_up_to_time", getattr(self, "time_unit_", None)
        )
        zero = np.zeros_like(t)
        return _wrap(self._conditional_expected(t, zero, zero, zero), None, "expected_purchases")


def simulate_modified_beta_geo(
    r: float, alpha: float, a: float, b: float, T: ArrayLike, seed: int = 0
) -> pd.DataFrame:
    """Simulate the MBG/NBD for customers observed for T each, vectorised.

    lambda ~ Gamma(r, rate alpha), p ~ Beta(a, b); K ~ Poisson(lambda T) purchase opportunities by
    T; the customer survives each of the dropout chances at time 0 and after each repeat purchase
    with probability 1 - p, so she makes N = G - 1 repeat purchases before dropping out, with
    G ~ Geometric(p) on {1, 2, ...}. x = min(K, N) and t_x is the x-th of K uniform times on
    (0, T] (t_x / T ~ Beta(x, K - x + 1)); she is alive at T when K < N.

    Parameters
    ----------
    r, alpha, a, b : float
        The MBG/NBD parameters (alpha in the time unit of T).
    T : array-like
        Each customer's observation time.
    seed : int
        Seed of numpy's default generator.

    Returns
    -------
    pandas.DataFrame
        frequency, recency, T and the truth: lambda, p, alive (still alive at T).
    """
    return _simulate_geometric_dropout(r, alpha, a, b, T, seed, chances_at_start=1)
