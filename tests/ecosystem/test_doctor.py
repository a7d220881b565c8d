"""`doctor`: all good, wrong webhook code, missing scope, unreachable portal, not a portal.

Runs against the sandbox served over loopback HTTP (so the real client, real HTTP and the
portal's real answers are used) and the stand-in portal for answers the sandbox never gives.
"""

from __future__ import annotations

import io
import subprocess
from collections.abc import Iterator

import pytest

from bitrix24_scrum_mcp.doctor import run_doctor
from bitrix24_scrum_mcp.sandbox import DEMO_USER_ID, DEMO_WEBHOOK_CODE, Portal, create_app
from tests.ecosystem.support import Served, clean_env, free_port, server_command, serving
from tests.standin import Recorded, Reply, StandIn, error

NO_TASK_CODE = "n0task5cope0code1"


@pytest.fixture
def portal() -> Iterator[Portal]:
    portal = Portal()
    portal.add_webhook(DEMO_USER_ID, NO_TASK_CODE, scopes=("basic", "user"))
    yield portal
    portal.close()


@pytest.fixture
def sandbox_http(portal: Portal) -> Iterator[Served]:
    with serving(create_app(portal)) as served:
        yield served


def _doctor(webhook_url: str | None = None, **env: str) -> tuple[int, str]:
    if webhook_url:
        env["BITRIX24_WEBHOOK_URL"] = webhook_url
    out = io.StringIO()
    code = run_doctor(env, out=out)
    return code, out.getvalue()


def _webhook(served: Served, code: str = DEMO_WEBHOOK_CODE) -> str:
    return f"{served.base}/rest/{DEMO_USER_ID}/{code}/"


def test_all_good_against_the_sandbox_over_http(sandbox_http: Served) -> None:
    code, out = _doctor(_webhook(sandbox_http))
    assert code == 0, out
    assert "[  OK] portal:" in out
    assert "[  OK] round trip:" in out and " ms for one call" in out
    assert "[  OK] scope: 'task' granted" in out
    assert "[  OK] scrum api:" in out
    assert "All checks passed" in out
    assert DEMO_WEBHOOK_CODE not in out
    assert f"/rest/{DEMO_USER_ID}/***/" in out


def test_all_good_against_the_embedded_sandbox() -> None:
    code, out = _doctor(BITRIX24_SANDBOX="1")
    assert code == 0, out
    assert "sandbox (embedded)" in out


def test_wrong_webhook_code_says_to_create_a_new_webhook(sandbox_http: Served) -> None:
    code, out = _doctor(_webhook(sandbox_http, "wr0ngc0de1234567"))
    assert code == 1
    assert "[FAIL] portal: the portal refused the webhook (INVALID_CREDENTIALS)" in out
    assert "the webhook code is wrong or the webhook was deleted" in out
    assert "Developer resources > Other > Inbound webhook" in out
    assert "wr0ngc0de1234567" not in out
    assert "problem(s) found" in out


def test_no_auth_found_gets_the_same_advice(standin: StandIn) -> None:
    standin.reply_with(error("NO_AUTH_FOUND", "Wrong authorization data", 401))
    code, out = _doctor(standin.webhook_url)
    assert code == 1
    assert "(NO_AUTH_FOUND)" in out
    assert "the webhook code is wrong or the webhook was deleted" in out


def test_webhook_without_task_scope_says_to_add_it(sandbox_http: Served) -> None:
    code, out = _doctor(_webhook(sandbox_http, NO_TASK_CODE))
    assert code == 1
    assert "[  OK] portal:" in out
    assert "[FAIL] scope: the 'task' scope is not granted (granted: basic, user)" in out
    assert "add the Tasks (task) scope to the webhook" in out
    assert "scrum api" not in out


def test_missing_optional_scope_is_a_warning_only(portal: Portal, sandbox_http: Served) -> None:
    portal.add_webhook(DEMO_USER_ID, "0nlytask0code123", scopes=("task",))
    code, out = _doctor(_webhook(sandbox_http, "0nlytask0code123"))
    assert code == 0, out
    assert "[WARN] scope for groups:" in out
    assert "[WARN] scope for users:" in out
    _, narrowed = _doctor(
        _webhook(sandbox_http, "0nlytask0code123"), BITRIX24_TOOLSETS="sprint,backlog"
    )
    assert "[WARN]" not in narrowed


def test_unreachable_portal_says_to_check_the_address() -> None:
    port = free_port()  # nothing listens there
    code, out = _doctor(f"http://127.0.0.1:{port}/rest/1/abcdefgh12345678/")
    assert code == 1
    assert f"[FAIL] portal: cannot reach http://127.0.0.1:{port}" in out
    assert "check the portal address" in out


def test_html_answer_says_it_is_not_a_portal(standin: StandIn) -> None:
    standin.reply_with(Reply(raw=b"<html>login</html>", content_type="text/html"))
    code, out = _doctor(standin.webhook_url)
    assert code == 1
    assert "answered, but not as a Bitrix24 REST API" in out


@pytest.mark.parametrize(
    "answer",
    [{"result": {"ok": True}}, {"result": "hello"}, {"result": 1725256800}, {"status": "up"}],
)
def test_an_answer_to_server_time_that_is_not_a_time_fails_the_portal_check(
    standin: StandIn, answer: dict[str, object]
) -> None:
    standin.reply_with(Reply(body=answer))
    code, out = _doctor(standin.webhook_url)
    assert code == 1
    assert "[FAIL] portal:" in out and "not with the portal's time" in out


def test_portal_without_scrum_methods_is_reported(standin: StandIn) -> None:
    def answer(request: Recorded) -> Reply:
        if request.method == "server.time":
            return Reply(body={"result": "2024-09-02T09:00:00+03:00"})
        if request.method == "scope":
            return Reply(body={"result": ["task", "user", "sonet_group"]})
        return error("ERROR_METHOD_NOT_FOUND", "Method not found!", 404)

    standin.reply_with(answer)
    code, out = _doctor(standin.webhook_url)
    assert code == 1
    assert "[FAIL] scrum api: the portal does not offer tasks.api.scrum.sprint.getFields" in out


def test_doctor_command_exit_codes(sandbox_http: Served) -> None:
    good = subprocess.run(
        server_command("doctor"),
        env=clean_env(BITRIX24_WEBHOOK_URL=_webhook(sandbox_http)),
        capture_output=True,
        timeout=30,
        check=False,
    )
    assert good.returncode == 0, good.stdout + good.stderr
    assert b"All checks passed" in good.stdout
    unconfigured = subprocess.run(
        server_command("doctor"), env=clean_env(), capture_output=True, timeout=30, check=False
    )
    assert unconfigured.returncode == 1
    assert b"No Bitrix24 portal is configured" in unconfigured.stdout
