"""Time-invariant covariates in BG/NBD, Pareto/NBD and Gamma-Gamma (Fader & Hardie 2007, note 019).

Checked three ways: without covariates the fit is the plain model's on the CDNOW sample; the
coefficients of populations simulated with known coefficients are recovered within their
standard errors; and the 90 % Wald intervals cover the truth about 90 % of the time.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from crmlab import btyd
from crmlab.btyd.covariate_simulation import COVARIATE_TRUTH, make_covariates, simulate_with_covariates
from crmlab.btyd.covariates import BetaGeoCovariates, GammaGammaCovariates, ParetoNBDCovariates
from crmlab.data import load_cdnow
from crmlab.exceptions import ConvergenceWarning, CRMDataError, NotFittedError
from crmlab.rfm import rfm_summary

CAL_END, OBS_END = "1997-09-30", "1998-06-30"
PUBLISHED = {  # CDNOW sample, weeks (FHL 2005a; Fader & Hardie 2005; Fader & Hardie 2013)
    BetaGeoCovariates: {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426},
    ParetoNBDCovariates: {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669},
}
PLAIN = {BetaGeoCovariates: btyd.BetaGeo, ParetoNBDCovariates: btyd.ParetoNBD}
MODEL_NAME = {BetaGeoCovariates: "bgnbd", ParetoNBDCovariates: "pareto_nbd"}


@pytest.fixture(scope="module")
def cdnow():
    return rfm_summary(load_cdnow("sample"), observation_end=OBS_END, calibration_end=CAL_END)


def _fit(cls, summary, covariates, **hyper):
    if cls is GammaGammaCovariates:
        return cls(**hyper).fit(summary["frequency"], summary["monetary_value"], covariates)
    return cls(**hyper).fit(summary["frequency"], summary["recency"], summary["T"], covariates)


# --- (1) without covariates: the plain model ---------------------------------------------------------


@pytest.mark.parametrize("cls", [BetaGeoCovariates, ParetoNBDCovariates])
def test_without_covariates_the_fit_is_the_plain_fit(cdnow, cls):
    fit = _fit(cls, cdnow, pd.DataFrame(index=cdnow.index), n_starts=2)
    plain = PLAIN[cls]().fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    assert fit.converged_ and fit.covariate_names_ == []
    assert fit.loglik_ == pytest.approx(plain.loglik_, abs=1e-6)
    for k, v in plain.params_.items():
        assert fit.params_[k] == pytest.approx(v, rel=1e-5)
        assert fit.standard_errors_[k] == pytest.approx(plain.standard_errors_[k], rel=1e-3)
    for k, v in PUBLISHED[cls].items():  # and so the published CDNOW estimates
        assert fit.params_[k] == pytest.approx(v, rel=2e-3)


def test_gamma_gamma_without_covariates_is_the_plain_fit(cdnow):
    fit = _fit(GammaGammaCovariates, cdnow, pd.DataFrame(index=cdnow.index))
    plain = btyd.GammaGamma().fit(cdnow["frequency"], cdnow["monetary_value"])
    assert fit.loglik_ == pytest.approx(plain.loglik_, abs=1e-6)
    for k, v in plain.params_.items():
        assert fit.params_[k] == pytest.approx(v, rel=1e-5)


@pytest.mark.parametrize("cls", [BetaGeoCovariates, ParetoNBDCovariates])
def test_zero_coefficients_predict_as_the_plain_model(cdnow, cls):
    noise = make_covariates(len(cdnow), seed=3).set_index(cdnow.index)
    zeros = {f"{prefix}[{c}]": 0.0 for prefix, _, _ in cls._effects for c in noise.columns}
    model = cls.from_params(**PUBLISHED[cls], **zeros)
    plain = PLAIN[cls].from_params(**PUBLISHED[cls])
    x, tx, T = cdnow["frequency"], cdnow["recency"], cdnow["T"]
    np.testing.assert_allclose(
        model.conditional_probability_alive(x, tx, T, noise), plain.conditional_probability_alive(x, tx, T)
    )
    np.testing.assert_allclose(
        model.conditional_expected_number_of_purchases_up_to_time(39, x, tx, T, noise),
        plain.conditional_expected_number_of_purchases_up_to_time(39, x, tx, T),
        rtol=1e-12,
    )
    np.testing.assert_allclose(
        model.expected_number_of_purchases_up_to_time(39, noise.iloc[:5]),
        np.full(5, plain.expected_number_of_purchases_up_to_time(39)),
    )


@pytest.mark.parametrize("cls", [BetaGeoCovariates, ParetoNBDCovariates])
def test_a_covariate_without_effect_is_not_significant_on_cdnow(cdnow, cls):
    """Nested models: LL with covariates >= LL without; pure noise gives a small LR statistic."""
    noise = make_covariates(len(cdnow), seed=11).set_index(cdnow.index)[["age_std"]]
    fit = _fit(cls, cdnow, noise, n_starts=1)
    plain = PLAIN[cls]().fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    lr = 2 * (fit.loglik_ - plain.loglik_)
    k = len(fit.params_) - len(plain.params_)
    assert -1e-6 <= lr < stats.chi2.ppf(0.99, k)
    print(f"{cls.__name__}: LR statistic of a noise covariate {lr:.2f} on {k} df")


# --- (2) recovery of known coefficients ---------------------------------------------------------------

RECOVERY_TOL = {  # |estimate - truth| allowed at 5,000 customers (about 3 standard errors)
    "purchase": 0.2,
    "dropout": 0.35,
    "dropout_a": 0.7,
    "dropout_b": 0.7,
    "spend": 0.05,
}


@pytest.mark.parametrize("model", ["bgnbd", "pareto_nbd", "gamma_gamma"])
def test_known_coefficients_are_recovered(model):
    pop = simulate_with_covariates(model, n_customers=5000, seed=2026)
    cls = {"bgnbd": BetaGeoCovariates, "pareto_nbd": ParetoNBDCovariates}.get(model, GammaGammaCovariates)
    fit = _fit(cls, pop.summary, pop.covariates, n_starts=1)
    assert fit.converged_
    table = fit.summary().assign(truth=pd.Series(pop.truth))
    table["z"] = (table["coef"] - table["truth"]) / table["se"]
    print(table)
    assert set(table.index) == set(pop.truth)
    coefs = table.index.str.contains(r"\[")
    assert (table.loc[coefs, "z"].abs() < 2.5).all()  # the coefficients within 2.5 standard errors
    assert (table.loc[~coefs, "z"].abs() < 3.0).all()  # and the base parameters within 3
    for name, row in table.iterrows():
        if "[" in name:
            assert abs(row["coef"] - row["truth"]) < RECOVERY_TOL[name.split("[")[0]], name
    # the effects are there: every non-zero purchase / spend coefficient is significant
    strong = [k for k in table.index if k.startswith(("purchase", "spend"))]
    assert (table.loc[strong, "coef"].abs() / table.loc[strong, "se"] > 5).all()


def test_p_alive_is_calibrated_on_a_simulated_population():
    pop = simulate_with_covariates("pareto_nbd", n_customers=5000, seed=7)
    s = pop.summary
    truth = ParetoNBDCovariates.from_params(**pop.truth)
    p = truth.conditional_probability_alive(s["frequency"], s["recency"], s["T"], pop.covariates)
    assert isinstance(p, pd.Series) and p.index.equals(pop.covariates.index)
    assert abs(p.mean() - s["alive"].mean()) < 0.015
    older = pop.covariates["age_std"] > 0  # dropout[age_std] < 0: older customers stay longer
    assert s.loc[older, "alive"].mean() > s.loc[~older, "alive"].mean() + 0.05


def test_coefficients_shift_the_expected_purchases_as_exp_of_the_coefficient():
    truth = COVARIATE_TRUTH["pareto_nbd"]
    model = ParetoNBDCovariates.from_params(**truth)
    z = pd.DataFrame({"age_std": [0.0, 1.0], "channel_web": [0.0, 0.0]})
    # no dropout effect at t -> 0: the rate ratio is exp(purchase[age_std])
    e = model.expected_number_of_purchases_up_to_time(1e-6, z)
    assert e[1] / e[0] == pytest.approx(np.exp(truth["purchase[age_std]"]), rel=1e-4)


def test_simulation_is_seeded_and_records_its_truth():
    a = simulate_with_covariates("bgnbd", n_customers=300, seed=5)
    b = simulate_with_covariates("bgnbd", n_customers=300, seed=5)
    c = simulate_with_covariates("bgnbd", n_customers=300, seed=6)
    pd.testing.assert_frame_equal(a.summary, b.summary)
    assert not a.summary["frequency"].equals(c.summary["frequency"])
    assert a.truth == COVARIATE_TRUTH["bgnbd"] and list(a.covariates) == ["age_std", "channel_web"]
    assert 0.3 < a.covariates["channel_web"].mean() < 0.5


def test_weights_count_customers():
    pop = simulate_with_covariates("gamma_gamma", n_customers=600, seed=4)
    s, z = pop.summary, pop.covariates
    twice = GammaGammaCovariates().fit(
        pd.concat([s["frequency"]] * 2), pd.concat([s["monetary_value"]] * 2), pd.concat([z, z])
    )
    weighted = GammaGammaCovariates().fit(
        s["frequency"], s["monetary_value"], z, weights=np.full(len(s), 2.0)
    )
    assert weighted.n_customers_ == twice.n_customers_ == 1200
    assert weighted.loglik_ == pytest.approx(twice.loglik_, abs=1e-6)
    for k, v in twice.params_.items():
        assert weighted.params_[k] == pytest.approx(v, rel=1e-5, abs=1e-7)


# --- (3) coverage of the Wald intervals --------------------------------------------------------------


def _coverage(model: str, n_populations: int, n_customers: int, level: float = 0.90) -> pd.Series:
    cls = {"bgnbd": BetaGeoCovariates, "pareto_nbd": ParetoNBDCovariates}.get(model, GammaGammaCovariates)
    q = stats.norm.ppf(0.5 + level / 2)
    hits = []
    for seed in range(n_populations):
        pop = simulate_with_covariates(model, n_customers=n_customers, seed=1000 + seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = _fit(cls, pop.summary, pop.covariates, n_starts=1)
        coefs = [k for k in pop.truth if "[" in k]
        hits.append({k: abs(fit.params_[k] - pop.truth[k]) <= q * fit.standard_errors_[k] for k in coefs})
    return pd.DataFrame(hits).mean()


@pytest.mark.parametrize(("model", "n_customers"), [("pareto_nbd", 1000), ("gamma_gamma", 1500)])
def test_wald_intervals_cover_the_truth(model, n_customers):
    coverage = _coverage(model, 30, n_customers)
    print(f"{model}: 90 % Wald coverage over 30 populations of {n_customers:,}\n{coverage}")
    assert (coverage >= 0.7).all()
    assert 0.8 <= coverage.mean() <= 0.98


# --- (4) bad input --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small():
    return simulate_with_covariates("bgnbd", n_customers=400, seed=1)


def _bgfit(pop, covariates):
    s = pop.summary
    return BetaGeoCovariates(n_starts=1).fit(s["frequency"], s["recency"], s["T"], covariates)


def test_missing_covariate_values_are_named(small):
    bad = small.covariates.copy()
    bad.iloc[[3, 9], 0] = np.nan
    with pytest.raises(CRMDataError, match=r"age_std: 2 of 400 rows are missing") as err:
        _bgfit(small, bad)
    assert err.value.column == "age_std" and err.value.n_bad == 2 and "row 3" in err.value.example


def test_wrong_number_of_covariate_rows(small):
    with pytest.raises(CRMDataError, match=r"399 rows but the data have 400 customers"):
        _bgfit(small, small.covariates.iloc[:-1])


def test_non_numeric_covariate_is_named(small):
    bad = small.covariates.assign(region=np.where(small.covariates["channel_web"] > 0, "north", "south"))
    with pytest.raises(CRMDataError, match=r"region: .*not numeric.*get_dummies") as err:
        _bgfit(small, bad)
    assert err.value.column == "region" and "north" in err.value.example or "south" in err.value.example


def test_constant_and_collinear_covariates_are_refused(small):
    with pytest.raises(CRMDataError, match=r"ones: .*constant"):
        _bgfit(small, small.covariates.assign(ones=1.0))
    twice = small.covariates.assign(age2=2 * small.covariates["age_std"] + 1)
    with pytest.raises(CRMDataError, match=r"collinear"):
        _bgfit(small, twice)


def test_prediction_needs_the_fitted_columns(small):
    model = BetaGeoCovariates.from_params(**small.truth)
    s = small.summary
    with pytest.raises(CRMDataError, match=r"missing \['channel_web'\]"):
        model.conditional_probability_alive(
            s["frequency"], s["recency"], s["T"], small.covariates[["age_std"]]
        )
    # an array is taken by position
    p_frame = model.conditional_probability_alive(s["frequency"], s["recency"], s["T"], small.covariates)
    p_array = model.conditional_probability_alive(
        s["frequency"].to_numpy(), s["recency"].to_numpy(), s["T"].to_numpy(), small.covariates.to_numpy()
    )
    np.testing.assert_allclose(p_frame.to_numpy(), p_array)


def test_covariate_rows_are_matched_to_customers_by_index(small):
    model = BetaGeoCovariates.from_params(**small.truth)
    s = small.summary
    shuffled = small.covariates.sample(frac=1.0, random_state=0)
    expected = model.conditional_expected_number_of_purchases_up_to_time(
        10, s["frequency"], s["recency"], s["T"], small.covariates
    )
    again = model.conditional_expected_number_of_purchases_up_to_time(
        10, s["frequency"], s["recency"], s["T"], shuffled
    )
    pd.testing.assert_series_equal(again, expected)
    with pytest.raises(CRMDataError, match=r"no covariate row for 1 of 400 customers"):
        model.conditional_probability_alive(
            s["frequency"], s["recency"], s["T"], small.covariates.rename(index={0: 10_000})
        )


def test_a_covariate_that_separates_buyers_warns():
    """A dummy = "made a repeat purchase" drives the purchase coefficient to its edge."""
    pop = simulate_with_covariates("pareto_nbd", n_customers=400, seed=1)
    s = pop.summary
    buyer = pd.DataFrame({"buyer": (s["frequency"] > 0).astype(float)}, index=s.index)
    with pytest.warns(ConvergenceWarning, match="did not converge.*Remedies"):
        fit = ParetoNBDCovariates(n_starts=1).fit(s["frequency"], s["recency"], s["T"], buyer)
    assert fit.converged_ is False and fit.params_["purchase[buyer]"] > 5


def test_contract_before_fit_and_from_params():
    model = ParetoNBDCovariates()
    with pytest.raises(NotFittedError):
        model.summary()
    with pytest.raises(NotFittedError):
        model.covariate_names_  # noqa: B018
    with pytest.raises(NotFittedError):
        model.conditional_probability_alive([1], [1.0], [2.0], np.zeros((1, 0)))
    with pytest.raises(TypeError, match=r"not understood \['spend\[age\]'\]"):
        ParetoNBDCovariates.from_params(**PUBLISHED[ParetoNBDCovariates], **{"spend[age]": 0.1})
    with pytest.raises(ValueError, match="alpha"):
        ParetoNBDCovariates.from_params(r=1.0, alpha=-1.0, s=1.0, beta=1.0)
    truth = COVARIATE_TRUTH["pareto_nbd"]
    rebuilt = ParetoNBDCovariates.from_params(**ParetoNBDCovariates.from_params(**truth).params_)
    assert rebuilt.params_ == truth and rebuilt.covariate_names_ == ["age_std", "channel_web"]
    assert np.isnan(rebuilt.summary().loc["purchase[age_std]", "se"])
