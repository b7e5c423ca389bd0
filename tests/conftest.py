"""Shared fixtures: small synthetic populations, generated once per test session."""

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from crmlab import synth  # noqa: E402


@pytest.fixture(scope="session")
def population():
    """A small synthetic population (3,000 sign-ups, seed 11)."""
    return synth.generate(3_000, seed=11)


@pytest.fixture(scope="session")
def population_no_trap():
    """The same size without the satisfaction trap (linear, symmetric effects)."""
    return synth.generate(3_000, seed=11, satisfaction_trap=False)
