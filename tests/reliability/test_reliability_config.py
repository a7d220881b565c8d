"""Start-up refusals: unsafe portal URLs and unusable limits stop the server with a message.

Each message says what to set, and none repeats the URL (a webhook URL carries its secret).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bitrix24_scrum_mcp.config import ConfigError, Limits, Settings

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
        ({"BITRIX24_RATE_LIMIT": "fast"}, "BITRIX24_RATE_LIMIT must look like 2/50"),
        ({"BITRIX24_RATE_LIMIT": "inf/50"}, "rate_per_s must be a finite number"),
        ({"BITRIX24_MAX_RETRIES": "-1"}, "max_retries between 0 and 20"),
        ({"BITRIX24_MAX_RETRIES": "1000"}, "max_retries between 0 and 20"),
        ({"BITRIX24_TIMEOUT_READ": "0"}, "read_timeout_s must be a finite number > 0"),
        ({"BITRIX24_TIMEOUT_TOTAL": "nan"}, "total_timeout_s must be a finite number > 0"),
        ({"BITRIX24_TIMEOUT_CONNECT": "soon"}, "BITRIX24_TIMEOUT_CONNECT must be a number"),
        ({"BITRIX24_MAX_RESPONSE_BYTES": "10"}, "max_response_bytes must be at least 1024"),
    ],
)  # fmt: skip
def test_bad_oauth_and_limit_settings_are_refused(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Settings.from_env(env)


def test_limits_from_env() -> None:
    env = {
        "BITRIX24_RATE_LIMIT": "5/250",
        "BITRIX24_MAX_RETRIES": "2",
        "BITRIX24_TIMEOUT_CONNECT": "3",
        "BITRIX24_TIMEOUT_READ": "30",
        "BITRIX24_TIMEOUT_TOTAL": "45",
        "BITRIX24_MAX_RESPONSE_BYTES": "1048576",
    }
    assert Settings.from_env(env).limits == Limits(
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
