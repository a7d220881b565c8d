"""Plain http to an intranet portal, by explicit choice only: refused without
`BITRIX24_ALLOW_HTTP=1` (the message names it), accepted with it, and then every start warns
on stderr that the secret travels in clear, without showing it.
"""

from __future__ import annotations

import pytest

from bitrix24_scrum_mcp.config import Settings, Webhook
from bitrix24_scrum_mcp.env import ConfigError
from tests.reliability.test_reliability_config import run_cli

CODE = "pl41nHttpS3cretC0de"
INTRANET = f"http://intranet.example.com/rest/1/{CODE}/"
OAUTH = {
    "BITRIX24_PORTAL_URL": "http://intranet.example.com",
    "BITRIX24_ACCESS_TOKEN": "acc3ssT0kenInCl3ar",
    "BITRIX24_OAUTH_SERVER": "portal",
}


@pytest.mark.parametrize(
    "env",
    [
        {"BITRIX24_WEBHOOK_URL": INTRANET},
        OAUTH,
        {"BITRIX24_WEBHOOK_URL": INTRANET, "BITRIX24_ALLOW_HTTP": "0"},
    ],
    ids=["webhook", "oauth", "opt-in off"],
)
def test_plain_http_to_a_remote_host_is_refused_naming_the_opt_in(env: dict[str, str]) -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_env(env)
    message = str(caught.value)
    assert "must use https://" in message
    assert "BITRIX24_ALLOW_HTTP=1" in message
    assert CODE not in message


def test_the_opt_in_admits_plain_http_and_says_what_travels_in_clear() -> None:
    webhook = Settings.from_env({"BITRIX24_WEBHOOK_URL": INTRANET, "BITRIX24_ALLOW_HTTP": "1"})
    assert isinstance(webhook.portal, Webhook)
    assert webhook.portal.base == INTRANET
    assert webhook.warnings == (
        "plain http to http://intranet.example.com (BITRIX24_ALLOW_HTTP=1): the webhook code "
        "travels in clear with every call, readable by anyone on the network path",
    )
    assert webhook.redacted()["plain_http"] == "allowed (BITRIX24_ALLOW_HTTP=1)"
    oauth = Settings.from_env({**OAUTH, "BITRIX24_ALLOW_HTTP": "true"})
    assert "the access token travels in clear" in oauth.warnings[0]
    assert len(oauth.warnings) == 1  # the OAuth server is the portal itself: one warning


def test_loopback_http_needs_no_opt_in_and_gets_no_warning() -> None:
    config = Settings.from_env({"BITRIX24_WEBHOOK_URL": f"http://127.0.0.1:8765/rest/1/{CODE}/"})
    assert config.warnings == ()


def test_serve_warns_on_stderr_at_start_without_the_secret() -> None:
    done = run_cli(
        {"BITRIX24_WEBHOOK_URL": INTRANET, "BITRIX24_ALLOW_HTTP": "1"}, "serve"
    )  # stdin is closed: the server starts, warns, reads EOF and stops
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""  # stdout belongs to the MCP protocol
    assert "WARNING" in done.stderr
    assert "plain http to http://intranet.example.com" in done.stderr
    assert "the webhook code travels in clear" in done.stderr
    assert CODE not in done.stderr


def test_serve_refuses_plain_http_without_the_opt_in_naming_it() -> None:
    done = run_cli({"BITRIX24_WEBHOOK_URL": INTRANET}, "serve")
    assert done.returncode == 2
    assert "BITRIX24_ALLOW_HTTP=1" in done.stderr
    assert CODE not in done.stderr
