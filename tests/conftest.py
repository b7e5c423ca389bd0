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


@pytest.fixture(scope="session")
def spark():
    """Spark in local mode (Java from Debian's openjdk-17-jre-headless; .ci/run installs it).

    Python workers (mapInPandas, pandas UDFs) run this interpreter, so they import crmlab and pandas.
    """
    import os
    import shutil
    import sys

    pyspark = pytest.importorskip("pyspark", reason="pyspark is in the [test] extra: pip install -e .[test]")
    if not shutil.which("java"):
        pytest.skip("no Java runtime (apt-get install openjdk-17-jre-headless; .ci/run does)")
    os.environ["PYSPARK_PYTHON"] = sys.executable
    session = (
        pyspark.sql.SparkSession.builder.master("local[2]")
        .appName("crmlab-tests")
        .config("spark.pyspark.python", sys.executable)
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="session")
def postgres():
    """A throw-away PostgreSQL cluster (initdb / pg_ctl in a temp dir), one per test run."""
    from _postgres import start_postgres

    yield from start_postgres()
