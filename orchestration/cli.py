"""The `partrisk` command line: simulate a market, refresh the warehouse, print what it found."""

from __future__ import annotations

import functools
import os
import shutil
import sys
import time
from collections.abc import Callable
from datetime import date
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Annotated

import typer

from orchestration import settings
from orchestration.errors import UserError

app = typer.Typer(help="partrisk: a supply-risk warehouse for electronics manufacturers.", no_args_is_help=True,
                  add_completion=False, pretty_exceptions_enable=False)
bom_app = typer.Typer(help="Check a BOM against the market the warehouse holds.", no_args_is_help=True)
app.add_typer(bom_app, name="bom")

# Exit code of an error the user can fix (a bad path, date or file); 1 stays "the refresh found problems".
USER_ERROR_EXIT = 2


def _echo(message: str) -> None:
    typer.echo(message, err=True)


def user_errors(*fixable: type[Exception], prefix: str = "") -> Callable[[Callable], Callable]:
    """A UserError, or one of the `fixable` errors (as `prefix` + its message), becomes one line on stderr and
    exit code 2, not a traceback."""

    def decorate(command: Callable) -> Callable:
        @functools.wraps(command)
        def run(*args, **kwargs):
            try:
                try:
                    return command(*args, **kwargs)
                except fixable as error:
                    raise UserError(f"{prefix}{error}") from None
            except UserError as error:
                _echo(f"partrisk: error: {error}")
                raise typer.Exit(code=USER_ERROR_EXIT) from None

        return run

    return decorate


def parse_date(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise UserError(f"{option} {value!r} is not a date in the form YYYY-MM-DD ({error})") from None


def existing_folder(path: Path, what: str) -> Path:
    path = path.resolve()
    if not path.is_dir():
        raise UserError(f"no such folder: {path} ({what})")
    return path


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"partrisk {package_version('partrisk')}")
        raise typer.Exit()


@app.callback()
def options(
    version: Annotated[bool, typer.Option("--version", callback=_print_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    """partrisk: a supply-risk warehouse for electronics manufacturers."""


@app.command()
@user_errors(ValueError, FileExistsError)
def simulate(
    out: Annotated[Path, typer.Option(help="Folder to write the landing tree into.")],
    parts: Annotated[int, typer.Option(min=24, help="Number of parts (at least 24).")] = 300,
    distributors: Annotated[int, typer.Option(min=4, help="Authorized distributors (at least 4).")] = 5,
    days: Annotated[int, typer.Option(min=1, help="Number of daily snapshots.")] = 214,
    start: Annotated[str, typer.Option(help="First snapshot date, YYYY-MM-DD.")] = "2025-06-01",
    seed: Annotated[int, typer.Option(help="Random seed; the same seed writes the same bytes.")] = 7,
) -> None:
    """Write a complete landing tree for a simulated market, with truth.json."""
    from orchestration.simulate import simulate as run_simulation

    first = parse_date(start, "--start")
    started = time.perf_counter()
    summary = run_simulation(out, parts=parts, distributors=distributors, days=days, start=first, seed=seed,
                             progress=_echo)
    typer.echo(f"wrote {out} in {time.perf_counter() - started:.1f}s: {summary.describe()}")


def ensure_sample(landing: Path) -> None:
    """The embedded sample is generated deterministically on first use (seed 7, 2025-06-01..2025-12-31)."""
    if landing != settings.SAMPLE_LANDING.resolve() or (landing / "truth.json").exists():
        return
    from orchestration.simulate import simulate as run_simulation

    _echo(f"generating the embedded sample market into {landing} (first run only)…")
    partial = landing.with_name(landing.name + ".partial")
    if partial.exists():
        shutil.rmtree(partial)
    run_simulation(partial, progress=_echo, **settings.SAMPLE_PARAMS)
    partial.rename(landing)


@app.command()
def sample() -> None:
    """Generate the embedded sample landing tree (data/sample) if it is not there yet."""
    ensure_sample(settings.SAMPLE_LANDING.resolve())
    typer.echo(str(settings.SAMPLE_LANDING))


@app.command()
@user_errors()
def refresh(
    landing: Annotated[Path | None, typer.Option(help="Landing tree (default: PARTRISK_LANDING or the sample).")] = None,
    warehouse: Annotated[Path | None, typer.Option(help="Warehouse file (default: PARTRISK_WAREHOUSE or data/warehouse/partrisk.duckdb).")] = None,
    snapshot: Annotated[str | None, typer.Option("--date", help="One night: this snapshot date and everything downstream.")] = None,
) -> None:
    """Materialize every asset through Dagster for every snapshot date in the landing tree, then summarise."""
    night = parse_date(snapshot, "--date") if snapshot else None
    if landing is not None:
        os.environ["PARTRISK_LANDING"] = str(existing_folder(landing, "--landing"))
    if warehouse is not None:
        os.environ["PARTRISK_WAREHOUSE"] = str(warehouse.resolve())
    landing_path = settings.landing_dir()
    ensure_sample(landing_path)
    existing_folder(landing_path, "the landing tree, PARTRISK_LANDING")
    from orchestration import landing as landing_tree
    from orchestration.refresh import run_refresh
    from orchestration.warehouse.connection import lock_holder

    locked = lock_holder(settings.warehouse_path())
    if locked is not None:
        _echo(f"error: {locked}")
        raise typer.Exit(code=1)

    if night is None and not landing_tree.snapshot_dates(landing_path):
        raise UserError(f"{landing_path} has no feed snapshot folders (feeds/<source>/<YYYY-MM-DD>/); "
                        "to check one BOM without feeds, run `partrisk bom check FILE`")
    outcome = run_refresh(landing_path, settings.warehouse_path(), night, progress=_echo)
    typer.echo(outcome.render())
    raise typer.Exit(code=0 if outcome.ok else 1)


def build_watchlist(landing: Path, warehouse: Path) -> None:
    """Materialize the pull watchlist and its BOM/reference inputs through Dagster (the refresh's own assets)."""
    import contextlib

    import dagster as dg

    from orchestration.refresh import in_process_definitions

    defs, log_path = in_process_definitions(landing, warehouse, "pull-watchlist")
    from orchestration.defs.pull import WATCHLIST_KEY  # after the definitions are pointed at the landing tree

    with dg.DagsterInstance.get() as instance, log_path.open("a", encoding="utf-8") as dbt_output, \
            contextlib.redirect_stdout(dbt_output):
        result = dg.materialize(defs.assets, selection=dg.AssetSelection.assets(WATCHLIST_KEY).upstream().required_multi_asset_neighbors(),
                                resources=defs.resources, instance=instance, raise_on_error=False,
                                run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}})
    if not result.success:
        _echo(f"building the watchlist failed; full log: {log_path}")
        raise typer.Exit(code=1)


@app.command()
def pull(
    landing: Annotated[Path | None, typer.Option(help="Landing tree to write feeds/<source>/<date>/ into (default: PARTRISK_LANDING or the sample).")] = None,
    warehouse: Annotated[Path | None, typer.Option(help="Warehouse holding the watchlist and raw.pull_log.")] = None,
    snapshot: Annotated[str | None, typer.Option("--date", help="Snapshot date of the pull, YYYY-MM-DD (default: today, UTC).")] = None,
    source: Annotated[list[str] | None, typer.Option("--source", help="digikey, mouser or nexar; repeat for several (default: all three).")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print tonight's plan (parts, calls, quota left) and call nothing.")] = False,
) -> None:
    """Fetch tonight's DigiKey, Mouser and Nexar responses for the watchlist into the landing tree, within the quotas."""
    from datetime import UTC, datetime

    from orchestration.policy import PolicyError
    from orchestration.pull.runner import SOURCES, PullError, run_pull

    unknown = sorted(set(source or ()) - set(SOURCES))
    if unknown:
        _echo(f"pull failed: unknown source(s) {', '.join(unknown)}: choose from {', '.join(SOURCES)}")
        raise typer.Exit(code=2)
    if landing is not None:
        os.environ["PARTRISK_LANDING"] = str(landing.resolve())
    if warehouse is not None:
        os.environ["PARTRISK_WAREHOUSE"] = str(warehouse.resolve())
    landing_path, warehouse_path = settings.landing_dir(), settings.warehouse_path()
    ensure_sample(landing_path)
    tonight = date.fromisoformat(snapshot) if snapshot else datetime.now(UTC).date()
    _echo(f"building the watchlist from the BOMs of {landing_path}…")
    build_watchlist(landing_path, warehouse_path)
    try:
        report = run_pull(landing_path, warehouse_path, tonight, source, dry_run=dry_run,
                          dagster_home=settings.dagster_home(), progress=_echo)
    except (PullError, PolicyError) as error:
        _echo(f"pull failed: {error}")
        raise typer.Exit(code=2) from None
    typer.echo(f"pull {'plan' if dry_run else 'done'} for {tonight}: " + ", ".join(
        f"{r.source} {r.status}" for r in report.results))
    raise typer.Exit(code=0 if report.ok else 1)


@app.command()
@user_errors()
def summary(
    warehouse: Annotated[Path | None, typer.Option(help="Warehouse file to read (read-only).")] = None,
) -> None:
    """Print what the warehouse holds: what changed, what to do today, what is unfunded, what could not be read."""
    from orchestration.summary import render_summary

    path = warehouse.resolve() if warehouse else settings.warehouse_path()
    typer.echo(render_summary(path))


@bom_app.command("check")
@user_errors()
def bom_check(
    file: Annotated[Path, typer.Argument(help="One BOM: .csv, .tsv or .xlsx (a boms/<product>.yml beside it is used).")],
    warehouse: Annotated[Path | None, typer.Option(help="Warehouse to match against (read-only; default: "
                                                        "PARTRISK_WAREHOUSE or data/warehouse/partrisk.duckdb).")] = None,
) -> None:
    """Match one BOM against the latest market in the warehouse: each line, how it matched, its band, what to do.

    Writes nothing: the warehouse is opened read-only.
    """
    from orchestration.boms.check import check_bom

    if not file.is_file():
        raise UserError(f"no such file: {file.resolve()}")
    path = warehouse.resolve() if warehouse else settings.warehouse_path()
    typer.echo(check_bom(file.resolve(), path).render())


@app.command()
@user_errors(FileNotFoundError, ValueError, prefix="no report: ")
def report(
    serving: Annotated[Path | None, typer.Option(help="Serving copy to read (default: PARTRISK_SERVING or data/serving/partrisk.duckdb).")] = None,
    out: Annotated[Path | None, typer.Option(help="Folder to write into (default: report/ beside the serving copy).")] = None,
    open_it: Annotated[bool, typer.Option("--open", help="Open the report in the default browser afterwards.")] = False,
) -> None:
    """Build the risk report (index.html and the workbook) from the serving copy; --open opens it."""
    from orchestration.quality import quality_report_path
    from orchestration.report import build_report

    result = build_report(serving.resolve() if serving else settings.serving_path(), out,
                          warehouse_path=settings.warehouse_path(), quality_report=quality_report_path(settings.quality_dir()))
    typer.echo(f"risk report: {result.path} ({result.bytes / 1e6:.1f} MB, {result.parts} part pages, "
               f"built in {result.seconds:.1f}s); workbook: {result.workbook}")
    if open_it:
        import webbrowser

        webbrowser.open(result.path.as_uri())


@app.command()
@user_errors(FileNotFoundError, ValueError, prefix="no workbook: ")
def export(
    xlsx: Annotated[Path, typer.Option(help="Workbook to write (.xlsx).")],
    serving: Annotated[Path | None, typer.Option(help="Serving copy to read (default: PARTRISK_SERVING or data/serving/partrisk.duckdb).")] = None,
) -> None:
    """Write the workbook (buffer plan, parts to act on, BOM risk, concentration) from the serving copy."""
    from orchestration.report import load_report_data, write_workbook

    serving_path = serving.resolve() if serving else settings.serving_path()
    typer.echo(f"workbook: {write_workbook(load_report_data(serving_path), xlsx)}")


@app.command()
@user_errors(ValueError, FileNotFoundError, prefix="backtest: ")
def backtest(
    warehouse: Annotated[Path | None, typer.Option(help="Warehouse file to read (read-only).")] = None,
    policy: Annotated[list[str] | None, typer.Option("--policy", help="Policy to replay (repeat); default all.")] = None,
    first: Annotated[str | None, typer.Option("--from", help="First day replayed, YYYY-MM-DD (default: the first snapshot).")] = None,
    last: Annotated[str | None, typer.Option("--to", help="Last day replayed, YYYY-MM-DD (default: the last snapshot).")] = None,
    landing: Annotated[Path | None, typer.Option(help="Landing tree whose plan/policy.yml applies (default: PARTRISK_LANDING or the sample).")] = None,
    budget_usd: Annotated[list[float] | None, typer.Option(
        "--budget-usd", metavar="USD", help="Buffer budget in USD to replay PARTRISK at (repeat for a budget frontier: line-down "
                             "days, costs and targets per budget); default: plan/policy.yml's, with the usual summary.")] = None,
) -> None:
    """Replay the warehouse's history under each buying policy; print the summary and the cost-benefit matrix."""
    from orchestration.backtest.report import backtest_report

    path = warehouse.resolve() if warehouse else settings.warehouse_path()
    typer.echo(backtest_report(path, landing.resolve() if landing else settings.landing_dir(), policy or None,
                               parse_date(first, "--from") if first else None,
                               parse_date(last, "--to") if last else None, budget_usd or None))


@app.command()
@user_errors(ValueError, FileNotFoundError, prefix="calibrate: ")
def calibrate(
    warehouse: Annotated[Path | None, typer.Option(help="Warehouse file to read (read-only).")] = None,
    landing: Annotated[Path | None, typer.Option(help="Landing tree whose plan/policy.yml applies.")] = None,
    write: Annotated[bool, typer.Option("--write", help="Write the fitted seeds into dbt_project/seeds.")] = False,
) -> None:
    """Score the plan's stoppage probabilities against the JIT replay (reliability by decile, Brier) and refit the seeds."""
    from orchestration.backtest.report import calibration_report

    path = warehouse.resolve() if warehouse else settings.warehouse_path()
    typer.echo(calibration_report(path, landing.resolve() if landing else settings.landing_dir(),
                                  write_seeds=settings.DBT_PROJECT_DIR / "seeds" if write else None))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
