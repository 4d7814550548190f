"""Results that tell the truth, end to end in Chromium: the skills map of the areas asked
(bars for fewer than three, a radar from three), the session's ranking rule on every
leaderboard, late joiners, scores of an older revision, and the answer text in the CSV."""

import csv
import io
import re

import pytest
from channels.db import database_sync_to_async
from playwright.async_api import expect

from interview.domain import services
from interview.models import InterviewSession, Question

from .browser import (
    answer_editor,
    assert_accessible,
    join_with_name,
    leaderboard,
    pushed,
    screenshot,
    sign_in,
)
from .browser_fixtures import Room

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.end_to_end]

MEAN_RULE = "Ranked by mean score over the questions asked while each candidate was present."
# A candidate's answer a spreadsheet would run as a formula, were it not written as text.
FORMULA = '=HYPERLINK("http://evil.example","x")'


@pytest.fixture
def mean_room(interviewer) -> Room:
    """A session in the lobby, owned by alice, ranked by mean."""
    created = services.session_create(owner=interviewer, title="Mean panel", ranking="mean")
    return Room(
        code=created.session.code,
        owner_token=created.owner.token,
        panel_invite=created.panel_invite,
    )


@pytest.fixture
def three_areas(bank) -> list[Question]:
    """A question from each of three skill areas."""
    areas = ("Core Python", "Web Development", "Database Management")
    return [Question.objects.filter(category=area).order_by("id").first() for area in areas]


async def submit(page, text: str, revision: int) -> None:
    await (await answer_editor(page)).fill(text)
    await page.get_by_role("button", name="Submit answer").click()
    await expect(page.get_by_text(f"Saved (revision {revision}).")).to_be_visible()


async def score_on_card(panel, name: str, round_title: str, value: int) -> None:
    card = panel.get_by_role("article", name=f"Answer by {name}").filter(has_text=round_title)
    await card.get_by_label("Score").fill(str(value))
    await card.get_by_role("button", name="Save score").click()
    await expect(card.get_by_text(f"Saved: your score {value}")).to_be_visible()


async def test_results_and_leaderboards_tell_the_rule_late_joiners_revisions_and_areas(
    server,
    mean_room,
    three_areas,
    tabs,
    peers,
):
    room = mean_room
    first, second, third = three_areas
    owner = await peers.hello(server, room.code, room.owner_token)
    panel = await tabs.open("alice", f"/accounts/login/?next=/dashboard/s/{room.code}/")
    await sign_in(panel, "alice", lands_on=f"/dashboard/s/{room.code}/")
    ann = await tabs.open("ann", f"/s/{room.code}/")
    await join_with_name(ann, "Ann")
    await expect(panel.get_by_role("list", name="Who is here")).to_contain_text("Ann")

    # Question 1: Ann answers, is scored 5, then revises: the score was for revision 1 of 2.
    await pushed(owner, first.id)
    await submit(ann, "A first thought.", 1)
    await score_on_card(panel, "Ann", first.title, 5)
    await submit(ann, "A better thought.", 2)
    card = panel.get_by_role("article", name="Answer by Ann").filter(has_text=first.title)
    await expect(card.get_by_role("list", name="Given to an older revision")).to_have_text(
        "You scored revision 1 of 2"
    )
    await screenshot(panel, "dashboard-scored-older-revision", of=card)
    assert (await owner.command("question.close", {}))["type"] == "ack"

    # Ben joins between questions 1 and 2: he is present from question 2.
    ben = await tabs.open("ben", f"/s/{room.code}/")
    await join_with_name(ben, "Ben")
    await pushed(owner, second.id)
    await submit(ann, "Ann on question 2.", 1)
    await submit(ben, FORMULA, 1)
    await score_on_card(panel, "Ann", second.title, 3)
    await score_on_card(panel, "Ben", second.title, 7)

    # By mean, Ben's 7 over one question beats Ann's 5 + 3 over two; every screen says why.
    for page in (panel, ann, ben):
        await expect(page.get_by_text(MEAN_RULE).first).to_be_visible()
        await expect(leaderboard(page).first).to_contain_text("Ben")
        await expect(leaderboard(page).first).to_contain_text("joined at question 2")
        await expect(leaderboard(page).first).to_contain_text("7 mean")
        await expect(leaderboard(page).nth(1)).to_contain_text("4 mean · 8 pts")

    # Two areas asked: the dashboard draws a bar per area, not a radar collapsed to a line.
    compare = panel.get_by_role("img", name=re.compile(r"^Skills by area asked: bars"))
    await expect(compare.locator("g.bar")).to_have_count(4)  # 2 areas × 2 candidates
    await expect(compare.locator("polygon")).to_have_count(0)
    await pushed(owner, third.id)
    await submit(ann, "Ann on question 3.", 1)
    await score_on_card(panel, "Ann", third.title, 8)
    radar = panel.get_by_role("img", name=re.compile(r"^Skills by area asked: radar"))
    await expect(radar.locator("polygon.candidate-area")).to_have_count(2)
    await screenshot(panel, "dashboard-skills-radar", of=panel.locator(".skills-compare-chart"))
    assert (await owner.command("session.finish", {}))["type"] == "ack"

    # The results: Ann's three areas make a radar, Ben's two (he joined at question 2) bars.
    await panel.goto(f"/s/{room.code}/results")
    await expect(panel.get_by_text(MEAN_RULE).first).to_be_visible()
    anns = panel.get_by_role("region", name="Results of Ann")
    bens = panel.get_by_role("region", name="Results of Ben")
    ann_map = anns.get_by_role("img", name="Skills map of Ann")
    await expect(ann_map.locator("circle.radar-point")).to_have_count(3)
    ben_map = bens.get_by_role("img", name="Skills map of Ben")
    await expect(ben_map.locator("g.bar")).to_have_count(2)
    await expect(ben_map.locator("circle")).to_have_count(0)
    await expect(bens.get_by_text("1 of 2 answered · joined at question 2")).to_be_visible()
    await expect(bens.get_by_text("Asked before they joined.")).to_be_visible()
    skills = bens.get_by_role("table", name="Mean score per skill area: Ben")
    await expect(skills.get_by_role("row", name=first.category)).to_contain_text("not asked")
    await expect(anns.get_by_text("scored revision 1 of 2")).to_be_visible()
    await screenshot(panel, "results-bars", of=bens.locator("figure.skills"))
    await assert_accessible(panel, "results with bars and a radar")

    # The CSV has each answer's final text, formula-safe like every other cell.
    response = await panel.request.get(f"/api/sessions/{room.code}/results.csv")
    rows = list(csv.DictReader(io.StringIO(await response.text())))
    texts = {(row["candidate"], row["round"]): row["answer_text"] for row in rows}
    assert texts[("Ann", "1")] == "A better thought."
    assert texts[("Ben", "2")] == "'" + FORMULA
    scored = [row for row in rows if (row["candidate"], row["round"]) == ("Ann", "1")]
    assert [(row["revision"], row["scored_revision"]) for row in scored] == [("2", "1")]
    assert {row["joined_at"] for row in rows if row["candidate"] == "Ben"} == {"2"}

    # Ben's own results say when he joined and rank him by the rule.
    await ben.get_by_role("link", name="See your results").click()
    await expect(ben.get_by_text("You joined at question 2.")).to_be_visible()
    await expect(ben.get_by_text(MEAN_RULE)).to_be_visible()
    await expect(ben.get_by_role("img", name="Skills map of Ben").locator("g.bar")).to_have_count(2)


async def test_the_ranking_rule_is_chosen_when_creating_a_session(
    server,
    interviewer,
    tabs,
):
    panel = await tabs.open("alice", "/accounts/login/")
    await sign_in(panel, "alice")
    await panel.get_by_label("Title").fill("Ranked by mean")
    rule = panel.get_by_role("group", name="Rank the leaderboard by")
    await expect(rule.get_by_role("radio", name="Total score")).to_be_checked()
    await rule.get_by_role("radio", name=re.compile(r"^Mean score")).check()
    await panel.get_by_role("button", name="Create session").click()
    await expect(panel.get_by_role("link", name="Open live session")).to_be_visible()
    await assert_accessible(panel, "dashboard with the ranking choice")
    ranking = await database_sync_to_async(
        lambda: InterviewSession.objects.get(title="Ranked by mean").ranking
    )()
    assert ranking == "mean"
    await panel.get_by_role("link", name="Open live session").click()
    await expect(panel.get_by_text(MEAN_RULE)).to_be_visible()
