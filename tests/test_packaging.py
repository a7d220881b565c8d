"""The distribution stands alone: it builds, installs into a clean virtualenv and runs there.

`python -m build` makes the sdist and, from it, the wheel; the wheel goes into a fresh
virtualenv (no editable install, no repository on the path, the working directory outside
the checkout), and its console script must answer `--help` and run `demo`. The wheel must
install one import package, `bitrix24_scrum_mcp`, and nothing generic such as `server`.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements-dev.lock"


@dataclass(frozen=True)
class Installed:
    venv: Path
    wheel: Path
    sdist: Path
    workdir: Path

    @property
    def script(self) -> Path:
        return self.venv / "bin" / "bitrix24-scrum-mcp"

    def run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """Run an installed program from outside the checkout, with no repository settings."""
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("BITRIX24_", "MCP_", "PYTHON", "VIRTUAL_ENV"))
        }
        return subprocess.run(
            list(args),
            cwd=self.workdir,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )


def _run(*args: str, cwd: Path, timeout: float) -> None:
    done = subprocess.run(
        list(args), cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert done.returncode == 0, f"{' '.join(args)}\n{done.stdout}\n{done.stderr}"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    dist = tmp_path_factory.mktemp("dist")
    _run(sys.executable, "-m", "build", "--outdir", str(dist), str(ROOT), cwd=dist, timeout=600)
    (wheel,) = dist.glob("*.whl")
    (sdist,) = dist.glob("*.tar.gz")
    venv = tmp_path_factory.mktemp("venv")
    _run(sys.executable, "-m", "venv", str(venv), cwd=dist, timeout=120)
    pip = str(venv / "bin" / "pip")
    _run(pip, "install", "-q", "-c", str(LOCK), str(wheel), cwd=dist, timeout=600)
    yield Installed(venv, wheel, sdist, tmp_path_factory.mktemp("elsewhere"))


def test_wheel_installs_only_the_bitrix24_scrum_mcp_package(installed: Installed) -> None:
    shown = installed.run(str(installed.venv / "bin" / "pip"), "show", "-f", "bitrix24-scrum-mcp")
    assert shown.returncode == 0, shown.stderr
    files = shown.stdout.split("Files:", 1)[1].split()
    top_level = {f.split("/", 1)[0] for f in files if not f.startswith("..")}
    assert top_level == {"bitrix24_scrum_mcp", "bitrix24_scrum_mcp-0.1.0.dist-info"}
    assert "bitrix24_scrum_mcp/tools/spec.py" in files
    assert "bitrix24_scrum_mcp/sandbox/handlers/sprint.py" in files
    assert "bitrix24_scrum_mcp/py.typed" in files


def test_installed_package_is_imported_from_site_packages_not_the_checkout(
    installed: Installed,
) -> None:
    python = str(installed.venv / "bin" / "python")
    done = installed.run(
        python, "-c", "import bitrix24_scrum_mcp; print(bitrix24_scrum_mcp.__file__)"
    )
    assert done.returncode == 0, done.stderr
    where = Path(done.stdout.strip())
    assert installed.venv in where.parents
    assert ROOT not in where.parents


def test_installed_console_script_prints_help(installed: Installed) -> None:
    done = installed.run(str(installed.script), "--help")
    assert done.returncode == 0, done.stderr
    for command in ("serve", "demo", "sandbox", "doctor"):
        assert command in done.stdout


def test_installed_python_dash_m_runs_the_same_cli(installed: Installed) -> None:
    done = installed.run(
        str(installed.venv / "bin" / "python"), "-m", "bitrix24_scrum_mcp", "--version"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "bitrix24-scrum-mcp 0.1.0"


def test_installed_package_carries_the_pictures(installed: Installed) -> None:
    """The view and the sandbox board are package data (server/pictures/), not code."""
    script = (
        "from bitrix24_scrum_mcp.ui import app_html, picture_file; "
        "print(len(app_html()), len(picture_file('sandbox.html')), len(picture_file('sandbox.js')))"
    )
    done = installed.run(str(installed.venv / "bin" / "python"), "-c", script)
    assert done.returncode == 0, done.stderr
    assert all(int(n) > 500 for n in done.stdout.split())


def test_installed_demo_runs_against_the_sandbox(installed: Installed) -> None:
    done = installed.run(str(installed.script), "demo", timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "sprint_start" in done.stdout


def test_sdist_carries_the_sources_and_no_caches(installed: Installed) -> None:
    with tarfile.open(installed.sdist) as archive:
        names = {n.split("/", 1)[1] for n in archive.getnames() if "/" in n}
    assert {"pyproject.toml", "README.md", "server/cli.py", "tools/spec.py"} <= names
    assert "sandbox/handlers/sprint.py" in names
    assert not [n for n in names if "__pycache__" in n or n.endswith((".pyc", ".sqlite"))]
