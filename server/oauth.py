"""OAuth token keeping: one refresh for any number of concurrent `expired_token` answers.

docs (settings/oauth): access tokens live an hour, refresh tokens 180 days; on
`expired_token` get a new pair from oauth.bitrix.info, store it (the old refresh token stops
working) and repeat the call. The pair is kept in memory and, if configured, in a token file
written atomically with mode 0600 so a restart does not fall back to a dead refresh token.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

import anyio
import httpx2

from server.config import OAuth, Secret
from server.errors import AuthError, Bitrix24Error

logger = logging.getLogger(__name__)


class TokenKeeper:
    def __init__(self, oauth: OAuth, http: httpx2.AsyncClient) -> None:
        self._oauth = oauth
        self._http = http
        self._access = oauth.access_token
        self._refresh = oauth.refresh_token
        self._lock = anyio.Lock()
        self.refreshes = 0
        if oauth.token_file is not None:
            self._load(oauth.token_file)

    @property
    def access_token(self) -> str:
        return self._access.reveal()

    @property
    def can_refresh(self) -> bool:
        return self._refresh is not None and self._oauth.can_refresh

    def _load(self, path: Path) -> None:
        """Prefer tokens saved by an earlier refresh over the (older) environment ones."""
        try:
            saved = json.loads(path.read_text())
        except FileNotFoundError:
            return
        except (OSError, ValueError):
            logger.warning("ignoring unreadable token file %s", path)
            return
        if isinstance(saved, dict) and saved.get("access_token") and saved.get("refresh_token"):
            self._access = Secret(str(saved["access_token"]))
            self._refresh = Secret(str(saved["refresh_token"]))

    async def refresh(self, cause: AuthError) -> None:
        """Get a new token pair, unless a concurrent call already did since `cause` was seen."""
        used = self._access
        async with self._lock:
            if self._access != used:
                return  # another call refreshed while we waited for the lock
            await self._refresh_now(cause)

    async def _refresh_now(self, cause: AuthError) -> None:
        assert self._refresh is not None and self._oauth.client_secret is not None
        params = {
            "grant_type": "refresh_token",
            "client_id": self._oauth.client_id or "",
            "client_secret": self._oauth.client_secret.reveal(),
            "refresh_token": self._refresh.reveal(),
        }
        try:
            response = await self._http.get(
                f"{self._oauth.oauth_server}/oauth/token/", params=params
            )
            data: Any = response.json()
        except (httpx2.HTTPError, ValueError) as exc:
            raise AuthError(
                "expired_token",
                f"the access token expired and refreshing it failed ({type(exc).__name__})",
                method=cause.method,
                http_status=cause.http_status,
            ) from None
        if not isinstance(data, dict) or not data.get("access_token") or data.get("error"):
            reason = (
                data.get("error", "no access_token") if isinstance(data, dict) else "bad answer"
            )
            raise AuthError(
                "expired_token",
                f"the access token expired and the refresh was refused ({reason}); "
                "authorize the application again",
                method=cause.method,
                http_status=cause.http_status,
            )
        self._access = Secret(str(data["access_token"]))
        if data.get("refresh_token"):
            self._refresh = Secret(str(data["refresh_token"]))
        self.refreshes += 1
        logger.info("OAuth token refreshed")
        if self._oauth.token_file is not None:
            self._save(self._oauth.token_file)

    def _save(self, path: Path) -> None:
        assert self._refresh is not None
        payload = json.dumps(
            {"access_token": self._access.reveal(), "refresh_token": self._refresh.reveal()}
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tokens-")
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(payload)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        except OSError:
            Path(tmp).unlink(missing_ok=True)
            raise Bitrix24Error(f"could not save refreshed tokens to {path}") from None
