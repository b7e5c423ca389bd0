"""Loyalty typologies: Dick & Basu, the five loyalty types, the satisfaction x loyalty matrix
(Jones & Sasser 1995; one home for the loyal / mercenary / hostage / defector types), relationship stages."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.metrics import cohen_kappa_score

from ._common import DateLike, _check_transactions, _summary

__all__ = [
    "CUSTOMER_TYPES",
    "INCENTIVE_PROGRAMS",
    "LOYALTY_TYPES",
    "dick_basu_types",
    "loyalty_types",
    "TypologyAgreement",
    "typology_agreement",
    "satisfaction_loyalty_matrix",
    "relationship_stages",
]


CUSTOMER_TYPES = pd.DataFrame(
    [
        (
            "loyal",
            "high",
            "high",
            "keep and reward: recognise them, deepen the relationship, turn them into advocates "
            "(referral programs)",
        ),
        (
            "mercenary",
            "high",
            "low",
            "satisfied but free to go: add value that competitors cannot copy, raise switching "
            "benefits (membership, bundles), keep the relationship alive",
        ),
        (
            "hostage",
            "low",
            "high",
            "stay only because they must: find and fix the causes of dissatisfaction, recover "
            "service, do not exploit them; they leave once the barrier falls",
        ),
        (
            "defector",
            "low",
            "low",
            "dissatisfied and leaving: learn why (exit interviews), win back the profitable ones, "
            "let the rest go",
        ),
    ],
    columns=["customer_type", "satisfaction", "loyalty", "strategy"],
).set_index("customer_type")

INCENTIVE_PROGRAMS = {
    "exploration": "frequent-buyer rewards and care: points or rebates on the next purchases, "
    "welcome and follow-up care so that trial becomes habit",
    "formation": "special treatment: privileges the customer notices (priority service, "
    "member prices, personal contact) as the relationship grows",
    "stability": "community program: membership club, events and co-creation that tie the "
    "customer to other customers and to the brand",
    "dissolution": "win-back (not in the seed's three stages): find out why, make a targeted "
    "offer to the valuable lapsed customers",
}

LOYALTY_TYPES = pd.DataFrame(
    [
        ("super-value", "high relative attitude and high repeat patronage (Dick & Basu true loyalty)"),
        (
            "monopoly",
            "high repeat, low attitude, no alternative (few alternatives, else very low voluntariness)",
        ),
        (
            "inertia",
            "high repeat, low attitude, switching is a hassle (else low voluntariness): "
            "habit, not preference",
        ),
        ("incentive", "high repeat, low attitude, price sensitive: bought by rewards and deals"),
        ("price", "low repeat, low attitude, price sensitive: loyal to the price, not the firm"),
        ("latent", "high attitude, low repeat (Dick & Basu latent loyalty)"),
        ("none", "none of the above"),
    ],
    columns=["loyalty_type", "rule"],
).set_index("loyalty_type")


# --------------------------------------------------------------------------- typologies


def _mean_of(normalized: pd.DataFrame, cols: Sequence[str], what: str) -> pd.Series:
    missing = [c for c in cols if c not in normalized.columns]
    if missing:
        raise ValueError(f"{what}: factor column(s) {missing} not in the factors")
    return normalized[list(cols)].mean(axis=1, skipna=True)


def dick_basu_types(
    normalized: pd.DataFrame,
    attitude: Sequence[str] = ("A31", "A34"),
    repeat: Sequence[str] = ("A12",),
    attitude_quantile: float = 0.5,
    repeat_quantile: float = 0.5,
) -> pd.DataFrame:
    """Dick & Basu (1994): relative attitude x repeat patronage -> true / latent / spurious / none.

    relative_attitude = mean of the normalised ``attitude`` factors (default A31 recommend and
    A34 satisfaction); repeat_patronage = mean of the normalised ``repeat`` factors (default
    A12 purchase frequency). "High" = at or above the ``*_quantile`` of the customers who
    have the score (relative, as Dick & Basu's attitude is relative to alternatives).
    true = high/high, latent = high attitude/low repeat, spurious = low attitude/high repeat,
    none = low/low. Customers without an attitude score (no survey) get <NA>.

    Parameters
    ----------
    normalized : pd.DataFrame
        Normalised factors (:func:`normalize_factors`).
    attitude, repeat : sequence of str
        Factors averaged into relative attitude and repeat patronage.
    attitude_quantile, repeat_quantile : float
        Quantiles in (0, 1) that separate high from low.

    Returns
    -------
    pd.DataFrame
        Per customer: ``relative_attitude``, ``repeat_patronage``, ``attitude_high``,
        ``repeat_high``, ``dick_basu`` (true / latent / spurious / none).
    """
    for q in (attitude_quantile, repeat_quantile):
        if not 0 < q < 1:
            raise ValueError(f"dick_basu_types: quantiles must be in (0, 1), not {q}")
    att = _mean_of(normalized, attitude, "dick_basu_types attitude")
    rep = _mean_of(normalized, repeat, "dick_basu_types repeat")
    if att.notna().sum() == 0:
        raise ValueError("dick_basu_types: no customer has an attitude score (no survey answers?)")
    att_high = att >= att.quantile(attitude_quantile)
    rep_high = rep >= rep.quantile(repeat_quantile)
    label = np.select([att_high & rep_high, att_high, rep_high], ["true", "latent", "spurious"], "none")
    out = pd.DataFrame(
        {
            "relative_attitude": att,
            "repeat_patronage": rep,
            "attitude_high": att_high.where(att.notna()),
            "repeat_high": rep_high.where(rep.notna()),
        },
        index=normalized.index,
    )
    out["dick_basu"] = pd.Series(label, index=normalized.index, dtype="string").where(
        att.notna() & rep.notna()
    )
    return out


def loyalty_types(
    factors: pd.DataFrame,
    dick_basu: pd.DataFrame,
    price_cut: float = 0.6,
    monopoly_cut: float = 0.25,
    inertia_cut: float = 0.5,
    survey: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The seed's loyalty types from the Dick & Basu cells plus price sensitivity and captivity.

    ``factors`` are the **raw** factors (A32, A33); their position in the observed range,
    p = (x - min) / (max - min), is compared with the cuts. First rule that holds wins:

    1. super-value: Dick & Basu true (high attitude, high repeat);
    2. monopoly: high repeat, low attitude, no alternatives -- p(alternatives) <= monopoly_cut
       when the survey has an ``alternatives`` item ("I could easily buy these elsewhere"),
       else voluntariness p(A33) <= monopoly_cut;
    3. inertia: high repeat, low attitude, switching is a hassle -- p(switching_cost) >=
       1 - inertia_cut when the survey has a ``switching_cost`` item, else p(A33) <= inertia_cut;
    4. incentive: high repeat, low attitude, price sensitivity p(A32) >= price_cut;
    5. price: low repeat, low attitude, p(A32) >= price_cut;
    6. latent: Dick & Basu latent (high attitude, low repeat);
    7. none: the rest (including spurious loyalty none of 2-4 explains).

    The seed's five types are 1-5; 6-7 complete the partition. Customers without a
    Dick & Basu cell (no survey) get <NA>. Returns ``loyalty_type`` and ``rule``.

    Parameters
    ----------
    factors : pd.DataFrame
        Raw factors (:func:`loyalty_factors`).
    dick_basu : pd.DataFrame
        :func:`dick_basu_types` output.
    price_cut, monopoly_cut, inertia_cut : float
        Cuts on the 0..1 positions described above.
    survey : pd.DataFrame, optional
        Survey with ``customer_id`` and optional ``alternatives`` / ``switching_cost`` items.

    Returns
    -------
    pd.DataFrame
        Per customer: ``loyalty_type`` and the ``rule`` that assigned it.
    """
    for c in ("A32", "A33"):
        if c not in factors.columns:
            raise ValueError(f"loyalty_types: factor {c} missing from the factors")
    if "dick_basu" not in dick_basu.columns:
        raise ValueError("loyalty_types: dick_basu must be the output of dick_basu_types")

    def _position(x):
        lo, hi = x.min(), x.max()
        return (x - lo) / (hi - lo) if np.isfinite(hi) and hi > lo else x * np.nan

    def _item(name):
        if survey is None or name not in survey.columns:
            return None
        return _position(survey.groupby("customer_id")[name].mean().reindex(factors.index).astype(float))

    db = dick_basu["dick_basu"].reindex(factors.index)
    price = _position(factors["A32"]) >= price_cut
    vol = _position(factors["A33"])
    alternatives, switching = _item("alternatives"), _item("switching_cost")
    no_choice = (alternatives <= monopoly_cut) if alternatives is not None else (vol <= monopoly_cut)
    stuck = (switching >= 1 - inertia_cut) if switching is not None else (vol <= inertia_cut)
    spurious = (db == "spurious").fillna(False).to_numpy(dtype=bool)
    nothing = (db == "none").fillna(False).to_numpy(dtype=bool)
    label = np.select(
        [
            (db == "true").fillna(False).to_numpy(dtype=bool),
            spurious & no_choice.to_numpy(),
            spurious & stuck.to_numpy(),
            spurious & price.to_numpy(),
            nothing & price.to_numpy(),
            (db == "latent").fillna(False).to_numpy(dtype=bool),
        ],
        ["super-value", "monopoly", "inertia", "incentive", "price", "latent"],
        "none",
    )
    out = pd.DataFrame(index=factors.index)
    out["loyalty_type"] = pd.Series(label, index=factors.index, dtype="string").where(db.notna())
    out["rule"] = out["loyalty_type"].map(LOYALTY_TYPES["rule"])
    return out


@dataclass
class TypologyAgreement:
    """Agreement of a measured typology with a reference (e.g. the synthetic truth)."""

    confusion: pd.DataFrame
    accuracy: float
    kappa: float
    n: int

    def summary(self) -> pd.DataFrame:
        """Per class: customers in the reference, recall (share found) and precision.

        Returns
        -------
        pandas.DataFrame
            One row per class: reference, recall, precision.
        """
        c = self.confusion
        diag = pd.Series(np.diag(c.reindex(index=c.index, columns=c.index, fill_value=0)), index=c.index)
        return pd.DataFrame(
            {
                "reference": c.sum(axis=1),
                "predicted": c.sum(axis=0).reindex(c.index),
                "recall": diag / c.sum(axis=1),
                "precision": diag / c.sum(axis=0).reindex(c.index),
            }
        )


def typology_agreement(
    predicted: pd.Series, reference: pd.Series, labels: Sequence[str] | None = None
) -> TypologyAgreement:
    """Confusion matrix (rows = reference, columns = predicted), accuracy and Cohen's kappa.

    On the customers present in both with a label. Cohen (1960) kappa corrects accuracy
    for chance agreement.

    Parameters
    ----------
    predicted, reference : pd.Series
        Labels by customer_id.
    labels : sequence of str, optional
        Order of the confusion matrix (default: the labels seen).

    Returns
    -------
    TypologyAgreement
        ``confusion``, ``accuracy``, ``kappa`` and ``n`` customers compared.
    """
    both = pd.concat(
        [reference.rename("reference"), predicted.rename("predicted")], axis=1, join="inner"
    ).dropna()
    if len(both) == 0:
        raise ValueError("typology_agreement: no customer has both a predicted and a reference label")
    ref, pred = both["reference"].astype(str), both["predicted"].astype(str)
    labels = list(labels) if labels is not None else sorted(set(ref) | set(pred))
    confusion = pd.crosstab(ref, pred).reindex(index=labels, columns=labels, fill_value=0)
    confusion.index.name, confusion.columns.name = "reference", "predicted"
    return TypologyAgreement(
        confusion=confusion,
        accuracy=float((ref == pred).mean()),
        kappa=float(cohen_kappa_score(ref, pred)),
        n=len(both),
    )


def satisfaction_loyalty_matrix(
    satisfaction: pd.Series,
    loyalty: pd.Series,
    satisfaction_cut: float | None = None,
    loyalty_cut: float | None = None,
) -> pd.DataFrame:
    """Satisfaction x loyalty: loyal, mercenary, hostage, defector (Jones & Sasser 1995).

    High = at or above the cut (default: the median of the customers who have both).
    loyal = high/high, mercenary = high satisfaction/low loyalty, hostage = low
    satisfaction/high loyalty, defector = low/low; ``strategy`` from :data:`CUSTOMER_TYPES`.
    Customers missing either score are left out.

    Parameters
    ----------
    satisfaction, loyalty : pd.Series
        Scores by customer_id (any scale, e.g. A34 and the loyalty index).
    satisfaction_cut, loyalty_cut : float, optional
        Cuts between low and high (default: medians).

    Returns
    -------
    pd.DataFrame
        Per customer: ``satisfaction``, ``loyalty``, ``customer_type`` and ``strategy``;
        ``attrs`` keeps the cuts.
    """
    both = pd.concat(
        [satisfaction.rename("satisfaction"), loyalty.rename("loyalty")], axis=1, join="inner"
    ).dropna()
    if len(both) == 0:
        raise ValueError("satisfaction_loyalty_matrix: no customer has both scores")
    s_cut = both["satisfaction"].median() if satisfaction_cut is None else satisfaction_cut
    l_cut = both["loyalty"].median() if loyalty_cut is None else loyalty_cut
    s_high = both["satisfaction"] >= s_cut
    l_high = both["loyalty"] >= l_cut
    both["customer_type"] = np.select(
        [s_high & l_high, s_high, l_high], ["loyal", "mercenary", "hostage"], "defector"
    )
    both["strategy"] = both["customer_type"].map(CUSTOMER_TYPES["strategy"])
    both.attrs["cuts"] = {"satisfaction": float(s_cut), "loyalty": float(l_cut)}
    return both


def relationship_stages(
    transactions: pd.DataFrame,
    observation_end: DateLike | None = None,
    *,
    exploration_weeks: float = 13.0,
    stability_weeks: float = 52.0,
    stability_purchases: int = 4,
    lapse_weeks: float = 26.0,
) -> pd.DataFrame:
    """Relationship stage per customer and the seed's incentive program for it.

    After Dwyer, Schurr & Oh (1987). With tenure = weeks from the first purchase to
    observation_end, purchase_days and weeks_since_last purchase (first rule that holds):

    1. dissolution: weeks_since_last > lapse_weeks (not one of the seed's three stages);
    2. exploration: a single purchase day, or tenure < exploration_weeks;
    3. stability: tenure >= stability_weeks and purchase_days >= stability_purchases;
    4. formation: the rest (repeat buying, not yet long or dense enough to be stable).

    ``incentive_program`` from :data:`INCENTIVE_PROGRAMS`: exploration -> frequent-buyer
    rewards and care; formation -> special treatment; stability -> community program.

    Parameters
    ----------
    transactions : pd.DataFrame
        ``customer_id``, ``date``, ``amount``.
    observation_end : date-like, optional
        Last day observed (default: the last transaction date, normalised to midnight).
    exploration_weeks, stability_weeks, lapse_weeks : float
        The tenure and lapse thresholds above, in weeks.
    stability_purchases : int
        Purchase days needed for stability.

    Returns
    -------
    pd.DataFrame
        Per customer: ``tenure_weeks``, ``purchase_days``, ``weeks_since_last``, ``stage``,
        ``incentive_program``.
    """
    _check_transactions(transactions)
    r = _summary(transactions, observation_end=observation_end, time_unit="W")
    out = pd.DataFrame(index=r.index)
    out["tenure_weeks"] = r["T"]
    out["purchase_days"] = r["frequency"] + 1
    out["weeks_since_last"] = r["T"] - r["recency"]
    out["stage"] = np.select(
        [
            out["weeks_since_last"] > lapse_weeks,
            (out["purchase_days"] == 1) | (out["tenure_weeks"] < exploration_weeks),
            (out["tenure_weeks"] >= stability_weeks) & (out["purchase_days"] >= stability_purchases),
        ],
        ["dissolution", "exploration", "stability"],
        "formation",
    )
    out["incentive_program"] = out["stage"].map(INCENTIVE_PROGRAMS)
    return out
