"""A proxy.py plugin for the tests: resolve `*.test` names to 127.0.0.1, and record what is
forwarded (method and destination, never a path: a webhook's path holds its code).

It runs inside the proxy.py process, started by `support.loopback_proxy`. Records are
logged when the proxy opens the upstream connection, before the client's request can
complete, so a test reads them as soon as its call returns.
"""

from __future__ import annotations

import logging
from typing import Any

from proxy.http.proxy import HttpProxyBasePlugin  # pyright: ignore[reportMissingTypeStubs]

logger = logging.getLogger(__name__)


class IntranetProxy(HttpProxyBasePlugin):  # pyright: ignore[reportUntypedBaseClass]
    def resolve_dns(self, host: str, port: int) -> tuple[str | None, Any]:
        return ("127.0.0.1", None) if host.endswith(".test") else (None, None)

    def before_upstream_connection(self, request: Any) -> Any:
        method = bytes(request.method or b"").decode()
        host = bytes(request.host or b"").decode()
        logger.info("forwarding: %s %s:%s", method, host, request.port)
        return request
