"""Notebooks are committed clean: no outputs, one literal `parameters` cell first, a python3 kernelspec."""

import ast
import re
from pathlib import Path

import nbformat
import pytest

from crmlab import paths

NOTEBOOKS = sorted(p for p in paths.NOTEBOOKS_DIR.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def test_there_are_notebooks():
    assert any(p.name == "00_data_overview.ipynb" for p in NOTEBOOKS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(paths.NOTEBOOKS_DIR)))
def test_notebook_is_clean(path: Path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    dirty = [i for i, c in enumerate(code) if c.outputs or c.execution_count is not None]
    assert not dirty, f"{path.name}: code cells {dirty} have outputs or execution counts; clear them"
    tagged = [i for i, c in enumerate(code) if "parameters" in c.metadata.get("tags", [])]
    assert tagged == [0], f"{path.name}: the first code cell, and only it, must be tagged 'parameters'"
    for node in ast.parse(code[0].source).body:
        assert isinstance(node, ast.Assign), f"{path.name}: the parameters cell holds assignments only"
        ast.literal_eval(node.value)  # literal values only: papermill does not recompute derived ones
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3"
    assert nb.metadata.get("language_info", {}).get("name") == "python"


ANALYSES = sorted(paths.NOTEBOOKS_DIR.glob("[0-9]*.ipynb"))
# a result number as the project's stop hook counts them: thousands-separated, decimals, percentages
RESULT_NUMBER = re.compile(r"(?<![\w.])(?:\d{1,3}(?:,\d{3})+|\d+\.\d+|\d+(?:\.\d+)? ?%)(?![\w])")
CITATION = re.compile(r"\([^)]*\b(19|20)\d\d[a-z]?\)")


def _prose(cell) -> str:
    """Markdown without code spans and parenthesised citations ("(Fader, Hardie & Lee 2005)")."""
    return CITATION.sub("", re.sub(r"`[^`]*`", "", cell.source))


@pytest.mark.parametrize("path", ANALYSES, ids=lambda p: p.name)
def test_analysis_notebook_shows_every_parameter_and_has_a_summary(path: Path):
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    names = {t.id for node in ast.parse(code[0].source).body for t in node.targets}
    shown = set()
    for cell in code[1:3]:
        for node in ast.walk(ast.parse(cell.source)):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "show_parameters":
                shown |= {kw.arg for kw in node.keywords}
    assert shown, f"{path.name}: one of the two cells after `parameters` must call show_parameters(...)"
    assert names <= shown, f"{path.name}: show_parameters does not show {sorted(names - shown)}"
    assert nb.metadata.get("crmlab", {}).get("summary"), f"{path.name}: set metadata.crmlab.summary"


@pytest.mark.parametrize("path", ANALYSES, ids=lambda p: p.name)
def test_readings_are_computed_not_written_by_hand(path: Path):
    """A Markdown reading quotes no result number: readings that quote one are say(f"...") cells."""
    nb = nbformat.read(path, as_version=4)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown" and cell.source.lstrip().startswith("**Reading.**"):
            found = RESULT_NUMBER.findall(_prose(cell))
            assert not found, (
                f"{path.name} cell {i}: hand-written result numbers {found}; compute them with say()"
            )
    total = sum(len(RESULT_NUMBER.findall(_prose(c))) for c in nb.cells if c.cell_type == "markdown")
    assert total <= 10, (
        f"{path.name}: {total} hand-written numbers in Markdown (definitions and citations only)"
    )
