"""Customer credit for business customers: financial ratios, 5C / 5P / 6A scorecards, credit limits.

Pipeline: the canonical ``statements`` table (one row per account and fiscal year; columns in
:mod:`crmlab.credit.ratios`) -> :func:`financial_ratios` (liquidity, leverage, turnover,
profitability, interest cover) -> :func:`factor_measures` (the ratios plus sales growth and the
``business_accounts`` attributes) -> :class:`CreditScorecard` (each factor of the 5C, 5P or 6A
scored 0..100, weighted equally, as given or by AHP, a 0..100 score and a rating band) ->
:func:`credit_limits` (limit and payment terms per band from a policy table). Checks:
:func:`score_auc` and :func:`rating_band_summary` against realised defaults, and
:func:`simulate_business_accounts`, a portfolio with a known probability of default.
"""

from .factors import (
    ACCOUNT_COLUMNS,
    FACTOR_SET_SOURCES,
    FACTOR_SETS,
    MEASURES,
    factor_catalog,
    factor_measures,
    validate_accounts,
)
from .limits import DEFAULT_CREDIT_POLICY, POLICY_COLUMNS, credit_limits, limit_summary
from .plots import plot_factor_profile, plot_score_distribution
from .ratios import (
    DAYS_PER_YEAR,
    NONNEGATIVE_COLUMNS,
    RATIOS,
    STATEMENT_COLUMNS,
    financial_ratios,
    undefined_ratios,
    validate_statements,
)
from .scorecard import (
    AHP_5C_EXAMPLE,
    DEFAULT_BANDS,
    TRANSFORMS,
    CreditScorecard,
    rating_band_summary,
    rating_bands,
    score_auc,
)
from .synthetic import INDUSTRIES, BusinessAccounts, simulate_business_accounts

__all__ = [
    "STATEMENT_COLUMNS",
    "NONNEGATIVE_COLUMNS",
    "RATIOS",
    "DAYS_PER_YEAR",
    "validate_statements",
    "financial_ratios",
    "undefined_ratios",
    "ACCOUNT_COLUMNS",
    "MEASURES",
    "FACTOR_SETS",
    "FACTOR_SET_SOURCES",
    "factor_catalog",
    "validate_accounts",
    "factor_measures",
    "DEFAULT_BANDS",
    "TRANSFORMS",
    "AHP_5C_EXAMPLE",
    "CreditScorecard",
    "rating_bands",
    "rating_band_summary",
    "score_auc",
    "POLICY_COLUMNS",
    "DEFAULT_CREDIT_POLICY",
    "credit_limits",
    "limit_summary",
    "plot_score_distribution",
    "plot_factor_profile",
    "INDUSTRIES",
    "BusinessAccounts",
    "simulate_business_accounts",
]
