"""Round titles and key points of closed rounds come with the welcome snapshot: a panel or a
candidate who opens the page after the round closed sees them, with nothing kept in the
browser and nothing else fetched.

Same set-up as ``test_browser``: one daphne per test, a Chromium context per person.
"""

import pytest
from playwright.async_api import expect

from .browser import answer_editor, join_with_name, pushed, sign_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.end_to_end]


async def test_a_closed_rounds_title_and_key_points_come_from_the_welcome(
    server, room, questions, tabs, peers
):
    question = questions[0]
    owner = await peers.hello(server, room.code, room.owner_token)
    ann = await tabs.open("ann", f"/s/{room.code}/")
    await join_with_name(ann, "Ann")
    await pushed(owner, question.id)
    await expect(ann.get_by_role("heading", name=question.title)).to_be_visible()
    await (await answer_editor(ann)).fill(question.model_answer)
    await ann.get_by_role("button", name="Submit answer").click()
    await expect(ann.get_by_text("Saved (revision 1).")).to_be_visible()
    assert (await owner.command("question.close"))["type"] == "ack"
    label = f"Q1 · {question.title}"

    # A panel tab opened after the close: a browser that never saw the round open.
    panel = await tabs.open("alice", f"/accounts/login/?next=/dashboard/s/{room.code}/")
    fetched: list[str] = []
    panel.on("request", lambda request: fetched.append(request.url))
    await sign_in(panel, "alice", lands_on=f"/dashboard/s/{room.code}/")
    card = panel.get_by_role("article", name="Answer by Ann")
    await expect(card.get_by_text(label, exact=True)).to_be_visible()
    coverage = card.get_by_role("region", name="Key points covered")
    await expect(coverage.get_by_role("listitem")).to_have_count(len(question.key_points))
    for point in question.key_points:
        await expect(coverage.get_by_role("listitem").filter(has_text=point[:30])).to_have_count(1)
    assert not [url for url in fetched if "/results" in url], fetched

    # The candidate's page, reloaded: her answer's line is labelled with the round's title.
    await ann.reload()
    scores = ann.get_by_role("list", name="Your scores")
    await expect(scores.get_by_text(label, exact=True)).to_be_visible()
