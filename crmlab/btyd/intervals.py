"""An interval on every prediction: parameters, P(alive), expected purchases, DERT and CLV.

Three ways to carry the estimation uncertainty of a fitted model into what it predicts, per
customer or for a cohort total (users ask for this in every tracker: lifetimes #273 and #201,
PyMC-Marketing #1223; CLVTools added bootstrapping in 0.11):

* ``"delta"`` -- the delta method on the log-parameters u = log(theta): with Sigma_u = D^-1
  Sigma D^-1 (Sigma = ``covariance_``, the inverse Hessian on the natural scale, D = diag(theta))
  and g = d f / d u by central differences, se(f) = sqrt(g' Sigma_u g); the interval is
  f -+ z se (z the normal quantile of the level). Fast: 2k + 1 predictions for k parameters.
* ``"draws"`` -- parametric draws u_b ~ N(u_hat, Sigma_u), b = 1..B (seeded), f evaluated for
  each drawn model (``from_params``); the interval is the central ``level`` share of the B values
  (the "approximate Bayesian" interval of Krinsky & Robb 1986; what CLVTools calls the
  asymptotic-normal approach).
* ``"bootstrap"`` -- customers resampled with replacement (seeded; Efron & Tibshirani 1993): on a
  summary of one row per customer the weights of a resample are Multinomial(n, 1/n) counts, on
  weighted patterns (a ``n_customers`` column) Multinomial(n, w / n) -- the exact customer
  bootstrap at the cost of the patterns; the model is refitted on each from the original
  estimates (one start) and f evaluated; percentile interval.

Several models (the transaction and the spend model of a CLV) are independent: their
log-parameters are stacked with a block-diagonal covariance (delta, draws) or refitted on the
same resampled customers (bootstrap). Every interval is about the *expected* quantity given the
data (parameter uncertainty), not the purchase noise of one future period.
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from .._validate import check_choice, check_number
from ..exceptions import ConvergenceWarning
from ._base import LikelihoodModel

__all__ = [
    "METHODS",
    "parameter_intervals",
    "prediction_interval",
    "probability_alive_interval",
    "expected_purchases_interval",
    "dert_interval",
    "clv_interval",
]

METHODS = ("delta", "draws", "bootstrap")
"""How :func:`prediction_interval` carries parameter uncertainty into a prediction."""

_STEP = 1e-5  # central-difference step on the log-parameters (delta method)


def _as_models(models) -> tuple[LikelihoodModel, ...]:
    out = tuple(models) if isinstance(models, (list, tuple)) else (models,)
    for m in out:
        if not isinstance(m, LikelihoodModel):
            raise TypeError(
                f"prediction_interval: expected fitted crmlab.btyd models, got {type(m).__name__}"
            )
        m._check_fitted()
    return out


def _log_covariance(model: LikelihoodModel, where: str) -> tuple[np.ndarray, np.ndarray]:
    """(u_hat, Sigma_u): log-parameters and their covariance D^-1 Sigma D^-1."""
    theta = np.array([model.params_[k] for k in model._names], dtype=np.float64)
    cov = model.covariance_.loc[list(model._names), list(model._names)].to_numpy(dtype=np.float64)
    if not np.all(np.isfinite(cov)):
        raise ValueError(
            f"{where}: {type(model).__name__} has no finite covariance_ (built with from_params, or a "
            "singular Hessian): fit it on data, or use method='bootstrap'"
        )
    return np.log(theta), cov / np.outer(theta, theta)


def _stacked(models) -> tuple[np.ndarray, np.ndarray, list[int]]:
    parts = [_log_covariance(m, "prediction_interval") for m in models]
    u = np.concatenate([p[0] for p in parts])
    sizes = [p[0].size for p in parts]
    cov = np.zeros((u.size, u.size))
    at = 0
    for (_, c), k in zip(parts, sizes, strict=True):
        cov[at : at + k, at : at + k] = c
        at += k
    return u, cov, sizes


def _rebuild(models, u: np.ndarray, sizes: list[int]) -> tuple[LikelihoodModel, ...]:
    out, at = [], 0
    for m, k in zip(models, sizes, strict=True):
        params = dict(zip(m._names, np.exp(u[at : at + k]), strict=True))
        out.append(type(m).from_params(time_unit=getattr(m, "time_unit_", None), **params))
        at += k
    return tuple(out)


def _values(predict: Callable, models) -> np.ndarray:
    return np.atleast_1d(np.asarray(predict(*models), dtype=np.float64)).ravel()


def _delta(models, predict, z: float) -> tuple[np.ndarray, np.ndarray]:
    u, cov, sizes = _stacked(models)
    grad = np.empty((u.size, _values(predict, models).size))
    for j in range(u.size):
        up, down = u.copy(), u.copy()
        up[j] += _STEP
        down[j] -= _STEP
        grad[j] = (
            _values(predict, _rebuild(models, up, sizes)) - _values(predict, _rebuild(models, down, sizes))
        ) / (2 * _STEP)
    se = np.sqrt(np.maximum(np.einsum("jc,jk,kc->c", grad, cov, grad), 0.0))
    return se, None


def _bar(total: int, progress: bool | None, desc: str):
    disable = (total < 50) if progress is None else not progress
    if disable:  # tqdm.auto warns in kernels without ipywidgets even for a disabled bar
        from tqdm import tqdm
    else:
        from tqdm.auto import tqdm
    return tqdm(total=total, desc=desc, disable=disable)


def _draws(models, predict, n_draws: int, seed: int, progress) -> np.ndarray:
    u, cov, sizes = _stacked(models)
    rng = np.random.default_rng(seed)
    us = rng.multivariate_normal(u, cov, size=n_draws, method="eigh")
    out = []
    with _bar(n_draws, progress, "parameter draws") as bar:
        for row in us:
            out.append(_values(predict, _rebuild(models, row, sizes)))
            bar.update(1)
    return np.array(out)


def _one_bootstrap(refit, predict, counts) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return _values(predict, refit(counts))


def _bootstrap(predict, refit, base_weights, n_draws: int, seed: int, progress, n_jobs: int) -> np.ndarray:
    if refit is None:
        raise ValueError("prediction_interval: method='bootstrap' needs refit= (the wrappers build it)")
    n = int(round(float(np.sum(base_weights))))
    rng = np.random.default_rng(seed)
    counts = rng.multinomial(n, base_weights / base_weights.sum(), size=n_draws).astype(np.float64)
    if n_jobs != 1:
        from joblib import Parallel, delayed

        return np.array(Parallel(n_jobs=n_jobs)(delayed(_one_bootstrap)(refit, predict, c) for c in counts))
    out = []
    with _bar(n_draws, progress, "bootstrap") as bar:
        for c in counts:
            out.append(_one_bootstrap(refit, predict, c))
            bar.update(1)
    return np.array(out)


def prediction_interval(
    models: LikelihoodModel | Sequence[LikelihoodModel],
    predict: Callable[..., np.ndarray | float],
    *,
    method: str = "delta",
    level: float = 0.9,
    n_draws: int = 1000,
    seed: int = 0,
    refit: Callable[[np.ndarray], tuple] | None = None,
    weights: np.ndarray | None = None,
    index=None,
    progress: bool | None = None,
    n_jobs: int = 1,
) -> pd.DataFrame:
    """Interval of any prediction of fitted models, by the delta method, draws or the bootstrap.

    See the module docstring for the three methods and their formulas.

    Parameters
    ----------
    models : LikelihoodModel or sequence of them
        Fitted models (independent estimates: their covariances are stacked block-diagonally).
    predict : callable
        ``predict(*models) -> array or float``: per customer, or one cohort total.
    method : str
        "delta" (default), "draws" or "bootstrap".
    level : float
        Interval level in (0, 1) (0.9: the 5 % and 95 % bounds).
    n_draws : int
        Parameter draws or bootstrap resamples.
    seed : int
        Seed of the draws / resamples.
    refit : callable, optional
        For the bootstrap: ``refit(counts) -> tuple of models`` refitted with customer weights
        ``counts`` (one per row of the data); the wrappers below build it.
    weights : numpy.ndarray, optional
        For the bootstrap: the rows' customer counts (1 each for one row per customer).
    index : array-like, optional
        Index of the result (the customers); default 0..n-1, or ["total"] for one value.
    progress : bool, optional
        A tqdm bar over draws / resamples (default: when there are 50 or more).
    n_jobs : int
        Parallel bootstrap refits with joblib (1: none).

    Returns
    -------
    pandas.DataFrame
        estimate, se, lower, upper per row; ``attrs``: method, level, n_draws, seed.

    Raises
    ------
    ValueError
        For an unknown method, a level outside (0, 1), or a model without a finite covariance
        (delta, draws).
    """
    where = "prediction_interval"
    method = check_choice("method", method, list(METHODS), where=where)
    level = check_number("level", level, lo=0, hi=1, lo_open=True, hi_open=True, where=where)
    n_draws = check_number("n_draws", n_draws, lo=2, integer=True, where=where)
    models = _as_models(models)
    estimate = _values(predict, models)
    q = [(1 - level) / 2, (1 + level) / 2]
    if method == "delta":
        z = float(stats.norm.ppf(q[1]))
        se, _ = _delta(models, predict, z)
        lower, upper = estimate - z * se, estimate + z * se
    else:
        if method == "draws":
            sims = _draws(models, predict, n_draws, seed, progress)
        else:
            base = np.ones(1) if weights is None else np.asarray(weights, dtype=np.float64)
            sims = _bootstrap(predict, refit, base, n_draws, seed, progress, n_jobs)
        ok = np.all(np.isfinite(sims), axis=1)
        sims = sims[ok]
        se = sims.std(axis=0, ddof=1)
        lower, upper = np.quantile(sims, q, axis=0)
    if index is None:
        index = ["total"] if estimate.size == 1 else pd.RangeIndex(estimate.size)
    out = pd.DataFrame({"estimate": estimate, "se": se, "lower": lower, "upper": upper}, index=index)
    out.attrs.update(method=method, level=level, n_draws=None if method == "delta" else n_draws, seed=seed)
    return out


def parameter_intervals(model: LikelihoodModel, level: float = 0.9) -> pd.DataFrame:
    """Wald intervals of the parameters on the log scale: theta exp(-+ z se(theta) / theta).

    The log scale keeps the bounds positive and is where the likelihood is closest to normal
    (the models are fitted on log-parameters); se(log theta) = se(theta) / theta (delta method).

    Parameters
    ----------
    model : LikelihoodModel
        A fitted model (with ``standard_errors_``).
    level : float
        Interval level in (0, 1).

    Returns
    -------
    pandas.DataFrame
        estimate, se, lower, upper per parameter.
    """
    level = check_number("level", level, lo=0, hi=1, lo_open=True, hi_open=True, where="parameter_intervals")
    model._check_fitted()
    z = float(stats.norm.ppf((1 + level) / 2))
    est = pd.Series(model.params_, dtype=np.float64)
    se = pd.Series(model.standard_errors_, dtype=np.float64).reindex(est.index)
    factor = np.exp(z * se / est)
    out = pd.DataFrame({"estimate": est, "se": se, "lower": est / factor, "upper": est * factor})
    out.attrs.update(level=level)
    return out


# ------------------------------------------------------------------ wrappers on a summary
_RFM = ("frequency", "recency", "T")


def _weights(summary: pd.DataFrame) -> np.ndarray:
    if "n_customers" in summary.columns:
        return summary["n_customers"].to_numpy(dtype=np.float64)
    return np.ones(len(summary))


def _refit_one(model: LikelihoodModel, columns: list[np.ndarray], counts: np.ndarray) -> LikelihoodModel:
    """``model``'s class refitted on ``columns`` with weights ``counts``, from its estimates."""
    keep = counts > 0
    cls = type(model)
    fresh = cls(penalizer=model.penalizer, n_starts=1, random_state=0)
    kwargs = {}
    if "initial_params" in inspect.signature(cls.fit).parameters:
        kwargs["initial_params"] = dict(model.params_)
    unit = getattr(model, "time_unit_", None)
    if unit is not None and "time_unit" in inspect.signature(cls.fit).parameters:
        kwargs["time_unit"] = unit
    return fresh.fit(*(c[keep] for c in columns), weights=counts[keep], **kwargs)


def _transaction_refit(model, summary):
    cols = [summary[c].to_numpy(dtype=np.float64) for c in _RFM]
    return lambda counts: (_refit_one(model, cols, counts),)


def _wrapped(models, predict, summary, total, method, refit, **kwargs) -> pd.DataFrame:
    index = ["total"] if total else summary.index
    weights = _weights(summary)
    if total:  # a cohort total counts each pattern's customers
        each = predict

        def predict(*ms):
            return float(np.asarray(each(*ms), dtype=np.float64) @ weights)

    return prediction_interval(
        models, predict, method=method, refit=refit, weights=weights, index=index, **kwargs
    )


def _transaction_interval(model, summary, per_customer, total: bool, method: str, kwargs) -> pd.DataFrame:
    """Interval of ``per_customer(model, x, t_x, T)`` over ``summary``'s customers (or their total)."""
    x, tx, T = (summary[c].to_numpy(dtype=np.float64) for c in _RFM)

    def predict(m):
        return np.asarray(per_customer(m, x, tx, T), dtype=np.float64)

    refit = _transaction_refit(model, summary)
    return _wrapped(model, predict, summary, total, method, refit, **kwargs)


def probability_alive_interval(
    model: LikelihoodModel, summary: pd.DataFrame, *, total: bool = False, method: str = "delta", **kwargs
) -> pd.DataFrame:
    """P(alive) per customer (or the expected number alive, ``total=True``) with an interval.

    Parameters
    ----------
    model : BetaGeo, ParetoNBD or ModifiedBetaGeo
        Fitted on ``summary``'s customers.
    summary : pandas.DataFrame
        frequency, recency, T (one row per customer, or patterns with ``n_customers``).
    total : bool
        One row for the sum over customers instead of one per customer.
    method : str
        "delta", "draws" or "bootstrap" (:func:`prediction_interval`).
    **kwargs
        level, n_draws, seed, progress, n_jobs of :func:`prediction_interval`.

    Returns
    -------
    pandas.DataFrame
        estimate, se, lower, upper per customer (or one row "total").
    """
    return _transaction_interval(
        model, summary, lambda m, x, tx, T: m.conditional_probability_alive(x, tx, T), total, method, kwargs
    )


def expected_purchases_interval(
    model: LikelihoodModel,
    summary: pd.DataFrame,
    t,
    *,
    total: bool = False,
    method: str = "delta",
    **kwargs,
) -> pd.DataFrame:
    """E[Y(t) | x, t_x, T] per customer (or the cohort total) with an interval.

    Parameters
    ----------
    model : BetaGeo, ParetoNBD or ModifiedBetaGeo
        Fitted on ``summary``'s customers.
    summary : pandas.DataFrame
        frequency, recency, T (one row per customer, or patterns with ``n_customers``).
    t : float, array-like, str or pandas.DateOffset
        Horizon: a number (or one per customer, e.g. ``duration_holdout``) in the model's unit,
        or a span such as "12 months" (converted with :func:`crmlab.units.to_model_units`).
    total : bool
        One row for the sum over customers.
    method : str
        "delta", "draws" or "bootstrap".
    **kwargs
        level, n_draws, seed, progress, n_jobs of :func:`prediction_interval`.

    Returns
    -------
    pandas.DataFrame
        estimate, se, lower, upper per customer (or one row "total").
    """
    from ..units import model_time_unit, to_model_units

    if isinstance(t, (str, pd.DateOffset, pd.Timedelta)):
        unit = model_time_unit(model, summary, where="expected_purchases_interval")
        t = to_model_units(t, unit, "expected_purchases_interval", "t")
    horizon = np.asarray(t, dtype=np.float64)
    return _transaction_interval(
        model, summary, lambda m, x, tx, T: m._conditional_expected(horizon, x, tx, T), total, method, kwargs
    )


def dert_interval(
    model: LikelihoodModel,
    summary: pd.DataFrame,
    discount_rate: float,
    *,
    total: bool = False,
    method: str = "delta",
    **kwargs,
) -> pd.DataFrame:
    """DERT (discounted expected residual transactions) with an interval, for models with ``dert``.

    Parameters
    ----------
    model : BetaGeo or ParetoNBD
        Fitted; it must offer ``dert(frequency, recency, T, discount_rate)``.
    summary : pandas.DataFrame
        frequency, recency, T.
    discount_rate : float
        Continuous rate delta per model time unit (see :meth:`crmlab.btyd.ParetoNBD.dert`).
    total : bool
        One row for the sum over customers.
    method : str
        "delta", "draws" or "bootstrap".
    **kwargs
        level, n_draws, seed, progress, n_jobs of :func:`prediction_interval`.

    Returns
    -------
    pandas.DataFrame
        estimate, se, lower, upper per customer (or one row "total").
    """
    if not hasattr(model, "dert"):
        raise ValueError(f"dert_interval: {type(model).__name__} has no dert()")
    return _transaction_interval(
        model, summary, lambda m, x, tx, T: m.dert(x, tx, T, discount_rate), total, method, kwargs
    )


def clv_interval(
    transaction_model: LikelihoodModel,
    spend_model: LikelihoodModel,
    summary: pd.DataFrame,
    *,
    total: bool = False,
    method: str = "delta",
    level: float = 0.9,
    n_draws: int = 1000,
    seed: int = 0,
    progress: bool | None = None,
    n_jobs: int = 1,
    **clv_kwargs,
) -> pd.DataFrame:
    """CLV per customer (or of the cohort) with an interval from both models' uncertainty.

    CLV is :func:`crmlab.clv.customer_lifetime_value` (``clv_kwargs``: horizon, discount_rate,
    margin, discount_period, ...). The transaction and the spend model are estimated on
    different likelihoods and treated as independent (block-diagonal covariance); the bootstrap
    refits both on the same resampled customers (the Gamma-Gamma on the repeat buyers among them).

    Parameters
    ----------
    transaction_model : BetaGeo, ParetoNBD or ModifiedBetaGeo
        Fitted on ``summary``'s customers.
    spend_model : GammaGamma
        Fitted on the repeat buyers' frequency and monetary_value.
    summary : pandas.DataFrame
        rfm_summary's output (frequency, recency, T, monetary_value), one row per customer.
    total : bool
        One row for the cohort's CLV.
    method : str
        "delta", "draws" or "bootstrap".
    level, n_draws, seed, progress, n_jobs
        As :func:`prediction_interval`.
    **clv_kwargs
        Passed to :func:`crmlab.clv.customer_lifetime_value`.

    Returns
    -------
    pandas.DataFrame
        estimate, se, lower, upper per customer (or one row "total").
    """
    from ..clv import customer_lifetime_value  # clv imports btyd, not the reverse

    def predict(tm, sm):
        return customer_lifetime_value(tm, sm, summary, **clv_kwargs).to_numpy(dtype=np.float64)

    rfm = [summary[c].to_numpy(dtype=np.float64) for c in _RFM]
    repeat = summary["frequency"].to_numpy() > 0
    spend_cols = [summary.loc[repeat, c].to_numpy(dtype=np.float64) for c in ("frequency", "monetary_value")]

    def refit(counts):
        return (
            _refit_one(transaction_model, rfm, counts),
            _refit_one(spend_model, spend_cols, counts[repeat]),
        )

    return _wrapped(
        (transaction_model, spend_model),
        predict,
        summary,
        total,
        method,
        refit,
        level=level,
        n_draws=n_draws,
        seed=seed,
        progress=progress,
        n_jobs=n_jobs,
    )
