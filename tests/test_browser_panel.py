"""The panel's own tools in the browser: private notes, the bank's preview and its form for
new questions, "Up next", "Run again", and the dashboard's layout at 1366x768.

Same set-up as ``test_browser``: one daphne per test, a Chromium context per person, no page
may open a dialog of its own or break the Content-Security-Policy.
"""

import pytest
from channels.db import database_sync_to_async
from playwright.async_api import Page, expect

from interview.domain import services
from interview.models import InterviewSession, Question, Round

from .browser import SCREENSHOTS, answer_editor, assert_accessible, join_with_name, sign_in
from .browser_fixtures import Room

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.end_to_end]

NOTE_ON_ANSWER = "PRIVATE-ANSWER-NOTE: ask about wraps next time"
NOTE_ON_ANN = "PRIVATE-CANDIDATE-NOTE: calm under pressure"
NOTE_AFTER = "PRIVATE-AFTER-NOTE: hire"


async def panel_page(tabs, room: Room) -> Page:
    """alice, signed in, on the session's dashboard page."""
    panel = await tabs.open("alice", f"/accounts/login/?next=/dashboard/s/{room.code}/")
    await sign_in(panel, "alice", lands_on=f"/dashboard/s/{room.code}/")
    await expect(panel.get_by_role("button", name="Push question").first).to_be_enabled()
    return panel


def candidate_notes(panel: Page, name: str):
    """The "Notes on candidates" card's part on one candidate."""
    card = panel.get_by_role("region", name="Notes on candidates")
    return card.get_by_role("region", name=f"Notes on {name}")


def frames_of(page: Page) -> list[str]:
    """Every WebSocket frame the page will receive from now on, as text."""
    received: list[str] = []
    page.on(
        "websocket",
        lambda ws: ws.on("framereceived", lambda payload: received.append(str(payload))),
    )
    return received


# --- 6. the panel's own notes -------------------------------------------------------------------


async def test_private_notes_round_trip_for_the_panel_and_never_reach_the_candidate(
    server, room, questions, tabs, peers
):
    owner = await peers.hello(server, room.code, room.owner_token)  # finishes the session later
    ann = await tabs.open("ann", None)
    ann_frames = frames_of(ann)
    await ann.goto(f"/s/{room.code}/")
    await join_with_name(ann, "Ann")
    panel = await panel_page(tabs, room)
    await panel.get_by_role("button", name="Push question").first.click()
    await expect(ann.get_by_role("heading", name=questions[0].title)).to_be_visible()
    await (await answer_editor(ann)).fill("def f(): pass")
    await ann.get_by_role("button", name="Submit answer").click()
    await expect(ann.get_by_text("Saved (revision 1).")).to_be_visible()

    card = panel.get_by_role("article", name="Answer by Ann")
    await expect(card.get_by_label("Feedback to the candidate", exact=True)).to_be_visible()
    await card.get_by_label("Private note", exact=True).fill(NOTE_ON_ANSWER)
    await card.get_by_role("button", name="Save note").click()
    await expect(card.get_by_text("Note saved: the panel alone sees it.")).to_be_visible()
    notes = candidate_notes(panel, "Ann")
    await notes.get_by_label("Notes on this candidate", exact=True).fill(NOTE_ON_ANN)
    await notes.get_by_label("Notes on this candidate", exact=True).blur()  # leaving it saves
    await expect(notes.get_by_text("Note saved: the panel alone sees it.")).to_be_visible()
    await assert_accessible(panel, "live session page with notes")

    # A reload brings both back from the panel's welcome snapshot.
    await panel.reload()
    card = panel.get_by_role("article", name="Answer by Ann")
    await expect(card.get_by_label("Private note", exact=True)).to_have_value(NOTE_ON_ANSWER)
    notes = candidate_notes(panel, "Ann")
    await expect(notes.get_by_label("Notes on this candidate", exact=True)).to_have_value(
        NOTE_ON_ANN
    )

    # Notes may still be written after the finish.
    assert (await owner.command("session.finish"))["type"] == "ack"
    await expect(panel.get_by_text("The session has finished.").first).to_be_visible()
    await notes.get_by_label("Notes on this candidate", exact=True).fill(NOTE_AFTER)
    await notes.get_by_role("button", name="Save note").click()
    await expect(notes.get_by_text("Note saved: the panel alone sees it.")).to_be_visible()

    await panel.goto(f"/s/{room.code}/results")
    results = panel.get_by_role("region", name="Results of Ann")
    await expect(results.get_by_role("region", name="Private notes")).to_contain_text(
        NOTE_ON_ANSWER
    )
    await expect(results.get_by_role("region", name="Notes on this candidate")).to_contain_text(
        NOTE_AFTER
    )
    timeline = panel.get_by_role("region", name="Timeline")
    await expect(timeline).to_contain_text(f"noted privately on Ann's answer · “{NOTE_ON_ANSWER}”")

    # Ann's page, her results and every frame she received hold nothing of any note.
    await ann.get_by_role("link", name="See your results").click()
    await expect(ann.get_by_role("heading", name="Model answer").first).to_be_visible()
    ann_timeline = ann.get_by_role("region", name="Timeline").get_by_role("listitem")
    await expect(ann_timeline.filter(has_text="Session finished")).to_be_visible()
    for text in (NOTE_ON_ANSWER, NOTE_ON_ANN, NOTE_AFTER):
        await expect(ann.get_by_text(text)).to_have_count(0)
    received = "\n".join(ann_frames)
    assert "welcome" in received
    for needle in ("PRIVATE-", "note.updated", '"notes"'):
        assert needle not in received


# --- 7. the panel sees what it is about to do ----------------------------------------------------


async def in_view(page: Page, name: str, role: str = "heading") -> bool:
    """Whether the element's top is inside the viewport as the page stands."""
    box = await page.get_by_role(role, name=name, exact=True).bounding_box()
    viewport = page.viewport_size
    return box is not None and 0 <= box["y"] < viewport["height"]


async def test_preview_up_next_run_again_and_the_layout_at_1366(
    server, interviewer, bank, tabs, peers
):
    first, second, third = await database_sync_to_async(
        lambda: list(Question.objects.order_by("id")[:3])
    )()
    created = await database_sync_to_async(services.session_create)(
        owner=interviewer,
        title="Planned panel",
        question_ids=[third.id, first.id],
        time_limit_s=240,
    )
    room = Room(created.session.code, created.owner.token, created.panel_invite)
    owner = await peers.hello(server, room.code, room.owner_token)
    panel = await panel_page(tabs, room)
    await panel.set_viewport_size({"width": 1366, "height": 768})

    # Preview: the model answer, rendered; nothing is pushed.
    row = panel.get_by_role("listitem").filter(has=panel.get_by_text(second.title, exact=True))
    await row.get_by_role("button", name="Preview question").click()
    preview = panel.get_by_role("dialog", name=f"Preview: {second.title}")
    await expect(preview).to_be_visible()
    await expect(preview.get_by_role("heading", name="Model answer")).to_be_visible()
    # Rendered: its code highlighted, no Markdown showing.
    await expect(preview.locator(".model-answer pre code span.k").first).to_be_visible()
    await expect(preview.get_by_text("```")).to_have_count(0)
    await expect(preview.locator(".points li").first).to_be_visible()
    await assert_accessible(panel, "the preview")
    await preview.get_by_role("button", name="Close").click()
    await expect(preview).to_be_hidden()
    await expect(panel.get_by_text("No question is open.")).to_be_visible()
    assert not await database_sync_to_async(Round.objects.exists)()

    # Up next: the plan in its order, the next pushed with one click.
    up_next = panel.get_by_role("list", name="Up next").get_by_role("listitem")
    await expect(up_next).to_have_count(2)
    await expect(up_next.first).to_contain_text(third.title)
    await panel.get_by_role("button", name="Push next question").click()
    await expect(panel.get_by_role("heading", name=f"Q1 · {third.title}")).to_be_visible()
    await expect(up_next).to_have_count(1)
    await expect(up_next.first).to_contain_text(first.title)

    # At 1366x768 the round, the answers and the bank each start on the first screen or right
    # after the round, and nothing scrolls sideways.
    await panel.evaluate("window.scrollTo(0, 0)")
    assert await in_view(panel, "Current round")
    assert await in_view(panel, "Question bank")
    order = await panel.evaluate(
        """() => [...document.querySelector('.col-main').children]
            .map((card) => card.querySelector('h2').textContent)"""
    )
    assert order[:2] == ["Current round", "Answers"]
    # Scrolled down to the answers, the bank is still there beside them.
    assert await panel.evaluate("document.documentElement.scrollHeight > innerHeight")
    await panel.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    assert await in_view(panel, "Answers")
    assert await in_view(panel, "Question bank")
    await panel.evaluate("window.scrollTo(0, 0)")
    assert await panel.evaluate("document.documentElement.scrollWidth <= innerWidth")
    # No column runs under another: every card keeps its content inside it.
    overflowing = await panel.evaluate(
        """() => [...document.querySelectorAll('.layout.panel .card')]
            .filter((card) => card.scrollWidth > card.clientWidth)
            .map((card) => card.querySelector('h2').textContent)"""
    )
    assert overflowing == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await panel.screenshot(path=SCREENSHOTS / "dashboard-1366.png", animations="disabled")
    await assert_accessible(panel, "live session page at 1366")

    # Run again, once finished: a new session with the questions asked, then the rest planned.
    assert (await owner.command("session.finish"))["type"] == "ack"
    await panel.get_by_role("button", name="Run again").click()
    await panel.wait_for_url("**/dashboard/")
    await expect(panel.get_by_role("heading", name="Session created")).to_be_visible()
    await expect(panel.get_by_label("Panel invite link", exact=True)).to_be_visible()
    await expect(panel.locator("#created-title")).to_have_text("Planned panel (again)")
    newest = await database_sync_to_async(lambda: InterviewSession.objects.first())()
    assert newest.settings == {"question_ids": [third.id, first.id], "time_limit_s": 240}

    # And from the list of sessions.
    await panel.get_by_role("button", name="Run again: Planned panel", exact=True).click()
    await expect(panel.get_by_role("cell", name="Planned panel (again)")).to_have_count(2)


async def test_a_new_question_with_a_mistake_loses_nothing_then_joins_the_bank(
    server, room, bank, tabs
):
    panel = await panel_page(tabs, room)
    await panel.get_by_role("button", name="New question").click()
    form = panel.get_by_role("dialog", name="New question")
    await form.get_by_label("Title", exact=True).fill("What does yield from do?")
    await form.get_by_label("Category", exact=True).select_option("Core Python")
    await form.get_by_label("Time limit (seconds)", exact=True).fill("5")
    await form.get_by_label("Prompt", exact=True).fill("Explain `yield from`.")
    await form.get_by_label("Model answer", exact=True).fill("It **delegates** to a subgenerator.")
    await form.get_by_role("button", name="Add to the bank").click()

    await expect(form.get_by_role("alert")).to_contain_text("The question was not saved")
    limit = form.get_by_label("Time limit (seconds)", exact=True)
    await expect(limit).to_have_attribute("aria-invalid", "true")
    await expect(limit).to_have_accessible_description(
        "10 to 3600. Ensure this value is greater than or equal to 10."
    )
    await expect(form.get_by_label("Key points", exact=True)).to_have_attribute(
        "aria-invalid", "true"
    )
    # Nothing typed is lost.
    await expect(form.get_by_label("Title", exact=True)).to_have_value("What does yield from do?")
    await expect(form.get_by_label("Model answer", exact=True)).to_have_value(
        "It **delegates** to a subgenerator."
    )
    await assert_accessible(panel, "the question form with errors")

    await limit.fill("120")
    await form.get_by_label("Key points", exact=True).fill("delegates iteration\nreturns the value")
    await form.get_by_role("button", name="Add to the bank").click()
    await expect(form).to_be_hidden()
    row = panel.get_by_role("listitem").filter(
        has=panel.get_by_text("What does yield from do?", exact=True)
    )
    await expect(row).to_contain_text("120 s · yours")
    saved = await database_sync_to_async(
        lambda: Question.objects.select_related("owner").get(title="What does yield from do?")
    )()
    assert (saved.slug, saved.key_points, saved.owner.username) == (
        "what-does-yield-from-do",
        ["delegates iteration", "returns the value"],
        "alice",
    )

    # Its author edits it there too; the built-in bank offers no such button.
    await row.get_by_role("button", name="Edit question").click()
    edit = panel.get_by_role("dialog", name="Edit: What does yield from do?")
    await expect(edit.get_by_label("Key points", exact=True)).to_have_value(
        "delegates iteration\nreturns the value"
    )
    await edit.get_by_label("Title", exact=True).fill("What does yield from delegate?")
    await edit.get_by_role("button", name="Save question").click()
    await expect(edit).to_be_hidden()
    await expect(panel.get_by_text("What does yield from delegate?", exact=True)).to_be_visible()
    await expect(panel.get_by_role("button", name="Edit question")).to_have_count(1)
