"""b24pysdk (the official Python SDK) against the sandbox, unchanged but for the URL scheme.

Run by tests/compat/test_official_clients.py with the interpreter of .ci/compat/venv:
`python b24pysdk_client.py <webhook_url> [rate]`. Prints one JSON report: every check
with whether it passed, and how many SDK calls it made. Written as a developer using the
SDK would write it (its README's examples); only `https` is swapped for `http`.
"""

from __future__ import annotations

import sys
from urllib.parse import urlsplit

from b24pysdk import BitrixWebhook, Client, Config
from b24pysdk.api.callers.call_method import _MethodCaller
from b24pysdk.errors import BitrixAPIBadRequest, BitrixAPIError
from report import check, emit, raised

# The one patch the suite allows: the SDK builds https:// URLs; the sandbox is loopback http.
_MethodCaller._base_url = property(lambda self: f"http://{self._domain}/rest")

URL = urlsplit(sys.argv[1])
MODE = sys.argv[2] if len(sys.argv) > 2 else "full"
TOKEN = BitrixWebhook(domain=URL.netloc, webhook_token="/".join(URL.path.split("/")[2:4]))
client = Client(TOKEN)
scrum = client.tasks.api.scrum
Config().configure(
    default_initial_retry_delay=0.5, default_retry_delay_increment=0.5, default_max_retries=8
)
if MODE == "rate":
    # 20 calls at once against --rate-limit: the SDK retries 503 QUERY_LIMIT_EXCEEDED.
    for i in range(20):
        check(
            f"rate-limited call {i}",
            lambda: scrum.sprint.get(sprint_id=23).result,
            lambda r: r["id"] == 23,
        )
else:
    check(
        "typed sprint.get",
        lambda: scrum.sprint.get(sprint_id=23).result,
        lambda r: r["id"] == 23 and r["status"] == "planned",
    )
    check(
        "typed backlog.get by group",
        lambda: scrum.backlog.get(bitrix_id=11).result,
        lambda r: r["id"] == 21,
    )
    check(
        "typed epic.add",
        lambda: scrum.epic.add(fields={"name": "SDK epic", "groupId": 11}).result,
        lambda r: r["name"] == "SDK epic",
    )
    check(
        "typed epic.list",
        lambda: scrum.epic.list(filter={"GROUP_ID": 11}).result,
        lambda r: len(r) == 4,
    )
    check(
        "typed task.get",
        lambda: scrum.task.get(bitrix_id=101).result,
        lambda r: r["entityId"] == 23,
    )
    check(
        "typed task.update",
        lambda: scrum.task.update(bitrix_id=104, fields={"storyPoints": "3"}).result,
        lambda r: r is True,
    )
    check(
        "typed sprint.getFields",
        lambda: scrum.sprint.get_fields().result,
        lambda r: "dateStart" in r["fields"],
    )
    check(
        "generic call_method",
        lambda: TOKEN.call_method("tasks.api.scrum.sprint.get", {"id": 23})["result"],
        lambda r: r["id"] == 23,
    )
    check(
        "typed tasks.task.list as_list (counted list)",
        lambda: client.tasks.task.list(select=["ID"], filter={"GROUP_ID": 11}).as_list().result,
        lambda r: len(r) == 11,
    )
    check(
        "typed tasks.task.list as_list_fast",
        lambda: list(
            client.tasks.task.list(select=["ID"], filter={"GROUP_ID": 11}).as_list_fast().result
        ),
        lambda r: len(r) == 11,
    )
    for i in range(48):
        _ = scrum.epic.add(fields={"name": f"Bulk {i}", "groupId": 11}).result
    # portal: epic.list sends no total/next, so the SDK's as_list stops after the first page.
    check(
        "typed epic.list as_list (uncounted list: first page only)",
        lambda: scrum.epic.list(filter={"GROUP_ID": 11}).as_list().result,
        lambda r: len(r) == 50,
    )
    check(
        "typed kanban.addTask refused is a plain false",
        lambda: scrum.kanban.add_task(sprint_id=999, task_id=101, stage_id=1).result,
        lambda r: r is False,
    )
    # The typed wrappers check `int` ids, so references go through the low-level helper.
    check(
        "typed call_batch",
        lambda: (
            client.call_batch(
                {
                    "sprint": scrum.sprint.get(sprint_id=23),
                    "backlog": scrum.backlog.get(bitrix_id=11),
                }
            ).result.result
        ),
        lambda r: r["sprint"]["id"] == 23 and r["backlog"]["id"] == 21,
    )
    check(
        "low-level call_batch with $result[...]",
        lambda: TOKEN.call_batch(
            {
                "sprint": ("tasks.api.scrum.sprint.get", {"id": 23}),
                "backlog": ("tasks.api.scrum.backlog.get", {"id": "$result[sprint][groupId]"}),
            }
        )["result"]["result"],
        lambda r: r["backlog"]["id"] == 21,
    )
    check(
        "call_batches over 60 commands",
        lambda: client.call_batches([scrum.task.get(bitrix_id=101)] * 60).result.result,
        lambda r: len(r) == 60,
    )
    check(
        "batch error of one command",
        lambda: TOKEN.call_batch(
            {
                "bad": ("tasks.api.scrum.sprint.get", {"id": 999}),
            }
        )["result"]["result_error"],
        lambda r: r["bad"] == {"error": "0", "error_description": "Sprint not found"},
    )
    err = raised(lambda: scrum.sprint.get(sprint_id=999).result)
    check(
        "controller error class",
        lambda: type(err).__name__,
        lambda r: isinstance(err, BitrixAPIBadRequest),
    )
    check("exc.error on a controller error", lambda: err.error, lambda r: r == "0")  # pyright: ignore[reportAttributeAccessIssue, reportOptionalMemberAccess]
    check("exc.error_description", lambda: err.error_description, lambda r: r == "Sprint not found")  # pyright: ignore[reportAttributeAccessIssue, reportOptionalMemberAccess]
    bind = raised(lambda: TOKEN.call_method("tasks.api.scrum.sprint.get", {}))
    check("binding error code", lambda: bind.error, lambda r: r == "100")  # pyright: ignore[reportAttributeAccessIssue, reportOptionalMemberAccess]
    check(
        "task.get error is HTTP 400",
        lambda: raised(lambda: scrum.task.get(bitrix_id=0).result),
        lambda e: isinstance(e, BitrixAPIBadRequest) and e.error_description == "Task id not found",
    )
    check(
        "unknown method",
        lambda: raised(lambda: TOKEN.call_method("tasks.api.scrum.nope.get", {})),
        lambda e: isinstance(e, BitrixAPIError) and e.error == "ERROR_METHOD_NOT_FOUND",
    )
    check(
        "typed sprint.start",
        lambda: scrum.sprint.start(bitrix_id=23).result,
        lambda r: r["status"] == "active",
    )
    stages = scrum.kanban.get_stages(sprint_id=23).result
    check(
        "typed task.stages.movetask",
        lambda: client.task.stages.movetask(bitrix_id=101, stage_id=int(stages[1]["id"])).result,
        lambda r: r is True,
    )
    check(
        "typed kanban.getStages ids are strings",
        lambda: stages,
        lambda r: [s["type"] for s in r] == ["NEW", "WORK", "FINISH"],
    )

emit("b24pysdk")
