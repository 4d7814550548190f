"""The leaderboard's kept standings: the arithmetic of totals and means, and the statements
that move a candidate's standing."""

from collections.abc import Iterable
from fractions import Fraction
from typing import Any

from interview.domain import sql
from interview.models import Standing

ST = sql.names(Standing)


def total_of(means: Iterable[tuple[int, int]]) -> float:
    """A candidate's total: the exact sum of their answers' means (score sum over count),
    rounded to 6 places, so equal sums are equal whatever order the scores came in."""
    return round(float(sum((Fraction(total, count) for total, count in means), Fraction(0))), 6)


def int_pairs(joined: str | None) -> list[tuple[int, int]]:
    """``a/b`` pairs of integers as ``sql.joined_text`` gives them."""
    if not joined:
        return []
    return [(int(a), int(b)) for a, b in (pair.split("/") for pair in joined.split(","))]


def ranking_mean(total: float, asked: int) -> float:
    """A candidate's mean for the ``mean`` ranking: their total over the rounds asked while
    they were present, 0 before any. Computed from the total in millionths (as kept) and the
    count, both exact, by one division, as a push computes it in SQL (``asked_one_more``):
    equal quotients give equal floats, whatever the totals and counts that make them."""
    if not asked:
        return 0.0
    return round(total * 1_000_000) / asked / 1_000_000


def asked_one_more(session_id: int) -> sql.Statement:
    """Every candidate of the session present for one more round, at a push: ``asked`` one
    more, and the mean recomputed over it as ``ranking_mean`` computes it."""
    return (
        f"UPDATE {ST.table} SET {ST.asked} = {ST.asked} + 1,"
        f" {ST.mean} = ROUND({ST.total} * 1000000) / ({ST.asked} + 1)"
        " / CAST(1000000 AS DOUBLE PRECISION)"
        f" WHERE {ST.session} = %(session_id)s",
        {"session_id": session_id},
    )


def standing_changed(
    participant_id: int, *, answered_one_more: bool = False, **values: Any
) -> sql.Statement:
    """One statement that changes a candidate's standing: ``answered`` one more if
    ``answered_one_more``, and each field named in ``values`` set to its value."""
    assignments = [f"{ST.answered} = {ST.answered} + 1"] if answered_one_more else []
    assignments += [f"{getattr(ST, field)} = %(set_{field})s" for field in values]
    return (
        f"UPDATE {ST.table} SET {', '.join(assignments)}"
        f" WHERE {ST.participant} = %(participant_id)s",
        {
            **{f"set_{field}": value for field, value in values.items()},
            "participant_id": participant_id,
        },
    )
