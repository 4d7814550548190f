"""Small writes together: a process's integrity signals and drafts commit a few per transaction.

Alone, each ``signal.report`` or ``answer.draft`` is a transaction of its own: the session's
lock, two statements and a commit, whose flush to disk costs more than the statements. Under
load those commits are the limit. Here such commands wait while the process's previous group
is being written; the next group takes every command that waited, each in a savepoint of its
own (a refused command rolls back only itself), under one commit. A group stops taking
commands after ``GROUP_COMMIT_BUDGET_S`` of work or ``GROUP_COMMIT_MAX`` commands; the rest go
in the next one. A command's ``ack`` still waits for its commit. An idle process adds no wait: a
command that finds no group being written is a group of one, at once.

Sessions are locked in the order of their ids within a group, so two processes' groups never
wait on each other in a cycle; every other command locks one session only.

``GROUP_COMMIT`` (default on) switches it off: one transaction per command, as every other
command has (``bench/run.py --experiment no-group-commit`` measures the difference).
"""

import asyncio
import time
import weakref
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction

from interview.domain import services
from interview.domain.broadcast import publications_collected, publications_send
from interview.domain.errors import Refusal
from interview.domain.protocol import Command
from interview.live.dbcalls import in_db_thread, performed
from interview.models import Participant

# The commands written in groups: frequent, small, each refused or kept on its own, and each
# refused only before it writes.
GROUPED = services.REFUSE_BEFORE_WRITING


@dataclass
class _Pending:
    participant: Participant
    command: Command
    done: asyncio.Future = field(default_factory=lambda: asyncio.get_running_loop().create_future())


class _GroupFailedError(Exception):
    """An error that is no command's refusal (the database's): the group is rolled back."""


def _group_write(group: list[_Pending]) -> tuple[list[tuple[int, Any]], list]:
    """Run the group's commands in one transaction, in the order of their sessions; returns
    the position in the group and the result or refusal of each command run (the others wait
    for the next group), and what the group published on commit.

    A grouped command refuses only before it writes (``services.REFUSE_BEFORE_WRITING``), so
    it needs no savepoint: a refusal is its outcome, and the others go on. Any other error
    rolls the group back, and its commands run again one transaction each, so that the error
    is the failing command's alone."""
    try:
        return _together(group)
    except _GroupFailedError:
        outcomes: list[tuple[int, Any]] = []
        with publications_collected() as published:
            for n, pending in enumerate(group):
                try:
                    outcome = services.command_execute(
                        participant=pending.participant, command=pending.command
                    )
                except Exception as failed:  # the command's own outcome, raised to its sender
                    outcome = failed
                outcomes.append((n, outcome))
        return outcomes, published


def _together(group: list[_Pending]) -> tuple[list[tuple[int, Any]], list]:
    budget_ends = time.monotonic() + settings.GROUP_COMMIT_BUDGET_S
    order = sorted(range(len(group)), key=lambda n: group[n].participant.session_id)
    outcomes: list[Any] = [None] * len(group)
    ran: list[int] = []
    with publications_collected() as published, transaction.atomic():
        for n in order:
            if ran and time.monotonic() > budget_ends:
                break
            pending = group[n]
            try:
                outcomes[n] = services.command_execute(
                    participant=pending.participant, command=pending.command, in_transaction=True
                )
            except Refusal as refused:  # the command's own outcome, raised to its sender
                outcomes[n] = refused
            except Exception as failed:
                raise _GroupFailedError from failed
            ran.append(n)
    return [(n, outcomes[n]) for n in ran], published


class GroupCommitter:
    """The grouped commands of one event loop (one server process)."""

    def __init__(self) -> None:
        self.waiting: list[_Pending] = []
        self.writing = False

    def submit(self, participant: Participant, command: Command) -> asyncio.Future:
        """Queue the command; the future gets its result once its group has committed, or
        its refusal. Commands take effect in the order they were submitted."""
        pending = _Pending(participant, command)
        self.waiting.append(pending)
        if not self.writing:
            self.writing = True
            asyncio.get_running_loop().create_task(self._write_all())
        return pending.done

    async def execute(self, participant: Participant, command: Command) -> dict:
        """The command's result once its group has committed; its refusal is raised."""
        return await self.submit(participant, command)

    async def _write_all(self) -> None:
        try:
            while self.waiting:
                group = self.waiting[: settings.GROUP_COMMIT_MAX]
                try:
                    outcomes, published = await in_db_thread(_group_write)(group)
                except Exception as failed:  # the commit itself: every command of the group
                    outcomes, published = [(n, failed) for n in range(len(group))], []
                ran = {n for n, _ in outcomes}
                left = [pending for n, pending in enumerate(group) if n not in ran]
                self.waiting = left + self.waiting[len(group) :]
                for n, outcome in outcomes:
                    future = group[n].done
                    if future.done():
                        continue
                    if isinstance(outcome, BaseException):
                        future.set_exception(outcome)
                    else:
                        future.set_result(outcome)
                await publications_send(published)
        finally:
            self.writing = False


_committers: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, GroupCommitter]" = (
    weakref.WeakKeyDictionary()
)


def committer() -> GroupCommitter:
    """The group committer of the running event loop."""
    loop = asyncio.get_running_loop()
    found = _committers.get(loop)
    if found is None:
        found = _committers[loop] = GroupCommitter()
    return found


def grouped(command: Command) -> bool:
    """Whether this command is written in a group (``committer().submit``)."""
    return settings.GROUP_COMMIT and command.type in GROUPED


async def command_performed(participant: Participant, command: Command) -> tuple[dict, list]:
    """Run a state-changing command: the result, and the publications still to send with
    ``broadcast.publications_send`` (none for a grouped command: its group sends them)."""
    if grouped(command):
        return await committer().execute(participant, command), []
    return await performed(services.command_execute, participant=participant, command=command)
