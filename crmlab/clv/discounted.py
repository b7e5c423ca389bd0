"""Deterministic discounted CLV: the four steps, the closed forms and the margin multiple.

CLV is the present value of all future net profit from a customer over the
relationship. Four steps: determine the customer life cycle (who is still a
customer in each period: the survival ``S_t``), compute each period's net
profit ``m_t``, discount it by ``(1 + d)^t``, and sum.

Timing conventions (Gupta & Lehmann 2003, "Customers as assets", J. Interactive
Marketing 17(1); Berger & Nasr 1998, "Customer lifetime value: marketing models
and applications", J. Interactive Marketing 12(1)):

* ``timing="end"`` -- margins arrive at the *end* of periods ``t = 1..H`` and only
  from customers retained that long: ``CLV = sum_t m_t S_t / (1+d)^t`` with
  ``S_t = r_1 r_2 ... r_t``. Constant ``m, r`` and ``H = inf``: ``m r / (1 + d - r)``
  (Gupta & Lehmann's "margin multiple" ``r / (1 + d - r)``).
* ``timing="begin"`` -- margins arrive at the *start* of periods ``t = 0..H-1``; the
  first one is certain and undiscounted: ``CLV = sum_t m_t S_t / (1+d)^t`` with
  ``S_0 = 1``. Constant ``m, r`` and ``H = inf``: ``m (1 + d) / (1 + d - r)``.
* ``horizon`` is the number of margins summed; finite horizons use the geometric
  sums ``m q (1 - q^H) / (1 - q)`` (end) and ``m (1 - q^H) / (1 - q)`` (begin), with
  ``q = r / (1 + d)``.
* The acquisition cost, if any, is paid at ``t = 0`` and subtracted undiscounted.

Retention rates are per period (the share of last period's customers still
customers this period); ``discount_rate`` is per period in the same unit. Money
is in the unit of the margins (CDNOW: US$).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .._validate import check_choice, check_number
from ._checks import Values, as_2d, check_rates, horizon_arg, timing_arg, values

__all__ = ["discounted_clv", "clv_schedule", "margin_multiples"]

_MAX_CELLS = 50_000_000  # customers x periods of the explicit sum


def discounted_clv(
    margins,
    retention,
    discount_rate: float,
    horizon: int | None = None,
    acquisition_cost=0.0,
    timing: str = "end",
    method: str = "auto",
) -> float | pd.Series | np.ndarray:
    """Present value of expected margins: ``CLV = sum_t m_t S_t / (1+d)^t - AC``.

    ``S_t`` is the share of customers still there at ``t`` (product of the retention
    rates up to ``t``); see the module docstring for the two timings. Closed forms
    for constant ``m`` and ``r`` (``q = r / (1 + d)``):

    ======  ===========================  ===========================
    timing  infinite horizon             ``H`` periods
    ======  ===========================  ===========================
    end     ``m r / (1 + d - r)``        ``m q (1 - q^H) / (1 - q)``
    begin   ``m (1 + d) / (1 + d - r)``  ``m (1 - q^H) / (1 - q)``
    ======  ===========================  ===========================

    Sources: Gupta & Lehmann (2003); Berger & Nasr (1998), cases 1-2.

    Parameters
    ----------
    margins : float, array-like, pd.Series or pd.DataFrame
        Net profit (margin) per period of a customer who is still there. A number
        (constant margin); a 1-D list/array (one margin per period, ``t = 1..H`` for end
        timing, ``t = 0..H-1`` for begin timing); a ``pd.Series`` (one constant margin per
        customer, index = customer_id); or a 2-D array / DataFrame (one row per customer
        or cohort, one column per period).
    retention : float, array-like, pd.Series, pd.DataFrame or ShiftedBetaGeometric
        Per-period retention rate(s) in [0, 1], with the same shapes: number, 1-D per
        period (element ``k`` is the rate at the ``k``-th renewal; with begin timing the
        last one is never needed), Series per customer, or 2-D customer x period. A fitted
        :class:`crmlab.btyd.ShiftedBetaGeometric` gives the cohort's retention curve
        r(t) = (beta + t - 1) / (alpha + beta + t - 1) (Fader & Hardie 2007), rising as the
        less loyal leave; with an infinite horizon its closed form through DERL (Fader &
        Hardie 2010): m DERL(d) / (1 + d) (end timing).
    discount_rate : float
        Per-period discount rate ``d`` (> -1; >= 0 typical).
    horizon : int or None
        Number of margins summed; ``None`` = infinite when every input is constant over
        time, else the number of periods given.
    acquisition_cost : float or pd.Series
        Paid at ``t = 0``, subtracted (number or Series per customer).
    timing : {"end", "begin"}
    method : {"auto", "sum", "closed"}
        "auto": closed form when inputs are constant over time, else the sum; "sum":
        always the explicit sum (an infinite horizon is summed until ``q^t < 1e-15``);
        "closed": closed form (ValueError if none exists).

    Returns
    -------
    float, pd.Series or np.ndarray
        A float for scalar / per-period inputs, a Series named ``clv`` indexed like the
        per-customer input, or a 1-D array for a 2-D array input. Money in the unit of
        ``margins``.
    """
    where = "discounted_clv"
    timing = timing_arg(timing, where)
    check_choice("method", method, ("auto", "sum", "closed"), where=where)
    d = check_number("discount_rate", discount_rate, lo=-1.0, lo_open=True, where=where)
    horizon = horizon_arg(horizon, where, allow_none=True)
    if _is_sbg(retention):
        retention, closed = _sbg_retention(retention, margins, d, horizon, timing, acquisition_cost, where)
        if closed is not None:
            return closed
    m = values("margins", margins, where)
    r = values("retention", retention, where)
    ac = values("acquisition_cost", acquisition_cost, where)
    if ac.kind not in ("scalar", "customer"):
        raise ValueError(f"{where}: acquisition_cost must be a number or a Series per customer")
    check_rates("retention", r.arr, where)
    n, index = _customer_axis((m, r, ac), where)
    periods = _period_axis((m, r), horizon, where)
    H = horizon if periods is None else periods
    constant = periods is None
    if method == "closed" and not constant:
        raise ValueError(f"{where}: no closed form: margins or retention vary over periods")
    M, R = as_2d(m), as_2d(r)
    if H is None and np.any(R >= 1 + d):
        raise ValueError(
            f"{where}: an infinite horizon needs retention < 1 + discount_rate (here d={d}); the sum diverges"
        )
    if constant and method in ("auto", "closed"):
        value = _closed_form(M[:, 0], R[:, 0], d, H, timing)
    else:
        value = _explicit_sum(M, R, d, H, timing, where)
    value = value - as_2d(ac)[:, 0]
    return _shaped(value, n, index)


def _is_sbg(retention) -> bool:
    from ..btyd import ShiftedBetaGeometric  # clv imports btyd, never the reverse

    return isinstance(retention, ShiftedBetaGeometric)


def _sbg_retention(model, margins, d: float, horizon, timing: str, acquisition_cost, where: str):
    """Retention rates r(t) = (beta+t-1)/(alpha+beta+t-1) of a fitted sBG for the horizon, or
    (None, the closed form) for an infinite horizon with constant margins:

    end timing   CLV = m sum_{t>=1} S(t)/(1+d)^t = m DERL(d | 0 renewals) / (1+d),
    begin timing CLV = m sum_{t>=0} S(t)/(1+d)^t = m (1 + DERL(d | 0 renewals) / (1+d)),

    with DERL of Fader & Hardie (2010) (:meth:`crmlab.btyd.ShiftedBetaGeometric.derl`).
    """
    model._check_fitted()
    periods = np.shape(margins)[-1] if np.ndim(margins) >= 1 and not isinstance(margins, pd.Series) else None
    H = horizon if horizon is not None else periods
    if H is None:
        if d <= 0:
            raise ValueError(f"{where}: an infinite horizon with sBG retention needs discount_rate > 0")
        factor = float(model.derl(d, 0)) / (1.0 + d)
        factor = factor if timing == "end" else 1.0 + factor
        m = values("margins", margins, where)
        ac = values("acquisition_cost", acquisition_cost, where)
        n, index = _customer_axis((m, ac), where)
        return None, _shaped(as_2d(m)[:, 0] * factor - as_2d(ac)[:, 0], n, index)
    return np.asarray(model.retention_rate(np.arange(1, int(H) + 1)), dtype=np.float64), None


def _customer_axis(inputs: tuple[Values, ...], where: str) -> tuple[int | None, pd.Index | None]:
    """Number of customers and their index: sizes and indexes must agree across inputs."""
    index, n = None, None
    for v in inputs:
        if v.kind not in ("customer", "table"):
            continue
        size = np.shape(v.arr)[0]
        if n is not None and size != n:
            raise ValueError(f"{where}: {v.name} has {size} customers, other inputs have {n}")
        n = size
        if v.index is None:
            continue
        if index is not None and not index.equals(v.index):
            raise ValueError(
                f"{where}: the customer indexes of the inputs differ; align them first (e.g. with .reindex)"
            )
        index = v.index
    return n, index


def _period_axis(inputs: tuple[Values, ...], horizon: int | None, where: str) -> int | None:
    """Number of periods the per-period inputs give (None when all are constant over time)."""
    periods = None
    for v in inputs:
        if v.kind not in ("period", "table"):
            continue
        size = np.shape(v.arr)[-1]
        if periods is not None and size != periods:
            raise ValueError(f"{where}: margins and retention give {periods} and {size} periods")
        periods = size
    if periods is not None and horizon is not None and horizon != periods:
        raise ValueError(
            f"{where}: horizon={horizon} but the inputs give {periods} periods; "
            "drop horizon or give one value per period"
        )
    return periods


def _closed_form(m: np.ndarray, r: np.ndarray, d: float, H: int | None, timing: str) -> np.ndarray:
    """Geometric sums for constant ``m`` and ``r`` (module docstring)."""
    q = r / (1.0 + d)
    lead = q if timing == "end" else np.ones_like(q)
    if H is None:
        return m * lead / (1.0 - q)
    at_one = np.abs(1.0 - q) < 1e-12  # r = 1 + d: every term is m
    q_safe = np.where(at_one, 0.0, q)
    geo = np.where(at_one, float(H), (1.0 - q_safe**H) / (1.0 - q_safe))
    return m * lead * geo


def _explicit_sum(M: np.ndarray, R: np.ndarray, d: float, H: int | None, timing: str, where: str):
    """``sum_t m_t S_t (1+d)^-t`` period by period; an infinite horizon until ``q^t < 1e-15``."""
    if H is None:
        qmax = float(np.max(R)) / (1.0 + d)
        H = 1 if qmax == 0 else int(math.ceil(math.log(1e-15) / math.log(qmax))) + 1
    rows = max(M.shape[0], R.shape[0])
    if rows * H > _MAX_CELLS:
        raise ValueError(
            f"{where}: {rows} x {H} periods is too large for the explicit sum; "
            "use method='auto' (closed form) or a shorter horizon"
        )
    M = np.broadcast_to(M, (M.shape[0], H))
    R = np.broadcast_to(R, (R.shape[0], H))
    _, S, disc = _survival_discount(R, d, timing)
    return (M * S * disc).sum(axis=1)


def _shaped(value: np.ndarray, n: int | None, index: pd.Index | None):
    """A float for one customer, else an array or a Series named ``clv``."""
    if n is None:
        return float(value[0])
    value = np.broadcast_to(value, (n,)).astype(np.float64)
    if index is not None:
        return pd.Series(value, index=index, name="clv")
    return value


def _survival_discount(R: np.ndarray, d: float, timing: str):
    """Periods t, survival S_t and discount factors for H periods; R is (rows, H)."""
    H = R.shape[1]
    if timing == "end":
        t = np.arange(1, H + 1)
        S = np.cumprod(R, axis=1)
    else:
        t = np.arange(H)
        S = np.concatenate([np.ones((R.shape[0], 1)), np.cumprod(R[:, :-1], axis=1)], axis=1)
    return t, S, (1.0 + d) ** -t.astype(np.float64)


def _schedule_periods(m: Values, r: Values, horizon: int | None, where: str) -> int:
    """Number of periods of a one-customer schedule (a finite horizon is required)."""
    for v in (m, r):
        if v.kind not in ("scalar", "period"):
            raise ValueError(
                f"{where}: {v.name} must be a number or 1-D per period (one customer "
                "or cohort); use discounted_clv for many customers"
            )
    lengths = {np.size(v.arr) for v in (m, r) if v.kind == "period"}
    if len(lengths) > 1:
        raise ValueError(f"{where}: margins and retention give different numbers of periods {lengths}")
    H = lengths.pop() if lengths else horizon
    if H is None:
        raise ValueError(f"{where}: give a horizon (the schedule of an infinite horizon is endless)")
    if horizon is not None and horizon != H:
        raise ValueError(f"{where}: horizon={horizon} but the inputs give {H} periods")
    return H


def clv_schedule(
    margins, retention, discount_rate: float, horizon: int | None = None, timing: str = "end"
) -> pd.DataFrame:
    """The four steps of CLV, one row per period: life cycle, net profit, discount, sum.

    ``present_value_t = m_t S_t (1+d)^-t``; the last ``cumulative_clv`` equals
    :func:`discounted_clv` with the same arguments (Gupta & Lehmann 2003).

    Parameters
    ----------
    margins : float or array-like
        Net profit per period of one customer or cohort still there: a number or 1-D per
        period.
    retention : float or array-like
        Per-period retention rate(s) in [0, 1]: a number or 1-D per period.
    discount_rate : float
        Per-period discount rate (> -1).
    horizon : int or None
        Number of periods; required when both ``margins`` and ``retention`` are numbers.
    timing : {"end", "begin"}

    Returns
    -------
    pd.DataFrame
        Index ``period`` (1..H for end timing, 0..H-1 for begin); columns ``margin`` (m_t),
        ``retention`` (r_t), ``survival`` (S_t, share of the customers still there),
        ``discount_factor`` ((1+d)^-t), ``expected_margin`` (m_t S_t), ``present_value``
        and ``cumulative_clv``.
    """
    where = "clv_schedule"
    timing = timing_arg(timing, where)
    d = check_number("discount_rate", discount_rate, lo=-1.0, lo_open=True, where=where)
    horizon = horizon_arg(horizon, where, allow_none=True)
    m = values("margins", margins, where)
    r = values("retention", retention, where)
    H = _schedule_periods(m, r, horizon, where)
    check_rates("retention", r.arr, where)
    M = np.broadcast_to(as_2d(m), (1, H))
    R = np.broadcast_to(as_2d(r), (1, H))
    t, S, disc = _survival_discount(R, d, timing)
    pv = M[0] * S[0] * disc
    return pd.DataFrame(
        {
            "margin": M[0],
            "retention": R[0],
            "survival": S[0],
            "discount_factor": disc,
            "expected_margin": M[0] * S[0],
            "present_value": pv,
            "cumulative_clv": np.cumsum(pv),
        },
        index=pd.Index(t, name="period"),
    )


def margin_multiples(retention, discount_rate, timing: str = "end") -> pd.DataFrame:
    """Gupta & Lehmann's margin multiple: CLV per unit of constant margin, infinite horizon.

    ``r / (1 + d - r)`` (end timing) or ``(1 + d) / (1 + d - r)`` (begin timing)
    (Gupta & Lehmann 2003, table 2).

    Parameters
    ----------
    retention : float or array-like
        Retention rate(s) per period in [0, 1].
    discount_rate : float or array-like
        Discount rate(s) per period; ``r < 1 + d`` for every pair.
    timing : {"end", "begin"}

    Returns
    -------
    pd.DataFrame
        One row per retention rate, one column per discount rate; dimensionless
        (multiply by the margin).
    """
    where = "margin_multiples"
    timing = timing_arg(timing, where)
    r = np.atleast_1d(np.asarray(retention, dtype=np.float64))
    d = np.atleast_1d(np.asarray(discount_rate, dtype=np.float64))
    if r.ndim != 1 or d.ndim != 1 or not (np.all(np.isfinite(r)) and np.all(np.isfinite(d))):
        raise ValueError(f"{where}: retention and discount_rate must be finite numbers or 1-D lists")
    check_rates("retention", r, where)
    if np.any(d[None, :] + 1 - r[:, None] <= 0):
        raise ValueError(f"{where}: an infinite horizon needs retention < 1 + discount_rate")
    num = r[:, None] if timing == "end" else (1 + d)[None, :]
    out = num / (1 + d[None, :] - r[:, None])
    return pd.DataFrame(out, index=pd.Index(r, name="retention"), columns=pd.Index(d, name="discount_rate"))
