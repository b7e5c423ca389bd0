"""Figures of the satisfaction analyses; every plot is ``plot_x(result, ax=None, ...) -> Axes``.

:func:`plot_trap` draws two panels: it takes ``axes=None`` (two Axes) and returns the array of
Axes. Colours come from :mod:`crmlab._style`; a plot that makes its own figure lays it out, one
drawn on given Axes leaves the figure to the caller.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from matplotlib.colors import to_rgba

from .._style import ACTUAL, GAIN, LOSS, MODEL, NEUTRAL, PALETTE, get_ax, get_axes

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from .asymmetry import KanoAnalysis, PenaltyReward
    from .loyalty_types import LoyaltyTypes
    from .paradox import SatisfactionParadox
    from .trap import TrapAnalysis

__all__ = ["plot_trap", "plot_penalty_reward", "plot_kano", "plot_paradox", "plot_types"]

_DRIVER_COLOURS = {"basic": PALETTE[0], "latent": PALETTE[1]}
_FAINT = to_rgba(NEUTRAL, 0.3)  # attributes without a class
_PR_COLOURS = {
    "dissatisfier": LOSS,
    "hybrid": NEUTRAL,
    "satisfier": GAIN,
    "too few answers": _FAINT,
    "wrong sign": _FAINT,
}
_KANO_COLOURS = dict(
    zip(["attractive", "one-dimensional", "must-be", "indifferent", "reverse", "questionable"], PALETTE)
)


def _finish(ax, made: bool):
    if made:
        ax.figure.tight_layout()
    return ax


# --------------------------------------------------------------------------- the trap


def _trap_saturation(result: TrapAnalysis, ax, ax_me) -> None:
    """The saturating form's marginal effect, phi of its maximum and the saturation point."""
    s = result.saturation
    col = _DRIVER_COLOURS["basic"]
    sc = result.saturating_curves[result.saturating_curves["driver"] == "basic"]
    ax_me.plot(sc["x"], sc["marginal_effect"], color=col, ls="--", lw=1.2, label="basic, saturating form")
    ax_me.axhline(
        s["fraction"] * s["max_marginal_effect"],
        color=col,
        ls=":",
        lw=1,
        label=f"{s['fraction']:.0%} of its maximum (at {s['scale_bottom']:g})",
    )
    point = result.saturation_point
    ax.axvline(point, color=col, ls=":", lw=1.5, label=f"basic saturation point {point:.1f}")
    ax_me.axvline(point, color=col, ls=":", lw=1.5)


def plot_trap(result: TrapAnalysis, axes=None) -> np.ndarray:
    """Loyalty against each driver (curve, 95 % band, partial-residual bin means) and the marginal effects.

    Parameters
    ----------
    result : TrapAnalysis
        From :func:`trap_analysis`.
    axes : sequence of two Axes, optional
        Loyalty panel and marginal-effect panel; default a new figure.

    Returns
    -------
    numpy.ndarray
        The two Axes.
    """
    made = axes is None
    axes = get_axes(axes, n=2, figsize=(11, 4.2))
    ax, ax_me = axes[0], axes[1]
    for role, label in result.drivers.items():
        c = result.curves[result.curves["driver"] == role]
        b = result.bins[result.bins["driver"] == role]
        col = _DRIVER_COLOURS[role]
        shape = result.shape_tests.loc[role, "shape"]
        ax.plot(c["x"], c["loyalty"], color=col, lw=2, label=f"{role}: {label} ({shape})")
        ax.fill_between(c["x"], c["loyalty_low"], c["loyalty_high"], color=col, alpha=0.2, lw=0)
        ax.scatter(b["x"], b["loyalty"], s=12 + 40 * b["n"] / b["n"].max(), color=col, alpha=0.6)
        ax_me.plot(c["x"], c["marginal_effect"], color=col, lw=2, label=role)
        ax_me.fill_between(
            c["x"], c["marginal_effect_low"], c["marginal_effect_high"], color=col, alpha=0.2, lw=0
        )
    ax.axhline(result.average_loyalty, color=NEUTRAL, ls="--", lw=1, label="average loyalty")
    if np.isfinite(result.saturation_point):
        _trap_saturation(result, ax, ax_me)
    ax_me.axhline(0.0, color=NEUTRAL, lw=0.8)
    calibrated = any(v < 1.0 for v in result.reliability.values())
    xlabel = "satisfaction score" + (" (reliability-calibrated)" if calibrated else "")
    ax.set(
        xlabel=xlabel,
        ylabel=f"loyalty ({result.loyalty})",
        title="Loyalty against satisfaction (other driver at its mean)",
    )
    ax_me.set(
        xlabel=xlabel, ylabel="marginal effect on loyalty", title="Marginal effect, 95 % bootstrap band"
    )
    ax.legend(fontsize=8, loc="upper left")
    ax_me.legend(fontsize=8)
    if made:
        ax.figure.tight_layout()
    return axes


# --------------------------------------------------------------------------- asymmetry


def plot_penalty_reward(result: PenaltyReward, ax=None) -> Axes:
    """Penalty (left) and reward (right) per attribute with CIs, coloured by class.

    Parameters
    ----------
    result : PenaltyReward
        From :func:`penalty_reward`.
    ax : matplotlib Axes, optional
        Where to draw; default a new figure.

    Returns
    -------
    matplotlib.axes.Axes
    """
    t = result.table
    made = ax is None
    ax = get_ax(ax, figsize=(8, 0.45 * len(t) + 1.5))
    ypos = np.arange(len(t))
    colours = [_PR_COLOURS[c] for c in t["category"]]
    for key in ("penalty", "reward"):
        ax.barh(ypos, t[key], color=colours, alpha=0.8)
    for key in ("penalty", "reward"):
        xerr = [t[key] - t[f"{key}_low"], t[f"{key}_high"] - t[key]]
        ax.errorbar(t[key], ypos, xerr=xerr, fmt="none", ecolor=ACTUAL, lw=1)
    ax.set_yticks(
        ypos, [f"{a} ({c}, IA {ia:+.2f})" for a, c, ia in zip(t.index, t["category"], t["impact_asymmetry"])]
    )
    ax.axvline(0, color=ACTUAL, lw=0.8)
    ax.set(
        xlabel=f"penalty (answer <= {result.low:g})  |  reward (answer >= {result.high:g})",
        title=f"Penalty-reward contrast analysis on {result.overall}",
    )
    ax.spines[["top", "right"]].set_visible(False)
    return _finish(ax, made)


def plot_kano(result: KanoAnalysis, ax=None, labels: dict | None = None) -> Axes:
    """Better against |Worse|: attractive top-left, one-dimensional top-right, must-be bottom-right.

    Parameters
    ----------
    result : KanoAnalysis
        From :func:`kano_analysis`.
    ax : matplotlib Axes, optional
        Where to draw; default a new figure.
    labels : dict, optional
        Display name per attribute.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import seaborn as sns

    t = result.table
    made = ax is None
    ax = get_ax(ax, figsize=(6.5, 5.5))
    sns.scatterplot(x=-t["worse"], y=t["better"], hue=t["category_name"], palette=_KANO_COLOURS, s=80, ax=ax)
    # labels of nearby points staggered vertically so they do not overlap
    order = np.lexsort((t["better"].to_numpy(), -t["worse"].to_numpy()))
    for rank, i in enumerate(order):
        a, row = t.index[i], t.iloc[i]
        ax.annotate(
            (labels or {}).get(a, a),
            (-row["worse"], row["better"]),
            fontsize=8,
            xytext=(5, 4 - 11 * (rank % 3)),
            textcoords="offset points",
        )
    ax.axhline(0.5, color=NEUTRAL, lw=0.8)
    ax.axvline(0.5, color=NEUTRAL, lw=0.8)
    corners = {
        (0.25, 0.97): "attractive",
        (0.75, 0.97): "one-dimensional",
        (0.75, 0.03): "must-be",
        (0.25, 0.03): "indifferent",
    }
    for (x, y_), text in corners.items():
        ax.text(x, y_, text, ha="center", va="center", color=NEUTRAL, fontsize=9, transform=ax.transAxes)
    ax.set(
        xlim=(0, 1),
        ylim=(0, 1),
        xlabel="|Worse|: dissatisfaction if absent",
        ylabel="Better: satisfaction if present",
        title="Kano plot (Berger et al. 1993)",
    )
    ax.legend(title="modal category", fontsize=8)
    return _finish(ax, made)


# --------------------------------------------------------------------------- paradox and types


def plot_paradox(result: SatisfactionParadox, ax=None) -> Axes:
    """Repurchase rate per satisfaction score (Wilson CIs) with the logistic curve.

    Parameters
    ----------
    result : SatisfactionParadox
        From :func:`satisfaction_paradox`.
    ax : matplotlib Axes, optional
        Where to draw; default a new figure.

    Returns
    -------
    matplotlib.axes.Axes
    """
    b = result.by_score
    made = ax is None
    ax = get_ax(ax, figsize=(7, 4))
    x = b.index.to_numpy(dtype=float)
    ax.errorbar(
        x,
        b["repurchase_rate"],
        yerr=[b["repurchase_rate"] - b["ci_low"], b["ci_high"] - b["repurchase_rate"]],
        fmt="o",
        color=ACTUAL,
        ms=4,
        lw=1,
        label="observed (95 % Wilson CI)",
    )
    ax.plot(x, b["logit_p"], color=MODEL, lw=2, label="logistic model")
    ax.fill_between(x, b["logit_low"], b["logit_high"], color=MODEL, alpha=0.2, lw=0)
    c = result.cutoffs
    ax.axvspan(
        c["satisfied"] - 0.5, c["very_satisfied"] - 0.5, color=NEUTRAL, alpha=0.15, lw=0, label="satisfied"
    )
    ax.axvspan(c["very_satisfied"] - 0.5, x.max() + 0.5, color=GAIN, alpha=0.15, lw=0, label="very satisfied")
    ax.set(
        xlabel=f"satisfaction score ({c['score']})",
        ylabel="share who bought again",
        title="Repurchase by satisfaction",
        ylim=(0, 1),
    )
    ax.legend(fontsize=8, loc="lower right")
    return _finish(ax, made)


def plot_types(result: LoyaltyTypes, ax=None, seed: int = 0) -> Axes:
    """The satisfaction x loyalty types of a survey: :func:`crmlab.loyalty.plot_satisfaction_loyalty`.

    Kept under this name for existing code; the plot has one home in :mod:`crmlab.loyalty`.

    Parameters
    ----------
    result : LoyaltyTypes
        From :func:`satisfaction_loyalty_types`.
    ax : matplotlib Axes, optional
        Where to draw; default a new figure.
    seed : int
        Seeds the horizontal jitter (the loyalty cut stays exact).

    Returns
    -------
    matplotlib.axes.Axes
    """
    from ..loyalty import plot_satisfaction_loyalty

    made = ax is None
    return _finish(plot_satisfaction_loyalty(result, ax=ax, sample=None, seed=seed), made)
