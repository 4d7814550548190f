"""What changed between two texts, as a list of operations: line by line, word by word
inside a changed block, long unchanged runs cut to their context, and within a budget of
work past which the changed middle shows as rewritten. Pure Python, no query.
"""

import re
from collections.abc import Sequence
from difflib import Match, SequenceMatcher
from itertools import repeat

# A diff is a list of operations: ["=", text] unchanged, ["-", text] removed, ["+", text]
# added, ["~", n] n unchanged characters left out. Unchanged runs keep this much context.
DIFF_CONTEXT_CHARS = 120
# A changed block of lines is diffed word by word when it is this long or shorter; a longer
# one shows as removed and added whole (its common start and end kept).
WORD_DIFF_MAX_CHARS = 4_000
# The work one diff may do, lines and words together (``_BudgetedMatcher``), and the
# operations it may show: past either, the changed middle shows as rewritten, with its sizes.
# difflib matches in time quadratic in the equal elements it pairs, so the budget counts
# those pairs (bench/timeline_cost.py measures what a unit costs).
DIFF_BUDGET = 20_000
DIFF_MAX_OPS = 200
_TOKENS = re.compile(r"\w+|\s+|[^\w\s]")


class _OverBudgetError(Exception):
    """The matching would look at more pairs than a diff may."""


class Budget:
    """The work one diff may do, in units of about one step of difflib's inner loop."""

    def __init__(self, units: int) -> None:
        self.left = units
        self.spent = 0

    def charge(self, units: int) -> None:
        self.spent += units
        self.left -= units
        if self.left < 0:
            raise _OverBudgetError


class _BudgetedMatcher(SequenceMatcher):
    """difflib's matcher, charging each search for a longest match what it will cost before
    it runs: the elements of ``a`` it walks, and every occurrence in ``b`` of each of them,
    which is where a text of many equal lines (or words) makes it quadratic."""

    def __init__(self, a: list[str], b: list[str], budget: Budget) -> None:
        budget.charge(len(a) + len(b))  # indexing both
        self.budget = budget
        super().__init__(None, a, b, autojunk=False)
        self.occurrences = {element: len(places) for element, places in self.b2j.items()}

    def find_longest_match(
        self, alo: int = 0, ahi: int | None = None, blo: int = 0, bhi: int | None = None
    ) -> Match:
        ahi = len(self.a) if ahi is None else ahi
        walked = self.a[alo:ahi]
        self.budget.charge(len(walked) + sum(map(self.occurrences.get, walked, repeat(0))))
        return super().find_longest_match(alo, ahi, blo, bhi)


def text_diff(before: str, after: str, *, budget: Budget | None = None) -> list[list]:
    """What changed from ``before`` to ``after``: line by line, and word by word inside a
    changed block of lines; long unchanged runs keep ``DIFF_CONTEXT_CHARS`` of context.

    The lines both texts start and end with are set aside first (in C, whatever their
    number); the changed middle is matched within ``budget`` (``DIFF_BUDGET`` units of work
    when not given) and in at most ``DIFF_MAX_OPS`` operations, else it shows as
    ``["*", removed_chars, added_chars]``: rewritten, too changed to show piece by piece.
    """
    budget = budget or Budget(DIFF_BUDGET)
    head = _common_head(before, after)
    tail = _common_tail(before[head:], after[head:])
    old, new = before[head : len(before) - tail], after[head : len(after) - tail]
    try:
        middle = _line_diff(old, new, budget)
        if len(middle) > DIFF_MAX_OPS:
            raise _OverBudgetError
    except _OverBudgetError:
        middle = [["*", len(old), len(new)]]
    ops = _merged([["=", before[:head]], *middle, ["=", before[len(before) - tail :]]])
    return _elided(ops)


def _common_head(a: str, b: str) -> int:
    """How many characters of whole lines ``a`` and ``b`` start with alike."""
    same = _common_prefix(a, b)
    if same == len(a) == len(b):
        return same
    return a.rfind("\n", 0, same) + 1


def _common_tail(a: str, b: str) -> int:
    """How many characters of whole lines ``a`` and ``b`` end with alike."""
    same = _common_prefix(a[::-1], b[::-1])
    starts = len(a) - same, len(b) - same
    if all(at == 0 or text[at - 1] == "\n" for text, at in zip((a, b), starts, strict=True)):
        return same
    # The run starts inside a line: it counts from that line's end on.
    line_end = a.find("\n", starts[0])
    return 0 if line_end < 0 else len(a) - line_end - 1


def _common_prefix(a: Sequence, b: Sequence) -> int:
    """How many elements ``a`` and ``b`` start with alike: a binary search whose
    comparisons run in C, each over the part not yet known equal."""
    low, high = 0, min(len(a), len(b))
    while low < high:
        middle = (low + high + 1) // 2
        if a[low:middle] == b[low:middle]:
            low = middle
        else:
            high = middle - 1
    return low


def _line_diff(old: str, new: str, budget: Budget) -> list[list]:
    """The changed middle line by line, a changed block word by word."""
    if not old or not new:
        return [["-", old], ["+", new]]
    old_lines = old.splitlines(keepends=True)
    new_lines = new.splitlines(keepends=True)
    ops: list[list] = []
    matcher = _BudgetedMatcher(old_lines, new_lines, budget)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        removed, added = "".join(old_lines[i1:i2]), "".join(new_lines[j1:j2])
        if tag == "equal":
            ops.append(["=", removed])
        elif tag == "replace":
            ops.extend(_word_diff(removed, added, budget))
        else:
            ops.extend([["-", removed], ["+", added]])
        budget.charge(1)
    return _merged(ops)


def _word_diff(old: str, new: str, budget: Budget) -> list[list]:
    """A changed block word by word: its common start and end kept, the middle matched by
    words when short enough, else removed and added whole."""
    old_tokens, new_tokens = _TOKENS.findall(old), _TOKENS.findall(new)
    start = _common_prefix(old_tokens, new_tokens)
    end = _common_prefix(old_tokens[start:][::-1], new_tokens[start:][::-1])
    old_middle = old_tokens[start : len(old_tokens) - end]
    new_middle = new_tokens[start : len(new_tokens) - end]
    ops: list[list] = [["=", "".join(old_tokens[:start])]]
    if sum(map(len, old_middle)) + sum(map(len, new_middle)) > WORD_DIFF_MAX_CHARS:
        ops.extend([["-", "".join(old_middle)], ["+", "".join(new_middle)]])
    else:
        matcher = _BudgetedMatcher(old_middle, new_middle, budget)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                ops.append(["=", "".join(old_middle[i1:i2])])
            else:
                ops.extend([["-", "".join(old_middle[i1:i2])], ["+", "".join(new_middle[j1:j2])]])
            budget.charge(1)
    ops.append(["=", "".join(old_tokens[len(old_tokens) - end :])])
    return ops


def _merged(ops: list[list]) -> list[list]:
    """Adjacent operations of one kind as one; empty ones dropped."""
    merged: list[list] = []
    for op in ops:
        if op[0] == "*":
            merged.append(op)
            continue
        kind, text = op
        if not text:
            continue
        if merged and merged[-1][0] == kind:
            merged[-1][1] += text
        else:
            merged.append([kind, text])
    return merged


def _elided(ops: list[list]) -> list[list]:
    """Long unchanged runs cut to their context: the end of the first, the start of the
    last, both ends of those between."""
    kept: list[list] = []
    last = len(ops) - 1
    for index, (op, *rest) in enumerate(ops):
        text = rest[0]
        head = 0 if index == 0 else DIFF_CONTEXT_CHARS
        tail = 0 if index == last else DIFF_CONTEXT_CHARS
        if op != "=" or len(text) <= head + tail + DIFF_CONTEXT_CHARS or len(ops) == 1:
            kept.append([op, *rest])
            continue
        if head:
            kept.append(["=", text[:head]])
        kept.append(["~", len(text) - head - tail])
        if tail:
            kept.append(["=", text[len(text) - tail :]])
    return kept
