"""Every error under ``/api/`` in one JSON shape: ``{"error": {code, message, details?}}``.

Each is a ``Refusal`` (``interview/domain/errors.py``) first: one raised by a service or a
view; DRF's own exceptions and Django's own error responses become one here. Its body is
built from it alone (``error_body``).
"""

from typing import Any

from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from interview.domain.errors import ErrorCode, Refusal


def error_body(refusal: Refusal) -> dict:
    """The JSON body of every HTTP error."""
    error: dict[str, Any] = {"code": str(refusal.code), "message": refusal.message}
    if refusal.details:
        error["details"] = refusal.details
    return {"error": error}


def _first_message(detail: Any) -> str:
    """A readable one-line message out of DRF's nested validation errors."""
    if isinstance(detail, dict):
        for field, value in detail.items():
            inner = _first_message(value)
            return inner if field == "non_field_errors" else f"{field}: {inner}"
    if isinstance(detail, list) and detail:
        return _first_message(detail[0])
    return str(detail)


# Django's refusals of a body over its limits (DATA_UPLOAD_MAX_MEMORY_SIZE and the like).
TOO_LARGE = (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent)
TOO_LARGE_MESSAGE = "The request body is too large."

DRF_CODES = {
    exceptions.ParseError: ErrorCode.BAD_JSON,
    exceptions.ValidationError: ErrorCode.INVALID,
    exceptions.NotAuthenticated: ErrorCode.NOT_AUTHENTICATED,
    exceptions.AuthenticationFailed: ErrorCode.NOT_AUTHENTICATED,
    exceptions.PermissionDenied: ErrorCode.FORBIDDEN,
    exceptions.NotFound: ErrorCode.NOT_FOUND,
    exceptions.MethodNotAllowed: ErrorCode.METHOD_NOT_ALLOWED,
    exceptions.NotAcceptable: ErrorCode.NOT_ACCEPTABLE,
    exceptions.UnsupportedMediaType: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
    exceptions.Throttled: ErrorCode.RATE_LIMITED,
}


def drf_refusal(exc: exceptions.APIException) -> Refusal:
    """One of DRF's exceptions as a refusal: its code, a one-line message, and DRF's
    validation errors as ``details``."""
    code = next((code for cls, code in DRF_CODES.items() if isinstance(exc, cls)), None)
    details = exc.detail if isinstance(exc, exceptions.ValidationError) else None
    if isinstance(exc, exceptions.Throttled):
        message = f"Too many requests; try again in {exc.wait:.0f} s."
    else:
        message = _first_message(exc.detail)
    return Refusal(code or ErrorCode.ERROR, message, details)


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """DRF's handler, with every error in the contract's shape."""
    if isinstance(exc, TOO_LARGE):
        exc = Refusal(ErrorCode.TOO_LARGE, TOO_LARGE_MESSAGE)
    if isinstance(exc, Refusal):
        return Response(error_body(exc), status=exc.http_status)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    # DRF's status and headers stay: it answers an anonymous request 401 with
    # ``WWW-Authenticate`` or 403 without, ``Retry-After`` with a 429, ``Allow`` with a 405.
    response.data = error_body(drf_refusal(exc))
    return response


# What Django answers itself, outside DRF's views: a URL that no view matches, a request it
# refuses before any view (a bad Host header), an exception that no view caught.
DJANGO_ERRORS = {
    400: Refusal(ErrorCode.INVALID, "Bad request."),
    403: Refusal(ErrorCode.FORBIDDEN, "You may not do this."),
    404: Refusal(ErrorCode.NOT_FOUND, "Not found."),
    500: Refusal(ErrorCode.SERVER_ERROR, "Internal server error."),
}


def json_error(status_code: int, exception: Exception | None = None) -> JsonResponse:
    """Django's own error responses (``handler400`` and the like) in the API's shape."""
    if isinstance(exception, TOO_LARGE):
        refusal = Refusal(ErrorCode.TOO_LARGE, TOO_LARGE_MESSAGE)
    else:
        refusal = DJANGO_ERRORS[status_code]
    return JsonResponse(error_body(refusal), status=status_code)


def json_not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    """A 404 outside DRF's views, in the same shape."""
    return json_error(404, exception)
