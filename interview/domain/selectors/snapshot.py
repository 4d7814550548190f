"""Reads: the welcome snapshot, all of a session's state one viewer may see, in a constant
number of queries whatever the size of the room."""

from collections import defaultdict

from interview.content.rendering import key_points_html
from interview.domain.limits import client_limits
from interview.domain.payloads import question_asked, round_payload
from interview.domain.protocol import EventType, timestamp
from interview.domain.selectors.answers import (
    answer_view,
    drafts_of,
    personal_deadlines_visible,
    revisions_on_time,
    verdicts_of,
)
from interview.domain.selectors.lookups import rounds_of
from interview.domain.selectors.online import online_ids, presence_counts
from interview.domain.selectors.panel import notes_seen, signals_seen
from interview.domain.standings import leaderboard_for
from interview.domain.visibility import (
    PARTICIPANT_CARD,
    Lens,
    Viewer,
    audience_of,
    in_audience,
    lens_of,
    presence_visible,
    project,
    verdict_visible,
    visible_to,
)
from interview.models import Answer, InterviewSession, Participant, Round, Score

# A participant as the snapshot reads it: id, display name, role, extra time percent.
Person = tuple[int, str, str, int]


def snapshot_for(session: InterviewSession, viewer: Viewer) -> dict:
    """All of the session's state this viewer may see, in a constant number of queries.

    The panel's lens lists every role, the others' the roles ``visibility`` shows them; the
    answers are as the viewer may see them (``answers_seen``); the open round as
    ``round.opened`` shows it, with who answered it and the candidates' own deadlines; and,
    for those in their audience, the integrity signals, private notes and drafts."""
    lens = Lens.PANEL if viewer.role == Participant.Role.INTERVIEWER else Lens.PUBLIC
    # Only the roles this lens lists are read: a big room's public welcome stays small.
    listed = [role for role in Participant.Role if presence_visible(role, lens)]
    online = online_ids(session, listed)
    people = participants_listed(session, listed)
    rounds = list(rounds_of(session))
    open_round = next((rnd for rnd in rounds if rnd.closed_at is None), None)
    panel_size = sum(role == Participant.Role.INTERVIEWER for _, _, role, _ in people)
    answers = answers_seen(session, rounds, viewer, panel_size=panel_size)
    snapshot = {
        "status": session.status,
        "round": open_round_seen(open_round, answers, viewer),
        "rounds_played": len(rounds),
        "rounds": [_round_card(rnd) for rnd in rounds],
        "participants": [
            project(PARTICIPANT_CARD, _participant_card(pid, name, role, pid in online, pct), lens)
            for pid, name, role, pct in people
        ],
        "counts": presence_counts(session.id),
        "leaderboard": [row.as_dict() for row in leaderboard_for(session)],
        "ranking": session.ranking,
        "show_verdicts": session.show_verdicts,
        "answers": answers,
        "limits": client_limits(),
    }
    with_key_points(snapshot["rounds"], rounds, lens)
    return snapshot | panels_own(session, lens, open_round)


def participants_listed(session: InterviewSession, roles: list[str]) -> list[Person]:
    """The session's participants of these roles in order of joining, as tuples (the
    panel's welcome lists a big room's thousands, so no model instances). One query."""
    return list(
        Participant.objects.filter(session=session, role__in=roles)
        .order_by("id")
        .values_list("id", "display_name", "role", "extra_time_pct")
    )


def answers_seen(
    session: InterviewSession, rounds: list[Round], viewer: Viewer, *, panel_size: int
) -> list[dict]:
    """Every answer of the session as the viewer may see it (``answers.answer_view``), in
    order of round and answer, each with the verdict the viewer may see on its revision.
    At most four queries: the answers, their scores, their verdicts, and the revisions by
    the deadline when an answer was revised after its round's deadline and the viewer is
    not the panel."""
    lens = Lens.PANEL if viewer.role == Participant.Role.INTERVIEWER else Lens.PUBLIC
    answers = list(Answer.objects.filter(round__session=session).order_by("round_id", "id"))
    scores: dict[int, list[Score]] = defaultdict(list)
    for score in Score.objects.filter(answer__round__session=session).order_by("id"):
        scores[score.answer_id].append(score)
    deadlines = {rnd.id: rnd.deadline for rnd in rounds}
    verdicts = verdicts_of(answers)
    late = [a.id for a in answers if a.submitted_at > deadlines[a.round_id]]
    on_time = revisions_on_time(late) if late and lens is not Lens.PANEL else {}
    views = [
        view
        for answer in answers
        if (
            view := answer_view(
                answer,
                scores.get(answer.id, []),
                viewer,
                deadline=deadlines[answer.round_id],
                on_time=on_time.get(answer.id),
                panel_size=panel_size,
            )
        )
        is not None
    ]
    closed = {rnd.id: rnd.closed_at is not None for rnd in rounds}
    for view in views:
        verdict = verdicts.get((view["answer_id"], view["revision"]))
        seen = verdict and verdict_visible(
            verdict,
            lens_of(viewer, view["participant_id"]),
            show_verdicts=session.show_verdicts,
            round_closed=closed[view["round_id"]],
        )
        if seen:
            view["verdict"] = seen
    return views


def open_round_seen(open_round: Round | None, answers: list[dict], viewer: Viewer) -> dict | None:
    """The open round as ``round.opened`` shows it to the viewer, with ``answered`` (the
    candidates with an answer the viewer sees) and ``deadlines`` (the candidates' own the
    viewer may see); None without an open round. One query with a round."""
    if open_round is None:
        return None
    view = visible_to(EventType.ROUND_OPENED, round_payload(open_round), viewer)
    view["answered"] = sorted(
        {a["participant_id"] for a in answers if a["round_id"] == open_round.id}
    )
    view["deadlines"] = personal_deadlines_visible(open_round, viewer)
    return view


def panels_own(session: InterviewSession, lens: Lens, open_round: Round | None) -> dict:
    """What the snapshot holds for the audiences of the panel's own events: ``signals`` and
    ``signals_dropped``, ``notes``, and the open round's ``drafts``. For a lens outside
    those audiences, nothing and no query."""
    own: dict = {}
    if in_audience(audience_of(EventType.CANDIDATE_SIGNAL), lens):
        signals = signals_seen(session, lens)
        own |= {"signals": signals.kept, "signals_dropped": signals.dropped_list()}
    if in_audience(audience_of(EventType.NOTE_UPDATED), lens):
        own["notes"] = notes_seen(session, lens).kept
    if in_audience(audience_of(EventType.ANSWER_DRAFTED), lens):
        own["drafts"] = drafts_of(open_round)
    return own


def _round_card(rnd: Round) -> dict:
    return {
        "round_id": rnd.id,
        "position": rnd.position,
        "question": question_asked(rnd, prompt=False),
        "open": rnd.closed_at is None,
        "closed_at": timestamp(rnd.closed_at) if rnd.closed_at else None,
    }


def _participant_card(participant_id: int, name: str, role: str, online: bool, pct: int) -> dict:
    card = {"participant_id": participant_id, "name": name, "role": role, "online": online}
    if role == Participant.Role.CANDIDATE:
        card["extra_time_pct"] = pct
    return card


def with_key_points(entries: list[dict], rounds: list[Round], lens: Lens) -> None:
    """Add ``key_points`` and ``key_points_html`` to each entry of the welcome's ``rounds``
    (one per round, in the same order) where ``round.opened`` shows them to this lens; nothing
    otherwise. The panel labels each answer's coverage with its round's key points, closed
    rounds included (docs/protocol.md, "Key-point coverage")."""
    if "key_points" not in (project(EventType.ROUND_OPENED, {"key_points": []}, lens) or {}):
        return
    for entry, rnd in zip(entries, rounds, strict=True):
        entry["key_points"] = rnd.key_points
        entry["key_points_html"] = key_points_html(rnd.key_points)
