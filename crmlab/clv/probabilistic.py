"""Customer lifetime value from the probabilistic models: a transaction model times a spend model.

CLV = sum_{k=1..time} E[Z | x, m] * (E[Y(k dt) | x, t_x, T] - E[Y((k-1) dt) | x, t_x, T])
                      / (1 + discount_rate)^k,

with E[Y] the expected repeat purchases of a fitted BG/NBD or Pareto/NBD
(:class:`crmlab.btyd.BetaGeo`, :class:`crmlab.btyd.ParetoNBD`) and E[Z] the expected spend per
purchase of a fitted Gamma-Gamma (:class:`crmlab.btyd.GammaGamma`). Source: Fader, Hardie & Lee
(2005b) "RFM and CLV: using iso-value curves for customer base analysis", JMR 42(4); the monthly
scheme follows lifetimes' ``customer_lifetime_value`` (Davidson-Pilon). This module imports
from :mod:`crmlab.btyd`; ``crmlab.btyd`` never imports it at module level.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..btyd import BetaGeo, GammaGamma, ParetoNBD
from ..btyd._checks import _check_rfm, _wrap
from ..btyd.gamma_gamma import DAYS_PER_MONTH

__all__ = ["customer_lifetime_value"]


def _check_clv_arguments(transaction_model, spend_model, time, discount_rate, freq_days, where: str) -> None:
    if not isinstance(transaction_model, (BetaGeo, ParetoNBD)):
        raise ValueError(
            f"{where}: transaction_model must be a fitted BetaGeo or ParetoNBD, "
            f"got {type(transaction_model).__name__}"
        )
    if not isinstance(spend_model, GammaGamma):
        raise ValueError(
            f"{where}: spend_model must be a fitted GammaGamma, got {type(spend_model).__name__}"
        )
    transaction_model._check_fitted()
    spend_model._check_fitted()
    if int(time) != time or time < 1:
        raise ValueError(f"{where}: time is a whole number of months >= 1, got {time!r}")
    if not np.isfinite(discount_rate) or discount_rate <= -1:
        raise ValueError(f"{where}: discount_rate is a monthly rate > -1 (e.g. 0.01), got {discount_rate!r}")
    if not np.isfinite(freq_days) or freq_days <= 0:
        raise ValueError(
            f"{where}: freq_days is the length of the model's time unit in days (7 for weeks), "
            f"got {freq_days!r}"
        )


def customer_lifetime_value(
    transaction_model: BetaGeo | ParetoNBD,
    spend_model: GammaGamma,
    frequency,
    recency,
    T,
    monetary_value,
    time: int = 12,
    discount_rate: float = 0.01,
    freq_days: float = 7,
    days_per_month: float = DAYS_PER_MONTH,
    *,
    where: str = "customer_lifetime_value",
) -> pd.Series | np.ndarray | float:
    """Discounted expected value of each customer's next ``time`` months, in currency units.

    CLV = sum_{k=1..time} E[Z | x, m] * (E[Y(k dt) | x, t_x, T] - E[Y((k-1) dt) | x, t_x, T])
                          / (1 + discount_rate)^k,
    with dt = days_per_month / freq_days time units (one month). As in lifetimes'
    ``customer_lifetime_value``: monthly steps, each month's expected purchases times expected
    spend, discounted at the end of the month with the *monthly* rate ``discount_rate``. A month
    is 365.25 / 12 days (lifetimes uses 30 days for freq="D" and 4.345 weeks for "W": pass
    days_per_month=30 or 4.345 * 7 to reproduce it exactly). Source: Fader, Hardie & Lee
    (2005b); lifetimes (Davidson-Pilon).

    Parameters
    ----------
    transaction_model : BetaGeo or ParetoNBD
        Fitted (or built with ``from_params``) model of repeat purchasing.
    spend_model : GammaGamma
        Fitted model of spend per purchase.
    frequency, recency, T : array-like or scalar
        The per-customer summary in the transaction model's time unit (as fitted).
    monetary_value : array-like or scalar
        Mean value of the repeat purchases (ignored where frequency is 0).
    time : int
        Horizon in months (>= 1).
    discount_rate : float
        Monthly discount rate (> -1), applied at each month's end.
    freq_days : float
        Length in days of the time unit the models were fitted in (7 for weeks, 1 for days).
    days_per_month : float
        Days in a month (default 365.25 / 12).

    Returns
    -------
    pandas.Series, numpy.ndarray or float
        One CLV per customer (a Series named ``clv`` with the summary's index when the inputs
        are Series; a float for scalar inputs).
    """
    _check_clv_arguments(transaction_model, spend_model, time, discount_rate, freq_days, where)
    x, tx, TT, index = _check_rfm(frequency, recency, T, where)
    spend = np.asarray(
        spend_model.conditional_expected_average_profit(frequency, monetary_value), dtype=np.float64
    )
    shape = np.broadcast_shapes(x.shape, spend.shape)
    x, tx, TT, spend = (np.broadcast_to(v, shape).ravel() for v in (x, tx, TT, spend))
    step = float(days_per_month) / float(freq_days)
    horizons = (np.arange(int(time) + 1) * step)[:, None]
    cum = transaction_model._conditional_expected(horizons, x[None, :], tx[None, :], TT[None, :])
    monthly = np.diff(cum, axis=0)
    discount = (1.0 + discount_rate) ** -np.arange(1, int(time) + 1)
    clv = ((discount @ monthly) * spend).reshape(shape)
    return _wrap(clv, index, "clv")
