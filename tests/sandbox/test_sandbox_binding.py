"""The action binder: what a method's signature may declare, checked when the table is built.

Binding itself (which error wins, the code-100 messages) is exercised over HTTP in
test_sandbox_errors.py; this covers the one failure that never reaches the wire.
"""

from __future__ import annotations

import pytest

from bitrix24_scrum_mcp.sandbox.binding import bind_action
from bitrix24_scrum_mcp.sandbox.context import Call


def test_an_action_parameter_of_a_type_the_portal_cannot_bind_is_refused_by_name() -> None:
    def action(call: Call, title: str) -> None:
        del call, title

    with pytest.raises(TypeError, match="cannot bind parameter title"):
        bind_action(action)
