"""Regenerate the README's tool table from the spec table (`python scripts/readme_tools.py`).

tests/test_readme.py fails when the README and the spec table disagree, so the table can
only be changed here, through the rows themselves.
"""

from __future__ import annotations

from pathlib import Path

from bitrix24_scrum_mcp.tools import ALL_TOOLS, DEFAULT_TOOLS, TOOLSETS

README = Path(__file__).resolve().parents[1] / "README.md"
START, END = "<!-- START TOOLS -->", "<!-- END TOOLS -->"


def _hints(read_only: bool, destructive: bool, idempotent: bool) -> str:
    if read_only:
        return "read-only"
    return "destructive" if destructive else "idempotent" if idempotent else "write"


def render() -> str:
    lines = [START, ""]
    for toolset, about in TOOLSETS.items():
        lines += [
            f"**{toolset}**: {about}",
            "",
            "| tool | default | REST method | kind | what it does |",
            "|---|---|---|---|---|",
        ]
        for spec in ALL_TOOLS:
            if spec.toolset == toolset:
                kind = _hints(spec.read_only, spec.destructive, spec.idempotent)
                method = f"`{spec.method}`" if spec.forwards else "several, batched"
                default = "yes" if spec.name in DEFAULT_TOOLS else ""
                lines.append(
                    f"| `{spec.name}` | {default} | {method} | {kind} | {spec.description} |"
                )
        lines.append("")
    lines.append(END)
    return "\n".join(lines)


def updated(text: str) -> str:
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    return head + render() + tail


if __name__ == "__main__":
    README.write_text(updated(README.read_text()))
