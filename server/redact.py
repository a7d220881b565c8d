"""Secret redaction for every string that leaves the process (logs, errors, doctor output).

Secrets are registered as soon as configuration reads them; the logging filter and error
rendering pass text through `REDACTOR.scrub`. Scrubbing replaces exact occurrences and
their URL-encoded forms, so a secret inside a URL in some library's message is caught too.
"""

from __future__ import annotations

import logging
import threading
from typing import cast
from urllib.parse import quote

MASK = "***"
_MIN_SECRET_LEN = 4  # shorter strings would mask ordinary words


class Redactor:
    def __init__(self) -> None:
        self._secrets: set[str] = set()
        self._lock = threading.Lock()

    def add(self, secret: str) -> None:
        if len(secret) < _MIN_SECRET_LEN:
            return
        with self._lock:
            self._secrets.update({secret, quote(secret, safe="")})

    def discard(self, secret: str) -> None:
        """Stop masking a secret that is no longer used (a replaced access token), so a
        long-running team server does not scrub with every token it ever held."""
        with self._lock:
            self._secrets.difference_update({secret, quote(secret, safe="")})

    def _ordered(self) -> list[str]:
        with self._lock:
            return sorted(self._secrets, key=len, reverse=True)

    def scrub(self, text: str) -> str:
        for secret in self._ordered():
            if secret in text:
                text = text.replace(secret, MASK)
        return text

    def found_in(self, text: str) -> bool:
        """Whether any secret occurs in `text` (one C-speed scan a secret)."""
        return any(secret in text for secret in self._ordered())

    def scrub_bytes(self, data: bytes | bytearray) -> bytes | bytearray:
        """The same for raw bytes (an HTTP body), without decoding them."""
        for secret in self._ordered():
            raw = secret.encode()
            if raw in data:
                data = data.replace(raw, MASK.encode())
        return data

    def scrub_any(self, value: object) -> object:
        """Scrub every string inside a JSON-like value (dict keys included)."""
        if isinstance(value, str):
            return self.scrub(value)
        if isinstance(value, dict):
            items = cast("dict[object, object]", value).items()
            return {self.scrub_any(k): self.scrub_any(v) for k, v in items}
        if isinstance(value, (list, tuple)):
            return [self.scrub_any(v) for v in cast("list[object] | tuple[object, ...]", value)]
        return value


REDACTOR = Redactor()


class RedactingFilter(logging.Filter):
    """Render each record once, scrubbed, so no handler can print a secret."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info:
            message = f"{message}\n{logging.Formatter().formatException(record.exc_info)}"
            record.exc_info = None
            record.exc_text = None
        record.msg = REDACTOR.scrub(message)
        record.args = None
        return True


def configure_logging(level: str) -> None:
    """Log to stderr only (stdout belongs to the MCP stdio transport), secrets scrubbed."""
    import sys

    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(level)  # our own loggers may run lower, for client log notifications
    handler.addFilter(RedactingFilter())
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
