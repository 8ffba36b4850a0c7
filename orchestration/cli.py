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
def report(
    serving: Annotated[Path | None, typer.Option(help="Serving copy to read (default: PARTRISK_SERVING or data/serving/partrisk.duckdb).")] = None,
    out: Annotated[Path | None, typer.Option(help="Folder to write into (default: report/ beside the serving copy).")] = None,
    open_it: Annotated[bool, typer.Option("--open", help="Open the report in the default browser afterwards.")] = False,
) -> None:
    """Build the risk report (index.html and the workbook) from the serving copy; --open opens it."""
    from orchestration.quality import data_docs_index
    from orchestration.report import build_report, report_dir

    serving_path = serving.resolve() if serving else settings.serving_path()
    try:
        result = build_report(serving_path, out or report_dir(serving_path), warehouse_path=settings.warehouse_path(),
                              data_docs=data_docs_index(settings.quality_dir()))
    except (FileNotFoundError, ValueError) as error:
        _echo(f"no report: {error}")
        raise typer.Exit(code=1) from error
    typer.echo(f"risk report: {result.path} ({result.bytes / 1e6:.1f} MB, {result.parts} part pages, "
               f"built in {result.seconds:.1f}s); workbook: {result.workbook}")
    if open_it:
        import webbrowser

        webbrowser.open(result.path.as_uri())


@app.command()
def export(
    xlsx: Annotated[Path, typer.Option(help="Workbook to write (.xlsx).")],
    serving: Annotated[Path | None, typer.Option(help="Serving copy to read (default: PARTRISK_SERVING or data/serving/partrisk.duckdb).")] = None,
) -> None:
    """Write the workbook (buffer plan, parts to act on, BOM risk, concentration) from the serving copy."""
    from orchestration.report import load_report_data, write_workbook

    serving_path = serving.resolve() if serving else settings.serving_path()
    try:
        path = write_workbook(load_report_data(serving_path), xlsx)
    except (FileNotFoundError, ValueError) as error:
        _echo(f"no workbook: {error}")
        raise typer.Exit(code=1) from error
    typer.echo(f"workbook: {path}")


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
