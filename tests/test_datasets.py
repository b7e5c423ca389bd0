"""crmlab.datasets.load_dataset: the notebooks' `dataset` parameter."""

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
