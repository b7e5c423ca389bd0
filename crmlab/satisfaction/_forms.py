"""Trap analysis, steps 1-2: fit each curve form of a driver, compare them, and test the shape.

The additive model is ``loyalty = a + f(driver) + g(other drivers) + e``; ``f`` takes one of
:data:`CURVE_FORMS`, the other drivers enter as natural cubic regression splines (patsy ``cr``).
Forms are compared by AIC, BIC and cross-validated RMSE on the folds fixed in :class:`TrapData`;
the shape is decided by the Holm-adjusted Wald test of the quadratic term (HC3 errors).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import patsy
import statsmodels.api as sm
from scipy.optimize import minimize_scalar
from statsmodels.stats.multitest import multipletests

CURVE_FORMS = ("linear", "quadratic", "spline", "piecewise", "saturating")

_PATSY_ENV = patsy.EvalEnvironment([{"np": np}])

# parameters of the driver's own curve per form (the saturating form: slope b and curvature k)
_N_PARAMS = {"linear": 1, "quadratic": 2, "piecewise": 2, "saturating": 2}


@dataclass
class TrapData:
    """The scores and fixed draws every step of the trap analysis shares.

    ``d`` holds the complete rows: ``y`` (loyalty) and one (calibrated) score column per role;
    ``folds`` are the cross-validation folds and ``boot_idx`` the bootstrap resamples, both
    drawn once from ``seed`` before any fit.
    """

    d: pd.DataFrame
    y: np.ndarray
    roles: list
    spline_df: int
    centre: dict
    knot: dict
    lo_x: dict
    k_max: dict
    folds: list
    boot_idx: list

    @property
    def n(self) -> int:
        return len(self.d)

    def others(self, role: str) -> list:
        return [o for o in self.roles if o != role]

    def control_design(self, role: str):
        """Design of the other drivers' spline controls (intercept only if there are none)."""
        return dmatrix(control_term(self.others(role), self.spline_df) or "1", self.d)


def _g(value: float) -> str:
    return f"{float(value):.10g}"


def form_term(form: str, x: str, centre: float, knot: float, df: int) -> str:
    """The patsy term of driver ``x`` in curve form ``form`` (not the saturating one)."""
    if form == "linear":
        return x
    if form == "quadratic":
        return f"{x} + {quadratic_name(x, centre)}"
    if form == "spline":
        return f"cr({x}, df={df}, constraints='center')"
    if form == "piecewise":
        return f"{x} + {hinge_name(x, knot)}"
    raise ValueError(f"unknown curve form {form!r}")  # pragma: no cover


def quadratic_name(x: str, centre: float) -> str:
    return f"I(({x} - {_g(centre)}) ** 2)"


def hinge_name(x: str, knot: float) -> str:
    return f"I(np.maximum({x} - {_g(knot)}, 0))"


def control_term(others: Sequence[str], df: int) -> str:
    return " + ".join(f"cr({o}, df={df}, constraints='center')" for o in others)


def dmatrix(formula: str, data: pd.DataFrame):
    return patsy.dmatrix(formula, data, eval_env=_PATSY_ENV)


def rebuild(design, data: pd.DataFrame) -> np.ndarray:
    """The columns of ``design`` (same knots, same centring) evaluated on new ``data``."""
    return np.asarray(patsy.build_design_matrices([design.design_info], data)[0])


def saturating_z(k: float, u: np.ndarray) -> np.ndarray:
    """(1 - exp(-k u)) / k, = u at k = 0; its derivative in u is exp(-k u)."""
    if abs(k) < 1e-10:
        return u
    return -np.expm1(-k * u) / k


def fit_saturating(y: np.ndarray, controls: np.ndarray, u: np.ndarray, k_max: float, coarse: bool = True):
    """Profile least squares over the curvature k of y = C g + b (1 - exp(-k u)) / k + e."""

    def ssr(k):
        return sm.OLS(y, np.column_stack([controls, saturating_z(k, u)])).fit().ssr

    lo, hi = -k_max, k_max
    if coarse:  # guard against a local minimum: bracket the best of a coarse grid
        grid = np.linspace(lo, hi, 13)
        values = np.array([ssr(k) for k in grid])
        i = int(values.argmin())
        lo, hi = grid[max(i - 1, 0)], grid[min(i + 1, len(grid) - 1)]
    best = minimize_scalar(ssr, bounds=(lo, hi), method="bounded", options={"xatol": 1e-5 * k_max})
    k = float(best.x)
    fit = sm.OLS(y, np.column_stack([controls, saturating_z(k, u)])).fit()
    return k, fit


def _saturating_form(data: TrapData, role: str):
    """The saturating form by profile least squares; AIC/BIC count k; CV refits k in each fold."""
    y, k_max = data.y, data.k_max[role]
    controls = np.asarray(data.control_design(role))
    u = data.d[role].to_numpy() - data.lo_x[role]
    k, fit = fit_saturating(y, controls, u, k_max)
    sq = 0.0
    for tr, te in data.folds:
        k_f, fit_f = fit_saturating(y[tr], controls[tr], u[tr], k_max)
        pred = np.column_stack([controls[te], saturating_z(k_f, u[te])]) @ fit_f.params
        sq += float(((y[te] - pred) ** 2).sum())
    return {"k": k, "fit": fit, "controls": controls}, fit.aic + 2.0, fit.bic + np.log(data.n), sq


def _ols_form(data: TrapData, role: str, form: str):
    """A form that is linear in its parameters: OLS with HC3 errors, CV by refitting each fold."""
    control = control_term(data.others(role), data.spline_df)
    formula = form_term(form, role, data.centre[role], data.knot[role], data.spline_df)
    formula += f" + {control}" if control else ""
    X = dmatrix(formula, data.d)
    fit = sm.OLS(data.y, np.asarray(X)).fit(cov_type="HC3")
    sq = 0.0
    Xa = np.asarray(X)
    for tr, te in data.folds:
        fit_f = sm.OLS(data.y[tr], Xa[tr]).fit()
        sq += float(((data.y[te] - Xa[te] @ fit_f.params) ** 2).sum())
    return {"fit": fit, "design": X}, fit.aic, fit.bic, sq


def fit_forms(data: TrapData, role: str) -> tuple[list[dict], dict]:
    """Every curve form of ``role``: one comparison row per form (AIC, BIC, CV RMSE) and the fits."""
    rows, fits = [], {}
    for form in CURVE_FORMS:
        if form == "saturating":
            fits[form], aic, bic, sq = _saturating_form(data, role)
        else:
            fits[form], aic, bic, sq = _ols_form(data, role, form)
        rows.append(
            {
                "driver": role,
                "form": form,
                "n_params": _N_PARAMS.get(form, data.spline_df),
                "aic": aic,
                "bic": bic,
                "cv_rmse": np.sqrt(sq / data.n),
                "r_squared": fits[form]["fit"].rsquared,
            }
        )
    return rows, fits


def shape_row(data: TrapData, role: str, fits: dict) -> dict:
    """Quadratic-term test, piecewise slopes below / above the median and the curvature k of ``role``."""
    q = fits["quadratic"]["fit"]
    names = fits["quadratic"]["design"].design_info.column_names
    j = names.index(quadratic_name(role, data.centre[role]))
    pw = fits["piecewise"]["fit"]
    pw_names = fits["piecewise"]["design"].design_info.column_names
    jx, jh = pw_names.index(role), pw_names.index(hinge_name(role, data.knot[role]))
    return {
        "driver": role,
        "quadratic_coef": q.params[j],
        "quadratic_se": q.bse[j],
        "z": q.tvalues[j],
        "p_value": q.pvalues[j],
        "knot": data.knot[role],
        "slope_lower": pw.params[jx],
        "slope_upper": pw.params[jx] + pw.params[jh],
        "slope_difference": pw.params[jh],
        "curvature_k": fits["saturating"]["k"],
        "_jx": jx,
        "_jh": jh,
    }


def decide_shapes(shape_rows: list[dict], alpha: float) -> pd.DataFrame:
    """The stated shape test: Holm-adjusted quadratic-term p-values; sign decides concave / convex."""
    shapes = pd.DataFrame(shape_rows).set_index("driver")
    reject, p_holm, _, _ = multipletests(shapes["p_value"].to_numpy(), alpha=alpha, method="holm")
    shapes["p_holm"] = p_holm
    shapes["shape"] = np.where(
        reject & (shapes["quadratic_coef"] < 0),
        "concave",
        np.where(reject & (shapes["quadratic_coef"] > 0), "convex", "linear"),
    )
    return shapes
