"""Recency, frequency, monetary value: the per-customer summary every BTYD model starts from,
and the RFM scores and named segments of direct marketing.

``rfm_summary`` follows Fader & Hardie (and the lifetimes package):

* purchases on the same day count once (amounts are summed for that day);
* ``frequency`` = number of *repeat* purchase days (first purchase excluded);
* ``recency``   = time from the first to the last purchase;
* ``T``         = time from the first purchase to the end of observation;
* ``monetary_value`` = mean value of the repeat purchase days, 0 where frequency is 0.

Times are in ``time_unit``: ``"D"`` days, ``"W"`` weeks (7 days), ``"M"`` months
(365.25 / 12 days) or ``"Y"`` years (365.25 days), measured in days and divided, so
a first purchase on 1997-01-01 observed to 1997-09-30 has T = 272 / 7 = 38.86 weeks.

``rfm_scores`` uses the direct-marketing convention instead (Hughes 1994): recency is
the number of days *since* the last purchase, frequency the number of purchase days
(the first one included), monetary the total spend; each is scored 1..``bins`` by
quantile, 5 always the best (most recent, most frequent, highest spend).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ._validate import (
    bad_rows,
    check_choice,
    check_number,
    data_error,
    is_lazy,
    require_columns,
    resolve_observation_end,
)
from .exceptions import CRMDataError
from .units import TIME_UNITS, summary_attrs

__all__ = [
    "TIME_UNITS",
    "RFM_SEGMENTS",
    "rfm_summary",
    "CustomersLeftOutWarning",
    "quantile_score",
    "rfm_scores",
    "rfm_segment",
    "rfm_segment_summary",
]

_NS_PER_UNIT = {
    "D": 1,
    "h": 24,
    "m": 1440,
    "s": 86_400,
    "ms": 86_400_000,
    "us": 86_400_000_000,
    "ns": 86_400_000_000_000,
}

# segment -> what to do with it; the order is the order of the rules in rfm_segment
RFM_SEGMENTS = {
    "champions": "reward them: early access, loyalty points, ask for reviews and referrals",
    "loyal": "upsell higher-value products, membership tiers",
    "new": "onboard: welcome series, second-purchase incentive",
    "potential loyalists": "membership offer, similar-product recommendations",
    "can't lose": "win back personally before a competitor does; survey why they left",
    "at risk": "reactivation campaign with personalised offers",
    "hibernating": "low-cost reminders, relevant promotions",
    "lost": "ignore or a last cheap re-conversion attempt",
}


def _unit_days(time_unit: str) -> float:
    return TIME_UNITS[check_choice("time_unit", time_unit, sorted(TIME_UNITS), where="rfm_summary")]


def _check_columns(transactions: pd.DataFrame, caller: str, table: str = "transactions") -> None:
    require_columns(transactions, ("customer_id", "date", "amount"), table, caller)
    if len(transactions) == 0:
        raise data_error(table, None, f"{caller} got no rows", n_bad=0)


def _bad(transactions: pd.DataFrame, mask: np.ndarray, column: str, what: str) -> CRMDataError:
    return bad_rows(transactions, mask, "transactions", column, what, ["customer_id", "date", "amount"])


PARALLEL_ENCODE_ROWS = 2_000_000
"""Rows above which unsorted Arrow customer ids are dictionary-encoded in slices on several threads."""


def _dictionary_encode(values):
    """pyarrow's dictionary_encode, on one slice per core (up to 4) in threads above
    :data:`PARALLEL_ENCODE_ROWS` rows, then the slices' dictionaries unified (first-appearance
    order is kept: the first slice's values, then each later slice's new ones). pyarrow's hash
    kernel runs on one core and releases the GIL; on the 10M-row benchmark log (1M string ids in
    random order) two threads take 0.8x the time of one, unification included."""
    import os
    from concurrent.futures import ThreadPoolExecutor

    import pyarrow as pa
    import pyarrow.compute as pc

    workers = min(4, os.cpu_count() or 1)
    if len(values) < PARALLEL_ENCODE_ROWS or workers < 2:
        return pc.dictionary_encode(values)
    flat = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    step = -(-len(flat) // workers)
    slices = [flat.slice(i, step) for i in range(0, len(flat), step)]
    with ThreadPoolExecutor(workers) as pool:
        parts = list(pool.map(pc.dictionary_encode, slices))
    return pa.chunked_array(parts).unify_dictionaries()


def _customer_codes(transactions: pd.DataFrame) -> tuple[np.ndarray, pd.Index]:
    """Integer code per row (customers in order of first appearance) and the customer ids.

    Arrow-backed strings (pandas 3's default ``str``) are dictionary-encoded by pyarrow,
    which is several times faster than hashing Python strings; anything else goes
    through ``pd.factorize``.
    """
    ids = transactions["customer_id"]
    dtype = ids.dtype
    arrow = (isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow") or isinstance(
        dtype, pd.ArrowDtype
    )
    if arrow:
        import pyarrow as pa
        import pyarrow.compute as pc

        values = pa.array(ids.array)
        if values.null_count:
            raise _bad(transactions, ids.isna().to_numpy(), "customer_id", "have no customer id")
        if len(values) > 1:
            # rows sorted by customer (load_transactions sorts them): each run is one customer,
            # found by comparing neighbours -- three times faster than hashing the strings
            before, after = values[:-1], values[1:]
            if not pc.any(pc.less(after, before)).as_py():
                codes = np.empty(len(values), dtype=np.int64)
                codes[0] = 0
                codes[1:] = pc.cumulative_sum(pc.cast(pc.not_equal(after, before), pa.int64())).to_numpy()
                starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
                return codes, pd.Index(ids.array.take(starts), name="customer_id")
        encoded = _dictionary_encode(values)
        if isinstance(encoded, pa.ChunkedArray):
            chunks = encoded.chunks

            # pyarrow gives every chunk the final, shared dictionary; unify (slow) only if not
            def where(d):
                return [(b.address, b.size) for b in d.buffers() if b is not None]

            if chunks and any(where(c.dictionary) != where(chunks[0].dictionary) for c in chunks[1:]):
                chunks = encoded.unify_dictionaries().chunks
            dictionary = chunks[0].dictionary if chunks else pa.array([], pa.string())
            indices = [c.indices for c in chunks]
        else:
            dictionary, indices = encoded.dictionary, [encoded.indices]
        codes = (
            np.concatenate([i.to_numpy() for i in indices]) if len(indices) != 1 else indices[0].to_numpy()
        )
        return codes, pd.Index(pd.array(dictionary, dtype=dtype), name="customer_id")
    codes, uniques = pd.factorize(ids, sort=False)
    if (codes < 0).any():
        raise _bad(transactions, codes < 0, "customer_id", "have no customer id")
    return codes, pd.Index(uniques, name="customer_id")


def _day_numbers(transactions: pd.DataFrame) -> np.ndarray:
    """Calendar day of each row as an integer (days since 1970-01-01), any datetime unit."""
    dates = transactions["date"]
    if not pd.api.types.is_datetime64_any_dtype(dates):
        raise data_error(
            "transactions",
            "date",
            f"must be datetimes, not {dates.dtype}; load the table with crmlab.data.load_transactions",
        )
    if isinstance(dates.dtype, pd.DatetimeTZDtype):
        dates = dates.dt.tz_localize(None)
    values = dates.to_numpy()
    ticks = values.view(np.int64)
    nat = ticks == np.iinfo(np.int64).min
    if nat.any():
        raise _bad(transactions, nat, "date", "have no date")
    unit, count = np.datetime_data(values.dtype)
    per_day = _NS_PER_UNIT[unit] // count if unit in _NS_PER_UNIT else None
    if per_day is None or per_day * count != _NS_PER_UNIT[unit]:
        return values.astype("datetime64[D]").view(np.int64)
    return ticks // per_day


def _day(value, name: str) -> int:
    """Day number (days since 1970-01-01) of a date argument; ValueError naming it otherwise."""
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a date, not {value!r}") from exc
    if stamp is pd.NaT:
        raise ValueError(f"{name} must be a date, not {value!r}")
    return int(np.datetime64(stamp.date(), "D").astype(np.int64))


def _date(day: int) -> str:
    return str(np.datetime64(int(day), "D"))


def _window(transactions: pd.DataFrame, day0: int, observation_end, calibration_end) -> tuple[int, int]:
    """Day numbers of the observation end and the calibration end (the observation end if none)."""
    end_day = _day(resolve_observation_end(transactions["date"], observation_end), "observation_end")
    if end_day < day0:
        raise ValueError(f"rfm_summary: no transactions on or before the observation end {_date(end_day)}")
    if calibration_end is None:
        return end_day, end_day
    cal_day = _day(calibration_end, "calibration_end")
    if cal_day >= end_day:
        raise ValueError("rfm_summary: calibration_end must be before observation_end")
    if cal_day < day0:
        raise ValueError(
            f"rfm_summary: calibration_end {_date(cal_day)} is before the first purchase "
            f"({_date(day0)}): no customer has a purchase in the calibration period"
        )
    return end_day, cal_day


def _relative_days(days: np.ndarray, codes, amounts, day0: int, end_rel: int):
    """Day number from the first purchase in the log (int32 halves the big temporaries);
    rows after the observation end dropped."""
    rel = np.subtract(days, day0, dtype=np.int32 if days.max() - day0 < 2**31 else np.int64, casting="unsafe")
    if rel.max() > end_rel:
        keep = rel <= end_rel
        return rel[keep], codes[keep], amounts[keep]
    return rel, codes, amounts


def _purchase_days(codes: np.ndarray, rel: np.ndarray, n: int, span: int) -> tuple[np.ndarray, np.ndarray]:
    """Distinct (customer, day) pairs, sorted by customer then day, from one sort of packed keys.

    Big temporaries are kept few and narrow: on a 10M-row log, allocating them costs as much
    as computing.
    """
    kdtype = np.uint32 if n * span < 2**32 else np.uint64
    key = np.multiply(codes, span, dtype=kdtype, casting="unsafe")
    np.add(key, rel, out=key, casting="unsafe")
    key.sort()
    new = np.empty(len(key), dtype=bool)
    new[0] = True
    np.not_equal(key[1:], key[:-1], out=new[1:])
    key = key[new]
    del new
    pair_cust = key // kdtype(span)
    pair_day = key - pair_cust * kdtype(span)
    return pair_cust, pair_day


def _first_last(pair_cust: np.ndarray, pair_day: np.ndarray, n: int):
    """Per customer: number of purchase days, first and last day (-1 / 0 where none)."""
    n_days = np.zeros(n, dtype=np.int64)
    first = np.full(n, -1, dtype=np.int64)
    last = np.zeros(n, dtype=np.int64)
    if len(pair_cust):
        starts = np.flatnonzero(np.r_[True, pair_cust[1:] != pair_cust[:-1]])
        ends = np.r_[starts[1:], len(pair_cust)] - 1
        who = pair_cust[starts].astype(np.intp)
        n_days[who] = ends - starts + 1
        first[who] = pair_day[starts]
        last[who] = pair_day[ends]
    return n_days, first, last


def _n_distinct_sorted(values: np.ndarray) -> int:
    return int(np.count_nonzero(values[1:] != values[:-1])) + 1 if len(values) else 0


def _holdout_columns(out, pair_cust, in_cal_pair, codes, rel, amounts, keep_rows, cal_rel, n) -> None:
    """Repeat purchase days after the calibration end, their mean value."""
    freq_h = np.bincount(pair_cust[~in_cal_pair].astype(np.intp), minlength=n)
    spend_h = np.bincount(codes, weights=np.where(rel > cal_rel, amounts, 0.0), minlength=n)
    mon_h = np.divide(spend_h, freq_h, out=np.zeros(n), where=freq_h > 0)
    out["frequency_holdout"] = freq_h[keep_rows]
    out["monetary_value_holdout"] = mon_h[keep_rows]


def _calibration_summary(pair_cust, pair_day, codes, rel, amounts, uniques, cal_rel, end_rel, unit):
    """frequency, recency, T and monetary_value of the calibration period (all of it without one)."""
    n = len(uniques)
    in_cal_pair = pair_day <= cal_rel
    if cal_rel < end_rel:
        n_days, first, last = _first_last(pair_cust[in_cal_pair], pair_day[in_cal_pair], n)
    else:
        n_days, first, last = _first_last(pair_cust, pair_day, n)
    present = n_days > 0
    freq = np.where(present, n_days - 1, 0)
    # spend on repeat days of the calibration period: not the first day, not after cal_rel
    repeat = first.astype(rel.dtype)[codes] != rel
    if cal_rel < end_rel:
        repeat &= rel <= cal_rel
    repeat_spend = np.bincount(codes, weights=np.where(repeat, amounts, 0.0), minlength=n)
    del repeat
    mon = np.divide(repeat_spend, freq, out=np.zeros(n), where=freq > 0)
    keep_rows = np.flatnonzero(present)
    out = pd.DataFrame(
        {
            "frequency": freq[keep_rows],
            "recency": (last[keep_rows] - first[keep_rows]) / unit,
            "T": (cal_rel - first[keep_rows]) / unit,
            "monetary_value": mon[keep_rows],
        },
        index=uniques.take(keep_rows),
    )
    return out, keep_rows, in_cal_pair


class CustomersLeftOutWarning(UserWarning):
    """rfm_summary left customers out: all their purchases fall after ``observation_end``."""


def _report_left_out(out: pd.DataFrame, n: int, n_seen: int, observation_end: int, calibration: bool):
    """How many customers the window leaves out: a warning and ``summary.attrs``."""
    after_end = n - n_seen
    out.attrs["n_customers_after_observation_end"] = after_end
    if calibration:
        out.attrs["n_customers_after_calibration_end"] = n_seen - len(out)
    if after_end:
        warnings.warn(
            f"rfm_summary: {after_end:,} of {n:,} customers are left out: all their purchases fall "
            f"after observation_end {_date(observation_end)} "
            "(summary.attrs['n_customers_after_observation_end'])",
            CustomersLeftOutWarning,
            stacklevel=3,
        )


def rfm_summary(
    transactions, observation_end=None, time_unit: str = "W", calibration_end=None, *, collect: bool = True
) -> pd.DataFrame:
    """One row per customer: frequency, recency, T, monetary_value (BTYD convention).

    Parameters
    ----------
    transactions : canonical transactions table (``customer_id``, ``date``, ``amount``): a pandas
        DataFrame (computed here, in memory), or a lazy table computed in its engine by
        :func:`crmlab.engine.rfm_summary` -- a path to a Parquet / CSV file or a glob of Parquet
        files (DuckDB, out of core), an Ibis table (DuckDB, PostgreSQL, ...), a PySpark
        DataFrame (Spark). Engine results are sorted by ``customer_id``.
    observation_end : last day observed (inclusive; default: the last transaction date,
        ``crmlab._validate.resolve_observation_end``). Later transactions are ignored;
        customers whose purchases all come later are left out with a
        :class:`CustomersLeftOutWarning` and counted in
        ``summary.attrs["n_customers_after_observation_end"]``.
    time_unit : "D", "W", "M" or "Y" for recency and T.
    calibration_end : if given, frequency / recency / T / monetary_value describe the
        calibration period (purchases up to and including this day; customers whose
        first purchase is later are left out, counted in
        ``summary.attrs["n_customers_after_calibration_end"]``) and ``frequency_holdout``
        (repeat purchase days after it, up to ``observation_end``), ``monetary_value_holdout``
        (their mean value, 0 where none) and ``duration_holdout`` are added. A calibration end
        before the first purchase is a ValueError.
    collect : for a lazy table only: False leaves the summary in the engine (an Ibis table).

    Returns
    -------
    DataFrame
        Indexed by ``customer_id``; rows in the order of each customer's first appearance in
        the table.

    Source: Fader, Hardie & Lee (2005) "Counting your customers the easy way";
    lifetimes' ``summary_data_from_transaction_data`` (freq="D", freq_multiplier=7).

    Method: one O(n) pass to encode customers (neighbour comparisons when the rows are
    sorted by customer, as ``load_transactions`` leaves them; else hashing), one sort of
    packed ``(customer, day)`` integer keys (32-bit where they fit) to count distinct
    purchase days, and weighted ``bincount`` s for the amounts -- no per-row Python and
    no argsort of the whole log.
    """
    if is_lazy(transactions):
        from . import engine  # a path, an Ibis table or a PySpark DataFrame: compute where it lives

        return engine.rfm_summary(transactions, observation_end, time_unit, calibration_end, collect=collect)
    unit = _unit_days(time_unit)
    _check_columns(transactions, "rfm_summary")
    days = _day_numbers(transactions)
    amounts = transactions["amount"].to_numpy(dtype=np.float64)
    bad = ~np.isfinite(amounts)
    if bad.any():
        raise _bad(transactions, bad, "amount", "have a missing or infinite amount")
    codes, uniques = _customer_codes(transactions)
    codes = codes.astype(np.intp, copy=False)
    n = len(uniques)
    day0 = int(days.min())
    end_day, cal_day = _window(transactions, day0, observation_end, calibration_end)
    end_rel, cal_rel = end_day - day0, cal_day - day0
    rel, codes, amounts = _relative_days(days, codes, amounts, day0, end_rel)
    del days
    pair_cust, pair_day = _purchase_days(codes, rel, n, end_rel + 1)
    n_seen = _n_distinct_sorted(pair_cust)

    out, keep_rows, in_cal_pair = _calibration_summary(
        pair_cust, pair_day, codes, rel, amounts, uniques, cal_rel, end_rel, unit
    )
    if calibration_end is not None:
        _holdout_columns(out, pair_cust, in_cal_pair, codes, rel, amounts, keep_rows, cal_rel, n)
        out["duration_holdout"] = (end_day - cal_day) / unit
    out.index.name = "customer_id"
    out.attrs.update(summary_attrs(time_unit, end_day, None if calibration_end is None else cal_day))
    _report_left_out(out, n, n_seen, end_day, calibration_end is not None)
    return out


# --------------------------------------------------------------------------- RFM scores


def quantile_score(values, bins: int = 5, higher_is_better: bool = True) -> np.ndarray:
    """Quantile score 1..bins of each value; ties share one score.

    score = 1 + floor(bins * (r - 1) / n), where r is the value's *minimum* rank
    (1 = worst) among the n values: equal values get the score of the lowest position of
    their group, so the worst value always scores 1 and the best scores ``bins`` unless
    it is tied with values below its quantile. A large tie (e.g. 60 % one-time buyers)
    stays in one score, and the scores it spans are left empty instead of being filled
    arbitrarily. With ``higher_is_better=False`` the smallest value is the best (used for
    days since the last purchase).

    Parameters
    ----------
    values : array-like of numbers (no missing values).
    bins : number of scores, an integer >= 2.
    higher_is_better : whether larger values get higher scores.

    Returns
    -------
    ndarray of int
        The score of each value, 1..bins.
    """
    bins = check_number("bins", bins, lo=2, integer=True, where="quantile_score")
    x = np.asarray(values, dtype=np.float64)
    if np.isnan(x).any():
        raise ValueError(f"quantile_score: {int(np.isnan(x).sum())} values are missing")
    n = len(x)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    ranks = pd.Series(x if higher_is_better else -x).rank(method="min").to_numpy()
    return (1 + np.floor(bins * (ranks - 1) / n)).astype(np.int64)


def rfm_segment(scores: pd.DataFrame, bins: int = 5) -> pd.Series:
    """Named RFM segment of each customer from its R, F and M scores.

    With FM = (F + M) / 2 and scores on 1..5 (other ``bins`` are rescaled to 1..5 by
    s5 = 1 + 4 (s - 1) / (bins - 1)), the first matching rule wins:

    ===================  =====================================
    champions            R >= 4 and FM >= 4
    loyal                R >= 3 and FM >= 3
    new                  R >= 4 and F <= 2   (recent, one or few purchases)
    potential loyalists  R >= 3              (recent, middling)
    can't lose           R == 1 and FM >= 4  (were among the best, long silent)
    at risk              FM >= 3             (R <= 2 here: good customers slipping away)
    hibernating          R >= 2              (R == 2 and low FM)
    lost                 everyone else       (R == 1 and low FM)
    ===================  =====================================

    Adapted from the RFM segment grid popularised by Putler and Klaviyo (after Hughes 1994).

    Parameters
    ----------
    scores : table with ``R``, ``F`` and ``M`` scores on 1..bins (e.g. :func:`rfm_scores`).
    bins : the number of scores they were made with.

    Returns
    -------
    Series
        Categorical segment name per row, named ``segment``, on ``scores``' index.
    """
    require_columns(scores, ("R", "F", "M"), "scores", "rfm_segment")
    bins = check_number("bins", bins, lo=2, integer=True, where="rfm_segment")
    scale = 4.0 / (bins - 1)
    r = 1 + (scores["R"].to_numpy() - 1) * scale
    f = 1 + (scores["F"].to_numpy() - 1) * scale
    m = 1 + (scores["M"].to_numpy() - 1) * scale
    fm = (f + m) / 2.0
    eps = 1e-9
    names = list(RFM_SEGMENTS)
    conditions = [
        (r >= 4 - eps) & (fm >= 4 - eps),
        (r >= 3 - eps) & (fm >= 3 - eps),
        (r >= 4 - eps) & (f <= 2 + eps),
        r >= 3 - eps,
        (r <= 1 + eps) & (fm >= 4 - eps),
        fm >= 3 - eps,
        r > 1 + eps,
        np.ones(len(r), dtype=bool),
    ]
    labels = np.select(conditions, names, default="lost")
    cat = pd.CategoricalDtype(names, ordered=False)
    return pd.Series(pd.Categorical(labels, dtype=cat), index=scores.index, name="segment")


def rfm_scores(transactions: pd.DataFrame, observation_end=None, bins: int = 5) -> pd.DataFrame:
    """RFM table with quantile scores and named segments, one row per customer.

    Columns: ``recency_days`` = days from the last purchase to ``observation_end``;
    ``frequency`` = number of purchase days (same-day purchases count once, the first
    purchase counts); ``monetary`` = total spend (currency of ``amount``); ``R``, ``F``,
    ``M`` = :func:`quantile_score` on 1..bins with 5 (= ``bins``) the best: R scores
    *fewer* days since the last purchase higher; ``RFM`` = the three digits as text
    (e.g. "545"); ``segment`` = :func:`rfm_segment`.

    Source: Hughes (1994) "Strategic Database Marketing"; quintile scoring as in
    Bult & Wansbeek (1995).

    Parameters
    ----------
    transactions : canonical transactions table.
    observation_end : last day observed (default: the last purchase day).
    bins : number of scores per dimension.

    Returns
    -------
    DataFrame
        One row per customer (index ``customer_id``) with the columns above.
    """
    summary = rfm_summary(transactions, observation_end=observation_end, time_unit="D")
    table = pd.DataFrame(
        {
            "recency_days": (summary["T"] - summary["recency"]).to_numpy(),
            "frequency": summary["frequency"].to_numpy() + 1,
            "monetary": _total_spend(transactions, observation_end).reindex(summary.index).to_numpy(),
        },
        index=summary.index,
    )
    table["R"] = quantile_score(table["recency_days"], bins, higher_is_better=False)
    table["F"] = quantile_score(table["frequency"], bins)
    table["M"] = quantile_score(table["monetary"], bins)
    table["RFM"] = (
        (table["R"].astype(str) + table["F"].astype(str) + table["M"].astype(str))
        if bins <= 9
        else table["R"].astype(str) + "-" + table["F"].astype(str) + "-" + table["M"].astype(str)
    )
    table["segment"] = rfm_segment(table, bins=bins)
    return table


def _total_spend(transactions: pd.DataFrame, observation_end=None) -> pd.Series:
    """Total spend per customer up to and including ``observation_end``."""
    frame = transactions
    if observation_end is not None:
        end = resolve_observation_end(transactions["date"], observation_end) + pd.Timedelta(days=1)
        frame = transactions[transactions["date"] < end]
    return frame.groupby("customer_id", sort=False, observed=True)["amount"].sum()


def rfm_segment_summary(scores: pd.DataFrame) -> pd.DataFrame:
    """Customers, share, revenue and revenue share per RFM segment, with the action.

    revenue = sum of ``monetary``; share = customers / all customers; mean R, F, M
    scores and mean recency (days), frequency (purchase days) and spend per customer.

    Parameters
    ----------
    scores : the output of :func:`rfm_scores`.

    Returns
    -------
    DataFrame
        One row per segment (in the order of :data:`RFM_SEGMENTS`) with the action to take.
    """
    cols = ("segment", "monetary", "recency_days", "frequency", "R", "F", "M")
    require_columns(scores, cols, "scores", "rfm_segment_summary (the output of rfm_scores)")
    g = scores.groupby("segment", observed=False)
    out = pd.DataFrame(
        {
            "customers": g.size(),
            "revenue": g["monetary"].sum(),
            "R": g["R"].mean(),
            "F": g["F"].mean(),
            "M": g["M"].mean(),
            "recency_days": g["recency_days"].mean(),
            "frequency": g["frequency"].mean(),
            "spend_per_customer": g["monetary"].mean(),
        }
    )
    out.insert(1, "share", out["customers"] / out["customers"].sum())
    out.insert(3, "revenue_share", out["revenue"] / out["revenue"].sum())
    out["action"] = [RFM_SEGMENTS[s] for s in out.index]
    out.index = pd.Index(out.index.astype(str), name="segment")
    return out
