"""Backlogs, epics, sprints and Scrum tasks as the `tasks` module's controllers treat them.

Each test names the divergence of /work/notes/portal-truth.md §4 it pins (B2, E5, S21,
...); the class and method read are in sandbox/README.md's controller table.
"""

from __future__ import annotations

from typing import Any

import httpx2
import pytest
from sbx_support import MEMBER_HOOK, OUTSIDER_HOOK, call, result

from bitrix24_scrum_mcp.sandbox import Portal
from bitrix24_scrum_mcp.sandbox.seed import (
    DEMO_BACKLOG_ID,
    DEMO_PLAIN_GROUP_ID,
    DEMO_SCRUM_GROUP_ID,
    DEMO_SPRINT_ID,
)

pytestmark = pytest.mark.anyio
S = "tasks.api.scrum."
G, B, SP, PLAIN = DEMO_SCRUM_GROUP_ID, DEMO_BACKLOG_ID, DEMO_SPRINT_ID, DEMO_PLAIN_GROUP_ID
SPRINT = {
    "groupId": G,
    "name": "Sprint 2",
    "createdBy": 3,
    "status": "planned",
    "dateStart": "2024-10-01",
    "dateEnd": "2024-10-14",
}


# -- backlog ----------------------------------------------------------------------------


async def test_backlog_add_answers_its_form_and_stores_the_creator_as_editor(
    client: httpx2.AsyncClient, portal: Portal
) -> None:
    # B2: Backlog::addAction answers the modifiedBy sent (or 0); the row gets CREATED_BY.
    added = await result(client, S + "backlog.add", {"fields": {"groupId": PLAIN, "createdBy": 4}})
    assert (added["createdBy"], added["modifiedBy"]) == (4, 0)
    stored = await result(client, S + "backlog.get", {"id": PLAIN})
    assert (stored["createdBy"], stored["modifiedBy"]) == (4, 4)


async def test_backlog_update_answers_its_form_not_the_row(
    client: httpx2.AsyncClient,
) -> None:
    # B3/B4/B6: createdBy echoed but never stored; modifiedBy 0 when absent (not stored).
    answer = await result(client, S + "backlog.update", {"id": B, "fields": {"createdBy": 2}})
    assert (answer["createdBy"], answer["modifiedBy"]) == (2, 0)
    stored = await result(client, S + "backlog.get", {"id": G})
    assert (stored["createdBy"], stored["modifiedBy"]) == (1, 1)
    # B5: groupId 0 is echoed, not written (checked like a move: the backlog must be empty).
    empty = await result(client, S + "backlog.add", {"fields": {"groupId": PLAIN, "createdBy": 1}})
    zero = await result(client, S + "backlog.update", {"id": empty["id"], "fields": {"groupId": 0}})
    assert zero["groupId"] == 0
    assert (await result(client, S + "backlog.get", {"id": PLAIN}))["id"] == empty["id"]


# -- epic -------------------------------------------------------------------------------


async def test_epic_add_ignores_modified_by_and_has_no_default_colour(
    client: httpx2.AsyncClient,
) -> None:
    # E5/E6: modifiedBy is neither read nor stored; colour '' unless a string is sent.
    epic = await result(
        client, S + "epic.add", {"fields": {"groupId": G, "name": "Gift", "modifiedBy": 2}}
    )
    assert (epic["modifiedBy"], epic["color"], epic["createdBy"]) == (0, "", 1)
    odd = await result(client, S + "epic.add", {"fields": {"groupId": G, "name": "X", "color": 7}})
    assert odd["color"] == ""


async def test_epic_update_cannot_clear_text_and_appends_files(client: httpx2.AsyncClient) -> None:
    # E10: EpicForm::getFieldsToUpdate skips empty values.
    epic = await result(
        client,
        S + "epic.update",
        {"id": 31, "fields": {"name": "", "description": "", "color": ""}},
    )
    assert (epic["name"], epic["color"]) == ("Payments", "#69dafc")
    assert epic["description"] == "Every way a shopper can pay"
    # E11: EpicService::attachFiles appends; an empty list clears.
    await result(client, S + "epic.update", {"id": 31, "fields": {"files": ["n1"]}})
    await result(client, S + "epic.update", {"id": 31, "fields": {"files": ["n2"]}})
    files = (await result(client, S + "epic.get", {"id": 31}))["files"]["VALUE"]
    assert files == [1, 2]
    await result(client, S + "epic.update", {"id": 31, "fields": {"files": []}})
    assert (await result(client, S + "epic.get", {"id": 31}))["files"]["VALUE"] == []


@pytest.mark.parametrize(("with_files", "has_files"), [(0, False), ("", False), ("false", True)])
async def test_epic_get_sends_files_unless_with_files_is_falsy(
    client: httpx2.AsyncClient, with_files: Any, has_files: bool
) -> None:
    # E12: `bool $withFiles = true`, bound with PHP truthiness ("false" is true).
    epic = await result(client, S + "epic.get", {"id": 31, "withFiles": with_files})
    assert ("files" in epic) is has_files


async def test_deleting_an_epic_leaves_its_id_on_the_items(client: httpx2.AsyncClient) -> None:
    # E13: EpicService::removeEpic deletes the epic only.
    assert await result(client, S + "epic.delete", {"id": 31}) == []
    assert (await result(client, S + "task.get", {"id": 101}))["epicId"] == 31


async def test_list_items_carry_defaults_for_fields_not_selected(
    client: httpx2.AsyncClient,
) -> None:
    # E15/S26: fillFromDatabase fills what was selected; the rest keeps 0 / '' (dates: now).
    epic = (await result(client, S + "epic.list", {"select": ["NAME"], "filter": {"ID": 31}}))[0]
    assert epic == {
        "id": 0,
        "groupId": 0,
        "name": "Payments",
        "description": "",
        "createdBy": 0,
        "modifiedBy": 0,
        "color": "",
    }
    sprint = (await result(client, S + "sprint.list", {"select": ["ID", "NAME"]}))[0]
    assert (sprint["id"], sprint["name"], sprint["status"], sprint["goal"]) == (
        SP,
        "Sprint 1",
        "",
        "",
    )
    assert sprint["dateStart"][:4] != "2024"  # the current time, not the stored date


# -- sprint: add / update / get / delete ----------------------------------------------


async def test_sprint_add_reads_dates_as_strtotime_and_builds_no_board(
    client: httpx2.AsyncClient,
) -> None:
    # S4: a date strtotime cannot read is 0 (1970-01-01), no error; S5: an active sprint
    # added this way gets no stages; S3: modifiedBy is validated only.
    sprint = await result(
        client,
        S + "sprint.add",
        {"fields": {**SPRINT, "dateStart": "soon", "dateEnd": "+2 weeks", "modifiedBy": 2}},
    )
    assert sprint["dateStart"] == "1970-01-01T03:00:00+03:00"
    assert sprint["dateEnd"][:4] != "1970"
    assert sprint["modifiedBy"] == 3
    active = await result(
        client, S + "sprint.add", {"fields": {**SPRINT, "name": "Live", "status": "active"}}
    )
    assert await result(client, S + "kanban.getStages", {"sprintId": active["id"]}) == []


async def test_sprint_update_writes_only_what_the_form_writes(
    client: httpx2.AsyncClient,
) -> None:
    # S8: createdBy never written; S9: modifiedBy unchanged unless sent; S10: '' ignored.
    sprint = await result(
        client, S + "sprint.update", {"id": SP, "fields": {"name": "", "createdBy": 2}}
    )
    assert (sprint["name"], sprint["createdBy"], sprint["modifiedBy"]) == ("Sprint 1", 3, 3)
    sprint = await result(client, S + "sprint.update", {"id": SP, "fields": {"modifiedBy": 2}})
    assert sprint["modifiedBy"] == 2


async def test_sprint_update_may_move_an_empty_sprint_to_any_group(
    client: httpx2.AsyncClient,
) -> None:
    # S7: Sprint::updateAction checks no access on the target group. Dmitry (2) is not in
    # group 13.
    empty = await result(client, S + "sprint.add", {"fields": SPRINT})
    moved = await result(
        client, S + "sprint.update", {"id": empty["id"], "fields": {"groupId": PLAIN}}, MEMBER_HOOK
    )
    assert moved["groupId"] == PLAIN


async def test_sprint_update_status_has_no_side_effects_and_counts_itself(
    client: httpx2.AsyncClient,
) -> None:
    # S12: becoming active builds no board; S11: the active sprint itself counts.
    active = await result(client, S + "sprint.update", {"id": SP, "fields": {"status": "active"}})
    assert active["status"] == "active"
    assert await result(client, S + "kanban.getStages", {"sprintId": SP}) == []
    again = await call(client, S + "sprint.update", {"id": SP, "fields": {"status": "active"}})
    assert again.json()["error_description"] == "Unable to add two active sprint"


async def test_sprint_get_of_a_backlog_id_answers_the_backlog(client: httpx2.AsyncClient) -> None:
    # S24: SprintService::getSprintById has no type check; a form without dates shows now.
    backlog = await result(client, S + "sprint.get", {"id": B})
    assert (backlog["entityType"], backlog["status"], backlog["name"]) == ("backlog", "", "")


async def test_sprint_delete_leaves_its_stages_and_board_relations(
    client: httpx2.AsyncClient,
) -> None:
    # S25: no delete handler on EntityTable: the stages and the relations remain.
    await result(client, S + "sprint.start", {"id": SP})
    stage = (await result(client, S + "kanban.getStages", {"sprintId": SP}))[0]
    assert await result(client, S + "sprint.delete", {"id": SP}) == []
    still = await result(client, "tasks.task.list", {"filter": {"STAGES_ID": stage["id"]}})
    assert len(still["tasks"]) == 3
    assert (await result(client, S + "task.get", {"id": 101}))["entityId"] == B


# -- sprint: start / complete -----------------------------------------------------------


async def test_start_is_for_moderators_and_writes_sort_zero(
    client: httpx2.AsyncClient, portal: Portal
) -> None:
    # S14: Elena (3), group 11's Scrum master, is a moderator; S17: sort 0, modifiedBy kept.
    portal.add_webhook(3, "elena0code0abcde")
    elena = "/rest/3/elena0code0abcde"
    await result(client, S + "sprint.update", {"id": SP, "fields": {"modifiedBy": 2}})
    started = await result(client, S + "sprint.start", {"id": SP}, elena)
    assert (started["status"], started["sort"], started["modifiedBy"]) == ("active", 0, 2)


async def test_failed_start_keeps_the_stages_and_the_completed_tasks_moves(
    client: httpx2.AsyncClient,
) -> None:
    # S16/G9: all tasks completed → "Unable to start sprint", after creating the stages
    # and moving the completed tasks to the backlog; a portal does not undo those.
    for task_id in (101, 102, 103):
        await result(client, "tasks.task.update", {"taskId": task_id, "fields": {"STATUS": 5}})
    failed = await call(client, S + "sprint.start", {"id": SP})
    assert failed.json() == {"error": "0", "error_description": "Unable to start sprint"}
    assert len(await result(client, S + "kanban.getStages", {"sprintId": SP})) == 3
    assert (await result(client, S + "task.get", {"id": 101}))["entityId"] == B
    assert (await result(client, S + "sprint.get", {"id": SP}))["status"] == "planned"


async def test_start_without_a_new_stage_fails(client: httpx2.AsyncClient) -> None:
    # S19: KanbanService::addTasksToKanban needs the NEW stage ("Failed to get the default
    # stage"), sent as "Unable to start sprint".
    await result(client, S + "kanban.addStage", {"fields": {"sprintId": SP, "name": "Doing"}})
    failed = await call(client, S + "sprint.start", {"id": SP})
    assert failed.json()["error_description"] == "Unable to start sprint"


async def test_start_puts_open_tasks_and_their_subtasks_on_the_board(
    client: httpx2.AsyncClient, portal: Portal
) -> None:
    # S18: subtasks (in the group) of open tasks go on the board too; STAGE_ID is written.
    sub = await result(
        client,
        "tasks.task.add",
        {"fields": {"TITLE": "Sub", "RESPONSIBLE_ID": 2, "GROUP_ID": G, "PARENT_ID": 101}},
    )
    sub_id = int(sub["task"]["id"])
    assert (await result(client, S + "task.get", {"id": sub_id}))["entityId"] == SP
    await result(client, S + "sprint.start", {"id": SP})
    new = (await result(client, S + "kanban.getStages", {"sprintId": SP}))[0]
    on_new = await result(
        client, "tasks.task.list", {"filter": {"STAGE_ID": new["id"]}, "select": ["ID"]}
    )
    assert sorted(int(t["id"]) for t in on_new["tasks"]) == [101, 102, 103, sub_id]


async def test_the_next_sprint_puts_returning_tasks_on_their_previous_column(
    client: httpx2.AsyncClient,
) -> None:
    # S18: with as many stages, a task goes to the stage of the same title and type it had
    # in the last completed sprint.
    await result(client, S + "sprint.start", {"id": SP})
    work = (await result(client, S + "kanban.getStages", {"sprintId": SP}))[1]
    await result(client, "task.stages.movetask", {"id": 102, "stageId": work["id"]})
    await result(client, S + "sprint.complete", {"id": G})
    nxt = await result(client, S + "sprint.add", {"fields": SPRINT})
    await result(client, S + "task.update", {"id": 102, "fields": {"entityId": nxt["id"]}})
    await result(client, S + "sprint.start", {"id": nxt["id"]})
    new_work = (await result(client, S + "kanban.getStages", {"sprintId": nxt["id"]}))[1]
    task = await result(client, "tasks.task.get", {"taskId": 102})
    assert task["task"]["stageId"] == new_work["id"]


async def test_complete_works_on_the_board_only(client: httpx2.AsyncClient) -> None:
    # S21: dateEnd = now, sort 0; S22: a completed task on another column moves to FINISH,
    # open ones go to the backlog, an item never put on the board stays in the sprint.
    await result(client, S + "sprint.start", {"id": SP})
    stages = await result(client, S + "kanban.getStages", {"sprintId": SP})
    await result(client, "tasks.task.update", {"taskId": 102, "fields": {"STATUS": 5}})
    await result(client, S + "task.update", {"id": 104, "fields": {"entityId": SP}})
    done = await result(client, S + "sprint.complete", {"id": G})
    assert (done["status"], done["sort"]) == ("completed", 0)
    assert done["dateEnd"][:4] != "2024"
    entity = {
        t: (await result(client, S + "task.get", {"id": t}))["entityId"] for t in (101, 102, 104)
    }
    assert entity == {101: B, 102: SP, 104: SP}
    finished = (await result(client, "tasks.task.get", {"taskId": 102}))["task"]["stageId"]
    assert finished == stages[2]["id"]


async def test_complete_without_a_backlog_opens_the_next_sprint(
    client: httpx2.AsyncClient, portal: Portal
) -> None:
    # S23: SprintService::completeSprint creates "Sprint N" for the unfinished tasks.
    group = portal.add_group("Lean", scrum_master_id=1, with_backlog=False)
    sprint = await result(client, S + "sprint.add", {"fields": {**SPRINT, "groupId": group}})
    task = await result(
        client, "tasks.task.add", {"fields": {"TITLE": "t", "RESPONSIBLE_ID": 1, "GROUP_ID": group}}
    )
    task_id = int(task["task"]["id"])
    await result(
        client,
        S + "task.update",
        {"id": task_id, "fields": {"entityId": sprint["id"], "createdBy": 1}},
    )
    await result(client, S + "sprint.start", {"id": sprint["id"]})
    await result(client, S + "sprint.complete", {"id": group})
    follow_up = (await result(client, S + "task.get", {"id": task_id}))["entityId"]
    nxt = await result(client, S + "sprint.get", {"id": follow_up})
    assert (nxt["name"], nxt["status"]) == ("Sprint 2", "planned")


# -- Scrum task -------------------------------------------------------------------------


async def test_task_get_shows_sort_float_and_a_clamped_sort(client: httpx2.AsyncClient) -> None:
    # T3/T10: SORT_FLOAT as sortFloat, sort rounded into 0..255; sortFloat beats sort; 0 → 1024.
    assert (await result(client, S + "task.get", {"id": 104}))["sort"] == 255
    await result(client, S + "task.update", {"id": 104, "fields": {"sortFloat": 2.5, "sort": 9}})
    item = await result(client, S + "task.get", {"id": 104})
    assert (item["sortFloat"], item["sort"]) == (2.5, 3)  # PHP rounds halves up
    await result(client, S + "task.update", {"id": 104, "fields": {"sort": 0}})
    assert (await result(client, S + "task.get", {"id": 104}))["sortFloat"] == 1024


async def test_task_update_keeps_the_editor_unless_sent_and_clears_unknown_epics(
    client: httpx2.AsyncClient,
) -> None:
    # T11: modifiedBy written only when sent; T9: an epic that does not exist clears it.
    await result(client, S + "task.update", {"id": 104, "fields": {"epicId": 999}}, MEMBER_HOOK)
    item = await result(client, S + "task.get", {"id": 104})
    assert (item["epicId"], item["modifiedBy"]) == (0, 1)


async def test_a_new_item_is_sorted_before_every_other(client: httpx2.AsyncClient) -> None:
    # T7: createScrumTask's default sort is the smallest sort of all items, halved.
    plain = await result(client, S + "backlog.add", {"fields": {"groupId": PLAIN, "createdBy": 1}})
    await result(
        client, S + "task.update", {"id": 120, "fields": {"entityId": plain["id"], "createdBy": 4}}
    )
    item = await result(client, S + "task.get", {"id": 120})
    assert (item["sortFloat"], item["createdBy"], item["modifiedBy"]) == (512, 4, 4)


async def test_task_get_is_allowed_to_whoever_may_read_the_task(
    client: httpx2.AsyncClient,
) -> None:
    # T2: checkAccess($groupId, $taskId) also accepts the right to read the task itself.
    task = await result(
        client, "tasks.task.add", {"fields": {"TITLE": "Ask", "RESPONSIBLE_ID": 4, "GROUP_ID": G}}
    )
    task_id = int(task["task"]["id"])
    assert (await result(client, S + "task.get", {"id": task_id}, OUTSIDER_HOOK))["entityId"] == B
    assert (await call(client, S + "task.get", {"id": 101}, OUTSIDER_HOOK)).status_code == 400
