"""Monthly member metrics on a hand-computed table and on CDNOW."""

import numpy as np
import pandas as pd
import pytest

from crmlab.data import CRMDataError, load_cdnow
from crmlab.members import member_metrics

NAN = np.nan


def shop_tables():
    """Jan-Jun 2021. A: card 10 Jan, buys 10 Jan (twice), 20 Jan, 5 Mar. B: card 1 Feb,
    buys 15 Jan (before the card) and 3 Feb. C: no card, buys 10 Feb and 1 May.
    D: card 15 Apr, never buys."""
    tx = pd.DataFrame(
        {
            "customer_id": ["A", "A", "A", "A", "B", "B", "C", "C"],
            "date": pd.to_datetime(
                [
                    "2021-01-10",
                    "2021-01-10",
                    "2021-01-20",
                    "2021-03-05",
                    "2021-01-15",
                    "2021-02-03",
                    "2021-02-10",
                    "2021-05-01",
                ]
            ),
            "amount": 10.0,
        }
    )
    customers = pd.DataFrame(
        {
            "customer_id": ["A", "B", "C", "D"],
            "card_date": pd.to_datetime(["2021-01-10", "2021-02-01", None, "2021-04-15"]),
        }
    )
    return tx, customers


@pytest.fixture
def shop():
    return shop_tables()


def test_member_metrics_hand_computed(shop):
    tx, customers = shop
    m = member_metrics(tx, customers, observation_end="2021-06-30", effective_months=2, churn_months=2)
    assert list(m.index) == list(pd.date_range("2021-01-01", periods=6, freq="MS"))
    assert m["transacting_customers"].tolist() == [2, 2, 1, 0, 1, 0]
    assert m["new_cards"].tolist() == [1, 1, 0, 1, 0, 0]
    np.testing.assert_allclose(m["card_opening_rate"], [0.5, 0.5, 0.0, NAN, 0.0, NAN])
    assert m["card_holders"].tolist() == [1, 2, 2, 3, 3, 3]
    # members: A (months 0, 2) and B (month 1 only: 15 Jan is before its card)
    assert m["effective_members"].tolist() == [1, 2, 2, 1, 0, 0]
    np.testing.assert_allclose(m["churned"], [NAN, NAN, 0, 1, 2, 1])
    np.testing.assert_allclose(m["churn_rate"], [NAN, NAN, 0.0, 0.5, 1.0, 1.0])
    np.testing.assert_allclose(m["repurchase_frequency"], [2.0, 1.5, 1.0, 1.0, NAN, NAN])
    # A's gaps: 10 days (Jan) and 44 days (20 Jan -> 5 Mar)
    np.testing.assert_allclose(m["avg_days_between_purchases"], [10.0, 10.0, 44.0, 44.0, NAN, NAN])
    assert m.attrs["card_holders_only"] is True


def test_member_metrics_all_customers(shop):
    tx, customers = shop
    m = member_metrics(
        tx,
        customers,
        observation_end="2021-06-30",
        effective_months=2,
        churn_months=2,
        card_holders_only=False,
    )
    assert m["effective_members"].tolist() == [2, 3, 3, 1, 1, 1]
    no_table = member_metrics(tx, observation_end="2021-06-30", effective_months=2, churn_months=2)
    pd.testing.assert_series_equal(no_table["effective_members"], m["effective_members"])
    assert no_table["card_opening_rate"].isna().all()
    # B bought in January and February (gap 19 days), C in February and May (80 days)
    assert no_table.loc["2021-02-01", "avg_days_between_purchases"] == pytest.approx((10 + 19) / 2)


def test_member_metrics_without_card_holders(shop):
    tx, customers = shop
    nobody = customers.assign(card_date=pd.NaT)
    m = member_metrics(tx, nobody, observation_end="2021-06-30")
    assert (m["effective_members"] == 0).all() and m["new_cards"].sum() == 0
    assert m["transacting_customers"].tolist() == [2, 2, 1, 0, 1, 0]
    assert m["churn_rate"].isna().all() and m["avg_days_between_purchases"].isna().all()


def test_member_metrics_bad_input(shop):
    tx, customers = shop
    with pytest.raises(CRMDataError, match="card_date"):
        member_metrics(tx, card_holders_only=True)
    with pytest.raises(ValueError, match="effective_months"):
        member_metrics(tx, effective_months=0)
    with pytest.raises(CRMDataError, match="customer_id"):
        member_metrics(tx.drop(columns="customer_id"))
    with pytest.raises(CRMDataError, match="no transaction"):
        member_metrics(tx, observation_end="2020-01-01")


def test_member_metrics_cdnow_against_groupby():
    tx = load_cdnow("master")
    m = member_metrics(tx)  # 12-month windows, every buyer
    assert m.loc["1997-03-01", "effective_members"] == 23_570  # the whole Q1-1997 cohort
    window = (tx["date"] >= "1997-04-01") & (tx["date"] < "1998-04-01")
    bought = tx.loc[window, "customer_id"].nunique()  # a purchase Apr 1997 .. Mar 1998
    assert m.loc["1998-03-01", "effective_members"] == bought == 9_526
    silent = 23_570 - bought
    assert m.loc["1998-03-01", "churned"] == silent
    assert m.loc["1998-03-01", "churn_rate"] == pytest.approx(silent / 23_570)
    # the lapse is heavy: 60 % of the cohort gone within a year
    assert 0.55 < m.loc["1998-03-01", "churn_rate"] < 0.65
