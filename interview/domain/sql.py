"""Hand-written SQL that runs on PostgreSQL and SQLite alike.

The hot commands write in a handful of statements of their own (``services``) where the ORM
would build ten queries. A statement is ``(sql, params)`` run on Django's connection: it joins
the open transaction and is counted like any ORM query. A statement names its parameters
(``%(round_id)s`` with a dict), and its tables and columns come from the models' ``_meta``
(``names``), so that neither depends on the order of a list or on a spelling kept by hand.
"""

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from django.db import connection, models
from django.utils.dateparse import parse_datetime

# Every statement names its parameters (``%(name)s``): their order never depends on how the
# statement's text was put together.
Params = Mapping[str, Any]
Statement = tuple[str, Mapping[str, Any]]

_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


class Names:
    """A model's table and its fields' columns as the database names them (``_meta``):
    ``names.table``, and ``names.<field>`` for each concrete field, by its name or its
    attribute name (a foreign key ``participant`` and ``participant_id`` both give its
    column). An unknown field raises ``AttributeError``."""

    def __init__(self, model: type[models.Model]) -> None:
        self.table: str = model._meta.db_table
        self._columns = {}
        for field in model._meta.concrete_fields:
            self._columns[field.name] = self._columns[field.attname] = field.column
        self._model = model.__name__

    def __getattr__(self, name: str) -> str:
        columns = self.__dict__.get("_columns", {})
        if name not in columns:
            raise AttributeError(f"{self.__dict__.get('_model')} has no field {name!r}")
        return columns[name]


def names(model: type[models.Model]) -> Names:
    """The table and column names of ``model`` (``Names``)."""
    return Names(model)


def placeholders(sql: str) -> list[str]:
    """The names of the statement's ``%(name)s`` parameters, in order of appearance."""
    return _PLACEHOLDER.findall(sql)


def _checked(statement: Statement) -> Statement:
    """The statement, refused (``ValueError``) unless its parameters are a mapping that
    names every placeholder it has."""
    sql, params = statement
    if not isinstance(params, Mapping):
        raise ValueError(f"a chained statement names its parameters: {sql[:60]!r}")
    missing = set(placeholders(sql)) - set(params)
    if missing:
        raise ValueError(f"no value for {sorted(missing)} in {sql[:60]!r}")
    return statement


def _prefixed(statement: Statement, prefix: str) -> Statement:
    """The statement with each parameter renamed ``<prefix><name>``: statements chained into
    one cannot collide on a name, whatever names each chose."""
    sql, params = _checked(statement)
    renamed = _PLACEHOLDER.sub(lambda match: f"%({prefix}{match.group(1)})s", sql)
    return renamed, {f"{prefix}{name}": value for name, value in params.items()}


def one_row(sql: str, params: Params) -> dict[str, Any] | None:
    """The first row of a query (or of ``INSERT ... RETURNING``) by column name, or None."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        values = cursor.fetchone()
        if values is None:
            return None
        return dict(zip((column[0] for column in cursor.description), values, strict=True))


def dict_rows(sql: str, params: Params) -> list[dict[str, Any]]:
    """Every row of a query, by column name."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        columns = [column[0] for column in cursor.description]
        return [dict(zip(columns, values, strict=True)) for values in cursor.fetchall()]


def all_rows(sql: str, params: Params) -> list[tuple]:
    """Every row of a query, as tuples in the order of its columns."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _chain(statements: Sequence[Statement]) -> tuple[str, dict[str, Any]]:
    """``w0 AS (...), w1 AS (...)``: the statements as data-modifying CTEs, each one's
    parameters prefixed ``w<n>_``, and the parameters of all of them."""
    parts, params = [], {}
    for number, statement in enumerate(statements):
        sql, named = _prefixed(statement, f"w{number}_")
        parts.append(f"w{number} AS ({sql})")
        params |= named
    return ", ".join(parts), params


def writes_together(statements: Iterable[Statement]) -> None:
    """Run independent writes: one statement on PostgreSQL, one after another on SQLite.

    PostgreSQL chains them as data-modifying CTEs (``WITH w0 AS (INSERT ...), w1 AS (UPDATE
    ...) INSERT ...``); SQLite has no data-modifying CTEs. Every part of one PostgreSQL
    statement sees the same snapshot, so no write may depend on another's effect, and no two
    may change the same row. Each statement names its parameters (refused otherwise, on
    either database): chained, each one's names are prefixed with its place, so two that
    chose one name do not collide.
    """
    statements = [_checked(statement) for statement in statements]
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql" or len(statements) < 2:
            for sql, params in statements:
                cursor.execute(sql, params)
            return
        *leading, last = statements
        chain, params = _chain(leading)
        last_sql, last_params = _prefixed(last, f"w{len(leading)}_")
        cursor.execute(f"WITH {chain} {last_sql}", params | last_params)


def rows_after_writes(
    statements: Iterable[Statement], query: str, params: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """Run independent writes, then a query that does not depend on them, and return its rows
    by column name: one statement on PostgreSQL (the writes as data-modifying CTEs before the
    query, which sees the rows as they were before them), one after another on SQLite. The
    writes and the query name their parameters, as for ``writes_together``."""
    statements = [_checked(statement) for statement in statements]
    _checked((query, params))
    if connection.vendor != "postgresql" or not statements:
        writes_together(statements)
        return dict_rows(query, params)
    chain, chained = _chain(statements)
    query, params = _prefixed((query, params), "q_")
    return dict_rows(f"WITH {chain} {query}", chained | params)


def values_rows(rows: Sequence[Mapping[str, Any]], prefix: str = "v") -> Statement:
    """A multi-row ``VALUES`` list, ``(%(v0_a)s, %(v0_b)s), (%(v1_a)s, ...)``, with its
    parameters: row ``n``'s value of key ``k`` is named ``<prefix><n>_<k>``. Every row has the
    keys of the first, in its order (the columns the statement lists)."""
    keys = list(rows[0]) if rows else []
    tuples, params = [], {}
    for number, row in enumerate(rows):
        if list(row) != keys:
            raise ValueError(f"row {number} has keys {list(row)}, not {keys}")
        tuples.append(", ".join(f"%({prefix}{number}_{key})s" for key in keys))
        params |= {f"{prefix}{number}_{key}": value for key, value in row.items()}
    return ", ".join(f"({values})" for values in tuples), params


def for_update_of(alias: str) -> str:
    """Lock the selected rows of ``alias`` only; SQLite has no row locks (it runs one writer
    at a time, from the transaction's first statement: settings' ``IMMEDIATE``)."""
    return f" FOR UPDATE OF {alias}" if connection.features.has_select_for_update_of else ""


def next_id(model: type[models.Model]) -> str:
    """An expression for the id the next row of ``model``'s table gets, to insert it with an
    id known beforehand (in the same statement as the rows that refer to it). PostgreSQL takes
    it from the id column's sequence; SQLite, one writer at a time, from its counter."""
    table, pk = model._meta.db_table, model._meta.pk.column
    if connection.vendor == "postgresql":
        return f"nextval(pg_get_serial_sequence('{table}', '{pk}'))"
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
    """A value for a JSON column, as the database's adapter takes it."""
    return connection.ops.adapt_json_value(value, None)


def json_value(value: Any) -> Any:
    """A JSON column read by hand-written SQL: text on both databases (Django's psycopg
    set-up reads jsonb as text, for JSONField to decode)."""
    return json.loads(value) if isinstance(value, str | bytes) else value
