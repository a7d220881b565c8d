# pyright: strict
"""One tool call as a person: who they are, their share, their client, then the audit.

`TeamCalls` is the `app.ToolRunner` of a team server. For each call it finds the caller
(`People`, from the token the MCP layer verified), waits for one of the person's
`MCP_PERSON_CONCURRENCY` slots (so one person's bulk job cannot take every worker from the
others), runs the call through the dispatcher with the person's own REST client, and stores
the audit records of its writes before the answer goes back.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import anyio
from mcp.server import ServerRequestContext
from mcp.server.auth.middleware.auth_context import get_access_token
from mcp.server.auth.provider import AccessToken
from mcp.types import CallToolResult

from bitrix24_scrum_mcp import callers
from bitrix24_scrum_mcp.dispatch import Dispatcher
from bitrix24_scrum_mcp.errors import AuthError, Bitrix24Error
from bitrix24_scrum_mcp.team.audit import (
    AuditSink,
    Record,
    records_for,
    records_for_abandoned,
    stamp,
)
from bitrix24_scrum_mcp.team.people import Caller, People
from bitrix24_scrum_mcp.team.person_tokens import PersonTokens
from bitrix24_scrum_mcp.tools.runner import Progress

QUEUE_PER_SLOT = 16  # calls a person may have waiting for each slot before they are refused
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


class TooManyCallsError(Bitrix24Error):
    """A person has more calls waiting than their share allows; nothing was sent."""

    code = "TOO_MANY_CALLS"
    retryable = True


@dataclass
class _Slots:
    limiter: anyio.CapacityLimiter
    waiting: int = 0


@dataclass
class PersonSlots:
    """At most `per_person` calls of one person run at once; the rest wait their turn."""

    per_person: int
    _by_person: dict[str, _Slots] = field(default_factory=dict[str, _Slots])

    def __post_init__(self) -> None:
        self.queue_cap = self.per_person * QUEUE_PER_SLOT

    async def run(
        self, person: str, body: Callable[[], Awaitable[CallToolResult]]
    ) -> CallToolResult:
        slots = self._by_person.get(person)
        if slots is None:
            slots = self._by_person[person] = _Slots(anyio.CapacityLimiter(self.per_person))
        if slots.waiting >= self.queue_cap:
            raise TooManyCallsError(
                f"{person} has {slots.waiting} calls waiting already; at most "
                f"{self.per_person} run at a time: wait for some to finish"
            )
        slots.waiting += 1
        started = False
        try:
            async with slots.limiter:
                slots.waiting -= 1
                started = True
                return await body()
        finally:
            if not started:
                slots.waiting -= 1
            if not slots.waiting and not slots.limiter.borrowed_tokens:
                self._by_person.pop(person, None)  # idle: forget the person


def _payload(result: CallToolResult) -> dict[str, Any]:
    return result.structured_content or {}


def _refused_token(result: CallToolResult) -> bool:
    return bool(result.is_error) and _payload(result).get("error") == "invalid_token"


async def _after_refusal(
    tokens: PersonTokens, result: CallToolResult, dispatcher: Dispatcher, name: str
) -> CallToolResult:
    """The portal no longer knows the person's access token (withdrawn, not expired).

    Try to renew it: if the portal renews it, the next call works; if it refuses, the person
    is signed out everywhere and their assistant signs them in again. The call itself is not
    repeated (a tool may have written before it was refused); the answer says what to do.
    """
    method = str(_payload(result).get("method", ""))
    cause = AuthError("invalid_token", "", method=method, http_status=401)
    try:
        await tokens.refresh(cause, used=tokens.current)
    except AuthError as exc:
        return dispatcher.failure(name, exc)
    renewed = AuthError(
        "invalid_token",
        "the portal had withdrawn your access token; it has been renewed, call again",
        method=cause.method,
        http_status=401,
        retryable=True,
    )
    return dispatcher.failure(name, renewed)


def request_id(ctx: ServerRequestContext[Any]) -> str:
    """The load balancer's `X-Request-Id` when it sent a sane one, else a fresh id."""
    request = ctx.request
    given = request.headers.get("x-request-id", "") if request is not None else ""
    return given if _REQUEST_ID.match(given) else secrets.token_hex(8)


class TeamCalls:
    def __init__(self, people: People, slots: PersonSlots, audit: AuditSink | None) -> None:
        self.people = people
        self.slots = slots
        self.audit = audit

    async def __call__(
        self,
        ctx: ServerRequestContext[Any],
        name: str,
        arguments: dict[str, Any] | None,
        progress: Progress,
        dispatcher: Dispatcher,
    ) -> CallToolResult:
        token = get_access_token()
        try:
            caller = await self.people.caller(token or _ANONYMOUS)
        except Bitrix24Error as exc:
            return dispatcher.failure(name, exc)
        try:
            with callers.acting_as(caller.person):  # the portal budget's fair turn is theirs
                result = await self.slots.run(
                    caller.person,
                    lambda: dispatcher.call(name, arguments, progress, client=caller.client),
                )
        except TooManyCallsError as exc:
            return dispatcher.failure(name, exc)
        except anyio.get_cancelled_exc_class():
            # The client left mid-call: a write may have gone out, so it is audited anyway.
            with anyio.CancelScope(shield=True):
                spec = dispatcher.specs.get(name)
                if spec is not None:
                    records = records_for_abandoned(spec, arguments, dispatcher.specs)
                    await self._audit(ctx, caller, records)
            raise
        if _refused_token(result) and isinstance(caller.client.tokens, PersonTokens):
            result = await _after_refusal(caller.client.tokens, result, dispatcher, name)
        await self._audit(
            ctx, caller, records_for(dispatcher.specs[name], arguments, result, dispatcher.specs)
        )
        return result

    async def _audit(
        self, ctx: ServerRequestContext[Any], caller: Caller, records: list[Record]
    ) -> None:
        if self.audit is None:
            return
        rid = request_id(ctx)
        for record in records:
            stamped = stamp(
                record,
                person=caller.person,
                user_id=caller.user_id,
                portal=caller.portal,
                request_id=rid,
            )
            await self.audit.write(stamped)


# Only reached when a request got past authentication without a token (a bug): the
# people know nobody by an empty subject, so the call fails as unauthenticated.
_ANONYMOUS = AccessToken(token="", client_id="", scopes=[], subject="")
