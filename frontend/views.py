"""The browser pages: each renders a shell whose ES module talks to the API and the socket.

The pages hold no session data of their own; the scripts fetch it (HTTP API) and follow it
live (``static/interview/js/live.js``). What a page needs to start (the join code, whether
the visitor is a signed-in interviewer) rides in a ``json_script`` block.
"""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_safe

from interview.credentials import join_code_normalise
from interview.models import Category, InterviewSession
from interview.permissions import is_interviewer

from .csp import style_nonce

View = Callable[..., HttpResponse]


def page(view: View) -> View:
    """A browser page: GET only, a CSRF cookie for the scripts' API calls (the strict CSP
    comes with every response: frontend.csp)."""

    @require_safe
    @ensure_csrf_cookie
    @never_cache
    @wraps(view)
    def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response.setdefault("Referrer-Policy", "same-origin")
        return response

    return wrapped


def _shell(
    request: HttpRequest, template: str, *, session: InterviewSession | None = None, **data: object
) -> HttpResponse:
    """A page shell; ``data`` is what its script starts from."""
    user = request.user
    config = {
        "code": session.code if session else None,
        "signed_in": user.is_authenticated,
        "interviewer": is_interviewer(user),
        **data,
    }
    context = {"session": session, "config": config, "is_interviewer": config["interviewer"]}
    return render(request, template, context)


def _session_or_none(code: str) -> InterviewSession | None:
    return InterviewSession.objects.filter(code=join_code_normalise(code)).first()


def session_page(view: View) -> View:
    """A page about one session: 404 page for an unknown code, canonical URL for a typed one."""

    @wraps(view)
    def wrapped(request: HttpRequest, code: str) -> HttpResponse:
        session = _session_or_none(code)
        if session is None:
            return render(request, "frontend/not_found.html", {"code": code}, status=404)
        if session.code != code:
            return redirect(request.path.replace(f"/{code}/", f"/{session.code}/", 1))
        return view(request, session)

    return wrapped


def _interviewers_only(request: HttpRequest) -> HttpResponse | None:
    if is_interviewer(request.user):
        return None
    return render(request, "frontend/not_interviewer.html", status=403)


@page
def landing(request: HttpRequest) -> HttpResponse:
    return _shell(request, "frontend/landing.html")


@page
@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    return _interviewers_only(request) or _shell(request, "frontend/dashboard.html")


@page
@session_page
def panel_join(request: HttpRequest, session: InterviewSession) -> HttpResponse:
    # Not login_required: the invite sits in the URL fragment, which a redirect to the sign-in
    # page would lose. The script keeps it in sessionStorage and offers the sign-in link.
    return _shell(request, "frontend/panel_join.html", session=session)


@page
@login_required
@session_page
def panel_live(request: HttpRequest, session: InterviewSession) -> HttpResponse:
    denied = _interviewers_only(request)
    if denied:
        return denied
    return _shell(
        request,
        "frontend/panel_live.html",
        session=session,
        categories=[{"value": value, "label": label} for value, label in Category.choices],
    )


@page
@session_page
def candidate(request: HttpRequest, session: InterviewSession) -> HttpResponse:
    # The answer editor's theme is a style element: the page's policy allows it by nonce.
    return _shell(
        request, "frontend/candidate.html", session=session, style_nonce=style_nonce(request)
    )


@page
@session_page
def watch(request: HttpRequest, session: InterviewSession) -> HttpResponse:
    return _shell(request, "frontend/watch.html", session=session)


@page
@session_page
def results(request: HttpRequest, session: InterviewSession) -> HttpResponse:
    return _shell(request, "frontend/results.html", session=session)
