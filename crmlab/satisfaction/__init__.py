"""The satisfaction trap: why satisfied customers still defect, measured on survey data.

Reichheld & Sasser (1990) showed that a few points more retention raise profit a lot,
so firms chase satisfaction; yet most defectors say they were satisfied, and Jones &
Sasser (1995, Xerox) found "totally satisfied" customers six times more likely to
buy again than merely "satisfied" ones. The explanation taught here: expectations
are *basic* (taken for granted) or *latent* (not yet recognised by the customer).
Satisfying basic expectations raises loyalty with diminishing returns, up to about
the average loyalty of the industry; satisfying latent expectations raises it with
a constant or increasing marginal effect. Pouring effort into basic expectations
after loyalty has saturated is the **satisfaction trap**.

This module tests that story on a survey and a transaction log:

* :func:`trap_analysis` -- the additive model ``loyalty = a + f(basic) + g(latent) + e``
  (each driver's curve controls for the other), five curve forms compared by AIC,
  BIC and cross-validated error, bootstrap bands for the curves and marginal
  effects, a stated shape test, and the saturation point of ``f``.
* :func:`penalty_reward` -- penalty-reward contrast analysis (Brandt 1987) and
  impact-asymmetry classes (Mikulic & Prebezac 2008).
* :func:`kano_analysis` -- Kano et al. (1984) evaluation table, modal category,
  Better / Worse coefficients of Berger et al. (1993).
* :func:`holdout_repurchase`, :func:`satisfaction_paradox` -- the paradox in numbers:
  satisfied defectors, very satisfied vs satisfied repurchase, a logistic model.
* :func:`satisfaction_loyalty_types` -- loyal / mercenary / hostage / defector
  (Jones & Sasser 1995) with a strategy per type.

Every random step takes ``seed``; bad tables raise :class:`crmlab.data.CRMDataError`,
bad arguments ``ValueError``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import patsy
import statsmodels.api as sm
import statsmodels.formula.api as smf
from scipy import stats
from scipy.optimize import minimize_scalar
from sklearn.model_selection import KFold
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint

from ..data import data_error
from ..rfm import rfm_summary

try:  # a dependency of scikit-learn; keeps small OLS fits from fighting over BLAS threads
    from threadpoolctl import threadpool_limits
except ImportError:  # pragma: no cover - scikit-learn always installs it
    from contextlib import nullcontext

    def threadpool_limits(*args, **kwargs):
        return nullcontext()


__all__ = [
    "CURVE_FORMS",
    "KANO_TABLE",
    "KANO_CATEGORIES",
    "KANO_TIE_ORDER",
    "TYPE_STRATEGIES",
    "cronbach_alpha",
    "TrapAnalysis",
    "trap_analysis",
    "plot_trap",
    "PenaltyReward",
    "penalty_reward",
    "plot_penalty_reward",
    "kano_classify",
    "KanoAnalysis",
    "kano_analysis",
    "plot_kano",
    "holdout_repurchase",
    "SatisfactionParadox",
    "satisfaction_paradox",
    "plot_paradox",
    "LoyaltyTypes",
    "satisfaction_loyalty_types",
    "plot_types",
]

CURVE_FORMS = ("linear", "quadratic", "spline", "piecewise", "saturating")

_PATSY_ENV = patsy.EvalEnvironment([{"np": np}])


# --------------------------------------------------------------------------- input helpers

_fail = data_error  # the house error message: table.column: message (example: ...)


def _row_example(frame: pd.DataFrame, mask, cols: Sequence[str]) -> str:
    idx = int(np.flatnonzero(np.asarray(mask))[0])
    row = frame.iloc[idx]
    shown = [
        c
        for c in (["customer_id"] if "customer_id" in frame.columns else []) + list(cols)
        if c in frame.columns
    ]
    return f"row {frame.index[idx]!r}: " + ", ".join(f"{c}={row[c]!r}" for c in shown)


def _check_frame(survey, table: str) -> None:
    if not isinstance(survey, pd.DataFrame):
        raise ValueError(f"{table} must be a pandas DataFrame, not {type(survey).__name__}")
    if len(survey) == 0:
        raise _fail(table, None, "has no rows", n_bad=0)


def _as_items(spec, role: str) -> list[str]:
    if isinstance(spec, str):
        return [spec]
    if isinstance(spec, Sequence) and len(spec) > 0 and all(isinstance(c, str) for c in spec):
        return list(spec)
    raise ValueError(f"{role} must be a column name or a non-empty list of column names, not {spec!r}")


def _numeric_items(survey: pd.DataFrame, items: Sequence[str], table: str) -> pd.DataFrame:
    """The item columns as floats; missing columns and non-numbers raise CRMDataError."""
    missing = [c for c in items if c not in survey.columns]
    if missing:
        raise _fail(
            table,
            missing[0],
            f"missing column(s) {missing}; found {list(survey.columns)[:15]}"
            + (" ..." if survey.shape[1] > 15 else ""),
            n_bad=len(missing),
        )
    out = {}
    for c in items:
        raw = survey[c]
        if pd.api.types.is_bool_dtype(raw):
            raw = raw.astype("float64")
        values = pd.to_numeric(raw, errors="coerce").astype("float64")
        nonnum = values.isna() & raw.notna()
        if nonnum.any():
            raise _fail(
                table,
                c,
                f"{int(nonnum.sum()):,} of {len(raw):,} answers are not numbers",
                n_bad=int(nonnum.sum()),
                example=_row_example(survey, nonnum.to_numpy(), [c]),
            )
        inf = ~np.isfinite(values.fillna(0.0).to_numpy())
        if inf.any():
            raise _fail(
                table,
                c,
                f"{int(inf.sum()):,} answers are infinite",
                n_bad=int(inf.sum()),
                example=_row_example(survey, inf, [c]),
            )
        out[c] = values
    return pd.DataFrame(out, index=survey.index)


def _score(survey: pd.DataFrame, spec, role: str, table: str) -> tuple[pd.Series, str, list[str]]:
    """One score: a column, or the mean of several item columns (NaN if any item is missing)."""
    items = _as_items(spec, role)
    values = _numeric_items(survey, items, table)
    score = values.mean(axis=1, skipna=False) if len(items) > 1 else values[items[0]]
    label = items[0] if len(items) == 1 else f"mean({', '.join(items)})"
    return score, label, items


def cronbach_alpha(items: pd.DataFrame) -> float:
    """Reliability of the mean of k items: alpha = k/(k-1) (1 - sum var_i / var(sum)).

    Complete rows only; the reliability of an item mean under parallel items.
    Source: Cronbach (1951), Psychometrika 16:297-334.
    """
    if not isinstance(items, pd.DataFrame) or items.shape[1] < 2:
        raise ValueError("cronbach_alpha needs a DataFrame with at least two item columns")
    x = items.dropna().to_numpy(dtype=float)
    if len(x) < 3:
        raise ValueError("cronbach_alpha needs at least three complete rows")
    k = x.shape[1]
    total = x.sum(axis=1).var(ddof=1)
    if total == 0:
        raise ValueError("cronbach_alpha: the item sum does not vary")
    return float(k / (k - 1) * (1.0 - x.var(axis=0, ddof=1).sum() / total))


# --------------------------------------------------------------------------- the trap


def _g(value: float) -> str:
    return f"{float(value):.10g}"


def _form_term(form: str, x: str, centre: float, knot: float, df: int) -> str:
    if form == "linear":
        return x
    if form == "quadratic":
        return f"{x} + I(({x} - {_g(centre)}) ** 2)"
    if form == "spline":
        return f"cr({x}, df={df}, constraints='center')"
    if form == "piecewise":
        return f"{x} + I(np.maximum({x} - {_g(knot)}, 0))"
    raise ValueError(f"unknown curve form {form!r}")  # pragma: no cover


def _control_term(others: Sequence[str], df: int) -> str:
    return " + ".join(f"cr({o}, df={df}, constraints='center')" for o in others)


def _dmatrix(formula: str, data: pd.DataFrame):
    return patsy.dmatrix(formula, data, eval_env=_PATSY_ENV)


def _rebuild(design, data: pd.DataFrame) -> np.ndarray:
    return np.asarray(patsy.build_design_matrices([design.design_info], data)[0])


def _saturating_z(k: float, u: np.ndarray) -> np.ndarray:
    """(1 - exp(-k u)) / k, = u at k = 0; its derivative in u is exp(-k u)."""
    if abs(k) < 1e-10:
        return u
    return -np.expm1(-k * u) / k


def _fit_saturating(y: np.ndarray, controls: np.ndarray, u: np.ndarray, k_max: float, coarse: bool = True):
    """Profile least squares over the curvature k of y = C g + b (1 - exp(-k u)) / k + e."""

    def ssr(k):
        return sm.OLS(y, np.column_stack([controls, _saturating_z(k, u)])).fit().ssr

    lo, hi = -k_max, k_max
    if coarse:  # guard against a local minimum: bracket the best of a coarse grid
        grid = np.linspace(lo, hi, 13)
        values = np.array([ssr(k) for k in grid])
        i = int(values.argmin())
        lo, hi = grid[max(i - 1, 0)], grid[min(i + 1, len(grid) - 1)]
    best = minimize_scalar(ssr, bounds=(lo, hi), method="bounded", options={"xatol": 1e-5 * k_max})
    k = float(best.x)
    fit = sm.OLS(y, np.column_stack([controls, _saturating_z(k, u)])).fit()
    return k, fit


@dataclass
class TrapAnalysis:
    """Result of :func:`trap_analysis`; tables are DataFrames, shapes are strings."""

    loyalty: str
    drivers: dict
    n: int
    n_dropped: int
    saturation_fraction: float
    alpha: float
    scale: tuple
    reliability: dict
    curve_form: str
    forms: pd.DataFrame
    shape_tests: pd.DataFrame
    curves: pd.DataFrame
    bins: pd.DataFrame
    saturating_curves: pd.DataFrame
    basic_shape: str
    latent_shape: str | None
    saturation_point: float
    saturation: pd.Series
    average_loyalty: float
    trap: bool
    models: dict = field(default_factory=dict, repr=False)

    def summary(self) -> pd.DataFrame:
        """One row per driver: shape and its test, best form, curvature, saturation."""
        rows = []
        for role, label in self.drivers.items():
            t = self.shape_tests.loc[role]
            f = self.forms.loc[role]
            row = {
                "driver": role,
                "column": label,
                "n": self.n,
                "shape": t["shape"],
                "quadratic_coef": t["quadratic_coef"],
                "quadratic_p_holm": t["p_holm"],
                "slope_lower_half": t["slope_lower"],
                "slope_upper_half": t["slope_upper"],
                "slope_difference": t["slope_difference"],
                "slope_difference_ci": (t["slope_difference_low"], t["slope_difference_high"]),
                "curvature_k": t["curvature_k"],
                "best_form_bic": f["bic"].idxmin(),
                "best_form_cv": f["cv_rmse"].idxmin(),
                "saturation_point": np.nan,
                "saturation_ci": (np.nan, np.nan),
                "loyalty_at_saturation": np.nan,
                "average_loyalty": self.average_loyalty,
                "share_beyond_saturation": np.nan,
                "note": "",
            }
            if role == "basic":
                s = self.saturation
                row.update(
                    saturation_point=s["point"],
                    saturation_ci=(s["ci_low"], s["ci_high"]),
                    loyalty_at_saturation=s["loyalty_at_point"],
                    share_beyond_saturation=s["share_beyond"],
                    note=s["reason"],
                )
            rows.append(row)
        return pd.DataFrame(rows).set_index("driver")

    def plot(self, axes=None):
        """Loyalty curves and marginal effects of both drivers (see :func:`plot_trap`)."""
        return plot_trap(self, axes=axes)


def trap_analysis(
    survey: pd.DataFrame,
    loyalty="loyalty_intention",
    basic="basic_satisfaction",
    latent="latent_satisfaction",
    *,
    n_boot: int = 200,
    seed: int = 0,
    saturation_fraction: float = 0.2,
    scale: tuple | None = None,
    reliability=None,
    alpha: float = 0.05,
    spline_df: int = 4,
    n_folds: int = 5,
    curve_form: str = "spline",
    grid_size: int = 101,
    table: str = "survey",
) -> TrapAnalysis:
    """Is loyalty concave in basic and linear/convex in latent satisfaction? (the satisfaction trap)

    Model: the additive regression ``loyalty = a + f(basic) + g(latent) + e`` (statsmodels
    OLS, HC3 errors), so each driver's curve is its effect with the other driver held
    fixed -- the two are correlated in real surveys. For each driver five forms of its
    curve are compared by AIC, BIC and ``n_folds``-fold cross-validated RMSE (spline knots
    and the hinge are placed once on all scores, which carry no loyalty values; the other
    driver entering as a natural cubic regression spline, patsy ``cr``, ``spline_df``
    degrees of freedom): linear, quadratic, natural spline, piecewise linear with one
    knot at the driver's median, and the saturating exponential
    ``b (1 - exp(-k (x - x0))) / k`` (``k > 0`` concave, ``k = 0`` linear, ``k < 0``
    convex; ``k`` by profile least squares).

    Shape test (stated): the quadratic term of each driver, two-sided Wald test (HC3),
    Holm-adjusted over the drivers at level ``alpha``: negative and significant =
    "concave", positive and significant = "convex", else "linear". The bootstrap CI of
    the difference between the upper- and lower-half slopes (piecewise form) is
    reported beside it as a check.

    Curves: the ``curve_form`` fit (default the natural spline) on a grid over the
    observed range, the other driver at its mean; marginal effect d loyalty / d x by
    central differences; ``n_boot`` bootstrap resamples of respondents (``seed``) give
    95 % percentile bands.

    Saturation point of basic (only when its shape is concave): with the saturating form
    the marginal effect ``b exp(-k (x - x0))`` is largest at the bottom of the scale
    ``x0 = scale[0]`` (default: the observed minimum) and falls below
    ``saturation_fraction`` (phi, default 0.2) of that maximum at
    ``x* = x0 + ln(1/phi) / k``; CI: bootstrap percentile interval. Loyalty at ``x*``
    (other driver at its mean) is compared with average loyalty.

    Measurement error flattens curves. ``reliability`` (``None``: no correction;
    ``"alpha"``: Cronbach's alpha of each driver's item list; or a number in (0, 1])
    replaces each driver score by its regression-calibration estimate of the true score,
    ``mean + lambda (x - mean)`` (Carroll et al. 2006), before any fit: shapes and tests
    are unchanged (a linear map), curves and ``x*`` are on the true-score scale
    (``lambda`` is treated as known in the bootstrap). ``trap`` is True when basic is
    concave and latent is not (or when only basic is given and it is concave).

    ``loyalty``, ``basic``, ``latent``: column names, or lists of item columns averaged
    into a score (``latent=None`` analyses basic alone). Rows with a missing value are
    dropped (``n_dropped``).

    Sources: Jones & Sasser (1995) HBR 73(6); Reichheld & Sasser (1990) HBR 68(5);
    Anderson & Mittal (2000) J Service Research 3(2) on nonlinear satisfaction-retention
    links; Holm (1979); Carroll, Ruppert, Stefanski & Crainiceanu (2006).
    """
    _check_frame(survey, table)
    if not isinstance(n_boot, (int, np.integer)) or isinstance(n_boot, bool) or n_boot < 0:
        raise ValueError(f"n_boot must be an integer >= 0, not {n_boot!r}")
    if 0 < n_boot < 20:
        raise ValueError(f"n_boot must be 0 (no bands) or at least 20 for percentile bands, not {n_boot}")
    if not 0.0 < saturation_fraction < 1.0:
        raise ValueError(f"saturation_fraction must be in (0, 1), not {saturation_fraction!r}")
    if not 0.0 < alpha < 0.5:
        raise ValueError(f"alpha must be in (0, 0.5), not {alpha!r}")
    if not isinstance(spline_df, (int, np.integer)) or spline_df < 3:
        raise ValueError(f"spline_df must be an integer >= 3, not {spline_df!r}")
    if not isinstance(n_folds, (int, np.integer)) or n_folds < 2:
        raise ValueError(f"n_folds must be an integer >= 2, not {n_folds!r}")
    if curve_form not in CURVE_FORMS:
        raise ValueError(f"curve_form must be one of {CURVE_FORMS}, not {curve_form!r}")
    if not isinstance(grid_size, (int, np.integer)) or grid_size < 10:
        raise ValueError(f"grid_size must be an integer >= 10, not {grid_size!r}")
    if scale is not None:
        if len(scale) != 2 or not float(scale[0]) < float(scale[1]):
            raise ValueError(f"scale must be (low, high) with low < high, not {scale!r}")

    specs = {"basic": basic} if latent is None else {"basic": basic, "latent": latent}
    y_raw, y_label, _ = _score(survey, loyalty, "loyalty", table)
    raw = {"y": y_raw}
    labels, item_lists = {}, {}
    for role, spec in specs.items():
        raw[role], labels[role], item_lists[role] = _score(survey, spec, role, table)
    frame = pd.DataFrame(raw)
    complete = frame.notna().all(axis=1)
    d = frame[complete].reset_index(drop=True)
    n, n_dropped = len(d), int((~complete).sum())
    if n < 30:
        raise _fail(
            table,
            None,
            f"only {n} complete rows for {y_label} and its drivers; the trap analysis needs at least 30",
            n_bad=n_dropped,
        )
    roles = list(specs)
    for role in roles:
        n_values = d[role].nunique()
        if n_values < spline_df + 2:
            raise _fail(
                table,
                labels[role],
                f"has only {n_values} distinct values; a curve with "
                f"spline_df={spline_df} needs at least {spline_df + 2}",
                n_bad=n,
            )
        if scale is not None:
            outside = ((d[role] < scale[0]) | (d[role] > scale[1])).to_numpy()
            if outside.any():
                raise _fail(
                    table,
                    labels[role],
                    f"{int(outside.sum()):,} scores lie outside the scale {scale}",
                    n_bad=int(outside.sum()),
                    example=f"score {d[role].to_numpy()[outside][0]!r}",
                )

    lam = {}
    for role in roles:
        if reliability is None:
            lam[role] = 1.0
        elif isinstance(reliability, str):
            if reliability != "alpha":
                raise ValueError(
                    f"reliability must be None, 'alpha' or a number in (0, 1], not {reliability!r}"
                )
            if len(item_lists[role]) < 2:
                raise ValueError(
                    f"reliability='alpha' needs {role} as a list of at least two item "
                    f"columns, not {labels[role]!r}"
                )
            lam[role] = cronbach_alpha(_numeric_items(survey, item_lists[role], table)[complete])
        else:
            lam[role] = float(reliability)
            if not 0.0 < lam[role] <= 1.0:
                raise ValueError(f"reliability must be in (0, 1], not {reliability!r}")

    # regression calibration (Carroll et al. 2006): E[true | observed] = mu + lambda (x - mu);
    # a linear map, so shapes and tests are unchanged and the curves sit on the true-score scale
    for role in roles:
        if lam[role] < 1.0:
            mu = float(d[role].mean())
            d[role] = mu + lam[role] * (d[role] - mu)
    y = d["y"].to_numpy()
    centre = {r: float(d[r].mean()) for r in roles}
    knot = {r: float(d[r].median()) for r in roles}
    lo_x = {r: float(scale[0]) if scale is not None else float(d[r].min()) for r in roles}
    k_max = {r: 10.0 / float(np.ptp(d[r].to_numpy())) for r in roles}
    folds = list(KFold(n_splits=n_folds, shuffle=True, random_state=seed).split(d))
    rng = np.random.default_rng(seed)
    boot_idx = [rng.integers(0, n, n) for _ in range(n_boot)]

    with threadpool_limits(1, user_api="blas"):
        # ---- forms per driver, the other driver as a spline control
        form_rows, shape_rows, models = [], [], {}
        for role in roles:
            others = [o for o in roles if o != role]
            control = _control_term(others, spline_df)
            fits = {}
            for form in CURVE_FORMS:
                if form == "saturating":
                    controls = np.asarray(_dmatrix(control or "1", d))
                    u = d[role].to_numpy() - lo_x[role]
                    k, fit = _fit_saturating(y, controls, u, k_max[role])
                    aic, bic, n_par = fit.aic + 2.0, fit.bic + np.log(n), 2
                    sq = 0.0
                    for tr, te in folds:
                        k_f, fit_f = _fit_saturating(y[tr], controls[tr], u[tr], k_max[role])
                        pred = np.column_stack([controls[te], _saturating_z(k_f, u[te])]) @ fit_f.params
                        sq += float(((y[te] - pred) ** 2).sum())
                    fits[form] = {"k": k, "fit": fit, "controls": controls}
                else:
                    formula = _form_term(form, role, centre[role], knot[role], spline_df)
                    formula += f" + {control}" if control else ""
                    X = _dmatrix(formula, d)
                    fit = sm.OLS(y, np.asarray(X)).fit(cov_type="HC3")
                    aic, bic = fit.aic, fit.bic
                    n_par = {"linear": 1, "quadratic": 2, "spline": spline_df, "piecewise": 2}[form]
                    sq = 0.0
                    Xa = np.asarray(X)
                    for tr, te in folds:
                        fit_f = sm.OLS(y[tr], Xa[tr]).fit()
                        sq += float(((y[te] - Xa[te] @ fit_f.params) ** 2).sum())
                    fits[form] = {"fit": fit, "design": X}
                form_rows.append(
                    {
                        "driver": role,
                        "form": form,
                        "n_params": n_par,
                        "aic": aic,
                        "bic": bic,
                        "cv_rmse": np.sqrt(sq / n),
                        "r_squared": fits[form]["fit"].rsquared,
                    }
                )
            models[role] = fits
            q = fits["quadratic"]["fit"]
            names = fits["quadratic"]["design"].design_info.column_names
            j = names.index(f"I(({role} - {_g(centre[role])}) ** 2)")
            pw = fits["piecewise"]["fit"]
            pw_names = fits["piecewise"]["design"].design_info.column_names
            jx, jh = pw_names.index(role), pw_names.index(f"I(np.maximum({role} - {_g(knot[role])}, 0))")
            shape_rows.append(
                {
                    "driver": role,
                    "quadratic_coef": q.params[j],
                    "quadratic_se": q.bse[j],
                    "z": q.tvalues[j],
                    "p_value": q.pvalues[j],
                    "knot": knot[role],
                    "slope_lower": pw.params[jx],
                    "slope_upper": pw.params[jx] + pw.params[jh],
                    "slope_difference": pw.params[jh],
                    "curvature_k": fits["saturating"]["k"],
                    "_jx": jx,
                    "_jh": jh,
                }
            )

        # ---- the stated shape decision
        shapes = pd.DataFrame(shape_rows).set_index("driver")
        reject, p_holm, _, _ = multipletests(shapes["p_value"].to_numpy(), alpha=alpha, method="holm")
        shapes["p_holm"] = p_holm
        shapes["shape"] = np.where(
            reject & (shapes["quadratic_coef"] < 0),
            "concave",
            np.where(reject & (shapes["quadratic_coef"] > 0), "convex", "linear"),
        )

        # ---- display curves (one joint model of both drivers) and bootstrap
        if curve_form == "saturating":
            joint_terms = None
        else:
            joint_terms = " + ".join(_form_term(curve_form, r, centre[r], knot[r], spline_df) for r in roles)
        grids = {r: np.linspace(d[r].min(), d[r].max(), grid_size) for r in roles}
        if joint_terms is not None:
            Xj = _dmatrix(joint_terms, d)
            joint = sm.OLS(y, np.asarray(Xj)).fit(cov_type="HC3")
            G = {}
            for r in roles:
                g = pd.DataFrame({o: np.full(grid_size, centre[o]) for o in roles})
                g[r] = grids[r]
                G[r] = _rebuild(Xj, g)
            fitted = joint.fittedvalues
            at_mean = {
                r: _rebuild(Xj, d.assign(**{o: centre[o] for o in roles if o != r})) @ joint.params
                for r in roles
            }
            models["joint"] = joint
        else:  # saturating display: each driver's own fit, the other at its mean
            G, at_mean = {}, {}
            for r in roles:
                sat = models[r]["saturating"]
                others = [o for o in roles if o != r]
                ctrl = _dmatrix(_control_term(others, spline_df) or "1", d)
                g = pd.DataFrame({o: np.full(grid_size, centre[o]) for o in roles})
                G[r] = (
                    np.column_stack([_rebuild(ctrl, g), _saturating_z(sat["k"], grids[r] - lo_x[r])]),
                    sat,
                )
            fitted = None

        def curve_values(r, beta=None):
            if joint_terms is not None:
                return G[r] @ (joint.params if beta is None else beta)
            return G[r][0] @ G[r][1]["fit"].params

        boot_curves = {r: np.full((grid_size, n_boot), np.nan) for r in roles}
        boot_diff = {r: np.full(n_boot, np.nan) for r in roles}
        boot_k_basic = np.full(n_boot, np.nan)
        pw_designs = {r: np.asarray(models[r]["piecewise"]["design"]) for r in roles}
        sat_b = models["basic"]["saturating"]
        u_basic = d["basic"].to_numpy() - lo_x["basic"]
        want_k = shapes.loc["basic", "shape"] == "concave"
        for b, idx in enumerate(boot_idx):
            if joint_terms is not None:
                beta = sm.OLS(y[idx], np.asarray(Xj)[idx]).fit().params
                for r in roles:
                    boot_curves[r][:, b] = G[r] @ beta
            for r in roles:
                p = sm.OLS(y[idx], pw_designs[r][idx]).fit().params
                boot_diff[r][b] = p[int(shapes.loc[r, "_jh"])]
                if joint_terms is None:
                    sat_r = models[r]["saturating"]
                    k_b, fit_b = _fit_saturating(
                        y[idx], sat_r["controls"][idx], d[r].to_numpy()[idx] - lo_x[r], k_max[r], coarse=False
                    )
                    boot_curves[r][:, b] = (
                        np.column_stack([G[r][0][:, :-1], _saturating_z(k_b, grids[r] - lo_x[r])])
                        @ fit_b.params
                    )
                    if r == "basic":
                        boot_k_basic[b] = k_b
            if want_k and joint_terms is not None:
                boot_k_basic[b] = _fit_saturating(
                    y[idx], sat_b["controls"][idx], u_basic[idx], k_max["basic"], coarse=False
                )[0]

    if n_boot:
        for r in roles:
            shapes.loc[r, "slope_difference_low"] = np.percentile(boot_diff[r], 2.5)
            shapes.loc[r, "slope_difference_high"] = np.percentile(boot_diff[r], 97.5)
    else:
        shapes["slope_difference_low"] = np.nan
        shapes["slope_difference_high"] = np.nan
    shapes = shapes.drop(columns=["_jx", "_jh"])
    shapes.insert(0, "column", [labels[r] for r in shapes.index])

    # ---- curves table and partial-residual bins
    curve_rows, bin_rows = [], []
    for r in roles:
        x = grids[r]
        est = curve_values(r)
        me = np.gradient(est, x)
        row = pd.DataFrame({"driver": r, "x": x, "loyalty": est, "marginal_effect": me})
        if n_boot:
            bc = boot_curves[r]
            bme = np.gradient(bc, x, axis=0)
            row["loyalty_low"], row["loyalty_high"] = np.percentile(bc, [2.5, 97.5], axis=1)
            row["marginal_effect_low"], row["marginal_effect_high"] = np.percentile(bme, [2.5, 97.5], axis=1)
        else:
            for c in ("loyalty_low", "loyalty_high", "marginal_effect_low", "marginal_effect_high"):
                row[c] = np.nan
        curve_rows.append(row)
        if joint_terms is not None:
            partial = y - fitted + at_mean[r]
        else:
            partial = y  # saturating display: raw loyalty
        step = 0.5
        centre_bin = np.round(d[r].to_numpy() / step) * step
        grouped = pd.DataFrame({"x": centre_bin, "loyalty": partial}).groupby("x")["loyalty"]
        bins = pd.DataFrame({"loyalty": grouped.mean(), "n": grouped.size()}).reset_index()
        bins = bins[bins["n"] >= 10]
        bins.insert(0, "driver", r)
        bin_rows.append(bins)
    curves = pd.concat(curve_rows, ignore_index=True)
    bins = pd.concat(bin_rows, ignore_index=True)

    # the saturating form of each driver, from the scale bottom x0, the others at their means
    def saturating_curve(r, x):
        sat_r = models[r]["saturating"]
        ctrl = _dmatrix(_control_term([o for o in roles if o != r], spline_df) or "1", d)
        g = pd.DataFrame({o: np.full(len(x), centre[o]) for o in roles})
        g[r] = x
        design = np.column_stack([_rebuild(ctrl, g), _saturating_z(sat_r["k"], x - lo_x[r])])
        return design @ sat_r["fit"].params, sat_r["fit"].params[-1] * np.exp(-sat_r["k"] * (x - lo_x[r]))

    curves_sat = {}
    for r in roles:
        x = np.linspace(lo_x[r], float(d[r].max()), grid_size)
        curves_sat[r] = (x, *saturating_curve(r, x))
    saturating = pd.concat(
        [
            pd.DataFrame({"driver": r, "x": v[0], "loyalty": v[1], "marginal_effect": v[2]})
            for r, v in curves_sat.items()
        ],
        ignore_index=True,
    )

    # ---- saturation point of basic
    phi = saturation_fraction
    average = float(y.mean())
    k_b = float(models["basic"]["saturating"]["k"])
    top = float(scale[1]) if scale is not None else float(d["basic"].max())
    sat = {
        "point": np.nan,
        "ci_low": np.nan,
        "ci_high": np.nan,
        "fraction": phi,
        "scale_bottom": lo_x["basic"],
        "curvature_k": k_b,
        "reliability": lam["basic"],
        "loyalty_at_point": np.nan,
        "average_loyalty": average,
        "share_beyond": np.nan,
        "max_marginal_effect": np.nan,
        "method": "saturating exponential on the (calibrated) score: x0 + ln(1/fraction) / k",
        "reason": "",
    }
    basic_shape = str(shapes.loc["basic", "shape"])
    if basic_shape != "concave":
        sat["reason"] = (
            f"basic satisfaction is {basic_shape} by the quadratic-term test: "
            "no diminishing returns, no saturation point"
        )
    elif k_b <= 0:
        sat["reason"] = "the saturating form finds no diminishing returns (k <= 0)"
    else:
        point = lo_x["basic"] + np.log(1.0 / phi) / k_b
        sat["max_marginal_effect"] = float(models["basic"]["saturating"]["fit"].params[-1])
        if point > top:
            where = "the top of the scale" if scale is not None else "the highest observed score"
            sat["reason"] = (
                f"the marginal effect stays above {phi:g} of its maximum up to {where} ({top:.3g})"
            )
        else:
            sat["point"] = float(point)
            sat["loyalty_at_point"] = float(saturating_curve("basic", np.array([point]))[0][0])
            sat["share_beyond"] = float((d["basic"].to_numpy() > point).mean())
            sat["reason"] = (
                f"marginal effect of basic falls below {phi:g} of its maximum "
                f"(at x0 = {lo_x['basic']:g}) from here on"
            )
            if n_boot:
                kb = boot_k_basic
                pts = np.where(kb > 0, lo_x["basic"] + np.log(1.0 / phi) / np.where(kb > 0, kb, 1.0), np.inf)
                sat["ci_low"], sat["ci_high"] = (float(v) for v in np.percentile(pts, [2.5, 97.5]))
    latent_shape = str(shapes.loc["latent", "shape"]) if "latent" in roles else None
    trap = basic_shape == "concave" and latent_shape != "concave"
    forms = pd.DataFrame(form_rows).set_index(["driver", "form"])
    return TrapAnalysis(
        loyalty=y_label,
        drivers=labels,
        n=n,
        n_dropped=n_dropped,
        saturation_fraction=phi,
        alpha=alpha,
        scale=tuple(scale) if scale is not None else (None, None),
        reliability=lam,
        curve_form=curve_form,
        forms=forms,
        shape_tests=shapes,
        curves=curves,
        bins=bins,
        saturating_curves=saturating,
        basic_shape=basic_shape,
        latent_shape=latent_shape,
        saturation_point=float(sat["point"]),
        saturation=pd.Series(sat, dtype=object),
        average_loyalty=average,
        trap=bool(trap),
        models=models,
    )


def plot_trap(result: TrapAnalysis, axes=None):
    """Loyalty against each driver (curve, 95 % band, partial-residual bin means) and the marginal effects."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    else:
        fig = axes[0].figure
    colours = dict(zip(["basic", "latent"], sns.color_palette("deep", 2)))
    ax, ax_me = axes
    for role, label in result.drivers.items():
        c = result.curves[result.curves["driver"] == role]
        b = result.bins[result.bins["driver"] == role]
        col = colours[role]
        shape = result.shape_tests.loc[role, "shape"]
        ax.plot(c["x"], c["loyalty"], color=col, lw=2, label=f"{role}: {label} ({shape})")
        ax.fill_between(c["x"], c["loyalty_low"], c["loyalty_high"], color=col, alpha=0.2, lw=0)
        ax.scatter(b["x"], b["loyalty"], s=12 + 40 * b["n"] / b["n"].max(), color=col, alpha=0.6)
        ax_me.plot(c["x"], c["marginal_effect"], color=col, lw=2, label=role)
        ax_me.fill_between(
            c["x"], c["marginal_effect_low"], c["marginal_effect_high"], color=col, alpha=0.2, lw=0
        )
    ax.axhline(result.average_loyalty, color="grey", ls="--", lw=1, label="average loyalty")
    if np.isfinite(result.saturation_point):
        s = result.saturation
        sc = result.saturating_curves[result.saturating_curves["driver"] == "basic"]
        ax_me.plot(
            sc["x"],
            sc["marginal_effect"],
            color=colours["basic"],
            ls="--",
            lw=1.2,
            label="basic, saturating form",
        )
        ax_me.axhline(
            s["fraction"] * s["max_marginal_effect"],
            color=colours["basic"],
            ls=":",
            lw=1,
            label=f"{s['fraction']:.0%} of its maximum (at {s['scale_bottom']:g})",
        )
        ax.axvline(
            result.saturation_point,
            color=colours["basic"],
            ls=":",
            lw=1.5,
            label=f"basic saturation point {result.saturation_point:.1f}",
        )
        ax_me.axvline(result.saturation_point, color=colours["basic"], ls=":", lw=1.5)
    ax_me.axhline(0.0, color="grey", lw=0.8)
    calibrated = any(v < 1.0 for v in result.reliability.values())
    xlabel = "satisfaction score" + (" (reliability-calibrated)" if calibrated else "")
    ax.set(
        xlabel=xlabel,
        ylabel=f"loyalty ({result.loyalty})",
        title="Loyalty against satisfaction (other driver at its mean)",
    )
    ax_me.set(
        xlabel=xlabel, ylabel="marginal effect on loyalty", title="Marginal effect, 95 % bootstrap band"
    )
    ax.legend(fontsize=8, loc="upper left")
    ax_me.legend(fontsize=8)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- penalty-reward


@dataclass
class PenaltyReward:
    """Result of :func:`penalty_reward`: ``table`` per attribute, the statsmodels fit in ``fit_``."""

    table: pd.DataFrame
    overall: str
    low: float
    high: float
    ia_threshold: float
    fit_: object = field(repr=False, default=None)

    def summary(self) -> pd.DataFrame:
        """Penalty, reward (with CIs), impact asymmetry and class per attribute."""
        return self.table.copy()

    def plot(self, ax=None):
        return plot_penalty_reward(self, ax=ax)


def penalty_reward(
    survey: pd.DataFrame,
    attributes: Sequence[str],
    overall="overall_satisfaction",
    *,
    low: float = 4,
    high: float = 9,
    level: float = 0.95,
    ia_threshold: float = 0.2,
    min_count: int = 10,
    table: str = "survey",
) -> PenaltyReward:
    """Penalty-reward contrast analysis with impact-asymmetry classes.

    For each attribute two dummies: bottom box ``answer <= low`` and top box
    ``answer >= high`` (the middle answers are the reference). OLS of ``overall`` on all
    dummies (HC3 errors): the bottom-box coefficient is the **penalty** (drop in overall
    satisfaction for low performance), the top-box coefficient the **reward**.
    Impact asymmetry ``IA = (reward - |penalty|) / (reward + |penalty|)`` in [-1, 1]
    (Mikulic & Prebezac 2008, who index SGP = reward/range and DGP = |penalty|/range);
    classes: ``IA < -ia_threshold`` dissatisfier (basic factor), ``IA > ia_threshold``
    satisfier (excitement factor), else hybrid (performance factor); the +-0.2 band is
    the zone convention of impact-asymmetry analysis, a rule of thumb, not a test. The
    Wald test ``reward + penalty = 0`` (symmetric impact) is reported as ``asymmetry_p``.
    A dummy with fewer than ``min_count`` answers is dropped and its attribute gets
    class "too few answers"; a positive penalty or negative reward gets "wrong sign". Default boxes 1-4 / 9-10 suit 1..10 and 0..10 scales.

    Sources: Brandt (1987) Quality Progress 20(10); Mikulic & Prebezac (2008) Managing
    Service Quality 18(6):559-576; Matzler & Sauerwein (2002) on the three-factor theory.
    """
    _check_frame(survey, table)
    attributes = _as_items(attributes, "attributes")
    if not low < high:
        raise ValueError(f"low must be below high, not low={low!r}, high={high!r}")
    if not 0.5 < level < 1.0:
        raise ValueError(f"level must be in (0.5, 1), not {level!r}")
    if not 0.0 <= ia_threshold < 1.0:
        raise ValueError(f"ia_threshold must be in [0, 1), not {ia_threshold!r}")
    if overall in attributes:
        raise ValueError(f"overall ({overall!r}) cannot also be an attribute")
    y_raw, y_label, _ = _score(survey, overall, "overall", table)
    items = _numeric_items(survey, attributes, table)
    frame = pd.concat([y_raw.rename("__y"), items], axis=1).dropna()
    if len(frame) < 3 * len(attributes) + 10:
        raise _fail(
            table, None, f"only {len(frame)} complete rows for {len(attributes)} attributes", n_bad=len(frame)
        )
    cols, names, counts = [], [], {}
    for a in attributes:
        lo_d = (frame[a] <= low).astype(float)
        hi_d = (frame[a] >= high).astype(float)
        counts[a] = (int(lo_d.sum()), int(hi_d.sum()))
        for kind, dummy in (("low", lo_d), ("high", hi_d)):
            if dummy.sum() >= min_count and (len(dummy) - dummy.sum()) >= min_count:
                cols.append(dummy.to_numpy())
                names.append((a, kind))
    if not cols:
        raise _fail(
            table, None, f"no attribute has {min_count} answers in a box (<= {low} or >= {high})", n_bad=0
        )
    X = sm.add_constant(np.column_stack(cols), has_constant="add")
    fit = sm.OLS(frame["__y"].to_numpy(), X).fit(cov_type="HC3")
    ci = fit.conf_int(alpha=1.0 - level)
    pos = {nm: i + 1 for i, nm in enumerate(names)}
    rows = []
    for a in attributes:
        row = {"attribute": a, "n_low": counts[a][0], "n_high": counts[a][1]}
        for kind, key in (("low", "penalty"), ("high", "reward")):
            j = pos.get((a, kind))
            row[key] = fit.params[j] if j is not None else np.nan
            row[f"{key}_low"] = ci[j, 0] if j is not None else np.nan
            row[f"{key}_high"] = ci[j, 1] if j is not None else np.nan
        pen, rew = row["penalty"], row["reward"]
        denom = rew + abs(pen)
        signs_ok = bool(np.isfinite(denom) and pen <= 0 <= rew and denom > 0)
        row["impact_range"] = denom
        row["impact_asymmetry"] = (rew - abs(pen)) / denom if signs_ok else np.nan
        if (a, "low") in pos and (a, "high") in pos:
            contrast = np.zeros(len(fit.params))
            contrast[pos[(a, "low")]] = 1.0
            contrast[pos[(a, "high")]] = 1.0
            row["asymmetry_p"] = float(np.asarray(fit.t_test(contrast).pvalue))
        else:
            row["asymmetry_p"] = np.nan
        ia = row["impact_asymmetry"]
        if (a, "low") not in pos or (a, "high") not in pos:
            row["category"] = "too few answers"
        elif not np.isfinite(ia):
            row["category"] = "wrong sign"  # a bottom box that raises, or a top box that lowers, the outcome
        elif ia < -ia_threshold:
            row["category"] = "dissatisfier"
        elif ia > ia_threshold:
            row["category"] = "satisfier"
        else:
            row["category"] = "hybrid"
        rows.append(row)
    out = pd.DataFrame(rows).set_index("attribute")
    return PenaltyReward(table=out, overall=y_label, low=low, high=high, ia_threshold=ia_threshold, fit_=fit)


def plot_penalty_reward(result: PenaltyReward, ax=None):
    """Penalty (left) and reward (right) per attribute with CIs, coloured by class."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    t = result.table
    if ax is None:
        fig, ax = plt.subplots(figsize=(8, 0.45 * len(t) + 1.5))
    else:
        fig = ax.figure
    palette = {
        "dissatisfier": "#c44e52",
        "hybrid": "#8c8c8c",
        "satisfier": "#55a868",
        "too few answers": "#dddddd",
        "wrong sign": "#dddddd",
    }
    ypos = np.arange(len(t))
    colours = [palette[c] for c in t["category"]]
    ax.barh(ypos, t["penalty"], color=colours, alpha=0.8)
    ax.barh(ypos, t["reward"], color=colours, alpha=0.8)
    ax.errorbar(
        t["penalty"],
        ypos,
        xerr=[t["penalty"] - t["penalty_low"], t["penalty_high"] - t["penalty"]],
        fmt="none",
        ecolor="black",
        lw=1,
    )
    ax.errorbar(
        t["reward"],
        ypos,
        xerr=[t["reward"] - t["reward_low"], t["reward_high"] - t["reward"]],
        fmt="none",
        ecolor="black",
        lw=1,
    )
    ax.set_yticks(
        ypos, [f"{a} ({c}, IA {ia:+.2f})" for a, c, ia in zip(t.index, t["category"], t["impact_asymmetry"])]
    )
    ax.axvline(0, color="black", lw=0.8)
    ax.set(
        xlabel=f"penalty (answer <= {result.low:g})  |  reward (answer >= {result.high:g})",
        title=f"Penalty-reward contrast analysis on {result.overall}",
    )
    sns.despine(ax=ax)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- Kano

# Kano et al. (1984) evaluation table: rows functional answer 1..5, columns dysfunctional
# answer 1..5 (1 like, 2 must-be / expect it, 3 neutral, 4 can live with it, 5 dislike).
KANO_TABLE = np.array(
    [
        ["Q", "A", "A", "A", "O"],
        ["R", "I", "I", "I", "M"],
        ["R", "I", "I", "I", "M"],
        ["R", "I", "I", "I", "M"],
        ["R", "R", "R", "R", "Q"],
    ]
)
KANO_CATEGORIES = {
    "A": "attractive",
    "O": "one-dimensional",
    "M": "must-be",
    "I": "indifferent",
    "R": "reverse",
    "Q": "questionable",
}
# Ties between categories are broken M > O > A > I (Berger et al. 1993), then R, Q.
KANO_TIE_ORDER = ["M", "O", "A", "I", "R", "Q"]


def kano_classify(functional, dysfunctional) -> np.ndarray:
    """Kano category (A, O, M, I, R, Q) of each functional/dysfunctional answer pair.

    Lookup in the standard evaluation table ``KANO_TABLE`` (answers 1..5); missing
    answers give ``None``. Source: Kano, Seraku, Takahashi & Tsuji (1984); Berger et al. (1993).
    """
    f = pd.to_numeric(pd.Series(np.asarray(functional, dtype=object)), errors="coerce").to_numpy(float)
    g = pd.to_numeric(pd.Series(np.asarray(dysfunctional, dtype=object)), errors="coerce").to_numpy(float)
    if f.shape != g.shape:
        raise ValueError(f"functional and dysfunctional answers differ in length ({len(f)} vs {len(g)})")
    raw_f = np.asarray(functional, dtype=object)
    raw_g = np.asarray(dysfunctional, dtype=object)
    given = pd.notna(raw_f) & pd.notna(raw_g)
    bad = given & ~(np.isin(f, [1, 2, 3, 4, 5]) & np.isin(g, [1, 2, 3, 4, 5]))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"Kano answers must be 1..5; {int(bad.sum())} pairs are not "
            f"(first: functional={raw_f[i]!r}, dysfunctional={raw_g[i]!r} at position {i})"
        )
    out = np.full(len(f), None, dtype=object)
    ok = given & ~bad
    out[ok] = KANO_TABLE[f[ok].astype(int) - 1, g[ok].astype(int) - 1]
    return out


@dataclass
class KanoAnalysis:
    """Result of :func:`kano_analysis`: counts per attribute and category, shares, Better/Worse."""

    counts: pd.DataFrame
    table: pd.DataFrame

    def summary(self) -> pd.DataFrame:
        """Per attribute: n, counts A O M I R Q, modal category, Better, Worse."""
        return self.table.copy()

    def plot(self, ax=None, labels=None):
        return plot_kano(self, ax=ax, labels=labels)


def kano_analysis(
    survey: pd.DataFrame,
    attributes: Sequence[str] | None = None,
    *,
    functional: str = "kano_functional_{}",
    dysfunctional: str = "kano_dysfunctional_{}",
    table: str = "survey",
) -> KanoAnalysis:
    """Kano classification per attribute with Berger et al.'s Better/Worse coefficients.

    Each respondent's answer pair is classified with ``KANO_TABLE``; per attribute the
    modal category wins (ties M > O > A > I, then R, Q). ``Better = (A+O)/(A+O+M+I)``,
    ``Worse = -(O+M)/(A+O+M+I)`` (reverse and questionable answers left out).
    ``functional`` / ``dysfunctional`` are column-name patterns filled with the attribute;
    ``attributes=None`` finds every attribute that has both columns.

    Sources: Kano et al. (1984) Hinshitsu 14(2); Berger et al. (1993) Center for Quality
    of Management Journal 2(4):3-36.
    """
    _check_frame(survey, table)
    if "{}" not in functional or "{}" not in dysfunctional:
        raise ValueError("functional and dysfunctional must be patterns with '{}' for the attribute")
    if attributes is None:
        pre, post = functional.split("{}", 1)
        attributes = [
            c[len(pre) : len(c) - len(post) if post else None]
            for c in survey.columns
            if c.startswith(pre)
            and c.endswith(post)
            and dysfunctional.format(c[len(pre) : len(c) - len(post) if post else None]) in survey.columns
        ]
        if not attributes:
            raise _fail(table, functional.format("*"), "no Kano answer columns found", n_bad=0)
    attributes = _as_items(attributes, "attributes")
    counts, rows = [], []
    for a in attributes:
        fc, dc = functional.format(a), dysfunctional.format(a)
        values = _numeric_items(survey, [fc, dc], table)
        bad = (values.notna().all(axis=1) & ~values.isin([1, 2, 3, 4, 5]).all(axis=1)).to_numpy()
        if bad.any():
            raise _fail(
                table,
                fc,
                f"{int(bad.sum()):,} answer pairs of {a!r} are not on the Kano scale 1..5",
                n_bad=int(bad.sum()),
                example=_row_example(survey, bad, [fc, dc]),
            )
        cat = pd.Series(kano_classify(values[fc].to_numpy(), values[dc].to_numpy()))
        c = cat.value_counts().reindex(list(KANO_CATEGORIES), fill_value=0)
        c.name = a
        counts.append(c)
        n = int(c.sum())
        if n == 0:
            raise _fail(table, fc, f"attribute {a!r} has no complete answer pair", n_bad=len(survey))
        order = sorted(KANO_TIE_ORDER, key=lambda k: (-c[k], KANO_TIE_ORDER.index(k)))
        base = c["A"] + c["O"] + c["M"] + c["I"]
        rows.append(
            {
                "attribute": a,
                "n": n,
                **{k: int(c[k]) for k in KANO_CATEGORIES},
                "category": order[0],
                "category_name": KANO_CATEGORIES[order[0]],
                "modal_share": c[order[0]] / n,
                "better": (c["A"] + c["O"]) / base if base else np.nan,
                "worse": -(c["O"] + c["M"]) / base if base else np.nan,
            }
        )
    return KanoAnalysis(
        counts=pd.DataFrame(counts).rename_axis("attribute"), table=pd.DataFrame(rows).set_index("attribute")
    )


def plot_kano(result: KanoAnalysis, ax=None, labels: dict | None = None):
    """Better against |Worse|: attractive top-left, one-dimensional top-right, must-be bottom-right."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    t = result.table
    if ax is None:
        fig, ax = plt.subplots(figsize=(6.5, 5.5))
    else:
        fig = ax.figure
    sns.scatterplot(x=-t["worse"], y=t["better"], hue=t["category_name"], s=80, ax=ax)
    # labels of nearby points staggered vertically so they do not overlap
    order = np.lexsort((t["better"].to_numpy(), -t["worse"].to_numpy()))
    for rank, i in enumerate(order):
        a, row = t.index[i], t.iloc[i]
        ax.annotate(
            (labels or {}).get(a, a),
            (-row["worse"], row["better"]),
            fontsize=8,
            xytext=(5, 4 - 11 * (rank % 3)),
            textcoords="offset points",
        )
    ax.axhline(0.5, color="grey", lw=0.8)
    ax.axvline(0.5, color="grey", lw=0.8)
    for (x, y_), text in {
        (0.25, 0.97): "attractive",
        (0.75, 0.97): "one-dimensional",
        (0.75, 0.03): "must-be",
        (0.25, 0.03): "indifferent",
    }.items():
        ax.text(x, y_, text, ha="center", va="center", color="grey", fontsize=9, transform=ax.transAxes)
    ax.set(
        xlim=(0, 1),
        ylim=(0, 1),
        xlabel="|Worse|: dissatisfaction if absent",
        ylabel="Better: satisfaction if present",
        title="Kano plot (Berger et al. 1993)",
    )
    ax.legend(title="modal category", fontsize=8)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- the paradox in numbers


def holdout_repurchase(transactions: pd.DataFrame, calibration_end, observation_end=None) -> pd.Series:
    """Did each customer buy again after ``calibration_end``? (True/False per customer_id).

    Customers with a purchase on or before ``calibration_end``; True if they bought at
    least once in the holdout ``(calibration_end, observation_end]``. A customer with
    False is a *defector* in the sense of the satisfaction paradox.
    """
    summary = rfm_summary(transactions, observation_end=observation_end, calibration_end=calibration_end)
    return (summary["frequency_holdout"] > 0).rename("repurchased")


def _wilson(k: int, n: int, level: float) -> tuple[float, float]:
    if n == 0:
        return (np.nan, np.nan)
    lo, hi = proportion_confint(k, n, alpha=1.0 - level, method="wilson")
    return float(lo), float(hi)


@dataclass
class SatisfactionParadox:
    """Result of :func:`satisfaction_paradox`."""

    levels: pd.DataFrame
    by_score: pd.DataFrame
    satisfied_defector_share: float
    satisfied_defector_ci: tuple
    very_vs_satisfied_ratio: float
    very_vs_satisfied_ci: tuple
    defection_ratio: float
    odds_ratio_per_point: float
    odds_ratio_ci: tuple
    cutoffs: dict
    n: int
    n_unmatched: int
    logit_: object = field(repr=False, default=None)

    def summary(self) -> pd.DataFrame:
        """The claims of the lecture against these data."""
        c = self.cutoffs
        lv = self.levels
        rows = [
            (
                "share of defectors who said they were satisfied (score >= {:g})".format(c["satisfied"]),
                self.satisfied_defector_share,
                *self.satisfied_defector_ci,
                "65-85 % (Reichheld 1993)",
            ),
            (
                "repurchase rate, very satisfied (>= {:g})".format(c["very_satisfied"]),
                lv.loc["very satisfied", "repurchase_rate"],
                lv.loc["very satisfied", "ci_low"],
                lv.loc["very satisfied", "ci_high"],
                "",
            ),
            (
                "repurchase rate, satisfied ({:g} to < {:g})".format(c["satisfied"], c["very_satisfied"]),
                lv.loc["satisfied", "repurchase_rate"],
                lv.loc["satisfied", "ci_low"],
                lv.loc["satisfied", "ci_high"],
                "",
            ),
            (
                "repurchase ratio very satisfied / satisfied",
                self.very_vs_satisfied_ratio,
                *self.very_vs_satisfied_ci,
                "about 6 (Jones & Sasser 1995, Xerox)",
            ),
            ("defection ratio satisfied / very satisfied", self.defection_ratio, np.nan, np.nan, ""),
            (
                "odds ratio of repurchase per scale point (logit)",
                self.odds_ratio_per_point,
                *self.odds_ratio_ci,
                "",
            ),
        ]
        return pd.DataFrame(rows, columns=["claim", "value", "ci_low", "ci_high", "lecture"]).set_index(
            "claim"
        )

    def plot(self, ax=None):
        return plot_paradox(self, ax=ax)


def satisfaction_paradox(
    survey: pd.DataFrame,
    repurchased,
    satisfaction="overall_satisfaction",
    *,
    satisfied: float = 7,
    very_satisfied: float = 9,
    level: float = 0.95,
    table: str = "survey",
) -> SatisfactionParadox:
    """Satisfied defectors and very-satisfied vs satisfied repurchase, with a logit.

    Levels (stated cut-offs on the satisfaction score): dissatisfied ``< satisfied``,
    satisfied ``[satisfied, very_satisfied)``, very satisfied ``>= very_satisfied``
    (default 7 and 9 on a 1..10 scale: top-four boxes satisfied, top-two very satisfied).
    ``repurchased``: a boolean Series indexed by customer_id (e.g.
    :func:`holdout_repurchase`) or a column name of ``survey``; defectors are the
    ``False``. Reported: repurchase rate per level (Wilson CIs), the share of defectors
    who were at least satisfied (Wilson CI), the repurchase ratio very satisfied /
    satisfied (Katz log CI) and the defection ratio satisfied / very satisfied, and the
    logistic regression ``logit P(repurchase) = b0 + b1 satisfaction`` (statsmodels
    GLM binomial) with the odds ratio per scale point.

    Sources: Reichheld (1993) HBR 71(2); Jones & Sasser (1995) HBR 73(6); Katz et al. (1978)
    for the ratio CI; Wilson (1927).
    """
    _check_frame(survey, table)
    if not satisfied < very_satisfied:
        raise ValueError(f"satisfied ({satisfied!r}) must be below very_satisfied ({very_satisfied!r})")
    if not 0.5 < level < 1.0:
        raise ValueError(f"level must be in (0.5, 1), not {level!r}")
    sat, label, _ = _score(survey, satisfaction, "satisfaction", table)
    if isinstance(repurchased, str):
        rep = _numeric_items(survey, [repurchased], table)[repurchased]
        frame = pd.DataFrame({"satisfaction": sat, "repurchased": rep})
        n_unmatched = 0
    elif isinstance(repurchased, pd.Series):
        if "customer_id" not in survey.columns:
            raise _fail(table, "customer_id", "is needed to match the repurchase Series", n_bad=len(survey))
        rep = repurchased.copy()
        rep.index = rep.index.astype(str)
        ids = survey["customer_id"].astype(str)
        matched = ids.isin(rep.index)
        n_unmatched = int((~matched).sum())
        frame = pd.DataFrame(
            {"satisfaction": sat[matched.to_numpy()], "repurchased": rep.reindex(ids[matched]).to_numpy()}
        )
    else:
        raise ValueError("repurchased must be a boolean Series indexed by customer_id or a column name")
    frame = frame.dropna()
    values = pd.to_numeric(frame["repurchased"], errors="coerce")
    bad = ~values.isin([0, 1])
    if bad.any():
        raise _fail(
            table,
            "repurchased",
            f"{int(bad.sum())} values are not True/False or 0/1",
            n_bad=int(bad.sum()),
            example=repr(frame["repurchased"][bad].iloc[0]),
        )
    frame["repurchased"] = values.astype(int)
    n = len(frame)
    if n < 20:
        raise _fail(
            table,
            label,
            f"only {n} respondents with a satisfaction score and a repurchase outcome; need at least 20",
            n_bad=n_unmatched,
        )
    if frame["repurchased"].nunique() < 2:
        raise _fail(
            table, "repurchased", "has only one outcome; need both repurchasers and defectors", n_bad=n
        )
    s = frame["satisfaction"]
    level_of = np.select(
        [s >= very_satisfied, s >= satisfied], ["very satisfied", "satisfied"], "dissatisfied"
    )
    frame["level"] = level_of
    defectors = frame["repurchased"] == 0
    rows = []
    for lv in ("dissatisfied", "satisfied", "very satisfied"):
        g = frame[frame["level"] == lv]
        k, m = int(g["repurchased"].sum()), len(g)
        lo, hi = _wilson(k, m, level)
        rows.append(
            {
                "level": lv,
                "n": m,
                "repurchasers": k,
                "defectors": m - k,
                "repurchase_rate": k / m if m else np.nan,
                "ci_low": lo,
                "ci_high": hi,
                "share_of_defectors": (m - k) / int(defectors.sum()),
            }
        )
    levels = pd.DataFrame(rows).set_index("level")
    n_def = int(defectors.sum())
    sat_def = int((defectors & (s >= satisfied)).sum())
    share = sat_def / n_def
    share_ci = _wilson(sat_def, n_def, level)

    a, n1 = levels.loc["very satisfied", "repurchasers"], levels.loc["very satisfied", "n"]
    c, n2 = levels.loc["satisfied", "repurchasers"], levels.loc["satisfied", "n"]
    if a > 0 and c > 0:
        ratio = (a / n1) / (c / n2)
        se = np.sqrt(1 / a - 1 / n1 + 1 / c - 1 / n2)
        zq = stats.norm.ppf(0.5 + level / 2)
        ratio_ci = (float(ratio * np.exp(-zq * se)), float(ratio * np.exp(zq * se)))
    else:
        ratio, ratio_ci = np.nan, (np.nan, np.nan)
    d_very = 1 - a / n1 if n1 else np.nan
    d_sat = 1 - c / n2 if n2 else np.nan
    defection_ratio = d_sat / d_very if d_very and np.isfinite(d_very) and d_very > 0 else np.nan

    logit = smf.glm("repurchased ~ satisfaction", data=frame, family=sm.families.Binomial()).fit()
    or_ci = np.exp(logit.conf_int(alpha=1.0 - level).loc["satisfaction"].to_numpy())
    scores = np.sort(s.unique())
    grouped = frame.groupby("satisfaction")["repurchased"]
    by_score = pd.DataFrame({"n": grouped.size(), "repurchasers": grouped.sum()})
    by_score["repurchase_rate"] = by_score["repurchasers"] / by_score["n"]
    cis = [_wilson(int(k), int(m), level) for k, m in zip(by_score["repurchasers"], by_score["n"])]
    by_score["ci_low"] = [x[0] for x in cis]
    by_score["ci_high"] = [x[1] for x in cis]
    pred = logit.get_prediction(pd.DataFrame({"satisfaction": scores})).summary_frame(alpha=1.0 - level)
    by_score["logit_p"] = pred["mean"].to_numpy()
    by_score["logit_low"] = pred["mean_ci_lower"].to_numpy()
    by_score["logit_high"] = pred["mean_ci_upper"].to_numpy()
    by_score.index.name = label
    return SatisfactionParadox(
        levels=levels,
        by_score=by_score,
        satisfied_defector_share=share,
        satisfied_defector_ci=share_ci,
        very_vs_satisfied_ratio=float(ratio),
        very_vs_satisfied_ci=ratio_ci,
        defection_ratio=float(defection_ratio),
        odds_ratio_per_point=float(np.exp(logit.params["satisfaction"])),
        odds_ratio_ci=(float(or_ci[0]), float(or_ci[1])),
        cutoffs={"satisfied": satisfied, "very_satisfied": very_satisfied, "score": label},
        n=n,
        n_unmatched=n_unmatched,
        logit_=logit,
    )


def plot_paradox(result: SatisfactionParadox, ax=None):
    """Repurchase rate per satisfaction score (Wilson CIs) with the logistic curve."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    b = result.by_score
    if ax is None:
        fig, ax = plt.subplots(figsize=(7, 4))
    else:
        fig = ax.figure
    x = b.index.to_numpy(dtype=float)
    ax.errorbar(
        x,
        b["repurchase_rate"],
        yerr=[b["repurchase_rate"] - b["ci_low"], b["ci_high"] - b["repurchase_rate"]],
        fmt="o",
        color="black",
        ms=4,
        lw=1,
        label="observed (95 % Wilson CI)",
    )
    ax.plot(x, b["logit_p"], color=sns.color_palette("deep")[0], lw=2, label="logistic model")
    ax.fill_between(x, b["logit_low"], b["logit_high"], color=sns.color_palette("deep")[0], alpha=0.2, lw=0)
    c = result.cutoffs
    ax.axvspan(
        c["satisfied"] - 0.5, c["very_satisfied"] - 0.5, color="#cccccc", alpha=0.3, lw=0, label="satisfied"
    )
    ax.axvspan(
        c["very_satisfied"] - 0.5, x.max() + 0.5, color="#55a868", alpha=0.15, lw=0, label="very satisfied"
    )
    ax.set(
        xlabel=f"satisfaction score ({c['score']})",
        ylabel="share who bought again",
        title="Repurchase by satisfaction",
        ylim=(0, 1),
    )
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- four types

TYPE_STRATEGIES = {
    "loyal": "Keep and reward; turn into apostles (referrals, reviews, co-creation).",
    "mercenary": "Satisfied but not loyal: stop buying more basic satisfaction; build latent-expectation "
    "value and switching benefits (the trap lives here).",
    "hostage": "Loyal only because stuck (no alternative, switching costs): fix the causes of "
    "dissatisfaction before the barrier falls, or they leave and talk.",
    "defector": "Dissatisfied and leaving: learn why (exit interviews); win back only where the "
    "customer's value pays for it.",
}


@dataclass
class LoyaltyTypes:
    """Result of :func:`satisfaction_loyalty_types`: ``types`` per respondent, cut-offs used."""

    types: pd.DataFrame
    satisfaction_cut: float
    loyalty_cut: float
    satisfaction: str
    loyalty: str
    profile: list = field(default_factory=list)

    def summary(self) -> pd.DataFrame:
        """Count, share, mean scores, mean of each ``profile`` column and strategy per type."""
        g = self.types.groupby("type")
        out = pd.DataFrame(
            {
                "n": g.size(),
                "mean_satisfaction": g["satisfaction"].mean(),
                "mean_loyalty": g["loyalty"].mean(),
                **{f"mean_{c}": g[c].mean() for c in self.profile},
            }
        ).reindex(list(TYPE_STRATEGIES))
        out["n"] = out["n"].fillna(0).astype(int)
        out["share"] = out["n"] / out["n"].sum()
        out["strategy"] = [TYPE_STRATEGIES[t] for t in out.index]
        return out[
            ["n", "share", "mean_satisfaction", "mean_loyalty"]
            + [f"mean_{c}" for c in self.profile]
            + ["strategy"]
        ]

    def plot(self, ax=None, seed: int = 0):
        return plot_types(self, ax=ax, seed=seed)


def satisfaction_loyalty_types(
    survey: pd.DataFrame,
    satisfaction="overall_satisfaction",
    loyalty="loyalty_intention",
    *,
    satisfaction_cut: float = 7,
    loyalty_cut: float | None = None,
    profile: Sequence[str] = (),
    table: str = "survey",
) -> LoyaltyTypes:
    """Loyal / mercenary / hostage / defector from satisfaction x loyalty.

    High satisfaction: score ``>= satisfaction_cut`` (default 7, the "satisfied" cut-off of
    :func:`satisfaction_paradox`); high loyalty: ``>= loyalty_cut`` (default the median
    loyalty, so the loyalty split is relative). Loyal = high/high, mercenary = high
    satisfaction / low loyalty, hostage = low satisfaction / high loyalty, defector =
    low/low. ``profile``: further numeric columns (e.g. price sensitivity, voluntariness)
    whose mean per type the summary shows. Source: Jones & Sasser (1995) HBR 73(6),
    "Why satisfied customers defect".
    """
    _check_frame(survey, table)
    s, s_label, _ = _score(survey, satisfaction, "satisfaction", table)
    lo, l_label, _ = _score(survey, loyalty, "loyalty", table)
    profile = [] if not profile else _as_items(profile, "profile")
    clash = [c for c in profile if c in ("satisfaction", "loyalty", "type")]
    if clash:
        raise ValueError(f"profile columns may not be called {clash}")
    extra = _numeric_items(survey, profile, table) if profile else pd.DataFrame(index=survey.index)
    frame = pd.concat([pd.DataFrame({"satisfaction": s, "loyalty": lo}), extra], axis=1)
    if "customer_id" in survey.columns:
        frame.index = pd.Index(survey["customer_id"].astype(str), name="customer_id")
    frame = frame.dropna(subset=["satisfaction", "loyalty"])
    if len(frame) == 0:
        raise _fail(
            table, s_label, "no respondent has both a satisfaction and a loyalty score", n_bad=len(survey)
        )
    cut_l = float(frame["loyalty"].median()) if loyalty_cut is None else float(loyalty_cut)
    hi_s = frame["satisfaction"] >= satisfaction_cut
    hi_l = frame["loyalty"] >= cut_l
    frame["type"] = np.select(
        [hi_s & hi_l, hi_s & ~hi_l, ~hi_s & hi_l], ["loyal", "mercenary", "hostage"], "defector"
    )
    return LoyaltyTypes(
        types=frame,
        satisfaction_cut=float(satisfaction_cut),
        loyalty_cut=cut_l,
        satisfaction=s_label,
        loyalty=l_label,
        profile=profile,
    )


def plot_types(result: LoyaltyTypes, ax=None, seed: int = 0):
    """Satisfaction x loyalty scatter (jittered, seeded) with the four quadrants and their counts."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    t = result.types
    if ax is None:
        fig, ax = plt.subplots(figsize=(6.5, 5.5))
    else:
        fig = ax.figure
    rng = np.random.default_rng(seed)
    jitter = rng.uniform(-0.25, 0.25, size=len(t))  # horizontal only: the loyalty cut stays exact
    sns.scatterplot(
        x=t["satisfaction"] + jitter,
        y=t["loyalty"],
        hue=t["type"],
        hue_order=list(TYPE_STRATEGIES),
        s=8,
        alpha=0.5,
        ax=ax,
        linewidth=0,
    )
    ax.axvline(result.satisfaction_cut - 0.5 * (t["satisfaction"] % 1 == 0).all(), color="black", lw=0.8)
    ax.axhline(result.loyalty_cut, color="black", lw=0.8)
    n = result.summary()["n"]
    xs, ys = ax.get_xlim(), ax.get_ylim()
    for name, (fx, fy) in {
        "loyal": (0.97, 0.97),
        "mercenary": (0.97, 0.03),
        "hostage": (0.03, 0.97),
        "defector": (0.03, 0.03),
    }.items():
        ax.text(
            fx,
            fy,
            f"{name}: {n[name]:,}",
            transform=ax.transAxes,
            ha="right" if fx > 0.5 else "left",
            va="top" if fy > 0.5 else "bottom",
            fontsize=9,
            weight="bold",
        )
    ax.set(
        xlim=xs,
        ylim=ys,
        xlabel=f"satisfaction ({result.satisfaction})",
        ylabel=f"loyalty ({result.loyalty})",
        title="Satisfaction x loyalty types (Jones & Sasser 1995)",
    )
    ax.legend(fontsize=8, loc="center left")
    fig.tight_layout()
    return fig
