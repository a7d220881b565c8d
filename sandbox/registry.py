# pyright: strict
"""The method table: every REST method the sandbox serves, its bound handler and its scope.

Each handler module declares its methods as `Method` rows (name, action, what a failure
sends); this table binds each action's parameters (`binding.bind_action`) and adds the
scope the method's family needs. Method names are matched case-insensitively, as on a portal.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bitrix24_scrum_mcp.sandbox.binding import Handler, bind_action
from bitrix24_scrum_mcp.sandbox.context import REPORTED, Method
from bitrix24_scrum_mcp.sandbox.handlers import (
    backlog,
    epic,
    kanban,
    scrum_task,
    sonet,
    sprint,
    stages,
    system,
    tasks,
)

BATCH = "batch"
TASK_SCOPES = frozenset({"task"})
SONET_SCOPES = frozenset({"sonet_group", "socialnetwork", "sonet"})
USER_SCOPES = frozenset({"user", "user_brief", "user_basic"})
BASIC: frozenset[str] = frozenset()  # `basic` methods work for every webhook and token


@dataclass(frozen=True)
class MethodSpec:
    name: str
    handler: Handler
    scopes: frozenset[str]
    on_error: Any = REPORTED
    drops: Mapping[str, Any] = field(default_factory=dict[str, Any])


def _specs(methods: Iterable[Method], scopes: frozenset[str]) -> list[MethodSpec]:
    return [MethodSpec(m.name, bind_action(m.action), scopes, m.on_error, m.drops) for m in methods]


def _build() -> dict[str, MethodSpec]:
    task_methods = (
        *backlog.METHODS,
        *epic.METHODS,
        *kanban.METHODS,
        *sprint.METHODS,
        *scrum_task.METHODS,
        *tasks.METHODS,
        *stages.METHODS,
    )
    specs = [
        *_specs(task_methods, TASK_SCOPES),
        *_specs(sonet.METHODS, SONET_SCOPES),
        *_specs(system.USER_METHODS, USER_SCOPES),
        *_specs(system.METHODS, BASIC),
    ]
    return {spec.name.lower(): spec for spec in specs}


METHODS = _build()


def lookup(method: str) -> MethodSpec | None:
    return METHODS.get(method.lower())


def served_methods() -> set[str]:
    """Every method name served, batch included (for coverage tests)."""
    return {spec.name for spec in METHODS.values()} | {BATCH}
