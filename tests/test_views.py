"""The HTTP half of the contract: bank, sessions, joins, results, health and docs."""

import csv
import io
import re
from datetime import timedelta

import pytest
import time_machine
from django.test import override_settings
from django.utils import timezone

from interview.domain import selectors, services
from interview.domain.visibility import Viewer
from interview.models import Category, Participant, Question

from .conftest import client_for, make_interviewer
from .factories import owner_seat, round_of, seat, session_for
from .seed_titles import SEED_CHALLENGES, SEED_QUESTIONS

pytestmark = pytest.mark.django_db

NEW_QUESTION = {
    "slug": "gil",
    "category": "Core Python",
    "difficulty": 2,
    "title": "What is the GIL?",
    "prompt": "Explain the global interpreter lock.",
    "model_answer": "One thread runs Python bytecode at a time.",
    "key_points": ["one thread at a time", "I/O releases it"],
    "tags": ["Python", "threads"],
}


def error_of(response) -> dict:
    body = response.json()
    assert set(body) == {"error"}, body
    assert {"code", "message"} <= set(body["error"])
    return body["error"]


# --- the question bank ---------------------------------------------------------------------


def test_the_bank_needs_credentials(anonymous, bank):
    response = anonymous.get("/api/questions/")
    assert response.status_code == 401
    assert error_of(response)["code"] == "not_authenticated"


def test_a_signed_in_user_who_is_not_an_interviewer_is_forbidden(django_user_model, bank):
    user = django_user_model.objects.create_user(username="mallory", password="x")
    response = client_for(user).get("/api/questions/")
    assert response.status_code == 403
    assert error_of(response)["code"] == "forbidden"


def test_a_browser_session_signs_an_interviewer_in(interviewer, bank, client):
    client.force_login(interviewer)
    assert client.get("/api/questions/").status_code == 200


def test_the_bank_lists_every_seed_entry_in_pages(api, bank):
    first = api.get("/api/questions/").json()
    assert first["count"] >= 45
    assert len(first["results"]) == 20
    assert first["next"]
    everything = api.get("/api/questions/?page_size=100").json()["results"]
    assert "model_answer" in everything[0]
    assert "key_points" in everything[0]


@pytest.mark.parametrize("title", SEED_QUESTIONS + SEED_CHALLENGES)
def test_each_seed_entry_is_found_by_the_words_of_its_title(api, bank, title):
    words = [w for w in re.findall(r"[A-Za-z0-9]+", title) if len(w) > 3][:4]
    found = api.get("/api/questions/", {"search": " ".join(words), "page_size": 100}).json()
    assert title in [q["title"] for q in found["results"]]


def test_the_bank_filters_by_category_and_difficulty(api, bank):
    found = api.get("/api/questions/", {"category": "Version Control", "difficulty": 1}).json()
    assert found["count"] >= 1
    assert all(q["category"] == "Version Control" for q in found["results"])
    assert all(q["difficulty"] == 1 for q in found["results"])


def test_an_unknown_filter_value_is_a_clear_400(api, bank):
    response = api.get("/api/questions/", {"difficulty": "hard"})
    assert response.status_code == 400
    assert error_of(response)["code"] == "invalid"


def test_an_interviewer_adds_edits_and_deletes_a_question(api, bank):
    created = api.post("/api/questions/", NEW_QUESTION, format="json")
    assert created.status_code == 201, created.json()
    question = created.json()
    assert question["tags"] == ["python", "threads"]
    assert question["time_limit_s"] == 300
    edited = api.patch(f"/api/questions/{question['id']}/", {"difficulty": 3}, format="json")
    assert edited.json()["difficulty"] == 3
    assert api.delete(f"/api/questions/{question['id']}/").status_code == 204
    assert api.get(f"/api/questions/{question['id']}/").status_code == 404


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"difficulty": 5}, "difficulty"),
        ({"category": "Cooking"}, "category"),
        ({"key_points": "not a list"}, "key_points"),
        ({"title": ""}, "title"),
        ({"slug": "python-decorators"}, "slug"),
        ({"prompt": "x" * 20_001}, "prompt"),
        ({"model_answer": "x" * 50_001}, "model_answer"),
    ],
)
def test_an_invalid_question_is_refused_naming_the_field(api, bank, change, field):
    response = api.post("/api/questions/", {**NEW_QUESTION, **change}, format="json")
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "invalid"
    assert error["message"].startswith(field)
    assert field in error["details"]
    assert not Question.objects.filter(slug="gil").exists()


EXERCISE = {
    **NEW_QUESTION,
    "slug": "add",
    "kind": "exercise",
    "starter_code": "def add(a, b):\n    ...",
    "examples": [{"name": "adds", "call": "add(1, 2)", "expected": "3"}],
    "tests": [
        {"name": "negatives", "setup": "x = -1", "call": "add(x, -2)", "expected": "-3"},
        {"name": "text and numbers", "call": "add('a', 1)", "raises": "TypeError"},
    ],
}


def test_an_interviewer_writes_an_exercise_with_starter_code_examples_and_hidden_tests(api, bank):
    created = api.post("/api/questions/", EXERCISE, format="json")
    assert created.status_code == 201, created.json()
    assert {key: created.json()[key] for key in ("starter_code", "examples", "tests")} == {
        key: EXERCISE[key] for key in ("starter_code", "examples", "tests")
    }
    question_id = created.json()["id"]
    more = [*EXERCISE["tests"], {"name": "zeros", "call": "add(0, 0)", "expected": "0"}]
    edited = api.patch(f"/api/questions/{question_id}/", {"tests": more}, format="json")
    assert edited.status_code == 200, edited.json()
    assert len(edited.json()["tests"]) == 3
    emptied = api.patch(f"/api/questions/{question_id}/", {"examples": []}, format="json")
    assert error_of(emptied)["message"].startswith("examples")
    as_question = api.patch(f"/api/questions/{question_id}/", {"kind": "question"}, format="json")
    assert error_of(as_question)["message"].startswith("starter_code")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"tests": [{"name": "t", "call": "add(", "expected": "1"}]}, "tests"),
        ({"examples": [{"name": "t", "call": "add(1, 2)", "expected": "three"}]}, "examples"),
        ({"examples": "not a list"}, "examples"),
        ({"starter_code": "x" * 10_001}, "starter_code"),
        ({"starter_code": ""}, "starter_code"),
        ({"kind": "question"}, "starter_code"),
    ],
)
def test_an_invalid_exercise_is_refused_naming_the_field(api, bank, change, field):
    response = api.post("/api/questions/", {**EXERCISE, **change}, format="json")
    assert response.status_code == 400
    assert error_of(response)["message"].startswith(field)
    assert not Question.objects.filter(slug="add").exists()


def test_malformed_json_is_a_bad_json_error(api):
    response = api.post("/api/questions/", "{nope", content_type="application/json")
    assert response.status_code == 400
    assert error_of(response)["code"] == "bad_json"


def test_a_question_already_asked_cannot_be_deleted(api, interviewer, bank):
    created = api.post("/api/questions/", NEW_QUESTION, format="json").json()
    question = Question.objects.get(id=created["id"])
    rnd = round_of(session_for(interviewer), question)
    response = api.delete(f"/api/questions/{question.id}/")
    assert response.status_code == 409
    assert error_of(response)["code"] == "in_use"
    assert Question.objects.filter(id=question.id).exists()
    rnd.refresh_from_db()
    assert (rnd.question_id, rnd.title) == (question.id, NEW_QUESTION["title"])


def test_creating_a_question_makes_the_interviewer_its_owner(api, interviewer, bank):
    created = api.post("/api/questions/", NEW_QUESTION, format="json").json()
    assert created["owner"] == "alice"
    assert Question.objects.get(id=created["id"]).owner == interviewer
    builtin = api.get(f"/api/questions/{Question.objects.filter(owner=None).first().id}/")
    assert builtin.json()["owner"] is None


def test_another_interviewer_can_read_but_not_edit_or_delete_my_question(
    api, other_interviewer, bank
):
    mine = api.post("/api/questions/", NEW_QUESTION, format="json").json()
    bob = client_for(other_interviewer)
    url = f"/api/questions/{mine['id']}/"
    assert bob.get(url).json()["title"] == NEW_QUESTION["title"]
    for response in (
        bob.patch(url, {"title": "Bob's now"}, format="json"),
        bob.put(url, {**NEW_QUESTION, "title": "Bob's now"}, format="json"),
        bob.delete(url),
    ):
        assert response.status_code == 403
        assert error_of(response)["code"] == "forbidden"
    assert api.get(url).json() == mine


def test_only_staff_change_the_built_in_bank(api, bank, django_user_model):
    builtin = Question.objects.filter(owner=None).first()
    url = f"/api/questions/{builtin.id}/"
    refused = api.patch(url, {"difficulty": 3 - builtin.difficulty % 3}, format="json")
    assert refused.status_code == 403
    assert error_of(refused)["code"] == "forbidden"
    staff = make_interviewer("sam")
    staff.is_staff = True
    staff.save()
    edited = client_for(staff).patch(url, {"title": "Decorators, revisited"}, format="json")
    assert edited.status_code == 200, edited.json()
    assert edited.json()["owner"] is None
    assert Question.objects.get(id=builtin.id).title == "Decorators, revisited"


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


# --- sessions ------------------------------------------------------------------------------


def test_creating_a_session_returns_links_and_a_token_shown_once(api, interviewer, bank):
    ids = list(Question.objects.values_list("id", flat=True)[:3])
    response = api.post(
        "/api/sessions/", {"title": "Panel", "question_ids": ids, "time_limit_s": 90}, "json"
    )
    assert response.status_code == 201
    body = response.json()
    code = body["code"]
    assert re.fullmatch(r"[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{6,8}", code)
    assert body["join_url"] == f"http://testserver/s/{code}/"
    assert body["spectate_url"] == f"http://testserver/s/{code}/watch"
    assert body["ws_url"] == f"ws://testserver/ws/sessions/{code}/"
    assert body["status"] == "lobby"
    owner = Participant.objects.get(id=body["participant_id"])
    assert owner.user == interviewer
    assert owner.role == "interviewer"
    assert body["interviewer_token"] not in owner.token_hash
    assert len(body["interviewer_token"]) >= 22  # at least 128 bits in URL-safe base64


def test_a_session_naming_a_missing_question_is_refused(api, bank):
    response = api.post("/api/sessions/", {"title": "Panel", "question_ids": [99999]}, "json")
    assert response.status_code == 400
    assert "99999" in error_of(response)["message"]


def test_a_session_ranks_by_the_rule_chosen_when_it_is_created(api):
    made = api.post("/api/sessions/", {"title": "Panel"}, "json").json()
    assert made["ranking"] == "total"
    made = api.post("/api/sessions/", {"title": "Panel", "ranking": "mean"}, "json").json()
    assert made["ranking"] == "mean"
    shown = api.get(f"/api/sessions/{made['code']}/").json()
    assert shown["ranking"] == "mean"
    response = api.post("/api/sessions/", {"title": "Panel", "ranking": "median"}, "json")
    assert response.status_code == 400
    assert error_of(response)["message"].startswith("ranking")
    schema = api.get("/api/schema/?format=json").json()
    schemas = schema["components"]["schemas"]
    assert "ranking" in schemas["SessionCreate"]["properties"]
    assert set(schemas["RankingEnum"]["enum"]) == {"total", "mean"}


def test_a_session_needs_a_title(api):
    response = api.post("/api/sessions/", {}, "json")
    assert response.status_code == 400
    assert error_of(response)["message"].startswith("title")


def test_sessions_need_credentials(anonymous):
    assert anonymous.post("/api/sessions/", {"title": "x"}, "json").status_code == 401


def test_an_interviewer_lists_only_the_sessions_of_their_panels(
    api, interviewer, other_interviewer
):
    mine = session_for(interviewer, "Mine")
    session_for(other_interviewer, "Theirs")
    listed = api.get("/api/sessions/").json()["results"]
    assert [s["code"] for s in listed] == [mine.code]


def test_another_interviewers_session_is_forbidden(api, other_interviewer):
    theirs = session_for(other_interviewer)
    response = api.get(f"/api/sessions/{theirs.code}/")
    assert response.status_code == 403
    assert error_of(response)["code"] == "forbidden"


# --- joining -------------------------------------------------------------------------------


def test_a_candidate_joins_with_the_code_and_gets_a_token(anonymous, interviewer):
    session = session_for(interviewer)
    response = anonymous.post(
        f"/api/sessions/{session.code.lower()}/join",
        {"display_name": "  Ann   Lee ", "role": "candidate"},
        "json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["display_name"] == "Ann Lee"
    assert body["ws_url"] == f"ws://testserver/ws/sessions/{session.code}/"
    assert "?" not in body["ws_url"]
    participant = Participant.objects.get(id=body["participant_id"])
    assert participant.role == "candidate"
    assert body["token"] != participant.token_hash


def test_a_spectator_joins_with_the_code(anonymous, interviewer):
    session = session_for(interviewer)
    response = anonymous.post(
        f"/api/sessions/{session.code}/join", {"display_name": "Wall", "role": "spectator"}, "json"
    )
    assert response.status_code == 201
    assert response.json()["role"] == "spectator"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"display_name": "   ", "role": "candidate"}, "display_name"),
        ({"display_name": "x" * 41, "role": "candidate"}, "display_name"),
        ({"display_name": "Ann\u202e", "role": "candidate"}, "display_name"),
        ({"display_name": "\u200b", "role": "spectator"}, "display_name"),
        ({"display_name": "Ann\x1b[2J", "role": "candidate"}, "display_name"),
        ({"display_name": "Ann", "role": "owner"}, "role"),
        ({"display_name": "Ann"}, "role"),
    ],
)
def test_a_bad_join_is_refused_with_a_clear_error(anonymous, interviewer, body, message):
    session = session_for(interviewer)
    response = anonymous.post(f"/api/sessions/{session.code}/join", body, "json")
    assert response.status_code == 400
    assert error_of(response)["message"].startswith(message)


def test_joining_an_unknown_code_is_not_found(anonymous):
    response = anonymous.post(
        "/api/sessions/ZZZZZZZZ/join", {"display_name": "Ann", "role": "candidate"}, "json"
    )
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_two_candidates_cannot_share_a_name(anonymous, interviewer):
    session = session_for(interviewer)
    seat(session, "Ann")
    response = anonymous.post(
        f"/api/sessions/{session.code}/join", {"display_name": "ann", "role": "candidate"}, "json"
    )
    assert response.status_code == 409
    assert error_of(response)["code"] == "name_taken"


def join_limit() -> int:
    """Joins a minute one address may make, as configured (JOIN_RATE)."""
    from rest_framework.throttling import ScopedRateThrottle

    return int(ScopedRateThrottle.THROTTLE_RATES["join"].split("/")[0])


def test_joins_are_rate_limited_per_address(anonymous, interviewer):
    session = session_for(interviewer)
    url = f"/api/sessions/{session.code}/join"
    for number in range(join_limit()):
        body = {"display_name": f"Guess {number}", "role": "spectator"}
        assert anonymous.post(url, body, "json").status_code == 201
    limited = anonymous.post(url, {"display_name": "One more", "role": "spectator"}, "json")
    assert limited.status_code == 429
    assert int(limited["Retry-After"]) > 0
    assert error_of(limited)["code"] == "rate_limited"
    other_address = anonymous.post(
        url, {"display_name": "Elsewhere", "role": "spectator"}, "json", REMOTE_ADDR="10.0.0.9"
    )
    assert other_address.status_code == 201


def test_guessing_codes_counts_against_the_limit(anonymous):
    for _ in range(join_limit()):
        anonymous.post("/api/sessions/AAAAAAAA/join", {"role": "candidate"}, "json")
    response = anonymous.post("/api/sessions/AAAAAAAB/join", {"role": "candidate"}, "json")
    assert response.status_code == 429


def test_a_co_interviewer_joins_the_panel_with_the_invite(api, other_interviewer):
    created = api.post("/api/sessions/", {"title": "Panel"}, "json").json()
    invite = created["panel_invite_url"].split("#invite=")[1]
    bob = client_for(other_interviewer)
    refused = bob.post(f"/api/sessions/{created['code']}/join", {"role": "interviewer"}, "json")
    assert refused.status_code == 403
    joined = bob.post(
        f"/api/sessions/{created['code']}/join", {"role": "interviewer", "invite": invite}, "json"
    )
    assert joined.status_code == 201
    assert joined.json()["role"] == "interviewer"
    assert bob.get(f"/api/sessions/{created['code']}/results").status_code == 200


def test_an_interviewer_joining_again_gets_a_new_token_for_the_same_seat(api, interviewer):
    created = api.post("/api/sessions/", {"title": "Panel"}, "json").json()
    again = api.post(f"/api/sessions/{created['code']}/join", {"role": "interviewer"}, "json")
    assert again.status_code == 201
    assert again.json()["participant_id"] == created["participant_id"]
    assert again.json()["token"] != created["interviewer_token"]


def test_joining_as_interviewer_needs_a_sign_in(anonymous, interviewer):
    session = session_for(interviewer)
    response = anonymous.post(f"/api/sessions/{session.code}/join", {"role": "interviewer"}, "json")
    assert response.status_code == 401


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


@pytest.mark.django_db
def test_results_csv_has_each_rounds_signals_and_key_point_coverage(api, interviewer, bank):
    session = session_for(interviewer)
    panel = owner_seat(session)
    ann = seat(session, "Ann")
    seat(session, "Ben")  # no signals, no answer
    question = Question.objects.get(slug="django-orm-query-optimization")
    rnd = services.round_open(session=session, participant=panel, question_id=question.id)
    for kind, chars in (("blur", None), ("paste", 380), ("focus", None)):
        services.signal_report(
            session=session, participant=ann, round_id=rnd.id, kind=kind, chars=chars
        )
    services.answer_submit(
        session=session, participant=ann, round_id=rnd.id, text=question.model_answer
    )
    services.round_close(session=session, participant=panel)

    response = api.get(f"/api/sessions/{session.code}/results.csv")
    header, *rows = csv.reader(io.StringIO(response.content.decode()))
    by_name = {row[header.index("candidate")]: dict(zip(header, row, strict=True)) for row in rows}
    results = api.get(f"/api/sessions/{session.code}/results").json()
    coverage = {c["name"]: c["rounds"][0]["coverage"] for c in results["candidates"]}
    anns = by_name["Ann"]
    assert anns["signals"] == "lost focus 1×, pasted 380 characters"
    assert (anns["lost_focus"], anns["pastes"], anns["pasted_chars"]) == ("1", "1", "380")
    assert (anns["left_tab"], anns["away_s"]) == ("0", "0")
    assert anns["key_points_covered"] == str(sum(coverage["Ann"]["points"]))
    assert anns["key_points"] == str(len(question.key_points))
    assert anns["suggested_score"] == str(coverage["Ann"]["suggested_score"])
    bens = by_name["Ben"]
    assert (bens["signals"], bens["pastes"]) == ("no signals", "0")
    assert (bens["key_points_covered"], bens["key_points"], bens["suggested_score"]) == ("", "", "")


def test_results_csv_cells_that_a_spreadsheet_would_run_as_formulas_are_neutralised(
    api, interviewer, bank
):
    session = session_for(interviewer)
    panel = owner_seat(session)
    hostile = seat(session, '=HYPERLINK("http://evil.example/","x")')
    plain = seat(session, "Ann")
    rnd = services.round_open(
        session=session, participant=panel, question_id=Question.objects.first().id
    )
    for candidate, feedback in ((hostile, "@SUM(1+1)"), (plain, "Clear and short.")):
        answer = services.answer_submit(
            session=session, participant=candidate, round_id=rnd.id, text="an answer"
        )
        services.answer_score(
            session=session, participant=panel, answer_id=answer.id, score=5, feedback=feedback
        )
    response = api.get(f"/api/sessions/{session.code}/results.csv")
    header, *rows = csv.reader(io.StringIO(response.content.decode()))
    by_name = {row[header.index("candidate")]: dict(zip(header, row, strict=True)) for row in rows}
    assert set(by_name) == {'\'=HYPERLINK("http://evil.example/","x")', "Ann"}
    assert by_name['\'=HYPERLINK("http://evil.example/","x")']["feedback"] == "'@SUM(1+1)"
    assert by_name["Ann"]["feedback"] == "Clear and short."
    assert by_name["Ann"]["score"] == "5"
    assert by_name["Ann"]["total"] == "5.0"


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@A1", "'@A1"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("a=b", "a=b"),
        ("", ""),
        (-1.5, -1.5),
        (7, 7),
    ],
)
def test_a_csv_cell_is_prefixed_only_when_it_is_text_starting_a_formula(value, written):
    assert selectors.csv_cell(value) == written


# --- health and docs -----------------------------------------------------------------------


def test_healthz_is_200_when_database_and_channel_layer_answer(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "channel_layer": "ok"}


def test_healthz_is_503_when_the_channel_layer_does_not_answer(client):
    from channels.layers import channel_layers

    unreachable = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]},
        }
    }
    with override_settings(CHANNEL_LAYERS=unreachable):
        channel_layers.backends.clear()
        try:
            response = client.get("/healthz")
        finally:
            channel_layers.backends.clear()
    assert response.status_code == 503
    assert response.json()["checks"]["channel_layer"].startswith("error")


def test_the_openapi_schema_and_docs_are_public(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/sessions/{code}/join" in schema.content
    assert b"ExerciseTest" in schema.content  # an exercise's tests, typed
    assert client.get("/api/docs/").status_code == 200


def test_an_unknown_api_path_is_a_json_404(client):
    response = client.get("/api/nothing-here/")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


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


def test_a_signed_in_user_who_is_not_an_interviewer_cannot_join_a_panel(api, django_user_model):
    created = api.post("/api/sessions/", {"title": "Panel"}, "json").json()
    invite = created["panel_invite_url"].split("#invite=")[1]
    user = django_user_model.objects.create_user(username="mallory", password="x")
    response = client_for(user).post(
        f"/api/sessions/{created['code']}/join", {"role": "interviewer", "invite": invite}, "json"
    )
    assert response.status_code == 403


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


def test_the_sessions_reads_share_one_limit_per_address_whoever_asks(
    api, anonymous, interviewer, bank, settings
):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "read": "4/min",
        },
    }
    session, panel, ann, _ = played_session(interviewer)
    services.session_finish(session=session, participant=panel)
    base = f"/api/sessions/{session.code}"
    for path in ("timeline", "results", "results.csv"):
        assert api.get(f"{base}/{path}").status_code == 200, path
    mine = anonymous.get(f"{base}/my-results", HTTP_X_PARTICIPANT_TOKEN=ann.token)
    assert mine.status_code == 200
    # The fifth read from this address, by another reader, waits.
    later = anonymous.get(f"{base}/timeline", HTTP_X_PARTICIPANT_TOKEN=ann.token)
    assert (later.status_code, error_of(later)["code"]) == (429, "rate_limited")
    assert int(later["Retry-After"]) > 0
    elsewhere = api.get(f"{base}/timeline", REMOTE_ADDR="192.0.2.7")
    assert elsewhere.status_code == 200


def test_an_interviewer_opens_sessions_at_a_limited_rate_counted_per_user(api, settings):
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**rates, "sessions": "3/min"},
    }
    for number in range(3):
        assert api.post("/api/sessions/", {"title": f"P{number}"}, "json").status_code == 201
    refused = api.post("/api/sessions/", {"title": "P4"}, "json")
    assert (refused.status_code, error_of(refused)["code"]) == (429, "rate_limited")
    assert api.get("/api/sessions/").status_code == 200  # reading is not creating
    colleague = client_for(make_interviewer("carol"))
    assert colleague.post("/api/sessions/", {"title": "Hers"}, "json").status_code == 201


def test_an_interviewer_has_at_most_so_many_sessions_not_finished(api, interviewer, settings):
    settings.MAX_LIVE_SESSIONS_PER_USER = 2
    first = session_for(interviewer)
    session_for(interviewer)
    refused = api.post("/api/sessions/", {"title": "Third"}, "json")
    assert (refused.status_code, error_of(refused)["code"]) == (409, "too_many_sessions")
    assert "finish one" in error_of(refused)["message"]
    services.session_finish(session=first, participant=owner_seat(first))
    assert api.post("/api/sessions/", {"title": "Third"}, "json").status_code == 201
