"""The method table: every REST method the sandbox serves, its handler and its scope.

Method names are matched case-insensitively, as on a portal. `error_status` is the HTTP
status a method's own errors use (docs: task.get labels its errors 200, the rest 400).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bitrix24_scrum_mcp.sandbox.handlers import (
    backlog,
    epic,
    kanban,
    scrum_task,
    sonet,
    sprint,
    system,
    tasks,
)

Handler = Callable[[Any, dict[str, Any]], Any]

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
    error_status: int = 400


def _build() -> dict[str, MethodSpec]:
    specs: list[MethodSpec] = []
    for module in (backlog, epic, kanban, sprint, scrum_task, tasks):
        for name, handler in module.HANDLERS.items():
            status = 200 if name == "tasks.api.scrum.task.get" else 400
            specs.append(MethodSpec(name, handler, TASK_SCOPES, status))
    specs.extend(MethodSpec(n, h, SONET_SCOPES) for n, h in sonet.HANDLERS.items())
    specs.append(MethodSpec("user.current", system.user_current, USER_SCOPES))
    specs.append(MethodSpec("scope", system.scope, BASIC))
    specs.append(MethodSpec("server.time", system.server_time, BASIC))
    return {spec.name.lower(): spec for spec in specs}


METHODS = _build()


def lookup(method: str) -> MethodSpec | None:
    return METHODS.get(method.lower())


def served_methods() -> set[str]:
    """Every method name served, batch included (for coverage tests)."""
    return {spec.name for spec in METHODS.values()} | {BATCH}
