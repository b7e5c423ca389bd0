"""MBG/NBD model (Batislam, Denizel & Filiztekin 2007): the BG/NBD with a dropout chance at time 0.

L = Gamma(r+x)/Gamma(r) alpha^r B(a, b+x+1)/B(a, b) (alpha+T)^-(r+x)
    [1 + a/(b+x) ((alpha+T)/(alpha+t_x))^(r+x)];
P(alive) = 1 / (1 + a/(b+x) ((alpha+T)/(alpha+t_x))^(r+x)).
Source: Batislam, Denizel & Filiztekin (2007) "Empirical validation and comparison of models
for customer base analysis", Int. J. Research in Marketing 24(3); as in lifetimes and BTYDplus.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from ._base import LikelihoodModel
from ._checks import ArrayLike, _check_rfm
from ._numerics import _compress

__all__ = ["ModifiedBetaGeo"]


def _log_odds_dead(r, alpha, a, b, x, tx, T):
    return np.log(a) - np.log(b + x) + (r + x) * (np.log(alpha + T) - np.log(alpha + tx))


def _mbgnbd_loglik(r, alpha, a, b, x, tx, T):
    """Per-customer MBG/NBD log-likelihood, broadcasting."""
    with np.errstate(invalid="ignore", divide="ignore"):
        head = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
        head = head + special.betaln(a, b + x + 1) - special.betaln(a, b) - (r + x) * np.log(alpha + T)
        return head + np.logaddexp(0.0, _log_odds_dead(r, alpha, a, b, x, tx, T))


class ModifiedBetaGeo(LikelihoodModel):
    """MBG/NBD. CDNOW sample (weeks): r = 0.525, alpha = 6.183, a = 0.891, b = 1.614."""

    _names = ("r", "alpha", "a", "b")
    _roles = {"r": "purchase rates", "alpha": "purchase rates", "a": "dropout", "b": "dropout"}

    def fit(
        self,
        frequency: ArrayLike,
        recency: ArrayLike,
        T: ArrayLike,
        weights: ArrayLike | None = None,
        *,
        time_unit: str | None = None,
    ):
        """Maximum-likelihood fit on one row per customer (``weights``: customers per row).

        Parameters
        ----------
        frequency, recency, T : array-like
            As :func:`crmlab.rfm.rfm_summary` gives them.
        weights : array-like, optional
            Customers per row (default 1).
        time_unit : str, optional
            The unit of recency and T (``time_unit_``); read from the summary when not given.

        Returns
        -------
        ModifiedBetaGeo
            ``self``, fitted.
        """
        self._check_hyper_parameters()
        self._record_time_unit(time_unit, frequency, recency, T, where="ModifiedBetaGeo.fit")
        x, tx, TT, _ = _check_rfm(frequency, recency, T, "ModifiedBetaGeo.fit")
        if weights is None:
            (x, tx, TT), w = _compress(x, tx, TT)
        else:
            w = np.broadcast_to(np.asarray(weights, dtype=np.float64).ravel(), x.shape)
            if not np.all(w >= 0):
                raise ValueError("ModifiedBetaGeo.fit: weights must be >= 0")
        n = w.sum()

        def nll_points(P):
            return -(_mbgnbd_loglik(*(P[:, j : j + 1] for j in range(4)), x, tx, TT) @ w)

        def objective(lt):
            val = nll_points(np.exp(lt)[None, :])[0] / n + self.penalizer * np.sum(np.exp(2 * lt))
            return val if np.isfinite(val) else np.inf

        rate = max(x.mean() / max(TT.mean(), 1e-12), 1e-6)
        grid = [
            np.log([r0, r0 / rate, a0, b0])
            for r0, a0, b0 in [(1.0, 1.0, 1.0), (0.3, 0.8, 2.5), (2.0, 2.0, 6.0)]
        ]
        self._fit_likelihood(objective, self._starts(grid, None), nll_points, n, f"{n:,.0f} customers")
        return self

    def conditional_probability_alive(self, frequency, recency, T):
        """P(alive) = 1 / (1 + a/(b+x) ((alpha+T)/(alpha+t_x))^(r+x))."""
        r, alpha, a, b = self._p()
        x, tx, TT = (np.asarray(v, dtype=np.float64) for v in (frequency, recency, T))
        return special.expit(-_log_odds_dead(r, alpha, a, b, x, tx, TT))
