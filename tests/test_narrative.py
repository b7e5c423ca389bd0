"""crmlab.narrative: readings, parameter blocks, missing-data sentences and the holdout rule."""

import math
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from crmlab import narrative as N
from crmlab.data import load_cdnow


def test_number_formatters():
    assert N.num(23570) == "23,570"
    assert N.num(0.4567, 2) == "0.46"
    assert N.num(-9582.44, 1) == "-9,582.4"
    assert N.num(float("nan")) == "n/a"
    assert N.num(None) == "n/a"
    assert N.pct(0.195, 1) == "19.5 %"
    assert N.pct(0.6149) == "61 %"
    assert N.pct(1.5) == "150 %"
    assert N.pct(np.nan) == "n/a"
    assert N.money(35629.4) == "35,629"
    assert N.money(17.612) == "17.61"
    assert N.money(-20) == "-20.00"
    assert N.money(1234.5, 2) == "1,234.50"
    assert N.num(np.int64(1882)) == "1,882"
    with pytest.raises(ValueError, match="digits"):
        N.num(1.0, -1)
    with pytest.raises(ValueError, match="digits"):
        N.pct(0.5, 1.5)


def test_span_and_compare():
    assert N.span([0.94, 0.85, 0.9], digits=2) == "0.85-0.94"
    assert N.span([0.12, 0.30], fmt=N.pct) == "12-30 %"
    assert N.span([5, 5.0001]) == "5"
    assert N.span([np.nan, 3]) == "3"
    assert N.span([]) == "n/a"
    assert N.span([-0.85, -0.83], digits=2) == "-0.85 to -0.83"
    assert N.pval(0.0412) == "0.041" and N.pval(2e-7) == "< 0.001" and N.pval(0.05, 2) == "0.05"
    assert N.pval(np.nan) == "n/a"
    assert N.compare(0.70, 0.62) == "above"
    assert N.compare(0.62, 0.70) == "below"
    assert N.compare(0.753, 0.760) == "about equal to"  # within 2 %
    assert N.compare(0.753, 0.760, rel_tol=0.001) == "below"
    assert N.compare(2, 1, words=("better than", "worse than", "as good as")) == "better than"
    assert N.compare(math.nan, 1) == "not comparable with"
    with pytest.raises(ValueError, match="three"):
        N.compare(1, 2, words=("a", "b"))


def test_say_prints_outside_a_notebook(capsys):
    N.say(f"The top decile holds {N.pct(0.5712)} of predicted spend.")
    assert capsys.readouterr().out == "The top decile holds 57 % of predicted spend.\n"
    with pytest.raises(TypeError):
        N.say(3)


def test_show_parameters_one_line_each_in_order(capsys):
    N.show_parameters(dataset="cdnow", seed=7, calibration_end=None, scale=[1, 10])
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "Parameters:",
        "  dataset         = 'cdnow'",
        "  seed            = 7",
        "  calibration_end = None",
        "  scale           = [1, 10]",
    ]
    N.show_parameters("Derived")
    assert capsys.readouterr().out == "Derived: none\n"


def test_show_parameters_wraps_long_values_under_the_value(capsys):
    costs = {f"channel {i}": float(i) for i in range(12)}
    N.show_parameters(costs=costs, n=1)
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].startswith("  costs = {'channel 0': 0.0,")
    assert lines[2].startswith(" " * 11 + "'channel")  # continuation aligned under the value
    assert lines[-1] == "  n     = 1"
    assert len(lines) > 3


def test_requires_says_what_is_missing_and_how_to_add_it(capsys):
    tx = pd.DataFrame({"customer_id": ["a"], "date": [pd.Timestamp("2024-01-01")], "amount": [1.0]})
    ds = SimpleNamespace(transactions=tx, survey=None, customers=pd.DataFrame(columns=["customer_id"]))
    assert N.requires(ds, "transactions")
    assert N.requires(ds, "transactions", columns=["amount"])
    assert capsys.readouterr().out == ""  # nothing said when the data are there

    assert not N.requires(ds, "survey", why="the satisfaction items")
    out = capsys.readouterr().out
    assert out.count("\n") == 1  # one sentence
    assert "needs a survey table (customer_id + one column per survey item)" in out
    assert ", for the satisfaction items;" in out and "add survey.csv to your data folder" in out

    assert not N.requires(ds, "customers")  # present but empty counts as missing
    assert "customers table" in capsys.readouterr().out

    assert not N.requires(ds, "transactions", columns=["cost", "amount", "category"], how="export them too")
    out = capsys.readouterr().out
    assert "the columns `cost`, `category` in the transactions table" in out
    assert "export them too" in out and "`amount`" not in out

    assert not N.requires(ds, "promotions")
    assert "promotions.csv" in capsys.readouterr().out


def test_holdout_split_reproduces_the_cdnow_split():
    tx = load_cdnow("sample")
    cal, end = N.holdout_split(tx["date"])
    assert (cal, end) == (pd.Timestamp("1997-09-30"), pd.Timestamp("1998-06-30"))  # Fader, Hardie & Lee 2005


def test_holdout_split_rule_on_long_and_short_periods():
    stamps = ["2023-01-01", "2024-05-01", "2025-12-31 15:30"]
    three_years = pd.Series(pd.to_datetime(stamps, format="ISO8601"))
    cal, end = N.holdout_split(three_years)
    assert end == pd.Timestamp("2025-12-31")  # normalised to midnight
    assert cal == end - pd.Timedelta(weeks=39)
    ten_weeks = pd.Series(pd.date_range("2024-01-01", periods=70, freq="D"))  # 70 days
    cal, end = N.holdout_split(ten_weeks)
    assert (end - cal).days == 35  # half of the 70 observed days
    cal, end = N.holdout_split(three_years, holdout_weeks=52)
    assert cal == pd.Timestamp("2025-12-31") - pd.Timedelta(days=364)
    cal, end = N.holdout_split(three_years, calibration_end="2024-06-30", observation_end="2025-06-30")
    assert (cal, end) == (pd.Timestamp("2024-06-30"), pd.Timestamp("2025-06-30"))


def test_holdout_split_refuses_impossible_periods():
    dates = pd.Series(pd.date_range("2024-01-01", periods=70, freq="D"))
    with pytest.raises(ValueError, match="leave no calibration period"):
        N.holdout_split(dates, holdout_weeks=52)
    with pytest.raises(ValueError, match="no holdout period"):
        N.holdout_split(dates, calibration_end="2024-06-01")
    with pytest.raises(ValueError, match="holdout_weeks"):
        N.holdout_split(dates, holdout_weeks=0)
    with pytest.raises(ValueError, match="calibration_end: not a date"):
        N.holdout_split(dates, calibration_end="soon")
    with pytest.raises(ValueError, match="no dates"):
        N.holdout_split(pd.Series([], dtype="datetime64[ns]"))


def test_contrast_finds_the_widest_gap_per_variable():
    flat = pd.DataFrame(
        {"revenue_per_buyer": [400.0, 750.0, 500.0]}, index=pd.Index(["low", "high", "middle"], name="income")
    )
    out = N.contrast(flat, "revenue_per_buyer")
    assert out.loc["income"].tolist() == ["high", 750.0, "low", 400.0, 1.875]
    index = pd.MultiIndex.from_tuples(
        [("gender", "f"), ("gender", "m"), ("band", "never"), ("band", "1"), ("band", "10+"), ("tier", "1")],
        names=["variable", "level"],
    )
    multi = pd.DataFrame({"rpc": [100.0, 110.0, 0.0, 20.0, 300.0, 50.0]}, index=index)
    out = N.contrast({"a": multi, "b": flat.rename(columns={"revenue_per_buyer": "rpc"})}, "rpc")
    assert list(out.index) == ["band", "income", "gender"]  # "tier" has one level: left out
    assert out.loc["band", "ratio"] == 15.0  # the zero of "never" is left out
    assert out.loc["gender", "low_level"] == "f" and out.loc["gender", "ratio"] == pytest.approx(1.1)
    assert N.contrast({"x": multi.iloc[5:]}, "rpc").empty
    with pytest.raises(ValueError, match="no column"):
        N.contrast(flat, "revenue")


def test_row_recall():
    labels = ["a", "b", "c"]
    confusion = pd.DataFrame([[8, 2, 0], [1, 1, 2], [0, 0, 0]], index=labels, columns=labels)
    recall = N.row_recall(confusion)
    assert recall["a"] == 0.8 and recall["b"] == 0.25 and np.isnan(recall["c"])
    partial = pd.DataFrame([[3, 1]], index=["x"], columns=["x", "y"])
    assert N.row_recall(partial)["x"] == 0.75


def test_orders_counts_a_line_item_log_by_its_orders():
    tx = pd.DataFrame({"customer_id": ["a", "a", "b", "c"], "amount": [1.0, 2.0, 3.0, 4.0]})
    assert N.orders(tx) == "4 orders"
    assert N.orders(tx.assign(order_id=["o1", "o2", "o3", "o4"])) == "4 orders"
    lines = tx.assign(order_id=["o1", "o1", "o2", None])
    assert N.orders(lines) == "4 line items in 3 orders"
    big = pd.DataFrame({"order_id": np.repeat(np.arange(3_102), 6)[:17_431]})
    assert N.orders(big) == "17,431 line items in 2,906 orders"
