"""Pareto/NBD model of repeat purchasing (Schmittlein, Morrison & Colombo 1987) and its simulator.

Likelihood and expectations as in Fader & Hardie (2005) "A note on deriving the Pareto/NBD
model and related expressions".
"""

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
from ._numerics import _auto, _check_discount_rate, _laplace_power_factor, _one_minus_pow_over

__all__ = ["ParetoNBD", "simulate_pareto_nbd"]


def _pnbd_log_term(r, alpha, s, beta, x, tau):
    """log[ 2F1(r+s+x, b; r+s+x+1; |alpha-beta|/(m+tau)) / (m+tau)^(r+s+x) ], m = max(alpha, beta).

    b = s+1 if alpha >= beta, else r+x (Fader & Hardie 2005, eqs. 19-20). Euler's
    transformation turns the 2F1 into (1-z)^(1-b) 2F1(1, r+s+x+1-b; r+s+x+1; z), whose
    series terms are <= z^n: bounded, no overflow. Returns
      alpha >= beta: log F - (r+x) log(alpha+tau) - s log(beta+tau)
      alpha <  beta: log F + (1-r-x) log(alpha+tau) - (s+1) log(beta+tau).
    """
    a_ge = alpha >= beta
    m = np.where(a_ge, alpha, beta)
    z = np.abs(alpha - beta) / (m + tau)
    b2 = np.where(a_ge, r + x, s + 1)
    logF = np.log(special.hyp2f1(1.0, b2, r + s + x + 1, z))
    la, lb = np.log(alpha + tau), np.log(beta + tau)
    return logF + np.where(a_ge, -(r + x) * la - s * lb, (1 - r - x) * la - (s + 1) * lb)


def _pnbd_parts(r, alpha, s, beta, x, tx, T):
    """log of the 'alive' term and of the 'died in (t_x, T]' term of the Pareto/NBD likelihood."""
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        A1 = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha) + s * np.log(beta)
        alive = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
        lt_tx = _pnbd_log_term(r, alpha, s, beta, x, tx)
        lt_T = _pnbd_log_term(r, alpha, s, beta, x, T)
        d = np.minimum(lt_T - lt_tx, 0.0)
        log_A0 = lt_tx + np.log(-np.expm1(d))  # -inf where t_x == T
        died = np.log(s) - np.log(r + s + x) + log_A0
    return A1, alive, died


def _pnbd_loglik(r, alpha, s, beta, x, tx, T):
    """Per-customer Pareto/NBD log-likelihood (Fader & Hardie 2005, eq. 18)."""
    A1, alive, died = _pnbd_parts(r, alpha, s, beta, x, tx, T)
    return A1 + np.logaddexp(alive, died)


def _pnbd_pairs(x, tx, T):
    """Distinct (x, t_x) and (x, T) pairs with the inverse index of each row.

    The 2F1 terms of the likelihood depend on (x, t_x) or on (x, T) only, and there are far
    fewer distinct pairs than (x, t_x, T) patterns (on 1M customers: tens of thousands against
    hundreds of thousands), so the fit evaluates the 2F1 once per pair.
    """
    out = []
    for tau in (tx, T):
        uniq, inv = np.unique(np.column_stack([x, tau]), axis=0, return_inverse=True)
        out.append((uniq[:, 0], uniq[:, 1], np.ravel(inv)))
    return out


def _pnbd_lt(theta, x, tau):
    """log[2F1(...) / (m+tau)^(r+s+x)] (see :func:`_pnbd_log_term`) at scalar parameters."""
    r, alpha, s, beta = theta
    c = r + s + x + 1
    la, lb = np.log(alpha + tau), np.log(beta + tau)
    if alpha >= beta:
        F = special.hyp2f1(1.0, r + x, c, (alpha - beta) / (alpha + tau))
        return np.log(F) - (r + x) * la - s * lb
    F = special.hyp2f1(1.0, s + 1, c, (beta - alpha) / (beta + tau))
    return np.log(F) + (1 - r - x) * la - (s + 1) * lb


def _pnbd_loglik_total(theta, ux, inv, tx, T, w, pairs=None):
    """Total weighted Pareto/NBD log-likelihood at scalar parameters: the fit's fast path.

    Same formula as :func:`_pnbd_loglik` (Fader & Hardie 2005, eqs. 18-20), with the
    alpha >= beta branch chosen once, the frequency-only terms computed once per distinct
    frequency ``ux`` (``x = ux[inv]``) and the 2F1 terms once per distinct (x, t_x) and (x, T)
    pair (``pairs`` from :func:`_pnbd_pairs`, computed here if not given).
    """
    r, alpha, s, beta = theta
    if pairs is None:
        pairs = _pnbd_pairs(ux[inv], tx, T)
    (x_tx, u_tx, i_tx), (x_T, u_T, i_T) = pairs
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        head = special.gammaln(r + ux) - special.gammaln(r) + r * np.log(alpha) + s * np.log(beta)
        log_share = np.log(s) - np.log(r + s + ux)
        lt_tx = _pnbd_lt(theta, x_tx, u_tx)[i_tx]
        lt_T = _pnbd_lt(theta, x_T, u_T)[i_T]
        alive = (-(r + x_T) * np.log(alpha + u_T) - s * np.log(beta + u_T))[i_T]
        died = log_share[inv] + lt_tx + np.log(-np.expm1(np.minimum(lt_T - lt_tx, 0.0)))
        return float(w @ (head[inv] + np.logaddexp(alive, died)))


SERIES_Z_MAX = 0.95  # beyond, the series needs > 800 terms: central differences of hyp2f1 instead


def _unit_hyp2f1_series(b, c, z, tol: float = 1e-17, max_terms: int = 4096):
    """F = 2F1(1, b; c; z) and its derivatives dF/db, dF/dc, dF/dz by the series, vectorised.

    F = sum_n t_n with t_0 = 1, t_n = t_{n-1} z (b+n-1)/(c+n-1) (Gauss's series, the a = 1 case);
    dt_n/db = t_n sum_{j<n} 1/(b+j), dt_n/dc = -t_n sum_{j<n} 1/(c+j), dt_n/dz = n t_n / z. The
    terms are <= z^n for c > b > 0, 0 <= z < 1 (both branches of the Pareto/NBD likelihood);
    pairs leave the loop, 16 terms at a time, once the tail bound t_n (n + 1 + S_b + S_c)/(1 - z)
    is below ``tol`` F. Returns (F, dF/db, dF/dc, dF/dz, converged mask).
    """
    out = np.zeros((5, b.size))
    out[0] = 1.0
    idx = np.arange(b.size)
    bb, cc, zz = b, c, z
    t, sb, sc = np.ones(b.size), np.zeros(b.size), np.zeros(b.size)
    acc = np.vstack([np.ones(b.size), np.zeros((3, b.size))])
    n = 0
    while idx.size and n < max_terms:
        for _ in range(16):
            ratio = (bb + n) / (cc + n)
            acc[3] += (n + 1) * t * ratio  # (n+1) t_{n+1} / z
            sb, sc, t = sb + 1 / (bb + n), sc + 1 / (cc + n), t * ratio * zz
            acc[0] += t
            acc[1] += t * sb
            acc[2] -= t * sc
            n += 1
        done = t * (n + 1 + sb + sc) <= tol * (1 - zz) * np.minimum(acc[0], acc[3])
        out[:4, idx[done]] = acc[:, done]
        out[4, idx[done]] = 1.0
        keep = ~done
        idx, bb, cc, zz, t, sb, sc, acc = (
            idx[keep],
            bb[keep],
            cc[keep],
            zz[keep],
            t[keep],
            sb[keep],
            sc[keep],
            acc[:, keep],
        )
    return out[0], out[1], out[2], out[3], out[4] > 0


def _pnbd_lt_and_grad(theta, x, tau):
    """lt = log[2F1(...) / (m+tau)^(r+s+x)] of :func:`_pnbd_lt` and its gradient in (r, alpha, s, beta).

    Branch alpha >= beta: lt = log F(1, r+x; k+1; z) - (r+x) log(alpha+tau) - s log(beta+tau),
    z = (alpha-beta)/(alpha+tau); else lt = log F(1, s+1; k+1; z) + (1-r-x) log(alpha+tau)
    - (s+1) log(beta+tau), z = (beta-alpha)/(beta+tau); k = r+s+x. The chain rule through
    b, c = k+1 and z, with the series derivatives of :func:`_unit_hyp2f1_series` (pairs whose
    series is slow, z > SERIES_Z_MAX, use central differences of scipy's hyp2f1 in b and c).
    Returns (lt, gradient of shape (4, pairs)).
    """
    r, alpha, s, beta = theta
    la, lb = np.log(alpha + tau), np.log(beta + tau)
    c = r + s + x + 1
    if alpha >= beta:
        b, z = r + x, (alpha - beta) / (alpha + tau)
        dz = np.array([0 * tau, (beta + tau) / (alpha + tau) ** 2, 0 * tau, -1 / (alpha + tau)])
        db = np.array([1.0, 0.0, 0.0, 0.0])
        lin = -(r + x) * la - s * lb
        dlin = np.array([-la, -(r + x) / (alpha + tau), -lb, -s / (beta + tau)])
    else:
        b, z = s + 1 + 0 * x, (beta - alpha) / (beta + tau)
        dz = np.array([0 * tau, -1 / (beta + tau), 0 * tau, (alpha + tau) / (beta + tau) ** 2])
        db = np.array([0.0, 0.0, 1.0, 0.0])
        lin = (1 - r - x) * la - (s + 1) * lb
        dlin = np.array([-la, (1 - r - x) / (alpha + tau), -lb, -(s + 1) / (beta + tau)])
    F, Fb, Fc, Fz, ok = _unit_hyp2f1_series(b, c, np.where(z <= SERIES_Z_MAX, z, 0.0))
    ok &= z <= SERIES_Z_MAX
    if not ok.all():
        F[~ok], Fb[~ok], Fc[~ok], Fz[~ok] = _unit_hyp2f1_by_differences(b[~ok], c[~ok], z[~ok])
    dc = np.array([1.0, 0.0, 1.0, 0.0])
    grad = (Fb * db[:, None] + Fc * dc[:, None] + Fz * dz) / F + dlin
    return np.log(F) + lin, grad


def _unit_hyp2f1_by_differences(b, c, z):
    """F = 2F1(1, b; c; z); dF/db, dF/dc by central differences of hyp2f1; dF/dz = b/c 2F1(2, b+1; c+1; z)."""
    h = 1e-5 * np.maximum(1.0, b)
    f = special.hyp2f1
    Fb = (f(1.0, b + h, c, z) - f(1.0, b - h, c, z)) / (2 * h)
    Fc = (f(1.0, b, c + h, z) - f(1.0, b, c - h, z)) / (2 * h)
    return f(1.0, b, c, z), Fb, Fc, b / c * f(2.0, b + 1, c + 1, z)


def _pnbd_value_and_grad(theta, ux, inv, tx, T, w, pairs):
    """Total weighted Pareto/NBD log-likelihood and its gradient in (r, alpha, s, beta).

    LL_i = head + log(e^alive + e^died) (Fader & Hardie 2005, eqs. 18-20) with head =
    log Gamma(r+x) - log Gamma(r) + r log alpha + s log beta, alive = -(r+x) log(alpha+T)
    - s log(beta+T), died = log s - log(r+s+x) + log(e^lt(t_x) - e^lt(T)); the gradient is
    d head + P(alive) d alive + (1 - P(alive)) d died. The 2F1 terms are differentiated once
    per distinct (x, t_x) and (x, T) pair (:func:`_pnbd_lt_and_grad`) and the customers'
    weights summed onto those pairs, so per customer only a few logs and exps remain.
    """
    r, alpha, s, beta = theta
    (x_tx, u_tx, i_tx), (x_T, u_T, i_T) = pairs
    n_a, n_b = x_tx.size, x_T.size
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        lt_a, g_a = _pnbd_lt_and_grad(theta, x_tx, u_tx)
        lt_b, g_b = _pnbd_lt_and_grad(theta, x_T, u_T)
        k = r + s + ux
        head = special.gammaln(r + ux) - special.gammaln(r) + r * np.log(alpha) + s * np.log(beta)
        la, lb = np.log(alpha + u_T), np.log(beta + u_T)
        alive = (-(r + x_T) * la - s * lb)[i_T]
        lt_tx = lt_a[i_tx]
        em = -np.expm1(np.minimum(lt_b[i_T] - lt_tx, 0.0))  # 1 - e^d, 0 where t_x = T
        ratio = np.exp((np.log(s) - np.log(k))[inv] + lt_tx - alive) * em  # e^(died - alive)
        lse = alive + np.log1p(ratio)
        w_alive = w / (1 + ratio)
        w_died = w - w_alive
        q = np.where(em > 0, (1 - em) / em, 0.0)  # e^d / (1 - e^d): 0 where there is no 'died' term
        c_x = np.bincount(inv, weights=w, minlength=ux.size)
        cd_x = np.bincount(inv, weights=w_died, minlength=ux.size)
        on_a = np.bincount(i_tx, weights=w_died * (1 + q), minlength=n_a)
        on_b = np.bincount(i_T, weights=w_died * q, minlength=n_b)
        alive_b = np.bincount(i_T, weights=w_alive, minlength=n_b)
        dig = special.digamma(r + ux) - special.digamma(r)
        grad = np.array(
            [
                (dig + np.log(alpha)) @ c_x - (1 / k) @ cd_x - la @ alive_b,
                r / alpha * c_x.sum() - ((r + x_T) / (alpha + u_T)) @ alive_b,
                np.log(beta) * c_x.sum() + cd_x.sum() / s - (1 / k) @ cd_x - lb @ alive_b,
                s / beta * c_x.sum() - (s / (beta + u_T)) @ alive_b,
            ]
        )
        grad += g_a @ on_a - g_b @ on_b
        ll = c_x @ head + w @ lse
    return float(ll), grad


class ParetoNBD(LikelihoodModel):
    """Pareto/NBD model of repeat purchasing (Schmittlein, Morrison & Colombo 1987).

    While alive a customer buys as a Poisson process with rate lambda ~ Gamma(r, alpha); her
    lifetime is exponential with rate mu ~ Gamma(s, beta). ``r``, ``s`` are unitless; ``alpha``,
    ``beta`` are in the time unit of recency / T. Likelihood as in Fader & Hardie (2005) "A note
    on deriving the Pareto/NBD model and related expressions", eqs. 18-20, with the alpha >= beta
    / alpha < beta branch of the 2F1 and log-sum-exp. Fitted: ``params_`` (dict r, alpha, s,
    beta), ``loglik_``, ``standard_errors_``, ``n_customers_``.
    On the CDNOW sample in weeks: r = 0.553, alpha = 10.578, s = 0.606, beta = 11.669, LL = -9595.0.
    """

    _names = ("r", "alpha", "s", "beta")

    _roles = {"r": "purchase rates", "alpha": "purchase rates", "s": "dropout", "beta": "dropout"}

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
    ) -> ParetoNBD:
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
            r, alpha, s, beta to start from instead of the model's own starts.
        progress : bool, optional
            A tqdm progress bar over the starts; default only for big inputs (> 100,000 patterns).
        time_unit : str, optional
            "D", "W", "M" or "Y": the unit of recency and T, recorded in ``time_unit_``. Read from
            the summary (``rfm_summary`` records it) when not given; stating another is an error.

        Returns
        -------
        ParetoNBD
            ``self``, fitted. Warns with :class:`crmlab.exceptions.ConvergenceWarning` if the
            optimum is not trustworthy (see ``converged_`` and ``convergence_``).
        """
        self._check_hyper_parameters()
        self._record_time_unit(time_unit, frequency, recency, T, where="ParetoNBD.fit")
        x, tx, TT, _ = _check_rfm(frequency, recency, T, "ParetoNBD.fit")
        hint = _rfm_hint(x, tx, TT)
        (x, tx, TT), w = self._patterns([x, tx, TT], weights, "ParetoNBD.fit")
        n = w.sum()
        pen = self.penalizer

        ux, inv = np.unique(x, return_inverse=True)
        pairs = _pnbd_pairs(x, tx, TT)

        def objective(lt):  # value and analytic gradient on the log-parameter scale
            th = np.exp(lt)
            ll, grad = _pnbd_value_and_grad(th, ux, inv, tx, TT, w, pairs)
            val = -ll / n + pen * np.sum(th**2)
            if not (np.isfinite(val) and np.all(np.isfinite(grad))):
                return np.inf, np.zeros_like(th)
            return val, (-grad / n + 2 * pen * th) * th

        rate = max(x.mean() / max(TT.mean(), 1e-12), 1e-6)
        scale = max(TT.mean(), 1e-6)
        grid = [
            np.log([r0, r0 / rate, s0, s0 * scale * f])
            for r0, s0, f in [(1.0, 1.0, 1.0), (0.5, 0.5, 0.3), (2.0, 2.0, 3.0)]
        ]

        def nll_points(P):  # the fast path, one parameter point at a time
            return -np.array([_pnbd_loglik_total(th, ux, inv, tx, TT, w, pairs) for th in P])

        starts = self._starts(grid, initial_params)
        self._fit_likelihood(
            objective, starts, nll_points, n, hint, jac=True, progress=_auto(progress, x.size)
        )
        self._warn_on_boundary()
        return self

    def _p_alive(self, x, tx, TT):
        _, alive, died = _pnbd_parts(*self._p(), x, tx, TT)
        return special.expit(alive - died)

    def conditional_probability_alive(
        self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> Predicted:
        """P(alive at T | x, t_x, T) = 1 / (1 + s/(r+s+x) (alpha+T)^(r+x) (beta+T)^s A0).

        Fader & Hardie (2005), eq. 36; A0 as in eqs. 19-20. It is 1 where t_x = T.

        Parameters
        ----------
        frequency, recency, T : array-like or scalar
            Repeat purchase days x, time t_x from the first to the last purchase, and time T
            from the first purchase to the end of observation (one value per customer, as
            :func:`crmlab.rfm.rfm_summary` gives them; a scalar is one value for everyone).

        Returns
        -------
        pandas.Series, numpy.ndarray or float
            P(alive) per customer (a Series named ``p_alive`` for Series inputs).
        """
        self._check_fitted()
        x, tx, TT, index = _check_rfm(frequency, recency, T, "ParetoNBD.conditional_probability_alive")
        return _wrap(self._p_alive(x, tx, TT), index, "p_alive")

    def _conditional_expected(self, t, x, tx, TT):
        r, alpha, s, beta = self._p()
        log_y = np.log(beta + TT) - np.log(beta + TT + t)
        level = (r + x) * (beta + TT) / (alpha + TT)
        return level * _one_minus_pow_over(s - 1, log_y) * self._p_alive(x, tx, TT)

    def conditional_expected_number_of_purchases_up_to_time(
        self, t: ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> Predicted:
        """E[Y(t) | x, t_x, T] = (r+x)(beta+T) / ((alpha+T)(s-1)) [1 - ((beta+T)/(beta+T+t))^(s-1)] P(alive).

        Fader & Hardie (2005), eq. 41 (s = 1 is the continuous limit with a log).

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
            Expected repeat purchases in (T, T + t] (a Series named ``expected_purchases`` for
            Series inputs).
        """
        self._check_fitted()
        where = "ParetoNBD.conditional_expected_number_of_purchases_up_to_time"
        t = _check_t(t, where, getattr(self, "time_unit_", None))
        x, tx, TT, index = _check_rfm(frequency, recency, T, where)
        t, x, tx, TT = _broadcast(where, t=t, frequency=x, recency=tx, T=TT)
        return _wrap(self._conditional_expected(t, x, tx, TT), index, "expected_purchases")

    def expected_number_of_purchases_up_to_time(self, t: ArrayLike) -> np.ndarray | float:
        """E[X(t)] for a new customer = r beta / (alpha (s-1)) [1 - (beta/(beta+t))^(s-1)].

        Fader & Hardie (2005), eq. 27.

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
            t, "ParetoNBD.expected_number_of_purchases_up_to_time", getattr(self, "time_unit_", None)
        )
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
        """Discounted expected residual transactions: E[int_T^inf e^{-delta (t - T)} dN(t) | x, t_x, T].

        Fader, Hardie & Lee (2005b) "RFM and CLV: using iso-value curves for customer base
        analysis", JMR 42(4), eq. 2:

            DERT = alpha^r beta^s delta^(s-1) Gamma(r+x+1) U(s, s; delta (beta+T))
                   / [Gamma(r) (alpha+T)^(r+x+1) L(r, alpha, s, beta | x, t_x, T)],

        with U the confluent hypergeometric function of the second kind. Evaluated as the
        equivalent P(alive) (r+x)/(alpha+T) z^s U(s, s, z) / delta, z = delta (beta+T) (the
        posterior mean of lambda / (mu + delta) given alive), in logs; z^s U(s, s, z) by
        :func:`crmlab.btyd._numerics._laplace_power_factor` (< 1e-9 relative). As delta -> 0
        and for s > 1 it tends to the expected lifetime purchases
        (r+x)(beta+T) / ((alpha+T)(s-1)) P(alive); for s <= 1 that is infinite.

        Parameters
        ----------
        frequency, recency, T : array-like or scalar
            Repeat purchase days x, time t_x from the first to the last purchase, and time T
            from the first purchase to the end of observation (one value per customer, as
            :func:`crmlab.rfm.rfm_summary` gives them; a scalar is one value for everyone).
        discount_rate : float
            Continuous discount rate delta > 0 per model time unit: delta = ln(1 + d) / k for an
            annual rate d and k model time units a year (15 % a year in weeks: ln(1.15) / 52 =
            0.00269; FHL 2005b).

        Returns
        -------
        pandas.Series, numpy.ndarray or float
            DERT per customer, in transactions (a Series named ``dert`` for Series inputs);
            multiply by the expected spend per transaction for the residual CLV.
        """
        self._check_fitted()
        where = "ParetoNBD.dert"
        delta = _check_discount_rate(discount_rate, where)
        x, tx, TT, index = _check_rfm(frequency, recency, T, where)
        r, alpha, s, beta = self._p()
        factor = _laplace_power_factor(s, delta * (beta + TT))
        value = self._p_alive(x, tx, TT) * (r + x) / (alpha + TT) * factor / delta
        return _wrap(value, index, "dert")


def simulate_pareto_nbd(
    r: float, alpha: float, s: float, beta: float, T: ArrayLike, seed: int = 0
) -> pd.DataFrame:
    """Simulate the Pareto/NBD for customers observed for T each, vectorised.

    lambda ~ Gamma(r, rate alpha), mu ~ Gamma(s, rate beta), lifetime tau ~ Exp(mu); purchases
    are Poisson(lambda) on (0, min(tau, T)], x ~ Poisson(lambda min(tau, T)) and t_x is the
    largest of x uniforms on that window.

    Parameters
    ----------
    r, alpha, s, beta : float
        The Pareto/NBD parameters (alpha, beta in the time unit of T).
    T : array-like
        Each customer's observation time.
    seed : int
        Seed of numpy's default generator.

    Returns
    -------
    pandas.DataFrame
        frequency, recency, T and the truth: lambda, mu, alive (still alive at T).
    """
    rng = np.random.default_rng(seed)
    T = np.asarray(T, dtype=np.float64).ravel()
    n = T.size
    lam = rng.gamma(r, 1.0 / alpha, n)
    mu = rng.gamma(s, 1.0 / beta, n)
    tau = rng.exponential(1.0 / mu)
    window = np.minimum(tau, T)
    x = rng.poisson(lam * window)
    tx = np.where(x > 0, window * rng.beta(np.maximum(x, 1), 1.0), 0.0)
    return pd.DataFrame({"frequency": x, "recency": tx, "T": T, "lambda": lam, "mu": mu, "alive": tau > T})
