"""Who sees what, decided by one function."""

from interview.domain.visibility import (
    PARTICIPANT_CARD,
    PRIVATE_FIELDS,
    Lens,
    Viewer,
    project,
    scores_given_visible,
    visible_to,
)

ROUND = {
    "round_id": 1,
    "question": {
        **{"id": 1, "title": "T", "prompt": "P", "prompt_html": "<p>P</p>"},
        **{"category": "C", "difficulty": 1},
    },
    "model_answer": "secret answer",
    "model_answer_html": "<p>secret answer</p>",
    "key_points": ["secret point"],
    "key_points_html": ["secret point"],
}
ANSWER = {"round_id": 1, "answer_id": 5, "participant_id": 10, "revision": 1, "text": "mine"}
SCORE = {
    "answer_id": 5,
    "participant_id": 10,
    "score": 7.0,
    "by": 1,
    "by_score": 8,
    "feedback": "f",
}

PANEL = Viewer(participant_id=1, role="interviewer")
AUTHOR = Viewer(participant_id=10, role="candidate")
OTHER = Viewer(participant_id=11, role="candidate")
SPECTATOR = Viewer(participant_id=12, role="spectator")


def test_interviewers_see_the_model_answer_and_key_points():
    assert visible_to("round.opened", ROUND, PANEL) == ROUND


def test_candidates_and_spectators_see_the_question_without_model_answer_or_key_points():
    for viewer in (AUTHOR, OTHER, SPECTATOR):
        seen = visible_to("round.opened", ROUND, viewer)
        assert seen == {"round_id": 1, "question": ROUND["question"]}


def test_a_rendered_field_is_as_private_as_its_text():
    for fields in PRIVATE_FIELDS.values():
        for field, who in fields.items():
            if field.endswith("_html"):
                assert fields.get(field.removesuffix("_html")) == who, field
            elif f"{field}_html" in ROUND:
                assert fields.get(f"{field}_html") == who, field


def test_an_answers_text_goes_to_the_panel_and_its_author_only():
    assert visible_to("answer.submitted", ANSWER, PANEL)["text"] == "mine"
    assert visible_to("answer.submitted", ANSWER, AUTHOR)["text"] == "mine"
    for viewer in (OTHER, SPECTATOR):
        seen = visible_to("answer.submitted", ANSWER, viewer)
        assert "text" not in seen
        assert seen["answer_id"] == 5


def test_who_scored_and_their_feedback_in_a_score_go_to_the_panel_only():
    assert visible_to("score.updated", SCORE, PANEL) == SCORE
    for viewer in (AUTHOR, OTHER, SPECTATOR):
        assert visible_to("score.updated", SCORE, viewer) == {
            "answer_id": 5,
            "participant_id": 10,
            "score": 7.0,
        }


FEEDBACK = {"answer_id": 5, "participant_id": 10, "round_id": 1, "by": 1, "feedback": "f"}


def test_feedback_with_its_writer_goes_to_the_panel_and_the_candidate_it_is_for():
    for viewer in (PANEL, AUTHOR):
        assert visible_to("feedback.updated", FEEDBACK, viewer) == FEEDBACK
    for viewer in (OTHER, SPECTATOR):
        assert visible_to("feedback.updated", FEEDBACK, viewer) is None


def test_a_score_the_panel_has_not_all_given_yet_is_the_panels_alone():
    awaiting = {**SCORE, "awaiting": 1}
    assert visible_to("score.updated", awaiting, PANEL) == awaiting
    for viewer in (AUTHOR, OTHER, SPECTATOR):
        assert visible_to("score.updated", awaiting, viewer) is None


def test_a_score_of_an_answer_in_extra_time_goes_to_the_panel_and_its_author_only():
    late = {**SCORE, "in_extra_time": True}
    assert visible_to("score.updated", late, PANEL) == late
    assert visible_to("score.updated", late, AUTHOR) == {
        "answer_id": 5,
        "participant_id": 10,
        "score": 7.0,
        "in_extra_time": True,
    }
    for viewer in (OTHER, SPECTATOR):
        assert visible_to("score.updated", late, viewer) is None


def test_one_interviewers_own_score_is_for_the_panel_only():
    assert visible_to("score.updated", SCORE, PANEL)["by_score"] == 8
    for viewer in (AUTHOR, OTHER, SPECTATOR):
        assert "by_score" not in visible_to("score.updated", SCORE, viewer)


def test_a_snapshots_list_of_scores_shows_the_author_who_said_what_but_not_what_each_gave():
    given = [
        {"by": 1, "interviewer": "alice", "score": 2, "feedback": "thin", "revision": 1},
        {"by": 2, "interviewer": "bob", "score": 10, "feedback": "great", "revision": 2},
        {"by": 3, "interviewer": "carol", "score": 6, "feedback": "", "revision": 2},
    ]
    assert scores_given_visible(given, Lens.PANEL) == given
    # Who scored without a word is the panel's too: the author learns the writers of feedback.
    assert scores_given_visible(given, Lens.AUTHOR) == [
        {"by": 1, "interviewer": "alice", "feedback": "thin"},
        {"by": 2, "interviewer": "bob", "feedback": "great"},
    ]
    assert scores_given_visible(given, Lens.PUBLIC) == []


def test_an_event_for_interviewers_only_is_nothing_to_others():
    assert visible_to("round.closed", {"round_id": 1}, SPECTATOR, audience="interviewers") is None
    assert visible_to("round.closed", {"round_id": 1}, PANEL, audience="interviewers")


def test_a_spectator_with_the_authors_id_would_still_not_be_an_interviewer():
    spectator = Viewer(participant_id=10, role="spectator")
    assert "model_answer" not in visible_to("round.opened", ROUND, spectator)


def test_an_answers_key_point_coverage_is_the_panels_alone():
    covered = {**ANSWER, "coverage": {"points": [True, False], "suggested_score": 5}}
    assert visible_to("answer.submitted", covered, PANEL) == covered
    for viewer in (AUTHOR, OTHER, SPECTATOR):
        assert "coverage" not in visible_to("answer.submitted", covered, viewer)
    assert visible_to("answer.submitted", covered, AUTHOR)["text"] == "mine"


EXTENDED = {"round_id": 1, "participant_id": 10, "deadline": "2026-12-02T15:00:00.000Z"}


def test_an_extension_goes_to_the_panel_and_the_candidate_it_gives_time_only():
    assert visible_to("round.extended", EXTENDED, PANEL) == EXTENDED
    assert visible_to("round.extended", EXTENDED, AUTHOR) == EXTENDED
    for viewer in (OTHER, SPECTATOR):
        assert visible_to("round.extended", EXTENDED, viewer) is None


def test_a_standing_accommodation_is_the_panels_alone():
    accommodated = {"participant_id": 10, "extra_time_pct": 50}
    assert visible_to("time.accommodated", accommodated, PANEL) == accommodated
    for viewer in (AUTHOR, OTHER, SPECTATOR):
        assert visible_to("time.accommodated", accommodated, viewer) is None


def test_a_snapshots_participant_shows_their_accommodation_to_the_panel_only():
    card = {"participant_id": 10, "name": "Ann", "role": "candidate", "online": True}
    assert project(PARTICIPANT_CARD, {**card, "extra_time_pct": 50}, Lens.PANEL)["extra_time_pct"]
    for lens in (Lens.AUTHOR, Lens.PUBLIC):
        assert project(PARTICIPANT_CARD, {**card, "extra_time_pct": 50}, lens) == card


def test_a_candidates_integrity_signal_is_the_panels_alone_even_for_its_candidate():
    signal = {"participant_id": 1, "round_id": 3, "kind": "paste", "chars": 380, "at": "t"}
    author = Viewer(participant_id=1, role="candidate")
    assert visible_to("candidate.signal", signal, PANEL) == signal
    for viewer in (author, Viewer(participant_id=2, role="candidate"), SPECTATOR):
        assert visible_to("candidate.signal", signal, viewer) is None


def test_an_answer_in_extra_time_is_the_panels_and_its_authors_alone():
    late = {**ANSWER, "in_extra_time": True}
    assert visible_to("answer.submitted", late, PANEL) == late
    assert visible_to("answer.submitted", late, AUTHOR)["in_extra_time"] is True
    for viewer in (OTHER, SPECTATOR):
        assert visible_to("answer.submitted", late, viewer) is None
    assert visible_to("answer.submitted", ANSWER, OTHER) is not None


def test_a_private_note_is_the_panels_alone_even_for_the_candidate_it_is_about():
    note = {"participant_id": 10, "answer_id": 5, "round_id": 1, "by": 1, "text": "hesitant"}
    assert visible_to("note.updated", note, PANEL) == note
    for viewer in (AUTHOR, OTHER, SPECTATOR):
        assert visible_to("note.updated", note, viewer) is None


def test_a_candidates_draft_is_the_panels_alone_even_for_its_candidate():
    drafted = {"round_id": 1, "participant_id": 10, "text": "half typed", "at": "t"}
    assert visible_to("answer.drafted", drafted, PANEL) == drafted
    for viewer in (AUTHOR, OTHER, SPECTATOR):
        assert visible_to("answer.drafted", drafted, viewer) is None


def test_that_an_answer_was_kept_at_the_close_is_told_to_the_panel_and_its_author_only():
    kept = {**ANSWER, "at_close": True}
    assert visible_to("answer.submitted", kept, PANEL)["at_close"] is True
    assert visible_to("answer.submitted", kept, AUTHOR)["at_close"] is True
    for viewer in (OTHER, SPECTATOR):
        seen = visible_to("answer.submitted", kept, viewer)
        assert seen == {key: value for key, value in ANSWER.items() if key != "text"}


EXERCISE = {
    **ROUND,
    "question": {**ROUND["question"], "kind": "exercise"},
    "starter_code": "def add(a, b):\n    ...",
    "examples": [{"name": "adds", "call": "add(1, 2)", "expected": "3"}],
    "tests": [{"name": "adds negatives", "call": "add(-1, -2)", "expected": "-3"}],
}


def test_an_exercises_hidden_tests_are_the_panels_alone_its_starter_code_and_examples_everyones():
    assert visible_to("round.opened", EXERCISE, PANEL) == EXERCISE
    for viewer in (AUTHOR, OTHER, SPECTATOR):
        assert visible_to("round.opened", EXERCISE, viewer) == {
            "round_id": 1,
            "question": EXERCISE["question"],
            "starter_code": EXERCISE["starter_code"],
            "examples": EXERCISE["examples"],
        }
