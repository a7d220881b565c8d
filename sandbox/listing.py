# pyright: strict
"""List queries the way Bitrix24's ORM reads them: prefixed filter keys, order, select, pages.

Filter keys are `[prefix]FIELD` with the prefixes epic.list documents
(`= % > < != !% >= <= =% %= !=% !%=`), matched case-insensitively against the
UPPER_SNAKE field names; values are compared as `CSQLWhere` compares them. Anything the
ORM would throw on (an unknown field, a bad direction, an unreadable date) raises
`ListError`, which each list method answers in its own way. Pages hold 50 rows and start
at `start` rounded down to a multiple of 50 (`RestManager` builds a `PageNavigation`
with page `(int)(start/50)+1`); a negative `start` means 0, and `start=-1` also skips
the count.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from bitrix24_scrum_mcp.sandbox.dates import parse_date
from bitrix24_scrum_mcp.sandbox.php import as_items, to_int, to_str
from bitrix24_scrum_mcp.sandbox.store import Row, Store

PAGE_SIZE = 50
_KEY_RE = re.compile(r"^(!=%|!%=|!=|!%|>=|<=|=%|%=|!|=|%|>|<)?(.+)$")


class ListError(Exception):
    """The query could not be built; the portal's ORM would have thrown."""


@dataclass(frozen=True)
class Column:
    """A filterable field: its SQL, how values compare, and for a field reached through a
    join (`tasks.task.list`'s `STAGES_ID`) the `EXISTS` subquery, `{}` standing for the
    condition on `sql`."""

    sql: str
    kind: Literal["int", "str", "date"] = "int"
    exists: str = ""


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


# portal: `CSQLWhere::$operations`, the prefixes the ORM's array filter understands.
_OPERATIONS = {
    "!=%": "NM",
    "!%=": "NM",
    "!=": "NI",
    "!%": "NS",
    ">=": "GE",
    "<=": "LE",
    "=%": "M",
    "%=": "M",
    "=": "I",
    "%": "S",
    ">": "G",
    "<": "L",
    "!": "N",
    "": "E",
}
_COMPARE = {"G": ">", "L": "<", "GE": ">=", "LE": "<="}
_NEGATED = frozenset({"N", "NI", "NS", "NM"})


def _condition(columns: dict[str, Column], raw_key: str, value: Any) -> tuple[str, list[Any]]:
    """One filter key as `CSQLWhere` (which the ORM's array filter runs on) turns it into SQL.

    portal: a comparison (`> < >= <=`) with an array compares with its element `[0]`, and
    an array without one matches nothing (`1=0`); `=`/no prefix with an array is IN (an
    empty int array matches nothing, `!=` NOT IN of an empty one everything); text
    comparisons are case-insensitive; `%` is a substring (its `%`/`_` literal), no prefix
    and `=%` are LIKE patterns. An empty text array behaves as `['']`.
    """
    match = _KEY_RE.match(raw_key.strip())
    if not match:
        raise ListError(f"Bad filter key {raw_key}")
    operation = _OPERATIONS[match.group(1) or ""]
    column = _column(columns, match.group(2))
    sql, args = _match(column, operation, value)
    return (f"EXISTS ({column.exists.format(sql)})" if column.exists else sql), args


def _match(column: Column, operation: str, value: Any) -> tuple[str, list[Any]]:
    if not isinstance(value, dict | list):
        return _scalar(column, operation, value)
    items = dict(as_items(value))
    if operation in _COMPARE:
        if "0" not in items:
            return "1 = 0", []
        return _scalar(column, operation, items["0"])
    values = list(items.values())
    if column.kind != "str":
        if not values:
            return ("1 = 1" if operation in _NEGATED else "1 = 0"), []
        marks = ", ".join("?" for _ in values)
        keyword = "NOT IN" if operation in _NEGATED else "IN"
        return f"{column.sql} {keyword} ({marks})", [_value(column, v) for v in values]
    parts = [_scalar(column, operation, v, in_array=True) for v in values or [""]]
    joiner = " AND " if operation in _NEGATED else " OR "
    return "(" + joiner.join(sql for sql, _ in parts) + ")", [a for _, args in parts for a in args]


def _scalar(
    column: Column, operation: str, value: Any, *, in_array: bool = False
) -> tuple[str, list[Any]]:
    if isinstance(value, dict | list):
        raise ListError("nested value")
    sql = column.sql
    if operation in _COMPARE:
        return f"{sql} {_COMPARE[operation]} ?", [_value(column, value)]
    negate = operation in _NEGATED
    if column.kind != "str":
        number = _value(column, value)
        if number == 0 and column.kind == "int":  # CSQLWhere: 0 also matches NULL
            return (
                f"({sql} IS NOT NULL AND {sql} <> 0)" if negate else f"({sql} IS NULL OR {sql} = 0)"
            ), []
        return f"{sql} {'<>' if negate else '='} ?", [number]
    text = to_str(value)
    if text == "" and not (in_array and operation in ("S", "NS")):
        return f"{sql} {'<>' if negate else '='} ''", []
    if operation in ("I", "NI") or (operation in ("E", "M", "N", "NM") and text.isdigit()):
        return f"{sql} {'<>' if negate else '='} ? COLLATE NOCASE", [text]
    if operation in ("S", "NS"):
        pattern = "%" + re.sub(r"([!_%])", r"!\1", text) + "%"
        return f"{sql} {'NOT LIKE' if negate else 'LIKE'} ? ESCAPE '!'", [pattern]
    return f"{sql} {'NOT LIKE' if negate else 'LIKE'} ?", [text]


def _value(column: Column, value: Any) -> Any:
    if column.kind == "int":
        return to_int(value)  # portal: CSQLWhere::addIntFilter applies intval()
    if column.kind == "date":
        stamp = parse_date(value)
        if stamp is None:
            raise ListError("not a date")
        return stamp
    return to_str(value)


def _order(columns: dict[str, Column], order: Any) -> str:
    """portal: `Query::setOrder`: a scalar is a one-item list; a numeric key means "this
    field, ASC"; a direction must be a string, ASC or DESC in any case."""
    if order in (None, ""):
        order = []
    elif not isinstance(order, dict | list):
        order = [order]
    parts: list[str] = []
    for name, direction in as_items(order):
        if name.isdigit():
            name, direction = to_str(direction), "ASC"
        column = _column(columns, name)
        if column.exists:
            raise ListError(f"Cannot order by {name}")
        if not isinstance(direction, str) or direction.upper() not in ("ASC", "DESC"):
            raise ListError(f"Bad direction {direction}")
        parts.append(f"{column.sql} {direction.upper()}")
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
    """(offset, count_total) for a `start` parameter: `start` rounded down to a multiple of
    50, 0 when negative; `start=-1` means no total."""
    offset = to_int(start) if start is not None else 0
    if offset == -1:
        return 0, False
    return max(offset, 0) // PAGE_SIZE * PAGE_SIZE, True


def fetch_rows(
    store: Store,
    table: str,
    query: ListQuery,
    offset: int,
    base_where: Sequence[str] = (),
    base_args: Sequence[Any] = (),
) -> list[Row]:
    """The rows of one page (at most 50) from `offset`."""
    where_sql = _where_sql([*base_where, *query.where])
    return store.all(
        f"SELECT * FROM {table}{where_sql} ORDER BY {query.order_sql} LIMIT ? OFFSET ?",
        [*base_args, *query.args, PAGE_SIZE, offset],
    )


def fetch_page(
    store: Store,
    table: str,
    query: ListQuery,
    start: Any,
    base_where: Sequence[str] = (),
    base_args: Sequence[Any] = (),
) -> tuple[list[Row], int | None, int | None]:
    """Rows of one page, the total (None for start=-1) and the next offset (None on the last)."""
    offset, count = page_bounds(start)
    rows = fetch_rows(store, table, query, offset, base_where, base_args)
    if not count:
        return rows, None, None
    where_sql = _where_sql([*base_where, *query.where])
    args = [*base_args, *query.args]
    total = int(store.scalar(f"SELECT COUNT(*) FROM {table}{where_sql}", args) or 0)
    # portal: `next` = offset + the rows of this page, when that is below the total.
    next_offset = offset + len(rows) if offset + len(rows) < total else None
    return rows, total, next_offset


def _where_sql(clauses: Sequence[str]) -> str:
    return f" WHERE {' AND '.join(clauses)}" if clauses else ""
