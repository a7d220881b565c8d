# pyright: strict
"""Bitrix24 REST client: one pooled `httpx2.AsyncClient`, pacing, safe retries, OAuth refresh.

Retry rules (README, "Safety"): a call is retried only when repeating it cannot apply a
write twice, i.e. when the portal proves it did not execute it (QUERY_LIMIT_EXCEEDED,
expired_token) or the request never left (connection refused). Reads are also retried on
timeouts, dropped connections and 5xx answers. A write whose answer was lost is reported as
OUTCOME_UNKNOWN and never repeated.
"""

from __future__ import annotations

import email.utils
import json
import logging
import random
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, cast
from urllib.parse import urlsplit

import anyio
import httpx2

from bitrix24_scrum_mcp import callers, envelope
from bitrix24_scrum_mcp.certificates import connect_failure
from bitrix24_scrum_mcp.config import Limits, OAuth, Secret, Webhook
from bitrix24_scrum_mcp.envelope import RestResult
from bitrix24_scrum_mcp.errors import (
    AuthError,
    BadResponseError,
    Bitrix24Error,
    ClientGoneError,
    ConnectFailedError,
    InvalidArgumentsError,
    OutcomeUnknownError,
    RateLimitedError,
    RemoteError,
    TimeoutError_,
    TransportError,
)
from bitrix24_scrum_mcp.oauth import TokenKeeper, TokenSource
from bitrix24_scrum_mcp.pacing import DeadlinePassed, Pacer, PortalBudget, Slot

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
        pacer: PortalBudget | None = None,
        tokens: TokenSource | None = None,
    ) -> None:
        """`pacer` and `tokens` are given by a team server: one pacer per portal shared by
        everyone on it, and each person's tokens kept in the shared store."""
        self.portal = portal
        self.limits = limits or Limits()
        self.pacer: PortalBudget = pacer or Pacer(self.limits.rate_per_s, self.limits.burst)
        self._transport = transport
        self._http_client: httpx2.AsyncClient | None = None
        if tokens is None and isinstance(portal, OAuth):
            tokens = TokenKeeper(portal, self._http)
        self.tokens = tokens
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
                # Retry-After is the portal's own word on when a repeat can succeed.
                pause = max(self._backoff(attempt), exc.retry_after or 0.0)
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
        slot = await self._slot(method, deadline)
        remaining = deadline - time.monotonic()
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
                    answer = await self._read_capped(response, method)
                    status = response.status_code
                    headers = response.headers
        except _NOT_SENT as exc:
            self.pacer.release(slot)  # nothing reached the portal
            raise connect_failure(exc, method) from None  # TLS_CERTIFICATE or CONNECT_FAILED
        except (httpx2.TimeoutException, TimeoutError) as exc:
            raise self._lost(
                method, write, f"no answer in time ({type(exc).__name__})", timeout=True
            ) from None
        except (*_LOST_ANSWER, httpx2.HTTPError, OSError) as exc:
            raise self._lost(method, write, f"connection lost ({type(exc).__name__})") from None
        try:
            if 300 <= status < 400:
                raise _redirect(method, status, headers.get("location", ""))
            result = await envelope.parse_answer(
                method, status, headers.get("content-type", ""), answer
            )
            del answer  # a large body is garbage from here on
            if status >= 500:
                raise _unsure(method, status, write)
            return result
        except Bitrix24Error as exc:
            if status in (429, 503):
                exc.retry_after = retry_after(headers.get("retry-after", ""))
            if isinstance(exc, RateLimitedError):
                self.pacer.saturated()
            raise

    async def _slot(self, method: str, deadline: float) -> Slot:
        """A slot of the portal's budget for the current caller, or why there is none.

        The wait counts against the call's total timeout, and a caller who has gone by the
        time its turn comes gives the slot back: nothing is sent for nobody.
        """
        caller = callers.current()
        try:
            slot = await self.pacer.acquire(caller.key, deadline)
        except DeadlinePassed:
            raise self._too_late(method) from None
        try:
            if await caller.gone():
                raise ClientGoneError(
                    "the MCP client went away before the request was sent; nothing was sent",
                    method=method,
                )
            if time.monotonic() >= deadline:
                raise self._too_late(method)
        except BaseException:
            self.pacer.release(slot)
            raise
        return slot

    def _too_late(self, method: str) -> TimeoutError_:
        return TimeoutError_(  # nothing was sent yet, so trying again later is safe
            f"the total timeout of {self.limits.total_timeout_s:g}s passed before the "
            "request could be sent (the portal's request budget was busy)",
            method=method,
            retryable=True,
        )

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

    async def _read_capped(self, response: httpx2.Response, method: str) -> bytearray:
        cap = self.limits.max_response_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > cap:
            raise BadResponseError(
                f"the portal's answer is larger than {cap} bytes",
                method=method,
                http_status=response.status_code,
            )
        body = bytearray()  # one growing buffer: a list of chunks and their join is twice
        async for chunk in response.aiter_bytes():
            if len(body) + len(chunk) > cap:
                raise BadResponseError(
                    f"the portal's answer is larger than {cap} bytes",
                    method=method,
                    http_status=response.status_code,
                )
            body += chunk
        return body


def _redirect(method: str, status: int, location: str) -> BadResponseError:
    """A 3xx is never followed (it could carry the body, and the webhook code, elsewhere).

    The message names where it pointed by host only: a path could hold a secret.
    """
    try:
        host = urlsplit(location).hostname or ""
    except ValueError:
        host = ""
    where = f" to {host}" if host else ""
    return BadResponseError(
        f"the portal answered HTTP {status}, a redirect{where}, which is not followed: "
        "check the portal address (it must be the portal itself, with https://)",
        method=method,
        http_status=status,
    )


def _unsure(method: str, status: int, write: bool) -> Bitrix24Error:
    """A 5xx answer that carries a `result` anyway: not a success."""
    if write:
        return OutcomeUnknownError(
            f"the portal answered HTTP {status} with a result: the change may or may not "
            "have been applied",
            method=method,
            http_status=status,
        )
    return BadResponseError(
        f"the portal answered HTTP {status} with a result, which cannot be trusted",
        method=method,
        http_status=status,
    )


MAX_RETRY_AFTER_S = 3600.0


def retry_after(value: str) -> float | None:
    """`Retry-After` as seconds from now: delta-seconds or an HTTP date (RFC 9110 10.2.3)."""
    value = value.strip()
    if not value:
        return None
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER_S)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    seconds = (when - datetime.now(UTC)).total_seconds()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_S)
