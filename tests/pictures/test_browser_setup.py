"""Where the picture tests find chromium, and what they do without it: skip on a
developer's machine, fail in CI (a skipped picture test would hide that nothing was drawn)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.pictures.browser import chromium_path


def test_chromium_path_names_the_one_asked_for(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHROMIUM_PATH", "/opt/my/chromium")
    assert chromium_path() == "/opt/my/chromium"


@pytest.mark.parametrize(
    ("ci", "outcome"), [("true", pytest.fail.Exception), ("", pytest.skip.Exception)]
)
def test_missing_chromium_fails_in_ci_and_skips_elsewhere(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, ci: str, outcome: type[BaseException]
) -> None:
    monkeypatch.delenv("CHROMIUM_PATH", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder: no chromium on it
    monkeypatch.setenv("CI", ci)
    with pytest.raises(outcome, match="apt-get install chromium"):
        chromium_path()
