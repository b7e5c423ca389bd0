"""The public API: every public name is in its module's ``__all__``, and every name documented in
crmlab 0.1 is still importable (from its 0.1 path, or the new home of a module that moved)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import crmlab

# The public names of crmlab 0.1, by module (build, browser -> crmlab.reports; checks, grading ->
# crmlab.teaching). The 0.2 reshaping into subpackages must keep each of them importable.
DOCUMENTED_0_1 = {
    "crmlab.reports.browser": [
        "find_chromium",
        "render_check",
        "screenshot",
    ],
    "crmlab.btyd": [
        "BetaGeo",
        "ParetoNBD",
        "GammaGamma",
        "expected_vs_actual_by_frequency",
        "cumulative_tracking",
        "plot_tracking",
        "plot_expected_vs_actual",
        "simulate_beta_geo",
        "simulate_pareto_nbd",
        "simulate_gamma_gamma",
    ],
    "crmlab.reports.build": [
        "run",
        "write_index",
        "parse_params",
        "notebook_parameters",
        "NotebookFailed",
        "main",
    ],
    "crmlab.teaching.checks": [
        "Check",
        "Number",
        "OptionalNumber",
        "Integer",
        "Boolean",
        "Text",
        "Numbers",
        "Mapping",
        "Item",
        "ITEMS",
        "EXPECTED",
        "notebooks",
        "items_for",
        "expected_answers",
        "score_answer",
        "MISSING",
    ],
    "crmlab.clv": [
        "COMPONENTS",
        "discounted_clv",
        "clv_schedule",
        "margin_multiples",
        "CLVComponents",
        "clv_components",
        "clv_sensitivity",
        "plot_tornado",
        "customer_profitability",
        "relationship_costs",
        "share_of_wallet",
        "WhaleCurve",
        "whale_curve",
        "plot_whale_curve",
        "CohortCLV",
        "cohort_clv",
        "holdout_calibration",
        "RetentionDecision",
        "kotler_retention",
        "REICHHELD_PROFILES",
        "reichheld_simulation",
        "customer_delivered_value",
    ],
    "crmlab.cohorts": [
        "cohort_counts",
        "cohort_retention",
        "plot_retention_heatmap",
        "PERFORMANCE_DIMENSIONS",
        "performance_table",
        "performance_tables",
    ],
    "crmlab.data": [
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
    ],
    "crmlab.datasets": [
        "Dataset",
        "load_dataset",
        "NAMED_DATASETS",
    ],
    "crmlab.files": [
        "atomic_write_text",
    ],
    "crmlab.teaching.grading": [
        "ItemResult",
        "NotebookResult",
        "StudentResult",
        "run_notebooks",
        "grade_student",
        "grade",
        "feedback_html",
        "tamper_findings",
    ],
    "crmlab.lifecycle": [
        "STAGES",
        "lifecycle_stages",
        "stage_economics",
        "stage_accuracy",
        "stage_confusion",
        "plot_stage_economics",
        "plot_stage_confusion",
    ],
    "crmlab.loyalty": [
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
    ],
    "crmlab.members": [
        "member_metrics",
        "plot_member_metrics",
    ],
    "crmlab.pls": [
        "SCHEMES",
        "PLSPathModel",
        "ecsi_model",
        "bank_model",
    ],
    "crmlab.profile": [
        "acquisitions",
        "monthly_activity",
        "purchases_per_customer",
        "customer_spend",
        "spend_concentration",
        "interpurchase_times",
        "breakdown",
        "BREAKDOWN_COLUMNS",
        "plot_acquisitions",
        "plot_purchases_per_customer",
        "plot_spend",
        "plot_interpurchase_times",
        "plot_breakdowns",
    ],
    "crmlab.rfm": [
        "TIME_UNITS",
        "RFM_SEGMENTS",
        "rfm_summary",
        "quantile_score",
        "rfm_scores",
        "rfm_segment",
        "rfm_segment_summary",
    ],
    "crmlab.satisfaction": [
        "CURVE_FORMS",
        "KANO_TABLE",
        "KANO_CATEGORIES",
        "KANO_TIE_ORDER",
        "TYPE_STRATEGIES",
        "cronbach_alpha",
        "TrapAnalysis",
        "trap_analysis",
        "plot_trap",
        "PenaltyReward",
        "penalty_reward",
        "plot_penalty_reward",
        "kano_classify",
        "KanoAnalysis",
        "kano_analysis",
        "plot_kano",
        "holdout_repurchase",
        "SatisfactionParadox",
        "satisfaction_paradox",
        "plot_paradox",
        "LoyaltyTypes",
        "satisfaction_loyalty_types",
        "plot_types",
    ],
    "crmlab.segment": [
        "customer_features",
        "CustomerClusters",
        "adjusted_rand",
        "plot_cluster_profile",
        "plot_cluster_selection",
        "VALUE_TIER_STRATEGIES",
        "value_tiers",
        "value_tier_summary",
        "QUADRANT_LABELS",
        "vip_quadrants",
        "quadrant_summary",
        "plot_vip_quadrants",
        "SEGMENTATION_BASES",
        "segmentation_bases",
        "plot_share_vs_revenue",
        "plot_basis",
    ],
    "crmlab.synth": [
        "Population",
        "GroundTruth",
        "generate",
        "SEGMENTS",
        "CATEGORIES",
        "KANO_TRUTH",
        "STAGES",
    ],
    "crmlab.teaching": [
        "DEFAULT_COURSE_KEY",
        "EXERCISES_DIR",
        "BEGIN_SOLUTION",
        "END_SOLUTION",
        "STUB",
        "SolutionLeakError",
        "ExerciseData",
        "read_roster",
        "student_seed",
        "exercise_inputs",
        "write_exercise_data",
        "load_exercise_data",
        "data_fingerprint",
        "exercise_templates",
        "strip_solutions",
        "solution_lines",
        "find_solution_leaks",
        "student_notebook",
        "write_student_notebook",
        "make_exercises",
        "make_solutions",
        "main",
    ],
}


def _public_modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(crmlab.__path__, "crmlab."):
        parts = info.name.split(".")
        if any(p.startswith("_") for p in parts[1:]):
            continue
        names.append(info.name)
    return names


@pytest.mark.parametrize("module", sorted(DOCUMENTED_0_1))
def test_every_name_documented_in_0_1_still_imports(module):
    mod = importlib.import_module(module)
    missing = [name for name in DOCUMENTED_0_1[module] if not hasattr(mod, name)]
    assert not missing, f"{module} lost {missing}"


@pytest.mark.parametrize("module", _public_modules())
def test_public_module_lists_its_public_names_in_all(module):
    mod = importlib.import_module(module)
    assert hasattr(mod, "__all__"), f"{module} has no __all__"
    listed = set(mod.__all__)
    absent = sorted(name for name in listed if not hasattr(mod, name))
    assert not absent, f"{module}.__all__ names what it does not define: {absent}"
    defined_here = sorted(
        name
        for name, obj in vars(mod).items()
        if not name.startswith("_")
        and (inspect.isfunction(obj) or inspect.isclass(obj))
        and getattr(obj, "__module__", None) == module
    )
    unlisted = [name for name in defined_here if name not in listed]
    assert not unlisted, f"{module} defines public {unlisted} without listing them in __all__"


def test_layout_has_one_package_per_concept():
    for package in ("loyalty", "satisfaction", "clv", "btyd", "reports", "teaching"):
        mod = importlib.import_module(f"crmlab.{package}")
        assert hasattr(mod, "__path__"), f"crmlab.{package} should be a package"
