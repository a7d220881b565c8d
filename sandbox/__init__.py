# pyright: strict
"""An embedded emulator of a Bitrix24 portal's REST API for `tasks.api.scrum.*` and friends.

    from bitrix24_scrum_mcp.sandbox import DEMO_WEBHOOK_CODE, FaultConfig, Portal, create_app
    portal = Portal()                      # the seeded demo portal, in memory
    app = create_app(portal, faults=FaultConfig())

See sandbox/README.md for the emulated behaviour and every choice made where the docs
are silent or contradict themselves.
"""

from bitrix24_scrum_mcp.sandbox.app import DroppedConnection, create_app
from bitrix24_scrum_mcp.sandbox.faults import FaultConfig
from bitrix24_scrum_mcp.sandbox.portal import Portal, Principal
from bitrix24_scrum_mcp.sandbox.seed import (
    DEMO_APP_CLIENT_ID,
    DEMO_APP_CLIENT_SECRET,
    DEMO_BACKLOG_ID,
    DEMO_OUTSIDER_USER_ID,
    DEMO_PERSON_WEBHOOK_CODES,
    DEMO_PLAIN_GROUP_ID,
    DEMO_SCRUM_GROUP_ID,
    DEMO_SECOND_BACKLOG_ID,
    DEMO_SECOND_SCRUM_GROUP_ID,
    DEMO_SPRINT_ID,
    DEMO_USER_ID,
    DEMO_WEBHOOK_CODE,
)
from bitrix24_scrum_mcp.sandbox.serve import serve, webhook_url

__all__ = [
    "DEMO_APP_CLIENT_ID",
    "DEMO_APP_CLIENT_SECRET",
    "DEMO_BACKLOG_ID",
    "DEMO_OUTSIDER_USER_ID",
    "DEMO_PERSON_WEBHOOK_CODES",
    "DEMO_PLAIN_GROUP_ID",
    "DEMO_SCRUM_GROUP_ID",
    "DEMO_SECOND_BACKLOG_ID",
    "DEMO_SECOND_SCRUM_GROUP_ID",
    "DEMO_SPRINT_ID",
    "DEMO_USER_ID",
    "DEMO_WEBHOOK_CODE",
    "DroppedConnection",
    "FaultConfig",
    "Portal",
    "Principal",
    "create_app",
    "serve",
    "webhook_url",
]
