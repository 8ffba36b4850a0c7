"""One refresh: the Dagster `refresh` job over a partition range, in this process, then a summary.

It is the nightly schedule's job, definitions, instance (dagster.yaml) and checks, run in-process:
not a second code path. Runs go one at a time (the instance's run queue and the duckdb pool).
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb

from orchestration import landing as landing_tree
from orchestration import serving, settings
from orchestration.warehouse.connection import table_exists
from orchestration.warehouse.connection import warehouse as open_warehouse


@dataclass
class RefreshOutcome:
    run_id: str | None
    success: bool
    seconds: float
    dates: tuple[date, date] | None
    failed_inputs: list[str] = field(default_factory=list)  # "file: reason"
    quarantined: list[tuple] = field(default_factory=list)
    failed_steps: list[str] = field(default_factory=list)
    failed_checks: list[str] = field(default_factory=list)
    summary: str = ""
    publish_status: str | None = None  # published | blocked | failed (the refresh_log row)
    serving: str = ""  # which version BI tools see
    quality_report: str | None = None  # the offline HTML report of every quality gate
    report: str = ""  # the risk report's path, or why there is none

    @property
    def ok(self) -> bool:
        return self.success and not self.failed_inputs

    def render(self) -> str:
        lines = [self.summary] if self.summary else []
        span = f"{self.dates[0]}..{self.dates[1]}" if self.dates else "no snapshot dates"
        lines.append(f"refresh {'succeeded' if self.success else 'FAILED'} in {self.seconds:.1f}s "
                     f"(run {self.run_id}, snapshots {span})")
        for step in self.failed_steps:
            lines.append(f"  failed step: {step}")
        for check in self.failed_checks:
            lines.append(f"  failed check: {check}")
        if self.failed_inputs:
            lines.append(f"inputs that failed ({len(self.failed_inputs)}):")
            lines += [f"  {line}" for line in self.failed_inputs]
        if self.quarantined:
            lines.append(f"inputs with quarantined rows ({len(self.quarantined)}):")
            lines += [f"  {path}: {count} row(s), rules: {rules}" for path, count, rules in self.quarantined]
        if self.publish_status:
            lines.append(f"publish: {self.publish_status}"
                         + ("" if self.publish_status == "published" else " (the serving copy was left unchanged)"))
        if self.serving:
            lines.append(self.serving)
        if self.quality_report:
            lines.append(f"quality report: {self.quality_report}")
        if self.report:
            lines.append(self.report)
        return "\n".join(lines)


def release_dead_runs(instance, progress: Callable[[str], None], warehouse: Path | None = None) -> None:
    """A killed refresh leaves its run STARTED and its pool slot claimed; mark it failed and free the slot.

    In-process runs record their pid in a tag; a run whose process is gone is dead.
    """
    import dagster as dg

    records = instance.get_run_records(dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED,
                                                              dg.DagsterRunStatus.STARTING]))
    for record in records:
        run = record.dagster_run
        pid = run.tags.get("partrisk/pid")
        if pid is None:
            continue
        try:
            os.kill(int(pid), 0)
            alive = True
        except (ProcessLookupError, ValueError):
            alive = False
        except PermissionError:
            alive = True
        if alive:
            continue
        progress(f"run {run.run_id} of a dead process ({pid}) is marked failed and its pool slot freed")
        instance.report_run_failed(run, message=f"process {pid} died during the run")
        instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        if warehouse is not None and warehouse.exists():  # the dead run is a failed refresh
            from orchestration.defs.serving import record_unpublished_run

            record_unpublished_run(instance, run.run_id, warehouse, message=f"process {pid} died during the run")


def run_refresh(
    landing: Path, warehouse: Path, snapshot: date | None, progress: Callable[[str], None] = print
) -> RefreshOutcome:
    dates = [snapshot] if snapshot else landing_tree.snapshot_dates(landing)
    started = time.perf_counter()
    if not dates:
        return RefreshOutcome(None, False, 0.0, None, failed_inputs=[f"{landing}: no feeds/<source>/<YYYY-MM-DD>/ folders found"])
    first, last = dates[0], dates[-1]
    # The partitions are defined from the landing tree: point the definitions at it before importing them.
    defs, log_path = in_process_definitions(landing, warehouse, "refresh")
    import dagster as dg

    from orchestration.defs.partitions import outside_partitions, range_tags
    from orchestration.errors import UserError

    if (outside := outside_partitions(first, last)) is not None:
        raise UserError(outside)

    from orchestration.progress import file_logger, step_progress_logger
    from orchestration.summary import render_summary

    job = defs.resolve_job_def("refresh").with_logger_defs(
        {"progress": step_progress_logger, "file": file_logger})
    with dg.DagsterInstance.get() as instance:
        release_dead_runs(instance, progress, warehouse)
        progress(f"refreshing {warehouse} from {landing}: snapshots {first}..{last} (one run); "
                 f"full log: {log_path}")
        # dbt's own output (dagster-dbt writes it to stdout) goes to the log file, not the terminal.
        with log_path.open("a", encoding="utf-8") as dbt_output, contextlib.redirect_stdout(dbt_output):
            result = job.execute_in_process(
                instance=instance,
                run_config={"loggers": {"progress": {}, "file": {"config": {"path": str(log_path)}}}},
                tags={**range_tags(first, last), "partrisk/pid": str(os.getpid())},
                raise_on_error=False,
            )
        failed_steps = [event.step_key for event in result.all_events if event.event_type_value == "STEP_FAILURE"]
        failed_checks = [
            f"{event.asset_check_evaluation_data.asset_key.to_user_string()}:{event.asset_check_evaluation_data.check_name}"
            for event in result.all_events
            if event.event_type_value == "ASSET_CHECK_EVALUATION" and not event.asset_check_evaluation_data.passed
            and event.asset_check_evaluation_data.severity == dg.AssetCheckSeverity.ERROR
        ]
        publish_status = record_publish_status(instance, result.run_id, warehouse)
    outcome = RefreshOutcome(result.run_id, result.success, time.perf_counter() - started, (first, last),
                             failed_steps=failed_steps, failed_checks=failed_checks)
    outcome.publish_status = publish_status
    outcome.serving, outcome.quality_report = serving_and_report(progress)
    outcome.report = report_line(publish_status, settings.serving_path())
    outcome.failed_inputs, outcome.quarantined = input_problems(warehouse, first, last)
    if warehouse.is_file():
        try:
            outcome.summary = render_summary(warehouse)
        except duckdb.Error as error:  # marts a failed run left in an older shape: the run's outcome still prints
            outcome.summary = f"summary not available ({str(error).splitlines()[0]}): see the failed steps above"
    return outcome


def in_process_definitions(landing: Path, warehouse: Path, run_name: str):
    """The project's Dagster definitions over landing and warehouse, for a run in this process, and a new
    log file under the Dagster home for its dbt output."""
    settings.apply_telemetry_off()
    settings.ensure_dagster_home()
    os.environ["PARTRISK_LANDING"] = str(landing)
    os.environ["PARTRISK_WAREHOUSE"] = str(warehouse)
    # Imported only now: importing the definitions fixes the partitions from PARTRISK_LANDING.
    from orchestration.definitions import build_definitions

    log_path = settings.dagster_home() / "logs" / f"{run_name}-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    return build_definitions(), log_path


def record_publish_status(instance, run_id: str, warehouse: Path) -> str | None:
    """The run's refresh_log status; a run that did not publish is recorded as blocked or failed."""
    from orchestration.defs.serving import record_unpublished_run

    if not warehouse.exists():
        return None
    with open_warehouse(warehouse, read_only=True) as conn:
        status = serving.refresh_status(conn, run_id)
    if status == "published":
        return status
    return record_unpublished_run(instance, run_id, warehouse) or status


def serving_and_report(progress: Callable[[str], None]) -> tuple[str, str | None]:
    """Which refresh the serving copy holds, and the quality report (rebuilt, even after a blocked run)."""
    report = None
    try:
        from orchestration.quality import build_quality_report

        report = str(build_quality_report())
    except Exception as error:  # noqa: BLE001 - a report, never a reason to fail the refresh
        progress(f"quality report not built: {error}")
    return serving.serving_summary(settings.serving_path()), report


def report_line(publish_status: str | None, serving_path: Path) -> str:
    """Where the risk report is (the refresh builds it after each publish)."""
    from orchestration.report import REPORT_FILE, report_dir

    path = report_dir(serving_path) / REPORT_FILE
    if not path.exists():
        return "risk report: not built (nothing was published yet)"
    return f"risk report: {path}" + ("" if publish_status == "published" else " (from the last publish)")


def input_problems(warehouse: Path, first: date, last: date) -> tuple[list[str], list[tuple]]:
    """Every landing input that failed, and every one with quarantined rows, for the refreshed range."""
    from orchestration.defs.serving import failed_inputs

    if not warehouse.exists():
        return [f"{warehouse}: the warehouse was not created"], []
    with open_warehouse(warehouse, read_only=True) as conn:
        failed, quarantined = failed_inputs(conn, (first, last)), []
        if table_exists(conn, "quarantine", "rows"):
            quarantined = conn.execute(
                """select file_path, count(*), string_agg(distinct rule, ', ' order by rule) from quarantine.rows
                   where snapshot_date is null or snapshot_date between ? and ?
                   group by file_path order by file_path""", [first, last]).fetchall()
    return failed, [tuple(r) for r in quarantined]
