"""The room in the browser (issue 17, item 8): the big screen's lobby with the join code and
the QR code of the candidate link, its podium at the finish, and a finished session's pages,
which say so before asking for a name.

The fixtures are the browser tests' (tests/browser_fixtures.py): one daphne per test, a
browser context per person.
"""

import pytest
from channels.db import database_sync_to_async
from playwright.async_api import Page, expect

from interview.domain import services
from interview.models import InterviewSession

from .browser import assert_accessible, join_with_name, pushed, screenshot

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.end_to_end]


BIG_SCREEN = {"width": 1366, "height": 768}


@database_sync_to_async
def candidates_answer_and_are_scored(code: str, round_id: int, scores: dict[str, int]) -> None:
    """Each candidate joins, answers the open round and gets the owner's score."""
    session = InterviewSession.objects.get(code=code)
    owner = session.participants.get(user=session.owner)
    for name, score in scores.items():
        seat = services.participant_join(session=session, role="candidate", display_name=name)
        answer = services.answer_submit(
            session=session, participant=seat.participant, round_id=round_id, text=f"By {name}."
        )
        services.answer_score(session=session, participant=owner, answer_id=answer.id, score=score)


def podium_places(page: Page):
    return page.get_by_role("region", name="Podium").get_by_role("listitem")


async def test_the_big_screen_shows_the_join_code_and_qr_code_then_the_podium(
    server, room, questions, tabs, peers
):
    panel = await peers.hello(server, room.code, room.owner_token)
    wall = await tabs.open("wall", f"/s/{room.code}/watch")
    await wall.set_viewport_size(BIG_SCREEN)
    await join_with_name(wall, "Wall")

    lobby = wall.get_by_role("region", name="Join as a candidate")
    await expect(lobby).to_be_visible()
    await expect(lobby.get_by_text(room.code, exact=True)).to_be_visible()
    candidate_link = f"{server.http_url}/s/{room.code}/"
    await expect(lobby.get_by_role("link", name=candidate_link)).to_have_attribute(
        "href", candidate_link
    )
    qr = lobby.get_by_role("img", name="QR code of the candidate link")
    await expect(qr).to_be_visible()
    box = await qr.bounding_box()
    assert box["width"] >= 200  # big enough to scan across a room
    assert box["height"] == box["width"]
    await screenshot(wall, "spectator-lobby")
    await assert_accessible(wall, "spectator lobby")

    opened = await pushed(panel, questions[0].id)
    await expect(wall.get_by_role("heading", name=questions[0].title)).to_be_visible()
    await expect(lobby).to_be_hidden()
    await expect(wall.get_by_role("region", name="Podium")).to_be_hidden()

    scores = {"Ann": 9, "Ben": 7, "Cy": 5, "Dee": 3}
    await candidates_answer_and_are_scored(room.code, opened["round_id"], scores)
    assert (await panel.command("session.finish", {}))["type"] == "ack"

    places = podium_places(wall)
    await expect(places).to_have_count(3)
    for place, (name, score) in enumerate(list(scores.items())[:3]):
        await expect(places.nth(place)).to_contain_text(name)
        await expect(places.nth(place)).to_contain_text(f"{score} pts")
    await expect(places.nth(0)).to_contain_text("1st")
    await expect(wall.get_by_role("region", name="Podium")).not_to_contain_text("Dee")
    await expect(wall.get_by_role("heading", name=questions[0].title)).to_be_hidden()
    await screenshot(wall, "podium")
    await assert_accessible(wall, "spectator podium")

    # The big screen, reloaded, asks no name and shows the podium again.
    await wall.reload()
    await expect(podium_places(wall)).to_have_count(3)
    await expect(wall.get_by_label("Display name")).to_be_hidden()


async def test_a_finished_sessions_links_say_so_before_asking_a_name(server, room, tabs, peers):
    panel = await peers.hello(server, room.code, room.owner_token)
    ann = await tabs.open("ann", f"/s/{room.code}/")
    await join_with_name(ann, "Ann")
    await expect(ann.get_by_role("heading", name="Waiting for the first question")).to_be_visible()
    assert (await panel.command("session.finish", {}))["type"] == "ack"

    # Ann's browser holds her token: both links lead her to her results.
    for path in (f"/s/{room.code}/", f"/s/{room.code}/watch"):
        await ann.goto(path)
        await expect(ann.get_by_role("heading", name="This session has finished")).to_be_visible()
        await expect(ann.get_by_label("Display name")).to_be_hidden()
        await expect(ann.locator("#session-status")).to_have_text("finished")
        await expect(ann.get_by_role("link", name="See the results")).to_have_attribute(
            "href", f"/s/{room.code}/results"
        )
    await ann.get_by_role("link", name="See the results").click()
    await expect(ann.get_by_role("heading", name="Final leaderboard")).to_be_visible()

    # Anyone else learns it is over, and is asked nothing.
    stranger = await tabs.open("stranger", f"/s/{room.code}/")
    for path in (f"/s/{room.code}/", f"/s/{room.code}/watch"):
        await stranger.goto(path)
        await expect(
            stranger.get_by_role("heading", name="This session has finished")
        ).to_be_visible()
        await expect(stranger.get_by_text("The results are for the panel")).to_be_visible()
        await expect(stranger.get_by_role("link", name="See the results")).to_have_count(0)
        await expect(stranger.get_by_label("Display name")).to_be_hidden()
    await assert_accessible(stranger, "finished session's page")
