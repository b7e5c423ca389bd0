"""A seeded synthetic e-commerce population with its ground truth kept apart.

``generate(n_customers, seed, start, end)`` returns a :class:`Population` whose
``customers``, ``transactions``, ``survey`` and ``promotions`` are canonical
tables (see ``crmlab.data``) and whose ``truth`` holds what a real data set never
shows: each customer's latent segment, purchase rate, lifetime, life-cycle stage,
attitudinal loyalty, price sensitivity, share of wallet and true satisfaction,
and which orders a promotion caused. Same seed, same tables.

The generating story (all times in weeks from the customer's first purchase):

* **Acquisition.** Sign-ups spread over the period with growth and a year-end
  peak; the first purchase follows within days. A share of sign-ups never buys:
  the *potential* stage.
* **Satisfaction and loyalty.** Each customer has a true basic-expectation
  satisfaction ``B`` and latent-expectation satisfaction ``Lt`` (1..9.5 scale) and a
  true loyalty ``L = 1 + f(B) + g(Lt) + e``. With ``satisfaction_trap=True``
  ``f(B) = A (1 - exp(-k (B - 1)))`` is concave and saturating (marginal effect
  ``A k exp(-k (B - 1))``, below a fraction ``phi`` of its maximum once
  ``B > 1 + ln(1/phi) / k``) while ``g(Lt) = C ((Lt - 1) / 8.5) ** gamma`` is convex:
  the satisfaction trap of Jones & Sasser (1995). With ``satisfaction_trap=False``
  both are linear with equal slopes.
* **Behaviour.** Purchases follow a Poisson process whose rate ``lambda`` (segment
  x gamma heterogeneity x loyalty) is shaped over the customer's lifetime ``tau``
  (exponential, longer for loyal customers): development (first 10 % of the
  lifetime, rate x 0.5), growth (10-30 %, rate and spend rising), maturity
  (30-70 %), decline (70-100 %, rate falling to x 0.25), then termination. Purchases
  are drawn by thinning a homogeneous process, so the whole log is vectorised.
* **Orders.** Category (a preferred one, cross-selling to others), product,
  channel with its cost to serve (falling with tenure), margin by category.
* **Promotions.** Price-sensitive customers use a running promotion more often
  (a discount on a purchase they would have made) and make extra purchases
  because of it (``truth.orders.promo_driven``).
* **Survey.** Overall satisfaction responds to each attribute's rating as its Kano
  category says (must-be attributes penalise when unfulfilled, attractive ones reward
  when fulfilled, one-dimensional both, indifferent neither), so penalty-reward
  analysis finds the asymmetry. A random share of buyers answers items on 1..10 scales (recommend
  0..10), ``alternatives`` ("I could easily buy these elsewhere": low for customers
  with no alternative, i.e. monopoly loyalty) and ``switching_cost`` ("changing shop
  would be a hassle": inertia), the Kano functional/dysfunctional pairs for each attribute, and carries
  the composites ``basic_satisfaction``, ``latent_satisfaction``, ``satisfaction``
  and ``loyalty_intention``.
* **Order lines** (``order_lines``; drawn after everything else from the child generator
  ``default_rng([seed, 1])``, so the other tables are the same as without them). Each order's
  first line is its product in ``transactions``; each further unit of the order's ``quantity``
  opens a new line with probability 0.75 (else it is one more unit of the first line), so
  ``sum(quantity)`` over an order's lines is the order's ``quantity``. A new line's product is a
  *planted* consequent when the order holds its antecedent (``PLANTED_PRODUCT_RULES``: diapers ->
  beer, camera -> memory card; ``PLANTED_CATEGORY_RULES``: beauty -> apparel) with the rule's
  probability, else from the first line's category (45 %) or any category, products uniform.
  Prices split the order's ``amount`` over its lines in proportion to each product's list price
  (times noise), rounded to cents: ``sum(quantity * price)`` equals ``amount`` to within half a cent
  per unit. ``truth.associations`` records each planted rule's probability and its realised
  support, confidence and lift on the lines.
* **Campaign** (``campaign``; child generator ``default_rng([seed, 2])``). A coupon e-mail
  (``CAMPAIGN``) goes out the day after the period ends to the buyers of some regions
  (``targeted``), a random 20 % of whom are held out (``control``); ``responded`` / ``revenue``
  are purchases in the following 28 days. Without contact a customer buys as before (a Poisson
  number of purchases at the current life-cycle rate, none once dropped out). Contact adds one
  purchase with probability ``0.01 + 0.45 s**2`` (alive, ``s`` = price sensitivity; ``0.03 s`` once
  dropped out), discounts the purchases on which the coupon is redeemed (probability
  ``0.1 + 0.7 s``), and makes "sleeping dogs" (``s < 0.1``) drop their purchases with probability
  0.15. Both potential outcomes are drawn for everybody with common random numbers, so
  ``truth.campaign`` holds who would have bought anyway (``responded_control``), the true uplift
  probability and the realised incremental response and revenue of every customer.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd

__all__ = [
    "Population",
    "GroundTruth",
    "generate",
    "SEGMENTS",
    "CATEGORIES",
    "KANO_TRUTH",
    "STAGES",
    "PLANTED_PRODUCT_RULES",
    "PLANTED_CATEGORY_RULES",
    "PRODUCT_LABELS",
    "CAMPAIGN",
    "main",
]

STAGES = ["potential", "development", "growth", "maturity", "decline", "termination"]

# segment: share, purchases per week at maturity, mean order value, mean lifetime (weeks),
# Beta parameters of price sensitivity
SEGMENTS = pd.DataFrame(
    {
        "share": [0.12, 0.33, 0.25, 0.30],
        "purchase_rate": [0.40, 0.17, 0.14, 0.05],
        "order_value": [110.0, 65.0, 38.0, 55.0],
        "lifetime_weeks": [220.0, 140.0, 90.0, 70.0],
        "price_a": [2.0, 3.0, 6.0, 3.0],
        "price_b": [6.0, 4.0, 2.0, 3.0],
    },
    index=pd.Index(["vip", "regular", "bargain hunter", "occasional"], name="segment"),
)

# category: margin rate on list price, share of orders for a customer without preference
CATEGORIES = pd.DataFrame(
    {"margin_rate": [0.12, 0.45, 0.35, 0.50, 0.20, 0.30]},
    index=pd.Index(["electronics", "apparel", "home", "beauty", "grocery", "books"], name="category"),
)
CHANNELS = pd.DataFrame(
    {"cost_to_serve": [4.0, 2.5, 6.0]}, index=pd.Index(["web", "app", "store"], name="channel")
)
REGIONS = ["north", "south", "east", "west", "central"]
AGE_BANDS = ["18-24", "25-34", "35-44", "45-54", "55-64", "65+"]
INCOME_BANDS = ["low", "middle", "high"]
ACQUISITION_CHANNELS = ["organic search", "paid search", "social", "referral", "email", "store"]
PROMOTION_TYPES = {"percent discount": 0.20, "coupon": 0.15, "free shipping": 0.08, "bundle": 0.12}
PROMOTION_MEDIA = {"email": 1.0, "app push": 0.8, "sms": 0.6, "social": 0.7}

BASIC_ITEMS = ["basic_1", "basic_2", "basic_3", "basic_4"]
LATENT_ITEMS = ["latent_1", "latent_2", "latent_3"]
ITEM_LABELS = {
    "basic_1": "delivery on time",
    "basic_2": "product as described",
    "basic_3": "easy returns",
    "basic_4": "secure payment",
    "latent_1": "personalised recommendations",
    "latent_2": "surprise and delight",
    "latent_3": "member community",
}
# true Kano category of each attribute: M must-be, O one-dimensional, A attractive, I indifferent
KANO_TRUTH = {
    "basic_1": "M",
    "basic_2": "M",
    "basic_3": "M",
    "basic_4": "O",
    "latent_1": "A",
    "latent_2": "A",
    "latent_3": "I",
}
# (functional, dysfunctional) answers consistent with each category, answers 1..5 =
# like, expect it, neutral, can live with it, dislike (Kano et al. 1984 evaluation table)
_KANO_CELLS = {
    "A": [(1, 2), (1, 3), (1, 4)],
    "O": [(1, 5)],
    "M": [(2, 5), (3, 5), (4, 5)],
    "I": [(f, d) for f in (2, 3, 4) for d in (2, 3, 4)],
}

SCALE_MAX = 9.5  # true satisfaction lives on 1..SCALE_MAX so that items rarely clip at 10

PRODUCTS_PER_CATEGORY = 20  # products "<category>-01" .. "<category>-20"
# planted associations in the order lines: (antecedent, consequent, probability that a new line of
# an order holding the antecedent is the consequent)
PLANTED_PRODUCT_RULES = [("grocery-01", "grocery-02", 0.8), ("electronics-01", "electronics-02", 0.6)]
PLANTED_CATEGORY_RULES = [("beauty", "apparel", 0.8)]
PRODUCT_LABELS = {
    "grocery-01": "diapers",
    "grocery-02": "beer",
    "electronics-01": "camera",
    "electronics-02": "memory card",
}
# the campaign experiment run the day after the period ends
CAMPAIGN = {
    "campaign_id": "C01",
    "type": "coupon",
    "medium": "email",
    "discount": 0.15,
    "window_days": 28,
    "holdout_share": 0.2,
    "target_regions": ["north", "east", "central"],
    "cost_per_contact": 0.5,
}


@dataclass
class GroundTruth:
    """What the generator knows and a real data set never shows.

    ``associations``: the planted basket rules with their realised support, confidence and lift;
    ``campaign``: per customer of the campaign table, both potential outcomes and the true uplift.
    """

    customers: pd.DataFrame
    orders: pd.DataFrame
    params: dict = field(default_factory=dict)
    associations: pd.DataFrame | None = None
    campaign: pd.DataFrame | None = None

    def basic_saturation_point(self, fraction: float = 0.2) -> float:
        """Basic satisfaction at which f'(B) falls below ``fraction`` of its maximum.

        With f(B) = A (1 - exp(-k (B - 1))), f'(B) = A k exp(-k (B - 1)): B* = 1 + ln(1 / fraction) / k.

        Parameters
        ----------
        fraction : float
            Share of the maximal marginal effect (0.2: 20 %).

        Returns
        -------
        float
            B* on the survey scale; NaN without the satisfaction trap.
        """
        p = self.params
        if not p["satisfaction_trap"]:
            return float("nan")
        return 1.0 + np.log(1.0 / fraction) / p["basic_k"]


@dataclass
class Population:
    """Canonical tables of a synthetic population, plus ``truth``."""

    customers: pd.DataFrame
    transactions: pd.DataFrame
    survey: pd.DataFrame
    promotions: pd.DataFrame
    truth: GroundTruth
    order_lines: pd.DataFrame | None = None
    campaign: pd.DataFrame | None = None

    def __repr__(self) -> str:
        p = self.truth.params
        return (
            f"Population(n_customers={len(self.customers):,}, transactions={len(self.transactions):,}, "
            f"survey={len(self.survey):,}, promotions={len(self.promotions)}, seed={p['seed']}, "
            f"{p['start']}..{p['end']}, satisfaction_trap={p['satisfaction_trap']})"
        )

    def save(self, directory) -> Path:
        """Write every table as CSV (ground truth under ``truth_*``) and the parameters as JSON.

        Parameters
        ----------
        directory : str or path
            The folder (created if needed).

        Returns
        -------
        pathlib.Path
            The folder.
        """
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        self.customers.to_csv(out / "customers.csv", index=False)
        self.transactions.to_csv(out / "transactions.csv", index=False)
        self.survey.to_csv(out / "survey.csv", index=False)
        self.promotions.to_csv(out / "promotions.csv", index=False)
        self.truth.customers.to_csv(out / "truth_customers.csv")
        self.truth.orders.to_csv(out / "truth_orders.csv", index=False)
        for name in ("order_lines", "campaign"):
            if getattr(self, name) is not None:
                getattr(self, name).to_csv(out / f"{name}.csv", index=False)
        if self.truth.associations is not None:
            self.truth.associations.to_csv(out / "truth_associations.csv", index=False)
        if self.truth.campaign is not None:
            self.truth.campaign.to_csv(out / "truth_campaign.csv")
        (out / "params.json").write_text(json.dumps(self.truth.params, indent=2, default=str))
        return out


def _logit(p):
    return np.log(p / (1.0 - p))


def _expit(x):
    return 1.0 / (1.0 + np.exp(-x))


def _rate_shape(x):
    """Purchase-rate multiplier over the lifetime fraction x in [0, 1)."""
    return np.select([x < 0.1, x < 0.3, x < 0.7], [0.5, 0.5 + 2.5 * (x - 0.1), 1.0], 1.0 - 2.5 * (x - 0.7))


def _spend_shape(x):
    """Order-value multiplier over the lifetime fraction x."""
    return np.select(
        [x < 0.1, x < 0.3, x < 0.7], [0.7, 0.7 + 1.5 * (x - 0.1), 1.0], 1.0 - (2.0 / 3.0) * (x - 0.7)
    )


def _stage_of(x):
    return np.select(
        [x < 0.1, x < 0.3, x < 0.7, x < 1.0], ["development", "growth", "maturity", "decline"], "termination"
    )


# effect on overall satisfaction of each attribute's rating x (1..10), by its Kano category:
# must-be attributes only penalise when unfulfilled, attractive ones only reward when fulfilled
_KANO_EFFECT = {
    "M": lambda x: -0.45 * np.maximum(6.0 - x, 0.0),
    "O": lambda x: 0.25 * (x - 5.5),
    "A": lambda x: 0.50 * np.maximum(x - 6.0, 0.0),
    "I": lambda x: 0.0 * x,
}


def _overall_satisfaction(items: pd.DataFrame) -> np.ndarray:
    """True overall satisfaction from the attribute ratings: 6.8 + sum of Kano-shaped effects."""
    total = np.full(len(items), 6.8)
    for name in items.columns:
        total = total + _KANO_EFFECT[KANO_TRUTH[name]](items[name].to_numpy(dtype=float))
    return total


def _draw(rng, options, size, p=None):
    return np.asarray(options, dtype=object)[rng.choice(len(options), size=size, p=p)]


def _items(rng, true_value, n_items, sd, lo, hi, shift=0.0):
    noisy = true_value[:, None] + shift + rng.normal(0.0, sd, size=(len(true_value), n_items))
    return np.clip(np.rint(noisy), lo, hi).astype(np.int64)


def generate(
    n_customers: int = 10_000,
    seed: int = 0,
    start="2023-01-01",
    end="2025-12-31",
    satisfaction_trap: bool = True,
    survey_response_rate: float = 0.3,
    potential_share: float = 0.08,
    n_promotions: int | None = None,
) -> Population:
    """Generate a synthetic e-commerce population (see the module docstring).

    Parameters
    ----------
    n_customers : customers who signed up in the period (buyers and potential).
    seed : every random draw comes from ``numpy.random.default_rng(seed)``.
    start, end : the observation period (inclusive days).
    satisfaction_trap : concave-saturating basic and convex latent effects on loyalty
        (True) or the same survey with linear, symmetric effects (False).
    survey_response_rate : share of buyers who answer the survey.
    potential_share : share of sign-ups who never buy in the period.
    n_promotions : promotions in the period (default: one a month).

    Returns
    -------
    Population
        The canonical tables (customers, transactions, survey, promotions, order_lines,
        campaign) and the ground truth (``truth``).
    """
    if n_customers < 10:
        raise ValueError(f"generate: n_customers must be at least 10, not {n_customers}")
    if not 0 < survey_response_rate <= 1:
        raise ValueError("generate: survey_response_rate must be in (0, 1]")
    start_ts, end_ts = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
    n_days = (end_ts - start_ts).days + 1
    if n_days < 60:
        raise ValueError(f"generate: the period {start_ts.date()}..{end_ts.date()} is shorter than 60 days")
    rng = np.random.default_rng(seed)
    n = n_customers
    ids = np.char.add("S", np.char.zfill(np.arange(1, n + 1).astype(str), 6)).astype(object)
    # every step draws from the one generator in a fixed order: same seed, same population
    c = _who(rng, n, ids)
    _signups(rng, c, n_days, start_ts, potential_share)
    _attitudes(rng, c, satisfaction_trap)
    _behaviour(rng, c)
    buys = _organic_purchases(rng, c, n_days)
    promo = _promotion_calendar(rng, n_days, n_promotions)
    _promotion_purchases(rng, c, buys, promo, n_days)
    transactions, orders_truth = _order_details(rng, c, buys, promo, start_ts, ids)
    promotions = _promotions_table(promo, start_ts, n)
    _card_dates(rng, c, start_ts, n_days)
    truth_customers = _truth_customers(c, ids, start_ts)
    survey = _survey(rng, c, ids, survey_response_rate)
    params = {
        "n_customers": n,
        "seed": seed,
        "start": str(start_ts.date()),
        "end": str(end_ts.date()),
        "satisfaction_trap": satisfaction_trap,
        "survey_response_rate": survey_response_rate,
        "potential_share": potential_share,
        "n_promotions": int(promo.n),
        **_loyalty_params(c, satisfaction_trap),
    }
    # drawn after everything else, from child generators: the tables above stay as they were
    order_lines, associations = _order_lines(np.random.default_rng([seed, 1]), transactions)
    campaign, campaign_truth, params["campaign"] = _campaign(
        np.random.default_rng([seed, 2]), c, ids, transactions, end_ts
    )
    return Population(
        customers=c.customers,
        transactions=transactions,
        survey=survey,
        promotions=promotions,
        truth=GroundTruth(
            customers=truth_customers,
            orders=orders_truth,
            params=params,
            associations=associations,
            campaign=campaign_truth,
        ),
        order_lines=order_lines,
        campaign=campaign,
    )


def _date(start_ts: pd.Timestamp, offsets) -> pd.Series:
    return pd.Series(start_ts + pd.to_timedelta(offsets, unit="D")).astype("datetime64[ns]")


def _who(rng, n: int, ids: np.ndarray) -> SimpleNamespace:
    """Segment, demographics and region of each sign-up: the customers table's first columns."""
    seg_idx = rng.choice(len(SEGMENTS), size=n, p=SEGMENTS["share"].to_numpy())
    income_p = np.array([[0.15, 0.45, 0.40], [0.30, 0.50, 0.20], [0.50, 0.40, 0.10], [0.35, 0.45, 0.20]])
    u = rng.random(n)
    income_idx = (u[:, None] > np.cumsum(income_p[seg_idx], axis=1)).sum(axis=1)
    region = _draw(rng, REGIONS, n, p=[0.22, 0.20, 0.24, 0.16, 0.18])
    city_tier = rng.choice([1, 2, 3], size=n, p=[0.35, 0.40, 0.25])
    customers = pd.DataFrame(
        {
            "customer_id": ids,
            "age_band": _draw(rng, AGE_BANDS, n, p=[0.12, 0.27, 0.24, 0.18, 0.12, 0.07]),
            "gender": _draw(rng, ["female", "male"], n, p=[0.55, 0.45]),
            "income_band": np.asarray(INCOME_BANDS, dtype=object)[income_idx],
            "region": region,
            "city_tier": city_tier,
            "acquisition_channel": _draw(rng, ACQUISITION_CHANNELS, n, p=[0.25, 0.2, 0.18, 0.12, 0.1, 0.15]),
        }
    )
    return SimpleNamespace(
        n=n,
        seg_idx=seg_idx,
        seg=SEGMENTS.iloc[seg_idx],
        income_idx=income_idx,
        region=region,
        city_tier=city_tier,
        customers=customers,
    )


def _signups(rng, c: SimpleNamespace, n_days: int, start_ts: pd.Timestamp, potential_share: float) -> None:
    """Sign-up day (growth over the period, a year-end peak) and first purchase; who buys."""
    day_offsets = np.arange(n_days)
    days = start_ts + pd.to_timedelta(day_offsets, unit="D")
    weight = (1.0 + 0.8 * day_offsets / n_days) * (1.0 + 0.6 * days.month.isin([11, 12]))
    signup_off = np.sort(rng.choice(n_days, size=c.n, p=weight / weight.sum()))
    rng.shuffle(signup_off)
    first_off = signup_off + np.floor(rng.exponential(4.0, size=c.n)).astype(np.int64)
    c.buyer = (rng.random(c.n) >= potential_share) & (first_off < n_days)
    c.first_off = np.where(c.buyer, first_off, -1)
    c.signup_off = signup_off


def _attitudes(rng, c: SimpleNamespace, satisfaction_trap: bool) -> None:
    """True satisfaction, loyalty (with or without the trap), price sensitivity, captivity."""
    n = c.n
    c.basic_true = 1.0 + (SCALE_MAX - 1.0) * rng.beta(4.0, 1.8, size=n)
    c.latent_true = 1.0 + (SCALE_MAX - 1.0) * rng.beta(2.0, 2.5, size=n)
    span = SCALE_MAX - 1.0
    if satisfaction_trap:
        c.A, c.k, c.C, c.gamma = 4.0, 0.35, 4.5, 1.6
        f_basic = c.A * (1.0 - np.exp(-c.k * (c.basic_true - 1.0)))
        g_latent = c.C * ((c.latent_true - 1.0) / span) ** c.gamma
    else:
        c.A, c.k, c.C, c.gamma = 3.5, float("nan"), 3.5, 1.0
        f_basic = c.A * (c.basic_true - 1.0) / span
        g_latent = c.C * (c.latent_true - 1.0) / span
    c.loyalty_true = 1.0 + f_basic + g_latent + rng.normal(0.0, 0.7, size=n)
    c.lz = (c.loyalty_true - c.loyalty_true.mean()) / c.loyalty_true.std()
    c.attachment = np.clip((c.loyalty_true - 1.0) / (SCALE_MAX - 1.0), 0.0, 1.0)
    price_base = rng.beta(c.seg["price_a"].to_numpy(), c.seg["price_b"].to_numpy())
    c.price_sens = _expit(_logit(np.clip(price_base, 0.01, 0.99)) - 0.4 * c.lz - 0.4 * (c.income_idx - 1))
    c.inertia = rng.beta(2.0, 4.0, size=n)
    c.monopoly = (c.city_tier == 3) & (rng.random(n) < 0.12)


def _behaviour(rng, c: SimpleNamespace) -> None:
    """Purchase rate, lifetime, order value, share of wallet, preferred category and channel."""
    n, seg, lz = c.n, c.seg, c.lz
    c.rate = seg["purchase_rate"].to_numpy() * rng.gamma(1.2, 1.0 / 1.2, size=n) * np.exp(0.30 * lz)
    c.rate *= np.where(c.monopoly, 1.4, 1.0) * (1.0 + 0.3 * c.inertia)
    c.tau = rng.exponential(seg["lifetime_weeks"].to_numpy() * np.exp(0.6 * lz))
    c.order_value = seg["order_value"].to_numpy() * rng.lognormal(0.0, 0.3, size=n)
    c.sow = _expit(-0.3 + 1.0 * lz + rng.normal(0.0, 0.6, size=n))
    c.primary_cat = rng.choice(len(CATEGORIES), size=n)
    c.p_primary = np.clip(0.85 - 0.35 * c.attachment + rng.normal(0, 0.05, n), 0.3, 0.95)
    c.pref_channel = rng.choice(len(CHANNELS), size=n, p=[0.45, 0.35, 0.20])


def _organic_purchases(rng, c: SimpleNamespace, n_days: int) -> SimpleNamespace:
    """Poisson purchases while alive (thinned by the life-cycle rate shape), first purchase at age 0."""
    buyer = c.buyer
    c.first_week = np.where(buyer, c.first_off, 0) / 7.0
    horizon_week = (n_days - 1) / 7.0
    c.age_end = np.where(buyer, horizon_week - c.first_week, 0.0)  # relationship age at the end
    active_weeks = np.where(buyer, np.minimum(c.tau, c.age_end), 0.0)
    n_candidates = rng.poisson(c.rate * active_weeks)
    owner = np.repeat(np.arange(c.n), n_candidates)
    t = rng.random(len(owner)) * active_weeks[owner]
    keep = rng.random(len(owner)) < _rate_shape(t / c.tau[owner])
    owner, t = owner[keep], t[keep]
    buyers = np.flatnonzero(buyer)
    owner = np.concatenate([buyers, owner])  # the first purchase, at age 0
    t = np.concatenate([np.zeros(len(buyers)), t])
    day = np.minimum(c.first_off[owner] + np.floor(t * 7.0).astype(np.int64), n_days - 1)
    x = t / c.tau[owner]
    list_value = (
        c.order_value[owner] * _spend_shape(np.minimum(x, 0.999)) * rng.lognormal(0.0, 0.35, len(owner))
    )
    return SimpleNamespace(owner=owner, t=t, day=day, list_value=list_value)


def _promotion_calendar(rng, n_days: int, n_promotions: int | None) -> SimpleNamespace:
    """Start, length, type (discount depth) and medium (reach) of each promotion."""
    n_promo = n_promotions if n_promotions is not None else max(1, round(n_days / 30.4))
    start = np.sort(rng.choice(np.arange(0, max(1, n_days - 14)), size=n_promo, replace=False))
    length = rng.integers(5, 15, size=n_promo)
    kind = _draw(rng, list(PROMOTION_TYPES), n_promo)
    medium = _draw(rng, list(PROMOTION_MEDIA), n_promo)
    return SimpleNamespace(
        n=n_promo,
        start=start,
        length=length,
        type=kind,
        medium=medium,
        depth=np.array([PROMOTION_TYPES[x_] for x_ in kind]),
        reach=np.array([PROMOTION_MEDIA[x_] for x_ in medium]),
        ids=np.char.add("P", np.char.zfill(np.arange(1, n_promo + 1).astype(str), 3)).astype(object),
    )


def _promotion_purchases(rng, c: SimpleNamespace, buys: SimpleNamespace, promo, n_days: int) -> None:
    """Incremental purchases a promotion causes (customers active at its start), then which
    organic purchases in a promotion window use it (a price-driven probability)."""
    start_age = promo.start[None, :] / 7.0 - c.first_week[:, None]
    active = c.buyer[:, None] & (start_age > 0) & (start_age < np.minimum(c.tau, c.age_end)[:, None])
    p_extra = (0.01 + 0.30 * c.price_sens[:, None] ** 2) * promo.reach[None, :]
    extra = active & (rng.random(active.shape) < p_extra)
    e_cust, e_promo = np.nonzero(extra)
    e_day = promo.start[e_promo] + np.floor(rng.random(len(e_cust)) * promo.length[e_promo]).astype(np.int64)
    e_day = np.minimum(e_day, n_days - 1)
    e_day = np.minimum(e_day, c.first_off[e_cust] + np.floor(c.tau[e_cust] * 7.0).astype(np.int64))
    e_age = e_day / 7.0 - c.first_week[e_cust]  # (not after dropout, above)
    e_value = (
        c.order_value[e_cust]
        * 0.8
        * _spend_shape(np.minimum(e_age / c.tau[e_cust], 0.999))
        * rng.lognormal(0.0, 0.35, len(e_cust))
    )
    n_organic = len(buys.owner)
    buys.owner = np.concatenate([buys.owner, e_cust])
    buys.day = np.concatenate([buys.day, e_day])
    buys.t = np.concatenate([buys.t, e_age])
    buys.list_value = np.concatenate([buys.list_value, e_value])
    buys.promo_driven = np.concatenate([np.zeros(n_organic, dtype=bool), np.ones(len(e_cust), dtype=bool)])
    promo_of = np.concatenate([np.full(n_organic, -1), e_promo])
    idx = np.searchsorted(promo.start, buys.day, side="right") - 1
    safe = np.maximum(idx, 0)
    in_window = (idx >= 0) & (buys.day < promo.start[safe] + promo.length[safe])
    uses = in_window & (promo_of < 0) & (rng.random(len(buys.day)) < 0.1 + 0.7 * c.price_sens[buys.owner])
    buys.promo_of = np.where(uses, idx, promo_of)


def _order_details(rng, c, buys, promo, start_ts: pd.Timestamp, ids) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Category, channel, product, amount after discount, cost to serve, quantity; the
    transactions table (sorted by day, then customer) and the promo-driven truth per order."""
    owner, m = buys.owner, len(buys.owner)
    discount = np.where(buys.promo_of >= 0, promo.depth[np.maximum(buys.promo_of, 0)], 0.0)
    cat = np.where(
        rng.random(m) < c.p_primary[owner], c.primary_cat[owner], rng.choice(len(CATEGORIES), size=m)
    )
    chan = np.where(rng.random(m) < 0.75, c.pref_channel[owner], rng.choice(len(CHANNELS), size=m))
    product_no = rng.integers(1, 21, size=m)
    cat_names = CATEGORIES.index.to_numpy(dtype=object)
    amount = np.round(buys.list_value * (1.0 - discount), 2)
    tenure_factor = 1.0 - 0.3 * np.minimum(np.maximum(buys.t, 0.0) / 104.0, 1.0)  # cheaper to serve
    cost = np.round(
        buys.list_value * (1.0 - CATEGORIES["margin_rate"].to_numpy()[cat])
        + CHANNELS["cost_to_serve"].to_numpy()[chan] * tenure_factor,
        2,
    )
    quantity = 1 + rng.poisson(buys.list_value / 80.0)
    order = np.lexsort((owner, buys.day))
    order_ids = np.char.add("O", np.char.zfill(np.arange(1, m + 1).astype(str), 8)).astype(object)
    promo_of = buys.promo_of[order]
    transactions = pd.DataFrame(
        {
            "order_id": order_ids,
            "customer_id": ids[owner[order]],
            "date": (start_ts + pd.to_timedelta(buys.day[order], unit="D")).astype("datetime64[ns]"),
            "amount": amount[order],
            "quantity": quantity[order],
            "product": np.char.add(
                np.char.add(cat_names[cat[order]].astype(str), "-"),
                np.char.zfill(product_no[order].astype(str), 2),
            ).astype(object),
            "category": cat_names[cat[order]],
            "channel": CHANNELS.index.to_numpy(dtype=object)[chan[order]],
            "region": c.region[owner[order]],
            "promotion_id": pd.array(
                np.where(promo_of >= 0, promo.ids[np.maximum(promo_of, 0)], None), dtype="string"
            ),
            "cost": cost[order],
        }
    )
    orders_truth = pd.DataFrame({"order_id": order_ids, "promo_driven": buys.promo_driven[order]})
    return transactions, orders_truth


def _promotions_table(promo: SimpleNamespace, start_ts: pd.Timestamp, n: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "promotion_id": promo.ids,
            "type": promo.type,
            "medium": promo.medium,
            "start": (start_ts + pd.to_timedelta(promo.start, unit="D")).astype("datetime64[ns]"),
            "end": (start_ts + pd.to_timedelta(promo.start + promo.length - 1, unit="D")).astype(
                "datetime64[ns]"
            ),
            "cost": np.round(2000.0 + 1.5 * n * promo.reach * promo.depth, 2),
        }
    )


def _card_dates(rng, c: SimpleNamespace, start_ts: pd.Timestamp, n_days: int) -> None:
    """Sign-up, first purchase and loyalty-card dates into the customers table."""
    n, buyer = c.n, c.buyer
    card_soon = rng.random(n) < 0.25 + 0.25 * c.attachment
    card_later = ~card_soon & (rng.random(n) < 0.25)
    card_off = c.first_off + np.where(card_later, np.floor(rng.exponential(90.0, n)).astype(np.int64), 0)
    has_card = buyer & (card_soon | card_later) & (card_off < n_days)
    c.customers.insert(1, "signup_date", _date(start_ts, c.signup_off))
    c.customers.insert(2, "first_purchase_date", _date(start_ts, c.first_off).where(buyer))
    c.customers.insert(3, "card_date", _date(start_ts, card_off).where(has_card))


def _truth_customers(c: SimpleNamespace, ids, start_ts: pd.Timestamp) -> pd.DataFrame:
    """What the generator knows per customer: rates, lifetime, stage, loyalty types, wallet."""
    buyer = c.buyer
    x_end = np.where(buyer, c.age_end / c.tau, np.nan)
    alive = buyer & (c.age_end < c.tau)
    dropout_off = np.where(buyer & ~alive, c.first_off + np.floor(c.tau * 7.0), 0).astype(np.int64)
    c.firm_annual = c.rate * 52.0 * c.order_value
    c.category_wallet = c.firm_annual / c.sow
    attitude_high = c.attachment >= np.quantile(c.attachment, 0.6)
    repeat_high = c.rate >= np.quantile(c.rate[buyer], 0.5) if buyer.any() else np.zeros(c.n, bool)
    dick_basu = np.select(
        [attitude_high & repeat_high, attitude_high, repeat_high], ["true", "latent", "spurious"], "none"
    )
    loyalty_type = np.select(
        [
            attitude_high & repeat_high,
            repeat_high & c.monopoly,
            repeat_high & (c.inertia > 0.5),
            repeat_high & (c.price_sens > 0.6),
            ~attitude_high & ~repeat_high & (c.price_sens > 0.6),
            attitude_high,
        ],
        ["super-value", "monopoly", "inertia", "incentive", "price", "latent"],
        "none",
    )
    return pd.DataFrame(
        {
            "segment": SEGMENTS.index.to_numpy(dtype=object)[c.seg_idx],
            "purchase_rate": c.rate,
            "order_value": c.order_value,
            "lifetime_weeks": c.tau,
            "dropout_date": _date(start_ts, dropout_off).where(buyer & ~alive).to_numpy(),
            "alive": alive,
            "stage": np.where(buyer, _stage_of(np.nan_to_num(x_end)), "potential"),
            "attachment": c.attachment,
            "price_sensitivity": c.price_sens,
            "inertia": c.inertia,
            "monopoly": c.monopoly,
            "share_of_wallet": c.sow,
            "category_wallet": c.category_wallet,
            "basic_satisfaction_true": c.basic_true,
            "latent_satisfaction_true": c.latent_true,
            "loyalty_true": c.loyalty_true,
            "dick_basu": dick_basu,
            "loyalty_type": loyalty_type,
            "loyal": dick_basu == "true",
        },
        index=pd.Index(ids, name="customer_id"),
    )


def _survey(rng, c: SimpleNamespace, ids, survey_response_rate: float) -> pd.DataFrame:
    """A survey of a random share of buyers: satisfaction items, loyalty, price, captivity, Kano."""
    respond = c.buyer & (rng.random(c.n) < survey_response_rate)
    r = np.flatnonzero(respond)
    nr = len(r)
    basic_items = _items(rng, c.basic_true[r], 4, 0.8, 1, 10)
    latent_items = _items(rng, c.latent_true[r], 3, 0.8, 1, 10)
    survey = pd.DataFrame(index=pd.RangeIndex(nr))
    survey["customer_id"] = ids[r]
    for j, name in enumerate(BASIC_ITEMS):
        survey[name] = basic_items[:, j]
    for j, name in enumerate(LATENT_ITEMS):
        survey[name] = latent_items[:, j]
    survey["overall_satisfaction"] = np.clip(
        np.rint(_overall_satisfaction(survey[BASIC_ITEMS + LATENT_ITEMS]) + rng.normal(0.0, 0.8, nr)), 1, 10
    ).astype(np.int64)
    survey["repurchase_intention"] = _items(rng, c.loyalty_true[r], 1, 0.6, 1, 10)[:, 0]
    survey["recommend"] = _items(rng, c.loyalty_true[r], 1, 0.8, 0, 10, shift=-0.5)[:, 0]
    survey["price_sensitivity"] = _items(rng, 1.0 + 9.0 * c.price_sens[r], 1, 0.8, 1, 10)[:, 0]
    survey["voluntariness"] = _items(
        rng, 1.0 + 9.0 * (1.0 - c.inertia[r]) * np.where(c.monopoly[r], 0.4, 1.0), 1, 0.8, 1, 10
    )[:, 0]
    survey["referrals"] = rng.poisson(0.2 + 2.5 * c.attachment[r] ** 2)
    survey["outside_spend"] = np.round(
        np.maximum(c.category_wallet[r] - c.firm_annual[r], 0.0) * rng.lognormal(0.0, 0.2, nr), 0
    )
    _kano_answers(rng, survey, nr)
    # drawn last so that adding them left every other column unchanged
    survey["alternatives"] = _items(rng, np.where(c.monopoly[r], 2.0, 7.0), 1, 1.2, 1, 10)[:, 0]
    survey["switching_cost"] = _items(rng, 1.0 + 9.0 * c.inertia[r], 1, 1.0, 1, 10)[:, 0]
    survey["basic_satisfaction"] = survey[BASIC_ITEMS].mean(axis=1)
    survey["latent_satisfaction"] = survey[LATENT_ITEMS].mean(axis=1)
    survey["satisfaction"] = survey[
        ["overall_satisfaction", "basic_satisfaction", "latent_satisfaction"]
    ].mean(axis=1)
    survey["loyalty_intention"] = (survey["repurchase_intention"] + 1.0 + 0.9 * survey["recommend"]) / 2.0
    return survey


def _kano_answers(rng, survey: pd.DataFrame, nr: int) -> None:
    """Functional / dysfunctional answers per item from its true Kano class, 30 % noise."""
    for name in BASIC_ITEMS + LATENT_ITEMS:
        cells = _KANO_CELLS[KANO_TRUTH[name]]
        pick = np.asarray(cells)[rng.integers(0, len(cells), size=nr)]
        noise = rng.random(nr) < 0.3
        random_pair = rng.integers(1, 6, size=(nr, 2))
        pair = np.where(noise[:, None], random_pair, pick)
        survey[f"kano_functional_{name}"] = pair[:, 0]
        survey[f"kano_dysfunctional_{name}"] = pair[:, 1]


def _loyalty_params(c: SimpleNamespace, satisfaction_trap: bool) -> dict:
    """The truth's description of the loyalty formula, Kano classes and stage rule."""
    return {
        "basic_A": c.A,
        "basic_k": c.k,
        "latent_C": c.C,
        "latent_gamma": c.gamma,
        "loyalty_noise_sd": 0.7,
        "loyalty_formula": (
            "loyalty = 1 + A(1-exp(-k(B-1))) + C((Lt-1)/8.5)^gamma + e"
            if satisfaction_trap
            else "loyalty = 1 + A(B-1)/8.5 + C(Lt-1)/8.5 + e"
        ),
        "basic_saturation_point_20pct": (1.0 + np.log(5.0) / c.k) if satisfaction_trap else None,
        "kano": dict(KANO_TRUTH),
        "item_labels": dict(ITEM_LABELS),
        "stage_rule": "lifetime fraction at the end: <0.1 development, <0.3 growth, <0.7 maturity, "
        "<1 decline, else termination; never bought: potential",
        "time_unit": "weeks",
    }


def _product_names() -> np.ndarray:
    """Product code ``cat * PRODUCTS_PER_CATEGORY + (no - 1)`` -> name ``"<category>-<no>"``."""
    cats = np.repeat(CATEGORIES.index.to_numpy(dtype=str), PRODUCTS_PER_CATEGORY)
    nos = np.tile(np.arange(1, PRODUCTS_PER_CATEGORY + 1), len(CATEGORIES))
    return np.char.add(np.char.add(cats, "-"), np.char.zfill(nos.astype(str), 2)).astype(object)


def _new_line_products(rng, first: np.ndarray, n_new: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Products of the lines after each order's first: planted consequents, else same category
    (45 %) or any category; returns (order index, product code) of the new lines."""
    k, n_cat, m = PRODUCTS_PER_CATEGORY, len(CATEGORIES), len(first)
    code = {name: i for i, name in enumerate(_product_names())}
    cat_no = {name: i for i, name in enumerate(CATEGORIES.index)}
    watched = sorted({code[x] for a, b, _ in PLANTED_PRODUCT_RULES for x in (a, b)})
    col = {p_: j for j, p_ in enumerate(watched)}
    holds_cat = np.zeros((m, n_cat), dtype=bool)  # categories and planted products in each order
    holds_cat[np.arange(m), first // k] = True
    holds = first[:, None] == np.asarray(watched)[None, :]
    orders, products = [], []
    for slot in range(1, int(n_new.max(initial=0)) + 1):
        o = np.flatnonzero(n_new >= slot)
        same = rng.random(len(o)) < 0.45
        cat = np.where(same, first[o] // k, rng.integers(0, n_cat, len(o)))
        prod = cat * k + rng.integers(0, k, len(o))
        for a, b, p in PLANTED_CATEGORY_RULES:
            fire = holds_cat[o, cat_no[a]] & ~holds_cat[o, cat_no[b]] & (rng.random(len(o)) < p)
            prod = np.where(fire, cat_no[b] * k + rng.integers(0, k, len(o)), prod)
        for a, b, p in PLANTED_PRODUCT_RULES:
            fire = holds[o, col[code[a]]] & ~holds[o, col[code[b]]] & (rng.random(len(o)) < p)
            prod = np.where(fire, code[b], prod)
        holds_cat[o, prod // k] = True
        holds[o] |= prod[:, None] == np.asarray(watched)[None, :]
        orders.append(o)
        products.append(prod)
    if not orders:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(orders), np.concatenate(products)


def _order_lines(rng, transactions: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ``order_lines`` table (order_id, product, category, quantity, price) and the planted
    rules with their realised support, confidence and lift (see the module docstring)."""
    names = _product_names()
    codes, uniques = pd.factorize(transactions["product"])
    first = pd.Index(names).get_indexer(np.asarray(uniques, dtype=object))[codes]
    quantity = transactions["quantity"].to_numpy()
    n_new = rng.binomial(quantity - 1, 0.75)
    o_new, p_new = _new_line_products(rng, first, n_new)
    m, k = len(transactions), len(names)
    o_all = np.concatenate([np.arange(m), o_new])
    key = o_all * k + np.concatenate([first, p_new])
    q_all = np.concatenate([quantity - n_new, np.ones(len(o_new), np.int64)])
    # a product drawn twice in an order is one line; lines keep the order they were drawn in
    uniq, first_at, inverse = np.unique(key, return_index=True, return_inverse=True)
    q = np.bincount(inverse, weights=q_all).astype(np.int64)
    keep = np.lexsort((first_at, uniq // k))
    o, p, q = uniq[keep] // k, uniq[keep] % k, q[keep]
    list_price = rng.lognormal(np.log(20.0), 0.6, size=len(names))
    weight = q * list_price[p] * rng.lognormal(0.0, 0.2, len(q))
    share = weight / np.bincount(o, weights=weight, minlength=m)[o]
    value = transactions["amount"].to_numpy()[o] * share
    order_lines = pd.DataFrame(
        {
            "order_id": transactions["order_id"].array.take(o),
            "product": names[p],
            "category": CATEGORIES.index.to_numpy(dtype=object)[p // PRODUCTS_PER_CATEGORY],
            "quantity": q,
            "price": np.maximum(np.round(value / q, 2), 0.01),
        }
    )
    return order_lines, _realised_rules(o, p, m)


def _realised_rules(order: np.ndarray, product: np.ndarray, n_orders: int) -> pd.DataFrame:
    """Support, confidence and lift of each planted rule, counted on the order lines (order
    index, product code)."""
    k = PRODUCTS_PER_CATEGORY
    code = {name: i for i, name in enumerate(_product_names())}
    cat_no = {name: i for i, name in enumerate(CATEGORIES.index)}
    rows = []
    for level, rules in (("product", PLANTED_PRODUCT_RULES), ("category", PLANTED_CATEGORY_RULES)):
        item, key = (product, code) if level == "product" else (product // k, cat_no)
        for a, b, p in rules:
            has_a = np.bincount(order[item == key[a]], minlength=n_orders) > 0
            has_b = np.bincount(order[item == key[b]], minlength=n_orders) > 0
            n_a, n_b, both = int(has_a.sum()), int(has_b.sum()), int((has_a & has_b).sum())
            rows.append(
                {
                    "level": level,
                    "antecedent": a,
                    "consequent": b,
                    "story": f"{PRODUCT_LABELS.get(a, a)} -> {PRODUCT_LABELS.get(b, b)}",
                    "planted_probability": p,
                    "support": both / n_orders,
                    "confidence": both / n_a if n_a else float("nan"),
                    "lift": both * n_orders / (n_a * n_b) if n_a and n_b else float("nan"),
                }
            )
    return pd.DataFrame(rows)


def _campaign_draws(rng, c: SimpleNamespace, b: np.ndarray, window_weeks: float) -> SimpleNamespace:
    """Both potential outcomes of the campaign for the buyers ``b`` (common random numbers)."""
    s = c.price_sens[b]
    alive = c.age_end[b] < c.tau[b]
    rate_now = np.where(alive, c.rate[b] * _rate_shape(np.minimum(c.age_end[b] / c.tau[b], 0.999)), 0.0)
    spend = c.order_value[b] * _spend_shape(np.minimum(c.age_end[b] / c.tau[b], 0.999))
    h = np.where(alive, 0.01 + 0.45 * s**2, 0.03 * s)  # probability of one extra purchase
    lose = np.where(alive & (s < 0.1), 0.15, 0.0)  # sleeping dogs drop their purchases
    redeem_p, d = 0.1 + 0.7 * s, CAMPAIGN["discount"]
    n0 = rng.poisson(rate_now * window_weeks)
    owner = np.repeat(np.arange(len(b)), n0)
    value = spend[owner] * rng.lognormal(0.0, 0.35, len(owner))
    redeemed = rng.random(len(owner)) < redeem_p[owner]
    lost = rng.random(len(b)) < lose
    extra = rng.random(len(b)) < h
    extra_value = spend * rng.lognormal(0.0, 0.35, len(b)) * (1.0 - d)
    rev0 = np.bincount(owner, weights=value, minlength=len(b))
    kept = np.bincount(owner, weights=value * np.where(redeemed, 1.0 - d, 1.0), minlength=len(b))
    rev1 = np.where(lost, 0.0, kept) + np.where(extra, extra_value, 0.0)
    e0 = np.exp(-rate_now * window_weeks)
    mean_value = spend * np.exp(0.35**2 / 2)
    return SimpleNamespace(
        y0=n0 > 0,
        y1=((n0 > 0) & ~lost) | extra,
        rev0=np.round(rev0, 2),
        rev1=np.round(rev1, 2),
        p0=1.0 - e0,
        p1=1.0 - (e0 + (1.0 - e0) * lose) * (1.0 - h),
        erev0=rate_now * window_weeks * mean_value,
        erev1=(1.0 - lose) * rate_now * window_weeks * mean_value * (1.0 - d * redeem_p)
        + h * mean_value * (1.0 - d),
    )


def _campaign(rng, c, ids, transactions: pd.DataFrame, end_ts) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """The campaign table (buyers; targeted regions, random holdout), its truth and parameters."""
    b = np.flatnonzero(c.buyer)
    targeted = np.isin(c.region[b], CAMPAIGN["target_regions"])
    control = targeted & (rng.random(len(b)) < CAMPAIGN["holdout_share"])
    treated = targeted & ~control
    out = _campaign_draws(rng, c, b, CAMPAIGN["window_days"] / 7.0)
    campaign = pd.DataFrame(
        {
            "customer_id": ids[b],
            "campaign_id": CAMPAIGN["campaign_id"],
            "targeted": targeted,
            "control": control,
            "responded": np.where(treated, out.y1, out.y0),
            "revenue": np.where(treated, out.rev1, out.rev0),
        }
    )
    truth = pd.DataFrame(
        {
            "treated": treated,
            "p_respond_control": out.p0,
            "p_respond_treated": out.p1,
            "uplift": out.p1 - out.p0,
            "expected_revenue_control": out.erev0,
            "expected_revenue_treated": out.erev1,
            "uplift_revenue": out.erev1 - out.erev0,
            "responded_control": out.y0,
            "responded_treated": out.y1,
            "revenue_control": out.rev0,
            "revenue_treated": out.rev1,
        },
        index=pd.Index(ids[b], name="customer_id"),
    )
    date = end_ts + pd.Timedelta(days=1)
    params = {
        **CAMPAIGN,
        "date": str(date.date()),
        "window_end": str((date + pd.Timedelta(days=CAMPAIGN["window_days"] - 1)).date()),
        "n_targeted": int(targeted.sum()),
        "n_treated": int(treated.sum()),
        "n_control": int(control.sum()),
        # realised effect on the contacted: sum over the treated of (treated - control outcome)
        "incremental_responses": int((out.y1[treated].astype(int) - out.y0[treated]).sum()),
        "incremental_revenue": float((out.rev1[treated] - out.rev0[treated]).sum()),
        "uplift_treated": float((out.y1[treated].astype(int) - out.y0[treated]).mean()),
        "uplift_revenue_treated": float((out.rev1[treated] - out.rev0[treated]).mean()),
        "uplift_expected": float(truth["uplift"][treated].mean()),
    }
    return campaign, truth, params


def main(argv=None) -> None:
    """``python -m crmlab.synth --out data/synthetic``: write a default population as CSV.

    Parameters
    ----------
    argv : list of str, optional
        Command-line arguments (default: ``sys.argv[1:]``).
    """
    parser = argparse.ArgumentParser(description=main.__doc__.splitlines()[0])
    parser.add_argument("--out", default="data/synthetic")
    parser.add_argument("--n-customers", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--start", default="2023-01-01")
    parser.add_argument("--end", default="2025-12-31")
    parser.add_argument("--no-trap", action="store_true", help="survey without the satisfaction trap")
    args = parser.parse_args(argv)
    pop = generate(
        args.n_customers, seed=args.seed, start=args.start, end=args.end, satisfaction_trap=not args.no_trap
    )
    out = pop.save(args.out)
    print(f"{pop}\nwritten to {out}/")


if __name__ == "__main__":
    main()
