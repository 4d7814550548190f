"""What the privacy tests share: a room's viewers connected, the frames they got, a
candidate's own results, the secrets of the questions asked."""

import json

from channels.db import database_sync_to_async

from interview.content.rendering import key_points_html, markdown_html
from interview.models import Question

from .live import Client, room_create


@database_sync_to_async
def secrets_of(question_ids: list[int]) -> list[str]:
    """Model answers and key points of the asked questions, as text and rendered, minus what
    the prompt shows: each as it would stand inside a JSON frame."""
    needles = []
    for question in Question.objects.filter(id__in=question_ids):
        public = f"{question.title} {question.prompt}"
        needles += [question.model_answer, markdown_html(question.model_answer)]
        points = zip(question.key_points, key_points_html(question.key_points), strict=True)
        needles += [text for point, html in points if point not in public for text in (point, html)]
    return [json.dumps(needle)[1:-1] for needle in needles]


async def connected(room, names: tuple[str, ...]) -> dict[str, Client]:
    """A socket for each of ``names``, greeted with their seat, by name."""
    clients = {name: Client(room.code) for name in names}
    for name, client in clients.items():
        await client.hello(room.seats[name])
    return clients


async def my_results(anonymous, room, name: str):
    """The response to ``name``'s request for their own results (``my-results``)."""
    return await database_sync_to_async(anonymous.get)(
        f"/api/sessions/{room.code}/my-results", HTTP_X_PARTICIPANT_TOKEN=room.seats[name].token
    )


async def finished_and_seen(
    owner: Client, viewers: dict[str, Client], again: dict[str, Client]
) -> list[tuple[str, str, str]]:
    """Finish the session from ``owner``; once each of the viewers' sockets, the first
    (``viewers``) and the one they came back on (``again``), has its ``session.finished``,
    every frame they got: the viewer's name, the frame's type and its JSON text."""
    await owner.command("session.finish")
    for client in [*viewers.values(), *again.values()]:
        await client.next("session.finished")
    return seen_by(viewers, again)


def seen_by(viewers: dict[str, Client], again: dict[str, Client]) -> list[tuple[str, str, str]]:
    """Every frame the viewers got so far on their first sockets (``viewers``) and the ones
    they came back on (``again``): the viewer's name, the frame's type and its JSON text."""
    return [
        (name, frame["type"], json.dumps(frame))
        for name in viewers
        for client in (viewers[name], again[name])
        for frame in client.frames
    ]


async def extra_time_room(interviewer):
    """A room of three candidates and a spectator, each connected, and its owner: the room,
    the participants' ids by name, a question to push, the owner's and the others' sockets."""
    room = await room_create(interviewer, candidates=("Ann", "Ben", "Cy"), spectators=("Wall",))
    ids = {name: seat.participant_id for name, seat in room.seats.items()}
    question_id = await database_sync_to_async(lambda: Question.objects.first().id)()
    owner = Client(room.code)
    await owner.hello(room.owner)
    viewers = await connected(room, ("Ann", "Ben", "Cy", "Wall"))
    return room, ids, question_id, owner, viewers
