"""CLV from the lecture's six sources of customer value (CLV1 initial purchase ... CLV6 price premium).

Each source is a yearly cash flow of a retained customer, weighted by survival and discounted;
their present values add up to the CLV (Reichheld & Sasser 1990, "Zero defections", HBR 68(5);
Gupta & Lehmann 2003). :func:`crmlab.clv.plot_waterfall` draws them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .._validate import check_number
from ._checks import horizon_arg, values

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["COMPONENTS", "CLVComponents", "clv_components"]

COMPONENTS = {
    "CLV1": "initial purchase",
    "CLV2": "repeat purchases & share of wallet",
    "CLV3": "cross-selling",
    "CLV4": "lower cost to serve",
    "CLV5": "referrals",
    "CLV6": "price premium",
}


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
        """One row per component: ``source``, ``present_value``, ``share_of_clv`` (of the total).

        Returns
        -------
        pandas.DataFrame
            Indexed by component (CLV1..CLV6).
        """
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

    def plot_waterfall(self, ax: Axes | None = None, title: str | None = None) -> Axes:
        """Waterfall of the components: :func:`crmlab.clv.plot_waterfall` of this result.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Drawn on if given, else on a new figure.
        title : str, optional
            The plot title.

        Returns
        -------
        matplotlib.axes.Axes
            The Axes drawn on.
        """
        from .plots import plot_waterfall

        return plot_waterfall(self, ax=ax, title=title)


def _rate_path(value, H: int, name: str, where: str) -> np.ndarray:
    """A rate in [0, 1] per year: a number repeated H times, or H values."""
    v = values(name, value, where)
    if v.kind == "scalar":
        arr = np.full(H, float(v.arr))
    elif v.kind == "period":
        arr = v.arr
        if arr.size != H:
            raise ValueError(f"{where}: {name} has {arr.size} values for a horizon of {H} years")
    else:
        raise ValueError(f"{where}: {name} must be a number or one value per year")
    if np.any((arr < 0.0) | (arr > 1.0)):
        raise ValueError(f"{where}: {name} must be within [0.0, 1.0]")
    return arr


# keyword -> (lo, hi, lo_open) of the scalar assumptions, in the order they are checked
_BOUNDS = {
    "discount_rate": (-1.0, None, True),
    "first_purchase_margin": (None, None, False),
    "acquisition_cost": (0.0, None, False),
    "revenue": (0.0, None, False),
    "gross_margin": (0.0, 1.0, False),
    "revenue_growth": (-1.0, None, True),
    "cross_sell_rate": (0.0, 1.0, False),
    "cross_sell_margin": (None, None, False),
    "serving_cost": (0.0, None, False),
    "cost_decline": (0.0, 1.0, False),
    "marketing_cost": (0.0, None, False),
    "referral_rate": (0.0, None, False),
    "referral_value": (None, None, False),
    "price_premium": (0.0, 1.0, False),
}


# the order of CLVComponents.assumptions (the keyword order of clv_components)
_ASSUMPTIONS = (
    "horizon",
    "discount_rate",
    "retention",
    "first_purchase_margin",
    "acquisition_cost",
    "revenue",
    "gross_margin",
    "revenue_growth",
    "wallet",
    "share_of_wallet_max",
    "share_of_wallet_speed",
    "cross_sell_rate",
    "cross_sell_margin",
    "serving_cost",
    "cost_decline",
    "marketing_cost",
    "referral_rate",
    "referral_value",
    "price_premium",
)


def _revenue_path(a: dict, t: np.ndarray, wallet, smax, speed, where: str):
    """Yearly revenue R_t and share of wallet s_t (NaN in the model without a wallet)."""
    growth = (1.0 + a["revenue_growth"]) ** (t - 1)
    if wallet is None:
        return a["revenue"] * growth, np.full(t.size, np.nan)
    w = check_number("wallet", wallet, lo=0.0, lo_open=True, where=where)
    if a["revenue"] > w:
        raise ValueError(
            f"{where}: revenue ({a['revenue']}) cannot exceed the wallet ({w}): the "
            "share of wallet starts at revenue / wallet"
        )
    s1 = a["revenue"] / w
    smax = check_number("share_of_wallet_max", smax, lo=s1, hi=1.0, where=where)
    speed = check_number("share_of_wallet_speed", speed, lo=0.0, hi=1.0, where=where)
    sow = smax - (smax - s1) * (1.0 - speed) ** (t - 1)
    return w * growth * sow, sow


def _cash_flows(a: dict, t: np.ndarray, R_t: np.ndarray, sow: np.ndarray) -> pd.DataFrame:
    """Year 0 (acquisition) and years 1..H of a retained customer, CLV1..CLV6 and net profit."""
    H = t.size
    flows = pd.DataFrame(
        {
            "revenue": np.r_[np.nan, R_t],
            "share_of_wallet": np.r_[np.nan, sow],
            "CLV1": np.r_[a["first_purchase_margin"] - a["acquisition_cost"], np.zeros(H)],
            "CLV2": np.r_[0.0, a["gross_margin"] * R_t - a["serving_cost"] - a["marketing_cost"]],
            "CLV3": np.r_[0.0, a["cross_sell_margin"] * (1.0 - (1.0 - a["cross_sell_rate"]) ** (t - 1))],
            "CLV4": np.r_[0.0, a["serving_cost"] * (1.0 - (1.0 - a["cost_decline"]) ** (t - 1))],
            "CLV5": np.r_[0.0, np.full(H, a["referral_rate"] * a["referral_value"])],
            "CLV6": np.r_[0.0, a["price_premium"] * R_t * (t >= 2)],
        },
        index=pd.Index(np.arange(H + 1), name="year"),
    )
    flows["net_profit"] = flows[list(COMPONENTS)].sum(axis=1)
    return flows


def _by_year(flows: pd.DataFrame, r: np.ndarray, d: float) -> pd.DataFrame:
    """Each component's cash flow x survival x discount factor, with the total and its cumulation."""
    survival = np.r_[1.0, np.cumprod(r)]
    disc = (1.0 + d) ** -np.arange(len(flows), dtype=np.float64)
    by_year = pd.DataFrame({"survival": survival, "discount_factor": disc}, index=flows.index)
    for comp in COMPONENTS:
        by_year[comp] = flows[comp].to_numpy() * survival * disc
    by_year["total"] = by_year[list(COMPONENTS)].sum(axis=1)
    by_year["cumulative"] = by_year["total"].cumsum()
    return by_year


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

    Each year is weighted by ``S_t = r_1 ... r_t`` and discounted by ``(1 + d)^-t``.
    Sources: the lecture's CLV1..CLV6; Reichheld & Sasser (1990) "Zero defections",
    HBR 68(5) (profit from acquisition, base profit, increased purchases, lower
    operating cost, referrals, price premium); Gupta & Lehmann (2003).

    Parameters
    ----------
    horizon : int
        Years after acquisition (>= 1).
    discount_rate : float
        Yearly discount rate ``d`` (> -1).
    retention : float or array-like
        Yearly retention rate in [0, 1], or one rate per year.
    first_purchase_margin, acquisition_cost : float
        Year 0: margin of the first purchase and the cost of acquiring the customer.
    revenue, gross_margin, revenue_growth : float
        Year-1 revenue, the share of revenue that is margin, the yearly change ``g``.
    wallet, share_of_wallet_max, share_of_wallet_speed : float
        The customer's yearly category spend (None: the model without share of wallet),
        the share it rises to and how fast (a fraction of the gap closed each year).
    cross_sell_rate, cross_sell_margin : float
        Yearly adoption rate of a second product line and its yearly margin.
    serving_cost, cost_decline, marketing_cost : float
        Year-1 relationship-maintenance cost, its yearly decline, retention marketing.
    referral_rate, referral_value : float
        Referred new customers per customer and year, and the value of one.
    price_premium : float
        Share of revenue loyal customers pay on top from year 2 (in [0, 1]).

    Returns
    -------
    CLVComponents
        ``cash_flows``, ``by_year``, ``assumptions``, ``total`` and ``summary()``; money per
        customer in the unit of the inputs.
    """
    where = "clv_components"
    given = dict(
        discount_rate=discount_rate,
        first_purchase_margin=first_purchase_margin,
        acquisition_cost=acquisition_cost,
        revenue=revenue,
        gross_margin=gross_margin,
        revenue_growth=revenue_growth,
        cross_sell_rate=cross_sell_rate,
        cross_sell_margin=cross_sell_margin,
        serving_cost=serving_cost,
        cost_decline=cost_decline,
        marketing_cost=marketing_cost,
        referral_rate=referral_rate,
        referral_value=referral_value,
        price_premium=price_premium,
    )
    H = horizon_arg(horizon, where, allow_none=False)
    r = _rate_path(retention, H, "retention", where)
    a = {
        k: check_number(k, given[k], lo=lo, hi=hi, lo_open=lo_open, where=where)
        for k, (lo, hi, lo_open) in _BOUNDS.items()
    }
    t = np.arange(1, H + 1, dtype=np.float64)
    R_t, sow = _revenue_path(a, t, wallet, share_of_wallet_max, share_of_wallet_speed, where)
    flows = _cash_flows(a, t, R_t, sow)
    raw = dict(
        horizon=H,
        retention=retention,
        wallet=wallet,
        share_of_wallet_max=share_of_wallet_max,
        share_of_wallet_speed=share_of_wallet_speed,
    )
    assumptions = {k: raw[k] if k in raw else a[k] for k in _ASSUMPTIONS}
    return CLVComponents(
        cash_flows=flows, by_year=_by_year(flows, r, a["discount_rate"]), assumptions=assumptions
    )
