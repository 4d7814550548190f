"""Integrity signals commit a few per transaction; each is kept or refused on its own."""

import asyncio

import pytest
from django.db import DatabaseError

from interview.domain import broadcast, services
from interview.domain.errors import Refusal
from interview.domain.protocol import Command, CommandType
from interview.live import groupcommit
from interview.models import Event, Question, SignalTally

from .factories import owner_seat, round_of, seat, session_for

pytestmark = [pytest.mark.django_db(transaction=True)]


def signal(round_id: int, kind: str = "blur", command_id: str | None = None) -> Command:
    return Command(
        type=CommandType.SIGNAL_REPORT,
        id=command_id,
        data={"round_id": round_id, "kind": kind},
    )


@pytest.fixture
def groups(monkeypatch) -> list[int]:
    """The size of each group written, in order."""
    sizes: list[int] = []
    write = groupcommit._group_write

    def counted(group):
        sizes.append(len(group))
        return write(group)

    monkeypatch.setattr(groupcommit, "_group_write", counted)
    return sizes


@pytest.fixture
def published(monkeypatch) -> list[dict]:
    """The events each group published after its commit."""
    sent: list[dict] = []
    send = broadcast.publications_send

    async def recorded(pending):
        sent.extend(arguments["event"].payload for _, arguments in pending)
        await send(pending)

    monkeypatch.setattr(groupcommit, "publications_send", recorded)
    return sent


@pytest.fixture
def room(interviewer, bank):
    session = session_for(interviewer)
    open_round = round_of(session, Question.objects.first(), open_=True)
    candidates = [seat(session, f"Candidate {n}") for n in range(12)]
    return session, open_round, candidates


async def test_signals_sent_while_a_group_is_written_commit_together(room, groups, published):
    session, open_round, candidates = room
    results = await asyncio.gather(
        *(
            groupcommit.command_performed(candidate, signal(open_round.id))
            for candidate in candidates
        )
    )
    assert [publications for _, publications in results] == [[]] * len(candidates)
    assert sum(groups) == len(candidates)
    assert len(groups) < len(candidates)  # the first alone, the others waited and went together
    kept = Event.objects.filter(session=session, type="candidate.signal")
    assert await kept.acount() == len(candidates)
    assert sorted(event["participant_id"] for event in published) == sorted(
        candidate.id for candidate in candidates
    )


async def test_a_refused_signal_in_a_group_rolls_back_only_itself(room, interviewer, groups):
    session, open_round, candidates = room
    closed = await asyncio.to_thread(
        lambda: round_of(session_for(interviewer, "Other"), Question.objects.first())
    )
    outcomes = await asyncio.gather(
        *(
            groupcommit.command_performed(candidate, signal(closed.id if n == 3 else open_round.id))
            for n, candidate in enumerate(candidates)
        ),
        return_exceptions=True,
    )
    refused = outcomes[3]
    assert isinstance(refused, Refusal)
    assert refused.code == "not_found"
    assert all(not isinstance(outcome, Exception) for n, outcome in enumerate(outcomes) if n != 3)
    tallies = SignalTally.objects.filter(round=open_round)
    assert await tallies.acount() == len(candidates) - 1
    assert await Event.objects.filter(session=session, type="candidate.signal").acount() == (
        len(candidates) - 1
    )


async def test_a_repeated_command_id_in_a_group_has_one_effect(room):
    session, open_round, candidates = room
    ann = candidates[0]
    await asyncio.gather(
        *(groupcommit.command_performed(ann, signal(open_round.id, command_id="s1")) for _ in "ab")
    )
    assert await Event.objects.filter(session=session, type="candidate.signal").acount() == 1


async def test_a_signal_is_acknowledged_only_once_its_group_has_committed(room):
    session, open_round, candidates = room
    await groupcommit.command_performed(candidates[0], signal(open_round.id))
    # Read on another connection: what the ack promised is there for everyone.
    seen = await asyncio.to_thread(
        lambda: Event.objects.filter(session=session, type="candidate.signal").count()
    )
    assert seen == 1


async def test_a_group_takes_at_most_group_commit_max_commands(room, groups, settings):
    settings.GROUP_COMMIT_MAX = 4
    _session, open_round, candidates = room
    await asyncio.gather(
        *(
            groupcommit.command_performed(candidate, signal(open_round.id))
            for candidate in candidates
        )
    )
    assert max(groups) <= 4
    assert sum(groups) == len(candidates)


async def test_a_group_over_its_work_budget_leaves_the_rest_to_the_next(room, groups, settings):
    settings.GROUP_COMMIT_BUDGET_S = 0  # each group runs one command, then its budget is spent
    session, open_round, candidates = room
    await asyncio.gather(
        *(
            groupcommit.command_performed(candidate, signal(open_round.id))
            for candidate in candidates[:5]
        )
    )
    assert await Event.objects.filter(session=session, type="candidate.signal").acount() == 5


async def test_without_group_commit_each_signal_is_a_transaction_of_its_own(room, groups, settings):
    settings.GROUP_COMMIT = False
    _session, open_round, candidates = room
    results = await asyncio.gather(
        *(
            groupcommit.command_performed(candidate, signal(open_round.id))
            for candidate in candidates[:3]
        )
    )
    assert groups == []
    assert all(publications for _, publications in results)


async def test_other_commands_never_wait_for_a_group(room, groups):
    session, open_round, _candidates = room
    push = Command(type=CommandType.QUESTION_CLOSE, id=None, data={})
    owner = await asyncio.to_thread(lambda: owner_seat(session))
    result, publications = await groupcommit.command_performed(owner, push)
    assert result == {"round_id": open_round.id}
    assert publications
    assert groups == []


async def test_a_database_error_in_a_group_fails_only_its_own_command(room, monkeypatch):
    """Grouped commands run without savepoints (they refuse before writing); an error of the
    database rolls the group back, and its commands run again one transaction each."""
    session, open_round, candidates = room
    execute = services.command_execute
    broken = candidates[2].id

    def failing(*, participant, command, in_transaction=False):
        if participant.id == broken:
            raise DatabaseError("the disk is full")
        return execute(participant=participant, command=command, in_transaction=in_transaction)

    monkeypatch.setattr(services, "command_execute", failing)
    outcomes = await asyncio.gather(
        *(groupcommit.command_performed(c, signal(open_round.id)) for c in candidates[:5]),
        return_exceptions=True,
    )
    assert isinstance(outcomes[2], DatabaseError)
    assert [n for n, o in enumerate(outcomes) if isinstance(o, Exception)] == [2]
    kept = Event.objects.filter(session=session, type="candidate.signal")
    assert await kept.acount() == 4
