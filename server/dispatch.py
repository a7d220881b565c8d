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

from mcp.types import CallToolResult, TextContent

from server import bulk, pages
from server.client import Bitrix24Client
from server.errors import BadResponseError, Bitrix24Error, OutcomeUnknownError, UnknownToolError
from server.pages import Progress
from server.shaping import shape
from server.validation import validate
from tools.bulk import BulkInput
from tools.common import ListInput
from tools.spec import ToolSpec, tool_name

logger = logging.getLogger(__name__)


async def _no_progress(_done: float, _total: float | None, _message: str | None) -> None:
    return None


def _compact(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


class Dispatcher:
    def __init__(self, client: Bitrix24Client, specs: Mapping[str, ToolSpec]) -> None:
        self.client = client
        self.specs = dict(specs)

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
        return CallToolResult(
            content=[TextContent(type="text", text=_compact(structured))],
            structured_content=structured,
        )

    async def _run(
        self, spec: ToolSpec, arguments: dict[str, Any] | None, progress: Progress
    ) -> dict[str, Any]:
        model = validate(spec.input, arguments, method=spec.method)
        if isinstance(model, BulkInput):
            prepared = bulk.prepare(model, self.specs, method=spec.method)
            return await bulk.run(
                self.client, prepared, halt=model.halt, progress=progress, method=spec.method
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
        if not spec.read_only and isinstance(exc, (OutcomeUnknownError, BadResponseError)):
            check = self._check_tool(spec)
            hint = f"; check the current state with {check}" if check else ""
            payload["error_description"] += hint
            text += hint
        return CallToolResult(
            content=[TextContent(type="text", text=text)],
            structured_content=cast(dict[str, Any], payload),
            is_error=True,
        )

    def _check_tool(self, spec: ToolSpec) -> str | None:
        """The read tool that shows whether a write whose answer was lost took effect."""
        family = spec.method.rsplit(".", 1)[0]
        for action in ("get", "getStages", "list"):
            candidate = tool_name(f"{family}.{action}")
            if candidate in self.specs:
                return candidate
        return None
