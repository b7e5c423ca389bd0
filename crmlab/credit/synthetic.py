"""Synthetic business accounts with financial statements and a known probability of default.

Each account has a latent financial health ``h`` = industry effect + own effect (standard
normal). ``h`` drives its statements (margins, growth, leverage, liquidity, collection and
stock days, interest rate) and its account attributes (age, late payments, collateral), each
with its own noise, and its probability of default over the year after the last statement:

    PD = 1 / (1 + exp(-(alpha + beta * h)))       (alpha = -3.2, beta = -1.5 by default)

A realised default flag is drawn from Bernoulli(PD). The truth a real portfolio never shows
(``health``, ``true_pd``) is returned apart from the observable tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .._validate import check_number

__all__ = ["INDUSTRIES", "BusinessAccounts", "simulate_business_accounts"]

# industry: (share of accounts, effect on health, expected sector growth per year)
INDUSTRIES = {
    "wholesale": (0.25, 0.0, 0.02),
    "retail": (0.20, -0.3, 0.00),
    "manufacturing": (0.20, 0.2, 0.03),
    "construction": (0.15, -0.5, -0.01),
    "services": (0.12, 0.3, 0.04),
    "technology": (0.08, 0.4, 0.06),
}
TAX_RATE = 0.25


@dataclass
class BusinessAccounts:
    """The simulated portfolio: observable ``accounts`` and ``statements``, and the ``truth``."""

    accounts: pd.DataFrame
    statements: pd.DataFrame
    truth: pd.DataFrame
    params: dict = field(default_factory=dict)


def _accounts(rng: np.random.Generator, n: int) -> tuple[pd.DataFrame, np.ndarray]:
    names = list(INDUSTRIES)
    shares = np.array([INDUSTRIES[k][0] for k in names])
    industry = rng.choice(len(names), size=n, p=shares / shares.sum())
    effect = np.array([INDUSTRIES[k][1] for k in names])[industry]
    health = effect + rng.standard_normal(n)
    accounts = pd.DataFrame(
        {
            "account_id": [f"B{i:05d}" for i in range(1, n + 1)],
            "industry": np.array(names)[industry],
            "industry_growth": np.array([INDUSTRIES[k][2] for k in names])[industry],
            "years_in_business": np.maximum(
                1, np.round(np.exp(np.log(12) + 0.3 * health + 0.6 * rng.standard_normal(n)))
            ),
            "late_payment_share": 1 / (1 + np.exp(1.5 + 0.8 * health + 0.6 * rng.standard_normal(n))),
        }
    )
    return accounts, health


def _drivers(rng: np.random.Generator, health: np.ndarray, n_years: int) -> dict[str, np.ndarray]:
    """Per account and year (n x years): the ratios that build the statements, health + noise."""
    n = len(health)
    h = health[:, None]

    def noisy(mean, slope, sd):
        return mean + slope * h + sd * rng.standard_normal((n, n_years))

    return {
        "growth": noisy(0.03, 0.04, 0.06),
        "gross_margin": np.clip(noisy(0.30, 0.04, 0.06), 0.05, 0.80),
        "ebit_margin": noisy(0.05, 0.04, 0.03),
        "asset_turnover": np.exp(noisy(np.log(1.3), 0.08, 0.2)),
        "equity_ratio": np.clip(noisy(0.35, 0.10, 0.08), -0.3, 0.85),
        "current_ratio": np.exp(noisy(np.log(1.5), 0.15, 0.2)),
        "cash_share": np.clip(noisy(0.04, 0.015, 0.015), 0.002, None),
        "dso": np.clip(noisy(45, -6, 10), 5, None),
        "dio": np.clip(noisy(50, -6, 12), 5, None),
        "debt_share": np.clip(noisy(0.6, 0.0, 0.15), 0.0, 0.95),
        "rate": np.clip(noisy(0.06, -0.01, 0.005), 0.02, None),
    }


def _statements(d: dict, revenue0: np.ndarray, no_debt: np.ndarray) -> dict[str, np.ndarray]:
    revenue = revenue0[:, None] * np.cumprod(1 + np.clip(d["growth"], -0.5, None), axis=1)
    cogs = revenue * (1 - d["gross_margin"])
    ebit = revenue * d["ebit_margin"]
    receivables = revenue * d["dso"] / 365
    inventory = cogs * d["dio"] / 365
    base_assets = revenue / d["asset_turnover"]
    cash = base_assets * d["cash_share"]
    current_assets = cash + receivables + inventory + 0.02 * base_assets
    total_assets = np.maximum(base_assets, current_assets / 0.75)
    equity = total_assets * d["equity_ratio"]
    total_liabilities = total_assets - equity
    current_liabilities = np.minimum(current_assets / d["current_ratio"], total_liabilities)
    interest = np.where(no_debt[:, None], 0.0, total_liabilities * d["debt_share"] * d["rate"])
    pretax = ebit - interest
    net_income = np.where(pretax > 0, pretax * (1 - TAX_RATE), pretax)
    return {
        "revenue": revenue,
        "cost_of_goods_sold": cogs,
        "ebit": ebit,
        "interest_expense": interest,
        "net_income": net_income,
        "cash": cash,
        "receivables": receivables,
        "inventory": inventory,
        "current_assets": current_assets,
        "total_assets": total_assets,
        "current_liabilities": current_liabilities,
        "total_liabilities": total_liabilities,
        "equity": equity,
    }


def simulate_business_accounts(
    n_accounts: int = 1000,
    seed: int = 0,
    n_years: int = 3,
    last_year: int = 2025,
    alpha: float = -3.2,
    beta: float = -1.5,
    no_debt_share: float = 0.05,
) -> BusinessAccounts:
    """Simulate business accounts, their statements and their true probability of default.

    Latent health h_i = industry effect + N(0, 1); statements and attributes are monotone in h
    plus noise (module docstring); PD_i = 1 / (1 + exp(-(alpha + beta h_i))) and
    defaulted_i ~ Bernoulli(PD_i) over the year after ``last_year``. Amounts are in currency
    units, rounded to whole units (the balance sheet still balances: equity = assets -
    liabilities after rounding).

    Parameters
    ----------
    n_accounts : int
        Number of business accounts (>= 10).
    seed : int
        Seed of every random draw.
    n_years : int
        Fiscal years of statements per account (1..10), ending at ``last_year``.
    last_year : int
        The last fiscal year.
    alpha, beta : float
        The logistic link of PD on health (beta < 0: healthier firms default less).
    no_debt_share : float
        Share of accounts without interest-bearing debt (interest expense 0, so their
        interest cover is undefined).

    Returns
    -------
    BusinessAccounts
        ``accounts`` (account_id, industry, industry_growth, years_in_business,
        late_payment_share, collateral), ``statements`` (the canonical table of
        :mod:`crmlab.credit.ratios`), ``truth`` (indexed by account_id: health, true_pd,
        defaulted) and ``params``.
    """
    n = check_number("n_accounts", n_accounts, lo=10, integer=True, where="simulate_business_accounts")
    years = check_number("n_years", n_years, lo=1, hi=10, integer=True, where="simulate_business_accounts")
    check_number("no_debt_share", no_debt_share, lo=0, hi=1, where="simulate_business_accounts")
    rng = np.random.default_rng(seed)
    accounts, health = _accounts(rng, n)
    revenue0 = np.exp(np.log(5e6) + rng.standard_normal(n))
    no_debt = rng.random(n) < no_debt_share
    st = _statements(_drivers(rng, health, years), revenue0, no_debt)
    statements = _long_table(accounts["account_id"], st, last_year - years + 1)
    latest_liabilities = st["total_liabilities"][:, -1]
    cover = np.clip(0.3 + 0.15 * health + 0.2 * rng.standard_normal(n), 0, None)
    accounts["collateral"] = np.round(latest_liabilities * cover)
    pd_true = 1 / (1 + np.exp(-(alpha + beta * health)))
    defaulted = rng.random(n) < pd_true
    truth = pd.DataFrame(
        {"health": health, "true_pd": pd_true, "defaulted": defaulted},
        index=pd.Index(accounts["account_id"], name="account_id"),
    )
    params = {"n_accounts": n, "seed": seed, "alpha": alpha, "beta": beta, "last_year": last_year}
    return BusinessAccounts(accounts, statements, truth, params)


def _long_table(ids: pd.Series, st: dict[str, np.ndarray], first_year: int) -> pd.DataFrame:
    n, years = st["revenue"].shape
    frame = pd.DataFrame(
        {
            "account_id": np.repeat(ids.to_numpy(), years),
            "fiscal_year": np.tile(np.arange(first_year, first_year + years), n),
            **{k: np.round(v.ravel()) for k, v in st.items()},
        }
    )
    frame["equity"] = frame["total_assets"] - frame["total_liabilities"]
    return frame
