"""Uplift modelling: whom does a campaign move, and whom should the next one contact?

A response model predicts who will buy; an uplift model predicts who will buy *because of*
the contact: ``tau(x) = P(y = 1 | x, treated) - P(y = 1 | x, control)`` (Radcliffe & Surry
2011). It needs a randomised experiment (a campaign with a holdout). Two approaches:

* **two-model** ("T-learner"): one classifier on the treated, one on the control group;
  ``tau(x) = p_T(x) - p_C(x)``.
* **class transformation** (Jaskowski & Jaroszewicz 2012): ``Z = y T + (1 - y)(1 - T)``
  (a treated responder or a control non-responder); with treated and control weighted to equal
  shares (weights ``0.5 / e`` and ``0.5 / (1 - e)``, ``e`` the treated share), ``P(T = 1) = 1/2``
  and ``tau(x) = 2 P(Z = 1 | x) - 1``: one classifier instead of two.

Classifiers come from scikit-learn: ``"boosting"`` (histogram gradient boosting, shallow and
regularised, seeded) or ``"logistic"`` (log-scaled, standardised features), or any classifier
with ``fit(X, y, sample_weight=...)`` / ``predict_proba``. :func:`target_next` turns scores into
a contact list: expected incremental value ``tau(x) x value per response`` against the cost of a
contact; customers with negative uplift ("sleeping dogs") are left alone.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from sklearn.base import clone
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from .._base import Estimator
from .._validate import check_choice, check_number, data_error
from ..segment import customer_features

__all__ = ["uplift_features", "UpliftModel", "target_next", "UPLIFT_METHODS"]

UPLIFT_METHODS = ("two_model", "class_transformation")
_PROFILE_COLUMNS = ("age_band", "gender", "income_band", "city_tier", "acquisition_channel")


def uplift_features(
    transactions: pd.DataFrame,
    customers: pd.DataFrame | None = None,
    observation_end=None,
    customer_ids=None,
) -> pd.DataFrame:
    """Pre-campaign features per customer: behaviour and, where known, demographics.

    Parameters
    ----------
    transactions : DataFrame
        Purchases up to the campaign (``customer_id``, ``date``, ``amount``; ``promotion_id``
        adds the share of promoted orders, a proxy of price sensitivity).
    customers : DataFrame, optional
        Demographics; these columns are one-hot encoded where present: ``age_band``,
        ``gender``, ``income_band``, ``city_tier``, ``acquisition_channel``.
    observation_end : date-like, optional
        Last day before the campaign (default: the last purchase day).
    customer_ids : array-like, optional
        Customers to return, in this order (missing behaviour is 0).

    Returns
    -------
    DataFrame
        Index ``customer_id``; :func:`crmlab.segment.customer_features` columns plus dummies.
    """
    X = customer_features(transactions, observation_end=observation_end).drop(
        columns="margin", errors="ignore"
    )
    if customers is not None:
        cols = [c for c in _PROFILE_COLUMNS if c in customers.columns]
        if cols:
            dummies = pd.get_dummies(customers.set_index("customer_id")[cols].astype(str), dtype=float)
            X = X.join(dummies, how="left")
    if customer_ids is not None:
        X = X.reindex(pd.Index(customer_ids, name="customer_id"))
    return X.fillna(0.0)


def _signed_log(x):
    return np.sign(x) * np.log1p(np.abs(x))


def _classifier(estimator, seed: int):
    if estimator == "boosting":
        return HistGradientBoostingClassifier(
            max_depth=3,
            learning_rate=0.05,
            max_iter=150,
            min_samples_leaf=50,
            l2_regularization=1.0,
            random_state=seed,
        )
    if estimator == "logistic":
        return make_pipeline(
            FunctionTransformer(_signed_log), StandardScaler(), LogisticRegression(C=0.5, max_iter=2000)
        )
    if not (hasattr(estimator, "fit") and hasattr(estimator, "predict_proba")):
        raise TypeError("UpliftModel: estimator must be 'boosting', 'logistic' or a scikit-learn classifier")
    return clone(estimator)


def _check_xy(X, treatment, y) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    X = X if isinstance(X, pd.DataFrame) else pd.DataFrame(np.asarray(X, float))
    treatment, y = np.asarray(treatment).astype(bool), np.asarray(y).astype(float)
    if not (len(X) == len(treatment) == len(y)):
        raise ValueError(
            f"UpliftModel: X, treatment and y differ in length ({len(X)}, {len(treatment)}, {len(y)})"
        )
    if not np.isin(y, (0.0, 1.0)).all():
        raise data_error("campaign", "responded", "the outcome must be 0/1 (bought in the window or not)")
    for arm, name in ((treatment, "treated"), (~treatment, "control")):
        if len(np.unique(y[arm])) < 2:
            raise data_error("campaign", "responded", f"the {name} group needs responders and non-responders")
    return X, treatment, y


class UpliftModel(Estimator):
    """Uplift model by the two-model or the class-transformation approach (module docstring).

    Parameters
    ----------
    method : str
        ``"two_model"`` or ``"class_transformation"``.
    estimator : str or scikit-learn classifier
        ``"logistic"`` (default), ``"boosting"`` or a classifier to clone.
    seed : int
        Seed of the boosting classifier.
    """

    _fitted_attribute = "models_"

    def __init__(self, method: str = "two_model", estimator="logistic", seed: int = 0):
        self.method = method
        self.estimator = estimator
        self.seed = seed

    def fit(self, X: pd.DataFrame | ArrayLike, treatment: ArrayLike, y: ArrayLike) -> UpliftModel:
        """Fit on a randomised experiment.

        Parameters
        ----------
        X : DataFrame or array
            Pre-campaign features, one row per customer.
        treatment : array-like of bool
            Contacted (True) or held out (False).
        y : array-like of 0/1
            Responded in the window.

        Returns
        -------
        UpliftModel
            ``self``, with ``models_``, ``treated_share_``, ``feature_names_``.
        """
        check_choice("method", self.method, UPLIFT_METHODS, where="UpliftModel")
        X, t, y = _check_xy(X, treatment, y)
        self.feature_names_ = list(map(str, X.columns))
        self.treated_share_ = float(t.mean())
        self.n_treated_, self.n_control_ = int(t.sum()), int((~t).sum())
        if self.method == "two_model":
            self.models_ = {
                arm: _classifier(self.estimator, self.seed).fit(X[mask], y[mask])
                for arm, mask in (("treated", t), ("control", ~t))
            }
        else:
            z = np.where(t, y, 1 - y)
            e = self.treated_share_
            w = np.where(t, 0.5 / e, 0.5 / (1 - e))
            model = _classifier(self.estimator, self.seed)
            last = model.steps[-1][0] + "__" if hasattr(model, "steps") else ""
            self.models_ = {"z": model.fit(X, z, **{f"{last}sample_weight": w})}
        return self

    def predict(self, X: pd.DataFrame | ArrayLike) -> pd.Series:
        """Predicted uplift ``tau(x)`` per row of ``X`` (index kept).

        Parameters
        ----------
        X : pandas.DataFrame or array-like
            Features with the fitted columns, in the same order.

        Returns
        -------
        pandas.Series
            tau(x) = P(buy | treated, x) - P(buy | control, x) per row, on X's index.
        """
        self._check_fitted()
        X = X if isinstance(X, pd.DataFrame) else pd.DataFrame(np.asarray(X, float))
        if list(map(str, X.columns)) != self.feature_names_:
            raise ValueError(
                "UpliftModel.predict: X must have the columns it was fitted on, in the same order"
            )
        if self.method == "two_model":
            tau = (
                self.models_["treated"].predict_proba(X)[:, 1]
                - self.models_["control"].predict_proba(X)[:, 1]
            )
        else:
            tau = 2 * self.models_["z"].predict_proba(X)[:, 1] - 1
        return pd.Series(tau, index=X.index, name="uplift")

    def summary(self) -> pd.DataFrame:
        """Method, classifier and the experiment it was fitted on.

        Returns
        -------
        pandas.DataFrame
            Column ``value``: method, estimator, treated and control customers, features.
        """
        self._check_fitted()
        est = self.estimator if isinstance(self.estimator, str) else type(self.estimator).__name__
        return pd.DataFrame(
            {
                "value": [self.method, est, self.n_treated_, self.n_control_, len(self.feature_names_)],
            },
            index=["method", "estimator", "n_treated", "n_control", "features"],
        )


def target_next(uplift: pd.Series, value_per_response: float, cost_per_contact: float) -> pd.DataFrame:
    """Whom to contact next: expected incremental profit per customer, best first.

    ``expected_profit = uplift x value_per_response - cost_per_contact``; ``action`` is
    "contact" where it is positive, "do not disturb" where the uplift is negative (the contact
    would lose sales), else "skip".

    Parameters
    ----------
    uplift : Series
        Predicted uplift per customer (:meth:`UpliftModel.predict`).
    value_per_response : float
        Margin (or revenue) an incremental response brings.
    cost_per_contact : float
        Cost of one contact (including any discount given away).

    Returns
    -------
    DataFrame
        ``uplift``, ``expected_profit``, ``action``, ``cumulative_profit``; sorted by expected
        profit. ``attrs``: ``n_contact``, ``expected_responses`` and ``expected_profit`` of
        contacting the "contact" customers.
    """
    check_number("value_per_response", value_per_response, lo=0, where="target_next")
    check_number("cost_per_contact", cost_per_contact, lo=0, where="target_next")
    out = pd.DataFrame({"uplift": pd.Series(uplift, dtype=float)})
    out["expected_profit"] = out["uplift"] * value_per_response - cost_per_contact
    out["action"] = np.select(
        [out["expected_profit"] > 0, out["uplift"] < 0], ["contact", "do not disturb"], "skip"
    )
    out = out.sort_values("expected_profit", ascending=False, kind="stable")
    out["cumulative_profit"] = out["expected_profit"].cumsum()
    chosen = out[out["action"] == "contact"]
    out.attrs.update(
        {
            "n_contact": len(chosen),
            "expected_responses": float(chosen["uplift"].sum()),
            "expected_profit": float(chosen["expected_profit"].sum()),
        }
    )
    return out
