"""One profiling table per segmentation basis: demographic, geographic, behavioural,
satisfaction and loyalty (Wedel & Kamakura 2000; Kotler & Keller 2016)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._validate import require_columns
from ._common import _end, _signed_up, _visits

__all__ = ["SEGMENTATION_BASES", "segmentation_bases"]


# --------------------------------------------------------------------------- bases

SEGMENTATION_BASES = {
    "demographic": ["age_band", "gender", "income_band"],
    "geographic": ["region", "city_tier"],
    "behavioural": ["frequency_band", "acquisition_channel", "preferred_channel", "preferred_category"],
    "satisfaction": ["satisfaction_band"],
    "loyalty": ["loyalty_band", "nps_group"],
}


def _mode(transactions: pd.DataFrame, column: str) -> pd.Series:
    counts = transactions.groupby(["customer_id", column], observed=True).size()
    top = counts.sort_values(ascending=False, kind="stable").reset_index()
    return top.drop_duplicates("customer_id").set_index("customer_id")[column]


def _tertiles(values: pd.Series) -> pd.Series:
    """low / middle / high thirds of the answered values, 'no answer' elsewhere."""
    ranks = values.rank(pct=True, method="average")
    band = pd.Series(
        np.select([ranks <= 1 / 3, ranks <= 2 / 3, ranks > 2 / 3], ["low", "middle", "high"], "no answer"),
        index=values.index,
    )
    return pd.Categorical(band, categories=["low", "middle", "high", "no answer"], ordered=True)


def segmentation_bases(
    transactions: pd.DataFrame,
    customers: pd.DataFrame | None = None,
    survey: pd.DataFrame | None = None,
    observation_end=None,
) -> dict[str, pd.DataFrame]:
    """One profiling table per segmentation basis the data has.

    Bases (Wedel & Kamakura 2000; Kotler & Keller 2016): **demographic** (age_band,
    gender, income_band), **geographic** (region, city_tier; else the region of the
    customer's orders), **behavioural** (frequency_band = visits 1 / 2-3 / 4-9 / 10+,
    acquisition_channel, the customer's most used channel and category), **satisfaction**
    (tertiles of survey ``satisfaction``), **loyalty** (tertiles of ``loyalty_intention``;
    NPS group from ``recommend``: promoter 9-10, passive 7-8, detractor 0-6; Reichheld 2003).

    Each table is indexed by (variable, level) with: customers, share, buyers, revenue,
    revenue_share, revenue_per_customer, visits_per_buyer, spend_per_visit. A basis
    whose variables are all absent is left out of the dict.

    Parameters
    ----------
    transactions : pandas.DataFrame
        customer_id, date, amount of every order.
    customers : pandas.DataFrame, optional
        customer_id and demographic / geographic attributes, acquisition_channel.
    survey : pandas.DataFrame, optional
        customer_id with satisfaction, loyalty_intention, recommend.
    observation_end : date-like, optional
        Last day kept (default: the data's last day).

    Returns
    -------
    dict of str to pandas.DataFrame
        One table per basis present ("demographic", "geographic", "behavioural", ...).
    """
    require_columns(transactions, ["customer_id", "date", "amount"], "transactions", "segmentation_bases")
    end = _end(transactions, observation_end)
    people = _basis_people(transactions, customers, end)
    if survey is not None:
        _add_survey_bands(people, survey)
    total_customers, total_revenue = len(people), people["revenue"].sum()
    tables = {}
    for basis, variables in SEGMENTATION_BASES.items():
        parts = [_basis_part(people, var) for var in variables if var in people.columns]
        if parts:
            tables[basis] = _basis_table(pd.concat(parts), total_customers, total_revenue)
    return tables


def _basis_people(transactions: pd.DataFrame, customers, end: pd.Timestamp) -> pd.DataFrame:
    """One row per customer (buyers and, with ``customers``, signed-up non-buyers) with the
    behavioural variables: visits, revenue, buyer, frequency_band, preferred channel/category."""
    visits = _visits(transactions, end)
    g = visits.groupby("customer_id", observed=True)
    people = pd.DataFrame({"visits": g.size().astype(float), "revenue": g["amount"].sum()})
    if customers is not None:
        require_columns(customers, ["customer_id"], "customers", "segmentation_bases")
        people = (
            _signed_up(customers, end)
            .drop_duplicates("customer_id")
            .set_index("customer_id")
            .join(people, how="outer")
        )
    people[["visits", "revenue"]] = people[["visits", "revenue"]].fillna(0.0)
    people["buyer"] = people["visits"] > 0
    people.index.name = "customer_id"
    people["frequency_band"] = pd.cut(
        people["visits"],
        [-0.5, 0.5, 1.5, 3.5, 9.5, np.inf],
        labels=["never bought", "1", "2-3", "4-9", "10+"],
    )
    kept = transactions[transactions["date"].dt.normalize() <= end]
    for column, name in (("channel", "preferred_channel"), ("category", "preferred_category")):
        if column in kept.columns:
            people[name] = _mode(kept, column).reindex(people.index)
    if "region" not in people.columns and "region" in kept.columns:
        people["region"] = _mode(kept, "region").reindex(people.index)
    return people


def _add_survey_bands(people: pd.DataFrame, survey: pd.DataFrame) -> None:
    """Satisfaction and loyalty tertiles and the NPS group (Reichheld 2003), in place."""
    answers = survey.drop_duplicates("customer_id").set_index("customer_id").reindex(people.index)
    if "satisfaction" in answers.columns:
        people["satisfaction_band"] = _tertiles(answers["satisfaction"])
    if "loyalty_intention" in answers.columns:
        people["loyalty_band"] = _tertiles(answers["loyalty_intention"])
    if "recommend" in answers.columns:
        rec = answers["recommend"]
        people["nps_group"] = pd.Categorical(
            np.select([rec >= 9, rec >= 7, rec >= 0], ["promoter", "passive", "detractor"], "no answer"),
            categories=["promoter", "passive", "detractor", "no answer"],
            ordered=True,
        )


def _basis_part(people: pd.DataFrame, var: str) -> pd.DataFrame:
    """Customers, buyers, revenue and visits per level of one variable."""
    col = people[var]
    if not isinstance(col.dtype, pd.CategoricalDtype):
        col = col.astype(object).where(col.notna(), "unknown").astype(str)
    grp = people.groupby(col, observed=True, sort=True)
    part = pd.DataFrame(
        {
            "customers": grp.size(),
            "buyers": grp["buyer"].sum(),
            "revenue": grp["revenue"].sum(),
            "visits": grp["visits"].sum(),
        }
    )
    part.index = pd.MultiIndex.from_product([[var], part.index.astype(str)], names=["variable", "level"])
    return part


def _basis_table(table: pd.DataFrame, total_customers: int, total_revenue: float) -> pd.DataFrame:
    """Shares and per-customer ratios of one basis's stacked parts."""
    table.insert(1, "share", table["customers"] / total_customers)
    table["revenue_share"] = table["revenue"] / total_revenue if total_revenue > 0 else np.nan
    table["revenue_per_customer"] = table["revenue"] / table["customers"]
    table["visits_per_buyer"] = table["visits"] / table["buyers"].where(table["buyers"] > 0)
    table["spend_per_visit"] = table["revenue"] / table["visits"].where(table["visits"] > 0)
    return table.drop(columns="visits")
