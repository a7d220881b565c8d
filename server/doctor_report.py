"""`doctor`'s report: the configuration with secrets hidden, then one line per check.

A check is ok, warn or fail; the exit code follows the failures only. A check's `fix` is
what to do about a problem, or, on an ok check, a hint worth knowing (a better setting).
Every line is scrubbed of secrets before it is printed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from bitrix24_scrum_mcp import __version__
from bitrix24_scrum_mcp.redact import REDACTOR

Status = Literal["ok", "warn", "fail"]


@dataclass
class Check:
    name: str
    status: Status
    detail: str
    fix: str = ""


@dataclass
class Report:
    config: dict[str, str]
    checks: list[Check] = field(default_factory=list[Check])

    @property
    def ok(self) -> bool:
        return all(c.status != "fail" for c in self.checks)

    def add(self, name: str, status: Status, detail: str, fix: str = "") -> Check:
        check = Check(name, status, detail, fix)
        self.checks.append(check)
        return check

    def render(self) -> str:
        width = max((len(k) for k in self.config), default=0)
        lines = [f"bitrix24-scrum-mcp {__version__} doctor", "", "Configuration (secrets hidden):"]
        lines += [f"  {key.ljust(width)}  {value}" for key, value in self.config.items()]
        lines += [] if self.config else ["  cannot be read (see below)"]
        lines += ["", "Checks:"]
        for check in self.checks:
            lines.append(f"  [{check.status.upper():>4}] {check.name}: {check.detail}")
            label = "hint: " if check.status == "ok" else "fix: "
            for i, text in enumerate(check.fix.splitlines()):
                lines.append(f"         {label if i == 0 else ' ' * len(label)}{text}")
        failures = sum(c.status == "fail" for c in self.checks)
        warnings = sum(c.status == "warn" for c in self.checks)
        lines.append("")
        if failures:
            lines.append(f"{failures} problem(s) found; fix them and run doctor again.")
        else:
            extra = f" ({warnings} warning(s))" if warnings else ""
            lines.append(f"All checks passed{extra}: the MCP server is ready to use.")
        return REDACTOR.scrub("\n".join(lines)) + "\n"
