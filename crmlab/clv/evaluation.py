"""Holdout evaluation of a CLV model: predicted against actual value by group of predicted value.

A well-calibrated model predicts close to the actual holdout value in every group, not only in
total (Fader, Hardie & Lee 2005b, "RFM and CLV: using iso-value curves for customer base
analysis", JMR 42(4), holdout validation). :func:`crmlab.clv.plot_holdout_calibration` draws it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._validate import check_number

__all__ = ["holdout_calibration"]


def _paired(predicted, actual, where: str) -> tuple[np.ndarray, np.ndarray]:
    """Predicted and actual as finite 1-D arrays of one length (Series must share an index)."""
    if (
        isinstance(predicted, pd.Series)
        and isinstance(actual, pd.Series)
        and not predicted.index.equals(actual.index)
    ):
        raise ValueError(f"{where}: predicted and actual have different indexes; align them first")
    pred = np.asarray(predicted, dtype=np.float64).ravel()
    act = np.asarray(actual, dtype=np.float64).ravel()
    if pred.size != act.size:
        raise ValueError(f"{where}: predicted has {pred.size} values, actual {act.size}")
    if pred.size == 0:
        raise ValueError(f"{where}: no customers")
    if not (np.all(np.isfinite(pred)) and np.all(np.isfinite(act))):
        raise ValueError(f"{where}: predicted and actual must be finite (no NaN)")
    return pred, act


def holdout_calibration(predicted, actual, n_groups: int = 10) -> pd.DataFrame:
    """Predicted vs actual holdout value by group of predicted value (a calibration table).

    Customers are ranked by ``predicted`` (ties keep the input order) and cut into
    ``n_groups`` groups of equal size: customer of rank ``i`` (0-based) is in group
    ``1 + i * n_groups // n`` (group 1 = lowest predicted; sizes differ by at most one).
    Source: Fader, Hardie & Lee (2005b), holdout validation.

    Parameters
    ----------
    predicted, actual : pd.Series or array-like
        Predicted and actual holdout value per customer, in one money unit: Series with
        the same index (customer_id) or equal-length arrays.
    n_groups : int
        Number of groups, between 1 and the number of customers.

    Returns
    -------
    pd.DataFrame
        Index ``group`` ("1" .. str(n_groups), then "total" covering everyone); columns
        ``customers``, ``predicted_mean``, ``actual_mean``, ``predicted_total``,
        ``actual_total``.
    """
    where = "holdout_calibration"
    pred, act = _paired(predicted, actual, where)
    n_groups = check_number("n_groups", n_groups, lo=1, hi=pred.size, integer=True, where=where)
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
