# pyright: strict
"""Rows rendered as the Scrum controllers' `toArray()` shapes (camelCase, typed values)."""

from __future__ import annotations

import json
from typing import Any

from bitrix24_scrum_mcp.sandbox.dates import format_date
from bitrix24_scrum_mcp.sandbox.php import php_round
from bitrix24_scrum_mcp.sandbox.records import DEFAULT_STAGE_COLOR, DEFAULT_STAGE_TITLES
from bitrix24_scrum_mcp.sandbox.store import Row

MAX_SORT = 255  # portal: ItemForm::MAX_SORT_VALUE


def backlog_view(row: Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "groupId": row["group_id"],
        "createdBy": row["created_by"],
        "modifiedBy": row["modified_by"],
    }


# `toRest()` / `toArray()` keys and the list `select` field each is read from.
SPRINT_SELECT = {
    "id": "ID",
    "groupId": "GROUP_ID",
    "entityType": "ENTITY_TYPE",
    "name": "NAME",
    "goal": "INFO",
    "sort": "SORT",
    "createdBy": "CREATED_BY",
    "modifiedBy": "MODIFIED_BY",
    "dateStart": "DATE_START",
    "dateEnd": "DATE_END",
    "status": "STATUS",
}
EPIC_SELECT = {
    "id": "ID",
    "groupId": "GROUP_ID",
    "name": "NAME",
    "description": "DESCRIPTION",
    "createdBy": "CREATED_BY",
    "modifiedBy": "MODIFIED_BY",
    "color": "COLOR",
}


def sprint_view(row: Row, now: float, selected: set[str] | None = None) -> dict[str, Any]:
    """`EntityForm::toRest()`. portal: a date the form has not got (a backlog's, or one not
    selected in a list) is rendered as the current time; other unselected fields as 0/''."""
    fields = _selected(row, SPRINT_SELECT, selected)
    return {
        "id": fields.get("id", 0),
        "groupId": fields.get("group_id", 0),
        "entityType": fields.get("entity_type", ""),
        "name": fields.get("name", ""),
        "goal": fields.get("goal", ""),
        "sort": fields.get("sort", 0),
        "createdBy": fields.get("created_by", 0),
        "modifiedBy": fields.get("modified_by", 0),
        "dateStart": format_date(_or_now(fields.get("date_start"), now)),
        "dateEnd": format_date(_or_now(fields.get("date_end"), now)),
        "status": fields.get("status", ""),
    }


def epic_view(row: Row, selected: set[str] | None = None) -> dict[str, Any]:
    """`EpicForm::toArray()`; in a list, fields not selected come back as 0/''."""
    fields = _selected(row, EPIC_SELECT, selected)
    return {
        "id": fields.get("id", 0),
        "groupId": fields.get("group_id", 0),
        "name": fields.get("name", ""),
        "description": fields.get("description", ""),
        "createdBy": fields.get("created_by", 0),
        "modifiedBy": fields.get("modified_by", 0),
        "color": fields.get("color", ""),
    }


def _selected(row: Row, select: dict[str, str], selected: set[str] | None) -> dict[str, Any]:
    """The row's columns whose list field was selected (all of them outside a list)."""
    keys = set(row.keys())
    return {
        column: row[column]
        for key, field in select.items()
        if (column := _COLUMN.get(key, key)) in keys and (selected is None or field in selected)
    }


_COLUMN = {
    "groupId": "group_id",
    "entityType": "entity_type",
    "createdBy": "created_by",
    "modifiedBy": "modified_by",
    "dateStart": "date_start",
    "dateEnd": "date_end",
}


def _or_now(stamp: int | None, now: float) -> float:
    return now if stamp is None else stamp


def epic_files_view(row: Row) -> dict[str, Any]:
    """The `UF_SCRUM_EPIC_FILES` user-field descriptor epic.get returns under `files`."""
    values = [int(str(f).lstrip("n")) for f in json.loads(row["files"]) if str(f).lstrip("n")]
    return {
        "ID": "136",
        "ENTITY_ID": "TASKS_SCRUM_EPIC",
        "FIELD_NAME": "UF_SCRUM_EPIC_FILES",
        "USER_TYPE_ID": "disk_file",
        "XML_ID": None,
        "SORT": "100",
        "MULTIPLE": "Y",
        "MANDATORY": "N",
        "SHOW_FILTER": "N",
        "SHOW_IN_LIST": "Y",
        "EDIT_IN_LIST": "Y",
        "IS_SEARCHABLE": "N",
        "SETTINGS": [],
        "EDIT_FORM_LABEL": "UF_SCRUM_EPIC_FILES",
        "LIST_COLUMN_LABEL": None,
        "LIST_FILTER_LABEL": None,
        "ERROR_MESSAGE": None,
        "HELP_MESSAGE": None,
        "USER_TYPE": {
            "USER_TYPE_ID": "disk_file",
            "CLASS_NAME": "Bitrix\\Disk\\Uf\\FileUserType",
            "DESCRIPTION": "File (Drive)",
            "BASE_TYPE": "int",
        },
        "VALUE": values,
        "ENTITY_VALUE_ID": row["id"],
        "TAG": "DOCUMENT ID",
    }


def stage_view(row: Row) -> dict[str, Any]:
    """`kanban.getStages`: ids, sort and sprint id as the strings a DB fetch gives.
    portal: an empty title becomes the default title of its type (of NEW when it has no
    type), an empty colour `47D1E2` (`KanbanService::getStages`)."""
    return {
        "id": str(row["id"]),
        "name": row["name"] or DEFAULT_STAGE_TITLES.get(row["type"] or "NEW", ""),
        "sort": str(row["sort"]),
        "type": row["type"],
        "sprintId": str(row["sprint_id"]),
        "color": row["color"] or DEFAULT_STAGE_COLOR,
    }


def scrum_task_view(row: Row) -> dict[str, Any]:
    """`task.get`: `sortFloat` is SORT_FLOAT, `sort` the same rounded into 0..255
    (`ItemForm::getSort`); a whole float is sent without its fraction by the JSON writer."""
    sort_float = float(row["sort_float"])
    return {
        "entityId": row["entity_id"],
        "storyPoints": row["story_points"],
        "epicId": row["epic_id"],
        "sort": min(MAX_SORT, max(0, php_round(sort_float))),
        "sortFloat": sort_float,
        "createdBy": row["created_by"],
        "modifiedBy": row["modified_by"],
    }
