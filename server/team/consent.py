# pyright: strict
"""The consent page: a person allows an assistant before the server sends them to sign in.

The server signs everyone in through one Bitrix24 application, whose approval the portal
remembers; any assistant may register itself. Without this page, a link to `/authorize` made
by someone else's client could sign a logged-in person in silently and hand that client a
token acting as them (the MCP spec's "confused deputy": a proxy with a static client id must
get the person's consent for each dynamically registered client). So `/authorize` leads
here first: the page names the assistant and where it will receive the token, and only the
person's own click (a POST carrying a token that is also in a cookie set with the page, so
another site cannot forge it; the page cannot be framed) goes on to the portal.
"""

from __future__ import annotations

import html
import secrets
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

COOKIE = "bitrix24_mcp_consent"
PATH = "/oauth/consent"
HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "frame-ancestors 'none'; form-action 'self'",
}


def new_token() -> str:
    return secrets.token_urlsafe(24)


def page(
    *, state: str, token: str, client_name: str, redirect_uri: str, portal: str, secure: bool
) -> HTMLResponse:
    """The question, with Allow and Deny; the cookie carries the same token as the form."""
    where = urlsplit(redirect_uri)
    who = html.escape(client_name or "An assistant")
    body = f"""<!doctype html><meta charset="utf-8"><title>Allow access to Bitrix24 Scrum</title>
<h1>Allow access to Bitrix24 Scrum?</h1>
<p><strong>{who}</strong> asks to act as you in Bitrix24 Scrum at {html.escape(portal)}: to read
and change backlogs, sprints, epics and tasks with your rights. It will receive its access at
<code>{html.escape(f"{where.scheme}://{where.netloc}")}</code>.</p>
<p>Allow it only if you started this from your own assistant just now.</p>
<form method="post" action="{PATH}">
<input type="hidden" name="state" value="{html.escape(state)}">
<input type="hidden" name="token" value="{html.escape(token)}">
<button name="decision" value="allow">Allow and sign in</button>
<button name="decision" value="deny">Deny</button>
</form>"""
    response = HTMLResponse(body, headers=HEADERS)
    response.set_cookie(
        COOKIE, token, max_age=600, path=PATH, secure=secure, httponly=True, samesite="strict"
    )
    return response


async def decision(request: Request) -> tuple[str, str, str] | None:
    """(state, token, decision) of a POST whose token matches its cookie, else None."""
    form = await request.form()
    state, token, choice = (str(form.get(k, "")) for k in ("state", "token", "decision"))
    cookie = request.cookies.get(COOKIE, "")
    if not (state and token and cookie) or not secrets.compare_digest(token, cookie):
        return None
    return state, token, choice


def refused(text: str) -> Response:
    return HTMLResponse(
        f"<!doctype html><title>Bitrix24 Scrum sign-in</title><h1>Bitrix24 Scrum sign-in</h1>"
        f"<p>{html.escape(text)}</p>",
        status_code=400,
        headers=HEADERS,
    )


def go(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303, headers=HEADERS)
