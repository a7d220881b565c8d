# pyright: strict
"""The MCP Apps view (`ui://bitrix24-scrum/board.html`): the sprint board and burndown drawn
from a workbench tool's result, inside the host's sandboxed iframe.

The HTML, CSS and JS are package data in `pictures/` rather than Python strings: they are
edited and read as what they are, and the sandbox's own page (sandbox_board.py) serves the
same `board.js` and `board.css` as files, so there is one renderer with two shells. Here
they are inlined into one document, because a view must work under the host's default CSP
(no network, inline script and style only).
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

APP_URI = "ui://bitrix24-scrum/board.html"
APP_MIME = "text/html;profile=mcp-app"


def picture_file(name: str) -> str:
    """One of the files in `pictures/` (board.js, board.css, app.js, ...), as text."""
    return (files("bitrix24_scrum_mcp") / "pictures" / name).read_text(encoding="utf-8")


def _inline_script(code: str) -> str:
    # An inline script ends at the first `</script`, whatever the JS meant by it.
    return code.replace("</", "<\\/")


@cache
def app_html() -> str:
    """The self-contained view document: CSS and both scripts inlined, no external fetch."""
    page = picture_file("app.html")
    script = _inline_script(picture_file("board.js") + picture_file("app.js"))
    return page.replace("/*CSS*/", picture_file("board.css")).replace("/*JS*/", script)
