"""crmlab — an open lab for analytical CRM research and teaching.

Modules by topic (import what you need, e.g. ``from crmlab import rfm``):

* ``data``        canonical tables, loaders (CDNOW, surveys, your files), validation, pseudonymization
* ``synth``       seeded synthetic e-commerce population with ground truth
* ``datasets``    ``load_dataset(name_or_path)``: the notebooks' ``dataset`` parameter
* ``profile``     acquisition, purchases per customer, spend concentration, inter-purchase times
* ``rfm``         recency / frequency / monetary summary (BTYD convention), RFM scores and segments
* ``segment``     clusters, value tiers, the VIP four-quadrant chart, segmentation bases
* ``members``     card-opening rate, effective members, rolling churn, repurchase frequency
* ``lifecycle``   six life-cycle stages from each customer's own purchases, stage economics
* ``cohorts``     cohort retention matrix, performance tables
* ``loyalty``     the 9-factor loyalty index, AHP and entropy weights, loyalty typologies
* ``satisfaction`` the satisfaction trap, penalty-reward contrasts, Kano
* ``pls``         PLS path modelling (ECSI)
* ``clv``         discounted CLV, its six components, profitability, retention economics
* ``btyd``        BG/NBD, Pareto/NBD and Gamma-Gamma models
* ``teaching``    per-student exercises, answer keys and grading (with ``checks``, ``grading``)
* ``build``       report builder behind ``make reports``; ``browser`` checks reports in headless Chromium
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("crmlab")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0"
