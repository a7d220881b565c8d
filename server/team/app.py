# pyright: strict
"""The team server's ASGI app: the MCP endpoint with per-person auth, shared state and audit.

`build_team_app` is what `http_app.build_http_app` returns when `TeamSettings` asks for more
than one process's worth of state:

- people sign in (`SignIn`): the SDK's authorization-server routes with `signin.SignInServer`,
  plus `/oauth/callback`; `/mcp` wants this server's bearer token (401 with
  `WWW-Authenticate` naming `/.well-known/oauth-protected-resource/mcp` otherwise);
- people have tokens in a file: `/mcp` wants one of them (401 otherwise);
- neither (Redis state or an audit log for the one configured identity): `MCP_HTTP_TOKEN`,
  checked by the `Guard` as on any HTTP server.

Every call then runs through `calls.TeamCalls` as its caller. The lifespan opens the state and
closes the people's clients, the OAuth server's client and the state, last.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx2
from mcp.server.auth.provider import ProviderTokenVerifier, TokenVerifier
from mcp.server.auth.settings import AuthSettings, ClientRegistrationOptions, RevocationOptions
from mcp.server.transport_security import TransportSecuritySettings
from pydantic import AnyHttpUrl
from starlette.applications import Starlette
from starlette.routing import Mount, Route
from starlette.types import ASGIApp

from bitrix24_scrum_mcp.app import create_server
from bitrix24_scrum_mcp.config import Secret, Settings
from bitrix24_scrum_mcp.connections import PortalTransport
from bitrix24_scrum_mcp.http_guard import Guard
from bitrix24_scrum_mcp.portal import build_client
from bitrix24_scrum_mcp.team import consent
from bitrix24_scrum_mcp.team.audit import AuditSink, JsonlAudit, RedisAudit
from bitrix24_scrum_mcp.team.calls import PersonSlots, TeamCalls
from bitrix24_scrum_mcp.team.pacing import PortalPacers
from bitrix24_scrum_mcp.team.people import OneIdentity, People, SignedInPeople, TokensFilePeople
from bitrix24_scrum_mcp.team.redis_state import RedisState, connect
from bitrix24_scrum_mcp.team.settings import SignIn, TeamSettings
from bitrix24_scrum_mcp.team.signin import SCOPE, SignInServer
from bitrix24_scrum_mcp.team.state import LocalState, State
from bitrix24_scrum_mcp.team.tokens_file import TokensFile, TokensFileVerifier
from bitrix24_scrum_mcp.team.vault import Vault, sealer

MCP_PATH = "/mcp"
OAUTH_TIMEOUT_S = 30.0


@dataclass
class _Parts:
    """What the app is made of, and what its lifespan must close."""

    people: People
    audit: AuditSink | None
    auth: dict[str, Any] = field(default_factory=dict[str, Any])
    routes: list[Route] = field(default_factory=list[Route])
    closing: list[Any] = field(default_factory=list[Any])


def _state(team: TeamSettings) -> State:
    if team.redis_url is not None:
        return RedisState(connect(team.redis_url.reveal()))
    return LocalState(team.state_path)


def _sign_in_auth(sign_in: SignIn, provider: SignInServer) -> dict[str, Any]:
    settings = AuthSettings(
        issuer_url=AnyHttpUrl(sign_in.public_url),
        resource_server_url=AnyHttpUrl(sign_in.mcp_url),
        required_scopes=[SCOPE],
        client_registration_options=ClientRegistrationOptions(
            enabled=True, valid_scopes=[SCOPE], default_scopes=[SCOPE]
        ),
        revocation_options=RevocationOptions(enabled=True),
        validate_token_resource=True,  # refuse tokens minted for another server
    )
    verifier: TokenVerifier = ProviderTokenVerifier(provider)  # pyright: ignore[reportArgumentType]
    return {"auth": settings, "token_verifier": verifier, "auth_server_provider": provider}


def _tokens_auth(tokens: TokensFile) -> dict[str, Any]:
    # Only the bearer check: no authorization server, so no metadata to point clients at.
    # (AuthSettings wants an issuer even then; nothing reads it without a provider.)
    settings = AuthSettings(issuer_url=AnyHttpUrl("http://127.0.0.1"), resource_server_url=None)
    return {"auth": settings, "token_verifier": TokensFileVerifier(tokens)}


def _parts(settings: Settings, team: TeamSettings, state: State, pacers: PortalPacers) -> _Parts:
    audit: AuditSink | None = None
    if team.audit_log is not None:
        audit = JsonlAudit(team.audit_log)
    elif isinstance(state, RedisState):
        audit = RedisAudit(state.redis)
    if team.sign_in is not None:
        http = httpx2.AsyncClient(
            transport=PortalTransport(settings.network),  # the CA bundle and proxy of the portal's
            timeout=OAUTH_TIMEOUT_S,
            follow_redirects=False,
        )
        vault = Vault(state, sealer(team.sign_in.state_keys))
        provider = SignInServer(team.sign_in, vault, http)
        people: People = SignedInPeople(team.sign_in, vault, http, pacers, settings.network)
        parts = _Parts(people, audit, _sign_in_auth(team.sign_in, provider))
        parts.routes += [
            Route("/oauth/callback", provider.callback, methods=["GET"]),
            Route(consent.PATH, provider.consent_page, methods=["GET"]),
            Route(consent.PATH, provider.consent_answer, methods=["POST"]),
        ]
        parts.closing.append(http)
        return parts
    if team.tokens_file is not None:
        tokens = TokensFile(team.tokens_file)
        people = TokensFilePeople(tokens, pacers, settings.network)
        return _Parts(people, audit, _tokens_auth(tokens))
    origin = getattr(settings.portal, "origin", None) or "configured"
    client = build_client(
        settings.portal, settings.limits, settings.network, pacer=pacers.for_portal(origin)
    )
    return _Parts(OneIdentity(client), audit)


def build_team_app(
    settings: Settings,
    team: TeamSettings,
    *,
    host: str,
    token: Secret | None,
    allowed_origins: tuple[str, ...],
    allowed_hosts: tuple[str, ...],
) -> ASGIApp:
    """`host` and the rest are `http_app.HttpSettings`' (for the one-identity case)."""
    state = _state(team)
    redis = state.redis if isinstance(state, RedisState) else None
    pacers = PortalPacers(settings.limits, redis)
    parts = _parts(settings, team, state, pacers)
    slots = PersonSlots(team.person_concurrency if team.per_person else 1_000_000)
    server = create_server(
        None,
        settings.tools(),
        runner=TeamCalls(parts.people, slots, parts.audit),
        confirm=settings.confirm,
    )
    mcp_app = server.streamable_http_app(
        streamable_http_path=MCP_PATH,
        stateless_http=True,
        json_response=True,
        host=host,
        max_request_body_size=settings.max_message_bytes,
        transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
        custom_starlette_routes=list(parts.routes),
        **parts.auth,
    )

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncGenerator[None, None]:
        async with AsyncExitStack() as stack:
            stack.push_async_callback(state.aclose)
            for closable in parts.closing:
                stack.push_async_callback(closable.aclose)
            if parts.audit is not None:
                stack.push_async_callback(parts.audit.aclose)
            stack.push_async_callback(parts.people.aclose)
            await stack.enter_async_context(server.session_manager.run())
            yield

    app = Starlette(routes=[Mount("/", app=mcp_app)], lifespan=lifespan)
    if team.per_person:  # the MCP layer wants each person's token: no shared one, no Host check
        return Guard(app, token=None, allowed_origins=allowed_origins, allowed_hosts=None)
    return Guard(app, token=token, allowed_origins=allowed_origins, allowed_hosts=allowed_hosts)
