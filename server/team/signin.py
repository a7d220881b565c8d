# pyright: strict
"""The MCP authorization server (spec 2025-11-25) in front of a portal's Bitrix24 sign-in.

The SDK's `mcp.server.auth` serves the routes (metadata, `/register`, `/authorize`,
`/token`, `/revoke`) and checks what OAuth 2.1 requires (PKCE S256, redirect URIs, client
authentication, code expiry, scopes); this provider keeps the records:

1. `/authorize`: the MCP client's request is parked under a random `state` for 10 minutes;
   the browser goes to the consent page (`consent`), where the person allows this assistant,
   and then to the portal's `/oauth/authorize/` (`portal_oauth.authorize_url`).
2. `/oauth/callback` (ours): the portal sends the browser back with its code; the server
   trades it for the person's Bitrix24 pair, seals that in the vault under
   `person:<user id>@<portal host>`, and sends the browser to the MCP client with a code of
   its own (single use, 5 minutes).
3. `/token`: the client gets an MCP access token (`MCP_ACCESS_TOKEN_TTL`, default 15 minutes)
   bound to this server's `/mcp` (RFC 8707 audience) and a refresh token (30 days, rotated on
   every use; presenting a used one again revokes the whole grant).
4. `/revoke`: the grant (both tokens and their successors) stops working at once.

The Bitrix24 tokens never leave the server: MCP clients only ever see this server's tokens.
All records live in the vault, so every replica sees the same grants.
"""

from __future__ import annotations

import logging
import secrets
import time
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx2
from mcp.server.auth.provider import (
    AccessToken,
    AuthorizationCode,
    AuthorizationParams,
    AuthorizeError,
    RefreshToken,
    TokenError,
    construct_redirect_uri,
)
from mcp.shared.auth import OAuthClientInformationFull, OAuthToken
from pydantic import AnyHttpUrl, ValidationError
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from bitrix24_scrum_mcp.team import consent, portal_oauth
from bitrix24_scrum_mcp.team.person_tokens import SIGNED_IN_TTL_S, person_key
from bitrix24_scrum_mcp.team.portal_oauth import PortalGrantError
from bitrix24_scrum_mcp.team.settings import SignIn
from bitrix24_scrum_mcp.team.vault import Vault, digest

logger = logging.getLogger(__name__)

SCOPE = "scrum"
PENDING_TTL_S = 600
CODE_TTL_S = 300
REFRESH_TTL_S = 30 * 86400
CLIENT_TTL_S = 90 * 86400
NO_STORE = {"Cache-Control": "no-store"}
STALE = "This sign-in link has expired or was already used. Start again from your assistant."


class GrantAccessToken(AccessToken):
    grant: str


class GrantRefreshToken(RefreshToken):
    grant: str


def same_resource(a: str, b: str) -> bool:
    """Compared as URLs (case, default port), a trailing slash aside, as the SDK does."""
    try:
        return str(AnyHttpUrl(a)).rstrip("/") == str(AnyHttpUrl(b)).rstrip("/")
    except ValidationError:
        return False


class SignInServer:
    """`OAuthAuthorizationServerProvider` whose people sign in at their Bitrix24 portal."""

    def __init__(self, sign_in: SignIn, vault: Vault, http: httpx2.AsyncClient) -> None:
        self.sign_in = sign_in
        self.vault = vault
        self.http = http

    # -- dynamic client registration -------------------------------------------------

    async def get_client(self, client_id: str) -> OAuthClientInformationFull | None:
        record = await self.vault.get(f"mcp:client:{client_id}")
        return OAuthClientInformationFull.model_validate(record) if record else None

    async def register_client(self, client_info: OAuthClientInformationFull) -> None:
        await self._keep_client(client_info)

    async def _keep_client(self, client: OAuthClientInformationFull) -> None:
        """(Re)store the registration: it lives 90 days after its last token."""
        record = client.model_dump(mode="json", exclude_none=True)
        await self.vault.put(f"mcp:client:{client.client_id}", record, CLIENT_TTL_S)

    # -- /authorize and the portal's callback ------------------------------------------

    async def authorize(
        self, client: OAuthClientInformationFull, params: AuthorizationParams
    ) -> str:
        if params.resource is not None and not same_resource(params.resource, self.sign_in.mcp_url):
            raise AuthorizeError(
                "invalid_target", f"this server issues tokens for {self.sign_in.mcp_url} only"
            )
        state = secrets.token_urlsafe(32)
        record = {
            "client_id": client.client_id,
            "client_name": client.client_name or "",
            "params": params.model_dump(mode="json"),
            "consent": consent.new_token(),
        }
        await self.vault.put(f"mcp:pending:{state}", record, PENDING_TTL_S)
        return f"{self.sign_in.public_url}{consent.PATH}?{urlencode({'state': state})}"

    async def consent_page(self, request: Request) -> Response:
        """GET: ask the person whether this assistant may act as them."""
        state = request.query_params.get("state", "")
        pending = await self.vault.get(f"mcp:pending:{state}")
        if pending is None:
            return consent.refused(STALE)
        return consent.page(
            state=state,
            token=str(pending["consent"]),
            client_name=str(pending.get("client_name", "")),
            redirect_uri=str(pending["params"]["redirect_uri"]),
            portal=self.sign_in.portal,
            secure=self.sign_in.public_url.startswith("https://"),
        )

    async def consent_answer(self, request: Request) -> Response:
        """POST: the person's click; Allow goes on to the portal's sign-in page."""
        answer = await consent.decision(request)
        if answer is None:
            return consent.refused("This form did not come from the sign-in page; start again.")
        state, token, choice = answer
        key = f"mcp:pending:{state}"
        pending = await self.vault.get(key)
        if pending is None:
            return consent.refused(STALE)
        if not secrets.compare_digest(token, str(pending["consent"])):
            return consent.refused("This form did not come from the sign-in page; start again.")
        if choice != "allow":
            await self.vault.delete(key)
            params = AuthorizationParams.model_validate(pending["params"])
            return _redirect(str(params.redirect_uri), error="access_denied", state=params.state)
        return consent.go(portal_oauth.authorize_url(self.sign_in, state))

    async def callback(self, request: Request) -> Response:
        """The portal sends the person's browser here after they signed in (or declined)."""
        query = request.query_params
        pending = await self.vault.take(f"mcp:pending:{query.get('state', '')}")
        if pending is None:
            return _page(STALE, 400)
        client_id = str(pending["client_id"])
        params = AuthorizationParams.model_validate(pending["params"])
        back = str(params.redirect_uri)
        if query.get("error") or not query.get("code"):
            return _redirect(back, error="access_denied", state=params.state)
        try:
            grant = await portal_oauth.exchange_code(self.http, self.sign_in, query["code"])
        except PortalGrantError as exc:
            logger.warning("sign-in failed at the Bitrix24 OAuth server: %s", exc.reason)
            error = "access_denied" if exc.refused else "temporarily_unavailable"
            return _redirect(
                back,
                error=error,
                error_description=f"the Bitrix24 sign-in failed: {exc.reason}",
                state=params.state,
            )
        portal = urlsplit(self.sign_in.portal)
        if grant.domain and grant.domain not in (portal.netloc, portal.hostname):
            logger.warning("refused a sign-in to another portal (%s)", grant.domain[:100])
            return _redirect(
                back,
                error="access_denied",
                error_description=f"sign in to {self.sign_in.portal}, not another portal",
                state=params.state,
            )
        subject = f"{grant.user_id}@{portal.hostname}"
        await self.vault.put(person_key(subject), grant.record(), SIGNED_IN_TTL_S)
        code = secrets.token_urlsafe(32)
        issued = AuthorizationCode(
            code=code,
            scopes=params.scopes or [SCOPE],
            expires_at=time.time() + CODE_TTL_S,
            client_id=client_id,
            code_challenge=params.code_challenge,
            redirect_uri=params.redirect_uri,
            redirect_uri_provided_explicitly=params.redirect_uri_provided_explicitly,
            resource=params.resource or self.sign_in.mcp_url,
            subject=subject,
        )
        await self.vault.put(f"mcp:code:{digest(code)}", issued.model_dump(mode="json"), CODE_TTL_S)
        logger.info("%s signed in", subject)
        return _redirect(back, code=code, state=params.state)

    # -- /token ------------------------------------------------------------------------

    async def load_authorization_code(
        self, client: OAuthClientInformationFull, authorization_code: str
    ) -> AuthorizationCode | None:
        record = await self.vault.get(f"mcp:code:{digest(authorization_code)}")
        return AuthorizationCode.model_validate(record) if record else None

    async def exchange_authorization_code(
        self, client: OAuthClientInformationFull, authorization_code: AuthorizationCode
    ) -> OAuthToken:
        if await self.vault.take(f"mcp:code:{digest(authorization_code.code)}") is None:
            raise TokenError("invalid_grant", "authorization code was already used")
        await self._keep_client(client)
        return await self.issue(
            client_id=authorization_code.client_id,
            scopes=authorization_code.scopes,
            resource=authorization_code.resource or self.sign_in.mcp_url,
            subject=authorization_code.subject or "",
            grant=secrets.token_urlsafe(16),
        )

    async def load_refresh_token(
        self, client: OAuthClientInformationFull, refresh_token: str
    ) -> GrantRefreshToken | None:
        key = digest(refresh_token)
        record = await self.vault.get(f"mcp:refresh:{key}")
        if record is None:
            used = await self.vault.get(f"mcp:used-refresh:{key}")
            if used is not None:  # a rotated token came back: it may be stolen
                logger.warning("a used refresh token was presented again; revoking its grant")
                await self.vault.delete(f"mcp:grant:{used['grant']}")
            return None
        if await self.vault.get(f"mcp:grant:{record['grant']}") is None:
            return None
        return GrantRefreshToken.model_validate({**record, "token": refresh_token})

    async def exchange_refresh_token(
        self,
        client: OAuthClientInformationFull,
        refresh_token: GrantRefreshToken,
        scopes: list[str],
    ) -> OAuthToken:
        key = digest(refresh_token.token)
        if await self.vault.take(f"mcp:refresh:{key}") is None:
            raise TokenError("invalid_grant", "refresh token was already used")
        await self.vault.put(
            f"mcp:used-refresh:{key}", {"grant": refresh_token.grant}, REFRESH_TTL_S
        )
        await self._keep_client(client)
        return await self.issue(
            client_id=refresh_token.client_id,
            scopes=scopes or refresh_token.scopes,
            resource=refresh_token.resource or self.sign_in.mcp_url,
            subject=refresh_token.subject or "",
            grant=refresh_token.grant,
        )

    async def issue(
        self, *, client_id: str, scopes: list[str], resource: str, subject: str, grant: str
    ) -> OAuthToken:
        """A new access and refresh token in `grant` (which revocation ends as a whole)."""
        access, refresh = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        now = int(time.time())
        ttl = self.sign_in.access_ttl_s
        common: dict[str, Any] = {
            "client_id": client_id,
            "scopes": scopes,
            "resource": resource,
            "subject": subject,
            "grant": grant,
        }
        await self.vault.put(
            f"mcp:grant:{grant}", {"subject": subject, "client_id": client_id}, REFRESH_TTL_S
        )
        await self.vault.put(
            f"mcp:refresh:{digest(refresh)}",
            {**common, "expires_at": now + REFRESH_TTL_S},
            REFRESH_TTL_S,
        )
        await self.vault.put(
            f"mcp:access:{digest(access)}", {**common, "expires_at": now + ttl}, ttl
        )
        return OAuthToken(
            access_token=access,
            token_type="Bearer",
            expires_in=ttl,
            refresh_token=refresh,
            scope=" ".join(scopes),
        )

    # -- verification and revocation ---------------------------------------------------

    async def load_access_token(self, token: str) -> GrantAccessToken | None:
        """The token's record, while its grant stands and its person is still signed in."""
        record = await self.vault.get(f"mcp:access:{digest(token)}")
        if record is None or await self.vault.get(f"mcp:grant:{record['grant']}") is None:
            return None
        if await self.vault.get(person_key(str(record["subject"]))) is None:
            return None  # signed out (the portal refused to renew): sign in again
        return GrantAccessToken.model_validate({**record, "token": token})

    async def revoke_token(self, token: GrantAccessToken | GrantRefreshToken) -> None:
        await self.vault.delete(f"mcp:grant:{token.grant}")
        logger.info("revoked a grant of %s", token.subject)

    async def exchange_identity_assertion(self, client: Any, params: Any) -> OAuthToken:
        raise TokenError("unsupported_grant_type", "only sign-in through the portal is offered")


def _redirect(target: str, **params: str | None) -> RedirectResponse:
    return RedirectResponse(construct_redirect_uri(target, **params), 302, headers=NO_STORE)


def _page(text: str, status: int) -> HTMLResponse:
    title = "Bitrix24 Scrum sign-in"
    return HTMLResponse(
        f"<!doctype html><title>{title}</title><h1>{title}</h1><p>{text}</p>",
        status_code=status,
        headers=NO_STORE,
    )
