"""Generate the MCPB `manifest.json` from the spec table, so its tool list cannot drift.

    python scripts/gen_manifest.py           # rewrite manifest.json
    python scripts/gen_manifest.py --check   # exit 1 if manifest.json is out of date (CI)
    python scripts/gen_manifest.py --stage DIR   # copy the bundle's files into DIR for `mcpb pack`

Entry point choice: the bundle ships our source and `pyproject.toml`, and the host starts it
with `uvx --from ${__dirname} bitrix24-scrum-mcp`. uv builds it and installs the wheels for
the user's platform (pydantic-core, cryptography are compiled, so a bundled `server/lib`
would only run on the platform it was built on). Manifest 0.3 with `server.type "python"`,
not 0.4's experimental `"uv"` type, which Claude Code's bundle loader rejects.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tomllib
from pathlib import Path
from typing import Any

from bitrix24_scrum_mcp import __version__
from bitrix24_scrum_mcp.tools import ALL_TOOLS, PROFILES, TOOLSETS

ROOT = Path(__file__).resolve().parents[1]

MANIFEST = ROOT / "manifest.json"
BUNDLE_FILES = ("manifest.json", "pyproject.toml", "README.md", "LICENSE")
BUNDLE_PACKAGES = ("server", "tools", "sandbox")


def _string(title: str, description: str, *, sensitive: bool = False) -> dict[str, Any]:
    option: dict[str, Any] = {
        "type": "string",
        "title": title,
        "description": description,
        "required": False,
        # An empty default, so an unset option reaches the server as "" (= not set) rather
        # than as an unsubstituted "${user_config...}" placeholder.
        "default": "",
    }
    if sensitive:
        option["sensitive"] = True
    return option


USER_CONFIG: dict[str, dict[str, Any]] = {
    "webhook_url": _string(
        "Bitrix24 webhook URL",
        "Inbound webhook with the Tasks (task) scope: https://<portal>/rest/<user_id>/<code>/ "
        "(Bitrix24 > Developer resources > Other > Inbound webhook). Leave empty to use OAuth.",
        sensitive=True,
    ),
    "portal_url": _string(
        "Portal URL (OAuth)", "Only for OAuth: the portal address, e.g. https://yours.bitrix24.com"
    ),
    "access_token": _string("OAuth access token", "Only for OAuth.", sensitive=True),
    "refresh_token": _string(
        "OAuth refresh token",
        "Only for OAuth: lets the server renew the access token.",
        sensitive=True,
    ),
    "client_id": _string("OAuth client id", "Only for OAuth refresh: the application's client id."),
    "client_secret": _string(
        "OAuth client secret",
        "Only for OAuth refresh: the application's client secret.",
        sensitive=True,
    ),
    "read_only": {
        "type": "boolean",
        "title": "Read-only",
        "description": "Offer only the tools that change nothing.",
        "required": False,
        "default": False,
    },
    "toolsets": _string(
        "Toolsets",
        f"Comma-separated toolsets to offer ({', '.join([*PROFILES, *TOOLSETS])}); empty for "
        "the default profile, all for every tool.",
    ),
}

ENV = {
    "BITRIX24_WEBHOOK_URL": "${user_config.webhook_url}",
    "BITRIX24_PORTAL_URL": "${user_config.portal_url}",
    "BITRIX24_ACCESS_TOKEN": "${user_config.access_token}",
    "BITRIX24_REFRESH_TOKEN": "${user_config.refresh_token}",
    "BITRIX24_CLIENT_ID": "${user_config.client_id}",
    "BITRIX24_CLIENT_SECRET": "${user_config.client_secret}",
    "BITRIX24_READ_ONLY": "${user_config.read_only}",
    "BITRIX24_TOOLSETS": "${user_config.toolsets}",
}


def generate() -> dict[str, Any]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return {
        "manifest_version": "0.3",
        "name": "bitrix24-scrum-mcp",
        "display_name": "Bitrix24 Scrum",
        "version": __version__,
        "description": project["description"],
        "long_description": (
            "Plan and run Scrum in Bitrix24 from an AI assistant: backlogs, sprints, epics, "
            "the sprint Kanban and the tasks in them, through the portal's REST API "
            "(tasks.api.scrum.*). Connect with an inbound webhook that has the Tasks (task) "
            "scope, or with OAuth tokens. Needs uv (https://docs.astral.sh/uv/) on the "
            "computer: the bundle is started with uvx, which installs its Python dependencies "
            "on first start."
        ),
        "author": {"name": "bitrix24-scrum-mcp contributors"},
        # repository/homepage/documentation: add once the project has a public URL.
        "license": project["license"],
        "keywords": ["bitrix24", "scrum", "sprint", "backlog", "agile", "tasks"],
        "server": {
            "type": "python",
            "entry_point": "server/__main__.py",
            "mcp_config": {
                "command": "uvx",
                "args": ["--from", "${__dirname}", "bitrix24-scrum-mcp"],
                "env": ENV,
            },
        },
        "tools": [{"name": spec.name, "description": spec.description} for spec in ALL_TOOLS],
        "tools_generated": False,
        # The ceremonies' text depends on which arguments are given (server/prompts.py),
        # which a static MCPB prompt template cannot say: they are listed at runtime.
        "prompts_generated": True,
        "compatibility": {
            "platforms": ["darwin", "win32", "linux"],
            "runtimes": {"python": project["requires-python"]},
        },
        "user_config": USER_CONFIG,
    }


def render() -> str:
    return json.dumps(generate(), indent=2, ensure_ascii=False) + "\n"


def stage(target: Path) -> None:
    """Copy what the bundle needs (no tests, caches or virtualenvs) into `target`."""
    target.mkdir(parents=True, exist_ok=True)
    for name in BUNDLE_FILES:
        if (ROOT / name).exists():
            shutil.copy2(ROOT / name, target / name)
    for package in BUNDLE_PACKAGES:
        shutil.copytree(
            ROOT / package,
            target / package,
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.sqlite*", "*.db"),
            dirs_exist_ok=True,
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Generate or check the MCPB manifest.json")
    parser.add_argument("--check", action="store_true", help="fail if manifest.json is stale")
    parser.add_argument("--stage", metavar="DIR", type=Path, help="copy the bundle files to DIR")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        if not MANIFEST.exists() or MANIFEST.read_text() != text:
            print(
                "manifest.json is out of date: run python scripts/gen_manifest.py", file=sys.stderr
            )
            return 1
        return 0
    if args.stage:
        stage(args.stage)
        return 0
    MANIFEST.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
