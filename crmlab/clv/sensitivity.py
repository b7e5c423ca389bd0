"""One-way sensitivity of CLV: the tornado table of :func:`clv_sensitivity`.

Each factor of :func:`crmlab.clv.clv_components` alone moves by -x % and +x %; the CLV at both
ends and the swing between them rank the factors (one-way sensitivity analysis, e.g. Clemen 1996,
"Making hard decisions", ch. 5). :func:`crmlab.clv.plot_tornado` draws the table.
"""

from __future__ import annotations

from numbers import Real

import pandas as pd

from .._validate import check_number
from .components import clv_components

__all__ = ["FACTOR_LABELS", "clv_sensitivity"]

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
# the factors the tornado can move, in their default order, with their labels
FACTOR_LABELS = {
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
_COLUMNS = ["parameter", "factor", "base_value", "low_value", "high_value", "clv_low", "clv_high"]


def _is_number(value) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool)


def _default_factors(base: dict) -> list[str]:
    """Every numeric, non-zero factor; no share of wallet without a wallet; no horizon with a rate path."""
    factors = [k for k in FACTOR_LABELS if _is_number(base.get(k)) and base.get(k) != 0]
    if base.get("wallet") is None:
        factors = [k for k in factors if not k.startswith("share_of_wallet")]
    if not isinstance(base["retention"], Real):  # a per-year path fixes the horizon
        factors = [k for k in factors if k != "horizon"]
    return factors


def _given_factors(factors, base: dict, where: str) -> list[str]:
    """The factors asked for: known ones, each a single number here."""
    factors = list(factors)
    unknown = [f for f in factors if f not in FACTOR_LABELS]
    if unknown:
        raise ValueError(f"{where}: unknown factor(s) {unknown}; known: {list(FACTOR_LABELS)}")
    not_scalar = [f for f in factors if not isinstance(base.get(f), Real)]
    if not_scalar:
        raise ValueError(
            f"{where}: factor(s) {not_scalar} are not single numbers here "
            "(per-year paths or None) and cannot be moved by +-x %"
        )
    return factors


def _moved(factor: str, value: float, sign: float, x: float, base: dict) -> float:
    """``value (1 +- x)``: whole years >= 1 for the horizon, clipped to the factor's valid range."""
    new = value * (1.0 + sign * x)
    if factor == "horizon":
        return max(1, int(round(new)))
    if factor in _FACTOR_BOUNDS:
        lo, hi = _FACTOR_BOUNDS[factor]
        new = min(max(new, lo), hi)
    wallet = base.get("wallet")
    if factor == "share_of_wallet_max" and wallet:
        new = max(new, base["revenue"] / wallet)
    if factor == "wallet":
        new = max(new, base["revenue"])
    if factor == "revenue" and wallet:
        new = min(new, wallet)
    return new


def clv_sensitivity(change: float = 0.10, factors=None, **assumptions) -> pd.DataFrame:
    """Tornado table: CLV when each factor alone moves by -x % and +x %, ranked by swing.

    ``swing = |CLV(high) - CLV(low)|``, with ``CLV`` the total of :func:`clv_components`.
    Moved values are rounded (horizon, to whole years >= 1) or clipped to their valid
    range (rates within [0, 1]); the table shows the values actually used. One-way
    sensitivity analysis (e.g. Clemen 1996, ch. 5).

    Parameters
    ----------
    change : float
        The move ``x`` of each factor, a fraction in (0, 1].
    factors : list of str, optional
        Keywords of :func:`clv_components` to move (keys of :data:`FACTOR_LABELS`).
        Default: every numeric factor with a non-zero value (horizon, discount rate,
        retention, referral rate, change in customer revenue, relationship-maintenance and
        marketing cost, ...).
    **assumptions
        :func:`clv_components` keywords (defaults for the rest).

    Returns
    -------
    pd.DataFrame
        Index ``parameter``; columns ``factor`` (label), ``base_value``, ``low_value``,
        ``high_value``, ``clv_low``, ``clv_high``, ``swing``, ``base_clv``; sorted by swing,
        largest first (ties keep the order of ``factors``). Money as in
        :func:`clv_components`.
    """
    where = "clv_sensitivity"
    x = check_number("change", change, lo=0.0, lo_open=True, hi=1.0, where=where)
    base_model = clv_components(**assumptions)
    base = dict(base_model.assumptions)
    factors = _default_factors(base) if factors is None else _given_factors(factors, base, where)
    rows = []
    for f in factors:  # one model per factor and direction: a handful of tiny computations
        v = float(base[f])
        low, high = (_moved(f, v, sign, x, base) for sign in (-1.0, 1.0))
        clv_low, clv_high = (clv_components(**{**base, f: m}).total for m in (low, high))
        rows.append((f, FACTOR_LABELS[f], v, low, high, clv_low, clv_high))
    out = pd.DataFrame(rows, columns=_COLUMNS).set_index("parameter")
    out["swing"] = (out["clv_high"] - out["clv_low"]).abs()
    out["base_clv"] = base_model.total
    return out.sort_values("swing", ascending=False, kind="stable")
