"""Evaluating uplift scores on an experiment: Qini and uplift curves, Qini coefficient, deciles.

Rank customers by predicted uplift, best first; after the top fraction ``phi`` let ``N_T``,
``N_C`` be the treated and control customers so far and ``R_T``, ``R_C`` their responses (or
summed revenue). Then (Radcliffe 2007; Rzepakowski & Jaroszewicz 2012)

* Qini curve ``Q(phi) = R_T - R_C N_T / N_C``: incremental responses among the treated so far;
* uplift curve ``U(phi) = (R_T / N_T - R_C / N_C)(N_T + N_C)``: the same for everybody so far;
* random targeting is the straight line ``phi Q(1)``;
* Qini coefficient ``q = integral_0^1 (Q(phi) - phi Q(1)) dphi / N_T(1)``: the area between the
  curve and the random line, per treated customer (0 = no better than random; the oracle that
  knows each customer's true uplift gives the best attainable value on the same data).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from numpy.typing import ArrayLike

from .._style import NEUTRAL, PALETTE, get_ax
from .._validate import check_number

__all__ = ["qini_curve", "qini_coefficient", "uplift_by_decile", "plot_qini", "plot_uplift_by_decile"]


def _sorted_arms(score, treatment, y):
    score, t, y = np.asarray(score, float), np.asarray(treatment).astype(bool), np.asarray(y, float)
    if not (len(score) == len(t) == len(y)):
        raise ValueError("qini: score, treatment and y must have the same length")
    if t.all() or not t.any():
        raise ValueError("qini: needs treated and control customers")
    order = np.argsort(-score, kind="stable")
    return score[order], t[order], y[order]


def _cumulative(score, treatment, y) -> pd.DataFrame:
    s, t, y = _sorted_arms(score, treatment, y)
    n_t, n_c = np.cumsum(t), np.cumsum(~t)
    r_t, r_c = np.cumsum(y * t), np.cumsum(y * ~t)
    last = np.r_[s[1:] != s[:-1], True]  # tied scores enter together
    n_t, n_c, r_t, r_c = n_t[last], n_c[last], r_t[last], r_c[last]
    with np.errstate(divide="ignore", invalid="ignore"):
        qini = r_t - np.where(n_c > 0, r_c * n_t / n_c, 0.0)
        uplift = np.where((n_t > 0) & (n_c > 0), (r_t / n_t - r_c / n_c) * (n_t + n_c), 0.0)
    frame = pd.DataFrame(
        {
            "fraction": (n_t + n_c) / len(s),
            "n_treated": n_t,
            "n_control": n_c,
            "responses_treated": r_t,
            "responses_control": r_c,
            "qini": qini,
            "uplift": uplift,
        }
    )
    start = pd.DataFrame([dict.fromkeys(frame.columns, 0.0)])
    frame = pd.concat([start, frame], ignore_index=True)
    frame["random"] = frame["fraction"] * frame["qini"].iloc[-1]
    return frame


def qini_coefficient(score: ArrayLike, treatment: ArrayLike, y: ArrayLike) -> float:
    """Qini coefficient of a score (module docstring): area above random per treated customer.

    Q = integral over the targeted fraction of (Qini curve - random line), divided by the
    number of treated customers (Radcliffe 2007).

    Parameters
    ----------
    score : array-like
        Predicted uplift (higher = contact first).
    treatment : array-like of bool
        Treated (True) or control.
    y : array-like
        Response (0/1) or revenue.

    Returns
    -------
    float
        The Qini coefficient (0: no better than random targeting).
    """
    c = _cumulative(score, treatment, y)
    gap = c["qini"] - c["random"]
    return float(np.trapezoid(gap, c["fraction"]) / c["n_treated"].iloc[-1])


def qini_curve(score: ArrayLike, treatment: ArrayLike, y: ArrayLike, n_points: int = 101) -> pd.DataFrame:
    """Qini and uplift curves of a score, at ``n_points`` evenly spaced fractions.

    Parameters
    ----------
    score : array-like
        Predicted uplift (higher = contact first).
    treatment : array-like of bool
        Treated (True) or control.
    y : array-like
        Response (0/1) or revenue.
    n_points : int
        Points returned (the coefficient uses every customer).

    Returns
    -------
    DataFrame
        ``fraction``, ``n_treated``, ``n_control``, ``responses_treated``,
        ``responses_control``, ``qini``, ``uplift``, ``random``; ``attrs["qini_coefficient"]``.
    """
    n_points = check_number("n_points", n_points, lo=2, integer=True, where="qini_curve")
    c = _cumulative(score, treatment, y)
    grid = np.linspace(0, 1, n_points)
    at = np.minimum(np.searchsorted(c["fraction"].to_numpy(), grid - 1e-12), len(c) - 1)
    out = c.iloc[at].reset_index(drop=True)
    out.attrs["qini_coefficient"] = qini_coefficient(score, treatment, y)
    return out


def uplift_by_decile(score: ArrayLike, treatment: ArrayLike, y: ArrayLike, q: int = 10) -> pd.DataFrame:
    """Observed uplift in each group of predicted uplift (1 = highest predicted).

    Parameters
    ----------
    score, treatment, y : array-like
        As for :func:`qini_curve`.
    q : int
        Number of groups.

    Returns
    -------
    DataFrame
        Per group: ``n_treated``, ``n_control``, ``rate_treated``, ``rate_control``,
        ``observed_uplift`` = their difference, ``predicted_uplift`` (mean score).
    """
    q = check_number("q", q, lo=2, integer=True, where="uplift_by_decile")
    s, t, y = _sorted_arms(score, treatment, y)
    group = np.minimum(np.arange(len(s)) * q // len(s), q - 1) + 1
    frame = pd.DataFrame({"group": group, "t": t, "y": y, "score": s})
    g = frame.groupby("group")
    out = pd.DataFrame(
        {
            "n_treated": g["t"].sum(),
            "n_control": (~frame["t"]).groupby(frame["group"]).sum(),
            "rate_treated": frame["y"].where(frame["t"]).groupby(frame["group"]).mean(),
            "rate_control": frame["y"].where(~frame["t"]).groupby(frame["group"]).mean(),
            "predicted_uplift": g["score"].mean(),
        }
    )
    out.insert(4, "observed_uplift", out["rate_treated"] - out["rate_control"])
    return out


def plot_qini(curves, ax=None, per_treated: bool = False) -> Axes:
    """Qini curves (one or a dict of named ones) with the random-targeting line.

    Parameters
    ----------
    curves : DataFrame or dict of DataFrame
        :func:`qini_curve` output(s); the legend shows each Qini coefficient.
    ax : matplotlib Axes, optional
    per_treated : bool
        Divide by the number of treated customers (incremental response rate).

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = get_ax(ax)
    curves = curves if isinstance(curves, dict) else {"model": curves}
    for i, (name, c) in enumerate(curves.items()):
        scale = c["n_treated"].iloc[-1] if per_treated else 1.0
        q = c.attrs.get("qini_coefficient", np.nan)
        ax.plot(
            c["fraction"], c["qini"] / scale, color=PALETTE[i % len(PALETTE)], label=f"{name} (Qini {q:.3f})"
        )
    last = next(iter(curves.values()))
    scale = last["n_treated"].iloc[-1] if per_treated else 1.0
    ax.plot([0, 1], [0, last["qini"].iloc[-1] / scale], ls="--", color=NEUTRAL, label="random")
    ax.set_xlabel("share of customers targeted (by predicted uplift)")
    ax.set_ylabel("incremental responses" + (" per treated customer" if per_treated else ""))
    ax.set_title("Qini curve")
    ax.legend(fontsize=8)
    return ax


def plot_uplift_by_decile(table: pd.DataFrame, ax=None) -> Axes:
    """Observed (bars) against predicted (line) uplift per group of :func:`uplift_by_decile`.

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`uplift_by_decile` output (observed_uplift, predicted_uplift per group).
    ax : matplotlib.axes.Axes, optional
        Drawn on if given, else on a new figure.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.
    """
    ax = get_ax(ax)
    x = np.arange(len(table))
    ax.bar(
        x,
        table["observed_uplift"],
        color=[PALETTE[0] if v >= 0 else PALETTE[3] for v in table["observed_uplift"]],
        label="observed",
    )
    ax.plot(x, table["predicted_uplift"], "o-", color="black", label="predicted")
    ax.axhline(0, color=NEUTRAL, lw=0.8)
    ax.set_xticks(x, [str(i) for i in table.index])
    ax.set_xlabel("group of predicted uplift (1 = highest)")
    ax.set_ylabel("uplift (treated - control response rate)")
    ax.set_title("Uplift by group")
    ax.legend(fontsize=8)
    return ax
