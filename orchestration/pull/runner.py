"""One night's pull: plan each source, call it inside its quota, save each response, log each request.

Responses are written as the provider returned them, gzip-compressed, under
`feeds/<source>/<date>/pull-<parts hash>.json.gz` (atomically: a killed pull never leaves half a
file), so the feed parsers read them like any other landing file. Every request is a row of
`raw.pull_log`; a pull run again for the same date skips the parts whose saved file is there.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import httpx
import pyarrow as pa

from orchestration.policy import PullPolicy, load_policy
from orchestration.pull import http
from orchestration.pull.credentials import Redactor, load_credentials, missing_variables
from orchestration.pull.planner import Candidate, SourcePlan, plan_source
from orchestration.pull.providers import PROVIDERS, AuthError, Provider, Verdict, WatchedPart
from orchestration.pull.tokens import TokenCache
from orchestration.warehouse.connection import fetch_one, table_exists, warehouse

SOURCES = tuple(PROVIDERS)
WATCHLIST_RELATION = "intermediate.int_pull_watchlist"
TOKEN_FOLDER = "pull_tokens"

PULL_LOG_DDL = """
create table if not exists raw.pull_log (
    pull_id varchar, source varchar, snapshot_date date, request_number integer,
    parts struct(mpn varchar, manufacturer varchar)[], part_count integer, parts_returned integer,
    http_status integer, attempts integer, bytes bigint, file_path varchar, seconds double,
    outcome varchar, reason varchar, called_at timestamp
)
"""


class PullError(RuntimeError):
    """The pull cannot start (no watchlist, bad policy); the message says what to do."""


@dataclass
class SourceResult:
    source: str
    status: str  # skipped | planned | pulled | stopped
    message: str = ""
    plan: SourcePlan | None = None
    calls: int = 0
    parts_saved: int = 0
    parts_failed: int = 0
    files: list[str] = field(default_factory=list)

    def render(self) -> str:
        if self.status == "skipped":
            return f"{self.source} skipped: {self.message}"
        lines = [self.plan.render()] if self.plan else []
        if self.status != "planned":
            lines.append(f"{self.source} {self.status}: {self.calls:,} call(s), {self.parts_saved:,} part(s) saved "
                         f"in {len(self.files):,} file(s), {self.parts_failed:,} part(s) failed"
                         + (f"; {self.message}" if self.message else ""))
        elif self.message:
            lines.append(f"  {self.message}")
        return "\n".join(lines)


@dataclass
class PullReport:
    snapshot_date: date
    dry_run: bool
    results: list[SourceResult]

    @property
    def ok(self) -> bool:
        return all(r.parts_failed == 0 for r in self.results)

    def render(self) -> str:
        head = f"pull plan for {self.snapshot_date} (dry run: nothing was called)" if self.dry_run \
            else f"pull for {self.snapshot_date}"
        return "\n".join([head, *(r.render() for r in self.results)])


def watched_parts(conn: duckdb.DuckDBPyConnection) -> pa.Table:
    """The watchlist keyed like the warehouse: (mpn, manufacturer, mpn_raw, manufacturer_raw), one row a part.

    A spelling keeps the key raw.part_keys gave it (the last refresh); a spelling it has not seen yet is
    keyed by the same rule and alias table, so a pull never splits a part the refresh would join."""
    from orchestration.warehouse.part_keys import part_key_rows, resolved_aliases

    if not table_exists(conn, *WATCHLIST_RELATION.split(".")):
        raise PullError(f"the warehouse has no {WATCHLIST_RELATION} yet: `partrisk pull` builds it from the BOMs "
                        "(or run `partrisk refresh`)")
    rows = conn.execute(f"select mpn_key, manufacturer_key, mpn_raw, manufacturer_raw from {WATCHLIST_RELATION} "
                        "order by mpn_key, manufacturer_key").fetchall()
    known = {}
    if table_exists(conn, "raw", "part_keys"):
        known = {(mpn_key, maker_key): (mpn, manufacturer) for mpn_key, maker_key, mpn, manufacturer
                 in conn.execute("select mpn_key, manufacturer_key, mpn, manufacturer from raw.part_keys").fetchall()}
    computed = part_key_rows([(mpn_key, maker_key, maker_raw) for mpn_key, maker_key, _, maker_raw in rows],
                             resolved_aliases(conn))
    parts: dict[tuple[str, str], tuple[str, str]] = {}
    for (mpn_key, maker_key, mpn_raw, maker_raw), keyed in zip(rows, computed, strict=True):
        mpn, manufacturer = known.get((mpn_key, maker_key), (keyed["mpn"], keyed["manufacturer"]))
        if mpn and manufacturer:
            parts.setdefault((mpn, manufacturer), (mpn_raw, maker_raw))
    names = ["mpn", "manufacturer", "mpn_raw", "manufacturer_raw"]
    return pa.Table.from_pylist([dict(zip(names, (*key, *parts[key]), strict=True)) for key in sorted(parts)],
                                schema=pa.schema([(name, pa.string()) for name in names]))


def read_watchlist(conn: duckdb.DuckDBPyConnection, source: str, tonight: date) -> list[Candidate]:
    """The watched parts with their risk band and the date of their last snapshot from `source` (up to tonight)."""
    watched = watched_parts(conn)
    sightings = []
    if table_exists(conn, "staging", "stg_feeds__offers"):
        sightings.append("select mpn, manufacturer, snapshot_date from staging.stg_feeds__offers "
                         "where source = $source and snapshot_date <= $tonight")
    if table_exists(conn, "raw", "pull_log"):
        sightings.append("select p.mpn, p.manufacturer, snapshot_date from raw.pull_log, unnest(parts) as u(p) "
                         "where source = $source and outcome = 'saved' and snapshot_date <= $tonight")
    seen = " union all ".join(sightings) or "select null::varchar as mpn, null::varchar as manufacturer, null::date as snapshot_date"
    band = ("(select risk_band from marts.part_risk as r where r.mpn = w.mpn and r.manufacturer = w.manufacturer)"
            if table_exists(conn, "marts", "part_risk") else "null::varchar")
    conn.register("pull_watched_parts", watched)
    try:
        rows = conn.execute(f"""
            with seen as ({seen}),
            last_seen as (select mpn, manufacturer, max(snapshot_date) as last_snapshot from seen group by all)
            select w.mpn, w.manufacturer, w.mpn_raw, w.manufacturer_raw, {band} as risk_band, l.last_snapshot
            from pull_watched_parts as w
            left join last_seen as l on l.mpn = w.mpn and l.manufacturer = w.manufacturer
            order by w.mpn, w.manufacturer
        """, {"source": source, "tonight": tonight} if sightings else {}).fetchall()
    finally:
        conn.unregister("pull_watched_parts")
    return [Candidate(WatchedPart(mpn, manufacturer, mpn_raw, manufacturer_raw), band_value, last)
            for mpn, manufacturer, mpn_raw, manufacturer_raw, band_value, last in rows]


@dataclass(frozen=True)
class Usage:
    calls_today: int
    parts_this_month: int
    saved_tonight: frozenset[tuple[str, str]]


def read_usage(conn: duckdb.DuckDBPyConnection, landing: Path, source: str, tonight: date, now: datetime) -> Usage:
    """Calls made today (UTC, every attempt), parts returned this month, and parts already saved for tonight."""
    if not table_exists(conn, "raw", "pull_log"):
        return Usage(0, 0, frozenset())
    today = now.date()
    calls, parts = fetch_one(conn, """
        select coalesce(sum(attempts) filter (where cast(called_at as date) = $today), 0),
               coalesce(sum(parts_returned) filter (where date_trunc('month', called_at) = date_trunc('month', $today::date)), 0)
        from raw.pull_log where source = $source
    """, {"today": today, "source": source})
    saved = conn.execute("""
        select distinct p.mpn, p.manufacturer, file_path from raw.pull_log, unnest(parts) as u(p)
        where source = $source and snapshot_date = $tonight and outcome = 'saved'
    """, {"source": source, "tonight": tonight}).fetchall()
    return Usage(int(calls), int(parts),
                 frozenset((mpn, mfr) for mpn, mfr, path in saved if (landing / path).is_file()))


def response_file(landing: Path, source: str, tonight: date, parts: list[WatchedPart]) -> Path:
    digest = hashlib.sha256("\n".join(sorted(f"{p.mpn}|{p.manufacturer}" for p in parts)).encode()).hexdigest()[:16]
    return landing / "feeds" / source / tonight.isoformat() / f"pull-{digest}.json.gz"


def write_response(path: Path, body: bytes) -> int:
    """The body as returned, gzip-compressed, written atomically; returns the bytes written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = gzip.compress(body, mtime=0)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)
    return len(data)


def _batches(parts: tuple[WatchedPart, ...], size: int) -> list[list[WatchedPart]]:
    return [list(parts[i:i + size]) for i in range(0, len(parts), size)]


class _Log:
    def __init__(self, conn: duckdb.DuckDBPyConnection, pull_id: str, source: str, tonight: date,
                 clock: Callable[[], datetime]) -> None:
        self.conn, self.pull_id, self.source, self.tonight, self.clock = conn, pull_id, source, tonight, clock
        self.number = 0

    def write(self, parts: list[WatchedPart], *, outcome: str, reason: str = "", status: int | None = None,
              attempts: int = 0, size: int = 0, file_path: str | None = None, seconds: float = 0.0,
              returned: int = 0) -> None:
        self.number += 1
        self.conn.execute("insert into raw.pull_log values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
            self.pull_id, self.source, self.tonight, self.number,
            [{"mpn": p.mpn, "manufacturer": p.manufacturer} for p in parts], len(parts), returned,
            status, attempts, size, file_path, round(seconds, 3), outcome, reason or None,
            self.clock().replace(tzinfo=None)])


def _utc_now() -> datetime:
    return datetime.now(UTC)


def run_pull(landing: Path, warehouse_path: Path, tonight: date, sources: list[str] | None = None, *,
             dry_run: bool = False, dagster_home: Path, environ: dict[str, str] | None = None,
             progress: Callable[[str], None] = print, rate_period_seconds: float = 60.0,
             transport: httpx.BaseTransport | None = None, sleep: Callable[[float], None] = time.sleep,
             monotonic: Callable[[], float] = time.monotonic, clock: Callable[[], datetime] = _utc_now) -> PullReport:
    """Plan (and unless `dry_run`, run) tonight's pull for each source; every line is redacted."""
    environ = dict(os.environ) if environ is None else environ
    policy = load_policy(landing).pull
    unknown = sorted(set(sources or ()) - set(SOURCES))
    if unknown:
        raise PullError(f"unknown source(s) {', '.join(unknown)}: choose from {', '.join(SOURCES)}")
    redactor = Redactor()
    results = []
    with warehouse(warehouse_path, read_only=dry_run) as conn:
        if not dry_run:
            conn.execute(PULL_LOG_DDL)
        for source in sources or SOURCES:
            result = _pull_source(conn, landing, source, tonight, policy, dry_run=dry_run, environ=environ,
                                  redactor=redactor, dagster_home=dagster_home, rate_period_seconds=rate_period_seconds,
                                  transport=transport, sleep=sleep, monotonic=monotonic, clock=clock,
                                  progress=progress)
            progress(redactor(result.render()))
            results.append(result)
    return PullReport(tonight, dry_run, results)


def _pull_source(conn, landing: Path, source: str, tonight: date, policy: PullPolicy, *, dry_run: bool,
                 environ: dict[str, str], redactor: Redactor, dagster_home: Path, rate_period_seconds: float,
                 transport, sleep, monotonic, clock, progress) -> SourceResult:
    credentials = load_credentials(source, environ)
    missing = missing_variables(source, environ)
    if credentials is None and not dry_run:
        return SourceResult(source, "skipped", f"{', '.join(missing)} not set in the environment")
    provider_class = PROVIDERS[source]
    quota = getattr(policy, source)
    usage = read_usage(conn, landing, source, tonight, clock())
    plan = plan_source(source, read_watchlist(conn, source, tonight), quota, provider_class.batch_size, tonight,
                       max_days_between_pulls=policy.max_days_between_pulls, saved_tonight=usage.saved_tonight,
                       calls_used_today=usage.calls_today, parts_used_this_month=usage.parts_this_month)
    if dry_run:
        note = f"no credentials ({', '.join(missing)} not set): a real pull would skip {source}" if credentials is None else ""
        return SourceResult(source, "planned", note, plan)
    provider = provider_class(credentials, TokenCache(Path(dagster_home) / TOKEN_FOLDER), redactor, environ)
    limiter = http.RateLimiter(quota.calls_per_minute, rate_period_seconds, clock=monotonic, sleep=sleep)
    log = _Log(conn, str(uuid.uuid4()), source, tonight, clock)
    result = SourceResult(source, "pulled", plan=plan)
    with http.new_client(transport) as client:
        for batch in _batches(plan.chosen, provider.batch_size):
            if result.calls >= plan.calls_left_today:
                result.status, result.message = "stopped", "the day's calls are used"
                break
            stop = _pull_batch(client, limiter, provider, batch, log, result, landing, tonight, redactor, sleep)
            if stop:
                result.status, result.message = "stopped", redactor(stop)
                progress(f"{source} stopped: {result.message}")
                break
    return result


def _read(provider: Provider, response: httpx.Response) -> Verdict:
    """The provider's verdict; a body that is not the JSON it documents fails the batch, not the pull."""
    try:
        return provider.verdict(response)
    except (ValueError, AttributeError, TypeError) as error:
        return Verdict("failed", f"HTTP {response.status_code}: not a {provider.source} response ({type(error).__name__})")


def _pull_batch(client, limiter, provider: Provider, batch: list[WatchedPart], log: _Log, result: SourceResult,
                landing: Path, tonight: date, redactor: Redactor, sleep) -> str | None:
    """One request (renewing an expired token once); returns why the source must stop, or None."""
    started = time.perf_counter()
    attempts = 0
    try:
        sent = http.send(client, limiter, lambda: provider.request(client, batch), sleep=sleep)
        attempts += sent.attempts
        verdict = _read(provider, sent.response)
        if verdict.outcome == "auth":
            provider.renew(client)
            sent = http.send(client, limiter, lambda: provider.request(client, batch), sleep=sleep)
            attempts += sent.attempts
            verdict = _read(provider, sent.response)
            if verdict.outcome == "auth":
                verdict = Verdict("stop", f"{verdict.reason} again after a new token")
    except http.QuotaSpent as spent:
        result.calls += max(attempts, 1)
        result.parts_failed += len(batch)
        log.write(batch, outcome="stopped", reason=redactor(spent), attempts=max(attempts, 1),
                  seconds=time.perf_counter() - started)
        return str(spent)
    except (AuthError, httpx.HTTPError) as error:
        result.calls += attempts
        result.parts_failed += len(batch)
        reason = redactor(f"{type(error).__name__}: {error}")
        log.write(batch, outcome="stopped" if isinstance(error, AuthError) else "failed", reason=reason,
                  attempts=attempts, seconds=time.perf_counter() - started)
        return reason if isinstance(error, AuthError) else None
    result.calls += attempts
    seconds = time.perf_counter() - started
    status = sent.response.status_code
    if verdict.outcome == "saved":
        path = response_file(landing, provider.source, tonight, batch)
        size = write_response(path, sent.response.content)
        relative = str(path.relative_to(landing))
        result.files.append(relative)
        result.parts_saved += len(batch)
        log.write(batch, outcome="saved", reason=redactor(verdict.reason), status=status, attempts=attempts,
                  size=size, file_path=relative, seconds=seconds, returned=verdict.parts_returned)
        # A provider that says its day is used up ends the source; the saved response still counts.
        return verdict.reason or None
    result.parts_failed += len(batch)
    log.write(batch, outcome="stopped" if verdict.outcome == "stop" else "failed", reason=redactor(verdict.reason),
              status=status, attempts=attempts, seconds=seconds)
    return verdict.reason if verdict.outcome == "stop" else None
