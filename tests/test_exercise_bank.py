"""The bank's exercises: every reference passes every test, every wrong solution fails one.

Run in CPython through the same harness (``interview.content.exercises``) the browser's runner loads
into Pyodide, so what passes here passes there.
"""

import ast
import re
from pathlib import Path

import pytest
import yaml

from interview.api.question_bank import EXERCISE_BANK, bank_read_file
from interview.content.exercises import run_tests
from interview.models import Category

WRONG_SOLUTIONS = Path(__file__).resolve().parent / "exercises" / "wrong_solutions.yaml"
EXERCISES = bank_read_file(EXERCISE_BANK)
WRONG = yaml.safe_load(WRONG_SOLUTIONS.read_text(encoding="utf-8"))
# What an exercise must not need: it runs in a browser's sandbox, the same every time.
FORBIDDEN_MODULES = {
    "asyncio",
    "http",
    "multiprocessing",
    "os",
    "pathlib",
    "shutil",
    "socket",
    "subprocess",
    "tempfile",
    "threading",
    "urllib",
}


def reference_of(exercise: dict) -> str:
    """The model answer's first Python block: the exercise's reference solution."""
    found = re.search(r"```python\n(.*?)```", exercise["model_answer"], re.S)
    assert found, f"{exercise['slug']}: no ```python block in the model answer"
    return found.group(1)


def failures(code: str, tests: list[dict]) -> list[str]:
    return [f"{r['name']}: {r['message']}" for r in run_tests(code, tests) if not r["passed"]]


def by_slug(params: list[tuple[str, ...]]) -> list:
    return [pytest.param(*p, id=p[0] if len(p) == 1 else f"{p[0]}-{p[1]}") for p in params]


def test_the_bank_has_at_least_twelve_exercises_one_per_skill_area_at_least():
    assert all(e["kind"] == "exercise" for e in EXERCISES)
    assert len(EXERCISES) >= 12
    assert {e["category"] for e in EXERCISES} == set(Category.values)


@pytest.mark.parametrize("exercise", EXERCISES, ids=[e["slug"] for e in EXERCISES])
def test_each_exercise_has_three_examples_six_hidden_tests_and_a_runnable_reference(exercise):
    assert len(exercise["examples"]) >= 3
    assert len(exercise["tests"]) >= 6
    reference = reference_of(exercise)
    assert failures(reference, exercise["examples"]) == []
    assert failures(reference, exercise["tests"]) == []


@pytest.mark.parametrize("exercise", EXERCISES, ids=[e["slug"] for e in EXERCISES])
def test_the_starter_code_runs_but_does_not_pass_the_hidden_tests(exercise):
    results = run_tests(exercise["starter_code"], exercise["tests"])
    assert not any(r["message"].startswith("your code raised") for r in results)
    assert not all(r["passed"] for r in results)


@pytest.mark.parametrize("exercise", EXERCISES, ids=[e["slug"] for e in EXERCISES])
def test_each_exercise_keeps_two_plausible_wrong_solutions(exercise):
    assert len(WRONG.get(exercise["slug"], [])) >= 2


@pytest.mark.parametrize(
    ("slug", "why"),
    by_slug([(slug, wrong["why"]) for slug, wrongs in WRONG.items() for wrong in wrongs]),
)
def test_each_wrong_solution_fails_a_hidden_test_but_runs(slug, why):
    exercise = next(e for e in EXERCISES if e["slug"] == slug)
    code = next(w["code"] for w in WRONG[slug] if w["why"] == why)
    results = run_tests(code, exercise["tests"])
    assert not any(r["message"].startswith("your code raised") for r in results)
    assert not all(r["passed"] for r in results), f"{slug}: {why} passes every hidden test"


@pytest.mark.parametrize("exercise", EXERCISES, ids=[e["slug"] for e in EXERCISES])
def test_no_exercise_needs_the_network_threads_or_the_file_system(exercise):
    sources = [reference_of(exercise), exercise["starter_code"]] + [
        test.get("setup", "") + "\n" + test["call"]
        for test in exercise["examples"] + exercise["tests"]
    ]
    for source in sources:
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
                names.append(getattr(node, "module", None) or "")
                assert not {n.split(".")[0] for n in names} & FORBIDDEN_MODULES, exercise["slug"]
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id != "open", exercise["slug"]


@pytest.mark.parametrize("exercise", EXERCISES, ids=[e["slug"] for e in EXERCISES])
def test_no_hidden_test_is_named_in_what_the_candidate_sees(exercise):
    """So a hidden test's name found in a candidate's frame or page is a leak (test_privacy)."""
    examples = [f"{t['name']} {t.get('setup', '')} {t['call']}" for t in exercise["examples"]]
    public = " ".join([exercise["prompt"], exercise["model_answer"], exercise["starter_code"]])
    public += " ".join(examples)
    assert [t["name"] for t in exercise["tests"] if t["name"] in public] == []
