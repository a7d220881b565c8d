# pyright: strict
"""The OAuth server's refresh endpoint (`oauth.bitrix.info/oauth/token/`), on the same app.

This module owns the HTTP side only: the request's parameters and the answer's shape.
The rotation itself (which pair, which client, the new tokens) is `Portal.refresh_oauth_tokens`,
beside `issue_oauth_tokens`; the errors (`invalid_request`, `invalid_grant`,
`invalid_client`, with RFC 6749 statuses) are in `errors.py`.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from bitrix24_scrum_mcp.sandbox.errors import InvalidRequestError, RestError
from bitrix24_scrum_mcp.sandbox.portal import ACCESS_TTL_S, Portal, TokenPair
from bitrix24_scrum_mcp.sandbox.wire import read_params

MEMBER_ID = "5a4f0e7c2b9d4c1e8f3a6b0d9e2c7f41"


async def token_endpoint(request: Request) -> JSONResponse:
    portal: Portal = request.app.state.portal
    params = await read_params(request)
    try:
        pair = _refresh(portal, params)
    except RestError as error:
        return JSONResponse(error.body(), status_code=error.http_status)
    base = str(request.base_url).rstrip("/")
    body: dict[str, Any] = {
        "access_token": pair.access_token,
        "expires": int(pair.expires_at),
        "expires_in": ACCESS_TTL_S,
        "scope": ",".join(pair.scopes),
        "domain": request.url.netloc,
        "server_endpoint": f"{base}/oauth/rest/",
        "status": "L",
        "client_endpoint": f"{base}/rest/",
        "member_id": MEMBER_ID,
        "user_id": pair.user_id,
        "refresh_token": pair.refresh_token,
    }
    return JSONResponse(body)


def _refresh(portal: Portal, params: dict[str, Any]) -> TokenPair:
    refresh_token = params.get("refresh_token")
    grant_type = params.get("grant_type")
    if grant_type != "refresh_token" or not isinstance(refresh_token, str) or not refresh_token:
        raise InvalidRequestError()
    return portal.refresh_oauth_tokens(
        refresh_token, params.get("client_id"), params.get("client_secret")
    )
