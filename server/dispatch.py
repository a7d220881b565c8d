"""One tool call, start to finish: validate -> forward -> shape, or a structured error.

This is the only place where failures become tool results, so every path (bad input,
portal error, HTTP fault, a bug of ours) ends as `isError: true` with the contract's error
object, never as a traceback or a protocol error the model cannot act on.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any, cast

from jsonschema import Draft202012Validator
from mcp.types import CallToolResult, TextContent

from bitrix24_scrum_mcp import bulk, pages
from bitrix24_scrum_mcp.client import Bitrix24Client
from bitrix24_scrum_mcp.errors import (
    BadResponseError,
    Bitrix24Error,
    OutcomeUnknownError,
    RemoteError,
    UnknownToolError,
)
from bitrix24_scrum_mcp.pages import Progress
from bitrix24_scrum_mcp.redact import REDACTOR
from bitrix24_scrum_mcp.shaping import shape
from bitrix24_scrum_mcp.tools.bulk import BulkInput
from bitrix24_scrum_mcp.tools.common import ListInput
from bitrix24_scrum_mcp.tools.schema import output_schema
from bitrix24_scrum_mcp.tools.spec import ToolSpec, read_tool_for
from bitrix24_scrum_mcp.validation import validate

logger = logging.getLogger(__name__)


async def _no_progress(_done: float, _total: float | None, _message: str | None) -> None:
    return None


def _compact(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def outcome_unknown(exc: Bitrix24Error) -> bool:
    """Whether a failed write may nevertheless have been applied by the portal."""
    if isinstance(exc, (OutcomeUnknownError, BadResponseError)):
        return True
    return isinstance(exc, RemoteError) and (exc.http_status or 0) >= 500 and not exc.retryable


class Dispatcher:
    def __init__(self, client: Bitrix24Client, specs: Mapping[str, ToolSpec]) -> None:
        self.client = client
        self.specs = dict(specs)
        self._checks = {name: Draft202012Validator(output_schema(s)) for name, s in specs.items()}

    async def call(
        self, name: str, arguments: dict[str, Any] | None, progress: Progress = _no_progress
    ) -> CallToolResult:
        spec = self.specs.get(name)
        if spec is None:
            raise UnknownToolError(f"unknown tool '{name}'")
        try:
            structured = await self._run(spec, arguments, progress)
        except Bitrix24Error as exc:
            return self._error(spec, exc)
        except Exception:  # a bug of ours must not take the session down or leak details
            logger.exception("unexpected failure in %s", name)
            return self._error(
                spec, Bitrix24Error("internal error in the MCP server", method=spec.method)
            )
        text = _compact(structured)
        if REDACTOR.found_in(text):  # e.g. echoed JSON-escaped (\u0073ecret), unseen in bytes
            structured = cast(dict[str, Any], REDACTOR.scrub_any(structured))
            text = _compact(structured)
        if not self._checks[name].is_valid(structured):
            return self._mismatch(spec, structured, text)
        return CallToolResult(
            content=[TextContent(type="text", text=text)], structured_content=structured
        )

    def _mismatch(self, spec: ToolSpec, structured: Any, text: str) -> CallToolResult:
        """A portal answer our outputSchema does not admit: clients would reject it outright.

        Report it as BAD_RESPONSE (the schema promise holds) and keep the answer itself as a
        second text block, so the model still sees what the portal said.
        """
        problem = next(iter(self._checks[spec.name].iter_errors(structured)))
        where = "/".join(str(p) for p in problem.absolute_path) or "(result)"
        error = BadResponseError(
            f"the portal's answer does not have the documented shape at {where}: "
            f"{problem.message[:200]}",
            method=spec.method,
        )
        result = self._error(spec, error)
        result.content.append(TextContent(type="text", text=text))
        return result

    async def _run(
        self, spec: ToolSpec, arguments: dict[str, Any] | None, progress: Progress
    ) -> dict[str, Any]:
        model = validate(spec.input, arguments, method=spec.method)
        if isinstance(model, BulkInput):
            prepared = bulk.prepare(model, self.specs, method=spec.method)
            return await bulk.run(
                self.client,
                prepared,
                halt=model.halt,
                progress=progress,
                method=spec.method,
                specs=self.specs,
            )
        body = model.model_dump(by_alias=True, exclude_none=True, exclude={"limit"})
        if isinstance(model, ListInput) and model.limit is not None:
            return await pages.fetch(self.client, spec, body, model.limit, progress)
        answer = await self.client.call(spec.method, body, write=not spec.read_only)
        return shape(spec, answer.result, answer.total, answer.next)

    def _error(self, spec: ToolSpec, exc: Bitrix24Error) -> CallToolResult:
        if not exc.method:
            exc.method = spec.method
        payload = exc.to_payload()
        text = exc.one_line(spec.name)
        if not spec.read_only and outcome_unknown(exc):
            check = read_tool_for(spec.method, self.specs)
            hint = f"; check the current state with {check}" if check else ""
            text += hint
            if not isinstance(exc, RemoteError):  # the portal's own words stay untouched
                payload["error_description"] += hint
        return CallToolResult(
            content=[TextContent(type="text", text=text)],
            structured_content=cast(dict[str, Any], payload),
            is_error=True,
        )
