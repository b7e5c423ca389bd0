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
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["Population", "GroundTruth", "generate", "SEGMENTS", "CATEGORIES", "KANO_TRUTH", "STAGES"]

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


@dataclass
class GroundTruth:
    """What the generator knows and a real data set never shows."""

    customers: pd.DataFrame
    orders: pd.DataFrame
    params: dict = field(default_factory=dict)

    def basic_saturation_point(self, fraction: float = 0.2) -> float:
        """Basic satisfaction at which f'(B) falls below ``fraction`` of its maximum."""
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

    def __repr__(self) -> str:
        p = self.truth.params
        return (
            f"Population(n_customers={len(self.customers):,}, transactions={len(self.transactions):,}, "
            f"survey={len(self.survey):,}, promotions={len(self.promotions)}, seed={p['seed']}, "
            f"{p['start']}..{p['end']}, satisfaction_trap={p['satisfaction_trap']})"
        )

    def save(self, directory) -> Path:
        """Write every table as CSV (ground truth under ``truth_*``) and the parameters as JSON."""
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        self.customers.to_csv(out / "customers.csv", index=False)
        self.transactions.to_csv(out / "transactions.csv", index=False)
        self.survey.to_csv(out / "survey.csv", index=False)
        self.promotions.to_csv(out / "promotions.csv", index=False)
        self.truth.customers.to_csv(out / "truth_customers.csv")
        self.truth.orders.to_csv(out / "truth_orders.csv", index=False)
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

    # ---------------------------------------------------------------- who they are
    seg_idx = rng.choice(len(SEGMENTS), size=n, p=SEGMENTS["share"].to_numpy())
    seg = SEGMENTS.iloc[seg_idx]
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

    # sign-up day: growth over the period and a year-end peak
    day_offsets = np.arange(n_days)
    days = start_ts + pd.to_timedelta(day_offsets, unit="D")
    weight = (1.0 + 0.8 * day_offsets / n_days) * (1.0 + 0.6 * days.month.isin([11, 12]))
    signup_off = np.sort(rng.choice(n_days, size=n, p=weight / weight.sum()))
    rng.shuffle(signup_off)
    first_off = signup_off + np.floor(rng.exponential(4.0, size=n)).astype(np.int64)
    buyer = (rng.random(n) >= potential_share) & (first_off < n_days)
    first_off = np.where(buyer, first_off, -1)

    # ---------------------------------------------------------------- satisfaction and loyalty
    basic_true = 1.0 + (SCALE_MAX - 1.0) * rng.beta(4.0, 1.8, size=n)
    latent_true = 1.0 + (SCALE_MAX - 1.0) * rng.beta(2.0, 2.5, size=n)
    span = SCALE_MAX - 1.0
    if satisfaction_trap:
        A, k, C, gamma = 4.0, 0.35, 4.5, 1.6
        f_basic = A * (1.0 - np.exp(-k * (basic_true - 1.0)))
        g_latent = C * ((latent_true - 1.0) / span) ** gamma
    else:
        A, k, C, gamma = 3.5, float("nan"), 3.5, 1.0
        f_basic = A * (basic_true - 1.0) / span
        g_latent = C * (latent_true - 1.0) / span
    loyalty_true = 1.0 + f_basic + g_latent + rng.normal(0.0, 0.7, size=n)
    lz = (loyalty_true - loyalty_true.mean()) / loyalty_true.std()
    attachment = np.clip((loyalty_true - 1.0) / (SCALE_MAX - 1.0), 0.0, 1.0)

    price_base = rng.beta(seg["price_a"].to_numpy(), seg["price_b"].to_numpy())
    price_sens = _expit(_logit(np.clip(price_base, 0.01, 0.99)) - 0.4 * lz - 0.4 * (income_idx - 1))
    inertia = rng.beta(2.0, 4.0, size=n)
    monopoly = (city_tier == 3) & (rng.random(n) < 0.12)

    # ---------------------------------------------------------------- purchase behaviour
    rate = seg["purchase_rate"].to_numpy() * rng.gamma(1.2, 1.0 / 1.2, size=n) * np.exp(0.30 * lz)
    rate *= np.where(monopoly, 1.4, 1.0) * (1.0 + 0.3 * inertia)
    tau = rng.exponential(seg["lifetime_weeks"].to_numpy() * np.exp(0.6 * lz))
    order_value = seg["order_value"].to_numpy() * rng.lognormal(0.0, 0.3, size=n)
    sow = _expit(-0.3 + 1.0 * lz + rng.normal(0.0, 0.6, size=n))
    primary_cat = rng.choice(len(CATEGORIES), size=n)
    p_primary = np.clip(0.85 - 0.35 * attachment + rng.normal(0, 0.05, n), 0.3, 0.95)
    pref_channel = rng.choice(len(CHANNELS), size=n, p=[0.45, 0.35, 0.20])

    first_week = np.where(buyer, first_off, 0) / 7.0
    horizon_week = (n_days - 1) / 7.0
    age_end = np.where(buyer, horizon_week - first_week, 0.0)  # relationship age at the end
    active_weeks = np.where(buyer, np.minimum(tau, age_end), 0.0)
    n_candidates = rng.poisson(rate * active_weeks)
    owner = np.repeat(np.arange(n), n_candidates)
    t = rng.random(len(owner)) * active_weeks[owner]
    keep = rng.random(len(owner)) < _rate_shape(t / tau[owner])
    owner, t = owner[keep], t[keep]
    buyers = np.flatnonzero(buyer)
    owner = np.concatenate([buyers, owner])  # the first purchase, at age 0
    t = np.concatenate([np.zeros(len(buyers)), t])
    day = first_off[owner] + np.floor(t * 7.0).astype(np.int64)
    day = np.minimum(day, n_days - 1)
    x = t / tau[owner]
    list_value = (
        order_value[owner] * _spend_shape(np.minimum(x, 0.999)) * rng.lognormal(0.0, 0.35, len(owner))
    )
    promo_driven = np.zeros(len(owner), dtype=bool)

    # ---------------------------------------------------------------- promotions
    n_promo = n_promotions if n_promotions is not None else max(1, round(n_days / 30.4))
    p_start = np.sort(rng.choice(np.arange(0, max(1, n_days - 14)), size=n_promo, replace=False))
    p_len = rng.integers(5, 15, size=n_promo)
    p_type = _draw(rng, list(PROMOTION_TYPES), n_promo)
    p_medium = _draw(rng, list(PROMOTION_MEDIA), n_promo)
    depth = np.array([PROMOTION_TYPES[x_] for x_ in p_type])
    reach = np.array([PROMOTION_MEDIA[x_] for x_ in p_medium])
    promo_ids = np.char.add("P", np.char.zfill(np.arange(1, n_promo + 1).astype(str), 3)).astype(object)

    # incremental purchases caused by a promotion: customers active at its start
    start_age = p_start[None, :] / 7.0 - first_week[:, None]
    active = buyer[:, None] & (start_age > 0) & (start_age < np.minimum(tau, age_end)[:, None])
    p_extra = (0.01 + 0.30 * price_sens[:, None] ** 2) * reach[None, :]
    extra = active & (rng.random(active.shape) < p_extra)
    e_cust, e_promo = np.nonzero(extra)
    e_day = p_start[e_promo] + np.floor(rng.random(len(e_cust)) * p_len[e_promo]).astype(np.int64)
    e_day = np.minimum(e_day, n_days - 1)
    e_day = np.minimum(
        e_day, first_off[e_cust] + np.floor(tau[e_cust] * 7.0).astype(np.int64)
    )  # not after dropout
    e_age = e_day / 7.0 - first_week[e_cust]
    e_value = (
        order_value[e_cust]
        * 0.8
        * _spend_shape(np.minimum(e_age / tau[e_cust], 0.999))
        * rng.lognormal(0.0, 0.35, len(e_cust))
    )
    owner = np.concatenate([owner, e_cust])
    day = np.concatenate([day, e_day])
    t = np.concatenate([t, e_age])
    list_value = np.concatenate([list_value, e_value])
    promo_driven = np.concatenate([promo_driven, np.ones(len(e_cust), dtype=bool)])
    promo_of = np.concatenate([np.full(len(promo_driven) - len(e_cust), -1), e_promo])

    # organic purchases that fall in a promotion window use it with a price-driven probability
    idx = np.searchsorted(p_start, day, side="right") - 1
    in_window = (idx >= 0) & (day < p_start[np.maximum(idx, 0)] + p_len[np.maximum(idx, 0)])
    uses = in_window & (promo_of < 0) & (rng.random(len(day)) < 0.1 + 0.7 * price_sens[owner])
    promo_of = np.where(uses, idx, promo_of)
    discount = np.where(promo_of >= 0, depth[np.maximum(promo_of, 0)], 0.0)

    # ---------------------------------------------------------------- order details
    m = len(owner)
    cat = np.where(rng.random(m) < p_primary[owner], primary_cat[owner], rng.choice(len(CATEGORIES), size=m))
    chan = np.where(rng.random(m) < 0.75, pref_channel[owner], rng.choice(len(CHANNELS), size=m))
    product_no = rng.integers(1, 21, size=m)
    cat_names = CATEGORIES.index.to_numpy(dtype=object)
    amount = np.round(list_value * (1.0 - discount), 2)
    tenure_factor = 1.0 - 0.3 * np.minimum(np.maximum(t, 0.0) / 104.0, 1.0)  # learning: cheaper to serve
    cost = np.round(
        list_value * (1.0 - CATEGORIES["margin_rate"].to_numpy()[cat])
        + CHANNELS["cost_to_serve"].to_numpy()[chan] * tenure_factor,
        2,
    )
    quantity = 1 + rng.poisson(list_value / 80.0)
    order = np.lexsort((owner, day))
    order_ids = np.char.add("O", np.char.zfill(np.arange(1, m + 1).astype(str), 8)).astype(object)
    transactions = pd.DataFrame(
        {
            "order_id": order_ids,
            "customer_id": ids[owner[order]],
            "date": (start_ts + pd.to_timedelta(day[order], unit="D")).astype("datetime64[ns]"),
            "amount": amount[order],
            "quantity": quantity[order],
            "product": np.char.add(
                np.char.add(cat_names[cat[order]].astype(str), "-"),
                np.char.zfill(product_no[order].astype(str), 2),
            ).astype(object),
            "category": cat_names[cat[order]],
            "channel": CHANNELS.index.to_numpy(dtype=object)[chan[order]],
            "region": region[owner[order]],
            "promotion_id": pd.array(
                np.where(promo_of[order] >= 0, promo_ids[np.maximum(promo_of[order], 0)], None),
                dtype="string",
            ),
            "cost": cost[order],
        }
    )
    orders_truth = pd.DataFrame({"order_id": order_ids, "promo_driven": promo_driven[order]})

    promotions = pd.DataFrame(
        {
            "promotion_id": promo_ids,
            "type": p_type,
            "medium": p_medium,
            "start": (start_ts + pd.to_timedelta(p_start, unit="D")).astype("datetime64[ns]"),
            "end": (start_ts + pd.to_timedelta(p_start + p_len - 1, unit="D")).astype("datetime64[ns]"),
            "cost": np.round(2000.0 + 1.5 * n * reach * depth, 2),
        }
    )

    # ---------------------------------------------------------------- customers table
    def _date(off):
        return pd.Series(start_ts + pd.to_timedelta(off, unit="D")).astype("datetime64[ns]")

    signup_date = _date(signup_off)
    first_date = _date(first_off).where(buyer)
    card_soon = rng.random(n) < 0.25 + 0.25 * attachment
    card_later = ~card_soon & (rng.random(n) < 0.25)
    card_off = first_off + np.where(card_later, np.floor(rng.exponential(90.0, n)).astype(np.int64), 0)
    has_card = buyer & (card_soon | card_later) & (card_off < n_days)
    customers.insert(1, "signup_date", signup_date)
    customers.insert(2, "first_purchase_date", first_date)
    customers.insert(3, "card_date", _date(card_off).where(has_card))

    # ---------------------------------------------------------------- truth per customer
    x_end = np.where(buyer, age_end / tau, np.nan)
    stage = np.where(buyer, _stage_of(np.nan_to_num(x_end)), "potential")
    alive = buyer & (age_end < tau)
    dropout_off = np.where(buyer & ~alive, first_off + np.floor(tau * 7.0), 0).astype(np.int64)
    firm_annual = rate * 52.0 * order_value
    category_wallet = firm_annual / sow
    attitude_high = attachment >= np.quantile(attachment, 0.6)
    repeat_high = rate >= np.quantile(rate[buyer], 0.5) if buyer.any() else np.zeros(n, bool)
    dick_basu = np.select(
        [attitude_high & repeat_high, attitude_high, repeat_high], ["true", "latent", "spurious"], "none"
    )
    loyalty_type = np.select(
        [
            attitude_high & repeat_high,
            repeat_high & monopoly,
            repeat_high & (inertia > 0.5),
            repeat_high & (price_sens > 0.6),
            ~attitude_high & ~repeat_high & (price_sens > 0.6),
            attitude_high,
        ],
        ["super-value", "monopoly", "inertia", "incentive", "price", "latent"],
        "none",
    )
    truth_customers = pd.DataFrame(
        {
            "segment": SEGMENTS.index.to_numpy(dtype=object)[seg_idx],
            "purchase_rate": rate,
            "order_value": order_value,
            "lifetime_weeks": tau,
            "dropout_date": _date(dropout_off).where(buyer & ~alive).to_numpy(),
            "alive": alive,
            "stage": stage,
            "attachment": attachment,
            "price_sensitivity": price_sens,
            "inertia": inertia,
            "monopoly": monopoly,
            "share_of_wallet": sow,
            "category_wallet": category_wallet,
            "basic_satisfaction_true": basic_true,
            "latent_satisfaction_true": latent_true,
            "loyalty_true": loyalty_true,
            "dick_basu": dick_basu,
            "loyalty_type": loyalty_type,
            "loyal": dick_basu == "true",
        },
        index=pd.Index(ids, name="customer_id"),
    )

    # ---------------------------------------------------------------- survey
    respond = buyer & (rng.random(n) < survey_response_rate)
    r = np.flatnonzero(respond)
    nr = len(r)
    basic_items = _items(rng, basic_true[r], 4, 0.8, 1, 10)
    latent_items = _items(rng, latent_true[r], 3, 0.8, 1, 10)
    survey = pd.DataFrame(index=pd.RangeIndex(nr))
    survey["customer_id"] = ids[r]
    for j, name in enumerate(BASIC_ITEMS):
        survey[name] = basic_items[:, j]
    for j, name in enumerate(LATENT_ITEMS):
        survey[name] = latent_items[:, j]
    survey["overall_satisfaction"] = np.clip(
        np.rint(_overall_satisfaction(survey[BASIC_ITEMS + LATENT_ITEMS]) + rng.normal(0.0, 0.8, nr)), 1, 10
    ).astype(np.int64)
    survey["repurchase_intention"] = _items(rng, loyalty_true[r], 1, 0.6, 1, 10)[:, 0]
    survey["recommend"] = _items(rng, loyalty_true[r], 1, 0.8, 0, 10, shift=-0.5)[:, 0]
    survey["price_sensitivity"] = _items(rng, 1.0 + 9.0 * price_sens[r], 1, 0.8, 1, 10)[:, 0]
    survey["voluntariness"] = _items(
        rng, 1.0 + 9.0 * (1.0 - inertia[r]) * np.where(monopoly[r], 0.4, 1.0), 1, 0.8, 1, 10
    )[:, 0]
    survey["referrals"] = rng.poisson(0.2 + 2.5 * attachment[r] ** 2)
    survey["outside_spend"] = np.round(
        np.maximum(category_wallet[r] - firm_annual[r], 0.0) * rng.lognormal(0.0, 0.2, nr), 0
    )
    for name in BASIC_ITEMS + LATENT_ITEMS:
        cells = _KANO_CELLS[KANO_TRUTH[name]]
        pick = np.asarray(cells)[rng.integers(0, len(cells), size=nr)]
        noise = rng.random(nr) < 0.3
        random_pair = rng.integers(1, 6, size=(nr, 2))
        pair = np.where(noise[:, None], random_pair, pick)
        survey[f"kano_functional_{name}"] = pair[:, 0]
        survey[f"kano_dysfunctional_{name}"] = pair[:, 1]
    # drawn last so that adding them left every other column unchanged
    survey["alternatives"] = _items(rng, np.where(monopoly[r], 2.0, 7.0), 1, 1.2, 1, 10)[:, 0]
    survey["switching_cost"] = _items(rng, 1.0 + 9.0 * inertia[r], 1, 1.0, 1, 10)[:, 0]
    survey["basic_satisfaction"] = survey[BASIC_ITEMS].mean(axis=1)
    survey["latent_satisfaction"] = survey[LATENT_ITEMS].mean(axis=1)
    survey["satisfaction"] = survey[
        ["overall_satisfaction", "basic_satisfaction", "latent_satisfaction"]
    ].mean(axis=1)
    survey["loyalty_intention"] = (survey["repurchase_intention"] + 1.0 + 0.9 * survey["recommend"]) / 2.0

    params = {
        "n_customers": n,
        "seed": seed,
        "start": str(start_ts.date()),
        "end": str(end_ts.date()),
        "satisfaction_trap": satisfaction_trap,
        "survey_response_rate": survey_response_rate,
        "potential_share": potential_share,
        "n_promotions": int(n_promo),
        "basic_A": A,
        "basic_k": k,
        "latent_C": C,
        "latent_gamma": gamma,
        "loyalty_noise_sd": 0.7,
        "loyalty_formula": (
            "loyalty = 1 + A(1-exp(-k(B-1))) + C((Lt-1)/8.5)^gamma + e"
            if satisfaction_trap
            else "loyalty = 1 + A(B-1)/8.5 + C(Lt-1)/8.5 + e"
        ),
        "basic_saturation_point_20pct": (1.0 + np.log(5.0) / k) if satisfaction_trap else None,
        "kano": dict(KANO_TRUTH),
        "item_labels": dict(ITEM_LABELS),
        "stage_rule": "lifetime fraction at the end: <0.1 development, <0.3 growth, <0.7 maturity, "
        "<1 decline, else termination; never bought: potential",
        "time_unit": "weeks",
    }
    return Population(
        customers=customers,
        transactions=transactions,
        survey=survey,
        promotions=promotions,
        truth=GroundTruth(customers=truth_customers, orders=orders_truth, params=params),
    )


def main(argv=None) -> None:
    """``python -m crmlab.synth --out data/synthetic``: write a default population as CSV."""
    parser = argparse.ArgumentParser(description=main.__doc__)
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
