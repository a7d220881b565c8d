# pyright: strict
"""One rate budget per portal, however many people and replicas call it.

The portal counts requests per portal (docs: limits.md), not per webhook or per person, so
everyone who calls the same portal must draw from one bucket. In one process that is one
`Pacer` per portal origin, shared by every person's client.
"""

from __future__ import annotations

from bitrix24_scrum_mcp.config import Limits
from bitrix24_scrum_mcp.pacing import Pacer


class PortalPacers:
    """The pacer of each portal, made on first use."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self._pacers: dict[str, Pacer] = {}

    def for_portal(self, origin: str) -> Pacer:
        pacer = self._pacers.get(origin)
        if pacer is None:
            pacer = self._pacers[origin] = Pacer(self.limits.rate_per_s, self.limits.burst)
        return pacer
