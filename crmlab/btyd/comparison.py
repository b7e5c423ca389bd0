"""Choosing a customer-base model: calibration fit, information criteria and holdout error side by side.

:func:`compare_models` puts fitted models (BG/NBD, Pareto/NBD, MBG/NBD, ... fitted on the same
calibration summary) in one table: parameters, log-likelihood, AIC and BIC on the calibration
period, and how well each predicts the holdout -- the total number of repeat purchases and the
mean by calibration frequency (Fader, Hardie & Lee 2005a, Figure 4), the checks that the
literature uses to choose among these models (e.g. Batislam, Denizel & Filiztekin 2007; Jerath,
Fader & Hardie 2011). The model with the lowest holdout error is marked: a likelihood-based
criterion compares models on the data they were fitted to, the holdout on data they never saw.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from .._style import ACTUAL, PALETTE, get_ax
from .._validate import check_choice
from .evaluation import expected_vs_actual_by_frequency

__all__ = ["CRITERIA", "compare_models", "plot_model_comparison"]

CRITERIA = ("holdout_mae", "holdout_total_error", "aic", "bic")
"""What :func:`compare_models` can choose by (lower is better for every one)."""


def _holdout_errors(by_freq: pd.DataFrame) -> dict:
    """Total error and customer-weighted mean absolute error of the per-frequency means."""
    groups = by_freq.drop(index="total")
    total = by_freq.loc["total"]
    weights = groups["customers"].to_numpy(dtype=float)
    gap = np.abs(groups["expected"] - groups["actual"]).to_numpy(dtype=float)
    return {
        "holdout_expected": float(total["expected_total"]),
        "holdout_actual": float(total["actual_total"]),
        "holdout_total_error": float(abs(total["expected_total"] - total["actual_total"])),
        "holdout_error_pct": float((total["expected_total"] - total["actual_total"]) / total["actual_total"]),
        "holdout_mae": float(np.average(gap, weights=weights)) if weights.sum() else float("nan"),
    }


def compare_models(
    models: Mapping[str, object],
    summary: pd.DataFrame,
    max_frequency: int = 7,
    criterion: str = "holdout_mae",
) -> pd.DataFrame:
    """Calibration fit and holdout error of several fitted transaction models, one row each.

    For model m with k parameters, fitted on n customers: LL, AIC = 2k - 2 LL, BIC = k ln n - 2 LL
    (calibration); on the holdout, with E_i = E[Y(duration_holdout) | x_i, t_x,i, T_i] and Y_i the
    actual repeat purchases, the total error sum E_i - sum Y_i (and in % of sum Y_i), and
    ``holdout_mae`` = sum_g n_g |mean_g E - mean_g Y| / n over the calibration-frequency groups
    g = 0, 1, ..., max_frequency+ (the gaps of Fader, Hardie & Lee 2005a's Figure 4, weighted by
    the customers in each group).

    Parameters
    ----------
    models : mapping of name -> fitted model
        Transaction models fitted on ``summary``'s calibration columns (any crmlab BTYD model
        with ``_conditional_expected``: BetaGeo, ParetoNBD, ModifiedBetaGeo, ...).
    summary : pandas.DataFrame
        ``rfm_summary(..., calibration_end=..., observation_end=...)``, with the holdout columns.
    max_frequency : int
        The last frequency group collects x >= max_frequency.
    criterion : {"holdout_mae", "holdout_total_error", "aic", "bic"}
        What ``best`` (in ``attrs`` and the column) is chosen by; lower is better.

    Returns
    -------
    pandas.DataFrame
        Index ``model``; columns parameters, loglik, aic, bic, holdout_expected, holdout_actual,
        holdout_total_error, holdout_error_pct, holdout_mae, best (bool). ``attrs``: ``best``
        (its name), ``criterion`` and ``by_frequency`` (name -> the table of
        :func:`expected_vs_actual_by_frequency`), for :func:`plot_model_comparison`.
    """
    check_choice("criterion", criterion, list(CRITERIA), where="compare_models")
    if not models:
        raise ValueError(
            "compare_models: give at least one fitted model, e.g. {'BG/NBD': BetaGeo().fit(...)}"
        )
    rows, by_frequency = {}, {}
    for name, model in models.items():  # a handful of models, each vectorised over customers
        table = expected_vs_actual_by_frequency(model, summary, max_frequency=max_frequency)
        by_frequency[name] = table
        rows[name] = {
            "parameters": len(model.params_),
            "loglik": model.loglik_,
            "aic": model.aic_,
            "bic": model.bic_,
            **_holdout_errors(table),
        }
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "model"
    best = out[criterion].idxmin()
    out["best"] = out.index == best
    out.attrs.update(best=best, criterion=criterion, by_frequency=by_frequency)
    return out


def plot_model_comparison(comparison: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Mean holdout purchases by calibration frequency: actual and each model's expectation.

    Parameters
    ----------
    comparison : pandas.DataFrame
        :func:`compare_models` output (its ``attrs["by_frequency"]``).
    ax : matplotlib Axes, optional
        Where to draw; default a new figure.

    Returns
    -------
    matplotlib.axes.Axes
    """
    tables = comparison.attrs["by_frequency"]
    ax = get_ax(ax, figsize=(7.5, 4.5))
    first = next(iter(tables.values())).drop(index="total")
    x = np.arange(len(first))
    ax.plot(x, first["actual"], color=ACTUAL, marker="o", lw=2, label="actual")
    for colour, (name, table) in zip(PALETTE[1:], tables.items()):
        ax.plot(x, table.drop(index="total")["expected"], marker=".", ls="--", color=colour, label=name)
    ax.set_xticks(x, list(first.index))
    ax.set(
        xlabel="repeat purchases in the calibration period",
        ylabel="mean repeat purchases in the holdout",
        title="Holdout purchases by calibration frequency",
    )
    ax.legend()
    return ax
