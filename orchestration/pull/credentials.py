"""Provider credentials, read only from the environment, and the redaction that keeps them out of output."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

ENV_NAMES: dict[str, tuple[str, ...]] = {
    "digikey": ("DIGIKEY_CLIENT_ID", "DIGIKEY_CLIENT_SECRET"),
    "mouser": ("MOUSER_API_KEY",),
    "nexar": ("NEXAR_CLIENT_ID", "NEXAR_CLIENT_SECRET"),
}
REDACTED = "***"


@dataclass(frozen=True)
class Credentials:
    source: str
    values: dict[str, str] = field(repr=False)

    def __repr__(self) -> str:  # never print a key, even in a traceback's locals
        return f"Credentials({self.source}, {REDACTED})"

    def get(self, name: str) -> str:
        return self.values[name]

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(self.values.values())


def load_credentials(source: str, environ: dict[str, str] | None = None) -> Credentials | None:
    """The source's keys from the environment, or None when any of them is missing or empty."""
    environ = os.environ if environ is None else environ
    values = {name: environ.get(name, "").strip() for name in ENV_NAMES[source]}
    if not all(values.values()):
        return None
    return Credentials(source, values)


def missing_variables(source: str, environ: dict[str, str] | None = None) -> list[str]:
    environ = os.environ if environ is None else environ
    return [name for name in ENV_NAMES[source] if not environ.get(name, "").strip()]


class Redactor:
    """Replaces every known secret (keys and tokens) in a text; tokens are added as they are issued."""

    def __init__(self, secrets: tuple[str, ...] = ()) -> None:
        self._secrets: set[str] = {s for s in secrets if s}

    def add(self, secret: str | None) -> None:
        if secret:
            self._secrets.add(secret)

    def __call__(self, text: object) -> str:
        text = str(text)
        for secret in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(secret, REDACTED)
        # A key passed in a query string is redacted even when it is not a known secret (a proxy's own).
        return re.sub(r"(?i)(apikey|client_secret|access_token)=[^&\s\"']+", rf"\1={REDACTED}", text)
