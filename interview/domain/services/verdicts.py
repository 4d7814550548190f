"""Verdicts: how a revision of an exercise's answer fared against the round's tests, as a
panel member's browser ran them."""

import logging
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from interview.content.verdicts import suggested_with_tests, verdicts_agree
from interview.domain import sql
from interview.domain.errors import Refusal
from interview.domain.protocol import EventType
from interview.domain.services._command import (
    Receipt,
    S,
    events_append,
    recorded,
    session_locked,
)
from interview.domain.visibility import VERDICT_SHOWN
from interview.models import (
    Answer,
    AnswerRevision,
    InterviewSession,
    Participant,
    Question,
    Round,
    Verdict,
)

log = logging.getLogger(__name__)

A = sql.names(Answer)
AR = sql.names(AnswerRevision)
R = sql.names(Round)
V = sql.names(Verdict)


@transaction.atomic
def answer_verdict(
    *,
    session: InterviewSession,
    participant: Participant,
    answer_id: int,
    revision: int,
    passed: int,
    total: int,
    failures: list[dict],
    receipt: Receipt | None = None,
) -> dict:
    """Keep a panel member's verdict on a revision of an exercise's answer: how many of the
    round's examples and hidden tests it passed, and the failing ones. The server runs no
    candidate code: the verdict is as trustworthy as the browser that computed it.

    The first verdict for a revision is kept (``Verdict``) and told in ``answer.verdict``: to
    the panel, and with its pass count to the room as well if the session shows verdicts
    (``visibility.VERDICT_SHOWN``). A later one that agrees (``verdicts_agree``) changes
    nothing; one that disagrees is logged, kept as the verdict's ``disagreement`` and told
    to the panel alone. Taken after the finish too: the drafts the finish keeps are judged
    after it. ``total`` must be the round's count of examples and hidden tests.

    Statements: the locked session with the answer, its round, the revision and its kept
    verdict; the verdict (or its disagreement), the event and the receipt together.
    """
    row = _verdict_read(session, receipt, answer_id, revision)
    _refuse_a_verdict(row, answer_id, revision, total)
    now = timezone.now()
    coverage = sql.json_value(row["coverage"]) or {}
    report = {"passed": passed, "total": total, "failures": failures}
    verdict = {
        "answer_id": answer_id,
        "participant_id": row["author_id"],
        "round_id": row["round_id"],
        "revision": revision,
        **report,
        "by": participant.id,
        "suggested_score": suggested_with_tests(coverage.get("suggested_score"), passed, total),
    }
    result = {"answer_id": answer_id, "revision": revision, "passed": passed, "total": total}
    if row["verdict_id"] is None:
        writes, event = _verdict_first(row, verdict, now)
        result |= {"kept": True, "agrees": True}
    else:
        kept = _kept_report(row)
        result |= {"passed": kept["passed"], "total": kept["total"], "kept": False}
        if verdicts_agree(kept, report):
            sql.writes_together(recorded(receipt, result | {"agrees": True}, now))
            return result | {"agrees": True}
        writes, event = _verdict_disagreed(row, verdict, kept, coverage)
        result |= {"agrees": False}
    sql.writes_together(
        [
            *writes,
            *events_append(session, now, [(EventType.ANSWER_VERDICT, event)]),
            *recorded(receipt, result, now),
        ]
    )
    return result


def _kept_report(row: dict[str, Any]) -> dict[str, Any]:
    """The kept verdict's pass count, total and failures, as a report."""
    return {
        "passed": row["kept_passed"],
        "total": row["kept_total"],
        "failures": sql.json_value(row["kept_failures"]) or [],
    }


def _verdict_read(
    session: InterviewSession, receipt: Receipt | None, answer_id: int, revision: int
) -> dict[str, Any]:
    """The locked session (whether it shows verdicts) with the answer (``author_id`` None if
    it is not of this session), its round's kind, tests and deadline, the revision and the
    verdict kept for it."""
    return session_locked(
        session,
        receipt,
        f"s.{S.show_verdicts} AS show_verdicts, a.{A.participant} AS author_id,"
        f" a.{A.round} AS round_id, r.{R.kind} AS kind, r.{R.examples} AS examples,"
        f" r.{R.tests} AS tests, r.{R.deadline} AS deadline, r.{R.closed_at} AS closed_at,"
        f" ar.{AR.submitted_at} AS revision_submitted_at, ar.{AR.coverage} AS coverage,"
        f" v.{V.id} AS verdict_id, v.{V.passed} AS kept_passed, v.{V.total} AS kept_total,"
        f" v.{V.failures} AS kept_failures, v.{V.by} AS kept_by",
        f"LEFT JOIN ({A.table} a JOIN {R.table} r ON r.{R.id} = a.{A.round})"
        f" ON a.{A.id} = %(answer_id)s AND r.{R.session} = s.{S.id}"
        f" LEFT JOIN {AR.table} ar ON ar.{AR.answer} = a.{A.id}"
        f" AND ar.{AR.revision} = %(revision)s"
        f" LEFT JOIN {V.table} v ON v.{V.answer} = a.{A.id} AND v.{V.revision} = %(revision)s",
        {"answer_id": answer_id, "revision": revision},
    )


def _refuse_a_verdict(row: dict[str, Any], answer_id: int, revision: int, total: int) -> None:
    """Refuse a verdict on an answer not of this session or with no such revision
    (``not_found``), on an answer to anything but an exercise, or with a ``total`` other
    than the round's count of examples and hidden tests (``invalid``)."""
    if row["author_id"] is None:
        raise Refusal("not_found", f"No answer {answer_id} in this session.")
    if row["kind"] != Question.Kind.EXERCISE:
        raise Refusal("invalid", f"Answer {answer_id} is not to an exercise: no tests.")
    if row["revision_submitted_at"] is None:
        raise Refusal("not_found", f"Answer {answer_id} has no revision {revision}.")
    tests = len(sql.json_value(row["examples"]) or []) + len(sql.json_value(row["tests"]) or [])
    if total != tests:
        raise Refusal("invalid", f"total: the round has {tests} tests, examples included.")


def _verdict_first(
    row: dict[str, Any], verdict: dict[str, Any], now: datetime
) -> tuple[list[sql.Statement], dict[str, Any]]:
    """The revision's first verdict: its insert, and its event, shown to the room if the
    session shows verdicts and the revision came by the round's deadline (one given later
    stays the panel's even after the close, or the room would learn who had extra time)."""
    insert = (
        f"INSERT INTO {V.table} ({V.answer}, {V.revision}, {V.passed}, {V.total},"
        f" {V.failures}, {V.by}, {V.created_at}) VALUES (%(answer_id)s, %(revision)s,"
        " %(passed)s, %(total)s, %(failures)s, %(by_id)s, %(created_at)s)",
        {
            "answer_id": verdict["answer_id"],
            "revision": verdict["revision"],
            "passed": verdict["passed"],
            "total": verdict["total"],
            "failures": sql.json_param(verdict["failures"]),
            "by_id": verdict["by"],
            "created_at": sql.moment_param(now),
        },
    )
    on_time = sql.moment(row["revision_submitted_at"]) <= sql.moment(row["deadline"])
    return [insert], {**verdict, VERDICT_SHOWN: bool(row["show_verdicts"]) and on_time}


def _verdict_disagreed(
    row: dict[str, Any], verdict: dict[str, Any], kept: dict[str, Any], coverage: dict
) -> tuple[list[sql.Statement], dict[str, Any]]:
    """A verdict that disagrees with the kept one: logged, kept as its ``disagreement``, and
    told to the panel as the kept verdict with the disagreement beside it."""
    log.warning(
        "verdicts disagree on answer %s revision %s: %s/%s kept (by %s), %s/%s from %s",
        verdict["answer_id"],
        verdict["revision"],
        kept["passed"],
        kept["total"],
        row["kept_by"],
        verdict["passed"],
        verdict["total"],
        verdict["by"],
    )
    report = {key: verdict[key] for key in ("passed", "total", "failures")}
    disagreement = {"by": verdict["by"], **report}
    update = (
        f"UPDATE {V.table} SET {V.disagreement} = %(disagreement)s WHERE {V.id} = %(verdict_id)s",
        {"disagreement": sql.json_param(disagreement), "verdict_id": row["verdict_id"]},
    )
    suggested = suggested_with_tests(coverage.get("suggested_score"), kept["passed"], kept["total"])
    event = {
        **verdict,
        **kept,
        "by": row["kept_by"],
        "suggested_score": suggested,
        "disagreement": disagreement,
    }
    return [update], event
