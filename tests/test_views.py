"""The HTTP API (``interview.api.views``): bank, sessions, joins, health and docs; a session's
reads are in test_views_results.py, the panel's tools in test_views_panel_tools.py."""

import re

import pytest
from django.test import override_settings

from interview.domain import services
from interview.models import Participant, Question

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


def test_an_interviewer_has_at_most_so_many_sessions_not_finished(api, interviewer, settings):
    settings.MAX_LIVE_SESSIONS_PER_USER = 2
    first = session_for(interviewer)
    session_for(interviewer)
    refused = api.post("/api/sessions/", {"title": "Third"}, "json")
    assert (refused.status_code, error_of(refused)["code"]) == (409, "too_many_sessions")
    assert "finish one" in error_of(refused)["message"]
    services.session_finish(session=first, participant=owner_seat(first))
    assert api.post("/api/sessions/", {"title": "Third"}, "json").status_code == 201


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


def test_a_signed_in_user_who_is_not_an_interviewer_cannot_join_a_panel(api, django_user_model):
    created = api.post("/api/sessions/", {"title": "Panel"}, "json").json()
    invite = created["panel_invite_url"].split("#invite=")[1]
    user = django_user_model.objects.create_user(username="mallory", password="x")
    response = client_for(user).post(
        f"/api/sessions/{created['code']}/join", {"role": "interviewer", "invite": invite}, "json"
    )
    assert response.status_code == 403


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
