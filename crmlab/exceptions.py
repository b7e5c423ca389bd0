"""crmlab's exceptions and warnings: one policy for the whole package.

* bad **data** (a table, a column, rows)           -> :class:`CRMDataError` (a ``ValueError``)
* a bad **argument** (a rate of 1.5, an unknown method) -> ``ValueError`` / ``TypeError`` naming it
* a model used before it is fitted                -> :class:`NotFittedError`
* a fit that did not reach a trustworthy optimum  -> :class:`ConvergenceWarning`
"""

from __future__ import annotations

__all__ = ["CRMDataError", "NotFittedError", "ConvergenceWarning"]


class CRMDataError(ValueError):
    """Bad input data. Carries ``table``, ``column``, ``n_bad`` and ``example``."""

    def __init__(
        self,
        message: str,
        *,
        table: str,
        column: str | None = None,
        n_bad: int | None = None,
        example: str | None = None,
    ):
        super().__init__(message)
        self.table = table
        self.column = column
        self.n_bad = n_bad
        self.example = example


class NotFittedError(ValueError, AttributeError, RuntimeError):
    """A model's fitted results were asked for before ``fit`` (or ``from_params``).

    Subclasses ``ValueError`` and ``AttributeError`` as scikit-learn's does, and
    ``RuntimeError``, which some crmlab models raised before there was one policy, so code
    written against any of them keeps working.
    """


class ConvergenceWarning(UserWarning):
    """A likelihood fit that did not reach a trustworthy optimum; the message names the remedy."""
