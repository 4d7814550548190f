"""The session timeline: built from the event log, diffed, paged, and cut per viewer."""

from datetime import timedelta

import pytest

from interview.content.textdiff import DIFF_BUDGET
from interview.domain import services, timeline
from interview.domain.protocol import MAX_ANSWER_CHARS
from interview.domain.timeline import timeline_page
from interview.models import AnswerRevision, Event, InterviewSession, Question

from .factories import owner_seat, seat, session_for, viewer_of
from .test_textdiff import worst_revisions

pytestmark = pytest.mark.django_db


def signal_event(session: InterviewSession, participant, round_id: int, **extra) -> Event:
    """A ``candidate.signal`` as the signals feature stores it: for the panel alone."""
    session.refresh_from_db()
    session.last_seq += 1
    session.save(update_fields=["last_seq"])
    payload = {"participant_id": participant.id, "round_id": round_id, "kind": "paste"}
    payload |= {"chars": 380, "at": "2026-12-02T15:00:00.000Z"}
    return Event.objects.create(
        session=session,
        seq=session.last_seq,
        type="candidate.signal",
        payload=payload,
        audience=extra.get("audience", Event.Audience.INTERVIEWERS),
    )


@pytest.fixture
def played(interviewer, bank):
    """A finished session: Ann answers twice and is scored with feedback, Ben once; a paste
    signal of Ann's and of Ben's."""
    session = session_for(interviewer)
    panel = owner_seat(session)
    ann, ben = seat(session, "Ann"), seat(session, "Ben")
    question = Question.objects.order_by("id").first()
    rnd = services.round_open(session=session, participant=panel, question_id=question.id)
    services.answer_submit(
        session=session, participant=ann, round_id=rnd.id, text="def f():\n    pass\n"
    )
    signal_event(session, ann, rnd.id)
    answer = services.answer_submit(
        session=session, participant=ann, round_id=rnd.id, text="def f():\n    return 42\n"
    )
    services.answer_submit(session=session, participant=ben, round_id=rnd.id, text="BEN-TEXT")
    signal_event(session, ben, rnd.id)
    services.answer_score(
        session=session, participant=panel, answer_id=answer.id, score=7, feedback="ANN-FEEDBACK"
    )
    services.round_close(session=session, participant=panel)
    services.session_finish(session=session, participant=panel)
    session.refresh_from_db()
    return session, panel, ann, ben


def test_the_panel_sees_pushes_revisions_signals_scores_and_closes_in_order(played):
    session, panel, *_ = played
    page = timeline_page(session, viewer_of(panel))
    assert [item["type"] for item in page.items] == [
        "round.opened",
        "answer.submitted",
        "candidate.signal",
        "answer.submitted",
        "answer.submitted",
        "candidate.signal",
        "score.updated",
        "feedback.updated",
        "round.closed",
        "session.finished",
    ]
    assert page.next_after is None
    assert [item["seq"] for item in page.items] == list(range(1, 11))
    second = page.items[3]["data"]
    assert (second["name"], second["revision"]) == ("Ann", 2)
    assert second["diff"] == [
        ["=", "def f():\n    "],
        ["-", "pass"],
        ["+", "return 42"],
        ["=", "\n"],
    ]
    assert "text" not in second
    scored = page.items[6]["data"]
    assert (scored["score"], scored["by_score"], scored["feedback"]) == (7.0, 7, "ANN-FEEDBACK")
    assert scored["by_name"] == "alice"
    assert "leaderboard" not in scored
    words = page.items[7]["data"]
    assert (words["feedback"], words["by_name"], words["name"]) == ("ANN-FEEDBACK", "alice", "Ann")
    assert page.items[2]["data"]["chars"] == 380
    assert page.items[2]["data"]["name"] == "Ann"


def test_each_item_has_its_time_since_the_round_opened(played):
    session, panel, *_ = played
    rnd = session.rounds.get()
    Event.objects.filter(session=session, type="answer.submitted").update(
        created_at=rnd.opened_at + timedelta(seconds=42.25)
    )
    items = timeline_page(session, viewer_of(panel)).items
    assert items[0]["t"] == 0
    assert {item["t"] for item in items if item["type"] == "answer.submitted"} == {42.2}
    # session.finished names no round: it belongs to the round open before it.
    assert items[-1]["round_id"] == rnd.id
    assert all(item["round_id"] == rnd.id for item in items)


def test_a_candidate_sees_only_their_own_revisions_scores_and_feedback(played):
    session, _, ann, ben = played
    items = timeline_page(session, viewer_of(ann)).items
    assert [item["type"] for item in items] == [
        "round.opened",
        "answer.submitted",
        "answer.submitted",
        "score.updated",
        "feedback.updated",
        "round.closed",
        "session.finished",
    ]
    assert all(item["data"].get("participant_id", ann.id) == ann.id for item in items)
    scored, words = items[3]["data"], items[4]["data"]
    # The panel's mean, and apart from it the feedback with its writer: never who gave what.
    assert scored["score"] == 7.0
    assert not {"by", "by_name", "by_score", "feedback"} & set(scored)
    assert (words["feedback"], words["by_name"]) == ("ANN-FEEDBACK", "alice")
    assert "score" not in words
    text = str(items)
    for secret in ("BEN-TEXT", "candidate.signal", "model_answer", "key_points", "Ben"):
        assert secret not in text

    bens = timeline_page(session, viewer_of(ben)).items
    assert "ANN-FEEDBACK" not in str(bens)
    assert "return 42" not in str(bens)
    assert [item["data"]["diff"] for item in bens if "diff" in item["data"]] == [
        [["+", "BEN-TEXT"]]
    ]


def test_a_signal_stored_for_everyone_still_stays_out_of_the_candidates_part(played):
    session, _, ann, _ = played
    rnd = session.rounds.get()
    signal_event(session, ann, rnd.id, audience=Event.Audience.ALL)
    assert "candidate.signal" not in str(timeline_page(session, viewer_of(ann)).items)


def test_a_candidate_sees_their_own_extra_time_and_never_anothers(interviewer, bank):
    session = session_for(interviewer)
    panel = owner_seat(session)
    ann, ben = seat(session, "Ann"), seat(session, "Ben")
    question = Question.objects.order_by("id").first()
    rnd = services.round_open(session=session, participant=panel, question_id=question.id)
    services.round_extend(session=session, participant=panel, participant_id=ann.id, seconds=90)
    services.participant_accommodate(
        session=session, participant=panel, participant_id=ann.id, extra_time_pct=50
    )

    def extensions(viewer):
        items = timeline_page(session, viewer_of(viewer)).items
        return [item["data"] for item in items if item["type"] == "round.extended"]

    seen = extensions(ann)
    assert [(d["round_id"], d["participant_id"], d["extra_s"]) for d in seen] == [
        (rnd.id, ann.id, 90)
    ]
    assert seen[0]["name"] == "Ann"
    assert extensions(panel) == seen
    bens = timeline_page(session, viewer_of(ben)).items
    assert extensions(ben) == []
    assert "Ann" not in str(bens)
    assert "time.accommodated" not in str(timeline_page(session, viewer_of(ann)).items)
    panels = timeline_page(session, viewer_of(panel)).items
    accommodated = [item["data"] for item in panels if item["type"] == "time.accommodated"]
    assert accommodated == [{"participant_id": ann.id, "extra_time_pct": 50, "name": "Ann"}]


def test_a_long_session_comes_in_pages_that_resume_after_the_last_seq(interviewer, bank):
    session = session_for(interviewer)
    panel, ann = owner_seat(session), seat(session, "Ann")
    rnd = services.round_open(
        session=session, participant=panel, question_id=Question.objects.first().id
    )
    for number in range(1, 121):
        services.answer_submit(
            session=session, participant=ann, round_id=rnd.id, text=f"draft {number}"
        )
    seen, after, pages = [], 0, 0
    while after is not None:
        page = timeline_page(session, viewer_of(panel), after=after, limit=50)
        seen += [item["seq"] for item in page.items]
        after, pages = page.next_after, pages + 1
    assert pages == 3
    assert seen == list(range(1, 122))
    # A revision on the third page is still diffed against the one before it.
    last = timeline_page(session, viewer_of(panel), after=120).items[0]["data"]
    assert last["diff"] == [["=", "draft "], ["-", "119"], ["+", "120"]]


def test_a_candidates_pages_skip_other_candidates_events_in_the_database(interviewer, bank):
    session = session_for(interviewer)
    panel, ann, ben = owner_seat(session), seat(session, "Ann"), seat(session, "Ben")
    rnd = services.round_open(
        session=session, participant=panel, question_id=Question.objects.first().id
    )
    for number in range(30):
        services.answer_submit(session=session, participant=ben, round_id=rnd.id, text=str(number))
    services.answer_submit(session=session, participant=ann, round_id=rnd.id, text="mine")
    page = timeline_page(session, viewer_of(ann), limit=2)
    assert [item["type"] for item in page.items] == ["round.opened", "answer.submitted"]
    assert page.items[1]["data"]["participant_id"] == ann.id


# --- the diff ------------------------------------------------------------------------------


def test_a_page_costs_the_same_few_queries_however_long(played, django_assert_num_queries):
    session, panel, *_ = played
    # The events, the kept diffs, the rounds, the names; the first time also the revisions
    # before the page's answers, and the write that keeps their diffs.
    with django_assert_num_queries(6):
        timeline_page(session, viewer_of(panel))
    with django_assert_num_queries(4):
        timeline_page(session, viewer_of(panel))


@pytest.fixture
def worst_answers(interviewer, bank):
    """A session whose candidate submitted 200 revisions, each of the largest size and each
    the worst to diff against the one before."""
    session = session_for(interviewer)
    panel, ann = owner_seat(session), seat(session, "Ann")
    rnd = services.round_open(
        session=session, participant=panel, question_id=Question.objects.first().id
    )
    texts = worst_revisions()
    for number in range(200):
        services.answer_submit(
            session=session, participant=ann, round_id=rnd.id, text=texts[number % 2]
        )
    return session, panel


def test_each_revision_is_diffed_once_and_no_page_diffs_more_than_its_budget(
    worst_answers, monkeypatch
):
    session, panel = worst_answers
    diffed = []
    real = timeline.text_diff

    def counted(before, after, **options):
        diffed.append(after)
        return real(before, after, **options)

    monkeypatch.setattr(timeline, "text_diff", counted)
    pages, diffed_per_page, after = [], [], 0
    while after is not None:
        page = timeline_page(session, viewer_of(panel), after=after, limit=200)
        pages.append(page.items)
        diffed_per_page.append(len(diffed) - sum(diffed_per_page))
        after = page.next_after
    # A page of revisions never diffed ends where its diffs reach the page's budget (the
    # first revision, against nothing, costs nothing).
    assert max(diffed_per_page) <= timeline.PAGE_DIFF_BUDGET // DIFF_BUDGET + 1
    assert len(diffed) == 200
    revisions = [item for items in pages for item in items if item["type"] == "answer.submitted"]
    assert [item["data"]["revision"] for item in revisions] == list(range(1, 201))
    assert revisions[1]["data"]["diff"] == [["*", MAX_ANSWER_CHARS, MAX_ANSWER_CHARS]]
    assert not AnswerRevision.objects.filter(diff=None).exists()

    # Kept: a full page reads them back and diffs nothing again.
    diffed.clear()
    full = timeline_page(session, viewer_of(panel), limit=200)
    assert len(full.items) == 200
    assert diffed == []
    assert [item["data"] for item in full.items[1:]] == [item["data"] for item in revisions][:199]
