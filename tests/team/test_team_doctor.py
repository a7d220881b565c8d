"""`doctor` on a team server: each person's webhook, the sign-in settings, state and audit."""

from __future__ import annotations

import io
import secrets
from pathlib import Path

from bitrix24_scrum_mcp.doctor import run_doctor
from bitrix24_scrum_mcp.sandbox import DEMO_PERSON_WEBHOOK_CODES
from bitrix24_scrum_mcp.sandbox.seed import DEMO_DEVELOPER_ID
from tests.team.support import sandbox_portal, tokens_toml, write_private


def _doctor(environ: dict[str, str]) -> tuple[int, str]:
    out = io.StringIO()
    return run_doctor(environ, out=out), out.getvalue()


def test_doctor_checks_each_persons_webhook_and_names_the_one_that_fails(tmp_path: Path) -> None:
    good, bad = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    with sandbox_portal() as (_portal, origin):
        people = {
            "dmitry": (
                good,
                f"{origin}/rest/{DEMO_DEVELOPER_ID}/{DEMO_PERSON_WEBHOOK_CODES[DEMO_DEVELOPER_ID]}/",
            ),
            "ghost": (bad, f"{origin}/rest/3/wr0ngc0de0000/"),
        }
        path = tmp_path / "people.toml"
        write_private(path, tokens_toml(people))
        code, text = _doctor(
            {"MCP_HTTP_TOKENS_FILE": str(path), "BITRIX24_AUDIT_LOG": str(tmp_path / "a.jsonl")}
        )
    assert code == 1
    assert "[  OK] person dmitry" in text and "[FAIL] person ghost" in text
    assert "[  OK] audit" in text and "2 people" in text
    assert good not in text and bad not in text and "wr0ngc0de0000" not in text


def test_doctor_says_which_sign_in_setting_is_missing(tmp_path: Path) -> None:
    with sandbox_portal() as (_portal, origin):
        code, text = _doctor(
            {
                "BITRIX24_PORTAL_URL": origin,
                "BITRIX24_OAUTH_SERVER": origin,
                "BITRIX24_CLIENT_ID": "local.app",
                "BITRIX24_CLIENT_SECRET": "s3cret-value",
                "MCP_PUBLIC_URL": "http://127.0.0.1:8000",
                "BITRIX24_STATE_URL": f"file://{tmp_path}/state.sqlite3",
            }
        )
    assert code == 1
    assert "[FAIL] state key" in text and "BITRIX24_STATE_KEY is not set" in text
    assert "[  OK] sign-in page" in text and "[  OK] OAuth server" in text
    assert "s3cret-value" not in text
