"""Without a browser: the board's routes beside the portal's own, and the view document.

The board's JSON is what the workbench tools answer (the same Dispatcher an MCP session
goes through); REST and OAuth URLs answer as they do without the board; the MCP Apps
document is self-contained and small.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx2
import pytest

from bitrix24_scrum_mcp.sandbox import DEMO_USER_ID, DEMO_WEBHOOK_CODE, Portal, create_app
from bitrix24_scrum_mcp.sandbox_board import SandboxBoard
from bitrix24_scrum_mcp.ui import APP_MIME, APP_URI, app_html, picture_file

pytestmark = pytest.mark.anyio

TEAM = 12
REST = f"/rest/{DEMO_USER_ID}/{DEMO_WEBHOOK_CODE}"
VIEW_BUDGET = 15_000
"""Bytes: the view travels in every resources/read of it and sits in the host's cache."""


@pytest.fixture
def portal() -> Portal:
    return Portal(":memory:", seed=True)


@pytest.fixture
async def client(portal: Portal) -> AsyncIterator[httpx2.AsyncClient]:
    board = SandboxBoard(portal)
    app = create_app(portal, pages=board.routes())
    transport = httpx2.ASGITransport(app=app)
    async with httpx2.AsyncClient(transport=transport, base_url="http://127.0.0.1") as c:
        yield c
    await board.aclose()


async def test_state_is_the_workbench_tools_answers(client: httpx2.AsyncClient) -> None:
    state = (await client.get("/board/state.json", params={"group": TEAM})).json()
    assert state["overview"]["groupId"] == TEAM
    sprint = state["overview"]["activeSprint"]["sprint"]
    assert state["report"]["sprint"] == sprint
    assert state["backlog"]["totals"] == state["overview"]["backlog"]["totals"]


async def test_polls_of_an_unchanged_portal_send_no_rest_request(
    client: httpx2.AsyncClient, portal: Portal
) -> None:
    first = (await client.get("/board/state.json", params={"group": TEAM})).json()
    before = portal.request_count
    again = (await client.get("/board/state.json", params={"group": TEAM})).json()
    assert portal.request_count == before and again == first
    columns = {c["type"]: c for c in first["overview"]["activeSprint"]["columns"]}
    body = {"id": columns["NEW"]["tasks"][0]["id"], "stageId": columns["WORK"]["id"]}
    moved = await client.post(f"{REST}/task.stages.movetask", json=body)
    assert moved.status_code == 200, moved.text
    after = (await client.get("/board/state.json", params={"group": TEAM})).json()
    assert portal.request_count > before + 1 and after["version"] == first["version"] + 1


async def test_state_of_a_group_without_active_sprint_has_no_report(
    client: httpx2.AsyncClient,
) -> None:
    state = (await client.get("/board/state.json", params={"group": 11})).json()
    assert "activeSprint" not in state["overview"] and state["report"] is None


@pytest.mark.parametrize("group", ["", "0", "x", "-3"])
async def test_state_without_a_group_id_is_400(client: httpx2.AsyncClient, group: str) -> None:
    response = await client.get("/board/state.json", params={"group": group})
    assert response.status_code == 400 and response.json()["error"] == "INVALID_ARGUMENTS"


async def test_groups_name_the_one_with_an_active_sprint(client: httpx2.AsyncClient) -> None:
    groups = (await client.get("/board/groups.json")).json()
    assert {"id": TEAM, "name": "Mobile App 2.0"} in groups["groups"]
    assert groups["default"] == TEAM


async def test_page_forbids_inline_script_and_other_origins(client: httpx2.AsyncClient) -> None:
    page = await client.get("/")
    csp = page.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "unsafe-inline" not in csp
    assert (
        (await client.get("/board/board.js")).headers["content-type"].startswith("text/javascript")
    )
    assert (await client.get("/board/app.html")).status_code == 404


async def test_rest_and_oauth_answer_beside_the_board(client: httpx2.AsyncClient) -> None:
    listed = await client.post(f"{REST}/tasks.api.scrum.sprint.list.json", json={})
    assert listed.status_code == 200 and listed.json()["result"]
    unknown = await client.post(f"{REST}/no.such.method", json={})
    assert unknown.json()["error"] == "ERROR_METHOD_NOT_FOUND"
    token = await client.get("/oauth/token/", params={"grant_type": "refresh_token"})
    assert token.status_code != 404 and "error" in token.json()


def test_view_is_one_small_document_that_fetches_nothing() -> None:
    html = app_html()
    assert len(html.encode()) < VIEW_BUDGET
    assert APP_URI.startswith("ui://") and APP_MIME == "text/html;profile=mcp-app"
    assert not re.search(r"""(src|href)\s*=|https?://(?!www\.w3\.org/2000/svg)""", html)
    assert "fetch(" not in html and "XMLHttpRequest" not in html
    assert picture_file("board.js") in html.replace("<\\/", "</")  # the sandbox's renderer


def test_readme_states_the_views_size_in_bytes() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    pictures = readme.split("## Pictures", 1)[1].split("\n## ", 1)[0]
    stated = re.search(r"\*\*([\d,]+) bytes\*\*", pictures)
    assert stated, "README 'Pictures' states the view's size as **N bytes**"
    actual = len(app_html().encode())
    assert int(stated[1].replace(",", "")) == actual, f"README: make it **{actual:,} bytes**"
