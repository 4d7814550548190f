"""The key points of every round in the welcome's ``rounds``, for the viewers who may see them.

The panel labels each answer's key-point coverage with its round's key points, closed rounds
included (docs/protocol.md, "Key-point coverage"); ``round.opened`` gives them to the panel
alone, and so does the snapshot.
"""

from interview.content.rendering import key_points_html
from interview.domain.protocol import EventType
from interview.domain.visibility import Lens, project
from interview.models import Round


def with_key_points(entries: list[dict], rounds: list[Round], lens: Lens) -> None:
    """Add ``key_points`` and ``key_points_html`` to each entry (one per round, in the same
    order) where ``round.opened`` shows them to this lens; nothing otherwise."""
    if "key_points" not in (project(EventType.ROUND_OPENED, {"key_points": []}, lens) or {}):
        return
    for entry, rnd in zip(entries, rounds, strict=True):
        entry["key_points"] = rnd.key_points
        entry["key_points_html"] = key_points_html(rnd.key_points)
