"""Probabilistic "buy 'til you die" models: BG/NBD, Pareto/NBD and Gamma-Gamma spend.

Every model starts from the per-customer summary of :func:`crmlab.rfm.rfm_summary`:

* ``frequency`` x  -- number of repeat purchase days (an integer >= 0);
* ``recency``   t_x -- time from the first to the last purchase;
* ``T``              -- time from the first purchase to the end of observation;
* ``monetary_value`` m -- mean value of the repeat purchases (Gamma-Gamma only).

Times are in whatever unit the summary used (``time_unit="W"``: weeks); the rate
parameters (``alpha``, ``beta``) come out in that unit and every horizon ``t``
passed to a prediction must be in it too.

Estimation is maximum likelihood with :func:`scipy.optimize.minimize` on the
log-parameters, from several starting points (the best is kept). The
likelihoods are computed in log space with ``gammaln`` / ``betaln``; the
Pareto/NBD's Gauss hypergeometric function is Euler-transformed to
2F1(1, b'; c'; z) with 0 <= z < 1, which is bounded, so it cannot overflow.
Standard errors come from a central-difference Hessian of the negative
log-likelihood at the optimum, on the natural parameter scale.

Sources: Fader, Hardie & Lee (2005a) "Counting your customers the easy way: an
alternative to the Pareto/NBD model", Marketing Science 24(2) -- BG/NBD;
Schmittlein, Morrison & Colombo (1987) and Fader & Hardie (2005) "A note on
deriving the Pareto/NBD model and related expressions" -- Pareto/NBD;
Fader, Hardie & Lee (2005b) "RFM and CLV: using iso-value curves for customer
base analysis", JMR 42(4), and Fader & Hardie (2013) "The Gamma-Gamma model of
monetary value" -- Gamma-Gamma; Fader & Hardie (2013) "Overcoming the BG/NBD
model's #NUM! error problem" -- the stable BG/NBD conditional expectation.
The API follows the ``lifetimes`` package (Davidson-Pilon, 2014-).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import optimize, special

from ._base import Estimator
from ._style import ACTUAL, MODEL, NEUTRAL, get_ax
from ._validate import check_number
from .exceptions import ConvergenceWarning, CRMDataError, NotFittedError
from .rfm import TIME_UNITS

__all__ = [
    "BetaGeo",
    "ParetoNBD",
    "GammaGamma",
    "expected_vs_actual_by_frequency",
    "cumulative_tracking",
    "plot_tracking",
    "plot_expected_vs_actual",
    "simulate_beta_geo",
    "simulate_pareto_nbd",
    "simulate_gamma_gamma",
]

DAYS_PER_MONTH = 365.25 / 12.0


# --------------------------------------------------------------------------- input checks


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
        raise ValueError(f"{where}: no customers (the inputs are empty)")
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


def _check_t(t, where: str) -> np.ndarray:
    """Horizons as a float array of any shape, each finite and >= 0."""
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


# --------------------------------------------------------------------------- numerics


def _numerical_hessian(f, theta: np.ndarray, rel_step: float = 1e-4) -> np.ndarray:
    """Central-difference Hessian of a scalar function at theta.

    ``f`` takes an (m, k) array of parameter points and returns m values, so all
    1 + 2k + 2k(k-1) points are evaluated in one vectorised call.
    H_ii = (f(+h_i) - 2 f(0) + f(-h_i)) / h_i^2,
    H_ij = (f(+h_i+h_j) - f(+h_i-h_j) - f(-h_i+h_j) + f(-h_i-h_j)) / (4 h_i h_j).
    """
    theta = np.asarray(theta, dtype=np.float64)
    k = theta.size
    h = rel_step * np.maximum(np.abs(theta), 1e-3)
    eye = np.diag(h)
    points = [theta]
    for i in range(k):
        points += [theta + eye[i], theta - eye[i]]
    pairs = [(i, j) for i in range(k) for j in range(i + 1, k)]
    for i, j in pairs:
        points += [
            theta + eye[i] + eye[j],
            theta + eye[i] - eye[j],
            theta - eye[i] + eye[j],
            theta - eye[i] - eye[j],
        ]
    vals = np.asarray(f(np.array(points)), dtype=np.float64)
    f0 = vals[0]
    H = np.empty((k, k))
    for i in range(k):
        H[i, i] = (vals[1 + 2 * i] - 2 * f0 + vals[2 + 2 * i]) / h[i] ** 2
    base = 1 + 2 * k
    for n, (i, j) in enumerate(pairs):
        pp, pm, mp, mm = vals[base + 4 * n : base + 4 * n + 4]
        H[i, j] = H[j, i] = (pp - pm - mp + mm) / (4 * h[i] * h[j])
    return H


def _compress(*columns: np.ndarray):
    """Unique rows of the data with their counts: likelihoods are evaluated once per pattern."""
    stacked = np.column_stack(columns)
    uniq, counts = np.unique(stacked, axis=0, return_counts=True)
    return [uniq[:, i] for i in range(uniq.shape[1])], counts.astype(np.float64)


# A fit is converged when its optimum passes three checks that do not depend on the optimiser's
# own stopping flag (which flips with the CPU and BLAS build at tight tolerances):
GRADIENT_TOL = 1e-6  # max |d mean-per-customer log-likelihood / d log(parameter)| at the optimum
START_TOL = 1e-6  # a start "reached the best optimum" if its mean per-customer LL is this close
HESSIAN_TOL = 1e-2  # min eigenvalue of the total NLL Hessian on the log scale (se of log-params < 10)


def _minimize_multistart(objective, starts, jac=None):
    """Minimise from every start with scipy.optimize.minimize (BFGS), each polished; keep the best.

    Each start runs BFGS to a loose gradient tolerance, then again from there with a tight
    one. ``jac=True`` means ``objective`` returns (value, gradient); otherwise gradients are
    finite differences, forward in the first stage and central in the second (needed to
    resolve the flat ridges of these likelihoods, e.g. the Pareto/NBD's (s, beta), to the
    published digits). Returns (best result, each start's final objective value): the
    values let the caller count how many starts reached the best optimum.
    """
    analytic = jac is True or callable(jac)
    finals = []
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for x0 in starts:
            best = None
            x = np.asarray(x0, dtype=np.float64)
            for tight in (False, True):
                fd = "3-point" if tight else "2-point"
                gtol = (1e-9 if analytic else 1e-8) if tight else (1e-4 if analytic else 1e-2)
                res = optimize.minimize(
                    objective,
                    x,
                    jac=jac if analytic else fd,
                    method="BFGS",
                    options={"gtol": gtol, "maxiter": 1000},
                )
                if np.isfinite(res.fun) and (best is None or res.fun <= best.fun):
                    best = res
                    x = res.x
            finals.append(best)
    values = np.array([np.inf if r is None else float(r.fun) for r in finals])
    if not np.isfinite(values).any():
        raise RuntimeError("the likelihood could not be evaluated at any starting point")
    return finals[int(np.argmin(values))], values


def _log_scale_derivatives(f, theta: np.ndarray, hess_natural: np.ndarray, step: float = 1e-4):
    """Gradient and Hessian of ``f`` with respect to log(theta), from f's natural-scale Hessian.

    The gradient is a central difference in log(theta) (``f`` takes an (m, k) array of points);
    the Hessian is D H D + diag(g) with D = diag(theta), the chain rule for theta = exp(u).
    """
    k = theta.size
    shifts = np.exp(step * np.eye(k))
    points = np.vstack([theta * shifts, theta / shifts])
    vals = np.asarray(f(points), dtype=np.float64)
    grad = (vals[:k] - vals[k:]) / (2 * step)
    hess = theta[:, None] * hess_natural * theta[None, :] + np.diag(grad)
    return grad, hess


def _assess_convergence(nll_points, theta, n, penalizer, start_values, optimizer, names) -> dict:
    """Is the optimum trustworthy? Three checks, each independent of the optimiser's flag.

    * gradient: max |d LL/n / d log theta| <= GRADIENT_TOL (penalised objective, as optimised);
    * starts: at least two starts (all, if fewer) end within START_TOL of the best mean LL;
    * curvature: the Hessian of the total penalised NLL in log(theta) has every eigenvalue
      >= max(HESSIAN_TOL, 1e-6 |LL|) -- positive definite beyond finite-difference noise.
    Returns the diagnostics, ``converged`` and, for the natural-scale covariance, ``hessian``
    (the unpenalised natural-scale Hessian of the total NLL).
    """

    def objective_points(P):
        return nll_points(P) + n * penalizer * np.sum(P**2, axis=1)

    with np.errstate(all="ignore"):
        hess_pen = _numerical_hessian(objective_points, theta)
        grad, hess_log = _log_scale_derivatives(objective_points, theta, hess_pen)
        nll = float(nll_points(theta[None, :])[0])
    finite = np.all(np.isfinite(hess_log)) and np.all(np.isfinite(grad))
    eig, vec = np.linalg.eigh(hess_log) if finite else (np.full(theta.size, np.nan), None)
    hessian_tol = max(HESSIAN_TOL, 1e-6 * abs(nll))
    gaps = start_values - np.min(start_values)
    at_best = int(np.sum(gaps <= START_TOL))
    need = min(2, len(start_values))
    checks = {
        "gradient": bool(finite and np.max(np.abs(grad)) / n <= GRADIENT_TOL),
        "starts": at_best >= need,
        "hessian": bool(finite and eig[0] >= hessian_tol),
    }
    weak = ()
    if vec is not None and not checks["hessian"]:
        weak = tuple(name for name, load in zip(names, vec[:, 0]) if abs(load) > 0.3)
    elif vec is None:  # derivatives not computable: name the parameters at the edge of their range
        weak = tuple(name for name, v in zip(names, theta) if not 1e-6 < v < 1e6)
    return {
        "converged": all(checks.values()),
        "checks": checks,
        "gradient_max": float(np.max(np.abs(grad)) / n) if finite else float("nan"),
        "gradient_tol": GRADIENT_TOL,
        "n_starts": len(start_values),
        "n_starts_at_best": at_best,
        "start_tol": START_TOL,
        "start_logliks": tuple(float(v) for v in -start_values * n),
        "hessian_min_eigenvalue": float(eig[0]),
        "hessian_tol": hessian_tol,
        "weak_parameters": weak,
        "optimizer_success": bool(optimizer.success),
        "optimizer_message": str(optimizer.message),
        "hessian": hess_pen - 2 * n * penalizer * np.eye(theta.size),
    }


def _covariance(hess: np.ndarray) -> np.ndarray:
    """Inverse of the Hessian of the NLL (natural scale); NaN if it cannot be inverted."""
    try:
        with np.errstate(all="ignore"):
            cov = np.linalg.inv(hess)
    except np.linalg.LinAlgError:
        cov = np.full_like(hess, np.nan)
    return cov


def _one_minus_pow_over(k, log_y):
    """(1 - y**k) / k, continuous at k = 0 where it is -log(y)."""
    k = np.asarray(k, dtype=np.float64)
    safe = np.where(np.abs(k) < 1e-10, 1.0, k)
    return np.where(np.abs(k) < 1e-10, -log_y, -np.expm1(k * log_y) / safe)


# --------------------------------------------------------------------------- base class


FITTED_ATTRIBUTES = (
    "params_",
    "loglik_",
    "aic_",
    "bic_",
    "covariance_",
    "standard_errors_",
    "converged_",
    "convergence_",
    "n_customers_",
)


class _Model(Estimator):
    """A likelihood model on the estimator contract of :mod:`crmlab._base`.

    ``__init__`` stores the hyper-parameters (``penalizer``, ``n_starts``, ``random_state``);
    ``fit(...)`` validates the data and sets the fitted attributes ``params_`` (dict),
    ``loglik_`` (total, unpenalised), ``aic_`` = 2k - 2 LL, ``bic_`` = k ln(n) - 2 LL with n the
    number of customers fitted (``n_customers_``), ``covariance_`` (inverse Hessian of the
    negative log-likelihood on the natural scale, a DataFrame), ``standard_errors_`` (dict),
    ``converged_`` and ``convergence_`` (the diagnostics behind it). ``from_params(**params)``
    builds a model from known parameters. Using any of them before ``fit`` raises
    :class:`crmlab.exceptions.NotFittedError`.
    """

    _names: tuple[str, ...] = ()
    _roles: dict[str, str] = {}

    def __init__(self, penalizer: float = 0.0, n_starts: int = 3, random_state: int | None = 0):
        self.penalizer = penalizer
        self.n_starts = n_starts
        self.random_state = random_state
        self._check_hyper_parameters()  # a bad argument fails here, not at the end of a fit

    def _check_hyper_parameters(self) -> None:
        """``penalizer`` >= 0 (lifetimes' penalizer_coef) and ``n_starts`` >= 1; run by __init__ and fit."""
        where = type(self).__name__
        self.penalizer = check_number("penalizer", self.penalizer, lo=0, where=where)
        self.n_starts = check_number("n_starts", self.n_starts, lo=1, integer=True, where=where)

    def _starts(self, grid: list[np.ndarray], initial_params) -> list[np.ndarray]:
        """Log-scale starting points: ``initial_params`` if given, else the model's grid and,
        beyond it, random points within a factor e^2 of its first point (seeded by random_state)."""
        if initial_params is not None:
            many = initial_params if isinstance(initial_params, (list, tuple)) else [initial_params]
            return [self._start_from(p) for p in many]
        starts = list(grid[: self.n_starts])
        extra = self.n_starts - len(starts)
        if extra > 0:
            rng = np.random.default_rng(self.random_state)
            starts += list(grid[0] + rng.uniform(-2.0, 2.0, size=(extra, grid[0].size)))
        return starts

    def _start_from(self, params) -> np.ndarray:
        where = f"{type(self).__name__}.fit"
        if not isinstance(params, dict) or set(params) != set(self._names):
            raise ValueError(
                f"{where}: initial_params must be a dict (or a list of dicts) with keys "
                f"{list(self._names)}, got {params!r}"
            )
        values = np.array([float(params[k]) for k in self._names])
        if not np.all(np.isfinite(values) & (values > 0)):
            raise ValueError(f"{where}: initial_params must be finite and > 0, got {params!r}")
        return np.log(values)

    def _fit_likelihood(self, objective, starts, nll_points, n, hint: str, jac=None):
        """Run the multistart, set the fitted attributes, warn if the optimum is not trustworthy."""
        res, values = _minimize_multistart(objective, starts, jac=jac)
        theta = np.exp(res.x)
        diag = _assess_convergence(nll_points, theta, n, self.penalizer, values, res, self._names)
        hess = diag.pop("hessian")
        cov = _covariance(hess)
        var = np.diag(cov)
        se = np.sqrt(np.where(np.isfinite(var) & (var > 0), var, np.nan))
        self.params_ = {k: float(v) for k, v in zip(self._names, theta)}
        with np.errstate(all="ignore"):
            self.loglik_ = float(-nll_points(theta[None, :])[0])
        self.n_customers_ = int(n)
        k = len(self._names)
        self.aic_ = 2 * k - 2 * self.loglik_
        self.bic_ = k * np.log(n) - 2 * self.loglik_
        self.converged_ = bool(diag["converged"])
        self.convergence_ = diag
        self.standard_errors_ = {k: float(v) for k, v in zip(self._names, se)}
        self.covariance_ = pd.DataFrame(cov, index=list(self._names), columns=list(self._names))
        if not self.converged_:
            warnings.warn(self._convergence_message(hint), ConvergenceWarning, stacklevel=3)

    def _convergence_message(self, hint: str) -> str:
        d, name = self.convergence_, type(self).__name__
        reasons = []
        if not np.isfinite(d["gradient_max"]):
            reasons.append("the derivatives cannot be evaluated at the optimum (a parameter ran to its edge)")
        elif not d["checks"]["gradient"]:
            reasons.append(
                f"the gradient at the optimum is not ~0 (max |d LL/n / d log param| = "
                f"{d['gradient_max']:.1e} > {d['gradient_tol']:.0e}): the optimiser stopped early"
            )
        if not d["checks"]["starts"]:
            reasons.append(
                f"only {d['n_starts_at_best']} of {d['n_starts']} starts reached the best log-likelihood "
                f"(start LLs {', '.join(f'{v:,.2f}' for v in d['start_logliks'])}): several optima"
            )
        if not d["checks"]["hessian"] or d["weak_parameters"]:
            weak = ", ".join(f"{k} = {self.params_[k]:.3g}" for k in d["weak_parameters"])
            roles = sorted({self._roles[k] for k in d["weak_parameters"] if k in self._roles})
            flat = (
                f"the likelihood is flat at the optimum (Hessian min eigenvalue "
                f"{d['hessian_min_eigenvalue']:.2g} on the log-parameter scale, need >= "
                f"{d['hessian_tol']:.2g})"
                if np.isfinite(d["hessian_min_eigenvalue"])
                else "the likelihood's curvature cannot be evaluated"
            )
            reasons.append(
                f"{flat}: not identified by these data, or run to the model's edge from a poor start"
                + (f": {weak}" if weak else "")
                + (f" ({'; '.join(roles)})" if roles else "")
            )
        return (
            f"{name}.fit did not converge to a trustworthy optimum: {'; '.join(reasons)}. Data: {hint}. "
            f"Remedies: fix the data if they are the cause (check the time unit and the calibration "
            f"window); a penalizer "
            f"({name}(penalizer=0.01)) keeps the parameters finite; other starts ({name}(n_starts=20) "
            f"or fit(..., initial_params={{...}})) rule out a local optimum. Diagnostics: "
            f"model.convergence_."
        )

    def __getattr__(self, name: str):
        # only called for attributes that are not set: a fitted one before fit is a NotFittedError
        if name in FITTED_ATTRIBUTES:
            cls = type(self).__name__
            raise NotFittedError(
                f"{cls} is not fitted yet: call .fit(...) first, or build it from known parameters "
                f"with {cls}.from_params(...)"
            )
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    @classmethod
    def from_params(cls, **params) -> _Model:
        """A model with known parameters (a paper's estimates, a simulation's truth), without data.

        Every parameter of the model must be given, finite and > 0, e.g.
        ``BetaGeo.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)``. The model predicts
        like a fitted one; ``loglik_``, ``aic_``, ``bic_``, the covariance and standard errors
        are NaN and ``converged_`` is None (nothing was estimated).
        """
        where = f"{cls.__name__}.from_params"
        if set(params) != set(cls._names):
            raise TypeError(f"{where}: needs exactly the parameters {list(cls._names)}, got {sorted(params)}")
        for name in cls._names:
            check_number(name, params[name], lo=0, lo_open=True, where=where)
        model = cls()
        k = len(cls._names)
        model.params_ = {name: float(params[name]) for name in cls._names}
        model.loglik_ = model.aic_ = model.bic_ = float("nan")
        model.n_customers_ = 0
        model.converged_ = None
        model.convergence_ = {}
        model.standard_errors_ = dict.fromkeys(cls._names, float("nan"))
        model.covariance_ = pd.DataFrame(
            np.full((k, k), np.nan), index=list(cls._names), columns=list(cls._names)
        )
        return model

    def _p(self):
        self._check_fitted()
        return tuple(self.params_[k] for k in self._names)

    def summary(self) -> pd.DataFrame:
        """Estimates, standard errors and 95% intervals, one row per parameter.

        ``se`` is on the natural scale (inverse of the numerical Hessian of the negative
        log-likelihood). Every parameter is positive, so the interval is the Wald interval
        of log(coef) mapped back: coef * exp(-+1.96 se / coef) -- it never crosses zero,
        unlike coef -+ 1.96 se (which lifetimes reports).
        """
        self._check_fitted()
        coef = pd.Series(self.params_, name="coef")
        se = pd.Series(self.standard_errors_, name="se")
        spread = np.exp(1.959964 * se / coef)
        out = pd.DataFrame({"coef": coef, "se": se, "lower_95": coef / spread, "upper_95": coef * spread})
        out.index.name = "parameter"
        return out

    def __repr__(self) -> str:
        name = type(self).__name__
        if not self.is_fitted:
            return super().__repr__()
        ps = ", ".join(f"{k}={v:.4g}" for k, v in self.params_.items())
        if not self.n_customers_:
            return f"<{name} from known parameters: {ps}>"
        return f"<{name} fitted on {_plural(self.n_customers_, 'customer')}: {ps}; LL={self.loglik_:.2f}>"


# --------------------------------------------------------------------------- BG/NBD


def _bgnbd_loglik(r, alpha, a, b, x, tx, T):
    """Per-customer BG/NBD log-likelihood (FHL 2005a eq. 6), broadcasting parameters and data."""
    with np.errstate(invalid="ignore", divide="ignore"):
        A1 = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
        bab = special.betaln(a, b)
        A2 = special.betaln(a, b + x) - bab - (r + x) * np.log(alpha + T)
        A3 = np.where(x > 0, special.betaln(a + 1, b + x - 1) - bab - (r + x) * np.log(alpha + tx), -np.inf)
        return A1 + np.logaddexp(A2, A3)


def _bgnbd_value_and_grad(theta, ux, inv, tx, T, w):
    """Total weighted BG/NBD log-likelihood and its gradient in (r, alpha, a, b).

    The special functions depend on the frequency only, so they are evaluated once per
    distinct frequency ``ux`` (``x = ux[inv]``); per customer only logs and exps remain.
    """
    r, alpha, a, b = theta
    psi = special.digamma
    with np.errstate(invalid="ignore", divide="ignore"):
        bab = special.betaln(a, b)
        rep = ux > 0
        uxb = np.where(rep, ux, 1.0)
        g_A1 = special.gammaln(r + ux) - special.gammaln(r)
        g_B2 = special.betaln(a, b + ux) - bab
        g_B3 = np.where(rep, special.betaln(a + 1, b + uxb - 1) - bab, -np.inf)
        d_r1 = psi(r + ux) - psi(r)
        d_ab = psi(a + b) - psi(a + b + ux)
        d_b2 = psi(b + ux)
        d_b3 = psi(b + uxb - 1)
        x = ux[inv]
        lT, ltx = np.log(alpha + T), np.log(alpha + tx)
        A2 = g_B2[inv] - (r + x) * lT
        A3 = g_B3[inv] - (r + x) * ltx
        lse = np.logaddexp(A2, A3)
        ll = g_A1[inv] + r * np.log(alpha) + lse
        w2, w3 = np.exp(A2 - lse), np.exp(A3 - lse)
        grad = (
            np.array(
                [
                    d_r1[inv] + np.log(alpha) - w2 * lT - w3 * ltx,
                    r / alpha - (r + x) * (w2 / (alpha + T) + w3 / (alpha + tx)),
                    d_ab[inv] + w3 * (psi(a + 1) - psi(a)),
                    d_ab[inv] - psi(b) + w2 * d_b2[inv] + w3 * d_b3[inv],
                ]
            )
            @ w
        )
    return float(w @ ll), grad


class BetaGeo(_Model):
    """BG/NBD model of repeat purchasing (Fader, Hardie & Lee 2005a).

    While alive a customer buys as a Poisson process with rate lambda ~ Gamma(r, alpha);
    after each repeat purchase she drops out for good with probability p ~ Beta(a, b).
    ``r``, ``a``, ``b`` are unitless; ``alpha`` is in the time unit of recency / T.

    ``BetaGeo(penalizer=0.0).fit(frequency, recency, T)`` maximises
    LL = sum_i log L(r, alpha, a, b | x_i, t_x_i, T_i), minus ``penalizer`` * n * sum(theta^2)
    if a penalizer is set (as lifetimes' ``penalizer_coef``). Fitted: ``params_`` (dict r, alpha,
    a, b), ``loglik_`` (total, unpenalised), ``standard_errors_``, ``n_customers_``.
    On the CDNOW sample in weeks: r = 0.243, alpha = 4.414, a = 0.793, b = 2.426, LL = -9582.4.
    """

    _names = ("r", "alpha", "a", "b")

    _roles = {"r": "purchase rates", "alpha": "purchase rates", "a": "dropout", "b": "dropout"}

    def fit(self, frequency, recency, T, *, initial_params=None) -> BetaGeo:
        """Maximum-likelihood fit on one row per customer; returns self.

        ``initial_params``: a dict of r, alpha, a, b (or a list of them) to start from instead
        of the model's own starts. Warns with ConvergenceWarning if the optimum is not
        trustworthy (see ``converged_`` and ``convergence_``).
        """
        self._check_hyper_parameters()
        x, tx, TT, _ = _check_rfm(frequency, recency, T, "BetaGeo.fit")
        hint = _rfm_hint(x, tx, TT)
        _check_identified(x, "BetaGeo.fit")
        (x, tx, TT), w = _compress(x, tx, TT)
        n = w.sum()
        pen = self.penalizer
        ux, inv = np.unique(x, return_inverse=True)

        def objective(lt):
            th = np.exp(lt)
            ll, grad = _bgnbd_value_and_grad(th, ux, inv, tx, TT, w)
            val = -ll / n + pen * np.sum(th**2)
            if not np.isfinite(val):
                return np.inf, np.zeros_like(th)
            return val, (-grad / n + 2 * pen * th) * th

        rate = max(x.mean() / max(TT.mean(), 1e-12), 1e-6)
        grid = [
            np.log([r0, r0 / rate, a0, b0])
            for r0, a0, b0 in [(1.0, 1.0, 1.0), (0.3, 0.8, 2.5), (2.0, 2.0, 6.0)]
        ]

        def nll_points(P):
            ll = _bgnbd_loglik(*(P[:, j : j + 1] for j in range(4)), x, tx, TT)
            return -(ll @ w)

        starts = self._starts(grid, initial_params)
        self._fit_likelihood(objective, starts, nll_points, n, hint, jac=True)
        return self

    def conditional_probability_alive(self, frequency, recency, T):
        """P(alive at T | x, t_x, T) = 1 / (1 + [x > 0] a/(b + x - 1) ((alpha + T)/(alpha + t_x))^(r + x)).

        FHL (2005a) eq. 11 as corrected in Fader, Hardie & Lee (2008) "Computing P(alive)
        using the BG/NBD model"; it is 1 for customers with no repeat purchase.
        """
        r, alpha, a, b = self._p()
        x, tx, TT, index = _check_rfm(frequency, recency, T, "BetaGeo.conditional_probability_alive")
        return _wrap(self._p_alive(x, tx, TT), index, "p_alive")

    def _p_alive(self, x, tx, TT):
        r, alpha, a, b = self._p()
        with np.errstate(invalid="ignore", divide="ignore"):
            log_ratio = (
                np.log(a)
                - np.log(np.where(x > 0, b + x - 1, 1.0))
                + (r + x) * (np.log(alpha + TT) - np.log(alpha + tx))
            )
        return np.where(x > 0, special.expit(-log_ratio), 1.0)

    def _conditional_expected(self, t, x, tx, TT):
        r, alpha, a, b = self._p()
        z = t / (alpha + TT + t)
        log_1mz = np.log(alpha + TT) - np.log(alpha + TT + t)
        # (1 - z)^(r+x) 2F1(r+x, b+x; a+b+x-1; z) = (1 - z)^(a-1) 2F1(a+b-1-r, a-1; a+b+x-1; z)
        # (Euler's transformation; Fader & Hardie 2013, note 027), which does not overflow.
        hyp = special.hyp2f1(a + b - 1 - r, a - 1, a + b + x - 1, z)
        bracket = 1.0 - np.exp((a - 1) * log_1mz) * hyp
        return (a + b + x - 1) / (a - 1) * bracket * self._p_alive(x, tx, TT)

    def conditional_expected_number_of_purchases_up_to_time(self, t, frequency, recency, T):
        """E[Y(t) | x, t_x, T]: expected repeat purchases in (T, T + t] (FHL 2005a eq. 10).

        E = (a+b+x-1)/(a-1) * [1 - ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x; a+b+x-1; t/(alpha+T+t))]
            * P(alive), with the 2F1 Euler-transformed as in Fader & Hardie (2013, note 027).
        ``t`` is in the time unit of the fit; scalars and arrays broadcast.
        """
        self._check_fitted()
        where = "BetaGeo.conditional_expected_number_of_purchases_up_to_time"
        t = _check_t(t, where)
        x, tx, TT, index = _check_rfm(frequency, recency, T, where)
        t, x, tx, TT = _broadcast(where, t=t, frequency=x, recency=tx, T=TT)
        return _wrap(self._conditional_expected(t, x, tx, TT), index, "expected_purchases")

    def expected_number_of_purchases_up_to_time(self, t):
        """E[X(t)] for a new customer: (a+b-1)/(a-1) [1 - (alpha/(alpha+t))^r 2F1(r, b; a+b-1; t/(alpha+t))].

        FHL (2005a) eq. 9; ``t`` in the time unit of the fit.
        """
        self._check_fitted()
        t = _check_t(t, "BetaGeo.expected_number_of_purchases_up_to_time")
        zero = np.zeros_like(t)
        return _wrap(self._conditional_expected(t, zero, zero, zero), None, "expected_purchases")


# --------------------------------------------------------------------------- Pareto/NBD


def _pnbd_log_term(r, alpha, s, beta, x, tau):
    """log[ 2F1(r+s+x, b; r+s+x+1; |alpha-beta|/(m+tau)) / (m+tau)^(r+s+x) ], m = max(alpha, beta).

    b = s+1 if alpha >= beta, else r+x (Fader & Hardie 2005, eqs. 19-20). Euler's
    transformation turns the 2F1 into (1-z)^(1-b) 2F1(1, r+s+x+1-b; r+s+x+1; z), whose
    series terms are <= z^n: bounded, no overflow. Returns
      alpha >= beta: log F - (r+x) log(alpha+tau) - s log(beta+tau)
      alpha <  beta: log F + (1-r-x) log(alpha+tau) - (s+1) log(beta+tau).
    """
    a_ge = alpha >= beta
    m = np.where(a_ge, alpha, beta)
    z = np.abs(alpha - beta) / (m + tau)
    b2 = np.where(a_ge, r + x, s + 1)
    logF = np.log(special.hyp2f1(1.0, b2, r + s + x + 1, z))
    la, lb = np.log(alpha + tau), np.log(beta + tau)
    return logF + np.where(a_ge, -(r + x) * la - s * lb, (1 - r - x) * la - (s + 1) * lb)


def _pnbd_parts(r, alpha, s, beta, x, tx, T):
    """log of the 'alive' term and of the 'died in (t_x, T]' term of the Pareto/NBD likelihood."""
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        A1 = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha) + s * np.log(beta)
        alive = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
        lt_tx = _pnbd_log_term(r, alpha, s, beta, x, tx)
        lt_T = _pnbd_log_term(r, alpha, s, beta, x, T)
        d = np.minimum(lt_T - lt_tx, 0.0)
        log_A0 = lt_tx + np.log(-np.expm1(d))  # -inf where t_x == T
        died = np.log(s) - np.log(r + s + x) + log_A0
    return A1, alive, died


def _pnbd_loglik(r, alpha, s, beta, x, tx, T):
    """Per-customer Pareto/NBD log-likelihood (Fader & Hardie 2005, eq. 18)."""
    A1, alive, died = _pnbd_parts(r, alpha, s, beta, x, tx, T)
    return A1 + np.logaddexp(alive, died)


def _pnbd_loglik_total(theta, ux, inv, tx, T, w):
    """Total weighted Pareto/NBD log-likelihood at scalar parameters: the fit's fast path.

    Same formula as :func:`_pnbd_loglik` (Fader & Hardie 2005, eqs. 18-20), with the
    alpha >= beta branch chosen once and the frequency-only terms computed once per
    distinct frequency ``ux`` (``x = ux[inv]``).
    """
    r, alpha, s, beta = theta
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        head = special.gammaln(r + ux) - special.gammaln(r) + r * np.log(alpha) + s * np.log(beta)
        log_share = np.log(s) - np.log(r + s + ux)
        x = ux[inv]
        la_tx, lb_tx = np.log(alpha + tx), np.log(beta + tx)
        la_T, lb_T = np.log(alpha + T), np.log(beta + T)
        c = r + s + x + 1
        if alpha >= beta:
            d = alpha - beta
            F_tx = special.hyp2f1(1.0, r + x, c, d / (alpha + tx))
            F_T = special.hyp2f1(1.0, r + x, c, d / (alpha + T))
            lt_tx = np.log(F_tx) - (r + x) * la_tx - s * lb_tx
            lt_T = np.log(F_T) - (r + x) * la_T - s * lb_T
        else:
            d = beta - alpha
            F_tx = special.hyp2f1(1.0, s + 1, c, d / (beta + tx))
            F_T = special.hyp2f1(1.0, s + 1, c, d / (beta + T))
            lt_tx = np.log(F_tx) + (1 - r - x) * la_tx - (s + 1) * lb_tx
            lt_T = np.log(F_T) + (1 - r - x) * la_T - (s + 1) * lb_T
        alive = -(r + x) * la_T - s * lb_T
        died = log_share[inv] + lt_tx + np.log(-np.expm1(np.minimum(lt_T - lt_tx, 0.0)))
        return float(w @ (head[inv] + np.logaddexp(alive, died)))


class ParetoNBD(_Model):
    """Pareto/NBD model of repeat purchasing (Schmittlein, Morrison & Colombo 1987).

    While alive a customer buys as a Poisson process with rate lambda ~ Gamma(r, alpha); her
    lifetime is exponential with rate mu ~ Gamma(s, beta). ``r``, ``s`` are unitless; ``alpha``,
    ``beta`` are in the time unit of recency / T. Likelihood as in Fader & Hardie (2005) "A note
    on deriving the Pareto/NBD model and related expressions", eqs. 18-20, with the alpha >= beta
    / alpha < beta branch of the 2F1 and log-sum-exp. Fitted: ``params_`` (dict r, alpha, s,
    beta), ``loglik_``, ``standard_errors_``, ``n_customers_``.
    On the CDNOW sample in weeks: r = 0.553, alpha = 10.578, s = 0.606, beta = 11.669, LL = -9595.0.
    """

    _names = ("r", "alpha", "s", "beta")

    _roles = {"r": "purchase rates", "alpha": "purchase rates", "s": "dropout", "beta": "dropout"}

    def fit(self, frequency, recency, T, *, initial_params=None) -> ParetoNBD:
        """Maximum-likelihood fit on one row per customer; returns self.

        ``initial_params``: a dict of r, alpha, s, beta (or a list of them) to start from
        instead of the model's own starts. Warns with ConvergenceWarning if the optimum is not
        trustworthy (see ``converged_`` and ``convergence_``).
        """
        self._check_hyper_parameters()
        x, tx, TT, _ = _check_rfm(frequency, recency, T, "ParetoNBD.fit")
        hint = _rfm_hint(x, tx, TT)
        _check_identified(x, "ParetoNBD.fit")
        (x, tx, TT), w = _compress(x, tx, TT)
        n = w.sum()
        pen = self.penalizer

        ux, inv = np.unique(x, return_inverse=True)

        def objective(lt):
            th = np.exp(lt)
            val = -_pnbd_loglik_total(th, ux, inv, tx, TT, w) / n + pen * np.sum(th**2)
            return val if np.isfinite(val) else np.inf

        rate = max(x.mean() / max(TT.mean(), 1e-12), 1e-6)
        scale = max(TT.mean(), 1e-6)
        grid = [
            np.log([r0, r0 / rate, s0, s0 * scale * f])
            for r0, s0, f in [(1.0, 1.0, 1.0), (0.5, 0.5, 0.3), (2.0, 2.0, 3.0)]
        ]

        def nll_points(P):
            ll = _pnbd_loglik(*(P[:, j : j + 1] for j in range(4)), x, tx, TT)
            return -(ll @ w)

        starts = self._starts(grid, initial_params)
        self._fit_likelihood(objective, starts, nll_points, n, hint)
        return self

    def _p_alive(self, x, tx, TT):
        _, alive, died = _pnbd_parts(*self._p(), x, tx, TT)
        return special.expit(alive - died)

    def conditional_probability_alive(self, frequency, recency, T):
        """P(alive at T | x, t_x, T) = 1 / (1 + s/(r+s+x) (alpha+T)^(r+x) (beta+T)^s A0).

        Fader & Hardie (2005), eq. 36; A0 as in eqs. 19-20. It is 1 where t_x = T.
        """
        self._check_fitted()
        x, tx, TT, index = _check_rfm(frequency, recency, T, "ParetoNBD.conditional_probability_alive")
        return _wrap(self._p_alive(x, tx, TT), index, "p_alive")

    def _conditional_expected(self, t, x, tx, TT):
        r, alpha, s, beta = self._p()
        log_y = np.log(beta + TT) - np.log(beta + TT + t)
        level = (r + x) * (beta + TT) / (alpha + TT)
        return level * _one_minus_pow_over(s - 1, log_y) * self._p_alive(x, tx, TT)

    def conditional_expected_number_of_purchases_up_to_time(self, t, frequency, recency, T):
        """E[Y(t) | x, t_x, T] = (r+x)(beta+T) / ((alpha+T)(s-1)) [1 - ((beta+T)/(beta+T+t))^(s-1)] P(alive).

        Fader & Hardie (2005), eq. 41; ``t`` in the time unit of the fit (s = 1 is the
        continuous limit with a log).
        """
        self._check_fitted()
        where = "ParetoNBD.conditional_expected_number_of_purchases_up_to_time"
        t = _check_t(t, where)
        x, tx, TT, index = _check_rfm(frequency, recency, T, where)
        t, x, tx, TT = _broadcast(where, t=t, frequency=x, recency=tx, T=TT)
        return _wrap(self._conditional_expected(t, x, tx, TT), index, "expected_purchases")

    def expected_number_of_purchases_up_to_time(self, t):
        """E[X(t)] for a new customer = r beta / (alpha (s-1)) [1 - (beta/(beta+t))^(s-1)].

        Fader & Hardie (2005), eq. 27; ``t`` in the time unit of the fit.
        """
        self._check_fitted()
        t = _check_t(t, "ParetoNBD.expected_number_of_purchases_up_to_time")
        zero = np.zeros_like(t)
        return _wrap(self._conditional_expected(t, zero, zero, zero), None, "expected_purchases")


# --------------------------------------------------------------------------- Gamma-Gamma


def _gg_loglik(p, q, gamma, x, m):
    """Per-customer Gamma-Gamma log-density of the mean spend m over x transactions.

    f(m | p, q, gamma, x) = Gamma(px+q) / (Gamma(px) Gamma(q)) gamma^q m^(px-1) x^(px)
                            / (gamma + m x)^(px+q)          (Fader & Hardie 2013, eq. 1a)
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        px = p * x
        return (
            special.gammaln(px + q)
            - special.gammaln(px)
            - special.gammaln(q)
            + q * np.log(gamma)
            + (px - 1) * np.log(m)
            + px * np.log(x)
            - (px + q) * np.log(gamma + m * x)
        )


def _check_spend(frequency, monetary_value, where: str):
    index = _index_of(frequency, monetary_value)
    x = _array(frequency, "frequency", where)
    m = _array(monetary_value, "monetary_value", where)
    x, m = _same_length(where, frequency=x, monetary_value=m)
    if x.size == 0:
        raise ValueError(f"{where}: no customers (the inputs are empty)")
    if index is not None and len(index) != x.size:
        index = None
    cols = {"frequency": x, "monetary_value": m}
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
    zero = (x > 0) & (m <= 0)
    if zero.any():
        raise _fail(
            where,
            "monetary_value",
            "is <= 0 although frequency > 0 (the Gamma-Gamma "
            "model needs positive spend: leave such customers out, e.g. "
            "summary[summary['monetary_value'] > 0])",
            zero,
            index,
            cols,
        )
    return x, m, index


def _gg_value_and_grad(theta, ux, inv, m, w, log_m=None, log_x=None):
    """Total weighted Gamma-Gamma log-likelihood and its gradient in (p, q, gamma).

    The gamma and digamma functions depend on the frequency only, so they are
    evaluated once per distinct frequency ``ux`` (``x = ux[inv]``); ``log_m`` and
    ``log_x`` may be passed precomputed.
    """
    p, q, gamma = theta
    psi = special.digamma
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        pux = p * ux
        g_head = special.gammaln(pux + q) - special.gammaln(pux)
        psi_pq, psi_p = psi(pux + q), psi(pux)
        x = ux[inv]
        px = p * x
        log_m = np.log(m) if log_m is None else log_m
        log_x = np.log(x) if log_x is None else log_x
        gm = gamma + m * x
        lg = np.log(gm)
        ll = (
            g_head[inv]
            - special.gammaln(q)
            + q * np.log(gamma)
            + (px - 1) * log_m
            + px * log_x
            - (px + q) * lg
        )
        grad = (
            np.array(
                [
                    x * (psi_pq[inv] - psi_p[inv] + log_m + log_x - lg),
                    psi_pq[inv] - psi(q) + np.log(gamma) - lg,
                    q / gamma - (px + q) / gm,
                ]
            )
            @ w
        )
    return float(w @ ll), grad


class GammaGamma(_Model):
    """Gamma-Gamma model of spend per transaction (Fader, Hardie & Lee 2005b; Fader & Hardie 2013).

    A customer's transaction values are Gamma(p, nu) with nu ~ Gamma(q, gamma) across customers,
    so her mean spend z = E[value] = p / nu; spend is assumed independent of the purchase process.
    ``p``, ``q`` are unitless; ``gamma`` is in currency units. ``fit(frequency, monetary_value)``
    uses only customers with frequency > 0 (monetary_value = mean value of their repeat
    purchases, as in rfm_summary). On the CDNOW sample: p = 6.25, q = 3.74, gamma = 15.44.
    """

    _names = ("p", "q", "gamma")

    _roles = {"p": "spend per transaction", "q": "spend heterogeneity", "gamma": "spend heterogeneity"}

    def fit(self, frequency, monetary_value, *, initial_params=None) -> GammaGamma:
        """Maximum-likelihood fit on the repeat customers; returns self.

        ``initial_params``: a dict of p, q, gamma (or a list of them) to start from instead of
        the model's own starts. Warns with ConvergenceWarning if the optimum is not trustworthy.
        """
        self._check_hyper_parameters()
        x, m, _ = _check_spend(frequency, monetary_value, "GammaGamma.fit")
        keep = x > 0
        if keep.sum() < 3:
            raise CRMDataError(
                f"GammaGamma.fit: needs at least 3 repeat customers (frequency > 0) to fit; found "
                f"{int(keep.sum()):,} of {_plural(keep.size, 'customer')}",
                table="rfm summary",
                column="frequency",
                n_bad=int((~keep).sum()),
            )
        x, m = x[keep], m[keep]  # spend is continuous: compressing to patterns rarely pays
        w = np.ones_like(x)
        n = w.sum()
        pen = self.penalizer

        ux, inv = np.unique(x, return_inverse=True)
        log_m, log_x = np.log(m), np.log(x)

        def objective(lt):
            th = np.exp(lt)
            ll, grad = _gg_value_and_grad(th, ux, inv, m, w, log_m, log_x)
            val = -ll / n + pen * np.sum(th**2)
            if not np.isfinite(val):
                return np.inf, np.zeros_like(th)
            return val, (-grad / n + 2 * pen * th) * th

        mean_spend = float(np.average(m, weights=w))
        grid = [
            np.log([p0, q0, mean_spend * (q0 - 1) / p0]) for p0, q0 in [(1.0, 2.0), (5.0, 4.0), (20.0, 10.0)]
        ]

        def nll_points(P):
            return -(_gg_loglik(*(P[:, j : j + 1] for j in range(3)), x, m) @ w)

        hint = (
            f"{_plural(x.size, 'repeat customer')}, mean spend {mean_spend:,.4g} "
            f"(coefficient of variation {np.std(m) / mean_spend:.2g})"
        )
        starts = self._starts(grid, initial_params)
        self._fit_likelihood(objective, starts, nll_points, n, hint, jac=True)
        return self

    def conditional_expected_average_profit(self, frequency, monetary_value):
        """E[Z | x, m] = (gamma + m x) p / (p x + q - 1), in currency units.

        A weighted mean of the population mean p gamma / (q - 1) and the customer's own mean m,
        with weight p x / (p x + q - 1) on m (Fader & Hardie 2013, eq. 5). Customers with
        frequency 0 get the population mean. NaN where p x + q - 1 <= 0 (no finite mean).
        """
        p, q, gamma = self._p()
        x, m, index = _check_spend(
            frequency, monetary_value, "GammaGamma.conditional_expected_average_profit"
        )
        m = np.where(x > 0, m, 0.0)
        denom = p * x + q - 1
        with np.errstate(invalid="ignore", divide="ignore"):
            out = np.where(denom > 0, (gamma + m * x) * p / denom, np.nan)
        return _wrap(out, index, "expected_average_profit")

    def customer_lifetime_value(
        self,
        transaction_model,
        frequency,
        recency,
        T,
        monetary_value,
        time: int = 12,
        discount_rate: float = 0.01,
        freq_days: float = 7,
        days_per_month: float = DAYS_PER_MONTH,
    ):
        """Discounted expected value of each customer's next ``time`` months, in currency units.

        CLV = sum_{k=1..time} E[Z | x, m] * (E[Y(k dt) | x, t_x, T] - E[Y((k-1) dt) | x, t_x, T])
                              / (1 + discount_rate)^k,
        with dt = days_per_month / freq_days time units (one month), E[Y] from the fitted
        ``transaction_model`` (BetaGeo or ParetoNBD) and E[Z] from
        :meth:`conditional_expected_average_profit`. As in lifetimes' ``customer_lifetime_value``:
        monthly steps, each month's expected purchases times expected spend, discounted at the
        end of the month with the *monthly* rate ``discount_rate``. ``freq_days`` is the length
        in days of the time unit the models were fitted in (7 for weeks, 1 for days); a month
        is 365.25 / 12 days (lifetimes uses 30 days for freq="D" and 4.345 weeks for "W":
        pass days_per_month=30 or 4.345 * 7 to reproduce it exactly). Source: Fader, Hardie
        & Lee (2005b); lifetimes (Davidson-Pilon).
        """
        self._check_fitted()
        where = "GammaGamma.customer_lifetime_value"
        if not hasattr(transaction_model, "_conditional_expected"):
            raise ValueError(
                f"{where}: transaction_model must be a fitted BetaGeo or ParetoNBD, "
                f"got {type(transaction_model).__name__}"
            )
        transaction_model._check_fitted()
        if int(time) != time or time < 1:
            raise ValueError(f"{where}: time is a whole number of months >= 1, got {time!r}")
        if not np.isfinite(discount_rate) or discount_rate <= -1:
            raise ValueError(
                f"{where}: discount_rate is a monthly rate > -1 (e.g. 0.01), got {discount_rate!r}"
            )
        if not np.isfinite(freq_days) or freq_days <= 0:
            raise ValueError(
                f"{where}: freq_days is the length of the model's time unit in days "
                f"(7 for weeks), got {freq_days!r}"
            )
        x, tx, TT, index = _check_rfm(frequency, recency, T, where)
        spend = np.asarray(
            self.conditional_expected_average_profit(frequency, monetary_value), dtype=np.float64
        )
        shape = np.broadcast_shapes(x.shape, spend.shape)
        x, tx, TT, spend = (np.broadcast_to(v, shape).ravel() for v in (x, tx, TT, spend))
        step = float(days_per_month) / float(freq_days)
        horizons = (np.arange(int(time) + 1) * step)[:, None]
        cum = transaction_model._conditional_expected(horizons, x[None, :], tx[None, :], TT[None, :])
        monthly = np.diff(cum, axis=0)
        discount = (1.0 + discount_rate) ** -np.arange(1, int(time) + 1)
        clv = ((discount @ monthly) * spend).reshape(shape)
        return _wrap(clv, index, "clv")


# --------------------------------------------------------------------------- simulation


def simulate_beta_geo(r: float, alpha: float, a: float, b: float, T, seed: int = 0) -> pd.DataFrame:
    """Simulate the BG/NBD for customers observed for T each (FHL 2005a's story), vectorised.

    lambda ~ Gamma(r, rate alpha), p ~ Beta(a, b); repeat purchases come at Poisson(lambda)
    times; after each, the customer drops out with probability p. With K ~ Poisson(lambda T)
    purchases by T and N ~ Geometric(p) purchases before dropout, x = min(K, N) and t_x is the
    x-th of K uniform times on (0, T] (t_x / T ~ Beta(x, K - x + 1)). Returns frequency,
    recency, T and the true lambda, p, alive (still alive at T).
    """
    rng = np.random.default_rng(seed)
    T = np.asarray(T, dtype=np.float64).ravel()
    n = T.size
    lam = rng.gamma(r, 1.0 / alpha, n)
    p = rng.beta(a, b, n)
    K = rng.poisson(lam * T)
    N = rng.geometric(p)
    x = np.minimum(K, N)
    frac = rng.beta(np.maximum(x, 1), K - x + 1)
    tx = np.where(x > 0, T * frac, 0.0)
    return pd.DataFrame({"frequency": x, "recency": tx, "T": T, "lambda": lam, "p": p, "alive": K < N})


def simulate_pareto_nbd(r: float, alpha: float, s: float, beta: float, T, seed: int = 0) -> pd.DataFrame:
    """Simulate the Pareto/NBD for customers observed for T each, vectorised.

    lambda ~ Gamma(r, rate alpha), mu ~ Gamma(s, rate beta), lifetime tau ~ Exp(mu); purchases
    are Poisson(lambda) on (0, min(tau, T)], x ~ Poisson(lambda min(tau, T)) and t_x is the
    largest of x uniforms on that window. Returns frequency, recency, T, lambda, mu, alive.
    """
    rng = np.random.default_rng(seed)
    T = np.asarray(T, dtype=np.float64).ravel()
    n = T.size
    lam = rng.gamma(r, 1.0 / alpha, n)
    mu = rng.gamma(s, 1.0 / beta, n)
    tau = rng.exponential(1.0 / mu)
    window = np.minimum(tau, T)
    x = rng.poisson(lam * window)
    tx = np.where(x > 0, window * rng.beta(np.maximum(x, 1), 1.0), 0.0)
    return pd.DataFrame({"frequency": x, "recency": tx, "T": T, "lambda": lam, "mu": mu, "alive": tau > T})


def simulate_gamma_gamma(p: float, q: float, gamma: float, frequency, seed: int = 0) -> pd.DataFrame:
    """Simulate mean spend for customers with the given numbers of repeat purchases.

    nu ~ Gamma(q, rate gamma); each value ~ Gamma(p, rate nu), so the mean of x values is
    Gamma(p x, rate nu) / x. Returns frequency, monetary_value (0 where frequency is 0) and the
    true mean spend z = p / nu.
    """
    rng = np.random.default_rng(seed)
    x = np.asarray(frequency, dtype=np.float64).ravel()
    nu = rng.gamma(q, 1.0 / gamma, x.size)
    total = rng.gamma(np.maximum(p * x, 1e-12), 1.0 / nu)
    m = np.where(x > 0, total / np.maximum(x, 1), 0.0)
    return pd.DataFrame({"frequency": x.astype(np.int64), "monetary_value": m, "z": p / nu})


# --------------------------------------------------------------------------- evaluation


def expected_vs_actual_by_frequency(model, summary: pd.DataFrame, max_frequency: int = 7) -> pd.DataFrame:
    """Mean expected vs actual holdout repeat purchases, grouped by calibration frequency.

    ``summary`` is ``rfm_summary(..., calibration_end=...)``: frequency, recency, T,
    frequency_holdout, duration_holdout. Each customer's expectation is
    E[Y(duration_holdout) | x, t_x, T] from the fitted ``model``. Groups are x = 0, 1, ...,
    max_frequency - 1 and "max_frequency+"; the last row, "total", covers everyone.
    Columns: customers, actual, expected (means per customer), actual_total, expected_total.
    This is Figure 4 of Fader, Hardie & Lee (2005a).
    """
    where = "expected_vs_actual_by_frequency"
    need = ["frequency", "recency", "T", "frequency_holdout", "duration_holdout"]
    missing = [c for c in need if c not in summary.columns]
    if missing:
        raise ValueError(
            f"{where}: summary needs columns {missing}; build it with "
            f"rfm_summary(transactions, calibration_end=..., observation_end=...)"
        )
    if int(max_frequency) != max_frequency or max_frequency < 1:
        raise ValueError(f"{where}: max_frequency must be a whole number >= 1, got {max_frequency!r}")
    max_frequency = int(max_frequency)
    model._check_fitted()
    x, tx, TT, _ = _check_rfm(summary["frequency"], summary["recency"], summary["T"], where)
    t = _check_t(summary["duration_holdout"].to_numpy(dtype=np.float64), where)
    expected = model._conditional_expected(t, x, tx, TT)
    actual = summary["frequency_holdout"].to_numpy(dtype=np.float64)
    group = np.minimum(x, max_frequency).astype(np.int64)
    labels = [str(k) for k in range(max_frequency)] + [f"{max_frequency}+"]
    counts = np.bincount(group, minlength=max_frequency + 1)
    act = np.bincount(group, weights=actual, minlength=max_frequency + 1)
    exp_ = np.bincount(group, weights=expected, minlength=max_frequency + 1)
    counts = np.r_[counts, counts.sum()]
    act = np.r_[act, act.sum()]
    exp_ = np.r_[exp_, exp_.sum()]
    with np.errstate(invalid="ignore", divide="ignore"):
        out = pd.DataFrame(
            {
                "customers": counts,
                "actual": act / counts,
                "expected": exp_ / counts,
                "actual_total": act,
                "expected_total": exp_,
            },
            index=pd.Index(labels + ["total"], name="frequency"),
        )
    return out


def _days(values) -> np.ndarray:
    return np.asarray(pd.to_datetime(values).to_numpy(), dtype="datetime64[D]").astype(np.int64)


def cumulative_tracking(
    model, transactions: pd.DataFrame, calibration_end, observation_end, time_unit: str = "W"
) -> pd.DataFrame:
    """Expected vs actual cumulative repeat purchases of the cohort, period by period.

    The cohort is every customer whose first purchase is on or before ``calibration_end``.
    Purchases on the same day count once (as in rfm_summary); the first purchase is not a
    repeat. For period k (``time_unit`` long, from the cohort's first day d0) ending on day
    e_k, actual = repeat purchase days <= e_k, and
    expected = sum_i E[X((e_k - f_i) / unit)] over customers with first purchase day f_i <= e_k,
    using the model's unconditional expectation for a new customer -- Figure 1 of Fader,
    Hardie & Lee (2005a). The model must have been fitted in the same ``time_unit``.
    Columns: date (e_k), actual, expected, actual_incremental, expected_incremental,
    period_type ("calibration" / "holdout"); index ``period`` = 1, 2, ...
    """
    where = "cumulative_tracking"
    model._check_fitted()
    if time_unit not in TIME_UNITS:
        raise ValueError(f"{where}: time_unit must be one of {sorted(TIME_UNITS)}, not {time_unit!r}")
    for col in ("customer_id", "date"):
        if col not in transactions.columns:
            raise ValueError(
                f"{where}: transactions need a {col!r} column; found {list(transactions.columns)}"
            )
    unit = TIME_UNITS[time_unit]
    cal_end = int(_days([calibration_end])[0])
    obs_end = int(_days([observation_end])[0])
    if cal_end >= obs_end:
        raise ValueError(
            f"{where}: calibration_end ({calibration_end}) must be before observation_end ({observation_end})"
        )
    days = _days(transactions["date"])
    keep = days <= obs_end
    codes, _ = pd.factorize(transactions["customer_id"].to_numpy()[keep])
    days = days[keep]
    if days.size == 0:
        raise ValueError(f"{where}: no transactions on or before observation_end {observation_end}")
    n = int(codes.max()) + 1
    first = np.full(n, np.iinfo(np.int64).max)
    np.minimum.at(first, codes, days)
    cohort = first <= cal_end
    if not cohort.any():
        raise ValueError(
            f"{where}: no customer made a first purchase on or before calibration_end {calibration_end}"
        )
    # one row per (customer, day) of the cohort; the customer's first day is not a repeat
    pairs = np.unique(np.column_stack([codes, days])[cohort[codes]], axis=0)
    repeat_days = pairs[pairs[:, 1] > first[pairs[:, 0]], 1]
    d0 = int(first[cohort].min())
    n_periods = int(np.ceil((obs_end - d0 + 1) / unit - 1e-9))
    ends = np.minimum(np.ceil(np.arange(1, n_periods + 1) * unit - 1e-9).astype(np.int64) - 1 + d0, obs_end)
    actual = np.searchsorted(np.sort(repeat_days), ends, side="right").astype(np.float64)
    first_days, n_first = np.unique(first[cohort], return_counts=True)
    age = (ends[:, None] - first_days[None, :]) / unit
    expected_each = model.expected_number_of_purchases_up_to_time(np.maximum(age, 0.0))
    expected = np.where(age >= 0, expected_each, 0.0) @ n_first
    out = pd.DataFrame(
        {
            "date": pd.to_datetime(ends.astype("datetime64[D]")),
            "actual": actual,
            "expected": expected,
            "actual_incremental": np.diff(actual, prepend=0.0),
            "expected_incremental": np.diff(expected, prepend=0.0),
            "period_type": np.where(ends <= cal_end, "calibration", "holdout"),
        },
        index=pd.RangeIndex(1, n_periods + 1, name="period"),
    )
    return out


# --------------------------------------------------------------------------- plots


def plot_tracking(tracking: pd.DataFrame, cumulative: bool = True, ax=None, time_unit: str = "week"):
    """Line plot of actual vs expected (cumulative or per-period) repeat purchases; returns the Axes.

    ``tracking`` is the output of :func:`cumulative_tracking`; a dashed line marks the end of
    the calibration period.
    """
    ax = get_ax(ax, figsize=(8, 4.5))
    cols = ("actual", "expected") if cumulative else ("actual_incremental", "expected_incremental")
    period = tracking.index.to_numpy()
    ax.plot(period, tracking[cols[0]].to_numpy(), color=ACTUAL, label="actual")
    ax.plot(period, tracking[cols[1]].to_numpy(), color=MODEL, linestyle="--", label="model")
    cal = tracking.index[tracking["period_type"] == "calibration"]
    if len(cal):
        ax.axvline(cal.max(), color=NEUTRAL, linestyle=":", linewidth=1)
    ax.set_xlabel(time_unit)
    ax.set_ylabel(("cumulative " if cumulative else "") + "repeat purchases")
    ax.legend(frameon=False)
    return ax


def plot_expected_vs_actual(table: pd.DataFrame, ax=None):
    """Mean holdout purchases, actual vs expected, by calibration frequency; returns the Axes.

    ``table`` is the output of :func:`expected_vs_actual_by_frequency` (the "total" row is left out).
    """
    ax = get_ax(ax, figsize=(7, 4.5))
    rows = table.drop(index="total", errors="ignore")
    pos = np.arange(len(rows))
    ax.plot(pos, rows["actual"].to_numpy(), color=ACTUAL, marker="o", label="actual")
    ax.plot(pos, rows["expected"].to_numpy(), color=MODEL, marker="s", linestyle="--", label="model")
    ax.set_xticks(pos, rows.index.astype(str))
    ax.set_xlabel("repeat purchases in the calibration period")
    ax.set_ylabel("mean repeat purchases in the holdout period")
    ax.legend(frameon=False)
    return ax
