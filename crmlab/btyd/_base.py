"""The likelihood-model base of the BTYD family, on crmlab's estimator contract."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from .._base import Estimator
from .._validate import check_number
from ..exceptions import ConvergenceWarning, NotFittedError
from ..units import check_time_unit, time_unit_of
from ._checks import _check_identified, _check_weights, _plural
from ._numerics import _assess_convergence, _compress, _covariance, _minimize_multistart

__all__ = ["LikelihoodModel", "FITTED_ATTRIBUTES"]

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
    "time_unit_",
)


class LikelihoodModel(Estimator):
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

    def _record_time_unit(self, time_unit: str | None, *inputs, where: str) -> None:
        """Set ``time_unit_``: the unit of the times fitted, stated or read from the summary.

        ``rfm_summary`` records its unit in ``summary.attrs["time_unit"]`` and its columns carry
        it, so ``fit(s["frequency"], s["recency"], s["T"])`` knows it; plain arrays need
        ``time_unit=``. None when neither says it (predictions in "model units" still work;
        :func:`crmlab.clv.customer_lifetime_value` then asks for the unit).
        """
        self.time_unit_ = time_unit_of(*inputs, where=where, time_unit=time_unit)

    def _patterns(self, columns: list[np.ndarray], weights, where: str, identified: bool = True):
        """Distinct rows of the (validated) data with their total weights, for any model's fit.

        ``weights`` (None = 1 per row) is a non-negative count per row, as lifetimes' ``weights``:
        the log-likelihood is the weighted sum over rows, so a fit on :func:`rfm_patterns` with
        ``weights=n_customers`` equals the fit on one row per customer. Bad weights raise
        :class:`crmlab.exceptions.CRMDataError`. Returns (columns, weights), one entry per pattern.
        """
        w = _check_weights(weights, columns[0].size, where)
        if identified:
            _check_identified(columns[0][w > 0], where)
        return _compress(*columns, weights=w)

    def _fit_likelihood(self, objective, starts, nll_points, n, hint: str, jac=None, progress=None):
        """Run the multistart, set the fitted attributes, warn if the optimum is not trustworthy.

        ``progress`` (None: only for big inputs) shows a tqdm bar over the starts.
        """
        pen = self.penalizer

        def points(P):  # the optimised objective (penalised mean NLL) at natural-scale rows
            return nll_points(P) / n + pen * np.sum(P**2, axis=1)

        bar = {"disable": not progress, "desc": f"{type(self).__name__}.fit", "unit": "start"}
        res, values = _minimize_multistart(objective, starts, jac=jac, points=points, bar=bar)
        theta = np.exp(res.x)
        diag = _assess_convergence(nll_points, theta, n, self.penalizer, values, res, self._names)
        hess = diag.pop("hessian")
        cov = _covariance(hess)
        var = np.diag(cov)
        se = np.sqrt(np.where(np.isfinite(var) & (var > 0), var, np.nan))
        self.params_ = {k: float(v) for k, v in zip(self._names, theta)}
        self.__dict__.setdefault("time_unit_", None)  # models of periods (sBG, BG/BB) have none
        with np.errstate(all="ignore"):
            self.loglik_ = float(-nll_points(theta[None, :])[0])
        self.n_customers_ = int(round(n))
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
    def from_params(cls, time_unit: str | None = None, **params) -> LikelihoodModel:
        """A model with known parameters (a paper's estimates, a simulation's truth), without data.

        Every parameter of the model must be given, finite and > 0, e.g.
        ``BetaGeo.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)``. The model predicts
        like a fitted one; ``loglik_``, ``aic_``, ``bic_``, the covariance and standard errors
        are NaN and ``converged_`` is None (nothing was estimated).

        Parameters
        ----------
        time_unit : str, optional
            The unit the rate parameters are in ("D", "W", "M", "Y"; ``time_unit_``), e.g. "W"
            for the published CDNOW estimates. None: unknown.
        **params : float
            Every parameter of the model by name.

        Returns
        -------
        LikelihoodModel
            A model of this class, ready to predict.
        """
        where = f"{cls.__name__}.from_params"
        if set(params) != set(cls._names):
            raise TypeError(f"{where}: needs exactly the parameters {list(cls._names)}, got {sorted(params)}")
        for name in cls._names:
            check_number(name, params[name], lo=0, lo_open=True, where=where)
        model = cls()
        k = len(cls._names)
        model.params_ = {name: float(params[name]) for name in cls._names}
        model.time_unit_ = None if time_unit is None else check_time_unit(time_unit, where)
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

        Returns
        -------
        pandas.DataFrame
            Index ``parameter``; columns coef, se, lower_95, upper_95; ``attrs`` carries
            loglik, aic, bic, n_customers and converged.
        """
        self._check_fitted()
        coef = pd.Series(self.params_, name="coef")
        se = pd.Series(self.standard_errors_, name="se")
        spread = np.exp(1.959964 * se / coef)
        out = pd.DataFrame({"coef": coef, "se": se, "lower_95": coef / spread, "upper_95": coef * spread})
        out.index.name = "parameter"
        out.attrs = {
            "loglik": self.loglik_,
            "aic": self.aic_,
            "bic": self.bic_,
            "n_customers": self.n_customers_,
            "converged": self.converged_,
            "time_unit": self.time_unit_,
        }
        return out

    def __repr__(self) -> str:
        name = type(self).__name__
        if not self.is_fitted:
            return super().__repr__()
        ps = ", ".join(f"{k}={v:.4g}" for k, v in self.params_.items())
        if not self.n_customers_:
            return f"<{name} from known parameters: {ps}>"
        return f"<{name} fitted on {_plural(self.n_customers_, 'customer')}: {ps}; LL={self.loglik_:.2f}>"
