"""Holdout checks of a fitted transaction model and their plots (Fader, Hardie & Lee 2005a, Figs 1 and 4).

* :func:`expected_vs_actual_by_frequency` / :func:`plot_expected_vs_actual`: mean holdout
  purchases, expected vs actual, by calibration frequency;
* :func:`cumulative_tracking` / :func:`plot_tracking`: the cohort's cumulative repeat purchases,
  period by period, through calibration and holdout;
* :func:`plot_frequency_fit`: customers by number of transactions, expected vs actual (BG/BB's
  ``frequency_fit``, Fader, Hardie & Shang 2010, Fig. 3);
* :func:`plot_retention_projection`: a contractual cohort's survival, observed, sBG and a constant
  rate (``ShiftedBetaGeometric.projection``, Fader & Hardie 2007, Fig. 2).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .._style import ACTUAL, MODEL, NEUTRAL, get_ax
from .._validate import data_error, require_columns, require_frame
from ..units import TIME_UNITS, model_time_unit, to_days
from ._checks import _check_rfm, _check_t

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from .bgnbd import BetaGeo
    from .pareto_nbd import ParetoNBD

__all__ = [
    "plot_frequency_fit",
    "plot_retention_projection",
    "expected_vs_actual_by_frequency",
    "cumulative_tracking",
    "plot_tracking",
    "plot_expected_vs_actual",
]


def expected_vs_actual_by_frequency(
    model: BetaGeo | ParetoNBD, summary: pd.DataFrame, max_frequency: int = 7
) -> pd.DataFrame:
    """Mean expected vs actual holdout repeat purchases, grouped by calibration frequency.

    ``summary`` is ``rfm_summary(..., calibration_end=...)``: frequency, recency, T,
    frequency_holdout, duration_holdout. Each customer's expectation is
    E[Y(duration_holdout) | x, t_x, T] from the fitted ``model``. Groups are x = 0, 1, ...,
    max_frequency - 1 and "max_frequency+"; the last row, "total", covers everyone.
    This is Figure 4 of Fader, Hardie & Lee (2005a).

    Parameters
    ----------
    model : BetaGeo or ParetoNBD
        Fitted on the calibration period.
    summary : pandas.DataFrame
        ``rfm_summary(..., calibration_end=...)`` with the holdout columns.
    max_frequency : int
        The last group collects x >= max_frequency.

    Returns
    -------
    pandas.DataFrame
        Index ``frequency`` ("0", ..., "<max>+", "total"); columns customers, actual, expected
        (means per customer), actual_total, expected_total.
    """
    where = "expected_vs_actual_by_frequency"
    need = ["frequency", "recency", "T", "frequency_holdout", "duration_holdout"]
    missing = [c for c in need if c not in require_frame(summary, "rfm summary", where).columns]
    if missing:
        raise data_error(
            "rfm summary",
            missing[0],
            f"{where} needs columns {missing}; build the summary with "
            f"rfm_summary(transactions, calibration_end=..., observation_end=...)",
            n_bad=len(missing),
        )
    if int(max_frequency) != max_frequency or max_frequency < 1:
        raise ValueError(f"{where}: max_frequency must be a whole number >= 1, got {max_frequency!r}")
    max_frequency = int(max_frequency)
    model._check_fitted()
    x, tx, TT, _ = _check_rfm(summary["frequency"], summary["recency"], summary["T"], where)
    t = _check_t(summary["duration_holdout"].to_numpy(dtype=np.float64), where)
    expected = model._conditional_expected(t, x, tx, TT)
    actual = summary["frequency_holdout"].to_numpy(dtype=np.float64)
    group = np.minimum(x, max_frequency).astype(np.int64)
    labels = [str(k) for k in range(max_frequency)] + [f"{max_frequency}+"]
    counts = np.bincount(group, minlength=max_frequency + 1)
    act = np.bincount(group, weights=actual, minlength=max_frequency + 1)
    exp_ = np.bincount(group, weights=expected, minlength=max_frequency + 1)
    counts = np.r_[counts, counts.sum()]
    act = np.r_[act, act.sum()]
    exp_ = np.r_[exp_, exp_.sum()]
    with np.errstate(invalid="ignore", divide="ignore"):
        out = pd.DataFrame(
            {
                "customers": counts,
                "actual": act / counts,
                "expected": exp_ / counts,
                "actual_total": act,
                "expected_total": exp_,
            },
            index=pd.Index(labels + ["total"], name="frequency"),
        )
    return out


def _days(values) -> np.ndarray:
    return np.asarray(pd.to_datetime(values).to_numpy(), dtype="datetime64[D]").astype(np.int64)


def cumulative_tracking(
    model: BetaGeo | ParetoNBD,
    transactions: pd.DataFrame,
    calibration_end,
    observation_end,
    time_unit: str | None = None,
    period: str = "W",
) -> pd.DataFrame:
    """Expected vs actual cumulative repeat purchases of the cohort, period by period.

    The cohort is every customer whose first purchase is on or before ``calibration_end``.
    Purchases on the same day count once (as in rfm_summary); the first purchase is not a
    repeat. For period k (``period`` long, from the cohort's first day d0) ending on day
    e_k, actual = repeat purchase days <= e_k, and
    expected = sum_i E[X((e_k - f_i) / unit)] over customers with first purchase day f_i <= e_k,
    with unit the length in days of the *model's* time unit (so a day-unit model tracked by week
    is not mis-scaled),
    using the model's unconditional expectation for a new customer -- Figure 1 of Fader,
    Hardie & Lee (2005a).

    Parameters
    ----------
    model : BetaGeo, ParetoNBD or ModifiedBetaGeo
        Fitted (its ``time_unit_`` says the unit of its parameters).
    transactions : pandas.DataFrame
        At least customer_id and date.
    calibration_end, observation_end : date-like
        End of the calibration period and of the observation (the holdout runs between them).
    time_unit : str, optional
        The model's unit ("D", "W", "M", "Y"), needed only when the model does not record it
        (``from_params`` without ``time_unit``); a unit that contradicts the model's is an error.
    period : str
        Length of the tracking periods: "D", "W" (default), "M", "Y" or a span such as "2 weeks".

    Returns
    -------
    pandas.DataFrame
        Index ``period`` = 1, 2, ...; columns date (e_k), actual, expected, actual_incremental,
        expected_incremental, period_type ("calibration" / "holdout").
    """
    where = "cumulative_tracking"
    model._check_fitted()
    model_unit = TIME_UNITS[model_time_unit(model, where=where, time_unit=time_unit)]
    unit = TIME_UNITS[period] if period in TIME_UNITS else to_days(period, where, "period")
    if not unit > 0:
        raise ValueError(f"{where}: period={period!r} must be a positive length of time")
    require_columns(transactions, ["customer_id", "date"], "transactions", caller=where)
    cal_end = int(_days([calibration_end])[0])
    obs_end = int(_days([observation_end])[0])
    if cal_end >= obs_end:
        raise ValueError(
            f"{where}: calibration_end ({calibration_end}) must be before observation_end ({observation_end})"
        )
    days = _days(transactions["date"])
    keep = days <= obs_end
    codes, _ = pd.factorize(transactions["customer_id"].to_numpy()[keep])
    days = days[keep]
    if days.size == 0:
        raise data_error(
            "transactions", "date", f"{where}: no transactions on or before observation_end {observation_end}"
        )
    n = int(codes.max()) + 1
    first = np.full(n, np.iinfo(np.int64).max)
    np.minimum.at(first, codes, days)
    cohort = first <= cal_end
    if not cohort.any():
        raise data_error(
            "transactions",
            "date",
            f"{where}: no customer made a first purchase on or before calibration_end {calibration_end}",
        )
    # one row per (customer, day) of the cohort; the customer's first day is not a repeat
    pairs = np.unique(np.column_stack([codes, days])[cohort[codes]], axis=0)
    repeat_days = pairs[pairs[:, 1] > first[pairs[:, 0]], 1]
    d0 = int(first[cohort].min())
    n_periods = int(np.ceil((obs_end - d0 + 1) / unit - 1e-9))
    ends = np.minimum(np.ceil(np.arange(1, n_periods + 1) * unit - 1e-9).astype(np.int64) - 1 + d0, obs_end)
    actual = np.searchsorted(np.sort(repeat_days), ends, side="right").astype(np.float64)
    first_days, n_first = np.unique(first[cohort], return_counts=True)
    age = (ends[:, None] - first_days[None, :]) / model_unit
    expected_each = model.expected_number_of_purchases_up_to_time(np.maximum(age, 0.0))
    expected = np.where(age >= 0, expected_each, 0.0) @ n_first
    out = pd.DataFrame(
        {
            "date": pd.to_datetime(ends.astype("datetime64[D]")),
            "actual": actual,
            "expected": expected,
            "actual_incremental": np.diff(actual, prepend=0.0),
            "expected_incremental": np.diff(expected, prepend=0.0),
            "period_type": np.where(ends <= cal_end, "calibration", "holdout"),
        },
        index=pd.RangeIndex(1, n_periods + 1, name="period"),
    )
    return out


def plot_tracking(
    tracking: pd.DataFrame, cumulative: bool = True, ax: Axes | None = None, time_unit: str = "week"
) -> Axes:
    """Line plot of actual vs expected (cumulative or per-period) repeat purchases.

    Parameters
    ----------
    tracking : pandas.DataFrame
        The output of :func:`cumulative_tracking`.
    cumulative : bool
        Cumulative totals (True) or per-period counts.
    ax : matplotlib.axes.Axes, optional
        Drawn on if given, else on a new figure.
    time_unit : str
        The x-axis label.

    Returns
    -------
    matplotlib.axes.Axes
        Actual (``crmlab._style.ACTUAL``), model (``MODEL``, dashed) and a dotted line at the
        end of the calibration period.
    """
    ax = get_ax(ax, figsize=(8, 4.5))
    cols = ("actual", "expected") if cumulative else ("actual_incremental", "expected_incremental")
    period = tracking.index.to_numpy()
    ax.plot(period, tracking[cols[0]].to_numpy(), color=ACTUAL, label="actual")
    ax.plot(period, tracking[cols[1]].to_numpy(), color=MODEL, linestyle="--", label="model")
    cal = tracking.index[tracking["period_type"] == "calibration"]
    if len(cal):
        ax.axvline(cal.max(), color=NEUTRAL, linestyle=":", linewidth=1)
    ax.set_xlabel(time_unit)
    ax.set_ylabel(("cumulative " if cumulative else "") + "repeat purchases")
    ax.legend(frameon=False)
    return ax


def plot_expected_vs_actual(table: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Mean holdout purchases, actual vs expected, by calibration frequency.

    Parameters
    ----------
    table : pandas.DataFrame
        The output of :func:`expected_vs_actual_by_frequency` (the "total" row is left out).
    ax : matplotlib.axes.Axes, optional
        Drawn on if given, else on a new figure.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.
    """
    ax = get_ax(ax, figsize=(7, 4.5))
    rows = table.drop(index="total", errors="ignore")
    pos = np.arange(len(rows))
    ax.plot(pos, rows["actual"].to_numpy(), color=ACTUAL, marker="o", label="actual")
    ax.plot(pos, rows["expected"].to_numpy(), color=MODEL, marker="s", linestyle="--", label="model")
    ax.set_xticks(pos, rows.index.astype(str))
    ax.set_xlabel("repeat purchases in the calibration period")
    ax.set_ylabel("mean repeat purchases in the holdout period")
    ax.legend(frameon=False)
    return ax


def plot_frequency_fit(table: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Customers by number of transactions, actual vs expected (bars side by side).

    Parameters
    ----------
    table : pandas.DataFrame
        ``BetaGeoBetaBinom.frequency_fit`` (columns actual, expected; index frequency).
    ax : matplotlib.axes.Axes, optional
        Drawn on if given, else on a new figure.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.
    """
    ax = get_ax(ax, figsize=(7, 4.5))
    pos = np.arange(len(table))
    ax.bar(pos - 0.2, table["actual"].to_numpy(), width=0.4, color=ACTUAL, label="actual")
    ax.bar(pos + 0.2, table["expected"].to_numpy(), width=0.4, color=MODEL, label="model")
    ax.set_xticks(pos, table.index.astype(str))
    ax.set_xlabel("transactions in the calibration opportunities")
    ax.set_ylabel("customers")
    ax.legend(frameon=False)
    return ax


def plot_retention_projection(table: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Survival of a contractual cohort: observed points, the sBG projection and a constant rate.

    Parameters
    ----------
    table : pandas.DataFrame
        ``ShiftedBetaGeometric.projection`` (observed survival, sBG survival, constant-rate survival).
    ax : matplotlib.axes.Axes, optional
        Drawn on if given, else on a new figure.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.
    """
    ax = get_ax(ax, figsize=(8, 4))
    t = table.index.to_numpy()
    ax.plot(t, table["sBG survival"].to_numpy(), color=MODEL, label="sBG projection")
    rate = table.attrs.get("constant_rate")
    label = "constant retention" + (f" {rate:.2f}" if rate is not None else "")
    ax.plot(t, table["constant-rate survival"].to_numpy(), color=NEUTRAL, linestyle="--", label=label)
    ax.scatter(t, table["observed survival"].to_numpy(), color=ACTUAL, zorder=3, label="observed")
    ax.set_xlabel("period")
    ax.set_ylabel("share of the cohort still a customer")
    ax.set_ylim(0, 1.02)
    ax.legend(frameon=False)
    return ax
