# pyright: strict
"""Every error the emulated portal can put on the wire, one class per wire code.

A handler raises one of these; the app renders it with :meth:`RestError.body` and
:attr:`RestError.http_status`, so the exact Bitrix24 body lives in one place.
portal: `RestException::output()` sends `(string)$code`, so every code is a JSON string,
and an error body has no `time` (it never passes `appendDebugInfo`).

    RestError(code, description, http_status)
    ├── MethodError          "error": "0"   — a Scrum controller's own message (HTTP 400)
    ├── BindingError         "error": "100" — a missing or ill-typed action parameter
    ├── system errors (string codes, rest-basics §7)
    │   ├── NoAuthFoundError, InvalidCredentialsError, ExpiredTokenError, InvalidTokenError
    │   ├── InsufficientScopeError, MethodNotFoundError
    │   ├── QueryLimitExceededError, InternalServerError
    │   └── BatchLengthExceededError, BatchMethodNotAllowedError
    └── OAuth server errors (RFC 6749 codes; the descriptions are ours, the docs give none)
        └── InvalidRequestError, InvalidGrantError, InvalidClientError
"""

from __future__ import annotations

from typing import Any


class RestError(Exception):
    """An error answer: `{"error": code, "error_description": text}` with an HTTP status."""

    def __init__(self, code: str, description: str, http_status: int) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.http_status = http_status

    def body(self) -> dict[str, Any]:
        """The JSON body exactly as a portal sends it."""
        return {"error": self.code, "error_description": self.description}


class MethodError(RestError):
    """A controller error: `new Error($message)` has code 0, sent as `"0"` with HTTP 400
    (`RestException::getStatus` for status 0). docs: the pages show `"error": 0`, a number.

    `keeps_effects`: the action failed after writes that a portal does not undo (it has no
    transaction around an action), so they are committed before the error is sent.
    """

    def __init__(self, description: str, *, keeps_effects: bool = False) -> None:
        super().__init__("0", description, 400)
        self.keeps_effects = keeps_effects


class ThrownError(MethodError):
    """An exception inside the action (a PHP `\\Error`, code 0): the action returns nothing,
    so the gateway reports it even where the action would have returned `false` or `[]`."""


class BindingError(RestError):
    """An action-parameter binding error: `ArgumentException` code 100, sent as `"100"`."""

    def __init__(self, description: str) -> None:
        super().__init__("100", description, 400)


class NoAuthFoundError(RestError):
    def __init__(self) -> None:
        super().__init__("NO_AUTH_FOUND", "Wrong authorization data", 401)


class InvalidCredentialsError(RestError):
    """What a real portal answers for a wrong webhook code or user (HTTP 401, not the 403 of §7)."""

    def __init__(self) -> None:
        super().__init__("INVALID_CREDENTIALS", "Invalid request credentials", 401)


class ExpiredTokenError(RestError):
    def __init__(self) -> None:
        super().__init__("expired_token", "The access token provided has expired", 401)


class InvalidTokenError(RestError):
    """Not in the docs; the wording of the OAuth2 server library Bitrix24 uses."""

    def __init__(self) -> None:
        super().__init__("invalid_token", "The access token provided is invalid", 401)


class InsufficientScopeError(RestError):
    def __init__(self) -> None:
        super().__init__(
            "insufficient_scope",
            "The request requires higher privileges than provided by the webhook token",
            403,
        )


class MethodNotFoundError(RestError):
    """A real portal's wording carries the exclamation mark."""

    def __init__(self) -> None:
        super().__init__("ERROR_METHOD_NOT_FOUND", "Method not found!", 404)


class QueryLimitExceededError(RestError):
    def __init__(self) -> None:
        super().__init__("QUERY_LIMIT_EXCEEDED", "Too many requests", 503)


class InternalServerError(RestError):
    def __init__(self) -> None:
        super().__init__("INTERNAL_SERVER_ERROR", "Internal server error", 500)


class BatchLengthExceededError(RestError):
    def __init__(self) -> None:
        super().__init__("ERROR_BATCH_LENGTH_EXCEEDED", "Max batch length exceeded", 400)


class BatchMethodNotAllowedError(RestError):
    def __init__(self) -> None:
        super().__init__(
            "ERROR_BATCH_METHOD_NOT_ALLOWED", "Method is not allowed for batch usage", 405
        )


class InvalidRequestError(RestError):
    def __init__(self) -> None:
        super().__init__(
            "invalid_request", "grant_type=refresh_token and refresh_token are required", 400
        )


class InvalidGrantError(RestError):
    def __init__(self) -> None:
        super().__init__("invalid_grant", "The refresh token is invalid or expired", 400)


class InvalidClientError(RestError):
    def __init__(self) -> None:
        super().__init__("invalid_client", "The client credentials are invalid", 401)
