"""BG/BB model for discrete-time noncontractual settings (Fader, Hardie & Shang 2010).

While alive a customer transacts at each opportunity with probability p ~ Beta(alpha, beta);
at the start of each period she dies with probability theta ~ Beta(gamma, delta).
Source: Fader, Hardie & Shang (2010) "Customer-base analysis in a discrete-time noncontractual
setting", Marketing Science 29(6): likelihood eq. 5, P(alive) eq. 11, conditional expectation
eq. 13, DERT eq. 14.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from ._base import LikelihoodModel
from ._checks import ArrayLike

__all__ = ["BetaGeoBetaBinom"]


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
    """BG/BB model (Fader, Hardie & Shang 2010). Donations data: alpha 1.204, beta 0.750,
    gamma 0.657, delta 2.783."""

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

    def conditional_probability_alive(self, frequency, recency, n_periods, periods_ahead: int = 1):
        """P(alive in period n + periods_ahead | x, t_x, n) (FHS 2010 eq. 11 for periods_ahead = 1)."""
        al, be, ga, de = self._p()
        x, tx, n = (np.asarray(v, dtype=np.float64) for v in (frequency, recency, n_periods))
        num = (
            special.betaln(al + x, be + n - x)
            - special.betaln(al, be)
            + special.betaln(ga, de + n + periods_ahead)
            - special.betaln(ga, de)
        )
        return np.exp(num - _bgbb_loglik(al, be, ga, de, x, tx, n))


def _conditional_expected(model, n_star, frequency, recency, n_periods):
    """E[X(n, n + n*) | x, t_x, n] (FHS 2010 eq. 13): 1/L B(alpha+x+1, beta+n-x)/B(alpha, beta)
    delta/(gamma-1) Gamma(gamma+delta)/Gamma(1+delta) [Gamma(1+delta+n)/Gamma(gamma+delta+n)
    - Gamma(1+delta+n+n*)/Gamma(gamma+delta+n+n*)]."""
    al, be, ga, de = model._p()
    x, tx, n = (np.asarray(v, dtype=np.float64) for v in (frequency, recency, n_periods))
    g = special.gammaln
    head = (
        special.betaln(al + x + 1, be + n - x)
        - special.betaln(al, be)
        - _bgbb_loglik(al, be, ga, de, x, tx, n)
    )
    bracket = np.exp(g(1 + de + n) - g(ga + de + n)) - np.exp(
        g(1 + de + n + n_star) - g(ga + de + n + n_star)
    )
    return np.exp(head + g(ga + de) - g(1 + de)) * de / (ga - 1) * bracket


BetaGeoBetaBinom.conditional_expected_number_of_purchases_up_to_time = _conditional_expected


def _dert(model, discount_rate, frequency, recency, n_periods):
    """DERT(d | x, t_x, n) (FHS 2010 eq. 14): B(alpha+x+1, beta+n-x)/B(alpha, beta)
    B(gamma, delta+n+1)/(B(gamma, delta)(1+d)) 2F1(1, delta+n+1; gamma+delta+n+1; 1/(1+d)) / L."""
    al, be, ga, de = model._p()
    x, tx, n = (np.asarray(v, dtype=np.float64) for v in (frequency, recency, n_periods))
    log = special.betaln(al + x + 1, be + n - x) - special.betaln(al, be)
    log = (
        log + special.betaln(ga, de + n + 1) - special.betaln(ga, de) - _bgbb_loglik(al, be, ga, de, x, tx, n)
    )
    return (
        np.exp(log)
        / (1 + discount_rate)
        * special.hyp2f1(1.0, de + n + 1, ga + de + n + 1, 1 / (1 + discount_rate))
    )


BetaGeoBetaBinom.dert = _dert
