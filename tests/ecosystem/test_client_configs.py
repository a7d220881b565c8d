"""Every client snippet in docs/clients/ is valid JSON in its client's format and starts the server.

`uvx`/`pipx` are replaced by shims that run the console script they would install (this
tests the snippet's arguments and environment, not uv's download of dependencies). Each
stdio server is pointed at the sandbox over loopback HTTP through the snippet's own env
block, and must answer `user_current`; each HTTP entry is pointed at a token replica.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

from bitrix24_scrum_mcp.json_types import is_object
from bitrix24_scrum_mcp.sandbox import DEMO_USER_ID, DEMO_WEBHOOK_CODE, Portal, create_app
from bitrix24_scrum_mcp.tools import select
from tests.ecosystem.support import (
    ROOT,
    SOURCE,
    TOKEN,
    clean_env,
    http_replica,
    serving,
    uvx_shims,
    wait_healthy,
)

pytestmark = pytest.mark.anyio

CLIENTS = ROOT / "docs" / "clients"
# file -> (key holding the servers, whether stdio entries need "type")
FORMATS = {
    "claude-code.mcp.json": ("mcpServers", True),
    "cursor.mcp.json": ("mcpServers", False),
    "vscode.mcp.json": ("servers", True),
    "claude-desktop.json": ("mcpServers", False),
    "pipx.mcp.json": ("mcpServers", False),
}
DESKTOP_WEBHOOK = "https://YOUR-PORTAL.bitrix24.com/rest/1/YOUR-WEBHOOK-CODE/"
PLACEHOLDER = re.compile(r"\$\{(?:env:|input:)?([\w-]+)\}")


def _load(name: str) -> dict[str, Any]:
    return json.loads((CLIENTS / name).read_text())


def _entries(name: str) -> Iterator[tuple[str, dict[str, Any]]]:
    key, _ = FORMATS[name]
    yield from _load(name)[key].items()


def _expand(text: str, values: dict[str, str]) -> str:
    text = text.replace(DESKTOP_WEBHOOK, values["BITRIX24_WEBHOOK_URL"])
    return PLACEHOLDER.sub(lambda m: values[m[1]], text)


@pytest.fixture(scope="module")
def sandbox_url() -> Iterator[str]:
    portal = Portal()
    with serving(create_app(portal)) as served:
        yield f"{served.base}/rest/{DEMO_USER_ID}/{DEMO_WEBHOOK_CODE}/"
    portal.close()


@pytest.fixture(scope="module")
def shims(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return uvx_shims(tmp_path_factory.mktemp("shims"))


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_snippet_is_valid_json_in_its_clients_format(name: str) -> None:
    key, needs_type = FORMATS[name]
    data = _load(name)
    assert set(data) <= {key, "inputs"}
    for server_name, entry in data[key].items():
        assert re.fullmatch(r"[a-z0-9-]{1,10}", server_name)  # short: mcp__<name>__<tool> <= 64
        if "url" in entry:
            assert entry["url"].endswith("/mcp")
            assert entry.get("type", "http") == "http"
            assert name != "claude-desktop.json"  # Desktop's file has stdio servers only
        else:
            assert entry["command"] in ("uvx", "pipx")
            assert SOURCE in entry["args"] and entry["args"][-1] == "bitrix24-scrum-mcp"
            assert ("type" in entry) == needs_type
    inputs = {i["id"] for i in data.get("inputs", [])}
    used = {m[1] for m in re.finditer(r"\$\{input:([\w-]+)\}", json.dumps(data))}
    assert used == inputs


@pytest.mark.parametrize(
    ("name", "server"),
    [(n, s) for n in sorted(FORMATS) for s, e in _entries(n) if "command" in e],
)
async def test_stdio_snippet_starts_the_server(
    name: str, server: str, sandbox_url: str, shims: Path
) -> None:
    entry: dict[str, Any] = dict(_entries(name))[server]
    values = {"BITRIX24_WEBHOOK_URL": sandbox_url, "b24-webhook": sandbox_url}
    env = {k: _expand(v, values) for k, v in entry.get("env", {}).items()}
    command = shutil.which(str(entry["command"]), path=str(shims))
    assert command is not None
    params = StdioServerParameters(
        command=command,
        args=entry["args"],
        env={**clean_env(), **env, "PATH": f"{shims}{os.pathsep}{os.environ['PATH']}"},
    )
    async with Client(params, raise_exceptions=True) as client:
        listed = await client.list_tools()
        me = await client.call_tool("user_current", {})
    assert len(listed.tools) == len(select())
    assert not me.is_error and is_object(me.structured_content)
    assert me.structured_content["ID"] == str(DEMO_USER_ID)


async def test_http_snippets_reach_a_token_replica() -> None:
    http_entries = [(n, s, e) for n in sorted(FORMATS) for s, e in _entries(n) if "url" in e]
    assert {n for n, _, _ in http_entries} == {
        "claude-code.mcp.json",
        "cursor.mcp.json",
        "vscode.mcp.json",
    }
    values = {"MCP_HTTP_TOKEN": TOKEN, "b24-http-token": TOKEN, "BITRIX24_WEBHOOK_URL": ""}
    with http_replica(["--sandbox"], clean_env(MCP_HTTP_TOKEN=TOKEN)) as (served, proc):
        await wait_healthy(served.base, proc)
        for _name, _server, entry in http_entries:
            url = entry["url"].replace("127.0.0.1:8000", f"127.0.0.1:{served.port}")
            headers = {k: _expand(v, values) for k, v in entry["headers"].items()}
            async with (
                httpx2.AsyncClient(headers=headers, timeout=10) as http,
                Client(streamable_http_client(url, http_client=http)) as client,
            ):
                assert len((await client.list_tools()).tools) == len(select())


def _example(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(CLIENTS / "python_agent.py")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


async def test_python_agent_example_over_stdio_and_http(sandbox_url: str, shims: Path) -> None:
    stdio = _example(
        clean_env(BITRIX24_WEBHOOK_URL=sandbox_url, PATH=f"{shims}{os.pathsep}{os.environ['PATH']}")
    )
    assert stdio.returncode == 0, stdio.stderr
    assert f"{len(select())} tools:" in stdio.stdout and "'ID': '1'" in stdio.stdout
    with http_replica(["--sandbox"], clean_env(MCP_HTTP_TOKEN=TOKEN)) as (served, proc):
        await wait_healthy(served.base, proc)
        http = _example(clean_env(B24_MCP_URL=served.mcp_url, MCP_HTTP_TOKEN=TOKEN))
    assert http.returncode == 0, http.stderr
    assert "acting as:" in http.stdout
