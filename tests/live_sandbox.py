"""The sandbox portal served over real loopback HTTP, for tests of the real REST client."""

from __future__ import annotations

from collections.abc import Generator
from contextlib import contextmanager
from dataclasses import dataclass

from bitrix24_scrum_mcp.sandbox import FaultConfig, Portal, create_app, webhook_url
from tests.loopback import serving


@dataclass
class LiveSandbox:
    portal: Portal
    faults: FaultConfig
    webhook_url: str


@contextmanager
def running_sandbox(
    *, faults: FaultConfig | None = None, db_path: str = ":memory:"
) -> Generator[LiveSandbox, None, None]:
    portal = Portal(db_path, seed=True)
    faults = faults or FaultConfig()
    with serving(create_app(portal, faults=faults)) as port:
        yield LiveSandbox(portal, faults, webhook_url("127.0.0.1", port))
