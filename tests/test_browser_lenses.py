"""The browser's reducer (``state.js``, ``SessionState``) and the Python one
(``examples/room_state.RoomState``) agree: fed the same recorded welcome and events of every
lens, they hold the same room (leaderboard, round, participants, answers and their scores),
as a small projection of each shows it.

The course is recorded through the services as ``test_lenses`` runs them (its ``LensMachine``),
so each lens's frames are what that lens receives; the page only loads the module.
"""

import pytest
from asgiref.sync import sync_to_async

from examples.room_state import RoomState
from interview.domain import services
from interview.models import Answer, Question

from .test_lenses import LensMachine

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.end_to_end]


def course(machine: LensMachine) -> None:
    """Every kind of event: presence, rounds, answers (one kept at the close), scores with
    and without feedback, notes, signals, drafts, extra time, the finish."""
    owner, co = machine.owner, machine.co
    ann, ben = machine.candidates[:2]
    first, second = Question.objects.order_by("id").values_list("id", flat=True)[:2]
    for who in (ann, machine.seat("candidate"), machine.seat("spectator")):
        machine.channels[who.id] = channel = f"socket-{who.id}"
        machine.published(
            services.connection_open, participant=who, channel_name=channel, server_id="s"
        )
        machine.counts_sent()
    rnd = machine.command(owner, services.round_open, question_id=first)
    machine.command(co, services.participant_accommodate, participant_id=ben.id, extra_time_pct=25)
    machine.command(owner, services.round_extend, participant_id=ann.id, seconds=600)
    machine.command(ann, services.answer_draft, round_id=rnd.id, text="use a dict")
    machine.command(ann, services.signal_report, round_id=rnd.id, kind="hidden")
    machine.command(ben, services.answer_submit, round_id=rnd.id, text="a")
    for text in ("def f(): pass", "def f(): return 1"):
        machine.command(ann, services.answer_submit, round_id=rnd.id, text=text)
    anns = Answer.objects.get(participant=ann).id
    machine.command(owner, services.answer_score, answer_id=anns, score=7, feedback="good")
    machine.command(co, services.answer_score, answer_id=anns, score=5)
    machine.command(owner, services.note_save, answer_id=anns, text="sharp")
    machine.command(co, services.note_save, participant_id=ben.id, text="calm")
    machine.command(ben, services.answer_draft, round_id=rnd.id, text="second thought")
    machine.lenses[2].rewelcome()  # ann reconnects mid-way
    machine.command(owner, services.round_close)
    rnd = machine.command(owner, services.round_open, question_id=second)
    machine.command(ann, services.answer_submit, round_id=rnd.id, text="again")
    again = Answer.objects.get(participant=ann, round=rnd).id
    machine.command(owner, services.answer_score, answer_id=again, score=9, feedback="yes")
    machine.command(co, services.answer_score, answer_id=again, score=8, feedback="ok")
    machine.command(owner, services.answer_score, answer_id=again, score=8, feedback="")
    machine.published(services.connection_close, channel_name=machine.channels.pop(ann.id))
    machine.counts_sent()
    machine.command(owner, services.session_finish)


def recorded(owner_user, co_user) -> list[dict]:
    """Each lens's welcome and the frames it received since, over ``course``."""
    LensMachine.prepare(owner_user, co_user)
    machine = LensMachine()
    try:
        machine.room(ranking="total")
        course(machine)
        machine.lenses_checked()
        return [
            {"name": lens.name, "welcome": lens.welcome, "frames": lens.frames}
            for lens in machine.lenses
        ]
    finally:
        machine.teardown()


def projection(state: RoomState) -> dict:
    """What both reducers hold, as ``PROJECTION`` shows the browser's."""
    panel = state.panel
    snap = state.snapshot
    rnd = snap["round"]
    return {
        "status": snap["status"],
        "round": rnd
        and {
            "round_id": rnd["round_id"],
            "answered": sorted(rnd["answered"]),
            "deadlines": {str(d["participant_id"]): d["deadline"] for d in rnd["deadlines"]},
        },
        "board": [
            [row["participant_id"], row["name"], row["total"], row["rank"]] for row in state.board()
        ],
        "participants": sorted(
            [
                p["participant_id"],
                p["name"],
                p["role"],
                p.get("online", False),
                p.get("extra_time_pct", 0) if panel and p["role"] == "candidate" else None,
            ]
            for p in snap["participants"]
        ),
        "counts": snap["counts"],
        "answers": sorted(
            [
                a["answer_id"],
                a["round_id"],
                a["participant_id"],
                a["revision"],
                a.get("text"),
                a["score"],
                sorted([s["by"], s["feedback"]] for s in a["scores"] if panel or s["feedback"]),
            ]
            for a in snap["answers"]
        ),
        "drafts": sorted([d["participant_id"], d["text"]] for d in snap.get("drafts", [])),
        "signals": len(snap.get("signals", [])),
    }


# The same projection of a SessionState, in the page.
PROJECTION = """
async ({ welcome, frames }) => {
  const { SessionState } = await import("/static/interview/js/state.js");
  const state = new SessionState(welcome.session.code);
  state.welcome(welcome);
  for (const frame of frames) state.apply(frame);
  const panel = state.me.role === "interviewer";
  const byKey = (a, b) => a[0] - b[0];
  const round = state.round && {
    round_id: state.round.round_id,
    answered: [...state.round.answered].sort((a, b) => a - b),
    deadlines: Object.fromEntries(
      Object.entries(state.round.deadlines).map(([id, at]) => [String(id), at]),
    ),
  };
  return {
    status: state.status,
    round,
    board: state.board().map((r) => [r.participant_id, r.name, r.total, r.rank]),
    participants: [...state.participants.values()]
      .map((p) => [
        p.participant_id, p.name, p.role, p.online || false,
        panel && p.role === "candidate" ? p.extra_time_pct || 0 : null,
      ])
      .sort(byKey),
    counts: state.counts,
    answers: [...state.answers.values()]
      .map((a) => [
        a.answer_id, a.round_id, a.participant_id, a.revision, a.text === undefined ? null : a.text,
        a.score === undefined ? null : a.score,
        a.scores.filter((s) => panel || s.feedback).map((s) => [s.by, s.feedback]).sort(byKey),
      ])
      .sort(byKey),
    drafts: [...state.drafts.values()]
      .filter((d) => state.round && d.round_id === state.round.round_id)
      .map((d) => [d.participant_id, d.text])
      .sort(byKey),
    signals: state.signals.length,
  };
}
"""


async def test_the_browsers_reducer_and_the_python_one_hold_the_same_room(
    tabs, interviewer, other_interviewer, bank
):
    lenses = await sync_to_async(recorded)(interviewer, other_interviewer)
    page = await tabs.open("reducer", "/")
    for lens in lenses:
        state = RoomState(lens["welcome"])
        for frame in lens["frames"]:
            state.apply(frame)
        expected = projection(state)
        assert await page.evaluate(PROJECTION, lens) == expected, lens["name"]
        assert expected["answers"], lens["name"]
        assert expected["status"] == "finished", lens["name"]
