"""Exercises' tests run in browsers (issue 20, items 3 and 4): the candidate's "Run
examples", and the panel's verdict on every revision, with what the room sees of it.

The harness is the server's interview/content/exercises.py, run in Pyodide in the sandbox: what it
says in the browser is what it says in CPython, which these tests compute beside it.
The fixtures are the browser tests' (tests/browser_fixtures.py): one daphne per test, a
browser context per person.
"""

import pytest
from channels.db import database_sync_to_async
from playwright.async_api import expect

from interview.content.exercises import run_tests
from interview.domain import services
from interview.models import Question, Verdict

from .browser import answer_editor, join_with_name, leaderboard, pushed, screenshot, sign_in
from .test_exercise_bank import WRONG, reference_of

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.end_to_end]


# Loading Pyodide, and each run's fresh interpreter, take seconds on a busy machine.
RUN_TIMEOUT_MS = 60_000


def reference(question: Question) -> str:
    """The exercise's reference solution: its model answer's first Python block."""
    return reference_of({"slug": question.slug, "model_answer": question.model_answer})


def wrong_failing(question: Question, tests: list[dict]) -> str:
    """A kept wrong solution of the exercise that fails one of these tests in CPython."""
    for solution in WRONG[question.slug]:
        if not all(r["passed"] for r in run_tests(solution["code"], tests)):
            return solution["code"]
    return question.starter_code


@pytest.fixture
def exercise(bank) -> Question:
    return Question.objects.filter(kind="exercise").order_by("id").first()


async def test_run_examples_marks_each_example_as_cpython_does(server, room, exercise, tabs, peers):
    panel = await peers.hello(server, room.code, room.owner_token)
    cara = await tabs.open("cara", f"/s/{room.code}/")
    await join_with_name(cara, "Cara")
    await pushed(panel, exercise.id)
    await expect(cara.get_by_role("heading", name=exercise.title)).to_be_visible()
    examples = cara.get_by_role("list", name="Examples").get_by_role("listitem")
    status = cara.locator("#examples-status")
    run = cara.get_by_role("button", name="Run examples")
    await expect(run).to_be_visible()

    # The reference passes every example.
    await (await answer_editor(cara)).fill(reference(exercise))
    await run.click()
    count = len(exercise.examples)
    await expect(status).to_have_text(
        f"{count} of {count} examples passed.", timeout=RUN_TIMEOUT_MS
    )
    await expect(examples.locator(".example-verdict")).to_have_text(["✓ Passed"] * count)

    # A wrong solution fails what CPython says it fails, with the same message.
    wrong = wrong_failing(exercise, exercise.examples)
    expected = run_tests(wrong, exercise.examples)
    await (await answer_editor(cara)).fill(wrong)
    await run.click()
    passed = sum(r["passed"] for r in expected)
    await expect(status).to_have_text(
        f"{passed} of {count} examples passed.", timeout=RUN_TIMEOUT_MS
    )
    assert passed < count
    await expect(examples.locator(".example-verdict")).to_have_text(
        ["✓ Passed" if r["passed"] else f"✗ Failed: {r['message']}" for r in expected]
    )


# --- the panel's verdicts ------------------------------------------------------------------------


def verdict_expected(code: str, question: Question) -> tuple[int, int, list[str]]:
    """What the harness says in CPython: passed, total, and each failure as the card shows it."""
    results = run_tests(code, question.examples + question.tests)
    failing = [f"{r['name']}: {r['message']}" for r in results if not r["passed"]]
    return len(results) - len(failing), len(results), failing


async def panel_pushes(panel, question: Question) -> None:
    await panel.get_by_label("Search").fill(question.title)
    await expect(panel.get_by_role("button", name="Push question")).to_have_count(1)
    await panel.get_by_role("button", name="Push question").click()


def stored_verdicts(code: str) -> list[tuple[int, int, int, bool]]:
    """(revision, passed, total, kept at the close) of every kept verdict in the session."""
    return [
        (v.revision, v.passed, v.total, v.answer.revisions.get(revision=v.revision).at_close)
        for v in Verdict.objects.filter(answer__round__session__code=code)
        .select_related("answer")
        .order_by("revision")
    ]


async def test_the_panel_gets_a_verdict_on_each_submit_and_on_the_draft_kept_at_the_close(
    server, room, exercise, tabs
):
    panel = await tabs.open("alice", f"/accounts/login/?next=/dashboard/s/{room.code}/")
    await sign_in(panel, "alice", lands_on=f"/dashboard/s/{room.code}/")
    ann = await tabs.open("ann", f"/s/{room.code}/")
    await join_with_name(ann, "Ann")
    await expect(panel.get_by_role("list", name="Who is here")).to_contain_text("Ann")
    await panel_pushes(panel, exercise)
    await expect(ann.get_by_role("heading", name=exercise.title)).to_be_visible()
    card = panel.get_by_role("article", name="Answer by Ann")
    tests = card.get_by_role("region", name="Tests")
    count = len(exercise.examples) + len(exercise.tests)

    # A submit: the reference passes every test, examples and hidden ones.
    await (await answer_editor(ann)).fill(reference(exercise))
    await ann.get_by_role("button", name="Submit answer").click()
    await expect(tests).to_contain_text(f"{count} of {count} tests passed", timeout=RUN_TIMEOUT_MS)
    await expect(tests.get_by_role("list", name="Failing tests")).to_have_count(0)

    # A second revision, wrong: what fails, and why, as CPython says.
    wrong = wrong_failing(exercise, exercise.tests)
    passed, total, failing = verdict_expected(wrong, exercise)
    await (await answer_editor(ann)).fill(wrong)
    await ann.get_by_role("button", name="Submit answer").click()
    await expect(card).to_contain_text("revision 2")
    await expect(tests).to_contain_text(f"{passed} of {total} tests passed", timeout=RUN_TIMEOUT_MS)
    failures = tests.get_by_role("list", name="Failing tests").get_by_role("listitem")
    await expect(failures).to_have_text(failing)
    await expect(tests).not_to_contain_text("null")  # no disagreement, and nothing in its place
    await screenshot(panel, "dashboard-verdict", of=card)
    # The room does not show verdicts: no pass count on Ann's leaderboard, nor her page.
    await expect(leaderboard(ann)).to_contain_text("Ann")
    await expect(leaderboard(ann).locator(".passes")).to_have_text([""])
    await expect(ann.get_by_text("tests passed")).to_have_count(0)

    # A draft kept at the close is judged too.
    await (await answer_editor(ann)).fill(reference(exercise))
    await expect(card.get_by_role("region", name="Draft, not submitted")).to_be_visible()
    await panel.get_by_role("button", name="Close round").click()
    await expect(card).to_contain_text("kept at the close")
    await expect(tests).to_contain_text(f"{count} of {count} tests passed", timeout=RUN_TIMEOUT_MS)
    kept = await database_sync_to_async(stored_verdicts)(room.code)
    assert kept == [(1, count, count, False), (2, passed, total, False), (3, count, count, True)]


async def test_with_show_verdicts_the_room_sees_pass_counts_and_never_a_test(
    server, interviewer, exercise, tabs
):
    created = await database_sync_to_async(services.session_create)(
        owner=interviewer, title="Shown", show_verdicts=True
    )
    code = created.session.code
    panel = await tabs.open("alice", f"/accounts/login/?next=/dashboard/s/{code}/")
    await sign_in(panel, "alice", lands_on=f"/dashboard/s/{code}/")
    ann = await tabs.open("ann", f"/s/{code}/")
    await join_with_name(ann, "Ann")
    wall = await tabs.open("wall", f"/s/{code}/watch")
    await join_with_name(wall, "Wall")
    await expect(panel.get_by_role("list", name="Who is here")).to_contain_text("Ann")
    await panel_pushes(panel, exercise)

    wrong = wrong_failing(exercise, exercise.tests)
    passed, total, _ = verdict_expected(wrong, exercise)
    await (await answer_editor(ann)).fill(wrong)
    await ann.get_by_role("button", name="Submit answer").click()
    shown = f"✓ {passed}/{total}"
    for page in (ann, wall, panel):
        await expect(leaderboard(page).filter(has_text="Ann").locator(".passes")).to_have_text(
            shown, timeout=RUN_TIMEOUT_MS
        )
    for page in (ann, wall):
        content = await page.content()
        assert [t["name"] for t in exercise.tests if t["name"] in content] == []
    # A reload keeps it (the snapshot); the close of the round ends it.
    await wall.reload()
    await expect(leaderboard(wall).filter(has_text="Ann").locator(".passes")).to_have_text(shown)
    await panel.get_by_role("button", name="Close round").click()
    for page in (ann, wall):
        await expect(leaderboard(page).filter(has_text="Ann").locator(".passes")).to_have_text("")
