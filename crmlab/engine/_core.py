"""Per-customer summaries computed where the data live: DuckDB (embedded), PostgreSQL, Spark.

One engine-neutral expression, written with Ibis (https://ibis-project.org), is compiled to the
SQL of whichever backend holds the transactions; only one row per customer comes back (or none:
``collect=False`` leaves the result in the engine). DuckDB is the embedded default: a Parquet file,
a glob of Parquet files, a CSV file or a pandas DataFrame is summarised out of core, with no server.

The numbers are those of :func:`crmlab.rfm.rfm_summary` (tests check 1e-9 agreement on CDNOW and
on the synthetic population): a purchase *day* counts once (its amounts summed); ``frequency`` =
repeat purchase days, ``recency`` = last minus first purchase day, ``T`` = calibration end minus
first purchase day, in ``time_unit``; ``monetary_value`` = mean value of the repeat days (0 without
any); with ``calibration_end``, the holdout columns as well. Rows are sorted by ``customer_id``.

Source: Fader, Hardie & Lee (2005) "Counting your customers the easy way"; the
summary-in-SQL / fit-on-one-node pattern of Databricks' CLV solution accelerator.
"""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd

from .._options import options
from .._validate import data_error
from ..exceptions import CRMDataError
from ..units import TIME_UNITS as _TIME_UNITS
from ..units import summary_attrs

ENGINE_COLUMNS = ("customer_id", "date", "amount")
_SECONDS_PER_DAY = 86_400


def connect(database: str | os.PathLike | None = None, threads: int | None = None):
    """An Ibis DuckDB connection: in memory (default) or on a DuckDB database file.

    Parameters
    ----------
    database : str or path, optional
        A DuckDB database file (None: in memory).
    threads : int, optional
        DuckDB's thread count (default: DuckDB's own, the number of cores).

    Returns
    -------
    ibis.backends.duckdb.Backend
        The connection.
    """
    import ibis

    con = ibis.duckdb.connect(str(database) if database is not None else ":memory:")
    if threads is not None:
        con.raw_sql(f"SET threads = {int(threads)}")
    return con


def _duckdb_connection(expr):
    """The raw DuckDB connection an expression runs on, or None (another backend)."""
    try:
        backend = expr._find_backend(use_default=True)
    except Exception:  # noqa: BLE001 - no backend to ask: no progress to show
        return None
    raw = getattr(backend, "con", None) if getattr(backend, "name", "") == "duckdb" else None
    return raw if hasattr(raw, "query_progress") else None


@contextmanager
def _duckdb_progress(raw, desc: str):
    """A tqdm bar (terminal or JupyterLab) fed by DuckDB's own progress of the running query.

    It appears only when the query runs longer than ``crmlab.options.progress_delay`` seconds. DuckDB's own
    printed bar is switched off meanwhile (and the connection's settings restored afterwards).
    """
    from tqdm.auto import tqdm

    names = ("enable_progress_bar", "enable_progress_bar_print")
    before = raw.execute(f"SELECT name, value FROM duckdb_settings() WHERE name IN {names}").fetchall()
    raw.execute("SET enable_progress_bar = true")
    raw.execute("SET enable_progress_bar_print = false")
    bar = tqdm(
        total=100.0, desc=desc, unit="%", delay=options.progress_delay, bar_format="{l_bar}{bar}| {elapsed}"
    )
    done = threading.Event()

    def poll():
        while not done.wait(0.25):
            progress = raw.query_progress()
            if progress > bar.n:
                bar.update(min(progress, 100.0) - bar.n)

    thread = threading.Thread(target=poll, daemon=True)
    thread.start()
    finished = False
    try:
        yield
        finished = True
    finally:
        done.set()
        thread.join()
        if finished:
            bar.update(100.0 - bar.n)
        bar.close()
        for name, value in before:
            raw.execute(f"SET {name} = {value}")


def _collect(expr, desc: str) -> pd.DataFrame:
    """``expr.to_pandas()``; a DuckDB query that takes a while shows a progress bar (tqdm)."""
    raw = _duckdb_connection(expr) if options.progress_delay is not None else None
    if raw is None:
        return expr.to_pandas()
    with _duckdb_progress(raw, desc):
        return expr.to_pandas()


def _is_spark(source) -> bool:
    return type(source).__module__.startswith("pyspark.sql")


def _is_duckdb_relation(source) -> bool:
    return type(source).__name__ == "DuckDBPyRelation" and type(source).__module__.lstrip("_").startswith(
        "duckdb"
    )


def _ibis_duckdb(con):
    """An Ibis backend for ``con``: an Ibis connection as is, a raw DuckDB connection wrapped."""
    import duckdb
    import ibis

    if not isinstance(con, duckdb.DuckDBPyConnection):
        return con
    # Ibis sets the time zone to UTC and turns off replacement scans on the connection it wraps;
    # the user's connection keeps its own settings (naive timestamps do not depend on the zone)
    kept = ("TimeZone", "python_enable_replacements")
    before = dict(con.execute(f"SELECT name, value FROM duckdb_settings() WHERE name IN {kept}").fetchall())
    backend = ibis.duckdb.from_connection(con)
    for name, value in before.items():
        con.execute(f"SET {name} = '{value}'")
    return backend


def _from_duckdb_relation(relation, con):
    """A DuckDB relation (``duckdb.sql(...)``, ``duckdb.read_parquet(...)``, ``con.table(...)``), lazily.

    The relation becomes a temporary view on its own connection, which Ibis then reads: nothing is
    computed or copied. A relation of the default connection needs nothing more; one of another
    connection needs that connection as ``con``.
    """
    import duckdb

    name = f"crmlab_relation_{id(relation):x}"
    relation.to_view(name, replace=True)
    backend = _ibis_duckdb(con if con is not None else duckdb.default_connection())
    try:
        return backend.table(name)
    except Exception as exc:  # noqa: BLE001 - the view is on another connection: say which to pass
        raise ValueError(
            "transactions_table: this DuckDB relation belongs to a connection other than "
            f"{'con' if con is not None else 'the default one'}; "
            "pass it: con=<the relation's duckdb connection>"
        ) from exc


def _from_path(path: str, con, table: str | None, query: str | None):
    """A lazy table over a file, a glob of files, a DuckDB database or a SQL URL."""
    import ibis

    if "://" in path:  # postgresql://user@host/db, duckdb://file.duckdb, ...
        if not table and not query:
            raise ValueError(f"{path}: a database URL needs table= or query=")
        backend = ibis.connect(path)
        return backend.sql(query) if query else backend.table(table)
    lower = path.lower()
    if lower.endswith((".duckdb", ".ddb", ".db")):
        if not table and not query:
            raise ValueError(f"{path}: a DuckDB database needs table= or query=")
        backend = connect(path)
        return backend.sql(query) if query else backend.table(table)
    con = con or connect()
    if not any(ch in path for ch in "*?[") and not Path(path).exists():
        raise data_error("transactions", None, f"no such file: {path}")
    if lower.endswith((".csv", ".csv.gz", ".tsv", ".txt")):
        return con.read_csv(path)
    return con.read_parquet(path)


def transactions_table(source, columns: dict[str, str] | None = None, *, con=None, table=None, query=None):
    """The transactions as a lazy Ibis table with the canonical columns.

    ``source``: an Ibis table; a DuckDB relation (``duckdb.read_parquet(...)``, ``duckdb.sql(...)``;
    one of a connection other than the default needs ``con=`` that connection); a pandas DataFrame
    (handed to DuckDB through Arrow); a PySpark DataFrame (Ibis' PySpark backend, computed by
    Spark); a path to a Parquet file, a glob of
    Parquet files (``"exports/*.parquet"``) or a CSV file; a DuckDB database file or a SQL URL
    (``postgresql://...``) with ``table=`` or ``query=``. ``columns`` maps canonical names to the
    source's (``{"customer_id": "household_id", "date": "day", "amount": "sales"}``).

    Parameters
    ----------
    source : path, SQL URL, ibis Table, DuckDB relation, pandas or PySpark DataFrame
        Where the transactions are.
    columns : dict, optional
        Canonical name -> the source's column name.
    con : ibis connection or duckdb.DuckDBPyConnection, optional
        The connection to read paths with (default: a new in-memory DuckDB); for a DuckDB
        relation, the relation's connection (default: DuckDB's default connection).
    table, query : str, optional
        For a database file or a SQL URL: the table, or a query returning the transactions.

    Returns
    -------
    ibis Table
        customer_id, date, amount.

    Raises
    ------
    crmlab.exceptions.CRMDataError
        When a mapped or required column is missing (named, with the columns found).
    """
    import ibis

    con = _ibis_duckdb(con) if con is not None else None
    if isinstance(source, ibis.expr.types.Table):
        t = source
    elif _is_duckdb_relation(source):
        t = _from_duckdb_relation(source, con)
    elif isinstance(source, pd.DataFrame):
        t = ibis.memtable(source)
    elif _is_spark(source):
        backend = ibis.pyspark.connect(source.sparkSession)
        name = f"crmlab_tx_{id(source):x}"
        source.createOrReplaceTempView(name)
        t = backend.table(name)
    elif isinstance(source, str | os.PathLike):
        t = _from_path(os.fspath(source), con, table, query)
    else:
        raise TypeError(f"transactions_table: cannot summarise a {type(source).__name__}")
    if columns:
        wrong = {canon: user for canon, user in columns.items() if user not in t.columns}
        if wrong:
            canon, user = next(iter(wrong.items()))
            raise data_error(
                "transactions",
                canon,
                f"columns maps {canon!r} to {user!r}, not in the table; found {t.columns}",
            )
        t = t.rename({canon: user for canon, user in columns.items()})
    missing = [c for c in ENGINE_COLUMNS if c not in t.columns]
    if missing:
        raise data_error(
            "transactions",
            missing[0],
            f"missing required column(s) {missing}; found {list(t.columns)}. "
            "Map your names with columns={'customer_id': 'your_name', ...}.",
            n_bad=len(missing),
        )
    return t.select("customer_id", "date", "amount")


def _day_number(value) -> int:
    stamp = pd.Timestamp(value)
    return int((stamp.normalize() - pd.Timestamp("1970-01-01")).days)


def _days(t):
    """Integer day numbers (days since 1970-01-01) of the date column, whatever its type."""
    date = t.date
    if date.type().is_string():
        date = date.cast("timestamp")
    elif date.type().is_date():
        date = date.cast("timestamp")
    return (date.epoch_seconds() // _SECONDS_PER_DAY).cast("int64")


def _month(t):
    """Months since year 0 (year * 12 + month - 1) of the date column."""
    d = t.date.cast("date")
    return (d.year() * 12 + d.month() - 1).cast("int64")


def _observation_end(t, observation_end, empty: str | None) -> pd.Timestamp | None:
    """The observation end at midnight: the given date, else the last purchase day (asked of the engine).

    Without any transaction: a CRMDataError saying ``empty``, or None when ``empty`` is None.
    """
    if observation_end is not None:
        return pd.Timestamp(observation_end).normalize()
    last = _collect(t.aggregate(last=_days(t).max()), "observation end")["last"].iloc[0]
    if pd.isna(last):
        if empty is None:
            return None
        raise data_error("transactions", "date", empty, n_bad=0)
    return pd.Timestamp(np.datetime64(int(last), "D"))


def rfm_summary_expr(t, end_day: int, unit_days: float, cal_day: int | None = None):
    """The summary as an Ibis expression over a canonical transactions table ``t``.

    ``end_day`` / ``cal_day`` are day numbers (days since 1970-01-01); purchases after
    ``end_day`` are ignored; without ``cal_day`` the calibration period is the whole window.

    Parameters
    ----------
    t : ibis Table
        Canonical transactions (customer_id, date, amount), e.g. :func:`transactions_table`.
    end_day : int
        Observation end as a day number.
    unit_days : float
        Days per time unit of recency and T (7: weeks).
    cal_day : int, optional
        Calibration end as a day number.

    Returns
    -------
    ibis Table
        The lazy summary (customer_id, frequency, recency, T, monetary_value and the holdout
        columns with a calibration end).
    """
    import ibis

    cal = end_day if cal_day is None else cal_day
    d = t.mutate(day=_days(t), amount=t.amount.cast("float64"))
    d = d.filter(d.day <= end_day)
    daily = d.group_by(["customer_id", "day"]).aggregate(amount=d.amount.sum())
    in_cal = daily.filter(daily.day <= cal)
    in_cal = in_cal.mutate(first=in_cal.day.min().over(ibis.window(group_by=in_cal.customer_id)))
    per = in_cal.group_by("customer_id").aggregate(
        n_days=in_cal.count(),
        first=in_cal.first.min(),
        last=in_cal.day.max(),
        repeat_spend=ibis.ifelse(in_cal.day > in_cal.first, in_cal.amount, 0.0).sum(),
    )
    frequency = (per.n_days - 1).cast("int64")
    out = per.mutate(
        frequency=frequency,
        recency=(per["last"] - per["first"]).cast("float64") / unit_days,
        T=(cal - per["first"]).cast("float64") / unit_days,
        monetary_value=ibis.ifelse(frequency > 0, per.repeat_spend / frequency.cast("float64"), 0.0),
    ).select("customer_id", "frequency", "recency", "T", "monetary_value")
    if cal_day is None:
        return out.order_by("customer_id")
    hold = daily.filter(daily.day > cal)
    hold = hold.group_by("customer_id").aggregate(
        frequency_holdout=hold.count().cast("int64"), spend_holdout=hold.amount.sum()
    )
    joined = out.left_join(hold, "customer_id")
    f_h = joined.frequency_holdout.fill_null(0)
    result = joined.mutate(
        frequency_holdout=f_h,
        monetary_value_holdout=ibis.ifelse(f_h > 0, joined.spend_holdout / f_h.cast("float64"), 0.0),
        duration_holdout=ibis.literal((end_day - cal) / unit_days),
    )
    columns = ["customer_id", "frequency", "recency", "T", "monetary_value"]
    columns += ["frequency_holdout", "monetary_value_holdout", "duration_holdout"]
    return result.select(*columns).order_by("customer_id")


def rfm_summary(
    source,
    observation_end=None,
    time_unit: str = "W",
    calibration_end=None,
    *,
    columns: dict[str, str] | None = None,
    collect: bool = True,
    con=None,
    table: str | None = None,
    query: str | None = None,
):
    """:func:`crmlab.rfm.rfm_summary` computed in an engine (DuckDB, PostgreSQL, Spark ...).

    Parameters
    ----------
    source : see :func:`transactions_table` (a path, a glob, a SQL URL, an Ibis table, a pandas
        or PySpark DataFrame).
    observation_end, time_unit, calibration_end : as in :func:`crmlab.rfm.rfm_summary`.
    columns : canonical name -> the source's column name.
    collect : True (default) returns a pandas DataFrame indexed by ``customer_id``; False returns
        the Ibis expression, so the summary stays in the engine (``.to_parquet(...)``, a join...).

    Returns
    -------
    pandas.DataFrame or ibis Table
        One row per customer with a purchase by the calibration end, sorted by ``customer_id``.
    """
    if time_unit not in _TIME_UNITS:
        raise ValueError(f"rfm_summary: time_unit must be one of {list(_TIME_UNITS)}, not {time_unit!r}")
    t = transactions_table(source, columns, con=con, table=table, query=query)
    end_day = _day_number(_observation_end(t, observation_end, "no transactions to summarise"))
    cal_day = None if calibration_end is None else _day_number(calibration_end)
    if cal_day is not None and cal_day >= end_day:
        raise ValueError("rfm_summary: calibration_end must be before observation_end")
    expr = rfm_summary_expr(t, end_day, _TIME_UNITS[time_unit], cal_day)
    if not collect:
        return expr
    out = _collect(expr, "rfm_summary").set_index("customer_id")
    if out.empty:
        raise CRMDataError(
            "transactions.date: no customer has a purchase on or before the calibration end",
            table="transactions",
            column="date",
            n_bad=0,
        )
    out.attrs.update(summary_attrs(time_unit, end_day, cal_day))
    return out


def cohort_counts(
    source,
    observation_end=None,
    *,
    columns: dict[str, str] | None = None,
    con=None,
    table: str | None = None,
    query: str | None = None,
) -> pd.DataFrame:
    """:func:`crmlab.cohorts.cohort_counts` computed in an engine: the cohort matrix comes back.

    Customers of each acquisition-month cohort buying k months after acquisition, from the
    distinct (customer, month) pairs grouped in the engine; only the (cohort, months since,
    customers) counts leave it. Same layout and numbers as the pandas path.

    Parameters
    ----------
    source : see :func:`transactions_table`
        A path, a glob, a SQL URL, an Ibis table, a pandas or PySpark DataFrame.
    observation_end : date-like, optional
        Last day kept (default: the data's last day).
    columns : dict, optional
        Canonical name -> the source's column name.
    con, table, query : optional
        As :func:`transactions_table`.

    Returns
    -------
    pandas.DataFrame
        Index ``cohort`` (first day of the acquisition month), columns 0..K months since
        acquisition; NaN after ``observation_end``.

    Raises
    ------
    crmlab.exceptions.CRMDataError
        When no transaction is on or before the observation end.
    """
    from ..cohorts import _cohort_layout

    t = transactions_table(source, columns, con=con, table=table, query=query)
    end = _observation_end(t, observation_end, None)
    kept = t.filter(_days(t) <= _day_number(end)) if end is not None else t.limit(0)
    active = kept.select(customer_id=kept.customer_id, month=_month(kept)).distinct()
    first = active.group_by("customer_id").aggregate(cohort=active.month.min())
    joined = active.join(first, "customer_id")
    grouped = joined.group_by([joined.cohort, (joined.month - joined.cohort).name("since")])
    long = _collect(grouped.aggregate(n=joined.count()), "cohort_counts")
    if long.empty:
        raise data_error("transactions", "date", "no transaction on or before the observation end", n_bad=0)
    counts = long.astype({"cohort": "int64", "since": "int64"}).set_index(["cohort", "since"])["n"]
    return _cohort_layout(counts, end.year * 12 + end.month - 1)


def window_totals(
    source,
    observation_end=None,
    window_months: int = 12,
    *,
    columns: dict[str, str] | None = None,
    con=None,
    table: str | None = None,
    query: str | None = None,
) -> pd.DataFrame:
    """Visits and spend per customer in the ``window_months`` before the observation end, in an engine.

    The per-customer input of :func:`crmlab.segment.value_tiers` and
    :func:`crmlab.segment.vip_quadrants`: visits = distinct purchase days in (end - window, end],
    spend = their amounts; every customer with a purchase on or before the end is listed (0 visits
    when none fell in the window). Only this one row per customer leaves the engine.

    Parameters
    ----------
    source : see :func:`transactions_table`
        A path, a glob, a SQL URL, an Ibis table, a pandas or PySpark DataFrame.
    observation_end : date-like, optional
        Last day kept (default: the data's last day).
    window_months : int
        Months of the window (calendar months back from the end).
    columns : dict, optional
        Canonical name -> the source's column name.
    con, table, query : optional
        As :func:`transactions_table`.

    Returns
    -------
    pandas.DataFrame
        Indexed by customer_id: visits, spend; ``attrs["observation_end"]`` (a Timestamp).

    Raises
    ------
    crmlab.exceptions.CRMDataError
        When no transaction is on or before the observation end.
    """
    t = transactions_table(source, columns, con=con, table=table, query=query)
    day = _days(t)
    end = _observation_end(t, observation_end, "no transactions")
    start = end - pd.DateOffset(months=int(window_months))
    end_day, start_day = _day_number(end), _day_number(start)
    d = t.mutate(day=day, amount=t.amount.cast("float64"))
    d = d.filter(d.day <= end_day)
    daily = d.group_by(["customer_id", "day"]).aggregate(amount=d.amount.sum())
    recent = daily.day > start_day
    totals = daily.group_by("customer_id").aggregate(
        visits=recent.cast("int64").sum(), spend=(recent.ifelse(daily.amount, 0.0)).sum()
    )
    out = _collect(totals, "window_totals").set_index("customer_id").sort_index()
    if out.empty:
        raise data_error("transactions", "date", f"no transaction on or before {end.date()}", n_bad=0)
    out = out.astype({"visits": "float64", "spend": "float64"})
    out.attrs["observation_end"] = end
    return out


def rfm_patterns(
    summary,
    round_to: float | None = None,
    columns: tuple[str, ...] = ("frequency", "recency", "T"),
    time_unit: str = "W",
    collect: bool = True,
):
    """Distinct summary rows with ``n_customers``, grouped in the engine: only the patterns leave it.

    The GROUP BY of :func:`crmlab.btyd.scoring.rfm_patterns` run by DuckDB / PostgreSQL (an Ibis
    table, e.g. ``rfm_summary(..., collect=False)``) or by Spark (a PySpark DataFrame). With
    ``round_to`` recency and T are rounded to multiples of it first (as the pandas path does).

    Parameters
    ----------
    summary : Ibis table or PySpark DataFrame
        A per-customer summary with the ``columns``.
    round_to : float, optional
        Grid step (> 0) for recency and T, in the summary's time unit; None keeps exact values.
    columns : tuple of str
        The columns that define a pattern.
    time_unit : str
        The summary's time unit (recorded in ``attrs``).
    collect : bool
        True returns a pandas DataFrame; False the engine's table (Ibis or Spark).

    Returns
    -------
    pandas.DataFrame, Ibis table or PySpark DataFrame
        ``columns`` + ``n_customers``, sorted; ``attrs`` as in the pandas path (with the rounding
        error computed in the engine).
    """
    if _is_spark(summary):
        grouped, error = _spark_patterns(summary, round_to, list(columns))
    else:
        grouped, error = _ibis_patterns(summary, round_to, list(columns))
    if not collect:
        return grouped
    out = grouped.toPandas() if _is_spark(grouped) else _collect(grouped, "rfm_patterns")
    out["n_customers"] = out["n_customers"].astype("int64")
    out = out.sort_values(list(columns), ignore_index=True)
    out.attrs = {
        "time_unit": time_unit,
        "round_to": round_to,
        "max_rounding_error": float(error() if callable(error) else error),
        "n_customers": int(out["n_customers"].sum()),
        "n_patterns": len(out),
    }
    return out


def _ibis_patterns(t, round_to, columns):
    import ibis

    if round_to is not None and {"recency", "T"} <= set(columns):
        T_r = ibis.ifelse(t["T"] > 0, ibis.greatest((t["T"] / round_to).round() * round_to, round_to), 0.0)
        tx_r = ibis.least(ibis.greatest((t.recency / round_to).round() * round_to, round_to), T_r)
        tx_r = ibis.ifelse(t.recency > 0, tx_r, 0.0)
        t = t.mutate(T_r=T_r, tx_r=tx_r)
        err = t.aggregate(e=ibis.greatest((t.T_r - t["T"]).abs().max(), (t.tx_r - t.recency).abs().max()))
        t = t.mutate(T=t.T_r, recency=t.tx_r)

        def error():
            return err.to_pandas()["e"].iloc[0]

    else:
        error = 0.0
    grouped = t.group_by(columns).aggregate(n_customers=t.count())
    return grouped, error


def _spark_patterns(frame, round_to, columns):
    from pyspark.sql import functions as F

    if round_to is not None and {"recency", "T"} <= set(columns):
        T_r = F.when(F.col("T") > 0, F.greatest(F.round(F.col("T") / round_to) * round_to, F.lit(round_to)))
        T_r = T_r.otherwise(0.0)
        tx_r = F.least(F.greatest(F.round(F.col("recency") / round_to) * round_to, F.lit(round_to)), T_r)
        tx_r = F.when(F.col("recency") > 0, tx_r).otherwise(0.0)
        frame = frame.withColumn("T_r", T_r).withColumn("tx_r", tx_r)
        diff = F.greatest(
            F.max(F.abs(F.col("T_r") - F.col("T"))), F.max(F.abs(F.col("tx_r") - F.col("recency")))
        )
        err_frame = frame.agg(diff.alias("e"))
        frame = frame.withColumn("T", F.col("T_r")).withColumn("recency", F.col("tx_r"))

        def error():
            return err_frame.collect()[0]["e"]

    else:
        error = 0.0
    grouped = frame.groupBy(*columns).agg(F.count(F.lit(1)).alias("n_customers"))
    return grouped, error


def to_spark(expr):
    """The Spark DataFrame of an Ibis expression on the PySpark backend, still uncomputed.

    ``rfm_summary(spark_frame, collect=False)`` is an Ibis table; this hands it back to Spark so
    that :func:`crmlab.btyd.rfm_patterns` groups it and :func:`crmlab.btyd.score` scores it on the
    cluster (``mapInPandas``), without the summary ever leaving Spark.

    Parameters
    ----------
    expr : ibis Table
        An expression bound to Ibis' PySpark backend (e.g. from a PySpark DataFrame source).

    Returns
    -------
    pyspark.sql.DataFrame
        The same rows, as a lazy Spark DataFrame (Spark SQL compiled by Ibis).
    """
    try:
        backend = expr._find_backend()
    except Exception:  # noqa: BLE001 - an unbound expression (a pandas memtable) has no backend
        backend = None
    if getattr(backend, "name", "") != "pyspark":
        raise ValueError(
            f"to_spark: the expression runs on {getattr(backend, 'name', backend)!r}, not on Spark"
        )
    return backend._session.sql(backend.compile(expr))
