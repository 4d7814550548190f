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
from django.template import loader
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_safe

from interview.api import errors
from interview.domain import throttling
from interview.domain.limits import client_limits
from interview.domain.roles import is_interviewer
from interview.models import Category, InterviewSession

from .csp import style_nonce
from .qr import qr_svg

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
    request: HttpRequest,
    template: str,
    *,
    session: InterviewSession | None = None,
    context: dict | None = None,
    **data: object,
) -> HttpResponse:
    """A page shell; ``data`` is what its script starts from, ``context`` what the template
    alone shows."""
    user = request.user
    config = {
        "code": session.code if session else None,
        "signed_in": user.is_authenticated,
        "interviewer": is_interviewer(user),
        **data,
    }
    context = {
        **(context or {}),
        "session": session,
        "config": config,
        "is_interviewer": config["interviewer"],
    }
    return render(request, template, context)


def _finished(session: InterviewSession) -> bool:
    return session.status == InterviewSession.Status.FINISHED


def session_page(view: View) -> View:
    """A page about one session: 404 page for an unknown code, canonical URL for a typed one.

    An unknown code counts against the address's join-code guesses (interview/domain/throttling.py);
    past them, every code gets the 429 page.
    """

    @wraps(view)
    def wrapped(request: HttpRequest, code: str) -> HttpResponse:
        try:
            session = throttling.session_for_guess(code, throttling.request_address(request))
        except throttling.TooManyGuessesError as exc:
            response = _error_page(request, 429)
            response["Retry-After"] = str(exc.wait_s)
            return response
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
        # Whose questions the bank offers to edit (the API decides what may change).
        username=request.user.get_username(),
    )


@page
@session_page
def candidate(request: HttpRequest, session: InterviewSession) -> HttpResponse:
    # The answer editor's theme is a style element: the page's policy allows it by nonce.
    # A finished session says so at once, and asks no name (the script reads ``finished``).
    # The answer box's length is the server's (``limits``), as the welcome gives it.
    return _shell(
        request,
        "frontend/candidate.html",
        session=session,
        context={"limits": client_limits()},
        style_nonce=style_nonce(request),
        finished=_finished(session),
    )


@page
@session_page
def watch(request: HttpRequest, session: InterviewSession) -> HttpResponse:
    context = {}
    if session.status == InterviewSession.Status.LOBBY:
        # The big screen's lobby: the candidate link, and its QR code for the room's phones.
        join_url = request.build_absolute_uri(f"/s/{session.code}/")
        # segno's markup holds no text of its input (the URL is in the modules): safe as it is.
        context = {"join_url": join_url, "join_qr_svg": mark_safe(qr_svg(join_url))}
    return _shell(
        request,
        "frontend/watch.html",
        session=session,
        context=context,
        finished=_finished(session),
    )


@page
@session_page
def results(request: HttpRequest, session: InterviewSession) -> HttpResponse:
    return _shell(request, "frontend/results.html", session=session)


# --- error pages: Django's handler400/403/404/500 (server/urls.py) ---------------------------

ERROR_PAGES = {
    400: ("Bad request", "The server could not read this request."),
    403: ("Not allowed", "You may not open this page."),
    404: ("Page not found", "There is nothing at this address. Check the link."),
    429: (
        "Too many tries",
        "This address has tried too many session codes lately. Wait a minute, then try again.",
    ),
    500: ("Something went wrong", "The server could not answer. Try again in a moment."),
}

ERROR_PAGE_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def _error_page(request: HttpRequest, status: int) -> HttpResponse:
    """A plain page in the site's look. A 500 renders without the request, so it needs
    nothing that may have failed (the database behind the signed-in user)."""
    title, message = ERROR_PAGES[status]
    context = {"title": title, "message": message}
    html = loader.render_to_string(
        "frontend/error.html", context, request=None if status == 500 else request
    )
    response = HttpResponse(html, status=status)
    # Not csp.content_security_policy: it reads the Host header, which a 400 may be about.
    response["Content-Security-Policy"] = ERROR_PAGE_CSP
    return response


def _error(request: HttpRequest, status: int, exception: Exception | None = None) -> HttpResponse:
    """Under ``/api/`` the API's JSON error shape; elsewhere a page."""
    if request.path.startswith("/api/"):
        return errors.json_error(status, exception)
    return _error_page(request, status)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _error(request, 400, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _error(request, 403, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _error(request, 404, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    return _error(request, 500)
