"""Profiling and segmentation: behavioural features, clusters, value tiers, the VIP
four-quadrant chart and one profiling table per segmentation basis.

The analytical-CRM "7P" starts with *profiling*: dividing customers by demographics,
geography, purchase behaviour, satisfaction and loyalty (Kotler & Keller 2016, ch. 9;
Wedel & Kamakura 2000 for the bases). Every function here takes canonical tables (see
``crmlab.data``) and returns a DataFrame indexed by ``customer_id`` or a summary table.

Conventions shared by the functions:

* ``observation_end`` is the last day observed (inclusive); ``None`` = the last
  transaction date. Later transactions are ignored.
* A *visit* is a purchase day: several orders of one customer on one day count once.
* ``window_months`` windows are ``(observation_end - window_months months, observation_end]``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ._base import Estimator
from ._validate import data_error, require_columns, resolve_observation_end

__all__ = [
    "customer_features",
    "CustomerClusters",
    "adjusted_rand",
    "plot_cluster_profile",
    "plot_cluster_selection",
    "VALUE_TIER_STRATEGIES",
    "value_tiers",
    "value_tier_summary",
    "QUADRANT_LABELS",
    "vip_quadrants",
    "quadrant_summary",
    "plot_vip_quadrants",
    "SEGMENTATION_BASES",
    "segmentation_bases",
    "plot_share_vs_revenue",
    "plot_basis",
]


# --------------------------------------------------------------------------- helpers


def _end(transactions: pd.DataFrame, observation_end) -> pd.Timestamp:
    return resolve_observation_end(transactions["date"], observation_end)


def _visits(transactions: pd.DataFrame, observation_end=None, start=None) -> pd.DataFrame:
    """One row per (customer, purchase day) with the day's spend (and margin if ``cost``)."""
    require_columns(transactions, ["customer_id", "date", "amount"], "transactions", "crmlab.segment")
    end = _end(transactions, observation_end)
    day = transactions["date"].dt.normalize()
    keep = day <= end
    if start is not None:
        keep &= day > pd.Timestamp(start).normalize()
    cols = {
        "customer_id": transactions["customer_id"][keep],
        "day": day[keep],
        "amount": transactions["amount"][keep],
    }
    if "cost" in transactions.columns:
        cols["margin"] = (transactions["amount"] - transactions["cost"])[keep]
    frame = pd.DataFrame(cols)
    return frame.groupby(["customer_id", "day"], sort=False, observed=True).sum().reset_index()


def _signed_up(customers: pd.DataFrame, end: pd.Timestamp) -> pd.DataFrame:
    """Customers who had signed up by ``end`` (all of them without a ``signup_date``)."""
    if "signup_date" not in customers.columns:
        return customers
    return customers[~(pd.to_datetime(customers["signup_date"]) > end)]


def _window_start(end: pd.Timestamp, months: int) -> pd.Timestamp:
    if not isinstance(months, (int, np.integer)) or months < 1:
        raise ValueError(f"window_months must be a positive integer, not {months!r}")
    return end - pd.DateOffset(months=int(months))


# --------------------------------------------------------------------------- features


def customer_features(transactions: pd.DataFrame, observation_end=None) -> pd.DataFrame:
    """Behavioural features per customer who bought by ``observation_end``.

    Columns: ``recency_days`` (days since the last visit), ``frequency`` (visits),
    ``monetary`` (total spend), ``avg_order_value`` = monetary / frequency (spend per
    visit), ``tenure_days`` (days since the first visit), ``visits_per_year`` =
    frequency / max(tenure_days + 1, 30) * 365.25 (customers younger than a month are
    annualised over 30 days), ``promo_share`` (share of orders with a ``promotion_id``,
    where the column exists) and ``margin`` (amount - cost, where ``cost`` exists).
    Amounts in the currency of ``amount``.
    """
    visits = _visits(transactions, observation_end)
    end = _end(transactions, observation_end)
    g = visits.groupby("customer_id", sort=True, observed=True)
    out = pd.DataFrame(
        {
            "recency_days": (end - g["day"].max()).dt.days.astype(float),
            "frequency": g.size().astype(float),
            "monetary": g["amount"].sum(),
        }
    )
    out["avg_order_value"] = out["monetary"] / out["frequency"]
    out["tenure_days"] = (end - g["day"].min()).dt.days.astype(float)
    out["visits_per_year"] = out["frequency"] / np.maximum(out["tenure_days"] + 1, 30) * 365.25
    if "promotion_id" in transactions.columns:
        kept = transactions[transactions["date"].dt.normalize() <= end]
        promo = kept["promotion_id"].notna().groupby(kept["customer_id"], observed=True).mean()
        out["promo_share"] = promo.reindex(out.index).to_numpy()
    if "margin" in visits.columns:
        out["margin"] = g["margin"].sum()
    out.index.name = "customer_id"
    return out


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
        """Fit every k in ``k_range`` on ``table`` (e.g. ``customer_features``) and pick one."""
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
        """Labels of the fitted model with ``k`` clusters (not renumbered by value)."""
        self._check_fitted()
        model = self.models_[k]
        z = self.scaler_.transform(self._design(table))
        return pd.Series(model.predict(z), index=table.index, name="cluster")

    def summary(self) -> pd.DataFrame:
        """Model-selection table: per k the silhouette and inertia (k-means) or BIC / AIC."""
        self._check_fitted()
        if getattr(self, "scores_", None) is None:
            return self.centers_.assign(chosen=True)
        out = self.scores_.copy()
        out["chosen"] = out.index == self.k_
        return out

    def profile(self, table: pd.DataFrame) -> pd.DataFrame:
        """Cluster profile: customers, share, mean of each numeric column, revenue share."""
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
    """
    from sklearn.metrics import adjusted_rand_score

    common = labels.index.intersection(truth.index)
    if len(common) == 0:
        raise ValueError("adjusted_rand: the two labelings share no customer_id")
    return float(adjusted_rand_score(truth.loc[common].astype(str), labels.loc[common].astype(str)))


def plot_cluster_profile(clusters: CustomerClusters, ax=None):
    """Heatmap of the cluster means of the standardised features (z-scores), sizes in labels."""
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
    """Silhouette (and BIC for mixtures) against k, the chosen k marked."""
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


# --------------------------------------------------------------------------- value tiers

VALUE_TIER_STRATEGIES = {
    "high": "personalised service, loyalty points, exclusive coupons",
    "mid": "promotions, similar-product recommendations, cross-selling",
    "low": "improve products and after-sales service; find out what is missing",
    "no value": "phase out, or a low-cost attempt to re-convert",
}


def value_tiers(
    transactions: pd.DataFrame,
    survey: pd.DataFrame | None = None,
    customers: pd.DataFrame | None = None,
    observation_end=None,
    window_months: int = 12,
    shares: tuple[float, float] = (0.2, 0.3),
    satisfaction: str = "satisfaction",
) -> pd.DataFrame:
    """Four value tiers (high / mid / low / no value) by frequency, spend and satisfaction.

    In the window of ``window_months`` before ``observation_end``: ``frequency`` = visits,
    ``amount`` = spend; ``satisfaction`` from the survey column of that name where the
    customer answered. value_index = mean of the percentile ranks (0..1] of frequency,
    amount and satisfaction among active customers (satisfaction left out where missing).
    Tiers: **no value** = no purchase in the window (including customers in ``customers``
    who had signed up by ``observation_end`` but never bought); among the others the top
    ``shares[0]`` of value_index are **high**, the next ``shares[1]`` **mid**, the rest **low**.

    Source: the value pyramid of Curry & Curry (2000), "The Customer Marketing Method";
    Zeithaml, Rust & Lemon (2001) "The customer pyramid".
    """
    require_columns(transactions, ["customer_id", "date", "amount"], "transactions", "value_tiers")
    if len(shares) != 2 or min(shares) <= 0 or sum(shares) >= 1:
        raise ValueError(f"value_tiers: shares must be two positive fractions summing below 1, not {shares}")
    end = _end(transactions, observation_end)
    visits = _visits(transactions, end, start=_window_start(end, window_months))
    g = visits.groupby("customer_id", observed=True)
    out = pd.DataFrame({"frequency": g.size().astype(float), "amount": g["amount"].sum()})
    everyone = pd.Index(transactions.loc[transactions["date"].dt.normalize() <= end, "customer_id"].unique())
    if customers is not None:
        require_columns(customers, ["customer_id"], "customers", "value_tiers")
        everyone = everyone.union(pd.Index(_signed_up(customers, end)["customer_id"].unique()))
    out = out.reindex(everyone.union(out.index)).fillna({"frequency": 0.0, "amount": 0.0})
    out.index.name = "customer_id"
    if survey is not None and satisfaction in survey.columns:
        sat = survey.drop_duplicates("customer_id").set_index("customer_id")[satisfaction]
        out["satisfaction"] = sat.reindex(out.index).to_numpy(dtype=float)
    else:
        out["satisfaction"] = np.nan
    active = out["frequency"] > 0
    ranks = out.loc[active, ["frequency", "amount", "satisfaction"]].rank(pct=True)
    out["value_index"] = ranks.mean(axis=1, skipna=True).reindex(out.index)
    order = out.loc[active, "value_index"].rank(ascending=False, method="first") / active.sum()
    tier = pd.Series("no value", index=out.index, dtype=object)
    tier[order.index] = np.select(
        [order <= shares[0], order <= shares[0] + shares[1]], ["high", "mid"], "low"
    )
    out["tier"] = pd.Categorical(tier, categories=list(VALUE_TIER_STRATEGIES), ordered=True)
    return out


def value_tier_summary(tiers: pd.DataFrame) -> pd.DataFrame:
    """Customers, share, revenue, revenue share, means and the strategy of each value tier."""
    require_columns(tiers, ["tier", "frequency", "amount", "satisfaction"], "tiers", "value_tier_summary")
    g = tiers.groupby("tier", observed=False)
    out = pd.DataFrame(
        {
            "customers": g.size(),
            "revenue": g["amount"].sum(),
            "visits_per_customer": g["frequency"].mean(),
            "spend_per_customer": g["amount"].mean(),
            "satisfaction": g["satisfaction"].mean(),
        }
    )
    out.insert(1, "share", out["customers"] / out["customers"].sum())
    total = out["revenue"].sum()
    out.insert(3, "revenue_share", out["revenue"] / total if total > 0 else np.nan)
    out["strategy"] = [VALUE_TIER_STRATEGIES[t] for t in out.index]
    out.index = pd.Index(out.index.astype(str), name="tier")
    return out


# --------------------------------------------------------------------------- VIP quadrants

QUADRANT_LABELS = {
    1: "gold (frequent, high spend)",
    2: "potential: raise frequency",
    3: "maintain only",
    4: "potential: raise spend per visit",
}


def vip_quadrants(transactions: pd.DataFrame, observation_end=None, window_months: int = 12) -> pd.DataFrame:
    """The retail VIP four-quadrant chart: yearly repurchase frequency against spend per visit.

    For customers with a visit in the window of ``window_months`` before
    ``observation_end``: x = ``visits`` (purchase days in the window; with the default 12
    months, the yearly repurchase frequency), y = ``spend_per_visit`` = spend / visits.
    The cross-hair is at the means of x and y (kept in ``.attrs["x_mean"]``,
    ``.attrs["y_mean"]``). Quadrant 1: x >= mean and y >= mean (gold customers);
    2: x < mean, y >= mean and 4: x >= mean, y < mean (potential); 3: both below
    (maintain only).
    """
    end = _end(transactions, observation_end)
    visits = _visits(transactions, end, start=_window_start(end, window_months))
    g = visits.groupby("customer_id", observed=True)
    out = pd.DataFrame({"visits": g.size().astype(float), "spend": g["amount"].sum()})
    if out.empty:
        raise data_error(
            "transactions", "date", f"no purchase in the {window_months} months before {end.date()}", n_bad=0
        )
    out["spend_per_visit"] = out["spend"] / out["visits"]
    x_mean, y_mean = out["visits"].mean(), out["spend_per_visit"].mean()
    hi_x, hi_y = out["visits"] >= x_mean, out["spend_per_visit"] >= y_mean
    out["quadrant"] = np.select([hi_x & hi_y, ~hi_x & hi_y, ~hi_x & ~hi_y], [1, 2, 3], 4)
    out["label"] = out["quadrant"].map(QUADRANT_LABELS)
    out.index.name = "customer_id"
    out.attrs.update(
        x_mean=float(x_mean),
        y_mean=float(y_mean),
        window_months=window_months,
        observation_end=str(end.date()),
    )
    return out


def quadrant_summary(quadrants: pd.DataFrame) -> pd.DataFrame:
    """Customers, share, revenue and revenue share, mean visits and spend per visit per quadrant."""
    require_columns(
        quadrants, ["quadrant", "visits", "spend", "spend_per_visit"], "quadrants", "quadrant_summary"
    )
    g = quadrants.groupby("quadrant")
    out = pd.DataFrame(
        {
            "customers": g.size(),
            "revenue": g["spend"].sum(),
            "visits": g["visits"].mean(),
            "spend_per_visit": g["spend_per_visit"].mean(),
        }
    ).reindex(list(QUADRANT_LABELS), fill_value=0)
    out.insert(0, "label", [QUADRANT_LABELS[q] for q in out.index])
    out.insert(2, "share", out["customers"] / out["customers"].sum())
    out.insert(4, "revenue_share", out["revenue"] / out["revenue"].sum())
    return out


def plot_vip_quadrants(quadrants: pd.DataFrame, ax=None, max_points: int = 5000, seed: int = 0):
    """Scatter of visits against spend per visit (log axes), cross-hair at the means,
    each quadrant annotated with its customers and revenue share."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 5))
    shown = quadrants if len(quadrants) <= max_points else quadrants.sample(max_points, random_state=seed)
    jitter = np.random.default_rng(seed).uniform(-0.2, 0.2, len(shown))
    sns.scatterplot(
        x=shown["visits"] + jitter,
        y=shown["spend_per_visit"],
        hue=shown["label"],
        hue_order=list(QUADRANT_LABELS.values()),
        s=10,
        alpha=0.5,
        ax=ax,
        linewidth=0,
    )
    ax.set_xscale("log")
    ax.set_yscale("log")
    x0, y0 = quadrants.attrs["x_mean"], quadrants.attrs["y_mean"]
    ax.axvline(x0, color="k", lw=1)
    ax.axhline(y0, color="k", lw=1)
    summary = quadrant_summary(quadrants)
    xs = {1: 0.97, 4: 0.97, 2: 0.03, 3: 0.03}
    ys = {1: 0.97, 2: 0.97, 3: 0.03, 4: 0.03}
    for q, row in summary.iterrows():
        ax.text(
            xs[q],
            ys[q],
            f"Q{q}: {row['customers']:,} customers\n{row['revenue_share']:.0%} of revenue",
            transform=ax.transAxes,
            ha="right" if xs[q] > 0.5 else "left",
            va="top" if ys[q] > 0.5 else "bottom",
            fontsize=9,
            bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "none"},
        )
    ax.set_xlabel(f"visits in {quadrants.attrs['window_months']} months (log)")
    ax.set_ylabel("spend per visit (log)")
    ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8, title="quadrant")
    return ax


# --------------------------------------------------------------------------- bases

SEGMENTATION_BASES = {
    "demographic": ["age_band", "gender", "income_band"],
    "geographic": ["region", "city_tier"],
    "behavioural": ["frequency_band", "acquisition_channel", "preferred_channel", "preferred_category"],
    "satisfaction": ["satisfaction_band"],
    "loyalty": ["loyalty_band", "nps_group"],
}


def _mode(transactions: pd.DataFrame, column: str) -> pd.Series:
    counts = transactions.groupby(["customer_id", column], observed=True).size()
    top = counts.sort_values(ascending=False, kind="stable").reset_index()
    return top.drop_duplicates("customer_id").set_index("customer_id")[column]


def _tertiles(values: pd.Series) -> pd.Series:
    """low / middle / high thirds of the answered values, 'no answer' elsewhere."""
    ranks = values.rank(pct=True, method="average")
    band = pd.Series(
        np.select([ranks <= 1 / 3, ranks <= 2 / 3, ranks > 2 / 3], ["low", "middle", "high"], "no answer"),
        index=values.index,
    )
    return pd.Categorical(band, categories=["low", "middle", "high", "no answer"], ordered=True)


def segmentation_bases(
    transactions: pd.DataFrame,
    customers: pd.DataFrame | None = None,
    survey: pd.DataFrame | None = None,
    observation_end=None,
) -> dict[str, pd.DataFrame]:
    """One profiling table per segmentation basis the data has.

    Bases (Wedel & Kamakura 2000; Kotler & Keller 2016): **demographic** (age_band,
    gender, income_band), **geographic** (region, city_tier; else the region of the
    customer's orders), **behavioural** (frequency_band = visits 1 / 2-3 / 4-9 / 10+,
    acquisition_channel, the customer's most used channel and category), **satisfaction**
    (tertiles of survey ``satisfaction``), **loyalty** (tertiles of ``loyalty_intention``;
    NPS group from ``recommend``: promoter 9-10, passive 7-8, detractor 0-6; Reichheld 2003).

    Each table is indexed by (variable, level) with: customers, share, buyers, revenue,
    revenue_share, revenue_per_customer, visits_per_buyer, spend_per_visit. A basis
    whose variables are all absent is left out of the dict.
    """
    require_columns(transactions, ["customer_id", "date", "amount"], "transactions", "segmentation_bases")
    end = _end(transactions, observation_end)
    people = _basis_people(transactions, customers, end)
    if survey is not None:
        _add_survey_bands(people, survey)
    total_customers, total_revenue = len(people), people["revenue"].sum()
    tables = {}
    for basis, variables in SEGMENTATION_BASES.items():
        parts = [_basis_part(people, var) for var in variables if var in people.columns]
        if parts:
            tables[basis] = _basis_table(pd.concat(parts), total_customers, total_revenue)
    return tables


def _basis_people(transactions: pd.DataFrame, customers, end: pd.Timestamp) -> pd.DataFrame:
    """One row per customer (buyers and, with ``customers``, signed-up non-buyers) with the
    behavioural variables: visits, revenue, buyer, frequency_band, preferred channel/category."""
    visits = _visits(transactions, end)
    g = visits.groupby("customer_id", observed=True)
    people = pd.DataFrame({"visits": g.size().astype(float), "revenue": g["amount"].sum()})
    if customers is not None:
        require_columns(customers, ["customer_id"], "customers", "segmentation_bases")
        people = (
            _signed_up(customers, end)
            .drop_duplicates("customer_id")
            .set_index("customer_id")
            .join(people, how="outer")
        )
    people[["visits", "revenue"]] = people[["visits", "revenue"]].fillna(0.0)
    people["buyer"] = people["visits"] > 0
    people.index.name = "customer_id"
    people["frequency_band"] = pd.cut(
        people["visits"],
        [-0.5, 0.5, 1.5, 3.5, 9.5, np.inf],
        labels=["never bought", "1", "2-3", "4-9", "10+"],
    )
    kept = transactions[transactions["date"].dt.normalize() <= end]
    for column, name in (("channel", "preferred_channel"), ("category", "preferred_category")):
        if column in kept.columns:
            people[name] = _mode(kept, column).reindex(people.index)
    if "region" not in people.columns and "region" in kept.columns:
        people["region"] = _mode(kept, "region").reindex(people.index)
    return people


def _add_survey_bands(people: pd.DataFrame, survey: pd.DataFrame) -> None:
    """Satisfaction and loyalty tertiles and the NPS group (Reichheld 2003), in place."""
    answers = survey.drop_duplicates("customer_id").set_index("customer_id").reindex(people.index)
    if "satisfaction" in answers.columns:
        people["satisfaction_band"] = _tertiles(answers["satisfaction"])
    if "loyalty_intention" in answers.columns:
        people["loyalty_band"] = _tertiles(answers["loyalty_intention"])
    if "recommend" in answers.columns:
        rec = answers["recommend"]
        people["nps_group"] = pd.Categorical(
            np.select([rec >= 9, rec >= 7, rec >= 0], ["promoter", "passive", "detractor"], "no answer"),
            categories=["promoter", "passive", "detractor", "no answer"],
            ordered=True,
        )


def _basis_part(people: pd.DataFrame, var: str) -> pd.DataFrame:
    """Customers, buyers, revenue and visits per level of one variable."""
    col = people[var]
    if not isinstance(col.dtype, pd.CategoricalDtype):
        col = col.astype(object).where(col.notna(), "unknown").astype(str)
    grp = people.groupby(col, observed=True, sort=True)
    part = pd.DataFrame(
        {
            "customers": grp.size(),
            "buyers": grp["buyer"].sum(),
            "revenue": grp["revenue"].sum(),
            "visits": grp["visits"].sum(),
        }
    )
    part.index = pd.MultiIndex.from_product([[var], part.index.astype(str)], names=["variable", "level"])
    return part


def _basis_table(table: pd.DataFrame, total_customers: int, total_revenue: float) -> pd.DataFrame:
    """Shares and per-customer ratios of one basis's stacked parts."""
    table.insert(1, "share", table["customers"] / total_customers)
    table["revenue_share"] = table["revenue"] / total_revenue if total_revenue > 0 else np.nan
    table["revenue_per_customer"] = table["revenue"] / table["customers"]
    table["visits_per_buyer"] = table["visits"] / table["buyers"].where(table["buyers"] > 0)
    table["spend_per_visit"] = table["revenue"] / table["visits"].where(table["visits"] > 0)
    return table.drop(columns="visits")


# --------------------------------------------------------------------------- plots of summaries


def plot_share_vs_revenue(summary: pd.DataFrame, ax=None, title: str = ""):
    """Paired bars: each group's share of customers against its share of revenue.

    Takes any summary with ``share`` and ``revenue_share`` columns (RFM segments, value
    tiers, VIP quadrants, clusters): the Pareto picture of who carries the revenue.
    """
    import matplotlib.pyplot as plt

    require_columns(summary, ["share", "revenue_share"], "summary", "plot_share_vs_revenue")
    if ax is None:
        _, ax = plt.subplots(figsize=(max(6, 0.9 * len(summary) + 2), 3.8))
    x = np.arange(len(summary))
    ax.bar(x - 0.2, summary["share"], 0.4, label="share of customers", color="C0")
    ax.bar(x + 0.2, summary["revenue_share"].fillna(0), 0.4, label="share of revenue", color="C1")
    labels = summary["label"] if "label" in summary.columns else summary.index
    ax.set_xticks(x, [str(v) for v in labels], rotation=20, ha="right")
    ax.yaxis.set_major_formatter(plt.matplotlib.ticker.PercentFormatter(1.0))
    ax.set_title(title)
    ax.legend()
    return ax


def plot_basis(table: pd.DataFrame, column: str = "revenue_per_customer", ax=None, title: str = ""):
    """Horizontal bars of one measure per level, one block per variable of a basis table."""
    import matplotlib.pyplot as plt

    require_columns(table, [column], "basis table", "plot_basis")
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 0.28 * len(table) + 1.2))
    labels = [f"{var}: {level}" for var, level in table.index]
    variables = table.index.get_level_values(0)
    colours = {v: f"C{i}" for i, v in enumerate(dict.fromkeys(variables))}
    y = np.arange(len(table))[::-1]
    ax.barh(y, table[column].fillna(0), color=[colours[v] for v in variables])
    ax.set_yticks(y, labels)
    ax.set_xlabel(column.replace("_", " "))
    ax.set_title(title)
    return ax
