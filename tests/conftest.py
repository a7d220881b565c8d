"""Shared fixtures: the anyio backend, a recording stand-in portal, MCP clients on our server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.live_sandbox import LiveSandbox, running_sandbox
from tests.standin import StandIn, ok, running_standin


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def _standin_server() -> Iterator[StandIn]:
    with running_standin() as portal:
        yield portal


@pytest.fixture
def standin(_standin_server: StandIn) -> StandIn:
    """The shared stand-in portal, with no recorded requests and the default answer."""
    _standin_server.requests.clear()
    _standin_server.reply_with(ok(True))
    return _standin_server


@pytest.fixture
def sandbox() -> Iterator[LiveSandbox]:
    """A freshly seeded sandbox portal on loopback HTTP."""
    with running_sandbox() as live:
        yield live
