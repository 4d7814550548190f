"""Field types of the contract, shared by the HTTP API and the WebSocket commands.

Ids are the database's 64-bit keys: a number beyond them can name no row, and the database
driver refuses it with an error rather than finding nothing, so every id is bounded here.

The WebSocket commands take JSON types as sent (docs/protocol.md, "Errors": types are strict):
``"7"`` is not an id, ``7.0`` is not an integer, ``true`` is not a number and ``5`` is not a
text. DRF's own fields convert all of these.
"""

from typing import Any

from rest_framework import serializers

# The largest value of a BigAutoField (a signed 64-bit integer).
ID_MAX = 2**63 - 1


class IdField(serializers.IntegerField):
    """A row's id: an integer from 1 to ``ID_MAX``."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(min_value=1, max_value=ID_MAX, **kwargs)


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer: not a string of digits, a float (even ``2.0``) or a boolean."""

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictIdField(StrictIntegerField, IdField):
    """An id sent as a JSON integer."""


class StrictCharField(serializers.CharField):
    """A JSON string: a number or a boolean is not a text."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)
