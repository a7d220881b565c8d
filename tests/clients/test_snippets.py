"""The README's agent-framework snippets (docs/clients/) run as written, end to end.

Each snippet starts the server the way the README says (`uvx --from <repo> ...`, here a
shim running our console script) against a sandbox portal, and those with a model talk to
a scripted stand-in of the OpenAI or Gemini API, reached through the SDKs' standard base-URL
variables: the model asks for `sprint_list`, and must be sent the sprint back.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bitrix24_scrum_mcp.sandbox import DEMO_USER_ID, DEMO_WEBHOOK_CODE, Portal, create_app
from bitrix24_scrum_mcp.tools import ALL_TOOLS, select
from bitrix24_scrum_mcp.tools.schema import input_schema
from tests.clients.fake_models import FINAL_TEXT, FakeModels, fake_models
from tests.clients.support import node_package, node_script, venv_python
from tests.ecosystem.support import NODE22_BIN, ROOT, clean_env, serving, uvx_shims
from tests.strict_form import strict_form

pytestmark = pytest.mark.slow

SNIPPETS = ROOT / "docs" / "clients"
OVERVIEW = next(s for s in ALL_TOOLS if s.name == "scrum_overview")
# as a strict model sends it (every key, null unless meant); valid for every client
OVERVIEW_11 = strict_form(input_schema(OVERVIEW), {"groupId": 11})


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    shims = uvx_shims(tmp_path_factory.mktemp("shims"))
    portal = Portal()
    with serving(create_app(portal)) as served:
        webhook = f"{served.base}/rest/{DEMO_USER_ID}/{DEMO_WEBHOOK_CODE}/"
        path = os.pathsep.join([str(shims), str(NODE22_BIN), os.environ.get("PATH", "")])
        yield clean_env(BITRIX24_WEBHOOK_URL=webhook, PATH=path, OPENAI_AGENTS_DISABLE_TRACING="1")
    portal.close()


@pytest.fixture(scope="module")
def models() -> Iterator[FakeModels]:
    with fake_models() as fake:
        yield fake


def _run(command: list[str], env: dict[str, str], cwd: Path | None = None) -> str:
    done = subprocess.run(
        command, env=env, cwd=cwd, capture_output=True, text=True, timeout=180, check=False,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert done.returncode == 0, f"{command[-1]}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _agent_run(command: list[str], env: dict[str, str], models: FakeModels) -> None:
    """One model turn asks for scrum_overview (a default tool), the next answers; the
    planned sprint must reach it."""
    models.requests.clear()
    models.script = [[("scrum_overview", OVERVIEW_11)]]
    out = _run(command, {**env, **models.env()})
    assert FINAL_TEXT in out
    assert len(models.requests) == 2, models.requests
    shown = json.dumps(models.requests[1]["body"])
    assert "Sprint 1" in shown and "Apple Pay" in shown  # the sprint's name and goal


@pytest.mark.parametrize("snippet", ["openai_agents.py", "pydantic_ai_agent.py", "gemini_agent.py"])
def test_python_agent_snippet_runs_a_tool_through_its_model_loop(
    snippet: str, env: dict[str, str], models: FakeModels
) -> None:
    _agent_run([sys.executable, str(SNIPPETS / snippet)], env, models)


def test_langchain_snippet_runs_a_tool_through_its_agent(
    env: dict[str, str], models: FakeModels
) -> None:
    python = venv_python("langchain")
    _agent_run([str(python), str(SNIPPETS / "langchain_agent.py")], env, models)


def test_ai_sdk_snippet_runs_a_tool_through_generate_text(
    env: dict[str, str], models: FakeModels, tmp_path: Path
) -> None:
    for package in ("@ai-sdk/mcp", "@ai-sdk/openai", "ai"):
        node_package(package)
    _agent_run(node_script(SNIPPETS / "ai_sdk.mjs", tmp_path), env, models)


@pytest.mark.parametrize("python", ["dev", "fastmcp3"])
def test_fastmcp_snippet_lists_and_reads_a_scrum(python: str, env: dict[str, str]) -> None:
    interpreter = sys.executable if python == "dev" else str(venv_python("fastmcp3"))
    out = _run([interpreter, str(SNIPPETS / "fastmcp_client.py")], env)
    assert out.startswith(f"{len(select())} tools\nFalse {{'groupId': 11,")
    assert "Apple Pay" in out  # the planned sprint's goal


def test_typescript_sdk_snippet_lists_and_reads_a_scrum(
    env: dict[str, str], tmp_path: Path
) -> None:
    node_package("@modelcontextprotocol/sdk")
    out = _run(node_script(SNIPPETS / "typescript_sdk.mjs", tmp_path), env)
    assert out.startswith(f'{len(select())} tools; ok {{"groupId":11,')
    assert "Apple Pay" in out


def test_every_snippet_is_run_here_and_shown_in_the_readme() -> None:
    ran = {"openai_agents.py", "pydantic_ai_agent.py", "gemini_agent.py", "langchain_agent.py",
           "ai_sdk.mjs", "fastmcp_client.py", "typescript_sdk.mjs"}  # fmt: skip
    programs = {p.name for p in SNIPPETS.iterdir() if p.suffix in (".py", ".mjs")}
    assert programs == ran | {"python_agent.py"}  # that one: tests/ecosystem
    readme = (ROOT / "README.md").read_text()
    assert all(f"docs/clients/{name}" in readme for name in programs)
