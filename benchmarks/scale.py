"""The BTYD pipeline at scale: a 100M-transaction, 10M-customer log to CLV for every customer.

Steps, each timed with the process's peak RSS (VmHWM):

1. generate the log as Parquet (a fast numpy generator with Pareto/NBD structure, below);
2. the per-customer summary with a calibration / holdout split, in DuckDB via :mod:`crmlab.engine`
   (written to Parquet), and the same aggregation in DuckDB's raw SQL for the ratio;
3. the distinct patterns, grouped in DuckDB (:func:`crmlab.engine.rfm_patterns`);
4. BG/NBD, Pareto/NBD (weighted, on the patterns) and Gamma-Gamma fits;
5. P(alive), 12-month expected purchases and CLV for every customer, streamed from the summary's
   Parquet file to a scores Parquet file (:func:`crmlab.btyd.scoring.score`).

Goal: the whole pipeline in <= 10 minutes with peak RSS <= 8 GB (2-core, 24 GB machine).

The generator: customer i has a first purchase day uniform over the first two years, a purchase
rate lambda_i ~ Gamma(r, 1/alpha) per day and a dropout rate mu_i ~ Gamma(s, 1/beta) (Pareto/NBD:
exponential lifetime); her purchases are Poisson(lambda_i) on (first, min(first + tau_i, end)],
amounts Gamma(p, nu_i) with nu_i ~ Gamma(q, 1/gamma) (Gamma-Gamma). r, alpha are scaled so the log
has ``rows / customers`` transactions per customer on average. Customers are written in blocks,
one Parquet row group per block, so memory stays bounded by the block size.

Usage::

    .venv/bin/python benchmarks/scale.py                       # 100M rows, 10M customers
    .venv/bin/python benchmarks/scale.py --rows 10_000_000 --customers 1_000_000
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from tqdm.auto import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crmlab import btyd, engine  # noqa: E402
from crmlab.btyd.scoring import score  # noqa: E402

__all__ = ["generate_log", "main"]

DAYS = 3 * 365  # the log spans three years from 2022-01-01
START = np.datetime64("2022-01-01")
CAL_END, OBS_END = "2024-06-30", "2024-12-31"
BLOCK = 1_000_000  # customers per row group


def peak_rss_gb() -> float:
    """Peak resident set size of this process (VmHWM), in GB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024**2
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def _block(rng, first_id: int, n: int, per_customer: float) -> pa.Table:
    """Transactions of ``n`` customers: Pareto/NBD purchases, Gamma-Gamma amounts."""
    first = rng.integers(0, 2 * 365, n)
    window = DAYS - 1 - first
    mu = rng.gamma(0.6, 1.0 / 300.0, n)  # s = 0.6, beta = 300 days
    life = np.minimum(rng.exponential(1.0 / mu), window)
    lam = rng.gamma(0.8, 1.0, n) * (per_customer - 1) / (0.8 * np.maximum(life.mean(), 1.0))
    k = rng.poisson(lam * life)
    ids = np.repeat(np.arange(first_id, first_id + n, dtype=np.int64), k + 1)
    offsets = np.zeros(ids.size)
    starts = np.cumsum(k + 1) - (k + 1)
    repeat = np.ones(ids.size, dtype=bool)
    repeat[starts] = False
    offsets[repeat] = rng.random(int(repeat.sum())) * np.repeat(life, k)
    days = np.repeat(first, k + 1) + np.ceil(offsets).astype(np.int64)
    nu = rng.gamma(4.0, 1.0 / 15.0, n)  # q = 4, gamma = 15
    amount = np.round(rng.gamma(6.0, 1.0, ids.size) / np.repeat(nu, k + 1), 2)
    date = (START + days.astype("timedelta64[D]")).astype("datetime64[D]")
    return pa.table({"customer_id": ids, "date": pa.array(date), "amount": amount})


def generate_log(path: Path, rows: int, customers: int, seed: int = 0) -> int:
    """Write a log of about ``rows`` transactions by ``customers`` customers; returns its rows."""
    rng = np.random.default_rng(seed)
    writer, written = None, 0
    with tqdm(total=customers, desc="generate", unit="customer", unit_scale=True) as bar:
        for first_id in range(0, customers, BLOCK):
            n = min(BLOCK, customers - first_id)
            table = _block(rng, first_id, n, rows / customers)
            writer = writer or pq.ParquetWriter(path, table.schema)
            writer.write_table(table)
            written += table.num_rows
            bar.update(n)
    writer.close()
    return written


RAW_SQL = """
COPY (
  WITH daily AS (
    SELECT customer_id, CAST(date AS DATE) AS day, SUM(amount) AS amount
    FROM read_parquet('{log}') WHERE CAST(date AS DATE) <= DATE '{obs}'
    GROUP BY 1, 2),
  cal AS (
    SELECT customer_id, COUNT(*) - 1 AS frequency, MIN(day) AS first, MAX(day) AS last,
           SUM(amount) AS spend
    FROM daily WHERE day <= DATE '{cal}' GROUP BY 1),
  firstspend AS (
    SELECT d.customer_id, d.amount FROM daily d JOIN cal c ON d.customer_id = c.customer_id
    AND d.day = c.first),
  hold AS (
    SELECT customer_id, COUNT(*) AS frequency_holdout, SUM(amount) AS spend_holdout
    FROM daily WHERE day > DATE '{cal}' GROUP BY 1)
  SELECT c.customer_id, c.frequency, (c.last - c.first) / 7.0 AS recency,
         (DATE '{cal}' - c.first) / 7.0 AS T,
         CASE WHEN c.frequency > 0 THEN (c.spend - f.amount) / c.frequency ELSE 0 END AS monetary_value,
         COALESCE(h.frequency_holdout, 0) AS frequency_holdout,
         CASE WHEN h.frequency_holdout > 0 THEN h.spend_holdout / h.frequency_holdout ELSE 0 END
           AS monetary_value_holdout
  FROM cal c JOIN firstspend f USING (customer_id) LEFT JOIN hold h USING (customer_id)
  ORDER BY c.customer_id
) TO '{out}' (FORMAT PARQUET)
"""


class Steps:
    """Time each step and report its peak RSS."""

    def __init__(self):
        self.rows = []

    def run(self, name: str, fn):
        t0 = time.perf_counter()
        out = fn()
        seconds = time.perf_counter() - t0
        self.rows.append((name, seconds, peak_rss_gb()))
        print(f"{name:<44} {seconds:8.1f} s   peak RSS {peak_rss_gb():5.2f} GB", flush=True)
        return out


def _fit(cls, patterns, columns):
    p = patterns[patterns["frequency"] > 0] if cls is btyd.GammaGamma else patterns
    data = [p[c] for c in columns]
    return cls().fit(*data, weights=p["n_customers"], progress=True)


def main(argv=None) -> None:
    """Run the pipeline and print each step's time and peak RSS."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=lambda v: int(float(v.replace("_", ""))), default=100_000_000)
    ap.add_argument("--customers", type=lambda v: int(float(v.replace("_", ""))), default=10_000_000)
    ap.add_argument("--dir", type=Path, default=None, help="working folder (default: a temp dir)")
    args = ap.parse_args(argv)
    folder = args.dir or Path(tempfile.mkdtemp(prefix="crmlab-scale-"))
    folder.mkdir(parents=True, exist_ok=True)
    log, summary, raw, scores = (
        folder / n for n in ("log.parquet", "summary.parquet", "raw.parquet", "scores.parquet")
    )
    steps = Steps()
    n = steps.run("generate log (Parquet)", lambda: generate_log(log, args.rows, args.customers))
    print(f"  {n:,} transactions, {args.customers:,} customers in {folder}")
    con = engine.connect()
    con.raw_sql("SET memory_limit = '4GB'")  # DuckDB spills to disk beyond it: RSS stays bounded
    expr = engine.rfm_summary(str(log), OBS_END, "W", CAL_END, collect=False, con=con)
    steps.run("summary + holdout, crmlab.engine (DuckDB)", lambda: expr.to_parquet(summary))
    sql = RAW_SQL.format(log=log, obs=OBS_END, cal=CAL_END, out=raw)
    steps.run("same summary, raw DuckDB SQL", lambda: con.raw_sql(sql))
    table = con.read_parquet(str(summary))
    patterns = steps.run("patterns (x, t_x, T) in DuckDB", lambda: engine.rfm_patterns(table))
    spend = steps.run(
        "patterns (x, m) in DuckDB",
        lambda: engine.rfm_patterns(table, columns=("frequency", "monetary_value")),
    )
    print(f"  {len(patterns):,} (x, t_x, T) patterns, {len(spend):,} (x, m) patterns")
    rfm = ["frequency", "recency", "T"]
    bgf = steps.run("fit BG/NBD (weighted patterns)", lambda: _fit(btyd.BetaGeo, patterns, rfm))
    pnbd = steps.run("fit Pareto/NBD (weighted patterns)", lambda: _fit(btyd.ParetoNBD, patterns, rfm))
    gg_columns = ["frequency", "monetary_value"]
    ggf = steps.run("fit Gamma-Gamma (weighted patterns)", lambda: _fit(btyd.GammaGamma, spend, gg_columns))
    for model in (bgf, pnbd, ggf):
        print(f"  {model!r}")
    steps.run(
        "score P(alive), E[12 months], CLV -> Parquet",
        lambda: score(pnbd, str(summary), 52, ggf, output=scores, progress=True),
    )
    total = sum(s for name, s, _ in steps.rows if not name.startswith("same summary"))
    ratio = steps.rows[1][1] / steps.rows[2][1]
    print(f"summary: crmlab.engine / raw DuckDB SQL = {ratio:.2f}x")
    print(f"pipeline (without the raw-SQL reference): {total:.1f} s, peak RSS {peak_rss_gb():.2f} GB")
    print(f"goal: <= 600 s and <= 8 GB: {'met' if total <= 600 and peak_rss_gb() <= 8 else 'NOT met'}")


if __name__ == "__main__":
    main()
