"""The vendored front-end files are what frontend/editor's lockfile pins (``make vendor``).

``make run`` and ``make test`` use the committed files and need no Node; these tests notice
a lockfile changed without ``make vendor``, or a vendored file edited by hand.
"""

import hashlib
import json
import re

from .servers import ROOT

EDITOR = ROOT / "frontend" / "editor"
STATIC_JS = ROOT / "frontend" / "static" / "interview"
BUNDLE = STATIC_JS / "vendor" / "codemirror.js"
AXE = ROOT / "tests" / "vendor" / "axe.min.js"
HEADER_END = " */\n"


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def locked_version(name: str) -> str:
    lock = json.loads((EDITOR / "package-lock.json").read_text())
    return lock["packages"][f"node_modules/{name}"]["version"]


def bundle_parts() -> tuple[str, str]:
    header, body = BUNDLE.read_text().split(HEADER_END, 1)
    return header, body


def header_value(header: str, name: str) -> str:
    found = re.search(rf"^ \* {re.escape(name)} (\S+)$", header, re.MULTILINE)
    assert found, f"the bundle's header names no {name}"
    return found.group(1)


def test_package_json_pins_exact_versions_and_the_lockfile_holds_them():
    package = json.loads((EDITOR / "package.json").read_text())
    for name, version in {**package["dependencies"], **package["devDependencies"]}.items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"{name} is not pinned: {version}"
        assert locked_version(name) == version, name


def test_the_codemirror_bundle_was_built_from_the_lockfile_as_it_is():
    header, body = bundle_parts()
    lock_text = (EDITOR / "package-lock.json").read_text()
    assert header_value(header, "package-lock.json sha256") == sha256(lock_text), (
        "the lockfile changed since the bundle was built: run `make vendor`"
    )
    assert header_value(header, "bundle sha256") == sha256(body), "the bundle was edited"


def test_every_package_in_the_bundle_is_at_the_version_the_lockfile_pins():
    header, _ = bundle_parts()
    bundled = dict(re.findall(r"^ \*   (\S+) (\d+\.\d+\.\d+) \S+$", header, re.MULTILINE))
    package = json.loads((EDITOR / "package.json").read_text())
    assert set(package["dependencies"]) <= set(bundled)
    for name, version in bundled.items():
        assert locked_version(name) == version, name


def test_the_bundle_exports_every_name_code_js_imports_from_it():
    imports = (STATIC_JS / "js" / "code.js").read_text()
    (names,) = re.findall(r"import \{([^}]*)\} from \"\.\./vendor/codemirror\.js\"", imports)
    exported = re.findall(r" as (\w+)", re.findall(r"export\{[^}]*\}", bundle_parts()[1])[-1])
    assert {name.strip() for name in names.split(",") if name.strip()} <= set(exported)


def test_axe_is_the_version_the_lockfile_pins():
    first_line = AXE.read_text().split("\n", 1)[0]
    assert first_line == f"/*! axe v{locked_version('axe-core')}"
