"""`manifest.json` (MCPB): generated from the spec table, valid, packable, and it starts.

The mcpb checks are skipped, with the reason, only when `.ci/npm.sh` has not installed it.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from mcp import Client, StdioServerParameters

from bitrix24_scrum_mcp import __version__
from bitrix24_scrum_mcp.config import SETUP_HELP, OAuth, Settings, Webhook
from bitrix24_scrum_mcp.env import ConfigError
from bitrix24_scrum_mcp.tools import ALL_TOOLS
from scripts import gen_manifest
from tests.ecosystem.support import MCPB, ROOT, clean_env, node_env, requires_mcpb

MANIFEST: dict[str, Any] = json.loads((ROOT / "manifest.json").read_text())
SENSITIVE = {"webhook_url", "access_token", "refresh_token", "client_secret"}


def _substitute(env: dict[str, str], values: dict[str, object]) -> dict[str, str]:
    """Do what the host does with `${user_config.KEY}` (unset options get their default)."""
    options = MANIFEST["user_config"]

    def value(match: re.Match[str]) -> str:
        key = match[1]
        got = values.get(key, options[key].get("default", ""))
        return str(got).lower() if isinstance(got, bool) else str(got)

    return {k: re.sub(r"\$\{user_config\.(\w+)\}", value, v) for k, v in env.items()}


def test_manifest_is_the_generated_one() -> None:
    assert (ROOT / "manifest.json").read_text() == gen_manifest.render(), (
        "manifest.json is stale: run python scripts/gen_manifest.py"
    )


def test_manifest_tools_match_the_spec_table() -> None:
    assert MANIFEST["tools"] == [{"name": s.name, "description": s.description} for s in ALL_TOOLS]
    assert MANIFEST["version"] == __version__


def test_secrets_are_sensitive_and_every_option_is_used() -> None:
    options = MANIFEST["user_config"]
    assert {k for k, o in options.items() if o.get("sensitive")} == SENSITIVE
    used = set(re.findall(r"\$\{user_config\.(\w+)\}", json.dumps(MANIFEST["server"])))
    assert used == set(options)


def test_unset_options_give_an_unconfigured_server_not_a_broken_one() -> None:
    env = _substitute(MANIFEST["server"]["mcp_config"]["env"], {})
    with pytest.raises(ConfigError) as caught:
        Settings.from_env(env)
    assert str(caught.value) == SETUP_HELP  # what to set, and nothing unreadable
    settings = Settings.from_env({**env, "BITRIX24_SANDBOX": "1"})
    assert not settings.read_only and settings.toolsets is None


def test_webhook_and_oauth_options_reach_the_settings() -> None:
    env = _substitute(
        MANIFEST["server"]["mcp_config"]["env"],
        {
            "webhook_url": "https://x.bitrix24.com/rest/7/abcdefgh12345678/",
            "read_only": True,
            "toolsets": "sprint,backlog",
        },
    )
    settings = Settings.from_env(env)
    assert isinstance(settings.portal, Webhook) and settings.portal.user_id == 7
    assert settings.read_only and settings.toolsets == {"sprint", "backlog"}
    oauth_env = _substitute(
        MANIFEST["server"]["mcp_config"]["env"],
        {
            "portal_url": "https://x.bitrix24.com",
            "access_token": "acc3ss-t0ken-123",
            "refresh_token": "r3fresh-t0ken-123",
            "client_id": "local.abc",
            "client_secret": "s3cret-value-123",
        },
    )
    oauth = Settings.from_env(oauth_env).portal
    assert isinstance(oauth, OAuth) and oauth.can_refresh


def _mcpb(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(MCPB), *args],
        cwd=cwd,
        env=node_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@requires_mcpb
def test_mcpb_validate_passes(tmp_path: Path) -> None:
    done = _mcpb("validate", str(ROOT / "manifest.json"), cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "validation passes" in done.stdout


@requires_mcpb
@pytest.mark.slow
@pytest.mark.anyio
async def test_mcpb_pack_gives_a_bundle_whose_code_starts(tmp_path: Path) -> None:
    stage, bundle, unpacked = tmp_path / "stage", tmp_path / "b24.mcpb", tmp_path / "unpacked"
    gen_manifest.stage(stage)
    packed = _mcpb("pack", str(stage), str(bundle), cwd=tmp_path)
    assert packed.returncode == 0, packed.stdout + packed.stderr
    assert bundle.stat().st_size > 10_000
    assert _mcpb("unpack", str(bundle), str(unpacked), cwd=tmp_path).returncode == 0
    assert not list(unpacked.rglob("__pycache__")) and not (unpacked / "tests").exists()
    assert (unpacked / "pyproject.toml").exists() and (unpacked / "README.md").exists()
    # Install the bundle's own code the way `uvx --from ${__dirname}` does (a build from its
    # pyproject.toml), into a folder of its own, and run that copy, not the checkout's.
    target = tmp_path / "installed"
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--target",
            str(target),
            str(unpacked),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    env = clean_env(PYTHONPATH=str(target))
    where = subprocess.run(
        [sys.executable, "-c", "import bitrix24_scrum_mcp; print(bitrix24_scrum_mcp.__file__)"],
        env=env,
        cwd=str(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert Path(where.stdout.strip()).is_relative_to(target)
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "bitrix24_scrum_mcp", "--sandbox", "--toolsets", "all"],
        cwd=str(tmp_path),
        env=env,
    )
    async with Client(params, raise_exceptions=True) as client:
        listed = await client.list_tools()
        result = await client.call_tool("sprint_get", {"id": 23})
    assert [t.name for t in listed.tools] == [s.name for s in ALL_TOOLS]
    assert not result.is_error
