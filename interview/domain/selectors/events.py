"""Reads: a session's persisted events after a seq, as a viewer sees them or as stored."""

from django.db.models import Case, F, JSONField, Value, When

from interview.domain.protocol import EventType, timestamp
from interview.domain.visibility import Viewer, visible_to
from interview.models import Event


def events_after(session_id: int, last_seq: int, viewer: Viewer) -> list[dict]:
    """The persisted events after ``last_seq`` as this viewer sees them, in order.

    Events the viewer is not in the audience of are returned with ``data`` None, so the
    caller knows the numbers are accounted for. Drafts are replayed to nobody, and their
    texts are not even read: the panel's snapshot holds each candidate's latest (``drafts``),
    and a panel back after a while would otherwise be sent every draft typed meanwhile.
    """
    rows = (
        Event.objects.filter(session_id=session_id, seq__gt=last_seq)
        .order_by("seq")
        .defer("payload")
        .annotate(
            replayed=Case(
                When(type=EventType.ANSWER_DRAFTED, then=Value(None)),
                default=F("payload"),
                output_field=JSONField(),
            )
        )
    )
    return [
        {
            "seq": event.seq,
            "type": event.type,
            "ts": timestamp(event.created_at),
            "data": None
            if event.type == EventType.ANSWER_DRAFTED
            else visible_to(event.type, event.replayed, viewer, audience=event.audience),
        }
        for event in rows
    ]


def event_rows_after(session_id: int, last_seq: int) -> list[Event]:
    """The session's persisted events after ``last_seq``, in order, as stored (every lens)."""
    return list(Event.objects.filter(session_id=session_id, seq__gt=last_seq).order_by("seq"))
