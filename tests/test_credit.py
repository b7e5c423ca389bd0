"""Customer credit: ratios against hand-computed statements, the scorecard's direction and AHP
weights, its ranking against a simulated portfolio with known PD, limits, data sets, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr

from crmlab import credit
from crmlab.datasets import load_dataset
from crmlab.exceptions import CRMDataError, NotFittedError
from crmlab.loyalty import ahp_weights, consistent_matrix

# Three small statements with round numbers (fiscal year 2024). H1 is an ordinary firm; H2 has no
# interest-bearing debt and negative equity; H3 is a service firm without inventory or COGS.
STATEMENTS = pd.DataFrame(
    {
        "account_id": ["H1", "H2", "H3"],
        "fiscal_year": [2024, 2024, 2024],
        "revenue": [1000, 2000, 500],
        "cost_of_goods_sold": [600, 1500, 0],
        "ebit": [150, -50, 100],
        "interest_expense": [30, 0, 10],
        "net_income": [90, -50, 60],
        "cash": [50, 20, 100],
        "receivables": [100, 400, 50],
        "inventory": [150, 300, 0],
        "current_assets": [400, 800, 150],
        "total_assets": [1000, 1000, 300],
        "current_liabilities": [200, 1000, 50],
        "total_liabilities": [600, 1100, 100],
        "equity": [400, -100, 200],
    }
)
NAN = np.nan
# worked by hand from the table above
EXPECTED = {
    "current_ratio": [400 / 200, 800 / 1000, 150 / 50],  # 2.0, 0.8, 3.0
    "quick_ratio": [(400 - 150) / 200, (800 - 300) / 1000, 150 / 50],  # 1.25, 0.5, 3.0
    "cash_ratio": [0.25, 0.02, 2.0],
    "debt_ratio": [0.6, 1.1, 1 / 3],
    "debt_to_equity": [1.5, NAN, 0.5],  # H2: equity < 0
    "equity_ratio": [0.4, -0.1, 2 / 3],
    "receivables_turnover": [10.0, 5.0, 10.0],
    "days_sales_outstanding": [36.5, 73.0, 36.5],
    "inventory_turnover": [4.0, 5.0, NAN],  # H3: inventory 0
    "days_inventory": [91.25, 73.0, NAN],  # H3: COGS 0
    "asset_turnover": [1.0, 2.0, 500 / 300],
    "gross_margin": [0.4, 0.25, 1.0],
    "net_margin": [0.09, -0.025, 0.12],
    "roa": [0.09, -0.05, 0.2],
    "roe": [0.225, NAN, 0.3],  # H2: equity < 0
    "interest_cover": [5.0, NAN, 10.0],  # H2: no interest expense
}


@pytest.fixture(scope="module")
def book():
    return credit.simulate_business_accounts(1000, seed=0)


@pytest.fixture(scope="module")
def fitted(book):
    return credit.CreditScorecard("5C").fit(book.statements, book.accounts)


# ----------------------------------------------------------------------------- ratios


@pytest.mark.parametrize("ratio", list(EXPECTED))
def test_each_ratio_matches_the_hand_computed_statements(ratio):
    got = credit.financial_ratios(STATEMENTS)[ratio].to_numpy()
    np.testing.assert_allclose(got, EXPECTED[ratio], rtol=1e-12, equal_nan=True)


def test_ratios_cover_every_documented_ratio_and_never_give_inf():
    ratios = credit.financial_ratios(STATEMENTS)
    assert list(ratios.columns) == list(credit.RATIOS) == list(EXPECTED)
    assert ratios.index.names == ["account_id", "fiscal_year"]
    assert not np.isinf(ratios.to_numpy()).any()


def test_undefined_ratios_say_which_and_why():
    why = credit.undefined_ratios(STATEMENTS)
    assert list(zip(why["account_id"], why["ratio"])) == [
        ("H2", "debt_to_equity"),
        ("H2", "interest_cover"),
        ("H2", "roe"),
        ("H3", "days_inventory"),
        ("H3", "inventory_turnover"),
    ]
    reasons = dict(zip(why["account_id"] + ":" + why["ratio"], why["reason"]))
    assert reasons["H2:interest_cover"].startswith("interest_expense = 0")
    assert reasons["H2:roe"].startswith("equity < 0")
    assert reasons["H3:days_inventory"].startswith("cost_of_goods_sold = 0")
    assert credit.undefined_ratios(STATEMENTS.iloc[:1]).empty


@pytest.mark.parametrize(
    "change, column",
    [
        (lambda s: s.drop(columns="ebit"), "ebit"),
        (lambda s: s.assign(revenue=[1000, -5, 500]), "revenue"),
        (lambda s: s.assign(cash=["50", "x", "100"]), "cash"),
        (lambda s: s.assign(inventory=[150, np.inf, 0]), "inventory"),
        (lambda s: s.assign(account_id=["H1", "H1", "H3"]), "fiscal_year"),
        (lambda s: s.assign(equity=[400, -100, 250]), "equity"),  # 300 != 100 + 250
    ],
)
def test_bad_statements_raise_the_data_error_naming_the_column(change, column):
    with pytest.raises(CRMDataError) as err:
        credit.financial_ratios(change(STATEMENTS))
    assert err.value.table == "statements" and err.value.column == column
    if column != "ebit":
        assert err.value.n_bad >= 1 and err.value.example


def test_statements_must_be_a_table():
    with pytest.raises(CRMDataError, match="needs a statements table"):
        credit.financial_ratios(None)
    with pytest.raises(TypeError):
        credit.financial_ratios([1, 2])


# ----------------------------------------------------------------------------- factor sets


def test_factor_sets_are_documented_and_map_to_known_measures():
    assert list(credit.FACTOR_SETS["5C"]) == ["character", "capacity", "capital", "collateral", "conditions"]
    assert list(credit.FACTOR_SETS["5P"]) == ["people", "purpose", "payment", "protection", "perspective"]
    assert len(credit.FACTOR_SETS["6A"]) == 6
    for name in credit.FACTOR_SETS:
        cat = credit.factor_catalog(name)
        assert set(cat["measure"]) <= set(credit.MEASURES)
        assert cat.attrs["source"]
    assert credit.MEASURES["debt_to_equity"][0] == -1 and credit.MEASURES["interest_cover"][0] == 1
    with pytest.raises(ValueError, match="factor_set"):
        credit.factor_catalog("7C")


def test_sales_growth_and_collateral_cover_by_hand():
    prior = STATEMENTS.iloc[[0]].assign(fiscal_year=2023, revenue=800)
    accounts = pd.DataFrame(
        {"account_id": ["H1", "H2"], "collateral": [300, 0], "years_in_business": [10, 3]}
    )
    m = credit.factor_measures(pd.concat([prior, STATEMENTS]), accounts)
    assert m.loc["H1", "sales_growth"] == pytest.approx(1000 / 800 - 1)  # 0.25
    assert np.isnan(m.loc["H2", "sales_growth"])  # no year before
    assert m.loc["H1", "collateral_cover"] == pytest.approx(300 / 600)
    assert m.loc["H2", "years_in_business"] == 3 and np.isnan(m.loc["H3", "years_in_business"])
    assert m.loc["H1", "fiscal_year"] == 2024


def test_bad_accounts_raise_the_data_error():
    bad = pd.DataFrame({"account_id": ["H1", "H2"], "late_payment_share": [0.1, 1.5]})
    with pytest.raises(CRMDataError) as err:
        credit.factor_measures(STATEMENTS, bad)
    assert err.value.column == "late_payment_share" and err.value.n_bad == 1
    with pytest.raises(CRMDataError, match="repeat an account_id"):
        credit.validate_accounts(pd.DataFrame({"account_id": ["H1", "H1"]}))


# ----------------------------------------------------------------------------- scorecard


def _reference(values=(1.0, 2.0, 3.0, 4.0)):
    return {m: np.array(values) for m in credit.MEASURES}


def test_percentile_scores_by_hand_and_in_the_creditors_direction():
    # Reference 1, 2, 3, 4 for every measure; mid-rank percentile p = (#below + #at-or-below) / 2n.
    # H1: interest_cover 5 -> p 1 -> 100; quick 1.25 -> p 1/4 -> 25; roa .09 -> p 0 -> 0;
    # capacity = 125 / 3. equity_ratio .4 -> p 0 -> 0; debt_to_equity 1.5 (lower is better)
    # -> p 1/4 -> 100 (1 - 1/4) = 75; capital = 37.5. No accounts table and one year: only
    # capacity and capital are scored, equal weights -> (125/3 + 37.5) / 2 = 39.583 -> band D.
    model = credit.CreditScorecard.from_params(_reference())
    s = model.score(STATEMENTS).loc["H1"]
    assert s["capacity"] == pytest.approx(125 / 3)
    assert s["capital"] == pytest.approx(37.5)
    assert np.isnan(s["character"]) and np.isnan(s["collateral"])
    assert s["score"] == pytest.approx((125 / 3 + 37.5) / 2)
    assert s["band"] == "D"


def test_higher_leverage_scores_lower_all_else_equal(fitted, book):
    st = book.statements[book.statements["fiscal_year"] == 2025].iloc[:1].copy()
    riskier = st.copy()
    riskier[["total_liabilities", "equity"]] = [
        st["total_assets"].iloc[0] * 0.9,
        st["total_assets"].iloc[0] * 0.1,
    ]
    a, b = fitted.score(st).iloc[0], fitted.score(riskier).iloc[0]
    assert b["capital"] < a["capital"] and b["score"] < a["score"]
    rho = spearmanr(
        fitted.measures_["debt_to_equity"], fitted.scores_["capital"], nan_policy="omit"
    ).statistic
    assert rho < -0.5  # capital falls as debt to equity rises
    rho = spearmanr(fitted.measures_["late_payment_share"], fitted.scores_["character"]).statistic
    assert rho < -0.5


def test_ahp_weights_come_from_crmlab_loyalty():
    truth = [0.4, 0.3, 0.1, 0.1, 0.1]
    matrix = pd.DataFrame(
        consistent_matrix(truth), index=credit.FACTOR_SETS["5C"], columns=credit.FACTOR_SETS["5C"]
    )
    model = credit.CreditScorecard.from_params(_reference(), weights=matrix)
    np.testing.assert_allclose(model.weights_.to_numpy(), truth, atol=1e-9)
    assert model.ahp_.cr == pytest.approx(0, abs=1e-9)
    example = credit.CreditScorecard.from_params(_reference(), weights=credit.AHP_5C_EXAMPLE)
    direct = ahp_weights(credit.AHP_5C_EXAMPLE)
    np.testing.assert_allclose(example.weights_, direct.weights.to_numpy())
    assert example.weights_.idxmax() == "capacity" and example.ahp_.cr < 0.10
    assert example.summary().loc["capacity", "weight"] == pytest.approx(direct.weights["capacity"])


def test_ahp_weights_change_the_score_as_hand_computed():
    # capacity 125/3 and capital 37.5 only (see above): weights capacity .3, capital .3 (of 1)
    # -> S = (.3 x 125/3 + .3 x 37.5) / .6, the same as equal; capacity .6, capital .1 -> different
    w = {"character": 0.1, "capacity": 0.6, "capital": 0.1, "collateral": 0.1, "conditions": 0.1}
    s = credit.CreditScorecard.from_params(_reference(), weights=w).score(STATEMENTS).loc["H1", "score"]
    assert s == pytest.approx((0.6 * 125 / 3 + 0.1 * 37.5) / 0.7)


def test_inconsistent_judgements_and_bad_weights_are_refused():
    bad = credit.AHP_5C_EXAMPLE.copy()
    bad.loc["conditions", "capacity"], bad.loc["capacity", "conditions"] = 9, 1 / 9
    with pytest.raises(ValueError, match="consistency ratio"):
        credit.CreditScorecard(weights=bad).fit(STATEMENTS)
    with pytest.raises(ValueError, match="exactly the factors"):
        credit.CreditScorecard(weights={"character": 1}).fit(STATEMENTS)
    with pytest.raises(TypeError, match="weights"):
        credit.CreditScorecard(weights=3).fit(STATEMENTS)
    with pytest.raises(ValueError, match="transform"):
        credit.CreditScorecard(transform="logit").fit(STATEMENTS)
    with pytest.raises(ValueError, match="bands"):
        credit.CreditScorecard(bands={"A": 50, "B": 60, "C": 0}).fit(STATEMENTS)


def test_contract_not_fitted_and_hyper_parameters_only():
    model = credit.CreditScorecard("6A", weights="equal")
    assert model.get_params()["factor_set"] == "6A" and not model.is_fitted
    with pytest.raises(NotFittedError):
        model.summary()
    with pytest.raises(NotFittedError):
        model.score(STATEMENTS)


def test_from_params_reproduces_the_fit(fitted, book):
    again = credit.CreditScorecard.from_params(fitted.params_["reference"])
    pd.testing.assert_frame_equal(again.score(book.statements, book.accounts), fitted.scores_)
    with pytest.raises(ValueError, match="reference lacks"):
        credit.CreditScorecard.from_params({"roa": [1, 2]})


def test_rating_bands_by_cut_off():
    bands = credit.rating_bands(pd.Series([100, 75, 74.9, 60, 45, 30, 29.9, 0, np.nan]))
    assert bands.astype(object).tolist()[:8] == ["A", "A", "B", "B", "C", "D", "E", "E"]
    assert pd.isna(bands.iloc[8])


# ----------------------------------------------------------------------------- against the truth


def test_score_ranks_the_simulated_defaults(fitted, book):
    # measured on seed 0, 1,000 accounts: AUC 0.819 vs realised defaults (seeds 0-2: 0.81-0.83);
    # the true PD itself reaches about 0.84, so the scorecard is near the ceiling.
    auc = credit.score_auc(fitted.scores_, book.truth["defaulted"])
    assert auc > 0.77
    ceiling = credit.score_auc(-book.truth["true_pd"], book.truth["defaulted"])
    assert auc > ceiling - 0.06
    rho = spearmanr(fitted.scores_["score"], book.truth["true_pd"]).statistic
    assert rho < -0.85  # measured -0.92


def test_every_factor_set_ranks_and_ahp_does_not_hurt(book):
    for name in ("5P", "6A"):
        model = credit.CreditScorecard(name).fit(book.statements, book.accounts)
        assert credit.score_auc(model.scores_, book.truth["defaulted"]) > 0.77  # measured 0.818, 0.810
    ahp = credit.CreditScorecard(weights=credit.AHP_5C_EXAMPLE).fit(book.statements, book.accounts)
    assert credit.score_auc(ahp.scores_, book.truth["defaulted"]) > 0.77  # measured 0.829


def test_band_default_rates_fall_from_e_to_a(fitted, book):
    table = credit.rating_band_summary(fitted.scores_, book.truth["defaulted"], book.truth["true_pd"])
    assert table["accounts"].sum() == 1000 and table["share"].sum() == pytest.approx(1)
    assert table["mean_true_pd"].is_monotonic_increasing  # A lowest ... E highest
    assert table.loc["E", "default_rate"] > 5 * table.loc["A", "default_rate"]


def test_score_auc_by_hand():
    scores = pd.Series([90, 80, 70, 60], index=list("abcd"))
    defaulted = pd.Series([False, True, False, True], index=list("abcd"))
    # pairs (good, bad): (90, 80) (90, 60) (70, 80) (70, 60) -> 3 of 4 ordered right
    assert credit.score_auc(scores, defaulted) == pytest.approx(0.75)
    with pytest.raises(CRMDataError, match="both"):
        credit.score_auc(scores, defaulted & False)


def test_simulation_is_deterministic_and_consistent():
    a = credit.simulate_business_accounts(50, seed=3)
    b = credit.simulate_business_accounts(50, seed=3)
    c = credit.simulate_business_accounts(50, seed=4)
    pd.testing.assert_frame_equal(a.statements, b.statements)
    pd.testing.assert_frame_equal(a.truth, b.truth)
    assert not a.statements.equals(c.statements)
    assert len(a.statements) == 150 and a.statements["fiscal_year"].max() == 2025
    credit.validate_statements(a.statements)  # balances, signs and keys hold
    h = a.truth["health"]
    np.testing.assert_allclose(a.truth["true_pd"], 1 / (1 + np.exp(-(-3.2 - 1.5 * h))))
    with pytest.raises(ValueError, match="n_accounts"):
        credit.simulate_business_accounts(3)


# ----------------------------------------------------------------------------- limits


def test_limits_by_band_by_hand():
    scores = pd.DataFrame({"band": ["A", "E", "C"]}, index=pd.Index(["H1", "H2", "H3"], name="account_id"))
    limits = credit.credit_limits(scores, STATEMENTS, round_to=1)
    # H1 (A): min(.15 x 1000, .30 x 400) = 120; H2 (E): 0; H3 (C): min(.06 x 500, .10 x 200) = 20
    assert limits["credit_limit"].tolist() == [120, 0, 20]
    assert limits["terms"].tolist() == ["net 60", "prepayment", "net 30"]
    assert limits.loc["H1", "limit_by_sales"] == pytest.approx(150)
    assert credit.credit_limits(scores, STATEMENTS, round_to=50)["credit_limit"].tolist() == [100, 0, 0]
    summary = credit.limit_summary(limits)
    assert summary.loc["A", "limit_to_sales"] == pytest.approx(0.12)


def test_a_users_policy_and_bad_policies():
    scores = pd.DataFrame({"band": ["A", "E", "C"]}, index=pd.Index(["H1", "H2", "H3"], name="account_id"))
    policy = credit.DEFAULT_CREDIT_POLICY.assign(sales_share=0.5, net_worth_share=1.0)
    assert credit.credit_limits(scores, STATEMENTS, policy, round_to=1)["credit_limit"].tolist() == [
        400,
        0,
        200,
    ]
    with pytest.raises(ValueError, match="no row for the bands"):
        credit.credit_limits(scores, STATEMENTS, credit.DEFAULT_CREDIT_POLICY.drop("E"))
    with pytest.raises(ValueError, match="shares"):
        credit.credit_limits(scores, STATEMENTS, credit.DEFAULT_CREDIT_POLICY.assign(sales_share=2.0))
    with pytest.raises(ValueError, match="round_to"):
        credit.credit_limits(scores, STATEMENTS, round_to=0)


# ----------------------------------------------------------------------------- data sets and plots


def test_synthetic_dataset_carries_the_credit_tables():
    ds = load_dataset("synthetic", seed=5, n_customers=300, n_accounts=200, pseudonymize=False)
    again = load_dataset("synthetic", seed=5, n_customers=300, n_accounts=200, pseudonymize=False)
    assert len(ds.business_accounts) == 200 and len(ds.credit_truth) == 200
    pd.testing.assert_frame_equal(ds.statements, again.statements)
    pd.testing.assert_frame_equal(ds.statements, credit.simulate_business_accounts(200, seed=5).statements)
    assert ds.tables().loc["statements", "rows"] == 600
    cdnow = load_dataset("cdnow_sample", pseudonymize=False)
    assert cdnow.statements is None and cdnow.business_accounts is None and cdnow.credit_truth is None


def test_pseudonymized_credit_tables_still_join():
    ds = load_dataset("synthetic", seed=5, n_customers=300, n_accounts=50, pseudonymize=False).pseudonymized(
        "k"
    )
    assert (
        set(ds.statements["account_id"])
        == set(ds.business_accounts["account_id"])
        == set(ds.credit_truth.index)
    )
    assert not ds.statements["account_id"].str.startswith("B").all()


def test_a_folder_with_statements_is_read(tmp_path):
    pop = load_dataset("synthetic", seed=1, n_customers=300, n_accounts=30, pseudonymize=False)
    pop.transactions.to_csv(tmp_path / "transactions.csv", index=False)
    pop.statements.to_csv(tmp_path / "statements.csv", index=False)
    pop.business_accounts.to_csv(tmp_path / "business_accounts.csv", index=False)
    ds = load_dataset(str(tmp_path), pseudonymize=False)
    assert len(ds.statements) == 90 and ds.business_accounts["account_id"].iloc[0] == "B00001"
    STATEMENTS.drop(columns="cash").to_csv(tmp_path / "statements.csv", index=False)
    with pytest.raises(CRMDataError, match="cash"):
        load_dataset(str(tmp_path), pseudonymize=False)


def test_plots_return_axes(fitted):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ax = credit.plot_score_distribution(fitted)
    assert ax.get_xlabel().startswith("credit score") and len(ax.patches) > 0
    ax2 = credit.plot_factor_profile(fitted.scores_)
    assert [t.get_text() for t in ax2.get_xticklabels()] == list(credit.FACTOR_SETS["5C"])
    plt.close("all")


def test_tables_lists_the_credit_tables_only_when_present():
    listed = load_dataset("cdnow_sample", pseudonymize=False).tables().index
    assert "statements" not in listed and "transactions" in listed
