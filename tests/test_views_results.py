"""The HTTP API's reads of a session (``interview.api.views``): the panel's results, a
candidate's own results, the timeline and the playback of drafts."""

import csv
import io
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from interview.domain import selectors, services
from interview.domain.visibility import Viewer
from interview.models import Category, Question

from .conftest import client_for, make_interviewer
from .factories import owner_seat, seat, session_for
from .test_views import NEW_QUESTION, error_of

pytestmark = pytest.mark.django_db


# --- results -------------------------------------------------------------------------------


def test_results_are_empty_until_rounds_exist(api, interviewer):
    session = session_for(interviewer)
    seat(session, "Ann")
    results = api.get(f"/api/sessions/{session.code}/results").json()
    assert results["rounds"] == []
    assert [c["name"] for c in results["candidates"]] == ["Ann"]
    assert results["candidates"][0]["total"] == 0
    csv_text = api.get(f"/api/sessions/{session.code}/results.csv").content.decode()
    assert csv_text.strip().count("\n") == 0  # the header alone


def test_results_need_a_seat_on_the_panel(api, anonymous, other_interviewer):
    theirs = session_for(other_interviewer)
    assert api.get(f"/api/sessions/{theirs.code}/results").status_code == 403
    assert api.get(f"/api/sessions/{theirs.code}/results.csv").status_code == 403
    assert anonymous.get(f"/api/sessions/{theirs.code}/results").status_code == 401
    assert api.get("/api/sessions/NOSUCH22/results").status_code == 404


def test_results_show_totals_rounds_feedback_and_categories(api, interviewer, bank):
    session = session_for(interviewer)
    panel = owner_seat(session)
    ann, ben = seat(session, "Ann"), seat(session, "Ben")
    q1 = Question.objects.get(slug="python-decorators")
    q2 = Question.objects.filter(category="Version Control").first()
    # Through the services, which keep the totals the results read.
    scored = []
    for question, answers in ((q1, {ann: "wrap it", ben: "no idea"}), (q2, {ann: "rebase"})):
        rnd = services.round_open(session=session, participant=panel, question_id=question.id)
        for candidate, text in answers.items():
            answer = services.answer_submit(
                session=session, participant=candidate, round_id=rnd.id, text=text
            )
            scored.append(answer.id)
    for answer_id, score, feedback in zip(
        scored, (6, 2, 9), ("ok", "study closures", "great"), strict=True
    ):
        services.answer_score(
            session=session, participant=panel, answer_id=answer_id, score=score, feedback=feedback
        )

    results = api.get(f"/api/sessions/{session.code}/results").json()
    assert [r["position"] for r in results["rounds"]] == [1, 2]
    first, second = results["candidates"]
    assert (first["name"], first["total"], first["rank"]) == ("Ann", 15.0, 1)
    assert (second["name"], second["total"], second["rank"]) == ("Ben", 2.0, 2)
    assert first["rounds"][1]["scores"][0]["feedback"] == "great"
    assert second["rounds"][1]["answer_id"] is None
    categories = {c["category"]: c for c in first["categories"]}
    assert categories["Core Python"]["total"] == 6.0
    assert categories["Version Control"]["average"] == 9.0

    rows = list(csv.reader(io.StringIO(api.get(f"/api/sessions/{session.code}/results.csv")
                                       .content.decode())))  # fmt: skip
    assert rows[0][:3] == ["session", "candidate_id", "candidate"]
    assert rows[1][2:6] == ["Ann", "1", "15.0", "1"]
    assert "study closures" in [row[rows[0].index("feedback")] for row in rows]
    # The skills map's columns: a mean per area of the bank, the same on each of its rows.
    assert rows[0][13 : 13 + len(Category.values)] == [f"mean {area}" for area in Category.values]
    anns = [dict(zip(rows[0], row, strict=True)) for row in rows[1:] if row[2] == "Ann"]
    assert {(row["mean Core Python"], row["mean Version Control"]) for row in anns} == {
        ("6.0", "9.0")
    }
    assert {row["mean Soft Skills"] for row in anns} == {""}


@pytest.mark.django_db
def test_results_show_each_answers_key_point_coverage_beside_the_rounds_key_points(
    api, interviewer, bank
):
    session = session_for(interviewer)
    panel = owner_seat(session)
    ann, ben = seat(session, "Ann"), seat(session, "Ben")
    question = Question.objects.get(slug="django-orm-query-optimization")
    rnd = services.round_open(session=session, participant=panel, question_id=question.id)
    for candidate, text in ((ann, question.model_answer), (ben, "no idea")):
        services.answer_submit(session=session, participant=candidate, round_id=rnd.id, text=text)

    results = api.get(f"/api/sessions/{session.code}/results").json()
    assert results["rounds"][0]["key_points"] == question.key_points
    by_name = {c["name"]: c["rounds"][0]["coverage"] for c in results["candidates"]}
    assert by_name["Ann"]["suggested_score"] >= 8
    assert len(by_name["Ann"]["points"]) == len(question.key_points)
    assert by_name["Ben"] == {"points": [False] * len(question.key_points), "suggested_score": 0}


def test_a_candidate_sees_own_results_beside_model_answers_once_finished(
    anonymous, interviewer, bank
):
    session = session_for(interviewer)
    panel = owner_seat(session)
    ann = services.participant_join(session=session, role="candidate", display_name="Ann")
    ben = seat(session, "Ben")
    rnd = services.round_open(
        session=session, participant=panel, question_id=Question.objects.first().id
    )
    answer = services.answer_submit(
        session=session, participant=ann.participant, round_id=rnd.id, text="mine"
    )
    services.answer_submit(session=session, participant=ben, round_id=rnd.id, text="BEN-TEXT")
    services.answer_score(
        session=session, participant=panel, answer_id=answer.id, score=7, feedback="nice"
    )
    url = f"/api/sessions/{session.code}/my-results"
    assert anonymous.get(url).status_code == 401
    early = anonymous.get(url, HTTP_X_PARTICIPANT_TOKEN=ann.token)
    assert early.status_code == 409
    assert error_of(early)["code"] == "not_finished"

    services.session_finish(session=session, participant=panel)
    results = anonymous.get(url, HTTP_X_PARTICIPANT_TOKEN=ann.token).json()
    (only,) = results["rounds"]
    assert only["model_answer"].startswith("Python decorators")
    assert '<pre><code><span class="k">def</span>' in only["model_answer_html"]
    assert len(only["key_points_html"]) == len(only["key_points"])
    assert only["question"]["prompt_html"].startswith("<p>What are Python decorators")
    assert only["answer"]["text"] == "mine"
    assert only["answer"]["scores"][0]["feedback"] == "nice"
    assert "BEN-TEXT" not in str(results)


# --- the timeline and the skills map ---------------------------------------------------------


def played_session(interviewer):
    """A finished session: Ann answers twice and is scored, Ben once; both joined by token."""
    session = session_for(interviewer)
    panel = owner_seat(session)
    ann = services.participant_join(session=session, role="candidate", display_name="Ann")
    ben = services.participant_join(session=session, role="candidate", display_name="Ben")
    rnd = services.round_open(
        session=session, participant=panel, question_id=Question.objects.first().id
    )
    for participant, text in ((ann, "first"), (ann, "ANN-FINAL"), (ben, "BEN-TEXT")):
        answer = services.answer_submit(
            session=session, participant=participant.participant, round_id=rnd.id, text=text
        )
        if participant is ann and text == "ANN-FINAL":
            services.answer_score(
                session=session, participant=panel, answer_id=answer.id, score=8, feedback="good"
            )
    return session, panel, ann, ben


def test_the_panel_reads_the_timeline_in_pages_by_seq(api, interviewer, bank):
    session, *_ = played_session(interviewer)
    url = f"/api/sessions/{session.code}/timeline"
    first = api.get(f"{url}?limit=2").json()
    assert [item["seq"] for item in first["results"]] == [1, 2]
    assert first["next"].endswith(f"{url}?after=2&limit=2")
    rest = api.get(f"{url}?after=2").json()
    assert [item["type"] for item in rest["results"]] == [
        "answer.submitted",
        "score.updated",
        "feedback.updated",
        "answer.submitted",
    ]
    assert rest["next"] is None
    assert rest["results"][0]["data"]["diff"] == [["-", "first"], ["+", "ANN-FINAL"]]


def test_the_timeline_refuses_bad_cursors_and_strangers(api, anonymous, interviewer, bank):
    session, *_ = played_session(interviewer)
    url = f"/api/sessions/{session.code}/timeline"
    for query in ("after=-1", "after=x", "limit=0", "limit=1000"):
        assert api.get(f"{url}?{query}").status_code == 400, query
    assert anonymous.get(url).status_code == 401
    assert client_for(make_interviewer("carol")).get(url).status_code == 403
    assert api.get("/api/sessions/NOSUCH22/timeline").status_code == 404


def test_a_candidate_reads_only_their_part_of_the_timeline_once_finished(
    anonymous, interviewer, bank
):
    session, panel, ann, ben = played_session(interviewer)
    url = f"/api/sessions/{session.code}/timeline"
    early = anonymous.get(url, HTTP_X_PARTICIPANT_TOKEN=ann.token)
    assert (early.status_code, error_of(early)["code"]) == (409, "not_finished")
    assert anonymous.get(url, HTTP_X_PARTICIPANT_TOKEN="forged").status_code == 401
    wall = services.participant_join(session=session, role="spectator", display_name="Wall")
    assert anonymous.get(url, HTTP_X_PARTICIPANT_TOKEN=wall.token).status_code == 403

    services.session_finish(session=session, participant=panel)
    mine = anonymous.get(url, HTTP_X_PARTICIPANT_TOKEN=ann.token).json()["results"]
    assert [item["type"] for item in mine] == [
        "round.opened",
        "answer.submitted",
        "answer.submitted",
        "score.updated",
        "feedback.updated",
        "round.closed",
        "session.finished",
    ]
    assert mine[4]["data"]["feedback"] == "good"
    assert not {"by", "by_score", "feedback"} & set(mine[3]["data"])
    assert "BEN-TEXT" not in str(mine)
    assert "Ben" not in str(mine)
    assert "model_answer" not in str(mine)
    bens = anonymous.get(url, HTTP_X_PARTICIPANT_TOKEN=ben.token).json()["results"]
    assert "ANN-FINAL" not in str(bens)
    assert "good" not in str(bens)


def test_a_candidates_own_results_carry_only_their_own_skills_map(anonymous, interviewer, bank):
    session, panel, ann, ben = played_session(interviewer)
    services.session_finish(session=session, participant=panel)
    url = f"/api/sessions/{session.code}/my-results"
    mine = anonymous.get(url, HTTP_X_PARTICIPANT_TOKEN=ann.token).json()
    means = {skill["area"]: skill["mean"] for skill in mine["skills"]}
    assert means["Core Python"] == 8.0
    assert "Skills map of Ann" in mine["skills_svg"]
    assert "Ben" not in mine["skills_svg"]
    bens = anonymous.get(url, HTTP_X_PARTICIPANT_TOKEN=ben.token).json()
    assert all(skill["mean"] is None for skill in bens["skills"])  # Ben was not scored
    assert "Skills map of Ben" in bens["skills_svg"]
    assert "Ann" not in bens["skills_svg"]


# --- drafts: kept at the close, and played back ----------------------------------------------


def drafted_session(interviewer):
    """A finished session whose one round Ann never submitted, only drafted (at 0 s, 2 s and
    6 s from the push), and Ben submitted once and then drafted over."""
    session = session_for(interviewer)
    panel = owner_seat(session)
    ann = services.participant_join(session=session, role="candidate", display_name="Ann")
    ben = services.participant_join(session=session, role="candidate", display_name="Ben")
    question_id = Question.objects.first().id
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        rnd = services.round_open(session=session, participant=panel, question_id=question_id)
    steps = [(ann, 0, "draft", "def"), (ann, 2, "draft", "def f"), (ann, 6, "draft", "ANN-DRAFT")]
    steps += [(ben, 1, "submit", "BEN-FIRST"), (ben, 3, "draft", "BEN-DRAFT")]
    for who, seconds, kind, text in steps:
        service = services.answer_submit if kind == "submit" else services.answer_draft
        with time_machine.travel(start + timedelta(seconds=seconds), tick=False):
            service(session=session, participant=who.participant, round_id=rnd.id, text=text)
    with time_machine.travel(start + timedelta(seconds=8), tick=False):
        services.session_finish(session=session, participant=panel)
    return session, rnd, ann, ben


def test_a_draft_kept_at_the_close_is_in_the_results_csv_my_results_and_timeline(
    api, anonymous, interviewer, bank
):
    session, _, ann, _ = drafted_session(interviewer)
    code = session.code
    results = api.get(f"/api/sessions/{code}/results").json()
    answered = {candidate["name"]: candidate["rounds"][0] for candidate in results["candidates"]}
    assert (answered["Ann"]["text"], answered["Ann"]["revision"]) == ("ANN-DRAFT", 1)
    assert (answered["Ben"]["text"], answered["Ben"]["revision"]) == ("BEN-DRAFT", 2)
    assert answered["Ann"]["at_close"] is answered["Ben"]["at_close"] is True
    assert answered["Ann"]["coverage"] is not None

    header, *rows = csv.reader(
        io.StringIO(api.get(f"/api/sessions/{code}/results.csv").content.decode())
    )
    kept = {row[header.index("candidate")]: row[header.index("kept_at_close")] for row in rows}
    assert kept == {"Ann": "yes", "Ben": "yes"}

    mine = anonymous.get(f"/api/sessions/{code}/my-results", HTTP_X_PARTICIPANT_TOKEN=ann.token)
    answer = mine.json()["rounds"][0]["answer"]
    assert (answer["text"], answer["at_close"]) == ("ANN-DRAFT", True)

    items = api.get(f"/api/sessions/{code}/timeline").json()["results"]
    assert [item["type"] for item in items] == [
        "round.opened",
        "answer.submitted",
        "answer.submitted",
        "answer.submitted",
        "round.closed",
        "session.finished",
    ]
    assert [(i["data"]["name"], i["data"].get("at_close")) for i in items[1:4]] == [
        ("Ben", None),
        ("Ann", True),
        ("Ben", True),
    ]
    assert items[3]["data"]["diff"] == [["=", "BEN-"], ["-", "FIRST"], ["+", "DRAFT"]]
    theirs = anonymous.get(
        f"/api/sessions/{code}/timeline", HTTP_X_PARTICIPANT_TOKEN=ann.token
    ).json()["results"]
    assert [i["data"].get("at_close") for i in theirs if i["type"] == "answer.submitted"] == [True]
    assert "BEN-DRAFT" not in str(theirs)
    assert "answer.drafted" not in str(theirs)


def test_the_playback_steps_through_an_answers_drafts_and_revisions_for_the_panel_alone(
    api, anonymous, interviewer, bank
):
    session, rnd, ann, ben = drafted_session(interviewer)
    url = f"/api/sessions/{session.code}/playback"
    query = f"?round_id={rnd.id}&participant_id={ann.participant.id}"
    played = api.get(url + query).json()
    assert (played["round_id"], played["participant_id"]) == (rnd.id, ann.participant.id)
    # Snapshots at most every 5 s: the first draft and the one at 6 s; then the kept revision.
    assert [(s["t"], s["kind"], s["text"]) for s in played["steps"]] == [
        (0.0, "draft", "def"),
        (6.0, "draft", "ANN-DRAFT"),
        (6.0, "revision", "ANN-DRAFT"),
    ]
    assert played["steps"][-1] | {"at": None} == {
        "at": None,
        "t": 6.0,
        "kind": "revision",
        "text": "ANN-DRAFT",
        "revision": 1,
        "at_close": True,
    }
    bens = api.get(f"{url}?round_id={rnd.id}&participant_id={ben.participant.id}").json()
    assert [(s["t"], s["kind"]) for s in bens["steps"]] == [
        (1.0, "revision"),
        (3.0, "draft"),
        (3.0, "revision"),
    ]
    assert anonymous.get(url + query).status_code == 401
    assert anonymous.get(url + query, HTTP_X_PARTICIPANT_TOKEN=ann.token).status_code == 401
    assert client_for(make_interviewer("carol")).get(url + query).status_code == 403
    for bad in ("", f"?round_id={rnd.id}", "?round_id=x&participant_id=1"):
        assert api.get(url + bad).status_code == 400, bad
    other = session_for(interviewer, title="Another")
    assert api.get(f"/api/sessions/{other.code}/playback{query}").status_code == 404


# --- a question edited after its rounds ------------------------------------------------------


def test_editing_a_question_after_its_rounds_rewrites_no_history(api, interviewer, bank, anonymous):
    question = api.post("/api/questions/", NEW_QUESTION, format="json").json()
    session = session_for(interviewer)
    panel = owner_seat(session)
    ann = services.participant_join(session=session, role="candidate", display_name="Ann")
    rnd = services.round_open(session=session, participant=panel, question_id=question["id"])
    answer = services.answer_submit(
        session=session, participant=ann.participant, round_id=rnd.id, text="the GIL"
    )
    services.answer_score(
        session=session, participant=panel, answer_id=answer.id, score=7, feedback="ok"
    )
    panel_viewer = Viewer(participant_id=panel.id, role="interviewer")
    ann_viewer = Viewer(participant_id=ann.participant.id, role="candidate")

    viewers = (panel_viewer, ann_viewer)

    def open_round_seen() -> list:
        return [selectors.snapshot_for(session, viewer)["round"] for viewer in viewers]

    def rewrite(title: str) -> None:
        edited = api.put(
            f"/api/questions/{question['id']}/",
            {
                **NEW_QUESTION,
                "title": title,
                "prompt": "Something else entirely.",
                "category": "Soft Skills",
                "difficulty": 1,
                "model_answer": "A different answer.",
                "key_points": ["a different point"],
            },
            format="json",
        )
        assert edited.status_code == 200, edited.json()

    while_open = open_round_seen()
    rewrite("Edited while the round was open")
    assert open_round_seen() == while_open
    assert while_open[0]["question"]["title"] == NEW_QUESTION["title"]
    assert while_open[0]["model_answer"] == NEW_QUESTION["model_answer"]

    services.session_finish(session=session, participant=panel)

    def history() -> dict:
        csv_text = api.get(f"/api/sessions/{session.code}/results.csv").content.decode()
        my_results = anonymous.get(
            f"/api/sessions/{session.code}/my-results", HTTP_X_PARTICIPANT_TOKEN=ann.token
        )
        return {
            "results": api.get(f"/api/sessions/{session.code}/results").json(),
            "csv": csv_text,
            "my_results": my_results.json(),
            "snapshots": [selectors.snapshot_for(session, viewer) for viewer in viewers],
            "replay": selectors.events_after(session.id, 0, panel_viewer),
        }

    before = history()
    rewrite("Edited after the session")
    assert history() == before
    assert NEW_QUESTION["title"] in before["csv"]
    assert before["results"]["rounds"][0]["question"]["category"] == "Core Python"
    asked = before["my_results"]["rounds"][0]
    assert asked["question"]["prompt"] == NEW_QUESTION["prompt"]
    assert (asked["model_answer"], asked["key_points"]) == (
        NEW_QUESTION["model_answer"],
        NEW_QUESTION["key_points"],
    )
