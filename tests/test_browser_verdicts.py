"""Exercises' tests run in browsers (issue 20, items 3 and 4): the candidate's "Run
examples", and the panel's verdict on every revision, with what the room sees of it.

The harness is the server's interview/exercises.py, run in Pyodide in the sandbox: what it
says in the browser is what it says in CPython, which these tests compute beside it.
The fixtures are test_browser.py's: one daphne per test, a browser context per person.
"""

import pytest
from playwright.async_api import expect

from interview.exercises import run_tests
from interview.models import Question

from . import test_browser as shared
from .browser import answer_editor, join_with_name
from .test_exercise_bank import WRONG, reference_of

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.end_to_end]

chromium = shared.chromium
browser = shared.browser
server = shared.server
tabs = shared.tabs
peers = shared.peers
room = shared.room
pushed = shared.pushed

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
