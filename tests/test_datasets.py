"""crmlab.datasets.load_dataset: the notebooks' `dataset` parameter."""

import gzip

import pandas as pd
import pytest

from crmlab import paths, synth
from crmlab.data import CRMDataError
from crmlab.datasets import load_dataset


def test_named_datasets():
    sample = load_dataset("cdnow_sample")
    assert len(sample.transactions) == 6_919 and sample.customers is None and sample.truth is None
    assert str(sample.observation_end.date()) == "1998-06-30"
    syn = load_dataset("synthetic", seed=3, n_customers=500)
    assert syn.truth is not None and syn.truth.params["satisfaction_trap"] is True
    assert str(syn.observation_end.date()) == "2025-12-31"
    assert load_dataset("synthetic_no_trap", n_customers=500).truth.params["satisfaction_trap"] is False


def test_folder_file_and_path_relative_to_the_project(tmp_path, monkeypatch):
    synth.generate(400, seed=1).save(tmp_path / "shop")
    folder = load_dataset(str(tmp_path / "shop"))
    assert folder.survey is not None and folder.promotions is not None and folder.truth is None
    single = load_dataset(str(tmp_path / "shop" / "transactions.csv"))
    assert single.customers is None and len(single.transactions) == len(folder.transactions)
    # notebooks run in notebooks/: a path given from the project root must still be found
    inside = paths.PROJECT_ROOT / "data" / "raw" / "cdnow"
    monkeypatch.chdir(paths.NOTEBOOKS_DIR)
    with pytest.raises(CRMDataError, match="no transactions.csv"):
        load_dataset(str(inside.relative_to(paths.PROJECT_ROOT)))  # found, but holds no transactions.csv


def test_unknown_dataset():
    with pytest.raises(ValueError, match="unknown dataset 'cdnow_full'"):
        load_dataset("cdnow_full")


def test_pseudonymize_follows_the_environment(monkeypatch):
    monkeypatch.delenv("CRMLAB_PSEUDONYM_KEY", raising=False)
    assert load_dataset("cdnow_sample").transactions["customer_id"].iloc[0] == "1"
    with pytest.raises(ValueError, match="CRMLAB_PSEUDONYM_KEY is not set"):
        load_dataset("cdnow_sample", pseudonymize=True)
    monkeypatch.setenv("CRMLAB_PSEUDONYM_KEY", "k")
    assert len(load_dataset("cdnow_sample").transactions["customer_id"].iloc[0]) == 16
    assert load_dataset("cdnow_sample", pseudonymize=False).transactions["customer_id"].iloc[0] == "1"


def all_values(ds):
    """Every value of every column and index of every table, as text."""
    frames = [ds.transactions, ds.customers, ds.survey, ds.promotions]
    if ds.truth is not None:
        frames += [ds.truth.customers, ds.truth.orders]
    seen = set()
    for frame in frames:
        if frame is None:
            continue
        if frame.index.name is not None:  # not a RangeIndex
            seen |= set(map(str, frame.index))
        for col in frame.columns:
            if frame[col].dtype == object or pd.api.types.is_string_dtype(frame[col]):
                seen |= set(map(str, frame[col].dropna()))
    return seen


def test_pseudonymized_dataset_hides_every_id_and_keeps_joins():
    ds = load_dataset("synthetic", seed=4, n_customers=400, pseudonymize=False)
    raw = {
        "customer": set(ds.customers["customer_id"]),
        "order": set(ds.transactions["order_id"]),
        "promotion": set(ds.promotions["promotion_id"]),
    }
    assert all(raw.values()) and raw["promotion"] & set(ds.transactions["promotion_id"].dropna())
    before = ds.transactions.copy()
    anon = ds.pseudonymized("a key")
    pd.testing.assert_frame_equal(ds.transactions, before)  # the original is untouched
    values = all_values(anon)
    for kind, ids in raw.items():
        assert not ids & values, f"raw {kind} ids survive"
    tx, customers = anon.transactions, anon.customers
    # joins still match, table to table and to the ground truth, one to one
    assert set(tx["customer_id"]) <= set(customers["customer_id"])
    assert set(anon.survey["customer_id"]) <= set(customers["customer_id"])
    assert set(tx["promotion_id"].dropna()) <= set(anon.promotions["promotion_id"])
    assert set(anon.truth.orders["order_id"]) == set(tx["order_id"])
    assert set(anon.truth.customers.index) == set(customers["customer_id"])
    assert tx["order_id"].nunique() == ds.transactions["order_id"].nunique()
    assert tx["promotion_id"].isna().sum() == ds.transactions["promotion_id"].isna().sum()
    merged = tx.merge(anon.promotions[["promotion_id", "type"]], on="promotion_id", how="inner")
    original = ds.transactions.merge(ds.promotions[["promotion_id", "type"]], on="promotion_id", how="inner")
    assert len(merged) == len(original) > 0
    assert merged["amount"].sum() == pytest.approx(original["amount"].sum())


def test_pseudonymized_cdnow_hides_master_ids(monkeypatch):
    monkeypatch.setenv("CRMLAB_PSEUDONYM_KEY", "k")
    anon = load_dataset("cdnow_sample")
    raw = load_dataset("cdnow_sample", pseudonymize=False).transactions
    values = all_values(anon)
    assert not set(raw["customer_id"]) & values and not set(raw["master_id"]) & values
    assert anon.transactions["customer_id"].nunique() == 2_357


def test_folder_with_gzip_tables(tmp_path):
    shop = tmp_path / "shop"
    synth.generate(300, seed=2).save(shop)
    for name in ("transactions", "customers"):
        path = shop / f"{name}.csv"
        (shop / f"{name}.csv.gz").write_bytes(gzip.compress(path.read_bytes()))
        path.unlink()
    ds = load_dataset(str(shop))
    assert ds.customers is not None and len(ds.transactions) > 0
    assert set(ds.transactions["customer_id"]) <= set(ds.customers["customer_id"])
