"""The threaded dictionary encoding of rfm_summary's customer ids gives exactly the one-thread result."""

import pandas as pd
import pytest

from crmlab import rfm
from crmlab.data import load_cdnow


@pytest.fixture(scope="module")
def shuffled():
    tx = load_cdnow("master").sample(frac=1.0, random_state=0)  # random order: no sorted fast path
    tx["customer_id"] = tx["customer_id"].astype("string[pyarrow]")
    return tx.reset_index(drop=True)


def test_codes_and_order_of_first_appearance_are_unchanged(shuffled, monkeypatch):
    one_codes, one_ids = rfm._customer_codes(shuffled)
    monkeypatch.setattr(rfm, "PARALLEL_ENCODE_ROWS", 10)
    monkeypatch.setattr("os.cpu_count", lambda: 4)
    codes, ids = rfm._customer_codes(shuffled)
    assert (codes == one_codes).all() and ids.equals(one_ids)
    # first appearance: the first row's customer is code 0
    assert ids[0] == shuffled["customer_id"].iloc[0]


@pytest.mark.parametrize("calibration_end", [None, "1997-09-30"])
def test_summary_equals_the_one_thread_summary(shuffled, monkeypatch, calibration_end):
    kwargs = {"observation_end": "1998-06-30", "calibration_end": calibration_end}
    expected = rfm.rfm_summary(shuffled, **kwargs)
    monkeypatch.setattr(rfm, "PARALLEL_ENCODE_ROWS", 10)
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    got = rfm.rfm_summary(shuffled, **kwargs)
    pd.testing.assert_frame_equal(got, expected)
    assert got.attrs == expected.attrs
