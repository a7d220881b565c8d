"""Rows rendered as the Scrum controllers' `toArray()` shapes (camelCase, typed values)."""

from __future__ import annotations

import json
from typing import Any

from bitrix24_scrum_mcp.sandbox.dates import format_date
from bitrix24_scrum_mcp.sandbox.store import Row


def backlog_view(row: Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "groupId": row["group_id"],
        "createdBy": row["created_by"],
        "modifiedBy": row["modified_by"],
    }


def sprint_view(row: Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "groupId": row["group_id"],
        "entityType": row["entity_type"],
        "name": row["name"],
        "goal": row["goal"],
        "sort": row["sort"],
        "createdBy": row["created_by"],
        "modifiedBy": row["modified_by"],
        "dateStart": format_date(row["date_start"]),
        "dateEnd": format_date(row["date_end"]),
        "status": row["status"],
    }


def epic_view(row: Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "groupId": row["group_id"],
        "name": row["name"],
        "description": row["description"],
        "createdBy": row["created_by"],
        "modifiedBy": row["modified_by"],
        "color": row["color"],
    }


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
    """docs: kanban.getStages returns ids and sort as strings (a raw DB fetch), so do we."""
    return {
        "id": str(row["id"]),
        "name": row["name"],
        "sort": str(row["sort"]),
        "type": row["type"],
        "sprintId": str(row["sprint_id"]),
        "color": row["color"],
    }


def scrum_task_view(row: Row) -> dict[str, Any]:
    return {
        "entityId": row["entity_id"],
        "storyPoints": row["story_points"],
        "epicId": row["epic_id"],
        "sort": row["sort"],
        "createdBy": row["created_by"],
        "modifiedBy": row["modified_by"],
    }
