"""Start-up refusals: unsafe portal URLs and unusable limits stop the server with a message.

Each message says what to set, and none repeats the URL (a webhook URL carries its secret).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bitrix24_scrum_mcp.config import Limits, Settings
from bitrix24_scrum_mcp.env import ConfigError

REPO = Path(__file__).resolve().parents[2]
CODE = "c0nfigS3cretC0de77"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (f"http://portal.example.com/rest/1/{CODE}/", "must use https://"),
        (f"http://10.0.0.5/rest/1/{CODE}/", "must use https://"),
        (f"http://localhost.evil.com/rest/1/{CODE}/", "must use https://"),
        (f"https://admin:pw@portal.example.com/rest/1/{CODE}/", "user name or password"),
        (f"https://{CODE}@portal.example.com/rest/1/{CODE}/", "user name or password"),
        (f"ftp://portal.example.com/rest/1/{CODE}/", "must start with https://"),
        (f"file:///rest/1/{CODE}/", "must start with https://"),
        (f"portal.example.com/rest/1/{CODE}/", "must start with https://"),
        ("https://portal.example.com/", "must look like https://<portal>/rest/<user_id>/<code>/"),
        (f"https://portal.example.com/api/1/{CODE}/", "must look like"),
        (f"https://portal.example.com/rest/0/{CODE}/", "must look like"),
        (f"https://portal.example.com/rest/1/{CODE}/extra/", "must look like"),
        (f"https://portal.example.com/rest/1/{CODE}/?x=1", "query string"),
        (f"https://portal.example.com/rest/1/{CODE}/#frag", "query string or fragment"),
        (f"https:///rest/1/{CODE}/", "no host"),
    ],
)
def test_unsafe_webhook_urls_are_refused(url: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({"BITRIX24_WEBHOOK_URL": url})
    assert message in str(caught.value)
    assert "BITRIX24_WEBHOOK_URL" in str(caught.value)
    assert CODE not in str(caught.value)


@pytest.mark.parametrize(
    "url",
    [
        f"https://portal.example.com/rest/1/{CODE}/",
        f"https://portal.example.com/rest/1/{CODE}",
        f"https://portal.example.com:8443/rest/12/{CODE}/",
        f"http://127.0.0.1:8765/rest/1/{CODE}/",
        f"http://localhost/rest/1/{CODE}/",
        f"http://[::1]:9000/rest/1/{CODE}/",
    ],
)
def test_documented_webhook_forms_are_accepted(url: str) -> None:
    settings = Settings.from_env({"BITRIX24_WEBHOOK_URL": url})
    assert CODE not in repr(settings)
    assert CODE not in str(settings.redacted())


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"BITRIX24_PORTAL_URL": "http://portal.example.com", "BITRIX24_ACCESS_TOKEN": "t0ken"},
         "must use https://"),
        ({"BITRIX24_PORTAL_URL": "https://portal.example.com/crm/", "BITRIX24_ACCESS_TOKEN": "t0k"},
         "must be the portal address"),
        ({"BITRIX24_PORTAL_URL": "https://portal.example.com"}, "BITRIX24_ACCESS_TOKEN is not"),
        ({"BITRIX24_PORTAL_URL": "https://portal.example.com", "BITRIX24_ACCESS_TOKEN": "t0k",
          "BITRIX24_OAUTH_URL": "http://oauth.example.com"}, "BITRIX24_OAUTH_URL must use https"),
    ],
)  # fmt: skip
def test_bad_oauth_settings_are_refused(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_env(env)
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"BITRIX24_RATE_LIMIT": "fast"}, "BITRIX24_RATE_LIMIT must look like 2/50"),
        ({"BITRIX24_RATE_LIMIT": "inf/50"}, "BITRIX24_RATE_LIMIT must look like 2/50"),
        ({"BITRIX24_RATE_LIMIT": "2/-1"}, "BITRIX24_RATE_LIMIT must look like 2/50"),
        ({"BITRIX24_MAX_RETRIES": "-1"}, "BITRIX24_MAX_RETRIES must be greater than or equal to 0"),
        ({"BITRIX24_MAX_RETRIES": "1000"}, "BITRIX24_MAX_RETRIES must be less than or equal to 20"),
        ({"BITRIX24_TIMEOUT_READ": "0"}, "BITRIX24_TIMEOUT_READ must be greater than 0 (got '0')"),
        ({"BITRIX24_TIMEOUT_TOTAL": "nan"}, "BITRIX24_TIMEOUT_TOTAL must be a finite number"),
        ({"BITRIX24_TIMEOUT_CONNECT": "soon"}, "BITRIX24_TIMEOUT_CONNECT must be a valid number"),
        ({"BITRIX24_MAX_RESPONSE_BYTES": "10"}, "BITRIX24_MAX_RESPONSE_BYTES must be greater than or equal to 1024"),
    ],
)  # fmt: skip
def test_unusable_limits_are_refused_naming_the_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({"BITRIX24_SANDBOX": "1", **env})
    assert message in str(caught.value)


def test_limits_from_env() -> None:
    env = {
        "BITRIX24_RATE_LIMIT": "5/250",
        "BITRIX24_MAX_RETRIES": "2",
        "BITRIX24_TIMEOUT_CONNECT": "3",
        "BITRIX24_TIMEOUT_READ": "30",
        "BITRIX24_TIMEOUT_TOTAL": "45",
        "BITRIX24_MAX_RESPONSE_BYTES": "1048576",
    }
    assert Settings.from_env({"BITRIX24_SANDBOX": "1", **env}).limits == Limits(
        rate_per_s=5.0,
        burst=250,
        max_retries=2,
        connect_timeout_s=3.0,
        read_timeout_s=30.0,
        total_timeout_s=45.0,
        max_response_bytes=1_048_576,
    )


def run_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    clean = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/tmp"), **env}
    return subprocess.run(
        [sys.executable, "-m", "bitrix24_scrum_mcp", *args],
        env=clean,
        cwd=REPO,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_serve_without_a_portal_says_what_to_set() -> None:
    done = run_cli({}, "serve")
    assert done.returncode == 2
    assert done.stdout == ""  # stdout belongs to the MCP protocol
    for name in ("BITRIX24_WEBHOOK_URL", "BITRIX24_PORTAL_URL", "BITRIX24_ACCESS_TOKEN"):
        assert name in done.stderr
    assert "Traceback" not in done.stderr


def test_serve_refuses_plain_http_to_a_remote_portal_without_echoing_it() -> None:
    done = run_cli({"BITRIX24_WEBHOOK_URL": f"http://portal.example.com/rest/1/{CODE}/"})
    assert done.returncode == 2
    assert "must use https://" in done.stderr
    assert CODE not in done.stderr + done.stdout
    assert "Traceback" not in done.stderr


ACCESS = "acc3ssT0kenS3cret99"
HTTP_TOKEN = "sh0rtT0k"
SECRETS = {
    "BITRIX24_ACCESS_TOKEN": ACCESS,
    "BITRIX24_CLIENT_SECRET": "cl1entS3cretValue42",
    "BITRIX24_REFRESH_TOKEN": "r3freshT0kenValue42",
}
OAUTH = {"BITRIX24_PORTAL_URL": "https://portal.example.com", **SECRETS}
SANDBOX = {"BITRIX24_SANDBOX": "1", **SECRETS}
HTTP = ("serve", "--transport", "http")
UNREADABLE: list[tuple[str, dict[str, str], tuple[str, ...]]] = [
    # (the variable or flag the message must name, environment, command line)
    ("BITRIX24_WEBHOOK_URL", {"BITRIX24_WEBHOOK_URL": f"https://[::1/rest/1/{CODE}/"}, ()),
    ("BITRIX24_WEBHOOK_URL", {"BITRIX24_WEBHOOK_URL": f"https://portal.example.com:99999/rest/1/{CODE}/"}, ()),
    ("BITRIX24_WEBHOOK_URL", {"BITRIX24_WEBHOOK_URL": f"https://portal.example.com:web/rest/1/{CODE}/"}, ()),
    ("BITRIX24_WEBHOOK_URL", {"BITRIX24_WEBHOOK_URL": f"https://por tal.example.com/rest/1/{CODE}/"}, ()),
    ("BITRIX24_PORTAL_URL", {**OAUTH, "BITRIX24_PORTAL_URL": "https://[portal.example.com"}, ()),
    ("BITRIX24_PORTAL_URL", {**OAUTH, "BITRIX24_PORTAL_URL": "https://portal.example.com:-1"}, ()),
    ("BITRIX24_OAUTH_URL", {**OAUTH, "BITRIX24_OAUTH_URL": "https://[oauth.example.com/"}, ()),
    ("BITRIX24_SANDBOX", {**SECRETS, "BITRIX24_SANDBOX": "maybe"}, ()),
    ("BITRIX24_SANDBOX_DB", {**SANDBOX, "BITRIX24_SANDBOX_DB": "/no/such/folder/demo.db"}, ()),
    ("--sandbox-db", {**SANDBOX}, ("--sandbox-db", "/no/such/folder/demo.db")),
    ("BITRIX24_READ_ONLY", {**SANDBOX, "BITRIX24_READ_ONLY": "sometimes"}, ()),
    ("BITRIX24_TOOLSETS", {**SANDBOX, "BITRIX24_TOOLSETS": "sprint,sprints"}, ()),
    ("--toolsets", {**SANDBOX}, ("--toolsets", "epics")),
    ("BITRIX24_LOG_LEVEL", {**SANDBOX, "BITRIX24_LOG_LEVEL": "loud"}, ()),
    ("BITRIX24_RATE_LIMIT", {**SANDBOX, "BITRIX24_RATE_LIMIT": "fast"}, ()),
    ("BITRIX24_RATE_LIMIT", {**SANDBOX, "BITRIX24_RATE_LIMIT": "2/many"}, ()),
    ("BITRIX24_MAX_RETRIES", {**SANDBOX, "BITRIX24_MAX_RETRIES": "a few"}, ()),
    ("BITRIX24_TIMEOUT_CONNECT", {**SANDBOX, "BITRIX24_TIMEOUT_CONNECT": "10s"}, ()),
    ("BITRIX24_TIMEOUT_READ", {**SANDBOX, "BITRIX24_TIMEOUT_READ": "-5"}, ()),
    ("BITRIX24_TIMEOUT_TOTAL", {**SANDBOX, "BITRIX24_TIMEOUT_TOTAL": "inf"}, ()),
    ("BITRIX24_BACKOFF", {**SANDBOX, "BITRIX24_BACKOFF": "short"}, ()),
    ("BITRIX24_MAX_RESPONSE_BYTES", {**SANDBOX, "BITRIX24_MAX_RESPONSE_BYTES": "16MB"}, ()),
    ("MCP_MAX_MESSAGE_BYTES", {**SANDBOX, "MCP_MAX_MESSAGE_BYTES": "4 MiB"}, ()),
    ("MCP_ALLOWED_ORIGINS", {**SANDBOX, "MCP_ALLOWED_ORIGINS": "agents.example.com"}, HTTP),
    ("MCP_ALLOWED_ORIGINS", {**SANDBOX, "MCP_ALLOWED_ORIGINS": "https://a.example.com/mcp"}, HTTP),
    ("MCP_ALLOWED_HOSTS", {**SANDBOX, "MCP_ALLOWED_HOSTS": "https://mcp.example.com"}, HTTP),
    ("MCP_HTTP_TOKEN", {**SANDBOX, "MCP_HTTP_TOKEN": HTTP_TOKEN}, (*HTTP, "--host", "0.0.0.0")),
    ("--port", {**SANDBOX}, (*HTTP, "--port", "70000")),
]  # fmt: skip


@pytest.mark.slow  # a CLI process per case
@pytest.mark.parametrize(
    ("named", "env", "args"),
    UNREADABLE,
    ids=[f"{named}={next(iter(env.values()))}" for named, env, _ in UNREADABLE],
)
def test_an_unreadable_setting_exits_2_naming_it_without_traceback_or_secret(
    named: str, env: dict[str, str], args: tuple[str, ...]
) -> None:
    done = run_cli(env, *(args or ("serve",)))
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""  # stdout belongs to the MCP protocol
    assert done.stderr.startswith("bitrix24-scrum-mcp: ") and named in done.stderr
    assert "Traceback" not in done.stderr
    for secret in (CODE, HTTP_TOKEN, *SECRETS.values()):
        assert secret not in done.stderr


def test_doctor_reports_an_unreadable_setting_as_a_failed_check() -> None:
    done = run_cli({"BITRIX24_WEBHOOK_URL": f"https://[::1/rest/1/{CODE}/"}, "doctor")
    assert done.returncode == 1
    assert "[FAIL] configuration:" in done.stdout and "BITRIX24_WEBHOOK_URL" in done.stdout
    assert "Traceback" not in done.stderr
    assert CODE not in done.stdout + done.stderr
