"""The real launch path: the console entry point as a subprocess, over stdio."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import anyio
import pytest
from mcp import Client, StdioServerParameters

from bitrix24_scrum_mcp.tools import select
from tests.helpers import data_of
from tests.standin import StandIn, ok

pytestmark = pytest.mark.anyio
ROOT = Path(__file__).resolve().parents[1]


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BITRIX24_", "MCP_"))}
    return {**env, **extra}


async def test_server_over_stdio_lists_and_calls_tools(standin: StandIn) -> None:
    standin.reply_with(ok({"id": 3, "groupId": 7, "status": "active"}))
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "bitrix24_scrum_mcp", "serve"],
        env=_clean_env(BITRIX24_WEBHOOK_URL=standin.webhook_url),
        cwd=str(ROOT),
    )
    with anyio.fail_after(30):
        async with Client(params) as session:
            tools = (await session.list_tools()).tools
            result = await session.call_tool("sprint_start", {"id": 3})
            bad = await session.call_tool("sprint_start", {"id": 0})
    assert [t.name for t in tools] == [spec.name for spec in select()]  # the default profile
    assert result.structured_content == {"id": 3, "groupId": 7, "status": "active"}
    assert bad.is_error and data_of(bad)["error"] == "INVALID_ARGUMENTS"
    assert [r.body for r in standin.requests] == [{"id": 3}]


def _run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bitrix24_scrum_mcp", *args],
        env=_clean_env(**env),
        cwd=ROOT,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )


def test_help_lists_the_subcommands() -> None:
    done = _run("--help")
    assert done.returncode == 0
    for command in ("serve", "demo", "sandbox", "doctor"):
        assert command in done.stdout


def test_without_a_portal_it_exits_non_zero_saying_what_to_set() -> None:
    done = _run("serve")
    assert done.returncode == 2
    assert "BITRIX24_WEBHOOK_URL" in done.stderr and "--sandbox" in done.stderr
    assert done.stdout == ""


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://example.bitrix24.com/rest/1/abcdefgh12345678/", "https"),
        ("https://user:pw@example.bitrix24.com/rest/1/abcdefgh12345678/", "user name"),
        ("ftp://example.bitrix24.com/rest/1/abcdefgh12345678/", "https"),
        ("https://example.bitrix24.com/api/1/abcdefgh12345678/", "/rest/<user_id>/<code>/"),
    ],
)
def test_unsafe_or_malformed_webhook_urls_are_refused_at_start(url: str, says: str) -> None:
    done = _run("serve", BITRIX24_WEBHOOK_URL=url)
    assert done.returncode == 2
    assert says in done.stderr
    assert "abcdefgh12345678" not in done.stderr + done.stdout


def test_unknown_toolset_is_refused_with_the_available_ones() -> None:
    done = _run(
        "serve",
        "--toolsets",
        "sprints",
        BITRIX24_WEBHOOK_URL="https://x.bitrix24.com/rest/1/abcd1234/",
    )
    assert done.returncode == 2
    assert "unknown toolset(s): sprints" in done.stderr and "backlog" in done.stderr
