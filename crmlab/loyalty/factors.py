"""The nine loyalty factors (A11..A34) per customer, their catalog and normalisation."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from .._validate import bad_rows, check_number, require_columns
from ._common import WEEKS_PER_YEAR, DateLike, _check_transactions, _end_day, _summary
from ._factor_steps import _cross_buying, _deal_proneness, _purchase_days, _share_of_wallet, _trend

__all__ = ["SUBSYSTEMS", "FACTORS", "SURVEY_ITEMS", "factor_catalog", "loyalty_factors", "normalize_factors"]


SUBSYSTEMS = {"A1": "persistence of the relationship", "A2": "spend", "A3": "emotion"}

FACTORS = pd.DataFrame(
    [
        (
            "A11",
            "A1",
            "purchase duration",
            +1,
            "weeks",
            "weeks from the first to the last purchase day up to observation_end",
            "transactions",
        ),
        (
            "A12",
            "A1",
            "purchase frequency",
            +1,
            "purchase days per year",
            "repeat purchase days / max(tenure, min_tenure_weeks) x 52.18; tenure = weeks from the "
            "first purchase to observation_end",
            "transactions",
        ),
        (
            "A13",
            "A1",
            "trend of purchase frequency",
            +1,
            "ratio in [-1, 1]",
            "(late - early) / (late + early), purchase days in the second and first half of "
            "(first purchase, observation_end]; the first purchase counts as early; NaN if tenure < "
            "min_tenure_weeks",
            "transactions",
        ),
        (
            "A21",
            "A2",
            "share of wallet",
            +1,
            "share in [0, 1]",
            "annual spend with the firm / (annual spend with the firm + outside_spend); annual spend "
            "= spend / max(tenure, min_tenure_weeks) x 52.18; NaN without the survey item",
            "transactions + survey outside_spend (annual category spend elsewhere)",
        ),
        (
            "A22",
            "A2",
            "cross-selling",
            +1,
            "categories",
            "number of distinct categories bought",
            "transactions.category",
        ),
        (
            "A31",
            "A3",
            "mention (recommendation) rate",
            +1,
            "survey scale (0..10)",
            "likelihood to recommend (Reichheld 2003)",
            "survey recommend",
        ),
        (
            "A32",
            "A3",
            "price sensitivity",
            -1,
            "survey scale (1..10) or share",
            "stated price sensitivity; without the survey item, the share of purchase days bought "
            "on a promotion (deal proneness)",
            "survey price_sensitivity, else transactions.promotion_id or promotions",
        ),
        (
            "A33",
            "A3",
            "purchase voluntariness",
            +1,
            "survey scale (1..10)",
            "stated freedom of choice (10 = buys here entirely by choice)",
            "survey voluntariness",
        ),
        (
            "A34",
            "A3",
            "satisfaction",
            +1,
            "survey scale (1..10)",
            "overall satisfaction composite",
            "survey satisfaction (else overall_satisfaction)",
        ),
    ],
    columns=["factor", "subsystem", "name", "direction", "unit", "formula", "needs"],
).set_index("factor")

#: survey column read for each factor (override with ``items=`` in :func:`loyalty_factors`)
SURVEY_ITEMS = {
    "A21": "outside_spend",
    "A31": "recommend",
    "A32": "price_sensitivity",
    "A33": "voluntariness",
    "A34": "satisfaction",
}
_SURVEY_FALLBACK = {"A34": "overall_satisfaction"}

#: Saaty's random consistency index for n = 1..10 (Saaty 1980)


def _survey_items(survey: pd.DataFrame | None, items: Mapping[str, str]) -> pd.DataFrame | None:
    """The survey answers per factor (numbers; outside spend >= 0), indexed by text customer id."""
    if survey is None:
        return None
    if not isinstance(survey, pd.DataFrame):
        raise ValueError(f"survey must be a DataFrame or None, not {type(survey).__name__}")
    require_columns(survey, ["customer_id"], "survey", "loyalty_factors")
    ids = survey["customer_id"].astype(str)
    dup = ids.duplicated(keep=False).to_numpy()
    if dup.any():
        raise bad_rows(survey, dup, "survey", "customer_id", "repeat a customer id (one answer per customer)")
    out = pd.DataFrame(index=pd.Index(ids.to_numpy(), name="customer_id"))
    for factor, column in items.items():
        col = column if column in survey.columns else _SURVEY_FALLBACK.get(factor)
        if col is None or col not in survey.columns:
            continue
        out[factor] = _survey_numbers(survey, col, outside_spend=factor == "A21")
        out.attrs[factor] = col
    return out


def _survey_numbers(survey: pd.DataFrame, col: str, outside_spend: bool) -> np.ndarray:
    """One survey item as floats: blanks are NaN, text is an error, and so is a negative outside spend."""
    values = pd.to_numeric(survey[col], errors="coerce")
    cols = ["customer_id", col]
    bad = (values.isna() & survey[col].notna()).to_numpy()
    if bad.any():
        raise bad_rows(survey, bad, "survey", col, "hold answers that are not numbers", cols)
    neg = (values < 0).to_numpy()
    if outside_spend and neg.any():
        raise bad_rows(survey, neg, "survey", col, "state a negative outside spend", cols)
    return values.to_numpy(dtype=float)


# --------------------------------------------------------------------------- factors


def factor_catalog(factors: pd.DataFrame | None = None) -> pd.DataFrame:
    """The nine factors: sub-system, name, direction, unit, formula, data needed.

    With ``factors`` (the output of :func:`loyalty_factors`) the table adds how many
    customers have each factor and where it came from.

    Parameters
    ----------
    factors : pd.DataFrame, optional
        The output of :func:`loyalty_factors`.

    Returns
    -------
    pd.DataFrame
        Indexed by factor (A11..A34): ``subsystem``, ``subsystem_name``, ``name``, ``direction``,
        ``unit``, ``formula``, ``needs``; with ``factors`` also ``available``, ``share_available``
        and ``source``.
    """
    out = FACTORS.copy()
    out.insert(1, "subsystem_name", out["subsystem"].map(SUBSYSTEMS))
    if factors is not None:
        out["available"] = [int(factors[f].notna().sum()) if f in factors.columns else 0 for f in out.index]
        out["share_available"] = out["available"] / max(len(factors), 1)
        sources = factors.attrs.get("sources", {})
        out["source"] = [sources.get(f, "not computed") for f in out.index]
    return out


def loyalty_factors(
    transactions: pd.DataFrame,
    survey: pd.DataFrame | None = None,
    promotions: pd.DataFrame | None = None,
    observation_end: DateLike | None = None,
    *,
    items: Mapping[str, str] | None = None,
    min_tenure_weeks: float = 13.0,
) -> pd.DataFrame:
    """The nine raw loyalty factors A11..A34, one row per customer who bought by observation_end.

    Parameters
    ----------
    transactions : canonical transactions (``customer_id``, ``date``, ``amount``; ``category``
        for A22, ``promotion_id`` for the deal-proneness fallback of A32). Purchases after
        ``observation_end`` are ignored; purchases on the same day count as one purchase day.
    survey : one row per customer; items named in ``items`` (default :data:`SURVEY_ITEMS`:
        ``outside_spend`` annual currency, ``recommend`` 0..10, ``price_sensitivity``,
        ``voluntariness``, ``satisfaction`` 1..10). Non-respondents get NaN emotion factors.
    promotions : promotions table (``promotion_id``, ``start``, ``end``); used for A32 only
        when there is no survey price item and the transactions carry no ``promotion_id``:
        then a purchase day inside a promotion window counts as a deal purchase.
    observation_end : last day observed (default: the last transaction date).
    min_tenure_weeks : tenure floor for the annual rates (A12, A21) and the shortest tenure
        for which a trend (A13) is computed (default 13 weeks), so that a customer who
        bought twice in the last fortnight does not read as 26 purchases a year.

    Formulas, directions and units are in :data:`FACTORS` (``factor_catalog()``):

    * A11 purchase duration = last - first purchase day, weeks.
    * A12 purchase frequency = repeat purchase days / max(T, min_tenure) x 52.18, per year
      (T = weeks from the first purchase to observation_end; Fader & Hardie's frequency / T).
    * A13 trend = (n_late - n_early) / (n_late + n_early), purchase days in the two halves of
      the customer's own window (first purchase, observation_end]; -1 = bought only early,
      +1 = only late. NaN if T < min_tenure.
    * A21 share of wallet = S / (S + O), S = spend / max(T, min_tenure) x 52.18 with the firm,
      O = survey ``outside_spend`` (the customer's annual spend in the category elsewhere).
      When O is absent the share is **not estimated**: A21 is NaN and the index re-weights.
    * A22 cross-selling = number of distinct ``category`` values bought (cross-buying,
      Verhoef, Franses & Hoekstra 2001); NaN without a category column.
    * A31 mention rate = likelihood to recommend 0..10 (Reichheld 2003).
    * A32 price sensitivity, 1..10, direction -1 (counts against loyalty). Without a survey
      item: share of purchase days on a promotion in [0, 1] (deal proneness) if the data say
      which purchases used one; else NaN.
    * A33 purchase voluntariness 1..10; A34 satisfaction 1..10.

    Returns
    -------
    pd.DataFrame
        Indexed by ``customer_id`` with columns A11..A34; ``attrs["sources"]`` says where each
        factor came from (``factor_catalog(factors)`` shows it).
    """
    _check_transactions(transactions)
    check_number("min_tenure_weeks", min_tenure_weeks, lo=0.0, lo_open=True, where="loyalty_factors")
    items = {**SURVEY_ITEMS, **(items or {})}
    unknown = sorted(set(items) - set(SURVEY_ITEMS))
    if unknown:
        raise ValueError(
            f"items: no survey item for factor(s) {unknown}; survey factors are {sorted(SURVEY_ITEMS)}"
        )
    end_day = _end_day(transactions, observation_end)
    rfm = _summary(transactions, observation_end=pd.Timestamp(int(end_day), unit="D"), time_unit="W")
    ids = rfm.index
    tenure = rfm["T"].to_numpy()
    floored = np.maximum(tenure, min_tenure_weeks)
    out = pd.DataFrame(index=ids)
    out["A11"] = rfm["recency"].to_numpy()
    out["A12"] = rfm["frequency"].to_numpy() / floored * WEEKS_PER_YEAR
    sources = {"A11": "transactions", "A12": "transactions"}
    pd_ = _purchase_days(transactions, ids, end_day)
    out["A13"] = np.where(tenure >= min_tenure_weeks, _trend(pd_, len(ids), end_day), np.nan)
    sources["A13"] = "transactions"
    answers = _survey_items(survey, items)
    if answers is not None:
        attrs = dict(answers.attrs)
        answers = answers.reindex(ids.astype(str))
        answers.index, answers.attrs = ids, attrs
    _share_of_wallet(out, sources, pd_.tx, end_day, min_tenure_weeks, answers)
    _cross_buying(out, sources, pd_)
    for factor in ("A31", "A32", "A33", "A34"):
        present = answers is not None and factor in answers.columns
        out[factor] = answers[factor].to_numpy() if present else np.nan
        if present:
            sources[factor] = f"survey {answers.attrs[factor]}"
    if "A32" not in sources:
        _deal_proneness(out, sources, pd_, promotions)
    out = out[list(FACTORS.index)]
    out.attrs["sources"] = sources
    return out


def normalize_factors(factors: pd.DataFrame, method: str = "minmax", winsorize: float = 0.0) -> pd.DataFrame:
    """Rescale each factor to 0..1 with its direction, so that 1 is always the loyal end.

    ``method="minmax"`` (the textbook rule): z = (x - min) / (max - min) for direction +1
    and (max - x) / (max - min) for direction -1 (A32 price sensitivity), min and max over
    the customers who have the factor. With ``winsorize=q`` (0 <= q < 0.5) min and max are
    the q and 1 - q quantiles and values beyond them are clipped, so that one customer with
    100 purchases a year does not squeeze everyone else towards 0 (A12 is long-tailed).
    ``method="rank"``: z = (rank - 1) / (n - 1) with average ranks, reversed for
    direction -1; robust, but every continuous factor becomes uniform, so do not feed
    rank-normalised factors to :func:`entropy_weights`.

    Why it matters: :func:`loyalty_index` averages the factors a customer has; if the
    behavioural factors sit near 0 (skewed min-max) and the survey factors near 0.5,
    survey respondents score higher just for having answered.
    A factor that is constant (or missing) for everyone carries no information and is NaN.
    Columns other than A11..A34 raise ValueError.

    Parameters
    ----------
    factors : pd.DataFrame
        Raw factors (columns among A11..A34), e.g. from :func:`loyalty_factors`.
    method : {"minmax", "rank"}
        The rescaling rule.
    winsorize : float
        Quantile q in [0, 0.5) clipped at both ends before min-max scaling.

    Returns
    -------
    pd.DataFrame
        The same index and columns, values in 0..1 with 1 the loyal end (NaN where missing).
    """
    if method not in ("minmax", "rank"):
        raise ValueError(f"normalize_factors: method must be 'minmax' or 'rank', not {method!r}")
    if not 0 <= winsorize < 0.5:
        raise ValueError(f"normalize_factors: winsorize must be in [0, 0.5), not {winsorize}")
    unknown = [c for c in factors.columns if c not in FACTORS.index]
    if unknown:
        raise ValueError(
            f"normalize_factors: unknown factor column(s) {unknown}; factors are {list(FACTORS.index)}"
        )
    out = pd.DataFrame(index=factors.index)
    for col in factors.columns:
        x = pd.to_numeric(factors[col], errors="coerce").astype(float)
        if method == "minmax" and winsorize > 0 and x.notna().any():
            x = x.clip(x.quantile(winsorize), x.quantile(1.0 - winsorize))
        lo, hi = x.min(), x.max()
        if not np.isfinite(hi) or hi == lo:
            out[col] = np.nan
            continue
        if method == "minmax":
            z = (x - lo) / (hi - lo)
        else:
            r = x.rank(method="average")
            z = (r - r.min()) / (r.max() - r.min())
        out[col] = z if FACTORS.loc[col, "direction"] > 0 else 1.0 - z
    out.attrs = dict(factors.attrs)
    return out
