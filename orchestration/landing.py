"""What the landing tree holds: sources, snapshot dates and files.

Only feeds are dated (feeds/<source>/<YYYY-MM-DD>/). BOMs, plan, inventory and reference files
describe the present and are replaced whole on each refresh.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from orchestration.settings import env_number

FEED_SUFFIXES = (".json", ".json.gz", ".csv", ".csv.gz")


@dataclass(frozen=True)
class BadFolder:
    source: str
    path: Path
    reason: str


def outside_landing(path: Path, landing: Path) -> str | None:
    """Why a symlink that leads out of the landing tree is refused; None for anything inside it.

    The landing tree is a boundary: a link to another folder or file would load data nobody delivered
    under a path that looks internal."""
    target = path.resolve()
    if target.is_relative_to(landing.resolve()):
        return None
    return f"symlink to {target}, outside the landing tree: refused"


def feed_sources(landing: Path) -> list[str]:
    feeds = landing / "feeds"
    if not feeds.is_dir():
        return []
    return sorted(p.name for p in feeds.iterdir() if p.is_dir() and not p.name.startswith("."))


def is_broker_source(landing: Path, source: str) -> bool:
    """A feed folder with a mapping.yml is a broker/ERP CSV export described by that mapping."""
    return (landing / "feeds" / source / "mapping.yml").is_file()


def parse_snapshot_folder(name: str) -> date | None:
    try:
        return date.fromisoformat(name) if len(name) == 10 else None
    except ValueError:
        return None


MAX_DATE_LEAD_ENV = "PARTRISK_MAX_DATE_LEAD_DAYS"
DEFAULT_MAX_DATE_LEAD_DAYS = 7


def max_date_lead_days() -> int:
    """How far one source's date folder may run ahead of every other source's latest date."""
    return env_number(MAX_DATE_LEAD_ENV, DEFAULT_MAX_DATE_LEAD_DAYS, "a whole number of days")


def snapshot_folders(landing: Path, source: str) -> tuple[dict[date, Path], list[BadFolder]]:
    """The dated folders of one source, and the folders refused: a name that is not a date, a symlink
    out of the landing tree, or a date too far beyond the other sources' latest (it would make that
    date "now" for every mart)."""
    good, bad = _dated_folders(landing, source)
    others = [max(dates) for other in feed_sources(landing) if other != source
              if (dates := _dated_folders(landing, other)[0])]
    if not others:
        return good, bad
    latest, lead = max(others), max_date_lead_days()
    for snapshot in sorted(d for d in good if (d - latest).days > lead):
        bad.append(BadFolder(source, good.pop(snapshot), (
            f"date folder {snapshot} is {(snapshot - latest).days} days after the other sources' latest date "
            f"{latest} (more than {lead}, {MAX_DATE_LEAD_ENV}): not loaded, so it does not become the marts' date")))
    return good, bad


def _dated_folders(landing: Path, source: str) -> tuple[dict[date, Path], list[BadFolder]]:
    root = landing / "feeds" / source
    good: dict[date, Path] = {}
    bad: list[BadFolder] = []
    if not root.is_dir():
        return good, bad
    for child in sorted(root.iterdir()):
        if not child.is_dir() or child.name.startswith("."):
            continue
        snapshot = parse_snapshot_folder(child.name)
        refused = outside_landing(child, landing)
        if refused is not None:
            bad.append(BadFolder(source, child, refused))
        elif snapshot is None:
            bad.append(BadFolder(source, child, f"folder name {child.name!r} is not a snapshot date (YYYY-MM-DD)"))
        else:
            good[snapshot] = child
    return good, bad


def snapshot_dates(landing: Path) -> list[date]:
    """Every snapshot date found in any feed of the landing tree, sorted."""
    dates: set[date] = set()
    for source in feed_sources(landing):
        dates.update(snapshot_folders(landing, source)[0])
    return sorted(dates)


def feed_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and p.name.lower().endswith(FEED_SUFFIXES))


def file_sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def folder_fingerprint(folder: Path) -> str:
    """A cheap fingerprint of a folder's files (name, size, mtime) for the sensor's cursor."""
    digest = hashlib.sha256()
    for path in feed_files(folder):
        stat = path.stat()
        digest.update(f"{path.name}:{stat.st_size}:{stat.st_mtime_ns};".encode())
    return digest.hexdigest()[:16]
