"""Exercises' tests: their format, and the harness that runs a candidate's code against them.

Standard library only and no Django: this file runs as it is in CPython (the bank's checks,
CI) and in Pyodide (the browser's runner), so a test passes or fails the same in both.

A test is a mapping of strings:

``name``
    what it checks, shown beside its verdict ("an empty list has no pages");
``setup`` (optional)
    statements run first, in the namespace the candidate's code defined (build a fake clock,
    make a few calls whose effect ``call`` then inspects);
``call``
    one expression, evaluated in that namespace: its value is the test's result;
``expected``
    a Python literal (``ast.literal_eval``: numbers, strings, bytes, tuples, lists, dicts,
    sets, booleans, None) that the result must equal (``==``); or instead
``raises``
    the name of an exception class that ``call`` must raise (a subclass counts).

Each test runs on its own: the candidate's code is executed afresh for it, so no test sees
another's state, and their order does not matter. What the code prints is not shown. The
harness bounds neither time nor memory: the runner that calls it does (a stuck test stops the
whole run there, never on the server, which runs no candidate code).
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import io
import json
from typing import Any

# The fields of a test, in the order a bank file lists them.
TEST_FIELDS = ("name", "setup", "call", "expected", "raises")
# Bounds on a test's parts (characters): enough for a few lines of set-up.
NAME_MAX = 120
SETUP_MAX = 4000
CALL_MAX = 2000
EXPECTED_MAX = 4000
RAISES_MAX = 80
# How much of a result's repr a failure message quotes.
REPR_MAX = 200


def in_order(test: dict) -> dict:
    """The test with its fields in the order of ``TEST_FIELDS`` (PostgreSQL's jsonb keeps
    keys in an order of its own): a bank file lists ``name`` first."""
    return {key: test[key] for key in TEST_FIELDS if key in test}


def shape_problems(test: object) -> list[str]:
    """What is wrong with this test's shape, as sentences; empty when it is well formed.

    Checks the shape only (fields, types, sizes, that ``setup`` and ``call`` compile, that
    ``expected`` is a literal, that ``raises`` is a name): whether it passes is the runner's.
    """
    if not isinstance(test, dict):
        return ["a test must be a mapping of name, call and expected (or raises)."]
    problems = [f"unknown field {key!r}." for key in test if key not in TEST_FIELDS]
    for key in TEST_FIELDS:
        if key in test and not isinstance(test[key], str):
            problems.append(f"{key} must be a string.")
    if problems:
        return problems
    name, setup, call = test.get("name", ""), test.get("setup", ""), test.get("call", "")
    bounds = [
        ("name", NAME_MAX),
        ("setup", SETUP_MAX),
        ("call", CALL_MAX),
        ("expected", EXPECTED_MAX),
        ("raises", RAISES_MAX),
    ]
    for key, bound in bounds:
        if len(test.get(key, "")) > bound:
            problems.append(f"{key} is at most {bound} characters.")
    if not name.strip():
        problems.append("name must not be blank.")
    if not call.strip():
        problems.append("call must not be blank.")
    elif _compile_problem(call, "eval"):
        problems.append(f"call must be one Python expression: {_compile_problem(call, 'eval')}")
    if setup.strip() and _compile_problem(setup, "exec"):
        problems.append(f"setup must be Python statements: {_compile_problem(setup, 'exec')}")
    if ("expected" in test) == ("raises" in test):
        problems.append("a test has either expected or raises, not both nor neither.")
    elif "expected" in test:
        try:
            ast.literal_eval(test["expected"])
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            problems.append("expected must be a Python literal, such as [1, 2] or 'text'.")
    elif not test["raises"].isidentifier():
        problems.append("raises must be the name of an exception class, such as ValueError.")
    return problems


def _compile_problem(source: str, mode: str) -> str:
    try:
        compile(source, "<test>", mode)
    except SyntaxError as exc:
        return f"{exc.msg} (line {exc.lineno})"
    except (ValueError, MemoryError, RecursionError) as exc:
        return str(exc) or type(exc).__name__
    return ""


def run_tests(code: str, tests: list[dict]) -> list[dict[str, Any]]:
    """Run each test against the candidate's code: ``{name, passed, message}`` per test, in
    order. ``message`` says why a test failed ("expected [1, 2], got [2, 1]"), empty when it
    passed. Never raises for anything the code or a test does, short of the interpreter's own
    end (``KeyboardInterrupt``, ``SystemExit`` is a failure like any other)."""
    return [run_test(code, test) for test in tests]


def run_tests_json(code: str, tests_json: str) -> str:
    """``run_tests`` with its tests and results as JSON text: what the browser's runner
    passes across the worker's boundary."""
    return json.dumps(run_tests(code, json.loads(tests_json)))


def run_test(code: str, test: dict) -> dict[str, Any]:
    """One test against the candidate's code, in a namespace of its own."""
    name = test.get("name", "")
    namespace: dict[str, Any] = {"__name__": "__main__", "__builtins__": builtins}
    quiet = io.StringIO()
    with contextlib.redirect_stdout(quiet), contextlib.redirect_stderr(quiet):
        failure = _executed(code, namespace, "your code")
        if failure is None and test.get("setup", "").strip():
            failure = _executed(test["setup"], namespace, "the test's setup")
        if failure is not None:
            return {"name": name, "passed": False, "message": failure}
        went_through, value = _evaluated(test.get("call", ""), namespace)
    message = _failure(test, went_through, value)
    return {"name": name, "passed": message is None, "message": message or ""}


def _executed(source: str, namespace: dict, what: str) -> str | None:
    """Run statements in the namespace: None when they went through, else what they raised."""
    try:
        exec(compile(source, f"<{what}>", "exec"), namespace)
    except KeyboardInterrupt:  # the runner's time limit: the whole run stops
        raise
    except BaseException as exc:  # the code may raise anything, SystemExit too
        return f"{what} raised {_described(exc)}"
    return None


def _evaluated(source: str, namespace: dict) -> tuple[bool, Any]:
    """The call's value (True, value), or the exception it raised (False, exception)."""
    try:
        return True, eval(compile(source, "<call>", "eval"), namespace)
    except KeyboardInterrupt:
        raise
    except BaseException as exc:
        return False, exc


def _failure(test: dict, went_through: bool, value: Any) -> str | None:
    """Why the call's outcome fails the test, or None when it passes."""
    if "raises" in test:
        wanted = test["raises"]
        if went_through:
            return f"expected {wanted}, got {_shown(value)}"
        if wanted in {cls.__name__ for cls in type(value).__mro__}:
            return None
        return f"expected {wanted}, got {_described(value)}"
    if not went_through:
        return f"raised {_described(value)}"
    try:
        expected = ast.literal_eval(test.get("expected", ""))
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return "the test's expected value is not a Python literal"
    try:
        if value == expected:
            return None
    except Exception as exc:  # a result whose __eq__ raises
        return f"comparing the result raised {_described(exc)}"
    return f"expected {test['expected']}, got {_shown(value)}"


def _shown(value: object) -> str:
    try:
        text = repr(value)
    except Exception as exc:  # a result whose __repr__ raises
        text = f"<a {type(value).__name__} whose repr raised {type(exc).__name__}>"
    return text if len(text) <= REPR_MAX else text[: REPR_MAX - 1] + "…"


def _described(exc: BaseException) -> str:
    try:
        message = str(exc)
    except Exception:  # an exception whose __str__ raises
        message = ""
    if len(message) > REPR_MAX:
        message = message[: REPR_MAX - 1] + "…"
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def passed_count(results: list[dict[str, Any]]) -> int:
    """How many of the results passed."""
    return sum(1 for result in results if result["passed"])
