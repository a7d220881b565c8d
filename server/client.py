"""Bitrix24 REST client: one pooled `httpx2.AsyncClient`, pacing, safe retries, OAuth refresh.

Retry rules (README, "Safety"): a call is retried only when repeating it cannot apply a
write twice, i.e. when the portal proves it did not execute it (QUERY_LIMIT_EXCEEDED,
expired_token) or the request never left (connection refused). Reads are also retried on
timeouts, dropped connections and 5xx answers. A write whose answer was lost is reported as
OUTCOME_UNKNOWN and never repeated.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Mapping
from typing import Any

import anyio
import httpx2

from server import envelope
from server.config import Limits, OAuth, Webhook
from server.envelope import RestResult
from server.errors import (
    AuthError,
    BadResponseError,
    Bitrix24Error,
    ConnectFailedError,
    OutcomeUnknownError,
    RateLimitedError,
    RemoteError,
    TimeoutError_,
    TransportError,
)
from server.oauth import TokenKeeper
from server.pacing import Pacer

logger = logging.getLogger(__name__)

USER_AGENT = "bitrix24-scrum-mcp/0.1"
_NOT_SENT = (httpx2.ConnectError, httpx2.ConnectTimeout, httpx2.PoolTimeout)
_LOST_ANSWER = (
    httpx2.ReadTimeout,
    httpx2.WriteTimeout,
    httpx2.ReadError,
    httpx2.WriteError,
    httpx2.RemoteProtocolError,
    httpx2.CloseError,
)


class Bitrix24Client:
    """Sends `tasks.api.scrum.*` (and companion) calls to one portal."""

    def __init__(
        self,
        portal: Webhook | OAuth,
        limits: Limits | None = None,
        *,
        transport: httpx2.AsyncBaseTransport | None = None,
    ) -> None:
        self.portal = portal
        self.limits = limits or Limits()
        self.pacer = Pacer(self.limits.rate_per_s, self.limits.burst)
        self._http = httpx2.AsyncClient(
            transport=transport,
            timeout=httpx2.Timeout(
                self.limits.read_timeout_s, connect=self.limits.connect_timeout_s
            ),
            headers={"Accept": "application/json", "User-Agent": USER_AGENT},
            follow_redirects=False,  # a redirect could carry the body to another host
        )
        self.tokens = TokenKeeper(portal, self._http) if isinstance(portal, OAuth) else None
        self.requests_sent = 0

    async def aclose(self) -> None:
        await self._http.aclose()

    def _url(self, method: str) -> str:
        if isinstance(self.portal, Webhook):
            return f"{self.portal.base}{method}"
        return f"{self.portal.origin}/rest/{method}"

    async def call(
        self, method: str, params: Mapping[str, Any] | None = None, *, write: bool = True
    ) -> RestResult:
        """Call one REST method; `write=False` lets timeouts and 5xx answers be retried.

        Raises:
            Bitrix24Error: every failure, already carrying its wire code and `retryable`.
        """
        deadline = time.monotonic() + self.limits.total_timeout_s
        attempt = 0
        refreshed = False
        while True:
            try:
                return await self._attempt(method, params or {}, write=write, deadline=deadline)
            except AuthError as exc:
                if exc.error != "expired_token" or refreshed or not self._can_refresh():
                    raise
                assert self.tokens is not None
                await self.tokens.refresh(exc)  # the call was refused, so repeating it is safe
                refreshed = True
                continue
            except Bitrix24Error as exc:
                if not self._may_retry(exc, write) or attempt >= self.limits.max_retries:
                    raise
                pause = self._backoff(attempt)
                if time.monotonic() + pause >= deadline:
                    raise
                attempt += 1
                logger.info(
                    "retrying %s after %s (attempt %d, in %.2fs)", method, exc.error, attempt, pause
                )
                await anyio.sleep(pause)

    def _can_refresh(self) -> bool:
        return self.tokens is not None and self.tokens.can_refresh

    @staticmethod
    def _may_retry(exc: Bitrix24Error, write: bool) -> bool:
        if isinstance(exc, RateLimitedError):
            return exc.error == "QUERY_LIMIT_EXCEEDED"  # OPERATION_TIME_LIMIT lasts minutes
        if isinstance(exc, ConnectFailedError):
            return True
        if write:
            return False
        if isinstance(exc, TransportError):
            return True
        if isinstance(exc, (RemoteError, BadResponseError)):
            return exc.http_status is not None and exc.http_status >= 500
        return False

    def _backoff(self, attempt: int) -> float:
        base = self.limits.backoff_s * (2**attempt)
        return min(base, 10.0) * (0.5 + random.random())  # full jitter around the step

    async def _attempt(
        self, method: str, params: Mapping[str, Any], *, write: bool, deadline: float
    ) -> RestResult:
        await self.pacer.acquire()
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError_(
                f"no answer within the total timeout of {self.limits.total_timeout_s:g}s",
                method=method,
                retryable=not write,
            )
        body = dict(params)
        if self.tokens is not None:
            body["auth"] = self.tokens.access_token
        timeout = httpx2.Timeout(
            min(self.limits.read_timeout_s, remaining),
            connect=min(self.limits.connect_timeout_s, remaining),
        )
        self.requests_sent += 1
        try:
            async with self._http.stream(
                "POST", self._url(method), json=body, timeout=timeout
            ) as response:
                content = await self._read_capped(response, method)
                status = response.status_code
                content_type = response.headers.get("content-type", "")
        except _NOT_SENT as exc:
            raise ConnectFailedError(
                f"could not connect to the portal ({type(exc).__name__})", method=method
            ) from None
        except httpx2.TimeoutException as exc:
            raise self._lost(method, write, f"no answer in time ({type(exc).__name__})") from None
        except _LOST_ANSWER as exc:
            raise self._lost(method, write, f"connection lost ({type(exc).__name__})") from None
        except httpx2.HTTPError as exc:
            raise TransportError(
                f"HTTP failure ({type(exc).__name__})", method=method, retryable=not write
            ) from None
        try:
            return envelope.parse(method, status, content_type, content)
        except RateLimitedError:
            self.pacer.saturated()
            raise

    @staticmethod
    def _lost(method: str, write: bool, what: str) -> TransportError:
        if write:
            return OutcomeUnknownError(
                f"{what} after the request was sent: the change may or may not have been applied",
                method=method,
            )
        return TimeoutError_(what, method=method, retryable=True)

    async def _read_capped(self, response: httpx2.Response, method: str) -> bytes:
        cap = self.limits.max_response_bytes
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > cap:
                raise BadResponseError(
                    f"the portal's answer is larger than {cap} bytes",
                    method=method,
                    http_status=response.status_code,
                )
            chunks.append(chunk)
        return b"".join(chunks)
