"""Small helpers that let a notebook's text come from its results.

A notebook reads right on any data when every sentence that quotes a number computes it:
``say(f"The top decile holds {pct(share)} of predicted spend.")`` renders Markdown from the
result objects, so a report built on a user's file says what that file shows. The helpers here
keep those cells short:

* :func:`show_parameters` prints what a notebook ran with (a report without code still shows it);
* :func:`say` renders a reading as Markdown; :func:`pct`, :func:`num`, :func:`money`,
  :func:`span`, :func:`pval` and :func:`compare` format the numbers and words in it;
* :func:`requires` checks that a section's table or columns are present and, when they are not,
  shows one sentence saying what is missing and how to add it, so the section is skipped and the
  notebook goes on;
* :func:`contrast` and :func:`row_recall` give the few derived figures readings quote
  (the widest gap between the levels of a profiling variable; per-class hit rates);
* :func:`holdout_split` derives the calibration / holdout dates from the data when they are
  not given (the rule is in its docstring).
"""

from __future__ import annotations

import math
import pprint
from collections.abc import Iterable, Sequence
from numbers import Real

import numpy as np
import pandas as pd

from ._validate import resolve_observation_end

__all__ = [
    "show_parameters",
    "say",
    "pct",
    "num",
    "orders",
    "money",
    "span",
    "pval",
    "compare",
    "requires",
    "TABLE_HINTS",
    "holdout_split",
    "DEFAULT_HOLDOUT_WEEKS",
    "contrast",
    "row_recall",
]

DEFAULT_HOLDOUT_WEEKS = 39
"""Longest holdout :func:`holdout_split` chooses by itself (Fader, Hardie & Lee's CDNOW split)."""

TABLE_HINTS = {
    "transactions": (
        "a transactions table (customer_id, date, amount)",
        "point `dataset` at a transactions CSV/Parquet file or a folder holding transactions.csv",
    ),
    "customers": (
        "a customers table (customer_id + sign-up date, demographics, region, acquisition channel)",
        "add customers.csv to your data folder",
    ),
    "survey": (
        "a survey table (customer_id + one column per survey item)",
        "add survey.csv to your data folder",
    ),
    "promotions": (
        "a promotions table (promotion_id, start, end, cost)",
        "add promotions.csv to your data folder",
    ),
    "order_lines": (
        "an order-lines table (order_id, product, category)",
        "add order_lines.csv to your data folder",
    ),
    "campaign": (
        "a campaign table (customer_id, targeted, control, responded, revenue)",
        "add campaign.csv with a randomised holdout to your data folder",
    ),
    "statements": (
        "a statements table of business customers (account_id, fiscal_year, revenue, ebit, ..., equity)",
        "add statements.csv to your data folder (columns in data/README.md)",
    ),
    "business_accounts": (
        "a business-accounts table (account_id + industry, years trading, payment history)",
        "add business_accounts.csv to your data folder (columns in data/README.md)",
    ),
}
"""Per canonical table: what it holds and how to add it (the defaults of :func:`requires`)."""


def _display_markdown(text: str) -> None:
    """Markdown in a notebook; plain text anywhere else (a script, a test)."""
    try:
        from IPython import get_ipython
        from IPython.display import Markdown, display
    except ImportError:  # pragma: no cover - IPython ships with the notebook stack
        print(text)
        return
    if get_ipython() is None:
        print(text)
    else:
        display(Markdown(text))


def say(text: str) -> None:
    """Show a reading computed from results as Markdown (``display(Markdown(text))``).

    Parameters
    ----------
    text : str
        Markdown, usually an f-string with values from result objects, e.g.
        ``say(f"{pct(share)} of customers bought once.")``.

    Returns
    -------
    None
        The text is displayed (printed outside IPython), not returned, so a cell ending with
        ``say(...)`` shows it once.
    """
    if not isinstance(text, str):
        raise TypeError(f"say: text must be a str, not {type(text).__name__}")
    _display_markdown(text)


def _is_missing(value) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, Real) and math.isnan(float(value))


def _digits(name: str, digits: int) -> int:
    if isinstance(digits, bool) or not isinstance(digits, int) or digits < 0:
        raise ValueError(f"{name}: digits must be a non-negative integer, not {digits!r}")
    return digits


def num(value, digits: int = 0) -> str:
    """A number with thousands separators: ``num(23570)`` -> ``"23,570"``, ``num(0.4567, 2)`` -> ``"0.46"``.

    Parameters
    ----------
    value : real number
        The value; None or NaN gives ``"n/a"``.
    digits : int, default 0
        Decimals shown.

    Returns
    -------
    str
    """
    digits = _digits("num", digits)
    if _is_missing(value):
        return "n/a"
    return f"{float(value):,.{digits}f}"


def orders(transactions: pd.DataFrame) -> str:
    """How many orders the transactions hold, in words: ``"2,357 orders"``.

    A line-item log (an ``order_id`` on several rows, one per product) is counted by its orders:
    ``"17,431 line items in 3,102 orders"``; rows without an order_id count as one order each.

    Parameters
    ----------
    transactions : pandas.DataFrame
        The transactions (``order_id`` optional).

    Returns
    -------
    str
    """
    rows = len(transactions)
    if "order_id" not in transactions.columns:
        return f"{num(rows)} orders"
    ids = transactions["order_id"]
    n_orders = int(ids.nunique()) + int(ids.isna().sum())
    if n_orders == rows:
        return f"{num(rows)} orders"
    return f"{num(rows)} line items in {num(n_orders)} orders"


def pct(share, digits: int = 0) -> str:
    """A share as a percentage: ``pct(0.195, 1)`` -> ``"19.5 %"`` (the share is 0..1, not 0..100).

    Parameters
    ----------
    share : real number
        A share (0.25 is a quarter); None or NaN gives ``"n/a"``.
    digits : int, default 0
        Decimals of the percentage.

    Returns
    -------
    str
    """
    digits = _digits("pct", digits)
    if _is_missing(share):
        return "n/a"
    return f"{100 * float(share):,.{digits}f} %"


def money(value, digits: int | None = None) -> str:
    """An amount in the data's currency, without a symbol (the data do not say which).

    ``digits=None`` shows whole units from 100 up and cents below: ``money(35629.4)`` ->
    ``"35,629"``, ``money(17.612)`` -> ``"17.61"``.

    Parameters
    ----------
    value : real number
        The amount; None or NaN gives ``"n/a"``.
    digits : int, optional
        Decimals; default as above.

    Returns
    -------
    str
    """
    if _is_missing(value):
        return "n/a"
    if digits is None:
        digits = 0 if abs(float(value)) >= 100 else 2
    return num(value, digits)


def span(values: Iterable, fmt=num, **fmt_kwargs) -> str:
    """The range of some values as text: ``span([0.94, 0.85], digits=2)`` -> ``"0.85-0.94"``.

    Missing values are left out; equal ends give one value; no value gives ``"n/a"``.

    Parameters
    ----------
    values : iterable of numbers
    fmt : callable, default :func:`num`
        Formats each end (e.g. :func:`pct`, :func:`money`).
    **fmt_kwargs
        Passed to ``fmt`` (e.g. ``digits=2``).

    Returns
    -------
    str
    """
    kept = [float(v) for v in values if not _is_missing(v)]
    if not kept:
        return "n/a"
    lo, hi = fmt(min(kept), **fmt_kwargs), fmt(max(kept), **fmt_kwargs)
    if lo == hi:
        return lo
    if fmt is pct:  # "12-30 %", not "12 %-30 %"
        lo = lo.removesuffix(" %")
    sep = " to " if lo.startswith("-") or hi.startswith("-") else "-"  # "-0.85 to -0.83"
    return f"{lo}{sep}{hi}"


def pval(p, digits: int = 3) -> str:
    """A p-value as text: ``pval(0.0412)`` -> ``"0.041"``, ``pval(2e-7)`` -> ``"< 0.001"``.

    Parameters
    ----------
    p : real number
        The p-value; None or NaN gives ``"n/a"``.
    digits : int, default 3
        Decimals; values below ``10**-digits`` are shown as ``"< 0.0…1"``.

    Returns
    -------
    str
    """
    digits = _digits("pval", digits)
    if _is_missing(p):
        return "n/a"
    floor = 10.0**-digits
    return f"< {floor:.{digits}f}" if float(p) < floor else f"{float(p):.{digits}f}"


def compare(a, b, rel_tol: float = 0.02, words: Sequence[str] = ("above", "below", "about equal to")) -> str:
    """A word for how ``a`` stands to ``b``: the first word if larger, the second if smaller, else the third.

    ``a`` and ``b`` count as equal when they differ by at most ``rel_tol`` of the larger
    magnitude. ``compare(0.70, 0.62, words=("better than", "worse than", "as good as"))`` ->
    ``"better than"``.

    Parameters
    ----------
    a, b : real numbers
    rel_tol : float, default 0.02
        Relative tolerance for "about equal".
    words : three strings
        For larger, smaller, about equal.

    Returns
    -------
    str
    """
    if len(words) != 3:
        raise ValueError(f"compare: words must be three strings (larger, smaller, equal), not {words!r}")
    if rel_tol < 0:
        raise ValueError(f"compare: rel_tol must be >= 0, not {rel_tol!r}")
    if _is_missing(a) or _is_missing(b):
        return "not comparable with"
    a, b = float(a), float(b)
    if abs(a - b) <= rel_tol * max(abs(a), abs(b)):
        return words[2]
    return words[0] if a > b else words[1]


def show_parameters(title: str = "Parameters", /, **params) -> None:
    """Print the parameters a notebook ran with, one per line, so a report without code shows them.

    Parameters
    ----------
    title : str, default "Parameters"
        First line of the block (positional only).
    **params
        ``name=value`` in the order to show; values are shown as Python literals (long lists
        are wrapped).

    Returns
    -------
    None
    """
    if not params:
        print(f"{title}: none")
        return
    width = max(len(name) for name in params)
    lines = [f"{title}:"]
    for name, value in params.items():
        text = pprint.pformat(value, width=100 - width, compact=True, sort_dicts=False)
        text = text.replace("\n", "\n" + " " * (width + 5))
        lines.append(f"  {name:<{width}} = {text}")
    print("\n".join(lines))


def requires(
    dataset,
    table: str,
    columns: Sequence[str] = (),
    why: str | None = None,
    how: str | None = None,
) -> bool:
    """Whether the data have a section's table (and columns); if not, say so in one sentence.

    ``if requires(ds, "survey", why="the satisfaction items"):`` runs the section only when the
    data set has a survey; otherwise one visible sentence names what is missing, what it is for
    and how to add it, the section is skipped and the notebook goes on.

    Parameters
    ----------
    dataset : crmlab.datasets.Dataset or any object with the table as an attribute
        The data set (``load_dataset(...)``).
    table : str
        Canonical table name: "transactions", "customers", "survey" or "promotions".
    columns : sequence of str, optional
        Columns the section needs in that table.
    why : str, optional
        What the section would use them for, shown as "..., for <why>".
    how : str, optional
        How to add them; default from :data:`TABLE_HINTS`.

    Returns
    -------
    bool
        True when the table and every column are present.
    """
    if not isinstance(table, str):
        raise TypeError(f"requires: table must be a str, not {type(table).__name__}")
    if isinstance(columns, str):
        columns = [columns]
    frame = getattr(dataset, table, None)
    what, hint = TABLE_HINTS.get(table, (f"a {table} table", f"add {table}.csv to your data folder"))
    if frame is None or len(frame) == 0:
        sentence = f"This section needs {what}"
    else:
        missing = [c for c in columns if c not in frame.columns]
        if not missing:
            return True
        plural = len(missing) > 1
        names = ", ".join(f"`{c}`" for c in missing)
        sentence = f"This section needs the column{'s' if plural else ''} {names} in the {table} table"
        hint = how or f"add {'them' if plural else 'it'} to your {table} file"
    if why:
        sentence += f", for {why}"
    sentence += f"; {how or hint}."
    _display_markdown(f"**Not in this data set, skipped:** {sentence}")
    return False


def _resolve_date(name: str, value) -> pd.Timestamp:
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name}: not a date: {value!r}") from exc
    if stamp is pd.NaT:
        raise ValueError(f"{name}: not a date: {value!r}")
    return stamp.normalize()


def holdout_split(
    dates,
    calibration_end=None,
    observation_end=None,
    holdout_weeks: float | None = None,
) -> tuple[pd.Timestamp, pd.Timestamp]:
    """Calibration end and observation end, from the data when not given.

    The rule (stated so that a notebook can say it):

    * ``observation_end`` defaults to the last date in the data (midnight);
    * ``calibration_end`` defaults to ``observation_end - holdout``, where the holdout is
      ``holdout_weeks`` when given, else the shorter of 39 weeks and half the observed period
      (first date to ``observation_end``, both days counted), in whole days. On CDNOW
      (1997-01-01 .. 1998-06-30, 78 weeks) this is Fader, Hardie & Lee's split at 1997-09-30;
      on three years of data it is the last 39 weeks.

    Parameters
    ----------
    dates : Series or array of dates
        Usually ``transactions["date"]``.
    calibration_end, observation_end : date-like, optional
        Given dates win over the rule.
    holdout_weeks : float, optional
        Length of the holdout when ``calibration_end`` is not given.

    Returns
    -------
    (calibration_end, observation_end) : tuple of Timestamp

    Raises
    ------
    ValueError
        When the dates leave no calibration or no holdout period.
    """
    dates = pd.to_datetime(pd.Series(dates)).dropna()
    if dates.empty:
        raise ValueError("holdout_split: no dates to derive the calibration and holdout periods from")
    end = resolve_observation_end(dates, observation_end)
    first = dates.min().normalize()
    if calibration_end is not None:
        cal = _resolve_date("calibration_end", calibration_end)
    else:
        if holdout_weeks is None:
            period_days = (end - first).days + 1
            days = min(7 * DEFAULT_HOLDOUT_WEEKS, period_days // 2)
        else:
            if isinstance(holdout_weeks, bool) or not isinstance(holdout_weeks, Real) or holdout_weeks <= 0:
                raise ValueError(f"holdout_weeks: must be a positive number of weeks, not {holdout_weeks!r}")
            days = int(round(7 * float(holdout_weeks)))
        cal = end - pd.Timedelta(days=days)
    if cal < first:
        raise ValueError(
            f"calibration_end {cal:%Y-%m-%d} is before the first date {first:%Y-%m-%d}: the data "
            f"({first:%Y-%m-%d} .. {end:%Y-%m-%d}) leave no calibration period; choose a later "
            "calibration_end or a shorter holdout (holdout_weeks=None takes the rule)"
        )
    if cal >= end:
        raise ValueError(
            f"calibration_end {cal:%Y-%m-%d} is not before observation_end {end:%Y-%m-%d}: no holdout period"
        )
    return cal, end


def contrast(tables, column: str) -> pd.DataFrame:
    """Per profiling variable, its highest and lowest level on ``column`` and their ratio.

    ``tables`` is one profiling table (index: the levels of one variable, or a
    ``(variable, level)`` MultiIndex as ``segment.segmentation_bases`` gives) or a dict of them.
    Levels with a missing or non-positive value are left out (a ratio needs two positive values).

    Parameters
    ----------
    tables : DataFrame or dict of DataFrame
    column : str
        The column compared, e.g. "revenue_per_customer".

    Returns
    -------
    DataFrame
        Index: variable; columns ``high_level``, ``high``, ``low_level``, ``low``,
        ``ratio = high / low``; sorted by ratio, largest first. Variables with fewer than two
        usable levels are left out.
    """
    if isinstance(tables, dict):
        parts = [contrast(t, column) for t in tables.values()]
        parts = [p for p in parts if len(p)]
        if not parts:
            return contrast(pd.DataFrame({column: []}), column)
        return pd.concat(parts).sort_values("ratio", ascending=False)
    if column not in tables.columns:
        raise ValueError(f"contrast: no column {column!r} (columns: {list(tables.columns)})")
    values = tables[column]
    if isinstance(values.index, pd.MultiIndex):
        groups = {var: part.droplevel(0) for var, part in values.groupby(level=0, sort=False)}
    else:
        groups = {values.index.name or "level": values}
    rows = {}
    for var, part in groups.items():
        part = pd.to_numeric(part, errors="coerce")
        part = part[part > 0]
        if len(part) < 2:
            continue
        hi, lo = part.idxmax(), part.idxmin()
        rows[var] = {
            "high_level": hi,
            "high": part[hi],
            "low_level": lo,
            "low": part[lo],
            "ratio": part[hi] / part[lo],
        }
    out = pd.DataFrame(rows, index=["high_level", "high", "low_level", "low", "ratio"]).T
    out = out.astype({"high": float, "low": float, "ratio": float})
    out.index.name = "variable"
    return out.sort_values("ratio", ascending=False)


def row_recall(confusion: pd.DataFrame) -> pd.Series:
    """Per row of a confusion matrix (true class), the share placed in its own column.

    Rows and columns are matched by label; a row without a matching column, or with no case,
    gives NaN.

    Parameters
    ----------
    confusion : DataFrame
        Counts, rows = true class, columns = predicted class.

    Returns
    -------
    Series
        Recall per true class, indexed like the rows.
    """
    totals = confusion.sum(axis=1)
    hits = pd.Series(
        [confusion.at[label, label] if label in confusion.columns else np.nan for label in confusion.index],
        index=confusion.index,
        dtype=float,
    )
    return (hits / totals.where(totals > 0)).rename("recall")
