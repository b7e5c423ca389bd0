"""A factor credit scorecard: measures -> 0..100 factor scores -> weighted score -> rating band.

Each measure of a factor (:mod:`crmlab.credit.factors`) is scored 0..100 in the creditor's
direction against the population it was fitted on; a factor's score is the mean of its
measures' scores; the credit score is the weighted mean of the factor scores (weights equal,
given, or from an AHP judgement matrix via :func:`crmlab.loyalty.ahp_weights`); the rating band
follows from score cut-offs (:data:`DEFAULT_BANDS`).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from .._base import Estimator
from .._validate import check_choice, data_error
from ..loyalty.weights import AHPResult, ahp_weights
from .factors import FACTOR_SETS, MEASURES, factor_measures

__all__ = [
    "DEFAULT_BANDS",
    "TRANSFORMS",
    "AHP_5C_EXAMPLE",
    "CreditScorecard",
    "rating_bands",
    "rating_band_summary",
    "score_auc",
]

TRANSFORMS = ("percentile", "minmax")
# band -> lowest score in the band (crmlab's default policy; pass your own cut-offs)
DEFAULT_BANDS: dict[str, float] = {"A": 75.0, "B": 60.0, "C": 45.0, "D": 30.0, "E": 0.0}

# Illustrative Saaty judgements over the 5C (crmlab's, not a published matrix): capacity matters
# most, then character and capital, then collateral, then conditions. CR ~ 0.01.
_5C = ("character", "capacity", "capital", "collateral", "conditions")
AHP_5C_EXAMPLE = pd.DataFrame(
    [
        [1, 1 / 2, 1, 2, 3],
        [2, 1, 2, 3, 4],
        [1, 1 / 2, 1, 2, 3],
        [1 / 2, 1 / 3, 1 / 2, 1, 2],
        [1 / 3, 1 / 4, 1 / 3, 1 / 2, 1],
    ],
    index=_5C,
    columns=_5C,
    dtype=float,
)


def _check_bands(bands: Mapping[str, float] | None) -> dict[str, float]:
    bands = dict(DEFAULT_BANDS if bands is None else bands)
    cuts = np.array(list(bands.values()), dtype=float)
    if len(cuts) < 2 or not np.all(np.diff(cuts) < 0) or cuts[-1] != 0 or cuts[0] > 100:
        raise ValueError(
            "bands must map band names, best first, to strictly decreasing lowest scores in "
            f"[0, 100], the last one 0 (e.g. {DEFAULT_BANDS}); got {bands}"
        )
    return bands


def rating_bands(score: pd.Series, bands: Mapping[str, float] | None = None) -> pd.Series:
    """The rating band of each score: the first band (best first) whose lowest score it reaches.

    Parameters
    ----------
    score : Series
        Credit scores 0..100.
    bands : mapping, optional
        Band -> lowest score, best band first, strictly decreasing, last 0
        (default :data:`DEFAULT_BANDS`).

    Returns
    -------
    Series
        Ordered categorical band per score (NaN score -> NaN band).
    """
    bands = _check_bands(bands)
    names = list(bands)
    cuts = np.array(list(bands.values()))[::-1]  # ascending: 0, ..., best band's cut-off
    pos = np.searchsorted(cuts, score.to_numpy(dtype=float), side="right") - 1
    codes = np.where(np.isnan(score.to_numpy(dtype=float)), -1, len(names) - 1 - pos)
    return pd.Series(
        pd.Categorical.from_codes(codes, categories=names, ordered=True), index=score.index, name="band"
    )


def _resolve_weights(weights, factors: list[str], max_cr: float | None) -> tuple[pd.Series, AHPResult | None]:
    """(weights summing to 1 over ``factors``, the AHP result when a judgement matrix gave them)."""
    if weights is None or (isinstance(weights, str) and weights == "equal"):
        return pd.Series(1.0 / len(factors), index=factors, name="weight"), None
    ahp = None
    if isinstance(weights, AHPResult):
        ahp = weights
    elif isinstance(weights, pd.DataFrame) or (isinstance(weights, np.ndarray) and weights.ndim == 2):
        labels = None if isinstance(weights, pd.DataFrame) else factors
        ahp = ahp_weights(weights, max_cr=max_cr, labels=labels, name="credit factors")
    elif not isinstance(weights, Mapping | pd.Series):
        raise TypeError(
            "weights must be 'equal', a mapping factor -> weight, an AHP judgement matrix "
            f"(DataFrame / 2-d array) or an AHPResult, not {type(weights).__name__}"
        )
    w = pd.Series(ahp.weights if ahp is not None else dict(weights), dtype=float)
    if set(w.index) != set(factors):
        raise ValueError(f"weights must name exactly the factors {factors}; got {list(w.index)}")
    if not np.isfinite(w).all() or (w < 0).any() or w.sum() <= 0:
        raise ValueError(f"weights must be finite, >= 0 and not all 0; got {w.to_dict()}")
    return (w / w.sum()).reindex(factors).rename("weight"), ahp


def _measure_score(x: np.ndarray, ref: np.ndarray, direction: int, transform: str) -> np.ndarray:
    """0..100 score of values ``x`` against the sorted reference values ``ref`` (NaN stays NaN)."""
    if ref.size == 0:
        return np.full(x.shape, np.nan)
    if transform == "percentile":
        below = np.searchsorted(ref, x, side="left")
        upto = np.searchsorted(ref, x, side="right")
        p = (below + upto) / (2.0 * ref.size)
    else:
        lo, hi = np.quantile(ref, [0.05, 0.95])
        p = np.clip((x - lo) / (hi - lo), 0, 1) if hi > lo else np.full(x.shape, 0.5)
    s = 100 * (p if direction > 0 else 1 - p)
    return np.where(np.isnan(x), np.nan, s)


class CreditScorecard(Estimator):
    """Weighted factor scorecard over the 5C, 5P or 6A (:mod:`crmlab.credit.factors`).

    Measure score (``transform="percentile"``): s = 100 p for a higher-is-better measure and
    100 (1 - p) for a lower-is-better one, with p = (#{ref < x} + #{ref <= x}) / (2 n) the
    mid-rank percentile of x among the n fitted values (a monotone transform, so leverage,
    DSO or late payments score lower when higher). ``transform="minmax"``: p = (x - q05) /
    (q95 - q05) clipped to [0, 1], with q05, q95 the fitted 5th and 95th percentiles.
    Factor score F_f = mean of its measures' scores (those present); credit score
    S = sum_f w_f F_f / sum_f w_f over the factors present; band = first band whose cut-off
    S reaches. Weighted additive scoring of the Cs as in Thomas, Edelman & Crook (2002, ch. 1);
    AHP weights after Saaty (1980).

    Parameters
    ----------
    factor_set : str
        ``"5C"`` (default), ``"5P"`` or ``"6A"``.
    weights : "equal", mapping, AHP judgement matrix or AHPResult
        Factor weights: equal (default), given (normalised to sum 1), or the principal
        eigenvector of a Saaty judgement matrix over the factors (``crmlab.loyalty.ahp_weights``;
        a DataFrame's index names the factors, an array follows the factor set's order).
    transform : str
        ``"percentile"`` (default) or ``"minmax"``.
    bands : mapping, optional
        Band -> lowest score (default :data:`DEFAULT_BANDS`).
    fiscal_year : int, optional
        The statement year scored; default each account's latest.
    max_cr : float or None
        Largest AHP consistency ratio accepted (Saaty's 0.10).
    """

    def __init__(
        self,
        factor_set: str = "5C",
        weights="equal",
        transform: str = "percentile",
        bands: Mapping[str, float] | None = None,
        fiscal_year: int | None = None,
        max_cr: float | None = 0.10,
    ):
        self.factor_set = factor_set
        self.weights = weights
        self.transform = transform
        self.bands = bands
        self.fiscal_year = fiscal_year
        self.max_cr = max_cr

    def _setup(self) -> tuple[dict, pd.Series, AHPResult | None, dict]:
        check_choice("factor_set", self.factor_set, tuple(FACTOR_SETS), where="CreditScorecard")
        check_choice("transform", self.transform, TRANSFORMS, where="CreditScorecard")
        factors = FACTOR_SETS[self.factor_set]
        weights, ahp = _resolve_weights(self.weights, list(factors), self.max_cr)
        return factors, weights, ahp, _check_bands(self.bands)

    def fit(self, statements: pd.DataFrame, accounts: pd.DataFrame | None = None) -> CreditScorecard:
        """Score every account's statement against the accounts given.

        Parameters
        ----------
        statements : DataFrame
            The canonical statements table (:mod:`crmlab.credit.ratios`).
        accounts : DataFrame, optional
            The business_accounts table; without it the account-attribute measures are
            absent and their factors are scored on what remains.

        Returns
        -------
        CreditScorecard
            self, with ``weights_``, ``ahp_``, ``measures_``, ``scores_``, ``params_``.
        """
        factors, weights, ahp, bands = self._setup()
        measures = factor_measures(statements, accounts, self.fiscal_year)
        used = sorted({m for ms in factors.values() for m in ms})
        reference = {m: np.sort(measures[m].dropna().to_numpy(dtype=float)) for m in used}
        self.params_ = {
            "factor_set": self.factor_set,
            "weights": weights,
            "transform": self.transform,
            "bands": bands,
            "reference": reference,
        }
        self.weights_, self.ahp_, self.measures_ = weights, ahp, measures
        self.scores_ = self._score(measures)
        return self

    def _score(self, measures: pd.DataFrame) -> pd.DataFrame:
        p = self.params_
        factors = FACTOR_SETS[p["factor_set"]]
        out = pd.DataFrame(index=measures.index)
        for factor, names in factors.items():
            cols = [
                _measure_score(
                    measures[m].to_numpy(dtype=float), p["reference"][m], MEASURES[m][0], p["transform"]
                )
                for m in names
            ]
            with np.errstate(all="ignore"):
                out[factor] = pd.DataFrame(np.column_stack(cols), index=measures.index).mean(axis=1)
        w = p["weights"].reindex(list(factors)).to_numpy()
        f = out.to_numpy()
        present = ~np.isnan(f)
        total = (np.where(present, f, 0) * w).sum(axis=1)
        weight = (present * w).sum(axis=1)
        out["score"] = np.where(weight > 0, total / np.where(weight > 0, weight, 1), np.nan)
        out["band"] = rating_bands(out["score"], p["bands"])
        return out

    def score(self, statements: pd.DataFrame, accounts: pd.DataFrame | None = None) -> pd.DataFrame:
        """Score (new) accounts against the fitted reference population.

        Parameters
        ----------
        statements, accounts : DataFrame
            As in :meth:`fit`.

        Returns
        -------
        DataFrame
            Indexed by account_id: one 0..100 column per factor, ``score`` and ``band``.
        """
        self._check_fitted()
        return self._score(factor_measures(statements, accounts, self.fiscal_year))

    def summary(self) -> pd.DataFrame:
        """Per factor: weight, its measures and (after ``fit``) mean score and coverage.

        Returns
        -------
        DataFrame
            Indexed by factor: ``weight``, ``measures``, ``mean_score``, ``share_scored``.
        """
        self._check_fitted()
        factors = FACTOR_SETS[self.params_["factor_set"]]
        out = pd.DataFrame(
            {
                "weight": self.params_["weights"],
                "measures": pd.Series({f: ", ".join(ms) for f, ms in factors.items()}),
            }
        )
        scores = getattr(self, "scores_", None)
        if scores is not None:
            out["mean_score"] = scores[list(factors)].mean()
            out["share_scored"] = scores[list(factors)].notna().mean()
        out.index.name = "factor"
        return out

    @classmethod
    def from_params(
        cls,
        reference: Mapping[str, np.ndarray],
        factor_set: str = "5C",
        weights="equal",
        transform: str = "percentile",
        bands: Mapping[str, float] | None = None,
        fiscal_year: int | None = None,
    ) -> CreditScorecard:
        """A scorecard from known reference values (e.g. last year's portfolio), without ``fit``.

        Parameters
        ----------
        reference : mapping
            Measure -> the reference values it is scored against (every measure of the set).
        factor_set, weights, transform, bands, fiscal_year
            As in the constructor.

        Returns
        -------
        CreditScorecard
            Ready for :meth:`score` and :meth:`summary`.
        """
        model = cls(factor_set, weights, transform, bands, fiscal_year)
        factors, weights_, ahp, bands_ = model._setup()
        needed = sorted({m for ms in factors.values() for m in ms})
        missing = [m for m in needed if m not in reference]
        if missing:
            raise ValueError(f"from_params: reference lacks the measures {missing}")
        ref = {
            m: np.sort(
                np.asarray(reference[m], dtype=float)[~np.isnan(np.asarray(reference[m], dtype=float))]
            )
            for m in needed
        }
        model.params_ = {
            "factor_set": factor_set,
            "weights": weights_,
            "transform": transform,
            "bands": bands_,
            "reference": ref,
        }
        model.weights_, model.ahp_, model.measures_, model.scores_ = weights_, ahp, None, None
        return model


def _aligned(scores: pd.DataFrame | pd.Series, outcome: pd.Series, name: str) -> pd.DataFrame:
    score = scores["score"] if isinstance(scores, pd.DataFrame) else scores
    joined = pd.concat([score.rename("score"), outcome.rename(name).reindex(score.index)], axis=1)
    if joined[name].isna().all():
        raise data_error(name, None, "shares no account_id with the scores")
    return joined


def score_auc(scores: pd.DataFrame | pd.Series, defaulted: pd.Series) -> float:
    """AUC of the credit score for telling non-defaulters from defaulters.

    AUC = P(S_good > S_bad) + 0.5 P(S_good = S_bad) over pairs of a non-defaulted and a defaulted
    account (the Mann-Whitney form; Thomas, Edelman & Crook 2002, sec. 7.6); 0.5 = no
    ranking power, 1 = every defaulter scored below every non-defaulter.

    Parameters
    ----------
    scores : DataFrame or Series
        ``scores_`` of a :class:`CreditScorecard` (its ``score`` column) or scores, by account_id.
    defaulted : Series
        True / 1 for accounts that defaulted, by account_id.

    Returns
    -------
    float
        The AUC over accounts with both a score and an outcome.
    """
    from sklearn.metrics import roc_auc_score

    joined = _aligned(scores, defaulted, "defaulted").dropna()
    bad = joined["defaulted"].astype(bool)
    if bad.all() or not bad.any():
        raise data_error("defaulted", None, "needs both defaulted and non-defaulted accounts for an AUC")
    return float(roc_auc_score(~bad, joined["score"]))


def rating_band_summary(
    scores: pd.DataFrame, defaulted: pd.Series | None = None, true_pd: pd.Series | None = None
) -> pd.DataFrame:
    """Accounts, score range and (when known) default rate and mean true PD per rating band.

    Parameters
    ----------
    scores : DataFrame
        ``scores_`` of a :class:`CreditScorecard` (``score`` and ``band`` by account_id).
    defaulted : Series, optional
        Realised defaults by account_id.
    true_pd : Series, optional
        A known probability of default by account_id (the synthetic truth).

    Returns
    -------
    DataFrame
        Indexed by band: ``accounts``, ``share``, ``min_score``, ``mean_score``, and
        ``default_rate`` / ``mean_true_pd`` when given.
    """
    g = scores.groupby("band", observed=False)["score"]
    out = pd.DataFrame({"accounts": g.size(), "min_score": g.min(), "mean_score": g.mean()})
    out.insert(1, "share", out["accounts"] / out["accounts"].sum())
    band = scores["band"]
    if defaulted is not None:
        out["default_rate"] = (
            defaulted.reindex(scores.index).astype(float).groupby(band, observed=False).mean()
        )
    if true_pd is not None:
        out["mean_true_pd"] = true_pd.reindex(scores.index).astype(float).groupby(band, observed=False).mean()
    return out
