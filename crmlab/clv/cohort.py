"""Cohort CLV from observed transactions: retention and margin of acquisition cohorts, discounted.

Customers are grouped by the period (month, quarter or year) of their first purchase; per cohort
and period since acquisition the share still buying and the margin per active customer give the
discounted value of an acquired customer so far (Berger & Nasr 1998; Gupta, Lehmann & Stuart 2004,
"Valuing customers", JMR 41(1)). :func:`crmlab.clv.plot_cohort_retention` and
:func:`crmlab.clv.plot_cohort_clv` draw the result. The matrix of active customers is
:func:`crmlab.cohorts.cohort_counts` (one home for cohort matrices) on the dates floored to their
period, up to the last complete period; only the margin sums are laid out here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._validate import check_choice, check_number, data_error, resolve_observation_end
from ..cohorts import cohort_counts
from ._checks import check_transactions

__all__ = ["PERIODS_PER_YEAR", "CohortCLV", "cohort_clv"]

PERIODS_PER_YEAR = {"M": 12, "Q": 4, "Y": 1}
_MONTHS = {"M": 1, "Q": 3, "Y": 12}  # months in one period


def _period_start_month(dates, freq: str) -> np.ndarray:
    """Month ordinal (year * 12 + month - 1) of the first month of each date's period."""
    dt = pd.DatetimeIndex(dates)
    month = dt.year.to_numpy().astype(np.int64) * 12 + dt.month.to_numpy().astype(np.int64) - 1
    return month - month % _MONTHS[freq]


def _month_dates(months: np.ndarray) -> np.ndarray:
    """Month ordinals as the first day of each month (datetime64[ns])."""
    return (np.asarray(months) - 1970 * 12).astype("datetime64[M]").astype("datetime64[ns]")


def _label(start: pd.Timestamp, freq: str) -> str:
    """'2024-01', '2024Q1' or '2024' for the period starting at ``start``."""
    if freq == "M":
        return f"{start:%Y-%m}"
    if freq == "Q":
        return f"{start.year}Q{(start.month - 1) // 3 + 1}"
    return str(start.year)


@dataclass
class CohortCLV:
    """Cohort tables and discounted CLV per acquired customer.

    ``active``: customers with a purchase, cohort x period since acquisition (k = 0 is
    the acquisition period). ``retention``: ``active / cohort size``. ``margin``:
    margin per active customer. ``pooled``: every cohort observed at k pooled, per k:
    ``customers`` (at risk), ``active_share``, ``retention_rate`` (active_k /
    active_{k-1}), ``margin_per_active``, ``discount_factor``, ``present_value`` (per
    acquired customer) and ``cumulative_clv``. ``period_discount_rate``: the annual rate
    converted to one period.
    """

    active: pd.DataFrame
    retention: pd.DataFrame
    margin: pd.DataFrame
    pooled: pd.DataFrame
    sizes: pd.Series
    freq: str
    period_discount_rate: float

    def summary(self) -> pd.DataFrame:
        """Per cohort: ``customers``, ``periods_observed``, ``clv_observed`` (discounted
        margin per acquired customer over the observed periods -- a lower bound: later
        periods are not yet seen) and ``clv_pooled_same_periods`` (the pooled curve over
        the same number of periods, for comparison).

        Returns
        -------
        pandas.DataFrame
            One row per acquisition cohort with the columns above.
        """
        disc = (1.0 + self.period_discount_rate) ** -np.arange(self.retention.shape[1])
        pv = (self.retention.to_numpy() * self.margin.fillna(0.0).to_numpy()) * disc
        observed = self.retention.notna().sum(axis=1).to_numpy()
        clv = np.nansum(pv, axis=1)
        pooled_cum = self.pooled["cumulative_clv"].to_numpy()
        return pd.DataFrame(
            {
                "customers": self.sizes.to_numpy(),
                "periods_observed": observed,
                "clv_observed": clv,
                "clv_pooled_same_periods": pooled_cum[observed - 1],
            },
            index=self.retention.index,
        )


def _needed_columns(transactions, gross_margin, where: str) -> tuple[list[str], float | None]:
    """The columns the margin rule needs: ``cost`` unless a ``gross_margin`` is given."""
    need = ["customer_id", "date", "amount"]
    if gross_margin is not None:
        return need, check_number("gross_margin", gross_margin, lo=0.0, hi=1.0, where=where)
    if isinstance(transactions, pd.DataFrame) and "cost" not in transactions.columns:
        raise data_error(
            "transactions",
            "cost",
            "no cost column to compute margins; pass gross_margin= (share of amount that is margin)",
        )
    return need + ["cost"], None


def _complete_end(end: pd.Timestamp, freq: str) -> pd.Timestamp:
    """Last day of the last complete period: ``end`` if it is its period's last day, else the day
    before its period starts."""
    start = int(_period_start_month([end], freq)[0])
    if int(_period_start_month([end + pd.Timedelta(days=1)], freq)[0]) != start:
        return end
    return pd.Timestamp(_month_dates([start])[0]) - pd.Timedelta(days=1)


def _active_matrix(tx: pd.DataFrame, freq: str, last_end: pd.Timestamp) -> pd.DataFrame:
    """Customers buying per cohort (rows) and period since acquisition (columns).

    :func:`crmlab.cohorts.cohort_counts` on the dates floored to their period's first month, keeping
    the column of each period's first month: one home for the cohort matrix. Periods not yet
    complete are NaN.
    """
    floored = pd.DataFrame(
        {
            "customer_id": tx["customer_id"].to_numpy(),
            "date": _month_dates(_period_start_month(tx["date"], freq)),
        }
    )
    active = cohort_counts(floored, observation_end=last_end).iloc[:, :: _MONTHS[freq]].copy()
    active.columns = pd.RangeIndex(active.shape[1], name="period")
    return active


def _margin_sums(tx: pd.DataFrame, margin: np.ndarray, freq: str, active: pd.DataFrame) -> pd.DataFrame:
    """Margin per cohort and period since acquisition, laid out like ``active`` (0 where nobody bought)."""
    step = _MONTHS[freq]
    month = _period_start_month(tx["date"], freq)
    cohorts = active.index.year.to_numpy() * 12 + active.index.month.to_numpy() - 1
    keep = month <= cohorts.min() + (active.shape[1] - 1) * step  # complete periods only
    frame = pd.DataFrame({"customer": tx["customer_id"].to_numpy()[keep], "month": month[keep]})
    first = frame.groupby("customer", sort=False)["month"].transform("min").to_numpy()
    sums = (
        pd.Series(margin[keep])
        .groupby([first, (frame["month"].to_numpy() - first) // step])
        .sum()
        .unstack()
        .reindex(index=cohorts, columns=active.columns)
    )
    observed = active.notna().to_numpy()
    return sums.where(observed, np.nan).where(~observed | sums.notna(), 0.0)


def _pooled(active: pd.DataFrame, margin_sum: pd.DataFrame, sizes, observed, dp: float) -> pd.DataFrame:
    """Every cohort observed at k pooled: at risk, active share, retention, margin, present value."""
    K = active.shape[1]
    cols = np.arange(K)
    at_risk = (observed * sizes.to_numpy()[:, None]).sum(axis=0)
    act = active.fillna(0.0).to_numpy().sum(axis=0)
    msum = margin_sum.fillna(0.0).to_numpy().sum(axis=0)
    active_share = act / at_risk
    mpa = np.divide(msum, act, out=np.zeros(K), where=act > 0)
    disc = (1.0 + dp) ** -cols.astype(np.float64)
    pv = active_share * mpa * disc
    # period-on-period retention among the same cohorts (those observed at k)
    prev_share = np.r_[np.nan, ((observed[:, 1:] * active.fillna(0.0).to_numpy()[:, :-1]).sum(axis=0))]
    retention_rate = np.divide(
        np.r_[np.nan, act[1:]], prev_share, out=np.full(K, np.nan), where=prev_share > 0
    )
    return pd.DataFrame(
        {
            "customers": at_risk.astype(np.int64),
            "active_share": active_share,
            "retention_rate": retention_rate,
            "margin_per_active": mpa,
            "discount_factor": disc,
            "present_value": pv,
            "cumulative_clv": np.cumsum(pv),
        },
        index=pd.Index(cols, name="period"),
    )


def cohort_clv(
    transactions: pd.DataFrame,
    discount_rate: float = 0.10,
    freq: str = "Q",
    gross_margin: float | None = None,
    observation_end=None,
) -> CohortCLV:
    """Cohort CLV from observed margins and retention of acquisition cohorts.

    For cohort c and k periods after acquisition: ``retention_ck = active_ck / size_c``
    (share with a purchase in the period), ``margin_ck`` = margin per active customer, and
    ``CLV_c = sum_k retention_ck margin_ck / (1 + d_p)^k`` with the per-period rate
    ``d_p = (1 + discount_rate)^(1/periods per year) - 1``. Only complete periods up to
    ``observation_end`` are used. Sources: Berger & Nasr (1998); Gupta, Lehmann & Stuart
    (2004) "Valuing customers", JMR 41(1).

    Parameters
    ----------
    transactions : pd.DataFrame
        ``customer_id``, ``date``, ``amount`` and, without ``gross_margin``, ``cost``.
    discount_rate : float
        Yearly discount rate (> -1).
    freq : {"M", "Q", "Y"}
        Period of the cohorts: month, quarter or year of the first purchase.
    gross_margin : float, optional
        Margin = ``amount * gross_margin`` (takes precedence); default ``amount - cost``.
    observation_end : date-like, optional
        End of the window; default the last transaction date (normalised to midnight).

    Returns
    -------
    CohortCLV
        ``active``, ``retention``, ``margin``, ``pooled``, ``sizes`` and ``summary()``; money
        per acquired customer in the unit of ``amount``.
    """
    where = "cohort_clv"
    check_choice("freq", freq, list(PERIODS_PER_YEAR), where=where)
    d = check_number("discount_rate", discount_rate, lo=-1.0, lo_open=True, where=where)
    need, gross_margin = _needed_columns(transactions, gross_margin, where)
    check_transactions(transactions, need, where)
    end = resolve_observation_end(transactions["date"], observation_end)
    keep = (transactions["date"].dt.normalize() <= end).to_numpy()
    if not keep.any():
        raise data_error("transactions", "date", f"no transactions on or before {end.date()}", n_bad=0)
    tx = transactions.loc[keep]
    amount = tx["amount"].to_numpy(dtype=np.float64)
    margin = amount * gross_margin if gross_margin is not None else amount - tx["cost"].to_numpy(np.float64)
    active = _active_matrix(tx, freq, _complete_end(end, freq))
    margin_sum = _margin_sums(tx, margin, freq, active)
    sizes = active[0].astype(np.int64)
    observed = active.notna().to_numpy()
    retention = active.div(sizes.to_numpy(), axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        margin_per_active = margin_sum / active.where(active > 0).to_numpy()
    dp = (1.0 + d) ** (1.0 / PERIODS_PER_YEAR[freq]) - 1.0
    pooled = _pooled(active, margin_sum, sizes, observed, dp)
    labels = pd.Index([_label(c, freq) for c in active.index], name="cohort")
    for tab in (active, retention, margin_per_active):
        tab.index = labels
        tab.columns = pd.Index(pooled.index.to_numpy(), name="period")
    sizes.index = labels
    sizes.name = "customers"
    return CohortCLV(
        active=active,
        retention=retention,
        margin=margin_per_active,
        pooled=pooled,
        sizes=sizes,
        freq=freq,
        period_discount_rate=dp,
    )
