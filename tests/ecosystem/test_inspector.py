"""End to end with the MCP Inspector CLI 2.x (TypeScript SDK client) against the sandbox.

The Inspector validates `structuredContent` against the tool's `outputSchema` even when
`isError` is true, so a failed call must come back as a tool error (exit 5, result JSON on
stdout), not as a validation failure (exit 1). The control server shows the validation is
really done. Skipped, with the reason, only when `.ci/npm.sh` has not installed the tools.

All Inspector runs start at once (each spends most of its time starting node and Python),
then each test checks one of them.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bitrix24_scrum_mcp.tools import select
from tests.ecosystem.support import (
    INSPECTOR,
    TOKEN,
    clean_env,
    http_replica,
    node_env,
    requires_inspector,
    wait_healthy_sync,
)

pytestmark = requires_inspector

OK, FAILED, TOOL_ERROR = 0, 1, 5  # Inspector 2.x exit codes
MISSING_SPRINT = 999_999
DEMO_SPRINT = 23
STDIO = [sys.executable, "-m", "bitrix24_scrum_mcp", "--sandbox", "--toolsets", "all"]
CONTROL = [sys.executable, str(Path(__file__).with_name("strict_schema_server.py"))]
LIST = ["--method", "tools/list"]
# Each run starts node and a Python server; on a busy 2-core CI machine a dozen at once
# can exceed the Inspector's default 15 s connect timeout.
CONNECT_TIMEOUT_MS = "60000"
PARALLEL = 4
MISSPELT = 'fields={"groupid": 11, "name": "x", "dateStart": "2024-13-45"}'


def _call(*tool: str) -> list[str]:
    return ["--method", "tools/call", "--tool-name", *tool]


@dataclass
class Run:
    code: int
    out: Any  # stdout parsed as JSON when it is JSON
    err: str


def _inspector(args: list[str], cwd: Path) -> Run:
    done = subprocess.run(
        [str(INSPECTOR), "--cli", "--connect-timeout", CONNECT_TIMEOUT_MS, *args],
        env=node_env(),
        cwd=cwd,
        capture_output=True,
        timeout=90,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    out = done.stdout.decode()
    try:
        parsed = json.loads(out) if out.strip() else None
    except ValueError:
        parsed = out
    return Run(done.returncode, parsed, done.stderr.decode())


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Run]]:
    cwd = tmp_path_factory.mktemp("inspector")
    with http_replica(["--sandbox", "--toolsets", "all"], clean_env(MCP_HTTP_TOKEN=TOKEN)) as (
        served,
        proc,
    ):
        wait_healthy_sync(served.base, proc)
        http = [served.mcp_url, "--transport", "http", "--header", f"Authorization: Bearer {TOKEN}"]
        commands = {
            "stdio list": [*STDIO, *LIST],
            "stdio call": [*STDIO, *_call("sprint_get", "--tool-arg", f"id={DEMO_SPRINT}")],
            "stdio missing": [*STDIO, *_call("sprint_get", "--tool-arg", f"id={MISSING_SPRINT}")],
            "stdio invalid": [*STDIO, *_call("sprint_get", "--tool-arg", "id=0")],
            "stdio write": [
                *STDIO,
                *_call(
                    "sprint_update",
                    "--tool-arg",
                    f"id={DEMO_SPRINT}",
                    "--tool-arg",
                    'fields={"name": "By the Inspector"}',
                ),
            ],
            "stdio misspelt": [*STDIO, *_call("sprint_add", "--tool-arg", MISSPELT)],
            "stdio strict list": ["--strict", *STDIO, *LIST],
            "control": [*CONTROL, *_call("get")],
            "http list": [*http, *LIST],
            "http call": [*http, *_call("sprint_get", "--tool-arg", f"id={DEMO_SPRINT}")],
            "http missing": [*http, *_call("sprint_get", "--tool-arg", f"id={MISSING_SPRINT}")],
        }
        with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
            futures = {name: pool.submit(_inspector, args, cwd) for name, args in commands.items()}
            yield {name: future.result() for name, future in futures.items()}


@pytest.mark.parametrize("transport", ["stdio", "http"])
def test_tools_list(runs: dict[str, Run], transport: str) -> None:
    run = runs[f"{transport} list"]
    assert run.code == OK, run.err
    assert [t["name"] for t in run.out["tools"]] == [s.name for s in select(["all"])]


@pytest.mark.parametrize("transport", ["stdio", "http"])
def test_tools_call(runs: dict[str, Run], transport: str) -> None:
    run = runs[f"{transport} call"]
    assert run.code == OK, run.err
    assert run.out["structuredContent"]["id"] == DEMO_SPRINT
    assert run.out["structuredContent"]["name"] == "Sprint 1"
    assert run.out.get("isError", False) is False


@pytest.mark.parametrize("transport", ["stdio", "http"])
def test_portal_error_is_a_tool_error_not_a_schema_failure(
    runs: dict[str, Run], transport: str
) -> None:
    run = runs[f"{transport} missing"]
    assert run.code == TOOL_ERROR, (run.code, run.out, run.err)
    assert run.out["isError"] is True
    assert run.out["structuredContent"]["error_description"] == "Sprint not found"
    assert run.out["structuredContent"]["method"] == "tasks.api.scrum.sprint.get"


def test_invalid_arguments_are_a_tool_error_not_a_schema_failure(runs: dict[str, Run]) -> None:
    run = runs["stdio invalid"]
    assert run.code == TOOL_ERROR, (run.code, run.out, run.err)
    assert run.out["structuredContent"]["error"] == "INVALID_ARGUMENTS"
    assert run.out["structuredContent"]["details"][0]["field"] == "id"


def test_a_write_with_one_field_changes_it(runs: dict[str, Run]) -> None:
    run = runs["stdio write"]
    assert run.code == OK, run.err
    assert run.out["structuredContent"]["name"] == "By the Inspector"
    assert run.out["structuredContent"]["status"] == "planned"


def test_a_misspelt_field_is_named_in_the_text_with_the_right_spelling(
    runs: dict[str, Run],
) -> None:
    run = runs["stdio misspelt"]
    assert run.code == TOOL_ERROR, (run.code, run.out, run.err)
    text = run.out["content"][0]["text"]
    assert "fields.groupid: unknown field; allowed: groupId, name" in text
    assert len(run.out["structuredContent"]["details"]) == 5


def test_control_the_inspector_does_validate_error_results(runs: dict[str, Run]) -> None:
    run = runs["control"]
    assert run.code == FAILED, (run.code, run.out, run.err)
    assert "required property 'id'" in run.err  # the Inspector's own validation message


def test_strict_lint_of_tools_list_finds_no_errors_and_only_type_list_warnings(
    runs: dict[str, Run],
) -> None:
    """Nullable scalars are `"type": [T, "null"]` on purpose (docs/clients/README.md): the lint's
    `type-union` warning suggests `anyOf`, which costs ~800 tokens more over the tool list
    and loses descriptions in google-genai's converter. Anything else would be a finding."""
    run = runs["stdio strict list"]
    assert run.code == OK, run.err
    summary = re.search(r"(\d+) errors, (\d+) warnings", run.err)
    assert summary, run.err
    errors, warnings = map(int, summary.groups())
    assert errors == 0, run.err
    assert run.err.count("Issue: `type` is an array") == warnings, run.err
