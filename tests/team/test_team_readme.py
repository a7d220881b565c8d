"""The README's Team server set-ups, run as written: its commands and files, with only the
ports moved to free ones, the `...` tokens filled in and Redis's address pointed at a real
`redis-server` of the test's own."""

from __future__ import annotations

import os
import re
import secrets
import shlex
import shutil
import subprocess
import sys
from collections.abc import Generator, Mapping
from contextlib import ExitStack, contextmanager
from pathlib import Path

import anyio
import httpx2
import pytest
from redis.asyncio import Redis

from bitrix24_scrum_mcp.sandbox.seed import DEMO_DEVELOPER_ID, DEMO_USER_ID
from tests.helpers import data_of
from tests.team.redis_support import redis_server
from tests.team.support import Browser, Person, bearer_session

pytestmark = [pytest.mark.anyio, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
README = (ROOT / "README.md").read_text()
SANDBOX_PORT, SERVER_PORT = "8765", "8000"


def _block(marker: str, lang: str, nth: int = 0) -> str:
    """The `nth` ```lang block after `<!-- team-setup: marker -->`."""
    tail = README.split(f"<!-- team-setup: {marker} -->", 1)[1]
    return re.findall(rf"```{lang}\n(.*?)\n```", tail, re.S)[nth]


def _free_port() -> str:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return str(sock.getsockname()[1])


def _moved(text: str, ports: Mapping[str, str]) -> str:
    for old, new in ports.items():
        text = text.replace(f"127.0.0.1:{old}", f"127.0.0.1:{new}").replace(
            f"--port {old}", f"--port {new}"
        )
    return text


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BITRIX24_", "MCP_"))}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["XDG_STATE_HOME"] = str(tmp_path / "state")  # the README's default state location
    return env


def _exports(script: str, env: dict[str, str]) -> None:
    """Apply `export NAME=value` lines as bash would (so `$(python -c ...)` runs)."""
    for line in script.splitlines():
        if line.startswith("export "):
            name, value = line.removeprefix("export ").split("=", 1)
            value = value.split("   #", 1)[0].strip()
            shown = subprocess.run(
                ["bash", "-c", f"printf %s {value}"],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            env[name] = shown.stdout


@contextmanager
def _running(
    command: str, env: dict[str, str], cwd: Path
) -> Generator[subprocess.Popen[bytes], None, None]:
    argv = shlex.split(command.removesuffix("&").strip())
    argv = [str(BIN / argv[0]), *argv[1:]] if argv[0] == "bitrix24-scrum-mcp" else argv
    proc = subprocess.Popen(
        argv,
        env=env,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        assert proc.stderr is not None
        proc.stderr.close()


async def _up(url: str, proc: subprocess.Popen[bytes]) -> None:
    with anyio.fail_after(30):
        async with httpx2.AsyncClient(timeout=2) as http:
            while True:
                if proc.poll() is not None:
                    raise AssertionError(proc.stderr.read().decode() if proc.stderr else "exited")
                try:
                    await http.get(url)
                    return
                except httpx2.TransportError:
                    await anyio.sleep(0.05)  # bounded readiness poll


async def _run_sign_in(tmp_path: Path, extra_exports: str = "") -> str:
    ports = {SANDBOX_PORT: _free_port(), SERVER_PORT: _free_port()}
    script = _moved(_block("sign-in", "sh"), ports) + extra_exports
    lines = [line for line in script.splitlines() if line.strip()]
    env = _env(tmp_path)
    _exports(script, env)
    sandbox_cmd = next(line for line in lines if " sandbox " in line)
    serve_cmd = next(line for line in lines if " serve " in line)
    with ExitStack() as stack:
        sandbox = stack.enter_context(_running(sandbox_cmd, _env(tmp_path), tmp_path))
        await _up(f"http://127.0.0.1:{ports[SANDBOX_PORT]}/oauth/authorize/", sandbox)
        server = stack.enter_context(_running(serve_cmd, env, tmp_path))
        base = f"http://127.0.0.1:{ports[SERVER_PORT]}"
        await _up(f"{base}/healthz", server)
        person = Person(f"{base}/mcp", Browser(DEMO_DEVELOPER_ID))
        try:
            result = await person.call("user_current")
        finally:
            await person.aclose()
    assert not result.is_error, result.content
    return str(result.structured_content["NAME"])


async def test_the_readme_sign_in_set_up_signs_a_person_in_at_the_sandbox(tmp_path: Path) -> None:
    assert await _run_sign_in(tmp_path) == "Dmitry"
    assert (tmp_path / "state" / "bitrix24-scrum-mcp" / "state.sqlite3").exists()


async def test_the_readme_redis_line_moves_the_sign_ins_to_redis(tmp_path: Path) -> None:
    line = next(
        line
        for line in re.findall(
            r"```sh\n(.*?)\n```", README.split("### Shared state on Redis", 1)[1], re.S
        )[0].splitlines()
        if "BITRIX24_STATE_URL" in line
    )
    with redis_server(tmp_path) as redis:
        password = [shutil.which("redis-cli") or "redis-cli", "-p", str(redis.port)]
        subprocess.run([*password, "config", "set", "requirepass", "password"], check=True)
        moved = line.replace("redis.internal:6379", f"127.0.0.1:{redis.port}")
        assert await _run_sign_in(tmp_path, "\n" + moved) == "Dmitry"
        client = Redis.from_url(f"redis://:password@127.0.0.1:{redis.port}/0")  # pyright: ignore[reportUnknownMemberType]  (redis-py: untyped **kwargs)
        try:
            keys: list[bytes] = await client.keys("bitrix24-scrum-mcp:*")  # pyright: ignore[reportUnknownMemberType, reportAssignmentType]  (bytes without decode_responses)
        finally:
            await client.aclose()
    assert any(b":person:" in key for key in keys)
    assert not (tmp_path / "state" / "bitrix24-scrum-mcp" / "state.sqlite3").exists()


async def test_the_readme_tokens_file_set_up_gives_each_person_their_own_identity(
    tmp_path: Path,
) -> None:
    ports = {SANDBOX_PORT: _free_port(), SERVER_PORT: _free_port()}
    tokens: list[str] = []

    def fill(_match: re.Match[str]) -> str:
        tokens.append(secrets.token_urlsafe(32))
        return f'token = "{tokens[-1]}"'

    people = re.sub(r'token = "\.\.\."', fill, _moved(_block("tokens-file", "toml"), ports))
    (tmp_path / "people.toml").write_text(people)
    script = _moved(_block("tokens-file", "sh"), ports)
    env = _env(tmp_path)
    with ExitStack() as stack:
        for line in script.splitlines():
            if line.startswith("chmod "):
                subprocess.run(shlex.split(line), cwd=tmp_path, check=True)
            elif " sandbox " in line:
                sandbox = stack.enter_context(_running(line, env, tmp_path))
                await _up(f"http://127.0.0.1:{ports[SANDBOX_PORT]}/oauth/authorize/", sandbox)
            elif " serve " in line:
                assignment, command = line.split(" ", 1)
                name, value = assignment.split("=", 1)
                server = stack.enter_context(_running(command, {**env, name: value}, tmp_path))
        url = f"http://127.0.0.1:{ports[SERVER_PORT]}/mcp"
        await _up(url.removesuffix("/mcp") + "/healthz", server)  # pyright: ignore[reportPossiblyUnboundVariable]  (the block has a serve line)
        names: list[str] = []
        for token in tokens:
            async with bearer_session(url, token) as client:
                names.append(data_of(await client.call_tool("user_current", {}))["ID"])
    assert names == [str(DEMO_USER_ID), str(DEMO_DEVELOPER_ID)]
