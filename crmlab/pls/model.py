"""The PLS path model estimator."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats

from .._base import Estimator
from .._validate import bad_rows, data_error
from ..exceptions import NotFittedError
from .algorithm import _covariance, _lv_cor, _paths, _pls_weights
from .specification import SCHEMES, _check_spec

__all__ = ["PLSPathModel"]


_fail = data_error  # the house error message: table.column: message (example: ...)


# --------------------------------------------------------------------------- the estimator


class PLSPathModel(Estimator):
    """PLS path model with reflective (Mode A) blocks, estimated by Wold's algorithm.

    ``Y_j = X_j w_j`` (unit variance), ``w_jh = cov(x_jh, sum_i e_ji Y_i)`` iterated
    to a fixed point; path coefficients are OLS of each endogenous score on its
    predecessors. Wold (1982); Lohmoeller (1989); Tenenhaus et al. (2005).

    Parameters
    ----------
    inner : list of (from, to) latent pairs; must be acyclic and connect every latent.
    blocks : dict {latent: [indicator columns]}; each column in one block only.
    scheme : inner weighting, ``"centroid"`` (default, SmartPLS/plspm default),
        ``"factorial"`` or ``"path"``.
    max_iter, tol : stop when no outer weight changes by more than ``tol``.
    scaled : standardise indicators (default, population sd) or only centre them.

    Fitted attributes (all pandas, labelled by latent / indicator names):
    ``path_coefficients_`` (rows from, columns to, 0 where no path),
    ``r_squared_``, ``r_squared_adj_`` (endogenous latents), ``outer_weights_``
    and ``loadings_`` (index indicator, columns latent and value),
    ``cross_loadings_``, ``scores_`` (indexed by customer_id when the data has
    one), ``ave_``, ``composite_reliability_`` (Dillon-Goldstein rho),
    ``cronbach_alpha_``, ``total_effects_``, ``indirect_effects_``,
    ``latent_correlations_``, ``gof_``, ``n_iter_``, ``converged_``, ``n_obs_``.
    """

    _fitted_attribute = "outer_weights_"

    def __init__(
        self,
        inner,
        blocks,
        scheme: str = "centroid",
        max_iter: int = 300,
        tol: float = 1e-7,
        scaled: bool = True,
    ):
        self.inner = inner
        self.blocks = blocks
        self.scheme = scheme
        self.max_iter = max_iter
        self.tol = tol
        self.scaled = scaled

    def _validate(self) -> None:
        """Check the hyper-parameters and the model specification (at fit / from_params)."""
        if self.scheme not in SCHEMES:
            raise ValueError(f"scheme must be one of {SCHEMES}, not {self.scheme!r}")
        if int(self.max_iter) != self.max_iter or self.max_iter < 1:
            raise ValueError(f"max_iter must be a positive integer, not {self.max_iter!r}")
        if not self.tol > 0:
            raise ValueError(f"tol must be positive, not {self.tol!r}")
        self._latents, self._indicators, self._block_of, self._D = _check_spec(self.inner, self.blocks)
        self._odm = (self._block_of[:, None] == np.arange(len(self._latents))[None, :]).astype(float)

    @classmethod
    def from_params(cls, inner, blocks, outer_weights, scaled: bool = True) -> PLSPathModel:
        """A model with known outer weights (e.g. a published index), to score new respondents.

        ``outer_weights``: mapping or Series {indicator: weight}, one per indicator of ``blocks``.
        The model can :meth:`transform` survey data into latent scores; path coefficients and
        quality measures need :meth:`fit`.
        """
        model = cls(inner, blocks, scaled=scaled)
        model._validate()
        weights = pd.Series(outer_weights, dtype="float64")
        missing = [c for c in model._indicators if c not in weights.index]
        if missing:
            raise ValueError(f"from_params: outer_weights has no weight for indicator(s) {missing}")
        block_names = [model._latents[j] for j in model._block_of]
        index = pd.Index(model._indicators, name="indicator")
        model.outer_weights_ = pd.DataFrame(
            {"latent": block_names, "weight": weights.reindex(model._indicators).to_numpy()}, index=index
        )
        return model

    def _weight_matrix(self) -> np.ndarray:
        W = np.zeros((len(self._indicators), len(self._latents)))
        W[np.arange(len(self._indicators)), self._block_of] = self.outer_weights_["weight"].to_numpy()
        return W

    def transform(self, data: pd.DataFrame, table: str = "survey") -> pd.DataFrame:
        """Latent scores of ``data`` with the model's outer weights.

        ``Y = Z W``, Z the indicators standardised with the population sd of ``data`` (centred
        only when ``scaled=False``): on the data a model was fitted to this is ``scores_``.

        Parameters
        ----------
        data : pandas.DataFrame
            A table with every indicator column, complete and numeric.
        table : str
            The table's name in error messages.

        Returns
        -------
        pandas.DataFrame
            Latent scores, one column per latent variable.
        """
        self._check_fitted()
        return self._scores(self._matrix(data, table), self._weight_matrix(), data)

    def __repr__(self) -> str:
        if not self.is_fitted:
            return super().__repr__()
        return (
            f"PLSPathModel({len(self._latents)} latents, {int(self._D.sum())} paths, "
            f"{len(self._indicators)} indicators, scheme={self.scheme!r})"
        )

    # ------------------------------------------------------------------ data
    def _matrix(self, data: pd.DataFrame, table: str) -> np.ndarray:
        if not isinstance(data, pd.DataFrame):
            raise TypeError(f"data must be a pandas DataFrame, not {type(data).__name__}")
        missing = [c for c in self._indicators if c not in data.columns]
        if missing:
            raise _fail(
                table,
                missing[0],
                f"missing indicator column(s) {missing}; found {[str(c) for c in data.columns]}",
                n_bad=len(missing),
            )
        if len(data) < 3:
            raise _fail(table, None, f"{len(data)} rows; a PLS path model needs at least 3", n_bad=len(data))
        columns = []
        for c in self._indicators:
            raw = data[c]
            if pd.api.types.is_bool_dtype(raw):
                raw = raw.astype("float64")
            values = pd.to_numeric(raw, errors="coerce")
            na = raw.isna().to_numpy()
            if na.any():
                raise bad_rows(
                    data,
                    na,
                    table,
                    c,
                    "are missing; PLS needs complete answers (drop or impute those rows first)",
                    ["customer_id", c],
                )
            nonnum = values.isna().to_numpy()
            if nonnum.any():
                raise bad_rows(data, nonnum, table, c, "are not numbers", ["customer_id", c])
            values = values.to_numpy(dtype="float64")
            inf = ~np.isfinite(values)
            if inf.any():
                raise bad_rows(data, inf, table, c, "are infinite", ["customer_id", c])
            if values.max() == values.min():
                raise _fail(
                    table,
                    c,
                    f"is constant (all {len(values):,} rows = {values[0]:g}); "
                    "an indicator without variance measures nothing: drop it",
                    n_bad=len(values),
                    example=f"row {data.index[0]!r}: {c}={values[0]:g}",
                )
            columns.append(values)
        return np.column_stack(columns)

    # ------------------------------------------------------------------ fit
    def fit(self, data: pd.DataFrame, table: str = "survey") -> PLSPathModel:
        """Estimate weights, scores, paths and quality measures from a survey table.

        ``data`` needs every indicator column, complete and numeric; other
        columns are ignored (``customer_id``, if present, indexes ``scores_``).

        Parameters
        ----------
        data : pandas.DataFrame
            The survey: every indicator column, complete and numeric.
        table : str
            The table's name in error messages.

        Returns
        -------
        PLSPathModel
            ``self``, fitted (``outer_weights_``, ``scores_``, ``paths_``, ...).
        """
        self._validate()
        X = self._matrix(data, table)
        n = X.shape[0]
        latents, D = self._latents, self._D
        S = _covariance(X[None], self.scaled)
        W, n_iter, converged = _pls_weights(S, self._odm, D, self.scheme, int(self.max_iter), float(self.tol))
        if not np.isfinite(W).all():
            raise _fail(
                table,
                None,
                "the PLS weights are undefined: some latent's inner "
                "estimate is zero (uncorrelated with all its neighbours) or its "
                "predecessors' scores are collinear",
            )
        self.n_iter_ = int(n_iter[0])
        self.converged_ = bool(converged[0])
        if not self.converged_:
            warnings.warn(
                f"PLS did not converge in {self.max_iter} iterations (tol={self.tol:g}); "
                "raise max_iter or check the model",
                RuntimeWarning,
                stacklevel=2,
            )
        C = _lv_cor(S, W)
        B, r2 = _paths(C, D)
        if not np.isfinite(B).all():
            bad = [latents[j] for j in range(len(latents)) if not np.isfinite(B[0][:, j]).all()]
            raise _fail(
                table,
                None,
                f"the scores of the predecessors of {bad} are collinear "
                "(perfectly correlated): their paths cannot be separated",
            )
        S, W, C, B, r2 = S[0], W[0], C[0], B[0], r2[0]
        self._X, self._n, self._W = X, n, W
        self.scores_ = self._scores(X, W, data)
        loading = self._outer_model(S, W)
        self._reliability(S, loading)
        self._inner_model(C, B, r2, n)
        # Tenenhaus et al. (2005) GoF: sqrt(mean communality of multi-item blocks * mean R^2)
        multi = self._block_size.to_numpy()[self._block_of] > 1
        self.gof_ = (
            float(np.sqrt(np.mean(loading[multi] ** 2) * np.mean(self.r_squared_.to_numpy())))
            if multi.any()
            else float("nan")
        )
        self.n_obs_ = n
        return self

    def _scores(self, X: np.ndarray, W: np.ndarray, data: pd.DataFrame) -> pd.DataFrame:
        """Standardised (or centred) indicators times weights; mean 0, variance 1."""
        Xc = X - X.mean(axis=0)
        if self.scaled:
            Xc = Xc / Xc.std(axis=0)
        index = (
            pd.Index(data["customer_id"], name="customer_id") if "customer_id" in data.columns else data.index
        )
        return pd.DataFrame(Xc @ W, index=index, columns=pd.Index(self._latents, name="latent"))

    def _outer_model(self, S: np.ndarray, W: np.ndarray) -> np.ndarray:
        """Outer weights, loadings and cross-loadings; returns each indicator's loading."""
        latents, p = self._latents, len(self._indicators)
        sd_x = np.sqrt(np.diag(S))
        xload = (S @ W) / sd_x[:, None]  # cor(x_h, Y_j), as var(Y_j) = 1
        block_names = [latents[j] for j in self._block_of]
        rows = np.arange(p)
        weight = W[rows, self._block_of]
        loading = xload[rows, self._block_of]
        ind_index = pd.Index(self._indicators, name="indicator")
        self.outer_weights_ = pd.DataFrame({"latent": block_names, "weight": weight}, index=ind_index)
        self.loadings_ = pd.DataFrame({"latent": block_names, "loading": loading}, index=ind_index)
        self.cross_loadings_ = pd.DataFrame(xload, index=ind_index, columns=pd.Index(latents, name="latent"))
        return loading

    def _reliability(self, S: np.ndarray, loading: np.ndarray) -> None:
        """AVE, composite reliability and Cronbach's alpha per block."""
        lat_index = pd.Index(self._latents, name="latent")
        sd_x = np.sqrt(np.diag(S))
        R = S / sd_x[:, None] / sd_x[None, :]  # indicator correlations
        ave, rho, alpha, size = [], [], [], []
        for j in range(len(self._latents)):
            members = np.flatnonzero(self._block_of == j)
            lam = loading[members]
            k = len(members)
            size.append(k)
            ave.append(float(np.mean(lam**2)))
            rho.append(float(lam.sum() ** 2 / (lam.sum() ** 2 + np.sum(1 - lam**2))))
            total = R[np.ix_(members, members)].sum()
            alpha.append(1.0 if k == 1 else float(k / (k - 1) * (1 - k / total)))
        self.ave_ = pd.Series(ave, index=lat_index, name="ave")
        self.composite_reliability_ = pd.Series(rho, index=lat_index, name="composite_reliability")
        self.cronbach_alpha_ = pd.Series(alpha, index=lat_index, name="cronbach_alpha")
        self._block_size = pd.Series(size, index=lat_index, name="indicators")

    def _inner_model(self, C: np.ndarray, B: np.ndarray, r2: np.ndarray, n: int) -> None:
        """Paths, R^2 (plain and adjusted), total and indirect effects, OLS standard errors."""
        latents, D = self._latents, self._D
        lat_index = pd.Index(latents, name="latent")
        endogenous = D.any(axis=0)
        self.latent_correlations_ = pd.DataFrame(C, index=lat_index, columns=lat_index)
        self.path_coefficients_ = pd.DataFrame(
            B, index=pd.Index(latents, name="from"), columns=pd.Index(latents, name="to")
        )
        endo_names = [latents[j] for j in np.flatnonzero(endogenous)]
        r2_endo = r2[endogenous]
        n_pred = D.sum(axis=0)[endogenous]
        self.r_squared_ = pd.Series(r2_endo, index=pd.Index(endo_names, name="latent"), name="r_squared")
        self.r_squared_adj_ = pd.Series(
            1 - (1 - r2_endo) * (n - 1) / (n - n_pred - 1), index=self.r_squared_.index, name="r_squared_adj"
        )
        total = np.linalg.inv(np.eye(len(latents)) - B) - np.eye(len(latents))
        self.total_effects_ = pd.DataFrame(
            total, index=self.path_coefficients_.index, columns=self.path_coefficients_.columns
        )
        self.indirect_effects_ = self.total_effects_ - self.path_coefficients_
        # OLS standard errors of the paths: var(b) = (1 - R^2) / (n - k - 1) * inv(C_pred)
        se = np.full_like(B, np.nan)
        for j in np.flatnonzero(endogenous):
            pred = np.flatnonzero(D[:, j])
            dof = n - len(pred) - 1
            if dof > 0:
                inv = np.linalg.inv(C[np.ix_(pred, pred)])
                se[pred, j] = np.sqrt(np.maximum(1 - r2[j], 0) / dof * np.diag(inv))
        self._se = se

    def _check_estimated(self) -> None:
        """Path estimates exist only after fit (not for a model built with from_params)."""
        self._check_fitted()
        if getattr(self, "path_coefficients_", None) is None:
            raise NotFittedError(
                "this PLSPathModel was built from outer weights only: fit(data) estimates paths"
            )

    def _path_list(self) -> list[tuple[int, int]]:
        src, dst = np.nonzero(self._D)
        order = np.lexsort((src, dst))  # by endogenous latent, then predecessor (blocks order)
        return [(int(src[k]), int(dst[k])) for k in order]

    # ------------------------------------------------------------------ reports
    def summary(self) -> pd.DataFrame:
        """Path table: coefficient, OLS standard error, t, p-value and total effect per path.

        Standard errors are those of the OLS regression on the latent scores
        (as plspm's ``inner_model``); they ignore that the scores are estimated,
        so prefer :meth:`bootstrap` for inference.

        Returns
        -------
        pandas.DataFrame
            Indexed by (from, to).
        """
        self._check_estimated()
        latents = self._latents
        rows = []
        for i, j in self._path_list():
            b = self.path_coefficients_.iat[i, j]
            se = self._se[i, j]
            dof = self.n_obs_ - int(self._D[:, j].sum()) - 1
            t = b / se if se > 0 else np.nan
            rows.append(
                {
                    "from": latents[i],
                    "to": latents[j],
                    "path": b,
                    "se": se,
                    "t": t,
                    "p_value": float(2 * stats.t.sf(abs(t), dof)) if np.isfinite(t) else np.nan,
                    "total_effect": self.total_effects_.iat[i, j],
                }
            )
        return pd.DataFrame(rows).set_index(["from", "to"])

    def reliability(self) -> pd.DataFrame:
        """Per latent: indicators, Cronbach alpha, composite reliability, AVE and R^2.

        alpha = k/(k-1) (1 - k / sum R) on standardised items (Cronbach 1951);
        rho_c = (sum l)^2 / ((sum l)^2 + sum(1 - l^2)) (Dillon & Goldstein 1984;
        Werts, Linn & Joereskog 1974); AVE = mean l^2 (Fornell & Larcker 1981);
        l are the PLS loadings. Single-item blocks get 1 for all three.

        Returns
        -------
        pandas.DataFrame
            One row per latent variable.
        """
        self._check_estimated()
        out = pd.concat(
            [self._block_size, self.cronbach_alpha_, self.composite_reliability_, self.ave_], axis=1
        )
        out["r_squared"] = self.r_squared_.reindex(out.index)
        return out

    # ------------------------------------------------------------------ bootstrap
    def bootstrap(
        self, n_boot: int = 500, seed: int = 0, level: float = 0.95, chunk: int = 100
    ) -> pd.DataFrame:
        """Bootstrap every path coefficient: resample respondents with replacement, refit.

        Returns a DataFrame indexed by (from, to) with the ``original``
        estimate, the bootstrap ``mean`` and ``sd``, ``t`` = original / sd and
        the percentile confidence interval ``ci_low``, ``ci_high`` at ``level``
        (Efron & Tibshirani 1993; as SmartPLS and plspm). Resamples where an
        indicator is constant or PLS does not converge are dropped and counted
        in ``.attrs["n_failed"]``. The draws are kept in ``bootstrap_draws_``.

        Parameters
        ----------
        n_boot : int
            Bootstrap resamples (>= 2).
        seed : int
            Seed of the resampling.
        level : float
            Confidence level of the percentile interval, in (0, 1).
        chunk : int
            Resamples estimated together (memory against speed).

        Returns
        -------
        pandas.DataFrame
            Indexed by (from, to): original, mean, sd, t, ci_low, ci_high.
        """
        self._check_estimated()
        if int(n_boot) != n_boot or n_boot < 2:
            raise ValueError(f"n_boot must be an integer >= 2, not {n_boot!r}")
        if not 0 < level < 1:
            raise ValueError(f"level must be between 0 and 1, not {level!r}")
        X, n, D = self._X, self._n, self._D
        rng = np.random.default_rng(seed)
        idx = rng.integers(0, n, size=(int(n_boot), n))
        pairs = self._path_list()
        src = np.array([i for i, _ in pairs])
        dst = np.array([j for _, j in pairs])
        draws = np.full((int(n_boot), len(pairs)), np.nan)
        for start in range(0, int(n_boot), chunk):
            rows = idx[start : start + chunk]
            S = _covariance(X[rows], self.scaled)
            ok = np.isfinite(S).all(axis=(1, 2))
            S_ok = S[ok]
            if not len(S_ok):
                continue
            W, _, converged = _pls_weights(
                S_ok, self._odm, D, self.scheme, int(self.max_iter), float(self.tol)
            )
            good = converged & np.isfinite(W).all(axis=(1, 2))
            B, _ = _paths(_lv_cor(S_ok[good], W[good]), D)
            block = np.full((len(rows), len(pairs)), np.nan)
            block[np.flatnonzero(ok)[good]] = B[:, src, dst]
            draws[start : start + chunk] = block
        failed = np.isnan(draws).any(axis=1)
        if failed.any():
            warnings.warn(
                f"{int(failed.sum())} of {n_boot} bootstrap resamples failed (constant "
                "indicator or no convergence) and were dropped",
                RuntimeWarning,
                stacklevel=2,
            )
        kept = draws[~failed]
        names = pd.MultiIndex.from_tuples(
            [(self._latents[i], self._latents[j]) for i, j in pairs], names=["from", "to"]
        )
        self.bootstrap_draws_ = pd.DataFrame(kept, columns=names)
        original = self.path_coefficients_.to_numpy()[src, dst]
        sd = kept.std(axis=0, ddof=1)
        tail = (1 - level) / 2
        out = pd.DataFrame(
            {
                "original": original,
                "mean": kept.mean(axis=0),
                "sd": sd,
                "t": original / sd,
                "ci_low": np.quantile(kept, tail, axis=0),
                "ci_high": np.quantile(kept, 1 - tail, axis=0),
            },
            index=names,
        )
        out.attrs.update(n_boot=int(n_boot), seed=seed, level=level, n_failed=int(failed.sum()))
        return out
