# pyright: strict
"""Reading a request's parameters the way PHP fills `$_REQUEST` for the REST gateway.

Query string and body are merged (body wins). A JSON body is used as is; form-encoded and
multipart bodies are nested PHP-style (`fields[groupId]=1`, `select[]=ID`), so their
values stay strings and the handlers coerce them with PHP rules.
portal: `CRestUtil::getRequestData` reads a body only for POST, decodes it as JSON only
when the request says it is JSON (`isJson()`: a JSON content type), and otherwise runs
`parse_str` on it; a JSON body that does not decode is ignored (the `SystemException` is
caught), so only the query string remains.
"""

from __future__ import annotations

import json
from typing import Any, cast
from urllib.parse import parse_qsl

from starlette.requests import Request

from bitrix24_scrum_mcp.sandbox.php import parse_pairs


async def read_params(request: Request) -> dict[str, Any]:
    params = parse_pairs(parse_qsl(request.url.query, keep_blank_values=True))
    params.update(await _body_params(request))
    return params


async def _body_params(request: Request) -> dict[str, Any]:
    if request.method != "POST":
        return {}
    content_type = request.headers.get("content-type", "").lower()
    raw = await request.body()
    if "multipart/form-data" in content_type:
        form = await request.form()
        return parse_pairs(
            (key, value) for key, value in form.multi_items() if isinstance(value, str)
        )
    if not raw:
        return {}
    text = raw.decode("utf-8", errors="replace")
    if "json" in content_type:
        try:
            decoded = json.loads(text)
        except ValueError:
            return {}
        return cast("dict[str, Any]", decoded) if isinstance(decoded, dict) else {}
    return parse_pairs(parse_qsl(text.strip(), keep_blank_values=True))
