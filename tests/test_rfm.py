"""rfm_summary (BTYD convention) and RFM scores / segments on hand-computed tables."""

import warnings

import numpy as np
import pandas as pd
import pytest

from crmlab.data import CRMDataError, load_cdnow
from crmlab.rfm import (
    RFM_SEGMENTS,
    CustomersLeftOutWarning,
    quantile_score,
    rfm_scores,
    rfm_segment,
    rfm_segment_summary,
    rfm_summary,
)


@pytest.fixture
def small():
    """A: two purchases on 1 Jan (one day), 8 Jan, 22 Jan; B: once; C: 2 Jan, 16 Jan, 5 Feb;
    D: first purchase after the calibration end; E: only after the observation end."""
    rows = [
        ("A", "2020-01-01", 10.0),
        ("A", "2020-01-01", 5.0),
        ("A", "2020-01-08", 20.0),
        ("A", "2020-01-22", 30.0),
        ("B", "2020-01-05", 50.0),
        ("C", "2020-01-02", 10.0),
        ("C", "2020-01-16", 20.0),
        ("C", "2020-02-05", 40.0),
        ("D", "2020-01-20", 7.0),
        ("E", "2020-03-01", 99.0),
    ]
    frame = pd.DataFrame(rows, columns=["customer_id", "date", "amount"])
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


def test_rfm_summary_hand_computed(small):
    out = rfm_summary(small, observation_end="2020-01-29")
    assert list(out.index) == ["A", "B", "C", "D"]
    # A: days 1, 8, 22 Jan -> 2 repeat days; same-day 10 + 5 counted as one purchase
    assert out.loc["A", "frequency"] == 2
    assert out.loc["A", "recency"] == pytest.approx(3.0)  # 21 days
    assert out.loc["A", "T"] == pytest.approx(4.0)  # 28 days
    assert out.loc["A", "monetary_value"] == pytest.approx(25.0)  # (20 + 30) / 2
    # B: one-time buyer
    assert out.loc["B", ["frequency", "recency", "monetary_value"]].tolist() == [0, 0, 0]
    assert out.loc["B", "T"] == pytest.approx(24 / 7)
    # C: 5 Feb is after the observation end
    assert out.loc["C", "frequency"] == 1
    assert out.loc["C", "recency"] == pytest.approx(2.0)
    assert out.loc["C", "monetary_value"] == pytest.approx(20.0)
    assert out.loc["D", "T"] == pytest.approx(9 / 7)


def test_rfm_summary_days_and_default_end(small):
    out = rfm_summary(small, time_unit="D")  # ends on the last date, 1 March
    assert "E" in out.index
    assert out.loc["A", "T"] == 60.0
    assert out.loc["C", "frequency"] == 2
    assert out.loc["C", "monetary_value"] == pytest.approx(30.0)
    assert out.loc["E", "T"] == 0.0


def test_rfm_summary_calibration_holdout(small):
    out = rfm_summary(small, observation_end="2020-02-12", calibration_end="2020-01-15")
    assert list(out.index) == ["A", "B", "C"]  # D starts after calibration
    assert out["frequency"].tolist() == [1, 0, 0]
    assert out.loc["A", "recency"] == pytest.approx(1.0)
    assert out["T"].tolist() == pytest.approx([2.0, 10 / 7, 13 / 7])
    assert out.loc["A", "monetary_value"] == pytest.approx(20.0)
    assert out["frequency_holdout"].tolist() == [1, 0, 2]
    assert out["monetary_value_holdout"].tolist() == pytest.approx([30.0, 0.0, 30.0])
    assert (out["duration_holdout"] == 4.0).all()  # 28 days


@pytest.mark.parametrize("dtype", ["str", object, "category"])
def test_rfm_summary_id_dtypes_agree(small, dtype):
    ref = rfm_summary(small, observation_end="2020-01-29")
    other = rfm_summary(small.astype({"customer_id": dtype}), observation_end="2020-01-29")
    pd.testing.assert_frame_equal(ref.reset_index(drop=True), other.reset_index(drop=True))
    assert [str(i) for i in other.index] == list(ref.index)


def test_rfm_summary_chunked_arrow_ids(small):
    # pd.concat keeps arrow chunks apart: the encoding must be shared across chunks
    two = pd.concat([small.iloc[:4], small.iloc[4:]], ignore_index=True)
    pd.testing.assert_frame_equal(rfm_summary(two, time_unit="D"), rfm_summary(small, time_unit="D"))


def test_rfm_summary_row_order_does_not_matter(small):
    # sorted ids are coded from neighbours, shuffled ones by hashing: same numbers
    ref = rfm_summary(small, time_unit="D").sort_index()
    shuffled = small.sample(frac=1, random_state=3)
    assert not shuffled["customer_id"].is_monotonic_increasing
    pd.testing.assert_frame_equal(rfm_summary(shuffled, time_unit="D").sort_index(), ref)
    chunked = pd.concat([shuffled.iloc[:5], shuffled.iloc[5:]], ignore_index=True)
    pd.testing.assert_frame_equal(rfm_summary(chunked, time_unit="D").sort_index(), ref)


def test_rfm_summary_microsecond_dates(small):
    as_us = small.assign(date=small["date"].astype("datetime64[us]"))
    pd.testing.assert_frame_equal(rfm_summary(as_us), rfm_summary(small))


def test_rfm_summary_bad_input(small):
    with pytest.raises(CRMDataError, match="amount"):
        rfm_summary(small.drop(columns="amount"))
    bad = small.copy()
    bad.loc[[2, 5], "date"] = pd.NaT
    with pytest.raises(CRMDataError) as err:
        rfm_summary(bad)
    assert err.value.column == "date" and err.value.n_bad == 2
    bad = small.astype({"customer_id": object})
    bad.loc[3, "customer_id"] = None
    with pytest.raises(CRMDataError, match="customer id"):
        rfm_summary(bad)
    with pytest.raises(CRMDataError, match="amount"):
        rfm_summary(small.assign(amount=small["amount"].where(small.index != 1)))
    with pytest.raises(ValueError, match="time_unit"):
        rfm_summary(small, time_unit="weeks")
    with pytest.raises(ValueError, match="calibration_end"):
        rfm_summary(small, observation_end="2020-01-10", calibration_end="2020-01-10")
    with pytest.raises(ValueError, match="observation end"):
        rfm_summary(small, observation_end="2019-12-01")


def test_rfm_summary_calibration_end_before_every_purchase(small):
    with pytest.raises(
        ValueError, match=r"calibration_end 2019-12-31 is before the first purchase \(2020-01-01\)"
    ):
        rfm_summary(small, observation_end="2020-02-12", calibration_end="2019-12-31")
    # the first purchase day itself is a valid (one-day) calibration period: A only
    out = rfm_summary(small, observation_end="2020-02-12", calibration_end="2020-01-01")
    assert list(out.index) == ["A"]
    assert out.attrs["n_customers_after_calibration_end"] == 3  # B, C, D start later


def test_rfm_summary_reports_customers_after_observation_end(small):
    # E bought only on 1 March; D only on 20 January
    with pytest.warns(
        CustomersLeftOutWarning, match=r"1 of 5 customers are left out.*after observation_end 2020-01-29"
    ):
        out = rfm_summary(small, observation_end="2020-01-29")
    assert out.attrs["n_customers_after_observation_end"] == 1
    with pytest.warns(CustomersLeftOutWarning, match="2 of 5 customers"):
        out = rfm_summary(small, observation_end="2020-01-15", time_unit="D")
    assert out.attrs["n_customers_after_observation_end"] == 2 and list(out.index) == ["A", "B", "C"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nobody left out: no warning
        out = rfm_summary(small)
    assert out.attrs["n_customers_after_observation_end"] == 0
    with pytest.warns(CustomersLeftOutWarning):
        out = rfm_summary(small, observation_end="2020-02-12", calibration_end="2020-01-15")
    assert out.attrs == {
        "n_customers_after_observation_end": 1,
        "n_customers_after_calibration_end": 1,
        "time_unit": "W",  # the summary says what it measures (the unit-safe CLV reads it)
        "observation_end": "2020-02-12",
        "calibration_end": "2020-01-15",
    }


def test_rfm_summary_default_end_is_the_last_day(small):
    # one resolver: the last date, normalised to midnight (a purchase at 18:00 ends the window that day)
    late = small.assign(date=small["date"] + pd.Timedelta(hours=18))
    pd.testing.assert_frame_equal(rfm_summary(late), rfm_summary(small, observation_end="2020-03-01"))
    with pytest.raises(ValueError, match="observation_end: not a date"):
        rfm_summary(small, observation_end="someday")


def test_rfm_summary_cdnow_sample_figures():
    out = rfm_summary(load_cdnow("sample"), observation_end="1998-06-30", calibration_end="1997-09-30")
    assert len(out) == 2357
    assert (out["frequency"] == 0).sum() == 1411
    assert out["frequency"].sum() == 2457
    assert out["frequency_holdout"].sum() == 1882
    first_jan1 = out["T"].max()
    assert first_jan1 == pytest.approx(272 / 7)  # 38.86 weeks
    assert out["duration_holdout"].iloc[0] == pytest.approx(273 / 7)


def test_rfm_summary_cdnow_master_matches_groupby():
    tx = load_cdnow("master")
    out = rfm_summary(tx)
    days = tx.assign(day=tx["date"].dt.normalize())
    n_days = days.groupby("customer_id")["day"].nunique()
    assert len(out) == 23_570
    assert (out["frequency"] == n_days.loc[out.index] - 1).all()
    one_timers = n_days.index[n_days == 1]
    assert len(one_timers) > 10_000
    assert (out.loc[one_timers, ["frequency", "monetary_value", "recency"]] == 0).all().all()
    spend = days.groupby(["customer_id", "day"])["amount"].sum().groupby("customer_id")
    repeat = (spend.sum() - spend.first()).loc[out.index]
    expected = np.where(out["frequency"] > 0, repeat / out["frequency"].clip(lower=1), 0.0)
    np.testing.assert_allclose(out["monetary_value"], expected, atol=1e-9)


# --------------------------------------------------------------------------- scores


def test_quantile_score_untied_and_tied():
    assert quantile_score(np.arange(1, 11), 5).tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    # six tied one-time buyers all score 1; scores 2 and 3 stay empty
    assert quantile_score([1, 1, 1, 1, 1, 1, 2, 3, 4, 5], 5).tolist() == [1, 1, 1, 1, 1, 1, 4, 4, 5, 5]
    assert quantile_score([10, 20, 30, 40, 50], 5, higher_is_better=False).tolist() == [5, 4, 3, 2, 1]
    assert quantile_score([3, 1, 2], 3).tolist() == [3, 1, 2]
    with pytest.raises(ValueError, match="bins"):
        quantile_score([1, 2], 1)
    with pytest.raises(ValueError, match="missing"):
        quantile_score([1, np.nan], 5)


def test_rfm_segment_rules():
    rfm = pd.DataFrame(
        [
            (5, 5, 5),
            (4, 3, 5),
            (3, 3, 3),
            (5, 1, 1),
            (4, 2, 3),
            (3, 2, 2),
            (1, 5, 5),
            (2, 4, 4),
            (1, 3, 3),
            (2, 1, 2),
            (1, 1, 1),
        ],
        columns=["R", "F", "M"],
    )
    assert rfm_segment(rfm).tolist() == [
        "champions",
        "champions",
        "loyal",
        "new",
        "new",
        "potential loyalists",
        "can't lose",
        "at risk",
        "at risk",
        "hibernating",
        "lost",
    ]
    # three bins rescale to 1, 3, 5
    three = pd.DataFrame([(3, 3, 3), (2, 2, 2), (1, 3, 3), (1, 1, 1)], columns=["R", "F", "M"])
    assert rfm_segment(three, bins=3).tolist() == ["champions", "loyal", "can't lose", "lost"]
    with pytest.raises(CRMDataError):
        rfm_segment(rfm.drop(columns="M"))


def test_rfm_scores_small(small):
    out = rfm_scores(small, observation_end="2020-01-29", bins=4)
    assert out.loc["A", ["recency_days", "frequency", "monetary"]].tolist() == [7, 3, 65.0]
    assert out.loc["B", ["recency_days", "frequency", "monetary"]].tolist() == [24, 1, 50.0]
    assert out.loc["C", ["recency_days", "frequency", "monetary"]].tolist() == [13, 2, 30.0]
    assert out.loc["D", ["recency_days", "frequency", "monetary"]].tolist() == [9, 1, 7.0]
    # recency: A (7 days) best, B (24 days) worst; 4 customers, 4 bins
    assert out["R"].tolist() == [4, 1, 2, 3]
    assert out["F"].tolist() == [4, 1, 3, 1]
    assert out["M"].tolist() == [4, 3, 2, 1]
    assert out.loc["A", "RFM"] == "444"


def test_rfm_segment_summary_cdnow():
    scores = rfm_scores(load_cdnow("sample"))
    summary = rfm_segment_summary(scores)
    assert list(summary.index) == list(RFM_SEGMENTS)
    assert summary["customers"].sum() == 2357
    assert summary["revenue_share"].sum() == pytest.approx(1.0)
    assert summary["revenue"].sum() == pytest.approx(load_cdnow("sample")["amount"].sum())
    # champions are few but carry most of the revenue
    assert summary.loc["champions", "revenue_share"] > 2 * summary.loc["champions", "share"]
    assert summary.loc["lost", "R"] == 1.0
