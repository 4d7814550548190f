"""The Content-Security-Policy on every page, and API docs that load nothing from elsewhere."""

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
