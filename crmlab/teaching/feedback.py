"""The grader's reports: grades.csv, details.csv, items.csv and a feedback page per student.

Everything here runs after every sandbox of the batch is gone, in the grader's own process,
and writes each file atomically (:func:`crmlab.files.atomic_write_text`); ``grades.csv`` is
written last.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from pathlib import Path

import pandas as pd

from ..files import atomic_write_text
from .compare import MISSING

__all__ = ["feedback_html", "write_executed", "write_grades"]

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f6f7f9;
color:#1d2430}
header{background:#1f3a5f;color:#fff;padding:1.4rem 2rem}header h1{margin:0;font-size:1.5rem}
header p{margin:.3rem 0 0;opacity:.9}main{max-width:1100px;margin:1.5rem auto;padding:0 1rem}
section{background:#fff;border:1px solid #dde2ea;border-radius:8px;padding:1rem 1.3rem;margin-bottom:1rem}
h2{margin:0 0 .5rem;font-size:1.15rem}table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #e6e9ef;vertical-align:top}
th{background:#f0f3f7}td.num{text-align:right;white-space:nowrap}
tr.full td.num{color:#1b7f3b;font-weight:600}tr.zero td.num{color:#b42318;font-weight:600}
tr.part td.num{color:#a15c00;font-weight:600}code{background:#eef1f5;border-radius:4px;padding:0 .25rem}
.status{font-size:.85rem;color:#5a6577}.note{color:#a15c00}footer{text-align:center;color:#7a8494;font-size:.8rem;padding:2rem}
"""


def _rounded(value):
    """Floats to 6 significant digits, inside lists and dicts too (for display only)."""
    if isinstance(value, float):
        return float(f"{value:.6g}")
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    return value


def _value(value, digits: bool = False) -> str:
    if value is MISSING:
        return "—"
    text = json.dumps(_rounded(value) if digits else value, default=str, ensure_ascii=False)
    return text if len(text) <= 160 else text[:157] + "..."


def feedback_html(result, show_expected: bool = True) -> str:
    """The student's feedback page: per notebook, each item's score, answer and reason.

    Parameters
    ----------
    result : StudentResult
        One student's grading result.
    show_expected : bool
        Show the expected answers next to the student's.

    Returns
    -------
    str
        A self-contained HTML page.
    """
    esc = html.escape
    sections = []
    for nb in result.notebooks:
        got = sum(r.score for r in nb.items)
        best = sum(r.item.points for r in nb.items)
        rows = []
        for r in nb.items:
            cls = "full" if r.score >= r.item.points else ("zero" if r.score == 0 else "part")
            rows.append(
                f'<tr class="{cls}"><td><code>{esc(r.item.name)}</code><br>{esc(r.item.description)}</td>'
                f'<td class="num">{r.score:g} / {r.item.points:g}</td>'
                f"<td><code>{esc(_value(r.answer, True))}</code></td>"
                + (
                    f'<td><code>{esc(_value(r.expected, True))}</code><br><span class="status">'
                    f"{esc(r.item.check.describe())}</span></td>"
                    if show_expected
                    else ""
                )
                + f"<td>{esc(r.reason)}</td></tr>"
            )
        notes = "".join(f'<p class="note">Note: {esc(n)}</p>' for n in nb.notes)
        sections.append(
            f"<section><h2>{esc(nb.notebook)}.ipynb — {got:g} / {best:g}</h2>"
            f'<p class="status">Status: {esc(nb.status)}'
            + (f", ran in {nb.seconds:g} s" if nb.seconds else "")
            + f"</p>{notes}"
            "<table><tr><th>Item</th><th>Score</th><th>Your answer</th>"
            + ("<th>Expected</th>" if show_expected else "")
            + "<th>Why</th></tr>"
            + "".join(rows)
            + "</table></section>"
        )
    notes = "".join(f'<p class="note">{esc(n)}</p>' for n in result.notes)
    stamp = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Feedback — {esc(result.name or result.student_id)}</title><style>{_CSS}</style></head><body>"
        f"<header><h1>Feedback for {esc(result.name or result.student_id)} ({esc(result.student_id)})</h1>"
        f"<p>Total: {result.total:g} of {result.max_total:g} points</p></header><main>{notes}"
        + "".join(sections)
        + f"</main><footer>Graded {esc(stamp)} by <code>python -m crmlab.teaching grade</code>. Answers are "
        "checked against values recomputed from your own data; the tolerance of each item is stated "
        "under the expected value.</footer></body></html>"
    )


def _grade_rows(results, items) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The grades table (one row per student) and the details table (one row per student and item)."""
    rows, details = [], []
    for result in results:
        scores = {r.item.name: r.score for nb in result.notebooks for r in nb.items}
        rows.append(
            {
                "student_id": result.student_id,
                "name": result.name,
                **{item.name: scores.get(item.name, 0.0) for item in items},
                "total": result.total,
            }
        )
        for nb in result.notebooks:
            for r in nb.items:
                details.append(
                    {
                        "student_id": result.student_id,
                        "name": result.name,
                        "notebook": nb.notebook,
                        "status": nb.status,
                        "item": r.item.name,
                        "score": r.score,
                        "points": r.item.points,
                        "reason": r.reason,
                        "answer": _value(r.answer),
                        "expected": _value(r.expected),
                    }
                )
    table = pd.DataFrame(rows, columns=["student_id", "name", *[i.name for i in items], "total"])
    return table, pd.DataFrame(details)


def write_executed(folder: Path, result) -> None:
    """The executed copies of one student's notebooks, ``<folder>/executed/<notebook>.ipynb``.

    Parameters
    ----------
    folder : pathlib.Path
        The student's output folder.
    result : StudentResult
        One student's grading result.
    """
    for nb in result.notebooks:
        if nb.executed is not None:
            atomic_write_text(folder / "executed" / f"{nb.notebook}.ipynb", nb.executed)


def write_grades(out, results, items, show_expected: bool = True) -> pd.DataFrame:
    """Write every report of a graded batch into ``out``; ``grades.csv`` last.

    Parameters
    ----------
    out : path
        The grades folder.
    results : list of StudentResult
        One per student, in roster order.
    items : list of Item
        The graded items (the columns of grades.csv).
    show_expected : bool
        Show the expected values on the feedback pages.

    Returns
    -------
    DataFrame
        The grades table (student_id, name, one column per item, total).
    """
    out = Path(out)
    for result in results:
        write_executed(out / result.student_id, result)
        atomic_write_text(out / result.student_id / "feedback.html", feedback_html(result, show_expected))
    table, details = _grade_rows(results, items)
    atomic_write_text(out / "details.csv", details.to_csv(index=False))
    accepted = [
        {
            "notebook": i.notebook,
            "item": i.name,
            "points": i.points,
            "description": i.description,
            "accepted": i.check.describe(),
        }
        for i in items
    ]
    atomic_write_text(out / "items.csv", pd.DataFrame(accepted).to_csv(index=False))
    atomic_write_text(out / "grades.csv", table.to_csv(index=False))
    return table
