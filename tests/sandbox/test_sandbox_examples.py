"""Each documented request example gets the documented response shape from the seeded portal.

The examples name ids that do not exist here (group 125, task 751), so each row replays
the documented body with seeded ids. The response must carry the same keys as the doc's
example (unwrapped from `result` where the page shows a bare body: the envelope drift),
with values of the same JSON kinds.
"""

from __future__ import annotations

from typing import Any

import httpx2
import pytest
from sbx_support import call, result

from bitrix24_scrum_mcp.json_types import is_array, is_object
from bitrix24_scrum_mcp.sandbox.registry import served_methods
from bitrix24_scrum_mcp.sandbox.seed import (
    DEMO_BACKLOG_ID,
    DEMO_EPIC_PAYMENTS_ID,
    DEMO_PLAIN_GROUP_ID,
    DEMO_SCRUM_GROUP_ID,
    DEMO_SPRINT_ID,
)
from tests.spec_source import methods

pytestmark = pytest.mark.anyio

S = "tasks.api.scrum."
G, B, SP, EPIC = DEMO_SCRUM_GROUP_ID, DEMO_BACKLOG_ID, DEMO_SPRINT_ID, DEMO_EPIC_PAYMENTS_ID
TIME_KEYS = {
    "start",
    "finish",
    "duration",
    "processing",
    "date_start",
    "date_finish",
    "operating_reset_at",
    "operating",
}
SCRUM_METHODS = {
    S + name
    for name in (
        "backlog.add backlog.update backlog.get backlog.delete backlog.getFields "
        "epic.add epic.update epic.get epic.list epic.delete epic.getFields "
        "kanban.addStage kanban.updateStage kanban.getStages kanban.deleteStage "
        "kanban.addTask kanban.deleteTask kanban.getFields "
        "sprint.add sprint.update sprint.start sprint.complete sprint.get sprint.list "
        "sprint.delete sprint.getFields task.update task.get task.getFields"
    ).split()
}
# setup: "start" starts the demo sprint first; "$WORK" is then its WORK stage id.
EXAMPLES: dict[str, tuple[dict[str, Any], str | None]] = {
    S + "backlog.add": ({"fields": {"groupId": DEMO_PLAIN_GROUP_ID, "createdBy": 1}}, None),
    S + "backlog.update": ({"id": B, "fields": {"groupId": G, "createdBy": 2}}, None),
    S + "backlog.get": ({"id": G}, None),
    S + "backlog.delete": ({"id": "$EMPTY_BACKLOG"}, "empty_backlog"),
    S + "backlog.getFields": ({}, None),
    S + "epic.add": (
        {
            "fields": {
                "name": "Epic 1",
                "groupId": G,
                "description": "Description text",
                "color": "#69dafc",
                "files": ["n428", "n345"],
            }
        },
        None,
    ),
    S + "epic.update": (
        {
            "id": EPIC,
            "fields": {
                "name": "Updated epic name",
                "description": "Updated text",
                "color": "#bbecf1",
                "files": ["n429", "n243"],
            },
        },
        None,
    ),
    S + "epic.get": ({"id": EPIC}, None),
    S + "epic.list": (
        {
            "filter": {
                "GROUP_ID": G,
                ">=ID": 1,
                "<=ID": 50,
                "NAME": "%a%",
                "!=DESCRIPTION": "old epic",
            },
            "order": {"ID": "asc", "NAME": "desc"},
            "select": ["ID", "NAME", "DESCRIPTION", "CREATED_BY", "MODIFIED_BY", "COLOR"],
            "start": 0,
        },
        None,
    ),
    S + "epic.delete": ({"id": EPIC}, None),
    S + "epic.getFields": ({}, None),
    S + "kanban.addStage": (
        {
            "fields": {
                "sprintId": SP,
                "name": "First Stage",
                "type": "NEW",
                "color": "00C4FB",
                "sort": 100,
            }
        },
        None,
    ),
    S + "kanban.updateStage": (
        {
            "stageId": "$WORK",
            "fields": {"name": "Updated Stage", "type": "WORK", "color": "00C4FB", "sort": 100},
        },
        "start",
    ),
    S + "kanban.getStages": ({"sprintId": SP}, "start"),
    S + "kanban.deleteStage": ({"stageId": "$WORK"}, "start"),
    S + "kanban.addTask": ({"sprintId": SP, "taskId": 104, "stageId": "$WORK"}, "start"),
    S + "kanban.deleteTask": ({"sprintId": SP, "taskId": 101}, "start"),
    S + "kanban.getFields": ({}, None),
    S + "sprint.add": (
        {
            "fields": {
                "name": "Sprint 1",
                "groupId": G,
                "createdBy": 1,
                "sort": 1,
                "status": "planned",
                "dateStart": "2021-11-22T00:00:00+02:00",
                "dateEnd": "2021-11-29T00:00:00+02:00",
            }
        },
        None,
    ),
    S + "sprint.update": (
        {
            "id": SP,
            "fields": {
                "name": "Sprint 2",
                "groupId": G,
                "dateStart": "2021-11-22T00:00:00+02:00",
                "dateEnd": "2021-11-29T00:00:00+02:00",
            },
        },
        None,
    ),
    S + "sprint.start": ({"id": SP}, None),
    S + "sprint.complete": ({"id": G}, "start"),
    S + "sprint.get": ({"id": SP}, None),
    S + "sprint.list": (
        {"filter": {"GROUP_ID": G, ">=DATE_END": "2024-07-19T15:03:01+00:00"}},
        None,
    ),
    S + "sprint.delete": ({"id": SP}, None),
    S + "sprint.getFields": ({}, None),
    S + "task.update": (
        {"id": 104, "fields": {"epicId": EPIC, "storyPoints": "8", "entityId": SP}},
        None,
    ),
    S + "task.get": ({"id": 101}, None),
    S + "task.getFields": ({}, None),
}


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    return type(value).__name__


# portal: keys a newer controller answers that the pages' examples predate
# (Task::getAction and getFieldsAction gained `sortFloat` in 26.100.0).
NEWER_KEYS = {
    S + "task.get": {"sortFloat"},
    S + "task.getFields.fields": {"sortFloat"},
}


def _assert_same_shape(doc: Any, ours: Any, where: str) -> None:
    if is_object(doc):
        assert is_object(ours), where
        doc_keys = set(doc) - {"_truncated"}
        if "_truncated" in doc:
            assert doc_keys <= set(ours), where
        else:
            assert set(ours) - NEWER_KEYS.get(where, set()) == doc_keys, where
        for key in doc_keys:
            _assert_same_shape(doc[key], ours[key], f"{where}.{key}")
    elif is_array(doc):
        assert is_array(ours), where
        if doc and ours:
            _assert_same_shape(doc[0], ours[0], f"{where}[0]")
    elif doc is not None:
        assert _kind(ours) == _kind(doc), f"{where}: {ours!r} vs {doc!r}"


async def _setup(kind: str | None, client: httpx2.AsyncClient) -> dict[str, Any]:
    if kind == "start":
        await result(client, S + "sprint.start", {"id": SP})
        stages = await result(client, S + "kanban.getStages", {"sprintId": SP})
        return {"$WORK": next(int(s["id"]) for s in stages if s["type"] == "WORK")}
    if kind == "empty_backlog":
        backlog = await result(
            client, S + "backlog.add", {"fields": {"groupId": 13, "createdBy": 1}}
        )
        return {"$EMPTY_BACKLOG": backlog["id"]}
    return {}


def _fill(params: dict[str, Any], names: dict[str, Any]) -> dict[str, Any]:
    return {
        k: (_fill(v, names) if is_object(v) else names.get(v, v) if isinstance(v, str) else v)
        for k, v in params.items()
    }


@pytest.mark.parametrize("method", sorted(EXAMPLES))
async def test_documented_example_gets_documented_shape(
    method: str, client: httpx2.AsyncClient
) -> None:
    doc = methods()[method]
    params, setup = EXAMPLES[method]
    response = await call(client, method, _fill(params, await _setup(setup, client)))
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body["time"]) == TIME_KEYS
    example = doc["returns"]["example"]
    # docs: envelope drift — some pages show the bare payload; a portal always wraps it.
    doc_result = example["result"] if is_object(example) and "result" in example else example
    if method == S + "task.update":
        assert body["result"] is True  # docs show the AJAX shape {status, data, errors}
        return
    _assert_same_shape(doc_result, body["result"], method)
    if method.endswith("getFields"):
        newer = NEWER_KEYS.get(f"{method}.fields", set())
        ours = {k: v for k, v in body["result"]["fields"].items() if k not in newer}
        assert {"fields": ours} == doc_result


def test_every_scrum_method_has_an_example_row_and_a_handler() -> None:
    assert set(EXAMPLES) == SCRUM_METHODS
    assert served_methods() >= SCRUM_METHODS
    documented = set(methods())
    assert documented == SCRUM_METHODS
    assert documented - served_methods() == set()
