"""Per-customer and per-month tables computed where the data live: DuckDB (embedded), PostgreSQL, Spark.

One engine-neutral expression per table, written with Ibis (https://ibis-project.org), is compiled
to the SQL of whichever backend holds the transactions; only the result comes back (one row per
customer, or one per month / pattern / cohort), or nothing with ``collect=False``. DuckDB is the
embedded default: a Parquet file, a glob of Parquet files, a CSV file or a pandas DataFrame is
computed out of core, with no server.

Every function here gives the numbers of its pandas counterpart (tests check them on CDNOW and on
the synthetic population, in DuckDB, a real PostgreSQL server and Spark local mode):

- :func:`rfm_summary`, :func:`rfm_patterns` -- :mod:`crmlab.rfm`, :mod:`crmlab.btyd`;
- :func:`cohort_counts` -- :mod:`crmlab.cohorts`;
- :func:`window_totals` -- :func:`crmlab.segment.value_tiers`, :func:`crmlab.segment.vip_quadrants`;
- :func:`member_metrics` -- :mod:`crmlab.members`;
- :func:`acquisitions`, :func:`monthly_activity`, :func:`purchases_per_customer`,
  :func:`customer_spend`, :func:`interpurchase_times` -- :mod:`crmlab.profile`.

A DuckDB query that runs longer than ``crmlab.options.progress_delay`` seconds (2) shows a tqdm
progress bar fed by DuckDB's own progress; Spark shows its console progress.

The pandas functions hand a lazy input (a path, an Ibis table, a PySpark DataFrame) to these.
"""

from ._core import (
    ENGINE_COLUMNS,
    cohort_counts,
    connect,
    rfm_patterns,
    rfm_summary,
    rfm_summary_expr,
    to_spark,
    transactions_table,
    window_totals,
)
from ._members import member_metrics
from ._profile import (
    acquisitions,
    customer_spend,
    interpurchase_times,
    monthly_activity,
    purchases_per_customer,
)

__all__ = [
    "ENGINE_COLUMNS",
    "acquisitions",
    "cohort_counts",
    "connect",
    "customer_spend",
    "interpurchase_times",
    "member_metrics",
    "monthly_activity",
    "purchases_per_customer",
    "rfm_patterns",
    "rfm_summary",
    "rfm_summary_expr",
    "to_spark",
    "transactions_table",
    "window_totals",
]
