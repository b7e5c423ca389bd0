"""The 0..100 loyalty index and its robustness: scheme agreement, top-decile stability."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.stats import kendalltau

from .factors import FACTORS, SUBSYSTEMS

__all__ = ["loyalty_index", "scheme_agreement", "StabilityResult", "top_decile_stability"]


def _global_weights(weights, columns) -> pd.Series:
    if isinstance(weights, pd.DataFrame):
        if "global" not in weights.columns:
            raise ValueError("weights: a DataFrame of weights needs a 'global' column (see index_weights)")
        weights = weights["global"]
    w = pd.Series(weights, dtype=float)
    missing = [c for c in columns if c not in w.index]
    if missing:
        raise ValueError(f"weights: no weight for factor(s) {missing}")
    if (w < 0).any() or not np.isfinite(w).all():
        raise ValueError("weights must be finite and non-negative")
    return w


def _as_unit(factors: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    cols = [c for c in factors.columns if c in FACTORS.index]
    unknown = [c for c in factors.columns if c not in FACTORS.index]
    if unknown:
        raise ValueError(f"loyalty_index: unknown factor column(s) {unknown}")
    z = factors[cols].to_numpy(dtype=float)
    outside = (z < -1e-9) | (z > 1 + 1e-9)
    if outside.any():
        i, j = np.argwhere(outside)[0]
        raise ValueError(
            f"loyalty_index: factor {cols[j]} = {z[i, j]:g} for customer "
            f"{factors.index[i]!r} is outside 0..1; normalise with normalize_factors first"
        )
    return z, cols


def loyalty_index(factors: pd.DataFrame, weights: pd.DataFrame | pd.Series) -> pd.DataFrame:
    """The 0..100 loyalty index, re-weighted per customer over the factors present.

    index_i = 100 x sum_j w_j z_ij / sum_j w_j [z_ij present], z = normalised factors
    (0..1, 1 = loyal end), w = global weights (``index_weights(...)["global"]`` or a
    Series by factor). Factors missing for a customer (no survey answer) or for everyone
    (emotion factors on CDNOW) drop out and the remaining weights are scaled up to 1, so
    the index is the weighted mean of what is known. Sub-indices A1, A2, A3 (0..100) use
    the same rule within each sub-system. ``weight_available`` = share of the total weight
    the customer's index rests on.

    Parameters
    ----------
    factors : pd.DataFrame
        Normalised factors (:func:`normalize_factors`), one row per customer.
    weights : pd.DataFrame or pd.Series
        :func:`index_weights` output (its ``global`` column) or a Series of weights by factor.

    Returns
    -------
    pd.DataFrame
        Per customer: ``loyalty_index``, ``A1``, ``A2``, ``A3`` (0..100) and
        ``weight_available`` (0..1).
    """
    z, cols = _as_unit(factors)
    w = _global_weights(weights, cols)
    wv = w.reindex(cols).to_numpy()
    present = ~np.isnan(z)
    zz = np.where(present, z, 0.0)

    def _score(mask):
        num = zz[:, mask] @ wv[mask]
        den = present[:, mask] @ wv[mask]
        return np.divide(100.0 * num, den, out=np.full(len(z), np.nan), where=den > 0), den

    out = pd.DataFrame(index=factors.index)
    all_cols = np.ones(len(cols), dtype=bool)
    out["loyalty_index"], den = _score(all_cols)
    sub = FACTORS["subsystem"].reindex(cols).to_numpy()
    for s in SUBSYSTEMS:
        out[s] = _score(sub == s)[0] if (sub == s).any() else np.nan
    total = float(w.reindex(FACTORS.index).fillna(0.0).sum()) or 1.0
    out["weight_available"] = den / total
    return out


# --------------------------------------------------------------------------- robustness


def scheme_agreement(indexes: pd.DataFrame) -> pd.DataFrame:
    """Kendall's tau-b between every pair of index columns (Kendall 1938), on customers with both.

    ``indexes``: one column per weighting scheme. Returns a square DataFrame (1 on the diagonal).

    Parameters
    ----------
    indexes : pd.DataFrame
        One column per weighting scheme, one row per customer.

    Returns
    -------
    pd.DataFrame
        Kendall's tau-b for every pair of columns (square, 1 on the diagonal).
    """
    cols = list(indexes.columns)
    out = pd.DataFrame(np.eye(len(cols)), index=cols, columns=cols)
    for a in range(len(cols)):
        for b in range(a + 1, len(cols)):
            pair = indexes[[cols[a], cols[b]]].dropna()
            tau = kendalltau(pair.iloc[:, 0], pair.iloc[:, 1]).statistic if len(pair) > 1 else np.nan
            out.iloc[a, b] = out.iloc[b, a] = tau
    return out


@dataclass
class StabilityResult:
    """Top-group retention under random weight perturbations."""

    retention: np.ndarray
    n_top: int
    perturbation: float
    n_draws: int
    seed: int
    top_customers: pd.Index = field(repr=False, default=None)

    def summary(self) -> pd.DataFrame:
        """Mean, min, 5th percentile and median of the customers (and share) who stay on top.

        Returns
        -------
        pandas.DataFrame
            Rows mean, min, p05, median; columns share_staying and customers_staying.
        """
        r = self.retention
        stats = {"mean": r.mean(), "min": r.min(), "p05": np.quantile(r, 0.05), "median": np.median(r)}
        return pd.DataFrame(
            {"share_staying": stats, "customers_staying": {k: v * self.n_top for k, v in stats.items()}}
        ).rename_axis(f"over {self.n_draws} draws, +/-{self.perturbation:.0%}, top {self.n_top}")


def top_decile_stability(
    factors: pd.DataFrame,
    weights: pd.DataFrame | pd.Series,
    perturbation: float = 0.20,
    n_draws: int = 200,
    seed: int = 0,
    top: float = 0.10,
) -> StabilityResult:
    """How many of the index's top decile stay there when every weight moves by up to +/-20 %.

    Each draw multiplies each global weight by u ~ Uniform(1 - perturbation, 1 + perturbation)
    (independently, ``numpy.random.default_rng(seed)``), renormalises and recomputes the
    index (:func:`loyalty_index` rule). Retention = |top_base & top_draw| / n_top, with
    n_top = ceil(top x customers with an index); ties broken by position. A sensitivity
    check in the spirit of Saisana, Saltelli & Tarantola (2005) for composite indicators.

    Parameters
    ----------
    factors : pd.DataFrame
        Normalised factors.
    weights : pd.DataFrame or pd.Series
        Global weights as for :func:`loyalty_index`.
    perturbation : float
        Largest relative change of a weight, in (0, 1).
    n_draws : int
        Number of perturbed weight vectors (>= 1).
    seed : int
        Seed of ``numpy.random.default_rng``.
    top : float
        Share of customers that forms the top group, in (0, 1).

    Returns
    -------
    StabilityResult
        ``retention`` per draw (share of the top group that stays), ``n_top``, ``top_customers``;
        ``summary()`` tabulates it.
    """
    if not 0 < perturbation < 1:
        raise ValueError(f"perturbation must be in (0, 1), not {perturbation}")
    if not 0 < top < 1:
        raise ValueError(f"top must be in (0, 1), not {top}")
    if n_draws < 1:
        raise ValueError(f"n_draws must be at least 1, not {n_draws}")
    z, cols = _as_unit(factors)
    w = _global_weights(weights, cols).reindex(cols).to_numpy()
    present = ~np.isnan(z)
    zz = np.where(present, z, 0.0)
    has = present @ (w > 0) > 0
    zz, present = zz[has], present[has]
    rng = np.random.default_rng(seed)
    draws = w[:, None] * rng.uniform(1 - perturbation, 1 + perturbation, size=(len(w), n_draws))
    W = np.column_stack([w, draws])
    scores = (zz @ W) / np.maximum(present @ W, 1e-300)
    n_top = int(np.ceil(top * len(zz) - 1e-9))
    order = np.argsort(-scores, axis=0, kind="stable")[:n_top]
    in_top = np.zeros(scores.shape, dtype=bool)
    np.put_along_axis(in_top, order, True, axis=0)
    retention = (in_top[:, 1:] & in_top[:, [0]]).sum(axis=0) / n_top
    return StabilityResult(
        retention=retention,
        n_top=n_top,
        perturbation=perturbation,
        n_draws=n_draws,
        seed=seed,
        top_customers=factors.index[has][order[:, 0]],
    )
