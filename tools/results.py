# pyright: strict
"""What a tool returns: one descriptor per row owns its output schema and its shaping.

    ObjectResult(Model)       the portal's object, passed through as it came
    ListResult(Item, key=)    the portal's list, as our page {items, total?, next?}
    ValueResult(schema)       any other portal value (true, a new id, []) as {result: value}
    ... refusal=Refusal(...)  a value that means "failed" (`false`, `null`): an error result
    OwnResult(Model)          an object our own code builds (the bulk summary, composed tools)

Two rules for the schemas (issue 19). What the portal sends is open and requires nothing:
portals add fields over time and `select` returns a subset. What our own code builds (the
page, the `{result}` wrapper, `OwnModel`s, the error object) is closed and requires what
is always there, so the declared keys are exactly the returned ones; each builder is the
model or function next to its schema here, so the two cannot drift apart.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, cast

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from bitrix24_scrum_mcp.errors import PortalRefusedError
from bitrix24_scrum_mcp.tools.schema import JsonSchema, model_schema


class ResultModel(BaseModel):
    """Base for the portal's documented result objects: declares those fields, admits more."""

    model_config = ConfigDict(extra="allow", alias_generator=to_camel)


class FieldsResult(ResultModel):
    """What every `*.getFields` method returns: `{fields: {name: {type}}}`."""

    fields: dict[str, dict[str, Any]] = Field(description="Writable fields and their types")


class OwnModel(BaseModel):
    """Base for objects our own code builds: camelCase keys, nothing undeclared.

    Build one with Python names and send `dump()`: keys come out as the schema declares
    them, and an optional field left at None is left out (it is not declared nullable).
    """

    model_config = ConfigDict(
        extra="forbid", alias_generator=to_camel, validate_by_name=True, frozen=True
    )

    def dump(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


class ListPage(OwnModel):
    """One or more pages of a portal list, the way every list tool returns them."""

    items: list[Any]
    total: int | None = Field(default=None, description="All matching items (not with start=-1)")
    next: int | None = Field(
        default=None, description="`start` of the next page; absent at the end"
    )
    note: str | None = Field(
        default=None, description="Why the list may go on past `next` without a total"
    )


def list_page(
    items: list[Any], total: int | None, next_: int | None, note: str | None = None
) -> dict[str, Any]:
    """The one builder of `{items, total?, next?, note?}` (single pages and `limit` alike).

    A plain dict rather than `ListPage(...).dump()`, which would copy every portal object
    once more (0.3 ms for 500 items); the sandbox tests hold these keys to `ListPage`.
    """
    page: dict[str, Any] = {"items": items}
    if total is not None:
        page["total"] = total
    if next_ is not None:
        page["next"] = next_
    if note is not None:
        page["note"] = note
    return page


@dataclass(frozen=True, slots=True)
class Refusal:
    """A success answer that means the call failed: the value a controller returns after an
    error the gateway drops (`false`, `null`), and what to tell the caller instead.

    `shape` raises `PortalRefusedError` for it, so the tool result is an error, in a direct
    call and inside scrum_batch alike.
    """

    value: bool | None
    """The answer that means failure (compared by identity: `false` is not `0`)."""
    causes: str
    """What the controller checks before it gives up: the likely reasons, for the caller."""
    may_have_applied: bool = False
    """Whether the failure can come after some changes were made (then a read tool is named)."""

    def check(self, result: Any) -> None:
        if result is self.value:
            answer = "false" if self.value is False else "null"
            raise PortalRefusedError(
                f"the portal answered {answer} without saying why; {self.causes}",
                may_have_applied=self.may_have_applied,
            )


class Result(ABC):
    """How a row's result is declared (`schema`) and made from a REST answer (`shape`)."""

    @abstractmethod
    def schema(self) -> JsonSchema:
        """The success branch of the tool's outputSchema."""

    def shape(self, result: Any, total: int | None, next_: int | None) -> dict[str, Any]:
        """`structuredContent` from one REST answer's `result`, `total` and `next`."""
        raise TypeError(f"{type(self).__name__} is built by its tool's runner, not shaped")


@dataclass(frozen=True, slots=True)
class ObjectResult(Result):
    model: type[ResultModel]
    bare: JsonSchema | None = None
    """Schema of the non-object answer some methods give instead (`true`, `[]` for not
    found), returned as `{result: value}`."""
    refusal: Refusal | None = None

    def schema(self) -> JsonSchema:
        schema = model_schema(self.model, closed=False)
        if self.bare is not None:
            schema["properties"]["result"] = self.bare
        return schema

    def shape(self, result: Any, total: int | None, next_: int | None) -> dict[str, Any]:
        if self.refusal is not None:
            self.refusal.check(result)
        return cast(dict[str, Any], result) if isinstance(result, dict) else {"result": result}


@dataclass(frozen=True, slots=True)
class ListResult(Result):
    item: type[ResultModel] | None = None
    """Model of one item; None for items we do not describe (still objects)."""
    key: str | None = None
    """Where the items sit when the answer is an object, e.g. `tasks.task.list` -> `tasks`."""

    def items(self, result: Any) -> list[Any]:
        """The items of one page, wherever the method puts them."""
        if self.key and isinstance(result, dict):
            result = cast(dict[str, Any], result).get(self.key, [])
        if isinstance(result, dict):  # a PHP array with non-sequential keys arrives as an object
            return list(cast(dict[str, Any], result).values())
        return list(cast(list[Any], result)) if isinstance(result, list) else []

    def schema(self) -> JsonSchema:
        schema = model_schema(ListPage, closed=True)
        item = model_schema(self.item, closed=False) if self.item else {"type": "object"}
        schema["properties"]["items"]["items"] = item
        return schema

    def shape(self, result: Any, total: int | None, next_: int | None) -> dict[str, Any]:
        return list_page(self.items(result), total, next_)


@dataclass(frozen=True, slots=True)
class ValueResult(Result):
    value: JsonSchema
    """Schema of the bare value, e.g. `{"type": "boolean"}`."""
    refusal: Refusal | None = None

    def schema(self) -> JsonSchema:
        return {
            "type": "object",
            "properties": {"result": self.value},
            "required": ["result"],
            "additionalProperties": False,
        }

    def shape(self, result: Any, total: int | None, next_: int | None) -> dict[str, Any]:
        if self.refusal is not None:
            self.refusal.check(result)
        return {"result": result}


@dataclass(frozen=True, slots=True)
class OwnResult(Result):
    """A result the row's runner builds itself, as `Model(...).dump()`."""

    model: type[OwnModel]

    def schema(self) -> JsonSchema:
        return model_schema(self.model, closed=True)
