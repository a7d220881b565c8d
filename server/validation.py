"""Validate tool arguments with the spec row's model and explain failures field by field.

Each pydantic error becomes one `details` entry whose `field` is the documented (alias)
path, e.g. `fields.groupId`. Unknown fields name the allowed ones, so a model that wrote
`groupid` learns the right spelling from the error itself (the text content lists every
detail too: `InvalidArgumentsError.one_line`).
"""

from __future__ import annotations

from typing import Any, cast

from pydantic import BaseModel, ValidationError

from bitrix24_scrum_mcp.errors import InvalidArgumentsError


def _path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part == "[key]":
            continue
        else:
            out += f".{part}" if out else str(part)
    return out


def _allowed_names(model: type[BaseModel], loc: tuple[int | str, ...]) -> list[str] | None:
    """The documented field names of the object that holds `loc`'s last element."""
    current: Any = model
    for part in loc[:-1]:
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        field = next(
            (f for name, f in current.model_fields.items() if (f.alias or name) == part), None
        )
        if field is None:
            return None
        current = _model_in(field.annotation)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return [f.alias or name for name, f in current.model_fields.items()]
    return None


def _model_in(annotation: Any) -> Any:
    """The BaseModel inside `X | None` / `list[X]`, if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(cast(object, annotation), "__args__", ()):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def details_of(
    model: type[BaseModel], error: ValidationError, prefix: str = ""
) -> list[dict[str, Any]]:
    details: list[dict[str, Any]] = []
    for item in error.errors(include_url=False, include_input=False):
        loc = tuple(item["loc"])
        field = _path(loc)
        if prefix:
            field = f"{prefix}.{field}" if field else prefix
        message = item["msg"]
        if item["type"] == "extra_forbidden":
            allowed = _allowed_names(model, loc)
            message = "unknown field"  # `field` names it; equal messages group in the text
            if allowed is not None:
                message += f"; allowed: {', '.join(allowed) or '(none)'}"
        elif item["type"] == "missing":
            message = "required field is missing"
        details.append({"field": field, "type": item["type"], "message": message})
    return details


def validate(model: type[BaseModel], arguments: dict[str, Any] | None, *, method: str) -> BaseModel:
    """Raises InvalidArgumentsError with one detail per bad field; sends nothing."""
    try:
        return model.model_validate(arguments or {})
    except ValidationError as exc:
        raise InvalidArgumentsError(details_of(model, exc), method=method) from None
