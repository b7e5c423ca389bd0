"""Interval estimates used by the promotion analyses.

* :func:`wilson_interval` -- a proportion (Wilson 1927): centre ``(x + z²/2) / (n + z²)``,
  half-width ``z sqrt(p(1-p)/n + z²/(4n²)) / (1 + z²/n)``; good coverage for small ``n`` and rates
  near 0, unlike the Wald interval.
* :func:`newcombe_interval` -- a difference of two independent proportions by Newcombe's hybrid
  score method (Newcombe 1998, method 10), built from the two Wilson intervals ``(l1, u1)``,
  ``(l2, u2)``: ``d - sqrt((p1-l1)² + (u2-p2)²)`` .. ``d + sqrt((u1-p1)² + (p2-l2)²)``.
* :func:`welch_interval` -- a difference of two means with unequal variances (Welch 1947):
  ``SE = sqrt(s1²/n1 + s2²/n2)``, Welch-Satterthwaite degrees of freedom, Student t quantile.
* :func:`poisson_bootstrap` -- percentile intervals of sums over customers by the Poisson
  bootstrap (each customer's weight ~ Poisson(1); Hanley & MacGibbon 2006; Chamandy et al.
  2012), which needs only the customers with a non-zero value, seeded.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

__all__ = ["wilson_interval", "newcombe_interval", "welch_interval", "poisson_bootstrap", "z_value"]


def z_value(confidence: float) -> float:
    """Two-sided standard normal quantile for ``confidence`` (0.95 -> 1.96)."""
    return float(stats.norm.ppf(0.5 + confidence / 2))


def wilson_interval(successes, n, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of ``successes / n`` (arrays allowed; NaN where ``n = 0``)."""
    x, n = np.asarray(successes, float), np.asarray(n, float)
    z = z_value(confidence)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = x / n
        centre = (x + z**2 / 2) / (n + z**2)
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    return centre - half, centre + half


def newcombe_interval(x1, n1, x2, n2, confidence: float = 0.95) -> tuple[float, float]:
    """Newcombe's hybrid score interval of ``x1/n1 - x2/n2``."""
    p1, p2 = x1 / n1, x2 / n2
    l1, u1 = wilson_interval(x1, n1, confidence)
    l2, u2 = wilson_interval(x2, n2, confidence)
    d = p1 - p2
    return float(d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)), float(
        d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    )


def welch_interval(a, b, confidence: float = 0.95) -> tuple[float, float, float, float]:
    """Difference of means ``mean(a) - mean(b)``, its Welch interval and two-sided p-value.

    Returns
    -------
    (difference, low, high, p_value)
    """
    a, b = np.asarray(a, float), np.asarray(b, float)
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    d, se = a.mean() - b.mean(), np.sqrt(va + vb)
    if se == 0:
        return float(d), float(d), float(d), float("nan")
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    t = stats.t.ppf(0.5 + confidence / 2, df)
    return float(d), float(d - t * se), float(d + t * se), float(2 * stats.t.sf(abs(d) / se, df))


def poisson_bootstrap(values: np.ndarray, n_boot: int, seed, confidence: float = 0.95) -> tuple[float, float]:
    """Percentile interval of ``sum(values)`` under Poisson(1) resampling weights.

    ``values`` holds the non-zero contributions only (customers contributing 0 change nothing).
    """
    values = np.asarray(values, float)
    if values.size == 0:
        return 0.0, 0.0
    rng = np.random.default_rng(seed)
    sums = rng.poisson(1.0, size=(n_boot, values.size)) @ values
    alpha = (1 - confidence) / 2
    lo, hi = np.quantile(sums, [alpha, 1 - alpha])
    return float(lo), float(hi)
