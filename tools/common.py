# pyright: strict
"""Input building blocks shared by every tool family.

The models here mirror the documented REST request bodies: camelCase names for
`fields{...}`, UPPER_SNAKE keys for list `filter`/`order`/`select`. Every bound
(positive ids, string lengths, list sizes, date formats) lives here once, so
nothing invalid reaches a portal whichever tool it came through.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import cache
from typing import Annotated, Any, ClassVar, Literal, TypeVar, cast

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    TypeAdapter,
    ValidationError,
    WithJsonSchema,
    field_validator,
)
from pydantic.alias_generators import to_camel
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError

MAX_ID = 2_147_483_647  # Bitrix24 ids are signed 32-bit integers in its MySQL tables.
MAX_NAME = 255
MAX_TEXT = 20_000
MAX_LIST_ITEMS = 100
PAGE_SIZE = 50  # docs: "Page size cannot be changed".
MAX_LIMIT = 500


def check_max_id(value: int) -> int:
    if value > MAX_ID:
        raise PydanticCustomError("id_too_large", "ids are at most {max}", {"max": MAX_ID})
    return value


Id = Annotated[int, Field(ge=1), AfterValidator(check_max_id)]
"""A positive Bitrix24 identifier. The upper bound is checked but left out of the schema:
every id field would repeat it, and only a broken client would come near it. `minimum: 1`
rather than `exclusiveMinimum: 0`: google-genai's schema converter drops the latter."""

Sort = Annotated[int, Field(ge=0), AfterValidator(check_max_id)]
Offset = Annotated[int, Field(ge=-1), AfterValidator(check_max_id)]


_TIME_RE = re.compile(
    r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$"
)


def _check_date(value: str) -> str:
    """Reject dates that match the shape but not the calendar (2024-13-45)."""
    if value.isdigit() and len(value) <= 11:
        return value
    if not _TIME_RE.match(value):
        raise PydanticCustomError(
            "date_format",
            "'{value}' is not a valid date; use YYYY-MM-DDThh:mm:ss+hh:mm or a unix timestamp",
            {"value": value},
        )
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise PydanticCustomError(
            "date_format",
            "'{value}' is not a valid date; use YYYY-MM-DDThh:mm:ss+hh:mm or a unix timestamp",
            {"value": value},
        ) from None
    return value


BitrixDate = Annotated[str, Field(max_length=40), AfterValidator(_check_date)]
"""A date as the Scrum pages accept it: ISO 8601 (`2021-11-22T00:00:00+02:00`) or a timestamp.

The format is spelt out in each field's description rather than as a schema `pattern`: a
date regex costs ~40 tokens in every date field of tools/list, and `_check_date` enforces
the same shape (and the calendar) anyway."""

Name = Annotated[str, Field(min_length=1, max_length=MAX_NAME)]
Text = Annotated[str, Field(max_length=MAX_TEXT)]
Color = Annotated[str, Field(pattern=r"^#?[0-9A-Fa-f]{6}$")]
SprintStatus = Literal["active", "planned", "completed"]


class ScrumModel(BaseModel):
    """Base for `tasks.api.scrum.*` inputs: documented camelCase names, nothing extra.

    `strict=True` keeps validation identical to the published JSON schema: `"5"` is not an
    integer and `true` is not an id, so what the schema promises is what is enforced.
    """

    model_config = ConfigDict(
        extra="forbid",
        alias_generator=to_camel,
        populate_by_name=False,
        strict=True,
        frozen=True,
    )


class UpperModel(BaseModel):
    """Base for methods whose documented field names are UPPER_SNAKE (tasks.task.*)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class NoInput(ScrumModel):
    """For methods documented with no parameters (`*.getFields`, `user.current`)."""


class IdInput(ScrumModel):
    """For methods whose only parameter is `id`."""

    id: Id = Field(description="Identifier")


def id_input(description: str) -> type[IdInput]:
    """Make an `{id}` input model whose `id` is described for this method.

    The meaning of `id` differs between methods (a backlog id, a group id, a sprint id),
    and the description is what tells a model which one to pass.
    """

    class _Input(IdInput):
        id: Id = Field(description=description)

    return _Input


# --- list parameters --------------------------------------------------------------------

FILTER_PREFIXES = ("", "=", "!", "%", ">", "<", "!=", "!%", ">=", "<=", "=%", "%=", "!=%", "!%=")
"""Operators the docs list for `filter` keys (epic.list), longest first when matching."""

_SCALARS = (int, float, str, bool, type(None))
MAX_FILTER_STRING = 1000
JsonSchema = dict[str, Any]

FILTER_HELP = (
    "null = no condition. Also '[op]FIELD' keys, op = ! % > < != !% >= <= =% %= !=% !%=, "
    "e.g. '>=ID': 10; '=ID': [1, 2] is any of"
)
"""The filter description: the declared keys test equality, operators are undeclared keys."""


@cache
def _strict_adapter(kind: Any) -> TypeAdapter[Any]:
    return TypeAdapter(kind, config=ConfigDict(strict=True))


def _check_filter_value(key: str, value: Any) -> None:
    items: list[Any] = cast(list[Any], value) if isinstance(value, list) else [value]
    if len(items) > MAX_LIST_ITEMS or not all(isinstance(v, _SCALARS) for v in items):
        raise PydanticCustomError(
            "filter_value",
            "filter '{key}' takes a number, string, boolean, null or a list of up to {n} of them",
            {"key": key, "n": MAX_LIST_ITEMS},
        )
    if any(isinstance(v, str) and len(v) > MAX_FILTER_STRING for v in items):
        raise PydanticCustomError("filter_value", "filter '{key}' value is too long", {"key": key})


def _check_declared_value(key: str, value: Any, kind: Any) -> None:
    """A declared key holds exactly its published type: the schema promises no more."""
    if isinstance(value, list):
        raise PydanticCustomError(
            "filter_value",
            "filter '{key}' takes one value; for any of several use '={key}': [...]",
            {"key": key},
        )
    try:
        _strict_adapter(kind).validate_python(value)
    except ValidationError as exc:
        message = exc.errors(include_url=False)[0]["msg"]
        raise PydanticCustomError(
            "filter_value", "filter '{key}': {message}", {"key": key, "message": message}
        ) from None


def _split_prefix(key: str) -> tuple[str, str]:
    for prefix in sorted(FILTER_PREFIXES, key=len, reverse=True):
        if prefix and key.startswith(prefix):
            return prefix, key[len(prefix) :]
    return "", key


def check_filter(
    value: dict[str, Any] | None, fields: Sequence[str], declared: Mapping[str, Any] | None = None
) -> dict[str, Any] | None:
    """Reject filter keys that are not `[operator]FIELD` with a documented FIELD.

    A null value is no condition and is dropped: clients in strict mode send every declared
    key, null where they mean none. `declared` keys are checked against their type.
    """
    if value is None:
        return None
    kept: dict[str, Any] = {}
    for key, item in value.items():
        if item is None:
            continue
        if declared and key in declared:
            _check_declared_value(key, item, declared[key])
        else:
            _check_filter_value(key, item)
            if _split_prefix(key)[1] not in fields:
                raise PydanticCustomError(
                    "unknown_filter_field",
                    "unknown filter field '{key}'; allowed fields: {allowed} "
                    "(optionally prefixed by one of {ops})",
                    {
                        "key": key,
                        "allowed": ", ".join(fields),
                        "ops": " ".join(FILTER_PREFIXES[1:]),
                    },
                )
        kept[key] = item
    return kept or None


NamesT = TypeVar("NamesT", list[str], dict[str, Any])


def check_names(value: NamesT | None, fields: Sequence[str], what: str) -> NamesT | None:
    """Reject `select` items or `order` keys that are not documented fields."""
    if value is None:
        return None
    for name in value:
        if name not in fields:
            raise PydanticCustomError(
                "unknown_field",
                "unknown {what} field '{name}'; allowed: {allowed}",
                {"what": what, "name": name, "allowed": ", ".join(fields)},
            )
    return value


def check_order(value: dict[str, Any] | None, fields: Sequence[str]) -> dict[str, Any] | None:
    """`order` keys must be documented fields; a null direction means "not by this field"."""
    kept = check_names({k: v for k, v in (value or {}).items() if v is not None}, fields, "order")
    return kept or None


OrderDirection = Literal["asc", "desc", "ASC", "DESC"]


def declare_keys(schema: JsonSchema, param: str, keys: Mapping[str, Any]) -> None:
    """Publish the map parameter `param` of a model's schema as an object declaring `keys`.

    `keys` maps each declared name to its value type (as for validation). Declared names let
    OpenAI strict mode keep the map (it closes every object, so an open map could only be
    `{}`), and they must be plain names: the Anthropic API refuses tools whose property names
    are not `^[a-zA-Z0-9_.-]{1,64}$`, so operator keys (`>=DATE_END`) stay undeclared.
    """
    prop: JsonSchema = schema["properties"][param]
    declared = {  # null = no condition / not by this field, as for any optional input
        name: {"anyOf": [_strict_adapter(kind).json_schema(), {"type": "null"}]}
        for name, kind in keys.items()
    }
    prop["anyOf"] = [{"type": "object", "properties": declared}, {"type": "null"}]


class ListInput(BaseModel):
    """`filter`/`order`/`select`/`start` as the list pages document them, plus `limit`.

    Subclasses set `FIELDS` to the documented UPPER_SNAKE names; keys are checked against
    it so a misspelt `GROUPID` fails here with the allowed names instead of silently
    filtering nothing on the portal. `FILTER_KEYS` and `ORDER_KEYS` are the plain names the
    schema declares (the ones a model filters and sorts by; each declared property costs
    tokens in every tools/list); other documented names and operator keys are accepted too.
    """

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)
    FIELDS: ClassVar[tuple[str, ...]] = ()
    FILTER_FIELDS: ClassVar[tuple[str, ...] | None] = None
    """Where a page documents a narrower set of filterable fields than selectable ones."""
    FILTER_KEYS: ClassVar[Mapping[str, Any]] = {"ID": int}
    """Declared filter keys and their value types (equality conditions)."""
    ORDER_KEYS: ClassVar[tuple[str, ...]] = ("ID",)
    """Declared order keys."""

    filter: dict[str, Any] | None = Field(None, max_length=MAX_LIST_ITEMS, description=FILTER_HELP)
    order: dict[str, OrderDirection | None] | None = Field(
        None,
        max_length=20,
        description="'asc' or 'desc' per field, null = not by it; any filter FIELD",
    )
    select: list[str] | None = Field(
        None, max_length=MAX_LIST_ITEMS, description="Fields to return; omit for all"
    )
    start: Offset | None = Field(
        None, description="Offset: the previous page's 'next' (pages of 50); -1 skips 'total'"
    )
    limit: int | None = Field(
        None,
        ge=1,
        le=MAX_LIMIT,
        description=f"Fetch up to this many items in one call (default one page of {PAGE_SIZE})",
    )

    @field_validator("filter")
    @classmethod
    def _filter_fields(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        return check_filter(value, cls.FILTER_FIELDS or cls.FIELDS, cls.FILTER_KEYS)

    @field_validator("order")
    @classmethod
    def _order_fields(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        return check_order(value, cls.FILTER_FIELDS or cls.FIELDS)

    @field_validator("select")
    @classmethod
    def _select_fields(cls, value: list[str] | None) -> list[str] | None:
        return check_names(value, (*cls.FIELDS, "*"), "select")

    @classmethod
    def select_enum(cls) -> list[str]:
        """The names `select` accepts, for the published schema."""
        return [*cls.FIELDS, "*"]

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        """The documented names in the schema: declared filter and order keys, select's enum."""
        schema = handler.resolve_ref_schema(handler(core_schema))
        declare_keys(schema, "filter", cls.FILTER_KEYS)
        declare_keys(schema, "order", dict.fromkeys(cls.ORDER_KEYS, str))
        select: JsonSchema = schema["properties"]["select"]["anyOf"][0]
        select["items"] = {"type": "string", "enum": cls.select_enum()}
        return schema


# --- JSON given as text ------------------------------------------------------------------


def _json_object(value: Any) -> Any:
    """Parse a JSON object given as a string; anything else goes on to be validated as is."""
    if not isinstance(value, str):
        return value
    try:
        parsed = json.loads(value)
    except ValueError as exc:
        raise PydanticCustomError(
            "json_object", "not valid JSON: {reason}", {"reason": str(exc)}
        ) from None
    if not isinstance(parsed, dict):
        raise PydanticCustomError(
            "json_object", "must be a JSON object, e.g. {example}", {"example": "'{\"id\": 5}'"}
        )
    return cast(dict[str, Any], parsed)


JsonObjectText = Annotated[
    dict[str, Any], BeforeValidator(_json_object), WithJsonSchema({"type": "string"})
]
"""An object argument published as a JSON string, with an object accepted as well.

A free-form object cannot be made strict (OpenAI strict mode closes every object, leaving
`{}`), while a string converts in every client. Objects still work for clients that send
them, at no cost in the schema."""
