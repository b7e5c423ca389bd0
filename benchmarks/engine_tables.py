"""Member metrics and profile tables: pandas in memory against the engine (DuckDB) on a Parquet file.

A ``--rows`` log (default 10M) over ``--customers`` (default 1M) is built with numpy (uniform
customers, days over 3 years, lognormal amounts, string ids, random order) and written to Parquet.
Each table is timed twice: :mod:`crmlab.members` / :mod:`crmlab.profile` on the pandas frame, and the
same call on the Parquet path (computed by DuckDB, out of core); the results are checked equal.
The printed ratio is engine time / pandas time (the pandas time excludes reading the file).

    python benchmarks/engine_tables.py [--rows 10000000] [--customers 1000000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from crmlab import members, profile


def synthetic_log(rows: int, customers: int, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ids = rng.integers(0, customers, rows)
    day = rng.integers(0, 3 * 365, rows)
    return pd.DataFrame(
        {
            "customer_id": pd.Series(np.char.add("c", ids.astype(str)), dtype="str"),
            "date": pd.Timestamp("2022-01-01") + pd.to_timedelta(day, unit="D"),
            "amount": np.round(rng.lognormal(3.0, 1.0, rows), 2),
        }
    )


def timed(call, source):
    start = time.perf_counter()
    out = call(source)
    return out, time.perf_counter() - start


def check(a, b) -> None:
    if isinstance(a, pd.Series):
        np.testing.assert_array_equal(np.sort(a.to_numpy()), b.to_numpy())
        return
    a, b = a.copy(), b.copy()
    if isinstance(a.index, pd.DatetimeIndex):
        a.index, b.index = a.index.as_unit("ns"), b.index.as_unit("ns")
    if a.index.name == "customer_id":
        a = a.sort_index()
    pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-9, check_index_type=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--customers", type=int, default=1_000_000)
    args = parser.parse_args()
    tx = synthetic_log(args.rows, args.customers)
    calls = {
        "member_metrics": lambda src: members.member_metrics(src, effective_months=12, churn_months=12),
        "monthly_activity": profile.monthly_activity,
        "acquisitions": profile.acquisitions,
        "purchases_per_customer": profile.purchases_per_customer,
        "customer_spend": profile.customer_spend,
        "interpurchase_times": profile.interpurchase_times,
    }
    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "tx.parquet")
        tx.to_parquet(path)
        print(f"{args.rows:,} rows, {args.customers:,} customers; engine: DuckDB on {path}")
        print(f"{'table':<24}{'pandas s':>10}{'engine s':>10}{'ratio':>8}")
        for name, call in calls.items():
            expected, t_pandas = timed(call, tx)
            got, t_engine = timed(call, path)
            check(expected, got)
            print(f"{name:<24}{t_pandas:>10.2f}{t_engine:>10.2f}{t_engine / t_pandas:>8.2f}")


if __name__ == "__main__":
    main()
