# pyright: strict
"""`batch`: `"method?query"` sub-calls in one HTTP request (rest-basics §4), as
`CRestProvider::methodsBatch` and `CRestUtil::ParseBatchQuery` run them.

- Parameter names are upper-cased first (`cmd`/`CMD`, `halt`/`HALT`); `halt` is PHP
  truthiness (`"false"` is true). A `cmd` that is not an array runs nothing.
- Each command counts toward the limit of 50 before anything else: commands 51 and later
  each get `ERROR_BATCH_LENGTH_EXCEEDED` in `result_error` (the batch is still HTTP 200);
  a command that is not a string is skipped without a trace.
- A command is split like `parse_url`: a `#fragment` is dropped, a `.json` suffix is kept
  (so that method is not found); its query goes through `parse_str` (values are strings).
- References are substituted in the decoded values (see `substitute`), so a `$result[..]`
  that arrived URL-encoded (`%24result%5B..%5D`) is substituted all the same.
- Each sub-call runs in its own transaction: a failing one changes nothing while earlier
  ones stay applied. The answer has `result`, `result_error`, `result_total`,
  `result_next`, `result_time`, each a PHP array (`[]` when empty).
A nested `batch` fails as that command's `ERROR_BATCH_METHOD_NOT_ALLOWED`. portal: only
the exact lower-case name `batch` is refused (`BATCH` would run); the sandbox refuses any
case.
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
from bitrix24_scrum_mcp.sandbox.php import (
    as_items,
    is_numeric,
    parse_pairs,
    php_array,
    to_str,
    truthy,
)
from bitrix24_scrum_mcp.sandbox.portal import Portal, Principal

MAX_COMMANDS = 50
_NOT_SPACE = r"[^ \t\n\r\f\v]"
_SEGMENT_RE = re.compile(r"\[([^\]]+)\]")
_NOT_ALLOWED = ("batch", "download", "upload")


def run_batch(
    portal: Portal,
    principal: Principal,
    params: dict[str, Any],
    base_url: str,
    faults: FaultConfig | None,
) -> dict[str, Any]:
    query = {key.upper(): value for key, value in params.items()}
    halt = truthy(query.get("HALT"))
    # `$arResult`: its keys are the reference names, in this order; a failing command
    # adds `error_description` (PHP copies every key of the error array).
    state: dict[str, dict[str, Any]] = {
        "result": {},
        "next": {},
        "total": {},
        "time": {},
        "error": {},
    }
    count = 0
    for key, command in as_items(query.get("CMD")):
        count += 1
        if count > MAX_COMMANDS:
            failure: RestError | None = BatchLengthExceededError()
        elif not isinstance(command, str):
            continue
        else:
            failure = _run(portal, principal, command, state, key, base_url, faults)
        if failure is not None:
            state["error"][key] = failure.body()
            state.setdefault("error_description", {})[key] = failure.description
            if halt:
                break
    return {
        "result": php_array(state["result"]),
        "result_error": php_array(state["error"]),
        "result_total": php_array(state["total"]),
        "result_next": php_array(state["next"]),
        "result_time": php_array(state["time"]),
    }


def _run(
    portal: Portal,
    principal: Principal,
    command: str,
    state: dict[str, dict[str, Any]],
    key: str,
    base_url: str,
    faults: FaultConfig | None,
) -> RestError | None:
    """One sub-call: its outcome lands in `state`; the error, if it failed."""
    method, query = _split(command)
    params = substitute(parse_pairs(parse_qsl(query, keep_blank_values=True)), state)
    try:
        if method.lower() in _NOT_ALLOWED:
            raise BatchMethodNotAllowedError()
        outcome = portal.execute(principal, method, params, base_url, faults)
    except RestError as error:
        return error
    payload = outcome.payload
    if isinstance(payload, Page):
        state["result"][key] = payload.result
        if payload.next is not None:
            state["next"][key] = payload.next
        if payload.total is not None:
            state["total"][key] = payload.total
    else:
        state["result"][key] = payload
    state["time"][key] = outcome.time
    return None


def _split(command: str) -> tuple[str, str]:
    """`parse_url`: the path is the method, the query its parameters; `#...` is dropped."""
    without_fragment = command.partition("#")[0]
    method, _, query = without_fragment.partition("?")
    return method.strip(), query


def substitute(params: dict[str, Any], state: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """`CRestUtil::processBatchStructure`: every string value, at any depth, has its
    references replaced.

    portal (`processBatchElement`): the pattern is `\\$(result|next|total|time|error…)`
    followed by everything up to the next whitespace, matched in any case; the name picks
    the map in the exact case written (so `$RESULT[..]` finds nothing), the `[...]`
    segments walk into it while they exist and stop at the last node found. A token that
    is the whole value becomes that node whatever it is (an array, a number, null, the
    whole map for an unknown command); a token inside a longer text is replaced only by
    a string or a number, else it stays as written. Trailing characters up to the next
    whitespace belong to the token and go with it.
    """
    pattern = re.compile(r"\$(" + "|".join(state) + r")(" + _NOT_SPACE + r"*)", re.IGNORECASE)
    return {key: _substitute_value(value, pattern, state) for key, value in params.items()}


def _substitute_value(
    value: Any, pattern: re.Pattern[str], state: dict[str, dict[str, Any]]
) -> Any:
    if isinstance(value, dict):
        items = cast("dict[str, Any]", value)
        return {k: _substitute_value(v, pattern, state) for k, v in items.items()}
    if isinstance(value, list):
        return [_substitute_value(v, pattern, state) for v in cast("list[Any]", value)]
    if not isinstance(value, str):
        return value
    current: Any = value
    for match in pattern.finditer(value):
        segments = _SEGMENT_RE.findall(match.group(2))
        if not segments:
            continue
        node = _walk(state.get(match.group(1)), segments)
        if current == match.group(0):
            current = node
        elif isinstance(current, str):
            if is_numeric(node):
                node = to_str(node)
            if isinstance(node, str):
                current = current.replace(match.group(0), node)
    return current


def _walk(start: Any, segments: list[str]) -> Any:
    """Follow `[a][b]...` while `isset()` holds; the last node reached."""
    node: Any = start
    for segment in segments:
        item: Any = None
        if isinstance(node, dict):
            item = cast("dict[str, Any]", node).get(segment)
        elif isinstance(node, list | str) and segment.isdigit():
            sequence = cast("list[Any] | str", node)
            item = sequence[int(segment)] if int(segment) < len(sequence) else None
        if item is None:
            break
        node = item
    return cast(Any, node)
