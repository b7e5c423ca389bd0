"""Deterministic customer lifetime value and the economics of retention.

CLV is the present value of all future net profit from a customer over the
relationship. Four steps: determine the customer life cycle (who is still a
customer in each period: the survival ``S_t``), compute each period's net
profit ``m_t``, discount it by ``(1 + d)^t``, and sum.

Timing conventions (Gupta & Lehmann 2003, "Customers as assets", J. Interactive
Marketing 17(1); Berger & Nasr 1998, "Customer lifetime value: marketing models
and applications", J. Interactive Marketing 12(1)):

* ``timing="end"`` -- margins arrive at the *end* of periods ``t = 1..H`` and only
  from customers retained that long: ``CLV = sum_t m_t S_t / (1+d)^t`` with
  ``S_t = r_1 r_2 ... r_t``. Constant ``m, r`` and ``H = inf``: ``m r / (1 + d - r)``
  (Gupta & Lehmann's "margin multiple" ``r / (1 + d - r)``).
* ``timing="begin"`` -- margins arrive at the *start* of periods ``t = 0..H-1``; the
  first one is certain and undiscounted: ``CLV = sum_t m_t S_t / (1+d)^t`` with
  ``S_0 = 1``. Constant ``m, r`` and ``H = inf``: ``m (1 + d) / (1 + d - r)``.
* ``horizon`` is the number of margins summed; finite horizons use the geometric
  sums ``m q (1 - q^H) / (1 - q)`` (end) and ``m (1 - q^H) / (1 - q)`` (begin), with
  ``q = r / (1 + d)``.
* The acquisition cost, if any, is paid at ``t = 0`` and subtracted undiscounted.

Retention rates are per period (the share of last period's customers still
customers this period); ``discount_rate`` is per period in the same unit. Money
is in the unit of the margins (CDNOW: US$).

Also here: the six CLV components of the lecture (CLV1 initial purchase ...
CLV6 price premium) with a waterfall and a tornado sensitivity, per-customer
profitability and the whale curve (Kaplan & Narayanan 2001), cohort CLV from
observed transactions, Kotler's retention decision, a Reichheld & Sasser (1990)
style simulation of a 5-point retention lift, and Kotler's customer delivered
value.
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass, field
from numbers import Integral, Real

import numpy as np
import pandas as pd

from ..data import CRMDataError

__all__ = [
    "COMPONENTS",
    "discounted_clv",
    "clv_schedule",
    "margin_multiples",
    "CLVComponents",
    "clv_components",
    "clv_sensitivity",
    "plot_tornado",
    "customer_profitability",
    "relationship_costs",
    "share_of_wallet",
    "WhaleCurve",
    "whale_curve",
    "plot_whale_curve",
    "CohortCLV",
    "cohort_clv",
    "holdout_calibration",
    "RetentionDecision",
    "kotler_retention",
    "REICHHELD_PROFILES",
    "reichheld_simulation",
    "customer_delivered_value",
]

COMPONENTS = {
    "CLV1": "initial purchase",
    "CLV2": "repeat purchases & share of wallet",
    "CLV3": "cross-selling",
    "CLV4": "lower cost to serve",
    "CLV5": "referrals",
    "CLV6": "price premium",
}


# --------------------------------------------------------------------------- checks


def _number(name: str, value, *, lo=None, hi=None, lo_open=False, where="") -> float:
    """A finite real number within [lo, hi] (or (lo, hi] with lo_open), else ValueError."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise ValueError(f"{where}{name} must be a number, not {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{where}{name} must be finite, not {value!r}")
    if lo is not None and (value < lo or (lo_open and value == lo)):
        raise ValueError(f"{where}{name} must be {'>' if lo_open else '>='} {lo}, not {value!r}")
    if hi is not None and value > hi:
        raise ValueError(f"{where}{name} must be <= {hi}, not {value!r}")
    return value


def _horizon(horizon, where: str, *, allow_none: bool) -> int | None:
    if horizon is None:
        if allow_none:
            return None
        raise ValueError(f"{where}horizon must be a whole number of periods >= 1, not None")
    if isinstance(horizon, bool) or not isinstance(horizon, Integral) or horizon < 1:
        raise ValueError(
            f"{where}horizon must be a whole number of periods >= 1 (or None for "
            f"an infinite horizon), not {horizon!r}"
            if allow_none
            else f"{where}horizon must be a whole number of periods >= 1, not {horizon!r}"
        )
    return int(horizon)


def _timing(timing: str, where: str) -> str:
    if timing not in ("end", "begin"):
        raise ValueError(f"{where}timing must be 'end' or 'begin', not {timing!r}")
    return timing


def _values(name: str, x, where: str):
    """Classify an input: scalar, per-customer Series, per-period 1-D, customer x period 2-D."""
    index = None
    if isinstance(x, pd.DataFrame):
        kind, index = "table", x.index
        arr = x.to_numpy(dtype=np.float64, na_value=np.nan)
    elif isinstance(x, pd.Series):
        kind, index = "customer", x.index
        arr = x.to_numpy(dtype=np.float64, na_value=np.nan)
    elif np.ndim(x) == 0:
        if isinstance(x, bool) or not isinstance(x, Real):
            raise ValueError(f"{where}{name} must be numeric, not {x!r}")
        kind, arr = "scalar", np.float64(x)
    else:
        try:
            arr = np.asarray(x, dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError(f"{where}{name} must be numeric") from None
        if arr.ndim == 1:
            kind = "period"
        elif arr.ndim == 2:
            kind = "table"
        else:
            raise ValueError(
                f"{where}{name} must be a scalar, 1-D (per period) or 2-D "
                f"(customer x period), not {arr.ndim}-D"
            )
    if np.size(arr) == 0:
        raise ValueError(f"{where}{name} is empty")
    bad = ~np.isfinite(arr)
    if np.any(bad):
        raise ValueError(f"{where}{name}: {int(np.sum(bad))} value(s) are missing or infinite")
    return kind, arr, index


def _as_2d(kind: str, arr) -> np.ndarray:
    arr = np.asarray(arr, dtype=np.float64)
    if kind == "scalar":
        return arr.reshape(1, 1)
    if kind == "customer":
        return arr.reshape(-1, 1)
    if kind == "period":
        return arr.reshape(1, -1)
    return arr


# --------------------------------------------------------------------------- discounted CLV


def discounted_clv(
    margins,
    retention,
    discount_rate: float,
    horizon: int | None = None,
    acquisition_cost=0.0,
    timing: str = "end",
    method: str = "auto",
):
    """Present value of expected margins: ``CLV = sum_t m_t S_t / (1+d)^t - AC``.

    ``S_t`` is the share of customers still there at ``t`` (product of the retention
    rates up to ``t``); see the module docstring for the two timings. Closed forms
    for constant ``m`` and ``r`` (``q = r / (1 + d)``):

    ======  ===========================  ===========================
    timing  infinite horizon             ``H`` periods
    ======  ===========================  ===========================
    end     ``m r / (1 + d - r)``        ``m q (1 - q^H) / (1 - q)``
    begin   ``m (1 + d) / (1 + d - r)``  ``m (1 - q^H) / (1 - q)``
    ======  ===========================  ===========================

    Sources: Gupta & Lehmann (2003); Berger & Nasr (1998), cases 1-2.

    Parameters
    ----------
    margins : net profit (margin) per period of a customer who is still there.
        A number (constant margin); a 1-D list/array (one margin per period,
        ``t = 1..H`` for end timing, ``t = 0..H-1`` for begin timing); a
        ``pd.Series`` (one constant margin per customer, index = customer_id); or a
        2-D array / DataFrame (one row per customer or cohort, one column per period).
    retention : per-period retention rate(s) in [0, 1], with the same shapes:
        number, 1-D per period (element ``k`` is the rate at the ``k``-th renewal;
        with begin timing the last one is never needed), Series per customer,
        or 2-D customer x period.
    discount_rate : per-period discount rate ``d`` (> -1; >= 0 typical).
    horizon : number of margins summed; ``None`` = infinite when every input is
        constant over time, else the number of periods given.
    acquisition_cost : paid at ``t = 0``, subtracted (number or Series per customer).
    timing : "end" (default) or "begin".
    method : "auto" (closed form when inputs are constant over time, else the sum),
        "sum" (always the explicit sum; an infinite horizon is summed until
        ``q^t < 1e-15``) or "closed" (closed form; ValueError if none exists).

    Returns a float for scalar / per-period inputs, a Series named ``clv`` indexed
    like the per-customer input, or a 1-D array for a 2-D array input. Money in the
    unit of ``margins``.
    """
    where = "discounted_clv: "
    timing = _timing(timing, where)
    if method not in ("auto", "sum", "closed"):
        raise ValueError(f"{where}method must be 'auto', 'sum' or 'closed', not {method!r}")
    d = _number("discount_rate", discount_rate, lo=-1.0, lo_open=True, where=where)
    horizon = _horizon(horizon, where, allow_none=True)
    mk, marr, midx = _values("margins", margins, where)
    rk, rarr, ridx = _values("retention", retention, where)
    ak, aarr, aidx = _values("acquisition_cost", acquisition_cost, where)
    if ak not in ("scalar", "customer"):
        raise ValueError(f"{where}acquisition_cost must be a number or a Series per customer")
    if np.any((rarr < 0) | (rarr > 1)):
        bad = np.asarray(rarr).ravel()
        example = bad[(bad < 0) | (bad > 1)][0]
        raise ValueError(f"{where}retention rates must be within [0, 1]; found {example!r}")

    # customer axis: index and size must agree across inputs
    index = None
    n = None
    for name, kind, arr, idx in (
        ("margins", mk, marr, midx),
        ("retention", rk, rarr, ridx),
        ("acquisition_cost", ak, aarr, aidx),
    ):
        if kind in ("customer", "table"):
            size = np.shape(arr)[0]
            if n is not None and size != n:
                raise ValueError(f"{where}{name} has {size} customers, other inputs have {n}")
            n = size
            if idx is not None:
                if index is not None and not index.equals(idx):
                    raise ValueError(
                        f"{where}the customer indexes of the inputs differ; align "
                        f"them first (e.g. with .reindex)"
                    )
                index = idx if index is None else index
    # period axis
    periods = None
    for name, kind, arr in (("margins", mk, marr), ("retention", rk, rarr)):
        if kind in ("period", "table"):
            size = np.shape(arr)[-1]
            if periods is not None and size != periods:
                raise ValueError(f"{where}margins and retention give {periods} and {size} periods")
            periods = size
    if periods is not None and horizon is not None and horizon != periods:
        raise ValueError(
            f"{where}horizon={horizon} but the inputs give {periods} periods; "
            "drop horizon or give one value per period"
        )
    H = horizon if periods is None else periods

    constant = periods is None
    if method == "closed" and not constant:
        raise ValueError(f"{where}no closed form: margins or retention vary over periods")
    M = _as_2d(mk, marr)
    R = _as_2d(rk, rarr)
    if H is None and np.any(R >= 1 + d):
        raise ValueError(
            f"{where}an infinite horizon needs retention < 1 + discount_rate (here d={d}); the sum diverges"
        )

    if constant and method in ("auto", "closed"):
        m, r = M[:, 0], R[:, 0]
        q = r / (1.0 + d)
        lead = q if timing == "end" else np.ones_like(q)
        if H is None:
            value = m * lead / (1.0 - q)
        else:
            at_one = np.abs(1.0 - q) < 1e-12  # r = 1 + d: every term is m
            q_safe = np.where(at_one, 0.0, q)
            geo = np.where(at_one, float(H), (1.0 - q_safe**H) / (1.0 - q_safe))
            value = m * lead * geo
    else:
        if H is None:
            qmax = float(np.max(R)) / (1.0 + d)
            H = 1 if qmax == 0 else int(math.ceil(math.log(1e-15) / math.log(qmax))) + 1
        rows = max(M.shape[0], R.shape[0])
        if rows * H > 50_000_000:
            raise ValueError(
                f"{where}{rows} x {H} periods is too large for the explicit sum; "
                "use method='auto' (closed form) or a shorter horizon"
            )
        value = _expected_pv(
            np.broadcast_to(M, (M.shape[0], H)), np.broadcast_to(R, (R.shape[0], H)), d, timing
        ).sum(axis=1)
    value = value - np.asarray(_as_2d(ak, aarr))[:, 0]

    if n is None:
        return float(value[0])
    value = np.broadcast_to(value, (n,)).astype(np.float64)
    if index is not None:
        return pd.Series(value, index=index, name="clv")
    return value


def _survival_discount(R: np.ndarray, d: float, timing: str):
    """Survival S_t and discount factors for H periods; R is (rows, H)."""
    H = R.shape[1]
    if timing == "end":
        t = np.arange(1, H + 1)
        S = np.cumprod(R, axis=1)
    else:
        t = np.arange(H)
        S = np.concatenate([np.ones((R.shape[0], 1)), np.cumprod(R[:, :-1], axis=1)], axis=1)
    return t, S, (1.0 + d) ** -t.astype(np.float64)


def _expected_pv(M: np.ndarray, R: np.ndarray, d: float, timing: str) -> np.ndarray:
    _, S, disc = _survival_discount(R, d, timing)
    return M * S * disc


def clv_schedule(
    margins, retention, discount_rate: float, horizon: int | None = None, timing: str = "end"
) -> pd.DataFrame:
    """The four steps of CLV, one row per period: life cycle, net profit, discount, sum.

    Columns: ``margin`` (m_t, net profit of a customer still there), ``retention``
    (r_t), ``survival`` (S_t, share of the customers still there), ``discount_factor``
    ((1+d)^-t), ``expected_margin`` (m_t S_t), ``present_value`` (m_t S_t (1+d)^-t) and
    ``cumulative_clv``. The last ``cumulative_clv`` equals ``discounted_clv`` with the
    same arguments (Gupta & Lehmann 2003). One customer or cohort: margins and
    retention are numbers or 1-D per period; ``horizon`` is required when both are
    numbers. Index: ``period`` (1..H for end timing, 0..H-1 for begin).
    """
    where = "clv_schedule: "
    timing = _timing(timing, where)
    d = _number("discount_rate", discount_rate, lo=-1.0, lo_open=True, where=where)
    horizon = _horizon(horizon, where, allow_none=True)
    mk, marr, _ = _values("margins", margins, where)
    rk, rarr, _ = _values("retention", retention, where)
    for name, kind in (("margins", mk), ("retention", rk)):
        if kind not in ("scalar", "period"):
            raise ValueError(
                f"{where}{name} must be a number or 1-D per period (one customer "
                "or cohort); use discounted_clv for many customers"
            )
    if np.any((rarr < 0) | (rarr > 1)):
        raise ValueError(f"{where}retention rates must be within [0, 1]")
    lengths = {np.size(a) for k, a in ((mk, marr), (rk, rarr)) if k == "period"}
    if len(lengths) > 1:
        raise ValueError(f"{where}margins and retention give different numbers of periods {lengths}")
    H = lengths.pop() if lengths else horizon
    if H is None:
        raise ValueError(f"{where}give a horizon (the schedule of an infinite horizon is endless)")
    if horizon is not None and horizon != H:
        raise ValueError(f"{where}horizon={horizon} but the inputs give {H} periods")
    M = np.broadcast_to(_as_2d(mk, marr), (1, H))
    R = np.broadcast_to(_as_2d(rk, rarr), (1, H))
    t, S, disc = _survival_discount(R, d, timing)
    pv = M[0] * S[0] * disc
    return pd.DataFrame(
        {
            "margin": M[0],
            "retention": R[0],
            "survival": S[0],
            "discount_factor": disc,
            "expected_margin": M[0] * S[0],
            "present_value": pv,
            "cumulative_clv": np.cumsum(pv),
        },
        index=pd.Index(t, name="period"),
    )


def margin_multiples(retention, discount_rate, timing: str = "end") -> pd.DataFrame:
    """Gupta & Lehmann's margin multiple: CLV per unit of constant margin, infinite horizon.

    ``r / (1 + d - r)`` (end timing) or ``(1 + d) / (1 + d - r)`` (begin timing).
    Returns a DataFrame with one row per retention rate and one column per discount
    rate (Gupta & Lehmann 2003, table 2; dimensionless: multiply by the margin).
    """
    where = "margin_multiples: "
    timing = _timing(timing, where)
    r = np.atleast_1d(np.asarray(retention, dtype=np.float64))
    d = np.atleast_1d(np.asarray(discount_rate, dtype=np.float64))
    if r.ndim != 1 or d.ndim != 1 or not (np.all(np.isfinite(r)) and np.all(np.isfinite(d))):
        raise ValueError(f"{where}retention and discount_rate must be finite numbers or 1-D lists")
    if np.any((r < 0) | (r > 1)):
        raise ValueError(f"{where}retention rates must be within [0, 1]")
    if np.any(d[None, :] + 1 - r[:, None] <= 0):
        raise ValueError(f"{where}an infinite horizon needs retention < 1 + discount_rate")
    num = r[:, None] if timing == "end" else (1 + d)[None, :]
    out = num / (1 + d[None, :] - r[:, None])
    return pd.DataFrame(out, index=pd.Index(r, name="retention"), columns=pd.Index(d, name="discount_rate"))


# --------------------------------------------------------------------------- six components


@dataclass
class CLVComponents:
    """CLV split into the lecture's six sources of value, per year and in total.

    ``cash_flows``: per *retained* customer and year (undiscounted): revenue, share of
    wallet (NaN in the model without it), CLV1..CLV6 and ``net_profit``.
    ``by_year``: expected present value per year: ``survival``, ``discount_factor``,
    CLV1..CLV6 (cash flow x survival x discount factor), ``total`` and ``cumulative``.
    ``assumptions``: the arguments used. ``total``: the CLV (sum of every component).
    """

    cash_flows: pd.DataFrame
    by_year: pd.DataFrame
    assumptions: dict = field(default_factory=dict)

    @property
    def total(self) -> float:
        return float(self.by_year["total"].sum())

    def summary(self) -> pd.DataFrame:
        """One row per component: ``source``, ``present_value``, ``share_of_clv`` (of the total)."""
        pv = self.by_year[list(COMPONENTS)].sum()
        total = float(pv.sum())
        out = pd.DataFrame(
            {
                "source": list(COMPONENTS.values()),
                "present_value": pv.to_numpy(),
                "share_of_clv": pv.to_numpy() / total if total != 0 else np.nan,
            },
            index=pd.Index(list(COMPONENTS), name="component"),
        )
        out.loc["CLV"] = ["customer lifetime value", total, 1.0 if total != 0 else np.nan]
        return out

    def plot_waterfall(self, ax=None, title: str | None = None):
        """Waterfall: each component's present value stacked from 0 to the CLV."""
        import matplotlib.pyplot as plt

        summary = self.summary()
        values = summary["present_value"].iloc[:-1].to_numpy()
        labels = [k + "\n" + textwrap.fill(v, 14) for k, v in COMPONENTS.items()] + ["CLV"]
        starts = np.r_[0.0, np.cumsum(values)[:-1]]
        if ax is None:
            _, ax = plt.subplots(figsize=(9, 4))
        colors = np.where(values >= 0, "#4c956c", "#d1495b")
        ax.bar(range(6), values, bottom=starts, color=colors, edgecolor="black", linewidth=0.5)
        ax.bar(6, self.total, color="#2f6690", edgecolor="black", linewidth=0.5)
        for i, (s, v) in enumerate(zip(starts, values)):
            ax.text(i, s + v + (0.01 * abs(self.total)), f"{v:,.0f}", ha="center", va="bottom", fontsize=8)
        ax.text(6, self.total, f"{self.total:,.0f}", ha="center", va="bottom", fontsize=8)
        ax.axhline(0, color="black", linewidth=0.8)
        ax.set_xticks(range(7), labels, fontsize=7)
        ax.set_ylabel("present value per acquired customer")
        ax.set_title(title or "CLV by source of value")
        return ax


def _rate_path(value, H: int, name: str, where: str, *, lo=0.0, hi=1.0) -> np.ndarray:
    kind, arr, _ = _values(name, value, where)
    if kind == "scalar":
        arr = np.full(H, float(arr))
    elif kind == "period":
        if arr.size != H:
            raise ValueError(f"{where}{name} has {arr.size} values for a horizon of {H} years")
    else:
        raise ValueError(f"{where}{name} must be a number or one value per year")
    if np.any((arr < lo) | (arr > hi)):
        raise ValueError(f"{where}{name} must be within [{lo}, {hi}]")
    return arr


def clv_components(
    *,
    horizon: int = 10,
    discount_rate: float = 0.10,
    retention=0.80,
    first_purchase_margin: float = 40.0,
    acquisition_cost: float = 60.0,
    revenue: float = 300.0,
    gross_margin: float = 0.30,
    revenue_growth: float = 0.03,
    wallet: float | None = None,
    share_of_wallet_max: float = 0.6,
    share_of_wallet_speed: float = 0.3,
    cross_sell_rate: float = 0.15,
    cross_sell_margin: float = 30.0,
    serving_cost: float = 25.0,
    cost_decline: float = 0.10,
    marketing_cost: float = 10.0,
    referral_rate: float = 0.05,
    referral_value: float = 80.0,
    price_premium: float = 0.03,
) -> CLVComponents:
    """CLV = CLV1 + ... + CLV6, the lecture's six sources of customer value, year by year.

    Year 0 (acquisition, certain): ``CLV1 = first_purchase_margin - acquisition_cost``.
    Year ``t = 1..H``, for a customer still there (end of year), with revenue ``R_t``:

    * CLV2 repeat purchases: ``gross_margin R_t - serving_cost - marketing_cost``, where
      ``R_t = revenue (1 + g)^(t-1)`` (model *without* share of wallet), or
      ``R_t = wallet (1 + g)^(t-1) s_t`` (model *with* share of wallet, when ``wallet``
      is given) with ``s_t = s_max - (s_max - s_1)(1 - speed)^(t-1)``,
      ``s_1 = revenue / wallet``: both models start from the same year-1 revenue and
      differ only by the rising share of wallet. ``g`` = ``revenue_growth`` (change in
      customer revenue; the wallet's growth in the second model).
    * CLV3 cross-selling: ``cross_sell_margin (1 - (1 - cross_sell_rate)^(t-1))`` -- the
      expected margin of a second product line adopted at ``cross_sell_rate`` a year.
    * CLV4 lower cost to serve: ``serving_cost (1 - (1 - cost_decline)^(t-1))`` -- the
      saving against year 1's relationship-maintenance cost.
    * CLV5 referrals: ``referral_rate referral_value`` -- referred new customers per
      customer and year times the value of one (e.g. the acquisition cost saved).
    * CLV6 price premium: ``price_premium R_t`` from year 2 on (loyal customers are
      less price-sensitive; the premium is pure margin).

    Each year is weighted by ``S_t = r_1 ... r_t`` and discounted by ``(1 + d)^-t``
    (``retention``: a number or one rate per year). Units: money per year and per
    customer; rates per year as fractions.

    Sources: the lecture's CLV1..CLV6; Reichheld & Sasser (1990) "Zero defections",
    HBR 68(5) (profit from acquisition, base profit, increased purchases, lower
    operating cost, referrals, price premium); Gupta & Lehmann (2003).
    """
    where = "clv_components: "
    H = _horizon(horizon, where, allow_none=False)
    d = _number("discount_rate", discount_rate, lo=-1.0, lo_open=True, where=where)
    r = _rate_path(retention, H, "retention", where)
    fpm = _number("first_purchase_margin", first_purchase_margin, where=where)
    ac = _number("acquisition_cost", acquisition_cost, lo=0.0, where=where)
    rev = _number("revenue", revenue, lo=0.0, where=where)
    gm = _number("gross_margin", gross_margin, lo=0.0, hi=1.0, where=where)
    g = _number("revenue_growth", revenue_growth, lo=-1.0, lo_open=True, where=where)
    xs_rate = _number("cross_sell_rate", cross_sell_rate, lo=0.0, hi=1.0, where=where)
    xs_margin = _number("cross_sell_margin", cross_sell_margin, where=where)
    c0 = _number("serving_cost", serving_cost, lo=0.0, where=where)
    decline = _number("cost_decline", cost_decline, lo=0.0, hi=1.0, where=where)
    mkt = _number("marketing_cost", marketing_cost, lo=0.0, where=where)
    ref_rate = _number("referral_rate", referral_rate, lo=0.0, where=where)
    ref_value = _number("referral_value", referral_value, where=where)
    premium = _number("price_premium", price_premium, lo=0.0, hi=1.0, where=where)

    t = np.arange(1, H + 1, dtype=np.float64)
    growth = (1.0 + g) ** (t - 1)
    if wallet is None:
        sow = np.full(H, np.nan)
        R_t = rev * growth
    else:
        w = _number("wallet", wallet, lo=0.0, lo_open=True, where=where)
        if rev > w:
            raise ValueError(
                f"{where}revenue ({rev}) cannot exceed the wallet ({w}): the "
                "share of wallet starts at revenue / wallet"
            )
        s1 = rev / w
        smax = _number("share_of_wallet_max", share_of_wallet_max, lo=s1, hi=1.0, where=where)
        speed = _number("share_of_wallet_speed", share_of_wallet_speed, lo=0.0, hi=1.0, where=where)
        sow = smax - (smax - s1) * (1.0 - speed) ** (t - 1)
        R_t = w * growth * sow

    flows = pd.DataFrame(
        {
            "revenue": np.r_[np.nan, R_t],
            "share_of_wallet": np.r_[np.nan, sow],
            "CLV1": np.r_[fpm - ac, np.zeros(H)],
            "CLV2": np.r_[0.0, gm * R_t - c0 - mkt],
            "CLV3": np.r_[0.0, xs_margin * (1.0 - (1.0 - xs_rate) ** (t - 1))],
            "CLV4": np.r_[0.0, c0 * (1.0 - (1.0 - decline) ** (t - 1))],
            "CLV5": np.r_[0.0, np.full(H, ref_rate * ref_value)],
            "CLV6": np.r_[0.0, premium * R_t * (t >= 2)],
        },
        index=pd.Index(np.arange(H + 1), name="year"),
    )
    flows["net_profit"] = flows[list(COMPONENTS)].sum(axis=1)

    survival = np.r_[1.0, np.cumprod(r)]
    disc = (1.0 + d) ** -np.arange(H + 1, dtype=np.float64)
    by_year = pd.DataFrame({"survival": survival, "discount_factor": disc}, index=flows.index)
    for comp in COMPONENTS:
        by_year[comp] = flows[comp].to_numpy() * survival * disc
    by_year["total"] = by_year[list(COMPONENTS)].sum(axis=1)
    by_year["cumulative"] = by_year["total"].cumsum()
    assumptions = dict(
        horizon=H,
        discount_rate=d,
        retention=retention,
        first_purchase_margin=fpm,
        acquisition_cost=ac,
        revenue=rev,
        gross_margin=gm,
        revenue_growth=g,
        wallet=wallet,
        share_of_wallet_max=share_of_wallet_max,
        share_of_wallet_speed=share_of_wallet_speed,
        cross_sell_rate=xs_rate,
        cross_sell_margin=xs_margin,
        serving_cost=c0,
        cost_decline=decline,
        marketing_cost=mkt,
        referral_rate=ref_rate,
        referral_value=ref_value,
        price_premium=premium,
    )
    return CLVComponents(cash_flows=flows, by_year=by_year, assumptions=assumptions)


# Bounds used when a factor is moved by +-x % in the tornado.
_FACTOR_BOUNDS = {
    "retention": (0.0, 1.0),
    "gross_margin": (0.0, 1.0),
    "cross_sell_rate": (0.0, 1.0),
    "cost_decline": (0.0, 1.0),
    "share_of_wallet_max": (0.0, 1.0),
    "share_of_wallet_speed": (0.0, 1.0),
    "price_premium": (0.0, 1.0),
}
_SHOW_FACTORS = {
    "horizon": "horizon (years)",
    "discount_rate": "discount rate",
    "retention": "retention rate",
    "referral_rate": "referral rate",
    "revenue_growth": "change in customer revenue",
    "serving_cost": "relationship-maintenance cost",
    "marketing_cost": "marketing cost",
    "acquisition_cost": "acquisition cost",
    "first_purchase_margin": "first-purchase margin",
    "revenue": "year-1 revenue",
    "gross_margin": "gross margin",
    "wallet": "wallet",
    "share_of_wallet_max": "maximum share of wallet",
    "share_of_wallet_speed": "share-of-wallet speed",
    "cross_sell_rate": "cross-sell uptake",
    "cross_sell_margin": "cross-sell margin",
    "cost_decline": "cost-to-serve decline",
    "referral_value": "value of a referral",
    "price_premium": "price premium",
}


def clv_sensitivity(change: float = 0.10, factors=None, **assumptions) -> pd.DataFrame:
    """Tornado table: CLV when each factor alone moves by -x % and +x %, ranked by swing.

    ``swing = |CLV(high) - CLV(low)|``. ``assumptions`` are :func:`clv_components`
    keywords (defaults for the rest); ``factors`` default to every numeric factor
    with a non-zero value (horizon, discount rate, retention, referral rate, change
    in customer revenue, relationship-maintenance and marketing cost, ...). Moved
    values are rounded (horizon, to whole years >= 1) or clipped to their valid range
    (rates within [0, 1]); the table shows the values actually used.

    Columns: ``factor`` (label), ``base_value``, ``low_value``, ``high_value``,
    ``clv_low``, ``clv_high``, ``swing``, ``base_clv``; index ``parameter``; sorted by
    swing, largest first (ties keep the order of ``factors``). Money as in
    :func:`clv_components`. One-way sensitivity analysis (e.g. Clemen 1996, ch. 5).
    """
    where = "clv_sensitivity: "
    x = _number("change", change, lo=0.0, lo_open=True, hi=1.0, where=where)
    base_model = clv_components(**assumptions)
    base = dict(base_model.assumptions)
    if factors is None:
        factors = [
            k
            for k in _SHOW_FACTORS
            if isinstance(base.get(k), Real) and not isinstance(base.get(k), bool) and base.get(k) != 0
        ]
        if base.get("wallet") is None:
            factors = [k for k in factors if not k.startswith("share_of_wallet")]
        if not isinstance(base["retention"], Real):  # a per-year path fixes the horizon
            factors = [k for k in factors if k != "horizon"]
    else:
        factors = list(factors)
        unknown = [f for f in factors if f not in _SHOW_FACTORS]
        if unknown:
            raise ValueError(f"{where}unknown factor(s) {unknown}; known: {list(_SHOW_FACTORS)}")
        not_scalar = [f for f in factors if not isinstance(base.get(f), Real)]
        if not_scalar:
            raise ValueError(
                f"{where}factor(s) {not_scalar} are not single numbers here "
                "(per-year paths or None) and cannot be moved by +-x %"
            )
    rows = []
    for f in factors:  # one model per factor and direction: a handful of tiny computations
        v = float(base[f])
        moved = []
        for sign in (-1.0, 1.0):
            new = v * (1.0 + sign * x)
            if f == "horizon":
                new = max(1, int(round(new)))
            elif f in _FACTOR_BOUNDS:
                lo, hi = _FACTOR_BOUNDS[f]
                new = min(max(new, lo), hi)
            if f == "share_of_wallet_max" and base.get("wallet"):
                new = max(new, base["revenue"] / base["wallet"])
            if f == "wallet":
                new = max(new, base["revenue"])
            if f == "revenue" and base.get("wallet"):
                new = min(new, base["wallet"])
            moved.append(new)
        clvs = [clv_components(**{**base, f: m}).total for m in moved]
        rows.append((f, _SHOW_FACTORS[f], v, moved[0], moved[1], clvs[0], clvs[1]))
    out = pd.DataFrame(
        rows, columns=["parameter", "factor", "base_value", "low_value", "high_value", "clv_low", "clv_high"]
    ).set_index("parameter")
    out["swing"] = (out["clv_high"] - out["clv_low"]).abs()
    out["base_clv"] = base_model.total
    return out.sort_values("swing", ascending=False, kind="stable")


def plot_tornado(sensitivity: pd.DataFrame, ax=None, title: str | None = None):
    """Tornado chart of :func:`clv_sensitivity`: bars from the base CLV to CLV(-x %) and CLV(+x %)."""
    import matplotlib.pyplot as plt

    need = {"factor", "clv_low", "clv_high", "base_clv"}
    if not need <= set(sensitivity.columns):
        raise ValueError(f"plot_tornado: expected the output of clv_sensitivity (columns {sorted(need)})")
    frame = sensitivity.iloc[::-1]
    base = float(frame["base_clv"].iloc[0])
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 0.35 * len(frame) + 1.2))
    y = np.arange(len(frame))
    ax.barh(y, frame["clv_low"] - base, left=base, color="#d1495b", label="factor -x %")
    ax.barh(y, frame["clv_high"] - base, left=base, color="#4c956c", label="factor +x %")
    ax.axvline(base, color="black", linewidth=0.8)
    ax.set_yticks(y, frame["factor"])
    ax.set_xlabel(f"CLV (base {base:,.0f})")
    ax.set_title(title or "Sensitivity of CLV to each factor")
    ax.legend(loc="lower right", fontsize=8)
    return ax


# --------------------------------------------------------------------------- profitability


def _require_frame(frame, need, table: str) -> None:
    """CRMDataError unless ``frame`` is a DataFrame with every column in ``need``."""
    if not isinstance(frame, pd.DataFrame):
        raise CRMDataError(f"{table}: expected a DataFrame, not {type(frame).__name__}", table=table)
    missing = [c for c in need if c not in frame.columns]
    if missing:
        raise CRMDataError(
            f"{table}.{missing[0]}: missing column(s) {missing}; found {list(frame.columns)}",
            table=table,
            column=missing[0],
            n_bad=len(missing),
        )


def _check_transactions(transactions: pd.DataFrame, need, table: str = "transactions") -> None:
    _require_frame(transactions, need, table)
    if len(transactions) == 0:
        raise CRMDataError(f"{table}: no rows", table=table, n_bad=0)
    for col in need:
        if col in ("customer_id",):
            bad = transactions[col].isna().to_numpy()
        elif col == "date":
            bad = transactions[col].isna().to_numpy()
            if not pd.api.types.is_datetime64_any_dtype(transactions[col]):
                raise CRMDataError(
                    f"{table}.date: dates must be datetime64 (use crmlab.data.load_transactions)",
                    table=table,
                    column="date",
                )
        else:
            if not pd.api.types.is_numeric_dtype(transactions[col]):
                raise CRMDataError(
                    f"{table}.{col}: must be numeric (dtype {transactions[col].dtype})",
                    table=table,
                    column=col,
                )
            bad = ~np.isfinite(transactions[col].to_numpy(dtype=np.float64, na_value=np.nan))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            row = transactions.iloc[i]
            example = f"row {transactions.index[i]!r}: " + ", ".join(
                f"{c}={row[c]!r}" for c in ("customer_id", "date", col) if c in transactions.columns
            )
            raise CRMDataError(
                f"{table}.{col}: {int(bad.sum()):,} of {len(transactions):,} rows "
                f"are missing or not finite (example: {example})",
                table=table,
                column=col,
                n_bad=int(bad.sum()),
                example=example,
            )


def customer_profitability(transactions: pd.DataFrame, customer_costs=None) -> pd.DataFrame:
    """Revenue, direct cost, contribution and profit per customer.

    ``contribution = revenue - direct costs`` (the ``cost`` column of the transactions:
    cost of goods and cost to serve each order); ``profit = contribution - customer-level
    costs`` (``customer_costs``: serving, marketing or other costs not tied to an
    order -- a DataFrame indexed by customer_id, or with a ``customer_id`` column, whose
    numeric columns are summed, or a Series). Customers in ``customer_costs`` without
    a transaction are kept with zero revenue: they cost without buying.

    Columns: ``orders`` (distinct ``order_id`` if present, else rows), ``revenue``,
    ``direct_cost``, ``contribution``, ``contribution_margin`` (contribution / revenue,
    NaN without revenue), ``indirect_cost``, ``profit``. Index: customer_id. Money in
    the unit of ``amount``. Source: Kaplan & Narayanan (2001) "Measuring and managing
    customer profitability", J. Cost Management 15(5); customer profitability = all
    revenue - all costs, contribution = revenue - direct costs.
    """
    table = "transactions"
    _check_transactions(transactions, ["customer_id", "amount", "cost"], table)
    keys = transactions["customer_id"]
    grouped = transactions.groupby(keys, sort=True, observed=True)
    out = pd.DataFrame(
        {
            "orders": grouped["order_id"].nunique() if "order_id" in transactions.columns else grouped.size(),
            "revenue": grouped["amount"].sum(),
            "direct_cost": grouped["cost"].sum(),
        }
    )
    out.index.name = "customer_id"
    indirect = pd.Series(0.0, index=out.index)
    if customer_costs is not None:
        costs = _customer_costs(customer_costs)
        out = out.reindex(out.index.union(costs.index))
        out[["revenue", "direct_cost"]] = out[["revenue", "direct_cost"]].fillna(0.0)
        out["orders"] = out["orders"].fillna(0).astype(np.int64)
        indirect = costs.reindex(out.index, fill_value=0.0)
    out["orders"] = out["orders"].astype(np.int64)
    out["contribution"] = out["revenue"] - out["direct_cost"]
    revenue = out["revenue"].to_numpy()
    out["contribution_margin"] = np.divide(
        out["contribution"].to_numpy(), revenue, out=np.full(len(out), np.nan), where=revenue != 0
    )
    out["indirect_cost"] = indirect.to_numpy(dtype=np.float64)
    out["profit"] = out["contribution"] - out["indirect_cost"]
    return out


def _customer_costs(costs) -> pd.Series:
    table = "customer_costs"
    if isinstance(costs, pd.Series):
        frame = costs.to_frame()
    elif isinstance(costs, pd.DataFrame):
        frame = costs.set_index("customer_id") if "customer_id" in costs.columns else costs
    else:
        raise CRMDataError(f"{table}: expected a DataFrame or Series indexed by customer_id", table=table)
    frame = frame.copy()
    frame.index = frame.index.astype(str)
    dup = frame.index.duplicated(keep=False)
    if dup.any():
        raise CRMDataError(
            f"{table}.customer_id: {int(dup.sum())} rows repeat a customer id "
            f"(example: {frame.index[dup][0]!r})",
            table=table,
            column="customer_id",
            n_bad=int(dup.sum()),
            example=str(frame.index[dup][0]),
        )
    numeric = [
        c
        for c in frame.columns
        if pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])
    ]
    if not numeric:
        raise CRMDataError(f"{table}: no numeric cost column; found {list(frame.columns)}", table=table)
    values = frame[numeric].to_numpy(dtype=np.float64, na_value=np.nan)
    bad = ~np.isfinite(values)
    if bad.any():
        i, j = (int(a[0]) for a in np.nonzero(bad))
        raise CRMDataError(
            f"{table}.{numeric[j]}: {int(bad.sum())} missing or infinite costs "
            f"(example: customer_id={frame.index[i]!r})",
            table=table,
            column=numeric[j],
            n_bad=int(bad.sum()),
            example=str(frame.index[i]),
        )
    return pd.Series(values.sum(axis=1), index=frame.index, name="indirect_cost")


def relationship_costs(
    customers: pd.DataFrame,
    observation_end,
    maintenance_per_year: float = 0.0,
    acquisition_cost=0.0,
    since: str = "signup_date",
    transactions: pd.DataFrame | None = None,
    lapse_days: int = 365,
) -> pd.DataFrame:
    """Customer-level costs not tied to an order: acquisition and relationship maintenance.

    ``acquisition_cost``: a number, or a mapping ``{acquisition_channel: cost}`` (every
    channel in the table must be priced); ``maintenance_cost = maintenance_per_year x
    years`` from ``since`` (default ``signup_date``) to the end of the relationship (years of
    365.25 days; 0 for later dates). Without ``transactions`` the relationship lasts to
    ``observation_end``; with them it ends ``lapse_days`` after the customer's last purchase
    (or after ``since`` for a customer who never bought), capped at ``observation_end``: a
    firm stops maintaining customers who have left. Returns a DataFrame indexed by
    customer_id with ``acquisition_cost`` and ``maintenance_cost``, ready for
    ``customer_profitability(..., customer_costs=...)``. Money in the unit given.
    """
    table = "customers"
    where = "relationship_costs: "
    m = _number("maintenance_per_year", maintenance_per_year, lo=0.0, where=where)
    need = ["customer_id", since] + (["acquisition_channel"] if isinstance(acquisition_cost, dict) else [])
    _require_frame(customers, need, table)
    start = pd.to_datetime(customers[since], errors="coerce")
    bad = start.isna().to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        example = f"customer_id={customers['customer_id'].iloc[i]!r}, {since}={customers[since].iloc[i]!r}"
        raise CRMDataError(
            f"{table}.{since}: {int(bad.sum())} missing or unreadable dates (example: {example})",
            table=table,
            column=since,
            n_bad=int(bad.sum()),
            example=example,
        )
    end = pd.Timestamp(observation_end)
    until = pd.Series(end, index=customers.index)
    if transactions is not None:
        if lapse_days < 0:
            raise ValueError(f"{where}lapse_days must be >= 0, not {lapse_days}")
        last = transactions.groupby("customer_id")["date"].max()
        last_or_start = pd.to_datetime(customers["customer_id"].map(last)).fillna(start)
        until = (last_or_start + pd.Timedelta(days=lapse_days)).clip(upper=end)
    years = np.maximum((until - start).dt.days.to_numpy(dtype=np.float64), 0.0) / 365.25
    if isinstance(acquisition_cost, dict):
        channel = customers["acquisition_channel"]
        cost = channel.map(acquisition_cost)
        unpriced = cost.isna().to_numpy()
        if unpriced.any():
            missing_channels = sorted(map(str, channel[unpriced].unique()))
            raise CRMDataError(
                f"{table}.acquisition_channel: {int(unpriced.sum())} customers "
                f"come from channels without a cost {missing_channels}",
                table=table,
                column="acquisition_channel",
                n_bad=int(unpriced.sum()),
                example=missing_channels[0],
            )
        acq = cost.to_numpy(dtype=np.float64)
        if np.any(~np.isfinite(acq) | (acq < 0)):
            raise ValueError(f"{where}acquisition costs must be finite and >= 0")
    else:
        acq = np.full(len(customers), _number("acquisition_cost", acquisition_cost, lo=0.0, where=where))
    return pd.DataFrame(
        {"acquisition_cost": acq, "maintenance_cost": m * years},
        index=pd.Index(customers["customer_id"].astype(str).to_numpy(), name="customer_id"),
    )


def share_of_wallet(
    transactions: pd.DataFrame, survey: pd.DataFrame, observation_end=None, min_years: float = 0.25
) -> pd.DataFrame:
    """Share of wallet per surveyed customer: our yearly spend / (ours + spend elsewhere).

    ``annual_spend = revenue / max(years since first purchase, min_years)`` (years of
    365.25 days to ``observation_end``, default the last transaction date);
    ``wallet = annual_spend + outside_spend`` (the survey's stated yearly spend with
    other firms in the category); ``share_of_wallet = annual_spend / wallet``.
    Customers surveyed without a purchase have share 0. Index: customer_id; money per
    year. Source: Keiningham, Aksoy, Perkins-Munn & Vavra (2005) "The brand-customer
    connection", Marketing Management 14(4); Du, Kamakura & Mela (2007), J. Marketing 71(2).
    """
    table = "survey"
    where = "share_of_wallet: "
    my = _number("min_years", min_years, lo=0.0, lo_open=True, where=where)
    _check_transactions(transactions, ["customer_id", "date", "amount"])
    _require_frame(survey, ("customer_id", "outside_spend"), table)
    outside = pd.to_numeric(survey["outside_spend"], errors="coerce").to_numpy(dtype=np.float64)
    bad = ~np.isfinite(outside) | (outside < 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        example = (
            f"customer_id={survey['customer_id'].iloc[i]!r}, "
            f"outside_spend={survey['outside_spend'].iloc[i]!r}"
        )
        raise CRMDataError(
            f"{table}.outside_spend: {int(bad.sum())} missing or negative values (example: {example})",
            table=table,
            column="outside_spend",
            n_bad=int(bad.sum()),
            example=example,
        )
    ids = survey["customer_id"].astype(str)
    if ids.duplicated().any():
        dup = ids[ids.duplicated()].iloc[0]
        raise CRMDataError(
            f"{table}.customer_id: {int(ids.duplicated().sum())} repeated ids (example: {dup!r})",
            table=table,
            column="customer_id",
            n_bad=int(ids.duplicated().sum()),
            example=dup,
        )
    end = transactions["date"].max() if observation_end is None else pd.Timestamp(observation_end)
    tx = transactions.loc[(transactions["date"] <= end).to_numpy()]
    g = tx.groupby(tx["customer_id"].astype(str))
    revenue = g["amount"].sum().reindex(ids, fill_value=0.0).to_numpy(dtype=np.float64)
    first = g["date"].min().reindex(ids)
    years = (end - first).dt.days.to_numpy(dtype=np.float64, na_value=np.nan) / 365.25
    years = np.maximum(np.nan_to_num(years, nan=my), my)
    annual = revenue / years
    wallet = annual + outside
    return pd.DataFrame(
        {
            "annual_spend": annual,
            "outside_spend": outside,
            "wallet": wallet,
            "share_of_wallet": np.divide(annual, wallet, out=np.zeros(len(ids)), where=wallet > 0),
        },
        index=pd.Index(ids.to_numpy(), name="customer_id"),
    )


@dataclass
class WhaleCurve:
    """Cumulative profit by customer rank (most profitable first).

    ``curve``: one row per customer in rank order: ``rank``, ``customer_share`` (share of
    customers up to this one), ``profit``, ``cumulative_profit``, ``cumulative_pct``
    (% of total profit; NaN when the total is not positive).
    """

    curve: pd.DataFrame
    column: str = "profit"

    def summary(self) -> pd.DataFrame:
        """Total profit, peak of the curve (value, % of total, share of customers at the
        peak), share and loss of the value-destroying customers (profit < 0)."""
        c = self.curve
        profit = c["profit"].to_numpy()
        cum = c["cumulative_profit"].to_numpy()
        total = float(cum[-1])
        k = int(np.argmax(cum))
        peak = float(cum[k])
        losers = profit < 0
        rows = {
            "customers": len(c),
            "total_profit": total,
            "peak_profit": peak,
            "peak_pct_of_total": 100.0 * peak / total if total > 0 else np.nan,
            "customers_at_peak_pct": 100.0 * (k + 1) / len(c),
            "unprofitable_pct": 100.0 * losers.mean(),
            "loss_from_unprofitable": float(profit[losers].sum()),
            "profitable_pct": 100.0 * (profit > 0).mean(),
        }
        return pd.DataFrame({"value": pd.Series(rows, dtype=np.float64)}).rename_axis("measure")

    def plot(self, ax=None, title: str | None = None):
        return plot_whale_curve(self, ax=ax, title=title)


def whale_curve(profitability, column: str = "profit") -> WhaleCurve:
    """Whale curve: cumulative profit, customers ranked from most to least profitable.

    ``cumulative_profit_k = sum of the k largest profits``; the peak over k is where
    the unprofitable customers start to pull the total down. Kaplan & Narayanan
    (2001): the most profitable 20 % often earn 150-300 % of total profit, and the
    least profitable 10-20 % lose 50-200 % of it. Takes the output of
    :func:`customer_profitability` (or any DataFrame with ``column``, or a Series)
    indexed by customer_id; money in its unit. Ties keep the input order.
    """
    table = "profitability"
    if isinstance(profitability, pd.Series):
        values = profitability
    elif isinstance(profitability, pd.DataFrame):
        if column not in profitability.columns:
            raise CRMDataError(
                f"{table}.{column}: no such column; found {list(profitability.columns)}",
                table=table,
                column=column,
            )
        values = profitability[column]
    else:
        raise CRMDataError(f"{table}: expected a DataFrame or Series", table=table)
    if len(values) == 0:
        raise CRMDataError(f"{table}: no customers", table=table, column=column, n_bad=0)
    arr = values.to_numpy(dtype=np.float64, na_value=np.nan)
    bad = ~np.isfinite(arr)
    if bad.any():
        raise CRMDataError(
            f"{table}.{column}: {int(bad.sum())} missing or infinite values "
            f"(example: customer_id={values.index[bad][0]!r})",
            table=table,
            column=column,
            n_bad=int(bad.sum()),
            example=str(values.index[bad][0]),
        )
    order = np.argsort(-arr, kind="stable")
    prof = arr[order]
    cum = np.cumsum(prof)
    total = cum[-1]
    n = len(prof)
    curve = pd.DataFrame(
        {
            "rank": np.arange(1, n + 1),
            "customer_share": np.arange(1, n + 1) / n,
            "profit": prof,
            "cumulative_profit": cum,
            "cumulative_pct": 100.0 * cum / total if total > 0 else np.full(n, np.nan),
        },
        index=pd.Index(values.index.to_numpy()[order], name="customer_id"),
    )
    return WhaleCurve(curve=curve, column=column)


def plot_whale_curve(whale: WhaleCurve, ax=None, title: str | None = None):
    """Plot cumulative profit (% of total) against the share of customers, with the peak marked."""
    import matplotlib.pyplot as plt

    if not isinstance(whale, WhaleCurve):
        raise ValueError("plot_whale_curve: expected the result of whale_curve()")
    c = whale.curve
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4))
    x = np.r_[0.0, 100.0 * c["customer_share"].to_numpy()]
    total = float(c["cumulative_profit"].iloc[-1])
    if total > 0:
        y = np.r_[0.0, c["cumulative_pct"].to_numpy()]
        ax.axhline(100, color="grey", linestyle="--", linewidth=0.8)
        ax.set_ylabel("cumulative profit, % of total")
    else:
        y = np.r_[0.0, c["cumulative_profit"].to_numpy()]
        ax.set_ylabel("cumulative profit")
    ax.plot(x, y, color="#2f6690")
    k = int(np.argmax(y))
    ax.plot(x[k], y[k], "o", color="#d1495b")
    ax.annotate(
        f"peak {y[k]:,.0f}{'%' if total > 0 else ''} at {x[k]:.0f}% of customers",
        (x[k], y[k]),
        textcoords="offset points",
        xytext=(5, 5),
        fontsize=8,
    )
    ax.set_xlabel("customers ranked by profit, cumulative %")
    ax.set_title(title or "Whale curve of customer profitability")
    return ax


# --------------------------------------------------------------------------- cohorts

_PERIODS_PER_YEAR = {"M": 12, "Q": 4, "Y": 1}


def _period_ordinal(dates: pd.Series | pd.DatetimeIndex, freq: str) -> np.ndarray:
    dt = pd.DatetimeIndex(dates)
    year = dt.year.to_numpy().astype(np.int64)
    month = dt.month.to_numpy().astype(np.int64)
    if freq == "M":
        return year * 12 + month - 1
    if freq == "Q":
        return year * 4 + (month - 1) // 3
    return year


def _ordinal_label(ordinal: np.ndarray, freq: str) -> list[str]:
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


def cohort_clv(
    transactions: pd.DataFrame,
    discount_rate: float = 0.10,
    freq: str = "Q",
    gross_margin: float | None = None,
    observation_end=None,
) -> CohortCLV:
    """Cohort CLV from observed margins and retention of acquisition cohorts.

    Customers are grouped by the period (``freq``: "M" month, "Q" quarter, "Y" year) of
    their first purchase. For cohort c and k periods after acquisition:
    ``retention_ck = active_ck / size_c`` (share with a purchase in the period),
    ``margin_ck`` = margin per active customer, and
    ``CLV_c = sum_k retention_ck margin_ck / (1 + d_p)^k`` with the per-period rate
    ``d_p = (1 + discount_rate)^(1/periods per year) - 1``. Only complete periods up to
    ``observation_end`` (default: the last transaction date) are used.

    Margin: ``amount - cost`` when the transactions have ``cost``; ``amount *
    gross_margin`` when ``gross_margin`` is given (it takes precedence). Money per
    acquired customer in the unit of ``amount``. Sources: Berger & Nasr (1998);
    Gupta, Lehmann & Stuart (2004) "Valuing customers", JMR 41(1).
    """
    where = "cohort_clv: "
    if freq not in _PERIODS_PER_YEAR:
        raise ValueError(f"{where}freq must be one of {list(_PERIODS_PER_YEAR)}, not {freq!r}")
    d = _number("discount_rate", discount_rate, lo=-1.0, lo_open=True, where=where)
    need = ["customer_id", "date", "amount"]
    if gross_margin is None:
        if isinstance(transactions, pd.DataFrame) and "cost" not in transactions.columns:
            raise CRMDataError(
                "transactions.cost: no cost column to compute margins; pass "
                "gross_margin= (share of amount that is margin)",
                table="transactions",
                column="cost",
            )
        need.append("cost")
    else:
        gross_margin = _number("gross_margin", gross_margin, lo=0.0, hi=1.0, where=where)
    _check_transactions(transactions, need)
    dates = transactions["date"]
    end = dates.max() if observation_end is None else pd.Timestamp(observation_end)
    keep = (dates <= end).to_numpy()
    if not keep.any():
        raise ValueError(f"{where}no transactions on or before {end}")
    tx = transactions.loc[keep]
    amount = tx["amount"].to_numpy(dtype=np.float64)
    margin = (
        amount * gross_margin if gross_margin is not None else amount - tx["cost"].to_numpy(dtype=np.float64)
    )
    # last complete period: the one containing `end` is complete only if `end` is its last day
    end_ord = int(_period_ordinal(pd.DatetimeIndex([end]), freq)[0])
    next_day_ord = int(_period_ordinal(pd.DatetimeIndex([end + pd.Timedelta(days=1)]), freq)[0])
    last_complete = end_ord if next_day_ord != end_ord else end_ord - 1

    codes, uniques = pd.factorize(tx["customer_id"].to_numpy())
    ordn = _period_ordinal(tx["date"], freq)
    first = np.full(len(uniques), np.iinfo(np.int64).max)
    np.minimum.at(first, codes, ordn)
    cohort = first[codes]
    k = ordn - cohort
    ok = ordn <= last_complete
    if not ok.any():
        raise ValueError(f"{where}no complete {freq} period before {end:%Y-%m-%d}")
    cohorts_all = first[first <= last_complete]
    frame = pd.DataFrame({"cohort": cohort[ok], "k": k[ok], "customer": codes[ok], "margin": margin[ok]})
    grouped = frame.groupby(["cohort", "k"], sort=True)
    active = grouped["customer"].nunique().unstack("k")
    margin_sum = grouped["margin"].sum().unstack("k")
    sizes = pd.Series(cohorts_all).value_counts().sort_index()
    active = active.reindex(index=sizes.index)
    K = int(last_complete - sizes.index.min() + 1)
    cols = np.arange(K)
    active = active.reindex(columns=cols)
    margin_sum = margin_sum.reindex(index=sizes.index, columns=cols)
    observed = (sizes.index.to_numpy()[:, None] + cols[None, :]) <= last_complete
    active = active.where(observed, np.nan).where(~observed | active.notna(), 0.0)
    margin_sum = margin_sum.where(observed, np.nan).where(~observed | margin_sum.notna(), 0.0)
    retention = active.div(sizes.to_numpy(), axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        margin_per_active = margin_sum / active.where(active > 0)

    labels = pd.Index(_ordinal_label(sizes.index.to_numpy(), freq), name="cohort")
    for tab in (active, retention, margin_per_active):
        tab.index = labels
        tab.columns = pd.Index(cols, name="period")
    sizes.index = labels
    sizes.name = "customers"

    dp = (1.0 + d) ** (1.0 / _PERIODS_PER_YEAR[freq]) - 1.0
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
    pooled = pd.DataFrame(
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
    return CohortCLV(
        active=active,
        retention=retention,
        margin=margin_per_active,
        pooled=pooled,
        sizes=sizes,
        freq=freq,
        period_discount_rate=dp,
    )


def holdout_calibration(predicted, actual, n_groups: int = 10) -> pd.DataFrame:
    """Predicted vs actual holdout value by group of predicted value (a calibration table).

    Customers are ranked by ``predicted`` (ties keep the input order) and cut into
    ``n_groups`` groups of equal size (group 1 = lowest predicted; sizes differ by at
    most one). Per group: ``customers``, ``predicted_mean``, ``actual_mean``,
    ``predicted_total``, ``actual_total``; a last row ``total`` covers everyone. A
    well-calibrated CLV model has predicted close to actual in every group (Fader,
    Hardie & Lee 2005b, holdout validation). ``predicted`` and ``actual``: Series
    with the same index (customer_id) or equal-length arrays, in one money unit.
    """
    where = "holdout_calibration: "
    if (
        isinstance(predicted, pd.Series)
        and isinstance(actual, pd.Series)
        and not predicted.index.equals(actual.index)
    ):
        raise ValueError(f"{where}predicted and actual have different indexes; align them first")
    pred = np.asarray(predicted, dtype=np.float64).ravel()
    act = np.asarray(actual, dtype=np.float64).ravel()
    if pred.size != act.size:
        raise ValueError(f"{where}predicted has {pred.size} values, actual {act.size}")
    if pred.size == 0:
        raise ValueError(f"{where}no customers")
    if not (np.all(np.isfinite(pred)) and np.all(np.isfinite(act))):
        raise ValueError(f"{where}predicted and actual must be finite (no NaN)")
    if isinstance(n_groups, bool) or not isinstance(n_groups, Integral) or not 1 <= n_groups <= pred.size:
        raise ValueError(
            f"{where}n_groups must be a whole number between 1 and the number of "
            f"customers ({pred.size}), not {n_groups!r}"
        )
    order = np.argsort(pred, kind="stable")
    group = np.empty(pred.size, dtype=np.int64)
    group[order] = np.arange(pred.size) * n_groups // pred.size
    counts = np.bincount(group, minlength=n_groups)
    ptot = np.bincount(group, weights=pred, minlength=n_groups)
    atot = np.bincount(group, weights=act, minlength=n_groups)
    counts, ptot, atot = np.r_[counts, counts.sum()], np.r_[ptot, ptot.sum()], np.r_[atot, atot.sum()]
    return pd.DataFrame(
        {
            "customers": counts,
            "predicted_mean": ptot / counts,
            "actual_mean": atot / counts,
            "predicted_total": ptot,
            "actual_total": atot,
        },
        index=pd.Index([str(g) for g in range(1, n_groups + 1)] + ["total"], name="group"),
    )


# --------------------------------------------------------------------------- retention economics


@dataclass
class RetentionDecision:
    """Kotler's retention decision: per churn reason and in total.

    ``table``: one row per reason with ``share``, ``preventable``, ``cost_to_fix``,
    ``clv``, ``defectors``, ``lost_profit``, ``preventable_defectors``,
    ``recoverable_profit`` (= the break-even spend for that reason), ``net_gain`` and
    ``fix`` (recoverable profit > cost to fix).
    """

    table: pd.DataFrame
    customers: float
    retention_rate: float

    def summary(self) -> pd.DataFrame:
        t = self.table
        fixed = t["fix"].to_numpy()
        saved = float(t.loc[fixed, "preventable_defectors"].sum())
        rows = {
            "customers": self.customers,
            "retention_rate": self.retention_rate,
            "defectors": float(t["defectors"].sum()),
            "lost_profit": float(t["lost_profit"].sum()),
            "recoverable_profit": float(t["recoverable_profit"].sum()),
            "break_even_spend": float(t["recoverable_profit"].sum()),
            "recommended_spend": float(t.loc[fixed, "cost_to_fix"].sum()),
            "net_gain": float(t.loc[fixed, "net_gain"].sum()),
            "retention_rate_after": (self.retention_rate * self.customers + saved) / self.customers,
        }
        return pd.DataFrame({"value": pd.Series(rows, dtype=np.float64)}).rename_axis("measure")


def kotler_retention(
    churn_reasons: pd.DataFrame, customers: float, retention_rate: float, clv=None
) -> RetentionDecision:
    """Kotler's four steps: retention rate, churn reasons, lost profit, what to spend.

    ``defectors = customers (1 - retention_rate) share``; ``lost_profit = defectors
    clv`` (the lost customers' CLV); ``recoverable_profit = defectors preventable clv``
    -- the break-even retention spend: fixing a reason pays while it costs less;
    ``net_gain = recoverable_profit - cost_to_fix``; ``fix = net_gain > 0``.

    ``churn_reasons``: columns ``reason``, ``share`` (of the defectors, summing to at
    most 1; the rest is unexplained), ``preventable`` (fraction of those defections a
    fix prevents), ``cost_to_fix`` (money per period) and optionally ``clv`` (CLV of a
    customer lost for that reason; otherwise the ``clv`` argument). Source: Kotler &
    Keller, Marketing Management (ch. "Creating long-term loyalty relationships"):
    "spend on retention while it costs less than the lost profit". Money per period.
    """
    table = "churn_reasons"
    where = "kotler_retention: "
    n = _number("customers", customers, lo=0.0, lo_open=True, where=where)
    r = _number("retention_rate", retention_rate, lo=0.0, hi=1.0, where=where)
    need = ["reason", "share", "preventable", "cost_to_fix"]
    _require_frame(churn_reasons, need, table)
    if len(churn_reasons) == 0:
        raise CRMDataError(f"{table}: no reasons", table=table, n_bad=0)
    frame = churn_reasons.reset_index(drop=True)
    if "clv" in frame.columns:
        value_cols = ["share", "preventable", "cost_to_fix", "clv"]
    else:
        if clv is None:
            raise ValueError(f"{where}give clv= (CLV of a lost customer) or a 'clv' column")
        value_cols = ["share", "preventable", "cost_to_fix"]
    checks = {
        "share": (0.0, 1.0),
        "preventable": (0.0, 1.0),
        "cost_to_fix": (0.0, np.inf),
        "clv": (-np.inf, np.inf),
    }
    for col in value_cols:
        vals = pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype=np.float64)
        lo, hi = checks[col]
        bad = ~np.isfinite(vals) | (vals < lo) | (vals > hi)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            example = f"reason={frame['reason'].iloc[i]!r}, {col}={frame[col].iloc[i]!r}"
            raise CRMDataError(
                f"{table}.{col}: {int(bad.sum())} value(s) missing or outside "
                f"[{lo}, {hi}] (example: {example})",
                table=table,
                column=col,
                n_bad=int(bad.sum()),
                example=example,
            )
        frame[col] = vals
    if frame["share"].sum() > 1 + 1e-9:
        raise CRMDataError(
            f"{table}.share: the shares sum to {frame['share'].sum():.4g} > 1",
            table=table,
            column="share",
            n_bad=len(frame),
        )
    if "clv" not in frame.columns:
        frame["clv"] = _number("clv", clv, where=where)
    out = frame[["reason", "share", "preventable", "cost_to_fix", "clv"]].copy()
    out["defectors"] = n * (1.0 - r) * out["share"]
    out["lost_profit"] = out["defectors"] * out["clv"]
    out["preventable_defectors"] = out["defectors"] * out["preventable"]
    out["recoverable_profit"] = out["preventable_defectors"] * out["clv"]
    out["net_gain"] = out["recoverable_profit"] - out["cost_to_fix"]
    out["fix"] = out["net_gain"] > 0
    return RetentionDecision(table=out.set_index("reason"), customers=n, retention_rate=r)


# Stylised industry profiles (assumptions chosen to show the mechanism, not the data of
# Reichheld & Sasser): yearly profit per customer in its first year, how that profit
# grows with tenure (more purchases, lower cost to serve, referrals, price premium),
# the acquisition cost paid up front, and the retention rate.
REICHHELD_PROFILES = pd.DataFrame(
    {
        "industry": [
            "branch bank deposits",
            "credit card",
            "insurance brokerage",
            "industrial distribution",
            "software",
            "auto service",
            "discount retail",
            "prepaid mobile",
        ],
        "retention": [0.90, 0.90, 0.85, 0.85, 0.80, 0.70, 0.50, 0.40],
        "first_year_profit": [25.0, 30.0, 30.0, 60.0, 50.0, 40.0, 12.0, 15.0],
        "profit_growth": [0.10, 0.10, 0.08, 0.04, 0.05, 0.05, 0.00, 0.00],
        "acquisition_cost": [100.0, 105.0, 70.0, 120.0, 80.0, 45.0, 2.0, 0.0],
    }
).set_index("industry")


def reichheld_simulation(
    profiles: pd.DataFrame | None = None,
    retention_lift: float = 0.05,
    discount_rate: float = 0.10,
    horizon: int = 20,
) -> pd.DataFrame:
    """Profit per customer (NPV) before and after retention rises by ``retention_lift``.

    ``NPV = -AC + sum_{t=0}^{H-1} p (1 + g)^t r^t / (1 + d)^t`` (begin-of-year timing:
    the first year's profit ``p`` is earned by every acquired customer; ``g`` =
    ``profit_growth``, the growth of profit with tenure). Reichheld & Sasser (1990)
    "Zero defections: quality comes to services", HBR 68(5): cutting defections by 5
    points raised profit per customer 25-85 % across industries -- large where
    acquisition is costly and profit grows with tenure, small where it does not.

    ``profiles``: DataFrame indexed by industry with ``retention``,
    ``first_year_profit``, ``profit_growth``, ``acquisition_cost`` (default:
    :data:`REICHHELD_PROFILES`, stylised assumptions). Returns per industry:
    the inputs, ``retention_lifted``, ``expected_tenure`` (years, ``1 / (1 - r)``),
    ``npv``, ``npv_lifted``, ``npv_increase_pct`` (NaN where the base NPV is not
    positive) and ``in_reichheld_range`` (25 <= increase <= 85 %). Money per customer.
    """
    where = "reichheld_simulation: "
    table = "profiles"
    lift = _number("retention_lift", retention_lift, lo=0.0, hi=1.0, where=where)
    d = _number("discount_rate", discount_rate, lo=-1.0, lo_open=True, where=where)
    H = _horizon(horizon, where, allow_none=False)
    prof = REICHHELD_PROFILES if profiles is None else profiles
    need = ["retention", "first_year_profit", "profit_growth", "acquisition_cost"]
    _require_frame(prof, need, table)
    vals = {}
    for col in need:
        v = pd.to_numeric(prof[col], errors="coerce").to_numpy(dtype=np.float64)
        bad = ~np.isfinite(v)
        if col == "retention":
            bad |= (v < 0) | (v > 1)
        if col == "profit_growth":
            bad |= v <= -1
        if bad.any():
            example = f"{prof.index[bad][0]!r}: {col}={prof[col].to_numpy()[bad][0]!r}"
            raise CRMDataError(
                f"{table}.{col}: {int(bad.sum())} invalid value(s) (example: {example})",
                table=table,
                column=col,
                n_bad=int(bad.sum()),
                example=example,
            )
        vals[col] = v
    r = vals["retention"]
    lifted = r + lift
    if np.any(lifted > 1):
        i = int(np.flatnonzero(lifted > 1)[0])
        raise ValueError(f"{where}retention {r[i]} + lift {lift} exceeds 1 for {prof.index[i]!r}")
    t = np.arange(H, dtype=np.float64)
    margins = pd.DataFrame(
        vals["first_year_profit"][:, None] * (1 + vals["profit_growth"][:, None]) ** t, index=prof.index
    )
    ac = pd.Series(vals["acquisition_cost"], index=prof.index)
    npv = discounted_clv(margins, pd.Series(r, index=prof.index), d, acquisition_cost=ac, timing="begin")
    npv_up = discounted_clv(
        margins, pd.Series(lifted, index=prof.index), d, acquisition_cost=ac, timing="begin"
    )
    out = prof[need].astype(np.float64).copy()
    out["retention_lifted"] = lifted
    out["expected_tenure"] = np.divide(1.0, 1.0 - r, out=np.full(len(r), np.inf), where=r < 1)
    out["npv"] = npv.to_numpy()
    out["npv_lifted"] = npv_up.to_numpy()
    base = out["npv"].to_numpy()
    out["npv_increase_pct"] = np.divide(
        100.0 * (out["npv_lifted"].to_numpy() - base), base, out=np.full(len(base), np.nan), where=base > 0
    )
    pct = out["npv_increase_pct"]
    out["in_reichheld_range"] = (pct >= 25) & (pct <= 85)
    return out


_CDV_VALUE = ["product", "service", "personnel", "image"]
_CDV_COST = ["money", "time", "energy", "psychic"]


def customer_delivered_value(offers: pd.DataFrame) -> pd.DataFrame:
    """Customer delivered value = total customer value - total customer cost (Kotler).

    ``total_customer_value = product + service + personnel + image``;
    ``total_customer_cost = money + time + energy + psychic``;
    ``delivered_value = total_customer_value - total_customer_cost``;
    ``value_ratio = total_customer_value / total_customer_cost``. A customer buys from
    the offer with the highest delivered value. ``offers``: one row per offer (or
    customer), the eight columns in one unit (money or a score). Source: Kotler &
    Keller, Marketing Management (customer-perceived value).
    """
    table = "offers"
    need = _CDV_VALUE + _CDV_COST
    _require_frame(offers, need, table)
    values = offers[need].apply(pd.to_numeric, errors="coerce").astype(np.float64)
    bad = ~np.isfinite(values.to_numpy()) | (values.to_numpy() < 0)
    if bad.any():
        i, j = (int(a[0]) for a in np.nonzero(bad))
        example = f"{offers.index[i]!r}: {need[j]}={offers[need[j]].iloc[i]!r}"
        raise CRMDataError(
            f"{table}.{need[j]}: {int(bad.sum())} value(s) missing or negative (example: {example})",
            table=table,
            column=need[j],
            n_bad=int(bad.sum()),
            example=example,
        )
    out = values.copy()
    out["total_customer_value"] = values[_CDV_VALUE].sum(axis=1)
    out["total_customer_cost"] = values[_CDV_COST].sum(axis=1)
    out["delivered_value"] = out["total_customer_value"] - out["total_customer_cost"]
    tcc = out["total_customer_cost"].to_numpy()
    out["value_ratio"] = np.divide(
        out["total_customer_value"].to_numpy(), tcc, out=np.full(len(out), np.nan), where=tcc > 0
    )
    return out
