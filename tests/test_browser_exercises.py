"""Exercises on the candidate's page (issue 20, item 3): the editor starts with the starter
code unless the candidate has text of their own, the examples are listed, and the hidden
tests are nowhere in the page.

The fixtures are the browser tests' (tests/browser_fixtures.py): one daphne per test, a
browser context per person.
"""

import pytest
from playwright.async_api import expect

from interview.models import Question

from .browser import (
    answer_editor,
    assert_accessible,
    expect_answer,
    join_with_name,
    pushed,
    screenshot,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.end_to_end]


@pytest.fixture
def exercises(bank) -> list[Question]:
    return list(Question.objects.filter(kind="exercise").order_by("id")[:2])


async def test_an_exercise_starts_the_editor_with_its_starter_code_and_lists_its_examples(
    server, room, questions, exercises, tabs, peers
):
    retry, cache = exercises
    panel = await peers.hello(server, room.code, room.owner_token)
    cara = await tabs.open("cara", f"/s/{room.code}/")
    await join_with_name(cara, "Cara")

    await pushed(panel, retry.id)
    await expect(cara.get_by_role("heading", name=retry.title)).to_be_visible()
    await answer_editor(cara)
    await expect_answer(cara, retry.starter_code)
    examples = cara.get_by_role("list", name="Examples").get_by_role("listitem")
    await expect(examples).to_have_count(len(retry.examples))
    first = retry.examples[0]
    await expect(examples.first).to_contain_text(first["name"])
    await expect(examples.first).to_contain_text(first["call"])
    await expect(examples.first).to_contain_text(f"→ {first['expected']}")
    await expect(examples.nth(2)).to_contain_text(f"raises {retry.examples[2]['raises']}")
    page = await cara.content()
    assert not [test["name"] for test in retry.tests if test["name"] in page]
    await screenshot(cara, "candidate-exercise")
    await assert_accessible(cara, "candidate's exercise")

    # Her own text wins over the starter code, over a reload too.
    editor = await answer_editor(cara)
    await editor.press("Control+End")
    await editor.press("Enter")
    await editor.press_sequentially("# mine")
    mine = retry.starter_code + "\n    # mine"
    await expect_answer(cara, mine)
    await cara.reload()
    await expect(cara.get_by_role("heading", name=retry.title)).to_be_visible()
    await expect_answer(cara, mine)

    # A question that is not an exercise: an empty editor and no examples.
    await pushed(panel, questions[0].id)
    await expect(cara.get_by_role("heading", name=questions[0].title)).to_be_visible()
    await expect(cara.get_by_role("list", name="Examples")).to_have_count(0)
    await expect(cara.get_by_label("Answer", exact=True).locator(".cm-line")).to_have_text([""])

    # The next exercise starts from its own starter code.
    await pushed(panel, cache.id)
    await expect(cara.get_by_role("heading", name=cache.title)).to_be_visible()
    await expect_answer(cara, cache.starter_code)
    await expect(examples).to_have_count(len(cache.examples))
