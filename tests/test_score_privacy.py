"""What a candidate and the room learn of the panel's scores: the panel's mean, never what one
interviewer gave, and nothing of a score given in extra time before the round closes.

Each check reads every quantity a candidate (or a spectator) can see, through the functions
that serve it: the live frames (``broadcast.event_message``, the text each lens is sent), the
replay (``selectors.events_after``), the welcome snapshot (``selectors.snapshot_for``),
``my-results`` (``selectors.candidate_results``) and their timeline after the finish
(``timeline.timeline_page``).
"""

import itertools
import json
from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from interview.domain import services
from interview.domain.broadcast import event_message
from interview.domain.selectors import candidate_results, events_after, snapshot_for
from interview.domain.standings import leaderboard_for, panel_mean
from interview.domain.timeline import timeline_page
from interview.models import Event, Question, Round

from .conftest import make_interviewer
from .factories import owner_seat, seat, session_for, viewer_of

pytestmark = pytest.mark.django_db


def live_frames(session, participant) -> list[dict]:
    """Every persisted event's frame as this participant's socket was sent it, in order."""
    frames = []
    for event in Event.objects.filter(session=session).order_by("seq"):
        message = event_message(event)
        lens = "author" if message.get("author") == participant.id else "public"
        text = message["texts"][lens]
        if text is not None:
            frames.append(json.loads(text))
    return frames


def everything_seen(session, participant, *, finished: bool) -> dict[str, object]:
    """Every quantity the participant can see, by where they see it."""
    viewer = viewer_of(participant)
    seen = {
        "live": live_frames(session, participant),
        "replay": events_after(session.id, 0, viewer),
        "snapshot": snapshot_for(session, viewer),
    }
    if finished and participant.role == "candidate":
        seen["my-results"] = candidate_results(participant)
        seen["timeline"] = timeline_page(session, viewer, limit=200).items
    return seen


def attributions(value: object, path: str = "") -> list[str]:
    """Where a score stands beside the interviewer who gave it (or their name)."""
    found = []
    if isinstance(value, dict):
        names = {"by", "by_name", "interviewer", "interviewer_id"} & set(value)
        numbers = {"score", "by_score"} & set(value)
        if names and numbers:
            found.append(f"{path}: {sorted(names)} with {sorted(numbers)}")
        for key, inner in value.items():
            found += attributions(inner, f"{path}.{key}")
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found += attributions(inner, f"{path}[{index}]")
    return found


def means_seen(seen: dict[str, object], answer_id: int) -> dict[str, list[float]]:
    """The means of one answer each place shows, in their order."""

    def of(items) -> list[float]:
        return [
            item["score"]
            for item in items
            if item.get("answer_id") == answer_id and item.get("score") is not None
        ]

    live = of(f["data"] for f in seen["live"] if f["type"] == "score.updated")
    replay = of(e["data"] for e in seen["replay"] if e["type"] == "score.updated" and e["data"])
    found = {"live": live, "replay": replay, "snapshot": of(seen["snapshot"]["answers"])}
    if "my-results" in seen:
        answers = [r["answer"] for r in seen["my-results"]["rounds"] if r["answer"]]
        found["my-results"] = of(answers)
        found["timeline"] = of(
            item["data"] for item in seen["timeline"] if item["type"] == "score.updated"
        )
    return found


def possible_scores(mean: float, panel: int) -> list[set[int]]:
    """What each of a panel's interviewers may have given, knowing only the panel's mean."""
    vectors = [
        v for v in itertools.product(range(11), repeat=panel) if panel_mean(sum(v), panel) == mean
    ]
    return [{vector[i] for vector in vectors} for i in range(panel)]


saves = st.lists(st.tuples(st.integers(0, 2), st.integers(0, 10)), min_size=1, max_size=8)


@given(panel_size=st.sampled_from([1, 2, 3]), saves=saves)
@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_no_interviewers_score_follows_from_anything_a_candidate_or_the_room_sees(
    interviewer, other_interviewer, bank, panel_size, saves
):
    """For panels of 1, 2 and 3, whatever order they score and rescore in.

    The rule (docs/protocol.md, "What the candidate learns of scores"): a mean reaches the
    author and the room only when every panel member has saved a score since the last one they
    saw, so each mean they see is the whole panel's, and no two differ by one interviewer's
    change; nothing they see puts a score beside its interviewer. Then what they know of one
    interviewer's score is what the last mean alone says: for a panel of one, the mean is the
    score; for more, only a mean of 0 or 10 says what each gave.
    """
    session = session_for(interviewer)
    users = [interviewer, other_interviewer, make_interviewer(f"carol{next(carols)}")]
    panel = [owner_seat(session)] + [
        services.joins._participant_new(
            session=session, role="interviewer", display_name=user.username, user=user
        ).participant
        for user in users[1:panel_size]
    ]
    ann, ben = seat(session, "Ann"), seat(session, "Ben")
    wall = seat(session, "Wall", role="spectator")
    rnd = services.round_open(
        session=session, participant=panel[0], question_id=Question.objects.first().id
    )
    answer = services.answer_submit(session=session, participant=ann, round_id=rnd.id, text="a")
    # The truth: each interviewer's score after each save, and the means the rule lets out.
    current: dict[int, int] = {}
    saved_since: set[int] = set()
    let_out: list[float] = []
    for member, score in [*saves, *((m, 5) for m in range(panel_size))]:
        member %= panel_size
        services.answer_score(
            session=session,
            participant=panel[member],
            answer_id=answer.id,
            score=score,
            feedback=f"words {member}",
        )
        current[member] = score
        saved_since.add(member)
        if len(saved_since) == panel_size:
            let_out.append(panel_mean(sum(current.values()), panel_size))
            saved_since.clear()
    services.session_finish(session=session, participant=panel[0])
    session.refresh_from_db()

    for who in (ann, ben, wall):
        seen = everything_seen(session, who, finished=True)
        assert not attributions(seen), (who.display_name, attributions(seen))
        means = means_seen(seen, answer.id)
        # Live and replayed, exactly the means of whole passes of the panel, in order; every
        # other place shows the last of them.
        assert means["live"] == let_out == means["replay"], who.display_name
        assert means["snapshot"] == let_out[-1:], who.display_name
        if who == ann:  # her results and timeline are hers: Ben's have none of her answer
            assert means["my-results"] == let_out[-1:]
            assert means["timeline"] == let_out
        (me,) = [row for row in seen["snapshot"]["leaderboard"] if row["participant_id"] == ann.id]
        assert me["total"] == let_out[-1]
        if who == ann:
            words = [f for f in seen["live"] if f["type"] == "feedback.updated"]
            assert {f["data"]["feedback"] for f in words} == {
                f"words {m}" for m in range(panel_size)
            }
            assert all("score" not in f["data"] for f in words)

    # So what follows of one interviewer's score is what the last mean alone says.
    for member, possible in enumerate(possible_scores(let_out[-1], panel_size)):
        assert current[member] in possible
        if panel_size > 1 and let_out[-1] not in (0, 10):
            assert len(possible) > 1, (panel_size, let_out[-1], member)


carols = itertools.count()


def test_a_panel_of_two_never_shows_the_first_score_alone(interviewer, other_interviewer, bank):
    """The review's case: alice gives 7, bob 3. The room and Ann see 5, once; never 7."""
    session = session_for(interviewer)
    alice = owner_seat(session)
    bob = services.joins._participant_new(
        session=session, role="interviewer", display_name="bob", user=other_interviewer
    ).participant
    ann, wall = seat(session, "Ann"), seat(session, "Wall", role="spectator")
    rnd = services.round_open(
        session=session, participant=alice, question_id=Question.objects.first().id
    )
    answer = services.answer_submit(session=session, participant=ann, round_id=rnd.id, text="a")
    services.answer_score(session=session, participant=alice, answer_id=answer.id, score=7)
    for who in (ann, wall):
        seen = everything_seen(session, who, finished=False)
        assert means_seen(seen, answer.id) == {"live": [], "replay": [], "snapshot": []}
        assert seen["snapshot"]["leaderboard"][0]["total"] == 0
    services.answer_score(session=session, participant=bob, answer_id=answer.id, score=3)
    for who in (ann, wall):
        seen = everything_seen(session, who, finished=False)
        assert means_seen(seen, answer.id) == {"live": [5.0], "replay": [5.0], "snapshot": [5.0]}
    # The panel sees each score as it comes, and what the room waits for.
    (waiting, *_) = [e.payload for e in Event.objects.filter(type="score.updated")]
    assert (waiting["score"], waiting["by_score"], waiting["awaiting"]) == (7, 7, 1)


# --- a score of an answer given in extra time ----------------------------------------------


def board_total(leaderboard: list[dict], participant) -> float:
    (row,) = [row for row in leaderboard if row["participant_id"] == participant.id]
    return row["total"]


def test_a_score_given_in_extra_time_reaches_the_room_only_at_the_close(interviewer, bank):
    """Ann answers at 10.5 s of a 10 s round, in her extra time, and is scored 9: she and the
    panel see it at once; the room's frames, replays, snapshots and leaderboard say nothing
    of it until the round closes for everyone, then the room gets it like any score."""
    session = session_for(interviewer)
    panel = owner_seat(session)
    ann, ben = seat(session, "Ann"), seat(session, "Ben")
    wall = seat(session, "Wall", role="spectator")
    rnd = services.round_open(
        session=session, participant=panel, question_id=Question.objects.first().id
    )
    services.round_extend(session=session, participant=panel, participant_id=ann.id, seconds=15)
    bens = services.answer_submit(session=session, participant=ben, round_id=rnd.id, text="b")
    Round.objects.filter(pk=rnd.pk).update(deadline=timezone.now())  # Ben was on time
    late = services.answer_submit(session=session, participant=ann, round_id=rnd.id, text="a")
    services.answer_score(session=session, participant=panel, answer_id=late.id, score=9)
    # Ben is scored after her: the room's leaderboard in his score has her at 0, 0 answered.
    services.answer_score(session=session, participant=panel, answer_id=bens.id, score=4)

    for who in (ben, wall):
        seen = everything_seen(session, who, finished=False)
        assert means_seen(seen, late.id) == {"live": [], "replay": [], "snapshot": []}
        boards = [f["data"]["leaderboard"] for f in seen["live"] if "leaderboard" in f["data"]]
        boards += [seen["snapshot"]["leaderboard"]]
        for board in boards:
            assert board_total(board, ann) == 0
            assert [r["answered"] for r in board if r["participant_id"] == ann.id] == [0]
        text = json.dumps(seen, default=str)
        assert "in_extra_time" not in text, text[text.index("in_extra_time") - 300 :][:400]
    mine = everything_seen(session, ann, finished=False)
    assert means_seen(mine, late.id) == {"live": [9.0], "replay": [9.0], "snapshot": [9.0]}
    (panels,) = [e.payload for e in Event.objects.filter(type="score.updated")][:1]
    assert (panels["score"], panels["in_extra_time"]) == (9, True)

    services.round_close(session=session, participant=panel)
    for who in (ben, wall):
        seen = everything_seen(session, who, finished=False)
        assert means_seen(seen, late.id) == {"live": [9.0], "replay": [9.0], "snapshot": []}
        (released,) = [
            f for f in seen["live"] if f["type"] == "score.updated" and f["data"]["score"] == 9
        ]
        closed = next(f for f in seen["live"] if f["type"] == "round.closed")
        assert released["seq"] > closed["seq"]
        assert board_total(released["data"]["leaderboard"], ann) == 9
        assert board_total(seen["snapshot"]["leaderboard"], ann) == 9
    assert [row.name for row in leaderboard_for(session)] == ["Ann", "Ben"]


def test_a_round_closed_by_the_clock_releases_its_extra_time_scores(interviewer, bank):
    session = session_for(interviewer)
    panel = owner_seat(session)
    ann, wall = seat(session, "Ann"), seat(session, "Wall", role="spectator")
    rnd = services.round_open(
        session=session, participant=panel, question_id=Question.objects.first().id
    )
    services.round_extend(session=session, participant=panel, participant_id=ann.id, seconds=15)
    Round.objects.filter(pk=rnd.pk).update(deadline=timezone.now() - timedelta(seconds=1))
    late = services.answer_submit(session=session, participant=ann, round_id=rnd.id, text="a")
    services.answer_score(session=session, participant=panel, answer_id=late.id, score=6)
    assert means_seen(everything_seen(session, wall, finished=False), late.id)["live"] == []
    Round.objects.filter(pk=rnd.pk).update(extended_until=timezone.now())
    assert services.rounds_close_due(session_id=session.id) == 1
    seen = everything_seen(session, wall, finished=False)
    assert means_seen(seen, late.id)["live"] == [6.0]
    assert board_total(seen["snapshot"]["leaderboard"], ann) == 6
    assert seen["snapshot"]["leaderboard"][0]["answered"] == 1
