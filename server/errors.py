# pyright: strict
"""Every failure a tool call can end in, and its one wire form.

    Bitrix24Error                      structured tool error: {error, error_description,
    ├── InvalidArgumentsError            method, http_status, retryable[, details]}
    ├── UnknownToolError               (raised as a JSON-RPC error, not a tool result)
    ├── TransportError                 no usable HTTP answer
    │   ├── ConnectFailedError           nothing was sent: always safe to retry
    │   ├── TimeoutError_                the portal did not answer in time
    │   └── OutcomeUnknownError          a write was sent, the answer was lost
    ├── ClientGoneError                the MCP client left before the request was sent
    ├── CancelledByUserError           the person declined a destructive call's confirmation
    ├── ResultTooLargeError            a read's result would flood the model's context
    ├── BadResponseError               an answer that is not a Bitrix24 envelope
    ├── PortalRefusedError             a success answer whose value means "failed"
    ├── InvalidStateError              the portal's data rules the call out (a workbench tool)
    └── RemoteError                    the portal's own {error, error_description}
        ├── RateLimitedError             QUERY_LIMIT_EXCEEDED, OPERATION_TIME_LIMIT
        └── AuthError                    NO_AUTH_FOUND, expired_token, insufficient_scope...

Messages are built here from method names and statuses, never from `str()` of an HTTP
library exception: those carry the request URL, and a webhook URL carries its secret.
`ERROR_SCHEMA` declares the wire form exactly; every tool's outputSchema admits it.
"""

from __future__ import annotations

from typing import Any, cast

from bitrix24_scrum_mcp.redact import REDACTOR

RATE_LIMIT_CODES = frozenset({"QUERY_LIMIT_EXCEEDED", "OPERATION_TIME_LIMIT"})
AUTH_CODES = frozenset(
    {
        "NO_AUTH_FOUND",
        "expired_token",
        "invalid_token",
        "INVALID_CREDENTIALS",
        "insufficient_scope",
        "user_access_error",
        "ACCESS_DENIED",
    }
)


MAX_FIELDS_PER_LINE = 8

_NULLABLE_INT: dict[str, Any] = {"anyOf": [{"type": "integer"}, {"type": "null"}]}

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "error": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
        "error_description": {"type": "string"},
        "method": {"type": "string"},
        "http_status": _NULLABLE_INT,
        "retryable": {"type": "boolean"},
        "details": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {n: {"type": "string"} for n in ("field", "type", "message")},
                "required": ["field", "type", "message"],
                "additionalProperties": False,
            },
        },
    },
    "required": ["error", "error_description", "method", "http_status", "retryable"],
    "additionalProperties": False,
}
"""The error object key for key, as the second branch of every tool's outputSchema.

No descriptions (the server instructions explain it once, and this is repeated in every
tool's schema) and `anyOf` rather than type lists, which the Inspector's strict lint flags."""


class Bitrix24Error(Exception):
    """Base of all tool-call failures; `to_payload()` is the contract's error object."""

    code: str = "ERROR"
    retryable: bool = False
    retry_after: float | None = None
    """Seconds the portal asked us to wait (`Retry-After` on a 429/503), when it did."""

    def __init__(
        self,
        description: str,
        *,
        method: str = "",
        http_status: int | None = None,
        retryable: bool | None = None,
    ) -> None:
        description = REDACTOR.scrub(description)  # str(exc) must not show a secret either
        super().__init__(description)
        self.description = description
        self.method = method
        self.http_status = http_status
        if retryable is not None:
            self.retryable = retryable

    @property
    def error(self) -> str | int:
        return self.code

    @property
    def maybe_applied(self) -> bool:
        """Whether a write that failed this way may nevertheless have been applied.

        The one rule behind every "check the current state with ..." hint. A lost or
        unreadable answer says nothing about what the portal did; a 5xx the portal reported
        itself may come after the change was made; anything else (a 4xx, a refusal for rate,
        a request never sent) means the call did not run.
        """
        if isinstance(self, (OutcomeUnknownError, BadResponseError)):
            return True
        return (
            isinstance(self, RemoteError) and (self.http_status or 0) >= 500 and not self.retryable
        )

    def to_payload(self) -> dict[str, Any]:
        """The wire form; every string scrubbed, as descriptions can come from the portal."""
        payload = {
            "error": self.error,
            "error_description": self.description,
            "method": self.method,
            "http_status": self.http_status,
            "retryable": self.retryable,
        }
        return cast(dict[str, Any], REDACTOR.scrub_any(payload))

    def one_line(self, tool: str) -> str:
        """The error result's text content: what text-only clients show the model."""
        status = f", HTTP {self.http_status}" if self.http_status is not None else ""
        wait = (
            f"; the portal asked to wait {self.retry_after:g}s before trying again (Retry-After)"
            if self.retry_after is not None
            else ""
        )
        return REDACTOR.scrub(
            f"{tool} failed: {self.description} (error {self.error}{status}){wait}"
        )


class InvalidArgumentsError(Bitrix24Error):
    """The arguments do not match the tool's input schema; nothing was sent."""

    code = "INVALID_ARGUMENTS"
    MAX_TEXT = 1200

    def __init__(self, details: list[dict[str, Any]], *, method: str = "") -> None:
        fields = ", ".join(d["field"] or "(arguments)" for d in details)
        super().__init__(f"invalid arguments: {fields}", method=method)
        self.details = details

    def to_payload(self) -> dict[str, Any]:
        return {**super().to_payload(), "details": REDACTOR.scrub_any(self.details)}

    def one_line(self, tool: str) -> str:
        """Every problem, one line per message, so a model can fix its call in one retry.

        openai-agents, langchain and the AI SDK show the model only this text, never
        `details`: a misspelt `groupid` must be visible here, not hidden behind the
        "required" errors it causes. Unknown fields come first (they usually explain the
        rest), fields with the same message share a line, and the text is capped at
        `MAX_TEXT` characters; `details` keeps everything.
        """
        groups: dict[str, list[str]] = {}
        for detail in sorted(self.details, key=lambda d: d["type"] != "extra_forbidden"):
            groups.setdefault(detail["message"], []).append(detail["field"] or "(arguments)")
        count = len(self.details)
        text = f"{tool}: {count} invalid argument{'s' * (count != 1)}, nothing was sent:"
        left = count
        for message, fields in groups.items():
            where = ", ".join(fields[:MAX_FIELDS_PER_LINE])
            if len(fields) > MAX_FIELDS_PER_LINE:
                where += f" and {len(fields) - MAX_FIELDS_PER_LINE} more"
            line = f"\n{where}: {message}"
            if left < count and len(text) + len(line) > self.MAX_TEXT:
                break
            text += line[: self.MAX_TEXT]
            left -= len(fields)
        if left:
            text += f"\n(+{left} more; all of them are in structuredContent.details)"
        return REDACTOR.scrub(text)


class UnknownToolError(Bitrix24Error):
    code = "UNKNOWN_TOOL"


class TransportError(Bitrix24Error):
    """No usable HTTP answer came back."""

    code = "TRANSPORT_ERROR"


class ConnectFailedError(TransportError):
    """The connection failed before the request was sent, so nothing can have happened."""

    code = "CONNECT_FAILED"
    retryable = True


class TimeoutError_(TransportError):
    code = "TIMEOUT"


class OutcomeUnknownError(TransportError):
    """A write reached the portal but its answer was lost: it may or may not have happened."""

    code = "OUTCOME_UNKNOWN"


class ClientGoneError(Bitrix24Error):
    """The MCP client went away (disconnected or cancelled) before the request was sent."""

    code = "CANCELLED"
    retryable = True


class CancelledByUserError(Bitrix24Error):
    """The person declined (or dismissed) the confirmation of a destructive call, so nothing
    was sent; repeating the call would only ask again (confirm.py)."""

    code = "CANCELLED_BY_USER"


class ResultTooLargeError(Bitrix24Error):
    """A read's result is over BITRIX24_MAX_RESULT_BYTES even with long strings shortened."""

    code = "RESULT_TOO_LARGE"


class BadResponseError(Bitrix24Error):
    """The portal answered, but not with a Bitrix24 JSON envelope (HTML page, empty...)."""

    code = "BAD_RESPONSE"


class PortalRefusedError(Bitrix24Error):
    """The portal answered HTTP 200 with the value its controller returns after a failure the
    REST gateway does not report (`false` from the kanban writes, `null` from
    `sprint.complete`): the call failed, and the portal's reason was dropped on the way.

    portal: `RestManager::processMethodRequest` sends a controller's errors only when the
    action returns null. The description lists the causes the controller checks.
    """

    code = "PORTAL_REFUSED"

    def __init__(self, description: str, *, method: str = "", may_have_applied: bool = False):
        super().__init__(description, method=method, http_status=200)
        self.may_have_applied = may_have_applied

    @property
    def maybe_applied(self) -> bool:
        return self.may_have_applied


class InvalidStateError(Bitrix24Error):
    """What the portal holds rules the call out, found by our reads before any write: a
    task to move that is in the backlog, a group with no active sprint. Nothing was sent."""

    code = "INVALID_STATE"


class RemoteError(Bitrix24Error):
    """An error the portal reported itself; code and description are passed through as is."""

    def __init__(
        self,
        error: str | int,
        description: str,
        *,
        method: str = "",
        http_status: int | None = None,
        retryable: bool | None = None,
    ) -> None:
        super().__init__(description, method=method, http_status=http_status, retryable=retryable)
        self._error = error

    @property
    def error(self) -> str | int:
        return self._error


class RateLimitedError(RemoteError):
    """The portal refused the call for rate: it was not executed, so a retry is safe."""

    retryable = True


class AuthError(RemoteError):
    """The webhook or token is wrong, expired or lacks a scope."""


def remote_error(
    error: str | int, description: str, *, method: str, http_status: int | None
) -> RemoteError:
    """Pick the RemoteError subclass for a portal error code."""
    if error in RATE_LIMIT_CODES:
        return RateLimitedError(error, description, method=method, http_status=http_status)
    if error in AUTH_CODES:
        return AuthError(error, description, method=method, http_status=http_status)
    return RemoteError(error, description, method=method, http_status=http_status)
