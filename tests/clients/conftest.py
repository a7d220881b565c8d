"""Fixtures of the client matrix: the HTTP server, and the summary table printed at the end."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from tests.clients.support import ALL_TOOLSETS
from tests.ecosystem.support import Served, clean_env, http_replica, wait_healthy_sync


@dataclass
class Row:
    client: str
    transport: str
    listed: int
    converted: str
    calls: int


@dataclass
class Matrix:
    """Per client and transport: tools listed, tools converted, calls passed."""

    rows: list[Row] = field(default_factory=list[Row])

    def record(
        self, client: str, transport: str, *, listed: int, calls: int, converted: str = "n/a"
    ) -> None:
        self.rows.append(Row(client, transport, listed, converted, calls))


_MATRIX = Matrix()


@pytest.fixture(scope="session")
def matrix() -> Matrix:
    return _MATRIX


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _MATRIX.rows:
        return
    write = terminalreporter.write_line
    terminalreporter.section("client matrix")
    write(f"{'client':34} {'transport':9} {'listed':>6} {'calls':>5}  converted")
    for row in sorted(_MATRIX.rows, key=lambda r: (r.client, r.transport)):
        write(f"{row.client:34} {row.transport:9} {row.listed:6} {row.calls:5}  {row.converted}")


@pytest.fixture(scope="module")
def http_server() -> Iterator[Served]:
    """`serve --sandbox --transport http` with every tool, on loopback (no token needed)."""
    with http_replica(["--sandbox", "--toolsets", ALL_TOOLSETS], clean_env()) as (served, proc):
        wait_healthy_sync(served.base, proc)
        yield served
