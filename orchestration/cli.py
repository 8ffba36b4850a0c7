"""The `partrisk` command line: simulate a market, refresh the warehouse, print what it found."""

from __future__ import annotations

import os
import sys
import time
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from orchestration import settings

app = typer.Typer(help="partrisk: a supply-risk warehouse for electronics manufacturers.", no_args_is_help=True,
                  add_completion=False)


def _echo(message: str) -> None:
    typer.echo(message, err=True)


@app.command()
def simulate(
    out: Annotated[Path, typer.Option(help="Folder to write the landing tree into.")],
    parts: Annotated[int, typer.Option(help="Number of parts.")] = 300,
    distributors: Annotated[int, typer.Option(help="Authorized distributors (at least 4).")] = 5,
    days: Annotated[int, typer.Option(help="Number of daily snapshots.")] = 214,
    start: Annotated[str, typer.Option(help="First snapshot date, YYYY-MM-DD.")] = "2025-06-01",
    seed: Annotated[int, typer.Option(help="Random seed; the same seed writes the same bytes.")] = 7,
) -> None:
    """Write a complete landing tree for a simulated market, with truth.json."""
    from orchestration.simulate import simulate as run_simulation

    started = time.perf_counter()
    summary = run_simulation(out, parts=parts, distributors=distributors, days=days,
                             start=date.fromisoformat(start), seed=seed, progress=_echo)
    typer.echo(f"wrote {out} in {time.perf_counter() - started:.1f}s: {summary.describe()}")


def ensure_sample(landing: Path) -> None:
    """The embedded sample is generated deterministically on first use (seed 7, 2025-06-01..2025-12-31)."""
    if landing != settings.SAMPLE_LANDING.resolve() or (landing / "truth.json").exists():
        return
    from orchestration.simulate import simulate as run_simulation

    _echo(f"generating the embedded sample market into {landing} (first run only)…")
    partial = landing.with_name(landing.name + ".partial")
    if partial.exists():
        import shutil

        shutil.rmtree(partial)
    run_simulation(partial, progress=_echo, **settings.SAMPLE_PARAMS)
    partial.rename(landing)


@app.command()
def sample() -> None:
    """Generate the embedded sample landing tree (data/sample) if it is not there yet."""
    ensure_sample(settings.SAMPLE_LANDING.resolve())
    typer.echo(str(settings.SAMPLE_LANDING))


@app.command()
def refresh(
    landing: Annotated[Path | None, typer.Option(help="Landing tree (default: PARTRISK_LANDING or the sample).")] = None,
    warehouse: Annotated[Path | None, typer.Option(help="Warehouse file (default: PARTRISK_WAREHOUSE or data/warehouse/partrisk.duckdb).")] = None,
    snapshot: Annotated[str | None, typer.Option("--date", help="One night: this snapshot date and everything downstream.")] = None,
) -> None:
    """Materialize every asset through Dagster for every snapshot date in the landing tree, then summarise."""
    if landing is not None:
        os.environ["PARTRISK_LANDING"] = str(landing.resolve())
    if warehouse is not None:
        os.environ["PARTRISK_WAREHOUSE"] = str(warehouse.resolve())
    landing_path = settings.landing_dir()
    ensure_sample(landing_path)
    from orchestration.refresh import run_refresh

    outcome = run_refresh(landing_path, settings.warehouse_path(),
                          date.fromisoformat(snapshot) if snapshot else None, progress=_echo)
    typer.echo(outcome.render())
    raise typer.Exit(code=0 if outcome.ok else 1)


@app.command()
def summary(
    warehouse: Annotated[Path | None, typer.Option(help="Warehouse file to read (read-only).")] = None,
) -> None:
    """Print what the warehouse holds: rows per layer and the top risks."""
    from orchestration.refresh import warehouse_summary

    path = warehouse.resolve() if warehouse else settings.warehouse_path()
    typer.echo(warehouse_summary(path))


@app.command()
def backtest(
    warehouse: Annotated[Path | None, typer.Option(help="Warehouse file to read (read-only).")] = None,
    policy: Annotated[list[str] | None, typer.Option("--policy", help="Policy to replay (repeat); default all.")] = None,
    first: Annotated[str | None, typer.Option("--from", help="First day replayed, YYYY-MM-DD (default: the first snapshot).")] = None,
    last: Annotated[str | None, typer.Option("--to", help="Last day replayed, YYYY-MM-DD (default: the last snapshot).")] = None,
    landing: Annotated[Path | None, typer.Option(help="Landing tree whose plan/policy.yml applies (default: PARTRISK_LANDING or the sample).")] = None,
) -> None:
    """Replay the warehouse's history under each buying policy; print the summary and the cost-benefit matrix."""
    from orchestration.backtest.report import backtest_report

    path = warehouse.resolve() if warehouse else settings.warehouse_path()
    try:
        text = backtest_report(path, landing.resolve() if landing else settings.landing_dir(), policy or None,
                               date.fromisoformat(first) if first else None, date.fromisoformat(last) if last else None)
    except (ValueError, FileNotFoundError) as error:
        _echo(f"backtest: {error}")
        raise typer.Exit(code=2) from error
    typer.echo(text)


@app.command()
def calibrate(
    warehouse: Annotated[Path | None, typer.Option(help="Warehouse file to read (read-only).")] = None,
    landing: Annotated[Path | None, typer.Option(help="Landing tree whose plan/policy.yml applies.")] = None,
    write: Annotated[bool, typer.Option("--write", help="Write the fitted seeds into dbt_project/seeds.")] = False,
) -> None:
    """Score the plan's stoppage probabilities against the JIT replay (reliability by decile, Brier) and refit the seeds."""
    from orchestration.backtest.report import calibration_report

    path = warehouse.resolve() if warehouse else settings.warehouse_path()
    try:
        text = calibration_report(path, landing.resolve() if landing else settings.landing_dir(),
                                  write_seeds=settings.DBT_PROJECT_DIR / "seeds" if write else None)
    except (ValueError, FileNotFoundError) as error:
        _echo(f"calibrate: {error}")
        raise typer.Exit(code=2) from error
    typer.echo(text)


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
