"""crmlab._arrays.unique_sorted equals np.unique."""

import numpy as np

from crmlab._arrays import unique_sorted


def test_unique_sorted_equals_numpy_unique():
    rng = np.random.default_rng(3)
    for values in (
        rng.integers(0, 50, 1_000),
        rng.integers(-(10**12), 10**12, 5_000),
        np.array([], dtype=np.int64),
    ):
        np.testing.assert_array_equal(unique_sorted(values), np.unique(values))
    assert unique_sorted(np.array([3, 1, 3, 2, 1])).tolist() == [1, 2, 3]
