"""How the HTTP API reads a JSON body: DRF's parser, within Django's body limit, never a 500.

DRF's ``JSONParser`` reads the request stream itself, past Django's
``DATA_UPLOAD_MAX_MEMORY_SIZE``, and lets ``RecursionError`` (a body of thousands of nested
brackets) escape as a server error. Here the body is read through ``HttpRequest.body``, which
enforces the limit (``RequestDataTooBig``: 400 ``too_large``), and any body Python's ``json``
cannot decode is a ``ParseError`` (400 ``bad_json``).
"""

import io
from typing import Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    """The API's JSON parser (``DEFAULT_PARSER_CLASSES``)."""

    def parse(
        self, stream: Any, media_type: str | None = None, parser_context: dict | None = None
    ) -> Any:
        request = (parser_context or {}).get("request")
        if request is not None:
            stream = io.BytesIO(request.body)
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError("JSON parse error - the body is nested too deeply.") from exc
