"""The Content-Security-Policy of every response: the app's pages, sign-in, admin, API docs.

Scripts, styles and sockets from this origin only, so a stray tag in user text runs nothing.
Nothing the site serves needs an inline script or style: the API docs use drf-spectacular's
split view (the start-up script is a file of its own) and keep their styles in a file. One
page creates style elements: the candidate's, whose code editor (CodeMirror) writes its
theme into one. That page asks for a nonce (``style_nonce``), which its policy allows and
its script hands to the editor; no other response has one. Style attributes stay blocked
there too: the editor sets its inline styles through the CSSOM, which the policy does not
govern, and takes text typed over a selection itself (code.js), so the browser's own editing
writes none either.
"""

import secrets

from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponseBase
from django.utils.deprecation import MiddlewareMixin


def style_nonce(request: HttpRequest) -> str:
    """A fresh nonce for the style elements of this response's page, allowed by its policy."""
    if not hasattr(request, "csp_style_nonce"):
        request.csp_style_nonce = secrets.token_urlsafe(18)
    return request.csp_style_nonce


def content_security_policy(request: HttpRequest) -> str:
    """The policy for a response to this request: this origin only, sockets included."""
    try:
        host = request.get_host()
    except DisallowedHost:  # answered with 400 anyway; 'self' is enough for that page
        sockets = ""
    else:
        sockets = f" ws://{host} wss://{host}"
    nonce = getattr(request, "csp_style_nonce", None)
    styles = f" 'nonce-{nonce}'" if nonce else ""
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            f"style-src 'self'{styles}",
            "img-src 'self' data:",
            f"connect-src 'self'{sockets}",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


class ContentSecurityPolicyMiddleware(MiddlewareMixin):
    """Gives every response the policy, unless a view set one of its own."""

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        response.setdefault("Content-Security-Policy", content_security_policy(request))
        return response
