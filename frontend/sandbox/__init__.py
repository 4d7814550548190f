"""The sandbox that runs people's Python: a page of its own, framed by the pages that run code.

The page (``/sandbox/``) is framed ``sandbox="allow-scripts"`` and its own policy says
``sandbox allow-scripts`` too, so it has an opaque origin however it is opened: no cookies,
no storage, nothing of the site's origin. Its one script (``frame.js``, inline, allowed by its
hash) starts a worker per run from ``worker.js`` (a ``blob:``), hands it Pyodide's files,
which the framing page fetched and passed in, and ends it when the run is over or out of time.
The policy lets nothing reach the network: no ``connect-src``, and scripts only by that hash,
from ``blob:`` and WebAssembly (``'wasm-unsafe-eval'``). The framing pages keep their strict
policy. The design and the messages are in docs/protocol.md ("Running code").
"""

import base64
import hashlib
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import etag, require_safe

import interview.content.exercises

HERE = Path(__file__).resolve().parent


def _script(name: str) -> str:
    text = (HERE / name).read_text()
    # Inlined into the page as they are: a closing tag would end the script element early.
    if "</script" in text.lower():
        raise ImproperlyConfigured(f"frontend/sandbox/{name} must not contain '</script'")
    return text


FRAME_SCRIPT = _script("frame.js")
WORKER_SCRIPT = _script("worker.js")
# The tests' harness, the very file the bank's checks run in CPython: the pages that run an
# exercise's tests fetch it and hand it to the sandbox as code (harness.js).
HARNESS = Path(interview.content.exercises.__file__).read_text()
HARNESS_ETAG = hashlib.sha256(HARNESS.encode()).hexdigest()[:32]
FRAME_SCRIPT_HASH = base64.b64encode(hashlib.sha256(FRAME_SCRIPT.encode()).digest()).decode()

SANDBOX_POLICY = "; ".join(
    [
        "default-src 'none'",
        # The frame's own script by its hash; the workers and the Pyodide modules they import
        # from blob: URLs made of what the framing page passed in; WebAssembly compiled from
        # bytes. No address of this or any site: not even a script can be fetched.
        f"script-src 'sha256-{FRAME_SCRIPT_HASH}' blob: 'wasm-unsafe-eval'",
        "worker-src blob:",
        "connect-src 'none'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'self'",
        # An opaque origin even when the page is opened on its own or framed without the
        # attribute: no cookies, storage or same-origin reach, whoever opens it.
        "sandbox allow-scripts",
    ]
)


@require_safe
@never_cache
@xframe_options_sameorigin
def sandbox(request: HttpRequest) -> HttpResponse:
    """The sandbox page: the frame's script, and the worker's as text for it to start."""
    html = loader.render_to_string(
        "frontend/sandbox.html",
        {"frame_script": mark_safe(FRAME_SCRIPT), "worker_script": mark_safe(WORKER_SCRIPT)},
    )
    response = HttpResponse(html)
    response["Content-Security-Policy"] = SANDBOX_POLICY
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_safe
@etag(lambda request: HARNESS_ETAG)
def exercises_harness(request: HttpRequest) -> HttpResponse:
    """``interview/content/exercises.py`` as it is, for the sandbox to run an exercise's tests with;
    revalidated by its ETag, so a deploy that changes it is fetched anew."""
    response = HttpResponse(HARNESS, content_type="text/x-python; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["X-Content-Type-Options"] = "nosniff"
    return response
