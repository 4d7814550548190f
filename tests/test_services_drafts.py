"""Services of drafts: nothing typed is lost, whatever was submitted and however the round
closed."""

from collections import defaultdict
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from interview.content.coverage import coverage_of
from interview.domain import services
from interview.domain.protocol import CommandType
from interview.domain.standings import leaderboard_for
from interview.models import (
    Answer,
    AnswerRevision,
    Draft,
    DraftSnapshot,
    Event,
    Question,
    Round,
    Standing,
)

from .factories import owner_seat, seat, session_for
from .services_kit import (
    RankingFromScratch,
    _into_extra_time,
    command,
    extend,
    kept,
    live,  # noqa: F401 (fixture)
    push,
    refused,
    refused_submit,
    statements_of,
    submit,
)


def from_scratch(session, panel, candidates) -> list[dict]:
    """The leaderboard computed from every score, of a session whose candidates all joined
    before its first push, scored by a panel of one."""
    model = RankingFromScratch("total", [panel.id])
    for candidate in candidates:
        model.join(candidate.id)
    for _ in range(session.rounds.count()):
        model.push()
    for answer in Answer.objects.filter(round__session=session):
        model.submit(answer.id, answer.participant_id)
        for score in answer.scores.all():
            model.score(answer.id, score.interviewer_id, score.score)
    return model.leaderboard(session)


def draft(session, candidate, rnd, text: str) -> None:
    services.answer_draft(session=session, participant=candidate, round_id=rnd.id, text=text)


def close_by_bell(session, panel, rnd) -> None:
    Round.objects.filter(pk=rnd.pk).update(deadline=timezone.now())
    assert services.rounds_close_due(session_id=session.id) == 1


# Every way a round closes, each keeping the drafts alike.
CLOSES = {
    "bell": close_by_bell,
    "next push": lambda session, panel, rnd: push(session, panel),
    "interviewer": lambda session, panel, rnd: services.round_close(
        session=session, participant=panel
    ),
    "finish": lambda session, panel, rnd: services.session_finish(
        session=session, participant=panel
    ),
}


@pytest.mark.django_db
def test_the_latest_draft_is_one_row_per_candidate_and_round_and_an_event_for_the_panel(live):
    session, panel, ann, ben = live
    rnd = push(session, panel)
    for text in ("def f", "def f():", "def f():\n    return 1"):
        draft(session, ann, rnd, text)
    draft(session, ben, rnd, "SELECT 1")
    assert sorted(Draft.objects.values_list("participant_id", "text")) == [
        (ann.id, "def f():\n    return 1"),
        (ben.id, "SELECT 1"),
    ]
    drafted = Event.objects.filter(type="answer.drafted").order_by("seq")
    assert {event.audience for event in drafted} == {"interviewers"}
    assert [event.payload["text"] for event in drafted][-2:] == [
        "def f():\n    return 1",
        "SELECT 1",
    ]
    assert set(drafted.last().payload) == {"round_id", "participant_id", "text", "at"}
    assert not Answer.objects.exists()


@pytest.mark.django_db
def test_a_draft_is_refused_like_an_answer_after_the_candidates_own_deadline(live):
    session, panel, ann, ben = live
    rnd = push(session, panel, time_limit_s=60)
    extend(session, panel, ann, 90)
    Round.objects.filter(pk=rnd.pk).update(deadline=timezone.now() - timedelta(seconds=1))
    draft(session, ann, rnd, "still typing in my own time")
    assert (
        refused(services.answer_draft, session=session, participant=ben, round_id=rnd.id, text="x")
        == refused_submit(session, ben, rnd)
        == "round_closed"
    )
    other = session_for(ann.session.owner, title="Another")
    foreign = push(other, owner_seat(other))
    assert (
        refused(
            services.answer_draft, session=session, participant=ann, round_id=foreign.id, text=""
        )
        == "not_found"
    )
    assert list(Draft.objects.values_list("participant_id", flat=True)) == [ann.id]


@pytest.mark.django_db
@pytest.mark.parametrize("close", CLOSES)
def test_a_draft_newer_than_the_last_revision_is_the_final_answer_at_every_close(live, close):
    session, panel, ann, ben = live
    cy, dee = seat(session, "Cy"), seat(session, "Dee")
    rnd = push(session, panel)
    draft(session, ann, rnd, "half")
    draft(session, ann, rnd, rnd.model_answer)  # never submitted
    submit(session, ben, rnd, "first thought")
    draft(session, ben, rnd, "second thought")  # typed after the submit, never submitted
    draft(session, cy, rnd, "same")
    submit(session, cy, rnd, "same")  # submitted after the draft: the draft is older
    draft(session, dee, rnd, "   \n")  # blank: nothing to keep
    before = Event.objects.filter(session=session).count()

    CLOSES[close](session, panel, rnd)

    answers = {a.participant_id: a for a in Answer.objects.filter(round=rnd)}
    assert set(answers) == {ann.id, ben.id, cy.id}
    assert (answers[ann.id].text, answers[ann.id].revision) == (rnd.model_answer, 1)
    assert (answers[ben.id].text, answers[ben.id].revision) == ("second thought", 2)
    assert (answers[cy.id].text, answers[cy.id].revision) == ("same", 1)
    assert [answers[p.id].at_close for p in (ann, ben, cy)] == [True, True, False]
    # Its coverage, as for any answer: the model answer covers the key points.
    assert answers[ann.id].coverage == coverage_of(rnd.model_answer, rnd.key_points)
    assert answers[ann.id].coverage["suggested_score"] is not None
    assert list(
        AnswerRevision.objects.filter(answer=answers[ben.id]).values_list("text", "at_close")
    ) == [("first thought", False), ("second thought", True)]
    # The kept revisions are timed when their drafts were saved, and told before the close.
    saved = dict(Draft.objects.values_list("participant_id", "saved_at"))
    assert answers[ann.id].submitted_at == saved[ann.id]
    closing = list(
        Event.objects.filter(session=session, seq__gt=before)
        .order_by("seq")
        .values_list("type", "payload")
    )
    assert [kind for kind, _ in closing][:3] == [
        "answer.submitted",
        "answer.submitted",
        "round.closed",
    ]
    kept = [payload for kind, payload in closing if payload.get("at_close")]
    assert [(p["participant_id"], p["revision"], p["text"]) for p in kept] == [
        (ann.id, 1, rnd.model_answer),
        (ben.id, 2, "second thought"),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("close", ["bell", "next push", "interviewer"])
def test_an_answer_kept_at_the_close_is_scored_like_any(live, close):
    session, panel, ann, ben = live
    rnd = push(session, panel)
    submit(session, ann, rnd, "a")
    ann_answer = Answer.objects.get(participant=ann)
    services.answer_score(session=session, participant=panel, answer_id=ann_answer.id, score=6)
    draft(session, ben, rnd, "b")
    draft(session, ann, rnd, "a, and more")
    CLOSES[close](session, panel, rnd)
    ben_answer = Answer.objects.get(participant=ben)
    assert (
        services.answer_score(session=session, participant=panel, answer_id=ben_answer.id, score=6)
        == 6
    )
    # The same total: the earlier last revision ranks higher, and Ann's moved to her draft's.
    ann_answer.refresh_from_db()
    assert (ann_answer.revision, ann_answer.at_close) == (2, True)
    assert ann_answer.submitted_at > ben_answer.submitted_at
    assert kept(session) == from_scratch(session, panel, (ann, ben))
    assert [row.participant_id for row in leaderboard_for(session)] == [ben.id, ann.id]


@pytest.mark.django_db
def test_the_finish_keeps_a_draft_and_its_leaderboard_reads_the_tie_break_it_moved(live):
    session, panel, ann, ben = live
    rnd = push(session, panel)
    for candidate in (ann, ben):
        submit(session, candidate, rnd, "x")
        answer = Answer.objects.get(participant=candidate)
        services.answer_score(session=session, participant=panel, answer_id=answer.id, score=5)
    draft(session, ann, rnd, "x, and more")  # Ann's last revision now comes after Ben's
    services.session_finish(session=session, participant=panel)
    finished = Event.objects.get(type="session.finished").payload["leaderboard"]
    assert [row["participant_id"] for row in finished] == [ben.id, ann.id]
    assert finished == kept(session) == from_scratch(session, panel, (ann, ben))


@pytest.mark.django_db
def test_a_draft_in_the_candidates_extra_time_is_kept_for_the_panel_and_its_author(live):
    session, panel, ann, _ = live
    rnd = push(session, panel, time_limit_s=60)
    extend(session, panel, ann, 90)
    Round.objects.filter(pk=rnd.pk).update(deadline=timezone.now() - timedelta(seconds=1))
    draft(session, ann, rnd, "in my own time")
    services.round_close(session=session, participant=panel)
    submitted = Event.objects.get(type="answer.submitted")
    assert submitted.audience == "panel_and_author"
    assert submitted.payload["in_extra_time"] is True


@pytest.mark.django_db
def test_a_draft_snapshot_is_kept_at_most_every_5_s_and_200_a_round(live, monkeypatch):
    session, panel, ann, ben = live
    rnd = push(session, panel)
    start = timezone.now() + timedelta(seconds=1)
    for offset in (0, 1, 4.9, 5, 7, 9.9, 10.5):
        with time_machine.travel(start + timedelta(seconds=offset), tick=False):
            draft(session, ann, rnd, f"at {offset}")
    snapshots = DraftSnapshot.objects.filter(participant=ann).order_by("taken_at")
    assert [text for text in snapshots.values_list("text", flat=True)] == [
        "at 0",
        "at 5",
        "at 10.5",
    ]
    assert Draft.objects.get(participant=ann).text == "at 10.5"
    # The bound: past it, drafts are still kept and told, without snapshots.
    monkeypatch.setattr(services.drafts, "DRAFT_SNAPSHOTS_PER_ROUND", 2)
    for offset in (0, 6, 12):
        with time_machine.travel(start + timedelta(seconds=offset), tick=False):
            draft(session, ben, rnd, f"at {offset}")
    assert DraftSnapshot.objects.filter(participant=ben).count() == 2
    assert Draft.objects.get(participant=ben).text == "at 12"
    assert Event.objects.filter(type="answer.drafted").count() == 10


# Each candidate's moves in a round: submits and drafts of a few texts, blank ones included.
typing = st.lists(
    st.tuples(
        st.integers(0, 2),
        st.sampled_from(["submit", "draft"]),
        st.sampled_from(["", " ", "a", "b"]),
    ),
    max_size=12,
)


@pytest.mark.django_db
@given(moves=typing, close=st.sampled_from(sorted(CLOSES)))
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_nothing_typed_is_lost_whatever_was_submitted_or_drafted_and_however_it_closed(
    interviewer, bank, unbounded_sessions, moves, close
):
    """After the close, each candidate's answer is the last text they sent, submitted or
    drafted, unless that is a blank draft (the text cleared: their last submit stands); a
    kept draft is a revision of its own, marked."""
    session = session_for(interviewer)
    panel = owner_seat(session)
    candidates = [seat(session, name) for name in ("Ann", "Ben", "Cy")]
    rnd = push(session, panel)
    sent: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for who, kind, text in moves:
        candidate = candidates[who]
        if kind == "submit":
            submit(session, candidate, rnd, text)
        else:
            draft(session, candidate, rnd, text)
        sent[candidate.id].append((kind, text))
    CLOSES[close](session, panel, rnd)

    expected = {}
    for participant_id, moves_sent in sent.items():
        submits = [text for kind, text in moves_sent if kind == "submit"]
        last_kind, last_text = moves_sent[-1]
        kept_at_close = (
            last_kind == "draft" and bool(last_text.strip()) and submits[-1:] != [last_text]
        )
        if kept_at_close:
            expected[participant_id] = (last_text, len(submits) + 1, True)
        elif submits:
            expected[participant_id] = (submits[-1], len(submits), False)
    answers = Answer.objects.filter(round=rnd)
    assert {a.participant_id: (a.text, a.revision, a.at_close) for a in answers} == expected
    for answer in answers:
        assert answer.revisions.count() == answer.revision


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_draft_is_two_statements_and_a_close_keeping_drafts_one_more(live):
    session, panel, ann, ben = live
    rnd = push(session, panel)
    text = {"round_id": rnd.id, "text": "x"}
    assert len(statements_of(ann, command(CommandType.ANSWER_DRAFT, text))) == 2
    assert len(statements_of(ann, command(CommandType.ANSWER_DRAFT, text))) == 2
    submit(session, ben, rnd, "y")
    draft(session, ben, rnd, "y, z")
    # The lock; the round's close with the read of its drafts; everything else.
    assert len(statements_of(panel, command(CommandType.QUESTION_CLOSE, {}))) == 3
    assert Answer.objects.filter(at_close=True).count() == 2
    rnd = push(session, panel)
    draft(session, ann, rnd, "x")
    question = {"question_id": Question.objects.first().id}
    assert len(statements_of(panel, command(CommandType.QUESTION_PUSH, question))) <= 4
    assert Answer.objects.filter(at_close=True).count() == 3


@pytest.mark.django_db
def test_a_draft_typed_in_extra_time_and_kept_at_the_bell_counts_as_answered_once(live):
    session, panel, ann, _ = live
    rnd = push(session, panel, time_limit_s=60)
    _into_extra_time(session, panel, ann, rnd)
    draft(session, ann, rnd, "typed in my own time, never submitted")
    Round.objects.filter(pk=rnd.pk).update(extended_until=timezone.now())
    assert services.rounds_close_due(session_id=session.id) == 1
    assert Answer.objects.filter(participant=ann).count() == 1
    assert Standing.objects.get(participant=ann).answered == 1


@pytest.mark.django_db
@pytest.mark.parametrize("how", ["interviewer", "finish"])
def test_a_draft_typed_in_extra_time_and_kept_at_a_close_counts_as_answered_once(live, how):
    session, panel, ann, ben = live
    rnd = push(session, panel, time_limit_s=60)
    extend(session, panel, ben, 90)
    _into_extra_time(session, panel, ann, rnd)
    submit(session, ben, rnd, "ben in extra time")  # another answer in extra time
    draft(session, ann, rnd, "ann typed in her own time")
    if how == "interviewer":
        services.round_close(session=session, participant=panel)
    else:
        services.session_finish(session=session, participant=panel)
    assert Standing.objects.get(participant=ann).answered == 1


@pytest.mark.django_db
def test_an_exercises_starter_code_left_untouched_is_not_kept_as_an_answer(live):
    session, panel, ann, _ = live
    exercise = Question.objects.filter(kind="exercise").first()
    rnd = push(session, panel, question=exercise)
    draft(session, ann, rnd, rnd.starter_code)
    services.round_close(session=session, participant=panel)
    assert not Answer.objects.filter(participant=ann).exists()
