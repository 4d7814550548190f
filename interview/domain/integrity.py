"""A candidate's integrity signals of a round, counted and summed up for the panel.

Neither reads nor writes: it takes the ``candidate.signal`` data a read gathered
(``selectors.signals_seen``) and returns counts; the words come from ``signal_prose``.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from interview.content.signal_prose import SignalCounts, signals_sentence
from interview.domain import sql
from interview.domain.protocol import PageLoad, SignalKind

MILLISECOND = timedelta(milliseconds=1)


@dataclass
class _Spells:
    """The walk through one candidate's signals in order: the open spell away from the page
    (since when, and how many ``hidden`` opened it), and the totals so far in milliseconds."""

    left: int = 0
    reloads: int = 0
    lost_focus: int = 0
    pastes: int = 0
    pasted: int = 0
    left_ms: int = 0
    reload_ms: int = 0
    hidden_since: datetime | None = None
    hiddens: int = 0

    def take(self, signal: dict) -> None:
        """Count one signal; ``hidden`` opens a spell, ``visible`` or ``focus`` closes one."""
        at = sql.moment(signal["at"])
        kind = signal["kind"]
        if kind == SignalKind.HIDDEN:
            self.hiddens += 1
            self.hidden_since = self.hidden_since or at
            return
        if kind == SignalKind.VISIBLE and signal.get("load") == PageLoad.RELOADED:
            self.reloads += 1
            if self.hidden_since is not None:
                self.reload_ms += max(0, (at - self.hidden_since) // MILLISECOND)
                self.hidden_since, self.hiddens = None, 0
        elif kind in (SignalKind.VISIBLE, SignalKind.FOCUS) and self.hidden_since is not None:
            self.close(at)
        if kind == SignalKind.BLUR:
            self.lost_focus += 1
        elif kind == SignalKind.PASTE:
            self.pastes += 1
            self.pasted += signal.get("chars", 0)

    def close(self, at: datetime) -> None:
        """Close the open spell, if any, at ``at``: its ``hidden`` signals left the tab."""
        if self.hidden_since is None:
            return
        self.left += self.hiddens
        self.left_ms += max(0, (at - self.hidden_since) // MILLISECOND)
        self.hidden_since, self.hiddens = None, 0


def signal_counts(signals: Iterable[dict], *, dropped: int = 0, until: datetime) -> SignalCounts:
    """One candidate's signals of one round (``candidate.signal`` data, in order), counted.

    A ``hidden`` opens a spell away from the page; the next ``visible`` or ``focus`` closes
    it (the page reports both when it loads, and ``visible`` again when its socket comes
    back), and one still open at the end closes at ``until``: the round's close, or now.
    A spell closed by a page's reload (``visible`` with ``load: "reloaded"``) is a reload,
    not the tab left; a reload whose ``hidden`` never arrived counts too, with no time.
    Each kind of spell's time is rounded to whole seconds.
    """
    spells = _Spells()
    for signal in signals:
        spells.take(signal)
    spells.close(until)
    return SignalCounts(
        left_tab=spells.left,
        left_s=(spells.left_ms + 500) // 1000,
        reloads=spells.reloads,
        reload_s=(spells.reload_ms + 500) // 1000,
        lost_focus=spells.lost_focus,
        pastes=spells.pastes,
        pasted_chars=spells.pasted,
        dropped=dropped,
    )


def signals_summary(signals: Iterable[dict], *, dropped: int = 0, until: datetime) -> dict:
    """One candidate's signals of one round, summed up for the panel (``signal_counts``):
    the counts, ``away_s`` the time of both kinds of spell, and ``summary`` the sentence
    (``signal_prose``)."""
    counts = signal_counts(signals, dropped=dropped, until=until)
    return {
        "left_tab": counts.left_tab,
        "away_s": counts.left_s + counts.reload_s,
        "reloads": counts.reloads,
        "lost_focus": counts.lost_focus,
        "pastes": counts.pastes,
        "pasted_chars": counts.pasted_chars,
        "signals_dropped": counts.dropped,
        "summary": signals_sentence(counts),
    }
