"""Time units of the per-customer summary and of the models fitted on it: one home.

A summary from :func:`crmlab.rfm.rfm_summary` measures recency and T in a ``time_unit`` and
records it in ``summary.attrs["time_unit"]`` (its columns carry it too); a BTYD model fitted on
it records the same unit in ``time_unit_``. Lengths in days: a day 1, a week 7, a month
365.25 / 12 = 30.4375 and a year 365.25 (the Julian year, as CLVTools and pandas' ``"YS"``
arithmetic on average).
"""

from __future__ import annotations

from ._validate import check_choice

__all__ = ["TIME_UNITS", "check_time_unit", "time_unit_of", "summary_attrs"]

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
