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
    parts: Annotated[int, typer.Option(min=24, help="Number of parts (at least 24).")] = 300,
    distributors: Annotated[int, typer.Option(min=4, help="Authorized distributors (at least 4).")] = 5,
    days: Annotated[int, typer.Option(min=1, help="Number of daily snapshots.")] = 214,
    start: Annotated[str, typer.Option(help="First snapshot date, YYYY-MM-DD.")] = "2025-06-01",
    seed: Annotated[int, typer.Option(help="Random seed; the same seed writes the same bytes.")] = 7,
) -> None:
    """Write a complete landing tree for a simulated market, with truth.json."""
    from orchestration.simulate import simulate as run_simulation

    started = time.perf_counter()
    try:
        first = date.fromisoformat(start)
    except ValueError:
        raise typer.BadParameter(f"{start!r} is not a date (YYYY-MM-DD)", param_hint="--start") from None
    try:
        summary = run_simulation(out, parts=parts, distributors=distributors, days=days, start=first, seed=seed,
                                 progress=_echo)
    except (ValueError, FileExistsError) as error:
        _echo(f"error: {error}")
        raise typer.Exit(code=2) from None
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
    from orchestration.warehouse.connection import lock_holder

    locked = lock_holder(settings.warehouse_path())
    if locked is not None:
        _echo(f"error: {locked}")
        raise typer.Exit(code=1)

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


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
