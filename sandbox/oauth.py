# pyright: strict
"""The portal's sign-in page and the OAuth server's token endpoint, on the same app.

`/oauth/authorize/` is where an application sends a person's browser (the portal's own page
on a real Bitrix24): it lists the portal's employees to sign in as, or, with `user_id=N` in
the query (tests), signs that one in at once. Either way the browser goes back to the
application's handler with `code`, `state`, `domain`, `member_id`, `scope` and
`server_domain`, as a portal sends them; `deny=1` sends `error=access_denied` instead.

`/oauth/token/` (`oauth.bitrix.info` on the real thing) takes `grant_type=authorization_code`
(the first pair of a sign-in) and `grant_type=refresh_token` (a new pair).

This module owns the HTTP side only: parameters, pages and the answer's shape. Codes, pairs
and applications are `Portal`'s (`issue_authorization_code`, `exchange_authorization_code`,
`refresh_oauth_tokens`); the errors (`invalid_request`, `invalid_grant`, `invalid_client`,
with RFC 6749 statuses) are in `errors.py`.
"""

from __future__ import annotations

import html
from typing import Any
from urllib.parse import urlencode, urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from bitrix24_scrum_mcp.sandbox.errors import InvalidRequestError, RestError
from bitrix24_scrum_mcp.sandbox.portal import Portal, TokenPair
from bitrix24_scrum_mcp.sandbox.wire import read_params

MEMBER_ID = "5a4f0e7c2b9d4c1e8f3a6b0d9e2c7f41"


async def token_endpoint(request: Request) -> JSONResponse:
    portal: Portal = request.app.state.portal
    params = await read_params(request)
    try:
        pair = _grant(portal, params)
    except RestError as error:
        return JSONResponse(error.body(), status_code=error.http_status)
    base = str(request.base_url).rstrip("/")
    body: dict[str, Any] = {
        "access_token": pair.access_token,
        "expires": int(pair.expires_at),
        "expires_in": portal.oauth_access_ttl_s,
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


def _grant(portal: Portal, params: dict[str, Any]) -> TokenPair:
    grant_type = params.get("grant_type")
    client = (params.get("client_id"), params.get("client_secret"))
    if grant_type == "refresh_token":
        refresh_token = params.get("refresh_token")
        if isinstance(refresh_token, str) and refresh_token:
            return portal.refresh_oauth_tokens(refresh_token, *client)
    if grant_type == "authorization_code":
        code = params.get("code")
        if isinstance(code, str) and code:
            return portal.exchange_authorization_code(code, *client)
    raise InvalidRequestError()


async def authorize_endpoint(request: Request) -> Response:
    """The sign-in page; `user_id=N` signs that employee in without showing it."""
    portal: Portal = request.app.state.portal
    query = request.query_params
    client_id = query.get("client_id", "")
    app = portal.oauth_app(client_id)
    if app is None:
        return _page("Unknown application", f"No application has client_id {client_id!r}.", 400)
    redirect_uri = query.get("redirect_uri") or app["redirect_uri"]
    if not redirect_uri or urlsplit(redirect_uri).scheme not in ("http", "https"):
        return _page("No handler", "The application has no handler URL to return to.", 400)
    if app["redirect_uri"] and _origin(redirect_uri) != _origin(app["redirect_uri"]):
        return _page("Wrong handler", "redirect_uri is not on the application's domain.", 400)
    back = {"state": query.get("state", "")}
    if query.get("deny"):
        return _back(redirect_uri, {**back, "error": "access_denied"})
    chosen = query.get("user_id", "")
    if not chosen.isdigit():
        return _sign_in_page(portal, request)
    try:
        code = portal.issue_authorization_code(client_id, int(chosen))
    except RestError:
        return _page("Cannot sign in", f"User {chosen} does not exist or is inactive.", 400)
    host = request.url.netloc
    return _back(
        redirect_uri,
        {
            "code": code,
            **back,
            "domain": host,
            "member_id": MEMBER_ID,
            "scope": ",".join(app["scopes"]),
            "server_domain": host,
        },
    )


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc


def _back(redirect_uri: str, params: dict[str, str]) -> RedirectResponse:
    joiner = "&" if urlsplit(redirect_uri).query else "?"
    return RedirectResponse(redirect_uri + joiner + urlencode(params), status_code=302)


def _sign_in_page(portal: Portal, request: Request) -> HTMLResponse:
    links: list[str] = []
    for user_id, name in portal.active_users():
        query = urlencode({**request.query_params, "user_id": str(user_id)})
        links.append(f'<li><a href="?{html.escape(query)}">{html.escape(name)}</a></li>')
    deny = html.escape(urlencode({**request.query_params, "deny": "1"}))
    body = (
        "<p>Sign in to the sandbox portal as:</p><ul>"
        + "".join(links)
        + f'</ul><p><a href="?{deny}">Cancel</a></p>'
    )
    return _page("Sign in", body, 200, escape=False)


def _page(title: str, text: str, status: int, *, escape: bool = True) -> HTMLResponse:
    content = html.escape(text) if escape else text
    return HTMLResponse(
        f"<!doctype html><title>{html.escape(title)}</title><h1>{html.escape(title)}</h1>"
        f"{content if not escape else f'<p>{content}</p>'}",
        status_code=status,
        headers={"Cache-Control": "no-store"},
    )
