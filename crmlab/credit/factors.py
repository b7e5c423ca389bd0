"""The 5C, 5P and 6A factor sets of business credit, each factor with the measures that score it.

**5C** -- character, capacity, capital, collateral, conditions -- the classic lender's checklist
(Thomas, Edelman & Crook 2002, *Credit Scoring and Its Applications*, SIAM, sec. 1.3;
Koch & MacDonald 2015, *Bank Management*, ch. 14 on commercial loan analysis).

**5P** -- people (personal factor), purpose, payment, protection, perspective -- the lending
checklist as taught in Chinese credit-management and CRM textbooks (the variant with
"perspective"; other banking texts swap in person/principal or prospects/property).

**6A** -- economic, technical, managerial, financial, commercial and organizational aspects --
the borrower-appraisal set that Chinese credit-management textbooks attribute to the World
Bank's (IBRD) project appraisal.

The factor *names* follow those sources; **which measures score each factor is crmlab's
choice**, made from what a supplier can observe about a business customer: its statements
(ratios of :mod:`crmlab.credit.ratios`) and a few account attributes (the optional
``business_accounts`` table). See :data:`MEASURES` for each measure's direction.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._validate import bad_rows, check_choice, data_error, require_columns
from .ratios import RATIOS, financial_ratios, validate_statements

__all__ = [
    "ACCOUNT_COLUMNS",
    "MEASURES",
    "FACTOR_SETS",
    "FACTOR_SET_SOURCES",
    "factor_catalog",
    "validate_accounts",
    "factor_measures",
]

# optional columns of the business_accounts table (one row per account_id): name -> (lo, hi)
ACCOUNT_COLUMNS = {
    "years_in_business": (0.0, None),
    "late_payment_share": (0.0, 1.0),
    "collateral": (0.0, None),
    "industry_growth": (-1.0, None),
}

# measure -> (direction: +1 higher is better for the creditor, -1 lower is better; what it is)
MEASURES: dict[str, tuple[int, str]] = {
    **{name: (spec[4], f"{spec[0]} ratio: {spec[5]}") for name, spec in RATIOS.items()},
    "sales_growth": (1, "revenue_t / revenue_(t-1) - 1, from the statements"),
    "collateral_cover": (1, "collateral pledged or guaranteed / total liabilities"),
    "years_in_business": (1, "age of the business in years (business_accounts)"),
    "late_payment_share": (-1, "share of past invoices paid after their due date (business_accounts)"),
    "industry_growth": (1, "expected growth of the customer's sector per year (business_accounts)"),
}

FACTOR_SETS: dict[str, dict[str, tuple[str, ...]]] = {
    "5C": {
        "character": ("years_in_business", "late_payment_share"),
        "capacity": ("interest_cover", "quick_ratio", "roa"),
        "capital": ("equity_ratio", "debt_to_equity"),
        "collateral": ("collateral_cover",),
        "conditions": ("industry_growth", "sales_growth"),
    },
    "5P": {
        "people": ("years_in_business", "late_payment_share"),
        "purpose": ("asset_turnover", "inventory_turnover"),
        "payment": ("interest_cover", "quick_ratio", "net_margin"),
        "protection": ("collateral_cover", "equity_ratio"),
        "perspective": ("industry_growth", "sales_growth"),
    },
    "6A": {
        "economic": ("industry_growth", "sales_growth"),
        "technical": ("asset_turnover", "days_inventory"),
        "managerial": ("roa", "late_payment_share"),
        "financial": ("debt_ratio", "interest_cover", "current_ratio"),
        "commercial": ("days_sales_outstanding", "gross_margin"),
        "organizational": ("years_in_business",),
    },
}

FACTOR_SET_SOURCES = {
    "5C": "Thomas, Edelman & Crook (2002), Credit Scoring and Its Applications, sec. 1.3",
    "5P": "the 5P lending checklist of Chinese credit-management / CRM textbooks",
    "6A": "the 6A appraisal set (IBRD) as presented in Chinese credit-management textbooks",
}


def factor_catalog(factor_set: str = "5C") -> pd.DataFrame:
    """The factors of a set, the measures that score each, their direction and meaning.

    Parameters
    ----------
    factor_set : str
        ``"5C"``, ``"5P"`` or ``"6A"``.

    Returns
    -------
    DataFrame
        One row per (factor, measure): ``direction`` (+1 higher is better, -1 lower is
        better) and ``description``; ``attrs["source"]`` names the set's source.
    """
    check_choice("factor_set", factor_set, tuple(FACTOR_SETS), where="factor_catalog")
    rows = [
        {"factor": f, "measure": m, "direction": MEASURES[m][0], "description": MEASURES[m][1]}
        for f, measures in FACTOR_SETS[factor_set].items()
        for m in measures
    ]
    out = pd.DataFrame(rows)
    out.attrs["source"] = FACTOR_SET_SOURCES[factor_set]
    return out


def validate_accounts(accounts: pd.DataFrame, table: str = "business_accounts") -> pd.DataFrame:
    """Check a business_accounts table and return it indexed by ``account_id``.

    Required: ``account_id`` (one row each). Optional, checked when present: the columns of
    :data:`ACCOUNT_COLUMNS` (numeric, finite, within their range; an empty cell is a missing
    value, scored over the other measures); other columns (``industry``) pass unchecked.

    Parameters
    ----------
    accounts : DataFrame
        One row per business account.
    table : str
        Its name in error messages.

    Returns
    -------
    DataFrame
        A copy indexed by ``account_id`` (text), known columns as float.
    """
    require_columns(accounts, ["account_id"], table, caller="the credit scorecard")
    out = accounts.copy()
    out["account_id"] = out["account_id"].astype(str)
    dup = out["account_id"].duplicated(keep=False)
    if dup.any():
        raise bad_rows(out, dup, table, "account_id", "repeat an account_id", ["account_id"])
    for col, (lo, hi) in ACCOUNT_COLUMNS.items():
        if col not in out.columns:
            continue
        values = pd.to_numeric(out[col], errors="coerce").astype(float)
        bad = (values.isna() & out[col].notna()) | np.isinf(values) | (values < lo)
        bad |= False if hi is None else values > hi
        if bad.any():
            span = f"[{lo:g}, {'inf' if hi is None else f'{hi:g}'}]"
            raise bad_rows(out, bad, table, col, f"are not numbers in {span}", ["account_id", col])
        out[col] = values
    return out.set_index("account_id")


def _latest(st: pd.DataFrame, fiscal_year: int | None) -> pd.DataFrame:
    """The statement of ``fiscal_year`` (default: each account's latest) with the year before's revenue."""
    st = st.sort_values(["account_id", "fiscal_year"])
    st["prior_revenue"] = st.groupby("account_id")["revenue"].shift(1)
    st.loc[st.groupby("account_id")["fiscal_year"].diff() != 1, "prior_revenue"] = np.nan
    if fiscal_year is None:
        return st.groupby("account_id").tail(1).set_index("account_id")
    chosen = st[st["fiscal_year"] == fiscal_year]
    if chosen.empty:
        years = sorted(st["fiscal_year"].unique())
        raise data_error(
            "statements", "fiscal_year", f"no statement for fiscal_year={fiscal_year}; years: {years}"
        )
    return chosen.set_index("account_id")


def factor_measures(
    statements: pd.DataFrame,
    accounts: pd.DataFrame | None = None,
    fiscal_year: int | None = None,
) -> pd.DataFrame:
    """Every measure of :data:`MEASURES` per account, from one fiscal year's statement.

    Ratios as in :func:`crmlab.credit.financial_ratios`; ``sales_growth`` = revenue_t /
    revenue_(t-1) - 1 (NaN without the year before, or with its revenue 0);
    ``collateral_cover`` = collateral / total_liabilities (NaN when liabilities are 0); the
    account attributes as given. A measure the data cannot give is NaN.

    Parameters
    ----------
    statements : DataFrame
        The canonical statements table.
    accounts : DataFrame, optional
        The business_accounts table (``account_id`` + optional attributes).
    fiscal_year : int, optional
        The year scored; default each account's latest statement.

    Returns
    -------
    DataFrame
        Indexed by ``account_id``, one column per measure, plus ``fiscal_year``,
        ``revenue`` and ``equity`` of the scored statement.
    """
    st = validate_statements(statements)
    latest = _latest(st, fiscal_year)
    ratios = financial_ratios(latest.reset_index()[list(st.columns)]).droplevel("fiscal_year")
    out = ratios.copy()
    prior = latest["prior_revenue"]
    out["sales_growth"] = np.where(prior > 0, latest["revenue"] / prior.where(prior > 0, 1.0) - 1, np.nan)
    acc = validate_accounts(accounts) if accounts is not None else pd.DataFrame(index=out.index)
    acc = acc.reindex(out.index)
    liabilities = latest["total_liabilities"]
    collateral = acc["collateral"] if "collateral" in acc else np.nan
    out["collateral_cover"] = np.where(
        liabilities > 0, collateral / liabilities.where(liabilities > 0, 1.0), np.nan
    )
    for col in ("years_in_business", "late_payment_share", "industry_growth"):
        out[col] = acc[col] if col in acc else np.nan
    out[["fiscal_year", "revenue", "equity"]] = latest[["fiscal_year", "revenue", "equity"]]
    out.index.name = "account_id"
    return out
