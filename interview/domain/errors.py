"""Refusals: one error type, ``Refusal``, and one vocabulary of codes, ``ErrorCode``.

A refused request changes nothing. Whoever refuses (a service, a selector, a view, the
WebSocket protocol) raises a ``Refusal`` with one of the contract's codes; each code carries
the HTTP status it answers with, as DRF's exceptions carry ``default_code`` and
``status_code``. The HTTP layer (``interview/api/errors.py``) turns a refusal into
``{"error": {code, message, details?}}``, the WebSocket layer (``protocol.error_frame``) into
an ``error`` event. The codes and their statuses are the contract's (``docs/protocol.md``).
"""

from enum import StrEnum
from typing import Any, Self

from rest_framework import status


class ErrorCode(StrEnum):
    """Every code a refusal may carry, with the HTTP status it answers with."""

    http_status: int

    def __new__(cls, value: str, http_status: int) -> Self:
        code = str.__new__(cls, value)
        code._value_ = value
        code.http_status = http_status
        return code

    BAD_JSON = "bad_json", status.HTTP_400_BAD_REQUEST
    INVALID = "invalid", status.HTTP_400_BAD_REQUEST
    TOO_LARGE = "too_large", status.HTTP_400_BAD_REQUEST
    # WebSocket only: a command type that does not exist.
    UNKNOWN_TYPE = "unknown_type", status.HTTP_400_BAD_REQUEST
    NOT_AUTHENTICATED = "not_authenticated", status.HTTP_401_UNAUTHORIZED
    FORBIDDEN = "forbidden", status.HTTP_403_FORBIDDEN
    NOT_FOUND = "not_found", status.HTTP_404_NOT_FOUND
    METHOD_NOT_ALLOWED = "method_not_allowed", status.HTTP_405_METHOD_NOT_ALLOWED
    NOT_ACCEPTABLE = "not_acceptable", status.HTTP_406_NOT_ACCEPTABLE
    CONFLICT = "conflict", status.HTTP_409_CONFLICT
    NAME_TAKEN = "name_taken", status.HTTP_409_CONFLICT
    IN_USE = "in_use", status.HTTP_409_CONFLICT
    ROUND_CLOSED = "round_closed", status.HTTP_409_CONFLICT
    SESSION_FINISHED = "session_finished", status.HTTP_409_CONFLICT
    NOT_FINISHED = "not_finished", status.HTTP_409_CONFLICT
    TOO_MANY_SESSIONS = "too_many_sessions", status.HTTP_409_CONFLICT
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type", status.HTTP_415_UNSUPPORTED_MEDIA_TYPE
    RATE_LIMITED = "rate_limited", status.HTTP_429_TOO_MANY_REQUESTS
    SERVER_ERROR = "server_error", status.HTTP_500_INTERNAL_SERVER_ERROR
    # Any other DRF exception (a bare ``APIException``), which answers with its own status.
    ERROR = "error", status.HTTP_500_INTERNAL_SERVER_ERROR


class Refusal(Exception):  # noqa: N818 (a refusal is an outcome, not an error of the server)
    """A refused request: nothing was changed. ``code`` says why and sets the HTTP status;
    ``message`` is for people; ``details`` (optional) is machine-readable, such as DRF's
    validation errors keyed by field. A code outside ``ErrorCode`` is a bug: ValueError."""

    def __init__(self, code: ErrorCode | str, message: str, details: Any = None) -> None:
        try:
            known = ErrorCode(code)
        except ValueError:
            raise ValueError(f"{code!r} is not a refusal code (ErrorCode)") from None
        super().__init__(message)
        self.code = known
        self.message = message
        self.details = details

    @property
    def http_status(self) -> int:
        return self.code.http_status
