"""crmlab — an open lab for analytical CRM research and teaching.

Packages and modules by topic (import what you need, e.g. ``from crmlab import rfm``):

* ``data``         canonical tables, loaders (CDNOW, surveys, your files), validation, pseudonymization
* ``spec``         a TOML data spec naming your files / database tables and their column names
* ``engine``       per-customer summaries computed in DuckDB, PostgreSQL or Spark (Ibis)
* ``synth``        seeded synthetic e-commerce population with ground truth
* ``datasets``     ``load_dataset(name_or_path_or_spec)``: the notebooks' ``dataset`` parameter
* ``profile``      acquisition, purchases per customer, spend concentration, inter-purchase times
* ``rfm``          recency / frequency / monetary summary (BTYD convention), RFM scores and segments
* ``segment``      features, clusters, value tiers, the VIP four-quadrant chart, segmentation bases
* ``members``      card-opening rate, effective members, rolling churn, repurchase frequency
* ``lifecycle``    six life-cycle stages from each customer's own purchases, stage economics
* ``cohorts``      cohort retention matrix, performance tables
* ``loyalty``      the 9-factor loyalty index, AHP and entropy weights, loyalty typologies
* ``satisfaction`` the satisfaction trap, penalty-reward contrasts, Kano, the paradox
* ``pls``          PLS path modelling (ECSI)
* ``clv``          discounted CLV, its six components, profitability, cohort CLV, retention economics
* ``btyd``         customer-base models: BG/NBD, Pareto/NBD, MBG/NBD, BG/BB, sBG, Gamma-Gamma
* ``units``        time units of summaries and models (one home for days / weeks / months / years)
* ``promotion``    promotion response, campaign lift against a holdout, uplift models
* ``basket``       frequent itemsets, association rules, cross-selling
* ``prospecting``  forecasts of the customer base (existing customers + acquisition)
* ``churn``        supervised churn prediction against P(alive) and RFM, the targeting decision
* ``credit``       business customers' credit: financial ratios, 5C / 5P / 6A scorecard, limits
* ``narrative``    readings computed from results, for notebooks
* ``reports``      the report builder behind ``make reports``; headless-Chromium checks
* ``teaching``     per-student exercises, answer checks and sandboxed grading

Shared kit: ``exceptions`` (CRMDataError, NotFittedError, ConvergenceWarning), ``_validate`` (input
checks), ``_base`` (the estimator contract), ``_style`` (palette, Axes helpers); ``options`` (when
progress bars show).
"""

from importlib.metadata import PackageNotFoundError, version

from ._options import options as options

try:
    __version__ = version("crmlab")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0"
