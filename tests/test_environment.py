"""environment.yml (conda) and pyproject.toml declare the same dependencies (core + lab + test)."""

import re
import tomllib

import yaml

from crmlab import paths


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[ ;]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _spec(requirement: str) -> str:
    """The requirement without pip extras (conda has none): ibis-framework[duckdb] -> ibis-framework."""
    return re.sub(r"\[[^\]]*\]", "", requirement.replace(" ", ""))


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((paths.PROJECT_ROOT / "pyproject.toml").read_text())
    extras = project["project"]["optional-dependencies"]
    wanted = project["project"]["dependencies"] + extras["lab"] + extras["test"]
    declared = {_name(r): _spec(r) for r in wanted}
    env = yaml.safe_load((paths.PROJECT_ROOT / "environment.yml").read_text())
    conda = {
        _name(d): _spec(d)
        for d in env["dependencies"]
        if isinstance(d, str) and _name(d) not in {"python", "pip"}
    }
    assert env["dependencies"][-1] == {"pip": ["-e ."]}
    assert conda == declared


def test_benchmark_references_are_optional_only():
    """lifetimes is a reference for comparison only; DuckDB is the embedded engine (runtime)."""
    project = tomllib.loads((paths.PROJECT_ROOT / "pyproject.toml").read_text())
    runtime = {_name(r) for r in project["project"]["dependencies"]}
    assert "lifetimes" not in runtime
    assert {"duckdb", "ibis-framework"} <= runtime
    assert {_name(r) for r in project["project"]["optional-dependencies"]["bench"]} >= {"lifetimes"}
