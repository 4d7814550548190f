"""What a test's socket received: every frame in order, and those no wait has taken yet.

``live.Client`` (an in-process communicator) and ``servers.Peer`` (a real socket to a daphne
process) differ in how a frame arrives and leaves (``_receive``, ``send_json``); waiting for
an event of a type and for a command's reply is the same for both, here.
"""

import asyncio
import functools
import itertools
import json
from collections.abc import Callable

import jsonschema

from interview.domain.eventschema import SCHEMA_PATH

_ids = itertools.count(1)


@functools.cache
def _schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text())


@functools.cache
def frame_validator(frame_type: str) -> jsonschema.protocols.Validator:
    """The validator of ``docs/events.schema.json`` for frames of one type: the envelope and
    that type's branch alone, its payload's definition in place, which checks a frame as the
    whole schema does, several times faster (tests check every frame they receive)."""
    schema = _schema()
    branches = []
    for branch in schema["allOf"]:
        condition = branch["if"]["properties"]["type"]
        if frame_type not in condition.get("enum", [condition.get("const")]):
            continue
        branch = json.loads(json.dumps(branch))
        data = branch["then"]["properties"].get("data", {})
        if data.get("$ref", "").startswith("#/$defs/events/"):
            branch["then"]["properties"]["data"] = schema["$defs"]["events"][
                data["$ref"].rsplit("/", 1)[1]
            ]
        branches.append(branch)
    typed = {**schema, "allOf": branches}
    return jsonschema.validators.validator_for(typed)(typed)


def frame_parsed(text: str) -> dict:
    """A received frame's JSON, which must be valid against the published schema."""
    frame = json.loads(text)
    frame_type = frame.get("type") if isinstance(frame, dict) else None
    validator = frame_validator(frame_type if isinstance(frame_type, str) else "")
    error = jsonschema.exceptions.best_match(validator.iter_errors(frame))
    if error is not None:
        raise AssertionError(f"frame off docs/events.schema.json: {error.message} in {text[:500]}")
    return frame


class Frames:
    """A socket's frames. Subclasses say how one arrives (``_receive``) and is sent."""

    # Seconds a wait lasts unless told otherwise: a wait ends as soon as its frame comes, so
    # only a failing test waits this long, and a loaded machine needs the room.
    timeout: float = 10

    def __init__(self) -> None:
        self.frames: list[dict] = []  # everything received, in order
        self.unread: list[dict] = []  # received, not yet taken by a wait

    async def _receive(self, timeout: float) -> dict:
        """The next frame, recorded in ``frames``; TimeoutError after ``timeout`` seconds."""
        raise NotImplementedError

    async def send_json(self, frame: dict) -> None:
        raise NotImplementedError

    def record(self, text: str) -> dict:
        """A frame as received: parsed, checked against the schema, kept in ``frames``."""
        frame = frame_parsed(text)
        self.frames.append(frame)
        return frame

    async def _wait(self, wanted: Callable[[dict], bool], what: str, timeout: float) -> dict:
        for index, frame in enumerate(self.unread):
            if wanted(frame):
                return self.unread.pop(index)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"no {what} within {timeout} s on {self!r}")
            frame = await self._receive(remaining)
            if wanted(frame):
                return frame
            self.unread.append(frame)

    async def next(
        self, event_type: str | None = None, *, where=None, timeout: float | None = None
    ) -> dict:
        """The next unread frame (of this type, and matching ``where``, when given), waiting
        for it if need be."""
        return await self._wait(
            lambda frame: (
                (event_type is None or frame["type"] == event_type)
                and (where is None or where(frame))
            ),
            event_type or "frame",
            self.timeout if timeout is None else timeout,
        )

    async def reply(self, command_id: object, *, timeout: float | None = None) -> dict:
        """The ``ack``, ``error`` or ``pong`` answering the command with this id."""
        return await self._wait(
            lambda frame: (
                frame["type"] in ("ack", "error", "pong") and frame.get("id") == command_id
            ),
            f"reply to {command_id!r}",
            self.timeout if timeout is None else timeout,
        )

    async def command(self, command_type: str, data: dict | None = None, **extra) -> dict:
        """Send a command with a fresh id (or ``id=``); its ack or error."""
        command_id = extra.pop("id", f"c{next(_ids)}")
        await self.send_json({"type": command_type, "id": command_id, "data": data or {}})
        return await self.reply(command_id)

    def persisted(self) -> list[dict]:
        """Every persisted event received so far, in order of arrival."""
        return [frame for frame in self.frames if frame.get("seq") is not None]

    def nothing_missed(self) -> bool:
        """Whether each persisted event followed the one before it, or said with ``prev``
        that the seqs in between were not this viewer's: nothing lost, nothing twice."""
        return all(
            later["seq"] == earlier["seq"] + 1 or later.get("prev") == earlier["seq"]
            for earlier, later in itertools.pairwise(self.persisted())
        )
