"""Array helpers shared by the per-customer computations."""

from __future__ import annotations

import numpy as np


def unique_sorted(values: np.ndarray) -> np.ndarray:
    """The distinct values, sorted: ``np.unique(values)`` by sorting and keeping each run's first.

    numpy >= 2.3 answers a plain ``np.unique`` by hashing, which on millions of distinct int64
    keys is 10-20x slower than a sort (10M keys: 13 s against 0.7 s on the project's machine).

    Parameters
    ----------
    values : numpy.ndarray
        A one-dimensional array.

    Returns
    -------
    numpy.ndarray
        Its distinct values in increasing order.
    """
    out = np.sort(values)
    if len(out) == 0:
        return out
    return out[np.r_[True, out[1:] != out[:-1]]]
