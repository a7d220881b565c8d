"""OAuth: where a portal's sign-in and token endpoints are, and token keeping: one refresh
for any number of concurrent `expired_token` answers.

docs (settings/oauth): access tokens live an hour, refresh tokens 180 days; on
`expired_token` get a new pair from the OAuth server, store it (the old refresh token stops
working) and repeat the call. The pair is kept in memory and, if configured, in a token file
written atomically with mode 0600 so a restart does not fall back to a dead refresh token.

Endpoints (`oauth_endpoints`): a person always signs in on the portal itself
(`<portal>/oauth/authorize/`, cloud and on-premise alike); codes and refresh tokens are
traded at the OAuth server's `/oauth/token/`: the cloud's `https://oauth.bitrix.info` unless
`BITRIX24_OAUTH_SERVER` names another, or `portal` for an on-premise portal's own.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import anyio
import httpx2

from bitrix24_scrum_mcp.certificates import CertificateError, connect_failure
from bitrix24_scrum_mcp.config import DEFAULT_OAUTH_SERVER, OAuth, Secret
from bitrix24_scrum_mcp.errors import AuthError, Bitrix24Error
from bitrix24_scrum_mcp.json_types import is_object

logger = logging.getLogger(__name__)


class TokenSource(Protocol):
    """What the REST client needs of an OAuth identity: `TokenKeeper` for the configured
    tokens, `team.person_tokens.PersonTokens` for a person signed in to a team server."""

    @property
    def current(self) -> Secret: ...

    @property
    def can_refresh(self) -> bool: ...

    async def refresh(self, cause: AuthError, used: Secret | None = None) -> None: ...


@dataclass(frozen=True, slots=True)
class OAuthEndpoints:
    authorize: str  # where a person signs in and grants the application access
    token: str  # where an authorization code or a refresh token is traded for tokens


def oauth_endpoints(portal_origin: str, oauth_server: str = DEFAULT_OAUTH_SERVER) -> OAuthEndpoints:
    """The sign-in and token endpoints for a portal and its OAuth server (`OAuth.oauth_server`,
    as `config.read_oauth_server` resolves `BITRIX24_OAUTH_SERVER`).

    docs (settings/oauth): "the application sends the user to their Bitrix24 to authorize",
    so the authorize endpoint is the portal's own even for the cloud; the token endpoint is
    the OAuth server's (oauth.bitrix.info for the cloud, and for on-premise portals that reach
    it; the portal itself for those that issue their own tokens).
    """
    return OAuthEndpoints(
        authorize=f"{portal_origin.rstrip('/')}/oauth/authorize/",
        token=f"{oauth_server.rstrip('/')}/oauth/token/",
    )


class TokenKeeper:
    def __init__(self, oauth: OAuth, http: httpx2.AsyncClient) -> None:
        self._oauth = oauth
        self._http = http
        self._access = oauth.access_token
        self._refresh = oauth.refresh_token
        self._lock = anyio.Lock()
        self._failed: tuple[Secret, AuthError] | None = None
        self.refreshes = 0
        if oauth.token_file is not None:
            self._load(oauth.token_file)

    @property
    def access_token(self) -> str:
        return self._access.reveal()

    @property
    def current(self) -> Secret:
        """The access token to send now; pass it back to `refresh` if it turns out expired."""
        return self._access

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
        if is_object(saved) and saved.get("access_token") and saved.get("refresh_token"):
            self._access = Secret(str(saved["access_token"]))
            self._refresh = Secret(str(saved["refresh_token"]))

    async def refresh(self, cause: AuthError, used: Secret | None = None) -> None:
        """Replace the expired token `used` (default: the current one) with a new pair.

        Any number of calls that saw the same token expire share one refresh: a call that
        finds the token already replaced returns at once, and one that finds the refresh of
        its token already refused gets that refusal without asking the server again.
        """
        used = used if used is not None else self._access
        async with self._lock:
            if self._access != used:
                return  # another call refreshed since this call sent its request
            if self._failed is not None and self._failed[0] == used:
                failure = self._failed[1]
                raise AuthError(
                    failure.error,
                    failure.description,
                    method=cause.method,
                    http_status=cause.http_status,
                )
            try:
                await self._refresh_now(cause)
            except AuthError as exc:
                self._failed = (used, exc)
                raise

    async def _refresh_now(self, cause: AuthError) -> None:
        assert self._refresh is not None and self._oauth.client_secret is not None
        params = {
            "grant_type": "refresh_token",
            "client_id": self._oauth.client_id or "",
            "client_secret": self._oauth.client_secret.reveal(),
            "refresh_token": self._refresh.reveal(),
        }
        token_url = oauth_endpoints(self._oauth.origin, self._oauth.oauth_server).token
        try:
            response = await self._http.get(token_url, params=params)
            data: Any = json.loads(response.content)
        except (httpx2.HTTPError, ValueError, RecursionError) as exc:
            reason = type(exc).__name__
            if isinstance(exc, httpx2.ConnectError):
                failure = connect_failure(exc, cause.method)
                if isinstance(failure, CertificateError):
                    reason = failure.description  # which check failed, what to set
            raise AuthError(
                "expired_token",
                f"the access token expired and refreshing it failed ({reason})",
                method=cause.method,
                http_status=cause.http_status,
            ) from None
        if not is_object(data) or not data.get("access_token") or data.get("error"):
            reason = data.get("error") if is_object(data) else None
            if not isinstance(reason, str) or not reason:
                reason = "no access_token in the answer"
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
        self._failed = None
        logger.info("OAuth token refreshed")
        if self._oauth.token_file is not None:
            try:
                self._save(self._oauth.token_file)
            except Bitrix24Error as exc:
                # The new pair works in memory, so this call goes on; a restart would fall
                # back to a dead refresh token, so say so loudly.
                logger.error("%s; the new tokens are kept in memory only", exc.description)

    def _save(self, path: Path) -> None:
        assert self._refresh is not None
        payload = json.dumps(
            {"access_token": self._access.reveal(), "refresh_token": self._refresh.reveal()}
        )
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tokens-")
        except OSError:
            raise Bitrix24Error(f"could not save refreshed tokens to {path}") from None
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
