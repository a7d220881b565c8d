# pyright: strict
"""The steps a Scrum controller action is made of, one line each: check, load, access, write.

An action reads as its rules, in the order its controller applies them, because that
order is behaviour (it decides which error wins):

    def update(call: Call, id: int, fields: Fields) -> Any:
        require(call, id, "Backlog id not found")
        backlog = found(call, get_backlog(call.store, id), "Backlog not found")
        require_access(call, backlog["group_id"])
        changes = collect(call, fields, AUDIT_ON_UPDATE)
        return backlog_view(save(call, "entities", id, changes))

Parameters are bound before the action runs (`binding.bind_action`); `fields` are read by
rule tables (`handlers/fields.py`). Each failing step raises the method's error, which
rolls the call back (`Portal.execute`) and goes on the wire as the Method row says
(reported, or the `false`/`[]` the controller returns after recording it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from bitrix24_scrum_mcp.sandbox.context import Call
from bitrix24_scrum_mcp.sandbox.listing import ListError, ListQuery, fetch_rows
from bitrix24_scrum_mcp.sandbox.records import can_read_group, can_run_sprints, member_group_ids
from bitrix24_scrum_mcp.sandbox.store import Row

Queried = Callable[[], ListQuery]
"""Builds a list's query from its filter, select and order (raises `ListError`)."""

ACCESS_DENIED = "Access denied"


def require(call: Call, condition: object, message: str) -> None:
    """A controller's `if (!condition) { addError(message); return null; }`."""
    if not condition:
        raise call.error(message)


def found(call: Call, row: Row | None, message: str) -> Row:
    """The row a controller loaded, or its "not found" error."""
    if row is None:
        raise call.error(message)
    return row


def require_access(call: Call, group_id: int, message: str = ACCESS_DENIED) -> None:
    """`checkAccess($groupId)`: the caller may read the group's tasks."""
    if not can_read_group(call.store, call.user_id, group_id):
        raise call.error(message)


def require_sprint_rights(call: Call, group_id: int) -> None:
    """`SprintService::canStartSprint` / `canCompleteSprint`: owner, moderator or admin."""
    if not can_run_sprints(call.store, call.user_id, group_id):
        raise call.error(ACCESS_DENIED)


def accessible(call: Call, row: Row | None, message: str = ACCESS_DENIED) -> Row:
    """A row of some group (entity, sprint, task) that exists and whose group the caller
    may read; a missing row gets the same error as a forbidden one."""
    if row is None or not can_read_group(call.store, call.user_id, row["group_id"]):
        raise call.error(message)
    return row


def create(call: Call, table: str, values: Mapping[str, Any]) -> Row:
    """Insert a row and read it back as stored, for the answer."""
    return call.store.fetch(table, call.store.insert(table, values))


def save(call: Call, table: str, row_id: int, changes: Mapping[str, Any]) -> Row:
    """Write the changes to a row and read it back as stored, for the answer."""
    call.store.update(table, row_id, changes)
    return call.store.fetch(table, row_id)


def group_list(
    call: Call,
    query: Queried,
    offset: int,
    table: str,
    view: Callable[[Row, set[str]], Any],
    where: Sequence[str] = (),
    args: Sequence[Any] = (),
) -> list[Any]:
    """A Scrum list (`epic.list`, `sprint.list`): one page from `offset`, of the rows in
    groups the caller is a member of (`UG` inner join: admins are not exempt).

    portal: a plain array, so no `total`/`next`; an ORM failure (unknown field, bad
    direction) is "Could not load list", which the action records and then returns `[]`
    (the Method row's `on_error`)."""
    try:
        built = query()
    except ListError:
        raise call.error("Could not load list") from None
    groups = member_group_ids(call.store, call.user_id)
    marks = ", ".join("?" for _ in groups) or "NULL"
    rows = fetch_rows(
        call.store, table, built, offset, [*where, f"group_id IN ({marks})"], [*args, *groups]
    )
    return [view(row, built.selected) for row in rows]
