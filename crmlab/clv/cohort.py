"""Cohort CLV from observed transactions: retention and margin of acquisition cohorts, discounted.

Customers are grouped by the period (month, quarter or year) of their first purchase; per cohort
and period since acquisition the share still buying and the margin per active customer give the
discounted value of an acquired customer so far (Berger & Nasr 1998; Gupta, Lehmann & Stuart 2004,
"Valuing customers", JMR 41(1)). :func:`crmlab.clv.plot_cohort_retention` and
:func:`crmlab.clv.plot_cohort_clv` draw the result. The monthly active-customer matrix is the
one of :func:`crmlab.cohorts.cohort_counts` restricted to complete months (a test checks it).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._validate import check_choice, check_number, data_error, resolve_observation_end
from ._checks import check_transactions

__all__ = ["PERIODS_PER_YEAR", "CohortCLV", "cohort_clv"]

PERIODS_PER_YEAR = {"M": 12, "Q": 4, "Y": 1}


def _period_ordinal(dates, freq: str) -> np.ndarray:
    """Periods counted from year 0: months (year*12 + month - 1), quarters or years."""
    dt = pd.DatetimeIndex(dates)
    year = dt.year.to_numpy().astype(np.int64)
    month = dt.month.to_numpy().astype(np.int64)
    if freq == "M":
        return year * 12 + month - 1
    if freq == "Q":
        return year * 4 + (month - 1) // 3
    return year


def _ordinal_label(ordinal: np.ndarray, freq: str) -> list[str]:
    """'2024-01', '2024Q1' or '2024'."""
    if freq == "M":
        return [f"{o // 12}-{o % 12 + 1:02d}" for o in ordinal]
    if freq == "Q":
        return [f"{o // 4}Q{o % 4 + 1}" for o in ordinal]
    return [str(o) for o in ordinal]


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
        the same number of periods, for comparison)."""
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


def _last_complete_period(end: pd.Timestamp, freq: str) -> int:
    """The last period fully observed: the one containing ``end`` only if ``end`` is its last day."""
    end_ord = int(_period_ordinal(pd.DatetimeIndex([end]), freq)[0])
    next_day_ord = int(_period_ordinal(pd.DatetimeIndex([end + pd.Timedelta(days=1)]), freq)[0])
    return end_ord if next_day_ord != end_ord else end_ord - 1


def _cohort_cells(tx: pd.DataFrame, margin: np.ndarray, freq: str, end: pd.Timestamp):
    """Active customers and margin sums per cohort (rows) and period since acquisition (columns).

    Cells of complete periods without a purchase are 0; periods not yet complete are NaN.
    Returns ``active``, ``margin_sum`` (index: cohort ordinals), ``sizes`` and the ``observed`` mask.
    """
    last_complete = _last_complete_period(end, freq)
    codes, uniques = pd.factorize(tx["customer_id"].to_numpy())
    ordn = _period_ordinal(tx["date"], freq)
    first = np.full(len(uniques), np.iinfo(np.int64).max)
    np.minimum.at(first, codes, ordn)
    cohort = first[codes]
    ok = ordn <= last_complete
    if not ok.any():
        raise data_error("transactions", "date", f"no complete {freq} period up to {end.date()}", n_bad=0)
    frame = pd.DataFrame(
        {"cohort": cohort[ok], "k": (ordn - cohort)[ok], "customer": codes[ok], "margin": margin[ok]}
    )
    grouped = frame.groupby(["cohort", "k"], sort=True)
    sizes = pd.Series(first[first <= last_complete]).value_counts().sort_index()
    cols = np.arange(int(last_complete - sizes.index.min() + 1))
    observed = (sizes.index.to_numpy()[:, None] + cols[None, :]) <= last_complete
    tables = []
    for cell in (grouped["customer"].nunique(), grouped["margin"].sum()):
        tab = cell.unstack("k").reindex(index=sizes.index, columns=cols)
        tables.append(tab.where(observed, np.nan).where(~observed | tab.notna(), 0.0))
    return tables[0], tables[1], sizes, observed


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
    active, margin_sum, sizes, observed = _cohort_cells(tx, margin, freq, end)
    retention = active.div(sizes.to_numpy(), axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        margin_per_active = margin_sum / active.where(active > 0)
    dp = (1.0 + d) ** (1.0 / PERIODS_PER_YEAR[freq]) - 1.0
    pooled = _pooled(active, margin_sum, sizes, observed, dp)
    labels = pd.Index(_ordinal_label(sizes.index.to_numpy(), freq), name="cohort")
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
