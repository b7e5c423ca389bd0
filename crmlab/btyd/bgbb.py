"""BG/BB model for discrete-time noncontractual settings (Fader, Hardie & Shang 2010).

While alive a customer transacts at each opportunity with probability p ~ Beta(alpha, beta);
at the start of each period she dies with probability theta ~ Beta(gamma, delta).
Source: Fader, Hardie & Shang (2010) "Customer-base analysis in a discrete-time noncontractual
setting", Marketing Science 29(6): likelihood eq. 5, P(alive) eq. 11, conditional expectation
eq. 13, DERT eq. 14.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

from ._base import LikelihoodModel
from ._checks import ArrayLike

__all__ = ["BetaGeoBetaBinom", "simulate_beta_geo_beta_binom"]


def _bgbb_loglik(al, be, ga, de, x, tx, n):
    """log L(alpha, beta, gamma, delta | x, t_x, n) (FHS 2010 eq. 5), broadcasting."""
    with np.errstate(invalid="ignore", divide="ignore"):
        bab, bgd = special.betaln(al, be), special.betaln(ga, de)
        out = special.betaln(al + x, be + n - x) - bab + special.betaln(ga, de + n) - bgd
        for i in range(int(np.max(n - tx))):
            term = special.betaln(al + x, be + tx - x + i) - bab + special.betaln(ga + 1, de + tx + i) - bgd
            out = np.logaddexp(out, np.where(i < n - tx, term, -np.inf))
        return out


class BetaGeoBetaBinom(LikelihoodModel):
    """BG/BB model for discrete transaction opportunities (Fader, Hardie & Shang 2010).

    While alive a customer transacts at each opportunity with probability p ~ Beta(alpha, beta);
    at the start of each opportunity she dies with probability theta ~ Beta(gamma, delta). All
    four parameters are unitless (time is counted in opportunities). On the donations data (11,104
    donors of 1995, 6 yearly opportunities): alpha 1.204, beta 0.750, gamma 0.657, delta 2.783.

    Parameters
    ----------
    penalizer : float
        L2 penalty on the parameters (0: plain maximum likelihood).
    n_starts : int
        Starting points of the optimiser.
    random_state : int or None
        Seed of the extra random starts.
    """

    _names = ("alpha", "beta", "gamma", "delta")
    _roles = {"alpha": "transactions", "beta": "transactions", "gamma": "dropout", "delta": "dropout"}

    def fit(
        self, frequency: ArrayLike, recency: ArrayLike, n_periods: ArrayLike, weights: ArrayLike | None = None
    ):
        """Maximum-likelihood fit on (x, t_x, n) patterns with ``weights`` customers each.

        Parameters
        ----------
        frequency, recency, n_periods : array-like
            Transactions x, period of the last one t_x, opportunities n.
        weights : array-like, optional
            Customers per row (default 1).

        Returns
        -------
        BetaGeoBetaBinom
            ``self``, fitted.
        """
        from ..exceptions import CRMDataError

        self._check_hyper_parameters()
        x, tx, n = (np.asarray(v, dtype=np.float64).ravel() for v in (frequency, recency, n_periods))
        w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=np.float64).ravel()
        bad = (x < 0) | (x > tx) | (tx > n) | ((x == 0) & (tx > 0)) | ~(w >= 0) | (x != np.round(x))
        if bad.any():
            raise CRMDataError(
                f"BetaGeoBetaBinom.fit: {int(bad.sum())} rows break 0 <= x <= t_x <= n (t_x = 0 if x = 0)",
                table="rfm patterns",
                n_bad=int(bad.sum()),
            )
        total = w.sum()

        def nll_points(P):
            return -(_bgbb_loglik(*(P[:, j : j + 1] for j in range(4)), x, tx, n) @ w)

        def objective(lt):
            val = nll_points(np.exp(lt)[None, :])[0] / total + self.penalizer * np.sum(np.exp(2 * lt))
            return val if np.isfinite(val) else np.inf

        grid = [np.log([1.0, 1.0, 1.0, 1.0]), np.log([0.5, 0.5, 0.5, 2.0]), np.log([2.0, 1.0, 1.0, 4.0])]
        self._fit_likelihood(
            objective, self._starts(grid, None), nll_points, total, f"{total:,.0f} customers"
        )
        return self

    def _data(self, frequency, recency, n_periods, where: str):
        self._check_fitted()
        x, tx, n = (np.asarray(v, dtype=np.float64) for v in (frequency, recency, n_periods))
        return np.broadcast_arrays(x, tx, n)

    def conditional_probability_alive(
        self, frequency: ArrayLike, recency: ArrayLike, n_periods: ArrayLike, periods_ahead: int = 1
    ) -> np.ndarray:
        """P(alive at opportunity n + periods_ahead | x, t_x, n).

        = B(alpha+x, beta+n-x)/B(alpha, beta) B(gamma, delta+n+m)/B(gamma, delta) / L(x, t_x, n),
        m = ``periods_ahead`` (FHS 2010 eq. 11 for m = 1).

        Parameters
        ----------
        frequency, recency, n_periods : array-like
            Transactions x, opportunity of the last one t_x (0 if none), opportunities n.
        periods_ahead : int
            Opportunities after n (1: alive at the next one).

        Returns
        -------
        numpy.ndarray
            P(alive) per customer.
        """
        al, be, ga, de = self._p()
        x, tx, n = self._data(frequency, recency, n_periods, "conditional_probability_alive")
        num = (
            special.betaln(al + x, be + n - x)
            - special.betaln(al, be)
            + special.betaln(ga, de + n + periods_ahead)
            - special.betaln(ga, de)
        )
        return np.exp(num - _bgbb_loglik(al, be, ga, de, x, tx, n))

    def _conditional_expected(self, t, x, tx, n):
        """E[X(n, n + t) | x, t_x, n] (FHS 2010 eq. 13) on arrays; t opportunities ahead."""
        al, be, ga, de = self._p()
        g = special.gammaln
        head = (
            special.betaln(al + x + 1, be + n - x)
            - special.betaln(al, be)
            - _bgbb_loglik(al, be, ga, de, x, tx, n)
        )
        bracket = np.exp(g(1 + de + n) - g(ga + de + n)) - np.exp(g(1 + de + n + t) - g(ga + de + n + t))
        return np.exp(head + g(ga + de) - g(1 + de)) * de / (ga - 1) * bracket

    def conditional_expected_number_of_purchases_up_to_time(
        self, n_star: ArrayLike, frequency: ArrayLike, recency: ArrayLike, n_periods: ArrayLike
    ) -> np.ndarray:
        """E[X(n, n + n*) | x, t_x, n]: expected transactions in the next n* opportunities.

        = 1/L B(alpha+x+1, beta+n-x)/B(alpha, beta) delta/(gamma-1) Gamma(gamma+delta)/Gamma(1+delta)
          [Gamma(1+delta+n)/Gamma(gamma+delta+n) - Gamma(1+delta+n+n*)/Gamma(gamma+delta+n+n*)]
        (FHS 2010 eq. 13). On the donations data the 5-year total over the cohort is 12,884.2
        (lifetimes' test).

        Parameters
        ----------
        n_star : int or array-like
            Opportunities ahead.
        frequency, recency, n_periods : array-like
            Transactions x, opportunity of the last one t_x, opportunities n.

        Returns
        -------
        numpy.ndarray
            Expected transactions per customer.
        """
        x, tx, n = self._data(frequency, recency, n_periods, "conditional_expected")
        return self._conditional_expected(np.asarray(n_star, dtype=np.float64), x, tx, n)

    def expected_number_of_purchases_up_to_time(self, n: ArrayLike) -> np.ndarray:
        """E[X(n)] for a new customer: alpha/(alpha+beta) delta/(gamma-1)
        [1 - Gamma(gamma+delta) Gamma(1+delta+n) / (Gamma(gamma+delta+n) Gamma(1+delta))] (FHS 2010 eq. 9).

        Parameters
        ----------
        n : int or array-like
            Opportunities since the first transaction.

        Returns
        -------
        numpy.ndarray
            Expected transactions in the first n opportunities.
        """
        al, be, ga, de = self._p()
        n = np.asarray(n, dtype=np.float64)
        g = special.gammaln
        ratio = np.exp(g(ga + de) + g(1 + de + n) - g(ga + de + n) - g(1 + de))
        return al / (al + be) * de / (ga - 1) * (1 - ratio)

    def probability_of_n_purchases_up_to_time(self, n: int, x: ArrayLike) -> np.ndarray:
        """P(X(n) = x) for a new customer (FHS 2010 eq. 7).

        = C(n, x) B(alpha+x, beta+n-x)/B(alpha, beta) B(gamma, delta+n)/B(gamma, delta)
          + sum_{i=x}^{n-1} C(i, x) B(alpha+x, beta+i-x)/B(alpha, beta) B(gamma+1, delta+i)/B(gamma, delta).

        Parameters
        ----------
        n : int
            Opportunities.
        x : int or array-like
            Numbers of transactions, 0..n.

        Returns
        -------
        numpy.ndarray
            Probabilities (they sum to 1 over x = 0..n).
        """
        al, be, ga, de = self._p()
        x = np.asarray(x, dtype=np.float64)[..., None]
        i = np.arange(int(n), dtype=np.float64)
        B = special.betaln
        alive = special.comb(n, x[..., 0]) * np.exp(
            B(al + x[..., 0], be + n - x[..., 0]) - B(al, be) + B(ga, de + n) - B(ga, de)
        )
        with np.errstate(invalid="ignore"):
            terms = special.comb(i, x) * np.exp(
                B(al + x, be + i - x) - B(al, be) + B(ga + 1, de + i) - B(ga, de)
            )
        return alive + np.where(i >= x, np.nan_to_num(terms), 0.0).sum(axis=-1)

    def expected_number_of_transactions_in_first_n_periods(
        self, n: int, n_customers: float = 1.0
    ) -> pd.Series:
        """Expected number of customers with x = 0..n transactions in their first n opportunities.

        ``n_customers`` x P(X(n) = x) (:meth:`probability_of_n_purchases_up_to_time`): the
        calibration fit check of FHS (2010), Figure 3 (donations: 3,455.8 expected donors with no
        repeat donation against 3,464 actual).

        Parameters
        ----------
        n : int
            Opportunities.
        n_customers : float
            Cohort size.

        Returns
        -------
        pandas.Series
            Indexed by x = 0..n, named ``expected_customers``.
        """
        x = np.arange(int(n) + 1)
        p = self.probability_of_n_purchases_up_to_time(int(n), x)
        return pd.Series(n_customers * p, index=pd.Index(x, name="frequency"), name="expected_customers")

    def frequency_fit(
        self, frequency: ArrayLike, n_periods: int, weights: ArrayLike | None = None
    ) -> pd.DataFrame:
        """Expected vs actual number of customers by transactions in the first n opportunities.

        The calibration check of FHS (2010), Figure 3: N P(X(n) = x) against the customers with
        x transactions, x = 0..n (eq. 7).

        Parameters
        ----------
        frequency : array-like
            Each row's transactions x in the n opportunities.
        n_periods : int
            Opportunities n (the same for every row: one cohort).
        weights : array-like, optional
            Customers per row (default 1).

        Returns
        -------
        pandas.DataFrame
            Indexed by frequency 0..n: actual, expected (customers).
        """
        x = np.asarray(frequency, dtype=np.int64).ravel()
        w = np.ones(x.size) if weights is None else np.asarray(weights, dtype=np.float64).ravel()
        actual = np.bincount(x, weights=w, minlength=int(n_periods) + 1)[: int(n_periods) + 1]
        expected = self.expected_number_of_transactions_in_first_n_periods(int(n_periods), w.sum())
        return pd.DataFrame({"actual": actual, "expected": expected.to_numpy()}, index=expected.index)

    def dert(
        self, discount_rate: float, frequency: ArrayLike, recency: ArrayLike, n_periods: ArrayLike
    ) -> np.ndarray:
        """DERT(d | x, t_x, n): discounted expected residual transactions (FHS 2010 eq. 14).

        = B(alpha+x+1, beta+n-x)/B(alpha, beta) B(gamma, delta+n+1)/(B(gamma, delta)(1+d))
          2F1(1, delta+n+1; gamma+delta+n+1; 1/(1+d)) / L(x, t_x, n).

        Parameters
        ----------
        discount_rate : float
            Discount rate d per opportunity (> 0).
        frequency, recency, n_periods : array-like
            Transactions x, opportunity of the last one t_x, opportunities n.

        Returns
        -------
        numpy.ndarray
            DERT per customer, in transactions.
        """
        al, be, ga, de = self._p()
        x, tx, n = self._data(frequency, recency, n_periods, "dert")
        log = special.betaln(al + x + 1, be + n - x) - special.betaln(al, be)
        log = (
            log
            + special.betaln(ga, de + n + 1)
            - special.betaln(ga, de)
            - _bgbb_loglik(al, be, ga, de, x, tx, n)
        )
        z = 1 / (1 + discount_rate)
        return np.exp(log) * z * special.hyp2f1(1.0, de + n + 1, ga + de + n + 1, z)


def simulate_beta_geo_beta_binom(
    n_customers: int, alpha: float, beta: float, gamma: float, delta: float, n_periods: int, seed: int = 0
) -> pd.DataFrame:
    """Simulate the BG/BB: p ~ Beta(alpha, beta), theta ~ Beta(gamma, delta), n opportunities.

    A customer alive at opportunity t - 1 dies at the start of opportunity t with probability
    theta, so she is alive for the first L = G - 1 opportunities (G ~ Geometric(theta) on 1, 2,
    ...; P(alive at t) = (1 - theta)^t); at each opportunity she is alive for she transacts
    with probability p. x = transactions, t_x = the last opportunity with one (0: none).

    Parameters
    ----------
    n_customers : int
        Customers simulated.
    alpha, beta, gamma, delta : float
        The BG/BB parameters.
    n_periods : int
        Opportunities observed.
    seed : int
        Seed of numpy's default generator.

    Returns
    -------
    pandas.DataFrame
        frequency, recency, n_periods and the truth: p, theta, alive (at opportunity n).
    """
    rng = np.random.default_rng(seed)
    p = rng.beta(alpha, beta, n_customers)
    theta = rng.beta(gamma, delta, n_customers)
    alive_for = rng.geometric(theta) - 1
    t = np.arange(1, n_periods + 1)
    buys = (rng.random((n_customers, n_periods)) < p[:, None]) & (t[None, :] <= alive_for[:, None])
    x = buys.sum(axis=1)
    tx = np.where(x > 0, n_periods - np.argmax(buys[:, ::-1], axis=1), 0)
    return pd.DataFrame(
        {
            "frequency": x,
            "recency": tx,
            "n_periods": n_periods,
            "p": p,
            "theta": theta,
            "alive": alive_for >= n_periods,
        }
    )
