"""Benchmark ``crmlab.rfm.rfm_summary`` against DuckDB SQL and lifetimes.

Each (data set, implementation) pair runs in a fresh Python process that loads the
data, resets the peak resident memory (``/proc/self/clear_refs``), times the call
(best of ``--repeat``) and reports the peak RSS *increase* over the loaded frame, so
one implementation's garbage never counts against another. The results are checked
against crmlab's (same customers, max abs difference).

Data sets:
  cdnow          CDNOW master (69,659 rows, 23,570 customers), Fader & Hardie.
  synthetic      a ``--rows`` log (default 10M) over ``--customers`` (default 1M) built
                 with numpy: uniform customers, days over 3 years, lognormal amounts,
                 string ids (pandas 3 ``str``), rows in random order. Cached as Parquet.
  synthetic_sorted  the same log sorted by customer and date (what load_transactions gives).
  lifetimes_slice   the first ``--lifetimes-rows`` rows (default 1M) of the synthetic log:
                 lifetimes needs about 20 s and 1.7 GB for 10M rows, so by default it is
                 compared on this slice (``--lifetimes-full`` runs it on the whole log too).

References are optional; install them in a throwaway venv only:
    python3 -m venv /tmp/rfm-bench && /tmp/rfm-bench/bin/pip install -e . duckdb lifetimes
    /tmp/rfm-bench/bin/python benchmarks/rfm_summary.py
A missing reference is reported and skipped.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve()
DUCKDB_SQL = """
with daily as (
    select customer_id, cast("date" as date) as day, sum(amount) as amount
    from tx
    where cast("date" as date) <= cast(? as date)
    group by customer_id, day
), per as (
    select customer_id, count(*) - 1 as frequency, min(day) as first_day, max(day) as last_day,
           sum(amount) as total, arg_min(amount, day) as first_amount
    from daily
    group by customer_id
)
select customer_id, frequency,
       date_diff('day', first_day, last_day) / 7.0 as recency,
       date_diff('day', first_day, cast(? as date)) / 7.0 as "T",
       case when frequency > 0 then (total - first_amount) / frequency else 0.0 end as monetary_value
from per
"""


# --------------------------------------------------------------------------- data


def build_log(rows: int, customers: int, seed: int = 0) -> pd.DataFrame:
    """A synthetic transactions log built with numpy only (seconds, not minutes)."""
    rng = np.random.default_rng(seed)
    cust = rng.integers(0, customers, rows)
    day = rng.integers(0, 3 * 365, rows)
    ids = pd.Series(pd.array(np.char.add("C", np.arange(customers).astype(str)), dtype="str"))
    return pd.DataFrame(
        {
            "customer_id": ids.take(cust).reset_index(drop=True),
            "date": np.datetime64("2023-01-01", "ns") + day.astype("timedelta64[D]"),
            "amount": np.round(rng.lognormal(3.5, 0.8, rows), 2),
        }
    )


def data_path(name: str, args) -> Path:
    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    base = cache / f"log_{args.rows}_{args.customers}.parquet"
    if not base.exists():
        build_log(args.rows, args.customers).to_parquet(base, index=False)
    if name == "synthetic":
        return base
    if name == "synthetic_sorted":
        path = cache / f"log_{args.rows}_{args.customers}_sorted.parquet"
        if not path.exists():
            frame = pd.read_parquet(base)
            frame.sort_values(["customer_id", "date"], kind="stable").to_parquet(path, index=False)
        return path
    if name == "lifetimes_slice":
        path = cache / f"log_{args.rows}_{args.customers}_head{args.lifetimes_rows}.parquet"
        if not path.exists():
            pd.read_parquet(base).head(args.lifetimes_rows).to_parquet(path, index=False)
        return path
    raise ValueError(name)


def load(name: str, path: str | None) -> pd.DataFrame:
    if name == "cdnow":
        from crmlab.data import load_cdnow

        return load_cdnow("master")
    return pd.read_parquet(path)


# --------------------------------------------------------------------------- implementations


def run_crmlab(frame, end):
    from crmlab.rfm import rfm_summary

    return rfm_summary(frame, observation_end=end)


_DUCKDB: dict = {}  # one connection per worker process


def run_duckdb(frame, end):
    import duckdb

    if "con" not in _DUCKDB:
        con = duckdb.connect()
        con.execute("set enable_progress_bar = false")
        _DUCKDB["con"] = con
    con = _DUCKDB["con"]
    con.register("tx", frame)
    day = str(pd.Timestamp(end).date())
    return con.execute(DUCKDB_SQL, [day, day]).df().set_index("customer_id")


def run_lifetimes(frame, end):
    from lifetimes.utils import summary_data_from_transaction_data

    return summary_data_from_transaction_data(
        frame,
        "customer_id",
        "date",
        monetary_value_col="amount",
        observation_period_end=end,
        freq="D",
        freq_multiplier=7,
    )


IMPLEMENTATIONS = {"crmlab": run_crmlab, "duckdb": run_duckdb, "lifetimes": run_lifetimes}
MODULE = {"crmlab": "crmlab", "duckdb": "duckdb", "lifetimes": "lifetimes"}


def _rss_mb(field: str) -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def worker(impl: str, name: str, path: str | None, repeat: int) -> dict:
    frame = load(name, path)
    end = frame["date"].max().normalize()
    input_mb = frame.memory_usage(deep=True).sum() / 2**20
    fn = IMPLEMENTATIONS[impl]
    fn(frame.head(1000), end)  # imports and first-call setup
    times, peaks = [], []
    for _ in range(repeat):
        base = _rss_mb("VmRSS")
        exact = _reset_peak()
        start = time.perf_counter()
        result = fn(frame, end)
        times.append(time.perf_counter() - start)
        peaks.append(_rss_mb("VmHWM") - base if exact else float("nan"))
        del result
    result = fn(frame, end)
    check = ""
    if impl != "crmlab":
        ref = run_crmlab(frame, end)
        got = result.loc[ref.index, ["frequency", "recency", "T", "monetary_value"]].astype(float)
        diff = float(
            np.abs(got.to_numpy() - ref[["frequency", "recency", "T", "monetary_value"]].to_numpy()).max()
        )
        check = f"{len(result) == len(ref)} rows, max |diff| {diff:.2g}"
    return {
        "data": name,
        "impl": impl,
        "rows": len(frame),
        "customers": int(result.shape[0]),
        "seconds": min(times),
        "peak_mb": max(peaks),
        "input_mb": input_mb,
        "check": check,
    }


# --------------------------------------------------------------------------- driver


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--lifetimes-rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cache", default="/tmp/crmlab-bench")
    parser.add_argument(
        "--data", nargs="*", default=["cdnow", "synthetic", "synthetic_sorted", "lifetimes_slice"]
    )
    parser.add_argument(
        "--lifetimes-full",
        action="store_true",
        help="also run lifetimes on the full synthetic log (about 20 s and 1.7 GB at 10M rows)",
    )
    parser.add_argument("--worker", nargs=3, metavar=("IMPL", "DATA", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        impl, name, path = args.worker
        print(json.dumps(worker(impl, name, None if path == "-" else path, args.repeat)))
        return

    available = {impl: importlib.util.find_spec(mod) is not None for impl, mod in MODULE.items()}
    for impl, ok in available.items():
        if not ok:
            print(
                f"NOTE: {impl} is not installed in {sys.executable}; skipped. Install it in a throwaway "
                "venv: python3 -m venv /tmp/rfm-bench && /tmp/rfm-bench/bin/pip install -e . duckdb lifetimes"
            )
    plan = {
        "cdnow": ["crmlab", "duckdb", "lifetimes"],
        "synthetic": ["crmlab", "duckdb"] + (["lifetimes"] if args.lifetimes_full else []),
        "synthetic_sorted": ["crmlab", "duckdb"],
        "lifetimes_slice": ["crmlab", "duckdb", "lifetimes"],
    }
    print(
        f"python {sys.version.split()[0]}, pandas {pd.__version__}, numpy {np.__version__}, "
        f"cpus {os.cpu_count()}, load average {os.getloadavg()[0]:.1f}"
    )
    rows = []
    for name in args.data:
        path = "-" if name == "cdnow" else str(data_path(name, args))
        for impl in plan[name]:
            if not available[impl]:
                continue
            cmd = [sys.executable, str(HERE), "--repeat", str(args.repeat), "--worker", impl, name, path]
            proc = subprocess.run(cmd, capture_output=True, text=True)
            if proc.returncode != 0:
                print(f"NOTE: {impl} failed on {name}:\n{proc.stderr.strip().splitlines()[-1]}")
                continue
            rows.append(json.loads(proc.stdout.strip().splitlines()[-1]))
            print(
                f"  {name:17s} {impl:10s} {rows[-1]['seconds']:8.3f} s  peak +{rows[-1]['peak_mb']:7.0f} MB"
                f"  {rows[-1]['check']}",
                flush=True,
            )
    if not rows:
        return
    table = pd.DataFrame(rows)
    ours = table[table["impl"] == "crmlab"].set_index("data")["seconds"]
    table["time / crmlab"] = table["seconds"] / table["data"].map(ours)
    table["peak / input"] = table["peak_mb"] / table["input_mb"]
    pd.set_option("display.width", 160)
    print()
    print(
        table[
            [
                "data",
                "impl",
                "rows",
                "customers",
                "seconds",
                "time / crmlab",
                "peak_mb",
                "input_mb",
                "peak / input",
                "check",
            ]
        ]
        .round(3)
        .to_string(index=False)
    )
    print(
        "\ngoals: crmlab within 1.5x of DuckDB (time / crmlab >= 0.67 for duckdb), >= 20x faster than "
        "lifetimes (time / crmlab >= 20), crmlab peak <= 3x the input frame."
    )


if __name__ == "__main__":
    main()
