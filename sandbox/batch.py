"""`batch`: up to 50 `"method?query"` sub-calls in one HTTP request (rest-basics §4).

Each sub-call runs in its own transaction, so a failing one changes nothing while earlier
ones stay applied. Later commands may use `$result[cmd][field]...` from earlier ones. The
answer is always HTTP 200 with `result`, `result_error`, `result_total`, `result_next`
and `result_time`, each a PHP array (`[]` when empty). A nested `batch` fails as that
sub-call's `ERROR_BATCH_METHOD_NOT_ALLOWED`, not as the whole request.
"""

from __future__ import annotations

import re
from typing import Any, cast
from urllib.parse import parse_qsl

from bitrix24_scrum_mcp.sandbox.context import Page
from bitrix24_scrum_mcp.sandbox.errors import (
    BatchLengthExceededError,
    BatchMethodNotAllowedError,
    RestError,
)
from bitrix24_scrum_mcp.sandbox.faults import FaultConfig
from bitrix24_scrum_mcp.sandbox.php import as_items, parse_pairs, php_array, to_str, truthy
from bitrix24_scrum_mcp.sandbox.portal import Portal, Principal

MAX_COMMANDS = 50
_REF_RE = re.compile(
    r"\$(result|result_error|result_total|result_next)\[([^\]]*)\]((?:\[[^\]]*\])*)"
)
_SEGMENT_RE = re.compile(r"\[([^\]]*)\]")


def run_batch(
    portal: Portal,
    principal: Principal,
    params: dict[str, Any],
    base_url: str,
    faults: FaultConfig | None,
) -> dict[str, Any]:
    """Raises: BatchLengthExceededError for more than 50 commands."""
    commands = as_items(params.get("cmd"))
    if len(commands) > MAX_COMMANDS:
        raise BatchLengthExceededError()
    halt = truthy(params.get("halt", False))
    state: dict[str, dict[str, Any]] = {
        "result": {},
        "result_error": {},
        "result_total": {},
        "result_next": {},
        "result_time": {},
    }
    for key, command in commands:
        method, query = _split(to_str(command))
        try:
            if method.lower() == "batch":
                raise BatchMethodNotAllowedError()
            sub_params = parse_pairs(_resolve_pairs(query, state))
            outcome = portal.execute(principal, method, sub_params, base_url, faults)
        except RestError as error:
            state["result_error"][key] = error.body()
            if halt:
                break
            continue
        payload = outcome.payload
        if isinstance(payload, Page):
            state["result"][key] = payload.result
            if payload.total is not None:
                state["result_total"][key] = payload.total
            if payload.next is not None:
                state["result_next"][key] = payload.next
        else:
            state["result"][key] = payload
        state["result_time"][key] = outcome.time
    return {name: php_array(values) for name, values in state.items()}


def _split(command: str) -> tuple[str, str]:
    method, _, query = command.partition("?")
    method = method.strip()
    if method.lower().endswith(".json"):
        method = method[: -len(".json")]
    return method, query


def _resolve_pairs(query: str, state: dict[str, dict[str, Any]]) -> list[tuple[str, str]]:
    """Decode the query and substitute `$result[...]` references in its values."""
    pairs: list[tuple[str, str]] = []
    for key, value in parse_qsl(query, keep_blank_values=True):
        whole = _REF_RE.fullmatch(value)
        if whole is not None:
            resolved = _lookup(state, whole)
            if isinstance(resolved, dict | list):
                pairs.extend(_flatten(key, resolved))
                continue
        pairs.append((key, _REF_RE.sub(lambda m: to_str(_lookup(state, m)), value)))
    return pairs


def _lookup(state: dict[str, dict[str, Any]], match: re.Match[str]) -> Any:
    node: Any = state[match.group(1)].get(match.group(2))
    for segment in _SEGMENT_RE.findall(match.group(3)):
        if isinstance(node, dict):
            node = cast("dict[str, Any]", node).get(segment)
        elif isinstance(node, list):
            items = cast("list[Any]", node)
            if not (segment.isdigit() and int(segment) < len(items)):
                return None
            node = items[int(segment)]
        else:
            return None
    return node


def _flatten(prefix: str, value: Any) -> list[tuple[str, str]]:
    if isinstance(value, dict | list):
        pairs: list[tuple[str, str]] = []
        for key, item in as_items(value):
            pairs.extend(_flatten(f"{prefix}[{key}]", item))
        return pairs
    return [(prefix, to_str(value))]
