"""The benchmark's what-ifs: each changes the setting it names, and the page explains each."""

import importlib
import sys

import pytest

from bench import report


def experiment_settings(monkeypatch, names: str):
    """``bench/experiment_settings.py`` as the server would load it for these what-ifs."""
    monkeypatch.setenv("BENCH_EXPERIMENTS", names)
    return importlib.reload(importlib.import_module("bench.experiment_settings"))


def test_every_what_if_is_explained_on_the_page(monkeypatch):
    module = experiment_settings(monkeypatch, "none")
    assert set(report.EXPERIMENTS) == module.KNOWN | {"none"}


@pytest.mark.parametrize(
    ("name", "setting", "value"),
    [
        ("db-threads-2", "DB_THREADS", 2),
        ("db-threads-6", "DB_THREADS", 6),
        ("gap-wait-50ms", "DELIVERY_GAP_WAIT_S", 0.05),
        ("gap-wait-1s", "DELIVERY_GAP_WAIT_S", 1.0),
        ("no-group-commit", "GROUP_COMMIT", False),
    ],
)
def test_a_what_if_changes_the_setting_it_names_and_nothing_else(monkeypatch, name, setting, value):
    tunings = ("DB_THREADS", "DELIVERY_GAP_WAIT_S", "GROUP_COMMIT")
    module = experiment_settings(monkeypatch, "none")
    plain = {name: getattr(module, name) for name in tunings}
    module = experiment_settings(monkeypatch, name)
    changed = {name: getattr(module, name) for name in tunings}
    assert plain[setting] != value
    assert changed == {**plain, setting: value}


def test_the_short_switch_interval_what_if_sets_the_interpreters(monkeypatch):
    monkeypatch.setattr(sys, "setswitchinterval", lambda seconds: intervals.append(seconds))
    intervals: list[float] = []
    experiment_settings(monkeypatch, "none")
    assert intervals == []  # the server keeps Python's own
    experiment_settings(monkeypatch, "switch-0.5ms")
    assert intervals == [0.0005]


def test_an_unknown_what_if_is_refused(monkeypatch):
    with pytest.raises(RuntimeError, match="unknown experiments"):
        experiment_settings(monkeypatch, "faster-please")
