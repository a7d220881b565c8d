"""The OAuth server's refresh endpoint (`oauth.bitrix.info/oauth/token/`), on the same app.

A refresh rotates the pair: the new refresh token replaces the old one, which stops
working; the old access token stays valid until it expires. Errors are the OAuth 2.0
ones the docs name (`invalid_request`, `invalid_grant`, `invalid_client`) with RFC 6749
statuses (400, 400, 401); their descriptions are ours, as the docs give none.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from bitrix24_scrum_mcp.sandbox.portal import Portal
from bitrix24_scrum_mcp.sandbox.wire import read_params

ACCESS_TTL_S = 3600
MEMBER_ID = "5a4f0e7c2b9d4c1e8f3a6b0d9e2c7f41"


def _oauth_error(code: str, description: str, status: int) -> JSONResponse:
    return JSONResponse({"error": code, "error_description": description}, status_code=status)


async def token_endpoint(request: Request) -> JSONResponse:
    portal: Portal = request.app.state.portal
    params = await read_params(request)
    grant_type = params.get("grant_type")
    refresh_token = params.get("refresh_token")
    if grant_type != "refresh_token" or not isinstance(refresh_token, str) or not refresh_token:
        return _oauth_error(
            "invalid_request", "grant_type=refresh_token and refresh_token are required", 400
        )
    store = portal.store
    with store.transaction():
        row = store.one("SELECT * FROM oauth_tokens WHERE refresh_token = ?", (refresh_token,))
        if row is None:
            return _oauth_error("invalid_grant", "The refresh token is invalid or expired", 400)
        if row["client_id"] is not None and (
            params.get("client_id") != row["client_id"]
            or params.get("client_secret") != row["client_secret"]
        ):
            return _oauth_error("invalid_client", "The client credentials are invalid", 401)
        access, refresh = secrets.token_hex(35), secrets.token_hex(35)
        now = portal.wall_clock()
        store.run(
            "UPDATE oauth_tokens SET refresh_token = NULL WHERE access_token = ?",
            (row["access_token"],),
        )
        store.run(
            "INSERT INTO oauth_tokens (access_token, refresh_token, user_id, expires_at, "
            "client_id, client_secret, scopes) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                access,
                refresh,
                row["user_id"],
                now + ACCESS_TTL_S,
                row["client_id"],
                row["client_secret"],
                row["scopes"],
            ),
        )
    base = str(request.base_url).rstrip("/")
    body: dict[str, Any] = {
        "access_token": access,
        "expires": int(now) + ACCESS_TTL_S,
        "expires_in": ACCESS_TTL_S,
        "scope": ",".join(json.loads(row["scopes"])),
        "domain": request.url.netloc,
        "server_endpoint": f"{base}/oauth/rest/",
        "status": "L",
        "client_endpoint": f"{base}/rest/",
        "member_id": MEMBER_ID,
        "user_id": int(row["user_id"]),
        "refresh_token": refresh,
    }
    return JSONResponse(body)
