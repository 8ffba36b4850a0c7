"""Telling a person that a night failed or is late: a webhook (JSON) and/or a command (the summary on stdin).

`PARTRISK_ALERT_WEBHOOK` is a URL that receives `Alert.payload()` as a JSON POST; `PARTRISK_ALERT_COMMAND` is a
command line (split like a shell's, run without a shell) that receives `Alert.summary` on stdin. Either, both
or neither may be set. The webhook URL often carries a token, so it never appears in a log or an error.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from dataclasses import asdict, dataclass, field

import httpx
import tenacity

WEBHOOK_ENV = "PARTRISK_ALERT_WEBHOOK"
COMMAND_ENV = "PARTRISK_ALERT_COMMAND"
DAGSTER_URL_ENV = "PARTRISK_DAGSTER_URL"
DEFAULT_DAGSTER_URL = "http://127.0.0.1:3000"
WEBHOOK_TIMEOUT_SECONDS = 10.0
WEBHOOK_ATTEMPTS = 3
COMMAND_TIMEOUT_SECONDS = 60.0


class AlertError(RuntimeError):
    """An alert channel that is configured could not deliver."""


@dataclass(frozen=True)
class Alert:
    kind: str  # refresh_failed | refresh_blocked | serving_stale
    night: str | None  # "2025-12-31", or "2025-12-01..2025-12-31" for a range run
    failed: list[str] = field(default_factory=list)  # steps, checks or inputs that failed, most useful first
    run_url: str | None = None
    message: str = ""

    @property
    def summary(self) -> str:
        lines = [f"partrisk {self.kind.replace('_', ' ')}: night {self.night or 'unknown'}"]
        if self.message:
            lines.append(self.message)
        lines += [f"  failed: {item}" for item in self.failed]
        if self.run_url:
            lines.append(f"run: {self.run_url}")
        return "\n".join(lines)

    def payload(self) -> dict:
        return {**asdict(self), "summary": self.summary}


def run_url(run_id: str) -> str:
    """The run's page in the Dagster UI (`PARTRISK_DAGSTER_URL`, default the local webserver)."""
    base = os.environ.get(DAGSTER_URL_ENV, DEFAULT_DAGSTER_URL).rstrip("/")
    return f"{base}/runs/{run_id}"


def night_label(first, last) -> str | None:
    if first is None:
        return None
    return str(first) if last is None or last == first else f"{first}..{last}"


def send(alert: Alert) -> list[str]:
    """Deliver the alert on every configured channel; returns the channels used.

    Every channel is tried before a failure is raised, so a dead webhook does not silence the command.
    """
    sent, errors = [], []
    channels = (("webhook", WEBHOOK_ENV, lambda url: post_webhook(url, alert.payload())),
                ("command", COMMAND_ENV, lambda command: run_command(command, alert)))
    for name, variable, deliver in channels:
        if target := os.environ.get(variable):
            try:
                deliver(target)
                sent.append(name)
            except AlertError as error:
                errors.append(str(error))
    if errors:
        raise AlertError("; ".join(errors))
    return sent


class _RetryableStatus(Exception):
    def __init__(self, status: int):
        super().__init__(f"HTTP {status}")
        self.status = status


def post_webhook(url: str, payload: dict) -> None:
    """POST the JSON payload; retried on connection errors and 5xx, never echoing the URL."""
    retrying = tenacity.Retrying(
        stop=tenacity.stop_after_attempt(WEBHOOK_ATTEMPTS),
        wait=tenacity.wait_exponential_jitter(multiplier=0.5, max=5),
        retry=tenacity.retry_if_exception_type((httpx.TransportError, _RetryableStatus)),
        reraise=True,
    )
    try:
        for attempt in retrying:
            with attempt:
                response = httpx.post(url, json=payload, timeout=WEBHOOK_TIMEOUT_SECONDS)
                if response.status_code >= 500:
                    raise _RetryableStatus(response.status_code)
                if response.status_code >= 400:
                    raise AlertError(f"alert webhook ({WEBHOOK_ENV}) refused the alert: HTTP {response.status_code}")
    except _RetryableStatus as error:
        raise AlertError(f"alert webhook ({WEBHOOK_ENV}) failed {WEBHOOK_ATTEMPTS} times: HTTP {error.status}") from None
    except httpx.TransportError as error:
        raise AlertError(f"alert webhook ({WEBHOOK_ENV}) unreachable after {WEBHOOK_ATTEMPTS} tries: "
                         f"{type(error).__name__}") from None


def run_command(command: str, alert: Alert) -> None:
    """Run the command with the summary on stdin and the alert's fields in PARTRISK_ALERT_* variables."""
    env = {**os.environ, "PARTRISK_ALERT_KIND": alert.kind, "PARTRISK_ALERT_NIGHT": alert.night or "",
           "PARTRISK_ALERT_RUN_URL": alert.run_url or ""}
    env.pop(WEBHOOK_ENV, None)
    try:
        completed = subprocess.run(shlex.split(command), input=alert.summary, text=True, env=env,
                                   capture_output=True, timeout=COMMAND_TIMEOUT_SECONDS, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise AlertError(f"alert command ({COMMAND_ENV}) could not run: {error}") from None
    if completed.returncode != 0:
        tail = completed.stderr.strip().splitlines()[-1:] or [""]
        raise AlertError(f"alert command ({COMMAND_ENV}) exited {completed.returncode}: {tail[0]}")
