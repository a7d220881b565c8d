# pyright: strict
"""The deterministic demo portal: users, two Scrum teams, one plain workgroup, backlogs.

Every id and timestamp is fixed (derived from `BASE_TIME`), so tests and demos can name
them through the constants below. Ids are spread out by kind (groups 11.., backlogs and
sprints 21.., epics 31.., tasks 101..) so a group id is never mistaken for a backlog id.
"""

from __future__ import annotations

import json
from typing import Any

from bitrix24_scrum_mcp.sandbox.seed_history import TASKS as HISTORY_TASKS
from bitrix24_scrum_mcp.sandbox.seed_history import seed_history
from bitrix24_scrum_mcp.sandbox.store import Store

BASE_TIME = 1725256800  # 2024-09-02T09:00:00+03:00, a Monday
DAY = 86400

DEMO_USER_ID = 1
DEMO_WEBHOOK_CODE = "sbx1demo2code3ab"
DEMO_SCOPES = ("task", "user", "sonet_group", "basic")
# The demo OAuth application people sign in through (a team server's BITRIX24_CLIENT_ID/SECRET).
DEMO_APP_CLIENT_ID = "local.sbx0demo0app.00000001"
DEMO_APP_CLIENT_SECRET = "sbxDemoAppSecret0123456789abcdefghijklmnopq"

DEMO_DEVELOPER_ID = 2
DEMO_SCRUM_MASTER_ID = 3
DEMO_OUTSIDER_USER_ID = 4  # member of no Scrum group: every Scrum call answers "Access denied"
DEMO_DESIGNER_ID = 5
# An incoming webhook for each demo employee, for a team server's tokens file.
DEMO_PERSON_WEBHOOK_CODES = {
    DEMO_USER_ID: DEMO_WEBHOOK_CODE,
    DEMO_DEVELOPER_ID: "sbx2dev0code4cd",
    DEMO_SCRUM_MASTER_ID: "sbx3master5ef",
    DEMO_OUTSIDER_USER_ID: "sbx4outsider6gh",
    DEMO_DESIGNER_ID: "sbx5design7ij",
}

DEMO_SCRUM_GROUP_ID = 11
DEMO_SECOND_SCRUM_GROUP_ID = 12
DEMO_PLAIN_GROUP_ID = 13  # an ordinary workgroup (no SCRUM_MASTER_ID, no backlog)

DEMO_BACKLOG_ID = 21
DEMO_SECOND_BACKLOG_ID = 22
DEMO_SPRINT_ID = 23  # planned, in DEMO_SCRUM_GROUP_ID

DEMO_EPIC_PAYMENTS_ID = 31
DEMO_EPIC_CHECKOUT_UX_ID = 32
DEMO_EPIC_ANALYTICS_ID = 33
DEMO_EPIC_ONBOARDING_ID = 34
DEMO_EPIC_PERFORMANCE_ID = 35

DEMO_FIRST_TASK_ID = 101
DEMO_PLAIN_TASK_ID = 120  # in the plain workgroup: not a Scrum task
DEMO_SPRINT_TASK_IDS = (101, 102, 103)

USERS = (
    (1, "Maria", "Ivanova", "maria.ivanova@sandbox.example", "Head of Product", 1),
    (2, "Dmitry", "Sokolov", "dmitry.sokolov@sandbox.example", "Backend Developer", 0),
    (3, "Elena", "Kuznetsova", "elena.kuznetsova@sandbox.example", "Scrum Master", 0),
    (4, "Pavel", "Orlov", "pavel.orlov@sandbox.example", "Marketing Manager", 0),
    (5, "Olga", "Smirnova", "olga.smirnova@sandbox.example", "Product Designer", 0),
)

# (id, name, description, owner, scrum master, members)
GROUPS = (
    (11, "Checkout Revamp", "Scrum team rebuilding the web checkout", 1, 3, (1, 2, 3)),
    (12, "Mobile App 2.0", "Scrum team for the next mobile app release", 1, 2, (1, 2, 5)),
    (13, "Marketing", "Campaigns and newsletters", 4, 0, (1, 4)),
)

EPICS = (
    (31, 11, "Payments", "Every way a shopper can pay", "#69dafc"),
    (32, 11, "Checkout UX", "Fewer steps, fewer surprises", "#bbecf1"),
    (33, 11, "Analytics", "Know where shoppers drop off", "#ffab00"),
    (34, 12, "Onboarding", "First-run experience", "#9dcf00"),
    (35, 12, "Performance", "Fast and stable on every device", "#ff5752"),
)

# (task id, group, title, epic, story points, responsible)
TASKS = (
    (101, 11, "As a shopper I can pay with Apple Pay", 31, "8", 2),
    (102, 11, "Show delivery cost before the payment step", 32, "3", 2),
    (103, 11, "Fix: cart total rounds wrong with three discounted items", 32, "2", 2),
    (104, 11, "Save card details for returning customers", 31, "5", 2),
    (105, 11, "Guest checkout without registration", 32, "8", 3),
    (106, 11, "Validate promo codes as the shopper types", 32, "3", 2),
    (107, 11, "Redesign the order confirmation email", 32, "2", 3),
    (108, 11, "Address autocomplete from the postcode", 32, "5", 2),
    (109, 11, "Split a payment between two cards", 31, "13", 2),
    (110, 11, "Send checkout funnel analytics events", 33, "3", 3),
    (111, 11, "Dashboard of abandoned carts by step", 33, "5", 3),
    (112, 12, "Push notification opt-in screen", 34, "3", 5),
    (113, 12, "Offline mode for order history", 35, "8", 2),
    (114, 12, "Sign in with Face ID / fingerprint", 34, "5", 2),
    (115, 12, "Dark theme", 34, "5", 5),
    (116, 12, "Fix: crash on Android 14 when rotating the cart", 35, "3", 2),
    (117, 12, "Open deep links from marketing emails", 34, "3", 2),
    (118, 12, "Cut cold start time below two seconds", 35, "8", 2),
    (119, 12, "In-app feedback form", 34, "2", 5),
    (120, 13, "Prepare the Q3 newsletter", 0, "", 4),
)


def seed_demo(store: Store, now: float) -> None:
    """Fill an empty store with the demo portal (idempotent: a seeded store is left alone).

    `now` anchors group 12's sprint history (seed_history.py); the rest is fixed."""
    if store.get_meta("seeded") is not None:
        return
    for user_id, name, last, email, position, admin in USERS:
        _user(store, user_id, name, last, email, position, admin)
    for group_id, name, description, owner, master, members in GROUPS:
        store.insert(
            "groups",
            {
                "id": group_id,
                "name": name,
                "description": description,
                "owner_id": owner,
                "scrum_master_id": master,
                "project": "Y" if master else "N",
                "opened": "N",
                "visible": "Y",
                "date_create": BASE_TIME - 30 * DAY,
            },
        )
        for user_id in members:
            store.insert(
                "group_members",
                {"group_id": group_id, "user_id": user_id, "role": role(user_id, owner, master)},
            )
    for entity_id, group_id in ((DEMO_BACKLOG_ID, 11), (DEMO_SECOND_BACKLOG_ID, 12)):
        store.insert(
            "entities",
            {
                "id": entity_id,
                "group_id": group_id,
                "entity_type": "backlog",
                "created_by": 1,
                "modified_by": 1,
            },
        )
    store.insert(
        "entities",
        {
            "id": DEMO_SPRINT_ID,
            "group_id": 11,
            "entity_type": "sprint",
            "name": "Sprint 1",
            "goal": "Shoppers can pay with Apple Pay",
            "sort": 1,
            "created_by": 3,
            "modified_by": 3,
            "date_start": BASE_TIME + 7 * DAY,
            "date_end": BASE_TIME + 21 * DAY,
            "status": "planned",
        },
    )
    for epic_id, group_id, name, description, color in EPICS:
        store.insert(
            "epics",
            {
                "id": epic_id,
                "group_id": group_id,
                "name": name,
                "description": description,
                "created_by": 1,
                "modified_by": 1,
                "color": color,
                "files": json.dumps([]),
            },
        )
    _tasks(store)
    seed_history(store, now)
    store.set_meta("seeded", "demo")


def role(user_id: int, owner_id: int, scrum_master_id: int) -> str:
    """A member's role: the owner `A`, the Scrum master a moderator `E`, others `K`.

    Bitrix24 makes a Scrum's master a moderator of its group; only the owner, moderators
    and admins may start or complete a sprint (`SprintService::canStartSprint`), so in the
    demo Elena (3) runs group 11's sprints and Dmitry (2) is the plain member refused.
    """
    if user_id == owner_id:
        return "A"
    return "E" if user_id == scrum_master_id else "K"


def seed_minimal(store: Store) -> None:
    """An empty portal: only the webhook owner, user 1 (an admin)."""
    if store.get_meta("seeded") is not None:
        return
    _user(store, *USERS[0])
    store.set_meta("seeded", "minimal")


def _user(
    store: Store, user_id: int, name: str, last: str, email: str, position: str, admin: int
) -> None:
    store.insert(
        "users",
        {
            "id": user_id,
            "name": name,
            "last_name": last,
            "email": email,
            "work_position": position,
            "is_admin": admin,
            "date_register": BASE_TIME - 365 * DAY,
        },
    )


def _tasks(store: Store) -> None:
    # Items are sorted 1024, 2048, ... as a portal's `normalizeEntitySort` leaves them.
    sort_by_entity: dict[int, int] = {}
    for index, (task_id, group_id, title, epic_id, points, responsible) in enumerate(TASKS):
        created = BASE_TIME - (len(TASKS) - index) * 3600
        store.insert(
            "tasks",
            {
                "id": task_id,
                "title": title,
                "group_id": group_id,
                "created_by": 1,
                "responsible_id": responsible,
                "created_date": created,
                "changed_date": created,
            },
        )
        entity_id = _entity_for(task_id, group_id)
        if entity_id is None:
            continue
        sort_by_entity[entity_id] = sort_by_entity.get(entity_id, 0) + 1
        values: dict[str, Any] = {
            "entity_id": entity_id,
            "task_id": task_id,
            "epic_id": epic_id,
            "sort_float": sort_by_entity[entity_id] * 1024.0,
            "story_points": points,
            "created_by": 1,
            "modified_by": 1,
        }
        store.insert("items", values)


def _entity_for(task_id: int, group_id: int) -> int | None:
    if task_id in DEMO_SPRINT_TASK_IDS:
        return DEMO_SPRINT_ID
    return {11: DEMO_BACKLOG_ID, 12: DEMO_SECOND_BACKLOG_ID}.get(group_id)


def seeded_tasks() -> tuple[int, ...]:
    """Every task id the demo portal starts with (the fixed ones and group 12's history)."""
    return (*(task[0] for task in TASKS), *(task.id for task in HISTORY_TASKS))
