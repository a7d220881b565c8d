"""Reading a REST `batch` answer: one sub-call's value or error by its command key.

docs (batch.md): the answer is HTTP 200 whatever the sub-calls did, with per-key maps
`result`, `result_error`, `result_total` and `result_next`; PHP sends an empty map as `[]`.
Both paged lists (server/pages.py) and the bulk tool (server/bulk.py) read it through here.
"""

from __future__ import annotations

from typing import Any

from bitrix24_scrum_mcp.errors import RemoteError, remote_error


def _map(data: dict[str, Any], name: str) -> dict[str, Any]:
    value = data.get(name)
    return value if isinstance(value, dict) else {}


class BatchAnswer:
    def __init__(self, result: Any) -> None:
        data = result if isinstance(result, dict) else {}
        self._values = _map(data, "result")
        self._errors = _map(data, "result_error")
        self._totals = _map(data, "result_total")
        self._nexts = _map(data, "result_next")

    def error(self, key: str, method: str) -> RemoteError | None:
        """The sub-call's error, as the same error class a direct call would raise."""
        if key not in self._errors:
            return None
        err = self._errors[key] if isinstance(self._errors[key], dict) else {}
        return remote_error(
            err.get("error", "ERROR"),
            str(err.get("error_description", "")),
            method=method,
            http_status=None,  # sub-call errors carry no status of their own
        )

    def has(self, key: str) -> bool:
        return key in self._values

    def value(self, key: str) -> Any:
        return self._values.get(key)

    def total(self, key: str) -> int | None:
        return self._totals.get(key)

    def next(self, key: str) -> int | None:
        return self._nexts.get(key)
