"""Field types of the contract, shared by the HTTP API and the WebSocket commands.

Ids are the database's 64-bit keys: a number beyond them can name no row, and the database
driver refuses it with an error rather than finding nothing, so every id is bounded here.
"""

from typing import Any

from rest_framework import serializers

# The largest value of a BigAutoField (a signed 64-bit integer).
ID_MAX = 2**63 - 1


class IdField(serializers.IntegerField):
    """A row's id: an integer from 1 to ``ID_MAX``."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(min_value=1, max_value=ID_MAX, **kwargs)
