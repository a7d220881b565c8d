# pyright: strict
"""Ask the person before a destructive call reaches the portal (MCP elicitation).

Which calls: the rows marked destructive, `sprint_complete` (it closes the sprint and moves
what is unfinished), `sprint_plan` with `apply: true` (`MESSAGES`; a test keeps it
complete), and a `scrum_batch` holding any of them. Only valid calls are asked about
(invalid input is refused first, unasked), and only of clients that declare form
elicitation; `BITRIX24_CONFIRM=never` turns it off for an unattended agent.

How the question travels depends on the protocol revision:

- 2025-11-25 and older: an `elicitation/create` request to the client in the middle of
  the call (`ServerSession.elicit_form`). Where the transport has no back channel (a
  stateless HTTP server), nothing can be asked and the call goes on as it always did.
- 2026-07-28: the call answers `InputRequiredResult` with the question; the client asks
  the person and calls again with `inputResponses`. `requestState` is a digest of the
  tool and its arguments, so an answer is used only for the call it was given for.

The message names what will happen, read through the tools themselves (`reads.py`);
a failed read only makes the message name ids instead of names.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, cast

from mcp import MCPError
from mcp.server import ServerRequestContext
from mcp.types import (
    CallToolRequestParams,
    ElicitRequest,
    ElicitRequestFormParams,
    ElicitResult,
    InputRequiredResult,
)
from mcp_types.version import is_version_at_least

from bitrix24_scrum_mcp.config import Confirm
from bitrix24_scrum_mcp.errors import Bitrix24Error, CancelledByUserError
from bitrix24_scrum_mcp.reads import ReadFailedError, ToolReads
from bitrix24_scrum_mcp.tools.spec import ToolSpec
from bitrix24_scrum_mcp.validation import validate

logger = logging.getLogger(__name__)

KEY = "confirm"
"""The `inputRequests` key of the question (2026-07-28)."""
INPUT_REQUIRED_VERSION = "2026-07-28"
SCHEMA: dict[str, Any] = {"type": "object", "properties": {}}
"""Nothing to fill in: the person accepts or declines."""

Read = Callable[[str, dict[str, Any]], Awaitable[dict[str, Any]]]
Describe = Callable[[dict[str, Any], Read], Awaitable[str]]


async def _named(read: Read, tool: str, args: dict[str, Any], key: str = "name") -> str | None:
    """One field of a read tool's answer, or None when the read fails (ids will do)."""
    try:
        value = (await read(tool, args)).get(key)
    except ReadFailedError:
        return None
    return value if isinstance(value, str) else None


def _quoted(name: str | None, what: str, ident: object) -> str:
    return f"{what} '{name}' (id {ident})" if name else f"{what} {ident}"


async def _sprint_delete(args: dict[str, Any], read: Read) -> str:
    name = await _named(read, "sprint_get", {"id": args["id"]})
    return f"Delete {_quoted(name, 'sprint', args['id'])}. This cannot be undone."


async def _epic_delete(args: dict[str, Any], read: Read) -> str:
    name = await _named(read, "epic_get", {"id": args["id"]})
    return f"Delete {_quoted(name, 'epic', args['id'])}. This cannot be undone."


async def _backlog_delete(args: dict[str, Any], _read: Read) -> str:
    return f"Delete backlog {args['id']}. This cannot be undone."


async def _stage_delete(args: dict[str, Any], _read: Read) -> str:
    return f"Delete the sprint board column {args['stageId']}. This cannot be undone."


async def _card_off_board(args: dict[str, Any], _read: Read) -> str:
    return (
        f"Take task {args['taskId']} off the board of sprint {args['sprintId']} "
        "(it stays in the sprint)."
    )


async def _sprint_complete(args: dict[str, Any], read: Read) -> str:
    group = args["id"]
    try:
        board = await read("sprint_board", {"groupId": group})
    except ReadFailedError:
        return f"Complete the active sprint of Scrum {group}."
    sprint, totals, done = board["sprint"], board["totals"], board["done"]
    left = totals["tasks"] - done["tasks"]
    return (
        f"Complete {_quoted(sprint['name'], 'sprint', sprint['id'])} of Scrum {group}: "
        f"{done['tasks']} of {totals['tasks']} tasks are done, {left} unfinished."
    )


async def _sprint_plan(args: dict[str, Any], read: Read) -> str:
    name, group = args["sprint"]["name"], args["groupId"]
    try:
        plan = await read("sprint_plan", {**args, "apply": False})
    except ReadFailedError:
        return f"Create sprint '{name}' in Scrum {group} and move the planned tasks into it."
    count = len(plan["tasks"])
    return (
        f"Create sprint '{name}' in Scrum {group} and move {count} "
        f"task{'s' * (count != 1)} ({plan['points']:g} points) from the backlog into it."
    )


MAX_LISTED = 10
"""Destructive calls of a batch named in its question; the rest are counted."""


async def _batch(args: dict[str, Any], _read: Read) -> str:
    calls: list[dict[str, Any]] = args["calls"]
    risky = [c for c in calls if c["tool"] in MESSAGES]
    named = "; ".join(
        f"{c['tool']} {json.dumps(c.get('arguments') or {}, ensure_ascii=False)}"
        for c in risky[:MAX_LISTED]
    )
    more = f" and {len(risky) - MAX_LISTED} more" if len(risky) > MAX_LISTED else ""
    return (
        f"Run {len(calls)} call{'s' * (len(calls) != 1)} in one batch, {len(risky)} of them "
        f"destructive: {named}{more}."
    )


MESSAGES: dict[str, Describe] = {
    "backlog_delete": _backlog_delete,
    "sprint_delete": _sprint_delete,
    "epic_delete": _epic_delete,
    "kanban_delete_stage": _stage_delete,
    "kanban_delete_task": _card_off_board,
    "sprint_complete": _sprint_complete,
    "sprint_plan": _sprint_plan,
}
"""Every call asked about, with how to say what it will do."""
BATCH = "scrum_batch"
"""Asked about when one of its calls would be (else a batch would be a way around)."""


def needs_confirmation(spec: ToolSpec, body: dict[str, Any]) -> bool:
    """Whether a valid call of `spec` (its REST-shaped `body`) is one to ask about."""
    if spec.name == "sprint_plan":
        return body.get("apply") is True
    if spec.name == BATCH:
        calls = cast(list[dict[str, Any]], body.get("calls") or [])
        return any(call.get("tool") in MESSAGES for call in calls)
    return spec.name in MESSAGES


def _digest(name: str, arguments: dict[str, Any]) -> str:
    canonical = json.dumps([name, arguments], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


def _declares_form(ctx: ServerRequestContext[Any]) -> bool:
    capabilities = ctx.session.client_capabilities
    elicitation = capabilities.elicitation if capabilities is not None else None
    # A bare `elicitation: {}` (before modes existed) means form support; url-only does not.
    return elicitation is not None and (elicitation.form is not None or elicitation.url is None)


@dataclass(frozen=True, slots=True)
class Asked:
    """The call must wait for the person: send this back (2026-07-28)."""

    result: InputRequiredResult


@dataclass(frozen=True, slots=True)
class Refused:
    """The person declined or cancelled: answer this error, send nothing."""

    error: Bitrix24Error


Decision = Asked | Refused | None
"""None: go ahead (accepted, or not asked at all)."""


class Confirmations:
    def __init__(self, mode: Confirm, reads: ToolReads) -> None:
        self.mode = mode
        self.reads = reads

    async def decide(
        self, ctx: ServerRequestContext[Any], spec: ToolSpec, params: CallToolRequestParams
    ) -> Decision:
        """Ask about this call if it is one to ask about, and say what happens next."""
        if self.mode == "never" or (spec.name not in MESSAGES and spec.name != BATCH):
            return None
        try:
            args = validate(spec.input, params.arguments, method=spec.method)
        except Bitrix24Error:
            return None  # the call itself reports INVALID_ARGUMENTS, nobody is asked
        body = args.model_dump(by_alias=True, exclude_none=True)
        if not needs_confirmation(spec, body) or not _declares_form(ctx):
            return None
        modern = is_version_at_least(ctx.session.protocol_version, INPUT_REQUIRED_VERSION)
        digest = _digest(spec.name, body)
        if modern:
            answer = (params.input_responses or {}).get(KEY)
            if answer is not None and params.request_state == digest:
                if isinstance(answer, ElicitResult):
                    return _outcome(spec, answer)
                return _refused(spec, "the client could not ask the person")
        elif not ctx.session.can_send_request:
            logger.info("%s not confirmed: this transport cannot ask the client", spec.name)
            return None

        async def read(tool: str, read_args: dict[str, Any]) -> dict[str, Any]:
            return await self.reads.call(ctx, tool, read_args)

        describe = _batch if spec.name == BATCH else MESSAGES[spec.name]
        message = await describe(body, read)
        question = ElicitRequestFormParams(message=message, requested_schema=SCHEMA)
        if modern:
            request = ElicitRequest(params=question)
            return Asked(InputRequiredResult(input_requests={KEY: request}, request_state=digest))
        try:
            answer = await ctx.session.elicit_form(
                message, SCHEMA, related_request_id=ctx.request_id
            )
        except MCPError as exc:  # the client refused to ask, or has no way to: do not send
            logger.info("%s not confirmed: the client answered error %s", spec.name, exc.code)
            return _refused(spec, "the client could not ask the person")
        return _outcome(spec, answer)


def _outcome(spec: ToolSpec, answer: ElicitResult) -> Decision:
    if answer.action == "accept":
        return None
    what = "declined" if answer.action == "decline" else "cancelled"
    return _refused(spec, f"the person {what} the confirmation")


def _refused(spec: ToolSpec, why: str) -> Refused:
    return Refused(
        CancelledByUserError(f"{why}; nothing was sent to the portal", method=spec.method)
    )
