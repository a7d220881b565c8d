# pyright: strict
"""tasks.api.scrum.sprint.*: sprint lifecycle planned → active → completed.

portal: `Bitrix\\Tasks\\Rest\\Controllers\\Scrum\\Sprint` with `SprintService` and
`KanbanService`. At most one sprint per group is active. `start` and `complete` are for
the group's owner, moderators and admins only. `start` builds the sprint's kanban and
puts its open tasks (and their subtasks) on it; any failure of the service is "Unable to
start sprint", and what it did before failing stays done. `complete` takes the GROUP id,
completes the tasks on the FINISH stage and sends the rest of the board back to the
backlog; items never put on the board stay in the completed sprint. `add`/`update` with
a status change nothing else (an active sprint made so gets no kanban).
"""

from __future__ import annotations

from typing import Any

from bitrix24_scrum_mcp.sandbox.binding import Fields, Nav, Params
from bitrix24_scrum_mcp.sandbox.context import Call, Method
from bitrix24_scrum_mcp.sandbox.errors import MethodError, ThrownError
from bitrix24_scrum_mcp.sandbox.handlers.fields import (
    AUTHORS,
    Field,
    collect,
    date,
    described,
    number,
    required_date,
    text,
)
from bitrix24_scrum_mcp.sandbox.handlers.steps import (
    create,
    found,
    group_list,
    require,
    require_access,
    require_sprint_rights,
)
from bitrix24_scrum_mcp.sandbox.listing import Column, ListQuery, build
from bitrix24_scrum_mcp.sandbox.php import to_int, to_str
from bitrix24_scrum_mcp.sandbox.records import (
    ACTIVE,
    COMPLETED,
    PLANNED,
    SPRINT,
    SPRINT_STATUSES,
    TASK_COMPLETED,
    create_sprint_stages,
    get_active_sprint,
    get_backlog_by_group,
    get_entity,
    get_sprint,
    get_task,
    item_by_task,
    item_ids_of_entity,
    items_of_entity,
    last_completed_sprint_id,
    move_items,
    put_on_stage,
    stage_map,
    stage_of_task,
    stage_of_type,
    stages_of_sprint,
    subtask_ids,
)
from bitrix24_scrum_mcp.sandbox.views import sprint_view

get_fields = described(
    groupId="integer",
    name="string",
    sort="integer",
    createdBy="integer",
    modifiedBy="integer",
    dateStart="string",
    dateEnd="string",
    status="string",
)

TWO_ACTIVE = "Unable to add two active sprint"
NOT_STARTED = "Unable to start sprint"
# The sandbox's name for SprintService::completeSprint failing (ERROR_COULD_NOT_COMPLETE_
# SPRINT): never on the wire, the force_errors key of that internal failure.
NOT_COMPLETED = "Unable to complete sprint"
MAX_NAME = 255  # portal: EntityTable NAME
SPRINT_DURATION_S = 14 * 86400  # a Scrum's default sprint duration (two weeks)

# portal: EntityTable's fields; there is no GOAL (the goal lives inside INFO).
COLUMNS = {
    "ID": Column("id"),
    "GROUP_ID": Column("group_id"),
    "ENTITY_TYPE": Column("entity_type", "str"),
    "NAME": Column("name", "str"),
    "SORT": Column("sort"),
    "CREATED_BY": Column("created_by"),
    "MODIFIED_BY": Column("modified_by"),
    "DATE_START": Column("date_start", "date"),
    "DATE_END": Column("date_end", "date"),
    "STATUS": Column("status", "str"),
    "INFO": Column("goal", "str"),
}

UPDATE_FIELDS = (
    Field("dateStart", date),
    Field("dateEnd", date),
)


def add(call: Call, fields: Fields) -> Any:  # Sprint::addAction(array $fields)
    group_id = to_int(fields.get("groupId"))
    require(call, group_id, "Group id not found")
    require_access(call, group_id)
    name = to_str(fields["name"]) if "name" in fields else ""
    sort = to_int(fields["sort"]) if "sort" in fields else 0
    # portal: an absent createdBy stays 0 (`$createdBy = 0; $createdBy ?? getUserId()`),
    # and modifiedBy is only validated: the row gets MODIFIED_BY = CREATED_BY.
    created_by = collect(call, fields, AUTHORS).get("created_by", 0)
    date_start = required_date(call, fields, "dateStart")
    date_end = required_date(call, fields, "dateEnd")
    status = to_str(fields["status"]) if "status" in fields else ""
    require(call, status in SPRINT_STATUSES, "Incorrect sprint status")
    if status == ACTIVE:
        require(call, get_active_sprint(call.store, group_id) is None, TWO_ACTIVE)
    # EntityForm::checkRequiredParametersToCreateSprint throws for an empty name (PHP
    # `empty`: '' and '0') or creator; EntityTable refuses a name over 255 characters.
    require(
        call,
        name not in ("", "0") and len(name) <= MAX_NAME and created_by,
        "Unable to add sprint",
    )
    sprint = create(
        call,
        "entities",
        {
            "group_id": group_id,
            "entity_type": SPRINT,
            "name": name,
            "sort": sort,
            "created_by": created_by,
            "modified_by": created_by,
            "date_start": date_start,
            "date_end": date_end,
            "status": status,
        },
    )
    return sprint_view(sprint, call.now)


def update(call: Call, id: int, fields: Fields) -> Any:  # updateAction(int $id, array $fields)
    require(call, id, "Sprint id not found")
    sprint = found(call, get_sprint(call.store, id), "Sprint not found")
    require_access(call, sprint["group_id"])
    changes: dict[str, Any] = {}
    group_id = number(call, fields, "groupId")
    if group_id is not None:
        moving = group_id != sprint["group_id"]
        require(
            call,
            not (moving and item_ids_of_entity(call.store, id)),
            "It is forbidden move a sprint with items",
        )
        # portal: no access check on the target group; 0 is not written.
        changes["group_id"] = group_id
    name = text(call, fields, "name")
    if name:  # '' (and '0') are not written
        changes["name"] = name
    sort = number(call, fields, "sort")
    if sort is not None:
        changes["sort"] = sort
    authors = collect(call, fields, AUTHORS)  # createdBy: validated, never written
    if authors.get("modified_by"):
        changes["modified_by"] = authors["modified_by"]
    changes |= collect(call, fields, UPDATE_FIELDS)
    status = text(call, fields, "status")
    if status is not None:
        require(call, status in SPRINT_STATUSES, "Incorrect sprint status")
        changes["status"] = status
        # portal: any active sprint of the group counts, this one included.
        group = changes.get("group_id", sprint["group_id"])
        require(call, not (status == ACTIVE and get_active_sprint(call.store, group)), TWO_ACTIVE)
    require(call, len(changes.get("name", "")) <= MAX_NAME, "Sprint not updated")
    call.store.update("entities", id, {k: v for k, v in changes.items() if k != "group_id" or v})
    return sprint_view(call.store.fetch("entities", id), call.now)


def start(call: Call, id: int) -> Any:  # startAction(int $id)
    require(call, id, "Sprint id not found")
    sprint = found(call, get_sprint(call.store, id), "Sprint not found")
    require(call, sprint["status"] == PLANNED, "Sprint must be planned")
    require_sprint_rights(call, sprint["group_id"])
    require_access(call, sprint["group_id"])
    group_id = int(sprint["group_id"])
    # SprintService::startSprint; the controller sends any failure as "Unable to start sprint".
    require(call, get_active_sprint(call.store, group_id) is None, NOT_STARTED)
    last_sprint_id = last_completed_sprint_id(call.store, sprint)
    if not stages_of_sprint(call.store, id):
        create_sprint_stages(call.store, id, last_sprint_id)
    task_ids = [int(item["task_id"]) for item in items_of_entity(call.store, id)]
    done = [t for t in task_ids if _completed(call, t)]
    open_ = [t for t in task_ids if t not in done]
    backlog = get_backlog_by_group(call.store, group_id)
    if backlog is not None:
        done_items = _item_ids(call, [*done, *_subtasks(call, group_id, done)], id)
        move_items(call.store, done_items, int(backlog["id"]))
    if not open_:
        raise _failed_keeping_effects()
    new_stage = stage_of_type(call.store, id, "NEW")
    if new_stage is None:  # "Failed to get the default stage"
        raise _failed_keeping_effects()
    mapping = stage_map(call.store, id, last_sprint_id) if last_sprint_id else {}
    for task_id in dict.fromkeys([*open_, *_subtasks(call, group_id, open_)]):
        previous = stage_of_task(call.store, last_sprint_id, task_id) if mapping else None
        target = mapping.get(int(previous["id"]), 0) if previous is not None else 0
        put_on_stage(call.store, id, task_id, target or int(new_stage["id"]))
    # portal: status and sort 0 are written; modifiedBy is not.
    call.store.update("entities", id, {"status": ACTIVE, "sort": 0})
    return sprint_view(call.store.fetch("entities", id), call.now)


def complete(call: Call, id: int) -> Any:  # completeAction(int $id): `id` is the GROUP id
    require(call, id, "Group id not found")
    sprint = found(call, get_active_sprint(call.store, id), "Sprint not found")
    require_sprint_rights(call, sprint["group_id"])
    require_access(call, sprint["group_id"])
    sprint_id = int(sprint["id"])
    # SprintService::completeSprint works on the tasks ON THE BOARD (relations) only.
    board = call.store.all(
        "SELECT ts.task_id, s.type FROM task_stages ts JOIN stages s ON s.id = ts.stage_id "
        "WHERE s.sprint_id = ? ORDER BY s.sort, ts.task_id",
        (sprint_id,),
    )
    finished = [int(r["task_id"]) for r in board if r["type"] == "FINISH"]
    unfinished = [int(r["task_id"]) for r in board if r["type"] != "FINISH"]
    for task_id in finished:
        call.store.run(
            "UPDATE tasks SET status = ?, closed_date = ? WHERE id = ? AND status != ?",
            (TASK_COMPLETED, int(call.now), task_id, TASK_COMPLETED),
        )
    finish_stage = stage_of_type(call.store, sprint_id, "FINISH")
    leaving: list[int] = []
    for task_id in unfinished:
        if not _completed(call, task_id):
            leaving.append(task_id)
        elif finish_stage is not None:
            put_on_stage(call.store, sprint_id, task_id, int(finish_stage["id"]))
    backlog = get_backlog_by_group(call.store, id)
    target = int(backlog["id"]) if backlog is not None else _next_sprint(call, sprint)
    move_items(call.store, _item_ids(call, leaving, sprint_id), target)
    changes = {"status": COMPLETED, "sort": 0, "date_end": int(call.now)}
    call.store.update("entities", sprint_id, changes)
    return sprint_view(call.store.fetch("entities", sprint_id), call.now)


def get(call: Call, id: int) -> Any:  # getAction(int $id)
    # docs: the table says `sprintId`, every example and error says `id`.
    require(call, id, "Sprint id not found")
    # portal: getSprintById has no type check: a backlog id answers the backlog.
    sprint = found(call, get_entity(call.store, id), "Sprint not found")
    require_access(call, sprint["group_id"])
    return sprint_view(sprint, call.now)


def delete(call: Call, id: int) -> Any:  # deleteAction(int $id)
    sprint = found(call, get_sprint(call.store, id), "Sprint not found")
    require_access(call, sprint["group_id"])
    items = item_ids_of_entity(call.store, id)
    if items:
        # docs conflict: the intro moves the items to the backlog, the error table forbids
        # deleting a sprint with items. A portal does the first and fails only without one.
        backlog = found(
            call,
            get_backlog_by_group(call.store, sprint["group_id"]),
            "It is forbidden remove a sprint with items",
        )
        move_items(call.store, items, int(backlog["id"]))
    # portal: the sprint's stages and their relations are left behind (no delete handler).
    call.store.run("DELETE FROM entities WHERE id = ?", (id,))
    return []


def list_(call: Call, params: Params, nav: Nav) -> Any:
    # listAction($filter = [], $select = [], $order = [], PageNavigation $nav): untyped, so
    # a scalar reaches PHP code that needs an array and throws there (an `\\Error`, sent
    # with code 0 whatever the action would have returned).
    filter_, select, order = (params.get(key) for key in ("filter", "select", "order"))
    if not (isinstance(filter_, dict | list) or filter_ in (None, False)):
        # `$filter['=ENTITY_TYPE'] = 'sprint'` on a scalar (PHP 8's words)
        kind = "string on string" if isinstance(filter_, str) else None
        raise ThrownError(
            f"Cannot access offset of type {kind}"
            if kind
            else "Cannot use a scalar value as an array"
        )
    if not isinstance(select, dict | list) and select not in (None, "", "0", 0, False):
        # `empty($select)` falls back to `*`; anything else meets `setSelect(array $select)`
        given = "string" if isinstance(select, str) else "bool" if select is True else "int"
        raise ThrownError(
            "Bitrix\\Main\\ORM\\Query\\Query::setSelect(): Argument #1 ($select) must be "
            f"of type array, {given} given"
        )

    def query() -> ListQuery:
        return build(COLUMNS, filter_, order, select)

    def view(row: Any, selected: set[str]) -> Any:
        return sprint_view(row, call.now, selected)

    return group_list(call, query, nav, "entities", view, ["entity_type = ?"], [SPRINT])


def _completed(call: Call, task_id: int) -> bool:
    task = get_task(call.store, task_id)
    return task is not None and task["status"] == TASK_COMPLETED


def _subtasks(call: Call, group_id: int, task_ids: list[int]) -> list[int]:
    return [sub for task_id in task_ids for sub in subtask_ids(call.store, group_id, task_id)]


def _item_ids(call: Call, task_ids: list[int], entity_id: int) -> list[int]:
    """`getItemIdsBySourceIds($taskIds, [$entityId])`: those tasks' items in that entity."""
    items = [item_by_task(call.store, task_id) for task_id in task_ids]
    return [int(i["id"]) for i in items if i is not None and i["entity_id"] == entity_id]


def _next_sprint(call: Call, sprint: Any) -> int:
    """No backlog: `completeSprint` creates a planned "Sprint N" for the unfinished tasks."""
    count = call.store.scalar(
        "SELECT COUNT(*) FROM entities WHERE group_id = ? AND entity_type = ?",
        (sprint["group_id"], SPRINT),
    )
    values = {
        "group_id": sprint["group_id"],
        "entity_type": SPRINT,
        "name": f"Sprint {int(count or 0) + 1}",
        "created_by": call.user_id,
        "modified_by": call.user_id,
        "date_start": int(call.now),
        "date_end": int(call.now) + SPRINT_DURATION_S,
        "status": PLANNED,
    }
    return int(create(call, "entities", values)["id"])


def _failed_keeping_effects() -> MethodError:
    """A failure after the service has already written (stages, items moved): a portal has
    no transaction around the action, so those writes stay."""
    return MethodError(NOT_STARTED, keeps_effects=True)


METHODS = (
    Method("tasks.api.scrum.sprint.add", add),
    Method("tasks.api.scrum.sprint.update", update),
    Method("tasks.api.scrum.sprint.start", start),
    # portal: a failing completeSprint adds the controller's own (empty) errors and
    # returns null: `{"result": null}`, no error.
    Method("tasks.api.scrum.sprint.complete", complete, drops={NOT_COMPLETED: None}),
    Method("tasks.api.scrum.sprint.get", get),
    Method("tasks.api.scrum.sprint.list", list_, on_error=[]),
    # portal: "Sprint not deleted" is recorded, then `return []` sends a success.
    Method("tasks.api.scrum.sprint.delete", delete, drops={"Sprint not deleted": []}),
    Method("tasks.api.scrum.sprint.getFields", get_fields),
)
