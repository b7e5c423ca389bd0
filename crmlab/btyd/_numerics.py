"""Numerics shared by the BTYD fits: multistart BFGS, Hessians, the convergence assessment.

A fit is *converged* when its optimum passes three checks that do not depend on the
optimiser's own stopping flag (scipy's BFGS ``success`` flips with the CPU and BLAS build at
tight tolerances): the gradient of the mean per-customer log-likelihood on the log-parameter
scale is ~0, the starts agree on the best log-likelihood, and the Hessian is positive
definite beyond finite-difference noise.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy import optimize, special

from ._checks import _boundary


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


def _compress(*columns: np.ndarray, weights: np.ndarray | None = None):
    """Unique rows of the data with their total weights: likelihoods are evaluated once per pattern.

    ``weights`` (default 1 per row) are summed over identical rows; rows of weight 0 are dropped.
    """
    stacked = np.column_stack(columns)
    if weights is not None:
        keep = weights > 0
        stacked, weights = stacked[keep], weights[keep]
    uniq, inverse = np.unique(stacked, axis=0, return_inverse=True)
    inverse = np.ravel(inverse)
    counts = np.bincount(inverse, weights=weights, minlength=uniq.shape[0]).astype(np.float64)
    return [uniq[:, i] for i in range(uniq.shape[1])], counts


# A fit is converged when its optimum passes three checks that do not depend on the optimiser's
# own stopping flag (which flips with the CPU and BLAS build at tight tolerances):
GRADIENT_TOL = 1e-6  # max |d mean-per-customer log-likelihood / d log(parameter)| at the optimum
START_TOL = 1e-6  # a start "reached the best optimum" if its mean per-customer LL is this close
HESSIAN_TOL = 1e-2  # min eigenvalue of the total NLL Hessian on the log scale (se of log-params < 10)


def _minimize_multistart(objective, starts, jac=None, points=None, bar=None):
    """Minimise from every start with scipy.optimize.minimize (BFGS), each polished; keep the best.

    Each start runs BFGS to a loose gradient tolerance, then again from there with a tight
    one. ``jac=True`` means ``objective`` returns (value, gradient); otherwise gradients are
    finite differences, forward in the first stage and central in the second (needed to
    resolve the flat ridges of these likelihoods, e.g. the Pareto/NBD's (s, beta), to the
    published digits). With finite-difference gradients, ``points`` (the objective at the rows of
    an (m, k) array of natural-scale parameters) lets the second stage start from a
    finite-difference Hessian instead of the identity -- a Newton-like polish, a handful of
    iterations instead of dozens; it is computed once, at the first start where it is positive
    definite, and serves every later start. Returns (best
    result, each start's final objective value): the values let the caller count how many
    starts reached the best optimum. ``bar`` holds tqdm options (``disable`` ...) for a
    progress bar over the starts.
    """
    from tqdm.auto import tqdm

    analytic = jac is True or callable(jac)
    curvature = {}  # the first positive-definite one found serves every later start
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        finals = [
            _minimize_one(objective, x0, jac, points, analytic, curvature)
            for x0 in tqdm(starts, **(bar or {"disable": True}))
        ]
    values = np.array([np.inf if r is None else float(r.fun) for r in finals])
    if not np.isfinite(values).any():
        raise RuntimeError("the likelihood could not be evaluated at any starting point")
    return finals[int(np.argmin(values))], values


def _minimize_one(objective, x0, jac, points, analytic: bool, curvature: dict):
    """One start of :func:`_minimize_multistart`: a loose BFGS run, then a tight polish from it.

    ``curvature`` is shared between starts and filled (in place) with the first usable
    ``hess_inv0``. Returns the better finite result, or None.
    """
    best = None
    x = np.asarray(x0, dtype=np.float64)
    for tight in (False, True):
        options = {"gtol": _gtol(tight, analytic), "maxiter": 1000}
        if tight and points is not None:
            if not curvature:
                curvature.update(_inverse_hessian_option(points, x))
            options.update(curvature)
        fd = "3-point" if tight else "2-point"
        res = optimize.minimize(objective, x, jac=jac if analytic else fd, method="BFGS", options=options)
        if np.isfinite(res.fun) and (best is None or res.fun <= best.fun):
            best, x = res, res.x
    return best


def _gtol(tight: bool, analytic: bool) -> float:
    """BFGS gradient tolerance: loose first stage, tight polish; finite differences need looser."""
    if tight:
        return 1e-9 if analytic else 1e-8
    return 1e-4 if analytic else 1e-2


def _inverse_hessian_option(points, u: np.ndarray) -> dict:
    """``{"hess_inv0": H^-1}`` for BFGS at log-parameters ``u`` if the Hessian there is positive
    definite, else ``{}`` (BFGS then starts from the identity, as by default)."""
    theta = np.exp(u)
    hess = _numerical_hessian(points, theta)
    _, hess_log = _log_scale_derivatives(points, theta, hess)
    if not np.all(np.isfinite(hess_log)):
        return {}
    eig, vec = np.linalg.eigh((hess_log + hess_log.T) / 2)
    if eig[0] <= 1e-8 * max(eig[-1], 1e-300):
        return {}
    inv = (vec / eig) @ vec.T
    return {"hess_inv0": (inv + inv.T) / 2}  # exactly symmetric, as BFGS checks


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
    Returns the diagnostics, ``converged``, ``boundary`` (the boundary solutions found, in words:
    :func:`crmlab.btyd._checks._boundary`; the models that know them turn them into a
    warning) and, for the natural-scale covariance, ``hessian`` (the unpenalised natural-scale
    Hessian of the total NLL).
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
        "boundary": _boundary(dict(zip(names, (float(v) for v in theta)))),
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


BIG_FIT = 100_000  # patterns above which a fit shows a progress bar by default


def _auto(progress: bool | None, n_patterns: int) -> bool:
    """``progress`` as given, or (None) True for fits on more than BIG_FIT patterns."""
    return n_patterns > BIG_FIT if progress is None else bool(progress)


def _exp_sinh_rule(h: float = 1 / 32, lo: float = 1e-30, hi: float = 745.0, scale=1.0):
    """Nodes and weights of the exp-sinh (double-exponential) rule for int_0^inf f(v) dv.

    v = exp(pi/2 sinh(u)), dv = pi/2 cosh(u) v du, trapezoid in u with step ``h`` over the u
    that map into [lo, hi] (Takahasi & Mori 1974; Bailey, Jeyabalan & Li 2005). For an
    integrand e^{-v} g(v) with g analytic near (0, inf) and at most algebraic at 0, the error
    falls like exp(-c/h); the nodes cluster at 0 double-exponentially, so a near-singularity at
    v = -z (as in (1 + v/z)^{-s}) is resolved down to z ~ ``lo``. ``scale`` (an array of shape
    (n, 1) for n integrals) stretches the nodes to v = scale * v_k, for integrands whose action
    is at v ~ scale (e.g. (1 + v/z)^{-s}, s large: scale z/s).
    """
    scale = np.asarray(scale, dtype=np.float64)
    u_lo = np.arcsinh(2 / np.pi * np.log(lo))
    u_hi = np.arcsinh(2 / np.pi * np.log(hi / np.min(scale)))  # every row reaches v = hi
    u = np.arange(np.floor(u_lo / h), np.ceil(u_hi / h) + 1) * h
    v = np.exp(np.pi / 2 * np.sinh(u))
    return scale * v, scale * (h * np.pi / 2 * np.cosh(u) * v)


def _check_discount_rate(discount_rate, where: str) -> float:
    """The continuous discount rate delta per model time unit: a finite float > 0."""
    try:
        delta = float(discount_rate)
    except (TypeError, ValueError):
        raise TypeError(f"{where}: discount_rate must be a number, got {discount_rate!r}") from None
    if not (np.isfinite(delta) and delta > 0):
        raise ValueError(
            f"{where}: discount_rate must be a finite continuous rate > 0 per model time unit "
            f"(delta = ln(1 + d) / k for an annual rate d and k model units a year), got {discount_rate!r}"
        )
    return delta


def _laplace_power_factor(s, z) -> np.ndarray:
    """z^s U(s, s, z) = int_0^inf e^{-v} (1 + v/z)^{-s} dv: delta E[1/(mu + delta)], mu ~ Gamma(s, z/delta).

    U is the confluent hypergeometric function of the second kind (scipy.special.hyperu;
    Fader, Hardie & Lee 2005b, eq. 2). Evaluated as exp(s log z + log U); where hyperu
    overflows or fails (large s with small z) the integral is taken by the exp-sinh rule of
    :func:`_exp_sinh_rule` instead. Both agree with the incomplete-gamma form
    e^z Gamma(1-s) Q(1-s, z) z^s (s < 1) to < 1e-9 relative for s in [0.05, 50], z in [1e-8, 1e3].
    """
    s, z = np.broadcast_arrays(np.asarray(s, dtype=np.float64), np.asarray(z, dtype=np.float64))
    shape, s, z = s.shape, s.ravel(), z.ravel()
    with np.errstate(all="ignore"):
        out = np.exp(s * np.log(z) + np.log(special.hyperu(s, s, z)))
    bad = ~(np.isfinite(out) & (out > 0) & (out <= 1))
    if bad.any():
        sb, zb = s[bad][:, None], z[bad][:, None]
        v, w = _exp_sinh_rule(scale=np.minimum(1.0, zb / np.maximum(sb, 1.0)))
        with np.errstate(all="ignore"):
            out[bad] = np.sum(np.exp(-v - sb * np.log1p(v / zb)) * w, axis=1)
    return out.reshape(shape)
