"""The README's promises: its two set-up commands and its tool table stay true."""

from __future__ import annotations

import re
from pathlib import Path

from scripts import readme_tools

ROOT = Path(__file__).resolve().parents[1]


def _commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    head = text.split("## ", 1)[0]
    return re.findall(r"```bash\n(.+?)\n```", head)


def test_readme_opens_with_exactly_two_set_up_commands() -> None:
    demo, tests = _commands()
    assert demo.endswith("bitrix24-scrum-mcp demo")
    assert "pytest" in tests


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    _, tests = _commands()
    assert tests in (ROOT / ".ci" / "run").read_text().splitlines()


def test_tool_table_is_generated_from_the_spec_table() -> None:
    text = (ROOT / "README.md").read_text()
    assert readme_tools.updated(text) == text, "run: python scripts/readme_tools.py"
