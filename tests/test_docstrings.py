"""numpydoc sections on the public API (issue 11): every public function and method in a module's
``__all__`` has a ``Parameters`` section when it takes arguments and a ``Returns`` (or ``Yields``)
section unless it returns None."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re

import crmlab

SECTION = re.compile(r"^\s*(Parameters|Returns|Yields)\s*\n\s*-{3,}\s*$", re.M)


def _public_callables():
    for info in pkgutil.walk_packages(crmlab.__path__, "crmlab."):
        if any(part.startswith("_") for part in info.name.split(".")):
            continue
        module = importlib.import_module(info.name)
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            if not (inspect.isfunction(obj) or inspect.isclass(obj)) or obj.__module__ != module.__name__:
                continue
            if inspect.isfunction(obj):
                yield f"{info.name}.{name}", obj
                continue
            for method, func in vars(obj).items():
                if inspect.isfunction(func) and not method.startswith("_"):
                    yield f"{info.name}.{name}.{method}", func


def _missing(func) -> list[str]:
    sections = set(SECTION.findall(inspect.getdoc(func) or ""))
    sig = inspect.signature(func)
    missing = []
    if [p for p in sig.parameters if p not in ("self", "cls")] and "Parameters" not in sections:
        missing.append("Parameters")
    if sig.return_annotation not in (None, "None") and not {"Returns", "Yields"} & sections:
        missing.append("Returns")
    return missing


def test_public_callables_have_numpydoc_sections():
    checked = dict(_public_callables())
    lacking = sorted(f"{name}: {miss}" for name, func in checked.items() if (miss := _missing(func)))
    assert len(checked) > 300  # the walk finds the API (364 public functions and methods)
    assert not lacking, "public callables without numpydoc sections:\n" + "\n".join(lacking)


def test_the_check_sees_a_missing_section():
    def undocumented(x: int) -> int:
        """One line only."""
        return x

    def documented(x: int) -> int:
        """One line.

        Parameters
        ----------
        x : int
            A number.

        Returns
        -------
        int
            The number.
        """
        return x

    assert _missing(undocumented) == ["Parameters", "Returns"]
    assert _missing(documented) == []
