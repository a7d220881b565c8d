# pyright: strict
"""Who is calling, and the REST client they act through.

The MCP layer authenticates a request and leaves an `AccessToken` in the SDK's context
(`mcp.server.auth.middleware.auth_context.get_access_token`); its `subject` names the person.
A `People` turns that into a `Caller`: the person's id (for the audit, the fair share and
their locks), their portal, and their own `Bitrix24Client`, one per person for the life of
the process, built by `portal.build_client` with the pacer their portal shares with everyone
else on it.

- `TokensFilePeople`: the subject is the tokens file's `name`; the client uses their webhook.
- `SignedInPeople`: the subject is `<user id>@<portal host>`; the client uses their OAuth
  tokens, kept in the vault and renewed by `PersonTokens`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import httpx2
from mcp.server.auth.provider import AccessToken

from bitrix24_scrum_mcp.client import Bitrix24Client
from bitrix24_scrum_mcp.config import OAuth, Secret, Webhook
from bitrix24_scrum_mcp.errors import AuthError
from bitrix24_scrum_mcp.network import Network
from bitrix24_scrum_mcp.portal import build_client
from bitrix24_scrum_mcp.team.pacing import PortalPacers
from bitrix24_scrum_mcp.team.person_tokens import PersonTokens, person_key
from bitrix24_scrum_mcp.team.portal_oauth import PortalGrant
from bitrix24_scrum_mcp.team.settings import SignIn
from bitrix24_scrum_mcp.team.tokens_file import TokensFile
from bitrix24_scrum_mcp.team.vault import Vault


@dataclass(frozen=True, slots=True)
class Caller:
    """The person a tool call runs as."""

    person: str  # stable id: the audit's `person`, the fair-share key
    portal: str  # the portal's origin
    user_id: int | None
    client: Bitrix24Client


class People(Protocol):
    async def caller(self, token: AccessToken) -> Caller:
        """Raises: AuthError when the person is no longer known (removed, signed out)."""
        ...

    async def aclose(self) -> None: ...


def _gone(person: str) -> AuthError:
    return AuthError(
        "NO_AUTH_FOUND",
        f"{person} is no longer a person of this server; ask its administrator",
        http_status=401,
    )


class _Clients:
    """One client per person, closed together when the server stops."""

    def __init__(self, pacers: PortalPacers, network: Network) -> None:
        self.pacers = pacers
        self.network = network
        self._by_key: dict[tuple[str, str], Bitrix24Client] = {}

    def get(self, key: tuple[str, str]) -> Bitrix24Client | None:
        return self._by_key.get(key)

    def add(self, key: tuple[str, str], client: Bitrix24Client) -> Bitrix24Client:
        return self._by_key.setdefault(key, client)

    async def aclose(self) -> None:
        for client in self._by_key.values():
            await client.aclose()
        self._by_key.clear()


class TokensFilePeople:
    def __init__(self, tokens: TokensFile, pacers: PortalPacers, network: Network) -> None:
        self.tokens = tokens
        self._clients = _Clients(pacers, network)

    async def caller(self, token: AccessToken) -> Caller:
        name = token.subject or ""
        member = self.tokens.by_name(name)
        if member is None:
            raise _gone(name)
        webhook = member.webhook
        key = (name, webhook.base)  # a new webhook in the file gets a new client
        client = self._clients.get(key) or self._clients.add(key, self._build(webhook))
        return Caller(name, webhook.origin, webhook.user_id, client)

    def _build(self, webhook: Webhook) -> Bitrix24Client:
        pacers, network = self._clients.pacers, self._clients.network
        return build_client(
            webhook, pacers.limits, network, pacer=pacers.for_portal(webhook.origin)
        )

    async def aclose(self) -> None:
        await self._clients.aclose()


class SignedInPeople:
    def __init__(
        self,
        sign_in: SignIn,
        vault: Vault,
        http: httpx2.AsyncClient,
        pacers: PortalPacers,
        network: Network,
    ) -> None:
        self.sign_in = sign_in
        self.vault = vault
        self.http = http
        self._clients = _Clients(pacers, network)

    async def caller(self, token: AccessToken) -> Caller:
        subject = token.subject or ""
        stored = await self.vault.get(person_key(subject))
        if stored is None:
            raise _gone(subject)
        grant = PortalGrant.from_record(stored)
        key = (subject, "")
        client = self._clients.get(key)
        if client is None:
            client = self._clients.add(key, self._build(subject, grant))
        elif isinstance(client.tokens, PersonTokens):
            client.tokens.adopt(grant)  # signed in again, or renewed by another replica
        return Caller(subject, self.sign_in.portal, grant.user_id, client)

    def _build(self, subject: str, grant: PortalGrant) -> Bitrix24Client:
        tokens = PersonTokens(
            subject, grant, vault=self.vault, http=self.http, sign_in=self.sign_in
        )
        identity = OAuth(self.sign_in.portal, access_token=Secret(grant.access_token))
        pacers, network = self._clients.pacers, self._clients.network
        pacer = pacers.for_portal(self.sign_in.portal)
        return build_client(identity, pacers.limits, network, pacer=pacer, tokens=tokens)

    async def aclose(self) -> None:
        await self._clients.aclose()


class OneIdentity:
    """Everyone acts through the one configured portal identity (no per-person identity);
    used when only shared state or the audit is configured."""

    def __init__(self, client: Bitrix24Client) -> None:
        self.client = client
        portal = client.portal
        if isinstance(portal, Webhook):
            self.person, self.user_id = f"webhook user {portal.user_id}", portal.user_id
        else:
            self.person, self.user_id = "oauth application", None
        self.portal = portal.origin

    async def caller(self, token: AccessToken) -> Caller:
        return Caller(self.person, self.portal, self.user_id, self.client)

    async def aclose(self) -> None:
        await self.client.aclose()
