"""The steps of :func:`crmlab.loyalty.loyalty_factors`: purchase days, trend, share of wallet,
cross-buying and deal proneness."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._arrays import unique_sorted
from .._validate import require_columns
from ..clv import share_of_wallet
from ._common import WEEKS_PER_YEAR, _day_numbers


class _PurchaseDays:
    """The transactions up to the end day and their distinct (customer, day) pairs."""

    def __init__(self, tx, codes, days, key, ukey, pcode, pday):
        self.tx, self.codes, self.days, self.key = tx, codes, days, key
        self.ukey, self.pcode, self.pday = ukey, pcode, pday


def _purchase_days(transactions: pd.DataFrame, ids: pd.Index, end_day: int) -> _PurchaseDays:
    days_all = _day_numbers(transactions["date"])
    keep = days_all <= end_day
    tx = transactions.loc[keep]
    codes = ids.get_indexer(tx["customer_id"].to_numpy())
    days = days_all[keep]
    day0 = days.min()
    span = np.int64(end_day - day0 + 1)
    key = codes.astype(np.int64) * span + (days - day0)
    ukey = unique_sorted(key)
    return _PurchaseDays(tx, codes, days, key, ukey, ukey // span, ukey % span + day0)


def _trend(p: _PurchaseDays, n: int, end_day: int) -> np.ndarray:
    """A13: (late - early) / (late + early) purchase days in the halves of each customer's window."""
    first_day = np.full(n, np.iinfo(np.int64).max)
    np.minimum.at(first_day, p.pcode, p.pday)
    mid = first_day[p.pcode] + (end_day - first_day[p.pcode]) / 2.0
    late = np.bincount(p.pcode, weights=(p.pday > mid).astype(float), minlength=n)
    early = np.bincount(p.pcode, weights=(p.pday <= mid).astype(float), minlength=n)
    return (late - early) / (late + early)


def _share_of_wallet(
    out: pd.DataFrame, sources: dict, tx: pd.DataFrame, end_day: int, min_tenure_weeks: float, answers
) -> None:
    """A21 = S / (S + O), computed by :func:`crmlab.clv.share_of_wallet` (its one home).

    ``tx`` are the purchases up to ``end_day``; the tenure floor ``min_tenure_weeks`` becomes
    ``min_years = min_tenure_weeks / 52.18``, so that A21 and A12 share the same annual rate.
    Customers without an outside-spend answer get NaN, and so does a wallet of 0 (clv's
    function says 0 there; the index says "not estimated").
    """
    if answers is None or "A21" not in answers.columns:
        out["A21"] = np.nan
        return
    outside = answers["A21"]
    said = outside.notna().to_numpy()
    stated = pd.DataFrame(
        {"customer_id": out.index[said].astype(str), "outside_spend": outside.to_numpy()[said]}
    )
    end = pd.Timestamp(int(end_day), unit="D")
    sow = share_of_wallet(tx, stated, observation_end=end, min_years=min_tenure_weeks / WEEKS_PER_YEAR)
    share = sow["share_of_wallet"].where(sow["wallet"] > 0)
    out["A21"] = share.reindex(out.index.astype(str)).to_numpy(dtype=float)
    sources["A21"] = f"transactions + survey {answers.attrs['A21']}"


def _cross_buying(out: pd.DataFrame, sources: dict, p: _PurchaseDays) -> None:
    """A22: distinct categories bought (Verhoef, Franses & Hoekstra 2001); NaN without categories."""
    if "category" not in p.tx.columns:
        out["A22"] = np.nan
        return
    n_cat = pd.Series(p.tx["category"].to_numpy(), index=p.codes).groupby(level=0).nunique()
    a22 = np.full(len(out), np.nan)
    a22[n_cat.index.to_numpy()] = n_cat.to_numpy(dtype=float)
    out["A22"] = a22
    sources["A22"] = "transactions.category"


def _deal_proneness(out: pd.DataFrame, sources: dict, p: _PurchaseDays, promotions) -> None:
    """A32 without a survey item: the share of purchase days with a purchase on a promotion."""
    if "promotion_id" in p.tx.columns:
        on_deal = p.tx["promotion_id"].notna().to_numpy()
        deal = "transactions.promotion_id"
    elif promotions is not None:
        require_columns(promotions, ["start", "end"], "promotions", "loyalty_factors")
        starts = _day_numbers(promotions["start"])
        ends = _day_numbers(promotions["end"])
        on_deal = ((p.days[:, None] >= starts[None, :]) & (p.days[:, None] <= ends[None, :])).any(axis=1)
        deal = "promotion windows (promotions table)"
    else:
        return
    day_deal = np.zeros(len(p.ukey))
    np.maximum.at(day_deal, np.searchsorted(p.ukey, p.key), on_deal.astype(float))
    n = len(out)
    out["A32"] = np.bincount(p.pcode, weights=day_deal, minlength=n) / np.bincount(p.pcode, minlength=n)
    sources["A32"] = f"deal proneness from {deal}"
