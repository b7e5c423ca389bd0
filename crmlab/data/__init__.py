"""Canonical tables, loaders and validation.

Every analysis in crmlab starts from one of four canonical tables
(documented in ``data/README.md``):

* **transactions** -- required ``customer_id``, ``date``, ``amount``; optional
  ``order_id``, ``quantity``, ``product``, ``category``, ``channel``, ``region``,
  ``promotion_id``, ``cost``.
* **customers** -- ``customer_id``; optional ``signup_date``,
  ``first_purchase_date``, ``card_date``, ``age_band``, ``gender``,
  ``income_band``, ``region``, ``city_tier``, ``acquisition_channel``.
* **survey** -- ``customer_id`` and item responses on stated scales.
* **promotions** -- ``promotion_id``, ``type``, ``medium``, ``start``, ``end``, ``cost``.

Loaders read a CSV (also gzip-compressed) or Parquet file (or take a DataFrame), map
the user's column names onto the canonical ones and validate. Anything wrong raises
:class:`CRMDataError` naming the table, the column, how many rows are bad and
an example. Input files and frames are never modified.

What the loaders guarantee:

* **Ids are labels.** Every ``*_id`` column (``customer_id``, ``order_id``,
  ``promotion_id``, ...) is read as text exactly as written (surrounding spaces
  stripped): ``007`` and ``7``, ``10``, ``1e1`` and ``10.0`` stay distinct ids. Integer
  ids from Parquet or a DataFrame become their decimal text. An empty id or one of
  pandas' missing markers (``NA``, ``NULL``, ``N/A``, ``nan``, ...; :data:`NA_TEXT`) is a
  missing id; the error shows it as written.
* **Amounts are real numbers**: booleans and complex numbers are rejected.
* **Time zones**: a date with a UTC offset (``2024-01-02T10:00:00+02:00``), a
  tz-aware Parquet or DataFrame column is converted to UTC -- or to the
  ``timezone=`` the caller names -- and the zone is dropped; dates without an offset
  are taken as they are. A column mixing both is an error. Dates must lie in
  :data:`DATE_RANGE` (what ``datetime64[ns]`` holds).

Layout: ``tables`` (the canonical columns, shipped surveys, id and missing-value rules),
``loaders`` (``load_*``), ``privacy`` (``pseudonymize``); ``_read`` (files, mapping) and
``_columns`` (ids, dates, numbers) are the loaders' steps. Every public name is importable
from ``crmlab.data``.
"""

from __future__ import annotations

from .._validate import data_error, require_columns
from ..exceptions import CRMDataError
from .loaders import (
    load_cdnow,
    load_customers,
    load_promotions,
    load_survey,
    load_transactions,
    survey_blocks,
)
from .privacy import id_columns, pseudonymize
from .tables import (
    CUSTOMER_COLUMNS,
    DATE_RANGE,
    NA_TEXT,
    PROMOTION_COLUMNS,
    SURVEYS,
    TRANSACTION_COLUMNS,
)

__all__ = [
    "CRMDataError",
    "data_error",
    "require_columns",
    "TRANSACTION_COLUMNS",
    "CUSTOMER_COLUMNS",
    "PROMOTION_COLUMNS",
    "SURVEYS",
    "load_transactions",
    "load_customers",
    "load_promotions",
    "load_survey",
    "load_cdnow",
    "survey_blocks",
    "pseudonymize",
    "id_columns",
    "NA_TEXT",
    "DATE_RANGE",
]
