"""Integrity signals in words: one sentence summing up a candidate's signals of a round,
from counts alone (``SignalCounts``), with no query.

The dashboard's ``signalSummary`` (frontend/static/interview/js/signals.js) says the same in
the same words: "left the tab 3× (42 s), reloaded the page 1× (1 s), lost focus 4×, pasted
380 characters".
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class SignalCounts:
    """A candidate's signals of a round, counted: spells away from the tab and their whole
    seconds, reloads and theirs, focus losses, pastes and the characters pasted, and the
    signals sent past the bound and not kept."""

    left_tab: int = 0
    left_s: int = 0
    reloads: int = 0
    reload_s: int = 0
    lost_focus: int = 0
    pastes: int = 0
    pasted_chars: int = 0
    dropped: int = 0


def duration_text(seconds: int) -> str:
    """Whole seconds as "2 min 10 s", or "42 s" under a minute."""
    minutes, rest = divmod(seconds, 60)
    return f"{minutes} min {rest} s" if minutes else f"{rest} s"


def signals_sentence(counts: SignalCounts) -> str:
    """The counts as a comma-separated sentence; "no signals" when all are 0."""
    parts = []
    if counts.left_tab:
        parts.append(f"left the tab {counts.left_tab}× ({duration_text(counts.left_s)})")
    if counts.reloads:
        parts.append(f"reloaded the page {counts.reloads}× ({duration_text(counts.reload_s)})")
    if counts.lost_focus:
        parts.append(f"lost focus {counts.lost_focus}×")
    if counts.pastes:
        pasted = counts.pasted_chars
        parts.append(f"pasted {pasted} character{'' if pasted == 1 else 's'}")
    if counts.dropped:
        dropped = counts.dropped
        parts.append(f"{dropped} more signal{'' if dropped == 1 else 's'} not kept")
    return ", ".join(parts) or "no signals"
