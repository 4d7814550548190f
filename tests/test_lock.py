"""The lock files pin what requirements*.txt name, every package with its hashes.

`make run`, `make test`, the Dockerfile and CI install from the locks alone
(``pip install --require-hashes``): a pin changed in requirements.txt without `make lock`
would never be installed.
"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)")


def normalised(name: str) -> str:
    """A package's name as the index compares them (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirements(path: Path) -> dict[str, str]:
    """The pins a requirements file names, with those of the files it includes (``-r``)."""
    pins: dict[str, str] = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith("-r "):
            pins |= requirements(path.parent / line.removeprefix("-r ").strip())
        elif line:
            match = PIN.match(line)
            assert match, f"{path.name}: {line!r} is not pinned with =="
            pins[normalised(match[1])] = match[2]
    return pins


def locked(path: Path) -> dict[str, set[str]]:
    """The versions a lock file pins per package (two, where platforms differ), each of
    which must carry its hashes."""
    versions: dict[str, set[str]] = {}
    lines = path.read_text().splitlines()
    for number, line in enumerate(lines):
        match = PIN.match(line)
        if match:
            following = lines[number + 1] if number + 1 < len(lines) else ""
            assert line.endswith("\\"), f"{path.name}: {match[1]} has no hashes"
            assert "--hash=sha256:" in following, f"{path.name}: {match[1]} has no hashes"
            versions.setdefault(normalised(match[1]), set()).add(match[2])
    return versions


@pytest.mark.parametrize(
    ("wanted", "lock"),
    [("requirements.txt", "requirements.lock"), ("requirements-dev.txt", "requirements-dev.lock")],
)
def test_the_lock_pins_every_requirement_at_its_version(wanted, lock):
    pins = requirements(ROOT / wanted)
    versions = locked(ROOT / lock)
    disagree = {
        name: (version, sorted(versions.get(name, ())))
        for name, version in pins.items()
        if versions.get(name) != {version}
    }
    assert disagree == {}, f"{wanted} and {lock} disagree: run `make lock`"


def test_the_development_lock_installs_what_the_runtime_lock_pins():
    runtime = locked(ROOT / "requirements.lock")
    development = locked(ROOT / "requirements-dev.lock")
    assert {name: development.get(name) for name in runtime} == runtime


def test_a_changed_pin_is_caught(tmp_path):
    (tmp_path / "requirements.txt").write_text("Django==5.2.19\ntwisted==1.0\n")
    (tmp_path / "requirements.lock").write_text(
        "django==5.2.19 \\\n    --hash=sha256:00\ntwisted==26.10.0 \\\n    --hash=sha256:00\n"
    )
    pins = requirements(tmp_path / "requirements.txt")
    versions = locked(tmp_path / "requirements.lock")
    assert [name for name, version in pins.items() if versions.get(name) != {version}] == [
        "twisted"
    ]
