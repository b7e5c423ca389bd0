"""crmlab.profile on a small table computed by hand."""

import pandas as pd
import pytest

from crmlab import profile

# A: 3 purchase days (two orders on 01-01), B: 1 day, C: 2 days
TX = pd.DataFrame(
    {
        "customer_id": ["A", "A", "A", "A", "B", "C", "C"],
        "date": pd.to_datetime(
            ["2024-01-01", "2024-01-01", "2024-01-11", "2024-02-10", "2024-01-20", "2024-02-05", "2024-02-06"]
        ),
        "amount": [10.0, 5.0, 20.0, 15.0, 100.0, 30.0, 20.0],
    }
)
CUSTOMERS = pd.DataFrame(
    {
        "customer_id": ["A", "B", "C", "D"],
        "region": ["n", "s", "n", "s"],
        "signup_date": pd.to_datetime(["2024-01-01", "2024-01-15", "2024-02-01", "2024-02-20"]),
    }
)


def test_purchases_per_customer():
    table = profile.purchases_per_customer(TX, cap=3)
    assert table["customers"].tolist() == [1, 1, 1]  # B: 1, C: 2, A: 3+
    assert table.index.tolist() == ["1", "2", "3+"]


def test_customer_spend():
    spend = profile.customer_spend(TX)
    assert spend.loc["A", "purchases"] == 3 and spend.loc["A", "orders"] == 4
    assert spend.loc["A", "total_spend"] == 50.0
    assert spend.loc["A", "spend_per_purchase"] == pytest.approx(50 / 3)
    assert spend.loc["C", "total_spend"] == 50.0


def test_interpurchase_times():
    gaps = profile.interpurchase_times(TX)
    assert sorted(gaps.tolist()) == [1, 10, 30]


def test_spend_concentration():
    conc = profile.spend_concentration(TX, shares=(0.34, 1.0))
    # spends 100, 50, 50: top 34 % = 2 customers (ceil) = 150 / 200
    assert conc["revenue_share"].tolist() == [pytest.approx(0.75), pytest.approx(1.0)]
    # Lorenz points (0, .25, .5, 1) at (0, 1/3, 2/3, 1): area = (0+.25+.25+.5+.5+1)/6 = 5/12
    assert conc.attrs["gini"] == pytest.approx(1 - 2 * 5 / 12)


def test_acquisitions_by_month():
    acq = profile.acquisitions(TX, CUSTOMERS)
    assert acq.loc["2024-01-01", "first_purchases"] == 2  # A, B
    assert acq.loc["2024-02-01", "first_purchases"] == 1  # C
    assert acq["signups"].tolist() == [2, 2]
    assert acq["customers"].tolist() == [2, 3]


def test_monthly_activity():
    act = profile.monthly_activity(TX)
    assert act.loc["2024-01-01", "revenue"] == 135.0
    assert act.loc["2024-02-01", "active_customers"] == 2


def test_breakdown():
    table = profile.breakdown(CUSTOMERS, TX, "region")
    assert table.loc["n", "customers"] == 2 and table.loc["n", "buyers"] == 2
    assert table.loc["s", "buyers"] == 1 and table.loc["s", "buyer_rate"] == 0.5
    assert table.loc["n", "revenue"] == 100.0 and table.loc["s", "revenue_per_buyer"] == 100.0
    assert table["revenue_share"].sum() == pytest.approx(1.0)
    with pytest.raises(ValueError, match="no column 'age_band'"):
        profile.breakdown(CUSTOMERS, TX, "age_band")


@pytest.mark.parametrize("ids", ["str", "category", "int"])
def test_customer_tables_equal_a_pandas_groupby(population, ids):
    """The numpy path (rfm's id encoding, one sort of packed keys) against plain groupbys, by id dtype."""
    import numpy as np

    tx = population.transactions[["customer_id", "date", "amount"]].sample(frac=1.0, random_state=1)
    if ids == "int":
        tx = tx.assign(customer_id=tx["customer_id"].str.replace(r"\D", "", regex=True).astype("int64"))
    else:
        tx = tx.assign(customer_id=tx["customer_id"].astype(ids))
    daily = (
        tx.assign(day=tx["date"].dt.normalize())
        .groupby(["customer_id", "day"], observed=True)["amount"]
        .sum()
    )
    by_customer = daily.groupby(level="customer_id", observed=True)
    spend = profile.customer_spend(tx)
    assert list(spend.index) == list(by_customer.size().index)
    np.testing.assert_array_equal(spend["purchases"], by_customer.size())
    np.testing.assert_array_equal(spend["orders"], tx.groupby("customer_id", observed=True).size())
    np.testing.assert_allclose(spend["total_spend"], by_customer.sum(), rtol=1e-12)
    gaps = daily.reset_index()
    same = gaps["customer_id"].eq(gaps["customer_id"].shift())
    expected = gaps["day"].diff().dt.days[same].astype("int64").to_numpy()
    np.testing.assert_array_equal(profile.interpurchase_times(tx).to_numpy(), expected)
    counts = by_customer.size().clip(upper=10).value_counts()
    assert profile.purchases_per_customer(tx)["customers"].tolist() == [
        counts.get(k, 0) for k in range(1, 11)
    ]
