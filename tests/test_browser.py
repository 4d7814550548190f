"""The browser front end, end to end: real Chromium tabs against a real daphne.

One person per browser context (own cookies and localStorage), everything done through the
pages as a person would: labels, buttons, links. The tests run the whole session on four
screens, survive a reload and an offline spell, and show that what people type stays text
and a hostile question's Markdown runs nothing. axe-core checks every view against WCAG 2.1
A and AA, and no page breaks its Content-Security-Policy (the tabs fixture). Each run saves a
screenshot of every view to docs/screenshots/.
"""

import asyncio
import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from channels.db import database_sync_to_async
from django.utils.timezone import now as django_now
from playwright.async_api import Page, WebSocketRoute, expect

from interview.domain import services
from interview.domain.integrity import signals_summary
from interview.domain.protocol import timestamp
from interview.models import (
    Answer,
    Event,
    InterviewSession,
    Participant,
    Question,
    Round,
    Score,
)

from .browser import (
    TAB,
    answer_editor,
    assert_accessible,
    countdown_seconds,
    expect_answer,
    join_with_name,
    leaderboard,
    pushed,
    screenshot,
    sign_in,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.end_to_end]

XSS = "<img src=x onerror=alert(1)>"
# A bank entry an interviewer could write through the API: its Markdown is untrusted too.
HOSTILE_QUESTION = {
    "title": "Hostile question",
    "prompt": "Explain <script>alert(1)</script> and [the docs](javascript:alert(1)).",
    "model_answer": (
        "<b onmouseover=alert(1)>bold?</b> [click me](javascript:alert(1))\n\n"
        "```python\nx = '</code></pre><script>alert(1)</script>'\n```"
    ),
    "key_points": [XSS, "[a link](javascript:alert(1))"],
}


@pytest.fixture
def hostile_question(bank, interviewer) -> Question:
    return Question.objects.create(
        slug="hostile", category="Core Python", difficulty=1, owner=interviewer, **HOSTILE_QUESTION
    )


async def assert_inert(page: Page) -> None:
    """Nothing on the page came from markup in people's text or in a question's Markdown."""
    main = page.locator("main")
    await expect(main.locator("script, img, iframe, [onerror], [onmouseover]")).to_have_count(0)
    await expect(main.locator("a[href^='javascript' i]")).to_have_count(0)
    assert await page.evaluate("document.images.length") == 0


# --- 1. a whole session on four screens -----------------------------------------------------


async def test_a_whole_session_runs_in_four_browsers(server, interviewer, questions, tabs):
    question = questions[0]
    answers = {
        "Ann": "def timed(fn):\n    @functools.wraps(fn)\n    def inner(*args):\n"
        "        return fn(*args)\n    return inner",
        "Ben": "A decorator takes a function and returns a wrapper around it.",
    }

    panel = await tabs.open("alice", "/accounts/login/")
    await screenshot(panel, "login")
    await assert_accessible(panel, "sign-in page")
    await sign_in(panel, "alice")
    await panel.get_by_label("Title").fill("Backend engineer, round 1")
    await panel.get_by_role("button", name="Create session").click()
    join_url = await panel.get_by_label("Candidate link", exact=True).input_value()
    watch_url = await panel.get_by_label("Spectator link", exact=True).input_value()
    code = join_url.rstrip("/").rsplit("/", 1)[1]
    assert join_url == f"{server.http_url}/s/{code}/"
    await expect(panel.get_by_label("Panel invite link", exact=True)).to_have_value(
        re.compile(rf"/dashboard/join/{code}/#invite=[\w-]{{40,}}$")
    )
    await expect(
        panel.get_by_role("cell", name="Backend engineer, round 1", exact=True)
    ).to_be_visible()
    await screenshot(panel, "dashboard")
    await assert_accessible(panel, "dashboard")
    await panel.get_by_role("link", name="Open live session").click()
    await expect(panel.get_by_role("button", name="Push question").first).to_be_enabled()

    ann = await tabs.open("ann", join_url)
    await join_with_name(ann, "Ann")
    ben = await tabs.open("ben", join_url)
    await join_with_name(ben, "Ben")
    wall = await tabs.open("wall", watch_url)
    await join_with_name(wall, "Wall")
    for name in ("Ann", "Ben", "Wall"):
        await expect(panel.get_by_role("list", name="Who is here")).to_contain_text(name)

    await panel.get_by_role("button", name="Push question").first.click()
    for page in (panel, ann, ben, wall):
        await expect(page.get_by_role("heading", name=question.title)).to_be_visible()
        assert 0 < await countdown_seconds(page) <= question.time_limit_s
    model_answer = question.model_answer.splitlines()[0][:60]
    await expect(panel.get_by_text(model_answer)).to_be_visible()
    await expect(ann.get_by_text(model_answer)).to_have_count(0)
    # The model answer reads as formatted text, its code highlighted; no Markdown shows.
    model = panel.get_by_role("region", name="Model answer")
    await expect(model.locator("pre code span.k").first).to_have_text("def")
    await expect(model.locator("p code").first).to_have_text("my_decorator")
    for page in (panel, ann, ben, wall):
        await expect(page.get_by_text("```")).to_have_count(0)

    # Ann types Python in the editor: it indents after a colon, Shift-Tab outdents.
    editor = await answer_editor(ann)
    await editor.press_sequentially(
        "def timed(fn):\n@functools.wraps(fn)\ndef inner(*args):\nreturn fn(*args)\n"
    )
    await editor.press("Shift+Tab")
    await editor.press_sequentially("return inner")
    await expect_answer(ann, answers["Ann"])
    await (await answer_editor(ben)).fill(answers["Ben"])
    for page, name in ((ann, "Ann"), (ben, "Ben")):
        await page.get_by_role("button", name="Submit answer").click()
        await expect(page.get_by_text("Saved (revision 1).")).to_be_visible()
        answered = wall.get_by_role("list", name="Answered").get_by_role("listitem")
        await expect(answered.filter(has_text=name)).to_contain_text("answered")
    await expect(wall.get_by_text(answers["Ben"])).to_have_count(0)  # spectators never see text

    # The panel reads Ann's answer highlighted as Python, as she typed it.
    ann_card = panel.get_by_role("article", name="Answer by Ann")
    await expect(ann_card.locator("pre .tok-keyword").first).to_have_text("def")
    assert await ann_card.locator("pre").text_content() == answers["Ann"]
    await screenshot(panel, "interviewer-round", of=panel.locator("section", has=model))
    await screenshot(ann, "candidate-editor", of=ann.locator("#question"))

    async def score(name: str, value: int, feedback: str) -> None:
        card = panel.get_by_role("article", name=f"Answer by {name}")
        await expect(card).to_contain_text(answers[name].splitlines()[0])
        await card.get_by_label("Score").fill(str(value))
        await card.get_by_label("Feedback").fill(feedback)
        await card.get_by_role("button", name="Save score").click()
        await expect(card.get_by_text(f"Saved: your score {value}")).to_be_visible()

    # Every score re-ranks the board on every screen: Ben goes first, then Ann overtakes.
    await score("Ben", 6, "Right idea; show one in code.")
    for page in (panel, ann, ben, wall):
        await expect(leaderboard(page).first).to_contain_text("Ben")
        await expect(leaderboard(page).first).to_contain_text("6 pts")
    await score("Ann", 9, "Clear, and functools.wraps keeps the metadata.")
    for page in (panel, ann, ben, wall):
        await expect(leaderboard(page).first).to_contain_text("Ann")
        await expect(leaderboard(page).nth(1)).to_contain_text("Ben")
    await expect(ann.get_by_text("functools.wraps keeps the metadata")).to_be_visible()
    await expect(ben.get_by_text("functools.wraps keeps the metadata")).to_have_count(0)
    # The panel compares the candidates per skill area as the scores arrive.
    compare = panel.get_by_role("table", name="Mean score of each candidate per skill area")
    await expect(compare.get_by_role("columnheader", name=question.category)).to_be_visible()
    await expect(compare.get_by_role("row").filter(has_text="Ann")).to_contain_text("9")
    await expect(compare.get_by_role("row").filter(has_text="Ben")).to_contain_text("6")
    await expect(ben.get_by_text("Right idea; show one in code.")).to_be_visible()

    await asyncio.sleep(0.6)  # let the leaderboard's slide settle for the pictures
    await screenshot(panel, "interviewer-session")
    await screenshot(ann, "candidate")
    await screenshot(wall, "spectator")
    await assert_accessible(panel, "live session page")
    await assert_accessible(ann, "candidate page")
    await assert_accessible(wall, "spectator page")

    await panel.get_by_role("button", name="Finish session").click()
    await panel.get_by_role("dialog").get_by_role("button", name="Finish session").click()
    for page in (ann, ben):
        await page.get_by_role("link", name="See your results").click()
        await expect(page.get_by_role("heading", name="Model answer")).to_be_visible()
        await expect(page.get_by_text(model_answer)).to_be_visible()
    await expect(
        ann.locator("ul.feedback").get_by_text("functools.wraps keeps the metadata")
    ).to_be_visible()
    await expect(ann.locator(".model-text pre code span.k").first).to_have_text("def")
    await screenshot(ann, "results-candidate")
    await assert_accessible(ann, "candidate's results")

    await panel.get_by_role("link", name="See the results").click()
    for name, text in answers.items():
        results = panel.get_by_role("region", name=f"Results of {name}")
        await expect(results.get_by_text(text.splitlines()[-1].strip())).to_be_visible()
    await expect(panel.get_by_role("img", name="Skills map of Ann")).to_be_visible()
    await expect(panel.get_by_role("link", name="Download CSV")).to_have_attribute(
        "href", f"/api/sessions/{code}/results.csv"
    )
    await screenshot(panel, "results")
    await assert_accessible(panel, "results page")


# --- 2. a reload and an offline spell lose nothing ----------------------------------------------


async def test_a_candidate_keeps_question_countdown_and_draft_over_a_reload(
    server, room, questions, tabs, peers
):
    first = questions[0]
    panel = await peers.hello(server, room.code, room.owner_token)
    cara = await tabs.open("cara", None)
    # Cara's computer clock is an hour fast: the countdown must follow the server's clock.
    await cara.context.clock.set_system_time(datetime.now(UTC) + timedelta(hours=1))
    await cara.goto(f"/s/{room.code}/")
    await join_with_name(cara, "Cara")
    await expect(cara.get_by_role("heading", name="Waiting for the first question")).to_be_visible()

    await pushed(panel, first.id, time_limit_s=120)
    await expect(cara.get_by_role("heading", name=first.title)).to_be_visible()
    before = await countdown_seconds(cara)
    assert 100 < before <= 120
    draft = "def first():\n    return 1"
    await (await answer_editor(cara)).press_sequentially("def first():\nreturn 1")
    await expect_answer(cara, draft)

    await cara.reload()
    await expect(cara.get_by_role("heading", name=first.title)).to_be_visible()
    answer = await answer_editor(cara)
    await expect_answer(cara, draft)
    await expect(cara.get_by_text("Draft restored: not submitted yet.")).to_be_visible()
    after = await countdown_seconds(cara)
    assert 90 < after <= before

    # Enter keeps the indentation, Shift-Tab outdents, Tab indents; Escape then Tab leaves
    # the editor for the submit button.
    await answer.press("Control+End")
    await answer.press("Enter")
    await answer.press("Shift+Tab")
    await answer.press("Tab")
    await answer.press_sequentially("pass")
    await expect_answer(cara, draft + "\n    pass")
    await answer.press("Escape")
    await answer.press("Tab")
    await expect(cara.get_by_role("button", name="Submit answer")).to_be_focused()
    await cara.keyboard.press("Enter")
    await expect(cara.get_by_text("Saved (revision 1).")).to_be_visible()
    submitted = await panel.next("answer.submitted")
    assert submitted["data"]["text"] == draft + "\n    pass"


async def test_an_offline_candidate_catches_up_on_reconnect(server, room, questions, tabs, peers):
    first, second = questions
    panel = await peers.hello(server, room.code, room.owner_token)
    cara = await tabs.open("cara", f"/s/{room.code}/")
    await join_with_name(cara, "Cara")
    await pushed(panel, first.id)
    answer = await answer_editor(cara)
    await answer.fill("first try")
    await cara.get_by_role("button", name="Submit answer").click()
    await expect(cara.get_by_text("Saved (revision 1).")).to_be_visible()
    answer_id = (await panel.next("answer.submitted"))["data"]["answer_id"]

    # Offline, a submission waits and is only "saved" once the server acknowledged it.
    await cara.context.set_offline(True)
    await expect(cara.get_by_text("You are offline")).to_be_visible()
    await answer.fill("second try")
    await cara.get_by_role("button", name="Submit answer").click()
    await expect(cara.get_by_text("Offline: it is sent when you reconnect.")).to_be_visible()
    await cara.context.set_offline(False)
    await expect(cara.get_by_text("Saved (revision 2).")).to_be_visible()
    await expect(cara.get_by_text("You are offline")).to_be_hidden()

    # Offline while the panel scores and moves on: all of it arrives on reconnect.
    await cara.context.set_offline(True)
    await expect(cara.get_by_text("You are offline")).to_be_visible()
    reply = await panel.command(
        "answer.score", {"answer_id": answer_id, "score": 8, "feedback": "Better the second time."}
    )
    assert reply["type"] == "ack", reply
    await pushed(panel, second.id)
    # The page dropped its socket when it went offline and opens none until it is back, so
    # the round the panel now sees is not on it.
    await panel.next("round.opened", where=lambda f: f["data"]["position"] == 2)
    await expect(cara.get_by_role("heading", name=second.title)).to_have_count(0)
    await cara.context.set_offline(False)
    await expect(cara.get_by_role("heading", name=second.title)).to_be_visible()
    await expect_answer(cara, "")
    await expect(cara.get_by_text("Better the second time.")).to_be_visible()
    await expect(cara.get_by_text("8 / 10")).to_be_visible()
    await expect(leaderboard(cara).first).to_contain_text("8 pts")
    await expect(cara.get_by_text("You are offline")).to_be_hidden()


async def test_a_candidate_who_misses_a_frame_reconnects_without_leaving_the_room(
    server, room, questions, tabs, peers
):
    first, second = questions
    panel = await peers.hello(server, room.code, room.owner_token)
    cara = await tabs.open("cara", None)
    sockets, lost = [], []

    def lose_the_first_round_closed(socket: WebSocketRoute) -> None:
        sockets.append(socket)
        upstream = socket.connect_to_server()

        def from_server(message: str | bytes) -> None:
            if json.loads(message)["type"] == "round.closed" and not lost:
                lost.append(message)  # lost on the way: the next frame shows Cara a gap
                return
            socket.send(message)

        upstream.on_message(from_server)
        socket.on_message(upstream.send)

    await cara.route_web_socket(re.compile(r"/ws/sessions/"), lose_the_first_round_closed)
    await cara.goto(f"/s/{room.code}/")
    await join_with_name(cara, "Cara")
    joined = await panel.next("participant.joined", where=lambda f: f["data"]["name"] == "Cara")
    cara_id = joined["data"]["participant_id"]
    await pushed(panel, first.id)
    await expect(cara.get_by_role("heading", name=first.title)).to_be_visible()
    await pushed(panel, second.id)  # closes the first round on the way

    # The gap makes the page reconnect; the new socket's welcome brings the second question.
    await expect(cara.get_by_role("heading", name=second.title)).to_be_visible()
    assert len(lost) == 1
    assert len(sockets) == 2
    await (await answer_editor(cara)).fill("after the gap")
    await cara.get_by_role("button", name="Submit answer").click()
    await panel.next("answer.submitted", timeout=10)
    # The old socket closed as a drop, within the grace period: nobody saw Cara leave.
    presence = [
        frame["type"]
        for frame in panel.frames
        if frame["type"].startswith("participant.") and frame["data"]["participant_id"] == cara_id
    ]
    assert presence == ["participant.joined"]


async def test_a_candidate_whose_seat_is_gone_joins_again_once(
    server, room, questions, tabs, peers
):
    panel = await peers.hello(server, room.code, room.owner_token)
    cara = await tabs.open("cara", f"/s/{room.code}/")
    joins = []
    cara.on("request", lambda request: joins.append(request) if "/join" in request.url else None)
    await join_with_name(cara, "Cara")
    await expect(cara.get_by_role("heading", name=re.compile("Waiting for the"))).to_be_visible()
    # The seat's token no longer opens the session: the next hello is refused with 4401.
    await Participant.objects.filter(session__code=room.code, display_name="Cara").aupdate(
        token_hash="replaced"
    )
    await cara.context.set_offline(True)
    await expect(cara.get_by_text("You are offline")).to_be_visible()
    await cara.context.set_offline(False)

    await join_with_name(cara, "Cara again")
    await panel.next("participant.joined", where=lambda f: f["data"]["name"] == "Cara again")
    await expect(cara.get_by_role("heading", name=re.compile("Waiting for the"))).to_be_visible()
    await expect(cara.get_by_text("already taken")).to_have_count(0)
    assert [request.method for request in joins] == ["POST", "POST"]


async def test_the_answer_box_works_without_the_code_editor(server, room, questions, tabs, peers):
    panel = await peers.hello(server, room.code, room.owner_token)
    cara = await tabs.open("cara", None)
    # The vendored editor does not load (a blocked or broken file): the textarea stays.
    await cara.route("**/vendor/codemirror.js", lambda route: route.abort())
    await cara.goto(f"/s/{room.code}/")
    await join_with_name(cara, "Cara")
    await pushed(panel, questions[0].id)
    answer = cara.get_by_label("Answer", exact=True)
    await expect(answer).to_be_visible()
    await answer.press_sequentially("if x:")
    await answer.press("Enter")
    await answer.press("Tab")
    await answer.press_sequentially("pass")
    await expect(answer).to_have_value("if x:\n    pass")
    await expect(cara.locator(".code-editor")).to_have_count(0)
    await cara.get_by_role("button", name="Submit answer").click()
    await expect(cara.get_by_text("Saved (revision 1).")).to_be_visible()
    submitted = await panel.next("answer.submitted")
    assert submitted["data"]["text"] == "if x:\n    pass"


async def test_a_submitted_multi_line_answer_is_edited_and_submitted_again(
    server, room, questions, tabs, peers
):
    """Lines added, typed over, indented and deleted, all within the page's CSP: the browser's
    own editing of a selection across lines would copy token colours into style attributes,
    which the policy blocks (and the tabs fixture fails the test on any violation)."""
    panel = await peers.hello(server, room.code, room.owner_token)
    cara = await tabs.open("cara", f"/s/{room.code}/")
    await join_with_name(cara, "Cara")
    await pushed(panel, questions[0].id)
    answer = await answer_editor(cara)
    await answer.press_sequentially(
        "def total(items):\nresult = 0\nfor item in items:\nresult += item\n"
    )
    await answer.press("Shift+Tab")
    await answer.press_sequentially("return result")
    first = (
        "def total(items):\n    result = 0\n    for item in items:\n"
        "        result += item\n    return result"
    )
    await expect_answer(cara, first)
    await cara.get_by_role("button", name="Submit answer").click()
    await expect(cara.get_by_text("Saved (revision 1).")).to_be_visible()
    assert (await panel.next("answer.submitted"))["data"]["text"] == first

    # A docstring on a new line after the first.
    await answer.press("Control+Home")
    await answer.press("End")
    await answer.press("Enter")
    await answer.press_sequentially('"""Add up the items."""')
    # The body selected from "result = 0" to "return |result" and typed over: the last line's
    # rest joins the first; then it is selected and deleted.
    await answer.press("ArrowDown")
    await answer.press("Home")
    await answer.press("Shift+Control+End")
    await answer.press("Shift+Home")
    for _ in "return ":
        await answer.press("Shift+ArrowRight")
    await answer.press_sequentially("return sum(items)")
    await expect_answer(
        cara, 'def total(items):\n    """Add up the items."""\n    return sum(items)result'
    )
    await answer.press("Shift+End")
    await answer.press("Backspace")
    # Two blank lines, a call outdented after them, then one blank line deleted.
    for _ in range(3):
        await answer.press("Enter")
    await answer.press("Shift+Tab")
    await answer.press_sequentially("print(total([1, 2]))")
    await answer.press("Home")
    await answer.press("Backspace")
    # Every line indented, then outdented again.
    await answer.press("Control+a")
    await answer.press("Tab")
    await answer.press("Shift+Tab")
    second = (
        'def total(items):\n    """Add up the items."""\n    return sum(items)\n\n'
        "print(total([1, 2]))"
    )
    await expect_answer(cara, second)
    await cara.get_by_role("button", name="Submit answer").click()
    await expect(cara.get_by_text("Saved (revision 2).")).to_be_visible()
    submitted = await panel.next("answer.submitted")
    assert (submitted["data"]["revision"], submitted["data"]["text"]) == (2, second)
    # All of it replaced at once: the whole text typed over a selection of everything.
    await answer.fill(first)
    await expect_answer(cara, first)


# --- 3. what people type is text ---------------------------------------------------------------


async def test_names_answers_feedback_and_a_hostile_question_run_nothing(
    server, interviewer, room, hostile_question, tabs
):
    landing = await tabs.open("wall", "/")
    await screenshot(landing, "landing")
    await assert_accessible(landing, "landing page")
    await landing.get_by_label("Join code").fill(room.code.lower())
    await landing.get_by_label("Display name").fill("Wall")
    await landing.get_by_label("Spectator").check()
    await landing.get_by_role("button", name="Join").click()
    await landing.wait_for_url(f"**/s/{room.code}/watch")
    wall = landing

    panel = await tabs.open("alice", f"/accounts/login/?next=/dashboard/s/{room.code}/")
    await sign_in(panel, "alice", lands_on=f"/dashboard/s/{room.code}/")
    mallory = await tabs.open("mallory", f"/s/{room.code}/")
    await join_with_name(mallory, XSS)
    for page in (panel, wall, mallory):
        await expect(page.get_by_role("list", name="Who is here")).to_contain_text(XSS)

    await panel.get_by_label("Search").fill(HOSTILE_QUESTION["title"])
    await expect(panel.get_by_role("button", name="Push question")).to_have_count(1)
    await panel.get_by_role("button", name="Push question").click()
    # The question's raw HTML shows as text; its javascript: links are no links.
    for page in (panel, wall, mallory):
        await expect(page.get_by_role("heading", name=HOSTILE_QUESTION["title"])).to_be_visible()
        await expect(page.locator("main")).to_contain_text("Explain <script>alert(1)</script>")
        await assert_inert(page)
    model = panel.get_by_role("region", name="Model answer")
    await expect(model).to_contain_text("<b onmouseover=alert(1)>bold?</b>")
    await expect(model.locator("pre code")).to_contain_text("</code></pre><script>alert(1)")
    await expect(panel.get_by_role("list", name="Key points")).to_contain_text(XSS)
    await (await answer_editor(mallory)).fill(XSS)
    await mallory.get_by_role("button", name="Submit answer").click()
    await expect(mallory.get_by_text("Saved (revision 1).")).to_be_visible()
    card = panel.get_by_role("article", name=f"Answer by {XSS}")
    await expect(card.get_by_role("heading", name=XSS)).to_be_visible()
    await card.get_by_label("Score").fill("3")
    await card.get_by_label("Feedback").fill(XSS)
    await card.get_by_role("button", name="Save score").click()
    await expect(card.get_by_text("Saved: your score 3")).to_be_visible()
    await expect(mallory.get_by_role("list", name="Your scores")).to_contain_text(f"alice: {XSS}")
    await expect(leaderboard(wall).first).to_contain_text(XSS)

    await panel.get_by_role("button", name="Finish session").click()
    await panel.get_by_role("dialog").get_by_role("button", name="Finish session").click()
    await mallory.get_by_role("link", name="See your results").click()
    timeline = mallory.get_by_role("region", name="Timeline").get_by_role("listitem")
    await expect(timeline.filter(has_text="Session finished")).to_be_visible()
    # The answer, the name, the key point and the answer's first revision: all text.
    await expect(mallory.get_by_text(XSS, exact=True)).to_have_count(4)
    await expect(mallory.get_by_text(f"alice: {XSS}")).to_be_visible()  # the feedback
    await expect(mallory.locator("main")).to_contain_text("<b onmouseover=alert(1)>bold?</b>")
    await assert_inert(mallory)
    await panel.goto(f"/s/{room.code}/results")
    await expect(panel.get_by_role("region", name=f"Results of {XSS}")).to_be_visible()
    # The skills map the server drew names Mallory as text too.
    await expect(panel.get_by_role("img", name=f"Skills map of {XSS}")).to_be_visible()

    for page in (panel, wall, mallory):
        await assert_inert(page)
    assert tabs.dialogs == []


# --- 4. a second interviewer joins the panel -----------------------------------------------------


async def test_a_second_interviewer_joins_the_panel_through_the_invite_link(
    server, room, other_interviewer, bank, tabs
):
    bob = await tabs.open("bob", f"/dashboard/join/{room.code}/#invite={room.panel_invite}")
    # The invite rides in the fragment, which the sign-in redirect would lose: it waits here.
    await bob.get_by_role("link", name="Sign in to join").click()
    await sign_in(bob, "bob", lands_on=f"/dashboard/s/{room.code}/")
    assert room.panel_invite not in bob.url
    await expect(bob.get_by_role("list", name="Who is here")).to_contain_text("bob (you)")
    await expect(bob.get_by_text("Only the session's owner can finish it.")).to_be_visible()
    await expect(bob.get_by_role("button", name="Finish session")).to_be_hidden()
    await expect(bob.get_by_role("button", name="Push question").first).to_be_enabled()


# --- 5. the dashboard's copy buttons ---------------------------------------------------------


async def test_a_copy_button_puts_its_link_on_the_clipboard(server, interviewer, tabs):
    panel = await tabs.open("alice", "/accounts/login/")
    await panel.context.grant_permissions(
        ["clipboard-read", "clipboard-write"], origin=server.http_url
    )
    await sign_in(panel, "alice")
    await panel.get_by_label("Title").fill("Clipboard check")
    await panel.get_by_role("button", name="Create session").click()
    join_url = await panel.get_by_label("Candidate link", exact=True).input_value()
    button = panel.get_by_role("button", name="Copy candidate link")
    await button.click()
    await expect(button).to_have_text("Copied")
    assert await panel.evaluate("navigator.clipboard.readText()") == join_url
    await expect(button).to_have_text("Copy")  # back after a moment


# --- 6. key-point coverage on the answer card ----------------------------------------------


async def test_a_good_answer_has_its_key_points_ticked_and_its_suggested_score_filled_in(
    server, room, questions, tabs
):
    question = questions[0]
    panel = await tabs.open("alice", f"/accounts/login/?next=/dashboard/s/{room.code}/")
    await sign_in(panel, "alice", lands_on=f"/dashboard/s/{room.code}/")
    ann = await tabs.open("ann", f"/s/{room.code}/")
    await join_with_name(ann, "Ann")
    await expect(panel.get_by_role("list", name="Who is here")).to_contain_text("Ann")
    await panel.get_by_role("button", name="Push question").first.click()
    await expect(ann.get_by_role("heading", name=question.title)).to_be_visible()

    # Ann answers with the question's own model answer: a good answer.
    await (await answer_editor(ann)).fill(question.model_answer)
    await ann.get_by_role("button", name="Submit answer").click()
    await expect(ann.get_by_text("Saved (revision 1).")).to_be_visible()
    stored = await database_sync_to_async(lambda: Answer.objects.get().coverage)()
    covered = sum(stored["points"])
    assert covered >= 0.8 * len(question.key_points)

    card = panel.get_by_role("article", name="Answer by Ann")
    coverage = card.get_by_role("region", name="Key points covered")
    await expect(coverage.get_by_role("listitem")).to_have_count(len(question.key_points))
    await expect(coverage.locator("li.covered")).to_have_count(covered)
    await expect(coverage).to_contain_text(
        f"Key points: {covered} of {len(question.key_points)} covered · "
        f"suggested score {stored['suggested_score']}"
    )
    for point, hit in zip(question.key_points, stored["points"], strict=True):
        item = coverage.get_by_role("listitem").filter(has_text=point[:30])
        await expect(item).to_contain_text("Covered:" if hit else "Not covered:")
    # Filled in, not saved: the interviewer still presses the button.
    await expect(card.get_by_label("Score")).to_have_value(str(stored["suggested_score"]))
    await expect(card.get_by_text("Not scored yet.")).to_be_visible()
    assert await database_sync_to_async(Score.objects.count)() == 0
    await screenshot(panel, "dashboard-coverage", of=card)
    await assert_accessible(panel, "live session page with coverage")
    # The candidate never sees it.
    await expect(ann.get_by_text("Key points:")).to_have_count(0)
    await expect(ann.get_by_text("suggested score")).to_have_count(0)

    await card.get_by_role("button", name="Save score").click()
    await expect(card.get_by_text(f"Saved: your score {stored['suggested_score']}")).to_be_visible()


# --- 7. integrity signals ------------------------------------------------------------------------

# In the page: a paste of this text into the answer editor, as the clipboard would deliver it.
PASTE = """(text) => {
    const data = new DataTransfer();
    data.setData("text/plain", text);
    const editor = document.querySelector("#answer-form .cm-content");
    editor.focus();
    editor.dispatchEvent(new ClipboardEvent("paste", {clipboardData: data, bubbles: true}));
}"""
# In the dashboard: the moment (its clock) a card first says the paste arrived.
SEEN_AT = """(wanted) => new Promise((resolve) => {
    const seen = () => document.querySelector("#answers")?.textContent.includes(wanted);
    new MutationObserver((_, observer) => {
        if (seen()) { observer.disconnect(); resolve(Date.now()); }
    }).observe(document.body, {subtree: true, childList: true, characterData: true});
})"""


async def test_a_paste_in_the_candidates_editor_reaches_the_dashboard_within_a_second(
    server, room, questions, tabs
):
    panel = await tabs.open("alice", f"/accounts/login/?next=/dashboard/s/{room.code}/")
    await sign_in(panel, "alice", lands_on=f"/dashboard/s/{room.code}/")
    cara = await tabs.open("cara", None)
    sockets = []
    cara.on("websocket", lambda socket: sockets.append(socket))
    await cara.goto(f"/s/{room.code}/")
    await join_with_name(cara, "Cara")
    await expect(panel.get_by_role("list", name="Who is here")).to_contain_text("Cara")
    await panel.get_by_role("button", name="Push question").first.click()
    await expect(cara.get_by_role("heading", name=questions[0].title)).to_be_visible()
    # Beside the answer, the page says what the panel is told.
    note = "how many characters you paste into the answer (never what you paste)"
    await expect(cara.get_by_text(note)).to_be_visible()
    editor = await answer_editor(cara)

    # Before any answer: the paste reaches the dashboard, on a card for Cara that says so.
    pasted = "return sorted(set(items))\n"
    seen = asyncio.ensure_future(panel.evaluate(SEEN_AT, "pasted 26 characters"))
    await asyncio.sleep(0)  # the dashboard watches before the paste happens
    sent = await cara.evaluate(
        f"() => {{ const at = Date.now(); ({PASTE})({json.dumps(pasted)}); return at; }}"
    )
    shown = await asyncio.wait_for(seen, timeout=10)
    await expect(editor).to_contain_text("return sorted(set(items))")
    # Both pages read the one machine's clock: from the paste to the dashboard saying so.
    assert shown - sent < 1000, f"the paste reached the dashboard after {shown - sent} ms"
    card = panel.get_by_role("article", name="Answer by Cara")
    summary = card.locator(".signal-summary")
    # The paste is typing too: her draft shows in place of "No answer yet." (issue 17).
    await expect(card.get_by_text("typing…")).to_be_visible()
    await expect(card.get_by_text("No answer yet.")).to_be_hidden()
    await expect(summary).to_have_text("Focus and pastes: pasted 26 characters")
    await expect(card.get_by_role("button", name="Save score")).to_have_count(0)
    await screenshot(panel, "dashboard-signals-no-answer", of=card)

    # Then she answers: the same card carries her answer, and the summary stays on it.
    await cara.evaluate(TAB, "hidden")
    await cara.evaluate(TAB, "visible")
    await expect(summary).to_have_text(
        re.compile(r"^Focus and pastes: left the tab 1× \(\d+ s\), pasted 26 characters$")
    )
    await cara.get_by_role("button", name="Submit answer").click()
    await expect(card).to_contain_text("return sorted(set(items))")
    await expect(card.get_by_text("No answer yet.")).to_be_hidden()
    await expect(card.get_by_role("button", name="Save score")).to_be_visible()
    await expect(panel.get_by_role("article", name="Answer by Cara")).to_have_count(1)
    await expect(summary).to_have_text(
        re.compile(r"^Focus and pastes: left the tab 1× \(\d+ s\), pasted 26 characters$")
    )
    await card.get_by_text("Focus and paste timeline").click()
    timeline = card.get_by_role("list", name="Focus and paste timeline")
    await expect(timeline.get_by_role("listitem")).to_have_text(
        [
            re.compile(f"{what}$")
            for what in ("pasted 26 characters", "left the tab", "came back to the tab")
        ]
    )
    await screenshot(panel, "dashboard-signals", of=card)

    # She leaves the tab and the round closes meanwhile: the time away counts up to the
    # close, on the dashboard after a reload (the snapshot says when the round closed) as in
    # the results.
    await cara.evaluate(TAB, "hidden")
    await expect(summary).to_contain_text("left the tab 2×")
    await panel.get_by_role("button", name="Close round").click()
    # Nothing of it reached Cara's page, which carries on on its one socket.
    await expect(
        cara.get_by_text("Round closed. Your answer (revision 1) was saved.")
    ).to_be_visible()
    assert len(sockets) == 1
    await panel.reload()
    await expect(summary).to_contain_text("left the tab 2×")
    shown_summary = await summary.text_content()
    await panel.goto(f"/s/{room.code}/results")
    results = panel.get_by_role("region", name="Results of Cara")
    # The results sum up on the server what the dashboard summed up in the page: alike.
    await expect(results.locator(".signal-summary")).to_have_text(shown_summary)


async def test_signals_while_offline_are_never_sent_in_a_burst_that_refuses_the_answer(
    server, room, questions, tabs, peers
):
    panel = await peers.hello(server, room.code, room.owner_token)
    cara = await tabs.open("cara", f"/s/{room.code}/")
    await join_with_name(cara, "Cara")
    # Welcomed before the push: a page that loads with a round open says so (issue 17).
    await expect(cara.get_by_role("heading", name="Waiting for the first question")).to_be_visible()
    await expect(cara.locator("#session-status")).to_have_text("lobby")
    await pushed(panel, questions[0].id)
    await expect(cara.get_by_role("heading", name=questions[0].title)).to_be_visible()
    answer = await answer_editor(cara)
    await answer.fill("written offline")

    await cara.context.set_offline(True)
    await expect(cara.get_by_text("You are offline")).to_be_visible()
    # Thirty tab and window switches while offline: more than the 20 commands a second that
    # one burst after the reconnect could carry.
    for _ in range(15):
        await cara.evaluate(TAB, "hidden")
        await cara.evaluate(TAB, "visible")
    for _ in range(15):
        await cara.evaluate("() => { dispatchEvent(new Event('blur')); }")
        await cara.evaluate("() => { dispatchEvent(new Event('focus')); }")
    await cara.get_by_role("button", name="Submit answer").click()
    await expect(cara.get_by_text("Offline: it is sent when you reconnect.")).to_be_visible()
    await cara.context.set_offline(False)

    await expect(cara.get_by_text("Saved (revision 1).")).to_be_visible()
    submitted = await panel.next("answer.submitted")
    assert submitted["data"]["text"] == "written offline"
    # None of the switches was sent late, timed by the server at the reconnect: the page only
    # says where it is now, back on the tab (issue 17), which ends the time away.
    stored = Event.objects.filter(session__code=room.code, type="candidate.signal")
    kinds = [payload["kind"] async for payload in stored.values_list("payload", flat=True)]
    assert kinds == ["visible"]


RELOADED, OPENED = {"load": "reloaded"}, {"load": "opened"}
SUMMARY_CASES = [
    # (kinds at seconds with their other fields, signals dropped, the round's end in seconds)
    (
        [
            ("blur", 1),
            ("hidden", 1.2),
            ("visible", 20.2),
            ("paste", 30, {"chars": 300}),
            ("hidden", 40),
        ],
        0,
        52.6,
    ),
    (
        [
            ("hidden", 0.4),
            ("hidden", 1),
            ("visible", 2.9),
            ("paste", 3, {"chars": 1}),
            ("focus", 4),
        ],
        2,
        9,
    ),
    ([("hidden", 10)], 1, 135.5),
    ([], 0, 10),
    # Pages that load (issue 17): a reload is not the tab left; focus ends a time away.
    ([("hidden", 10), ("visible", 10.8, RELOADED), ("focus", 10.9)], 0, 300),
    ([("visible", 3, RELOADED), ("hidden", 20), ("focus", 27.6)], 1, 300),
    ([("hidden", 5), ("visible", 65, OPENED), ("hidden", 100)], 0, 130.4),
    ([("hidden", 1), ("hidden", 2), ("visible", 2.4, RELOADED), ("blur", 9)], 0, 20),
]


async def test_the_dashboard_sums_up_signals_as_the_server_does(server, tabs):
    """signals.js's signalSummary and integrity.signals_summary, on the same signals."""
    start = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)

    def at(second: float) -> datetime:
        return start + timedelta(seconds=second)

    cases = []
    for kinds, dropped, end in SUMMARY_CASES:
        signals = [
            {"participant_id": 1, "round_id": 1, "kind": kind, "at": timestamp(at(second))}
            | (rest[0] if rest else {})
            for kind, second, *rest in kinds
        ]
        cases.append({"signals": signals, "dropped": dropped, "until": timestamp(at(end))})
    page = await tabs.open("alice", "/")
    in_page = await page.evaluate(
        """async (cases) => {
            const { signalSummary } = await import("/static/interview/js/signals.js");
            return cases.map((c) =>
                signalSummary(c.signals, { dropped: c.dropped, until: Date.parse(c.until) }));
        }""",
        cases,
    )
    on_server = [
        signals_summary(c["signals"], dropped=c["dropped"], until=at(end))
        for c, (_, _, end) in zip(cases, SUMMARY_CASES, strict=True)
    ]
    assert in_page == on_server
    assert on_server[1]["summary"] == (
        "left the tab 2× (3 s), pasted 1 character, 2 more signals not kept"
    )
    assert [s["summary"] for s in on_server[4:]] == [
        "reloaded the page 1× (1 s)",
        "left the tab 1× (8 s), reloaded the page 1× (0 s), 1 more signal not kept",
        "left the tab 2× (1 min 30 s)",
        "reloaded the page 1× (1 s), lost focus 1×",
    ]


# --- 7. extra time ------------------------------------------------------------------------------


async def test_an_extension_moves_one_candidates_countdown_and_not_anothers(
    server, room, questions, tabs
):
    panel = await tabs.open("alice", "/accounts/login/")
    await sign_in(panel, "alice")
    await panel.goto(f"/dashboard/s/{room.code}/")
    people = {}
    for name in ("Ann", "Ben"):
        people[name] = await tabs.open(name.lower(), f"/s/{room.code}/")
        await join_with_name(people[name], name)
    wall = await tabs.open("wall", f"/s/{room.code}/watch")
    await join_with_name(wall, "Wall")
    for name in ("Ann", "Ben"):
        await expect(panel.get_by_role("group", name=name)).to_be_visible()

    await panel.get_by_label("Time limit (seconds)").fill("120")
    await panel.get_by_role("button", name="Push question").first.click()
    for page in (*people.values(), wall):
        await expect(page.get_by_role("heading", name=questions[0].title)).to_be_visible()
        assert 0 < await countdown_seconds(page) <= 120

    ann_time = panel.get_by_role("group", name="Ann")
    await ann_time.get_by_label("More seconds").fill("600")
    await ann_time.get_by_role("button", name="Extend").click()
    await expect(ann_time.get_by_role("status")).to_contain_text("Extended: Ann has until")
    await expect(ann_time).to_contain_text("600 s after the round's")
    await expect(panel.get_by_role("group", name="Ben")).to_contain_text("The round's deadline.")

    # Ann's countdown jumps by ten minutes; Ben's and the big screen's stay on the round's.
    ann = people["Ann"]
    await expect(ann.get_by_role("timer", name="Time left")).to_have_text(re.compile(r"^1[01]:"))
    assert 600 < await countdown_seconds(ann) <= 720
    for page in (people["Ben"], wall):
        assert 0 < await countdown_seconds(page) <= 120
    # A reload keeps her own deadline: the welcome's snapshot carries it.
    await ann.reload()
    await expect(ann.get_by_role("heading", name=questions[0].title)).to_be_visible()
    assert 600 < await countdown_seconds(ann) <= 720
    await screenshot(panel, "interviewer-extra-time", of=panel.locator("section", has=ann_time))
    await assert_accessible(panel, "live session page with extra time")

    # The round's own deadline passes: Ben's time is up, Ann still answers, the round stays open.
    await Round.objects.filter(closed_at=None).aupdate(deadline=django_now() - timedelta(seconds=1))
    ben = people["Ben"]
    await ben.reload()
    await expect(ben.get_by_role("timer", name="Time left")).to_have_text("Time's up")
    await expect(ben.get_by_role("button", name="Submit answer")).to_be_disabled()
    await expect(ben.get_by_text("Your time is up")).to_be_visible()
    await (await answer_editor(ann)).fill("Still answering, with extra time.")
    await ann.get_by_role("button", name="Submit answer").click()
    await expect(ann.get_by_text("Saved (revision 1).")).to_be_visible()
    await expect(panel.get_by_role("article", name="Answer by Ann")).to_contain_text(
        "Still answering, with extra time."
    )


# --- 8. the results: a timeline of the session and a skills map ---------------------------------


def rounds_in_more_areas(code: str, scores: dict[str, int]) -> int:
    """A round per area, Cara's answer to it scored by the owner; the last round stays open
    and its id is returned."""
    session = InterviewSession.objects.get(code=code)
    owner = session.participants.get(user=session.owner)
    cara = session.participants.get(display_name="Cara")
    for area, score in scores.items():
        question = Question.objects.filter(category=area).first()
        rnd = services.round_open(session=session, participant=owner, question_id=question.id)
        answer = services.answer_submit(
            session=session, participant=cara, round_id=rnd.id, text=f"About {area.lower()}."
        )
        services.answer_score(session=session, participant=owner, answer_id=answer.id, score=score)
    return rnd.id


def drafts_submit(code: str, round_id: int, count: int) -> None:
    session = InterviewSession.objects.get(code=code)
    cara = session.participants.get(display_name="Cara")
    for number in range(count):
        services.answer_submit(
            session=session, participant=cara, round_id=round_id, text=f"d{number}"
        )


async def test_the_results_show_the_timeline_with_revision_diffs_and_a_skills_radar(
    server, room, questions, tabs, peers
):
    panel = await peers.hello(server, room.code, room.owner_token)
    cara = await tabs.open("cara", f"/s/{room.code}/")
    await join_with_name(cara, "Cara")
    joined = await panel.next("participant.joined", where=lambda f: f["data"]["name"] == "Cara")
    cara_id = joined["data"]["participant_id"]
    await pushed(panel, questions[0].id)
    answer = await answer_editor(cara)
    drafts = ("A decorator wraps a function.", "A decorator wraps a function and returns it.")
    for revision, text in enumerate(drafts, start=1):
        await answer.fill(text)
        await cara.get_by_role("button", name="Submit answer").click()
        await expect(cara.get_by_text(f"Saved (revision {revision}).")).to_be_visible()
    answer_id = (await panel.next("answer.submitted"))["data"]["answer_id"]
    feedback = "Returns the answer, at last."
    reply = await panel.command(
        "answer.score", {"answer_id": answer_id, "score": 8, "feedback": feedback}
    )
    assert reply["type"] == "ack", reply
    for command, data in (
        ("time.extend", {"participant_id": cara_id, "seconds": 37}),
        ("time.accommodate", {"participant_id": cara_id, "extra_time_pct": 50}),
    ):
        reply = await panel.command(command, data)
        assert reply["type"] == "ack", reply
    areas = {"Version Control": 6, "Database Management": 9, "Testing and Debugging": 5}
    last_round = await database_sync_to_async(rounds_in_more_areas)(room.code, areas)

    # The panel reads the results while the session runs: the timeline, the skills map.
    alice = await tabs.open("alice", f"/accounts/login/?next=/s/{room.code}/results")
    await sign_in(alice, "alice", lands_on=f"/s/{room.code}/results")
    timeline = alice.get_by_role("region", name="Timeline")
    items = timeline.get_by_role("listitem")
    second = items.filter(has_text=re.compile(r"Cara submitted revision 2\b"))
    await expect(second.locator("ins")).to_have_text(" and returns it")
    await expect(second.locator("del")).to_have_count(0)
    await expect(items.filter(has_text="alice scored Cara's answer 8")).to_have_count(1)
    await expect(items.filter(has_text=feedback)).to_contain_text("alice wrote to Cara")
    await expect(items.filter(has_text="Q4 pushed")).to_have_count(1)
    extended = items.filter(has_text="(+37 s)")
    await expect(extended).to_contain_text(re.compile(r"Cara was given until \d\d:\d\d:\d\d"))
    await expect(items.filter(has_text="Cara gets +50% time on later rounds")).to_have_count(1)
    await screenshot(alice, "results-timeline", of=timeline)

    results = alice.get_by_role("region", name="Results of Cara")
    radar = results.get_by_role("img", name="Skills map of Cara")
    await expect(radar).to_be_visible()
    await expect(radar.locator("circle")).to_have_count(1 + len(areas))  # a point per area asked
    await expect(radar.locator("circle.unscored")).to_have_count(0)
    table = results.get_by_role("table", name="Mean score per skill area: Cara")
    await expect(table.get_by_role("row", name=questions[0].category)).to_contain_text("8 / 10")
    await expect(table.get_by_role("row", name="Database Management")).to_contain_text("9 / 10")
    await screenshot(alice, "results-skills", of=results.locator("figure.skills"))
    await assert_accessible(alice, "results page with its timeline")

    # A long session: 60 more drafts put the finish beyond the timeline's first page.
    await database_sync_to_async(drafts_submit)(room.code, last_round, 60)
    assert (await panel.command("session.finish", {}))["type"] == "ack"
    await alice.reload()
    await expect(items).to_have_count(50)
    await expect(items.filter(has_text="Session finished")).to_have_count(0)
    await timeline.get_by_role("button", name="Load more").click()
    await expect(items.filter(has_text="Session finished")).to_have_count(1)
    await expect(timeline.get_by_role("button", name="Load more")).to_be_hidden()

    # Cara's own results: her map, and her part of the timeline.
    await cara.get_by_role("link", name="See your results").click()
    await expect(cara.get_by_role("img", name="Skills map of Cara")).to_be_visible()
    mine = cara.get_by_role("region", name="Timeline").get_by_role("listitem")
    revision = mine.filter(has_text="You submitted revision 2 (44 characters)")
    await expect(revision.locator("ins")).to_have_text(" and returns it")
    # The panel's mean, and apart from it the feedback with its writer: never who gave what.
    await expect(mine.filter(has_text="The panel scored your answer")).to_have_count(4)
    await expect(mine.filter(has_text=feedback)).to_contain_text("alice wrote to you")
    await expect(mine.filter(has_text="(+37 s)")).to_contain_text("You were given until")
    await expect(mine.filter(has_text="later rounds")).to_have_count(0)
    await assert_accessible(cara, "candidate's results with the timeline")
