# pyright: strict
"""Workgroups: socialnetwork.api.workgroup.list (camelCase, select-driven) and sonet_group.get.

A group is a Scrum when `SCRUM_MASTER_ID` is set; workgroup.list can select it (and
`TYPE`), sonet_group.get cannot, exactly as the docs describe.
"""

from __future__ import annotations

from typing import Any

from bitrix24_scrum_mcp.sandbox.binding import Params
from bitrix24_scrum_mcp.sandbox.context import Call, Method, Page
from bitrix24_scrum_mcp.sandbox.dates import format_date
from bitrix24_scrum_mcp.sandbox.listing import Column, ListError, build, fetch_page
from bitrix24_scrum_mcp.sandbox.php import as_items, to_str
from bitrix24_scrum_mcp.sandbox.records import get_user
from bitrix24_scrum_mcp.sandbox.store import Row

COLUMNS = {
    "ID": Column("id"),
    "NAME": Column("name", "str"),
    "DESCRIPTION": Column("description", "str"),
    "OWNER_ID": Column("owner_id"),
    "ACTIVE": Column("'Y'", "str"),
    "VISIBLE": Column("visible", "str"),
    "OPENED": Column("opened", "str"),
    "CLOSED": Column("closed", "str"),
    "PROJECT": Column("project", "str"),
    "SUBJECT_ID": Column("1"),
    "SITE_ID": Column("'s1'", "str"),
    "DATE_CREATE": Column("date_create", "date"),
    "DATE_UPDATE": Column("date_create", "date"),
    "DATE_ACTIVITY": Column("date_create", "date"),
    "IS_EXTRANET": Column("'N'", "str"),
}


def _group_type(row: Row) -> str:
    if row["scrum_master_id"]:
        return "scrum"
    return "project" if row["project"] == "Y" else "group"


def _members(call: Call, group_id: int) -> int:
    count = call.store.scalar("SELECT COUNT(*) FROM group_members WHERE group_id = ?", (group_id,))
    return int(count or 0)


def _upper_view(call: Call, row: Row) -> dict[str, Any]:
    """All selectable fields, UPPER_SNAKE, values as a DB fetch gives them (strings)."""
    created = format_date(row["date_create"])
    return {
        "ID": str(row["id"]),
        "SITE_ID": "s1",
        "NAME": row["name"],
        "DESCRIPTION": row["description"] or None,
        "DATE_CREATE": created,
        "DATE_UPDATE": created,
        "ACTIVE": "Y",
        "VISIBLE": row["visible"],
        "OPENED": row["opened"],
        "CLOSED": row["closed"],
        "SUBJECT_ID": "1",
        "OWNER_ID": str(row["owner_id"]),
        "KEYWORDS": None,
        "NUMBER_OF_MEMBERS": str(_members(call, int(row["id"]))),
        "DATE_ACTIVITY": created,
        "SUBJECT_NAME": "Workgroups",
        "PROJECT": row["project"],
        "IS_EXTRANET": "N",
        "SCRUM_OWNER_ID": str(row["owner_id"] if row["scrum_master_id"] else 0),
        "SCRUM_MASTER_ID": str(row["scrum_master_id"]),
        "SCRUM_SPRINT_DURATION": str(1209600 if row["scrum_master_id"] else 0),
        "SCRUM_TASK_RESPONSIBLE": "A" if row["scrum_master_id"] else "",
        "TYPE": _group_type(row),
        "AVATAR": "",
        "AVATAR_TYPE": None,
        "IMAGE_ID": None,
    }


def _visible_where(call: Call, flag: Any) -> tuple[str, list[Any]]:
    """Visible groups and the caller's; every group for an admin who asks with `IS_ADMIN=Y`."""
    user = get_user(call.store, call.user_id)
    is_admin = bool(user is not None and user["is_admin"])
    if is_admin and (flag is True or to_str(flag).upper() in ("Y", "1")):
        return "1 = 1", []
    return (
        "(visible = 'Y' OR id IN (SELECT group_id FROM group_members WHERE user_id = ?))",
        [call.user_id],
    )


def _camel(name: str) -> str:
    head, *rest = name.lower().split("_")
    return head + "".join(part.title() for part in rest)


def workgroup_list(call: Call, params: Params) -> Any:
    is_admin = dict(as_items(params.get("params"))).get("IS_ADMIN")
    names = [to_str(v).strip().upper() for _, v in as_items(params.get("select"))]
    if not names:
        names = ["ID"]  # docs: without select only ID comes back
    try:
        query = build(COLUMNS, params.get("filter"), params.get("order"), None)
    except ListError:
        return Page({"workgroups": []}, 0, None)
    where, args = _visible_where(call, is_admin)
    rows, total, next_offset = fetch_page(
        call.store, "groups", query, params.get("start"), [where], args
    )
    groups: list[dict[str, Any]] = []
    for row in rows:
        full = _upper_view(call, row)
        keys = list(full) if "*" in names else names
        groups.append({_camel(key): full[key] for key in keys if key in full})
    return Page({"workgroups": groups}, total, next_offset)


def sonet_group_get(call: Call, params: Params) -> Any:
    filter_ = dict(as_items(params.get("FILTER")))
    if params.get("GROUP_ID") not in (None, ""):
        filter_["ID"] = params["GROUP_ID"]
    order = params.get("ORDER") or {"ID": "DESC"}
    try:
        query = build(COLUMNS, filter_, order, None)
    except ListError:
        return Page([], 0, None)
    where, args = _visible_where(call, params.get("IS_ADMIN"))
    rows, total, next_offset = fetch_page(
        call.store, "groups", query, params.get("start"), [where], args
    )
    hidden = {
        "SCRUM_OWNER_ID",
        "SCRUM_MASTER_ID",
        "SCRUM_SPRINT_DURATION",
        "SCRUM_TASK_RESPONSIBLE",
        "TYPE",
        "AVATAR",
        "AVATAR_TYPE",
        "IMAGE_ID",
    }
    items = [{k: v for k, v in _upper_view(call, row).items() if k not in hidden} for row in rows]
    return Page(items, total, next_offset)


METHODS = (
    Method("socialnetwork.api.workgroup.list", workgroup_list),
    Method("sonet_group.get", sonet_group_get),
)
