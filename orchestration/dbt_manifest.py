"""The parsed dbt manifest the Dagster definitions load. `make manifest` writes it; nothing parses at import."""

from __future__ import annotations

from pathlib import Path

from orchestration import settings

MANIFEST = settings.DBT_PROJECT_DIR / "target" / "manifest.json"
DBT_SOURCE_FOLDERS = ("models", "macros", "seeds", "tests")


def stale_reason(manifest: Path = MANIFEST, project_dir: Path = settings.DBT_PROJECT_DIR) -> str | None:
    """Why the manifest cannot be used as it is (missing, or a dbt file is newer); None when it is fresh."""
    if not manifest.exists():
        return f"no dbt manifest at {manifest}: run `make manifest` (it parses the dbt project)"
    parsed_at = manifest.stat().st_mtime
    sources = [p for folder in DBT_SOURCE_FOLDERS for p in (project_dir / folder).rglob("*")]
    sources.append(project_dir / "dbt_project.yml")
    newer = sorted(str(p.relative_to(project_dir)) for p in sources if p.is_file() and p.stat().st_mtime > parsed_at)
    if newer:
        return f"the dbt manifest {manifest} is older than {newer[0]}: run `make manifest` to parse the project again"
    return None
