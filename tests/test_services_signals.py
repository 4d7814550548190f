"""Services of integrity signals: kept, counted, refused like answers."""

from datetime import timedelta

import pytest
from django.utils import timezone

from interview.domain import services
from interview.domain.errors import Refusal
from interview.domain.protocol import SIGNALS_PER_ROUND, CommandType
from interview.models import (
    Event,
    Round,
    SignalTally,
)

from .factories import owner_seat, session_for
from .services_kit import (
    command,
    extend,
    live,  # noqa: F401 (fixture)
    push,
    refused,
    refused_submit,
    statements_of,
)


def report(session, candidate, rnd, kind="blur", **extra):
    return services.signal_report(
        session=session, participant=candidate, round_id=rnd.id, kind=kind, **extra
    )


@pytest.mark.django_db
def test_a_signal_is_kept_as_the_panels_event_with_its_time(live):
    session, panel, ann, _ = live
    rnd = push(session, panel)
    assert report(session, ann, rnd, "paste", chars=380) is True
    event = Event.objects.get(type="candidate.signal")
    assert (event.seq, event.audience) == (2, "interviewers")
    at = event.payload.pop("at")
    assert at.endswith("Z")
    assert event.payload == {
        "participant_id": ann.id,
        "round_id": rnd.id,
        "kind": "paste",
        "chars": 380,
    }


@pytest.mark.django_db
def test_past_a_hundred_signals_in_a_round_only_the_counter_rises(live):
    session, panel, ann, ben = live
    rnd = push(session, panel)
    kept = [report(session, ann, rnd, kind) for kind in ["blur", "focus"] * 52]
    assert kept == [True] * SIGNALS_PER_ROUND + [False] * 4
    report(session, ben, rnd)
    assert Event.objects.filter(type="candidate.signal").count() == SIGNALS_PER_ROUND + 1
    tallies = SignalTally.objects.values_list("participant_id", "stored", "dropped")
    assert sorted(tallies) == sorted([(ann.id, SIGNALS_PER_ROUND, 4), (ben.id, 1, 0)])
    session.refresh_from_db()
    assert session.last_seq == 1 + SIGNALS_PER_ROUND + 1  # a dropped signal takes no seq
    second = push(session, panel)  # the bound is per round
    assert report(session, ann, second) is True


@pytest.mark.django_db
def test_a_signal_is_refused_like_an_answer(live, interviewer):
    session, panel, ann, _ = live
    other = session_for(interviewer, "Another")
    foreign = push(other, owner_seat(other))
    rnd = push(session, panel)
    for round_ in (foreign, rnd):
        Round.objects.filter(pk=round_.pk).update(deadline=timezone.now() - timedelta(seconds=1))
    codes = []
    for round_ in (foreign, rnd):
        with pytest.raises(Refusal) as refused:
            report(session, ann, round_)
        codes.append(refused.value.code)
    services.session_finish(session=session, participant=panel)
    with pytest.raises(Refusal) as finished:
        report(session, ann, rnd)
    assert [*codes, finished.value.code] == ["not_found", "round_closed", "session_finished"]
    assert not SignalTally.objects.exists()
    assert not Event.objects.filter(type="candidate.signal").exists()


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_signal_report_is_two_statements_kept_or_dropped(live):
    session, panel, ann, _ = live
    rnd = push(session, panel)
    signal = {"round_id": rnd.id, "kind": "paste", "chars": 12}
    assert len(statements_of(ann, command(CommandType.SIGNAL_REPORT, signal))) == 2
    SignalTally.objects.update(stored=SIGNALS_PER_ROUND)
    assert len(statements_of(ann, command(CommandType.SIGNAL_REPORT, signal))) == 2
    assert SignalTally.objects.get().dropped == 1


@pytest.mark.django_db
def test_a_candidate_with_more_time_reports_signals_after_the_rounds_deadline_as_she_answers(live):
    session, panel, ann, ben = live
    rnd = push(session, panel, time_limit_s=60)
    extend(session, panel, ann, 90)
    Round.objects.filter(pk=rnd.pk).update(deadline=timezone.now() - timedelta(seconds=1))
    assert report(session, ann, rnd) is True
    assert (
        refused(
            services.signal_report, session=session, participant=ben, round_id=rnd.id, kind="blur"
        )
        == refused_submit(session, ben, rnd)
        == "round_closed"
    )
