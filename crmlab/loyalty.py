"""The customer loyalty index: 3 sub-systems, 9 factors, AHP and entropy weights, typologies.

The index system (CRM lecture, after the Chinese CRM textbooks' loyalty evaluation
system) is a three-level hierarchy: the goal A (loyalty), three sub-systems and
nine factors.

======  ===========================  ======================================================
code    factor                       raw measure (see :data:`FACTORS` for units and data)
======  ===========================  ======================================================
A1      persistence of the relationship
A11     purchase duration            weeks from the first to the last purchase
A12     purchase frequency           repeat purchase days per year of tenure
A13     trend of purchase frequency  (late - early) / (late + early) purchase days
A2      spend
A21     share of wallet              firm's annual spend / (firm's + outside annual spend)
A22     cross-selling                number of distinct categories bought
A3      emotion
A31     mention (recommendation)     likelihood to recommend, survey item 0..10
A32     price sensitivity  (-)       survey item 1..10; counts *against* loyalty
A33     purchase voluntariness       survey item 1..10
A34     satisfaction                 survey composite 1..10
======  ===========================  ======================================================

Pipeline: :func:`loyalty_factors` (raw, one column per factor, NaN where the data
cannot give it) -> :func:`normalize_factors` (0..1, direction applied) ->
:func:`index_weights` (equal, AHP or entropy; global weight = local x parent) ->
:func:`loyalty_index` (0..100, re-weighted per customer over the factors present).
Then robustness (:func:`scheme_agreement`, :func:`top_decile_stability`), validity
against a holdout (:func:`holdout_outcomes`, :func:`predictive_validity`) and the
typologies: Dick & Basu (1994) (:func:`dick_basu_types`), the five loyalty types
(:func:`loyalty_types`), satisfaction x loyalty (:func:`satisfaction_loyalty_matrix`)
and relationship stages with their incentive programs (:func:`relationship_stages`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.stats import kendalltau, pearsonr, spearmanr
from sklearn.metrics import cohen_kappa_score, roc_auc_score

from .data import data_error, require_columns
from .rfm import rfm_summary

__all__ = [
    "SUBSYSTEMS",
    "FACTORS",
    "SURVEY_ITEMS",
    "RANDOM_INDEX",
    "CUSTOMER_TYPES",
    "INCENTIVE_PROGRAMS",
    "LOYALTY_TYPES",
    "factor_catalog",
    "loyalty_factors",
    "normalize_factors",
    "AHPResult",
    "ahp_weights",
    "EntropyResult",
    "entropy_weights",
    "consistent_matrix",
    "index_weights",
    "loyalty_index",
    "scheme_agreement",
    "StabilityResult",
    "top_decile_stability",
    "holdout_outcomes",
    "ValidityResult",
    "predictive_validity",
    "dick_basu_types",
    "loyalty_types",
    "TypologyAgreement",
    "typology_agreement",
    "satisfaction_loyalty_matrix",
    "relationship_stages",
    "plot_satisfaction_loyalty",
    "plot_lift",
]

WEEKS_PER_YEAR = 365.25 / 7.0

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
RANDOM_INDEX = {1: 0.0, 2: 0.0, 3: 0.58, 4: 0.90, 5: 1.12, 6: 1.24, 7: 1.32, 8: 1.41, 9: 1.45, 10: 1.49}

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
            "high repeat, low attitude, switching is a hassle (else low voluntariness): habit, not preference",
        ),
        ("incentive", "high repeat, low attitude, price sensitive: bought by rewards and deals"),
        ("price", "low repeat, low attitude, price sensitive: loyal to the price, not the firm"),
        ("latent", "high attitude, low repeat (Dick & Basu latent loyalty)"),
        ("none", "none of the above"),
    ],
    columns=["loyalty_type", "rule"],
).set_index("loyalty_type")


# --------------------------------------------------------------------------- helpers

_fail = data_error  # the house error message: table.column: message (example: ...)


def _check_transactions(transactions: pd.DataFrame, need=("customer_id", "date", "amount")) -> None:
    require_columns(transactions, need, "transactions")
    if len(transactions) == 0:
        raise _fail("transactions", None, "no rows", n_bad=0)
    if not pd.api.types.is_datetime64_any_dtype(transactions["date"]):
        raise _fail(
            "transactions",
            "date",
            "is not a datetime column; load the table with crmlab.data.load_transactions",
            example=repr(transactions["date"].iloc[0]),
        )
    if transactions["date"].isna().any():
        bad = transactions["date"].isna().to_numpy()
        raise _fail(
            "transactions",
            "date",
            f"{int(bad.sum()):,} rows have no date",
            n_bad=int(bad.sum()),
            example=repr(transactions.loc[bad].iloc[0].to_dict()),
        )
    amount = pd.to_numeric(transactions["amount"], errors="coerce")
    bad = (amount.isna() | ~np.isfinite(amount.fillna(0)) | (amount < 0)).to_numpy()
    if bad.any():
        raise _fail(
            "transactions",
            "amount",
            f"{int(bad.sum()):,} rows are missing, not finite or negative",
            n_bad=int(bad.sum()),
            example=repr(transactions["amount"].to_numpy()[bad][0]),
        )


def _day_numbers(dates) -> np.ndarray:
    return np.asarray(dates, dtype="datetime64[ns]").astype("datetime64[D]").astype(np.int64)


def _to_day(value) -> int:
    return int(np.datetime64(pd.Timestamp(value).date(), "D").astype(np.int64))


def _survey_items(survey: pd.DataFrame | None, items: Mapping[str, str]) -> pd.DataFrame | None:
    if survey is None:
        return None
    if not isinstance(survey, pd.DataFrame):
        raise ValueError(f"survey must be a DataFrame or None, not {type(survey).__name__}")
    if "customer_id" not in survey.columns:
        raise _fail("survey", "customer_id", f"missing; found {list(survey.columns)}", n_bad=1)
    ids = survey["customer_id"].astype(str)
    dup = ids.duplicated(keep=False).to_numpy()
    if dup.any():
        raise _fail(
            "survey",
            "customer_id",
            f"{int(dup.sum()):,} rows repeat a customer id (one answer per customer)",
            n_bad=int(dup.sum()),
            example=repr(ids[dup].iloc[0]),
        )
    out = pd.DataFrame(index=pd.Index(ids.to_numpy(), name="customer_id"))
    for factor, column in items.items():
        col = column if column in survey.columns else _SURVEY_FALLBACK.get(factor)
        if col is None or col not in survey.columns:
            continue
        values = pd.to_numeric(survey[col], errors="coerce")
        bad = (values.isna() & survey[col].notna()).to_numpy()
        if bad.any():
            raise _fail(
                "survey",
                col,
                f"{int(bad.sum()):,} answers are not numbers",
                n_bad=int(bad.sum()),
                example=repr(survey[col].to_numpy()[bad][0]),
            )
        if factor == "A21" and (values < 0).any():
            neg = (values < 0).to_numpy()
            raise _fail(
                "survey",
                col,
                f"{int(neg.sum()):,} outside spends are negative",
                n_bad=int(neg.sum()),
                example=repr(values.to_numpy()[neg][0]),
            )
        out[factor] = values.to_numpy(dtype=float)
        out.attrs[factor] = col
    return out


# --------------------------------------------------------------------------- factors


def factor_catalog(factors: pd.DataFrame | None = None) -> pd.DataFrame:
    """The nine factors: sub-system, name, direction, unit, formula, data needed.

    With ``factors`` (the output of :func:`loyalty_factors`) the table adds how many
    customers have each factor and where it came from.
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
    observation_end=None,
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

    Returns a DataFrame indexed by ``customer_id`` with columns A11..A34; ``attrs["sources"]``
    says where each factor came from (``factor_catalog(factors)`` shows it).
    """
    _check_transactions(transactions)
    if min_tenure_weeks <= 0:
        raise ValueError(f"min_tenure_weeks must be positive, not {min_tenure_weeks}")
    items = {**SURVEY_ITEMS, **(items or {})}
    unknown = sorted(set(items) - set(SURVEY_ITEMS))
    if unknown:
        raise ValueError(
            f"items: no survey item for factor(s) {unknown}; survey factors are {sorted(SURVEY_ITEMS)}"
        )
    end_day = (
        _day_numbers(transactions["date"]).max() if observation_end is None else _to_day(observation_end)
    )

    rfm = rfm_summary(transactions, observation_end=pd.Timestamp(int(end_day), unit="D"), time_unit="W")
    ids = rfm.index
    n = len(ids)
    tenure = rfm["T"].to_numpy()
    floored = np.maximum(tenure, min_tenure_weeks)
    sources: dict[str, str] = {}

    out = pd.DataFrame(index=ids)
    out["A11"] = rfm["recency"].to_numpy()
    out["A12"] = rfm["frequency"].to_numpy() / floored * WEEKS_PER_YEAR
    sources["A11"] = sources["A12"] = "transactions"

    # purchase days, kept up to observation_end
    days_all = _day_numbers(transactions["date"])
    keep = days_all <= end_day
    tx = transactions.loc[keep]
    codes = ids.get_indexer(tx["customer_id"].to_numpy())
    days = days_all[keep]
    day0 = days.min()
    key = codes.astype(np.int64) * np.int64(end_day - day0 + 1) + (days - day0)
    ukey = np.unique(key)
    pcode = ukey // np.int64(end_day - day0 + 1)
    pday = ukey % np.int64(end_day - day0 + 1) + day0
    first_day = np.full(n, np.iinfo(np.int64).max)
    np.minimum.at(first_day, pcode, pday)
    mid = first_day[pcode] + (end_day - first_day[pcode]) / 2.0
    late = np.bincount(pcode, weights=(pday > mid).astype(float), minlength=n)
    early = np.bincount(pcode, weights=(pday <= mid).astype(float), minlength=n)
    trend = (late - early) / (late + early)
    out["A13"] = np.where(tenure >= min_tenure_weeks, trend, np.nan)
    sources["A13"] = "transactions"

    spend = np.bincount(codes, weights=tx["amount"].to_numpy(dtype=float), minlength=n)
    annual = spend / floored * WEEKS_PER_YEAR
    answers = _survey_items(survey, items)
    if answers is not None:
        attrs = dict(answers.attrs)
        answers = answers.reindex(ids.astype(str))
        answers.index, answers.attrs = ids, attrs

    if answers is not None and "A21" in answers.columns:
        outside = answers["A21"].to_numpy()
        total = annual + outside
        out["A21"] = np.divide(annual, total, out=np.full(n, np.nan), where=total > 0)
        sources["A21"] = f"transactions + survey {answers.attrs['A21']}"
    else:
        out["A21"] = np.nan

    if "category" in tx.columns:
        cat = pd.Series(tx["category"].to_numpy(), index=codes)
        n_cat = cat.groupby(level=0).nunique()
        a22 = np.full(n, np.nan)
        a22[n_cat.index.to_numpy()] = n_cat.to_numpy(dtype=float)
        out["A22"] = a22
        sources["A22"] = "transactions.category"
    else:
        out["A22"] = np.nan

    for factor in ("A31", "A32", "A33", "A34"):
        if answers is not None and factor in answers.columns:
            out[factor] = answers[factor].to_numpy()
            sources[factor] = f"survey {answers.attrs[factor]}"
        else:
            out[factor] = np.nan

    if "A32" not in sources:
        deal = None
        if "promotion_id" in tx.columns:
            on_deal = tx["promotion_id"].notna().to_numpy()
            deal = "transactions.promotion_id"
        elif promotions is not None:
            for col in ("start", "end"):
                if col not in promotions.columns:
                    raise _fail("promotions", col, f"missing; found {list(promotions.columns)}", n_bad=1)
            starts = _day_numbers(promotions["start"])
            ends = _day_numbers(promotions["end"])
            on_deal = ((days[:, None] >= starts[None, :]) & (days[:, None] <= ends[None, :])).any(axis=1)
            deal = "promotion windows (promotions table)"
        if deal is not None:
            # share of purchase days with at least one purchase on a promotion
            day_deal = np.zeros(len(ukey))
            np.maximum.at(day_deal, np.searchsorted(ukey, key), on_deal.astype(float))
            out["A32"] = np.bincount(pcode, weights=day_deal, minlength=n) / np.bincount(pcode, minlength=n)
            sources["A32"] = f"deal proneness from {deal}"

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


# --------------------------------------------------------------------------- weights


@dataclass
class AHPResult:
    """Principal-eigenvector weights of a pairwise comparison matrix and its consistency."""

    name: str
    matrix: pd.DataFrame
    weights: pd.Series
    lambda_max: float
    ci: float
    ri: float
    cr: float

    def summary(self) -> pd.DataFrame:
        """Weights per element, with lambda_max, CI, RI and CR in the frame's last rows."""
        out = self.weights.to_frame("weight")
        stats = pd.DataFrame(
            {"weight": [self.lambda_max, self.ci, self.ri, self.cr]}, index=["lambda_max", "CI", "RI", "CR"]
        )
        return pd.concat([out, stats])


def ahp_weights(
    matrix,
    max_cr: float | None = 0.10,
    labels: Sequence[str] | None = None,
    name: str = "matrix",
    tol: float = 0.02,
) -> AHPResult:
    """AHP priorities of a pairwise comparison (judgement) matrix, Saaty (1977, 1980).

    ``a_ij`` = how much more important element i is than element j (Saaty's 1..9 scale),
    ``a_ji = 1 / a_ij``, ``a_ii = 1``. Weights w = principal right eigenvector of A,
    scaled to sum 1; ``lambda_max`` its eigenvalue; consistency index
    CI = (lambda_max - n) / (n - 1); consistency ratio CR = CI / RI(n) with Saaty's random
    index RI = 0, 0, .58, .90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49 for n = 1..10
    (CR = 0 for n <= 2, always consistent). Judgements with CR > ``max_cr`` (default 0.10,
    Saaty's rule) are refused with a ValueError naming the matrix and its CR; pass
    ``max_cr=None`` to accept them.

    The matrix must be square (n = 1..10), positive, finite and reciprocal: ``a_ii = 1`` and
    ``|a_ij a_ji - 1| <= tol`` (tol = 0.02 accepts 0.33 for 1/3). Units: weights are shares.
    """
    if isinstance(matrix, pd.DataFrame):
        labels = list(matrix.index) if labels is None else labels
        values = matrix.to_numpy()
    else:
        values = matrix
    try:
        a = np.array(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"AHP {name}: the judgement matrix must hold numbers ({exc})") from None
    if a.ndim != 2 or a.shape[0] != a.shape[1] or a.shape[0] == 0:
        raise ValueError(f"AHP {name}: the judgement matrix must be square, got shape {a.shape}")
    n = a.shape[0]
    if n > max(RANDOM_INDEX):
        raise ValueError(
            f"AHP {name}: n = {n} elements; Saaty's random index is tabulated for "
            f"n <= {max(RANDOM_INDEX)}; split the level into groups"
        )
    if not np.isfinite(a).all() or (a <= 0).any():
        i, j = np.argwhere(~np.isfinite(a) | (a <= 0))[0]
        raise ValueError(f"AHP {name}: judgements must be positive and finite; a[{i}][{j}] = {a[i, j]}")
    if not np.allclose(np.diag(a), 1.0, atol=tol):
        i = int(np.argmax(np.abs(np.diag(a) - 1.0)))
        raise ValueError(
            f"AHP {name}: the diagonal must be 1 (an element is as important as itself); "
            f"a[{i}][{i}] = {a[i, i]}"
        )
    off = np.abs(a * a.T - 1.0)
    if (off > tol).any():
        i, j = np.argwhere(off > tol)[0]
        raise ValueError(
            f"AHP {name}: the matrix is not reciprocal: a[{i}][{j}] = {a[i, j]:g} but "
            f"a[{j}][{i}] = {a[j, i]:g} (should be {1.0 / a[i, j]:g})"
        )
    if labels is None:
        labels = [f"{name}_{k + 1}" for k in range(n)]
    labels = list(labels)
    if len(labels) != n:
        raise ValueError(f"AHP {name}: {len(labels)} labels for a {n} x {n} matrix")

    eigval, eigvec = np.linalg.eig(a)
    k = int(np.argmax(eigval.real))
    lam = float(eigval[k].real)
    w = np.abs(eigvec[:, k].real)
    w = w / w.sum()
    ci = (lam - n) / (n - 1) if n > 1 else 0.0
    ci = max(ci, 0.0) if abs(ci) < 1e-12 else ci
    ri = RANDOM_INDEX[n]
    cr = ci / ri if ri > 0 else 0.0
    if max_cr is not None and cr > max_cr:
        raise ValueError(
            f"AHP {name}: consistency ratio CR = {cr:.3f} exceeds {max_cr:.2f} "
            f"(lambda_max = {lam:.4f}, CI = {ci:.4f}, RI = {ri:.2f}); revise the "
            "judgements or pass max_cr=None to accept them"
        )
    return AHPResult(
        name=name,
        matrix=pd.DataFrame(a, index=labels, columns=labels),
        weights=pd.Series(w, index=labels, name="weight"),
        lambda_max=lam,
        ci=ci,
        ri=ri,
        cr=cr,
    )


def consistent_matrix(weights) -> np.ndarray:
    """The perfectly consistent judgement matrix a_ij = w_i / w_j of a positive weight vector."""
    w = np.asarray(weights, dtype=float)
    if w.ndim != 1 or len(w) == 0 or (w <= 0).any() or not np.isfinite(w).all():
        raise ValueError("consistent_matrix: weights must be a non-empty vector of positive numbers")
    return w[:, None] / w[None, :]


@dataclass
class EntropyResult:
    """Entropy-weight method: entropy and weight per column."""

    entropy: pd.Series
    weights: pd.Series

    def summary(self) -> pd.DataFrame:
        """Entropy e_j, divergence 1 - e_j and weight w_j per column."""
        return pd.DataFrame(
            {"entropy": self.entropy, "divergence": 1.0 - self.entropy, "weight": self.weights}
        )


def entropy_weights(frame: pd.DataFrame) -> EntropyResult:
    """Objective weights from the dispersion of each column: the entropy-weight method.

    On non-negative data (normalise first, e.g. :func:`normalize_factors`): column
    proportions p_ij = x_ij / sum_i x_ij; entropy e_j = -(1 / ln n_j) sum_i p_ij ln p_ij
    (0 ln 0 = 0; n_j = rows where column j is present, NaN rows are skipped);
    divergence d_j = 1 - e_j; weight w_j = d_j / sum_k d_k. A column that is constant,
    all zero, all NaN or has fewer than two values has e_j = 1 and weight 0. Source: the
    entropy method of multi-attribute decision making (Zeleny 1982; Hwang & Yoon 1981),
    after Shannon (1948). Weights are shares summing to 1.
    """
    if not isinstance(frame, pd.DataFrame):
        frame = pd.DataFrame(frame)
    x = frame.apply(pd.to_numeric, errors="coerce").astype(float)
    nonnum = (x.isna() & frame.notna()).to_numpy()
    if nonnum.any():
        j = int(np.argwhere(nonnum)[0][1])
        raise ValueError(f"entropy_weights: column {frame.columns[j]!r} holds values that are not numbers")
    values = x.to_numpy()
    if (values < 0).any():
        j = int(np.argwhere(values < 0)[0][1])
        raise ValueError(
            f"entropy_weights: column {frame.columns[j]!r} has negative values; the "
            "entropy method needs non-negative data (normalise to 0..1 first)"
        )
    present = ~np.isnan(values)
    n_j = present.sum(axis=0)
    v = np.where(present, values, 0.0)
    total = v.sum(axis=0)
    p = np.divide(v, total, out=np.zeros_like(v), where=total > 0)
    plogp = np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        e = np.where((n_j > 1) & (total > 0), -plogp.sum(axis=0) / np.log(np.maximum(n_j, 2)), 1.0)
    e = np.clip(e, 0.0, 1.0)
    d = 1.0 - e
    if d.sum() <= 0:
        raise ValueError("entropy_weights: no column varies, so the entropy method gives no weights")
    return EntropyResult(
        entropy=pd.Series(e, index=frame.columns, name="entropy"),
        weights=pd.Series(d / d.sum(), index=frame.columns, name="weight"),
    )


def index_weights(
    scheme: str = "equal",
    factors: pd.DataFrame | None = None,
    criteria=None,
    subsystems: Mapping[str, object] | None = None,
    max_cr: float | None = 0.10,
) -> pd.DataFrame:
    """Weights of the hierarchy A -> A1..A3 -> factors: local, parent and global = local x parent.

    scheme
        ``"equal"``: each sub-system 1/3, each factor 1 / (factors in its sub-system).
        ``"ahp"``: ``criteria`` is the 3 x 3 judgement matrix of A1, A2, A3 and
        ``subsystems`` maps "A1", "A2", "A3" to the judgement matrices of their factors
        (3 x 3, 2 x 2, 4 x 4, rows in the order of :data:`FACTORS`); each must pass
        ``ahp_weights(max_cr=max_cr)``.
        ``"entropy"``: the entropy weights of the **normalised** ``factors`` over all nine
        factors are the global weights; parent = their sum per sub-system, local =
        global / parent (0 when the sub-system has no information).

    Returns a DataFrame indexed by factor with ``subsystem``, ``local``, ``parent``,
    ``global`` (global weights sum to 1). ``attrs["ahp"]`` keeps the AHP results.
    """
    frame = FACTORS[["subsystem"]].copy()
    counts = frame["subsystem"].map(frame["subsystem"].value_counts())
    if scheme == "equal":
        frame["local"] = 1.0 / counts
        frame["parent"] = 1.0 / len(SUBSYSTEMS)
    elif scheme == "ahp":
        if criteria is None or subsystems is None:
            raise ValueError(
                "index_weights('ahp') needs criteria (3 x 3 for A1..A3) and subsystems "
                "({'A1': 3 x 3, 'A2': 2 x 2, 'A3': 4 x 4})"
            )
        missing = [s for s in SUBSYSTEMS if s not in subsystems]
        if missing:
            raise ValueError(f"index_weights('ahp'): no judgement matrix for sub-system(s) {missing}")
        top = ahp_weights(criteria, max_cr=max_cr, labels=list(SUBSYSTEMS), name="criteria (A1..A3)")
        results = {"A": top}
        local = pd.Series(np.nan, index=frame.index)
        for sub in SUBSYSTEMS:
            members = list(frame.index[frame["subsystem"] == sub])
            mat = np.asarray(subsystems[sub], dtype=float)
            if mat.shape != (len(members), len(members)):
                raise ValueError(
                    f"index_weights('ahp'): the {sub} matrix must be {len(members)} x "
                    f"{len(members)} ({', '.join(members)}), got {mat.shape}"
                )
            res = ahp_weights(mat, max_cr=max_cr, labels=members, name=f"{sub} ({SUBSYSTEMS[sub]})")
            results[sub] = res
            local[members] = res.weights.to_numpy()
        frame["local"] = local
        frame["parent"] = frame["subsystem"].map(top.weights)
        frame.attrs["ahp"] = results
    elif scheme == "entropy":
        if factors is None:
            raise ValueError("index_weights('entropy') needs the normalised factors")
        cols = [f for f in FACTORS.index if f in factors.columns]
        glob = entropy_weights(factors[cols]).weights.reindex(frame.index, fill_value=0.0)
        parent = glob.groupby(frame["subsystem"]).sum()
        frame["parent"] = frame["subsystem"].map(parent)
        frame["local"] = np.divide(
            glob, frame["parent"], out=np.zeros(len(glob)), where=frame["parent"].to_numpy() > 0
        )
    else:
        raise ValueError(f"index_weights: scheme must be 'equal', 'ahp' or 'entropy', not {scheme!r}")
    frame["global"] = frame["local"] * frame["parent"]
    return frame[["subsystem", "local", "parent", "global"]]


def _global_weights(weights, columns) -> pd.Series:
    if isinstance(weights, pd.DataFrame):
        if "global" not in weights.columns:
            raise ValueError("weights: a DataFrame of weights needs a 'global' column (see index_weights)")
        weights = weights["global"]
    w = pd.Series(weights, dtype=float)
    missing = [c for c in columns if c not in w.index]
    if missing:
        raise ValueError(f"weights: no weight for factor(s) {missing}")
    if (w < 0).any() or not np.isfinite(w).all():
        raise ValueError("weights must be finite and non-negative")
    return w


def _as_unit(factors: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    cols = [c for c in factors.columns if c in FACTORS.index]
    unknown = [c for c in factors.columns if c not in FACTORS.index]
    if unknown:
        raise ValueError(f"loyalty_index: unknown factor column(s) {unknown}")
    z = factors[cols].to_numpy(dtype=float)
    outside = (z < -1e-9) | (z > 1 + 1e-9)
    if outside.any():
        i, j = np.argwhere(outside)[0]
        raise ValueError(
            f"loyalty_index: factor {cols[j]} = {z[i, j]:g} for customer "
            f"{factors.index[i]!r} is outside 0..1; normalise with normalize_factors first"
        )
    return z, cols


def loyalty_index(factors: pd.DataFrame, weights) -> pd.DataFrame:
    """The 0..100 loyalty index, re-weighted per customer over the factors present.

    index_i = 100 x sum_j w_j z_ij / sum_j w_j [z_ij present], z = normalised factors
    (0..1, 1 = loyal end), w = global weights (``index_weights(...)["global"]`` or a
    Series by factor). Factors missing for a customer (no survey answer) or for everyone
    (emotion factors on CDNOW) drop out and the remaining weights are scaled up to 1, so
    the index is the weighted mean of what is known. Sub-indices A1, A2, A3 (0..100) use
    the same rule within each sub-system. ``weight_available`` = share of the total weight
    the customer's index rests on.
    """
    z, cols = _as_unit(factors)
    w = _global_weights(weights, cols)
    wv = w.reindex(cols).to_numpy()
    present = ~np.isnan(z)
    zz = np.where(present, z, 0.0)

    def _score(mask):
        num = zz[:, mask] @ wv[mask]
        den = present[:, mask] @ wv[mask]
        return np.divide(100.0 * num, den, out=np.full(len(z), np.nan), where=den > 0), den

    out = pd.DataFrame(index=factors.index)
    all_cols = np.ones(len(cols), dtype=bool)
    out["loyalty_index"], den = _score(all_cols)
    sub = FACTORS["subsystem"].reindex(cols).to_numpy()
    for s in SUBSYSTEMS:
        out[s] = _score(sub == s)[0] if (sub == s).any() else np.nan
    total = float(w.reindex(FACTORS.index).fillna(0.0).sum()) or 1.0
    out["weight_available"] = den / total
    return out


# --------------------------------------------------------------------------- robustness


def scheme_agreement(indexes: pd.DataFrame) -> pd.DataFrame:
    """Kendall's tau-b between every pair of index columns (Kendall 1938), on customers with both.

    ``indexes``: one column per weighting scheme. Returns a square DataFrame (1 on the diagonal).
    """
    cols = list(indexes.columns)
    out = pd.DataFrame(np.eye(len(cols)), index=cols, columns=cols)
    for a in range(len(cols)):
        for b in range(a + 1, len(cols)):
            pair = indexes[[cols[a], cols[b]]].dropna()
            tau = kendalltau(pair.iloc[:, 0], pair.iloc[:, 1]).statistic if len(pair) > 1 else np.nan
            out.iloc[a, b] = out.iloc[b, a] = tau
    return out


@dataclass
class StabilityResult:
    """Top-group retention under random weight perturbations."""

    retention: np.ndarray
    n_top: int
    perturbation: float
    n_draws: int
    seed: int
    top_customers: pd.Index = field(repr=False, default=None)

    def summary(self) -> pd.DataFrame:
        """Mean, min, 5th percentile and median of the customers (and share) who stay on top."""
        r = self.retention
        stats = {"mean": r.mean(), "min": r.min(), "p05": np.quantile(r, 0.05), "median": np.median(r)}
        return pd.DataFrame(
            {"share_staying": stats, "customers_staying": {k: v * self.n_top for k, v in stats.items()}}
        ).rename_axis(f"over {self.n_draws} draws, +/-{self.perturbation:.0%}, top {self.n_top}")


def top_decile_stability(
    factors: pd.DataFrame,
    weights,
    perturbation: float = 0.20,
    n_draws: int = 200,
    seed: int = 0,
    top: float = 0.10,
) -> StabilityResult:
    """How many of the index's top decile stay there when every weight moves by up to +/-20 %.

    Each draw multiplies each global weight by u ~ Uniform(1 - perturbation, 1 + perturbation)
    (independently, ``numpy.random.default_rng(seed)``), renormalises and recomputes the
    index (:func:`loyalty_index` rule). Retention = |top_base & top_draw| / n_top, with
    n_top = ceil(top x customers with an index); ties broken by position. A sensitivity
    check in the spirit of Saisana, Saltelli & Tarantola (2005) for composite indicators.
    """
    if not 0 < perturbation < 1:
        raise ValueError(f"perturbation must be in (0, 1), not {perturbation}")
    if not 0 < top < 1:
        raise ValueError(f"top must be in (0, 1), not {top}")
    if n_draws < 1:
        raise ValueError(f"n_draws must be at least 1, not {n_draws}")
    z, cols = _as_unit(factors)
    w = _global_weights(weights, cols).reindex(cols).to_numpy()
    present = ~np.isnan(z)
    zz = np.where(present, z, 0.0)
    has = present @ (w > 0) > 0
    zz, present = zz[has], present[has]
    rng = np.random.default_rng(seed)
    draws = w[:, None] * rng.uniform(1 - perturbation, 1 + perturbation, size=(len(w), n_draws))
    W = np.column_stack([w, draws])
    scores = (zz @ W) / np.maximum(present @ W, 1e-300)
    n_top = int(np.ceil(top * len(zz) - 1e-9))
    order = np.argsort(-scores, axis=0, kind="stable")[:n_top]
    in_top = np.zeros(scores.shape, dtype=bool)
    np.put_along_axis(in_top, order, True, axis=0)
    retention = (in_top[:, 1:] & in_top[:, [0]]).sum(axis=0) / n_top
    return StabilityResult(
        retention=retention,
        n_top=n_top,
        perturbation=perturbation,
        n_draws=n_draws,
        seed=seed,
        top_customers=factors.index[has][order[:, 0]],
    )


# --------------------------------------------------------------------------- validity


def holdout_outcomes(transactions: pd.DataFrame, calibration_end, observation_end=None) -> pd.DataFrame:
    """Calibration frequency and holdout behaviour per customer who bought by calibration_end.

    ``frequency`` = repeat purchase days up to calibration_end (rfm_summary);
    ``holdout_purchases`` = purchase days in (calibration_end, observation_end];
    ``holdout_spend`` = their value (currency); ``repurchase`` = holdout_purchases > 0.
    """
    _check_transactions(transactions)
    r = rfm_summary(transactions, observation_end=observation_end, calibration_end=calibration_end)
    out = pd.DataFrame(index=r.index)
    out["frequency"] = r["frequency"]
    out["holdout_purchases"] = r["frequency_holdout"]
    out["holdout_spend"] = r["frequency_holdout"] * r["monetary_value_holdout"]
    out["repurchase"] = out["holdout_purchases"] > 0
    return out


@dataclass
class ValidityResult:
    """Predictive validity of one or more scores against holdout behaviour."""

    metrics: pd.DataFrame
    lift: pd.DataFrame
    n: int

    def summary(self) -> pd.DataFrame:
        """Per score: AUC for repurchase, correlations with holdout spend and purchases, top-decile lift."""
        return self.metrics


def predictive_validity(scores: pd.DataFrame, outcomes: pd.DataFrame, n_bins: int = 10) -> ValidityResult:
    """Do higher scores go with more holdout repurchase and spend? One row per score column.

    On the customers where every score is present (so scores compete on the same people):
    ``auc_repurchase`` = ROC AUC of the score for ``repurchase`` (Hanley & McNeil 1982;
    0.5 = no better than chance); ``spearman_spend`` / ``pearson_spend`` = correlation with
    ``holdout_spend``; ``spearman_purchases`` with ``holdout_purchases``; deciles by score
    (1 = top; decile = ceil(average rank x n_bins / n), so tied customers share the decile of
    their average rank and deciles can be unequal: many customers with frequency 0 form one
    bin instead of being split by their row order), ``top_decile_lift`` = repurchase rate in
    the top bin (decile 1, or the best bin present when a tie spans it) / overall rate,
    ``top_decile_spend_share`` = its share of holdout spend.
    ``lift``: per score and decile, customers, position (mean rank / n: 0 = top, 1 = bottom),
    repurchase rate, lift and mean holdout spend.
    """
    need = ["repurchase", "holdout_spend", "holdout_purchases"]
    missing = [c for c in need if c not in outcomes.columns]
    if missing:
        raise ValueError(f"predictive_validity: outcomes need {missing} (see holdout_outcomes)")
    joined = scores.join(outcomes[need], how="inner").dropna()
    if len(joined) < n_bins or joined["repurchase"].nunique() < 2:
        raise ValueError("predictive_validity: too few customers, or everyone (or no one) repurchased")
    y = joined["repurchase"].to_numpy(dtype=bool)
    spend = joined["holdout_spend"].to_numpy(dtype=float)
    rows, lifts = [], []
    base = y.mean()
    for col in scores.columns:
        s = joined[col].to_numpy(dtype=float)
        rank = pd.Series(-s).rank(method="average").to_numpy()  # 1 = highest score
        decile = np.clip(np.ceil(rank * n_bins / len(s)), 1, n_bins).astype(int)
        table = (
            pd.DataFrame({"decile": decile, "y": y, "spend": spend, "position": rank / len(s)})
            .groupby("decile")
            .agg(
                customers=("y", "size"),
                position=("position", "mean"),
                repurchase_rate=("y", "mean"),
                mean_spend=("spend", "mean"),
                spend=("spend", "sum"),
            )
        )
        table["lift"] = table["repurchase_rate"] / base
        table["score"] = col
        lifts.append(table.reset_index())
        rows.append(
            {
                "score": col,
                "auc_repurchase": roc_auc_score(y, s),
                "spearman_spend": spearmanr(s, spend).statistic,
                "pearson_spend": pearsonr(s, spend).statistic,
                "spearman_purchases": spearmanr(s, joined["holdout_purchases"]).statistic,
                "top_decile_lift": table["lift"].iloc[0],
                "top_decile_spend_share": table["spend"].iloc[0] / spend.sum() if spend.sum() > 0 else np.nan,
            }
        )
    lift = pd.concat(lifts, ignore_index=True)[
        ["score", "decile", "customers", "position", "repurchase_rate", "lift", "mean_spend"]
    ]
    return ValidityResult(metrics=pd.DataFrame(rows).set_index("score"), lift=lift, n=len(joined))


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
        """Per class: customers in the reference, recall (share found) and precision."""
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
    observation_end=None,
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
    """
    _check_transactions(transactions)
    r = rfm_summary(transactions, observation_end=observation_end, time_unit="W")
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


# --------------------------------------------------------------------------- figures


def plot_satisfaction_loyalty(matrix: pd.DataFrame, ax=None, sample: int | None = 3000, seed: int = 0):
    """Scatter of satisfaction x loyalty with the quadrant cuts and the four type labels."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 5.5))
    data = matrix if sample is None or len(matrix) <= sample else matrix.sample(sample, random_state=seed)
    sns.scatterplot(
        data=data,
        x="satisfaction",
        y="loyalty",
        hue="customer_type",
        hue_order=list(CUSTOMER_TYPES.index),
        s=12,
        alpha=0.6,
        ax=ax,
    )
    cuts = matrix.attrs.get(
        "cuts", {"satisfaction": matrix["satisfaction"].median(), "loyalty": matrix["loyalty"].median()}
    )
    ax.axvline(cuts["satisfaction"], color="grey", lw=1, ls="--")
    ax.axhline(cuts["loyalty"], color="grey", lw=1, ls="--")
    xlo, xhi = ax.get_xlim()
    ylo, yhi = ax.get_ylim()
    for name, (x, y) in {
        "loyal": (xhi, yhi),
        "mercenary": (xhi, ylo),
        "hostage": (xlo, yhi),
        "defector": (xlo, ylo),
    }.items():
        ax.text(
            x,
            y,
            name,
            ha="right" if x == xhi else "left",
            va="top" if y == yhi else "bottom",
            fontsize=11,
            weight="bold",
            color="black",
            alpha=0.7,
        )
    ax.set_title("Satisfaction x loyalty (Jones & Sasser 1995)")
    return ax


def plot_lift(validity: ValidityResult, ax=None):
    """Repurchase lift by score decile, one line per score, each bin at its mean rank.

    Bins are placed at their position (mean rank, % of customers) and sized by their
    customers, so a large tie (e.g. everyone with frequency 0) shows as one wide bin.
    """
    import matplotlib.pyplot as plt
    import seaborn as sns

    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 4))
    data = validity.lift.assign(position=100.0 * validity.lift["position"])
    sns.lineplot(data=data, x="position", y="lift", hue="score", ax=ax, legend=False)
    sns.scatterplot(data=data, x="position", y="lift", hue="score", size="customers", sizes=(10, 200), ax=ax)
    ax.axhline(1.0, color="grey", lw=1, ls="--")
    ax.set_xlabel("customers ranked above the bin's middle, % (0 = top of the score)")
    ax.set_ylabel("holdout repurchase rate / overall")
    ax.set_title("Lift by score decile")
    ax.legend(fontsize=8, loc="lower left")
    return ax
