"""Every hand-written statement, run on the database of the pass (SQLite and PostgreSQL alike),
and its effect: the helpers of ``interview.domain.sql`` and each statement the services
build. A statement read inside a service's locked read is run through that service."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from interview.domain import services, sql
from interview.domain.services import (
    _command,
    _rounds,
    _standings,
    answers,
    drafts,
    extra_time,
    rounds,
    scores,
    signals,
    verdicts,
)
from interview.models import (
    Answer,
    AnswerRevision,
    CommandReceipt,
    Draft,
    DraftSnapshot,
    Event,
    InterviewSession,
    Participant,
    PersonalDeadline,
    Question,
    Round,
    Score,
    SignalTally,
    Standing,
    Verdict,
)

from .factories import owner_seat, seat, session_for
from .services_kit import live, push  # noqa: F401 (fixture)


@pytest.fixture
def room(live):  # noqa: F811 (the fixture imported above)
    """``live`` (a panel of one, two candidates) with a round open."""
    session, panel, ann, ben = live
    return session, panel, ann, ben, push(session, panel)


def locked(session: InterviewSession, *args) -> dict:
    """``session_locked`` of a copy of the session, in a transaction of its own."""
    with transaction.atomic():
        return _command.session_locked(InterviewSession(pk=session.pk), *args)


def submitted(session, candidate, rnd, text: str = "mine") -> Answer:
    return services.answer_submit(
        session=session, participant=candidate, round_id=rnd.id, text=text
    )


# --- interview.domain.sql ------------------------------------------------------------------


@pytest.mark.django_db
def test_names_are_the_models_table_and_columns():
    names = sql.names(Answer)
    assert names.table == Answer._meta.db_table
    assert names.participant == names.participant_id == "participant_id"
    assert names.score_sum == Answer._meta.get_field("score_sum").column
    with pytest.raises(AttributeError):
        names.no_such_field  # noqa: B018


@pytest.mark.django_db
def test_values_rows_name_each_rows_parameters():
    values, params = sql.values_rows([{"a": 1, "b": 2}, {"a": 3, "b": 4}])
    assert values == "(%(v0_a)s, %(v0_b)s), (%(v1_a)s, %(v1_b)s)"
    assert params == {"v0_a": 1, "v0_b": 2, "v1_a": 3, "v1_b": 4}
    with pytest.raises(ValueError, match="keys"):
        sql.values_rows([{"a": 1}, {"b": 2}])


@pytest.mark.django_db
def test_statements_written_together_may_choose_the_same_names(room):
    _, _, ann, ben, _ = room
    p = sql.names(Participant)
    rename = f"UPDATE {p.table} SET {p.display_name} = %(name)s WHERE {p.id} = %(id)s"
    sql.writes_together(
        [(rename, {"name": "Anna", "id": ann.id}), (rename, {"name": "Benn", "id": ben.id})]
    )
    names = dict(
        Participant.objects.filter(pk__in=[ann.id, ben.id]).values_list("id", "display_name")
    )
    assert names == {ann.id: "Anna", ben.id: "Benn"}


@pytest.mark.django_db
def test_a_statement_without_named_parameters_or_a_value_for_each_is_refused(room):
    _, _, ann, _, _ = room
    p = sql.names(Participant)
    with pytest.raises(ValueError, match="names its parameters"):
        sql.writes_together([(f"UPDATE {p.table} SET {p.display_name} = %s", ["x"])])
    with pytest.raises(ValueError, match="no value"):
        sql.writes_together([(f"UPDATE {p.table} SET {p.display_name} = %(name)s", {})])
    with pytest.raises(ValueError, match="no value"):
        sql.rows_after_writes([], f"SELECT {p.id} FROM {p.table} WHERE {p.id} = %(id)s", {})
    assert Participant.objects.get(pk=ann.id).display_name == "Ann"


@pytest.mark.django_db
def test_a_query_after_writes_returns_its_rows_whatever_names_they_share(room):
    session, _, ann, _, _ = room
    p = sql.names(Participant)
    rows = sql.rows_after_writes(
        [
            (
                f"UPDATE {p.table} SET {p.display_name} = %(name)s WHERE {p.id} = %(id)s",
                {"name": "Anna", "id": ann.id},
            )
        ],
        f"SELECT {p.role} AS role FROM {p.table} WHERE {p.id} = %(id)s",
        {"id": owner_seat(session).id},
    )
    assert rows == [{"role": "interviewer"}]
    assert Participant.objects.get(pk=ann.id).display_name == "Anna"


@pytest.mark.django_db
def test_the_next_id_is_the_one_the_next_row_gets_and_ids_read_together_are_made_distinct(room):
    _, _, ann, _, rnd = room
    row = sql.one_row(f"SELECT {sql.next_id(Answer)} AS id", {})
    answer = Answer.objects.create(
        id=row["id"],
        round=rnd,
        participant=ann,
        text="t",
        first_submitted_at=timezone.now(),
        submitted_at=timezone.now(),
    )
    assert Answer.objects.get().id == answer.id
    distinct = sql.next_ids_distinct([7, None, 7 if sql.connection.vendor != "postgresql" else 8])
    assert distinct == [7, None, 8]


@pytest.mark.django_db
def test_joined_text_locks_and_moments_read_back_as_written(room):
    session, _, ann, ben, _ = room
    p, s = sql.names(Participant), sql.names(InterviewSession)
    pairs = sql.joined_text(f"c.{p.id} || '/' || c.{p.extra_time_pct}")
    joined = sql.one_row(
        f"SELECT {pairs} AS ids FROM {p.table} c WHERE c.{p.role} = %(role)s",
        {"role": "candidate"},
    )["ids"]
    assert sorted(_standings.int_pairs(joined)) == sorted([(ann.id, 0), (ben.id, 0)])
    with transaction.atomic():
        row = sql.one_row(
            f"SELECT s.{s.created_at} AS created_at FROM {s.table} s WHERE s.{s.id} = %(id)s"
            f"{sql.for_update_of('s')}",
            {"id": session.pk},
        )
    assert sql.moment(row["created_at"]) == InterviewSession.objects.get().created_at
    e = sql.names(Event)
    payload = sql.one_row(
        f"SELECT {e.payload} AS payload FROM {e.table} WHERE {e.session} = %(id)s",
        {"id": session.pk},
    )["payload"]
    assert sql.json_value(payload) == Event.objects.get().payload


# --- the locked session, the receipt, the events -------------------------------------------


@pytest.mark.django_db
def test_a_receipt_is_kept_and_its_command_id_read_back_as_a_repeat(room):
    session, _, ann, _, _ = room
    receipt = _command.Receipt(ann.id, "c-1", "answer.submit")
    sql.writes_together(receipt.record({"ok": 1}, timezone.now()))
    assert CommandReceipt.objects.get(command_id="c-1").result == {"ok": 1}
    with pytest.raises(_command.RepeatedCommandError) as repeat:
        locked(session, receipt)
    assert repeat.value.result == {"ok": 1}


@pytest.mark.django_db
def test_the_locked_read_gives_the_session_and_what_the_command_joins(room):
    session, _, ann, _, rnd = room
    row = locked(
        session,
        None,
        f"{_command.CANDIDATE_ROUND_COLUMNS}, c.id AS candidate_id",
        f"{_command.CANDIDATE_ROUND} {_command.CANDIDATE}",
        {
            "round_id": rnd.id,
            "participant_id": ann.id,
            "candidate_id": ann.id,
            **_command.CANDIDATE_PARAMS,
        },
    )
    assert (row["status"], row["last_seq"], row["round_id"], row["candidate_id"]) == (
        "live",
        1,
        rnd.id,
        ann.id,
    )
    assert row["own_deadline"] is None
    assert row["closed_at"] is None
    panel = locked(
        session,
        None,
        "c.id AS candidate_id",
        _command.CANDIDATE,
        {"candidate_id": owner_seat(session).id, **_command.CANDIDATE_PARAMS},
    )
    assert panel["candidate_id"] is None  # the panel is no candidate


@pytest.mark.django_db
def test_events_are_appended_after_the_last_and_the_session_takes_its_changes(room):
    session, *_ = room
    now = timezone.now()
    with transaction.atomic():
        copy = InterviewSession(pk=session.pk)
        _command.session_locked(copy, None)
        sql.writes_together(
            _command.events_append(
                copy,
                now,
                [("note.updated", {"a": 1}), ("note.updated", {"a": 2})],
                status="finished",
                finished_at=now,
            )
        )
    stored = InterviewSession.objects.get(pk=session.pk)
    assert (stored.last_seq, stored.status, stored.finished_at) == (3, "finished", now)
    assert list(Event.objects.filter(seq__gt=1).values_list("seq", "payload")) == [
        (2, {"a": 1}),
        (3, {"a": 2}),
    ]


# --- standings and rounds ---------------------------------------------------------------------


@pytest.mark.django_db
def test_a_push_asks_every_candidate_one_more_round_and_a_standing_changes_as_told(room):
    session, _, ann, _, _ = room
    Standing.objects.filter(participant=ann).update(total=3)
    sql.writes_together([_standings.asked_one_more(session.pk)])
    standing = Standing.objects.get(participant=ann)
    assert (standing.asked, standing.mean) == (2, 1.5)
    sql.writes_together([_standings.standing_changed(ann.id, answered_one_more=True, total=4.0)])
    standing.refresh_from_db()
    assert (standing.answered, standing.total) == (1, 4.0)


@pytest.mark.django_db
def test_the_open_round_is_read_with_its_extra_time_answers_and_closes(room):
    session, _, ann, _, rnd = room
    submitted(session, ann, rnd)
    Round.objects.filter(pk=rnd.pk).update(deadline=timezone.now() - timedelta(seconds=1))
    row = locked(
        session,
        None,
        f"{_rounds.OPEN_ROUND_COLUMNS}, {_rounds.EXTRA_TIME_ANSWERS}",
        _rounds.OPEN_ROUND,
    )
    assert (row["open_round_id"], row["extra_time_answers"]) == (rnd.id, 1)
    assert _rounds.open_round_due(row, timezone.now())
    sql.writes_together([_rounds.round_close_statement(rnd.id, "deadline", timezone.now())])
    assert Round.objects.get(pk=rnd.pk).close_reason == "deadline"


@pytest.mark.django_db
def test_personal_deadlines_are_inserted_and_moved_and_the_rounds_last_one_kept(room):
    _, _, ann, ben, rnd = room
    soon, later = rnd.deadline + timedelta(seconds=10), rnd.deadline + timedelta(seconds=20)
    sql.writes_together([_rounds.personal_deadlines_insert(rnd.id, {ann.id: soon, ben.id: soon})])
    sql.writes_together(
        [
            _rounds.personal_deadlines_insert(rnd.id, {ann.id: later}),
            extra_time.round_extended_until(rnd.id, later),
        ]
    )
    deadlines = dict(PersonalDeadline.objects.values_list("participant_id", "deadline"))
    assert deadlines == {ann.id: later, ben.id: soon}
    assert Round.objects.get(pk=rnd.pk).extended_until == later


@pytest.mark.django_db
def test_a_push_reads_the_question_and_inserts_the_round_that_copies_it(room):
    session, _, ann, _, rnd = room
    sql.writes_together([extra_time.accommodation_set(ann.id, 50)])
    assert Participant.objects.get(pk=ann.id).extra_time_pct == 50
    question = Question.objects.last()
    with transaction.atomic():
        copy = InterviewSession(pk=session.pk)
        row = rounds._push_read(copy, None, question.id)
        new, own = rounds._round_new(copy, row, None, timezone.now())
        # One open round per session: the open one closes first.
        sql.writes_together([_rounds.round_close_statement(rnd.id, "next_question", new.opened_at)])
        new_id = rounds._round_inserted(new, [])
    assert (row["open_round_id"], row["last_position"], row["title"]) == (rnd.id, 1, question.title)
    stored = Round.objects.get(pk=new_id)
    assert (stored.position, stored.key_points, stored.kind) == (
        2,
        question.key_points,
        question.kind,
    )
    assert own == {ann.id: new.deadline + timedelta(seconds=question.time_limit_s / 2)}


# --- answers, drafts, extra time ------------------------------------------------------------


@pytest.mark.django_db
def test_a_submit_reads_a_new_answers_id_then_inserts_updates_and_keeps_revisions(room):
    session, _, ann, _, rnd = room
    now = timezone.now()
    with transaction.atomic():
        row, _ = answers._submit_read(InterviewSession(pk=session.pk), None, rnd.id, ann.id)
        answer, upsert = answers._answer_upserted(row, rnd.id, ann, "first", {}, now)
        sql.writes_together([upsert, answers._revision_inserted(answer)])
    assert Answer.objects.get().id == answer.id == row["new_answer_id"]
    with transaction.atomic():
        row, _ = answers._submit_read(InterviewSession(pk=session.pk), None, rnd.id, ann.id)
        answer, upsert = answers._answer_upserted(row, rnd.id, ann, "second", {}, now)
        sql.writes_together([upsert, answers._revision_inserted(answer)])
    assert (row["answer_id"], row["revision"]) == (answer.id, 1)
    assert list(AnswerRevision.objects.values_list("revision", "text")) == [
        (1, "first"),
        (2, "second"),
    ]
    assert Answer.objects.get().text == "second"


@pytest.mark.django_db
def test_a_draft_is_upserted_with_its_snapshots_and_kept_at_the_close(room):
    _, _, ann, _, rnd = room
    now = timezone.now()
    empty = {"snapshot_at": None, "snapshots": None}
    sql.writes_together(drafts._draft_writes(rnd.id, ann.id, "typed", empty, now))
    sql.writes_together(
        drafts._draft_writes(
            rnd.id, ann.id, "typed more", {"snapshot_at": now, "snapshots": 1}, now
        )
    )
    assert Draft.objects.get().text == "typed more"
    assert list(DraftSnapshot.objects.values_list("text", flat=True)) == ["typed"]
    rows = drafts._drafts_to_keep(
        rnd.id, [_rounds.round_close_statement(rnd.id, "interviewer", now)]
    )
    assert Round.objects.get(pk=rnd.pk).closed_at is not None
    assert [(r["participant_id"], r["text"], r["answer_id"]) for r in rows] == [
        (ann.id, "typed more", None)
    ]
    answer, kept, _, _ = drafts._draft_kept(rows[0], rnd.id, [], rnd.deadline)
    sql.writes_together(drafts._kept_answers([answer], [kept]))
    stored = Answer.objects.get()
    assert (stored.id, stored.text, stored.at_close) == (
        rows[0]["new_answer_id"],
        "typed more",
        True,
    )
    assert AnswerRevision.objects.get().at_close


@pytest.mark.django_db
def test_an_extra_time_answer_is_read_at_the_close_and_its_mean_goes_to_the_room(room):
    session, panel, ann, _, rnd = room
    services.round_extend(session=session, participant=panel, participant_id=ann.id, seconds=60)
    Round.objects.filter(pk=rnd.pk).update(deadline=timezone.now() - timedelta(seconds=1))
    answer = submitted(session, ann, rnd)
    services.answer_score(session=session, participant=panel, answer_id=answer.id, score=6)
    (row,) = extra_time._extra_time_answers(rnd.id)
    assert (row["id"], row["shown_sum"], row["room_count"], bool(row["first_late"])) == (
        answer.id,
        6,
        0,
        True,
    )
    sql.writes_together(extra_time._extra_time_writes(row))
    answer.refresh_from_db()
    standing = Standing.objects.get(participant=ann)
    assert (answer.room_sum, answer.room_count, standing.answered, standing.total) == (6, 1, 1, 6.0)


# --- scores, signals, notes, verdicts -----------------------------------------------------


@pytest.mark.django_db
def test_a_score_reads_the_panel_then_writes_the_score_the_sums_and_the_standing(room):
    session, panel, ann, _, rnd = room
    answer = submitted(session, ann, rnd)
    now = timezone.now()
    with transaction.atomic():
        row = scores._score_read(InterviewSession(pk=session.pk), None, answer.id, panel.id)
        scored = scores._scored(row, 8)
        sql.writes_together(
            [
                scores._score_upserted(row, answer.id, panel.id, 8, "good", scored, now),
                *scores._sums_written(row, answer.id, panel.id, scored),
            ]
        )
    assert (row["author_id"], row["panel_size"], row["earlier_score"]) == (ann.id, 1, None)
    assert Score.objects.values_list("score", "feedback", "pending").get() == (8, "good", False)
    answer.refresh_from_db()
    assert (answer.score_sum, answer.shown_sum, answer.room_sum) == (8, 8, 8)
    assert Standing.objects.get(participant=ann).total == 8.0


@pytest.mark.django_db
def test_a_signal_tally_counts_stored_then_dropped_signals(room):
    session, _, ann, _, rnd = room
    sql.writes_together([signals.tally_counted(rnd.id, ann.id, True)])
    sql.writes_together([signals.tally_counted(rnd.id, ann.id, True)])
    sql.writes_together([signals.tally_counted(rnd.id, ann.id, False)])
    assert SignalTally.objects.values_list("stored", "dropped").get() == (2, 1)
    # The signal's locked read, through its service.
    assert services.signal_report(session=session, participant=ann, round_id=rnd.id, kind="blur")
    assert SignalTally.objects.values_list("stored", "dropped").get() == (3, 1)


@pytest.mark.django_db
def test_the_locked_reads_of_a_note_an_extension_an_accommodation_and_a_close(room):
    session, panel, ann, _, rnd = room
    answer = submitted(session, ann, rnd)
    note = services.note_save(session=session, participant=panel, text="n", answer_id=answer.id)
    assert (note["participant_id"], note["round_id"]) == (ann.id, rnd.id)
    due = services.round_extend(
        session=session, participant=panel, participant_id=ann.id, seconds=30
    )
    assert PersonalDeadline.objects.get().deadline == due
    services.participant_accommodate(
        session=session, participant=panel, participant_id=ann.id, extra_time_pct=25
    )
    assert Participant.objects.get(pk=ann.id).extra_time_pct == 25
    services.answer_draft(session=session, participant=ann, round_id=rnd.id, text="a draft")
    services.round_close(session=session, participant=panel)
    assert Round.objects.get(pk=rnd.pk).close_reason == "interviewer"
    assert Answer.objects.get().text == "a draft"  # newer than the submit: kept at the close
    services.session_finish(session=session, participant=panel)
    assert InterviewSession.objects.get(pk=session.pk).status == "finished"


@pytest.mark.django_db
def test_a_verdict_is_read_kept_and_a_disagreement_kept_beside_it(interviewer, bank):
    session = session_for(interviewer)
    panel, ann = owner_seat(session), seat(session, "Ann")
    exercise = Question.objects.filter(kind="exercise").first()
    rnd = services.round_open(session=session, participant=panel, question_id=exercise.id)
    answer = submitted(session, ann, rnd, "def f(): pass")
    total = len(exercise.examples) + len(exercise.tests)
    with transaction.atomic():
        row = verdicts._verdict_read(InterviewSession(pk=session.pk), None, answer.id, 1)
    assert (row["author_id"], row["kind"], row["verdict_id"]) == (ann.id, "exercise", None)
    verdict = {
        "answer_id": answer.id,
        "revision": 1,
        "passed": 1,
        "total": total,
        "failures": [],
        "by": panel.id,
    }
    writes, _ = verdicts._verdict_first(row, verdict, timezone.now())
    sql.writes_together(writes)
    kept = Verdict.objects.get()
    assert (kept.passed, kept.total, kept.by_id) == (1, total, panel.id)
    with transaction.atomic():
        row = verdicts._verdict_read(InterviewSession(pk=session.pk), None, answer.id, 1)
    writes, _ = verdicts._verdict_disagreed(
        row, verdict | {"passed": 0}, verdicts._kept_report(row), {}
    )
    sql.writes_together(writes)
    assert Verdict.objects.get().disagreement == {
        "by": panel.id,
        "passed": 0,
        "total": total,
        "failures": [],
    }
