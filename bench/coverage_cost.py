"""What key-point coverage costs per answer, measured on the bank: the target is under 1 ms
for an answer of 2,000 characters (issue 12).

For each question of the bank, answers of 2,000 characters are made from model answers (its
own, then the next question's, repeated: code and prose, most words in the key points' field)
and from the prompts of the whole bank (prose that matches little, so nearly every word goes
to the fuzzy step, the dearer path). Each is timed through ``coverage_of`` as ``answer_submit``
calls it, the key points' terms cached as they are after a round's first answer; the first
call of each question (terms not yet cached) is reported apart.

    .venv/bin/python bench/coverage_cost.py            # writes bench/results/coverage.json
    .venv/bin/python bench/report.py                   # and docs/benchmarks.md from it

Then the worst cases (issue 18) a question and an answer allow: ten key points of 300
characters against an answer of 20,000 characters, each made of distinct random words of the
lengths that cost most (``worst_cases``), every answer new, so none of its words' stems is
cached (each timed 3 times, its stems cleared each time, the least counting), the key
points' terms cached as in a round. Target: at most 5 ms each.

Not part of ``make test`` nor ``make bench``: a few seconds at most.
"""

from __future__ import annotations

import json
import os
import platform
import random
import statistics
import string
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from interview.content.coverage import coverage_of, key_point_terms, stem  # noqa: E402

BANK = ROOT / "interview" / "bank" / "questions.yaml"

ANSWER_CHARS = 2_000
ROUNDS = 50
TARGET_MS = 1.0
# The largest question and answer the API takes (interview/api/serializers.py, protocol.py).
WORST_KEY_POINTS, WORST_KEY_POINT_CHARS, WORST_ANSWER_CHARS = 10, 300, 20_000
WORST_ROUNDS = 20
WORST_TARGET_MS = 5.0
# The report's *before (p50)* column: each worst case's p50 in ms, measured with coverage's
# work unbounded (see dda94c4).
WORST_BEFORE_P50_MS = {
    "words of 6 letters on both sides": 202.5,
    "words of 5 to 9 letters": 117.4,
    "short answer words (3 to 4 letters)": 206.1,
    "a third of the key points' words identifiers": 66.9,
}
# (key points' word lengths, answer's word lengths, identifiers among the key points' words)
WORST_SHAPES = {
    "words of 6 letters on both sides": ((6, 6), (6, 6), False),
    "words of 5 to 9 letters": ((5, 9), (5, 9), False),
    "short answer words (3 to 4 letters)": ((5, 9), (3, 4), False),
    "a third of the key points' words identifiers": ((5, 9), (5, 9), True),
}


def sized(text: str) -> str:
    """The text repeated or cut to exactly ``ANSWER_CHARS`` characters."""
    return (text * (ANSWER_CHARS // max(1, len(text)) + 1))[:ANSWER_CHARS]


def answers_for(entries: list[dict]) -> dict[str, list[tuple[str, list[str]]]]:
    """The timed answers by kind, each with the key points it is matched against."""
    prompts = "\n".join(entry["prompt"] for entry in entries)
    return {
        "model answers": [
            (
                sized(
                    f"{entry['model_answer']}\n{entries[(i + 1) % len(entries)]['model_answer']}"
                ),
                entry["key_points"],
            )
            for i, entry in enumerate(entries)
        ],
        "unrelated prose": [(sized(prompts), entry["key_points"]) for entry in entries],
    }


def random_words(rng: random.Random, chars: int, lengths: tuple[int, int], *, code=False) -> str:
    """Distinct random words (nearly all) of these lengths, ``chars`` characters in all;
    with ``code``, a third of them ``snake_case`` identifiers."""
    words, size = [], 0
    while size < chars:
        word = "".join(rng.choices(string.ascii_lowercase, k=rng.randint(*lengths)))
        if code and rng.random() < 1 / 3:
            word += "_" + "".join(rng.choices(string.ascii_lowercase, k=5))
        words.append(word)
        size += len(word) + 1
    return " ".join(words)[:chars]


def worst_cases(seed: int = 18) -> dict[str, tuple[list[str], list[str]]]:
    """Per shape, the key points and ``WORST_ROUNDS`` different answers: nothing matches, so
    every word of every key point is looked for, through the fuzzy step."""
    rng = random.Random(seed)
    cases = {}
    for shape, (point_lengths, answer_lengths, code) in WORST_SHAPES.items():
        points = [
            random_words(rng, WORST_KEY_POINT_CHARS, point_lengths, code=code)
            for _ in range(WORST_KEY_POINTS)
        ]
        answers = [
            random_words(rng, WORST_ANSWER_CHARS, answer_lengths) for _ in range(WORST_ROUNDS)
        ]
        cases[shape] = (points, answers)
    return cases


def measure_worst() -> dict[str, dict[str, float]]:
    runs = {}
    for shape, (points, answers) in worst_cases().items():
        coverage_of("warm the key points' terms", points)
        runs[shape] = figures([cold(answer, points) for answer in answers])
    return runs


def cold(text: str, key_points: list[str], repeats: int = 3) -> float:
    """The least of a few timings of a new answer, its words' stems never cached: the
    machine's other work only ever adds time."""
    samples = []
    for _ in range(repeats):
        stem.cache_clear()
        samples.append(timed(text, key_points))
    return min(samples)


def timed(text: str, key_points: list[str]) -> float:
    started = time.perf_counter()
    coverage_of(text, key_points)
    return (time.perf_counter() - started) * 1000


def figures(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "mean": statistics.fmean(ordered),
        "p50": ordered[len(ordered) // 2],
        "p99": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))],
        "max": ordered[-1],
        "n": len(ordered),
    }


def measure() -> dict:
    entries = yaml.safe_load(BANK.read_text())
    kinds = answers_for(entries)
    key_point_terms.cache_clear()
    first = [timed(text, points) for text, points in kinds["model answers"]]
    runs = {}
    for kind, answers in kinds.items():
        samples = [timed(text, points) for _ in range(ROUNDS) for text, points in answers]
        runs[kind] = figures(samples)
    return {
        "meta": {
            **stamp(),
            "answer_chars": ANSWER_CHARS,
            "questions": len(entries),
            "rounds": ROUNDS,
            "target_ms": TARGET_MS,
            "worst_key_points": WORST_KEY_POINTS,
            "worst_key_point_chars": WORST_KEY_POINT_CHARS,
            "worst_answer_chars": WORST_ANSWER_CHARS,
            "worst_target_ms": WORST_TARGET_MS,
            "worst_before_p50_ms": WORST_BEFORE_P50_MS,
        },
        "first_call": figures(first),
        "runs": runs,
        "worst": measure_worst(),
    }


def stamp() -> dict[str, str]:
    """When, where and at which commit figures were measured."""
    return {
        "date": time.strftime("%Y-%m-%d"),
        "commit": _commit(),
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
    }


def _commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main() -> int:
    result = measure()
    out = HERE / "results" / "coverage.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    for kind, f in [
        ("first call (terms not cached)", result["first_call"]),
        *result["runs"].items(),
    ]:
        print(
            f"{kind:32} mean {f['mean']:.3f} ms  p50 {f['p50']:.3f}  p99 {f['p99']:.3f}  "
            f"max {f['max']:.3f}  (n={f['n']})"
        )
    for shape, f in result["worst"].items():
        print(f"worst: {shape:44} p50 {f['p50']:.2f} ms  max {f['max']:.2f} ms")
    worst = max(f["p99"] for f in result["runs"].values())
    worst_case = max(f["p99"] for f in result["worst"].values())
    print(f"p99 {'under' if worst < TARGET_MS else 'OVER'} the {TARGET_MS} ms target; wrote {out}")
    print(f"worst case {worst_case:.2f} ms: {'under' if worst_case <= WORST_TARGET_MS else 'OVER'}")
    return 0 if worst < TARGET_MS and worst_case <= WORST_TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
