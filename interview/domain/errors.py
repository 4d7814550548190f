"""One error type for refusals, and its JSON shape over HTTP: ``{"error": {code, message}}``.

Services raise ``ServiceError`` with a protocol error code; the HTTP layer turns it into a
status, the WebSocket layer into an ``error`` event. The codes are the contract's.
"""

from typing import Any

from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

HTTP_STATUS = {
    "bad_json": status.HTTP_400_BAD_REQUEST,
    "invalid": status.HTTP_400_BAD_REQUEST,
    "too_large": status.HTTP_400_BAD_REQUEST,
    "not_authenticated": status.HTTP_401_UNAUTHORIZED,
    "forbidden": status.HTTP_403_FORBIDDEN,
    "not_found": status.HTTP_404_NOT_FOUND,
    "conflict": status.HTTP_409_CONFLICT,
    "name_taken": status.HTTP_409_CONFLICT,
    "in_use": status.HTTP_409_CONFLICT,
    "round_closed": status.HTTP_409_CONFLICT,
    "session_finished": status.HTTP_409_CONFLICT,
    "not_finished": status.HTTP_409_CONFLICT,
    "too_many_sessions": status.HTTP_409_CONFLICT,
    "rate_limited": status.HTTP_429_TOO_MANY_REQUESTS,
}


class ServiceError(Exception):
    """A refused request: nothing was changed."""

    def __init__(self, code: str, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details

    @property
    def http_status(self) -> int:
        return HTTP_STATUS.get(self.code, status.HTTP_400_BAD_REQUEST)


def error_body(code: str, message: str, details: Any = None) -> dict:
    """The JSON body of every HTTP error."""
    error = {"code": code, "message": message}
    if details:
        error["details"] = details
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
    exceptions.ParseError: "bad_json",
    exceptions.ValidationError: "invalid",
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "not_authenticated",
    exceptions.PermissionDenied: "forbidden",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "rate_limited",
}


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """DRF's handler, with every error in the contract's shape."""
    if isinstance(exc, TOO_LARGE):
        exc = ServiceError("too_large", TOO_LARGE_MESSAGE)
    if isinstance(exc, ServiceError):
        return Response(error_body(exc.code, exc.message, exc.details), status=exc.http_status)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    code = next((code for cls, code in DRF_CODES.items() if isinstance(exc, cls)), "error")
    details = exc.detail if isinstance(exc, exceptions.ValidationError) else None
    if isinstance(exc, exceptions.Throttled):
        message = f"Too many requests; try again in {exc.wait:.0f} s."
    else:
        message = _first_message(exc.detail)
    response.data = error_body(code, message, details)
    return response


# What Django answers itself, outside DRF's views: a URL that no view matches, a request it
# refuses before any view (a bad Host header), an exception that no view caught.
DJANGO_ERRORS = {
    400: ("invalid", "Bad request."),
    403: ("forbidden", "You may not do this."),
    404: ("not_found", "Not found."),
    500: ("server_error", "Internal server error."),
}


def json_error(status_code: int, exception: Exception | None = None) -> JsonResponse:
    """Django's own error responses (``handler400`` and the like) in the API's shape."""
    if isinstance(exception, TOO_LARGE):
        code, message = "too_large", TOO_LARGE_MESSAGE
    else:
        code, message = DJANGO_ERRORS[status_code]
    return JsonResponse(error_body(code, message), status=status_code)


def json_not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    """A 404 outside DRF's views, in the same shape."""
    return json_error(404, exception)
