# pyright: strict
"""The MCP App (board and burndown) served as the `ui://` resource, and its address.

The overview, board and report tools point at `APP_URI` through `_meta.ui.resourceUri`
(MCP Apps); hosts that render apps fetch it with `resources/read` and show the tool's
structured result in it. Placeholder page: the real HTML replaces `app_html()`'s body.
"""

from __future__ import annotations

APP_URI = "ui://bitrix24-scrum/board.html"
APP_MIME = "text/html;profile=mcp-app"


def app_html() -> str:
    """A self-contained HTML document (no external scripts, styles or fonts)."""
    return """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Bitrix24 Scrum board</title></head>
<body><main id="app"><h1>Bitrix24 Scrum</h1><p>The board view is loading.</p></main></body>
</html>
"""
