# pyright: strict
"""Date parsing and formatting in the portal's time zone.

The Scrum controllers accept a unix timestamp or anything PHP `strtotime` reads, and
answer `YYYY-MM-DDThh:mm:ss±hh:mm` in the portal's zone. The sandbox portal lives in
UTC+03:00 (a common zone for Bitrix24 clouds) so that clients meet a non-UTC offset.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from bitrix24_scrum_mcp.sandbox.php import is_numeric

PORTAL_TZ = timezone(timedelta(hours=3))

_ISO_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})"
    r"(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?$"
)


def parse_date(value: Any) -> int | None:
    """Timestamp for a numeric value or an ISO 8601 / `Y-m-d H:i:s` string; None if unreadable."""
    if isinstance(value, bool):
        return None
    if is_numeric(value):
        return int(float(value))
    if not isinstance(value, str):
        return None
    match = _ISO_RE.match(value.strip())
    if not match:
        return None
    year, month, day, hour, minute, second, offset = match.groups()
    tz = PORTAL_TZ if offset is None else _parse_offset(offset)
    try:
        moment = datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            tzinfo=tz,
        )
    except ValueError:
        return None
    return int(moment.timestamp())


_RELATIVE_RE = re.compile(
    r"^([+-]\s*\d+)\s*(second|sec|minute|min|hour|day|week)s?$", re.IGNORECASE
)
_UNIT_S = {
    "second": 1,
    "sec": 1,
    "minute": 60,
    "min": 60,
    "hour": 3600,
    "day": 86400,
    "week": 604800,
}
_DMY_RE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_MDY_RE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def php_date_field(value: Any, now: float) -> int:
    """`Sprint::formatDateField`: a number as is, a string through `strtotime`, and what
    `strtotime` cannot read as 0 (its `false`, coerced by the `?int` return type): such a
    sprint starts on 1970-01-01 without any error.

    Read here: numbers, ISO 8601 / `Y-m-d H:i:s`, `d.m.Y`, `m/d/Y`, `now`, `today`,
    `tomorrow`, `yesterday` and `+N day(s)`-style offsets; other `strtotime` forms
    ("next monday") give 0 here.
    """
    if is_numeric(value):
        return int(float(value))
    if not isinstance(value, str):
        return 0
    text = value.strip()
    stamp = parse_date(text)
    if stamp is not None:
        return stamp
    for pattern, order in ((_DMY_RE, (2, 1)), (_MDY_RE, (1, 2))):
        match = pattern.match(text)
        if match:
            day, month = int(match.group(order[1])), int(match.group(order[0]))
            return parse_date(f"{match.group(3)}-{month:02d}-{day:02d}") or 0
    midnight = datetime.fromtimestamp(now, PORTAL_TZ).replace(hour=0, minute=0, second=0)
    named = {
        "now": now,
        "today": midnight.timestamp(),
        "midnight": midnight.timestamp(),
        "tomorrow": midnight.timestamp() + 86400,
        "yesterday": midnight.timestamp() - 86400,
    }
    if text.lower() in named:
        return int(named[text.lower()])
    relative = _RELATIVE_RE.match(text)
    if relative:
        amount = int(relative.group(1).replace(" ", ""))
        return int(now) + amount * _UNIT_S[relative.group(2).lower()]
    return 0


def _parse_offset(text: str) -> timezone:
    if text == "Z":
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))


def format_date(timestamp: int | float | None) -> str:
    """`2024-09-09T09:00:00+03:00`; an unset date is rendered like PHP's epoch date."""
    moment = datetime.fromtimestamp(float(timestamp or 0), tz=PORTAL_TZ)
    return moment.isoformat(timespec="seconds")


def format_task_date(timestamp: int | float | None) -> str | None:
    """tasks.task.* dates: the same ISO form, or null when unset."""
    if not timestamp:
        return None
    return format_date(timestamp)
