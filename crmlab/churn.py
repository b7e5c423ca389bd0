"""Supervised churn prediction on calibration-period features, and the targeting decision.

Churn here is the observable event "no purchase in the ``window_days`` after ``calibration_end``".
Features come strictly from transactions dated on or before ``calibration_end`` (and the static
customers table); labels strictly from the window after it, so the split is by time and there is
no look-ahead (``tests/test_churn.py`` proves it by removing every later transaction).

* :func:`churn_features` -- RFM, trend, regularity (CV of gaps), promotion share, tenure, one-hot
  demographics;
* :func:`churn_labels` -- 1 = no purchase in the window;
* :func:`training_set` -- features and labels one window earlier, to train as a deployed model is;
* :class:`ChurnModel` -- logistic regression or gradient boosting (scikit-learn) with isotonic
  calibration on a held-back validation split;
* :func:`rfm_churn_score`, :func:`churn_scores_table` -- the honest comparison (AUC, top-decile
  lift, Brier) with BTYD's 1 - P(alive) and the RFM segments;
* :func:`calibration_table` + :func:`plot_calibration`; :func:`targeting_table` -- whom to contact
  when p_churn * retained_margin * success_rate > contact_cost.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from ._base import Estimator
from ._style import ACTUAL, MODEL, NEUTRAL, get_ax
from ._validate import check_choice, check_number, require_columns
from .rfm import rfm_scores

__all__ = [
    "churn_features",
    "churn_labels",
    "training_set",
    "churn_split",
    "ChurnModel",
    "rfm_churn_score",
    "top_decile_lift",
    "churn_scores_table",
    "calibration_table",
    "plot_calibration",
    "targeting_table",
]

DEMOGRAPHICS = ("age_band", "gender", "income_band", "region", "city_tier", "acquisition_channel")
"""Customer columns one-hot encoded by :func:`churn_features` when present."""


def _cal_end(value) -> pd.Timestamp:
    return pd.Timestamp(value).normalize()


def _purchase_days(transactions: pd.DataFrame, calibration_end) -> pd.DataFrame:
    """Distinct (customer, day) pairs on or before calibration_end."""
    tx = transactions.loc[pd.to_datetime(transactions["date"]) <= _cal_end(calibration_end)]
    days = pd.DataFrame(
        {"customer_id": tx["customer_id"].to_numpy(), "day": pd.to_datetime(tx["date"]).dt.normalize()}
    )
    return days.drop_duplicates().sort_values(["customer_id", "day"])


def _gap_features(days: pd.DataFrame, cal: pd.Timestamp) -> pd.DataFrame:
    g = days.groupby("customer_id")["day"]
    first, last, n = g.min(), g.max(), g.size()
    tenure = (cal - first).dt.days.astype(float)
    gaps = days.assign(gap=g.diff().dt.days).dropna(subset=["gap"]).groupby("customer_id")["gap"]
    mean_gap, sd_gap = gaps.mean(), gaps.std(ddof=0)
    cv = (sd_gap / mean_gap).reindex(n.index)
    mid = first + (cal - first) / 2
    late = (days["day"] > days["customer_id"].map(mid)).groupby(days["customer_id"]).sum()
    out = pd.DataFrame(
        {
            "recency_days": (cal - last).dt.days.astype(float),
            "frequency": n.astype(float),
            "tenure_days": tenure,
            "rate_per_30d": 30.0 * n / (tenure + 1.0),
            "trend": (2.0 * late - n) / n,
            "gap_cv": cv.fillna(0.0),
            "few_gaps": (n < 3).astype(float),
        }
    )
    return out


def churn_features(
    transactions: pd.DataFrame, calibration_end, customers: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Per-customer churn features from data up to ``calibration_end`` only.

    With purchase days d_1 < ... < d_n (same-day purchases count once) up to the calibration end c:
    ``recency_days`` = c - d_n; ``frequency`` = n; ``tenure_days`` = c - d_1; ``rate_per_30d`` =
    30 n / (tenure + 1); ``trend`` = (n_late - n_early) / n with late = days after the midpoint of
    [d_1, c] (-1 = every purchase early, +1 = every purchase late; the trend factor of the loyalty
    index, Reinartz & Kumar 2003); ``gap_cv`` = sd / mean of the gaps d_{k+1} - d_k (0 with fewer
    than two gaps; ``few_gaps`` = 1 flags them: regular buyers have a low CV); ``monetary`` = mean
    amount per transaction; ``promo_share`` = share of transactions with a ``promotion_id`` (when
    the column exists); demographics of ``customers`` one-hot (first level dropped).

    Parameters
    ----------
    transactions : DataFrame
        ``customer_id``, ``date``, ``amount`` (+ optional ``promotion_id``).
    calibration_end : date-like
        Last day whose transactions are used (inclusive).
    customers : DataFrame, optional
        Static customer attributes; columns in :data:`DEMOGRAPHICS` are encoded.

    Returns
    -------
    DataFrame indexed by ``customer_id`` (customers with a purchase by ``calibration_end``).
    """
    require_columns(transactions, ["customer_id", "date", "amount"], table="transactions")
    cal = _cal_end(calibration_end)
    tx = transactions.loc[pd.to_datetime(transactions["date"]) <= cal]
    if tx.empty:
        raise ValueError(f"calibration_end {cal:%Y-%m-%d}: no transactions on or before it")
    out = _gap_features(_purchase_days(tx, cal), cal)
    grouped = tx.groupby("customer_id")
    out["monetary"] = grouped["amount"].mean().reindex(out.index).astype(float)
    if "promotion_id" in tx.columns:
        out["promo_share"] = tx["promotion_id"].notna().groupby(tx["customer_id"]).mean().reindex(out.index)
    if customers is not None and "customer_id" in customers.columns:
        cols = [c for c in DEMOGRAPHICS if c in customers.columns]
        if cols:
            demo = customers.set_index("customer_id")[cols].astype(str).reindex(out.index)
            out = out.join(pd.get_dummies(demo, drop_first=True, dtype=float))
    out.index.name = "customer_id"
    return out


def churn_labels(transactions: pd.DataFrame, calibration_end, window_days: int, customers=None) -> pd.Series:
    """1 when a customer makes no purchase in (calibration_end, calibration_end + window_days].

    Parameters
    ----------
    transactions : DataFrame
        ``customer_id``, ``date``.
    calibration_end : date-like
    window_days : int
        Length of the label window in days.
    customers : index-like, optional
        Customers to label (default: everyone with a purchase by ``calibration_end``).

    Returns
    -------
    Series of 0/1 indexed by ``customer_id``.
    """
    check_number("window_days", window_days, lo=1, integer=True, where="churn_labels")
    cal = _cal_end(calibration_end)
    dates = pd.to_datetime(transactions["date"])
    if customers is None:
        customers = pd.Index(transactions.loc[dates <= cal, "customer_id"].unique())
    window = (dates > cal) & (dates <= cal + pd.Timedelta(days=int(window_days)))
    buyers = pd.unique(transactions.loc[window, "customer_id"])
    idx = pd.Index(customers, name="customer_id")
    return pd.Series((~idx.isin(buyers)).astype(np.int64), index=idx, name="churned")


def training_set(
    transactions: pd.DataFrame, calibration_end, window_days: int, customers: pd.DataFrame | None = None
) -> tuple[pd.DataFrame, pd.Series]:
    """Features and labels one window *before* ``calibration_end``: how a deployed model is trained.

    A churn model scored at the calibration end c cannot have seen any label from after c. It is
    trained where the outcome is already known: features as of c - w (w = ``window_days``, the
    length of the window it will predict) and labels "no purchase in (c - w, c]". It is then
    applied to :func:`churn_features` as of c and judged on the window after c -- a time split
    for the rows as well as for the columns (backtesting, e.g. Ascarza et al. 2018, "In pursuit of
    enhanced customer retention management", Customer Needs and Solutions 5). Splitting the
    customers of one window at random instead lets the model learn that very window's conditions
    (a season, a campaign), which the deployed model never sees.

    Parameters
    ----------
    transactions : DataFrame
        ``customer_id``, ``date``, ``amount`` (+ optional ``promotion_id``).
    calibration_end : date-like
        The day the model will be scored at (c).
    window_days : int
        Length of the prediction window in days (w); the training labels use the w days up to c.
    customers : DataFrame, optional
        Static attributes, as in :func:`churn_features`.

    Returns
    -------
    (DataFrame, Series)
        Features of the customers with a purchase by c - w, and their 0/1 labels.
    """
    check_number("window_days", window_days, lo=1, integer=True, where="training_set")
    start = _cal_end(calibration_end) - pd.Timedelta(days=int(window_days))
    first = pd.to_datetime(transactions["date"]).min()
    if start <= first:
        raise ValueError(
            f"training_set: calibration_end - window_days = {start:%Y-%m-%d} is not after the first "
            f"transaction ({first:%Y-%m-%d}); a shorter window or a later calibration end leaves history "
            "to train on"
        )
    X = churn_features(transactions, start, customers)
    return X, churn_labels(transactions, start, window_days, X.index)


def churn_split(
    transactions: pd.DataFrame,
    calibration_end,
    window_days: int,
    customers: pd.DataFrame | None = None,
    test_share: float = 0.3,
    random_state: int = 0,
) -> dict:
    """Training and test rows for a churn model, by time when the history allows it.

    ``"backdated"`` (preferred): train on :func:`training_set` (features as of c - w, labels in
    (c - w, c]) and test on every customer's features as of c with labels in (c, c + w]. When the
    data start less than one window before c, ``"random split"``: the customers of c are split at
    random (``test_share`` to test; stratified, seeded) -- features still end at c, but training
    and test labels share one window, which the returned ``method`` says.

    Parameters
    ----------
    transactions, calibration_end, window_days, customers
        As in :func:`training_set`.
    test_share : float
        Share of customers tested under the random split.
    random_state : int
        Seed of the random split.

    Returns
    -------
    dict
        ``X_train``, ``y_train``, ``X_test``, ``y_test`` and ``method`` ("backdated" or "random split").
    """
    X = churn_features(transactions, calibration_end, customers)
    y = churn_labels(transactions, calibration_end, window_days, X.index)
    start = _cal_end(calibration_end) - pd.Timedelta(days=int(window_days))
    if start > pd.to_datetime(transactions["date"]).min():
        X_train, y_train = training_set(transactions, calibration_end, window_days, customers)
        if y_train.nunique() == 2:
            return {
                "X_train": X_train.reindex(columns=X.columns, fill_value=0.0),
                "y_train": y_train,
                "X_test": X,
                "y_test": y,
                "method": "backdated",
            }
    check_number("test_share", test_share, lo=0, hi=1, lo_open=True, hi_open=True, where="churn_split")
    strata = y.to_numpy() if y.value_counts().min() >= 2 else None  # stratify when both classes can
    train, test = train_test_split(
        np.asarray(X.index), test_size=test_share, stratify=strata, random_state=random_state
    )
    return {
        "X_train": X.loc[train],
        "y_train": y.loc[train],
        "X_test": X.loc[test],
        "y_test": y.loc[test],
        "method": "random split",
    }


class ChurnModel(Estimator):
    """Calibrated churn classifier (logistic regression or gradient boosting).

    The training rows are split (stratified, seeded) into a fitting part and a validation part
    of share ``validation_size``; the classifier is fitted on the first and an isotonic
    regression of the outcome on its score on the second (Zadrozny & Elkan 2002; the
    ``CalibratedClassifierCV(cv="prefit")`` recipe), so the probabilities are calibrated on
    rows the classifier did not see.

    Parameters
    ----------
    method : {"logistic", "boosting"}
        Standardised L2 logistic regression, or ``HistGradientBoostingClassifier``.
    validation_size : float
        Share of rows kept for the calibration.
    random_state : int
        Seed of the split and of the booster.

    Attributes
    ----------
    classifier_, calibrator_, features_, n_train_
    """

    _fitted_attribute = "classifier_"

    def __init__(self, method: str = "logistic", validation_size: float = 0.3, random_state: int = 0):
        self.method = method
        self.validation_size = validation_size
        self.random_state = random_state

    def _classifier(self):
        if self.method == "logistic":
            return make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=2000))
        return HistGradientBoostingClassifier(
            max_iter=200, learning_rate=0.05, max_leaf_nodes=15, random_state=self.random_state
        )

    def fit(self, X: pd.DataFrame, y) -> ChurnModel:
        """Fit the classifier and its isotonic calibration.

        The classifier is fitted on 1 - ``validation_size`` of the rows (stratified, seeded) and an
        isotonic regression maps its scores to churn rates on the rest (Zadrozny & Elkan 2002).

        Parameters
        ----------
        X : pandas.DataFrame
            Features, one row per customer (calibration-period features only).
        y : array-like or pandas.Series of 0/1
            1 = churned (no purchase in the label window); a Series is aligned on X's index.

        Returns
        -------
        ChurnModel
            ``self``, fitted (``classifier_``, ``calibrator_``, ``features_``).

        Raises
        ------
        ValueError
            When ``y`` holds one class only.
        """
        check_choice("method", self.method, ["logistic", "boosting"], where="ChurnModel")
        check_number("validation_size", self.validation_size, lo=0, hi=1, lo_open=True, where="ChurnModel")
        X = pd.DataFrame(X).astype(float)
        y = np.asarray(pd.Series(y).reindex(X.index) if isinstance(y, pd.Series) else y, dtype=int)
        if np.unique(y).size < 2:
            raise ValueError("ChurnModel.fit: y has one class only; a churn model needs churners and stayers")
        X_fit, X_val, y_fit, y_val = train_test_split(
            X.fillna(0.0), y, test_size=self.validation_size, stratify=y, random_state=self.random_state
        )
        clf = self._classifier().fit(X_fit, y_fit)
        iso = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0)
        iso.fit(clf.predict_proba(X_val)[:, 1], y_val)
        self.features_ = list(X.columns)
        self.n_train_ = len(X)
        self.calibrator_ = iso
        self.classifier_ = clf
        return self

    def predict_proba(self, X: pd.DataFrame) -> pd.Series:
        """Calibrated P(churn) per row.

        Parameters
        ----------
        X : pandas.DataFrame
            Features with the fitted columns (missing columns and values count as 0).

        Returns
        -------
        pandas.Series
            P(churn) named ``p_churn`` on X's index.
        """
        self._check_fitted()
        X = pd.DataFrame(X).reindex(columns=self.features_).astype(float).fillna(0.0)
        raw = self.classifier_.predict_proba(X)[:, 1]
        return pd.Series(self.calibrator_.predict(raw), index=X.index, name="p_churn")

    def summary(self) -> pd.DataFrame:
        """The fitted model in a table.

        Returns
        -------
        pandas.DataFrame
            Logistic: the coefficients per standard deviation of each feature, largest first;
            boosting: the features (importances need a test set: use the holdout).
        """
        self._check_fitted()
        if self.method == "logistic":
            coef = self.classifier_[-1].coef_[0]
            table = pd.DataFrame({"coefficient (per sd)": coef}, index=self.features_)
            return table.sort_values("coefficient (per sd)", key=np.abs, ascending=False)
        return pd.DataFrame({"feature": self.features_}).set_index("feature")


def rfm_churn_score(transactions: pd.DataFrame, calibration_end) -> pd.Series:
    """A churn score from the RFM segments on the calibration period (no model, no labels).

    Segments are ordered from least to most at risk -- champions, loyal, new, potential
    loyalists, can't lose, at risk, hibernating, lost -- and within a segment by
    (5 - R) + (5 - FM) / 10, so the score ranks customers as a direct marketer reading the
    segments would (Hughes 1994's RFM). Only its ranking is used (AUC, lift).

    Parameters
    ----------
    transactions : pandas.DataFrame
        customer_id, date, amount.
    calibration_end : date-like
        The scores use purchases up to this day.

    Returns
    -------
    pandas.Series
        Churn score per customer (higher = more at risk).
    """
    cal = _cal_end(calibration_end)
    tx = transactions.loc[pd.to_datetime(transactions["date"]) <= cal]
    scores = rfm_scores(tx, observation_end=cal)
    order = [
        "champions",
        "loyal",
        "new",
        "potential loyalists",
        "can't lose",
        "at risk",
        "hibernating",
        "lost",
    ]
    rank = scores["segment"].map({s: i for i, s in enumerate(order)}).astype(float)
    fm = (scores["F"] + scores["M"]) / 2
    return (rank + ((5 - scores["R"]) + (5 - fm) / 10) / 10).rename("rfm_score")


def top_decile_lift(y, score) -> float:
    """Churn rate among the 10 % highest scores divided by the overall churn rate.

    lift = mean(y over the top ceil(n / 10) scores) / mean(y); 1 = no better than random.

    Parameters
    ----------
    y : array-like of 0/1
        1 = churned.
    score : array-like
        Higher = more likely to churn.

    Returns
    -------
    float
        The top-decile lift.
    """
    y, s = np.asarray(y, float), np.asarray(score, float)
    k = max(1, int(np.ceil(0.1 * len(y))))
    top = np.argsort(-s, kind="stable")[:k]
    return float(y[top].mean() / y.mean())


def churn_scores_table(y: pd.Series, scores: dict[str, pd.Series]) -> pd.DataFrame:
    """AUC, top-decile lift and Brier score (probabilities only) of each churn score on ``y``.

    Parameters
    ----------
    y : Series of 0/1 (1 = churned), indexed by customer_id.
    scores : dict name -> Series on the same customers (higher = more likely to churn).

    Returns
    -------
    DataFrame, one row per score.
    """
    rows = {}
    for name, s in scores.items():
        s = pd.Series(s).reindex(y.index).astype(float)
        prob = bool(s.between(0, 1).all())
        rows[name] = {
            "auc": roc_auc_score(y, s),
            "top_decile_lift": top_decile_lift(y, s),
            "brier": float(np.mean((s - y) ** 2)) if prob else np.nan,
            "mean_score": float(s.mean()) if prob else np.nan,
        }
    table = pd.DataFrame(rows).T
    table.attrs["churn_rate"] = float(np.mean(y))
    return table


def calibration_table(y, p, bins: int = 10) -> pd.DataFrame:
    """Predicted vs observed churn rate by decile of the predicted probability.

    Parameters
    ----------
    y : array-like of 0/1
        1 = churned.
    p : array-like
        Predicted P(churn).
    bins : int
        Number of equal-count bins (10: deciles).

    Returns
    -------
    pandas.DataFrame
        Per bin: n, predicted (mean p), observed (churn rate); ``attrs["max_gap"]`` the largest
        absolute gap between them.
    """
    frame = pd.DataFrame({"y": np.asarray(y, float), "p": np.asarray(p, float)})
    frame["bin"] = pd.qcut(frame["p"].rank(method="first"), bins, labels=False) + 1
    out = frame.groupby("bin").agg(n=("y", "size"), predicted=("p", "mean"), observed=("y", "mean"))
    out.attrs["max_gap"] = float((out["predicted"] - out["observed"]).abs().max())
    return out


def plot_calibration(table: pd.DataFrame | dict, ax: Axes | None = None) -> Axes:
    """Calibration curve(s): observed against predicted churn rate, with the diagonal.

    Parameters
    ----------
    table : pandas.DataFrame or dict
        One :func:`calibration_table`, or a dict name -> table (one curve each).
    ax : matplotlib.axes.Axes, optional
        Drawn on if given, else on a new figure.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.
    """
    ax = get_ax(ax, figsize=(5.0, 5.0))
    tables = table if isinstance(table, dict) else {"model": table}
    ax.plot([0, 1], [0, 1], color=NEUTRAL, linestyle="--", label="perfect calibration")
    colors = [MODEL, ACTUAL, "#E69F00", "#009E73"]
    for (name, t), color in zip(tables.items(), colors, strict=False):
        ax.plot(t["predicted"], t["observed"], marker="o", color=color, label=name)
    ax.set_xlabel("predicted P(churn)")
    ax.set_ylabel("observed churn rate")
    ax.legend()
    return ax


def targeting_table(
    p_churn, retained_margin: float, success_rate: float, contact_cost: float, bins: int = 10
) -> pd.DataFrame:
    """Expected profit of a retention contact, by decile of P(churn) (highest first).

    A contact saves a churner with probability ``success_rate`` and then keeps
    ``retained_margin``; it costs ``contact_cost`` whoever receives it. Expected profit of
    contacting customer i: E_i = p_i * margin * success - cost; contact when E_i > 0, i.e.
    p_i > cost / (margin * success) (Neslin et al. 2006, the retention-campaign profit).

    Parameters
    ----------
    p_churn : pandas.Series or array-like
        P(churn) per customer (calibrated probabilities).
    retained_margin : float
        Margin kept when a churner is saved.
    success_rate : float
        Share of contacted churners who stay.
    contact_cost : float
        Cost of one contact.
    bins : int
        Number of equal-count bins (10: deciles).

    Returns
    -------
    DataFrame per decile: n, mean p_churn, expected profit of contacting the decile, cumulative
    profit contacting deciles 1..k, and whether the decile's mean clears the threshold;
    ``attrs``: threshold, n_contact (customers with E_i > 0) and profit_contact (their sum).
    """
    check_number("success_rate", success_rate, lo=0, hi=1, where="targeting_table")
    check_number("contact_cost", contact_cost, lo=0, where="targeting_table")
    check_number("retained_margin", retained_margin, lo=0, lo_open=True, where="targeting_table")
    p = pd.Series(np.asarray(p_churn, float))
    gain = p * retained_margin * success_rate - contact_cost
    decile = pd.qcut((-p).rank(method="first"), bins, labels=False) + 1
    out = pd.DataFrame({"p": p, "gain": gain, "decile": decile}).groupby("decile")
    table = out.agg(n=("p", "size"), mean_p_churn=("p", "mean"), expected_profit=("gain", "sum"))
    table["cumulative_profit"] = table["expected_profit"].cumsum()
    threshold = contact_cost / (retained_margin * success_rate) if success_rate > 0 else np.inf
    table["contact"] = table["mean_p_churn"] > threshold
    table.attrs.update(
        threshold=float(threshold),
        n_contact=int((gain > 0).sum()),
        profit_contact=float(gain[gain > 0].sum()),
    )
    return table
