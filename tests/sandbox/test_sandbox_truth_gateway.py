"""The REST gateway as a portal's source runs it: binding, JSON text, request bodies, lists.

Each test names the divergence of /work/notes/portal-truth.md §4 it pins (G3, G16, ...);
the class and method read are in sandbox/README.md's controller table.
"""

from __future__ import annotations

from typing import Any

import httpx2
import pytest
from sbx_support import HOOK, call, result

from bitrix24_scrum_mcp.sandbox import Portal
from bitrix24_scrum_mcp.sandbox.seed import DEMO_SPRINT_ID

pytestmark = pytest.mark.anyio
S = "tasks.api.scrum."
BINDING = "Invalid value {{{}}} to match with parameter {{id}}. Should be value of type int."


@pytest.mark.parametrize(
    ("sent", "shown"),
    [(None, ""), (True, "1"), (False, ""), ([1], "Array"), ("23abc", "23abc")],
)
async def test_binder_refuses_null_booleans_arrays_and_text_for_an_int(
    client: httpx2.AsyncClient, sent: Any, shown: str
) -> None:
    # G3/G4/G5: JSON null is present (not missing); braces and the period always.
    response = await call(client, S + "sprint.get", {"id": sent})
    assert response.status_code == 400
    assert response.json() == {"error": "100", "error_description": BINDING.format(shown)}


@pytest.mark.parametrize("sent", ["23.9", "2.3e1", " 23", "23 ", 23.5])
async def test_binder_takes_any_php_numeric_value_for_an_int(
    client: httpx2.AsyncClient, sent: Any
) -> None:
    # G5: TypeDeclarationChecker accepts is_numeric values; PHP then truncates.
    assert (await result(client, S + "sprint.get", {"id": sent}))["id"] == DEMO_SPRINT_ID


async def test_json_text_is_escaped_as_phps_json_encode_writes_it(
    client: httpx2.AsyncClient,
) -> None:
    # G16: Json::encode with JSON_HEX_TAG|AMP|APOS|QUOT, `/` escaped, no zero fraction.
    name = '<b>R&D</b> "Tom\'s" 1/2 é'
    await result(client, S + "epic.update", {"id": 31, "fields": {"name": name}})
    response = await call(client, S + "epic.get", {"id": 31, "withFiles": 0})
    raw = response.content.decode()
    assert (
        '"name":"\\u003Cb\\u003ER\\u0026D\\u003C\\/b\\u003E \\u0022Tom\\u0027s\\u0022 1\\/2 é"'
        in raw
    )
    assert response.json()["result"]["name"] == name
    item = (await call(client, S + "task.get", {"id": 104})).content.decode()
    assert '"sortFloat":1024,' in item  # a whole float loses its `.0`


async def test_a_body_without_a_json_content_type_is_read_as_a_form(
    client: httpx2.AsyncClient,
) -> None:
    # G20: CRestUtil::getRequestData decodes JSON only when the request says it is JSON.
    as_form = await client.post(f"{HOOK}/{S}sprint.get", content=f"id={DEMO_SPRINT_ID}")
    assert as_form.json()["result"]["id"] == DEMO_SPRINT_ID
    json_text = await client.post(f"{HOOK}/{S}sprint.get", content='{"id": 23}')
    assert json_text.json()["error_description"] == "Could not find value for parameter {id}"


async def test_form_keys_with_dots_or_spaces_become_underscores(
    client: httpx2.AsyncClient,
) -> None:
    # parse_str: `a.b` and `a b` name the parameter `a_b` (here: an unknown one).
    response = await client.post(f"{HOOK}/{S}sprint.get", data={"i.d": str(DEMO_SPRINT_ID)})
    assert response.json()["error_description"] == "Could not find value for parameter {id}"


async def test_scrum_lists_show_only_groups_the_caller_is_a_member_of(
    client: httpx2.AsyncClient, portal: Portal
) -> None:
    # G19: EntityService/EpicService::getList inner-join the caller's memberships;
    # an admin outside a group does not see its sprints or epics.
    admin = portal.add_user("Ada", is_admin=True)
    portal.add_webhook(admin, "admin0code0abcde")
    hook = f"/rest/{admin}/admin0code0abcde"
    assert await result(client, S + "sprint.list", hook=hook) == []
    assert await result(client, S + "epic.list", hook=hook) == []
    assert (await result(client, S + "sprint.get", {"id": DEMO_SPRINT_ID}, hook=hook))["id"] == 23


@pytest.mark.parametrize(
    ("filter_", "ids"),
    [
        ({">=ID": []}, []),  # CSQLWhere: a comparison with no element [0] matches nothing
        ({">=ID": [34, 99]}, [34, 35]),  # ... and with one, compares with [0] only
        ({"<ID": {"x": 33}}, []),
        ({"=ID": []}, []),
        ({"!=ID": []}, [31, 32, 33, 34, 35]),
        ({"%NAME": []}, [31, 32, 33, 34, 35]),  # `like '%%'`
        ({"!%NAME": []}, []),
        ({"NAME": []}, []),  # an empty text array is `['']`: equal to ''
        ({"%NAME": "_"}, []),  # `%` searches a literal substring: `_` is no wildcard
        ({"NAME": "pay%"}, [31]),  # no prefix: a case-insensitive LIKE pattern
        ({"=NAME": "payments"}, [31]),  # `=`: equal, case-insensitive (MySQL collation)
    ],
)
async def test_list_filters_compare_as_csqlwhere_does(
    client: httpx2.AsyncClient, filter_: dict[str, Any], ids: list[int]
) -> None:
    listed = await result(client, S + "epic.list", {"filter": filter_, "select": ["ID"]})
    assert [e["id"] for e in listed] == ids


async def test_list_order_accepts_a_field_list_and_any_case(client: httpx2.AsyncClient) -> None:
    # Query::setOrder: a numeric key means "this field, ascending"; directions in any case.
    by_name = await result(client, S + "epic.list", {"order": ["NAME"], "select": ["NAME"]})
    assert [e["name"] for e in by_name][:2] == ["Analytics", "Checkout UX"]
    desc = await result(client, S + "epic.list", {"order": {"ID": "desc"}, "select": ["ID"]})
    assert desc[0]["id"] == 35
