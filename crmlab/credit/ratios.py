"""Financial ratios of a business customer's statements: liquidity, leverage, turnover, profitability.

The canonical ``statements`` table has one row per account and fiscal year (amounts in one
currency, flows over the fiscal year, balances at its end):

=====================  ========================================================  ==========
column                 meaning                                                   sign
=====================  ========================================================  ==========
account_id             the business customer (text)                              --
fiscal_year            the fiscal year (integer)                                 --
revenue                net sales                                                 >= 0
cost_of_goods_sold     cost of the goods sold                                    >= 0
ebit                   earnings before interest and taxes (operating profit)     any
interest_expense       interest paid on borrowings                               >= 0
net_income             profit after interest and taxes                           any
cash                   cash and cash equivalents                                 >= 0
receivables            trade receivables                                         >= 0
inventory              inventories                                               >= 0
current_assets         all current assets                                        >= 0
total_assets           all assets                                                >= 0
current_liabilities    liabilities due within a year                             >= 0
total_liabilities      all liabilities                                           >= 0
equity                 shareholders' equity (net worth) = assets - liabilities   any
=====================  ========================================================  ==========

The formulas are the standard textbook ones (Brealey, Myers & Allen 2020, *Principles of
Corporate Finance*, ch. 28; Koller et al. 2020), computed on year-end balances: see
:data:`RATIOS`. A ratio whose denominator is zero (or, for the equity-based ones, negative) is
NaN, never ``inf``; :func:`undefined_ratios` says which and why.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._validate import bad_rows, data_error, require_columns

__all__ = [
    "STATEMENT_COLUMNS",
    "NONNEGATIVE_COLUMNS",
    "RATIOS",
    "DAYS_PER_YEAR",
    "validate_statements",
    "financial_ratios",
    "undefined_ratios",
]

STATEMENT_COLUMNS = (
    "account_id",
    "fiscal_year",
    "revenue",
    "cost_of_goods_sold",
    "ebit",
    "interest_expense",
    "net_income",
    "cash",
    "receivables",
    "inventory",
    "current_assets",
    "total_assets",
    "current_liabilities",
    "total_liabilities",
    "equity",
)
AMOUNT_COLUMNS = STATEMENT_COLUMNS[2:]
NONNEGATIVE_COLUMNS = (
    "revenue",
    "cost_of_goods_sold",
    "interest_expense",
    "cash",
    "receivables",
    "inventory",
    "current_assets",
    "total_assets",
    "current_liabilities",
    "total_liabilities",
)
DAYS_PER_YEAR = 365
BALANCE_TOLERANCE = 0.01  # |assets - liabilities - equity| <= 1 % of assets (+ 1 unit of rounding)

# ratio: (family, numerator, denominator, scale, direction, formula); direction +1 = higher is
# better for the creditor, -1 = lower is better. ``numerator`` "gross_profit" = revenue - COGS.
RATIOS: dict[str, tuple[str, str, str, float, int, str]] = {
    "current_ratio": ("liquidity", "current_assets", "current_liabilities", 1, 1, "CA / CL"),
    "quick_ratio": ("liquidity", "quick_assets", "current_liabilities", 1, 1, "(CA - inventory) / CL"),
    "cash_ratio": ("liquidity", "cash", "current_liabilities", 1, 1, "cash / CL"),
    "debt_ratio": ("leverage", "total_liabilities", "total_assets", 1, -1, "TL / TA"),
    "debt_to_equity": ("leverage", "total_liabilities", "equity", 1, -1, "TL / equity"),
    "equity_ratio": ("leverage", "equity", "total_assets", 1, 1, "equity / TA"),
    "receivables_turnover": ("turnover", "revenue", "receivables", 1, 1, "revenue / receivables"),
    "days_sales_outstanding": (
        "turnover",
        "receivables",
        "revenue",
        DAYS_PER_YEAR,
        -1,
        "365 receivables / revenue",
    ),
    "inventory_turnover": ("turnover", "cost_of_goods_sold", "inventory", 1, 1, "COGS / inventory"),
    "days_inventory": (
        "turnover",
        "inventory",
        "cost_of_goods_sold",
        DAYS_PER_YEAR,
        -1,
        "365 inventory / COGS",
    ),
    "asset_turnover": ("turnover", "revenue", "total_assets", 1, 1, "revenue / TA"),
    "gross_margin": ("profitability", "gross_profit", "revenue", 1, 1, "(revenue - COGS) / revenue"),
    "net_margin": ("profitability", "net_income", "revenue", 1, 1, "net income / revenue"),
    "roa": ("profitability", "net_income", "total_assets", 1, 1, "net income / TA"),
    "roe": ("profitability", "net_income", "equity", 1, 1, "net income / equity"),
    "interest_cover": ("coverage", "ebit", "interest_expense", 1, 1, "EBIT / interest expense"),
}
# denominators that must be strictly positive for the ratio to mean anything
_POSITIVE_ONLY = {"equity"}


def validate_statements(statements: pd.DataFrame, table: str = "statements") -> pd.DataFrame:
    """Check a statements table and return a clean copy (ids as text, amounts as floats).

    Checks: every column of :data:`STATEMENT_COLUMNS`; numeric, finite amounts; the columns of
    :data:`NONNEGATIVE_COLUMNS` not negative; one row per (account_id, fiscal_year); the
    balance-sheet identity total_assets = total_liabilities + equity within 1 % of assets.

    Parameters
    ----------
    statements : DataFrame
        The canonical statements table (see the module docstring).
    table : str
        Its name in error messages.

    Returns
    -------
    DataFrame
        A copy with ``account_id`` as str, ``fiscal_year`` as int and amounts as float.
    """
    require_columns(statements, STATEMENT_COLUMNS, table, caller="financial ratios")
    if statements.empty:
        raise data_error(table, None, "has no rows")
    out = statements.copy()
    out["account_id"] = out["account_id"].astype(str)
    for col in ("fiscal_year", *AMOUNT_COLUMNS):
        values = pd.to_numeric(out[col], errors="coerce")
        bad = values.isna() | ~np.isfinite(values.astype(float))
        if bad.any():
            raise bad_rows(out, bad, table, col, "are not finite numbers", ["account_id", "fiscal_year", col])
        out[col] = values.astype(float)
    _check_signs_and_keys(out, table)
    out["fiscal_year"] = out["fiscal_year"].astype(int)
    return out


def _check_signs_and_keys(out: pd.DataFrame, table: str) -> None:
    for col in NONNEGATIVE_COLUMNS:
        if (out[col] < 0).any():
            raise bad_rows(out, out[col] < 0, table, col, "are negative", ["account_id", "fiscal_year", col])
    dup = out.duplicated(["account_id", "fiscal_year"], keep=False)
    if dup.any():
        raise bad_rows(
            out,
            dup,
            table,
            "fiscal_year",
            "repeat an (account_id, fiscal_year)",
            ["account_id", "fiscal_year"],
        )
    gap = (out["total_assets"] - out["total_liabilities"] - out["equity"]).abs()
    off = gap > BALANCE_TOLERANCE * out["total_assets"].abs() + 1.0
    if off.any():
        raise bad_rows(
            out,
            off,
            table,
            "equity",
            "break total_assets = total_liabilities + equity",
            ["account_id", "fiscal_year", "total_assets", "total_liabilities", "equity"],
        )


def _operands(st: pd.DataFrame) -> pd.DataFrame:
    ops = st[list(AMOUNT_COLUMNS)].copy()
    ops["quick_assets"] = st["current_assets"] - st["inventory"]
    ops["gross_profit"] = st["revenue"] - st["cost_of_goods_sold"]
    return ops


def financial_ratios(statements: pd.DataFrame) -> pd.DataFrame:
    """The standard financial ratios of every statement (one row per account and fiscal year).

    ======================  ==========================  =============
    ratio                   formula                     family
    ======================  ==========================  =============
    current_ratio           CA / CL                     liquidity
    quick_ratio             (CA - inventory) / CL       liquidity
    cash_ratio              cash / CL                   liquidity
    debt_ratio              TL / TA                     leverage
    debt_to_equity          TL / equity                 leverage
    equity_ratio            equity / TA                 leverage
    receivables_turnover    revenue / receivables       turnover
    days_sales_outstanding  365 receivables / revenue   turnover
    inventory_turnover      COGS / inventory            turnover
    days_inventory          365 inventory / COGS        turnover
    asset_turnover          revenue / TA                turnover
    gross_margin            (revenue - COGS) / revenue  profitability
    net_margin              net income / revenue        profitability
    roa                     net income / TA             profitability
    roe                     net income / equity         profitability
    interest_cover          EBIT / interest expense     coverage
    ======================  ==========================  =============

    Standard definitions (Brealey, Myers & Allen 2020, ch. 28), on year-end balances (not
    averages) and a 365-day year; margins and returns are shares (0.1 = 10 %), days are days,
    the rest are multiples (CA, CL: current assets, liabilities; TA, TL: total assets,
    liabilities). A zero denominator gives NaN (not ``inf``), and so does a
    non-positive equity for ``debt_to_equity`` and ``roe``; :func:`undefined_ratios` lists them
    with the reason.

    Parameters
    ----------
    statements : DataFrame
        The canonical statements table (module docstring); checked by
        :func:`validate_statements` (bad data -> ``CRMDataError``).

    Returns
    -------
    DataFrame
        Indexed by (account_id, fiscal_year), one column per ratio in :data:`RATIOS` order.
    """
    st = validate_statements(statements)
    ops = _operands(st)
    out = {}
    for name, (_, num, den, scale, _, _) in RATIOS.items():
        d = ops[den].to_numpy()
        valid = d > 0 if den in _POSITIVE_ONLY else d != 0
        out[name] = np.where(valid, scale * ops[num].to_numpy() / np.where(valid, d, 1.0), np.nan)
    index = pd.MultiIndex.from_frame(st[["account_id", "fiscal_year"]])
    return pd.DataFrame(out, index=index)


def undefined_ratios(statements: pd.DataFrame) -> pd.DataFrame:
    """Which ratios :func:`financial_ratios` leaves NaN, and why.

    Parameters
    ----------
    statements : DataFrame
        The canonical statements table.

    Returns
    -------
    DataFrame
        One row per undefined (account_id, fiscal_year, ratio) with the ``reason``
        (e.g. "interest_expense = 0: EBIT / interest expense is undefined"); empty if none.
    """
    st = validate_statements(statements)
    ops = _operands(st)
    parts = []
    for name, (_, _, den, _, _, formula) in RATIOS.items():
        d = ops[den]
        bad = d <= 0 if den in _POSITIVE_ONLY else d == 0
        if not bad.any():
            continue
        why = np.where(d[bad] == 0, f"{den} = 0", f"{den} < 0")
        part = st.loc[bad, ["account_id", "fiscal_year"]].assign(ratio=name)
        part["reason"] = pd.Series(why, index=part.index) + f": {formula} is undefined"
        parts.append(part)
    if not parts:
        return pd.DataFrame(columns=["account_id", "fiscal_year", "ratio", "reason"])
    return pd.concat(parts, ignore_index=True).sort_values(
        ["account_id", "fiscal_year", "ratio"], ignore_index=True
    )
