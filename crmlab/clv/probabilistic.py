"""Customer lifetime value from the probabilistic models: a transaction model times a spend model.

CLV_i = margin * E[Z_i | x, m] * sum_{k=1..K} (E[Y_i(t_k) | x, t_x, T] - E[Y_i(t_{k-1}) | x, t_x, T])
        * exp(-delta t_k),   t_k = min(k dt, H),

with E[Y] the expected repeat purchases of a fitted transaction model (BG/NBD, Pareto/NBD, MBG/NBD:
:mod:`crmlab.btyd`), E[Z] the expected spend per purchase of a fitted Gamma-Gamma, H the horizon,
dt the step (a month by default) and delta the continuous discount rate per model time unit. With
an infinite horizon and a model that has ``dert`` (Pareto/NBD, BG/NBD) the sum becomes the
integral margin E[Z] DERT(delta) (Fader, Hardie & Lee 2005b, "RFM and CLV: using iso-value curves
for customer base analysis", JMR 42(4)). Every time is converted from what the user states (the
summary's unit, "12 months", an annual rate) by :mod:`crmlab.units`, so a day-, week- or
month-unit summary gives the same CLV. This module imports from :mod:`crmlab.btyd`;
``crmlab.btyd`` never imports it at module level.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..btyd import GammaGamma, LikelihoodModel
from ..btyd._checks import _check_rfm, _wrap
from ..units import TIME_UNITS, discount_per_unit, model_time_unit, to_model_units

__all__ = ["customer_lifetime_value"]

_SUMMARY_COLUMNS = ("frequency", "recency", "T", "monetary_value")


def _check_models(transaction_model, spend_model, where: str) -> None:
    if not isinstance(transaction_model, LikelihoodModel) or not hasattr(
        transaction_model, "_conditional_expected"
    ):
        raise ValueError(
            f"{where}: transaction_model must be a fitted BetaGeo or ParetoNBD (or ModifiedBetaGeo), "
            f"got {type(transaction_model).__name__}"
        )
    if not isinstance(spend_model, GammaGamma):
        raise ValueError(
            f"{where}: spend_model must be a fitted GammaGamma, got {type(spend_model).__name__}"
        )
    transaction_model._check_fitted()
    spend_model._check_fitted()


def _discounted_value(transaction_model, spend, x, tx, TT, horizon: float, step: float, delta: float):
    """sum_k spend (E[Y(t_k)] - E[Y(t_{k-1})]) e^{-delta t_k}, t_k = min(k step, horizon); arrays."""
    if math.isinf(horizon):
        if not hasattr(transaction_model, "dert"):
            raise ValueError(
                f"customer_lifetime_value: an infinite horizon needs DERT, which "
                f"{type(transaction_model).__name__} does not offer; give a finite horizon"
            )
        if delta <= 0:
            raise ValueError("customer_lifetime_value: an infinite horizon needs a discount rate > 0")
        return spend * np.asarray(transaction_model.dert(x, tx, TT, delta), dtype=np.float64)
    n_steps = max(1, math.ceil(horizon / step - 1e-9))
    ends = np.minimum(np.arange(n_steps + 1) * step, horizon)[:, None]
    cum = transaction_model._conditional_expected(ends, x[None, :], tx[None, :], TT[None, :])
    discount = np.exp(-delta * ends[1:, 0])
    return spend * (discount @ np.diff(cum, axis=0))


def customer_lifetime_value(
    transaction_model: LikelihoodModel,
    spend_model: GammaGamma,
    summary: pd.DataFrame,
    horizon="12 months",
    discount_rate: float = 0.10,
    margin=1.0,
    *,
    discount_period="year",
    compounding: str = "discrete",
    step="1 month",
    time_unit: str | None = None,
) -> pd.Series:
    """Discounted expected margin of each customer over ``horizon``, in currency units.

    CLV_i = margin * E[Z_i | x, m] * sum_{k=1..K} (E[Y_i(t_k)] - E[Y_i(t_{k-1})]) e^{-delta t_k},
    t_k = min(k dt, H), K = ceil(H / dt): each step's expected repeat purchases (the transaction
    model's conditional expectation, FHL 2005a eq. 10) times the expected spend per purchase
    (Gamma-Gamma, Fader & Hardie 2013 eq. 5), discounted at the step's end. With
    ``horizon=float("inf")``: margin * E[Z] * DERT(delta) (FHL 2005b eq. 2), for models with ``dert``.

    Units, all converted exactly (:mod:`crmlab.units`; a month is 365.25 / 12 days): the summary
    and the transaction model carry their unit (``summary.attrs["time_unit"]``, ``time_unit_``);
    they must agree, and at least one must say it (or ``time_unit=``). An annual rate d with
    k model units a year is delta = ln(1 + d) / k per unit (continuous, as CLVTools documents),
    i.e. (1 + d)^(1/k) - 1 discrete: 10 % a year in weeks is delta = ln(1.1) / 52.18 = 0.001827.
    So the same customers valued from day-, week- and month-unit summaries agree. lifetimes'
    scheme (a *monthly* rate at each month's end, freq="W") is ``discount_period="month"``; its
    4.345-week month is ``step="4.345 weeks", discount_period="4.345 weeks"``.

    Parameters
    ----------
    transaction_model : BetaGeo, ParetoNBD or ModifiedBetaGeo
        Fitted (or ``from_params``) on ``summary``'s customers, in the summary's unit.
    spend_model : GammaGamma
        Fitted model of spend per purchase.
    summary : pandas.DataFrame
        :func:`crmlab.rfm.rfm_summary`'s output: frequency, recency, T, monetary_value.
    horizon : str, pandas.Timedelta, pandas.DateOffset or float
        "12 months" (default), "3 years", ``pd.DateOffset(years=1)``...; a number is in the
        model's unit; ``float("inf")``: the whole residual lifetime (DERT).
    discount_rate : float
        The rate per ``discount_period`` (10 % a year by default).
    margin : float or pandas.Series
        Share of spend kept as margin (1: CLV in revenue), or one value per customer.
    discount_period : str, pandas.Timedelta or pandas.DateOffset
        The period ``discount_rate`` is stated for ("year", "month", ...).
    compounding : str
        "discrete" (default: (1 + d) per period) or "continuous" (``discount_rate`` is delta).
    step : str, pandas.Timedelta or pandas.DateOffset
        Length of the discounting steps ("1 month"; "1 day" approaches continuous discounting).
    time_unit : str, optional
        The unit of the summary and model when neither records it ("D", "W", "M", "Y").

    Returns
    -------
    pandas.Series
        CLV per customer, named ``clv``, on the summary's index; ``attrs`` hold time_unit,
        horizon and step (model units), delta (continuous rate per model unit).

    Raises
    ------
    ValueError
        For models of the wrong kind, an unknown or mixed time unit (both units named), a
        horizon or rate that cannot be read.
    crmlab.exceptions.NotFittedError
        For a model that is not fitted.
    """
    where = "customer_lifetime_value"
    _check_models(transaction_model, spend_model, where)
    if not isinstance(summary, pd.DataFrame):
        raise TypeError(
            f"{where}: summary must be rfm_summary's DataFrame (frequency, recency, T, monetary_value), "
            f"not {type(summary).__name__}"
        )
    missing = [c for c in _SUMMARY_COLUMNS if c not in summary.columns]
    if missing:
        raise ValueError(f"{where}: summary lacks {missing}; it needs {list(_SUMMARY_COLUMNS)}")
    unit = model_time_unit(transaction_model, summary, where=where, time_unit=time_unit)
    H = to_model_units(horizon, unit, where, "horizon")
    dt = to_model_units(step, unit, where, "step")
    if dt <= 0 or math.isinf(dt):
        raise ValueError(f"{where}: step={step!r} must be a positive, finite length of time")
    _, delta = discount_per_unit(discount_rate, unit, discount_period, compounding, where)
    x, tx, TT, _ = _check_rfm(summary["frequency"], summary["recency"], summary["T"], where)
    spend = np.asarray(
        spend_model.conditional_expected_average_profit(summary["frequency"], summary["monetary_value"]),
        dtype=np.float64,
    )
    value = _discounted_value(transaction_model, spend, x, tx, TT, H, dt, delta)
    if isinstance(margin, pd.Series):
        margin = margin.reindex(summary.index).to_numpy(dtype=np.float64)
    out = pd.Series(value * np.asarray(margin, dtype=np.float64), index=summary.index, name="clv")
    out.attrs.update(time_unit=unit, horizon=H, step=dt, delta=delta)
    return out


def _monthly_clv(
    transaction_model,
    spend_model,
    frequency,
    recency,
    T,
    monetary_value,
    time: int,
    discount_rate: float,
    freq_days: float | None,
    days_per_month: float,
    where: str,
):
    """lifetimes' CLV scheme on arrays (``GammaGamma.customer_lifetime_value``): the unit-safe core.

    ``time`` months of ``days_per_month`` days, a *monthly* ``discount_rate`` at each month's end;
    ``freq_days`` (days per model unit) is read from the model's ``time_unit_`` when None, and a
    stated value that contradicts it is a ValueError naming both.

    Parameters
    ----------
    transaction_model, spend_model : fitted models
        As :func:`customer_lifetime_value`.
    frequency, recency, T, monetary_value : array-like or scalar
        The summary's columns.
    time : int
        Months ahead (>= 1).
    discount_rate : float
        Monthly rate (> -1).
    freq_days : float or None
        Days per model time unit (7 for weeks); None: from the model.
    days_per_month : float
        Days per month.
    where : str
        The caller, for messages.

    Returns
    -------
    pandas.Series, numpy.ndarray or float
        CLV per customer (a Series named ``clv`` for Series inputs, a float for scalars).

    Raises
    ------
    ValueError
        For bad arguments or a ``freq_days`` that contradicts the model's unit.
    """
    _check_models(transaction_model, spend_model, where)
    if int(time) != time or time < 1:
        raise ValueError(f"{where}: time is a whole number of months >= 1, got {time!r}")
    if not np.isfinite(discount_rate) or discount_rate <= -1:
        raise ValueError(f"{where}: discount_rate is a monthly rate > -1 (e.g. 0.01), got {discount_rate!r}")
    unit = getattr(transaction_model, "time_unit_", None)
    if freq_days is None:
        if unit is None:
            raise ValueError(
                f"{where}: the model's time unit is unknown: pass freq_days (7 for weeks) or build "
                "it with from_params(time_unit=...)"
            )
        freq_days = TIME_UNITS[unit]
    if not np.isfinite(freq_days) or freq_days <= 0:
        raise ValueError(
            f"{where}: freq_days is the length of the model's time unit in days (7 for weeks), "
            f"got {freq_days!r}"
        )
    if unit is not None and not math.isclose(freq_days, TIME_UNITS[unit], rel_tol=1e-12):
        raise ValueError(
            f"{where}: freq_days={freq_days!r} but the model was fitted in {unit!r} "
            f"({TIME_UNITS[unit]:g} days a unit); drop freq_days or pass {TIME_UNITS[unit]:g}"
        )
    x, tx, TT, index = _check_rfm(frequency, recency, T, where)
    spend = np.asarray(
        spend_model.conditional_expected_average_profit(frequency, monetary_value), dtype=np.float64
    )
    shape = np.broadcast_shapes(x.shape, spend.shape)
    x, tx, TT, spend = (np.broadcast_to(v, shape).ravel() for v in (x, tx, TT, spend))
    step = float(days_per_month) / float(freq_days)
    delta = math.log1p(discount_rate) / step
    value = _discounted_value(transaction_model, spend, x, tx, TT, int(time) * step, step, delta)
    return _wrap(value.reshape(shape), index, "clv")
