"""Fixtures shared across test folders, and the marks and worker groups of a parallel run.

Marks (registered in pyproject.toml) are given here by place and by fixture, so a new test in the
right folder, or with the right fixture, is marked without a decorator:

- ``e2e``: tests in tests/e2e, and any test driving Chromium or a served app (``browser_page``,
  ``app_server``); ``make test-fast`` leaves them out.
- ``dask``: a test holding a Dask client (``client``, or a fixture built on it), any test in a module
  named for Dask (``*dask*``: the CLI's ``--engine dask`` starts its own cluster), and the tests in
  ``DASK`` that start a cluster themselves.
- ``slow``: every AppTest (tests/app, and any test using the ``app`` fixture: each runs the real app,
  1 to 20 s of CPU), and the tests in ``SLOW`` (more than about a second of CPU each, measured; a
  module's entry ``()`` means all its tests, usually because they share a costly module fixture).
  ``@pytest.mark.slow`` on a test works as well. ``make test-fast`` leaves them out: about a second is
  the line that keeps it under 90 s on 2 cores.

``make test`` runs the suite on every core (pytest-xdist, ``--dist loadgroup``); the groups below keep
together what must be built once or must not run beside its like:

- a module whose tests share a module-scoped fixture of that module runs on one worker, so the
  fixture (a trained model, a Parquet dataset, an exported demo) is built once, not once per worker;
- tests that measure a process's memory, start Dask worker processes or drive eight Chromium sessions
  (``HEAVY``) run one after the other on one worker, so no two of them share the machine;
- tests using the served app (``app_server``) share one Streamlit server on one worker.
"""

from __future__ import annotations

import copy
import warnings

import pytest

E2E_FIXTURES = {"browser_page", "app_server"}
DASK_FIXTURES = {"client"}
# (path prefix, test name prefix): tests that start a Dask cluster of their own, outside a *dask* module
DASK = (
    ("tests/scale/test_model_work.py", "test_the_model_travels_once"),
    ("tests/security/test_server_settings.py", "test_the_local_cluster_listens"),
)
SLOW_FIXTURES = {"app"}
# path -> test names (without parameters), () for all of the module's tests. Measured as CPU seconds per
# test on 2 workers (pytest-xdist), with the module fixture's cost on the first test that uses it.
SLOW: dict[str, tuple[str, ...]] = {
    "tests/app/": (),
    "tests/test_cli_report.py": (),  # reports on the exported credit demo, 3-7 s each
    "tests/test_cli_stress.py": (),  # exports two demos, stress suites 2-4 s each
    "tests/test_cli_drift.py": (),  # exports the credit demo; Evidently export 7 s
    "tests/test_demo.py": (),  # builds the three demos
    "tests/report/test_stress_check.py": (),  # a report per demo
    "tests/report/test_report.py": (),  # the credit demo's report (4 s), shared by most
    "tests/test_cli.py": (),  # exports the credit demo; interpreters started for the console script
    "tests/test_cli_explain.py": (),  # exports the three demos
    "tests/test_workspace.py": (),  # exports the credit demo
    "tests/test_imports.py": ("test_every_module_imports_on_its_own_in_a_fresh_interpreter",),
    "tests/drift/test_engine.py": ("test_credit_demo_story",),
    "tests/drift/test_impact.py": ("test_credit_income_matters_noise_does_not",),
    "tests/drift/test_multivariate.py": ("test_domain_classifier_credit", "test_pca_credit_drifts"),
    "tests/drift/test_power.py": (
        "test_changes_are_flagged_once_the_data_can_see_them",
        "test_false_alarms_at_20k_rows",
    ),
    "tests/drift/test_prediction.py": (
        "test_credit_positive_class_probability_drifts",
        "test_predictions_only_adapter",
    ),
    "tests/drift/test_windows.py": ("test_windows_by_month_on_credit", "test_windows_by_size_on_credit"),
    "tests/explain/test_explainer.py": (
        "test_permutation_explains_an_onnx_model",
        "test_permutation_on_credit_is_exact_and_uses_the_background",
        "test_tree_matches_a_direct_shap_call_summed_onto_raw_columns",
    ),
    "tests/io/test_infer.py": ("test_inference_is_fast_on_a_million_rows",),
    "tests/monitor/test_cli.py": ("test_monitor_model_file_and_columns_agree",),
    "tests/monitor/test_estimators.py": ("test_intervals_cover_the_realised_value_under_covariate_shift",),
    "tests/monitor/test_monitor.py": (
        "test_model_file_and_prediction_columns_give_the_same_result",
        "test_windows_bands_alerts_and_json",
    ),
    "tests/performance/test_estimates.py": ("test_confidence_based_estimate_covers_the_demos_drifted_accuracy",),
    "tests/performance/test_metrics.py": (
        "test_binary_point_metrics_equal_sklearn",
        "test_bootstrap_intervals_agree_with_scipy",
    ),
    "tests/performance/test_sanity.py": (
        "test_a_regressor_on_its_training_rows_is_flagged_by_its_error_ratio",
        "test_the_demos_are_not_flagged",
    ),
    "tests/plots/test_performance.py": (
        "test_classification_metrics_split_by_direction",
        "test_plain_metric_names_have_no_jargon",
    ),
    "tests/plots/test_stress.py": (
        "test_cells_the_model_cannot_score_read_error_and_rank_first",
        "test_heatmap_has_one_row_per_perturbation_grouped_by_family_worst_first",
        "test_severity_curves_one_colour_per_family_and_no_two_lines_alike",
    ),
    "tests/quality/test_checks.py": (
        "test_a_million_rows_run_in_seconds",
        "test_credit_demo_finds_gig_economy",
        "test_credit_demo_income_range_duplicates_and_roles",
    ),
    "tests/security/test_evidently_export.py": ("test_statistics_are_those_of_the_same_data_with_plain_names",),
    "tests/security/test_intake_limits.py": (
        "test_csv_is_measured_as_the_frame_it_becomes_not_as_text",
        "test_parquet_bomb_is_refused_before_reading",
        "test_the_cli_memory_engine_refuses_it_with_exit_2",
    ),
    "tests/stress/test_fragile.py": (
        "test_fragile_rows_are_sorted_and_really_flip_at_their_severity",
        "test_minimal_change_distance_is_measured_in_reference_stds",
    ),
    "tests/stress/test_suite.py": (
        "test_default_suite_covers_every_applicable_perturbation",
        "test_measures_and_metrics_match_a_direct_computation",
        "test_regression_uses_normalised_change_and_rmse",
    ),
}
# (path prefix, test name prefix): one after the other, never two at once (see the docstring)
HEAVY = (
    ("tests/scale/test_faults.py", ""),  # worker processes killed on purpose
    ("tests/scale/test_scale_agreement.py", ""),  # 2 x 2,000,000 rows on worker processes
    ("tests/scale/test_model_work.py", "test_the_model_travels_once"),  # counts arrivals per worker process
    ("tests/security/test_intake_limits.py", ""),  # peak memory of a fresh process, and timed refusals
    ("tests/security/test_concurrent_uploads.py", "test_eight_sessions"),  # eight Chromium sessions at once
)


_FRESH_DEMOS = [False]  # True while a test of tests/test_demo.py runs: it checks that builds are deterministic


@pytest.fixture(scope="session", autouse=True)
def _demos_built_once_per_worker():
    """Each demo scenario (seeded data and a trained model) is built once per test process and handed out as
    a deep copy, so a test may change what it gets: dozens of fixtures and app runs ask for the same
    deterministic demos (about a second each). tests/test_demo.py still builds afresh."""
    import robustness.demo as demo

    build = getattr(demo, "_build", None)
    if build is None:  # the library changed: nothing to share
        yield
        return
    built: dict[str, object] = {}

    def once(name, spec):
        if _FRESH_DEMOS[0]:
            return build(name, spec)
        if name not in built:
            built[name] = build(name, spec)
        return copy.deepcopy(built[name])

    demo._build = once
    yield
    demo._build = build


@pytest.fixture(scope="session", autouse=True)
def _component_scan_once_per_worker():
    """Streamlit's AppTest scans every installed distribution for custom-component manifests on each new
    AppTest (0.35 s of CPU each, several hundred times a run); the installed packages do not change during a
    run, so the scan's answer is computed once per test process. (A served app scans once, at its start.)"""
    try:
        from streamlit.components.v2 import manifest_scanner
    except ImportError:  # another Streamlit: nothing to share
        yield
        return
    scan = manifest_scanner.scan_component_manifests
    found: list = []

    def once(max_workers=None):
        if not found:
            found.append(scan(max_workers))
        return list(found[0])

    manifest_scanner.scan_component_manifests = once
    yield
    manifest_scanner.scan_component_manifests = scan


@pytest.fixture(autouse=True)
def _fresh_demos_in_test_demo(request):
    _FRESH_DEMOS[0] = request.node.path.name == "test_demo.py"
    yield
    _FRESH_DEMOS[0] = False


@pytest.fixture(scope="session")
def client():
    """A Dask client on a local cluster of 2 worker threads, one per test session (per xdist worker); no
    processes: fast to start. Tests that need worker processes define their own ``client``."""
    from robustness.scale import connect, shutdown

    c = connect(workers=2, processes=False)
    yield c
    shutdown(c)


def _module_fixture_of_its_own(item: pytest.Item) -> bool:
    """Does the test use a module-scoped fixture defined in its own module?"""
    module = item.nodeid.split("::", 1)[0]
    info = getattr(item, "_fixtureinfo", None)
    for defs in info.name2fixturedefs.values() if info else ():
        d = defs[-1]
        if d.scope == "module" and d.baseid == module:
            return True
    return False


def _listed(item: pytest.Item, tests: tuple[tuple[str, str], ...]) -> bool:
    path, _, name = item.nodeid.partition("::")
    return any(path.startswith(prefix) and name.startswith(test) for prefix, test in tests)


def _slow(item: pytest.Item, fixtures: set[str], seen: set[tuple[str, str]]) -> bool:
    path, _, name = item.nodeid.partition("::")
    name = name.split("[", 1)[0]
    seen.add((path, name))
    if fixtures & SLOW_FIXTURES:
        return True
    return any(path.startswith(prefix) and (not names or name in names) for prefix, names in SLOW.items())


def _check_slow_names(seen: set[tuple[str, str]]) -> None:
    """A renamed or removed test left in ``SLOW`` would quietly join ``make test-fast``: say so."""
    paths = {path for path, _ in seen}
    for path, names in SLOW.items():
        if path in paths:
            for name in set(names) - {n for p, n in seen if p == path}:
                warnings.warn(f"tests/conftest.py: SLOW names {path}::{name}, which is not a test", stacklevel=1)


def _group(item: pytest.Item) -> str | None:
    path = item.nodeid.split("::", 1)[0]
    if _listed(item, HEAVY):
        return "heavy"
    if "app_server" in item.fixturenames:
        return "app_server"
    if _module_fixture_of_its_own(item):
        return path
    return None


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups into the test ids
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    seen: set[tuple[str, str]] = set()
    for item in items:
        fixtures = set(item.fixturenames)
        if item.nodeid.startswith("tests/e2e/") or fixtures & E2E_FIXTURES:
            item.add_marker(pytest.mark.e2e)
        if fixtures & DASK_FIXTURES or "dask" in item.path.name or _listed(item, DASK):
            item.add_marker(pytest.mark.dask)
        if _slow(item, fixtures, seen):
            item.add_marker(pytest.mark.slow)
        group = _group(item)
        if group is not None and not any(m.name == "xdist_group" for m in item.iter_markers()):
            item.add_marker(pytest.mark.xdist_group(group))
    _check_slow_names(seen)
