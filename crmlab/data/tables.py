"""The canonical tables: their columns, the shipped surveys, what counts as an id or a missing one."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

__all__ = ["TRANSACTION_COLUMNS", "CUSTOMER_COLUMNS", "PROMOTION_COLUMNS", "SURVEYS", "NA_TEXT", "DATE_RANGE"]

TRANSACTION_COLUMNS = {
    "required": ["customer_id", "date", "amount"],
    "optional": ["order_id", "quantity", "product", "category", "channel", "region", "promotion_id", "cost"],
}
CUSTOMER_COLUMNS = {
    "required": ["customer_id"],
    "optional": [
        "signup_date",
        "first_purchase_date",
        "card_date",
        "age_band",
        "gender",
        "income_band",
        "region",
        "city_tier",
        "acquisition_channel",
    ],
}
PROMOTION_COLUMNS = {
    "required": ["promotion_id", "type", "medium", "start", "end", "cost"],
    "optional": [],
}

# The shipped surveys: file, scale and the measurement blocks of their PLS models.
SURVEYS = {
    "ecsi_mobi": {
        "path": Path("ecsi_mobi") / "mobi.csv",
        "scale": (1, 10),
        "blocks": {
            "image": ["IMAG1", "IMAG2", "IMAG3", "IMAG4", "IMAG5"],
            "expectation": ["CUEX1", "CUEX2", "CUEX3"],
            "quality": ["PERQ1", "PERQ2", "PERQ3", "PERQ4", "PERQ5", "PERQ6", "PERQ7"],
            "value": ["PERV1", "PERV2"],
            "satisfaction": ["CUSA1", "CUSA2", "CUSA3"],
            "complaints": ["CUSCO"],
            "loyalty": ["CUSL1", "CUSL2", "CUSL3"],
        },
        "source": "ECSI mobile phone survey; Tenenhaus et al. (2005), CSDA 48:159-205.",
    },
    "bank": {
        "path": Path("bank_satisfaction") / "satisfaction.csv",
        "scale": (0, 10),
        "blocks": {
            "image": ["imag1", "imag2", "imag3", "imag4", "imag5"],
            "expectation": ["expe1", "expe2", "expe3", "expe4", "expe5"],
            "quality": ["qual1", "qual2", "qual3", "qual4", "qual5"],
            "value": ["val1", "val2", "val3", "val4"],
            "satisfaction": ["sat1", "sat2", "sat3", "sat4"],
            "loyalty": ["loy1", "loy2", "loy3", "loy4"],
        },
        "source": "Bank satisfaction survey as shipped by the R package plspm (Sanchez 2013).",
    },
}


# pandas' default missing-value markers (``read_csv``'s ``na_values``). Id columns are read without
# them, so an id stays exactly as written; an id that is one of these texts counts as missing.
NA_TEXT = frozenset(
    {
        "",
        "#N/A",
        "#N/A N/A",
        "#NA",
        "-1.#IND",
        "-1.#QNAN",
        "-NaN",
        "-nan",
        "1.#IND",
        "1.#QNAN",
        "<NA>",
        "N/A",
        "NA",
        "NULL",
        "NaN",
        "None",
        "n/a",
        "nan",
        "null",
    }
)

# the days a datetime64[ns] column can hold; dates outside are rejected, not wrapped or clipped
DATE_RANGE = (pd.Timestamp("1677-09-22"), pd.Timestamp("2262-04-10"))


def _is_id(name) -> bool:
    """Identifier columns (``customer_id``, ``order_id``, ``promotion_id``, any ``*_id``) are labels."""
    return str(name).strip().endswith("_id")
