"""Fault injection: the leaky-bucket limiter (injected clock), broken answers, forced errors."""

from __future__ import annotations

import httpx2
import pytest
from sbx_support import call, result

from bitrix24_scrum_mcp.sandbox import DroppedConnection, FaultConfig, Portal
from bitrix24_scrum_mcp.sandbox.seed import DEMO_SPRINT_ID

pytestmark = pytest.mark.anyio
SPRINT_GET = "tasks.api.scrum.sprint.get"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_rate_limit_blocks_over_threshold_and_drains(
    client: httpx2.AsyncClient, faults: FaultConfig
) -> None:
    clock = FakeClock()
    faults.clock = clock
    faults.rate_limit_drain_per_s = 2.0
    faults.rate_limit_threshold = 5
    for _ in range(5):
        assert (await call(client, "server.time")).status_code == 200
    limited = await call(client, "server.time")
    assert limited.status_code == 503
    assert limited.json() == {
        "error": "QUERY_LIMIT_EXCEEDED",
        "error_description": "Too many requests",
    }
    clock.now += 1.0  # drains 2 requests' worth
    assert (await call(client, "server.time")).status_code == 200
    assert (await call(client, "server.time")).status_code == 200
    assert (await call(client, "server.time")).status_code == 503


async def test_batch_counts_once_against_the_rate_limit(
    client: httpx2.AsyncClient, faults: FaultConfig
) -> None:
    faults.clock = FakeClock()
    faults.rate_limit_drain_per_s = 2.0
    faults.rate_limit_threshold = 2
    cmd = {f"c{i}": "server.time" for i in range(20)}
    assert (await call(client, "batch", {"cmd": cmd})).status_code == 200
    assert (await call(client, "batch", {"cmd": cmd})).status_code == 200
    assert (await call(client, "batch", {"cmd": cmd})).status_code == 503


async def test_fail_next_500_answers_json_and_applies_nothing(
    client: httpx2.AsyncClient, faults: FaultConfig
) -> None:
    faults.fail_next, faults.fail_kind = 1, "500"
    response = await call(
        client, "tasks.api.scrum.sprint.update", {"id": DEMO_SPRINT_ID, "fields": {"name": "Lost"}}
    )
    assert response.status_code == 500
    assert response.json() == {
        "error": "INTERNAL_SERVER_ERROR",
        "error_description": "Internal server error",
    }
    assert (await result(client, SPRINT_GET, {"id": DEMO_SPRINT_ID}))["name"] == "Sprint 1"


async def test_fail_next_html_502_then_recovers(
    client: httpx2.AsyncClient, faults: FaultConfig
) -> None:
    faults.fail_next, faults.fail_kind = 2, "html502"
    for _ in range(2):
        response = await call(client, "server.time")
        assert response.status_code == 502
        assert response.headers["content-type"].startswith("text/html")
        assert "502 Bad Gateway" in response.text
    assert (await call(client, "server.time")).status_code == 200


async def test_fail_next_empty_body(client: httpx2.AsyncClient, faults: FaultConfig) -> None:
    faults.fail_next, faults.fail_kind = 1, "empty"
    response = await call(client, "server.time")
    assert response.status_code == 200 and response.content == b""


async def test_drop_after_write_applies_the_call_then_breaks_the_answer(
    client: httpx2.AsyncClient, faults: FaultConfig
) -> None:
    faults.fail_next, faults.fail_kind = 1, "drop_after_write"
    with pytest.raises(DroppedConnection):
        await call(
            client,
            "tasks.api.scrum.sprint.update",
            {"id": DEMO_SPRINT_ID, "fields": {"name": "Written anyway"}},
        )
    assert (await result(client, SPRINT_GET, {"id": DEMO_SPRINT_ID}))["name"] == "Written anyway"


async def test_forced_error_rolls_the_call_back(
    client: httpx2.AsyncClient, faults: FaultConfig, portal: Portal
) -> None:
    faults.force_errors["tasks.api.scrum.sprint.update"] = "Sprint not updated"
    response = await call(
        client, "tasks.api.scrum.sprint.update", {"id": DEMO_SPRINT_ID, "fields": {"name": "Never"}}
    )
    assert response.json() == {"error": "0", "error_description": "Sprint not updated"}
    faults.force_errors.clear()
    assert (await result(client, SPRINT_GET, {"id": DEMO_SPRINT_ID}))["name"] == "Sprint 1"


async def test_latency_delays_the_answer(client: httpx2.AsyncClient, faults: FaultConfig) -> None:
    import time

    faults.latency_s = 0.05
    started = time.monotonic()
    assert (await call(client, "server.time")).status_code == 200
    assert time.monotonic() - started >= 0.05
