"""Hand-written SQL that runs on PostgreSQL and SQLite alike.

The hot commands write in a handful of statements of their own (``services``) where the ORM
would build ten queries. A statement is ``(sql, params)`` with ``%s`` placeholders, run on
Django's connection: it joins the open transaction and is counted like any ORM query.
"""

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from django.db import connection
from django.utils.dateparse import parse_datetime

Statement = tuple[str, Sequence[Any]]


def one_row(sql: str, params: Sequence[Any]) -> dict[str, Any] | None:
    """The first row of a query (or of ``INSERT ... RETURNING``) by column name, or None."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        values = cursor.fetchone()
        if values is None:
            return None
        return dict(zip((column[0] for column in cursor.description), values, strict=True))


def dict_rows(sql: str, params: Sequence[Any]) -> list[dict[str, Any]]:
    """Every row of a query, by column name."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]


def all_rows(sql: str, params: Sequence[Any]) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def writes_together(statements: Iterable[Statement]) -> None:
    """Run independent writes: one statement on PostgreSQL, one after another on SQLite.

    PostgreSQL chains them as data-modifying CTEs (``WITH w0 AS (INSERT ...), w1 AS (UPDATE
    ...) INSERT ...``); SQLite has no data-modifying CTEs. Every part of one PostgreSQL
    statement sees the same snapshot, so no write may depend on another's effect, and no two
    may change the same row.
    """
    statements = list(statements)
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql" or len(statements) < 2:
            for sql, params in statements:
                cursor.execute(sql, params)
            return
        *leading, (last, _) = statements
        chain = ", ".join(f"w{n} AS ({sql})" for n, (sql, _) in enumerate(leading))
        cursor.execute(
            f"WITH {chain} {last}", [param for _, params in statements for param in params]
        )


def rows_after_writes(
    statements: Iterable[Statement], query: str, params: Sequence[Any]
) -> list[dict[str, Any]]:
    """Run independent writes, then a query that does not depend on them, and return its rows
    by column name: one statement on PostgreSQL (the writes as data-modifying CTEs before the
    query, which sees the rows as they were before them), one after another on SQLite."""
    statements = list(statements)
    if connection.vendor != "postgresql" or not statements:
        writes_together(statements)
        return dict_rows(query, params)
    chain = ", ".join(f"w{n} AS ({sql})" for n, (sql, _) in enumerate(statements))
    return dict_rows(
        f"WITH {chain} {query}", [*(param for _, ps in statements for param in ps), *params]
    )


def for_update_of(alias: str) -> str:
    """Lock the selected rows of ``alias`` only; SQLite has no row locks (it runs one writer
    at a time, from the transaction's first statement: settings' ``IMMEDIATE``)."""
    return f" FOR UPDATE OF {alias}" if connection.features.has_select_for_update_of else ""


def next_id(table: str) -> str:
    """An expression for the id the next row of ``table`` gets, to insert it with an id
    known beforehand (in the same statement as the rows that refer to it). PostgreSQL takes
    it from the id column's sequence; SQLite, one writer at a time, from its counter."""
    if connection.vendor == "postgresql":
        return f"nextval(pg_get_serial_sequence('{table}', 'id'))"
    return f"(SELECT COALESCE(MAX(seq), 0) + 1 FROM sqlite_sequence WHERE name = '{table}')"


def next_ids_distinct(ids: Sequence[int | None]) -> list[int | None]:
    """Ids read with ``next_id`` in one query, one for each row that needs one (None for the
    others), made distinct: PostgreSQL's sequence gave each row its own already; SQLite's
    counter gave every row the same first id, so they become first, first + 1, ...."""
    if connection.vendor == "postgresql":
        return list(ids)
    given = 0
    distinct: list[int | None] = []
    for new_id in ids:
        distinct.append(None if new_id is None else new_id + given)
        given += new_id is not None
    return distinct


def joined_text(expression: str) -> str:
    """The aggregate that joins ``expression`` of the rows with commas, in either dialect."""
    function = "string_agg" if connection.vendor == "postgresql" else "group_concat"
    return f"{function}({expression}, ',')"


def moment_param(moment: datetime) -> Any:
    """A timestamp as the database stores it (SQLite: naive UTC text, as the ORM writes it)."""
    return connection.ops.adapt_datetimefield_value(moment)


def moment(value: datetime | str | None) -> datetime | None:
    """A timestamp read by hand-written SQL, aware: SQLite gives naive UTC or text."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


def json_param(value: Any) -> Any:
    return connection.ops.adapt_json_value(value, None)


def json_value(value: Any) -> Any:
    """A JSON column read by hand-written SQL: text on both databases (Django's psycopg
    set-up reads jsonb as text, for JSONField to decode)."""
    return json.loads(value) if isinstance(value, str | bytes) else value
