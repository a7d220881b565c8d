# pyright: strict
"""scope, user.current and server.time."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bitrix24_scrum_mcp.sandbox.binding import Params
from bitrix24_scrum_mcp.sandbox.context import Call, Method
from bitrix24_scrum_mcp.sandbox.dates import PORTAL_TZ, format_date
from bitrix24_scrum_mcp.sandbox.php import truthy

ALL_SCOPES = (
    "basic",
    "bizproc",
    "calendar",
    "catalog",
    "crm",
    "department",
    "disk",
    "entity",
    "im",
    "imbot",
    "imopenlines",
    "landing",
    "lists",
    "log",
    "mailservice",
    "messageservice",
    "placement",
    "pull",
    "sale",
    "sonet_group",
    "socialnetwork",
    "task",
    "tasks_extended",
    "telephony",
    "timeman",
    "user",
    "user_basic",
    "user_brief",
)


def scope(call: Call, params: Params) -> Any:
    if truthy(params.get("full", False)):
        return list(ALL_SCOPES)
    return sorted(call.scopes)


def user_current(call: Call) -> Any:
    user = call.store.fetch("users", call.user_id)
    registered = format_date(user["date_register"])
    return {
        "ID": str(user["id"]),
        "ACTIVE": bool(user["active"]),
        "NAME": user["name"],
        "LAST_NAME": user["last_name"],
        "EMAIL": user["email"],
        "LAST_LOGIN": registered,
        "DATE_REGISTER": registered,
        "IS_ONLINE": "Y",
        "LAST_ACTIVITY_DATE": datetime.fromtimestamp(call.now, PORTAL_TZ).strftime(
            "%Y-%m-%d %H:%M:%S"
        ),
        "PERSONAL_GENDER": "",
        "PERSONAL_BIRTHDAY": "",
        "WORK_POSITION": user["work_position"],
        "UF_EMPLOYMENT_DATE": "",
        "UF_DEPARTMENT": [1],
    }


def server_time(call: Call) -> Any:
    return format_date(call.now)


METHODS = (Method("scope", scope), Method("server.time", server_time))  # scope `basic`
USER_METHODS = (Method("user.current", user_current),)  # scope `user`
