"""A real interview day in the browser (issue 17, items 2 to 4): no false alarm when a page
reloads, nothing ends by accident, and every screen fits, at 390 px as at 1366 px.

The fixtures are the browser tests' (tests/browser_fixtures.py): one daphne per test, a
browser context per person.
"""

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from channels.db import database_sync_to_async
from django.utils.timezone import now as django_now
from playwright.async_api import Page, expect

from interview.api import results_csv
from interview.domain import integrity, selectors, services, visibility
from interview.models import InterviewSession, PersonalDeadline, Question, Round

from .browser import (
    SCREENSHOTS,
    TAB,
    answer_editor,
    assert_accessible,
    countdown_seconds,
    join_with_name,
    leaderboard,
    pushed,
    sign_in,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.end_to_end]


PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 768}
# One unbroken line, as a candidate may paste: nothing may push a page sideways with it.
LONG_LINE = "x = '" + "0123456789" * 29 + "'"
# In the page: nothing when the page is no wider than the window, else the elements that
# reach past its right edge where their parent does not, to say what pushed it.
SIDEWAYS = """() => {
    if (document.documentElement.scrollWidth <= innerWidth) return [];
    const past = (el) => el.getBoundingClientRect().right > innerWidth + 0.5;
    const clipped = (el) => {
        for (let up = el.parentElement; up !== document.body; up = up.parentElement) {
            if (getComputedStyle(up).overflowX !== "visible") return true;
        }
        return false;
    };
    return [...document.querySelectorAll("body *")]
        .filter((el) => past(el) && !past(el.parentElement) && !clipped(el))
        .map((el) => `${el.tagName.toLowerCase()}#${el.id}.${el.className}`
            + ` (${Math.round(el.getBoundingClientRect().right)} px)`);
}"""
# In the page: how many lines an element's text takes.
LINES = """(el) => {
    const range = document.createRange();
    range.selectNodeContents(el);
    return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
}"""


async def screenshot(page: Page, name: str) -> None:
    """docs/screenshots/<name>.png of what the window shows (a modal dialog over the page)."""
    await page.screenshot(path=SCREENSHOTS / f"{name}.png", animations="disabled", caret="hide")


async def open_panel(tabs, code: str) -> Page:
    panel = await tabs.open("alice", f"/accounts/login/?next=/dashboard/s/{code}/")
    await sign_in(panel, "alice", lands_on=f"/dashboard/s/{code}/")
    await panel.set_viewport_size(LAPTOP)
    return panel


async def panel_and_candidate(tabs, code: str, name: str) -> tuple[Page, Page]:
    """The owner's live panel at 1366 px, and a candidate who has joined, as the panel sees."""
    panel = await open_panel(tabs, code)
    candidate = await tabs.open(name.lower(), f"/s/{code}/")
    await join_with_name(candidate, name)
    await expect(panel.get_by_role("list", name="Who is here")).to_contain_text(name)
    return panel, candidate


def session_of(code: str) -> InterviewSession:
    return InterviewSession.objects.get(code=code)


# --- 2. no false alarms -----------------------------------------------------------------------


def signals_stored(code: str) -> tuple[dict, dict, list[dict]]:
    """Cara's signals of the first round: the results' summary, the CSV's row, the signals."""
    session = session_of(code)
    results = selectors.results_for(session)
    (cara,) = results["candidates"]
    rows = results_csv.results_csv_rows(results)
    text = io.StringIO()
    csv.writer(text).writerows([results_csv.RESULTS_CSV_HEADER, *rows])
    (row,) = csv.DictReader(io.StringIO(text.getvalue()))
    signals = selectors.signals_seen(session, visibility.Lens.PANEL).kept
    return cara["rounds"][0]["signals"], row, signals


async def test_a_reload_mid_round_is_not_leaving_the_tab_and_its_time_away_stays_small(
    server, room, questions, tabs
):
    panel, cara = await panel_and_candidate(tabs, room.code, "Cara")
    await panel.get_by_role("button", name="Push question").first.click()
    await expect(cara.get_by_role("heading", name=questions[0].title)).to_be_visible()
    await (await answer_editor(cara)).press_sequentially("def first():")

    await cara.reload()
    await expect(cara.get_by_role("heading", name=questions[0].title)).to_be_visible()
    card = panel.get_by_role("article", name="Answer by Cara")
    summary = card.locator(".signal-summary")
    await expect(summary).to_have_text(
        re.compile(r"^Focus and pastes: reloaded the page 1× \([012] s\)$")
    )
    # She types on: her time away is what it was, on the dashboard as on the server.
    await (await answer_editor(cara)).press_sequentially("return 1")
    shown = await summary.text_content()
    stored, row, signals = await database_sync_to_async(signals_stored)(room.code)
    assert (stored["left_tab"], stored["reloads"]) == (0, 1)
    assert stored["away_s"] <= 2
    assert (row["left_tab"], row["reloads"], row["away_s"]) == ("0", "1", str(stored["away_s"]))
    assert shown == f"Focus and pastes: {stored['summary']}"
    loads = [s for s in signals if s.get("load")]
    assert [s["load"] for s in loads] == ["reloaded"]
    # An hour later, the round still open, her time away has not grown.
    later = integrity.signals_summary(signals, until=django_now() + timedelta(hours=1))
    assert later == stored
    await card.get_by_text("Focus and paste timeline").click()
    timeline = card.get_by_role("list", name="Focus and paste timeline")
    await expect(timeline).to_contain_text("reloaded the page")

    # She leaves the tab, her connection drops, she comes back before it returns: the page
    # says so at the reconnect, and her time away ends there, not at the round's close.
    await cara.evaluate(TAB, "hidden")
    await expect(summary).to_contain_text("left the tab 1×")
    await cara.context.set_offline(True)
    await expect(cara.get_by_text("You are offline")).to_be_visible()
    await cara.evaluate(TAB, "visible")
    await cara.context.set_offline(False)
    await expect(timeline.get_by_role("listitem").last).to_contain_text("came back to the tab")
    shown = await summary.text_content()
    stored, _, signals = await database_sync_to_async(signals_stored)(room.code)
    assert (stored["left_tab"], stored["reloads"]) == (1, 1)
    later = integrity.signals_summary(signals, until=django_now() + timedelta(hours=1))
    assert later == stored
    assert shown == f"Focus and pastes: {stored['summary']}"

    await panel.goto(f"/s/{room.code}/results")
    results = panel.get_by_role("region", name="Results of Cara")
    await expect(results.locator(".signal-summary")).to_have_text(shown)


# --- 3. nothing ends by accident ----------------------------------------------------------------


def session_as_it_is(code: str) -> tuple[str, list[tuple[int, bool]]]:
    """The session's status and its rounds: position, and whether each is still open."""
    session = session_of(code)
    rounds = Round.objects.filter(session=session).order_by("position")
    return session.status, [(r.position, r.closed_at is None) for r in rounds]


def candidate_results_of(code: str, name: str) -> dict:
    participant = session_of(code).participants.get(display_name=name)
    return selectors.candidate_results(participant)


async def test_finishing_and_pushing_over_an_open_round_ask_first_and_cancel_changes_nothing(
    server, room, questions, tabs
):
    panel, ann = await panel_and_candidate(tabs, room.code, "Ann")
    await panel.get_by_label("Time limit (seconds)").fill("240")
    await panel.get_by_role("button", name="Push question").first.click()
    await expect(ann.get_by_role("heading", name=questions[0].title)).to_be_visible()
    await panel.get_by_label("Time limit (seconds)").fill("")
    as_it_was = ("live", [(1, True)])

    # Pushing the next question asks, with the open one's time left; Cancel is focused.
    await panel.get_by_role("button", name="Push question").nth(1).click()
    ask = panel.get_by_role("dialog", name="Close the open question?")
    await expect(ask).to_have_text(
        re.compile(
            r"Question 1 has [34]:\d\d left and 1 candidate has not answered\. "
            r"Close it and push question 2\?"
        )
    )
    await expect(ask.get_by_role("button", name="Cancel")).to_be_focused()
    await ask.get_by_role("button", name="Cancel").click()
    await expect(ask).to_have_count(0)
    assert await database_sync_to_async(session_as_it_is)(room.code) == as_it_was

    # Finishing asks too: which round is open, its time left, who has not answered.
    await panel.get_by_role("button", name="Finish session").click()
    ask = panel.get_by_role("dialog", name="Finish the session?")
    await expect(ask).to_contain_text(
        re.compile(r"Question 1 has [34]:\d\d left and 1 candidate has not answered\.")
    )
    cancel = ask.get_by_role("button", name="Cancel")
    await expect(cancel).to_be_focused()
    await expect(ask.get_by_role("button", name="Finish session")).to_be_visible()
    await screenshot(panel, "finish-dialog")
    await assert_accessible(panel, "finish dialog")
    await cancel.click()
    await expect(ask).to_have_count(0)
    # Esc is a Cancel too.
    await panel.get_by_role("button", name="Finish session").click()
    await expect(ask.get_by_role("button", name="Cancel")).to_be_focused()
    await panel.keyboard.press("Escape")
    await expect(ask).to_have_count(0)
    await expect(ann.get_by_role("heading", name=questions[0].title)).to_be_visible()
    assert await database_sync_to_async(session_as_it_is)(room.code) == as_it_was

    # Ann answers; the push that follows says so, and goes on when confirmed.
    await (await answer_editor(ann)).fill("A decorator wraps a function.")
    await ann.get_by_role("button", name="Submit answer").click()
    await expect(ann.get_by_text("Saved (revision 1).")).to_be_visible()
    await expect(panel.get_by_role("article", name="Answer by Ann")).to_be_visible()
    await panel.get_by_role("button", name="Push question").nth(1).click()
    ask = panel.get_by_role("dialog", name="Close the open question?")
    await expect(ask).to_contain_text("and every candidate has answered")
    await ask.get_by_role("button", name="Close it and push").click()
    await expect(ann.get_by_role("heading", name=questions[1].title)).to_be_visible()

    # With no time left on the open round, a push goes at once. The panel's clock runs an
    # hour ahead: to it the round's time is up, while the server still has the round open.
    await panel.clock.set_system_time(datetime.now(UTC) + timedelta(hours=1))
    await expect(panel.get_by_role("timer", name="Time left")).to_have_text("Time's up")
    assert await database_sync_to_async(session_as_it_is)(room.code) == (
        "live",
        [(1, False), (2, True)],
    )
    await panel.get_by_role("button", name="Push question").first.click()
    await expect(ann.get_by_role("heading", name=questions[0].title)).to_be_visible()
    await expect(panel.get_by_role("dialog")).to_have_count(0)

    # Finished, the panel still scores: the score form saves, and Ann's results follow.
    await panel.get_by_role("button", name="Finish session").click()
    await panel.get_by_role("dialog").get_by_role("button", name="Finish session").click()
    await expect(panel.get_by_text("The session has finished.").first).to_be_visible()
    card = panel.get_by_role("article", name="Answer by Ann")
    await card.get_by_label("Score").fill("7")
    await card.get_by_label("Feedback").fill("Clear, after the bell too.")
    await card.get_by_role("button", name="Save score").click()
    await expect(card.get_by_text("Saved: your score 7")).to_be_visible()
    await expect(leaderboard(panel).first).to_contain_text("7 pts")
    mine = await database_sync_to_async(candidate_results_of)(room.code, "Ann")
    assert mine["rounds"][0]["answer"]["score"] == 7
    assert mine["rounds"][0]["answer"]["scores"][0]["feedback"] == "Clear, after the bell too."
    await ann.get_by_role("link", name="See your results").click()
    # Her answer's feedback, in her results and in her part of the timeline.
    await expect(ann.get_by_text("Clear, after the bell too.").first).to_be_visible()


# --- 4. every screen fits -----------------------------------------------------------------------

LONG_QUESTION = {
    "title": "A question whose title runs on: " + "select_related_prefetch_related_" * 4,
    "prompt": "Explain `" + "very_long_identifier_" * 12 + "` and why.",
    "model_answer": "```python\n" + LONG_LINE + "\n```",
    "key_points": ["one_key_point_" * 10],
}


@pytest.fixture
def long_question(bank, interviewer) -> Question:
    return Question.objects.create(
        slug="long-lines", category="Core Python", difficulty=1, owner=interviewer, **LONG_QUESTION
    )


async def assert_fits(page: Page, view: str) -> None:
    """No sideways scroll at either width, whatever the page holds."""
    for size in (PHONE, LAPTOP):
        await page.set_viewport_size(size)
        wide = await page.evaluate(SIDEWAYS)
        assert not wide, f"the {view} scrolls sideways at {size['width']} px: {wide}"


async def test_every_view_fits_a_phone_and_a_laptop_with_long_lines_in_it(
    server, room, long_question, tabs
):
    await InterviewSession.objects.filter(code=room.code).aupdate(
        title="Backend_engineer_panel_with_a_title_that_never_breaks_" * 2
    )
    landing = await tabs.open("visitor", "/")
    await landing.get_by_label("Join code").fill(LONG_LINE)
    await assert_fits(landing, "landing page")
    panel = await open_panel(tabs, room.code)
    name = "Aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"  # the 40 characters a name may have
    cara = await tabs.open("cara", f"/s/{room.code}/")
    await join_with_name(cara, name)
    wall = await tabs.open("wall", f"/s/{room.code}/watch")
    # The spectator's header says nothing of a connection before they have joined either.
    await expect(wall.get_by_label("Display name")).to_be_visible()
    await expect(wall.get_by_text(re.compile("connecting", re.IGNORECASE))).to_be_hidden()
    await join_with_name(wall, "W" * 40)
    await expect(wall.locator("#session-status")).to_have_text("lobby")
    await expect(panel.get_by_role("list", name="Who is here")).to_contain_text(name)
    await panel.get_by_label("Search").fill("whose title runs on")
    await expect(panel.get_by_role("button", name="Push question")).to_have_count(1)
    await panel.get_by_role("button", name="Push question").click()
    await expect(cara.get_by_role("heading", name=long_question.title)).to_be_visible()

    editor = await answer_editor(cara)
    await editor.press_sequentially(LONG_LINE)
    await cara.get_by_role("button", name="Submit answer").click()
    await expect(cara.get_by_text("Saved (revision 1).")).to_be_visible()
    await editor.press("Enter")
    await editor.press_sequentially(LONG_LINE[:80])
    await expect(panel.get_by_role("article", name=f"Answer by {name}")).to_contain_text(
        LONG_LINE[:40]
    )
    await assert_fits(cara, "candidate page")
    # At 1366 px the editor keeps to its column: it never runs over the sidebar.
    box = await cara.locator(".cm-editor").bounding_box()
    side = await cara.locator(".col-side").bounding_box()
    assert box["x"] + box["width"] <= side["x"]
    await assert_fits(panel, "live panel")
    await assert_fits(wall, "spectator screen")

    await panel.goto("/dashboard/")
    await assert_fits(panel, "dashboard")
    await panel.goto(f"/s/{room.code}/results")
    await expect(panel.get_by_role("region", name=f"Results of {name}")).to_contain_text(
        LONG_LINE[:40]
    )
    await assert_fits(panel, "results page")
    await database_sync_to_async(finish)(room.code)
    await cara.goto(f"/s/{room.code}/results")
    await expect(cara.get_by_role("heading", name="Model answer")).to_be_visible()
    await assert_fits(cara, "candidate's results")


def finish(code: str) -> None:
    session = session_of(code)
    owner = session.participants.get(user=session.owner)
    services.session_finish(session=session, participant=owner)


async def test_the_candidates_phone_shows_time_plainly_and_submits_from_the_keyboard(
    server, room, questions, tabs, peers
):
    panel = await peers.hello(server, room.code, room.owner_token)
    cara = await tabs.open("cara", None)
    await cara.set_viewport_size(PHONE)
    await cara.goto(f"/s/{room.code}/")
    # Before she joins, nothing speaks of a connection.
    await expect(cara.get_by_label("Display name")).to_be_visible()
    await expect(cara.get_by_text(re.compile("connecting", re.IGNORECASE))).to_be_hidden()
    await expect(cara.locator(".session-meta")).to_be_hidden()
    await join_with_name(cara, "Cara")
    await expect(cara.locator("#session-status")).to_have_text("lobby")
    joined = await panel.next("participant.joined", where=lambda f: f["data"]["name"] == "Cara")
    cara_id = joined["data"]["participant_id"]
    ben = await database_sync_to_async(services.participant_join)(
        session=await InterviewSession.objects.aget(code=room.code),
        role="candidate",
        display_name="Ben",
    )

    round_id = (await pushed(panel, questions[0].id, time_limit_s=120))["round_id"]
    await expect(cara.get_by_role("heading", name=questions[0].title)).to_be_visible()
    # The hint under the editor says how to submit from the keyboard, and it does.
    await expect(
        cara.get_by_text("Ctrl+Enter (⌘+Enter on a Mac) submits the answer.")
    ).to_be_visible()
    editor = await answer_editor(cara)
    await editor.press_sequentially("def answer():\nreturn 42")
    await editor.press("Control+Enter")
    await expect(cara.get_by_text("Saved (revision 1).")).to_be_visible()
    submitted = await panel.next("answer.submitted")
    assert submitted["data"]["text"] == "def answer():\n    return 42"

    # Extra time is said in words beside the timer, not only to a screen reader.
    reply = await panel.command("time.extend", {"participant_id": cara_id, "seconds": 60})
    assert reply["type"] == "ack", reply
    await expect(cara.get_by_text("You have 60 s more", exact=True)).to_be_visible()
    assert 120 < await countdown_seconds(cara) <= 180
    await screenshot(cara, "candidate-phone")

    # Her own time runs out while Ben's goes on: "Time's up", on one line.
    reply = await panel.command(
        "time.extend", {"participant_id": ben.participant.id, "seconds": 600}
    )
    assert reply["type"] == "ack", reply
    past = django_now() - timedelta(seconds=1)
    await Round.objects.filter(pk=round_id).aupdate(deadline=past)
    await PersonalDeadline.objects.filter(participant_id=cara_id).aupdate(deadline=past)
    await cara.reload()
    timer = cara.get_by_role("timer", name="Time left")
    await expect(timer).to_have_text("Time's up")
    assert await timer.evaluate(LINES) == 1
    await expect(cara.get_by_text("You have 60 s more")).to_be_hidden()
    assert await cara.evaluate(SIDEWAYS) == []
