"""fast-bitrix24 against the sandbox, unchanged (it takes the webhook URL as given, http too).

Run by tests/compat/test_official_clients.py with the interpreter of .ci/compat/venv:
`python fast_bitrix24_client.py <webhook_url> [rate]`. Prints one JSON report: every check
with whether it passed, and how many library calls it made. Calls are written as its
README shows them: `get_all`, `get_by_ID`, `call` (with lists of items), `call_batch`.
"""

from __future__ import annotations

import logging
import sys

from fast_bitrix24 import Bitrix
from fast_bitrix24.server_response import ErrorInServerResponseException
from report import check, emit, raised

logging.disable(logging.CRITICAL)
URL = sys.argv[1]
MODE = sys.argv[2] if len(sys.argv) > 2 else "full"
b = Bitrix(URL, verbose=False)
S = "tasks.api.scrum."
if MODE == "rate":
    items = [{"id": 23}] * 20
    check(
        "call over a list of 20 items, rate-limited",
        lambda: b.call(S + "sprint.get", items),
        lambda r: len(r) == 20 and all(s["id"] == 23 for s in r),
    )
    for i in range(20):
        check(
            f"single call {i}, rate-limited",
            lambda: b.call(S + "task.get", {"id": 101}, raw=True),
            lambda r: r["result"]["entityId"] == 23,
        )
else:
    # fast-bitrix24 sends even one call as a batch command keyed "order0000000000" and
    # unwraps only single-key results, so an object answer comes back under that key
    # (CallUserRequest.run / ServerResponseParser.extract_from_batch_response): the same
    # on a portal. raw=True gives the plain envelope.
    check(
        "call sprint.get (keyed by its batch command)",
        lambda: b.call(S + "sprint.get", {"id": 23}),
        lambda r: r["order0000000000"]["id"] == 23,
    )
    check(
        "call sprint.get raw",
        lambda: b.call(S + "sprint.get", {"id": 23}, raw=True),
        lambda r: r["result"]["id"] == 23,
    )
    check(
        "call epic.add",
        lambda: b.call(S + "epic.add", [{"fields": {"name": "FB epic", "groupId": 11}}]),
        lambda r: r[0]["name"] == "FB epic",
    )
    check(
        "call over a list of items (batched)",
        lambda: b.call(S + "task.get", [{"id": 101}, {"id": 102}, {"id": 104}]),
        lambda r: [t["entityId"] for t in r] == [23, 23, 21],
    )
    check(
        "get_all tasks.task.list (counted)",
        lambda: b.get_all("tasks.task.list", {"filter": {"GROUP_ID": 11}, "select": ["ID"]}),
        lambda r: len(r) == 11,
    )
    check(
        "get_all epic.list",
        lambda: b.get_all(S + "epic.list", {"filter": {"GROUP_ID": 11}}),
        lambda r: len(r) == 4,
    )
    b.call(S + "epic.add", [{"fields": {"name": f"Bulk {i}", "groupId": 11}} for i in range(60)])
    # portal: epic.list sends no total, so get_all (which pages by `total`) stops at 50.
    check(
        "get_all epic.list of 64 (uncounted: first page only)",
        lambda: b.get_all(S + "epic.list", {"filter": {"GROUP_ID": 11}}),
        lambda r: len(r) == 50,
    )
    check(
        "get_all sprint.list",
        lambda: b.get_all(S + "sprint.list", {"filter": {"GROUP_ID": 11}}),
        lambda r: [s["id"] for s in r] == [23],
    )
    check(
        "get_by_ID tasks.task.get",
        lambda: b.get_by_ID("tasks.task.get", [101, 102], ID_field_name="taskId"),
        lambda r: set(map(str, r)) >= {"101", "102"} or len(r) == 2,
    )
    check(
        "call_batch with a $result reference",
        lambda: b.call_batch(
            {
                "halt": 0,
                "cmd": {
                    "sprint": f"{S}sprint.get?id=23",
                    "backlog": f"{S}backlog.get?id=$result[sprint][groupId]",
                },
            }
        ),
        lambda r: r["backlog"]["id"] == 21,
    )
    check(
        "call_batch with a failing command raises",
        lambda: raised(lambda: b.call_batch({"halt": 0, "cmd": {"bad": f"{S}sprint.get?id=999"}})),
        lambda e: isinstance(e, ErrorInServerResponseException),
    )
    check(
        "controller error raises",
        lambda: raised(lambda: b.call(S + "sprint.get", {"id": 999})),
        lambda e: e is not None and "Sprint not found" in str(e),
    )
    check(
        "kanban.addTask refused is a plain false",
        lambda: b.call(S + "kanban.addTask", {"sprintId": 999, "taskId": 101, "stageId": 1}),
        lambda r: r is False,
    )

emit("fast-bitrix24")
