"""Verdicts on exercise answers: ``answer.verdict`` and what each viewer learns of it.

The panel's browsers run each revision against the round's examples and hidden tests and
report how it fared; the server keeps the first report per revision and flags a later one
that disagrees. The panel sees everything; with ``show_verdicts`` the room sees the pass
counts, and the author sees theirs once the round has closed. No candidate or spectator ever
receives a hidden test's name or a failure's message, in any frame, snapshot, result or file.
"""

import csv
import io
import json
import logging

import pytest
from channels.db import database_sync_to_async

from interview.content.verdicts import suggested_with_tests, verdicts_agree
from interview.domain import selectors, services
from interview.domain.errors import Refusal
from interview.domain.protocol import (
    MAX_VERDICT_FAILURES,
    MAX_VERDICT_MESSAGE_CHARS,
    CommandType,
    ErrorCode,
    command_parse,
)
from interview.domain.timeline import timeline_page
from interview.domain.visibility import Lens, verdict_visible
from interview.models import Event, Question, Verdict

from .conftest import client_for
from .factories import owner_seat, seat, session_for, viewer_of
from .live import Client, room_create
from .test_notes import everything_seen

SECRET_MESSAGE = "SECRET-MESSAGE expected 3, got 4"


def exercise() -> Question:
    return Question.objects.filter(kind=Question.Kind.EXERCISE).order_by("id").first()


def report(rnd, *, failing: int, message: str = SECRET_MESSAGE) -> dict:
    """A verdict on the round's tests (examples first) with the last ``failing`` failing."""
    tests = rnd.examples + rnd.tests
    failed = tests[len(tests) - failing :] if failing else []
    return {
        "passed": len(tests) - failing,
        "total": len(tests),
        "failures": [{"name": test["name"], "message": message} for test in failed],
    }


def judge(session, by, answer, rnd, *, failing: int, revision: int = 1, **options) -> dict:
    """``by``'s verdict on the answer's revision, with the round's last ``failing`` failing."""
    return services.answer_verdict(
        session=session,
        participant=by,
        answer_id=answer.id,
        revision=revision,
        **report(rnd, failing=failing, **options),
    )


def setting_up(interviewer, *, show_verdicts: bool):
    """A live session on an exercise: Ann has submitted; Ben has not; Wall watches."""
    session = session_for(interviewer, show_verdicts=show_verdicts)
    panel = owner_seat(session)
    ann, ben, wall = seat(session, "Ann"), seat(session, "Ben"), seat(session, "Wall", "spectator")
    rnd = services.round_open(session=session, participant=panel, question_id=exercise().id)
    answer = services.answer_submit(
        session=session, participant=ann, round_id=rnd.id, text="def f(): pass"
    )
    return session, panel, ann, ben, wall, rnd, answer


@pytest.fixture
def judged(interviewer, bank):
    return setting_up(interviewer, show_verdicts=False)


@pytest.fixture
def judged_shown(interviewer, bank):
    return setting_up(interviewer, show_verdicts=True)


def verdict_events(session) -> list[Event]:
    return list(Event.objects.filter(session=session, type="answer.verdict").order_by("seq"))


# --- the service ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_first_verdict_for_a_revision_is_kept_and_told_to_the_panel(judged):
    session, panel, ann, _, _, rnd, answer = judged
    sent = report(rnd, failing=2)
    result = services.answer_verdict(
        session=session, participant=panel, answer_id=answer.id, revision=1, **sent
    )
    assert result == {
        "answer_id": answer.id,
        "revision": 1,
        "passed": sent["passed"],
        "total": sent["total"],
        "kept": True,
        "agrees": True,
    }
    kept = Verdict.objects.get(answer=answer, revision=1)
    assert (kept.passed, kept.total, kept.failures, kept.by_id) == (
        sent["passed"],
        sent["total"],
        sent["failures"],
        panel.id,
    )
    (event,) = verdict_events(session)
    assert event.audience == "interviewers"
    assert event.payload["participant_id"] == ann.id
    assert event.payload["round_id"] == rnd.id
    assert event.payload["failures"] == sent["failures"]
    assert isinstance(event.payload["suggested_score"], int)


@pytest.mark.django_db
def test_a_later_verdict_that_agrees_changes_nothing(judged, other_interviewer):
    session, panel, _, _, _, rnd, answer = judged
    bob = panel_member(session, other_interviewer)
    judge(session, panel, answer, rnd, failing=1)
    # The same tests fail; a message may read differently in another browser.
    again = report(rnd, failing=1, message="another wording")
    result = services.answer_verdict(
        session=session, participant=bob, answer_id=answer.id, revision=1, **again
    )
    assert (result["kept"], result["agrees"]) == (False, True)
    assert len(verdict_events(session)) == 1
    assert Verdict.objects.get(answer=answer).disagreement is None


@pytest.mark.django_db
def test_a_later_verdict_that_disagrees_is_logged_and_shown_to_the_panel_alone(
    judged, other_interviewer, caplog
):
    session, panel, ann, _ben, _wall, rnd, answer = judged
    bob = panel_member(session, other_interviewer)
    first = report(rnd, failing=1)
    services.answer_verdict(
        session=session, participant=panel, answer_id=answer.id, revision=1, **first
    )
    with caplog.at_level(logging.WARNING, logger="interview.domain.services"):
        result = judge(session, bob, answer, rnd, failing=0)
    assert (result["kept"], result["agrees"]) == (False, False)
    assert result["passed"] == first["passed"]  # the kept verdict stands
    assert "verdicts disagree" in caplog.text
    kept = Verdict.objects.get(answer=answer)
    assert (kept.passed, kept.by_id) == (first["passed"], panel.id)
    assert kept.disagreement["by"] == bob.id
    assert kept.disagreement["passed"] == first["total"]
    _, flagged = verdict_events(session)
    assert flagged.audience == "interviewers"
    assert flagged.payload["passed"] == first["passed"]
    assert flagged.payload["disagreement"]["passed"] == first["total"]
    # The panel's snapshot and results show the disagreement.
    snapshot = selectors.snapshot_for(session, viewer_of(panel))
    (seen,) = [a for a in snapshot["answers"] if a["answer_id"] == answer.id]
    assert seen["verdict"]["disagreement"]["by"] == bob.id
    results = selectors.results_for(session)
    (ann_row,) = [c for c in results["candidates"] if c["participant_id"] == ann.id]
    assert ann_row["rounds"][0]["verdict"]["disagreement"]["by"] == bob.id


@pytest.mark.django_db
def test_each_revision_gets_a_verdict_of_its_own(judged):
    session, panel, ann, _, _, rnd, answer = judged
    judge(session, panel, answer, rnd, failing=3)
    services.answer_submit(session=session, participant=ann, round_id=rnd.id, text="better")
    judge(session, panel, answer, rnd, failing=0, revision=2)
    assert sorted(Verdict.objects.values_list("revision", "passed")) == [
        (1, len(rnd.examples + rnd.tests) - 3),
        (2, len(rnd.examples + rnd.tests)),
    ]
    results = selectors.results_for(session)
    (ann_row,) = [c for c in results["candidates"] if c["participant_id"] == ann.id]
    assert ann_row["rounds"][0]["verdict"]["revision"] == 2


@pytest.mark.django_db
def test_a_verdict_is_refused_on_what_has_no_tests_or_does_not_exist(judged, bank):
    session, panel, ann, _, _, rnd, answer = judged
    sent = report(rnd, failing=0)
    cases = [
        ({"answer_id": answer.id + 1000, "revision": 1, **sent}, "not_found"),
        ({"answer_id": answer.id, "revision": 2, **sent}, "not_found"),
        (
            {
                "answer_id": answer.id,
                "revision": 1,
                **report(rnd, failing=0),
                "total": 3,
                "passed": 3,
            },
            "invalid",
        ),
    ]
    for data, code in cases:
        with pytest.raises(Refusal) as refused:
            services.answer_verdict(session=session, participant=panel, **data)
        assert refused.value.code == code, data
    question = Question.objects.exclude(kind=Question.Kind.EXERCISE).order_by("id").first()
    other = services.round_open(session=session, participant=panel, question_id=question.id)
    prose = services.answer_submit(session=session, participant=ann, round_id=other.id, text="x")
    with pytest.raises(Refusal) as refused:
        services.answer_verdict(
            session=session, participant=panel, answer_id=prose.id, revision=1, **sent
        )
    assert refused.value.code == "invalid"
    assert not Verdict.objects.exists()


@pytest.mark.django_db
def test_a_verdict_is_taken_after_the_finish_for_the_drafts_it_kept(judged):
    session, panel, _ann, ben, _, rnd, _ = judged
    services.answer_draft(session=session, participant=ben, round_id=rnd.id, text="def g(): 1")
    services.session_finish(session=session, participant=panel)
    kept = selectors.snapshot_for(session, viewer_of(panel))["answers"]
    (ben_answer,) = [a for a in kept if a["participant_id"] == ben.id]
    assert ben_answer["at_close"] is True
    services.answer_verdict(
        session=session,
        participant=panel,
        answer_id=ben_answer["answer_id"],
        revision=ben_answer["revision"],
        **report(rnd, failing=2),
    )
    # The author sees their pass count now the round has closed: only the count.
    mine = selectors.candidate_results(ben)
    verdict = mine["rounds"][0]["answer"]["verdict"]
    assert set(verdict) == {
        "answer_id",
        "participant_id",
        "round_id",
        "revision",
        "passed",
        "total",
    }


# --- the command ------------------------------------------------------------------------------


def verdict_frame(**data) -> dict:
    base = {"answer_id": 1, "revision": 1, "passed": 6, "total": 7}
    base["failures"] = [{"name": "edge", "message": "expected 1, got 2"}]
    return {"type": "answer.verdict", "id": "v1", "data": base | data}


def test_a_verdict_command_is_parsed_with_its_bounds():
    command = command_parse(verdict_frame())
    assert command.type is CommandType.ANSWER_VERDICT
    assert command.data["failures"] == [{"name": "edge", "message": "expected 1, got 2"}]
    long = command_parse(verdict_frame(failures=[{"name": "edge", "message": "x" * 5000}]))
    assert len(long.data["failures"][0]["message"]) == MAX_VERDICT_MESSAGE_CHARS
    too_many = [{"name": f"t{i}", "message": ""} for i in range(MAX_VERDICT_FAILURES + 1)]
    refused = [
        verdict_frame(passed=8),  # more passed than tests
        verdict_frame(failures=[]),  # a failing test not listed
        verdict_frame(passed=0, total=70, failures=too_many),
        verdict_frame(failures=[{"name": "edge"}]),
        verdict_frame(failures=[{"name": 3, "message": ""}]),
        verdict_frame(total="7"),
    ]
    for frame in refused:
        with pytest.raises(Refusal) as error:
            command_parse(frame)
        assert error.value.code is ErrorCode.INVALID, frame


@pytest.mark.django_db(transaction=True)
async def test_a_candidates_or_spectators_verdict_is_refused_forbidden(layer, interviewer, bank):
    room = await room_create(interviewer)
    question_id = await database_sync_to_async(lambda: exercise().id)()
    owner, ann, wall = Client(room.code), Client(room.code), Client(room.code)
    await owner.hello(room.owner)
    await ann.hello(room.seats["Ann"])
    await wall.hello(room.seats["Wall"])
    pushed = await owner.command("question.push", {"question_id": question_id})
    submitted = await ann.command(
        "answer.submit", {"round_id": pushed["data"]["round_id"], "text": "def f(): pass"}
    )
    forged = verdict_frame(answer_id=submitted["data"]["answer_id"])["data"]
    for client in (ann, wall):
        refused = await client.command("answer.verdict", forged)
        assert refused["type"] == "error", refused
        assert refused["data"]["code"] == "forbidden"
    assert not await database_sync_to_async(Verdict.objects.exists)()
    for client in (owner, ann, wall):
        await client.disconnect()


# --- who sees what ----------------------------------------------------------------------------


def hidden_names(rnd) -> list[str]:
    return [test["name"] for test in rnd.tests]


@pytest.mark.django_db
@pytest.mark.parametrize("show", [False, True], ids=["hidden", "shown"])
def test_no_candidate_or_spectator_receives_a_hidden_test_or_a_failure(
    interviewer, bank, anonymous, other_interviewer, show
):
    session, panel, ann, ben, wall, rnd, answer = setting_up(interviewer, show_verdicts=show)
    bob = panel_member(session, other_interviewer)
    judge(
        session,
        panel,
        answer,
        rnd,
        failing=len(rnd.tests),
    )
    judge(session, bob, answer, rnd, failing=0)
    services.session_finish(session=session, participant=panel)
    for who in (ann, ben, wall):
        text = everything_seen(session, who, anonymous)
        assert "SECRET-MESSAGE" not in text, who.display_name
        assert [name for name in hidden_names(rnd) if name in text] == [], who.display_name
        assert "disagreement" not in text
        assert '"failures"' not in text
    # The panel has them all.
    panel_text = json.dumps(selectors.snapshot_for(session, viewer_of(panel)))
    assert "SECRET-MESSAGE" in panel_text
    assert all(name in panel_text for name in hidden_names(rnd))


@pytest.mark.django_db
def test_with_show_verdicts_off_the_room_learns_nothing_and_the_author_after_the_close(judged):
    session, panel, ann, ben, wall, rnd, answer = judged
    sent = report(rnd, failing=2)
    services.answer_verdict(
        session=session, participant=panel, answer_id=answer.id, revision=1, **sent
    )
    for who in (ann, ben, wall):
        viewer = viewer_of(who)
        received = [e for e in selectors.events_after(session.id, 0, viewer) if e["data"]]
        assert "answer.verdict" not in json.dumps(received)
        snapshot = selectors.snapshot_for(session, viewer)
        assert snapshot["show_verdicts"] is False
        assert all("verdict" not in a for a in snapshot["answers"]), who.display_name
    services.round_close(session=session, participant=panel)
    mine = selectors.snapshot_for(session, viewer_of(ann))
    (own,) = [a for a in mine["answers"] if a["participant_id"] == ann.id]
    assert (own["verdict"]["passed"], own["verdict"]["total"]) == (sent["passed"], sent["total"])
    assert "failures" not in own["verdict"]
    for who in (ben, wall):
        snapshot = selectors.snapshot_for(session, viewer_of(who))
        assert all("verdict" not in a for a in snapshot["answers"]), who.display_name


@pytest.mark.django_db
def test_with_show_verdicts_on_the_room_sees_pass_counts_live_in_replays_and_snapshots(
    judged_shown,
):
    session, panel, ann, ben, wall, rnd, answer = judged_shown
    sent = report(rnd, failing=2)
    services.answer_verdict(
        session=session, participant=panel, answer_id=answer.id, revision=1, **sent
    )
    (event,) = verdict_events(session)
    assert event.audience == "all"
    counts = {"answer_id", "participant_id", "round_id", "revision", "passed", "total"}
    for who in (ann, ben, wall):
        viewer = viewer_of(who)
        (replayed,) = [
            e
            for e in selectors.events_after(session.id, 0, viewer)
            if e["type"] == "answer.verdict"
        ]
        assert set(replayed["data"]) == counts, who.display_name
        snapshot = selectors.snapshot_for(session, viewer)
        assert snapshot["show_verdicts"] is True
        (seen,) = [a for a in snapshot["answers"] if a["answer_id"] == answer.id]
        assert set(seen["verdict"]) == counts
        assert seen["verdict"]["passed"] == sent["passed"]


@pytest.mark.django_db
def test_a_disagreement_never_reaches_the_room_even_with_show_verdicts(
    judged_shown, other_interviewer
):
    session, panel, _ann, _ben, _wall, rnd, answer = judged_shown
    bob = panel_member(session, other_interviewer)
    judge(session, panel, answer, rnd, failing=1)
    judge(session, bob, answer, rnd, failing=0)
    _, flagged = verdict_events(session)
    assert flagged.audience == "interviewers"


def test_a_verdict_seen_through_each_lens():
    verdict = {
        "answer_id": 1,
        "participant_id": 2,
        "round_id": 3,
        "revision": 1,
        "passed": 5,
        "total": 7,
        "failures": [{"name": "hidden", "message": "why"}],
        "by": 9,
        "suggested_score": 4,
        "disagreement": None,
    }
    assert verdict_visible(verdict, Lens.PANEL, show_verdicts=False, round_closed=False) == verdict
    for lens in (Lens.AUTHOR, Lens.PUBLIC):
        assert verdict_visible(verdict, lens, show_verdicts=False, round_closed=False) is None
    assert verdict_visible(verdict, Lens.PUBLIC, show_verdicts=False, round_closed=True) is None
    counts = {"answer_id": 1, "participant_id": 2, "round_id": 3, "revision": 1}
    counts |= {"passed": 5, "total": 7}
    assert verdict_visible(verdict, Lens.AUTHOR, show_verdicts=False, round_closed=True) == counts
    for lens in (Lens.AUTHOR, Lens.PUBLIC):
        assert verdict_visible(verdict, lens, show_verdicts=True, round_closed=False) == counts


# --- where verdicts appear for the panel --------------------------------------------------------


@pytest.mark.django_db
def test_results_csv_and_timeline_show_the_verdict_and_the_scaled_suggestion(judged, interviewer):
    session, panel, _ann, _, _, rnd, answer = judged
    sent = report(rnd, failing=2)
    services.answer_verdict(
        session=session, participant=panel, answer_id=answer.id, revision=1, **sent
    )
    api = client_for(interviewer)
    results = api.get(f"/api/sessions/{session.code}/results").json()
    (ann_row,) = [c for c in results["candidates"] if c["name"] == "Ann"]
    verdict = ann_row["rounds"][0]["verdict"]
    assert (verdict["passed"], verdict["total"]) == (sent["passed"], sent["total"])
    assert [f["name"] for f in verdict["failures"]] == [f["name"] for f in sent["failures"]]
    coverage = ann_row["rounds"][0]["coverage"]
    expected = suggested_with_tests(coverage["suggested_score"], sent["passed"], sent["total"])
    assert verdict["suggested_score"] == expected

    response = api.get(f"/api/sessions/{session.code}/results.csv")
    rows = {r["candidate"]: r for r in csv.DictReader(io.StringIO(response.content.decode()))}
    assert rows["Ann"]["tests_passed"] == str(sent["passed"])
    assert rows["Ann"]["tests_total"] == str(sent["total"])
    assert rows["Ann"]["failed_tests"] == "; ".join(f["name"] for f in sent["failures"])
    assert rows["Ann"]["verdict_disputed"] == "no"
    assert rows["Ann"]["suggested_score"] == str(expected)
    assert rows["Ben"]["tests_total"] == ""

    items = timeline_page(session, viewer_of(panel)).items
    (item,) = [i for i in items if i["type"] == "answer.verdict"]
    assert (item["data"]["passed"], item["data"]["name"]) == (sent["passed"], "Ann")


def test_the_suggested_score_is_the_coverages_scaled_by_the_share_passed():
    assert suggested_with_tests(8, 7, 7) == 8
    assert suggested_with_tests(8, 0, 7) == 0
    assert suggested_with_tests(10, 5, 7) == 7  # 7.14
    assert suggested_with_tests(None, 1, 2) == 5
    assert suggested_with_tests(3, 1, 2) == 2  # 1.5 rounds up


def test_reports_agree_on_counts_and_failing_names_not_messages():
    kept = {"passed": 1, "total": 2, "failures": [{"name": "a", "message": "x"}]}
    assert verdicts_agree(kept, {**kept, "failures": [{"name": "a", "message": "y"}]})
    assert not verdicts_agree(kept, {**kept, "failures": [{"name": "b", "message": "x"}]})
    assert not verdicts_agree(kept, {**kept, "passed": 2, "failures": []})


@pytest.mark.django_db
def test_a_session_is_created_showing_verdicts_or_not(api):
    created = api.post("/api/sessions/", {"title": "Shown", "show_verdicts": True}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["show_verdicts"] is True
    plain = api.post("/api/sessions/", {"title": "Plain"}, format="json").json()
    assert plain["show_verdicts"] is False
    listed = {s["title"]: s for s in api.get("/api/sessions/").json()["results"]}
    assert listed["Shown"]["show_verdicts"] is True
    assert listed["Plain"]["show_verdicts"] is False


def panel_member(session, user):
    from interview.domain.credentials import secret_hash, secret_new

    invite = secret_new()
    session.panel_invite_hash = secret_hash(invite)
    session.save(update_fields=["panel_invite_hash"])
    return services.participant_join(
        session=session, role="interviewer", user=user, invite=invite
    ).participant
