"""How an answer is compared with the expected value: the checks and their stated tolerances.

* :class:`Number` -- a real number within ``max(abs_tol, rel_tol x |expected|)``;
  :class:`OptionalNumber` also accepts ``None`` where the expected answer is "none";
* :class:`Integer` -- a whole number, exactly (3.0 counts as 3);
* :class:`Boolean` -- True / False (numpy booleans count);
* :class:`Text` -- a label, ignoring case, surrounding spaces and the quote style;
* :class:`Numbers` -- a list (or Series) of numbers, each within the tolerance, in order;
* :class:`Mapping` -- a dict (or Series) by key, e.g. customer id -> label; partial
  credit: the share of keys whose value passes the inner check.

An :class:`Item` is one gradable answer; :func:`score_answer` gives its points. The
expected values themselves are computed by :mod:`crmlab.teaching.checks`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Real

__all__ = [
    "Check",
    "Number",
    "OptionalNumber",
    "Integer",
    "Boolean",
    "Text",
    "Numbers",
    "Mapping",
    "Item",
    "score_answer",
    "MISSING",
]


class _Missing:
    def __repr__(self):
        return "MISSING"


#: marker for "the variable was not set"
MISSING = _Missing()


def _show(value, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _unsupported(value) -> str | None:
    """The grader's dump marks values it could not serialise as {"__unsupported__": type}."""
    if isinstance(value, dict) and "__unsupported__" in value:
        return f"a {value['__unsupported__']} (the grader reads numbers, text, True/False, lists and dicts)"
    if isinstance(value, dict) and "__float__" in value:
        return f"{value['__float__']} (not a finite number)"
    return None


# --------------------------------------------------------------------------- checks


class Check:
    """Compare a submitted value with the expected one: ``(fraction of the points, reason)``."""

    def __call__(self, got, expected) -> tuple[float, str]:
        raise NotImplementedError

    def describe(self) -> str:
        """How the check compares, in words.

        Returns
        -------
        str
            The phrase shown in the student's feedback, e.g. "exactly" or "within ±0.01".
        """
        raise NotImplementedError


@dataclass(frozen=True)
class Number(Check):
    """A real number within ``max(abs_tol, rel_tol * |expected|)`` of the expected value."""

    abs_tol: float = 0.0
    rel_tol: float = 0.0

    def tolerance(self, expected: float) -> float:
        """The allowed absolute difference for an expected value.

        Parameters
        ----------
        expected : float
            The expected answer.

        Returns
        -------
        float
            max(abs_tol, rel_tol * abs(expected)) plus 1e-12 for rounding.
        """
        return max(self.abs_tol, self.rel_tol * abs(expected)) + 1e-12

    def describe(self) -> str:
        """How the check compares, in words.

        Returns
        -------
        str
            The phrase shown in the student's feedback, e.g. "exactly" or "within ±0.01".
        """
        parts = []
        if self.abs_tol:
            parts.append(f"±{self.abs_tol:g}")
        if self.rel_tol:
            parts.append(f"±{100 * self.rel_tol:g} %")
        return (
            "within " + " or ".join(parts) + (" (whichever is larger)" if len(parts) > 1 else "")
            if parts
            else "exactly"
        )

    def __call__(self, got, expected):
        bad = _unsupported(got)
        if bad:
            return 0.0, f"expected a number, got {bad}"
        if isinstance(got, bool) or not isinstance(got, Real):
            return 0.0, f"expected a number, got {type(got).__name__} {_show(got)}"
        got = float(got)
        if not math.isfinite(got):
            return 0.0, f"expected a finite number, got {got}"
        diff = abs(got - expected)
        if diff <= self.tolerance(expected):
            return 1.0, "correct"
        return 0.0, (
            f"{got:.6g} is off by {diff:.3g} from the expected {expected:.6g} (accepted: {self.describe()})"
        )


@dataclass(frozen=True)
class OptionalNumber(Number):
    """A number as :class:`Number`, or ``None`` where the expected answer is "there is none"."""

    accepts_none = True

    def describe(self) -> str:
        """How the check compares, in words.

        Returns
        -------
        str
            The phrase shown in the student's feedback, e.g. "exactly" or "within ±0.01".
        """
        return super().describe() + ", or None where there is none"

    def __call__(self, got, expected):
        none = got is None or (isinstance(got, dict) and "__float__" in got)  # None or NaN
        if expected is None:
            return (
                (1.0, "correct") if none else (0.0, f"expected None (there is none here), got {_show(got)}")
            )
        if got is None:
            return 0.0, f"None, but there is one: expected a number near {expected:.6g}"
        return super().__call__(got, expected)


@dataclass(frozen=True)
class Integer(Check):
    """A whole number, exactly."""

    def describe(self) -> str:
        """How the check compares, in words.

        Returns
        -------
        str
            The phrase shown in the student's feedback, e.g. "exactly" or "within ±0.01".
        """
        return "exactly"

    def __call__(self, got, expected):
        bad = _unsupported(got)
        if bad:
            return 0.0, f"expected a whole number, got {bad}"
        if (
            isinstance(got, bool)
            or not isinstance(got, Real)
            or not math.isfinite(float(got))
            or float(got) != int(got)
        ):
            return 0.0, f"expected a whole number, got {type(got).__name__} {_show(got)}"
        if int(got) == int(expected):
            return 1.0, "correct"
        return 0.0, f"{int(got)} is not the expected {int(expected)}"


@dataclass(frozen=True)
class Boolean(Check):
    """True or False."""

    def describe(self) -> str:
        """How the check compares, in words.

        Returns
        -------
        str
            The phrase shown in the student's feedback, e.g. "exactly" or "within ±0.01".
        """
        return "exactly (True or False)"

    def __call__(self, got, expected):
        if not isinstance(got, bool):
            return 0.0, f"expected True or False, got {type(got).__name__} {_show(got)}"
        return (
            (1.0, "correct")
            if got == bool(expected)
            else (0.0, f"{got} is not the expected {bool(expected)}")
        )


def _norm_text(value: str) -> str:
    return " ".join(str(value).replace("\u2019", "'").replace("`", "'").strip().lower().split())


@dataclass(frozen=True)
class Text(Check):
    """A label, compared ignoring case, surrounding or repeated spaces and the apostrophe style."""

    def describe(self) -> str:
        """How the check compares, in words.

        Returns
        -------
        str
            The phrase shown in the student's feedback, e.g. "exactly" or "within ±0.01".
        """
        return "the same text (case and spacing ignored)"

    def __call__(self, got, expected):
        if not isinstance(got, str):
            return 0.0, f"expected text, got {type(got).__name__} {_show(got)}"
        if _norm_text(got) == _norm_text(expected):
            return 1.0, "correct"
        return 0.0, f"{got!r} is not the expected {expected!r}"


@dataclass(frozen=True)
class Numbers(Check):
    """A list of numbers in the stated order, each within the tolerance of :class:`Number`."""

    abs_tol: float = 0.0
    rel_tol: float = 0.0

    def describe(self) -> str:
        """How the check compares, in words.

        Returns
        -------
        str
            The phrase shown in the student's feedback, e.g. "exactly" or "within ±0.01".
        """
        return "each " + Number(self.abs_tol, self.rel_tol).describe() + ", in the stated order"

    def __call__(self, got, expected):
        bad = _unsupported(got)
        if bad:
            return 0.0, f"expected a list of {len(expected)} numbers, got {bad}"
        if isinstance(got, dict):  # a pandas Series arrives as {label: value}
            got = list(got.values())
        if not isinstance(got, list):
            return 0.0, f"expected a list of {len(expected)} numbers, got {type(got).__name__} {_show(got)}"
        if len(got) != len(expected):
            return 0.0, f"expected {len(expected)} numbers, got {len(got)}"
        inner = Number(self.abs_tol, self.rel_tol)
        results = [inner(g, e) for g, e in zip(got, expected)]
        wrong = [(k, reason) for k, (score, reason) in enumerate(results) if score < 1]
        if not wrong:
            return 1.0, "correct"
        k, reason = wrong[0]
        return 0.0, f"{len(wrong)} of {len(expected)} numbers are wrong; element {k}: {reason}"


@dataclass(frozen=True)
class Mapping(Check):
    """A dict {key: value} checked key by key with ``inner``; partial credit by share of keys."""

    inner: Check = Text()

    def describe(self) -> str:
        """How the check compares, in words.

        Returns
        -------
        str
            The phrase shown in the student's feedback, e.g. "exactly" or "within ±0.01".
        """
        return "for each key: " + self.inner.describe() + " (partial credit per key)"

    def __call__(self, got, expected):
        bad = _unsupported(got)
        if bad:
            return 0.0, f"expected a dict with the keys {list(expected)}, got {bad}"
        if not isinstance(got, dict):
            return (
                0.0,
                f"expected a dict with the keys {list(expected)}, got {type(got).__name__} {_show(got)}",
            )
        got = {str(k): v for k, v in got.items()}
        wrong = []
        for key, exp in expected.items():
            if key not in got:
                wrong.append(f"{key}: missing")
                continue
            ok, reason = self.inner(got[key], exp)
            if ok < 1:
                wrong.append(f"{key}: {reason}")
        right = len(expected) - len(wrong)
        if not wrong:
            return 1.0, "correct"
        return right / len(expected), f"{right} of {len(expected)} correct; " + "; ".join(wrong[:3]) + (
            " ..." if len(wrong) > 3 else ""
        )


@dataclass(frozen=True)
class Item:
    """One gradable answer: the variable ``name`` in ``notebook``, its points and its check."""

    notebook: str
    name: str
    points: float
    check: Check
    description: str


def score_answer(item: Item, submitted, expected) -> tuple[float, str]:
    """Points earned for ``submitted`` (or :data:`MISSING`) and the reason.

    Parameters
    ----------
    item : Item
        The graded item (its points and check).
    submitted : object
        The student's value, or MISSING when the variable was not set.
    expected : object
        The expected value.

    Returns
    -------
    tuple of (float, str)
        Points earned and the reason shown to the student.
    """
    if submitted is MISSING:
        return 0.0, f"{item.name} is not set"
    if submitted is None and not getattr(item.check, "accepts_none", False):
        return 0.0, f"{item.name} is None (not answered)"
    try:
        fraction, reason = item.check(submitted, expected)
    except Exception as exc:  # a malformed answer must never stop grading
        return 0.0, f"could not compare the answer: {type(exc).__name__}: {exc}"
    fraction = min(max(float(fraction), 0.0), 1.0)
    return round(item.points * fraction, 4), reason
