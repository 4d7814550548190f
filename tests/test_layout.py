"""The layout shows the architecture: packages by concern, each importing only the layers
below it, and modules and functions small enough to read whole."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
INTERVIEW = ROOT / "interview"

# Which packages of interview/ each package may import. adapters (framework internals) and
# content (text, code, charts) stand on nothing of the project; domain holds the state and its
# rules; live (sockets) and api (HTTP) stand beside each other on top of the domain. The
# top-level modules (models, telemetry) are below all of them.
MAY_IMPORT = {
    "adapters": set(),
    "content": set(),
    "domain": {"adapters", "content"},
    "live": {"adapters", "content", "domain"},
    "api": {"adapters", "content", "domain"},
}
MODULE_LINES_MAX = 500
FUNCTION_LINES_MAX = 60


def _modules(package: str | None = None) -> list[Path]:
    base = INTERVIEW / package if package else INTERVIEW
    return sorted(path for path in base.rglob("*.py") if "migrations" not in path.parts)


def _imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return {
        name.split(".")[1]
        for name in names
        if name.startswith("interview.") and name.split(".")[1] in MAY_IMPORT
    }


@pytest.mark.dbless
@pytest.mark.parametrize("package", sorted(MAY_IMPORT))
def test_a_package_imports_only_the_layers_below_it(package: str) -> None:
    wrong = {
        str(path.relative_to(ROOT)): sorted(found - MAY_IMPORT[package] - {package})
        for path in _modules(package)
        if (found := _imported_packages(path)) - MAY_IMPORT[package] - {package}
    }
    assert wrong == {}


@pytest.mark.dbless
def test_no_module_is_over_500_lines() -> None:
    long = {
        str(path.relative_to(ROOT)): lines
        for path in [*_modules(), *(ROOT / "frontend").rglob("*.py")]
        if "migrations" not in path.parts
        and (lines := len(path.read_text().splitlines())) > MODULE_LINES_MAX
    }
    assert long == {}


@pytest.mark.dbless
def test_no_function_is_over_60_lines() -> None:
    long = {}
    for path in [*_modules(), *(ROOT / "frontend").rglob("*.py"), ROOT / "asgi.py"]:
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1
                if lines > FUNCTION_LINES_MAX:
                    long[f"{path.relative_to(ROOT)}:{node.lineno} {node.name}"] = lines
    assert long == {}


# Modules without a test module of their own, and why: declarations that the tests of what
# they declare cover, and the services' private helpers, tested through the services.
UNMIRRORED = {
    "interview/apps.py": "the app's configuration",
    "interview/api/urls.py": "URL declarations: tests/test_views*.py request every route",
    "interview/live/routing.py": "the socket routes: every live test connects through them",
    "frontend/apps.py": "the app's configuration",
    "frontend/urls.py": "URL declarations: the browser tests and tests/test_csp.py load every page",
    "server/urls.py": "URL declarations",
    "interview/models/assessments.py": "model declarations: tests/test_models.py",
    "interview/models/events.py": "model declarations: tests/test_models.py",
    "interview/models/questions.py": "model declarations: tests/test_models.py",
    "interview/models/rounds.py": "model declarations: tests/test_models.py",
    "interview/models/sessions.py": "model declarations: tests/test_models.py",
    "interview/domain/services/_command.py": "the services' shared steps: test_services_*.py",
    "interview/domain/services/_rounds.py": "the services' shared steps: test_services_*.py",
    "interview/domain/services/_standings.py": "the services' shared steps: test_services_*.py",
    "interview/adapters/cpython.py": "the collector tuning, with the entry point that applies "
    "it: tests/test_run.py",
}


@pytest.mark.dbless
def test_every_module_has_a_test_module_named_after_it() -> None:
    """``tests/test_<module>.py``, or ``tests/test_<package>_<module>.py`` for a module of a
    package (``interview/domain/services/rounds.py``: ``tests/test_services_rounds.py``)."""
    missing = []
    for path in sorted([*INTERVIEW.rglob("*.py"), *(ROOT / "frontend").rglob("*.py"),
                        *(ROOT / "server").rglob("*.py")]):  # fmt: skip
        name = str(path.relative_to(ROOT))
        if "migrations" in path.parts or path.name == "__init__.py" or name in UNMIRRORED:
            continue
        tests = ROOT / "tests"
        if not (
            (tests / f"test_{path.stem}.py").exists()
            or (tests / f"test_{path.parent.name}_{path.stem}.py").exists()
        ):
            missing.append(name)
    assert missing == []
