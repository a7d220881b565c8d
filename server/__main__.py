"""`python -m bitrix24_scrum_mcp` runs the same CLI as the `bitrix24-scrum-mcp` console script."""

from bitrix24_scrum_mcp.cli import main

raise SystemExit(main())
