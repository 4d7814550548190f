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

Not part of ``make test`` nor ``make bench``: a second at most.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from interview.coverage import coverage_of, key_point_terms  # noqa: E402

BANK = ROOT / "interview" / "bank" / "questions.yaml"

ANSWER_CHARS = 2_000
ROUNDS = 50
TARGET_MS = 1.0


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
        },
        "first_call": figures(first),
        "runs": runs,
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
    worst = max(f["p99"] for f in result["runs"].values())
    print(f"p99 {'under' if worst < TARGET_MS else 'OVER'} the {TARGET_MS} ms target; wrote {out}")
    return 0 if worst < TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
