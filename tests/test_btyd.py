"""BG/NBD, Pareto/NBD and Gamma-Gamma: published CDNOW results, quadrature, known truth."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import warnings  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from scipy import integrate, optimize, special  # noqa: E402

from crmlab import _style, btyd  # noqa: E402
from crmlab.btyd import _numerics, bgnbd, gamma_gamma, pareto_nbd  # noqa: E402
from crmlab.data import CRMDataError, load_cdnow  # noqa: E402
from crmlab.exceptions import ConvergenceWarning, NotFittedError  # noqa: E402
from crmlab.rfm import rfm_summary  # noqa: E402

CAL_END, OBS_END = "1997-09-30", "1998-06-30"


@pytest.fixture(scope="module")
def cdnow_tx():
    return load_cdnow("sample")


@pytest.fixture(scope="module")
def cdnow(cdnow_tx):
    return rfm_summary(cdnow_tx, observation_end=OBS_END, calibration_end=CAL_END)


@pytest.fixture(scope="module")
def bgf(cdnow):
    return btyd.BetaGeo().fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])


@pytest.fixture(scope="module")
def pnbd(cdnow):
    return btyd.ParetoNBD().fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])


@pytest.fixture(scope="module")
def ggf(cdnow):
    return btyd.GammaGamma().fit(cdnow["frequency"], cdnow["monetary_value"])


# --------------------------------------------------------------------------- published results


def test_bgnbd_reproduces_fader_hardie_lee_2005(bgf):
    # Fader, Hardie & Lee (2005a), Marketing Science 24(2), p. 279: CDNOW sample, 39 weeks.
    p = bgf.params_
    assert (round(p["r"], 3), round(p["alpha"], 3), round(p["a"], 3), round(p["b"], 3)) == (
        0.243,
        4.414,
        0.793,
        2.426,
    )
    assert round(bgf.loglik_, 1) == -9582.4
    assert bgf.n_customers_ == 2357 and bgf.converged_


def test_pareto_nbd_reproduces_fader_hardie_lee_2005(pnbd):
    # Fader, Hardie & Lee (2005a), p. 279 (and Fader & Hardie's Pareto/NBD notes).
    p = pnbd.params_
    assert (round(p["r"], 3), round(p["alpha"], 3), round(p["s"], 3), round(p["beta"], 3)) == (
        0.553,
        10.578,
        0.606,
        11.669,
    )
    assert round(pnbd.loglik_, 1) == -9595.0


def test_gamma_gamma_reproduces_fader_hardie_lee_2005(ggf):
    # Fader, Hardie & Lee (2005b) "RFM and CLV", JMR 42(4): the 946 repeat customers' mean spend.
    p = ggf.params_
    assert (round(p["p"], 2), round(p["q"], 2), round(p["gamma"], 2)) == (6.25, 3.74, 15.44)
    assert ggf.n_customers_ == 946


def test_bgnbd_standard_errors_match_lifetimes(bgf):
    # lifetimes 0.11.3 BetaGeoFitter on the same data (benchmarks/btyd_fit.py) reports
    # se = 0.0126, 0.3782, 0.1857, 0.7053 from its autograd Hessian.
    se = bgf.standard_errors_
    np.testing.assert_allclose(
        [se["r"], se["alpha"], se["a"], se["b"]], [0.012557, 0.378221, 0.185719, 0.705345], rtol=2e-3
    )
    table = bgf.summary()
    assert list(table.columns) == ["coef", "se", "lower_95", "upper_95"]
    assert list(table.index) == ["r", "alpha", "a", "b"]
    assert (table["lower_95"] < table["coef"]).all() and (table["coef"] < table["upper_95"]).all()
    assert (table["lower_95"] > 0).all()
    assert table.attrs["bic"] == bgf.bic_ and table.attrs["n_customers"] == 2357 and table.attrs["converged"]


def test_bgnbd_conditional_expectation_published_example(bgf):
    # FHL (2005a), p. 280: a customer with x = 2, t_x = 30.43, T = 38.86 weeks is expected
    # to make 1.226 repeat purchases in the next 39 weeks.
    value = bgf.conditional_expected_number_of_purchases_up_to_time(39, 2, 30.43, 38.86)
    assert round(value, 3) == 1.226


def test_bgnbd_unconditional_expectation_matches_hardie_spreadsheet(bgf):
    # Hardie's BG/NBD Excel implementation for CDNOW (values quoted in lifetimes' tests).
    # Parameters are the sheet's Solver estimates, not ours to the last digit: 5e-4 tolerance.
    t = np.array([0.1429, 1.0, 3.0, 31.8571, 32.0, 78.0])
    expected = np.array([0.0078, 0.0532, 0.1506, 1.0405, 1.0437, 1.8576])
    np.testing.assert_allclose(bgf.expected_number_of_purchases_up_to_time(t), expected, atol=5e-4)


def test_pareto_p_alive_matches_btyd_example():
    # R package BTYD (Dziurzynski, Wadsworth & McCarthy), ?pnbd.PAlive:
    # params (0.55, 10.56, 0.61, 11.64), x = 0, t.x = 0, T.cal = 39 -> 0.2924031; t.x = T -> 1.
    model = btyd.ParetoNBD.from_params(r=0.55, alpha=10.56, s=0.61, beta=11.64)
    assert model.conditional_probability_alive(0, 0, 39) == pytest.approx(0.2924031, abs=1e-7)
    assert model.conditional_probability_alive(23, 39, 39) == pytest.approx(1.0, abs=1e-12)


# --------------------------------------------------------------------------- convergence


def random_starts(names, seed, n=20):
    """n log-uniform starting points: rates (alpha, beta) in [1, 100] weeks, shapes in [0.1, 10]."""
    rng = np.random.default_rng(seed)
    box = {k: (1.0, 100.0) if k in ("alpha", "beta") else (0.1, 10.0) for k in names}
    return [{k: float(np.exp(rng.uniform(*np.log(box[k])))) for k in names} for _ in range(n)]


@pytest.mark.parametrize(
    "cls, published",
    [
        (btyd.BetaGeo, {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}),
        (btyd.ParetoNBD, {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}),
    ],
)
def test_every_random_start_reaches_the_same_optimum(cdnow, cls, published):
    # converged_ is a statement about the optimum, not scipy's flag: 20 seeded random starts,
    # each run to its own optimum, all end at one log-likelihood, and the checks pass.
    starts = random_starts(list(published), seed=7)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no ConvergenceWarning, no raw RuntimeWarning
        model = cls().fit(cdnow["frequency"], cdnow["recency"], cdnow["T"], initial_params=starts)
    lls = np.array(model.convergence_["start_logliks"])
    assert lls.size == 20 and lls.max() - lls.min() < 1e-6
    assert model.convergence_["n_starts_at_best"] == 20
    assert model.converged_ and model.convergence_["checks"] == {
        "gradient": True,
        "starts": True,
        "hessian": True,
    }
    assert {k: round(v, 3) for k, v in model.params_.items()} == published
    assert model.loglik_ == pytest.approx(lls.max(), abs=1e-6)


def test_convergence_diagnostics_on_cdnow(bgf, pnbd, ggf):
    for model in (bgf, pnbd, ggf):
        d = model.convergence_
        assert model.converged_ and d["n_starts"] == 3 and d["n_starts_at_best"] == 3
        assert d["gradient_max"] < d["gradient_tol"] == 1e-6
        assert d["hessian_min_eigenvalue"] > 1.0 > d["hessian_tol"]
    # the smallest curvature of the BG/NBD log-likelihood in log(parameters) on CDNOW
    assert bgf.convergence_["hessian_min_eigenvalue"] == pytest.approx(7.38, abs=0.01)


def no_dropout_summary(n=300, seed=0):
    """Poisson buyers who never leave: every repeat buyer's last purchase is at T.

    Frequent buyers (about one purchase a week) keep the Pareto/NBD's 2F1 away from its slow
    region (z near 1 with few purchases), so the fit that runs off to the edge stays quick.
    """
    rng = np.random.default_rng(seed)
    T = rng.uniform(20, 40, n)
    x = rng.poisson(rng.gamma(2.0, 0.5, n) * T).astype(float)
    return x, np.where(x > 0, T, 0.0), T


@pytest.mark.parametrize("cls", [btyd.BetaGeo, btyd.ParetoNBD])
def test_unidentified_dropout_is_not_converged_and_warns(cls):
    x, tx, T = no_dropout_summary()
    with pytest.warns(ConvergenceWarning, match="did not converge") as caught:
        model = cls().fit(x, tx, T)
    assert [w.category for w in caught] == [ConvergenceWarning]  # and no raw numpy/scipy warning
    message = str(caught[0].message)
    assert "no evidence of dropout" in message and "penalizer" in message and "n_starts" in message
    assert not model.converged_ and not model.convergence_["checks"]["hessian"]
    # the dropout probability ran to 0: a/(a+b) for the BG/NBD, s/beta for the Pareto/NBD
    p = model.params_
    assert (p["a"] / (p["a"] + p["b"]) if cls is btyd.BetaGeo else p["s"] / p["beta"]) < 1e-6
    # while the purchase process is well estimated (true rates Gamma(2, scale 0.5))
    assert p["r"] == pytest.approx(2.0, rel=0.25) and p["alpha"] == pytest.approx(2.0, rel=0.25)


def test_a_start_that_runs_to_the_edge_is_reported():
    # one start far from the optimum ends on the BG/NBD's no-dropout edge (LL -9763.66 < -9582.43);
    # every start within +-30 % of it does too, so this is not a basin boundary that a CPU could tip
    data = rfm_summary(load_cdnow("sample"), observation_end=OBS_END, calibration_end=CAL_END)
    start = {"r": 42.0, "alpha": 12.5, "a": 3.1, "b": 0.47}
    with pytest.warns(ConvergenceWarning, match="other starts"):
        edge = btyd.BetaGeo().fit(data["frequency"], data["recency"], data["T"], initial_params=start)
    assert not edge.converged_ and edge.loglik_ < -9700
    assert "a" in edge.convergence_["weak_parameters"]


# --------------------------------------------------------------------------- estimator contract


def test_information_criteria_and_covariance(bgf, pnbd, ggf):
    # k = 4 parameters, n = 2,357 customers: AIC = 8 - 2 LL, BIC = 4 ln(2357) - 2 LL
    assert bgf.aic_ == pytest.approx(8 + 2 * 9582.4292067, abs=1e-6)
    assert bgf.bic_ == pytest.approx(4 * np.log(2357) + 2 * 9582.4292067, abs=1e-6)
    assert round(bgf.aic_, 1) == 19172.9 and round(pnbd.aic_, 1) == 19198.0
    assert bgf.bic_ < pnbd.bic_  # FHL (2005a): the BG/NBD fits CDNOW a little better
    assert ggf.bic_ == pytest.approx(3 * np.log(946) - 2 * ggf.loglik_)
    for model in (bgf, pnbd, ggf):
        cov = model.covariance_
        names = list(model.params_)
        assert isinstance(cov, pd.DataFrame) and list(cov.index) == list(cov.columns) == names
        np.testing.assert_allclose(cov.to_numpy(), cov.to_numpy().T, rtol=1e-10, atol=0)
        np.testing.assert_allclose(np.sqrt(np.diag(cov)), [model.standard_errors_[k] for k in names])
        assert np.all(np.linalg.eigvalsh(cov.to_numpy()) > 0)
    # r and alpha of the BG/NBD are strongly positively correlated (the mean rate r / alpha is
    # sharper than either): 0.78 on CDNOW
    corr = bgf.covariance_.loc["r", "alpha"] / (bgf.standard_errors_["r"] * bgf.standard_errors_["alpha"])
    assert corr == pytest.approx(0.78, abs=0.01)


def test_from_params_builds_a_model_that_predicts_like_the_fit(bgf):
    known = btyd.BetaGeo.from_params(**bgf.params_)
    assert known.is_fitted and known.converged_ is None and np.isnan(known.loglik_)
    assert known.conditional_expected_number_of_purchases_up_to_time(39, 2, 30.43, 38.86) == pytest.approx(
        bgf.conditional_expected_number_of_purchases_up_to_time(39, 2, 30.43, 38.86), rel=1e-14
    )
    table = known.summary()
    assert table["coef"].to_dict() == bgf.params_ and table["se"].isna().all()
    assert repr(known).startswith("<BetaGeo from known parameters: r=0.2426")
    with pytest.raises(TypeError, match=r"needs exactly the parameters \['r', 'alpha', 'a', 'b'\]"):
        btyd.BetaGeo.from_params(r=0.2, alpha=4.0, a=0.8)
    with pytest.raises(ValueError, match="b must lie in"):
        btyd.BetaGeo.from_params(r=0.2, alpha=4.0, a=0.8, b=0.0)


def test_unfitted_models_raise_not_fitted_error():
    for cls in (btyd.BetaGeo, btyd.ParetoNBD, btyd.GammaGamma):
        model = cls(penalizer=0.01)
        assert not model.is_fitted
        assert model.get_params() == {"penalizer": 0.01, "n_starts": 3, "random_state": 0}
        assert repr(model) == f"{cls.__name__}(penalizer=0.01, n_starts=3, random_state=0)"
        for attribute in ("params_", "loglik_", "aic_", "bic_", "covariance_", "standard_errors_"):
            with pytest.raises(NotFittedError, match=f"{cls.__name__} is not fitted yet"):
                getattr(model, attribute)
        with pytest.raises(NotFittedError, match="from_params"):
            model.summary()
        assert not hasattr(model, "converged_")  # NotFittedError is an AttributeError
    with pytest.raises(NotFittedError):
        btyd.BetaGeo().conditional_probability_alive(1, 1, 2)
    with pytest.raises(NotFittedError):
        btyd.ParetoNBD().expected_number_of_purchases_up_to_time(1)
    with pytest.raises(AttributeError, match="no attribute 'nonsense_'"):
        btyd.BetaGeo().nonsense_  # noqa: B018


def test_fit_returns_self_and_repr(cdnow, bgf):
    model = btyd.GammaGamma()
    assert model.fit(cdnow["frequency"], cdnow["monetary_value"]) is model
    assert repr(bgf).startswith("<BetaGeo fitted on 2,357 customers: r=0.2426, alpha=4.414")


def test_every_public_name_keeps_its_import_path():
    # the names crmlab.btyd exported as one module; the package re-exports them all
    before = [
        "BetaGeo",
        "ParetoNBD",
        "GammaGamma",
        "expected_vs_actual_by_frequency",
        "cumulative_tracking",
        "plot_tracking",
        "plot_expected_vs_actual",
        "simulate_beta_geo",
        "simulate_pareto_nbd",
        "simulate_gamma_gamma",
    ]
    assert set(before) <= set(btyd.__all__)
    for name in btyd.__all__:
        assert getattr(btyd, name) is not None, name
    assert btyd.BetaGeo.__module__ == "crmlab.btyd.bgnbd"
    assert issubclass(btyd.ParetoNBD, btyd.LikelihoodModel)


# --------------------------------------------------------------------------- formulas vs quadrature


def pnbd_loglik_by_quadrature(r, alpha, s, beta, x, tx, T):
    """log L = log Gamma(r+x) a^r / Gamma(r) [ (a+T)^-(r+x) (b/(b+T))^s
    + s b^s int_{t_x}^T (a+u)^-(r+x) (b+u)^-(s+1) du ]  (lambda, mu integrated analytically)."""
    c = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
    alive = np.exp(c - (r + x) * np.log(alpha + T) + s * np.log(beta / (beta + T)))
    died = integrate.quad(
        lambda u: np.exp(
            c + s * np.log(beta) + np.log(s) - (r + x) * np.log(alpha + u) - (s + 1) * np.log(beta + u)
        ),
        tx,
        T,
        epsabs=0,
        epsrel=1e-12,
    )[0]
    return np.log(alive + died), alive / (alive + died)


@pytest.mark.parametrize(
    "params",
    [
        (0.55, 10.56, 0.61, 11.64),  # alpha < beta
        (0.55, 20.0, 0.61, 5.0),  # alpha > beta
        (1.3, 3.0, 2.5, 40.0),
        (0.3, 7.0, 0.3, 7.0),
    ],
)  # alpha == beta
def test_pareto_nbd_likelihood_and_p_alive_match_quadrature(params):
    customers = [(0, 0, 39), (2, 30.43, 38.86), (10, 5, 39), (29, 38.4, 38.86), (100, 20, 70), (1, 0.5, 0.5)]
    x, tx, T = (np.array(c, dtype=float) for c in zip(*customers))
    ours = pareto_nbd._pnbd_loglik(*params, x, tx, T)
    model = btyd.ParetoNBD.from_params(**dict(zip(["r", "alpha", "s", "beta"], params)))
    p_alive = model.conditional_probability_alive(x, tx, T)
    ux, inv = np.unique(x, return_inverse=True)
    total = pareto_nbd._pnbd_loglik_total(np.array(params), ux, inv, tx, T, np.ones_like(x))
    assert total == pytest.approx(ours.sum(), rel=1e-13)  # the fit's fast path, same formula
    for i, cust in enumerate(customers):
        ll, pa = pnbd_loglik_by_quadrature(*params, *cust)
        assert ours[i] == pytest.approx(ll, rel=1e-10, abs=1e-10), cust
        assert p_alive[i] == pytest.approx(pa, rel=1e-8, abs=1e-12), cust


def bgnbd_conditional_by_quadrature(r, alpha, a, b, t, x, tx, T):
    """E[Y(t)|data] = int int (1/p)(1 - e^{-lambda p t}) P(alive, lambda, p | data): lambda
    integrated analytically, p numerically (FHL 2005a eqs. 6-7); in logs, relative to L."""
    log_l = bgnbd._bgnbd_loglik(r, alpha, a, b, float(x), float(tx), float(T))
    c = (
        special.gammaln(r + x)
        - special.gammaln(r)
        + r * np.log(alpha)
        - special.betaln(a, b)
        - (r + x) * np.log(alpha + T)
        - log_l
    )

    def integrand(u):
        # p = u^(1/a) removes the p^(a-1) singularity at 0; quad's weight (1-u)^(x+b-1)
        # takes the one at 1
        u = min(max(u, 1e-12), np.nextafter(1.0, 0.0))  # QAWS may touch the end points
        log_p = np.log(u) / a
        gone = np.log(-np.expm1(-(r + x) * np.log1p(np.exp(log_p) * t / (alpha + T))))
        tail = (x + b - 1) * np.log(-np.expm1(log_p)) - singular * np.log1p(-u)
        return np.exp(c + tail - log_p + gone) / a

    singular = min(x + b - 1, 0.0)  # (1-p)^(x+b-1) is singular at p = 1 only if x + b < 1
    return integrate.quad(
        integrand, 0, 1, weight="alg", wvar=(0, singular), epsabs=0, epsrel=1e-11, limit=200
    )[0]


@pytest.mark.parametrize(
    "params",
    [(0.2426, 4.4136, 0.7929, 2.4259), (1.5, 3.0, 2.0, 5.0), (0.5, 10.0, 0.3, 0.8), (2.0, 1.0, 1.2, 0.4)],
)
def test_bgnbd_expectations_match_quadrature(params):
    model = btyd.BetaGeo.from_params(**dict(zip(["r", "alpha", "a", "b"], params)))
    for x, tx, T, t in [
        (2, 30.43, 38.86, 39),
        (0, 0, 38.86, 39),
        (29, 38.4, 38.86, 78),
        (100, 60, 70, 520),
        (400, 38, 39, 52),
        (0, 0, 0, 5200),
    ]:
        ours = model.conditional_expected_number_of_purchases_up_to_time(t, x, tx, T)
        assert ours == pytest.approx(bgnbd_conditional_by_quadrature(*params, t, x, tx, T), rel=1e-8), (
            x,
            tx,
            T,
            t,
        )
    # the unconditional expectation is the conditional one of a customer with T = 0
    t = np.array([0.5, 39.0, 5200.0])
    np.testing.assert_allclose(
        model.expected_number_of_purchases_up_to_time(t),
        model.conditional_expected_number_of_purchases_up_to_time(t, 0, 0, 0),
    )


def test_large_frequencies_do_not_overflow():
    assert np.isfinite(bgnbd._bgnbd_loglik(0.243, 4.414, 0.793, 2.426, 5000.0, 38.0, 39.0))
    # lifetimes' overflow regression case (tests/test_estimation.py, TestParetoNBDFitter)
    ll = pareto_nbd._pnbd_loglik(
        10.465,
        7.98565181e-03,
        3.0516,
        2.820,
        np.array([400.0, 500.0, 500.0]),
        np.array([5.0, 1.0, 4.0]),
        np.array([6.0, 37.0, 37.0]),
    )
    assert np.isfinite(ll).all()
    model = btyd.ParetoNBD.from_params(r=10.465, alpha=7.98565181e-03, s=3.0516, beta=2.820)
    p = model.conditional_probability_alive([400, 5000], [5, 30], [6, 37])
    assert np.isfinite(p).all() and (p >= 0).all() and (p <= 1).all()


def test_analytic_gradients_match_finite_differences(cdnow):
    x, tx, T = (cdnow[c].to_numpy(float) for c in ["frequency", "recency", "T"])
    theta = np.array([0.3, 5.0, 0.9, 2.0])
    f = lambda th: bgnbd._bgnbd_loglik(*th, x, tx, T).sum()  # noqa: E731
    ux, inv = np.unique(x, return_inverse=True)
    ll, g = bgnbd._bgnbd_value_and_grad(theta, ux, inv, tx, T, np.ones_like(x))
    assert ll == pytest.approx(f(theta), rel=1e-12)
    np.testing.assert_allclose(g, optimize.approx_fprime(theta, f, 1e-7), rtol=1e-4)
    rep = x > 0
    m = cdnow["monetary_value"].to_numpy()[rep]
    theta = np.array([5.0, 3.0, 14.0])
    f = lambda th: gamma_gamma._gg_loglik(*th, x[rep], m).sum()  # noqa: E731
    ux, inv = np.unique(x[rep], return_inverse=True)
    ll, g = gamma_gamma._gg_value_and_grad(theta, ux, inv, m, np.ones_like(m))
    assert ll == pytest.approx(f(theta), rel=1e-12)
    np.testing.assert_allclose(g, optimize.approx_fprime(theta, f, 1e-7), rtol=1e-4)


def test_numerical_hessian_is_exact_on_a_quadratic():
    A = np.array([[4.0, 1.0, 0.5], [1.0, 3.0, -0.2], [0.5, -0.2, 2.0]])

    def f(P):
        return 0.5 * np.einsum("ij,jk,ik->i", P, A, P) + P @ np.array([1.0, -2.0, 0.3])

    np.testing.assert_allclose(_numerics._numerical_hessian(f, np.array([0.7, 2.0, 5.0])), A, rtol=1e-6)


# --------------------------------------------------------------------------- known truth


def test_bgnbd_recovers_a_simulated_population():
    truth = {"r": 0.5, "alpha": 6.0, "a": 0.8, "b": 2.5}
    T = np.random.default_rng(1).uniform(26, 78, 5000)
    sim = btyd.simulate_beta_geo(**truth, T=T, seed=2)
    model = btyd.BetaGeo().fit(sim["frequency"], sim["recency"], sim["T"])
    for name, value in truth.items():
        est, se = model.params_[name], model.standard_errors_[name]
        assert abs(est - value) < 3.5 * se, name
        assert abs(est - value) < 0.25 * value, name
    # the simulator agrees with the model's own mean at the true parameters
    at_truth = btyd.BetaGeo.from_params(**truth)
    expected = at_truth.expected_number_of_purchases_up_to_time(T).mean()
    assert sim["frequency"].mean() == pytest.approx(expected, rel=0.05)
    # P(alive) sorts the simulated survivors from the dead
    p_alive = model.conditional_probability_alive(sim["frequency"], sim["recency"], sim["T"])
    assert p_alive[sim["alive"]].mean() > p_alive[~sim["alive"]].mean() + 0.1


def test_pareto_nbd_recovers_a_simulated_population():
    truth = {"r": 0.5, "alpha": 6.0, "s": 0.7, "beta": 12.0}
    T = np.round(np.random.default_rng(3).uniform(26, 78, 3000))  # whole weeks: fewer patterns
    sim = btyd.simulate_pareto_nbd(**truth, T=T, seed=4)
    model = btyd.ParetoNBD().fit(sim["frequency"], sim["recency"], sim["T"])
    for name, value in truth.items():
        est, se = model.params_[name], model.standard_errors_[name]
        assert abs(est - value) < 3.5 * se, name
        assert abs(est - value) < 0.4 * value, name


def test_gamma_gamma_recovers_a_simulated_population():
    truth = {"p": 6.0, "q": 4.0, "gamma": 15.0}
    freq = np.random.default_rng(5).poisson(3.0, 4000)
    sim = btyd.simulate_gamma_gamma(**truth, frequency=freq, seed=6)
    model = btyd.GammaGamma().fit(sim["frequency"], sim["monetary_value"])
    assert model.n_customers_ == int((freq > 0).sum())
    for name, value in truth.items():
        est, se = model.params_[name], model.standard_errors_[name]
        assert abs(est - value) < 3.5 * se, name
    # the conditional expectation is closer to each customer's true mean spend than m itself
    rep = sim["frequency"] > 0
    shrunk = model.conditional_expected_average_profit(sim["frequency"], sim["monetary_value"])
    err_shrunk = np.mean((shrunk[rep] - sim["z"][rep]) ** 2)
    err_raw = np.mean((sim["monetary_value"][rep] - sim["z"][rep]) ** 2)
    assert err_shrunk < 0.8 * err_raw


def test_fit_in_days_rescales_alpha_only(cdnow, bgf):
    days = btyd.BetaGeo().fit(cdnow["frequency"], cdnow["recency"] * 7, cdnow["T"] * 7)
    for name in ("r", "a", "b"):
        assert days.params_[name] == pytest.approx(bgf.params_[name], rel=1e-4)
    assert days.params_["alpha"] == pytest.approx(7 * bgf.params_["alpha"], rel=1e-4)
    # the density of the purchase times picks up 1/7 per repeat purchase
    shift = -cdnow["frequency"].sum() * np.log(7)
    assert days.loglik_ == pytest.approx(bgf.loglik_ + shift, abs=1e-4)


def test_penalizer_shrinks_the_parameters(cdnow, bgf):
    pen = btyd.BetaGeo(penalizer=0.1).fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    assert sum(v**2 for v in pen.params_.values()) < sum(v**2 for v in bgf.params_.values())
    assert pen.loglik_ < bgf.loglik_


# --------------------------------------------------------------------------- predictions


def test_p_alive_is_one_without_repeat_purchases_and_a_probability(cdnow, bgf, pnbd):
    p = bgf.conditional_probability_alive(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    assert isinstance(p, pd.Series) and p.index.equals(cdnow.index)
    assert (p[cdnow["frequency"] == 0] == 1.0).all()
    assert ((p > 0) & (p <= 1)).all()
    assert bgf.conditional_probability_alive(0, 0, 10) == 1.0
    q = pnbd.conditional_probability_alive(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    assert ((q > 0) & (q <= 1)).all()
    # the longer since the last purchase, the less likely alive
    assert pnbd.conditional_probability_alive(5, 10, 39) < pnbd.conditional_probability_alive(5, 35, 39)


def test_holdout_table_by_frequency(cdnow, bgf):
    table = btyd.expected_vs_actual_by_frequency(bgf, cdnow, max_frequency=7)
    assert list(table.index) == ["0", "1", "2", "3", "4", "5", "6", "7+", "total"]
    assert table.loc["total", "customers"] == 2357
    assert table.loc["0", "customers"] == 1411
    assert table.loc["total", "actual_total"] == 1882
    assert table["customers"].iloc[:-1].sum() == 2357
    expected = bgf.conditional_expected_number_of_purchases_up_to_time(
        cdnow["duration_holdout"], cdnow["frequency"], cdnow["recency"], cdnow["T"]
    )
    assert table.loc["total", "expected_total"] == pytest.approx(expected.sum(), rel=1e-12)
    assert table.loc["7+", "expected"] == pytest.approx(expected[cdnow["frequency"] >= 7].mean())
    assert table.loc["total", "expected"] == pytest.approx(expected.mean())
    with pytest.raises(ValueError, match="frequency_holdout"):
        btyd.expected_vs_actual_by_frequency(bgf, cdnow[["frequency", "recency", "T"]])
    with pytest.raises(CRMDataError, match="rfm summary.frequency_holdout: .* rfm_summary") as err:
        btyd.expected_vs_actual_by_frequency(bgf, cdnow[["frequency", "recency", "T"]])
    assert err.value.n_bad == 2


def test_cumulative_tracking(cdnow_tx, cdnow, bgf, pnbd):
    for model in (bgf, pnbd):
        track = btyd.cumulative_tracking(model, cdnow_tx, CAL_END, OBS_END)
        assert len(track) == 78 and track.index[0] == 1
        assert track.loc[39, "date"] == pd.Timestamp(CAL_END)
        assert track.loc[78, "date"] == pd.Timestamp(OBS_END)
        # actual repeat purchases agree with rfm_summary's counts
        assert track.loc[39, "actual"] == cdnow["frequency"].sum() == 2457
        assert track.loc[78, "actual"] == 2457 + 1882
        assert (track["period_type"] == "calibration").sum() == 39
        # at the calibration end each customer's age is its T
        at_T = model.expected_number_of_purchases_up_to_time(cdnow["T"].to_numpy()).sum()
        assert track.loc[39, "expected"] == pytest.approx(at_T, rel=1e-12)
        assert track["expected_incremental"].sum() == pytest.approx(track.loc[78, "expected"])
        assert np.all(np.diff(track["expected"]) > 0)
    with pytest.raises(CRMDataError, match="transactions.customer_id: cumulative_tracking needs"):
        btyd.cumulative_tracking(bgf, cdnow_tx.drop(columns="customer_id"), CAL_END, OBS_END)
    with pytest.raises(CRMDataError, match="transactions.date: .* no customer made a first purchase"):
        btyd.cumulative_tracking(bgf, cdnow_tx, "1990-01-01", OBS_END)


def test_customer_lifetime_value(cdnow, bgf, ggf):
    f, r, T, m = (cdnow[c] for c in ["frequency", "recency", "T", "monetary_value"])
    clv = ggf.customer_lifetime_value(bgf, f, r, T, m, time=12, discount_rate=0.01, freq_days=7)
    assert isinstance(clv, pd.Series) and clv.index.equals(cdnow.index)
    spend = ggf.conditional_expected_average_profit(f, m)
    step = 365.25 / 12 / 7
    # month by month, by hand
    by_hand = sum(
        spend
        * (
            bgf.conditional_expected_number_of_purchases_up_to_time(k * step, f, r, T)
            - bgf.conditional_expected_number_of_purchases_up_to_time((k - 1) * step, f, r, T)
        )
        / 1.01**k
        for k in range(1, 13)
    )
    np.testing.assert_allclose(clv, by_hand, rtol=1e-12)
    # undiscounted: expected spend times expected purchases in the year
    flat = ggf.customer_lifetime_value(bgf, f, r, T, m, time=12, discount_rate=0.0)
    year = bgf.conditional_expected_number_of_purchases_up_to_time(12 * step, f, r, T)
    np.testing.assert_allclose(flat, spend * year, rtol=1e-12)
    assert (flat >= clv).all()
    # lifetimes 0.11.3 (GammaGammaFitter.customer_lifetime_value(BetaGeoFitter, ..., freq="W"),
    # run in benchmarks' venv) steps 4.345 weeks a month and gives, for customers 1, 10, 100,
    # 1000, 1001: 36.273977, 8.344481, 21.887744, 50.692786, 9.353039
    as_lifetimes = ggf.customer_lifetime_value(bgf, f, r, T, m, days_per_month=4.345 * 7)
    np.testing.assert_allclose(
        as_lifetimes.loc[["1", "10", "100", "1000", "1001"]],
        [36.273977, 8.344481, 21.887744, 50.692786, 9.353039],
        atol=1e-5,
    )
    # scalars in, a float out
    one = ggf.customer_lifetime_value(bgf, 2, 30.43, 38.86, 20.0)
    assert isinstance(one, float) and one > 0
    # a model fitted in days gives the same CLV with freq_days=1
    days = btyd.BetaGeo().fit(f.to_numpy(), r.to_numpy() * 7, T.to_numpy() * 7, time_unit="D")
    in_days = ggf.customer_lifetime_value(days, f, r.to_numpy() * 7, T.to_numpy() * 7, m, freq_days=1)
    np.testing.assert_allclose(in_days, clv, rtol=1e-3)


def test_customer_lifetime_value_has_one_home(cdnow, bgf, pnbd, ggf):
    from crmlab import clv
    from crmlab.clv.probabilistic import customer_lifetime_value

    assert clv.customer_lifetime_value is customer_lifetime_value and "customer_lifetime_value" in clv.__all__
    f, r, T, m = (cdnow[c] for c in ["frequency", "recency", "T", "monetary_value"])
    for model in (bgf, pnbd):
        free = customer_lifetime_value(
            model, ggf, cdnow, horizon="6 months", discount_rate=0.02, discount_period="month"
        )
        method = ggf.customer_lifetime_value(model, f, r, T, m, time=6, discount_rate=0.02)
        pd.testing.assert_series_equal(free, method, check_exact=False, rtol=1e-12)
    # lifetimes 0.11.3's figure for customer 1 (test_customer_lifetime_value), via the free function
    month = "4.345 weeks"
    one = customer_lifetime_value(
        bgf, ggf, cdnow, horizon=12 * 4.345, discount_rate=0.01, discount_period=month, step=month
    )
    assert one.loc["1"] == pytest.approx(36.273977, abs=1e-5)
    with pytest.raises(ValueError, match="spend_model must be a fitted GammaGamma, got BetaGeo"):
        customer_lifetime_value(bgf, bgf, cdnow)
    with pytest.raises(NotFittedError):
        customer_lifetime_value(btyd.BetaGeo(), ggf, cdnow)
    with pytest.raises(ValueError, match="^GammaGamma.customer_lifetime_value: freq_days"):
        ggf.customer_lifetime_value(bgf, f, r, T, m, freq_days=0)


def test_conditional_expected_average_profit(ggf):
    p, q, g = ggf.params_["p"], ggf.params_["q"], ggf.params_["gamma"]
    out = ggf.conditional_expected_average_profit(np.array([0, 1, 10]), np.array([0.0, 50.0, 50.0]))
    assert out[0] == pytest.approx(p * g / (q - 1))
    assert out[1] == pytest.approx((g + 50.0) * p / (p + q - 1))
    assert out[0] < out[1] < out[2] < 50.0  # shrinks towards the population mean


def test_series_in_series_out_and_broadcasting(cdnow, pnbd):
    out = pnbd.conditional_expected_number_of_purchases_up_to_time(
        39, cdnow["frequency"], cdnow["recency"], cdnow["T"]
    )
    assert isinstance(out, pd.Series) and out.index.equals(cdnow.index)
    arr = pnbd.conditional_expected_number_of_purchases_up_to_time([10, 20, 39], 2, 30.43, 38.86)
    assert isinstance(arr, np.ndarray) and np.all(np.diff(arr) > 0)
    assert isinstance(pnbd.expected_number_of_purchases_up_to_time(39), float)


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    "freq, rec, T, match",
    [
        ([1, -1, 0], [1, 1, 0], [5, 5, 5], "frequency is negative for 1 of 3 customers"),
        ([1, 2, 0], [1, 6, 0], [5, 5, 5], "recency is greater than T"),
        ([1, 2.5, 0], [1, 2, 0], [5, 5, 5], "frequency is not a whole number"),
        ([1, 2, 0], [1, 2, 3], [5, 5, 5], "recency is > 0 although frequency is 0"),
        ([1, 2, np.nan], [1, 2, 0], [5, 5, 5], "frequency is missing or infinite"),
        ([1, 2, 0], [1, 2, 0], [5, -5, 5], "T is negative for 1 of 3 customers"),
    ],
)
def test_bad_rfm_inputs_raise_with_an_example(freq, rec, T, match):
    with pytest.raises(CRMDataError, match=match) as err:
        btyd.BetaGeo().fit(freq, rec, T)
    assert err.value.n_bad == 1 and "example" in str(err.value)


def test_impossible_summaries_are_data_errors(bgf, ggf):
    # a repeat purchase at recency 0 is impossible (it used to fit to alpha = 4e-149, LL = +992)
    impossible = r"recency is 0 although frequency is > 0 .* for 1 of 3 customers"
    with pytest.raises(CRMDataError, match=impossible) as err:
        btyd.BetaGeo().fit([1, 2, 0], [1, 0, 0], [5, 5, 5])
    assert err.value.column == "recency" and err.value.n_bad == 1 and "position 1" in err.value.example
    # columns of different lengths are an error, never broadcast (2 customers against 1)
    for call in (
        lambda: btyd.BetaGeo().fit([1, 2], [1], [5, 5]),
        lambda: btyd.ParetoNBD().fit([1, 2], [1, 2], [5]),
        lambda: bgf.conditional_probability_alive([1, 2], [1], [5, 5]),
        lambda: ggf.conditional_expected_average_profit([1, 2], [10.0]),
    ):
        with pytest.raises(CRMDataError, match="mismatched lengths: frequency has 2, "):
            call()
    # a scalar is one value for every customer
    np.testing.assert_allclose(
        bgf.conditional_probability_alive([1, 2], [1, 2], 5),
        bgf.conditional_probability_alive([1, 2], [1, 2], [5, 5]),
    )


def test_messages_count_one_customer_in_the_singular(bgf):
    with pytest.raises(CRMDataError, match=r"single customer: 1 customer, 1 with frequency > 0$"):
        btyd.BetaGeo().fit([1], [1], [2])
    with pytest.raises(CRMDataError, match=r"frequency is negative for 1 of 1 customer \(example"):
        bgf.conditional_probability_alive([-1], [1], [2])
    with pytest.raises(CRMDataError, match="without repeat purchases: 2 customers, 0 with"):
        btyd.BetaGeo().fit([0, 0], [0, 0], [2, 3])
    with pytest.raises(CRMDataError, match="needs at least 3 repeat customers .* found 1 of 1 customer$"):
        btyd.GammaGamma().fit([1], [10.0])


def test_bad_inputs_name_the_customer():
    data = pd.DataFrame(
        {"frequency": [1, 2], "recency": [1.0, 9.0], "T": [5.0, 5.0]},
        index=pd.Index(["a", "b"], name="customer_id"),
    )
    with pytest.raises(ValueError, match="customer 'b': frequency=2, recency=9, T=5"):
        btyd.ParetoNBD().fit(data["frequency"], data["recency"], data["T"])


def test_mismatched_lengths_and_other_misuse(bgf, ggf):
    with pytest.raises(ValueError, match="mismatched lengths: frequency has 3, recency has 2"):
        btyd.BetaGeo().fit([1, 2, 0], [1, 2], [5, 5, 5])
    with pytest.raises(ValueError, match="not fitted yet"):
        btyd.BetaGeo().conditional_probability_alive(1, 1, 2)
    with pytest.raises(ValueError, match="horizon t must be finite and >= 0"):
        bgf.expected_number_of_purchases_up_to_time(-1)
    with pytest.raises(ValueError, match="penalizer"):
        btyd.BetaGeo(penalizer=-1)
    with pytest.raises(ValueError, match="n_starts must be a whole number"):
        btyd.ParetoNBD(n_starts=2.5)
    model = btyd.BetaGeo()
    model.penalizer = -0.1  # fit validates the hyper-parameters again
    with pytest.raises(ValueError, match=r"penalizer must lie in \[0, inf\]"):
        model.fit([1, 2, 0], [1, 2, 0], [5, 5, 5])
    with pytest.raises(ValueError, match="positive spend"):
        btyd.GammaGamma().fit([1, 2, 3, 0], [10.0, 0.0, 5.0, 0.0])
    with pytest.raises(ValueError, match="must be a fitted BetaGeo or ParetoNBD"):
        ggf.customer_lifetime_value(ggf, [1], [1], [2], [10.0])
    with pytest.raises(ValueError, match="whole number of months"):
        ggf.customer_lifetime_value(bgf, [1], [1], [2], [10.0], time=0)
    with pytest.raises(ValueError, match="without repeat purchases: 3 customers, 0 with frequency > 0"):
        btyd.ParetoNBD().fit([0, 0, 0], [0, 0, 0], [5, 5, 5])
    with pytest.raises(ValueError, match="DataFrame"):
        btyd.BetaGeo().fit(pd.DataFrame({"x": [1]}), [1], [2])


# --------------------------------------------------------------------------- plots


def test_plots_return_axes(cdnow_tx, cdnow, bgf):
    track = btyd.cumulative_tracking(bgf, cdnow_tx, CAL_END, OBS_END)
    ax = btyd.plot_tracking(track)
    assert len(ax.get_lines()) == 3  # actual, model, calibration end
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), track["actual"])
    ax2 = btyd.plot_expected_vs_actual(btyd.expected_vs_actual_by_frequency(bgf, cdnow))
    assert [t.get_text() for t in ax2.get_xticklabels()] == ["0", "1", "2", "3", "4", "5", "6", "7+"]
    # the house palette (crmlab._style): observed in ACTUAL, the model in MODEL
    for a in (ax, ax2):
        assert [line.get_color() for line in a.get_lines()[:2]] == [_style.ACTUAL, _style.MODEL]
    fig, given = plt.subplots()
    assert btyd.plot_tracking(track, cumulative=False, ax=given) is given
    plt.close("all")
