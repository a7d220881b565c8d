"""Helpers shared by the sandbox tests: webhook paths and JSON-call shortcuts."""

from __future__ import annotations

from typing import Any

import httpx2

from bitrix24_scrum_mcp.sandbox import DEMO_USER_ID, DEMO_WEBHOOK_CODE
from bitrix24_scrum_mcp.sandbox.seed import DEMO_DEVELOPER_ID, DEMO_OUTSIDER_USER_ID

OUTSIDER_CODE = "outsider0code0ab"
MEMBER_CODE = "member00code0abc"  # Dmitry (2): a plain member of group 11, not a moderator
NO_TASK_SCOPE_CODE = "noscope0code0abc"
HOOK = f"/rest/{DEMO_USER_ID}/{DEMO_WEBHOOK_CODE}"
OUTSIDER_HOOK = f"/rest/{DEMO_OUTSIDER_USER_ID}/{OUTSIDER_CODE}"
MEMBER_HOOK = f"/rest/{DEMO_DEVELOPER_ID}/{MEMBER_CODE}"
NO_TASK_HOOK = f"/rest/{DEMO_USER_ID}/{NO_TASK_SCOPE_CODE}"


async def call(
    client: httpx2.AsyncClient,
    method: str,
    params: dict[str, Any] | None = None,
    hook: str = HOOK,
) -> httpx2.Response:
    """POST a JSON body to a webhook URL, as the documented cURL examples do."""
    return await client.post(f"{hook}/{method}", json=params or {})


async def result(
    client: httpx2.AsyncClient, method: str, params: dict[str, Any] | None = None, hook: str = HOOK
) -> Any:
    """The `result` of a call that must succeed."""
    response = await call(client, method, params, hook)
    assert response.status_code == 200, response.text
    body = response.json()
    assert "error" not in body, body
    return body["result"]
