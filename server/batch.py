# pyright: strict
"""Reading a REST `batch` answer: one sub-call's value or error by its command key.

docs (batch.md): the answer is HTTP 200 whatever the sub-calls did, with per-key maps
`result`, `result_error`, `result_total` and `result_next`; PHP sends an empty map as `[]`.
Both paged lists (tools/runner.py) and the bulk tool (tools/bulk.py) read it through here.
"""

from __future__ import annotations

from typing import Any, cast

from bitrix24_scrum_mcp.errors import RemoteError, remote_error


def _map(data: Any, name: str) -> dict[str, Any]:
    """One per-key map of the answer; PHP sends an empty one as `[]`, a broken one as anything."""
    value = cast(dict[str, Any], data).get(name) if isinstance(data, dict) else None
    return cast(dict[str, Any], value) if isinstance(value, dict) else {}


class BatchAnswer:
    def __init__(self, result: Any) -> None:
        self._values = _map(result, "result")
        self._errors = _map(result, "result_error")
        self._totals = _map(result, "result_total")
        self._nexts = _map(result, "result_next")

    def error(self, key: str, method: str) -> RemoteError | None:
        """The sub-call's error, as the same error class a direct call would raise."""
        if key not in self._errors:
            return None
        err = _map(self._errors, key)
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
