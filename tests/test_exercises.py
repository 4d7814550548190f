"""The exercises' harness: a test's shape, and what running one says
(interview.content.exercises)."""

import json
from pathlib import Path

import pytest

from interview.content import exercises
from interview.content.exercises import (
    passed_count,
    run_test,
    run_tests,
    run_tests_json,
    shape_problems,
)

CODE = """
def add(a, b):
    return a + b

def parse_port(text):
    port = int(text)
    if not 0 < port < 65536:
        raise ValueError(f"port out of range: {port}")
    return port
"""


def test_a_call_whose_value_equals_the_expected_literal_passes():
    result = run_test(CODE, {"name": "adds", "call": "add(2, 3)", "expected": "5"})
    assert result == {"name": "adds", "passed": True, "message": ""}


def test_a_wrong_value_fails_saying_what_was_expected_and_what_came():
    result = run_test(CODE, {"name": "adds", "call": "add([1], [2])", "expected": "[2, 1]"})
    assert result == {"name": "adds", "passed": False, "message": "expected [2, 1], got [1, 2]"}


def test_an_expected_exception_passes_when_raised_and_fails_otherwise():
    raises = {"name": "out of range", "call": "parse_port('70000')", "raises": "ValueError"}
    assert run_test(CODE, raises)["passed"]
    returned = run_test(CODE, {**raises, "call": "parse_port('80')"})
    assert returned == {
        "name": "out of range",
        "passed": False,
        "message": "expected ValueError, got 80",
    }
    other = run_test(CODE, {**raises, "raises": "KeyError"})
    assert other["message"] == "expected KeyError, got ValueError: port out of range: 70000"


def test_a_subclass_of_the_expected_exception_counts():
    assert run_test(CODE, {"name": "n", "call": "parse_port('x')", "raises": "Exception"})["passed"]


def test_an_unexpected_exception_fails_naming_it():
    result = run_test(CODE, {"name": "n", "call": "parse_port('x')", "expected": "1"})
    assert not result["passed"]
    assert result["message"].startswith("raised ValueError: invalid literal for int()")


def test_setup_runs_first_in_the_namespace_of_the_code():
    test = {"name": "n", "setup": "total = add(1, 2)\ntotal = add(total, 4)", "call": "total"}
    assert run_test(CODE, {**test, "expected": "7"})["passed"]


def test_each_test_starts_from_fresh_code_so_state_does_not_leak_between_tests():
    code = "calls = []\ndef hit():\n    calls.append(1)\n    return len(calls)\n"
    results = run_tests(code, [{"name": str(n), "call": "hit()", "expected": "1"} for n in (1, 2)])
    assert passed_count(results) == 2


def test_code_that_does_not_compile_or_raises_fails_every_test_saying_so():
    test = {"name": "n", "call": "add(1, 2)", "expected": "3"}
    broken = run_test("def add(a, b)\n    return a + b", test)
    assert not broken["passed"]
    assert broken["message"].startswith("your code raised SyntaxError")
    raising = run_test("raise SystemExit(3)", test)
    assert raising["message"] == "your code raised SystemExit: 3"


def test_a_setup_that_raises_fails_the_test_saying_so():
    result = run_test(CODE, {"name": "n", "setup": "1 / 0", "call": "1", "expected": "1"})
    assert result["message"] == "the test's setup raised ZeroDivisionError: division by zero"


def test_what_the_code_prints_is_kept_out_of_the_way(capsys):
    assert run_test("print('hello')\nx = 1", {"name": "n", "call": "x", "expected": "1"})["passed"]
    assert capsys.readouterr().out == ""


def test_a_huge_result_is_quoted_cut_short():
    result = run_test("", {"name": "n", "call": "'x' * 10_000", "expected": "''"})
    assert len(result["message"]) < 300
    assert result["message"].endswith("…")


def test_a_result_whose_comparison_or_repr_raises_is_a_failure_not_a_crash():
    code = (
        "class Odd:\n"
        "    def __eq__(self, other):\n        raise RuntimeError('no')\n"
        "    def __repr__(self):\n        raise RuntimeError('no')\n"
        "class Unequal:\n"
        "    def __eq__(self, other):\n        return False\n"
        "    def __repr__(self):\n        raise RuntimeError('no')\n"
    )
    odd = run_test(code, {"name": "n", "call": "Odd()", "expected": "1"})
    assert odd["message"] == "comparing the result raised RuntimeError: no"
    unequal = run_test(code, {"name": "n", "call": "Unequal()", "expected": "1"})
    assert unequal["message"] == "expected 1, got <a Unequal whose repr raised RuntimeError>"


def test_the_json_entry_point_returns_the_same_results_as_json():
    tests = [{"name": "adds", "call": "add(2, 3)", "expected": "5"}]
    assert json.loads(run_tests_json(CODE, json.dumps(tests))) == run_tests(CODE, tests)


def test_a_well_formed_test_has_no_problems():
    assert shape_problems({"name": "n", "call": "f(1)", "expected": "{'a': (1, None)}"}) == []
    assert shape_problems({"name": "n", "setup": "x = 1", "call": "f(x)", "raises": "E"}) == []


@pytest.mark.parametrize(
    ("test", "problem"),
    [
        ("f(1)", "must be a mapping"),
        ({"name": "n", "call": "f()", "expected": "1", "colour": "red"}, "unknown field 'colour'"),
        ({"name": "n", "call": "f()", "expected": 1}, "expected must be a string"),
        ({"name": " ", "call": "f()", "expected": "1"}, "name must not be blank"),
        ({"name": "n", "call": "", "expected": "1"}, "call must not be blank"),
        ({"name": "n", "call": "x = f()", "expected": "1"}, "call must be one Python expression"),
        ({"name": "n", "setup": "if", "call": "f()", "expected": "1"}, "setup must be Python"),
        ({"name": "n", "call": "f()"}, "either expected or raises"),
        ({"name": "n", "call": "f()", "expected": "1", "raises": "E"}, "either expected or raises"),
        ({"name": "n", "call": "f()", "expected": "len([])"}, "expected must be a Python literal"),
        ({"name": "n", "call": "f()", "raises": "Value Error"}, "raises must be the name"),
        ({"name": "n" * 121, "call": "f()", "expected": "1"}, "name is at most 120"),
        ({"name": "n", "call": "f()", "expected": "1" * 4001}, "expected is at most 4000"),
    ],
)
def test_a_malformed_test_is_named_for_what_is_wrong(test, problem):
    assert any(problem in found for found in shape_problems(test)), shape_problems(test)


@pytest.mark.django_db
def test_the_browser_gets_this_very_file_as_the_tests_harness(client):
    response = client.get("/sandbox/exercises.py")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/x-python")
    served = response.content.decode()
    assert served == Path(exercises.__file__).read_text()
    # Revalidated by its ETag: unchanged, nothing is sent again.
    again = client.get("/sandbox/exercises.py", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304
