"""Running a Great Expectations suite on one batch (a dataframe) and building the Data Docs.

GX 1.x's SQL datasource returns failures with an empty unexpected_count on DuckDB, so every batch is
fetched from the warehouse by the caller (only the run's rows: the partition, never the history) and
validated here through GX's pandas datasource. The GX project is a file context under the quality
directory (PARTRISK_QUALITY_DIR, default data/quality): suites and validation results. The results are
rendered into the project's own offline report (`<quality dir>/report.html`, orchestration.quality.report),
not GX's Data Docs, whose pages load their scripts and styles from public CDNs.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from orchestration import settings

ROW_ID = "_rowid"  # the column a batch uses to name its rows (a DuckDB rowid or a line number)
KEEP_RESULTS_PER_SUITE = 10  # validation results kept for the Data Docs, per suite (older ones pruned)
_lock = threading.Lock()
_contexts: dict[Path, Any] = {}


@dataclass
class FailedExpectation:
    expectation: str
    column: str | None
    rule: str | None
    severity: str  # error | warn
    row_level: bool
    unexpected_count: int | None
    unexpected_percent: float | None
    partial_unexpected: list
    row_ids: list = field(default_factory=list)  # ROW_ID values of the failing rows (row-level only)
    index_ids: list = field(default_factory=list)  # ROW_ID values of every failing row GX names, row-level or not
    observed_value: Any = None
    description: str | None = None
    raw_column: str | None = None  # the column whose value quarantine.rows keeps as raw_value

    def as_dict(self) -> dict:
        return {
            "expectation": self.expectation, "column": self.column, "rule": self.rule, "severity": self.severity,
            "unexpected_count": self.unexpected_count, "unexpected_percent": self.unexpected_percent,
            "partial_unexpected": [_jsonable(v) for v in self.partial_unexpected[:10]],
            "observed_value": _jsonable(self.observed_value), "description": self.description,
        }


@dataclass
class ValidationOutcome:
    passed: bool
    statistics: dict
    failed_expectations: list[FailedExpectation]
    result_json: dict
    rows: int = 0

    @property
    def errors(self) -> list[FailedExpectation]:
        return [f for f in self.failed_expectations if f.severity == "error"]

    @property
    def warnings(self) -> list[FailedExpectation]:
        return [f for f in self.failed_expectations if f.severity != "error"]

    def summary(self) -> list[dict]:
        return [f.as_dict() for f in self.failed_expectations]


def _jsonable(value: Any) -> Any:
    try:
        json.dumps(value)
        return value
    except (TypeError, ValueError):
        if isinstance(value, list | tuple):
            return [_jsonable(v) for v in value]
        if isinstance(value, dict):
            return {str(k): _jsonable(v) for k, v in value.items()}
        return str(value)


def quality_report_path(root: Path | None = None) -> Path:
    from orchestration.quality.report import report_path

    return report_path((root or settings.quality_dir()).resolve())


def get_context(root: Path | None = None):
    """The GX file context under the quality directory (one per process and directory)."""
    settings.apply_telemetry_off()
    os.environ["GX_ANALYTICS_ENABLED"] = "false"
    root = (root or settings.quality_dir()).resolve()
    with _lock:
        if root not in _contexts:
            import great_expectations as gx
            from great_expectations.data_context.types.base import ProgressBarsConfig

            root.mkdir(parents=True, exist_ok=True)
            context = gx.get_context(mode="file", project_root_dir=str(root))
            context.variables.progress_bars = ProgressBarsConfig(globally=False)
            context.variables.save()
            _contexts[root] = context
        return _contexts[root]


def _batch_definition(context, asset_name: str):
    # Got, not added or updated: an update rewrites the project's config file on every validation.
    try:
        datasource = context.data_sources.get("partrisk")
    except KeyError:
        datasource = context.data_sources.add_pandas("partrisk")
    try:
        asset = datasource.get_asset(asset_name)
    except LookupError:
        asset = datasource.add_dataframe_asset(asset_name)
    for definition in asset.batch_definitions:
        if definition.name == "run_batch":
            return definition
    return asset.add_batch_definition_whole_dataframe("run_batch")


def validate_batch(stage: str, name: str, frame, suite=None, *, root: Path | None = None, **params) -> ValidationOutcome:
    """Validate one batch (a pandas DataFrame) with the suite of `stage`/`name`.

    `suite` defaults to `orchestration.quality.suites.build_suite(stage, name, **params)`. Each expectation's
    `meta` says its severity ("error" or "warn"), whether it is row-level and the quarantine rule; the
    failing rows come back as ROW_ID values when the frame has that column.
    """
    import great_expectations as gx

    from orchestration.quality import suites as suite_builders

    context = get_context(root)
    suite = suite if suite is not None else suite_builders.build_suite(stage, name, **params)
    suite_name = f"{stage}.{name}"
    suite.name = suite_name
    meta_by_id: dict[str, dict] = {}
    with _lock:
        try:
            context.suites.delete(suite_name)
        except Exception:  # noqa: BLE001 - absent on the first run
            pass
        suite = context.suites.add(suite)
        for expectation in suite.expectations:
            meta_by_id[str(expectation.id)] = dict(expectation.meta or {})
        definition = _batch_definition(context, suite_name.replace(".", "__"))
        validation = gx.ValidationDefinition(data=definition, suite=suite, name=suite_name)
        validation = context.validation_definitions.add_or_update(validation)
        result_format: dict[str, Any] = {"result_format": "COMPLETE"}
        if ROW_ID in frame.columns:
            result_format["unexpected_index_column_names"] = [ROW_ID]
        result = validation.run(batch_parameters={"dataframe": frame}, result_format=result_format)
    failed: list[FailedExpectation] = []
    for item in result.results:
        if item.success:
            continue
        config = item.expectation_config
        meta = meta_by_id.get(str(config.id), dict(config.meta or {}))
        kwargs = config.kwargs
        res = item.result or {}
        index_ids = [entry[ROW_ID] for entry in res.get("unexpected_index_list") or []
                     if isinstance(entry, dict) and ROW_ID in entry]
        row_ids = index_ids if meta.get("row_level") else []
        failed.append(FailedExpectation(
            expectation=config.type, column=kwargs.get("column") or kwargs.get("column_A")
            or (",".join(kwargs.get("column_list", [])) or None),
            rule=meta.get("rule"), severity=meta.get("severity", "error"), row_level=bool(meta.get("row_level")),
            unexpected_count=res.get("unexpected_count"), unexpected_percent=res.get("unexpected_percent"),
            partial_unexpected=list(res.get("partial_unexpected_list") or [])[:20], row_ids=row_ids, index_ids=index_ids,
            observed_value=res.get("observed_value"), description=meta.get("description"),
            raw_column=meta.get("raw_column"),
        ))
        if item.exception_info and item.exception_info.get("raised_exception"):
            failed[-1].description = f"expectation raised: {item.exception_info.get('exception_message')}"
    stats = dict(result.statistics)
    passed = not any(f.severity == "error" for f in failed)
    return ValidationOutcome(passed=passed, statistics=stats, failed_expectations=failed,
                             result_json=_compact_result(result), rows=len(frame))


def _compact_result(result) -> dict:
    """The GX result as JSON, with long unexpected lists cut (it goes into Dagster metadata)."""
    data = result.to_json_dict()
    for item in data.get("results", []):
        res = item.get("result") or {}
        for key in ("unexpected_list", "unexpected_index_list", "partial_unexpected_index_list",
                    "partial_unexpected_counts", "unexpected_index_query", "partial_unexpected_list"):
            if isinstance(res.get(key), list):
                res[key] = res[key][:20]
    return _jsonable(data)


def build_quality_report(root: Path | None = None) -> Path:
    """Prune old validation results and (re)write the offline HTML quality report; returns its path."""
    from orchestration.quality.report import build_report, validations_dir

    root = (root or settings.quality_dir()).resolve()
    _prune_results(validations_dir(root))
    with _lock:
        return build_report(root)


def _prune_results(folder: Path) -> None:
    if not folder.is_dir():
        return
    by_suite: dict[Path, list[Path]] = {}
    for path in folder.rglob("*.json"):
        # validations/<suite parts>/<run name>/<run time>/<batch id>.json: group by the suite folder
        suite_dir = path.parent.parent.parent
        by_suite.setdefault(suite_dir, []).append(path)
    for paths in by_suite.values():
        paths.sort(key=lambda p: p.stat().st_mtime, reverse=True)
        for old in paths[KEEP_RESULTS_PER_SUITE:]:
            old.unlink(missing_ok=True)
