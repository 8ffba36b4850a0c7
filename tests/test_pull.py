"""Live pulls against a real local HTTP server (127.0.0.1) replaying published provider responses.

Nothing here reaches the internet: every base URL points at pytest-httpserver. DigiKey v4 and Mouser
answer with the real responses in ../shared/fixtures/real/feeds; Nexar, which has no published
response, answers from the documented schema, and accepts `mpn` and `mpnOrSku` queries.
"""

from __future__ import annotations

import gzip
import json
import logging
import stat
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import httpx
import pytest
from werkzeug import Request, Response

from orchestration.feeds.registry import parse_snapshot
from orchestration.partkey import basic_mpn, manufacturer_key
from orchestration.policy import PullPolicy, PullQuota
from orchestration.pull import http
from orchestration.pull.credentials import Redactor, load_credentials
from orchestration.pull.planner import Candidate, nights_to_cover, plan_source
from orchestration.pull.providers import WatchedPart
from orchestration.pull.runner import PULL_LOG_DDL, run_pull
from orchestration.pull.tokens import TokenCache
from orchestration.warehouse import raw_load
from orchestration.warehouse.connection import ensure_schemas
from tests.feed_offers import offers_of
from tests.test_feeds_real import CADDI, unfenced_json_blocks

TONIGHT = date(2026, 3, 10)
SECRETS = {
    "DIGIKEY_CLIENT_ID": "dk-client-id-4711",
    "DIGIKEY_CLIENT_SECRET": "dk-secret-Zq8!s3cr3t",
    "MOUSER_API_KEY": "mouser-key-9f9f-0000-abcd",
    "NEXAR_CLIENT_ID": "nexar-client-id-0815",
    "NEXAR_CLIENT_SECRET": "nexar-secret-Pp77&x",
}
PARTS = [WatchedPart(f"PART{n:03d}", "Texas Instruments", f"PART{n:03d}", "TI") for n in range(1, 26)]


# --- the stand-in providers -------------------------------------------------------------------------

class Providers:
    """One local server playing DigiKey, Mouser and Nexar, with scripted failures and a request log."""

    def __init__(self, server, caddi_blocks: list[dict]) -> None:
        self.server = server
        self.mouser_body, self.digikey_body = caddi_blocks
        self.requests: list[tuple[float, str, dict]] = []
        self.clock = time.monotonic
        self.tokens_issued = {"digikey": 0, "nexar": 0}
        self.scripts: dict[str, list] = {"digikey": [], "mouser": [], "nexar": []}
        server.expect_request("/v1/oauth2/token", method="POST").respond_with_handler(self._digikey_token)
        server.expect_request("/products/v4/search/keyword", method="POST").respond_with_handler(self._digikey)
        server.expect_request("/api/v1/search/partnumber", method="POST").respond_with_handler(self._mouser)
        server.expect_request("/connect/token", method="POST").respond_with_handler(self._nexar_token)
        server.expect_request("/graphql", method="POST").respond_with_handler(self._nexar)

    def environ(self, **overrides) -> dict[str, str]:
        base = self.server.url_for("").rstrip("/")
        return {**SECRETS, "PARTRISK_DIGIKEY_API_URL": base, "PARTRISK_MOUSER_API_URL": base,
                "PARTRISK_NEXAR_API_URL": base, "PARTRISK_NEXAR_TOKEN_URL": f"{base}/connect/token", **overrides}

    def calls(self, path: str) -> list[dict]:
        return [body for _, p, body in self.requests if p == path]

    def _scripted(self, source: str) -> Response | None:
        return self.scripts[source].pop(0)() if self.scripts[source] else None

    def _token(self, request: Request, source: str, id_name: str, secret_name: str) -> Response:
        form = request.form
        if form.get("client_id") != SECRETS[id_name] or form.get("client_secret") != SECRETS[secret_name]:
            return Response(json.dumps({"error": "invalid_client"}), 401, content_type="application/json")
        self.tokens_issued[source] += 1
        token = f"{source}-token-{self.tokens_issued[source]}"
        return Response(json.dumps({"access_token": token, "expires_in": 599 if source == "digikey" else 86400,
                                    "token_type": "Bearer"}), 200, content_type="application/json")

    def _digikey_token(self, request: Request) -> Response:
        return self._token(request, "digikey", "DIGIKEY_CLIENT_ID", "DIGIKEY_CLIENT_SECRET")

    def _nexar_token(self, request: Request) -> Response:
        return self._token(request, "nexar", "NEXAR_CLIENT_ID", "NEXAR_CLIENT_SECRET")

    def _record(self, request: Request) -> dict:
        body = request.get_json(silent=True) or {}
        self.requests.append((self.clock(), request.path, body))
        return body

    def _digikey(self, request: Request) -> Response:
        self._record(request)
        if request.headers.get("X-DIGIKEY-Client-Id") != SECRETS["DIGIKEY_CLIENT_ID"]:
            return Response("{}", 400)
        if not request.headers.get("Authorization", "").startswith("Bearer digikey-token-"):
            return Response(json.dumps({"ErrorMessage": "Bearer token invalid"}), 401, content_type="application/json")
        scripted = self._scripted("digikey")
        if scripted is not None:
            return scripted
        return Response(json.dumps(self.digikey_body), 200, content_type="application/json",
                        headers={"X-RateLimit-Limit": "1000", "X-RateLimit-Remaining": "900"})

    def _mouser(self, request: Request) -> Response:
        self._record(request)
        if request.args.get("apiKey") != SECRETS["MOUSER_API_KEY"]:
            return Response(json.dumps({"Errors": [{"Code": "Invalid", "Message": "Invalid unique identifier."}]}), 200,
                            content_type="application/json")
        return self._scripted("mouser") or Response(json.dumps(self.mouser_body), 200, content_type="application/json")

    def _nexar(self, request: Request) -> Response:
        body = self._record(request)
        if request.headers.get("Authorization") != f"Bearer nexar-token-{self.tokens_issued['nexar']}":
            return _graphql_error("AuthExpiredToken", "The token has expired.")
        scripted = self._scripted("nexar")
        if scripted is not None:
            return scripted
        queries = body["variables"]["queries"]
        matches = [{"reference": q.get("reference"), "parts": [nexar_part(q.get("mpn") or q.get("mpnOrSku"))]}
                   for q in queries]
        return Response(json.dumps({"data": {"supMultiMatch": matches}}), 200, content_type="application/json")


def nexar_part(mpn: str) -> dict:
    """A part in the documented Nexar schema (DOMAIN.md): one authorized seller with two price breaks."""
    return {
        "mpn": mpn, "manufacturer": {"name": "Texas Instruments"}, "category": {"path": "Integrated Circuits"},
        "shortDescription": "Op amp", "totalAvail": 5000, "estimatedFactoryLeadDays": 42,
        "medianPrice1000": {"price": 0.12, "currency": "USD"},
        "specs": [{"attribute": {"shortname": "lifecyclestatus"}, "displayValue": "Production", "value": "Production"}],
        "sellers": [{"company": {"name": "Arrow Electronics"}, "country": "US", "isAuthorized": True, "isBroker": False,
                     "offers": [{"sku": f"ARW-{mpn}", "inventoryLevel": 5000, "moq": 1, "packaging": "Cut Tape",
                                 "factoryLeadDays": 42, "updated": "2026-03-10T01:00:00Z",
                                 "prices": [{"quantity": 1, "price": 0.5, "currency": "USD"},
                                            {"quantity": 100, "price": 0.2, "currency": "USD"}]}]}],
    }


def _graphql_error(code: str, message: str) -> Response:
    return Response(json.dumps({"errors": [{"message": message, "extensions": {"code": code}}], "data": None}), 200,
                    content_type="application/json")


def _json(payload: dict, status: int, **headers) -> Response:
    return Response(json.dumps(payload), status, content_type="application/json", headers=headers)


@pytest.fixture(scope="module")
def caddi_blocks(real_fixtures_dir: Path) -> list[dict]:
    return unfenced_json_blocks((real_fixtures_dir / "feeds" / CADDI).read_text(encoding="utf-8"))


@pytest.fixture()
def providers(httpserver, caddi_blocks) -> Providers:
    return Providers(httpserver, caddi_blocks)


@pytest.fixture()
def night(tmp_path: Path):
    """A landing tree, a warehouse holding the watchlist, and a DAGSTER_HOME."""
    landing, home, warehouse = tmp_path / "landing", tmp_path / "dagster_home", tmp_path / "partrisk.duckdb"
    landing.mkdir()
    with duckdb.connect(str(warehouse)) as conn:
        ensure_schemas(conn)
        conn.execute("create table intermediate.int_pull_watchlist "
                     "(mpn_key varchar, manufacturer_key varchar, mpn_raw varchar, manufacturer_raw varchar)")
        conn.executemany("insert into intermediate.int_pull_watchlist values (?, ?, ?, ?)",
                         [[basic_mpn(p.mpn_raw), manufacturer_key(p.manufacturer_raw), p.mpn_raw, p.manufacturer_raw]
                          for p in PARTS])
        # the last refresh's keys: the pull keys its spellings the same way
        conn.execute("create table raw.part_keys (mpn_key varchar, manufacturer_key varchar, mpn varchar, "
                     "manufacturer varchar)")
        conn.executemany("insert into raw.part_keys values (?, ?, ?, ?)",
                         [[basic_mpn(p.mpn_raw), manufacturer_key(p.manufacturer_raw), p.mpn, p.manufacturer]
                          for p in PARTS])
    return landing, warehouse, home


def pull(night, providers: Providers, sources, **kwargs):
    landing, warehouse, home = night
    kwargs.setdefault("environ", providers.environ())
    kwargs.setdefault("progress", lambda line: None)
    kwargs.setdefault("sleep", lambda seconds: None)
    return run_pull(landing, warehouse, TONIGHT, sources, dagster_home=home, **kwargs)


def pull_log(warehouse: Path) -> list[dict]:
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        cursor = conn.execute("select * from raw.pull_log order by source, request_number")
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


# --- files in the parser shapes, and the raw layer loads them ---------------------------------------

def test_pulled_files_are_the_responses_gzipped_in_the_parser_shapes_and_load(night, providers, caddi_blocks):
    landing, warehouse, _ = night
    report = pull(night, providers, None)
    assert [r.status for r in report.results] == ["pulled", "pulled", "pulled"]
    # One DigiKey call per part, Mouser 10 parts a call, Nexar 20.
    assert [r.calls for r in report.results] == [25, 3, 2]
    assert [r.parts_saved for r in report.results] == [25, 25, 25]
    assert len(providers.calls("/products/v4/search/keyword")) == 25
    mouser_queries = [b["SearchByPartRequest"]["mouserPartNumber"] for b in providers.calls("/api/v1/search/partnumber")]
    assert mouser_queries[0] == "|".join(p.mpn_raw for p in PARTS[:10])
    first = sorted((landing / "feeds" / "digikey" / TONIGHT.isoformat()).iterdir())[0]
    assert first.name.startswith("pull-") and first.name.endswith(".json.gz")
    assert json.loads(gzip.decompress(first.read_bytes())) == caddi_blocks[1]

    with duckdb.connect(str(warehouse)) as conn:
        for source in ("digikey", "mouser", "nexar"):
            parsed = parse_snapshot(source, landing / "feeds" / source / TONIGHT.isoformat(), landing_root=landing)
            assert parsed.failed_files == [] and offers_of(parsed), source
            result = raw_load.load_feed_partitions(conn, landing, f"raw.offers_{source}", [source], [TONIGHT])
            assert result.failed_files == []
        loaded = dict(conn.execute("select source, count(*) from raw.load_log where status = 'loaded' "
                                   "group by source").fetchall())
        nexar_mpns = {r[0] for r in conn.execute("select distinct mpn_raw from raw.offers_nexar").fetchall()}
    assert loaded["nexar"] == 2 and loaded["mouser"] >= 1 and loaded["digikey"] >= 1
    assert nexar_mpns == {p.mpn_raw for p in PARTS}

    log = pull_log(warehouse)
    assert len(log) == 30 and {row["outcome"] for row in log} == {"saved"}
    nexar_rows = [row for row in log if row["source"] == "nexar"]
    assert [row["part_count"] for row in nexar_rows] == [20, 5]
    assert [row["parts_returned"] for row in nexar_rows] == [20, 5]
    assert all(row["http_status"] == 200 and row["attempts"] == 1 and row["bytes"] > 0 for row in log)
    assert all((landing / row["file_path"]).is_file() for row in log)


# --- the per-minute rate, measured at the server ----------------------------------------------------

def test_per_minute_rate_holds_at_the_server(night, providers):
    """The client waits on a virtual clock that the server reads as each request arrives: exact, not timed."""
    landing, _, _ = night
    (landing / "plan").mkdir()
    (landing / "plan" / "policy.yml").write_text(
        "pull:\n  digikey: {calls_per_minute: 4, calls_per_day: 1000}\n", encoding="utf-8")
    virtual = [0.0]

    def wait(seconds: float) -> None:
        virtual[0] += seconds

    providers.clock = lambda: virtual[0]
    pull(night, providers, ["digikey"], sleep=wait, monotonic=lambda: virtual[0])
    stamps = [t for t, path, _ in providers.requests if path == "/products/v4/search/keyword"]
    assert len(stamps) == 25
    # At the server: no minute holds more than 4 requests, and 25 requests span 6 full minutes.
    assert max(sum(1 for t in stamps if start <= t < start + 60) for start in stamps) == 4
    assert stamps[-1] - stamps[0] >= 6 * 60


def test_rate_limiter_sliding_window_with_a_fake_clock():
    now = [0.0]
    slept = []

    def sleep(seconds):
        slept.append(seconds)
        now[0] += seconds

    limiter = http.RateLimiter(3, 60.0, clock=lambda: now[0], sleep=sleep)
    sends = []
    for _ in range(7):
        limiter.acquire()
        sends.append(now[0])
    assert sends == [0.0, 0.0, 0.0, 60.0, 60.0, 60.0, 120.0]


# --- the documented error shapes --------------------------------------------------------------------

def test_expired_digikey_token_is_renewed_once_and_the_cache_is_0600(night, providers):
    landing, warehouse, home = night
    providers.scripts["digikey"] = [lambda: _json({"ErrorMessage": "The Bearer token is expired"}, 401)]
    report = pull(night, providers, ["digikey"])
    assert report.results[0].parts_saved == 25 and report.results[0].parts_failed == 0
    assert providers.tokens_issued["digikey"] == 2
    first = pull_log(warehouse)[0]
    assert first["attempts"] == 2 and first["outcome"] == "saved"
    cached = list((home / "pull_tokens").iterdir())
    assert len(cached) == 1 and stat.S_IMODE(cached[0].stat().st_mode) == 0o600
    assert json.loads(cached[0].read_text())["access_token"] == "digikey-token-2"
    # A second night reuses the cached token: the token endpoint is not asked again.
    run_pull(landing, warehouse, TONIGHT + timedelta(days=1), ["digikey"], dagster_home=home,
             environ=providers.environ(), progress=lambda line: None, sleep=lambda s: None)
    assert providers.tokens_issued["digikey"] == 2


def test_token_cache_reads_expires_in_and_never_assumes_it(tmp_path):
    now = [1000.0]
    cache = TokenCache(tmp_path, clock=lambda: now[0])
    cache.put("digikey", "client", "token-a", expires_in=599)
    assert cache.get("digikey", "client").access_token == "token-a"
    now[0] += 599 - 30  # inside the renewal margin
    assert cache.get("digikey", "client") is None


def test_429_burst_waits_for_retry_after_then_succeeds(night, providers):
    _, warehouse, _ = night
    burst = {"Retry-After": "7", "X-BurstLimit-Limit": "120", "X-BurstLimit-Remaining": "0"}
    providers.scripts["digikey"] = [lambda: _json({"ErrorMessage": "rate limited"}, 429, **burst)] * 2
    waits = []
    report = pull(night, providers, ["digikey"], sleep=waits.append)
    assert report.results[0].parts_saved == 25
    assert len(waits) == 2 and all(7 <= w <= 7 + http.JITTER_SECONDS for w in waits)
    assert pull_log(warehouse)[0]["attempts"] == 3


def test_429_that_never_ends_gives_up_on_the_part_with_the_reason(night, providers):
    _, warehouse, _ = night
    providers.scripts["digikey"] = [lambda: _json({"ErrorMessage": "rate limited"}, 429, **{"Retry-After": "1"})] * 4
    report = pull(night, providers, ["digikey"])
    assert report.results[0].parts_failed == 1 and report.results[0].parts_saved == 24
    first = pull_log(warehouse)[0]
    assert first["outcome"] == "failed" and first["attempts"] == http.MAX_ATTEMPTS
    assert "429" in first["reason"] and first["file_path"] is None


def test_a_day_long_retry_after_stops_the_source(night, providers):
    _, warehouse, _ = night
    providers.scripts["digikey"] = [lambda: _json({"ErrorMessage": "daily limit"}, 429, **{"Retry-After": "36000"})]
    report = pull(night, providers, ["digikey"])
    assert report.results[0].status == "stopped" and len(providers.calls("/products/v4/search/keyword")) == 1
    assert pull_log(warehouse)[0]["outcome"] == "stopped"


def test_mouser_errors_fail_their_batch_only(night, providers):
    _, warehouse, _ = night
    error = {"Errors": [{"Id": 0, "Code": "InvalidCharacters", "Message": "The part number has invalid characters."}],
             "SearchResults": None}
    providers.scripts["mouser"] = [lambda: _json(error, 200)]
    report = pull(night, providers, ["mouser"])
    assert (report.results[0].parts_failed, report.results[0].parts_saved) == (10, 15)
    log = pull_log(warehouse)
    assert log[0]["outcome"] == "failed" and "InvalidCharacters" in log[0]["reason"]
    assert [row["outcome"] for row in log[1:]] == ["saved", "saved"]


def test_nexar_expired_token_is_renewed_and_the_part_limit_stops_the_source(night, providers):
    _, warehouse, home = night
    TokenCache(home / "pull_tokens").put("nexar", SECRETS["NEXAR_CLIENT_ID"], "nexar-token-stale", 86400)
    providers.scripts["nexar"] = [lambda: Response(json.dumps({"data": {"supMultiMatch": [
        {"parts": [nexar_part(p.mpn_raw)]} for p in PARTS[:20]]}}), 200, content_type="application/json"),
        lambda: _json({"message": "You have exceeded your part limit."}, 500)]
    report = pull(night, providers, ["nexar"])
    result = report.results[0]
    assert providers.tokens_issued["nexar"] == 1  # the stale cached token was answered AuthExpiredToken
    assert result.status == "stopped" and "part limit" in result.message
    assert (result.parts_saved, result.parts_failed) == (20, 5)
    assert [row["outcome"] for row in pull_log(warehouse)] == ["saved", "stopped"]


def test_nexar_stand_in_accepts_mpn_or_sku_queries(providers):
    with httpx.Client() as client:
        token = client.post(providers.environ()["PARTRISK_NEXAR_TOKEN_URL"], data={
            "client_id": SECRETS["NEXAR_CLIENT_ID"], "client_secret": SECRETS["NEXAR_CLIENT_SECRET"]}).json()
        answer = client.post(providers.server.url_for("/graphql"), json={"query": "…", "variables": {
            "queries": [{"mpnOrSku": "LM358BAIPWR"}, {"mpn": "NE555DR"}]}},
            headers={"Authorization": f"Bearer {token['access_token']}"}).json()
    assert [m["parts"][0]["mpn"] for m in answer["data"]["supMultiMatch"]] == ["LM358BAIPWR", "NE555DR"]


# --- a killed pull resumes without refetching -------------------------------------------------------

class KillAfter(httpx.HTTPTransport):
    """The process dies (as under `kill -INT`) when the n-th provider request is about to be sent."""

    def __init__(self, requests: int) -> None:
        super().__init__()
        self.left = requests

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if "token" not in request.url.path:
            if self.left == 0:
                raise KeyboardInterrupt
            self.left -= 1
        return super().handle_request(request)


def test_a_killed_pull_resumes_without_refetching(night, providers):
    landing, warehouse, _ = night
    with pytest.raises(KeyboardInterrupt):
        pull(night, providers, ["digikey", "mouser"], transport=KillAfter(7))
    asked_first = [b["Keywords"] for b in providers.calls("/products/v4/search/keyword")]
    assert len(asked_first) == 7
    report = pull(night, providers, ["digikey", "mouser"])
    digikey = report.results[0]
    assert digikey.plan.already_saved == 7 and digikey.parts_saved == 18
    asked = [b["Keywords"] for b in providers.calls("/products/v4/search/keyword")]
    assert len(asked) == 25 and sorted(asked) == sorted(p.mpn_raw for p in PARTS)  # nobody asked twice
    assert len(list((landing / "feeds" / "digikey" / TONIGHT.isoformat()).glob("pull-*.json.gz"))) == 25
    assert not list((landing / "feeds").rglob("*.tmp"))


# --- secrets ----------------------------------------------------------------------------------------

def test_no_secret_appears_in_any_output(night, providers, capsys, caplog):
    landing, warehouse, home = night
    caplog.set_level(logging.DEBUG)
    lines: list[str] = []
    providers.scripts["digikey"] = [lambda: _json({"ErrorMessage": "The Bearer token is expired"}, 401),
                                    lambda: _json({"ErrorMessage": "x"}, 429, **{"Retry-After": "1"}),
                                    lambda: _json({"detail": "Internal error"}, 500)]
    providers.scripts["mouser"] = [lambda: _json({"Errors": [{"Code": "Invalid", "Message": "bad"}]}, 200)]
    providers.scripts["nexar"] = [lambda: _graphql_error("AuthExpiredToken", "expired"),
                                  lambda: _json({"message": "exceeded your part limit"}, 500)]
    report = pull(night, providers, None, progress=lines.append)
    # A refused key too: its error names the status, never the key.
    refused = pull(night, providers, ["mouser"], progress=lines.append,
                   environ=providers.environ(MOUSER_API_KEY="mouser-wrong-key-1234"))
    secrets = [*SECRETS.values(), "mouser-wrong-key-1234"]
    tokens = [f"{source}-token-{n}" for source in ("digikey", "nexar") for n in (1, 2, 3)]
    captured = capsys.readouterr()
    texts = {
        "progress": "\n".join(lines), "report": report.render() + refused.render(), "stdout": captured.out,
        "stderr": captured.err,
        # The stand-in server's own access log (werkzeug) is the provider's side, not partrisk output.
        "logs": "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("werkzeug")), "repr": repr(load_credentials("mouser", SECRETS)),
        "pull_log": json.dumps(pull_log(warehouse), default=str),
    }
    for path in (landing / "feeds").rglob("*"):
        if path.is_file():
            texts[str(path)] = gzip.decompress(path.read_bytes()).decode("utf-8")
    for name, text in texts.items():
        for secret in secrets:
            assert secret not in text, f"a secret leaked into {name}"
        if name in ("progress", "report", "stdout", "stderr", "logs", "pull_log"):
            for token in tokens:
                assert token not in text, f"a token leaked into {name}"
    for path in (home / "pull_tokens").iterdir():
        assert not any(secret in path.read_text() for secret in secrets)
    assert "Invalid" in texts["pull_log"]  # the reasons are there, only the secrets are not


def test_redactor_removes_known_and_query_string_secrets():
    redact = Redactor(("abc123secret",))
    assert redact("token abc123secret failed") == "token *** failed"
    assert redact("POST https://x/api?apiKey=zzz&x=1") == "POST https://x/api?apiKey=***&x=1"


# --- credentials and dry runs -----------------------------------------------------------------------

def test_a_source_without_credentials_is_skipped_with_a_line_that_says_so(night, providers):
    lines: list[str] = []
    environ = {k: v for k, v in providers.environ().items() if not k.startswith("MOUSER")}
    report = pull(night, providers, None, environ=environ, progress=lines.append)
    assert [r.status for r in report.results] == ["pulled", "skipped", "pulled"]
    assert "mouser skipped: MOUSER_API_KEY not set in the environment" in lines
    assert providers.calls("/api/v1/search/partnumber") == []


def test_dry_run_plans_and_calls_nothing(night, providers):
    _, warehouse, _ = night
    lines: list[str] = []
    report = pull(night, providers, None, dry_run=True, progress=lines.append)
    assert providers.requests == [] and providers.tokens_issued == {"digikey": 0, "nexar": 0}
    assert [r.status for r in report.results] == ["planned"] * 3
    assert [r.plan.calls for r in report.results] == [25, 3, 2]
    assert "25 call(s) of 1 part(s), calls left today 1,000 -> 975" in lines[0]
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        assert conn.execute("select count(*) from information_schema.tables where table_name = 'pull_log'"
                            ).fetchall() == [(0,)]


# --- the planner (pure) -----------------------------------------------------------------------------

def _candidates(tonight: date) -> list[Candidate]:
    bands = {"P01": "Critical", "P02": "High"}
    ages = {"P03": 5, "P04": 1, "P05": 2, "P06": None, "P07": 3, "P08": 1, "P09": 2, "P10": 1}
    parts = [Candidate(WatchedPart(mpn, "Acme"), bands.get(mpn, "Low"),
                       tonight - timedelta(days=ages.get(mpn, 1)) if ages.get(mpn, 1) is not None else None)
             for mpn in [f"P{n:02d}" for n in range(1, 11)]]
    return parts


def test_planner_under_a_small_quota():
    tonight = date(2026, 3, 10)
    plan = plan_source("digikey", _candidates(tonight), PullQuota(calls_per_minute=120, calls_per_day=5), 1, tonight,
                       max_days_between_pulls=3)
    # High/Critical first, then the due (3+ days old; never pulled is oldest), then the oldest others.
    assert [p.mpn for p in plan.chosen] == ["P01", "P02", "P06", "P03", "P07"]
    assert plan.calls == 5 and plan.due_parts_left_out == 0
    # 8 rotating parts, 3 free places a night: 3 nights to reach everyone.
    assert plan.nights_to_cover == 3


def test_planner_counts_calls_used_today_and_batches():
    tonight = date(2026, 3, 10)
    plan = plan_source("mouser", _candidates(tonight), PullQuota(calls_per_minute=30, calls_per_day=3), 4, tonight,
                       max_days_between_pulls=3, calls_used_today=2)
    assert len(plan.chosen) == 4 and plan.calls == 1 and plan.calls_left_today == 1
    assert plan.due_parts_left_out == 1 and "do not fit" in plan.notes[0]


def test_planner_spreads_a_monthly_part_quota_over_the_nights_left():
    tonight = date(2026, 3, 22)  # 10 nights left in March
    plan = plan_source("nexar", _candidates(tonight), PullQuota(calls_per_minute=60, calls_per_day=1000,
                                                                parts_per_month=100), 20, tonight,
                       max_days_between_pulls=3, parts_used_this_month=40)
    assert len(plan.chosen) == 6 and plan.parts_left_month == 60


def test_round_robin_never_starves_a_part_beyond_the_limit():
    """Thirty nights of a 40-part watchlist, 12 parts a night, 4 of them High: no gap over 3 days."""
    parts = [WatchedPart(f"M{n:02d}", "Acme") for n in range(40)]
    bands = {p.mpn: ("High" if n < 4 else "Low") for n, p in enumerate(parts)}
    last: dict[str, date | None] = {p.mpn: None for p in parts}
    gaps: dict[str, list[int]] = {p.mpn: [] for p in parts}
    start = date(2026, 4, 1)
    quota = PullQuota(calls_per_minute=10, calls_per_day=12)
    for night_number in range(30):
        tonight = start + timedelta(days=night_number)
        plan = plan_source("digikey", [Candidate(p, bands[p.mpn], last[p.mpn]) for p in parts], quota, 1, tonight,
                           max_days_between_pulls=5)
        if night_number >= plan.nights_to_cover:  # after the first round, no due part is left out
            assert plan.due_parts_left_out == 0
        for part in plan.chosen:
            if last[part.mpn] is not None:
                gaps[part.mpn].append((tonight - last[part.mpn]).days)
            last[part.mpn] = tonight
    assert max(max(g) for g in gaps.values() if g) <= 5
    assert all(gaps[p.mpn] == [1] * 29 for p in parts[:4])  # High parts every night
    assert nights_to_cover(40, 4, 12) == 5


def test_policy_defaults_are_the_documented_quotas():
    policy = PullPolicy()
    assert (policy.digikey.calls_per_minute, policy.digikey.calls_per_day) == (120, 1000)
    assert (policy.mouser.calls_per_minute, policy.mouser.calls_per_day) == (30, 1000)
    assert policy.nexar.parts_per_month == 2000


def test_pull_log_schema_is_created_once(tmp_path):
    with duckdb.connect(str(tmp_path / "w.duckdb")) as conn:
        ensure_schemas(conn)
        conn.execute(PULL_LOG_DDL)
        conn.execute(PULL_LOG_DDL)
        columns = [r[0] for r in conn.execute("describe raw.pull_log").fetchall()]
    assert columns[:4] == ["pull_id", "source", "snapshot_date", "request_number"]
    assert {"parts", "http_status", "attempts", "bytes", "file_path", "seconds"} <= set(columns)


# --- the watchlist model, built by `partrisk pull`'s own bootstrap on the session warehouse ---------

def test_watchlist_model_holds_bom_parts_alternates_and_watchlist_csv(built_warehouse, tmp_path, monkeypatch):
    import shutil

    from orchestration.cli import build_watchlist
    from orchestration.pull.runner import read_watchlist, watched_parts

    landing, warehouse = tmp_path / "landing", tmp_path / "partrisk.duckdb"
    for folder in ("boms", "reference"):
        shutil.copytree(built_warehouse.landing / folder, landing / folder)
    (landing / "reference" / "watchlist.csv").write_text("mpn,manufacturer\nlm358baipwr ,TI\n", encoding="utf-8")
    shutil.copy(built_warehouse.warehouse, warehouse)
    for name, value in (("DAGSTER_HOME", tmp_path / "home"), ("PARTRISK_LANDING", landing),
                        ("PARTRISK_WAREHOUSE", warehouse)):
        monkeypatch.setenv(name, str(value))
    build_watchlist(landing, warehouse)

    with duckdb.connect(str(warehouse), read_only=True) as conn:
        watched = {(row["mpn"], row["manufacturer"]) for row in watched_parts(conn).to_pylist()}
        bom_parts = set(conn.execute("select distinct mpn, manufacturer from staging.stg_boms__bom_lines "
                                     "where not is_dnp and mpn is not null and manufacturer is not null "
                                     "and not mpn_is_distributor_sku").fetchall())
        alternates = set(conn.execute(
            "select distinct a.alt_mpn, a.alt_manufacturer from staging.stg_reference__alternates as a "
            "join staging.stg_boms__bom_lines as b on b.mpn = a.mpn and b.manufacturer = a.manufacturer "
            "where not b.is_dnp").fetchall())
        unflagged_bom_spellings = conn.execute(
            "select count(*) from raw.bom_lines as b join intermediate.int_pull_watchlist as w "
            "using (mpn_key, manufacturer_key) where not b.is_dnp and not w.is_bom_part").fetchall()[0][0]
        listed = conn.execute("select is_bom_part, is_alternate, is_listed from intermediate.int_pull_watchlist "
                              "where mpn_key = ?", [basic_mpn("lm358baipwr ")]).fetchall()
        last_day = conn.execute("select max(snapshot_date) from staging.stg_feeds__offers").fetchall()[0][0]
        candidates = read_watchlist(conn, "digikey", last_day)
    assert bom_parts and alternates - bom_parts
    assert bom_parts | alternates <= watched
    assert unflagged_bom_spellings == 0
    assert listed == [(False, False, True)]
    assert ("LM358BAIPWR", "Texas Instruments") in watched
    # Last snapshots come from the feeds up to tonight, bands from marts.part_risk.
    assert any(c.last_snapshot == last_day for c in candidates)
    assert all(c.last_snapshot is None or c.last_snapshot <= last_day for c in candidates)
    assert {c.risk_band for c in candidates} - {None}


def test_mouser_html_instead_of_json_fails_that_batch_only(night, providers):
    providers.scripts["mouser"] = [lambda: Response("<html>maintenance</html>", 200, content_type="text/html")]
    result = pull(night, providers, ["mouser"]).results[0]
    assert (result.parts_failed, result.parts_saved) == (10, 15)
    assert "not a mouser response" in pull_log(night[1])[0]["reason"]


# --- the Dagster asset ------------------------------------------------------------------------------

def test_pull_asset_materializes_tonights_partition_through_dagster(night, providers, monkeypatch):
    import dagster as dg

    from orchestration.defs.pull import build_pull_asset
    from orchestration.defs.resources import WarehouseResource

    landing, warehouse, home = night
    for name, value in {**providers.environ(), "DAGSTER_HOME": str(home)}.items():
        monkeypatch.setenv(name, value)
    today = datetime.now(UTC).date()
    resources = {"warehouse": WarehouseResource(warehouse_path=str(warehouse), landing_path=str(landing))}
    result = dg.materialize([build_pull_asset("mouser")], partition_key=today.isoformat(), resources=resources)
    metadata = result.asset_materializations_for_node("landing__pull_mouser")[0].metadata
    assert metadata["status"].value == "pulled" and metadata["parts_saved"].value == 25 and metadata["calls"].value == 3
    assert len(list((landing / "feeds" / "mouser" / today.isoformat()).glob("pull-*.json.gz"))) == 3
    assert SECRETS["MOUSER_API_KEY"] not in json.dumps({k: str(v.value) for k, v in metadata.items()})
    # An old partition (a backfill, `make demo`) is a quick skip that calls nothing.
    calls = len(providers.requests)
    old = dg.materialize([build_pull_asset("mouser")], partition_key="2025-12-31", resources=resources)
    skipped = old.asset_materializations_for_node("landing__pull_mouser")[0].metadata
    assert skipped["status"].value == "skipped" and "not tonight's" in skipped["reason"].value
    assert len(providers.requests) == calls


def test_first_pull_of_a_new_landing_tree_builds_its_watchlist_without_a_warehouse(small_market, tmp_path, monkeypatch):
    import shutil

    from orchestration.cli import build_watchlist

    landing, warehouse = tmp_path / "landing", tmp_path / "new" / "partrisk.duckdb"
    for folder in ("boms", "reference"):
        shutil.copytree(small_market / folder, landing / folder)
    for name, value in (("DAGSTER_HOME", tmp_path / "home"), ("PARTRISK_LANDING", landing),
                        ("PARTRISK_WAREHOUSE", warehouse)):
        monkeypatch.setenv(name, str(value))
    build_watchlist(landing, warehouse)
    lines: list[str] = []
    report = run_pull(landing, warehouse, TONIGHT, None, dry_run=True, dagster_home=tmp_path / "home",
                      environ={}, progress=lines.append)
    planned = report.results[0].plan
    assert planned.watchlist_parts > 0 and len(planned.chosen) == planned.watchlist_parts  # never pulled: all due
    assert "a real pull would skip digikey" in lines[0]
