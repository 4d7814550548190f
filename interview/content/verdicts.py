"""Verdicts on exercise answers: when two reports agree, and the score they suggest.

A verdict is computed in a panel member's browser (``frontend/static/interview/js/
verdicts.js``), never on the server, which runs no candidate code; the server keeps the
first report for each revision (``services.answer_verdict``) and these rules read it.
"""

from typing import Any

# The suggested score's scale: ``answer.score``'s, 0 to 10.
SCORE_MAX = 10


def verdicts_agree(kept: dict[str, Any], report: dict[str, Any]) -> bool:
    """Whether a later report says what the kept verdict says: the same counts and the same
    failing tests, by name (a message may differ, as an exception's text or a repr can)."""
    return (
        kept["passed"] == report["passed"]
        and kept["total"] == report["total"]
        and sorted(f["name"] for f in kept["failures"])
        == sorted(f["name"] for f in report["failures"])
    )


def suggested_with_tests(suggested: int | None, passed: int, total: int) -> int:
    """The suggested score of an exercise's answer with a verdict: the key-point coverage's
    suggested score (``coverage.suggested_score``; 10 when the round has no key points)
    scaled by the share of tests passed, rounded half up. All tests passed keeps the
    coverage's suggestion; none passed suggests 0."""
    base = SCORE_MAX if suggested is None else suggested
    return (2 * base * passed + total) // (2 * total)
