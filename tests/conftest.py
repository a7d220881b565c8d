"""Shared fixtures: the anyio backend, a recording stand-in portal, MCP clients on our server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.standin import StandIn, running_standin


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def standin() -> Iterator[StandIn]:
    with running_standin() as portal:
        yield portal
