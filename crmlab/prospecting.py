"""Prospecting: how the customer base will develop over the next k periods.

* :func:`existing_customer_forecast` -- repeat purchases per period of today's customers from a
  fitted BTYD model (differences of the cumulative conditional expectation), revenue from a
  spend per purchase, intervals from parametric draws of the model's parameters plus Poisson
  noise;
* :func:`acquisition_forecast` -- new customers per period from the acquisition history with a
  Poisson GLM (statsmodels) with a trend and month-of-year effects;
* :func:`base_forecast` -- both together, optionally by acquisition channel;
* :func:`repeat_backtest` + :func:`plot_backtest` -- the weekly repeat-purchase forecast over a
  holdout against the actual, with MAE, MAPE and the total error.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import statsmodels.api as sm
from matplotlib.axes import Axes

from ._style import ACTUAL, MODEL, get_ax
from ._validate import check_number
from .units import TIME_UNITS, model_time_unit, to_model_units

__all__ = [
    "existing_customer_forecast",
    "acquisition_forecast",
    "base_forecast",
    "repeat_backtest",
    "plot_backtest",
    "plot_forecast",
]


def _cumulative(model, t, x, tx, T) -> np.ndarray:
    """Sum over customers of E[X(t) | x, t_x, T] for each horizon t (an array)."""
    return np.array(
        [float(np.sum(model.conditional_expected_number_of_purchases_up_to_time(h, x, tx, T))) for h in t]
    )


def _param_draws(model, n_draws: int, rng: np.random.Generator) -> list:
    """Models rebuilt from draws of the log-parameters ~ N(log theta, J cov J), J = diag(1/theta)."""
    params = model.params_
    names = list(params)
    theta = np.array([params[n] for n in names], dtype=float)
    cov = model.covariance_.loc[names, names].to_numpy(float) / np.outer(theta, theta)
    draws = rng.multivariate_normal(np.log(theta), cov, size=n_draws, check_valid="ignore")
    return [type(model).from_params(**dict(zip(names, np.exp(d), strict=True))) for d in draws]


def existing_customer_forecast(
    model,
    summary: pd.DataFrame,
    periods: int = 13,
    period_length: float = 1.0,
    spend: float | pd.Series | None = None,
    n_draws: int = 100,
    level: float = 0.9,
    random_state: int = 0,
) -> pd.DataFrame:
    """Expected repeat purchases and revenue of today's customers, period by period.

    For period k (length L in the model's time unit), E[purchases_k] = sum_i E[X_i(kL) | x_i,
    t_x,i, T_i] - E[X_i((k-1)L) | ...] (Fader, Hardie & Lee 2005a, eq. 10, for the BG/NBD;
    Schmittlein et al. 1987 for the Pareto/NBD). Revenue = purchases x spend per purchase
    (``spend``: a per-customer Series such as Gamma-Gamma's conditional expected average profit,
    or one number; default: the summary's mean ``monetary_value`` over repeat buyers). The
    interval combines parameter uncertainty (``n_draws`` models from the asymptotic normal of the
    log-parameters, covariance_ by the delta method) and purchase noise (a Poisson draw per
    period around each draw's expectation); it is the central ``level`` share of the draws.
    ``active_now`` = sum of P(alive) at the end of calibration.

    Parameters
    ----------
    model : BetaGeo, ParetoNBD or ModifiedBetaGeo
        Fitted on ``summary``'s customers (its ``covariance_`` drives the parameter draws).
    summary : pandas.DataFrame
        ``rfm_summary`` output: frequency, recency, T (and monetary_value for the default spend).
    periods : int
        Periods forecast (>= 1).
    period_length : float, str or pandas.DateOffset
        Length of one period: a number in the model's time unit, or a span such as "1 week".
    spend : float or pandas.Series, optional
        Spend per purchase (one number, or one per customer); default the mean repeat spend.
    n_draws : int
        Parameter draws for the interval.
    level : float
        Interval level in (0, 1).
    random_state : int
        Seed of the draws.

    Returns
    -------
    DataFrame indexed by period 1..k: expected, lower, upper purchases; revenue, revenue_lower,
    revenue_upper; ``attrs['active_now']``.
    """
    check_number("periods", periods, lo=1, integer=True, where="existing_customer_forecast")
    if not isinstance(period_length, (int, float, np.integer, np.floating)):
        unit = model_time_unit(model, summary, where="existing_customer_forecast")
        period_length = to_model_units(period_length, unit, "existing_customer_forecast", "period_length")
    check_number("level", level, lo=0, hi=1, lo_open=True, where="existing_customer_forecast")
    x, tx, T = (summary[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    t = period_length * np.arange(periods + 1)
    expected = np.diff(_cumulative(model, t, x, tx, T))
    rng = np.random.default_rng(random_state)
    sims = np.array([np.diff(_cumulative(m, t, x, tx, T)) for m in _param_draws(model, n_draws, rng)])
    sims = rng.poisson(np.clip(sims, 0, None))
    q = [(1 - level) / 2, (1 + level) / 2]
    lo, hi = np.quantile(sims, q, axis=0)
    if spend is None:
        spend = float(summary.loc[summary["frequency"] > 0, "monetary_value"].mean())
    if isinstance(spend, pd.Series):  # per-customer spend: weight each customer's purchases
        per = np.array([model.conditional_expected_number_of_purchases_up_to_time(h, x, tx, T) for h in t])
        weight = float(
            np.sum(np.diff(per, axis=0).sum(axis=0) * spend.reindex(summary.index).to_numpy(float))
        )
        spend = weight / float(expected.sum())
    out = pd.DataFrame(
        {"expected": expected, "lower": lo, "upper": hi},
        index=pd.RangeIndex(1, periods + 1, name="period"),
    )
    for col, src in (("revenue", "expected"), ("revenue_lower", "lower"), ("revenue_upper", "upper")):
        out[col] = out[src] * spend
    out.attrs.update(
        active_now=float(np.sum(model.conditional_probability_alive(x, tx, T))),
        spend_per_purchase=float(spend),
    )
    return out


def _design(periods: pd.PeriodIndex, seasonal: bool) -> pd.DataFrame:
    X = pd.DataFrame({"const": 1.0, "trend": np.arange(len(periods), dtype=float)}, index=periods)
    if seasonal:
        month = pd.Categorical(periods.to_timestamp().month, categories=range(1, 13))
        X = X.join(pd.get_dummies(month, prefix="m", drop_first=True, dtype=float).set_index(periods))
    return X


def acquisition_forecast(
    first_purchase_dates,
    periods: int = 13,
    freq: str = "W",
    n_draws: int = 500,
    level: float = 0.9,
    random_state: int = 0,
    observation_end=None,
) -> pd.DataFrame:
    """New customers per period: a Poisson GLM with trend and month effects.

    log E[N_t] = b0 + b1 t + m_{month(t)} (statsmodels GLM, Poisson family; month effects only
    when the history covers at least two years, so each month is seen twice -- otherwise a trend
    alone). A Poisson GLM rather than ETS because the counts are counts, small segments have
    zeros, and the month effects read directly as seasonal factors (Cameron & Trivedi 2013, ch. 3).
    The first and last period of the history are dropped when incomplete. Interval: coefficients
    drawn from N(b, cov(b)), then a Poisson count per period; the central ``level`` share.

    ``observation_end`` (default: the last first purchase) extends the history with the periods
    in which nobody was acquired (a closed cohort such as CDNOW's then forecasts about zero).

    Parameters
    ----------
    first_purchase_dates : array-like of dates
        Each customer's first purchase (acquisition) date.
    periods : int
        Periods forecast (>= 1).
    freq : str
        pandas period frequency of the counts ("W", "M", ...).
    n_draws : int
        Coefficient draws for the interval.
    level : float
        Interval level in (0, 1).
    random_state : int
        Seed of the draws.
    observation_end : date-like, optional
        End of the history (default: the last first purchase).

    Returns
    -------
    DataFrame indexed by the forecast periods: expected, lower, upper; ``attrs['history']`` the
    observed counts and ``attrs['seasonal']``.
    """
    check_number("periods", periods, lo=1, integer=True, where="acquisition_forecast")
    dates = pd.to_datetime(pd.Series(first_purchase_dates)).dropna()
    per = dates.dt.to_period(freq)
    counts = per.value_counts().sort_index()
    last = counts.index.max() if observation_end is None else pd.Timestamp(observation_end).to_period(freq)
    full = pd.period_range(counts.index.min(), last, freq=freq)
    counts = counts.reindex(full, fill_value=0)
    if len(counts) > 4:  # drop the partial first and last periods
        counts = counts.iloc[1:-1]
    seasonal = (full[-1].to_timestamp() - full[0].to_timestamp()).days >= 730
    X = _design(counts.index, seasonal)
    with (
        warnings.catch_warnings()
    ):  # runs of zero counts (a closed cohort) trip statsmodels' separation check
        warnings.simplefilter("ignore")
        fit = sm.GLM(counts.to_numpy(float), X, family=sm.families.Poisson()).fit()
    future = pd.period_range(counts.index[-1] + 1, periods=periods, freq=freq)
    Xf = _design(future, seasonal)
    Xf["trend"] = np.arange(len(counts), len(counts) + periods, dtype=float)
    mean = np.exp(Xf.to_numpy() @ fit.params.to_numpy())
    rng = np.random.default_rng(random_state)
    betas = rng.multivariate_normal(fit.params.to_numpy(), fit.cov_params().to_numpy(), size=n_draws)
    sims = rng.poisson(np.exp(betas @ Xf.to_numpy().T))
    lo, hi = np.quantile(sims, [(1 - level) / 2, (1 + level) / 2], axis=0)
    out = pd.DataFrame({"expected": mean, "lower": lo, "upper": hi}, index=future)
    out.attrs.update(history=counts, seasonal=seasonal)
    return out


_FREQ_DAYS = {"D": 1.0, "W": 7.0, "M": TIME_UNITS["M"], "Q": 3 * TIME_UNITS["M"], "Y": TIME_UNITS["Y"]}
_FREQ_DAYS["A"] = TIME_UNITS["Y"]


def base_forecast(
    model,
    summary: pd.DataFrame,
    first_purchase_dates,
    periods: int = 13,
    freq: str = "W",
    period_length=None,
    spend: float | None = None,
    random_state: int = 0,
    observation_end=None,
) -> pd.DataFrame:
    """Customer base per period: existing customers' repeat purchases + new customers.

    New customers acquired in period j make their first purchase then (counted as a purchase)
    and E[X(t)] repeat purchases in the following t periods, the model's unconditional
    expectation for a new customer (acquired mid-period). ``cumulative_customers`` = today's
    customers + acquired so far; ``active`` = today's expected alive customers + new ones
    (not yet thinned by dropout: an upper figure for the new).

    Parameters
    ----------
    model : BetaGeo, ParetoNBD or ModifiedBetaGeo
        Fitted on ``summary``'s customers.
    summary : pandas.DataFrame
        ``rfm_summary`` output of today's customers.
    first_purchase_dates : array-like of dates
        Every customer's acquisition date (the acquisition history).
    periods : int
        Periods forecast.
    freq : str
        pandas period frequency of the forecast ("W": weeks).
    period_length : float, optional
        One period in the model's time unit; default: the length of ``freq`` converted with the
        model's ``time_unit_`` (so a day-unit model forecast by week steps 7 days).
    spend : float, optional
        Spend per purchase (default the mean repeat spend).
    random_state : int
        Seed of the draws.
    observation_end : date-like, optional
        End of the acquisition history.

    Returns
    -------
    DataFrame per period: new_customers (+ interval), repeat_existing, purchases_new,
    purchases_total, revenue, cumulative_customers, active.
    """
    if period_length is None:  # one acquisition period ``freq``, in the model's time unit
        unit = model_time_unit(model, summary, where="base_forecast")
        period_length = _FREQ_DAYS.get(freq[:1].upper(), np.nan) / TIME_UNITS[unit]
        if not np.isfinite(period_length):
            raise ValueError(f"base_forecast: freq={freq!r}: give period_length in the model's unit")
    existing = existing_customer_forecast(
        model, summary, periods, period_length, spend, random_state=random_state
    )
    acq = acquisition_forecast(
        first_purchase_dates, periods, freq, random_state=random_state, observation_end=observation_end
    )
    n_new = acq["expected"].to_numpy()
    cum = np.array(
        [
            float(model.expected_number_of_purchases_up_to_time(period_length * (k + 0.5)))
            for k in range(periods)
        ]
    )
    per_new = np.diff(np.concatenate([[0.0], cum]))  # repeat purchases k periods after acquisition
    from_new = n_new + np.convolve(n_new, per_new)[:periods]
    out = pd.DataFrame(
        {
            "new_customers": n_new,
            "new_lower": acq["lower"].to_numpy(),
            "new_upper": acq["upper"].to_numpy(),
            "repeat_existing": existing["expected"].to_numpy(),
            "purchases_new": from_new,
        },
        index=acq.index,
    )
    out["purchases_total"] = out["repeat_existing"] + out["purchases_new"]
    out["revenue"] = out["purchases_total"] * existing.attrs["spend_per_purchase"]
    out["cumulative_customers"] = len(summary) + np.cumsum(n_new)
    out["active"] = existing.attrs["active_now"] + np.cumsum(n_new)
    out.attrs.update(existing=existing, acquisition=acq)
    return out


def repeat_backtest(
    model,
    summary: pd.DataFrame,
    transactions: pd.DataFrame,
    calibration_end,
    observation_end,
    period_days: int = 7,
) -> pd.DataFrame:
    """Forecast vs actual repeat purchase days per period over the holdout.

    Forecast for period k = differences of sum_i E[X_i(t) | calibration history] at t = k L
    (model fitted on the calibration summary; the period's days are converted to the model's
    time unit, which the model or the summary records). Actual =
    repeat purchase days (same-day purchases count once) of the calibration customers in the
    period. Errors: MAE = mean |f_k - a_k|, MAPE = mean |f_k - a_k| / a_k (periods with a_k > 0),
    total % error = (sum f - sum a) / sum a.

    Parameters
    ----------
    model : BetaGeo, ParetoNBD or ModifiedBetaGeo
        Fitted on the calibration summary.
    summary : pandas.DataFrame
        The calibration summary (``rfm_summary(..., calibration_end=...)``).
    transactions : pandas.DataFrame
        customer_id and date of every purchase.
    calibration_end, observation_end : date-like
        The holdout runs from the day after ``calibration_end`` to ``observation_end``.
    period_days : int
        Days per period (7: weeks).

    Returns
    -------
    DataFrame per period (start date): forecast, actual; ``attrs``: mae, mape, total_forecast,
    total_actual, total_error.
    """
    cal, end = pd.Timestamp(calibration_end).normalize(), pd.Timestamp(observation_end).normalize()
    n_days = (end - cal).days
    edges = np.arange(0, n_days + period_days, period_days)
    edges[-1] = min(edges[-1], n_days)
    edges = np.unique(edges)
    x, tx, T = (summary[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    unit_days = TIME_UNITS[model_time_unit(model, summary, where="repeat_backtest")]
    forecast = np.diff(_cumulative(model, edges / unit_days, x, tx, T))  # days -> the model's unit
    dates = pd.to_datetime(transactions["date"]).dt.normalize()
    keep = (dates > cal) & (dates <= end) & transactions["customer_id"].isin(summary.index)
    days = pd.DataFrame({"c": transactions.loc[keep, "customer_id"].to_numpy(), "d": dates[keep].to_numpy()})
    offset = (days.drop_duplicates()["d"] - cal).dt.days.to_numpy()
    actual = np.histogram(offset, bins=edges + 0.5)[0] if len(edges) > 1 else np.array([])
    out = pd.DataFrame(
        {"forecast": forecast, "actual": actual.astype(float)},
        index=pd.Index(cal + pd.to_timedelta(edges[:-1] + 1, unit="D"), name="period_start"),
    )
    err = (out["forecast"] - out["actual"]).abs()
    pos = out["actual"] > 0
    out.attrs.update(
        mae=float(err.mean()),
        mape=float((err[pos] / out.loc[pos, "actual"]).mean()),
        total_forecast=float(out["forecast"].sum()),
        total_actual=float(out["actual"].sum()),
        total_error=float(out["forecast"].sum() / out["actual"].sum() - 1),
    )
    return out


def plot_backtest(result: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Forecast and actual repeat purchases per period over the holdout.

    Parameters
    ----------
    result : pandas.DataFrame
        :func:`repeat_backtest` output (forecast, actual per period).
    ax : matplotlib.axes.Axes, optional
        Drawn on if given, else on a new figure.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.
    """
    ax = get_ax(ax)
    ax.plot(result.index, result["actual"], color=ACTUAL, label="actual")
    ax.plot(result.index, result["forecast"], color=MODEL, linestyle="--", label="forecast")
    ax.set_ylabel("repeat purchase days per period")
    ax.legend()
    return ax


def plot_forecast(result: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """New customers per period: history, forecast and its interval.

    Parameters
    ----------
    result : pandas.DataFrame
        :func:`acquisition_forecast` output (expected, lower, upper; ``attrs["history"]``).
    ax : matplotlib.axes.Axes, optional
        Drawn on if given, else on a new figure.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.
    """
    ax = get_ax(ax)
    hist = result.attrs.get("history")
    if hist is not None:
        ax.plot(hist.index.to_timestamp(), hist.to_numpy(), color=ACTUAL, label="acquired")
    x = result.index.to_timestamp()
    ax.plot(x, result["expected"], color=MODEL, label="forecast")
    ax.fill_between(x, result["lower"], result["upper"], color=MODEL, alpha=0.2, label="interval")
    ax.set_ylabel("new customers per period")
    ax.legend()
    return ax
