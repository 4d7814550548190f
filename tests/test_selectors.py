"""Reads: what a socket is welcomed with."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, connections
from hypothesis import given
from hypothesis import strategies as st

from interview.domain import selectors, services
from interview.domain.protocol import timestamp
from interview.domain.sql import moment as sql_moment
from interview.domain.visibility import Viewer
from interview.models import Category, Question

from .factories import owner_seat, seat, session_for


def commit_from_another_connection(write) -> threading.Thread:
    """Start ``write`` in a thread of its own, on a database connection of its own; wait
    for it to commit unless the database makes it wait for the caller's transaction."""

    def run() -> None:
        try:
            write()
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    # PostgreSQL commits at once; SQLite queues the writer behind the reader's lock.
    thread.join(timeout=None if connection.vendor == "postgresql" else 2)
    return thread


@pytest.mark.django_db(transaction=True)
def test_a_welcome_holds_no_event_in_its_snapshot_beyond_its_last_seq(
    interviewer, bank, monkeypatch
):
    session = session_for(interviewer)
    owner, ann = owner_seat(session), seat(session, "Ann")
    question = Question.objects.order_by("id").first()
    opened = services.round_open(session=session, participant=owner, question_id=question.id)
    read_snapshot = selectors.snapshot_for
    writers = []

    def snapshot_after_an_answer_commits(welcomed, viewer):
        # Ann answers between the welcome's read of last_seq and its read of the snapshot.
        writers.append(
            commit_from_another_connection(
                lambda: services.answer_submit(
                    session=session, participant=ann, round_id=opened.id, text="late"
                )
            )
        )
        return read_snapshot(welcomed, viewer)

    monkeypatch.setattr(selectors, "snapshot_for", snapshot_after_an_answer_commits)
    viewer = Viewer(participant_id=owner.id, role=owner.role)
    welcome = selectors.welcome_for(owner, viewer, 0)

    # The answer's event (seq 2) comes live after the welcome; so it is not in the snapshot.
    assert welcome.data["last_seq"] == 1
    assert [seq for seq, _ in welcome.replay] == [1]
    assert welcome.data["snapshot"]["round"]["answered"] == []
    assert welcome.data["snapshot"]["answers"] == []
    writers[0].join()
    session.refresh_from_db()
    assert session.last_seq == 2


# --- integrity signals ------------------------------------------------------------------------


def signal(kind: str, second: float, **extra) -> dict:
    at = datetime(2026, 12, 2, 15, 0, tzinfo=UTC) + timedelta(seconds=second)
    return {"participant_id": 1, "round_id": 1, "kind": kind, "at": timestamp(at), **extra}


ROUND_END = datetime(2026, 12, 2, 15, 5, tzinfo=UTC)


def test_a_summary_adds_up_time_away_focus_losses_and_paste_sizes():
    signals = [
        signal("blur", 1),
        signal("hidden", 1.2),
        signal("visible", 20.2),
        signal("focus", 20.3),
        signal("paste", 30, chars=300),
        signal("hidden", 40),
        signal("hidden", 41),  # a second hidden without a visible between: one absence
        signal("visible", 52.6),
        signal("hidden", 100),
        signal("visible", 110.0),
        signal("paste", 120, chars=80),
    ]
    summary = selectors.signals_summary(signals, until=ROUND_END)
    assert summary == {
        "left_tab": 4,
        "away_s": 42,  # 19 s + 12.6 s + 10 s
        "reloads": 0,
        "lost_focus": 1,
        "pastes": 2,
        "pasted_chars": 380,
        "signals_dropped": 0,
        "summary": "left the tab 4× (42 s), lost focus 1×, pasted 380 characters",
    }


def test_a_tab_still_hidden_counts_until_the_round_ended():
    summary = selectors.signals_summary([signal("hidden", 170)], until=ROUND_END, dropped=3)
    assert summary["away_s"] == 130
    assert summary["summary"] == "left the tab 1× (2 min 10 s), 3 more signals not kept"


def test_no_signals_say_so():
    assert selectors.signals_summary([], until=ROUND_END)["summary"] == "no signals"


def test_a_reload_is_not_leaving_the_tab_and_counts_only_the_moment_the_page_was_gone():
    signals = [
        signal("hidden", 10),  # the page unloads
        signal("visible", 10.8, load="reloaded"),  # and loads again, focused
        signal("focus", 10.9),
        signal("hidden", 30),
        signal("visible", 45),
    ]
    summary = selectors.signals_summary(signals, until=ROUND_END)
    assert (summary["left_tab"], summary["reloads"], summary["away_s"]) == (1, 1, 16)
    assert summary["summary"] == "left the tab 1× (15 s), reloaded the page 1× (1 s)"


def test_a_reload_whose_hidden_was_lost_counts_as_a_reload_of_no_time():
    summary = selectors.signals_summary([signal("visible", 3, load="reloaded")], until=ROUND_END)
    assert (summary["left_tab"], summary["reloads"], summary["away_s"]) == (0, 1, 0)
    assert summary["summary"] == "reloaded the page 1× (0 s)"


def test_a_page_opened_anew_after_the_tab_was_closed_is_time_away():
    signals = [signal("hidden", 10), signal("visible", 70, load="opened")]
    summary = selectors.signals_summary(signals, until=ROUND_END)
    assert (summary["left_tab"], summary["reloads"], summary["away_s"]) == (1, 0, 60)


def test_the_window_regaining_focus_ends_the_time_away():
    signals = [signal("hidden", 10), signal("focus", 14), signal("visible", 200)]
    summary = selectors.signals_summary(signals, until=ROUND_END)
    assert summary["away_s"] == 4
    assert summary["summary"] == "left the tab 1× (4 s)"


KINDS = st.sampled_from(["hidden", "visible", "blur", "focus", "paste", "reloaded", "opened"])


def signals_of(steps: list[tuple[str, float]]) -> list[dict]:
    """Signals at increasing seconds; ``reloaded`` and ``opened`` are a ``visible`` on load."""
    signals, second = [], 0.0
    for kind, gap in steps:
        second += gap
        if kind in ("reloaded", "opened"):
            signals.append(signal("visible", second, load=kind))
        elif kind == "paste":
            signals.append(signal("paste", second, chars=1))
        else:
            signals.append(signal(kind, second))
    return signals


STEPS = st.lists(st.tuples(KINDS, st.floats(min_value=0, max_value=50)), max_size=30)


@given(steps=STEPS, later=st.floats(min_value=0, max_value=3600))
def test_time_away_never_grows_once_the_candidate_is_back(steps, later):
    signals = signals_of([*steps, ("visible", 1)])
    last = sql_moment(signals[-1]["at"])
    now = selectors.signals_summary(signals, until=last)
    assert selectors.signals_summary(signals, until=last + timedelta(seconds=later)) == now


@given(steps=STEPS)
def test_time_away_is_never_more_than_the_time_since_the_first_hidden(steps):
    signals = signals_of(steps)
    until = datetime(2026, 12, 2, 16, 0, tzinfo=UTC)
    summary = selectors.signals_summary(signals, until=until)
    hidden = [sql_moment(s["at"]) for s in signals if s["kind"] == "hidden"]
    span = (until - hidden[0]).total_seconds() if hidden else 0
    # Each kind of spell is rounded to whole seconds on its own: at most one second more.
    assert summary["away_s"] <= span + 1
    assert summary["left_tab"] + summary["reloads"] <= len(signals)
    assert summary["reloads"] == sum(s.get("load") == "reloaded" for s in signals)


@pytest.mark.django_db
def test_a_snapshot_says_when_each_round_closed_as_the_results_count_it(interviewer, bank):
    session = session_for(interviewer)
    owner = owner_seat(session)
    first, second = Question.objects.order_by("id")[:2]
    services.round_open(session=session, participant=owner, question_id=first.id)
    services.round_close(session=session, participant=owner)
    services.round_open(session=session, participant=owner, question_id=second.id)
    viewer = Viewer(participant_id=owner.id, role=owner.role)

    closed, still_open = selectors.snapshot_for(session, viewer)["rounds"]
    ended = session.rounds.get(position=1).closed_at
    assert closed["closed_at"] == timestamp(ended)
    assert still_open["closed_at"] is None


# --- the skills map -----------------------------------------------------------------------


def test_an_areas_mean_is_the_mean_of_its_scored_answers():
    skills = selectors.skill_means(
        [("Core Python", 6.0), ("Core Python", 9.0), ("Core Python", None), ("Soft Skills", 7.5)]
    )
    by_area = {skill["area"]: skill for skill in skills}
    assert by_area["Core Python"] == {"area": "Core Python", "asked": 3, "scored": 2, "mean": 7.5}
    assert by_area["Soft Skills"]["mean"] == 7.5


def test_every_area_of_the_bank_is_listed_in_its_order_scored_or_not():
    skills = selectors.skill_means([("Version Control", 4.0)])
    assert [skill["area"] for skill in skills] == list(Category.values)
    unasked = [skill for skill in skills if skill["area"] != "Version Control"]
    assert all(skill == {**skill, "asked": 0, "scored": 0, "mean": None} for skill in unasked)


def test_a_category_outside_the_bank_is_no_area_of_the_map():
    skills = selectors.skill_means([("Astrology", 9.0)])
    assert [skill["area"] for skill in skills] == list(Category.values)
    assert all(skill["mean"] is None for skill in skills)


def test_an_area_asked_but_unscored_has_no_mean():
    (core, *_) = selectors.skill_means([("Core Python", None)])
    assert (core["asked"], core["scored"], core["mean"]) == (1, 0, None)


@pytest.mark.django_db
def test_each_candidates_results_carry_their_skills_and_radar(interviewer, bank):
    session = session_for(interviewer)
    panel, ann, ben = owner_seat(session), seat(session, "Ann"), seat(session, "Ben")
    for slug_category, score in (("Core Python", 8), ("Version Control", 5)):
        question = Question.objects.filter(category=slug_category).first()
        rnd = services.round_open(session=session, participant=panel, question_id=question.id)
        answer = services.answer_submit(session=session, participant=ann, round_id=rnd.id, text="x")
        services.answer_score(session=session, participant=panel, answer_id=answer.id, score=score)
    results = selectors.results_for(session)
    first, second = results["candidates"]
    assert first["name"] == "Ann"
    means = {skill["area"]: skill["mean"] for skill in first["skills"]}
    assert (means["Core Python"], means["Version Control"], means["Soft Skills"]) == (8, 5, None)
    # Two areas asked: a labelled bar each, not a radar collapsed to a line.
    assert first["skills_svg"].count("<circle") == 0
    assert first["skills_svg"].count('class="bar"') == 2
    assert 'data-area="Core Python"' in first["skills_svg"]
    assert 'id="skills-' + str(ann.id) + '"' in first["skills_svg"]
    assert all(skill["mean"] is None for skill in second["skills"])
    assert second["name"] == "Ben"
    assert ben.id == second["participant_id"]


def test_a_late_joiners_results_count_only_the_rounds_asked_since_they_joined(interviewer, bank):
    session = session_for(interviewer, ranking="mean")
    panel, ann = owner_seat(session), seat(session, "Ann")
    questions = list(Question.objects.order_by("id")[:3])
    first = services.round_open(session=session, participant=panel, question_id=questions[0].id)
    answer = services.answer_submit(session=session, participant=ann, round_id=first.id, text="a")
    services.answer_score(session=session, participant=panel, answer_id=answer.id, score=4)
    services.round_close(session=session, participant=panel)
    ben = seat(session, "Ben")  # between rounds 1 and 2: present from round 2
    for question in questions[1:]:
        rnd = services.round_open(session=session, participant=panel, question_id=question.id)
        if question == questions[1]:
            late = services.answer_submit(
                session=session, participant=ben, round_id=rnd.id, text="b"
            )
            services.answer_score(session=session, participant=panel, answer_id=late.id, score=6)
    results = selectors.results_for(session)
    assert results["ranking"] == "mean"
    bens, anns = results["candidates"]  # Ben: 6 over 2 rounds; Ann: 4 over 3
    assert (bens["name"], bens["joined_at"], bens["asked"], bens["answered"]) == ("Ben", 2, 2, 1)
    assert (bens["mean"], anns["mean"]) == (3.0, 1.33)
    assert [r["present"] for r in bens["rounds"]] == [False, True, True]
    assert sum(skill["asked"] for skill in bens["skills"]) == 2
    assert sum(category["rounds"] for category in bens["categories"]) == 2
    rows = selectors.results_csv_rows(selectors.results_for(session, skills_maps=False))
    header = selectors.RESULTS_CSV_HEADER
    joined = {row[header.index("joined_at")] for row in rows if row[2] == "Ben"}
    assert joined == {2}


def test_a_score_of_an_older_revision_says_which_it_was_given_to(interviewer, bank):
    session = session_for(interviewer)
    panel, ann = owner_seat(session), seat(session, "Ann")
    rnd = services.round_open(
        session=session, participant=panel, question_id=Question.objects.first().id
    )
    answer = services.answer_submit(session=session, participant=ann, round_id=rnd.id, text="1")
    services.answer_score(session=session, participant=panel, answer_id=answer.id, score=5)
    services.answer_submit(session=session, participant=ann, round_id=rnd.id, text="=2+2")
    (played,) = selectors.results_for(session)["candidates"][0]["rounds"]
    assert (played["revision"], played["scores"][0]["revision"]) == (2, 1)
    (row,) = selectors.results_csv_rows(selectors.results_for(session, skills_maps=False))
    header = selectors.RESULTS_CSV_HEADER
    cells = {name: row[header.index(name)] for name in ("revision", "scored_revision")}
    assert cells == {"revision": 2, "scored_revision": 1}
    assert row[header.index("answer_text")] == "'=2+2"  # the newest text, formula-safe
    snapshot = selectors.snapshot_for(session, Viewer(participant_id=panel.id, role="interviewer"))
    assert snapshot["answers"][0]["scores"][0]["revision"] == 1
