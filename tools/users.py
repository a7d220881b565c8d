# pyright: strict
"""Companion user tool: `user.current`, who the webhook or token acts as."""

from __future__ import annotations

from pydantic import Field

from bitrix24_scrum_mcp.tools.common import NoInput
from bitrix24_scrum_mcp.tools.results import ObjectResult, ResultModel
from bitrix24_scrum_mcp.tools.spec import ToolSpec


class CurrentUser(ResultModel):
    # docs: user.current answers with UPPER_CASE keys; ID is a string.
    model_config = ResultModel.model_config | {"alias_generator": None}

    ID: str = Field(description="User id, for createdBy and RESPONSIBLE_ID")
    NAME: str
    LAST_NAME: str


TOOLS = (
    ToolSpec(
        method="user.current",
        toolset="users",
        title="Current user",
        description="Who the server acts as (the webhook's or token's user): id and name. Use "
        "the id for createdBy or RESPONSIBLE_ID.",
        input=NoInput,
        result=ObjectResult(CurrentUser),
        read_only=True,
    ),
)
