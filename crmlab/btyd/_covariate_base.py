"""Time-invariant covariates on the BTYD likelihood models: checks, fitting glue, summary.

A covariate model scales some of its plain model's parameters per customer,
theta_i = theta_0 exp(sign * c' z_i), as in Fader & Hardie (2007) "Incorporating
time-invariant covariates into the Pareto/NBD and BG/NBD models" (brucehardie.com note 019)
and CLVTools' ``SetStaticCovariates``. The base parameters are positive and fitted on the log
scale; the coefficients c are unconstrained. The per-customer log-likelihood is the plain
model's own (vectorised) function evaluated with per-customer parameter arrays.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd

from .._validate import bad_rows, check_choice, check_number, data_error
from ..exceptions import ConvergenceWarning
from ._base import LikelihoodModel
from ._checks import _check_weights
from ._numerics import (
    _assess_convergence,
    _compress,
    _covariance,
    _log_scale_derivatives,
    _minimize_multistart,
    _numerical_hessian,
)

__all__: list[str] = []

FD_STEP = 1e-5  # central-difference step in log(parameter) for the per-customer derivatives
TABLE = "covariates"
TIME_UNITS = ("D", "M", "W", "Y")


def _check_unit(time_unit: str | None, where: str) -> str | None:
    return None if time_unit is None else check_choice("time_unit", time_unit, TIME_UNITS, where=where)


def _as_frame(covariates, where: str) -> pd.DataFrame:
    """The covariates as a DataFrame: a DataFrame as is, a Series as one column, an array as x0..."""
    if covariates is None:
        raise TypeError(f"{where}: covariates is required (a DataFrame with one row per customer)")
    if isinstance(covariates, pd.DataFrame):
        return covariates
    if isinstance(covariates, pd.Series):
        return covariates.to_frame(name=covariates.name if covariates.name is not None else "x0")
    arr = np.asarray(covariates)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise ValueError(f"{where}: covariates must be a DataFrame or a 2-D array, got shape {arr.shape}")
    return pd.DataFrame(arr, columns=[f"x{j}" for j in range(arr.shape[1])])


def _align(frame: pd.DataFrame, n: int, index, where: str) -> pd.DataFrame:
    """One covariate row per customer, in the customers' order (by index when both carry one)."""
    if len(frame) != n:
        raise data_error(
            TABLE,
            None,
            f"{where}: {len(frame):,} rows but the data have {n:,} customers (one row per customer)",
            n_bad=abs(len(frame) - n),
        )
    if index is None or frame.index.equals(index) or isinstance(frame.index, pd.RangeIndex):
        return frame
    missing = index.difference(frame.index)
    if len(missing):
        raise data_error(
            TABLE,
            None,
            f"{where}: no covariate row for {len(missing):,} of {n:,} customers",
            n_bad=len(missing),
            example=f"customer {missing[0]!r}",
        )
    return frame.loc[index]


def _numeric(frame: pd.DataFrame, where: str) -> np.ndarray:
    """The covariates as floats: numbers and booleans only, every value finite."""
    for col in frame.columns:
        dtype = frame[col].dtype
        if not (pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype)):
            first = frame[col].iloc[0] if len(frame) else None
            raise data_error(
                TABLE,
                str(col),
                f"{where}: is not numeric (dtype {dtype}); encode categories as 0/1 columns, e.g. "
                f"pandas.get_dummies(covariates, drop_first=True, dtype=float)",
                n_bad=len(frame),
                example=f"row {frame.index[0]!r}: {col}={first!r}" if len(frame) else None,
            )
    Z = frame.to_numpy(dtype=np.float64, na_value=np.nan).reshape(len(frame), frame.shape[1])
    bad = ~np.isfinite(Z)
    for j in np.flatnonzero(bad.any(axis=0)):
        col = frame.columns[j]
        raise bad_rows(frame, bad[:, j], TABLE, str(col), f"are missing or infinite ({where})")
    return Z


def _identifiable(Z: np.ndarray, names: list[str], where: str) -> None:
    """Each column varies and no column is a linear combination of the others and a constant."""
    for j, col in enumerate(names):
        if Z.shape[0] and np.ptp(Z[:, j]) == 0:
            raise data_error(
                TABLE,
                col,
                f"{where}: is constant ({Z[0, j]:g} for every customer): its coefficient cannot be "
                f"told apart from the model's own scale parameter; leave the column out",
                n_bad=Z.shape[0],
            )
    design = np.column_stack([np.ones(Z.shape[0]), Z])
    if Z.shape[1] and np.linalg.matrix_rank(design) < design.shape[1]:
        raise data_error(
            TABLE,
            None,
            f"{where}: the columns {names} are collinear (one is a linear combination of the others and "
            f"a constant, e.g. every dummy of a category): leave one out",
            n_bad=Z.shape[1],
        )


def _design(covariates, n: int, index, where: str, names: list[str] | None = None):
    """Validated (n, k) covariate matrix and its column names.

    ``names`` (at prediction) selects the fitted columns by name from a DataFrame, or checks an
    array has that many columns. Bad data raise :class:`crmlab.exceptions.CRMDataError`.
    """
    if covariates is None and names is not None and not names:
        return np.zeros((n, 0)), []
    frame = _align(_as_frame(covariates, where), n, index, where)
    if names is not None:
        frame = _select(frame, names, where)
    return _numeric(frame, where), [str(c) for c in frame.columns]


def _select(frame: pd.DataFrame, names: list[str], where: str) -> pd.DataFrame:
    cols = [str(c) for c in frame.columns]
    if all(re.fullmatch(r"x\d+", c) for c in cols) and len(cols) == len(names):
        frame = frame.set_axis(names, axis=1)  # an array: columns by position
        cols = names
    missing = [c for c in names if c not in cols]
    if missing:
        raise data_error(
            TABLE,
            missing[0],
            f"{where}: the model was fitted with covariates {names}; missing {missing}, found {cols}",
            n_bad=len(missing),
        )
    return frame.set_axis(cols, axis=1)[names]


class _CovariateModel(LikelihoodModel):
    """Shared machinery: per-customer parameters, the fit, summary and from_params.

    Subclasses set ``_names`` (the plain model's parameters, in the order of ``_loglik``),
    ``_effects`` ((prefix, scaled parameter, sign) per covariate effect), ``_plain`` (the plain
    model, for the first start) and ``_loglik`` (per-customer log-likelihood).
    """

    _effects: tuple[tuple[str, str, int], ...] = ()
    _plain: type[LikelihoodModel] = LikelihoodModel

    @staticmethod
    def _loglik(*args):  # pragma: no cover - abstract
        raise NotImplementedError

    def __getattr__(self, name: str):
        if name == "covariate_names_":  # a fitted attribute too: NotFittedError before fit
            return super().__getattr__("params_")
        return super().__getattr__(name)

    # --- parameters --------------------------------------------------------------------------
    def _coef_names(self, covs: list[str]) -> list[str]:
        return [f"{prefix}[{c}]" for prefix, _, _ in self._effects for c in covs]

    def _split(self, u: np.ndarray, k: int):
        """log-base and coefficient blocks of the optimiser's vector u -> (base, [coef per effect])."""
        nb = len(self._names)
        base = np.exp(u[:nb])
        return base, [u[nb + e * k : nb + (e + 1) * k] for e in range(len(self._effects))]

    def _per_customer(self, base, coefs, Z: np.ndarray) -> list:
        """theta_i = theta_0 exp(sign c' z_i) for the scaled parameters, scalars for the others."""
        P = list(base)
        for (_, target, sign), c in zip(self._effects, coefs):
            j = self._names.index(target)
            P[j] = base[j] * np.exp(sign * (Z @ c))
        return P

    def _fitted_arrays(self, Z: np.ndarray) -> list:
        self._check_fitted()
        base = np.array([self.params_[k] for k in self._names])
        covs = self.covariate_names_
        coefs = [np.array([self.params_[f"{p}[{c}]"] for c in covs]) for p, _, _ in self._effects]
        return self._per_customer(base, coefs, Z)

    # --- likelihood ----------------------------------------------------------------------------
    def _value_and_grad(self, u, data, Z, w):
        """Total weighted log-likelihood and its gradient in u (log base parameters, coefficients).

        d LL_i / d log theta_ij comes from a central difference of the vectorised per-customer
        log-likelihood in each parameter (2 evaluations per base parameter, whatever the number
        of covariates); the chain rule gives the coefficients' gradient: sign * Z' (w * d).
        """
        k = Z.shape[1]
        base, coefs = self._split(u, k)
        P = self._per_customer(base, coefs, Z)
        ll = self._loglik(*P, *data)
        total = float(w @ ll)
        if not np.isfinite(total):
            return -np.inf, np.zeros_like(u)
        dlog = []
        for j in range(len(base)):
            up, down = list(P), list(P)
            up[j], down[j] = P[j] * np.exp(FD_STEP), P[j] * np.exp(-FD_STEP)
            dlog.append(w * (self._loglik(*up, *data) - self._loglik(*down, *data)) / (2 * FD_STEP))
        grad = [np.array([d.sum() for d in dlog])]
        for _, target, sign in self._effects:
            grad.append(sign * (Z.T @ dlog[self._names.index(target)]))
        return total, np.concatenate(grad)

    def _penalty(self, u: np.ndarray):
        """penalizer * (sum theta_0^2 + sum c^2) and its gradient in u."""
        nb = len(self._names)
        th = np.concatenate([np.exp(u[:nb]), u[nb:]])
        dth = np.concatenate([th[:nb], np.ones(u.size - nb)])
        return self.penalizer * np.sum(th**2), 2 * self.penalizer * th * dth

    def _to_u(self, params: dict, names: list[str]) -> np.ndarray:
        where = f"{type(self).__name__}.fit"
        if not isinstance(params, dict) or set(params) != set(names):
            raise ValueError(f"{where}: initial_params must be a dict with keys {names}, got {params!r}")
        vals = np.array([float(params[k]) for k in names])
        nb = len(self._names)
        if not (np.all(np.isfinite(vals)) and np.all(vals[:nb] > 0)):
            raise ValueError(f"{where}: initial_params must be finite, {list(self._names)} > 0")
        return np.concatenate([np.log(vals[:nb]), vals[nb:]])

    def _fit_covariates(self, data: list, Z, covs: list[str], weights, initial_params, hint: str):
        """Validate weights, compress, start from the plain model's fit, optimise, set attributes."""
        where = f"{type(self).__name__}.fit"
        self._check_hyper_parameters()
        _identifiable(Z, covs, where)
        w = _check_weights(weights, Z.shape[0], where)
        cols, w = _compress(*data, *Z.T, weights=w)
        data, Z = cols[: len(data)], np.array(cols[len(data) :]).T.reshape(w.size, len(covs))
        n, names = float(w.sum()), list(self._names) + self._coef_names(covs)
        starts = self._covariate_starts(data, Z, w, names, initial_params)

        def objective(u):
            ll, grad = self._value_and_grad(u, data, Z, w)
            pen, dpen = self._penalty(u)
            val = -ll / n + pen
            return (val, -grad / n + dpen) if np.isfinite(val) else (np.inf, np.zeros_like(u))

        res, values = _minimize_multistart(objective, starts, jac=True)
        self._set_fitted(res, values, data, Z, w, covs, names, hint)
        return self

    def _covariate_starts(self, data, Z, w, names, initial_params) -> list[np.ndarray]:
        """The plain model's optimum with zero coefficients, then seeded jitters around it."""
        if initial_params is not None:
            many = initial_params if isinstance(initial_params, (list, tuple)) else [initial_params]
            return [self._to_u(p, names) for p in many]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            plain = self._plain(penalizer=self.penalizer, n_starts=1).fit(*data, weights=w)
        nb = len(self._names)
        first = np.concatenate([np.log([plain.params_[k] for k in self._names]), np.zeros(len(names) - nb)])
        rng = np.random.default_rng(self.random_state)
        jitter = [
            first + np.concatenate([rng.uniform(-0.5, 0.5, nb), rng.normal(0.0, 0.2, first.size - nb)])
            for _ in range(self.n_starts - 1)
        ]
        return [first, *jitter]

    def _nll_phi(self, data, Z, w):
        """NLL at rows of phi = (theta_0, exp(c)): log(phi) is the optimiser's u, so the base's
        log-scale convergence checks and Hessians apply to the coefficients unchanged."""

        def points(Phi):
            out = []
            for phi in np.atleast_2d(Phi):
                base, coefs = self._split(np.log(phi), Z.shape[1])
                out.append(-(w @ self._loglik(*self._per_customer(base, coefs, Z), *data)))
            return np.array(out)

        return points

    def _set_fitted(self, res, values, data, Z, w, covs, names, hint) -> None:
        n, nb = float(w.sum()), len(self._names)
        u = res.x
        phi = np.exp(u)
        nll = self._nll_phi(data, Z, w)

        def penalised(Phi):
            Phi = np.atleast_2d(Phi)
            th = np.column_stack([Phi[:, :nb], np.log(Phi[:, nb:])])
            return nll(Phi) + n * self.penalizer * np.sum(th**2, axis=1)

        with np.errstate(all="ignore"):
            diag = _assess_convergence(penalised, phi, n, 0.0, values, res, tuple(names))
            hess_phi = diag.pop("hessian") if self.penalizer == 0 else _numerical_hessian(nll, phi)
            _, hess_u = _log_scale_derivatives(nll, phi, hess_phi)
        jac = np.concatenate([phi[:nb], np.ones(phi.size - nb)])  # d theta / d u
        cov = jac[:, None] * _covariance(hess_u) * jac[None, :]
        var = np.diag(cov)
        theta = np.concatenate([phi[:nb], u[nb:]])
        self.covariate_names_ = list(covs)
        self.__dict__.setdefault("time_unit_", None)
        self.params_ = {k: float(v) for k, v in zip(names, theta)}
        self.loglik_ = float(-nll(phi)[0])
        self.n_customers_ = int(round(n))
        self.aic_ = 2 * len(names) - 2 * self.loglik_
        self.bic_ = len(names) * np.log(n) - 2 * self.loglik_
        self.converged_ = bool(diag["converged"])
        self.convergence_ = diag
        se = np.sqrt(np.where(np.isfinite(var) & (var > 0), var, np.nan))
        self.standard_errors_ = {k: float(v) for k, v in zip(names, se)}
        self.covariance_ = pd.DataFrame(cov, index=names, columns=names)
        if not self.converged_:
            warnings.warn(self._convergence_message(hint), ConvergenceWarning, stacklevel=4)

    def _note_time_unit(self, time_unit: str | None, *inputs, where: str) -> None:
        """``time_unit_`` as the plain models record it (stated, or read from the summary)."""
        if hasattr(LikelihoodModel, "_record_time_unit"):
            self._record_time_unit(time_unit, *inputs, where=where)
        else:
            self.time_unit_ = _check_unit(time_unit, where)

    # --- results -------------------------------------------------------------------------------
    def summary(self) -> pd.DataFrame:
        """Estimates, standard errors and 95% Wald intervals, one row per parameter.

        The base parameters are positive: their interval is the Wald interval of log(coef)
        mapped back, coef * exp(-+1.96 se / coef). The covariate coefficients are unconstrained:
        coef -+ 1.96 se. ``se`` is from the inverse Hessian of the negative log-likelihood.

        Returns
        -------
        pandas.DataFrame
            Index ``parameter``; columns coef, se, lower_95, upper_95; ``attrs`` carries loglik,
            aic, bic, n_customers, converged and covariates.
        """
        out = super().summary()
        coef_rows = ~out.index.isin(list(self._names))
        half = 1.959964 * out.loc[coef_rows, "se"]
        out.loc[coef_rows, "lower_95"] = out.loc[coef_rows, "coef"] - half
        out.loc[coef_rows, "upper_95"] = out.loc[coef_rows, "coef"] + half
        out.attrs["covariates"] = list(self.covariate_names_)
        return out

    @classmethod
    def from_params(cls, time_unit: str | None = None, **params) -> _CovariateModel:
        """A model with known parameters (a simulation's truth), without data.

        The plain model's parameters (all > 0) and any coefficients named ``prefix[column]``
        (e.g. ``purchase[age_std]``); a coefficient not given is 0. ``**model.params_`` of a fitted
        model rebuilds it.

        Parameters
        ----------
        time_unit : str, optional
            The unit the rate parameters are in ("D", "W", "M", "Y"), recorded in ``time_unit_``.
        **params : float
            Base parameters and coefficients by name.

        Returns
        -------
        _CovariateModel
            A model of this class, ready to predict (NaN loglik and standard errors).
        """
        where = f"{cls.__name__}.from_params"
        missing = [k for k in cls._names if k not in params]
        prefixes = [p for p, _, _ in cls._effects]
        parsed = {k: re.fullmatch(r"(\w+)\[(.+)\]", k) for k in params if k not in cls._names}
        odd = [k for k, m in parsed.items() if m is None or m.group(1) not in prefixes]
        if missing or odd:
            raise TypeError(
                f"{where}: needs {list(cls._names)} and coefficients named like "
                f"'{prefixes[0]}[column]' (prefixes {prefixes}); missing {missing}, not understood {odd}"
            )
        covs = list(dict.fromkeys(m.group(2) for m in parsed.values()))
        model = cls()
        names = list(cls._names) + model._coef_names(covs)
        for k in cls._names:
            check_number(k, params[k], lo=0, lo_open=True, where=where)
        values = {k: float(params.get(k, 0.0)) for k in names}
        if not np.all(np.isfinite(list(values.values()))):
            raise ValueError(f"{where}: every coefficient must be finite, got {values}")
        model.params_, model.covariate_names_ = values, covs
        model.time_unit_ = _check_unit(time_unit, where)
        model.loglik_ = model.aic_ = model.bic_ = float("nan")
        model.n_customers_, model.converged_, model.convergence_ = 0, None, {}
        model.standard_errors_ = dict.fromkeys(names, float("nan"))
        model.covariance_ = pd.DataFrame(np.nan, index=names, columns=names)
        return model

    def _customer_design(self, covariates, n: int, index, where: str) -> np.ndarray:
        self._check_fitted()
        Z, _ = _design(covariates, n, index, where, names=self.covariate_names_)
        return Z
