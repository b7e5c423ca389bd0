"""Atomic file writes: a failed build never leaves a half-written report, notebook or grade sheet."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

__all__ = ["atomic_write_text"]


def atomic_write_text(path, text: str, check: Callable[[Path], None] | None = None) -> Path:
    """Write ``text`` to a temporary file beside ``path``, run ``check(tmp)``, then move it into place.

    If writing or ``check`` raises, the temporary file is removed and ``path`` keeps its old content.

    Parameters
    ----------
    path : str or path
        The file written (its folder is created if needed).
    text : str
        The content, written as UTF-8.
    check : callable, optional
        ``check(tmp_path)`` runs on the written temporary file before it is moved into place.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)
        if check is not None:
            check(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path
