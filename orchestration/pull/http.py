"""HTTP for the pulls: httpx with timeouts, a per-minute rate limit, tenacity retries on 429 and outages.

Every attempt (retries included) passes the rate limiter and is counted, because providers count
attempts against their quotas. A 429 waits for its `Retry-After` plus jitter; a `Retry-After` longer
than `MAX_RETRY_AFTER_SECONDS` means the provider's daily window is spent, so the source stops.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

import httpx
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

TIMEOUT = httpx.Timeout(30.0, connect=10.0)
RETRY_STATUSES = frozenset({429, 502, 503, 504})
MAX_ATTEMPTS = 4
MAX_RETRY_AFTER_SECONDS = 120.0
JITTER_SECONDS = 1.0


class RateLimiter:
    """At most `calls` sends in any window of `period_seconds` (a sliding window of send times)."""

    def __init__(self, calls: int, period_seconds: float = 60.0,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> None:
        if calls <= 0:
            raise ValueError(f"a rate limit needs at least one call per window, got {calls}")
        self.calls, self.period = calls, period_seconds
        self.clock, self.sleep = clock, sleep
        self._sent: deque[float] = deque()
        self._lock = threading.Lock()

    def acquire(self) -> None:
        with self._lock:
            while True:
                now = self.clock()
                while self._sent and now - self._sent[0] >= self.period:
                    self._sent.popleft()
                if len(self._sent) < self.calls:
                    self._sent.append(now)
                    return
                self.sleep(self.period - (now - self._sent[0]))


class RetryableResponse(Exception):
    def __init__(self, response: httpx.Response) -> None:
        super().__init__(f"HTTP {response.status_code}")
        self.response = response


class QuotaSpent(Exception):
    """The provider asked to wait longer than a night's pull can: its window is used up."""


@dataclass
class Sent:
    response: httpx.Response
    attempts: int


def retry_after_seconds(response: httpx.Response, now: float | None = None) -> float | None:
    """`Retry-After` as seconds (a number or an HTTP date), None when absent or unreadable."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        return None
    return max(0.0, moment - (time.time() if now is None else now))


class _WaitRetryAfter:
    """Retry-After plus jitter when the provider sent one, else exponential backoff with jitter."""

    def __init__(self, jitter: float) -> None:
        self.jitter = jitter
        self.backoff = wait_exponential_jitter(initial=1, max=30, jitter=jitter)

    def __call__(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, RetryableResponse):
            seconds = retry_after_seconds(error.response)
            if seconds is not None:
                return seconds + random.uniform(0, self.jitter)
        return self.backoff(state)


def send(client: httpx.Client, limiter: RateLimiter, build: Callable[[], httpx.Request], *,
         max_attempts: int = MAX_ATTEMPTS, jitter: float = JITTER_SECONDS,
         sleep: Callable[[float], None] = time.sleep) -> Sent:
    """Send the request, retrying 429/502/503/504 and transport errors; the last response is returned.

    `build` makes a fresh request per attempt (a renewed token applies). After the last attempt a
    retryable status is returned as it is, for the caller to log; a transport error is raised.
    """
    attempts = 0

    def attempt() -> httpx.Response:
        nonlocal attempts
        attempts += 1
        limiter.acquire()
        response = client.send(build())
        if response.status_code in RETRY_STATUSES:
            wait = retry_after_seconds(response)
            if wait is not None and wait > MAX_RETRY_AFTER_SECONDS:
                raise QuotaSpent(f"HTTP {response.status_code} with Retry-After {wait:.0f}s")
            raise RetryableResponse(response)
        return response

    retrying = Retrying(
        retry=retry_if_exception_type((RetryableResponse, httpx.TransportError)),
        wait=_WaitRetryAfter(jitter), stop=stop_after_attempt(max_attempts), sleep=sleep, reraise=True,
    )
    try:
        response = retrying(attempt)
    except RetryableResponse as exhausted:
        response = exhausted.response
    return Sent(response, attempts)


def new_client(transport: httpx.BaseTransport | None = None) -> httpx.Client:
    # httpx logs every URL at INFO, and Mouser's key travels in the query string.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    return httpx.Client(timeout=TIMEOUT, transport=transport, follow_redirects=False,
                        headers={"User-Agent": "partrisk-pull"})
