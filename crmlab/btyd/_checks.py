"""Input checks of the BTYD models: one value per customer, a possible summary, house errors.

Every model reads the per-customer summary of :func:`crmlab.rfm.rfm_summary` (frequency,
recency, T, monetary_value). Bad data raise :class:`crmlab.exceptions.CRMDataError` naming the
check, how many customers fail it and the first of them; bad arguments raise ``ValueError``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..exceptions import CRMDataError

# one value per customer (or a scalar for all), and what a prediction returns for it
ArrayLike = pd.Series | np.ndarray | Sequence[float] | float
Predicted = pd.Series | np.ndarray | float


def _plural(n: int, word: str) -> str:
    """``1 customer``, ``3 customers``, ``2,357 customers``."""
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _fail(where: str, column: str, message: str, mask: np.ndarray, index, columns: dict) -> CRMDataError:
    """A CRMDataError naming the check, how many customers fail it and the first of them."""
    mask = np.asarray(mask, dtype=bool)
    n_bad = int(mask.sum())
    i = int(np.flatnonzero(mask.ravel())[0])
    label = f"customer {index[i]!r}" if index is not None else f"position {i}"
    values = ", ".join(f"{k}={float(np.ravel(v)[i]):g}" for k, v in columns.items())
    example = f"{label}: {values}"
    of = _plural(mask.size, "customer")
    text = f"{where}: {column} {message} for {n_bad:,} of {of} (example: {example})"
    return CRMDataError(text, table="rfm summary", column=column, n_bad=n_bad, example=example)


def _array(values, name: str, where: str) -> np.ndarray:
    if isinstance(values, (pd.DataFrame,)):
        raise ValueError(
            f"{where}: {name} must be one column (a Series or array), not a DataFrame "
            f"with columns {list(values.columns)}; pass summary[{name!r}]"
        )
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(
            f"{where}: {name} must be numbers, got {type(values).__name__} "
            f"(example: {np.ravel(np.asarray(values, dtype=object))[:1]!r})"
        ) from None
    if arr.ndim > 1:
        raise ValueError(f"{where}: {name} must be 1-dimensional, got shape {arr.shape}")
    return arr


def _index_of(*values):
    for v in values:
        if isinstance(v, pd.Series):
            return v.index
    return None


def _same_length(where: str, **arrays) -> list[np.ndarray]:
    """The per-customer columns, each 1-d of one common length; a scalar (0-d) is repeated.

    Unlike numpy broadcasting, a column of length 1 next to one of length 2 is an error:
    every column must hold one value per customer.
    """
    sizes = {k: v.size for k, v in arrays.items() if v.ndim == 1}
    if len(set(sizes.values())) > 1:
        first = next(iter(sizes.values()))
        odd = next(k for k, n in sizes.items() if n != first)
        listing = ", ".join(f"{k} has {n:,}" for k, n in sizes.items())
        raise CRMDataError(
            f"{where}: the inputs must have one value per customer (or be scalars); "
            f"mismatched lengths: {listing}",
            table="rfm summary",
            column=odd,
            n_bad=abs(sizes[odd] - first),
            example=listing,
        )
    n = next(iter(sizes.values()), 1)
    out = [np.full(n, v, dtype=np.float64) if v.ndim == 0 else v for v in arrays.values()]
    if not sizes:  # all scalars: keep them scalars (one customer)
        out = [v.reshape(()) for v in arrays.values()]
    return out


def _broadcast(where: str, **arrays) -> list[np.ndarray]:
    try:
        return list(np.broadcast_arrays(*arrays.values()))
    except ValueError:
        sizes = ", ".join(f"{k} has {np.size(v):,}" for k, v in arrays.items())
        raise ValueError(
            f"{where}: the inputs must have one value per customer (or be scalars); "
            f"mismatched lengths: {sizes}"
        ) from None


def _check_rfm(frequency, recency, T, where: str):
    """Validated float arrays x, t_x, T (broadcast to one shape) and the customer index."""
    index = _index_of(frequency, recency, T)
    x = _array(frequency, "frequency", where)
    tx = _array(recency, "recency", where)
    TT = _array(T, "T", where)
    x, tx, TT = _same_length(where, frequency=x, recency=tx, T=TT)
    if x.size == 0:
        raise CRMDataError(f"{where}: no customers (the inputs are empty)", table="rfm summary", n_bad=0)
    if index is not None and len(index) != x.size:
        index = None
    cols = {"frequency": x, "recency": tx, "T": TT}
    for name, arr in cols.items():
        bad = ~np.isfinite(arr)
        if bad.any():
            raise _fail(where, name, "is missing or infinite", bad, index, cols)
        if (arr < 0).any():
            raise _fail(where, name, "is negative", arr < 0, index, cols)
    nonint = x != np.round(x)
    if nonint.any():
        raise _fail(
            where, "frequency", "is not a whole number (it counts repeat purchases)", nonint, index, cols
        )
    late = tx > TT * (1 + 1e-12)
    if late.any():
        raise _fail(
            where,
            "recency",
            "is greater than T (the last purchase cannot come after the end of observation)",
            late,
            index,
            cols,
        )
    orphan = (x == 0) & (tx > 0)
    if orphan.any():
        raise _fail(
            where,
            "recency",
            "is > 0 although frequency is 0 (with no repeat purchase the recency must be 0)",
            orphan,
            index,
            cols,
        )
    instant = (x > 0) & (tx <= 0)
    if instant.any():
        raise _fail(
            where,
            "recency",
            "is 0 although frequency is > 0 (a repeat purchase comes after the first one, so the "
            "recency must be > 0; frequency counts repeat purchase days, as in rfm_summary)",
            instant,
            index,
            cols,
        )
    return x, np.minimum(tx, TT), TT, index


def _check_identified(x: np.ndarray, where: str) -> None:
    n, n_rep = x.size, int((x > 0).sum())
    if n < 2 or n_rep == 0:
        need = "without repeat purchases" if n_rep == 0 else "from a single customer"
        raise CRMDataError(
            f"{where}: the model cannot be estimated {need}: "
            f"{_plural(n, 'customer')}, {n_rep:,} with frequency > 0",
            table="rfm summary",
            column="frequency",
            n_bad=n - n_rep,
        )


def _rfm_hint(x: np.ndarray, tx: np.ndarray, T: np.ndarray) -> str:
    """What the summary says about repeat buying and dropout, for a ConvergenceWarning."""
    rep = x > 0
    n_rep, gap = int(rep.sum()), int((rep & (tx < T)).sum())
    text = f"{n_rep:,} of {_plural(x.size, 'customer')} made repeat purchases"
    if n_rep and gap == 0:
        return text + " and every one of them bought last at the end of observation: no evidence of dropout"
    if n_rep < 20:
        return text + ": too few repeat buyers to estimate the model"
    return text + f", {gap:,} of them last bought before the end of observation"


def _check_t(t, where: str, unit: str | None = None) -> np.ndarray:
    """Horizons as a float array of any shape, each finite and >= 0.

    A span with its unit ("12 months", ``pd.Timedelta``, ``pd.DateOffset``) is converted to the
    model's time ``unit`` exactly (:func:`crmlab.units.to_model_units`); a number is taken to be in
    the model's unit already.
    """
    if isinstance(t, str) or hasattr(t, "total_seconds") or type(t).__name__.endswith("DateOffset"):
        from ..units import to_model_units

        if unit is None:
            raise ValueError(
                f"{where}: t={t!r} has a unit but the model's time unit is unknown; give t in the "
                "model's unit, or fit on a summary that records it (from_params(time_unit=...))"
            )
        return np.asarray(to_model_units(t, unit, where, "t"), dtype=np.float64)
    try:
        arr = np.asarray(t, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{where}: the horizon t must be numbers, got {t!r}") from None
    bad = ~(np.isfinite(arr) & (arr >= 0))
    if bad.any():
        raise ValueError(
            f"{where}: the horizon t must be finite and >= 0 (in the time unit of the "
            f"fit), got {arr[bad].ravel()[0]!r}"
        )
    return arr


def _wrap(values: np.ndarray, index, name: str):
    values = np.asarray(values, dtype=np.float64)
    if values.ndim == 0:
        return float(values)
    if index is not None and len(index) == len(values):
        return pd.Series(values, index=index, name=name)
    return values


def _check_weights(weights, size: int, where: str) -> np.ndarray:
    """Validated per-row weights (customers per pattern): finite, >= 0, one per row, not all 0.

    ``None`` is a weight of 1 per row. Bad weights are bad data: :class:`CRMDataError`.
    """
    if weights is None:
        return np.ones(size)
    w = _array(weights, "weights", where)
    if w.ndim == 0:
        w = np.full(size, float(w))
    if w.size != size:
        raise CRMDataError(
            f"{where}: weights has {w.size:,} values but the data have {size:,} rows (one weight per row)",
            table="rfm summary",
            column="weights",
            n_bad=abs(w.size - size),
        )
    cols = {"weights": w}
    bad = ~np.isfinite(w)
    if bad.any():
        raise _fail(where, "weights", "is missing or infinite", bad, None, cols)
    if (w < 0).any():
        raise _fail(where, "weights", "is negative (a weight counts customers)", w < 0, None, cols)
    if not (w > 0).any():
        raise CRMDataError(f"{where}: every weight is 0", table="rfm summary", column="weights", n_bad=size)
    return w


# A fit is on the model's boundary (a parameter run to 0 or infinity on the log scale) when:
SHAPE_BIG = 100.0  # a gamma shape (r, s) above this: coefficient of variation < 10 %, no heterogeneity
CONCENTRATION_BIG = 1_000.0  # a + b of the BG/NBD's beta above this: the same dropout probability for all
DROPOUT_SMALL = 1e-6  # mean dropout below one per million purchases: no dropout in the data


def _boundary(params: dict[str, float]) -> tuple[str, ...]:
    """The boundary solutions of a BG/NBD- or Pareto/NBD-type fit, each said in words.

    * r, alpha -> infinity with r/alpha fixed (r > SHAPE_BIG): no heterogeneity in purchase rates;
    * BG/NBD a/(a+b) -> 0 (a -> 0 or b -> infinity, mean < DROPOUT_SMALL): no evidence of
      dropout; a, b -> infinity with a/(a+b) fixed (a + b > CONCENTRATION_BIG): one dropout
      probability for all;
    * Pareto/NBD s/beta -> 0 (s -> 0 or beta -> infinity; the mean dropout rate below
      DROPOUT_SMALL times the mean purchase rate r/alpha): no evidence of dropout; s, beta ->
      infinity with s/beta fixed (s > SHAPE_BIG): one dropout rate for all.

    Parameters of other models are not read. Returns one sentence per finding (empty: none).
    """
    found = []
    r, alpha = params.get("r"), params.get("alpha")
    rate = r / alpha if r and alpha else None
    if rate is not None and r > SHAPE_BIG:
        found.append(
            f"no heterogeneity in purchase rates: r = {r:,.4g} and alpha = {alpha:,.4g} run to infinity "
            f"together and only their ratio is estimated (everyone buys at about r/alpha = {rate:.3g} "
            f"per time unit); a Poisson purchase process without the gamma mixing describes these data"
        )
    a, b = params.get("a"), params.get("b")
    if a and b:
        mean = a / (a + b)
        if mean < DROPOUT_SMALL:
            found.append(
                f"no evidence of dropout in these data: the dropout probability after a purchase "
                f"a/(a+b) = {mean:.2g} ran to 0 (a = {a:.3g}, b = {b:,.4g}); a model without dropout "
                f"(the NBD) describes them"
            )
        elif a + b > CONCENTRATION_BIG:
            found.append(
                f"no heterogeneity in dropout: a = {a:,.4g} and b = {b:,.4g} run to infinity together "
                f"and every customer has the same dropout probability a/(a+b) = {mean:.3g}"
            )
    s, beta = params.get("s"), params.get("beta")
    if s and beta and rate:
        if s / beta < DROPOUT_SMALL * rate:
            found.append(
                f"no evidence of dropout in these data: the mean dropout rate s/beta = {s / beta:.2g} "
                f"per time unit ran to 0 (s = {s:.3g}, beta = {beta:,.4g}), under one dropout per million "
                f"purchases; a model without dropout (the NBD) describes them"
            )
        elif s > SHAPE_BIG:
            found.append(
                f"no heterogeneity in dropout: s = {s:,.4g} and beta = {beta:,.4g} run to infinity "
                f"together and every customer has the same dropout rate s/beta = {s / beta:.3g}"
            )
    return tuple(found)


def _boundary_message(name: str, findings: tuple[str, ...]) -> str:
    """The words for a boundary fit, with the remedies: a penalizer, a simpler model."""
    return (
        f"the optimum is on the model's boundary -- {'; '.join(findings)}. The estimates there are not "
        f"meaningful numbers; {name}(penalizer=0.01) keeps them finite, or use the simpler model"
    )


def _report_boundary(model, base_message: str | None = None) -> str | None:
    """Record the boundary check of a fitted BG/NBD or Pareto/NBD and word it.

    ``convergence_["boundary"]`` holds the findings (empty: none); a boundary solution makes
    the fit not converged (its estimates are not meaningful numbers). Returns
    the boundary words put before ``base_message`` (the convergence message of an optimum that
    failed another check), the words alone for an optimum that passed every other check (the
    caller warns with them), or None when there is nothing to say.
    """
    d, name = model.convergence_, type(model).__name__
    found = d.get("boundary", ())
    if not found:
        return base_message
    words = _boundary_message(name, found)
    if base_message is not None:
        return f"{name}.fit: {words}. {base_message}"
    if not model.converged_:
        return None  # the base class warns, with the words (through _convergence_message)
    model.converged_ = d["converged"] = False
    where = "model.convergence_['boundary']"
    return f"{name}.fit converged on the edge of the model: {words}. Diagnostics: {where}."
