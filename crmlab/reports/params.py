"""What a report is built from besides its files: the parameters and whether ids are pseudonymized.

``parse_params`` types papermill-style ``-p name value`` pairs, ``notebook_parameters`` reads a
notebook's defaults, and ``params_stamp`` is the text of ``reports/.params/<name>``: the parameter
overrides and ``pseudonymization()`` -- ``raw``, or ``pseudonymized`` with a fingerprint of
``CRMLAB_PSEUDONYM_KEY`` (HMAC-SHA256 of a fixed label under the key, 12 hex characters), never
the key itself. ``make reports`` rebuilds a report whose stamp changed, so setting, changing or
removing the key rebuilds every report.

Only the standard library is imported: make asks for the stamp of every notebook on every build.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from pathlib import Path

from ..files import atomic_write_text

__all__ = ["parse_params", "notebook_parameters", "pseudonymization", "params_stamp", "write_params_stamp"]

# the variable crmlab.datasets.load_dataset reads (not imported from there: that module loads pandas)
PSEUDONYM_KEY_ENV = "CRMLAB_PSEUDONYM_KEY"
_FINGERPRINT_LABEL = b"crmlab reports: ids pseudonymized with this key"


def _resolve(value: str):
    """papermill's CLI typing of ``-p name value``: bool, None, int, float, else str."""
    if value in ("True", "true"):
        return True
    if value in ("False", "false"):
        return False
    if value in ("None", "none", "null"):
        return None
    for cast in (int, float):
        try:
            return cast(value)
        except ValueError:
            pass
    return value


def parse_params(pairs: list[list[str]] | None) -> dict:
    """Type papermill-style ``-p name value`` pairs.

    Parameters
    ----------
    pairs : list of [name, value] or None
        e.g. ``[["seed", "7"], ["dataset", "cdnow"]]``.

    Returns
    -------
    dict
        ``{"seed": 7, "dataset": "cdnow"}``: bool, None, int, float, else str, as papermill does.
    """
    return {name: _resolve(value) for name, value in (pairs or [])}


def pseudonymization() -> str:
    """Whether the reports built now show raw ids: ``"raw"`` or ``"pseudonymized <fingerprint>"``.

    Returns
    -------
    str
        The fingerprint is the first 12 hex characters of HMAC-SHA256(key, a fixed label): it
        changes with ``CRMLAB_PSEUDONYM_KEY`` but does not reveal it.
    """
    key = os.environ.get(PSEUDONYM_KEY_ENV)
    if not key:
        return "raw"
    digest = hmac.new(key.encode(), _FINGERPRINT_LABEL, hashlib.sha256).hexdigest()
    return f"pseudonymized {digest[:12]}"


def params_stamp(params: dict) -> str:
    """The text of ``reports/.params/<name>``: what a report is built from besides its files.

    Parameters
    ----------
    params : dict
        The parameter overrides (``parse_params``).

    Returns
    -------
    str
        Two lines, the overrides as sorted JSON and ``pseudonymization()``; a report whose
        stamp changes is out of date.
    """
    return f"params: {json.dumps(params, sort_keys=True, default=str)}\nids: {pseudonymization()}\n"


def write_params_stamp(path, params: dict) -> bool:
    """Rewrite the stamp at ``path`` only when its text changes (make then rebuilds the report).

    Parameters
    ----------
    path : str or path
        The stamp file (``reports/.params/<notebook>``).
    params : dict
        The notebook parameters (and the privacy setting) of the build.

    Returns
    -------
    bool
        True when the stamp was (re)written.
    """
    path, text = Path(path), params_stamp(params)
    if path.exists() and path.read_text() == text:
        return False
    atomic_write_text(path, text)
    return True


def notebook_parameters(nb) -> dict:
    """Default parameters: the literal assignments of the cell tagged ``parameters``.

    Parameters
    ----------
    nb : nbformat.NotebookNode

    Returns
    -------
    dict
        name -> value of every ``name = literal`` in that cell; empty without such a cell.
    """
    import ast

    tagged = (c for c in nb.cells if c.cell_type == "code" and "parameters" in c.metadata.get("tags", []))
    cell = next(tagged, None)
    if cell is None:
        return {}
    return {
        node.targets[0].id: ast.literal_eval(node.value)
        for node in ast.parse(cell.source).body
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
    }
