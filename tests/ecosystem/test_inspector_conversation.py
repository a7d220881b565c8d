"""The prompts, resource templates and MCP App through the MCP Inspector CLI 2.x (stdio).

The Inspector is a TypeScript SDK client: it checks each answer against the protocol's
own schemas, so a prompt or resource it can list, get and read is one other clients can
too. As in test_inspector.py, every run starts at once and each test checks one.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from bitrix24_scrum_mcp.app import SHOWN_IN_APP
from bitrix24_scrum_mcp.prompts import CEREMONIES
from bitrix24_scrum_mcp.resources import TEMPLATES
from bitrix24_scrum_mcp.sandbox.seed_history import ACTIVE_SPRINT_ID
from bitrix24_scrum_mcp.ui import APP_MIME, APP_URI
from tests.ecosystem.test_inspector import OK, STDIO, Run, requires_inspector
from tests.ecosystem.test_inspector import _inspector as inspector  # pyright: ignore[reportPrivateUsage]

pytestmark = [requires_inspector, pytest.mark.slow]

PARALLEL = 4
VALUES = {"groupId": "12", "sprintId": str(ACTIVE_SPRINT_ID), "column": "new"}


def _address(template: str) -> str:
    for name, value in VALUES.items():
        template = template.replace("{" + name + "}", value)
    return template


READS = [_address(t.uri_template) for t in TEMPLATES]


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Run]]:
    cwd = tmp_path_factory.mktemp("inspector-conversation")
    commands = {
        "prompts": [*STDIO, "--method", "prompts/list"],
        "templates": [*STDIO, "--method", "resources/templates/list"],
        "app": [*STDIO, "--method", "resources/read", "--uri", APP_URI],
        **{
            f"app-info {tool}": [
                "--app-info",
                *STDIO,
                "--method",
                "tools/call",
                "--tool-name",
                tool,
            ]
            for tool in sorted(SHOWN_IN_APP)
        },
        **{
            f"get {c.name}": [
                *STDIO,
                "--method",
                "prompts/get",
                "--prompt-name",
                c.name,
                "--prompt-args",
                "groupId=12",
            ]
            for c in CEREMONIES
        },
        **{uri: [*STDIO, "--method", "resources/read", "--uri", uri] for uri in READS},
    }
    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        futures = {name: pool.submit(inspector, args, cwd) for name, args in commands.items()}
        yield {name: future.result() for name, future in futures.items()}


def test_inspector_lists_the_prompts(runs: dict[str, Run]) -> None:
    run = runs["prompts"]
    assert run.code == OK, run.err
    assert [p["name"] for p in run.out["prompts"]] == [c.name for c in CEREMONIES]


@pytest.mark.parametrize("name", [c.name for c in CEREMONIES])
def test_inspector_gets_each_prompt(runs: dict[str, Run], name: str) -> None:
    run = runs[f"get {name}"]
    assert run.code == OK, run.err
    [message] = run.out["messages"]
    assert message["role"] == "user" and "Scrum 12" in message["content"]["text"]


def test_inspector_lists_the_templates(runs: dict[str, Run]) -> None:
    run = runs["templates"]
    assert run.code == OK, run.err
    listed = [t["uriTemplate"] for t in run.out["resourceTemplates"]]
    assert listed == [t.uri_template for t in TEMPLATES]


@pytest.mark.parametrize("uri", READS)
def test_inspector_reads_each_template(runs: dict[str, Run], uri: str) -> None:
    run = runs[uri]
    assert run.code == OK, run.err
    [content] = run.out["contents"]
    assert content["uri"] == uri and content["mimeType"] == "application/json"
    assert json.loads(content["text"])


def test_inspector_reads_the_app(runs: dict[str, Run]) -> None:
    run = runs["app"]
    assert run.code == OK, run.err
    [content] = run.out["contents"]
    assert content["mimeType"] == APP_MIME and "<html" in content["text"]


@pytest.mark.parametrize("tool", sorted(SHOWN_IN_APP))
def test_inspector_finds_the_app_of_the_overview_board_and_report(
    runs: dict[str, Run], tool: str
) -> None:
    run = runs[f"app-info {tool}"]
    assert run.code == OK, run.err
    assert run.out == {
        "hasApp": True,
        "toolName": tool,
        "resourceUri": APP_URI,
        "resourceMimeType": APP_MIME,
    }
