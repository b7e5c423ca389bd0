"""crmlab.data: loaders, validation messages, shipped data sets, pseudonymization."""

import hashlib

import pandas as pd
import pytest

from crmlab import data, paths
from crmlab.data import CRMDataError


def write(tmp_path, text, name="tx.csv", mode="w"):
    path = tmp_path / name
    if mode == "wb":
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


GOOD = "customer_id,date,amount\nA,2024-01-03,10.5\nA,2024-02-01,4\nB,2024-01-05,7.25\n"


def test_good_file_is_loaded_typed_and_sorted(tmp_path):
    tx = data.load_transactions(
        write(tmp_path, "customer_id,date,amount\nB,2024-01-05,7.25\nA,2024-02-01,4\nA,2024-01-03,10.5\n")
    )
    assert tx["customer_id"].tolist() == ["A", "A", "B"]
    assert tx["date"].dt.strftime("%Y-%m-%d").tolist() == ["2024-01-03", "2024-02-01", "2024-01-05"]
    assert tx["amount"].tolist() == [10.5, 4.0, 7.25]
    assert str(tx["date"].dtype) == "datetime64[ns]"


def test_column_mapping_and_parquet(tmp_path):
    frame = pd.DataFrame({"cust": [1, 2], "day": ["2024-01-01", "2024-01-02"], "value": [3.0, 4.0]})
    path = tmp_path / "tx.parquet"
    frame.to_parquet(path)
    tx = data.load_transactions(path, columns={"customer_id": "cust", "date": "day", "amount": "value"})
    assert tx["customer_id"].tolist() == ["1", "2"]
    assert tx["amount"].sum() == 7.0


def test_dataframe_input_is_not_modified():
    frame = pd.DataFrame({"customer_id": ["b", "a"], "date": ["2024-01-02", "2024-01-01"], "amount": [1, 2]})
    before = frame.copy()
    data.load_transactions(frame)
    pd.testing.assert_frame_equal(frame, before)


def test_yyyymmdd_integers_are_dates_not_nanoseconds():
    frame = pd.DataFrame({"customer_id": ["a"], "date": [19970101], "amount": [1.0]})
    assert data.load_transactions(frame)["date"].iloc[0] == pd.Timestamp("1997-01-01")


@pytest.mark.parametrize(
    "text, column, n_bad, fragment",
    [
        ("customer_id,date,amount\n", None, 0, "header but no rows"),
        (
            "customer_id,date\nA,2024-01-01\n",
            "amount",
            1,
            "missing required column(s) ['amount']; found ['customer_id', 'date']",
        ),
        # n_bad counts rows (issue 10: it counted the 3 missing columns before)
        ("customer_id;date;amount\nA;2024-01-01;3\n", "customer_id", 1, "semicolon-separated: pass sep=';'"),
        (
            "customer_id,date,amount\nA,2024-01-01,3\nB,not a date,4\nC,2024-13-45,5\n",
            "date",
            2,
            "2 of 3 rows have dates that cannot be parsed",
        ),
        ("customer_id,date,amount\nA,,3\nB,2024-01-01,4\n", "date", 1, "1 of 2 rows have no date"),
        (
            "customer_id,date,amount\n,2024-01-01,3\nB,2024-01-01,4\n",
            "customer_id",
            1,
            "1 of 2 rows have no customer id",
        ),
        (
            "customer_id,date,amount\nA,2024-01-01,abc\nB,2024-01-01,4\n",
            "amount",
            1,
            "1 of 2 rows are not numbers",
        ),
        (
            "customer_id,date,amount\nA,2024-01-01,inf\nB,2024-01-01,4\n",
            "amount",
            1,
            "1 of 2 rows are infinite",
        ),
        (
            "customer_id,date,amount\nA,2024-01-01,-3\nB,2024-01-01,4\nC,2024-01-01,-1\n",
            "amount",
            2,
            "2 of 3 rows are negative",
        ),
        ("customer_id,date,amount\nA,2024-01-01,\nB,2024-01-01,4\n", "amount", 1, "1 of 2 rows are missing"),
        (
            "customer_id,date,amount,amount\nA,2024-01-01,3,4\n",
            "amount",
            1,
            "duplicated column names ['amount']",
        ),
    ],
)
def test_bad_input_names_table_column_count_and_example(tmp_path, text, column, n_bad, fragment):
    with pytest.raises(CRMDataError) as info:
        data.load_transactions(write(tmp_path, text))
    err = info.value
    assert isinstance(err, ValueError)
    assert err.table == "transactions"
    assert err.column == column
    assert err.n_bad == n_bad
    assert fragment in str(err)
    assert str(err).startswith("transactions")


def test_error_example_points_at_the_bad_line(tmp_path):
    with pytest.raises(CRMDataError) as info:
        data.load_transactions(write(tmp_path, "customer_id,date,amount\nA,2024-01-01,3\nB,2024-01-02,-9\n"))
    assert "line 3 of the file: customer_id='B'" in str(info.value)
    assert "amount=-9" in str(info.value)


def test_empty_file(tmp_path):
    with pytest.raises(CRMDataError, match="is empty"):
        data.load_transactions(write(tmp_path, ""))
    with pytest.raises(CRMDataError, match="is empty"):
        data.load_transactions(write(tmp_path, "\n\n  \n"))


def test_rows_with_extra_fields(tmp_path):
    with pytest.raises(CRMDataError, match=r"rows with extra fields.*Expected 3 fields in line 3, saw 4"):
        data.load_transactions(
            write(tmp_path, "customer_id,date,amount\nA,2024-01-01,3\nB,2024-01-01,4,99\n")
        )


def test_not_a_text_file(tmp_path):
    path = write(
        tmp_path, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), name="picture.csv", mode="wb"
    )
    with pytest.raises(CRMDataError, match="not a text file"):
        data.load_transactions(path)


def test_missing_file_and_mapping_to_unknown_column(tmp_path):
    with pytest.raises(CRMDataError, match="no such file"):
        data.load_transactions(tmp_path / "nope.csv")
    with pytest.raises(CRMDataError, match=r"column mapping names \['cust'\]"):
        data.load_transactions(write(tmp_path, GOOD), columns={"customer_id": "cust"})


def test_duplicated_columns_in_a_dataframe():
    frame = pd.DataFrame([["a", "2024-01-01", 1.0, 2.0]], columns=["customer_id", "date", "amount", "amount"])
    with pytest.raises(CRMDataError, match="duplicated column names"):
        data.load_transactions(frame)


def test_the_input_file_is_never_modified(tmp_path):
    path = write(tmp_path, "customer_id,date,amount\nB,2024-01-05,7.25\nA,2024-02-01,-4\n")
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    with pytest.raises(CRMDataError):
        data.load_transactions(path)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_cdnow_master_counts():
    before = sha(paths.RAW_DIR / "cdnow" / "CDNOW_master.txt")
    tx = data.load_cdnow("master")
    assert len(tx) == 69_659
    assert tx["customer_id"].nunique() == 23_570
    assert tx["date"].min() == pd.Timestamp("1997-01-01")
    assert tx["date"].max() == pd.Timestamp("1998-06-30")
    assert tx["quantity"].sum() == 167_881
    assert sha(paths.RAW_DIR / "cdnow" / "CDNOW_master.txt") == before


def test_cdnow_sample_counts():
    tx = data.load_cdnow("sample")
    assert len(tx) == 6_919
    assert tx["customer_id"].nunique() == 2_357
    assert set(tx["customer_id"]) == {str(i) for i in range(1, 2358)}
    assert tx["customer_id"].map(type).eq(str).all()


def test_cdnow_bad_kind():
    with pytest.raises(ValueError, match="'master' or 'sample'"):
        data.load_cdnow("full")


def test_shipped_surveys():
    mobi = data.load_survey("ecsi_mobi")
    bank = data.load_survey("bank")
    assert mobi.shape == (250, 25)
    assert bank.shape == (250, 29)
    blocks = data.survey_blocks("ecsi_mobi")
    assert sum(len(v) for v in blocks.values()) == 24
    assert mobi[blocks["loyalty"]].min().min() >= 1
    assert set(bank["gender"]) == {"male", "female"}
    assert len(data.survey_blocks("bank")["value"]) == 4


def test_survey_scale_is_checked(tmp_path):
    path = write(tmp_path, "customer_id,q1,q2\n1,3,4\n2,11,5\n3,12,5\n", name="survey.csv")
    with pytest.raises(CRMDataError, match=r"survey.q1: 2 of 3 rows are outside the scale 1..10"):
        data.load_survey(path, scale=(1, 10))


def test_customers_and_promotions(tmp_path):
    customers = data.load_customers(
        write(tmp_path, "customer_id,signup_date,region\n1,2024-01-01,north\n2,,south\n", name="c.csv")
    )
    assert customers["signup_date"].isna().tolist() == [False, True]
    with pytest.raises(CRMDataError, match="repeat a customer id"):
        data.load_customers(pd.DataFrame({"customer_id": ["1", "1"]}))
    promo = pd.DataFrame(
        {
            "promotion_id": ["P1"],
            "type": ["coupon"],
            "medium": ["email"],
            "start": ["2024-01-10"],
            "end": ["2024-01-01"],
            "cost": [100],
        }
    )
    with pytest.raises(CRMDataError, match="promotions.end: 1 of 1 rows end before they start"):
        data.load_promotions(promo)


def test_pseudonymize_is_keyed_stable_and_leaves_input():
    frame = pd.DataFrame({"customer_id": ["a", "b", "a"], "amount": [1, 2, 3]})
    one = data.pseudonymize(frame, "secret")
    two = data.pseudonymize(frame, "secret")
    other = data.pseudonymize(frame, "another key")
    assert frame["customer_id"].tolist() == ["a", "b", "a"]
    assert one["customer_id"].tolist() == two["customer_id"].tolist()
    assert one["customer_id"].iloc[0] == one["customer_id"].iloc[2] != one["customer_id"].iloc[1]
    assert one["customer_id"].iloc[0] != other["customer_id"].iloc[0]
    # HMAC-SHA256(key, id), hex, first 16 characters
    import hmac

    expected = hmac.new(b"secret", b"a", hashlib.sha256).hexdigest()[:16]
    assert one["customer_id"].iloc[0] == expected
    with pytest.raises(ValueError, match="key must not be empty"):
        data.pseudonymize(frame, "")


def test_pseudonymized_dataset_shows_no_raw_id(monkeypatch, population):
    from crmlab.datasets import Dataset

    ds = Dataset(
        "t",
        population.transactions,
        population.customers,
        population.survey,
        population.promotions,
        population.truth,
    )
    monkeypatch.setenv("CRMLAB_PSEUDONYM_KEY", "k")
    anon = ds.pseudonymized()
    raw = set(population.customers["customer_id"])
    for frame in (anon.transactions, anon.customers, anon.survey):
        assert not raw & set(frame["customer_id"])
    assert set(anon.transactions["customer_id"]) <= set(anon.customers["customer_id"])
    assert not raw & set(anon.truth.customers.index)
    monkeypatch.delenv("CRMLAB_PSEUDONYM_KEY")
    with pytest.raises(ValueError, match="CRMLAB_PSEUDONYM_KEY is not set"):
        ds.pseudonymized()


def test_a_file_that_is_not_utf8(tmp_path):
    path = write(tmp_path, "customer_id,date,amount\nJos\xe9,2024-01-01,3\n".encode("latin-1"), mode="wb")
    with pytest.raises(CRMDataError, match="is not UTF-8 text"):
        data.load_transactions(path)
    tx = data.load_transactions(path, read_kwargs={"encoding": "latin-1"})
    assert tx["customer_id"].tolist() == ["José"]


def test_pseudonymize_every_id_column_or_the_ones_named():
    import hmac

    def expected(value):
        return hmac.new(b"k", value.encode(), hashlib.sha256).hexdigest()[:16]

    frame = pd.DataFrame({"customer_id": ["a", "b"], "order_id": ["o1", None], "amount": [1, 2]})
    auto = data.pseudonymize(frame, "k")  # every *_id column
    assert auto["customer_id"].tolist() == [expected("a"), expected("b")]
    assert auto["order_id"].iloc[0] == expected("o1") and pd.isna(auto["order_id"].iloc[1])
    assert auto["amount"].tolist() == [1, 2]
    one = data.pseudonymize(frame, "k", "customer_id")  # the old signature: one column
    assert one["customer_id"].iloc[0] == expected("a") and one["order_id"].iloc[0] == "o1"
    named = data.pseudonymize(frame, "k", columns=["order_id"])
    assert named["customer_id"].tolist() == ["a", "b"] and named["order_id"].iloc[0] == expected("o1")
    indexed = data.pseudonymize(frame.set_index("customer_id"), "k")
    assert list(indexed.index) == [expected("a"), expected("b")] and indexed.index.name == "customer_id"
    assert data.id_columns(frame) == ["customer_id", "order_id"]
    with pytest.raises(CRMDataError, match="no column 'nope'"):
        data.pseudonymize(frame, "k", columns=["nope"])
    with pytest.raises(CRMDataError, match="no identifier column"):
        data.pseudonymize(frame[["amount"]], "k")
    with pytest.raises(ValueError, match="column or columns, not both"):
        data.pseudonymize(frame, "k", "customer_id", columns=["order_id"])


def test_big_csv_files_are_read_with_a_progress_bar(tmp_path, monkeypatch, capsys):
    """Above crmlab.options.read_progress_bytes a CSV is read through a tqdm wrapper: same frame, errors."""
    import gzip

    import crmlab

    text = "customer_id,date,amount\n" + "".join(
        f"C{i % 7:03d},2024-01-{i % 28 + 1:02d},{i}.5\n" for i in range(500)
    )
    plain = write(tmp_path, text)
    zipped = tmp_path / "tx.csv.gz"
    zipped.write_bytes(gzip.compress(text.encode()))
    expected = data.load_transactions(plain)
    assert "reading transactions" not in capsys.readouterr().err
    monkeypatch.setattr(crmlab.options, "read_progress_bytes", 1)
    pd.testing.assert_frame_equal(data.load_transactions(plain), expected)
    err = capsys.readouterr().err
    assert "reading transactions" in err and "100%" in err
    pd.testing.assert_frame_equal(data.load_transactions(zipped), expected)
    assert "reading transactions" in capsys.readouterr().err
    with pytest.raises(CRMDataError, match=r"rows with extra fields.*Expected 3 fields in line 3, saw 4"):
        data.load_transactions(
            write(tmp_path, "customer_id,date,amount\nA,2024-01-01,3\nB,2024-01-01,4,99\n")
        )
