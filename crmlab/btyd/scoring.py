"""BTYD at scale: fit on distinct patterns, score in bounded-memory chunks, in Spark or on Parquet.

* :func:`rfm_patterns` collapses identical (frequency, recency, T) rows of a summary into one row
  with ``n_customers``; ``Model().fit(p.frequency, p.recency, p.T, weights=p.n_customers)`` then
  has the same optimum as the fit on one row per customer, at the cost of the distinct patterns
  (a few hundred thousand at most on a daily grid, whatever the number of customers). A PySpark
  DataFrame or an Ibis table is grouped in its engine (:func:`crmlab.engine.rfm_patterns`), so
  only the patterns leave it.
* :func:`score` computes P(alive), the expected purchases over a horizon and (with a spend model)
  the CLV of every customer, chunk by chunk: a pandas summary, a Parquet file (read in batches
  with pyarrow, written to a Parquet file) or a PySpark DataFrame (``mapInPandas`` carrying the
  fitted parameters; a Spark DataFrame comes back).

The formulas are the models' own (``conditional_probability_alive``,
``conditional_expected_number_of_purchases_up_to_time``) and
:func:`crmlab.clv.customer_lifetime_value`. Source: the summary-in-SQL / fit-on-one-node /
score-with-a-UDF pattern of Databricks' CLV solution accelerator; lifetimes' ``weights``.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import pandas as pd

from .._validate import check_number
from ..units import model_time_unit, to_model_units

__all__ = ["RFM_COLUMNS", "SCORE_COLUMNS", "rfm_patterns", "score"]

RFM_COLUMNS = ("frequency", "recency", "T")
SCORE_COLUMNS = ("p_alive", "expected_purchases", "clv")


def _is_spark(obj) -> bool:
    return type(obj).__module__.startswith("pyspark.sql")


def rfm_patterns(
    summary,
    time_unit: str = "W",
    round_to: float | None = None,
    columns: tuple[str, ...] = RFM_COLUMNS,
) -> pd.DataFrame:
    """Distinct (frequency, recency, T) rows of a summary with the number of customers on each.

    Exact on the summary's grid (every value as it is); with ``round_to`` (in the summary's time
    unit, e.g. 1 for whole weeks when ``time_unit="W"``) recency and T are first rounded to the
    nearest multiple of it (a repeat buyer's recency at least one step, at most T), which merges
    more rows at a rounding error below ``round_to``: the error actually made is stated in
    ``attrs["max_rounding_error"]``.

    Parameters
    ----------
    summary : pandas.DataFrame, PySpark DataFrame or Ibis table
        The per-customer summary of :func:`crmlab.rfm.rfm_summary` (or the engine's). Engine
        tables are grouped in their engine (:func:`crmlab.engine.rfm_patterns`).
    time_unit : str
        The summary's time unit, recorded in ``attrs`` (the unit of ``round_to``).
    round_to : float, optional
        Grid step (> 0) for recency and T; None keeps the exact values.
    columns : tuple of str
        The columns that define a pattern (default frequency, recency, T; e.g.
        ``("frequency", "monetary_value")`` for the Gamma-Gamma).

    Returns
    -------
    pandas.DataFrame
        ``columns`` + ``n_customers``, one row per distinct pattern, sorted; ``attrs`` holds
        time_unit, round_to, max_rounding_error, n_customers and n_patterns.
    """
    if round_to is not None:
        round_to = check_number("round_to", round_to, lo=0, lo_open=True, where="rfm_patterns")
    if not isinstance(summary, pd.DataFrame):
        from .. import engine

        return engine.rfm_patterns(summary, round_to=round_to, columns=columns, time_unit=time_unit)
    missing = [c for c in columns if c not in summary.columns]
    if missing:
        from .._validate import data_error

        raise data_error("rfm summary", missing[0], f"missing column(s) {missing} for rfm_patterns", n_bad=0)
    frame = summary[list(columns)].copy()
    error = _round_times(frame, round_to)
    out = frame.groupby(list(columns), sort=True).size().rename("n_customers").reset_index()
    out["n_customers"] = out["n_customers"].astype("int64")
    out.attrs = _pattern_attrs(out, time_unit, round_to, error)
    return out


def _round_times(frame: pd.DataFrame, round_to: float | None) -> float:
    """Round recency and T (in place) to multiples of ``round_to``, keeping a valid summary
    (0 < recency <= T for repeat buyers, recency 0 otherwise); returns the largest change made."""
    if round_to is None or not {"recency", "T"} <= set(frame.columns):
        return 0.0
    T = frame["T"].to_numpy(np.float64)
    tx = frame["recency"].to_numpy(np.float64)
    T_r = np.where(T > 0, np.maximum(np.round(T / round_to) * round_to, round_to), 0.0)
    tx_r = np.minimum(np.maximum(np.round(tx / round_to) * round_to, round_to), T_r)
    tx_r = np.where(tx > 0, tx_r, 0.0)
    frame["T"], frame["recency"] = T_r, tx_r
    return float(max(np.max(np.abs(T_r - T), initial=0.0), np.max(np.abs(tx_r - tx), initial=0.0)))


def _pattern_attrs(out: pd.DataFrame, time_unit: str, round_to, error: float) -> dict:
    return {
        "time_unit": time_unit,
        "round_to": round_to,
        "max_rounding_error": error,
        "n_customers": int(out["n_customers"].sum()),
        "n_patterns": len(out),
    }


def _score_frame(frame: pd.DataFrame, model, horizon: float, spend_model, clv: dict) -> pd.DataFrame:
    """P(alive), expected purchases in (T, T + horizon] and CLV of one chunk (numpy arrays)."""
    x, tx, TT = (frame[c].to_numpy(np.float64) for c in RFM_COLUMNS)
    out = pd.DataFrame(index=frame.index)
    out["p_alive"] = np.asarray(model.conditional_probability_alive(x, tx, TT), dtype=np.float64)
    expected = model.conditional_expected_number_of_purchases_up_to_time(horizon, x, tx, TT)
    out["expected_purchases"] = np.asarray(expected, dtype=np.float64)
    if spend_model is not None:
        from ..clv import customer_lifetime_value

        m = frame["monetary_value"].to_numpy(np.float64)
        rfm = pd.DataFrame({"frequency": x, "recency": tx, "T": TT, "monetary_value": m})
        value = customer_lifetime_value(model, spend_model, rfm, **clv)
        out["clv"] = np.asarray(value, dtype=np.float64)
    return out


def _bar(total: int | None, progress: bool | None, desc: str):
    from tqdm.auto import tqdm

    disable = (total is not None and total <= 1) if progress is None else not progress
    return tqdm(total=total, desc=desc, unit="chunk", disable=disable)


def score(
    model,
    summary,
    horizon,
    spend_model=None,
    *,
    clv_horizon="12 months",
    discount_rate: float = 0.10,
    discount_period="year",
    margin: float = 1.0,
    time_unit: str | None = None,
    chunk_size: int = 1_000_000,
    output: str | os.PathLike | None = None,
    id_column: str = "customer_id",
    progress: bool | None = None,
):
    """P(alive), expected purchases over ``horizon`` and CLV for every customer, in chunks.

    Parameters
    ----------
    model : BetaGeo or ParetoNBD (any fitted BTYD transaction model)
        The fitted (or ``from_params``) transaction model.
    summary : pandas.DataFrame, str / Path to a Parquet file, or PySpark DataFrame
        frequency, recency, T (and monetary_value for CLV) in the model's time unit; Parquet and
        Spark inputs also carry ``id_column``.
    horizon : float, str, pandas.Timedelta or pandas.DateOffset
        Horizon of the expected purchases: a number in the model's time unit (52 for a year in
        weeks) or a span with its unit ("12 months"), converted exactly (:mod:`crmlab.units`).
    spend_model : GammaGamma, optional
        With it, ``clv`` = :func:`crmlab.clv.customer_lifetime_value` over ``clv_horizon``.
    clv_horizon, discount_rate, discount_period, margin
        As ``horizon``, ``discount_rate`` (10 % a year), ``discount_period`` and ``margin`` of
        :func:`crmlab.clv.customer_lifetime_value`.
    time_unit : str, optional
        The model's unit when it does not record it (a Parquet or Spark summary has no attrs).
    chunk_size : int
        Customers scored at a time (memory is bounded by it; Spark: by its partitions).
    output : str or Path, optional
        Parquet file the scores are written to (required for a Parquet input).
    id_column : str
        The customer id column of a Parquet or Spark input.
    progress : bool, optional
        tqdm bar over the chunks; default on when there is more than one chunk.

    Returns
    -------
    pandas.DataFrame, Path or PySpark DataFrame
        pandas: p_alive, expected_purchases (and clv) on the summary's index; Parquet: the path
        of ``output`` (``id_column`` + the scores); Spark: a Spark DataFrame of the same columns.
    """
    model._check_fitted()
    sources = [model] + ([summary] if isinstance(summary, pd.DataFrame) else [])
    unit = model_time_unit(*sources, where="score", time_unit=time_unit)
    horizon = to_model_units(horizon, unit, "score", "horizon")
    check_number("horizon", horizon, lo=0, where="score")
    chunk_size = check_number("chunk_size", chunk_size, lo=1, integer=True, where="score")
    clv = {
        "horizon": clv_horizon,
        "discount_rate": discount_rate,
        "discount_period": discount_period,
        "margin": margin,
        "time_unit": unit,
    }
    if _is_spark(summary):
        return _score_spark(model, summary, horizon, spend_model, clv, id_column)
    if isinstance(summary, (str, os.PathLike)):
        if output is None:
            raise ValueError("score: output (a Parquet path) is required when summary is a Parquet path")
        return _score_parquet(
            model, summary, horizon, spend_model, clv, chunk_size, output, id_column, progress
        )
    if not isinstance(summary, pd.DataFrame):
        raise TypeError(
            f"score: summary must be a DataFrame, a Parquet path or a Spark DataFrame, not {type(summary)}"
        )
    n = len(summary)
    parts = []
    with _bar(math.ceil(n / chunk_size), progress, "score") as bar:
        for start in range(0, n, chunk_size):
            parts.append(
                _score_frame(summary.iloc[start : start + chunk_size], model, horizon, spend_model, clv)
            )
            bar.update(1)
    out = pd.concat(parts) if parts else _score_frame(summary, model, horizon, spend_model, clv)
    if output is not None:
        out.to_parquet(output)
    return out


def _score_parquet(model, path, horizon, spend_model, clv, chunk_size, output, id_column, progress) -> Path:
    """Read ``path`` in batches of ``chunk_size`` rows with pyarrow, score, append to ``output``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    source = pq.ParquetFile(path)
    names = [id_column, *RFM_COLUMNS] + (["monetary_value"] if spend_model is not None else [])
    total = math.ceil(source.metadata.num_rows / chunk_size)
    writer = None
    try:
        with _bar(total, progress, "score") as bar:
            for batch in source.iter_batches(batch_size=chunk_size, columns=names):
                frame = batch.to_pandas()
                scores = _score_frame(frame, model, horizon, spend_model, clv)
                scores.insert(0, id_column, frame[id_column].to_numpy())
                table = pa.Table.from_pandas(scores, preserve_index=False)
                writer = writer or pq.ParquetWriter(output, table.schema)
                writer.write_table(table)
                bar.update(1)
    finally:
        if writer is not None:
            writer.close()
    return Path(output)


def _score_spark(model, frame, horizon, spend_model, clv, id_column: str):
    """Score a PySpark DataFrame with ``mapInPandas``: the fitted parameters travel, not the data."""
    from pyspark.sql import types as st

    kind, params = type(model), dict(model.params_)
    spend = None if spend_model is None else (type(spend_model), dict(spend_model.params_))
    fields = [frame.schema[id_column], st.StructField("p_alive", st.DoubleType())]
    fields.append(st.StructField("expected_purchases", st.DoubleType()))
    if spend is not None:
        fields.append(st.StructField("clv", st.DoubleType()))

    def score_batches(batches):
        local = kind.from_params(**params)
        local_spend = None if spend is None else spend[0].from_params(**spend[1])
        for pdf in batches:
            scores = _score_frame(pdf, local, horizon, local_spend, clv)
            scores.insert(0, id_column, pdf[id_column].to_numpy())
            yield scores

    columns = [id_column, *RFM_COLUMNS] + (["monetary_value"] if spend is not None else [])
    return frame.select(*columns).mapInPandas(score_batches, schema=st.StructType(fields))
