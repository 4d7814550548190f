"""The vendored front-end files are what frontend/editor's lockfile pins (``make vendor``).

``make run`` and ``make test`` use the committed files and need no Node; these tests notice
a lockfile changed without ``make vendor``, or a vendored file edited by hand.
"""

import gzip
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


# --- Pyodide: copied, not bundled, into a folder named by its version ------------------------

PYODIDE = STATIC_JS / "vendor" / "pyodide"


def pyodide_manifest() -> dict:
    (folder,) = PYODIDE.iterdir()
    return json.loads((folder / "vendor.json").read_text())


def test_pyodide_is_the_version_and_tarball_the_lockfile_pins_and_nothing_else():
    lock = json.loads((EDITOR / "package-lock.json").read_text())["packages"]
    manifest = pyodide_manifest()
    assert [folder.name for folder in PYODIDE.iterdir()] == [locked_version("pyodide")]
    assert manifest["version"] == locked_version("pyodide")
    assert manifest["integrity"] == lock["node_modules/pyodide"]["integrity"], (
        "the lockfile pins another Pyodide than the one vendored: run `make vendor`"
    )


def test_every_pyodide_file_is_the_one_make_vendor_copied():
    manifest = pyodide_manifest()
    folder = PYODIDE / manifest["version"]
    for name, checksum in manifest["files"].items():
        data = (folder / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == checksum, f"{name} was edited"
        gzipped = folder / f"{name}.gz"
        if gzipped.exists():
            assert gzip.decompress(gzipped.read_bytes()) == data, f"{name}.gz is stale"
    kept = set(manifest["files"]) | {f"{name}.gz" for name in manifest["files"]} | {"vendor.json"}
    assert {path.name for path in folder.iterdir()} <= kept
    # Core and standard library only: no package of Pyodide's distribution is vendored.
    assert not any(path.suffix in (".whl", ".tar", ".so") for path in folder.iterdir())


def test_pyodide_is_served_gzipped_with_its_type_and_kept_for_good(client):
    """On `make run` (whitenoise, no collectstatic): the gzip copy to a browser that accepts
    it, application/wasm for the runtime, and a year's immutable cache for the version's
    folder; the site's other static files keep the short default."""
    manifest = pyodide_manifest()
    url = f"/static/interview/vendor/pyodide/{manifest['version']}/pyodide.asm.wasm"
    response = client.get(url, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/wasm"
    assert response["Content-Encoding"] == "gzip"
    assert "immutable" in response["Cache-Control"]
    assert int(re.search(r"max-age=(\d+)", response["Cache-Control"])[1]) >= 365 * 86400
    body = gzip.decompress(b"".join(response.streaming_content))
    assert hashlib.sha256(body).hexdigest() == manifest["files"]["pyodide.asm.wasm"]
    plain = client.get(url)
    assert "Content-Encoding" not in plain
    other = client.get("/static/interview/js/candidate.js")
    assert "immutable" not in other.get("Cache-Control", "")


def test_the_runner_loads_the_vendored_pyodide():
    runner = (STATIC_JS / "js" / "runner.js").read_text()
    (version,) = re.findall(r'const PYODIDE_VERSION = "([^"]+)";', runner)
    assert version == pyodide_manifest()["version"]
    for name in pyodide_manifest()["files"]:
        assert f'"{name}"' in runner, f"runner.js does not load {name}"
