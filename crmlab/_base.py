"""The estimator contract shared by every crmlab model.

* ``__init__`` stores hyper-parameters only (no data, no validation of data);
* ``fit(...) -> self`` validates its input and sets fitted attributes, whose names end in ``_``;
* ``summary() -> pandas.DataFrame``;
* ``from_params(**params)`` builds a fitted model from known parameters (a paper's estimates,
  a simulation's truth) without data;
* using a fitted attribute or method before ``fit`` raises :class:`NotFittedError`.

Likelihood models (the BTYD family) add ``loglik_``, ``aic_``, ``bic_``, ``covariance_``,
``standard_errors_``, ``converged_`` and warn with :class:`ConvergenceWarning`; see
:mod:`crmlab.btyd`.
"""

from __future__ import annotations

import inspect

import pandas as pd

from .exceptions import ConvergenceWarning, NotFittedError

__all__ = ["Estimator", "NotFittedError", "ConvergenceWarning", "check_is_fitted"]


def check_is_fitted(model, attribute: str = "params_") -> None:
    """Raise :class:`NotFittedError` unless ``model`` has ``attribute`` (fit or from_params ran)."""
    if getattr(model, attribute, None) is None:
        name = type(model).__name__
        raise NotFittedError(
            f"{name} is not fitted yet: call .fit(...) first, or build it from known parameters "
            f"with {name}.from_params(...)"
        )


class Estimator:
    """Base class: hyper-parameters from ``__init__``, ``repr``, the fitted check.

    Subclasses list their fitted marker in ``_fitted_attribute`` (default ``params_``) and
    implement ``fit``, ``summary`` and ``from_params``.
    """

    _fitted_attribute = "params_"

    @classmethod
    def _hyper_parameter_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return [
            p.name
            for p in sig.parameters.values()
            if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        ]

    def get_params(self) -> dict:
        """The hyper-parameters given to ``__init__`` (scikit-learn's ``get_params``)."""
        return {name: getattr(self, name, None) for name in self._hyper_parameter_names()}

    @property
    def is_fitted(self) -> bool:
        """True once ``fit`` or ``from_params`` has run."""
        return getattr(self, self._fitted_attribute, None) is not None

    def _check_fitted(self) -> None:
        check_is_fitted(self, self._fitted_attribute)

    def fit(self, *args, **kwargs):  # pragma: no cover - abstract
        raise NotImplementedError

    def summary(self) -> pd.DataFrame:  # pragma: no cover - abstract
        raise NotImplementedError

    @classmethod
    def from_params(cls, **params):  # pragma: no cover - abstract
        raise NotImplementedError(f"{cls.__name__}.from_params is not available")

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"
