"""Tests of crmlab.pls against published SmartPLS / plspm output and hand-derived cases.

References used below:

* SmartPLS 2.0.M3 on the ECSI mobile-phone data (mobi, 250 x 24), centroid,
  factorial and path weighting schemes, "Mean 0, Var 1", initial weights 1,
  abort criterion 1e-7: the result files shipped with the R package semPLS,
  ``tests/SmartPLS/results/ecsi/<scheme>/{pathCoefficients,outerWeights,
  crossLoadings,totalEffects}.txt`` (Monecke & Leisch 2012, JSS 48(3)).
* R plspm (Sanchez 2013) on the bank ``satisfaction`` data with its documented
  example ``plspm(satisfaction, sat_path, sat_blocks, modes = rep("A", 6),
  scaled = FALSE)`` (centroid): the reference outputs stored in
  GoogleCloudPlatform/plspm-python ``tests/data/satisfaction.*.csv``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab.data import CRMDataError, load_survey, survey_blocks
from crmlab.exceptions import NotFittedError
from crmlab.pls import PLSPathModel, bank_model, ecsi_model


@pytest.fixture(scope="module")
def mobi():
    return load_survey("ecsi_mobi")


@pytest.fixture(scope="module")
def bank():
    return load_survey("bank")


@pytest.fixture(scope="module")
def ecsi_fit(mobi):
    inner, blocks = ecsi_model()
    return PLSPathModel(inner, blocks, scheme="centroid").fit(mobi)


# ----------------------------------------------------------------------------- SmartPLS on mobi

# SmartPLS 2.0.M3, semPLS tests/SmartPLS/results/ecsi/*/pathCoefficients.txt
SMARTPLS_PATHS = {
    "centroid": {
        ("image", "expectation"): 0.50470564,
        ("image", "satisfaction"): 0.17883348,
        ("image", "loyalty"): 0.19535971,
        ("expectation", "quality"): 0.55724786,
        ("expectation", "value"): 0.05078755,
        ("expectation", "satisfaction"): 0.06442534,
        ("quality", "value"): 0.55721686,
        ("quality", "satisfaction"): 0.51254524,
        ("value", "satisfaction"): 0.19181566,
        ("satisfaction", "complaints"): 0.52609731,
        ("satisfaction", "loyalty"): 0.48347472,
        ("complaints", "loyalty"): 0.07123241,
    },
    "factorial": {
        ("image", "expectation"): 0.50494314,
        ("image", "satisfaction"): 0.17859267,
        ("image", "loyalty"): 0.19581962,
        ("expectation", "quality"): 0.55675903,
        ("expectation", "value"): 0.05017810,
        ("expectation", "satisfaction"): 0.06494365,
        ("quality", "value"): 0.55776245,
        ("quality", "satisfaction"): 0.51297470,
        ("value", "satisfaction"): 0.19144526,
        ("satisfaction", "complaints"): 0.52585655,
        ("satisfaction", "loyalty"): 0.48305917,
        ("complaints", "loyalty"): 0.07031057,
    },
    "path": {
        ("image", "expectation"): 0.50491393,
        ("image", "satisfaction"): 0.17873950,
        ("image", "loyalty"): 0.19575534,
        ("expectation", "quality"): 0.55674896,
        ("expectation", "value"): 0.04998839,
        ("expectation", "satisfaction"): 0.06252287,
        ("quality", "value"): 0.55830438,
        ("quality", "satisfaction"): 0.51202394,
        ("value", "satisfaction"): 0.19476510,
        ("satisfaction", "complaints"): 0.52806625,
        ("satisfaction", "loyalty"): 0.48547762,
        ("complaints", "loyalty"): 0.06692607,
    },
}

# SmartPLS 2.0.M3, semPLS tests/SmartPLS/results/ecsi/centroid/outerWeights.txt
SMARTPLS_CENTROID_WEIGHTS = {
    "IMAG1": 0.29813185,
    "IMAG2": 0.26233656,
    "IMAG3": 0.21987218,
    "IMAG4": 0.32782296,
    "IMAG5": 0.32492101,
    "CUEX1": 0.52282271,
    "CUEX2": 0.46806824,
    "CUEX3": 0.44989729,
    "PERQ1": 0.21364542,
    "PERQ2": 0.14346701,
    "PERQ3": 0.19943921,
    "PERQ4": 0.17811594,
    "PERQ5": 0.18083905,
    "PERQ6": 0.18050324,
    "PERQ7": 0.21436270,
    "PERV1": 0.48582034,
    "PERV2": 0.59776530,
    "CUSA1": 0.37718684,
    "CUSA2": 0.38156707,
    "CUSA3": 0.44105872,
    "CUSCO": 1.0,
    "CUSL1": 0.45046794,
    "CUSL2": 0.13133992,
    "CUSL3": 0.65948149,
}

# SmartPLS 2.0.M3, .../centroid/crossLoadings.txt (each item on its own latent)
SMARTPLS_CENTROID_LOADINGS = {
    "IMAG1": 0.74336994,
    "IMAG2": 0.60072962,
    "IMAG3": 0.57761738,
    "IMAG4": 0.76836239,
    "IMAG5": 0.74447502,
    "CUEX1": 0.77149227,
    "CUEX2": 0.68662595,
    "CUEX3": 0.61182525,
    "PERQ1": 0.80334000,
    "PERQ2": 0.63739120,
    "PERQ3": 0.78353507,
    "PERQ4": 0.76911595,
    "PERQ5": 0.75577372,
    "PERQ6": 0.77515801,
    "PERQ7": 0.77939921,
    "PERV1": 0.90434465,
    "PERV2": 0.93791155,
    "CUSA1": 0.79902589,
    "CUSA2": 0.84621071,
    "CUSA3": 0.85188614,
    "CUSCO": 1.0,
    "CUSL1": 0.81381092,
    "CUSL2": 0.21914243,
    "CUSL3": 0.91681439,
}

# SmartPLS 2.0.M3, .../factorial/outerWeights.txt and .../pathWeighting/outerWeights.txt (subset)
SMARTPLS_WEIGHTS_OTHER = {
    "factorial": {
        "IMAG1": 0.30113984,
        "CUEX2": 0.47378907,
        "PERQ2": 0.14477854,
        "PERV2": 0.60017870,
        "CUSA3": 0.43950908,
        "CUSL2": 0.12559574,
    },
    "path": {
        "IMAG1": 0.30131215,
        "CUEX2": 0.47367966,
        "PERQ2": 0.14472169,
        "PERV2": 0.60405602,
        "CUSA3": 0.45096120,
        "CUSL2": 0.11426953,
    },
}

# SmartPLS 2.0.M3, .../centroid/totalEffects.txt (paths with an indirect part)
SMARTPLS_CENTROID_TOTAL = {
    ("image", "quality"): 0.28124613,
    ("image", "value"): 0.18234785,
    ("image", "satisfaction"): 0.39047785,
    ("image", "complaints"): 0.20542935,
    ("image", "loyalty"): 0.39877911,
    ("expectation", "value"): 0.36129545,
    ("expectation", "satisfaction"): 0.41934220,
    ("expectation", "loyalty"): 0.21845628,
    ("quality", "satisfaction"): 0.61942817,
    ("quality", "loyalty"): 0.32269104,
    ("value", "complaints"): 0.10091370,
    ("satisfaction", "loyalty"): 0.52094990,
}


def test_smartpls_centroid_headline_paths(ecsi_fit):
    paths = ecsi_fit.path_coefficients_
    assert round(paths.loc["image", "expectation"], 3) == 0.505  # SmartPLS 0.5047
    assert round(paths.loc["quality", "satisfaction"], 3) == 0.513  # SmartPLS 0.5125
    assert round(paths.loc["satisfaction", "loyalty"], 3) == 0.483  # SmartPLS 0.4835
    assert paths.loc["image", "expectation"] == pytest.approx(0.5047, abs=5e-5)
    assert paths.loc["quality", "satisfaction"] == pytest.approx(0.5125, abs=5e-5)
    assert paths.loc["satisfaction", "loyalty"] == pytest.approx(0.4835, abs=5e-5)


@pytest.mark.parametrize("scheme", ["centroid", "factorial", "path"])
def test_smartpls_path_coefficients_every_scheme(mobi, scheme):
    inner, blocks = ecsi_model()
    fit = PLSPathModel(inner, blocks, scheme=scheme).fit(mobi)
    paths = fit.path_coefficients_
    for (src, dst), expected in SMARTPLS_PATHS[scheme].items():
        assert paths.loc[src, dst] == pytest.approx(expected, abs=1e-6), (src, dst)
    # no coefficient where the model has no path
    mask = np.zeros(paths.shape, dtype=bool)
    for src, dst in SMARTPLS_PATHS[scheme]:
        mask[paths.index.get_loc(src), paths.columns.get_loc(dst)] = True
    assert (paths.to_numpy()[~mask] == 0).all()
    for item, expected in SMARTPLS_WEIGHTS_OTHER.get(scheme, {}).items():
        assert fit.outer_weights_.loc[item, "weight"] == pytest.approx(expected, abs=1e-6), item


def test_smartpls_centroid_outer_model(ecsi_fit):
    weights = ecsi_fit.outer_weights_
    loadings = ecsi_fit.loadings_
    assert list(weights.index) == [c for cols in survey_blocks("ecsi_mobi").values() for c in cols]
    for item, expected in SMARTPLS_CENTROID_WEIGHTS.items():
        assert weights.loc[item, "weight"] == pytest.approx(expected, abs=1e-6), item
    for item, expected in SMARTPLS_CENTROID_LOADINGS.items():
        assert loadings.loc[item, "loading"] == pytest.approx(expected, abs=1e-6), item
    assert loadings.loc["PERQ3", "latent"] == "quality"
    assert weights.loc["CUSCO", "latent"] == "complaints"
    # cross-loadings from the same SmartPLS file
    cross = ecsi_fit.cross_loadings_
    assert cross.loc["CUSA3", "loyalty"] == pytest.approx(0.62710860, abs=1e-6)
    assert cross.loc["IMAG2", "quality"] == pytest.approx(0.49702972, abs=1e-6)
    assert cross.loc["CUSCO", "satisfaction"] == pytest.approx(0.52609731, abs=1e-6)


def test_smartpls_centroid_total_effects(ecsi_fit):
    total = ecsi_fit.total_effects_
    for (src, dst), expected in SMARTPLS_CENTROID_TOTAL.items():
        assert total.loc[src, dst] == pytest.approx(expected, abs=1e-6), (src, dst)
    # total = direct + indirect; by hand: expectation -> value directly and through quality
    p = ecsi_fit.path_coefficients_
    by_hand = p.loc["expectation", "value"] + p.loc["expectation", "quality"] * p.loc["quality", "value"]
    assert total.loc["expectation", "value"] == pytest.approx(by_hand, abs=1e-12)
    np.testing.assert_allclose(ecsi_fit.indirect_effects_ + p, total, atol=1e-12)
    assert ecsi_fit.indirect_effects_.loc["image", "expectation"] == pytest.approx(0.0, abs=1e-12)
    assert (total.loc["loyalty"] == 0).all()  # loyalty has no successors


def test_ecsi_quality_measures_follow_their_formulas(ecsi_fit, mobi):
    lam = ecsi_fit.loadings_.query("latent == 'value'")["loading"].to_numpy()
    assert ecsi_fit.ave_["value"] == pytest.approx(np.mean(lam**2))
    assert ecsi_fit.ave_["value"] == pytest.approx((0.90434465**2 + 0.93791155**2) / 2, abs=1e-6)
    rho = lam.sum() ** 2 / (lam.sum() ** 2 + (1 - lam**2).sum())
    assert ecsi_fit.composite_reliability_["value"] == pytest.approx(rho)
    # standardised Cronbach alpha of a 2-item block is 2 r / (1 + r)
    r = np.corrcoef(mobi["PERV1"], mobi["PERV2"])[0, 1]
    assert ecsi_fit.cronbach_alpha_["value"] == pytest.approx(2 * r / (1 + r), abs=1e-12)
    # single-item block: everything is 1
    assert ecsi_fit.ave_["complaints"] == pytest.approx(1.0)
    assert ecsi_fit.composite_reliability_["complaints"] == pytest.approx(1.0)
    assert ecsi_fit.cronbach_alpha_["complaints"] == 1.0
    table = ecsi_fit.reliability()
    assert list(table.columns) == [
        "indicators",
        "cronbach_alpha",
        "composite_reliability",
        "ave",
        "r_squared",
    ]
    assert table.loc["quality", "indicators"] == 7
    assert np.isnan(table.loc["image", "r_squared"])


@pytest.mark.parametrize("other", ["factorial", "path"])
def test_schemes_close_but_not_identical(mobi, ecsi_fit, other):
    inner, blocks = ecsi_model()
    fit = PLSPathModel(inner, blocks, scheme=other).fit(mobi)
    diff = (fit.path_coefficients_ - ecsi_fit.path_coefficients_).abs().to_numpy().max()
    assert 1e-4 < diff < 0.01
    wdiff = (fit.outer_weights_["weight"] - ecsi_fit.outer_weights_["weight"]).abs().max()
    assert 1e-4 < wdiff < 0.03


# ----------------------------------------------------------------------------- plspm on the bank data

# plspm (R), satisfaction example with scaled = FALSE, centroid: outer_model (weights, loadings)
PLSPM_BANK_OUTER = {
    "imag1": (0.0982418501741741, 0.70932650116601),
    "imag2": (0.157472863818056, 0.877307817983846),
    "imag3": (0.156722118194341, 0.841748537706059),
    "imag4": (0.0765758587028763, 0.569193430203468),
    "imag5": (0.184330241358762, 0.77846683251928),
    "expe1": (0.106230159251131, 0.765800562617078),
    "expe2": (0.140693124381936, 0.837418997567575),
    "expe3": (0.118783165134756, 0.759820571357087),
    "expe4": (0.0994514827286758, 0.71834524993581),
    "expe5": (0.138374378658729, 0.837276022047764),
    "qual1": (0.106606553258155, 0.781469313516066),
    "qual2": (0.134594903250232, 0.881558340214507),
    "qual3": (0.117141650592502, 0.794076151381524),
    "qual4": (0.0956184636638662, 0.788981936722486),
    "qual5": (0.115707870129084, 0.807446541109636),
    "val1": (0.174960810051613, 0.864821997997945),
    "val2": (0.11766978894579, 0.796238958208741),
    "val3": (0.1207889525664, 0.750064674608617),
    "val4": (0.16652602110192, 0.844483086242166),
    "sat1": (0.166366549374147, 0.919797990928334),
    "sat2": (0.162659797860461, 0.916030239797506),
    "sat3": (0.121091359148817, 0.825878617822696),
    "sat4": (0.132079076814512, 0.8175253352275),
    "loy1": (0.158624625826792, 0.906587085677551),
    "loy2": (0.081728096069474, 0.671101376778201),
    "loy3": (0.161664593108151, 0.904973625494352),
    "loy4": (0.0806690862675395, 0.681874238346727),
}
# plspm inner_summary (R^2, AVE), unidim (Cronbach alpha), effects (total), inner_model of SAT, gof
PLSPM_BANK_R2 = {
    "expectation": 0.335193672418813,
    "quality": 0.719688235228933,
    "value": 0.59008437279849,
    "satisfaction": 0.707320949544597,
    "loyalty": 0.509922562050087,
}
PLSPM_BANK_AVE = {
    "image": 0.582269092760334,
    "expectation": 0.616419883010119,
    "quality": 0.65857174851724,
    "value": 0.66441556645883,
    "satisfaction": 0.75889072736371,
    "loyalty": 0.639051735398058,
}
PLSPM_BANK_ALPHA = {
    "image": 0.830226690205339,
    "expectation": 0.84658407892526,
    "quality": 0.871324954769643,
    "value": 0.835722840511797,
    "satisfaction": 0.894010912676559,
    "loyalty": 0.819421641029961,
}
PLSPM_BANK_TOTAL = {
    ("image", "expectation"): 0.57895912845279,
    ("image", "quality"): 0.491156739303251,
    ("image", "satisfaction"): 0.490971137879492,
    ("image", "loyalty"): 0.518415622311155,
    ("expectation", "quality"): 0.8483444083796,
    ("expectation", "value"): 0.679514584035949,
    ("expectation", "loyalty"): 0.248396387262645,
    ("quality", "value"): 0.676655529105984,
    ("value", "loyalty"): 0.292001150957277,
    ("satisfaction", "loyalty"): 0.495479322090817,
}
PLSPM_BANK_SAT = {
    "image": (0.200724200280665, 0.0499287396486374, 4.02021364234742),
    "expectation": (-0.00275399457916834, 0.0656906937615269, -0.0419236640910812),
    "quality": (0.122144565609107, 0.0751969653585023, 1.62432838914152),
    "value": (0.589330650016017, 0.0600164458313523, 9.81948600675306),
}


@pytest.fixture(scope="module")
def bank_raw_fit(bank):
    inner, blocks = bank_model()
    return PLSPathModel(inner, blocks, scaled=False).fit(bank)


def test_plspm_bank_unscaled_outer_model(bank_raw_fit):
    # plspm stops at sum of squared weight changes < 1e-6, so agreement is to ~1e-6, not 1e-9
    for item, (weight, loading) in PLSPM_BANK_OUTER.items():
        assert bank_raw_fit.outer_weights_.loc[item, "weight"] == pytest.approx(weight, abs=2e-6), item
        assert bank_raw_fit.loadings_.loc[item, "loading"] == pytest.approx(loading, abs=2e-6), item


def test_plspm_bank_unscaled_inner_model(bank_raw_fit):
    for latent, expected in PLSPM_BANK_R2.items():
        assert bank_raw_fit.r_squared_[latent] == pytest.approx(expected, abs=2e-6), latent
    assert set(bank_raw_fit.r_squared_.index) == set(PLSPM_BANK_R2)
    for latent, expected in PLSPM_BANK_AVE.items():
        assert bank_raw_fit.ave_[latent] == pytest.approx(expected, abs=2e-6), latent
    for latent, expected in PLSPM_BANK_ALPHA.items():
        assert bank_raw_fit.cronbach_alpha_[latent] == pytest.approx(expected, abs=1e-9), latent
    for (src, dst), expected in PLSPM_BANK_TOTAL.items():
        assert bank_raw_fit.total_effects_.loc[src, dst] == pytest.approx(expected, abs=2e-6)
    table = bank_raw_fit.summary()
    for src, (path, se, t) in PLSPM_BANK_SAT.items():
        row = table.loc[(src, "satisfaction")]
        assert row["path"] == pytest.approx(path, abs=2e-6)
        assert row["se"] == pytest.approx(se, abs=2e-6)
        assert row["t"] == pytest.approx(t, abs=1e-3)
    assert table.loc[("image", "satisfaction"), "p_value"] == pytest.approx(7.74463499296224e-05, rel=1e-3)
    assert bank_raw_fit.gof_ == pytest.approx(0.609741624338411, abs=2e-6)


@pytest.mark.parametrize(
    "scheme, expected",
    [
        # plspm satisfaction.outer-model-factorial.csv / -path.csv: (weight, loading)
        (
            "factorial",
            {
                "imag1": (0.0982545375897477, 0.709579562555722),
                "val1": (0.174575957905234, 0.864544798086425),
                "sat4": (0.131824636097498, 0.817325794633066),
                "loy2": (0.0814752201910471, 0.67071592524707),
            },
        ),
        (
            "path",
            {
                "imag1": (0.0982374837495072, 0.70955076789416),
                "val1": (0.172177324810643, 0.86271564077978),
                "sat4": (0.135884589449262, 0.82088699490331),
                "loy2": (0.0803591951846723, 0.669011176703357),
            },
        ),
    ],
)
def test_plspm_bank_unscaled_other_schemes(bank, scheme, expected):
    inner, blocks = bank_model()
    fit = PLSPathModel(inner, blocks, scheme=scheme, scaled=False).fit(bank)
    for item, (weight, loading) in expected.items():
        assert fit.outer_weights_.loc[item, "weight"] == pytest.approx(weight, abs=2e-6), item
        assert fit.loadings_.loc[item, "loading"] == pytest.approx(loading, abs=2e-6), item


def test_scaled_results_ignore_item_units_unscaled_do_not(bank):
    inner, blocks = bank_model()
    shifted = bank.copy()
    shifted["imag1"] = 10 * shifted["imag1"] + 3  # a 0..100 item instead of 0..10
    a = PLSPathModel(inner, blocks).fit(bank)
    b = PLSPathModel(inner, blocks).fit(shifted)
    np.testing.assert_allclose(a.path_coefficients_, b.path_coefficients_, atol=1e-10)
    np.testing.assert_allclose(a.outer_weights_["weight"], b.outer_weights_["weight"], atol=1e-10)
    raw_a = PLSPathModel(inner, blocks, scaled=False).fit(bank)
    raw_b = PLSPathModel(inner, blocks, scaled=False).fit(shifted)
    assert (
        abs(
            raw_a.path_coefficients_.loc["image", "expectation"]
            - raw_b.path_coefficients_.loc["image", "expectation"]
        )
        > 1e-3
    )
    assert bank["imag1"].max() <= 10  # the caller's frame is untouched


# ----------------------------------------------------------------------------- hand-checkable cases


def exact_data(R, names, n=120, seed=0):
    """Data whose sample correlation matrix is exactly R (whitened noise times chol(R))."""
    rng = np.random.default_rng(seed)
    Z = rng.standard_normal((n, len(names)))
    Z -= Z.mean(axis=0)
    Z = Z @ np.linalg.inv(np.linalg.cholesky(Z.T @ Z / n)).T
    X = Z @ np.linalg.cholesky(np.asarray(R)).T
    return pd.DataFrame(5 + 2 * X, columns=names)


@pytest.mark.parametrize("scheme", ["centroid", "factorial", "path"])
def test_single_indicator_blocks_give_pearson_correlation(scheme):
    rng = np.random.default_rng(7)
    x = rng.normal(size=80)
    df = pd.DataFrame({"x": 3 * x + 1, "y": x + rng.normal(size=80)})
    fit = PLSPathModel([("X", "Y")], {"X": ["x"], "Y": ["y"]}, scheme=scheme).fit(df)
    r = np.corrcoef(df["x"], df["y"])[0, 1]
    assert fit.path_coefficients_.loc["X", "Y"] == pytest.approx(r, abs=1e-12)
    assert fit.r_squared_["Y"] == pytest.approx(r**2, abs=1e-12)
    assert fit.outer_weights_["weight"].tolist() == pytest.approx([1.0, 1.0])
    assert fit.loadings_["loading"].tolist() == pytest.approx([1.0, 1.0])
    z = (df["x"] - df["x"].mean()) / df["x"].std(ddof=0)
    np.testing.assert_allclose(fit.scores_["X"], z, atol=1e-12)


def test_single_indicators_reduce_to_standardised_ols():
    rng = np.random.default_rng(3)
    a, b = rng.normal(size=(2, 150))
    c = 0.5 * a - 0.3 * b + rng.normal(size=150)
    df = pd.DataFrame({"a": a, "b": b, "c": c})
    fit = PLSPathModel([("A", "C"), ("B", "C")], {"A": ["a"], "B": ["b"], "C": ["c"]}).fit(df)
    z = (df - df.mean()) / df.std(ddof=0)
    beta, *_ = np.linalg.lstsq(z[["a", "b"]].to_numpy(), z["c"].to_numpy(), rcond=None)
    assert fit.path_coefficients_.loc["A", "C"] == pytest.approx(beta[0], abs=1e-12)
    assert fit.path_coefficients_.loc["B", "C"] == pytest.approx(beta[1], abs=1e-12)
    resid = z["c"] - z[["a", "b"]] @ beta
    assert fit.r_squared_["C"] == pytest.approx(1 - resid.var(ddof=0), abs=1e-12)


# Two latents, two items each: within-block correlations 0.6 and 0.2, every cross
# correlation r. By symmetry w ∝ (1, 1) in both blocks, so
#   path = cor(a1 + a2, b1 + b2) = 4 r / sqrt(2 (1 + 0.6) * 2 (1 + 0.2)) = 2 r / sqrt(1.92),
# which is 1 / sqrt(3) for r = 0.4; weights 1 / sqrt(2 (1 + rho)); loadings sqrt((1 + rho) / 2);
# AVE (1 + rho) / 2; Dillon-Goldstein rho 2 (1 + rho) / (3 + rho); Cronbach alpha 2 rho / (1 + rho).
# For r < 0 only the sign of the path changes (loadings stay positive).
@pytest.mark.parametrize("scheme", ["centroid", "factorial", "path"])
@pytest.mark.parametrize("r", [0.4, -0.4])
def test_two_blocks_of_two_items_by_hand(scheme, r):
    R = [[1, 0.6, r, r], [0.6, 1, r, r], [r, r, 1, 0.2], [r, r, 0.2, 1]]
    df = exact_data(R, ["a1", "a2", "b1", "b2"])
    fit = PLSPathModel([("A", "B")], {"A": ["a1", "a2"], "B": ["b1", "b2"]}, scheme=scheme).fit(df)
    assert fit.path_coefficients_.loc["A", "B"] == pytest.approx(np.sign(r) / np.sqrt(3), abs=1e-9)
    assert fit.r_squared_["B"] == pytest.approx(1 / 3, abs=1e-9)
    w = fit.outer_weights_["weight"]
    assert w.tolist() == pytest.approx([1 / np.sqrt(3.2)] * 2 + [1 / np.sqrt(2.4)] * 2, abs=1e-9)
    lam = fit.loadings_["loading"]
    assert lam.tolist() == pytest.approx([np.sqrt(0.8)] * 2 + [np.sqrt(0.6)] * 2, abs=1e-9)
    assert fit.ave_.tolist() == pytest.approx([0.8, 0.6], abs=1e-9)
    # rho_c = (2 l)^2 / ((2 l)^2 + 2 (1 - l^2)): A 3.2 / 3.6, B 2.4 / 3.2
    assert fit.composite_reliability_.tolist() == pytest.approx([3.2 / 3.6, 2.4 / 3.2], abs=1e-9)
    assert fit.cronbach_alpha_.tolist() == pytest.approx([1.2 / 1.6, 0.4 / 1.2], abs=1e-12)


def test_sign_follows_the_majority_of_items():
    # a1 drives the link to B, a2 and a3 are reverse-coded: the algorithm lands on the a1
    # direction, and plspm's rule flips the block so most of its items load positively
    R = [
        [1, -0.3, -0.3, 0.5, 0.5],
        [-0.3, 1, 0.3, -0.1, -0.1],
        [-0.3, 0.3, 1, -0.1, -0.1],
        [0.5, -0.1, -0.1, 1, 0.5],
        [0.5, -0.1, -0.1, 0.5, 1],
    ]
    df = exact_data(R, ["a1", "a2", "a3", "b1", "b2"])
    fit = PLSPathModel([("A", "B")], {"A": ["a1", "a2", "a3"], "B": ["b1", "b2"]}).fit(df)
    lam = fit.loadings_["loading"]
    assert lam["a1"] < 0 < lam["a2"] and lam["a3"] > 0 and (lam[["b1", "b2"]] > 0).all()
    assert fit.path_coefficients_.loc["A", "B"] < 0
    assert fit.path_coefficients_.loc["A", "B"] == pytest.approx(
        np.corrcoef(fit.scores_["A"], fit.scores_["B"])[0, 1], abs=1e-12
    )


def test_scores_are_standardised_and_paths_are_ols_on_them(ecsi_fit, mobi):
    scores = ecsi_fit.scores_
    assert scores.shape == (250, 7)
    assert scores.index.name == "customer_id" and scores.index[0] == mobi["customer_id"].iloc[0]
    np.testing.assert_allclose(scores.mean(), 0, atol=1e-12)
    np.testing.assert_allclose(scores.std(ddof=0), 1, atol=1e-12)
    # scores are the standardised items times the outer weights
    items = ecsi_fit.outer_weights_.index
    z = (mobi[items] - mobi[items].mean()) / mobi[items].std(ddof=0)
    q = ecsi_fit.outer_weights_.query("latent == 'quality'")
    np.testing.assert_allclose(scores["quality"], z[q.index].to_numpy() @ q["weight"].to_numpy(), atol=1e-12)
    # regression of satisfaction on its four predecessors, done independently
    pred = ["image", "expectation", "quality", "value"]
    design = np.column_stack([np.ones(250), scores[pred]])
    coef, *_ = np.linalg.lstsq(design, scores["satisfaction"].to_numpy(), rcond=None)
    np.testing.assert_allclose(ecsi_fit.path_coefficients_.loc[pred, "satisfaction"], coef[1:], atol=1e-10)
    resid = scores["satisfaction"] - design @ coef
    assert ecsi_fit.r_squared_["satisfaction"] == pytest.approx(1 - resid.var(ddof=0), abs=1e-10)
    assert ecsi_fit.r_squared_adj_["satisfaction"] == pytest.approx(
        1 - (1 - ecsi_fit.r_squared_["satisfaction"]) * 249 / 245
    )
    # loadings are correlations of items with their latent score
    assert ecsi_fit.loadings_.loc["CUSL2", "loading"] == pytest.approx(
        np.corrcoef(mobi["CUSL2"], scores["loyalty"])[0, 1], abs=1e-12
    )


def test_summary_lists_every_path_once(ecsi_fit):
    table = ecsi_fit.summary()
    inner, _ = ecsi_model()
    assert sorted(table.index) == sorted(inner)
    assert list(table.columns) == ["path", "se", "t", "p_value", "total_effect"]
    assert table.loc[("satisfaction", "loyalty"), "path"] == pytest.approx(0.48347472, abs=1e-6)
    np.testing.assert_allclose(table["t"], table["path"] / table["se"])
    assert (table["p_value"].between(0, 1)).all()
    assert table.loc[("image", "expectation"), "p_value"] < 1e-10
    assert table.loc[("expectation", "value"), "p_value"] > 0.05


def test_shipped_models():
    inner, blocks = ecsi_model()
    assert len(inner) == 12 and len(set(inner)) == 12
    assert blocks == survey_blocks("ecsi_mobi")
    assert ("complaints", "loyalty") in inner and ("satisfaction", "complaints") in inner
    inner_b, blocks_b = bank_model()
    assert len(inner_b) == 10 and blocks_b == survey_blocks("bank")
    assert all("complaints" not in pair for pair in inner_b)


def test_non_convergence_warns(mobi):
    inner, blocks = ecsi_model()
    with pytest.warns(RuntimeWarning, match="did not converge"):
        fit = PLSPathModel(inner, blocks, max_iter=1).fit(mobi)
    assert fit.converged_ is False and fit.n_iter_ == 1


# ----------------------------------------------------------------------------- bootstrap

# plspm (R) bootstrap of the bank model (scaled = FALSE), std.error column of boot$paths
PLSPM_BANK_BOOT_SD = {
    ("image", "expectation"): 0.0571020970575064,
    ("image", "satisfaction"): 0.0538981468807698,
    ("image", "loyalty"): 0.0778653080754309,
    ("expectation", "quality"): 0.0244616193096477,
    ("expectation", "value"): 0.0735768216853292,
    ("expectation", "satisfaction"): 0.0677480326165509,
    ("quality", "value"): 0.070690048404848,
    ("quality", "satisfaction"): 0.087207707871116,
    ("value", "satisfaction"): 0.0865482765571615,
    ("satisfaction", "loyalty"): 0.0821812222333643,
}


def test_bootstrap_is_seeded_and_consistent(ecsi_fit):
    a = ecsi_fit.bootstrap(n_boot=200, seed=1)
    draws = ecsi_fit.bootstrap_draws_.copy()
    b = ecsi_fit.bootstrap(n_boot=200, seed=1, chunk=37)  # chunking does not change draws
    c = ecsi_fit.bootstrap(n_boot=200, seed=2)
    pd.testing.assert_frame_equal(a, b)
    assert not np.allclose(a["sd"], c["sd"])
    assert list(a.columns) == ["original", "mean", "sd", "t", "ci_low", "ci_high"]
    assert a.index.names == ["from", "to"] and len(a) == 12
    for (src, dst), row in a.iterrows():
        assert row["original"] == ecsi_fit.path_coefficients_.loc[src, dst]
    assert (a["ci_low"] < a["mean"]).all() and (a["mean"] < a["ci_high"]).all()
    assert (a["sd"] > 0.01).all() and (a["sd"] < 0.15).all()
    np.testing.assert_allclose(a["t"], a["original"] / a["sd"])
    np.testing.assert_allclose(a["sd"], draws.std(ddof=1), rtol=1e-12)
    np.testing.assert_allclose(a["mean"], draws.mean(), rtol=1e-12)
    assert draws.shape == (200, 12)
    assert a.loc[("image", "expectation"), "ci_low"] == pytest.approx(
        np.quantile(draws[("image", "expectation")], 0.025)
    )
    assert a.attrs["n_failed"] == 0 and a.attrs["n_boot"] == 200


def test_bootstrap_sd_agrees_with_plspm(bank_raw_fit):
    boot = bank_raw_fit.bootstrap(n_boot=500, seed=0)
    for path, sd in PLSPM_BANK_BOOT_SD.items():
        # different random resamples: Monte Carlo error of a bootstrap sd is ~5-7 %
        assert boot.loc[path, "sd"] == pytest.approx(sd, rel=0.3), path
    # strong paths are clearly away from zero, expectation -> satisfaction is not
    assert boot.loc[("expectation", "quality"), "ci_low"] > 0.7
    weak = boot.loc[("expectation", "satisfaction")]
    assert weak["ci_low"] < 0 < weak["ci_high"]


# ----------------------------------------------------------------------------- validation


def test_data_errors_name_table_column_count_example(mobi):
    inner, blocks = ecsi_model()
    model = PLSPathModel(inner, blocks)

    with pytest.raises(CRMDataError, match="missing indicator column") as err:
        model.fit(mobi.drop(columns=["PERQ3", "CUSL1"]))
    assert err.value.column == "PERQ3" and err.value.n_bad == 2 and err.value.table == "survey"

    holes = mobi.copy()
    holes.loc[[4, 9, 11], "CUSA2"] = np.nan
    with pytest.raises(CRMDataError, match="3 of 250 rows are missing") as err:
        model.fit(holes, table="survey_ecsi_mobi")
    assert err.value.column == "CUSA2" and err.value.n_bad == 3
    assert err.value.table == "survey_ecsi_mobi"
    assert "customer_id='5'" in err.value.example and "CUSA2=nan" in err.value.example

    flat = mobi.copy()
    flat["IMAG3"] = 7
    with pytest.raises(CRMDataError, match="constant") as err:
        model.fit(flat)
    assert err.value.column == "IMAG3" and err.value.n_bad == 250 and "IMAG3=7" in err.value.example

    words = mobi.astype({"CUEX1": object}).copy()
    words.loc[2, "CUEX1"] = "very good"
    with pytest.raises(CRMDataError, match="1 of 250 rows are not numbers") as err:
        model.fit(words)
    assert "very good" in err.value.example

    twins = pd.DataFrame({"a": [1.0, 2, 3, 5, 4], "c": [2.0, 1, 4, 4, 5]})
    twins["b"] = 2 * twins["a"] + 1
    twin_model = PLSPathModel([("A", "C"), ("B", "C")], {"A": ["a"], "B": ["b"], "C": ["c"]})
    with pytest.raises(CRMDataError, match=r"predecessors of \['C'\] are collinear"):
        twin_model.fit(twins)

    with pytest.raises(CRMDataError, match="at least 3"):
        model.fit(mobi.head(2))
    with pytest.raises(TypeError):
        model.fit(mobi.to_numpy())


@pytest.mark.parametrize(
    "inner, blocks, message",
    [
        ([("A", "B"), ("B", "C")], {"A": ["a"], "B": ["b"]}, "'C' .* has no block"),
        ([("A", "B"), ("B", "C"), ("C", "A")], {"A": ["a"], "B": ["b"], "C": ["c"]}, "cycle"),
        ([("A", "B"), ("B", "A")], {"A": ["a"], "B": ["b"]}, "cycle"),
        ([("A", "A")], {"A": ["a"]}, "loop"),
        ([("A", "B"), ("A", "B")], {"A": ["a"], "B": ["b"]}, "twice"),
        ([("A", "B")], {"A": ["a"], "B": ["b"], "C": ["c"]}, r"\['C'\] are in no inner path"),
        ([("A", "B")], {"A": ["a", "x"], "B": ["b", "x"]}, "'x' is in block 'A' and in block 'B'"),
        ([("A", "B")], {"A": [], "B": ["b"]}, "no indicators"),
        ([], {"A": ["a"]}, "no paths"),
        ([("A", "B", "C")], {"A": ["a"], "B": ["b"], "C": ["c"]}, "not a .from, to. pair"),
        (["AB"], {"A": ["a"], "B": ["b"]}, "not a .from, to. pair"),
        ([("A", "B")], {"A": "a", "B": ["b"]}, "must be a list of column names"),
    ],
)
def test_model_spec_errors_are_value_errors(inner, blocks, message):
    with pytest.raises(ValueError, match=message) as err:  # checked at fit, not in __init__
        PLSPathModel(inner, blocks).fit(pd.DataFrame({"a": [1.0, 2.0, 3.0]}))
    assert not isinstance(err.value, CRMDataError)


def test_bad_hyperparameters_and_unfitted_use():
    data = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0], "b": [2.0, 1.0, 4.0, 3.0]})
    with pytest.raises(ValueError, match="scheme"):
        PLSPathModel([("A", "B")], {"A": ["a"], "B": ["b"]}, scheme="mode B").fit(data)
    with pytest.raises(ValueError, match="max_iter"):
        PLSPathModel([("A", "B")], {"A": ["a"], "B": ["b"]}, max_iter=0).fit(data)
    model = PLSPathModel([("A", "B")], {"A": ["a"], "B": ["b"]})
    with pytest.raises(RuntimeError, match="not fitted"):
        model.summary()
    with pytest.raises(RuntimeError, match="not fitted"):
        model.bootstrap()


def test_init_only_stores_hyper_parameters_and_unfitted_use_is_not_fitted_error():
    model = PLSPathModel([("A", "A")], {"A": "not a list"}, scheme="nonsense")  # stored, not checked
    assert model.get_params()["scheme"] == "nonsense"
    fresh = PLSPathModel([("A", "B")], {"A": ["a"], "B": ["b"]})
    assert not fresh.is_fitted
    with pytest.raises(NotFittedError, match="not fitted"):
        fresh.summary()


def test_from_params_scores_new_respondents_like_the_fit(mobi):
    inner, blocks = ecsi_model()
    fitted = PLSPathModel(inner, blocks).fit(mobi)
    weights = fitted.outer_weights_["weight"]
    known = PLSPathModel.from_params(inner, blocks, weights)
    assert known.is_fitted
    pd.testing.assert_frame_equal(known.transform(mobi), fitted.scores_)
    assert fitted.transform(mobi).to_numpy() == pytest.approx(fitted.scores_.to_numpy(), abs=1e-12)
    half = mobi.iloc[:125]
    scores = known.transform(half)
    assert scores.std(ddof=0).to_numpy() == pytest.approx(
        [
            np.std(
                half[blocks[b]].sub(half[blocks[b]].mean()).div(half[blocks[b]].std(ddof=0)).to_numpy()
                @ weights[blocks[b]].to_numpy()
            )
            for b in blocks
        ],
        rel=1e-12,
    )
    with pytest.raises(ValueError, match="no weight for indicator"):
        PLSPathModel.from_params(inner, blocks, weights.drop("CUSL2"))
    with pytest.raises(NotFittedError, match="outer weights only"):
        known.summary()
