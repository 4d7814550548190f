"""Integrity signals counted and summed up for the panel (``integrity``)."""

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from interview.domain.integrity import signals_summary
from interview.domain.protocol import timestamp
from interview.domain.sql import moment as sql_moment


def signal(kind: str, second: float, **extra) -> dict:
    at = datetime(2026, 12, 2, 15, 0, tzinfo=UTC) + timedelta(seconds=second)
    return {"participant_id": 1, "round_id": 1, "kind": kind, "at": timestamp(at), **extra}


ROUND_END = datetime(2026, 12, 2, 15, 5, tzinfo=UTC)


def test_a_summary_adds_up_time_away_focus_losses_and_paste_sizes():
    signals = [
        signal("blur", 1),
        signal("hidden", 1.2),
        signal("visible", 20.2),
        signal("focus", 20.3),
        signal("paste", 30, chars=300),
        signal("hidden", 40),
        signal("hidden", 41),  # a second hidden without a visible between: one absence
        signal("visible", 52.6),
        signal("hidden", 100),
        signal("visible", 110.0),
        signal("paste", 120, chars=80),
    ]
    summary = signals_summary(signals, until=ROUND_END)
    assert summary == {
        "left_tab": 4,
        "away_s": 42,  # 19 s + 12.6 s + 10 s
        "reloads": 0,
        "lost_focus": 1,
        "pastes": 2,
        "pasted_chars": 380,
        "signals_dropped": 0,
        "summary": "left the tab 4× (42 s), lost focus 1×, pasted 380 characters",
    }


def test_a_tab_still_hidden_counts_until_the_round_ended():
    summary = signals_summary([signal("hidden", 170)], until=ROUND_END, dropped=3)
    assert summary["away_s"] == 130
    assert summary["summary"] == "left the tab 1× (2 min 10 s), 3 more signals not kept"


def test_no_signals_say_so():
    assert signals_summary([], until=ROUND_END)["summary"] == "no signals"


def test_a_reload_is_not_leaving_the_tab_and_counts_only_the_moment_the_page_was_gone():
    signals = [
        signal("hidden", 10),  # the page unloads
        signal("visible", 10.8, load="reloaded"),  # and loads again, focused
        signal("focus", 10.9),
        signal("hidden", 30),
        signal("visible", 45),
    ]
    summary = signals_summary(signals, until=ROUND_END)
    assert (summary["left_tab"], summary["reloads"], summary["away_s"]) == (1, 1, 16)
    assert summary["summary"] == "left the tab 1× (15 s), reloaded the page 1× (1 s)"


def test_a_reload_whose_hidden_was_lost_counts_as_a_reload_of_no_time():
    summary = signals_summary([signal("visible", 3, load="reloaded")], until=ROUND_END)
    assert (summary["left_tab"], summary["reloads"], summary["away_s"]) == (0, 1, 0)
    assert summary["summary"] == "reloaded the page 1× (0 s)"


def test_a_page_opened_anew_after_the_tab_was_closed_is_time_away():
    signals = [signal("hidden", 10), signal("visible", 70, load="opened")]
    summary = signals_summary(signals, until=ROUND_END)
    assert (summary["left_tab"], summary["reloads"], summary["away_s"]) == (1, 0, 60)


def test_the_window_regaining_focus_ends_the_time_away():
    signals = [signal("hidden", 10), signal("focus", 14), signal("visible", 200)]
    summary = signals_summary(signals, until=ROUND_END)
    assert summary["away_s"] == 4
    assert summary["summary"] == "left the tab 1× (4 s)"


KINDS = st.sampled_from(["hidden", "visible", "blur", "focus", "paste", "reloaded", "opened"])


def signals_of(steps: list[tuple[str, float]]) -> list[dict]:
    """Signals at increasing seconds; ``reloaded`` and ``opened`` are a ``visible`` on load."""
    signals, second = [], 0.0
    for kind, gap in steps:
        second += gap
        if kind in ("reloaded", "opened"):
            signals.append(signal("visible", second, load=kind))
        elif kind == "paste":
            signals.append(signal("paste", second, chars=1))
        else:
            signals.append(signal(kind, second))
    return signals


STEPS = st.lists(st.tuples(KINDS, st.floats(min_value=0, max_value=50)), max_size=30)


@given(steps=STEPS, later=st.floats(min_value=0, max_value=3600))
def test_time_away_never_grows_once_the_candidate_is_back(steps, later):
    signals = signals_of([*steps, ("visible", 1)])
    last = sql_moment(signals[-1]["at"])
    now = signals_summary(signals, until=last)
    assert signals_summary(signals, until=last + timedelta(seconds=later)) == now


@given(steps=STEPS)
def test_time_away_is_never_more_than_the_time_since_the_first_hidden(steps):
    signals = signals_of(steps)
    until = datetime(2026, 12, 2, 16, 0, tzinfo=UTC)
    summary = signals_summary(signals, until=until)
    hidden = [sql_moment(s["at"]) for s in signals if s["kind"] == "hidden"]
    span = (until - hidden[0]).total_seconds() if hidden else 0
    # Each kind of spell is rounded to whole seconds on its own: at most one second more.
    assert summary["away_s"] <= span + 1
    assert summary["left_tab"] + summary["reloads"] <= len(signals)
    assert summary["reloads"] == sum(s.get("load") == "reloaded" for s in signals)
