# pyright: strict
"""A signed-in person's Bitrix24 tokens: kept sealed in shared state, renewed once for everyone.

The record `person:<subject>` in the vault is the truth, shared by every replica. Each
replica's REST client for the person holds the access token it last used. On
`expired_token` the renewal runs once: in this process behind an `anyio.Lock`, across
replicas behind the state's lock `refresh:<subject>`. Whoever gets the lock rereads the
record first: if another replica already renewed (the stored token is not the one that
expired), it takes that pair and asks the OAuth server nothing, which matters because a
refresh token works once.

A refusal (`invalid_grant`: the refresh token expired, or the person or the application
was removed) deletes the record, which signs the person out everywhere: their MCP token
stops working and their assistant signs them in again.
"""

from __future__ import annotations

import logging

import anyio
import httpx2

from bitrix24_scrum_mcp.config import Secret
from bitrix24_scrum_mcp.errors import AuthError
from bitrix24_scrum_mcp.redact import REDACTOR
from bitrix24_scrum_mcp.team import portal_oauth
from bitrix24_scrum_mcp.team.portal_oauth import PortalGrant, PortalGrantError
from bitrix24_scrum_mcp.team.settings import SignIn
from bitrix24_scrum_mcp.team.vault import Vault

logger = logging.getLogger(__name__)

SIGNED_IN_TTL_S = 180 * 86400  # docs: a refresh token lives 180 days
REFRESH_HOLD_S = 30.0


def person_key(subject: str) -> str:
    return f"person:{subject}"


class PersonTokens:
    """One person's token source for `Bitrix24Client` (see `oauth.TokenSource`)."""

    def __init__(
        self,
        subject: str,
        grant: PortalGrant,
        *,
        vault: Vault,
        http: httpx2.AsyncClient,
        sign_in: SignIn,
    ) -> None:
        self.subject = subject
        self._vault = vault
        self._http = http
        self._sign_in = sign_in
        self._access = Secret(grant.access_token)
        self._lock = anyio.Lock()
        self.renewals = 0

    @property
    def current(self) -> Secret:
        return self._access

    @property
    def can_refresh(self) -> bool:
        return True

    def adopt(self, grant: PortalGrant) -> None:
        """Use the stored pair from now on (another replica renewed it, or a new sign-in)."""
        if grant.access_token != self._access.reveal():
            REDACTOR.discard(self._access.reveal())
            self._access = Secret(grant.access_token)

    async def refresh(self, cause: AuthError, used: Secret | None = None) -> None:
        used = used if used is not None else self._access
        async with self._lock:
            if self._access != used:
                return  # renewed since this call sent its request
            async with self._vault.state.lock(f"refresh:{self.subject}", hold_s=REFRESH_HOLD_S):
                await self._renew(cause, used)

    async def _renew(self, cause: AuthError, used: Secret) -> None:
        key = person_key(self.subject)
        stored = await self._vault.get(key)
        if stored is None:
            raise self._signed_out(cause, "you are no longer signed in")
        grant = PortalGrant.from_record(stored)
        if grant.access_token != used.reveal():
            self.adopt(grant)  # another replica renewed it
            return
        try:
            renewed = await portal_oauth.renew(self._http, self._sign_in, grant.refresh_token)
        except PortalGrantError as exc:
            if not exc.refused:
                raise AuthError(
                    "expired_token",
                    f"your Bitrix24 access token expired and renewing it failed ({exc.reason}); "
                    "try again",
                    method=cause.method,
                    http_status=cause.http_status,
                    retryable=True,
                ) from None
            await self._vault.delete(key)
            logger.warning(
                "the portal refused to renew %s's sign-in (%s)", self.subject, exc.reason
            )
            raise self._signed_out(
                cause, f"the portal refused to renew it ({exc.reason})"
            ) from None
        self.adopt(renewed)
        REDACTOR.discard(grant.refresh_token)  # spent; its access token may still be in use
        self.renewals += 1
        await self._vault.put(key, renewed.record(), SIGNED_IN_TTL_S)
        logger.info("renewed the Bitrix24 tokens of %s", self.subject)

    @staticmethod
    def _signed_out(cause: AuthError, why: str) -> AuthError:
        return AuthError(
            "expired_token",
            f"your Bitrix24 sign-in has ended: {why}; your assistant will ask you to sign in again",
            method=cause.method,
            http_status=cause.http_status,
        )
