"""What changed between two revisions (``textdiff``): line by line, word by word, within
a budget of work."""

import difflib
import sys

from hypothesis import given
from hypothesis import strategies as st

from interview.content.textdiff import DIFF_BUDGET, DIFF_CONTEXT_CHARS, Budget, text_diff
from interview.domain.protocol import MAX_ANSWER_CHARS


def test_a_first_revision_is_all_added():
    assert text_diff("", "hello\nworld") == [["+", "hello\nworld"]]


def test_a_diff_marks_words_changed_inside_a_line():
    assert text_diff("a quick brown fox", "a slow brown fox") == [
        ["=", "a "],
        ["-", "quick"],
        ["+", "slow"],
        ["=", " brown fox"],
    ]


def test_a_diff_keeps_only_context_of_a_long_unchanged_run():
    lines = "".join(f"line {n}\n" for n in range(200))
    diff = text_diff(lines + "old\n", lines + "new\n")
    assert diff[0] == ["~", len(lines) - DIFF_CONTEXT_CHARS]
    assert diff[1] == ["=", lines[-DIFF_CONTEXT_CHARS:]]
    assert diff[2:] == [["-", "old"], ["+", "new"], ["=", "\n"]]


def test_an_unchanged_revision_is_one_unchanged_run():
    assert text_diff("same", "same") == [["=", "same"]]


# --- the worst revisions an answer allows ---------------------------------------------------


def worst_revisions() -> tuple[str, str]:
    """Two answers of the largest size, of one line repeated, changed at both ends: difflib
    paired every line of one with every line of the other (seconds a diff)."""
    lines = "a\n" * (MAX_ANSWER_CHARS // 2 - 2)
    return "b\n" + lines + "c\n", "c\n" + lines + "b\n"


class DifflibSteps:
    """Counts the lines of difflib that run (its inner loops are Python), and stops a run
    that goes far past any budget instead of letting it take minutes."""

    def __init__(self, ceiling: int) -> None:
        self.ceiling, self.count = ceiling, 0

    def __enter__(self) -> "DifflibSteps":
        self.previous = sys.gettrace()
        sys.settrace(self.trace)
        return self

    def __exit__(self, *exc) -> None:
        sys.settrace(self.previous)

    def trace(self, frame, event, arg):
        if frame.f_code.co_filename != difflib.__file__:
            return None
        if event == "line":
            self.count += 1
            if self.count > self.ceiling:
                raise RuntimeError(f"difflib ran more than {self.ceiling} lines")
        return self.trace


def test_a_diff_of_two_long_answers_is_quick():
    """Quick counted in work, not time: difflib's steps stay within what one diff's budget
    allows, and the change is shown word by word, not as rewritten."""
    before = " ".join(f"word{n}" for n in range(3000))
    after = before.replace("word1500", "changed")
    budget = Budget(DIFF_BUDGET)
    with DifflibSteps(ceiling=50 * DIFF_BUDGET) as steps:
        diff = text_diff(before, after, budget=budget)
    assert ["-", "word1500"] in diff
    assert ["+", "changed"] in diff
    assert budget.spent <= DIFF_BUDGET
    assert steps.count <= 10 * DIFF_BUDGET


def test_the_worst_revisions_are_diffed_within_the_budget_and_shown_as_rewritten():
    before, after = worst_revisions()
    with DifflibSteps(ceiling=50 * DIFF_BUDGET) as steps:
        diff = text_diff(before, after)
    assert diff == [["*", len(before), len(after)]]
    # One unit of the budget is about one pass of difflib's inner loop, a few lines each.
    assert steps.count <= 10 * DIFF_BUDGET


def test_a_diff_over_its_budget_keeps_the_unchanged_lines_around_the_rewritten_middle():
    before, after = worst_revisions()
    diff = text_diff("intro\n" + before + "outro\n", "intro\n" + after + "outro\n")
    assert diff == [["=", "intro\n"], ["*", len(before), len(after)], ["=", "outro\n"]]


def test_a_diff_of_many_separate_changes_is_shown_as_rewritten():
    before = "".join(f"line {n}\nsame\n" for n in range(400))
    after = before.replace("line", "LINE")
    assert text_diff(before, after)[0][0] == "*"


@given(
    st.lists(st.sampled_from(["a\n", "b\n", "a b\n", "\n", "c"]), max_size=30),
    st.lists(st.sampled_from(["a\n", "b\n", "a b\n", "\n", "c"]), max_size=30),
)
def test_a_diff_rebuilds_both_revisions(old, new):
    before, after = "".join(old), "".join(new)
    diff = text_diff(before, after)
    assert all(op in "=-+" for op, *_ in diff)  # short texts: nothing left out
    assert "".join(text for op, text in diff if op in "=-") == before
    assert "".join(text for op, text in diff if op in "=+") == after
