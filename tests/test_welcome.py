"""Reads: what a socket is welcomed with (``selectors.welcome``)."""

import threading

import pytest
from django.db import connection, connections

from interview.domain import services
from interview.domain.selectors import welcome as welcome_module
from interview.domain.visibility import Viewer
from interview.models import Question

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
    read_snapshot = welcome_module.snapshot_for
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

    monkeypatch.setattr(welcome_module, "snapshot_for", snapshot_after_an_answer_commits)
    viewer = Viewer(participant_id=owner.id, role=owner.role)
    welcome = welcome_module.welcome_for(owner, viewer, 0)

    # The answer's event (seq 2) comes live after the welcome; so it is not in the snapshot.
    assert welcome.data["last_seq"] == 1
    assert [seq for seq, _ in welcome.replay] == [1]
    assert welcome.data["snapshot"]["round"]["answered"] == []
    assert welcome.data["snapshot"]["answers"] == []
    writers[0].join()
    session.refresh_from_db()
    assert session.last_seq == 2
