"""Data specs (crmlab.spec): a TOML file names the user's tables and columns; errors name file, key, value."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pandas as pd
import pytest

from crmlab import data, paths
from crmlab.exceptions import CRMDataError
from crmlab.spec import TABLES, DataSpec, init_spec, load_spec, main, read_spec

HERE = Path(__file__).resolve().parent / "data" / "spec"
SHOP = HERE / "shop.toml"
CSV = HERE / "exports" / "transactions.csv"
MAPPING = {
    "customer_id": "household_id",
    "date": "transaction_timestamp",
    "amount": "sales_value",
    "order_id": "basket_id",
    "product": "product_id",
}
# the fixture by hand: 10 rows, customers "0007" (3 rows), "12" (3), "3" (1), "7" (2), "42" (1)
ROWS_PER_CUSTOMER = {"0007": 3, "12": 3, "3": 1, "42": 1, "7": 2}
TOTAL = 12.50 + 3.25 + 12.50 + 40.00 + 20.00 + 7.75 + 1.99 + 100.00 + 55.00 + 25.00


def expected() -> pd.DataFrame:
    return data.load_transactions(CSV, MAPPING, date_format="%Y-%m-%d %H:%M:%S")


def user_frame() -> pd.DataFrame:
    """The fixture as the user's own table (their names, ids as text, timestamps as timestamps)."""
    frame = pd.read_csv(CSV, dtype={"household_id": str, "basket_id": str})
    frame["transaction_timestamp"] = pd.to_datetime(frame["transaction_timestamp"])
    return frame


def write_spec(folder: Path, body: str, name: str = "shop.toml") -> Path:
    path = folder / name
    path.write_text(body)
    return path


def tx_spec(path: str, extra: str = "") -> str:
    return f"[transactions]\npath = {json.dumps(path)}\ncolumns = {toml_table(MAPPING)}\n{extra}"


def toml_table(mapping: dict) -> str:
    return "{ " + ", ".join(f"{k} = {json.dumps(v)}" for k, v in mapping.items()) + " }"


# --------------------------------------------------------------------------- loading


def test_spec_with_mapped_names_gives_the_loaders_tables():
    ds = load_spec(SHOP)
    pd.testing.assert_frame_equal(ds.transactions, expected())
    tx = ds.transactions
    assert tx["customer_id"].value_counts().to_dict() == ROWS_PER_CUSTOMER  # "0007" and "7" stay two ids
    assert tx["amount"].sum() == pytest.approx(TOTAL)
    assert tx.loc[tx["order_id"] == "B100", "product"].tolist() == ["P1", "P2"]
    assert tx["date"].iloc[0] == pd.Timestamp("2024-01-02 10:15:00")
    assert (ds.name, ds.description) == ("shop", "a test shop")
    assert ds.observation_end == pd.Timestamp("2024-03-31")
    assert ds.customers.set_index("customer_id").loc["0007", "age_band"] == "25-34"
    assert ds.survey.set_index("customer_id").loc["42", ["sat1", "sat2", "sat3"]].tolist() == [1.0, 2.0, 3.0]
    assert ds.promotions is None and ds.truth is None


def test_defaults_name_from_the_file_and_end_from_the_data(tmp_path):
    spec = write_spec(tmp_path, tx_spec(str(CSV)), "my_shop.toml")
    ds = load_spec(spec)
    assert ds.name == "my_shop"
    assert ds.observation_end == pd.Timestamp("2024-03-20")  # the last purchase day, at midnight
    assert ds.customers is None and ds.survey is None


def test_relative_paths_resolve_from_the_spec_folder(tmp_path, monkeypatch):
    project = tmp_path / "project"
    shutil.copytree(HERE, project)
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(project)
    spec = read_spec("shop.toml")
    assert spec.tables["transactions"].path == str(project / "exports" / "transactions.csv")
    monkeypatch.chdir(tmp_path / "elsewhere")  # the notebooks run in another folder
    ds = load_spec(spec)
    pd.testing.assert_frame_equal(ds.transactions, expected())
    assert len(load_spec(project / "shop.toml").customers) == 5


def test_a_relative_spec_path_is_also_looked_up_from_the_project_root(monkeypatch):
    monkeypatch.chdir(HERE / "exports")  # as the notebooks, which run in notebooks/
    spec = read_spec("tests/data/spec/shop.toml")
    assert spec.path == paths.PROJECT_ROOT / "tests" / "data" / "spec" / "shop.toml"


def test_parquet_glob(tmp_path):
    parts = tmp_path / "parts"
    parts.mkdir()
    frame = user_frame()
    frame.iloc[:4].to_parquet(parts / "part-0.parquet", index=False)
    frame.iloc[4:].to_parquet(parts / "part-1.parquet", index=False)
    spec = write_spec(tmp_path, tx_spec("parts/*.parquet"))
    assert read_spec(spec).tables["transactions"].kind == "glob"
    ds = load_spec(spec)
    pd.testing.assert_frame_equal(ds.transactions, expected(), check_dtype=False)
    assert ds.transactions["customer_id"].value_counts().to_dict() == ROWS_PER_CUSTOMER
    guessed = tomllib.loads(init_spec(parts / "part-0.parquet"))["transactions"]["columns"]
    assert guessed == {**MAPPING, "quantity": "quantity"}


def test_csv_glob_is_read_file_by_file_with_the_read_options(tmp_path):
    """Monthly exports: ids stay text ("0007"), sep and decimal apply, an error names the file."""
    lines = CSV.read_text().replace(",", ";").replace(".", ",").splitlines()
    (tmp_path / "jan.csv").write_text("\n".join(lines[:5]) + "\n")
    (tmp_path / "feb.csv").write_text("\n".join(lines[:1] + lines[5:]) + "\n")
    spec = write_spec(tmp_path, tx_spec("*.csv", 'sep = ";"\ndecimal = ","'))
    ds = load_spec(spec)
    pd.testing.assert_frame_equal(ds.transactions, expected())
    (tmp_path / "mar.csv").write_text(lines[0] + "\n0007;B200;P1;2024-04-01 10:00:00;-1,00;1;S1\n")
    with pytest.raises(CRMDataError, match=r"mar\.csv: transactions\.amount: 1 of 1 rows are negative"):
        load_spec(spec)


@pytest.fixture()
def duckdb_file(tmp_path) -> Path:
    import duckdb

    path = tmp_path / "shop.duckdb"
    frame = user_frame()  # noqa: F841 (read by DuckDB's replacement scan)
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE tx AS SELECT * FROM frame")
    return path


def test_duckdb_file_with_table_and_query(tmp_path, duckdb_file):
    ds = load_spec(write_spec(tmp_path, tx_spec("shop.duckdb", 'table = "tx"')))
    pd.testing.assert_frame_equal(ds.transactions, expected(), check_dtype=False)
    query = 'query = "SELECT * FROM tx WHERE sales_value >= 10"'
    ds = load_spec(write_spec(tmp_path, tx_spec("shop.duckdb", query)))
    assert len(ds.transactions) == 7  # 3.25, 7.75 and 1.99 left out
    assert ds.transactions["amount"].sum() == pytest.approx(TOTAL - 3.25 - 7.75 - 1.99)


def test_sql_url_with_table(tmp_path, duckdb_file):
    """A URL goes through ibis.connect (here DuckDB's; PostgreSQL below)."""
    ds = load_spec(write_spec(tmp_path, tx_spec(f"duckdb://{duckdb_file}", 'table = "tx"')))
    assert read_spec(tmp_path / "shop.toml").tables["transactions"].kind == "sql"
    pd.testing.assert_frame_equal(ds.transactions, expected(), check_dtype=False)


def test_postgresql_table(tmp_path, postgres):
    import ibis

    con = ibis.postgres.connect(**postgres)
    con.create_table("shop_tx", user_frame(), overwrite=True)
    url = f"postgresql://{postgres['user']}@/{postgres['database']}?host={postgres['host']}&port={postgres['port']}"
    ds = load_spec(write_spec(tmp_path, tx_spec(url, 'table = "shop_tx"')))
    pd.testing.assert_frame_equal(ds.transactions, expected(), check_dtype=False)


# --------------------------------------------------------------------------- bad specs

BAD = [
    pytest.param('[transaction]\npath = "x.csv"\n', "transaction", "unknown table", id="unknown-table"),
    pytest.param(tx_spec(str(CSV), 'date_fromat = "%Y"'), "transactions.date_fromat = '%Y'", "date_format",
                 id="unknown-option"),
    pytest.param(tx_spec(str(CSV)).replace('"household_id"', '"household_idd"'),
                 "transactions.columns.customer_id = 'household_idd'", "found ['household_id'",
                 id="no-column"),
    pytest.param(tx_spec("exports/nope.csv"), "transactions.path = 'exports/nope.csv'", "no such file",
                 id="no-file"),
    pytest.param(tx_spec("parts/*.parquet"), "transactions.path = 'parts/*.parquet'", "matches no file",
                 id="empty-glob"),
    pytest.param('[transactions]\npath = "a.csv"\ncolumns = { customer_id = }\n', "TOML", "line 3",
                 id="toml-syntax"),
    pytest.param(f'[transactions]\npath = {json.dumps(str(CSV))}\ncolumns = "household_id"\n',
                 "transactions.columns = 'household_id'", "must be a table", id="columns-not-a-table"),
    pytest.param("[transactions]\npath = 42\n", "transactions.path = 42", "must be a string, not an integer",
                 id="path-not-a-string"),
    pytest.param(f"[transactions]\npath = {json.dumps(str(CSV))}\n", "transactions.columns = {}",
                 "['customer_id', 'date', 'amount'] are neither mapped nor in", id="required-not-mapped"),
    pytest.param(tx_spec(str(CSV)).replace("customer_id =", "customer ="),
                 "transactions.columns.customer = 'household_id'", "not a canonical column",
                 id="unknown-canonical-name"),
    pytest.param(tx_spec(str(CSV), 'table = "tx"'), "transactions.table = 'tx'", "DuckDB file or a SQL URL",
                 id="table-on-a-csv"),
    pytest.param(tx_spec(str(CSV), 'timezone = "Mars/Olympus"'), "transactions.timezone = 'Mars/Olympus'",
                 "unknown time zone", id="timezone"),
    pytest.param(tx_spec(str(CSV), "[dataset]\nobservation_end = \"soon\""),
                 "dataset.observation_end = 'soon'", "not a date", id="observation-end"),
    pytest.param(tx_spec(str(CSV), "[dataset]\nobservation_end = \"\""),
                 "dataset.observation_end = ''", "not a date", id="observation-end-empty"),
    pytest.param(tx_spec(str(CSV), "[dataset]\nowner = \"me\""), "dataset.owner = 'me'", "allowed: name",
                 id="dataset-key"),
    pytest.param("transactions = 3\n", "transactions = 3", "must be a table", id="table-not-a-table"),
    pytest.param(f"[customers]\npath = {json.dumps(str(CSV))}\n", "transactions", "missing",
                 id="no-transactions"),
    pytest.param(tx_spec(str(CSV), f"[survey]\npath = {json.dumps(str(CSV))}\nscale = [1]"),
                 "survey.scale = [1]", "a pair of numbers", id="scale"),
    pytest.param(tx_spec(str(CSV), "[customers]\npath = \"exports/\""), "customers.path = 'exports/'",
                 "is a folder", id="folder"),
]  # fmt: skip


@pytest.mark.parametrize(("body", "key_value", "what"), BAD)
def test_bad_spec_names_file_key_and_value(tmp_path, body, key_value, what):
    (tmp_path / "exports").mkdir()
    spec = write_spec(tmp_path, body)
    with pytest.raises(CRMDataError) as info:
        load_spec(spec)
    message = str(info.value)
    assert message.startswith(f"{spec}: ")
    assert key_value in message
    assert what in message


def test_unknown_option_lists_the_allowed_ones(tmp_path):
    spec = write_spec(tmp_path, tx_spec(str(CSV), 'seperator = ";"'))
    with pytest.raises(CRMDataError, match="transactions.seperator = ';'") as info:
        read_spec(spec)
    allowed = str(info.value).split("allowed: ")[1].split(", ")
    assert allowed == ["path", "columns", "table", "query", "sep", "date_format", "timezone", "read_kwargs",
                       *["encoding", "decimal", "thousands", "quotechar", "comment"]]  # fmt: skip


def test_semicolon_file_read_with_commas_says_so(tmp_path):
    csv = tmp_path / "semi.csv"
    csv.write_text(CSV.read_text().replace(",", ";"))
    with pytest.raises(CRMDataError, match='semicolon-separated: add sep = ";"'):
        read_spec(write_spec(tmp_path, tx_spec("semi.csv")))
    assert load_spec(write_spec(tmp_path, tx_spec("semi.csv", 'sep = ";"'))).transactions.shape == (10, 7)


def test_database_errors_name_the_key(tmp_path, duckdb_file):
    with pytest.raises(CRMDataError, match=r"transactions\.table = 'nope': cannot read it"):
        load_spec(write_spec(tmp_path, tx_spec("shop.duckdb", 'table = "nope"')))
    with pytest.raises(CRMDataError, match="a database needs one of table"):
        read_spec(write_spec(tmp_path, tx_spec("shop.duckdb")))
    renamed = tx_spec("shop.duckdb", 'table = "tx"').replace('"sales_value"', '"sales"')
    with pytest.raises(CRMDataError, match=r"transactions\.columns\.amount = 'sales': no such column"):
        load_spec(write_spec(tmp_path, renamed))
    (tmp_path / "text.db").write_text("not a database")
    with pytest.raises(CRMDataError, match="not a DuckDB database file"):
        read_spec(write_spec(tmp_path, tx_spec("text.db", 'table = "tx"')))


def test_bad_data_errors_name_the_spec_and_the_table(tmp_path):
    csv = tmp_path / "tx.csv"
    csv.write_text(CSV.read_text().replace(",3.25,", ",-3.25,"))
    spec = write_spec(tmp_path, tx_spec("tx.csv"))
    with pytest.raises(CRMDataError) as info:
        load_spec(spec)
    message = str(info.value)
    assert message.startswith(f"{spec}: [transactions] {csv}: transactions.amount: 1 of 10 rows are negative")
    assert (info.value.table, info.value.column, info.value.n_bad) == ("transactions", "amount", 1)


# --------------------------------------------------------------------------- a starter spec


def test_init_guesses_the_names_and_the_spec_loads(tmp_path):
    text = init_spec(CSV, relative_to=tmp_path)
    columns = tomllib.loads(text)["transactions"]["columns"]
    assert columns == {**MAPPING, "quantity": "quantity"}
    assert "customer_id = \"household_id\"  # guessed from the name 'household_id'" in text
    assert "its values parse as dates (e.g. '2024-01-02 10:15:00')" in text
    assert "# other columns in the file (kept as they are): store_id" in text
    assert "could not guess" not in text
    ds = load_spec(write_spec(tmp_path, text))
    pd.testing.assert_frame_equal(ds.transactions, expected())


def test_init_on_camel_case_names_with_a_date_format(tmp_path):
    csv = tmp_path / "retail.csv"
    csv.write_text(
        "InvoiceNo;StockCode;Description;Quantity;InvoiceDate;UnitPrice;CustomerID;Country\n"
        "536365;85123A;WHITE HANGING HEART;6;12/1/2010 8:26;2.55;17850;United Kingdom\n"
        "536366;22633;HAND WARMER;6;12/13/2010 8:28;1.85;17850;United Kingdom\n"
        "536367;84879;BIRD ORNAMENT;32;1/4/2011 8:34;1.69;13047;France\n"
    )
    text = init_spec(csv)
    spec = tomllib.loads(text)["transactions"]
    assert spec["sep"] == ";" and spec["date_format"] == "%m/%d/%Y %H:%M"
    assert 'sep = ";"  # guessed from the header line' in text
    assert "# guessed from the values of 'InvoiceDate' (e.g. '12/1/2010 8:26')" in text
    assert spec["columns"] == {
        "customer_id": "CustomerID",
        "date": "InvoiceDate",
        "order_id": "InvoiceNo",
        "product": "StockCode",
        "quantity": "Quantity",
    }
    assert "# could not guess amount: 'UnitPrice' x 'Quantity' is not computed" in text


def test_init_says_what_it_could_not_guess(tmp_path):
    csv = tmp_path / "dunnhumby.csv"
    csv.write_text(
        "household_key,BASKET_ID,DAY,PRODUCT_ID,QUANTITY,SALES_VALUE,trans_time\n"
        "2375,26984851472,1,1004906,1,1.39,1631\n"
        "2375,26984851472,1,1033142,1,0.82,1631\n"
        "1364,26984896261,2,842930,1,2.19,1520\n"
    )
    text = init_spec(csv)
    columns = tomllib.loads(text)["transactions"]["columns"]
    assert columns == {
        "customer_id": "household_key",
        "amount": "SALES_VALUE",
        "order_id": "BASKET_ID",
        "product": "PRODUCT_ID",
        "quantity": "QUANTITY",
    }
    assert "# could not guess date: 'DAY' looks like it by name, but its values do not parse as dates" in text


def test_init_guesses_dates_from_values_and_a_decimal_comma(tmp_path):
    csv = tmp_path / "shop.csv"
    csv.write_text("client;when;total\nA;2024-01-02;12,50\nB;2024-01-03;3,25\nA;2024-02-01;1.000,75\n")
    text = init_spec(csv)
    spec = tomllib.loads(text)["transactions"]
    assert spec["columns"] == {"customer_id": "client", "date": "when", "amount": "total"}
    assert (spec["sep"], spec["decimal"], spec["thousands"]) == (";", ",", ".")
    assert "date = \"when\"  # guessed from the values: they parse as dates (e.g. '2024-01-02')" in text
    tx = load_spec(write_spec(tmp_path, text)).transactions
    assert tx["amount"].tolist() == [12.5, 1000.75, 3.25]


def test_python_m_crmlab_spec_init_prints_a_valid_spec(tmp_path):
    shutil.copytree(HERE / "exports", tmp_path / "exports")
    done = subprocess.run(
        [sys.executable, "-m", "crmlab.spec", "init", "exports/transactions.csv"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    spec = write_spec(tmp_path, done.stdout)
    assert isinstance(read_spec(spec), DataSpec)
    ds = load_spec(spec)
    assert ds.name == "shop" and ds.transactions["customer_id"].value_counts().to_dict() == ROWS_PER_CUSTOMER


def test_python_m_crmlab_data_init_is_the_same_command(tmp_path):
    shutil.copytree(HERE / "exports", tmp_path / "exports")
    run = [sys.executable, "-m", "crmlab.data", "init", "exports/transactions.csv"]
    via_data = subprocess.run(run, cwd=tmp_path, capture_output=True, text=True, check=True).stdout
    run[2] = "crmlab.spec"
    assert via_data == subprocess.run(run, cwd=tmp_path, capture_output=True, text=True, check=True).stdout
    assert 'customer_id = "household_id"' in via_data


def test_main_writes_checks_and_reports_errors(tmp_path, capsys):
    out = tmp_path / "specs" / "mine.toml"
    out.parent.mkdir()
    assert main(["init", str(CSV), "-o", str(out)]) == 0
    assert tomllib.loads(out.read_text())["transactions"]["path"].startswith("../")
    assert main(["check", str(out)]) == 0
    assert "transactions    10" in capsys.readouterr().out
    assert main(["check", str(tmp_path / "none.toml")]) == 1
    assert "none.toml: path: no such spec file" in capsys.readouterr().err


def test_pseudonymized_copy_keeps_the_spec():
    ds = load_spec(SHOP)
    hidden = ds.pseudonymized("a test key")
    assert hidden.observation_end == pd.Timestamp("2024-03-31") and hidden.spec is ds.spec
    assert not set(hidden.transactions["customer_id"]) & set(ROWS_PER_CUSTOMER)
    assert sorted(hidden.transactions["customer_id"].value_counts()) == [1, 1, 2, 3, 3]


def test_a_database_that_cannot_be_reached_names_the_key_and_hides_the_password(tmp_path):
    url = "postgresql://me:topsecret@127.0.0.1:1/shop"  # port 1: nothing listens
    with pytest.raises(CRMDataError) as info:
        load_spec(write_spec(tmp_path, tx_spec(url, 'table = "sales"')))
    message = str(info.value)
    assert "transactions.table = 'sales': cannot read it from postgresql://me:***@127.0.0.1:1/shop" in message
    assert "topsecret" not in message


def test_encoding_applies_to_the_header_check(tmp_path):
    text = CSV.read_text().replace("household_id", "käufer")
    (tmp_path / "tx.csv").write_bytes(text.encode("latin-1"))

    def body(customer: str) -> str:
        mapping = toml_table({**MAPPING, "customer_id": customer})
        return f"[transactions]\npath = 'tx.csv'\ncolumns = {mapping}\nencoding = 'latin-1'\n"

    ds = load_spec(write_spec(tmp_path, body("käufer")))
    assert ds.transactions["customer_id"].value_counts().to_dict() == ROWS_PER_CUSTOMER
    with pytest.raises(CRMDataError, match="transactions.columns.customer_id = 'kaeufer': no such column"):
        read_spec(write_spec(tmp_path, body("kaeufer")))


def test_init_on_an_unreadable_file(tmp_path, capsys):
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(CRMDataError, match="init: cannot read .*empty.csv as CSV or Parquet"):
        init_spec(tmp_path / "empty.csv")
    assert main(["init", str(tmp_path / "empty.csv")]) == 1
    assert main(["init", str(tmp_path / "none.csv")]) == 1
    assert "init: no such file" in capsys.readouterr().err


@pytest.mark.skipif("order_lines" not in TABLES, reason="this Dataset has no order_lines / campaign tables")
def test_tables_without_a_loader_are_mapped_and_keyed(tmp_path):
    (tmp_path / "lines.csv").write_text("basket_id,product_id\n0100,P1\n0100,P2\n0101,P1\n")
    (tmp_path / "campaign.csv").write_text("customer_id,targeted,control,responded\n0007,1,0,1\n12,0,1,0\n")
    body = tx_spec(str(CSV))
    body += (
        "[order_lines]\npath = 'lines.csv'\ncolumns = { order_id = 'basket_id', product = 'product_id' }\n"
    )
    body += "[campaign]\npath = 'campaign.csv'\n"
    ds = load_spec(write_spec(tmp_path, body))
    assert ds.order_lines["order_id"].tolist() == ["0100", "0100", "0101"]
    assert ds.order_lines.columns.tolist() == ["order_id", "product"]
    assert ds.campaign["customer_id"].tolist() == ["0007", "12"] and ds.campaign["responded"].sum() == 1
    bad = body.replace("product = 'product_id'", "product = 'sku'")
    with pytest.raises(CRMDataError, match="order_lines.columns.product = 'sku': no such column"):
        read_spec(write_spec(tmp_path, bad))
    (tmp_path / "campaign.csv").write_text("customer_id,targeted,responded\n0007,1,1\n")
    with pytest.raises(
        CRMDataError, match=r"campaign.columns = \{\}: the required column\(s\) \['control'\]"
    ):
        read_spec(write_spec(tmp_path, body))


def test_a_file_that_is_not_text_gets_the_loaders_diagnosis(tmp_path):
    (tmp_path / "tx.csv").write_bytes(CSV.read_text().encode("utf-16-le"))  # no byte-order mark
    with pytest.raises(CRMDataError, match=r"shop.toml: \[transactions\] .*tx.csv: .*UTF-16.*utf-16-le"):
        load_spec(write_spec(tmp_path, tx_spec("tx.csv")))
    ds = load_spec(write_spec(tmp_path, tx_spec("tx.csv", 'encoding = "utf-16-le"')))
    pd.testing.assert_frame_equal(ds.transactions, expected())


def test_credit_tables_through_a_spec_with_mapped_names(tmp_path):
    """statements / business_accounts are spec tables: mapped, key columns checked, ids kept as text."""
    (tmp_path / "tx.csv").write_text("customer_id,date,amount\n007,2024-01-02,10\n7,2024-01-03,5\n")
    (tmp_path / "fin.csv").write_text(
        "firm,fiscal_year,revenue\n0042,2024,1000\n42,2024,2000\n"  # two firms, never merged
    )
    (tmp_path / "firms.csv").write_text("firm,industry\n0042,retail\n42,wholesale\n")
    spec = tmp_path / "s.toml"
    spec.write_text(
        '[transactions]\npath = "tx.csv"\n'
        '[statements]\npath = "fin.csv"\ncolumns = { account_id = "firm" }\n'
        '[business_accounts]\npath = "firms.csv"\ncolumns = { account_id = "firm" }\n'
    )
    ds = load_spec(spec)
    assert ds.statements["account_id"].tolist() == ["0042", "42"]
    assert ds.statements["revenue"].tolist() == [1000, 2000]
    assert ds.business_accounts.set_index("account_id")["industry"].to_dict() == {
        "0042": "retail",
        "42": "wholesale",
    }
    spec.write_text('[transactions]\npath = "tx.csv"\n[statements]\npath = "fin.csv"\n')
    with pytest.raises(CRMDataError, match="account_id"):
        load_spec(spec)
