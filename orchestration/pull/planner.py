"""Which watched parts to pull tonight, per source, inside the provider's quotas (pure, no I/O).

Order of choice:
1. High and Critical parts, every night;
2. parts whose last snapshot is `max_days_between_pulls` days old or older (they would starve tomorrow);
3. the rest, oldest snapshot first (never pulled counts as oldest): a round-robin by age.
Tonight's capacity is the calls left today times the parts per call, and, where the provider counts
parts per month, the month's remaining parts spread evenly over the nights left in the month.
"""

from __future__ import annotations

import calendar
import math
from dataclasses import dataclass, field
from datetime import date

from orchestration.policy import PullQuota
from orchestration.pull.providers import WatchedPart

PRIORITY_BANDS = frozenset({"High", "Critical"})
NEVER_PULLED_AGE = 10**6


@dataclass(frozen=True)
class Candidate:
    part: WatchedPart
    risk_band: str | None = None
    last_snapshot: date | None = None

    def age(self, tonight: date) -> int:
        return NEVER_PULLED_AGE if self.last_snapshot is None else (tonight - self.last_snapshot).days


@dataclass(frozen=True)
class SourcePlan:
    source: str
    snapshot_date: date
    batch_size: int
    watchlist_parts: int
    already_saved: int
    chosen: tuple[WatchedPart, ...]
    calls: int
    calls_left_today: int
    parts_left_month: int | None
    priority_parts: int
    due_parts_left_out: int
    nights_to_cover: int | None
    notes: tuple[str, ...] = field(default=())

    def render(self) -> str:
        month = "" if self.parts_left_month is None else (
            f", parts left this month {self.parts_left_month:,} -> {self.parts_left_month - len(self.chosen):,} (at most)")
        cover = ("cannot cover the watchlist within the quota" if self.nights_to_cover is None
                 else f"the whole watchlist in {self.nights_to_cover} night(s)")
        lines = [f"{self.source} {self.snapshot_date}: {len(self.chosen):,} of {self.watchlist_parts:,} watched parts "
                 f"tonight ({self.priority_parts:,} High/Critical, {self.already_saved:,} already saved), "
                 f"{self.calls:,} call(s) of {self.batch_size} part(s), calls left today "
                 f"{self.calls_left_today:,} -> {self.calls_left_today - self.calls:,}{month}; {cover}"]
        lines += [f"  note: {note}" for note in self.notes]
        return "\n".join(lines)


def nightly_part_capacity(quota: PullQuota, batch_size: int, tonight: date, *, calls_used_today: int = 0,
                          parts_used_this_month: int = 0) -> tuple[int, int, int | None]:
    """(parts that fit tonight, calls left today, parts left this month or None)."""
    calls_left = max(0, quota.calls_per_day - calls_used_today)
    capacity = calls_left * batch_size
    parts_left = None
    if quota.parts_per_month is not None:
        parts_left = max(0, quota.parts_per_month - parts_used_this_month)
        nights_left = calendar.monthrange(tonight.year, tonight.month)[1] - tonight.day + 1
        capacity = min(capacity, math.ceil(parts_left / nights_left))
    return capacity, calls_left, parts_left


def steady_nightly_capacity(quota: PullQuota, batch_size: int, tonight: date) -> int:
    """Parts a typical night can pull: a full day's calls, and an even share of a full month's parts."""
    capacity = quota.calls_per_day * batch_size
    if quota.parts_per_month is not None:
        capacity = min(capacity, quota.parts_per_month // calendar.monthrange(tonight.year, tonight.month)[1])
    return capacity


def nights_to_cover(watchlist_parts: int, priority_parts: int, nightly_capacity: int) -> int | None:
    """Nights for a round-robin to reach every part once, with the priority parts pulled every night."""
    if watchlist_parts == 0:
        return 0
    rotating = watchlist_parts - priority_parts
    spare = nightly_capacity - priority_parts
    if rotating <= 0:
        return 1 if nightly_capacity >= watchlist_parts else None
    if spare <= 0:
        return None
    return max(1, math.ceil(rotating / spare))


def plan_source(source: str, candidates: list[Candidate], quota: PullQuota, batch_size: int, tonight: date, *,
                max_days_between_pulls: int, saved_tonight: frozenset[tuple[str, str]] = frozenset(),
                calls_used_today: int = 0, parts_used_this_month: int = 0) -> SourcePlan:
    capacity, calls_left, parts_left = nightly_part_capacity(
        quota, batch_size, tonight, calls_used_today=calls_used_today, parts_used_this_month=parts_used_this_month)
    pending = [c for c in candidates if (c.part.mpn, c.part.manufacturer) not in saved_tonight]

    def rank(candidate: Candidate) -> tuple:
        age = candidate.age(tonight)
        tier = 0 if candidate.risk_band in PRIORITY_BANDS else 1 if age >= max_days_between_pulls else 2
        return tier, -age, candidate.part.mpn, candidate.part.manufacturer

    ordered = sorted(pending, key=rank)
    chosen = tuple(c.part for c in ordered[:capacity])
    priority = sum(1 for c in candidates if c.risk_band in PRIORITY_BANDS)
    due = [c for c in ordered if rank(c)[0] <= 1]
    due_left_out = max(0, len(due) - capacity)
    cover = nights_to_cover(len(candidates), priority, steady_nightly_capacity(quota, batch_size, tonight))
    notes = []
    if due_left_out:
        notes.append(f"{due_left_out:,} part(s) due tonight (High/Critical or {max_days_between_pulls}+ days old) "
                     f"do not fit the quota left")
    if cover is not None and cover > max_days_between_pulls:
        notes.append(f"a full round takes {cover} nights, longer than max_days_between_pulls={max_days_between_pulls}: "
                     f"some parts will go {cover} days between snapshots (raise the quota or shrink the watchlist)")
    return SourcePlan(
        source=source, snapshot_date=tonight, batch_size=batch_size, watchlist_parts=len(candidates),
        already_saved=len(candidates) - len(pending), chosen=chosen, calls=math.ceil(len(chosen) / batch_size),
        calls_left_today=calls_left, parts_left_month=parts_left, priority_parts=priority,
        due_parts_left_out=due_left_out, nights_to_cover=cover, notes=tuple(notes))
