"""OAuth2 client-credentials tokens, cached under DAGSTER_HOME with mode 0600.

A token is reused until `expires_in` (as the provider said it, never assumed) minus a safety margin.
The cache file is keyed by the source and a hash of the client id; it never holds the client secret.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

# A token this close to its expiry is renewed before use, so it cannot expire mid-request.
EXPIRY_MARGIN_SECONDS = 60


@dataclass(frozen=True)
class Token:
    access_token: str
    expires_at: float

    def is_fresh(self, now: float) -> bool:
        return now < self.expires_at - EXPIRY_MARGIN_SECONDS


class TokenCache:
    def __init__(self, folder: Path, clock=time.time) -> None:
        self.folder = Path(folder)
        self.clock = clock

    def _path(self, source: str, client_id: str) -> Path:
        digest = hashlib.sha256(client_id.encode()).hexdigest()[:16]
        return self.folder / f"{source}-{digest}.json"

    def get(self, source: str, client_id: str) -> Token | None:
        path = self._path(source, client_id)
        try:
            stored = json.loads(path.read_text(encoding="utf-8"))
            token = Token(str(stored["access_token"]), float(stored["expires_at"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return token if token.is_fresh(self.clock()) else None

    def put(self, source: str, client_id: str, access_token: str, expires_in: float) -> Token:
        token = Token(access_token, self.clock() + float(expires_in))
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = self._path(source, client_id)
        temporary = path.with_suffix(".tmp")
        # Created 0600 from the first byte: the token is never readable by others, not even briefly.
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump({"access_token": token.access_token, "expires_at": token.expires_at}, handle)
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
        return token

    def drop(self, source: str, client_id: str) -> None:
        self._path(source, client_id).unlink(missing_ok=True)
