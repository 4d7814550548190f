"""The Content-Security-Policy on every page, and API docs that load nothing from elsewhere."""

import base64
import hashlib
import json
import re

import pytest
from django.contrib.staticfiles import finders
from django.templatetags.static import static

from .factories import session_for

pytestmark = pytest.mark.django_db

PAGES = ["/", "/accounts/login/", "/admin/login/", "/api/docs/"]


def attributes(html: str, name: str) -> list[str]:
    return re.findall(rf'\b{name}="([^"]*)"', html)


def inline_code(html: str) -> list[str]:
    """Scripts without a src, style elements and style attributes: what the policy blocks.

    A JSON data block (``json_script``) is no script: browsers never run it."""
    scripts = re.findall(r'<script(?![^>]*\b(?:src=|type="application/json"))[^>]*>', html)
    return scripts + re.findall(r"<style\b|\bstyle=", html)


def policy_of(response) -> dict[str, str]:
    directives = response["Content-Security-Policy"].split(";")
    return dict(directive.strip().split(" ", 1) for directive in directives)


@pytest.mark.parametrize("path", PAGES)
def test_every_page_carries_the_strict_policy(client, path):
    response = client.get(path)
    assert response.status_code == 200
    policy = policy_of(response)
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["connect-src"] == "'self' ws://testserver wss://testserver"
    assert policy["frame-ancestors"] == "'none'"


def test_the_candidate_page_allows_its_editors_style_element_by_a_fresh_nonce(client, interviewer):
    """CodeMirror writes its theme into a style element, which the policy allows by nonce;
    the page's script hands the nonce to the editor. A response's nonce is its own, and
    style attributes stay blocked (the browser tests type over lines without needing one)."""
    path = f"/s/{session_for(interviewer).code}/"
    nonces = []
    for response in (client.get(path), client.get(path)):
        html = response.content.decode()
        (config,) = re.findall(r'<script id="page-config"[^>]*>(.*?)</script>', html)
        nonce = json.loads(config)["style_nonce"]
        policy = policy_of(response)
        assert policy["style-src"] == f"'self' 'nonce-{nonce}'"
        assert policy["script-src"] == "'self'"
        # The nonce allows style elements alone: no directive lets in a style attribute.
        assert not {"style-src-attr", "style-src-elem"} & policy.keys()
        assert "'unsafe-inline'" not in response["Content-Security-Policy"]
        assert inline_code(html) == []
        nonces.append(nonce)
    assert nonces[0] != nonces[1]
    assert len(nonces[0]) >= 22


@pytest.mark.parametrize("path", PAGES)
def test_no_page_needs_an_inline_script_or_style(client, path):
    assert inline_code(client.get(path).content.decode()) == []


def test_the_api_docs_load_swagger_ui_from_this_origin_only(client):
    html = client.get("/api/docs/").content.decode()
    assert "//" not in html.replace("<!DOCTYPE html>", "")
    assets = [*attributes(html, "src"), *attributes(html, "href")]
    static_assets = [url for url in assets if url.startswith(static(""))]
    assert any(url.endswith("swagger-ui-dist/swagger-ui-bundle.js") for url in static_assets)
    assert any(url.endswith("swagger-ui-dist/swagger-ui.css") for url in static_assets)
    for url in static_assets:
        # Found by the static finders, so collectstatic ships it; and served.
        assert finders.find(url.removeprefix(static(""))), url
        assert client.get(url).status_code == 200, url


def test_the_api_docs_start_up_script_is_a_file_of_this_origin(client):
    html = client.get("/api/docs/").content.decode()
    (start_up,) = [url for url in attributes(html, "src") if "script" in url.split("?", 1)[-1]]
    script = client.get(start_up.replace("&amp;", "&"))
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle(" in script.content.decode()
    # No validator badge, which would send the schema's address to validator.swagger.io.
    assert '"validatorUrl": null' in script.content.decode()


def test_the_sandbox_page_alone_runs_webassembly_and_may_connect_nowhere(client):
    """The page people's Python runs in (frontend/sandbox): its one inline script allowed by
    its hash, workers and their modules from blob: URLs, WebAssembly; no address at all, not
    even this site's; an opaque origin however it is opened; framed by this site only."""
    response = client.get("/sandbox/")
    html = response.content.decode()
    (frame_script,) = re.findall(r"<script>(.*?)</script>", html, re.DOTALL)
    digest = base64.b64encode(hashlib.sha256(frame_script.encode()).digest()).decode()
    assert policy_of(response) == {
        "default-src": "'none'",
        "script-src": f"'sha256-{digest}' blob: 'wasm-unsafe-eval'",
        "worker-src": "blob:",
        "connect-src": "'none'",
        "base-uri": "'none'",
        "form-action": "'none'",
        "frame-ancestors": "'self'",
        "sandbox": "allow-scripts",
    }
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert response["Referrer-Policy"] == "no-referrer"
    # The worker's script is data to the page, never run as a script of its own.
    assert re.search(r'<script type="text/plain" id="worker-source">', html)


def test_the_pages_that_run_code_keep_the_strict_policy(client, interviewer):
    """The candidate's and the panel's pages only frame the sandbox: no WebAssembly, eval or
    blob: scripts there; frames of this origin alone (frame-src falls back to default-src)."""
    code = session_for(interviewer).code
    client.force_login(interviewer)
    for path in ["/", f"/s/{code}/", f"/dashboard/s/{code}/"]:
        response = client.get(path)
        assert response.status_code == 200, path
        policy = policy_of(response)
        assert policy["script-src"] == "'self'", path
        assert policy["default-src"] == "'self'", path
        assert not {"frame-src", "child-src", "worker-src"} & policy.keys(), path
        assert "eval" not in response["Content-Security-Policy"], path
        assert "blob:" not in response["Content-Security-Policy"], path
