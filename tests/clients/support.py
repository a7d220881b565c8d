"""The client matrix: every client library runs the same calls against `serve --sandbox`.

Each test module drives one library family the way its users do (over stdio and, where the
library has it, streamable HTTP) and checks what the library hands back, and where it has
a model loop, what the model would be shown. Libraries that cannot share the dev venv run
as separate programs: Python ones from the venvs of `.ci/clients.sh`, node ones with node
22 from `.ci/node` (`.ci/npm.sh`); their drivers (`drivers/`) print one JSON report.

A missing client environment skips its tests with the command that installs it, except
under `CI=true`, where the matrix must run and a missing environment fails.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pytest

from bitrix24_scrum_mcp.tools import TOOLSETS, select
from bitrix24_scrum_mcp.tools.schema import input_schema
from tests.ecosystem.support import NODE22_BIN, NODE_PREFIX, ROOT, clean_env

DRIVERS = Path(__file__).with_name("drivers")
CLIENT_VENVS = ROOT / ".ci" / "clients"

ALL_TOOLSETS = ",".join(TOOLSETS)
SERVER_ARGS = ["-m", "bitrix24_scrum_mcp", "serve", "--sandbox", "--toolsets", ALL_TOOLSETS]
"""`python <SERVER_ARGS>` serves every tool on a fresh demo sandbox over stdio."""
STDIO: dict[str, Any] = {"command": sys.executable, "args": SERVER_ARGS}

TOOLS = [spec.name for spec in select(TOOLSETS)]
NO_PARAMETERS = sorted(
    spec.name for spec in select(TOOLSETS) if not input_schema(spec)["properties"]
)
"""The tools without parameters (`*_get_fields`, `user_current`). openai-agents accepts
only `{"properties": {}, "additionalProperties": false}` as a strict empty object, which
google-genai's adapter cannot read, so these stay non-strict there: with nothing to send,
strict and non-strict mean the same (docs/clients/README.md)."""

DEMO_SPRINT = 23


@dataclass(frozen=True)
class Call:
    label: str
    tool: str
    arguments: dict[str, Any]


READ = Call("read", "sprint_get", {"id": DEMO_SPRINT})
INVALID = Call(
    "invalid", "sprint_add", {"fields": {"groupid": 11, "name": "x", "dateStart": "2024-13-45"}}
)
PORTAL_ERROR = Call("portal error", "sprint_get", {"id": 999})


def write(client: str) -> Call:
    """Rename the demo sprint; each client picks its own name, so its result proves itself."""
    return Call("write", "sprint_update", {"id": DEMO_SPRINT, "fields": {"name": f"By {client}"}})


def calls(client: str) -> list[Call]:
    return [READ, write(client), INVALID, PORTAL_ERROR]


@dataclass(frozen=True)
class Seen:
    """One call's result as the library handed it back (or as its model was shown it)."""

    is_error: bool | None  # None: the library does not say (it only passes text on)
    text: str
    structured: dict[str, Any] | None = None

    @classmethod
    def of(cls, report: dict[str, Any]) -> Seen:
        """From a driver's JSON report entry."""
        return cls(report.get("is_error"), report.get("text") or "", report.get("structured"))


def check(call: Call, seen: Seen) -> None:
    """What every client must get back for the four calls.

    `text` is checked where the library passes our text content on (most show the model
    nothing else); `structured` where it passes the structured content.
    """
    if call.label in ("read", "write"):
        assert seen.is_error in (False, None), seen
        data = seen.structured if seen.structured is not None else json.loads(seen.text)
        assert data["id"] == DEMO_SPRINT and data["status"] == "planned", data
        if call.label == "write":  # (a read may follow another client's write)
            assert data["name"] == call.arguments["fields"]["name"], data
        return
    assert seen.is_error in (True, None), seen
    if call.label == "invalid":
        if seen.text:  # the misspelt key itself, with the right spelling, in one line
            assert "fields.groupid: unknown field; allowed: groupId, name" in seen.text, seen
            assert "fields.dateStart: '2024-13-45' is not a valid date" in seen.text, seen
        if seen.structured is not None:
            assert seen.structured["error"] == "INVALID_ARGUMENTS"
            details = {d["field"]: d["message"] for d in seen.structured["details"]}
            assert len(details) == 5
            assert details["fields.groupid"].startswith("unknown field; allowed: groupId, name")
    else:
        if seen.text:
            assert "Sprint not found" in seen.text, seen
        if seen.structured is not None:
            assert seen.structured["error_description"] == "Sprint not found"
            assert seen.structured["method"] == "tasks.api.scrum.sprint.get"
    assert seen.text or seen.structured is not None, seen


def driver_payload(client: str, transport: str, http_url: str) -> dict[str, Any]:
    """What a driver program gets: where the server is, and the calls to make."""
    where = {"stdio": STDIO} if transport == "stdio" else {"url": http_url}
    return {**where, "calls": [asdict(c) for c in calls(client)]}


def seen_in(report: dict[str, Any]) -> dict[str, Seen]:
    """A driver report's calls, by label."""
    return {label: Seen.of(entry) for label, entry in report["calls"].items()}


def check_all(client: str, seen: dict[str, Seen]) -> int:
    """Check every call; returns how many passed (all of them, or the test fails)."""
    for call in calls(client):
        check(call, seen[call.label])
    return len(seen)


# --- environments ------------------------------------------------------------------------


def require(available: bool, reason: str) -> None:
    """Skip with `reason`, or fail under CI=true, when a client environment is missing."""
    if available:
        return
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{reason} (CI=true: the client matrix must run)")
    pytest.skip(reason)


def venv_python(name: str) -> Path:
    python = CLIENT_VENVS / name / "bin" / "python"
    require(python.exists(), f"client venv {name} missing: run `bash .ci/clients.sh`")
    return python


NODE = NODE22_BIN / "node"


def node_package(name: str) -> None:
    require(
        NODE.exists() and (NODE_PREFIX / "node_modules" / name / "package.json").exists(),
        f"npm package {name} missing: run `bash .ci/npm.sh` (installs into .ci/node/)",
    )


def run_driver(
    command: list[str], payload: dict[str, Any], *, timeout: float = 180
) -> dict[str, Any]:
    """Run a driver program with its JSON payload; its last stdout line is its JSON report."""
    done = subprocess.run(
        [*command, json.dumps(payload)],
        env={**clean_env(), "PATH": f"{NODE22_BIN}{os.pathsep}{os.environ.get('PATH', '')}"},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, f"{command[-1]} failed ({done.returncode}):\n{done.stderr}"
    return json.loads(done.stdout.strip().splitlines()[-1])


def node_script(script: Path, workdir: Path) -> list[str]:
    """`node <copy of script>`: the copy sits beside a `node_modules` link to .ci/node, so
    its bare imports resolve there (node resolves from the script's own folder)."""
    link = workdir / "node_modules"
    if not link.exists():
        link.symlink_to(NODE_PREFIX / "node_modules", target_is_directory=True)
    copy = workdir / script.name
    shutil.copyfile(script, copy)
    return [str(NODE), str(copy)]
