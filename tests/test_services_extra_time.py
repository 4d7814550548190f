"""Services of extra time: extensions, personal deadlines, standing accommodations."""

from datetime import timedelta

import pytest
import time_machine

from interview.domain import services
from interview.domain.protocol import CommandType, timestamp
from interview.models import (
    Answer,
    Event,
    Question,
    Round,
)

from .factories import seat, session_for
from .services_kit import (
    command,
    events_of,
    extend,
    live,  # noqa: F401 (fixture)
    push,
    refused,
    refused_submit,
    statements_of,
    submit,
)


def accommodate(session, panel, candidate, pct: int) -> None:
    services.participant_accommodate(
        session=session, participant=panel, participant_id=candidate.id, extra_time_pct=pct
    )


@pytest.mark.django_db
def test_an_extension_moves_one_candidates_deadline_and_the_rounds_last(live):
    session, panel, ann, _ = live
    rnd = push(session, panel, time_limit_s=60)
    deadline = extend(session, panel, ann, 90)
    assert deadline == rnd.deadline + timedelta(seconds=90)
    rnd.refresh_from_db()
    assert rnd.extended_until == deadline
    assert list(rnd.personal_deadlines.values_list("participant_id", "deadline")) == [
        (ann.id, deadline)
    ]
    (extended,) = Event.objects.filter(session=session, type="round.extended")
    assert extended.audience == "panel_and_author"
    assert extended.payload == {
        "round_id": rnd.id,
        "participant_id": ann.id,
        "deadline": timestamp(deadline),
    }


@pytest.mark.django_db
def test_extensions_add_up(live):
    session, panel, ann, _ = live
    rnd = push(session, panel, time_limit_s=60)
    extend(session, panel, ann, 30)
    assert extend(session, panel, ann, 45) == rnd.deadline + timedelta(seconds=75)


@pytest.mark.django_db
def test_a_candidate_with_extra_time_answers_after_the_deadline_and_another_cannot(live):
    session, panel, ann, ben = live
    rnd = push(session, panel, time_limit_s=60)
    extend(session, panel, ann, 60)
    with time_machine.travel(rnd.deadline + timedelta(seconds=30), tick=False):
        assert submit(session, ann, rnd).revision == 1
        assert refused_submit(session, ben, rnd) == "round_closed"
    with time_machine.travel(rnd.deadline + timedelta(seconds=60), tick=False):
        assert refused_submit(session, ann, rnd) == "round_closed"
    assert list(Answer.objects.values_list("participant_id", "revision")) == [(ann.id, 1)]


@pytest.mark.django_db
def test_the_clock_closes_the_round_only_when_the_last_personal_deadline_passes(live):
    session, panel, ann, ben = live
    rnd = push(session, panel, time_limit_s=60)
    extend(session, panel, ann, 20)
    last = extend(session, panel, ben, 40)
    for moment in (rnd.deadline, rnd.deadline + timedelta(seconds=20), last - timedelta(seconds=1)):
        with time_machine.travel(moment, tick=False):
            assert services.rounds_close_due() == 0
    with time_machine.travel(last, tick=False):
        assert services.rounds_close_due() == 1
    rnd.refresh_from_db()
    assert (rnd.closed_at, rnd.close_reason) == (last, "deadline")
    assert [t for _, t in events_of(session)][-1] == "round.closed"


@pytest.mark.django_db
def test_the_interviewers_close_closes_the_round_for_everyone_with_time_left(live):
    session, panel, ann, _ = live
    rnd = push(session, panel, time_limit_s=60)
    extend(session, panel, ann, 600)
    with time_machine.travel(rnd.deadline + timedelta(seconds=5), tick=False):
        services.round_close(session=session, participant=panel)
        assert refused_submit(session, ann, rnd) == "round_closed"
    rnd.refresh_from_db()
    assert rnd.close_reason == "interviewer"


@pytest.mark.django_db
def test_a_push_while_someone_still_has_time_closes_the_round_as_the_next_question(live):
    session, panel, ann, _ = live
    rnd = push(session, panel, time_limit_s=60)
    extend(session, panel, ann, 60)
    with time_machine.travel(rnd.deadline + timedelta(seconds=5), tick=False):
        push(session, panel)
    rnd.refresh_from_db()
    assert rnd.close_reason == "next_question"


@pytest.mark.django_db
def test_an_extension_after_the_candidates_deadline_counts_from_now(live):
    session, panel, ann, ben = live
    rnd = push(session, panel, time_limit_s=60)
    extend(session, panel, ben, 120)  # keeps the round open past Ann's deadline
    later = rnd.deadline + timedelta(seconds=50)
    with time_machine.travel(later, tick=False):
        assert extend(session, panel, ann, 30) == later + timedelta(seconds=30)
        assert submit(session, ann, rnd).revision == 1


@pytest.mark.django_db
def test_an_extension_needs_an_open_round(live):
    session, panel, ann, _ = live
    assert refused(extend, session=session, panel=panel, candidate=ann, seconds=30) == "not_found"
    rnd = push(session, panel, time_limit_s=60)
    with time_machine.travel(rnd.deadline, tick=False):  # due, not yet closed by the clock
        assert refused(extend, session=session, panel=panel, candidate=ann, seconds=30) == (
            "not_found"
        )
    services.round_close(session=session, participant=panel)
    assert refused(extend, session=session, panel=panel, candidate=ann, seconds=30) == "not_found"
    assert not Event.objects.filter(type="round.extended").exists()


@pytest.mark.django_db
def test_only_a_candidate_of_the_session_gets_extra_time(live, other_interviewer):
    session, panel, _, _ = live
    push(session, panel)
    elsewhere = session_for(other_interviewer)
    strangers = [seat(session, "Wall", "spectator"), panel, seat(elsewhere, "Ann")]
    for stranger in strangers:
        for service, extra in (
            (services.round_extend, {"seconds": 30}),
            (services.participant_accommodate, {"extra_time_pct": 50}),
        ):
            code = refused(
                service, session=session, participant=panel, participant_id=stranger.id, **extra
            )
            assert code == "not_found", (stranger, service)
    assert [t for _, t in events_of(session)] == ["round.opened"]


@pytest.mark.django_db
def test_no_extra_time_after_the_session_finished(live):
    session, panel, ann, _ = live
    push(session, panel)
    services.session_finish(session=session, participant=panel)
    assert refused(extend, session=session, panel=panel, candidate=ann, seconds=30) == (
        "session_finished"
    )
    assert refused(accommodate, session=session, panel=panel, candidate=ann, pct=50) == (
        "session_finished"
    )


@pytest.mark.django_db
def test_a_standing_accommodation_gives_its_share_of_every_later_round(live):
    session, panel, ann, ben = live
    first = push(session, panel, time_limit_s=100)
    accommodate(session, panel, ann, 50)
    ann.refresh_from_db()
    assert ann.extra_time_pct == 50
    assert not first.personal_deadlines.exists()  # the open round keeps what it gave
    assert Event.objects.get(type="time.accommodated").audience == "interviewers"
    for limit in (100, 40):
        rnd = push(session, panel, time_limit_s=limit)
        own = rnd.deadline + timedelta(seconds=limit / 2)
        assert list(rnd.personal_deadlines.values_list("participant_id", "deadline")) == [
            (ann.id, own)
        ]
        assert Round.objects.get(pk=rnd.pk).extended_until == own
        opened, extended = Event.objects.filter(session=session).order_by("-seq")[:2][::-1]
        assert (opened.type, extended.type) == ("round.opened", "round.extended")
        assert extended.payload["deadline"] == timestamp(own)
        with time_machine.travel(rnd.deadline + timedelta(seconds=1), tick=False):
            assert submit(session, ann, rnd).revision == 1
            assert refused_submit(session, ben, rnd) == "round_closed"
    accommodate(session, panel, ann, 0)
    assert not push(session, panel).personal_deadlines.exists()


@pytest.mark.postgres
@pytest.mark.django_db
def test_extra_time_keeps_each_command_within_four_statements(live):
    _, panel, ann, ben = live
    accommodated = {"participant_id": ann.id, "extra_time_pct": 50}
    assert len(statements_of(panel, command(CommandType.TIME_ACCOMMODATE, accommodated))) <= 4
    question = {"question_id": Question.objects.first().id}
    assert len(statements_of(panel, command(CommandType.QUESTION_PUSH, question))) <= 4
    rnd = Round.objects.get(closed_at=None)
    extension = {"participant_id": ben.id, "seconds": 30}
    assert len(statements_of(panel, command(CommandType.TIME_EXTEND, extension))) <= 4
    submitted = {"round_id": rnd.id, "text": "x"}
    for candidate in (ann, ben, ann):
        assert len(statements_of(candidate, command(CommandType.ANSWER_SUBMIT, submitted))) <= 4
    assert rnd.personal_deadlines.count() == 2
