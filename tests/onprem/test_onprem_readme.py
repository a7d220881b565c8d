"""The README's on-premise example, run as written: `sandbox --tls` in one process, the
exports and `doctor` in another, in the same folder; and the sandbox command's TLS output.
"""

from __future__ import annotations

import re
import shlex
import ssl
import subprocess
import sys
from pathlib import Path

import httpx2

from tests.ecosystem.support import clean_env
from tests.onprem.support import ROOT, sandbox_command


def _example() -> tuple[list[str], dict[str, str], list[str]]:
    """(sandbox arguments, exported variables, the command after them) from the README."""
    text = (ROOT / "README.md").read_text()
    section = text.split("\n## On-premise portals\n", 1)[1].split("\n## ", 1)[0]
    sandbox, client = re.findall(r"```sh\n(.+?)\n```", section, re.DOTALL)
    program, command, *args = shlex.split(sandbox)
    assert (program, command) == ("bitrix24-scrum-mcp", "sandbox")
    exports = dict(line.removeprefix("export ").split("=", 1) for line in client.splitlines()[:-1])
    return args, exports, shlex.split(client.splitlines()[-1])


def test_the_readme_on_premise_example_runs_as_written(tmp_path: Path) -> None:
    args, exports, (program, *doctor) = _example()
    assert program == "bitrix24-scrum-mcp" and doctor == ["doctor"]
    assert "--port" in args and exports["BITRIX24_CA_BUNDLE"] == "sandbox-ca.pem"
    readme_port = args[args.index("--port") + 1]
    args[args.index("--port") + 1] = "0"  # a free port; the URL printed names it
    with sandbox_command(*args, lines=2, cwd=tmp_path) as sandbox:
        url, ca_file = sandbox.lines
        port = url.split(":")[2].split("/")[0]
        assert url == exports["BITRIX24_WEBHOOK_URL"].replace(readme_port, port)
        assert ca_file == str(tmp_path / "sandbox-ca.pem")

        def run(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
            env = {**env, "BITRIX24_WEBHOOK_URL": url}
            return subprocess.run(
                [sys.executable, "-m", "bitrix24_scrum_mcp", *doctor],
                env=clean_env(**env), cwd=tmp_path, capture_output=True, text=True,
                timeout=60, check=False,
            )  # fmt: skip

        good = run(exports)
        assert good.returncode == 0, good.stdout + good.stderr
        assert (
            "[  OK] certificate: issued for 127.0.0.1, localhost, ::1 by "
            "bitrix24-scrum-mcp sandbox CA"
        ) in good.stdout
        assert "[  OK] limit: pacing off (no client-side pacing)" in good.stdout
        assert "All checks passed" in good.stdout

        untrusted = run({k: v for k, v in exports.items() if k != "BITRIX24_CA_BUNDLE"})
        assert untrusted.returncode == 1
        assert f"[FAIL] certificate: https://127.0.0.1:{port}: unknown issuer: " in untrusted.stdout
        assert "set BITRIX24_CA_BUNDLE to that CA's certificate" in untrusted.stdout


def test_the_sandbox_over_tls_without_ca_file_names_a_temporary_one_and_limits_by_default() -> None:
    with sandbox_command("--tls", lines=2) as sandbox:
        url, ca_file = sandbox.lines
        assert url.startswith("https://127.0.0.1:") and url.endswith("/rest/1/sbx1demo2code3ab/")
        assert Path(ca_file).read_text().startswith("-----BEGIN CERTIFICATE-----")
        with httpx2.Client(verify=ssl.create_default_context(cafile=ca_file)) as http:
            statuses = [http.post(f"{url}server.time").status_code for _ in range(55)]
        assert statuses[:50] == [200] * 50 and 503 in statuses
    assert not Path(ca_file).exists()  # removed with the sandbox's temporary folder


def test_ca_file_without_tls_is_refused() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bitrix24_scrum_mcp", "sandbox", "--ca-file", "ca.pem"],
        capture_output=True, text=True, timeout=60, check=False, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert done.returncode == 2
    assert "--ca-file is for --tls" in done.stderr
