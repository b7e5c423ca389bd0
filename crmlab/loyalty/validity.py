"""Predictive validity: holdout outcomes (one home for holdout repurchase) and AUC / lift."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import pearsonr, spearmanr
from sklearn.metrics import roc_auc_score

from ._common import DateLike, _check_transactions, _summary

# --------------------------------------------------------------------------- validity


__all__ = ["holdout_outcomes", "ValidityResult", "predictive_validity"]


def holdout_outcomes(
    transactions: pd.DataFrame, calibration_end: DateLike, observation_end: DateLike | None = None
) -> pd.DataFrame:
    """Calibration frequency and holdout behaviour per customer who bought by calibration_end.

    ``frequency`` = repeat purchase days up to calibration_end (rfm_summary);
    ``holdout_purchases`` = purchase days in (calibration_end, observation_end];
    ``holdout_spend`` = their value (currency); ``repurchase`` = holdout_purchases > 0.

    Parameters
    ----------
    transactions : pd.DataFrame
        ``customer_id``, ``date``, ``amount``.
    calibration_end : date-like
        Last day of the calibration period.
    observation_end : date-like, optional
        Last day of the holdout (default: the last transaction date, normalised to midnight).

    Returns
    -------
    pd.DataFrame
        Indexed by customer_id: ``frequency``, ``holdout_purchases``, ``holdout_spend``,
        ``repurchase`` (bool).
    """
    _check_transactions(transactions)
    r = _summary(transactions, observation_end=observation_end, calibration_end=calibration_end)
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
        """Per score: AUC for repurchase, correlations with holdout spend and purchases, top-decile lift.

        Returns
        -------
        pandas.DataFrame
            One row per score column (``metrics``).
        """
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

    Parameters
    ----------
    scores : pd.DataFrame
        One column per score (e.g. the loyalty index, frequency), indexed by customer_id.
    outcomes : pd.DataFrame
        :func:`holdout_outcomes` (``repurchase``, ``holdout_spend``, ``holdout_purchases``).
    n_bins : int
        Number of score bins (deciles by default).

    Returns
    -------
    ValidityResult
        ``metrics`` (one row per score), ``lift`` (per score and bin) and ``n`` customers.
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
