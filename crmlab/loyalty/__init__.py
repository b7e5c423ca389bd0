"""The customer loyalty index: 3 sub-systems, 9 factors, AHP and entropy weights, typologies.

The index system (CRM lecture, after the Chinese CRM textbooks' loyalty evaluation
system) is a three-level hierarchy: the goal A (loyalty), three sub-systems and
nine factors.

======  ===========================  ======================================================
code    factor                       raw measure (see :data:`FACTORS` for units and data)
======  ===========================  ======================================================
A1      persistence of the relationship
A11     purchase duration            weeks from the first to the last purchase
A12     purchase frequency           repeat purchase days per year of tenure
A13     trend of purchase frequency  (late - early) / (late + early) purchase days
A2      spend
A21     share of wallet              firm's annual spend / (firm's + outside annual spend)
A22     cross-selling                number of distinct categories bought
A3      emotion
A31     mention (recommendation)     likelihood to recommend, survey item 0..10
A32     price sensitivity  (-)       survey item 1..10; counts *against* loyalty
A33     purchase voluntariness       survey item 1..10
A34     satisfaction                 survey composite 1..10
======  ===========================  ======================================================

Pipeline: :func:`loyalty_factors` (raw, one column per factor, NaN where the data
cannot give it) -> :func:`normalize_factors` (0..1, direction applied) ->
:func:`index_weights` (equal, AHP or entropy; global weight = local x parent) ->
:func:`loyalty_index` (0..100, re-weighted per customer over the factors present).
Then robustness (:func:`scheme_agreement`, :func:`top_decile_stability`), validity
against a holdout (:func:`holdout_outcomes`, :func:`predictive_validity`) and the
typologies: Dick & Basu (1994) (:func:`dick_basu_types`), the five loyalty types
(:func:`loyalty_types`), satisfaction x loyalty (:func:`satisfaction_loyalty_matrix`)
and relationship stages with their incentive programs (:func:`relationship_stages`).
"""

from ._common import WEEKS_PER_YEAR  # noqa: F401  (a 0.1 module constant, kept importable)
from .factors import FACTORS, SUBSYSTEMS, SURVEY_ITEMS, factor_catalog, loyalty_factors, normalize_factors
from .index import StabilityResult, loyalty_index, scheme_agreement, top_decile_stability
from .plots import plot_lift, plot_satisfaction_loyalty
from .typologies import (
    CUSTOMER_TYPES,
    INCENTIVE_PROGRAMS,
    LOYALTY_TYPES,
    TypologyAgreement,
    dick_basu_types,
    loyalty_types,
    relationship_stages,
    satisfaction_loyalty_matrix,
    typology_agreement,
)
from .validity import ValidityResult, holdout_outcomes, predictive_validity
from .weights import (
    RANDOM_INDEX,
    AHPResult,
    EntropyResult,
    ahp_weights,
    consistent_matrix,
    entropy_weights,
    index_weights,
)

__all__ = [
    "SUBSYSTEMS",
    "FACTORS",
    "SURVEY_ITEMS",
    "RANDOM_INDEX",
    "CUSTOMER_TYPES",
    "INCENTIVE_PROGRAMS",
    "LOYALTY_TYPES",
    "factor_catalog",
    "loyalty_factors",
    "normalize_factors",
    "AHPResult",
    "ahp_weights",
    "EntropyResult",
    "entropy_weights",
    "consistent_matrix",
    "index_weights",
    "loyalty_index",
    "scheme_agreement",
    "StabilityResult",
    "top_decile_stability",
    "holdout_outcomes",
    "ValidityResult",
    "predictive_validity",
    "dick_basu_types",
    "loyalty_types",
    "TypologyAgreement",
    "typology_agreement",
    "satisfaction_loyalty_matrix",
    "relationship_stages",
    "plot_satisfaction_loyalty",
    "plot_lift",
]
