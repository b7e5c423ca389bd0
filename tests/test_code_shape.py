"""House rules on the shape of crmlab's code: short functions, shallow nesting.

A function is at most ~80 lines of code (its docstring not counted) and nests blocks (if / for /
while / with / try) at most 3 deep: longer or deeper code is broken into named steps. ruff's
McCabe rule (C901, max 12, in ``make lint``) bounds the branching.
"""

from __future__ import annotations

import ast
from pathlib import Path

import crmlab

MAX_LINES = 80
MAX_DEPTH = 3
ROOT = Path(crmlab.__file__).resolve().parent
BLOCKS = (ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, ast.Try, ast.Match)


def _functions():
    for path in sorted(ROOT.rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                yield path.relative_to(ROOT.parent), node


def _code_lines(node) -> int:
    lines = node.end_lineno - node.lineno + 1
    doc = node.body[0] if node.body else None
    if isinstance(doc, ast.Expr) and isinstance(getattr(doc, "value", None), ast.Constant):
        if isinstance(doc.value.value, str):
            lines -= doc.end_lineno - doc.lineno + 1
    return lines


def _depth(node, level: int = 0) -> int:
    """How deep blocks nest inside ``node`` (an ``elif`` stays at its ``if``'s level)."""
    deepest = level
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            continue  # a nested function is measured on its own
        if not isinstance(child, BLOCKS):
            deepest = max(deepest, _depth(child, level))
            continue
        is_elif = isinstance(node, ast.If) and isinstance(child, ast.If) and node.orelse == [child]
        deepest = max(deepest, _depth(child, level if is_elif else level + 1))
    return deepest


def test_no_function_is_longer_than_80_lines():
    long = [
        f"{p}:{f.lineno} {f.name} ({_code_lines(f)})" for p, f in _functions() if _code_lines(f) > MAX_LINES
    ]
    assert not long, "break these into named steps:\n" + "\n".join(long)


def test_no_function_nests_deeper_than_3():
    deep = [f"{p}:{f.lineno} {f.name} ({_depth(f)})" for p, f in _functions() if _depth(f) > MAX_DEPTH]
    assert not deep, "flatten these:\n" + "\n".join(deep)
