"""The satisfaction trap: is loyalty concave in basic and linear/convex in latent satisfaction?

:func:`trap_analysis` runs named steps: check the arguments, build the scores (item means),
correct them for measurement error, fix the folds and resamples (``seed``), fit and compare the
curve forms of each driver (:mod:`._forms`), decide the shape by the Holm-corrected quadratic
test, fit the display curves with bootstrap bands (:mod:`._bands`), and locate the saturation
point of basic satisfaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.model_selection import KFold

from .._validate import check_choice, check_number, data_error
from ._bands import (
    bin_table,
    bootstrap,
    curve_table,
    display_model,
    saturating_table,
    saturation_point,
    slope_difference_ci,
)
from ._forms import CURVE_FORMS, TrapData, decide_shapes, fit_forms, shape_row
from ._items import check_survey, cronbach_alpha, numeric_items, score

try:  # a dependency of scikit-learn; keeps small OLS fits from fighting over BLAS threads
    from threadpoolctl import threadpool_limits
except ImportError:  # pragma: no cover - scikit-learn always installs it
    from contextlib import nullcontext

    def threadpool_limits(*args, **kwargs):
        return nullcontext()


__all__ = ["CURVE_FORMS", "TrapAnalysis", "trap_analysis"]

_WHERE = "trap_analysis"


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
        """One row per driver: shape and its test, best form, curvature, saturation.

        Returns
        -------
        pandas.DataFrame
            Indexed by driver (basic, latent).
        """
        return pd.DataFrame(
            [self._summary_row(role, label) for role, label in self.drivers.items()]
        ).set_index("driver")

    def _summary_row(self, role: str, label: str) -> dict:
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
        return row

    def plot(self, axes=None):
        """Loyalty curves and marginal effects of both drivers (see :func:`plot_trap`).

        Parameters
        ----------
        axes : array of matplotlib.axes.Axes, optional
            Drawn on if given, else on a new figure.

        Returns
        -------
        numpy.ndarray
            The array of Axes.
        """
        from .plots import plot_trap

        return plot_trap(self, axes=axes)


# --------------------------------------------------------------------------- steps


def _check_arguments(n_boot, saturation_fraction, alpha, spline_df, n_folds, curve_form, grid_size, scale):
    """Scalar arguments (ValueError / TypeError naming the argument); returns n_boot as an int."""
    n_boot = check_number("n_boot", n_boot, lo=0, integer=True, where=_WHERE)
    if 0 < n_boot < 20:
        raise ValueError(f"n_boot must be 0 (no bands) or at least 20 for percentile bands, not {n_boot}")
    check_number(
        "saturation_fraction", saturation_fraction, lo=0, hi=1, lo_open=True, hi_open=True, where=_WHERE
    )
    check_number("alpha", alpha, lo=0, hi=0.5, lo_open=True, hi_open=True, where=_WHERE)
    check_number("spline_df", spline_df, lo=3, integer=True, where=_WHERE)
    check_number("n_folds", n_folds, lo=2, integer=True, where=_WHERE)
    check_choice("curve_form", curve_form, CURVE_FORMS, where=_WHERE)
    check_number("grid_size", grid_size, lo=10, integer=True, where=_WHERE)
    if scale is not None and (len(scale) != 2 or not float(scale[0]) < float(scale[1])):
        raise ValueError(f"scale must be (low, high) with low < high, not {scale!r}")
    return n_boot


def _scores(survey, loyalty, specs: dict, table: str):
    """Loyalty and driver scores as one frame (columns y and the roles), their labels and item lists."""
    y_raw, y_label, _ = score(survey, loyalty, "loyalty", table)
    raw = {"y": y_raw}
    labels, item_lists = {}, {}
    for role, spec in specs.items():
        raw[role], labels[role], item_lists[role] = score(survey, spec, role, table)
    return pd.DataFrame(raw), y_label, labels, item_lists


def _check_scores(d: pd.DataFrame, labels: dict, n_dropped: int, y_label: str, spline_df: int, scale, table):
    """Enough complete rows, enough distinct values per driver, every score on the scale."""
    n = len(d)
    if n < 30:
        raise data_error(
            table,
            None,
            f"only {n} complete rows for {y_label} and its drivers; the trap analysis needs at least 30",
            n_bad=n_dropped,
        )
    for role, label in labels.items():
        n_values = d[role].nunique()
        if n_values < spline_df + 2:
            raise data_error(
                table,
                label,
                f"has only {n_values} distinct values; a curve with "
                f"spline_df={spline_df} needs at least {spline_df + 2}",
                n_bad=n,
            )
        if scale is None:
            continue
        outside = ((d[role] < scale[0]) | (d[role] > scale[1])).to_numpy()
        if outside.any():
            raise data_error(
                table,
                label,
                f"{int(outside.sum()):,} scores lie outside the scale {scale}",
                n_bad=int(outside.sum()),
                example=f"score {d[role].to_numpy()[outside][0]!r}",
            )


def _reliability(survey, reliability, role: str, items: list, label: str, complete, table: str) -> float:
    """lambda of one driver: 1 (no correction), Cronbach's alpha of its items, or the number given."""
    if reliability is None:
        return 1.0
    if isinstance(reliability, str):
        if reliability != "alpha":
            raise ValueError(f"reliability must be None, 'alpha' or a number in (0, 1], not {reliability!r}")
        if len(items) < 2:
            raise ValueError(
                f"reliability='alpha' needs {role} as a list of at least two item columns, not {label!r}"
            )
        return cronbach_alpha(numeric_items(survey, items, table)[complete])
    return check_number("reliability", reliability, lo=0, hi=1, lo_open=True, where=_WHERE)


def _prepare(d: pd.DataFrame, lam: dict, scale, spline_df: int, n_folds: int, n_boot: int, seed) -> TrapData:
    """Calibrate the scores, fix centres, knots and scale bottoms, and draw the folds and resamples.

    Regression calibration (Carroll et al. 2006): E[true | observed] = mu + lambda (x - mu);
    a linear map, so shapes and tests are unchanged and the curves sit on the true-score scale.
    """
    roles = list(lam)
    for role in roles:
        if lam[role] < 1.0:
            mu = float(d[role].mean())
            d[role] = mu + lam[role] * (d[role] - mu)
    n = len(d)
    folds = list(KFold(n_splits=n_folds, shuffle=True, random_state=seed).split(d))
    rng = np.random.default_rng(seed)
    return TrapData(
        d=d,
        y=d["y"].to_numpy(),
        roles=roles,
        spline_df=spline_df,
        centre={r: float(d[r].mean()) for r in roles},
        knot={r: float(d[r].median()) for r in roles},
        lo_x={r: float(scale[0]) if scale is not None else float(d[r].min()) for r in roles},
        k_max={r: 10.0 / float(np.ptp(d[r].to_numpy())) for r in roles},
        folds=folds,
        boot_idx=[rng.integers(0, n, n) for _ in range(n_boot)],
    )


# --------------------------------------------------------------------------- the analysis


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

    Sources: Jones & Sasser (1995) HBR 73(6); Reichheld & Sasser (1990) HBR 68(5);
    Anderson & Mittal (2000) J Service Research 3(2) on nonlinear satisfaction-retention
    links; Holm (1979); Carroll, Ruppert, Stefanski & Crainiceanu (2006).

    Parameters
    ----------
    survey : pandas.DataFrame
        One row per respondent.
    loyalty, basic, latent : str or list of str
        Column names, or lists of item columns averaged into a score (``latent=None``
        analyses basic alone). Rows with a missing value are dropped (``n_dropped``).
    n_boot : int
        Bootstrap resamples for the bands and CIs (0: none; else at least 20).
    seed : int
        Seeds the cross-validation folds and the bootstrap resamples.
    saturation_fraction : float
        phi in (0, 1): saturation is where the marginal effect falls below phi of its maximum.
    scale : (low, high), optional
        The answer scale; ``low`` is x0 of the saturating form. Default: the observed range.
    reliability : None, "alpha" or float in (0, 1]
        Measurement-error correction (see above).
    alpha : float
        Level of the Holm-adjusted shape test, in (0, 0.5).
    spline_df, n_folds, grid_size : int
        Spline degrees of freedom (>= 3), cross-validation folds (>= 2), grid points (>= 10).
    curve_form : str
        The form of the display curves, one of :data:`CURVE_FORMS`.
    table : str
        Name of the table in error messages.

    Returns
    -------
    TrapAnalysis
        Forms compared, shape tests, curves with bands, saturation point, ``trap``.
    """
    check_survey(survey, table, _WHERE)
    n_boot = _check_arguments(
        n_boot, saturation_fraction, alpha, spline_df, n_folds, curve_form, grid_size, scale
    )
    specs = {"basic": basic} if latent is None else {"basic": basic, "latent": latent}
    frame, y_label, labels, item_lists = _scores(survey, loyalty, specs, table)
    complete = frame.notna().all(axis=1)
    d = frame[complete].reset_index(drop=True)
    n_dropped = int((~complete).sum())
    _check_scores(d, labels, n_dropped, y_label, spline_df, scale, table)
    lam = {r: _reliability(survey, reliability, r, item_lists[r], labels[r], complete, table) for r in specs}
    data = _prepare(d, lam, scale, spline_df, n_folds, n_boot, seed)

    with threadpool_limits(1, user_api="blas"):
        models, form_rows, shape_rows = {}, [], []
        for role in data.roles:
            rows, models[role] = fit_forms(data, role)
            form_rows += rows
            shape_rows.append(shape_row(data, role, models[role]))
        shapes = decide_shapes(shape_rows, alpha)
        display = display_model(data, curve_form, models, grid_size)
        boot_curves, boot_diff, boot_k_basic = bootstrap(data, display, models, shapes)

    shapes = slope_difference_ci(shapes, boot_diff, labels, n_boot)
    basic_shape = str(shapes.loc["basic", "shape"])
    sat = saturation_point(data, models, basic_shape, boot_k_basic, saturation_fraction, scale, lam)
    latent_shape = str(shapes.loc["latent", "shape"]) if "latent" in data.roles else None
    return TrapAnalysis(
        loyalty=y_label,
        drivers=labels,
        n=data.n,
        n_dropped=n_dropped,
        saturation_fraction=saturation_fraction,
        alpha=alpha,
        scale=tuple(scale) if scale is not None else (None, None),
        reliability=lam,
        curve_form=curve_form,
        forms=pd.DataFrame(form_rows).set_index(["driver", "form"]),
        shape_tests=shapes,
        curves=curve_table(data, display, models, boot_curves, n_boot),
        bins=bin_table(data, display),
        saturating_curves=saturating_table(data, models, grid_size),
        basic_shape=basic_shape,
        latent_shape=latent_shape,
        saturation_point=float(sat["point"]),
        saturation=pd.Series(sat, dtype=object),
        average_loyalty=float(data.y.mean()),
        trap=bool(basic_shape == "concave" and latent_shape != "concave"),
        models=models,
    )
