"""Time units of the per-customer summary and of the models fitted on it: one home.

A summary from :func:`crmlab.rfm.rfm_summary` measures recency and T in a ``time_unit`` and
records it in ``summary.attrs["time_unit"]`` (its columns carry it too); a BTYD model fitted on
it records the same unit in ``time_unit_``. Lengths in days: a day 1, a week 7, a month
365.25 / 12 = 30.4375 and a year 365.25 (the Julian year, as CLVTools and pandas' ``"YS"``
arithmetic on average).
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

from ._validate import check_choice

__all__ = [
    "TIME_UNITS",
    "check_time_unit",
    "time_unit_of",
    "model_time_unit",
    "summary_attrs",
    "to_days",
    "to_model_units",
    "discount_per_unit",
]

TIME_UNITS = {"D": 1.0, "W": 7.0, "M": 365.25 / 12.0, "Y": 365.25}


def check_time_unit(time_unit: str, where: str) -> str:
    """``time_unit`` if it is one of :data:`TIME_UNITS`, else a ValueError naming ``where``.

    Parameters
    ----------
    time_unit : str
        "D", "W", "M" or "Y".
    where : str
        The caller, for the message.

    Returns
    -------
    str
        The unit.
    """
    return check_choice("time_unit", time_unit, sorted(TIME_UNITS), where=where)


def time_unit_of(*inputs, where: str, time_unit: str | None = None) -> str | None:
    """The time unit of a summary's columns: ``time_unit`` if given, else their ``attrs``.

    Parameters
    ----------
    *inputs : objects
        Columns or frames; those with ``attrs["time_unit"]`` (set by ``rfm_summary``) say it.
    where : str
        The caller, for the message.
    time_unit : str, optional
        The unit the user states; it must agree with the one the inputs carry.

    Returns
    -------
    str or None
        The unit, or None when neither the user nor the inputs say it.

    Raises
    ------
    ValueError
        When inputs carry different units, or the stated unit is not theirs (both named).
    """
    found = sorted({u for v in inputs if (u := getattr(v, "attrs", {}).get("time_unit")) is not None})
    if len(found) > 1:
        raise ValueError(f"{where}: the inputs come from summaries in different time units {found}")
    if time_unit is None:
        return found[0] if found else None
    time_unit = check_time_unit(time_unit, where)
    if found and found[0] != time_unit:
        raise ValueError(
            f"{where}: time_unit={time_unit!r} but the summary's times are in {found[0]!r} "
            f"(summary.attrs['time_unit']); refit on a summary in {time_unit!r} or drop time_unit"
        )
    return time_unit


def summary_attrs(time_unit: str, observation_end_day: int, calibration_end_day: int | None) -> dict:
    """What a summary records about itself: ``time_unit``, ``observation_end``, ``calibration_end``.

    Parameters
    ----------
    time_unit : str
        The unit of recency and T.
    observation_end_day, calibration_end_day : int or None
        Days since 1970-01-01 (``calibration_end_day`` None: no calibration split).

    Returns
    -------
    dict
        For ``summary.attrs``; the dates as ISO strings "YYYY-MM-DD" (JSON-safe, so they survive
        ``to_parquet``), calibration_end None without a split.
    """
    import numpy as np

    def day(d):
        return None if d is None else str(np.datetime64(int(d), "D"))

    return {
        "time_unit": time_unit,
        "observation_end": day(observation_end_day),
        "calibration_end": day(calibration_end_day),
    }


_UNIT_WORDS = {
    "d": "D", "day": "D", "days": "D",
    "w": "W", "wk": "W", "week": "W", "weeks": "W",
    "m": "M", "mo": "M", "month": "M", "months": "M",
    "y": "Y", "yr": "Y", "year": "Y", "years": "Y",
}  # fmt: skip
_SPAN = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)?\s*([A-Za-z]+)\s*$")


def to_days(span, where: str, name: str = "horizon") -> float:
    """The length of a time span in days, exactly.

    A month is 365.25 / 12 = 30.4375 days and a year 365.25 days (:data:`TIME_UNITS`), so that
    "12 months" is one year and 52.178... weeks -- not 360 days, nor PyMC-Marketing's 30-day "D"
    month (PyMC-Marketing #2749), nor lifetimes' 4.345-week month.

    Parameters
    ----------
    span : str, pandas.Timedelta, datetime.timedelta, pandas.DateOffset
        "12 months", "1 year", "90 days", "26 weeks", "month" (one), "4.345 weeks"; a
        ``pd.Timedelta``; a ``pd.DateOffset(months=..., years=..., weeks=..., days=...)``.
    where, name : str
        The caller and the argument, for the message.

    Returns
    -------
    float
        Days (> 0 for a horizon; 0 is allowed).

    Raises
    ------
    ValueError
        For a number (its unit cannot be known here), an unknown unit word or a negative span.
    """
    if isinstance(span, str):
        m = _SPAN.match(span)
        unit = _UNIT_WORDS.get(m.group(2).lower()) if m else None
        if unit is None:
            raise ValueError(
                f"{where}: {name}={span!r} is not a time span; write e.g. '12 months', '1 year', "
                f"'90 days' or '26 weeks' (units: {sorted(set(_UNIT_WORDS))})"
            )
        days = float(m.group(1) or 1.0) * TIME_UNITS[unit]
    elif isinstance(span, pd.DateOffset):
        kw = {k: float(v) for k, v in span.kwds.items()}
        unknown = set(kw) - {"years", "months", "weeks", "days", "hours", "minutes", "seconds"}
        if unknown:
            raise ValueError(f"{where}: {name}={span!r}: a DateOffset of {sorted(unknown)} is not a length")
        days = span.n * (
            kw.get("years", 0) * TIME_UNITS["Y"]
            + kw.get("months", 0) * TIME_UNITS["M"]
            + kw.get("weeks", 0) * 7.0
            + kw.get("days", 0)
            + kw.get("hours", 0) / 24
            + kw.get("minutes", 0) / 1440
            + kw.get("seconds", 0) / 86400
        )
    elif isinstance(span, (pd.Timedelta, np.timedelta64)) or hasattr(span, "total_seconds"):
        days = pd.Timedelta(span).total_seconds() / 86400.0
    else:
        raise ValueError(
            f"{where}: {name}={span!r} needs its unit: a string such as '12 months', a pd.Timedelta "
            "or a pd.DateOffset (a bare number is only allowed where the model's unit is meant)"
        )
    if not math.isfinite(days) or days < 0:
        raise ValueError(f"{where}: {name}={span!r} must be a non-negative length of time")
    return days


def to_model_units(span, time_unit: str, where: str, name: str = "horizon") -> float:
    """A time span in the model's time unit: days / TIME_UNITS[time_unit].

    Parameters
    ----------
    span : number, str, pandas.Timedelta or pandas.DateOffset
        A number is taken to be in the model's unit already; anything else is converted exactly
        by :func:`to_days` ("12 months" in weeks: 365.25 / 7 = 52.1786).
    time_unit : str
        The model's unit, "D", "W", "M" or "Y".
    where, name : str
        The caller and the argument, for the message.

    Returns
    -------
    float
        The span in model units.

    Raises
    ------
    ValueError
        As :func:`to_days`, or for an unknown ``time_unit``.
    """
    time_unit = check_time_unit(time_unit, where)
    if isinstance(span, (int, float, np.integer, np.floating)) and not isinstance(span, bool):
        value = float(span)
        if not math.isfinite(value) and value != math.inf or value < 0:
            raise ValueError(f"{where}: {name}={span!r} must be >= 0")
        return value
    return to_days(span, where, name) / TIME_UNITS[time_unit]


def discount_per_unit(
    rate: float, time_unit: str, period="year", compounding: str = "discrete", where: str = "discount"
) -> tuple[float, float]:
    """A discount rate stated per ``period`` converted to the model's time unit.

    With k = period / unit (model units in one period; a year in weeks: k = 365.25 / 7):
    discrete compounding, ``rate`` = d per period: delta = ln(1 + d) / k per unit (the continuous
    rate, as CLVTools documents it) and d_unit = (1 + d)^(1/k) - 1 = e^delta - 1; continuous
    compounding, ``rate`` = delta per period: delta_unit = delta / k, d_unit = e^delta_unit - 1.
    10 % a year is 0.7974 % a month ((1.1)^(1/12) - 1) and delta = 0.001828 a week (ln 1.1 / 52.18).

    Parameters
    ----------
    rate : float
        The rate per period (> -1 discrete, >= 0 continuous).
    time_unit : str
        The model's unit.
    period : str, pandas.Timedelta or pandas.DateOffset
        The period the rate is stated for: "year" (default), "month", "week", "day", ...
    compounding : str
        "discrete" (default) or "continuous".
    where : str
        The caller, for the message.

    Returns
    -------
    tuple of float
        (d_unit, delta_unit): the discrete rate per model unit and the continuous rate per unit.

    Raises
    ------
    ValueError
        For a rate out of range, an unknown period or compounding.
    """
    compounding = check_choice("compounding", compounding, ["discrete", "continuous"], where=where)
    try:
        rate = float(rate)
    except (TypeError, ValueError):
        raise ValueError(f"{where}: discount_rate must be a number, not {rate!r}") from None
    if not math.isfinite(rate) or (rate <= -1 if compounding == "discrete" else rate < 0):
        raise ValueError(
            f"{where}: discount_rate={rate!r} per {period}, {compounding}: must be "
            + ("> -1 (e.g. 0.10 for 10 % a year)" if compounding == "discrete" else ">= 0")
        )
    k = to_days(
        period if not isinstance(period, str) or _SPAN.match(period) else period, where, "discount_period"
    )
    k = k / TIME_UNITS[check_time_unit(time_unit, where)]
    if k <= 0:
        raise ValueError(f"{where}: discount_period={period!r} must be a positive length of time")
    delta = (math.log1p(rate) if compounding == "discrete" else rate) / k
    return math.expm1(delta), delta


def model_time_unit(*sources, where: str, time_unit: str | None = None) -> str:
    """The one time unit of fitted models and summaries used together, or an error naming both.

    Parameters
    ----------
    *sources : objects
        Fitted models (their ``time_unit_``) and summaries or columns (their
        ``attrs["time_unit"]``); those that say nothing are skipped.
    where : str
        The caller, for the message.
    time_unit : str, optional
        The unit the user states; it must agree with every source that says one.

    Returns
    -------
    str
        The unit.

    Raises
    ------
    ValueError
        When two sources (or the stated unit) disagree -- both named -- or when nothing says
        the unit: then the message says how to state it.
    """
    said = {}
    for src in sources:
        unit = getattr(src, "time_unit_", None)
        if unit is None and not hasattr(src, "time_unit_"):
            unit = getattr(src, "attrs", {}).get("time_unit")
        if unit is not None:
            label = (
                f"{type(src).__name__}.time_unit_"
                if hasattr(src, "time_unit_")
                else "summary.attrs['time_unit']"
            )
            said.setdefault(unit, label)
    if time_unit is not None:
        time_unit = check_time_unit(time_unit, where)
        said.setdefault(time_unit, "time_unit=")
    if len(said) > 1:
        parts = " but ".join(f"{label} is {unit!r}" for unit, label in said.items())
        raise ValueError(
            f"{where}: mixed time units: {parts}; fit the models on the summary you value, "
            "in one unit (rfm_summary(..., time_unit=...))"
        )
    if not said:
        raise ValueError(
            f"{where}: the time unit of the model is unknown (a model built with from_params "
            "and a summary without attrs): state it, e.g. time_unit='W', or "
            "from_params(time_unit='W', ...)"
        )
    return next(iter(said))
