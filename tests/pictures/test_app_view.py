"""The MCP Apps view in headless Chromium, fed the way a host feeds it.

A host page at one origin embeds the view (served from another origin, in an iframe
sandboxed to scripts only, under the spec's default CSP for a view that declares none) and
plays the host's side: it answers `ui/initialize`, waits for `ui/notifications/initialized`,
then posts `ui/notifications/tool-input` and `ui/notifications/tool-result` with a real
`sprint_board` or `sprint_report` result recorded from the sandbox.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, FrameLocator, Page
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from bitrix24_scrum_mcp.ui import app_html
from tests.loopback import serving
from tests.pictures.browser import ARTIFACTS, keep, launched, page_of
from tests.pictures.recorded import BOARD_CALL, OVERVIEW_CALL, REPORT_CALL, record

pytestmark = pytest.mark.slow

# ext-apps 2026-01-26, "Host Behavior": the CSP a host MUST use when ui.csp is omitted,
# plus the frame, object and base-uri defaults its sandbox proxy applies.
VIEW_CSP = (
    "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; media-src 'self' data:; connect-src 'none'; frame-src 'none'; "
    "object-src 'none'; base-uri 'self'"
)

HOST_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>test host</title><link rel="icon" href="data:,"></head>
<body style="margin:0"><iframe id="view" sandbox="allow-scripts" src="%(view)s"
 style="border:0;width:1000px;height:600px"></iframe>
<script>
var frame = document.getElementById("view");
window.received = [];
window.initialized = new Promise(function (done) { window.markInitialized = done; });
function send(msg) { msg.jsonrpc = "2.0"; frame.contentWindow.postMessage(msg, "*"); }
window.addEventListener("message", function (e) {
  if (e.source !== frame.contentWindow) return;
  var m = e.data; window.received.push(m);
  if (m.method === "ui/initialize") send({ id: m.id, result: {
    protocolVersion: "2026-01-26", hostInfo: { name: "test-host", version: "1" },
    hostCapabilities: {}, hostContext: { theme: "%(theme)s", displayMode: "inline",
      containerDimensions: { width: 1000, maxHeight: 2000 } } } });
  if (m.method === "ui/notifications/initialized") window.markInitialized(true);
  if (m.method === "ui/notifications/size-changed") frame.style.height = m.params.height + "px";
});
window.deliver = function (args, result) {
  send({ method: "ui/notifications/tool-input", params: { arguments: args } });
  send({ method: "ui/notifications/tool-result", params: result });
};
</script></body></html>"""


def _host_app() -> Starlette:
    async def host(request: Request) -> Response:
        view = f"http://localhost:{request.url.port}/view"  # another origin than 127.0.0.1
        theme = request.query_params.get("theme", "light")
        return HTMLResponse(HOST_PAGE % {"view": view, "theme": theme})

    async def view(request: Request) -> Response:
        return HTMLResponse(app_html(), headers={"Content-Security-Policy": VIEW_CSP})

    return Starlette(routes=[Route("/host", host), Route("/view", view)])


@pytest.fixture(scope="module")
def recorded() -> dict[str, dict[str, Any]]:
    calls = [BOARD_CALL, REPORT_CALL, OVERVIEW_CALL]
    results = dict(zip([tool for tool, _ in calls], record(calls), strict=True))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for name, result in results.items():
        (ARTIFACTS / f"{name}.result.json").write_text(json.dumps(result, indent=1))
    return results


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launched() as b:
        yield b


@pytest.fixture(scope="module")
def host_port() -> Iterator[int]:
    with serving(_host_app()) as port:
        yield port


def _shown(
    page: Page,
    port: int,
    call: tuple[str, dict[str, Any]],
    result: dict[str, Any],
    theme: str = "light",
) -> FrameLocator:
    page.goto(f"http://127.0.0.1:{port}/host?theme={theme}")
    assert page.evaluate("window.initialized") is True  # awaits the view's handshake
    page.evaluate("([a, r]) => window.deliver(a, r)", [call[1], result])
    view = page.frame_locator("#view")
    view.locator("html[data-shown=result]").wait_for(state="attached")
    return view


def test_view_opens_with_ui_initialize_then_initialized(
    browser: Browser, host_port: int, recorded: dict[str, dict[str, Any]]
) -> None:
    with page_of(browser) as (page, errors):
        _shown(page, host_port, BOARD_CALL, recorded["sprint_board"])
        received: list[dict[str, Any]] = page.evaluate("window.received")
    first, second = received[0], received[1]
    assert first["method"] == "ui/initialize" and isinstance(first["id"], int)
    assert first["params"]["protocolVersion"] == "2026-01-26"
    assert first["params"]["appInfo"]["name"] == "bitrix24-scrum-board"
    assert second == {"jsonrpc": "2.0", "method": "ui/notifications/initialized", "params": {}}
    assert errors == []


def test_view_draws_a_recorded_sprint_board_under_the_default_csp(
    browser: Browser, host_port: int, recorded: dict[str, dict[str, Any]]
) -> None:
    board = recorded["sprint_board"]["structuredContent"]
    with page_of(browser) as (page, errors):
        view = _shown(page, host_port, BOARD_CALL, recorded["sprint_board"])
        headings = view.locator(".column h3").all_inner_texts()
        # The accessibility tree, as a screen reader gets it: one named region per column.
        regions = [
            view.get_by_role("region", name=re.compile("^" + re.escape(c["name"]) + " ")).count()
            for c in board["columns"]
        ]
        cards = view.locator(".column .card")
        points = view.locator(".card .pts").all_inner_texts()
        sprint = view.locator("h1").inner_text()
        page.wait_for_function(
            "window.received.some(m => m.method === 'ui/notifications/size-changed')"
        )
        keep(view.locator("body").screenshot(), "app-sprint-board.png")
        assert (
            cards.count()
            == board["totals"]["tasks"]
            == sum(len(c["tasks"]) for c in board["columns"])
        )
    assert [h.split(" ")[0] for h in headings] == [
        c["name"].split(" ")[0] for c in board["columns"]
    ]
    assert sprint == board["sprint"]["name"]
    assert regions == [1] * len(board["columns"])
    estimated = [t for c in board["columns"] for t in c["tasks"] if "points" in t]
    assert len([p for p in points if p.endswith(("point", "points"))]) == len(estimated)
    assert errors == []  # a CSP refusal or a script error would show here


def test_view_draws_a_recorded_burndown_with_ideal_and_actual_lines(
    browser: Browser, host_port: int, recorded: dict[str, dict[str, Any]]
) -> None:
    report = recorded["sprint_report"]["structuredContent"]
    with page_of(browser) as (page, errors):
        view = _shown(page, host_port, REPORT_CALL, recorded["sprint_report"])
        chart = view.locator("svg.chart")
        ideal = chart.locator("polyline.ideal").get_attribute("points") or ""
        actual = chart.locator("polyline.actual").get_attribute("points") or ""
        label = chart.get_attribute("aria-labelledby") or ""
        title = chart.locator("title").text_content()
        named = view.get_by_role("img", name=f"Burndown of {report['sprint']['name']}").count()
        rows = view.locator("details tbody tr").count()
        notes = view.locator(".notes li").all_inner_texts()
        summary = view.locator(".report .sub").first.inner_text()
        keep(view.locator("body").screenshot(), "app-burndown.png")
    assert chart is not None and label == "bd-t bd-d"
    assert title == f"Burndown of {report['sprint']['name']}" and named == 1
    assert len(ideal.split()) == len(report["burndown"])
    assert len(actual.split()) == sum(1 for d in report["burndown"] if "remaining" in d)
    assert rows == len(report["burndown"])
    assert notes == report["approximations"]  # what the numbers leave out, said next to them
    assert f"velocity {report['averageVelocity']:g} points" in summary
    assert errors == []


def test_view_draws_the_active_sprint_of_a_recorded_overview(
    browser: Browser, host_port: int, recorded: dict[str, dict[str, Any]]
) -> None:
    overview = recorded["scrum_overview"]["structuredContent"]
    with page_of(browser) as (page, errors):
        view = _shown(page, host_port, OVERVIEW_CALL, recorded["scrum_overview"])
        title = view.locator("h1").inner_text()
        cards = view.locator(".column .card").count()
    assert title == overview["name"]
    assert cards == overview["activeSprint"]["totals"]["tasks"]
    assert errors == []


def test_view_shows_an_error_result_as_an_alert(browser: Browser, host_port: int) -> None:
    error = {"error": "NOT_FOUND", "error_description": "sprint 999 not found", "method": "x"}
    result = {
        "content": [{"type": "text", "text": "NOT_FOUND: sprint 999 not found"}],
        "structuredContent": error,
        "isError": True,
    }
    with page_of(browser) as (page, errors):
        page.goto(f"http://127.0.0.1:{host_port}/host")
        assert page.evaluate("window.initialized") is True
        page.evaluate("([a, r]) => window.deliver(a, r)", [{"sprintId": 999}, result])
        alert = page.frame_locator("#view").locator("[role=alert]")
        assert "sprint 999 not found" in alert.inner_text()
    assert errors == []


def test_view_takes_the_hosts_dark_theme_and_reports_its_height(
    browser: Browser, host_port: int, recorded: dict[str, dict[str, Any]]
) -> None:
    with page_of(browser) as (page, errors):
        view = _shown(page, host_port, BOARD_CALL, recorded["sprint_board"], theme="dark")
        view.locator("html[data-theme=dark]").wait_for(state="attached")
        background = view.locator("body").evaluate("b => getComputedStyle(b).backgroundColor")
        height = page.wait_for_function(
            "() => { var s = window.received.filter("
            "m => m.method === 'ui/notifications/size-changed'); "
            "return s.length && s[s.length - 1].params.height; }"
        ).json_value()
        content = view.locator("body").evaluate("b => b.getBoundingClientRect().height")
    assert background == "rgb(23, 23, 23)"
    assert isinstance(height, int) and abs(height - content) <= 1
    assert errors == []


def test_view_says_so_when_the_host_cancels_the_call(browser: Browser, host_port: int) -> None:
    with page_of(browser) as (page, errors):
        page.goto(f"http://127.0.0.1:{host_port}/host")
        assert page.evaluate("window.initialized") is True
        page.evaluate(
            "send({ method: 'ui/notifications/tool-cancelled', params: { reason: 'user' } })"
        )
        page.frame_locator("#view").locator("main", has_text="cancelled").wait_for()
    assert errors == []
