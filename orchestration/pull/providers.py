"""What each provider is asked, how many parts fit in one call, and what its answers mean.

A provider builds one request for a batch of watched parts and reads the response into a `Verdict`:
`saved` (write the body to the landing tree as it came), `auth` (renew the token once and retry),
`stop` (the source is done for tonight: quota spent or key refused) or `failed` (this batch only).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

import httpx

from orchestration.pull.credentials import Credentials, Redactor
from orchestration.pull.tokens import TokenCache

DEFAULT_URLS = {
    "PARTRISK_DIGIKEY_API_URL": "https://api.digikey.com",
    "PARTRISK_MOUSER_API_URL": "https://api.mouser.com",
    "PARTRISK_NEXAR_API_URL": "https://api.nexar.com",
    "PARTRISK_NEXAR_TOKEN_URL": "https://identity.nexar.com/connect/token",
}


def url(name: str, environ: dict[str, str] | None = None) -> str:
    environ = os.environ if environ is None else environ
    return (environ.get(name) or DEFAULT_URLS[name]).rstrip("/")


@dataclass(frozen=True)
class WatchedPart:
    mpn: str
    manufacturer: str
    mpn_raw: str | None = None
    manufacturer_raw: str | None = None

    @property
    def query(self) -> str:
        """The MPN as the company writes it; providers match that spelling best."""
        return (self.mpn_raw or self.mpn).strip()


@dataclass(frozen=True)
class Verdict:
    outcome: str  # saved | auth | stop | failed
    reason: str = ""
    parts_returned: int = 0


class AuthError(Exception):
    """A token endpoint refused the credentials (the message never carries them)."""


class Provider:
    source = ""
    batch_size = 1
    credential_prefix = ""  # set for OAuth providers: <prefix>_CLIENT_ID and <prefix>_CLIENT_SECRET

    def __init__(self, credentials: Credentials, tokens: TokenCache, redactor: Redactor,
                 environ: dict[str, str] | None = None) -> None:
        self.credentials, self.tokens, self.redactor = credentials, tokens, redactor
        self.environ = os.environ if environ is None else environ
        for secret in credentials.secrets:
            redactor.add(secret)

    def request(self, client: httpx.Client, parts: list[WatchedPart]) -> httpx.Request:
        raise NotImplementedError

    def verdict(self, response: httpx.Response) -> Verdict:
        raise NotImplementedError

    def renew(self, client: httpx.Client) -> None:
        """Forget the cached token; the next request fetches a new one."""
        if self.credential_prefix:
            self.tokens.drop(self.source, self.credentials.get(f"{self.credential_prefix}_CLIENT_ID"))

    def _token(self, client: httpx.Client, token_url: str, **form: str) -> str:
        """An OAuth client-credentials token: the cached one while it lasts, else a new one from token_url."""
        client_id = self.credentials.get(f"{self.credential_prefix}_CLIENT_ID")
        cached = self.tokens.get(self.source, client_id)
        if cached is not None:
            self.redactor.add(cached.access_token)
            return cached.access_token
        response = client.post(token_url, data={
            "client_id": client_id, "client_secret": self.credentials.get(f"{self.credential_prefix}_CLIENT_SECRET"),
            "grant_type": "client_credentials", **form})
        if response.status_code != 200:
            raise AuthError(f"{self.source} token endpoint answered HTTP {response.status_code}: "
                            f"{self.redactor(_error_text(response))}")
        body = response.json()
        if "access_token" not in body or "expires_in" not in body:
            raise AuthError(f"{self.source} token endpoint answered without access_token/expires_in")
        self.redactor.add(body["access_token"])
        return self.tokens.put(self.source, client_id, body["access_token"], body["expires_in"]).access_token


def _error_text(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    if isinstance(body, dict):
        for key in ("ErrorMessage", "detail", "error_description", "message", "error", "title"):
            if body.get(key):
                return str(body[key])[:200]
    return json.dumps(body)[:200]


class DigiKey(Provider):
    """Product Information v4 KeywordSearch, one part per call (exact matches come first)."""

    source = "digikey"
    batch_size = 1
    credential_prefix = "DIGIKEY"

    @property
    def base(self) -> str:
        return url("PARTRISK_DIGIKEY_API_URL", self.environ)

    def request(self, client: httpx.Client, parts: list[WatchedPart]) -> httpx.Request:
        (part,) = parts
        return client.build_request(
            "POST", f"{self.base}/products/v4/search/keyword",
            json={"Keywords": part.query, "Limit": 10, "Offset": 0},
            headers={"Authorization": f"Bearer {self._token(client, f'{self.base}/v1/oauth2/token')}",
                     "X-DIGIKEY-Client-Id": self.credentials.get("DIGIKEY_CLIENT_ID"),
                     "X-DIGIKEY-Locale-Site": "US", "X-DIGIKEY-Locale-Language": "en",
                     "X-DIGIKEY-Locale-Currency": "USD"})

    def verdict(self, response: httpx.Response) -> Verdict:
        status = response.status_code
        if status == 200:
            body = response.json()
            found = len(body.get("Products") or []) + len(body.get("ExactMatches") or [])
            if response.headers.get("X-RateLimit-Remaining") == "0":
                return Verdict("saved", "X-RateLimit-Remaining is 0: the day's calls are used", found)
            return Verdict("saved", parts_returned=found)
        if status == 401:
            return Verdict("auth", f"HTTP 401: {_error_text(response)}")
        if status == 429:
            return Verdict("failed", f"HTTP 429 after every retry (burst limit): {_error_text(response)}")
        if status == 403:
            return Verdict("stop", f"HTTP 403, the key was refused: {_error_text(response)}")
        return Verdict("failed", f"HTTP {status}: {_error_text(response)}")


class Mouser(Provider):
    """Search API part-number search: up to 10 part numbers per call, separated by `|`."""

    source = "mouser"
    batch_size = 10

    def request(self, client: httpx.Client, parts: list[WatchedPart]) -> httpx.Request:
        base = url("PARTRISK_MOUSER_API_URL", self.environ)
        return client.build_request(
            "POST", f"{base}/api/v1/search/partnumber",
            params={"apiKey": self.credentials.get("MOUSER_API_KEY")},
            json={"SearchByPartRequest": {"mouserPartNumber": "|".join(p.query for p in parts),
                                          "partSearchOptions": "Exact"}})

    def verdict(self, response: httpx.Response) -> Verdict:
        status = response.status_code
        if status in (401, 403):
            return Verdict("stop", f"HTTP {status}, the API key was refused: {_error_text(response)}")
        if status == 429:
            return Verdict("failed", f"HTTP 429 after every retry (burst limit): {_error_text(response)}")
        if status != 200:
            return Verdict("failed", f"HTTP {status}: {_error_text(response)}")
        body = response.json()
        errors = body.get("Errors") or []
        parts = ((body.get("SearchResults") or {}).get("Parts")) or []
        if errors and not parts:
            reason = "; ".join(": ".join(str(e.get(k)) for k in ("Code", "Message") if e.get(k))
                               for e in errors if isinstance(e, dict))
            lowered = reason.lower()
            if any(word in lowered for word in ("api key", "apikey", "unauthori", "exceeded", "too many", "maximum")):
                return Verdict("stop", f"Mouser Errors[]: {reason}")
            return Verdict("failed", f"Mouser Errors[]: {reason}")
        return Verdict("saved", parts_returned=len(parts))


NEXAR_QUERY = """
query partriskMultiMatch($queries: [SupPartMatchQuery!]!) {
  supMultiMatch(queries: $queries) {
    reference
    parts {
      mpn
      manufacturer { name }
      category { path }
      shortDescription
      totalAvail
      estimatedFactoryLeadDays
      medianPrice1000 { price currency }
      specs { attribute { shortname } displayValue value }
      sellers {
        company { name }
        country
        isAuthorized
        isBroker
        offers {
          sku inventoryLevel moq orderMultiple packaging factoryLeadDays updated
          prices { quantity price currency }
        }
      }
    }
  }
}
""".strip()
NEXAR_AUTH_CODES = {"AuthExpiredToken", "AuthInvalidToken", "AUTH_NOT_AUTHENTICATED", "AuthMissingToken"}


class Nexar(Provider):
    """GraphQL supMultiMatch, 20 part queries per call, one best match each (the quota counts parts returned)."""

    source = "nexar"
    batch_size = 20
    credential_prefix = "NEXAR"

    def request(self, client: httpx.Client, parts: list[WatchedPart]) -> httpx.Request:
        queries = [{"mpn": p.query, "manufacturer": p.manufacturer_raw or p.manufacturer, "limit": 1,
                    "reference": f"{p.mpn}|{p.manufacturer}"} for p in parts]
        return client.build_request(
            "POST", f"{url('PARTRISK_NEXAR_API_URL', self.environ)}/graphql",
            json={"query": NEXAR_QUERY, "variables": {"queries": queries}},
            headers={"Authorization": "Bearer " + self._token(
                client, url("PARTRISK_NEXAR_TOKEN_URL", self.environ), scope="supply.domain")})

    def verdict(self, response: httpx.Response) -> Verdict:
        status = response.status_code
        text = response.text
        if status == 500 and "exceeded your part limit" in text.lower():
            return Verdict("stop", "HTTP 500: exceeded your part limit (the month's parts are used)")
        if status == 401:
            return Verdict("auth", f"HTTP 401: {_error_text(response)}")
        if status != 200:
            return Verdict("failed", f"HTTP {status}: {_error_text(response)}")
        body = response.json()
        errors = [e for e in body.get("errors") or [] if isinstance(e, dict)]
        codes = {str((e.get("extensions") or {}).get("code")) for e in errors}
        if codes & NEXAR_AUTH_CODES:
            return Verdict("auth", f"GraphQL {', '.join(sorted(codes & NEXAR_AUTH_CODES))}")
        matches = ((body.get("data") or {}).get("supMultiMatch"))
        if matches is None:
            messages = "; ".join(f"{(e.get('extensions') or {}).get('code', '')} {e.get('message', '')}".strip()
                                 for e in errors)
            return Verdict("failed", f"GraphQL errors: {messages or 'no data'}")
        returned = sum(len((m or {}).get("parts") or []) for m in matches)
        return Verdict("saved", parts_returned=returned)


PROVIDERS: dict[str, type[Provider]] = {"digikey": DigiKey, "mouser": Mouser, "nexar": Nexar}
