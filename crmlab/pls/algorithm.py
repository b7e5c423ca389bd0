"""Wold's PLS algorithm on covariance matrices, batched over resamples (Wold 1982;
Lohmoeller 1989; Tenenhaus et al. 2005)."""

from __future__ import annotations

import numpy as np

__all__ = []


# --------------------------------------------------------------------------- the algorithm


def _normalise(S: np.ndarray, W: np.ndarray) -> np.ndarray:
    """Scale each weight column so its score has unit variance: w_j / sqrt(w_j' S w_j)."""
    var = np.einsum("bpl,bpq,bql->bl", W, S, W)
    with np.errstate(invalid="ignore", divide="ignore"):
        return W / np.sqrt(var)[:, None, :]


def _lv_cor(S: np.ndarray, W: np.ndarray) -> np.ndarray:
    """Covariance (= correlation, for normalised W) of the latent scores: W' S W."""
    return np.einsum("bpl,bpq,bqm->blm", W, S, W)


def _solve(A: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Batched solve of A x = b; members with a singular (collinear) A get NaN."""
    try:
        return np.linalg.solve(A, b[..., None])[..., 0]
    except np.linalg.LinAlgError:
        out = np.full(b.shape, np.nan)
        for k in range(len(A)):  # only after a failure: find the singular members
            try:
                out[k] = np.linalg.solve(A[k], b[k])
            except np.linalg.LinAlgError:
                pass
        return out


def _inner_weights(C: np.ndarray, D: np.ndarray, scheme: str) -> np.ndarray:
    """Inner weights E (batch, L, L): Z = Y E, so E[:, i, j] is the weight of Y_i in Z_j."""
    adjacent = (D + D.T) > 0
    if scheme == "centroid":
        return np.sign(C) * adjacent
    if scheme == "factorial":
        return C * adjacent
    E = np.zeros_like(C)
    for j in range(D.shape[0]):
        pred = np.flatnonzero(D[:, j])
        succ = np.flatnonzero(D[j, :])
        if len(pred):
            E[:, pred, j] = _solve(C[:, pred][:, :, pred], C[:, pred, j])
        if len(succ):
            E[:, succ, j] = C[:, succ, j]
    return E


def _pls_weights(
    S: np.ndarray, odm: np.ndarray, D: np.ndarray, scheme: str, max_iter: int, tol: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mode A outer weights for a batch of indicator covariance matrices S (batch, p, p).

    Returns W (batch, p, L) normalised and sign-fixed, iterations used and a
    converged flag per batch member. A member stops updating once it converged,
    so its result does not depend on the rest of the batch.
    """
    n_batch = S.shape[0]
    W = _normalise(S, np.broadcast_to(odm, (n_batch,) + odm.shape).astype(float))
    active = np.ones(n_batch, dtype=bool)
    n_iter = np.zeros(n_batch, dtype=int)
    for _ in range(max_iter):
        E = _inner_weights(_lv_cor(S, W), D, scheme)
        W_new = _normalise(S, (S @ W @ E) * odm)
        delta = np.abs(W_new - W).max(axis=(1, 2))  # NaN when the update broke down
        W = np.where(active[:, None, None], W_new, W)
        n_iter += active
        active &= ~(delta < tol) & np.isfinite(delta)
        if not active.any():
            break
    converged = np.isfinite(W).all(axis=(1, 2)) & ~active
    # sign indeterminacy: a block whose items mostly load negatively is flipped (plspm's rule)
    loads = (S @ W) * odm
    flip = np.where(np.sign(loads).sum(axis=1) <= 0, -1.0, 1.0)
    return W * flip[:, None, :], n_iter, converged


def _paths(C: np.ndarray, D: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """OLS path coefficients B (batch, L, L; rows from) and R^2 (batch, L) from LV correlations."""
    B = np.zeros_like(C)
    r2 = np.full(C.shape[:2], np.nan)
    for j in range(D.shape[0]):
        pred = np.flatnonzero(D[:, j])
        if len(pred):
            beta = _solve(C[:, pred][:, :, pred], C[:, pred, j])
            B[:, pred, j] = beta
            r2[:, j] = np.einsum("bk,bk->b", beta, C[:, pred, j])
    return B, r2


def _covariance(X: np.ndarray, scaled: bool) -> np.ndarray:
    """Population covariance (divisor n) of the rows of X (batch, n, p); correlation if scaled."""
    Xc = X - X.mean(axis=1, keepdims=True)
    S = np.einsum("bnp,bnq->bpq", Xc, Xc) / X.shape[1]
    if scaled:
        sd = np.sqrt(np.einsum("bpp->bp", S))
        with np.errstate(invalid="ignore", divide="ignore"):
            S = S / sd[:, :, None] / sd[:, None, :]
    return S
