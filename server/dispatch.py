# pyright: strict
"""One tool call, start to finish: validate -> the row's runner -> check, or an error result.

This is the only place where failures become tool results, so every path (bad input,
portal error, HTTP fault, a bug of ours) ends as `isError: true` with the contract's error
object, never as a traceback or a protocol error the model cannot act on. What a call does
is the row's business (`ToolSpec.run`); the dispatcher treats every row alike.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from typing import Any, cast

import anyio.to_thread
from jsonschema import Draft202012Validator
from jsonschema.protocols import Validator
from mcp.types import CallToolResult, ContentBlock, TextContent

from bitrix24_scrum_mcp.client import Bitrix24Client
from bitrix24_scrum_mcp.config import Limits
from bitrix24_scrum_mcp.errors import (
    BadResponseError,
    Bitrix24Error,
    RemoteError,
    UnknownToolError,
)
from bitrix24_scrum_mcp.redact import REDACTOR
from bitrix24_scrum_mcp.result_caps import bound
from bitrix24_scrum_mcp.tools.runner import Progress, RunContext, ToolsetSwitch, no_progress
from bitrix24_scrum_mcp.tools.spec import ToolSpec, outcome_hint
from bitrix24_scrum_mcp.validation import validate

logger = logging.getLogger(__name__)


BULKY_ITEMS = 50
"""From this many elements in a result's top-level list, it is finished in a worker thread."""


def _bulky(structured: dict[str, Any]) -> bool:
    return any(
        isinstance(v, list) and len(cast(list[Any], v)) > BULKY_ITEMS for v in structured.values()
    )


def _compact(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


_CHECKS: dict[int, tuple[ToolSpec, Validator]] = {}
"""Each row's result validator, built once (as `app.tool_definition`): keyed by the row's
identity, the row kept with it."""


def _check(spec: ToolSpec) -> Validator:
    known = _CHECKS.get(id(spec))
    if known is None or known[0] is not spec:
        known = _CHECKS[id(spec)] = (spec, Draft202012Validator(spec.result.schema()))
    return known[1]


class Dispatcher:
    def __init__(
        self,
        client: Bitrix24Client | None,
        specs: Mapping[str, ToolSpec],
        toolsets: ToolsetSwitch | None = None,
    ) -> None:
        """`client` is None on a team server, which passes each caller's client to `call`;
        `toolsets` is the switch of a server with dynamic toolsets."""
        self.client = client
        self.toolsets = toolsets
        self.specs: dict[str, ToolSpec] = {}
        self._checks: dict[str, Validator] = {}
        self.offer(specs.values())

    def offer(self, specs: Iterable[ToolSpec]) -> None:
        """Accept calls to these tools too (a dynamic server enabled a toolset)."""
        for spec in specs:
            if spec.name not in self.specs:
                self.specs[spec.name] = spec
                # The success branch only: a mismatch then names the offending field, where
                # the whole outputSchema (success or error) could only say "matches no branch".
                self._checks[spec.name] = _check(spec)

    async def call(
        self,
        name: str,
        arguments: dict[str, Any] | None,
        progress: Progress = no_progress,
        *,
        client: Bitrix24Client | None = None,
    ) -> CallToolResult:
        """Run one tool call, through `client` or the dispatcher's own; every failure comes
        back as an `isError` result.

        Raises:
            UnknownToolError: no offered tool has this name (a protocol error, not a result).
        """
        spec = self.specs.get(name)
        if spec is None:
            raise UnknownToolError(f"unknown tool '{name}'")
        client = client or self.client
        assert client is not None, "a Dispatcher without a client needs one per call"
        try:
            args = validate(spec.input, arguments, method=spec.method)
            structured = await spec.run(
                RunContext(client, spec, self.specs, progress, self.toolsets), args
            )
        except Bitrix24Error as exc:
            return self._error(spec, exc)
        except Exception:  # a bug of ours must not take the session down or leak details
            logger.exception("unexpected failure in %s", name)
            return self._error(
                spec, Bitrix24Error("internal error in the MCP server", method=spec.method)
            )
        if not _bulky(structured):
            return self._finish(spec, structured, args, client.limits)
        # Checking 500 items against the schema takes ~70 ms: the event loop must not wait.
        return await anyio.to_thread.run_sync(self._finish, spec, structured, args, client.limits)

    def _finish(
        self, spec: ToolSpec, structured: dict[str, Any], args: Any, limits: Limits
    ) -> CallToolResult:
        """Bound, scrub and check a runner's result, and make it the tool result."""
        try:
            structured, note = bound(spec, structured, args, limits)
        except Bitrix24Error as exc:
            return self._error(spec, exc)
        text = _compact(structured)
        if REDACTOR.found_in(text):  # e.g. echoed JSON-escaped (\u0073ecret), unseen in bytes
            structured = cast(dict[str, Any], REDACTOR.scrub_any(structured))
            text = _compact(structured)
        if not self._checks[spec.name].is_valid(structured):
            return self._mismatch(spec, structured, text)
        content: list[ContentBlock] = [TextContent(type="text", text=text)]
        if note:
            content.append(TextContent(type="text", text=note))
        return CallToolResult(content=content, structured_content=structured)

    def _mismatch(self, spec: ToolSpec, structured: Any, text: str) -> CallToolResult:
        """An answer our outputSchema does not admit: clients would reject it outright.

        Report it as BAD_RESPONSE (the schema promise holds) and keep the answer itself as a
        second text block, so the model still sees what the portal said.
        """
        problem = next(iter(self._checks[spec.name].iter_errors(structured)))
        where = "/".join(str(p) for p in problem.absolute_path) or "(result)"
        what = "the portal's answer" if spec.forwards else "the result"
        error = BadResponseError(
            f"{what} does not have the documented shape at {where}: {problem.message[:200]}",
            method=spec.method,
        )
        result = self._error(spec, error)
        result.content.append(TextContent(type="text", text=text))
        return result

    def failure(self, name: str, exc: Bitrix24Error) -> CallToolResult:
        """The result of a call that failed before it reached the portal (a team server's)."""
        spec = self.specs.get(name)
        if spec is None:
            raise UnknownToolError(f"unknown tool '{name}'")
        return self._error(spec, exc)

    def _error(self, spec: ToolSpec, exc: Bitrix24Error) -> CallToolResult:
        if not exc.method:
            exc.method = spec.method
        payload = exc.to_payload()
        hint = outcome_hint(spec, exc, self.specs)
        if not isinstance(exc, RemoteError):  # the portal's own words stay untouched
            payload["error_description"] += hint
        return CallToolResult(
            content=[TextContent(type="text", text=exc.one_line(spec.name) + hint)],
            structured_content=payload,
            is_error=True,
        )
