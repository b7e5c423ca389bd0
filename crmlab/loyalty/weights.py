"""Weights of the index hierarchy: AHP with its consistency ratio, entropy weights, the scheme."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from .factors import FACTORS, SUBSYSTEMS

__all__ = [
    "RANDOM_INDEX",
    "AHPResult",
    "ahp_weights",
    "consistent_matrix",
    "EntropyResult",
    "entropy_weights",
    "index_weights",
]


RANDOM_INDEX = {1: 0.0, 2: 0.0, 3: 0.58, 4: 0.90, 5: 1.12, 6: 1.24, 7: 1.32, 8: 1.41, 9: 1.45, 10: 1.49}

# --------------------------------------------------------------------------- weights


@dataclass
class AHPResult:
    """Principal-eigenvector weights of a pairwise comparison matrix and its consistency."""

    name: str
    matrix: pd.DataFrame
    weights: pd.Series
    lambda_max: float
    ci: float
    ri: float
    cr: float

    def summary(self) -> pd.DataFrame:
        """Weights per element, with lambda_max, CI, RI and CR in the frame's last rows.

        Returns
        -------
        pandas.DataFrame
            Column ``weight``: one row per element, then lambda_max, CI, RI and CR (Saaty 1980).
        """
        out = self.weights.to_frame("weight")
        stats = pd.DataFrame(
            {"weight": [self.lambda_max, self.ci, self.ri, self.cr]}, index=["lambda_max", "CI", "RI", "CR"]
        )
        return pd.concat([out, stats])


def _judgement_matrix(matrix, labels, name: str, tol: float) -> tuple[np.ndarray, list]:
    """A square, positive, finite, reciprocal matrix with unit diagonal (n <= 10) and its labels."""
    if isinstance(matrix, pd.DataFrame):
        labels = list(matrix.index) if labels is None else labels
        values = matrix.to_numpy()
    else:
        values = matrix
    try:
        a = np.array(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"AHP {name}: the judgement matrix must hold numbers ({exc})") from None
    if a.ndim != 2 or a.shape[0] != a.shape[1] or a.shape[0] == 0:
        raise ValueError(f"AHP {name}: the judgement matrix must be square, got shape {a.shape}")
    n = a.shape[0]
    if n > max(RANDOM_INDEX):
        raise ValueError(
            f"AHP {name}: n = {n} elements; Saaty's random index is tabulated for "
            f"n <= {max(RANDOM_INDEX)}; split the level into groups"
        )
    if not np.isfinite(a).all() or (a <= 0).any():
        i, j = np.argwhere(~np.isfinite(a) | (a <= 0))[0]
        raise ValueError(f"AHP {name}: judgements must be positive and finite; a[{i}][{j}] = {a[i, j]}")
    if not np.allclose(np.diag(a), 1.0, atol=tol):
        i = int(np.argmax(np.abs(np.diag(a) - 1.0)))
        raise ValueError(
            f"AHP {name}: the diagonal must be 1 (an element is as important as itself); "
            f"a[{i}][{i}] = {a[i, i]}"
        )
    off = np.abs(a * a.T - 1.0)
    if (off > tol).any():
        i, j = np.argwhere(off > tol)[0]
        raise ValueError(
            f"AHP {name}: the matrix is not reciprocal: a[{i}][{j}] = {a[i, j]:g} but "
            f"a[{j}][{i}] = {a[j, i]:g} (should be {1.0 / a[i, j]:g})"
        )
    if labels is None:
        labels = [f"{name}_{k + 1}" for k in range(n)]
    labels = list(labels)
    if len(labels) != n:
        raise ValueError(f"AHP {name}: {len(labels)} labels for a {n} x {n} matrix")
    return a, labels


def ahp_weights(
    matrix: ArrayLike | pd.DataFrame,
    max_cr: float | None = 0.10,
    labels: Sequence[str] | None = None,
    name: str = "matrix",
    tol: float = 0.02,
) -> AHPResult:
    """AHP priorities of a pairwise comparison (judgement) matrix, Saaty (1977, 1980).

    ``a_ij`` = how much more important element i is than element j (Saaty's 1..9 scale),
    ``a_ji = 1 / a_ij``, ``a_ii = 1``. Weights w = principal right eigenvector of A,
    scaled to sum 1; ``lambda_max`` its eigenvalue; consistency index
    CI = (lambda_max - n) / (n - 1); consistency ratio CR = CI / RI(n) with Saaty's random
    index RI = 0, 0, .58, .90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49 for n = 1..10
    (CR = 0 for n <= 2, always consistent). Judgements with CR > ``max_cr`` (default 0.10,
    Saaty's rule) are refused with a ValueError naming the matrix and its CR; pass
    ``max_cr=None`` to accept them.

    The matrix must be square (n = 1..10), positive, finite and reciprocal: ``a_ii = 1`` and
    ``|a_ij a_ji - 1| <= tol`` (tol = 0.02 accepts 0.33 for 1/3). Units: weights are shares.

    Parameters
    ----------
    matrix : array-like or pd.DataFrame
        The n x n judgement matrix (a DataFrame's index gives the labels).
    max_cr : float or None
        Largest consistency ratio accepted; ``None`` accepts any.
    labels : sequence of str, optional
        Element names (default ``<name>_1`` ... ``<name>_n``).
    name : str
        Name of the matrix in messages and in the result.
    tol : float
        Tolerance of the reciprocity and diagonal checks.

    Returns
    -------
    AHPResult
        ``matrix``, ``weights`` (sum 1), ``lambda_max``, ``ci``, ``ri``, ``cr``.
    """
    a, labels = _judgement_matrix(matrix, labels, name, tol)
    n = a.shape[0]
    eigval, eigvec = np.linalg.eig(a)
    k = int(np.argmax(eigval.real))
    lam = float(eigval[k].real)
    w = np.abs(eigvec[:, k].real)
    w = w / w.sum()
    ci = (lam - n) / (n - 1) if n > 1 else 0.0
    ci = max(ci, 0.0) if abs(ci) < 1e-12 else ci
    ri = RANDOM_INDEX[n]
    cr = ci / ri if ri > 0 else 0.0
    if max_cr is not None and cr > max_cr:
        raise ValueError(
            f"AHP {name}: consistency ratio CR = {cr:.3f} exceeds {max_cr:.2f} "
            f"(lambda_max = {lam:.4f}, CI = {ci:.4f}, RI = {ri:.2f}); revise the "
            "judgements or pass max_cr=None to accept them"
        )
    return AHPResult(
        name=name,
        matrix=pd.DataFrame(a, index=labels, columns=labels),
        weights=pd.Series(w, index=labels, name="weight"),
        lambda_max=lam,
        ci=ci,
        ri=ri,
        cr=cr,
    )


def consistent_matrix(weights: ArrayLike) -> np.ndarray:
    """The perfectly consistent judgement matrix a_ij = w_i / w_j of a positive weight vector.

    Parameters
    ----------
    weights : array-like
        Positive, finite weights w_1..w_n.

    Returns
    -------
    np.ndarray
        The n x n matrix a_ij = w_i / w_j (its AHP weights are w / sum(w), CR = 0).
    """
    w = np.asarray(weights, dtype=float)
    if w.ndim != 1 or len(w) == 0 or (w <= 0).any() or not np.isfinite(w).all():
        raise ValueError("consistent_matrix: weights must be a non-empty vector of positive numbers")
    return w[:, None] / w[None, :]


@dataclass
class EntropyResult:
    """Entropy-weight method: entropy and weight per column."""

    entropy: pd.Series
    weights: pd.Series

    def summary(self) -> pd.DataFrame:
        """Entropy e_j, divergence 1 - e_j and weight w_j per column.

        Returns
        -------
        pandas.DataFrame
            One row per indicator: entropy, divergence, weight.
        """
        return pd.DataFrame(
            {"entropy": self.entropy, "divergence": 1.0 - self.entropy, "weight": self.weights}
        )


def entropy_weights(frame: pd.DataFrame) -> EntropyResult:
    """Objective weights from the dispersion of each column: the entropy-weight method.

    On non-negative data (normalise first, e.g. :func:`normalize_factors`): column
    proportions p_ij = x_ij / sum_i x_ij; entropy e_j = -(1 / ln n_j) sum_i p_ij ln p_ij
    (0 ln 0 = 0; n_j = rows where column j is present, NaN rows are skipped);
    divergence d_j = 1 - e_j; weight w_j = d_j / sum_k d_k. A column that is constant,
    all zero, all NaN or has fewer than two values has e_j = 1 and weight 0. Source: the
    entropy method of multi-attribute decision making (Zeleny 1982; Hwang & Yoon 1981),
    after Shannon (1948). Weights are shares summing to 1.

    Parameters
    ----------
    frame : pd.DataFrame
        Non-negative numbers, one column per criterion (NaN skipped).

    Returns
    -------
    EntropyResult
        ``entropy`` and ``weights`` per column (weights sum to 1).
    """
    if not isinstance(frame, pd.DataFrame):
        frame = pd.DataFrame(frame)
    x = frame.apply(pd.to_numeric, errors="coerce").astype(float)
    nonnum = (x.isna() & frame.notna()).to_numpy()
    if nonnum.any():
        j = int(np.argwhere(nonnum)[0][1])
        raise ValueError(f"entropy_weights: column {frame.columns[j]!r} holds values that are not numbers")
    values = x.to_numpy()
    if (values < 0).any():
        j = int(np.argwhere(values < 0)[0][1])
        raise ValueError(
            f"entropy_weights: column {frame.columns[j]!r} has negative values; the "
            "entropy method needs non-negative data (normalise to 0..1 first)"
        )
    present = ~np.isnan(values)
    n_j = present.sum(axis=0)
    v = np.where(present, values, 0.0)
    total = v.sum(axis=0)
    p = np.divide(v, total, out=np.zeros_like(v), where=total > 0)
    plogp = np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        e = np.where((n_j > 1) & (total > 0), -plogp.sum(axis=0) / np.log(np.maximum(n_j, 2)), 1.0)
    e = np.clip(e, 0.0, 1.0)
    d = 1.0 - e
    if d.sum() <= 0:
        raise ValueError("entropy_weights: no column varies, so the entropy method gives no weights")
    return EntropyResult(
        entropy=pd.Series(e, index=frame.columns, name="entropy"),
        weights=pd.Series(d / d.sum(), index=frame.columns, name="weight"),
    )


def index_weights(
    scheme: str = "equal",
    factors: pd.DataFrame | None = None,
    criteria: ArrayLike | pd.DataFrame | None = None,
    subsystems: Mapping[str, ArrayLike] | None = None,
    max_cr: float | None = 0.10,
) -> pd.DataFrame:
    """Weights of the hierarchy A -> A1..A3 -> factors: local, parent and global = local x parent.

    scheme
        ``"equal"``: each sub-system 1/3, each factor 1 / (factors in its sub-system).
        ``"ahp"``: ``criteria`` is the 3 x 3 judgement matrix of A1, A2, A3 and
        ``subsystems`` maps "A1", "A2", "A3" to the judgement matrices of their factors
        (3 x 3, 2 x 2, 4 x 4, rows in the order of :data:`FACTORS`); each must pass
        ``ahp_weights(max_cr=max_cr)``.
        ``"entropy"``: the entropy weights of the **normalised** ``factors`` over all nine
        factors are the global weights; parent = their sum per sub-system, local =
        global / parent (0 when the sub-system has no information).

    Returns a DataFrame indexed by factor with ``subsystem``, ``local``, ``parent``,
    ``global`` (global weights sum to 1). ``attrs["ahp"]`` keeps the AHP results.

    Parameters
    ----------
    scheme : {"equal", "ahp", "entropy"}
        The weighting rule above.
    factors : pd.DataFrame, optional
        Normalised factors (``scheme="entropy"``).
    criteria : array-like, optional
        3 x 3 judgement matrix of A1..A3 (``scheme="ahp"``).
    subsystems : mapping, optional
        "A1", "A2", "A3" -> judgement matrix of their factors (``scheme="ahp"``).
    max_cr : float or None
        Largest consistency ratio accepted for each AHP matrix.

    Returns
    -------
    pd.DataFrame
        Indexed by factor with ``subsystem``, ``local``, ``parent``, ``global`` (global weights
        sum to 1); ``attrs["ahp"]`` keeps the AHP results.
    """
    frame = FACTORS[["subsystem"]].copy()
    counts = frame["subsystem"].map(frame["subsystem"].value_counts())
    if scheme == "equal":
        frame["local"] = 1.0 / counts
        frame["parent"] = 1.0 / len(SUBSYSTEMS)
    elif scheme == "ahp":
        _ahp_scheme(frame, criteria, subsystems, max_cr)
    elif scheme == "entropy":
        _entropy_scheme(frame, factors)
    else:
        raise ValueError(f"index_weights: scheme must be 'equal', 'ahp' or 'entropy', not {scheme!r}")
    frame["global"] = frame["local"] * frame["parent"]
    return frame[["subsystem", "local", "parent", "global"]]


def _ahp_scheme(frame: pd.DataFrame, criteria, subsystems, max_cr) -> None:
    """Local weights from each sub-system's matrix, parent weights from the criteria matrix."""
    if criteria is None or subsystems is None:
        raise ValueError(
            "index_weights('ahp') needs criteria (3 x 3 for A1..A3) and subsystems "
            "({'A1': 3 x 3, 'A2': 2 x 2, 'A3': 4 x 4})"
        )
    missing = [s for s in SUBSYSTEMS if s not in subsystems]
    if missing:
        raise ValueError(f"index_weights('ahp'): no judgement matrix for sub-system(s) {missing}")
    top = ahp_weights(criteria, max_cr=max_cr, labels=list(SUBSYSTEMS), name="criteria (A1..A3)")
    results = {"A": top}
    local = pd.Series(np.nan, index=frame.index)
    for sub in SUBSYSTEMS:
        members = list(frame.index[frame["subsystem"] == sub])
        mat = np.asarray(subsystems[sub], dtype=float)
        if mat.shape != (len(members), len(members)):
            raise ValueError(
                f"index_weights('ahp'): the {sub} matrix must be {len(members)} x "
                f"{len(members)} ({', '.join(members)}), got {mat.shape}"
            )
        res = ahp_weights(mat, max_cr=max_cr, labels=members, name=f"{sub} ({SUBSYSTEMS[sub]})")
        results[sub] = res
        local[members] = res.weights.to_numpy()
    frame["local"] = local
    frame["parent"] = frame["subsystem"].map(top.weights)
    frame.attrs["ahp"] = results


def _entropy_scheme(frame: pd.DataFrame, factors) -> None:
    """Global entropy weights split into the sub-system's share (parent) and the local share."""
    if factors is None:
        raise ValueError("index_weights('entropy') needs the normalised factors")
    cols = [f for f in FACTORS.index if f in factors.columns]
    glob = entropy_weights(factors[cols]).weights.reindex(frame.index, fill_value=0.0)
    parent = glob.groupby(frame["subsystem"]).sum()
    frame["parent"] = frame["subsystem"].map(parent)
    frame["local"] = np.divide(
        glob, frame["parent"], out=np.zeros(len(glob)), where=frame["parent"].to_numpy() > 0
    )
