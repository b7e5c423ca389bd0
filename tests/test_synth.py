"""crmlab.synth: determinism, and ground truth consistent with the tables."""

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from crmlab import data, synth


def test_same_seed_identical_tables():
    a, b = synth.generate(1_500, seed=5), synth.generate(1_500, seed=5)
    for name in ("customers", "transactions", "survey", "promotions"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))
    pd.testing.assert_frame_equal(a.truth.customers, b.truth.customers)
    pd.testing.assert_frame_equal(a.truth.orders, b.truth.orders)


def test_different_seeds_differ():
    a, b = synth.generate(1_500, seed=5), synth.generate(1_500, seed=6)
    assert not a.transactions["amount"].equals(b.transactions["amount"])


def test_tables_are_canonical_and_pass_validation(population):
    tx = data.load_transactions(population.transactions)
    assert len(tx) == len(population.transactions)
    assert set(data.TRANSACTION_COLUMNS["optional"]) <= set(population.transactions.columns)
    data.load_customers(population.customers)
    data.load_promotions(population.promotions)
    data.load_survey(population.survey, items=synth.BASIC_ITEMS + synth.LATENT_ITEMS, scale=(1, 10))
    assert population.transactions["order_id"].is_unique
    assert population.transactions["date"].between("2023-01-01", "2025-12-31").all()
    assert (population.transactions["date"] == population.transactions["date"].dt.normalize()).all()


def test_truth_agrees_with_transactions(population):
    tx, customers, truth = population.transactions, population.customers, population.truth.customers
    assert truth.index.tolist() == customers["customer_id"].tolist()
    first = tx.groupby("customer_id")["date"].min()
    last = tx.groupby("customer_id")["date"].max()
    buyers = customers["first_purchase_date"].notna()
    # buyers are exactly the customers with transactions, first purchase = first transaction
    assert set(first.index) == set(customers.loc[buyers, "customer_id"])
    fp = customers.set_index("customer_id")["first_purchase_date"]
    assert (fp[first.index] == first).all()
    assert (customers.loc[buyers, "first_purchase_date"] >= customers.loc[buyers, "signup_date"]).all()
    # potential customers never bought; stage and alive agree
    assert (truth.loc[~buyers.to_numpy(), "stage"] == "potential").all()
    assert set(truth.loc[buyers.to_numpy(), "stage"]) <= set(synth.STAGES[1:])
    assert ((truth["stage"] == "termination") == (buyers.to_numpy() & ~truth["alive"])).all()
    # nobody buys after dropping out
    dropped = truth["dropout_date"].notna()
    assert (
        last[dropped[dropped].index.intersection(last.index)]
        <= truth.loc[dropped, "dropout_date"].reindex(last.index).dropna()
    ).all()
    # membership cards open on or after the first purchase
    card = customers["card_date"].notna()
    assert (customers.loc[card, "card_date"] >= customers.loc[card, "first_purchase_date"]).all()


def test_promotions_agree_with_orders(population):
    tx = population.transactions.merge(population.truth.orders, on="order_id")
    promo = population.promotions.set_index("promotion_id")
    driven = tx[tx["promo_driven"]]
    assert len(driven) > 0
    assert driven["promotion_id"].notna().all()
    used = tx[tx["promotion_id"].notna()]
    window = promo.loc[used["promotion_id"].astype(str)]
    assert (used["date"].to_numpy() >= window["start"].to_numpy()).all()
    assert (used["date"].to_numpy() <= window["end"].to_numpy()).all()
    # price-sensitive customers are the ones promotions move
    sens = population.truth.customers["price_sensitivity"]
    per_customer = driven.groupby("customer_id").size().reindex(sens.index, fill_value=0)
    assert np.corrcoef(sens, per_customer)[0, 1] > 0.2


def test_costs_margins_and_categories(population):
    tx = population.transactions
    assert (tx["amount"] > 0).all() and (tx["cost"] > 0).all()
    margin = (tx["amount"] - tx["cost"]).groupby(tx["category"]).sum() / tx.groupby("category")[
        "amount"
    ].sum()
    assert margin["beauty"] > margin["electronics"]
    assert set(tx["channel"]) == set(synth.CHANNELS.index)


def test_survey_composites_and_respondents(population):
    s = population.survey
    assert set(s["customer_id"]) <= set(population.transactions["customer_id"])
    np.testing.assert_allclose(s["basic_satisfaction"], s[synth.BASIC_ITEMS].mean(axis=1))
    np.testing.assert_allclose(s["latent_satisfaction"], s[synth.LATENT_ITEMS].mean(axis=1))
    assert s["recommend"].between(0, 10).all()
    assert s["loyalty_intention"].between(1, 10).all()
    truth = population.truth.customers.loc[s["customer_id"]]
    assert s.groupby(truth["monopoly"].to_numpy())["alternatives"].mean().diff().iloc[-1] < -3
    assert np.corrcoef(s["switching_cost"], truth["inertia"])[0, 1] > 0.6
    kano_cols = [c for c in s.columns if c.startswith("kano_")]
    assert len(kano_cols) == 14 and s[kano_cols].isin([1, 2, 3, 4, 5]).all().all()


def test_segments_behave_differently(population):
    truth = population.truth.customers
    rate = truth.groupby("segment")["purchase_rate"].median()
    assert rate["vip"] > rate["regular"] > rate["occasional"]
    assert truth.groupby("segment")["price_sensitivity"].mean().idxmax() == "bargain hunter"
    assert set(truth["stage"]) == set(synth.STAGES)


def _quadratic_terms(survey):
    fit = smf.ols(
        "loyalty_intention ~ basic_satisfaction + I(basic_satisfaction**2)"
        " + latent_satisfaction + I(latent_satisfaction**2)",
        survey,
    ).fit()
    return fit.params.iloc[2], fit.params.iloc[4], fit.pvalues.iloc[2], fit.pvalues.iloc[4]


def test_survey_carries_the_satisfaction_trap():
    pop = synth.generate(8_000, seed=3)
    b2, l2, pb, pl = _quadratic_terms(pop.survey)
    assert b2 < 0 and pb < 0.01  # basic: concave
    assert l2 > 0 and pl < 0.01  # latent: convex
    assert pop.truth.basic_saturation_point(0.2) == pytest.approx(1 + np.log(5) / 0.35)


def test_no_trap_survey_is_symmetric():
    pop = synth.generate(8_000, seed=3, satisfaction_trap=False)
    b2, l2, pb, pl = _quadratic_terms(pop.survey)
    assert pb > 0.01 and pl > 0.01
    assert np.isnan(pop.truth.basic_saturation_point(0.2))


def test_bad_arguments():
    with pytest.raises(ValueError, match="at least 10"):
        synth.generate(3)
    with pytest.raises(ValueError, match="shorter than 60 days"):
        synth.generate(100, start="2024-01-01", end="2024-01-20")


def test_save_writes_loadable_tables(tmp_path, population):
    from crmlab.datasets import load_dataset

    population.save(tmp_path)
    ds = load_dataset(str(tmp_path))
    assert len(ds.transactions) == len(population.transactions)
    assert len(ds.customers) == len(population.customers)
    assert (tmp_path / "truth_customers.csv").exists()


# --- order lines and the campaign experiment (drawn after everything else) -------------------

# sha256 of each existing table's CSV, recorded before order lines and the campaign were added:
# the new tables come from child generators, so the old ones must not move
_DIGESTS = {
    0: {
        "customers": "f52f66a764f627f3",
        "transactions": "19215c39ff104924",
        "survey": "a6d3c6dbb553e507",
        "promotions": "8576dab08b4c9f4d",
    },
    3: {
        "customers": "fed3c0e6bbcf9687",
        "transactions": "0905fd1a05fca452",
        "survey": "682d33b62e803a1a",
        "promotions": "135159091c566125",
    },
}


@pytest.mark.parametrize("seed", [0, 3])
def test_new_tables_leave_the_existing_ones_unchanged(seed):
    import hashlib

    pop = synth.generate(3000, seed=seed)
    for name, digest in _DIGESTS[seed].items():
        text = getattr(pop, name).to_csv(index=False).encode()
        assert hashlib.sha256(text).hexdigest()[:16] == digest, name


def test_order_lines_add_up_to_their_orders(population):
    lines, tx = population.order_lines, population.transactions.set_index("order_id")
    assert list(lines.columns) == ["order_id", "product", "category", "quantity", "price"]
    assert set(lines["order_id"]) == set(tx.index)
    assert not lines.duplicated(["order_id", "product"]).any()
    assert (lines["quantity"] >= 1).all() and (lines["price"] > 0).all()
    per_order = lines.assign(value=lines["quantity"] * lines["price"]).groupby("order_id")
    units = per_order["quantity"].sum()
    assert (units == tx.loc[units.index, "quantity"]).all()
    gap = (per_order["value"].sum() - tx.loc[units.index, "amount"]).abs()
    assert (gap <= 0.005 * units + 1e-9).all()  # prices in cents: half a cent per unit at most
    first = lines.drop_duplicates("order_id").set_index("order_id")
    assert (first["product"] == tx.loc[first.index, "product"]).all()
    assert (lines["product"].str.split("-").str[0] == lines["category"]).all()
    multi = (lines.groupby("order_id").size() > 1).mean()
    assert 0.3 < multi < 0.6


def test_planted_associations_are_recorded_as_realised(population):
    lines, rules = population.order_lines, population.truth.associations
    n = lines["order_id"].nunique()
    for rule in rules.itertuples():
        baskets = lines.groupby("order_id")[rule.level].agg(set)
        has_a = baskets.map(lambda s, a=rule.antecedent: a in s)
        has_b = baskets.map(lambda s, b=rule.consequent: b in s)
        both = (has_a & has_b).sum()
        assert rule.support == pytest.approx(both / n)
        assert rule.confidence == pytest.approx(both / has_a.sum())
        assert rule.lift == pytest.approx(both / has_a.sum() / (has_b.mean()))
    product = rules[rules["level"] == "product"]
    assert (product["lift"] > 10).all()  # far above any unplanted pair (within-category lift ~3)
    assert set(product["story"]) == {"diapers -> beer", "camera -> memory card"}
    assert rules.loc[rules["level"] == "category", "lift"].iloc[0] > 1.2


def test_campaign_is_a_randomised_experiment_with_its_truth(population):
    camp, truth = population.campaign, population.truth.campaign
    p = population.truth.params["campaign"]
    buyers = population.customers.loc[population.customers["first_purchase_date"].notna(), "customer_id"]
    assert camp["customer_id"].tolist() == buyers.tolist()
    assert (camp["campaign_id"] == "C01").all()
    assert not (camp["control"] & ~camp["targeted"]).any()
    assert camp.loc[camp["targeted"], "control"].mean() == pytest.approx(0.2, abs=0.03)
    region = population.customers.set_index("customer_id").loc[camp["customer_id"], "region"]
    assert (camp["targeted"].to_numpy() == region.isin(p["target_regions"]).to_numpy()).all()
    treated = (camp["targeted"] & ~camp["control"]).to_numpy()
    assert (truth["treated"].to_numpy() == treated).all()
    observed = np.where(treated, truth["responded_treated"], truth["responded_control"])
    assert (camp["responded"].to_numpy() == observed).all()
    assert ((camp["revenue"] > 0) == camp["responded"]).all()
    # the recorded incremental effect is the treated's difference of potential outcomes
    t = truth[treated]
    assert p["incremental_responses"] == int(t["responded_treated"].sum() - t["responded_control"].sum())
    assert p["incremental_revenue"] == pytest.approx((t["revenue_treated"] - t["revenue_control"]).sum())
    # dead customers mostly do not buy anyway; price-sensitive ones are moved most
    alive = population.truth.customers.loc[truth.index, "alive"]
    assert truth.loc[~alive.to_numpy(), "p_respond_control"].max() == 0
    sens = population.truth.customers.loc[truth.index, "price_sensitivity"]
    assert np.corrcoef(sens, truth["uplift"])[0, 1] > 0.3
    assert (truth["uplift"] < 0).any()  # sleeping dogs


def test_dataset_carries_and_pseudonymizes_the_new_tables():
    from crmlab.datasets import load_dataset

    ds = load_dataset("synthetic", seed=2, n_customers=500)
    assert ds.order_lines is not None and ds.campaign is not None
    assert {"order_lines", "campaign"} <= set(ds.tables().index)
    pseudo = ds.pseudonymized("k")
    assert set(pseudo.order_lines["order_id"]) == set(pseudo.transactions["order_id"])
    assert not set(pseudo.campaign["customer_id"]) & set(ds.campaign["customer_id"])
    assert set(pseudo.campaign["customer_id"]) <= set(pseudo.customers["customer_id"])
    assert list(pseudo.truth.campaign.index) == list(pseudo.campaign["customer_id"])
    cdnow = load_dataset("cdnow_sample")
    assert cdnow.order_lines is None and cdnow.campaign is None


def test_saved_folder_reads_back_the_new_tables(tmp_path, population):
    from crmlab.datasets import load_dataset

    population.save(tmp_path)
    ds = load_dataset(str(tmp_path))
    assert len(ds.order_lines) == len(population.order_lines)
    assert ds.campaign["responded"].sum() == population.campaign["responded"].sum()
    assert (tmp_path / "truth_associations.csv").exists() and (tmp_path / "truth_campaign.csv").exists()
