"""Reading settings from an environment mapping: typed values, and errors that name them.

Every value is converted by pydantic (numbers, flags, choices) and every failure becomes a
`ConfigError` whose message names the variable, says what it takes and shows the rejected
value, cut short. Variables that hold secrets are never read through `parse`, so a message
never shows one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, TypeVar

from pydantic import Field, TypeAdapter, ValidationError

T = TypeVar("T")


class ConfigError(ValueError):
    """The configuration cannot work; the message says what to change."""


class Env:
    """One environment mapping, read by name: blank counts as unset, errors name the variable."""

    def __init__(self, values: Mapping[str, str]) -> None:
        self._values = values

    def text(self, name: str) -> str | None:
        value = self._values.get(name, "").strip()
        return value or None

    def parse(self, name: str, adapter: TypeAdapter[T], must: str) -> T | None:
        """The variable converted by `adapter`, None when unset; `must` says what it takes."""
        raw = self.text(name)
        if raw is None:
            return None
        try:
            return adapter.validate_python(raw)
        except ValidationError:
            raise ConfigError(f"{name} must be {must} (got {shown(raw)})") from None

    def flag(self, name: str) -> bool:
        return bool(self.parse(name, _FLAG, "1 or 0 (or true/false, yes/no, on/off)"))


def shown(raw: str) -> str:
    """A rejected value as a message shows it: quoted, and cut short."""
    return repr(raw if len(raw) <= 60 else raw[:57] + "...")


_FLAG = TypeAdapter(bool)  # pydantic's reading: 1/0, true/false, yes/no, on/off, t/f, y/n
_RATE = TypeAdapter(
    tuple[Annotated[float, Field(ge=0, allow_inf_nan=False)], Annotated[int, Field(ge=0)]]
)


def parse_rate_limit(text: str, what: str) -> tuple[float, int]:
    """`"2/50"` -> (2.0 requests drained a second, 50 allowed in a burst); `"2"` -> (2.0, 50);
    `"off"` -> (0.0, 0): no limit, as on an on-premise portal whose administrator set none."""
    if text.strip().lower() == "off":
        return 0.0, 0
    per_s, sep, burst = text.partition("/")
    try:
        return _RATE.validate_python((per_s.strip(), burst.strip() if sep else "50"))
    except ValidationError:
        raise ConfigError(
            f"{what} must look like 2/50 (requests a second/burst, numbers >= 0) or be off, "
            f"not {shown(text)}"
        ) from None
