"""Services of scores: the panel's mean, and the kept leaderboard against one computed from
scratch."""

import importlib

import pytest
from django.apps import apps as django_apps
from django.db.models import Count, Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from interview.domain import services
from interview.domain.protocol import CommandType
from interview.domain.standings import leaderboard_for
from interview.models import (
    Answer,
    Event,
    Round,
    Standing,
)

from .conftest import make_interviewer
from .factories import owner_seat, seat, session_for
from .services_kit import (
    RankingFromScratch,
    answer_totals_kept,
    answered,  # noqa: F401 (fixture)
    command,
    kept,
    live,  # noqa: F401 (fixture)
    push,
    racing,
    statements_of,
)


def panel_member(session, user):
    return services.joins._participant_new(
        session=session, role="interviewer", display_name=user.username, user=user
    ).participant


@pytest.mark.postgres
@pytest.mark.django_db
def test_an_answer_score_is_at_most_four_statements_first_rescored_and_by_a_second_member(
    answered, other_interviewer
):
    session, panel, _, answer = answered
    bob = panel_member(session, other_interviewer)
    for scorer, data in (
        (panel, {"score": 4, "feedback": "ok"}),
        (panel, {"score": 6}),
        (bob, {"score": 9, "feedback": "good"}),
    ):
        scored = command(CommandType.ANSWER_SCORE, {"answer_id": answer.id, **data})
        assert len(statements_of(scorer, scored)) <= 4
    assert leaderboard_for(session)[0].total == 7.5


@pytest.mark.django_db
def test_the_answers_score_is_the_panels_mean_of_their_newest_scores(live, other_interviewer):
    session, panel, ann, _ = live
    session.panel_invite_hash = ""
    rnd = push(session, panel)
    answer = services.answer_submit(session=session, participant=ann, round_id=rnd.id, text="a")
    bob = services.joins._participant_new(
        session=session, role="interviewer", display_name="bob", user=other_interviewer
    ).participant
    services.answer_score(session=session, participant=panel, answer_id=answer.id, score=4)
    assert services.answer_score(
        session=session, participant=bob, answer_id=answer.id, score=8
    ) == pytest.approx(6)
    assert services.answer_score(
        session=session, participant=panel, answer_id=answer.id, score=10
    ) == pytest.approx(9)
    assert answer.scores.count() == 2


@pytest.mark.django_db
def test_the_leaderboard_sums_rounds_and_breaks_ties_by_earlier_submission(live):
    session, panel, ann, ben = live
    r1 = push(session, panel)
    ben_answer = services.answer_submit(session=session, participant=ben, round_id=r1.id, text="b")
    ann_answer = services.answer_submit(session=session, participant=ann, round_id=r1.id, text="a")
    for answer in (ann_answer, ben_answer):
        services.answer_score(session=session, participant=panel, answer_id=answer.id, score=5)
    board = leaderboard_for(session)
    assert [(row.name, row.total, row.rank) for row in board] == [("Ben", 5, 1), ("Ann", 5, 2)]
    # A new revision of a scored answer is a later submission.
    services.answer_submit(session=session, participant=ben, round_id=r1.id, text="b, again")
    assert [row.name for row in leaderboard_for(session)] == ["Ann", "Ben"]
    r2 = push(session, panel)
    late = services.answer_submit(session=session, participant=ann, round_id=r2.id, text="a2")
    services.answer_score(session=session, participant=panel, answer_id=late.id, score=1)
    assert [(row.name, row.total) for row in leaderboard_for(session)] == [("Ann", 6), ("Ben", 5)]


@pytest.mark.django_db
def test_the_leaderboard_costs_the_same_queries_for_any_number_of_candidates(
    live, django_assert_num_queries
):
    session, panel, ann, ben = live

    def play(candidates):
        rnd = push(session, panel)
        for candidate in candidates:
            answer = services.answer_submit(
                session=session, participant=candidate, round_id=rnd.id, text="x"
            )
            services.answer_score(session=session, participant=panel, answer_id=answer.id, score=3)

    play([ann, ben])
    with django_assert_num_queries(1):
        assert len(leaderboard_for(session)) == 2
    play([seat(session, f"C{n}") for n in range(12)] + [ann])
    with django_assert_num_queries(1):
        assert len(leaderboard_for(session)) == 14


@pytest.mark.django_db(transaction=True)
def test_two_members_scoring_one_answer_at_once_both_count(answered, other_interviewer):
    session, panel, _, answer = answered
    bob = panel_member(session, other_interviewer)
    racing(
        lambda: services.answer_score(
            session=session, participant=panel, answer_id=answer.id, score=4
        ),
        lambda: services.answer_score(
            session=session, participant=bob, answer_id=answer.id, score=9
        ),
    )
    answer.refresh_from_db()
    assert (answer.score_sum, answer.score_count) == (13, 2)
    assert leaderboard_for(session)[0].total == 6.5


def answer_totals_from_scratch(session) -> dict[int, tuple[int, int]]:
    return {
        answer_id: (total or 0, count)
        for answer_id, total, count in Answer.objects.filter(round__session=session)
        .annotate(total=Sum("scores__score"), count=Count("scores"))
        .values_list("id", "total", "count")
    }


@pytest.fixture
def third_interviewer(db):
    return make_interviewer("carol")


plays = st.lists(
    st.one_of(
        st.tuples(st.just("push")),
        st.tuples(st.just("join")),
        st.tuples(st.just("submit"), st.integers(0, 4)),
        # Scores of 0, 5 and 10 by a panel of three make equal totals and thirds alike.
        st.tuples(
            st.just("score"),
            st.integers(0, 2),
            st.integers(0, 4),
            st.integers(0, 3),
            st.sampled_from([0, 5, 10, 7]),
        ),
    ),
    max_size=40,
)


@pytest.mark.django_db
@given(plays=plays, ranking=st.sampled_from(["total", "mean"]))
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_the_kept_leaderboard_is_the_one_computed_from_scratch(
    interviewer, other_interviewer, third_interviewer, bank, unbounded_sessions, plays, ranking
):
    """By either rule, whoever joins when, however the panel of three scores: the kept
    standings rank as the rules computed from every score would, ties to more answers."""
    session = session_for(interviewer, ranking=ranking)
    panel = [owner_seat(session)] + [
        panel_member(session, user) for user in (other_interviewer, third_interviewer)
    ]
    model = RankingFromScratch(ranking, [member.id for member in panel])
    candidates = []
    for name in ("Ann", "Ben"):
        candidates.append(seat(session, name))
        model.join(candidates[-1].id)
    rounds: list[Round] = []
    answers: dict[tuple[int, int], int] = {}
    for play in plays:
        if play[0] == "push" or (play[0] != "join" and not rounds):
            rounds.append(push(session, panel[0]))
            model.push()
        if play[0] == "join" and len(candidates) < 5:
            candidates.append(seat(session, f"Late {len(candidates)}"))
            model.join(candidates[-1].id)
        elif play[0] == "submit" and play[1] < len(candidates):
            candidate = candidates[play[1]]
            answer = services.answer_submit(
                session=session, participant=candidate, round_id=rounds[-1].id, text="a"
            )
            answers[(play[1], len(rounds) - 1)] = answer.id
            model.submit(answer.id, candidate.id)
        elif play[0] == "score":
            _, member, candidate, back, score = play
            answer_id = answers.get((candidate, max(len(rounds) - 1 - back, 0)))
            if answer_id is not None:
                services.answer_score(
                    session=session, participant=panel[member], answer_id=answer_id, score=score
                )
                model.score(answer_id, panel[member].id, score)
        assert kept(session) == model.leaderboard(session)
    assert answer_totals_kept(session) == answer_totals_from_scratch(session)


@pytest.mark.django_db
def test_a_panel_of_three_giving_thirds_sums_exactly(live, other_interviewer, third_interviewer):
    """Means of 1/3 and 2/3 add up to the same total as two answers of 1 and 0."""
    session, panel, ann, ben = live
    members = [panel, *(panel_member(session, u) for u in (other_interviewer, third_interviewer))]
    r1 = push(session, panel)
    ann_1 = services.answer_submit(session=session, participant=ann, round_id=r1.id, text="a")
    ben_1 = services.answer_submit(session=session, participant=ben, round_id=r1.id, text="b")
    r2 = push(session, panel)
    ben_2 = services.answer_submit(session=session, participant=ben, round_id=r2.id, text="b")
    ann_2 = services.answer_submit(session=session, participant=ann, round_id=r2.id, text="a")
    for answer, scores in (
        (ann_1, (1, 0, 0)),
        (ann_2, (1, 1, 0)),
        (ben_1, (1, 1, 1)),
        (ben_2, (0, 0, 0)),
    ):
        for member, score in zip(members, scores, strict=True):
            services.answer_score(
                session=session, participant=member, answer_id=answer.id, score=score
            )
    board = kept(session)
    # Equal totals and answers: Ben's last scored answer came first.
    assert [(row["name"], row["total"]) for row in board] == [("Ben", 1.0), ("Ann", 1.0)]


@pytest.mark.django_db
def test_a_rescore_without_feedback_keeps_the_earlier_feedback_and_replaces_the_score(answered):
    session, panel, _, answer = answered
    services.answer_score(
        session=session, participant=panel, answer_id=answer.id, score=3, feedback="kept"
    )
    assert services.answer_score(
        session=session, participant=panel, answer_id=answer.id, score=8
    ) == pytest.approx(8)
    assert list(answer.scores.values_list("score", "feedback")) == [(8, "kept")]
    assert Event.objects.filter(type="score.updated").last().payload["feedback"] == "kept"


@pytest.mark.django_db
def test_the_migration_fills_answer_totals_and_standings_as_the_services_keep_them(
    live, other_interviewer
):
    session, panel, ann, ben = live
    bob = panel_member(session, other_interviewer)
    rnd = push(session, panel)
    for candidate, scores in ((ann, (3, 8)), (ben, (6, 6))):
        answer = services.answer_submit(
            session=session, participant=candidate, round_id=rnd.id, text="a"
        )
        for member, score in zip((panel, bob), scores, strict=True):
            services.answer_score(
                session=session, participant=member, answer_id=answer.id, score=score
            )
    seat(session, "Cy")
    board, totals = kept(session), answer_totals_kept(session)
    Standing.objects.all().delete()
    Answer.objects.update(score_sum=0, score_count=0, shown_sum=0, room_sum=0, room_count=0)
    for module, fill in (
        ("0003_standings_and_answer_score_totals", "standings_fill"),
        ("0011_ranking", "rankings_fill"),
    ):
        getattr(importlib.import_module(f"interview.migrations.{module}"), fill)(django_apps, None)
    assert (kept(session), answer_totals_kept(session)) == (board, totals)
    assert [row["name"] for row in board] == ["Ben", "Ann", "Cy"]
    assert [row["joined_at"] for row in board] == [1, 1, 1]
