"""Shifted-beta-geometric (sBG) model of contractual retention (Fader & Hardie 2007).

Each customer renews every period with her own churn probability theta ~ Beta(alpha, beta):
P(T = t) = B(alpha + 1, beta + t - 1) / B(alpha, beta), S(t) = B(alpha, beta + t) / B(alpha, beta),
retention rate r(t) = S(t) / S(t-1) = (beta + t - 1) / (alpha + beta + t - 1).
Sources: Fader & Hardie (2007) "How to project customer retention", J. Interactive Marketing
21(1); Fader & Hardie (2010) "Customer-base valuation in a contractual setting: the perils of
ignoring heterogeneity", Marketing Science 29(1) -- DERL.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

from ._base import LikelihoodModel
from ._checks import ArrayLike

__all__ = ["ShiftedBetaGeometric", "simulate_shifted_beta_geometric"]


def _sbg_loglik(alpha, beta, tenure, churned):
    """Per-row log-likelihood: log P(T = t) if churned in period t, else log S(t)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        bab = special.betaln(alpha, beta)
        lost = special.betaln(alpha + 1, beta + tenure - 1) - bab
        alive = special.betaln(alpha, beta + tenure) - bab
        return np.where(churned, lost, alive)


class ShiftedBetaGeometric(LikelihoodModel):
    """sBG retention model (Fader & Hardie 2007): theta ~ Beta(alpha, beta), geometric lifetimes.

    On Fader & Hardie's (2007) Table 1, years 1-7: "High End" alpha = 0.668, beta = 3.806;
    "Regular" alpha = 0.704, beta = 1.182.
    """

    _names = ("alpha", "beta")
    _roles = {"alpha": "churn", "beta": "churn"}

    def fit(
        self, tenure: ArrayLike, churned: ArrayLike, weights: ArrayLike | None = None
    ) -> ShiftedBetaGeometric:
        """Maximum-likelihood fit on per-customer tenures.

        Parameters
        ----------
        tenure : array-like
            Period of churn (churned customers, >= 1) or periods observed so far (active ones, >= 0).
        churned : array-like of bool
            Whether the customer has churned.
        weights : array-like, optional
            Customers per row (default 1).

        Returns
        -------
        ShiftedBetaGeometric
            ``self``, fitted.
        """
        from ..exceptions import CRMDataError

        self._check_hyper_parameters()
        t = np.asarray(tenure, dtype=np.float64).ravel()
        c = np.asarray(churned, dtype=bool).ravel()
        w = np.ones_like(t) if weights is None else np.asarray(weights, dtype=np.float64).ravel()
        if not (t.size == c.size == w.size) or t.size == 0:
            raise CRMDataError("ShiftedBetaGeometric.fit: tenure, churned, weights need one value per row")
        bad = ~np.isfinite(t) | (t < 0) | (t != np.round(t)) | (c & (t < 1)) | ~(w >= 0)
        if bad.any():
            raise CRMDataError(
                f"ShiftedBetaGeometric.fit: {int(bad.sum())} of {t.size} rows have a tenure that is not a "
                f"whole number >= 1 (churned) / >= 0 (active) or a negative weight",
                table="tenures",
                column="tenure",
                n_bad=int(bad.sum()),
            )
        n = w.sum()
        pen = self.penalizer

        def nll_points(P):
            return -(_sbg_loglik(P[:, :1], P[:, 1:2], t, c) @ w)

        def objective(lt):
            val = nll_points(np.exp(lt)[None, :])[0] / n + pen * np.sum(np.exp(2 * lt))
            return val if np.isfinite(val) else np.inf

        grid = [np.log([1.0, 1.0]), np.log([0.5, 3.0]), np.log([2.0, 2.0])]
        starts = self._starts(grid, None)
        self._fit_likelihood(objective, starts, nll_points, n, f"{n:,.0f} customers")
        return self

    def fit_survival(self, survival, n_customers=1000) -> ShiftedBetaGeometric:
        """Fit on survival curves S(1), ..., S(T) (proportions; several cohorts: a list of curves).

        A multi-cohort fit: cohorts that started in different years give curves of different
        lengths; each contributes its churners per period and its survivors (censored) with its
        own size, and one pair (alpha, beta) is estimated (Fader & Hardie 2007, section 4).

        Parameters
        ----------
        survival : sequence of float, or list of sequences
            Share of the cohort still active after each period (S(0) = 1 is implied).
        n_customers : float or sequence
            Cohort size(s) behind the proportions; the estimates do not depend on it, the
            log-likelihood and standard errors do.

        Returns
        -------
        ShiftedBetaGeometric
            ``self``, fitted on all cohorts with one pair of parameters.
        """
        curves = survival if np.ndim(survival[0]) else [survival]
        sizes = np.broadcast_to(np.asarray(n_customers, dtype=np.float64), (len(curves),))
        ten, chu, wts = [], [], []
        for curve, size in zip(curves, sizes):
            s = np.concatenate([[1.0], np.asarray(curve, dtype=np.float64)])
            k = s.size - 1
            ten += list(range(1, k + 1)) + [k]
            chu += [True] * k + [False]
            wts += list(size * -np.diff(s)) + [size * s[-1]]
        return self.fit(np.array(ten), np.array(chu), np.array(wts))

    def survival_function(self, t: ArrayLike) -> np.ndarray:
        """S(t) = B(alpha, beta + t) / B(alpha, beta): share of a cohort still there after t periods.

        Parameters
        ----------
        t : array-like
            Periods (>= 0).

        Returns
        -------
        numpy.ndarray
            S(t), in the shape of ``t``.
        """
        alpha, beta = self._p()
        t = np.asarray(t, dtype=np.float64)
        return np.exp(special.betaln(alpha, beta + t) - special.betaln(alpha, beta))

    def retention_rate(self, t: ArrayLike) -> np.ndarray:
        """r(t) = S(t) / S(t-1) = (beta + t - 1) / (alpha + beta + t - 1), t >= 1.

        It rises with t: the customers with a high churn probability leave first, so the
        survivors are more loyal (Fader & Hardie 2007, eq. 4).

        Parameters
        ----------
        t : array-like
            Periods (>= 1).

        Returns
        -------
        numpy.ndarray
            The retention rate of period t.
        """
        alpha, beta = self._p()
        t = np.asarray(t, dtype=np.float64)
        return (beta + t - 1) / (alpha + beta + t - 1)

    def projection(self, periods: int, observed=None, constant_rate: float | None = None) -> pd.DataFrame:
        """The cohort's survival and retention by period: observed, sBG and a constant rate.

        S(t) of the model, r(t) = (beta + t - 1)/(alpha + beta + t - 1), and the survival
        c^t of a constant retention rate c (default: the model's first-period rate r(1), the rate
        a one-period measurement gives) -- the comparison of Fader & Hardie (2007), Figure 2.

        Parameters
        ----------
        periods : int
            Periods projected (t = 1..periods).
        observed : sequence of float, optional
            The observed survival S(1), S(2), ... (may be shorter than ``periods``).
        constant_rate : float, optional
            The constant retention rate compared (default r(1)).

        Returns
        -------
        pandas.DataFrame
            Indexed by period: observed survival (NaN beyond the data), sBG survival, sBG
            retention rate, constant-rate survival; ``attrs["constant_rate"]``.
        """
        t = np.arange(1, int(periods) + 1)
        rate = float(self.retention_rate(1)) if constant_rate is None else float(constant_rate)
        seen = np.full(t.size, np.nan)
        if observed is not None:
            obs = np.asarray(observed, dtype=np.float64)[: t.size]
            seen[: obs.size] = obs
        out = pd.DataFrame(
            {
                "observed survival": seen,
                "sBG survival": self.survival_function(t),
                "sBG retention rate": self.retention_rate(t),
                "constant-rate survival": rate**t,
            },
            index=pd.Index(t, name="period"),
        )
        out.attrs["constant_rate"] = rate
        return out

    def derl(self, discount_rate: float, n_renewals: ArrayLike = 0) -> np.ndarray:
        """DERL(d | n-1 renewals) = (beta+n-1)/(alpha+beta+n-1) 2F1(1, beta+n; alpha+beta+n; 1/(1+d)).

        Discounted expected residual lifetime of a customer who has renewed n - 1 times, just
        before her n-th renewal decision: Fader & Hardie (2010), the closed form of
        sum_{t>=n} S(t)/S(n-1) / (1+d)^(t-n).

        Parameters
        ----------
        discount_rate : float
            Discount rate d per period (> 0).
        n_renewals : array-like
            Renewals so far (n - 1 >= 0).

        Returns
        -------
        numpy.ndarray
            DERL in periods (multiply by the margin per period for the residual value).
        """
        alpha, beta = self._p()
        n = np.asarray(n_renewals, dtype=np.float64) + 1
        z = 1.0 / (1.0 + discount_rate)
        return (beta + n - 1) / (alpha + beta + n - 1) * special.hyp2f1(1.0, beta + n, alpha + beta + n, z)


def simulate_shifted_beta_geometric(
    n_customers: int, alpha: float, beta: float, n_periods: int, seed: int = 0
) -> pd.DataFrame:
    """Simulate the sBG: theta ~ Beta(alpha, beta), lifetime T ~ Geometric(theta) periods.

    A customer churns in period T (P(T = t) = theta (1 - theta)^(t-1)); after ``n_periods`` she
    is censored. The output is what :meth:`ShiftedBetaGeometric.fit` takes.

    Parameters
    ----------
    n_customers : int
        Customers simulated (one cohort).
    alpha, beta : float
        The sBG parameters.
    n_periods : int
        Periods observed.
    seed : int
        Seed of numpy's default generator.

    Returns
    -------
    pandas.DataFrame
        tenure (period of churn, or n_periods if still active), churned, and the truth theta.
    """
    rng = np.random.default_rng(seed)
    theta = rng.beta(alpha, beta, n_customers)
    life = rng.geometric(theta)
    churned = life <= n_periods
    return pd.DataFrame({"tenure": np.minimum(life, n_periods), "churned": churned, "theta": theta})
