"""Survey items: checked numeric answers, scores from one column or an item mean, Cronbach's alpha.

Every survey check here raises the house errors of :mod:`crmlab._validate`: a bad table is a
:class:`crmlab.exceptions.CRMDataError` naming the table, the column, the number of bad rows and
one example; a bad argument is a ``ValueError`` / ``TypeError`` naming the argument.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .._validate import bad_rows, data_error, require_columns, require_frame

__all__ = ["cronbach_alpha"]

# columns shown beside the bad answer in an error's example, when the survey has them
_ID_COLUMNS = ["customer_id"]


def check_survey(survey, table: str, caller: str | None = None) -> pd.DataFrame:
    """``survey`` if it is a DataFrame with at least one row (else TypeError / CRMDataError)."""
    require_frame(survey, table, caller)
    if len(survey) == 0:
        raise data_error(table, None, "has no rows", n_bad=0)
    return survey


def as_items(spec, role: str) -> list[str]:
    """A column name or a non-empty list of column names, as a list (else ValueError naming ``role``)."""
    if isinstance(spec, str):
        return [spec]
    if isinstance(spec, Sequence) and len(spec) > 0 and all(isinstance(c, str) for c in spec):
        return list(spec)
    raise ValueError(f"{role} must be a column name or a non-empty list of column names, not {spec!r}")


def numeric_items(survey: pd.DataFrame, items: Sequence[str], table: str) -> pd.DataFrame:
    """The item columns as floats; missing columns, non-numbers and infinities raise CRMDataError."""
    require_columns(survey, items, table)
    out = {}
    for c in items:
        raw = survey[c]
        if pd.api.types.is_bool_dtype(raw):
            raw = raw.astype("float64")
        values = pd.to_numeric(raw, errors="coerce").astype("float64")
        nonnum = (values.isna() & raw.notna()).to_numpy()
        if nonnum.any():
            raise bad_rows(survey, nonnum, table, c, "are not numbers", _ID_COLUMNS + [c])
        inf = ~np.isfinite(values.fillna(0.0).to_numpy())
        if inf.any():
            raise bad_rows(survey, inf, table, c, "are infinite", _ID_COLUMNS + [c])
        out[c] = values
    return pd.DataFrame(out, index=survey.index)


def score(survey: pd.DataFrame, spec, role: str, table: str) -> tuple[pd.Series, str, list[str]]:
    """One score: a column, or the mean of several item columns (NaN if any item is missing).

    Returns the score, its label (the column, or ``"mean(a, b, ...)"``) and the item list.
    """
    items = as_items(spec, role)
    values = numeric_items(survey, items, table)
    values_score = values.mean(axis=1, skipna=False) if len(items) > 1 else values[items[0]]
    label = items[0] if len(items) == 1 else f"mean({', '.join(items)})"
    return values_score, label, items


def cronbach_alpha(items: pd.DataFrame) -> float:
    """Reliability of the mean of k items: alpha = k/(k-1) (1 - sum var_i / var(sum)).

    Complete rows only; the reliability of an item mean under parallel items.
    Source: Cronbach (1951), Psychometrika 16:297-334.

    Parameters
    ----------
    items : pandas.DataFrame
        One column per item (at least two), one row per respondent.

    Returns
    -------
    float
        Cronbach's alpha.
    """
    if not isinstance(items, pd.DataFrame) or items.shape[1] < 2:
        raise ValueError("cronbach_alpha needs a DataFrame with at least two item columns")
    x = items.dropna().to_numpy(dtype=float)
    if len(x) < 3:
        raise ValueError("cronbach_alpha needs at least three complete rows")
    k = x.shape[1]
    total = x.sum(axis=1).var(ddof=1)
    if total == 0:
        raise ValueError("cronbach_alpha: the item sum does not vary")
    return float(k / (k - 1) * (1.0 - x.var(axis=0, ddof=1).sum() / total))
