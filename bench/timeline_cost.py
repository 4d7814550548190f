"""What a page of the timeline costs the server at worst (issue 18: at most 50 ms of CPU for a
full page of 200 items, with the worst revisions a 20,000-character answer allows).

For each shape of revisions below, a candidate submits 200 answers of 20,000 characters,
alternating between two texts of that shape; then ``GET /api/sessions/{code}/timeline`` is
timed in this process's CPU (``time.process_time``: the view, its queries on SQLite, the
diffs, the JSON), as the panel reads it: first page after page while the diffs are computed
(each page stops at its diff budget), then the full page of 200 items with every diff kept,
several times. The process is set up as the server is (``asgi``, its collector's tuning
included). The shapes:

- *equal lines, changed at both ends*: one line repeated, the first and last swapped: the
  case that costs an unbounded line matcher (difflib) seconds; the line matching runs out of
  its budget and the revision shows as rewritten.
- *every line changed*: no line in common: one block removed and added whole, the largest
  diff to send.
- *changes every few lines*: distinct lines, every tenth changed: diffed within the budget,
  many operations.

    .venv/bin/python bench/timeline_cost.py            # writes bench/results/timeline.json
    .venv/bin/python bench/report.py                   # and docs/benchmarks.md from it

Not part of ``make test`` nor ``make bench``: half a minute; SQLite in a scratch directory.
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

SCRATCH = Path(tempfile.mkdtemp(prefix="timeline-cost-"))
os.environ.update(
    DJANGO_SETTINGS_MODULE="server.settings",
    DEBUG="1",
    DATABASE_URL=f"sqlite:///{SCRATCH / 'db.sqlite3'}",
    ALLOWED_HOSTS="testserver",
    READ_RATE="1000000/min",
)
os.environ.pop("REDIS_URL", None)

# The server's set-up, its garbage collector's tuning included.
importlib.import_module("asgi")

from coverage_cost import stamp  # noqa: E402
from django.core.management import call_command  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from interview import services  # noqa: E402
from interview.domain.protocol import MAX_ANSWER_CHARS  # noqa: E402
from interview.domain.timeline import MAX_PAGE_SIZE  # noqa: E402
from interview.models import Category, Question  # noqa: E402

REVISIONS = 200
KEPT_READS = 20
TARGET_MS = 50.0


def shapes() -> dict[str, tuple[str, str]]:
    """Two texts of ``MAX_ANSWER_CHARS`` each per shape, submitted in turn."""
    equal = "a\n" * (MAX_ANSWER_CHARS // 2 - 2)
    lines = [f"{n:05d} value = compute(n)\n" for n in range(MAX_ANSWER_CHARS // 25)]
    changed = [line.upper() if n % 10 == 5 else line for n, line in enumerate(lines)]
    return {
        "equal lines, changed at both ends": ("b\n" + equal + "c\n", "c\n" + equal + "b\n"),
        "every line changed": ("x\n" * (MAX_ANSWER_CHARS // 2), "y\n" * (MAX_ANSWER_CHARS // 2)),
        "changes every few lines": (
            "".join(lines).ljust(MAX_ANSWER_CHARS),
            "".join(changed).ljust(MAX_ANSWER_CHARS),
        ),
    }


def cpu_ms(action) -> tuple[float, object]:
    started = time.process_time()
    result = action()
    return (time.process_time() - started) * 1000, result


def measure_shape(client: APIClient, owner, texts: tuple[str, str]) -> dict:
    session = services.session_create(owner=owner, title="Timeline cost").session
    panel = session.participants.get(user=owner)
    ann = services.participant_join(session=session, role="candidate", display_name="Ann")
    rnd = services.round_open(
        session=session, participant=panel, question_id=Question.objects.get().id
    )
    for number in range(REVISIONS):
        services.answer_submit(
            session=session, participant=ann.participant, round_id=rnd.id, text=texts[number % 2]
        )
    url = f"/api/sessions/{session.code}/timeline?limit={MAX_PAGE_SIZE}"
    first, items = [], 0
    while url:
        elapsed, response = cpu_ms(lambda url=url: client.get(url))
        assert response.status_code == 200, response.content[:200]
        body = response.json()
        first.append(elapsed)
        items += len(body["results"])
        url = body["next"]
    kept = []
    for _ in range(KEPT_READS):
        elapsed, response = cpu_ms(
            lambda: client.get(f"/api/sessions/{session.code}/timeline?limit={MAX_PAGE_SIZE}")
        )
        kept.append(elapsed)
    sample = response.json()["results"][2]["data"]["diff"]
    return {
        "first_pages": len(first),
        "first_items": items,
        "first_page_p50_ms": statistics.median(first),
        "first_page_max_ms": max(first),
        "first_total_ms": sum(first),
        "kept_page_items": len(response.json()["results"]),
        "kept_page_bytes": len(response.content),
        "kept_p50_ms": statistics.median(kept),
        "kept_max_ms": max(kept),
        "diff_ops": len(sample),
        "diff_kinds": sorted({op[0] for op in sample}),
    }


def measure() -> dict:
    call_command("migrate", verbosity=0)
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from rest_framework.authtoken.models import Token

    from interview.domain.roles import INTERVIEWERS_GROUP

    owner = get_user_model().objects.create_user("alice", password="x")
    owner.groups.add(Group.objects.get_or_create(name=INTERVIEWERS_GROUP)[0])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=owner).key}")
    Question.objects.create(
        slug="q",
        category=Category.CORE_PYTHON,
        difficulty=1,
        title="Q",
        prompt="Write it.",
        model_answer="def f(): pass",
        key_points=["uses a function"],
    )
    measure_shape(client, owner, ("warm-up", "the first request imports and builds much"))
    runs = {name: measure_shape(client, owner, texts) for name, texts in shapes().items()}
    return {
        "meta": {
            **stamp(),
            "revisions": REVISIONS,
            "answer_chars": MAX_ANSWER_CHARS,
            "kept_reads": KEPT_READS,
            "target_ms": TARGET_MS,
        },
        "runs": runs,
    }


def main() -> int:
    try:
        result = measure()
    finally:
        shutil.rmtree(SCRATCH, ignore_errors=True)
    out = HERE / "results" / "timeline.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    worst = 0.0
    for name, run in result["runs"].items():
        print(
            f"{name:36} first: {run['first_pages']} pages, p50 "
            f"{run['first_page_p50_ms']:.1f} ms, max {run['first_page_max_ms']:.1f} ms; kept "
            f"page of {run['kept_page_items']}: p50 {run['kept_p50_ms']:.1f} ms, max "
            f"{run['kept_max_ms']:.1f} ms, {run['kept_page_bytes']:,} bytes"
        )
        worst = max(worst, run["first_page_p50_ms"], run["kept_p50_ms"])
    print(f"worst p50 {worst:.1f} ms: {'under' if worst <= TARGET_MS else 'OVER'} the target")
    return 0 if worst <= TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
