"""A catalogue of hostile transaction inputs (issue 10, part 2), generated in tmp_path.

Every case ends either in the right values or in a CRMDataError naming the table, the column,
how many rows are bad and an example; no input file is changed; no two distinct ids merge.
"""

import gzip
import hashlib
import io
import warnings
import zipfile

import numpy as np
import pandas as pd
import pytest

from crmlab import data
from crmlab.data import CRMDataError

HEADER = "customer_id,date,amount\n"


def csv(tmp_path, text, name="tx.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return path


def parquet(tmp_path, frame, name="tx.parquet"):
    path = tmp_path / name
    frame.to_parquet(path)
    return path


def sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load(source, **kwargs):
    """load_transactions with every warning an error (no pandas ParserWarning may leak)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return data.load_transactions(source, **kwargs)


def fails(source, column, n_bad, fragment, example=None, table="transactions", loader=load, **kwargs):
    """The house error: table, column, n_bad, a fragment of the message and of the example."""
    before = sha(source) if not isinstance(source, pd.DataFrame) else None
    with pytest.raises(CRMDataError) as info:
        loader(source, **kwargs)
    err = info.value
    assert err.table == table, str(err)
    assert err.column == column, str(err)
    assert err.n_bad == n_bad, str(err)
    assert fragment in str(err), str(err)
    if example is not None:
        assert err.example is not None and example in err.example, str(err)
        assert example in str(err)
    if before is not None:
        assert sha(source) == before  # the input file is never changed
    return err


# --------------------------------------------------------------------------- ids are labels


def test_ids_that_look_like_numbers_stay_as_written_in_csv(tmp_path):
    spellings = ["007", "7", "0042", "42", "10", "1e1", "10.0", "1E1", "12345678901234567890", "-0"]
    rows = "".join(f"{s},2024-01-0{1 + i % 9},{i + 1}\n" for i, s in enumerate(spellings))
    path = csv(tmp_path, HEADER + rows)
    before = sha(path)
    tx = load(path)
    assert sorted(tx["customer_id"]) == sorted(spellings)  # ten customers, not six
    assert tx["customer_id"].nunique() == 10
    by_id = tx.set_index("customer_id")["amount"]
    assert by_id["007"] == 1 and by_id["7"] == 2 and by_id["1e1"] == 6 and by_id["10.0"] == 7
    assert sha(path) == before


def test_order_and_promotion_ids_stay_as_written(tmp_path):
    path = csv(
        tmp_path,
        "customer_id,date,amount,order_id,promotion_id\n"
        "A,2024-01-01,1,007,0010\nA,2024-01-02,2,7,10\nB,2024-01-03,3,,NA\n",
    )
    tx = load(path)
    assert tx["order_id"].tolist()[:2] == ["007", "7"]
    assert tx["promotion_id"].tolist()[:2] == ["0010", "10"]
    assert tx["order_id"].isna().tolist() == [False, False, True]  # empty and NA mean "none"
    assert tx["promotion_id"].isna().tolist() == [False, False, True]


def test_a_mapped_id_column_is_read_as_text_too(tmp_path):
    path = csv(tmp_path, "client,day,revenue,ticket\n007,2024-01-01,1,01\n7,2024-01-02,2,1\n")
    tx = load(
        path, columns={"customer_id": "client", "date": "day", "amount": "revenue", "order_id": "ticket"}
    )
    assert sorted(tx["customer_id"]) == ["007", "7"]
    assert sorted(tx["order_id"]) == ["01", "1"]


def test_parquet_and_dataframe_ids(tmp_path):
    text = pd.DataFrame({"customer_id": ["007", "7", "0042", "42"], "date": "2024-01-01", "amount": 1.0})
    assert sorted(load(parquet(tmp_path, text))["customer_id"]) == ["0042", "007", "42", "7"]
    assert sorted(load(text)["customer_id"]) == ["0042", "007", "42", "7"]
    integers = text.assign(customer_id=[7, 8, 42, 10**15])
    ids = load(parquet(tmp_path, integers, "int.parquet"))["customer_id"]
    assert sorted(ids) == sorted(["7", "8", "42", str(10**15)])
    # integer ids with a gap come as floats from pandas: 7.0 is the id 7, not "7.0"
    gappy = text.assign(customer_id=[7.0, 8.0, 42.0, 1.5])
    assert sorted(load(gappy)["customer_id"]) == ["1.5", "42", "7", "8"]


@pytest.mark.parametrize("how", ["csv", "parquet", "frame"])
def test_no_two_distinct_ids_ever_merge(tmp_path, how):
    rng = np.random.default_rng(5)
    base = [str(i) for i in range(60)]
    variants = base + ["0" + b for b in base] + [b + ".0" for b in base] + [b + "e0" for b in base]
    variants += [" x", "x ", "X", "x"]  # spaces around an id are not part of it: " x" and "x " are "x"
    ids = rng.permutation(variants)
    frame = pd.DataFrame({"customer_id": ids, "date": "2024-03-01", "amount": 1.0})
    if how == "csv":
        source = csv(tmp_path, frame.to_csv(index=False))
    elif how == "parquet":
        source = parquet(tmp_path, frame)
    else:
        source = frame
    tx = load(source)
    expected = {v.strip() for v in variants}
    assert set(tx["customer_id"]) == expected
    assert tx["customer_id"].nunique() == len(expected) == len(variants) - 2


@pytest.mark.parametrize("marker", ["NA", "NULL", "N/A", "nan", ""])
def test_missing_ids_are_shown_as_written(tmp_path, marker):
    path = csv(tmp_path, HEADER + f"A,2024-01-01,1\n{marker},2024-01-02,2\nB,2024-01-03,3\n")
    fails(
        path,
        "customer_id",
        1,
        "1 of 3 rows have no customer id",
        f"line 3 of the file: customer_id={marker!r}",
    )


def test_customers_and_promotions_ids_are_text(tmp_path):
    customers = data.load_customers(csv(tmp_path, "customer_id,region\n007,n\n7,s\n", "c.csv"))
    assert customers["customer_id"].tolist() == ["007", "7"]
    promos = data.load_promotions(
        csv(
            tmp_path,
            "promotion_id,type,medium,start,end,cost\n01,coupon,email,2024-01-01,2024-01-31,5\n"
            "1,coupon,sms,2024-02-01,2024-02-28,5\n",
            "p.csv",
        )
    )
    assert promos["promotion_id"].tolist() == ["01", "1"]
    path = csv(
        tmp_path,
        "promotion_id,type,medium,start,end,cost\nNULL,coupon,email,2024-01-01,2024-01-31,5\n",
        "q.csv",
    )
    fails(
        path,
        "promotion_id",
        1,
        "have no promotion id",
        "promotion_id='NULL'",
        table="promotions",
        loader=data.load_promotions,
    )


# --------------------------------------------------------------------------- amounts are money


def test_boolean_amounts_are_rejected_in_csv_parquet_and_frames(tmp_path):
    path = csv(tmp_path, HEADER + "A,2024-01-01,True\nB,2024-01-02,False\n")
    fails(path, "amount", 2, "2 of 2 rows are True/False values, not numbers", "amount=True")
    frame = pd.DataFrame({"customer_id": ["A", "B"], "date": "2024-01-01", "amount": [True, False]})
    fails(parquet(tmp_path, frame), "amount", 2, "True/False values")
    fails(frame, "amount", 2, "True/False values", "row 0: customer_id='A'")
    mixed = frame.assign(amount=pd.Series([3.5, True], dtype=object))
    fails(mixed, "amount", 1, "1 of 2 rows are True/False values", "row 1")
    quantity = pd.DataFrame({"customer_id": ["A"], "date": "2024-01-01", "amount": 1.0, "quantity": [True]})
    fails(quantity, "quantity", 1, "True/False values")


def test_complex_amounts_are_rejected(tmp_path):
    frame = pd.DataFrame({"customer_id": ["A", "B"], "date": "2024-01-01", "amount": [1 + 2j, 3 + 0j]})
    fails(frame, "amount", 2, "are complex numbers")
    mixed = frame.assign(amount=pd.Series([2.0, 1 + 2j], dtype=object))
    fails(mixed, "amount", 1, "1 of 2 rows are complex numbers", "row 1")
    path = csv(tmp_path, HEADER + "A,2024-01-01,1+2j\nB,2024-01-02,3\n")
    fails(path, "amount", 1, "1 of 2 rows are not numbers", "amount='1+2j'")


# --------------------------------------------------------------------------- time zones


def test_offsets_are_converted_to_utc_and_dropped(tmp_path):
    path = csv(
        tmp_path,
        HEADER + "A,2024-01-02T10:00:00+02:00,1\nA,2024-07-02T10:00:00+01:00,2\nB,2024-01-02T23:30:00Z,3\n",
    )
    tx = load(path)
    assert str(tx["date"].dtype) == "datetime64[ns]"
    assert tx["date"].tolist() == [
        pd.Timestamp("2024-01-02 08:00"),
        pd.Timestamp("2024-07-02 09:00"),
        pd.Timestamp("2024-01-02 23:30"),
    ]


def test_offsets_converted_to_the_named_time_zone(tmp_path):
    path = csv(tmp_path, HEADER + "A,2024-01-02T23:30:00+00:00,1\nA,2024-07-02T23:30:00+00:00,2\n")
    tx = load(path, timezone="Europe/Berlin")  # +01:00 in winter, +02:00 in summer
    assert tx["date"].tolist() == [pd.Timestamp("2024-01-03 00:30"), pd.Timestamp("2024-07-03 01:30")]
    with pytest.raises(ValueError, match="timezone: unknown time zone 'Mars/Olympus'"):
        load(path, timezone="Mars/Olympus")


def test_naive_dates_are_left_alone_even_with_a_timezone(tmp_path):
    path = csv(tmp_path, HEADER + "A,2024-01-02 10:00:00,1\n")
    assert load(path, timezone="Asia/Tokyo")["date"].iloc[0] == pd.Timestamp("2024-01-02 10:00")


def test_mixed_aware_and_naive_is_an_error(tmp_path):
    path = csv(tmp_path, HEADER + "A,2024-01-02T10:00:00+02:00,1\nB,2024-01-03,2\nC,2024-01-04,3\n")
    fails(path, "date", 1, "1 of 3 rows have a time-zone offset while the other 2 rows do not", "line 2")
    path = csv(tmp_path, HEADER + "A,2024-01-02T10:00:00+02:00,1\nB,2024-01-03T10:00Z,2\nC,2024-01-04,3\n")
    fails(path, "date", 1, "have no time-zone offset while the other 2 rows do", "date='2024-01-04'")


def test_time_zone_aware_parquet_and_frames(tmp_path):
    stamps = pd.to_datetime(["2024-01-02 10:00", "2024-07-02 10:00"]).tz_localize("Europe/Berlin")
    frame = pd.DataFrame({"customer_id": ["A", "B"], "date": stamps, "amount": [1.0, 2.0]})
    expected = [pd.Timestamp("2024-01-02 09:00"), pd.Timestamp("2024-07-02 08:00")]
    assert load(frame)["date"].tolist() == expected
    assert load(parquet(tmp_path, frame))["date"].tolist() == expected
    assert load(frame, timezone="Europe/Berlin")["date"].tolist() == [
        pd.Timestamp("2024-01-02 10:00"),
        pd.Timestamp("2024-07-02 10:00"),
    ]
    assert frame["date"].dt.tz is not None  # the caller's frame keeps its zone


def test_time_zones_in_customers_and_promotions(tmp_path):
    customers = data.load_customers(
        csv(tmp_path, "customer_id,signup_date\n1,2024-01-01T01:00:00+02:00\n2,\n", "c.csv")
    )
    assert customers["signup_date"].iloc[0] == pd.Timestamp("2023-12-31 23:00")
    assert pd.isna(customers["signup_date"].iloc[1])


# --------------------------------------------------------------------------- dates out of range


@pytest.mark.parametrize("day", ["2999-01-01", "0001-01-01"])
def test_dates_out_of_range(tmp_path, day):
    path = csv(tmp_path, HEADER + f"A,2024-01-01,1\nB,{day},2\n")
    fails(path, "date", 1, "1 of 2 rows have dates outside the range", f"date={day!r}")


def test_yyyymmdd_out_of_range_and_fractional(tmp_path):
    path = csv(tmp_path, HEADER + "A,20240101,1\nB,29990101,2\n")
    fails(path, "date", 1, "dates outside the range", "date=29990101")
    path = csv(tmp_path, HEADER + "A,20240101,1\nB,20240103.5,2\nC,20240104,3\n")
    fails(path, "date", 1, "1 of 3 rows are not whole YYYYMMDD numbers", "date=20240103.5")
    assert load(csv(tmp_path, HEADER + "A,20240103,1\n"))["date"].iloc[0] == pd.Timestamp("2024-01-03")


def test_out_of_range_in_frames_and_parquet(tmp_path):
    far = np.array(["2024-01-01", "2999-12-31"], dtype="datetime64[us]")
    frame = pd.DataFrame({"customer_id": ["A", "B"], "date": far, "amount": 1.0})
    fails(frame, "date", 1, "dates outside the range", "row 1")
    fails(parquet(tmp_path, frame), "date", 1, "dates outside the range", "row 1: customer_id='B'")


def test_boolean_dates_are_rejected():
    frame = pd.DataFrame({"customer_id": ["A"], "date": [True], "amount": 1.0})
    fails(frame, "date", 1, "True/False values, not dates")


# --------------------------------------------------------------------------- column mappings


def test_two_canonical_names_mapped_to_one_column(tmp_path):
    path = csv(tmp_path, "client,date,amount\nA,2024-01-01,1\n")
    err = fails(
        path,
        "client",
        2,
        "maps ['customer_id', 'order_id'] to the one column 'client'",
        columns={"customer_id": "client", "order_id": "client"},
    )
    assert "column mapping {'customer_id': 'client', 'order_id': 'client'}" in str(err)


def test_a_mapping_given_as_a_list(tmp_path):
    path = csv(tmp_path, "client,date,amount\nA,2024-01-01,1\n")
    with pytest.raises(TypeError, match=r"columns must be a mapping .*got a list: \['client'\]"):
        load(path, columns=["client"])


def test_mapping_onto_a_name_the_file_already_has(tmp_path):
    path = csv(tmp_path, "customer_id,client,date,amount\nA,X,2024-01-01,1\n")
    fails(
        path,
        "customer_id",
        1,
        "column mapping {'customer_id': 'client'} would give two 'customer_id' columns",
        columns={"customer_id": "client"},
    )
    # swapping two columns is fine: the existing one is renamed away
    tx = load(path, columns={"customer_id": "client", "order_id": "customer_id"})
    assert tx["customer_id"].tolist() == ["X"] and tx["order_id"].tolist() == ["A"]


# --------------------------------------------------------------------------- file formats


def test_semicolon_file_counts_rows_and_leaks_no_parser_warning(tmp_path):
    path = csv(tmp_path, "customer_id;date;amount\nA;2024-01-01;3,5\nB;2024-01-02;4\n\nC;2024-01-03;1\n")
    fails(
        path, "customer_id", 3, "3 of 3 rows are read as one column", "line 2 of the file: A;2024-01-01;3,5"
    )
    tx = load(path, sep=";", read_kwargs={"decimal": ","})
    assert tx["amount"].tolist() == [3.5, 4.0, 1.0]


def test_tab_separated_file(tmp_path):
    path = csv(tmp_path, "customer_id\tdate\tamount\nA\t2024-01-01\t3\n")
    fails(path, "customer_id", 1, r"tab-separated: pass sep='\t'")


def test_extra_fields_in_the_first_row_are_not_dropped_silently(tmp_path):
    # pandas' index_col=False drops the 4th field with only a ParserWarning
    path = csv(tmp_path, HEADER + "A,2024-01-01,3,9\nB,2024-01-02,4\n")
    fails(path, None, 1, "rows with extra fields", "line 2 of the file: A,2024-01-01,3,9")
    path = csv(tmp_path, HEADER + "A,2024-01-01,3\nB,2024-01-02,4,9\nC,2024-01-03,5,1,2\n")
    fails(path, None, 2, "2 of 3 rows have more fields than the header (3)", "line 3")


GOOD = HEADER + "007,2024-01-01,1.5\n7,2024-01-02,2\n"


def check_good(tx):
    assert tx["customer_id"].tolist() == ["007", "7"]
    assert tx["amount"].tolist() == [1.5, 2.0]


@pytest.mark.parametrize("name", ["tx.csv.gz", "tx.csv"])
def test_gzip_files_are_read(tmp_path, name):
    path = csv(tmp_path, gzip.compress(GOOD.encode()), name)
    before = sha(path)
    check_good(load(path))
    assert sha(path) == before


def test_a_broken_gzip_file(tmp_path):
    path = csv(tmp_path, gzip.compress(GOOD.encode())[:20], "tx.csv.gz")
    fails(path, None, None, "is gzip-compressed but cannot be decompressed")
    rows = "".join(f"C{i},2024-01-01,{i % 97}.25\n" for i in range(40_000))
    packed = gzip.compress((HEADER + rows).encode())
    path = csv(tmp_path, packed[: len(packed) * 4 // 5], "cut.csv.gz")  # the head reads, the tail is cut
    fails(path, None, None, "cannot read")


def test_excel_files_are_named(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as book:
        book.writestr("[Content_Types].xml", "<Types/>")
        book.writestr("xl/workbook.xml", "<workbook/>")
    path = csv(tmp_path, buffer.getvalue(), "tx.xlsx")
    fails(path, None, None, "is not a text file: it is an Excel workbook (.xlsx)")
    path = csv(tmp_path, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512), "tx.xls")
    fails(path, None, None, "it is an old Excel workbook (.xls)")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("tx.csv", GOOD)
    fails(csv(tmp_path, buffer.getvalue(), "tx.zip"), None, None, "it is a ZIP archive")


def test_utf16_and_utf8_bom_files(tmp_path):
    check_good(load(csv(tmp_path, GOOD, "u16.csv", encoding="utf-16")))  # with a byte-order mark
    check_good(load(csv(tmp_path, GOOD, "u8bom.csv", encoding="utf-8-sig")))
    path = csv(tmp_path, GOOD, "u16le.csv", encoding="utf-16-le")  # no byte-order mark
    fails(path, None, None, "looks like UTF-16 text without a byte-order mark")
    check_good(load(path, read_kwargs={"encoding": "utf-16-le"}))


def test_other_binary_files_still_say_nul_bytes(tmp_path):
    path = csv(tmp_path, bytes([7, 0, 200, 0, 1, 2, 3, 0, 255] * 50), "blob.csv")
    fails(path, None, None, "is not a text file (it contains NUL bytes)")


def test_read_kwargs_add_to_the_id_rules(tmp_path):
    path = csv(tmp_path, "customer_id,date,amount,note\n007,2024-01-01,1,12\n", encoding="utf-8-sig")
    # a BOM file read with an explicit utf-8; a dtype for another column keeps the id as text
    tx = load(path, read_kwargs={"encoding": "utf-8", "dtype": {"note": str}})
    assert tx["customer_id"].tolist() == ["007"] and tx["note"].tolist() == ["12"]
    with pytest.raises(ValueError, match="read_kwargs: unknown encoding 'klingon'"):
        load(path, read_kwargs={"encoding": "klingon"})
