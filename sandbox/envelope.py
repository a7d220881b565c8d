# pyright: strict
"""The success envelope (`result`, list paging keys, the `time` block) and the JSON text a
portal writes.

portal: `Bitrix\\Main\\Web\\Json::encode` uses `JSON_HEX_TAG | JSON_HEX_AMP | JSON_HEX_APOS
| JSON_HEX_QUOT | JSON_UNESCAPED_UNICODE`: `< > & ' "` inside strings are sent as
`\\u003C \\u003E \\u0026 \\u0027 \\u0022`, `/` as `\\/`, other non-ASCII characters raw
(U+2028/U+2029 escaped), and a whole float without its fraction (`1024.0` → `1024`, no
`JSON_PRESERVE_ZERO_FRACTION`). Clients meet exactly this text, so the sandbox writes it.
"""

from __future__ import annotations

import json
import re
from typing import Any

from bitrix24_scrum_mcp.sandbox.context import Page
from bitrix24_scrum_mcp.sandbox.dates import format_date

OPERATING_WINDOW_S = 600  # docs: the operating limit is summed over 10 one-minute buckets

# Inside json.dumps output: an escaped backslash (kept as is), an escaped quote, or one of
# the characters PHP escapes. Scanning left to right keeps `\\"` (backslash, then the
# closing quote) apart from `\"` (a quote inside the string).
_PHP_ESCAPES = re.compile(r'\\\\|\\"|[<>&\'/\u2028\u2029]')
_REPLACEMENTS = {
    '\\"': "\\u0022",
    "<": "\\u003C",
    ">": "\\u003E",
    "&": "\\u0026",
    "'": "\\u0027",
    "/": "\\/",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def time_block(start: float, finish: float) -> dict[str, Any]:
    """`time` as rest-basics §2 lists it; `operating` stays 0 since no limit is emulated.

    portal: `operating`/`operating_reset_at` are present only while the load limiter is
    active; the sandbox always sends them (clients must cope with both).
    """
    return {
        "start": start,
        "finish": finish,
        "duration": finish - start,
        "processing": finish - start,
        "date_start": format_date(start),
        "date_finish": format_date(finish),
        "operating_reset_at": int(start) + OPERATING_WINDOW_S,
        "operating": 0,
    }


def success(payload: Any, time: dict[str, Any]) -> dict[str, Any]:
    """`{"result": ..., ["next", "total",] "time": ...}`; `next` only when a page follows."""
    if isinstance(payload, Page):
        body: dict[str, Any] = {"result": payload.result}
        if payload.next is not None:
            body["next"] = payload.next
        if payload.total is not None:
            body["total"] = payload.total
        body["time"] = time
        return body
    return {"result": payload, "time": time}


def php_json(body: Any) -> bytes:
    """`body` as `Json::encode` writes it (see the module docstring)."""
    text = json.dumps(_whole_floats(body), ensure_ascii=False, separators=(",", ":"))
    return _PHP_ESCAPES.sub(lambda m: _REPLACEMENTS.get(m.group(), m.group()), text).encode()


def _whole_floats(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, dict):
        return {k: _whole_floats(v) for k, v in value.items()}  # pyright: ignore[reportUnknownVariableType]
    if isinstance(value, list):
        return [_whole_floats(v) for v in value]  # pyright: ignore[reportUnknownVariableType]
    return value
