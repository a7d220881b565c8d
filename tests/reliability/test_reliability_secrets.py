"""Secret hygiene: no webhook code, token or client secret in anything the server writes.

The webhook test runs the real server as a subprocess over stdio at DEBUG log level, drives
the whole fault suite through it with a portal that echoes the request URL back (in HTML
pages, error descriptions, even successful results), and scans every byte the server wrote
on stdout and stderr. The OAuth test does the same in-process with the real log handler.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

import anyio
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client
from starlette.responses import Response

from bitrix24_scrum_mcp.config import OAuth, Secret, Settings
from bitrix24_scrum_mcp.oauth import TokenKeeper
from bitrix24_scrum_mcp.redact import configure_logging
from tests.reliability.support import (
    SPRINT_FIELDS,
    Req,
    Tee,
    json_response,
    running_async_portal,
)
from tests.reliability.test_reliability_oauth import session_for
from tests.standin import Handler, Recorded, Reply, error, ok, running_standin

pytestmark = pytest.mark.anyio

REPO = Path(__file__).resolve().parents[2]
SECRET = "Zz9LeakCanaryQq7Xw3"  # the webhook code: recognisable, [A-Za-z0-9_]


def forms(secret: str) -> list[str]:
    return [secret, quote(secret, safe=""), json.dumps(secret)[1:-1]]


def assert_clean(where: str, text: str, secrets: list[str]) -> None:
    for secret in secrets:
        for form in forms(secret):
            assert form not in text, f"{where} leaks {form!r}"


def echoing_replies(origin: str) -> list[tuple[str, Handler | Literal["slow"]]]:
    """Portal answers that carry the full request URL (and so the webhook code) back."""

    def url(r: Recorded) -> str:
        return f"{origin}{r.path}"

    return [
        ("html-404", lambda r: Reply(404, raw=f"<h1>Not found: {url(r)}</h1>".encode(),
                                      content_type="text/html")),
        ("html-502", lambda r: Reply(502, raw=f"<p>upstream {url(r)} failed</p>".encode(),
                                      content_type="text/html")),
        ("error-desc", lambda r: error("ERROR_CORE", f"Could not call {url(r)}", 400)),
        ("error-code", lambda r: error(r.path.split("/")[3], "code echo", 400)),
        ("rate-limit", lambda r: error("QUERY_LIMIT_EXCEEDED", f"Too many: {url(r)}", 503)),
        ("500", lambda r: error("INTERNAL_SERVER_ERROR", f"at {url(r)}", 500)),
        ("expired", lambda r: error("expired_token", f"expired for {url(r)}", 401)),
        ("success-echo", lambda r: ok(_shaped(r, {"id": 7, "name": url(r), "url": url(r)}))),
        ("empty", lambda r: Reply(raw=b"")),
        ("truncated", lambda r: Reply(raw=f'{{"result": "{url(r)}'.encode())),
        ("invalid-utf8", lambda r: Reply(raw=b"\xff\xfe" + url(r).encode())),
        ("huge", lambda r: ok({"url": url(r), "pad": "x" * 10_000})),
        ("drop", lambda r: Reply(drop=True)),
        ("slow", "slow"),
    ]  # fmt: skip


def _shaped(r: Recorded, item: dict[str, Any]) -> Any:
    return [item] if r.method.endswith(".list") else item


CALLS: list[tuple[str, dict[str, Any]]] = [
    ("sprint_get", {"id": 7}),
    ("sprint_add", {"fields": SPRINT_FIELDS}),
    ("sprint_list", {"filter": {"GROUP_ID": 1}, "limit": 120}),
    ("scrum_batch", {"calls": [{"tool": "task_update", "arguments": {"id": 1, "fields": {"entityId": 2}}}]}),
]  # fmt: skip

INVALID: list[tuple[str, dict[str, Any]]] = [
    ("sprint_get", {"id": -1}),
    ("sprint_list", {"filter": {SECRET: 1}}),
    ("sprint_add", {"fields": {**SPRINT_FIELDS, "name": SECRET * 20}}),
    ("epic_add", {"fields": {"groupId": 1, "name": "e", "color": SECRET}}),
    ("sprint_add", {"fields": {**SPRINT_FIELDS, "dateStart": SECRET}}),
    ("scrum_batch", {"calls": [{"tool": SECRET.lower(), "arguments": {}}]}),
]


async def test_the_webhook_code_never_leaves_the_server_process(tmp_path: Path) -> None:
    stderr_path = tmp_path / "stderr.log"
    slow_gate = threading.Event()
    with running_standin() as standin, stderr_path.open("w") as errlog:
        origin = standin.origin
        env = {
            "BITRIX24_WEBHOOK_URL": f"{origin}/rest/1/{SECRET}/",
            "BITRIX24_MAX_RETRIES": "1",
            "BITRIX24_BACKOFF": "0.001",
            "BITRIX24_RATE_LIMIT": "0/0",
            "BITRIX24_TIMEOUT_READ": "0.3",
            "BITRIX24_MAX_RESPONSE_BYTES": "4096",
            "BITRIX24_TOOLSETS": "all",
        }
        params = StdioServerParameters(
            command=sys.executable,
            args=["-m", "bitrix24_scrum_mcp", "serve", "--log-level", "DEBUG"],
            env=env,
            cwd=str(REPO),
        )
        tee = Tee(stdio_client(params, errlog=errlog))
        results: list[str] = []
        outcomes: dict[str, set[Any]] = {}
        with anyio.fail_after(60):
            async with Client(tee) as session:
                tools = await session.list_tools()
                results.append(json.dumps([t.model_dump() for t in tools.tools]))
                for case, reply in echoing_replies(origin):
                    calls = CALLS
                    if reply == "slow":

                        def slow(r: Recorded) -> Reply:
                            slow_gate.wait(0.5)  # the portal taking its time (bounded)
                            return ok(_shaped(r, {"id": 7}))

                        standin.reply_with(slow)
                        calls = CALLS[:2]
                    else:
                        standin.reply_with(reply)
                    for name, arguments in calls:
                        result = await session.call_tool(name, arguments)
                        results.append(result.model_dump_json())
                        payload: dict[str, Any] = result.structured_content or {}
                        outcomes.setdefault(case, set()).add(payload.get("error", "ok"))
                for name, arguments in INVALID:
                    result = await session.call_tool(name, arguments)
                    assert result.structured_content["error"] == "INVALID_ARGUMENTS"
                    results.append(result.model_dump_json())
                # still answering after all of it
                standin.reply_with(ok({"id": 7, "groupId": 1}))
                final = await session.call_tool("sprint_get", {"id": 7})
                assert final.structured_content == {"id": 7, "groupId": 1}
        assert any(SECRET in r.path for r in standin.requests)  # it was really used
    stderr = stderr_path.read_text()
    assert "HTTP Request" in stderr or "DEBUG" in stderr  # logging really was verbose
    assert "unexpected failure" not in stderr  # every fault was an expected one
    assert_clean("stderr", stderr, [SECRET])
    assert_clean("stdout", "\n".join(tee.received), [SECRET])
    assert_clean("tool results", "\n".join(results), [SECRET])
    # the suite really exercised every kind of failure
    assert {"BAD_RESPONSE", "OUTCOME_UNKNOWN", "TRANSPORT_ERROR", "TIMEOUT",
            "QUERY_LIMIT_EXCEEDED", "INTERNAL_SERVER_ERROR", "expired_token",
            "ERROR_CORE", "ok"} <= set().union(*outcomes.values())  # fmt: skip


ACCESS, NEW_ACCESS = "acc3ssTok3nLeakCanary11", "n3wAcc3ssLeakCanary22"
REFRESH, NEW_REFRESH = "r3fr3shLeakCanary33", "n3wR3fr3shLeakCanary44"
CLIENT_SECRET = "cl13ntS3cr3tLeakCanary55"
TOKENS = [ACCESS, NEW_ACCESS, REFRESH, NEW_REFRESH, CLIENT_SECRET]


async def test_oauth_tokens_and_client_secret_never_appear(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    configure_logging("DEBUG")  # the server's own handler, writing to (captured) stderr
    try:
        with running_async_portal() as portal:
            stage = {"refresh": "ok"}

            async def handler(req: Req) -> Response:
                echo = f"{req.path}?{req.query} {json.dumps(req.body)}"
                if req.method == "token":
                    if stage["refresh"] == "refuse":
                        return json_response(
                            {"error": "invalid_grant", "error_description": echo}, 400
                        )
                    return json_response({"access_token": NEW_ACCESS, "refresh_token": NEW_REFRESH})
                if req.body["auth"] != NEW_ACCESS:
                    return json_response({"error": "expired_token", "error_description": echo}, 401)
                if req.body.get("id") == 1:
                    return json_response({"error": "ERROR_CORE", "error_description": echo}, 400)
                return json_response({"result": {"id": 7, "echo": echo}})  # fmt: skip

            portal.handler = handler
            settings = OAuth(
                origin=portal.origin,
                access_token=Secret(ACCESS),
                refresh_token=Secret(REFRESH),
                client_id="app.1",
                client_secret=Secret(CLIENT_SECRET),
                oauth_server=portal.origin,
                token_file=tmp_path / "tokens.json",
            )
            texts = [repr(settings), repr(Settings(portal=settings)),
                     json.dumps(Settings(portal=settings).redacted())]  # fmt: skip
            async with session_for(settings) as (session, client):
                for arguments in ({"id": 7}, {"id": 1}):
                    result = await session.call_tool("sprint_get", arguments)
                    texts.append(result.model_dump_json())
                assert isinstance(client.tokens, TokenKeeper) and client.tokens.refreshes == 1
            stage["refresh"] = "refuse"
            without_file = OAuth(
                origin=portal.origin,
                access_token=Secret(ACCESS),
                refresh_token=Secret(REFRESH),
                client_id="app.1",
                client_secret=Secret(CLIENT_SECRET),
                oauth_server=portal.origin,
            )
            async with session_for(without_file) as (session, _):
                result = await session.call_tool("sprint_get", {"id": 7})
                assert "invalid_grant" in result.structured_content["error_description"]
                texts.append(result.model_dump_json())
            assert any(REFRESH in json.dumps(r.query) for r in portal.token_requests())
        logging.getLogger("httpx2").debug("direct %s", CLIENT_SECRET)  # even a stray log line
    finally:
        root.handlers[:], _ = saved
        root.setLevel(saved[1])
    captured = capsys.readouterr()
    assert "HTTP Request" in captured.err  # httpx2 logged the refresh URL (with the query)
    assert_clean("stderr", captured.err, TOKENS)
    assert_clean("stdout", captured.out, TOKENS)
    assert_clean("results and reprs", "\n".join(texts), TOKENS)
