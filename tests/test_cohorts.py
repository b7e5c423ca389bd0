"""Cohort retention matrix and performance tables on hand-computed tables and CDNOW."""

import numpy as np
import pandas as pd
import pytest

from crmlab.cohorts import cohort_counts, cohort_retention, performance_table, performance_tables
from crmlab.data import CRMDataError, load_cdnow

NAN = np.nan


@pytest.fixture
def tx():
    frame = pd.DataFrame(
        {
            "customer_id": ["A", "A", "A", "B", "B", "C", "C", "C"],
            "date": pd.to_datetime(
                [
                    "2021-01-05",
                    "2021-01-20",
                    "2021-03-01",
                    "2021-01-10",
                    "2021-02-10",
                    "2021-02-15",
                    "2021-02-20",
                    "2021-04-01",
                ]
            ),
            "amount": [10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0],
            "cost": [5.0, 10.0, 15.0, 30.0, 30.0, 30.0, 35.0, 40.0],
            "category": ["books", "books", "music", "music", "music", "books", None, "books"],
        }
    )
    return frame


def test_cohort_counts_and_retention(tx):
    counts = cohort_counts(tx, observation_end="2021-03-31")
    assert list(counts.index) == [pd.Timestamp("2021-01-01"), pd.Timestamp("2021-02-01")]
    np.testing.assert_array_equal(counts.to_numpy(), [[2, 1, 1], [1, 0, NAN]])
    retention = cohort_retention(tx, observation_end="2021-03-31")
    np.testing.assert_allclose(retention.to_numpy(), [[1.0, 0.5, 0.5], [1.0, 0.0, NAN]])
    assert retention.attrs["cohort_size"] == {pd.Timestamp("2021-01-01"): 2, pd.Timestamp("2021-02-01"): 1}
    # with the April purchase observed, C comes back two months after acquisition
    assert cohort_retention(tx).loc["2021-02-01", 2] == 1.0
    with pytest.raises(CRMDataError, match="no transaction"):
        cohort_counts(tx, observation_end="2020-12-31")


def test_cohort_retention_cdnow():
    tx = load_cdnow("master")
    retention = cohort_retention(tx)
    assert list(retention.index.strftime("%Y-%m")) == ["1997-01", "1997-02", "1997-03"]
    assert sum(retention.attrs["cohort_size"].values()) == 23_570
    # January cohort buying in February 1997, counted directly
    jan = tx.groupby("customer_id")["date"].min().dt.month == 1
    jan_ids = jan.index[jan]
    feb = tx[(tx["date"].dt.strftime("%Y-%m") == "1997-02") & tx["customer_id"].isin(jan_ids)]
    assert retention.loc["1997-01-01", 1] == pytest.approx(feb["customer_id"].nunique() / len(jan_ids))
    assert not np.isnan(retention.loc["1997-03-01", 15])  # June 1998, observed
    assert np.isnan(retention.loc["1997-03-01", 16]) and retention.shape[1] == 18  # July 1998: after the end


def test_performance_table_hand_computed(tx):
    out = performance_table(tx, "category", observation_end="2021-03-31")
    assert list(out.index) == ["music", "books", "unknown"]  # sorted by revenue
    assert out.loc["music", ["orders", "customers", "revenue", "cost", "margin"]].tolist() == [
        3,
        2,
        120.0,
        75.0,
        45.0,
    ]
    assert out.loc["books", "margin_rate"] == pytest.approx(45 / 90)
    assert out["revenue_share"].sum() == pytest.approx(1.0)
    assert out.loc["unknown", "avg_order_value"] == 70.0
    tables = performance_tables(tx.drop(columns="cost"))
    assert list(tables) == ["category"] and "margin" not in tables["category"].columns
    with pytest.raises(CRMDataError, match="channel"):
        performance_table(tx, "channel")


def test_plot_performance_one_panel_per_dimension(tx):
    import matplotlib.pyplot as plt

    from crmlab.cohorts import performance_tables, plot_performance

    tables = performance_tables(tx, observation_end="2021-03-31", dimensions=("category",))
    axes = plot_performance(tables)
    assert len(axes) == 1 and axes[0].get_title() == "margin rate by category"
    heights = [p.get_height() for p in axes[0].patches]
    assert heights == pytest.approx(tables["category"]["margin_rate"].tolist())
    plt.close(axes[0].figure)
    with pytest.raises(ValueError, match="no performance tables"):
        plot_performance({})
