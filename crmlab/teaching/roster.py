"""The class roster and the students' seeds: who takes the course, and whose data is whose.

Shared by the exercise generator (:mod:`crmlab.teaching.exercises`) and the grader
(:mod:`crmlab.teaching.grading`); it imports neither.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..data import CRMDataError

__all__ = ["DEFAULT_COURSE_KEY", "read_roster", "student_seed", "as_roster"]

DEFAULT_COURSE_KEY = "crmlab"
_SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


def _roster_error(
    message: str, column: str | None = None, n_bad: int | None = None, example: str | None = None
) -> CRMDataError:
    where = f"roster.{column}" if column else "roster"
    text = f"{where}: {message}" + (f" (example: {example})" if example else "")
    return CRMDataError(text, table="roster", column=column, n_bad=n_bad, example=example)


def _read_frame(source) -> tuple[pd.DataFrame, str]:
    """The roster as text columns, and how to name it in messages."""
    if isinstance(source, pd.DataFrame):
        return source.copy(), "the roster DataFrame"
    path = Path(source)
    if not path.exists():
        raise _roster_error(f"no such file: {path}")
    if path.is_dir():
        raise _roster_error(f"{path} is a directory, not a CSV file")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except pd.errors.EmptyDataError:
        raise _roster_error(
            f"the file {path} is empty; it needs a header 'student_id,name' and one row per student"
        ) from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise _roster_error(f"cannot read {path} as CSV: {exc}") from None
    return frame, str(path)


def _check_columns(frame: pd.DataFrame, where: str) -> None:
    frame.columns = [str(c).strip() for c in frame.columns]
    missing = [c for c in ("student_id", "name") if c not in frame.columns]
    if missing:
        semicolons = len(frame.columns) == 1 and ";" in frame.columns[0]
        hint = " (the file looks semicolon-separated)" if semicolons else ""
        raise _roster_error(
            f"missing column(s) {missing} in {where}; found {list(frame.columns)}{hint}. "
            "A roster has the columns student_id, name",
            column=missing[0],
            n_bad=len(missing),
        )
    if len(frame) == 0:
        raise _roster_error(f"{where} has a header but no students", n_bad=0)


def _check_ids(ids: pd.Series, names: pd.Series, line) -> None:
    """Every id present, safe as a folder name, unique ignoring case; ``line(i)`` names row i."""
    empty = (ids == "").to_numpy()
    unsafe = ~ids.map(lambda s: bool(_SAFE_ID.fullmatch(s))).to_numpy(dtype=bool) & ~empty
    folded = ids.str.lower()
    dup = folded.duplicated(keep=False).to_numpy()
    problems = [
        (empty, "{n} row(s) have no student_id", lambda i: f"name={names.iloc[i]!r}"),
        (
            unsafe,
            "{n} student_id(s) are unsafe as folder names: use 1-64 letters, digits, '_', '.' or '-', "
            "starting with a letter or digit",
            lambda i: f"student_id={ids.iloc[i]!r}",
        ),
        (
            dup,
            "{n} rows repeat a student_id (ids must be unique, also ignoring upper/lower case): {same}",
            lambda i: f"student_id={ids.iloc[i]!r}",
        ),
    ]
    for mask, message, show in problems:
        if mask.any():
            i = int(np.flatnonzero(mask)[0])
            same = ids[folded == folded.iloc[i]].tolist()
            raise _roster_error(
                message.format(n=int(mask.sum()), same=same),
                column="student_id",
                n_bad=int(mask.sum()),
                example=f"{line(i)}: {show(i)}",
            )


def read_roster(source) -> pd.DataFrame:
    """Read and validate a class roster: columns ``student_id`` and ``name``, one row per student.

    ``student_id`` must be present, unique (also ignoring case: folders must not clash on
    case-insensitive file systems) and safe as a folder name: 1-64 letters, digits, ``_``,
    ``.`` or ``-``, starting with a letter or digit. Ids are read as text ("007" stays
    "007") and stripped of surrounding spaces; a missing name becomes "".

    Parameters
    ----------
    source : path or DataFrame
        A CSV file (header ``student_id,name``) or a DataFrame with those columns.

    Returns
    -------
    DataFrame
        Columns ``student_id`` and ``name`` (text). Raises :class:`crmlab.data.CRMDataError`
        naming the column, the count and an example row.
    """
    frame, where = _read_frame(source)
    _check_columns(frame, where)
    ids = frame["student_id"].astype("string").fillna("").str.strip().astype(str)
    names = frame["name"].astype("string").fillna("").str.strip().astype(str)

    def line(i):  # a CSV line number (header = line 1), or a row label
        return f"line {i + 2}" if where != "the roster DataFrame" else f"row {frame.index[i]!r}"

    _check_ids(ids, names, line)
    return pd.DataFrame({"student_id": ids.to_numpy(), "name": names.to_numpy()})


def student_seed(student_id: str, course_key: str | bytes = DEFAULT_COURSE_KEY) -> int:
    """The student's data seed: HMAC-SHA256(course_key, student_id), first 4 bytes big-endian.

    An integer in [0, 2**32); stable for a (course key, id) pair, different between
    students, and not computable for another student without the course key.

    Parameters
    ----------
    student_id : str
        The student.
    course_key : str or bytes
        The course's secret key.

    Returns
    -------
    int
        The seed, 0 <= seed < 2**32.
    """
    if not isinstance(student_id, str) or not student_id:
        raise ValueError(f"student_seed: student_id must be a non-empty string, not {student_id!r}")
    if not course_key:
        raise ValueError("student_seed: the course key must not be empty")
    key = course_key.encode() if isinstance(course_key, str) else bytes(course_key)
    digest = hmac.new(key, student_id.encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:4], "big")


def as_roster(roster) -> pd.DataFrame:
    """A validated roster: ``roster`` itself if it is already one (columns student_id, name),
    else :func:`read_roster` of it (a path or a DataFrame).

    Parameters
    ----------
    roster : str, path or pandas.DataFrame
        A roster CSV or frame.

    Returns
    -------
    pandas.DataFrame
        student_id (text), name.
    """
    return (
        roster
        if isinstance(roster, pd.DataFrame) and list(roster.columns) == ["student_id", "name"]
        else read_roster(roster)
    )
