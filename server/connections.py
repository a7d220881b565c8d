"""The HTTP transport of every client for a real portal: the configured trust, and each
request sent directly or through the proxy that `Network.route_to` names for its host.

One transport serves the portal and its OAuth server, which may be routed differently (an
intranet portal named in NO_PROXY, the cloud's OAuth server behind the corporate proxy).
Pools are made on first use, one per route, so a client that is never used never pays for
its TLS context.
"""

from __future__ import annotations

import ssl

import httpx2

from bitrix24_scrum_mcp.network import Network


class PortalTransport(httpx2.AsyncBaseTransport):
    def __init__(self, network: Network, *, verify: bool = True) -> None:
        self._network = network
        self._verify = verify
        self._context: ssl.SSLContext | None = None
        self._pools: dict[str | None, httpx2.AsyncHTTPTransport] = {}  # proxy URL -> pool

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        url = request.url
        route = self._network.route_to(url.scheme, url.host, url.port)
        return await self._pool(route.proxy).handle_async_request(request)

    def _pool(self, proxy: str | None) -> httpx2.AsyncHTTPTransport:
        pool = self._pools.get(proxy)
        if pool is None:
            if self._context is None:
                self._context = self._network.ssl_context(verify=self._verify)
            pool = httpx2.AsyncHTTPTransport(
                verify=self._context, proxy=httpx2.Proxy(proxy) if proxy else None
            )
            self._pools[proxy] = pool
        return pool

    async def aclose(self) -> None:
        for pool in self._pools.values():
            await pool.aclose()
        self._pools.clear()
