"""Headless Chromium for the picture tests: the system's `chromium` (Debian package, installed
by .ci/browser.sh), driven with Playwright, which ships its driver in the wheel and downloads
no browser of its own here.

Missing chromium skips the tests on a developer's machine and fails them in CI (`CI` set),
where a skipped picture test would pass by hiding that nothing was drawn.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Generator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
"""Screenshots and recorded results of the last run (gitignored)."""
DOCS_IMAGES = ROOT / "docs" / "images"


def chromium_path() -> str:
    found = os.environ.get("CHROMIUM_PATH") or next(
        filter(None, map(shutil.which, ("chromium", "chromium-browser"))), None
    )
    if found:
        return found
    message = "chromium not found: apt-get install chromium (bash .ci/browser.sh)"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(message)
    pytest.skip(message)


@contextmanager
def launched() -> Generator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path())
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def page_of(
    browser: Browser, width: int = 1100, height: int = 800
) -> Generator[tuple[Page, list[str]]]:
    """A fresh page and the console errors of all its frames (CSP refusals among them)."""
    context = browser.new_context(viewport={"width": width, "height": height})
    errors: list[str] = []
    page = context.new_page()

    def note(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    page.on("console", note)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        yield page, errors
    finally:
        context.close()


def keep(png: bytes, name: str) -> Path:
    """Store a screenshot as a test artifact; with UPDATE_PICTURES=1 also as the README's."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    path.write_bytes(png)
    if os.environ.get("UPDATE_PICTURES") == "1":
        DOCS_IMAGES.mkdir(parents=True, exist_ok=True)
        (DOCS_IMAGES / name).write_bytes(png)
    return path
