"""The cold-start baseline: a minimal server on the SDK's high-level MCPServer, one tool.

    python bench/baseline_server.py      # serves stdio

Same SDK, same interpreter, nothing else: the floor any Python MCP server pays.
"""

from mcp.server import MCPServer

mcp = MCPServer("baseline")


@mcp.tool()
def echo(text: str) -> str:
    """Return the text unchanged."""
    return text


if __name__ == "__main__":
    mcp.run()
