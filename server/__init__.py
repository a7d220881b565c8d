"""bitrix24-scrum-mcp: an MCP server for Bitrix24 Scrum (`tasks.api.scrum.*`)."""

__version__ = "0.1.0"
