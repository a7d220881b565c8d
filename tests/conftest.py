"""Shared fixtures: the anyio backend, a recording stand-in portal, MCP clients on our server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.live_sandbox import LiveSandbox, running_sandbox
from tests.standin import StandIn, ok, running_standin

TESTS = Path(__file__).parent

SLOW = (
    "clients",  # real agent frameworks and SDKs, several in their own venvs or node
    "compat",  # the official Bitrix24 SDKs in .ci/compat/venv
    "ecosystem/test_client_configs.py",  # each client config snippet launches the server
    "ecosystem/test_doctor.py",
    "ecosystem/test_inspector.py",
    "ecosystem/test_manifest.py",
    "ecosystem/test_replicas.py",
    "ecosystem/test_stdio_logging.py",
    "load",  # huge answers, slow and abandoned clients, file-descriptor exhaustion
    "onprem",  # TLS portals, a real proxy, certificate chains
    "reliability/test_reliability_concurrency.py",
    "reliability/test_reliability_fuzz.py",  # hypothesis over every tool
    "reliability/test_reliability_pacing.py",  # bursts against the real clock
    "reliability/test_reliability_secrets.py",  # server subprocesses
    "team",  # team servers, Redis, several processes
    "test_confirm_stdio.py",  # a stdio server process per case
    "test_dynamic_toolsets.py::test_enabling_a_toolset_adds_its_tools_and_tells_the_client",  # stdio and HTTP servers
    "test_jobs_bench.py",
    "test_stdio_message_size.py",  # megabyte messages to a server over stdio
)
"""Tests left out of the inner loop, `pytest -m "not slow"` (CI runs everything): folders,
modules and (`module::test`) tests that start processes, real servers, Redis or hypothesis
runs. A single slow test elsewhere may instead carry `@pytest.mark.slow` itself."""


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        where = item.path.relative_to(TESTS).as_posix()
        test = f"{where}::{getattr(item, 'originalname', item.name)}"
        if any(slow in (where, test) or where.startswith(slow + "/") for slow in SLOW):
            item.add_marker(pytest.mark.slow)


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
