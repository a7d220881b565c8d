# pyright: strict
"""`fields.createdBy` filled with the acting user where a portal would otherwise fail.

portal: `Backlog::addAction` and `Sprint::addAction` start from `$createdBy = 0` and keep
it (`$createdBy ?? getUserId()` never applies to 0), so without `createdBy` the save
throws and the answer is "Unable to add backlog" / "Unable to add sprint";
`Task::createScrumTask` (a `task.update` that puts a task into Scrum for the first time)
does the same and answers "Item not created". Every other method defaults to the caller
or leaves the author alone. So:

- `ALWAYS` (backlog_add, sprint_add): an absent `createdBy` is set to the acting user
  before the call.
- `NEW_ITEM` (task_update): an existing item's `createdBy` is written as sent, so nothing
  is added up front; when the portal answers "Item not created" for a call that named an
  `entityId` but no `createdBy`, nothing was written, and the call is sent once more with
  the acting user as `createdBy`.
"""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Any, cast

from bitrix24_scrum_mcp.errors import Bitrix24Error, RemoteError

if TYPE_CHECKING:
    from bitrix24_scrum_mcp.client import Bitrix24Client

ITEM_NOT_CREATED = "Item not created"


class Creator(Enum):
    ALWAYS = "always"
    NEW_ITEM = "new_item"


def _fields(body: dict[str, Any]) -> dict[str, Any]:
    fields = body.get("fields")
    return cast(dict[str, Any], fields) if isinstance(fields, dict) else {}


def lacks_creator(rule: Creator | None, body: dict[str, Any]) -> bool:
    """Whether the rule applies to this body before it is sent."""
    return rule is Creator.ALWAYS and "createdBy" not in _fields(body)


def retry_with_creator(rule: Creator | None, body: dict[str, Any], error: Bitrix24Error) -> bool:
    """Whether a failed call is a new item refused for its missing creator (nothing written)."""
    fields = _fields(body)
    return (
        rule is Creator.NEW_ITEM
        and isinstance(error, RemoteError)
        and error.description == ITEM_NOT_CREATED
        and "entityId" in fields
        and "createdBy" not in fields
    )


def with_creator(body: dict[str, Any], user_id: int) -> dict[str, Any]:
    """The body with `fields.createdBy` set to `user_id`."""
    return {**body, "fields": {**_fields(body), "createdBy": user_id}}


async def filled(
    client: Bitrix24Client, rule: Creator | None, body: dict[str, Any]
) -> dict[str, Any]:
    """The body to send first: with the acting user as creator where the rule says always."""
    if lacks_creator(rule, body):
        return with_creator(body, await client.acting_user_id())
    return body
