"""Asymmetric satisfaction drivers: penalty-reward contrasts, impact asymmetry and Kano's categories.

* :func:`penalty_reward` -- penalty-reward contrast analysis (Brandt 1987) and
  impact-asymmetry classes (Mikulic & Prebezac 2008).
* :func:`kano_analysis` -- Kano et al. (1984) evaluation table, modal category,
  Better / Worse coefficients of Berger et al. (1993).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import statsmodels.api as sm

from .._validate import bad_rows, check_number, data_error
from ._items import as_items, check_survey, numeric_items, score

__all__ = [
    "KANO_TABLE",
    "KANO_CATEGORIES",
    "KANO_TIE_ORDER",
    "PenaltyReward",
    "penalty_reward",
    "kano_classify",
    "KanoAnalysis",
    "kano_analysis",
]

# --------------------------------------------------------------------------- penalty-reward


@dataclass
class PenaltyReward:
    """Result of :func:`penalty_reward`: ``table`` per attribute, the statsmodels fit in ``fit_``."""

    table: pd.DataFrame
    overall: str
    low: float
    high: float
    ia_threshold: float
    fit_: object = field(repr=False, default=None)

    def summary(self) -> pd.DataFrame:
        """Penalty, reward (with CIs), impact asymmetry and class per attribute.

        Returns
        -------
        pandas.DataFrame
            One row per attribute (a copy of ``table``).
        """
        return self.table.copy()

    def plot(self, ax=None):
        """Penalty and reward bars per attribute (see :func:`plot_penalty_reward`).

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Drawn on if given, else on a new figure.

        Returns
        -------
        matplotlib.axes.Axes
            The Axes drawn on.
        """
        from .plots import plot_penalty_reward

        return plot_penalty_reward(self, ax=ax)


def _box_dummies(frame: pd.DataFrame, attributes: list, low, high, min_count: int):
    """Bottom-box and top-box dummies with at least ``min_count`` answers in and out of the box."""
    cols, names, counts = [], [], {}
    for a in attributes:
        lo_d = (frame[a] <= low).astype(float)
        hi_d = (frame[a] >= high).astype(float)
        counts[a] = (int(lo_d.sum()), int(hi_d.sum()))
        for kind, dummy in (("low", lo_d), ("high", hi_d)):
            if dummy.sum() >= min_count and (len(dummy) - dummy.sum()) >= min_count:
                cols.append(dummy.to_numpy())
                names.append((a, kind))
    return cols, names, counts


def _category(has_both: bool, ia: float, ia_threshold: float) -> str:
    if not has_both:
        return "too few answers"
    if not np.isfinite(ia):
        return "wrong sign"  # a bottom box that raises, or a top box that lowers, the outcome
    if ia < -ia_threshold:
        return "dissatisfier"
    if ia > ia_threshold:
        return "satisfier"
    return "hybrid"


def _attribute_row(a: str, fit, ci: np.ndarray, pos: dict, counts: dict, ia_threshold: float) -> dict:
    """Penalty, reward, their CIs, impact asymmetry, the symmetry test and the class of one attribute."""
    row = {"attribute": a, "n_low": counts[a][0], "n_high": counts[a][1]}
    for kind, key in (("low", "penalty"), ("high", "reward")):
        j = pos.get((a, kind))
        row[key] = fit.params[j] if j is not None else np.nan
        row[f"{key}_low"] = ci[j, 0] if j is not None else np.nan
        row[f"{key}_high"] = ci[j, 1] if j is not None else np.nan
    pen, rew = row["penalty"], row["reward"]
    denom = rew + abs(pen)
    signs_ok = bool(np.isfinite(denom) and pen <= 0 <= rew and denom > 0)
    row["impact_range"] = denom
    row["impact_asymmetry"] = (rew - abs(pen)) / denom if signs_ok else np.nan
    has_both = (a, "low") in pos and (a, "high") in pos
    row["asymmetry_p"] = np.nan
    if has_both:
        contrast = np.zeros(len(fit.params))
        contrast[pos[(a, "low")]] = 1.0
        contrast[pos[(a, "high")]] = 1.0
        row["asymmetry_p"] = float(np.asarray(fit.t_test(contrast).pvalue))
    row["category"] = _category(has_both, row["impact_asymmetry"], ia_threshold)
    return row


def penalty_reward(
    survey: pd.DataFrame,
    attributes: Sequence[str],
    overall="overall_satisfaction",
    *,
    low: float = 4,
    high: float = 9,
    level: float = 0.95,
    ia_threshold: float = 0.2,
    min_count: int = 10,
    table: str = "survey",
) -> PenaltyReward:
    """Penalty-reward contrast analysis with impact-asymmetry classes.

    For each attribute two dummies: bottom box ``answer <= low`` and top box
    ``answer >= high`` (the middle answers are the reference). OLS of ``overall`` on all
    dummies (HC3 errors): the bottom-box coefficient is the **penalty** (drop in overall
    satisfaction for low performance), the top-box coefficient the **reward**.
    Impact asymmetry ``IA = (reward - |penalty|) / (reward + |penalty|)`` in [-1, 1]
    (Mikulic & Prebezac 2008, who index SGP = reward/range and DGP = |penalty|/range);
    classes: ``IA < -ia_threshold`` dissatisfier (basic factor), ``IA > ia_threshold``
    satisfier (excitement factor), else hybrid (performance factor); the +-0.2 band is
    the zone convention of impact-asymmetry analysis, a rule of thumb, not a test. The
    Wald test ``reward + penalty = 0`` (symmetric impact) is reported as ``asymmetry_p``.
    A dummy with fewer than ``min_count`` answers is dropped and its attribute gets
    class "too few answers"; a positive penalty or negative reward gets "wrong sign".
    Default boxes 1-4 / 9-10 suit 1..10 and 0..10 scales.

    Sources: Brandt (1987) Quality Progress 20(10); Mikulic & Prebezac (2008) Managing
    Service Quality 18(6):559-576; Matzler & Sauerwein (2002) on the three-factor theory.

    Parameters
    ----------
    survey : pandas.DataFrame
        One row per respondent.
    attributes : list of str
        Attribute rating columns.
    overall : str or list of str
        The outcome: a column, or item columns averaged into a score.
    low, high : float
        Bottom box ``<= low``, top box ``>= high`` (``low < high``).
    level : float
        Confidence level of the CIs, in (0.5, 1).
    ia_threshold : float
        Half-width of the hybrid zone of impact asymmetry, in [0, 1).
    min_count : int
        Fewest answers a box (and its complement) needs to enter the model.
    table : str
        Name of the table in error messages.

    Returns
    -------
    PenaltyReward
        ``table`` per attribute and the statsmodels fit.
    """
    check_survey(survey, table, "penalty_reward")
    attributes = as_items(attributes, "attributes")
    if not low < high:
        raise ValueError(f"low must be below high, not low={low!r}, high={high!r}")
    check_number("level", level, lo=0.5, hi=1, lo_open=True, hi_open=True, where="penalty_reward")
    check_number("ia_threshold", ia_threshold, lo=0, hi=1, hi_open=True, where="penalty_reward")
    check_number("min_count", min_count, lo=1, integer=True, where="penalty_reward")
    if overall in attributes:
        raise ValueError(f"overall ({overall!r}) cannot also be an attribute")
    y_raw, y_label, _ = score(survey, overall, "overall", table)
    items = numeric_items(survey, attributes, table)
    frame = pd.concat([y_raw.rename("__y"), items], axis=1).dropna()
    if len(frame) < 3 * len(attributes) + 10:
        raise data_error(
            table, None, f"only {len(frame)} complete rows for {len(attributes)} attributes", n_bad=len(frame)
        )
    cols, names, counts = _box_dummies(frame, attributes, low, high, min_count)
    if not cols:
        raise data_error(
            table, None, f"no attribute has {min_count} answers in a box (<= {low} or >= {high})", n_bad=0
        )
    X = sm.add_constant(np.column_stack(cols), has_constant="add")
    fit = sm.OLS(frame["__y"].to_numpy(), X).fit(cov_type="HC3")
    ci = fit.conf_int(alpha=1.0 - level)
    pos = {nm: i + 1 for i, nm in enumerate(names)}
    rows = [_attribute_row(a, fit, ci, pos, counts, ia_threshold) for a in attributes]
    out = pd.DataFrame(rows).set_index("attribute")
    return PenaltyReward(table=out, overall=y_label, low=low, high=high, ia_threshold=ia_threshold, fit_=fit)


# --------------------------------------------------------------------------- Kano

# Kano et al. (1984) evaluation table: rows functional answer 1..5, columns dysfunctional
# answer 1..5 (1 like, 2 must-be / expect it, 3 neutral, 4 can live with it, 5 dislike).
KANO_TABLE = np.array(
    [
        ["Q", "A", "A", "A", "O"],
        ["R", "I", "I", "I", "M"],
        ["R", "I", "I", "I", "M"],
        ["R", "I", "I", "I", "M"],
        ["R", "R", "R", "R", "Q"],
    ]
)
KANO_CATEGORIES = {
    "A": "attractive",
    "O": "one-dimensional",
    "M": "must-be",
    "I": "indifferent",
    "R": "reverse",
    "Q": "questionable",
}
# Ties between categories are broken M > O > A > I (Berger et al. 1993), then R, Q.
KANO_TIE_ORDER = ["M", "O", "A", "I", "R", "Q"]
_KANO_SCALE = [1, 2, 3, 4, 5]


def kano_classify(functional, dysfunctional) -> np.ndarray:
    """Kano category (A, O, M, I, R, Q) of each functional/dysfunctional answer pair.

    Lookup in the standard evaluation table ``KANO_TABLE`` (answers 1..5); missing
    answers give ``None``. Source: Kano, Seraku, Takahashi & Tsuji (1984); Berger et al. (1993).

    Parameters
    ----------
    functional, dysfunctional : array-like
        Answers 1..5 to the functional ("if it has ...") and dysfunctional ("if it lacks ...")
        question, one per respondent.

    Returns
    -------
    numpy.ndarray
        Object array of category letters (``None`` where an answer is missing).
    """
    f = pd.to_numeric(pd.Series(np.asarray(functional, dtype=object)), errors="coerce").to_numpy(float)
    g = pd.to_numeric(pd.Series(np.asarray(dysfunctional, dtype=object)), errors="coerce").to_numpy(float)
    if f.shape != g.shape:
        raise ValueError(f"functional and dysfunctional answers differ in length ({len(f)} vs {len(g)})")
    raw_f = np.asarray(functional, dtype=object)
    raw_g = np.asarray(dysfunctional, dtype=object)
    given = pd.notna(raw_f) & pd.notna(raw_g)
    bad = given & ~(np.isin(f, _KANO_SCALE) & np.isin(g, _KANO_SCALE))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"Kano answers must be 1..5; {int(bad.sum())} pairs are not "
            f"(first: functional={raw_f[i]!r}, dysfunctional={raw_g[i]!r} at position {i})"
        )
    out = np.full(len(f), None, dtype=object)
    ok = given & ~bad
    out[ok] = KANO_TABLE[f[ok].astype(int) - 1, g[ok].astype(int) - 1]
    return out


@dataclass
class KanoAnalysis:
    """Result of :func:`kano_analysis`: counts per attribute and category, shares, Better/Worse."""

    counts: pd.DataFrame
    table: pd.DataFrame

    def summary(self) -> pd.DataFrame:
        """Per attribute: n, counts A O M I R Q, modal category, Better, Worse.

        Returns
        -------
        pandas.DataFrame
            One row per attribute (a copy of ``table``); Better and Worse after Berger et al. (1993).
        """
        return self.table.copy()

    def plot(self, ax=None, labels=None):
        """Better against |Worse| (see :func:`plot_kano`).

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Drawn on if given, else on a new figure.
        labels : dict, optional
            Attribute -> label shown (default: the attribute names).

        Returns
        -------
        matplotlib.axes.Axes
            The Axes drawn on.
        """
        from .plots import plot_kano

        return plot_kano(self, ax=ax, labels=labels)


def _kano_attributes(survey: pd.DataFrame, functional: str, dysfunctional: str, table: str) -> list:
    """Every attribute with both a functional and a dysfunctional answer column."""
    pre, post = functional.split("{}", 1)
    found = []
    for c in survey.columns:
        if not (isinstance(c, str) and c.startswith(pre) and c.endswith(post)):
            continue
        a = c[len(pre) : len(c) - len(post) if post else None]
        if dysfunctional.format(a) in survey.columns:
            found.append(a)
    if not found:
        raise data_error(table, functional.format("*"), "no Kano answer columns found", n_bad=0)
    return found


def _kano_row(survey: pd.DataFrame, a: str, functional: str, dysfunctional: str, table: str):
    """Category counts and the table row (modal category, Better, Worse) of one attribute."""
    fc, dc = functional.format(a), dysfunctional.format(a)
    values = numeric_items(survey, [fc, dc], table)
    bad = (values.notna().all(axis=1) & ~values.isin(_KANO_SCALE).all(axis=1)).to_numpy()
    if bad.any():
        what = f"hold answer pairs of {a!r} that are not on the Kano scale 1..5"
        raise bad_rows(survey, bad, table, fc, what, ["customer_id", fc, dc])
    cat = pd.Series(kano_classify(values[fc].to_numpy(), values[dc].to_numpy()))
    c = cat.value_counts().reindex(list(KANO_CATEGORIES), fill_value=0)
    c.name = a
    n = int(c.sum())
    if n == 0:
        raise data_error(table, fc, f"attribute {a!r} has no complete answer pair", n_bad=len(survey))
    order = sorted(KANO_TIE_ORDER, key=lambda k: (-c[k], KANO_TIE_ORDER.index(k)))
    base = c["A"] + c["O"] + c["M"] + c["I"]
    row = {
        "attribute": a,
        "n": n,
        **{k: int(c[k]) for k in KANO_CATEGORIES},
        "category": order[0],
        "category_name": KANO_CATEGORIES[order[0]],
        "modal_share": c[order[0]] / n,
        "better": (c["A"] + c["O"]) / base if base else np.nan,
        "worse": -(c["O"] + c["M"]) / base if base else np.nan,
    }
    return c, row


def kano_analysis(
    survey: pd.DataFrame,
    attributes: Sequence[str] | None = None,
    *,
    functional: str = "kano_functional_{}",
    dysfunctional: str = "kano_dysfunctional_{}",
    table: str = "survey",
) -> KanoAnalysis:
    """Kano classification per attribute with Berger et al.'s Better/Worse coefficients.

    Each respondent's answer pair is classified with ``KANO_TABLE``; per attribute the
    modal category wins (ties M > O > A > I, then R, Q). ``Better = (A+O)/(A+O+M+I)``,
    ``Worse = -(O+M)/(A+O+M+I)`` (reverse and questionable answers left out).

    Sources: Kano et al. (1984) Hinshitsu 14(2); Berger et al. (1993) Center for Quality
    of Management Journal 2(4):3-36.

    Parameters
    ----------
    survey : pandas.DataFrame
        One row per respondent with the Kano answer columns (1..5).
    attributes : list of str, optional
        The attributes; ``None`` finds every attribute that has both columns.
    functional, dysfunctional : str
        Column-name patterns filled with the attribute (``"{}"`` marks where).
    table : str
        Name of the table in error messages.

    Returns
    -------
    KanoAnalysis
        ``counts`` per attribute and category; ``table`` with modal category, Better, Worse.
    """
    check_survey(survey, table, "kano_analysis")
    if "{}" not in functional or "{}" not in dysfunctional:
        raise ValueError("functional and dysfunctional must be patterns with '{}' for the attribute")
    if attributes is None:
        attributes = _kano_attributes(survey, functional, dysfunctional, table)
    attributes = as_items(attributes, "attributes")
    counts, rows = [], []
    for a in attributes:
        c, row = _kano_row(survey, a, functional, dysfunctional, table)
        counts.append(c)
        rows.append(row)
    return KanoAnalysis(
        counts=pd.DataFrame(counts).rename_axis("attribute"), table=pd.DataFrame(rows).set_index("attribute")
    )
