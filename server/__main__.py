"""`python -m server` runs the same CLI as the `bitrix24-scrum-mcp` console script."""

from server.cli import main

raise SystemExit(main())
