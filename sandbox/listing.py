"""List queries the way Bitrix24's ORM reads them: prefixed filter keys, order, select, pages.

Filter keys are `[prefix]FIELD` with the prefixes epic.list documents
(`= % > < != !% >= <= =% %= !=% !%=`), matched case-insensitively against the
UPPER_SNAKE field names. Anything the ORM would throw on (an unknown field, a bad
direction, a value of the wrong kind) raises `ListError`, which the Scrum list methods
report as "Could not load list". Pages hold 50 rows; `start=-1` skips the count.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from bitrix24_scrum_mcp.sandbox.dates import parse_date
from bitrix24_scrum_mcp.sandbox.php import as_items, is_numeric, to_int, to_str
from bitrix24_scrum_mcp.sandbox.store import Row, Store

PAGE_SIZE = 50
_KEY_RE = re.compile(r"^(!=%|!%=|!=|!%|>=|<=|=%|%=|!|=|%|>|<)?(.+)$")


class ListError(Exception):
    """The query could not be built; the portal's ORM would have thrown."""


@dataclass(frozen=True)
class Column:
    sql: str
    kind: Literal["int", "str", "date"] = "int"


@dataclass
class ListQuery:
    """A parsed filter/order/select over one table."""

    where: list[str]
    args: list[Any]
    order_sql: str
    selected: set[str]


def build(columns: dict[str, Column], filter_: Any, order: Any, select: Any) -> ListQuery:
    where: list[str] = []
    args: list[Any] = []
    if filter_ not in (None, "") and not isinstance(filter_, dict | list):
        raise ListError("filter must be an array")
    for raw_key, value in as_items(filter_):
        if raw_key.upper() == "LOGIC":
            continue
        clause, clause_args = _condition(columns, raw_key, value)
        where.append(clause)
        args.extend(clause_args)
    return ListQuery(where, args, _order(columns, order), _select(columns, select))


def _column(columns: dict[str, Column], name: str) -> Column:
    column = columns.get(name.strip().upper())
    if column is None:
        raise ListError(f"Unknown field {name}")
    return column


def _value(column: Column, value: Any) -> Any:
    if isinstance(value, dict | list):
        raise ListError("nested value")
    if column.kind == "int":
        if value not in (None, "") and not is_numeric(value):
            raise ListError("not a number")
        return to_int(value)
    if column.kind == "date":
        stamp = parse_date(value)
        if stamp is None:
            raise ListError("not a date")
        return stamp
    return to_str(value)


def _condition(columns: dict[str, Column], raw_key: str, value: Any) -> tuple[str, list[Any]]:
    match = _KEY_RE.match(raw_key.strip())
    if not match:
        raise ListError(f"Bad filter key {raw_key}")
    op, name = match.group(1) or "", match.group(2)
    column = _column(columns, name)
    values = [v for _, v in as_items(value)] if isinstance(value, dict | list) else [value]
    negate = op.startswith("!")
    core = op.lstrip("!")
    if core in ("", "=") and isinstance(value, dict | list):
        if not values:
            return ("1 = 1" if negate else "1 = 0"), []
        marks = ", ".join("?" for _ in values)
        keyword = "NOT IN" if negate else "IN"
        return f"{column.sql} {keyword} ({marks})", [_value(column, v) for v in values]
    parts: list[str] = []
    args: list[Any] = []
    for item in values:
        sql, arg = _single(column, core, item)
        parts.append(sql)
        args.append(arg)
    joined = "(" + " OR ".join(parts) + ")"
    return (f"NOT {joined}" if negate else joined), args


def _single(column: Column, core: str, item: Any) -> tuple[str, Any]:
    if core == "" and isinstance(item, str) and "%" in item:
        core = "=%"
    if core in ("", "="):
        return f"{column.sql} = ?", _value(column, item)
    if core in (">", "<", ">=", "<="):
        return f"{column.sql} {core} ?", _value(column, item)
    if core == "%":
        return f"CAST({column.sql} AS TEXT) LIKE '%' || ? || '%'", to_str(item)
    if core in ("=%", "%="):
        return f"CAST({column.sql} AS TEXT) LIKE ?", to_str(item)
    raise ListError(f"Bad operator {core}")


def _order(columns: dict[str, Column], order: Any) -> str:
    if order not in (None, "") and not isinstance(order, dict | list):
        raise ListError("order must be an array")
    parts: list[str] = []
    for name, direction in as_items(order):
        column = _column(columns, name)
        word = to_str(direction).strip().upper()
        if word not in ("ASC", "DESC"):
            raise ListError(f"Bad direction {direction}")
        parts.append(f"{column.sql} {word}")
    parts.append("id ASC")
    return ", ".join(parts)


def _select(columns: dict[str, Column], select: Any) -> set[str]:
    if select not in (None, "") and not isinstance(select, dict | list):
        raise ListError("select must be an array")
    names = [to_str(v).strip() for _, v in as_items(select)]
    if not names or "*" in names:
        return set(columns)
    for name in names:
        _column(columns, name)
    return {name.upper() for name in names}


def page_bounds(start: Any) -> tuple[int, bool]:
    """(offset, count_total) for a `start` parameter; `start=-1` means no total."""
    offset = to_int(start) if start is not None else 0
    if offset == -1:
        return 0, False
    return max(offset, 0), True


def fetch_page(
    store: Store,
    table: str,
    query: ListQuery,
    start: Any,
    base_where: Sequence[str] = (),
    base_args: Sequence[Any] = (),
) -> tuple[list[Row], int | None, int | None]:
    """Rows of one page, the total (None for start=-1) and the next offset (None on the last)."""
    clauses = [*base_where, *query.where]
    args = [*base_args, *query.args]
    where_sql = f" WHERE {' AND '.join(clauses)}" if clauses else ""
    offset, count = page_bounds(start)
    rows = store.all(
        f"SELECT * FROM {table}{where_sql} ORDER BY {query.order_sql} LIMIT ? OFFSET ?",
        [*args, PAGE_SIZE, offset],
    )
    if not count:
        return rows, None, None
    total = int(store.scalar(f"SELECT COUNT(*) FROM {table}{where_sql}", args) or 0)
    next_offset = offset + PAGE_SIZE if offset + PAGE_SIZE < total else None
    return rows, total, next_offset
