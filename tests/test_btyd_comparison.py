"""Choosing a customer-base model on CDNOW: calibration criteria and holdout errors side by side."""

import matplotlib
import numpy as np
import pandas as pd
import pytest

from crmlab.btyd import BetaGeo, ParetoNBD
from crmlab.btyd.comparison import compare_models, plot_model_comparison
from crmlab.data import load_cdnow
from crmlab.rfm import rfm_summary

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def comparison():
    tx = load_cdnow("sample")
    s = rfm_summary(tx, calibration_end="1997-09-30", observation_end="1998-06-30")
    cols = [s[c] for c in ("frequency", "recency", "T")]
    models = {"BG/NBD": BetaGeo().fit(*cols), "Pareto/NBD": ParetoNBD().fit(*cols)}
    return compare_models(models, s), s, models


def test_calibration_criteria_and_holdout_totals_on_cdnow(comparison):
    """Fader, Hardie & Lee (2005a): LL -9582.4 (BG/NBD) and -9595.0 (Pareto/NBD), 4 parameters and
    2,357 customers each; 1,882 actual repeat purchase days in the 39-week holdout, 1,653 and 1,666
    expected."""
    table, *_ = comparison
    bg, pn = table.loc["BG/NBD"], table.loc["Pareto/NBD"]
    assert round(bg["loglik"], 1) == -9582.4 and round(pn["loglik"], 1) == -9595.0
    assert bg["aic"] == pytest.approx(2 * 4 + 2 * 9582.429, abs=0.01)
    assert bg["bic"] == pytest.approx(4 * np.log(2357) + 2 * 9582.429, abs=0.01)
    assert bg["holdout_actual"] == pn["holdout_actual"] == 1882
    assert round(bg["holdout_expected"]) == 1653 and round(pn["holdout_expected"]) == 1666
    assert bg["holdout_error_pct"] == pytest.approx((1653.41 - 1882) / 1882, abs=1e-4)


def test_holdout_mae_is_the_customer_weighted_gap_by_frequency(comparison):
    table, *_ = comparison
    by = table.attrs["by_frequency"]["BG/NBD"].drop(index="total")
    gap = (by["expected"] - by["actual"]).abs()
    assert table.loc["BG/NBD", "holdout_mae"] == pytest.approx((gap * by["customers"]).sum() / 2357)
    # group x = 1 by hand: 439 customers, 306 actual and 229.65 expected purchases
    assert by.loc["1", "customers"] == 439 and by.loc["1", "actual_total"] == 306
    assert table.loc["BG/NBD", "holdout_mae"] == pytest.approx(0.0970, abs=1e-4)


def test_criteria_can_disagree_and_best_says_which(comparison):
    """AIC and the by-frequency error prefer the BG/NBD; the total holdout error the Pareto/NBD."""
    table, s, models = comparison
    assert table.attrs["best"] == "BG/NBD" and table["best"].tolist() == [True, False]
    assert compare_models(models, s, criterion="aic").attrs["best"] == "BG/NBD"
    assert compare_models(models, s, criterion="holdout_total_error").attrs["best"] == "Pareto/NBD"
    with pytest.raises(ValueError, match="criterion"):
        compare_models(models, s, criterion="r2")
    with pytest.raises(ValueError, match="at least one"):
        compare_models({}, s)


def test_plot_draws_actual_and_each_model(comparison):
    import matplotlib.pyplot as plt

    table, *_ = comparison
    fig, ax = plt.subplots()
    assert plot_model_comparison(table, ax=ax) is ax
    assert [line.get_label() for line in ax.lines] == ["actual", "BG/NBD", "Pareto/NBD"]
    np.testing.assert_allclose(ax.lines[0].get_ydata(), table.attrs["by_frequency"]["BG/NBD"]["actual"][:-1])
    plt.close(fig)
    assert isinstance(table, pd.DataFrame)
