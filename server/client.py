# pyright: strict
"""Bitrix24 REST client: one pooled `httpx2.AsyncClient`, pacing, safe retries, OAuth refresh.

Retry rules (README, "Safety"): a call is retried only when repeating it cannot apply a
write twice, i.e. when the portal proves it did not execute it (QUERY_LIMIT_EXCEEDED,
expired_token) or the request never left (connection refused). Reads are also retried on
timeouts, dropped connections and 5xx answers. A write whose answer was lost is reported as
OUTCOME_UNKNOWN and never repeated.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Mapping
from typing import Any, cast

import anyio
import httpx2

from bitrix24_scrum_mcp import envelope
from bitrix24_scrum_mcp.certificates import connect_failure
from bitrix24_scrum_mcp.config import Limits, OAuth, Secret, Webhook
from bitrix24_scrum_mcp.envelope import RestResult
from bitrix24_scrum_mcp.errors import (
    AuthError,
    BadResponseError,
    Bitrix24Error,
    ConnectFailedError,
    InvalidArgumentsError,
    OutcomeUnknownError,
    RateLimitedError,
    RemoteError,
    TimeoutError_,
    TransportError,
)
from bitrix24_scrum_mcp.oauth import TokenKeeper
from bitrix24_scrum_mcp.pacing import Pacer
from bitrix24_scrum_mcp.redact import REDACTOR

logger = logging.getLogger(__name__)

USER_AGENT = "bitrix24-scrum-mcp/0.1"
_NOT_SENT = (httpx2.ConnectError, httpx2.ConnectTimeout, httpx2.PoolTimeout)
_LOST_ANSWER = (
    httpx2.ReadError,
    httpx2.WriteError,
    httpx2.RemoteProtocolError,
    httpx2.CloseError,
    httpx2.DecodingError,
)
_JSON = {"Content-Type": "application/json"}
_NEVER_RETRY = frozenset({"OVERLOAD_LIMIT", "PORTAL_DELETED"})
"""5xx codes that repeating cannot fix: a manual block by support, a deleted portal."""


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
        self._transport = transport
        self._http_client: httpx2.AsyncClient | None = None
        self.tokens = TokenKeeper(portal, self._http) if isinstance(portal, OAuth) else None
        self.requests_sent = 0
        self._acting_user: int | None = None
        self._acting_user_lock = anyio.Lock()

    @property
    def _http(self) -> httpx2.AsyncClient:
        """Created on first use: its TLS context costs ~20-40 ms that start-up need not pay."""
        if self._http_client is None:
            self._http_client = httpx2.AsyncClient(
                transport=self._transport,
                timeout=httpx2.Timeout(
                    self.limits.read_timeout_s, connect=self.limits.connect_timeout_s
                ),
                headers={"Accept": "application/json", "User-Agent": USER_AGENT},
                follow_redirects=False,  # a redirect could carry the body to another host
            )
        return self._http_client

    async def aclose(self) -> None:
        if self._http_client is not None:
            await self._http_client.aclose()

    async def acting_user_id(self) -> int:
        """The user every call runs as: a webhook's user (its URL names it), or the token's
        user from `user.current`, asked once per client (one client per credential).

        Raises:
            Bitrix24Error: `user.current` failed (e.g. a token without the `user` scope).
        """
        if isinstance(self.portal, Webhook):
            return self.portal.user_id
        async with self._acting_user_lock:
            if self._acting_user is None:
                answer = await self.call("user.current", write=False)
                user: Any = answer.result
                user_id = (
                    str(cast(dict[str, Any], user).get("ID", "")) if isinstance(user, dict) else ""
                )
                if not user_id.isdigit():
                    raise BadResponseError(
                        "user.current did not name the acting user", method="user.current"
                    )
                self._acting_user = int(user_id)
            return self._acting_user

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
            token = self.tokens.current if self.tokens is not None else None
            try:
                return await self._attempt(
                    method, params or {}, write=write, deadline=deadline, token=token
                )
            except AuthError as exc:
                if exc.error != "expired_token" or refreshed or not self._can_refresh():
                    raise
                assert self.tokens is not None and token is not None
                # The call was refused, so repeating it is safe. Passing the token this call
                # used lets concurrent callers share one refresh.
                await self.tokens.refresh(exc, used=token)
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
        if isinstance(exc, RemoteError) and exc.error in _NEVER_RETRY:
            return False
        if isinstance(exc, (RemoteError, BadResponseError)):
            return exc.http_status is not None and exc.http_status >= 500
        return False

    def _backoff(self, attempt: int) -> float:
        base = self.limits.backoff_s * (2**attempt)
        return min(base, 10.0) * (0.5 + random.random())  # full jitter around the step

    async def _attempt(
        self,
        method: str,
        params: Mapping[str, Any],
        *,
        write: bool,
        deadline: float,
        token: Secret | None = None,
    ) -> RestResult:
        body = dict(params)
        if token is not None:
            body["auth"] = token.reveal()
        content = self._encode(body, method)
        await self.pacer.acquire()
        remaining = deadline - time.monotonic()
        if remaining <= 0:  # nothing was sent yet, so trying again later is safe
            raise TimeoutError_(
                f"the total timeout of {self.limits.total_timeout_s:g}s passed before the "
                "request could be sent",
                method=method,
                retryable=True,
            )
        timeout = httpx2.Timeout(
            min(self.limits.read_timeout_s, remaining),
            connect=min(self.limits.connect_timeout_s, remaining),
        )
        self.requests_sent += 1
        try:
            # The read timeout bounds each wait for bytes; this bounds the whole answer, so
            # a portal that drips its body slowly cannot hold a call past the total timeout.
            with anyio.fail_after(remaining):
                async with self._http.stream(
                    "POST", self._url(method), content=content, headers=_JSON, timeout=timeout
                ) as response:
                    content = await self._read_capped(response, method)
                    status = response.status_code
                    content_type = response.headers.get("content-type", "")
        except _NOT_SENT as exc:
            raise connect_failure(exc, method) from None  # TLS_CERTIFICATE or CONNECT_FAILED
        except (httpx2.TimeoutException, TimeoutError) as exc:
            raise self._lost(
                method, write, f"no answer in time ({type(exc).__name__})", timeout=True
            ) from None
        except (*_LOST_ANSWER, httpx2.HTTPError, OSError) as exc:
            raise self._lost(method, write, f"connection lost ({type(exc).__name__})") from None
        content = REDACTOR.scrub_bytes(content)  # a portal echoing our URL must not leak it
        try:
            return envelope.parse(method, status, content_type, content)
        except RateLimitedError:
            self.pacer.saturated()
            raise

    @staticmethod
    def _encode(body: Mapping[str, Any], method: str) -> bytes:
        """The JSON body, as httpx would send it; NaN/Infinity are refused, not sent."""
        try:
            text = json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        except (ValueError, TypeError, RecursionError):
            raise InvalidArgumentsError(
                [
                    {
                        "field": "",
                        "type": "json_invalid",
                        "message": "the arguments cannot be sent as JSON "
                        "(NaN, Infinity or nesting too deep)",
                    }
                ],
                method=method,
            ) from None
        return text.encode("utf-8")

    @staticmethod
    def _lost(method: str, write: bool, what: str, *, timeout: bool = False) -> TransportError:
        """The request was (maybe partly) sent and no usable answer came back."""
        if write:
            return OutcomeUnknownError(
                f"{what} after the request was sent: the change may or may not have been applied",
                method=method,
            )
        if timeout:
            return TimeoutError_(what, method=method, retryable=True)
        return TransportError(what, method=method, retryable=True)

    async def _read_capped(self, response: httpx2.Response, method: str) -> bytes:
        cap = self.limits.max_response_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > cap:
            raise BadResponseError(
                f"the portal's answer is larger than {cap} bytes",
                method=method,
                http_status=response.status_code,
            )
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
