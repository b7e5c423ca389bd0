"""Customer clusters: k-means and Gaussian mixtures on log-standardised features."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .._base import Estimator
from .._validate import data_error, require_columns

__all__ = ["CustomerClusters", "adjusted_rand", "plot_cluster_profile", "plot_cluster_selection"]

# --------------------------------------------------------------------------- clusters


class CustomerClusters(Estimator):
    """k-means or Gaussian-mixture segments on standardised (log) behavioural features.

    For each k in ``k_range`` the model is fitted on z = (log(1 + x) - mean) / sd of the
    ``features`` (``log=False``: on x); k-means is chosen by the highest silhouette
    (Rousseeuw 1987), the Gaussian mixture by the lowest BIC (Schwarz 1978). Clusters are
    renumbered 0..k-1 by descending mean of ``value_column`` (0 = most valuable).

    The default features are the two axes of the VIP chart -- how often and how much per
    visit a customer buys -- which describe a customer's lasting traits; recency and
    tenure describe where it is in its life cycle (see ``crmlab.lifecycle``) and are left
    to the caller.

    Attributes after ``fit``: ``scores_`` (per k: silhouette, inertia or BIC / AIC),
    ``k_``, ``labels_`` (Series by customer_id), ``model_``, ``scaler_``, ``centers_``
    (cluster means of the z-scores).

    Source: MacQueen (1967); Wedel & Kamakura (2000) "Market Segmentation", ch. 5-6;
    scikit-learn's KMeans, GaussianMixture, silhouette_score.
    """

    def __init__(
        self,
        method: str = "kmeans",
        k_range: Sequence[int] = range(2, 9),
        features: Sequence[str] = ("visits_per_year", "avg_order_value"),
        log: bool = True,
        seed: int = 0,
        value_column: str = "monetary",
        silhouette_sample: int | None = 4000,
        n_init: int = 2,
    ):
        self.method = method
        self.k_range = k_range
        self.features = features
        self.log = log
        self.seed = seed
        self.value_column = value_column
        self.silhouette_sample = silhouette_sample
        self.n_init = n_init

    _fitted_attribute = "centers_"

    @classmethod
    def from_params(
        cls,
        centers: pd.DataFrame,
        mean,
        scale,
        log: bool = True,
        value_column: str = "monetary",
    ) -> CustomerClusters:
        """Clusters with known centres, to assign new customers with :meth:`predict`.

        ``centers``: one row per cluster (index = cluster number), one column per feature,
        in the standardised space (z-scores of the features, of log1p(features) when
        ``log``); ``mean`` and ``scale``: the standardisation, per feature (``scaler_.mean_``
        and ``scaler_.scale_`` of a fit). A customer joins the nearest centre (k-means rule).
        """
        from sklearn.preprocessing import StandardScaler

        centers = pd.DataFrame(centers, dtype="float64")
        model = cls(method="kmeans", features=tuple(centers.columns), log=log, value_column=value_column)
        model.scaler_ = StandardScaler()
        model.scaler_.mean_ = np.asarray(mean, dtype=np.float64)
        model.scaler_.scale_ = np.asarray(scale, dtype=np.float64)
        model.scaler_.var_ = model.scaler_.scale_**2
        model.scaler_.n_features_in_ = len(centers.columns)
        model.k_ = len(centers)
        model.centers_ = centers.rename_axis("cluster")
        return model

    def predict(self, table: pd.DataFrame) -> pd.Series:
        """Cluster of each customer of ``table`` (same features), numbered as ``labels_``.

        A fitted model assigns with its chosen scikit-learn model (k-means: nearest
        centroid; Gaussian mixture: highest posterior); a model built with
        :meth:`from_params` assigns each customer to the nearest centre.

        Parameters
        ----------
        table : pandas.DataFrame
            One row per customer with the fitted ``features``.

        Returns
        -------
        pandas.Series
            Cluster per customer, named ``cluster``, on the table's index.
        """
        self._check_fitted()
        z = self.scaler_.transform(self._design(table))
        if getattr(self, "model_", None) is not None:
            lookup = np.zeros(max(self.mapping_) + 1, dtype=np.int64)
            lookup[list(self.mapping_)] = list(self.mapping_.values())
            labels = lookup[self.model_.predict(z)]
        else:
            centers = self.centers_.to_numpy()
            distance = ((z[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2)
            labels = self.centers_.index.to_numpy()[distance.argmin(axis=1)]
        return pd.Series(labels, index=table.index, name="cluster")

    def _design(self, table: pd.DataFrame) -> np.ndarray:
        require_columns(table, list(self.features), "features", "CustomerClusters")
        x = table[list(self.features)].to_numpy(dtype=np.float64)
        bad = ~np.isfinite(x).all(axis=1)
        if self.log:
            bad |= (x <= -1).any(axis=1)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise data_error(
                "features",
                None,
                f"{int(bad.sum())} rows have missing, infinite or (with "
                f"log) values <= -1 in {list(self.features)}",
                n_bad=int(bad.sum()),
                example=f"customer {table.index[i]!r}",
            )
        return np.log1p(x) if self.log else x

    def fit(self, table: pd.DataFrame) -> CustomerClusters:
        """Fit every k in ``k_range`` on ``table`` (e.g. ``customer_features``) and pick one.

        The features are standardised; k-means or a Gaussian mixture is fitted for each k
        (seeded), and k is chosen by the silhouette (Rousseeuw 1987) for k-means or the BIC for
        mixtures; clusters are renumbered by mean value (0 = most valuable).

        Parameters
        ----------
        table : pandas.DataFrame
            One row per customer with the ``features`` columns.

        Returns
        -------
        CustomerClusters
            ``self``, fitted (``k_``, ``labels_``, ``centers_``, ``scores_``, ``models_``).

        Raises
        ------
        ValueError
            For an unknown method, a bad ``k_range`` or too few customers.
        """
        from sklearn.cluster import KMeans
        from sklearn.metrics import silhouette_score
        from sklearn.mixture import GaussianMixture
        from sklearn.preprocessing import StandardScaler

        if self.method not in ("kmeans", "gmm"):
            raise ValueError(f"CustomerClusters: method must be 'kmeans' or 'gmm', not {self.method!r}")
        ks = sorted({int(k) for k in self.k_range})
        if not ks or ks[0] < 2:
            raise ValueError(f"CustomerClusters: k_range must hold integers >= 2, not {list(self.k_range)}")
        x = self._design(table)
        if len(x) <= ks[-1]:
            raise ValueError(f"CustomerClusters: {len(x)} customers are too few for k = {ks[-1]}")
        self.scaler_ = StandardScaler().fit(x)
        z = self.scaler_.transform(x)
        sample = (
            None
            if self.silhouette_sample is None or len(z) <= self.silhouette_sample
            else self.silhouette_sample
        )
        rows, models = [], {}
        for k in ks:
            if self.method == "kmeans":
                model = KMeans(n_clusters=k, n_init=self.n_init, random_state=self.seed).fit(z)
                labels = model.labels_
                row = {"k": k, "inertia": model.inertia_}
            else:
                model = GaussianMixture(
                    n_components=k, covariance_type="full", n_init=self.n_init, random_state=self.seed
                ).fit(z)
                labels = model.predict(z)
                row = {"k": k, "bic": model.bic(z), "aic": model.aic(z)}
            row["silhouette"] = (
                silhouette_score(z, labels, sample_size=sample, random_state=self.seed)
                if len(np.unique(labels)) > 1
                else np.nan
            )
            rows.append(row)
            models[k] = (model, labels)
        self.scores_ = pd.DataFrame(rows).set_index("k")
        if self.method == "kmeans":
            self.k_ = int(self.scores_["silhouette"].idxmax())
        else:
            self.k_ = int(self.scores_["bic"].idxmin())
        self.models_ = {k: m for k, (m, _) in models.items()}
        self.model_, raw = models[self.k_]
        self.labels_ = self._relabel(table, raw, z)
        return self

    def _relabel(self, table, raw, z) -> pd.Series:
        value = (
            table[self.value_column].to_numpy(dtype=float)
            if self.value_column in table.columns
            else np.ones(len(raw))
        )
        means = pd.Series(value).groupby(raw).mean()
        sizes = pd.Series(raw).value_counts()
        order = sorted(means.index, key=lambda c: (-means[c], -sizes[c]))
        self.mapping_ = {int(old): new for new, old in enumerate(order)}
        lookup = np.zeros(max(self.mapping_) + 1, dtype=np.int64)
        lookup[list(self.mapping_)] = list(self.mapping_.values())
        labels = lookup[np.asarray(raw, dtype=np.int64)]
        self.centers_ = pd.DataFrame(z, columns=list(self.features)).groupby(labels).mean()
        self.centers_.index.name = "cluster"
        return pd.Series(labels, index=table.index, name="cluster")

    def labels_for(self, k: int, table: pd.DataFrame) -> pd.Series:
        """Labels of the fitted model with ``k`` clusters (not renumbered by value).

        Parameters
        ----------
        k : int
            One of the fitted ``k_range``.
        table : pandas.DataFrame
            One row per customer with the fitted features.

        Returns
        -------
        pandas.Series
            Cluster per customer, named ``cluster``.
        """
        self._check_fitted()
        model = self.models_[k]
        z = self.scaler_.transform(self._design(table))
        return pd.Series(model.predict(z), index=table.index, name="cluster")

    def summary(self) -> pd.DataFrame:
        """Model-selection table: per k the silhouette and inertia (k-means) or BIC / AIC.

        Returns
        -------
        pandas.DataFrame
            One row per k with its scores and ``chosen`` (a model from ``from_params``: its
            centres).
        """
        self._check_fitted()
        if getattr(self, "scores_", None) is None:
            return self.centers_.assign(chosen=True)
        out = self.scores_.copy()
        out["chosen"] = out.index == self.k_
        return out

    def profile(self, table: pd.DataFrame) -> pd.DataFrame:
        """Cluster profile: customers, share, mean of each numeric column, revenue share.

        Parameters
        ----------
        table : pandas.DataFrame
            The customers' table (features and any other numeric columns), same index as fitted.

        Returns
        -------
        pandas.DataFrame
            One row per cluster.
        """
        self._check_fitted()
        labels = self.labels_.reindex(table.index)
        numeric = table.select_dtypes("number")
        g = numeric.groupby(labels)
        out = g.mean()
        out.insert(0, "customers", g.size())
        out.insert(1, "share", out["customers"] / out["customers"].sum())
        if self.value_column in numeric.columns:
            total = g[self.value_column].sum()
            out.insert(2, "revenue_share", total / total.sum())
        out.index = out.index.astype(int)
        out.index.name = "cluster"
        return out


def adjusted_rand(labels: pd.Series, truth: pd.Series) -> float:
    """Adjusted Rand index between two labelings of the same customers (Hubert & Arabie 1985).

    1 = identical partitions, about 0 = no better than chance. Aligned on the index; only
    customers present in both count.

    Parameters
    ----------
    labels, truth : pandas.Series
        Two labelings indexed by customer_id.

    Returns
    -------
    float
        The adjusted Rand index.
    """
    from sklearn.metrics import adjusted_rand_score

    common = labels.index.intersection(truth.index)
    if len(common) == 0:
        raise ValueError("adjusted_rand: the two labelings share no customer_id")
    return float(adjusted_rand_score(truth.loc[common].astype(str), labels.loc[common].astype(str)))


def plot_cluster_profile(clusters: CustomerClusters, ax=None):
    """Heatmap of the cluster means of the standardised features (z-scores), sizes in labels.

    Parameters
    ----------
    clusters : CustomerClusters
        A fitted model.
    ax : matplotlib.axes.Axes, optional
        Drawn on if given, else on a new figure.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.
    """
    import matplotlib.pyplot as plt
    import seaborn as sns

    if ax is None:
        _, ax = plt.subplots(figsize=(1.6 * len(clusters.features) + 2, 0.5 * clusters.k_ + 1.5))
    centers = clusters.centers_.copy()
    sizes = clusters.labels_.value_counts()
    centers.index = [f"{c} (n={sizes.get(c, 0):,})" for c in centers.index]
    sns.heatmap(
        centers,
        annot=True,
        fmt=".2f",
        cmap="RdBu_r",
        center=0,
        ax=ax,
        cbar_kws={"label": "mean z-score" + (" of log(1+x)" if clusters.log else "")},
    )
    ax.tick_params(axis="y", rotation=0)
    ax.set_xlabel("feature")
    ax.set_ylabel("cluster")
    ax.set_title(f"{clusters.method} clusters, k = {clusters.k_}")
    return ax


def plot_cluster_selection(clusters: CustomerClusters, ax=None):
    """Silhouette (and BIC for mixtures) against k, the chosen k marked.

    Parameters
    ----------
    clusters : CustomerClusters
        A fitted model (with ``scores_``).
    ax : matplotlib.axes.Axes, optional
        Drawn on if given, else on a new figure.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5))
    scores = clusters.scores_
    ax.plot(scores.index, scores["silhouette"], "o-", color="C0", label="silhouette")
    ax.axvline(clusters.k_, color="grey", ls="--", lw=1)
    ax.set_xlabel("k")
    ax.set_ylabel("silhouette", color="C0")
    if "bic" in scores.columns:
        twin = ax.twinx()
        twin.plot(scores.index, scores["bic"], "s-", color="C1", label="BIC")
        twin.set_ylabel("BIC", color="C1")
    ax.set_title(f"choice of k ({clusters.method}): k = {clusters.k_}")
    return ax
