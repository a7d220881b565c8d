# pyright: strict
"""The Bitrix24 OAuth server, as a team server talks to it: sign a person in, renew their pair.

docs (settings/oauth): the browser goes to `<portal>/oauth/authorize/?client_id=..&state=..`;
the portal sends it back to the application's handler with `code` (valid 30 seconds),
`state`, `domain` and `member_id`; the application trades the code at
`<oauth server>/oauth/token/?grant_type=authorization_code&client_id&client_secret&code` for
the person's pair (`access_token` for an hour, `refresh_token` for 180 days, `user_id`,
`domain`, `member_id`), and renews it with `grant_type=refresh_token` (the old refresh token
stops working). The client secret goes to the OAuth server only, never to the portal.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import urlencode

import httpx2

from bitrix24_scrum_mcp.oauth import oauth_endpoints
from bitrix24_scrum_mcp.redact import REDACTOR
from bitrix24_scrum_mcp.team.settings import SignIn


@dataclass(frozen=True, slots=True)
class PortalGrant:
    """A person's Bitrix24 pair, as the OAuth server gave it."""

    access_token: str
    refresh_token: str
    expires_at: float
    user_id: int
    domain: str
    member_id: str

    def record(self) -> dict[str, Any]:
        return {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "expires_at": self.expires_at,
            "user_id": self.user_id,
            "domain": self.domain,
            "member_id": self.member_id,
        }

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> PortalGrant:
        return cls(
            access_token=str(record["access_token"]),
            refresh_token=str(record["refresh_token"]),
            expires_at=float(record["expires_at"]),
            user_id=int(record["user_id"]),
            domain=str(record["domain"]),
            member_id=str(record["member_id"]),
        )


class PortalGrantError(Exception):
    """The OAuth server refused (`refused`: sign in again) or could not be asked."""

    def __init__(self, reason: str, *, refused: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.refused = refused


def authorize_url(sign_in: SignIn, state: str) -> str:
    """Where a person's browser goes to sign in (the portal's own page)."""
    query = urlencode(
        {
            "client_id": sign_in.client_id,
            "state": state,
            "redirect_uri": sign_in.callback_url,
            "response_type": "code",
        }
    )
    return f"{oauth_endpoints(sign_in.portal, sign_in.oauth_server).authorize}?{query}"


async def exchange_code(http: httpx2.AsyncClient, sign_in: SignIn, code: str) -> PortalGrant:
    """The person's first pair, for the code the portal sent their browser back with."""
    return await _token(http, sign_in, {"grant_type": "authorization_code", "code": code})


async def renew(http: httpx2.AsyncClient, sign_in: SignIn, refresh_token: str) -> PortalGrant:
    """A new pair; the refresh token given stops working."""
    return await _token(
        http, sign_in, {"grant_type": "refresh_token", "refresh_token": refresh_token}
    )


async def _token(http: httpx2.AsyncClient, sign_in: SignIn, grant: dict[str, str]) -> PortalGrant:
    params = {
        **grant,
        "client_id": sign_in.client_id,
        "client_secret": sign_in.client_secret.reveal(),
    }
    spent = grant.get("code") or grant["refresh_token"]
    REDACTOR.add(spent)  # the request line (httpx logs it) carries it in its query
    try:
        token_url = oauth_endpoints(sign_in.portal, sign_in.oauth_server).token
        response = await http.get(token_url, params=params)
        data: Any = json.loads(response.content)
    except (httpx2.HTTPError, ValueError, RecursionError) as exc:
        raise PortalGrantError(
            f"the Bitrix24 OAuth server did not answer ({type(exc).__name__})", refused=False
        ) from None
    finally:
        REDACTOR.discard(spent)  # used up either way: a code works once, a refresh token too
    if not isinstance(data, dict):
        raise PortalGrantError("the Bitrix24 OAuth server's answer is not an object", refused=False)
    answer = cast(dict[str, Any], data)
    error = answer.get("error")
    if error or response.status_code >= 400:
        reason = error if isinstance(error, str) and error else f"HTTP {response.status_code}"
        raise PortalGrantError(reason, refused=response.status_code < 500)
    try:
        for key in ("access_token", "refresh_token"):
            REDACTOR.add(_text(answer, key))  # live secrets: masked wherever they turn up
        return PortalGrant(
            access_token=_text(answer, "access_token"),
            refresh_token=_text(answer, "refresh_token"),
            expires_at=time.time() + float(answer.get("expires_in") or 3600),
            user_id=int(answer["user_id"]),
            domain=str(answer.get("domain") or ""),
            member_id=str(answer.get("member_id") or ""),
        )
    except (KeyError, TypeError, ValueError):
        raise PortalGrantError(
            "the Bitrix24 OAuth server's answer lacks the tokens or user_id", refused=False
        ) from None


def _text(answer: dict[str, Any], key: str) -> str:
    value = answer[key]
    if not isinstance(value, str) or not value:
        raise ValueError(key)
    return value
