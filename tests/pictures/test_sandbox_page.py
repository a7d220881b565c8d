"""The sandbox's own board in headless Chromium, over loopback HTTP, while the portal changes.

The page must show the active sprint's columns with one card per task, the burndown's two
lines and the backlog, and redraw by itself when an agent moves a card through REST.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import anyio
import pytest
from playwright.sync_api import Browser

from bitrix24_scrum_mcp.sandbox import FaultConfig, Portal, create_app, webhook_url
from bitrix24_scrum_mcp.sandbox_board import SandboxBoard
from tests.helpers import mcp_session
from tests.loopback import serving
from tests.pictures.browser import keep, launched, page_of
from tests.pictures.recorded import TEAM

pytestmark = pytest.mark.slow


class Served:
    def __init__(self, port: int) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.webhook = webhook_url("127.0.0.1", port)

    def call(self, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
        """One tool call through a real MCP session on the served portal's REST API."""

        async def run() -> dict[str, Any]:
            async with mcp_session(self.webhook) as (session, _):
                result = await session.call_tool(tool, arguments)
            assert not result.is_error, result.content
            assert result.structured_content is not None
            return result.structured_content

        with ThreadPoolExecutor(1) as worker:  # Playwright's loop runs in this thread
            return worker.submit(anyio.run, run).result()


@pytest.fixture
def served() -> Iterator[Served]:
    portal = Portal(":memory:", seed=True)
    # The cloud's standard limit, as `sandbox` serves by default: the board must not eat it.
    faults = FaultConfig(rate_limit_drain_per_s=2, rate_limit_threshold=50)
    with serving(create_app(portal, faults, pages=SandboxBoard(portal).routes())) as port:
        yield Served(port)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launched() as b:
        yield b


def test_board_page_shows_the_active_sprint_burndown_and_backlog(
    browser: Browser, served: Served
) -> None:
    board = served.call("sprint_board", {"groupId": TEAM})
    backlog = served.call("backlog_items", {"groupId": TEAM, "limit": 500})
    with page_of(browser, height=900) as (page, errors):
        page.goto(served.base + "/")
        page.locator(".chart polyline.actual").wait_for()
        picked = page.locator("#group").input_value()
        headings = page.locator(".board .column h3").all_inner_texts()
        cards = page.locator(".board .card").count()
        ideal = page.locator(".chart polyline.ideal").get_attribute("points") or ""
        listed = page.locator(".backlog .card").count()
        options = page.locator("#group option").all_inner_texts()
        keep(page.screenshot(full_page=True), "sandbox-board.png")
    assert picked == str(TEAM)  # the group with the active sprint comes first
    assert any("Mobile App 2.0" in o for o in options)
    assert [h.split(" ")[0] for h in headings] == [
        c["name"].split(" ")[0] for c in board["columns"]
    ]
    assert cards == board["totals"]["tasks"]
    assert len(ideal.split()) > 1
    assert listed == backlog["totals"]["tasks"]
    assert errors == []


def test_board_page_redraws_when_an_agent_moves_a_card(browser: Browser, served: Served) -> None:
    board = served.call("sprint_board", {"groupId": TEAM})
    [new] = [c for c in board["columns"] if c["type"] == "NEW"]
    task = new["tasks"][0]["id"]
    in_work = f'.column[data-type="WORK"] .card[data-id="{task}"]'
    with page_of(browser) as (page, errors):
        page.goto(served.base + f"/#{TEAM}")
        page.locator(f'.column[data-type="NEW"] .card[data-id="{task}"]').wait_for()
        assert page.locator(in_work).count() == 0
        moved = served.call("board_move", {"taskId": task, "stage": "in progress"})
        assert moved["moved"] is True
        page.locator(in_work).wait_for(timeout=10_000)  # the next poll, some 2 s later
    assert errors == []


def test_picking_another_group_shows_its_overview(browser: Browser, served: Served) -> None:
    with page_of(browser) as (page, errors):
        page.goto(served.base + "/")
        page.locator(".board").wait_for()
        page.locator("#group").select_option("11")
        page.locator("h1", has_text="Checkout Revamp").wait_for()
        assert page.locator(".board").count() == 0  # group 11 has only a planned sprint
        assert page.evaluate("location.hash") == "#11"
    assert errors == []


def test_board_page_follows_the_demo_run_on_its_portal(browser: Browser, served: Served) -> None:
    with page_of(browser) as (page, errors):
        page.goto(served.base + f"/#{TEAM}")
        page.locator(".board h2", has_text="Mobile Sprint 3").wait_for()
        demo = subprocess.run(
            [sys.executable, "-m", "bitrix24_scrum_mcp", "demo", "--webhook-url", served.webhook],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert demo.returncode == 0, demo.stdout + demo.stderr
        page.locator(".board h2", has_text="Mobile Sprint 4").wait_for(timeout=10_000)
        cards = page.locator(".board .card").count()
    board = served.call("sprint_board", {"groupId": TEAM})
    assert board["sprint"]["name"] == "Mobile Sprint 4" and cards == board["totals"]["tasks"]
    assert errors == []
