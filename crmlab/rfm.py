"""Recency, frequency, monetary value: the per-customer summary every BTYD model starts from.

Conventions follow Fader & Hardie (and the lifetimes package):

* purchases on the same day count once (amounts are summed for that day);
* ``frequency`` = number of *repeat* purchase days (first purchase excluded);
* ``recency``   = time from the first to the last purchase;
* ``T``         = time from the first purchase to the end of observation;
* ``monetary_value`` = mean value of the repeat purchase days, 0 where frequency is 0.

Times are in ``time_unit``: ``"D"`` days, ``"W"`` weeks (7 days), ``"M"`` months
(365.25 / 12 days) or ``"Y"`` years (365.25 days), measured in days and divided, so
a first purchase on 1997-01-01 observed to 1997-09-30 has T = 272 / 7 = 38.86 weeks.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["TIME_UNITS", "rfm_summary"]

TIME_UNITS = {"D": 1.0, "W": 7.0, "M": 365.25 / 12.0, "Y": 365.25}


def _unit_days(time_unit: str) -> float:
    try:
        return TIME_UNITS[time_unit]
    except KeyError:
        raise ValueError(f"time_unit must be one of {sorted(TIME_UNITS)}, not {time_unit!r}") from None


def _daily(customer_codes: np.ndarray, days: np.ndarray, amounts: np.ndarray):
    """Collapse to one row per (customer, day), sorted by customer then day."""
    day0 = days.min()
    span = np.int64(days.max() - day0 + 1)
    key = customer_codes.astype(np.int64) * span + (days - day0)
    order = np.argsort(key, kind="stable")
    key = key[order]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    amount = np.add.reduceat(amounts[order], starts) if len(starts) else amounts[:0]
    ukey = key[starts]
    return ukey // span, ukey % span + day0, amount


def _per_customer(cust: np.ndarray, day: np.ndarray, amount: np.ndarray, n_customers: int):
    """First day, last day, number of days, repeat monetary value per customer code."""
    starts = np.flatnonzero(np.r_[True, cust[1:] != cust[:-1]])
    ends = np.r_[starts[1:], len(cust)] - 1
    codes = cust[starts]
    n_days = ends - starts + 1
    total = np.add.reduceat(amount, starts)
    first_amount = amount[starts]
    repeat = n_days - 1
    monetary = np.divide(total - first_amount, repeat, out=np.zeros(len(codes)), where=repeat > 0)
    out_first = np.full(n_customers, np.iinfo(np.int64).min)
    out_last = np.full(n_customers, np.iinfo(np.int64).min)
    out_freq = np.zeros(n_customers, dtype=np.int64)
    out_mon = np.zeros(n_customers)
    out_first[codes] = day[starts]
    out_last[codes] = day[ends]
    out_freq[codes] = repeat
    out_mon[codes] = monetary
    present = np.zeros(n_customers, dtype=bool)
    present[codes] = True
    return out_first, out_last, out_freq, out_mon, present


def rfm_summary(transactions: pd.DataFrame, observation_end=None, time_unit: str = "W",
                calibration_end=None) -> pd.DataFrame:
    """One row per customer: frequency, recency, T, monetary_value (BTYD convention).

    Parameters
    ----------
    transactions : canonical transactions table (``customer_id``, ``date``, ``amount``).
    observation_end : last day observed (inclusive; default: the last transaction date).
        Later transactions are ignored.
    time_unit : "D", "W", "M" or "Y" for recency and T.
    calibration_end : if given, frequency / recency / T / monetary_value describe the
        calibration period (purchases up to and including this day; customers whose
        first purchase is later are left out) and ``frequency_holdout`` (repeat purchase
        days after it, up to ``observation_end``), ``monetary_value_holdout`` (their mean
        value, 0 where none) and ``duration_holdout`` are added.

    Source: Fader, Hardie & Lee (2005) "Counting your customers the easy way";
    lifetimes' ``summary_data_from_transaction_data`` (freq="D", freq_multiplier=7).
    """
    unit = _unit_days(time_unit)
    for col in ("customer_id", "date", "amount"):
        if col not in transactions.columns:
            raise ValueError(f"rfm_summary: transactions need a {col!r} column; found "
                             f"{list(transactions.columns)}")
    days = transactions["date"].to_numpy().astype("datetime64[D]").astype(np.int64)
    end_day = days.max() if observation_end is None else \
        np.datetime64(pd.Timestamp(observation_end).date(), "D").astype(np.int64)
    keep = days <= end_day
    codes, uniques = pd.factorize(transactions["customer_id"].to_numpy()[keep], sort=False)
    days = days[keep]
    amounts = transactions["amount"].to_numpy(dtype=np.float64)[keep]
    if len(days) == 0:
        raise ValueError("rfm_summary: no transactions on or before the observation end")
    cust, day, amount = _daily(codes, days, amounts)
    n = len(uniques)

    if calibration_end is None:
        first, last, freq, mon, present = _per_customer(cust, day, amount, n)
        cal_end = end_day
    else:
        cal_end = np.datetime64(pd.Timestamp(calibration_end).date(), "D").astype(np.int64)
        if cal_end >= end_day:
            raise ValueError("rfm_summary: calibration_end must be before observation_end")
        in_cal = day <= cal_end
        first, last, freq, mon, present = _per_customer(cust[in_cal], day[in_cal], amount[in_cal], n)
        hold = ~in_cal & present[cust]
        freq_h = np.bincount(cust[hold], minlength=n)
        spend_h = np.bincount(cust[hold], weights=amount[hold], minlength=n)
        mon_h = np.divide(spend_h, freq_h, out=np.zeros(n), where=freq_h > 0)

    out = pd.DataFrame({
        "frequency": freq,
        "recency": (last - first) / unit,
        "T": (cal_end - first) / unit,
        "monetary_value": mon,
    }, index=pd.Index(uniques, name="customer_id"))
    if calibration_end is not None:
        out["frequency_holdout"] = freq_h
        out["monetary_value_holdout"] = mon_h
        out["duration_holdout"] = (end_day - cal_end) / unit
        out = out[present]
    return out
