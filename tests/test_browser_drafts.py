"""Drafts in the browser, end to end: what a candidate types reaches the panel as they type,
and is their answer after every kind of close, in the results and its playback.

The owner drives the session over a protocol socket (pushes, the close, the finish); a second
interviewer watches the dashboard and reads the results; the candidate types in Chromium and
never presses Submit.
"""

import re
import time

import pytest
from playwright.async_api import Page, WebSocket, expect

from .browser import answer_editor, assert_accessible, join_with_name, pushed, screenshot, sign_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.end_to_end]

# A draft leaves the page at most every 2 s while the candidate types; then it is on the
# dashboard within a second. A loaded machine gets some room on top.
TYPING_SHOWN_WITHIN_S = 6


def frames_of(page: Page) -> list[str]:
    """Every WebSocket frame the page will receive from now on, as text."""
    received: list[str] = []

    def watch(socket: WebSocket) -> None:
        socket.on("framereceived", lambda payload: received.append(str(payload)))

    page.on("websocket", watch)
    return received


async def typed_and_seen(cara: Page, bob: Page, text: str) -> None:
    """Cara types ``text`` (never submitting it); Bob's dashboard shows it as "typing…" on her
    card within a few seconds."""
    editor = await answer_editor(cara)
    await editor.press_sequentially(text)
    started = time.monotonic()
    card = bob.get_by_role("article", name="Answer by Cara")
    draft = card.get_by_role("region", name="Draft, not submitted")
    await expect(draft).to_contain_text("typing…")
    await expect(draft).to_contain_text(text)
    elapsed = time.monotonic() - started
    assert elapsed < TYPING_SHOWN_WITHIN_S, f"the draft showed after {elapsed:.1f} s"


async def test_a_draft_never_submitted_is_the_answer_after_every_kind_of_close(
    server,
    room,
    questions,
    other_interviewer,
    tabs,
    peers,
):
    owner = await peers.hello(server, room.code, room.owner_token)
    bob = await tabs.open("bob", f"/dashboard/join/{room.code}/#invite={room.panel_invite}")
    await bob.get_by_role("link", name="Sign in to join").click()
    await sign_in(bob, "bob", lands_on=f"/dashboard/s/{room.code}/")
    cara = await tabs.open("cara", None)
    cara_frames = frames_of(cara)
    await cara.goto(f"/s/{room.code}/")
    await join_with_name(cara, "Cara")
    await expect(bob.get_by_role("list", name="Who is here")).to_contain_text("Cara")

    # The bell: a round of 10 s. The page says plainly that the panel watches her type.
    await pushed(owner, questions[0].id, time_limit_s=10)
    await expect(cara.get_by_role("heading", name=questions[0].title)).to_be_visible()
    await expect(
        cara.get_by_text("The panel sees your answer as you type it, before you submit it.")
    ).to_be_visible()
    await typed_and_seen(cara, bob, "def bell():")
    card = bob.get_by_role("article", name="Answer by Cara")
    await expect(card.get_by_text("No answer yet.")).to_be_hidden()
    await screenshot(bob, "dashboard-draft", of=card)
    await assert_accessible(bob, "dashboard with a draft")
    await expect(
        cara.get_by_text(re.compile(r"Round closed\. Your answer as you last typed it was kept"))
    ).to_be_visible(timeout=20_000)
    await expect(card.locator(".answer-head")).to_contain_text("kept at the close")
    await expect(card.get_by_role("region", name="Draft, not submitted")).to_be_hidden()
    await expect(card.get_by_role("button", name="Save score")).to_be_visible()

    # The next push, the interviewer's close, the finish: each keeps what she typed.
    await pushed(owner, questions[1].id)
    await typed_and_seen(cara, bob, "def next_push():")
    # The draft comes back with the panel's snapshot after a reload.
    await bob.reload()
    await expect(card.get_by_role("region", name="Draft, not submitted")).to_contain_text(
        "def next_push():"
    )
    await pushed(owner, questions[0].id)
    await typed_and_seen(cara, bob, "def closed_by_the_panel():")
    assert (await owner.command("question.close"))["type"] == "ack"
    await pushed(owner, questions[1].id)
    await typed_and_seen(cara, bob, "def finished():")
    assert (await owner.command("session.finish"))["type"] == "ack"

    # The results: four answers she never submitted, each kept at the close.
    await bob.goto(f"/s/{room.code}/results")
    results = bob.get_by_role("region", name="Results of Cara")
    answers = results.get_by_role("article")
    await expect(answers).to_have_count(4)
    for position, text in enumerate(
        ("def bell():", "def next_push():", "def closed_by_the_panel():", "def finished():"),
        start=1,
    ):
        answer = answers.nth(position - 1)
        await expect(answer).to_contain_text(f"Q{position}")
        await expect(answer.locator(".answer-text")).to_have_text(text)
        await expect(answer).to_contain_text("kept at the close")
    timeline = bob.get_by_role("region", name="Timeline")
    kept = timeline.get_by_role("listitem").filter(has_text="kept at the close")
    await expect(kept).to_have_count(4)

    # Playback: the slider steps from her first draft to the answer kept at the close.
    await timeline.get_by_label("Answer to play back").select_option(label="Q1 · Cara")
    slider = timeline.get_by_role("slider", name="Playback")
    await expect(slider).to_be_enabled()
    when = timeline.locator(".playback-when")
    shown = timeline.locator(".playback-text")
    await expect(when).to_have_text(re.compile(r"^\+0:0\d · draft, as typed · step 1 of \d+$"))
    first = await shown.text_content()
    assert first
    assert "def bell():".startswith(first)
    last = int(await slider.get_attribute("max"))
    await slider.focus()
    for _ in range(last):
        await bob.keyboard.press("ArrowRight")
    await expect(when).to_have_text(
        re.compile(rf"^\+0:\d\d · revision 1, kept at the close · step {last + 1} of {last + 1}$")
    )
    await expect(shown).to_have_text("def bell():")
    await expect(slider).to_have_attribute("aria-valuetext", await when.text_content())
    await screenshot(bob, "results-playback", of=timeline.locator(".playback"))
    await assert_accessible(bob, "results with the playback")

    # Her own results say so too; and nothing of a draft ever reached her page.
    await cara.get_by_role("link", name="See your results").click()
    own = cara.get_by_role("region", name=re.compile(r"^Q1: "))
    await expect(own.locator(".answer-text")).to_have_text("def bell():")
    await expect(own).to_contain_text("kept at the close, as you had typed it")
    assert cara_frames, "the candidate's page received frames"
    for frame in cara_frames:
        assert '"answer.drafted"' not in frame
        assert '"drafts"' not in frame
