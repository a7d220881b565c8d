"""Small teams without an OAuth application: `MCP_HTTP_TOKENS_FILE` maps bearer tokens to
each person's own webhook, and each token acts as its own webhook user."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterator
from pathlib import Path

import anyio
import httpx2
import pytest

from bitrix24_scrum_mcp.env import ConfigError
from bitrix24_scrum_mcp.sandbox import DEMO_PERSON_WEBHOOK_CODES, DEMO_SCRUM_GROUP_ID
from bitrix24_scrum_mcp.sandbox.seed import DEMO_DEVELOPER_ID, DEMO_SCRUM_MASTER_ID
from bitrix24_scrum_mcp.team.tokens_file import read_members
from tests.team.support import (
    bearer_session,
    sandbox_portal,
    tokens_server,
    tokens_toml,
    write_private,
)

pytestmark = pytest.mark.anyio
DMITRY, ELENA = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
LIST = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}


def _webhook(origin: str, user_id: int) -> str:
    return f"{origin}/rest/{user_id}/{DEMO_PERSON_WEBHOOK_CODES[user_id]}/"


@pytest.fixture
def portal_origin() -> Iterator[str]:
    with sandbox_portal() as (_portal, origin):
        yield origin


@pytest.fixture
def tokens_file(tmp_path: Path, portal_origin: str) -> Path:
    path = tmp_path / "people.toml"
    people = {
        "dmitry": (DMITRY, _webhook(portal_origin, DEMO_DEVELOPER_ID)),
        "elena": (ELENA, _webhook(portal_origin, DEMO_SCRUM_MASTER_ID)),
    }
    write_private(path, tokens_toml(people))
    return path


async def _status(url: str, token: str) -> int:
    headers = {"Accept": "application/json, text/event-stream", "Authorization": f"Bearer {token}"}
    async with httpx2.AsyncClient(timeout=10) as http:
        return (await http.post(url, json=LIST, headers=headers)).status_code


async def test_each_token_acts_as_its_own_webhook_user(tokens_file: Path) -> None:
    seen: dict[str, tuple[str, int]] = {}

    async def work(token: str) -> None:
        async with bearer_session(url, token) as client:
            me = await client.call_tool("user_current", {})
            added = await client.call_tool(
                "epic_add", {"fields": {"groupId": DEMO_SCRUM_GROUP_ID, "name": "mine"}}
            )
            epic = await client.call_tool("epic_get", {"id": added.structured_content["id"]})
        seen[token] = (me.structured_content["NAME"], epic.structured_content["createdBy"])

    with tokens_server(tokens_file) as url, anyio.fail_after(60):
        async with anyio.create_task_group() as tg:
            tg.start_soon(work, DMITRY)
            tg.start_soon(work, ELENA)
    assert seen == {DMITRY: ("Dmitry", DEMO_DEVELOPER_ID), ELENA: ("Elena", DEMO_SCRUM_MASTER_ID)}


async def test_a_token_not_in_the_file_gets_401_without_pointing_at_a_sign_in(
    tokens_file: Path,
) -> None:
    headers = {"Accept": "application/json, text/event-stream"}
    with tokens_server(tokens_file) as url:
        assert await _status(url, secrets.token_urlsafe(32)) == 401
        async with httpx2.AsyncClient(timeout=10) as http:
            response = await http.post(url, json=LIST, headers=headers)
    assert response.status_code == 401
    assert "resource_metadata" not in response.headers["www-authenticate"]


async def test_edits_to_the_file_take_effect_and_a_broken_edit_keeps_the_people_before(
    tokens_file: Path, portal_origin: str, caplog: pytest.LogCaptureFixture
) -> None:
    olga = secrets.token_urlsafe(32)
    with tokens_server(tokens_file) as url:
        assert await _status(url, olga) == 401
        people = {
            "dmitry": (DMITRY, _webhook(portal_origin, DEMO_DEVELOPER_ID)),
            "olga": (olga, _webhook(portal_origin, 5)),
        }
        write_private(tokens_file, tokens_toml(people))  # elena leaves, olga joins
        with anyio.fail_after(10):
            while await _status(url, olga) != 200:
                await anyio.sleep(0.1)  # bounded poll: the file is reread within a second
        assert await _status(url, ELENA) == 401
        with caplog.at_level(logging.ERROR):
            write_private(tokens_file, "[[person]]\nname = 'broken'\n")
            with anyio.fail_after(10):
                while "keeping the people read before" not in caplog.text:
                    assert await _status(url, olga) == 200
                    await anyio.sleep(0.1)
        assert await _status(url, DMITRY) == 200
    assert olga not in caplog.text and DMITRY not in caplog.text


def _file(tmp_path: Path, text: str, mode: int = 0o600) -> Path:
    path = tmp_path / "people.toml"
    path.write_text(text)
    path.chmod(mode)
    return path


WEBHOOK = "https://example.bitrix24.com/rest/5/c0de5ecret77/"


@pytest.mark.parametrize(
    ("text", "mode", "message"),
    [
        (tokens_toml({"anna": (DMITRY, WEBHOOK)}), 0o644, "chmod 600"),
        (tokens_toml({"anna": ("a" * 40, WEBHOOK)}), 0o600, "too weak"),
        (tokens_toml({"anna": ("Sh0rt-but-random", WEBHOOK)}), 0o600, "too weak"),
        (
            tokens_toml({"anna": (DMITRY, WEBHOOK), "boris": (DMITRY, WEBHOOK)}),
            0o600,
            "also another person's",
        ),
        (
            tokens_toml({"anna": (DMITRY, "http://example.com/rest/5/c0de5ecret77/")}),
            0o600,
            "https",
        ),
        (tokens_toml({"anna smith": (DMITRY, WEBHOOK)}), 0o600, "name"),
        ("[[person]]\nname = 'anna'\n", 0o600, "token"),
        ("not toml = = =", 0o600, "not valid TOML"),
    ],
)
def test_a_file_that_cannot_be_used_is_refused_naming_the_problem_never_a_secret(
    tmp_path: Path, text: str, mode: int, message: str
) -> None:
    with pytest.raises(ConfigError) as refused:
        read_members(_file(tmp_path, text, mode))
    assert message in str(refused.value)
    for secret in (DMITRY, "c0de5ecret77", "Sh0rt-but-random"):
        assert secret not in str(refused.value)


def test_the_server_refuses_to_start_with_a_file_others_can_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bitrix24_scrum_mcp.cli import main

    path = _file(tmp_path, tokens_toml({"anna": (DMITRY, WEBHOOK)}), 0o640)
    for name in ("BITRIX24_WEBHOOK_URL", "BITRIX24_PORTAL_URL", "MCP_HTTP_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MCP_HTTP_TOKENS_FILE", str(path))
    assert main(["serve", "--transport", "http", "--port", "1"]) == 2
    assert f"chmod 600 {path}" in capsys.readouterr().err
