"""Integrity signals in words (``signal_prose``), from counts alone."""

from interview.content.signal_prose import SignalCounts, duration_text, signals_sentence


def test_a_duration_under_a_minute_is_seconds_and_longer_adds_minutes():
    assert [duration_text(s) for s in (0, 42, 60, 130)] == [
        "0 s",
        "42 s",
        "1 min 0 s",
        "2 min 10 s",
    ]


def test_the_sentence_lists_each_kind_of_signal_in_order():
    counts = SignalCounts(
        left_tab=3, left_s=42, reloads=1, reload_s=1, lost_focus=4, pastes=2, pasted_chars=380
    )
    assert signals_sentence(counts) == (
        "left the tab 3× (42 s), reloaded the page 1× (1 s), lost focus 4×, pasted 380 characters"
    )


def test_one_character_and_one_signal_not_kept_are_singular():
    counts = SignalCounts(pastes=1, pasted_chars=1, dropped=1)
    assert signals_sentence(counts) == "pasted 1 character, 1 more signal not kept"


def test_no_counts_say_so():
    assert signals_sentence(SignalCounts()) == "no signals"
