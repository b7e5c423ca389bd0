"""Trap analysis, steps 3-5: display curves with bootstrap bands, marginal effects, saturation point.

The display model is the ``curve_form`` fit of all drivers together (or, for the saturating
form, each driver's own saturating fit), evaluated on a grid with the other drivers at their
means. Each bootstrap resample (drawn once, in :class:`TrapData`) refits it, the piecewise
slope difference of every driver and, when basic is concave, the curvature k of basic.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm

from ._forms import TrapData, dmatrix, fit_saturating, form_term, rebuild, saturating_z

_BAND_COLUMNS = ("loyalty_low", "loyalty_high", "marginal_effect_low", "marginal_effect_high")


@dataclass
class Display:
    """The display model: grids per driver and the design of each grid (other drivers at their means).

    ``joint`` is the OLS fit of all drivers in one model and ``design`` its patsy design; both are
    ``None`` for the saturating display, whose grid designs end in the saturating column.
    """

    grids: dict
    grid_designs: dict
    design: object = None
    joint: object = None
    at_mean: dict | None = None

    def curve(self, role: str, models: dict) -> np.ndarray:
        """Fitted loyalty on the grid of ``role``."""
        if self.joint is not None:
            return self.grid_designs[role] @ self.joint.params
        return self.grid_designs[role] @ models[role]["saturating"]["fit"].params


def _at_means(data: TrapData, size: int) -> pd.DataFrame:
    return pd.DataFrame({o: np.full(size, data.centre[o]) for o in data.roles})


def display_model(data: TrapData, curve_form: str, models: dict, grid_size: int) -> Display:
    """Fit the display model; a joint fit is stored as ``models["joint"]``."""
    d, roles = data.d, data.roles
    grids = {r: np.linspace(d[r].min(), d[r].max(), grid_size) for r in roles}
    if curve_form == "saturating":  # each driver's own fit, the other at its mean
        designs = {}
        for r in roles:
            ctrl = data.control_design(r)
            z = saturating_z(models[r]["saturating"]["k"], grids[r] - data.lo_x[r])
            designs[r] = np.column_stack([rebuild(ctrl, _at_means(data, grid_size)), z])
        return Display(grids, designs)
    terms = " + ".join(form_term(curve_form, r, data.centre[r], data.knot[r], data.spline_df) for r in roles)
    Xj = dmatrix(terms, d)
    joint = sm.OLS(data.y, np.asarray(Xj)).fit(cov_type="HC3")
    designs = {}
    for r in roles:
        g = _at_means(data, grid_size)
        g[r] = grids[r]
        designs[r] = rebuild(Xj, g)
    at_mean = {
        r: rebuild(Xj, d.assign(**{o: data.centre[o] for o in data.others(r)})) @ joint.params for r in roles
    }
    models["joint"] = joint
    return Display(grids, designs, Xj, joint, at_mean)


def _resample(data: TrapData, disp: Display, models: dict, idx: np.ndarray, want_k: bool):
    """One bootstrap resample: the display curve of each driver and the curvature k of basic."""
    y, d = data.y, data.d
    if disp.joint is not None:
        beta = sm.OLS(y[idx], np.asarray(disp.design)[idx]).fit().params
        curves = {r: disp.grid_designs[r] @ beta for r in data.roles}
        if not want_k:
            return curves, np.nan
        sat = models["basic"]["saturating"]
        u = d["basic"].to_numpy() - data.lo_x["basic"]
        k_basic = fit_saturating(y[idx], sat["controls"][idx], u[idx], data.k_max["basic"], coarse=False)[0]
        return curves, k_basic
    curves, ks = {}, {}
    for r in data.roles:
        u = d[r].to_numpy()[idx] - data.lo_x[r]
        ks[r], fit_b = fit_saturating(
            y[idx], models[r]["saturating"]["controls"][idx], u, data.k_max[r], False
        )
        z = saturating_z(ks[r], disp.grids[r] - data.lo_x[r])
        curves[r] = np.column_stack([disp.grid_designs[r][:, :-1], z]) @ fit_b.params
    return curves, ks["basic"]


def bootstrap(data: TrapData, disp: Display, models: dict, shapes: pd.DataFrame):
    """Refit on every resample: curves per driver, piecewise slope differences, curvature k of basic."""
    n_boot, roles = len(data.boot_idx), data.roles
    boot_curves = {r: np.full((len(disp.grids[r]), n_boot), np.nan) for r in roles}
    boot_diff = {r: np.full(n_boot, np.nan) for r in roles}
    boot_k_basic = np.full(n_boot, np.nan)
    pw_designs = {r: np.asarray(models[r]["piecewise"]["design"]) for r in roles}
    hinge = {r: int(shapes.loc[r, "_jh"]) for r in roles}
    want_k = shapes.loc["basic", "shape"] == "concave"
    for b, idx in enumerate(data.boot_idx):
        curves, boot_k_basic[b] = _resample(data, disp, models, idx, want_k)
        for r in roles:
            boot_curves[r][:, b] = curves[r]
            boot_diff[r][b] = sm.OLS(data.y[idx], pw_designs[r][idx]).fit().params[hinge[r]]
    return boot_curves, boot_diff, boot_k_basic


def slope_difference_ci(shapes: pd.DataFrame, boot_diff: dict, labels: dict, n_boot: int) -> pd.DataFrame:
    """Add the 95 % bootstrap interval of the slope difference; drop the helper columns."""
    if n_boot:
        for r in boot_diff:
            shapes.loc[r, "slope_difference_low"] = np.percentile(boot_diff[r], 2.5)
            shapes.loc[r, "slope_difference_high"] = np.percentile(boot_diff[r], 97.5)
    else:
        shapes["slope_difference_low"] = np.nan
        shapes["slope_difference_high"] = np.nan
    shapes = shapes.drop(columns=["_jx", "_jh"])
    shapes.insert(0, "column", [labels[r] for r in shapes.index])
    return shapes


def curve_table(data: TrapData, disp: Display, models: dict, boot_curves: dict, n_boot: int) -> pd.DataFrame:
    """Loyalty and marginal effect (central differences) on each grid, with 95 % percentile bands."""
    rows = []
    for r in data.roles:
        x = disp.grids[r]
        est = disp.curve(r, models)
        row = pd.DataFrame({"driver": r, "x": x, "loyalty": est, "marginal_effect": np.gradient(est, x)})
        if n_boot:
            bc = boot_curves[r]
            bme = np.gradient(bc, x, axis=0)
            row["loyalty_low"], row["loyalty_high"] = np.percentile(bc, [2.5, 97.5], axis=1)
            row["marginal_effect_low"], row["marginal_effect_high"] = np.percentile(bme, [2.5, 97.5], axis=1)
        else:
            for c in _BAND_COLUMNS:
                row[c] = np.nan
        rows.append(row)
    return pd.concat(rows, ignore_index=True)


def bin_table(data: TrapData, disp: Display, step: float = 0.5, min_n: int = 10) -> pd.DataFrame:
    """Partial-residual means per half-point bin of each driver (raw loyalty for the saturating display)."""
    rows = []
    for r in data.roles:
        partial = data.y if disp.joint is None else data.y - disp.joint.fittedvalues + disp.at_mean[r]
        centre_bin = np.round(data.d[r].to_numpy() / step) * step
        grouped = pd.DataFrame({"x": centre_bin, "loyalty": partial}).groupby("x")["loyalty"]
        bins = pd.DataFrame({"loyalty": grouped.mean(), "n": grouped.size()}).reset_index()
        bins = bins[bins["n"] >= min_n]
        bins.insert(0, "driver", r)
        rows.append(bins)
    return pd.concat(rows, ignore_index=True)


def saturating_curve(data: TrapData, models: dict, role: str, x: np.ndarray):
    """Loyalty and marginal effect of ``role``'s saturating form at ``x``, the others at their means."""
    sat = models[role]["saturating"]
    g = _at_means(data, len(x))
    g[role] = x
    u = x - data.lo_x[role]
    design = np.column_stack([rebuild(data.control_design(role), g), saturating_z(sat["k"], u)])
    return design @ sat["fit"].params, sat["fit"].params[-1] * np.exp(-sat["k"] * u)


def saturating_table(data: TrapData, models: dict, grid_size: int) -> pd.DataFrame:
    """The saturating form of each driver from the scale bottom x0 up to its highest score."""
    parts = []
    for r in data.roles:
        x = np.linspace(data.lo_x[r], float(data.d[r].max()), grid_size)
        loyalty, me = saturating_curve(data, models, r, x)
        parts.append(pd.DataFrame({"driver": r, "x": x, "loyalty": loyalty, "marginal_effect": me}))
    return pd.concat(parts, ignore_index=True)


def saturation_point(
    data: TrapData, models: dict, basic_shape: str, boot_k: np.ndarray, phi: float, scale, lam
) -> dict:
    """Saturation point x* = x0 + ln(1/phi) / k of basic, its bootstrap CI, and the reason when absent.

    On the reliability-calibrated score when ``lam`` < 1 (the true-score scale); the CI takes
    x* of every resample's k (k <= 0: no saturation, x* = inf).
    """
    k_b = float(models["basic"]["saturating"]["k"])
    x0 = data.lo_x["basic"]
    top = float(scale[1]) if scale is not None else float(data.d["basic"].max())
    sat = {
        "point": np.nan,
        "ci_low": np.nan,
        "ci_high": np.nan,
        "fraction": phi,
        "scale_bottom": x0,
        "curvature_k": k_b,
        "reliability": lam["basic"],
        "loyalty_at_point": np.nan,
        "average_loyalty": float(data.y.mean()),
        "share_beyond": np.nan,
        "max_marginal_effect": np.nan,
        "method": "saturating exponential on the (calibrated) score: x0 + ln(1/fraction) / k",
        "reason": "",
    }
    if basic_shape != "concave":
        sat["reason"] = (
            f"basic satisfaction is {basic_shape} by the quadratic-term test: "
            "no diminishing returns, no saturation point"
        )
        return sat
    if k_b <= 0:
        sat["reason"] = "the saturating form finds no diminishing returns (k <= 0)"
        return sat
    point = x0 + np.log(1.0 / phi) / k_b
    sat["max_marginal_effect"] = float(models["basic"]["saturating"]["fit"].params[-1])
    if point > top:
        where = "the top of the scale" if scale is not None else "the highest observed score"
        sat["reason"] = f"the marginal effect stays above {phi:g} of its maximum up to {where} ({top:.3g})"
        return sat
    sat["point"] = float(point)
    sat["loyalty_at_point"] = float(saturating_curve(data, models, "basic", np.array([point]))[0][0])
    sat["share_beyond"] = float((data.d["basic"].to_numpy() > point).mean())
    sat["reason"] = (
        f"marginal effect of basic falls below {phi:g} of its maximum (at x0 = {x0:g}) from here on"
    )
    if len(boot_k):
        pts = np.where(boot_k > 0, x0 + np.log(1.0 / phi) / np.where(boot_k > 0, boot_k, 1.0), np.inf)
        sat["ci_low"], sat["ci_high"] = (float(v) for v in np.percentile(pts, [2.5, 97.5]))
    return sat
